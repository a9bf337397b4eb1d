"""The Orus bytecode compiler: annotated AST -> Program (through ProgramBuilder).

Entry point: ``compile_module(module, filename, source) -> Program`` (check
and compile one parsed file; raises CompileError).  A whole program, modules
included, is compiled by ``orus.frontend.compile_program``.

Register allocation is Lua-like.  A scope's symbols get fixed registers when
the scope is entered (all of them at once, so a variable that an `if` branch
declares for the enclosing scope already has its register), and temporaries
live on a stack above them: ``self.free`` is the first free register, and
every statement gives its temporaries back by resetting it.  Each register
keeps one category (int / float / handle, see orus.frontend.types) for the whole
function: the allocator skips a slot whose category differs.

Frame layout of a function: parameters in R[0..arity-1], captured values in
R[arity..arity+ncap-1] (the VM copies them there on CALLV; a direct recursive
call passes them after the arguments), then locals, then temporaries.  The top
level (function 0) keeps its module-scope variables, the globals, in its
registers; other functions reach them with GETG/GETG_CHK/SETG.

Calls: the arguments go into a block of consecutive registers starting at A,
above everything live; the callee's frame starts there and its result comes
back in R[A].

Strings and arrays (DATA §2, §3): literals are ARR_NEW + ARR_PUSH per element,
fills ARR_NEW + ARR_PUSH + ARR_REPEAT; `for x in array` is an index loop that
re-reads the length every step; compound values print with OUTV and a type
descriptor (``type_id``); builtins that Python does best (input, int/float of
text, sorted, deep equality, assert_eq) are HOSTCALLs (orus.host.hostcalls);
typeof/istype are static.  A chain of string `+` (and `s += ...`) is built in
one fresh register and appended to in place (``concat_chain``).  Heap values
(strings, arrays, functions, range iterators) always live in registers of
category ``handle``, the registers the garbage collector scans.
"""

from __future__ import annotations

from orus.bytecode.program import ProgramBuilder
from orus.frontend.checker import Checked, check
from orus.errors import CompileError
from orus.frontend.compiler.model import first_call
from orus.frontend.compiler.registers import RegisterAllocation
from orus.frontend.compiler.functions import FunctionCode
from orus.frontend.compiler.expressions import ExpressionCode
from orus.frontend.compiler.builtins import BuiltinCode
from orus.frontend.compiler.statements import StatementCode
from orus.frontend.compiler.records import RecordCode


class Compiler(RegisterAllocation, FunctionCode, ExpressionCode, BuiltinCode, StatementCode, RecordCode):
    def __init__(self, checked: Checked, filename="<input>"):
        self.checked = checked
        self.filename = filename
        self.b = ProgramBuilder(filename)
        self.info = None
        self.reg_cats = {}          # function index -> list of register categories
        self._tids = {}             # Type -> type descriptor index
        self._variant_rows = {}     # Variant -> its TY_VARIANT row

    def error(self, node, message):
        raise CompileError(message, self.filename, getattr(node, "line", 0),
                           getattr(node, "col", 0))

    # -- program ---------------------------------------------------------------------
    def compile(self, source=b""):
        funcs = self.checked.funcs
        b = self.b
        for f in funcs:
            name = "main" if f.is_main else f.name
            f.index = b.declare_function(name, f.arity, len(f.captures))
        self.first_call = first_call(self.checked.module.body)
        for f in funcs:
            self.function(f)
        program = b.finish(source)
        # Notebook API (orus/notebook/cells.py): main's global variables, name -> (register,
        # type); in memory only, not saved with the bytecode.
        program.globals = {s.name: (s.reg, s.ty) for s in funcs[0].scope.symbols
                           if s.kind in ("var", "const")}
        program.global_info = _global_info(funcs[0].scope.symbols)
        program.reg_cats = self.reg_cats
        return program


def _global_info(symbols) -> dict:
    """orus.session: name -> (mutable, kind, literal value or None) of main's globals."""
    from orus.frontend.checker.model import _UNKNOWN
    return {s.name: (s.mutable, s.kind, None if s.const_value is _UNKNOWN else s.const_value)
            for s in symbols if s.kind in ("var", "const")}


def compile_checked(checked: Checked, filename="<input>", source=b""):
    return Compiler(checked, filename).compile(source)


def compile_module(module, filename="<input>", source=b"", predeclared=()):
    return compile_checked(check(module, filename, predeclared), filename, source)
