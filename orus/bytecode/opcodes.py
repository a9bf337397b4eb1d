"""The Orus instruction set: the only place an opcode is defined.

Every instruction is four int32 words ``op a b c`` (see bytecode.py).  Each row
below gives the opcode's number (its position), its name, the kind of each
operand and a one-line description in register-transfer notation:

    R[x]      register x of the current frame (64 bits; read as int64 or float64)
    G[x]      global x (= register x of the main frame, absolute)
    KI[x]     int64 constant pool       KF[x]   float64 constant pool
    KS[x]     string constant x (a heap handle, see runtime)
    pc        program counter (absolute instruction index)

Operand kinds (what the verifier checks for each operand):

    r   a register of the current function:      0 <= x < nregs
    g   a global:                                 0 <= x < nregs of the main function
    ki  an int constant index                     kf  a float constant index
    ks  a string constant index                   fn  a function index
    j   a jump target inside the current function's code
    n   an immediate integer (any int32)
    cv  a conversion id (CONV_* below)            ok  an output kind (OUT_* below)
    e   a runtime error code (orus.bytecode.runtime_errors)
    hc  a host function id (orus.host.hostcalls)       ty  a type descriptor index (Program.types)
    -   unused (must be 0)

Value representation: i32 values are kept sign-extended in the 64-bit
register, u32 zero-extended, u64 as its two's complement bit pattern, bool as
0/1, f64 as IEEE bits (the VM reads them through a float64 view of the same
register file), strings and function values as heap handles (int64).

The compiler selects typed opcodes; the VM never checks a type at run time.
Numbers are plain module-level ints so that Numba freezes them as literals.
"""

from __future__ import annotations
from orus.bytecode.digest import sha256


OPERAND_KINDS = ("r", "g", "ki", "kf", "ks", "fn", "j", "n", "cv", "ok", "e", "hc", "ty", "-")


class OpInfo:
    """One instruction: its number, name, operand kinds, semantics and the
    facts the verifier, the VM, the host and the disassembler need:

    terminates  control never falls through to pc + 1 (a function must end in one)
    jumps_back  its jump target may lie at or before pc (the VM counts it toward
                the yield budget, so every loop returns to the host now and then)
    window      (slot, size): the operand in `slot` starts a block of `size`
                consecutive registers the instruction uses (all must exist)
    host        the instruction may stop the loop with status HOST: the host
                does (part of) its work (Machine._host_call)
    """

    __slots__ = ("number", "name", "operands", "doc", "terminates", "jumps_back", "window",
                 "host")

    def __init__(self, number, name, operands, doc, terminates=False, jumps_back=False,
                 window=None, host=False):
        self.number = number
        self.name = name
        self.operands = operands
        self.doc = doc
        self.terminates = terminates
        self.jumps_back = jumps_back
        self.window = window
        self.host = host

    def __repr__(self):
        return "OpInfo(%d, %s, %s)" % (self.number, self.name, " ".join(self.operands))


TABLE: list[OpInfo] = []


def _op(name: str, operands: str, doc: str, **facts) -> int:
    kinds = tuple(operands.split())
    assert len(kinds) == 3 and all(k in OPERAND_KINDS for k in kinds), name
    window = facts.get("window")
    assert window is None or kinds[window[0]] == "r", name
    number = len(TABLE)
    TABLE.append(OpInfo(number, name, kinds, doc, **facts))
    return number


# ---- loads and moves --------------------------------------------------------
MOVE = _op("MOVE", "r r -", "R[A] := R[B]")
LOADI = _op("LOADI", "r n -", "R[A] := B (immediate integer)")
LOADK = _op("LOADK", "r ki -", "R[A] := KI[B]")
LOADF = _op("LOADF", "r kf -", "R[A].f := KF[B]")
LOADS = _op("LOADS", "r ks -", "R[A] := KS[B] (string handle)")
LOADFN = _op("LOADFN", "r fn -", "R[A] := function value of function B (no captures)")
GETG = _op("GETG", "r g -", "R[A] := G[B]")
GETG_CHK = _op("GETG_CHK", "r g ks", "R[A] := G[B]; error 'variable KS[C] used before it is initialized' if G[B] never set")
SETG = _op("SETG", "g r -", "G[A] := R[B]; marks G[A] initialized")

