"""The bytecode verifier's kernel: what makes the unchecked loop safe.

``verify_code`` runs inside the VM entry (orus.jit.vm.run_with) before the
first instruction of a program executes, so it is compiled into the same
native library and needs neither numpy nor Python at run time.  It proves,
from the operand kinds in orus.bytecode.opcodes.TABLE, that every index the loop will
use is in range for the function it appears in:

  * each function's code range is inside the code array, non-empty, owned by
    no other function, and ends with an instruction that cannot fall through
    (so pc never leaves it); together the functions cover the code;
  * registers < the function's FN_NREGS, globals < main's FN_NREGS, constant /
    string / function / type indices inside their pools, jump targets inside
    the function's own code (backward only from JMP / JMPT / JMPF / FORLOOP,
    which count toward the yield budget: every loop yields), unused
    operands 0;
  * calls: the callee's FN_NREGS holds its arguments and captures, CLOSURE's
    capture count equals the callee's FN_NCAP, CALLV's function register lies
    below the frame it starts;
  * multi-register operands (FORPREP/FORLOOP A..A+3, RANGE_NEW B..B+2,
    slices C..C+1, CLOSURE A..A+C, REC_NEW's field block, HOSTCALL's
    arguments) fit; a JMPTAB is followed by its JMPs inside the function.

On failure it stores the reason (orus.bytecode.verify.REASONS), the pc and the
operand slot in the state array; the host turns them into a message.  The
checks the host alone relies on (string table, file and line tables) are in
orus/bytecode/verify.py.
"""

import numpy as np

from numba import njit

from orus.bytecode import hostcall_table as HC
from orus.bytecode import opcodes as op
from orus.bytecode import protocol as P
from orus.bytecode import verify as V
from orus.bytecode.program import (FN_ARITY, FN_COLS, FN_END, FN_ENTRY, FN_KINDS, FN_NAME, FN_NCAP,
                                   FN_NREGS)

# Operand kind codes per opcode and slot (frozen into the compiled code).
KIND_OF = np.array([[op.OPERAND_KINDS.index(k) for k in info.operands] for info in op.TABLE],
                   dtype=np.int64)
_K = {k: i for i, k in enumerate(op.OPERAND_KINDS)}
K_R, K_G, K_KI, K_KF, K_KS, K_FN, K_J, K_N, K_CV, K_OK, K_E, K_HC, K_TY, K_UNUSED = (
    _K["r"], _K["g"], _K["ki"], _K["kf"], _K["ks"], _K["fn"], _K["j"], _K["n"], _K["cv"],
    _K["ok"], _K["e"], _K["hc"], _K["ty"], _K["-"])
# Per-opcode facts of the table, as arrays the kernel can index.
TERMINATES = np.array([info.terminates for info in op.TABLE], dtype=np.uint8)
# The only instructions that may jump backward: they count toward the yield
# budget, so every loop returns to the host now and then (Ctrl-C works).
BACKWARD_OK = np.array([info.jumps_back for info in op.TABLE], dtype=np.uint8)
# Register windows: (operand slot, number of registers); size 0 = none.
WINDOW_SLOT = np.array([info.window[0] if info.window else 0 for info in op.TABLE], dtype=np.int64)
WINDOW_SIZE = np.array([info.window[1] if info.window else 0 for info in op.TABLE], dtype=np.int64)
HC_ARITY = np.array([HC.ARITY[h] for h in range(HC.NUM_HOSTCALLS)], dtype=np.int64)
NUM_OPS = op.NUM_OPS
MAX_REGS = V.MAX_REGS


@njit(cache=True)
def _fail(state, reason, pc, slot):
    state[P.S_ERR] = reason
    state[P.S_PC] = pc
    state[P.S_ERRARG] = slot
    return P.BADCODE


@njit(cache=True)
def _functions_ok(code, funcs, regkinds, state, owner):
    """The function table; fills owner[pc] with the function of each pc."""
    n = code.shape[0]
    nf = funcs.shape[0]
    ns = state[P.S_NSTR]
    if nf == 0 or code.shape[1] != 4 or funcs.shape[1] != FN_COLS:
        return _fail(state, V.R_SHAPE, -1, 0)
    for f in range(nf):
        entry = funcs[f, FN_ENTRY]
        end = funcs[f, FN_END]
        nregs = funcs[f, FN_NREGS]
        if entry < 0 or end > n or entry >= end:
            return _fail(state, V.R_FN_RANGE, -1, f)
        if nregs < 1 or nregs > MAX_REGS or funcs[f, FN_ARITY] < 0 or funcs[f, FN_NCAP] < 0:
            return _fail(state, V.R_FN_REGS, -1, f)
        if funcs[f, FN_ARITY] + funcs[f, FN_NCAP] > nregs:
            return _fail(state, V.R_FN_ARGS, -1, f)
        if funcs[f, FN_NAME] < 0 or funcs[f, FN_NAME] >= ns:
            return _fail(state, V.R_FN_NAME, -1, f)
        if funcs[f, FN_KINDS] < 0 or funcs[f, FN_KINDS] + nregs > regkinds.shape[0]:
            return _fail(state, V.R_FN_KINDS, -1, f)
        for pc in range(entry, end):
            if owner[pc] != -1:
                return _fail(state, V.R_FN_OVERLAP, pc, f)
            owner[pc] = f
        last = code[end - 1, 0]
        if last < 0 or last >= NUM_OPS or TERMINATES[last] == 0:
            return _fail(state, V.R_FALLTHROUGH, end - 1, f)
    for pc in range(n):
        if owner[pc] == -1:
            return _fail(state, V.R_ORPHAN, pc, 0)
    return P.DONE


