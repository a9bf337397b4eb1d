"""Incremental compilation for interactive sessions (orus/session.py).

A ``Linker`` keeps the front end of a session alive between inputs, so that
an input is parsed, checked and compiled alone, against what the earlier
inputs defined, and appended to the same Program:

* **Names.**  Each input is a unit (``modules.Unit``) checked by its own
  ``Checker`` whose scope of kind "imports" holds the Symbols of everything the
  session defined before (functions, globals; structs and enums in
  ``imported_types``), as a file sees what it imports.  A name of an earlier
  input keeps meaning its own declaration; an earlier generic function
  specialises in the checker of the input that defined it.
* **Code.**  One ``ProgramBuilder`` for the whole session: constants,
  functions and type descriptors of earlier inputs keep their indexes; an
  input appends its functions (and new specialisations of earlier generics),
  then its top-level code as function 0, the code that runs.  Function 0's
  previous code is dropped (it is always last), so the code does not grow
  with statements that have run.
* **Globals** are function 0's registers: those of earlier inputs keep their
  numbers and categories (``global_cats``); an input's own globals come next,
  then one *shadow* register per handle-holding global, then temporaries.  The
  session copies each handle global into its shadow before the input runs, so
  the collector keeps the old values alive and a failed input can put them
  back.

``check`` and ``compile`` change nothing that ``rollback`` cannot undo;
``commit`` makes an input part of the session.  Which inputs may take this
path (no redefinition, no ``use``) is the session's decision.
"""

from __future__ import annotations

from collections import ChainMap

from orus.bytecode import opcodes as O
from orus.bytecode.program import FN_NREGS
from orus.frontend import types as T
from orus.frontend.checker import Checked, Checker, Scope
from orus.frontend.compiler import Compiler, first_call
from orus.frontend.modules import Unit, UnitEntry, _Rewriter, adopt

EARLIER = "<earlier input>"          # the file name of an earlier input's errors
_TABLES = ("scopes", "while_decls", "matches")


class Linker:
    """The front end of a session after a whole-program compile (``program.front``)."""

    def __init__(self, program):
        compiler, units = program.front
        self.b = compiler.b
        self.reg_cats = compiler.reg_cats
        self.tids = compiler._tids
        self.variant_rows = compiler._variant_rows
        self.tables = compiler.checked          # the merged side tables
        self.units = list(units)
        main = units[-1].checker
        self.names = dict(main.imports.names) if main.imports is not None else {}
        self.names.update(main.module_scope.names)
        self.types = dict(main.imported_types)
        self.types.update(main.type_names)
        nglobals = 1 + max([s.reg for u in units for s in u.checked.main.scope.symbols]
                           + [-1])
        self.global_cats = list(compiler.reg_cats[0][:nglobals])
        self.spaces = units[-1].spaces          # `use a.b` names: a.b.NAME -> "b.NAME"
        self.sources = dict(program.sources)
        for u in units:
            u.compiled = len(u.checked.funcs)
        # `xs = []` left unused: a later input may fix the element type (the
        # session then gives the empty array the representation it needs);
        # a deeper unknown (`[[]]`) cannot be used later and is dropped
        self.holes = {}                         # name -> (Symbol, its open Hole)
        self._dropped = []
        for name, sym in list(self.names.items()):
            self._keep_or_drop(name, sym)
        self._generics = _generic_decls(self.names, self.types)
        self.pending = None

    # ------------------------------------------------------------------ checking
    def check(self, module, source: bytes, filename: str) -> Unit:
        """Type-check one input against the session (raises CompileError;
        call ``rollback`` then)."""
        self.pending = self._snapshot()
        unit = Unit(filename, "<input>", source, module, len(self.b._files))
        if self.spaces:
            _Rewriter(unit, self.spaces).visit(module.body)
        checker = Checker(filename)
        checker.imports = Scope("imports", None, None)
        checker.imports.names = dict(self.names)
        checker.imported_types = dict(self.types)
        unit.checker = checker
        unit.checked = checker.check_module(module)
        adopt(unit, checker)
        for sym in checker.module_scope.symbols:
            if sym.kind != "fn":
                sym.fn_read = True      # later inputs' functions may read it
        return unit

    def _snapshot(self):
        return ([(u, len(u.checked.funcs)) for u in self.units],
                [(d, set(d.specs)) for d in self._generics])

    # ------------------------------------------------------------------ compiling
    def compile(self, unit):
        """The session's Program with `unit`'s functions appended and its
        top-level code as function 0.  Returns (program, shadows): the
        [(global register, shadow register)] the session fills before running."""
        b = self.b
        main = b.funcs[0]
        tail = None
        at_end = main[1] == len(b.code)
        if at_end:                              # drop the code that has run
            tail = b.code[main[0]:], b.lines[main[0]:]
            del b.code[main[0]:], b.lines[main[0]:]
        self.pending = self.pending + (b.mark(), tail, dict(self.tids),
                                       dict(self.variant_rows), dict(self.reg_cats))
        if not at_end:          # the first input after a whole compile: that code
            row = b.declare_function("<earlier main>", 0, 0)   # stays, never called
            b.funcs[row][:3] = main[:3]
            b._kinds[row] = b._kinds.get(0, [1] * main[2])
        unit.index = b.add_file(unit.filename)
        compiler = SessionCompiler(self, unit)
        program = compiler.compile_input()
        self._globals_end = compiler.globals_end     # (commit: the input's globals stay)
        program.sources = dict(self.sources)
        program.sources[unit.index] = unit.source
        program.source = unit.source
        return program, compiler.shadows

    # ------------------------------------------------------------------ outcome
    def commit(self, unit) -> list:
        """Make `unit` part of the session; returns the names of its globals
        that cannot be carried (an empty array whose element type is unknown)."""
        self.holes = {n: sh for n, sh in self.holes.items() if sh[1].ref is None}
        checker = unit.checker
        for name, sym in checker.module_scope.names.items():
            self.names[name] = sym
            self._keep_or_drop(name, sym)
        dropped, self._dropped = self._dropped, []
        self.types.update(checker.type_names)
        self.global_cats = self.reg_cats[0][:self._globals_end]
        changed = [u for u, n in self.pending[0] if len(u.checked.funcs) != n]
        for u in changed + [unit]:
            for table in _TABLES:
                getattr(self.tables, table).update(getattr(u.checked, table))
            u.compiled = len(u.checked.funcs)
        self.units.append(unit)
        self.sources[unit.index] = unit.source
        checker.filename = unit.filename = EARLIER
        self._generics = _generic_decls(self.names, self.types)
        self.pending = None
        return dropped

    def filled(self) -> list:
        """[(Symbol, element type)] of the `xs = []` globals of earlier inputs
        whose element type the pending input fixed."""
        return [(sym, T.resolve(hole)) for sym, hole in self.holes.values()
                if hole.ref is not None]

    def _keep_or_drop(self, name, sym) -> None:
        if sym.kind == "fn" or T.resolve(sym.ty).hole_free:
            return
        ty = T.resolve(sym.ty)
        if ty.kind == "array" and ty.elem.kind == "hole":
            self.holes[name] = (sym, ty.elem)
        else:
            del self.names[name]
            self._dropped.append(name)

    def rollback(self, ran: bool = False) -> None:
        """Undo ``check`` and ``compile`` of the input that failed (`ran`: it
        failed while running; element types it fixed stay fixed, as what it
        pushed stays in the arrays)."""
        if self.pending is None:
            return
        if not ran:
            for _, hole in self.holes.values():
                hole.ref = None
        funcs, specs = self.pending[:2]
        for u, n in funcs:
            del u.checked.funcs[n:]
        for decl, keys in specs:
            for key in [k for k in decl.specs if k not in keys]:
                del decl.specs[key]
        if len(self.pending) > 2:
            mark, tail, tids, variants, cats = self.pending[2:]
            self.b.rollback(mark)
            if tail is not None:
                self.b.code.extend(tail[0])
                self.b.lines.extend(tail[1])
            for live, saved in ((self.tids, tids), (self.variant_rows, variants),
                                (self.reg_cats, cats)):
                live.clear()
                live.update(saved)
        self.pending = None


