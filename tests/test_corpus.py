"""Golden programs: the spec's example corpus and our own tests/programs.

NAME.orus + NAME.out: stdout must match byte for byte, exit status 0.
NAME.orus + NAME.err (`phase: compile|runtime`, `line: N`): the program must
fail in that phase at that line (a compile error prints nothing).

Programs run in-process through orus.run_source, so the VM is compiled (or
loaded from its cache) once per test session.
"""

from pathlib import Path

import pytest

import orus

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "spec" / "examples"
OWN = Path(__file__).resolve().parent / "programs"

# Folders of the spec corpus that the implementation covers so far.
CORE_FOLDERS = ["lexical", "types", "expressions", "control_flow", "functions", "print", "failing",
                "strings", "arrays", "builtins", "structs", "enums", "match", "errors_handling",
                "failing_data", "modules"]


def _collect():
    cases = []
    folders = [SPEC / name for name in CORE_FOLDERS] + [OWN]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.orus")):
            if path.with_suffix(".out").exists() or path.with_suffix(".err").exists():
                rel = path.relative_to(SPEC if SPEC in path.parents else OWN.parent)
                cases.append(pytest.param(path, id=str(rel)))
    return cases


def _parse_err(path: Path):
    phase = line = None
    for raw in path.read_text().splitlines():
        key, _, value = raw.partition(":")
        if key.strip() == "phase":
            phase = value.strip()
        elif key.strip() == "line":
            line = int(value.strip())
    return phase, line


@pytest.mark.parametrize("path", _collect())
def test_program(path: Path):
    source = path.read_bytes()
    stdin_file = path.with_suffix(".stdin")
    stdin = stdin_file.read_bytes() if stdin_file.exists() else b""
    result = orus.run_source(source, filename=str(path), stdin=stdin)
    assert "Traceback" not in result.stderr
    err_file = path.with_suffix(".err")
    if err_file.exists():
        phase, line = _parse_err(err_file)
        expected_status = {"compile": 65, "runtime": 70}[phase]
        assert result.status == expected_status, result.stderr
        assert result.error.line == line, result.stderr
        if phase == "compile":
            assert result.stdout == ""
    else:
        assert result.status == 0, result.stderr
        assert result.stdout_bytes == path.with_suffix(".out").read_bytes()
