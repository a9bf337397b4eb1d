"""Modules (DATA.md §8, DECISIONS data row 15 and "Module search"): resolution,
ORUSPATH, cycles, exports, namespaces, initialisation order, error locations and
the saved-bytecode key.  Most tests stop at the compiled Program (no VM); the
end-to-end ones at the bottom run programs through orus.run_source/run_file."""

import os

import pytest

import orus
from orus.frontend import modules
from orus.errors import CompileError


def files(root, mapping):
    """Write {relative path: text} under root; returns root as str."""
    for rel, text in mapping.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    return str(root)


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A fresh current directory and an empty ORUSPATH."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("ORUSPATH", raising=False)
    monkeypatch.setattr(modules, "install_dir", lambda: str(tmp_path / "install"))
    return tmp_path


def load(path):
    with open(path, "rb") as fh:
        return modules.load(fh.read(), path)


def names(units):
    return [os.path.basename(u.filename) for u in units]


def compile_error(path) -> CompileError:
    with open(path, "rb") as fh:
        source = fh.read()
    with pytest.raises(CompileError) as info:
        orus.compile_source(source, path)
    return info.value


# ---------------------------------------------------------------------- search path
def test_search_order_cwd_then_importer_folder_then_install_then_oruspath(place, monkeypatch):
    files(place, {"prog/main.orus": "use m\nprint(m.where())\n",
                  "prog/m.orus": 'pub fn where() -> string:\n    return "importer folder"\n',
                  "cwd/m.orus": 'pub fn where() -> string:\n    return "cwd"\n',
                  "install/m.orus": "", "p1/m.orus": "", "p2/n.orus": ""})
    main = str(place / "prog" / "main.orus")
    assert modules.find(["m"], main) == "m.orus"                      # (1) current directory
    os.remove("m.orus")
    assert modules.find(["m"], main) == str(place / "prog" / "m.orus")  # (2) importer's folder
    os.remove(place / "prog" / "m.orus")
    assert modules.find(["m"], main) == str(place / "install" / "m.orus")   # (3)
    os.remove(place / "install" / "m.orus")
    assert modules.find(["m"], main) is None
    monkeypatch.setenv("ORUSPATH", "%s::%s" % (place / "p2", place / "p1"))
    assert modules.find(["m"], main) == str(place / "p1" / "m.orus")   # (4) each entry in order
    assert modules.find(["n"], main) == str(place / "p2" / "n.orus")


def test_dotted_path_maps_to_folders_and_namespace_is_last_segment(place):
    files(place, {"cwd/main.orus": "use util.text.fmt\nuse util.text.fmt: SEP\nprint(fmt.f() + SEP)\n",
                  "cwd/util/text/fmt.orus": 'pub SEP: string := "!"\npub fn f() -> string:\n'
                                            '    return "x"\n'})
    units = load("main.orus")
    assert [u.filename for u in units] == [os.path.join("util", "text", "fmt.orus"), "main.orus"]
    program = orus.compile_source(open("main.orus", "rb").read(), "main.orus")
    assert program.file_name(1) == os.path.join("util", "text", "fmt.orus")


def test_missing_module_is_located_and_lists_the_roots(place, monkeypatch):
    monkeypatch.setenv("ORUSPATH", str(place / "lib"))
    files(place, {"cwd/main.orus": 'print("never")\nuse no.such_mod\n'})
    err = compile_error("main.orus")
    assert (err.filename, err.line) == ("main.orus", 2)
    assert err.message.startswith("Unable to resolve module 'no.such_mod'. "
                                  "Normalized path 'no/such_mod.orus'.")
    assert "current directory" in err.message and "ORUSPATH" in err.message
    assert str(place / "lib" / "no" / "such_mod.orus") in err.message


# ------------------------------------------------------------------------ loading
def test_init_order_dependencies_first_each_file_once(place):
    files(place, {"cwd/main.orus": "use b\nuse a\nuse b: f\nprint(f())\n",
                  "cwd/a.orus": "use b\nuse c\nprint(1)\n",
                  "cwd/b.orus": "use c\npub fn f() -> i32:\n    return 1\n",
                  "cwd/c.orus": "print(3)\n"})
    units = load("main.orus")
    assert names(units) == ["c.orus", "b.orus", "a.orus", "main.orus"]
    assert [u.index for u in units] == [2, 1, 3, 0]        # file index: order of discovery


