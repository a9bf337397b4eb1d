"""Reference model of the bytecode verifier (tests only).

The vectorised numpy verifier the host ran before verification moved into
the VM (orus/jit/verifier.py, commit 674c7c3).  tests/test_bytecode.py
corrupts programs at random and requires both to accept or reject alike.
Its original description follows.

Run on every program before the VM sees it (freshly compiled or loaded from
disk).  It checks, from the operand kinds in orus.bytecode.opcodes.TABLE, that every
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

from orus.bytecode import hostcall_table as hostcalls
from orus.bytecode import opcodes as op
from orus.bytecode.program import (BytecodeError, FN_ARITY, FN_END, FN_ENTRY, FN_KINDS, FN_NAME,
                                   FN_NCAP, FN_NREGS, Program)

BACKWARD_JUMPS = frozenset({op.JMP, op.JMPT, op.JMPF, op.FORLOOP})

# Instructions after which control never falls through to pc + 1.
TERMINATORS = frozenset({op.JMP, op.RET, op.RET0, op.HALT, op.ERROR})

# Extra registers an opcode uses beyond its A operand (A + extra < nregs).
EXTRA_REGS_A = {op.FORPREP: 3, op.FORLOOP: 3}
# ... and beyond their B / C operands.
EXTRA_REGS_B = {op.RANGE_NEW: 2, op.MATH2: 1, op.RNG_UNIFORM: 1, op.RNG_INTEGERS: 1,
                op.RNG_NORMAL: 1, op.STR2: 1, op.STR3: 2}
EXTRA_REGS_C = {op.ARR_SLICE: 1, op.STR_SLICE: 1}

MAX_REGS = 1 << 20

# Operand kinds as small integers, per opcode and slot, computed once.
_KIND_INDEX = np.array([[op.OPERAND_KINDS.index(k) for k in info.operands] for info in op.TABLE],
                       dtype=np.int64)
_K_REG = op.OPERAND_KINDS.index("r")
_K_JUMP = op.OPERAND_KINDS.index("j")
_K_UNUSED = op.OPERAND_KINDS.index("-")
# Kinds checked elsewhere (immediates, error codes) or not at all.
_UNBOUNDED = np.array([k in ("n", "e") for k in op.OPERAND_KINDS])
# Upper bound of each pool-like kind, from the program.
_LIMIT_OF = {
    "ki": lambda p: len(p.kint),
    "kf": lambda p: len(p.kflt),
    "ks": lambda p: p.num_strings,
    "fn": lambda p: len(p.funcs),
    "g": lambda p: int(p.funcs[0, FN_NREGS]),
    "cv": lambda p: op.NUM_CONVS,
    "ok": lambda p: op.OUT_KINDS,
    "hc": lambda p: hostcalls.NUM_HOSTCALLS,
    "ty": lambda p: len(p.types),
}


def _fail(msg):
    raise BytecodeError("bytecode verification failed: " + msg)


def verify(program: Program) -> None:
    code, funcs = program.code, program.funcs
    n = len(code)
    ns, nfun = program.num_strings, len(funcs)

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

    # --- operands by kind: each operand must lie in [low, high) for its kind ----------
    kind_of = _KIND_INDEX[ops]                               # (n, 3) kind codes
    vals = code[:, 1:4].astype(np.int64)
    limit = np.array([_LIMIT_OF[k](program) if k in _LIMIT_OF else 0 for k in op.OPERAND_KINDS],
                     dtype=np.int64)
    high = limit[kind_of]
    low = np.zeros_like(high)
    unbounded = _UNBOUNDED[kind_of]
    is_reg = kind_of == _K_REG
    high[is_reg] = np.broadcast_to(regs_of[:, None], high.shape)[is_reg]
    is_jump = kind_of == _K_JUMP
    low[is_jump] = np.broadcast_to(lo[:, None], low.shape)[is_jump]
    # (added with the kernel: backward jumps only from the budget-counting jumps)
    forward_only = is_jump & ~np.isin(ops, list(BACKWARD_JUMPS))[:, None]
    low[forward_only] = np.broadcast_to(np.arange(n)[:, None] + 1, low.shape)[forward_only]
    high[is_jump] = np.broadcast_to(hi[:, None], high.shape)[is_jump]
    is_unused = kind_of == _K_UNUSED
    low[is_unused], high[is_unused] = 0, 1
    bad = ~unbounded & ((vals < low) | (vals >= high))
    if bad.any():
        pc, slot = (int(x) for x in np.argwhere(bad)[0])
        _fail("pc %d: %s operand %s = %d out of range" % (
            pc, op.NAMES[ops[pc]], "ABC"[slot], vals[pc, slot]))

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
