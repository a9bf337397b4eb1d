"""orus.diagnostics: the error report of CORE.md §9 and the internal-error text."""

import re

import pytest

from orus.diagnostics import HEADER_WIDTH, internal_error_text, render, title_of
from orus.errors import CompileError, OrusError, OrusRuntimeError

SRC = "num = 10\nden = 0\n\nprint(num / den)\n"


def test_runtime_report_shape_exact():
    err = OrusRuntimeError("Division by zero", "prog.orus", 4, 11)
    assert render(err, SRC) == (
        "-- RUNTIME PANIC: Division by zero ------------------------------ prog.orus:4:11\n"
        "\n"
        "  4 | print(num / den)\n"
        "    |           ^ Division by zero\n"
    )


def test_header_width_and_location():
    err = CompileError("undefined variable 'x'", "dir/a.orus", 12, 11)
    text = render(err, "\n" * 11 + "print(1 + x)\n")
    header = text.splitlines()[0]
    assert header.startswith("-- COMPILE ERROR: undefined variable 'x' ")
    assert header.endswith(" dir/a.orus:12:11")
    assert len(header) == HEADER_WIDTH
    assert ":12:" in text                       # what the corpus checker looks for
    lines = text.splitlines()
    assert lines[2] == "  12 | print(1 + x)"
    assert lines[3] == "     |           ^ undefined variable 'x'"


def test_caret_under_column_for_every_column():
    src = "abcdefghij\n"
    for col in range(1, 11):
        text = render(CompileError("m", "f.orus", 1, col), src)
        src_line, caret_line = text.splitlines()[2:4]
        assert src_line.index("|") == caret_line.index("|")
        assert caret_line.index("^") == src_line.index("a") + col - 1


def test_tabs_preserved_so_caret_lines_up():
    src = "fn f():\n\tx = 1 +\t2.5\n"
    text = render(CompileError("type mismatch", "t.orus", 2, 10), src)
    src_line, caret_line = text.splitlines()[2:4]
    assert src_line == "  2 | \tx = 1 +\t2.5"
    body = caret_line.split("| ", 1)[1]
    assert body == "\t" + " " * 7 + "\t^ type mismatch"
    # expanded with any tab size, the caret sits under the '2'
    assert body.expandtabs(8).index("^") == src_line.split("| ", 1)[1].expandtabs(8).index("2")


@pytest.mark.parametrize("err, title", [
    (OrusRuntimeError("x", "f", 1, 1), "RUNTIME PANIC"),
    (OrusRuntimeError("x", "f", 1, 1, kind="index error"), "RUNTIME PANIC"),
    (CompileError("x", "f", 1, 1), "COMPILE ERROR"),
    (OrusError("x", "f", 1, 1), "COMPILE ERROR"),
])
def test_titles(err, title):
    assert title_of(err) == title
    assert render(err, None).startswith("-- %s: x " % title)


def test_title_from_attributes_and_class_names():
    err = CompileError("bad", "f.orus", 1, 1)
    err.category = "type mismatch"
    assert title_of(err) == "TYPE MISMATCH"

    class SyntaxErr(CompileError):
        pass

    assert title_of(SyntaxErr("bad", "f.orus", 1, 1)) == "SYNTAX ERROR"
    err = CompileError("bad", "f.orus", 1, 1)
    err.kind = "syntax"
    assert title_of(err) == "SYNTAX ERROR"
    assert render(err, "x\n").startswith("-- SYNTAX ERROR: bad ")


def test_missing_source_uses_source_line_attribute():
    err = CompileError("oops", "f.orus", 3, 2, source_line="  y = z")
    lines = render(err, None).splitlines()
    assert lines[2] == "  3 |   y = z"
    assert lines[3] == "    |  ^ oops"


@pytest.mark.parametrize("source", [None, "", "only one line\n", b"", b"one\n"])
def test_line_past_end_or_missing_source(source):
    text = render(CompileError("bad thing", "f.orus", 9, 4), source)
    assert text.splitlines()[0].endswith(" f.orus:9:4")
    assert "bad thing" in text.splitlines()[2]
    assert "|" not in text


def test_line_zero_and_col_zero():
    text = render(CompileError("no location", "f.orus", 0, 0), "x = 1\n")
    assert text.splitlines()[0].endswith(" f.orus:0:0")
    assert text.splitlines()[2] == "  no location"
    text = render(CompileError("missing ':'", "f.orus", 2, 0), "if x\n    y = 1\n")
    src_line, caret_line = text.splitlines()[2:4]
    assert src_line == "  2 |     y = 1"
    assert caret_line == "    |     ^ missing ':'"


def test_col_past_end_of_line():
    text = render(CompileError("expected expression", "f.orus", 1, 50), "x = \n")
    caret_line = text.splitlines()[3]
    assert caret_line == "    |     ^ expected expression"


