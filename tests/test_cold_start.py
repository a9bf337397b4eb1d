"""Cold start (issue 4): the VM cache, the native artifact and their fallbacks.

No timings here (benchmarks/cold_start.py measures).  One cold build per test
session: two `orus warm-cache` processes race to fill a temporary
ORUS_CACHE_DIR (that is the concurrency test); every other test works on a
copy of that folder.  Programs run in subprocesses so that each one sees a
fresh process, as `orus run` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orus.jit import abi, aot, cache

from asm import assemble

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900

# A script run in a fresh process: assembles programs (tests/asm.py), runs
# each through Machine with orus.jit.get_vm(), prints a JSON report.
RUNNER = r'''
import json, os, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.join(sys.argv[1], "tests"))
from asm import assemble
from orus.errors import OrusRuntimeError
from orus.api import verify


def hello():
    return assemble("""
    fn main regs=1
        LOADS 0 "Hello, world!"
        OUT 0 str
        OUTEND -1 1
        HALT
    """, "hello.orus")


def loop_sum(n=5_000_000):
    # sum of 0..n-1 in i64: more backward jumps than one YIELD budget
    return assemble("""
    fn main regs=5
        LOADI 0 0
        LOADI 1 0
        LOADK 2 %d
        LOADI 3 1
        FORPREP 1 done 0
      body:
        ADD_I64 0 0 1 @3
        FORLOOP 1 body
      done:
        OUT 0 i64
        OUTEND -1 1
        HALT
    """ % n, "loop.orus")


def fib(n=22):
    return assemble("""
    fn main regs=2
        LOADI 1 %d
        CALL 1 fib
        OUT 1 i32
        OUTEND -1 1
        HALT
    fn fib arity=1 regs=5           ; R0 = n
        LOADI 1 2
        LT_I 2 0 1
        JMPF 2 recurse
        RET 0
      recurse:
        LOADI 1 1
        SUB_I32 3 0 1
        CALL 3 fib
        LOADI 1 2
        SUB_I32 4 0 1
        CALL 4 fib
        ADD_I32 2 3 4
        RET 2
    """ % n, "fib.orus")


def floats_and_strings(n=20_000):
    # host calls (float -> text), string building (heap growth) and more
    # output than one buffer holds (FLUSH)
    return assemble("""
    fn main regs=11
        LOADS 5 "x = "
        LOADF 6 0.1
        LOADI 0 0
        LOADK 1 %d
        LOADI 2 1
        FORPREP 0 done 0
      body:
        CAST 7 0 i64->f64
        MUL_F64 7 7 6
        TOSTR 8 7 f64
        CONCAT 9 5 8
        TOSTR 10 0 i64
        CONCAT 9 9 10
        OUT 9 str
        OUT 7 f64
        OUTEND -1 2
        FORLOOP 0 body
      done:
        HALT
    """ % n, "strings.orus")


def deep_recursion(depth=50_000):
    # grows the register file (GROW_REGS) many times
    return assemble("""
    fn main regs=2
        LOADK 1 %d
        CALL 1 f
        OUT 1 i32
        OUTEND -1 1
        HALT
    fn f arity=1 regs=4
        LOADI 1 0
        EQ_I 2 0 1
        JMPF 2 recurse
        RET 1
      recurse:
        LOADI 1 1
        SUB_I32 3 0 1
        CALL 3 f
        ADD_I32 2 3 1
        RET 2
    """ % depth, "deep.orus")


def closure():
    # a closure called through a function value (CLOSURE, CALLV), printed
    return assemble("""
    fn main regs=4
        LOADK 1 40                  ; the captured value
        CLOSURE 0 add_c 1
        LOADI 2 2                   ; the argument
        CALLV 2 0
        OUT 2 i64
        OUT 0 fn
        OUTEND -1 2
        HALT
    fn add_c arity=1 captures=1 regs=3      ; R0 = x, R1 = captured c
        ADD_I64 2 0 1
        RET 2
    """, "closure.orus")


def runtime_error():
    # output printed before a runtime error is flushed, then the error
    return assemble("""
    fn main regs=4
        LOADS 0 "before"
        OUT 0 str
        OUTEND -1 1
        LOADI 1 7
        LOADI 2 0
        DIV_I32 3 1 2 @4:9
        HALT
    """, "err.orus")


def bits_and_bytes():
    """The bitwise opcodes, ord/chr, and "shift out of range"."""
    return assemble("""
    fn main regs=24
        LOADI 1 -6
        LOADI 2 11
        LOADI 3 31
        LOADI 4 60
        LOADI 5 1
        LOADI 6 5
        BAND 7 1 2
        OUT 7 i64
        BOR 8 1 2
        OUT 8 i64
        BXOR 9 1 2
        OUT 9 i64
        BNOT 10 1
        OUT 10 i64
        BNOT_U32 11 6
        OUT 11 i64
        SHL_I32 12 2 3
        OUT 12 i64
        SHL_U32 13 2 3
        OUT 13 i64
        SHL_64 14 1 4
        OUT 14 i64
        SHR_32 15 1 5
        OUT 15 i64
        SHR_I64 16 1 5
        OUT 16 i64
        SHR_U64 17 1 4
        OUT 17 i64
        LOADS 18 "\xc3\xa9"
        STR_ORD 19 18
        OUT 19 i32
        LOADI 20 65
        STR_CHR 21 20
        OUT 21 str
        OUTEND -1 14
        LOADI 22 32
        SHL_I32 23 2 22 @9:5
        HALT
    """, "bits.orus")


def random_draws():
    """use random's instructions (numpy's default_rng(7) streams) and its error."""
    return assemble("""
    fn main regs=12
        LOADI 0 7
        RNG_SEED 0
        RNG_RANDOM 1
        OUT 1 f64
        LOADF 2 -1.5
        LOADF 3 2.5
        RNG_UNIFORM 1 2
        OUT 1 f64
        LOADI 2 -3
        LOADK 3 5000000000
        RNG_INTEGERS 4 2
        OUT 4 i64
        LOADI 3 10
        RNG_INTEGERS 4 2
        OUT 4 i64
        LOADF 2 1.0
        LOADF 3 0.5
        RNG_NORMAL 1 2
        OUT 1 f64
        ARR_NEW 5 4 0
        LOADI 6 10
        ARR_PUSH 5 6
        LOADI 6 20
        ARR_PUSH 5 6
        LOADI 6 30
        ARR_PUSH 5 6
        LOADI 6 40
        ARR_PUSH 5 6
        RNG_SHUFFLE 5
        LOADI 9 0
        ARR_GET 8 5 9
        OUT 8 i64
        LOADI 9 1
        ARR_GET 8 5 9
        OUT 8 i64
        LOADI 9 2
        ARR_GET 8 5 9
        OUT 8 i64
        LOADI 9 3
        ARR_GET 8 5 9
        OUT 8 i64
        RNG_CHOICE 7 5
        OUT 7 i64
        OUTEND -1 10
        LOADI 8 4
        LOADI 9 4
        RNG_INTEGERS 10 8 @7:3
        HALT
    """, "random.orus")


PROGRAMS = [hello, loop_sum, fib, floats_and_strings, deep_recursion, closure, runtime_error,
            bits_and_bytes, random_draws]

from orus.jit import get_vm
from orus.host.machine import Machine
vm = get_vm()
results = {}
for make in PROGRAMS:
    program = make()
    verify(program)
    out = []
    error = None
    try:
        Machine(program, vm, out.append).run()
    except OrusRuntimeError as exc:
        error = [str(exc), exc.line, exc.col]
    results[make.__name__] = [b"".join(out).decode("utf-8"), error]
print(json.dumps({
    "vm": type(vm).__name__,
    "native": bool(getattr(vm, "native", False)),
    "numba": "numba" in sys.modules,
    "llvmlite": "llvmlite" in sys.modules or "llvmlite.binding" in sys.modules,
    "loader": getattr(vm, "_empty", None) is not None,
    "results": results,
}))
'''


def _env(root: Path, **extra) -> dict:
    env = dict(os.environ)
    env.pop("ORUS_NATIVE", None)
    env["ORUS_CACHE_DIR"] = str(root)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _orus(root: Path, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orus", *args], cwd=str(ROOT), env=_env(root, **env),
                          capture_output=True, text=True, timeout=TIMEOUT)


@pytest.fixture(scope="session")
def runner_script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("runner") / "runner.py"
    path.write_text(RUNNER)
    return path


def _run_programs(runner: Path, root: Path, **env) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, str(runner), str(ROOT)], cwd=str(ROOT),
                          env=_env(root, **env), capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout), proc.stderr


@pytest.fixture(scope="session")
def warm_race(tmp_path_factory):
    """The session's one cold build: two warm-cache processes at once."""
    root = tmp_path_factory.mktemp("orus-cache")
    procs = [subprocess.Popen([sys.executable, "-m", "orus", "warm-cache"], cwd=str(ROOT),
                              env=_env(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT)
        results.append((proc.returncode, out, err))
    return root, results


@pytest.fixture(scope="session")
def warm_root(warm_race) -> Path:
    root, results = warm_race
    for rc, out, err in results:
        if rc != 0:
            pytest.fail("warm-cache failed (%d):\n%s\n%s" % (rc, out, err))
    return root


def _vm_folder(root: Path) -> Path:
    folders = [p for p in root.iterdir() if p.name.startswith("vm-")]
    assert len(folders) == 1, folders
    return folders[0]


@pytest.fixture
def cache_copy(warm_root, tmp_path) -> Path:
    """A private copy of the warm cache (tests may damage it)."""
    dest = tmp_path / "cache"
    shutil.copytree(warm_root, dest, ignore=shutil.ignore_patterns(".lock", "*.tmp-*"))
    return dest


@pytest.fixture(scope="session")
def expected(warm_root, runner_script) -> dict:
    """Every program run by the native VM in a fresh process (reference output)."""
    report, stderr = _run_programs(runner_script, warm_root)
    assert report["native"], (report, stderr)
    return report


# ---------------------------------------------------------------- building
def test_two_processes_warming_at_once_both_succeed(warm_race):
    root, results = warm_race
    for rc, out, err in results:
        assert rc == 0, out + err
        assert "Traceback" not in out + err
    combined = "".join(out for _, out, _ in results)
    # One process built each part; the other waited for the lock, then found it valid.
    assert combined.count("[1/2] compiling the VM loop") == 1, combined
    assert combined.count("[2/2] building the native VM") == 1, combined
    check = _orus(root, "warm-cache", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "native VM:    valid" in check.stdout and "njit cache:   valid" in check.stdout
    folder = _vm_folder(root)
    assert folder.name == "vm-" + cache.fingerprint()
    aot.validate(str(folder), cache.fingerprint())
    assert not [p for p in folder.iterdir() if ".tmp-" in p.name]


def test_warm_cache_is_idempotent_and_check_builds_nothing(cache_copy, tmp_path):
    before = sorted((p.name, p.stat().st_mtime_ns) for p in _vm_folder(cache_copy).iterdir())
    again = _orus(cache_copy, "warm-cache")
    assert again.returncode == 0 and "cache valid" in again.stdout
    assert sorted((p.name, p.stat().st_mtime_ns) for p in _vm_folder(cache_copy).iterdir()) == before
    empty = tmp_path / "empty"
    check = _orus(empty, "warm-cache", "--check")
    assert check.returncode == 1
    assert "not built" in check.stdout
    assert not list(empty.glob("vm-*/*"))             # --check built nothing


# ---------------------------------------------------------------- the warm run path
def test_warm_run_imports_neither_numba_nor_llvmlite(expected):
    assert expected["native"] and expected["vm"] == "NativeVM"
    assert not expected["numba"] and not expected["llvmlite"]


def _has_loader(folder: Path) -> bool:
    return "loader=" in (folder / aot.MANIFEST).read_text()


@pytest.mark.parametrize("damage", ["corrupt", "other-interpreter", "missing"])
def test_a_damaged_or_foreign_loader_falls_back_to_ctypes(damage, cache_copy, runner_script,
                                                           expected):
    folder = _vm_folder(cache_copy)
    if not _has_loader(folder):
        pytest.skip("no loader here")
    loader = next(folder.glob("vm-loader-*.so"))
    if damage == "corrupt":
        data = bytearray(loader.read_bytes())
        data[len(data) // 2] ^= 0x5A
        loader.write_bytes(bytes(data))
    elif damage == "other-interpreter":
        _rewrite_manifest(folder, loader_for="cpython-299-plan9")
    else:
        loader.unlink()
    assert "loader_path" not in aot.validate(str(folder), folder.name[len("vm-"):])
    report, stderr = _run_programs(runner_script, cache_copy)
    assert report["native"] and not report["loader"]
    assert report["results"] == expected["results"]


def test_orus_run_importtime_shows_no_numba(warm_root, tmp_path):
    if not (ROOT / "orus" / "compiler.py").exists():
        pytest.skip("no compiler yet")
    prog = tmp_path / "hello.orus"
    prog.write_text('print("Hello, world!")\n')
    proc = _orus(warm_root, "run", str(prog))             # also saves the bytecode
    assert proc.returncode == 0 and proc.stdout == "Hello, world!\n", proc.stderr
    env = _env(warm_root)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "orus", "run", str(prog)],
                          cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0 and proc.stdout == "Hello, world!\n"
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")]
    assert "orus.host.machine" in imported
    assert not [m for m in imported if m.split(".")[0] in ("numba", "llvmlite")]
    if _has_loader(_vm_folder(warm_root)):      # the native VM is called through it
        assert "ctypes" not in imported and "_ctypes" not in imported


def test_saved_program_runs_without_numpy(warm_root, tmp_path):
    """A saved program on the native VM runs on memoryviews (orus/bytecode/buffers.py),
    host functions and printing of compound values included: numpy's import
    (~60 ms) is most of the start-up it would otherwise cost."""
    prog = tmp_path / "fib.orus"
    prog.write_text("fn fib(n: i32) -> i32:\n    if n < 2:\n        return n\n"
                    "    return fib(n - 1) + fib(n - 2)\n"
                    "xs = [1, 2, 3]\nmut s = \"\"\nfor i in 0..300:\n    s = s + (i as string)\n"
                    "print(fib(20), len(s), xs[2], 1.5 * 2.0, timestamp() > 0.0)\n"
                    "struct P:\n    x: i32\n    y: f64\n"
                    "print(xs, P{x: 1, y: 2.5}, int(\"41\") + 1, sorted([3, 1, 2]) == [1, 2, 3])\n"
                    "assert_eq(\"same\", [1.5], [1.5])\n")
    check = ("import sys; from orus.cli import main; rc = main(['run', sys.argv[1]]); "
             "sys.stdout.flush(); print('numpy' in sys.modules, rc)")
    env = _env(warm_root)
    runs = [subprocess.run([sys.executable, "-c", check, str(prog)], cwd=str(ROOT), env=env,
                           capture_output=True, text=True, timeout=TIMEOUT) for _ in range(2)]
    first, second = (r.stdout.splitlines() for r in runs)
    assert first[:2] == second[:2] == ["6765 790 3 3 true", "1, 2, 3 1, 2.5 42 true"], \
        runs[0].stderr
    assert first[2] == "True 0"                     # compiling: the front end uses numpy
    assert second[2] == "False 0", runs[1].stderr   # loaded from the saved bytecode


def test_saved_program_the_verifier_rejects_is_compiled_again(warm_root, tmp_path):
    """The verifier runs in the VM before the first instruction: a saved
    program that fails it (here: a register operand out of range, with a valid
    checksum) is discarded and recompiled, and the output is right."""
    prog = tmp_path / "p.orus"
    prog.write_text('x = 40\nprint("sum", x + 2)\n')
    assert _orus(warm_root, "run", str(prog)).stdout == "sum 42\n"
    saved = list((warm_root / "bytecode").glob("*.orusbc"))
    from orus.bytecode import program as bytecode
    from orus import program_cache
    target = [p for p in saved
              if p.stem == program_cache.key_for(prog.read_bytes())]
    assert len(target) == 1
    program = bytecode.load(str(target[0]), program_cache.compiler_version())
    program.to_numpy()
    program.code[0, 1] = 10_000                      # R[10000] in a small frame
    bytecode.save(program, str(target[0]), program_cache.compiler_version())
    proc = _orus(warm_root, "run", str(prog))
    assert proc.returncode == 0 and proc.stdout == "sum 42\n", proc.stderr
    reloaded = bytecode.load(str(target[0]), program_cache.compiler_version())
    assert int(reloaded.code[0, 1]) != 10_000         # replaced by a fresh compile


def test_native_and_njit_give_identical_results(expected, warm_root, runner_script):
    njit, stderr = _run_programs(runner_script, warm_root, ORUS_NATIVE="0")
    assert not njit["native"] and njit["numba"]
    assert "compiling" not in stderr                    # the njit cache was warm
    assert njit["results"] == expected["results"]
    res = expected["results"]
    assert res["hello"] == ["Hello, world!\n", None]
    assert res["loop_sum"][0] == "%d\n" % sum(range(5_000_000))
    assert res["fib"][0] == "17711\n"
    assert res["deep_recursion"][0] == "50000\n"
    assert res["closure"][0] == "42 <fn add_c>\n"
    lines = res["floats_and_strings"][0].splitlines()
    assert len(lines) == 20_000 and lines[0] == "x = 00 0"
    assert lines[-1].startswith("x = 1999.9") and "19999 1999.9" in lines[-1]
    out, error = res["runtime_error"]
    assert out == "before\n" and "Division by zero" in error[0] and error[1:] == [4, 9]
    out, error = res["bits_and_bytes"]
    assert out == ("10 -5 -15 5 4294967290 -2147483648 2147483648 -6917529027641081856 -3 -3 15 "
                   "195 A\n")
    assert "shift out of range" in error[0] and error[1:] == [9, 5]
    out, error = res["random_draws"]
    assert out == _numpy_random_draws()
    assert "low >= high" in error[0] and error[1:] == [7, 3]


def _numpy_random_draws() -> str:
    import numpy as np
    from orus.host.fmt import fmt_f64
    g = np.random.default_rng(7)
    vals = [fmt_f64(g.random()), fmt_f64(g.uniform(-1.5, 2.5)), str(g.integers(-3, 5000000000)),
            str(g.integers(-3, 10)), fmt_f64(g.normal(1.0, 0.5))]
    xs = np.array([10, 20, 30, 40])
    g.shuffle(xs)
    vals += [str(x) for x in xs] + [str(g.choice(xs))]
    return " ".join(vals) + "\n"


def test_same_output_through_the_cli_on_every_path(warm_root, tmp_path):
    if not (ROOT / "orus" / "compiler.py").exists():
        pytest.skip("no compiler yet")
    hello = ROOT / "examples" / "hello.orus"
    native = _orus(warm_root, "run", str(hello))
    njit = _orus(warm_root, "run", str(hello), ORUS_NATIVE="0")
    assert native.returncode == njit.returncode == 0, native.stderr + njit.stderr
    assert native.stdout == njit.stdout and native.stdout
    assert native.stderr == njit.stderr == ""


# ---------------------------------------------------------------- damaged artifacts
def _library(folder: Path) -> Path:
    libs = list(folder.glob("vm-native-*.so"))
    assert len(libs) == 1, libs
    return libs[0]


def _rewrite_manifest(folder: Path, **changes) -> None:
    path = folder / aot.MANIFEST
    lines = path.read_text().splitlines()
    out = []
    for line in lines:
        key = line.partition("=")[0]
        out.append("%s=%s" % (key, changes[key]) if key in changes else line)
    path.write_text("\n".join(out) + "\n")


def _corrupt(folder):
    lib = _library(folder)
    data = bytearray(lib.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(b ^ 0x5A for b in data[middle:middle + 64])
    lib.write_bytes(bytes(data))


def _truncate(folder):
    lib = _library(folder)
    lib.write_bytes(lib.read_bytes()[:len(lib.read_bytes()) // 3])


def _foreign(folder):
    """A well-formed library whose manifest matches it, but built for another
    fingerprint (its embedded identity says so)."""
    lib = _library(folder)
    fp = folder.name[len("vm-"):]
    data = lib.read_bytes()
    assert data.count(fp.encode()) == 1
    data = data.replace(fp.encode(), b"0123456789abcdef")
    lib.write_bytes(data)
    _rewrite_manifest(folder, size=len(data), sha256=hashlib.sha256(data).hexdigest())


DAMAGE = {"corrupt": _corrupt, "truncated": _truncate, "foreign": _foreign}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_artifact_is_detected_and_rebuilt_by_the_next_run(kind, cache_copy, runner_script,
                                                                  expected):
    folder = _vm_folder(cache_copy)
    fp = folder.name[len("vm-"):]
    DAMAGE[kind](folder)
    with pytest.raises(aot.ArtifactError):
        aot.load(str(folder), fp)
    check = _orus(cache_copy, "warm-cache", "--check")
    assert check.returncode == 1 and "native VM:    valid" not in check.stdout
    report, stderr = _run_programs(runner_script, cache_copy)
    assert "rebuilding the native VM" in stderr and stderr.count("\n") == 1, stderr
    assert report["results"] == expected["results"]
    assert report["native"]
    aot.validate(str(folder), fp)                         # rebuilt and valid again
    assert len(list(folder.glob("vm-native-*.so"))) == 1


@pytest.mark.parametrize("damage", ["manifest-garbage", "manifest-other-fingerprint",
                                    "manifest-other-abi", "library-missing", "manifest-missing"])
def test_more_damage_is_detected_without_loading(damage, cache_copy):
    folder = _vm_folder(cache_copy)
    fp = folder.name[len("vm-"):]
    manifest = folder / aot.MANIFEST
    if damage == "manifest-garbage":
        manifest.write_bytes(os.urandom(300))
    elif damage == "manifest-other-fingerprint":
        _rewrite_manifest(folder, fingerprint="0" * 16)
    elif damage == "manifest-other-abi":
        _rewrite_manifest(folder, abi=abi.signature().replace("uint8", "int8"))
    elif damage == "library-missing":
        _library(folder).unlink()
    else:
        manifest.unlink()
    with pytest.raises(aot.ArtifactError):
        aot.validate(str(folder), fp)


def test_warm_cache_repairs_a_damaged_artifact(cache_copy):
    _corrupt(_vm_folder(cache_copy))
    proc = _orus(cache_copy, "warm-cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sha256 mismatch" in proc.stdout and "[2/2] building the native VM" in proc.stdout
    assert "[1/2]" not in proc.stdout                   # the njit cache was kept


def test_read_only_cache_still_runs(cache_copy, runner_script, expected, tmp_path):
    """A read-only cache with a valid artifact is used as is; one whose
    artifact is damaged is reported once and the run still succeeds."""
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    folder = _vm_folder(cache_copy)
    for path in [cache_copy, folder]:
        path.chmod(0o555)
    try:
        report, stderr = _run_programs(runner_script, cache_copy)
        assert report["native"] and stderr == ""
    finally:
        for path in [cache_copy, folder]:
            path.chmod(0o755)


def test_unwritable_cache_dir_gives_a_message_and_still_runs(runner_script, expected, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    report, stderr = _run_programs(runner_script, blocker / "cache", ORUS_NATIVE="0")
    assert "no writable cache folder" in stderr and stderr.count("\n") == 1, stderr
    assert report["results"] == expected["results"]
    check = _orus(blocker / "cache", "warm-cache")
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert "cannot build the VM cache" in check.stderr


# ---------------------------------------------------------------- the lean build
def test_the_lean_build_is_available_with_the_tested_numba():
    """warm-cache builds in a separate process with orus/jit/lean_build.py;
    with the Numba version aot was tested with, that path must be taken (if
    the patched internals moved, it silently falls back to the slow build)."""
    from orus.jit import lean_build
    assert lean_build.supported() == (aot._numba_supported() is None)


LEAN_PROBE = r'''
import sys
from numba import njit
from orus.jit import lean_build

@njit(cache=False)
def helper(x):
    return x * 3

@njit(cache=False)
def caller(x):
    return helper(x) + 1

with lean_build.lean_numba_build():
    caller.compile("int64(int64)")
print(caller(5))                      # compiled for Python: a real function
try:
    helper(5)                         # built lazily: must refuse, not crash
except TypeError:
    print("refused")
print(len(helper.overloads[next(iter(helper.overloads))].library.get_llvm_str()) > 0)
'''


def test_lean_build_helpers_refuse_calls_and_the_caller_works(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(LEAN_PROBE)
    proc = subprocess.run([sys.executable, str(script)], cwd=str(ROOT), env=_env(tmp_path / "c"),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["16", "refused", "True"]


def test_a_failed_build_process_is_reported_and_the_caller_builds_instead(tmp_path):
    from orus.jit import warm
    lines = []
    assert warm._build_in_child(str(tmp_path), "not-this-fingerprint", True, True,
                                lines.append) is False
    assert len(lines) == 1 and "building in this process instead" in lines[0], lines
    assert "another VM fingerprint" in lines[0]
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- the key
def _package_copy(tmp_path, name="pkg"):
    pkg = tmp_path / name / "orus"
    shutil.copytree(ROOT / "orus", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    return pkg


def test_the_vm_sources_are_the_import_closure_of_the_jit_package():
    sources = cache.vm_sources()
    jit = {"jit/" + p.name for p in (ROOT / "orus" / "jit").iterdir()
           if p.suffix in (".py", ".c", ".h")}
    assert jit <= set(sources)
    # modules the loop reads constants from, including bytecode/program.py (FN_*
    # columns compiled into the verifier kernel), which a hand-written list once missed
    assert {"bytecode/opcodes.py", "bytecode/protocol.py", "bytecode/runtime_errors.py",
            "bytecode/hostcall_table.py", "bytecode/program.py"} <= set(sources)
    # neither the host (the jit layer imports no host module) nor the front end
    assert not any(s.startswith(("host/", "frontend/")) for s in sources), sources


def test_changing_any_vm_source_changes_the_fingerprint(tmp_path):
    pkg = _package_copy(tmp_path)
    base = cache.fingerprint(pkg)
    assert base == cache.fingerprint()           # same content, same key (index or not)
    sources = cache.vm_sources(pkg)
    assert sources == cache.vm_sources()
    for rel in sources:
        path = pkg / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        try:
            assert cache.fingerprint(pkg, fresh=True) != base, rel
        finally:
            path.write_bytes(original)
    assert cache.fingerprint(pkg, fresh=True) == base
    # a renumbered opcode, say
    ops = (pkg / "bytecode" / "opcodes.py").read_text()
    move = 'MOVE = _op("MOVE", "r r -", "R[A] := R[B]")\n'
    loadi = 'LOADI = _op("LOADI", "r n -", "R[A] := B (immediate integer)")\n'
    assert move + loadi in ops
    (pkg / "bytecode" / "opcodes.py").write_text(ops.replace(move + loadi, loadi + move))
    assert cache.fingerprint(pkg, fresh=True) != base


def test_an_import_inside_a_function_joins_the_closure(tmp_path):
    pkg = _package_copy(tmp_path)
    assert "frontend/types.py" not in cache.vm_sources(pkg)
    base = cache.fingerprint(pkg, fresh=True)
    types = pkg / "frontend" / "types.py"
    types.write_text(types.read_text() + "\n# edited\n")
    assert cache.fingerprint(pkg, fresh=True) == base      # not a VM source
    with open(pkg / "jit" / "collector.py", "a") as fh:
        fh.write("\n\ndef _late():\n    from orus.frontend import lexer\n    return lexer\n")
    sources = cache.vm_sources(pkg)
    assert "frontend/lexer.py" in sources and "errors.py" in sources    # and what it imports
    # and so does a new file in orus/jit/
    (pkg / "jit" / "extra.py").write_text("X = 1\n")
    assert "jit/extra.py" in cache.vm_sources(pkg)


def test_a_run_reads_the_closure_from_an_index_checked_by_stat(tmp_path, monkeypatch):
    """The closure is found with ast once; later runs take it from an index
    in the cache root, trusted only while every listed file keeps its size
    and mtime and orus/jit/ holds no new file."""
    pkg = _package_copy(tmp_path)
    monkeypatch.setenv("ORUS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", str(pkg))
    monkeypatch.setattr(cache, "_FINGERPRINT", {})
    monkeypatch.setattr(cache, "_WRITABLE", {})
    first = cache.fingerprint()
    index = list((tmp_path / "cache").glob("vmsources-*"))
    assert len(index) == 1
    calls = []
    real = cache.vm_sources
    monkeypatch.setattr(cache, "vm_sources", lambda *a: calls.append(a) or real(*a))
    cache._FINGERPRINT.clear()
    assert cache.fingerprint() == first and calls == []          # from the index
    with open(pkg / "bytecode" / "program.py", "a") as fh:
        fh.write("# edited\n")
    cache._FINGERPRINT.clear()
    edited = cache.fingerprint()
    assert edited != first and len(calls) == 1                   # stale index: recomputed
    cache._FINGERPRINT.clear()
    assert cache.fingerprint() == edited and len(calls) == 1     # and saved again
    (pkg / "jit" / "extra.py").write_text("X = 1\n")
    cache._FINGERPRINT.clear()
    assert cache.fingerprint() != edited and len(calls) == 2


def test_fingerprint_does_not_depend_on_what_is_imported(tmp_path):
    """The folder name must be the same in a process that imported llvmlite
    (warm-cache) and one that did not (a run)."""
    code = ("import sys; sys.path.insert(0, %r); %s"
            "from orus.jit import cache; print(cache.fingerprint())")
    plain = subprocess.run([sys.executable, "-c", code % (str(ROOT), "")],
                           capture_output=True, text=True, timeout=TIMEOUT)
    with_llvm = subprocess.run([sys.executable, "-c", code % (str(ROOT), "import llvmlite.binding; ")],
                               capture_output=True, text=True, timeout=TIMEOUT)
    assert plain.returncode == with_llvm.returncode == 0, plain.stderr + with_llvm.stderr
    assert plain.stdout == with_llvm.stdout == cache.fingerprint() + "\n"


# ---------------------------------------------------------------- the ABI
def test_abi_table_drives_the_entry_point_and_the_host_call():
    import ast
    # (parsed, not imported: importing orus.jit.vm before get_vm() would point
    # Numba's cache at orus/jit/__pycache__, which the fingerprint does not key)
    tree = ast.parse((ROOT / "orus" / "jit" / "vm.py").read_text())
    run = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "run")
    assert [arg.arg for arg in run.args.args] == list(abi.NAMES)
    text = abi.run_source_text("entry")
    assert "return run(%s)" % ", ".join(abi.NAMES) in text
    for name in abi.NAMES:
        assert "    %s = carray(" % name in text
    assert abi.signature().count(":") == 2 * abi.NARGS


def test_native_vm_rejects_arrays_of_the_wrong_type(warm_root):
    import numpy as np
    from orus.host.machine import Machine
    folder = _vm_folder(warm_root)
    native = aot.load(str(folder), folder.name[len("vm-"):])
    machine = Machine(assemble("fn main regs=1\n HALT"), native, lambda data: None)
    machine.run()
    args = abi.vm_args(machine)
    args[abi.NAMES.index("kint")] = np.zeros(3, dtype=np.int32)
    with pytest.raises(TypeError, match="kint"):
        native(*args)
    args = abi.vm_args(machine)
    args[abi.NAMES.index("hobj")] = np.zeros((8, 4), dtype=np.int64)[:, ::2]
    with pytest.raises(TypeError, match="hobj"):
        native(*args)
