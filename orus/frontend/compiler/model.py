"""Data and helpers of orus.frontend.compiler (split out of the Compiler class's module)."""

from __future__ import annotations

from orus.frontend import ast
from orus.bytecode import hostcall_table as H
from orus.bytecode import opcodes as O
from orus.frontend import types as T

# A range() value (static type any) is an i64 at run time.
OUT_KIND = {T.I32: O.OUT_I32, T.I64: O.OUT_I64, T.U32: O.OUT_U32, T.U64: O.OUT_U64,
            T.F64: O.OUT_F64, T.BOOL: O.OUT_BOOL, T.STRING: O.OUT_STR, T.ANY: O.OUT_I64}
CONV_CODE = {T.I32: O.T_I32, T.I64: O.T_I64, T.U32: O.T_U32, T.U64: O.T_U64,
             T.F64: O.T_F64, T.BOOL: O.T_BOOL, T.ANY: O.T_I64}

ARITH = {
    T.I32: {"+": O.ADD_I32, "-": O.SUB_I32, "*": O.MUL_I32, "/": O.DIV_I32, "%": O.MOD_I32},
    T.I64: {"+": O.ADD_I64, "-": O.SUB_I64, "*": O.MUL_I64, "/": O.DIV_I64, "%": O.MOD_I64},
    T.U32: {"+": O.ADD_U32, "-": O.SUB_U32, "*": O.MUL_U32, "/": O.DIV_U32, "%": O.MOD_U32},
    T.U64: {"+": O.ADD_U64, "-": O.SUB_U64, "*": O.MUL_U64, "/": O.DIV_U64, "%": O.MOD_U64},
    T.F64: {"+": O.ADD_F64, "-": O.SUB_F64, "*": O.MUL_F64, "/": O.DIV_F64, "%": O.MOD_F64},
    T.STRING: {"+": O.CONCAT},
}
ARITH[T.ANY] = ARITH[T.I64]
NEG = {T.I32: O.NEG_I32, T.I64: O.NEG_I64, T.F64: O.NEG_F64, T.ANY: O.NEG_I64}
# Bitwise operators (DECISIONS core row 43): & | ^ are one opcode for every
# integer type; ~ and the shifts depend on the type (of the left operand).
for _ty, _shl, _shr in ((T.I32, O.SHL_I32, O.SHR_32), (T.U32, O.SHL_U32, O.SHR_32),
                        (T.I64, O.SHL_64, O.SHR_I64), (T.U64, O.SHL_64, O.SHR_U64),
                        (T.ANY, O.SHL_64, O.SHR_I64)):
    ARITH[_ty].update({"&": O.BAND, "|": O.BOR, "^": O.BXOR, "<<": _shl, ">>": _shr})
BNOT = {T.I32: O.BNOT, T.I64: O.BNOT, T.U64: O.BNOT, T.U32: O.BNOT_U32, T.ANY: O.BNOT}

# sorted(): the host's sort kind per element type (bool sorts as 0/1).
SORT_KIND = {T.I32: H.SORT_I64, T.I64: H.SORT_I64, T.U32: H.SORT_I64, T.ANY: H.SORT_I64,
             T.BOOL: H.SORT_I64, T.U64: H.SORT_U64, T.F64: H.SORT_F64, T.STRING: H.SORT_STR}
# int(x) by the type of x (i32 is itself).
INT_CALL = {T.STRING: H.HC_INT_STR, T.I64: H.HC_INT_I64, T.U32: H.HC_INT_I64,
            T.ANY: H.HC_INT_I64, T.U64: H.HC_INT_U64, T.F64: H.HC_INT_F64}

# (equality, inequality, less, less-or-equal) opcodes per comparison family
CMP_INT = (O.EQ_I, O.NE_I, O.LT_I, O.LE_I)
CMP_U64 = (O.EQ_I, O.NE_I, O.LT_U64, O.LE_U64)
CMP_F = (O.EQ_F, O.NE_F, O.LT_F, O.LE_F)
CMP_S = (O.EQ_S, O.NE_S, O.LT_S, O.LE_S)
REL = {"==": O.REL_EQ, "!=": O.REL_NE, "<": O.REL_LT, "<=": O.REL_LE, ">": O.REL_GT,
       ">=": O.REL_GE}
REL_SWAP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

# Fused compare-and-branch (superinstructions).  Each entry says how to emit
# "jump when NOT (a OP b)" as (opcode, swap operands).  Integers (i32, i64,
# u32, bool: signed order of the stored value) and f64 (NaN-correct: only the
# "not" forms exist, so only branch-on-false can use them).
JUMP_UNLESS_INT = {"<": (O.JNLT_I, False), "<=": (O.JNLE_I, False), ">": (O.JNLT_I, True),
                   ">=": (O.JNLE_I, True), "==": (O.JNEQ_I, False), "!=": (O.JNNE_I, False)}
JUMP_UNLESS_F = {"<": (O.JNLT_F, False), "<=": (O.JNLE_F, False), ">": (O.JNLT_F, True),
                 ">=": (O.JNLE_F, True)}
