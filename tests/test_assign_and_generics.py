"""Chained assignment (DECISIONS core 40), compound assignment with a
conditional right side (data 20), struct defaults that construct enums
(data 20), checked generic enums (data 18) and the `str` alias (core 39):
the parse, the types the checker gives, and the messages of the rejects."""

import pytest

from orus.frontend import ast
from orus.frontend import types as T
from orus.frontend.checker import check
from orus.frontend import compile_program
from orus.errors import CompileError
from orus.frontend.parser import parse


def checked(src):
    return check(parse(src, "t.orus"), "t.orus")


def error_of(src, compile_=False):
    with pytest.raises(CompileError) as info:
        if compile_:
            compile_program(src, "t.orus")
        else:
            checked(src)
    return info.value


def global_type(src, name):
    return checked(src).main.scope.names[name].ty


MAYBE = "enum Maybe[T]:\n    Some(v: T)\n    Nothing\n"


# ------------------------------------------------------------------ chained assignment
def test_chain_parses_into_one_statement_with_targets_in_source_order():
    (s,) = parse("a = xs[0] = p.f = 1 + 2\n", "t.orus").body
    assert type(s) is ast.ChainAssign
    assert [type(a.target) for a in s.assigns] == [ast.Name, ast.Index, ast.Member]
    assert all(a.op == "=" and a.value is None for a in s.assigns)
    assert type(s.value) is ast.Binary


def test_chain_declares_each_name_as_if_alone_and_literals_adapt_per_target():
    src = "mut w: i64 = 0\nmut r = 0.5\nw = r = n = 7\n"
    assert global_type(src, "n") is T.I32
    c = compile_program(src, "t.orus")
    assert c is not None


def test_chain_rejects_a_mismatch_at_the_target_concerned():
    err = error_of("mut a = 0\nmut s = \"\"\na = s = \"x\"\n")
    assert (err.line, err.col) == (3, 1)
    assert "value assigned to 'a': expected i32, found string" in str(err)
    err = error_of("mut a = 0\nb = a = 3000000000\n")
    assert (err.line, err.col) == (2, 5)
    assert "does not fit i32" in str(err)


def test_chain_targets_follow_the_rules_of_a_single_assignment():
    err = error_of("x = 1\nx = y = 2\n")
    assert "Cannot assign to immutable variable 'x'" in str(err)
    assert (err.line, err.col) == (2, 1)


@pytest.mark.parametrize("src, where, message", [
    ("mut a = 0\na += b = 1\n", (2, 1), "`+=` cannot be chained"),
    ("mut a = 0\nmut b = 0\na = b += 1\n", (3, 7), "`+=` cannot be chained"),
    ("mut a = 1 = 2\n", (1, 11), "a declaration cannot be chained"),
    ("a = f() = 1\n", (1, 5), "cannot assign to this expression"),
])
def test_chain_parse_errors(src, where, message):
    with pytest.raises(CompileError) as info:
        parse(src, "t.orus")
    assert (info.value.line, info.value.col) == where
    assert message in str(info.value)
    assert "statements on one line" not in str(info.value)


# ------------------------------------------------------------------ compound assignment
@pytest.mark.parametrize("src", [
    "c = true\nmut r: i64 = 1\nr -= c ? 366 : 365\n",
    "c = true\nmut r = 1.5\nr += c ? 1 : 2\n",
    "c = true\nmut r: u32 = 9\nr *= 3 if c else 4\n",
    "c = 2\nmut r: i64 = 1\nr += match c:\n    2 -> 10\n    _ -> 20\n",
    "struct S:\n    t: i64 = 0\nc = true\ns = S{}\ns.t += c ? 1 : 2\n",
    "c = true\nxs: [f64] = [1.0]\nxs[0] /= c ? 2 : 4\n",
])
def test_compound_conditional_adapts_like_the_long_form(src):
    compile_program(src, "t.orus")


def test_compound_conditional_gets_the_target_type():
    c = checked("c = true\nmut r: i64 = 1\nr -= c ? 366 : 365\n")
    assign = c.module.body[-1]
    assert assign.value.ty is T.I64


def test_compound_conditional_still_rejects_what_the_long_form_rejects():
    err = error_of("c = true\nmut x = 1\nx += c ? 1.5 : 2\n")
    assert "mismatched types i32 and f64" in str(err)


