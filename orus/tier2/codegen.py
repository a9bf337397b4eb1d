"""Bytecode -> LLVM IR: tier 1's dispatch loop with the program folded in.

``emit(program)`` returns the text of an LLVM module with one function,
``orus_t2_run(i64* desc)``: the descriptor block of orus/jit/abi.py, the
statuses of orus/bytecode/protocol.py (+ tier2.FALLBACK).

Shape of the code:

  * entry: load each array's address (and the sizes the checks need) from
    the descriptor, and pc/base/depth/budget from the state array; refuse
    (FALLBACK) until tier 1 has verified the program (S_VERIFIED == 1) or
    when the host asked for an error to be raised (S_RAISE); then a `switch`
    on pc over the entry points (``entry_points``) -- any other pc falls
    back to tier 1.
  * one basic block per instruction, its operands constants.  Registers
    stay in the `regs` array (base + constant index), so every stop leaves
    memory exactly as tier 1 would; base, depth and budget are SSA values
    (allocas that LLVM's SROA promotes).  The function of each pc is known
    statically, so `fn` is a constant everywhere except after a RET to a pc
    no known call site returns to.
  * every array gets its own TBAA type, so LLVM knows that a store into
    `hslots` does not change a register (the arrays are separate
    allocations; `regs` and `fregs` are one array and share a tag).
  * CALL pushes a frame exactly as tier 1 (same rows, checks, budget) and
    branches to the callee's block; RET pops it and switches over the
    program's return sites.
  * every exit goes through one block that stores pc, base, fn, depth and
    budget into `state` (refilling a spent budget as tier 1 does), so the
    host and tier 1 see tier 1's state.

An instruction without an emitter here becomes "store pc, return FALLBACK".
Exact semantics: each emitter mirrors the branch of orus/jit/vm.py's
`dispatch` of the same opcode (same checks in the same order, same error
code, same wrapping); the tests compare whole programs with tier 1.

Safety: the program must pass the verifier (the build verifies it, and the
generated code refuses to run before the VM has verified the same arrays --
the cache key includes their digest), so every register, constant and jump
operand is in range; heap handles are checked as tier 1 checks them; a frame
is entered only if the register file holds it.
"""

from __future__ import annotations

import llvmlite.ir as ir

from orus.bytecode import opcodes as op
from orus.bytecode import protocol as P
from orus.bytecode import runtime_errors as E
from orus.bytecode.program import FN_ARITY, FN_ENTRY, FN_NCAP, FN_NREGS
from orus.jit import abi
from orus.tier2 import FALLBACK, QUICK_BUDGET, loops

I1 = ir.IntType(1)
I8 = ir.IntType(8)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
F64 = ir.DoubleType()
ENTRY_SYMBOL = "orus_t2_run"

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1
I64_MIN = -(1 << 63)
U32_MASK = 0xFFFFFFFF


def c64(v: int) -> ir.Constant:
    """An i64 constant (a Python int of any sign, wrapped to 64 bits)."""
    v &= (1 << 64) - 1
    return ir.Constant(I64, v - (1 << 64) if v >= 1 << 63 else v)


def _jump_slot(o: int) -> int | None:
    """Which operand of opcode `o` is a jump target (the table's 'j' kind)."""
    kinds = op.TABLE[o].operands
    return kinds.index("j") if "j" in kinds else None


# Instructions that never stop for the host (they continue, jump, or fail
# with a runtime error).  Every other instruction may stop and be resumed at
# its own pc (FLUSH, GROW_*, GC), so its pc is an entry point.
NEVER_STOPS = frozenset(getattr(op, name) for name in (
    "MOVE LOADI LOADK LOADF LOADS LOADFN GETG GETG_CHK SETG "
    "ADD_I32 SUB_I32 MUL_I32 DIV_I32 MOD_I32 NEG_I32 ADD_I64 SUB_I64 MUL_I64 DIV_I64 MOD_I64 "
    "NEG_I64 ADD_U32 SUB_U32 MUL_U32 DIV_U32 MOD_U32 ADD_U64 SUB_U64 MUL_U64 DIV_U64 MOD_U64 "
    "ADD_F64 SUB_F64 MUL_F64 DIV_F64 MOD_F64 NEG_F64 EQ_I NE_I LT_I LE_I LT_U64 LE_U64 "
    "EQ_F NE_F LT_F LE_F NOT CAST I2F JMP JMPF JMPT FORPREP FORLOOP ERROR HALT "
    "STR_LEN ARR_GET ARR_SET ARR_LEN JMPTAB ADDI_I32 SUBI_I32 ADDI_I64 SUBI_I64 "
    "JNLT_I JNLE_I JNEQ_I JNNE_I JNLT_F JNLE_F JNLTI_I JNLEI_I JNGTI_I JNGEI_I JNEQI_I "
    "JNNEI_I ARR_SETI ADDK_F64 SUBK_F64 MULK_F64 DIVK_F64 BAND BOR BXOR BNOT BNOT_U32 "
    "SHL_I32 SHL_U32 SHL_64 SHR_32 SHR_I64 SHR_U64 STR_BYTE ABS_I32 ABS_I64 MIN_I MAX_I "
    "MIN_U64 MAX_U64 MIN_F64 MAX_F64 CMP_TEST ITER_INT "
    "STR_GET EQ_S NE_S LT_S LE_S STR_ORD STR_CHR REC_GET REC_SET RANGE_NEXT TRY_END").split())
# (FORLOOP and the back jumps can stop with YIELD, but they resume at their
# target, which is an entry point; CALL can stop before pushing, so it is
# not in the set.)


def entry_points(code, funcs) -> list[int]:
    """The pcs where a call of the native code may start: every pc at which
    tier 1 or the host can leave execution (see the module docstring)."""
    n = len(code)
    pcs = {int(f[FN_ENTRY]) for f in funcs}
    for pc, (o, a, b, c) in enumerate(code):
        if o in (op.CALL, op.CALLV) or o in op.HOST_STOPS:
            pcs.add(pc + 1)                       # return site / after a host call
        if o not in NEVER_STOPS:
            pcs.add(pc)                           # may stop and resume here
        slot = _jump_slot(o)
        if slot is not None and (o in op.BACKWARD_JUMPS or o == op.TRY_BEGIN):
            pcs.add((a, b, c)[slot])
    return sorted(p for p in pcs if 0 <= p < n)