# ... with an int32 immediate on the right: "jump when NOT (a OP k)".
JUMP_UNLESS_IMM = {"<": O.JNLTI_I, "<=": O.JNLEI_I, ">": O.JNGTI_I, ">=": O.JNGEI_I,
                   "==": O.JNEQI_I, "!=": O.JNNEI_I}
# The negation of each relation on integers (branch-on-true uses it).
NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
# f64 arithmetic with a constant operand (`x * 0.5`, `1.0 + x`): one instruction
ARITH_FK = {"+": O.ADDK_F64, "-": O.SUBK_F64, "*": O.MULK_F64, "/": O.DIVK_F64}
ADD_IMM = {T.I32: (O.ADDI_I32, O.SUBI_I32), T.I64: (O.ADDI_I64, O.SUBI_I64)}
I32_RANGE = range(-2**31, 2**31)
# Binary operators compiled by ARITH (the rest compare or short-circuit).
ARITH_OPS = frozenset(("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"))


def _int_immediate(e):
    """The value of an int literal that fits an instruction word, else None."""
    if type(e) is ast.IntLit and e.value in I32_RANGE:
        return e.value
    return None


def _jump_slot(opcode):
    """Operand slot (0, 1, 2) that holds the jump target of a branch opcode."""
    return O.TABLE[opcode].operands.index("j")

_JUMP_A = (O.JMP,)

# `x as string` of these kinds is appended to a concatenation chain as digits.
INT_TEXT_KINDS = (O.OUT_I32, O.OUT_I64, O.OUT_U32, O.OUT_U64)


def _string_leaves(e, out):
    """The operands of a chain of string `+` (`a + b + c`, `a + (b + c)`), left
    to right: string `+` is associative, and this is their evaluation order."""
    if type(e) is ast.Binary and e.op == "+" and e.ty is T.STRING:
        _string_leaves(e.left, out)
        _string_leaves(e.right, out)
    else:
        out.append(e)
    return out


def _int_text(e):
    """The integer x of a leaf `x as string`, else None."""
    if type(e) is ast.Cast and e.ty is T.STRING and OUT_KIND.get(e.expr.ty) in INT_TEXT_KINDS:
        return e.expr
    return None


def _is_chain(leaves):
    """Is a builder better than one CONCAT: three or more leaves, or a number's text?"""
    return len(leaves) > 2 or any(_int_text(leaf) is not None for leaf in leaves)

# Types whose values are records (REC_NEW), printed by the host with OUTV.
RECORD_KINDS = ("struct", "enum", "error", "dyn")
# `==` on these compares contents, by the host (DECISIONS data row 1); errors compare
# by identity (DATA §7).
DEEP_EQUAL_KINDS = ("struct", "enum", "dyn")


class _Loop:
    __slots__ = ("label", "breaks", "continues", "cont_pc", "tries")

    def __init__(self, label, tries=0):
        self.label = label
        self.breaks = []
        self.continues = []
        self.cont_pc = None
        self.tries = tries          # try blocks open around the loop (D11.3)


def _contains_call(node) -> bool:
    """Does executing `node` (a statement or expression) possibly call a function?
    (Builtins are not functions; their arguments may contain calls.)  A struct
    declaration runs nothing: its field defaults run in the literals that omit
    them (whose StructNew holds the checked default)."""
    if isinstance(node, list):
        return any(_contains_call(n) for n in node)
    if not isinstance(node, ast.Node) or isinstance(node, (ast.FnDef, ast.Lambda,
                                                           ast.StructDef)):
        return False
    if isinstance(node, ast.Call) and type(node.target) is not str:
        return True
    for f in node._fields:
        v = getattr(node, f, None)
        if isinstance(v, (ast.Node, list)) and _contains_call(v):
            return True
    return False


def first_call(body) -> int:
    """Index of the first top-level statement that may call a function
    (len(body) if none): globals declared before it are surely set when a
    function reads them (Compiler.read_global)."""
    for i, stmt in enumerate(body):
        if _contains_call(stmt):
            return i
    return len(body)


_PURE = (ast.IntLit, ast.FloatLit, ast.StrLit, ast.BoolLit, ast.Name, ast.Lambda,
         ast.Timestamp)


def _pure(e) -> bool:
    """Can evaluating `e` neither fail nor have an effect?  (typeof/istype skip
    evaluating such arguments: their result is static.)"""
    t = type(e)
    if t in _PURE:
        return True
    if t is ast.Cast or (t is ast.Unary and e.op in ("not", "~")):
        return _pure(e.expr if t is ast.Cast else e.operand)
    return False


def _calls(e) -> bool:
    """Does evaluating `e` call a function (which may assign a global)?"""
    if type(e) is ast.Call:
        return True
    for name in getattr(e, "_fields", ()):
        v = getattr(e, name, None)
        if isinstance(v, ast.Node):
            if _calls(v):
                return True
        elif isinstance(v, list) and any(isinstance(x, ast.Node) and _calls(x) for x in v):
            return True
    return False


def _is_builtin(e) -> bool:
    return type(e) is ast.Call and type(e.target) is str
