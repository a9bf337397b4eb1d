"""The bytecode compiler: code-generation goldens, operand conventions, register
categories, locations, the verifier over the corpus, compile speed (no numba)."""

import glob
import os
import random
import time

import pytest

from orus import opcodes as op
from orus.bytecode import FN_ENTRY, FN_END, FN_NCAP, FN_NREGS
from orus.compiler import compile_program
from orus.verify import verify
from orus import types as T

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "spec", "examples")
CORE = ("lexical", "types", "expressions", "control_flow", "functions", "print", "failing")


def corpus_sources():
    out = []
    for d in CORE:
        for path in sorted(glob.glob(os.path.join(SPEC, d, "*.orus"))):
            err = path[:-5] + ".err"
            if os.path.exists(err) and "phase: compile" in open(err).read():
                continue
            out.append(path)
    return out


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
    ("fn f(a: f64) -> f64:\n    return -a / 2.0\n", "f", ["NEG_F64", "LOADF", "DIV_F64", "RET"]),
    ("fn f(a: u64, b: u64) -> bool:\n    return a < b\n", "f", ["LT_U64", "RET"]),
    ("fn f(a: string, b: string) -> string:\n    return a + b\n", "f", ["CONCAT", "RET"]),
    ("fn f(a: i32, x: f64) -> bool:\n    return a < x\n", "f", ["CAST", "LT_F", "RET"]),
    ("fn f(a: i64, x: f64) -> bool:\n    return a < x\n", "f", ["CMP_IF", "CMP_TEST", "RET"]),
    ("fn f(a: u64, x: f64) -> bool:\n    return a == x\n", "f", ["CMP_UF", "CMP_TEST", "RET"]),
    ("fn f(a: i32) -> i64:\n    return a as i64\n", "f", ["CAST", "RET"]),
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


@pytest.mark.parametrize("path", corpus_sources(), ids=lambda p: os.path.relpath(p, SPEC))
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
            if a in bases or b in bases:
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


def test_compile_speed_5000_lines():
    src = generated_program(5000)
    compile_program(src)                    # warm imports
    t0 = time.perf_counter()
    p = compile_program(src)
    elapsed = time.perf_counter() - t0
    verify(p)
    assert elapsed < 2.0, "5,000 lines took %.2f s to compile" % elapsed
