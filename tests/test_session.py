"""orus.Session: inputs that share declarations and globals (orus/session.py)."""

import numpy as np
import pytest

import orus
from orus.errors import EXIT_COMPILE, EXIT_OK, EXIT_RUNTIME


@pytest.fixture
def s():
    return orus.Session()


def ok(session, src, echo=False):
    res = session.run(src, echo=echo)
    assert res.status == EXIT_OK, res.stderr
    return res.stdout


def test_functions_and_globals_persist(s):
    ok(s, "fn sq(x: i64) -> i64:\n    return x * x\nn: i64 = 12")
    assert ok(s, "print(sq(n))") == "144\n"
    assert s["n"] == 12
    assert "sq" in s.functions and s.globals["n"] == "i64"


def test_only_new_statements_run(s):
    assert ok(s, 'print("once")\nmut c = 0') == "once\n"
    assert ok(s, "c += 1\nprint(c)") == "1\n"
    assert ok(s, "c += 1\nprint(c)") == "2\n"


def test_structs_enums_impls_and_heap_values(s):
    ok(s, "struct P:\n    x: i32\n    name: string\n"
          "impl P:\n    fn twice(self) -> i32:\n        return self.x * 2\n"
          'p = P{x: 21, name: "pt"}\nxs = [[1, 2], [3]]\nwords = ["a", "b"]')
    ok(s, "enum Shape:\n    Circle(f64)\n    Square(f64)\nsh = Shape.Square(2.5)")
    assert ok(s, "print(p.twice())\nprint(p.name)\nprint(len(xs[0]) + len(xs[1]))") == "42\npt\n3\n"
    assert ok(s, "match sh:\n    Shape.Circle(r) -> print(r)\n    Shape.Square(a) -> print(a * 2.0)\n") == "5\n"
    assert s["words"] == ["a", "b"]


def test_function_values_follow_their_function(s):
    ok(s, "fn f(x: i32) -> i32:\n    return x + 1\ng = f")
    assert ok(s, "print(g(1))") == "2\n"


def test_redefinition(s):
    ok(s, "fn f(x: i32) -> i32:\n    return x + 1\nstruct S:\n    a: i32\nv = S{a: 1}\nk = 5")
    ok(s, "fn f(x: i32) -> i32:\n    return x + 100")
    assert ok(s, "print(f(1))") == "101\n"
    ok(s, "struct S:\n    a: string\n    b: i32")
    assert ok(s, 'w = S{a: "x", b: 2}\nprint(w.a)') == "x\n"
    assert "v" not in s                 # a value of the old S is gone
    assert s["k"] == 5
    ok(s, 'k = "rebound"')             # an immutable global may be declared again
    assert s["k"] == "rebound"


def test_compile_error_leaves_session_intact(s):
    ok(s, "mut a = 1\nfn f() -> i32:\n    return 7")
    res = s.run("a = 2\nb = undefined_name\nfn f() -> string:\n    return \"x\"")
    assert res.status == EXIT_COMPILE and res.error.line == 2
    assert "undefined_name" in res.stderr and "b = undefined_name" in res.stderr
    assert s["a"] == 1 and "b" not in s
    assert ok(s, "print(f())") == "7\n"


def test_runtime_error_leaves_session_intact(s):
    ok(s, "mut a = 1\nxs = [1, 2]")
    res = s.run('a = 5\nfn g() -> i32:\n    return 1\nprint("before")\nprint(xs[9])')
    assert res.status == EXIT_RUNTIME and res.error.line == 5 and res.stdout == "before\n"
    assert s["a"] == 1 and "g" not in s.functions
    assert ok(s, "a += 1\nprint(a)") == "2\n"
    assert s.run("print(g())").status == EXIT_COMPILE


