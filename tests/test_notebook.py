"""Notebooks (issue 8): orus.run with Python values in and out, the %%orus /
%orus magics, and the example notebook executed in a real Jupyter kernel."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import orus
from orus.notebook import cells as notebook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "monte_carlo.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(source, **inputs):
    """Run `source` with `inputs`; outputs: every name the test asks for via `out`."""
    outputs = inputs.pop("out", ())
    return orus.run(source, inputs=inputs, outputs=outputs)


# ------------------------------------------------------------------ inputs: scalars
@pytest.mark.parametrize("value, orus_type, shown", [
    (0, "i64", "0"),
    (-7, "i64", "-7"),
    (2**63 - 1, "i64", "9223372036854775807"),
    (-2**63, "i64", "-9223372036854775808"),
    (2.5, "f64", "2.5"),
    (-0.125, "f64", "-0.125"),
    (True, "bool", "true"),
    (False, "bool", "false"),
    (np.bool_(True), "bool", "true"),
    ("héllo ✓", "string", "héllo ✓"),
    ("", "string", ""),
    (np.int64(-5), "i64", "-5"),
    (np.int32(-2**31), "i32", "-2147483648"),
    (np.uint32(2**32 - 1), "u32", "4294967295"),
    (np.uint64(2**64 - 1), "u64", "18446744073709551615"),
    (np.float64(1.5), "f64", "1.5"),
    (np.float32(0.5), "f64", "0.5"),
    (np.array(3.25), "f64", "3.25"),            # a 0-d array is a scalar
])
def test_scalar_inputs_have_the_orus_type(value, orus_type, shown):
    # the declaration `check: T = v` compiles only if v has type T
    r = run("check: %s = v\nprint(v)\nw = v" % orus_type, v=value, out=["w"])
    assert r.stdout == shown + "\n"
    back = r.outputs["w"]
    assert back == value and type(back) is {"i64": int, "i32": int, "u32": int, "u64": int,
                                            "f64": float, "bool": bool, "string": str}[orus_type]


def test_scalar_inputs_are_mutable_globals_seen_by_functions():
    r = run("fn twice() -> i64:\n    return n * 2\nn += 1\nm = twice()", n=20, out=["n", "m"])
    assert r.outputs == {"n": 21, "m": 42}


# ------------------------------------------------------------------- inputs: arrays
DTYPE_CASES = [
    (np.int32, "i32", [0, -2**31, 2**31 - 1, 7]),
    (np.int64, "i64", [0, -2**63, 2**63 - 1, 7]),
    (np.uint32, "u32", [0, 2**32 - 1, 2**31, 7]),
    (np.uint64, "u64", [0, 2**64 - 1, 2**63, 7]),
    (np.float64, "f64", [0.0, -1.5, 1e300, float("inf")]),
    (np.bool_, "bool", [True, False, False, True]),
]


@pytest.mark.parametrize("dtype, elem, values", DTYPE_CASES)
def test_array_round_trip_for_each_dtype(dtype, elem, values):
    a = np.array(values, dtype=dtype)
    src = "check: [%s] = a\nprint(len(a), a[1])\nb = a\npush(b, a[0])" % elem
    r = run(src, a=a, out=["b", "a"])
    b = r.outputs["b"]
    assert isinstance(b, np.ndarray) and b.dtype == np.dtype(dtype)
    assert b.tolist() == values + [values[0]]
    assert r.outputs["a"].tolist() == values + [values[0]]      # b is the same array
    second = {"bool": "false", "f64": "-1.5"}.get(elem, str(values[1]))
    assert r.stdout == "4 %s\n" % second


@pytest.mark.parametrize("dtype, elem, values", DTYPE_CASES)
def test_empty_arrays_keep_their_type(dtype, elem, values):
    r = run("check: [%s] = a\nprint(len(a))\nb = a" % elem, a=np.zeros(0, dtype=dtype), out="b")
    assert r.stdout == "0\n"
    assert r["b"].dtype == np.dtype(dtype) and r["b"].shape == (0,)


def test_large_array_in_and_out_without_loss():
    xs = np.random.default_rng(1).standard_normal(300_000)
    r = run("mut total = 0.0\nfor x in xs:\n    total += x\nys = xs[0..len(xs) - 1]",
            xs=xs, out=["total", "ys"])
    assert r["total"] == pytest.approx(float(np.sum(xs)), rel=1e-9)
    np.testing.assert_array_equal(r["ys"], xs)


def test_strided_byteswapped_and_array_like_inputs():
    base = np.arange(10, dtype=np.int64)
    assert run("b = a", a=base[::3], out="b")["b"].tolist() == [0, 3, 6, 9]
    swapped = np.array([1.5, -2.0], dtype=">f8")
    got = run("check: [f64] = a\nb = a", a=swapped, out="b")["b"]
    assert got.dtype == np.float64 and got.tolist() == [1.5, -2.0]
    assert run("check: [i64] = a\nb = a", a=[1, 2, 3], out="b")["b"].tolist() == [1, 2, 3]


def test_orus_gets_a_copy_of_an_input_array():
    xs = np.array([1.0, 2.0])
    r = run("xs[0] = 9.0\nys = xs", xs=xs, out="ys")
    assert xs.tolist() == [1.0, 2.0]
    assert r["ys"].tolist() == [9.0, 2.0]
    r["ys"][1] = 7.0                                   # outputs are copies, too
    assert run("ys = xs", xs=xs, out="ys")["ys"].tolist() == [1.0, 2.0]


def test_string_arrays_in_and_out():
    r = run("check: [string] = names\nprint(names[1])\nupper = names\npush(upper, \"ω\")",
            names=["ab", "é"], out="upper")
    assert r.stdout == "é\n" and r["upper"] == ["ab", "é", "ω"]
    r = run("check: [string] = names\nn = len(names)", names=np.array(["x", "yz"]), out="n")
    assert r["n"] == 2


# ------------------------------------------------------------------ outputs: scalars
def test_scalar_outputs_of_each_type():
    src = ("a: i32 = -5\nb: i64 = 9000000000\nc: u32 = 4000000000\nd: u64 = 18446744073709551615u64\n"
           "e = 0.1\nf = true\ng = \"text ✓\"\nh = 1.0 / 3.0\nK := 12")
    r = run(src, out=["a", "b", "c", "d", "e", "f", "g", "h", "K"])
    assert r.outputs == {"a": -5, "b": 9000000000, "c": 4000000000, "d": 2**64 - 1, "e": 0.1,
                         "f": True, "g": "text ✓", "h": 1.0 / 3.0, "K": 12}
    assert [type(r[k]) for k in "abcdefgh"] == [int, int, int, int, float, bool, str, float]
    assert list(r.outputs) == ["a", "b", "c", "d", "e", "f", "g", "h", "K"]


def test_array_outputs_of_each_type():
    src = ("a: [i32] = [1, -2]\nb: [i64] = [3]\nc: [u32] = [4000000000]\n"
           "d: [u64] = [18446744073709551615u64]\ne = [0.5, 2.0]\nf = [true, false, true]\n"
           "g = [\"x\", \"\"]\nh = [[1.5], [], [2.5, 3.5]]\ni: [i64] = []")
    r = run(src, out=list("abcdefghi"))
    expect = {"a": (np.int32, [1, -2]), "b": (np.int64, [3]), "c": (np.uint32, [4000000000]),
              "d": (np.uint64, [2**64 - 1]), "e": (np.float64, [0.5, 2.0]),
              "f": (np.bool_, [True, False, True]), "i": (np.int64, [])}
    for name, (dtype, values) in expect.items():
        assert isinstance(r[name], np.ndarray) and r[name].dtype == np.dtype(dtype), name
        assert r[name].tolist() == values, name
    assert r["g"] == ["x", ""]
    assert [x.tolist() for x in r["h"]] == [[1.5], [], [2.5, 3.5]]


def test_outputs_that_cannot_be_converted():
    with pytest.raises(TypeError, match="'f' has type fn"):
        run("f = fn(x: i32) -> i32:\n    return x", out="f")
    src = "mut k = 0\nif k > 5:\n    s = \"set\"\n    arr = [1]\n"
    with pytest.raises(NameError, match="'s' has no value"):
        run(src, out="s")
    with pytest.raises(NameError, match="'arr' has no value"):
        run(src, out="arr")


# ------------------------------------------------------------------------- errors
def test_three_dimensional_array_is_refused():
    with pytest.raises(ValueError, match=r"input 'grid' is a 3-D array \(shape \(2, 3, 4\)\); "
                       r"Orus takes 1-D arrays as \[T\] and 2-D arrays as \[\[T\]\]"):
        run("x = 1", grid=np.zeros((2, 3, 4)))


# ------------------------------------------------------------------ 2-D arrays
@pytest.mark.parametrize("dtype, elem", [
    (np.int32, "i32"), (np.int64, "i64"), (np.uint32, "u32"), (np.uint64, "u64"),
    (np.float64, "f64"), (np.bool_, "bool")])
def test_two_dimensional_round_trip_for_each_dtype(dtype, elem):
    grid = (np.arange(12).reshape(3, 4) % 5).astype(dtype)
    if dtype == np.uint64:
        grid[2, 3] = 2**64 - 1
    result = run("n = len(g)\nw = len(g[0])\nh: [[%s]] = g" % elem, g=grid, out=["n", "w", "h"])
    assert (result["n"], result["w"]) == (3, 4)
    out = result["h"]
    assert out.dtype == dtype and out.shape == (3, 4) and (out == grid).all()


@pytest.mark.parametrize("layout", ["C", "F", "strided", "reversed", "byteswapped"])
def test_two_dimensional_inputs_in_any_memory_order(layout):
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    grid = {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::3],
            "reversed": base[::-1, ::-1], "byteswapped": base.astype(">f8")}[layout]
    result = run("print(g[1][0])\nh = g", g=grid, out=["h"])
    assert result.stdout == "%g\n" % grid[1, 0] or result.stdout == "%r\n" % float(grid[1, 0])
    assert (result["h"] == grid).all() and result["h"].flags.c_contiguous


def test_rows_built_in_orus_come_out_as_a_matrix_or_a_list_of_rows():
    src = """
