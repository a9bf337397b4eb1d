"""The type checker: corpus compile errors at the right line, scopes, literal
adaptation, definite assignment, closures, monomorphisation (no numba)."""

import os
import subprocess
import sys

import pytest

from orus.frontend import types as T
from orus.frontend.checker import check
from orus.frontend import compile_program
from orus.errors import CompileError
from orus.frontend.parser import parse

import corpus

CORE = ("lexical", "types", "expressions", "control_flow", "functions", "print")

FAILING = [str(p) for p in corpus.spec_programs("failing")]
POSITIVE = [str(p) for p in corpus.spec_programs(*CORE)]
_id = corpus.spec_id


def checked(src):
    return check(parse(src, "t.orus"), "t.orus")


def error_of(src):
    with pytest.raises(CompileError) as info:
        checked(src)
    return info.value


def global_type(src, name):
    c = checked(src)
    return c.main.scope.names[name].ty


# ------------------------------------------------------------------------ corpus
@pytest.mark.parametrize("path", FAILING, ids=_id)
def test_failing_corpus(path):
    phase, line = corpus.parse_err(path)
    with open(path, "rb") as fh:
        src = fh.read()
    if phase == "compile":
        with pytest.raises(CompileError) as info:
            compile_program(src, path)
        assert info.value.line == line, str(info.value)
        assert info.value.col >= 1
    else:
        compile_program(src, path)      # the VM reports it


@pytest.mark.parametrize("path", POSITIVE, ids=_id)
def test_positive_corpus_compiles(path):
    with open(path, "rb") as fh:
        compile_program(fh.read(), path)


def test_checking_and_compiling_never_import_numba():
    code = ("import sys; from orus.frontend import compile_program; "
            "compile_program('fn f(x: i32) -> i32:\\n    return x\\nprint(f(1))\\n'); "
            "assert 'numba' not in sys.modules, 'numba imported'")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=os.path.join(os.path.dirname(__file__), ".."))


# ------------------------------------------------------------------------ literals
@pytest.mark.parametrize("src, ty", [
    ("x = 5", T.I32),
    ("x = 2147483648", T.I64),
    ("x = -2147483648", T.I64),
    ("x = -2147483647 - 1", T.I32),
    ("x = 0xFFFFFFFF", T.I64),
    ("x = 1.5", T.F64),
    ("x = 1e3", T.F64),
    ("x = 7u64", T.U64),
    ("x = 5f64", T.F64),
    ("x = 2.0i32", T.I32),
    ("x: i64 = 1000 * 1000", T.I64),
    ("x: i64 = -1", T.I64),
    ("x: u64 = 4000000000 * 4", T.U64),
    ("x: f64 = -2", T.F64),
    ("x: u32 = 4000000000", T.U32),
    ("x: f64 = 9000000000", T.F64),
    ("u: u32 = 10\nx = u - 20", T.U32),
    ("w: i64 = 3\nx = 2 * w", T.I64),
    ("r = 1.5\nx = r + 2", T.F64),
    ("r = 1.5\nx = 10 - r", T.F64),
    ("w: i64 = 3\nx = w + (2 - 5)", T.I64),
    ("x = true ? 1 : 2.5", T.F64),
    ("x = typeof(3)", T.STRING),
    ("x = 3 as string", T.STRING),
    ("x = timestamp()", T.F64),
    ("x = 1 < 2.5", T.BOOL),
])
def test_literal_types(src, ty):
    assert global_type(src, "x") is ty


@pytest.mark.parametrize("src, fragment", [
    ("x = 2147483647 + 1", "does not fit i32"),
    ("x: i32 = 100000 * 100000", "does not fit i32"),
    ("x = 2 + 2.5", "mixed literal types"),
    ("x = 5u32 + 1i64", "mixed literal types"),
    ("x: u32 = -1", "does not fit u32"),
    ("x: u32 = 0xFFFFFFFFFF", "does not fit u32"),
    ("u: u32 = 1\nx = u + -1", "does not fit u32"),
    ("n: i32 = 4\nx = n + 2.5", "f64 literal"),
    ("x: bool = 1", "expected bool"),
    ("x: string = 1", "expected string"),
    ("x: i32 = \"s\"", "expected i32, found string"),
    ("x = -5u32", "does not fit u32"),
])
def test_literal_errors(src, fragment):
    assert fragment in error_of(src).message


# ------------------------------------------------------------------------ operators
@pytest.mark.parametrize("src", [
    "a: i32 = 1\nb: i64 = 2\nx = a < b",
    "a: i32 = 1\nx = a == 3.0",
    "a: u32 = 1\nb: u64 = 2\nx = a < b",
    "x = \"a\" < \"b\"",
    "x = true == false",
    "a: i64 = 1\nx = a >= 2.5",
])
def test_comparisons_accepted(src):
    assert global_type(src, "x") is T.BOOL


@pytest.mark.parametrize("src, fragment", [
    ("a: i32 = -1\nb: u32 = 1\nx = a < b", "signed"),
    ("x = true == 1", "cannot compare bool with i32"),
    ("x = true < false", "no order"),
    ("x = \"a\" == 1", "cannot compare string with i32"),
    ("a = 1\nx = a and true", "needs bool"),
    ("x = not 1", "needs a bool"),
    ("b = true\nx = -b", "needs a number"),
    ("u: u32 = 3\nx = -u", "unsigned"),
    ("b = true\nx = b + 1", "bool"),
    ("a: i32 = 1\nb: i64 = 2\nx = a + b", "mismatched types i32 and i64"),
    ("x = \"n=\" + 5", "as string"),
    ("s = \"a\"\nx = s - s", "not defined for strings"),
    ("x = \"42\" as i32", "cannot cast string to i32"),
    ("x = 1 > 2 ? \"a\" : 1", "different types"),
    ("x = 5\ny = x(3)", "cannot call a value of type i32"),
])
def test_operator_errors(src, fragment):
    assert fragment in error_of(src).message