def test_bytes_source_columns_count_bytes():
    src = "s = \"héllo\" + 1\n".encode()
    # '+' is byte 14 (é is two bytes), character 13
    text = render(CompileError("bad +", "f.orus", 1, 14), src)
    src_line, caret_line = text.splitlines()[2:4]
    assert caret_line.index("^") == src_line.index("+")
    text = render(CompileError("bad +", "f.orus", 1, 13), src.decode())
    src_line, caret_line = text.splitlines()[2:4]
    assert caret_line.index("^") == src_line.index("+")


def test_binary_junk_is_neutralised():
    src = b"\xff\xfe\x00\x1b[2J\x07abc\r\n"
    text = render(CompileError("junk\x1b[31m", "f.orus", 1, 9), src)
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text
    src_line, caret_line = text.splitlines()[2:4]
    assert src_line.endswith("abc")
    assert caret_line.index("^") == src_line.index("a")


def test_wide_characters():
    src = "s = \"中文\" + 1\n"
    text = render(CompileError("bad", "f.orus", 1, 10), src)
    src_line, caret_line = text.splitlines()[2:4]
    # two wide characters before '+' take two columns each
    assert caret_line.index("^") == src_line.index("+") + 2


def test_very_long_line_is_cut_around_column():
    src = "a" * 5000 + "X" + "b" * 5000 + "\n"
    text = render(CompileError("here", "f.orus", 1, 5001), src)
    src_line, caret_line = text.splitlines()[2:4]
    assert len(src_line) < 140
    assert src_line.split("| ", 1)[1].startswith("...")
    assert src_line.endswith("...")
    assert src_line[caret_line.index("^")] == "X"
    # near the start: no leading ellipsis
    text = render(CompileError("here", "f.orus", 1, 3), src)
    src_line, caret_line = text.splitlines()[2:4]
    assert not src_line.split("| ", 1)[1].startswith("...")
    assert caret_line.index("^") == src_line.index("| ") + 2 + 2
    # near the end
    text = render(CompileError("here", "f.orus", 1, 10001), src)
    src_line, caret_line = text.splitlines()[2:4]
    assert not src_line.endswith("...")
    assert src_line[caret_line.index("^")] == "b"


def test_long_message_shortened_in_header_only():
    msg = "m" * 300
    text = render(CompileError(msg, "f.orus", 1, 1), "x\n")
    header = text.splitlines()[0]
    assert len(header) < 100 and header.endswith(" f.orus:1:1")
    assert msg in text


def test_multiline_message():
    text = render(CompileError("first line\nsecond line", "f.orus", 1, 1), "x = 1\n")
    lines = text.splitlines()
    assert lines[0].startswith("-- COMPILE ERROR: first line ")
    assert lines[3] == "    |^ first line".replace("|^", "| ^")
    assert lines[4] == "    = second line"


def test_crlf_source_and_many_lines():
    src = "".join("line%d\r\n" % i for i in range(1, 200))
    text = render(OrusRuntimeError("boom", "f.orus", 150, 1), src)
    lines = text.splitlines()
    assert lines[2] == "  150 | line150"
    assert lines[3] == "      | ^ boom"


def test_weird_attribute_values():
    err = CompileError("x", None, "7", None)
    text = render(err, "a\n" * 10)
    assert text.splitlines()[0].endswith(" <input>:7:0")
    err = CompileError("x", "f", -3, -1)
    assert render(err, "a\n").splitlines()[0].endswith(" f:0:0")


def test_color():
    text = render(OrusRuntimeError("Division by zero", "prog.orus", 4, 11), SRC, color=True)
    assert "\x1b[" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert plain == render(OrusRuntimeError("Division by zero", "prog.orus", 4, 11), SRC)


def test_hint_attribute():
    err = CompileError("type mismatch", "f.orus", 1, 1)
    err.hint = "write `x as f64`"
    assert render(err, "x\n").rstrip().endswith("= hint: write `x as f64`")


def test_internal_error_text(monkeypatch):
    monkeypatch.delenv("ORUS_DEBUG", raising=False)
    try:
        {}["missing"]
    except KeyError as exc:
        text = internal_error_text(exc)
    assert "bug in Orus" in text
    assert "issue tracker" in text and "program" in text
    assert "KeyError: 'missing'" in text
    assert "Traceback" not in text
    assert len(text.splitlines()) <= 5


def test_internal_error_text_debug(monkeypatch):
    monkeypatch.setenv("ORUS_DEBUG", "1")
    try:
        raise RuntimeError("line one\nline two" + "x" * 1000)
    except RuntimeError as exc:
        text = internal_error_text(exc)
    assert "Traceback (most recent call last)" in text
    short = [ln for ln in text.splitlines() if ln.startswith("  RuntimeError")][0]
    assert len(short) < 250 and "line one line two" in short