# ------------------------------------------------------------------ struct defaults
def test_enum_constructor_and_result_defaults_compile_before_the_first_call():
    compile_program("enum C:\n    R\n    Rgb(r: i32)\n"
                    "struct S:\n    c: C = C.Rgb(1)\n    last: Result = Result.Ok(0)\n"
                    "s = S{}\nprint(s)\n", "t.orus")


def test_a_default_of_the_wrong_enum_is_rejected():
    err = error_of("enum C:\n    R\nenum D:\n    Q\nstruct S:\n    c: C = D.Q\n"
                   "print(S{})\n")
    assert err.line == 6
    assert "default of field 'c': expected C, found D" in str(err)


# ------------------------------------------------------------------ generic enums
def test_generic_annotation_is_an_instance_spelled_with_its_arguments():
    ty = global_type(MAYBE + "x: Maybe[i32] = Maybe.Nothing\n", "x")
    assert str(ty) == "Maybe[i32]" and ty.name == "Maybe"
    assert ty.erased.args is None and ty.args == (T.I32,)
    assert T.enum_inst(ty.erased, [T.I32]) is ty


@pytest.mark.parametrize("src, line, message", [
    (MAYBE + "x: Maybe[i32] = Maybe.Some(\"oops\")\n", 4,
     "value 1 of Maybe.Some: expected i32, found string"),
    (MAYBE + "fn f(m: Maybe[string]) -> i32:\n    return 1\nprint(f(Maybe.Some(3)))\n", 6,
     "value 1 of Maybe.Some: expected string, found i32"),
    (MAYBE + "fn f() -> Maybe[bool]:\n    return Maybe.Some(1)\n", 5,
     "expected bool, found i32"),
    (MAYBE + "struct S:\n    m: Maybe[f64]\ns = S{ m: Maybe.Some(\"x\") }\n", 6,
     "expected f64, found string"),
    (MAYBE + "a: Maybe[i32] = Maybe.Nothing\nb: Maybe[string] = a\n", 5,
     "initializer of 'b': expected Maybe[string], found Maybe[i32]"),
    (MAYBE + "x: Maybe[i32] = Maybe.Some(1)\nmatch x:\n    Maybe.Some(v) -> print(v + \"s\")\n"
     "    _ -> pass\n", 6, "`+` needs two strings or two numbers, found i32 and string"),
])
def test_generic_payloads_are_checked_where_the_argument_is_known(src, line, message):
    err = error_of(src)
    assert err.line == line
    assert message in str(err)


def test_match_bindings_get_the_argument_type_or_any_when_unknown():
    c = checked("struct P:\n    x: i32\n" + MAYBE
                + "fn f(m: Maybe[P]) -> i32:\n    return match m:\n"
                  "        Maybe.Some(p) -> p.x\n        Maybe.Nothing -> 0\n"
                  "loose = Maybe.Some(1)\nmatch loose:\n    Maybe.Some(v) -> print(v)\n"
                  "    _ -> pass\n")
    binds = {}
    for plan in c.matches.values():
        for ap in plan.arms:
            for _, sym in ap.bindings:
                binds[sym.name] = sym.ty
    assert binds["p"].name == "P"
    assert binds["v"] is T.DYN


def test_erased_values_and_instances_mix():
    checked(MAYBE + "a: Maybe[i32] = Maybe.Some(4)\nb = Maybe.Some(4)\nprint(a == b)\n"
            "c = true ? a : Maybe.Nothing\nxs: [Maybe[i32]] = [a, b, Maybe.Nothing]\n"
            "d: Maybe[i32] = b\n")
    assert str(global_type(MAYBE + "a: Maybe[i32] = Maybe.Nothing\n"
                           "c = true ? Maybe.Nothing : a\n", "c")) == "Maybe[i32]"


# ------------------------------------------------------------------ str
@pytest.mark.parametrize("src", [
    "x: str = \"a\"\n",
    "x: [str] = [\"a\", \"b\", \"c\"]\n",
    "fn f(s: str) -> str:\n    return s\nx = f(\"a\")\n",
    "x = 3 as str\n",
    "X: str := \"a\"\nx = X\n",
])
def test_str_is_string(src):
    ty = global_type(src, "x")
    assert ty is T.STRING or (ty.is_array and ty.elem is T.STRING)


def test_str_cannot_name_a_struct():
    err = error_of("struct str:\n    a: i32\n")
    assert "type 'str' is already defined" in str(err)
