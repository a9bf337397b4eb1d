"""Checker rules for statements: blocks, variables and assignment, if,
loops, break/continue, return."""

from __future__ import annotations

import copy
from orus.frontend import ast
from orus.frontend import types as T
from orus.frontend.checker.model import (ChainValue, PendingLit, Scope, Symbol, _BITWISE,
                                         _CONST_NAME, _LITERALS, _Loop, _NamePos, _NeedRet,
                                         _SHIFTS, _While, _intersect, const_value)


class StatementRules:

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
