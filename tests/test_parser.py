"""Lexer and parser tests: tricky lexing, precedence, layout, error locations,
the example corpus, robustness against hostile input, and speed.

Runs without numba: only orus.frontend.lexer, orus.frontend.parser, orus.frontend.ast and orus.errors are used.
"""

import random
import sys

import pytest

from orus.frontend import ast
from orus.errors import CompileError
from orus.frontend.lexer import tokenize
from orus.frontend.parser import MAX_DEPTH, parse

import corpus

EXAMPLES = corpus.SPEC

# Corpus programs whose compile error is a syntax error: the parser must reject them
# at the line of their .err file.  Every other compile-phase failure is a type error
# (the checker's job), so those programs must parse.
SYNTAX_ERRORS = {
    "failing/assignment_in_condition.orus",
    "failing/chained_cast.orus",
    "failing/chained_comparison.orus",
    "failing/leading_zero_literal.orus",
    "failing/literal_out_of_range.orus",
    "failing/literal_suffix_out_of_range.orus",
    "failing/unexpected_indent.orus",
    "failing/unterminated_block_comment.orus",
    "failing_data/angle_bracket_generic_enum.orus",
    "failing_data/block_arm_in_match_expression.orus",
    "failing_data/pub_struct_field.orus",
    "failing_data/slice_inclusive_range.orus",
}


# ---------------------------------------------------------------------------- helpers
def body(src):
    return parse(src).body


def stmt(src):
    statements = body(src)
    assert len(statements) == 1, statements
    return statements[0]


def expr(src):
    """The value of `x = <src>`."""
    node = stmt("x = " + src)
    assert isinstance(node, ast.Assign)
    return node.value


def error(src):
    with pytest.raises(CompileError) as info:
        parse(src)
    return info.value


def error_at(src, line, col=None, text=None):
    err = error(src)
    assert err.line == line, str(err)
    if col is not None:
        assert err.col == col, str(err)
    if text is not None:
        assert text in err.message, str(err)
    return err


def kinds(src):
    return [t.kind for t in tokenize(src)]


def lit(value, suffix=None):
    return ast.IntLit(value, suffix)


def name(n):
    return ast.Name(n)


# ============================================================================ lexer
class TestLayout:
    def test_indent_dedent_tokens(self):
        src = "if a:\n  b\n  if c:\n        d\n  e\nf\n"
        assert kinds(src) == [
            "if", "IDENT", ":", "NEWLINE",
            "INDENT", "IDENT", "NEWLINE",
            "if", "IDENT", ":", "NEWLINE",
            "INDENT", "IDENT", "NEWLINE",
            "DEDENT", "IDENT", "NEWLINE",
            "DEDENT", "IDENT", "NEWLINE", "EOF"]

    def test_tab_counts_four(self):
        # a tab always adds 4: "\t" and "    " are the same level, "  \t" is 6
        body("if a:\n\tb = 1\n    c = 2\n")
        body("if a:\n  \tb = 1\n      c = 2\n")
        error_at("if a:\n\tb = 1\n   c = 2\n", 3, text="unindent")

    def test_blank_and_comment_lines_are_ignored(self):
        src = ("fn f():\n    a = 1\n// column-0 comment\n        // deep comment\n\n"
               "      \n    /* block */\n    b = 2\nf()\n")
        fn = body(src)[0]
        assert [s.target.name for s in fn.body] == ["a", "b"]

    def test_dedent_to_unknown_level(self):
        error_at("if a:\n    b\n  c\n", 3, 3, "unindent does not match")

    def test_unexpected_indent(self):
        error_at("a = 1\n    b = 2\n", 2, 5, "unexpected indent")
        error_at("    a = 1\n", 1, 5, "unexpected indent")
        error_at("if a: b = 1\n    c = 2\n", 2, 5, "unexpected indent")

    def test_missing_block(self):
        error_at("if a:\nb = 1\n", 2, 1, "expected an indented block")
        error_at("while a:\n", 2, text="expected an indented block")

    def test_brackets_ignore_newlines_and_indentation(self):
        src = "x = [\n    1,\n        2,\n  3,\n]\ny = f(1,\n2)\n"
        x, y = body(src)
        assert [e.value for e in x.value.elems] == [1, 2, 3]
        assert x.value.trailing_comma is True
        assert len(y.value.args) == 2
        assert "INDENT" not in kinds(src)

    def test_multiline_struct_literal(self):
        node = expr("Window{\n  title: \"e\",\n  size: Size{\n    w: 1,\n    h: 2\n  },\n}\n")
        assert isinstance(node, ast.StructLit)
        assert [f.name for f in node.fields] == ["title", "size"]

    def test_crlf_and_carriage_returns(self):
        assert [s.target.name for s in body(b"a = 1\r\nif a:\r\n    b = 2\r\n")[:1]] == ["a"]

    def test_unclosed_and_mismatched_brackets(self):
        error_at("print(\"a\"\nprint(\"b\")\nx = 1\n", 1, 6, "never closed")
        error_at("x = (1]\n", 1, 7, "does not match")
        error_at("x = 1)\n", 1, 6, "unmatched")

    def test_eof_closes_blocks(self):
        fn = stmt("fn f():\n    if a:\n        return 1")
        assert isinstance(fn.body[0], ast.If)


