"""The heap limit: a program that would grow without bound stops with the
runtime error "out of memory" (exit 70) instead of taking the machine down.

The limit (ORUS_MAX_HEAP, `max_heap=` of the API; default a quarter of
physical memory) counts every array the machine allocates.  These tests use a
small limit, so they are fast and never need much memory; the runaway
programs run in a child process (as a user runs them).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import orus
from orus.host import machine as runtime

ROOT = Path(__file__).resolve().parent.parent
SMALL = "64M"

DOUBLING = 'mut s = "x"\nprint("start")\nwhile true:\n    s = s + s\n'
PUSHING = 'mut a = [1]\nprint("start")\nwhile true:\n    push(a, 1)\n'
PUSHING_STRINGS = ('mut a: [string] = []\nprint("start")\nmut i = 0\nwhile true:\n'
                   '    push(a, "item " + (i as string))\n    i = i + 1\n')
HOST_STRINGS = ('mut a: [string] = []\nprint("start")\nmut f = 0.5\nwhile true:\n'
                '    push(a, f as string)\n    f = f + 1.0\n')


def run_cli(tmp_path, source, max_heap=SMALL):
    path = tmp_path / "prog.orus"
    path.write_text(source)
    env = dict(os.environ)
    env.pop("ORUS_DEBUG", None)
    if max_heap is None:
        env.pop("ORUS_MAX_HEAP", None)
    else:
        env["ORUS_MAX_HEAP"] = max_heap
    return subprocess.run([sys.executable, "-m", "orus", "run", str(path)], capture_output=True,
                          env=env, cwd=str(ROOT), timeout=120)


@pytest.mark.parametrize("source,line,limit", [(DOUBLING, 4, SMALL), (PUSHING, 4, SMALL),
                                               (PUSHING_STRINGS, 5, "16M"),
                                               (HOST_STRINGS, 5, "8M")],
                         ids=["concat-doubling", "push-ints", "push-strings", "host-strings"])
def test_a_runaway_program_stops_with_out_of_memory(tmp_path, source, line, limit):
    proc = run_cli(tmp_path, source, limit)
    err = proc.stderr.decode()
    assert proc.returncode == 70, err
    assert proc.stdout == b"start\n"                 # output printed before is kept
    assert "out of memory" in err and "prog.orus:%d:" % line in err, err
    assert "Traceback" not in err


def test_a_malformed_limit_is_a_usage_error(tmp_path):
    for bad in ("lots", "12Q", "-5M", "0", "1K"):
        proc = run_cli(tmp_path, 'print("never")\n', max_heap=bad)
        assert proc.returncode == 2, (bad, proc.stderr)
        assert proc.stdout == b""
        err = proc.stderr.decode()
        assert "ORUS_MAX_HEAP" in err and "Traceback" not in err and err.count("\n") == 1


def test_sizes():
    assert runtime.parse_size("512M") == 512 << 20
    assert runtime.parse_size("2G") == 2 << 30
    assert runtime.parse_size("2g") == runtime.parse_size("2GiB") == runtime.parse_size("2GB")
    assert runtime.parse_size("1.5G") == 3 << 29
    assert runtime.parse_size(" 8388608 ") == 8 << 20
    assert runtime.parse_size("8192K") == 8 << 20
    for bad in ("", "M", "G2", "1..5G", "5 X", "-1G", "3M"):
        with pytest.raises(ValueError):
            runtime.parse_size(bad)


def test_the_default_is_a_quarter_of_physical_memory(monkeypatch):
    monkeypatch.delenv("ORUS_MAX_HEAP", raising=False)
    phys = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert runtime.resolve_max_heap() == phys // 4
    monkeypatch.setenv("ORUS_MAX_HEAP", "100M")
    assert runtime.resolve_max_heap() == 100 << 20
    assert runtime.resolve_max_heap("1G") == 1 << 30          # the API wins
    assert runtime.resolve_max_heap(50 << 20) == 50 << 20
    monkeypatch.setenv("ORUS_MAX_HEAP", "nonsense")
    with pytest.raises(ValueError, match="ORUS_MAX_HEAP"):
        runtime.resolve_max_heap()
    with pytest.raises(ValueError, match="ORUS_MAX_HEAP"):
        orus.run_source('print(1)\n')


def test_the_api_takes_a_limit():
    result = orus.run_source(DOUBLING, "prog.orus", max_heap=SMALL)
    assert result.status == 70 and result.stdout == "start\n"
    assert result.error.message == "out of memory" and result.error.line == 4
    with pytest.raises(orus.OrusRuntimeError, match="out of memory"):
        orus.run(PUSHING, max_heap=SMALL)


# A program that allocates ~200 MB in all but never holds more than a few MB:
# the collector keeps it well within a 64M limit, and it prints what it would
# print without one.
CHURN = """
mut total = 0
for round in 0..40:
    mut parts: [string] = []
    for i in 0..2000:
        push(parts, "piece " + (i as string) + " of round " + (round as string))
    mut s = ""
    for p in parts:
        s = s + p
    mut nums: [i32] = []
    for i in 0..20000:
        push(nums, i * round)
    total = total + len(s) + len(nums)
print(total)
"""


def test_a_program_within_the_limit_is_unaffected():
    limited = orus.run_source(CHURN, max_heap=SMALL)
    unlimited = orus.run_source(CHURN, max_heap="4G")
    assert limited.status == unlimited.status == 0, limited.stderr
    assert limited.stdout == unlimited.stdout != ""


CATCH = """
fn runaway() -> i32:
    mut s = "x"
    while true:
        s = s + s
    return 0
fn pusher() -> i32:
    mut a = [1]
    while true:
        push(a, 1)
    return 0
try:
    runaway()
catch e:
    print("caught: " + (e as string))
try:
    pusher()
catch e:
    print("caught again: " + (e as string))
// the runaway values are garbage now: the program goes on
mut t = "y"
for i in 0..20:
    t = t + t
print(len(t))
"""


def test_out_of_memory_is_catchable_like_other_runtime_errors():
    """Like "stack overflow" (DECISIONS row 13), "out of memory" is an
    ordinary runtime error: `try` catches it once the stack is unwound.  Its
    error object is made when the machine starts, so catching it needs no
    memory; what the failed code held is garbage afterwards."""
    result = orus.run_source(CATCH, max_heap=SMALL)
    assert result.status == 0, result.stderr
    assert result.stdout == ("caught: out of memory\ncaught again: out of memory\n%d\n"
                             % (1 << 20))


def test_the_limit_counts_every_array():
    from orus.bytecode.program import halt_program
    from orus.jit import get_vm
    m = runtime.Machine(halt_program(), get_vm(), lambda data: None, max_heap="8M")
    assert m.max_heap == 8 << 20
    assert m.memory_in_use() == sum(runtime.B.nbytes(getattr(m, n)) for n in m.ARRAYS)
    assert m.memory_in_use() < m.max_heap
    with pytest.raises(runtime.HeapLimit):
        m._grow_heap(0, 8 << 20, 0)                  # the bytes alone pass the limit
    m._grow_heap(0, 4 << 20, 0)                      # past doubling, within the limit
    assert m.memory_in_use() <= m.max_heap
