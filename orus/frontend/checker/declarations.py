"""Checker rules for declarations: functions (hoisting, signatures,
specialisation of untyped parameters, nested functions and captures), names and
scopes, type annotations."""

from __future__ import annotations

import copy
import os
from orus.frontend import ast
from orus.frontend import types as T
from orus.errors import CompileError
from orus.frontend.checker.explain import default_text
from orus.frontend.checker.model import (FnDecl, FuncInfo, Scope, Symbol, _NeedRet, _clone,
                                         _returns_value)


class DeclarationRules:

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
            try:
                return owner.specialise(decl, key, node)
            except CompileError as err:
                if not _in_std(err.filename):
                    raise
                # a generic function of the standard library (random.shuffle(5)):
                # the misuse is the caller's, so is the error's place
                self.error(node, err.message)
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
        self.explain_try_scoped(node, what)
        self.error(node, "undefined %s '%s'" % (what, node.name))

    def explain_try_scoped(self, node, what):
        """If `node` names a variable declared in an earlier `try` or `catch`
        body of an enclosing scope (DECISIONS data row 17: those bodies are
        scopes), say so and suggest declaring it before the `try`."""
        outer = set()
        scope = self.ctx.scope
        while scope is not None:
            outer.add(id(scope))
            scope = scope.parent
        for sym, part, s, parent in reversed(self.try_scoped.get(node.name, ())):
            if id(parent) not in outer or (node.line, node.col) <= (s.line, s.col):
                continue
            if part == "catch" and sym.line == s.line and sym.col == s.col:
                self.error(node, "undefined %s '%s' (the catch variable of the `try` on line "
                           "%d exists only inside its `catch` body)" % (what, node.name, s.line))
            init = default_text(sym.ty)
            decl = "mut %s = %s" % (node.name, init) if init is not None else \
                "mut %s: T = ..." % node.name
            self.error(node, "undefined %s '%s' (the '%s' of line %d belongs to a `%s` body, "
                       "and `try` and `catch` bodies are scopes: declare it before the `try` "
                       "of line %d, e.g. `%s`, and assign it inside)"
                       % (what, node.name, node.name, sym.line, part, s.line, decl))

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

    @staticmethod
    def ret_expected(info):
        return info.ret_hint if info.ret_hint is not None else info.ret

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


_STD_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))), "std")


def _in_std(filename) -> bool:
    """Is `filename` a module of the standard library (orus/std)?"""
    try:
        return os.path.dirname(os.path.realpath(filename)) == _STD_DIR
    except (TypeError, ValueError):
        return False