# ---- integer arithmetic: i32 (overflow traps) ------------------------------
ADD_I32 = _op("ADD_I32", "r r r", "R[A] := R[B] + R[C]  (i32; overflow -> error)")
SUB_I32 = _op("SUB_I32", "r r r", "R[A] := R[B] - R[C]  (i32; overflow -> error)")
MUL_I32 = _op("MUL_I32", "r r r", "R[A] := R[B] * R[C]  (i32; overflow -> error)")
DIV_I32 = _op("DIV_I32", "r r r", "R[A] := R[B] / R[C]  (i32, truncates; /0 and MIN/-1 -> error)")
MOD_I32 = _op("MOD_I32", "r r r", "R[A] := R[B] % R[C]  (i32, sign of dividend; %0 and MIN%-1 -> error)")
NEG_I32 = _op("NEG_I32", "r r -", "R[A] := -R[B]  (i32; -MIN -> error)")
# ---- i64 --------------------------------------------------------------------
ADD_I64 = _op("ADD_I64", "r r r", "R[A] := R[B] + R[C]  (i64; overflow -> error)")
SUB_I64 = _op("SUB_I64", "r r r", "R[A] := R[B] - R[C]  (i64; overflow -> error)")
MUL_I64 = _op("MUL_I64", "r r r", "R[A] := R[B] * R[C]  (i64; overflow -> error)")
DIV_I64 = _op("DIV_I64", "r r r", "R[A] := R[B] / R[C]  (i64; /0 and MIN/-1 -> error)")
MOD_I64 = _op("MOD_I64", "r r r", "R[A] := R[B] % R[C]  (i64; %0 and MIN%-1 -> error)")
NEG_I64 = _op("NEG_I64", "r r -", "R[A] := -R[B]  (i64; -MIN -> error)")
# ---- u32 (wraps modulo 2^32) -------------------------------------------------
ADD_U32 = _op("ADD_U32", "r r r", "R[A] := (R[B] + R[C]) mod 2^32")
SUB_U32 = _op("SUB_U32", "r r r", "R[A] := (R[B] - R[C]) mod 2^32")
MUL_U32 = _op("MUL_U32", "r r r", "R[A] := (R[B] * R[C]) mod 2^32")
DIV_U32 = _op("DIV_U32", "r r r", "R[A] := R[B] / R[C]  (u32; /0 -> error)")
MOD_U32 = _op("MOD_U32", "r r r", "R[A] := R[B] % R[C]  (u32; %0 -> error)")
# ---- u64 (wraps modulo 2^64) -------------------------------------------------
ADD_U64 = _op("ADD_U64", "r r r", "R[A] := (R[B] + R[C]) mod 2^64")
SUB_U64 = _op("SUB_U64", "r r r", "R[A] := (R[B] - R[C]) mod 2^64")
MUL_U64 = _op("MUL_U64", "r r r", "R[A] := (R[B] * R[C]) mod 2^64")
DIV_U64 = _op("DIV_U64", "r r r", "R[A] := R[B] / R[C]  (unsigned; /0 -> error)")
MOD_U64 = _op("MOD_U64", "r r r", "R[A] := R[B] % R[C]  (unsigned; %0 -> error)")
# ---- f64 ---------------------------------------------------------------------
ADD_F64 = _op("ADD_F64", "r r r", "R[A].f := R[B].f + R[C].f")
SUB_F64 = _op("SUB_F64", "r r r", "R[A].f := R[B].f - R[C].f")
MUL_F64 = _op("MUL_F64", "r r r", "R[A].f := R[B].f * R[C].f")
DIV_F64 = _op("DIV_F64", "r r r", "R[A].f := R[B].f / R[C].f  (/0.0 -> error)")
MOD_F64 = _op("MOD_F64", "r r r", "R[A].f := fmod(R[B].f, R[C].f)  (%0.0 -> error)")
NEG_F64 = _op("NEG_F64", "r r -", "R[A].f := -R[B].f")

