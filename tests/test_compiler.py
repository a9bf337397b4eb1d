"""The bytecode compiler: code-generation goldens, operand conventions, register
categories, locations, the verifier over the corpus, compile speed (no numba)."""

import random

import pytest

from orus.bytecode import opcodes as op
from orus.bytecode.program import FN_ENTRY, FN_END, FN_NCAP, FN_NREGS
from orus.frontend import compile_program
from orus.api import verify
from orus.frontend import types as T

import corpus

CORE = ("lexical", "types", "expressions", "control_flow", "functions", "print", "failing")


def corpus_sources():
    return [str(p) for p in corpus.spec_programs(*CORE)
            if not (corpus.kind_of(p) == "err" and corpus.parse_err(p)[0] == "compile")]


def fn_index(program, name):
    for i in range(len(program.funcs)):
        if program.function_name(i) == name:
            return i
    raise KeyError(name)


def code_of(program, name="main"):
    f = fn_index(program, name)
    lo, hi = program.funcs[f, FN_ENTRY], program.funcs[f, FN_END]
    return [tuple(int(x) for x in row) for row in program.code[lo:hi]]


def ops(program, name="main"):
    return [op.NAMES[row[0]] for row in code_of(program, name)]


def compiled(src):
    p = compile_program(src, "t.orus")
    verify(p)
    return p


# ------------------------------------------------------------------------ goldens
@pytest.mark.parametrize("src, fname, expected", [
    ("fn add(a: i32, b: i32) -> i32:\n    return a + b\n", "add", ["ADD_I32", "RET"]),
    ("fn f(a: i64, b: i64) -> i64:\n    return a * b - a\n", "f", ["MUL_I64", "SUB_I64", "RET"]),
    ("fn f(a: u32) -> u32:\n    return a % 7\n", "f", ["LOADI", "MOD_U32", "RET"]),
    ("fn f(a: f64) -> f64:\n    return -a / 2.0\n", "f", ["NEG_F64", "DIVK_F64", "RET"]),
    ("fn f(a: u64, b: u64) -> bool:\n    return a < b\n", "f", ["LT_U64", "RET"]),
    ("fn f(a: string, b: string) -> string:\n    return a + b\n", "f", ["CONCAT", "RET"]),
    ("fn f(a: i32, x: f64) -> bool:\n    return a < x\n", "f", ["I2F", "LT_F", "RET"]),
    ("fn f(a: i64, x: f64) -> bool:\n    return a < x\n", "f", ["CMP_IF", "CMP_TEST", "RET"]),
    ("fn f(a: u64, x: f64) -> bool:\n    return a == x\n", "f", ["CMP_UF", "CMP_TEST", "RET"]),
    ("fn f(a: i32) -> i64:\n    return a as i64\n", "f", ["RET"]),
    ("fn f(a: u32) -> u64:\n    return a as u64\n", "f", ["RET"]),
    ("fn f(a: bool) -> i64:\n    return a as i64\n", "f", ["RET"]),
    ("fn f(a: i64) -> i32:\n    return a as i32\n", "f", ["CAST", "RET"]),
    ("fn f(a: i32, t: i64) -> i64:\n    return t + (a as i64)\n", "f", ["ADD_I64", "RET"]),
    ("fn f(x: f64) -> f64:\n    return x * 0.5 + 1.0\n", "f", ["MULK_F64", "ADDK_F64", "RET"]),
    ("fn f(x: f64) -> f64:\n    return 2.0 * x - 3\n", "f", ["MULK_F64", "SUBK_F64", "RET"]),
    ("fn f(x: f64) -> f64:\n    return x / 4.0\n", "f", ["DIVK_F64", "RET"]),
    ("fn f(x: f64) -> f64:\n    return x / 0.0\n", "f", ["LOADF", "DIV_F64", "RET"]),
    ("fn f(x: f64) -> f64:\n    return 1.0 - x\n", "f", ["LOADF", "SUB_F64", "RET"]),
    ("fn f(x: f64) -> f64:\n    return 1.0 / x\n", "f", ["LOADF", "DIV_F64", "RET"]),
    ("fn f(a: i32) -> i64:\n    t = a as i64\n    return t\n", "f", ["MOVE", "RET"]),
    ("fn f(a: u32) -> f64:\n    return a as f64\n", "f", ["I2F", "RET"]),
    ("fn f(a: u64) -> f64:\n    return a as f64\n", "f", ["CAST", "RET"]),
    ("fn f(a: f64) -> i64:\n    return a as i64\n", "f", ["CAST", "RET"]),
    ("fn f(a: f64) -> string:\n    return a as string\n", "f", ["TOSTR", "RET"]),
    ("fn f(a: string) -> string:\n    return a as string\n", "f", ["RET"]),
    ("fn f(a: bool) -> bool:\n    return not a\n", "f", ["NOT", "RET"]),
    ("fn f(a: bool, b: bool) -> i32:\n    if a and b:\n        return 1\n    return 0\n", "f",
     ["JMPF", "JMPF", "LOADI", "RET", "LOADI", "RET"]),
    ("fn f(a: bool, b: bool) -> bool:\n    return a or b\n", "f",
     ["MOVE", "JMPT", "MOVE", "RET"]),
    ("fn f(c: bool) -> string:\n    return c ? \"y\" : \"n\"\n", "f",
     ["JMPF", "LOADS", "JMP", "LOADS", "RET"]),
    ("fn f(n: i32) -> i32:\n    mut t = 0\n    for i in 0..n:\n        t += i\n    return t\n",
     "f", ["LOADI", "LOADI", "MOVE", "LOADI", "FORPREP", "ADD_I32", "FORLOOP", "RET"]),
    ("fn f(n: i32):\n    print(n)\n", "f", ["OUT", "OUTEND", "RET0"]),
    ("fn f(n: i32) -> i32:\n    n * 2\n", "f", ["LOADI", "MUL_I32", "RET"]),
    ("fn f() -> f64:\n    return timestamp()\n", "f", ["TIMESTAMP", "RET"]),
    ("fn f(x: i64) -> string:\n    return typeof(x)\n", "f", ["LOADS", "RET"]),
])
def test_function_goldens(src, fname, expected):
    assert ops(compiled(src), fname) == expected