def test_same_file_by_two_paths_is_one_module(place, monkeypatch):
    files(place, {"cwd/main.orus": "use lib.m\nuse n\n", "cwd/lib/m.orus": "print(1)\n",
                  "cwd/lib/n.orus": "use m\n"})
    # lib/n.orus names lib/m.orus through its own folder; main through the cwd
    monkeypatch.setenv("ORUSPATH", str(place / "cwd" / "lib"))
    units = load("main.orus")
    assert names(units) == ["m.orus", "n.orus", "main.orus"]
    assert units[1].dep_paths == [str(place / "cwd" / "lib" / "m.orus")]
    assert units[2].dep_paths[0] == os.path.join("lib", "m.orus")
    # the saved bytecode of such a program is found again
    from orus import program_cache
    folder = place / "cache"
    folder.mkdir()
    source = open("main.orus", "rb").read()
    program_cache.save_cached(folder, orus.compile_source(source, "main.orus"), source)
    assert program_cache.load_cached(folder, source, "main.orus") is not None


def test_import_cycle_is_located_at_the_use_that_closes_it(place):
    files(place, {"cwd/main.orus": "// main\nuse a\n",
                  "cwd/a.orus": "use b\npub fn f() -> i32:\n    return 1\n",
                  "cwd/b.orus": "\n\n\nuse a\n"})
    err = compile_error("main.orus")
    assert (err.filename, err.line, err.col) == ("b.orus", 4, 1)
    assert err.message.startswith("Cyclic module dependency detected while processing use: a.orus")
    assert "a.orus -> b.orus -> a.orus" in err.message


def test_a_module_importing_itself_or_the_main_file_is_a_cycle(place):
    files(place, {"cwd/main.orus": "use selfish\n", "cwd/selfish.orus": "use selfish\n",
                  "cwd/back.orus": "use main\n", "cwd/main2.orus": "use back\n"})
    err = compile_error("main.orus")
    assert (err.filename, err.line) == ("selfish.orus", 1)
    files(place, {"cwd/main.orus": "use back\n"})
    err = compile_error("main.orus")
    assert (err.filename, err.line) == ("back.orus", 1) and "Cyclic" in err.message


def test_syntax_error_in_a_module_names_the_module(place):
    files(place, {"cwd/main.orus": "use m\nprint(1)\n", "cwd/m.orus": "x = 1\nprint((x)\n"})
    err = compile_error("main.orus")
    assert err.filename == "m.orus" and err.line == 2


def test_type_error_in_a_module_names_the_module_and_nothing_of_main_is_checked(place):
    files(place, {"cwd/main.orus": "use m\nprint(undefined_here)\n",
                  "cwd/m.orus": 'print("ok")\nn: i32 = "text"\n'})
    err = compile_error("main.orus")
    assert (err.filename, err.line) == ("m.orus", 2)
    assert err.source.startswith(b'print("ok")')      # the report shows m.orus's line


def test_use_is_only_allowed_at_module_scope(place):
    files(place, {"cwd/main.orus": "fn f():\n    use m\n", "cwd/m.orus": ""})
    err = compile_error("main.orus")
    assert err.line == 2 and "only allowed at module scope" in err.message


# ------------------------------------------------------------------------ exports
VAULT = 'pub fn open_door() -> string:\n    return "open"\n\nfn master_key() -> string:\n' \
        '    return "secret"\n'


def test_importing_a_private_name_fails_at_the_use_line(place):
    files(place, {"cwd/main.orus": "print(1)\nuse vault: open_door, master_key\n",
                  "cwd/vault.orus": VAULT})
    err = compile_error("main.orus")
    assert (err.filename, err.line) == ("main.orus", 2)
    assert err.message.split("\n")[0] == "module 'vault' does not export 'master_key'"


