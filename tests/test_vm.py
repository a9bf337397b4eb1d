"""The VM on hand-built bytecode: arithmetic semantics, casts, loops, calls,
the host protocol, and that every opcode of the table runs (the corpus and
assembled programs under the counting VM)."""

import pytest

from orus.bytecode import buffers
from orus.bytecode import opcodes as op
from orus.bytecode import protocol as P
from orus.bytecode import runtime_errors as E
from orus.bytecode.program import ProgramBuilder
from orus.errors import OrusRuntimeError
from orus.api import verify

import corpus
from asm import assemble

I32_MIN, I32_MAX = -2**31, 2**31 - 1
I64_MIN, I64_MAX = -2**63, 2**63 - 1


@pytest.fixture(scope="module")
def vm():
    from orus.jit import get_vm
    return get_vm()


def _machine(vm, program):
    from orus.host.machine import Machine
    out = []
    verify(program)
    return Machine(program, vm, out.append), out


def _binop_program(opcode, x, y, fx=None, fy=None):
    load = "LOADK 1 %d\n LOADK 2 %d" % (x, y) if fx is None else "LOADF 1 %r\n LOADF 2 %r" % (fx, fy)
    return assemble("""
    fn main regs=4
        %s
        %s 0 1 2 @7:3
        HALT
    """ % (load, op.NAMES[opcode]))


def run_binop(vm, opcode, x, y):
    """Result bits of R0 := R1 op R2, or the runtime error raised."""
    machine, _ = _machine(vm, _binop_program(opcode, x, y))
    machine.run()
    return int(machine.regs[0])


def wrap64(v):
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


def c_div(x, y):
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


CASES_I32 = [(7, 2), (-7, 2), (7, -2), (-7, -2), (I32_MAX, 1), (I32_MIN, -1), (46340, 46340),
             (I32_MIN, 1), (0, 5), (123456, -789)]


@pytest.mark.parametrize("x,y", CASES_I32)
def test_i32_arithmetic_matches_spec(vm, x, y):
    for opcode, ref in ((op.ADD_I32, x + y), (op.SUB_I32, x - y), (op.MUL_I32, x * y)):
        if I32_MIN <= ref <= I32_MAX:
            assert run_binop(vm, opcode, x, y) == ref
        else:
            with pytest.raises(OrusRuntimeError, match="Integer overflow") as info:
                run_binop(vm, opcode, x, y)
            assert (info.value.line, info.value.col) == (7, 3)
    if x == I32_MIN and y == -1:
        for opcode in (op.DIV_I32, op.MOD_I32):
            with pytest.raises(OrusRuntimeError, match="Integer overflow"):
                run_binop(vm, opcode, x, y)
    else:
        assert run_binop(vm, op.DIV_I32, x, y) == c_div(x, y)
        assert run_binop(vm, op.MOD_I32, x, y) == x - c_div(x, y) * y


@pytest.mark.parametrize("x,y", [(I64_MAX, 1), (I64_MIN, -1), (3037000499, 3037000499),
                                 (3037000500, 3037000500), (-(2**62), 2), (-(2**62), -2),
                                 (2**40, -(2**23)), (2**40, -(2**24)), (-7, 2)])
def test_i64_overflow_is_detected_exactly(vm, x, y):
    for opcode, ref in ((op.ADD_I64, x + y), (op.SUB_I64, x - y), (op.MUL_I64, x * y)):
        if I64_MIN <= ref <= I64_MAX:
            assert run_binop(vm, opcode, x, y) == ref
        else:
            with pytest.raises(OrusRuntimeError, match="Integer overflow"):
                run_binop(vm, opcode, x, y)


def test_division_by_zero_for_every_type(vm):
    for opcode in (op.DIV_I32, op.MOD_I32, op.DIV_I64, op.MOD_I64, op.DIV_U32, op.MOD_U32,
                   op.DIV_U64, op.MOD_U64):
        with pytest.raises(OrusRuntimeError, match="Division by zero"):
            run_binop(vm, opcode, 5, 0)
    for opcode in (op.DIV_F64, op.MOD_F64):
        machine, _ = _machine(vm, _binop_program(opcode, 0, 0, 1.5, 0.0))
        with pytest.raises(OrusRuntimeError, match="Division by zero"):
            machine.run()


