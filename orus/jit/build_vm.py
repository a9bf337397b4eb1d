"""`python -m orus.jit.build_vm FOLDER FINGERPRINT [--njit] [--native] [--profiling]`:
warm-cache's build of the VM in a process of its own, with the lean Numba
build (orus/jit/lean_build.py), which leaves the helpers' dispatchers of
this process unusable from Python -- hence the separate process.  Progress
goes to stdout, one line per step; the parent (warm.py) holds the cache lock
and relays it.  Exit status 0 when everything asked for was built."""

from __future__ import annotations

import os
import sys


def main(argv) -> int:
    folder, fp = argv[0], argv[1]
    os.environ["NUMBA_CACHE_DIR"] = folder
    from orus.jit import cache, lean_build, warm
    if cache.fingerprint(fresh=True) != fp:
        print("this process computes another VM fingerprint than its parent", file=sys.stderr)
        return 3

    def say(text):
        print(text, flush=True)
    with lean_build.lean_numba_build():
        if "--profiling" in argv:
            warm.build_profiling(folder)
        else:
            warm.build_steps(folder, fp, "--njit" not in argv, "--native" in argv, say, say)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