# ------------------------------------------------------------------------ bitwise (core row 43)
@pytest.mark.parametrize("src, ty", [
    ("x = 6 & 3", T.I32),
    ("a: u32 = 1\nx = a | 2", T.U32),
    ("a: i64 = 1\nx = 7 ^ a", T.I64),
    ("a: u64 = 1\nx = a << 3", T.U64),
    ("n: u64 = 1\nx = 1 << n", T.I32),          # the count's type does not matter
    ("n: u64 = 1\nx: i64 = 1 << n", T.I64),     # a literal left operand takes the expected type
    ("a: u32 = 1\nx = ~a", T.U32),
    ("x: u32 = ~0", T.U32),
    ("a: u32 = 1\nx = a & ~1", T.U32),
    ("x = 1u64 << 63", T.U64),
    ("a: i64 = 1\nx = a + (1 << 40)", T.I64),
    ("mut x: i64 = 0\nfor i in range(4):\n    x = (i & 1) | (i << 2)", T.I64),
])
def test_bitwise_types(src, ty):
    assert global_type(src, "x") is ty


@pytest.mark.parametrize("src, fragment", [
    ("a: i32 = 1\nb: i64 = 2\nx = a & b", "mismatched types i32 and i64 for `&`"),
    ("a: u32 = 1\nb: i32 = 2\nx = a | b", "mismatched types u32 and i32"),
    ("x = 1.5 & 1", "`&` needs integer operands"),
    ("f = 1.5\nx = f ^ 1", "`^` needs integer operands, found f64"),
    ("f = 1.5\nx = f ^ f", "`^` needs integer operands, found f64"),
    ("x = true & false", "for logic use `and`"),
    ("b = true\nx = b | b", "for logic use `or`"),
    ("s = \"a\"\nx = s & s", "needs integer operands, found string"),
    ("x = ~2.5", "`~` needs an integer"),
    ("b = true\nx = ~b", "for logic use `not`"),
    ("a: i32 = 1\nx = a << 1.5", "shift count of `<<` must be an integer"),
    ("a: i32 = 1\nf = 2.0\nx = a >> f", "shift count of `>>` must be an integer, found f64"),
    ("f = 2.0\nx = f << 1", "`<<` needs integer operands, found f64"),
    ("x = 2.0 << 1", "`<<` needs an integer"),
    ("a: u32 = 1\nx = a & -1", "does not fit u32"),
    ("a: i32 = 1\nx = a & ~0x80000000", "does not fit i32"),
    ("mut a: u32 = 1\nb: i32 = 2\na &= b", "mismatched types u32 and i32"),
    ("mut a = 1.5\na <<= 1", "`<<` needs integer operands, found f64"),
    ("mut a: i32 = 1\na >>= 0.5", "must be an integer"),
    ("mut xs = [1, 2, 3]\nxs |= 1", "not defined for arrays"),
    ("a = 1\nx = a and 2", "the bitwise operator is `&`"),
    ("x = not 1", "`~` flips the bits"),
    ("x = 5u32 & 1i64", "mixed literal types"),
])
def test_bitwise_errors(src, fragment):
    assert fragment in error_of(src).message


@pytest.mark.parametrize("src, fragment", [
    ("x = ord(5)", "expected string"),
    ("x = chr(\"a\")", "expected i32"),
    ("n: i64 = 65\nx = chr(n)", "expected i32, found i64"),
    ("x = ord()", "expects 1 argument"),
])
def test_ord_chr_errors(src, fragment):
    assert fragment in error_of(src).message


# ------------------------------------------------------------------------ scopes
def test_while_body_is_not_a_scope():
    src = "mut i = 0\nwhile i < 2:\n    mut last = i\n    i += 1\nprint(last)\n"
    checked(src)
    err = error_of("mut v = 0\nmut i = 0\nwhile i < 2:\n    mut v = 1\n    i += 1\n")
    assert "already defined" in err.message and err.line == 4


def test_for_scope_ends_with_loop():
    err = error_of("for i in 0..2:\n    d = i\nprint(d)\n")
    assert "undefined variable 'd'" in err.message and err.line == 3
    checked("for k in 0..2:\n    pass\nfor k in 3..4:\n    pass\n")


def test_branch_declaration_visible_after_if():
    src = "s = 3\nif s > 5:\n    g = 1\nelse:\n    g = 2\nprint(g)\n"
    checked(src.replace("s = 3", "mut s = 3"))


def test_branch_declaration_must_be_assigned_on_every_path():
    err = error_of("mut s = 3\nif s > 5:\n    g = 1\nprint(g)\n")
    assert "g may be used before it is assigned" in err.message and err.line == 4
    err = error_of("mut s = 3\nif s > 5:\n    g = 1\nelif s > 2:\n    g = 2\nprint(g)\n")
    assert err.line == 6
    # a path that leaves (return) does not count
    checked("fn f(n: i32) -> i32:\n    if n > 0:\n        k = 1\n    else:\n"
            "        return 0\n    return k\n")
    # an always-true condition (constant) takes the branch
    checked("base = 5\nif base > 0:\n    t = base\nt = t + 1\n")


def test_explicit_declaration_in_branch_shadows():
    c = checked("x = 1\nif true:\n    mut x = 2\n    x = x + 1\nprint(x)\n")
    assert c.main.scope.names["x"].mutable is False


def test_implicit_declaration_mutability():
    assert "immutable" in error_of("limit = 10\nlimit = 20\n").message
    checked("for i in 0..2:\n    s = i\n    s = s * 2\n")
    checked("fn f() -> i32:\n    n = 1\n    n += 2\n    return n\n")
    checked("mut c = 1\nif c > 0:\n    t = 1\n    t = 2\n")