@njit(cache=True)
def verify_code(code, kint, kflt, funcs, regkinds, types, state, scratch):
    """P.DONE if the program is safe to run, else P.BADCODE (reason in state).
    `scratch` (the collector's mark stack, unused before the first
    instruction) holds the owning function of each pc: the native library
    cannot allocate."""
    n = code.shape[0]
    if scratch.shape[0] < n:
        return _fail(state, V.R_SHAPE, -1, 0)
    owner = scratch
    for pc in range(n):
        owner[pc] = -1
    status = _functions_ok(code, funcs, regkinds, state, owner)
    if status != P.DONE:
        return status
    nf = funcs.shape[0]
    ns = state[P.S_NSTR]
    nt = types.shape[0]
    if nt > 0 and types.shape[1] != 4:
        return _fail(state, V.R_SHAPE, -1, 0)
    nglobals = funcs[0, FN_NREGS]
    for pc in range(n):
        o = code[pc, 0]
        if o < 0 or o >= NUM_OPS:
            return _fail(state, V.R_OPCODE, pc, 0)
        f = owner[pc]
        lo = funcs[f, FN_ENTRY]
        hi = funcs[f, FN_END]
        nregs = funcs[f, FN_NREGS]
        for slot in range(3):
            k = KIND_OF[o, slot]
            v = np.int64(code[pc, slot + 1])
            low = 0
            if k == K_R:
                high = nregs
            elif k == K_G:
                high = nglobals
            elif k == K_KI:
                high = kint.shape[0]
            elif k == K_KF:
                high = kflt.shape[0]
            elif k == K_KS:
                high = ns
            elif k == K_FN:
                high = nf
            elif k == K_J:
                low = lo if BACKWARD_OK[o] else pc + 1
                high = hi
            elif k == K_CV:
                high = op.NUM_CONVS
            elif k == K_OK:
                high = op.OUT_KINDS
            elif k == K_HC:
                high = HC.NUM_HOSTCALLS
            elif k == K_TY:
                high = nt
            elif k == K_UNUSED:
                high = 1
            else:                   # immediates and error codes: any value
                continue
            if v < low or v >= high:
                return _fail(state, V.R_OPERAND, pc, slot)
        a = np.int64(code[pc, 1])
        b = np.int64(code[pc, 2])
        c = np.int64(code[pc, 3])
        size = WINDOW_SIZE[o]
        if size > 0:
            slot = WINDOW_SLOT[o]
            if np.int64(code[pc, slot + 1]) + size > nregs:
                return _fail(state, V.R_WINDOW, pc, slot)
        # windows whose size comes from a table (type row, host-call arity, captures)
        if o == op.REC_NEW:
            nfields = types[c, 1]
            if nfields < 0 or b + nfields > nregs:
                return _fail(state, V.R_RECORD, pc, 1)
        elif o == op.JMPTAB:
            if b < 0 or pc + 1 + b >= hi:
                return _fail(state, V.R_JMPTAB, pc, 1)
            for t in range(pc + 1, pc + 1 + b):
                if code[t, 0] != op.JMP:
                    return _fail(state, V.R_JMPTAB, pc, 1)
        elif o == op.HOSTCALL:
            if b + HC_ARITY[c] > nregs:
                return _fail(state, V.R_HOSTCALL, pc, 1)
        elif o == op.CLOSURE:
            if c != funcs[b, FN_NCAP] or a + c >= nregs:
                return _fail(state, V.R_CLOSURE, pc, 2)
        elif o == op.OUTEND:
            if a < -1 or a >= ns:
                return _fail(state, V.R_OPERAND, pc, 0)
        elif o == op.ERROR:
            if b < -1 or b >= ns:
                return _fail(state, V.R_OPERAND, pc, 1)
        elif o == op.CALLV:
            if b >= a:
                return _fail(state, V.R_CALLV, pc, 1)
    return P.DONE