def test_greater_than_swaps_operands():
    p = compiled("fn f(a: i32, b: i32) -> bool:\n    return a > b\n")
    (lt, a, b, c), _ = code_of(p, "f")
    assert op.NAMES[lt] == "LT_I" and (b, c) == (1, 0)


def test_mixed_compare_relation_is_swapped_when_float_is_left():
    p = compiled("fn f(a: i64, x: f64) -> bool:\n    return x < a\n")
    cmp_, test, _ = code_of(p, "f")
    assert cmp_[0] == op.CMP_IF and (cmp_[2], cmp_[3]) == (0, 1)
    assert test[0] == op.CMP_TEST and test[3] == op.REL_GT


def test_for_loop_layout():
    p = compiled("fn f(n: i32) -> i32:\n    mut t = 0\n    for i in 0..n:\n"
                 "        if i == 2:\n            continue\n        t += i\n    return t\n")
    code = code_of(p, "f")
    base = p.funcs[fn_index(p, "f"), FN_ENTRY]
    prep = [r for r in code if r[0] == op.FORPREP][0]
    loop_pc = [i for i, r in enumerate(code) if r[0] == op.FORLOOP][0]
    assert prep[2] == base + loop_pc + 1            # no iterations: skip past FORLOOP
    assert prep[3] == op.FOR_32
    assert code[loop_pc][1] == prep[1]
    jumps = [r for r in code if r[0] == op.JMP]
    assert jumps and jumps[0][1] == base + loop_pc  # `continue` goes to FORLOOP


def test_unsigned_countdown_flags_and_negative_step():
    p = compiled("for i in 5u32..=0u32..-1:\n    print(i)\n")
    code = code_of(p)
    prep = [r for r in code if r[0] == op.FORPREP][0]
    assert prep[3] == op.FOR_INCLUSIVE | op.FOR_UNSIGNED | op.FOR_32
    a = prep[1]
    step = [r for r in code if r[0] == op.LOADI and r[1] == a + 2][0]
    assert step[2] == -1


def test_i64_range_flags():
    p = compiled("s: i64 = 1\nfor i in s..s + 3:\n    print(i)\n")
    prep = [r for r in code_of(p) if r[0] == op.FORPREP][0]
    assert prep[3] == 0


def test_print_template_and_plain():
    p = compiled("print(\"a=@ b=@\", 1, 2)\nprint(1, \"x\")\nprint()\n")
    ends = [r for r in code_of(p) if r[0] == op.OUTEND]
    assert p.string(ends[0][1]) == b"a=@ b=@" and ends[0][2] == 2
    assert ends[1][1:3] == (-1, 2)
    assert ends[2][1:3] == (-1, 0)
    outs = [r for r in code_of(p) if r[0] == op.OUT]
    assert [r[2] for r in outs] == [op.OUT_I32, op.OUT_I32, op.OUT_I32, op.OUT_STR]


def test_print_kinds():
    p = compiled("a: u64 = 1\nb: u32 = 1\nc: i64 = 1\nd = 1.5\ne = true\n"
                 "fn f():\n    pass\nprint(a, b, c, d, e, f)\n")
    outs = [r[2] for r in code_of(p) if r[0] == op.OUT]
    assert outs == [op.OUT_U64, op.OUT_U32, op.OUT_I64, op.OUT_F64, op.OUT_BOOL, op.OUT_FN]


def test_large_constants():
    p = compiled("a = 18446744073709551615u64\nb: u32 = 4294967295\nc = 9000000000\nd = -7\n")
    code = code_of(p)
    loadk = [r for r in code if r[0] == op.LOADK]
    assert [int(p.kint[r[2]]) for r in loadk] == [-1, 4294967295, 9000000000]
    assert (op.LOADI, 3, -7, 0) in code


def test_casts_use_conversion_table():
    p = compiled("fn f(x: f64) -> u32:\n    return x as u32\n")
    cast = code_of(p, "f")[0]
    assert cast[0] == op.CAST and cast[3] == op.conv_id(op.T_F64, op.T_U32)
    p = compiled("fn f(x: bool) -> string:\n    return x as string\n")
    assert code_of(p, "f")[0][3] == op.OUT_BOOL


def test_closure_captures_by_value():
    p = compiled("fn mk(n: i32) -> fn(i32) -> i32:\n    g = fn(v: i32) -> i32:\n"
                 "        return v + n\n    return g\nprint(mk(1)(2))\n")
    g = fn_index(p, "g")
    assert p.funcs[g, FN_NCAP] == 1
    clo = [r for r in code_of(p, "mk") if r[0] == op.CLOSURE][0]
    assert clo[2] == g and clo[3] == 1
    assert ops(p, "g") == ["ADD_I32", "RET"]        # capture read as register 1
    assert code_of(p, "g")[0][3] == 1
    assert "CALLV" in ops(p)


def test_top_level_function_value_is_loadfn():
    p = compiled("fn f(v: i32) -> i32:\n    return v\ng = f\nprint(g(1))\n")
    assert ops(p)[:1] == ["LOADFN"] and "CALLV" in ops(p)


def test_nested_recursive_closure_passes_its_captures():
    p = compiled("fn outer(k: i32) -> i32:\n    fn rec(n: i32) -> i32:\n        if n == 0:\n"
                 "            return k\n        return rec(n - 1)\n    return rec(3)\n"
                 "print(outer(5))\n")
    rec = fn_index(p, "rec")
    call = [r for r in code_of(p, "rec") if r[0] == op.CALL][0]
    assert call[2] == rec
    # the capture (k, register 1 of rec) is copied after the argument
    moves = [r for r in code_of(p, "rec") if r[0] == op.MOVE and r[1] == call[1] + 1]
    assert moves and moves[0][2] == 1
    assert "CALLV" in ops(p, "outer")