@pytest.mark.parametrize("src, fragment, line", [
    ("fn f(n: i32):\n    n = 1\n", "parameter 'n'", 2),
    ("for i in 0..3:\n    i = 1\n", "loop variable 'i'", 2),
    ("K := 3\nK = 4\n", "constant 'K'", 2),
    ("mut x = 1\nmut x = 2\n", "already defined", 2),
    ("x: i32 := 1\n", "uppercase", 1),
    ("fn g():\n    pass\nfn g():\n    pass\n", "already defined", 3),
    ("fn g():\n    pass\ng = 1\n", "cannot assign to function", 3),
    ("x = y + 1\n", "undefined variable 'y'", 1),
    ("mut t = 0\nt += \"s\"\n", "", 2),
    ("x: integer = 1\n", "unknown type 'integer'", 1),
    ("x: void = 1\n", "unknown type 'void'", 1),
])
def test_declaration_errors(src, fragment, line):
    err = error_of(src)
    assert fragment in err.message and err.line == line


def test_globals_must_precede_function_definition():
    err = error_of("fn f() -> i32:\n    return later\nlater = 1\nprint(f())\n")
    assert err.line == 2 and "declared after this function" in err.message
    checked("early = 1\nfn f() -> i32:\n    return early\n")


def test_hoisting_and_mutual_recursion():
    checked("print(a(3))\nfn a(n: i32) -> bool:\n    if n == 0:\n        return true\n"
            "    return b(n - 1)\nfn b(n: i32) -> bool:\n    if n == 0:\n        return false\n"
            "    return a(n - 1)\n")


def test_global_access_flags():
    c = checked("mut g = 1\nr = 2\nfn f():\n    g = g + r\nf()\n")
    names = c.main.scope.names
    assert names["g"].fn_read and names["g"].fn_written
    assert names["r"].fn_read and not names["r"].fn_written


# ------------------------------------------------------------------------ loops
@pytest.mark.parametrize("src, fragment, line", [
    ("for i in 0.0..3.0:\n    pass\n", "integer bounds", 1),
    ("for i in 0..10..0:\n    pass\n", "cannot be zero", 1),
    ("a: i64 = 1\nb: i32 = 5\nfor i in a..b:\n    pass\n", "different types", 3),
    ("a: i64 = 1\ns: i32 = 1\nfor i in a..9..s:\n    pass\n", "step must be i64", 3),
    ("break\n", "outside a loop", 1),
    ("fn f():\n    continue\n", "outside a loop", 2),
    ("'a: for i in 0..2:\n    break 'b\n", "unknown loop label", 2),
    ("mut n = 1\nwhile n:\n    n -= 1\n", "condition must be bool", 2),
])
def test_loop_errors(src, fragment, line):
    err = error_of(src)
    assert fragment in err.message and err.line == line


@pytest.mark.parametrize("src, ty", [
    ("for i in 0..3:\n    x = i\n", T.I32),
    ("for i in 9000000000..9000000002:\n    x = i\n", T.I64),
    ("n: u32 = 3\nfor i in 0..n:\n    x = i\n", T.U32),
    ("for i in 5u32..=0u32..-1:\n    x = i\n", T.U32),
    ("t: u64 = 7\nfor i in t..0..-3:\n    x = i\n", T.U64),
])
def test_loop_variable_types(src, ty):
    c = checked(src)
    loop = c.module.body[-1]
    assert loop.sym.ty is ty


# ------------------------------------------------------------------------ functions
def test_return_type_inference_and_implicit_returns():
    c = checked("fn f():\n    return 5\nfn g(x: i32):\n    x + 100\nfn h():\n    print(1)\n"
                "fn s(x: i32) -> string:\n    if x > 0:\n        \"p\"\n    else:\n        \"n\"\n")
    rets = {f.name: f.ret for f in c.funcs[1:]}
    assert rets == {"f": T.I32, "g": T.I32, "h": T.VOID, "s": T.STRING}


def test_recursive_and_literal_return_types():
    c = checked("fn fib(n: i32):\n    if n > 1:\n        return fib(n - 1) + fib(n - 2)\n"
                "    return n\nfn down(n: i32):\n    if n > 0:\n        down(n - 1)\n"
                "fn big(f: bool, b: i64):\n    if f:\n        return 1\n    return b\n"
                "fn lit(f: bool):\n    if f:\n        return 1\n    return 2.5\n"
                "fn odd(n: i32):\n    return n == 0 ? false : even(n - 1)\n"
                "fn even(n: i32):\n    return n == 0 ? true : odd(n - 1)\n"
                "fn m(n: i32):\n    match n:\n        0 -> 1u32\n        _ -> m(n - 1)\n")
    rets = {f.name: f.ret for f in c.funcs[1:]}
    assert rets == {"fib": T.I32, "down": T.VOID, "big": T.I64, "lit": T.F64,
                    "odd": T.BOOL, "even": T.BOOL, "m": T.U32}
    err = error_of("fn f(n: i32):\n    return f(n)\n")
    assert err.line == 2 and "cannot infer the return type of 'f'" in err.message


@pytest.mark.parametrize("src, fragment, line", [
    ("fn f() -> i32:\n    print(1)\n", "missing return", 1),
    ("fn f(n: i32) -> i32:\n    if n > 0:\n        return 1\n", "missing return", 1),
    ("fn f() -> i32:\n    return\n", "missing return value", 2),
    ("fn f():\n    return 1\n    return\n", "", 3),
    ("fn f() -> i32:\n    return \"s\"\n", "expected i32, found string", 2),
    ("fn f(a: i32, b: i32) -> i32:\n    return a\nx = f(1)\n", "expects 2 arguments", 3),
    ("fn f(a: i32) -> i32:\n    return a\nx = f(2.5)\n", "expected i32, found f64", 3),
    ("fn f(a: i64) -> i64:\n    return a\nb: i32 = 1\nx = f(b)\n", "expected i64", 4),
    ("fn v():\n    pass\nx = v()\n", "no value", 3),
    ("fn f(n):\n    return n\ng = f\n", "untyped parameters", 3),
    ("fn f() -> i32:\n    mut c = 0\n    g = fn() -> i32:\n        c = 1\n        return c\n"
     "    return g()\n", "captured", 4),
])
def test_function_errors(src, fragment, line):
    err = error_of(src)
    assert fragment in err.message and err.line == line


