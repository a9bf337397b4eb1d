"""orus.host.fmt: print formatting (CORE §7, DECISIONS core rows 9, 10, 11, 33, 34)."""

import math
import random
import struct

import numpy as np
import pytest

from orus.host import fmt
from orus.host.fmt import (OUTEND_REC, bits_to_f64, f64_to_bits, fmt_f64, format_scalar,
                           format_spec, parse_template, render_print)
from orus.host import output
from orus.host.output import OutputDecoder
from orus.bytecode.opcodes import (OUT_BOOL, OUT_F64, OUT_FN, OUT_I32, OUT_I64, OUT_STR, OUT_U32,
                                   OUT_U64)


# ---------------------------------------------------------------------------
# helpers: values as (kind, payload) the way the VM hands them over
# ---------------------------------------------------------------------------

def I(v):          # i32 / i64 literal value
    return (OUT_I64 if not -2**31 <= v < 2**31 else OUT_I32, v)


def L(v):
    return (OUT_I64, v)


def U32(v):
    return (OUT_U32, v)


def U64(v):        # bits: the two's complement pattern as int64
    return (OUT_U64, v - 2**64 if v >= 2**63 else v)


def Fl(v):
    return (OUT_F64, f64_to_bits(v))


def B(v):
    return (OUT_BOOL, 1 if v else 0)


def S(text):
    return (OUT_STR, text.encode() if isinstance(text, str) else text)


def line(*values, template=None):
    return render_print(template, list(values))


def spec_reference_f64(v):
    """The algorithm of CORE §7.1, verbatim."""
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if v == 0.0:
        return "0"
    s = ("%.17g" % v) if abs(v) < 1e-4 else ("%.17f" % v)
    mant, e, exp = s.partition("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant + e + exp


# ---------------------------------------------------------------------------
# §7.1 f64
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (1.0, "1"), (2.75, "2.75"), (0.1, "0.10000000000000001"),
    (0.1 + 0.2, "0.30000000000000004"), (1e21, "1000000000000000000000"),
    (0.0001, "0.0001"), (0.00009, "9.0000000000000006e-05"), (1e-10, "1e-10"),
    (1 / 1048576, "9.5367431640625e-07"),
    (float("nan"), "nan"), (-float("nan"), "nan"), (float("inf"), "inf"),
    (float("-inf"), "-inf"), (0.0, "0"), (-0.0, "0"),
    (2.0, "2"), (-3.0, "-3"), (100.0, "100"), (1e15, "1000000000000000"),
    (0.5, "0.5"), (0.125, "0.125"), (-2.75, "-2.75"),
    (0.2, "0.20000000000000001"), (0.3, "0.29999999999999999"), (0.7, "0.69999999999999996"),
    (1.1 * 3.0, "3.30000000000000027"), (1.0 / 3.0, "0.33333333333333331"),
    (2.0 / 3.0, "0.66666666666666663"), (10.0 / 7.0, "1.4285714285714286"),
    (123.456, "123.45600000000000307"), (3.14159, "3.14158999999999988"),
    (2.718281828459045, "2.71828182845904509"),
    (1e16, "10000000000000000"), (1e17, "100000000000000000"),
    (12345678901234567890.0, "12345678901234567168"),
    (0.001, "0.001"), (0.00015, "0.00015"), (9.5, "9.5"), (99.99, "99.98999999999999488"),
    (1000000.5, "1000000.5"), (0.00001, "1.0000000000000001e-05"),
    (0.000012345, "1.2345e-05"), (2.5e-8, "2.4999999999999999e-08"),
    (0.0 - 0.00003, "-3.0000000000000001e-05"), (1e-300, "1e-300"),
    (1.0 / 1024.0, "0.0009765625"), (0.00009765625, "9.7656250000000005e-05"),
    (5e-324, "4.9406564584124654e-324"), (-1e-5, "-1.0000000000000001e-05"),
])
def test_fmt_f64_examples(value, text):
    assert fmt_f64(value) == text