# ---- comparisons (result bool 0/1) -------------------------------------------
# Integers of every type and bools compare equal iff their bit patterns do.
EQ_I = _op("EQ_I", "r r r", "R[A] := R[B] == R[C]  (integers, bool)")
NE_I = _op("NE_I", "r r r", "R[A] := R[B] != R[C]  (integers, bool)")
# Signed order is right for i32, i64 and (zero-extended) u32.
LT_I = _op("LT_I", "r r r", "R[A] := R[B] < R[C]  (i32, i64, u32)")
LE_I = _op("LE_I", "r r r", "R[A] := R[B] <= R[C]  (i32, i64, u32)")
LT_U64 = _op("LT_U64", "r r r", "R[A] := R[B] < R[C]  (unsigned 64-bit)")
LE_U64 = _op("LE_U64", "r r r", "R[A] := R[B] <= R[C]  (unsigned 64-bit)")
EQ_F = _op("EQ_F", "r r r", "R[A] := R[B].f == R[C].f")
NE_F = _op("NE_F", "r r r", "R[A] := R[B].f != R[C].f")
LT_F = _op("LT_F", "r r r", "R[A] := R[B].f < R[C].f")
LE_F = _op("LE_F", "r r r", "R[A] := R[B].f <= R[C].f")
EQ_S = _op("EQ_S", "r r r", "R[A] := bytes of string R[B] == bytes of R[C]")
NE_S = _op("NE_S", "r r r", "R[A] := bytes of string R[B] != bytes of R[C]")
LT_S = _op("LT_S", "r r r", "R[A] := string R[B] < R[C]  (bytewise)")
LE_S = _op("LE_S", "r r r", "R[A] := string R[B] <= R[C]  (bytewise)")
# Mixed integer/f64 comparisons compare exact values (DECISIONS core 19).
CMP_IF = _op("CMP_IF", "r r r", "R[A] := sign(R[B] (signed int) - R[C].f) as -1/0/1; 2 if unordered (NaN)")
CMP_UF = _op("CMP_UF", "r r r", "R[A] := sign(R[B] (u64) - R[C].f) as -1/0/1; 2 if unordered (NaN)")
CMP_TEST = _op("CMP_TEST", "r r n", "R[A] := R[B] (a CMP_* result) satisfies relation C (REL_*)")
NOT = _op("NOT", "r r -", "R[A] := 1 - R[B]  (bool)")

# ---- conversions -----------------------------------------------------------
CAST = _op("CAST", "r r cv", "R[A] := R[B] converted by conversion C (CONV_*; never fails)")
I2F = _op("I2F", "r r -", "R[A].f := R[B] (i32, i64, u32 or bool) as f64  (CAST's common case, inline)")
TOSTR = _op("TOSTR", "r r ok", "R[A] := string of R[B] formatted as print does for kind C (OUT_*)",
                host=True)
CONCAT = _op("CONCAT", "r r r", "R[A] := string R[B] ++ string R[C]")

# ---- control flow ---------------------------------------------------------
JMP = _op("JMP", "j - -", "pc := A", terminates=True, jumps_back=True)
JMPF = _op("JMPF", "r j -", "if not R[A]: pc := B", jumps_back=True)
JMPT = _op("JMPT", "r j -", "if R[A]: pc := B", jumps_back=True)
# Numeric for-loops.  R[A] = loop variable, R[A+1] = END, R[A+2] = STEP,
# R[A+3] = remaining iteration count (set by FORPREP).  C = FOR_* flags.
FORPREP = _op("FORPREP", "r j n", "check STEP != 0 (else error); R[A+3] := trip count of R[A]..R[A+1] by R[A+2] (flags C); if 0: pc := B",
                window=(0, 4))
FORLOOP = _op("FORLOOP", "r j -", "R[A+3] -= 1; if R[A+3] != 0: R[A] += R[A+2]; pc := B",
                jumps_back=True, window=(0, 4))

# ---- calls --------------------------------------------------------------------
# The callee's frame starts at the caller's R[A]: arguments are R[A..A+arity-1],
# captured values follow them, and the result is left in R[A].
CALL = _op("CALL", "r fn -", "R[A] := call function B with arguments R[A..]")
CALLV = _op("CALLV", "r r -", "R[A] := call function value R[B] with arguments R[A..]")
RET = _op("RET", "r - -", "return R[A] to the caller", terminates=True)
RET0 = _op("RET0", "- - -", "return without a value", terminates=True)
CLOSURE = _op("CLOSURE", "r fn n", "R[A] := function value of B capturing R[A+1..A+C] by value")

