"""Tier 2 (orus/tier2): a program's native code must behave exactly as tier 1.

Each test builds native code (~0.1-0.5 s a program) into a temporary folder
and runs the program on both tiers in this process: stdout, and a runtime
error's kind, message, file, line and column must be identical.

The default suite builds a handful of programs.  The whole corpus (the spec
examples and tests/programs, every program with an expected output or a
runtime error; a few minutes):

    ORUS_TIER2_ALL=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_tier2.py -k "corpus or fuzz"
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orus import api
from orus.bytecode import opcodes as op
from orus.bytecode import protocol as P
from orus.host.machine import Machine
from orus.jit import get_vm
from orus.jit.abi import vm_args
from orus.tier2 import FALLBACK, build, codegen, lock, store
import corpus
from tier2_runner import compare, compare_file, strip_timing, tier2_vm

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "programs"


@pytest.fixture(scope="module")
def where(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tier2"))


def same(one, two):
    assert strip_timing(two[0]) == strip_timing(one[0])
    assert two[1] == one[1]


# ---------------------------------------------------------------- workloads
@pytest.mark.parametrize("name", ["fib", "arith_loop", "sieve", "matmul", "sort", "strings_top",
                                  "control_flow", "strings", "sieve_top"])
def test_benchmark_matches_tier1(name, where):
    one, two, vm, tier1 = compare_file(BENCH / (name + ".orus"), where)
    same(one, two)
    assert one[1] is None


def test_fully_native_program_stays_in_tier2(where):
    """fib is all native: tier 1 runs only for the first call (it verifies
    the program, then yields to tier 2 at the first call or loop head)."""
    one, two, vm, tier1 = compare_file(BENCH / "fib.orus", where)
    same(one, two)
    assert tier1.calls <= 2, tier1.calls


GOLDENS = ["bitwise_every_type", "bitwise_shift_counts", "cast_fast_paths",
           "bitwise_compound", "chained_assignment"]


@pytest.mark.parametrize("name", GOLDENS)
def test_golden_matches_tier1(name, where):
    path = corpus.OWN / "core" / (name + ".orus")
    one, two, _, _ = compare_file(path, where)
    same(one, two)
    assert one[0] == path.with_suffix(".out").read_bytes()


# ---------------------------------------------------------------- runtime errors
ERRORS = {
    "i32_overflow": "fn f(x: i32) -> i32:\n    return x * 65536\nprint(f(7))\nprint(f(70000))\n",
    "i64_overflow": ("mut x: i64 = 1\nfor i in 0..80:\n    x = x * 3\n    print(x)\n"),
    "addi_overflow": "mut x = 2147483600\nwhile true:\n    x = x + 1\n",
    "div_zero": "fn d(a: i32, b: i32) -> i32:\n    return a / b\nprint(d(7, 2))\nprint(d(7, 0))\n",
    "mod_min": "fn m(a: i64, b: i64) -> i64:\n    return a % b\nprint(m(-9223372036854775807 - 1, -1))\n",
    "float_div_zero": "fn d(a: f64, b: f64) -> f64:\n    return a / b\nprint(d(1.0, 4.0))\nprint(d(1.0, 0.0))\n",
    "index_range": "a = [1, 2, 3]\nmut s = 0\nfor i in 0..5:\n    s = s + a[i]\n    print(s)\n",
    "index_negative": "a = [1.5, 2.5]\nmut i = 1\nwhile true:\n    print(a[i])\n    i = i - 1\n",
    "set_range": "mut a = [0, 0]\nfor i in 0..3:\n    a[i] = i\n",
    "stack_overflow": "fn down(n: i64) -> i64:\n    return down(n + 1) + 1\nprint(down(0))\n",
    "shift_range": "mut s = 1\nfor k in 0..40:\n    s = 1 << k\n    print(s)\n",
    "caught_in_tier2": ("fn f(x: i32) -> i32:\n    return x * x * x\n"
                       "for i in 1000..1400..100:\n    try:\n        print(f(i))\n"
                       "    catch e:\n        print(\"caught\", e)\nprint(\"end\")\n"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_runtime_error_matches_tier1(name, where):
    one, two, _, _ = compare(ERRORS[name].encode(), "<%s>" % name, where)
    same(one, two)
    if name != "caught_in_tier2":
        assert one[1] is not None


# ---------------------------------------------------------------- fallback and re-entry
MIXED = b"""
fn work(n: i32) -> i32:
    mut s = 0
    for i in 0..n:
        s = (s + i * 7) % 1000003
    return s

mut text = ""
mut total = 0
for round in 0..300:
    text = text + (round as string)
    least = sorted([round % 7, 5, 3])[0]
    total = (total + work(round) + len(text) + least) % 1000000007
    if round % 97 == 0:
        print(round, total, len(text))
