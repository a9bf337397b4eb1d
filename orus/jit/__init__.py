"""Everything Numba: the VM loop (vm.py), its cache location (cache.py).

Importing this package does not import numba; ``get_vm`` does, after pointing
Numba's cache at the fingerprinted folder.
"""

from __future__ import annotations

import os
import sys

_VM = None


def _point_numba_cache() -> str | None:
    from . import cache
    folder = cache.vm_cache_dir()
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:                  # already imported: set it directly
        import numba.core.config as config
        config.CACHE_DIR = str(folder)
    return str(folder)


def get_vm():
    """The compiled `run` function of orus.jit.vm (njit dispatcher)."""
    global _VM
    if _VM is None:
        _point_numba_cache()
        from . import vm
        _VM = vm.run
    return _VM