def test_numpy_in_and_out(s):
    s["xs"] = np.arange(5.0)
    s["n"] = 3
    s["flags"] = np.array([True, False])
    ok(s, "mut total = 0.0\nfor x in xs:\n    total += x\nmut ys: [f64] = []\nfor x in xs:\n    push(ys, x * 2.0)")
    assert s["total"] == 10.0
    out = s["ys"]
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and list(out) == [0, 2, 4, 6, 8]
    assert s["n"] == 3 and list(s["flags"]) == [True, False]
    s["xs"] = np.array([1, 2], dtype=np.int32)           # replaced, new type
    assert ok(s, "print(xs[1] + 1)") == "3\n"


def test_echo_and_type(s):
    ok(s, "x = 40")
    assert ok(s, "x + 2", echo=True) == "42\n"
    assert ok(s, "fn nothing():\n    pass", echo=True) == ""
    assert ok(s, "nothing()", echo=True) == ""
    assert s.type_of("x + 2") == "i32"
    assert s.type_of("[1.5]") == "[f64]"


def test_lambda_values_live_on_and_are_dropped_not_broken_by_a_whole_compile(s):
    ok(s, "h = fn(x: i32) -> i32: x * 3\nk = 1\nfn f() -> i32:\n    return 1")
    assert ok(s, "print(h(2))") == "6\n"          # the same machine: nothing copied
    ok(s, "fn f() -> i32:\n    return 2")          # a redefinition compiles whole
    res = s.run("print(h(2))")
    assert res.status == EXIT_COMPILE and "h" in s.dropped
    assert s["k"] == 1


def test_reset(s):
    ok(s, "x = 1")
    s.reset()
    assert "x" not in s and s.run("print(x)").status == EXIT_COMPILE


def test_functions_see_globals_of_earlier_and_later_inputs(s):
    ok(s, "mut total = 0\nfn add(x: i32):\n    total += x")
    ok(s, "add(5)\nadd(6)")
    assert s["total"] == 11
    ok(s, "k = 5\nfn getk() -> i32:\n    return k")
    ok(s, "k = 7")                              # rebinding an immutable global
    assert ok(s, "print(getk())") == "7\n"


def test_an_empty_array_takes_its_element_type_from_a_later_input(s):
    ok(s, "mut xs = []\nmut ys = xs\nmut flags = []\ngrid = [[]]\nn = 1")
    res = s.run("print(n)")
    assert res.status == EXIT_OK and s.dropped == ["grid"] and "grid" not in s
    res = s.run('push(xs, "a")\nnope')               # refused: the type stays open
    assert res.status == EXIT_COMPILE
    ok(s, 'push(xs, "b")\npush(flags, true)')       # strings: the array now holds handles
    ok(s, 'mut i = 0\nwhile i < 100000:\n    t = "x" + (i as string)\n    i += 1')
    assert s["xs"] == ["b"] and s["ys"] == ["b"] and list(s["flags"]) == [True]
    assert ok(s, "print(xs, len(ys), flags)") == "b 1 true\n"


def test_modules(s, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "geo.orus").write_text(
        "pub fn area(w: i32, h: i32) -> i32:\n    return w * h\n"
        "pub mut count = 0\npub fn bump():\n    count += 1\nprint(\"geo loaded\")\n")
    (tmp_path / "other.orus").write_text('print("other loaded")\npub fn two() -> i32:\n    return 2\n')
    assert ok(s, "use geo\nprint(geo.area(2, 3))") == "geo loaded\n6\n"
    assert ok(s, "a = geo.area(4, 3)\nprint(a)\ngeo.bump()") == "12\n"   # runs once
    assert ok(s, "use other\ngeo.bump()\nprint(other.two() + geo.count)") == "other loaded\n4\n"
    assert s.run("geo.bump()\nprint(1 / (geo.count - 3))").status == EXIT_RUNTIME
    assert ok(s, "print(geo.count)") == "2\n"          # the module's globals are kept


def test_type_of_reports_void_and_errors_in_the_expression(s):
    ok(s, "fn nothing():\n    pass")
    assert s.type_of("nothing()") == "void"
    with pytest.raises(orus.CompileError) as info:
        s.type_of("nope + 1")
    assert info.value.col == 1 and info.value.source == b"nope + 1"