def test_fmt_f64_large_prints_all_digits():
    text = fmt_f64(1.5e300)
    assert "e" not in text and len(text) == 301 and text.startswith("15")
    assert fmt_f64(1.7976931348623157e308) == "%.0f" % 1.7976931348623157e308


def test_fmt_f64_matches_spec_algorithm_randomly():
    rng = random.Random(1234)
    for _ in range(20000):
        bits = rng.getrandbits(64)
        v = struct.unpack("<d", struct.pack("<Q", bits))[0]
        assert fmt_f64(v) == spec_reference_f64(v)
    for _ in range(5000):
        v = rng.uniform(-1e-3, 1e-3) * 10 ** rng.randint(-20, 5)
        assert fmt_f64(v) == spec_reference_f64(v)
    for v in (1e-4, -1e-4, math.nextafter(1e-4, 0), math.nextafter(1e-4, 1)):
        assert fmt_f64(v) == spec_reference_f64(v)


def test_bits_roundtrip():
    for v in (0.0, -0.0, 1.5, -2.25, float("inf"), 5e-324):
        b = f64_to_bits(v)
        assert -2**63 <= b < 2**63
        assert struct.pack("<d", bits_to_f64(b)) == struct.pack("<d", v)
        assert struct.pack("<d", bits_to_f64(b & (2**64 - 1))) == struct.pack("<d", v)


# ---------------------------------------------------------------------------
# format_scalar
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind, bits, text", [
    (OUT_I32, -42, b"-42"), (OUT_I32, 2147483647, b"2147483647"),
    (OUT_I32, -2147483648, b"-2147483648"), (OUT_I64, 123456789012, b"123456789012"),
    (OUT_I64, -9223372036854775808, b"-9223372036854775808"),
    (OUT_I64, 9223372036854775807, b"9223372036854775807"),
    (OUT_U32, 4000000000, b"4000000000"), (OUT_U32, 4294967295, b"4294967295"),
    (OUT_U64, 9000000000000000000, b"9000000000000000000"),
    (OUT_U64, -1, b"18446744073709551615"), (OUT_U64, 2**64 - 1, b"18446744073709551615"),
    (OUT_U64, -9223372036854775808, b"9223372036854775808"),
    (OUT_F64, f64_to_bits(2.75), b"2.75"), (OUT_F64, f64_to_bits(-0.0), b"0"),
    (OUT_BOOL, 1, b"true"), (OUT_BOOL, 0, b"false"), (OUT_I32, 0, b"0"),
])
def test_format_scalar(kind, bits, text):
    assert format_scalar(kind, bits) == text


def test_format_scalar_rejects_string_kinds():
    with pytest.raises(ValueError):
        format_scalar(OUT_STR, 0)


# ---------------------------------------------------------------------------
# §7.3 specs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind, bits, spec, text", [
    (OUT_I32, 255, "x", b"ff"), (OUT_I32, 255, "X", b"FF"), (OUT_I32, 255, "b", b"11111111"),
    (OUT_I32, 255, "o", b"377"), (OUT_I32, 255, "", b"255"),
    (OUT_I32, -1, "x", b"ffffffffffffffff"), (OUT_I64, -1, "X", b"FFFFFFFFFFFFFFFF"),
    (OUT_I32, -2, "o", b"1777777777777777777776"), (OUT_I32, 0, "b", b"0"),
    (OUT_I64, 4294967296, "x", b"100000000"), (OUT_U32, 4294967295, "x", b"ffffffff"),
    (OUT_U32, 5, "b", b"101"), (OUT_U64, -1, "x", b"ffffffffffffffff"),
    (OUT_I32, 42, ".2f", b"42"), (OUT_I32, 42, ".2", b"42"),
    (OUT_F64, f64_to_bits(3.14159265), ".2f", b"3.14"),
    (OUT_F64, f64_to_bits(3.14159265), ".0f", b"3"),
    (OUT_F64, f64_to_bits(3.14159265), ".4f", b"3.1416"),
    (OUT_F64, f64_to_bits(0.25), ".1f", b"0.2"), (OUT_F64, f64_to_bits(0.35), ".1f", b"0.3"),
    (OUT_F64, f64_to_bits(2.5), ".0f", b"2"), (OUT_F64, f64_to_bits(3.5), ".0f", b"4"),
    (OUT_F64, f64_to_bits(2.0), ".3f", b"2.000"), (OUT_F64, f64_to_bits(2.0), ".3", b"2.000"),
    (OUT_F64, f64_to_bits(3.14159), ".2f", b"3.14"),
    (OUT_F64, f64_to_bits(1.5), "x", b"1.5"), (OUT_F64, f64_to_bits(1.5), ".f", b"1.5"),
    (OUT_F64, f64_to_bits(1.5), ".", b"1.5"), (OUT_F64, f64_to_bits(0.1), "", b"0.10000000000000001"),
    (OUT_F64, f64_to_bits(float("inf")), ".2f", b"inf"),
    (OUT_BOOL, 1, "x", b"true"), (OUT_BOOL, 0, ".2f", b"false"),
    (OUT_STR, b"text", "x", b"text"), (OUT_FN, b"<fn f>", ".1f", b"<fn f>"),
])
def test_format_spec(kind, bits, spec, text):
    assert format_spec(kind, bits, spec) == text


