"""Saved bytecode: `orus run` on an unchanged file skips the front end.

A program is saved as cache/bytecode/<key>.orusbc, where key = sha256 of the
source bytes and of the compiler's own sources (so editing the compiler
invalidates every saved program).  A file that cannot be loaded or fails the
verifier is ignored and rebuilt, never trusted.

A program with modules (its main source has `use` lines, so this depends on the
source alone) is saved differently: <key>.deps (JSON, orus.frontend.modules.record)
lists the file every `use` resolved to and each module file's sha256, and the
bytecode is <key2>.orusbc with key2 = sha256 of key and that list.  Loading
re-resolves every `use` in the current environment and re-hashes every module
file (orus.frontend.modules.verify_record); any difference means "not saved", so
editing, adding or removing a module file invalidates the importer's bytecode.

The folder is bounded (MAX_FILES files, MAX_BYTES bytes; ORUS_BYTECODE_CACHE_FILES
and ORUS_BYTECODE_CACHE_BYTES override): after writing a new entry, one scan
of the folder (names and sizes) checks the bounds, and only when either is
passed are the least recently used files deleted, down to TRIM_TO of both
bounds (so the next few saves do not trim again).  "Used" is the mtime: a
successful load touches its file (atime is unreliable under relatime).

Deleting is safe for readers: every file is written to a temporary name and
renamed into place (atomicio.write_atomic), so a reader never sees a partial
file; a reader opens and reads a file in one go, and on POSIX a file deleted
after it was opened stays readable until closed; a file deleted before it is
opened is simply "not saved" (the program is compiled and saved again).  A
writer's temporary file is left alone unless it is an hour old (a crashed
writer's).
"""

from __future__ import annotations

import os
import sys

from orus.bytecode import program as bytecode
from orus.bytecode.atomicio import write_atomic
from orus.bytecode.program import BytecodeError, Program
from orus.bytecode.digest import sha256

PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))

# Every file whose content decides what bytecode a source compiles to: the
# front end, and the program format with the ids that end up inside saved
# bytecode (opcodes, host calls, error codes).
COMPILER_PACKAGES = ("frontend", "bytecode")

MAX_FILES = 2000
MAX_BYTES = 200 << 20
TRIM_TO = 0.8                 # a trim leaves at most this fraction of either bound
STALE_TEMP = 3600             # seconds after which a writer's temporary file is debris
SUFFIXES = (".orusbc", ".deps")

_compiler_version = None


def compiler_sources() -> list:
    """Paths (relative to orus/) of every .py file of COMPILER_PACKAGES, sorted."""
    found = []
    todo = list(COMPILER_PACKAGES)
    while todo:                     # (os.walk + relpath cost every run ~1 ms)
        rel = todo.pop()
        try:
            entries = os.scandir(os.path.join(PACKAGE_DIR, rel))
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    found.append(rel + os.sep + entry.name)
                elif entry.name != "__pycache__" and entry.is_dir():
                    todo.append(rel + os.sep + entry.name)
    return sorted(found)


def compiler_version() -> str:
    """Digest of the compiler's sources (part of every saved program's key)."""
    global _compiler_version
    if _compiler_version is None:
        # through a stat-checked index: reading and hashing the ~35 files
        # took ~5 ms of every run
        from orus.jit.cache import indexed_digest
        _compiler_version = indexed_digest("compiler", PACKAGE_DIR, compiler_sources)[:16]
    return _compiler_version


def key_for(source: bytes) -> str:
    return sha256(compiler_version().encode() + b"\0" + source).hexdigest()


def _modules_key(key: str, rec: dict) -> str:
    import json
    text = json.dumps(rec, sort_keys=True, separators=(",", ":"))
    return sha256((key + "\0" + text).encode("utf-8")).hexdigest()


def _load_with_modules(folder: str, index: str, key: str, source: bytes, filename: str):
    import json

    from orus.frontend import modules
    try:
        with open(index, "rb") as fh:
            rec = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    _touch(index)
    sources = modules.verify_record(rec, source, filename)
    if sources is None:
        return None
    program = _load_file(os.path.join(folder, _modules_key(key, rec) + ".orusbc"), source, filename)
    if program is not None:
        if len(program.files) != len(sources):
            return None
        program.sources = sources
        program.modules = rec
    return program


def load_cached(folder: str, source: bytes, filename: str) -> Program | None:
    """The saved program for `source`, or None (missing or bad)."""
    key = key_for(source)
    index = os.path.join(folder, key + ".deps")
    if os.path.exists(index):
        return _load_with_modules(folder, index, key, source, filename)
    return _load_file(os.path.join(folder, key + ".orusbc"), source, filename)


def _load_file(path: str, source: bytes, filename: str) -> Program | None:
    """The saved program at `path` (format, fingerprint and checksum checked).
    It is verified when a Machine is made for it and on the VM's first call;
    run_program discards the file and compiles again if that fails."""
    if not os.path.exists(path):
        return None
    try:
        program = bytecode.load(path, compiler_version(), filename=filename, source=source)
    except BytecodeError:
        discard(path)
        return None
    program.saved_file = path
    _touch(path)
    return program


def _touch(path: str) -> None:
    """Mark a saved file as recently used (its mtime: the trim's LRU order)."""
    try:
        os.utime(path)
    except OSError:
        pass                  # a read-only cache: nothing is trimmed there either


def discard(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def save_cached(folder: str, program: Program, source: bytes) -> None:
    key = key_for(source)
    rec = getattr(program, "modules", None)
    import json
    try:
        if not rec:
            bytecode.save(program, os.path.join(folder, key + ".orusbc"), compiler_version())
        else:
            # bytecode first, then the index that leads to it (written atomically)
            bytecode.save(program, os.path.join(folder, _modules_key(key, rec) + ".orusbc"),
                          compiler_version())
            write_atomic(os.path.join(folder, key + ".deps"),
                         json.dumps(rec, sort_keys=True).encode("utf-8"))
    except OSError:
        return        # a read-only cache only costs speed
    trim(folder)


def _bound(name: str, default: int) -> int:
    try:
        return max(0, int(os.environ[name]))
    except (KeyError, ValueError):
        return default


def trim(folder: str, max_files: int | None = None, max_bytes: int | None = None) -> int:
    """Keep the saved-program folder within its bounds: if it holds more than
    `max_files` files or `max_bytes` bytes, delete the least recently used
    (oldest mtime first) until it holds at most TRIM_TO of both.  Returns the
    number of files deleted.  Never raises."""
    import time
    max_files = _bound("ORUS_BYTECODE_CACHE_FILES", MAX_FILES) if max_files is None else max_files
    max_bytes = _bound("ORUS_BYTECODE_CACHE_BYTES", MAX_BYTES) if max_bytes is None else max_bytes
    entries = []
    total = 0
    now = time.time()
    try:
        with os.scandir(folder) as it:
            for entry in it:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.name.endswith(SUFFIXES):
                    entries.append((st.st_mtime, entry.name, st.st_size))
                    total += st.st_size
                elif entry.name.startswith(".tmp-") and now - st.st_mtime > STALE_TEMP:
                    discard(entry.path)
    except OSError:
        return 0
    if len(entries) <= max_files and total <= max_bytes:
        return 0
    keep_files, keep_bytes = int(max_files * TRIM_TO), int(max_bytes * TRIM_TO)
    entries.sort()
    count = len(entries)
    removed = 0
    for _, name, size in entries:
        if count <= keep_files and total <= keep_bytes:
            break
        discard(os.path.join(folder, name))
        count -= 1
        total -= size
        removed += 1
    return removed
