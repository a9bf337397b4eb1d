"""Tier 1 vs tier 2 vs CPython, LuaJIT, Lua 5.4 and Node.js on benchmarks/compare.py's workloads.

    PYTHONPATH=. .venv/bin/python benchmarks/tier2_compare.py [--rounds 5]
        [--workloads fib,sieve] [--languages python,luajit,node]

Builds every workload's tier-2 native code first (`orus warm-cache
PROGRAM.orus ...`, outside the timings), then runs, interleaved round after
round (the order rotating), `orus run` with ORUS_TIER2=0 (tier 1) and with
tier 2, and the other languages' versions of the same program.  Reports the
median in-process work time (each program's own `work_seconds=` line) and
the ratios tier1/tier2, tier2/CPython and tier2/LuaJIT, with geometric
means (the table README's Performance section shows).  Reuses
compare.py's runner (same expected-output check).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402

DEFAULT = [w for w in compare.WORKLOADS if w not in compare.STARTUP_WORKLOADS]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workloads", default=",".join(DEFAULT))
    ap.add_argument("--languages", default="python,luajit,lua5.4,node")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args(argv)
    # the runs' working folder is benchmarks/programs (compare.run_once): a
    # relative PYTHONPATH such as "." would name that folder there, and
    # `python -m orus` would import whatever orus the interpreter has
    # installed (another checkout) instead of this one
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(compare.ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                               if p and os.path.isabs(p)])
    workloads = args.workloads.split(",")
    orus = [sys.executable, "-m", "orus"]
    progs = [str(compare.PROGRAMS / (w + ".orus")) for w in workloads]
    subprocess.run(orus + ["warm-cache"] + progs, check=True, capture_output=True)
    langs = [compare.Language("tier1", "Orus tier 1", ".orus", ["env", "ORUS_TIER2=0"] + orus + ["run"]),
             compare.Language("tier2", "Orus tier 2", ".orus", orus + ["run"])]
    others = {lang.name: lang for lang in compare.default_languages(orus)}
    for name in args.languages.split(","):
        if name in others:
            compare.probe(others[name])
            if others[name].available:
                langs.append(others[name])
    work = {w: {lang.name: [] for lang in langs} for w in workloads}
    for r in range(args.rounds):
        order = langs[r % len(langs):] + langs[:r % len(langs)]
        for w in workloads:
            for lang in order:
                status, wall, seconds, detail = compare.run_once(lang, w, args.timeout)
                if status == "ok":
                    work[w][lang.name].append(seconds)
                else:
                    print("%s %s: %s %s" % (w, lang.name, status, detail), file=sys.stderr)
        print("round %d done" % (r + 1), file=sys.stderr)
    names = [lang.name for lang in langs]
    labels = {lang.name: lang.label for lang in langs}
    print("| workload | " + " | ".join("%s ms" % labels[n] for n in names)
          + " | tier1/tier2 | tier2/CPython | tier2/LuaJIT |")
    print("|---" * (len(names) + 4) + "|")
    ratios = {"t1t2": [], "t2py": [], "t2lj": []}
    for w in workloads:
        med = {n: (statistics.median(work[w][n]) if work[w][n] else None) for n in names}
        cells = ["%.1f" % (1000 * med[n]) if med[n] else "-" for n in names]
        r1 = med["tier1"] / med["tier2"] if med["tier1"] and med["tier2"] else None
        r2 = med["tier2"] / med["luajit"] if med.get("luajit") and med["tier2"] else None
        rp = med["tier2"] / med["python"] if med.get("python") and med["tier2"] else None
        for key, value in (("t1t2", r1), ("t2py", rp), ("t2lj", r2)):
            if value:
                ratios[key].append(value)
        print("| %s | %s | %s | %s | %s |" % (w, " | ".join(cells), "%.2f" % r1 if r1 else "-",
                                              "%.2f" % rp if rp else "-", "%.2f" % r2 if r2 else "-"))

    def geo(xs):
        return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")
    print("\ngeometric mean: tier1/tier2 %.2f, tier2/CPython %.2f, tier2/LuaJIT %.2f"
          % (geo(ratios["t1t2"]), geo(ratios["t2py"]), geo(ratios["t2lj"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