def test_private_qualified_access_fails_at_the_member(place):
    files(place, {"cwd/main.orus": "use vault\nprint(vault.open_door())\n\n"
                                   "print(vault.master_key())\n", "cwd/vault.orus": VAULT})
    err = compile_error("main.orus")
    assert (err.line, err.message.split("\n")[0]) == (4, "module 'vault' does not export "
                                                         "'master_key'")


def test_unknown_name_and_module_used_as_a_value(place):
    files(place, {"cwd/main.orus": "use vault: nothing\n", "cwd/vault.orus": VAULT})
    assert compile_error("main.orus").message == "module 'vault' does not export 'nothing'"
    files(place, {"cwd/main.orus": "use vault\nx = vault\n"})
    err = compile_error("main.orus")
    assert err.line == 2 and "module 'vault' is not a value" in err.message


def test_declaring_an_imported_name_or_a_namespace_name_is_an_error(place):
    files(place, {"cwd/main.orus": "use vault: open_door\nfn open_door() -> i32:\n    return 1\n",
                  "cwd/vault.orus": VAULT})
    err = compile_error("main.orus")
    assert err.line == 2 and "already imported from module 'vault'" in err.message
    files(place, {"cwd/main.orus": "use vault\nfn f(vault: i32) -> i32:\n    return vault\n"})
    err = compile_error("main.orus")
    assert err.line == 2 and "'vault' is the name of module 'vault'" in err.message


def test_qualified_type_in_an_annotation_is_rejected_with_a_hint(place):
    files(place, {"cwd/main.orus": "use vault\nfn f(p: vault.Thing):\n    pass\n",
                  "cwd/vault.orus": VAULT})
    err = compile_error("main.orus")
    assert err.line == 2 and "use vault: Thing" in err.message


def test_same_names_in_importer_and_module_are_separate_symbols(place):
    files(place, {"cwd/main.orus": "use m\nLIMIT: i32 := 99\nfn scale(n: i32) -> i32:\n"
                                   "    return n + 1\nprint(scale(1), m.scale(1), LIMIT, m.LIMIT)\n",
                  "cwd/m.orus": "pub LIMIT: i32 := 10\npub fn scale(n: i32) -> i32:\n"
                                "    return n * LIMIT\n"})
    units = load("main.orus")
    modules.check_program(units)
    m, main = units
    assert m.checker.module_scope.names["LIMIT"] is not main.checker.module_scope.names["LIMIT"]
    assert main.checker.imports.names["m.LIMIT"] is m.checker.module_scope.names["LIMIT"]


# ------------------------------------------------------------------------ the program
def test_module_code_records_its_own_file(place):
    files(place, {"cwd/main.orus": "use m\nprint(m.f(2))\n",
                  "cwd/m.orus": 'print("init")\npub fn f(x: i32) -> i32:\n    return 10 / x\n'})
    program = orus.compile_source(open("main.orus", "rb").read(), "main.orus")
    assert [program.file_name(i) for i in range(len(program.files))] == ["main.orus", "m.orus"]
    assert set(program.sources) == {0, 1} and program.sources[1].startswith(b'print("init")')
    used = {(int(f), int(line)) for line, col, f in program.lines if line}
    assert (1, 1) in used and (1, 3) in used and (0, 2) in used
    for pc in range(len(program.code)):
        filename, line, _, f = program.location(pc)
        assert filename == ("m.orus" if f == 1 else "main.orus")


def test_program_without_use_takes_the_single_file_path(place):
    program = orus.compile_source(b"print(1)\n", "p.orus")
    assert len(program.files) == 1 and getattr(program, "modules", None) is None


