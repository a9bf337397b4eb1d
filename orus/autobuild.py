"""Background builds of tier-2 native code (issue 18): a run that spent more
than AUTO_AFTER seconds in the VM without native code starts, when it ends,
a detached process that builds the program's native code for next time.

* one build at a time per program (orus/tier2/lock.py: a lock file beside
  the library, created with O_EXCL; a stale one is taken over);
* the run never waits: the child is a new session with no stdin/stdout/
  stderr, started after the program's output is flushed (~2 ms of Popen,
  only for runs that already took AUTO_AFTER);
* a killed build leaves nothing half-written (library then manifest, each
  written atomically; a library without its manifest is never loaded);
* ORUS_TIER2=0 turns it off with tier 2, ORUS_TIER2_AUTO=0 alone.

The child is ``python -m orus.autobuild_main FILE LOCK`` (a top-level entry
point: it compiles the program's source and builds through the API, which
imports this module).
The command line's `orus run` asks for it; the Python API does not.
"""

from __future__ import annotations

import os
import sys

CHILD = "orus.autobuild_main"
AUTO_AFTER = 0.5          # seconds of a run before its program is worth native code


def _threshold() -> float:
    """AUTO_AFTER, or ORUS_TIER2_AUTO_AFTER (seconds; tests use 0)."""
    try:
        return float(os.environ.get("ORUS_TIER2_AUTO_AFTER", AUTO_AFTER))
    except ValueError:
        return AUTO_AFTER


def wanted() -> bool:
    from orus import tier2
    return tier2.enabled() and os.environ.get("ORUS_TIER2_AUTO", "1") != "0"


def maybe_start(program, seconds: float) -> bool:
    """Start a background build of `program`'s native code if the run took
    `seconds` >= AUTO_AFTER, the program is a file, nothing is built or
    being built for it.  True if a build was started.  Never raises."""
    if seconds < _threshold() or not wanted():
        return False
    try:
        path = program.filename
        if not path or not os.path.isfile(path):
            return False
        from orus.tier2 import lock, store
        where = store.folder()
        if where is None:
            return False
        key = store.key(program)
        try:
            store.validate(key, where)
            return False                          # built already
        except store.Tier2Error:
            pass
        held = lock.acquire(key, where)
        if held is None:
            return False                          # a build of it is running
        import subprocess
        try:
            subprocess.Popen([sys.executable, "-m", CHILD, os.path.abspath(path), held],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        except OSError:
            lock.release(held)
            return False
        return True
    except Exception:                             # never fail a run over an optimisation
        return False