print(total, text[0..20])
"""


def test_mixed_program_falls_back_and_reenters(where):
    """Sorting is tier 1's; the arithmetic and strings around it are native.
    Tier 2 must hand over and take back control many times, with the same
    result."""
    one, two, vm, tier1 = compare(MIXED, "<mixed>", where)
    same(one, two)
    assert vm.fallbacks > 10


def test_endless_loop_yields(where):
    """A loop that never ends still returns YIELD to the host (Ctrl-C)."""
    program = api.compile_source(b"mut x = 0\nwhile true:\n    x = x + 1\n    x = x - 1\n",
                                 "<loop>")
    vm = tier2_vm(program, where)
    machine = Machine(program, vm, lambda data: None)
    statuses = [vm(*vm_args(machine)) for _ in range(4)]
    assert statuses.count(P.YIELD) >= 3, statuses
    assert 0 <= machine.state[P.S_PC] < len(program.code)


def test_deep_recursion_grows_the_stack(where):
    """Frames and registers grow on request (GROW_STACK / GROW_REGS from
    native code) up to the same depth as tier 1."""
    src = (b"fn depth(n: i64) -> i64:\n    if n == 0:\n        return 0\n"
           b"    return depth(n - 1) + 1\nprint(depth(50000))\n")
    one, two, _, _ = compare(src, "<deep>", where)
    same(one, two)
    assert one[0] == b"50000\n"


# ---------------------------------------------------------------- the cache
def test_corrupt_library_is_not_loaded(where, tmp_path):
    program = api.compile_source((BENCH / "fib.orus").read_bytes(), "fib.orus")
    folder = str(tmp_path)
    tier2_vm(program, folder)
    lib, man = store.paths(store.key(program), folder)
    data = bytearray(Path(lib).read_bytes())
    data[len(data) // 2] ^= 0xFF
    # a new file under the name (as a disk error or another writer would
    # leave it): rewriting the file in place would change the pages of the
    # library this process has mapped
    Path(lib + ".bad").write_bytes(bytes(data))
    os.replace(lib + ".bad", lib)
    assert store.load(program, get_vm(), where=folder) is None
    assert not build.is_built(program, folder)
    build.build(program, where=folder)                 # rebuilt
    assert store.load(program, get_vm(), where=folder) is not None
    Path(man + ".bad").write_text(Path(man).read_text().replace("end=ok", ""))
    os.replace(man + ".bad", man)
    assert store.load(program, get_vm(), where=folder) is None


def test_other_program_is_not_loaded(where):
    """The key covers the program: a changed constant is another library."""
    a = api.compile_source(b"print(1 + 2)\n", "<a>")
    b = api.compile_source(b"print(1 + 3)\n", "<b>")
    tier2_vm(a, where)
    assert store.key(a) != store.key(b)
    assert store.load(b, get_vm(), where=where) is None


def test_entry_points_cover_every_resume():
    program = api.compile_source((BENCH / "matmul.orus").read_bytes(), "matmul.orus")
    code = [tuple(int(x) for x in row) for row in program.code.tolist()]
    entries = set(codegen.entry_points(code, program.funcs.tolist()))
    for pc, (o, a, b, c) in enumerate(code):
        if o in (op.CALL, op.CALLV) or o in op.HOST_STOPS:
            assert pc + 1 in entries
        if o in op.BACKWARD_JUMPS:
            assert (a, b, c)[op.TABLE[o].operands.index("j")] in entries
        if o not in codegen.NEVER_STOPS:
            assert pc in entries


def test_fallback_status_is_not_a_protocol_status():
    assert FALLBACK not in range(len(P.STATUS_NAMES))


def test_run_path_imports_no_compiler():
    """`orus run` of a program with native code: tier 2 is used, and
    neither numba nor llvmlite is imported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    fib = str(BENCH / "fib.orus")
    subprocess.run([sys.executable, "-m", "orus", "warm-cache", fib], env=env, check=True,
                   capture_output=True)
    code = ("import sys, io\n"
            "from orus import api\n"
            "program = api.load_program(open(%r, 'rb').read(), %r)\n"
            "vm = api.program_vm(program)\n"
            "api.run_program(program, io.BytesIO().write)\n"
            "print(type(vm).__name__, sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('numba', 'llvmlite')))\n" % (fib, fib))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "Tier2VM []", out


def test_tier2_off(monkeypatch):
    monkeypatch.setenv("ORUS_TIER2", "0")
    program = api.compile_source((BENCH / "fib.orus").read_bytes(), "fib.orus")
    assert api.program_vm(program) is get_vm()


# ---------------------------------------------------------------- the whole corpus
def _corpus():
    if os.environ.get("ORUS_TIER2_ALL") != "1":
        return []
    paths = corpus.all_spec_programs("golden") + corpus.own_programs(kind="golden")
    return [p for p in paths if corpus.kind_of(p) == "out" or corpus.parse_err(p)[0] == "runtime"]


@pytest.mark.skipif(os.environ.get("ORUS_TIER2_ALL") != "1",
                    reason="the whole corpus through tier 2: ORUS_TIER2_ALL=1")
@pytest.mark.parametrize("path", _corpus(), ids=corpus.program_id)
def test_corpus_program(path, where):
    one, two, _, _ = compare_file(path, where)
    same(one, two)


# ---------------------------------------------------------------- background builds
SLOWISH = b"mut s = 0\nfor i in 0..200000:\n    s = (s + i * 3) % 1000003\nprint(s)\n"


def _wait_built(program, folder, seconds=120):
    import time
    deadline = time.time() + seconds
    key = store.key(program)
    while time.time() < deadline:
        if build.is_built(program, folder) and not os.path.exists(lock.path_of(key, folder)):
            return True
        time.sleep(0.2)
    return False