def test_globals_from_functions():
    p = compiled("g = 1\nfn f() -> i32:\n    return g\nprint(f())\n")
    assert ops(p, "f")[0] == "GETG"
    p = compiled("print(f())\ng = 1\nfn f() -> i32:\n    return g\n")
    first = code_of(p, "f")[0]
    assert first[0] == op.GETG_CHK and p.string(first[3]) == b"g"
    # the declaration marks the global initialized
    assert "SETG" in ops(p)


def test_function_assigns_global():
    p = compiled("mut hits = 0\nfn rec():\n    hits += 1\nrec()\nprint(hits)\n")
    assert ops(p, "rec") == ["GETG", "LOADI", "ADD_I32", "SETG", "RET0"]


def test_short_circuit_skips_right_operand():
    p = compiled("fn t() -> bool:\n    return true\nx = false\ny = x and t()\nprint(y)\n")
    code = code_of(p)
    j = [i for i, r in enumerate(code) if r[0] == op.JMPF][0]
    call = [i for i, r in enumerate(code) if r[0] == op.CALL][0]
    assert j < call


def test_while_declared_variables_are_zeroed_before_the_loop():
    p = compiled("mut i = 0\nwhile i < 0:\n    s = \"x\"\n    i += 1\nprint(s)\n")
    assert ops(p)[1] == "LOADS"


def test_call_arguments_are_contiguous_and_above_live_registers():
    p = compiled("fn f(a: i32, b: f64, c: string) -> i32:\n    return a\n"
                 "x = 1\ny = 2.5\nz = \"s\"\nprint(f(x, y, z))\n")
    call = [r for r in code_of(p) if r[0] == op.CALL][0]
    a = call[1]
    assert a >= 3
    moves = {r[1]: r[2] for r in code_of(p) if r[0] == op.MOVE}
    assert [moves[a], moves[a + 1], moves[a + 2]] == [0, 1, 2]


# ------------------------------------------------------------------------ locations
def test_instructions_carry_operator_location():
    p = compiled("print(\"before\")\nnum = 10\nden = num - 10\nprint(num / den)\n")
    f = fn_index(p, "main")
    lo = p.funcs[f, FN_ENTRY]
    for pc, row in enumerate(code_of(p)):
        if row[0] == op.DIV_I32:
            assert tuple(p.lines[lo + pc][:2]) == (4, 11)
            break
    else:
        raise AssertionError("no DIV_I32")


def test_call_located_at_the_call():
    p = compiled("fn f(n: i32) -> i32:\n    return n\nx = 1\nprint(x, f(2))\n")
    f = fn_index(p, "main")
    lo = p.funcs[f, FN_ENTRY]
    pcs = [i for i, r in enumerate(code_of(p)) if r[0] == op.CALL]
    assert tuple(p.lines[lo + pcs[0]][:2]) == (4, 10)


# ------------------------------------------------------------------------ whole corpus
# Registers written by each opcode as a given category (A), and read (B, C).
_FLOAT_ABC = {op.ADD_F64, op.SUB_F64, op.MUL_F64, op.DIV_F64, op.MOD_F64}
_INT_ABC = {op.ADD_I32, op.SUB_I32, op.MUL_I32, op.DIV_I32, op.MOD_I32, op.ADD_I64,
            op.SUB_I64, op.MUL_I64, op.DIV_I64, op.MOD_I64, op.ADD_U32, op.SUB_U32,
            op.MUL_U32, op.DIV_U32, op.MOD_U32, op.ADD_U64, op.SUB_U64, op.MUL_U64,
            op.DIV_U64, op.MOD_U64, op.EQ_I, op.NE_I, op.LT_I, op.LE_I, op.LT_U64,
            op.LE_U64}
_FLOAT_CMP = {op.EQ_F, op.NE_F, op.LT_F, op.LE_F}
_STR_ABC = {op.CONCAT}


@pytest.mark.parametrize("path", corpus_sources(), ids=corpus.spec_id)
def test_corpus_verifies_and_keeps_register_categories(path):
    with open(path, "rb") as fh:
        p = compile_program(fh.read(), path)
    verify(p)
    for f in range(len(p.funcs)):
        cats = p.reg_cats[f]
        lo, hi = p.funcs[f, FN_ENTRY], p.funcs[f, FN_END]
        assert len(cats) <= p.funcs[f, FN_NREGS]
        # R[A] of a call holds the first argument and then the result, which may
        # be of another category: the only register allowed to change category.
        bases = {int(r[1]) for r in p.code[lo:hi] if r[0] in (op.CALL, op.CALLV)}
        for row in p.code[lo:hi]:
            o, a, b, c = (int(x) for x in row)
            if a in bases or b in bases or c in bases:
                continue
            if o in _FLOAT_ABC:
                assert (cats[a], cats[b], cats[c]) == ("float",) * 3
            elif o in _INT_ABC:
                assert (cats[a], cats[b], cats[c]) == ("int",) * 3
            elif o in _FLOAT_CMP:
                assert (cats[a], cats[b], cats[c]) == ("int", "float", "float")
            elif o in _STR_ABC:
                assert (cats[a], cats[b], cats[c]) == ("handle",) * 3
            elif o == op.LOADF:
                assert cats[a] == "float"
            elif o == op.LOADS:
                assert cats[a] == "handle"
            elif o == op.MOVE:
                assert cats[a] == cats[b]