# ---- output -------------------------------------------------------------------
OUT = _op("OUT", "r ok -", "append print record (kind B, value R[A])")
OUTEND = _op("OUTEND", "n n -", "end a print statement: A = template string id or -1, B = argument count")

# ---- misc ---------------------------------------------------------------------
TIMESTAMP = _op("TIMESTAMP", "r - -", "R[A].f := monotonic clock seconds (host call)",
                host=True)
ERROR = _op("ERROR", "e n -", "raise runtime error A (detail string KS[B], or -1)",
                terminates=True)
HALT = _op("HALT", "- - -", "stop the program (exit status 0)", terminates=True)

# ---- strings (DATA.md §2; DECISIONS data row 7) ------------------------------------
# Indexes are signed 64-bit (every integer type is converted by the compiler);
# a negative index or bound is a "type error", a too-large one an "index error".
STR_LEN = _op("STR_LEN", "r r -", "R[A] := byte length of string R[B]  (i32)")
STR_GET = _op("STR_GET", "r r r", "R[A] := one-byte string R[B][R[C]]  (checked)")
STR_SLICE = _op("STR_SLICE", "r r r", "R[A] := string R[B][R[C]..R[C+1]]  (array slice rule, checked)",
                window=(2, 2))

# ---- arrays (DATA.md §3) ------------------------------------------------------------
# An array is a heap object whose elements are 64-bit slots; C of ARR_NEW says
# whether they are handles (traced by the collector) or scalars.
ARR_NEW = _op("ARR_NEW", "r n n", "R[A] := new empty array with room for B elements; C: 0 scalars, 1 handles, 2 bools (bytes)")
ARR_PUSH = _op("ARR_PUSH", "r r -", "append R[B] to array R[A] (amortised O(1))")
ARR_GET = _op("ARR_GET", "r r r", "R[A] := array R[B][R[C]]  (checked)")
ARR_SET = _op("ARR_SET", "r r r", "array R[A][R[B]] := R[C]  (checked)")
ARR_LEN = _op("ARR_LEN", "r r -", "R[A] := length of array R[B]  (i32)")
ARR_POP = _op("ARR_POP", "r r -", "R[A] := remove the last element of array R[B]  (empty -> error)")
ARR_SLICE = _op("ARR_SLICE", "r r r", "R[A] := new array R[B][R[C]..R[C+1]]  (inclusive end rule, checked)",
                window=(2, 2))
ARR_REPEAT = _op("ARR_REPEAT", "r r r", "R[A] := new array: R[B] repeated R[C] times (shallow; negative -> error)")
ARR_SORT = _op("ARR_SORT", "r r n", "R[A] := new array: the elements of R[B] in order (stable); C: SORT_* of orus/bytecode/hostcall_table.py")
ITER_INT = _op("ITER_INT", "r - -", "check R[A] >= 0 for `for x in n` (negative -> error)")

# ---- range() iterators (DATA.md §9) ------------------------------------------------------
RANGE_NEW = _op("RANGE_NEW", "r r -", "R[A] := iterator over R[B] (start), R[B+1] (stop), R[B+2] (step); step 0 -> error",
                window=(1, 3))
RANGE_NEXT = _op("RANGE_NEXT", "r r j", "if iterator R[B] is exhausted: pc := C, else R[A] := its next value")

# ---- host services -----------------------------------------------------------------------
# Work that only Python does well (parsing text, reading stdin, sorting
# strings, deep equality and printing of compound values): the VM stops with
# HOST and the host runs orus.host.hostcalls.CALLS[C] on R[B..] and writes R[A].
HOSTCALL = _op("HOSTCALL", "r r hc", "R[A] := host function C applied to R[B], R[B+1], ...",
                host=True)
OUTV = _op("OUTV", "r ty -", "append the print text of compound value R[A] of type B (host formats it)",
                host=True)

