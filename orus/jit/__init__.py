"""The VM loop (vm.py) and how a run gets it.

``get_vm()`` returns a callable with the positional signature of
``orus.jit.vm.run`` (the arrays listed in abi.py):

  1. the native artifact (aot.py), when the cache holds a valid one: loaded
     with ctypes, without importing numba or llvmlite;
  2. else the njit loop from its fingerprinted Numba cache;
  3. else (nothing built yet, or the native artifact is corrupt) it says so
     once on stderr, builds the cache (warm.py) for next time, and uses it.

ORUS_NATIVE=0 skips the native artifact (njit only).  Importing this package
imports neither numpy nor numba.
"""

from __future__ import annotations

import os
import sys

from orus.jit.numba_cache import point_numba_cache

_VM = None
_NJIT = None
def get_njit_vm():
    """The njit dispatcher of orus.jit.vm.run (imports numba)."""
    global _NJIT
    if _NJIT is None:
        point_numba_cache()
        from orus.jit import vm
        _NJIT = vm.run
    return _NJIT


def get_native_vm(folder=None):
    """The native VM if the cache holds a valid artifact, else None."""
    from orus.jit import aot, cache
    if folder is None:
        folder, _ = cache.find_vm_dir()
    if folder is None:
        return None
    try:
        return aot.load(str(folder), cache.fingerprint())
    except aot.ArtifactError:
        return None


def _select_vm():
    from orus.jit import aot, cache
    native_ok = os.environ.get("ORUS_NATIVE", "1") != "0"
    folder, _ = cache.find_vm_dir()
    problem = None          # why the native artifact needs a (re)build, if it does
    if native_ok and folder is not None:
        try:
            return aot.load(str(folder), cache.fingerprint())
        except aot.Unavailable:
            pass                                # warm-cache recorded why: njit it is
        except aot.ArtifactError as exc:
            problem = str(exc)
    njit_ok = folder is not None and os.path.exists(os.path.join(folder, cache.NJIT_MARKER))
    if njit_ok and problem is None:
        return get_njit_vm()
    from orus.jit import warm
    target = cache.vm_cache_dir()               # the writable cache folder, if any
    if target is None:
        warm.announce("no writable cache folder (tried %s; set ORUS_CACHE_DIR to one): "
                      "compiling the VM for this run only (slow)..."
                      % ", ".join(str(p) for p in cache.candidate_roots()))
        return get_njit_vm()
    if njit_ok:
        warm.announce(("building the native VM for this installation (once; "
                       if problem == "not built" else "rebuilding the native VM (%s; " % problem)
                      + "`orus warm-cache` does it ahead of time)...")
    else:
        warm.announce()
    try:
        warm.warm(quiet=True, native=native_ok)
    except OSError as exc:                      # the folder went away or became read-only
        sys.stderr.write("orus: could not write the VM cache (%s); continuing without it\n" % exc)
        return get_njit_vm()
    if native_ok:
        vm = get_native_vm(target)
        if vm is not None:
            return vm
    return get_njit_vm()


def get_vm():
    """The VM for this process (see the module docstring); chosen once."""
    global _VM
    if _VM is None:
        _VM = _select_vm()
    return _VM


def preload_native_vm() -> bool:
    """Load the native VM now if the cache holds a valid one (never builds,
    never prints, never imports numba).  True if it is loaded."""
    global _VM
    if _VM is not None:
        return True
    if os.environ.get("ORUS_NATIVE", "1") == "0":
        return False
    try:
        vm = get_native_vm()
    except Exception:
        return False
    if vm is not None:
        _VM = vm
    return vm is not None


def get_profiling_vm(prof):
    """A VM callable that counts executed instructions per pc into `prof`
    (an int64 array, one slot per instruction).  Always the njit loop: the
    native artifact holds only the non-counting specialisation.  The first
    use in an installation builds that specialisation (warm.warm_profiling:
    announced, about as long as warm-cache) into the njit cache."""
    from orus.jit import warm
    warm.warm_profiling()
    get_njit_vm()
    from orus.jit import vm

    def run(*args):
        return vm.run_with(*args, prof)
    return run
