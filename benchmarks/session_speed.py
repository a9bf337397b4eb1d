"""How long a one-line input takes in an `orus.Session` that has seen many.

    .venv/bin/python benchmarks/session_speed.py [--definitions 100] [--runs 20]

The session first gets `--definitions` inputs `fn fK(x: i64) -> i64` and as
many inputs `gK = fK(K)` (so 200 inputs by default), then the one-line input
`print(g5 + 1)` `--runs` times; prints the median time of that input.  Issue
14 asks for a few milliseconds: each input is compiled alone and appended to
the session's program (orus/frontend/incremental.py), 0.7 ms here; when every
input recompiled the kept definitions it was 13-14 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--definitions", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    import orus
    session = orus.Session()
    for k in range(args.definitions):
        session.run("fn f%d(x: i64) -> i64:\n    return x + %d\n" % (k, k))
        session.run("g%d = f%d(%d)" % (k, k, k))
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = session.run("print(g5 + 1)")
        times.append(time.perf_counter() - t0)
        assert result.error is None and result.stdout == "11\n", result
    print("after %d inputs, a one-line input: median %.1f ms (min %.1f)"
          % (2 * args.definitions, 1e3 * statistics.median(times), 1e3 * min(times)))


if __name__ == "__main__":
    main()