class TestComments:
    def test_comments(self):
        x = stmt("x = 4 /* inline */ + 5 // trailing\n")
        assert isinstance(x.value, ast.Binary)
        # block comments do not nest: the first */ closes the comment
        s = stmt("/* a /* b */ print(1)\n")
        assert isinstance(s, ast.Print)

    def test_unterminated_block_comment_is_located_at_its_start(self):
        error_at("print(1)\n  /* never closed\nprint(2)\n", 2, 3, "unterminated block comment")

    def test_hash_is_not_a_comment(self):
        error_at("x = 1 # no\n", 1, 7, "'#'")


class TestNumbers:
    @pytest.mark.parametrize("text, kind, value, suffix", [
        ("0", "INT", 0, None),
        ("42", "INT", 42, None),
        ("1_000_000", "INT", 1000000, None),
        ("2147483648", "INT", 2147483648, None),
        ("9223372036854775807", "INT", 9223372036854775807, None),
        ("0x10", "INT", 16, None),
        ("0XfF", "INT", 255, None),
        ("0xDe_Ad", "INT", 0xDEAD, None),
        ("0xFFFFFFFF", "INT", 4294967295, None),
        ("0x100000000", "INT", 4294967296, None),
        ("0xFFFFFFFFu32", "INT", 4294967295, "u32"),
        ("7u64", "INT", 7, "u64"),
        ("3000000000u32", "INT", 3000000000, "u32"),
        ("18446744073709551615u64", "INT", 18446744073709551615, "u64"),
        ("2.0i32", "INT", 2, "i32"),
        ("2.50e1i32", "INT", 25, "i32"),
        ("1e3i64", "INT", 1000, "i64"),
        ("5f64", "FLOAT", 5.0, "f64"),
        ("1.5f64", "FLOAT", 1.5, "f64"),
        ("1.5", "FLOAT", 1.5, None),
        ("1e3", "FLOAT", 1000.0, None),
        ("1E3", "FLOAT", 1000.0, None),
        ("1e+2", "FLOAT", 100.0, None),
        ("2.5e-3", "FLOAT", 0.0025, None),
        ("6.5E-1", "FLOAT", 0.65, None),
        ("1_000.5", "FLOAT", 1000.5, None),
        ("3.141_592", "FLOAT", 3.141592, None),
        ("0.25", "FLOAT", 0.25, None),
    ])
    def test_literal_values(self, text, kind, value, suffix):
        tok = tokenize(text)[0]
        assert (tok.kind, tok.value, tok.suffix) == (kind, value, suffix)
        assert type(tok.value) is (int if kind == "INT" else float)

    def test_literal_nodes(self):
        assert expr("7u64") == lit(7, "u64")
        assert expr("2.0i32") == lit(2, "i32")
        assert expr("5f64") == ast.FloatLit(5.0, "f64")
        assert expr("1.5") == ast.FloatLit(1.5, None)

    @pytest.mark.parametrize("text, message", [
        ("010", "leading zeros"),
        ("09", "leading zeros"),
        ("00", "leading zeros"),
        ("0_1", "leading zeros"),
        ("1__0", "'_'"),
        ("1_", "'_'"),
        ("1_.5", "'_'"),
        ("9223372036854775808", "too large"),
        ("0x8000000000000000", "too large"),
        ("3000000000i32", "does not fit in i32"),
        ("2147483648i32", "does not fit in i32"),
        ("4294967296u32", "does not fit in u32"),
        ("18446744073709551616u64", "does not fit in u64"),
        ("1.5i32", "not a valid i32"),
        ("1e100i64", "not a valid i64"),
        ("5u", "invalid suffix 'u'"),
        ("0b101", "invalid suffix"),
        ("1e", "invalid suffix"),
        ("1.", "'.'"),
        (".5", "'.'"),
        ("0x", "hexadecimal"),
        ("0xG", "hexadecimal"),
        ("1e999", "out of range"),
        ("1" * 500, "too long"),
    ])
    def test_literal_errors(self, text, message):
        error_at("print(1)\nx = " + text + "\n", 2, 5, message)

    def test_minus_is_never_part_of_a_literal(self):
        assert expr("-5") == ast.Unary("-", lit(5))
        assert expr("-2147483648") == ast.Unary("-", lit(2147483648))
        assert expr("-1i64") == ast.Unary("-", lit(1, "i64"))

    def test_ranges_are_not_floats(self):
        assert kinds("0..5") == ["INT", "..", "INT", "NEWLINE", "EOF"]
        assert kinds("a[1..3]")[:6] == ["IDENT", "[", "INT", "..", "INT", "]"]
        assert kinds("0..=5")[:3] == ["INT", "..=", "INT"]


class TestStrings:
    def test_escapes(self):
        assert expr(r'"a\n\t\r\\\"\0b"') == ast.StrLit(b'a\n\t\r\\"\x00b')

    def test_raw_newline_inside_string_and_line_tracking(self):
        x, y = body('x = "one\ntwo"\ny = 1\n')
        assert x.value.value == b"one\ntwo"
        assert (y.line, y.col) == (3, 1)

    def test_utf8_is_kept_as_bytes(self):
        assert expr('"café ✓"').value == "café ✓".encode("utf-8")
        body("// commentaire: é\nx = 1 /* ✓ */\n")

    def test_invalid_escape_located_at_backslash(self):
        error_at('x = 1\ny = "ab\\q"\n', 2, 8, "invalid escape")

    def test_unterminated_string_located_at_opening_quote(self):
        error_at('x = 1\ny = "abc\nmore\nlines\n', 2, 5, "unterminated string")
        error_at('y = "abc\\', 1, 5, "unterminated string")

    def test_single_quotes_are_not_strings(self):
        error_at("x = 'a b'\n", 1, text="unexpected character")