mut square: [[i64]] = []
for i in 0..3:
    mut row: [i64] = []
    for j in 0..3:
        push(row, (i * 10 + j) as i64)
    push(square, row)
mut ragged: [[f64]] = []
push(ragged, [1.5])
push(ragged, [2.5, 3.5, 4.5])
empty: [[f64]] = []
names: [[string]] = [["a", "b", "c"], ["d", "e", "f"]]
"""
    result = run(src, out=["square", "ragged", "empty", "names"])
    assert result["square"].shape == (3, 3) and result["square"][2, 1] == 21
    ragged = result["ragged"]
    assert isinstance(ragged, list) and [list(r) for r in ragged] == [[1.5], [2.5, 3.5, 4.5]]
    assert isinstance(result["empty"], list) and result["empty"] == []
    assert result["names"] == [["a", "b", "c"], ["d", "e", "f"]]


def test_rows_that_grow_apart_still_come_out_in_order():
    # pushing onto an input row moves it elsewhere in the arena
    src = "push(g[0], 9.0)\npush(g[1], 8.0)\nh = g"
    result = run(src, g=np.zeros((2, 2)), out=["h"])
    assert result["h"].tolist() == [[0.0, 0.0, 9.0], [0.0, 0.0, 8.0]]


def test_an_orus_matrix_is_rows_that_can_be_replaced_and_shared():
    src = "row = g[0]\ng[1] = row\nrow[0] = 7\nh = g"
    result = run(src, g=np.zeros((2, 2), dtype=np.int64), out=["h"])
    assert result["h"].tolist() == [[7, 0], [7, 0]]


@pytest.mark.parametrize("value, orus_type", [
    ([1, 2, 3], "[i64]"),
    ([1.5, 2], "[f64]"),
    ([True, False], "[bool]"),
    (["x", "yz"], "[string]"),
    ([[1, 2], [3, 4]], "[[i64]]"),
    ([[1, 2.5], [3, 4]], "[[f64]]"),
    ([[1], [2, 3]], "[[i64]]"),
    ([["a"], ["b", "c"]], "[[string]]"),
    ([np.arange(2.0), np.arange(3.0)], "[[f64]]"),
    (np.array([["a", "b"], ["c", "d"]]), "[[string]]"),
])
def test_python_lists_come_in_with_their_orus_type(value, orus_type):
    result = run("t: %s = v\nprint(len(v))" % orus_type, v=value)
    assert result.stdout == "%d\n" % len(value)


def test_python_lists_round_trip():
    result = run("a = v\nb = w", v=[[1, 2], [3]], w=[["a"], ["b", "c"]], out=["a", "b"])
    assert [r.tolist() for r in result["a"]] == [[1, 2], [3]]
    assert result["b"] == [["a"], ["b", "c"]]


@pytest.mark.parametrize("value, pattern", [
    ([[1], ["a"]], "rows of different element types"),
    ([[1, 2], [3.5]], r"rows of different element types \(\[f64\], \[i64\]\)"),
    ([[1, "a"]], "not a flat list"),
    ([[1], []], "empty row"),
    ([[[1]], [[2]]], "3-D array"),
    (np.array([[1, None]], dtype=object), "dtype object"),
    (np.zeros((2, 2), dtype=np.float32), "dtype float32"),
])
def test_unsupported_two_dimensional_inputs_name_the_variable(value, pattern):
    with pytest.raises((TypeError, ValueError), match=pattern) as info:
        run("x = 1", grid=value)
    assert "'grid'" in str(info.value)


def test_session_values_in_two_dimensions():
    session = orus.Session()
    session["g"] = np.arange(6.0).reshape(2, 3)
    assert session.run("g[1][2] = g[0][1] * 10.0").error is None
    assert session["g"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 10.0]]


def test_object_array_is_refused():
    with pytest.raises(TypeError, match="input 'things' is an array of dtype object"):
        run("x = 1", things=np.array([1, "a", None], dtype=object))


@pytest.mark.parametrize("big", [2**63, -2**63 - 1, 10**30])
def test_int_too_large_for_i64_is_refused(big):
    with pytest.raises(ValueError, match="input 'big' = %d does not fit in i64" % big):
        run("x = 1", big=big)


@pytest.mark.parametrize("value, pattern", [
    (np.zeros(3, dtype=np.float32), "dtype float32.*v.astype"),
    (np.zeros(3, dtype=np.int16), "dtype int16"),
    (np.int8(3), "numpy int8 scalar"),
    ({"a": 1}, "has type dict"),
    (None, "has type NoneType"),
    (b"bytes", "has type bytes"),
    ([], "empty list"),
    ([1, "a"], "mixed"),
    (np.zeros((2, 2, 2)), "3-D array"),
])
def test_other_unsupported_inputs(value, pattern):
    with pytest.raises((TypeError, ValueError), match=pattern) as info:
        run("x = 1", v=value)
    assert "'v'" in str(info.value)


@pytest.mark.parametrize("name", ["fn", "1x", "a b", "while", ""])
def test_invalid_input_names(name):
    with pytest.raises(ValueError, match="not a valid Orus variable name"):
        orus.run("x = 1", inputs={name: 1})


def test_unknown_output_name():
    with pytest.raises(NameError, match="no global Orus variable named 'ys'.*globals: n, x"):
        run("x = 1", n=3, out=["x", "ys"])
    with pytest.raises(NameError, match="'total'"):      # a local of a function is not global
        run("fn f() -> i32:\n    total = 1\n    return total\nx = f()", out="total")


def test_conversion_errors_show_in_one_line_in_ipython():
    with pytest.raises(ValueError) as info:
        run("x = 1", grid=np.zeros((2, 2, 2)))
    assert info.value._render_traceback_() == ["ValueError: " + str(info.value)]


# ------------------------------------------------------------- error line numbers
INPUTS = {"xs": np.zeros(3), "n": 2, "s": "a", "flag": True}


def test_compile_error_lines_count_from_the_cell():
    cell = "x = 1\ny: i32 = \"a\"\n"
    with pytest.raises(orus.CompileError) as info:
        orus.run(cell, inputs=INPUTS)
    err = info.value
    assert (err.filename, err.line, err.col) == ("<cell>", 2, 10)
    report = notebook.render_error(err)
    assert "<cell>:2:10" in report
    assert "  2 | y: i32 = \"a\"" in report
    assert "\n    |          ^ " in report
    # the same cell without inputs: the same position
    with pytest.raises(orus.CompileError) as plain:
        orus.run(cell)
    assert (plain.value.line, plain.value.col) == (2, 10)


def test_compile_error_on_the_first_line_and_redeclared_input():
    with pytest.raises(orus.CompileError) as info:
        orus.run("print(undefined_name)", inputs=INPUTS)
    assert info.value.line == 1
    with pytest.raises(orus.CompileError, match="'n' is already defined") as info:
        orus.run("x = 1\nn: i64 = 5", inputs=INPUTS)
    assert info.value.line == 2


def test_runtime_error_lines_count_from_the_cell():
    cell = "print(\"before\")\nfn get(i: i32) -> f64:\n    return xs[i]\n\nv = get((n + 5) as i32)\n"
    with pytest.raises(orus.OrusRuntimeError) as info:
        orus.run(cell, inputs=INPUTS)
    err = info.value
    assert (err.line, err.col) == (3, 15)
    assert err.stdout == "before\n"
    text = ANSI.sub("", "\n".join(err._render_traceback_()))
    assert "RUNTIME PANIC" in text and "<cell>:3:15" in text
    assert "  3 |     return xs[i]" in text and "^" in text


def test_an_error_inside_the_prelude_names_the_input():
    # (defensive: names are validated first, so Orus accepts every prelude line)
    err = orus.CompileError("bad", "<cell>", 2, 5)
    with pytest.raises(ValueError, match="input 'b'"):
        notebook._shift(err, "<cell>", 2, "x", [notebook._to_input("a", 1),
                                                notebook._to_input("b", 2)])


# ------------------------------------------------------------------ the run itself
def test_result_object_and_echo():
    seen = []
    r = orus.run("print(\"a\")\nprint(\"é\")\nx = 3", outputs="x", echo=seen.append)
    assert "".join(seen) == r.stdout == "a\né\n"
    assert r["x"] == 3 and r.outputs == {"x": 3}
    assert "CellResult" in repr(r)


def test_stdin_and_bytes_source():
    r = orus.run(b"line = input()\nprint(line)", stdin="typed\n", outputs=["line"])
    assert r.stdout == "typed\n" and r["line"] == "typed"


def test_same_cell_is_compiled_once(monkeypatch):
    from orus import api
    calls = []
    real = api.compile_source

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(api, "compile_source", counting)
    src = "mut t = 0.0\nfor x in xs:\n    t += x\n// %d" % id(calls)
    a = orus.run(src, inputs={"xs": np.ones(3)}, outputs="t")
    b = orus.run(src, inputs={"xs": np.ones(5)}, outputs="t")
    assert (a["t"], b["t"]) == (3.0, 5.0)
    assert len(calls) == 1
    c = orus.run(src, inputs={"xs": np.ones(2), "k": 1}, outputs="t")   # other inputs: compiled
    assert c["t"] == 2.0 and len(calls) == 2


def test_modules_with_inputs(tmp_path, monkeypatch):
    (tmp_path / "geom.orus").write_text(
        "pub fn area(r: f64) -> f64:\n    return 3.0 * r * r\nprint(\"geom loaded\")\n")
    monkeypatch.chdir(tmp_path)
    r = orus.run("use geom\nz = geom.area(r)\nprint(z)", inputs={"r": 2.0, "k": 1},
                 outputs=["z", "r", "k"])
    assert r.stdout == "geom loaded\n12\n"
    assert r.outputs == {"z": 12.0, "r": 2.0, "k": 1}
    with pytest.raises(orus.OrusRuntimeError) as info:
        orus.run("use geom\nz = xs[3]", inputs={"r": 2.0, "xs": np.zeros(2)})
    assert (info.value.filename, info.value.line) == ("<cell>", 2)


# ------------------------------------------------------------------------- the magic
def test_parse_options():
    pytest.importorskip("IPython")
    from IPython.core.error import UsageError

    from orus.notebook.magic import parse_options
    assert parse_options("-i xs,n -o ys -i k") == (["xs", "n", "k"], ["ys"], "")
    assert parse_options("  --input=a, b --output c  ") == (["a", "b"], ["c"], "")
    assert parse_options("-o y y = x * 2") == ([], ["y"], "y = x * 2")
    assert parse_options("-i x -- -x") == (["x"], [], "-x")
    assert parse_options('print("a  -i  b")') == ([], [], 'print("a  -i  b")')
    with pytest.raises(UsageError, match="unknown option -x"):
        parse_options("-x 1")
    with pytest.raises(UsageError, match="-i needs a variable name"):
        parse_options("-i")


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        sh = InteractiveShell.instance(config=config)
        sh.run_line_magic("load_ext", "orus")
        yield sh
        InteractiveShell.clear_instance()


def test_cell_magic_inputs_outputs_and_print(shell, capsys):
    shell.user_ns.update(xs=np.arange(4.0), scale=2, label="sq")
    r = shell.run_cell("%%orus -i xs,scale -i label -o ys -o total\n"
                       "mut total = 0.0\nys: [f64] = []\nfor x in xs:\n"
                       "    push(ys, x * x * (scale as f64))\n    total += x\n"
                       "print(\"@: @\", label, total)\n")
    assert r.success, r.error_in_exec
    assert capsys.readouterr().out == "sq: 6\n"
    assert shell.user_ns["ys"].tolist() == [0.0, 2.0, 8.0, 18.0]
    assert shell.user_ns["total"] == 6.0 and type(shell.user_ns["total"]) is float


def test_line_magic(shell, capsys):
    shell.user_ns["n"] = 21
    r = shell.run_cell("%orus -i n -o m m = n * 2\nprint('python sees', m)")
    assert r.success, r.error_in_exec
    assert capsys.readouterr().out == "python sees 42\n"
    r = shell.run_cell('%orus print("one line")')
    assert r.success and capsys.readouterr().out == "one line\n"


def test_magic_errors_show_the_orus_report_and_the_shell_goes_on(shell, capsys):
    shell.user_ns["xs"] = np.zeros(3)
    r = shell.run_cell("%%orus -i xs\nprint(\"first\")\nlast = xs[len(xs)]\n")
    assert not r.success and isinstance(r.error_in_exec, orus.OrusRuntimeError)
    out = ANSI.sub("", capsys.readouterr().out)
    assert out.startswith("first\n")
    assert "RUNTIME PANIC: Array index out of bounds" in out and "<cell>:2:" in out
    assert "  2 | last = xs[len(xs)]" in out and "^" in out
    assert "Traceback" not in out and "notebook.py" not in out

    r = shell.run_cell("%%orus\nx: i32 = 1.5\n")
    assert isinstance(r.error_in_exec, orus.CompileError)
    out = ANSI.sub("", capsys.readouterr().out)
    assert "<cell>:1:10" in out and "  1 | x: i32 = 1.5" in out and "Traceback" not in out

    shell.user_ns["grid"] = np.zeros((2, 2, 2))
    r = shell.run_cell("%%orus -i grid\nx = 1\n")
    assert isinstance(r.error_in_exec, ValueError)
    out = capsys.readouterr().out
    assert "ValueError: input 'grid' is a 3-D array" in out and "Traceback" not in out

    r = shell.run_cell("%%orus -i no_such_variable\nx = 1\n")
    assert not r.success
    assert "no Python variable named 'no_such_variable'" in capsys.readouterr().err

    r = shell.run_cell("%orus -o y y = 1 + 1")
    assert r.success and shell.user_ns["y"] == 2


# ------------------------------------------------------- the example notebook, in Jupyter
def _kernel_spec_dir(tmp_path) -> Path:
    """A kernelspec that starts this interpreter (the venv's), whatever other
    python3 kernels the machine has."""
    folder = tmp_path / "jupyter" / "kernels" / "orus-test-python"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (orus tests)", "language": "python"}))
    return tmp_path / "jupyter"


def _execute_notebook(path, tmp_path, monkeypatch):
    """The code cells of notebook `path` after running it in a Jupyter kernel."""
    for module in ("nbclient", "nbformat", "ipykernel", "matplotlib"):
        pytest.importorskip(module, reason="%s is needed to execute the example notebook "
                            "(pip install -e '.[test]')" % module)
    import nbformat
    from nbclient import NotebookClient
    monkeypatch.setenv("JUPYTER_PATH", str(_kernel_spec_dir(tmp_path)))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    NotebookClient(nb, kernel_name="orus-test-python", timeout=600,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return [c for c in nb.cells if c.cell_type == "code"]


def _text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_example_notebook_runs_in_a_jupyter_kernel(tmp_path, monkeypatch):
    code = _execute_notebook(EXAMPLE, tmp_path, monkeypatch)
    text = _text

    by_source = {c.source.split("\n")[0]: c for c in code}
    orus_cell = by_source["%%orus -i seed,n,every -o xs,ys,estimates,inside,hits,pi"]
    assert "use random" in orus_cell.source and "random.seed(seed)" in orus_cell.source
    shown = re.fullmatch(r"200000 points, (\d+) inside: pi is about (3\.1\d{3})\d\n",
                         text(orus_cell))
    assert shown
    checks = code[code.index(orus_cell) + 1]
    assert text(checks) == "ndarray float64 200\nbool True True\n"
    # numpy with the same seed draws the same points: the same estimate (the
    # cell asserts the equality of the estimates and of the points)
    same = code[code.index(orus_cell) + 2]
    assert same.source.startswith("rng = np.random.default_rng(seed)")
    assert "assert np_pi == pi" in same.source
    assert not [o for o in same.outputs if o.output_type == "error"]
    assert re.fullmatch(r"numpy: %s inside, pi is about %s\d; the same estimate: True\n"
                        % shown.groups(), text(same)), text(same)
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    line_cell = next(c for c in code if c.source.startswith("%orus -i hits,n -o ratio"))
    assert text(line_cell).startswith("3.14")

    error_cell = next(c for c in code if "raises-exception" in c.metadata.get("tags", []))
    errors = [o for o in error_cell.outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "OrusRuntimeError"
    report = ANSI.sub("", "\n".join(errors[0].traceback))
    assert report.startswith("-- RUNTIME PANIC: Array index out of bounds")
    assert "<cell>:1:11" in report and "  1 | last = xs[len(xs)]" in report
    assert "^ Array index out of bounds" in report
    assert "Traceback" not in report and ".py" not in report
    # the kernel goes on after the error
    assert text(code[-1]) == "still running\n"
    assert code[-1].execution_count == error_cell.execution_count + 1


def test_heat_diffusion_notebook_uses_earlier_cells_and_2d_arrays(tmp_path, monkeypatch):
    code = _execute_notebook(ROOT / "examples" / "heat_diffusion.ipynb", tmp_path, monkeypatch)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    defining = next(c for c in code if c.source.startswith("%%orus\nuse math"))
    assert "fn step(" in defining.source and _text(defining) == ""
    later = next(c for c in code if c.source.startswith("%%orus -o start,field"))
    shown = re.fullmatch(r"heat: (\d+\.\d{4}) at the start, (\d+\.\d{4}) after 400 steps\n",
                         _text(later))
    assert shown and float(shown.group(2)) < float(shown.group(1))
    checks = code[code.index(later) + 1]
    assert _text(checks) == "ndarray float64 (100, 100)\nsame as numpy: True\n"
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert _text(code[-1]) == shown.group(2) + "\n"      # numpy's field back in, summed by Orus


def test_readme_notebook_example(shell, capsys):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Notebooks"):text.index("## Performance")]
    cell = re.search(r"```orus\n(%%orus.*?)```", section, re.S).group(1)
    shell.user_ns["xs"] = np.random.default_rng(1).random(1000)
    r = shell.run_cell(cell)
    assert r.success, r.error_in_exec
    assert re.fullmatch(r"mean 0\.\d{4}\n", capsys.readouterr().out)
    assert shell.user_ns["ys"].dtype == np.float64 and len(shell.user_ns["ys"]) == 1000
    assert shell.user_ns["total"] == pytest.approx(float(shell.user_ns["xs"].sum()))


def test_magic_cells_share_a_session(shell, capsys):
    shell.run_line_magic("orus_reset", "")
    r = shell.run_cell("%%orus\nfn double(x: f64) -> f64:\n    return 2.0 * x\nmut count = 1\n")
    assert r.success, r.error_in_exec
    shell.user_ns["v"] = np.array([1.5, 2.5])
    r = shell.run_cell("%%orus -i v -o w\ncount += 1\nw = [double(v[0]), double(v[1])]\n")
    assert r.success, r.error_in_exec
    assert shell.user_ns["w"].tolist() == [3.0, 5.0]
    capsys.readouterr()
    r = shell.run_cell("%%orus\ncount * 10\n")            # a lone expression shows its value
    assert r.success and capsys.readouterr().out == "20\n"
    r = shell.run_cell("%%orus\ncount += 1\nprint(nope)\n")   # an error changes nothing
    assert isinstance(r.error_in_exec, orus.CompileError)
    assert "<cell>:2:" in ANSI.sub("", capsys.readouterr().out)
    r = shell.run_cell("%%orus --fresh\nprint(count)\n")      # an isolated cell
    assert isinstance(r.error_in_exec, orus.CompileError)
    capsys.readouterr()
    r = shell.run_cell("%orus print(count)")
    assert r.success and capsys.readouterr().out == "2\n"
    shell.run_line_magic("orus_reset", "")
    r = shell.run_cell("%orus print(count)")
    assert isinstance(r.error_in_exec, orus.CompileError)


def test_an_input_beyond_the_heap_limit_is_a_clear_error():
    with pytest.raises(MemoryError, match="input 'g' does not fit in the heap limit"):
        orus.run("x = 1", inputs={"g": np.zeros((1000, 1000))}, max_heap="4M")
