"""`orus warm-cache`: compile the VM ahead of time into its fingerprinted cache.

Numba compiles `run` for the argument types of its first call and saves the
machine code (cache=True).  Running a one-instruction program through a real
Machine gives exactly the types every later run uses, so later processes load
the cache instead of compiling.  A marker file records a finished build.
"""

from __future__ import annotations

import os
import sys
import time

from . import cache

MARKER = "warm.ok"


def is_warm() -> bool:
    folder = cache.vm_cache_dir()
    return folder is not None and (folder / MARKER).exists()


def _tiny_program():
    from .. import opcodes as op
    from ..bytecode import ProgramBuilder
    b = ProgramBuilder("<warm-cache>")
    f = b.declare_function("<main>", 0)
    b.begin_function(f)
    b.emit(op.HALT)
    b.end_function(f, 1)
    return b.finish()


def warm(quiet: bool = False) -> float:
    """Compile (or load) the VM and mark the cache warm; returns seconds taken."""
    from . import _point_numba_cache, get_vm
    from ..runtime import Machine
    folder = _point_numba_cache()
    t0 = time.perf_counter()
    lock = _Lock(folder)
    with lock:
        Machine(_tiny_program(), get_vm(), lambda data: None).run()
        if folder is not None:
            marker = os.path.join(folder, MARKER)
            tmp = marker + ".%d" % os.getpid()
            with open(tmp, "w") as fh:
                fh.write("built %s\n" % time.strftime("%Y-%m-%d %H:%M:%S"))
            os.replace(tmp, marker)
    return time.perf_counter() - t0


class _Lock:
    """An exclusive file lock so that one process compiles while others wait
    (Numba's cache is not safe for concurrent writers)."""

    def __init__(self, folder):
        self.path = None if folder is None else os.path.join(folder, ".lock")
        self.fh = None

    def __enter__(self):
        if self.path is not None:
            try:
                import fcntl
                self.fh = open(self.path, "a")
                fcntl.flock(self.fh, fcntl.LOCK_EX)
            except (OSError, ImportError):
                self.fh = None
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            import fcntl
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
        return False


def announce_if_cold() -> None:
    """Say once, on stderr, that this run pays for compiling the VM."""
    if not is_warm():
        sys.stderr.write("orus: compiling the VM for this installation "
                         "(once; `orus warm-cache` does it ahead of time)...\n")
        sys.stderr.flush()
