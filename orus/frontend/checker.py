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

import copy
import math
import operator
import re

from orus.frontend import ast
from orus.frontend import types as T
from orus.errors import CompileError

# DATA §9 (print is a statement and timestamp() a parser intrinsic), and our
# ord(string) -> i32 / chr(i32) -> string (one byte).
BUILTINS = ("typeof", "len", "push", "pop", "sorted", "range", "input", "int", "float",
            "istype", "assert_eq", "ord", "chr")
_BUILTIN_ARITY = {"typeof": (1, 1), "len": (1, 1), "push": (2, 2), "pop": (1, 1),
                  "sorted": (1, 1), "range": (1, 3), "input": (0, 1), "int": (1, 1),
                  "float": (1, 1), "istype": (2, 2), "assert_eq": (3, 3), "ord": (1, 1),
                  "chr": (1, 1)}

_CONST_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_ARITH = ("+", "-", "*", "/", "%")
_BITWISE = ("&", "|", "^")
_SHIFTS = ("<<", ">>")
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")


# --------------------------------------------------------------------------- records
class Symbol:
    """A named value: variable, parameter, loop variable, constant or function."""

    __slots__ = ("name", "ty", "mutable", "kind", "func", "scope", "line", "col",
                 "is_global", "decl_index", "straight", "da_tracked", "fn_read",
                 "fn_written", "fndecl", "fninfo", "reg", "const_value")

    def __init__(self, name, ty, mutable, kind, func, scope, line=0, col=0):
        self.name = name
        self.ty = ty
        self.mutable = mutable
        self.kind = kind            # "var" | "param" | "loop" | "const" | "fn"
        self.func = func            # FuncInfo that owns it
        self.scope = scope
        self.line = line
        self.col = col
        self.is_global = scope is not None and scope.kind == "module"
        self.decl_index = 0         # top-level statement index of the declaration
        self.straight = False       # declared by a statement directly in the module body
        self.da_tracked = False     # declared inside an if branch (DECISIONS core row 31)
        self.fn_read = False        # a global read by some function
        self.fn_written = False     # a global assigned by some function
        self.fndecl = None          # kind "fn", top level: the FnDecl
        self.fninfo = None          # kind "fn", nested: the FuncInfo
        self.reg = -1               # assigned by the compiler
        self.const_value = _UNKNOWN # value known at compile time (immutable, literal init)

    @property
    def is_closure_fn(self):
        """A nested function with captures: its symbol holds a closure value."""
        return self.fninfo is not None and bool(self.fninfo.captures)

    def __repr__(self):
        return "Symbol(%s: %s)" % (self.name, self.ty)


_UNKNOWN = object()
_LITERALS = (ast.IntLit, ast.FloatLit, ast.BoolLit, ast.StrLit)


def const_value(e):
    """The compile-time value of a checked condition or operand, or _UNKNOWN.

    Used only by definite-assignment analysis, so that `if true:` and
    `if base > 0:` with `base = 5` count as always taken (CORE §3.5 examples)."""
    t = type(e)
    if t in _LITERALS:
        return e.value
    if t is ast.Name:
        sym = e.sym
        return _UNKNOWN if sym is None else sym.const_value
    if t is ast.Unary:
        v = const_value(e.operand)
        if v is _UNKNOWN:
            return v
        if e.op == "~":
            return _UNKNOWN         # its value depends on the operand's type
        return (not v) if e.op == "not" else -v
    if t is ast.Binary:
        op = e.op
        a = const_value(e.left)
        if op == "and":
            if a is False:
                return False
            b = const_value(e.right)
            return b if a is True and isinstance(b, bool) else _UNKNOWN
        if op == "or":
            if a is True:
                return True
            b = const_value(e.right)
            return b if a is False and isinstance(b, bool) else _UNKNOWN
        if a is _UNKNOWN:
            return a
        b = const_value(e.right)
        if b is _UNKNOWN:
            return b
        try:
            if op == "==":
                return a == b
            if op == "!=":
                return a != b
            if op == "<":
                return a < b
            if op == "<=":
                return a <= b
            if op == ">":
                return a > b
            if op == ">=":
                return a >= b
        except TypeError:
            return _UNKNOWN
    return _UNKNOWN


class Scope:
    __slots__ = ("kind", "parent", "func", "names", "symbols")

    # kind: "module" | "function" | "for" | "branch"
    def __init__(self, kind, parent, func):
        self.kind = kind
        self.parent = parent
        self.func = func
        self.names = {}
        self.symbols = []           # every symbol that lives in this scope, in order

    def add(self, sym):
        self.names[sym.name] = sym
        self.symbols.append(sym)


class FuncInfo:
    """One function to compile (a specialisation, for generic functions)."""

    def __init__(self, name, node, parent=None, is_main=False):
        self.name = name
        self.node = node
        self.parent = parent        # lexically enclosing FuncInfo (None: top level / main)
        self.is_main = is_main
        self.params = []            # Symbols
        self.param_types = ()
        self.ret = None             # Type; None while being inferred
        self.ret_declared = False
        self.param_hints = ()       # parameter types as written ([T, N] kept), for arguments
        self.ret_hint = None        # declared return type as written, for return values
        self.body = []
        self.scope = None           # the function's outermost Scope
        self.captures = []          # Symbols of enclosing functions, in capture order
        self.cap_index = {}
        self.state = "new"          # "new" | "checking" | "done"
        self.global_limit = None    # module symbols visible: decl_index < this (None: all)
        self.inner_refs = []        # (Call/Name node) referring to an enclosing function
        self.index = -1             # function index, assigned by the compiler
        self.sym = None             # nested `fn NAME`: its Symbol
        self.source = None          # an unchecked copy of the body (see check_function)
        self.probing = False        # the body is being checked by probe_return_type
        self.probe_lit = None       # ... with recursive calls standing for this literal type

    @property
    def arity(self):
        return len(self.params)

    def fn_type(self):
        return T.fn_type(self.param_types, self.ret)

    def add_capture(self, sym):
        if sym not in self.cap_index:
            self.cap_index[sym] = len(self.captures)
            self.captures.append(sym)

    def is_inside(self, other):
        """Is self lexically nested (at any depth) inside `other`?"""
        f = self.parent
        while f is not None:
            if f is other:
                return True
            f = f.parent
        return False

    def __repr__(self):
        return "FuncInfo(%s%s)" % (self.name, self.param_types)


class FnDecl:
    """A top-level `fn` definition: hoisted, possibly generic (untyped parameters)."""

    def __init__(self, node, def_index, param_types, ret):
        self.node = node
        self.name = node.name
        self.def_index = def_index
        self.param_types = param_types      # list of Type or None (untyped)
        self.ret = ret                      # Type or None (inferred)
        self.generic = any(t is None for t in param_types)
        self.info = None                    # the FuncInfo when not generic
        self.specs = {}                     # key (tuple of Types) -> FuncInfo


class Checked:
    """What the compiler needs: the functions and the side tables."""

    def __init__(self, module, filename):
        self.module = module
        self.filename = filename
        self.funcs = []             # FuncInfo; funcs[0] is main
        self.scopes = {}            # id(body list) -> Scope of that block
        self.while_decls = {}       # id(While node) -> Symbols to zero before the loop
        self.deferred = []          # (check, node, type): checks run once holes are filled
        self.keep = []              # keeps the keyed objects alive
        self.matches = {}           # id(MatchStmt/MatchExpr) -> MatchPlan

    @property
    def main(self):
        return self.funcs[0]


class PendingLit(ast.Expr):
    """A literal-only expression whose final type is not decided yet (checker-internal).

    kind "int" or "float"; `fixed` is the type a suffix imposed (or None);
    `natural` the type it gets when nothing else decides it."""

    __slots__ = ("value", "kind", "fixed", "natural")
    _fields = ("value", "kind", "fixed", "natural")


# The predeclared enum Result (DATA §5); a file may declare its own instead.
RESULT = T.EnumType("Result")
RESULT.add_variant("Ok", [T.DYN], ["value"])
RESULT.add_variant("Err", [T.STRING], ["message"])


class StructNew(ast.Expr):
    """A checked struct literal: `values` in evaluation order (the given fields
    as written, then the defaults); `order[i]` is the field index of values[i]."""

    __slots__ = ("struct", "values", "order")
    _fields = ("struct", "values")


class EnumLit(ast.Expr):
    """A checked variant construction `Enum.Variant` / `Enum.Variant(args)`."""

    __slots__ = ("variant", "args")
    _fields = ("variant", "args")


class Box(ast.Expr):
    """A value stored where `any` is expected (a `T`/`any` payload): boxed
    with its type at run time.  `ty` is DYN; `expr.ty` the boxed type."""

    __slots__ = ("expr",)
    _fields = ("expr",)


class Unbox(ast.Expr):
    """An `any` value used as type `ty`: checked at run time (type error if
    the boxed value has another type)."""

    __slots__ = ("expr",)
    _fields = ("expr",)


class ChainValue(ast.Expr):
    """The value of a chained assignment `a = b = expr` as each target's right
    side: `expr` is evaluated once into a register (`reg`, set by the compiler)
    that every target reads."""

    __slots__ = ("reg",)
    _fields = ()


class ArmPlan:
    """One checked arm of a match.  kind: "variant" (tag), "value" (cond: a
    checked `subject == value` Binary) or "wildcard"; bindings: (payload
    index, Symbol) pairs; scope: the arm's Scope; body: list[Stmt] or Expr."""

    __slots__ = ("kind", "tag", "cond", "bindings", "scope", "body", "node")

    def __init__(self, kind, node):
        self.kind = kind
        self.node = node
        self.tag = -1
        self.cond = None
        self.bindings = []
        self.scope = None
        self.body = None


class MatchPlan:
    """A checked match: `subject` is the Symbol (kind "subject") standing for
    the value matched (the compiler gives it a register); `enum` the subject's
    EnumType or None; `exhaustive`: some arm always runs."""

    __slots__ = ("subject", "enum", "arms", "exhaustive")

    def __init__(self, subject, enum):
        self.subject = subject
        self.enum = enum
        self.arms = []
        self.exhaustive = False


class _NamePos:
    """The position of a declaration's name token (falls back to the statement's)."""

    __slots__ = ("line", "col")

    def __init__(self, node):
        self.line = getattr(node, "name_line", None) or node.line
        self.col = getattr(node, "name_col", None) or node.col


class _Loop:
    __slots__ = ("label", "node", "breaks", "infinite")

    def __init__(self, label, node, infinite):
        self.label = label
        self.node = node
        self.breaks = []            # definite-assignment states at each `break`
        self.infinite = infinite


class _While:
    __slots__ = ("scope", "decls")

    def __init__(self, scope):
        self.scope = scope
        self.decls = []


class _Ctx:
    """Per-function checking state."""

    __slots__ = ("func", "scope", "loops", "whiles", "da", "branch_depth", "loop_depth",
                 "lit_returns", "blocked", "lost", "lost_tail")

    def __init__(self, func, scope):
        self.func = func
        self.scope = scope
        self.loops = []
        self.whiles = []
        # Definite assignment of branch-declared symbols (DECISIONS core row 31):
        # the set of such symbols assigned on every path to here, or None when
        # this point is unreachable.
        self.da = set()
        self.branch_depth = 0
        self.loop_depth = 0
        # Returns of literal-only values while the return type is not fixed yet
        # (DECISIONS core row 42): (Return node, PendingLit) pairs.
        self.lit_returns = []
        # While probing: the first recursive call that made a statement be left
        # out, and whether a left-out statement had a `return` with a value.
        self.blocked = None
        self.lost = False
        self.lost_tail = False      # ... or was an implicit return (a final expression)


def _mentions_dyn(t):
    """Does type `t` contain DYN (an enum's type parameter or `any`)?"""
    t = T.prune(t)
    if t is T.DYN:
        return True
    if t.is_array:
        return _mentions_dyn(t.elem)
    if t.is_fn:
        return _mentions_dyn(t.ret) or any(_mentions_dyn(p) for p in t.params)
    return False


def _intersect(states):
    live = [s for s in states if s is not None]
    if not live:
        return None
    out = set(live[0])
    for s in live[1:]:
        out &= s
    return out


class _NeedRet(Exception):
    """A call needs the return type of `info`, a function without `-> T` whose
    body is still being checked (recursion before a `return` fixed the type).
    Caught by that function's `check_function`, which then infers the type
    from the rest of the body (`probe_return_type`) and checks the body again."""

    def __init__(self, info, node):
        super().__init__(info.name)
        self.info = info
        self.node = node


_SLOTS: dict = {}


def _clone(x):
    """A fresh copy of an unchecked AST (node, list or tuple of nodes); much
    faster than copy.deepcopy.  Values other than nodes and lists are shared
    (strings, numbers, and the types the parser never sets)."""
    if isinstance(x, list):
        return [_clone(v) for v in x]
    if isinstance(x, ast.Node):
        cls = type(x)
        names = _SLOTS.get(cls)
        if names is None:
            names = _SLOTS[cls] = tuple(n for c in cls.__mro__
                                        for n in getattr(c, "__slots__", ()))
        new = object.__new__(cls)
        for n in names:
            try:
                v = getattr(x, n)
            except AttributeError:
                continue
            if isinstance(v, (list, tuple, ast.Node)):
                v = _clone(v)
            setattr(new, n, v)
        return new
    if isinstance(x, tuple):
        return tuple(_clone(v) for v in x)
    return x


def _returns_value(stmts):
    """Does a `return` with a value occur in these statements (not counting
    the bodies of nested functions)?"""
    for s in stmts:
        t = type(s)
        if t is ast.Return:
            if s.value is not None:
                return True
        elif t is ast.If:
            if any(_returns_value(b.body) for b in s.branches) \
                    or (s.else_body and _returns_value(s.else_body)):
                return True
        elif t in (ast.While, ast.For, ast.ForIn):
            if _returns_value(s.body):
                return True
        elif t is ast.Try:
            if _returns_value(s.body) or _returns_value(s.handler):
                return True
        elif t is ast.MatchStmt:
            if any(_returns_value(a.body) for a in s.arms):
                return True
    return False


def _int_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# How the checker folds an arithmetic operator on two literal values.
_FOLD_COMMON = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_FOLD_FLOAT = dict(_FOLD_COMMON, **{"/": operator.truediv, "%": math.fmod})
_FOLD_INT = dict(_FOLD_COMMON, **{"/": _int_div, "%": lambda x, y: x - _int_div(x, y) * y,
                                   # exact two's complement values: the same in every
                                   # integer type both operands fit
                                   "&": operator.and_, "|": operator.or_, "^": operator.xor})