class TestCharacters:
    @pytest.mark.parametrize("src", ["$a", "a @ b", "a ` b", "a \\ b", "a && b", "a || b",
                                     "a <<< 2", "a ~ b"])
    def test_rejected_characters(self, src):
        error_at("print(0)\nx = " + src + "\n", 2)

    def test_non_ascii_outside_strings(self):
        error_at("x = 1\ncafé = 2\n", 2, 4, "non-ASCII")

    def test_invalid_utf8_is_located(self):
        error_at(b'x = 1\ny = "\xff"\n', 2, 6, "UTF-8")

    def test_bom_is_ignored(self):
        body(b"\xef\xbb\xbfx = 1\n")

    def test_keywords_and_labels(self):
        toks = tokenize("'outer: for i in xs: break 'outer")
        assert [t.kind for t in toks[:3]] == ["LABEL", ":", "for"]
        assert toks[0].value == "outer"
        assert tokenize("matches")[0].kind == "matches"
        assert tokenize("void")[0].kind == "IDENT"       # not a keyword
        assert tokenize("timestamp")[0].kind == "IDENT"

    def test_token_positions(self):
        toks = tokenize("a =  bb\n  \n c")
        assert [(t.line, t.col) for t in toks[:3]] == [(1, 1), (1, 3), (1, 6)]


# ============================================================================ expressions
class TestPrecedence:
    def test_bitwise_operators(self):
        """DECISIONS core row 43: unary - ~, * / %, + -, << >>, &, ^, |, comparisons."""
        B = ast.Binary
        assert expr("1 + 2 << 3") == B("<<", B("+", lit(1), lit(2)), lit(3))
        assert expr("a << b >> c") == B(">>", B("<<", name("a"), name("b")), name("c"))
        assert expr("a | b ^ c & d") == B("|", name("a"), B("^", name("b"),
                                                            B("&", name("c"), name("d"))))
        assert expr("a & b << 2") == B("&", name("a"), B("<<", name("b"), lit(2)))
        assert expr("a & b == c") == B("==", B("&", name("a"), name("b")), name("c"))
        assert expr("a | b < c | d") == B("<", B("|", name("a"), name("b")),
                                            B("|", name("c"), name("d")))
        assert expr("~a * -b") == B("*", ast.Unary("~", name("a")), ast.Unary("-", name("b")))
        assert expr("~~a") == ast.Unary("~", ast.Unary("~", name("a")))
        assert expr("a and b & c") == B("and", name("a"), B("&", name("b"), name("c")))
        assert expr("a as u32 << 2") == B("<<", ast.Cast(name("a"), ast.TypeName("u32")), lit(2))

    def test_bitwise_compound_assignments(self):
        for op in ("&=", "|=", "^=", "<<=", ">>="):
            node = stmt("x %s 3" % op)
            assert isinstance(node, ast.Assign) and node.op == op
        assert kinds("a<<=b>>=c")[:5] == ["IDENT", "<<=", "IDENT", ">>=", "IDENT"]
        assert kinds("a<<b>>c<=d")[:7] == ["IDENT", "<<", "IDENT", ">>", "IDENT", "<=", "IDENT"]
        error_at("if x &= 1:\n    pass\n", 1, text="cannot be used in a condition")

    def test_cast_binds_looser_than_arithmetic(self):
        assert expr("a + b as f64") == ast.Cast(ast.Binary("+", name("a"), name("b")),
                                                ast.TypeName("f64"))
        assert expr("x as f64 / 2.0") == ast.Binary(
            "/", ast.Cast(name("x"), ast.TypeName("f64")), ast.FloatLit(2.0, None))
        # ((total as f64) / count) as f64
        node = expr("total as f64 / count as f64")
        assert isinstance(node, ast.Cast) and isinstance(node.expr, ast.Binary)
        assert expr("-x as i64") == ast.Cast(ast.Unary("-", name("x")), ast.TypeName("i64"))
        assert expr("a > b as i32") == ast.Cast(ast.Binary(">", name("a"), name("b")),
                                                ast.TypeName("i32"))

    def test_unary_binds_tighter_than_comparison(self):
        assert expr("not a == b") == ast.Binary("==", ast.Unary("not", name("a")), name("b"))
        assert expr("!x") == ast.Unary("not", name("x"))
        assert expr("- -5") == ast.Unary("-", ast.Unary("-", lit(5)))
        assert expr("-a.b") == ast.Unary("-", ast.Member(name("a"), "b"))

    def test_arithmetic_and_logic(self):
        assert expr("1 + 2 * 3 - 4") == ast.Binary(
            "-", ast.Binary("+", lit(1), ast.Binary("*", lit(2), lit(3))), lit(4))
        assert expr("a or b and c") == ast.Binary(
            "or", name("a"), ast.Binary("and", name("b"), name("c")))
        assert expr("a < b and c >= d") == ast.Binary(
            "and", ast.Binary("<", name("a"), name("b")), ast.Binary(">=", name("c"), name("d")))
        assert expr("m matches Mode.Busy") == ast.Binary(
            "==", name("m"), ast.Member(name("Mode"), "Busy"))

    def test_ternaries_are_lowest_and_right_associative(self):
        assert expr("a ? 1 : b ? 2 : 3") == ast.Ternary(
            name("a"), lit(1), ast.Ternary(name("b"), lit(2), lit(3)))
        assert expr("1 if a else 2 if b else 3") == ast.Ternary(
            name("a"), lit(1), ast.Ternary(name("b"), lit(2), lit(3)))
        assert expr("n % 2 == 0 ? 1 : 2").cond == ast.Binary(
            "==", ast.Binary("%", name("n"), lit(2)), lit(0))
        assert expr("a or b ? 1 : 2").cond == ast.Binary("or", name("a"), name("b"))
        assert expr("1 + 2 if a else 3 + 4") == ast.Ternary(
            name("a"), ast.Binary("+", lit(1), lit(2)), ast.Binary("+", lit(3), lit(4)))

    def test_chained_comparisons_are_rejected_at_the_second_operator(self):
        error_at("x = a < b < c\n", 1, 11, "chained comparison")
        error_at("x = a == b == c\n", 1, 12, "chained comparison")
        error_at("x = a < b + 1 >= c\n", 1, 15, "chained comparison")
        error_at("x = a matches b == c\n", 1, 17, "chained comparison")
        assert isinstance(expr("(a < b) == c"), ast.Binary)
        assert isinstance(expr("a < b and b < c"), ast.Binary)

    def test_chained_casts_are_rejected(self):
        error_at("w = v as i64 as f64\n", 1, 14, "chained type casts")
        assert expr("(v as i64) as f64") == ast.Cast(
            ast.Cast(name("v"), ast.TypeName("i64")), ast.TypeName("f64"))
        assert isinstance(expr("v as i64 < w"), ast.Binary)

    def test_postfix_chains(self):
        node = expr("a.b(1)[2].c")
        assert node == ast.Member(ast.Index(ast.Call(ast.Member(name("a"), "b"), [lit(1)]),
                                            lit(2)), "c")
        assert expr("f(1)(2)") == ast.Call(ast.Call(name("f"), [lit(1)]), [lit(2)])
        assert expr("f(1, 2,)") == ast.Call(name("f"), [lit(1), lit(2)])

    def test_timestamp(self):
        assert expr("timestamp()") == ast.Timestamp()
        assert expr("timestamp") == name("timestamp")
        error_at("x = timestamp(1)\n", 1, 15, "no arguments")


