"""Differential fuzzing: random Orus programs (tests/fuzz/generate.py) run by
the implementation must print what an independent oracle (tests/fuzz/oracle.py,
plain Python, nothing from `orus`) says, stop with the same status, and on a
runtime error report the same message on the same line.

Two hundred seeds run here (in-process, one VM for the session); thousands
by hand:  python benchmarks/fuzz_programs.py --seeds 0:5000

Every discrepancy the fuzzer found is a golden pair in tests/fuzz/found/
(minimal program + what the spec requires); they run at the end of this
file and must pass.  A mismatch matching harness.KNOWN_BUGS (open bugs,
none at present) is an expected failure.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz"))

import harness  # noqa: E402

SEEDS = range(0, 200)


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzz_seed(seed):
    prog, result, problem = harness.check(seed)
    assert "Traceback" not in result.stderr, harness.describe(seed, prog, result.stderr)
    if problem is None:
        return
    bug = harness.known_bug(prog.expected, result)
    if bug is not None:
        pytest.xfail("known implementation bug (tests/fuzz/found/%s): %s" % (bug, problem))
    pytest.fail(harness.describe(seed, prog, problem), pytrace=False)


def _found():
    if not os.path.isdir(harness.FOUND):
        return []
    return sorted(n[:-5] for n in os.listdir(harness.FOUND) if n.endswith(".orus"))


@pytest.mark.parametrize("name", _found())
def test_found_program(name):
    """Minimal programs of discrepancies the fuzzer found in the implementation
    (the .expected file says what the spec requires, and why)."""
    base = os.path.join(harness.FOUND, name)
    with open(base + ".orus", encoding="utf-8") as fh:
        source = fh.read()
    golden = harness.read_expected(base + ".expected")
    result = harness.run_orus(source)
    problem = harness.mismatch(golden, result)
    assert problem is None, "%s: %s | %s" % (name, golden.comment, problem)
