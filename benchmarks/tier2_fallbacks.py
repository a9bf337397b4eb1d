"""Which instructions tier 2 leaves to tier 1 (fallbacks), over the corpus.

    PYTHONPATH=. .venv/bin/python benchmarks/tier2_fallbacks.py [--dynamic] [--top 30]
        [FILE.orus ...]

For every program of the corpus (the spec examples and tests/programs, as
tests/corpus.py finds them; or the files given), compile it, generate its
tier-2 code (orus/tier2/codegen.py; no LLVM build) and count the
instructions that become "store pc, return FALLBACK", by opcode: how many
such instructions (static), in how many programs, and -- with --dynamic --
how many times they execute (tier 1's profiling loop, one run per program
that runs without input and exits within the timeout).  The table is sorted
by the dynamic count when there is one, else by the static count.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from orus import api  # noqa: E402
from orus.bytecode import opcodes as op  # noqa: E402
from orus.tier2 import codegen  # noqa: E402


def fallbacks(program) -> list[int]:
    e = codegen.Emitter(program)
    e.build()
    return sorted(e._fell_back)


def executed(program, stdin: bytes):
    """Per-pc execution counts of one run on tier 1's profiling loop (None if it fails
    before running)."""
    import numpy as np

    from orus.host.machine import Machine
    from orus.jit import get_profiling_vm
    counts = np.zeros(len(program.code), dtype=np.int64)
    try:
        Machine(program, get_profiling_vm(counts), io.BytesIO().write, io.BytesIO(stdin)).run()
    except Exception:                   # runtime errors count what ran before them
        pass
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--dynamic", action="store_true", help="also count executions")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args(argv)
    if args.files:
        paths = [Path(f) for f in args.files]
    else:
        import corpus
        paths = corpus.all_spec_programs("golden") + corpus.own_programs(kind="golden")
    static, programs, dynamic = Counter(), Counter(), Counter()
    total_static = total_dynamic = 0
    n = 0
    for path in paths:
        try:
            program = api.compile_source(path.read_bytes(), str(path))
        except Exception:
            continue                     # compile errors: nothing to run
        n += 1
        code = program.code
        fell = fallbacks(program)
        total_static += len(code)
        seen = set()
        for pc in fell:
            o = int(code[pc, 0])
            static[o] += 1
            seen.add(o)
        for o in seen:
            programs[o] += 1
        if args.dynamic:
            stdin = path.with_suffix(".stdin")
            counts = executed(program, stdin.read_bytes() if stdin.exists() else b"")
            total_dynamic += int(counts.sum())
            for pc in fell:
                dynamic[int(code[pc, 0])] += int(counts[pc])
    keys = sorted(set(static), key=lambda o: (-(dynamic[o] if args.dynamic else static[o]),
                                                -static[o]))
    print("%d programs, %d instructions, %d fall back (%.1f%%)" % (
        n, total_static, sum(static.values()), 100 * sum(static.values()) / max(total_static, 1)))
    if args.dynamic:
        print("%d executed, %d of them fallback instructions (%.1f%%)" % (
            total_dynamic, sum(dynamic.values()),
            100 * sum(dynamic.values()) / max(total_dynamic, 1)))
    head = "| opcode | static | programs |" + (" executed |" if args.dynamic else "")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for o in keys[:args.top]:
        row = "| %s | %d | %d |" % (op.NAMES[o], static[o], programs[o])
        if args.dynamic:
            row += " %d |" % dynamic[o]
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