class TestArrays:
    def test_fill_versus_pair(self):
        assert expr("[3, 9]") == ast.ArrayFill(lit(3), lit(9))
        assert expr("[1, SIZE]") == ast.ArrayFill(lit(1), name("SIZE"))
        assert expr("[3, 9,]") == ast.ArrayLit([lit(3), lit(9)], True)
        assert expr("[4, -2]") == ast.ArrayLit([lit(4), ast.Unary("-", lit(2))], False)
        assert expr("[0.5, 1.5]") == ast.ArrayLit([ast.FloatLit(0.5, None),
                                                  ast.FloatLit(1.5, None)], False)
        assert expr('["a", "b"]') == ast.ArrayLit([ast.StrLit(b"a"), ast.StrLit(b"b")], False)
        assert expr("[1, 2, 3]") == ast.ArrayLit([lit(1), lit(2), lit(3)], False)
        assert expr("[]") == ast.ArrayLit([], False)

    def test_fill_applies_to_nested_literals_and_print(self):
        nested = expr("[[1, 2], [3, 4, 5]]")
        assert nested.elems[0] == ast.ArrayFill(lit(1), lit(2))
        assert stmt("print([8, 3])").args[0] == ast.ArrayFill(lit(8), lit(3))
        assert stmt("return [a, b]").value == ast.ArrayFill(name("a"), name("b"))

    def test_call_arguments_see_two_elements(self):
        pair = ast.ArrayLit([lit(3), lit(9)], False)
        assert expr("len([3, 9])").args == [pair]
        assert expr("obj.m(1, [3, 9])").args[1] == pair
        assert expr("Shape.Rect([3, 9])").args == [pair]
        # only directly: an index into a fill is still a fill
        assert expr("f([3, 9][0])").args[0].obj == ast.ArrayFill(lit(3), lit(9))

    def test_semicolon_fill_means_the_same_everywhere(self):
        assert expr("[0; 4]") == ast.ArrayFill(lit(0), lit(4))
        assert expr("f([5; 3])").args == [ast.ArrayFill(lit(5), lit(3))]
        assert expr("[[0, 0, 0]; n]") == ast.ArrayFill(
            ast.ArrayLit([lit(0), lit(0), lit(0)], False), name("n"))

    def test_slices_and_indexes(self):
        a = name("a")
        assert expr("a[1..3]") == ast.Slice(a, lit(1), lit(3))
        assert expr("a[2..]") == ast.Slice(a, lit(2), None)
        assert expr("a[..4]") == ast.Slice(a, None, lit(4))
        assert expr("a[..]") == ast.Slice(a, None, None)
        assert expr("a[i + 1]") == ast.Index(a, ast.Binary("+", name("i"), lit(1)))
        assert expr("a[i][j]") == ast.Index(ast.Index(a, name("i")), name("j"))
        error_at("print(a[1..2])\nprint(a[1..=2])\n", 2, 10, "'..='")
        error_at("x = a[]\n", 1, 7, "expected an expression")

    def test_array_types(self):
        decl = stmt("xs: [[i32]] = []")
        assert decl.type == ast.ArrayType(ast.ArrayType(ast.TypeName("i32"), None), None)
        assert stmt("v: [i32, 3] = [1, 2, 3]").type == ast.ArrayType(ast.TypeName("i32"), lit(3))
        assert stmt("k: [i32, K] = [9, K]").type == ast.ArrayType(ast.TypeName("i32"), name("K"))
        assert stmt("m: Maybe[i32] = x").type == ast.GenericType("Maybe", [ast.TypeName("i32")])
        assert stmt("p: geom.Point = x").type == ast.TypeName("geom.Point")


