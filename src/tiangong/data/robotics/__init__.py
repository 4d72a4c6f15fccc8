"""Robotic-arm and station-hull geometry parameters (TOML, loaded with importlib.resources)."""
