"""Compiler: the builtin functions (len, push, pop, sorted, range, input,
int, float, typeof, istype, assert_eq)."""

from __future__ import annotations

from orus.frontend import ast
from orus.bytecode import hostcall_table as H
from orus.bytecode import opcodes as O
from orus.frontend import types as T
from orus.bytecode.runtime_errors import RANGE_ARGS
from orus.frontend.compiler.model import INT_CALL, SORT_KIND, _pure


class BuiltinCode:

    # -- builtins (DATA §9); `dst` None: the value is not used -------------------------------
    def builtin_stmt(self, e):
        mark = self.free
        if e.target == "push":
            self.builtin_push(e, None)
        else:
            getattr(self, "builtin_" + e.target)(e, self.alloc(e.ty.category))
        self.free = mark

    def evaluate_for_effect(self, e):
        if not _pure(e):
            mark = self.free
            self.exp_to_reg(e)
            self.free = mark

    def builtin_typeof(self, e, dst):
        arg = e.args[0]
        if arg.ty in (T.ERROR, T.DYN):
            self.dynamic_typeof(arg, dst, e)
            return
        self.evaluate_for_effect(arg)
        self.emit(O.LOADS, dst, self.b.const_str(T.resolve(arg.ty).name), 0, e)

    def builtin_istype(self, e, dst):
        arg, name = e.args
        if arg.ty in (T.ERROR, T.DYN):
            mark = self.free
            t = self.alloc(T.CAT_HANDLE)
            self.dynamic_typeof(arg, t, e)
            rn = self.exp_to_reg(name)
            self.free = mark
            self.emit(O.EQ_S, dst, t, rn, e)
            return
        self.evaluate_for_effect(arg)
        tname = T.resolve(arg.ty).name.encode()
        if type(name) is ast.StrLit:
            self.emit(O.LOADI, dst, 1 if name.value == tname else 0, 0, e)
            return
        mark = self.free
        rn = self.exp_to_reg(name)
        t = self.alloc(T.CAT_HANDLE)
        self.emit(O.LOADS, t, self.b.const_str(tname), 0, e)
        self.free = mark
        self.emit(O.EQ_S, dst, t, rn, e)

    def builtin_len(self, e, dst):
        arg = e.args[0]
        r = self.operand(arg)
        self.emit(O.STR_LEN if arg.ty.is_string else O.ARR_LEN, dst, r, 0, e)

    def builtin_push(self, e, dst):
        mark = self.free
        ra = self.exp_to_reg(e.args[0])
        rv = self.exp_to_reg(e.args[1])
        self.free = mark
        self.emit(O.ARR_PUSH, ra, rv, 0, e)
        if dst is not None and dst != ra:
            self.emit(O.MOVE, dst, ra, 0, e)

    def builtin_pop(self, e, dst):
        ra = self.operand(e.args[0])
        self.emit(O.ARR_POP, dst, ra, 0, e)

    def builtin_sorted(self, e, dst):
        if len(e.args) == 2:
            return self.sorted_by_key(e, dst)
        ra = self.operand(e.args[0])
        self.emit(O.ARR_SORT, dst, ra, SORT_KIND[T.resolve(e.ty.elem, T.I32)], e)

    def builtin_range(self, e, dst):
        args = e.args
        mark = self.free
        blk = self.alloc_block([T.CAT_INT] * 3)
        if len(args) == 1:
            self.emit(O.LOADI, blk, 0, 0, e)
            self.exp_to(args[0], blk + 1)
        else:
            self.exp_to(args[0], blk)
            self.exp_to(args[1], blk + 1)
        if len(args) == 3:
            self.exp_to(args[2], blk + 2)
        else:
            self.emit(O.LOADI, blk + 2, 1, 0, e)
        # range() yields i64: a u64 argument above the i64 maximum (negative
        # as a 64-bit pattern) is the argument error, checked once all
        # arguments have been evaluated, as RANGE_NEW checks the step
        regs = [blk + 1] if len(args) == 1 else [blk, blk + 1, blk + 2][:len(args)]
        for arg, r in zip(args, regs):
            if arg.ty is T.U64:
                ok = self.emit(O.JNLTI_I, r, 0, 0, e)
                self.emit(O.ERROR, RANGE_ARGS, -1, 0, e)
                self.b.patch(ok, c=self.b.pc)
        self.free = mark
        self.emit(O.RANGE_NEW, dst, blk, 0, e)

    def builtin_input(self, e, dst):
        if not e.args:
            self.emit(O.HOSTCALL, dst, 0, H.HC_INPUT, e)
            return
        r = self.operand(e.args[0])
        self.emit(O.HOSTCALL, dst, r, H.HC_INPUT_PROMPT, e)

    def builtin_ord(self, e, dst):
        arg = e.args[0]
        if type(arg) is ast.Index and arg.obj.ty.is_string:
            # ord(s[i]): one instruction, the byte itself (same index errors as s[i])
            mark = self.free
            ro = self.exp_to_reg(arg.obj)
            ri = self.index_reg(arg.index)
            self.free = mark
            self.emit(O.STR_BYTE, dst, ro, ri, arg.index)
            return
        self.emit(O.STR_ORD, dst, self.operand(arg), 0, e)

    def builtin_chr(self, e, dst):
        self.emit(O.STR_CHR, dst, self.operand(e.args[0]), 0, e)

    def builtin_int(self, e, dst):
        arg = e.args[0]
        if arg.ty is T.I32:
            self.exp_to(arg, dst)
            return
        r = self.operand(arg)
        self.emit(O.HOSTCALL, dst, r, INT_CALL[arg.ty], e)

    def builtin_float(self, e, dst):
        arg = e.args[0]
        if arg.ty is T.F64:
            self.exp_to(arg, dst)
            return
        r = self.operand(arg)
        if arg.ty.is_string:
            self.emit(O.HOSTCALL, dst, r, H.HC_FLOAT_STR, e)
        else:
            self.emit_conversion(dst, r, arg.ty, T.F64, e)

    def builtin_assert_eq(self, e, dst):
        label, actual, expected = e.args
        mark = self.free
        blk = self.alloc_block([T.CAT_HANDLE, actual.ty.category, expected.ty.category,
                                T.CAT_INT, T.CAT_INT])
        self.exp_to(label, blk)
        self.exp_to(actual, blk + 1)
        self.exp_to(expected, blk + 2)
        self.emit(O.LOADI, blk + 3, self.type_id(actual.ty), 0, e)
        self.emit(O.LOADI, blk + 4, self.type_id(expected.ty), 0, e)
        self.free = mark
        self.emit(O.HOSTCALL, dst, blk, H.HC_ASSERT_EQ, e)

    def sorted_by_key(self, e, dst):
        """`sorted(xs, key)`: call the key once per element, in order, into a
        keys array, then ARR_SORT_BY (a stable sort of a permutation by the
        keys) builds the result."""
        mark = self.free
        xs_arg, key_arg = e.args
        key_ty = T.resolve(key_arg.ty.ret)
        elem_ty = T.resolve(xs_arg.ty.elem, T.I32)
        blk = self.alloc_block([T.CAT_HANDLE, T.CAT_HANDLE, T.CAT_HANDLE, T.CAT_INT, T.CAT_INT])
        xs, keys, fv, i, n = blk, blk + 1, blk + 2, blk + 3, blk + 4
        self.exp_to(xs_arg, xs)
        self.exp_to(key_arg, fv)
        self.emit(O.ARR_NEW, keys, 0, 1 if key_ty.category == T.CAT_HANDLE else 0, e)
        self.emit(O.ARR_LEN, n, xs, 0, e)
        self.emit(O.LOADI, i, 0, 0, e)
        top = self.b.pc
        exit_jump = self.emit(O.JNLT_I, i, n, 0, e)
        a = self.alloc_block([elem_ty.category])
        self.emit(O.ARR_GET, a, xs, i, e)
        self.call_bases.add(a)
        self.emit(O.CALLV, a, fv, 0, e)
        self.emit(O.ARR_PUSH, keys, a, 0, e)
        self.free = a
        self.emit(O.ADDI_I64, i, i, 1, e)
        self.emit(O.JMP, top, 0, 0, e)
        self.b.patch(exit_jump, c=self.b.pc)
        kind = SORT_KIND[T.BOOL if key_ty.is_bool else key_ty]
        self.emit(O.ARR_SORT_BY, dst, xs, kind, e)
        self.free = mark

    # -- numeric builtins (issue 15) and the math module's intrinsics -------------------------
    def builtin_abs(self, e, dst):
        ty = e.ty
        if ty.is_unsigned:
            self.exp_to(e.args[0], dst)
            return
        r = self.operand(e.args[0])
        if ty.is_float:
            self.emit(O.MATH1, dst, r, O.M_FABS, e)
        else:
            self.emit(O.ABS_I32 if ty is T.I32 else O.ABS_I64, dst, r, 0, e)

    def _min_max(self, ty, which):
        if ty.is_float:
            return (O.MIN_F64, O.MAX_F64)[which]
        if ty is T.U64:
            return (O.MIN_U64, O.MAX_U64)[which]
        return (O.MIN_I, O.MAX_I)[which]

    def builtin_min(self, e, dst):
        self._binary_numeric(e, dst, self._min_max(e.ty, 0))

    def builtin_max(self, e, dst):
        self._binary_numeric(e, dst, self._min_max(e.ty, 1))

    def _binary_numeric(self, e, dst, opcode):
        mark = self.free
        rb = self.exp_to_reg(e.args[0])
        rc = self.exp_to_reg(e.args[1])
        self.free = mark
        self.emit(opcode, dst, rb, rc, e)

    def builtin_clamp(self, e, dst):
        """clamp(x, lo, hi) = min(max(x, lo), hi) (hi when lo > hi)."""
        mark = self.free
        rx = self.exp_to_reg(e.args[0])
        rlo = self.exp_to_reg(e.args[1])
        rhi = self.exp_to_reg(e.args[2])
        t = self.alloc(e.ty.category)
        self.free = mark
        self.emit(self._min_max(e.ty, 1), t, rx, rlo, e)
        self.emit(self._min_max(e.ty, 0), dst, t, rhi, e)

    def builtin___math1(self, e, dst):
        self.emit(O.MATH1, dst, self.operand(e.args[1]), e.args[0].value, e)

    def args_block(self, args) -> int:
        """The values of `args` in consecutive registers, left to right, for
        an instruction that reads them as a block and is emitted next (the
        registers are released at once, as `operand` does)."""
        mark = self.free
        blk = self.alloc_block([a.ty.category for a in args])
        for i, a in enumerate(args):
            self.exp_to(a, blk + i)
        self.free = mark
        return blk

    def builtin___math2(self, e, dst):
        self.emit(O.MATH2, dst, self.args_block(e.args[1:]), e.args[0].value, e)

    def builtin___str1(self, e, dst):
        self.emit(O.STR1, dst, self.operand(e.args[1]), e.args[0].value, e)

    def builtin___str2(self, e, dst):
        self.emit(O.STR2, dst, self.args_block(e.args[1:]), e.args[0].value, e)

    def builtin___str3(self, e, dst):
        self.emit(O.STR3, dst, self.args_block(e.args[1:]), e.args[0].value, e)

    def math_intrinsic(self, info):
        """(builtin name, code) when function `info` is `return __mathN(code, params...)`
        or `return __strN(code, params...)` with its parameters in order (a
        function of the math or strings module), or `return __rng_X(params...)` /
        `__rng_X(params...)` (the random module; code None): a call of it
        compiles to the one instruction.  Else None."""
        found = getattr(info, "intrinsic", False)
        if found is not False:
            return found
        found = None
        body = info.body
        if len(body) == 1 and type(body[0]) in (ast.Return, ast.ExprStmt) \
                and not info.captures:
            v = body[0].value if type(body[0]) is ast.Return else body[0].expr
            if type(v) is ast.Call and type(v.target) is str:
                lead = 1 if v.target in _INTRINSICS else 0
                if (lead or v.target in RNG_INTRINSICS) \
                        and len(v.args) == len(info.params) + lead \
                        and all(type(a) is ast.Name and getattr(a, "sym", None) is p
                                for a, p in zip(v.args[lead:], info.params)):
                    found = (v.target, v.args[0].value if lead else None)
        info.intrinsic = found
        return found

    def intrinsic_call(self, e, intrinsic):
        """A call of a math, strings or random module function, inlined: its one
        instruction (the arguments evaluated as for a call, left to right);
        returns the result register."""
        name, code = intrinsic
        mark = self.free
        if code is None:                # __rng_*: the builtin's own code, same arguments
            ty = e.ty
            dst = self.alloc(T.CAT_INT if ty.is_void else ty.category)
            getattr(self, "builtin_" + name)(e, dst)
            self.free = dst + 1
            return dst
        if name in ("__math1", "__str1"):
            r = self.exp_to_reg(e.args[0])
            self.free = mark
        else:
            r = self.args_block(e.args)
        dst = self.alloc(e.ty.category)
        self.emit(_INTRINSICS[name], dst, r, code, e)
        return dst

    # -- the random module's intrinsics (RNG_*; orus/std/random.orus) -----------------------
    def builtin___rng_seed(self, e, dst):
        self.emit(O.RNG_SEED, self.operand(e.args[0]), 0, 0, e)

    def builtin___rng_random(self, e, dst):
        self.emit(O.RNG_RANDOM, dst, 0, 0, e)

    def builtin___rng_uniform(self, e, dst):
        self.emit(O.RNG_UNIFORM, dst, self.args_block(e.args), 0, e)

    def builtin___rng_normal(self, e, dst):
        self.emit(O.RNG_NORMAL, dst, self.args_block(e.args), 0, e)

    def builtin___rng_integers(self, e, dst):
        self.emit(O.RNG_INTEGERS, dst, self.args_block(e.args), 0, e)

    def builtin___rng_shuffle(self, e, dst):
        self.emit(O.RNG_SHUFFLE, self.operand(e.args[0]), 0, 0, e)

    def builtin___rng_choice(self, e, dst):
        self.emit(O.RNG_CHOICE, dst, self.operand(e.args[0]), 0, e)


RNG_INTRINSICS = frozenset(("__rng_seed", "__rng_random", "__rng_uniform", "__rng_integers",
                            "__rng_normal", "__rng_shuffle", "__rng_choice"))

_INTRINSICS = {"__math1": O.MATH1, "__math2": O.MATH2, "__str1": O.STR1, "__str2": O.STR2,
               "__str3": O.STR3}