class TestStructLiterals:
    def test_struct_literals(self):
        assert expr("Point{ x: 1, y: 2 }") == ast.StructLit(
            ["Point"], [ast.FieldInit("x", lit(1)), ast.FieldInit("y", lit(2))])
        assert expr("geom.Point{ x: 1 }").type_name == ["geom", "Point"]
        assert expr("P{}") == ast.StructLit(["P"], [])
        node = expr("Temp{ c: -3.0 }.label()")
        assert isinstance(node, ast.Call) and isinstance(node.callee.obj, ast.StructLit)

    def test_brace_after_something_else(self):
        error_at("x = f(){ a: 1 }\n", 1, 8, "'{'")


# ============================================================================ statements
class TestDeclarations:
    def test_forms(self):
        i32 = ast.TypeName("i32")
        assert stmt("x = 1") == ast.Assign(name("x"), "=", lit(1))
        assert stmt("mut x = 1") == ast.VarDecl("x", True, None, lit(1), False, False)
        assert stmt("x: i32 = 1") == ast.VarDecl("x", False, i32, lit(1), False, False)
        assert stmt("mut x: i32 = 1") == ast.VarDecl("x", True, i32, lit(1), False, False)
        assert stmt("X := 1") == ast.VarDecl("X", False, None, lit(1), True, False)
        assert stmt("X: i32 := 1") == ast.VarDecl("X", False, i32, lit(1), True, False)
        assert stmt("pub X: i32 := 1") == ast.VarDecl("X", False, i32, lit(1), True, True)
        assert stmt("pub mut n: i32 = 0") == ast.VarDecl("n", True, i32, lit(0), False, True)
        assert stmt("pub n = 0") == ast.VarDecl("n", False, None, lit(0), False, True)

    def test_positions(self):
        decl = body("a = 1\n  \npub mut count: i32 = 0\n")[1]
        assert (decl.line, decl.col, decl.name_line, decl.name_col) == (3, 1, 3, 9)
        decl = stmt("x: i32 = 1")
        assert (decl.line, decl.col, decl.name_line, decl.name_col) == (1, 1, 1, 1)

    def test_assignments(self):
        for op in ("=", "+=", "-=", "*=", "/=", "%="):
            node = stmt("total %s i as i64" % op)
            assert node.op == op and isinstance(node.value, ast.Cast)
        assert stmt("a[i] += 1").target == ast.Index(name("a"), name("i"))
        assert stmt("p.x = 1").target == ast.Member(name("p"), "x")
        assert stmt("a[i][j] = 1").target == ast.Index(ast.Index(name("a"), name("i")), name("j"))

    def test_invalid_declarations(self):
        error_at("x = 1\nmut x += 1\n", 2, 1, "'mut'")
        error_at("x: i32\n", 1, 7, "expected '=' or ':='")
        error_at("mut X := 1\n", 1, 7, "cannot be 'mut'")
        error_at("f() = 1\n", 1, 1, "cannot assign")
        error_at("a[1..2] = b\n", 1, 1, "cannot assign")

    def test_pub_and_use_only_at_top_level(self):
        error_at("fn f():\n    pub x = 1\n", 2, 5, "top level")
        error_at("if a:\n    use m\n", 2, 5, "module scope")
        error_at("fn f(): pub fn g(): pass\n", 1, 9, "top level")


class TestSeparators:
    def test_semicolons(self):
        assert len(body("a = 1; b = 2; print(a + b)\nprint(3);;\n;;\n")) == 4

    def test_top_level_comma(self):
        a, b = body("c = 10, mut d = 20\n")
        assert isinstance(a, ast.Assign) and isinstance(b, ast.VarDecl)

    def test_comma_inside_block_is_an_error(self):
        error_at("fn f():\n    a = 1, b = 2\n", 2, 10, "','")

    def test_statements_without_separator(self):
        error_at('print("x") print("y")\n', 1, 12, "';'")
        error_at("x = 1 y = 2\n", 1, 7)
        error_at("fn f():\n    return 1 2\n", 2, 14)


class TestInlineBodies:
    def test_every_header_takes_all_statements(self):
        if_node = stmt('if n > 5: print("a"); print("b")')
        assert len(if_node.branches[0].body) == 2
        src = 'if n > 1: a(); b()\nelif n > 0: c(); d()\nelse: e(); f()\n'
        node = stmt(src)
        assert [len(b.body) for b in node.branches] == [2, 2] and len(node.else_body) == 2
        assert len(stmt("while i < 2: i += 1; print(i)").body) == 2
        assert len(stmt("for k in 0..2: print(k); print(k)").body) == 2
        assert len(stmt("fn twice(v: i32) -> i32: d = v * 2; return d").body) == 2
        node = stmt("try: print(1)\ncatch e: print(e); print(2)")
        assert len(node.body) == 1 and len(node.handler) == 2 and node.err_name == "e"

    def test_trailing_semicolon(self):
        assert len(stmt("if a: b();").branches[0].body) == 1

    def test_compound_statement_cannot_be_inline(self):
        error_at("if a: if b: c\n", 1, 7, "one-line body")
        error_at("if a: x\nelse if b: y\n", 2, 6, "elif")
        error_at("for x in y: while z: pass\n", 1, 13, "one-line body")

    def test_else_on_the_same_line_is_an_error(self):
        error_at("if a: x = 1 else: x = 2\n", 1, 13)


