"""Differential fuzzing by hand: run many seeds of tests/fuzz/generate.py through
the implementation (in-process) and compare with tests/fuzz/oracle.py.

    python benchmarks/fuzz_programs.py --seeds 0:5000          # report mismatches
    python benchmarks/fuzz_programs.py --seeds 0:5000 --show   # ... with programs
    python benchmarks/fuzz_programs.py --seed 181 --show       # one program
    python benchmarks/fuzz_programs.py --seed 181 --save NAME --comment "why"
        # writes tests/fuzz/found/NAME.orus + NAME.expected (the oracle's
        # expectation); reduce the program by hand first, or pass --source FILE
        # to save a reduced program (the oracle cannot evaluate arbitrary text,
        # so then --status/--message/--line/--stdout-file give the expectation).

Run with the checkout on the path:  PYTHONPATH=. .venv/bin/python benchmarks/fuzz_programs.py
Mismatches that match a known bug (tests/fuzz/harness.py KNOWN_BUGS) are
counted apart.  Exit status 1 when a new mismatch was found.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fuzz"))
sys.path.insert(0, os.path.join(HERE, ".."))

import harness  # noqa: E402
import oracle  # noqa: E402


def parse_range(text):
    lo, _, hi = text.partition(":")
    return range(int(lo), int(hi))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0:1000", help="LO:HI (HI excluded)")
    ap.add_argument("--seed", type=int, help="a single seed")
    ap.add_argument("--show", action="store_true", help="print the program of each mismatch")
    ap.add_argument("--save", metavar="NAME", help="write the program of --seed as a golden pair")
    ap.add_argument("--comment", default="", help="explanation line for --save")
    ap.add_argument("--source", help="with --save: a reduced program to save instead")
    ap.add_argument("--status", type=int, default=70)
    ap.add_argument("--message")
    ap.add_argument("--line", type=int)
    ap.add_argument("--stdout-file")
    args = ap.parse_args(argv)

    if args.save:
        if args.source:
            with open(args.source, encoding="utf-8") as fh:
                source = fh.read()
            stdout = ""
            if args.stdout_file:
                with open(args.stdout_file, encoding="utf-8") as fh:
                    stdout = fh.read()
            exp = oracle.Expected(stdout, args.status, args.message, args.line)
        else:
            if args.seed is None:
                ap.error("--save needs --seed or --source")
            prog = harness.generate.generate(args.seed)
            source, exp = prog.source, prog.expected
        print("wrote", harness.write_golden(args.save, source, exp, args.comment))
        return 0

    seeds = [args.seed] if args.seed is not None else parse_range(args.seeds)
    t0 = time.time()
    statuses = collections.Counter()
    messages = collections.Counter()
    known = collections.Counter()
    new = []
    lines = 0
    for seed in seeds:
        try:
            prog, result, problem = harness.check(seed)
        except Exception as exc:           # a generator/oracle bug
            print("seed %d: fuzzer error %r" % (seed, exc))
            new.append(seed)
            continue
        lines += prog.source.count("\n")
        statuses[prog.expected.status] += 1
        if prog.expected.message:
            messages[re.sub(r"'\w+'", "'NAME'", prog.expected.message)] += 1
        if problem is None:
            if args.seed is not None and args.show:
                print(prog.source)
            continue
        bug = harness.known_bug(prog.expected, result)
        if bug:
            known[bug] += 1
            print("seed %d: known bug %s" % (seed, bug))
        else:
            new.append(seed)
            print("seed %d: MISMATCH\n  %s" % (seed, problem.replace("\n", "\n  ")))
        if args.show:
            print(prog.source)
    n = len(seeds)
    print("\n%d programs (%d lines) in %.1f s: %d ran to the end, %d stopped with a runtime error"
          % (n, lines, time.time() - t0, statuses[0], statuses[70]))
    print("runtime errors expected:", ", ".join("%s %d" % kv for kv in messages.most_common()))
    print("known bugs:", dict(known) or "none", "| new mismatches:", len(new), new[:50])
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