def test_while_true_needs_no_final_return():
    checked("fn f() -> i32:\n    mut i = 0\n    while true:\n        i += 1\n"
            "        if i > 3:\n            return i\n")


def test_literal_arguments_and_returns_adapt():
    c = checked("fn h(x: f64) -> f64:\n    return x\nfn w() -> u64:\n    return 3\ny = h(3)\n"
                "z = w() * 6000000000000000000\n")
    assert c.main.scope.names["z"].ty is T.U64


def test_monomorphisation():
    c = checked("fn identity(v):\n    return v\na = identity(7)\nb = identity(\"s\")\n"
                "c = identity(true)\nd = identity(8)\n")
    specs = [f for f in c.funcs if f.name == "identity"]
    assert sorted(str(f.param_types[0]) for f in specs) == ["bool", "i32", "string"]
    names = c.main.scope.names
    assert (names["a"].ty, names["b"].ty, names["c"].ty) == (T.I32, T.STRING, T.BOOL)


def test_generic_function_with_function_argument():
    c = checked("fn inc(v: i32) -> i32:\n    return v + 1\nfn apply(f, v: i32) -> i32:\n"
                "    return f(v)\nx = apply(inc, 4)\n")
    spec = [f for f in c.funcs if f.name == "apply"][0]
    assert spec.param_types == (T.fn_type((T.I32,), T.I32), T.I32)


def test_function_types():
    c = checked("fn twice(v: i32) -> i32:\n    return v * 2\nop: fn(i32) -> i32 = twice\n"
                "fn pick() -> fn(i32) -> i32:\n    return twice\nx = pick()(3)\n")
    assert c.main.scope.names["op"].ty is T.fn_type((T.I32,), T.I32)
    assert c.main.scope.names["x"].ty is T.I32
    err = error_of("fn twice(v: i32) -> i32:\n    return v\nop: fn(i64) -> i64 = twice\n")
    assert "expected fn(i64) -> i64, found fn(i32) -> i32" in err.message


def test_closure_captures():
    c = checked("fn outer(base: i32) -> i32:\n    scale = 3\n    fn helper(k: i32) -> i32:\n"
                "        return k * scale + base\n    return helper(2)\n")
    helper = [f for f in c.funcs if f.name == "helper"][0]
    assert [s.name for s in helper.captures] == ["scale", "base"]
    # globals are not captured
    c = checked("G = 1\nfn f() -> i32:\n    g = fn() -> i32:\n        return G\n    return g()\n")
    lam = [f for f in c.funcs if f.name == "g"][0]
    assert lam.captures == []


def test_capture_of_branch_variable_must_be_assigned():
    err = error_of("fn f(n: i32) -> i32:\n    if n > 0:\n        k = 1\n"
                   "    g = fn() -> i32:\n        return k\n    return g()\n")
    assert "may be used before it is assigned" in err.message


def test_pub_only_at_top_level():
    checked("pub LIMIT: i32 = 9\n")


# ------------------------------------------------------------------------ data (issue 5)
# Strings, arrays and builtins: DATA.md §2, §3, §9 with the DECISIONS data rows.
DATA = ("strings", "arrays", "builtins", "structs", "enums", "match", "errors_handling")
# Modules (`use`) are compiled by orus.frontend.modules (tests/test_modules.py).
FAILING_DATA = [str(p) for p in corpus.spec_programs("failing_data", kind="err")
                if "use " not in p.read_text()]
POSITIVE_DATA = [str(p) for p in corpus.spec_programs(*DATA)]


@pytest.mark.parametrize("path", FAILING_DATA, ids=_id)
def test_failing_data_corpus(path):
    test_failing_corpus(path)


@pytest.mark.parametrize("path", POSITIVE_DATA, ids=_id)
def test_positive_data_corpus_compiles(path):
    test_positive_corpus_compiles(path)


ARR = T.array_of


@pytest.mark.parametrize("src, ty", [
    ("x = [1, 2, 3]", ARR(T.I32)),
    ("x = [1, 3000000000, 2]", ARR(T.I64)),
    ("x = [1, 2.5]", ARR(T.F64)),
    ("x = [1u64, 2u64]", ARR(T.U64)),                    # a fill: 2 copies of 1u64
    ("x = [\"a\", \"b\", \"c\"]", ARR(T.STRING)),
    ("x = [[1, 2, 3], [4]]", ARR(ARR(T.I32))),
    ("x = [[], [1]]", ARR(ARR(T.I32))),                  # the hole is filled by [1]
    ("x: [u64] = [1, 2, 3]", ARR(T.U64)),                # DECISIONS data row 6
    ("x: [[u64]] = [[1, 2, 3], [4]]", ARR(ARR(T.U64))),
    ("x: [f64] = [0; 3]", ARR(T.F64)),
    ("x: [i32, 3] = [1, 2, 3]", ARR(T.I32)),              # the length only checks literals
    ("K: i32 := 4\nx: [i32, K] = [9, K]", ARR(T.I32)),
    ("w: i64 = 5\nx = [w, 1, 2]", ARR(T.I64)),            # literals adapt to the first typed element
    ("mut x = []\npush(x, 4)", ARR(T.I32)),               # the first use fixes `[]`
    ("mut x = []\npush(x, 4u64)", ARR(T.U64)),
    ("mut x = []\nx = [\"s\"]", ARR(T.STRING)),
    ("mut x = []\nx[0] = 2.5", ARR(T.F64)),
    ("fn f(a: [string]) -> i32:\n    return len(a)\nmut x = []\nn = f(x)", ARR(T.STRING)),
    ("mut a = []\nmut x = []\npush(x, a)\npush(a, true)", ARR(ARR(T.BOOL))),
    ("x = [0] * 4", ARR(T.I32)),
    ("x = 3 * [\"a\"]", ARR(T.STRING)),
    ("x = sorted([3, 1])", ARR(T.I32)),
    ("x = push([1.5], 2)", ARR(T.F64)),
    ("x = [1, 2, 3][1..]", ARR(T.I32)),
    ("x = \"abc\"[0]", T.STRING),
    ("x = \"abc\"[..1]", T.STRING),
    ("x = len(\"abc\")", T.I32),
    ("x = pop([[1, 2,]])", ARR(T.I32)),
    ("x = range(3)", T.RANGE),
    ("x = input(\"? \")", T.STRING),
    ("x = int(\"3\")", T.I32),
    ("x = float(\"2.5\")", T.F64),
    ("x = istype(1, \"i32\")", T.BOOL),
    ("x = assert_eq(\"a\", [1], [1])", T.BOOL),
    ("x = [1] == [1, 2, 3]", T.BOOL),
    ("x = \"a\" < \"b\"", T.BOOL),
])
def test_data_types(src, ty):
    assert T.resolve(global_type(src, "x")) is ty