# ---------------------------------------------------------------------------
# render_print: the print corpus, line by line
# ---------------------------------------------------------------------------

def test_plain_lines():
    # print/basic_types
    assert line(I(-42)) == b"-42\n"
    assert line(I(-42), L(123456789012), U32(4000000000), U64(9000000000000000000), Fl(2.75),
                B(True), S("text")) == b"-42 123456789012 4000000000 9000000000000000000 2.75 true text\n"
    # print/empty_print
    assert line() == b"\n"
    # print/separators
    assert line(S("a"), S("b"), S("c")) == b"a b c\n"
    assert line(S(""), S("leading empty")) == b" leading empty\n"
    assert line(S("trailing empty"), S("")) == b"trailing empty \n"
    assert line(S("joined:"), I(1), Fl(2.5), B(True), S("end")) == b"joined: 1 2.5 true end\n"
    # print/int_extremes
    assert line(I(2147483647), I(-2147483648)) == b"2147483647 -2147483648\n"
    assert line(L(2**63 - 1), L(-2**63)) == b"9223372036854775807 -9223372036854775808\n"
    assert line(U64(2**64 - 1)) == b"18446744073709551615\n"
    # print/float_specials
    assert line(Fl(float("inf"))) == b"inf\n"
    assert line(Fl(float("-inf"))) == b"-inf\n"
    assert line(Fl(float("inf") - float("inf"))) == b"nan\n"
    assert line(Fl(0.0), Fl(-0.0), Fl(-0.0)) == b"0 0 0\n"
    # functions print as <fn NAME> (DECISIONS core row 33)
    assert line((OUT_FN, b"<fn add>"), I(1)) == b"<fn add> 1\n"
    # strings are raw bytes, NUL and non-UTF-8 included (DECISIONS core row 35)
    assert line(S(b"a\x00b\xff")) == b"a\x00b\xff\n"


def test_float_corpus_lines():
    assert line(*map(Fl, (1.0, 2.0, -3.0, 100.0, 1e15))) == b"1 2 -3 100 1000000000000000\n"
    assert line(*map(Fl, (0.1, 0.2, 0.3, 0.7))) == \
        b"0.10000000000000001 0.20000000000000001 0.29999999999999999 0.69999999999999996\n"
    assert line(*map(Fl, (1e16, 1e17, 1e21, 12345678901234567890.0))) == \
        b"10000000000000000 100000000000000000 1000000000000000000000 12345678901234567168\n"
    assert line(*map(Fl, (0.0001, 0.00009, 0.00001))) == \
        b"0.0001 9.0000000000000006e-05 1.0000000000000001e-05\n"
    small = 1.0 / 1024.0
    assert line(Fl(small), Fl(small / 1024.0)) == b"0.0009765625 9.5367431640625e-07\n"