# ------------------------------------------------------------------------ speed
def generated_program(lines):
    rnd = random.Random(7)
    out = ["mut total: i64 = 0"]
    i = 0
    while len(out) < lines:
        i += 1
        k = rnd.randrange(4)
        if k == 0:
            out += ["fn f%d(a: i32, b: i32) -> i32:" % i, "    mut acc = a * %d + b" % (i % 97),
                    "    for j in 0..b:", "        if j %% 3 == 0 and acc > %d:" % i,
                    "            acc -= j", "        else:", "            acc = acc + 1",
                    "    return acc", "total += f%d(%d, %d) as i64" % (i, i % 13, i % 7)]
        elif k == 1:
            out += ["x%d = %d * 3 + %d" % (i, i, i % 11), "y%d: f64 = %d.5 * 2.0" % (i, i),
                    "print(\"row @: @ @\", %d, x%d, y%d)" % (i, i, i)]
        elif k == 2:
            out += ["mut w%d = 0" % i, "while w%d < %d:" % (i, i % 9), "    w%d += 1" % i,
                    "    total = total + (w%d as i64)" % i]
        else:
            out += ["fn g%d(v):" % i, "    return v + v",
                    "print(g%d(%d), g%d(%d.25), typeof(g%d(1)))" % (i, i, i, i, i)]
    return "\n".join(out) + "\nprint(total)\n"


def test_compiles_5000_lines():
    # (the speed: benchmarks/test_front_end_speed.py; no time limit in a unit test)
    verify(compile_program(generated_program(5000)))


# ------------------------------------------------------------------------ data (issue 5)
from orus.bytecode import hostcall_table as hc                                    # noqa: E402
from orus.bytecode.program import FN_KINDS, TY_A, TY_ANY, TY_ARRAY, TY_KIND, TY_RANGE  # noqa: E402

DATA = ("strings", "arrays", "builtins", "structs", "enums", "match", "errors_handling")


def data_sources():
    return [str(p) for p in corpus.spec_programs(*DATA)]


def rows(program, name, opname):
    return [r for r in code_of(program, name) if r[0] == getattr(op, opname)]


def handle_regs(program, name="main"):
    f = fn_index(program, name)
    k0, n = program.funcs[f, FN_KINDS], program.funcs[f, FN_NREGS]
    return [bool(x) for x in program.regkinds[k0:k0 + n]]


def type_of(program, tid):
    kind, a = int(program.types[tid, TY_KIND]), int(program.types[tid, TY_A])
    if kind == TY_ARRAY:
        return [type_of(program, a)]
    return kind


@pytest.mark.parametrize("src, fname, expected", [
    ("fn f(a: [i32], i: i32) -> i32:\n    return a[i]\n", "f", ["ARR_GET", "RET"]),
    # a u64 index >= 2^63 is out of bounds, not negative: saturated to i64's maximum
    ("fn f(a: [i32], i: u64) -> i32:\n    return a[i]\n", "f",
     ["MOVE", "JNLTI_I", "LOADK", "ARR_GET", "RET"]),
    ("fn f(s: string, i: i64) -> string:\n    return s[i]\n", "f", ["STR_GET", "RET"]),
    ("fn f(a: [i32], i: i32, v: i32):\n    a[i] = v\n", "f", ["ARR_SET", "RET0"]),
    ("fn f(a: [i32], i: i32):\n    a[i] += 2\n", "f", ["ARR_GET", "LOADI", "ADD_I32", "ARR_SET", "RET0"]),
    ("fn f(a: [string]):\n    a[0] += \"!\"\n", "f",
     ["LOADI", "ARR_GET", "LOADS", "CONCAT", "ARR_SET", "RET0"]),
    ("fn f(a: [i32]) -> i32:\n    return len(a)\n", "f", ["ARR_LEN", "RET"]),
    ("fn f(s: string) -> i32:\n    return len(s)\n", "f", ["STR_LEN", "RET"]),
    ("fn f(a: [f64], v: f64) -> void:\n    push(a, v)\n", "f", ["ARR_PUSH", "RET0"]),
    ("fn f(a: [f64], v: f64):\n    push(a, v)\n", "f", ["ARR_PUSH", "MOVE", "RET"]),
    ("fn f(a: [f64]) -> f64:\n    return pop(a)\n", "f", ["ARR_POP", "RET"]),
    ("fn f(a: [i32], n: i32) -> [i32]:\n    return a * n\n", "f", ["ARR_REPEAT", "RET"]),
    ("fn f(a: [i32], n: u32) -> [i32]:\n    return n * a\n", "f", ["ARR_REPEAT", "RET"]),
    ("fn f(a: [i32]) -> [i32]:\n    return a[1..2]\n", "f",
     ["LOADI", "LOADI", "ARR_SLICE", "RET"]),
    ("fn f(a: [i32]) -> [i32]:\n    return a[..]\n", "f", ["LOADI", "ARR_LEN", "ARR_SLICE", "RET"]),
    ("fn f(s: string) -> string:\n    return s[2..]\n", "f", ["LOADI", "STR_LEN", "STR_SLICE", "RET"]),
    ("fn f() -> [i32]:\n    return [1, 2, 3]\n", "f",
     ["ARR_NEW", "LOADI", "ARR_PUSH", "LOADI", "ARR_PUSH", "LOADI", "ARR_PUSH", "RET"]),
    ("fn f() -> [i32]:\n    return [7; 4]\n", "f",
     ["ARR_NEW", "LOADI", "ARR_PUSH", "LOADI", "ARR_REPEAT", "RET"]),
    ("fn f(a: [i32], b: [i32]) -> bool:\n    return a == b\n", "f",
     ["MOVE", "MOVE", "LOADI", "HOSTCALL", "RET"]),
    ("fn f(a: [i32], b: [i32]) -> bool:\n    return a != b\n", "f",
     ["MOVE", "MOVE", "LOADI", "HOSTCALL", "NOT", "RET"]),
    ("fn f(a: string, b: string) -> bool:\n    return a >= b\n", "f", ["LE_S", "RET"]),
    ("fn f(s: string) -> i32:\n    return int(s)\n", "f", ["HOSTCALL", "RET"]),
    ("fn f(x: i32) -> i32:\n    return int(x)\n", "f", ["MOVE", "RET"]),
    ("fn f(x: i64) -> f64:\n    return float(x)\n", "f", ["I2F", "RET"]),
    ("fn f(s: string) -> f64:\n    return float(s)\n", "f", ["HOSTCALL", "RET"]),
    ("fn f() -> string:\n    return input()\n", "f", ["HOSTCALL", "RET"]),
    ("fn f(a: [u64]) -> [u64]:\n    return sorted(a)\n", "f", ["ARR_SORT", "RET"]),
    ("fn f(n: i32):\n    r = range(n)\n", "f", ["LOADI", "MOVE", "LOADI", "RANGE_NEW", "RET0"]),
    ("fn f(a: [i32]) -> string:\n    return typeof(a)\n", "f", ["LOADS", "RET"]),
    ("fn f(a: [i32]) -> bool:\n    return istype(a, \"array\")\n", "f", ["LOADI", "RET"]),
    ("fn f(a: [i32], t: string) -> bool:\n    return istype(a, t)\n", "f", ["LOADS", "EQ_S", "RET"]),
    ("fn f(a: [i32]) -> string:\n    return typeof(pop(a))\n", "f", ["ARR_POP", "LOADS", "RET"]),
    ("fn f(a: [i32]):\n    print(a)\n", "f", ["OUTV", "OUTEND", "RET0"]),
])
def test_data_goldens(src, fname, expected):
    assert ops(compiled(src), fname) == expected


