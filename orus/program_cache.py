"""Saved bytecode: `orus run` on an unchanged file skips the front end.

A program is saved as cache/bytecode/<key>.orusbc, where key = sha256 of the
source bytes and of the compiler's own sources (so editing the compiler
invalidates every saved program).  A file that cannot be loaded or fails the
verifier is ignored and rebuilt, never trusted.

A program with modules (its main source has `use` lines, so this depends on the
source alone) is saved differently: <key>.deps (JSON, orus.modules.record)
lists the file every `use` resolved to and each module file's sha256, and the
bytecode is <key2>.orusbc with key2 = sha256 of key and that list.  Loading
re-resolves every `use` in the current environment and re-hashes every module
file (orus.modules.verify_record); any difference means "not saved", so
editing, adding or removing a module file invalidates the importer's bytecode.
"""

from __future__ import annotations

import hashlib
import os
import sys

from . import bytecode
from .atomicio import write_atomic
from .bytecode import BytecodeError, Program

PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))

# Every file whose content decides what bytecode a source compiles to.
COMPILER_SOURCES = ("ast.py", "lexer.py", "parser.py", "types.py", "checker.py",
                    "compiler.py", "bytecode.py", "opcodes.py", "modules.py",
                    # ids that end up inside saved bytecode (host calls, error codes)
                    "hostcall_table.py", "runtime_errors.py")

_compiler_version = None


def compiler_version() -> str:
    global _compiler_version
    if _compiler_version is None:
        h = hashlib.sha256()
        for rel in COMPILER_SOURCES:
            h.update(rel.encode() + b"\0")
            try:
                with open(os.path.join(PACKAGE_DIR, rel), "rb") as fh:
                    h.update(fh.read())
            except OSError:
                pass
        _compiler_version = h.hexdigest()[:16]
    return _compiler_version


def key_for(source: bytes) -> str:
    return hashlib.sha256(compiler_version().encode() + b"\0" + source).hexdigest()


def _modules_key(key: str, rec: dict) -> str:
    import json
    text = json.dumps(rec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((key + "\0" + text).encode("utf-8")).hexdigest()


def _load_with_modules(folder: str, index: str, key: str, source: bytes, filename: str):
    import json

    from . import modules
    try:
        with open(index, "rb") as fh:
            rec = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
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
    loaded = sys.modules.get("orus.modules")
    if loaded is not None:
        loaded.forget_sources()
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
    return program


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
            return
        # bytecode first, then the index that leads to it (written atomically)
        bytecode.save(program, os.path.join(folder, _modules_key(key, rec) + ".orusbc"),
                      compiler_version())
        write_atomic(os.path.join(folder, key + ".deps"), json.dumps(rec, sort_keys=True).encode("utf-8"))
    except OSError:
        pass          # a read-only cache only costs speed