class TestControlFlow:
    def test_if_chain(self):
        node = stmt("if a:\n    x\nelif b:\n    y\nelif c: z\nelse:\n    w\n")
        assert [b.cond for b in node.branches] == [name("a"), name("b"), name("c")]
        assert node.else_body == [ast.ExprStmt(name("w"))]
        assert [(b.line, b.col) for b in node.branches] == [(1, 1), (3, 1), (5, 1)]

    def test_for_forms(self):
        node = stmt("for i in lo * 2..hi * 2:\n    pass")
        assert isinstance(node, ast.For) and not node.inclusive and node.step is None
        assert node.start == ast.Binary("*", name("lo"), lit(2))
        node = stmt("for v in 6..=0..-2: pass")
        assert node.inclusive and node.step == ast.Unary("-", lit(2))
        node = stmt("for x in items: pass")
        assert node == ast.ForIn("x", name("items"), [ast.Pass()], None)
        node = stmt("for _ in 0..3: pass")
        assert node.var == "_"

    def test_labels(self):
        loop = stmt("'rows: for r in 0..4:\n    if r == 1:\n        continue 'rows\n"
                    "    break 'rows\n")
        assert loop.label == "rows" and (loop.line, loop.col) == (1, 1)
        assert loop.body[1] == ast.Break("rows")
        assert loop.body[0].branches[0].body == [ast.Continue("rows")]
        assert stmt("'scan: while n < 10: break").label == "scan"
        error_at("'x: print(1)\n", 1, 5, "label")

    def test_assignment_in_condition(self):
        error_at("x = 3\nif x = 3:\n    print(x)\n", 2, 6, "Did you mean '=='?")
        error_at("if a:\n    b\nelif x = 3: c\n", 3, 8, "Did you mean '=='?")
        error_at("while x = 3: c\n", 1, 9, "Did you mean '=='?")

    def test_missing_colon_is_reported_on_the_header_line(self):
        error_at("if x > 3\n    print(x)\n", 1, 9, "expected ':'")
        error_at("print(0)\nwhile true\n    pass\n", 2, text="expected ':'")
        error_at("for i in 0..3\n    pass\n", 1, text="expected ':'")
        error_at("fn f()\n    pass\n", 1, text="expected ':'")
        error_at("else:\n    pass\n", 1, 1, "without a matching 'if'")

    def test_return_pass_print(self):
        fn = stmt("fn f():\n    return\n")
        assert fn.body == [ast.Return(None)]
        assert stmt("return 1") == ast.Return(lit(1))
        assert stmt("print()") == ast.Print([])
        assert stmt("print(1, \"a\",)") == ast.Print([lit(1), ast.StrLit(b"a")])
        error_at("print 1\n", 1, 7, "'('")

    def test_try_catch(self):
        node = stmt("try:\n    a()\ncatch err:\n    b()\n")
        assert node.err_name == "err" and len(node.body) == 1
        assert stmt("try:\n    a()\ncatch:\n    b()\n").err_name is None
        error_at("try:\n    a()\nprint(1)\n", 3, 1, "catch")


class TestFunctions:
    def test_definitions(self):
        fn = stmt("fn add(a: i32, b) -> i32:\n    return a + b\n")
        assert fn.name == "add" and fn.ret == ast.TypeName("i32")
        assert fn.params == [ast.Param("a", ast.TypeName("i32")), ast.Param("b", None)]
        assert stmt("fn f() -> void: pass").ret == ast.TypeName("void")
        assert stmt("fn f(): pass").ret is None
        assert stmt("pub fn f(): pass").pub is True

    def test_function_types(self):
        fn = stmt("fn apply(f: fn(i32) -> i32, v: i32) -> fn(i32, i32) -> bool: pass")
        assert fn.params[0].type == ast.FnType([ast.TypeName("i32")], ast.TypeName("i32"))
        assert fn.ret == ast.FnType([ast.TypeName("i32")] * 2, ast.TypeName("bool"))
        assert stmt("cb: fn() -> void = f").type == ast.FnType([], None)

    def test_lambdas(self):
        src = "cube = fn(v: i32) -> i32:\n    return v * v * v\nprint(cube(3))\n"
        assign, printed = body(src)
        assert isinstance(assign.value, ast.Lambda)
        assert assign.value.body == [ast.Return(ast.Binary(
            "*", ast.Binary("*", name("v"), name("v")), name("v")))]
        assert isinstance(printed, ast.Print)
        # nothing after the block belongs to the lambda: `(x)` is a new statement
        first, second = body("f = fn():\n    return 1\n(x)\n")
        assert isinstance(first.value, ast.Lambda) and second == ast.ExprStmt(name("x"))
        inline = stmt("double = fn(x: i32) -> i32: x * 2")
        assert inline.value.body == [ast.ExprStmt(ast.Binary("*", name("x"), lit(2)))]

    def test_lambda_inside_brackets(self):
        error_at("apply(fn(x): x * 2, 3)\n", 1, 14, "brackets")

    def test_nested_functions(self):
        fn = stmt("fn outer(n):\n    fn helper(k):\n        return k\n    return helper(n)\n")
        assert isinstance(fn.body[0], ast.FnDef) and fn.body[0].name == "helper"


