"""pytest-benchmark micro-benchmarks of the VM (not part of the default test run).

    .venv/bin/python -m pytest benchmarks/ --benchmark-only --benchmark-autosave

Each benchmark compiles its program once and times only the VM run.
"""

import numpy as np
import pytest

import orus
from orus.jit import get_vm
from orus.runtime import Machine

COUNT_LOOP = """
mut total: i64 = 0
for i in 0..N:
    total = total + 1
print(total)
"""

FIB = """
fn fib(n: i32) -> i32:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
print(fib(N))
"""

WHILE_LOOP = """
mut i = 0
mut acc = 0
while i < N:
    if i % 3 == 0:
        acc = acc + 2
    elif i % 3 == 1:
        acc = acc - 1
    else:
        acc = acc + 1
    i = i + 1
print(acc)
"""


def _runner(source):
    program = orus.compile_source(source)
    vm = get_vm()
    out = []

    def run():
        out.clear()
        Machine(program, vm, out.append).run()
        return b"".join(out)
    run()                                   # compile/load outside the timing
    return run


@pytest.mark.benchmark(group="dispatch")
def test_count_loop_10M(benchmark):
    run = _runner(COUNT_LOOP.replace("N", "10000000"))
    assert benchmark(run) == b"10000000\n"


@pytest.mark.benchmark(group="dispatch")
def test_branchy_while_1M(benchmark):
    run = _runner(WHILE_LOOP.replace("N", "1000000"))
    assert benchmark(run).strip().isdigit()


@pytest.mark.benchmark(group="calls")
def test_fib_25(benchmark):
    run = _runner(FIB.replace("N", "25"))
    assert benchmark(run) == b"75025\n"
