"""`use math` (issue 15): every MATH1/MATH2 function of the VM against
CPython's math module on many values, edge values included, and the generic
builtins abs/min/max/clamp over every numeric type.

The VM's functions (orus.jit.mathlib) are the njit helpers its loop calls; a
golden program (tests/programs/math/) runs them end to end.  CPython's rules
(Modules/mathmodule.c): ValueError is our "math domain error", OverflowError
our "math range error".  Deliberate differences: floor/ceil/trunc/round
return f64 (CPython: int; round is half away from zero, as C's round), and
hypot/degrees raise the range error where CPython returns inf from finite
arguments (no program gets an infinity from math).
"""

import math
import os
import random
import struct
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import orus
from orus.bytecode import opcodes as O
from orus.bytecode import runtime_errors as E
from orus.jit import mathlib as M

DOMAIN, RANGE = E.MATH_DOMAIN, E.MATH_RANGE
INF, NAN = math.inf, math.nan

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 10.0, 0.1, -0.1, 0.9999999999999999,
         1.0000000000000002, -1.0000000000000002, 1e-300, -1e-300, 5e-324, -5e-324,
         2.2250738585072014e-308, 1e-16, 1e-8, 1.7976931348623157e308, -1.7976931348623157e308,
         1e300, -1e300, 709.78, 709.79, 710.0, -708.0, -745.1, -746.0, 1000.0, -1000.0,
         1023.9, 1024.0, 1025.0, -1074.0, -1075.0, 1e16, 1e22, 4503599627370495.5,
         4503599627370497.0, 0.49999999999999994, 1.5, 2.5, -2.5, 3.5, -3.5, 0.7, -0.7,
         math.pi, -math.pi, math.pi / 2, math.pi / 4, 100.0, 1e6, 1e15, 22.0, 23.0, 178.0,
         INF, -INF, NAN]


def _values():
    rnd = random.Random(15)
    vals = list(EDGES)
    for _ in range(1500):
        vals.append(rnd.uniform(-4.0, 4.0))
        vals.append(rnd.uniform(-800.0, 800.0))
        vals.append(math.copysign(10.0 ** rnd.uniform(-320, 308), rnd.uniform(-1, 1)))
    vals.append(rnd.uniform(-1.0, 1.0))
    return vals


VALUES = _values()
PAIRS = [(x, y) for x in EDGES for y in EDGES]
_rnd = random.Random(16)
PAIRS += [(_rnd.choice(VALUES), _rnd.choice(VALUES)) for _ in range(6000)]
PAIRS += [(_rnd.uniform(-10, 10), _rnd.uniform(-10, 10)) for _ in range(3000)]
PAIRS += [(_rnd.uniform(0, 3), _rnd.uniform(-800, 800)) for _ in range(3000)]


def _round_away(x):
    if not math.isfinite(x):
        return x
    r = float(Decimal(x).to_integral_value(rounding=ROUND_HALF_UP))
    return math.copysign(r, x)


def _to_float(f):
    def g(x):
        if not math.isfinite(x):
            return x
        return math.copysign(float(f(x)), x)
    return g


REFERENCE1 = {name: getattr(math, name, None) for name in O.MATH1_NAMES}
REFERENCE1.update(floor=_to_float(math.floor), ceil=_to_float(math.ceil),
                  trunc=_to_float(math.trunc), round=_round_away)
REFERENCE2 = {name: getattr(math, name) for name in O.MATH2_NAMES}
OVERFLOW_IS_RANGE = {"degrees", "hypot"}     # CPython: inf, here: range error


def _expected(name, fn, args):
    try:
        r = fn(*args)
    except ValueError:
        return None, DOMAIN
    except OverflowError:
        return None, RANGE
    if name in OVERFLOW_IS_RANGE and math.isinf(r) and all(map(math.isfinite, args)):
        return None, RANGE
    return r, -1


def _same(a, b):
    return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)


@pytest.mark.parametrize("name", O.MATH1_NAMES)
def test_math1_matches_cpython(name):
    code = O.MATH1_NAMES.index(name)
    bad = []
    for x in VALUES:
        want, werr = _expected(name, REFERENCE1[name], (x,))
        got, gerr = M.math1(code, x)
        if gerr != werr or (werr < 0 and not _same(got, want)):
            bad.append((x, (want, werr), (got, gerr)))
    assert not bad, bad[:10]


