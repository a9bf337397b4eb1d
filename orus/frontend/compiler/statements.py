"""Compiler: statements -- blocks, print, variables and assignment, if,
loops, break and continue."""

from __future__ import annotations

from orus.frontend import ast
from orus.bytecode import opcodes as O
from orus.frontend import types as T
from orus.bytecode.program import TY_DYN, TY_ERROR
from orus.frontend.compiler.model import (ADD_IMM, OUT_KIND, RECORD_KINDS, _Loop, _calls,
                                          _int_immediate, _is_builtin, _is_chain, _string_leaves)


class StatementCode:

    # -- statements ------------------------------------------------------------------------------
    def block(self, stmts):
        for s in stmts:
            getattr(self, "stmt_" + type(s).__name__)(s)

    def scoped_block(self, body):
        mark = self.free
        scope = self.checked.scopes.get(id(body))
        if scope is not None:
            self.alloc_scope(scope)
        self.block(body)
        self.free = mark

    def stmt_Pass(self, s):
        pass

    def stmt_ExprStmt(self, s):
        mark = self.free
        e = s.expr
        if _is_builtin(e):
            self.builtin_stmt(e)
        elif type(e) is ast.Call:
            self.call(e)
        else:
            self.exp_to_reg(e)
        self.free = mark

    def stmt_Print(self, s):
        mark = self.free
        args = s.args
        template = bool(args) and type(args[0]) is ast.StrLit
        values = args[1:] if template else args
        regs = [self.exp_to_reg(a) for a in values]
        for r, a in zip(regs, values):
            ty = a.ty
            if ty.is_array or ty is T.RANGE or ty.kind in RECORD_KINDS:
                self.emit(O.OUTV, r, self.type_id(ty), 0, a)
                continue
            kind = O.OUT_FN if ty.is_fn else OUT_KIND[ty]
            self.emit(O.OUT, r, kind, 0, a)
        tmpl = self.b.const_str(args[0].value) if template else -1
        self.emit(O.OUTEND, tmpl, len(values), 0, s)
        self.free = mark

    def store(self, sym, value, node, declaring):
        mark = self.free
        r = self.sym_reg(sym)
        if r is None:
            t = self.exp_to_reg(value)
            self.emit(O.SETG, sym.reg, t, 0, node)
        else:
            self.exp_into_var(value, r)
            if self.info.is_main and sym.is_global and sym.fn_read \
                    and (declaring or sym.da_tracked):
                self.emit(O.SETG, r, r, 0, node)
        self.free = mark

    def stmt_VarDecl(self, s):
        self.store(s.sym, s.value, s, True)

    def stmt_Assign(self, s):
        if type(s.target) is ast.Index:
            self.assign_index(s)
            return
        if type(s.target) is ast.Member:
            self.assign_field(s)
            return
        sym = s.target.sym
        if s.op == "=":
            self.store(sym, s.value, s, s.decl is not None)
            return
        if s.op == "+=" and sym.ty is T.STRING:
            leaves = [s.target] + _string_leaves(s.value, [])
            if _is_chain(leaves):       # `s += a + b`: s = s + a + b, one builder
                mark = self.free
                t = self.alloc(T.CAT_HANDLE)
                self.concat_chain(leaves, t, s)
                r = self.sym_reg(sym)
                if r is None:
                    self.emit(O.SETG, sym.reg, t, 0, s)
                else:
                    self.emit(O.MOVE, r, t, 0, s)
                self.free = mark
                return
        opcode = self.arith_op(sym.ty, s.op[:-1])
        mark = self.free
        r = self.sym_reg(sym)
        if r is None:
            t = self.alloc(sym.ty.category)
            self.read_global(sym, t, s.target)
            rc = self.exp_to_reg(s.value)
            self.emit(opcode, t, t, rc, s)
            self.emit(O.SETG, sym.reg, t, 0, s)
        else:
            k = _int_immediate(s.value) if s.op in ("+=", "-=") else None
            if k is not None and sym.ty in ADD_IMM:      # `x += 1`: one instruction
                add, sub = ADD_IMM[sym.ty]
                self.emit(add if s.op == "+=" else sub, r, r, k, s)
            elif sym.is_global and _calls(s.value):
                # `x op= f()` reads x first (CORE 5.1: x = x op (e), left to
                # right), and f may assign the global x
                t = self.alloc(sym.ty.category)
                self.emit(O.MOVE, t, r, 0, s)
                rc = self.exp_to_reg(s.value)
                self.emit(opcode, r, t, rc, s)
            else:
                rc = self.exp_to_reg(s.value)
                self.emit(opcode, r, r, rc, s)
        self.free = mark

    def stmt_ChainAssign(self, s):
        """`t1 = ... = tN = expr`: expr once into a temporary, then each target
        right to left (s.value is None when expr was a literal, which the
        checker gave each target in its type)."""
        mark = self.free
        if s.value is not None:
            r = self.alloc(s.value.ty.category)
            self.exp_to(s.value, r)
            for v in s.chain:
                v.reg = r
        for a in reversed(s.assigns):
            self.stmt_Assign(a)
        self.free = mark

    def assign_index(self, s):
        """`a[i] = v`, `a[i] op= v` (a and i evaluated once)."""
        t = s.target
        mark = self.free
        ro = self.exp_to_reg(t.obj)
        ri = self.index_reg(t.index)
        if s.op == "=":
            k = _int_immediate(s.value) if not t.ty.is_float else None
            if type(s.value) is ast.BoolLit:
                k = 1 if s.value.value else 0
            if k is not None and t.ty.category == T.CAT_INT:   # `a[i] = 0`: one instruction
                self.emit(O.ARR_SETI, ro, ri, k, t.index)
            else:
                rv = self.exp_to_reg(s.value)
                self.emit(O.ARR_SET, ro, ri, rv, t.index)
        else:
            v = self.alloc(t.ty.category)
            self.emit(O.ARR_GET, v, ro, ri, t.index)
            rc = self.exp_to_reg(s.value)
            self.emit(self.arith_op(t.ty, s.op[:-1]), v, v, rc, s)
            self.emit(O.ARR_SET, ro, ri, v, t.index)
        self.free = mark

    def stmt_If(self, s):
        end_jumps = []
        n = len(s.branches)
        for i, br in enumerate(s.branches):
            false_jumps = []
            mark = self.free
            self.jump_if(br.cond, False, false_jumps)
            self.free = mark
            self.scoped_block(br.body)
            if (i < n - 1 or s.else_body) and not self._ends_in_jump(br.body):
                end_jumps.append(self.emit(O.JMP, 0, 0, 0, br))
            self.patch_here(false_jumps)
        if s.else_body:
            self.scoped_block(s.else_body)
        self.patch_here(end_jumps)

    @staticmethod
    def _ends_in_jump(body):
        return bool(body) and type(body[-1]) in (ast.Return, ast.Break, ast.Continue)

    def zero(self, sym, node):
        """The value a variable declared in a while body has when the body never
        ran: 0, 0.0, "", an empty array or an empty range."""
        ty = sym.ty
        if ty.is_fn:
            return
        r = self.sym_reg(sym)
        if r is None:
            return
        if ty.is_array:
            self.emit(O.ARR_NEW, r, 0, self.handle_elems(ty), node)
        elif ty is T.RANGE:
            mark = self.free
            blk = self.alloc_block([T.CAT_INT] * 3)
            self.emit(O.LOADI, blk, 0, 0, node)
            self.emit(O.LOADI, blk + 1, 0, 0, node)
            self.emit(O.LOADI, blk + 2, 1, 0, node)
            self.free = mark
            self.emit(O.RANGE_NEW, r, blk, 0, node)
        elif ty.is_float:
            self.emit(O.LOADF, r, self.b.const_float(0.0), 0, node)
        elif ty.is_string:
            self.emit(O.LOADS, r, self.b.const_str(b""), 0, node)
        elif ty.kind in RECORD_KINDS:
            self.zero_record(ty, r, node, ())
        else:
            self.emit(O.LOADI, r, 0, 0, node)
        if self.info.is_main and sym.is_global and sym.fn_read:
            self.emit(O.SETG, r, r, 0, node)    # functions read the placeholder too

    def zero_record(self, ty, dst, node, seen):
        """A well-typed placeholder record for `zero`: a struct of zero fields,
        an enum's first variant with zero payloads, an empty error, a boxed 0."""
        ty = T.resolve(ty, T.I32)
        b = self.b
        mark = self.free
        if ty.kind not in RECORD_KINDS:
            if ty.is_array:
                self.emit(O.ARR_NEW, dst, 0, self.handle_elems(ty), node)
            elif ty.is_float:
                self.emit(O.LOADF, dst, b.const_float(0.0), 0, node)
            elif ty.is_string:
                self.emit(O.LOADS, dst, b.const_str(b""), 0, node)
            elif ty is T.RANGE or ty.is_fn or ty in seen:
                self.emit(O.LOADI, dst, -1, 0, node)       # no handle (never read)
            else:
                self.emit(O.LOADI, dst, 0, 0, node)
            return
        if ty is T.ERROR:
            blk = self.alloc_block([T.CAT_INT, T.CAT_HANDLE])
            self.emit(O.LOADI, blk, 0, 0, node)
            self.emit(O.LOADS, blk + 1, b.const_str(b""), 0, node)
            tid = b.type_id(TY_ERROR, 2, 0b10)
        elif ty is T.DYN:
            blk = self.alloc_block([T.CAT_INT, T.CAT_INT])
            self.emit(O.LOADI, blk, 0, 0, node)
            self.emit(O.LOADI, blk + 1, self.type_id(T.I32), 0, node)
            tid = b.type_id(TY_DYN, 2, 0)
        elif ty in seen:
            self.free = mark
            self.emit(O.LOADI, dst, -1, 0, node)
            return
        elif ty.kind == "struct":
            blk = self.alloc_block([t.category for t in ty.ftypes]) if ty.fields else 0
            for i, ft in enumerate(ty.ftypes):
                self.zero_record(ft, blk + i, node, seen + (ty,))
            tid = self.type_id(ty)
        else:
            v = ty.variants[0]
            blk = self.alloc_block([T.CAT_INT] + [p.category for p in v.payload])
            self.emit(O.LOADI, blk, 0, 0, node)
            for j, pt in enumerate(v.payload):
                self.zero_record(pt, blk + 1 + j, node, seen + (ty,))
            tid = self.variant_row(v)
        self.free = mark
        self.emit(O.REC_NEW, dst, blk, tid, node)

    def stmt_While(self, s):
        for sym in self.checked.while_decls.get(id(s), ()):
            self.zero(sym, s)
        loop = _Loop(s.label, self.try_depth)
        top = self.b.pc
        loop.cont_pc = top
        mark = self.free
        self.jump_if(s.cond, False, loop.breaks)
        self.free = mark
        self.loops.append(loop)
        self.block(s.body)
        self.loops.pop()
        self.emit(O.JMP, top, 0, 0, s)
        self.patch_here(loop.breaks)

    def stmt_For(self, s):
        mark = self.free
        a = self.alloc_block([T.CAT_INT] * 4)
        sym = s.sym
        sym.reg = a
        ty = sym.ty
        self.exp_to(s.start, a)
        self.exp_to(s.end, a + 1)
        if s.step is None:
            self.emit(O.LOADI, a + 2, 1, 0, s)
        else:
            self.exp_to(s.step, a + 2)
        flags = 0
        if s.inclusive:
            flags |= O.FOR_INCLUSIVE
        if ty.is_unsigned:
            flags |= O.FOR_UNSIGNED
        if ty.bits == 32:
            flags |= O.FOR_32
        prep = self.emit(O.FORPREP, a, 0, flags, s)
        body_start = self.b.pc
        loop = _Loop(s.label, self.try_depth)
        self.loops.append(loop)
        scope = self.checked.scopes.get(id(s.body))
        self.free = a + 4
        if scope is not None:
            self.alloc_scope(scope)
        self.block(s.body)
        self.loops.pop()
        self.patch_here(loop.continues)
        self.emit(O.FORLOOP, a, body_start, 0, s)
        self.b.patch(prep, b=self.b.pc)
        self.patch_here(loop.breaks)
        self.free = mark

    def stmt_ForIn(self, s):
        """`for x in ...` over an array (index loop re-reading the length, DATA
        §3.4), a string (its bytes), an integer n (i64 0..n-1) or a range()
        iterator."""
        it = s.iterable
        ty = it.ty
        sym = s.sym
        mark = self.free
        loop = _Loop(s.label, self.try_depth)
        scope = self.checked.scopes.get(id(s.body))
        if ty.is_array or ty.is_string:
            string = ty.is_string
            blk = self.alloc_block([T.CAT_HANDLE, T.CAT_INT, T.CAT_INT, T.CAT_INT])
            self.exp_to(it, blk)
            self.emit(O.LOADI, blk + 1, 0, 0, s)
            self.emit(O.LOADI, blk + 2, 1, 0, s)
            sym.reg = self.alloc(sym.ty.category)
            top = self.b.pc
            self.emit(O.STR_LEN if string else O.ARR_LEN, blk + 3, blk, 0, it)
            self.emit(O.LT_I, blk + 3, blk + 1, blk + 3, it)
            exit_jump = self.emit(O.JMPF, blk + 3, 0, 0, it)
            self.emit(O.STR_GET if string else O.ARR_GET, sym.reg, blk, blk + 1, it)
            self.loop_body(loop, scope, s.body)
            self.patch_here(loop.continues)
            self.emit(O.ADD_I64, blk + 1, blk + 1, blk + 2, s)
            self.emit(O.JMP, top, 0, 0, s)
            self.patch_here([exit_jump] + loop.breaks)
        elif ty is T.RANGE:
            r = self.alloc(T.CAT_HANDLE)
            self.exp_to(it, r)
            sym.reg = self.alloc(T.CAT_INT)
            top = self.b.pc
            loop.cont_pc = top
            nxt = self.emit(O.RANGE_NEXT, sym.reg, r, 0, s)
            self.loop_body(loop, scope, s.body)
            self.emit(O.JMP, top, 0, 0, s)
            self.b.patch(nxt, c=self.b.pc)
            self.patch_here(loop.breaks)
        else:
            # `for x in n`: i64 0 .. n-1 (DECISIONS data row 14)
            a = self.alloc_block([T.CAT_INT] * 4)
            sym.reg = a
            self.emit(O.LOADI, a, 0, 0, s)
            self.exp_to(it, a + 1)
            self.emit(O.ITER_INT, a + 1, 0, 0, it)
            self.emit(O.LOADI, a + 2, 1, 0, s)
            prep = self.emit(O.FORPREP, a, 0, 0, s)
            body_start = self.b.pc
            self.loop_body(loop, scope, s.body)
            self.patch_here(loop.continues)
            self.emit(O.FORLOOP, a, body_start, 0, s)
            self.b.patch(prep, b=self.b.pc)
            self.patch_here(loop.breaks)
        self.free = mark

    def loop_body(self, loop, scope, body):
        self.loops.append(loop)
        if scope is not None:
            self.alloc_scope(scope)
        self.block(body)
        self.loops.pop()

    def find_loop(self, label):
        if label is None:
            return self.loops[-1]
        for loop in reversed(self.loops):
            if loop.label == label:
                return loop
        raise AssertionError("unknown label after checking")

    def leave_tries(self, n, node):
        """Leaving n try blocks by a jump: each one's handler goes (D11.3)."""
        for _ in range(n):
            self.emit(O.TRY_END, 0, 0, 0, node)

    def stmt_Break(self, s):
        loop = self.find_loop(s.label)
        self.leave_tries(self.try_depth - loop.tries, s)
        loop.breaks.append(self.emit(O.JMP, 0, 0, 0, s))

    def stmt_Continue(self, s):
        loop = self.find_loop(s.label)
        self.leave_tries(self.try_depth - loop.tries, s)
        if loop.cont_pc is not None:
            self.emit(O.JMP, loop.cont_pc, 0, 0, s)
        else:
            loop.continues.append(self.emit(O.JMP, 0, 0, 0, s))