def test_a_long_run_builds_native_code_for_the_next(tmp_path):
    prog = tmp_path / "slowish.orus"
    prog.write_bytes(SLOWISH)
    folder = str(tmp_path / "t2")
    env = dict(os.environ, PYTHONPATH=str(ROOT), ORUS_TIER2_DIR=folder, ORUS_TIER2_AUTO_AFTER="0")
    first = subprocess.run([sys.executable, "-m", "orus", "run", str(prog)], env=env,
                           capture_output=True, check=True)
    program = api.compile_source(SLOWISH, str(prog))
    assert _wait_built(program, folder), os.listdir(folder) if os.path.isdir(folder) else None
    second = subprocess.run([sys.executable, "-m", "orus", "run", str(prog)], env=env,
                            capture_output=True, check=True)
    assert second.stdout == first.stdout
    off = dict(env, ORUS_TIER2="0", ORUS_TIER2_DIR=str(tmp_path / "off"))
    subprocess.run([sys.executable, "-m", "orus", "run", str(prog)], env=off, check=True,
                   capture_output=True)
    assert not os.path.exists(tmp_path / "off")


def test_no_second_build_while_one_runs(tmp_path, monkeypatch):
    from orus import autobuild
    prog = tmp_path / "p.orus"
    prog.write_bytes(SLOWISH)
    folder = str(tmp_path / "t2")
    monkeypatch.setenv("ORUS_TIER2_DIR", folder)
    program = api.compile_source(SLOWISH, str(prog))
    held = lock.acquire(store.key(program), folder)
    assert held is not None
    assert lock.acquire(store.key(program), folder) is None
    assert not autobuild.maybe_start(program, 10.0)         # one is "running"
    assert not autobuild.maybe_start(program, 0.0)          # and a short run never starts one
    lock.release(held)
    assert autobuild.maybe_start(program, 10.0)
    assert _wait_built(program, folder)
    assert not autobuild.maybe_start(program, 10.0)         # built: nothing to do


def test_stale_lock_is_taken_over(tmp_path):
    held = lock.acquire("k", str(tmp_path))
    assert lock.acquire("k", str(tmp_path)) is None
    old = os.stat(held).st_mtime - lock.STALE_SECONDS - 5
    os.utime(held, (old, old))
    assert lock.acquire("k", str(tmp_path)) == held


def test_killed_build_leaves_nothing_half_written(tmp_path):
    """Kill background builds at various moments: afterwards the library is
    either complete and loadable or not loaded at all."""
    import signal
    import time
    prog = tmp_path / "p.orus"
    prog.write_bytes(SLOWISH)
    folder = str(tmp_path / "t2")
    env = dict(os.environ, PYTHONPATH=str(ROOT), ORUS_TIER2_DIR=folder)
    program = api.compile_source(SLOWISH, str(prog))
    for delay in (0.05, 0.3, 0.8, 1.5):
        held = lock.acquire(store.key(program), folder)
        child = subprocess.Popen([sys.executable, "-m", "orus.autobuild_main", str(prog), held], env=env)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        vm = store.load(program, get_vm(), where=folder)
        if vm is not None:
            assert build.is_built(program, folder)
        names = os.listdir(folder) if os.path.isdir(folder) else []
        assert not [n for n in names if n.endswith(".manifest") and not build.is_built(program, folder)]
        lock.release(held)


# ---------------------------------------------------------------- the fuzzer's programs
FUZZ_SEEDS = range(0, 200) if os.environ.get("ORUS_TIER2_ALL") == "1" else range(0, 6)


@pytest.mark.parametrize("seed", FUZZ_SEEDS)
def test_fuzz_program(seed, where):
    """tests/fuzz/generate.py's random programs (arithmetic of every type,
    casts, strings, calls, runtime errors): tier 2 must agree with tier 1."""
    sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
    import generate
    prog = generate.generate(seed)
    one, two, _, _ = compare(prog.source.encode(), "fuzz.orus", where)
    same(one, two)


def test_the_folder_is_bounded(tmp_path):
    folder = str(tmp_path)
    programs = [api.compile_source(b"print(%d)\n" % i, "<p%d>" % i) for i in range(4)]
    for i, p in enumerate(programs):
        build.build(p, where=folder)
        lib, _ = store.paths(store.key(p), folder)
        os.utime(lib, (1000 + i, 1000 + i))           # oldest first
    assert store.trim(folder, max_libs=2) == 3          # down to 80% of 2
    assert [build.is_built(p, folder) for p in programs] == [False, False, False, True]
    assert not [n for n in os.listdir(folder) if n.endswith(".manifest")
                and not os.path.exists(os.path.join(folder, n[:-9] + ".so"))]


