"""pytest-benchmark timings of the front end (not part of the default test run).

    .venv/bin/python -m pytest benchmarks/test_front_end_speed.py --benchmark-only

The 5,000-line programs of tests/test_parser.py and tests/test_compiler.py
(which check that they parse and compile, with no time limit: a timing
assertion in a unit test fails on a busy machine for no fault of the code).
The budgets below (parse < 1 s, compile < 2 s) are what those tests used to
assert; here a run over budget is reported, not a test failure of the suite.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_compiler import data_program, generated_program  # noqa: E402
from test_parser import program_5000_lines  # noqa: E402

from orus.frontend import compile_program  # noqa: E402
from orus.frontend.parser import parse  # noqa: E402

BUDGET = {"parse": 1.0, "compile": 2.0}


def _within_budget(benchmark, kind):
    mean = benchmark.stats.stats.mean
    if mean > BUDGET[kind]:
        pytest.fail("%s of 5,000 lines took %.2f s on average (budget %.1f s)"
                    % (kind, mean, BUDGET[kind]))


@pytest.mark.benchmark(group="front end")
def test_parse_5000_lines(benchmark):
    src, n = program_5000_lines()
    module = benchmark.pedantic(parse, args=(src,), rounds=3, warmup_rounds=1)
    assert len(module.body) == n
    _within_budget(benchmark, "parse")


@pytest.mark.benchmark(group="front end")
@pytest.mark.parametrize("make", [generated_program, data_program], ids=["mixed", "data"])
def test_compile_5000_lines(benchmark, make):
    src = make(5000)
    benchmark.pedantic(compile_program, args=(src,), rounds=3, warmup_rounds=1)
    _within_budget(benchmark, "compile")
