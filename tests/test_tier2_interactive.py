"""Tier 2 for notebook cells (``orus.run``) and session inputs (``orus.Session``:
the REPL, ``%%orus``): a run that takes a while starts a background build of
its program's native code (orus/autobuild.py, the program saved for the
builder); the next run of the same program loads it (``CellResult.tier2``,
``RunResult.tier2``) and must behave exactly as tier 1: outputs, stdout,
runtime errors (message, line, column), Ctrl-C, the heap limit.

Every test builds into its own folder (ORUS_TIER2_DIR).  Builds are started
only where a test asks (ORUS_TIER2_AUTO_AFTER is 0 inside ``building()``,
never elsewhere), so that the build a test waits for is the one it meant.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import orus
from orus import api, autobuild
from orus.bytecode import program as bytecode
from orus.errors import EXIT_RUNTIME, OrusRuntimeError
from orus.session import Session
from orus.tier2 import build, lock, store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    where = str(tmp_path / "t2")
    monkeypatch.setenv("ORUS_TIER2_DIR", where)
    monkeypatch.setenv("ORUS_TIER2_AUTO_AFTER", "1e9")       # no build unless asked
    monkeypatch.delenv("ORUS_TIER2", raising=False)
    monkeypatch.delenv("ORUS_TIER2_AUTO", raising=False)
    return where


@pytest.fixture
def vms(monkeypatch):
    """The VMs runs use (api.program_vm's answers), latest last."""
    used = []
    real = api.program_vm
    monkeypatch.setattr(api, "program_vm", lambda p: used.append(real(p)) or used[-1])
    return used


@contextlib.contextmanager
def building():
    """Runs inside start a background build (whatever they take)."""
    os.environ["ORUS_TIER2_AUTO_AFTER"] = "0"
    try:
        yield
    finally:
        os.environ["ORUS_TIER2_AUTO_AFTER"] = "1e9"


def files(where):
    return sorted(os.listdir(where)) if os.path.isdir(where) else []


def wait_builds(where, libraries=1, seconds=120):
    """Wait until no build runs in `where` and it holds `libraries` libraries."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        names = files(where)
        busy = [n for n in names if n.endswith((lock.SUFFIX, store.SUFFIX_SAVED))]
        if not busy and sum(n.endswith(".manifest") for n in names) >= libraries:
            return names
        time.sleep(0.1)
    raise AssertionError("no build finished: %s" % files(where))


@contextlib.contextmanager
def tier1():
    os.environ["ORUS_TIER2"] = "0"
    try:
        yield
    finally:
        del os.environ["ORUS_TIER2"]


def cell_outcome(cell, inputs, outputs, **kw):
    try:
        r = orus.run(cell, inputs=inputs, outputs=outputs, **kw)
    except OrusRuntimeError as err:
        return ("error", err.kind, err.message, err.line, err.col, err.stdout), err.tier2
    values = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in r.outputs.items()}
    return ("ok", values, r.stdout), r.tier2


# ------------------------------------------------------------------ notebook cells
SUM = """mut total = 0.0
mut big = 0
for i in 0..len(xs):
    x = xs[i]
    total += x * x
    if x > 0.5:
        big += 1
print("n = @, big = @", len(xs), big)
"""

NESTED = """fn weight(i: i64, j: i64) -> i64:
    return (i * j + k) % 7
mut s: i64 = 0
for i in 0..n:
    for j in 0..n:
        s += weight(i, j)
print(s)
"""

MATRIX = """mut rows = 0
mut acc = 0.0
for r in m:
    rows += 1
    for v in r:
        acc += v
out: [f64] = []
for r in m:
    push(out, r[0] * scale)
print("@ rows", rows)
"""

STRINGS = """mut text = ""
for i in 0..count:
    if i % 10 == 0:
        text = text + name
print(len(text))
"""

CELLS = {
    "sum": (SUM, lambda: {"xs": np.random.default_rng(7).random(20000)}, ["total", "big"]),
    "nested": (NESTED, lambda: {"n": 150, "k": 3}, ["s"]),
    "matrix": (MATRIX, lambda: {"m": np.arange(12.0).reshape(4, 3), "scale": 0.5},
               ["acc", "out", "rows"]),
    "strings": (STRINGS, lambda: {"count": 500, "name": "ab"}, ["text"]),
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_a_long_cell_builds_and_its_rerun_runs_native_code(name, folder, vms):
    cell, inputs, outputs = CELLS[name]
    with tier1():
        want, used = cell_outcome(cell, inputs(), outputs)
    assert not used and files(folder) == []              # ORUS_TIER2=0: no build
    assert cell_outcome(cell, inputs(), outputs) == (want, False)
    assert files(folder) == []                           # too short: no build
    with building():
        assert cell_outcome(cell, inputs(), outputs) == (want, False)
    names = wait_builds(folder)
    assert not [n for n in names if n.endswith(store.SUFFIX_SAVED)]   # the builder deleted it
    assert cell_outcome(cell, inputs(), outputs) == (want, True)
    if name in ("sum", "nested"):
        # native all the way: tier 1 ran only the first call (it verifies the
        # program and yields at the first loop head or call)
        assert vms[-1].fallbacks == 1
    # other input values, same types: the same program, the same native code
    other = {k: (v[::-1].copy() if isinstance(v, np.ndarray) else v) for k, v in inputs().items()}
    with tier1():
        want2, _ = cell_outcome(cell, other, outputs)
    assert cell_outcome(cell, other, outputs) == (want2, True)
    with tier1():
        assert cell_outcome(cell, inputs(), outputs) == (want, False)


def test_other_input_types_are_another_program(folder):
    cell = "mut t = 0\nfor i in 0..n:\n    t += i as i32\n"
    with building():
        orus.run(cell, inputs={"n": 1000}, outputs=["t"])
    wait_builds(folder)
    assert orus.run(cell, inputs={"n": 1000}, outputs=["t"]).tier2
    assert not orus.run(cell, inputs={"n": np.int32(1000)}, outputs=["t"]).tier2


ERRORS = [
    ("mut s: i64 = 0\nfor i in 0..len(xs) + 1:\n    s += xs[i]\n", {"xs": np.arange(50)}),
    ("mut s: i32 = 1\nfor i in 0..n:\n    s = s * 3\n", {"n": 100}),
    ("fn f(a: i64, b: i64) -> i64:\n    return a / b\nmut s: i64 = 0\nfor i in 0..n:\n"
     "    s += f(100, n - 1 - i)\n    print(s)\n", {"n": 6}),
    ("mut v = x\nfor i in 0..200:\n    v = v * v\n", {"x": 3}),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_a_runtime_error_in_native_code_is_tier_1s(case, folder):
    cell, inputs = ERRORS[case]
    with tier1():
        want, _ = cell_outcome(cell, inputs, [])
    assert want[0] == "error"
    with building():
        assert cell_outcome(cell, inputs, []) == (want, False)
    wait_builds(folder)
    assert cell_outcome(cell, inputs, []) == (want, True)


def test_the_heap_limit_holds_in_native_code(folder):
    cell = "mut xs: [i64] = []\nfor i in 0..n:\n    push(xs, i)\nprint(len(xs))\n"
    inputs = {"n": 50_000_000}
    with tier1():
        want, _ = cell_outcome(cell, inputs, [], max_heap="32M")
    assert want[:3] == ("error", "runtime error", "out of memory") and want[3:5] == (3, 5)
    with building():
        cell_outcome(cell, inputs, [], max_heap="32M")
    wait_builds(folder)
    assert cell_outcome(cell, inputs, [], max_heap="32M") == (want, True)
    small, used = cell_outcome(cell, {"n": 1000}, [], max_heap="32M")
    assert small == ("ok", {}, "1000\n") and used


def _interrupted(run, after=0.3):
    """Run `run()` with a SIGINT after `after` seconds; seconds until KeyboardInterrupt."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    old = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT))
    t0 = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run()
        return time.perf_counter() - t0
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)