# ---------------------------------------------------------------- versioned inner loops
VERSIONED = {
    # a[i][k]: a's element hoisted, the row of a[i] checked once; a short row
    # fails inside the fast copy, at the right line
    "short_row": ("fn dot(a: [[f64]], b: [f64], i: i32, n: i32) -> f64:\n"
                  "    mut s = 0.0\n    for k in 0..n:\n        s = s + a[i][k] * b[k]\n"
                  "    return s\n"
                  "a = [[1.0, 2.0, 3.0], [4.0, 5.0]]\nb = [1.0, 10.0, 100.0]\n"
                  "print(dot(a, b, 0, 3))\nprint(dot(a, b, 1, 2))\nprint(dot(a, b, 1, 3))\n"),
    # the guard fails (i out of range): the ordinary loop reports it
    "bad_row": ("fn dot(a: [[f64]], i: i32, n: i32) -> f64:\n    mut s = 0.0\n"
                "    for k in 0..n:\n        s = s + a[i][k]\n    return s\n"
                "a = [[1.0, 2.0]]\nprint(dot(a, 0, 2))\nprint(dot(a, 3, 2))\n"),
    # stores into the arrays it reads: no element hoisting, rows settled
    "stores": ("fn axpy(x: [i32], y: [i32], n: i32):\n    for k in 0..n:\n"
               "        y[k] = y[k] + 3 * x[k]\n"
               "x = [1, 2, 3, 4]\nmut y = [10, 20, 30, 40]\naxpy(x, y, 4)\nprint(y)\n"
               "axpy(x, y, 5)\n"),
    # bool (byte) arrays: sieve's inner loop
    "bytes": ("fn mark(f: [bool], step: i32, n: i32):\n    for j in step * 2..n..step:\n"
              "        f[j] = false\n"
              "mut f = [true] * 30\nmark(f, 3, 30)\nmark(f, 5, 30)\nprint(f)\nmark(f, 7, 31)\n"),
    # the same array read through a settled element and directly
    "nested_handles": ("fn s(m: [[i32]], i: i32) -> i32:\n    mut t = 0\n"
                       "    for k in 0..len(m[i]):\n        t = t + m[i][k] * m[0][k]\n    return t\n"
                       "m = [[1, 2, 3], [4, 5, 6]]\nprint(s(m, 0), s(m, 1))\n"),
}


@pytest.mark.parametrize("name", sorted(VERSIONED))
def test_versioned_loop_matches_tier1(name, where):
    one, two, _, _ = compare(VERSIONED[name].encode(), "<%s>" % name, where)
    same(one, two)


def test_matmul_inner_loop_is_versioned():
    from orus.tier2 import loops
    program = api.compile_source((BENCH / "matmul.orus").read_bytes(), "matmul.orus")
    code = [tuple(int(x) for x in row) for row in program.code.tolist()]
    plan = loops.plan(code, codegen.NEVER_STOPS)
    assert any(any(acc.hoist_value for acc in accesses) for _, _, accesses in plan.values())


