"""Data and helpers of orus.frontend.checker (split out of the Checker class's module)."""

from __future__ import annotations

import math
import operator
import re

from orus.frontend import ast
from orus.frontend import types as T

# DATA §9 (print is a statement and timestamp() a parser intrinsic), and our
# ord(string) -> i32 / chr(i32) -> string (one byte).
BUILTINS = ("typeof", "len", "push", "pop", "sorted", "range", "input", "int", "float",
            "istype", "assert_eq", "ord", "chr", "abs", "min", "max", "clamp",
            "__math1", "__math2", "__rng_seed", "__rng_random", "__rng_uniform",
            "__rng_integers", "__rng_normal", "__rng_shuffle", "__rng_choice", "__str1", "__str2",
            "__str3")
_BUILTIN_ARITY = {"typeof": (1, 1), "len": (1, 1), "push": (2, 2), "pop": (1, 1),
                  "sorted": (1, 2), "range": (1, 3), "input": (0, 1), "int": (1, 1),
                  "float": (1, 1), "istype": (2, 2), "assert_eq": (3, 3), "ord": (1, 1),
                  "chr": (1, 1), "abs": (1, 1), "min": (2, 2), "max": (2, 2),
                  "clamp": (3, 3), "__math1": (2, 2), "__math2": (3, 3),
                  "__rng_seed": (1, 1), "__rng_random": (0, 0), "__rng_uniform": (2, 2),
                  "__rng_integers": (2, 2), "__rng_normal": (2, 2), "__rng_shuffle": (1, 1),
                  "__rng_choice": (1, 1), "__str1": (2, 2), "__str2": (3, 3),
                  "__str3": (4, 4)}

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
