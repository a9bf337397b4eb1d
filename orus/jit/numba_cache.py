"""Where Numba keeps the njit cache: the fingerprinted VM folder (see
cache.py), or a temporary folder when no cache folder is writable."""

from __future__ import annotations

import os
import sys

_TEMP_NUMBA_DIR = None


def point_numba_cache() -> str | None:
    """Set Numba's cache folder to the fingerprinted one (a temporary folder
    when no cache folder is writable, so that cache=True still works)."""
    global _TEMP_NUMBA_DIR
    from orus.jit import cache
    folder = cache.vm_cache_dir()
    if folder is not None:
        os.makedirs(folder, exist_ok=True)
        path = folder
    else:
        if _TEMP_NUMBA_DIR is None:
            import atexit
            import shutil
            import tempfile
            _TEMP_NUMBA_DIR = tempfile.mkdtemp(prefix="orus-numba-")
            atexit.register(shutil.rmtree, _TEMP_NUMBA_DIR, True)
        path = _TEMP_NUMBA_DIR
    os.environ["NUMBA_CACHE_DIR"] = path
    if "numba" in sys.modules:                  # already imported: set it directly
        import numba.core.config as config
        config.CACHE_DIR = path
    return None if folder is None else path