def test_hostcall_conventions():
    p = compiled("fn f(s: string, a: i64, b: u64, c: f64, d: u32) -> i32:\n"
                 "    return int(s) + int(a) + int(b) + int(c) + int(d)\n")
    ids = [r[3] for r in rows(p, "f", "HOSTCALL")]
    assert ids == [hc.HC_INT_STR, hc.HC_INT_I64, hc.HC_INT_U64, hc.HC_INT_F64, hc.HC_INT_I64]
    p = compiled("fn f(p: string) -> f64:\n    return float(input(p))\n")
    assert [r[3] for r in rows(p, "f", "HOSTCALL")] == [hc.HC_INPUT_PROMPT, hc.HC_FLOAT_STR]
    for elem, kind in (("i32", hc.SORT_I64), ("bool", hc.SORT_I64), ("u64", hc.SORT_U64),
                       ("f64", hc.SORT_F64), ("string", hc.SORT_STR)):
        p = compiled("fn f(a: [%s]) -> [%s]:\n    return sorted(a)\n" % (elem, elem))
        assert [r[3] for r in rows(p, "f", "ARR_SORT")] == [kind]


def test_assert_eq_and_equality_pass_type_ids():
    p = compiled("a = [[1, 2], [3]]\nb: i64 = 1\nok = assert_eq(\"x\", a, b)\nprint(a == a)\n")
    call = [r for r in code_of(p) if r[0] == op.HOSTCALL and r[3] == hc.HC_ASSERT_EQ][0]
    blk = call[2]
    loads = {r[1]: r[2] for r in code_of(p) if r[0] == op.LOADI}
    assert type_of(p, loads[blk + 3]) == [[op.OUT_I32]]
    assert type_of(p, loads[blk + 4]) == op.OUT_I64
    eq = [r for r in code_of(p) if r[0] == op.HOSTCALL and r[3] == hc.HC_EQUAL][0]
    assert type_of(p, loads[eq[2] + 2]) == [[op.OUT_I32]]


def test_print_compound_values_uses_outv_with_type_ids():
    p = compiled("print([\"a\"], [[1.5]], range(3), 7, \"s\")\nfor v in range(2):\n    print(v)\n")
    outv = rows(p, "main", "OUTV")
    assert [type_of(p, r[2]) for r in outv] == [[op.OUT_STR], [[op.OUT_F64]], TY_RANGE]
    outs = rows(p, "main", "OUT")
    assert [r[2] for r in outs] == [op.OUT_I32, op.OUT_STR, op.OUT_I64]   # any prints as i64
    p = compiled("mut ys = []\nfor v in range(2):\n    push(ys, v)\nprint(ys)\n")
    assert type_of(p, rows(p, "main", "OUTV")[0][2]) == [TY_ANY]


def test_never_fixed_empty_array_prints_as_i32():
    p = compiled("print([])\nx = []\nprint(x == x)\n")
    assert type_of(p, rows(p, "main", "OUTV")[0][2]) == [op.OUT_I32]


def test_arr_new_flags_handle_elements():
    p = compiled("a = [1, 2, 3]\nb = [\"x\", \"y\", \"z\"]\nc = [[1], [2], [3]]\nmut d = []\n"
                 "push(d, \"s\")\nfn g(x: i32) -> i32:\n    return x\ne = [g, g, g]\n")
    news = rows(p, "main", "ARR_NEW")
    assert [(r[2], r[3]) for r in news][:3] == [(3, 0), (3, 1), (3, 1)]
    # the inner [1], [2], [3] hold integers; `mut d = []` became [string]
    assert [r[3] for r in news] == [0, 1, 1, 0, 0, 0, 1, 1]


def test_index_errors_are_located_at_the_index():
    p = compiled("scores = [90, 85, 77]\nprint(\"x\",\n      scores[\n        3])\n")
    f = fn_index(p, "main")
    lo = p.funcs[f, FN_ENTRY]
    pc = [i for i, r in enumerate(code_of(p)) if r[0] == op.ARR_GET][0]
    assert tuple(p.lines[lo + pc][:2]) == (4, 9)


def test_for_in_array_rereads_the_length_every_step():
    p = compiled("fn f(xs: [i32]) -> i32:\n    mut t = 0\n    for x in xs:\n"
                 "        if x == 2:\n            continue\n        t += x\n    return t\n")
    code = code_of(p, "f")
    base = p.funcs[fn_index(p, "f"), FN_ENTRY]
    names = [op.NAMES[r[0]] for r in code]
    top = names.index("ARR_LEN")
    assert names[top:top + 4] == ["ARR_LEN", "LT_I", "JMPF", "ARR_GET"]
    back = [r for r in code if r[0] == op.JMP and r[1] == base + top]
    assert back, "the loop jumps back to ARR_LEN"
    inc = names.index("ADD_I64")
    cont = [r for r in code if r[0] == op.JMP and r[1] == base + inc]
    assert cont, "`continue` goes to the increment"
    exit_jump = code[top + 2]
    assert exit_jump[2] == base + names.index("RET")        # the loop exits past the back jump


