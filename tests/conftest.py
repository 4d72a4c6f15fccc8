"""Session-wide test settings: the orbit-product cache goes to a fresh temporary folder (removed
at the end), so the tests never read or fill the user's ~/.cache and every session starts cold."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="tiangong-test-cache-")
os.environ["TIANGONG_CACHE_DIR"] = _CACHE
os.environ.pop("TIANGONG_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
