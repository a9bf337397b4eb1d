"""Background builds of tier-2 native code (issue 18): a run that spent more
than AUTO_AFTER seconds in the VM without native code starts, when it ends,
a detached process that builds the program's native code for next time.

* one build at a time per program (orus/tier2/lock.py: a lock file beside
  the library, created with O_EXCL; a stale one is taken over), and at most
  MAX_JOBS (2; ORUS_TIER2_AUTO_JOBS) builds at a time in the folder: a long
  run finding them busy starts none (its next long run asks again);
* the run never waits: the child is a new session with no stdin/stdout/
  stderr, started after the program's output is flushed (~2 ms of Popen,
  only for runs that already took AUTO_AFTER);
* a killed build leaves nothing half-written (library then manifest, each
  written atomically; a library without its manifest is never loaded);
* ORUS_TIER2=0 turns it off with tier 2, ORUS_TIER2_AUTO=0 alone.

Two kinds of program:

* a file (`orus run FILE`): the child is ``python -m orus.autobuild_main
  FILE LOCK``; it compiles the file again (its saved bytecode when unchanged);
* a program that is not a file (a notebook cell of ``orus.run``, a session
  input: ``saved=True``; `orus run -`): the program itself is written to
  ``<tier-2 folder>/<key>.orusbc`` (orus/bytecode/program.py's format,
  atomically) and the child is ``python -m orus.autobuild_main --saved
  PROGRAM LOCK``; it loads exactly those arrays (so the key it builds is the
  key the next run looks for), builds, and deletes the file.  A killed
  child's file is overwritten by the next build of that key, or deleted by
  the folder's trim once it is 10 minutes old (store.STALE_SAVED).

The command line's `orus run`, ``orus.run`` (notebook cells) and
``orus.Session`` (REPL, ``%%orus``) ask for it; ``run_source``/``run_file``
do not.
"""

from __future__ import annotations

import os
import sys

CHILD = "orus.autobuild_main"
AUTO_AFTER = 0.5          # seconds of a run before its program is worth native code
MAX_JOBS = 2              # background builds at a time (all programs; a notebook's
                          # long cells run one after another would start one each)
SAVED_ID = "tier2-build"  # the fingerprint field of a program saved for its builder


def _threshold() -> float:
    """AUTO_AFTER, or ORUS_TIER2_AUTO_AFTER (seconds; tests use 0)."""
    try:
        return float(os.environ.get("ORUS_TIER2_AUTO_AFTER", AUTO_AFTER))
    except ValueError:
        return AUTO_AFTER


def _jobs() -> int:
    """MAX_JOBS, or ORUS_TIER2_AUTO_JOBS."""
    try:
        return max(1, int(os.environ.get("ORUS_TIER2_AUTO_JOBS", MAX_JOBS)))
    except ValueError:
        return MAX_JOBS


def wanted() -> bool:
    from orus import tier2
    return tier2.enabled() and os.environ.get("ORUS_TIER2_AUTO", "1") != "0"


def maybe_start(program, seconds: float, saved: bool = False) -> bool:
    """Start a background build of `program`'s native code if the run took
    `seconds` >= AUTO_AFTER and nothing is built or being built for it.
    The builder compiles the program's file again, or, with `saved` or when
    the program is no file, loads the program's arrays written for it (cells
    and session inputs).  True if a build was started.  Never raises."""
    if seconds < _threshold() or not wanted():
        return False
    try:
        if not saved:
            path = program.filename
            if not path or not os.path.isfile(path):
                saved = True                      # `orus run -`: not a file either
        from orus.jit import cache
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
        if lock.running(where) >= _jobs():
            return False                          # the next long run asks again
        held = lock.acquire(key, where)
        if held is None:
            return False                          # a build of it is running
        import subprocess
        try:
            if saved:
                from orus.bytecode import program as bytecode
                path = os.path.join(where, key + store.SUFFIX_SAVED)
                bytecode.save(program, path, SAVED_ID)
                args = ["--saved", path, held]
            else:
                args = [os.path.abspath(path), held]
            subprocess.Popen([sys.executable, "-m", CHILD] + args, env=cache.child_env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        except BaseException as exc:              # (Ctrl-C too: never leave the lock held)
            lock.release(held)
            if not isinstance(exc, Exception):
                raise
            return False
        return True
    except Exception:                             # never fail a run over an optimisation
        return False
