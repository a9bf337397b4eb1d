"""The Orus bytecode compiler: annotated AST -> Program (through ProgramBuilder).

Entry point: ``compile_program(source, filename) -> Program`` (parse, check,
compile; raises CompileError).

Register allocation is Lua-like.  A scope's symbols get fixed registers when
the scope is entered (all of them at once, so a variable that an `if` branch
declares for the enclosing scope already has its register), and temporaries
live on a stack above them: ``self.free`` is the first free register, and
every statement gives its temporaries back by resetting it.  Each register
keeps one category (int / float / handle, see orus.frontend.types) for the whole
function: the allocator skips a slot whose category differs.

Frame layout of a function: parameters in R[0..arity-1], captured values in
R[arity..arity+ncap-1] (the VM copies them there on CALLV; a direct recursive
call passes them after the arguments), then locals, then temporaries.  The top
level (function 0) keeps its module-scope variables, the globals, in its
registers; other functions reach them with GETG/GETG_CHK/SETG.

Calls: the arguments go into a block of consecutive registers starting at A,
above everything live; the callee's frame starts there and its result comes
back in R[A].

Strings and arrays (DATA §2, §3): literals are ARR_NEW + ARR_PUSH per element,
fills ARR_NEW + ARR_PUSH + ARR_REPEAT; `for x in array` is an index loop that
re-reads the length every step; compound values print with OUTV and a type
descriptor (``type_id``); builtins that Python does best (input, int/float of
text, sorted, deep equality, assert_eq) are HOSTCALLs (orus.host.hostcalls);
typeof/istype are static.  A chain of string `+` (and `s += ...`) is built in
one fresh register and appended to in place (``concat_chain``).  Heap values
(strings, arrays, functions, range iterators) always live in registers of
category ``handle``, the registers the garbage collector scans.
"""

from __future__ import annotations

from orus.frontend import ast
from orus.bytecode import hostcall_table as H
from orus.bytecode import opcodes as O
from orus.frontend import types as T
from orus.bytecode.program import (TY_ANY, TY_ARRAY, TY_DYN, TY_ENUM, TY_ERROR, TY_FIELD, TY_FN,
                                   TY_RANGE, TY_STRUCT, TY_VARIANT, ProgramBuilder)
from orus.frontend.checker import Checked, EnumLit, check
from orus.errors import CompileError
from orus.bytecode.runtime_errors import RANGE_ARGS

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