def test_ctrl_c_stops_a_native_cell(folder, vms):
    cell = "mut i = 0\nmut s = 0\nwhile true:\n    s = (s + i * 7) % 1000003\n    i += 1\n"
    with building():                                # an interrupted run builds too
        _interrupted(lambda: orus.run(cell, inputs={"k": 1}))
    wait_builds(folder)
    assert _interrupted(lambda: orus.run(cell, inputs={"k": 1})) < 5
    assert getattr(vms[-1], "tier2", False) and vms[-1].fallbacks == 1


def test_tier2_auto_off_uses_but_never_builds(folder, monkeypatch):
    cell, inputs, outputs = CELLS["nested"]
    monkeypatch.setenv("ORUS_TIER2_AUTO", "0")
    with building():
        orus.run(cell, inputs=inputs(), outputs=outputs)
    assert files(folder) == []
    monkeypatch.delenv("ORUS_TIER2_AUTO")
    with building():
        orus.run(cell, inputs=inputs(), outputs=outputs)
    wait_builds(folder)
    monkeypatch.setenv("ORUS_TIER2_AUTO", "0")
    assert orus.run(cell, inputs=inputs(), outputs=outputs).tier2


# ------------------------------------------------------------------ the saved program
def test_the_builder_builds_the_saved_program_and_deletes_it(tmp_path, folder):
    program = api.compile_source(b"mut s = 0\nfor i in 0..10:\n    s += i\nprint(s)\n", "<cell>")
    key = store.key(program)
    held = lock.acquire(key, folder)
    saved = os.path.join(folder, key + store.SUFFIX_SAVED)
    bytecode.save(program, saved, autobuild.SAVED_ID)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "orus.autobuild_main", "--saved", saved, held],
                          env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert build.is_built(program, folder)
    assert not os.path.exists(saved) and not os.path.exists(held)