def test_errors_in_kept_definitions_name_the_earlier_input(s):
    ok(s, "struct P:\n    x: i32\nfn getx(q: P) -> i32:\n    return q.x\nfn inv(n: i32) -> i32:\n    return 10 / n")
    res = s.run("struct P:\n    y: string")      # getx needs the old P: refused
    assert res.status == EXIT_COMPILE and res.error.filename == "<earlier input>"
    assert "return q.x" in res.stderr
    res = s.run("print(inv(0))")
    assert res.status == EXIT_RUNTIME and res.error.filename == "<earlier input>"
    assert "return 10 / n" in res.stderr
    assert ok(s, "print(getx(P{x: 4}) + inv(5))") == "6\n"


def test_an_echoed_expression_reports_errors_as_typed(s):
    res = s.run("1 / 0", echo=True)
    assert res.status == EXIT_RUNTIME and res.error.col == 3 and "1 | 1 / 0" in res.stderr


def test_an_immutable_global_that_reads_itself_is_not_rebound(s):
    ok(s, "x = 5")
    res = s.run("x = x + 1")
    assert res.status == EXIT_COMPILE and "immutable" in res.error.message
    ok(s, "x = 6")
    assert s["x"] == 6


# ---------------------------------------------------------------- incremental path
def test_a_failed_input_puts_back_reassigned_globals_even_after_a_collection(s):
    from orus.bytecode import protocol as P
    ok(s, 'mut words = ["keep", "me"]\nmut n = 1\nxs = [1]')
    before = int(s._machine.state[P.S_COLLECTIONS])
    res = s.run('words = ["new"]\nn = 2\nmut i = 0\nwhile i < 300000:\n'
                '    t = "x" + (i as string)\n    i += 1\nprint(xs[5])')
    assert res.status == EXIT_RUNTIME and res.error.line == 7
    assert int(s._machine.state[P.S_COLLECTIONS]) > before     # the old array survived one
    assert s["words"] == ["keep", "me"] and s["n"] == 1
    assert ok(s, "print(words[0] + words[1])\nprint(n)") == "keepme\n1\n"


def test_an_interrupted_input_leaves_the_session_as_it_was(s):
    ok(s, "mut a = 1")

    def interrupt(data):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        s.run('a = 5\nb = 2\nprint("x")', write=interrupt)
    assert s["a"] == 1 and "b" not in s
    assert ok(s, "a += 1\nprint(a)") == "2\n"


def test_many_inputs_outgrow_the_reserved_rows_and_keep_everything(s):
    for k in range(300):
        ok(s, 'fn f%d() -> string:\n    return "s%d"\ng%d = f%d()' % (k, k, k, k))
    assert s["g0"] == "s0" and s["g299"] == "s299"
    assert ok(s, "print(f7() + g123)") == "s7s123\n"


def test_generic_functions_specialise_in_later_inputs_and_failures_roll_back(s):
    ok(s, "x0 = 0")
    ok(s, "fn twice(x):\n    return x + x")
    assert ok(s, "print(twice(2))") == "4\n"
    assert ok(s, 'print(twice("ab"))') == "abab\n"
    res = s.run("print(twice(true))")
    assert res.status == EXIT_COMPILE and res.error.filename == "<earlier input>"
    assert ok(s, "print(twice(1.5))\nprint(twice(3))") == "3\n6\n"


def test_runtime_errors_in_functions_of_earlier_inputs_show_that_input(s):
    ok(s, "x0 = 0")
    ok(s, "fn inv(n: i32) -> i32:\n    return 10 / n")
    res = s.run("print(inv(0))")
    assert res.status == EXIT_RUNTIME and res.error.filename == "<earlier input>"
    assert res.error.line == 2 and "return 10 / n" in res.stderr


def test_statements_that_have_run_do_not_stay_in_the_program(s):
    ok(s, "mut total = 0")
    sizes = []
    for k in range(50):
        ok(s, "total += %d" % k)
        sizes.append(len(s._program.code))
    assert sizes[-1] == sizes[1] and s["total"] == sum(range(50))