def test_range_values_are_any_and_take_a_type_from_a_declaration():
    c = checked("mut t: i64 = 0\nfor v in range(3):\n    a: i64 = v\n    b: i32 = v\n"
                "    f: f64 = v\n    t = t + v\n    w = v * 2\n    c = v\n")
    loop = c.module.body[1]
    assert loop.sym.ty is T.ANY
    names = c.scopes[id(loop.body)].names
    assert (names["a"].ty, names["b"].ty, names["f"].ty) == (T.I64, T.I32, T.F64)
    assert names["w"].ty is T.ANY and names["c"].ty is T.ANY
    assert T.ANY.name == "i64"                  # typeof(v)


@pytest.mark.parametrize("src, ty", [
    ("for x in [1, 2]:\n    pass", T.I32),
    ("for x in [[\"a\"]]:\n    pass", ARR(T.STRING)),
    ("for x in \"abc\":\n    pass", T.STRING),
    ("for x in 5:\n    pass", T.I64),                   # DECISIONS data row 14
    ("n: u32 = 3\nfor x in n:\n    pass", T.I64),
    ("for x in range(1, 5, 2):\n    pass", T.ANY),
    ("r = range(2)\nfor x in r:\n    pass", T.ANY),
])
def test_for_in_variable_types(src, ty):
    c = checked(src)
    loop = [s for s in c.module.body if type(s).__name__ == "ForIn"][0]
    assert loop.sym.ty is ty and not loop.sym.mutable


