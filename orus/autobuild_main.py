"""The background build a long run starts (orus/autobuild.py):

    python -m orus.autobuild_main FILE LOCK
    python -m orus.autobuild_main --saved PROGRAM LOCK

compiles FILE (its saved bytecode when unchanged) -- or loads PROGRAM, the
arrays of a notebook cell or session input that orus/autobuild.py saved,
and deletes that file --, verifies it, builds its tier-2 native code
(orus/tier2/build.py) and removes the lock file LOCK whatever happens.  No
output: it runs detached from the user's terminal.
"""

from __future__ import annotations

import os
import sys


def main(path: str, held: str, saved: bool = False) -> int:
    from orus.tier2 import lock
    try:
        from orus import api
        if saved:
            from orus import autobuild
            from orus.bytecode import program as bytecode
            program = bytecode.load(path, autobuild.SAVED_ID)
        else:
            with open(path, "rb") as fh:
                source = fh.read()
            program = api.load_program(source, path)
        api.build_tier2(program)
        return 0
    except Exception:
        return 1
    finally:
        if saved:
            try:
                os.unlink(path)
            except OSError:
                pass
        lock.release(held)


if __name__ == "__main__":
    if sys.argv[1] == "--saved":
        sys.exit(main(sys.argv[2], sys.argv[3], saved=True))
    sys.exit(main(sys.argv[1], sys.argv[2]))