TEMPLATE_CASES = [
    # print/template_basic
    (b"name=@ count=@", [S("orus"), I(3)], b"name=orus count=3"),
    (b"@ + @ = @", [I(2), I(3), I(5)], b"2 + 3 = 5"),
    (b"only one @ used", [I(1), I(2), I(3)], b"only one 1 used 2 3"),
    (b"no placeholders", [I(10), I(20)], b"no placeholders 10 20"),
    (b"more placeholders @ @ @", [S("a")], b"more placeholders a @ @"),
    (b"a literal at sign: user@example.com", [], b"a literal at sign: user@example.com"),
    (b"ratio @", [Fl(0.1)], b"ratio 0.10000000000000001"),
    (b"@", [B(True)], b"true"),
    (b"@@ consumes no argument", [I(1), I(2)], b"@ consumes no argument 1 2"),
    (b"double @@ with one argument", [I(9)], b"double @ with one argument 9"),
    # print/template_double_at
    (b"user@@example.com", [], b"user@example.com"),
    (b"50@@ off", [], b"50@ off"),
    (b"@@ then @", [I(7)], b"@ then 7"),
    (b"@@@", [I(1)], b"@1"),
    (b"mail @@ @ and @", [S("me"), S("you")], b"mail @ me and you"),
    (b"@@", [I(1), I(2)], b"@ 1 2"),
    # print/template_escapes: the lexer already processed the escapes once
    (b"tab inside literal:\tok", [], b"tab inside literal:\tok"),
    (b"one pass only, the backslash stays: a\\ b", [], b"one pass only, the backslash stays: a\\ b"),
    (b"C:\\new\\table", [], b"C:\\new\\table"),
    (b"C:\\new @", [I(1)], b"C:\\new 1"),
    (b"\\n\\t\\\\ @", [I(1)], b"\\n\\t\\\\ 1"),
    # print/template_first_arg_only (the first-argument template part)
    (b"first @", [S("second @ stays"), I(3)], b"first second @ stays 3"),
    # print/template_specs
    (b"hex=@x HEX=@X bin=@b oct=@o dec=@", [I(255)] * 5, b"hex=ff HEX=FF bin=11111111 oct=377 dec=255"),
    (b"pi ~ @.2f, @.0f, @.4f", [Fl(3.14159265)] * 3, b"pi ~ 3.14, 3, 3.1416"),
    (b"rounding @.1f @.1f @.0f @.0f", [Fl(0.25), Fl(0.35), Fl(2.5), Fl(3.5)], b"rounding 0.2 0.3 2 4"),
    (b"padding zeros @.3f", [Fl(2.0)], b"padding zeros 2.000"),
    (b"int ignores precision: @.2f", [I(42)], b"int ignores precision: 42"),
    (b"float ignores radix: @x", [Fl(1.5)], b"float ignores radix: 1.5"),
    (b"wide hex @x", [L(4294967296)], b"wide hex 100000000"),
    (b"u32 hex @x bin @b", [U32(4294967295), I(5)], b"u32 hex ffffffff bin 101"),
    (b"negative hex @x", [I(-1)], b"negative hex ffffffffffffffff"),
    (b"no arg left: @x @.2f", [I(1)], b"no arg left: 1 @.2f"),
    (b"spec with no f: @.3 value", [Fl(2.0)], b"spec with no f: 2.000 value"),
    # edge cases of the spec grammar
    (b"@", [], b"@"),
    (b"@@", [], b"@"),
    (b"@@@", [], b"@@"),
    (b"end@", [], b"end@"),
    (b"@.", [Fl(1.5)], b"1.5"),
    (b"@.", [], b"@."),
    (b"@.f", [], b"@.f"),
    (b"@.12ff", [Fl(0.5)], b"0.500000000000f"),
    (b"@xx", [I(255)], b"ffx"),
    (b"@y", [I(1)], b"1y"),
    (b"@B", [], b"@B"),
    (b"a@b@c", [], b"a@b@c"),
    (b"@b@c", [I(2)], b"10@c"),
    (b"", [I(1), I(2)], b" 1 2"),
    (b"", [], b""),
    (b"@ @", [S(""), S("")], b" "),
    (b"\xff@\x00", [S(b"\xfe")], b"\xff\xfe\x00"),
    (b"@", [(OUT_FN, b"<fn main>")], b"<fn main>"),
]