@pytest.mark.parametrize("src, line, fragment", [
    # DATA §3.1 and DECISIONS data rows 4 and 6
    ("row = [1, 2, \"three\"]", 1, "element 1 is i32, element 3 is string"),
    ("ok: [u32] = [1, 2]\nbad: [u32] = [1, -2, 3]", 2, "-2 does not fit u32"),
    ("codes: [i32, 3] = [1, 2, 3, 4]", 1, "has 4 elements, but its type [i32, 3] says 3"),
    ("z: [i32, 2] = [0; 3]", 1, "has 3 elements"),
    ("fn f(a: [i32, 2]) -> i32:\n    return len(a)\nprint(f([1, 2, 3]))", 3, "[i32, 2]"),
    ("fn f() -> [i32, 2]:\n    return [1, 2, 3]", 2, "has 3 elements"),
    ("n = 3\nrow = [0, n]", 2, "not 'n'"),
    ("row = [0, m]", 1, "undefined variable 'm'"),
    ("row = [0; 2.5]", 1, "fill literal"),
    ("row = [0; -1]", 1, "cannot be negative"),
    ("x: [i32, n] = []", 1, "'n' is not one"),
    ("mut e = []\npush(e, e)", 2, "cannot contain itself"),
    ("x = []\nprint(x[0])", 2, "not known yet"),
    ("fn g(xs):\n    for x in xs:\n        print(x)\ng([])", 2, "not known yet"),
    # indexing, slicing, assignment (DATA §3.2, §3.3; DECISIONS data row 7)
    ("xs = [1, 2]\nprint(xs[1.5])", 2, "an index must be an integer, found f64"),
    ("xs = [1, 2]\nprint(xs[\"a\"..])", 2, "slice bound must be an integer"),
    ("x = 5\nprint(x[0])", 2, "cannot index a value of type i32"),
    ("print(range(3)[..1])", 1, "cannot slice"),
    ("mut s = \"cat\"\ns[0] = \"b\"", 2, "strings are immutable"),
    ("x = 1\nx[0] = 2", 2, "cannot assign to an element of a value of type i32"),
    ("xs = [1, 2,]\nxs[0] = \"a\"", 2, "expected i32, found string"),
    ("xs = [1, 2,]\nxs[0] += 1.5", 2, "cannot combine i32 and a f64 literal"),
    ("xs = [[1], [2]]\nxs[0] += [1]", 2, "`+=` is not defined for arrays"),
    # operators
    ("a = [1, 2, 3]\nb = [4, 5, 6]\nc = a + b", 3, "does not concatenate arrays"),
    ("a = [1, 2, 3]\nc = a - 1", 2, "not defined for arrays"),
    ("a = [1, 2, 3]\nc = a * 1.5", 2, "integer number of times, found f64"),
    ("a = [1, 2, 3]\nc = a * a", 2, "one operand must be an integer count"),
    ("word = \"ab\"\nprint(word * 3)", 2, "cannot use `*` on string"),
    ("a = [1, 2, 3]\nprint(a < a)", 2, "arrays have no order"),
    ("a = [1, 2, 3]\nprint(a == [\"x\"])", 2, "cannot compare [i32] with [string]"),
    ("a = [1, 2, 3]\nprint(a == 1)", 2, "cannot compare [i32] with i32"),
    ("answer = \"42\"\nprint(answer == 42)", 2, "cannot compare string with i32"),
    ("count = 5\nprint(\"n=\" + count)", 2, "needs two strings"),
    ("print(\"total \" + 5)", 1, "convert the number with `as string`"),
    ("a = [1, 2, 3]\nprint(a as string)", 2, "cannot cast [i32] to string"),
    ("for v in range(3):\n    print(v as string)", 2, "annotated declaration"),
    ("for v in range(3):\n    x: i32 = 1\n    print(x + v)", 3, "mismatched types i32 and any"),
    ("for v in range(3):\n    s: string = v", 2, "expected string, found any"),
    # loops
    ("for x in 2.5:\n    pass", 1, "cannot iterate over a value of type f64"),
    ("for x in true:\n    pass", 1, "cannot iterate"),
    # builtins (DATA §9)
    ("print(len(5))", 1, "len() needs an array or a string, found i32"),
    ("print(len(range(3)))", 1, "found range_iterator"),
    ("print(len([1], [2]))", 1, "function 'len' expects 1 argument but received 2"),
    ("mut names: [string] = []\npush(names, 42)", 2, "argument 2 of 'push': expected string"),
    ("push(\"abc\", \"d\")", 1, "push() needs an array"),
    ("print(pop(3))", 1, "pop() needs an array"),
    ("grid = [[3, 4, 5], [1, 2, 3]]\nprint(sorted(grid))", 2, "sorted() orders numbers"),
    ("mut g = []\ns = sorted(g)\npush(g, [1])", 2, "sorted() orders numbers"),
    ("for i in range():\n    pass", 1, "expects 1 to 3 arguments but received 0"),
    ("r = range(1, 2, 3, 4)", 1, "expects 1 to 3 arguments"),
    ("r = range(1.5)", 1, "range() needs integer arguments, found f64"),
    ("r = range(\"a\", 3)", 1, "range() needs integer arguments, found string"),
    ("r = range(1, 5, 0)", 1, "step cannot be zero"),
    ("x = input(5)", 1, "the prompt of 'input': expected string"),
    ("x = input(\"a\", \"b\")", 1, "expects 0 to 1 arguments"),
    ("flag = true\nprint(int(flag))", 2, "int() needs a string or a number, found bool"),
    ("print(int([1]))", 1, "found [i32]"),
    ("print(float(true))", 1, "float() needs a string or a number, found bool"),
    ("print(istype(1, 2))", 1, "argument 2 of 'istype': expected string"),
    ("print(assert_eq(1, 2, 3))", 1, "the label of 'assert_eq'"),
    ("f = len", 1, "builtin 'len' can only be called"),
    ("print(sqrt(2.0))", 1, "undefined function 'sqrt'"),
    # abs/min/max/clamp (issue 15)
    ('print(abs("x"))', 1, "abs() needs numbers, found string"),
    ("a: i32 = 1\nb: i64 = 2\nprint(min(a, b))", 3, "mismatched types i32 and i64 for min()"),
    ("a: u32 = 1\nprint(max(a, 1.5))", 2, "cannot combine u32 and a f64 literal"),
    ("print(clamp(true, 0, 1))", 1, "clamp() needs numbers, found bool"),
    ("print(min(1))", 1, "function 'min' expects 2 arguments but received 1"),
    ("f = abs", 1, "builtin 'abs' can only be called"),
    ("x = 2.0\nprint(__math1(x, 1.0))", 2, "must be a function number"),
    ("print(__math2(5, 1.0, 2.0))", 1, "must be a function number 0..4"),
])
def test_data_errors(src, line, fragment):
    err = error_of(src)
    assert fragment in err.message, err.message
    assert err.line == line and err.col >= 1


def test_builtins_can_be_shadowed_by_functions():
    c = checked("fn len(x: i32) -> i32:\n    return x\nn = len(3)\n")
    assert c.main.scope.names["n"].ty is T.I32


def test_fill_literal_keeps_its_count():
    c = checked("N: i32 := 3\nx = [7, N]\ny = [0.5; 2]\n")
    fill = c.module.body[1].value
    assert type(fill).__name__ == "ArrayFill" and fill.count == 3
    assert c.module.body[2].value.count == 2


def test_implicit_return_of_a_builtin_result():
    c = checked("fn add(xs: [i32]):\n    push(xs, 1)\nfn top(xs: [i32]):\n    pop(xs)\n")
    add, top = [f for f in c.funcs if f.name in ("add", "top")]
    assert add.ret is ARR(T.I32) and top.ret is T.I32


def test_array_types_are_interned_and_sized_types_share_a_base():
    assert ARR(T.I32) is ARR(T.I32)
    assert ARR(T.I32, 3).base is ARR(T.I32)
    assert ARR(ARR(T.I32, 2)).base is ARR(ARR(T.I32))
    assert str(ARR(T.U64, 3)) == "[u64, 3]" and str(ARR(ARR(T.STRING))) == "[[string]]"
    assert ARR(T.I32).category == T.CAT_HANDLE and T.RANGE.category == T.CAT_HANDLE
    assert T.ANY.category == T.CAT_INT
    hole = T.Hole()
    pending = ARR(hole)
    assert not pending.hole_free and T.resolve(pending) is pending
    hole.ref = T.STRING
    assert T.resolve(pending) is ARR(T.STRING) and str(pending) == "[string]"
    assert T.resolve(ARR(T.Hole()), T.I32) is ARR(T.I32)


# ------------------------------------------------------------------------ issue 6
STRUCT = "struct P:\n    x: i32\n    s: string = \"d\"\n"
ENUM = "enum E:\n    A\n    B(n: i32, s: string)\n"


