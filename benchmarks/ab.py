"""A/B: the same Orus workloads under two commands, interleaved, side by side.

    .venv/bin/python benchmarks/ab.py --a "CMD_A" --b "CMD_B" [--rounds 7]
        [--workloads fib,sieve] [--label-a before] [--label-b after]

For measuring a change of the VM or the front end: e.g. CMD_A runs the
installed checkout and CMD_B another worktree
(`env PYTHONPATH=/path/to/worktree .venv/bin/python -m orus run`).  Each
round runs every workload under A then B (the order alternates each round),
so a noisy moment of the machine hurts both alike.  Reports the medians of the
in-process work time (the `work_seconds=` line the programs print) and of the
whole-process wall time, and B/A ratios.  Output must be identical to
NAME.out for both, else the cell is an error.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "benchmarks" / "programs"


def workloads() -> list:
    return sorted(p.stem for p in PROGRAMS.glob("*.orus") if p.with_suffix(".out").exists())


def run(cmd: list, name: str):
    path = PROGRAMS / (name + ".orus")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd + [str(path)], capture_output=True, text=True, cwd=str(ROOT))
    wall = time.perf_counter() - t0
    lines = proc.stdout.splitlines()
    work = None
    if lines and lines[-1].startswith("work_seconds="):
        work = float(lines.pop().split("=", 1)[1])
    expected = path.with_suffix(".out").read_text().splitlines()
    if proc.returncode != 0 or lines != expected:
        raise SystemExit("%s under %s: wrong output or status %d\n%s"
                         % (name, " ".join(cmd), proc.returncode, proc.stderr[-2000:]))
    return wall, work


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--label-a", default="A")
    ap.add_argument("--label-b", default="B")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--workloads", default=",".join(workloads()))
    args = ap.parse_args(argv)
    cmds = {"a": shlex.split(args.a), "b": shlex.split(args.b)}
    names = [w for w in args.workloads.split(",") if w]
    results = {(side, w): ([], []) for side in "ab" for w in names}
    for name in names:                      # warm-up: caches, saved bytecode
        for side in "ab":
            run(cmds[side], name)
    for r in range(args.rounds):
        for name in names:
            for side in ("ab" if r % 2 == 0 else "ba"):
                wall, work = run(cmds[side], name)
                results[(side, name)][0].append(wall)
                if work is not None:
                    results[(side, name)][1].append(work)
    print("| workload | %s work ms | %s work ms | B/A work | %s wall ms | %s wall ms | B/A wall |"
          % (args.label_a, args.label_b, args.label_a, args.label_b))
    print("|---|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for name in names:
        wa, ka = results[("a", name)]
        wb, kb = results[("b", name)]
        ma, mb = statistics.median(wa), statistics.median(wb)
        if ka and kb:
            xa, xb = statistics.median(ka), statistics.median(kb)
            ratios.append(xb / xa)
            work = "%.1f | %.1f | %.2f" % (xa * 1e3, xb * 1e3, xb / xa)
        else:
            work = "- | - | -"
        print("| %s | %s | %.1f | %.1f | %.2f |" % (name, work, ma * 1e3, mb * 1e3, mb / ma))
    if ratios:
        print("\ngeometric mean of B/A work time: %.3f (%d workloads, %d rounds)"
              % (statistics.geometric_mean(ratios), len(ratios), args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