# ---- records: struct values, enum values, error objects (DATA.md §4, §5, §7) ------------
# A record is a heap object of n 64-bit fields.  REC_NEW takes n and the
# collector's handle mask from type descriptor C (TY_A = n, TY_B = mask: bit i
# set if field i may hold a handle; bit 31 set: fields >= 31 are scanned too).
# An enum value is a record whose field 0 is the variant's tag.
REC_NEW = _op("REC_NEW", "r r ty", "R[A] := new record of type C with fields R[B..B+n-1]")
REC_GET = _op("REC_GET", "r r n", "R[A] := field C of record R[B]")
REC_SET = _op("REC_SET", "r n r", "field B of record R[A] := R[C]")
JMPTAB = _op("JMPTAB", "r n -", "if 0 <= R[A] < B: pc := pc + 1 + R[A], else pc := pc + 1 + B  (B JMPs follow)")

# ---- try / catch (DATA.md §7) ----------------------------------------------------------
# A runtime error inside an active try block unwinds the frames to the handler's
# and jumps to its catch code with R[A] = the error object (a record
# [error code, message string]).  Leaving the try block by any route runs TRY_END.
TRY_BEGIN = _op("TRY_BEGIN", "r j -", "push a handler: on error, R[A] := error object, pc := B")
TRY_END = _op("TRY_END", "- - -", "pop the innermost handler")

# ---- fused and immediate forms (superinstructions chosen by the compiler) ----------------
# A condition that only steers a branch never materialises its bool: "JN<rel>"
# jumps when the relation does NOT hold (right for NaN too).  Immediates are
# int32 values in the instruction word.
ADDI_I32 = _op("ADDI_I32", "r r n", "R[A] := R[B] + C  (i32; overflow -> error)")
SUBI_I32 = _op("SUBI_I32", "r r n", "R[A] := R[B] - C  (i32; overflow -> error)")
ADDI_I64 = _op("ADDI_I64", "r r n", "R[A] := R[B] + C  (i64; overflow -> error)")
SUBI_I64 = _op("SUBI_I64", "r r n", "R[A] := R[B] - C  (i64; overflow -> error)")
JNLT_I = _op("JNLT_I", "r r j", "if not (R[A] < R[B]): pc := C  (i32, i64, u32)")
JNLE_I = _op("JNLE_I", "r r j", "if not (R[A] <= R[B]): pc := C  (i32, i64, u32)")
JNEQ_I = _op("JNEQ_I", "r r j", "if R[A] != R[B]: pc := C  (integers, bool)")
JNNE_I = _op("JNNE_I", "r r j", "if R[A] == R[B]: pc := C  (integers, bool)")
JNLT_F = _op("JNLT_F", "r r j", "if not (R[A].f < R[B].f): pc := C")
JNLE_F = _op("JNLE_F", "r r j", "if not (R[A].f <= R[B].f): pc := C")
JNLTI_I = _op("JNLTI_I", "r n j", "if not (R[A] < B): pc := C  (i32, i64, u32; B immediate)")
JNLEI_I = _op("JNLEI_I", "r n j", "if not (R[A] <= B): pc := C")
JNGTI_I = _op("JNGTI_I", "r n j", "if not (R[A] > B): pc := C")
JNGEI_I = _op("JNGEI_I", "r n j", "if not (R[A] >= B): pc := C")
JNEQI_I = _op("JNEQI_I", "r n j", "if R[A] != B: pc := C")
JNNEI_I = _op("JNNEI_I", "r n j", "if R[A] == B: pc := C")
ARR_SETI = _op("ARR_SETI", "r r n", "array R[A][R[B]] := C  (an integer or bool immediate; checked)")
ADDK_F64 = _op("ADDK_F64", "r r kf", "R[A].f := R[B].f + KF[C]  (x + k, k + x)")
SUBK_F64 = _op("SUBK_F64", "r r kf", "R[A].f := R[B].f - KF[C]")
MULK_F64 = _op("MULK_F64", "r r kf", "R[A].f := R[B].f * KF[C]  (x * k, k * x)")
DIVK_F64 = _op("DIVK_F64", "r r kf", "R[A].f := R[B].f / KF[C]  (KF[C] != 0: the compiler checks)")

