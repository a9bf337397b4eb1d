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

BUILTINS = ("typeof",)

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
        scope = self.module_scope = Scope("module", None, main)
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
        info.param_types = tuple(ptypes)
        info.ret = ret
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
                value = self.expect(s.expr, info.ret, "return value")
            else:
                value = self.rvalue(s.expr, allow_void=True)
                if value.ty.is_void:
                    s.expr = value
                    return s
                info.ret = value.ty
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
            ty = self.resolve_type(s.type)
            s.value = self.expect(s.value, ty, "initializer of '%s'" % s.name)
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
            op = s.op[0]
            value = self.expr(s.value)
            if isinstance(value, PendingLit):
                value = self.adapt_operand(value, sym.ty, target, op)
            result = self.arith_type(op, sym.ty, value.ty, s)
            if result is not sym.ty:
                self.error(s, "`%s` of %s and %s cannot be stored back in '%s' (%s)"
                           % (s.op, sym.ty, value.ty, sym.name, sym.ty))
            s.value = value
        if sym.da_tracked and ctx.da is not None and sym.func is ctx.func:
            ctx.da.add(sym)
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
                info.ret = v.ty
                s.value = v
            elif info.ret.is_void:
                if info.ret_declared:
                    self.error(s, "function '%s' returns no value (void), but this "
                               "`return` has one" % info.name)
                self.error(s, "function '%s' returns a value here but not elsewhere"
                           % info.name)
            else:
                s.value = self.expect(s.value, info.ret, "return value")
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
            params = [self.resolve_type(p) for p in t.params]
            ret = self.resolve_type(t.ret, allow_void=True) if t.ret is not None else T.VOID
            return T.fn_type(params, ret)
        self.error(t, "type %s is not supported yet" % type(t).__name__)

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
        """`e` (checked) as a value of exactly type `ty`."""
        if isinstance(e, PendingLit):
            node = self.try_adapt(e, ty)
            if node is None:
                same_kind = e.kind == ("float" if ty.is_float else "int")
                if ty.is_numeric and same_kind and (e.fixed is None or e.fixed is ty):
                    self.error(e, "%s: the value %s does not fit %s" % (what, e.value, ty))
                self.error(e, "%s: expected %s, found %s" % (what, ty, e.fixed or e.natural))
            return node
        if e.ty is not ty:
            self.error(e, "%s: expected %s, found %s" % (what, ty, e.ty))
        return e

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
            e.ty = sym.ty
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
        a = self.expr(e.left, hint)
        b = self.expr(e.right, hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if pa and pb:
            return self.fold(op, a, b, e)
        if pa:
            a = self.adapt_operand(a, b.ty, e, op)
        elif pb:
            b = self.adapt_operand(b, a.ty, e, op)
        e.left, e.right = a, b
        e.ty = self.arith_type(op, a.ty, b.ty, e)
        return e

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
            self.error(node, "`%s` is not defined for %s and %s" % (op, ta, tb))
        if ta is not tb:
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
        else:
            self.error(e, "cannot compare %s with %s" % (ta, tb))
        e.ty = T.BOOL
        return e

    def expr_Cast(self, e, hint):
        v = self.rvalue(e.expr)
        target = self.resolve_type(e.target)
        src = v.ty
        e.expr = v
        e.ty = target
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
        if a.ty is not b.ty:
            self.error(e, "the branches of a conditional expression have different types: "
                       "%s and %s" % (a.ty, b.ty))
        if a.ty.is_void:
            self.error(e, "this expression has no value (the function returns void)")
        e.then, e.other = a, b
        e.ty = a.ty
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
                    return self.finish_call(e, info.param_types, info.ret, info, callee.name)
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
            return self.finish_call(e, info.param_types, info.ret, info, decl.name)
        key = []
        for i, (a, t) in enumerate(zip(args, decl.param_types)):
            if t is None:
                v = self.rvalue(a)
                args[i] = v
                key.append(v.ty)
        info = self.specialise(decl, tuple(key), e)
        e.callee.ty = info.fn_type()
        return self.finish_call(e, info.param_types, info.ret, info, decl.name,
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

    def builtin_call(self, e, name):
        e.target = name
        if name == "typeof":
            if len(e.args) != 1:
                self.error(e, "typeof expects 1 argument but received %d" % len(e.args))
            e.args[0] = self.rvalue(e.args[0])
            e.ty = T.STRING
            return e
        self.error(e, "unknown builtin '%s'" % name)


def check(module, filename="<input>") -> Checked:
    """Type-check a parsed module (raises CompileError)."""
    return Checker(filename).check_module(module)
