"""pytest-benchmark micro-benchmarks of the VM (not part of the default test run).

    .venv/bin/python -m pytest benchmarks/ --benchmark-only --benchmark-autosave

Each benchmark compiles its program once and times only the VM run.
Groups: dispatch, calls, arrays (element access), strings (building, indexing).
"""

import numpy as np
import pytest

import orus
from orus.jit import get_vm
from orus.host.machine import Machine

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

SIEVE = """
flags = [true] * (N + 1)
mut i = 2
while i * i <= N:
    if flags[i]:
        for j in i * i..=N..i:
            flags[j] = false
    i += 1
mut count = 0
for k in 2..=N:
    if flags[k]:
        count += 1
print(count)
"""

MATRIX_ROWS = """
mut m: [[f64]] = []
for i in 0..N:
    push(m, [1.0] * N)
mut s = 0.0
for i in 0..N:
    for j in 0..N:
        s += m[i][j] * m[j][i]
print(s)
"""

STRING_BUILD = """
mut s = ""
for i in 0..N:
    s += (i as string) + ","
print(len(s))
"""

STRING_SCAN = """
mut s = ""
for i in 0..1000:
    s += "0123456789"
mut nines = 0
for r in 0..N:
    for k in 0..len(s):
        if s[k] == "9":
            nines += 1
print(nines)
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


@pytest.mark.benchmark(group="arrays")
def test_sieve_200k(benchmark):
    run = _runner(SIEVE.replace("N", "200000"))
    assert benchmark(run) == b"17984\n"


@pytest.mark.benchmark(group="arrays")
def test_matrix_rows_200(benchmark):
    run = _runner(MATRIX_ROWS.replace("N", "200"))
    assert benchmark(run) == b"40000\n"


@pytest.mark.benchmark(group="strings")
def test_string_build_5k(benchmark):
    run = _runner(STRING_BUILD.replace("N", "5000"))
    assert benchmark(run) == b"23890\n"


@pytest.mark.benchmark(group="strings")
def test_string_index_scan_1M(benchmark):
    run = _runner(STRING_SCAN.replace("N", "100"))
    assert benchmark(run) == b"100000\n"