def test_unsigned_wraps_and_divides_unsigned(vm):
    assert run_binop(vm, op.SUB_U32, 0, 1) == 4294967295
    assert run_binop(vm, op.MUL_U32, 65536, 65536) == 0
    assert run_binop(vm, op.MUL_U32, 4294967295, 4294967295) == 1
    assert run_binop(vm, op.SUB_U64, 0, 1) == -1                       # 2^64 - 1 bits
    assert run_binop(vm, op.DIV_U64, -1, 3) == wrap64((2**64 - 1) // 3)
    assert run_binop(vm, op.MOD_U64, -1, 10) == (2**64 - 1) % 10
    assert run_binop(vm, op.LT_U64, 1, -1) == 1
    assert run_binop(vm, op.LT_I, 1, -1) == 0


def _bits(v, width, signed):
    """v as the register holds a value of that integer type."""
    v &= (1 << width) - 1
    if signed and v >= 1 << (width - 1):
        v -= 1 << width
    return wrap64(v)


# opcode: (width, signed, reference on the exact values)
_SHIFTS = {
    op.SHL_I32: (32, True, lambda x, n: x << n), op.SHL_U32: (32, False, lambda x, n: x << n),
    op.SHL_64: (64, True, lambda x, n: x << n), op.SHR_32: (32, True, lambda x, n: x >> n),
    op.SHR_I64: (64, True, lambda x, n: x >> n), op.SHR_U64: (64, False, lambda x, n: x >> n),
}
_SHIFT_VALUES = {(32, True): [0, 1, -1, 7, -7, I32_MAX, I32_MIN, 0x12345678],
                 (32, False): [0, 1, 7, 2**31, 2**32 - 1, 0x89ABCDEF],
                 (64, True): [0, 1, -1, -7, I64_MAX, I64_MIN, 0x123456789ABCDEF],
                 (64, False): [0, 1, 2**63, 2**64 - 1, 0xFEDCBA9876543210]}


@pytest.mark.parametrize("opcode", sorted(_SHIFTS), ids=lambda o: op.NAMES[o])
def test_shifts_drop_bits_and_check_the_count(vm, opcode):
    width, signed, ref = _SHIFTS[opcode]
    values = list(_SHIFT_VALUES[(width, signed)])
    if opcode == op.SHR_32:          # serves u32 too (zero-extended: logical)
        values += _SHIFT_VALUES[(32, False)]
    for x in values:
        reg = wrap64(x)
        for n in (0, 1, 5, 31, 32, 33, 63, 64, -1, I64_MIN, I64_MAX):
            if 0 <= n < width:
                want = _bits(ref(x, n), width, signed if x < 2**31 or width == 64 else False)
                if opcode == op.SHR_32 and x >= 2**31:
                    want = x >> n                    # a u32 value: logical
                assert run_binop(vm, opcode, reg, n) == want, (x, n)
            else:
                with pytest.raises(OrusRuntimeError, match="shift out of range"):
                    run_binop(vm, opcode, reg, n)


def test_and_or_xor_not_keep_the_register_invariant(vm):
    for x, y in ((-6, 11), (I32_MIN, I32_MAX), (2**32 - 1, 0x0F0F0F0F), (-1, I64_MIN)):
        assert run_binop(vm, op.BAND, x, y) == x & y
        assert run_binop(vm, op.BOR, x, y) == x | y
        assert run_binop(vm, op.BXOR, x, y) == x ^ y
    def bnot(opcode, x):
        b = ProgramBuilder("t")
        m = b.declare_function("<main>", 0)
        b.begin_function(m)
        b.emit(op.LOADK, 1, b.const_int(x))
        b.emit(opcode, 0, 1)
        b.emit(op.HALT)
        b.end_function(m, 2)
        machine, _ = _machine(vm, b.finish())
        machine.run()
        return int(machine.regs[0])
    assert bnot(op.BNOT, -6) == 5                       # i32 stays sign-extended
    assert bnot(op.BNOT, I64_MIN) == I64_MAX
    assert bnot(op.BNOT, -1) == 0                       # u64 0xFF..FF
    assert bnot(op.BNOT_U32, 0) == 2**32 - 1            # u32 stays zero-extended
    assert bnot(op.BNOT_U32, 0x0F0F0F0F) == 0xF0F0F0F0


def test_ord_and_chr(vm):
    b = ProgramBuilder("t")
    m = b.declare_function("<main>", 0)
    b.begin_function(m)
    b.emit(op.LOADS, 1, b.const_str(b"\xe9t\xc3"))
    b.emit(op.STR_ORD, 0, 1)
    b.emit(op.LOADI, 2, 200)
    b.emit(op.STR_CHR, 3, 2)
    b.emit(op.STR_ORD, 4, 3)
    b.emit(op.HALT)
    b.end_function(m, 5)
    machine, _ = _machine(vm, b.finish())
    machine.run()
    assert int(machine.regs[0]) == 0xE9
    assert machine.string_bytes(int(machine.regs[3])) == b"\xc8"
    assert int(machine.regs[3]) == int(machine.state[P.S_BYTE0]) + 200    # a permanent string
    assert int(machine.regs[4]) == 200
    for n in (-1, 256, I64_MAX, I64_MIN):
        b = ProgramBuilder("t")
        m = b.declare_function("<main>", 0)
        b.begin_function(m)
        b.emit(op.LOADK, 1, b.const_int(n))
        b.emit(op.STR_CHR, 0, 1)
        b.emit(op.HALT)
        b.end_function(m, 2)
        machine, _ = _machine(vm, b.finish())
        with pytest.raises(OrusRuntimeError, match="chr.. argument out of range"):
            machine.run()
    b = ProgramBuilder("t")
    m = b.declare_function("<main>", 0)
    b.begin_function(m)
    b.emit(op.LOADS, 1, b.const_str(b""))
    b.emit(op.STR_ORD, 0, 1)
    b.emit(op.HALT)
    b.end_function(m, 2)
    machine, _ = _machine(vm, b.finish())
    with pytest.raises(OrusRuntimeError, match="empty string"):
        machine.run()


def test_float_mod_is_c_fmod(vm):
    machine, _ = _machine(vm, _binop_program(op.MOD_F64, 0, 0, -7.5, 2.0))
    machine.run()
    assert buffers.reinterpret(machine.regs, "float64")[0] == -1.5


def _cast(vm, frm, to, value):
    machine, _ = _machine(vm, assemble("""
    fn main regs=2
        %s 1 %r
        CAST 0 1 %d
        HALT
    """ % ("LOADF" if frm == op.T_F64 else "LOADK", value, op.conv_id(frm, to))))
    machine.run()
    if to == op.T_F64:
        return float(buffers.reinterpret(machine.regs, "float64")[0])
    return int(machine.regs[0])


def test_casts_follow_rust_as(vm):
    T = op
    assert _cast(vm, T.T_I32, T.T_U32, -7) == 4294967289
    assert _cast(vm, T.T_I32, T.T_U64, -1) == -1                      # 2^64-1 pattern
    assert _cast(vm, T.T_I64, T.T_I32, 2**32 + 5) == 5
    assert _cast(vm, T.T_I64, T.T_U32, -1) == 4294967295
    assert _cast(vm, T.T_U64, T.T_I32, -1) == -1                      # u64 max -> -1
    assert _cast(vm, T.T_U32, T.T_I32, 4294967295) == -1
    assert _cast(vm, T.T_F64, T.T_I32, -3.9) == -3
    assert _cast(vm, T.T_F64, T.T_I32, 1e20) == I32_MAX
    assert _cast(vm, T.T_F64, T.T_I32, float("nan")) == 0
    assert _cast(vm, T.T_F64, T.T_U32, -0.5) == 0
    assert _cast(vm, T.T_F64, T.T_U64, 1e30) == -1
    assert _cast(vm, T.T_F64, T.T_U64, 1.5e19) == wrap64(15000000000000000000)
    assert _cast(vm, T.T_F64, T.T_I64, -1e30) == I64_MIN
    assert _cast(vm, T.T_U64, T.T_F64, -1) == 18446744073709551615.0
    assert _cast(vm, T.T_I32, T.T_BOOL, -5) == 1
    assert _cast(vm, T.T_F64, T.T_BOOL, 0.0) == 0


def _for_program(start, end, step, flags):
    """Counts iterations and sums the loop variable (u64 add: no overflow trap)."""
    return assemble("""
    fn main regs=8
        LOADI 0 0               ; iterations
        LOADI 1 0               ; sum
        LOADI 7 1
        LOADK 2 %d              ; loop variable, end, step, trip count: r2..r5
        LOADK 3 %d
        LOADK 4 %d
        FORPREP 2 done %d
      body:
        ADD_U64 0 0 7
        ADD_U64 1 1 2
        FORLOOP 2 body
      done:
        HALT
    """ % (start, end, step, flags))


@pytest.mark.parametrize("start,end,step,inclusive", [
    (0, 5, 1, False), (0, 5, 1, True), (5, 2, 1, False), (0, 5, -1, False),
    (10, 0, -4, False), (6, 0, -2, True), (I32_MAX - 2, I32_MAX, 1, True),
    (I64_MAX - 3, I64_MAX, 2, True), (I64_MIN, I64_MIN + 10, 3, False)])
def test_for_loop_trip_counts(vm, start, end, step, inclusive):
    flags = op.FOR_INCLUSIVE if inclusive else 0
    machine, _ = _machine(vm, _for_program(start, end, step, flags))
    machine.run()
    stop = end + (1 if step > 0 else -1) if inclusive else end
    values = list(range(start, stop, step))
    assert int(machine.regs[0]) == len(values)
    assert int(machine.regs[1]) == wrap64(sum(values))


def test_unsigned_countdown_stops_at_zero(vm):
    machine, _ = _machine(vm, _for_program(10, 0, -3, op.FOR_UNSIGNED | op.FOR_INCLUSIVE))
    machine.run()
    assert int(machine.regs[0]) == 4               # 10, 7, 4, 1


def test_zero_step_is_a_runtime_error(vm):
    machine, _ = _machine(vm, _for_program(0, 5, 0, 0))
    with pytest.raises(OrusRuntimeError, match="Range step cannot be zero"):
        machine.run()


def _recursion_program(depth_limit_test=False):
    """f(n) = n == 0 ? 0 : f(n - 1) + 1, called with n from R1."""
    return assemble("""
    fn main regs=2
        LOADK 1 0               ; KI[0]: n, patched by the test through kint
        CALL 1 f @1
        MOVE 0 1
        HALT
    fn f arity=1 regs=4
        LOADI 1 0
        EQ_I 2 0 1
        JMPF 2 recurse
        RET 1
      recurse:
        LOADI 1 1
        SUB_I32 3 0 1
        CALL 3 f @9:5
        ADD_I32 2 3 1
        RET 2
    """)


def test_deep_recursion_grows_registers_and_overflow_is_an_error(vm):
    program = _recursion_program()
    program.kint[0] = 50_000
    machine, _ = _machine(vm, program)
    machine.run()
    assert int(machine.regs[0]) == 50_000
    program.kint[0] = P.MAX_DEPTH + 5
    machine, _ = _machine(vm, program)
    with pytest.raises(OrusRuntimeError, match="stack overflow") as info:
        machine.run()
    assert info.value.line == 9


# Assembled programs for opcodes that the corpus may not execute (rare paths,
# or programs the front end cannot compile yet).  Each runs to HALT or to its
# runtime error; `check(machine, error)` says whether it computed what it should.
RARE_PROGRAMS = {
    "mixed int/float compares and unsigned <=": ("""
    fn main regs=8
        LOADI 1 3
        LOADF 2 2.5
        CMP_IF 0 1 2                ; 3 vs 2.5: +1
        CMP_TEST 3 0 REL_GT
        LOADI 4 -1
        CMP_UF 5 4 2                ; u64 max vs 2.5: +1
        LE_U64 6 1 4                ; 3 <= u64 max
        LOADI 7 0
        JNLE_F 2 2 skip             ; 2.5 <= 2.5 holds: falls through
        LOADI 7 1
      skip:
        HALT
    """, lambda m, error: error is None
        and [int(m.regs[r]) for r in (0, 3, 5, 6, 7)] == [1, 1, 1, 1, 1]),
    "ERROR raises its runtime error": ("""
    fn main regs=1
        ERROR STEP_ZERO -1 @4
        HALT
    """, lambda m, error: error is not None and "Range step cannot be zero" in str(error)
        and error.line == 4),
}


def _run_counting(program, stdin=b""):
    """Run `program` with the counting VM: (machine, executions per pc, its
    runtime error or None)."""
    import io

    import numpy as np

    from orus.jit import get_profiling_vm
    from orus.host.machine import Machine
    counts = np.zeros(len(program.code), dtype=np.int64)
    machine = Machine(program, get_profiling_vm(counts), lambda data: None, io.BytesIO(stdin))
    try:
        machine.run()
    except OrusRuntimeError as exc:
        return machine, counts, exc
    return machine, counts, None


def test_every_opcode_is_executed_by_some_program():
    """Every opcode of the table runs: the corpus (spec and tests/programs,
    everything that compiles) and RARE_PROGRAMS, with the VM counting executed
    instructions per pc (as `orus run --profile` does)."""
    import numpy as np

    import orus
    executed = np.zeros(op.NUM_OPS, dtype=np.int64)
    present = np.zeros(op.NUM_OPS, dtype=np.int64)

    def account(program, counts):
        ops = np.asarray(program.code[:, 0], dtype=np.int64)
        executed[:] += np.bincount(ops, weights=counts, minlength=op.NUM_OPS).astype(np.int64)
        present[:] += np.bincount(ops, minlength=op.NUM_OPS)

    for path in corpus.spec_programs(kind="golden") + corpus.own_programs(kind="golden"):
        if corpus.kind_of(path) == "err" and corpus.parse_err(path)[0] == "compile":
            continue
        try:
            program = orus.compile_source(path.read_bytes(), str(path))
        except Exception:        # not compiled yet: tests/test_corpus.py reports it
            continue
        account(program, _run_counting(program, corpus.read_stdin(path))[1])
    wrong = []
    for name, (listing, check) in RARE_PROGRAMS.items():
        program = assemble(listing)
        machine, counts, error = _run_counting(program)
        account(program, counts)
        if not check(machine, error):
            wrong.append(name)
    assert not wrong, "RARE_PROGRAMS computed something else: %s" % wrong
    never = [info.name for info in op.TABLE if executed[info.number] == 0]
    absent = [name for name in never if present[op.BY_NAME[name].number] == 0]
    assert not never, (
        "opcodes never executed: %s; of these, no program even contains %s -- add a listing "
        "that runs each to RARE_PROGRAMS in tests/test_vm.py" % (never, absent))


def test_every_opcode_is_known_to_the_disassembler():
    from orus.bytecode.disasm import format_instruction
    for info in op.TABLE:
        assert all(k in op.OPERAND_KINDS for k in info.operands)
        b = ProgramBuilder("t")
        m = b.declare_function("<main>", 0)
        b.begin_function(m)
        b.emit(info.number, 0, 0, 0)
        b.emit(op.HALT)
        b.end_function(m, 4)
        assert info.name in format_instruction(b.finish(), 0)


def test_opcode_numbers_are_dense_and_named_constants_match():
    assert [i.number for i in op.TABLE] == list(range(op.NUM_OPS))
    for info in op.TABLE:
        assert getattr(op, info.name) == info.number
    assert len(set(op.NAMES)) == op.NUM_OPS


def test_error_codes_have_messages():
    for code in range(E.NUM_ERRORS):
        kind, text = E.message(code, "x")
        assert kind and text and not text.startswith("unknown")
    assert [c for c in range(E.NUM_ERRORS) if E.is_host(c)] == sorted(
        E.HOST_CODE_OF_KIND.values())


def _gc_program(iterations):
    """Each iteration builds a fresh array of 3 strings (one concatenated), keeps
    only the last one in R1, and appends to a long-lived string in R2 every
    1000 iterations, so almost everything allocated becomes garbage."""
    return assemble("""
    fn main regs=16 handles=1,2,8,9,10
        LOADS 2 "x"                 ; r2: long-lived string
        LOADI 3 0
        LOADK 4 %d
        LOADI 5 1
        FORPREP 3 done 0
      body:
        ARR_NEW 1 2 1               ; r1 = [] (handles)
        LOADS 8 "ab"
        CONCAT 9 8 8                ; "abab"
        ARR_PUSH 1 8
        ARR_PUSH 1 9
        ARR_PUSH 1 9
        TOSTR 10 3 i32              ; text of the counter: garbage
        LOADK 11 1000
        MOD_I32 12 3 11
        LOADI 13 0
        EQ_I 12 12 13
        JMPF 12 next
        CONCAT 2 2 8                ; r2 += "ab" (survives collections)
      next:
        FORLOOP 3 body
      done:
        ARR_LEN 0 1
        STR_LEN 14 2
        HALT
    """ % iterations)


def test_collector_keeps_memory_bounded_and_live_data_intact(vm):
    machine, _ = _machine(vm, _gc_program(300_000))
    machine.run()
    assert int(machine.regs[0]) == 3
    assert int(machine.regs[14]) == 1 + 2 * 300              # "x" + 300 * "ab"
    assert machine.string_bytes(int(machine.regs[2])) == b"x" + b"ab" * 300
    assert int(machine.state[P.S_COLLECTIONS]) >= 3
    # ~12 MB of strings and arrays were allocated; the heap stayed small.
    assert machine.hobj.shape[0] <= 1 << 18
    assert machine.hslots.shape[0] <= 1 << 21
    assert machine.hbytes.shape[0] <= 1 << 23


def test_array_ops_check_every_access(vm):
    def run_ops(body):
        """r1 = [10, 11, 12, 13, 14], then `body`."""
        pushes = "".join("LOADI 2 %d\n ARR_PUSH 1 2\n" % v for v in (10, 11, 12, 13, 14))
        machine, _ = _machine(vm, assemble("fn main regs=8\n ARR_NEW 1 0 0\n%s%s\n HALT"
                                           % (pushes, body)))
        machine.run()
        return machine

    def get(i):
        return "LOADK 3 %d\n ARR_GET 0 1 3" % i
    assert int(run_ops(get(4)).regs[0]) == 14
    with pytest.raises(OrusRuntimeError, match="out of bounds"):
        run_ops(get(5))
    with pytest.raises(OrusRuntimeError, match="non-negative"):
        run_ops(get(-1))

    def slice_(s, e):
        return "LOADK 4 %d\n LOADK 5 %d\n ARR_SLICE 0 1 4" % (s, e)
    m = run_ops(slice_(1, 3))
    assert m.array_slots(int(m.regs[0])) == [11, 12, 13]
    m = run_ops(slice_(0, 5))
    assert m.array_slots(int(m.regs[0])) == [10, 11, 12, 13, 14]
    m = run_ops(slice_(5, 5))
    assert m.array_slots(int(m.regs[0])) == []
    for s, e, msg in ((3, 1, "end before start"), (6, 6, "start out of bounds"),
                      (0, 6, "end out of bounds"), (-1, 2, "start must be")):
        with pytest.raises(OrusRuntimeError, match=msg):
            run_ops(slice_(s, e))

    with pytest.raises(OrusRuntimeError, match="Cannot pop from an empty array"):
        run_ops("ARR_POP 0 1\n" * 6)

    def repeat(n):
        return "LOADK 3 %d\n ARR_REPEAT 0 1 3" % n
    m = run_ops(repeat(3))
    assert m.array_slots(int(m.regs[0])) == [10, 11, 12, 13, 14] * 3
    m = run_ops(repeat(0))
    assert m.array_slots(int(m.regs[0])) == []
    with pytest.raises(OrusRuntimeError, match="repetition"):
        run_ops(repeat(-1))


def test_strings_index_slice_and_concat_share_bytes(vm):
    machine, _ = _machine(vm, assemble("""
    fn main regs=8
        LOADS 1 "hello"
        LOADI 2 1
        STR_GET 3 1 2               ; "e"
        LOADI 4 1
        LOADI 5 3
        STR_SLICE 6 1 4             ; "ell"
        CONCAT 7 6 3                ; "elle"
        CONCAT 7 7 3                ; "ellee" (extends in place)
        STR_LEN 0 7
        HALT
    """))
    machine.run()
    assert machine.string_bytes(int(machine.regs[3])) == b"e"
    assert machine.string_bytes(int(machine.regs[6])) == b"ell"
    assert machine.string_bytes(int(machine.regs[7])) == b"ellee"
    assert int(machine.regs[0]) == 5


def _try_program(catch=True):
    """main: try: f(3) catch e: R0 := 1;  f(n) = n == 0 ? 1 / 0 : f(n - 1)."""
    main = """
    fn main regs=4
        LOADI 0 0
        TRY_BEGIN 1 catch
        LOADI 2 3
        CALL 2 f
        TRY_END
        HALT
      catch:
        LOADI 0 1
        REC_GET 3 1 0               ; the error code
        HALT
    """ if catch else """
    fn main regs=4
        LOADI 0 0
        LOADI 2 3
        CALL 2 f
        HALT
    """
    return assemble(main + """
    fn f arity=1 regs=4
        LOADI 1 0
        EQ_I 2 0 1
        JMPF 2 recurse
        LOADI 3 1
        DIV_I32 3 3 1 @5
        RET 3
      recurse:
        LOADI 3 1
        SUB_I32 3 0 3
        CALL 3 f
        RET 3
    """)


def test_try_unwinds_frames_inside_the_vm(vm):
    machine, _ = _machine(vm, _try_program())
    machine.run()
    assert int(machine.regs[0]) == 1
    assert int(machine.regs[3]) == E.DIV_ZERO
    assert int(machine.state[P.S_DEPTH]) == 0 and int(machine.state[P.S_NHANDLERS]) == 0
    from orus.host.hostcalls import error_message
    assert error_message(machine, int(machine.regs[1])) == b"Division by zero"
    machine, _ = _machine(vm, _try_program(catch=False))
    with pytest.raises(OrusRuntimeError, match="Division by zero") as info:
        machine.run()
    assert info.value.line == 5


def test_jump_table_and_records(vm):
    machine, _ = _machine(vm, assemble("""
    type pair = 20 2 0b10           ; a 2-field record, field 1 a handle
    fn main regs=8
        LOADI 1 7
        LOADS 2 "s"
        REC_NEW 3 1 pair
        LOADI 4 99
        REC_SET 3 0 4
        REC_GET 5 3 0               ; 99
        LOADI 6 1
        JMPTAB 6 2
        JMP case0
        JMP case1
        LOADI 0 30                  ; default
        HALT
      case0:
        LOADI 0 10
        HALT
      case1:
        LOADI 0 20
        HALT
    """))
    machine.run()
    assert int(machine.regs[0]) == 20 and int(machine.regs[5]) == 99


def _branch_taken(vm, loads, opcode, b_operand):
    """Run `loads` (LOADK/LOADF lines into R1, R2), then `opcode 1 B else`;
    1 if it fell through (its relation holds), 2 if it jumped."""
    machine, _ = _machine(vm, assemble("""
    fn main regs=3
        %s
        %s 1 %d else
        LOADI 0 1               ; fall through: the relation holds
        HALT
      else:
        LOADI 0 2
        HALT
    """ % ("\n".join(loads), op.NAMES[opcode], b_operand)))
    machine.run()
    return int(machine.regs[0])


def _int_into(reg, x):
    return "LOADK %d %d" % (reg, x)


def _float_into(reg, x):
    return "LOADF %d %r" % (reg, x)


@pytest.mark.parametrize("opcode,holds", [
    (op.JNLT_I, lambda x, y: x < y), (op.JNLE_I, lambda x, y: x <= y),
    (op.JNEQ_I, lambda x, y: x == y), (op.JNNE_I, lambda x, y: x != y)])
def test_fused_compare_branches(vm, opcode, holds):
    for x, y in ((1, 2), (2, 2), (3, 2), (-5, 7), (I64_MIN, I64_MAX)):
        taken = _branch_taken(vm, [_int_into(1, x), _int_into(2, y)], opcode, 2)
        assert taken == (1 if holds(x, y) else 2), (x, y)


@pytest.mark.parametrize("opcode,holds", [
    (op.JNLTI_I, lambda x, k: x < k), (op.JNLEI_I, lambda x, k: x <= k),
    (op.JNGTI_I, lambda x, k: x > k), (op.JNGEI_I, lambda x, k: x >= k),
    (op.JNEQI_I, lambda x, k: x == k), (op.JNNEI_I, lambda x, k: x != k)])
def test_immediate_compare_branches(vm, opcode, holds):
    for x in (-3, 1, 2, 3):
        assert _branch_taken(vm, [_int_into(1, x)], opcode, 2) == (1 if holds(x, 2) else 2), x


def test_float_fused_branches_treat_nan_as_false(vm):
    for opcode in (op.JNLT_F, op.JNLE_F):
        loads = [_float_into(1, float("nan")), _float_into(2, 1.0)]
        assert _branch_taken(vm, loads, opcode, 2) == 2


@pytest.mark.parametrize("opcode,x,k,ref", [
    (op.ADDI_I32, I32_MAX - 1, 1, I32_MAX), (op.ADDI_I32, I32_MAX, 1, None),
    (op.SUBI_I32, I32_MIN + 1, 1, I32_MIN), (op.SUBI_I32, I32_MIN, 1, None),
    (op.ADDI_I64, I64_MAX - 2, 2, I64_MAX), (op.ADDI_I64, I64_MAX, 1, None),
    (op.SUBI_I64, I64_MIN, 1, None), (op.SUBI_I64, 5, -3, 8)])
def test_immediate_arithmetic(vm, opcode, x, k, ref):
    machine, _ = _machine(vm, assemble("fn main regs=2\n LOADK 1 %d\n %s 0 1 %d\n HALT"
                                       % (x, op.NAMES[opcode], k)))
    if ref is None:
        with pytest.raises(OrusRuntimeError, match="Integer overflow"):
            machine.run()
    else:
        machine.run()
        assert int(machine.regs[0]) == ref


def test_orus_program_allocating_100x_its_live_data_stays_bounded(vm):
    """Each round builds a ~1 KB string and an array of strings, then drops
    them: ~60 MB allocated in all while ~20 KB is live at any time."""
    import orus
    from orus.host.machine import Machine
    program = orus.compile_source(
        "fn round(k: i32) -> i32:\n"
        "    mut s = \"\"\n"
        "    mut parts: [string] = []\n"
        "    for i in 0..100:\n"
        "        s += (i + k) as string\n"
        "        push(parts, s[0..0] + \"x\")\n"
        "    return len(s) + len(parts)\n"
        "mut total = 0\n"
        "for k in 0..6000:\n"
        "    total += round(k) % 7\n"
        "print(total)\n")
    out = []
    machine = Machine(program, vm, out.append)
    machine.run()
    assert b"".join(out).strip().isdigit()
    assert int(machine.state[P.S_COLLECTIONS]) >= 2
    heap_bytes = machine.hbytes.nbytes + machine.hslots.nbytes + machine.hobj.nbytes
    assert heap_bytes < 48 << 20, heap_bytes


def test_bool_arrays_are_bytes_and_behave_like_slot_arrays(vm):
    machine, _ = _machine(vm, assemble("""
    fn main regs=16
        ARR_NEW 1 0 2               ; [] of bool
        LOADI 2 1
        ARR_PUSH 1 2                ; grows in the byte arena
        LOADI 2 0
        ARR_PUSH 1 2
        LOADI 2 1
        ARR_PUSH 1 2
        LOADI 3 1000
        ARR_REPEAT 4 1 3            ; 3000 bools
        LOADI 5 2999
        LOADI 2 0
        ARR_SET 4 5 2               ; last := false
        ARR_GET 6 4 5
        LOADI 5 2997
        ARR_GET 7 4 5               ; true (index 2997 = 3 * 999)
        LOADI 8 1
        LOADI 9 2
        ARR_SLICE 10 1 8            ; [false, true]
        ARR_POP 11 1                ; true
        ARR_LEN 12 4
        HALT
    """))
    machine.run()
    assert int(machine.hobj[int(machine.regs[4]), P.H_KIND]) == P.HK_ARR_B
    assert (int(machine.regs[6]), int(machine.regs[7])) == (0, 1)
    assert machine.array_slots(int(machine.regs[10])) == [0, 1]
    assert int(machine.regs[11]) == 1 and int(machine.regs[12]) == 3000
    assert machine.array_slots(int(machine.regs[1])) == [1, 0]
    gc_before = machine.array_slots(int(machine.regs[4]))
    machine.to_numpy()                          # (calling njit functions directly)
    # a collection keeps live byte arrays intact (mark from registers, then compact)
    from orus.jit.collector import collect, gc_mark
    gc_mark(machine.hobj, machine.hslots, machine.state, machine.regs, machine.frames,
            machine.program.funcs, machine.program.regkinds, machine.gcstack, 0, 0, 0)
    collect(machine.hobj, machine.hbytes, machine.hslots, machine.state, machine.gcstack)
    assert int(machine.state[P.S_COLLECTIONS]) == 1
    assert machine.array_slots(int(machine.regs[4])) == gc_before


def test_array_store_of_an_immediate(vm):
    machine, _ = _machine(vm, assemble("""
    fn main regs=6
        ARR_NEW 1 4 0               ; an i64 array [0, 0]
        LOADI 3 0
        ARR_PUSH 1 3
        ARR_PUSH 1 3
        ARR_NEW 2 4 2               ; a bool (byte) array [false, false]
        LOADI 3 0
        ARR_PUSH 2 3
        ARR_PUSH 2 3
        LOADI 4 1
        ARR_SETI 1 4 -7
        ARR_SETI 2 4 1
        LOADI 4 2
        ARR_SETI 1 4 5 @3           ; out of bounds
        HALT
    """))
    with pytest.raises(OrusRuntimeError, match="out of bounds") as info:
        machine.run()
    assert info.value.line == 3
    assert machine.array_slots(int(machine.regs[1])) == [0, -7]
    assert machine.array_slots(int(machine.regs[2])) == [0, 1]


# ---------------------------------------------------------------- sorted() in the VM
def _sorted_output(decl: str, expr: str) -> str:
    import orus
    res = orus.run_source("%s\nprint(sorted(%s))\n" % (decl, expr))
    assert res.status == 0, res.stderr
    return res.stdout.strip()


@pytest.mark.parametrize("n", [0, 1, 2, 15, 16, 17, 33, 1000, 4099])
def test_sorted_matches_python_for_every_length(n):
    import random
    rng = random.Random(n)
    values = [rng.randint(-2**63, 2**63 - 1) for _ in range(n)]
    decl = "mut xs: [i64] = []\n" + "".join(
        "push(xs, %s)\n" % (v if v > -2**63 else "-9223372036854775807 - 1") for v in values)
    got = _sorted_output(decl, "xs")
    assert got == ", ".join(str(v) for v in sorted(values))


def test_sorted_orders_each_element_type():
    assert _sorted_output("us: [u64] = [18446744073709551615u64, 0u64, 9223372036854775808u64, 5u64]",
                          "us") == "0, 5, 9223372036854775808, 18446744073709551615"
    assert _sorted_output('ss = ["pear", "apple", "", "apples", "Zebra", "app"]', "ss") == \
        ", Zebra, app, apple, apples, pear"
    assert _sorted_output("bs = [true, false, true, false, false]", "bs") == \
        "false, false, false, true, true"
    assert _sorted_output("fs: [f64] = [3.5, -0.0, 1000.5, -1.0, 2.0, -1e-300]", "fs") == \
        "-1, -1e-300, 0, 2, 3.5, 1000.5"
    assert _sorted_output("ws: [u32] = [4294967295u32, 0u32, 7u32]", "ws") == "0, 7, 4294967295"


def test_string_builder_appends_in_place_and_changes_no_other_string(vm):
    """STR_BUILD shares the start's bytes; STR_APPEND / STR_APPINT extend only
    the builder's own object, through every plan (a new region, in place, the
    region doubling at the top of the arena, the top of the arena)."""
    machine, _ = _machine(vm, assemble("""
    fn main regs=8
        LOADS 1 "ab"
        STR_BUILD 2 1               ; r2 = "ab" (shares the constant's bytes)
        STR_APPEND 2 1              ; new region: "abab"
        MOVE 3 2                    ; r3 = a copy of the handle, taken early
        STR_BUILD 4 2               ; r4 starts from r2 ("abab")
        LOADK 5 -9223372036854775808
        STR_APPINT 4 5 i64          ; in r2's region, after its bytes
        LOADI 6 -1
        STR_APPINT 4 6 u64          ; -1 as u64: the region doubles at the top
        STR_APPINT 4 6 u32          ; (u32 values are zero-extended: -1 -> 2^64-1)
        TOSTR 7 6 i32               ; "-1" at the top, no region
        STR_APPEND 7 1              ; extends at the top: "-1ab"
        STR_APPINT 7 6 i32          ; "-1ab-1"
        HALT
    """))
    machine.run()
    text = machine.string_bytes
    assert text(int(machine.regs[1])) == b"ab"
    assert text(int(machine.regs[2])) == b"abab"
    assert int(machine.regs[3]) == int(machine.regs[2])
    assert text(int(machine.regs[4])) == (b"abab-9223372036854775808" + b"18446744073709551615" * 2)
    assert text(int(machine.regs[7])) == b"-1ab-1"


@pytest.mark.parametrize("opcode,a,b", [
    (op.STR_BUILD, 3, 1), (op.STR_APPEND, 1, 2), (op.STR_APPEND, 2, 1), (op.STR_APPINT, 1, 2)])
def test_string_builder_checks_its_handles(vm, opcode, a, b):
    machine, _ = _machine(vm, assemble("""
    fn main regs=4
        LOADK 1 %d                  ; beyond the object table
        LOADS 2 "x"
        STR_BUILD 2 2
        %s %d %d %s @4
        HALT
    """ % (1 << 40, op.NAMES[opcode], a, b, "i64" if opcode == op.STR_APPINT else "")))
    with pytest.raises(OrusRuntimeError) as info:
        machine.run()
    assert info.value.line == 4


def test_string_chain_in_a_loop_makes_one_object_per_iteration(vm):
    import orus
    from orus.host.machine import Machine
    program = orus.compile_source(
        "fn build(n: i32) -> string:\n"
        "    mut s = \"\"\n"
        "    for i in 0..n:\n"
        "        s += (i as string) + \",\"\n"
        "    return s\n"
        "print(len(build(1000)))\n")
    out = []
    machine = Machine(program, vm, out.append)
    machine.run()
    assert b"".join(out) == b"3890\n"
    assert getattr(machine, "collections", 0) == 0
    rows = int(machine.state[P.S_NOBJ]) - int(machine.state[P.S_NPERM])
    assert 1000 <= rows <= 1000 + 16, rows      # the strings, and a few regions


def test_big_output_switches_decoders_mid_run_without_changing_the_text():
    """The first ~100k output records are decoded one by one, the rest with the
    vectorised decoder (numpy): the text must not notice (statements split
    across flushes, strings, floats, bools, templates)."""
    import orus
    from orus.host import machine as runtime
    src = ('for i in 0..40000:\n'
           '    print("row", i, i as f64 / 4.0, i % 3 == 0, "@-@" if i % 2 == 0 else "")\n')
    res = orus.run_source(src)
    assert res.status == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 40000 and 40000 * 6 > runtime.NUMPY_WORTH
    for i in (0, 1, 2, 12345, 39999):
        f = i / 4.0
        ftext = str(int(f)) if f == int(f) else repr(f)
        tail = " @-@" if i % 2 == 0 else " "
        assert lines[i] == "row %d %s %s%s" % (i, ftext, "true" if i % 3 == 0 else "false", tail), i