class TestTypeDeclarations:
    def test_struct(self):
        node = stmt("pub struct Point:\n    x: i32\n    y: i32 = 0\n")
        assert node.pub and node.name == "Point"
        assert node.fields == [ast.FieldDef("x", ast.TypeName("i32"), None),
                               ast.FieldDef("y", ast.TypeName("i32"), lit(0))]

    def test_pub_field(self):
        error_at("pub struct A:\n    owner: string\n    pub balance: i32\n", 3, 5, "'pub'")

    def test_impl(self):
        node = stmt("impl Point:\n    fn origin() -> Point:\n        return Point{ x: 0 }\n\n"
                    "    pub fn moved(self, dx: i32) -> Point:\n        return self\n")
        assert node.name == "Point" and [m.name for m in node.methods] == ["origin", "moved"]
        assert node.methods[1].params[0] == ast.Param("self", None)
        error_at("impl P:\n    x = 1\n", 2, 5, "method definitions")

    def test_enum(self):
        node = stmt("enum Maybe[T]:\n    Some(value: T)\n    Nothing\n    Pair(i32, string)\n")
        assert node.type_params == ["T"]
        assert [v.name for v in node.variants] == ["Some", "Nothing", "Pair"]
        assert node.variants[0].payload == [("value", ast.TypeName("T"))]
        assert node.variants[1].payload == []
        assert node.variants[2].payload == [(None, ast.TypeName("i32")),
                                            (None, ast.TypeName("string"))]

    def test_angle_bracket_enum(self):
        error_at('print("start")\nenum Box<T>:\n    Full(value: T)\n', 2, 9, "square brackets")


class TestMatch:
    SRC = ("match m:\n"
           "    Msg.Move(dx, _) -> print(dx)\n"
           "    Msg.Stop ->\n"
           "        print(1)\n"
           "        print(2)\n"
           "    geo.Shape.Dot() -> pass\n"
           "    -1 -> pass\n"
           "    LIMIT -> pass\n"
           "    E.A(5) -> pass\n"
           "    _ -> pass\n")

    def test_statement(self):
        node = stmt(self.SRC)
        assert isinstance(node, ast.MatchStmt)
        patterns = [arm.pattern for arm in node.arms]
        assert patterns[0] == ast.VariantPattern(["Msg"], "Move", ["dx", "_"])
        assert patterns[1] == ast.VariantPattern(["Msg"], "Stop", None)
        assert patterns[2] == ast.VariantPattern(["geo", "Shape"], "Dot", [])
        assert patterns[3] == ast.ValuePattern(ast.Unary("-", lit(1)))
        assert patterns[4] == ast.ValuePattern(name("LIMIT"))
        assert isinstance(patterns[5].expr, ast.Call)
        assert patterns[6] == ast.WildcardPattern()
        assert node.arms[0].body == [ast.Print([name("dx")])]
        assert len(node.arms[1].body) == 2
        assert [arm.line for arm in node.arms] == [2, 3, 6, 7, 8, 9, 10]

    def test_expression(self):
        assign = stmt('label = match n:\n    1 -> "one"\n    _ -> "many"\n')
        node = assign.value
        assert isinstance(node, ast.MatchExpr)
        assert [arm.body for arm in node.arms] == [ast.StrLit(b"one"), ast.StrLit(b"many")]
        ret = stmt("fn f(l) -> string:\n    return match l:\n        Level.Low -> \"low\"\n"
                   "        Level.Mid(s) -> \"mid \" + (s as string)\n").body[0]
        assert isinstance(ret.value, ast.MatchExpr)
        assert ret.value.arms[1].pattern == ast.VariantPattern(["Level"], "Mid", ["s"])

    def test_block_arm_in_expression(self):
        error_at('n = 3\nlabel = match n:\n    1 -> "one"\n    _ ->\n        "many"\n', 4, 7,
                 "single expression")

    def test_match_expression_inside_brackets(self):
        error_at("print(match x: 1 -> 2)\n", 1, 16, "brackets")


class TestUse:
    def test_forms(self):
        assert stmt("use geom") == ast.Use(["geom"], None, None)
        assert stmt("use util.text") == ast.Use(["util", "text"], None, None)
        assert stmt("use geom as g") == ast.Use(["geom"], "g", None)
        assert stmt("use geom: a, b as c") == ast.Use(["geom"], None, [("a", None), ("b", "c")])
        assert stmt("use geom: *") == ast.Use(["geom"], None, "*")


class TestPositions:
    def test_node_positions(self):
        assign = stmt("x = foo(1, bar + 2)")
        assert (assign.line, assign.col) == (1, 1)
        call = assign.value
        assert (call.line, call.col) == (1, 5)                 # callee start
        assert (call.args[0].line, call.args[0].col) == (1, 9)
        plus = call.args[1]
        assert (plus.line, plus.col) == (1, 16)                # the operator
        assert (plus.left.line, plus.left.col) == (1, 12)
        cast = expr("v as i64")
        assert (cast.line, cast.col) == (1, 7)                 # the `as`
        member = expr("(a).b")
        assert (member.line, member.col) == (1, 5)             # first token

    def test_argument_on_a_later_line(self):
        call = expr("f(\n    1,\n    bad)")
        assert (call.args[1].line, call.args[1].col) == (3, 5)


# ============================================================================ corpus
def _corpus_cases():
    return [pytest.param(path, id=corpus.spec_id(path)) for path in corpus.all_spec_programs()]


def _expected_compile_line(path):
    if corpus.kind_of(path) != "err":
        return None
    phase, line = corpus.parse_err(path)
    return line if phase == "compile" else None


@pytest.mark.parametrize("path", _corpus_cases())
def test_corpus_file(path):
    rel = path.relative_to(EXAMPLES).as_posix()
    if rel in SYNTAX_ERRORS:
        expected = _expected_compile_line(path)
        assert expected is not None
        with pytest.raises(CompileError) as info:
            parse(path.read_bytes(), str(path))
        assert info.value.line == expected, str(info.value)
        assert info.value.filename == str(path)
    else:
        module = parse(path.read_bytes(), str(path))
        assert isinstance(module, ast.Module)


