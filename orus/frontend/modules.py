"""Modules (DATA.md §8; DECISIONS data row 15 and "Module search").

A program is its main file plus every module its `use` lines reach.  The whole
program is compiled before anything runs:

1. ``load``: parse the main file, then depth first every module it uses
   (``resolve`` finds the file), each file once (identity: its real path).
   A `use` that reaches a file still being loaded is an import cycle, a
   compile error located at that `use` line.  The depth-first post-order is the
   initialisation order: every module after the modules it uses, the main file
   last (DECISIONS data row 15).
2. ``bind`` (per file, in that order, so everything it imports is already
   checked): check the `use` lines against the exported names (the `pub`
   declarations), then rewrite qualified access ``ns.NAME`` (also
   ``ns.Struct{...}``, ``ns.Enum.Variant`` and patterns ``ns.Enum.V(x) ->``) into
   the hidden name ``"ns.NAME"``.  The checker sees imported names in a scope of
   kind ``"imports"`` above the file's own module scope, holding the exporting
   file's own Symbols, so each name keeps referring to its own declaration
   (DATA §11.2) and an imported ``pub mut`` global is the module's variable.
3. Every file is type-checked by its own ``Checker`` (its own namespace, its
   own file name in errors).
4. ``LinkedCompiler`` compiles all files into one Program: one function table;
   function 0 runs the top-level code of every file in initialisation order
   (each file's globals are registers of function 0, as for a single file);
   every instruction records its file (``ProgramBuilder.file_index``), so
   runtime errors name the file they happened in.

A program without `use` lines takes exactly the single-file path
(``compiler.compile_module``).

Saved bytecode (orus.program_cache) of a program with modules is keyed by the
main source *and* the resolved module files with their contents: ``record``
lists them, ``verify_record`` re-resolves every `use` in the current
environment and re-hashes every file.
"""

from __future__ import annotations

import hashlib
import os
import sys

from orus.frontend import ast
from orus.errors import CompileError

EXTENSION = ".orus"

# The source of every file of the program being compiled or run, by the file
# name its errors carry (for the error display: orus.cli._report).
# ----------------------------------------------------------------------- search path
def install_dir() -> str:
    """The installation's own folder (search root 3): the folder of the `orus`
    executable when running as the `orus` command, else the folder that holds
    the `orus` package."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if os.path.splitext(os.path.basename(argv0))[0] == "orus":
        return os.path.dirname(os.path.abspath(argv0))
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def std_dir() -> str:
    """The standard library shipped with the package (orus/std: `use math`),
    searched last."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "std")


def normalized_path(path) -> str:
    """`a.b.c` (a list of names) -> 'a/b/c.orus'."""
    return "/".join(path) + EXTENSION


def search_roots(importer: str) -> list:
    """[(folder, description)] in search order, duplicates removed: the current
    directory, the importing file's folder, the installation's folder, then each
    ORUSPATH entry, then the standard library (orus/std)."""
    roots = [("", "current directory")]
    folder = os.path.dirname(importer) if not importer.startswith("<") else ""
    roots.append((folder, "folder of %s" % importer))
    roots.append((install_dir(), "installation folder"))
    for entry in os.environ.get("ORUSPATH", "").split(":"):
        if entry:
            roots.append((entry, "ORUSPATH"))
    roots.append((std_dir(), "standard library"))
    out, seen = [], set()
    for folder, what in roots:
        real = os.path.realpath(folder or ".")
        if real not in seen:
            seen.add(real)
            out.append((folder, what))
    return out


def find(path, importer: str):
    """The file that `use a.b.c` names from file `importer`, or None (first hit
    wins).  The result is the root joined with a/b/c.orus, normalised."""
    rel = normalized_path(path)
    for folder, _ in search_roots(importer):
        candidate = os.path.normpath(os.path.join(folder, rel)) if folder else rel
        if os.path.isfile(candidate):
            return candidate
    return None


def _identity(filename: str) -> str:
    if not filename.startswith("<") and os.path.isfile(filename):
        return os.path.realpath(filename)
    return "<main>" + filename


def _error(message, filename, node):
    err = CompileError(message, filename, getattr(node, "line", 0), getattr(node, "col", 0))
    err.category = "module error"       # the report's heading (orus.diagnostics.title_of)
    return err