@pytest.mark.parametrize("src, line, fragment", [
    (STRUCT + "p = P{ s: \"a\" }\n", 4, "missing field 'x'"),
    (STRUCT + "p = P{ x: 1, y: 2 }\n", 4, "Undefined variable 'y'"),
    (STRUCT + "p = P{ x: 1, x: 2 }\n", 4, "given twice"),
    (STRUCT + "p = P{ x: \"1\" }\n", 4, "expected i32"),
    (STRUCT + "p = P{ x: 1 }\nprint(p.z)\n", 5, "Undefined variable 'z'"),
    (STRUCT + "p = P{ x: 1 }\np.x = \"s\"\n", 5, "expected i32"),
    (STRUCT + "p = P{ x: 1 }\nprint(p < p)\n", 5, "no order"),
    (STRUCT + "impl P:\n    fn get(self) -> i32:\n        return self.x\nprint(P.get(P{ x: 1 }))\n",
     7, "takes `self`"),
    (STRUCT + "p = P{ x: 1 }\nprint(p.nope())\n", 5, "Undefined variable 'nope'"),
    ("impl Q:\n    fn f() -> i32:\n        return 1\n", 1, "valid type"),
    (ENUM + "v = E.C\n", 4, "Undefined variable 'C'"),
    (ENUM + "v = E.B\n", 4, "carries 2 values"),
    (ENUM + "v = E.B(1)\n", 4, "expects 2 arguments but received 1"),
    (ENUM + "v = E.B(\"1\", \"s\")\n", 4, "expected i32"),
    (ENUM + "v = E.A\nmatch v:\n    E.A -> pass\n", 5, "missing variant: B"),
    (ENUM + "v = E.A\nmatch v:\n    E.A -> pass\n    E.B(n) -> pass\n", 7, "`1 binding`"),
    (ENUM + "v = E.A\nmatch v:\n    E.A -> pass\n    E.A -> pass\n    _ -> pass\n", 7,
     "E.A arm appears more than once"),
    (ENUM + "v = E.A\nmatch v:\n    _ -> pass\n    E.A -> pass\n", 7, "can never run"),
    ("x = 3\nmatch x:\n    1 -> pass\n    1 -> pass\n", 4, "Literal pattern 1 appears more"),
    ("x = 3\ny = match x:\n    1 -> 2\n", 2, "must have a `_` arm"),
    ("b = true\ny = match b:\n    true -> 2\n", 2, "must have a `_` arm"),
    ("enum F[T]:\n    S(v: T)\nmatch F.S(1):\n    F.S(v) -> print(v as string)\n", 4,
     "this is a `any`"),
    ("enum F:\n    S(v: F)\n", 2, "cannot contain itself"),
    ("try:\n    y = 1\ncatch e:\n    pass\nprint(y)\n", 5, "undefined variable 'y'"),
    ("try:\n    pass\ncatch e:\n    pass\nprint(e)\n", 5, "undefined variable 'e'"),
    ("try:\n    pass\ncatch e:\n    print(\"x\" + e)\n", 4, "convert with `as string`"),
    ("x = Result.Err(5)\n", 1, "expected string"),
    ("fn f():\n    struct Q:\n        y: i32\n", 2, "top level"),
])
def test_issue_6_compile_errors(src, line, fragment):
    err = error_of(src)
    assert err.line == line, str(err)
    assert fragment in str(err), str(err)


def test_struct_and_enum_types():
    c = checked(STRUCT + ENUM + "p = P{ x: 1 }\nv = E.B(1, \"a\")\nn = p.x\n"
                "m = match v:\n    E.B(k, _) -> k\n    E.A -> 0\n")
    names = c.main.scope.names
    assert names["p"].ty.kind == "struct" and names["p"].ty.name == "P"
    assert names["v"].ty.kind == "enum" and names["v"].ty.name == "E"
    assert names["n"].ty is T.I32 and names["m"].ty is T.I32


def test_any_payloads_bind_as_any_and_take_a_type_from_their_use():
    c = checked("r = Result.Ok(2)\nx = match r:\n    Result.Ok(v) -> v * 2\n    _ -> 0\n"
                "y = match r:\n    Result.Ok(v) -> v\n    _ -> Result.Ok(1)\n")
    names = c.main.scope.names
    assert names["x"].ty is T.I32                   # `v * 2`: v unboxed as i32
    assert names["r"].ty.name == "Result"


def test_methods_may_call_methods_and_are_hoisted():
    checked("fn early() -> i32:\n    return M.zero().get()\n"
            "struct M:\n    v: i32\n"
            "impl M:\n    fn zero() -> M:\n        return M.of(0)\n"
            "    fn of(v: i32) -> M:\n        return M{ v: v }\n"
            "    fn get(self) -> i32:\n        return self.twice() / 2\n"
            "    fn twice(self) -> i32:\n        return self.v * 2\n"
            "print(early())\n")


def test_try_and_arm_bodies_are_scopes_with_mutable_implicit_declarations():
    checked("try:\n    n = 1\n    n = 2\ncatch:\n    m = 1\n    m += 1\n"
            "match 3:\n    3 ->\n        k = 1\n        k = 2\n    _ -> pass\n")
    err = error_of("match 3:\n    3 ->\n        k = 1\n    _ -> pass\nprint(k)\n")
    assert err.line == 5


def test_exhaustive_match_of_returns_needs_no_final_return():
    checked(ENUM + "fn f(v: E) -> i32:\n    match v:\n        E.A -> return 1\n"
            "        E.B(n, _) -> return n\n")
    err = error_of("fn f(v: i32) -> i32:\n    match v:\n        1 -> return 1\n")
    assert "missing return" in str(err)


def test_constant_division_by_zero_is_a_runtime_error():
    c = checked("x = 1 / 0\n")
    assert c.main.scope.names["x"].ty is T.I32


def test_struct_defaults_see_the_globals_declared_before_the_struct():
    checked("MAX := 3\nstruct C:\n    n: string\n    r: i32 = MAX\n"
            "fn mk() -> C:\n    return C{ n: \"f\" }\nprint(mk())\n")