class Compiler:
    def __init__(self, checked: Checked, filename="<input>"):
        self.checked = checked
        self.filename = filename
        self.b = ProgramBuilder(filename)
        self.info = None
        self.reg_cats = {}          # function index -> list of register categories
        self._tids = {}             # Type -> type descriptor index
        self._variant_rows = {}     # Variant -> its TY_VARIANT row

    def error(self, node, message):
        raise CompileError(message, self.filename, getattr(node, "line", 0),
                           getattr(node, "col", 0))

    # -- program ---------------------------------------------------------------------
    def compile(self, source=b""):
        funcs = self.checked.funcs
        b = self.b
        for f in funcs:
            name = "main" if f.is_main else f.name
            f.index = b.declare_function(name, f.arity, len(f.captures))
        body = self.checked.module.body
        self.first_call = len(body)
        for i, stmt in enumerate(body):
            if _contains_call(stmt):
                self.first_call = i
                break
        for f in funcs:
            self.function(f)
        program = b.finish(source)
        # Notebook API (orus/notebook/cells.py): main's global variables, name -> (register,
        # type); in memory only, not saved with the bytecode.
        program.globals = {s.name: (s.reg, s.ty) for s in funcs[0].scope.symbols
                           if s.kind in ("var", "const")}
        program.reg_cats = self.reg_cats
        return program

    # -- registers ---------------------------------------------------------------------
    def _fits(self, r, cat):
        cats = self.cats
        return r >= len(cats) or cats[r] is None or cats[r] == cat

    def _take(self, r, cat):
        cats = self.cats
        while len(cats) <= r:
            cats.append(None)
        if cats[r] is None:
            cats[r] = cat
        if r >= self.nregs:
            self.nregs = r + 1

    def alloc(self, cat):
        r = self.free
        while not self._fits(r, cat):
            r += 1
        self._take(r, cat)
        self.free = r + 1
        return r

    def alloc_block(self, cats):
        a = self.free
        while not all(self._fits(a + i, c) for i, c in enumerate(cats)):
            a += 1
        for i, c in enumerate(cats):
            self._take(a + i, c)
        self.free = a + len(cats)
        return a

    def alloc_scope(self, scope):
        for sym in scope.symbols:
            if sym.kind in ("param", "loop"):
                continue
            if sym.kind == "fn" and not sym.is_closure_fn:
                continue
            sym.reg = self.alloc(sym.ty.category)

    # -- emission ------------------------------------------------------------------------
    def emit(self, op, a=0, b=0, c=0, node=None):
        if node is None:
            return self.b.emit(op, a, b, c)
        return self.b.emit(op, a, b, c, node.line, node.col)

    def patch_here(self, pcs):
        target = self.b.pc
        code = self.b.code
        for pc in pcs:
            slot = _jump_slot(code[pc][0])
            self.b.patch(pc, **{"abc"[slot]: target})

    # -- functions -------------------------------------------------------------------------
    def function(self, info):
        self.info = info
        self.cats = []
        self.call_bases = set()     # registers that receive a call's result (any category)
        self.free = 0
        self.nregs = 1
        self.loops = []
        self.try_depth = 0          # try blocks open at this point of the function
        b = self.b
        b.begin_function(info.index)
        if info.is_main:
            self.alloc_scope(info.scope)
        else:
            for i, sym in enumerate(info.params):
                sym.reg = i
                self._take(i, sym.ty.category)
            n = len(info.params)
            for j, sym in enumerate(info.captures):
                self._take(n + j, sym.ty.category)
            self.free = n + len(info.captures)
            self.alloc_scope(info.scope)
            for node, target in info.inner_refs:
                if target.captures and target is not info:
                    self.error(node, "'%s' cannot be used from a function nested inside it, "
                               "because it captures variables" % target.name)
        self.block(info.body)
        last = b.code[-1][0] if b.pc > b.funcs[info.index][0] else None
        if info.is_main:
            self.emit(O.HALT)
        elif last not in (O.RET, O.RET0) or self._jumps_to_end(info):
            self.emit(O.RET0)
        # GC roots: a register is scanned if it may ever hold a handle; a call
        # base holds an argument and then the result, so it counts if either may.
        handles = [(i < len(self.cats) and self.cats[i] == T.CAT_HANDLE) or i in self.call_bases
                   for i in range(self.nregs)]
        b.end_function(info.index, self.nregs, handles)
        self.reg_cats[info.index] = list(self.cats)

    def _jumps_to_end(self, info):
        """Does any jump of the function being compiled target the current pc?"""
        b = self.b
        pc = b.pc
        for i in range(b.funcs[info.index][0], pc):
            row = b.code[i]
            kinds = O.TABLE[row[0]].operands
            if any(k == "j" and row[1 + slot] == pc for slot, k in enumerate(kinds)):
                return True
        return False

    # -- symbols -------------------------------------------------------------------------------
    def sym_reg(self, sym):
        """The register holding `sym` in the current function, or None for a global
        seen from a function other than main."""
        info = self.info
        if sym.func is info:
            return sym.reg
        if sym.is_global:
            return None
        return len(info.params) + info.cap_index[sym]

    def read_global(self, sym, dst, node):
        if sym.straight and sym.decl_index < self.first_call:
            self.emit(O.GETG, dst, sym.reg, 0, node)
        else:
            self.emit(O.GETG_CHK, dst, sym.reg, self.b.const_str(sym.name), node)

    def fn_value(self, sym, dst, node):
        if sym.fndecl is not None:
            self.emit(O.LOADFN, dst, sym.fndecl.info.index, 0, node)
            return
        info = sym.fninfo
        if not info.captures:
            self.emit(O.LOADFN, dst, info.index, 0, node)
        elif info is self.info:
            self.make_closure(info, dst, node)
        else:
            r = self.sym_reg(sym)
            if r != dst:
                self.emit(O.MOVE, dst, r, 0, node)

    def make_closure(self, info, dst, node):
        if not info.captures:
            self.emit(O.LOADFN, dst, info.index, 0, node)
            return
        mark = self.free
        caps = info.captures
        a = self.alloc_block([T.CAT_HANDLE] + [s.ty.category for s in caps])
        for j, s in enumerate(caps):
            self.load_sym(s, a + 1 + j, node)
        self.emit(O.CLOSURE, a, info.index, len(caps), node)
        if a != dst:
            self.emit(O.MOVE, dst, a, 0, node)
        self.free = mark

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
        if te is ast.Cast and e.expr.ty is e.ty:
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
        getattr(self, "x_" + type(e).__name__)(e, dst)

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

    def x_IntLit(self, e, dst):
        self.load_const(e.ty, e.value, dst, e)

    x_FloatLit = x_IntLit

    def x_BoolLit(self, e, dst):
        self.emit(O.LOADI, dst, 1 if e.value else 0, 0, e)

    def x_StrLit(self, e, dst):
        self.emit(O.LOADS, dst, self.b.const_str(e.value), 0, e)

    def x_Timestamp(self, e, dst):
        self.emit(O.TIMESTAMP, dst, 0, 0, e)

    def x_Name(self, e, dst):
        self.load_sym(e.sym, dst, e)

    def x_Lambda(self, e, dst):
        self.make_closure(e.info, dst, e)

    def x_Unary(self, e, dst):
        r = self.operand(e.operand)
        if e.op == "-":
            self.emit(NEG[e.ty], dst, r, 0, e)
        elif e.op == "~":
            self.emit(BNOT[e.ty], dst, r, 0, e)
        else:
            self.emit(O.NOT, dst, r, 0, e)

    def x_Binary(self, e, dst):
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
                self.emit(O.CAST, t, ri, O.conv_id(CONV_CODE[it], O.T_F64), e)
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

    def x_Cast(self, e, dst):
        src, target = e.expr.ty, e.ty
        if src is target:
            self.exp_to(e.expr, dst)
            return
        r = self.operand(e.expr)
        if src is T.ERROR:              # an error's message (DECISIONS data row 11)
            self.emit(O.REC_GET, dst, r, 1, e)
        elif target is T.STRING:
            self.emit(O.TOSTR, dst, r, OUT_KIND[src], e)
        else:
            self.emit(O.CAST, dst, r, O.conv_id(CONV_CODE[src], CONV_CODE[target]), e)

    def x_Ternary(self, e, dst):
        mark = self.free
        false_jumps = []
        self.jump_if(e.cond, False, false_jumps)
        self.free = mark
        self.exp_to(e.then, dst)
        end = self.emit(O.JMP, 0, 0, 0, e)
        self.patch_here(false_jumps)
        self.exp_to(e.other, dst)
        self.patch_here([end])

    def x_Call(self, e, dst):
        if type(e.target) is str:
            getattr(self, "bi_" + e.target)(e, dst)
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
    def x_ArrayLit(self, e, dst):
        elems = e.elems
        self.emit(O.ARR_NEW, dst, len(elems), self.handle_elems(e.ty), e)
        for el in elems:
            r = self.operand(el)
            self.emit(O.ARR_PUSH, dst, r, 0, el)

    def x_ArrayFill(self, e, dst):
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

    def x_Index(self, e, dst):
        mark = self.free
        ro = self.exp_to_reg(e.obj)
        ri = self.index_reg(e.index)
        self.free = mark
        self.emit(O.STR_GET if e.obj.ty.is_string else O.ARR_GET, dst, ro, ri, e.index)

    def x_Slice(self, e, dst):
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

    # -- builtins (DATA §9); `dst` None: the value is not used -------------------------------
    def builtin_stmt(self, e):
        mark = self.free
        if e.target == "push":
            self.bi_push(e, None)
        else:
            getattr(self, "bi_" + e.target)(e, self.alloc(e.ty.category))
        self.free = mark

    def evaluate_for_effect(self, e):
        if not _pure(e):
            mark = self.free
            self.exp_to_reg(e)
            self.free = mark

    def bi_typeof(self, e, dst):
        arg = e.args[0]
        if arg.ty in (T.ERROR, T.DYN):
            self.dynamic_typeof(arg, dst, e)
            return
        self.evaluate_for_effect(arg)
        self.emit(O.LOADS, dst, self.b.const_str(T.resolve(arg.ty).name), 0, e)

    def bi_istype(self, e, dst):
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

    def bi_len(self, e, dst):
        arg = e.args[0]
        r = self.operand(arg)
        self.emit(O.STR_LEN if arg.ty.is_string else O.ARR_LEN, dst, r, 0, e)

    def bi_push(self, e, dst):
        mark = self.free
        ra = self.exp_to_reg(e.args[0])
        rv = self.exp_to_reg(e.args[1])
        self.free = mark
        self.emit(O.ARR_PUSH, ra, rv, 0, e)
        if dst is not None and dst != ra:
            self.emit(O.MOVE, dst, ra, 0, e)

    def bi_pop(self, e, dst):
        ra = self.operand(e.args[0])
        self.emit(O.ARR_POP, dst, ra, 0, e)

    def bi_sorted(self, e, dst):
        ra = self.operand(e.args[0])
        self.emit(O.ARR_SORT, dst, ra, SORT_KIND[T.resolve(e.ty.elem, T.I32)], e)

    def bi_range(self, e, dst):
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

    def bi_input(self, e, dst):
        if not e.args:
            self.emit(O.HOSTCALL, dst, 0, H.HC_INPUT, e)
            return
        r = self.operand(e.args[0])
        self.emit(O.HOSTCALL, dst, r, H.HC_INPUT_PROMPT, e)

    def bi_ord(self, e, dst):
        self.emit(O.STR_ORD, dst, self.operand(e.args[0]), 0, e)

    def bi_chr(self, e, dst):
        self.emit(O.STR_CHR, dst, self.operand(e.args[0]), 0, e)

    def bi_int(self, e, dst):
        arg = e.args[0]
        if arg.ty is T.I32:
            self.exp_to(arg, dst)
            return
        r = self.operand(arg)
        self.emit(O.HOSTCALL, dst, r, INT_CALL[arg.ty], e)

    def bi_float(self, e, dst):
        arg = e.args[0]
        if arg.ty is T.F64:
            self.exp_to(arg, dst)
            return
        r = self.operand(arg)
        if arg.ty.is_string:
            self.emit(O.HOSTCALL, dst, r, H.HC_FLOAT_STR, e)
        else:
            self.emit(O.CAST, dst, r, O.conv_id(CONV_CODE[arg.ty], O.T_F64), e)

    def bi_assert_eq(self, e, dst):
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

    def call(self, e):
        """Compile a call; returns the register A holding its result (the block
        above it is released)."""
        target = e.target
        args = e.args
        cats = [a.ty.category for a in args]
        caps = []
        if target is not None and target.captures:
            caps = target.captures
            if target is not self.info:
                self.error(e, "'%s' cannot be called here directly" % target.name)
            cats += [s.ty.category for s in caps]
        if not cats:
            cats = [e.ty.category if not e.ty.is_void else T.CAT_INT]
        fv = None
        if target is None:
            fv = self.exp_to_reg(e.callee)
        a = self.alloc_block(cats)
        for i, arg in enumerate(args):
            self.exp_to(arg, a + i)
        n = len(args)
        for j, s in enumerate(caps):
            self.load_sym(s, a + n + j, e)
        if target is None:
            self.call_bases.add(a)
            self.emit(O.CALLV, a, fv, 0, e)
        else:
            self.call_bases.add(a)
            self.emit(O.CALL, a, target.index, 0, e)
        self.free = a + 1
        return a

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

    # -- statements ------------------------------------------------------------------------------
    def block(self, stmts):
        for s in stmts:
            getattr(self, "s_" + type(s).__name__)(s)

    def scoped_block(self, body):
        mark = self.free
        scope = self.checked.scopes.get(id(body))
        if scope is not None:
            self.alloc_scope(scope)
        self.block(body)
        self.free = mark

    def s_Pass(self, s):
        pass

    def s_ExprStmt(self, s):
        mark = self.free
        e = s.expr
        if _is_builtin(e):
            self.builtin_stmt(e)
        elif type(e) is ast.Call:
            self.call(e)
        else:
            self.exp_to_reg(e)
        self.free = mark

    def s_Print(self, s):
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

    def s_VarDecl(self, s):
        self.store(s.sym, s.value, s, True)

    def s_Assign(self, s):
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

    def s_ChainAssign(self, s):
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
            self.s_Assign(a)
        self.free = mark

    def x_ChainValue(self, e, dst):
        if dst != e.reg:
            self.emit(O.MOVE, dst, e.reg, 0, e)

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

    def s_If(self, s):
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

    def s_While(self, s):
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

    def s_For(self, s):
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

    def s_ForIn(self, s):
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

    def s_Break(self, s):
        loop = self.find_loop(s.label)
        self.leave_tries(self.try_depth - loop.tries, s)
        loop.breaks.append(self.emit(O.JMP, 0, 0, 0, s))

    def s_Continue(self, s):
        loop = self.find_loop(s.label)
        self.leave_tries(self.try_depth - loop.tries, s)
        if loop.cont_pc is not None:
            self.emit(O.JMP, loop.cont_pc, 0, 0, s)
        else:
            loop.continues.append(self.emit(O.JMP, 0, 0, 0, s))

    def s_Return(self, s):
        mark = self.free
        if self.info.is_main:
            if s.value is not None:
                if type(s.value) is ast.Call and not _is_builtin(s.value):
                    self.call(s.value)
                else:
                    self.exp_to_reg(s.value)
            self.emit(O.HALT, 0, 0, 0, s)
        elif s.value is None or s.value.ty.is_void:
            if s.value is not None:
                self.call(s.value)
            self.leave_tries(self.try_depth, s)
            self.emit(O.RET0, 0, 0, 0, s)
        else:
            r = self.exp_to_reg(s.value)
            self.leave_tries(self.try_depth, s)
            self.emit(O.RET, r, 0, 0, s)
        self.free = mark

    def s_FnDef(self, s):
        info = s.info
        if not hasattr(info, "captures"):
            return                      # a top-level function: no code here
        if info.captures:
            self.make_closure(info, self.sym_reg(info.sym), s)


    # -- records: structs, enums, errors, `any` boxes (DATA §4, §5, §7) ------------------------
    @staticmethod
    def handle_mask(cats):
        """REC_NEW's handle mask for fields of these register categories (bit i:
        field i may hold a handle; bit 31: every field from 31 on is scanned)."""
        mask = 0
        for i, c in enumerate(cats):
            if c == T.CAT_HANDLE:
                mask |= 1 << min(i, 31)
        return mask - (1 << 32) if mask >= 1 << 31 else mask     # stored as int32

    def record_type_id(self, ty):
        """Type rows of a struct (its row, then a TY_FIELD row per field), an
        enum (its row, then per variant a TY_VARIANT row and its payload's
        TY_FIELD rows), the error object or a boxed `any` value."""
        b = self.b
        if ty is T.ERROR:
            tid = self._tids[ty] = b.type_id(TY_ERROR)
            return tid
        if ty is T.DYN:
            tid = self._tids[ty] = b.type_id(TY_DYN, 2, 1)
            return tid
        if ty.kind == "struct":
            n = len(ty.fields)
            tid = self._tids[ty] = b.type_block(1 + n)
            b.set_type(tid, TY_STRUCT, n, self.handle_mask([t.category for t in ty.ftypes]),
                       b.const_str(ty.name))
            for i, (name, ft) in enumerate(zip(ty.fields, ty.ftypes)):
                b.set_type(tid + 1 + i, TY_FIELD, self.type_id(ft), 0, b.const_str(name))
            return tid
        variants = ty.variants
        tid = self._tids[ty] = b.type_block(1 + sum(1 + len(v.payload) for v in variants))
        b.set_type(tid, TY_ENUM, len(variants), 0, b.const_str(ty.name))
        row = tid + 1
        for v in variants:
            cats = [T.CAT_INT] + [p.category for p in v.payload]
            b.set_type(row, TY_VARIANT, len(cats), self.handle_mask(cats), b.const_str(v.name))
            self._variant_rows[v] = row
            for j, (p, pname) in enumerate(zip(v.payload, v.names)):
                b.set_type(row + 1 + j, TY_FIELD, self.type_id(p), 0,
                           b.const_str(pname) if pname else -1)
            row += 1 + len(v.payload)
        return tid

    def variant_row(self, v):
        """The TY_VARIANT row REC_NEW uses to build a value of variant `v`."""
        row = self._variant_rows.get(v)
        if row is None:
            self.type_id(v.enum)
            row = self._variant_rows[v]
        return row

    def x_StructNew(self, e, dst):
        st = e.struct
        mark = self.free
        blk = self.alloc_block([t.category for t in st.ftypes]) if st.fields else 0
        for i, v in zip(e.order, e.values):
            self.exp_to(v, blk + i)
        self.free = mark
        self.emit(O.REC_NEW, dst, blk, self.type_id(st), e)

    def x_EnumLit(self, e, dst):
        v = e.variant
        mark = self.free
        blk = self.alloc_block([T.CAT_INT] + [p.category for p in v.payload])
        self.emit(O.LOADI, blk, v.tag, 0, e)
        for j, a in enumerate(e.args):
            self.exp_to(a, blk + 1 + j)
        self.free = mark
        self.emit(O.REC_NEW, dst, blk, self.variant_row(v), e)

    def tag_equal(self, e, dst):
        """`v == E.Unit` (or any `==` on an enum without payloads) compares tags
        inline instead of calling the host; False when it does not apply."""
        ty = e.left.ty
        if ty.kind != "enum":
            return False
        left, right = e.left, e.right
        unit_l = type(left) is EnumLit and not left.args
        unit_r = type(right) is EnumLit and not right.args
        eq = O.EQ_I if e.op == "==" else O.NE_I
        if unit_l and unit_r:
            same = left.variant is right.variant
            self.emit(O.LOADI, dst, int(same == (e.op == "==")), 0, e)
            return True
        mark = self.free
        if unit_l or unit_r:
            value, unit = (right, left) if unit_l else (left, right)
            rv = self.exp_to_reg(value)
            blk = self.alloc_block([T.CAT_INT, T.CAT_INT])
            self.emit(O.REC_GET, blk, rv, 0, e)
            self.emit(O.LOADI, blk + 1, unit.variant.tag, 0, e)
        elif not any(v.payload for v in ty.variants):
            rl = self.exp_to_reg(left)
            rr = self.exp_to_reg(right)
            blk = self.alloc_block([T.CAT_INT, T.CAT_INT])
            self.emit(O.REC_GET, blk, rl, 0, e)
            self.emit(O.REC_GET, blk + 1, rr, 0, e)
        else:
            return False
        self.free = mark
        self.emit(eq, dst, blk, blk + 1, e)
        return True

    def x_Member(self, e, dst):
        r = self.operand(e.obj)
        self.emit(O.REC_GET, dst, r, e.target, e)

    def assign_field(self, s):
        """`obj.f = v`, `obj.f op= v` (obj evaluated once)."""
        t = s.target
        mark = self.free
        ro = self.exp_to_reg(t.obj)
        if s.op == "=":
            rv = self.exp_to_reg(s.value)
        else:
            rv = self.alloc(t.ty.category)
            self.emit(O.REC_GET, rv, ro, t.target, t)
            rc = self.exp_to_reg(s.value)
            self.emit(self.arith_op(T.resolve(t.ty), s.op[:-1]), rv, rv, rc, s)
        self.emit(O.REC_SET, ro, t.target, rv, s)
        self.free = mark

    def x_Box(self, e, dst):
        inner = e.expr
        ity = T.resolve(inner.ty, T.I32)
        mark = self.free
        blk = self.alloc_block([ity.category, T.CAT_INT])
        self.exp_to(inner, blk)
        self.emit(O.LOADI, blk + 1, self.type_id(ity), 0, e)
        self.free = mark
        box = self.b.type_id(TY_DYN, 2, 1 if ity.category == T.CAT_HANDLE else 0)
        self.emit(O.REC_NEW, dst, blk, box, e)

    def x_Unbox(self, e, dst):
        """An `any` value used as type e.ty: its boxed type must be e.ty (else
        the host raises the type error)."""
        mark = self.free
        r = self.exp_to_reg(e.expr)
        self.unbox_reg(r, e.ty, dst, e)
        self.free = mark

    def unbox_reg(self, r, ty, dst, node):
        """dst := the value boxed in R[r], which must have type `ty`."""
        mark = self.free
        blk = self.alloc_block([T.CAT_HANDLE, T.CAT_INT])
        tid = self.type_id(ty)
        self.emit(O.REC_GET, blk + 1, r, 1, node)
        ok = self.emit(O.JNNEI_I, blk + 1, tid, 0, node)
        if r != blk:
            self.emit(O.MOVE, blk, r, 0, node)
        self.emit(O.LOADI, blk + 1, tid, 0, node)
        self.emit(O.HOSTCALL, blk + 1, blk, H.HC_UNBOX, node)      # raises the type error
        self.patch_here([ok])
        self.free = mark
        self.emit(O.REC_GET, dst, r, 0, node)

    def dynamic_typeof(self, arg, dst, node):
        """typeof of an error ("KIND MESSAGE") or of an `any` value (its boxed type)."""
        mark = self.free
        blk = self.alloc_block([T.CAT_HANDLE, T.CAT_INT])
        self.exp_to(arg, blk)
        self.emit(O.LOADI, blk + 1, self.type_id(arg.ty), 0, node)
        self.free = mark
        self.emit(O.HOSTCALL, dst, blk, H.HC_TYPEOF, node)

    def s_StructDef(self, s):
        pass

    s_EnumDef = s_ImplDef = s_StructDef

    # -- match (DATA §6): tag dispatch, never generic equality on enums ------------------------
    def compile_match(self, m, body):
        """Compile match `m`; `body(arm_plan)` compiles an arm's body.  The
        subject is evaluated once; an enum's tag selects the arm through a jump
        table (three or more variant arms) or a compare chain."""
        plan = self.checked.matches[id(m)]
        mark = self.free
        r = self.exp_to_reg(m.subject)
        plan.subject.reg = r
        arms = plan.arms
        last = len(arms) - 1
        end_jumps = []

        def arm(i, ap):
            arm_mark = self.free
            if ap.scope is not None:
                self.alloc_scope(ap.scope)
            for j, sym in ap.bindings:
                if sym.ty is not T.DYN and plan.enum.variants[ap.tag].payload[j] is T.DYN:
                    # a boxed payload bound with its known type (`Maybe[P]`)
                    bmark = self.free
                    box = self.alloc(T.CAT_HANDLE)
                    self.emit(O.REC_GET, box, r, 1 + j, ap.node)
                    self.unbox_reg(box, sym.ty, sym.reg, ap.node)
                    self.free = bmark
                else:
                    self.emit(O.REC_GET, sym.reg, r, 1 + j, ap.node)
            ended = body(ap)
            self.free = arm_mark
            if i < last and not ended:
                end_jumps.append(self.emit(O.JMP, 0, 0, 0, ap.node))

        if plan.enum is not None:
            tag = self.alloc(T.CAT_INT)
            self.emit(O.REC_GET, tag, r, 0, m)
            nvar = sum(1 for ap in arms if ap.kind == "variant")
            if nvar >= 3:
                n = len(plan.enum.variants)
                self.emit(O.JMPTAB, tag, n, 0, m)
                table = [self.emit(O.JMP, 0, 0, 0, m) for _ in range(n + 1)]
                covered = set()
                for i, ap in enumerate(arms):
                    if ap.kind == "variant":
                        self.b.patch(table[ap.tag], a=self.b.pc)
                        covered.add(ap.tag)
                    else:                               # `_`: every other tag
                        self.patch_here([pc for k, pc in enumerate(table) if k not in covered])
                        covered = set(range(n + 1))
                    arm(i, ap)
                end_jumps += [pc for k, pc in enumerate(table) if k not in covered]
            else:
                for i, ap in enumerate(arms):
                    skip = None
                    if ap.kind == "variant":
                        skip = self.emit(O.JNEQI_I, tag, ap.tag, 0, ap.node)
                    arm(i, ap)
                    if skip is not None:
                        if i == last:
                            end_jumps.append(skip)
                        else:
                            self.patch_here([skip])
        else:
            for i, ap in enumerate(arms):
                misses = []
                if ap.kind == "value":
                    arm_mark = self.free
                    self.jump_if(ap.cond, False, misses)
                    self.free = arm_mark
                arm(i, ap)
                if i == last:
                    end_jumps += misses
                else:
                    self.patch_here(misses)
        self.patch_here(end_jumps)
        self.free = mark

    def s_MatchStmt(self, s):
        def body(ap):
            self.block(ap.body)
            return self._ends_in_jump(ap.body)
        self.compile_match(s, body)

    def x_MatchExpr(self, e, dst):
        def body(ap):
            self.exp_to(ap.body, dst)
            return False
        self.compile_match(e, body)

    # -- try / catch (DATA §7; D11.3) -----------------------------------------------------------
    def s_Try(self, s):
        """TRY_BEGIN err catch; body; TRY_END; JMP end; catch: handler; end.  Every
        other exit from the body (break, continue, return) runs TRY_END too."""
        mark = self.free
        scope = self.checked.scopes.get(id(s.handler))
        if scope is not None:
            self.alloc_scope(scope)
        if s.err_name is not None:
            err = scope.names[s.err_name].reg
        else:
            err = self.alloc(T.CAT_HANDLE)
        begin = self.emit(O.TRY_BEGIN, err, 0, 0, s)
        self.try_depth += 1
        self.scoped_block(s.body)
        self.try_depth -= 1
        self.emit(O.TRY_END, 0, 0, 0, s)
        over = self.emit(O.JMP, 0, 0, 0, s)
        self.b.patch(begin, b=self.b.pc)
        self.block(s.handler)
        self.patch_here([over])
        self.free = mark


def compile_checked(checked: Checked, filename="<input>", source=b""):
    return Compiler(checked, filename).compile(source)


def compile_module(module, filename="<input>", source=b""):
    return compile_checked(check(module, filename), filename, source)


def compile_program(source, filename: str = "<input>"):
    """Parse, check and compile Orus source (bytes or str) into a Program."""
    from orus.frontend.parser import parse
    if isinstance(source, str):
        source = source.encode("utf-8")
    module = parse(source, filename)
    return compile_module(module, filename, source)
