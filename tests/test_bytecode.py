"""Saving and loading programs, and the verifier that guards the VM (the
verifier's kernel runs in the VM: these tests load the native VM)."""

import numpy as np
import pytest

from orus.bytecode import buffers, program as bytecode, opcodes as op
from orus.bytecode.program import BytecodeError
from orus.api import verify

import corpus
from asm import assemble


def sample_program():
    # (the corruption tests below poke at these pcs and pool indexes)
    return assemble("""
    fn <main> regs=4
        LOADK 1 21 @1:1             ; pc 0, KI[0]
        CALL 1 double @2:7          ; pc 1
        LOADF 2 2.5                 ; pc 2, KF[0]
        LOADS 3 "hi"                ; pc 3
        OUT 1 i32                   ; pc 4
        OUTEND -1 1
        JMP end                     ; pc 6
      end:
        HALT                        ; pc 7
    fn double arity=1 regs=2        ; function 1
        ADD_I32 1 0 0
        RET 1
    """, "t.orus", source=b"source")


def test_round_trip_gives_identical_arrays(tmp_path):
    program = sample_program()
    verify(program)
    path = tmp_path / "p.orusbc"
    bytecode.save(program, str(path), "fp1")
    loaded = bytecode.load(str(path), "fp1")
    # loaded without numpy: memoryviews into the file's bytes
    assert not any(buffers.is_numpy(getattr(loaded, name)) for name in bytecode.ARRAYS)
    verify(loaded)
    loaded.to_numpy()
    for name in bytecode.ARRAYS:
        a, b = getattr(program, name), getattr(loaded, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


def test_foreign_version_is_rejected(tmp_path):
    path = tmp_path / "p.orusbc"
    bytecode.save(sample_program(), str(path), "fp1")
    with pytest.raises(BytecodeError, match="another version"):
        bytecode.load(str(path), "fp2")


@pytest.mark.parametrize("cut", [0, 10, 100, -20])
def test_truncated_file_is_rejected(tmp_path, cut):
    path = tmp_path / "p.orusbc"
    bytecode.save(sample_program(), str(path), "")
    data = path.read_bytes()
    path.write_bytes(data[:cut] if cut >= 0 else data[:len(data) + cut])
    with pytest.raises(BytecodeError):
        bytecode.load(str(path), "")


def test_garbage_file_is_rejected(tmp_path):
    path = tmp_path / "p.orusbc"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(BytecodeError):
        bytecode.load(str(path), "")


def corrupt(mutate):
    program = sample_program()
    mutate(program)
    with pytest.raises(BytecodeError):
        verify(program)


def test_verifier_rejects_out_of_range_operands():
    def reg(p): p.code[0, 1] = 99                      # register beyond nregs
    def neg_reg(p): p.code[0, 1] = -1
    def konst(p): p.code[0, 2] = 1000                  # int constant index
    def fconst(p): p.code[2, 2] = 5
    def sconst(p): p.code[3, 2] = 7
    def callee(p): p.code[1, 2] = 9                    # function index
    def jump(p): p.code[6, 1] = 100                    # jump outside the function
    def jump_other_fn(p): p.code[6, 1] = 9             # jump into another function
    def opcode(p): p.code[4, 0] = op.NUM_OPS
    def outkind(p): p.code[4, 2] = 50
    def fallthrough(p): p.code[7, 0] = op.MOVE         # main no longer ends in HALT
    def regs(p): p.funcs[1, bytecode.FN_NREGS] = 0
    def ranges(p): p.funcs[1, bytecode.FN_END] = 100
    def overlap(p): p.funcs[1, bytecode.FN_ENTRY] = 3
    def strings(p): p.str_offs[-1] = 99
    for mutate in (reg, neg_reg, konst, fconst, sconst, callee, jump, jump_other_fn, opcode,
                   outkind, fallthrough, regs, ranges, overlap, strings):
        corrupt(mutate)


def test_random_corruption_never_passes_with_bad_operands():
    """Flip operands at random: whatever the verifier accepts is in range."""
    rng = np.random.default_rng(1)
    for _ in range(300):
        program = sample_program()
        pc = rng.integers(len(program.code))
        slot = rng.integers(1, 4)
        program.code[pc, slot] = rng.integers(-5, 40)
        try:
            verify(program)
        except BytecodeError:
            continue
        info = op.TABLE[program.code[pc, 0]]
        kind = info.operands[slot - 1]
        value = int(program.code[pc, slot])
        f = 0 if pc < program.funcs[1, 0] else 1
        if kind == "r":
            assert 0 <= value < program.funcs[f, bytecode.FN_NREGS]
        elif kind == "j":
            assert program.funcs[f, 0] <= value < program.funcs[f, 1]
        elif kind == "ki":
            assert 0 <= value < len(program.kint)
        elif kind == "fn":
            assert 0 <= value < len(program.funcs)


def test_flipped_payload_byte_is_detected(tmp_path):
    path = tmp_path / "p.orusbc"
    bytecode.save(sample_program(), str(path), "")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(BytecodeError, match="corrupt"):
        bytecode.load(str(path), "")


def test_loaded_arrays_are_writable_and_aligned(tmp_path):
    path = tmp_path / "p.orusbc"
    bytecode.save(sample_program(), str(path), "")
    loaded = bytecode.load(str(path), "")
    for name in bytecode.ARRAYS:
        arr = getattr(loaded, name)
        if isinstance(arr, memoryview):           # (empty arrays are buffers.Empty)
            assert not arr.readonly and arr.c_contiguous, name
            assert buffers.address(arr) % 8 == 0, name
    loaded.to_numpy()
    for name in bytecode.ARRAYS:
        arr = getattr(loaded, name)
        assert arr.flags.writeable and arr.flags.c_contiguous, name
        assert arr.ctypes.data % 8 == 0, name


def test_verifier_kernel_agrees_with_the_reference_verifier():
    """Random corruptions of real programs (operands, opcodes, the function
    table): the kernel in the VM and the previous numpy verifier
    (tests/reference_verify.py) accept and reject exactly the same ones."""
    import reference_verify
    from pathlib import Path
    import orus
    root = Path(__file__).resolve().parent.parent
    sources = [root / "benchmarks" / "programs" / name for name in
               ("sort.orus", "strings.orus", "fib.orus", "matmul.orus")]
    sources += corpus.own_programs(kind="out")[:12]
    rng = np.random.default_rng(7)
    accepted = rejected = 0
    for path in sources:
        program = orus.compile_source(path.read_bytes(), str(path))
        code0, funcs0 = program.code, program.funcs
        for _ in range(60):
            code, funcs = code0.copy(), funcs0.copy()
            program.code, program.funcs = code, funcs
            for _flip in range(int(rng.integers(1, 3))):
                if rng.random() < 0.85:
                    pc, slot = int(rng.integers(len(code))), int(rng.integers(0, 4))
                    code[pc, slot] = (int(rng.integers(0, op.NUM_OPS + 2)) if slot == 0
                                      else int(code[pc, slot]) + int(rng.integers(-3, 4)))
                else:
                    f, col = int(rng.integers(len(funcs))), int(rng.integers(0, 7))
                    funcs[f, col] += int(rng.integers(-2, 3))
            try:
                reference_verify.verify(program)
                ref_ok = True
            except BytecodeError:
                ref_ok = False
            try:
                verify(program)
                ok = True
            except BytecodeError:
                ok = False
            assert ok == ref_ok, (path.name, code.tolist(), funcs.tolist())
            accepted += ok
            rejected += not ok
    assert accepted > 100 and rejected > 300        # both outcomes well exercised


FUZZ_RUNNER = r'''
import io, resource, signal, sys
from pathlib import Path
import numpy as np
import orus
from orus.bytecode.program import opcodes as op
from orus.bytecode.program import BytecodeError
from orus.jit import get_vm
from orus.host.machine import Machine
from orus.api import verify

resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))   # huge allocations fail
class Timeout(Exception):
    pass
def on_alarm(signum, frame):
    raise Timeout()
signal.signal(signal.SIGALRM, on_alarm)

rng = np.random.default_rng(int(sys.argv[1]))
ran = 0
for path in sys.argv[2:]:
    program = orus.compile_source(Path(path).read_bytes(), path)
    code0 = program.code
    for _ in range(40):
        code = code0.copy()
        program.code = code
        for _flip in range(int(rng.integers(1, 4))):
            pc, slot = int(rng.integers(len(code))), int(rng.integers(0, 4))
            v = (int(rng.integers(0, op.NUM_OPS)) if slot == 0
                 else int(code[pc, slot]) + int(rng.integers(-4, 5)))
            code[pc, slot] = max(-2**31, min(2**31 - 1, v))
        try:
            verify(program)
        except BytecodeError:
            continue
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        try:
            Machine(program, get_vm(), lambda data: None, io.BytesIO(b"1\n2\n")).run()
        except (orus.OrusError, Timeout, MemoryError):
            pass                      # a located error, the time or memory cap: fine
        except RuntimeError as exc:
            # the host's refusal of an invalid handle or request (exactly
            # RuntimeError; a subclass such as RecursionError is a host bug)
            if type(exc) is not RuntimeError:
                raise
        # anything else (KeyError, TypeError, IndexError, ValueError, ... from
        # the host) is a bug in the host and fails the test: the child dies
        # with a traceback and a non-zero exit
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        ran += 1
print("ran", ran)
'''


def test_corrupted_programs_that_pass_the_verifier_never_crash_the_process(tmp_path):
    """Whatever the verifier accepts runs without a crash: operands flipped at
    random in real programs, each accepted one run (time- and memory-capped)
    in a child process that must exit normally, never by a signal."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    runner = tmp_path / "fuzz.py"
    runner.write_text(FUZZ_RUNNER)
    programs = [str(root / "benchmarks" / "programs" / n) for n in
                ("strings.orus", "sort.orus", "fib.orus", "sieve.orus")]
    programs += [str(p) for p in corpus.own_programs(kind="out") if not corpus.reads_input(p)][:10]
    proc = subprocess.run([sys.executable, str(runner), "11"] + programs, cwd=str(root),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    ran = int(proc.stdout.split()[-1])
    assert ran > 100


def test_grown_arrays_keep_their_rows_and_zero_the_new_ones():
    # a big array (an anonymous mapping) grows in place; one with another
    # view alive, a small one (a bytearray) and a numpy one are copied; every
    # one keeps its rows, and the other view still sees the old memory
    big = buffers.zeros((300_000, 5), "int64")
    big[7, 2], big[299_999, 4] = 99, -5
    g = buffers.grown(big, 600_000)
    assert g.shape == (600_000, 5) and (g[7, 2], g[299_999, 4]) == (99, -5)
    assert g.cast("B")[300_000 * 40:].tobytes() == bytes(300_000 * 40)
    with pytest.raises(ValueError):             # resized in place: the old view is released
        big[0, 0]
    shared = buffers.zeros(2_000_000, "uint8")
    shared[5] = 9
    other = shared[0:10]
    g = buffers.grown(shared, 5_000_000)
    assert len(g) == 5_000_000 and g[5] == 9 and other[5] == 9 and not any(g[2_000_000:])
    g[5] = 1
    assert other[5] == 9                        # a copy: the old memory is left as it was
    small = buffers.zeros(100, "int64")
    small[3] = 1
    g = buffers.grown(small, 300)
    assert len(g) == 300 and g[3] == 1 and g[299] == 0
    arr = buffers.to_numpy(buffers.zeros((10, 5), "int64")) + 1
    g = buffers.grown(arr, 20)
    assert g.shape == (20, 5) and (g[:10] == 1).all() and not g[10:].any()