def test_a_killed_builds_saved_program_is_trimmed(folder):
    os.makedirs(folder)
    old = os.path.join(folder, "k1" + store.SUFFIX_SAVED)
    new = os.path.join(folder, "k2" + store.SUFFIX_SAVED)
    for path in (old, new):
        Path(path).write_bytes(b"x")
    past = time.time() - store.STALE_SAVED - 5
    os.utime(old, (past, past))
    store.trim(folder)
    assert files(folder) == ["k2" + store.SUFFIX_SAVED]


def test_builds_at_a_time_are_bounded(folder, monkeypatch):
    program = api.compile_source(b"print(1)\n", "<cell>")
    monkeypatch.setenv("ORUS_TIER2_AUTO_JOBS", "1")
    held = lock.acquire("another", folder)            # another program's build runs
    with building():
        assert not autobuild.maybe_start(program, 10.0, saved=True)
        lock.release(held)
        assert autobuild.maybe_start(program, 10.0, saved=True)
    wait_builds(folder)
    assert build.is_built(program, folder)


# ------------------------------------------------------------------ sessions
LOOP = "for i in 0..n:\n    total += (sq(i) as f64) * 0.5\nprint(total)"
SETUP = ["mut total = 0.0\nn: i64 = 20000", "fn sq(x: i64) -> i64:\n    return x * x"]


def _pair():
    """A session with tier 2 and a reference session on tier 1, same inputs."""
    s, ref = Session(), Session()
    for text in SETUP:
        assert s.run(text).status == 0
        with tier1():
            assert ref.run(text).status == 0
    return s, ref


def _both(s, ref, text):
    r = s.run(text)
    with tier1():
        want = ref.run(text)
    assert (r.stdout, r.status, r.stderr) == (want.stdout, want.status, want.stderr)
    assert not want.tier2
    return r


def test_a_session_input_run_again_runs_native_code(folder):
    s, ref = _pair()
    with building():
        assert not _both(s, ref, LOOP).tier2
    wait_builds(folder)
    assert _both(s, ref, LOOP).tier2
    assert _both(s, ref, LOOP).tier2
    assert s["total"] == ref["total"]
    # an input that adds nothing (no function, constant or global) keeps the program
    assert not _both(s, ref, "print(total)").tier2
    assert _both(s, ref, LOOP).tier2
    # one that adds a float constant makes the next LOOP another program
    assert not _both(s, ref, "print(total * 0.25)").tier2
    assert not _both(s, ref, LOOP).tier2


def test_a_runtime_error_in_a_native_session_input_is_tier_1s(folder):
    s, ref = _pair()
    bad = "mut k: i64 = 0\nfor i in 0..n:\n    k = sq(i) * sq(i) * i\n    total += 1.0\n"
    with building():
        first = _both(s, ref, bad)
    assert first.status == EXIT_RUNTIME and not first.tier2
    wait_builds(folder)
    again = _both(s, ref, bad)
    assert again.tier2 and (again.error.line, again.error.col) == (first.error.line, first.error.col)
    assert again.error.message == first.error.message
    assert s["total"] == ref["total"] and "k" not in s           # rolled back
    assert _both(s, ref, "print(total)").status == 0


def test_a_whole_compiled_input_run_again_runs_native_code(folder):
    s, ref = _pair()
    redefine = "fn sq(x: i64) -> i64:\n    return x * x + 1\n" + LOOP      # redefines: whole path
    with building():
        assert not _both(s, ref, redefine).tier2
    wait_builds(folder)
    assert _both(s, ref, redefine).tier2
    assert s["total"] == ref["total"]


def test_sessions_without_tier2(folder, monkeypatch):
    monkeypatch.setenv("ORUS_TIER2", "0")
    s = Session()
    for text in SETUP:
        s.run(text)
    with building():
        assert not s.run(LOOP).tier2
    assert files(folder) == []


# ------------------------------------------------------------------ the %%orus magic
@pytest.fixture
def shell(tmp_path, monkeypatch):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=config)
    sh.run_line_magic("load_ext", "orus")
    yield sh
    InteractiveShell.clear_instance()


def test_a_magic_cell_run_again_runs_native_code(shell, folder, vms, capsys, monkeypatch):
    """`%%orus -i xs` sets the session's global xs again before each run, and
    the cell declares `t` again: from its second run on, the cell takes the
    whole path, whose program is the same every time -- the third run is native."""
    monkeypatch.setenv("ORUS_TIER2_AUTO_JOBS", "8")
    shell.user_ns["xs"] = np.random.default_rng(3).random(5000)
    cell = "%%orus -i xs -o t\nmut t = 0.0\nfor i in 0..len(xs):\n    t += xs[i] * 2.0\nprint(t > 1.0)\n"
    seen = []
    for k in range(3):
        with building():
            assert shell.run_cell(cell).success
        wait_builds(folder, libraries=0)
        seen.append((capsys.readouterr().out, shell.user_ns["t"], getattr(vms[-1], "tier2", False)))
    want = (seen[0][0], float(np.sum(shell.user_ns["xs"] * 2.0)))
    assert seen[0][0] == "true\n" and abs(seen[0][1] - want[1]) < 1e-6
    assert [s[:2] for s in seen] == [seen[0][:2]] * 3
    assert [s[2] for s in seen] == [False, False, True]
