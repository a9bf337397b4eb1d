"""The bytecode verifier: what makes the unchecked Numba loop safe.

Run on every program before the VM sees it (freshly compiled or loaded from
disk).  It checks, from the operand kinds in orus.opcodes.TABLE, that every
operand is in range for the function it appears in:

  * registers < the function's FN_NREGS, globals < main's FN_NREGS;
  * constant / string / function indices inside their pools;
  * jump targets inside the function's own code;
  * each function's code range is inside the code array, non-empty, and ends
    with an instruction that cannot fall through (so pc never leaves it);
  * calls: CALL's frame (A + callee FN_NREGS) is handled by the VM's growth
    check, but the callee's FN_NREGS must hold its arguments and captures, and
    CLOSURE's capture count must equal the callee's FN_NCAP;
  * multi-register operands (FORPREP/FORLOOP use A..A+3, CLOSURE A..A+C) fit.

The checks are vectorised with numpy per operand kind, so verification costs
little next to loading.
"""

from __future__ import annotations

import numpy as np

from . import hostcalls
from . import opcodes as op
from .bytecode import (BytecodeError, FN_ARITY, FN_END, FN_ENTRY, FN_KINDS, FN_NAME,
                       FN_NCAP, FN_NREGS, Program)

# Instructions after which control never falls through to pc + 1.
TERMINATORS = frozenset({op.JMP, op.RET, op.RET0, op.HALT, op.ERROR})

# Extra registers an opcode uses beyond its A operand (A + extra < nregs).
EXTRA_REGS_A = {op.FORPREP: 3, op.FORLOOP: 3}
# ... and beyond their B / C operands.
EXTRA_REGS_B = {op.RANGE_NEW: 2}
EXTRA_REGS_C = {op.ARR_SLICE: 1, op.STR_SLICE: 1}

MAX_REGS = 1 << 20


def _fail(msg):
    raise BytecodeError("bytecode verification failed: " + msg)


