"""Interactive Orus: a session that runs one input after another (the REPL,
``orus repl``, and the notebooks' shared ``%%orus`` session).

    s = orus.Session()
    s.run("fn sq(x: i64) -> i64:\\n    return x * x\\nn = 12")
    s.run("print(sq(n))").stdout           # '144\\n'
    s["n"]                                 # 12
    s["xs"] = numpy.arange(5.0)            # a global [f64]
    s.run("print(len(xs))")

Each input is compiled against everything the session has kept and only its
own statements run.  ``run`` returns the RunResult of ``orus.run_source``
(stdout, status, error, stderr); a compile or runtime error (or Ctrl-C)
leaves the session exactly as it was before that input.

Design: most inputs take the incremental path (orus/frontend/incremental.py):
the input alone is parsed, checked against the Symbols of the earlier inputs
and compiled into the session's one Program (its functions appended, its
top-level code as function 0), and the same Machine runs it (``Machine.extend``):
heap and globals stay where they are, nothing is copied.  A failed input is
rolled back: the front end's tables, and the globals' registers (each
handle-holding global has a shadow register that keeps its old value alive
while the input runs).  An input that redefines something (``fn f`` again, a
``struct``/``enum``/``impl`` of a used name, a global declared again) or
``use``s a module is compiled the whole way instead:

* **Declarations** (``fn``, ``struct``, ``enum``, ``impl``, ``use``) are kept as
  source text and compiled again, after the new input.  Entering ``fn f``/
  ``struct S``/``enum E`` again replaces the old one for later inputs (a new
  ``struct S`` also drops the old ``impl S`` blocks, and the globals whose type
  mentions ``S``: values of the old type are gone).
* The top-level code of a ``use``d module runs once, in the first input that
  uses it; later inputs carry its globals as the session's own.
* **Globals** are declared up front (``Checker.predeclare``) and their values
  deep-copied into a new machine (``_Copier``: strings, arrays, structs, enums,
  closures, sharing kept).  A top-level ``x = e`` (or ``mut x = e``,
  ``x: T = e``) for a global that was declared immutable declares it afresh
  (any type; unless ``e`` reads ``x``); for a ``mut`` global, ``x = e`` is an
  assignment.

Tier 2: an input that runs for 0.5 s or more starts a background build of
the session's program at that input (``orus.api.run_machine``); entering
the same input again runs that native code (``RunResult.tier2``) when the
program is the same -- no input in between added a function, a global or a
number constant (docs/ARCHITECTURE.md, "Tier 2").

Limits: a failed input does not undo changes made in place to existing
arrays and structs before the error (``xs.push(1)``, ``p.x = 2``), as in
Python.  On the whole-compile path, a function value made by a lambda of an
earlier input, values of type ``any`` and an empty array whose element type is
still unknown (``xs = []``) are not carried over (the global is dropped and
named in ``Session.dropped``; on the incremental path only the last).
"""

from __future__ import annotations

import io
import re

from orus.diagnostics import render
from orus.errors import EXIT_COMPILE, EXIT_OK, EXIT_RUNTIME, CompileError, OrusRuntimeError
from orus.frontend import types as T
from orus.frontend.incremental import EARLIER

__all__ = ["Session"]

FILENAME = "<stdin>"
_DECLS = ("FnDef", "StructDef", "EnumDef", "ImplDef", "Use")
_VALUE = "__orus_value"


def _mentions(node, name: str) -> bool:
    """Does the expression `node` use the name `name`?"""
    from orus.frontend import ast
    if isinstance(node, (list, tuple)):
        return any(_mentions(n, name) for n in node)
    if not isinstance(node, ast.Node):
        return False
    if type(node) is ast.Name and node.name == name:
        return True
    return any(_mentions(getattr(node, f, None), name) for f in node._fields)


class _Lost(Exception):
    """A value that cannot be carried to the next program (see the limits)."""


