"""The background build a long run starts (orus/autobuild.py):

    python -m orus.autobuild_main FILE LOCK

compiles FILE (its saved bytecode when unchanged), verifies it, builds its
tier-2 native code (orus/tier2/build.py) and removes the lock file LOCK
whatever happens.  No output: it runs detached from the user's terminal.
"""

from __future__ import annotations

import sys


def main(path: str, held: str) -> int:
    from orus.tier2 import lock
    try:
        from orus import api
        with open(path, "rb") as fh:
            source = fh.read()
        api.build_tier2(api.load_program(source, path))
        return 0
    except Exception:
        return 1
    finally:
        lock.release(held)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
