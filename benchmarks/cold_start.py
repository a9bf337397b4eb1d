"""Cold start, measured (issue 4).  Not a test: prints a table.

    .venv/bin/python benchmarks/cold_start.py [--runs 11] [--no-warm]

1. `orus warm-cache` (unless --no-warm), then, each in a fresh process:
   first `orus.run_file(P)` ÷ second `orus.run_file(P)` for hello world and a
   loop-heavy program.  Two variants:
     a. "cold API": the first call also pays the lazy imports of the runtime
        and the loading of the native VM (what a notebook's first call costs);
     b. "vm-only": `orus.jit.get_vm()` and the runtime imports happen before
        the first call, so the ratio shows what the VM itself costs the first
        time (the reference VM's disease was here: 70-115x);
     c. "run_program": like b, and the program is loaded from the bytecode
        cache before timing: `orus.run_program` twice (Machine + VM loop only).
2. Whole-process wall time, interleaved, median of --runs (>= 9):
   `python -c pass`, `python -c "import numpy"`, `orus run hello.orus`
   (native VM), and `orus run hello.orus` with ORUS_NATIVE=0 (njit cache).

Set PYTHONDONTWRITEBYTECODE=1 or not: warm-cache byte-compiles orus itself,
so the numbers do not include compiling Python source.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# The command users run: the installed launcher (`python -m orus` adds runpy's
# imports, ~5-10 ms), else -m.
_LAUNCHER = os.path.join(os.path.dirname(PY), "orus")
ORUS = [_LAUNCHER] if os.path.exists(_LAUNCHER) else [PY, "-m", "orus"]

HELLO = 'print("Hello, world!")\n'
LOOP = """\
mut total = 0
for i in 0..20000000:
    total = total + i % 7
print(total)
"""

# Runs in a fresh process: times two run_file calls; prints JSON on stderr's last line.
FIRST_SECOND = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
import orus
import orus.api          # the API's import preloads the run path (import orus alone loads nothing)
t_import = time.perf_counter() - t0
if sys.argv[3] == "vm-only":
    from orus.jit import get_vm
    import orus.host.machine, orus.program_cache, orus.bytecode.verify, orus.host.fmt
    get_vm()
times = []
if sys.argv[3] == "run_program":
    # the VM alone: the program is loaded first; run_program = Machine + VM loop
    from orus.jit import get_vm
    source = open(sys.argv[2], "rb").read()
    program = orus.load_program(source, sys.argv[2])
    get_vm()
    sink = open(os.devnull, "wb")
    for _ in range(2):
        t = time.perf_counter()
        orus.run_program(program, sink.write)
        times.append(time.perf_counter() - t)
else:
    for _ in range(2):
        t = time.perf_counter()
        orus.run_file(sys.argv[2])
        times.append(time.perf_counter() - t)
from orus.jit import get_vm
sys.stderr.write("\n" + json.dumps({"import": t_import, "first": times[0], "second": times[1],
                                    "vm": type(get_vm()).__name__,
                                    "numba": "numba" in sys.modules}) + "\n")
"""


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def first_second(path: Path, variant: str, repeats: int) -> dict:
    rows = []
    for _ in range(repeats):
        proc = subprocess.run([PY, "-c", FIRST_SECOND, str(ROOT), str(path), variant],
                              env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, check=True)
        rows.append(json.loads(proc.stderr.strip().splitlines()[-1]))
    ratios = [r["first"] / r["second"] for r in rows]
    return {"first": statistics.median(r["first"] for r in rows),
            "second": statistics.median(r["second"] for r in rows),
            "ratio": statistics.median(ratios),
            "import": statistics.median(r["import"] for r in rows),
            "vm": rows[0]["vm"], "numba": any(r["numba"] for r in rows)}


def wall(cmd, env) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=11, help="whole-process runs per command (>= 9)")
    ap.add_argument("--repeats", type=int, default=5, help="fresh processes per first/second figure")
    ap.add_argument("--no-warm", action="store_true", help="do not run `orus warm-cache` first")
    args = ap.parse_args()

    if not args.no_warm:
        t = time.perf_counter()
        subprocess.run([PY, "-m", "orus", "warm-cache"], env=_env(), check=True,
                       stdout=subprocess.DEVNULL)
        print("orus warm-cache: %.1f s" % (time.perf_counter() - t))
    check = subprocess.run([PY, "-m", "orus", "warm-cache", "--check"], env=_env(),
                           capture_output=True, text=True)
    print(check.stdout.rstrip())

    tmp = Path(tempfile.mkdtemp(prefix="orus-bench-"))
    hello = tmp / "hello.orus"
    hello.write_text(HELLO)
    loop = tmp / "loop.orus"
    loop.write_text(LOOP)
    for prog in (hello, loop):                     # compile once: bytecode cache
        subprocess.run([PY, "-m", "orus", "run", str(prog)], env=_env(), check=True,
                       stdout=subprocess.DEVNULL)

    print("\n## first run_file ÷ second run_file, fresh process each (median of %d)\n" % args.repeats)
    print("| program | variant | import orus | first | second | first ÷ second | VM | numba imported |")
    print("|---|---|---|---|---|---|---|---|")
    for prog in (hello, loop):
        for variant in ("cold-api", "vm-only", "run_program"):
            r = first_second(prog, variant, args.repeats)
            print("| %s | %s | %.1f ms | %.2f ms | %.2f ms | %.2f | %s | %s |" % (
                prog.name, variant, 1e3 * r["import"], 1e3 * r["first"], 1e3 * r["second"],
                r["ratio"], r["vm"], "yes" if r["numba"] else "no"))

    runs = max(args.runs, 9)
    cmds = {
        "python -c pass": ([PY, "-c", "pass"], _env()),
        "python -c 'import numpy'": ([PY, "-c", "import numpy"], _env()),
        "orus run hello.orus (native)": (ORUS + ["run", str(hello)], _env()),
        "orus run hello.orus (ORUS_NATIVE=0: njit cache)": (ORUS + ["run", str(hello)],
                                                          _env(ORUS_NATIVE="0")),
    }
    times = {name: [] for name in cmds}
    for cmd, env in cmds.values():                  # warm the OS caches
        wall(cmd, env)
    for _ in range(runs):
        for name, (cmd, env) in cmds.items():       # interleaved
            times[name].append(wall(cmd, env))
    numpy_med = statistics.median(times["python -c 'import numpy'"])
    pass_med = statistics.median(times["python -c pass"])
    print("\n## whole process, interleaved, median of %d (min..max)\n" % runs)
    print("| command | median | vs import numpy | vs python -c pass | range |")
    print("|---|---|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print("| %s | %.1f ms | %+.1f ms | %+.1f ms | %.1f..%.1f ms |" % (
            name, 1e3 * med, 1e3 * (med - numpy_med), 1e3 * (med - pass_med),
            1e3 * min(ts), 1e3 * max(ts)))
    print("\npython %s; dont_write_bytecode=%s" % (sys.version.split()[0], bool(sys.flags.dont_write_bytecode)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
