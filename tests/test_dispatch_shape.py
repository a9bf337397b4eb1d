"""The dispatch chain's shape (no Numba needed): LLVM turns the `if o == ...
elif o == ...` chain of orus/jit/vm.py's `dispatch` into one jump table only
up to the first test that is not a single `o == op.X`.  A range test (`o >=
op.X and o <= op.Y`) or an `or` of two opcodes (which LLVM rewrites into a
masked or range compare) ends the table there, and every opcode after it in
the chain is found by rows of compares after the table's default case: with
the first `or` early in the chain only 44 of 118 opcodes were in the table
(CALL, RET, ADD_I64, FORPREP were not)."""

import ast
from pathlib import Path

VM = Path(__file__).resolve().parent.parent / "orus" / "jit" / "vm.py"


def _dispatch_chain():
    tree = ast.parse(VM.read_text())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "dispatch")
    loop = next(n for n in fn.body if isinstance(n, ast.While))
    chain = next(n for n in loop.body if isinstance(n, ast.If)
                 and isinstance(n.test, ast.Compare) and getattr(n.test.left, "id", "") == "o")
    tests = []
    while chain is not None:
        tests.append(chain.test)
        chain = chain.orelse[0] if len(chain.orelse) == 1 and isinstance(chain.orelse[0], ast.If) else None
    return tests


def _is_opcode_equality(test) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return all(_is_opcode_equality(v) for v in test.values)
    return (isinstance(test, ast.Compare) and getattr(test.left, "id", "") == "o"
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and isinstance(test.comparators[0], ast.Attribute))


def _is_single(test) -> bool:
    return not isinstance(test, ast.BoolOp) and _is_opcode_equality(test)


def test_every_branch_of_the_dispatch_chain_is_an_opcode_equality():
    tests = _dispatch_chain()
    assert len(tests) > 100                        # the whole chain was found
    bad = [ast.unparse(t) for t in tests if not _is_opcode_equality(t)]
    assert bad == [], "tests that end the jump table: %s" % bad


def test_branches_for_several_opcodes_come_after_every_single_one():
    tests = _dispatch_chain()
    first_multi = next(i for i, t in enumerate(tests) if not _is_single(t))
    late = [ast.unparse(t) for t in tests[first_multi:] if _is_single(t)]
    assert late == [], "single-opcode branches after an `or` (outside the jump table): %s" % late
    hot = {"CALL", "RET", "ADDI_I64", "ARR_SET", "ARR_SETI", "ARR_GET", "FORLOOP", "MATH1"}
    singles = {ast.unparse(t).split("op.")[1] for t in tests[:first_multi]}
    assert hot <= singles


def test_the_chain_names_every_opcode_once():
    from orus.bytecode import opcodes as op
    names = []
    for test in _dispatch_chain():
        for node in ast.walk(test):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "op":
                names.append(node.attr)
    assert len(names) == len(set(names)), "an opcode tested twice"
    missing = sorted({info.name for info in op.TABLE} - set(names))
    assert missing == [], "opcodes the dispatch chain never tests: %s" % missing