@pytest.mark.parametrize("template, values, text", TEMPLATE_CASES)
def test_templates(template, values, text):
    assert render_print(template, values) == text + b"\n"


def test_template_is_not_applied_without_template():
    # print/template_first_arg_only: non-literal or non-first strings print as is
    assert line(I(1), S("@ is not a placeholder here"), I(2)) == b"1 @ is not a placeholder here 2\n"
    assert line(S("stored template @!"), I(7)) == b"stored template @! 7\n"
    assert line(S("x"), S("stored template @!")) == b"x stored template @!\n"
    assert line(S("as later argument:"), S("C:\\new\\table")) == b"as later argument: C:\\new\\table\n"


def test_parse_template():
    t = parse_template(b"a@@b @x c@.2f@")
    assert t.pieces == [b"a@b ", b" c", b"", b""]
    assert t.specs == ["x", ".2f", ""]
    assert t.tail(0) == b"a@b @x c@.2f@"
    assert t.tail(2) == b"@"
    assert t.tail(3) == b""


# ---------------------------------------------------------------------------
# reference model of print (straight from CORE §7.3, amended by DECISIONS 10)
# ---------------------------------------------------------------------------

def ref_value(v, spec=""):
    kind, payload = v
    if kind in (OUT_STR, OUT_FN):
        return payload
    if kind in (OUT_I32, OUT_I64, OUT_U32, OUT_U64):
        val = payload if kind in (OUT_I32, OUT_I64) else payload % 2**64
        if spec in ("x", "X", "o", "b"):
            return format(val % 2**64, spec).encode()
        return str(val).encode()
    if kind == OUT_F64:
        f = bits_to_f64(payload)
        if len(spec) >= 2 and spec[0] == "." and spec[1].isdigit():
            return ("%." + spec[1:].rstrip("f") + "f").__mod__(f).encode()
        return spec_reference_f64(f).encode()
    return b"true" if payload else b"false"


def ref_print(template, values):
    out = b""
    nxt = 0
    if template is not None:
        s = template.decode("latin-1")
        i = 0
        while i < len(s):
            c = s[i]
            if c == "@":
                if s[i + 1:i + 2] == "@":
                    out += b"@"
                    i += 2
                    continue
                spec = ""
                j = i + 1
                if s[j:j + 1] == ".":
                    spec = "."
                    j += 1
                    while s[j:j + 1].isdigit() and s[j:j + 1].isascii():
                        spec += s[j]
                        j += 1
                    if s[j:j + 1] == "f":
                        spec += "f"
                        j += 1
                elif s[j:j + 1] and s[j] in "xXbo":
                    spec = s[j]
                    j += 1
                if nxt < len(values):
                    out += ref_value(values[nxt], spec)
                    nxt += 1
                else:
                    out += ("@" + spec).encode("latin-1")
                i = j
            else:
                out += c.encode("latin-1")
                i += 1
        for v in values[nxt:]:
            out += b" " + ref_value(v)
    else:
        out = b" ".join(ref_value(v) for v in values)
    return out + b"\n"


def random_value(rng):
    kind = rng.choice([OUT_I32, OUT_I64, OUT_U32, OUT_U64, OUT_F64, OUT_BOOL, OUT_STR, OUT_FN])
    if kind == OUT_I32:
        return (kind, rng.choice([0, -1, 1, 2**31 - 1, -2**31, rng.randint(-2**31, 2**31 - 1),
                                  rng.randint(-999, 999)]))
    if kind == OUT_I64:
        return (kind, rng.choice([-2**63, 2**63 - 1, 0, -7, rng.randint(-2**63, 2**63 - 1),
                                  rng.randint(-10**6, 10**6)]))
    if kind == OUT_U32:
        return (kind, rng.choice([0, 2**32 - 1, rng.randint(0, 2**32 - 1)]))
    if kind == OUT_U64:
        return (kind, rng.choice([-1, -2**63, 0, 2**63 - 1, rng.randint(-2**63, 2**63 - 1)]))
    if kind == OUT_F64:
        v = rng.choice([0.0, -0.0, 0.1, 2.5, -1e-7, 1e300, float("inf"), float("nan"),
                        rng.uniform(-1e6, 1e6), rng.uniform(-1e-3, 1e-3)])
        return (kind, f64_to_bits(v))
    if kind == OUT_BOOL:
        return (kind, rng.randint(0, 1))
    if kind == OUT_STR:
        return (kind, bytes(rng.choice(b"ab @\\\n\t\x00\xff.x5") for _ in range(rng.randint(0, 6))))
    return (kind, b"<fn f%d>" % rng.randint(0, 9))