def verify(program: Program) -> None:
    code, funcs = program.code, program.funcs
    n = len(code)
    nk, nf_const, ns, nfun = len(program.kint), len(program.kflt), program.num_strings, len(funcs)

    # --- containers ---------------------------------------------------------------
    if code.ndim != 2 or code.shape[1] != 4 or program.lines.shape != (n, 3):
        _fail("code/line table shape")
    if nfun == 0:
        _fail("no main function")
    offs = program.str_offs
    if len(offs) < 1 or offs[0] != 0 or np.any(np.diff(offs) < 0) or offs[-1] != len(program.str_blob):
        _fail("string table offsets")
    # --- the function table ------------------------------------------------------------
    entry, end = funcs[:, FN_ENTRY], funcs[:, FN_END]
    nregs, arity, ncap = funcs[:, FN_NREGS], funcs[:, FN_ARITY], funcs[:, FN_NCAP]
    if np.any(entry < 0) or np.any(end > n) or np.any(entry >= end):
        _fail("function code ranges")
    if np.any(nregs < 1) or np.any(nregs > MAX_REGS) or np.any(arity < 0) or np.any(ncap < 0):
        _fail("function register counts")
    if np.any(arity + ncap > nregs):
        _fail("function arguments exceed registers")
    if np.any((funcs[:, FN_NAME] < 0) | (funcs[:, FN_NAME] >= ns)):
        _fail("function name index")
    kinds_at = funcs[:, FN_KINDS]
    if (program.regkinds.ndim != 1 or np.any(kinds_at < 0)
            or np.any(kinds_at + nregs > len(program.regkinds))):
        _fail("register kind table")
    ops = code[:, 0]
    if np.any((ops < 0) | (ops >= op.NUM_OPS)):
        _fail("unknown opcode")

    # Which function owns each pc, and that function's bounds and register count.
    owner = np.full(n, -1, dtype=np.int64)
    for f in range(nfun):
        seg = owner[entry[f]:end[f]]
        if np.any(seg != -1):
            _fail("function %d overlaps another" % f)
        seg[:] = f
        if int(ops[end[f] - 1]) not in TERMINATORS:
            _fail("function %d can fall off its end" % f)
    if np.any(owner == -1):
        _fail("code outside any function")
    lo, hi, regs_of = entry[owner], end[owner], nregs[owner]
    main_regs = int(nregs[0])

    # --- operands by kind -------------------------------------------------------------
    kinds = np.empty((op.NUM_OPS, 3), dtype=object)
    for info in op.TABLE:
        kinds[info.number] = info.operands
    for slot in range(3):
        val = code[:, 1 + slot].astype(np.int64)
        col_kinds = np.array([kinds[o][slot] for o in range(op.NUM_OPS)], dtype=object)[ops]
        for kind, limit in (("ki", nk), ("kf", nf_const), ("ks", ns), ("fn", nfun),
                            ("g", main_regs), ("cv", op.NUM_CONVS), ("ok", op.OUT_KINDS),
                            ("hc", hostcalls.NUM_HOSTCALLS), ("ty", len(program.types))):
            m = col_kinds == kind
            if np.any(m & ((val < 0) | (val >= limit))):
                bad = int(np.argmax(m & ((val < 0) | (val >= limit))))
                _fail("pc %d: %s operand %d out of range" % (bad, op.NAMES[ops[bad]], val[bad]))
        m = col_kinds == "r"
        if np.any(m & ((val < 0) | (val >= regs_of))):
            bad = int(np.argmax(m & ((val < 0) | (val >= regs_of))))
            _fail("pc %d: register %d out of range" % (bad, val[bad]))
        m = col_kinds == "j"
        if np.any(m & ((val < lo) | (val >= hi))):
            bad = int(np.argmax(m & ((val < lo) | (val >= hi))))
            _fail("pc %d: jump target %d outside its function" % (bad, val[bad]))
        m = col_kinds == "-"
        if np.any(m & (val != 0)):
            _fail("pc %d: unused operand is not 0" % int(np.argmax(m & (val != 0))))

    # --- irregular operands ---------------------------------------------------------------
    a = code[:, 1].astype(np.int64)
    for opcode, extra in EXTRA_REGS_A.items():
        m = ops == opcode
        if np.any(m & (a + extra >= regs_of)):
            _fail("%s register window out of range" % op.NAMES[opcode])
    types = program.types
    if types.ndim != 2 or (len(types) and types.shape[1] != 4):
        _fail("type table shape")
    b_all = code[:, 2].astype(np.int64)
    c_all = code[:, 3].astype(np.int64)
    for opcode, extra in EXTRA_REGS_B.items():
        if np.any((ops == opcode) & (b_all + extra >= regs_of)):
            _fail("%s register window out of range" % op.NAMES[opcode])
    for opcode, extra in EXTRA_REGS_C.items():
        if np.any((ops == opcode) & (c_all + extra >= regs_of)):
            _fail("%s register window out of range" % op.NAMES[opcode])
    m = ops == op.REC_NEW
    if np.any(m):
        tids = c_all[m]
        if len(types) == 0 or np.any(b_all[m] + types[tids, 1] > regs_of[m]) or np.any(types[tids, 1] < 0):
            _fail("REC_NEW fields out of range")
    for pc in np.nonzero(ops == op.JMPTAB)[0]:
        count = int(b_all[pc])
        if count < 0 or pc + 1 + count >= hi[pc]:
            _fail("pc %d: JMPTAB table outside its function" % pc)
        if np.any(ops[pc + 1:pc + 1 + count] != op.JMP):
            _fail("pc %d: JMPTAB must be followed by %d JMPs" % (pc, count))
    m = ops == op.HOSTCALL
    if np.any(m):
        arity = np.array([hostcalls.ARITY[int(h)] for h in c_all[m]], dtype=np.int64)
        if np.any(b_all[m] + arity > regs_of[m]):
            _fail("HOSTCALL arguments out of range")
    if np.any((program.files < 0) | (program.files >= ns)) or len(program.files) < 1:
        _fail("file table")
    if n and (np.any(program.lines[:, 2] < 0) or np.any(program.lines[:, 2] >= len(program.files))):
        _fail("line table file index")
    m = ops == op.CLOSURE
    if np.any(m):
        b, c = code[m, 2].astype(np.int64), code[m, 3].astype(np.int64)
        if np.any(c != ncap[b]) or np.any(a[m] + c >= regs_of[m]):
            _fail("CLOSURE capture count")
    m = ops == op.OUTEND
    if np.any(m & ((a < -1) | (a >= ns))):
        _fail("OUTEND template index")
    m = ops == op.ERROR
    if np.any(m):
        b = code[m, 2].astype(np.int64)
        if np.any((b < -1) | (b >= ns)):
            _fail("ERROR detail index")
    m = ops == op.CALLV
    if np.any(m & (code[:, 2] >= a)):
        _fail("CALLV function register must be below the frame it starts")