# ---- string building (concatenation chains) ---------------------------------------------
# A concatenation chain `e1 + e2 + ... + en` (and `s += ...`) is built in a
# fresh register that only the chain's own instructions see: its first step
# makes a new string object (CONCAT, TOSTR or STR_BUILD), the other leaves are
# appended to that object in place (no new object row; see vm.str_extend).
STR_BUILD = _op("STR_BUILD", "r r -", "R[A] := new string object with the bytes of string R[B] (shared, not copied)")
STR_APPEND = _op("STR_APPEND", "r r -", "append string R[B] to the chain's own string R[A] (in place)")
STR_APPINT = _op("STR_APPINT", "r r ok", "append the decimal text of R[B] (integer kind C: OUT_I32..OUT_U64) to the chain's own string R[A]")

# ---- bitwise operators (DECISIONS core row 43) -------------------------------------------
# &, | and ^ of two values of one integer type keep the register invariant
# (sign-extended i32, zero-extended u32), so one opcode serves every type; so
# does ~ except on u32 (the flipped high bits are masked off).  A shift count
# is any integer type: read as int64 (a u64 count >= 2^63 reads negative), it
# must be 0 <= n < width of the shifted type, else "shift out of range".
BAND = _op("BAND", "r r r", "R[A] := R[B] & R[C]  (any integer type)")
BOR = _op("BOR", "r r r", "R[A] := R[B] | R[C]  (any integer type)")
BXOR = _op("BXOR", "r r r", "R[A] := R[B] ^ R[C]  (any integer type)")
BNOT = _op("BNOT", "r r -", "R[A] := ~R[B]  (i32, i64, u64)")
BNOT_U32 = _op("BNOT_U32", "r r -", "R[A] := ~R[B] & 0xFFFFFFFF  (u32)")
SHL_I32 = _op("SHL_I32", "r r r", "R[A] := R[B] << R[C] wrapped to i32  (count not in 0..31 -> error)")
SHL_U32 = _op("SHL_U32", "r r r", "R[A] := (R[B] << R[C]) mod 2^32  (count not in 0..31 -> error)")
SHL_64 = _op("SHL_64", "r r r", "R[A] := (R[B] << R[C]) mod 2^64  (i64, u64; count not in 0..63 -> error)")
SHR_32 = _op("SHR_32", "r r r", "R[A] := R[B] >> R[C]  (i32 arithmetic, u32 logical; count not in 0..31 -> error)")
SHR_I64 = _op("SHR_I64", "r r r", "R[A] := R[B] >> R[C]  (arithmetic; count not in 0..63 -> error)")
SHR_U64 = _op("SHR_U64", "r r r", "R[A] := R[B] >> R[C]  (logical; count not in 0..63 -> error)")

# ---- ord() / chr() ------------------------------------------------------------------------
STR_ORD = _op("STR_ORD", "r r -", "R[A] := first byte of string R[B]  (i32 0..255; empty -> error)")
STR_CHR = _op("STR_CHR", "r r -", "R[A] := the one-byte string of byte R[B]  (not in 0..255 -> error)")

# ---- sorted(xs, key) ------------------------------------------------------------------------
# The compiler calls the key once per element into a keys array (R[B+1]), then
# sorts a permutation by those keys and builds the result.
ARR_SORT_BY = _op("ARR_SORT_BY", "r r n", "R[A] := new array: the elements of array R[B] ordered by the keys in array R[B+1] (stable; lengths differ -> error); C: SORT_* of the keys",
                  window=(1, 2))
# ---- numeric builtins and `use math` (issue 15) ---------------------------------------------
# abs/min/max/clamp serve every numeric type; MATH1/MATH2 are the math
# module's functions (MATH1_* / MATH2_* below), raising "math domain error" or
# "math range error" where CPython's math module raises.
ABS_I32 = _op("ABS_I32", "r r -", "R[A] := |R[B]|  (i32; |MIN| -> error)")
ABS_I64 = _op("ABS_I64", "r r -", "R[A] := |R[B]|  (i64; |MIN| -> error)")
MIN_I = _op("MIN_I", "r r r", "R[A] := min(R[B], R[C])  (signed: i32, i64, u32)")
MAX_I = _op("MAX_I", "r r r", "R[A] := max(R[B], R[C])  (signed: i32, i64, u32)")
MIN_U64 = _op("MIN_U64", "r r r", "R[A] := min(R[B], R[C])  (unsigned 64-bit)")
MAX_U64 = _op("MAX_U64", "r r r", "R[A] := max(R[B], R[C])  (unsigned 64-bit)")
MIN_F64 = _op("MIN_F64", "r r r", "R[A].f := R[C].f if R[C].f < R[B].f else R[B].f")
MAX_F64 = _op("MAX_F64", "r r r", "R[A].f := R[C].f if R[C].f > R[B].f else R[B].f")
MATH1 = _op("MATH1", "r r n", "R[A].f := math function C (MATH1_*) of R[B].f  (domain/range -> error)")
MATH2 = _op("MATH2", "r r n", "R[A].f := math function C (MATH2_*) of R[B].f, R[B+1].f  (domain/range -> error)",
            window=(1, 2))
