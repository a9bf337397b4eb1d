"""Where the golden programs are, and how to read them (the one corpus walker
of the test suite).

Two collections of programs:

* the spec corpus, ``../shared/spec/examples`` next to the repository (for a
  git worktree: next to the main checkout), one folder per topic;
* our own, ``tests/programs/<folder>``.

Each program is ``NAME.orus`` with ``NAME.out`` (expected stdout, exit 0) or
``NAME.err`` (``phase: compile|runtime`` and ``line: N``), and optionally
``NAME.stdin`` (what ``input()`` reads).  Some files have neither: modules
used by other programs, or failing programs without an expectation yet.

The spec corpus is required: if it cannot be found this module raises at
import, so every test that uses it errors (never skips).  ORUS_SPEC_EXAMPLES
names another folder.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent       # the repository (or worktree)
OWN = ROOT / "tests" / "programs"


def _spec_candidates() -> list[Path]:
    if os.environ.get("ORUS_SPEC_EXAMPLES"):
        return [Path(os.environ["ORUS_SPEC_EXAMPLES"])]
    out = [ROOT.parent / "shared" / "spec" / "examples"]
    dotgit = ROOT / ".git"
    if dotgit.is_file():                 # a worktree: ".git" names <main>/.git/worktrees/<name>
        text = dotgit.read_text().strip()
        if text.startswith("gitdir:"):
            gitdir = (ROOT / text[len("gitdir:"):].strip()).resolve()
            common = gitdir / "commondir"
            if common.is_file():
                main_git = (gitdir / common.read_text().strip()).resolve()
                out.append(main_git.parent.parent / "shared" / "spec" / "examples")
    return out


def _find_spec() -> Path:
    tried = _spec_candidates()
    for path in tried:
        if path.is_dir() and any(path.iterdir()):
            return path.resolve()
    raise RuntimeError("the spec corpus is missing: looked for %s (set ORUS_SPEC_EXAMPLES "
                       "to the spec's examples folder)" % ", ".join(str(p) for p in tried))


SPEC = _find_spec()
SPEC_FOLDERS = tuple(sorted(p.name for p in SPEC.iterdir() if p.is_dir()))
OWN_FOLDERS = tuple(sorted(p.name for p in OWN.iterdir() if p.is_dir()))

KINDS = ("out", "err", "golden", "any")


def kind_of(path: Path) -> str | None:
    """'out' or 'err' (whichever expectation file the program has), else None."""
    path = Path(path)
    if path.with_suffix(".err").exists():
        return "err"
    if path.with_suffix(".out").exists():
        return "out"
    return None


def _select(paths, kind: str) -> list[Path]:
    if kind not in KINDS:
        raise ValueError("kind must be one of %s, not %r" % (KINDS, kind))
    out = []
    for path in paths:
        has = kind_of(path)
        if kind == "any" or (kind == "golden" and has) or has == kind:
            out.append(path)
    return out


def _folder(base: Path, known: tuple, name: str) -> Path:
    if name not in known:
        raise ValueError("no folder %r in %s (there are: %s)" % (name, base, ", ".join(known)))
    return base / name


def spec_programs(*folders: str, kind: str = "any", recursive: bool = False) -> list[Path]:
    """Programs of the given spec folders (all folders if none given), in
    folder order then sorted by name.  kind: 'out', 'err', 'golden' (either)
    or 'any' (every .orus file, modules included).  recursive: also files in
    sub-folders (e.g. modules/util_helper/)."""
    out = []
    for name in folders or SPEC_FOLDERS:
        folder = _folder(SPEC, SPEC_FOLDERS, name)
        files = folder.rglob("*.orus") if recursive else folder.glob("*.orus")
        out += _select(sorted(files), kind)
    return out


def all_spec_programs(kind: str = "any") -> list[Path]:
    """Every .orus file of the spec corpus, sub-folders included, sorted by path."""
    return _select(sorted(SPEC.rglob("*.orus")), kind)


def own_programs(*folders: str, kind: str = "any") -> list[Path]:
    """Programs of tests/programs (all its folders if none given), sorted by path."""
    out = []
    for name in folders or OWN_FOLDERS:
        out += _select(sorted(_folder(OWN, OWN_FOLDERS, name).glob("*.orus")), kind)
    return out


def spec_id(path) -> str:
    """`folder/name.orus`: the path relative to the spec examples (test ids)."""
    return Path(path).resolve().relative_to(SPEC).as_posix()


def program_id(path) -> str:
    """A test id: relative to the spec examples, or `programs/folder/name.orus`
    for our own programs."""
    path = Path(path).resolve()
    if SPEC in path.parents:
        return path.relative_to(SPEC).as_posix()
    return path.relative_to(OWN.parent).as_posix()


def parse_err(path) -> tuple[str, int]:
    """(phase, line) of a program's .err file (path: the .orus or the .err)."""
    fields = {}
    for raw in Path(path).with_suffix(".err").read_text().splitlines():
        key, sep, value = raw.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    phase, line = fields.get("phase"), fields.get("line")
    if phase not in ("compile", "runtime") or line is None:
        raise ValueError("%s: expected 'phase: compile|runtime' and 'line: N'"
                         % Path(path).with_suffix(".err"))
    return phase, int(line)


def expected_stdout(path) -> bytes:
    return Path(path).with_suffix(".out").read_bytes()


def read_stdin(path) -> bytes:
    """What the program's input() reads: its .stdin file, else nothing."""
    stdin = Path(path).with_suffix(".stdin")
    return stdin.read_bytes() if stdin.exists() else b""


def reads_input(path) -> bool:
    return "input(" in Path(path).read_text(errors="replace")
