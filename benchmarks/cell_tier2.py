"""A numeric notebook cell before and after its background tier-2 build.

    PYTHONPATH=. .venv/bin/python benchmarks/cell_tier2.py [--rounds 5] [--n 10000000]

For each cell: the first ``orus.run`` (tier 1; it starts a background build
of the cell's native code, orus/autobuild.py -- the threshold is lowered to
0 s here, as the cells take 0.4-1 s in the VM, close to the default 0.5 s),
the wait for that build, then ``--rounds`` rounds of the same cell on tier
1 (ORUS_TIER2=0) and on tier 2, interleaved.  Prints medians of the whole
``orus.run`` (inputs converted, outputs read) and of the VM alone
(``api.run_machine``).  Builds go to a temporary folder (ORUS_TIER2_DIR).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

CELLS = {
    # a loop over a numpy array of floats (the input is copied into the heap)
    "sum_array": ("""mut total = 0.0
mut big = 0
for i in 0..len(xs):
    x = xs[i]
    total += x * x
    if x > 0.5:
        big += 1
""", ["total", "big"]),
    # a nested loop with a call, integers only
    "nested_loop": ("""fn weight(i: i64, j: i64) -> i64:
    return (i * j + 3) % 7
mut s: i64 = 0
for i in 0..m:
    for j in 0..m:
        s += weight(i, j)
""", ["s"]),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=10_000_000, help="floats in xs")
    parser.add_argument("--m", type=int, default=3000, help="nested loop: m*m iterations")
    args = parser.parse_args(argv)
    where = tempfile.mkdtemp(prefix="orus-t2-cells-")
    os.environ["ORUS_TIER2_DIR"] = where
    import numpy as np
    import orus
    from orus import api
    vm_seconds = []
    real = api.run_machine

    def timed(machine, autobuild=False):
        t0 = time.perf_counter()
        try:
            return real(machine, autobuild)
        finally:
            vm_seconds.append(time.perf_counter() - t0)
    api.run_machine = timed
    inputs = {"xs": np.random.default_rng(1).random(args.n), "m": args.m}

    def run(name, tier1=False):
        cell, outputs = CELLS[name]
        if tier1:
            os.environ["ORUS_TIER2"] = "0"
        try:
            t0 = time.perf_counter()
            r = orus.run(cell, inputs=inputs, outputs=outputs)
            return time.perf_counter() - t0, vm_seconds[-1], r
        finally:
            os.environ.pop("ORUS_TIER2", None)

    print("| cell | first run s (tier 1) | build ready after s | tier1 s (vm) | tier2 s (vm) "
          "| ratio whole | ratio vm |")
    print("|---|---|---|---|---|---|---|")
    for name in CELLS:
        os.environ["ORUS_TIER2_AUTO_AFTER"] = "0"
        first, _, r0 = run(name)
        os.environ["ORUS_TIER2_AUTO_AFTER"] = "1e9"
        assert not r0.tier2
        t0 = time.perf_counter()
        while True:
            names = os.listdir(where)
            if not any(n.endswith((".building", ".orusbc")) for n in names) and \
                    any(n.endswith(".manifest") for n in names):
                break
            if time.perf_counter() - t0 > 120:
                raise SystemExit("no build after 120 s: %s" % names)
            time.sleep(0.05)
        ready = time.perf_counter() - t0
        one, two = [], []
        for _ in range(args.rounds):
            t, v, r1 = run(name, tier1=True)
            one.append((t, v))
            t, v, r2 = run(name)
            two.append((t, v))
            assert r2.tier2 and not r1.tier2
            assert r1.outputs == r2.outputs == r0.outputs and r1.stdout == r2.stdout
        w1, v1 = (statistics.median(x[i] for x in one) for i in (0, 1))
        w2, v2 = (statistics.median(x[i] for x in two) for i in (0, 1))
        print("| %s | %.3f | %.1f | %.3f (%.3f) | %.3f (%.3f) | %.2f | %.2f |"
              % (name, first, ready, w1, v1, w2, v2, w1 / w2, v1 / v2))
        for n in os.listdir(where):
            os.unlink(os.path.join(where, n))


if __name__ == "__main__":
    main()