# ------------------------------------------------------------------- saved bytecode
def test_saved_bytecode_is_keyed_by_every_module_file(place, tmp_path):
    from orus import program_cache
    folder = tmp_path / "cache"
    folder.mkdir()
    files(place, {"cwd/main.orus": "use m\nprint(m.f())\n",
                  "cwd/m.orus": "pub fn f() -> i32:\n    return 1\n"})
    source = open("main.orus", "rb").read()
    assert program_cache.load_cached(folder, source, "main.orus") is None
    program = orus.compile_source(source, "main.orus")
    program_cache.save_cached(folder, program, source)
    again = program_cache.load_cached(folder, source, "main.orus")
    assert again is not None and again.sources[1] == b"pub fn f() -> i32:\n    return 1\n"
    assert again.file_name(1) == "m.orus"
    # editing the module invalidates it
    files(place, {"cwd/m.orus": "pub fn f() -> i32:\n    return 2\n"})
    assert program_cache.load_cached(folder, source, "main.orus") is None
    # a new file that the search finds first invalidates it too
    files(place, {"cwd/m.orus": "pub fn f() -> i32:\n    return 1\n"})
    assert program_cache.load_cached(folder, source, "main.orus") is not None
    os.mkdir("sub")
    os.rename("m.orus", "sub/m.orus")
    os.rename("main.orus", "sub/main.orus")
    assert program_cache.load_cached(folder, source, "sub/main.orus") is None  # path differs
    program_cache.save_cached(folder, orus.compile_source(source, "sub/main.orus"), source)
    assert program_cache.load_cached(folder, source, "sub/main.orus") is not None
    files(place, {"cwd/m.orus": "pub fn f() -> i32:\n    return 3\n"})
    assert program_cache.load_cached(folder, source, "sub/main.orus") is None   # cwd wins now


# ------------------------------------------------------------------------ end to end
def run(path):
    with open(path, "rb") as fh:
        return orus.run_source(fh.read(), path)


def test_init_order_runs_each_module_once_dependencies_first(place):
    files(place, {"cwd/main.orus": 'use b\nuse a\nuse b: greet\nprint("main", greet(), a.twice(2))\n',
                  "cwd/a.orus": 'use b\nprint("a sees", b.loads)\npub fn twice(n: i32) -> i32:\n'
                                '    return n * 2\n',
                  "cwd/b.orus": 'print("b")\npub mut loads: i32 = 0\nloads += 1\n'
                                'pub fn greet() -> string:\n    return "hi"\n'})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("b\na sees 1\nmain hi 4\n", 0)


def test_imported_pub_mut_is_the_modules_own_variable(place):
    files(place, {"cwd/main.orus": "use c\nuse c: count, bump\nbump()\nbump()\n"
                                   "print(count, c.count)\nc.count = 10\nbump()\n"
                                   "print(count, c.count, c.read())\n",
                  "cwd/c.orus": "pub mut count: i32 = 0\npub fn bump():\n    count = count + 1\n"
                                "pub fn read() -> i32:\n    return count\n"})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("2 2\n11 11 11\n", 0)


def test_functions_and_globals_with_the_same_names(place):
    files(place, {"cwd/main.orus": "use m\nLIMIT: i32 := 99\nmut calls: i32 = 0\n"
                                   "fn scale(n: i32) -> i32:\n    calls += 1\n    return n + 1\n"
                                   "for x in [1, 2, 3]:\n    print(x, scale(x), m.scaled(x))\n"
                                   "print(LIMIT, m.LIMIT, calls, m.calls)\n",
                  "cwd/m.orus": "pub LIMIT: i32 := 10\npub mut calls: i32 = 0\n"
                                "fn scale(n: i32) -> i32:\n    return n * LIMIT\n"
                                "pub fn scaled(n: i32) -> i32:\n    calls += 1\n"
                                "    return scale(n)\n"})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("1 2 10\n2 3 20\n3 4 30\n99 10 3 3\n", 0)


def test_generic_and_value_functions_from_a_module(place):
    files(place, {"cwd/main.orus": "use g: twice, apply\nprint(twice(4), twice(1.5))\n"
                                   "h = apply\nprint(h(2), apply(5))\n",
                  "cwd/g.orus": "K: i32 := 3\nfn add(x):\n    return x + x\n"
                                "pub fn twice(x):\n    return add(x)\n"
                                "pub fn apply(n: i32) -> i32:\n    return n * K\n"})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("8 3\n6 15\n", 0)


def test_top_level_return_in_a_module_ends_only_that_module(place):
    files(place, {"cwd/main.orus": 'use m\nprint("main")\n',
                  "cwd/m.orus": 'print("m1")\nif true:\n    return\nprint("m2")\n'})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("m1\nmain\n", 0)