# ---- `use strings` (issue 16) ---------------------------------------------------------------
# The string module's functions, run in the VM on the heap's bytes
# (orus/jit/strlib.py); C is the function (STR1_* / STR2_* / STR3_* below), B the
# first of its 1, 2 or 3 argument registers.  Allocation goes through the loop's
# room test (a GC or GROW_HEAP stop re-runs the instruction, nothing changed yet).
STR1 = _op("STR1", "r r n", "R[A] := strings function C (STR1_*) of R[B]")
STR2 = _op("STR2", "r r n", "R[A] := strings function C (STR2_*) of R[B], R[B+1]",
           window=(1, 2))
STR3 = _op("STR3", "r r n", "R[A] := strings function C (STR3_*) of R[B], R[B+1], R[B+2]",
           window=(1, 3))
# ord(s[i]) fused: the byte itself, no one-byte string in between (byte loops: hashes)
STR_BYTE = _op("STR_BYTE", "r r r", "R[A] := byte R[C] of string R[B]  (i32 0..255; ord(s[i]); index checked as s[i])")

# ---- use random (issue 15) ----------------------------------------------------------------
# numpy's default generator (PCG64 through SeedSequence) in the machine's state
# array (protocol.S_RNG_*; orus/jit/rnglib.py): after RNG_SEED n, RNG_RANDOM,
# RNG_UNIFORM and RNG_INTEGERS draw exactly numpy's default_rng(n) streams.
# Unseeded, the first draw seeds from the OS entropy the host stored.
RNG_SEED = _op("RNG_SEED", "r - -", "seed the generator with R[A] (i64; negative n: n + 2^64) as numpy's default_rng(n)")
RNG_RANDOM = _op("RNG_RANDOM", "r - -", "R[A].f := next double in [0, 1)  (Generator.random())")
RNG_UNIFORM = _op("RNG_UNIFORM", "r r -", "R[A].f := uniform draw in [R[B].f, R[B+1].f)  (hi < lo, non-finite range -> error)",
                  window=(1, 2))
RNG_INTEGERS = _op("RNG_INTEGERS", "r r -", "R[A] := integer draw in [R[B], R[B+1])  (i64; lo >= hi -> error)",
                   window=(1, 2))
RNG_NORMAL = _op("RNG_NORMAL", "r r -", "R[A].f := normal draw, mean R[B].f, deviation R[B+1].f  (deviation < 0 -> error)",
                 window=(1, 2))
RNG_SHUFFLE = _op("RNG_SHUFFLE", "r - -", "shuffle array R[A] in place (Generator.shuffle)")
RNG_CHOICE = _op("RNG_CHOICE", "r r -", "R[A] := an element of array R[B] drawn uniformly  (empty -> error)")

NUM_OPS = len(TABLE)
NAMES = tuple(info.name for info in TABLE)
BY_NAME = {info.name: info for info in TABLE}
TERMINATORS = frozenset(info.number for info in TABLE if info.terminates)
BACKWARD_JUMPS = frozenset(info.number for info in TABLE if info.jumps_back)
HOST_STOPS = frozenset(info.number for info in TABLE if info.host)

# ---- output record / TOSTR kinds ------------------------------------------------
OUT_I32 = 0   # signed decimal (i32 and i64 share it)
OUT_I64 = 1
OUT_U32 = 2
OUT_U64 = 3   # unsigned decimal of the 64-bit pattern
OUT_F64 = 4   # print's float format (CORE §7.1)
OUT_BOOL = 5
OUT_STR = 6   # a string handle; the VM copies the bytes into the output buffer
OUT_FN = 7    # a function value: prints "<fn NAME>"
OUT_KINDS = 8

