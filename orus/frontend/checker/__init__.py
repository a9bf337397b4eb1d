"""The Orus type checker: scopes, symbols, types, and every compile-time check.

Input: an ``ast.Module`` from the parser.  Output: a ``Checked`` record whose
``funcs`` list holds one ``FuncInfo`` per function to compile (index 0 is the
top level, "main"), with the AST annotated in place:

* every expression's ``ty`` (an ``orus.frontend.types.Type``);
* ``Name.sym`` (the ``Symbol`` it names), ``VarDecl.sym``, ``For.sym``,
  ``Assign.decl`` (the new Symbol of an implicit declaration);
* ``Call.target``: the ``FuncInfo`` of a direct call, the builtin's name
  (``"typeof"``) for a builtin, or ``None`` for a call through a function value;
* ``Lambda.info`` / ``FnDef.info``: the ``FuncInfo`` (``FnDecl`` for top-level
  functions, which may have several specialisations).

The checker also rewrites a few things so that the compiler has less to know:
an expression made only of literals is replaced by one literal node holding its
exact value with its final type (DECISIONS core rows 4, 5, 29), and an implicit
return (a final expression, CORE §6) becomes a ``Return`` node.

Functions whose parameters are untyped are generic: each distinct tuple of
argument types gets its own specialisation (a deep copy of the definition,
checked with those types) and therefore its own ``FuncInfo``.

Strings, arrays and builtins (DATA §2, §3, §9): builtin calls get
``Call.target`` = the builtin's name; ``ArrayFill.count`` becomes the number of
copies (an int); ``ForIn.sym`` is the loop variable (element, one-byte string,
i64 or ``any``).  An empty literal without an expected type has a ``Hole`` as
element type, filled by the first use that fixes it (``unify``); a hole may be
filled after a node carrying it was checked, so the compiler reads array
types through ``types.resolve``.  Checks that need a filled hole and meet an
unfilled one are deferred to the end of the module (``Checked.deferred``).
A hole may also reach a generic specialisation (``show([])``) or an inferred
return type (``return []``); the first use that fixes it fills it for all.

Return types without ``-> T`` are inferred from the whole body (``check_function``):
void when no ``return`` has a value; literal-only return values wait until a
non-literal return fixes the type (DECISIONS core row 42); a recursive call met
before the type is fixed abandons the pass, the type is found by a probing pass
that leaves out what needs it (``probe_return_type``), and the body is checked
again from an unchecked copy (``FuncInfo.source``).

The checker knows nothing about opcodes or registers; ``orus.frontend.compiler`` reads
the annotations and chooses instructions.
"""

from __future__ import annotations

from orus.frontend import ast
from orus.frontend import types as T
from orus.errors import CompileError
from orus.frontend.checker.model import Checked, FuncInfo, Scope, _Ctx
from orus.frontend.checker.declarations import DeclarationRules
from orus.frontend.checker.returns import ReturnInference
from orus.frontend.checker.statements import StatementRules
from orus.frontend.checker.literals import LiteralRules
from orus.frontend.checker.expressions import ExpressionRules
from orus.frontend.checker.bitwise import BitwiseRules
from orus.frontend.checker.calls import CallRules
from orus.frontend.checker.records import RecordRules
from orus.frontend.checker.model import EnumLit  # noqa: F401 (the package's API)


class Checker(DeclarationRules, ReturnInference, StatementRules, LiteralRules, ExpressionRules, BitwiseRules, CallRules, RecordRules):
    def __init__(self, filename="<input>"):
        self.filename = filename
        self.ctx = None
        self.top_index = 0
        self.out = None
        self.module_scope = None
        self.lambda_name = None     # a lambda that initializes a variable takes its name
        self.hidden_global = None   # the last global lookup() hid (for error messages)
        self.imports = None         # Scope of kind "imports" (orus.frontend.modules), parent of the module scope
        self.type_names = {}        # struct/enum name -> StructType/EnumType declared in this file
        self.imported_types = {}    # name -> StructType/EnumType brought in by `use` (orus.frontend.modules)
        self.type_params = None     # while resolving a generic enum's payloads: its parameters
        self.builtin_result = None  # the predeclared `Result` enum, made on first use
        self.try_scoped = {}        # name -> [(Symbol, "try"/"catch", Try, scope around it)]
        self.predeclared = ()       # orus.session: globals of earlier inputs (see predeclare)

    # -- errors -----------------------------------------------------------------
    def error(self, node, message):
        raise CompileError(message, self.filename, getattr(node, "line", 0),
                           getattr(node, "col", 0))

    # -- entry point ------------------------------------------------------------------
    def check_module(self, module) -> Checked:
        out = self.out = Checked(module, self.filename)
        main = FuncInfo("<main>", module, is_main=True)
        main.ret = T.VOID
        main.body = module.body
        out.funcs.append(main)
        scope = self.module_scope = Scope("module", self.imports, main)
        main.scope = scope
        self.ctx = _Ctx(main, scope)
        main.state = "checking"
        # Struct and enum declarations are visible in the whole file (DATA §4, §5).
        self.hoist_types(module.body)
        # Hoist every top-level function (DECISIONS core row 13).
        for index, stmt in enumerate(module.body):
            if isinstance(stmt, ast.FnDef):
                self.hoist(stmt, index)
        self.hoist_methods(module.body)
        self.predeclare(scope)
        for index, stmt in enumerate(module.body):
            self.top_index = index
            module.body[index] = self.stmt(stmt, False)
        main.state = "done"
        for info in list(out.funcs):
            if info.state == "new":     # put back after an abandoned pass, not reached again
                self.check_function(info)
        for check_fn, node, ty in out.deferred:
            check_fn(node, ty)
        return out

    def predeclare(self, scope) -> None:
        """Declare the globals an interactive session carries over from earlier
        inputs (orus/session.py): each (name, TypeExpr, mutable, kind,
        const_value) becomes a module Symbol before the first statement, visible
        everywhere (decl_index -1); its value is stored by the session."""
        for name, type_node, mutable, kind, const_value in self.predeclared:
            if name in scope.names:
                continue
            try:
                ty = self.resolve_type(type_node)
            except CompileError:
                continue                # its type is gone: the name is undefined
            sym = self.declare(name, ty, mutable, kind, scope, type_node)
            sym.decl_index = -1
            sym.straight = True
            if const_value is not None:
                sym.const_value = const_value


def check(module, filename="<input>", predeclared=()) -> Checked:
    """Type-check a parsed module (raises CompileError)."""
    checker = Checker(filename)
    checker.predeclared = predeclared or ()
    return checker.check_module(module)
