"""Every golden program, replayed one top-level statement per Session input.

The first input holds all the program's declarations (fn, struct, enum,
impl, use: a file sees them all at once); every other top-level statement is
an input of its own, compiled and run by the session's incremental path
(orus/frontend/incremental.py) against everything before it.  The outputs of
the inputs, joined, must be the program's expected output.  Left out: programs
that read stdin, that `return` at the top level (later inputs would still
run), and those whose declarations read a global declared later in the file
(alone, the first input refers to a name that does not exist yet).
"""

import pytest

import orus
from orus.frontend import ast
from orus.frontend.parser import parse
from orus.errors import EXIT_COMPILE, EXIT_OK
from tests.corpus import all_spec_programs, expected_stdout, own_programs, program_id, reads_input

_DECLS = (ast.FnDef, ast.StructDef, ast.EnumDef, ast.ImplDef, ast.Use)
PROGRAMS = [p for p in all_spec_programs("out") + own_programs(kind="out")
            if not reads_input(p)]


def inputs_of(text: str) -> list:
    """The program's declarations as one input, then one input per statement."""
    body = parse(text.encode("utf-8"), "<replay>").body
    lines = text.split("\n")
    decls, stmts = [], []
    for i, stmt in enumerate(body):
        if type(stmt) is ast.Return:
            pytest.skip("a top-level return ends the program, not the input")
        end = body[i + 1].line - 1 if i + 1 < len(body) else len(lines)
        chunk = "\n".join(lines[stmt.line - 1:end])
        (decls if isinstance(stmt, _DECLS) else stmts).append(chunk)
    return ["\n".join(decls)] + stmts if decls else stmts


@pytest.mark.parametrize("path", PROGRAMS, ids=program_id)
def test_replayed_one_statement_per_input(path):
    session = orus.Session()
    out = ""
    for n, text in enumerate(inputs_of(path.read_text())):
        result = session.run(text)
        if result.status == EXIT_COMPILE and n == 0:
            pytest.skip("its declarations read globals declared later")
        assert result.status == EXIT_OK, "input %d:\n%s\n%s" % (n, text, result.stderr)
        out += result.stdout
    assert out.encode() == expected_stdout(path)