def _width_dependent(e) -> bool:
    """Is `e` (unchecked) an expression made only of literals whose value
    depends on the integer type it is computed in (it contains `~`, `<<` or
    `>>`)?  Such an operand is checked with the other operand's type as its
    expected type, so `x & ~1` and `x | (1 << 31)` compute in x's type."""
    found = [False]

    def literal_only(e):
        t = type(e)
        if t is ast.IntLit or t is ast.FloatLit:
            return e.ty is None
        if t is ast.Unary and e.op in ("-", "~"):
            found[0] = found[0] or e.op == "~"
            return literal_only(e.operand)
        if t is ast.Binary and (e.op in _ARITH or e.op in _BITWISE or e.op in _SHIFTS):
            found[0] = found[0] or e.op in _SHIFTS
            return literal_only(e.left) and literal_only(e.right)
        return False

    return literal_only(e) and found[0]


# --------------------------------------------------------------------------- checker
class Checker:
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

    def hoist(self, node, index):
        if node.name in self.module_scope.names:
            self.error(node, "function '%s' is already defined" % node.name)
        ptypes = [self.resolve_type(p.type) if p.type is not None else None
                  for p in node.params]
        self.check_param_names(node.params)
        ret = self.resolve_type(node.ret, allow_void=True) if node.ret is not None else None
        decl = FnDecl(node, index, ptypes, ret)
        node.info = decl
        sym = Symbol(node.name, None, False, "fn", self.out.main, self.module_scope,
                     node.line, node.col)
        sym.decl_index = -1
        sym.fndecl = decl
        self.module_scope.add(sym)
        if not decl.generic:
            decl.info = self.new_func(node.name, node, None, ptypes, ret, node.body,
                                      self.module_scope, index)

    def check_param_names(self, params):
        seen = set()
        for p in params:
            if p.name in seen:
                self.error(p, "parameter '%s' is declared twice" % p.name)
            seen.add(p.name)

    def new_func(self, name, node, parent, ptypes, ret, body, outer_scope, global_limit):
        info = FuncInfo(name, node, parent)
        info.param_hints = tuple(ptypes)
        ptypes = [t.base for t in ptypes]
        info.param_types = tuple(ptypes)
        info.ret_hint = ret
        info.ret = ret.base if ret is not None else None
        info.ret_declared = ret is not None
        info.body = body
        info.global_limit = global_limit
        info.scope = Scope("function", outer_scope, info)
        self.out.keep.append(body)
        self.out.scopes[id(body)] = info.scope
        for p, t in zip(node.params, ptypes):
            sym = Symbol(p.name, t, False, "param", info, info.scope, p.line, p.col)
            info.scope.add(sym)
            info.params.append(sym)
        self.out.funcs.append(info)
        return info

    # -- function bodies --------------------------------------------------------------
    def check_function(self, info):
        """Check the body of `info`, inferring its return type when it has no `-> T`.

        Without `-> T` the type is fixed by the returns (CORE §6; literal returns
        adapt to the others, DECISIONS core row 42), or void when no `return` has
        a value.  A call that needs the type before a `return` fixed it (recursion,
        direct or through other functions) raises _NeedRet: every function being
        checked in between puts its body back (`reset_function`, from the unchecked
        copy `info.source`), and this one infers the type with `probe_return_type`,
        then checks its body again with the type known."""
        if info.ret is None and not (_returns_value(info.body) or
                                     (info.body and self.tail_shape(info.body[-1]))):
            info.ret = T.VOID           # no value is ever returned: void, known up front
        if info.ret is None and info.source is None:
            info.source = _clone(info.body)
        probed = False
        while True:
            try:
                self.check_body(info)
                return
            except _NeedRet as ex:
                if info.source is None:
                    raise
                self.reset_function(info)
                if ex.info is not info or probed:
                    raise
                info.ret = self.probe_return_type(info)
                probed = True
            except CompileError:
                if info.source is not None:
                    self.reset_function(info)
                raise

    def check_body(self, info, probing=False, lit=None):
        """One pass over the body of `info`.  While probing (probe_return_type),
        statements that need the return type are left out (`lit`: recursive calls
        stand for a literal of that type instead), and the pass's _Ctx is returned."""
        saved = self.ctx
        ctx = self.ctx = _Ctx(info, info.scope)
        info.state = "checking"
        info.probing = probing
        info.probe_lit = lit
        try:
            self.block(info.body, tail=True)
            if probing:
                return ctx
            self.settle_literal_returns(info)
            if ctx.da is not None:          # the end is reachable
                if info.ret is None:
                    info.ret = T.VOID
                elif not info.ret.is_void:
                    self.error(info.node, "missing return: function '%s' must return a value "
                               "of type %s on every path" % (info.name, info.ret))
            elif info.ret is None:
                info.ret = T.VOID
        finally:
            info.probing = False
            info.probe_lit = None
            self.ctx = saved
        info.state = "done"
        return None

    def reset_function(self, info):
        """Put the unchecked body of `info` back (after a pass was abandoned):
        fresh scope and parameters, no functions nested in it, type unknown."""
        info.body[:] = _clone(info.source)
        info.scope = Scope("function", info.scope.parent, info)
        self.out.scopes[id(info.body)] = info.scope
        info.params = []
        for p, t in zip(info.node.params, info.param_types):
            sym = Symbol(p.name, t, False, "param", info, info.scope, p.line, p.col)
            info.scope.add(sym)
            info.params.append(sym)
        info.ret = info.ret_hint.base if info.ret_declared else None
        info.captures = []
        info.cap_index = {}
        info.inner_refs = []
        info.state = "new"
        self.out.funcs[:] = [f for f in self.out.funcs if not f.is_inside(info)]

    def probe_return_type(self, info):
        """The return type of `info` (no `-> T`), found by checking its body once
        with every statement that needs that type left out: the type the other
        returns agree on, or void when none of them has a value.  (The body is
        put back afterwards; `check_function` then checks it for real.)"""
        try:
            ctx = self.check_body(info, probing=True)
            if info.ret is None and (ctx.lost or ctx.lost_tail) and ctx.lit_returns:
                # Only literal returns were checked; the others need the recursive
                # call.  Again, with that call standing for such a literal, so that
                # `return 0` and `return xs[i] + f(xs, i + 1)` agree on xs's elements.
                lit = self.returns_literal_type([v for _, v in ctx.lit_returns])
                self.reset_function(info)
                ctx = self.check_body(info, probing=True, lit=lit)
            ret = info.ret
            if ret is None and ctx.lit_returns:
                ret = self.returns_literal_type([v for _, v in ctx.lit_returns])
        finally:
            self.reset_function(info)
        if ret is None:
            if ctx.lost:
                self.error(ctx.blocked, "cannot infer the return type of '%s': every `return` "
                           "with a value needs the result of this recursive call; declare "
                           "it with `-> TYPE`" % info.name)
            ret = T.VOID
        return ret

    def probe_call(self, method, e, hint):
        """A call while probing with `probe_lit`: a recursive one stands for a literal."""
        ctx = self.ctx
        try:
            return method(e, hint)
        except _NeedRet as ex:
            if ex.info is not ctx.func:
                raise
            if ctx.blocked is None:
                ctx.blocked = ex.node
            lit = ctx.func.probe_lit
            return PendingLit(1, "float" if lit.is_float else "int", None, lit,
                              line=e.line, col=e.col)

    def probe_stmt(self, method, s, tail):
        """While probing the return type: check `s`, or leave it out when it needs
        that type (or fails because of a statement left out before it)."""
        ctx = self.ctx
        saved = (ctx.scope, len(ctx.loops), len(ctx.whiles), ctx.branch_depth,
                 ctx.loop_depth, ctx.da if ctx.da is None else set(ctx.da))
        try:
            return method(s, tail)
        except (_NeedRet, CompileError) as ex:
            if isinstance(ex, _NeedRet):
                if ex.info is not ctx.func:
                    raise                   # an enclosing check needs it
                if ctx.blocked is None:
                    ctx.blocked = ex.node
            elif ctx.blocked is None:
                raise                       # a real error, not caused by a left-out call
            if _returns_value([s]):
                ctx.lost = True
            if tail:
                ctx.lost_tail = True
            ctx.scope, nl, nw, ctx.branch_depth, ctx.loop_depth, ctx.da = saved
            del ctx.loops[nl:]
            del ctx.whiles[nw:]
            return s

    def probe_alternatives(self, exprs, hint):
        """Check alternative values (conditional branches, match arms); while
        probing the return type, one that needs that type takes another's place."""
        func = self.ctx.func
        if not func.probing:
            return [self.expr(x, hint) for x in exprs]
        out = []
        first = None
        for x in exprs:
            try:
                out.append(self.expr(x, hint))
            except _NeedRet as ex:
                if ex.info is not func:
                    raise
                first = first or ex
                out.append(None)
        known = [v for v in out if v is not None]
        if not known:
            raise first
        return [v if v is not None else known[0] for v in out]

    def settle_literal_returns(self, info):
        """Literal-only return values waiting for the return type: when no other
        return fixed it, their own types decide (DECISIONS core row 42)."""
        lits = self.ctx.lit_returns
        if not lits:
            return
        if info.ret is None:
            info.ret = self.returns_literal_type([v for _, v in lits])
        self.ctx.lit_returns = []
        for node, v in lits:
            node.value = self.finalize(v, self.ret_expected(info), "return value")

    def returns_literal_type(self, lits):
        """The type literal-only values (PendingLit) take together."""
        acc = lits[0]
        ty = acc.fixed or acc.natural
        for v in lits[1:]:
            ty = self.common_literal_type(acc, v, v)
            acc = PendingLit(0, "float" if ty.is_float else "int", acc.fixed or v.fixed, ty)
        return ty

    def fix_return_type(self, info, v):
        """The first non-literal `return` value `v` fixes the inferred return type."""
        info.ret = T.resolve(v.ty)
        self.settle_literal_returns(info)

    def ensure_signature(self, info, node):
        """Make sure `info.ret` is known (inferring it by checking the body now)."""
        if info.ret is not None:
            return
        if info.state == "new":
            self.check_function(info)
            return
        raise _NeedRet(info, node)      # recursion: caught by check_function(info)

    def specialise(self, decl, key, node):
        owner = getattr(decl, "owner", None)
        if owner is not None and owner is not self:     # imported: specialise in its own file
            return owner.specialise(decl, key, node)
        info = decl.specs.get(key)
        if info is None:
            if sum(1 for f in decl.specs.values() if f.state == "checking") >= 16:
                self.error(node, "function '%s' calls itself with ever larger argument types "
                           "(%s); give its parameters types"
                           % (decl.name, ", ".join(str(t) for t in key)))
            saved, decl.node.info = decl.node.info, None
            try:
                fn_node = copy.deepcopy(decl.node)
            finally:
                decl.node.info = saved
            untyped = iter(key)
            ptypes = [t if t is not None else next(untyped) for t in decl.param_types]
            info = self.new_func(decl.name, fn_node, None, ptypes, decl.ret, fn_node.body,
                                 self.module_scope, decl.def_index)
            fn_node.info = info
            info.source = decl.node.body    # never checked itself: an unchecked copy
            decl.specs[key] = info
            self.check_function(info)
        elif info.state == "new":           # put back after an abandoned pass
            self.check_function(info)
        else:
            self.ensure_signature(info, node)
        return info

    # -- blocks and statements -----------------------------------------------------------
    def block(self, stmts, tail=False):
        last = len(stmts) - 1
        for i, s in enumerate(stmts):
            stmts[i] = self.stmt(s, tail and i == last and self.tail_shape(s))

    def tail_shape(self, s):
        """Is `s` an implicit-return form (CORE §6): a final expression, or an
        if/elif/else whose branches all end in one?"""
        if isinstance(s, ast.ExprStmt):
            return True
        if isinstance(s, ast.If) and s.else_body:
            return all(b.body and self.tail_shape(b.body[-1]) for b in s.branches) \
                and self.tail_shape(s.else_body[-1])
        if isinstance(s, ast.MatchStmt):        # DECISIONS core row 41 (if exhaustive)
            return bool(s.arms) and all(a.body and self.tail_shape(a.body[-1])
                                        for a in s.arms)
        return False

    def stmt(self, s, tail):
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            self.error(s, "%s is not supported yet" % type(s).__name__)
        if self.ctx.func.probing:
            return self.probe_stmt(method, s, tail)
        return method(s, tail)

    def in_block(self, body, scope_kind, tail=False):
        """Check `body` in a new scope of `scope_kind`; returns the scope."""
        ctx = self.ctx
        scope = Scope(scope_kind, ctx.scope, ctx.func)
        self.out.scopes[id(body)] = scope
        self.out.keep.append(body)
        saved = ctx.scope
        ctx.scope = scope
        try:
            self.block(body, tail)
        finally:
            ctx.scope = saved
        return scope

    def stmt_Pass(self, s, tail):
        return s

    def stmt_ExprStmt(self, s, tail):
        info = self.ctx.func
        if tail and not info.is_main and (info.ret is None or not info.ret.is_void):
            # An implicit return (CORE §6).
            ret = ast.Return(None, line=s.line, col=s.col)
            if info.ret is not None:
                value = self.expect(s.expr, self.ret_expected(info), "return value")
            else:
                value = self.expr(s.expr)
                if isinstance(value, PendingLit):       # DECISIONS core row 42
                    self.ctx.lit_returns.append((ret, value))
                elif value.ty.is_void:
                    s.expr = value
                    return s
                else:
                    self.fix_return_type(info, value)
            ret.value = value
            self.ctx.da = None
            return ret
        s.expr = self.rvalue(s.expr, allow_void=True)
        return s

    def stmt_Print(self, s, tail):
        args = s.args
        for i, a in enumerate(args):
            v = self.rvalue(a)
            args[i] = v
        return s

    def stmt_VarDecl(self, s, tail):
        ctx = self.ctx
        if s.pub and not (ctx.func.is_main and ctx.scope is self.module_scope):
            self.error(s, "`pub` is only allowed at the top level")
        at = _NamePos(s)
        if s.const and ctx.func.is_main and not _CONST_NAME.match(s.name):
            self.error(at, "module constants must start with an uppercase letter: '%s'" % s.name)
        if s.name in ctx.scope.names:
            self.error(at, "'%s' is already defined in this scope" % s.name)
        if type(s.value) is ast.Lambda:
            self.lambda_name = s.name
        if s.type is not None:
            hint = self.resolve_type(s.type)
            ty = hint.base
            s.value = self.expect_declared(s.value, hint, "initializer of '%s'" % s.name)
        else:
            s.value = self.rvalue(s.value)
            ty = s.value.ty
        kind = "const" if s.const else "var"
        sym = self.declare(s.name, ty, bool(s.mutable), kind, ctx.scope, s)
        if not sym.mutable and type(s.value) in _LITERALS:
            sym.const_value = s.value.value
        s.sym = sym
        return s

    def declare(self, name, ty, mutable, kind, scope, node):
        ctx = self.ctx
        sym = Symbol(name, ty, mutable, kind, ctx.func, scope, node.line, node.col)
        if sym.is_global:
            sym.decl_index = self.top_index
            sym.straight = ctx.scope is scope and ctx.loop_depth == 0 and ctx.branch_depth == 0
        scope.add(sym)
        if scope is not ctx.scope:
            sym.da_tracked = True
            if ctx.da is not None:
                ctx.da.add(sym)
        else:
            for w in reversed(ctx.whiles):
                if w.scope is not scope:
                    break
                w.decls.append(sym)
        return sym

    def stmt_Assign(self, s, tail):
        s.decl = None
        target = s.target
        if type(target) is ast.Index:
            return self.assign_index(s)
        if type(target) is ast.Member:
            return self.assign_field(s)
        if not isinstance(target, ast.Name):
            self.error(target, "assignment to %s is not supported yet" % type(target).__name__)
        ctx = self.ctx
        sym = self.lookup(target.name, target)
        if sym is None:
            if s.op != "=":
                self.undefined(target, "variable")
            # Implicit declaration (CORE §3.5).
            if type(s.value) is ast.Lambda:
                self.lambda_name = target.name
            s.value = self.rvalue(s.value)
            scope = ctx.scope
            while scope.kind == "branch":
                scope = scope.parent
            mutable = not (ctx.func.is_main and ctx.loop_depth == 0 and ctx.branch_depth == 0)
            sym = self.declare(target.name, s.value.ty, mutable, "var", scope, target)
            if not mutable and type(s.value) in _LITERALS:
                sym.const_value = s.value.value
            target.sym = sym
            target.ty = sym.ty
            s.decl = sym
            return s
        if sym.kind == "fn":
            self.error(target, "cannot assign to function '%s'" % target.name)
        if sym.func is not ctx.func and not sym.is_global:
            self.error(target, "cannot assign to '%s': closures capture variables by value, "
                       "so a captured variable cannot be assigned" % target.name)
        if not sym.mutable:
            what = {"param": "parameter", "loop": "loop variable",
                    "const": "constant"}.get(sym.kind, "immutable variable")
            self.error(target, "Cannot assign to %s '%s'" % (what, target.name))
        if s.op != "=":
            self.use_symbol(sym, target)        # a compound assignment reads it first
        target.sym = sym
        target.ty = sym.ty
        if sym.is_global and not ctx.func.is_main:
            sym.fn_written = True
        if s.op == "=":
            s.value = self.expect(s.value, sym.ty, "value assigned to '%s'" % sym.name)
        else:
            s.value = self.compound_value(s, T.resolve(sym.ty), target, "'%s'" % sym.name)
        if sym.da_tracked and ctx.da is not None and sym.func is ctx.func:
            ctx.da.add(sym)
        return s

    def stmt_ChainAssign(self, s, tail):
        """`t1 = ... = tN = expr` (DECISIONS core row 40): expr is checked once
        (with tN's type as its hint when tN is a declared variable), then each
        `tK = value` is checked as if it stood alone, right to left.  A literal
        expression adapts to each target's type (each target gets its own
        literal; nothing is evaluated); any other value is a ChainValue."""
        hint = None
        last = s.assigns[-1].target
        if type(last) is ast.Name:
            sym = self.lookup(last.name, last)
            if sym is not None and sym.kind != "fn":
                hint = sym.ty
        value = self.expr(s.value, hint)
        s.chain = []
        if isinstance(value, PendingLit):
            s.value = None
        else:
            self.check_value(value)
            s.value = value
        for i in range(len(s.assigns) - 1, -1, -1):
            a = s.assigns[i]
            t = a.target
            if s.value is None:
                v = copy.copy(value)        # errors point at the target they concern
                v.line, v.col = t.line, t.col
            else:
                v = ChainValue(line=t.line, col=t.col)
                v.ty = value.ty
                v.reg = None
                s.chain.append(v)
            a.value = v
            s.assigns[i] = self.stmt_Assign(a, False)
        return s

    def expr_ChainValue(self, e, hint):
        return e

    def compound_value(self, s, ty, target, what):
        """The checked right side of `target op= value` (target of type `ty`)."""
        op = s.op[:-1]
        # `x op= e` is `x = x op (e)`, whose `e` is checked with x's type as its hint
        # (so a conditional or match of literals adapts to it; DECISIONS data row 20);
        # a shift count may be any integer type, so it gets none
        value = self.expr(s.value, None if op in _SHIFTS else ty.base)
        if not isinstance(value, PendingLit) and value.ty is T.DYN:
            if op in _SHIFTS:
                self.error(value, "the shift count has type any: give it a type first with an "
                           "annotated declaration (`n: i32 = v`)")
            value = self.unbox(value, ty, "right side of `%s`" % s.op)
        if ty.is_array:
            if op != "*":
                self.error(s, "`%s` is not defined for arrays (`*=` with an integer count is "
                           "the only compound assignment on arrays)" % s.op)
            return self.repeat_count(value)
        if op in _SHIFTS:
            self.bits_operand_type(op, ty, s)
            return self.shift_count(value, op)
        if op in _BITWISE:
            if isinstance(value, PendingLit):
                value = self.bit_operand(value, ty, target, op)
            result = self.bitwise_type(op, ty, value.ty, s)
        else:
            if isinstance(value, PendingLit):
                value = self.adapt_operand(value, ty, target, op)
            result = self.arith_type(op, ty, value.ty, s)
        if result is not ty:
            self.error(s, "`%s` of %s and %s cannot be stored back in %s (%s)"
                       % (s.op, ty, value.ty, what, ty))
        return value

    def assign_index(self, s):
        """`a[i] = v` and `a[i] op= v` (DATA §3.2; DECISIONS D11.9)."""
        s.decl = None
        t = s.target
        obj = self.rvalue(t.obj)
        if obj.ty.is_string:
            self.error(t, "strings are immutable: an element of a string cannot be assigned "
                       "(build a new string instead)")
        if not obj.ty.is_array:
            self.error(t, "cannot assign to an element of a value of type %s" % obj.ty)
        t.obj = obj
        t.index = self.index_value(t.index, "an index")
        if s.op == "=":
            s.value = self.expect(s.value, obj.ty.elem, "value assigned to an element")
            t.ty = T.resolve(obj.ty.elem)
        else:
            t.ty = self.elem_type(obj.ty, t)
            s.value = self.compound_value(s, t.ty, t, "the element")
        return s

    def stmt_If(self, s, tail):
        ctx = self.ctx
        state = ctx.da          # state when the next condition is tested
        ends = []
        for br in s.branches:
            br.cond = self.condition(br.cond)
            taken = const_value(br.cond)
            ctx.da = None if state is None or taken is False else set(state)
            ctx.branch_depth += 1
            try:
                self.in_block(br.body, "branch", tail)
            finally:
                ctx.branch_depth -= 1
            ends.append(ctx.da)
            if taken is True:
                state = None        # later branches never run
        if s.else_body:
            ctx.da = None if state is None else set(state)
            ctx.branch_depth += 1
            try:
                self.in_block(s.else_body, "branch", tail)
            finally:
                ctx.branch_depth -= 1
            ends.append(ctx.da)
        else:
            ends.append(state)
        ctx.da = _intersect(ends)
        return s

    def condition(self, e):
        try:
            v = self.rvalue(e)
        except _NeedRet as ex:
            if ex.info is not self.ctx.func or not ex.info.probing:
                raise
            # Probing the return type: the body still gets checked.
            v = ast.Name("<probe>", line=e.line, col=e.col)   # stands for some bool
            v.sym = None
            v.ty = T.BOOL
            return v
        if not v.ty.is_bool:
            self.error(v, "condition must be bool, found %s (write an explicit comparison)"
                       % v.ty)
        return v

    def body_in_loop(self, loop, body, start_da):
        """Check a loop's body inside `loop`, starting from the definite
        assignments `start_da` (a copy: the body may run zero times)."""
        ctx = self.ctx
        ctx.loops.append(loop)
        ctx.loop_depth += 1
        ctx.da = None if start_da is None else set(start_da)
        try:
            self.block(body)
        finally:
            ctx.loop_depth -= 1
            ctx.loops.pop()

    def stmt_While(self, s, tail):
        ctx = self.ctx
        s.cond = self.condition(s.cond)
        infinite = const_value(s.cond) is True
        start = ctx.da
        loop = _Loop(s.label, s, infinite)
        w = _While(ctx.scope)
        ctx.whiles.append(w)
        try:
            self.body_in_loop(loop, s.body, start)
        finally:
            ctx.whiles.pop()
        if w.decls:
            self.out.while_decls[id(s)] = w.decls
            self.out.keep.append(s)
        ctx.da = _intersect(loop.breaks) if infinite else start
        return s

    def stmt_For(self, s, tail):
        start = self.expr(s.start)
        end = self.expr(s.end)
        step = self.expr(s.step) if s.step is not None else None
        # The loop variable's type (DECISIONS core row 15).
        typed = [x for x in (start, end) if not isinstance(x, PendingLit)]
        if typed:
            ty = typed[0].ty
            if len(typed) == 2 and start.ty is not end.ty:
                self.error(end, "range bounds have different types: %s and %s"
                           % (start.ty, end.ty))
        else:
            ty = self.common_literal_type(start, end, s)
        if not ty.is_int:
            bad = start if not start.ty or not start.ty.is_int else end
            self.error(bad, "a range needs integer bounds, found %s" % ty)
        s.start = self.finalize(start, ty, "range start")
        s.end = self.finalize(end, ty, "range end")
        if step is None:
            s.step = None
        elif isinstance(step, PendingLit):
            if step.kind != "int" or (step.fixed is not None and step.fixed is not ty):
                self.error(step, "the range step must be %s, found %s"
                           % (ty, step.fixed or step.natural))
            if step.value == 0:
                self.error(step, "range step cannot be zero")
            if ty.is_unsigned and step.value < 0:
                # DECISIONS core row 27: a negative literal step counts down.
                if step.value < T.I64.min_value:
                    self.error(step, "range step %d is out of range" % step.value)
                s.step = self.make_lit(step, ty, step.value)
            else:
                s.step = self.finalize(step, ty, "range step")
        else:
            if step.ty is not ty:
                self.error(step, "the range step must be %s, found %s" % (ty, step.ty))
            s.step = step
        self.loop_body(s, ty)
        return s

    def stmt_ForIn(self, s, tail):
        """`for x in array | string | integer | range iterator` (DATA §3.4, §9;
        DECISIONS data rows 7, 13, 14)."""
        it = s.iterable = self.rvalue(s.iterable)
        ty = it.ty
        if ty.is_array:
            var = self.elem_type(ty, it)
        elif ty.is_string:
            var = T.STRING              # one-byte strings
        elif ty.is_int:
            var = T.I64                 # `for x in n`: 0 .. n-1 as i64
        elif ty is T.RANGE:
            var = T.ANY
        else:
            self.error(it, "cannot iterate over a value of type %s (only arrays, strings, "
                       "integers and range() iterators)" % ty)
        self.loop_body(s, var)
        return s

    def loop_body(self, s, ty):
        """The loop variable (type `ty`, immutable) and body of a for loop."""
        ctx = self.ctx
        loop = _Loop(s.label, s, False)
        start_da = ctx.da
        scope = Scope("for", ctx.scope, ctx.func)
        self.out.scopes[id(s.body)] = scope
        self.out.keep.append(s.body)
        sym = Symbol(s.var, ty, False, "loop", ctx.func, scope, s.line, s.col)
        scope.add(sym)
        s.sym = sym
        saved = ctx.scope
        ctx.scope = scope
        try:
            self.body_in_loop(loop, s.body, start_da)
        finally:
            ctx.scope = saved
        ctx.da = start_da
        return s

    def find_loop(self, s, what):
        loops = self.ctx.loops
        if not loops:
            self.error(s, "`%s` outside a loop" % what)
        if s.label is None:
            return loops[-1]
        for loop in reversed(loops):
            if loop.label == s.label:
                return loop
        self.error(s, "unknown loop label `'%s`" % s.label)

    def stmt_Break(self, s, tail):
        loop = self.find_loop(s, "break")
        loop.breaks.append(None if self.ctx.da is None else set(self.ctx.da))
        self.ctx.da = None
        return s

    def stmt_Continue(self, s, tail):
        self.find_loop(s, "continue")
        self.ctx.da = None
        return s

    def stmt_Return(self, s, tail):
        ctx = self.ctx
        info = ctx.func
        if info.is_main:
            if s.value is not None:
                s.value = self.rvalue(s.value, allow_void=True)
        elif s.value is not None:
            if info.ret is None:
                v = s.value = self.expr(s.value)
                if isinstance(v, PendingLit):           # DECISIONS core row 42
                    ctx.lit_returns.append((s, v))
                else:
                    self.check_value(v)
                    self.fix_return_type(info, v)
            elif info.ret.is_void:
                if info.ret_declared:
                    self.error(s, "function '%s' returns no value (void), but this "
                               "`return` has one" % info.name)
                self.error(s, "function '%s' returns a value here but not elsewhere"
                           % info.name)
            else:
                s.value = self.expect(s.value, self.ret_expected(info), "return value")
        else:
            self.settle_literal_returns(info)
            if info.ret is None:
                info.ret = T.VOID
            elif not info.ret.is_void:
                self.error(s, "missing return value: function '%s' returns %s"
                           % (info.name, info.ret))
        ctx.da = None
        return s

    def stmt_FnDef(self, s, tail):
        ctx = self.ctx
        if ctx.func.is_main and ctx.scope is self.module_scope and isinstance(s.info, FnDecl):
            decl = s.info
            if not decl.generic and decl.info.state == "new":
                self.check_function(decl.info)
            return s
        # A nested function: local to the enclosing block, created when defined.
        if s.pub:
            self.error(s, "`pub` is only allowed at the top level")
        if s.name in ctx.scope.names:
            self.error(s, "'%s' is already defined in this scope" % s.name)
        info = self.nested_function(s, s.name)
        sym = Symbol(s.name, None, False, "fn", ctx.func, ctx.scope, s.line, s.col)
        sym.fninfo = info
        info.sym = sym
        s.info = info
        self.declare_existing(sym)
        self.check_nested(info)
        sym.ty = info.fn_type()
        return s

    def declare_existing(self, sym):
        ctx = self.ctx
        if sym.is_global:
            sym.decl_index = self.top_index
            sym.straight = ctx.loop_depth == 0 and ctx.branch_depth == 0
        ctx.scope.add(sym)

    def nested_function(self, node, name):
        ctx = self.ctx
        ptypes = []
        self.check_param_names(node.params)
        for p in node.params:
            if p.type is None:
                self.error(p, "parameter '%s' of a nested function needs a type" % p.name)
            ptypes.append(self.resolve_type(p.type))
        ret = self.resolve_type(node.ret, allow_void=True) if node.ret is not None else None
        limit = ctx.func.global_limit
        return self.new_func(name, node, ctx.func, ptypes, ret, node.body, ctx.scope, limit)

    def check_nested(self, info):
        self.check_function(info)
        # Captured values are read when the closure is created: they must be assigned.
        da = self.ctx.da
        if da is not None:
            for sym in info.captures:
                if sym.da_tracked and sym.func is self.ctx.func and sym not in da:
                    self.error(info.node, "%s may be used before it is assigned" % sym.name)

    # -- names -----------------------------------------------------------------------
    def lookup(self, name, node):
        """Find the visible symbol `name` (None if there is none), registering
        captures and global accesses of the current function."""
        ctx = self.ctx
        scope = ctx.scope
        func = ctx.func
        while scope is not None:
            sym = scope.names.get(name)
            if sym is not None:
                if scope.kind == "imports":      # another file's own Symbol
                    return sym
                if scope.kind == "module":
                    limit = func.global_limit
                    if limit is not None and sym.kind != "fn" and sym.decl_index >= limit:
                        self.hidden_global = sym    # declared after the function (CORE §2)
                        return None
                    return sym
                if sym.func is not func:
                    self.capture(sym, node)
                return sym
            scope = scope.parent
        return None

    def capture(self, sym, node):
        func = self.ctx.func
        if sym.kind == "fn" and sym.fninfo is not None:
            info = sym.fninfo
            if info is func or func.is_inside(info):
                # A reference to an enclosing function from inside it: compiled as a
                # direct call / closure of its own captures (checked by the compiler).
                func.inner_refs.append((node, info))
                return
            if not info.captures:
                return
        f = func
        while f is not None and f is not sym.func:
            f.add_capture(sym)
            f = f.parent

    def undefined(self, node, what):
        hidden = self.hidden_global
        later = self.ctx.func.global_limit is not None and any(
            (isinstance(st, ast.VarDecl) and st.name == node.name)
            or (isinstance(st, ast.Assign) and isinstance(st.target, ast.Name)
                and st.target.name == node.name)
            or (isinstance(st, ast.ChainAssign) and any(
                isinstance(a.target, ast.Name) and a.target.name == node.name
                for a in st.assigns))
            for st in self.out.module.body)
        if later or (hidden is not None and hidden.name == node.name):
            self.error(node, "undefined %s '%s' (the global '%s' is declared after this "
                       "function; a function can only use globals declared before its "
                       "definition)" % (what, node.name, node.name))
        self.error(node, "undefined %s '%s'" % (what, node.name))

    def use_symbol(self, sym, node):
        """Checks made when the value of `sym` is read at `node`."""
        ctx = self.ctx
        if sym.da_tracked and sym.func is ctx.func and ctx.da is not None \
                and sym not in ctx.da:
            self.error(node, "%s may be used before it is assigned" % sym.name)
        if sym.is_global and not ctx.func.is_main:
            sym.fn_read = True

    # -- types ---------------------------------------------------------------------------
    def resolve_type(self, t, allow_void=False):
        if isinstance(t, ast.TypeName):
            name = t.name if isinstance(t.name, str) else ".".join(t.name)
            ty = T.BY_NAME.get(name)
            if ty is None:
                ty = self.named_type(name, t)
            if ty is None or (ty.is_void and not allow_void):
                self.error(t, "unknown type '%s'" % name)
            return ty
        if isinstance(t, ast.GenericType):
            return self.generic_type(t)
        if isinstance(t, ast.FnType):
            params = [self.resolve_type(p).base for p in t.params]
            ret = self.resolve_type(t.ret, allow_void=True).base if t.ret is not None else T.VOID
            return T.fn_type(params, ret)
        if isinstance(t, ast.ArrayType):
            elem = self.resolve_type(t.elem)
            size = None if t.size is None else self.array_length(t.size)
            return T.array_of(elem, size)
        self.error(t, "type %s is not supported yet" % type(t).__name__)

    def array_length(self, e):
        """The N of `[T, N]`: an integer literal or a `:=` integer constant."""
        if isinstance(e, ast.IntLit):
            value = e.value
        else:
            value = self.const_int(e)
            if value is None:
                # A hoisted signature is resolved before any top-level statement
                # runs: accept a top-level constant declared with a literal.
                for st in self.out.module.body:
                    if isinstance(st, ast.VarDecl) and st.const and st.name == e.name \
                            and isinstance(st.value, ast.IntLit):
                        value = st.value.value
                        break
                else:
                    self.error(e, "the length in [T, N] must be an integer literal or a `:=` "
                               "integer constant; '%s' is not one" % e.name)
        if value < 0:
            self.error(e, "an array length cannot be negative (%d)" % value)
        return value

    def const_int(self, e):
        """The value of the `:=` integer constant named by Name `e`, or None
        (undefined, or not such a constant)."""
        sym = self.lookup(e.name, e)
        if sym is not None and sym.kind == "const" and sym.ty.is_int \
                and type(sym.const_value) is int:
            self.use_symbol(sym, e)
            return sym.const_value
        return None

    # -- literals ----------------------------------------------------------------------
    def lit_leaf(self, e):
        """PendingLit for a bare literal."""
        suffix = e.suffix
        fixed = T.BY_NAME[suffix] if suffix else None
        value = e.value
        if fixed is not None:
            if fixed.is_float:
                p = PendingLit(float(value), "float", fixed, fixed, line=e.line, col=e.col)
            else:
                iv = int(value)
                if iv != value or not fixed.int_fits(iv):
                    self.error(e, "literal %s does not fit its suffix %s" % (value, suffix))
                p = PendingLit(iv, "int", fixed, fixed, line=e.line, col=e.col)
        elif isinstance(e, ast.FloatLit):
            p = PendingLit(float(value), "float", None, T.F64, line=e.line, col=e.col)
        else:
            natural = T.int_type_for(value)
            if natural is None:
                self.error(e, "integer literal %d is too large (the largest i64 is "
                           "9223372036854775807; use a u64 suffix)" % value)
            p = PendingLit(value, "int", None, natural, line=e.line, col=e.col)
        return p

    def fold(self, op, a, b, node):
        """Combine two literal-only operands at compile time (exact values)."""
        if a.fixed is not None and b.fixed is not None and a.fixed is not b.fixed:
            self.error(node, "mixed literal types %s and %s" % (a.fixed, b.fixed))
        fixed = a.fixed or b.fixed
        if a.kind != b.kind:
            if fixed is T.F64 and (a.fixed is None or b.fixed is None):
                pass            # an unsuffixed integer literal next to a f64 literal
            else:
                self.error(node, "mixed literal types %s and %s (convert one with `as`, or "
                           "write both the same way)" % (a.fixed or a.natural,
                                                         b.fixed or b.natural))
            kind = "float"
        else:
            kind = a.kind
        x, y = a.value, b.value
        if kind == "float":
            x, y = float(x), float(y)
        if op in ("/", "%") and y == 0:
            return self.division_by_zero(a, b, node)
        v = (_FOLD_FLOAT if kind == "float" else _FOLD_INT)[op](x, y)
        if kind == "float":
            natural = T.F64
        else:
            natural = T.I64 if T.I64 in (a.natural, b.natural) else T.I32
        return PendingLit(v, kind, fixed, fixed or natural, line=node.line, col=node.col)

    def division_by_zero(self, a, b, node):
        """`1 / 0` is not folded: it is the runtime error "Division by zero" like
        any division by zero (CORE §4; `try` catches it, DATA §7)."""
        ty = self.common_literal_type(a, b, node)
        node.left = self.finalize(a, ty, "operand")
        node.right = self.finalize(b, ty, "operand")
        node.ty = ty
        return node

    def fits(self, lit, ty):
        """The value of `lit` converted to `ty`, or None if it does not fit exactly."""
        if lit.fixed is not None and lit.fixed is not ty:
            return None
        v = lit.value
        if ty.is_int:
            if lit.kind == "float":
                if not math.isfinite(v) or v != int(v):
                    return None
                v = int(v)
            return v if ty.int_fits(v) else None
        if ty.is_float:
            if lit.kind == "int":
                return float(v) if T.float_exact_int(v) else None
            return v
        return None

    def make_lit(self, lit, ty, value):
        if ty.is_float:
            node = ast.FloatLit(value, None, line=lit.line, col=lit.col)
        else:
            node = ast.IntLit(value, None, line=lit.line, col=lit.col)
        node.ty = ty
        return node

    def try_adapt(self, lit, ty):
        v = self.fits(lit, ty)
        return None if v is None else self.make_lit(lit, ty, v)

    def natural(self, lit):
        ty = lit.fixed or lit.natural
        v = self.fits(lit, ty)
        if v is None:
            self.error(lit, "the value %s of this literal expression does not fit %s"
                       % (lit.value, ty))
        return self.make_lit(lit, ty, v)

    def finalize(self, e, ty, what):
        """`e` (checked) as a value of exactly type `ty` (`[T, N]` stands for `[T]`;
        unfilled holes of either side get filled)."""
        if not ty.hole_free:
            ty = T.prune(ty)
            if ty.is_hole:                  # the element type of `[]`, decided here
                v = self.natural(e) if isinstance(e, PendingLit) else e
                self.check_value(v)
                if not self.unify(ty, v.ty):
                    self.error(v, "%s: an array cannot contain itself" % what)
                return v
        if isinstance(e, PendingLit):
            if ty is T.DYN:                 # a literal as an `any` payload
                return self.box(self.natural(e), what)
            node = self.try_adapt(e, ty)
            if node is None:
                same_kind = e.kind == ("float" if ty.is_float else "int")
                if ty.is_numeric and same_kind and (e.fixed is None or e.fixed is ty):
                    self.error(e, "%s: the value %s does not fit %s" % (what, e.value, ty))
                self.error(e, "%s: expected %s, found %s" % (what, ty, e.fixed or e.natural))
            return node
        et = e.ty
        if et is not ty:
            if et.is_any and ty is T.I64:
                return e
            if T.same_enum(et, ty):         # `Maybe` (arguments unknown) as `Maybe[i32]`
                return e
            if ty is T.DYN:
                return self.box(e, what)
            if et is T.DYN:
                return self.unbox(e, ty, what)
            if not ((et.is_array or et.is_hole) and self.unify(et, ty)):
                if et.is_void:
                    self.error(e, "%s: this expression has no value (the function returns "
                               "void)" % what)
                self.error(e, "%s: expected %s, found %s%s" % (what, ty, et, self.any_hint(et)))
        return e

    def expect_declared(self, e, hint, what):
        """The initializer of an annotated declaration: like `expect`, and a
        `range()` value (static type any) takes the declared numeric type."""
        v = self.expr(e, hint)
        if not isinstance(v, PendingLit) and v.ty.is_any and hint.is_numeric \
                and hint is not T.I64:
            node = ast.Cast(v, None, line=v.line, col=v.col)
            node.ty = hint
            return node
        return self.finalize(v, hint, what)

    @staticmethod
    def any_hint(ty):
        if ty.is_any:
            return " (a range() value has no static type: give it one first with an " \
                   "annotated declaration such as `k: i64 = v`)"
        return ""

    def unify(self, a, b):
        """Can a value of type `a` be used as `b`?  Fills unfilled holes (the
        element types of empty literals) as needed; lengths are ignored."""
        a, b = T.prune(a), T.prune(b)
        if a is b:
            return True
        if a.is_hole:
            a, b = b, a
        if b.is_hole:
            if a.is_void or T.occurs(b, a):
                return False
            b.ref = a.base
            return True
        if a.is_array and b.is_array:
            return self.unify(a.elem, b.elem)
        return a.base is b.base or T.same_enum(a, b)

    def check_value(self, v):
        if v.ty.is_void:
            self.error(v, "this expression has no value (the function returns void)")

    @staticmethod
    def ret_expected(info):
        return info.ret_hint if info.ret_hint is not None else info.ret

    def elem_type(self, ty, node):
        """The element type of array type `ty`, which must be known by now."""
        elem = T.resolve(ty.elem)
        if elem.is_hole:
            self.error(node, "the element type of this empty array is not known yet "
                       "(annotate it, e.g. `xs: [i32] = []`, or push a value first)")
        return elem

    def common_literal_type(self, a, b, node):
        if a.fixed is not None and b.fixed is not None and a.fixed is not b.fixed:
            self.error(node, "mixed literal types %s and %s" % (a.fixed, b.fixed))
        if a.fixed or b.fixed:
            return a.fixed or b.fixed
        if a.kind != b.kind:
            return T.F64
        if a.kind == "float":
            return T.F64
        return T.I64 if T.I64 in (a.natural, b.natural) else T.I32

    # -- expressions ---------------------------------------------------------------------
    def expr(self, e, hint=None):
        """Check `e`; returns the (possibly replaced) node, maybe a PendingLit."""
        method = getattr(self, "expr_" + type(e).__name__, None)
        if method is None:
            self.error(e, "%s expressions are not supported yet" % type(e).__name__)
        if type(e) is ast.Call and self.ctx.func.probe_lit is not None:
            return self.probe_call(method, e, hint)
        return method(e, hint)

    def rvalue(self, e, expected=None, allow_void=False):
        """Check `e` as a value with a final type (literals adapt to `expected`
        when they fit, otherwise get their natural type)."""
        v = self.expr(e, expected)
        if isinstance(v, PendingLit):
            if expected is not None:
                node = self.try_adapt(v, expected)
                if node is not None:
                    return node
            return self.natural(v)
        if v.ty.is_void and not allow_void:
            self.error(v, "this expression has no value (the function returns void)")
        return v

    def expect(self, e, ty, what):
        v = self.expr(e, ty)
        return self.finalize(v, ty, what)

    def expr_IntLit(self, e, hint):
        if e.ty is not None:         # already checked (a folded literal)
            return e
        return self.lit_leaf(e)

    expr_FloatLit = expr_IntLit

    def expr_PendingLit(self, e, hint):
        return e

    def expr_BoolLit(self, e, hint):
        e.ty = T.BOOL
        return e

    def expr_StrLit(self, e, hint):
        e.ty = T.STRING
        return e

    def expr_Timestamp(self, e, hint):
        e.ty = T.F64
        return e

    # -- arrays and strings (DATA §2, §3) ----------------------------------------------------
    @staticmethod
    def elem_hint(hint):
        """The expected element type inside an expected array type (or None)."""
        if hint is None:
            return None
        hint = T.prune(hint)
        if not hint.is_array:
            return None
        elem = T.prune(hint.elem)
        return None if elem.is_hole else elem

    def check_length(self, e, n, hint):
        if hint is not None:
            hint = T.prune(hint)
            if hint.is_array and hint.size is not None and hint.size != n:
                self.error(e, "this array literal has %d element%s, but its type %s says %d"
                           % (n, "" if n == 1 else "s", hint, hint.size))

    def expr_ArrayLit(self, e, hint):
        ehint = self.elem_hint(hint)
        elems = e.elems
        for i, el in enumerate(elems):
            v = self.expr(el, ehint)
            if not isinstance(v, PendingLit):
                self.check_value(v)
            elems[i] = v
        if ehint is not None:
            # DECISIONS data row 6: literal elements adapt to the expected element type.
            for i, v in enumerate(elems):
                elems[i] = self.finalize(v, ehint, "array element %d" % (i + 1))
            ty = ehint
        else:
            first = next((i for i, v in enumerate(elems) if not isinstance(v, PendingLit)), None)
            if first is not None:
                ty = elems[first].ty
                for i, v in enumerate(elems):
                    if isinstance(v, PendingLit):
                        node = self.try_adapt(v, ty)
                        if node is None:
                            if ty.is_numeric and v.kind == ("float" if ty.is_float else "int") \
                                    and v.fixed in (None, ty):
                                self.finalize(v, ty, "array element %d" % (i + 1))
                            self.mixed_elements(v, i, v.fixed or v.natural, first, ty)
                        elems[i] = node
                    elif v.ty is not ty and not self.unify(v.ty, ty):
                        self.mixed_elements(v, i, v.ty, first, ty)
            elif elems:
                # Only literals: one suffix type if any, else f64 if any is a float
                # literal, else i64 if one needs it, else i32.
                fixed = {v.fixed for v in elems if v.fixed is not None}
                if len(fixed) > 1:
                    self.error(e, "mixed literal types %s in an array literal"
                               % " and ".join(sorted(str(t) for t in fixed)))
                if fixed:
                    ty = fixed.pop()
                elif any(v.kind == "float" for v in elems):
                    ty = T.F64
                elif any(v.natural is T.I64 for v in elems):
                    ty = T.I64
                else:
                    ty = T.I32
                for i, v in enumerate(elems):
                    elems[i] = self.finalize(v, ty, "array element %d" % (i + 1))
            else:
                ty = T.Hole()
        self.check_length(e, len(elems), hint)
        e.ty = T.array_of(T.resolve(ty).base)
        return e

    def mixed_elements(self, v, i, ty, first, first_ty):
        self.error(v, "the elements of an array literal must all have the same type: "
                   "element %d is %s, element %d is %s" % (i + 1, ty, first + 1, first_ty))

    def expr_ArrayFill(self, e, hint):
        """`[value; N]` and `[value, N]`: N copies of value (DATA §3.1, DECISIONS
        data row 4); N an integer literal or a `:=` integer constant."""
        ehint = self.elem_hint(hint)
        v = self.rvalue(e.value, ehint) if ehint is None else \
            self.expect(e.value, ehint, "the fill value")
        e.value = v
        self.check_value(v)
        count = e.count
        n = None
        if type(count) is int:
            n = count                   # checked before
        elif isinstance(count, ast.Name):
            n = self.const_int(count)
            if n is None:
                if self.lookup(count.name, count) is None:
                    self.undefined(count, "variable")
                self.error(count, "the length of a fill literal must be an integer literal or a "
                           "`:=` constant, not '%s' (write `[value] * %s`, or `[value, %s,]` "
                           "for a two-element array)" % ((count.name,) * 3))
        else:
            c = self.expr(count)
            if isinstance(c, PendingLit) and c.kind == "int":
                n = c.value
            else:
                self.error(count, "the length of a fill literal must be an integer literal or "
                           "a `:=` integer constant")
        if n < 0:
            self.error(e, "the length of a fill literal cannot be negative (%d)" % n)
        e.count = n                 # the compiler reads the number
        self.check_length(e, n, hint)
        e.ty = T.array_of(T.resolve(v.ty).base)
        return e

    def index_value(self, e, what):
        """An index or slice bound: any integer type (DATA §3.2)."""
        v = self.rvalue(e)
        if not v.ty.is_int:
            self.error(v, "%s must be an integer, found %s" % (what, v.ty))
        return v

    def sequence(self, e, what):
        """The array or string operand of an index, slice or builtin."""
        v = self.rvalue(e)
        ty = v.ty
        if not (ty.is_array or ty.is_string):
            self.error(v, "cannot %s a value of type %s (only arrays and strings)" % (what, ty))
        return v

    def expr_Index(self, e, hint):
        obj = e.obj = self.sequence(e.obj, "index")
        e.index = self.index_value(e.index, "an index")
        e.ty = T.STRING if obj.ty.is_string else self.elem_type(obj.ty, e)
        return e

    def expr_Slice(self, e, hint):
        obj = e.obj = self.sequence(e.obj, "slice")
        if e.start is not None:
            e.start = self.index_value(e.start, "a slice bound")
        if e.end is not None:
            e.end = self.index_value(e.end, "a slice bound")
        e.ty = obj.ty
        return e

    def expr_Name(self, e, hint):
        sym = getattr(e, "sym", None)
        if sym is not None and sym.kind == "subject":
            return e                    # the subject of a match (check_match)
        sym = self.lookup(e.name, e)
        if sym is None:
            if e.name in BUILTINS:
                self.error(e, "builtin '%s' can only be called" % e.name)
            self.undefined(e, "variable")
        e.sym = sym
        if sym.kind == "fn":
            e.ty = self.function_value_type(sym, e)
        else:
            self.use_symbol(sym, e)
            e.ty = sym.ty if sym.ty.hole_free else T.resolve(sym.ty)
        return e

    def function_value_type(self, sym, node):
        if sym.fndecl is not None:
            decl = sym.fndecl
            if decl.generic:
                self.error(node, "function '%s' has untyped parameters, so it cannot be used "
                           "as a value; give its parameters types" % sym.name)
            self.ensure_signature(decl.info, node)
            return decl.info.fn_type()
        info = sym.fninfo
        self.ensure_signature(info, node)
        return info.fn_type()

    def expr_Unary(self, e, hint):
        if e.op == "-":
            v = self.expr(e.operand, hint)
            if isinstance(v, PendingLit):
                return PendingLit(-v.value, v.kind, v.fixed, v.natural, line=e.line, col=e.col)
            ty = v.ty
            if ty.is_unsigned:
                self.error(e, "unary minus on unsigned %s (convert with `as` to a signed "
                           "type first)" % ty)
            if not ty.is_numeric:
                self.error(e, "unary minus needs a number, found %s" % ty)
            e.operand = v
            e.ty = ty
            return e
        if e.op == "~":
            return self.complement(e, hint)
        # not
        v = self.rvalue(e.operand)
        if not v.ty.is_bool:
            self.error(e, "`not` needs a bool, found %s (write an explicit comparison%s)"
                       % (v.ty, "; `~` flips the bits of an integer" if v.ty.is_int else ""))
        e.operand = v
        e.ty = T.BOOL
        return e

    def expr_Binary(self, e, hint):
        op = e.op
        if op in _ARITH:
            return self.arith(e, hint)
        if op in _BITWISE:
            return self.bitwise(e, hint)
        if op in _SHIFTS:
            return self.shift(e, hint)
        if op in _COMPARE:
            return self.compare(e)
        # and / or (DECISIONS core rows 1, 18)
        for side in ("left", "right"):
            v = self.rvalue(getattr(e, side))
            if not v.ty.is_bool:
                self.error(v if side == "right" else e, "`%s` needs bool operands, found %s%s"
                           % (op, v.ty, " (write `x != 0`; the bitwise operator is `%s`)"
                              % ("&" if op == "and" else "|") if v.ty.is_int else ""))
            setattr(e, side, v)
        e.ty = T.BOOL
        return e

    def arith(self, e, hint):
        op = e.op
        if hint is not None and hint.is_array:
            hint = hint.base            # `[T, N]` describes the result, not the operands
        a, b = self.operands(e, hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if (not pa and a.ty is T.DYN) or (not pb and b.ty is T.DYN):
            a, b = self.unbox_operands(a, b, hint, e)
            pa = pb = False
        if (not pa and a.ty.is_array) or (not pb and b.ty.is_array):
            return self.array_arith(e, a, b, pa)
        if pa and pb:
            return self.fold(op, a, b, e)
        if pa:
            a = self.adapt_operand(a, b.ty, e, op)
        elif pb:
            b = self.adapt_operand(b, a.ty, e, op)
        e.left, e.right = a, b
        e.ty = self.arith_type(op, a.ty, b.ty, e)
        return e

    def operands(self, e, hint):
        """Check both operands of a binary operator.  An operand made only of
        literals whose value depends on its type (`~1`, `1 << 31`) is checked
        after the other one, with that one's integer type as expected type."""
        left, right = e.left, e.right
        if _width_dependent(left) and not _width_dependent(right):
            b = self.expr(right, hint)
            return self.expr(left, self.sibling_hint(b, hint)), b
        a = self.expr(left, hint)
        if _width_dependent(right):
            return a, self.expr(right, self.sibling_hint(a, hint))
        return a, self.expr(right, hint)

    @staticmethod
    def sibling_hint(v, hint):
        if not isinstance(v, PendingLit) and v.ty.is_int:
            return T.I64 if v.ty is T.ANY else v.ty
        return hint

    # -- bitwise operators (DECISIONS core row 43) ------------------------------------------
    def bitwise(self, e, hint):
        """`a & b`, `a | b`, `a ^ b`: two operands of one integer type."""
        op = e.op
        a, b = self.operands(e, hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if (not pa and a.ty is T.DYN) or (not pb and b.ty is T.DYN):
            a, b = self.unbox_operands(a, b, hint, e)
            pa = pb = False
        if pa and pb:
            if a.kind != "int" or b.kind != "int":
                self.error(e, "`%s` needs integer operands, found %s and %s"
                           % (op, a.fixed or a.natural, b.fixed or b.natural))
            return self.fold(op, a, b, e)
        if pa:
            a = self.bit_operand(a, b.ty, e, op)
        elif pb:
            b = self.bit_operand(b, a.ty, e, op)
        e.left, e.right = a, b
        e.ty = self.bitwise_type(op, a.ty, b.ty, e)
        return e

    def bit_operand(self, lit, ty, node, op):
        """A literal operand of & | ^ next to a value of type `ty`."""
        if ty.is_int:
            return self.adapt_operand(lit, T.I64 if ty is T.ANY else ty, node, op)
        return self.natural(lit)            # bitwise_type reports the mismatch

    def bits_operand_type(self, op, ty, node):
        """`ty` must be an integer type for operator `op`."""
        if ty.is_int:
            return
        if ty.is_void:
            self.error(node, "this expression has no value (the function returns void)")
        hint = {"&": "; for logic use `and`", "|": "; for logic use `or`",
                "~": "; for logic use `not`"}.get(op, "") if ty.is_bool else ""
        what = "an integer operand" if op == "~" else "integer operands"
        self.error(node, "`%s` needs %s, found %s%s" % (op, what, ty, hint))

    def bitwise_type(self, op, ta, tb, node):
        self.bits_operand_type(op, ta, node)
        self.bits_operand_type(op, tb, node)
        if ta is not tb:
            if ta.is_any or tb.is_any:
                # a range() value is an i64 without a static type (DECISIONS data row 13)
                if T.I64 in (ta, tb):
                    return T.I64
                self.error(node, "mismatched types %s and %s for `%s`%s" % (
                    ta, tb, op, self.any_hint(T.ANY)))
            self.error(node, "mismatched types %s and %s for `%s`; convert one with `as`"
                       % (ta, tb, op))
        return ta

    def literal_type(self, lit, hint):
        """The integer type a literal-only operand of `~`, `<<` or `>>` is
        computed in: its suffix's, else the expected type if it fits, else
        its natural type."""
        if lit.fixed is not None:
            return lit.fixed
        if hint is not None and hint.is_int:
            hint = T.I64 if hint is T.ANY else hint
            if self.fits(lit, hint) is not None:
                return hint
        return lit.natural

    def literal_operand(self, lit, hint, op):
        """(type, value) of a literal-only operand of `~`, `<<` or `>>`."""
        if lit.kind != "int":
            self.error(lit, "`%s` needs an integer, found %s" % (op, lit.fixed or lit.natural))
        ty = self.literal_type(lit, hint)
        v = self.fits(lit, ty)
        if v is None:
            self.natural(lit)               # reports that the value does not fit
        return ty, v

    @staticmethod
    def folded_bits(value, exact, ty, lit, node):
        """A folded `~`/shift of a literal: `value` computed in type `ty`.
        When that is the exact value (`exact`, what any type holding it
        gives) the result adapts like any literal expression; otherwise it
        keeps the type it was computed in."""
        fixed = lit.fixed if value == exact else ty
        return PendingLit(value, "int", fixed, ty, line=node.line, col=node.col)

    def complement(self, e, hint):
        """`~a`: every bit of a's type flipped."""
        v = self.expr(e.operand, hint if hint is not None and hint.is_int else None)
        if isinstance(v, PendingLit):
            ty, x = self.literal_operand(v, hint, "~")
            r = ~x & ((1 << ty.bits) - 1) if ty.is_unsigned else ~x
            return self.folded_bits(r, ~x, ty, v, e)
        self.check_value(v)
        self.bits_operand_type("~", v.ty, e)
        e.operand = v
        e.ty = v.ty
        return e

    def shift_count(self, v, op):
        """The right operand of `<<` / `>>`: any integer type (a literal gets
        its natural type)."""
        if isinstance(v, PendingLit):
            if v.kind != "int":
                self.error(v, "the shift count of `%s` must be an integer, found %s"
                           % (op, v.fixed or v.natural))
            return self.natural(v)
        self.check_value(v)
        if not v.ty.is_int:
            self.error(v, "the shift count of `%s` must be an integer, found %s" % (op, v.ty))
        return v

    def shift(self, e, hint):
        """`a << n`, `a >> n`: the type of a; n any integer type; a count
        outside 0 .. width-1 is the runtime error "shift out of range"."""
        op = e.op
        ihint = hint if hint is not None and hint.is_int else None
        a = self.expr(e.left, ihint)
        b = self.expr(e.right)
        if not isinstance(b, PendingLit) and b.ty is T.DYN:
            self.error(b, "the shift count has type any: give it a type first with an "
                       "annotated declaration (`n: i32 = v`)")
        if isinstance(a, PendingLit):
            ty, x = self.literal_operand(a, ihint, op)
            if isinstance(b, PendingLit) and b.kind == "int" and 0 <= b.value < ty.bits:
                n = b.value
                if op == ">>":
                    r = exact = x >> n          # arithmetic = logical for x >= 0
                else:
                    exact = x << n
                    r = exact & ((1 << ty.bits) - 1)
                    if ty.is_signed_int and r >= 1 << (ty.bits - 1):
                        r -= 1 << ty.bits
                return self.folded_bits(r, exact, ty, a, e)
            a = self.make_lit(a, ty, x)     # an out-of-range count fails at run time
        elif a.ty is T.DYN:
            if ihint is None:
                self.error(a, "the left operand of `%s` has type any: give it a type first "
                           "with an annotated declaration (`n: i32 = v`)" % op)
            a = self.unbox(a, ihint, "operand")
        else:
            self.check_value(a)
            self.bits_operand_type(op, a.ty, e)
        e.left = a
        e.right = self.shift_count(b, op)
        e.ty = a.ty
        return e

    def array_arith(self, e, a, b, pa):
        """`arr * n` / `n * arr`: a new array repeating the elements (DATA §3.1)."""
        op = e.op
        left_array = not pa and a.ty.is_array
        right_array = not isinstance(b, PendingLit) and b.ty.is_array
        if op == "+" and left_array and right_array:
            self.error(e, "`+` does not concatenate arrays (Orus has no array concatenation; "
                       "push the elements onto a new array)")
        if op != "*":
            self.error(e, "`%s` is not defined for arrays" % op)
        if left_array and right_array:
            self.error(e, "`*` repeats an array a number of times: one operand must be an "
                       "integer count, found %s and %s" % (a.ty, b.ty))
        if left_array:
            e.right = self.repeat_count(b)
            e.left = a
            e.ty = a.ty
        else:
            e.left = self.repeat_count(a)
            e.right = b
            e.ty = b.ty
        return e

    def repeat_count(self, v):
        if isinstance(v, PendingLit):
            if v.kind != "int":
                self.error(v, "an array can only be repeated an integer number of times, "
                           "found %s" % (v.fixed or v.natural))
            return self.natural(v)
        if not v.ty.is_int:
            if v.ty.is_void:
                self.check_value(v)
            self.error(v, "an array can only be repeated an integer number of times, "
                       "found %s" % v.ty)
        return v

    def adapt_operand(self, lit, ty, node, op):
        """A literal operand next to a typed one takes its type (DECISIONS core row 5)."""
        if ty.is_numeric:
            v = self.try_adapt(lit, ty)
            if v is not None:
                return v
            shown = lit.fixed or lit.natural
            if lit.fixed is None and lit.kind == "int" and ty.is_int:
                self.error(node, "the literal %s does not fit %s" % (lit.value, ty))
            self.error(node, "cannot combine %s and a %s literal (%s) with `%s`; convert "
                       "with `as`" % (ty, shown, lit.value, op))
        if ty.is_bool:
            self.error(node, "arithmetic on bool values")
        if ty.is_void:
            self.error(node, "this expression has no value (the function returns void)")
        self.error(node, "cannot use `%s` on %s and a number%s" % (
            op, ty, "; convert the number with `as string`" if ty.is_string else ""))

    def arith_type(self, op, ta, tb, node):
        if ta.is_void or tb.is_void:
            self.error(node, "this expression has no value (the function returns void)")
        if ta.is_bool or tb.is_bool:
            self.error(node, "arithmetic on bool values (`%s` of %s and %s)" % (op, ta, tb))
        if ta.is_string or tb.is_string:
            if op == "+" and ta.is_string and tb.is_string:
                return T.STRING
            if op == "+":
                self.error(node, "`+` needs two strings or two numbers, found %s and %s; "
                           "convert with `as string`" % (ta, tb))
            self.error(node, "`%s` is not defined for strings" % op)
        if not (ta.is_numeric and tb.is_numeric):
            if ta.is_array or tb.is_array:
                self.error(node, "`%s` is not defined for %s and %s (`*` with an integer "
                           "count is the only arithmetic on arrays)" % (op, ta, tb))
            self.error(node, "`%s` is not defined for %s and %s" % (op, ta, tb))
        if ta is not tb:
            if ta.is_any or tb.is_any:
                # a range() value is an i64 without a static type (DECISIONS data row 13)
                if T.I64 in (ta, tb):
                    return T.I64
                self.error(node, "mismatched types %s and %s for `%s`%s" % (
                    ta, tb, op, self.any_hint(T.ANY)))
            self.error(node, "mismatched types %s and %s for `%s`; convert one with `as`"
                       % (ta, tb, op))
        return ta

    def compare(self, e):
        op = e.op
        a, b = self.operands(e, None)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if (not pa and a.ty is T.DYN) != (not pb and b.ty is T.DYN):
            a, b = self.unbox_operands(a, b, None, e)
            pa = pb = False
        if pa and pb:
            a, b = self.natural(a), self.natural(b)
        elif pa:
            a = self.try_adapt(a, b.ty) or self.natural(a)
        elif pb:
            b = self.try_adapt(b, a.ty) or self.natural(b)
        e.left, e.right = a, b
        ta, tb = a.ty, b.ty
        if ta.is_void or tb.is_void:
            self.error(e, "this expression has no value (the function returns void)")
        ordering = op not in ("==", "!=")
        if ta.is_numeric and tb.is_numeric:
            if ta.is_int and tb.is_int and ta.signed != tb.signed:
                self.error(e, "cannot compare signed %s with unsigned %s; convert one with `as`"
                           % (ta, tb) if ta.signed else
                           "cannot compare unsigned %s with signed %s; convert one with `as`"
                           % (ta, tb))
        elif ta is tb and (ta.is_string or ta.is_bool):
            if ordering and ta.is_bool:
                self.error(e, "bool values have no order (`%s`)" % op)
        elif ta is tb and ta.is_fn:
            self.error(e, "function values cannot be compared")
        elif ta.is_array and tb.is_array and self.unify(ta, tb):
            # DECISIONS data row 1: == and != compare contents (deeply)
            if ordering:
                self.error(e, "arrays have no order (`%s`); only == and != compare them" % op)
        elif (ta is tb and ta.kind in ("struct", "enum", "error", "dyn")) \
                or T.same_enum(ta, tb):
            # structs and enums by contents (DECISIONS data row 1), errors by identity
            if ordering:
                self.error(e, "%s values have no order (`%s`); only == and != compare them"
                           % (ta, op))
        else:
            self.error(e, "cannot compare %s with %s" % (ta, tb))
        e.ty = T.BOOL
        return e

    def expr_Cast(self, e, hint):
        v = self.rvalue(e.expr)
        target = self.resolve_type(e.target).base
        src = v.ty
        e.expr = v
        e.ty = target
        if src.is_any:
            self.error(e, "cannot cast a value of type any with `as`%s" % self.any_hint(src))
        if src is T.DYN:
            self.error(e, "this is a `any`, but `%s` was expected: give the value a type first "
                       "with an annotated declaration (`n: i32 = v`)" % target)
        if src is target:
            return e
        if target.is_string:
            if src.is_scalar or src is T.ERROR:     # an error's message (DECISIONS data 11)
                return e
        elif src.is_string:
            self.error(e, "cannot cast string to %s" % target)
        elif (src.is_numeric or src.is_bool) and (target.is_numeric or target.is_bool):
            return e
        self.error(e, "cannot cast %s to %s" % (src, target))

    def expr_Ternary(self, e, hint):
        e.cond = self.condition(e.cond)
        a, b = self.probe_alternatives((e.then, e.other), hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if pa and pb:
            if hint is not None and self.fits(a, hint) is not None \
                    and self.fits(b, hint) is not None:
                ty = hint
            else:
                ty = self.common_literal_type(a, b, e)
            a = self.finalize(a, ty, "conditional branch")
            b = self.finalize(b, ty, "conditional branch")
        elif pa:
            a = self.try_adapt(a, b.ty) or self.natural(a)
        elif pb:
            b = self.try_adapt(b, a.ty) or self.natural(b)
        if a.ty is not b.ty and not (a.ty.is_array and self.unify(a.ty, b.ty)) \
                and not T.same_enum(a.ty, b.ty):
            self.error(e, "the branches of a conditional expression have different types: "
                       "%s and %s" % (a.ty, b.ty))
        if a.ty.is_void:
            self.error(e, "this expression has no value (the function returns void)")
        e.then, e.other = a, b
        e.ty = T.resolve(a.ty if a.ty.kind != "enum" else T.more_specific(a.ty, b.ty))
        return e

    def expr_Lambda(self, e, hint):
        name, self.lambda_name = self.lambda_name or "lambda", None
        info = self.nested_function(e, name)
        e.info = info
        self.check_nested(info)
        e.ty = info.fn_type()
        return e

    def expr_Call(self, e, hint):
        callee = e.callee
        if type(callee) is ast.Member:
            node = self.member_call(e, callee, hint)
            if node is not None:
                return node
        if isinstance(callee, ast.Name):
            sym = self.lookup(callee.name, callee)
            if sym is None:
                if callee.name in BUILTINS:
                    return self.builtin_call(e, callee.name)
                self.undefined(callee, "function")
            if sym.kind == "fn":
                callee.sym = sym
                if sym.fndecl is not None:
                    return self.direct_call(e, sym.fndecl)
                info = sym.fninfo
                func = self.ctx.func
                if info is func or func.is_inside(info) or not info.captures:
                    self.ensure_signature(info, e)
                    callee.ty = info.fn_type()
                    return self.finish_call(e, info.param_hints, info.ret, info, callee.name)
        fv = self.rvalue(callee)
        e.callee = fv
        if not fv.ty.is_fn:
            self.error(e, "cannot call a value of type %s" % fv.ty)
        name = fv.name if isinstance(fv, ast.Name) else "function value"
        return self.finish_call(e, fv.ty.params, fv.ty.ret, None, name)

    def direct_call(self, e, decl):
        args = e.args
        if len(args) != len(decl.param_types):
            self.arity_error(e, decl.name, len(decl.param_types))
        if not decl.generic:
            info = decl.info
            self.ensure_signature(info, e)
            e.callee.ty = info.fn_type()
            return self.finish_call(e, info.param_hints, info.ret, info, decl.name)
        key = []
        for i, (a, t) in enumerate(zip(args, decl.param_types)):
            if t is None:
                v = self.rvalue(a)
                self.check_value(v)
                args[i] = v
                key.append(T.resolve(v.ty))     # `[]` may still be open (DATA §3.1)
        info = self.specialise(decl, tuple(key), e)
        e.callee.ty = info.fn_type()
        return self.finish_call(e, info.param_hints, info.ret, info, decl.name,
                                skip=[t is None for t in decl.param_types])

    def arity_error(self, e, name, n):
        self.error(e, "function '%s' expects %d argument%s but received %d"
                   % (name, n, "" if n == 1 else "s", len(e.args)))

    def finish_call(self, e, ptypes, ret, target, name, skip=None):
        args = e.args
        if len(args) != len(ptypes):
            self.arity_error(e, name, len(ptypes))
        for i, (a, t) in enumerate(zip(args, ptypes)):
            if skip is not None and skip[i]:
                continue
            args[i] = self.expect(a, t, "argument %d of '%s'" % (i + 1, name))
        e.target = target
        e.ty = ret
        return e

    # -- builtins (DATA §9) -------------------------------------------------------------------
    def builtin_call(self, e, name):
        """Check a call of builtin `name`; `e.target` becomes the name (a str)."""
        e.target = name
        lo, hi = _BUILTIN_ARITY[name]
        n = len(e.args)
        if not lo <= n <= hi:
            if lo == hi:
                self.arity_error(e, name, lo)
            self.error(e, "function '%s' expects %d to %d arguments but received %d"
                       % (name, lo, hi, n))
        return getattr(self, "builtin_" + name)(e, e.args)

    def builtin_typeof(self, e, args):
        args[0] = self.rvalue(args[0])
        e.ty = T.STRING
        return e

    def builtin_istype(self, e, args):
        args[0] = self.rvalue(args[0])
        args[1] = self.expect(args[1], T.STRING, "argument 2 of 'istype'")
        e.ty = T.BOOL
        return e

    def builtin_len(self, e, args):
        v = args[0] = self.rvalue(args[0])
        if not (v.ty.is_array or v.ty.is_string):
            self.error(v, "len() needs an array or a string, found %s" % v.ty)
        e.ty = T.I32
        return e

    def array_arg(self, e, args, name):
        v = args[0] = self.rvalue(args[0])
        if not v.ty.is_array:
            self.error(v, "%s() needs an array, found %s" % (name, v.ty))
        return v

    def builtin_push(self, e, args):
        arr = self.array_arg(e, args, "push")
        args[1] = self.expect(args[1], arr.ty.elem, "argument 2 of 'push'")
        e.ty = T.resolve(arr.ty)
        return e

    def builtin_pop(self, e, args):
        arr = self.array_arg(e, args, "pop")
        e.ty = self.elem_type(arr.ty, e)
        return e

    def builtin_sorted(self, e, args):
        arr = self.array_arg(e, args, "sorted")
        e.ty = arr.ty
        elem = T.resolve(arr.ty.elem)
        if elem.is_hole:
            self.out.deferred.append((self.check_sortable, e, arr.ty))
        else:
            self.check_sortable(e, arr.ty)
        return e

    def check_sortable(self, e, ty):
        elem = T.resolve(ty.elem)
        if not (elem.is_hole or elem.is_numeric or elem.is_bool or elem.is_string):
            self.error(e, "sorted() orders numbers, bools and strings, not %s elements"
                       % elem)

    def builtin_range(self, e, args):
        for i, a in enumerate(args):
            v = self.expr(a, T.I64)
            if isinstance(v, PendingLit):
                if v.kind != "int":
                    self.error(v, "range() needs integer arguments, found %s"
                               % (v.fixed or v.natural))
                if i == 2 and v.value == 0:
                    self.error(v, "the range() step cannot be zero")
                v = self.try_adapt(v, T.I64) or self.natural(v)
            elif not v.ty.is_int:
                self.check_value(v)
                self.error(v, "range() needs integer arguments, found %s" % v.ty)
            args[i] = v
        e.ty = T.RANGE
        return e

    def builtin_input(self, e, args):
        if args:
            args[0] = self.expect(args[0], T.STRING, "the prompt of 'input'")
        e.ty = T.STRING
        return e

    def builtin_ord(self, e, args):
        """ord(s): the first byte of s, 0..255 (empty: runtime error)."""
        args[0] = self.expect(args[0], T.STRING, "argument 1 of 'ord'")
        e.ty = T.I32
        return e

    def builtin_chr(self, e, args):
        """chr(n): the one-byte string of byte n (n outside 0..255: runtime error)."""
        args[0] = self.expect(args[0], T.I32, "argument 1 of 'chr'")
        e.ty = T.STRING
        return e

    def builtin_int(self, e, args):
        return self._conversion(e, args, "int", T.I32)

    def builtin_float(self, e, args):
        return self._conversion(e, args, "float", T.F64)

    def _conversion(self, e, args, name, result):
        """int(x) / float(x): a string or a number in, `result` out."""
        v = args[0] = self.rvalue(args[0])
        if not (v.ty.is_numeric or v.ty.is_string):
            self.error(e, "%s() needs a string or a number, found %s" % (name, v.ty))
        e.ty = result
        return e

    def builtin_assert_eq(self, e, args):
        args[0] = self.expect(args[0], T.STRING, "the label of 'assert_eq'")
        a = self.expr(args[1])
        b = self.expr(args[2])
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        # A literal compared with a typed value takes its type when it fits.
        if pa and not pb:
            a = self.try_adapt(a, b.ty) or self.natural(a)
        elif pb and not pa:
            b = self.try_adapt(b, a.ty) or self.natural(b)
        elif pa and pb:
            a, b = self.natural(a), self.natural(b)
        if (a.ty is T.DYN) != (b.ty is T.DYN):      # an `any` value: compare boxed
            if a.ty is T.DYN:
                b = self.box(b, "argument 3 of 'assert_eq'")
            else:
                a = self.box(a, "argument 2 of 'assert_eq'")
        for v in (a, b):
            self.check_value(v)
        if a.ty.is_array and b.ty.is_array:
            self.unify(a.ty, b.ty)
        args[1], args[2] = a, b
        e.ty = T.BOOL
        return e


    # -- structs, enums and impl (DATA §4, §5) -------------------------------------------------
    def find_type(self, name):
        """The struct or enum type called `name` here, or None (`Result` is
        predeclared unless the file declares its own)."""
        ty = self.type_names.get(name)
        if ty is None:
            ty = self.imported_types.get(name)
            if ty is None and name == "Result":
                ty = self.result_enum()
        return ty

    def result_enum(self):
        """The predeclared `enum Result: Ok(value: any), Err(message: string)`,
        one type shared by every file (a module's Result is the importer's)."""
        if self.builtin_result is None:
            self.builtin_result = RESULT
        return self.builtin_result

    def named_type(self, name, node):
        """A type name that is not a builtin type: a struct, an enum, or (inside
        an enum's payloads) a type parameter or `any`, both dynamic."""
        if self.type_params is not None and (name in self.type_params or name == "any"):
            return T.DYN
        return self.find_type(name)

    def generic_type(self, t):
        """`Maybe[i32]`: the instance of the generic enum (DECISIONS data row 18);
        inside an enum's payloads, `Maybe[T]` (an argument mentioning a type
        parameter or `any`) is the erased `Maybe`."""
        ty = self.find_type(t.name)
        if ty is None:
            self.error(t, "unknown type '%s'" % t.name)
        params = getattr(ty, "type_params", ())
        if not params:
            self.error(t, "type '%s' takes no type arguments" % t.name)
        if len(t.args) != len(params):
            self.error(t, "type '%s' takes %d type argument%s, found %d" % (
                t.name, len(params), "" if len(params) == 1 else "s", len(t.args)))
        args = [self.resolve_type(a).base for a in t.args]
        if any(_mentions_dyn(a) for a in args):
            return ty
        return T.enum_inst(ty, args)

    def hoist_types(self, body):
        """Declare every top-level struct and enum, then resolve their fields
        and payloads (types may refer to each other in any order)."""
        decls = []
        for stmt in body:
            if isinstance(stmt, (ast.StructDef, ast.EnumDef)):
                if stmt.name in self.type_names or stmt.name in T.BY_NAME \
                        or stmt.name == "any":
                    self.error(stmt, "type '%s' is already defined" % stmt.name)
                if isinstance(stmt, ast.StructDef):
                    ty = T.StructType(stmt.name, stmt)
                else:
                    ty = T.EnumType(stmt.name, stmt.type_params or (), stmt)
                self.type_names[stmt.name] = ty
                decls.append((stmt, ty))
        for stmt, ty in decls:
            if isinstance(stmt, ast.StructDef):
                for f in stmt.fields:
                    if f.name in ty.index:
                        self.error(f, "field '%s' is declared twice in struct %s"
                                   % (f.name, ty.name))
                    ty.add_field(f.name, self.resolve_type(f.type).base)
                continue
            params = stmt.type_params or []
            if len(set(params)) != len(params):
                self.error(stmt, "a type parameter of enum %s is declared twice" % ty.name)
            self.type_params = set(params)
            try:
                for v in stmt.variants:
                    if v.name in ty.by_name:
                        self.error(v, "variant '%s' is declared twice in enum %s"
                                   % (v.name, ty.name))
                    slots = []
                    ptypes = []
                    for _, texpr in v.payload:
                        if type(texpr) is ast.TypeName and texpr.name in params:
                            # `v: T`: a payload typed by a parameter (see Variant.params)
                            slots.append((len(ptypes), params.index(texpr.name)))
                        pt = self.resolve_type(texpr).base
                        if pt is ty:        # DATA §5 (an array of it is fine: a reference)
                            self.error(texpr, "enum %s cannot contain itself (variant %s)"
                                       % (ty.name, v.name))
                        ptypes.append(pt)
                    variant = ty.add_variant(v.name, ptypes, [n for n, _ in v.payload])
                    for j, k in slots:
                        variant.params[j] = k
            finally:
                self.type_params = None

    def hoist_methods(self, body):
        """Every method of every impl block (like top-level functions, methods
        are visible everywhere; DECISIONS data row 10: methods may call methods),
        (the struct defaults are checked later: ensure_defaults)."""
        for index, stmt in enumerate(body):
            if isinstance(stmt, ast.ImplDef):
                ty = self.find_type(stmt.name)
                if ty is None or ty.kind not in ("struct", "enum") \
                        or ty is RESULT:
                    self.error(stmt, "this is a `%s`, but `valid type` was expected: impl "
                               "needs a struct declared in this file" % stmt.name)
                for m in stmt.methods:
                    self.hoist_method(ty, m, index)

    def ensure_defaults(self, st):
        """Check the default values of struct `st` (DECISIONS D11.1), once: when
        its declaration is reached, or earlier at the first literal that needs
        them.  They are checked at the top level of the file (they may use the
        globals declared so far) and compiled into every literal that omits
        their field."""
        if st.defaults_ready or st.node is None:
            return
        st.defaults_ready = True
        saved = self.ctx
        self.ctx = _Ctx(self.out.main, self.module_scope)
        try:
            for i, f in enumerate(st.node.fields):
                if f.default is not None:
                    st.defaults[i] = self.expect(f.default, st.ftypes[i],
                                                 "default of field '%s'" % f.name)
        finally:
            self.ctx = saved

    def hoist_method(self, ty, node, index):
        methods = getattr(ty, "methods", None)
        if methods is None:
            methods = ty.methods = {}
        if node.name in methods:
            self.error(node, "method '%s' is already defined for %s" % (node.name, ty.name))
        params = node.params
        self.check_param_names(params)
        has_self = bool(params) and params[0].name == "self"
        ptypes = []
        for i, p in enumerate(params):
            if p.name == "self" and i > 0:
                self.error(p, "`self` must be the first parameter of a method")
            if i == 0 and has_self:
                if p.type is not None and self.resolve_type(p.type) is not ty:
                    self.error(p, "`self` is a %s here" % ty.name)
                ptypes.append(ty)
            else:
                ptypes.append(self.resolve_type(p.type) if p.type is not None else None)
        ret = self.resolve_type(node.ret, allow_void=True) if node.ret is not None else None
        decl = FnDecl(node, index, ptypes, ret)
        decl.name = "%s.%s" % (ty.name, node.name)
        decl.has_self = has_self
        node.info = decl
        methods[node.name] = decl
        if not decl.generic:
            decl.info = self.new_func(decl.name, node, None, ptypes, ret, node.body,
                                      self.module_scope, index)

    def top_level_only(self, s, what):
        ctx = self.ctx
        if not (ctx.func.is_main and ctx.scope is self.module_scope):
            self.error(s, "%s declarations are only allowed at the top level of a file" % what)

    def stmt_StructDef(self, s, tail):
        self.top_level_only(s, "struct")
        self.ensure_defaults(self.type_names[s.name])
        return s

    def stmt_EnumDef(self, s, tail):
        self.top_level_only(s, "enum")
        return s

    def stmt_ImplDef(self, s, tail):
        self.top_level_only(s, "impl")
        for m in s.methods:
            decl = m.info
            if not decl.generic and decl.info.state == "new":
                self.check_function(decl.info)
        return s

    def type_ref(self, e):
        """The struct/enum type a bare name stands for (`Point` in `Point.origin()`,
        `Shape` in `Shape.Circle(1.0)`) when no variable of that name is visible."""
        if type(e) is ast.Name and getattr(e, "sym", None) is None \
                and self.lookup(e.name, e) is None:
            return self.find_type(e.name)
        return None

    def variant_of(self, enum, name, node):
        v = enum.by_name.get(name)
        if v is None:
            self.error(node, "Undefined variable '%s': enum %s has no variant '%s'"
                       % (name, enum.name, name))
        return v

    def enum_value(self, node, variant, args):
        lit = EnumLit(variant, args, line=node.line, col=node.col)
        lit.ty = variant.enum
        return lit

    def construct_variant(self, e, v, hint=None):
        """`Enum.V(args)`; with an expected instance `Maybe[i32]` of a generic
        enum, payloads typed by a parameter are checked against its argument
        (then boxed as every such payload is; DECISIONS data row 18)."""
        inst = self.enum_instance(hint, v.enum)
        args = e.args
        n = len(v.payload)
        if len(args) != n:
            self.error(e, "Function '%s' expects %d argument%s but received %d argument%s"
                       % (v.name, n, "" if n == 1 else "s", len(args),
                          "" if len(args) == 1 else "s"))
        for i, (a, t) in enumerate(zip(args, v.payload)):
            what = "value %d of %s.%s" % (i + 1, v.enum.name, v.name)
            if inst is not None and v.params[i] is not None:
                args[i] = self.box(self.expect(a, inst.args[v.params[i]], what), what)
            else:
                args[i] = self.expect(a, t, what)
        lit = self.enum_value(e, v, args)
        if inst is not None:
            lit.ty = inst
        return lit

    @staticmethod
    def enum_instance(hint, enum):
        """The instance of generic `enum` that `hint` expects, or None."""
        if hint is None:
            return None
        hint = T.prune(hint)
        if hint.kind == "enum" and hint.args is not None and hint.erased is enum:
            return hint
        return None

    def expr_Member(self, e, hint):
        ty = self.type_ref(e.obj)
        if ty is not None:
            if ty.kind == "enum" and (e.name in ty.by_name or e.name not in
                                      getattr(ty, "methods", {})):
                v = self.variant_of(ty, e.name, e)
                if v.payload:
                    # DECISIONS D11.10: reported where it is written.
                    self.error(e, "variant %s.%s carries %d value%s: construct it with "
                               "%s.%s(...)" % (ty.name, v.name, len(v.payload),
                                               "" if len(v.payload) == 1 else "s",
                                               ty.name, v.name))
                lit = self.enum_value(e, v, [])
                lit.ty = self.enum_instance(hint, ty) or ty
                return lit
            self.error(e, "Undefined variable '%s': `%s.%s` names neither a value nor a "
                       "variant (call a method with %s.%s(...))"
                       % (e.name, ty.name, e.name, ty.name, e.name))
        obj = e.obj = self.rvalue(e.obj)
        return self.field_access(e, obj)

    def field_access(self, e, obj):
        """`obj.name` as a field of a struct value: sets Member.target to the
        field index and Member.ty to its type."""
        ty = obj.ty
        if ty.kind != "struct":
            self.error(e, "a value of type %s has no fields (`.%s`)" % (ty, e.name))
        i = ty.index.get(e.name)
        if i is None:
            if e.name in getattr(ty, "methods", {}):
                self.error(e, "'%s' is a method of %s: call it with (...)" % (e.name, ty.name))
            self.error(e, "Undefined variable '%s': struct %s has no field '%s'"
                       % (e.name, ty.name, e.name))
        e.target = i
        e.ty = ty.ftypes[i]
        return e

    def assign_field(self, s):
        """`obj.f = v` and `obj.f op= v` (through any binding, DATA §1, §4.3)."""
        s.decl = None
        t = s.target
        obj = t.obj = self.rvalue(t.obj)
        self.field_access(t, obj)
        what = "field '%s'" % t.name
        if s.op == "=":
            s.value = self.expect(s.value, t.ty, "value assigned to " + what)
        else:
            s.value = self.compound_value(s, T.resolve(t.ty), t, what)
        return s

    def member_call(self, e, callee, hint=None):
        """`Enum.Variant(...)`, `Type.method(...)`, `value.method(...)`; None
        when the callee is something else (a function stored in a field)."""
        ty = self.type_ref(callee.obj)
        if ty is not None:
            methods = getattr(ty, "methods", {})
            if ty.kind == "enum" and (callee.name in ty.by_name or callee.name not in methods):
                return self.construct_variant(e, self.variant_of(ty, callee.name, callee),
                                              hint)
            decl = methods.get(callee.name)
            if decl is None:
                self.error(callee, "Undefined variable '%s': %s has no method '%s'"
                           % (callee.name, ty.name, callee.name))
            if decl.has_self:
                n = len(decl.param_types) - 1
                self.error(e, "function '%s' expects %d argument%s but received %d: it takes "
                           "`self`, so call it on a value (`v.%s(...)`)"
                           % (decl.name, n, "" if n == 1 else "s", len(e.args), callee.name))
            return self.method_call(e, decl, None)
        obj = callee.obj = self.rvalue(callee.obj)
        ty = obj.ty
        decl = getattr(ty, "methods", {}).get(callee.name)
        if decl is not None:
            return self.method_call(e, decl, obj if decl.has_self else None)
        if ty.kind == "struct" and callee.name in ty.index:
            fv = self.field_access(callee, obj)
            if fv.ty.is_fn:
                return self.finish_call(e, fv.ty.params, fv.ty.ret, None, callee.name)
            self.error(e, "field '%s' of %s is not a function" % (callee.name, ty.name))
        if ty.kind in ("struct", "enum"):
            self.error(callee, "Undefined variable '%s': %s has no method '%s'"
                       % (callee.name, ty.name, callee.name))
        self.error(callee, "a value of type %s has no methods (`.%s(...)`)" % (ty, callee.name))

    def method_call(self, e, decl, receiver):
        """A call of method `decl`; `receiver` (checked) becomes the first
        argument of an instance method."""
        name = decl.name
        args = e.args
        n = len(decl.param_types) - (1 if receiver is not None else 0)
        if len(args) != n:
            self.arity_error(e, name, n)
        skip = [False] * len(args)
        if receiver is not None:
            args.insert(0, receiver)
            skip.insert(0, True)
        if not decl.generic:
            info = decl.info
            self.ensure_signature(info, e)
            return self.finish_call(e, info.param_hints, info.ret, info, name, skip=skip)
        key = []
        for i, (a, t) in enumerate(zip(args, decl.param_types)):
            if t is None:
                v = self.rvalue(a)
                self.check_value(v)
                args[i] = v
                skip[i] = True
                key.append(T.resolve(v.ty))     # `[]` may still be open (DATA §3.1)
        info = self.specialise(decl, tuple(key), e)
        return self.finish_call(e, info.param_hints, info.ret, info, name, skip=skip)

    def struct_of_literal(self, e):
        """The struct a literal `Name{...}` builds."""
        names = e.type_name
        ty = self.find_type(names[0]) if len(names) == 1 else None
        if ty is None:
            self.error(e, "unknown struct '%s'" % ".".join(names))
        if ty.kind != "struct":
            self.error(e, "'%s' is not a struct" % ty.name)
        return ty

    def expr_StructLit(self, e, hint):
        st = self.struct_of_literal(e)
        self.ensure_defaults(st)
        inits = []
        given = set()
        for fi in e.fields:
            i = st.index.get(fi.name)
            if i is None:
                self.error(fi, "Undefined variable '%s': struct %s has no field '%s'"
                           % (fi.name, st.name, fi.name))
            if i in given:
                self.error(fi, "field '%s' is given twice" % fi.name)
            given.add(i)
            inits.append((i, self.expect(fi.value, st.ftypes[i],
                                         "field '%s' of %s" % (fi.name, st.name))))
        missing = [name for i, name in enumerate(st.fields)
                   if i not in given and st.defaults[i] is None]
        if missing:
            self.error(e, "missing field%s %s in the %s literal (every field without a "
                       "default must be given)" % ("" if len(missing) == 1 else "s",
                                                  ", ".join("'%s'" % m for m in missing),
                                                  st.name))
        for i, d in enumerate(st.defaults):
            if i not in given:
                inits.append((i, d))
        node = StructNew(st, [v for _, v in inits], line=e.line, col=e.col)
        node.order = [i for i, _ in inits]
        node.ty = st
        return node

    def expr_StructNew(self, e, hint):
        return e                    # already checked (a receiver, say)

    expr_EnumLit = expr_StructNew

    # -- `any` values (Result.Ok payloads, generic payloads) ----------------------------------
    def box(self, e, what="value"):
        self.check_value(e)
        inner = T.resolve(e.ty)
        if not inner.hole_free:
            self.error(e, "%s: the element type of this empty array is not known yet "
                       "(annotate it first)" % what)
        if inner is T.DYN:
            return e
        node = Box(e, line=e.line, col=e.col)
        node.ty = T.DYN
        return node

    def unbox(self, e, ty, what="value"):
        ty = T.resolve(ty)
        if ty.is_void or not ty.hole_free or ty.is_hole:
            self.error(e, "%s: a value of type any needs a known type here" % what)
        node = Unbox(e, line=e.line, col=e.col)
        node.ty = ty.base
        return node

    def unbox_operands(self, a, b, hint, node):
        """An operand of type any next to another one takes that one's type (a
        literal's natural type, or the expected type when the literal fits it)."""
        a_dyn = not isinstance(a, PendingLit) and a.ty is T.DYN
        b_dyn = not isinstance(b, PendingLit) and b.ty is T.DYN
        if a_dyn and b_dyn:
            self.error(node, "both operands have type any: give one a type first with an "
                       "annotated declaration (`n: i32 = v`)")
        dyn, other = (a, b) if a_dyn else (b, a)
        if isinstance(other, PendingLit):
            ty = other.fixed or other.natural
            if hint is not None and hint.is_numeric and self.fits(other, hint) is not None:
                ty = hint
            other = self.finalize(other, ty, "operand")
        else:
            self.check_value(other)
            ty = other.ty
        dyn = self.unbox(dyn, ty, "operand")
        return (dyn, other) if a_dyn else (other, dyn)

    def expr_Box(self, e, hint):
        return e

    expr_Unbox = expr_Box

    # -- match (DATA §6; DECISIONS data rows 8, 9, 16, 17; D11.4, D11.6) -------------------------
    def pattern_enum(self, names, node):
        """The enum a variant pattern's qualifier names (`Shape` in `Shape.Circle(r)`),
        or None when it names something else."""
        if len(names) == 1 and self.lookup(names[0], node) is None:
            ty = self.find_type(names[0])
            if ty is not None and ty.kind == "enum":
                return ty
        return None

    def check_match(self, m, expression, hint=None, tail=False):
        """Check a match statement or expression; records a MatchPlan in
        Checked.matches and returns the arm values (expressions) or None."""
        ctx = self.ctx
        subj = m.subject = self.rvalue(m.subject)
        sty = T.resolve(subj.ty)
        if sty is T.DYN:
            self.error(subj, "cannot match on a value of type any: give it a type first with "
                       "an annotated declaration (`n: i32 = v`)")
        if sty.is_fn:
            self.error(subj, "cannot match on a function value")
        sym = Symbol("<match>", sty, False, "subject", ctx.func, None, m.line, m.col)
        enum = sty.erased if sty.kind == "enum" else None
        if tail and enum is None:
            # A final match is an implicit return only when some arm always runs
            # (DECISIONS core row 41).
            pats = [a.pattern for a in m.arms]
            bools = {p.expr.value for p in pats
                     if type(p) is ast.ValuePattern and type(p.expr) is ast.BoolLit}
            tail = any(type(p) is ast.WildcardPattern for p in pats) \
                or (sty.is_bool and len(bools) == 2)
        plan = MatchPlan(sym, enum)
        self.out.matches[id(m)] = plan
        self.out.keep.append(m)
        start = ctx.da
        ends = []
        values = []
        wildcard = None
        tags = set()
        seen = set()
        bools = set()
        for arm in m.arms:
            pat = arm.pattern
            if wildcard is not None:
                # DECISIONS data row 8: arms are tried in order; nothing follows `_`.
                self.error(arm, "this arm can never run: the `_` arm on line %d matches "
                           "everything before it" % wildcard.line)
            variant = None
            if type(pat) is ast.VariantPattern:
                penum = self.pattern_enum(pat.enum_name, pat)
                if penum is not None:
                    variant = self.variant_of(penum, pat.variant, arm)
                    if enum is not penum:
                        self.error(arm, "the pattern %s.%s is a %s variant, but the subject "
                                   "is %s" % (penum.name, pat.variant, penum.name, sty))
                elif pat.bindings is None:
                    expr = ast.Name(pat.enum_name[0], line=pat.line, col=pat.col)
                    for part in pat.enum_name[1:] + [pat.variant]:
                        expr = ast.Member(expr, part, line=pat.line, col=pat.col)
                    pat = arm.pattern = ast.ValuePattern(expr, line=pat.line, col=pat.col)
                else:
                    self.error(arm, "'%s' is not an enum" % ".".join(pat.enum_name))
            scope = Scope("arm", ctx.scope, ctx.func)
            if type(pat) is ast.WildcardPattern:
                ap = ArmPlan("wildcard", arm)
                wildcard = arm
            elif variant is not None:
                ap = ArmPlan("variant", arm)
                ap.tag = variant.tag
                if variant.tag in tags:
                    self.error(arm, "%s.%s arm appears more than once"
                               % (enum.name, variant.name))
                tags.add(variant.tag)
                binds = pat.bindings
                if binds is not None:
                    n = len(variant.payload)
                    if len(binds) != n:
                        self.error(arm, "this is a `%d binding%s`, but `%d field%s` was "
                                   "expected: %s.%s carries %d value%s"
                                   % (len(binds), "" if len(binds) == 1 else "s", n,
                                      "" if n == 1 else "s", enum.name, variant.name, n,
                                      "" if n == 1 else "s"))
                    for i, name in enumerate(binds):
                        if name == "_":
                            continue
                        if name in scope.names:
                            self.error(arm, "'%s' is bound twice in this pattern" % name)
                        # a payload typed by a parameter has the argument's type when
                        # the subject's is known (DECISIONS data row 18; the compiler
                        # unboxes it), else any
                        pt = sty.payload_type(variant, i) if sty.args is not None \
                            else variant.payload[i]
                        b = Symbol(name, pt, False, "var", ctx.func, scope,
                                   arm.line, arm.col)
                        scope.add(b)
                        ap.bindings.append((i, b))
            else:
                if enum is not None:
                    self.error(arm, "a pattern on an enum is a variant (`%s.V` or `%s.V(x, _)`) "
                               "or `_`; to test a payload value, bind it and compare in the arm"
                               % (enum.name, enum.name))
                ap = ArmPlan("value", arm)
                ref = ast.Name("<match>", line=pat.line, col=pat.col)
                ref.sym = sym
                ref.ty = sty
                cond = self.compare(ast.Binary("==", ref, pat.expr, line=pat.line, col=pat.col))
                ap.cond = cond
                value = const_value(cond.right)
                if value is not _UNKNOWN:
                    key = (type(value), value)
                    if key in seen:
                        shown = value if not isinstance(value, bytes) else \
                            '"%s"' % value.decode("utf-8", "replace")
                        if isinstance(value, bool):
                            shown = "true" if value else "false"
                        self.error(arm, "Literal pattern %s appears more than once" % shown)
                    seen.add(key)
                    if isinstance(value, bool):
                        bools.add(value)
            ap.scope = scope
            plan.arms.append(ap)
            # The arm: a scope of its own (DECISIONS data row 17) holding the bindings.
            saved = ctx.scope
            ctx.scope = scope
            ctx.branch_depth += 1
            ctx.da = None if start is None else set(start)
            try:
                if expression:
                    values.append(self.match_arm_value(arm.body, hint))
                else:
                    self.out.scopes[id(arm.body)] = scope
                    self.out.keep.append(arm.body)
                    self.block(arm.body, tail)
                    ends.append(ctx.da)
            finally:
                ctx.branch_depth -= 1
                ctx.scope = saved
            ap.body = arm.body
        if enum is not None:
            missing = [v.name for v in enum.variants if v.tag not in tags]
            if missing and wildcard is None:
                self.error(m, "Match on %s is missing variant%s: %s"
                           % (enum.name, "" if len(missing) == 1 else "s", ", ".join(missing)))
            plan.exhaustive = True
        else:
            plan.exhaustive = wildcard is not None or (sty.is_bool and len(bools) == 2)
            if expression and not plan.exhaustive:
                # DECISIONS data row 9.
                self.error(m, "a match expression on %s must have a `_` arm%s" % (
                    sty, " (or both `true` and `false`)" if sty.is_bool else ""))
        if expression:
            ctx.da = start
            blocked = [v for v in values if isinstance(v, _NeedRet)]
            if blocked:                 # probing: arms that need the return type
                known = [v for v in values if not isinstance(v, _NeedRet)]
                if not known:
                    raise blocked[0]
                values = [known[0] if isinstance(v, _NeedRet) else v for v in values]
            return values
        if not plan.exhaustive:
            ends.append(start)
        ctx.da = _intersect(ends)
        return None

    def stmt_MatchStmt(self, s, tail):
        self.check_match(s, False, tail=tail)
        return s

    def match_arm_value(self, body, hint):
        """The value of a match expression's arm (while probing the return type,
        the _NeedRet of an arm that needs it: another arm takes its place)."""
        try:
            return self.expr(body, hint)
        except _NeedRet as ex:
            if ex.info is not self.ctx.func or not ex.info.probing:
                raise
            return ex

    def expr_MatchExpr(self, e, hint):
        values = self.check_match(e, True, hint)
        if hint is not None:
            hint = T.prune(hint)
            if hint.is_hole or hint is T.DYN or hint.is_void:
                hint = None
        pending = [v for v in values if isinstance(v, PendingLit)]
        typed = [v for v in values if not isinstance(v, PendingLit) and v.ty is not T.DYN]
        if typed:
            ty = T.resolve(typed[0].ty)
        elif hint is not None and all(self.fits(v, hint) is not None for v in pending):
            ty = hint.base
        elif len(pending) < len(values):
            ty = T.DYN                  # only `any` values (and literals, boxed)
        else:
            acc = pending[0]
            ty = acc.fixed or acc.natural
            for v in pending[1:]:
                ty = self.common_literal_type(acc, v, e)
                acc = PendingLit(0, "float" if ty.is_float else "int", acc.fixed or v.fixed,
                                 ty)
        plan = self.out.matches[id(e)]
        for i, v in enumerate(values):
            if isinstance(v, PendingLit):
                v = self.finalize(v, ty, "match arm")
            else:
                self.check_value(v)
                if v.ty is T.DYN and ty is not T.DYN:
                    v = self.unbox(v, ty, "match arm")
                elif ty is T.DYN and v.ty is not T.DYN:
                    v = self.box(v, "match arm")
                elif v.ty is not ty and not (v.ty.is_array and self.unify(v.ty, ty)) \
                        and not T.same_enum(v.ty, ty):
                    self.error(v, "the arms of a match expression have different types: "
                               "%s and %s" % (ty, v.ty))
            e.arms[i].body = v
            plan.arms[i].body = v
        e.ty = T.resolve(ty)
        return e

    # -- try / catch (DATA §7; DECISIONS data rows 11, 17, 32; D11.3) ------------------------------
    def stmt_Try(self, s, tail):
        ctx = self.ctx
        start = ctx.da
        ctx.branch_depth += 1          # implicit declarations inside are mutable (row 32)
        try:
            self.in_block(s.body, "try")
            body_end = ctx.da
            ctx.da = None if start is None else set(start)
            scope = Scope("catch", ctx.scope, ctx.func)
            self.out.scopes[id(s.handler)] = scope
            self.out.keep.append(s.handler)
            if s.err_name is not None:
                scope.add(Symbol(s.err_name, T.ERROR, False, "var", ctx.func, scope,
                                 s.line, s.col))
            saved = ctx.scope
            ctx.scope = scope
            try:
                self.block(s.handler)
            finally:
                ctx.scope = saved
            ctx.da = _intersect([body_end, ctx.da])
        finally:
            ctx.branch_depth -= 1
        return s

def check(module, filename="<input>") -> Checked:
    """Type-check a parsed module (raises CompileError)."""
    return Checker(filename).check_module(module)
