"""The standard library's speed next to CPython's, in-process, side by side.

    .venv/bin/python benchmarks/library_speed.py [--rounds 7] [--only sqrt,sin,random]

Each case is an Orus program and the same loop in CPython; both are timed in
this process (the Orus program compiled once beforehand, then only the VM run
is timed; CPython's loop is a function, so its variables are fast locals).
The rounds interleave the two, and the report gives the best time of each
and the ratio CPython / Orus (above 1: Orus is faster).  `sin` takes sin(i)
for i up to a million, where the C library's argument reduction dominates
both languages; `sin_small` takes arguments in [0, 1).  `random` draws with
`use random` (numpy's PCG64, seeded) against CPython's `random.random()`
(Mersenne Twister): the same loop, not the same numbers.  The numpy boundary
case times a 1000 x 1000 float64 array in and out of an Orus cell next to
``numpy.copy`` of it.
"""

from __future__ import annotations

import argparse
import math
import time

N = 1_000_000

CASES = {}


def case(name, orus_source, python_fn):
    CASES[name] = (orus_source, python_fn)


def _py_sqrt():
    sqrt = math.sqrt
    s = 0.0
    for i in range(N):
        s += sqrt(i)
    return s


def _py_sin():
    sin = math.sin
    s = 0.0
    for i in range(N):
        s += sin(i)
    return s


case("sqrt", """
use math
mut s = 0.0
for i in 0..%d:
    s += math.sqrt(i as f64)
print(s)
""" % N, _py_sqrt)

def _py_sin_small():
    sin = math.sin
    s = 0.0
    for i in range(N):
        s += sin(i * 1e-6)
    return s


case("sin_small", """
use math
mut s = 0.0
for i in 0..%d:
    s += math.sin((i as f64) * 0.000001)
print(s)
""" % N, _py_sin_small)

case("sin", """
use math
mut s = 0.0
for i in 0..%d:
    s += math.sin(i as f64)
print(s)
""" % N, _py_sin)


def _py_random():
    import random
    random.seed(1)
    rnd = random.random
    s = 0.0
    for i in range(N):
        s += rnd()
    return s


case("random", """
use random
random.seed(1)
mut s = 0.0
for i in 0..%d:
    s += random.random()
print(s)
""" % N, _py_random)


def _orus_runner(source):
    import orus
    from orus.host.machine import Machine
    from orus.jit import get_vm
    program = orus.compile_source(source)
    vm = get_vm()
    out = []

    def run():
        out.clear()
        Machine(program, vm, out.append).run()
        return b"".join(out)
    return run


def _best(fn, rounds_times):
    t0 = time.perf_counter()
    fn()
    rounds_times.append(time.perf_counter() - t0)


def run_cases(names, rounds):
    rows = []
    for name in names:
        source, py = CASES[name]
        orus_run = _orus_runner(source)
        orus_run()                                   # load the VM outside the timing
        t_orus, t_py = [], []
        for _ in range(rounds):
            _best(orus_run, t_orus)
            _best(py, t_py)
        rows.append((name, min(t_orus), min(t_py)))
    return rows


def numpy_boundary(rounds):
    import numpy as np
    from orus.notebook import cells
    field = np.random.default_rng(1).random((1000, 1000))
    cells.run("y = x", {"x": field}, ["y"])             # compile the cell once
    t_cell, t_copy = [], []
    for _ in range(rounds):
        _best(lambda: cells.run("y = x", {"x": field}, ["y"]), t_cell)
        _best(lambda: np.copy(field), t_copy)
    return min(t_cell), min(t_copy)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated case names")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(CASES)
    print("%-10s %12s %12s %10s" % ("case", "Orus ms", "CPython ms", "CPy/Orus"))
    for name, t_orus, t_py in run_cases([n for n in names if n in CASES], args.rounds):
        print("%-10s %12.1f %12.1f %9.1fx" % (name, 1e3 * t_orus, 1e3 * t_py, t_py / t_orus))
    if not args.only or "numpy" in names:
        t_cell, t_copy = numpy_boundary(args.rounds)
        print("numpy 1000x1000 f64 in and out of a cell: %.1f ms; numpy.copy: %.1f ms (%.1f copies)"
              % (1e3 * t_cell, 1e3 * t_copy, t_cell / t_copy))


if __name__ == "__main__":
    main()
