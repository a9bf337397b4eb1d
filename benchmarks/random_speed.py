"""`use random` speed (issue 15): 1,000,000 `random.random()` draws in an Orus
loop against the same loop with CPython's `random` module, in one process,
side by side.

    .venv/bin/python benchmarks/random_speed.py [--rounds 7] [--n 1000000]

Both loops add up their draws (so neither can skip them) and are timed in
process: Orus is compiled once, then each round times `orus.api.run_program`
of the compiled program (a new Machine per round: the VM's own loop, the
verifier and the machine's set-up, which is what a run costs after the
front end); CPython runs the loop as a function (locals, as fast as CPython
does it).  The rounds interleave the two; reported are the medians and the
ratio (the issue's target: Orus at least 3x faster).  The Orus draws are
checked against numpy's default_rng(1) when numpy is at hand.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ORUS = """
use random
random.seed(1)
mut total = 0.0
for i in 0..N:
    total += random.random()
print(total)
"""


def python_loop(n: int) -> float:
    rnd = random.random
    random.seed(1)
    total = 0.0
    for _ in range(n):
        total += rnd()
    return total


def python_loop_module(n: int) -> float:
    """The loop as written naively (random.random looked up every time)."""
    random.seed(1)
    total = 0.0
    for _ in range(n):
        total += random.random()
    return total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    n = args.n

    import orus.api as api
    program = api.compile_source(ORUS.replace("N", str(n)).encode(), "<bench>")
    out: list[bytes] = []
    api.run_program(program, out.append)          # warm: the VM is loaded, pages touched
    orus_total = float(b"".join(out).decode())

    times = {"orus": [], "cpython (random.random)": [], "cpython (rnd = random.random)": []}
    for _ in range(args.rounds):
        t = time.perf_counter()
        api.run_program(program, [].append)
        times["orus"].append(time.perf_counter() - t)
        t = time.perf_counter()
        python_loop_module(n)
        times["cpython (random.random)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        python_loop(n)
        times["cpython (rnd = random.random)"].append(time.perf_counter() - t)

    try:
        import numpy as np
        expect = float(np.cumsum(np.random.default_rng(1).random(n))[-1])
        check = "equal to numpy's default_rng(1) sum" if abs(expect - orus_total) <= 1e-9 * n \
            else "DIFFERS from numpy (%r vs %r)" % (orus_total, expect)
    except ImportError:
        check = "(numpy not installed: not checked)"

    med = {k: statistics.median(v) for k, v in times.items()}
    print("%d random.random() draws in a loop, median of %d interleaved rounds"
          % (n, args.rounds))
    print("| loop | median s | ns / draw | CPython time / this |")
    print("|---|---|---|---|")
    base = med["cpython (random.random)"]
    for k, v in med.items():
        print("| %s | %.4f | %.1f | %.2fx |" % (k, v, 1e9 * v / n, base / v))
    print("Orus total %r, %s" % (orus_total, check))
    ratio = base / med["orus"]
    best_py = min(med["cpython (random.random)"], med["cpython (rnd = random.random)"])
    print("Orus is %.1fx faster than CPython's loop (%.1fx than its fastest form); target 3x: %s"
          % (ratio, best_py / med["orus"], "met" if best_py / med["orus"] >= 3 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