# ---- CMP_TEST relations ------------------------------------------------------------
REL_EQ, REL_NE, REL_LT, REL_LE, REL_GT, REL_GE = range(6)

# ---- FORPREP flags -------------------------------------------------------------------
FOR_INCLUSIVE = 1   # `..=`
FOR_UNSIGNED = 2    # compare as unsigned 64-bit (u32, u64)
FOR_32 = 4          # values are 32-bit (i32, u32): the loop variable wraps there
FOR_I32_STEP_CHECK = 8  # reserved

# ---- CAST conversions (DECISIONS core row 8: Rust `as`, never fails) ----------------
# Conversion id = FROM * CONV_TYPES + TO, with type codes:
T_I32, T_I64, T_U32, T_U64, T_F64, T_BOOL = range(6)
CONV_TYPES = 6
NUM_CONVS = CONV_TYPES * CONV_TYPES


def conv_id(from_code: int, to_code: int) -> int:
    return from_code * CONV_TYPES + to_code


# ---- MATH1 / MATH2 functions (C operand) ---------------------------------------------------
MATH1_NAMES = ("sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
               "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
               "asinh", "acosh", "atanh", "floor", "ceil", "trunc", "round", "fabs",
               "degrees", "radians")
MATH2_NAMES = ("pow", "atan2", "hypot", "fmod", "copysign")
(M_SQRT, M_CBRT, M_EXP, M_EXP2, M_EXPM1, M_LOG, M_LOG2, M_LOG10, M_LOG1P, M_SIN, M_COS, M_TAN,
 M_ASIN, M_ACOS, M_ATAN, M_SINH, M_COSH, M_TANH, M_ASINH, M_ACOSH, M_ATANH, M_FLOOR, M_CEIL,
 M_TRUNC, M_ROUND, M_FABS, M_DEGREES, M_RADIANS) = range(len(MATH1_NAMES))
M_POW, M_ATAN2, M_HYPOT, M_FMOD, M_COPYSIGN = range(len(MATH2_NAMES))

# ---- STR1 / STR2 / STR3 functions (C operand; `use strings`, orus/std/strings.orus) ---------
STR1_NAMES = ("upper", "lower", "trim", "trim_start", "trim_end",
              "int_ok", "int_value", "int_why", "float_ok", "float_why")
STR2_NAMES = ("split", "join", "find", "contains", "starts_with", "ends_with", "repeat")
STR3_NAMES = ("replace",)
(S_UPPER, S_LOWER, S_TRIM, S_TRIM_START, S_TRIM_END,
 S_INT_OK, S_INT_VALUE, S_INT_WHY, S_FLOAT_OK, S_FLOAT_WHY) = range(len(STR1_NAMES))
(S_SPLIT, S_JOIN, S_FIND, S_CONTAINS, S_STARTS_WITH, S_ENDS_WITH,
 S_REPEAT) = range(len(STR2_NAMES))
(S_REPLACE,) = range(len(STR3_NAMES))


_FINGERPRINT = []


def fingerprint() -> str:
    """Hash of the instruction set: part of every cache key."""
    if _FINGERPRINT:
        return _FINGERPRINT[0]
    h = sha256()
    for info in TABLE:
        h.update(("%d %s %s %r\n" % (info.number, info.name, " ".join(info.operands),
                                      (info.terminates, info.jumps_back, info.window,
                                       info.host))).encode())
    h.update(repr((OUT_KINDS, REL_GE, FOR_32, CONV_TYPES, MATH1_NAMES, MATH2_NAMES,
                   STR1_NAMES, STR2_NAMES, STR3_NAMES)).encode())
    _FINGERPRINT.append(h.hexdigest())
    return _FINGERPRINT[0]


def markdown_table() -> str:
    """The opcode table as markdown (docs/ARCHITECTURE.md embeds it; a test
    checks that the copy there is current)."""
    rows = ["| # | opcode | A B C | semantics |", "|---|---|---|---|"]
    for info in TABLE:
        kinds = " ".join(info.operands)
        rows.append("| %d | `%s` | %s | %s |" % (info.number, info.name, kinds,
                                                info.doc.replace("|", "\\|")))
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