# ------------------------------------------------------------------------ loading
class Unit:
    """One file of the program."""

    def __init__(self, filename, key, source, module, index):
        self.filename = filename        # as errors show it (the resolved path)
        self.key = key                  # identity: real path
        self.source = source
        self.module = module            # ast.Module
        self.index = index              # file index in the Program (0 = main file)
        self.deps = []                  # (ast.Use, Unit) in source order
        self.dep_paths = []             # the path each of those `use`s resolved to
        self.exports = {}               # pub name -> "value" | "fn" | "struct" | "enum"
        self.private = set()            # other top-level names (for messages)
        self.checker = None
        self.checked = None
        self.first_call = 0             # see link()
        self.defaults = []              # checked default expressions of its structs
        self.first_return = 0
        self.spaces = {}                # the namespaces its `use` lines bind (see bind)

    @property
    def is_main(self):
        return self.index == 0

    def __repr__(self):
        return "Unit(%s)" % self.filename


def uses_of(module) -> list:
    return [s for s in module.body if type(s) is ast.Use]


def _read(path, use, importer):
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise _error("cannot read module '%s' (%s): %s" % (".".join(use.path), path,
                     exc.strerror or exc), importer.filename, use) from None


def load(source: bytes, filename: str, module=None, texts=None) -> list:
    """Parse the program's files; returns its Units in initialisation order
    (dependencies first, the main file last).  Raises CompileError.  `texts`
    (a dict, if given) receives every file's text by file name."""
    from orus.frontend.parser import parse
    texts = {} if texts is None else texts
    texts[filename] = source
    if module is None:
        module = parse(source, filename)
    main = Unit(filename, _identity(filename), source, module, 0)
    units = {main.key: main}
    order, loading = [], []

    def visit(unit):
        loading.append(unit)
        for use in uses_of(unit.module):
            path = find(use.path, unit.filename)
            if path is None:
                raise _unresolved(use, unit)
            key = os.path.realpath(path)
            dep = units.get(key)
            if dep is None:
                text = _read(path, use, unit)
                texts[path] = text
                dep = Unit(path, key, text, parse(text, path), len(units))
                units[key] = dep
                visit(dep)
            elif dep in loading:
                chain = loading[loading.index(dep):] + [dep]
                raise _error(
                    "Cyclic module dependency detected while processing use: %s\n"
                    "import cycle: %s" % (dep.filename, " -> ".join(u.filename for u in chain)),
                    unit.filename, use)
            unit.deps.append((use, dep))
            unit.dep_paths.append(path)
        loading.pop()
        order.append(unit)

    visit(main)
    return order


def _unresolved(use, unit):
    name = ".".join(use.path)
    rel = normalized_path(use.path)
    lines = ["Unable to resolve module '%s'. Normalized path '%s'." % (name, rel),
             "searched (first hit wins):"]
    for folder, what in search_roots(unit.filename):
        shown = os.path.join(folder, rel) if folder else rel
        lines.append("  %s (%s)" % (shown, what))
    return _error("\n".join(lines), unit.filename, use)


# --------------------------------------------------------------------- binding
_DECL_KIND = {ast.VarDecl: "value", ast.FnDef: "fn", ast.StructDef: "struct",
              ast.EnumDef: "enum"}


def exports_of(unit) -> None:
    for s in unit.module.body:
        kind = _DECL_KIND.get(type(s))
        if kind is not None:
            if s.pub:
                unit.exports[s.name] = kind
            else:
                unit.private.add(s.name)
        elif type(s) is ast.Assign and type(s.target) is ast.Name:
            unit.private.add(s.target.name)
        elif type(s) is ast.ChainAssign:
            unit.private.update(a.target.name for a in s.assigns
                                if type(a.target) is ast.Name)


def _not_exported(dep, use_name, name, unit, node):
    message = "module '%s' does not export '%s'" % (use_name, name)
    if name in dep.private:
        message += "\n'%s' is private to %s: declare it `pub` to export it" % (name, dep.filename)
    return _error(message, unit.filename, node)