def random_template(rng):
    parts = [b"@", b"@@", b"@x", b"@X", b"@b", b"@o", b"@.", b"@.2f", b"@.0", b"@.f", b"@.12",
             b" ", b"a", b"\\n", b"\t", b"5", b"f", b"x", b".", b"\xff", b"\x00"]
    return b"".join(rng.choice(parts) for _ in range(rng.randint(0, 8)))


def test_render_print_matches_reference_model():
    rng = random.Random(7)
    for _ in range(5000):
        values = [random_value(rng) for _ in range(rng.randint(0, 6))]
        template = random_template(rng) if rng.random() < 0.7 else None
        assert render_print(template, values) == ref_print(template, values), (template, values)


# ---------------------------------------------------------------------------
# OutputDecoder
# ---------------------------------------------------------------------------

def encode_statements(statements, strings_table):
    """Records + blob for a list of (template bytes or None, values)."""
    recs = []
    blob = bytearray()
    for template, values in statements:
        for kind, payload in values:
            if kind in (OUT_STR, OUT_FN):
                recs.append((kind, len(blob), len(payload)))
                blob += payload
            else:
                recs.append((kind, payload, 0))
        if template is None:
            sid = -1
        else:
            if template not in strings_table:
                strings_table.append(template)
            sid = strings_table.index(template)
        recs.append((OUTEND_REC, sid, len(values)))
    rec = np.array(recs, dtype=np.int64).reshape(-1, 3)
    return rec, np.frombuffer(bytes(blob), dtype=np.uint8)


def decode_all(statements, extra_tail=()):
    table = []
    rec, blob = encode_statements(statements, table)
    if extra_tail:
        rec = np.concatenate([rec, np.array(extra_tail, dtype=np.int64).reshape(-1, 3)])
    cap = np.zeros((len(rec) + 10, 3), dtype=np.int64)     # records live in a bigger buffer
    cap[:len(rec)] = rec
    d = OutputDecoder()
    return d, d.decode(cap, len(rec), blob, table.__getitem__)


@pytest.mark.parametrize("small", [True, False])
def test_decoder_matches_render_print(small, monkeypatch):
    monkeypatch.setattr(output, "SMALL", 10**9 if small else 0)
    rng = random.Random(11 if small else 12)
    for _ in range(60):
        statements = []
        for _ in range(rng.randint(1, 40)):
            values = [random_value(rng) for _ in range(rng.randint(0, 5))]
            template = random_template(rng) if rng.random() < 0.4 else None
            statements.append((template, values))
        d, out = decode_all(statements)
        assert out == b"".join(ref_print(t, v) for t, v in statements)
        assert d.consumed == sum(len(v) + 1 for _, v in statements)


@pytest.mark.parametrize("small", [True, False])
def test_decoder_print_corpus(small, monkeypatch):
    monkeypatch.setattr(output, "SMALL", 10**9 if small else 0)
    statements = [(t, v) for t, v, _ in TEMPLATE_CASES] + [
        (None, []), (None, [I(-42)]), (None, [U64(2**64 - 1)]), (None, [L(-2**63)]),
        (None, [S(""), S("leading empty")]), (None, [Fl(0.1), B(False), (OUT_FN, b"<fn g>")]),
    ]
    _, out = decode_all(statements)
    expected = b"".join(text + b"\n" for _, _, text in TEMPLATE_CASES) + (
        b"\n-42\n18446744073709551615\n-9223372036854775808\n leading empty\n"
        b"0.10000000000000001 false <fn g>\n")
    assert out == expected


