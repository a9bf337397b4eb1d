"""`orus dis`: a readable listing of a compiled program, derived from the opcode table."""

from __future__ import annotations

from . import opcodes as op
from .bytecode import FN_ARITY, FN_END, FN_ENTRY, FN_NCAP, FN_NREGS, Program


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
    return str(value)


def format_instruction(program: Program, pc: int) -> str:
    o, a, b, c = (int(x) for x in program.code[pc])
    info = op.TABLE[o] if 0 <= o < op.NUM_OPS else None
    if info is None:
        return "%6d  ??? %d %d %d" % (pc, a, b, c)
    parts = [_operand(program, k, v) for k, v in zip(info.operands, (a, b, c)) if k != "-"]
    line, f = int(program.lines[pc, 0]), int(program.lines[pc, 2])
    where = "line %d" % line if f == 0 else "%s line %d" % (program.file_name(f), line)
    return "%6d  %-10s %-28s ; %s" % (pc, info.name, " ".join(parts), where)


def disassemble(program: Program) -> str:
    out = []
    for f in range(len(program.funcs)):
        row = program.funcs[f]
        out.append("fn %s  (arity %d, captures %d, registers %d)" % (
            program.function_name(f), row[FN_ARITY], row[FN_NCAP], row[FN_NREGS]))
        for pc in range(int(row[FN_ENTRY]), int(row[FN_END])):
            out.append(format_instruction(program, pc))
        out.append("")
    return "\n".join(out)