def test_syntax_error_list_is_current():
    for rel in SYNTAX_ERRORS:
        assert (EXAMPLES / rel).exists(), rel


# ============================================================================ robustness
def _parse_or_compile_error(src):
    try:
        parse(src)
    except CompileError as err:
        assert err.line >= 0 and err.col >= 0
        return err
    return None


class TestRobustness:
    def test_random_bytes(self):
        rng = random.Random(1234)
        alphabet = (b" \t\n\r()[]{}:;,.+-*/%=<>!?'\"\\#$&|^~@azAZ_09"
                    b"\xff\xc3\xa9\x00")
        for _ in range(2000):
            src = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
            _parse_or_compile_error(src)
        for _ in range(300):
            _parse_or_compile_error(bytes(rng.randrange(256) for _ in range(200)))

    def test_mutated_corpus(self):
        rng = random.Random(99)
        sources = [p.read_bytes() for p in corpus.all_spec_programs()]
        pieces = [b"(", b")", b"[", b"]", b":", b"\n", b"    ", b"\t", b",", b";", b"->",
                  b"fn", b"match", b"if", b"..", b"..=", b"\"", b"/*", b"'", b"=", b"?"]
        for _ in range(1500):
            src = bytearray(rng.choice(sources))
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(src) + 1)
                if rng.random() < 0.4:
                    del src[i:i + rng.randint(1, 6)]
                else:
                    src[i:i] = rng.choice(pieces)
            _parse_or_compile_error(bytes(src))

    @pytest.mark.parametrize("src", [
        "x = " + "(" * 10000 + "1" + ")" * 10000,
        "x = " + "(" * 10000 + "1",
        "x = " + "[" * 10000 + "]" * 10000,
        "x = " + "-" * 10000 + "1",
        "x = " + "not " * 10000 + "x",
        "x = " + "f(" * 10000 + ")" * 10000,
        "x = " + "a ? b : " * 5000 + "c",
        "x = " + "a if b else " * 5000 + "c",
        "x = a" + ".b" * 50000,
        "x = " + " + ".join(["1"] * 50000),
        "x: " + "[" * 10000 + "i32" + "]" * 10000 + " = 1",
        "".join(" " * i + "if true:\n" for i in range(2000)) + " " * 2000 + "pass\n",
        "".join(" " * i + "f = fn():\n" for i in range(2000)) + " " * 2000 + "pass\n",
    ], ids=["parens", "unclosed-parens", "brackets", "minus", "not", "calls", "ternary",
            "if-else", "members", "plus-chain", "types", "blocks", "lambdas"])
    def test_deep_nesting_gives_a_compile_error(self, src):
        err = _parse_or_compile_error(src)
        assert err is not None

    def test_nesting_below_the_limit_parses(self):
        depth = MAX_DEPTH // 2 - 5
        parse("x = " + "(" * depth + "1" + ")" * depth)
        parse("".join("    " * i + "if a:\n" for i in range(MAX_DEPTH // 2))
              + "    " * (MAX_DEPTH // 2) + "pass\n")

    def test_recursion_limit_is_restored(self):
        before = sys.getrecursionlimit()
        parse("x = 1")
        _parse_or_compile_error("x = " + "(" * 5000)
        assert sys.getrecursionlimit() == before

    def test_long_lines(self):
        parse('x = "' + "a" * 10_000_000 + '"\n')
        parse("// " + "a" * 10_000_000 + "\n")
        parse("x = " + "a" * 1_000_000 + "\n")
        assert _parse_or_compile_error("x = " + "1" * 10_000_000 + "\n") is not None
        assert _parse_or_compile_error("x = " + "1+" * 5_000_000 + "1\n") is not None
        assert _parse_or_compile_error('x = "' + "a" * 10_000_000) is not None

    def test_many_statements(self):
        module = parse("x = 1\n" * 100_000)
        assert len(module.body) == 100_000
        node = parse("if a: pass\n" + "elif b: pass\n" * 20_000 + "else: pass\n").body[0]
        assert len(node.branches) == 20_001
        assert len(expr("[" + "1, " * 100_000 + "]").elems) == 100_000


def program_5000_lines():
    """A 5,000-line program of functions and the number of them (also timed by
    benchmarks/test_front_end_speed.py)."""
    lines = []
    block = [
        "fn compute_{n}(values: [i32], limit: i32) -> i32:",
        "    mut total = 0",
        "    for i in 0..len(values):",
        "        if values[i] > limit and i % 2 == 0:",
        "            total += values[i] * 2",
        "        elif values[i] < 0: total -= 1",
        "        else:",
        "            total = total + ((values[i] as i64) as i32)",
        "    label = total > 100 ? \"big\" : \"small\"",
        "    print(\"@ {n}\", label, [1, 2, 3][0..1], Point{{ x: total, y: {n} }})",
        "    return total",
        "",
    ]
    n = 0
    while len(lines) < 5000:
        lines.extend(line.format(n=n) for line in block)
        n += 1
    return "\n".join(lines) + "\n", n


def test_parses_5000_lines():
    # (its speed is measured in benchmarks/test_front_end_speed.py: a time
    # limit here would fail on a busy machine for no fault of the parser)
    src, n = program_5000_lines()
    module = parse(src)
    assert len(module.body) == n