@pytest.mark.parametrize("name", O.MATH2_NAMES)
def test_math2_matches_cpython(name):
    code = O.MATH2_NAMES.index(name)
    bad = []
    for x, y in PAIRS:
        want, werr = _expected(name, REFERENCE2[name], (x, y))
        got, gerr = M.math2(code, x, y)
        if gerr != werr or (werr < 0 and not _same(got, want)):
            bad.append(((x, y), (want, werr), (got, gerr)))
    assert not bad, bad[:10]


def test_errors_of_the_brief():
    assert M.math1(O.M_SQRT, -1.0)[1] == DOMAIN
    assert M.math1(O.M_LOG, 0.0)[1] == DOMAIN
    assert M.math1(O.M_ACOS, 2.0)[1] == DOMAIN
    assert M.math1(O.M_EXP, 1000.0)[1] == RANGE
    assert M.math1(O.M_EXP, -1000.0) == (0.0, -1)      # underflow is no error
    assert M.math2(O.M_POW, 0.0, -1.0)[1] == DOMAIN
    assert M.math2(O.M_POW, 10.0, 400.0)[1] == RANGE
    assert M.math2(O.M_POW, -8.0, 1.0 / 3.0)[1] == DOMAIN
    assert M.math2(O.M_FMOD, 1.0, 0.0)[1] == DOMAIN
    assert E.message(DOMAIN)[1] == "math domain error"
    assert E.message(RANGE)[1] == "math range error"