def test_warm_cache_check_reports_each_programs_native_code(tmp_path):
    """`orus warm-cache --check PROGRAM`: one line per program, exit 1 until
    every one is built; building is `orus warm-cache PROGRAM`."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), ORUS_TIER2_DIR=str(tmp_path / "t2"))
    prog = tmp_path / "loop.orus"
    prog.write_text("mut t = 0\nfor i in 0..1000:\n    t = t + i\nprint(t)\n")

    def orus(*args):
        return subprocess.run([sys.executable, "-m", "orus", "warm-cache", *args], env=env,
                              capture_output=True, text=True, timeout=300)
    before = orus("--check", str(prog))
    assert before.returncode == 1 and "%s: not built" % prog in before.stdout, before.stdout
    assert orus(str(prog)).returncode == 0
    after = orus("--check", str(prog))
    assert after.returncode == 0, after.stdout
    assert "%s: built (" % prog in after.stdout and "instructions native)" in after.stdout
    missing = orus("--check", str(tmp_path / "absent.orus"))
    assert missing.returncode == 1 and "cannot read it" in missing.stdout


# ---------------------------------------------------------------- strings
# Each program does its string work inside functions and loops, so that it
# runs in tier 2 (the first call of a run is tier 1's until its first loop
# head or call).
STRINGS = {
    # every comparison between strings that share long prefixes: the first
    # difference at each position (word-at-a-time then byte), prefixes,
    # equal strings in different objects, the empty string
    "compare": (
        'fn variants(base: string) -> [string]:\n'
        '    mut out: [string] = ["", base, base + ""]\n'
        '    for k in 0..len(base):\n'
        '        push(out, base[0..k] + "!")\n'
        '        push(out, base[0..k])\n'
        '        push(out, base[0..k] + "~" + base[k..])\n'
        '    return out\n'
        'fn tally(words: [string]) -> i64:\n'
        '    mut t: i64 = 0\n'
        '    for i in 0..len(words):\n'
        '        for j in 0..len(words):\n'
        '            a = words[i]\n'
        '            b = words[j]\n'
        '            if a < b:\n'
        '                t = t * 3 + 1\n'
        '            if a <= b:\n'
        '                t = t * 5 + 2\n'
        '            if a == b:\n'
        '                t = t * 7 + 3\n'
        '            if a != b:\n'
        '                t = t * 11 + 4\n'
        '            t = t % 1000000007\n'
        '    return t\n'
        'w = variants("abcdefghijklmnopqrstuvwxyz0123456789")\n'
        'print(len(w), tally(w))\n'
        'print(tally(variants(chr(255) + chr(0) + chr(128) + " high é€ " + chr(127) + chr(129))))\n'),
    # concatenation chains of every shape, integer text of every kind and
    # edge value (STR_BUILD, STR_APPEND, STR_APPINT, CONCAT, TOSTR)
    "chains": (
        'fn texts(v: i64) -> string:\n'
        '    a = v as string\n'
        '    b = (v as u64) as string\n'
        '    c = (v as u32) as string\n'
        '    d = (v as i32) as string\n'
        '    e = "<" + a + "|" + (v as string) + "|" + ((v as u64) as string) + "|"\n'
        '    return e + ((v as u32) as string) + "|" + ((v as i32) as string) + ">" + b + c + d\n'
        'vals: [i64] = [0, 1, -1, 9, 10, -10, 99, 100, 2147483647, -2147483648, 4294967295, '
        '9223372036854775807, -9223372036854775807 - 1, 1000000007, -987654321012]\n'
        'fn all() -> string:\n'
        '    mut out = ""\n'
        '    for v in vals:\n'
        '        out += texts(v) + "\\n"\n'
        '        out = out + "=" + (len(out) as string)\n'
        '        x = "[" + out[0..3]\n'
        '        out = x + out\n'
        '    return out\n'
        'print(all())\n'
        'mut s = ""\n'
        'for i in 0..2000:\n'
        '    s = s + (i as string)\n'
        '    if i % 3 == 0:\n'
        '        s += "," + ((i * i) as string) + ";"\n'
        'print(len(s), s[0..40], s[len(s) - 30..])\n'),
    # indexing, slicing, ord/chr in loops
    "bytes": (
        'fn rot(s: string, k: i32) -> string:\n'
        '    mut out = ""\n'
        '    for i in 0..len(s):\n'
        '        c = ord(s[i])\n'
        '        out = out + chr((c + k) % 256)\n'
        '    return out\n'
        'fn slices(s: string) -> string:\n'
        '    mut out = ""\n'
        '    for i in 0..len(s):\n'
        '        for j in i..len(s) + 1:\n'
        '            out = out + s[i..j] + "/"\n'
        '    return out\n'
        'print(rot("Hello, world", 13), rot(rot("Hello, world", 200), 56))\n'
        'print(slices("abcdef"))\n'
        'print(slices("")[0..0], len(slices("xy")))\n'),
    # very long strings: doubling by CONCAT, appends that outgrow their
    # regions, the heap growing under them
    "long": (
        'fn doubled(n: i32) -> string:\n'
        '    mut s = "ab"\n'
        '    for i in 0..n:\n'
        '        s = s + s\n'
        '    return s\n'
        'fn appended(n: i32) -> string:\n'
        '    mut s = ""\n'
        '    for i in 0..n:\n'
        '        s += "0123456789abcdefghij" + (i as string)\n'
        '    return s\n'
        'fn sample(s: string) -> i64:\n'
        '    mut t: i64 = 0\n'
        '    for k in 0..len(s)..9973:\n'
        '        t = t + (ord(s[k]) as i64) * (k as i64) % 1000003\n'
        '    return t\n'
        'd = doubled(22)\n'
        'print(len(d), sample(d), d[len(d) - 5..])\n'
        'a = appended(200000)\n'
        'print(len(a), sample(a), a[len(a) - 30..])\n'
        'print(d == doubled(22), a == appended(199999), a < d)\n'),
}

# every plan of concat_plan and append_plan: a chain starting with number
# text (appends at the arena's top), `s = s + x` (CONCAT in the region, then
# a new region when it is full), a constant first leaf (a new region), a
# region at the top doubling in place, a region left behind by another
# allocation (a new region), and strings sharing a prefix with the builder
STRINGS["plans"] = (
    'fn plans(n: i32) -> string:\n'
    '    mut s = "start"\n'
    '    mut keep: [string] = []\n'
    '    mut out = ""\n'
    '    for i in 0..n:\n'
    '        a = (i as string) + "," + ((i * 7) as string) + ";"\n'
    '        b = i as string\n'
    '        c = b + "z"\n'
    '        s = s + c\n'
    '        if i % 7 == 0:\n'
    '            push(keep, s)\n'
    '        d = "k" + a + c\n'
    '        out += a + d\n'
    '        if i % 50 == 0:\n'
    '            x = [i] * 3\n'
    '            out = out + (len(x) as string)\n'
    '    mut t = ""\n'
    '    for k in keep:\n'
    '        t = t + k[len(k) - 3..len(k)] + "|"\n'
    '    return out[len(out) - 60..len(out)] + "#" + t[0..80] + "#" + (len(s) as string) + (len(out) as string)\n'
    'print(plans(3000))\n')

STRING_ERRORS = {
    "str_index_range": ('fn at(s: string, i: i32) -> string:\n    return s[i]\n'
                        'mut t = ""\nfor i in 0..10:\n    t = t + at("abcdef", i)\n    print(t)\n'),
    "str_index_negative": ('fn at(s: string, i: i32) -> string:\n    return s[i]\n'
                           'for i in 0..10:\n    print(at("abc", 2 - i))\n'),
    "slice_end_before_start": ('fn cut(s: string, i: i32) -> string:\n    return s[i..3]\n'
                               'for i in 0..10:\n    print(cut("abcdef", i))\n'),
    "slice_start_range": ('fn cut(s: string, i: i32) -> string:\n    return s[i..len(s)]\n'
                          'for i in 0..10:\n    print(cut("abcdef", i))\n'),
    "slice_end_range": ('fn cut(s: string, i: i32) -> string:\n    return s[0..i]\n'
                        'for i in 3..10:\n    print(cut("abcdef", i))\n'),
    "slice_negative": ('fn cut(s: string, i: i32) -> string:\n    return s[i..2]\n'
                       'for i in 0..10:\n    print(cut("abcdef", 1 - i))\n'),
    "ord_empty": ('fn o(s: string) -> i32:\n    return ord(s)\n'
                  'mut s = "abc"\nfor i in 0..5:\n    print(o(s))\n    s = s[1..len(s)]\n'),
    "chr_range": ('fn c(i: i32) -> string:\n    return chr(i)\n'
                  'for i in 250..260:\n    print(ord(c(i)))\n'),
    "caught_in_strings": ('fn at(s: string, i: i32) -> string:\n    return s[i]\n'
                          'mut t = ""\nfor i in 0..8:\n    try:\n        t = t + at("abcde", i)\n'
                          '    catch e:\n        t = t + "?"\n        print(e)\nprint(t)\n'),
}


@pytest.mark.parametrize("name", sorted(STRINGS))
def test_strings_match_tier1(name, where):
    one, two, vm, tier1 = compare(STRINGS[name].encode(), "<%s>" % name, where)
    same(one, two)
    assert one[1] is None, one[1]


@pytest.mark.parametrize("name", sorted(STRING_ERRORS))
def test_string_error_matches_tier1(name, where):
    one, two, _, _ = compare(STRING_ERRORS[name].encode(), "<%s>" % name, where)
    same(one, two)
    if name != "caught_in_strings":
        assert one[1] is not None


def test_string_ops_are_native():
    """The strings workloads have no fallback instruction left."""
    for name in ("strings", "strings_top"):
        program = api.compile_source((BENCH / (name + ".orus")).read_bytes(), name)
        text, supported = codegen.emit(program)
        assert supported == len(program.code), name


CHURN = b"""
fn churn(n: i32) -> i64:
    mut total: i64 = 0
    mut keep: [string] = []
    for i in 0..n:
        t = "item-" + (i as string) + "-" + ((i * 31 % 97) as string) + "!"
        u = t + t
        total += (len(u) as i64) + (ord(u[len(u) - 2]) as i64)
        if i % 5000 == 0:
            push(keep, u[2..8] + (len(keep) as string))
    print(len(keep), keep[0], keep[len(keep) - 1])
    return total
