"""The test assembler (tests/asm.py): listings, operand syntax per kind, errors,
and the round trip with `orus dis` (orus.bytecode.disasm) over the corpus."""

import struct

import pytest

from orus.bytecode import opcodes as op
from orus.bytecode import runtime_errors as E
from orus.bytecode.program import FN_ARITY, FN_END, FN_ENTRY, FN_NCAP, FN_NREGS, TY_STRUCT
from orus.frontend import compile_program
from orus.bytecode.disasm import disassemble
from orus.api import verify

import corpus
from asm import AsmError, assemble


def resolved(program):
    """Every instruction with its operands read by kind (constants as values,
    functions by name): equal for equivalent programs whatever their pool order."""
    out = []
    for row in program.code:
        o, *abc = (int(x) for x in row)
        info = op.TABLE[o]
        ops = []
        for kind, v in zip(info.operands, abc):
            if kind == "ki":
                v = int(program.kint[v])
            elif kind == "kf":
                v = struct.pack("<d", float(program.kflt[v]))
            elif kind == "ks":
                v = program.string(v)
            elif kind == "fn":
                v = program.function_name(v)
            ops.append(v)
        out.append((info.name, *ops))
    return out


def function_rows(program):
    return [(program.function_name(f), *(int(program.funcs[f, c]) for c in
                                         (FN_ENTRY, FN_END, FN_NREGS, FN_ARITY, FN_NCAP)))
            for f in range(len(program.funcs))]


def test_a_listing_assembles_verifies_and_disassembles():
    p = assemble("""
    fn main regs=4
        LOADK 1 100000          ; a comment
      loop:
        SUBI_I64 1 1 1
        JNGTI_I 1 0 done        # another comment
        JMP loop                ; (only JMP, JMPT, JMPF and FORLOOP jump back)
      done:
        LOADI 2 21
        CALL 2 double @7:3
        LOADF 3 2.5
        LOADS 0 "hi there"
        HALT
    fn double arity=1 regs=2 handles=none
        ADD_I64 1 0 0
        RET 1
    """)
    verify(p)
    assert function_rows(p) == [("main", 0, 9, 4, 0, 0), ("double", 9, 11, 2, 1, 0)]
    assert resolved(p)[:4] == [("LOADK", 1, 100000, 0), ("SUBI_I64", 1, 1, 1),
                               ("JNGTI_I", 1, 0, 4), ("JMP", 1, 0, 0)]
    assert tuple(int(x) for x in p.code[5]) == (op.CALL, 2, 1, 0)
    assert tuple(int(x) for x in p.lines[5]) == (7, 3, 0)
    assert list(p.regkinds) == [1, 1, 1, 1, 0, 0]
    text = disassemble(p)
    assert "CALL       r2 <fn double>" in text and 'LOADS      r0 "hi there"' in text


def test_operands_by_kind():
    p = assemble("""
    type point = TY_STRUCT 2 0b10
    fn main regs=8
        MOVE r1 r2
        GETG 1 g0
        SETG g0 r1
        CAST 0 1 u64->f64
        TOSTR 0 1 i64
        OUT 0 OUT_U32
        OUTEND "@ and @" 2
        FORPREP 2 end FOR_INCLUSIVE|FOR_UNSIGNED
        CMP_TEST 0 1 REL_GE
        ARR_SORT 0 1 SORT_STR
        HOSTCALL 0 1 int_str
        HOSTCALL 0 1 HC_TYPEOF
        REC_NEW 0 1 point
        LOADFN 0 <fn helper>
        JMP ->0
      end:
        ERROR DIV_ZERO "detail"
        ERROR 3 -1
        LOADK 0 -9223372036854775808
        LOADK 0 18446744073709551615
        LOADF 0 -inf
        HALT
    fn helper regs=1
        RET0
    """)
    rows = [tuple(int(x) for x in r) for r in p.code]
    assert rows[3] == (op.CAST, 0, 1, op.conv_id(op.T_U64, op.T_F64))
    assert rows[4][3] == op.OUT_I64 and rows[5][2] == op.OUT_U32
    assert p.string(rows[6][1]) == b"@ and @"
    assert rows[7] == (op.FORPREP, 2, 15, op.FOR_INCLUSIVE | op.FOR_UNSIGNED)
    assert rows[8][3] == op.REL_GE
    assert rows[12][3] == 0 and tuple(int(x) for x in p.types[0]) == (TY_STRUCT, 2, 2, 0)
    assert rows[13][2] == 1 and rows[14] == (op.JMP, 0, 0, 0)
    assert rows[15][1] == E.DIV_ZERO and p.string(rows[15][2]) == b"detail"
    assert rows[16] == (op.ERROR, 3, -1, 0)
    assert [int(x) for x in p.kint] == [-2**63, -1]            # u64 max: its bit pattern
    assert float(p.kflt[0]) == float("-inf")


@pytest.mark.parametrize("listing, message", [
    ("LOADI 0 1", "before the first fn"),
    ("fn main\n HALT", "needs regs"),
    ("fn main regs=1 speed=3\n HALT", "unknown function attribute"),
    ("fn main regs=1\n FROB 1", "unknown opcode"),
    ("fn main regs=1\n LOADI 0", "takes 2 operands"),
    ("fn main regs=1\n HALT 0", "takes 0 operands"),
    ("fn main regs=1\n JMP nowhere", "label"),
    ("fn main regs=1\n LOADS 0 hi", "string"),
    ("fn main regs=1\n CALL 0 missing", "function name"),
    ("fn main regs=1\n CAST 0 0 i64->x", "conversion"),
    ("fn main regs=1\n a:\n a:\n HALT", "defined twice"),
    ("fn main regs=1\n CALL 0 f\n HALT\nfn f regs=1\n RET0\nfn f regs=1\n RET0", "all named f"),
    ("fn main regs=1\n 5 HALT", "listed pc 5"),
])
def test_errors_name_the_line(listing, message):
    with pytest.raises(AsmError, match=message):
        assemble(listing)


def _dis_is_lossless(program):
    """orus dis shows every operand in full: no type operands (only their
    names), no template or detail strings (only their index), short printable
    strings, functions of distinct names."""
    if len({program.function_name(f) for f in range(len(program.funcs))}) < len(program.funcs):
        return False
    for row in program.code:
        o, a, b, c = (int(x) for x in row)
        info = op.TABLE[o]
        if "ty" in info.operands or (o == op.OUTEND and a >= 0) or (o == op.ERROR and b >= 0):
            return False
        for kind, v in zip(info.operands, (a, b, c)):
            if kind == "ks":
                text = program.string(v)
                if len(text) > 24 or not text.isascii() or not text.decode().isprintable() \
                        or b'"' in text or b"\\" in text:
                    return False
    return True


def _round_trip_programs():
    out = []
    for path in corpus.spec_programs(kind="out"):
        if path.parent.name == "modules":
            continue
        try:
            program = compile_program(path.read_bytes(), str(path))
        except Exception:       # (not compiled yet: tests/test_corpus.py reports it)
            continue
        if _dis_is_lossless(program):
            out.append(path)
    return out


def test_disassembled_corpus_programs_assemble_back():
    paths = _round_trip_programs()
    assert len(paths) > 60, len(paths)
    for path in paths:
        program = compile_program(path.read_bytes(), str(path))
        again = assemble(disassemble(program))
        verify(again)
        assert function_rows(again) == function_rows(program), path
        assert resolved(again) == resolved(program), path
        assert [int(x) for x in again.lines[:, 0]] == [int(x) for x in program.lines[:, 0]], path
