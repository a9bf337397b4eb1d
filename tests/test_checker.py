"""The type checker: corpus compile errors at the right line, scopes, literal
adaptation, definite assignment, closures, monomorphisation (no numba)."""

import glob
import os
import subprocess
import sys

import pytest

from orus import types as T
from orus.checker import check
from orus.compiler import compile_program
from orus.errors import CompileError
from orus.parser import parse

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "spec", "examples")
CORE = ("lexical", "types", "expressions", "control_flow", "functions", "print")


def corpus(folders):
    files = []
    for d in folders:
        files += sorted(glob.glob(os.path.join(SPEC, d, "*.orus")))
    return files


def read_err(path):
    info = {}
    with open(path[:-5] + ".err") as fh:
        for line in fh:
            if ":" in line:
                k, v = line.split(":", 1)
                info[k.strip()] = v.strip()
    return info["phase"], int(info["line"])


FAILING = corpus(["failing"])
POSITIVE = corpus(CORE)


def _id(path):
    return os.path.relpath(path, SPEC)


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
@pytest.mark.skipif(not FAILING, reason="spec corpus not found")
@pytest.mark.parametrize("path", FAILING, ids=_id)
def test_failing_corpus(path):
    phase, line = read_err(path)
    with open(path, "rb") as fh:
        src = fh.read()
    if phase == "compile":
        with pytest.raises(CompileError) as info:
            compile_program(src, path)
        assert info.value.line == line, str(info.value)
        assert info.value.col >= 1
    else:
        compile_program(src, path)      # the VM reports it


@pytest.mark.skipif(not POSITIVE, reason="spec corpus not found")
@pytest.mark.parametrize("path", POSITIVE, ids=_id)
def test_positive_corpus_compiles(path):
    with open(path, "rb") as fh:
        compile_program(fh.read(), path)


def test_checking_and_compiling_never_import_numba():
    code = ("import sys; from orus.compiler import compile_program; "
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
    ("x = 1 / 0", "division by zero"),
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
