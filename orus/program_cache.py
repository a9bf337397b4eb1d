"""Saved bytecode: `orus run` on an unchanged file skips the front end.

A program is saved as cache/bytecode/<key>.orusbc, where key = sha256 of the
source bytes and of the compiler's own sources (so editing the compiler
invalidates every saved program).  A file that cannot be loaded or fails the
verifier is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import bytecode, verify
from .bytecode import BytecodeError, Program

PACKAGE_DIR = Path(__file__).resolve().parent

# Every file whose content decides what bytecode a source compiles to.
COMPILER_SOURCES = ("ast.py", "lexer.py", "parser.py", "types.py", "checker.py",
                    "compiler.py", "bytecode.py", "opcodes.py")

_compiler_version = None


def compiler_version() -> str:
    global _compiler_version
    if _compiler_version is None:
        h = hashlib.sha256()
        for rel in COMPILER_SOURCES:
            path = PACKAGE_DIR / rel
            h.update(rel.encode() + b"\0")
            if path.exists():
                h.update(path.read_bytes())
        _compiler_version = h.hexdigest()[:16]
    return _compiler_version


def key_for(source: bytes) -> str:
    return hashlib.sha256(compiler_version().encode() + b"\0" + source).hexdigest()


def load_cached(folder: Path, source: bytes, filename: str) -> Program | None:
    """The saved, verified program for `source`, or None (missing or bad)."""
    path = folder / (key_for(source) + ".orusbc")
    if not path.exists():
        return None
    try:
        program = bytecode.load(str(path), compiler_version(), filename=filename, source=source)
        verify.verify(program)
        return program
    except BytecodeError:
        try:
            path.unlink()
        except OSError:
            pass
        return None


def save_cached(folder: Path, program: Program, source: bytes) -> None:
    try:
        bytecode.save(program, str(folder / (key_for(source) + ".orusbc")), compiler_version())
    except OSError:
        pass          # a read-only cache only costs speed
