"""The Orus type checker: scopes, symbols, types, and every compile-time check.

Input: an ``ast.Module`` from the parser.  Output: a ``Checked`` record whose
``funcs`` list holds one ``FuncInfo`` per function to compile (index 0 is the
top level, "main"), with the AST annotated in place:

* every expression's ``ty`` (an ``orus.types.Type``);
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

The checker knows nothing about opcodes or registers; ``orus.compiler`` reads
the annotations and chooses instructions.
"""

from __future__ import annotations

import copy
import math
import re

from . import ast
from . import types as T
from .errors import CompileError

# DATA §9 (print is a statement and timestamp() a parser intrinsic).
BUILTINS = ("typeof", "len", "push", "pop", "sorted", "range", "input", "int", "float",
            "istype", "assert_eq")
_BUILTIN_ARITY = {"typeof": (1, 1), "len": (1, 1), "push": (2, 2), "pop": (1, 1),
                  "sorted": (1, 1), "range": (1, 3), "input": (0, 1), "int": (1, 1),
                  "float": (1, 1), "istype": (2, 2), "assert_eq": (3, 3)}

_CONST_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_ARITH = ("+", "-", "*", "/", "%")
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

    @property
    def main(self):
        return self.funcs[0]


class PendingLit(ast.Expr):
    """A literal-only expression whose final type is not decided yet (checker-internal).

    kind "int" or "float"; `fixed` is the type a suffix imposed (or None);
    `natural` the type it gets when nothing else decides it."""

    __slots__ = ("value", "kind", "fixed", "natural")
    _fields = ("value", "kind", "fixed", "natural")


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

    __slots__ = ("func", "scope", "loops", "whiles", "da", "branch_depth", "loop_depth")

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


def _intersect(states):
    live = [s for s in states if s is not None]
    if not live:
        return None
    out = set(live[0])
    for s in live[1:]:
        out &= s
    return out


