"""On-disk cache of computed orbit products (numpy ``.npz`` files, no pickle).

What it is for: a propagated scenario orbit takes seconds (a six-month NRLMSIS propagation, the
reboost plan, eclipse search); every later run of the same scenario -- a fork, a restore, a
campaign that varies the crew or the faults -- needs exactly the same orbit.  The key is a SHA-256
of the call's inputs and of everything in the package that could change the answer (every source
and data file of tiangong, the numpy/numba/sgp4/skyfield/pymsis versions, the machine type), so a
changed TLE, space weather, station configuration or line of code is a miss, never a stale hit.

Where: ``$TIANGONG_CACHE_DIR``, else ``$XDG_CACHE_HOME/tiangong``, else ``~/.cache/tiangong``
(subfolder ``orbit``); ``TIANGONG_NO_CACHE=1`` turns it off.  Files are written whole to a
temporary name and renamed, so a reader never sees half a file; an unreadable, truncated or
foreign file is a miss (and is replaced); an unwritable directory means no cache, not an error.
At most ``MAX_FILES`` files are kept (the least recently used go).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

FORMAT = 1
MAX_FILES = 32
_META = "__meta__"


def directory() -> Path | None:
    """The cache folder, or None when caching is off."""
    if os.environ.get("TIANGONG_NO_CACHE", "").strip() not in ("", "0"):
        return None
    base = os.environ.get("TIANGONG_CACHE_DIR")
    if base:
        return Path(base) / "orbit"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg or Path.home() / ".cache") / "tiangong" / "orbit"


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """SHA-256 of every file of the installed package (code and data) and the numeric libraries."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".nbi", ".nbc"):
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    for dist in ("numpy", "numba", "llvmlite", "sgp4", "skyfield", "pymsis", "jplephem"):
        try:
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{dist}=none".encode())
    h.update(platform.machine().encode())
    return h.hexdigest()


def key(kind: str, **inputs) -> str:
    """Cache key of a computation ``kind`` with JSON-serialisable ``inputs``."""
    text = json.dumps({"format": FORMAT, "kind": kind, "inputs": inputs, "code": _code_fingerprint()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load(k: str) -> tuple[dict, dict] | None:
    """``(meta, arrays)`` stored under key ``k``, or None (off, missing or unreadable)."""
    d = directory()
    if d is None:
        return None
    path = d / f"{k}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files if name != _META}
            meta = json.loads(bytes(z[_META]).decode())
        if meta.get("key") != k:
            return None
        os.utime(path)  # recently used
        return meta["meta"], arrays
    except Exception:  # noqa: BLE001 -- any unreadable file is a miss; the caller recomputes
        return None


def store(k: str, value: tuple[dict, dict]) -> bool:
    """Store ``(meta, arrays)`` under key ``k``; False when the cache is off or not writable."""
    d = directory()
    if d is None:
        return False
    meta, arrays = value
    try:
        d.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        blob = np.frombuffer(json.dumps({"key": k, "meta": meta}).encode(), dtype=np.uint8)
        np.savez(buf, **{_META: blob}, **{name: np.asarray(a) for name, a in arrays.items()})
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buf.getvalue())
            os.replace(tmp, d / f"{k}.npz")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(d)
        return True
    except OSError:
        return False


def _prune(d: Path) -> None:
    files = sorted(d.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for p in files[MAX_FILES:]:
        p.unlink(missing_ok=True)


def clear() -> int:
    """Delete every cached file; returns how many."""
    d = directory()
    if d is None or not d.is_dir():
        return 0
    n = 0
    for p in d.glob("*.npz"):
        p.unlink(missing_ok=True)
        n += 1
    return n


def memo(kind: str, inputs: dict, compute) -> dict:
    """Arrays ``compute()`` returns (a dict of numpy arrays), from the cache under (``kind``,
    ``inputs``) when they were computed before, else computed and stored: for searches on a
    scenario orbit (contact windows, ground-track positions) that cost seconds and are the same on
    every run of the scenario."""
    k = key(kind, **inputs)
    hit = load(k)
    if hit is not None:
        return hit[1]
    arrays = {name: np.asarray(a) for name, a in compute().items()}
    store(k, ({}, arrays))
    return arrays


def memo_events(kind: str, inputs: dict, compute):
    """``(t_s, kinds, names)`` event lists through :func:`memo`."""
    def arrays():
        t, kinds, names = compute()
        return {"t_s": np.asarray(t, dtype=float), "kinds": np.asarray(list(kinds), dtype=str),
                "names": np.asarray(list(names), dtype=str)}

    a = memo(kind, inputs, arrays)
    return a["t_s"].astype(float), [str(x) for x in a["kinds"]], [str(x) for x in a["names"]]