def _fmt(v):
    """CORE §7.1: how print writes an f64."""
    if v == 0.0:
        return "0"
    s = ("%.17g" % v) if abs(v) < 1e-4 else ("%.17f" % v)
    mant, e, exp = s.partition("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant + e + exp


def _run(source):
    result = orus.run_source(source.encode(), filename="<test>")
    assert result.status == 0, result.stderr
    return result.stdout


def test_math_program_against_cpython():
    """End to end: the VM's results as print writes them."""
    names = ["sqrt", "exp", "log", "sin", "atan", "cbrt", "round", "floor"]
    xs = [0.3, 2.5, 7.0, 123.456, 0.001, 1e-7, 31.5]
    lines = ["use math"]
    for n in names:
        for x in xs:
            lines.append("print(math.%s(%r) * 1.0)" % (n, x))
    out = _run("\n".join(lines) + "\n").split()
    want = [_round_away(x) if n == "round" else float(REFERENCE1[n](x))
            for n in names for x in xs]
    assert out == [_fmt(w) for w in want]


def test_caught_errors_and_constants():
    out = _run("""use math
print(math.pi == 3.141592653589793, math.e == 2.718281828459045, math.tau == 6.283185307179586)
for x in [-1.0, 0.0, 1000.0]:
    try:
        if x < 0.0:
            print(math.sqrt(x))
        elif x == 0.0:
            print(math.log(x))
        else:
            print(math.exp(x))
    catch err:
        print(err)
""")
    assert out == "true true true\nError: math domain error\nError: math domain error\nError: math range error\n"


# ---- abs / min / max / clamp -------------------------------------------------------------
LIMITS = {"i32": (-2**31, 2**31 - 1), "i64": (-2**63, 2**63 - 1),
          "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1)}


@pytest.mark.parametrize("ty", ["i32", "i64", "u32", "u64", "f64"])
def test_numeric_builtins(ty):
    rnd = random.Random(ty)
    if ty == "f64":
        vals = [0.0, -0.0, 1.5, -1.5, 1e300, -1e300, 2.5, 7.0]
        lit = lambda v: "(%s)" % repr(v).replace("e+", "e")     # noqa: E731
    else:
        lo, hi = LIMITS[ty]
        vals = [lo, hi, 0, 1, lo + 1, hi - 1] + [rnd.randint(lo, hi) for _ in range(6)]
        if ty != "u64":
            vals.append(-1 if lo < 0 else 3)
        def lit(v):
            if v == lo and lo < 0:          # the minimum has no literal
                return "(%d%s - 1%s)" % (v + 1, ty, ty)
            return "(%d%s)" % (v, ty)
    lines, want = [], []
    for a in vals:
        if not (ty in ("i32", "i64") and a == LIMITS[ty][0]):
            lines.append("print(abs(%s))" % lit(a))
            want.append(abs(a))
        for b in vals[:6]:
            lines.append("print(min(%s, %s), max(%s, %s))" % (lit(a), lit(b), lit(a), lit(b)))
            want.append(min(a, b))
            want.append(max(a, b))
            lines.append("print(clamp(%s, %s, %s))" % (lit(a), lit(min(a, b)), lit(b)))
            want.append(min(max(a, min(a, b)), b))
    out = _run("\n".join(lines) + "\n").split()
    conv = float if ty == "f64" else int
    assert [conv(v) for v in out] == [conv(w) for w in want]


@pytest.mark.parametrize("ty,minimum", [("i32", "-2147483647 - 1"), ("i64", "-9223372036854775807i64 - 1")])
def test_abs_of_minimum_overflows(ty, minimum):
    src = "x: %s = %s\ntry:\n    print(abs(x))\ncatch e:\n    print(e)\nprint(abs(x + 1))\n" % (
        ty, minimum)
    out = _run(src)
    assert out.splitlines()[0] == "Error: " + E.message(E.OVERFLOW)[1]


def test_builtin_types_follow_arguments():
    out = _run("""a: u64 = 18446744073709551615u64
print(typeof(abs(-2)), typeof(min(1, 2i64)), typeof(max(a, 1)), typeof(clamp(1.5, 0, 1)))
print(max(a, 1), min(a, 1), clamp(2.5, 0, 1), abs(-0.0))
""")
    assert out == "i32 i64 u64 f64\n18446744073709551615 1 1 0\n"


# ---- the module: found without ORUSPATH, one instruction per call ---------------------------
def test_use_math_needs_no_oruspath(tmp_path, monkeypatch):
    from orus.frontend import modules
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORUSPATH", raising=False)
    monkeypatch.setattr(modules, "install_dir", lambda: str(tmp_path / "install"))
    found = modules.find(["math"], str(tmp_path / "main.orus"))
    assert found is not None and found.endswith(os.path.join("orus", "std", "math.orus"))
    assert _run("use math\nprint(math.floor(2.5))\n") == "2\n"
    # a program's own math.orus comes first (the standard library is the last root)
    (tmp_path / "math.orus").write_text("pub fn floor(x: f64) -> f64:\n    return 7.0\n")
    assert modules.find(["math"], str(tmp_path / "main.orus")) == "math.orus"


def test_the_std_files_ship_with_the_package():
    root = Path(__file__).resolve().parent.parent
    assert '"orus" = ["std/*.orus"]' in (root / "pyproject.toml").read_text()
    assert (root / "orus" / "std" / "math.orus").is_file()


def test_a_math_call_is_one_instruction():
    from orus.frontend import compile_program
    program = compile_program(b"use math\nx = 2.0\nprint(math.sqrt(x), math.pow(x, 3.0))\n",
                              "<test>")
    entry, end = int(program.funcs[0, 0]), int(program.funcs[0, 1])
    ops = [O.NAMES[int(o)] for o in program.code[entry:end, 0]]
    assert "CALL" not in ops and ops.count("MATH1") == 1 and ops.count("MATH2") == 1


def test_math_errors_at_compile_time():
    for source, fragment in [("use math\nprint(math.nosuch(1.0))\n", "does not export 'nosuch'"),
                             ("use math\nprint(math.sqrt(2))\n", None),
                             ('use math\nprint(math.sqrt("x"))\n', "argument 1 of 'sqrt'"),
                             ("use math\nprint(math.pow(1.0))\n", "expects 2 arguments")]:
        result = orus.run_source(source.encode(), filename="<test>")
        if fragment is None:
            assert result.status == 0 and result.stdout == "1.41421356237309515\n"
        else:
            assert result.status == 65 and fragment in result.stderr, result.stderr


def test_literal_arguments_take_the_expected_type():
    out = _run("x: f64 = max(1, 2)\ny: u64 = clamp(5, 0, 3)\nz: i64 = abs(-7)\n"
               "print(x, typeof(x), y, z, typeof(min(1, 2)), typeof(max(1, 2.5)))\n")
    assert out == "2 f64 3 7 i32 f64\n"


# ---- the instructions: verifier window, an unknown function number -----------------------
def test_math2_window_is_verified_and_unknown_codes_fail_safely():
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from asm import assemble
    from orus.api import verify
    from orus.bytecode.program import BytecodeError
    bad = assemble("""
    fn main regs=3
        LOADF 1 2.0
        MATH2 0 2 0
        HALT
    """)
    with pytest.raises(BytecodeError):
        verify(bad)
    ok = assemble("""
    fn main regs=3
        LOADF 1 2.0
        LOADF 2 10.0
        MATH2 0 1 0
        OUT 0 f64
        OUTEND -1 OUT_F64
        MATH1 0 1 999
        HALT
    """)
    verify(ok)
    from orus.api import run_program
    from orus.errors import OrusRuntimeError
    out = []
    with pytest.raises(OrusRuntimeError, match="math domain error"):
        run_program(ok, out.append)
    assert b"".join(out) == b"1024\n"