def test_for_in_string_and_integer_and_range():
    p = compiled("fn f(s: string):\n    for c in s:\n        print(c)\n")
    assert ["STR_LEN", "LT_I", "JMPF", "STR_GET"] == [n for n in ops(p, "f")
                                                     if n in ("STR_LEN", "LT_I", "JMPF", "STR_GET")]
    p = compiled("fn f(n: i32):\n    for x in n:\n        print(x)\n")
    names = ops(p, "f")
    assert names[:5] == ["LOADI", "MOVE", "ITER_INT", "LOADI", "FORPREP"]
    prep = rows(p, "f", "FORPREP")[0]
    assert prep[3] == 0                                      # i64, exclusive
    p = compiled("fn f(n: i32) -> i32:\n    mut t = 0\n    for v in range(n):\n"
                 "        if v == 3:\n            break\n        k: i64 = v\n"
                 "        t += k as i32\n    return t\n")
    code = code_of(p, "f")
    base = p.funcs[fn_index(p, "f"), FN_ENTRY]
    nxt_pc = [i for i, r in enumerate(code) if r[0] == op.RANGE_NEXT][0]
    exit_pc = code[nxt_pc][3] - base
    assert op.NAMES[code[exit_pc][0]] == "MOVE" or op.NAMES[code[exit_pc][0]] == "RET"
    assert code[exit_pc - 1] == (op.JMP, base + nxt_pc, 0, 0)


def test_function_ending_in_a_range_loop_returns():
    p = compiled("fn f(n: i32):\n    for v in range(n):\n        print(v)\n")
    assert ops(p, "f")[-1] == "RET0"
    verify(p)


def test_array_literal_assigned_to_its_own_variable_reads_the_old_value():
    p = compiled("mut xs = [1, 2, 3]\nxs = [xs[2], xs[0], 5]\n")
    code = code_of(p)
    news = [i for i, r in enumerate(code) if r[0] == op.ARR_NEW]
    assert code[news[1]][1] != 0          # built in a temporary, then moved into xs
    assert code[-2] == (op.MOVE, 0, code[news[1]][1], 0)


def test_handle_registers_are_flagged_for_the_collector():
    p = compiled("fn f(a: [string], n: i32) -> string:\n    s = a[n]\n    k = n + 1\n"
                 "    r = range(k)\n    for c in s:\n        print(c)\n    return s\n")
    kinds = handle_regs(p, "f")
    cats = p.reg_cats[fn_index(p, "f")]
    assert kinds[0] and not kinds[1]
    for i, c in enumerate(cats):
        if c == "handle":
            assert kinds[i]
    # every register an allocating/handle-producing instruction writes is flagged
    for r in code_of(p, "f"):
        if r[0] in (op.ARR_GET, op.STR_GET, op.RANGE_NEW, op.ARR_NEW, op.LOADS):
            assert kinds[r[1]], op.NAMES[r[0]]


# Registers each data opcode reads/writes, by category: A, B, C (None: not a register
# or not checked).  RANGE_NEXT's A is an i64, ARR_GET/ARR_POP's A the element.
_DATA_CATS = {
    op.ARR_NEW: ("handle", None, None), op.ARR_PUSH: ("handle", None, None),
    op.ARR_GET: (None, "handle", "int"), op.ARR_SET: ("handle", "int", None),
    op.ARR_LEN: ("int", "handle", None), op.ARR_POP: (None, "handle", None),
    op.ARR_SLICE: ("handle", "handle", "int"), op.ARR_REPEAT: ("handle", "handle", "int"),
    op.STR_LEN: ("int", "handle", None), op.STR_GET: ("handle", "handle", "int"),
    op.STR_SLICE: ("handle", "handle", "int"), op.ITER_INT: ("int", None, None),
    op.RANGE_NEW: ("handle", "int", None), op.RANGE_NEXT: ("int", "handle", None),
    op.OUTV: ("handle", None, None),
}


@pytest.mark.parametrize("path", data_sources(), ids=corpus.spec_id)
def test_data_corpus_verifies_and_keeps_register_categories(path):
    test_corpus_verifies_and_keeps_register_categories(path)
    with open(path, "rb") as fh:
        p = compile_program(fh.read(), path)
    for f in range(len(p.funcs)):
        cats = p.reg_cats[f]
        k0 = p.funcs[f, FN_KINDS]
        lo, hi = p.funcs[f, FN_ENTRY], p.funcs[f, FN_END]
        bases = {int(r[1]) for r in p.code[lo:hi] if r[0] in (op.CALL, op.CALLV)}
        for row in p.code[lo:hi]:
            o = int(row[0])
            want = _DATA_CATS.get(o)
            if want is None:
                continue
            for reg, cat in zip(row[1:], want):
                if cat is not None and int(reg) not in bases:
                    assert cats[int(reg)] == cat, (op.NAMES[o], int(reg))
                if cat == "handle":
                    assert p.regkinds[k0 + int(reg)] == 1


def data_program(lines):
    rnd = random.Random(3)
    out = []
    i = 0
    while len(out) < lines:
        i += 1
        k = rnd.randrange(3)
        if k == 0:
            out += ["fn h%d(xs: [i32], s: string) -> i32:" % i, "    mut t = 0",
                    "    for x in xs:", "        t += x * len(s)", "    for c in s[1..]:",
                    "        if c == \"a\":", "            t -= 1",
                    "    return t + len(sorted(xs))",
                    "a%d = [%d, 2, 3, 4,]" % (i, i), "print(h%d(a%d * 2, \"banana\"))" % (i, i)]
        elif k == 1:
            out += ["mut b%d: [string] = []" % i, "for v in range(%d):" % (i % 7),
                    "    k: i64 = v", "    push(b%d, (k as string) + \"!\")" % i,
                    "print(b%d, len(b%d) == %d)" % (i, i, i % 7)]
        else:
            out += ["g%d = [[1, 2, 3], [4, 5, 6]]" % i, "g%d[1][2] += %d" % (i, i),
                    "print(g%d == [[1, 2, 3], [4, 5, 6 + %d]], typeof(g%d[0]))" % (i, i, i)]
    return "\n".join(out) + "\n"