class Session:
    """A sequence of Orus inputs sharing declarations and globals."""

    def __init__(self, stdin=b"", max_heap=None, filename: str = FILENAME):
        """`stdin`: what ``input()`` reads (bytes; None: the process's stdin);
        `max_heap`: the heap limit of the session's machine (orus.api)."""
        import orus.api  # noqa: F401 (the run path, preloaded)
        self.stdin = stdin
        self.max_heap = max_heap
        self.filename = filename
        self.dropped = []             # globals the last input could not carry over
        self.reset()

    def reset(self) -> None:
        """Forget everything (declarations, globals)."""
        self._decls = []              # [(key, text)] in input order
        self._machine = None          # the machine of the last successful input
        self._program = None
        self._linker = None           # the incremental front end (None: compile whole)
        self._globals = {}            # name -> (register, Type) of every global
        self._info = {}               # name -> (mutable, kind, literal value or None)
        self._unit_globals = {}       # module key -> its globals (Program.unit_globals)
        self._types = {}              # type text -> parsed TypeExpr
        self._modules = set()         # keys of the modules whose top-level code has run

    # ------------------------------------------------------------------ values
    @property
    def globals(self) -> dict:
        """name -> Orus type (text) of every global the session holds."""
        return {n: str(ty) for n, (reg, ty) in self._globals.items()}

    @property
    def functions(self) -> list:
        """Names of the functions the session holds."""
        return [key[1] for key, _ in self._decls if key[0] == "fn"]

    def __contains__(self, name) -> bool:
        return name in self._globals

    def __getitem__(self, name: str):
        """The Python value of global `name` (numpy arrays for arrays, as
        ``orus.run`` outputs)."""
        from orus.values import _read_value
        if name not in self:
            raise KeyError(name)
        reg, ty = self._globals[name]
        return _read_value(self._machine, name, T.resolve(ty), int(self._machine.regs[reg]))

    def __setitem__(self, name: str, value) -> None:
        """Make `value` the global `name` (mutable; its type from the value, as
        ``orus.run`` inputs; an existing global of that name is replaced)."""
        from orus.values import _store_input, _to_input, declaration
        inp = _to_input(name, value)
        result = self.run(declaration(inp))
        if result.error is not None:
            raise ValueError("cannot set '%s': %s" % (name, result.error.message))
        _store_input(self._machine, self._globals[name][0], inp)

    # ------------------------------------------------------------------ types
    def type_of(self, expr: str) -> str:
        """The static type of the expression `expr` (raises CompileError)."""
        expr = expr.strip()
        prefix = "%s = (" % _VALUE
        try:
            if self._linker is not None:
                unit = self._check(prefix + expr + ")")
                self._linker.rollback()
                return str(unit.checker.module_scope.names[_VALUE].ty)
            program, _, _ = self._compile(prefix + expr + ")")
        except CompileError as err:
            if "has no value" in err.message and err.line == 1:
                return "void"
            if err.filename == self.filename and err.line == 1:
                err.col = max(1, err.col - len(prefix))     # columns of `expr`
                err.source = expr.encode("utf-8")
            raise
        return str(program.globals[_VALUE][1])

    def program_of(self, source: str = ""):
        """The Program the session would run for `source` (for :dis)."""
        return self._compile(source)[0]

    # ------------------------------------------------------------------ running
    def run(self, source, echo: bool = False, write=None):
        """Run one input; returns an orus.api.RunResult.  `echo`: an input that
        is one expression of a non-void type prints its value (the REPL).
        `write(bytes)`: also receives the output as it is produced."""
        from orus.api import RunResult
        text = source.decode("utf-8", "replace") if isinstance(source, (bytes, bytearray)) else str(source)
        out = io.BytesIO()

        def emit(data):
            out.write(data)
            if write is not None:
                write(data)
        error, status = None, EXIT_OK
        typed = text
        self._ran = None
        try:
            if echo:
                text = self._echoed(text)
            self._run(text, emit)
        except CompileError as exc:
            error, status = exc, EXIT_COMPILE
        except OrusRuntimeError as exc:
            error, status = exc, EXIT_RUNTIME
        if error is not None and text is not typed and error.filename == self.filename \
                and error.line == 1:
            # the input was `expr`, run as `print(expr)`: show what was typed
            error.col = max(1, error.col - len("print("))
            error.source = typed.strip().encode("utf-8")
        stderr = "" if error is None else render(error, error.source)
        result = RunResult(out.getvalue(), status, error, stderr)
        result.tier2 = getattr(getattr(self._ran, "vm", None), "tier2", False)
        self._ran = None
        return result

    def _echoed(self, text: str) -> str:
        """`print(expr)` for an input that is one expression with a value."""
        from orus.frontend import ast
        from orus.frontend.parser import parse
        try:
            module = parse(text, self.filename)
        except CompileError:
            return text
        if len(module.body) != 1 or type(module.body[0]) is not ast.ExprStmt:
            return text
        expr = text.strip()
        try:
            if self.type_of(expr) == "void":
                return text
        except CompileError:
            return text             # an error the input itself reports
        return "print(%s)" % expr

    def _split(self, text: str, module):
        """The input's top-level declarations as [(key, text)], and the names of
        the globals it (re)declares or replaces."""
        from orus.frontend import ast
        lines = text.split("\n")
        body = module.body
        decls, names = [], set()
        for i, stmt in enumerate(body):
            kind = type(stmt).__name__
            if kind in _DECLS:
                end = body[i + 1].line - 1 if i + 1 < len(body) else len(lines)
                chunk = "\n".join(lines[stmt.line - 1:end]).rstrip() + "\n"
                if kind == "Use":
                    key = ("use", chunk.strip())
                elif kind == "FnDef":
                    key = ("fn", stmt.name)
                    names.add(stmt.name)
                elif kind == "ImplDef":
                    key = ("impl", stmt.name, tuple(m.name for m in stmt.methods))
                else:
                    key = ("type", stmt.name)
                decls.append((key, chunk))
            elif kind == "VarDecl":
                names.add(stmt.name)
            elif kind == "Assign" and stmt.op == "=" and type(stmt.target) is ast.Name:
                # `x = e` for an immutable x declares it again, unless e reads x
                # (then it stays the assignment that Orus refuses)
                name = stmt.target.name
                if not self._is_mutable(name) and not _mentions(stmt.value, name):
                    names.add(name)
        return decls, names

    def _is_mutable(self, name: str) -> bool:
        return name in self._info and bool(self._info[name][0])

    def _history(self, new_decls):
        """The kept declarations that the new ones do not replace, and the
        struct/enum names the new input redefines."""
        keys = {k for k, _ in new_decls}
        types = {k[1] for k in keys if k[0] == "type"}
        methods = {(k[1], m) for k in keys if k[0] == "impl" for m in k[2]}
        kept = []
        for key, chunk in self._decls:
            if key in keys and key[0] != "impl":
                continue
            if key[0] == "impl" and (key[1] in types or any((key[1], m) in methods for m in key[2])):
                continue
            kept.append((key, chunk))
        return kept, types

    def _type_node(self, text: str):
        node = self._types.get(text)
        if node is None:
            from orus.frontend.parser import parse
            node = parse("%s: %s = 0\n" % (_VALUE, text)).body[0].type
            self._types[text] = node
        return node

    def _carried(self, replaced: set, types: set, lost=()):
        """[(name, reg, ty)] of the globals to carry and the predeclarations."""
        carried, pre = [], []
        info = self._info
        words = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, types))) if types else None
        for name, (reg, ty) in self._globals.items():
            if name in replaced or name == _VALUE:
                continue
            if name in lost:
                self.dropped.append(name)
                continue
            text = str(ty)
            if words is not None and words.search(text):
                continue
            if "any" in re.findall(r"\w+", text):
                self.dropped.append(name)
                continue
            try:
                node = self._type_node(text)
            except CompileError:
                self.dropped.append(name)
                continue
            mutable, kind, value = info.get(name, (True, "var", None))
            carried.append((name, reg, ty))
            pre.append((name, node, mutable, kind, value))
        return carried, pre

    def _compile(self, text: str, lost=()):
        """(program, carried globals, number of lines of the input) for `text`."""
        from orus.frontend import compile_program
        from orus.frontend.parser import parse
        try:
            module = parse(text, self.filename)
        except CompileError as err:
            err.source = text.encode("utf-8")
            raise
        decls, replaced = self._split(text, module)
        kept, types = self._history(decls)
        self.dropped = []
        carried, pre = self._carried(replaced, types, lost)
        # The kept declarations come after the input: functions and types are
        # visible in the whole file anyway, and so a kept function sees a
        # global that the input declares again; the input's lines keep their numbers.
        history = "".join(chunk for _, chunk in kept)
        shift = text.count("\n") + 1           # lines of the input
        full = (text + "\n" + history).encode("utf-8")
        try:
            program = compile_program(full, self.filename, predeclared=pre, front=True)
        except CompileError as err:
            self._locate(err, text, full, shift)
            raise
        program._session = (kept + decls, shift)
        return program, carried, shift

    def _locate(self, err, text: str, full: bytes, lines: int) -> None:
        """Show an error in the input with the input's text; one in a kept
        declaration (after the input's `lines` lines) in the file
        EARLIER, with the lines of the kept declarations."""
        if err.filename != self.filename:
            return
        if err.line <= lines:
            err.source = text.encode("utf-8")
        else:
            err.filename = EARLIER
            err.line -= lines
            err.source = full.split(b"\n", lines)[-1]
            if isinstance(err, CompileError):
                err.message += (" (in a definition of an earlier input: enter the "
                                "definitions that use what changed again, in the same input)")

    def _prepare(self, text: str, write, lost=()):
        """The program of input `text` on a new machine holding the globals."""
        from orus.api import new_machine
        program, carried, shift = self._compile(text, lost)
        stdin = None if self.stdin is None else io.BytesIO(self.stdin)
        machine = new_machine(program, write, stdin, max_heap=self.max_heap, reserve=True)
        machine.to_numpy()
        if self._machine is not None:
            # one random generator per session: its state goes on with the globals
            from orus.bytecode import protocol as P
            machine.state[P.S_RNG_FIRST:P.S_RNG_END] = \
                self._machine.state[P.S_RNG_FIRST:P.S_RNG_END]
        if carried:
            copier = _Copier(self._machine, machine)
            missing = set()
            for name, reg, ty in carried:
                if name not in program.globals:
                    missing.add(name)
                    continue
                new_reg, new_ty = program.globals[name]
                try:
                    machine.regs[new_reg] = copier.value(int(self._machine.regs[reg]), ty)
                except _Lost:
                    missing.add(name)
                machine.ginit[new_reg] = 1
            if missing:
                # compile again without them: they become undefined names
                return self._prepare(text, write, set(lost) | missing)
        if self._modules:
            self._skip_modules(program, machine)
        return program, machine, shift

    def _skip_modules(self, program, machine) -> None:
        """The top-level code of a module that an earlier input ran does not
        run again: its globals are copied and its code jumped over."""
        from orus.bytecode import opcodes as O
        ranges = getattr(program, "unit_ranges", {})
        old = self._unit_globals
        copier = None
        patched = None
        for key, (start, end) in ranges.items():
            if key not in self._modules or key not in old or start == end:
                continue
            mine = program.unit_globals.get(key, {})
            if set(mine) != set(old[key]) or any(
                    str(mine[n][1]) != str(old[key][n][1]) for n in mine):
                continue                # the file changed: run it again
            values = {}
            try:
                copier = copier or _Copier(self._machine, machine)
                for name, (reg, ty) in old[key].items():
                    values[mine[name][0]] = copier.value(int(self._machine.regs[reg]), ty)
            except _Lost:
                continue
            for reg, value in values.items():
                machine.regs[reg] = value
                machine.ginit[reg] = 1
            if patched is None:
                patched = program.code = program.code.copy()
            patched[start] = (O.JMP, end, 0, 0)

    def _commit(self, program, machine) -> None:
        self._decls = program._session[0]
        self._machine = machine
        self._program = program
        self._globals = dict(program.globals)
        self._info = dict(program.global_info)
        self._unit_globals = getattr(program, "unit_globals", {})
        self._modules = set(getattr(program, "unit_ranges", {}))
        from orus.frontend.incremental import Linker
        self._linker = Linker(program)
        for name in self._linker._dropped:
            del self._globals[name]

    def _run(self, text: str, write) -> None:
        from orus.api import run_machine
        if self._linker is not None and self._run_incremental(text, write):
            return
        program, machine, shift = self._prepare(text, write)
        try:
            self._ran = machine             # (its vm: which tier ran the input)
            run_machine(machine, autobuild=True)
        except OrusRuntimeError as err:
            self._locate(err, text, program.source, shift)
            raise
        self._commit(program, machine)      # success: the new state is the session's

    # ------------------------------------------------------------ incremental path
    def _check(self, text: str, module=None):
        """The input `text` (parsed: `module`, else parsed here) checked
        against the session (the Linker's pending input: commit or roll back)."""
        from orus.frontend.parser import parse
        source = text.encode("utf-8")
        try:
            if module is None:
                module = parse(source, self.filename)
            return self._linker.check(module, source, self.filename)
        except BaseException as err:
            self._linker.rollback()
            if isinstance(err, CompileError):
                self._explain(err, text)
            raise

    def _explain(self, err, text: str) -> None:
        if err.filename == self.filename:
            err.source = text.encode("utf-8")
        elif err.filename == EARLIER and isinstance(err, CompileError):
            err.message += (" (in a definition of an earlier input: enter the "
                            "definitions that use what changed again, in the same input)")

    def _incremental(self, text: str):
        """(the input's declarations, its parse) when it may take the
        incremental path, else None: it uses a module or declares a name the
        session has."""
        from orus.frontend.parser import parse
        try:
            module = parse(text, self.filename)
        except CompileError:
            return None                 # the whole-compile path reports it
        decls, names = self._split(text, module)
        linker = self._linker
        taken = set(self._globals) | set(linker.names) | set(linker.types)
        mine = {key[1] for key, _ in decls if key[0] == "type"}
        for key, _ in decls:
            if key[0] == "use" or (key[0] == "impl" and key[1] not in mine) \
                    or (key[0] != "impl" and key[1] in taken):
                return None
        if names & taken:
            return None
        return decls, module

    def _run_incremental(self, text: str, write) -> bool:
        """Run `text` on the session's machine; False when it must be compiled
        whole instead (raises the input's errors, after rolling it back)."""
        from orus.api import run_machine
        found = self._incremental(text)
        if found is None:
            return False
        decls, module = found
        linker, machine = self._linker, self._machine
        unit = self._check(text, module)
        try:
            program, shadows = linker.compile(unit)
        except BaseException as err:        # (an internal error too: never half-compiled)
            linker.rollback()
            if isinstance(err, CompileError):
                self._explain(err, text)
            raise
        nstr = machine._nstrings
        nglobals = len(linker.global_cats)
        regs = machine.regs[:nglobals].copy()
        ginit = machine.ginit[:nglobals].copy()
        try:
            if not machine.extend(program):
                linker.rollback()       # the machine's reserved rows are full
                return False
            for reg, shadow in shadows:
                machine.regs[shadow] = machine.regs[reg]
            for sym, elem in linker.filled():      # `xs = []` of an earlier input
                machine.retype_empty_array(sym.reg, elem.category == T.CAT_HANDLE,
                                           elem.is_bool)
            machine.write = write
            machine._stdin = None if self.stdin is None else io.BytesIO(self.stdin)
            self._ran = machine             # (its vm: which tier ran the input)
            run_machine(machine, autobuild=True)
        except BaseException as err:
            machine.regs[:nglobals] = regs
            machine.ginit[:nglobals] = ginit
            machine.forget_strings(nstr)
            linker.rollback(ran=True)
            if isinstance(err, OrusRuntimeError):
                from orus.bytecode.protocol import S_PC
                pc = int(machine.state[S_PC])
                if 0 <= pc < len(program.lines) and int(program.lines[pc, 2]) != unit.index:
                    err.filename = EARLIER
            raise
        from orus.frontend.compiler import _global_info
        self.dropped = linker.commit(unit)
        symbols = [s for s in unit.checker.module_scope.symbols
                   if s.kind in ("var", "const") and s.name not in self.dropped]
        self._globals.update((s.name, (s.reg, s.ty)) for s in symbols)
        self._info.update(_global_info(symbols))
        self._decls = self._decls + decls
        self._program = program
        return True