@pytest.mark.parametrize("small", [True, False])
def test_decoder_incomplete_statement_is_left(small, monkeypatch):
    monkeypatch.setattr(output, "SMALL", 10**9 if small else 0)
    d, out = decode_all([(None, [I(1)]), (None, [I(2), I(3)])], extra_tail=[(OUT_I32, 4, 0)])
    assert out == b"1\n2 3\n"
    assert d.consumed == 5
    d = OutputDecoder()
    assert d.decode(np.array([[OUT_I32, 4, 0]], dtype=np.int64), 1, np.zeros(0, np.uint8)) == b""
    assert d.consumed == 0
    assert d.decode(np.zeros((4, 3), dtype=np.int64), 0, np.zeros(0, np.uint8)) == b""


def test_decoder_unknown_kind():
    rec = np.array([[42, 0, 0], [OUTEND_REC, -1, 1]], dtype=np.int64)
    with pytest.raises(ValueError):
        OutputDecoder().decode(rec, 2, np.zeros(0, np.uint8))
    big = np.tile(rec, (500, 1))
    with pytest.raises(ValueError):
        OutputDecoder().decode(big, len(big), np.zeros(0, np.uint8))


def test_decoder_many_ints_vectorised():
    n = 200_000
    vals = np.arange(n, dtype=np.int64) * 7919 - 10**6
    vals[:4] = [-2**63, 2**63 - 1, 0, -1]
    rec = np.zeros((2 * n, 3), dtype=np.int64)
    rec[0::2, 0] = OUT_I64
    rec[0::2, 1] = vals
    rec[1::2, 0] = OUTEND_REC
    rec[1::2, 1] = -1
    rec[1::2, 2] = 1
    out = OutputDecoder().decode(rec, 2 * n, np.zeros(0, np.uint8))
    assert out == ("\n".join(map(str, vals.tolist())) + "\n").encode()


def test_decoder_u64_and_templates_vectorised():
    n = 5000
    rng = np.random.default_rng(3)
    vals = rng.integers(-2**63, 2**63 - 1, size=n, dtype=np.int64)
    rec = np.zeros((3 * n, 3), dtype=np.int64)
    rec[0::3, 0] = OUT_U64
    rec[0::3, 1] = vals
    rec[1::3, 0] = OUT_I32
    rec[1::3, 1] = np.arange(n) - 2500
    rec[2::3, 0] = OUTEND_REC
    rec[2::3, 1] = np.arange(n) % 2 - 1      # every other statement uses template 0
    rec[2::3, 2] = 2
    out = OutputDecoder().decode(rec, 3 * n, np.zeros(0, np.uint8), lambda sid: b"u=@x i=")
    expected = []
    for k, v in enumerate(vals.tolist()):
        i = k - 2500
        if k % 2:
            expected.append("u=%x i= %d\n" % (v % 2**64, i))
        else:
            expected.append("%d %d\n" % (v % 2**64, i))
    assert out == "".join(expected).encode()


@pytest.mark.parametrize("small", [True, False])
def test_decoder_function_records_hold_the_name(small, monkeypatch):
    # The VM copies the function's NAME into the blob; the decoder shows <fn NAME>.
    monkeypatch.setattr(output, "SMALL", 10**9 if small else 0)
    blob = np.frombuffer(b"mainadd<fn g>", dtype=np.uint8)
    rec = np.array([[OUT_FN, 0, 4], [OUTEND_REC, -1, 1],
                    [OUT_FN, 4, 3], [OUT_STR, 0, 4], [OUTEND_REC, 0, 2],
                    [OUT_FN, 7, 6], [OUTEND_REC, -1, 1]], dtype=np.int64)
    out = OutputDecoder().decode(rec, len(rec), blob, lambda sid: b"f=@ s=@x!")
    assert out == b"<fn main>\nf=<fn add> s=main!\n<fn g>\n"