class _Bindings:
    """What the `use` lines of one file bring into scope."""

    def __init__(self, unit):
        self.unit = unit
        self.names = {}         # local name -> (dep Unit, exported name, use node)
        self.spaces = {}        # namespace name -> (dep Unit, dotted name, use node)

    def bind_name(self, local, dep, name, use):
        old = self.names.get(local)
        if old is not None and (old[0], old[1]) != (dep, name):
            raise _error("'%s' is imported twice (also by the `use` on line %d)"
                         % (local, old[2].line), self.unit.filename, use)
        if local in self.spaces:
            raise _error("'%s' is already the name of module '%s'" % (local, self.spaces[local][1]),
                         self.unit.filename, use)
        self.names[local] = (dep, name, use)

    def bind_space(self, local, dep, use):
        old = self.spaces.get(local)
        dotted = ".".join(use.path)
        if old is not None and old[0] is not dep:
            raise _error("'%s' already names module '%s' (`use` on line %d)"
                         % (local, old[1], old[2].line), self.unit.filename, use)
        if local in self.names:
            raise _error("'%s' is already imported by the `use` on line %d"
                         % (local, self.names[local][2].line), self.unit.filename, use)
        if old is None:
            self.spaces[local] = (dep, dotted, use)


def bind(unit) -> _Bindings:
    """Check the `use` lines of `unit` and record what they bring into scope."""
    b = _Bindings(unit)
    for use, dep in unit.deps:
        dotted = ".".join(use.path)
        if use.names is None or use.alias is not None:
            b.bind_space(use.alias or use.path[-1], dep, use)
        if use.names == "*":
            for name in dep.exports:
                b.bind_name(name, dep, name, use)
        elif use.names is not None:
            for name, alias in use.names:
                if name not in dep.exports:
                    raise _not_exported(dep, dotted, name, unit, use)
                b.bind_name(alias or name, dep, name, use)
    _check_declarations(unit, b)
    return b


def _check_declarations(unit, b):
    """A file's own declarations may not reuse an imported name (top level) or a
    namespace name (anywhere)."""
    for s in unit.module.body:
        if type(s) in _DECL_KIND and s.name in b.names:
            raise _error("'%s' is already imported from module '%s' (`use` on line %d)"
                         % (s.name, ".".join(b.names[s.name][2].path), b.names[s.name][2].line),
                         unit.filename, s)
    if not b.spaces:
        return
    for name, node in _declared_names(unit.module.body):
        if name in b.spaces:
            dep, dotted, use = b.spaces[name]
            raise _error("'%s' is the name of module '%s' (`use` on line %d); choose another "
                         "name" % (name, dotted, use.line), unit.filename, node)