print(churn(150000))
"""


def test_collection_while_building_strings(where):
    """A small heap limit: string building stops for collections and heap
    growth many times (the native code falls back before changing
    anything; tier 1 collects and hands back)."""
    machines = []
    one, two, vm, tier1 = compare(CHURN, "<churn>", where, max_heap="4M", machines=machines)
    same(one, two)
    assert one[1] is None, one[1]
    collections = [int(m.state[P.S_COLLECTIONS]) for m in machines]
    assert min(collections) > 3, collections
    assert vm.fallbacks > 3


# ---------------------------------------------------------------- records, ranges, try
RECORDS = {
    # struct values made, read and changed in loops; enums with payloads
    # matched; records holding strings and arrays through collections
    "records": (
        'struct P:\n    x: i64\n    y: i64\n    tag: string\n'
        'enum Shape:\n    Circle(r: i64)\n    Rect(w: i64, h: i64)\n    Empty\n'
        'fn area(s: Shape) -> i64:\n'
        '    match s:\n'
        '        Shape.Circle(r) -> return 3 * r * r\n'
        '        Shape.Rect(w, h) -> return w * h\n'
        '        Shape.Empty -> return 0\n'
        'fn shape(i: i32) -> Shape:\n'
        '    if i % 3 == 0:\n'
        '        return Shape.Circle(i as i64)\n'
        '    if i % 3 == 1:\n'
        '        return Shape.Rect(2, i as i64)\n'
        '    return Shape.Empty\n'
        'fn walk(n: i32) -> i64:\n'
        '    mut ps: [P] = []\n'
        '    for i in 0..n:\n'
        '        push(ps, P{ x: i as i64, y: (i * i) as i64, tag: "p" + (i as string) })\n'
        '    mut t: i64 = 0\n'
        '    for p in ps:\n'
        '        p.x = p.x + p.y\n'
        '        t = (t + p.x * 3 + (len(p.tag) as i64)) % 1000000007\n'
        '    for i in 0..n:\n'
        '        t = (t + area(shape(i))) % 1000000007\n'
        '    return t + ps[n - 1].x\n'
        'print(walk(20000))\n'),
    # range() values iterated forward, backward, by steps, near the i64 ends
    "ranges": (
        'fn total(r0: i64, r1: i64, st: i64) -> i64:\n'
        '    mut t: i64 = 0\n'
        '    mut n: i64 = 0\n'
        '    for v in range(r0, r1, st):\n'
        '        t = (t + v % 1000) % 1000003\n'
        '        n = n + 1\n'
        '    return t * 100000 + n\n'
        'for k in 0..3:\n'
        '    print(total(0, 1000, 7), total(1000, -5, -3), total(5, 5, 1), total(9, 0, 1))\n'
        '    print(total(9223372036854775800, 9223372036854775807, 3))\n'
        '    print(total(-9223372036854775807 - 1, -9223372036854775800, 5))\n'
        '    print(total(-9223372036854775800, -9223372036854775807 - 1, -4))\n'),
    # try blocks entered and left in loops, errors caught in native code, nested
    "try_blocks": (
        'fn risky(i: i32) -> i32:\n'
        '    a = [1, 2, 3]\n'
        '    return a[i % 5] * 1000000000 * (i % 3)\n'
        'fn run(n: i32) -> i32:\n'
        '    mut ok = 0\n'
        '    mut bad = 0\n'
        '    for i in 0..n:\n'
        '        try:\n'
        '            try:\n'
        '                ok = ok + risky(i) % 7\n'
        '            catch e:\n'
        '                if i % 2 == 0:\n'
        '                    bad = bad + 1\n'
        '                else:\n'
        '                    x = [0][i]\n'
        '        catch f:\n'
        '            bad = bad + 100\n'
        '    return ok + bad * 7\n'
        'print(run(3000))\n'),
}

RECORD_ERRORS = {
    "range_step_zero": ('fn t(s: i64) -> i64:\n    mut n: i64 = 0\n    for v in range(0, 10, s):\n'
                        '        n = n + v\n    return n\n'
                        'for s in 0..3:\n    print(t((2 - s) as i64))\n'),
    "handlers_grow": ('fn deep(n: i64) -> i64:\n    try:\n        return deep(n + 1) + 1\n'
                          '    catch e:\n        return -1\nprint(deep(0))\n'),
}


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_records_ranges_try_match_tier1(name, where):
    one, two, vm, tier1 = compare(RECORDS[name].encode(), "<%s>" % name, where)
    same(one, two)
    assert one[1] is None, one[1]


@pytest.mark.parametrize("name", sorted(RECORD_ERRORS))
def test_record_range_try_error_matches_tier1(name, where):
    one, two, _, _ = compare(RECORD_ERRORS[name].encode(), "<%s>" % name, where)
    same(one, two)


# ---------------------------------------------------------------- closures and function values
CLOSURES = {
    # closures made and called in loops (captures copied after the
    # arguments), plain function values, recursion through a function value
    "closures": (
        'fn make_adder(n: i64):\n'
        '    add = fn(v: i64) -> i64:\n'
        '        return v + n\n'
        '    return add\n'
        'fn make_affine(a: i64, b: i64, c: string):\n'
        '    f = fn(v: i64) -> i64:\n'
        '        return a * v + b + (len(c) as i64)\n'
        '    return f\n'
        'fn inc(v: i64) -> i64:\n'
        '    return v + 1\n'
        'fn apply_n(f, v: i64, times: i32) -> i64:\n'
        '    mut acc = v\n'
        '    for i in 0..times:\n'
        '        acc = f(acc) % 1000003\n'
        '    return acc\n'
        'fn fact(n: i64) -> i64:\n'
        '    if n <= 1:\n'
        '        return 1\n'
        '    g = fact\n'
        '    return n * g(n - 1) % 1000000007\n'
        'mut t: i64 = 0\n'
        'for k in 0..300:\n'
        '    t = (t + apply_n(make_adder(k as i64), t, 50)) % 1000003\n'
        '    t = (t + apply_n(make_affine(3, k as i64, "xy"), 1, 20)) % 1000003\n'
        '    t = (t + apply_n(inc, t, 10) + fact((k % 20) as i64)) % 1000003\n'
        'print(t)\n'),
    # deep recursion through function values: frames and registers grow
    "deep_callv": (
        'fn down(n: i64) -> i64:\n'
        '    if n == 0:\n'
        '        return 0\n'
        '    f = down\n'
        '    return f(n - 1) + 1\n'
        'print(down(30000))\n'),
}


@pytest.mark.parametrize("name", sorted(CLOSURES))
def test_closures_match_tier1(name, where):
    one, two, vm, tier1 = compare(CLOSURES[name].encode(), "<%s>" % name, where)
    same(one, two)
    assert one[1] is None, one[1]


# ---------------------------------------------------------------- more arrays
ARRAYS = {
    # slices and repeats of scalar, bool and handle arrays; pop to empty
    "slices_repeats_pops": (
        'fn work(n: i32) -> i64:\n'
        '    mut t: i64 = 0\n'
        '    for k in 0..n:\n'
        '        a = [k, k + 1, k + 2, k + 3, k + 4] * (k % 4)\n'
        '        f = [true, false, k % 2 == 0] * 3\n'
        '        s = ["x" + (k as string), "y"] * 2\n'
        '        m = len(a)\n'
        '        if m > 0:\n'
        '            b = a[k % m..m - 1]\n'
        '            t = t + (len(b) as i64) + (b[0] as i64)\n'
        '        g = f[2..8]\n'
        '        mut c = s[1..3]\n'
        '        t = t + (len(g) as i64) + (len(c[1]) as i64)\n'
        '        if g[1]:\n'
        '            t = t + 7\n'
        '        mut e = a[0..0]\n'
        '        while len(a) > 0 and len(e) < 3:\n'
        '            push(e, k)\n'
        '        mut p = [1, 2, 3] * (k % 3)\n'
        '        while len(p) > 0:\n'
        '            t = t + (pop(p) as i64)\n'
        '        mut q = [true] * 2\n'
        '        if not pop(q):\n'
        '            t = t + 1\n'
        '        for i in k % 5:\n'
        '            t = t + (i as i64)\n'
        '    return t\n'
        'print(work(3000))\n'
        'print([1, 2, 3] * 0, [[1], [2]] * 2, [0.5] * 3, ([1, 2, 3, 4])[1..2], ([true, false])[2..2])\n'),
}

ARRAY_ERRORS = {
    "pop_empty": 'mut a = [1, 2]\nfor i in 0..4:\n    print(pop(a))\n',
    "repeat_negative": 'fn r(k: i32) -> [i32]:\n    return [1, 2] * k\nfor i in 0..5:\n    print(r(2 - i))\n',
    "repeat_too_big": 'fn r(k: i32) -> i32:\n    return len([1, 2, 3] * k)\nfor i in 0..3:\n    print(r(i * 715827883))\n',
    "array_slice_range": 'fn c(a: [i64], i: i32) -> [i64]:\n    return a[1..i]\nfor i in 0..6:\n    print(c([1, 2, 3], 3 - i))\n',
    "iterate_negative": 'fn f(n: i32) -> i64:\n    mut t: i64 = 0\n    for i in n:\n        t = t + i\n    return t\nfor k in 0..5:\n    print(f(2 - k))\n',
}


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_arrays_match_tier1(name, where):
    one, two, vm, tier1 = compare(ARRAYS[name].encode(), "<%s>" % name, where)
    same(one, two)
    assert one[1] is None, one[1]


@pytest.mark.parametrize("name", sorted(ARRAY_ERRORS))
def test_array_error_matches_tier1(name, where):
    one, two, _, _ = compare(ARRAY_ERRORS[name].encode(), "<%s>" % name, where)
    same(one, two)
    assert one[1] is not None


MATH = (
    'use math\n'
    'fn f(n: i32) -> f64:\n'
    '    mut t = 0.0\n'
    '    for i in 0..n:\n'
    '        x = (i as f64) * 0.37 - 50.0\n'
    '        t = t + math.floor(x) + math.ceil(x * 1.5) + math.trunc(-x) + math.fabs(x)\n'
    '        t = t + math.sqrt(math.fabs(x)) + math.sqrt(i as f64)\n'
    '    return t\n'
    'print(f(1000))\n'
    'print(math.sqrt(0.0), math.sqrt(-0.0), math.floor(-0.5), math.ceil(-0.5), math.trunc(-0.5))\n'
    'fn g(x: f64) -> f64:\n'
    '    return math.sqrt(x)\n'
    'for i in 0..4:\n'
    '    print(g(2.0 - (i as f64)))\n')


def test_math_matches_tier1(where):
    one, two, _, _ = compare(MATH.encode(), "<math>", where)
    same(one, two)
    assert one[1] is not None             # sqrt of -1: a domain error, from tier 1


STRINGS_LIB = (
    'use strings\n'
    'fn samples() -> [string]:\n'
    '    mut xs: [string] = ["", " ", "x", "Hello, World! 123", "  \\t a b \\r\\n", "ABC", "xyz", "café über", "\\n\\n", "a", "  pad  "]\n'
    '    push(xs, chr(233) + "A" + chr(200) + "z" + chr(11) + chr(12))\n'
    '    push(xs, chr(9) + "@[`{" + chr(13))\n'
    '    return xs\n'
    'fn work(rounds: i32) -> i64:\n'
    '    xs = samples()\n'
    '    mut t: i64 = 0\n'
    '    mut last = ""\n'
    '    for r in 0..rounds:\n'
    '        for x in xs:\n'
    '            u = strings.upper(x)\n'
    '            l = strings.lower(x)\n'
    '            a = strings.trim(x)\n'
    '            b = strings.trim_start(x)\n'
    '            c = strings.trim_end(x)\n'
    '            t = t * 31 + (len(u) as i64) + (len(a) as i64) * 3 + (len(b) as i64) * 5 + (len(c) as i64) * 7\n'
    '            if strings.starts_with(x, a) and strings.ends_with(u, strings.upper(c)):\n'
    '                t = t + 11\n'
    '            if strings.starts_with(u, l) or strings.ends_with(a, x):\n'
    '                t = t + 13\n'
    '            t = t % 1000000007\n'
    '            last = "[" + u + "|" + l + "|" + a + "|" + b + "|" + c + "]"\n'
    '    return t + (len(last) as i64)\n'
    'print(work(200))\n'
    'for x in samples():\n'
    '    print("[" + strings.upper(x) + "|" + strings.lower(x) + "|" + strings.trim(x) + "|" + strings.trim_start(x) + "|" + strings.trim_end(x) + "]", strings.starts_with(x, "a"), strings.ends_with(x, ""))\n')


def test_strings_library_matches_tier1(where):
    one, two, vm, tier1 = compare(STRINGS_LIB.encode(), "<strings_lib>", where)
    same(one, two)
    assert one[1] is None, one[1]
