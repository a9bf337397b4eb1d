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

import corpus

# Folders of the spec corpus that the implementation covers so far.
CORE_FOLDERS = ["lexical", "types", "expressions", "control_flow", "functions", "print", "failing",
                "strings", "arrays", "builtins", "structs", "enums", "match", "errors_handling",
                "failing_data", "modules"]


def _collect():
    paths = corpus.spec_programs(*CORE_FOLDERS, kind="golden", recursive=True)
    paths += corpus.own_programs(kind="golden")
    return [pytest.param(path, id=corpus.program_id(path)) for path in paths]


@pytest.mark.parametrize("path", _collect())
def test_program(path: Path):
    source = path.read_bytes()
    result = orus.run_source(source, filename=str(path), stdin=corpus.read_stdin(path))
    assert "Traceback" not in result.stderr
    if corpus.kind_of(path) == "err":
        phase, line = corpus.parse_err(path)
        expected_status = {"compile": 65, "runtime": 70}[phase]
        assert result.status == expected_status, result.stderr
        assert result.error.line == line, result.stderr
        if phase == "compile":
            assert result.stdout == ""
    else:
        assert result.status == 0, result.stderr
        assert result.stdout_bytes == corpus.expected_stdout(path)