class Emitter:
    """Builds the module for one program (``emit`` below drives it)."""

    def __init__(self, program):
        self.code = [tuple(int(x) for x in row) for row in program.code.tolist()]
        self.funcs = [tuple(int(x) for x in row) for row in program.funcs.tolist()]
        self.kint = [int(x) for x in program.kint.tolist()]
        self.kflt = [float(x) for x in program.kflt.tolist()]
        self.types = [tuple(int(x) for x in row) for row in program.types.tolist()]
        n = len(self.code)
        self.fn_of = [0] * n
        for f, row in enumerate(self.funcs):
            for pc in range(row[FN_ENTRY], row[1]):            # FN_END
                self.fn_of[pc] = f
        self.module = ir.Module(name="orus_tier2")
        self.func = ir.Function(self.module, ir.FunctionType(I64, [I64.as_pointer()]),
                                name=ENTRY_SYMBOL)
        self.func.args[0].name = "desc"
        self.supported = 0
        self.guards = {}
        self.fast = {}
        self._tbaa()

    # ------------------------------------------------------------ metadata
    def _tbaa(self):
        m = self.module
        root = m.add_metadata([ir.MetaDataString(m, "orus tier2 arrays")])
        self.tags = {}
        for name in ("regs", "frames", "handlers", "state", "ginit", "hobj", "hbytes", "hslots",
                     "out_rec", "out_blob"):
            node = m.add_metadata([ir.MetaDataString(m, name), root, c64(0)])
            self.tags[name] = m.add_metadata([node, node, c64(0)])

    # element alignment of each array (numpy and the host's buffers align
    # them; LLVM's default for a typed-pointer load is the ABI's, but the
    # parsed module has no data layout until the build sets it)
    ALIGN = {"ginit": 1, "hbytes": 1, "out_blob": 1}

    def load(self, arr: str, ptr, name=""):
        v = self.b.load(ptr, name=name, align=self.ALIGN.get(arr, 8))
        v.set_metadata("tbaa", self.tags[arr])
        return v

    def store(self, arr: str, value, ptr):
        s = self.b.store(value, ptr, align=self.ALIGN.get(arr, 8))
        s.set_metadata("tbaa", self.tags[arr])
        return s

    # ------------------------------------------------------------ arrays
    def _desc(self, i: int):
        return self.b.load(self.b.gep(self.func.args[0], [c64(i)]))

    def _array(self, name: str, elem):
        i = abi.NAMES.index(name) * abi.DESC_COLS
        ptr = self.b.inttoptr(self._desc(i), elem.as_pointer(), name=name)
        rows = self._desc(i + 1)
        return ptr, rows

    def at(self, arr: str, index):
        """Pointer to element `index` (i64 value or int) of a 1-D array."""
        base = {"regs": self.regs, "state": self.state, "ginit": self.ginit,
                "hbytes": self.hbytes, "hslots": self.hslots, "out_blob": self.out_blob}[arr]
        return self.b.gep(base, [index if not isinstance(index, int) else c64(index)])

    def at2(self, arr: str, row, col: int):
        base, cols = {"frames": (self.frames, P.F_COLS), "hobj": (self.hobj, P.H_COLS),
                      "handlers": (self.handlers, P.T_COLS),
                      "out_rec": (self.out_rec, P.REC_COLS)}[arr]
        idx = self.b.add(self.b.mul(row, c64(cols)), c64(col))
        return self.b.gep(base, [idx])

    def st_get(self, slot: int):
        return self.load("state", self.at("state", slot))

    def st_set(self, slot: int, value):
        self.store("state", value if not isinstance(value, int) else c64(value),
                   self.at("state", slot))

    # ------------------------------------------------------------ registers
    def rptr(self, x: int):
        return self.b.gep(self.regs, [self.b.add(self.b.load(self.base), c64(x))])

    def rget(self, x: int):
        return self.load("regs", self.rptr(x))

    def rset(self, x: int, value):
        self.store("regs", value, self.rptr(x))

    def fget(self, x: int):
        return self.load("regs", self.b.bitcast(self.rptr(x), F64.as_pointer()))

    def fset(self, x: int, value):
        self.store("regs", value, self.b.bitcast(self.rptr(x), F64.as_pointer()))

    def gptr(self, x: int):                  # global x: absolute register x (main's frame)
        return self.b.gep(self.regs, [c64(x)])

    # ------------------------------------------------------------ control
    def new_block(self, label: str):
        return self.func.append_basic_block(label)

    def exit_block(self, status: int, pc, fn, label="exit"):
        """A block leaving with `status` at `pc` in function `fn`."""
        blk = self.new_block(label)
        saved = self.b.block
        self.b.position_at_end(blk)
        self.b.store(c64(status), self.x_status)
        self.b.store(pc if not isinstance(pc, int) else c64(pc), self.x_pc)
        self.b.store(fn if not isinstance(fn, int) else c64(fn), self.x_fn)
        self.b.branch(self.exit)
        self.b.position_at_end(saved)
        return blk

    def error_block(self, pc: int, err, errarg=-1):
        """A block raising runtime error `err` (int or value) at `pc`."""
        blk = self.new_block("err%d" % pc)
        saved = self.b.block
        self.b.position_at_end(blk)
        self.st_set(P.S_ERR, err if not isinstance(err, int) else c64(err))
        self.st_set(P.S_ERRARG, errarg)
        self.b.store(c64(P.ERROR), self.x_status)
        self.b.store(c64(pc), self.x_pc)
        self.b.store(c64(self.fn_of[pc]), self.x_fn)
        self.b.branch(self.exit)
        self.b.position_at_end(saved)
        return blk

    def fail_if(self, cond, pc: int, err, errarg=-1):
        """Continue in a new block when `cond` is false; error `err` if true."""
        ok = self.new_block("ok%d" % pc)
        self.b.cbranch(cond, self.error_block(pc, err, errarg), ok)
        self.b.position_at_end(ok)

    def goto(self, pc: int, target: int):
        """Jump from `pc` to `target`, counting a backward jump toward the
        yield budget exactly as tier 1 does."""
        if target > pc:
            self.b.branch(self.blocks[target])
            return
        budget = self.b.sub(self.b.load(self.budget), c64(1))
        self.b.store(budget, self.budget)
        self.b.cbranch(self.b.icmp_signed("<=", budget, c64(0)),
                       self.exit_block(P.YIELD, target, self.fn_of[pc], "yield%d" % pc),
                       self.blocks[target])

    def next(self, pc: int):
        self.b.branch(self.blocks[pc + 1])

    # ------------------------------------------------------------ the module
    def build(self) -> str:
        n = len(self.code)
        entry = self.func.append_basic_block("entry")
        self.b = b = ir.IRBuilder(entry)
        self.base = b.alloca(I64, name="base")
        self.depth = b.alloca(I64, name="depth")
        self.budget = b.alloca(I64, name="budget")
        self.x_status = b.alloca(I64, name="x_status")
        self.x_pc = b.alloca(I64, name="x_pc")
        self.x_fn = b.alloca(I64, name="x_fn")
        self.regs, self.nregs = self._array("regs", I64)
        self.frames, self.nframes = self._array("frames", I64)
        self.handlers, self.nhandlers = self._array("handlers", I64)
        self.state, _ = self._array("state", I64)
        self.ginit, _ = self._array("ginit", I8)
        self.hobj, self.nobj_rows = self._array("hobj", I64)
        self.hbytes, self.nhbytes = self._array("hbytes", I8)
        self.hslots, self.nhslots = self._array("hslots", I64)
        self.out_rec, self.nout_rec = self._array("out_rec", I64)
        self.out_blob, self.nout_blob = self._array("out_blob", I8)
        code_rows = self._desc(abi.NAMES.index("code") * abi.DESC_COLS + 1)
        pc0 = self.st_get(P.S_PC)
        b.store(self.st_get(P.S_BASE), self.base)
        b.store(self.st_get(P.S_DEPTH), self.depth)
        b.store(self.st_get(P.S_BUDGET), self.budget)

        self.blocks = [self.func.append_basic_block("pc%d" % pc) for pc in range(n)]
        self.exit = self.func.append_basic_block("exit")
        refuse = self.func.append_basic_block("refuse")
        dispatch = self.func.append_basic_block("dispatch")

        # not verified yet, a raise pending, or another program's arrays: tier 1
        ok = b.and_(b.icmp_signed("==", self.st_get(P.S_VERIFIED), c64(1)),
                    b.icmp_signed("==", self.st_get(P.S_RAISE), c64(0)))
        ok = b.and_(ok, b.icmp_signed("==", code_rows, c64(n)))
        b.cbranch(ok, dispatch, refuse)

        b.position_at_end(refuse)                 # state untouched but the budget
        budget = self.st_get(P.S_BUDGET)
        quick = b.select(b.icmp_signed("<", budget, c64(QUICK_BUDGET)), budget, c64(QUICK_BUDGET))
        self.st_set(P.S_BUDGET, quick)
        b.ret(c64(FALLBACK))

        b.position_at_end(dispatch)
        sw = b.switch(pc0, refuse)
        for pc in entry_points(self.code, self.funcs):
            sw.add_case(c64(pc), self.blocks[pc])

        self.fast = {}                     # pc -> settled row of a versioned loop's access
        self.loop_plan = loops.plan(self.code, NEVER_STOPS)
        self.guards = {prep: self.func.append_basic_block("guard%d" % prep)
                       for prep in self.loop_plan}
        for pc in range(n):
            self._emit_one(pc, self.blocks[pc])
        self.supported = sum(1 for pc in range(n) if pc not in self._fell_back)
        for prep, (first, last, accesses) in self.loop_plan.items():
            self._emit_versioned(prep, first, last, accesses)

        self._emit_exit()
        return str(self.module)

    _fell_back = None

    def _emit_one(self, pc, block):
        """Emit instruction `pc` into `block` (a fallback exit if unsupported)."""
        if self._fell_back is None:
            self._fell_back = set()
        b = self.b
        b.position_at_end(block)
        o, a, bb, c = self.code[pc]
        method = getattr(self, "op_" + op.NAMES[o], None)
        if method is None or method(pc, a, bb, c) is False:
            self._fell_back.add(pc)
            if not b.block.is_terminated:
                b.branch(self.exit_block(FALLBACK, pc, self.fn_of[pc], "fallback%d" % pc))
        assert b.block.is_terminated, (pc, op.NAMES[o])

    # ------------------------------------------------------------ versioned loops
    def _emit_versioned(self, prep, first, last, accesses):
        """The guard on FORPREP's fall-through edge, then the loop body
        again with the settled checks left out (orus/tier2/loops.py)."""
        bb = self.b
        normal = self.blocks[first]
        bb.position_at_end(self.guards[prep])
        rows, values = {}, {}
        for acc in accesses:
            h = values[acc.from_pc] if acc.from_pc is not None else self.rget(acc.handle)
            ok = self.new_block("g_row%d" % acc.pc)
            bb.cbranch(bb.icmp_unsigned("<", h, self.nobj_rows), ok, normal)
            bb.position_at_end(ok)
            kind = self.load("hobj", self.at2("hobj", h, P.H_KIND))
            is_bytes = bb.icmp_signed("==", kind, c64(P.HK_ARR_B))
            array = bb.or_(is_bytes, bb.or_(bb.icmp_signed("==", kind, c64(P.HK_ARR)),
                                            bb.icmp_signed("==", kind, c64(P.HK_ARR_H))))
            ok = self.new_block("g_kind%d" % acc.pc)
            bb.cbranch(array, ok, normal)
            bb.position_at_end(ok)
            off = self.load("hobj", self.at2("hobj", h, P.H_OFF))
            ln = self.load("hobj", self.at2("hobj", h, P.H_LEN))
            value = None
            if acc.hoist_value:
                i = self.rget(acc.index)
                ok = self.new_block("g_idx%d" % acc.pc)
                inside = bb.and_(bb.icmp_signed(">=", i, c64(0)), bb.icmp_signed("<", i, ln))
                bb.cbranch(inside, ok, normal)
                bb.position_at_end(ok)
                value = self._read_element(acc.pc, is_bytes, off, i)
                values[acc.pc] = value
            rows[acc.pc] = (off, ln, is_bytes, value)
        fast = list(self.blocks)
        for pc in range(first, last + 1):
            fast[pc] = self.new_block("fast%d" % pc)
        bb.branch(fast[first])
        saved_blocks, saved_fell = self.blocks, set(self._fell_back)
        self.blocks, self.fast = fast, rows
        try:
            for pc in range(first, last + 1):
                self._emit_one(pc, fast[pc])
        finally:
            self.blocks, self.fast, self._fell_back = saved_blocks, {}, saved_fell

    def _read_element(self, pc, is_bytes, off, i):
        """Element i of an array whose row is settled (bytes or slots)."""
        bb = self.b
        yes, no, join = (self.new_block("eb%d" % pc), self.new_block("es%d" % pc),
                         self.new_block("ej%d" % pc))
        bb.cbranch(is_bytes, yes, no)
        bb.position_at_end(yes)
        vb = bb.zext(self.load("hbytes", self.at("hbytes", bb.add(off, i))), I64)
        bb.branch(join)
        bb.position_at_end(no)
        vs = self.load("hslots", self.at("hslots", bb.add(off, i)))
        bb.branch(join)
        bb.position_at_end(join)
        phi = bb.phi(I64)
        phi.add_incoming(vb, yes)
        phi.add_incoming(vs, no)
        return phi

    def _settled(self, pc, a, handle_reg, index_reg, on_slot, on_byte):
        """An array access of a versioned loop whose row the guard checked:
        only the index is checked here (the row cannot change in the loop)."""
        bb = self.b
        off, ln, is_bytes, value = self.fast[pc]
        if value is not None:                       # ARR_GET of a settled element
            self.rset(a, value)
            self.next(pc)
            return
        i = self.rget(index_reg)
        ok = self.new_block("s_idx%d" % pc)
        slow = self.new_block("s_slow%d" % pc)
        bb.cbranch(bb.and_(bb.icmp_signed(">=", i, c64(0)), bb.icmp_signed("<", i, ln)), ok, slow)
        bb.position_at_end(slow)
        self._index_error(pc, self.rget(handle_reg), i)
        bb.position_at_end(ok)
        yes, no = self.new_block("s_b%d" % pc), self.new_block("s_s%d" % pc)
        bb.cbranch(is_bytes, yes, no)
        bb.position_at_end(yes)
        on_byte(self.at("hbytes", bb.add(off, i)))
        self.next(pc)
        bb.position_at_end(no)
        on_slot(self.at("hslots", bb.add(off, i)))
        self.next(pc)

    def _emit_exit(self):
        b = self.b
        b.position_at_end(self.exit)
        status = b.load(self.x_status)
        budget = b.load(self.budget)
        # tier 1 refills a spent budget when it stops (dispatch's exit)
        budget = b.select(b.icmp_signed("<=", budget, c64(0)), c64(P.YIELD_EVERY), budget)
        # a runtime error inside an active try block: tier 1 unwinds to the
        # handler (run_with's S_RAISE path), exactly as for its own errors
        caught = b.and_(b.icmp_signed("==", status, c64(P.ERROR)),
                        b.icmp_signed(">", self.st_get(P.S_NHANDLERS), c64(0)))
        with b.if_then(caught):
            self.st_set(P.S_RAISE, 1)
        status = b.select(caught, c64(FALLBACK), status)
        fallback = b.icmp_signed("==", status, c64(FALLBACK))
        budget = b.select(b.and_(fallback, b.icmp_signed(">", budget, c64(QUICK_BUDGET))),
                          c64(QUICK_BUDGET), budget)
        self.st_set(P.S_PC, b.load(self.x_pc))
        self.st_set(P.S_BASE, b.load(self.base))
        self.st_set(P.S_FN, b.load(self.x_fn))
        self.st_set(P.S_DEPTH, b.load(self.depth))
        self.st_set(P.S_BUDGET, budget)
        b.ret(status)

    # ================================================================ opcodes
    # Each op_X(pc, a, b, c) mirrors the branch of vm.dispatch for X and
    # leaves its block terminated; returning False means "not supported
    # here" (the instruction falls back to tier 1).

    # ---- loads and moves
    def op_MOVE(self, pc, a, b, c):
        self.rset(a, self.rget(b))
        self.next(pc)

    def op_LOADI(self, pc, a, b, c):
        self.rset(a, c64(b))
        self.next(pc)

    def op_LOADK(self, pc, a, b, c):
        self.rset(a, c64(self.kint[b]))
        self.next(pc)

    def op_LOADF(self, pc, a, b, c):
        self.fset(a, ir.Constant(F64, self.kflt[b]))
        self.next(pc)

    def op_LOADS(self, pc, a, b, c):
        self.rset(a, c64(b))                 # string constant b is heap object b
        self.next(pc)

    def op_LOADFN(self, pc, a, b, c):
        self.rset(a, self.b.add(self.st_get(P.S_NSTR), c64(b)))
        self.next(pc)

    def op_GETG(self, pc, a, b, c):
        self.rset(a, self.load("regs", self.gptr(b)))
        self.next(pc)

    def op_GETG_CHK(self, pc, a, b, c):
        init = self.load("ginit", self.at("ginit", b))
        self.fail_if(self.b.icmp_unsigned("==", init, ir.Constant(I8, 0)), pc,
                     E.UNINIT_GLOBAL, c)
        self.rset(a, self.load("regs", self.gptr(b)))
        self.next(pc)

    def op_SETG(self, pc, a, b, c):
        self.store("regs", self.rget(b), self.gptr(a))
        self.store("ginit", ir.Constant(I8, 1), self.at("ginit", a))
        self.next(pc)

    # ---- integer arithmetic
    def _i32_result(self, pc, a, r):
        bb = self.b
        bad = bb.or_(bb.icmp_signed("<", r, c64(I32_MIN)), bb.icmp_signed(">", r, c64(I32_MAX)))
        self.fail_if(bad, pc, E.OVERFLOW)
        self.rset(a, r)
        self.next(pc)

    def op_ADD_I32(self, pc, a, b, c):
        self._i32_result(pc, a, self.b.add(self.rget(b), self.rget(c)))

    def op_SUB_I32(self, pc, a, b, c):
        self._i32_result(pc, a, self.b.sub(self.rget(b), self.rget(c)))

    def op_MUL_I32(self, pc, a, b, c):
        self._i32_result(pc, a, self.b.mul(self.rget(b), self.rget(c)))

    def op_ADDI_I32(self, pc, a, b, c):
        self._i32_result(pc, a, self.b.add(self.rget(b), c64(c)))

    def op_SUBI_I32(self, pc, a, b, c):
        self._i32_result(pc, a, self.b.sub(self.rget(b), c64(c)))

    def _checked64(self, pc, a, intrinsic, x, y):
        """R[A] := x op y with LLVM's overflow intrinsic (i64 semantics)."""
        fn = self.module.globals.get("llvm.%s.with.overflow.i64" % intrinsic)
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(ir.LiteralStructType([I64, I1]),
                                                          [I64, I64]),
                             "llvm.%s.with.overflow.i64" % intrinsic)
        r = self.b.call(fn, [x, y])
        self.fail_if(self.b.extract_value(r, 1), pc, E.OVERFLOW)
        self.rset(a, self.b.extract_value(r, 0))
        self.next(pc)

    def op_ADD_I64(self, pc, a, b, c):
        self._checked64(pc, a, "sadd", self.rget(b), self.rget(c))

    def op_SUB_I64(self, pc, a, b, c):
        self._checked64(pc, a, "ssub", self.rget(b), self.rget(c))

    def op_MUL_I64(self, pc, a, b, c):
        self._checked64(pc, a, "smul", self.rget(b), self.rget(c))

    def op_ADDI_I64(self, pc, a, b, c):
        self._checked64(pc, a, "sadd", self.rget(b), c64(c))

    def op_SUBI_I64(self, pc, a, b, c):
        self._checked64(pc, a, "ssub", self.rget(b), c64(c))

    def _divmod(self, pc, a, b, c, minimum, div):
        """DIV/MOD of i32 or i64: /0 -> DIV_ZERO, MIN / -1 -> OVERFLOW, else
        C division (truncating; the remainder has the dividend's sign)."""
        bb = self.b
        x, y = self.rget(b), self.rget(c)
        self.fail_if(bb.icmp_signed("==", y, c64(0)), pc, E.DIV_ZERO)
        minus1 = bb.icmp_signed("==", y, c64(-1))
        self.fail_if(bb.and_(minus1, bb.icmp_signed("==", x, c64(minimum))), pc, E.OVERFLOW)
        # y == -1 is computed without sdiv (INT64_MIN / -1 traps on x86; an
        # i32 register never holds INT64_MIN, but native code must not trap)
        safe_y = bb.select(minus1, c64(1), y)
        if div:
            q = bb.sdiv(x, safe_y)
            r = bb.select(minus1, bb.sub(c64(0), x), q)
        else:
            r = bb.select(minus1, c64(0), bb.srem(x, safe_y))
        self.rset(a, r)
        self.next(pc)

    def op_DIV_I32(self, pc, a, b, c):
        self._divmod(pc, a, b, c, I32_MIN, True)

    def op_MOD_I32(self, pc, a, b, c):
        self._divmod(pc, a, b, c, I32_MIN, False)

    def op_DIV_I64(self, pc, a, b, c):
        self._divmod(pc, a, b, c, I64_MIN, True)

    def op_MOD_I64(self, pc, a, b, c):
        self._divmod(pc, a, b, c, I64_MIN, False)

    def _neg(self, pc, a, b, minimum):
        x = self.rget(b)
        self.fail_if(self.b.icmp_signed("==", x, c64(minimum)), pc, E.OVERFLOW)
        self.rset(a, self.b.sub(c64(0), x))
        self.next(pc)

    def op_NEG_I32(self, pc, a, b, c):
        self._neg(pc, a, b, I32_MIN)

    def op_NEG_I64(self, pc, a, b, c):
        self._neg(pc, a, b, I64_MIN)

    def _abs(self, pc, a, b, minimum):
        bb = self.b
        x = self.rget(b)
        self.fail_if(bb.icmp_signed("==", x, c64(minimum)), pc, E.OVERFLOW)
        self.rset(a, bb.select(bb.icmp_signed("<", x, c64(0)), bb.sub(c64(0), x), x))
        self.next(pc)

    def op_ABS_I32(self, pc, a, b, c):
        self._abs(pc, a, b, I32_MIN)

    def op_ABS_I64(self, pc, a, b, c):
        self._abs(pc, a, b, I64_MIN)

    def _wrap(self, pc, a, value, mask32):
        self.rset(a, self.b.and_(value, c64(U32_MASK)) if mask32 else value)
        self.next(pc)

    def op_ADD_U32(self, pc, a, b, c):
        self._wrap(pc, a, self.b.add(self.rget(b), self.rget(c)), True)

    def op_SUB_U32(self, pc, a, b, c):
        self._wrap(pc, a, self.b.sub(self.rget(b), self.rget(c)), True)

    def op_MUL_U32(self, pc, a, b, c):
        self._wrap(pc, a, self.b.mul(self.rget(b), self.rget(c)), True)

    def op_ADD_U64(self, pc, a, b, c):
        self._wrap(pc, a, self.b.add(self.rget(b), self.rget(c)), False)

    def op_SUB_U64(self, pc, a, b, c):
        self._wrap(pc, a, self.b.sub(self.rget(b), self.rget(c)), False)

    def op_MUL_U64(self, pc, a, b, c):
        self._wrap(pc, a, self.b.mul(self.rget(b), self.rget(c)), False)

    def _udivmod(self, pc, a, b, c, div):
        x, y = self.rget(b), self.rget(c)
        self.fail_if(self.b.icmp_signed("==", y, c64(0)), pc, E.DIV_ZERO)
        self.rset(a, self.b.udiv(x, y) if div else self.b.urem(x, y))
        self.next(pc)

    def op_DIV_U32(self, pc, a, b, c):
        self._udivmod(pc, a, b, c, True)

    def op_DIV_U64(self, pc, a, b, c):
        self._udivmod(pc, a, b, c, True)

    def op_MOD_U32(self, pc, a, b, c):
        self._udivmod(pc, a, b, c, False)

    def op_MOD_U64(self, pc, a, b, c):
        self._udivmod(pc, a, b, c, False)

    # ---- bitwise
    def op_BAND(self, pc, a, b, c):
        self._wrap(pc, a, self.b.and_(self.rget(b), self.rget(c)), False)

    def op_BOR(self, pc, a, b, c):
        self._wrap(pc, a, self.b.or_(self.rget(b), self.rget(c)), False)

    def op_BXOR(self, pc, a, b, c):
        self._wrap(pc, a, self.b.xor(self.rget(b), self.rget(c)), False)

    def op_BNOT(self, pc, a, b, c):
        self._wrap(pc, a, self.b.not_(self.rget(b)), False)

    def op_BNOT_U32(self, pc, a, b, c):
        self._wrap(pc, a, self.b.not_(self.rget(b)), True)

    def _shift(self, pc, a, b, c, width, make):
        bb = self.b
        x, y = self.rget(b), self.rget(c)
        bad = bb.or_(bb.icmp_signed("<", y, c64(0)), bb.icmp_signed(">=", y, c64(width)))
        self.fail_if(bad, pc, E.SHIFT_RANGE)
        self.rset(a, make(x, y))
        self.next(pc)

    def op_SHL_I32(self, pc, a, b, c):
        bb = self.b
        self._shift(pc, a, b, c, 32, lambda x, y: bb.sext(bb.trunc(bb.shl(x, y), I32), I64))

    def op_SHL_U32(self, pc, a, b, c):
        bb = self.b
        self._shift(pc, a, b, c, 32, lambda x, y: bb.and_(bb.shl(x, y), c64(U32_MASK)))

    def op_SHL_64(self, pc, a, b, c):
        self._shift(pc, a, b, c, 64, self.b.shl)

    def op_SHR_32(self, pc, a, b, c):
        self._shift(pc, a, b, c, 32, self.b.ashr)

    def op_SHR_I64(self, pc, a, b, c):
        self._shift(pc, a, b, c, 64, self.b.ashr)

    def op_SHR_U64(self, pc, a, b, c):
        self._shift(pc, a, b, c, 64, self.b.lshr)

    # ---- min / max
    def _pick(self, pc, a, b, c, pred, unsigned=False, floating=False):
        """R[A] := R[C] if R[C] <pred> R[B] else R[B] (vm.py's exact form)."""
        bb = self.b
        if floating:
            x, y = self.fget(b), self.fget(c)
            self.fset(a, bb.select(bb.fcmp_ordered(pred, y, x), y, x))
        else:
            x, y = self.rget(b), self.rget(c)
            cmp = bb.icmp_unsigned if unsigned else bb.icmp_signed
            self.rset(a, bb.select(cmp(pred, y, x), y, x))
        self.next(pc)

    def op_MIN_I(self, pc, a, b, c):
        self._pick(pc, a, b, c, "<")

    def op_MAX_I(self, pc, a, b, c):
        self._pick(pc, a, b, c, ">")

    def op_MIN_U64(self, pc, a, b, c):
        self._pick(pc, a, b, c, "<", unsigned=True)

    def op_MAX_U64(self, pc, a, b, c):
        self._pick(pc, a, b, c, ">", unsigned=True)

    def op_MIN_F64(self, pc, a, b, c):
        self._pick(pc, a, b, c, "<", floating=True)

    def op_MAX_F64(self, pc, a, b, c):
        self._pick(pc, a, b, c, ">", floating=True)

    # ---- floats
    def _farith(self, pc, a, value):
        self.fset(a, value)
        self.next(pc)

    def op_ADD_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fadd(self.fget(b), self.fget(c)))

    def op_SUB_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fsub(self.fget(b), self.fget(c)))

    def op_MUL_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fmul(self.fget(b), self.fget(c)))

    def _fdivmod(self, pc, a, b, c, div):
        x, y = self.fget(b), self.fget(c)
        self.fail_if(self.b.fcmp_ordered("==", y, ir.Constant(F64, 0.0)), pc, E.DIV_ZERO)
        self._farith(pc, a, self.b.fdiv(x, y) if div else self.b.frem(x, y))

    def op_DIV_F64(self, pc, a, b, c):
        self._fdivmod(pc, a, b, c, True)

    def op_MOD_F64(self, pc, a, b, c):
        self._fdivmod(pc, a, b, c, False)

    def op_NEG_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fneg(self.fget(b)))

    def op_ADDK_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fadd(self.fget(b), ir.Constant(F64, self.kflt[c])))

    def op_SUBK_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fsub(self.fget(b), ir.Constant(F64, self.kflt[c])))

    def op_MULK_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fmul(self.fget(b), ir.Constant(F64, self.kflt[c])))

    def op_DIVK_F64(self, pc, a, b, c):
        self._farith(pc, a, self.b.fdiv(self.fget(b), ir.Constant(F64, self.kflt[c])))

    def op_I2F(self, pc, a, b, c):
        self._farith(pc, a, self.b.sitofp(self.rget(b), F64))

    # ---- comparisons
    def _bool(self, pc, a, cond):
        self.rset(a, self.b.zext(cond, I64))
        self.next(pc)

    def op_EQ_I(self, pc, a, b, c):
        self._bool(pc, a, self.b.icmp_signed("==", self.rget(b), self.rget(c)))

    def op_NE_I(self, pc, a, b, c):
        self._bool(pc, a, self.b.icmp_signed("!=", self.rget(b), self.rget(c)))

    def op_LT_I(self, pc, a, b, c):
        self._bool(pc, a, self.b.icmp_signed("<", self.rget(b), self.rget(c)))

    def op_LE_I(self, pc, a, b, c):
        self._bool(pc, a, self.b.icmp_signed("<=", self.rget(b), self.rget(c)))

    def op_LT_U64(self, pc, a, b, c):
        self._bool(pc, a, self.b.icmp_unsigned("<", self.rget(b), self.rget(c)))

    def op_LE_U64(self, pc, a, b, c):
        self._bool(pc, a, self.b.icmp_unsigned("<=", self.rget(b), self.rget(c)))

    def op_EQ_F(self, pc, a, b, c):
        self._bool(pc, a, self.b.fcmp_ordered("==", self.fget(b), self.fget(c)))

    def op_NE_F(self, pc, a, b, c):
        self._bool(pc, a, self.b.fcmp_unordered("!=", self.fget(b), self.fget(c)))

    def op_LT_F(self, pc, a, b, c):
        self._bool(pc, a, self.b.fcmp_ordered("<", self.fget(b), self.fget(c)))

    def op_LE_F(self, pc, a, b, c):
        self._bool(pc, a, self.b.fcmp_ordered("<=", self.fget(b), self.fget(c)))

    def op_NOT(self, pc, a, b, c):
        self.rset(a, self.b.sub(c64(1), self.rget(b)))
        self.next(pc)

    def op_CMP_TEST(self, pc, a, b, c):
        bb = self.b
        v = self.rget(b)
        rel = {op.REL_EQ: bb.icmp_signed("==", v, c64(0)),
               op.REL_NE: bb.icmp_signed("!=", v, c64(0)),
               op.REL_LT: bb.icmp_signed("<", v, c64(0)),
               op.REL_LE: bb.icmp_signed("<=", v, c64(0)),
               op.REL_GT: bb.icmp_signed(">", v, c64(0))}.get(c)
        if rel is None:
            rel = bb.icmp_signed(">=", v, c64(0))
        # 2 = unordered (NaN): only != holds
        unordered = bb.icmp_signed("==", v, c64(2))
        self._bool(pc, a, bb.select(unordered, ir.Constant(I1, 1 if c == op.REL_NE else 0), rel))

    # ---- conversions (vm.do_cast)
    def op_CAST(self, pc, a, b, c):
        bb = self.b
        frm, to = c // op.CONV_TYPES, c % op.CONV_TYPES
        if frm == op.T_F64:
            f = self.fget(b)
            if to == op.T_F64:
                self.fset(a, f)
            elif to == op.T_BOOL:
                self.rset(a, bb.zext(bb.fcmp_unordered("!=", f, ir.Constant(F64, 0.0)), I64))
            else:
                self.rset(a, self._f64_to_int(f, to))
        else:
            v = self.rget(b)
            if to == op.T_F64:
                self.fset(a, bb.uitofp(v, F64) if frm == op.T_U64 else bb.sitofp(v, F64))
            elif to == op.T_BOOL:
                self.rset(a, bb.zext(bb.icmp_signed("!=", v, c64(0)), I64))
            elif to == op.T_I32:
                self.rset(a, bb.sext(bb.trunc(v, I32), I64))
            elif to == op.T_U32:
                self.rset(a, bb.and_(v, c64(U32_MASK)))
            else:
                self.rset(a, v)
        self.next(pc)

    def _f64_to_int(self, f, to):
        """vm._f64_to_int: truncate toward zero, saturate, NaN -> 0."""
        bb = self.b

        def fc(x):
            return ir.Constant(F64, x)
        if to == op.T_U64:
            big = bb.fcmp_ordered(">=", f, fc(18446744073709551615.0))
            low = bb.fcmp_ordered("<=", f, fc(0.0))
            mid = bb.select(bb.fcmp_ordered("<", f, fc(9223372036854775807.0)),
                            bb.fptosi(bb.select(low, fc(0.0), f), I64),
                            bb.fptoui(bb.select(big, fc(0.0), f), I64))
            r = bb.select(big, c64(-1), bb.select(low, c64(0), mid))
        else:
            hi, lo, hv, lv = {op.T_I32: (2147483647.0, -2147483648.0, I32_MAX, I32_MIN),
                              op.T_I64: (9223372036854775807.0, -9223372036854775808.0,
                                         (1 << 63) - 1, I64_MIN),
                              op.T_U32: (4294967295.0, 0.0, U32_MASK, 0)}[to]
            above = bb.fcmp_ordered(">=", f, fc(hi))
            below = bb.fcmp_ordered("<=", f, fc(lo))
            inside = bb.select(bb.or_(above, below), fc(0.0), f)     # fptosi of an in-range value
            r = bb.select(above, c64(hv), bb.select(below, c64(lv), bb.fptosi(inside, I64)))
        nan = bb.fcmp_unordered("uno", f, f)
        # fptosi of NaN would be poison: select it away (the operand is
        # replaced too, so no poison value is ever computed from it)
        return bb.select(nan, c64(0), r)

    # ---- jumps
    def op_JMP(self, pc, a, b, c):
        self.goto(pc, a)

    def _branch(self, pc, cond, target):
        """Jump to `target` if `cond`, else fall through (forward jumps of
        the JN* family never count toward the budget: the verifier allows
        backward jumps only from the counting instructions)."""
        if target <= pc:
            taken = self.new_block("taken%d" % pc)
            self.b.cbranch(cond, taken, self.blocks[pc + 1])
            self.b.position_at_end(taken)
            self.goto(pc, target)
        else:
            self.b.cbranch(cond, self.blocks[target], self.blocks[pc + 1])

    def op_JMPF(self, pc, a, b, c):
        self._branch(pc, self.b.icmp_signed("==", self.rget(a), c64(0)), b)

    def op_JMPT(self, pc, a, b, c):
        self._branch(pc, self.b.icmp_signed("!=", self.rget(a), c64(0)), b)

    def _jn(self, pc, pred, x, y, c, floating=False):
        """if not (x pred y): pc := c (JNEQ/JNNE use their own sense)."""
        bb = self.b
        cond = bb.fcmp_ordered(pred, x, y) if floating else bb.icmp_signed(pred, x, y)
        self._branch(pc, bb.not_(cond), c)

    def op_JNLT_I(self, pc, a, b, c):
        self._jn(pc, "<", self.rget(a), self.rget(b), c)

    def op_JNLE_I(self, pc, a, b, c):
        self._jn(pc, "<=", self.rget(a), self.rget(b), c)

    def op_JNEQ_I(self, pc, a, b, c):
        self._jn(pc, "==", self.rget(a), self.rget(b), c)

    def op_JNNE_I(self, pc, a, b, c):
        self._jn(pc, "!=", self.rget(a), self.rget(b), c)

    def op_JNLT_F(self, pc, a, b, c):
        self._jn(pc, "<", self.fget(a), self.fget(b), c, floating=True)

    def op_JNLE_F(self, pc, a, b, c):
        self._jn(pc, "<=", self.fget(a), self.fget(b), c, floating=True)

    def op_JNLTI_I(self, pc, a, b, c):
        self._jn(pc, "<", self.rget(a), c64(b), c)

    def op_JNLEI_I(self, pc, a, b, c):
        self._jn(pc, "<=", self.rget(a), c64(b), c)

    def op_JNGTI_I(self, pc, a, b, c):
        self._jn(pc, ">", self.rget(a), c64(b), c)

    def op_JNGEI_I(self, pc, a, b, c):
        self._jn(pc, ">=", self.rget(a), c64(b), c)

    def op_JNEQI_I(self, pc, a, b, c):
        self._jn(pc, "==", self.rget(a), c64(b), c)

    def op_JNNEI_I(self, pc, a, b, c):
        self._jn(pc, "!=", self.rget(a), c64(b), c)

    def op_JMPTAB(self, pc, a, b, c):
        sw = self.b.switch(self.rget(a), self.blocks[pc + 1 + b])
        for k in range(b):
            sw.add_case(c64(k), self.blocks[pc + 1 + k])

    def op_FORPREP(self, pc, a, b, c):
        bb = self.b
        step = self.rget(a + 2)
        self.fail_if(bb.icmp_signed("==", step, c64(0)), pc, E.STEP_ZERO)
        cnt = self._trip_count(self.rget(a), self.rget(a + 1), step, c)
        self.rset(a + 3, cnt)
        body = self.guards.get(pc, self.blocks[pc + 1])     # a versioned loop: its guard
        bb.cbranch(bb.icmp_signed("==", cnt, c64(0)), self.blocks[b], body)

    def _trip_count(self, start, end, step, flags):
        """vm.trip_count (uint64 arithmetic, wrapping like numpy's), branch-free."""
        bb = self.b
        inclusive = bool(flags & op.FOR_INCLUSIVE)
        cmp = bb.icmp_unsigned if flags & op.FOR_UNSIGNED else bb.icmp_signed
        pos = bb.icmp_signed(">", step, c64(0))
        past = bb.select(pos, cmp(">", start, end), cmp("<", start, end))
        if not inclusive:
            past = bb.or_(past, bb.icmp_signed("==", start, end))
        d = bb.select(pos, bb.sub(end, start), bb.sub(start, end))
        s = bb.select(pos, step, bb.sub(c64(0), step))          # never 0 (checked before)
        if not inclusive:
            d = bb.sub(d, c64(1))
        cnt = bb.add(bb.udiv(d, s), c64(1))
        return bb.select(past, c64(0), cnt)

    def op_FORLOOP(self, pc, a, b, c):
        bb = self.b
        cnt = bb.sub(self.rget(a + 3), c64(1))
        self.rset(a + 3, cnt)
        again = self.new_block("again%d" % pc)
        bb.cbranch(bb.icmp_signed("!=", cnt, c64(0)), again, self.blocks[pc + 1])
        bb.position_at_end(again)
        self.rset(a, bb.add(self.rget(a), self.rget(a + 2)))
        budget = bb.sub(bb.load(self.budget), c64(1))
        bb.store(budget, self.budget)
        bb.cbranch(bb.icmp_signed("<=", budget, c64(0)),
                   self.exit_block(P.YIELD, b, self.fn_of[pc], "yield%d" % pc), self.blocks[b])

    # ---- calls
    def op_CALL(self, pc, a, b, c):
        self._call_into(pc, a, b)

    def _call_into(self, pc, a, f, captures=None):
        """vm's CALL of function f with its window at R[A] (CALLV: after its
        own checks, with `captures(new_base)` copying the captured values
        once the frame is known to fit)."""
        bb = self.b
        depth = bb.load(self.depth)
        full = bb.icmp_signed(">=", depth, self.nframes)
        room = self.new_block("room%d" % pc)
        full_blk = self.new_block("full%d" % pc)
        bb.cbranch(full, full_blk, room)
        bb.position_at_end(full_blk)
        bb.cbranch(bb.icmp_signed(">=", depth, c64(P.MAX_DEPTH)),
                   self.error_block(pc, E.STACK_OVERFLOW),
                   self.exit_block(P.GROW_STACK, pc, self.fn_of[pc], "grow_stack%d" % pc))
        bb.position_at_end(room)
        base = bb.load(self.base)
        nb = bb.add(base, c64(a))
        need = bb.add(nb, c64(self.funcs[f][FN_NREGS]))
        fits = self.new_block("fits%d" % pc)
        grow = self.new_block("grow_regs%d" % pc)
        bb.cbranch(bb.icmp_signed(">", need, self.nregs), grow, fits)
        bb.position_at_end(grow)
        self.st_set(P.S_NEED, need)
        bb.branch(self.exit_block(P.GROW_REGS, pc, self.fn_of[pc], "grow_regs_exit%d" % pc))
        bb.position_at_end(fits)
        if captures is not None:
            captures(nb)
        budget = bb.sub(bb.load(self.budget), c64(1))
        bb.store(budget, self.budget)
        self.store("frames", c64(pc + 1), self.at2("frames", depth, P.F_RET_PC))
        self.store("frames", base, self.at2("frames", depth, P.F_BASE))
        self.store("frames", c64(self.fn_of[pc]), self.at2("frames", depth, P.F_FN))
        bb.store(bb.add(depth, c64(1)), self.depth)
        bb.store(nb, self.base)
        entry = self.funcs[f][FN_ENTRY]
        bb.cbranch(bb.icmp_signed("<=", budget, c64(0)),
                   self.exit_block(P.YIELD, entry, f, "yield_call%d" % pc), self.blocks[entry])

    def _return(self, pc, value_reg):
        bb = self.b
        depth = bb.load(self.depth)
        pop = self.new_block("pop%d" % pc)
        bb.cbranch(bb.icmp_signed("==", depth, c64(0)),
                   self.exit_block(P.DONE, pc, self.fn_of[pc], "done%d" % pc), pop)
        bb.position_at_end(pop)
        if value_reg is not None:
            v = self.rget(value_reg)
            self.store("regs", v, self.b.gep(self.regs, [bb.load(self.base)]))
        depth = bb.sub(depth, c64(1))
        bb.store(depth, self.depth)
        ret_pc = self.load("frames", self.at2("frames", depth, P.F_RET_PC))
        bb.store(self.load("frames", self.at2("frames", depth, P.F_BASE)), self.base)
        ret_fn = self.load("frames", self.at2("frames", depth, P.F_FN))
        sw = bb.switch(ret_pc, self.exit_block(FALLBACK, ret_pc, ret_fn, "ret_elsewhere%d" % pc))
        for site in self.return_sites:
            sw.add_case(c64(site), self.blocks[site])

    @property
    def return_sites(self):
        sites = getattr(self, "_return_sites", None)
        if sites is None:
            n = len(self.code)
            sites = self._return_sites = [pc + 1 for pc, row in enumerate(self.code)
                                          if row[0] in (op.CALL, op.CALLV) and pc + 1 < n]
        return sites

    def op_RET(self, pc, a, b, c):
        self._return(pc, a)

    def op_RET0(self, pc, a, b, c):
        self._return(pc, None)

    def op_HALT(self, pc, a, b, c):
        self.b.branch(self.exit_block(P.DONE, pc, self.fn_of[pc], "halt%d" % pc))

    def op_ERROR(self, pc, a, b, c):
        self.b.branch(self.error_block(pc, a, b))

    # ---- host calls: stop exactly as tier 1 does (the host resumes at pc + 1)
    def _host(self, pc, a, b, c):
        self.b.branch(self.exit_block(P.HOST, pc, self.fn_of[pc], "host%d" % pc))

    op_TIMESTAMP = op_HOSTCALL = op_OUTV = _host

    def op_TOSTR(self, pc, a, b, c):
        if c == op.OUT_STR:
            self.op_MOVE(pc, a, b, 0)
        elif c in (op.OUT_F64, op.OUT_BOOL, op.OUT_FN):
            self._host(pc, a, b, c)
        else:                              # integer text: a new string
            self._int_to_string(pc, a, b, c in (op.OUT_U32, op.OUT_U64))

    # ---- output
    def _flush_exit(self, pc, need):
        self.st_set(P.S_NEED, need)
        self.b.branch(self.exit_block(P.FLUSH, pc, self.fn_of[pc], "flush%d" % pc))

    def _record(self, pc, kind, x, y):
        bb = self.b
        n = self.st_get(P.S_NOUT)
        room = self.new_block("rec%d" % pc)
        full = self.new_block("recfull%d" % pc)
        bb.cbranch(bb.icmp_signed(">=", n, self.nout_rec), full, room)
        bb.position_at_end(full)
        self._flush_exit(pc, c64(0))
        bb.position_at_end(room)
        self.store("out_rec", c64(kind), self.at2("out_rec", n, 0))
        self.store("out_rec", x, self.at2("out_rec", n, 1))
        self.store("out_rec", y, self.at2("out_rec", n, 2))
        self.st_set(P.S_NOUT, bb.add(n, c64(1)))
        self.next(pc)

    def op_OUT(self, pc, a, b, c):
        if b == op.OUT_FN:
            return False
        if b == op.OUT_STR:
            return self._out_str(pc, a, b)
        self._record(pc, b, self.rget(a), c64(0))

    def op_OUTEND(self, pc, a, b, c):
        self._record(pc, P.OUTEND_REC, c64(a), c64(b))

    def _out_str(self, pc, a, kind):
        """vm.out_bytes of string R[A] (handle checked as _handle_ok does)."""
        bb = self.b
        h = self.rget(a)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_STR)), pc, E.BAD_VALUE)
        n = self.st_get(P.S_NOUT)
        ln = self.load("hobj", self.at2("hobj", h, P.H_LEN))
        blob = self.st_get(P.S_NBLOB)
        full = bb.or_(bb.icmp_signed(">=", n, self.nout_rec),
                      bb.icmp_signed(">", bb.add(blob, ln), self.nout_blob))
        room = self.new_block("outs%d" % pc)
        full_blk = self.new_block("outsfull%d" % pc)
        bb.cbranch(full, full_blk, room)
        bb.position_at_end(full_blk)
        self._flush_exit(pc, ln)
        bb.position_at_end(room)
        off = self.load("hobj", self.at2("hobj", h, P.H_OFF))
        self._copy_bytes(self.at("out_blob", blob), self.at("hbytes", off), ln)
        self.store("out_rec", c64(kind), self.at2("out_rec", n, 0))
        self.store("out_rec", blob, self.at2("out_rec", n, 1))
        self.store("out_rec", ln, self.at2("out_rec", n, 2))
        self.st_set(P.S_NBLOB, bb.add(blob, ln))
        self.st_set(P.S_NOUT, bb.add(n, c64(1)))
        self.next(pc)

    def _copy_bytes(self, dst, src, n):
        fn = self.module.globals.get("llvm.memcpy.p0i8.p0i8.i64")
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(ir.VoidType(), [I8.as_pointer(),
                             I8.as_pointer(), I64, I1]), "llvm.memcpy.p0i8.p0i8.i64")
        self.b.call(fn, [dst, src, n, ir.Constant(I1, 0)])

    # ---- heap
    def _handle_ok(self, h, kind):
        """heap._handle_ok: 0 <= h < S_NOBJ and hobj[h].kind == kind (the
        kind is read only when h is in range)."""
        bb = self.b
        inside = bb.icmp_unsigned("<", h, self.st_get(P.S_NOBJ))      # also h >= 0
        test = self.new_block("hk")
        join = self.new_block("hkj")
        start = bb.block
        bb.cbranch(inside, test, join)
        bb.position_at_end(test)
        same = bb.icmp_signed("==", self.load("hobj", self.at2("hobj", h, P.H_KIND)), c64(kind))
        bb.branch(join)
        bb.position_at_end(join)
        phi = bb.phi(I1)
        phi.add_incoming(ir.Constant(I1, 0), start)
        phi.add_incoming(same, test)
        return phi

    def _is_array(self, h):
        """vm._is_array (cold paths only)."""
        bb = self.b
        inside = bb.icmp_unsigned("<", h, self.st_get(P.S_NOBJ))
        test = self.new_block("isarr")
        join = self.new_block("isarrj")
        start = bb.block
        bb.cbranch(inside, test, join)
        bb.position_at_end(test)
        k = self.load("hobj", self.at2("hobj", h, P.H_KIND))
        arr = bb.or_(bb.or_(bb.icmp_signed("==", k, c64(P.HK_ARR)),
                            bb.icmp_signed("==", k, c64(P.HK_ARR_H))),
                     bb.icmp_signed("==", k, c64(P.HK_ARR_B)))
        bb.branch(join)
        bb.position_at_end(join)
        phi = bb.phi(I1)
        phi.add_incoming(ir.Constant(I1, 0), start)
        phi.add_incoming(arr, test)
        return phi

    def _index_error(self, pc, h, i):
        """The cold path of a failed array access: vm._index_error."""
        bb = self.b
        is_arr = self._is_array(h)
        err = bb.select(is_arr, bb.select(bb.icmp_signed("<", i, c64(0)),
                                          c64(E.INDEX_NEGATIVE), c64(E.INDEX_RANGE)),
                        c64(E.BAD_VALUE))
        bb.branch(self.error_block(pc, err))

    def _element(self, pc, h, i, on_slot, on_byte):
        """The fast path of ARR_GET / ARR_SET: h a live array row, 0 <= i < len
        (rows past the live ones are zero, HK_FREE, so the table's size
        bounds h); on_slot(ptr) / on_byte(ptr) do the access."""
        bb = self.b
        row_ok = self.new_block("row%d" % pc)
        slow = self.new_block("slow%d" % pc)
        bb.cbranch(bb.icmp_unsigned("<", h, self.nobj_rows), row_ok, slow)
        bb.position_at_end(row_ok)
        ln = self.load("hobj", self.at2("hobj", h, P.H_LEN))
        in_range = bb.and_(bb.icmp_signed(">=", i, c64(0)), bb.icmp_signed("<", i, ln))
        idx_ok = self.new_block("idx%d" % pc)
        bb.cbranch(in_range, idx_ok, slow)
        bb.position_at_end(idx_ok)
        k = self.load("hobj", self.at2("hobj", h, P.H_KIND))
        off = self.load("hobj", self.at2("hobj", h, P.H_OFF))
        slot = self.new_block("slot%d" % pc)
        notslot = self.new_block("notslot%d" % pc)
        byte = self.new_block("byte%d" % pc)
        is_slot = bb.or_(bb.icmp_signed("==", k, c64(P.HK_ARR)),
                         bb.icmp_signed("==", k, c64(P.HK_ARR_H)))
        bb.cbranch(is_slot, slot, notslot)
        bb.position_at_end(notslot)
        bb.cbranch(bb.icmp_signed("==", k, c64(P.HK_ARR_B)), byte, slow)
        bb.position_at_end(slot)
        on_slot(self.at("hslots", bb.add(off, i)))
        self.next(pc)
        bb.position_at_end(byte)
        on_byte(self.at("hbytes", bb.add(off, i)))
        self.next(pc)
        bb.position_at_end(slow)
        self._index_error(pc, h, i)

    def op_ARR_GET(self, pc, a, b, c):
        if pc in self.fast:
            return self._settled(pc, a, b, c,
                                 lambda p: self.rset(a, self.load("hslots", p)),
                                 lambda p: self.rset(a, self.b.zext(self.load("hbytes", p), I64)))
        h, i = self.rget(b), self.rget(c)
        self._element(pc, h, i,
                      lambda p: self.rset(a, self.load("hslots", p)),
                      lambda p: self.rset(a, self.b.zext(self.load("hbytes", p), I64)))

    def _arr_store(self, pc, a, b, value):
        if pc in self.fast:
            return self._settled(pc, None, a, b,
                                 lambda p: self.store("hslots", value(), p),
                                 lambda p: self.store("hbytes", self.b.trunc(value(), I8), p))
        h, i = self.rget(a), self.rget(b)
        self._element(pc, h, i,
                      lambda p: self.store("hslots", value(), p),
                      lambda p: self.store("hbytes", self.b.trunc(value(), I8), p))

    def op_ARR_SET(self, pc, a, b, c):
        self._arr_store(pc, a, b, lambda: self.rget(c))

    def op_ARR_SETI(self, pc, a, b, c):
        self._arr_store(pc, a, b, lambda: c64(c))

    def op_ARR_LEN(self, pc, a, b, c):
        h = self.rget(b)
        self.fail_if(self.b.not_(self._is_array(h)), pc, E.BAD_VALUE)
        self.rset(a, self.load("hobj", self.at2("hobj", h, P.H_LEN)))
        self.next(pc)

    def op_STR_LEN(self, pc, a, b, c):
        h = self.rget(b)
        self.fail_if(self.b.not_(self._handle_ok(h, P.HK_STR)), pc, E.BAD_VALUE)
        self.rset(a, self.load("hobj", self.at2("hobj", h, P.H_LEN)))
        self.next(pc)

    def op_STR_BYTE(self, pc, a, b, c):
        bb = self.b
        h, i = self.rget(b), self.rget(c)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_STR)), pc, E.BAD_VALUE)
        self.fail_if(bb.icmp_signed("<", i, c64(0)), pc, E.STR_INDEX_NEGATIVE)
        ln = self.load("hobj", self.at2("hobj", h, P.H_LEN))
        self.fail_if(bb.icmp_signed(">=", i, ln), pc, E.STR_INDEX_RANGE)
        off = self.load("hobj", self.at2("hobj", h, P.H_OFF))
        self.rset(a, bb.zext(self.load("hbytes", self.at("hbytes", bb.add(off, i))), I64))
        self.next(pc)

    # ---- allocation: the room test as tier 1 makes it; when there is no
    # room (a collection or growth is due) the instruction falls back, and
    # tier 1, running it from the start, reaches the same verdict and stops
    # for the collector or the host.
    def _room_ok(self, nbytes, nslots):
        """heap.heap_room(...) == ROOM_OK (without its side effects, which
        only the not-OK outcomes have)."""
        bb = self.b
        alloc = self.st_get(P.S_ALLOC)
        under = bb.icmp_signed("<=", alloc, self.st_get(P.S_GC_LIMIT))
        row = bb.or_(bb.icmp_signed(">=", self.st_get(P.S_FREE), c64(0)),
                     bb.icmp_signed("<", self.st_get(P.S_NOBJ), self.nobj_rows))
        fits_b = bb.icmp_signed("<=", bb.add(self.st_get(P.S_NBYTES), nbytes), self.nhbytes)
        fits_s = bb.icmp_signed("<=", bb.add(self.st_get(P.S_NSLOTS), nslots), self.nhslots)
        return bb.and_(under, bb.and_(row, bb.and_(fits_b, fits_s)))

    def _fallback_unless(self, pc, cond):
        ok = self.new_block("alloc%d" % pc)
        self.b.cbranch(cond, ok, self.exit_block(FALLBACK, pc, self.fn_of[pc],
                                                 "noroom%d" % pc))
        self.b.position_at_end(ok)

    def _new_object(self, kind, off, length):
        """heap.new_object: a row from the free list or the end of the table."""
        bb = self.b
        free = self.st_get(P.S_FREE)
        nobj = self.st_get(P.S_NOBJ)
        from_list = bb.icmp_signed(">=", free, c64(0))
        safe = bb.select(from_list, free, c64(0))       # the row read only when listed
        nxt = self.load("hobj", self.at2("hobj", safe, P.H_OFF))
        self.st_set(P.S_FREE, bb.select(from_list, nxt, free))
        self.st_set(P.S_NOBJ, bb.select(from_list, nobj, bb.add(nobj, c64(1))))
        h = bb.select(from_list, free, nobj)
        for col, v in ((P.H_KIND, kind), (P.H_OFF, off), (P.H_LEN, length),
                       (P.H_AUX, length), (P.H_MARK, c64(0))):
            self.store("hobj", v, self.at2("hobj", h, col))
        return h

    def op_ARR_NEW(self, pc, a, b, c):
        bb = self.b
        nbytes, nslots = (b, 0) if c == 2 else (0, b)
        self._fallback_unless(pc, self._room_ok(c64(nbytes), c64(nslots)))
        top_slot, cost = (P.S_NBYTES, b) if c == 2 else (P.S_NSLOTS, 8 * b)
        kind = P.HK_ARR_B if c == 2 else (P.HK_ARR_H if c != 0 else P.HK_ARR)
        soff = self.st_get(top_slot)
        self.st_set(top_slot, bb.add(soff, c64(b)))
        self.st_set(P.S_ALLOC, bb.add(self.st_get(P.S_ALLOC), c64(cost + P.OBJ_COST)))
        h = self._new_object(c64(kind), soff, c64(0))
        self.store("hobj", c64(b), self.at2("hobj", h, P.H_AUX))
        self.rset(a, h)
        self.next(pc)

    def op_ARR_PUSH(self, pc, a, b, c):
        """vm's ARR_PUSH: the array's capacity first (vm.reserve: grow in
        place at the arena's top or move to the top); an arena without room
        falls back (tier 1 then collects or asks the host to grow it)."""
        bb = self.b
        h = self.rget(a)
        self.fail_if(bb.not_(self._is_array(h)), pc, E.BAD_VALUE)
        n = self.load("hobj", self.at2("hobj", h, P.H_LEN))
        cap = self.load("hobj", self.at2("hobj", h, P.H_AUX))
        is_bytes = bb.icmp_signed("==", self.load("hobj", self.at2("hobj", h, P.H_KIND)),
                                  c64(P.HK_ARR_B))
        store_blk = self.new_block("push%d" % pc)
        grow_blk = self.new_block("pushgrow%d" % pc)
        bb.cbranch(bb.icmp_signed("<", n, cap), store_blk, grow_blk)
        bb.position_at_end(grow_blk)
        bytes_blk = self.new_block("pushgrowb%d" % pc)
        slots_blk = self.new_block("pushgrows%d" % pc)
        bb.cbranch(is_bytes, bytes_blk, slots_blk)
        for blk, arena, top_slot, minimum, unit, size in (
                (bytes_blk, "hbytes", P.S_NBYTES, 16, 1, self.nhbytes),
                (slots_blk, "hslots", P.S_NSLOTS, 4, 8, self.nhslots)):
            bb.position_at_end(blk)
            self._reserve(pc, h, arena, top_slot, n, cap, minimum, unit, size)
            bb.branch(store_blk)
        bb.position_at_end(store_blk)
        off = self.load("hobj", self.at2("hobj", h, P.H_OFF))
        v = self.rget(b)
        put_b = self.new_block("putb%d" % pc)
        put_s = self.new_block("puts%d" % pc)
        done = self.new_block("pushed%d" % pc)
        bb.cbranch(is_bytes, put_b, put_s)
        bb.position_at_end(put_b)
        self.store("hbytes", bb.trunc(v, I8), self.at("hbytes", bb.add(off, n)))
        bb.branch(done)
        bb.position_at_end(put_s)
        self.store("hslots", v, self.at("hslots", bb.add(off, n)))
        bb.branch(done)
        bb.position_at_end(done)
        self.store("hobj", bb.add(n, c64(1)), self.at2("hobj", h, P.H_LEN))
        self.next(pc)

    def _reserve(self, pc, h, arena, top_slot, n, cap, minimum, unit, size):
        """vm.reserve(h, need = n + 1) for n >= cap; falls back when the
        arena has no room (reserve's nonzero answer)."""
        bb = self.b
        need = bb.add(n, c64(1))
        newcap = bb.select(bb.icmp_signed(">", need, bb.mul(cap, c64(2))), need,
                           bb.mul(cap, c64(2)))
        newcap = bb.select(bb.icmp_signed(">", newcap, c64(minimum)), newcap, c64(minimum))
        off = self.load("hobj", self.at2("hobj", h, P.H_OFF))
        top = self.st_get(top_slot)
        at_top = bb.icmp_signed("==", bb.add(off, cap), top)
        in_place = self.new_block("inplace%d" % pc)
        move = self.new_block("move%d" % pc)
        done = self.new_block("reserved%d" % pc)
        bb.cbranch(at_top, in_place, move)
        bb.position_at_end(in_place)
        new_top = bb.add(top, bb.sub(newcap, cap))
        self._fallback_unless(pc, bb.icmp_signed("<=", new_top, size))
        self.st_set(top_slot, new_top)
        bb.branch(done)
        bb.position_at_end(move)
        new_top = bb.add(top, newcap)
        self._fallback_unless(pc, bb.icmp_signed("<=", new_top, size))
        self._copy(arena, top, off, n, unit)
        self.store("hobj", top, self.at2("hobj", h, P.H_OFF))
        self.st_set(top_slot, new_top)
        bb.branch(done)
        bb.position_at_end(done)
        self.store("hobj", newcap, self.at2("hobj", h, P.H_AUX))
        self.st_set(P.S_ALLOC, bb.add(self.st_get(P.S_ALLOC),
                                      bb.mul(c64(unit), bb.sub(newcap, cap))))

    def _copy(self, arena, dst, src, count, unit):
        """heap.copy_within for non-overlapping ranges (dst is the arena's top)."""
        bb = self.b
        d = bb.bitcast(self.at(arena, dst), I8.as_pointer())
        s = bb.bitcast(self.at(arena, src), I8.as_pointer())
        self._copy_bytes(d, s, bb.mul(count, c64(unit)))

    # ---- strings (vm.dispatch's string branches and the heap helpers they
    # call: concat_plan/concat, append_plan/str_extend, append_int,
    # int_to_string, str_equal/str_compare, slice_bounds).  Every check runs
    # in tier 1's order; an allocation without room falls back before any
    # side effect (tier 1, running the instruction again, stops for the
    # collector or the host).  A string's region (H_AUX >= 0) is only read
    # when it is a row of the table (tier 1 trusts the heap here; a handle
    # outside the table is treated as "no region", which a well-formed heap
    # never has).
    def _row_kind(self, h, kind, bound=None):
        """0 <= h < bound (the table's rows by default) and hobj[h].kind ==
        kind, the kind read only when h is in range."""
        bb = self.b
        inside = bb.icmp_unsigned("<", h, self.nobj_rows if bound is None else bound)
        test = self.new_block("rk")
        join = self.new_block("rkj")
        start = bb.block
        bb.cbranch(inside, test, join)
        bb.position_at_end(test)
        same = bb.icmp_signed("==", self.load("hobj", self.at2("hobj", h, P.H_KIND)), c64(kind))
        bb.branch(join)
        bb.position_at_end(join)
        phi = bb.phi(I1)
        phi.add_incoming(ir.Constant(I1, 0), start)
        phi.add_incoming(same, test)
        return phi

    def _hcol(self, h, col):
        return self.load("hobj", self.at2("hobj", h, col))

    def _hset(self, h, col, v):
        self.store("hobj", v if not isinstance(v, int) else c64(v), self.at2("hobj", h, col))

    def _region_end_is(self, r, end):
        """r names a region row (r >= 0; within the table) whose used end is
        `end`: (that, the region's capacity end or 0)."""
        bb = self.b
        ok = bb.icmp_unsigned("<", r, self.nobj_rows)
        test = self.new_block("rg")
        join = self.new_block("rgj")
        start = bb.block
        bb.cbranch(ok, test, join)
        bb.position_at_end(test)
        used = bb.icmp_signed("==", self._hcol(r, P.H_LEN), end)
        cap = self._hcol(r, P.H_AUX)
        bb.branch(join)
        bb.position_at_end(join)
        p_used = bb.phi(I1)
        p_used.add_incoming(ir.Constant(I1, 0), start)
        p_used.add_incoming(used, test)
        p_cap = bb.phi(I64)
        p_cap.add_incoming(c64(0), start)
        p_cap.add_incoming(cap, test)
        return p_used, p_cap

    def _move_bytes(self, dst, src, n):
        """copy_within(hbytes, dst, src, n) (dst, src, n i64 values): a byte
        loop for short strings, memmove for long ones.  The ranges never
        overlap with dst > src (an append writes past every other string's
        bytes), where the two would differ."""
        bb = self.b
        short = self.new_block("mvs")
        long_ = self.new_block("mvl")
        done = self.new_block("mvd")
        bb.cbranch(bb.icmp_signed("<=", n, c64(16)), short, long_)
        bb.position_at_end(long_)
        fn = self.module.globals.get("llvm.memmove.p0i8.p0i8.i64")
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(ir.VoidType(), [I8.as_pointer(),
                             I8.as_pointer(), I64, I1]), "llvm.memmove.p0i8.p0i8.i64")
        bb.call(fn, [self.at("hbytes", dst), self.at("hbytes", src), n, ir.Constant(I1, 0)])
        bb.branch(done)
        bb.position_at_end(short)
        head = self.new_block("mvh")
        body = self.new_block("mvb")
        start = bb.block
        bb.branch(head)
        bb.position_at_end(head)
        j = bb.phi(I64)
        j.add_incoming(c64(0), start)
        bb.cbranch(bb.icmp_signed("<", j, n), body, done)
        bb.position_at_end(body)
        v = self.load("hbytes", self.at("hbytes", bb.add(src, j)))
        self.store("hbytes", v, self.at("hbytes", bb.add(dst, j)))
        j.add_incoming(bb.add(j, c64(1)), body)
        bb.branch(head)
        bb.position_at_end(done)

    def _new_string(self, off, length, region):
        """heap.new_string_object (the caller checked room)."""
        h = self._new_object(c64(P.HK_STR), off, length)
        self._hset(h, P.H_AUX, region)
        return h

    def _add_alloc(self, v):
        self.st_set(P.S_ALLOC, self.b.add(self.st_get(P.S_ALLOC), v))

    def _max(self, x, y):
        return self.b.select(self.b.icmp_signed(">", x, y), x, y)

    def _two_strings(self, pc, x, y):
        """Both handles pass heap._handle_ok(..., HK_STR), else BAD_VALUE."""
        ok = self.b.and_(self._handle_ok(x, P.HK_STR), self._handle_ok(y, P.HK_STR))
        self.fail_if(self.b.not_(ok), pc, E.BAD_VALUE)

    def op_STR_GET(self, pc, a, b, c):
        bb = self.b
        h, i = self.rget(b), self.rget(c)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_STR)), pc, E.BAD_VALUE)
        self.fail_if(bb.icmp_signed("<", i, c64(0)), pc, E.STR_INDEX_NEGATIVE)
        self.fail_if(bb.icmp_signed(">=", i, self._hcol(h, P.H_LEN)), pc, E.STR_INDEX_RANGE)
        byte = bb.zext(self.load("hbytes", self.at("hbytes", bb.add(self._hcol(h, P.H_OFF), i))),
                       I64)
        self.rset(a, bb.add(self.st_get(P.S_BYTE0), byte))
        self.next(pc)

    def op_STR_ORD(self, pc, a, b, c):
        bb = self.b
        h = self.rget(b)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_STR)), pc, E.BAD_VALUE)
        self.fail_if(bb.icmp_signed("==", self._hcol(h, P.H_LEN), c64(0)), pc, E.ORD_EMPTY)
        self.rset(a, bb.zext(self.load("hbytes", self.at("hbytes", self._hcol(h, P.H_OFF))), I64))
        self.next(pc)

    def op_STR_CHR(self, pc, a, b, c):
        bb = self.b
        i = self.rget(b)
        self.fail_if(bb.icmp_unsigned(">", i, c64(255)), pc, E.CHR_RANGE)     # i < 0 or i > 255
        self.rset(a, bb.add(self.st_get(P.S_BYTE0), i))
        self.next(pc)

    # -- comparisons
    def _first_difference(self, ox, oy, n):
        """The first i < n with hbytes[ox + i] != hbytes[oy + i], else n:
        8 bytes at a time while whole words remain, then byte by byte (only
        bytes inside both strings are read)."""
        bb = self.b
        p64 = I64.as_pointer()
        start = bb.block
        whead, wbody, bhead, bbody, done = (self.new_block(s) for s in
                                            ("fdw", "fdwb", "fdb", "fdbb", "fdd"))
        bb.branch(whead)
        bb.position_at_end(whead)
        i = bb.phi(I64)
        i.add_incoming(c64(0), start)
        bb.cbranch(bb.icmp_signed("<=", bb.add(i, c64(8)), n), wbody, bhead)
        bb.position_at_end(wbody)
        wx = bb.load(bb.bitcast(self.at("hbytes", bb.add(ox, i)), p64), align=1)
        wx.set_metadata("tbaa", self.tags["hbytes"])
        wy = bb.load(bb.bitcast(self.at("hbytes", bb.add(oy, i)), p64), align=1)
        wy.set_metadata("tbaa", self.tags["hbytes"])
        i.add_incoming(bb.add(i, c64(8)), wbody)
        bb.cbranch(bb.icmp_signed("==", wx, wy), whead, bhead)
        bb.position_at_end(bhead)
        j = bb.phi(I64)
        j.add_incoming(i, whead)
        j.add_incoming(i, wbody)        # a differing word: find its byte
        more = self.new_block("fdm")
        bb.cbranch(bb.icmp_signed("<", j, n), more, done)
        bb.position_at_end(more)
        same = bb.icmp_signed("==", self.load("hbytes", self.at("hbytes", bb.add(ox, j))),
                              self.load("hbytes", self.at("hbytes", bb.add(oy, j))))
        bb.cbranch(same, bbody, done)
        bb.position_at_end(bbody)
        j.add_incoming(bb.add(j, c64(1)), bbody)
        bb.branch(bhead)
        bb.position_at_end(done)
        k = bb.phi(I64)
        k.add_incoming(j, bhead)
        k.add_incoming(j, more)
        return k

    def _str_equal(self, x, y):
        """vm.str_equal (valid handles)."""
        bb = self.b
        start = bb.block
        diff_h, same_len, join = (self.new_block(s) for s in ("eqh", "eql", "eqj"))
        bb.cbranch(bb.icmp_signed("==", x, y), join, diff_h)
        bb.position_at_end(diff_h)
        lx = self._hcol(x, P.H_LEN)
        bb.cbranch(bb.icmp_signed("!=", lx, self._hcol(y, P.H_LEN)), join, same_len)
        bb.position_at_end(same_len)
        k = self._first_difference(self._hcol(x, P.H_OFF), self._hcol(y, P.H_OFF), lx)
        eq = bb.icmp_signed("==", k, lx)
        tail = bb.block
        bb.branch(join)
        bb.position_at_end(join)
        phi = bb.phi(I1)
        phi.add_incoming(ir.Constant(I1, 1), start)
        phi.add_incoming(ir.Constant(I1, 0), diff_h)
        phi.add_incoming(eq, tail)
        return phi

    def _str_compare(self, x, y):
        """vm.str_compare (valid handles): -1, 0 or 1."""
        bb = self.b
        ox, lx = self._hcol(x, P.H_OFF), self._hcol(x, P.H_LEN)
        oy, ly = self._hcol(y, P.H_OFF), self._hcol(y, P.H_LEN)
        n = bb.select(bb.icmp_signed("<", lx, ly), lx, ly)
        k = self._first_difference(ox, oy, n)
        differ, equal, join = (self.new_block(s) for s in ("cmpd", "cmpe", "cmpj"))
        bb.cbranch(bb.icmp_signed("<", k, n), differ, equal)
        bb.position_at_end(differ)
        bx = self.load("hbytes", self.at("hbytes", bb.add(ox, k)))
        by = self.load("hbytes", self.at("hbytes", bb.add(oy, k)))
        r1 = bb.select(bb.icmp_unsigned("<", bx, by), c64(-1), c64(1))
        bb.branch(join)
        bb.position_at_end(equal)
        r2 = bb.select(bb.icmp_signed("==", lx, ly), c64(0),
                       bb.select(bb.icmp_signed("<", lx, ly), c64(-1), c64(1)))
        bb.branch(join)
        bb.position_at_end(join)
        phi = bb.phi(I64)
        phi.add_incoming(r1, differ)
        phi.add_incoming(r2, equal)
        return phi

    def _str_relation(self, pc, a, b, c, which):
        bb = self.b
        x, y = self.rget(b), self.rget(c)
        self._two_strings(pc, x, y)
        if which == "eq":
            r = self._str_equal(x, y)
        elif which == "ne":
            r = bb.not_(self._str_equal(x, y))
        elif which == "lt":
            r = bb.icmp_signed("<", self._str_compare(x, y), c64(0))
        else:
            r = bb.icmp_signed("<=", self._str_compare(x, y), c64(0))
        self._bool(pc, a, r)

    def op_EQ_S(self, pc, a, b, c):
        self._str_relation(pc, a, b, c, "eq")

    def op_NE_S(self, pc, a, b, c):
        self._str_relation(pc, a, b, c, "ne")

    def op_LT_S(self, pc, a, b, c):
        self._str_relation(pc, a, b, c, "lt")

    def op_LE_S(self, pc, a, b, c):
        self._str_relation(pc, a, b, c, "le")

    # -- substrings
    def _slice_bounds(self, pc, length, start, end):
        """vm.slice_bounds: its errors in its order; (first, count)."""
        bb = self.b
        self.fail_if(bb.icmp_signed("<", start, c64(0)), pc, E.SLICE_START_NEGATIVE)
        self.fail_if(bb.icmp_signed("<", end, c64(0)), pc, E.SLICE_END_NEGATIVE)
        self.fail_if(bb.icmp_signed(">", start, length), pc, E.SLICE_START_RANGE)
        self.fail_if(bb.icmp_signed(">", end, length), pc, E.SLICE_END_RANGE)
        at_end = bb.icmp_signed("==", start, length)
        # start == length: only end == length is allowed (count 0); else
        # last = min(end, length - 1) must not be before start
        last = bb.select(bb.icmp_signed("<", end, length), end, bb.sub(length, c64(1)))
        bad = bb.select(at_end, bb.icmp_signed("!=", end, length),
                        bb.icmp_signed("<", last, start))
        self.fail_if(bad, pc, E.SLICE_END_BEFORE_START)
        return start, bb.select(at_end, c64(0), bb.add(bb.sub(last, start), c64(1)))

    def op_STR_SLICE(self, pc, a, b, c):
        """vm's STR_SLICE: handle, slice_bounds' checks in its order, then a
        row (heap_room(0, 0)) for a substring sharing the bytes."""
        bb = self.b
        h = self.rget(b)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_STR)), pc, E.BAD_VALUE)
        first, count = self._slice_bounds(pc, self._hcol(h, P.H_LEN), self.rget(c),
                                          self.rget(c + 1))
        self._fallback_unless(pc, self._room_ok(c64(0), c64(0)))
        self._add_alloc(c64(P.OBJ_COST))
        self.rset(a, self._new_string(bb.add(self._hcol(h, P.H_OFF), first), count, c64(-1)))
        self.next(pc)

    # -- building strings
    def op_CONCAT(self, pc, a, b, c):
        """vm's CONCAT: concat_plan, heap_room (plus a second row), concat."""
        bb = self.b
        x, y = self.rget(b), self.rget(c)
        self._two_strings(pc, x, y)
        lx, ly = self._hcol(x, P.H_LEN), self._hcol(y, P.H_LEN)
        ox, oy = self._hcol(x, P.H_OFF), self._hcol(y, P.H_OFF)
        end = bb.add(ox, lx)
        r = self._hcol(x, P.H_AUX)
        has_r = self.new_block("cat_r%d" % pc)
        no_r = self.new_block("cat_nor%d" % pc)
        bb.cbranch(bb.icmp_signed(">=", r, c64(0)), has_r, no_r)
        bb.position_at_end(has_r)
        used, cap = self._region_end_is(r, end)
        in_region = bb.and_(used, bb.icmp_signed("<=", bb.add(end, ly), cap))
        region_blk = self.new_block("cat_in%d" % pc)
        bb.cbranch(in_region, region_blk, no_r)
        bb.position_at_end(no_r)
        top = self.st_get(P.S_NBYTES)
        at_top = self.new_block("cat_top%d" % pc)
        fresh = self.new_block("cat_new%d" % pc)
        bb.cbranch(bb.icmp_signed("==", end, top), at_top, fresh)

        def room(nbytes):
            ok = bb.and_(self._room_ok(nbytes, c64(0)),
                         bb.icmp_signed("<=", bb.add(self.st_get(P.S_NOBJ), c64(2)),
                                        self.nobj_rows))
            self._fallback_unless(pc, ok)

        done = self.new_block("cat_done%d" % pc)
        # CAT_IN_REGION
        bb.position_at_end(region_blk)
        room(c64(0))
        self._move_bytes(end, oy, ly)
        self._hset(r, P.H_LEN, bb.add(end, ly))
        self._add_alloc(c64(P.OBJ_COST))
        h1 = self._new_string(ox, bb.add(lx, ly), r)
        b1 = bb.block
        bb.branch(done)
        # CAT_AT_TOP
        bb.position_at_end(at_top)
        room(ly)
        top = self.st_get(P.S_NBYTES)
        self._move_bytes(top, oy, ly)
        self.st_set(P.S_NBYTES, bb.add(top, ly))
        self._add_alloc(bb.add(ly, c64(P.OBJ_COST)))
        h2 = self._new_string(ox, bb.add(lx, ly), c64(-1))
        b2 = bb.block
        bb.branch(done)
        # CAT_NEW_REGION
        bb.position_at_end(fresh)
        size = self._max(bb.mul(c64(2), bb.add(lx, ly)), c64(32))
        room(size)
        top = self.st_get(P.S_NBYTES)
        self._move_bytes(top, ox, lx)
        self._move_bytes(bb.add(top, lx), oy, ly)
        self.st_set(P.S_NBYTES, bb.add(top, size))
        self._add_alloc(bb.add(bb.add(lx, ly), c64(2 * P.OBJ_COST)))
        region = self._new_object(c64(P.HK_SREGION), top, bb.add(top, bb.add(lx, ly)))
        self._hset(region, P.H_AUX, bb.add(top, size))
        h3 = self._new_string(top, bb.add(lx, ly), region)
        b3 = bb.block
        bb.branch(done)
        bb.position_at_end(done)
        h = bb.phi(I64)
        for v, blk in ((h1, b1), (h2, b2), (h3, b3)):
            h.add_incoming(v, blk)
        self.rset(a, h)
        self.next(pc)

    def op_STR_BUILD(self, pc, a, b, c):
        """vm's STR_BUILD: a row sharing string R[B]'s bytes (its region too)."""
        bb = self.b
        x = self.rget(b)
        self.fail_if(bb.not_(self._row_kind(x, P.HK_STR)), pc, E.BAD_VALUE)
        under = bb.icmp_signed("<=", self.st_get(P.S_ALLOC), self.st_get(P.S_GC_LIMIT))
        row = bb.or_(bb.icmp_signed(">=", self.st_get(P.S_FREE), c64(0)),
                     bb.icmp_signed("<", self.st_get(P.S_NOBJ), self.nobj_rows))
        self._fallback_unless(pc, bb.and_(under, row))
        self._add_alloc(c64(P.OBJ_COST))
        aux = self._hcol(x, P.H_AUX)
        h = self._new_object(c64(P.HK_STR), self._hcol(x, P.H_OFF), self._hcol(x, P.H_LEN))
        self._hset(h, P.H_AUX, aux)
        self.rset(a, h)
        self.next(pc)

    def _extend(self, pc, x, n, slow_check=None):
        """Room for n more bytes at the end of the chain's own string x (a
        valid string row): STR_APPEND's fast path / append_int's first test
        (x's region has room at its used end), else `slow_check` (STR_APPEND
        checks its handles again there, as tier 1 does) and append_plan +
        heap_room + str_extend.  Returns the offset where the caller writes
        the n bytes; falls back (nothing changed) when heap_room says no."""
        bb = self.b
        lx = self._hcol(x, P.H_LEN)
        ox = self._hcol(x, P.H_OFF)
        end = bb.add(ox, lx)
        r = self._hcol(x, P.H_AUX)
        start = bb.block
        has_r = self.new_block("ext_r%d" % pc)
        test = self.new_block("ext_t%d" % pc)
        bb.cbranch(bb.icmp_signed(">=", r, c64(0)), has_r, test)
        bb.position_at_end(has_r)
        used_r, cap_r = self._region_end_is(r, end)
        from_r = bb.block
        bb.branch(test)
        bb.position_at_end(test)
        used = bb.phi(I1)
        used.add_incoming(ir.Constant(I1, 0), start)
        used.add_incoming(used_r, from_r)
        cap = bb.phi(I64)
        cap.add_incoming(c64(0), start)
        cap.add_incoming(cap_r, from_r)
        fits = self.new_block("ext_fits%d" % pc)
        slow = self.new_block("ext_slow%d" % pc)
        bb.cbranch(bb.and_(used, bb.icmp_signed("<=", bb.add(end, n), cap)), fits, slow)
        done = self.new_block("ext_done%d" % pc)
        # CAT_IN_REGION (no room test)
        bb.position_at_end(fits)
        self._hset(r, P.H_LEN, bb.add(end, n))
        self._hset(x, P.H_LEN, bb.add(lx, n))
        d1, b1 = end, bb.block
        bb.branch(done)
        bb.position_at_end(slow)
        if slow_check is not None:
            slow_check()
        top = self.st_get(P.S_NBYTES)
        grow = self.new_block("ext_grow%d" % pc)
        other = self.new_block("ext_other%d" % pc)
        at_top = self.new_block("ext_top%d" % pc)
        fresh = self.new_block("ext_new%d" % pc)
        # CAT_GROW_REGION: the region is in use at x's end, full, and ends at the top
        bb.cbranch(bb.and_(used, bb.icmp_signed("==", cap, top)), grow, other)
        bb.position_at_end(other)
        # CAT_AT_TOP: x has no region and ends at the top
        bb.cbranch(bb.and_(bb.icmp_signed("<", r, c64(0)), bb.icmp_signed("==", end, top)),
                   at_top, fresh)
        bb.position_at_end(grow)
        rstart = self._hcol(r, P.H_OFF)
        room = bb.sub(bb.add(rstart, self._max(bb.mul(c64(2), bb.sub(bb.add(end, n), rstart)),
                                               c64(32))), cap)
        self._fallback_unless(pc, self._room_ok(room, c64(0)))
        self.st_set(P.S_NBYTES, bb.add(top, room))
        self._hset(r, P.H_AUX, bb.add(top, room))
        self._hset(r, P.H_LEN, bb.add(end, n))
        self._add_alloc(n)
        self._hset(x, P.H_LEN, bb.add(lx, n))
        d2, b2 = end, bb.block
        bb.branch(done)
        bb.position_at_end(at_top)
        self._fallback_unless(pc, self._room_ok(n, c64(0)))
        self.st_set(P.S_NBYTES, bb.add(top, n))
        self._add_alloc(n)
        self._hset(x, P.H_LEN, bb.add(lx, n))
        d3, b3 = end, bb.block
        bb.branch(done)
        # CAT_NEW_REGION: x moves into a new region twice its new size
        bb.position_at_end(fresh)
        size = self._max(bb.mul(c64(2), bb.add(lx, n)), c64(32))
        self._fallback_unless(pc, self._room_ok(size, c64(0)))
        self._move_bytes(top, ox, lx)
        self.st_set(P.S_NBYTES, bb.add(top, size))
        self._add_alloc(bb.add(bb.add(lx, n), c64(P.OBJ_COST)))
        region = self._new_object(c64(P.HK_SREGION), top, bb.add(top, bb.add(lx, n)))
        self._hset(region, P.H_AUX, bb.add(top, size))
        self._hset(x, P.H_OFF, top)
        self._hset(x, P.H_LEN, bb.add(lx, n))
        self._hset(x, P.H_AUX, region)
        d4, b4 = bb.add(top, lx), bb.block
        bb.branch(done)
        bb.position_at_end(done)
        dst = bb.phi(I64)
        for v, blk in ((d1, b1), (d2, b2), (d3, b3), (d4, b4)):
            dst.add_incoming(v, blk)
        return dst

    def op_STR_APPEND(self, pc, a, b, c):
        """vm's STR_APPEND.  Its fast path tests the rows against the
        table's size and the slow path with _handle_ok (S_NOBJ): the same
        verdict, since rows past the live ones are HK_FREE."""
        bb = self.b
        x, y = self.rget(a), self.rget(b)
        ok = bb.and_(self._row_kind(x, P.HK_STR), self._row_kind(y, P.HK_STR))
        self.fail_if(bb.not_(ok), pc, E.BAD_VALUE)
        ly = self._hcol(y, P.H_LEN)
        oy = self._hcol(y, P.H_OFF)
        dst = self._extend(pc, x, ly, lambda: self._two_strings(pc, x, y))
        self._move_bytes(dst, oy, ly)
        self.next(pc)

    def _int_text(self, v, unsigned):
        """vm.int_text: (byte length, negative, magnitude)."""
        bb = self.b
        if unsigned:
            neg = ir.Constant(I1, 0)
            mag = v
        else:
            neg = bb.icmp_signed("<", v, c64(0))
            mag = bb.select(neg, bb.sub(c64(0), v), v)      # exact as uint64, even for MIN
        start = bb.block
        head, body, done = (self.new_block(s) for s in ("itl", "itb", "itd"))
        bb.branch(head)
        bb.position_at_end(head)
        n = bb.phi(I64)
        t = bb.phi(I64)
        n.add_incoming(c64(1), start)
        t.add_incoming(mag, start)
        bb.cbranch(bb.icmp_unsigned(">=", t, c64(10)), body, done)
        bb.position_at_end(body)
        n.add_incoming(bb.add(n, c64(1)), body)
        t.add_incoming(bb.udiv(t, c64(10)), body)
        bb.branch(head)
        bb.position_at_end(done)
        return bb.add(n, bb.zext(neg, I64)), neg, mag

    def _write_int(self, off, n, neg, mag):
        """vm.write_int: the n bytes of the text at hbytes[off]."""
        bb = self.b
        first = bb.sub(bb.add(off, n), c64(1))
        start = bb.block
        body, done = self.new_block("wi"), self.new_block("wid")
        bb.branch(body)
        bb.position_at_end(body)
        pos = bb.phi(I64)
        m = bb.phi(I64)
        pos.add_incoming(first, start)
        m.add_incoming(mag, start)
        digit = bb.trunc(bb.add(c64(48), bb.urem(m, c64(10))), I8)
        self.store("hbytes", digit, self.at("hbytes", pos))
        m2 = bb.udiv(m, c64(10))
        pos.add_incoming(bb.sub(pos, c64(1)), body)
        m.add_incoming(m2, body)
        bb.cbranch(bb.icmp_signed("==", m2, c64(0)), done, body)
        bb.position_at_end(done)
        minus = self.new_block("wim")
        end = self.new_block("wie")
        bb.cbranch(neg, minus, end)
        bb.position_at_end(minus)
        self.store("hbytes", ir.Constant(I8, 45), self.at("hbytes", off))
        bb.branch(end)
        bb.position_at_end(end)

    def op_STR_APPINT(self, pc, a, b, c):
        """vm's STR_APPINT (append_int)."""
        bb = self.b
        x = self.rget(a)
        self.fail_if(bb.not_(self._row_kind(x, P.HK_STR)), pc, E.BAD_VALUE)
        n, neg, mag = self._int_text(self.rget(b), c in (op.OUT_U32, op.OUT_U64))
        dst = self._extend(pc, x, n)
        self._write_int(dst, n, neg, mag)
        self.next(pc)

    def _int_to_string(self, pc, a, b, unsigned):
        """vm's TOSTR of an integer: heap_room(20), then int_to_string."""
        bb = self.b
        self._fallback_unless(pc, self._room_ok(c64(20), c64(0)))
        n, neg, mag = self._int_text(self.rget(b), unsigned)
        off = self.st_get(P.S_NBYTES)
        self._write_int(off, n, neg, mag)
        self.st_set(P.S_NBYTES, bb.add(off, n))
        self._add_alloc(bb.add(n, c64(P.OBJ_COST)))
        self.rset(a, self._new_string(off, n, c64(-1)))
        self.next(pc)

    # ---- records, range iterators, try blocks
    def op_REC_GET(self, pc, a, b, c):
        bb = self.b
        h = self.rget(b)
        ok = self._record_field_ok(h, c)
        self.fail_if(bb.not_(ok), pc, E.BAD_VALUE)
        self.rset(a, self.load("hslots", self.at("hslots", bb.add(self._hcol(h, P.H_OFF), c64(c)))))
        self.next(pc)

    def op_REC_SET(self, pc, a, b, c):
        bb = self.b
        h = self.rget(a)
        ok = self._record_field_ok(h, b)
        self.fail_if(bb.not_(ok), pc, E.BAD_VALUE)
        self.store("hslots", self.rget(c), self.at("hslots", bb.add(self._hcol(h, P.H_OFF), c64(b))))
        self.next(pc)

    def _record_field_ok(self, h, field):
        """_handle_ok(h, HK_REC) and 0 <= field < its length."""
        if field < 0:
            return ir.Constant(I1, 0)
        bb = self.b
        inside = bb.icmp_unsigned("<", h, self.st_get(P.S_NOBJ))
        test = self.new_block("rec")
        join = self.new_block("recj")
        start = bb.block
        bb.cbranch(inside, test, join)
        bb.position_at_end(test)
        good = bb.and_(bb.icmp_signed("==", self._hcol(h, P.H_KIND), c64(P.HK_REC)),
                       bb.icmp_signed("<", c64(field), self._hcol(h, P.H_LEN)))
        bb.branch(join)
        bb.position_at_end(join)
        phi = bb.phi(I1)
        phi.add_incoming(ir.Constant(I1, 0), start)
        phi.add_incoming(good, test)
        return phi

    def op_REC_NEW(self, pc, a, b, c):
        """vm's REC_NEW: n fields and the handle mask from type row C (the
        cache key covers the program's type table, so they are constants)."""
        bb = self.b
        n, mask = self.types[c][1], self.types[c][2]
        self._fallback_unless(pc, self._room_ok(c64(0), c64(n)))
        soff = self.st_get(P.S_NSLOTS)
        for i in range(n):
            self.store("hslots", self.rget(b + i), self.at("hslots", bb.add(soff, c64(i))))
        self.st_set(P.S_NSLOTS, bb.add(soff, c64(n)))
        self._add_alloc(c64(8 * n + P.OBJ_COST))
        h = self._new_object(c64(P.HK_REC), soff, c64(n))
        self._hset(h, P.H_AUX, mask)
        self.rset(a, h)
        self.next(pc)

    def op_RANGE_NEW(self, pc, a, b, c):
        bb = self.b
        self.fail_if(bb.icmp_signed("==", self.rget(b + 2), c64(0)), pc, E.RANGE_ARGS)
        self._fallback_unless(pc, self._room_ok(c64(0), c64(4)))
        soff = self.st_get(P.S_NSLOTS)
        for i, v in enumerate((self.rget(b), self.rget(b + 1), self.rget(b + 2), self.rget(b))):
            self.store("hslots", v, self.at("hslots", bb.add(soff, c64(i))))
        self.st_set(P.S_NSLOTS, bb.add(soff, c64(4)))
        self._add_alloc(c64(32 + P.OBJ_COST))
        self.rset(a, self._new_object(c64(P.HK_RANGE), soff, c64(4)))
        self.next(pc)

    def op_RANGE_NEXT(self, pc, a, b, c):
        if c <= pc:
            return False            # the verifier allows only forward jumps here
        bb = self.b
        h = self.rget(b)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_RANGE)), pc, E.BAD_VALUE)
        soff = self._hcol(h, P.H_OFF)
        slot = [self.at("hslots", bb.add(soff, c64(i))) for i in (1, 2, 3)]
        stop, step, cur = (self.load("hslots", p) for p in slot)
        pos = bb.icmp_signed(">", step, c64(0))
        done = bb.or_(bb.and_(pos, bb.icmp_signed(">=", cur, stop)),
                      bb.and_(bb.icmp_signed("<", step, c64(0)), bb.icmp_signed("<=", cur, stop)))
        more = self.new_block("rnext%d" % pc)
        bb.cbranch(done, self.blocks[c], more)
        bb.position_at_end(more)
        self.rset(a, cur)
        # advance without overflowing: clamp to stop once past it
        limit = bb.sub(stop, step)
        past = bb.select(pos, bb.icmp_signed(">", cur, limit), bb.icmp_signed("<", cur, limit))
        self.store("hslots", bb.select(past, stop, bb.add(cur, step)), slot[2])
        self.next(pc)

    def op_TRY_BEGIN(self, pc, a, b, c):
        bb = self.b
        t = self.st_get(P.S_NHANDLERS)
        room = self.new_block("try%d" % pc)
        full = self.new_block("tryfull%d" % pc)
        bb.cbranch(bb.icmp_signed(">=", t, self.nhandlers), full, room)
        bb.position_at_end(full)
        bb.cbranch(bb.icmp_signed(">=", t, c64(P.MAX_HANDLERS)),
                   self.error_block(pc, E.TOO_MANY_HANDLERS),
                   self.exit_block(P.GROW_STACK, pc, self.fn_of[pc], "try_grow%d" % pc))
        bb.position_at_end(room)
        for col, v in ((P.T_CATCH_PC, c64(b)), (P.T_DEPTH, bb.load(self.depth)),
                       (P.T_BASE, bb.load(self.base)), (P.T_FN, c64(self.fn_of[pc])),
                       (P.T_REG, c64(a))):
            self.store("handlers", v, self.at2("handlers", t, col))
        self.st_set(P.S_NHANDLERS, bb.add(t, c64(1)))
        self.next(pc)

    def op_TRY_END(self, pc, a, b, c):
        bb = self.b
        t = self.st_get(P.S_NHANDLERS)
        self.st_set(P.S_NHANDLERS, bb.select(bb.icmp_signed(">", t, c64(0)), bb.sub(t, c64(1)), t))
        self.next(pc)

    # ---- closures
    def op_CLOSURE(self, pc, a, b, c):
        """vm's CLOSURE: slots [function, captured values...] for a new HK_FN."""
        bb = self.b
        self._fallback_unless(pc, self._room_ok(c64(0), c64(c + 1)))
        soff = self.st_get(P.S_NSLOTS)
        self.store("hslots", c64(b), self.at("hslots", soff))
        for i in range(c):
            self.store("hslots", self.rget(a + 1 + i), self.at("hslots", bb.add(soff, c64(1 + i))))
        self.st_set(P.S_NSLOTS, bb.add(soff, c64(c + 1)))
        self._add_alloc(c64(8 * (c + 1) + P.OBJ_COST))
        self.rset(a, self._new_object(c64(P.HK_FN), soff, c64(c + 1)))
        self.next(pc)

    MAX_CALLV_TARGETS = 64

    @property
    def value_functions(self):
        """The functions a function value can name: LOADFN's and CLOSURE's
        (the only instructions that make function values)."""
        fs = getattr(self, "_value_functions", None)
        if fs is None:
            fs = self._value_functions = sorted({b for o, a, b, c in self.code
                                                 if o in (op.LOADFN, op.CLOSURE)})
        return fs

    def op_CALLV(self, pc, a, b, c):
        """vm's CALLV: the handle check, then, for each function a value of
        this program can name, CALL's body with the captured values copied
        after the arguments.  A function value naming any other function,
        or whose captures do not match its function's count, falls back
        (before any change; tier 1 decides)."""
        targets = self.value_functions
        if not targets or len(targets) > self.MAX_CALLV_TARGETS:
            return False
        bb = self.b
        h = self.rget(b)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_FN)), pc, E.NOT_A_FUNCTION)
        soff = self._hcol(h, P.H_OFF)
        ncap = bb.sub(self._hcol(h, P.H_LEN), c64(1))
        f = self.load("hslots", self.at("hslots", soff))
        other = self.exit_block(FALLBACK, pc, self.fn_of[pc], "callv_other%d" % pc)
        sw = bb.switch(f, other)
        for target in targets:
            blk = self.new_block("callv%d_%d" % (pc, target))
            sw.add_case(c64(target), blk)
            bb.position_at_end(blk)
            caps = self.funcs[target][FN_NCAP]
            same = self.new_block("callv_caps%d_%d" % (pc, target))
            bb.cbranch(bb.icmp_signed("==", ncap, c64(caps)), same, other)
            bb.position_at_end(same)
            arity = self.funcs[target][FN_ARITY]

            def copy(nb, caps=caps, arity=arity):
                for i in range(caps):
                    v = self.load("hslots", self.at("hslots", bb.add(soff, c64(1 + i))))
                    self.store("regs", v, self.b.gep(self.regs, [bb.add(nb, c64(arity + i))]))
            self._call_into(pc, a, target, copy)

    # ---- `use strings` (orus/jit/strlib.py's str_call): the functions
    # that read or share bytes without searching; the others fall back.
    def op_STR1(self, pc, a, b, c):
        """upper/lower (change_case) and trim/trim_start/trim_end (trim +
        piece); str_call's handle check first."""
        if c not in (op.S_UPPER, op.S_LOWER, op.S_TRIM, op.S_TRIM_START, op.S_TRIM_END):
            return False
        bb = self.b
        h = self.rget(b)
        self.fail_if(bb.not_(self._handle_ok(h, P.HK_STR)), pc, E.BAD_VALUE)
        if c in (op.S_UPPER, op.S_LOWER):
            self.rset(a, self._change_case(pc, h, c == op.S_UPPER))
        else:
            self.rset(a, self._trim(pc, h, c != op.S_TRIM_END, c != op.S_TRIM_START))
        self.next(pc)

    def _byte_loop(self, n, body, init=None):
        """for i in range(n): acc = body(i, acc) (acc an i64, from `init`);
        returns the final acc."""
        bb = self.b
        start = bb.block
        head, loop, done = self.new_block("bl"), self.new_block("blb"), self.new_block("bld")
        bb.branch(head)
        bb.position_at_end(head)
        i = bb.phi(I64)
        i.add_incoming(c64(0), start)
        acc = bb.phi(I64)
        acc.add_incoming(init if init is not None else c64(0), start)
        bb.cbranch(bb.icmp_signed("<", i, n), loop, done)
        bb.position_at_end(loop)
        nxt = body(i, acc)
        i.add_incoming(bb.add(i, c64(1)), bb.block)
        acc.add_incoming(nxt, bb.block)
        bb.branch(head)
        bb.position_at_end(done)
        return acc

    def _change_case(self, pc, h, to_upper):
        """strlib.change_case: the string itself when no byte changes, else
        a new string (room for its n bytes and a row, or fall back)."""
        bb = self.b
        t, n = self._hcol(h, P.H_OFF), self._hcol(h, P.H_LEN)
        lo = ir.Constant(I8, 97 if to_upper else 65)

        def letter(i):
            ch = self.load("hbytes", self.at("hbytes", bb.add(t, i)))
            return ch, bb.icmp_unsigned("<", bb.sub(ch, lo), ir.Constant(I8, 26))
        letters = self._byte_loop(n, lambda i, acc: bb.add(acc, bb.zext(letter(i)[1], I64)))
        start = bb.block
        change, join = self.new_block("case%d" % pc), self.new_block("casej%d" % pc)
        bb.cbranch(bb.icmp_signed("==", letters, c64(0)), join, change)
        bb.position_at_end(change)
        self._fallback_unless(pc, self._room_ok(n, c64(0)))
        off = self.st_get(P.S_NBYTES)

        def flip(i, acc):
            ch, is_letter = letter(i)
            v = bb.xor(ch, bb.select(is_letter, ir.Constant(I8, 32), ir.Constant(I8, 0)))
            self.store("hbytes", v, self.at("hbytes", bb.add(off, i)))
            return acc
        self._byte_loop(n, flip)
        self.st_set(P.S_NBYTES, bb.add(off, n))
        self._add_alloc(bb.add(n, c64(P.OBJ_COST)))
        made = self._new_string(off, n, c64(-1))
        changed = bb.block
        bb.branch(join)
        bb.position_at_end(join)
        r = bb.phi(I64)
        r.add_incoming(h, start)
        r.add_incoming(made, changed)
        return r

    def _is_space(self, ch):
        bb = self.b
        return bb.or_(bb.icmp_unsigned("==", ch, ir.Constant(I8, 32)),
                      bb.icmp_unsigned("<", bb.sub(ch, ir.Constant(I8, 9)), ir.Constant(I8, 5)))

    def _scan(self, first, limit, step_back, t):
        """The first index i from `first` (moving up, or down when
        step_back: testing byte i - 1) while i differs from `limit` and the
        byte is whitespace."""
        bb = self.b
        start = bb.block
        head, test, done = self.new_block("sc"), self.new_block("sct"), self.new_block("scd")
        bb.branch(head)
        bb.position_at_end(head)
        i = bb.phi(I64)
        i.add_incoming(first, start)
        inside = bb.icmp_signed(">", i, limit) if step_back else bb.icmp_signed("<", i, limit)
        bb.cbranch(inside, test, done)
        bb.position_at_end(test)
        at = bb.sub(i, c64(1)) if step_back else i
        ch = self.load("hbytes", self.at("hbytes", bb.add(t, at)))
        i.add_incoming(bb.sub(i, c64(1)) if step_back else bb.add(i, c64(1)), test)
        bb.cbranch(self._is_space(ch), head, done)
        bb.position_at_end(done)
        return i

    def _trim(self, pc, h, start, end):
        """strlib.trim + piece: the string itself when nothing is cut, else
        a substring sharing its bytes (a row, or fall back)."""
        bb = self.b
        t, n = self._hcol(h, P.H_OFF), self._hcol(h, P.H_LEN)
        i = self._scan(c64(0), n, False, t) if start else c64(0)
        j = self._scan(n, i, True, t) if end else n
        whole = bb.and_(bb.icmp_signed("==", i, c64(0)), bb.icmp_signed("==", bb.sub(j, i), n))
        entry = bb.block
        cut, join = self.new_block("trim%d" % pc), self.new_block("trimj%d" % pc)
        bb.cbranch(whole, join, cut)
        bb.position_at_end(cut)
        self._fallback_unless(pc, self._room_ok(c64(0), c64(0)))
        self._add_alloc(c64(P.OBJ_COST))
        made = self._new_string(bb.add(t, i), bb.sub(j, i), c64(-1))
        cut_end = bb.block
        bb.branch(join)
        bb.position_at_end(join)
        r = bb.phi(I64)
        r.add_incoming(h, entry)
        r.add_incoming(made, cut_end)
        return r

    def op_STR2(self, pc, a, b, c):
        """starts_with / ends_with (str_call's checks: x, then y)."""
        if c not in (op.S_STARTS_WITH, op.S_ENDS_WITH):
            return False
        bb = self.b
        x, y = self.rget(b), self.rget(b + 1)
        self.fail_if(bb.not_(self._handle_ok(x, P.HK_STR)), pc, E.BAD_VALUE)
        self.fail_if(bb.not_(self._handle_ok(y, P.HK_STR)), pc, E.BAD_VALUE)
        t, n = self._hcol(x, P.H_OFF), self._hcol(x, P.H_LEN)
        p, m = self._hcol(y, P.H_OFF), self._hcol(y, P.H_LEN)
        entry = bb.block
        fits, join = self.new_block("affix%d" % pc), self.new_block("affixj%d" % pc)
        bb.cbranch(bb.icmp_signed(">", m, n), join, fits)
        bb.position_at_end(fits)
        s0 = t if c == op.S_STARTS_WITH else bb.add(t, bb.sub(n, m))
        k = self._first_difference(s0, p, m)
        same = bb.zext(bb.icmp_signed("==", k, m), I64)
        tail = bb.block
        bb.branch(join)
        bb.position_at_end(join)
        r = bb.phi(I64)
        r.add_incoming(c64(0), entry)
        r.add_incoming(same, tail)
        self.rset(a, r)
        self.next(pc)

    # ---- math: the functions that are one exact LLVM operation
    MATH1_INTRINSICS = {op.M_SQRT: "llvm.sqrt.f64", op.M_FLOOR: "llvm.floor.f64",
                        op.M_CEIL: "llvm.ceil.f64", op.M_TRUNC: "llvm.trunc.f64",
                        op.M_FABS: "llvm.fabs.f64"}

    def op_MATH1(self, pc, a, b, c):
        """vm's MATH1 for sqrt, floor, ceil, trunc and fabs (IEEE-exact, as
        numpy's and libm's): floor/ceil/trunc/fabs never fail (NaN in, NaN
        out); sqrt is inline for x >= 0 as in tier 1, and any other x (a
        domain error, or NaN) falls back to tier 1's math1.  Other
        functions fall back."""
        name = self.MATH1_INTRINSICS.get(c)
        if name is None:
            return False
        bb = self.b
        fn = self.module.globals.get(name)
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(F64, [F64]), name)
        x = self.fget(b)
        if c == op.M_SQRT:
            self._fallback_unless(pc, bb.fcmp_ordered(">=", x, ir.Constant(F64, 0.0)))
        self.fset(a, bb.call(fn, [x]))
        self.next(pc)

    # ---- more arrays
    def op_ITER_INT(self, pc, a, b, c):
        self.fail_if(self.b.icmp_signed("<", self.rget(a), c64(0)), pc, E.ITER_NEGATIVE)
        self.next(pc)

    def op_ARR_POP(self, pc, a, b, c):
        """vm's ARR_POP.  (Not in NEVER_STOPS although it never stops: it
        changes an array's length, which a versioned loop settles.)"""
        bb = self.b
        h = self.rget(b)
        self.fail_if(bb.not_(self._is_array(h)), pc, E.BAD_VALUE)
        n = self._hcol(h, P.H_LEN)
        self.fail_if(bb.icmp_signed("==", n, c64(0)), pc, E.POP_EMPTY)
        at = bb.add(self._hcol(h, P.H_OFF), bb.sub(n, c64(1)))
        is_bytes = bb.icmp_signed("==", self._hcol(h, P.H_KIND), c64(P.HK_ARR_B))
        yes, no, join = self.new_block("popb"), self.new_block("pops"), self.new_block("popj")
        bb.cbranch(is_bytes, yes, no)
        bb.position_at_end(yes)
        vb = bb.zext(self.load("hbytes", self.at("hbytes", at)), I64)
        bb.branch(join)
        bb.position_at_end(no)
        vs = self.load("hslots", self.at("hslots", at))
        bb.branch(join)
        bb.position_at_end(join)
        v = bb.phi(I64)
        v.add_incoming(vb, yes)
        v.add_incoming(vs, no)
        self.rset(a, v)
        self._hset(h, P.H_LEN, bb.sub(n, c64(1)))
        self.next(pc)

    def _new_array_from(self, pc, a, b, c, is_slice):
        """vm's ARR_SLICE / ARR_REPEAT: a new array of the source's kind."""
        bb = self.b
        h = self.rget(b)
        self.fail_if(bb.not_(self._is_array(h)), pc, E.BAD_VALUE)
        n = self._hcol(h, P.H_LEN)
        if is_slice:
            first, count = self._slice_bounds(pc, n, self.rget(c), self.rget(c + 1))
            times = None
        else:
            times = self.rget(c)
            positive = bb.icmp_signed(">", n, c64(0))
            limit = bb.sdiv(c64(1 << 31), bb.select(positive, n, c64(1)))
            bad = bb.or_(bb.icmp_signed("<", times, c64(0)),
                         bb.and_(positive, bb.icmp_signed(">", times, limit)))
            self.fail_if(bad, pc, E.REPEAT_COUNT)
            first, count = c64(0), bb.mul(n, times)
        kind = self._hcol(h, P.H_KIND)
        is_bytes = bb.icmp_signed("==", kind, c64(P.HK_ARR_B))
        self._fallback_unless(pc, self._room_ok(bb.select(is_bytes, count, c64(0)),
                                                bb.select(is_bytes, c64(0), count)))
        src = self._hcol(h, P.H_OFF)
        yes, no, join = self.new_block("newb%d" % pc), self.new_block("news%d" % pc), \
            self.new_block("newj%d" % pc)
        bb.cbranch(is_bytes, yes, no)
        offs = []
        for blk, arena, top_slot, unit in ((yes, "hbytes", P.S_NBYTES, 1),
                                           (no, "hslots", P.S_NSLOTS, 8)):
            bb.position_at_end(blk)
            soff = self.st_get(top_slot)
            if is_slice:
                self._copy(arena, soff, bb.add(src, first), count, unit)
            else:
                self._repeat_copy(arena, soff, src, n, times, unit)
            self.st_set(top_slot, bb.add(soff, count))
            self._add_alloc(bb.add(bb.mul(count, c64(unit)), c64(P.OBJ_COST)))
            offs.append((soff, bb.block))
            bb.branch(join)
        bb.position_at_end(join)
        soff = bb.phi(I64)
        for v, blk in offs:
            soff.add_incoming(v, blk)
        self.rset(a, self._new_object(kind, soff, count))
        self.next(pc)

    def _repeat_copy(self, arena, dst, src, n, times, unit):
        """copy_elements' repeat: `times` copies of the n elements at src."""
        bb = self.b
        start = bb.block
        head, body, done = self.new_block("rep"), self.new_block("repb"), self.new_block("repd")
        bb.branch(head)
        bb.position_at_end(head)
        k = bb.phi(I64)
        k.add_incoming(c64(0), start)
        bb.cbranch(bb.and_(bb.icmp_signed(">", n, c64(0)), bb.icmp_signed("<", k, times)),
                   body, done)
        bb.position_at_end(body)
        self._copy(arena, bb.add(dst, bb.mul(k, n)), src, n, unit)
        k.add_incoming(bb.add(k, c64(1)), bb.block)
        bb.branch(head)
        bb.position_at_end(done)

    def op_ARR_SLICE(self, pc, a, b, c):
        self._new_array_from(pc, a, b, c, True)

    def op_ARR_REPEAT(self, pc, a, b, c):
        self._new_array_from(pc, a, b, c, False)


def emit(program) -> tuple[str, int]:
    """(LLVM IR text of the program's native code, number of instructions
    it implements natively)."""
    e = Emitter(program)
    text = e.build()
    return text, e.supported
