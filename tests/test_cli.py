"""The command line as a user meets it: exit codes, streams, no tracebacks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import orus

ROOT = Path(__file__).resolve().parent.parent
ORUS = [sys.executable, "-m", "orus"]


def run_cli(args, stdin=b"", cwd=None):
    env = dict(os.environ)
    env.pop("ORUS_DEBUG", None)
    return subprocess.run(ORUS + list(args), input=stdin, capture_output=True, cwd=cwd,
                          env=env, timeout=120)


def write(tmp_path, text, name="prog.orus"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def test_run_prints_and_exits_zero(tmp_path):
    proc = run_cli(["run", write(tmp_path, 'print("hello", 1 + 2)\n')])
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"hello 3\n", b"")


def test_bare_file_argument_runs_it(tmp_path):
    proc = run_cli([write(tmp_path, "print(7)\n")])
    assert (proc.returncode, proc.stdout) == (0, b"7\n")


def test_stdin_program(tmp_path):
    proc = run_cli(["run", "-"], stdin=b"print(40 + 2)\n")
    assert (proc.returncode, proc.stdout) == (0, b"42\n")


def test_compile_error_is_located_and_prints_nothing(tmp_path):
    path = write(tmp_path, 'print("never")\nx: i32 = "s"\n')
    proc = run_cli(["run", path])
    assert proc.returncode == 65
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert "prog.orus:2:10" in err and 'x: i32 = "s"' in err and "^" in err
    assert "Traceback" not in err


def test_runtime_error_keeps_earlier_output(tmp_path):
    path = write(tmp_path, 'print("before")\nx = 0\nprint(10 / x)\n')
    proc = run_cli(["run", path])
    assert proc.returncode == 70
    assert proc.stdout == b"before\n"
    assert "prog.orus:3:" in proc.stderr.decode() and "Division by zero" in proc.stderr.decode()


def test_unreadable_file_is_exit_65(tmp_path):
    proc = run_cli(["run", str(tmp_path / "missing.orus")])
    assert proc.returncode == 65 and b"Traceback" not in proc.stderr
    assert b"missing.orus" in proc.stderr


@pytest.mark.parametrize("args", [[], ["--bogus"], ["run"], ["run", "a.orus", "b.orus"],
                                  ["dis"], ["frobnicate", "x", "y"]])
def test_misuse_is_exit_2_with_usage(args):
    proc = run_cli(args)
    assert proc.returncode == 2, proc.stderr
    assert b"usage" in proc.stderr.lower() and proc.stdout == b""


def test_version():
    proc = run_cli(["--version"])
    assert proc.returncode == 0 and orus.__version__.encode() in proc.stdout


def test_dis_lists_opcodes_with_lines(tmp_path):
    proc = run_cli(["dis", write(tmp_path, "x = 1\nprint(x + 2)\n")])
    assert proc.returncode == 0
    text = proc.stdout.decode()
    assert "HALT" in text and "OUTEND" in text and "line 2" in text


def test_saved_bytecode_is_reused_and_corruption_rebuilt(tmp_path):
    """A second run loads the saved program; a corrupted save is ignored.
    (The warm VM folder is copied in: this test is about saved programs, and
    a fresh cache folder would cost it a whole VM build.)"""
    import shutil
    from orus.jit import cache
    env_dir = tmp_path / "cache"
    env_dir.mkdir()
    vm_folder, _ = cache.find_vm_dir()
    if vm_folder is not None:
        shutil.copytree(vm_folder, env_dir / os.path.basename(str(vm_folder)),
                        ignore=shutil.ignore_patterns(".lock", "*.tmp-*"))
    path = write(tmp_path, "print(6 * 7)\n")
    env = dict(os.environ, ORUS_CACHE_DIR=str(env_dir))
    first = subprocess.run(ORUS + ["run", path], capture_output=True, env=env, timeout=300)
    assert first.stdout == b"42\n"
    saved = list((env_dir / "bytecode").glob("*.orusbc"))
    assert len(saved) == 1
    saved[0].write_bytes(saved[0].read_bytes()[:50])              # truncate it
    again = subprocess.run(ORUS + ["run", path], capture_output=True, env=env, timeout=300)
    assert (again.returncode, again.stdout) == (0, b"42\n")
    assert b"Traceback" not in again.stderr
    assert b"compiling" not in first.stderr + again.stderr        # the VM came warm


# ---- hostile input: always a located compile error, never a traceback ---------------
HOSTILE = {
    "binary junk": bytes(range(256)) * 4,
    "invalid utf-8": b'print("ok")\nx = \xff\xfe\n',
    "long line": b"x = " + b"1 + " * 2_500_000 + b"1\n",
    "deep parens": b"x = " + b"(" * 10_000 + b"1" + b")" * 10_000 + b"\n",
    "deep blocks": b"".join(b"    " * i + b"if true:\n" for i in range(300)) + b"    " * 300 + b"pass\n",
    "unterminated string": b'print("abc\n',
    "unterminated comment": b"/* never closed\nprint(1)\n",
    "nul bytes": b"print(1)\x00\x00\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gives_located_error(name):
    result = orus.run_source(HOSTILE[name], filename="bad.orus")
    assert result.status == 65, result.stderr
    assert "Traceback" not in result.stderr
    assert isinstance(result.error, orus.CompileError)
    assert result.error.line >= 1


def test_hostile_input_through_the_cli(tmp_path):
    path = write(tmp_path, HOSTILE["deep parens"])
    proc = run_cli(["run", path])
    assert proc.returncode == 65 and b"Traceback" not in proc.stderr


def test_profile_counts_opcodes_and_lines(tmp_path):
    path = write(tmp_path, "mut t = 0\nfor i in 0..1000:\n    t = t + i\nprint(t)\n")
    proc = run_cli(["run", "--profile", path])
    assert proc.returncode == 0 and proc.stdout == b"499500\n"
    err = proc.stderr.decode()
    assert "-- profile:" in err
    rows = {line.split()[0]: line.split()[1] for line in err.splitlines()
            if line.startswith("  ") and len(line.split()) >= 2}
    assert rows["FORLOOP"] == "1,000" and rows["ADD_I32"] == "1,000"
    assert "prog.orus:3" in err and "t = t + i" in err


def test_dump_bytecode_of_a_program_loaded_from_the_cache(tmp_path):
    """The second run loads the saved program (memoryview arrays): the
    listing must work on those too (it once failed on `funcs[f]`)."""
    source = "// %s\nfn twice(x: i32) -> i32:\n    return x * 2\nprint(twice(21))\n" % tmp_path
    path = write(tmp_path, source)
    for attempt in range(2):
        proc = run_cli(["run", "--dump-bytecode", path])
        assert (proc.returncode, proc.stdout) == (0, b"42\n"), proc.stderr
        listing = proc.stderr.decode()
        assert "fn twice  (arity 1, captures 0, registers" in listing and "MUL" in listing