def test_enums_can_have_methods():
    checked("enum S:\n    A(r: f64)\n    B\nimpl S:\n    fn area(self) -> f64:\n"
            "        return match self:\n            S.A(r) -> r * r\n            S.B -> 0.0\n"
            "    fn unit() -> S:\n        return S.B\nprint(S.unit().area())\n")


# ------------------------------------------------------------ errors that explain (issue 16)
def _core_error(name):
    path = os.path.join(os.path.dirname(__file__), "programs", "core", name + ".orus")
    phase, line = corpus.parse_err(path)
    with open(path, "rb") as fh:
        with pytest.raises(CompileError) as info:
            compile_program(fh.read(), path)
    assert phase == "compile" and info.value.line == line
    return info.value.message


EXPLAINED = {
    "fill_pair_length":
        "this array literal has 3 elements, but its type [i32, 2] says 2 (`[7, 3]` is a fill "
        "literal, 3 copies of 7: write `[7; 3]` to make the fill explicit, or `[7, 3,]` "
        "(trailing comma) for the two-element array)",
    "fill_pair_type":
        "the fill value: expected i64, found i32 (`[x, 2]` is a fill literal, 2 copies of x: "
        "write `[x; 2]` to make the fill explicit, or `[x, 2,]` (trailing comma) for the "
        "two-element array)",
    "cast_binds_loosely":
        "mismatched types f64 and i32 for `+`; convert one with `as` (`total + count as f64` "
        "is read as `(total + count) as f64`: `as` binds more loosely than `+`; to convert "
        "only `count` write `total + (count as f64)`)",
    "try_body_scope_undefined":
        "undefined variable 'result' (the 'result' of line 2 belongs to a `try` body, and "
        "`try` and `catch` bodies are scopes: declare it before the `try` of line 1, e.g. "
        "`mut result = 0`, and assign it inside)",
    "catch_variable_scope":
        "undefined variable 'err' (the catch variable of the `try` on line 1 exists only "
        "inside its `catch` body)",
}


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_errors_that_explain(name):
    assert _core_error(name) == EXPLAINED[name]


def test_fill_note_not_for_semicolon_fill_or_pairs():
    msg = error_of("xs: [i32, 2] = [7; 3]\n").message
    assert msg == "this array literal has 3 elements, but its type [i32, 2] says 2"
    msg = error_of("xs: [string] = [7, 3,]\n").message
    assert "fill" not in msg


def test_fill_note_not_for_errors_inside_the_value():
    assert error_of("xs = [nope, 2]\n").message == "undefined variable 'nope'"


def test_fill_note_for_undefined_count():
    assert error_of("a = 4\nxs = [a, q]\n").message == (
        "undefined variable 'q' (`[a, q]` is a fill literal, q copies of a: write `[a; q]` "
        "to make the fill explicit, or `[a, q,]` (trailing comma) for the two-element array)")


def test_cast_note_only_for_unparenthesised_operation():
    src = "x: i32 = 3\ny: f64 = 2.5\nz = %s\n"
    assert error_of(src % "(x + y) as i32").message == \
        "mismatched types i32 and f64 for `+`; convert one with `as`"
    assert error_of(src % "x * y as i32").message.endswith(
        "(`x * y as i32` is read as `(x * y) as i32`: `as` binds more loosely than `*`; "
        "to convert only `y` write `x * (y as i32)`)")
    # an error inside an operand is not the cast's
    assert error_of(src % "x + len(y) as i32").message == \
        "len() needs an array or a string, found f64"


def test_try_scope_note_in_functions_and_catch_bodies():
    src = ("fn f():\n    try:\n        r = 10 / 2\n    catch e:\n        r = 1.5\n"
           "    print(r)\nf()\n")
    assert error_of(src).message == (
        "undefined variable 'r' (the 'r' of line 5 belongs to a `catch` body, and `try` and "
        "`catch` bodies are scopes: declare it before the `try` of line 2, e.g. "
        "`mut r = 0.0`, and assign it inside)")
    # a name of a try body used *inside* a later, unrelated block is explained too,
    # while a name never declared is not
    assert error_of("print(nope)\n").message == "undefined variable 'nope'"


# ------------------------------------------------------------ sorted(xs, key) (issue 16)
def test_sorted_key_errors_golden():
    assert _core_error("sorted_key_unorderable") == (
        "the key of sorted() must return a number, a bool or a string (values sorted() can "
        "order), but 'wrap' returns P")
    assert _core_error("sorted_key_wrong_element") == (
        "the key of sorted() must take the element type i32, but 'size' takes string")


@pytest.mark.parametrize("src, message", [
    ("print(sorted([3], 5))\n",
     "the key of sorted() must be a function of one element, found i32"),
    ("fn f(a: i32, b: i32) -> i32:\n    return a\nprint(sorted([3], f))\n",
     "the key of sorted() must take one argument (an element), but 'f' takes 2"),
    ("fn f(a: i32):\n    print(a)\nprint(sorted([3], f))\n",
     "the key of sorted() must return a number, a bool or a string (values sorted() can "
     "order), but 'f' returns nothing"),
    ("fn f(a: i32) -> [i32]:\n    return [a,]\nprint(sorted([3], f))\n",
     "the key of sorted() must return a number, a bool or a string (values sorted() can "
     "order), but 'f' returns [i32]"),
    ("print(sorted([3], 1, 2))\n",
     "function 'sorted' expects 1 to 2 arguments but received 3"),
])
def test_sorted_key_errors(src, message):
    assert error_of(src).message == message


def test_sorted_key_fixes_an_empty_array():
    c = checked("fn k(s: string) -> i32:\n    return len(s)\nmut xs = []\nys = sorted(xs, k)\n")
    assert str(T.resolve(c.main.scope.names["xs"].ty)) == "[string]"
