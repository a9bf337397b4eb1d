"""`orus dis`: a readable listing of a compiled program, derived from the opcode table."""

from __future__ import annotations

from orus.bytecode import hostcall_table
from orus.bytecode import opcodes as op
from orus.bytecode.program import (FN_ARITY, FN_END, FN_ENTRY, FN_NCAP, FN_NREGS, TY_ANY, TY_ARRAY,
                                   TY_DYN, TY_ENUM, TY_ERROR, TY_FIELD, TY_FN, TY_RANGE, TY_STRUCT,
                                   TY_VARIANT, Program)

_SCALARS = ("i32", "i64", "u32", "u64", "f64", "bool", "string")
_HOSTCALL_NAMES = dict(enumerate(hostcall_table.NAMES))



def _row(table, i: int) -> list:
    """Row i of a 2-D table as ints (numpy, or the memoryview of a program
    loaded from the cache, which cannot be sliced by row)."""
    return [int(table[i, k]) for k in range(table.shape[1])]

def _name(program: Program, sid: int) -> str:
    if 0 <= sid < program.num_strings:
        return program.string(sid).decode("utf-8", "replace")
    return "?"


def type_text(program: Program, tid: int, depth: int = 0) -> str:
    """A type descriptor as source-like text: `i32`, `[string]`, `Point`,
    `Shape.Circle` (a variant row), `any` (a box), `error`."""
    if not 0 <= tid < len(program.types) or depth > 8:
        return "type %d" % tid
    kind, a, _, c = _row(program.types, tid)
    if kind < len(_SCALARS):
        return _SCALARS[kind]
    if kind == TY_ARRAY:
        return "[%s]" % type_text(program, a, depth + 1)
    if kind in (TY_STRUCT, TY_ENUM):
        return _name(program, c)
    if kind == TY_VARIANT:
        owner = tid - 1
        while owner >= 0 and int(program.types[owner, 0]) != TY_ENUM:
            owner -= 1
        return "%s.%s" % (_name(program, int(program.types[owner, 3])) if owner >= 0 else "?",
                          _name(program, c))
    if kind == TY_FIELD:
        return type_text(program, a, depth + 1)
    return {TY_FN: "function", TY_RANGE: "range_iterator", TY_ANY: "any (i64)", TY_ERROR: "error",
            TY_DYN: "any"}.get(kind, "type %d" % tid)


def type_table(program: Program) -> list:
    """Struct layouts and enum variants (tags), for the listing."""
    out = []
    types = program.types
    for tid in range(len(types)):
        kind, a, b, c = (int(x) for x in types[tid])
        if kind == TY_STRUCT:
            fields = ", ".join("%s: %s" % (_name(program, int(types[tid + 1 + i][3])),
                                           type_text(program, int(types[tid + 1 + i][1])))
                               for i in range(a))
            out.append("  type %d  struct %s { %s }  (handle mask %#x)"
                       % (tid, _name(program, c), fields, b & 0xFFFFFFFF))
        elif kind == TY_ENUM:
            out.append("  type %d  enum %s" % (tid, _name(program, c)))
            row = tid + 1
            for tag in range(a):
                n = int(types[row][1]) - 1
                payload = ", ".join(type_text(program, int(types[row + 1 + j][1]))
                                    for j in range(n))
                out.append("  type %d    tag %d  %s%s" % (row, tag, _name(program, int(types[row][3])),
                                                         "(%s)" % payload if n else ""))
                row += 1 + n
    return out


def _operand(program: Program, kind: str, value: int) -> str:
    if kind == "r":
        return "r%d" % value
    if kind == "g":
        return "g%d" % value
    if kind == "j":
        return "->%d" % value
    if kind == "ki" and 0 <= value < len(program.kint):
        return "%d" % program.kint[value]
    if kind == "kf" and 0 <= value < len(program.kflt):
        return repr(float(program.kflt[value]))
    if kind == "ks" and 0 <= value < program.num_strings:
        text = program.string(value).decode("utf-8", "replace")
        return '"%s"' % (text if len(text) <= 24 else text[:21] + "...")
    if kind == "fn" and 0 <= value < len(program.funcs):
        return "<fn %s>" % program.function_name(value)
    if kind == "ty":
        return "<%s>" % type_text(program, value)
    if kind == "hc":
        return _HOSTCALL_NAMES.get(value, str(value))
    return str(value)


def format_instruction(program: Program, pc: int) -> str:
    o, a, b, c = _row(program.code, pc)
    info = op.TABLE[o] if 0 <= o < op.NUM_OPS else None
    if info is None:
        return "%6d  ??? %d %d %d" % (pc, a, b, c)
    parts = [_operand(program, k, v) for k, v in zip(info.operands, (a, b, c)) if k != "-"]
    if o == op.JMPTAB:
        parts[-1] = "%d cases" % b
    line, f = int(program.lines[pc, 0]), int(program.lines[pc, 2])
    where = "line %d" % line if f == 0 else "%s line %d" % (program.file_name(f), line)
    names = {op.MATH1: op.MATH1_NAMES, op.MATH2: op.MATH2_NAMES, op.STR1: op.STR1_NAMES,
             op.STR2: op.STR2_NAMES, op.STR3: op.STR3_NAMES}.get(o)
    if names is not None and 0 <= c < len(names):
        where = "%s, %s" % (names[c], where)
    return "%6d  %-10s %-28s ; %s" % (pc, info.name, " ".join(parts), where)


def function_lines(program: Program, f: int) -> list:
    """The listing of function f's instructions, a line each."""
    funcs = program.funcs          # numpy, or a memoryview (a program loaded from the cache)
    return [format_instruction(program, pc)
            for pc in range(int(funcs[f, FN_ENTRY]), int(funcs[f, FN_END]))]


def disassemble(program: Program) -> str:
    out = []
    funcs = program.funcs
    for f in range(len(funcs)):
        out.append("fn %s  (arity %d, captures %d, registers %d)" % (
            program.function_name(f), funcs[f, FN_ARITY], funcs[f, FN_NCAP], funcs[f, FN_NREGS]))
        out.extend(function_lines(program, f))
        out.append("")
    table = type_table(program)
    if table:
        out.append("types")
        out.extend(table)
        out.append("")
    return "\n".join(out)