def test_compiles_5000_data_lines():
    verify(compile_program(data_program(5000)))


def test_while_declared_arrays_and_ranges_start_empty():
    p = compiled("mut i = 0\nwhile i < 0:\n    row = [\"a\"]\n    r = range(3)\n    i += 1\n"
                 "print(row, r)\n")
    names = ops(p)
    assert names[1:3] == ["ARR_NEW", "LOADI"] and "RANGE_NEW" in names[:8]
    assert code_of(p)[1][2:] == (0, 1)              # no elements; string elements are handles


# ------------------------------------------------------------------------ records (issue 6)
from orus.bytecode.program import TY_B, TY_C, TY_DYN, TY_ERROR, TY_FIELD, TY_STRUCT, TY_VARIANT  # noqa: E402

STRUCT_P = "struct P:\n    x: i32\n    s: string = \"d\"\n"
ENUM_E = "enum E:\n    A\n    B(n: i32, s: string)\n    C\n"


def type_row(program, tid):
    return tuple(int(v) for v in program.types[tid])


def test_struct_literal_is_one_rec_new_with_a_struct_row_and_field_rows():
    p = compiled(STRUCT_P + "q = P{ x: 1 }\nprint(q)\n")
    rec = rows(p, "main", "REC_NEW")[0]
    kind, n, mask, name = type_row(p, rec[3])
    assert (kind, n, mask) == (TY_STRUCT, 2, 0b10)          # field 1 (s) holds a handle
    assert p.string(name) == b"P"
    assert type_row(p, rec[3] + 1)[0] == TY_FIELD and type_row(p, rec[3] + 2)[0] == TY_FIELD
    assert p.string(type_row(p, rec[3] + 2)[TY_C]) == b"s"
    assert ops(p)[:3] == ["LOADI", "LOADS", "REC_NEW"]     # the default fills field 1


def test_fields_are_indexed_loads_and_stores():
    p = compiled(STRUCT_P + "q = P{ x: 1, s: \"a\" }\nq.x += 2\nq.s = \"b\"\nprint(q.x)\n")
    names = ops(p)
    i = names.index("REC_GET")
    assert names[i:i + 3] == ["REC_GET", "ADDI_I32", "REC_SET"] or \
        names[i:i + 4] == ["REC_GET", "LOADI", "ADD_I32", "REC_SET"]
    sets = rows(p, "main", "REC_SET")
    assert [r[2] for r in sets] == [0, 1]
    assert rows(p, "main", "REC_GET")[-1][3] == 0


def test_enum_values_are_records_with_the_tag_in_field_zero():
    p = compiled(ENUM_E + "v = E.B(3, \"x\")\nw = E.C\nprint(v, w)\n")
    recs = rows(p, "main", "REC_NEW")
    kind, n, mask, _ = type_row(p, recs[0][3])
    assert (kind, n, mask) == (TY_VARIANT, 3, 0b100)
    assert type_row(p, recs[1][3])[:2] == (TY_VARIANT, 1)
    code = code_of(p)
    assert code[0] == (op.LOADI, recs[0][2], 1, 0)           # tag of B
    assert ("LOADI", 2) in [(op.NAMES[r[0]], r[2]) for r in code]   # tag of C


@pytest.mark.parametrize("arms, table", [
    ("    E.A -> print(1)\n    E.B(n, _) -> print(n)\n    E.C -> print(3)\n", True),
    ("    E.B(n, s) -> print(n, s)\n    _ -> print(0)\n", False),
])
def test_enum_match_dispatches_on_the_tag(arms, table):
    p = compiled(ENUM_E + "v = E.B(3, \"x\")\nmatch v:\n" + arms)
    names = ops(p)
    assert "HOSTCALL" not in names                  # never generic equality on enums
    if table:
        i = names.index("JMPTAB")
        assert names[i + 1:i + 5] == ["JMP"] * 4     # 3 variants + out of range
    else:
        assert "JNEQI_I" in names and "JMPTAB" not in names
    binds = [r for r in code_of(p) if r[0] == op.REC_GET and r[3] in (1, 2)]
    assert binds                                     # payloads are read by index


def test_value_match_evaluates_the_subject_once():
    p = compiled("fn f() -> i32:\n    return 2\nx = match f():\n    1 -> \"a\"\n"
                 "    2 -> \"b\"\n    _ -> \"c\"\nprint(x)\n")
    assert ops(p).count("CALL") == 1


def test_try_pushes_and_pops_a_handler_on_every_exit():
    src = ("fn f(xs: [i32]) -> i32:\n"
           "    for x in xs:\n"
           "        try:\n"
           "            if x == 0:\n"
           "                break\n"
           "            if x == 1:\n"
           "                continue\n"
           "            try:\n"
           "                return 10 / x\n"
           "            catch:\n"
           "                pass\n"
           "        catch e:\n"
           "            print(e)\n"
           "    return -1\n"
           "print(f([2]))\n")
    p = compiled(src)
    code = code_of(p, "f")
    names = [op.NAMES[r[0]] for r in code]
    assert names.count("TRY_BEGIN") == 2
    ret = names.index("RET")
    assert names[ret - 2:ret] == ["TRY_END", "TRY_END"]      # return leaves both
    for i, r in enumerate(code):                               # break/continue leave one
        if r[0] == op.JMP and names[i - 1] == "TRY_END" and names[i - 2] != "TRY_END":
            break
    else:
        raise AssertionError("no TRY_END before a loop jump")
    begin = next(r for r in code if r[0] == op.TRY_BEGIN)
    lo = p.funcs[fn_index(p, "f"), FN_ENTRY]
    assert lo <= begin[2] < p.funcs[fn_index(p, "f"), FN_END]