def test_globals_after_a_modules_top_level_return_are_unset(place):
    files(place, {"cwd/main.orus": 'use m\nprint(m.A, m.get_a())\nprint(m.get_b())\n',
                  "cwd/m.orus": 'pub A: string := "a"\nif A == "a":\n    return\n'
                                'pub B: string := "b"\npub fn get_a() -> string:\n    return A\n'
                                'pub fn get_b() -> string:\n    return B\n'})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("a a\n", 70)
    assert result.error.filename == "m.orus" and result.error.line == 8
    files(place, {"cwd/main.orus": 'use m\nprint(m.B)\n'})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("", 70)
    assert "before it is initialized" in result.error.message


def test_compile_error_in_the_importer_runs_no_module_code(place):
    files(place, {"cwd/main.orus": "use noisy\nprint(dobled)\n",
                  "cwd/noisy.orus": 'print("module code ran")\n'})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("", 65)
    assert "main.orus:2:" in result.stderr


def test_runtime_error_in_a_module_shows_the_modules_line(place):
    files(place, {"cwd/main.orus": "use m\nprint(m.div(4, 2))\nprint(m.div(1, 0))\n",
                  "cwd/m.orus": "pub fn div(a: i32, b: i32) -> i32:\n    return a / b\n"})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("2\n", 70)
    assert result.error.filename == "m.orus" and result.error.line == 2
    assert "m.orus:2:" in result.stderr and "return a / b" in result.stderr


def test_run_file_with_modules_uses_and_refreshes_saved_bytecode(place, monkeypatch, capfd):
    files(place, {"cwd/main.orus": "use m\nprint(m.V)\n", "cwd/m.orus": "pub V: i32 := 1\n"})
    orus.run_file("main.orus")
    orus.run_file("main.orus")
    files(place, {"cwd/m.orus": "pub V: i32 := 2\n"})
    orus.run_file("main.orus")
    assert capfd.readouterr().out == "1\n1\n2\n"


def test_a_modules_top_level_return_inside_try_removes_the_handler(place):
    files(place, {"cwd/main.orus": 'use m\nprint("main")\nprint([1][3])\n',
                  "cwd/m.orus": 'try:\n    print("m")\n    return\ncatch e:\n    print("never")\n'})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("m\nmain\n", 70)
    assert (result.error.filename, result.error.line) == ("main.orus", 3)


GEO = """pub struct P:
    x: i32 = 7
    y: i32 = 1
impl P:
    fn sum(self) -> i32:
        return self.x + self.y
    fn make(n) -> P:
        return P{ x: n, y: n }
pub enum Color:
    Red
    Blue(level: i32)
pub fn name(c: Color) -> string:
    return match c:
        Color.Red -> "red"
        Color.Blue(n) -> "blue " + (n as string)
"""


def test_structs_enums_and_methods_across_modules(place):
    files(place, {"cwd/geo.orus": GEO, "cwd/main.orus": """use geo
use geo: P, Color as Colour
enum Color:
    Red
p = P{}
q = geo.P{ x: 1 }
print(p, q, p.sum(), P.make(2).sum(), typeof(q))
print(geo.name(geo.Color.Blue(3)), geo.name(Colour.Red), Color.Red, geo.Color.Red)
match geo.Color.Blue(5):
    geo.Color.Blue(n) -> print("blue", n)
    Colour.Red -> print("red")
print(Colour.Red == geo.Color.Red)
"""})
    result = run("main.orus")
    assert result.status == 0, result.stderr
    assert result.stdout == ("7, 1 1, 1 8 4 P\nblue 3 red Color.Red Color.Red\nblue 5\ntrue\n")


def test_a_struct_default_keeps_its_file_in_an_importers_literal(place):
    files(place, {"cwd/main.orus": "use s: S\nprint(S{ a: 1 }.a)\nprint(S{}.a)\n",
                  "cwd/s.orus": '// s\npub struct S:\n    a: i32 = int("x")\n'})
    result = run("main.orus")
    assert (result.stdout, result.status) == ("1\n", 70)
    assert (result.error.filename, result.error.line) == ("s.orus", 3)
    assert 'a: i32 = int("x")' in result.stderr