def _declared_names(node):
    """(name, node) of every declaration inside `node` (a list or a Node)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (list, tuple)):
            stack.extend(n)
            continue
        if not isinstance(n, ast.Node):
            continue
        t = type(n)
        if t in _DECL_KIND or t is ast.Param:
            yield n.name, n
        elif t in (ast.For, ast.ForIn):
            yield n.var, n
        elif t is ast.Assign and type(n.target) is ast.Name:
            yield n.target.name, n.target
        elif t is ast.Try and n.err_name:
            yield n.err_name, n
        elif t is ast.VariantPattern and n.bindings:
            for name in n.bindings:
                yield name, n
        for f in n._fields:
            v = getattr(n, f, None)
            if isinstance(v, (ast.Node, list, tuple)):
                stack.append(v)


class _Rewriter:
    """Qualified access `ns.NAME` -> Name("ns.NAME") (checked against the exports)."""

    def __init__(self, unit, spaces):
        self.unit = unit
        self.spaces = spaces            # namespace name -> (dep Unit, dotted name, use node)

    def space(self, name):
        return self.spaces.get(name)

    def qualified(self, ns, name, node, kinds=None):
        dep, dotted, _ = self.spaces[ns]
        kind = dep.exports.get(name)
        if kind is None:
            raise _not_exported(dep, dotted, name, self.unit, node)
        if kinds is not None and kind not in kinds:
            raise _error("'%s.%s' is not a %s" % (ns, name, " or ".join(kinds)),
                         self.unit.filename, node)
        return "%s.%s" % (ns, name)

    def visit(self, n):
        if isinstance(n, list):
            for i, x in enumerate(n):
                n[i] = self.visit(x)
            return n
        if isinstance(n, tuple):
            return tuple(self.visit(x) for x in n)
        if not isinstance(n, ast.Node):
            return n
        t = type(n)
        if t is ast.Member and type(n.obj) is ast.Name and self.space(n.obj.name):
            name = self.qualified(n.obj.name, n.name, n)
            return ast.Name(name, line=n.line, col=n.col)
        if t is ast.Name and self.space(n.name):
            raise _error("module '%s' is not a value: write %s.NAME to use one of its "
                         "exports" % (n.name, n.name), self.unit.filename, n)
        if t is ast.StructLit and len(n.type_name) > 1 and self.space(n.type_name[0]):
            if len(n.type_name) != 2:
                raise _error("unknown struct '%s'" % ".".join(n.type_name), self.unit.filename, n)
            n.type_name = [self.qualified(n.type_name[0], n.type_name[1], n, ("struct",))]
        elif t is ast.VariantPattern and self.space(n.enum_name[0]):
            if len(n.enum_name) == 1 and n.bindings is None:
                # `ns.CONST ->`: a value pattern
                name = self.qualified(n.enum_name[0], n.variant, n)
                return ast.ValuePattern(ast.Name(name, line=n.line, col=n.col),
                                        line=n.line, col=n.col)
            if len(n.enum_name) != 2:
                raise _error("unknown enum '%s'" % ".".join(n.enum_name), self.unit.filename, n)
            n.enum_name = [self.qualified(n.enum_name[0], n.enum_name[1], n, ("enum",))]
        elif t is ast.TypeName and "." in n.name and self.space(n.name.split(".")[0]):
            raise _error("a qualified type name cannot be used in an annotation: import the "
                         "type by name (use %s: %s)" % tuple(n.name.split(".", 1)),
                         self.unit.filename, n)
        for f in n._fields:
            v = getattr(n, f, None)
            if isinstance(v, (ast.Node, list, tuple)):
                setattr(n, f, self.visit(v))
        return n


# ----------------------------------------------------------------------- checking
_TYPE_KINDS = ("struct", "enum")


def _export(dep, name):
    """The Symbol (value or function) or the type (struct or enum) that module
    `dep` exports as `name`."""
    if dep.exports.get(name) in _TYPE_KINDS:
        value = getattr(dep.checker, "type_names", {}).get(name)
    else:
        value = dep.checker.module_scope.names.get(name)
    if value is None:
        raise CompileError("internal: module '%s' exports '%s' but it was not found"
                           % (dep.filename, name), dep.filename, 0, 0)
    return value


def check_unit(unit, b, predeclared=()) -> None:
    """Type-check one file with what it imports in scope: values and functions
    in a Scope of kind "imports" (the exporting file's own Symbols), structs and
    enums in ``Checker.imported_types``; qualified names as "ns.NAME"."""
    from orus.frontend.checker import Checker, Scope
    imports = Scope("imports", None, None)
    types = {}

    def add(local, dep, name):
        table = types if dep.exports[name] in _TYPE_KINDS else imports.names
        table[local] = _export(dep, name)

    for local, (dep, name, _) in b.names.items():
        add(local, dep, name)
    for ns, (dep, _, _) in b.spaces.items():
        for name in dep.exports:
            add("%s.%s" % (ns, name), dep, name)
    body = unit.module.body
    for i, s in enumerate(body):
        if type(s) is ast.Use:
            body[i] = ast.Pass(line=s.line, col=s.col)
    checker = Checker(unit.filename)
    checker.imports = imports
    checker.imported_types = types
    if unit.is_main:
        checker.predeclared = predeclared or ()
    unit.checker = checker
    unit.checked = checker.check_module(unit.module)
    adopt(unit, checker)


def adopt(unit, checker) -> None:
    """After checking `unit`: its generic functions and methods specialise in
    its own checker, wherever they are called from; the globals it exports are
    marked read by functions (an assignment then marks them set)."""
    for sym in checker.module_scope.symbols:
        if sym.fndecl is not None:
            sym.fndecl.owner = checker      # generic functions specialise in their own file
        if sym.name in unit.exports and sym.kind != "fn":
            sym.fn_read = True              # importers read it: mark it set when assigned
    for ty in getattr(checker, "type_names", {}).values():
        for decl in getattr(ty, "methods", {}).values():
            decl.owner = checker            # methods too
        for default in getattr(ty, "defaults", ()):
            if default is not None:         # compiled into importers' struct literals
                unit.defaults.append(default)


def check_program(units, predeclared=()) -> None:
    for unit in units:
        exports_of(unit)
    for unit in units:
        b = bind(unit)
        unit.spaces = b.spaces
        if b.spaces:
            _Rewriter(unit, b.spaces).visit(unit.module.body)
        check_unit(unit, b, predeclared)


# ------------------------------------------------------------------------ linking
class UnitBody(ast.Stmt):
    """The top-level code of one file, inside the linked program's function 0."""
    __slots__ = ("unit",)
    _fields = ()


class UnitEntry:
    """For a compiler that emits the code of several files into one Program
    (LinkedCompiler here, the session's in orus/frontend/incremental.py):
    what is emitted next belongs to `unit` (its file index, file name and
    first statement that may call a function)."""

    def enter(self, unit):
        self.unit = unit
        self.b.file_index = unit.index
        self.filename = unit.filename
        self.first_call = unit.first_call


def _linked_compiler_class():
    from orus.bytecode import opcodes as O
    from orus.frontend.compiler import Compiler

    class LinkedCompiler(UnitEntry, Compiler):
        """Compiles every file of the program into one Program (see the module doc)."""

        def __init__(self, merged, units):
            super().__init__(merged, units[-1].filename)
            self.units = units
            self.unit = None
            # a struct default is compiled where the literal is: its code keeps its file
            self.default_unit = {id(d): u for u in units for d in u.defaults}
            self.unit_returns = None
            self.unit_ranges = {}       # module key -> [start, end) of its top-level code
            for u in sorted(units, key=lambda u: u.index):
                if not u.is_main:
                    index = self.b.add_file(u.filename)
                    assert index == u.index, (index, u.index)

        def function(self, info):
            unit = getattr(info, "unit", None)
            if unit is not None:
                self.enter(unit)
            super().function(info)

        def exp_to(self, e, dst):
            unit = self.default_unit.get(id(e)) if self.default_unit else None
            if unit is None or unit is self.unit:
                return super().exp_to(e, dst)
            saved = self.b.file_index, self.filename
            self.b.file_index, self.filename = unit.index, unit.filename
            try:
                super().exp_to(e, dst)
            finally:
                self.b.file_index, self.filename = saved

        def stmt_UnitBody(self, s):
            unit = s.unit
            self.enter(unit)
            saved = self.info, self.unit_returns
            self.info = unit.checked.main
            self.unit_returns = None if unit.is_main else []
            start = self.b.pc
            self.block(unit.module.body)
            if self.unit_returns:
                self.patch_here(self.unit_returns)
            self.info, self.unit_returns = saved
            if not unit.is_main:
                self.unit_ranges[unit.key] = (start, self.b.pc)

        def stmt_Return(self, s):
            if self.unit_returns is None or not self.info.is_main:
                return super().stmt_Return(s)
            # `return` at a module's top level ends that module's initialisation
            mark = self.free
            if s.value is not None:
                if type(s.value) is ast.Call and type(s.value.target) is not str:
                    self.call(s.value)
                else:
                    self.exp_to_reg(s.value)
            leave_tries = getattr(self, "leave_tries", None)
            if leave_tries is not None:             # inside try blocks: remove their handlers
                leave_tries(self.try_depth, s)
            self.unit_returns.append(self.emit(O.JMP, 0, 0, 0, s))
            self.free = mark

        def read_global(self, sym, dst, node):
            owner = getattr(sym.func, "unit", None)
            if owner is not None and owner is not self.unit and sym.straight \
                    and sym.decl_index < owner.first_return:
                # another file's global: that file's top-level code has finished
                self.emit(O.GETG, dst, sym.reg, 0, node)
                return
            super().read_global(sym, dst, node)

    return LinkedCompiler


def _contains_return(node) -> bool:
    """Is there a `return` in `node` outside nested functions?"""
    if isinstance(node, (list, tuple)):
        return any(_contains_return(n) for n in node)
    if not isinstance(node, ast.Node) or isinstance(node, (ast.FnDef, ast.Lambda)):
        return False
    if type(node) is ast.Return:
        return True
    return any(_contains_return(getattr(node, f, None)) for f in node._fields)


def link(units, front=False):
    """Compile checked units into one Program (with ``program.front`` =
    (compiler, units) when `front`)."""
    from orus.frontend import types as T
    from orus.frontend.checker import Checked, FuncInfo, Scope
    from orus.frontend.compiler import first_call
    main = units[-1]
    body = []
    for u in units:
        node = UnitBody(line=0, col=0)
        node.unit = u
        body.append(node)
        for f in u.checked.funcs:
            f.unit = u
        u.checked.main.index = 0
        # Globals declared before the first statement that may call a function
        # are surely set when a function reads them (Compiler.read_global); for
        # a module, also before the first statement that may `return` (which
        # ends its initialisation, leaving later globals unset).
        u.first_return = len(u.module.body)
        if not u.is_main:
            for i, s in enumerate(u.module.body):
                if _contains_return(s):
                    u.first_return = i
                    break
        u.first_call = first_call(u.module.body[:u.first_return])
    merged = Checked(ast.Module(body, main.filename), main.filename)
    top = FuncInfo("<main>", merged.module, is_main=True)
    top.ret = T.VOID
    top.body = body
    top.state = "done"
    top.scope = Scope("module", None, top)
    for u in units:
        top.scope.symbols.extend(u.checked.main.scope.symbols)
    merged.funcs = [top]
    for u in units:
        merged.funcs.extend(u.checked.funcs[1:])
        for attr, value in vars(u.checked).items():
            if attr in ("module", "filename", "funcs"):
                continue
            mine = getattr(merged, attr, None)
            if isinstance(value, dict) and isinstance(mine, dict):
                mine.update(value)
            elif isinstance(value, list) and isinstance(mine, list):
                mine.extend(value)
    compiler = _linked_compiler_class()(merged, units)
    compiler.filename = main.filename
    program = compiler.compile(main.source)
    program.sources = {u.index: u.source for u in units}
    program.modules = record(units)
    # the notebook API: the main file's globals only
    program.globals = {s.name: (s.reg, s.ty) for s in main.checked.main.scope.symbols
                       if s.kind in ("var", "const")}
    from orus.frontend.compiler import _global_info
    program.global_info = _global_info(main.checked.main.scope.symbols)
    # orus.session: each module's top-level code and globals (run it once per session)
    program.unit_ranges = compiler.unit_ranges
    program.unit_globals = {u.key: {s.name: (s.reg, s.ty) for s in u.checked.main.scope.symbols
                                    if s.kind in ("var", "const")}
                            for u in units if not u.is_main}
    if front:
        program.front = (compiler, units)
    return program


# ----------------------------------------------------------------------- entry point
def compile_program(source, filename: str = "<input>", predeclared=(), front=False):
    """Parse, check and compile a program (its main file and every module it
    uses) into one Program.  Raises CompileError.  `predeclared`: globals an
    interactive session carries over (Checker.predeclare).  `front`: keep the
    checked units and the compiler as ``program.front`` (an interactive
    session goes on from them: orus/frontend/incremental.py)."""
    from orus.frontend.compiler import compile_module
    from orus.frontend.parser import parse
    if isinstance(source, str):
        source = source.encode("utf-8")
    texts = {filename: source}
    try:
        module = parse(source, filename)
        if not uses_of(module) and not front:
            program = compile_module(module, filename, source, predeclared)
            program.sources = {0: source}
        else:
            units = load(source, filename, module, texts)
            check_program(units, predeclared)
            program = link(units, front)
    except CompileError as err:
        if err.source is None:
            err.source = texts.get(err.filename)
        raise
    program.source = source
    return program


# ------------------------------------------------------------------ saved bytecode
def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(units) -> dict:
    """What the saved bytecode of this program depends on besides the main source:
    for every file, the module each of its `use` lines resolved to, and the
    content hash of every module file."""
    files = []
    for u in sorted(units, key=lambda u: u.index):
        files.append({
            "index": u.index,
            "path": u.filename,
            "sha256": _digest(u.source),
            "uses": [[".".join(use.path), dep.index, path]
                     for (use, dep), path in zip(u.deps, u.dep_paths)],
        })
    return {"files": files}


def verify_record(rec, source: bytes, filename: str):
    """Re-resolve every `use` of a saved program in the current environment and
    re-hash every module file.  Returns {file index: source bytes} when all
    match (the saved program is still this program), else None."""
    try:
        files = {int(f["index"]): f for f in rec["files"]}
        if sorted(files) != list(range(len(files))) or files[0]["sha256"] != _digest(source):
            return None
        sources = {0: source}
        names = {i: (filename if i == 0 else str(f["path"])) for i, f in files.items()}
        reached = {0}
        for index in sorted(files):
            f = files[index]
            if index:
                if index not in reached:
                    return None
                try:
                    with open(names[index], "rb") as fh:
                        data = fh.read()
                except OSError:
                    return None
                if _digest(data) != f["sha256"]:
                    return None
                sources[index] = data
            for dotted, dep, recorded in f["uses"]:
                # the same `use` lines (same content) must resolve to the same files
                dep = int(dep)
                path = find(dotted.split("."), names[index])
                if path is None or path != recorded or dep not in files or dep == 0 \
                        or os.path.realpath(path) != os.path.realpath(names[dep]):
                    return None
                reached.add(dep)
        if reached != set(files):
            return None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return sources
