"""Issue 17's count loop: 10,000,000 iterations of `total = total + 1` (i64)
inside a function, and the same with a cast (`total = total + (i as i64)`),
in Orus (tier 1, and tier 2 when built) beside Lua 5.4 and LuaJIT.

    .venv/bin/python benchmarks/count_loop.py [--rounds 9]

Each program times its own loop (in-process work time); every (program,
language) pair runs once per round, the order rotating, and the medians are
reported with the ratios to Lua 5.4.  The expected total is checked.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = 10_000_000

ORUS_TEMPLATE = """fn count() -> i64:
    mut total: i64 = 0
    for i in 0..%d:
        total = total + %s
    return total

start = timestamp()
t = count()
print("work_seconds=@", timestamp() - start)
print(t)
"""
LUA_TEMPLATE = """local function count()
  local total = 0
  for i = 0, %d - 1 do total = total + %s end
  return total
end
local start = os.clock()
local t = count()
print("work_seconds=" .. (os.clock() - start))
print(t)
"""
# loop -> what is added each iteration, in Orus and in Lua
ADDED = {"add": ("1", "1"), "cast": ("(i as i64)", "i")}
ORUS = {kind: ORUS_TEMPLATE % (N, orus) for kind, (orus, _) in ADDED.items()}
LUA = {kind: LUA_TEMPLATE % (N, lua) for kind, (_, lua) in ADDED.items()}
EXPECTED = {"add": str(N), "cast": str(N * (N - 1) // 2)}


def languages(orus_cmd):
    langs = [("orus tier 1", ".orus", ["env", "ORUS_TIER2=0"] + orus_cmd + ["run"]),
             ("orus tier 2", ".orus", orus_cmd + ["run"])]
    for exe, label in (("lua5.4", "Lua 5.4"), ("luajit", "LuaJIT")):
        if shutil.which(exe):
            langs.append((label, ".lua", [exe]))
    return langs


def run(argv, path):
    out = subprocess.run(argv + [path], capture_output=True, text=True, timeout=300).stdout
    lines = out.split()
    seconds = float(lines[0].split("=", 1)[1])
    return seconds, lines[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args(argv)
    orus_cmd = [sys.executable, "-m", "orus"]
    tmp = tempfile.mkdtemp(prefix="orus-count-")
    paths = {}
    for kind in ORUS:
        for ext, text in ((".orus", ORUS[kind]), (".lua", LUA[kind])):
            paths[kind, ext] = os.path.join(tmp, kind + ext)
            with open(paths[kind, ext], "w") as fh:
                fh.write(text)
    subprocess.run(orus_cmd + ["warm-cache", paths["add", ".orus"], paths["cast", ".orus"]],
                   check=True, capture_output=True)
    langs = languages(orus_cmd)
    times = {(label, kind): [] for label, _, _ in langs for kind in ORUS}
    for r in range(args.rounds):
        order = langs[r % len(langs):] + langs[:r % len(langs)]
        for kind in ORUS:
            for label, ext, cmd in order:
                seconds, total = run(cmd, paths[kind, ext])
                if total != EXPECTED[kind]:
                    raise SystemExit("%s %s printed %s, not %s" % (label, kind, total, EXPECTED[kind]))
                times[label, kind].append(seconds)
    shutil.rmtree(tmp, ignore_errors=True)
    print("| loop | " + " | ".join(label + " ms" for label, _, _ in langs)
          + " | tier 1 ÷ Lua 5.4 | tier 2 ÷ LuaJIT |")
    print("|---" * (len(langs) + 3) + "|")
    for kind in ORUS:
        med = {label: statistics.median(times[label, kind]) for label, _, _ in langs}
        r1 = med["orus tier 1"] / med["Lua 5.4"] if "Lua 5.4" in med else float("nan")
        r2 = med["orus tier 2"] / med["LuaJIT"] if "LuaJIT" in med else float("nan")
        print("| %s | %s | %.2f | %.2f |" % (kind, " | ".join("%.1f" % (1000 * med[label])
                                                              for label, _, _ in langs), r1, r2))
    print("\n(medians of %d interleaved rounds; 10,000,000 iterations)" % args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
