"""One background build at a time per program: a lock file beside the library.

``<key>.building`` is created with O_EXCL by the run that starts a build
and removed by the build when it ends (successfully or not).  A lock older
than STALE_SECONDS belongs to a build that died without cleaning up (killed,
machine rebooted): it is taken over.  The build writes the library and then
the manifest atomically (orus/tier2/build.py), so a killed build leaves at
most a complete library without a manifest, which is never loaded and is
overwritten by the next build.
"""

from __future__ import annotations

import os
import time

SUFFIX = ".building"
STALE_SECONDS = 600


def path_of(key: str, where: str) -> str:
    return os.path.join(where, key + SUFFIX)


def acquire(key: str, where: str) -> str | None:
    """The lock's path if this process now holds it, else None (a build of
    this program is running, or the folder is not writable)."""
    path = path_of(key, where)
    for _ in range(2):
        try:
            os.makedirs(where, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                age = time.time() - os.stat(path).st_mtime
            except OSError:
                continue                       # just removed: try again
            if age < STALE_SECONDS:
                return None
            try:
                os.unlink(path)                # a dead build's lock
            except OSError:
                return None
            continue
        except OSError:
            return None
        with os.fdopen(fd, "w") as fh:
            fh.write("%d\n" % os.getpid())
        return path
    return None


def release(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def running(where: str) -> int:
    """How many builds hold a (fresh) lock in `where` now."""
    now = time.time()
    count = 0
    try:
        with os.scandir(where) as it:
            for entry in it:
                if entry.name.endswith(SUFFIX):
                    try:
                        if now - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
                            count += 1
                    except OSError:
                        pass
    except OSError:
        pass
    return count