class _Copier:
    """Deep-copies values from one machine's heap to another's (the permanent
    objects of the old program map to the new program's)."""

    def __init__(self, old, new):
        import numpy as np
        from orus.bytecode import protocol as P
        self.np, self.P = np, P
        self.old, self.new = old, new
        self.memo = {}
        self.fnames = [old.program.string(int(f[5])) for f in old.program.funcs]
        index = {}
        for i, f in enumerate(new.program.funcs):
            index.setdefault(new.program.string(int(f[5])), []).append(i)
        self.index = index

    def value(self, bits: int, ty) -> int:
        if getattr(ty, "category", "") != "handle":
            return bits
        return self.handle(bits)

    def function(self, f: int) -> int:
        found = self.index.get(self.fnames[f], [])
        if len(found) != 1:
            raise _Lost()
        return found[0]

    def handle(self, h: int) -> int:
        P, old, new = self.P, self.old, self.new
        st, nst = old.state, new.state
        if h < 0 or h >= int(st[P.S_NOBJ]):
            return h                 # never assigned
        if h in self.memo:
            return self.memo[h]
        nstr, byte0, nperm = int(st[P.S_NSTR]), int(st[P.S_BYTE0]), int(st[P.S_NPERM])
        if byte0 <= h < nperm:       # one-byte strings, error messages: same layout
            r = h - byte0 + int(nst[P.S_BYTE0])
        elif nstr <= h < byte0:      # a function's capture-less value
            r = int(nst[P.S_NSTR]) + self.function(h - nstr)
        else:
            kind, off, n, aux = (int(x) for x in old.hobj[h, :4])
            np = self.np
            if kind == P.HK_STR:
                r = new.new_string(old.hbytes[off:off + n].tobytes())
            elif kind == P.HK_ARR:
                r = new.new_array(old.hslots[off:off + n].copy(), P.HK_ARR)
            elif kind == P.HK_ARR_B:
                r = new.new_array(old.hbytes[off:off + n].astype(np.int64), P.HK_ARR_B)
            elif kind == P.HK_ARR_H:
                items = [self.handle(int(x)) for x in old.hslots[off:off + n]]
                r = new.new_array(np.array(items, dtype=np.int64), P.HK_ARR_H)
            elif kind == P.HK_RANGE:
                r = self._slots(P.HK_RANGE, old.hslots[off:off + n].tolist(), aux)
            elif kind == P.HK_REC:
                fields = old.hslots[off:off + n].tolist()
                for i in range(n):
                    if (aux >> min(i, 31)) & 1:
                        fields[i] = self.handle(fields[i])
                r = self._slots(P.HK_REC, fields, aux)
            elif kind == P.HK_FN:
                slots = old.hslots[off:off + n].tolist()
                f = slots[0]
                funcs = old.program.funcs
                ko = int(funcs[f, 6]) + int(funcs[f, 3])
                for i in range(1, n):
                    if old.program.regkinds[ko + i - 1]:
                        slots[i] = self.handle(slots[i])
                slots[0] = self.function(f)
                r = self._slots(P.HK_FN, slots, aux)
            else:
                raise _Lost()
        self.memo[h] = r
        return r

    def _slots(self, kind: int, values: list, aux: int) -> int:
        P, m = self.P, self.new
        n = len(values)
        m._room(0, n)
        off = int(m.state[P.S_NSLOTS])
        m.hslots[off:off + n] = self.np.array(values, dtype=self.np.int64)
        m.state[P.S_NSLOTS] = off + n
        m.state[P.S_ALLOC] += 8 * n + P.OBJ_COST
        return m._new_row(kind, off, n, aux)