def _generic_decls(names, types) -> list:
    """Every FnDecl an input may add a specialisation to."""
    decls = [s.fndecl for s in names.values() if s.kind == "fn" and s.fndecl is not None]
    for ty in types.values():
        decls.extend(getattr(ty, "methods", {}).values())
    return decls


class SessionCompiler(UnitEntry, Compiler):
    """Compiles one input into the session's builder (see the module doc)."""

    def __init__(self, linker, unit):
        view = Checked(unit.module, unit.filename)
        changed = [u.checked for u in linker.units if len(u.checked.funcs) != u.compiled]
        for table in _TABLES:
            setattr(view, table, ChainMap(*[getattr(c, table) for c in
                                            [unit.checked] + changed + [linker.tables]]))
        super().__init__(view, unit.filename)
        self.linker = linker
        self.input = unit           # the input compiled (self.unit: the current one, enter)
        self.b = linker.b
        self.reg_cats = linker.reg_cats
        self._tids = linker.tids
        self._variant_rows = linker.variant_rows
        self.shadows = []
        unit.first_call = first_call(unit.module.body)

    def compile_input(self):
        b = self.b
        linker = self.linker
        main = self.input.checked.main
        self._allocate_globals(main.scope)      # before any function reads them
        pending = [(u, f) for u in linker.units for f in u.checked.funcs[u.compiled:]]
        pending += [(self.input, f) for f in self.input.checked.funcs[1:]]
        for _, f in pending:
            f.index = b.declare_function(f.name, f.arity, len(f.captures))
        for u, f in pending:
            self.enter(u)
            self.function(f)
        self.enter(self.input)
        main.index = 0
        self.function(main)
        program = b.finish(self.input.source)
        program.reg_cats = self.reg_cats
        assert program.funcs[0, FN_NREGS] >= self.globals_end
        return program

    def _allocate_globals(self, scope):
        """Function 0's registers: the session's globals, this input's, then
        the shadows (temporaries and call blocks come above them)."""
        self.cats = list(self.linker.global_cats)
        self.free = self.nregs = len(self.cats)
        super().alloc_scope(scope)
        self.globals_end = self.free
        self.shadows = [(r, self.alloc(T.CAT_HANDLE)) for r, cat in
                        enumerate(self.linker.global_cats) if cat == T.CAT_HANDLE]
        self.main_regs = (self.cats, self.free, max(self.nregs, 1))

    def alloc_scope(self, scope):
        if self.info.is_main and scope is self.info.scope:
            cats, self.free, self.nregs = self.main_regs    # (_allocate_globals)
            self.cats = list(cats)
        else:
            super().alloc_scope(scope)

    def read_global(self, sym, dst, node):
        if sym.func is not self.unit.checked.main and sym.straight:
            # a global of an earlier input (or of a module): it has its value
            self.emit(O.GETG, dst, sym.reg, 0, node)
            return
        super().read_global(sym, dst, node)