def test_error_objects():
    p = compiled("try:\n    x = [1][3]\ncatch e:\n    print(e, e as string, typeof(e), e == e)\n")
    code = code_of(p)
    begin = next(r for r in code if r[0] == op.TRY_BEGIN)
    err = begin[1]
    assert any(r[0] == op.REC_GET and r[2] == err and r[3] == 1 for r in code)   # as string
    assert any(r[0] == op.HOSTCALL and r[3] == hc.HC_TYPEOF for r in code)
    assert any(r[0] == op.EQ_I for r in code)                  # errors: identity
    outv = next(r for r in code if r[0] == op.OUTV)
    assert type_row(p, outv[2])[0] == TY_ERROR
    assert p.regkinds[p.funcs[0, FN_KINDS] + err] == 1


def test_struct_and_enum_equality_is_deep_by_the_host():
    p = compiled(STRUCT_P + ENUM_E + "a = P{ x: 1 }\nb = E.B(1, \"s\")\n"
                 "print(a == P{ x: 1 }, b != E.B(2, \"s\"))\n")
    calls = [r for r in code_of(p) if r[0] == op.HOSTCALL]
    assert [r[3] for r in calls] == [hc.HC_EQUAL, hc.HC_EQUAL]


def test_any_payloads_are_boxed_and_checked_when_used():
    p = compiled("r = Result.Ok(5)\nmatch r:\n    Result.Ok(v) ->\n        n: i32 = v\n"
                 "        print(n + 1)\n    Result.Err(m) -> print(m)\n")
    code = code_of(p)
    boxes = [r for r in code if r[0] == op.REC_NEW and type_row(p, r[3])[0] == TY_DYN]
    assert len(boxes) == 1 and type_row(p, boxes[0][3])[TY_B] == 0   # an i32 is no handle
    assert any(r[0] == op.JNNEI_I for r in code)                       # the unbox check
    assert any(r[0] == op.HOSTCALL and r[3] == hc.HC_UNBOX for r in code)


def test_methods_are_functions_and_self_is_the_first_argument():
    src = (STRUCT_P + "impl P:\n    fn make(x: i32) -> P:\n        return P{ x: x }\n"
           "    fn get(self) -> i32:\n        return self.x\n"
           "    fn twice(self) -> i32:\n        return self.get() + P.make(1).get()\n"
           "print(P.make(4).twice())\n")
    p = compiled(src)
    fn_index(p, "P.make"), fn_index(p, "P.get"), fn_index(p, "P.twice")
    assert ops(p, "P.twice").count("CALL") == 3


def test_wide_structs_scan_every_field_beyond_31():
    fields = "".join("    f%d: string\n" % i for i in range(40))
    init = ", ".join("f%d: \"v\"" % i for i in range(40))
    p = compiled("struct W:\n" + fields + "w = W{ " + init + " }\nprint(w.f39)\n")
    rec = rows(p, "main", "REC_NEW")[0]
    mask = type_row(p, rec[3])[TY_B]
    assert mask & 0xFFFFFFFF == 0xFFFFFFFF          # bit 31: fields 31.. are scanned


def test_record_registers_are_gc_roots():
    p = compiled(STRUCT_P + ENUM_E + "fn f(q: P) -> E:\n    v = E.B(q.x, q.s)\n    return v\n"
                 "print(f(P{ x: 2 }))\n")
    k0 = p.funcs[fn_index(p, "f"), FN_KINDS]
    for r in code_of(p, "f"):
        if r[0] in (op.REC_NEW,):
            assert p.regkinds[k0 + r[1]] == 1


def test_equality_with_a_unit_variant_compares_tags_inline():
    p = compiled(ENUM_E + "v = E.B(1, \"s\")\nprint(v == E.A, E.C != v, v == E.B(1, \"s\"), "
                 "E.A == E.A)\n")
    calls = [r for r in code_of(p) if r[0] == op.HOSTCALL]
    assert len(calls) == 1                      # only the comparison of payloads
    assert ops(p).count("EQ_I") == 1 and ops(p).count("NE_I") == 1
    q = compiled("enum D:\n    N\n    S\na = D.N\nb = D.S\nprint(a == b)\n")
    assert "HOSTCALL" not in ops(q)             # no payloads anywhere: tags decide


# ------------------------------------------------------------------ string chains
@pytest.mark.parametrize("body, expected", [
    # two plain strings: one CONCAT, as before
    ("return a + b", ["CONCAT", "RET"]),
    # three leaves: CONCAT of the first two into a fresh temporary, then appends
    ("return a + b + a", ["CONCAT", "STR_APPEND", "RET"]),
    ("return a + (b + (a + b))", ["CONCAT", "STR_APPEND", "STR_APPEND", "RET"]),
    # a number's text is appended as digits (no string object for it)
    ("return a + (n as string)", ["STR_BUILD", "STR_APPINT", "RET"]),
    ("return (n as string) + a + (n as string)", ["TOSTR", "STR_APPEND", "STR_APPINT", "RET"]),
    # a float's text is an ordinary leaf
    ("return a + (x as string) + b", ["TOSTR", "CONCAT", "STR_APPEND", "RET"]),
])
def test_string_chains_build_in_place(body, expected):
    src = "fn f(a: string, b: string, n: i64, x: f64) -> string:\n    %s\n" % body
    assert ops(compiled(src), "f") == expected


def test_compound_string_append_is_one_builder_into_a_fresh_register():
    p = compiled("fn f(n: i32) -> string:\n    mut s = \"\"\n    for i in 0..n:\n"
                 "        s += (i as string) + \",\"\n    return s\n")
    code = code_of(p, "f")
    names = [op.NAMES[row[0]] for row in code]
    k = names.index("STR_BUILD")
    assert names[k:k + 5] == ["STR_BUILD", "STR_APPINT", "LOADS", "STR_APPEND", "MOVE"]
    build, appint, _, append, move = code[k:k + 5]
    s_reg = build[2]
    t = build[1]
    assert t != s_reg and appint[1] == t and append[1] == t      # only the temporary grows
    assert move[1:3] == (s_reg, t)
