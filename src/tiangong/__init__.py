"""tiangong: a digital twin of the Tiangong (China Space Station).

The public API lives in :mod:`tiangong.api`; names are re-exported here lazily so that
``import tiangong`` stays cheap and has no side effects.
"""

__version__ = "0.1.0"

_API = {"Scenario", "Simulation", "simulate", "station_at", "Result"}


def __getattr__(name):  # PEP 562 lazy façade
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'tiangong' has no attribute {name!r}")