def _int_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


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
        self.imports = None         # Scope of kind "imports" (orus.modules), parent of the module scope

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
        # Hoist every top-level function (DECISIONS core row 13).
        for index, stmt in enumerate(module.body):
            if isinstance(stmt, ast.FnDef):
                self.hoist(stmt, index)
        for index, stmt in enumerate(module.body):
            self.top_index = index
            module.body[index] = self.stmt(stmt, False)
        main.state = "done"
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
        saved = self.ctx
        self.ctx = _Ctx(info, info.scope)
        info.state = "checking"
        try:
            self.block(info.body, tail=True)
            if self.ctx.da is not None:          # the end is reachable
                if info.ret is None:
                    info.ret = T.VOID
                elif not info.ret.is_void:
                    self.error(info.node, "missing return: function '%s' must return a value "
                               "of type %s on every path" % (info.name, info.ret))
            elif info.ret is None:
                info.ret = T.VOID
        finally:
            self.ctx = saved
        info.state = "done"

    def ensure_signature(self, info, node):
        """Make sure `info.ret` is known (inferring it by checking the body now)."""
        if info.ret is not None:
            return
        if info.state == "new":
            self.check_function(info)
            return
        self.error(node, "cannot infer the return type of '%s' here (it is still being "
                   "checked); declare it with `-> TYPE`" % info.name)

    def specialise(self, decl, key, node):
        owner = getattr(decl, "owner", None)
        if owner is not None and owner is not self:     # imported: specialise in its own file
            return owner.specialise(decl, key, node)
        info = decl.specs.get(key)
        if info is None:
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
            decl.specs[key] = info
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
        return False

    def stmt(self, s, tail):
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            self.error(s, "%s is not supported yet" % type(s).__name__)
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
            if info.ret is not None:
                value = self.expect(s.expr, self.ret_expected(info), "return value")
            else:
                value = self.rvalue(s.expr, allow_void=True)
                if value.ty.is_void:
                    s.expr = value
                    return s
                info.ret = self.inferred_type(value, "return type of '%s'" % info.name)
            self.ctx.da = None
            ret = ast.Return(value, line=s.line, col=s.col)
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

    def compound_value(self, s, ty, target, what):
        """The checked right side of `target op= value` (target of type `ty`)."""
        op = s.op[0]
        value = self.expr(s.value)
        if ty.is_array:
            if op != "*":
                self.error(s, "`%s` is not defined for arrays (`*=` with an integer count is "
                           "the only compound assignment on arrays)" % s.op)
            return self.repeat_count(value)
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
        v = self.rvalue(e)
        if not v.ty.is_bool:
            self.error(v, "condition must be bool, found %s (write an explicit comparison)"
                       % v.ty)
        return v

    def stmt_While(self, s, tail):
        ctx = self.ctx
        s.cond = self.condition(s.cond)
        infinite = const_value(s.cond) is True
        start = ctx.da
        loop = _Loop(s.label, s, infinite)
        w = _While(ctx.scope)
        ctx.loops.append(loop)
        ctx.whiles.append(w)
        ctx.loop_depth += 1
        ctx.da = None if start is None else set(start)
        try:
            self.block(s.body)
        finally:
            ctx.loop_depth -= 1
            ctx.loops.pop()
            ctx.whiles.pop()
        if w.decls:
            self.out.while_decls[id(s)] = w.decls
            self.out.keep.append(s)
        ctx.da = _intersect(loop.breaks) if infinite else start
        return s

    def stmt_For(self, s, tail):
        ctx = self.ctx
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
        ctx.loops.append(loop)
        ctx.loop_depth += 1
        ctx.da = None if start_da is None else set(start_da)
        try:
            self.block(s.body)
        finally:
            ctx.loop_depth -= 1
            ctx.loops.pop()
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
                v = self.rvalue(s.value)
                info.ret = self.inferred_type(v, "return type of '%s'" % info.name)
                s.value = v
            elif info.ret.is_void:
                if info.ret_declared:
                    self.error(s, "function '%s' returns no value (void), but this "
                               "`return` has one" % info.name)
                self.error(s, "function '%s' returns a value here but not elsewhere"
                           % info.name)
            else:
                s.value = self.expect(s.value, self.ret_expected(info), "return value")
        else:
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
            if ty is None or (ty.is_void and not allow_void):
                self.error(t, "unknown type '%s'" % name)
            return ty
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
            if op in ("/", "%") and y == 0.0:
                self.error(node, "division by zero in a constant expression")
            if op == "+":
                v = x + y
            elif op == "-":
                v = x - y
            elif op == "*":
                v = x * y
            elif op == "/":
                v = x / y
            else:
                v = math.fmod(x, y)
            natural = T.F64
        else:
            if op in ("/", "%") and y == 0:
                self.error(node, "division by zero in a constant expression")
            if op == "+":
                v = x + y
            elif op == "-":
                v = x - y
            elif op == "*":
                v = x * y
            elif op == "/":
                v = _int_div(x, y)
            else:
                v = x - _int_div(x, y) * y
            natural = T.I64 if T.I64 in (a.natural, b.natural) else T.I32
        return PendingLit(v, kind, fixed, fixed or natural, line=node.line, col=node.col)

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
        return a.base is b.base

    def check_value(self, v):
        if v.ty.is_void:
            self.error(v, "this expression has no value (the function returns void)")

    def inferred_type(self, v, what):
        """The type of `v` as the inferred type of something that needs a
        complete type (a return type, a generic argument)."""
        ty = T.resolve(v.ty)
        if not ty.hole_free:
            self.error(v, "cannot infer the %s: the element type of this empty array is "
                       "not known yet (annotate it, e.g. `xs: [i32] = []`)" % what)
        return ty

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
        # not
        v = self.rvalue(e.operand)
        if not v.ty.is_bool:
            self.error(e, "`not` needs a bool, found %s (write an explicit comparison)" % v.ty)
        e.operand = v
        e.ty = T.BOOL
        return e

    def expr_Binary(self, e, hint):
        op = e.op
        if op in _ARITH:
            return self.arith(e, hint)
        if op in _COMPARE:
            return self.compare(e)
        # and / or (DECISIONS core rows 1, 18)
        for side in ("left", "right"):
            v = self.rvalue(getattr(e, side))
            if not v.ty.is_bool:
                self.error(v if side == "right" else e, "`%s` needs bool operands, found %s"
                           % (op, v.ty))
            setattr(e, side, v)
        e.ty = T.BOOL
        return e

    def arith(self, e, hint):
        op = e.op
        if hint is not None and hint.is_array:
            hint = hint.base            # `[T, N]` describes the result, not the operands
        a = self.expr(e.left, hint)
        b = self.expr(e.right, hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
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
        a = self.expr(e.left)
        b = self.expr(e.right)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
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
        if src is target:
            return e
        if target.is_string:
            if src.is_scalar:
                return e
        elif src.is_string:
            self.error(e, "cannot cast string to %s" % target)
        elif (src.is_numeric or src.is_bool) and (target.is_numeric or target.is_bool):
            return e
        self.error(e, "cannot cast %s to %s" % (src, target))

    def expr_Ternary(self, e, hint):
        e.cond = self.condition(e.cond)
        a = self.expr(e.then, hint)
        b = self.expr(e.other, hint)
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
        if a.ty is not b.ty and not (a.ty.is_array and self.unify(a.ty, b.ty)):
            self.error(e, "the branches of a conditional expression have different types: "
                       "%s and %s" % (a.ty, b.ty))
        if a.ty.is_void:
            self.error(e, "this expression has no value (the function returns void)")
        e.then, e.other = a, b
        e.ty = T.resolve(a.ty)
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
                key.append(self.inferred_type(v, "type of argument %d of '%s'"
                                              % (i + 1, decl.name)))
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

    def builtin_int(self, e, args):
        v = args[0] = self.rvalue(args[0])
        if not (v.ty.is_numeric or v.ty.is_string):
            self.error(e, "int() needs a string or a number, found %s" % v.ty)
        e.ty = T.I32
        return e

    def builtin_float(self, e, args):
        v = args[0] = self.rvalue(args[0])
        if not (v.ty.is_numeric or v.ty.is_string):
            self.error(e, "float() needs a string or a number, found %s" % v.ty)
        e.ty = T.F64
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
        for v in (a, b):
            self.check_value(v)
        if a.ty.is_array and b.ty.is_array:
            self.unify(a.ty, b.ty)
        args[1], args[2] = a, b
        e.ty = T.BOOL
        return e


def check(module, filename="<input>") -> Checked:
    """Type-check a parsed module (raises CompileError)."""
    return Checker(filename).check_module(module)
