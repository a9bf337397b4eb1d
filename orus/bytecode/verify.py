"""The bytecode verifier: what makes the unchecked Numba loop safe.

Every program is verified before its first instruction runs, whether it was
just compiled or loaded from disk, in two parts:

  * the code, function table, constant pools and type table -- everything the
    VM loop indexes -- are checked by the kernel orus/jit/verifier.py, which
    runs inside the VM entry on a machine's first call (native speed, no
    numpy; a failure stops the VM with status BADCODE before anything ran);
  * the tables only the host reads (string offsets, which the host turns into
    heap objects; the file table) are checked here by ``check_host`` when a
    ``Machine`` is made.  Line-table entries are clamped where they are read.

``orus.api.verify(program)`` runs both at once (a throwaway machine in
verify-only mode: making it checks the host tables) and raises
BytecodeError; this module imports neither numpy nor numba.
"""

from __future__ import annotations

from orus.bytecode import opcodes as op
from orus.bytecode.program import BytecodeError

MAX_REGS = 1 << 20

# Why the kernel rejected a program (state S_ERR after BADCODE).
REASONS = (
    "array shapes",                                  # R_SHAPE
    "function code ranges",                          # R_FN_RANGE
    "function register counts",                      # R_FN_REGS
    "function arguments exceed registers",           # R_FN_ARGS
    "function name index",                           # R_FN_NAME
    "register kind table",                           # R_FN_KINDS
    "functions overlap",                             # R_FN_OVERLAP
    "function can fall off its end",                 # R_FALLTHROUGH
    "code outside any function",                     # R_ORPHAN
    "unknown opcode",                                # R_OPCODE
    "operand out of range",                          # R_OPERAND
    "register window out of range",                  # R_WINDOW
    "REC_NEW fields out of range",                   # R_RECORD
    "JMPTAB table outside its function or not JMPs",  # R_JMPTAB
    "HOSTCALL arguments out of range",               # R_HOSTCALL
    "CLOSURE capture count",                         # R_CLOSURE
    "CALLV function register must be below the frame it starts",  # R_CALLV
)
(R_SHAPE, R_FN_RANGE, R_FN_REGS, R_FN_ARGS, R_FN_NAME, R_FN_KINDS, R_FN_OVERLAP,
 R_FALLTHROUGH, R_ORPHAN, R_OPCODE, R_OPERAND, R_WINDOW, R_RECORD, R_JMPTAB, R_HOSTCALL,
 R_CLOSURE, R_CALLV) = range(len(REASONS))


def _fail(msg):
    raise BytecodeError("bytecode verification failed: " + msg)


def rejection(program, reason: int, pc: int, slot: int) -> BytecodeError:
    """The BytecodeError for a BADCODE stop of the kernel."""
    text = REASONS[reason] if 0 <= reason < len(REASONS) else "reason %d" % reason
    if 0 <= pc < len(program.code):
        o = int(program.code[pc, 0])
        name = op.NAMES[o] if 0 <= o < op.NUM_OPS else "op %d" % o
        text = "pc %d: %s operand %s = %d: %s" % (
            pc, name, "ABC"[slot] if 0 <= slot < 3 else "?",
            int(program.code[pc, 1 + slot]) if 0 <= slot < 3 else 0, text)
    elif slot >= 0 and reason in (R_FN_RANGE, R_FN_REGS, R_FN_ARGS, R_FN_NAME, R_FN_KINDS,
                                  R_FALLTHROUGH):
        text = "function %d: %s" % (slot, text)
    return BytecodeError("bytecode verification failed: " + text)


def _shape(arr):
    return tuple(arr.shape)


def check_host(program) -> None:
    """What the host relies on before making a machine: array shapes, the
    string table (its offsets become heap objects) and the file table.
    Cost: linear in the number of strings and functions, not of the code."""
    n = len(program.code)
    if _shape(program.code) != (n, 4) or _shape(program.lines) != (n, 3):
        _fail("code/line table shape")
    funcs = program.funcs
    if len(_shape(funcs)) != 2 or _shape(funcs)[1] != 7 or len(funcs) == 0:
        _fail("no main function")
    nregs_main = int(funcs[0, 2])
    if not 1 <= nregs_main <= MAX_REGS:
        _fail("function register counts")
    types = program.types
    if len(_shape(types)) != 2 or (len(types) and _shape(types)[1] != 4):
        _fail("type table shape")
    offs = program.str_offs.tolist()
    if not offs or offs[0] != 0 or offs[-1] != len(program.str_blob):
        _fail("string table offsets")
    prev = 0
    for x in offs:
        if x < prev:
            _fail("string table offsets")
        prev = x
    ns = len(offs) - 1
    files = program.files.tolist()
    if not files or any(not 0 <= f < ns for f in files):
        _fail("file table")
