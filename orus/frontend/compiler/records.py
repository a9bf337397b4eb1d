"""Compiler: structs, enums, fields, `any` boxes, match and try/catch."""

from __future__ import annotations

from orus.bytecode import hostcall_table as H
from orus.bytecode import opcodes as O
from orus.frontend import types as T
from orus.bytecode.program import TY_DYN, TY_ENUM, TY_ERROR, TY_FIELD, TY_STRUCT, TY_VARIANT
from orus.frontend.checker import EnumLit


class RecordCode:
    # -- records: structs, enums, errors, `any` boxes (DATA §4, §5, §7) ------------------------
    @staticmethod
    def handle_mask(cats):
        """REC_NEW's handle mask for fields of these register categories (bit i:
        field i may hold a handle; bit 31: every field from 31 on is scanned)."""
        mask = 0
        for i, c in enumerate(cats):
            if c == T.CAT_HANDLE:
                mask |= 1 << min(i, 31)
        return mask - (1 << 32) if mask >= 1 << 31 else mask     # stored as int32

    def record_type_id(self, ty):
        """Type rows of a struct (its row, then a TY_FIELD row per field), an
        enum (its row, then per variant a TY_VARIANT row and its payload's
        TY_FIELD rows), the error object or a boxed `any` value."""
        b = self.b
        if ty is T.ERROR:
            tid = self._tids[ty] = b.type_id(TY_ERROR)
            return tid
        if ty is T.DYN:
            tid = self._tids[ty] = b.type_id(TY_DYN, 2, 1)
            return tid
        if ty.kind == "struct":
            n = len(ty.fields)
            tid = self._tids[ty] = b.type_block(1 + n)
            b.set_type(tid, TY_STRUCT, n, self.handle_mask([t.category for t in ty.ftypes]),
                       b.const_str(ty.name))
            for i, (name, ft) in enumerate(zip(ty.fields, ty.ftypes)):
                b.set_type(tid + 1 + i, TY_FIELD, self.type_id(ft), 0, b.const_str(name))
            return tid
        variants = ty.variants
        tid = self._tids[ty] = b.type_block(1 + sum(1 + len(v.payload) for v in variants))
        b.set_type(tid, TY_ENUM, len(variants), 0, b.const_str(ty.name))
        row = tid + 1
        for v in variants:
            cats = [T.CAT_INT] + [p.category for p in v.payload]
            b.set_type(row, TY_VARIANT, len(cats), self.handle_mask(cats), b.const_str(v.name))
            self._variant_rows[v] = row
            for j, (p, pname) in enumerate(zip(v.payload, v.names)):
                b.set_type(row + 1 + j, TY_FIELD, self.type_id(p), 0,
                           b.const_str(pname) if pname else -1)
            row += 1 + len(v.payload)
        return tid

    def variant_row(self, v):
        """The TY_VARIANT row REC_NEW uses to build a value of variant `v`."""
        row = self._variant_rows.get(v)
        if row is None:
            self.type_id(v.enum)
            row = self._variant_rows[v]
        return row

    def expr_StructNew(self, e, dst):
        st = e.struct
        mark = self.free
        blk = self.alloc_block([t.category for t in st.ftypes]) if st.fields else 0
        for i, v in zip(e.order, e.values):
            self.exp_to(v, blk + i)
        self.free = mark
        self.emit(O.REC_NEW, dst, blk, self.type_id(st), e)

    def expr_EnumLit(self, e, dst):
        v = e.variant
        mark = self.free
        blk = self.alloc_block([T.CAT_INT] + [p.category for p in v.payload])
        self.emit(O.LOADI, blk, v.tag, 0, e)
        for j, a in enumerate(e.args):
            self.exp_to(a, blk + 1 + j)
        self.free = mark
        self.emit(O.REC_NEW, dst, blk, self.variant_row(v), e)

    def tag_equal(self, e, dst):
        """`v == E.Unit` (or any `==` on an enum without payloads) compares tags
        inline instead of calling the host; False when it does not apply."""
        ty = e.left.ty
        if ty.kind != "enum":
            return False
        left, right = e.left, e.right
        unit_l = type(left) is EnumLit and not left.args
        unit_r = type(right) is EnumLit and not right.args
        eq = O.EQ_I if e.op == "==" else O.NE_I
        if unit_l and unit_r:
            same = left.variant is right.variant
            self.emit(O.LOADI, dst, int(same == (e.op == "==")), 0, e)
            return True
        mark = self.free
        if unit_l or unit_r:
            value, unit = (right, left) if unit_l else (left, right)
            rv = self.exp_to_reg(value)
            blk = self.alloc_block([T.CAT_INT, T.CAT_INT])
            self.emit(O.REC_GET, blk, rv, 0, e)
            self.emit(O.LOADI, blk + 1, unit.variant.tag, 0, e)
        elif not any(v.payload for v in ty.variants):
            rl = self.exp_to_reg(left)
            rr = self.exp_to_reg(right)
            blk = self.alloc_block([T.CAT_INT, T.CAT_INT])
            self.emit(O.REC_GET, blk, rl, 0, e)
            self.emit(O.REC_GET, blk + 1, rr, 0, e)
        else:
            return False
        self.free = mark
        self.emit(eq, dst, blk, blk + 1, e)
        return True

    def expr_Member(self, e, dst):
        r = self.operand(e.obj)
        self.emit(O.REC_GET, dst, r, e.target, e)

    def assign_field(self, s):
        """`obj.f = v`, `obj.f op= v` (obj evaluated once)."""
        t = s.target
        mark = self.free
        ro = self.exp_to_reg(t.obj)
        if s.op == "=":
            rv = self.exp_to_reg(s.value)
        else:
            rv = self.alloc(t.ty.category)
            self.emit(O.REC_GET, rv, ro, t.target, t)
            rc = self.exp_to_reg(s.value)
            self.emit(self.arith_op(T.resolve(t.ty), s.op[:-1]), rv, rv, rc, s)
        self.emit(O.REC_SET, ro, t.target, rv, s)
        self.free = mark

    def expr_Box(self, e, dst):
        inner = e.expr
        ity = T.resolve(inner.ty, T.I32)
        mark = self.free
        blk = self.alloc_block([ity.category, T.CAT_INT])
        self.exp_to(inner, blk)
        self.emit(O.LOADI, blk + 1, self.type_id(ity), 0, e)
        self.free = mark
        box = self.b.type_id(TY_DYN, 2, 1 if ity.category == T.CAT_HANDLE else 0)
        self.emit(O.REC_NEW, dst, blk, box, e)

    def expr_Unbox(self, e, dst):
        """An `any` value used as type e.ty: its boxed type must be e.ty (else
        the host raises the type error)."""
        mark = self.free
        r = self.exp_to_reg(e.expr)
        self.unbox_reg(r, e.ty, dst, e)
        self.free = mark

    def unbox_reg(self, r, ty, dst, node):
        """dst := the value boxed in R[r], which must have type `ty`."""
        mark = self.free
        blk = self.alloc_block([T.CAT_HANDLE, T.CAT_INT])
        tid = self.type_id(ty)
        self.emit(O.REC_GET, blk + 1, r, 1, node)
        ok = self.emit(O.JNNEI_I, blk + 1, tid, 0, node)
        if r != blk:
            self.emit(O.MOVE, blk, r, 0, node)
        self.emit(O.LOADI, blk + 1, tid, 0, node)
        self.emit(O.HOSTCALL, blk + 1, blk, H.HC_UNBOX, node)      # raises the type error
        self.patch_here([ok])
        self.free = mark
        self.emit(O.REC_GET, dst, r, 0, node)

    def dynamic_typeof(self, arg, dst, node):
        """typeof of an error ("KIND MESSAGE") or of an `any` value (its boxed type)."""
        mark = self.free
        blk = self.alloc_block([T.CAT_HANDLE, T.CAT_INT])
        self.exp_to(arg, blk)
        self.emit(O.LOADI, blk + 1, self.type_id(arg.ty), 0, node)
        self.free = mark
        self.emit(O.HOSTCALL, dst, blk, H.HC_TYPEOF, node)

    def stmt_StructDef(self, s):
        pass

    stmt_EnumDef = stmt_ImplDef = stmt_StructDef

    # -- match (DATA §6): tag dispatch, never generic equality on enums ------------------------
    def compile_match(self, m, body):
        """Compile match `m`; `body(arm_plan)` compiles an arm's body.  The
        subject is evaluated once; an enum's tag selects the arm through a jump
        table (three or more variant arms) or a compare chain."""
        plan = self.checked.matches[id(m)]
        mark = self.free
        r = self.exp_to_reg(m.subject)
        plan.subject.reg = r
        arms = plan.arms
        last = len(arms) - 1
        end_jumps = []

        def arm(i, ap):
            arm_mark = self.free
            if ap.scope is not None:
                self.alloc_scope(ap.scope)
            for j, sym in ap.bindings:
                if sym.ty is not T.DYN and plan.enum.variants[ap.tag].payload[j] is T.DYN:
                    # a boxed payload bound with its known type (`Maybe[P]`)
                    bmark = self.free
                    box = self.alloc(T.CAT_HANDLE)
                    self.emit(O.REC_GET, box, r, 1 + j, ap.node)
                    self.unbox_reg(box, sym.ty, sym.reg, ap.node)
                    self.free = bmark
                else:
                    self.emit(O.REC_GET, sym.reg, r, 1 + j, ap.node)
            ended = body(ap)
            self.free = arm_mark
            if i < last and not ended:
                end_jumps.append(self.emit(O.JMP, 0, 0, 0, ap.node))

        if plan.enum is not None:
            tag = self.alloc(T.CAT_INT)
            self.emit(O.REC_GET, tag, r, 0, m)
            nvar = sum(1 for ap in arms if ap.kind == "variant")
            if nvar >= 3:
                n = len(plan.enum.variants)
                self.emit(O.JMPTAB, tag, n, 0, m)
                table = [self.emit(O.JMP, 0, 0, 0, m) for _ in range(n + 1)]
                covered = set()
                for i, ap in enumerate(arms):
                    if ap.kind == "variant":
                        self.b.patch(table[ap.tag], a=self.b.pc)
                        covered.add(ap.tag)
                    else:                               # `_`: every other tag
                        self.patch_here([pc for k, pc in enumerate(table) if k not in covered])
                        covered = set(range(n + 1))
                    arm(i, ap)
                end_jumps += [pc for k, pc in enumerate(table) if k not in covered]
            else:
                for i, ap in enumerate(arms):
                    skip = None
                    if ap.kind == "variant":
                        skip = self.emit(O.JNEQI_I, tag, ap.tag, 0, ap.node)
                    arm(i, ap)
                    if skip is not None:
                        if i == last:
                            end_jumps.append(skip)
                        else:
                            self.patch_here([skip])
        else:
            for i, ap in enumerate(arms):
                misses = []
                if ap.kind == "value":
                    arm_mark = self.free
                    self.jump_if(ap.cond, False, misses)
                    self.free = arm_mark
                arm(i, ap)
                if i == last:
                    end_jumps += misses
                else:
                    self.patch_here(misses)
        self.patch_here(end_jumps)
        self.free = mark

    def stmt_MatchStmt(self, s):
        def body(ap):
            self.block(ap.body)
            return self._ends_in_jump(ap.body)
        self.compile_match(s, body)

    def expr_MatchExpr(self, e, dst):
        def body(ap):
            self.exp_to(ap.body, dst)
            return False
        self.compile_match(e, body)

    # -- try / catch (DATA §7; D11.3) -----------------------------------------------------------
    def stmt_Try(self, s):
        """TRY_BEGIN err catch; body; TRY_END; JMP end; catch: handler; end.  Every
        other exit from the body (break, continue, return) runs TRY_END too."""
        mark = self.free
        scope = self.checked.scopes.get(id(s.handler))
        if scope is not None:
            self.alloc_scope(scope)
        if s.err_name is not None:
            err = scope.names[s.err_name].reg
        else:
            err = self.alloc(T.CAT_HANDLE)
        begin = self.emit(O.TRY_BEGIN, err, 0, 0, s)
        self.try_depth += 1
        self.scoped_block(s.body)
        self.try_depth -= 1
        self.emit(O.TRY_END, 0, 0, 0, s)
        over = self.emit(O.JMP, 0, 0, 0, s)
        self.b.patch(begin, b=self.b.pc)
        self.block(s.handler)
        self.patch_here([over])
        self.free = mark
