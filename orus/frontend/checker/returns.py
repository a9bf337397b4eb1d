"""Checker: the return type of a function without `-> T`, inferred from its
whole body -- recursive calls are typed from the other returns (a probing
pass that leaves out what needs the type), literal returns adapt to the
non-literal ones (DECISIONS core rows 41, 42)."""

from __future__ import annotations

from orus.frontend import types as T
from orus.errors import CompileError
from orus.frontend.checker.model import (PendingLit, Scope, Symbol, _Ctx, _NeedRet, _clone,
                                         _returns_value)


class ReturnInference:

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
