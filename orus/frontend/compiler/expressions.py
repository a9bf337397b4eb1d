"""Compiler: expressions -- values into registers, operators, string
concatenation chains, comparisons and conditional jumps, casts, arrays."""

from __future__ import annotations

from orus.frontend import ast
from orus.bytecode import hostcall_table as H
from orus.bytecode import opcodes as O
from orus.frontend import types as T
from orus.bytecode.program import TY_ANY, TY_ARRAY, TY_FN, TY_RANGE
from orus.frontend.compiler.model import (ADD_IMM, ARITH, ARITH_FK, ARITH_OPS, BNOT, CMP_F, CMP_INT, CMP_S,
                                          CMP_U64, CONV_CODE, DEEP_EQUAL_KINDS, JUMP_UNLESS_F,
                                          JUMP_UNLESS_IMM, JUMP_UNLESS_INT, NEG, NEGATE, OUT_KIND,
                                          RECORD_KINDS, REL, REL_SWAP, _int_immediate, _int_text,
                                          _is_chain, _string_leaves)


def _same_bits(src, target) -> bool:
    """Is `x as target` the value's own bits?  Every stored integer is its
    64-bit pattern already (i32 sign-extended, u32 zero-extended, bool 0/1),
    so widening to i64/u64 and i64 <-> u64 compile to nothing."""
    frm, to = CONV_CODE.get(src), CONV_CODE.get(target)
    return frm is not None and frm != O.T_F64 and to in (O.T_I64, O.T_U64)


def _float_constant(e):
    """The value of an f64 literal (`0.5`, or `2` where an f64 is expected), else None."""
    if type(e) in (ast.IntLit, ast.FloatLit) and e.ty is T.F64:
        return float(e.value)
    return None


