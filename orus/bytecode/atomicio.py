"""Atomic file writes: a reader (another process) never sees half a file."""

from __future__ import annotations

import os


def write_atomic(path: str, data: bytes, fsync: bool = False) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over
    `path` (atomic on POSIX).  The temporary file is removed on any failure."""
    import tempfile           # (not at import: `orus run` of a saved program writes nothing)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