class ExpressionCode:

    def read_global(self, sym, dst, node):
        if sym.straight and sym.decl_index < self.first_call:
            self.emit(O.GETG, dst, sym.reg, 0, node)
        else:
            self.emit(O.GETG_CHK, dst, sym.reg, self.b.const_str(sym.name), node)

    def load_sym(self, sym, dst, node):
        if sym.kind == "fn":
            self.fn_value(sym, dst, node)
            return
        r = self.sym_reg(sym)
        if r is None:
            self.read_global(sym, dst, node)
        elif r != dst:
            self.emit(O.MOVE, dst, r, 0, node)

    # -- expressions ------------------------------------------------------------------------
    def exp_to_reg(self, e):
        """Register holding the value of `e` (a variable's own register when
        possible; the caller must not write to it)."""
        te = type(e)
        if te is ast.Call and type(e.target) is not str:
            return self.call(e)
        if te is ast.Cast and (e.expr.ty is e.ty or _same_bits(e.expr.ty, e.ty)):
            return self.exp_to_reg(e.expr)
        if te is ast.Binary and e.op == "+" and e.ty is T.STRING:
            leaves = _string_leaves(e, [])
            if _is_chain(leaves):
                t = self.alloc(T.CAT_HANDLE)
                self.concat_chain(leaves, t, e)
                return t
        if te is ast.Name and e.sym.kind != "fn":
            sym = e.sym
            r = self.sym_reg(sym)
            if r is not None and not (sym.fn_written and self.info.is_main):
                return r
        t = self.alloc(e.ty.category)
        self.exp_to(e, t)
        return t

    def operand(self, e):
        """`e` in a register for an instruction emitted next: a temporary is
        released at once (the instruction reads it before anything else is
        allocated)."""
        mark = self.free
        r = self.exp_to_reg(e)
        self.free = mark
        return r

    def exp_to(self, e, dst):
        """Compile `e` so that its value ends up in register `dst` (a temporary
        or a variable; `dst` is written last except for and/or/?: which the
        caller routes through a temporary when `dst` is a variable)."""
        getattr(self, "expr_" + type(e).__name__)(e, dst)

    def exp_into_var(self, e, r):
        # These write their destination before they have read every operand
        # (`xs = [xs[0], 1]` must read the old xs).
        if type(e) in (ast.Ternary, ast.ArrayLit) \
                or (type(e) is ast.Binary and e.op in ("and", "or")):
            mark = self.free
            t = self.alloc(e.ty.category)
            self.exp_to(e, t)
            self.emit(O.MOVE, r, t, 0, e)
            self.free = mark
        else:
            self.exp_to(e, r)

    def load_const(self, ty, value, dst, node):
        b = self.b
        if ty is T.F64:
            self.emit(O.LOADF, dst, b.const_float(value), 0, node)
        elif ty is T.STRING:
            self.emit(O.LOADS, dst, b.const_str(value), 0, node)
        else:
            v = int(value)
            if -0x80000000 <= v <= 0x7FFFFFFF:
                self.emit(O.LOADI, dst, v, 0, node)
            else:
                self.emit(O.LOADK, dst, b.const_int(v), 0, node)

    def expr_IntLit(self, e, dst):
        self.load_const(e.ty, e.value, dst, e)

    expr_FloatLit = expr_IntLit

    def expr_BoolLit(self, e, dst):
        self.emit(O.LOADI, dst, 1 if e.value else 0, 0, e)

    def expr_StrLit(self, e, dst):
        self.emit(O.LOADS, dst, self.b.const_str(e.value), 0, e)

    def expr_Timestamp(self, e, dst):
        self.emit(O.TIMESTAMP, dst, 0, 0, e)

    def expr_Name(self, e, dst):
        self.load_sym(e.sym, dst, e)

    def expr_Lambda(self, e, dst):
        self.make_closure(e.info, dst, e)

    def expr_Unary(self, e, dst):
        r = self.operand(e.operand)
        if e.op == "-":
            self.emit(NEG[e.ty], dst, r, 0, e)
        elif e.op == "~":
            self.emit(BNOT[e.ty], dst, r, 0, e)
        else:
            self.emit(O.NOT, dst, r, 0, e)

    def expr_Binary(self, e, dst):
        op = e.op
        if op == "and" or op == "or":
            self.exp_to(e.left, dst)
            j = self.emit(O.JMPF if op == "and" else O.JMPT, dst, 0, 0, e)
            self.exp_to(e.right, dst)
            self.patch_here([j])
            return
        if op in ("+", "-") and e.ty in ADD_IMM and self.add_immediate(e, dst):
            return
        if op == "+" and e.ty is T.STRING:
            leaves = _string_leaves(e, [])
            if _is_chain(leaves):       # built in a fresh temporary (dst may be a variable)
                mark = self.free
                t = self.alloc(T.CAT_HANDLE)
                self.concat_chain(leaves, t, e)
                self.emit(O.MOVE, dst, t, 0, e)
                self.free = mark
                return
        if e.ty is T.F64 and op in ARITH_FK and self.float_constant_operand(e, dst):
            return
        if op in ARITH_OPS:
            mark = self.free
            rb = self.exp_to_reg(e.left)
            rc = self.exp_to_reg(e.right)
            self.free = mark
            if e.ty.is_array:           # `arr * n` or `n * arr`
                if not e.left.ty.is_array:
                    rb, rc = rc, rb
                self.emit(O.ARR_REPEAT, dst, rb, rc, e)
                return
            self.emit(ARITH[e.ty][op], dst, rb, rc, e)
            return
        if e.left.ty.is_array or e.left.ty.kind in DEEP_EQUAL_KINDS:
            if not self.tag_equal(e, dst):
                self.array_equal(e, dst)
            return
        self.compare(e, dst)

    def concat_chain(self, leaves, dst, node):
        """`leaves[0] + leaves[1] + ...` (two or more strings) into `dst`, a fresh
        temporary that nothing reads before this returns.  The leaves are
        evaluated left to right.  The first instruction makes a new string in
        dst (CONCAT of the first two leaves, TOSTR of a number, or STR_BUILD,
        which shares the first leaf's bytes); each further leaf is appended to
        that string in place (STR_APPEND; STR_APPINT writes a number's
        digits, so its text is never an object of its own).  Only dst's own
        new string is ever extended, so no other value can change."""
        mark = self.free
        rest = leaves[1:]
        x = _int_text(leaves[0])
        if x is not None:
            self.emit(O.TOSTR, dst, self.operand(x), OUT_KIND[x.ty], leaves[0])
        else:
            r1 = self.exp_to_reg(leaves[0])
            if _int_text(leaves[1]) is None:
                r2 = self.exp_to_reg(leaves[1])
                self.emit(O.CONCAT, dst, r1, r2, node)
                rest = leaves[2:]
            else:
                self.emit(O.STR_BUILD, dst, r1, 0, node)
            self.free = mark
        for leaf in rest:
            x = _int_text(leaf)
            if x is None:
                self.emit(O.STR_APPEND, dst, self.operand(leaf), 0, node)
            else:
                self.emit(O.STR_APPINT, dst, self.operand(x), OUT_KIND[x.ty], node)
        self.free = mark

    def add_immediate(self, e, dst):
        """`x + k`, `k + x`, `x - k` with an int32 literal k: one instruction."""
        k = _int_immediate(e.right)
        other = e.left
        if k is None and e.op == "+":
            k, other = _int_immediate(e.left), e.right
        if k is None:
            return False
        r = self.operand(other)
        add, sub = ADD_IMM[e.ty]
        self.emit(add if e.op == "+" else sub, dst, r, k, e)
        return True

    def float_constant_operand(self, e, dst):
        """`x op k` (and `k + x`, `k * x`) with an f64 literal k: one
        instruction reading k from the constant pool (no LOADF).  A zero
        divisor keeps DIV_F64, which raises the division-by-zero error."""
        k, other = _float_constant(e.right), e.left
        if k is None and e.op in ("+", "*"):
            k, other = _float_constant(e.left), e.right
        if k is None or (e.op == "/" and k == 0.0):
            return False
        r = self.operand(other)
        self.emit(ARITH_FK[e.op], dst, r, self.b.const_float(k), e)
        return True

    def compare(self, e, dst):
        op = e.op
        left, right = e.left, e.right
        ta, tb = left.ty, right.ty
        mark = self.free
        if ta.is_float != tb.is_float:
            # integer vs f64 (DECISIONS core row 19): compare exact values
            rl = self.exp_to_reg(left)
            rr = self.exp_to_reg(right)
            int_left = tb.is_float
            it = ta if int_left else tb
            ri, rf = (rl, rr) if int_left else (rr, rl)
            if it.bits == 32:
                t = self.alloc(T.CAT_FLOAT)
                self.emit_conversion(t, ri, it, T.F64, e)
                self.free = mark
                if int_left:
                    self._cmp_emit(CMP_F, op, dst, t, rf, e)
                else:
                    self._cmp_emit(CMP_F, op, dst, rf, t, e)
            else:
                t = self.alloc(T.CAT_INT)
                self.emit(O.CMP_IF if it.signed else O.CMP_UF, t, ri, rf, e)
                self.free = mark
                self.emit(O.CMP_TEST, dst, t, REL[op if int_left else REL_SWAP[op]], e)
            return
        rb = self.exp_to_reg(left)
        rc = self.exp_to_reg(right)
        self.free = mark
        if ta.is_float:
            fam = CMP_F
        elif ta.is_string:
            fam = CMP_S
        elif ta is T.U64 or tb is T.U64:
            fam = CMP_U64
        else:
            fam = CMP_INT
        self._cmp_emit(fam, op, dst, rb, rc, e)

    def _cmp_emit(self, fam, op, dst, rb, rc, e):
        if op == "==":
            self.emit(fam[0], dst, rb, rc, e)
        elif op == "!=":
            self.emit(fam[1], dst, rb, rc, e)
        elif op == "<":
            self.emit(fam[2], dst, rb, rc, e)
        elif op == "<=":
            self.emit(fam[3], dst, rb, rc, e)
        elif op == ">":
            self.emit(fam[2], dst, rc, rb, e)
        else:
            self.emit(fam[3], dst, rc, rb, e)

    def expr_Cast(self, e, dst):
        src, target = e.expr.ty, e.ty
        if src is target or _same_bits(src, target):
            self.exp_to(e.expr, dst)
            return
        r = self.operand(e.expr)
        if src is T.ERROR:              # an error's message (DECISIONS data row 11)
            self.emit(O.REC_GET, dst, r, 1, e)
        elif target is T.STRING:
            self.emit(O.TOSTR, dst, r, OUT_KIND[src], e)
        else:
            self.emit_conversion(dst, r, src, target, e)

    def emit_conversion(self, dst, r, src, target, e):
        """R[dst] := R[r] `as` target, for numbers and bools that change bits
        (the same-bits casts compile to nothing, see expr_Cast): int -> f64
        inline, the rest through CAST's conversion table."""
        frm, to = CONV_CODE[src], CONV_CODE[target]
        if to == O.T_F64 and frm in (O.T_I32, O.T_I64, O.T_U32, O.T_BOOL):
            self.emit(O.I2F, dst, r, 0, e)
        else:
            self.emit(O.CAST, dst, r, O.conv_id(frm, to), e)

    def expr_Ternary(self, e, dst):
        mark = self.free
        false_jumps = []
        self.jump_if(e.cond, False, false_jumps)
        self.free = mark
        self.exp_to(e.then, dst)
        end = self.emit(O.JMP, 0, 0, 0, e)
        self.patch_here(false_jumps)
        self.exp_to(e.other, dst)
        self.patch_here([end])

    def expr_Call(self, e, dst):
        if type(e.target) is str:
            getattr(self, "builtin_" + e.target)(e, dst)
            return
        mark = self.free
        a = self.call(e)
        self.free = mark
        if a != dst:
            self.emit(O.MOVE, dst, a, 0, e)

    # -- types at run time ------------------------------------------------------------------
    def type_id(self, ty):
        """The type descriptor index of `ty` (Program.types) for the host.
        An element type never fixed (an array that stays empty) counts as i32."""
        ty = T.resolve(ty, T.I32)
        if ty.kind == "enum":
            ty = ty.erased                  # `Maybe[i32]` is `Maybe` at run time
        tid = self._tids.get(ty)
        if tid is None:
            b = self.b
            if ty.is_array:
                tid = b.type_id(TY_ARRAY, self.type_id(ty.elem))
            elif ty is T.RANGE:
                tid = b.type_id(TY_RANGE)
            elif ty.is_any:
                tid = b.type_id(TY_ANY)
            elif ty.is_fn:
                tid = b.type_id(TY_FN)
            elif ty.kind in RECORD_KINDS:
                return self.record_type_id(ty)
            else:
                tid = b.type_id(OUT_KIND[ty])       # scalar kinds equal the OUT_* codes
            self._tids[ty] = tid
        return tid

    @staticmethod
    def handle_elems(ty):
        """ARR_NEW's C: 1 if the elements of array type `ty` are heap handles,
        2 if they are bools (stored one byte each), else 0."""
        elem = T.resolve(ty.elem, T.I32)
        if elem.category == T.CAT_HANDLE:
            return 1
        return 2 if elem.is_bool else 0

    @staticmethod
    def arith_op(ty, op):
        if ty.is_array:
            return O.ARR_REPEAT         # `xs *= n`
        return ARITH[ty][op]

    # -- arrays and strings ---------------------------------------------------------------------
    def expr_ArrayLit(self, e, dst):
        elems = e.elems
        self.emit(O.ARR_NEW, dst, len(elems), self.handle_elems(e.ty), e)
        for el in elems:
            r = self.operand(el)
            self.emit(O.ARR_PUSH, dst, r, 0, el)

    def expr_ArrayFill(self, e, dst):
        mark = self.free
        t = self.alloc(T.CAT_HANDLE)
        self.emit(O.ARR_NEW, t, 1, self.handle_elems(e.ty), e)
        r = self.exp_to_reg(e.value)
        self.emit(O.ARR_PUSH, t, r, 0, e.value)
        n = self.alloc(T.CAT_INT)
        self.load_const(T.I64, e.count, n, e)
        self.free = mark
        self.emit(O.ARR_REPEAT, dst, t, n, e)

    def index_reg(self, e):
        """The register of an index or slice bound.  A u64 at or above 2^63 is
        negative as an int64; it is out of bounds, never "negative" (DATA §3.2),
        so it becomes i64's maximum (in a temporary: `e` may be a variable)."""
        r = self.exp_to_reg(e)
        if T.prune(e.ty) is T.U64 and not (type(e) is ast.IntLit and e.value < 2**63):
            t = self.alloc(T.CAT_INT)
            self.emit(O.MOVE, t, r, 0, e)
            self.saturate_u64(t, e)
            return t
        return r

    def saturate_u64(self, r, e):
        """R[r] := i64 max if R[r], read as an int64, is negative (a u64 >= 2^63)."""
        if T.prune(e.ty) is not T.U64:
            return
        skip = self.emit(O.JNLTI_I, r, 0, 0, e)
        self.emit(O.LOADK, r, self.b.const_int(2**63 - 1), 0, e)
        self.patch_here([skip])

    def expr_Index(self, e, dst):
        mark = self.free
        ro = self.exp_to_reg(e.obj)
        ri = self.index_reg(e.index)
        self.free = mark
        self.emit(O.STR_GET if e.obj.ty.is_string else O.ARR_GET, dst, ro, ri, e.index)

    def expr_Slice(self, e, dst):
        mark = self.free
        ro = self.exp_to_reg(e.obj)
        string = e.obj.ty.is_string
        blk = self.alloc_block([T.CAT_INT, T.CAT_INT])
        if e.start is None:
            self.emit(O.LOADI, blk, 0, 0, e)
        else:
            self.exp_to(e.start, blk)
            self.saturate_u64(blk, e.start)
        if e.end is None:
            self.emit(O.STR_LEN if string else O.ARR_LEN, blk + 1, ro, 0, e)
        else:
            self.exp_to(e.end, blk + 1)
            self.saturate_u64(blk + 1, e.end)
        self.free = mark
        where = e.end or e.start or e
        self.emit(O.STR_SLICE if string else O.ARR_SLICE, dst, ro, blk, where)

    def array_equal(self, e, dst):
        """`==` / `!=` on arrays: deep comparison by the host (DECISIONS data row 1)."""
        mark = self.free
        blk = self.alloc_block([T.CAT_HANDLE, T.CAT_HANDLE, T.CAT_INT])
        self.exp_to(e.left, blk)
        self.exp_to(e.right, blk + 1)
        self.emit(O.LOADI, blk + 2, self.type_id(e.left.ty), 0, e)
        self.free = mark
        self.emit(O.HOSTCALL, dst, blk, H.HC_EQUAL, e)
        if e.op == "!=":
            self.emit(O.NOT, dst, dst, 0, e)

    # -- conditions --------------------------------------------------------------------------
    def jump_if(self, e, sense, jumps):
        """Emit code that jumps (to a target patched later via `jumps`) when the
        bool `e` equals `sense`, and falls through otherwise."""
        t = type(e)
        if t is ast.BoolLit:
            if bool(e.value) == sense:
                jumps.append(self.emit(O.JMP, 0, 0, 0, e))
            return
        if t is ast.Unary and e.op == "not":
            self.jump_if(e.operand, not sense, jumps)
            return
        if t is ast.Binary and e.op in ("and", "or"):
            # `a and b` is true iff both are; `a or b` is false iff both are.
            if (e.op == "and") != sense:
                self.jump_if(e.left, sense, jumps)
                self.jump_if(e.right, sense, jumps)
            else:
                skip = []
                self.jump_if(e.left, not sense, skip)
                self.jump_if(e.right, sense, jumps)
                self.patch_here(skip)
            return
        if t is ast.Binary and self.fused_jump(e, sense, jumps):
            return
        r = self.operand(e)
        jumps.append(self.emit(O.JMPT if sense else O.JMPF, r, 0, 0, e))

    def fused_jump(self, e, sense, jumps):
        """A comparison that only steers a branch: one fused compare-and-branch
        instruction instead of compare + JMPF.  False if `e` has no fused form."""
        op = e.op
        if op not in NEGATE:
            return False
        ta, tb = e.left.ty, e.right.ty
        ints = lambda t: t is not None and (t.is_bool or (t.is_int and t is not T.U64))
        if ints(ta) and ints(tb):
            rel = op if not sense else NEGATE[op]        # jump when NOT rel
            k = _int_immediate(e.right)
            if k is not None:
                ra = self.operand(e.left)
                jumps.append(self.emit(JUMP_UNLESS_IMM[rel], ra, k, 0, e))
                return True
            opcode, swap = JUMP_UNLESS_INT[rel]
        elif ta is not None and ta.is_float and tb is not None and tb.is_float and not sense \
                and op in JUMP_UNLESS_F:
            opcode, swap = JUMP_UNLESS_F[op]
        else:
            return False
        mark = self.free
        ra = self.exp_to_reg(e.left)
        rb = self.exp_to_reg(e.right)
        self.free = mark
        if swap:
            ra, rb = rb, ra
        jumps.append(self.emit(opcode, ra, rb, 0, e))
        return True

    def expr_ChainValue(self, e, dst):
        if dst != e.reg:
            self.emit(O.MOVE, dst, e.reg, 0, e)
