"""A small assembler for hand-written test programs, derived from the opcode
table (orus.bytecode.opcodes.TABLE) and built on orus.bytecode.program.ProgramBuilder.

    prog = assemble('''
    fn main regs=4
        LOADK 1 100000          ; a comment
      loop:
        SUBI_I64 1 1 1
        JNLEI_I 1 0 loop        ; labels are local to their function
        CALL 2 double @7:3      ; @line or @line:col sets the source location
        HALT
    fn double arity=1 regs=2
        ADD_I64 1 0 0
        RET 1
    ''')

Functions: ``fn NAME [arity=N] [captures=N] regs=N [handles=...]``; the first
is function 0 (the top level).  ``handles`` lists the registers that may hold
a heap handle (GC roots): ``all`` (the default), ``none`` or ``1,2,8``.
The header that ``orus dis`` prints, ``fn NAME  (arity A, captures C,
registers R)``, is accepted too, and so are its instruction lines (a leading
pc, checked; ``; line N`` sets the line), so a listing of ``orus dis`` that
has no type operands, templates or long strings assembles back.

Type descriptors: ``type NAME = KIND A B C`` (KIND a number or a TY_* name
of orus.bytecode.program); ``NAME`` is then a ``ty`` operand.

Each operand is read by its kind in the opcode table:

    r, g    a register / global: 3, r3, g3
    n       an integer (5, -1, 0x10, 0b10), a named constant (OUT_I64,
            FOR_INCLUSIVE|FOR_UNSIGNED, REL_LT, SORT_STR, T_F64, ...), or a
            "quoted string": the index of that string constant
    j       a label of the function, or an absolute pc: 12 or ->12
    ki, kf  a literal: added to the int / float pool (ki 5, kf 2.5, kf nan)
    ks      a "quoted string" (Python escapes): added to the string constants
    fn      a function name (or <fn NAME>, or its index)
    cv      a conversion FROM->TO (i64->f64), or its id
    ok      an output kind: i32 i64 u32 u64 f64 bool str fn, OUT_*, or a number
    e       a runtime error: DIV_ZERO (orus.bytecode.runtime_errors names) or a number
    hc      a host function: int_str / HC_INT_STR (orus.bytecode.hostcall_table) or a number
    ty      a name from a ``type`` line, or a type index
    -       (written nothing)

Comments start with ``;`` or ``#``.
"""

from __future__ import annotations

import ast
import re

from orus.bytecode import program as bytecode
from orus.bytecode import hostcall_table
from orus.bytecode import opcodes as op
from orus.bytecode import runtime_errors
from orus.bytecode.program import ProgramBuilder


class AsmError(ValueError):
    """A listing that does not assemble (the message names the line)."""


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|<(?:[^<>]|<[^<>]*>)*>|[;#].*|[^\s;#]+')
_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)$")

# named constants an `n` operand may use
NAMED = {name: value for name, value in vars(op).items()
         if name.startswith(("OUT_", "FOR_", "REL_", "T_", "CONV_")) and isinstance(value, int)}
NAMED.update({name: value for name, value in vars(hostcall_table).items()
              if name.startswith("SORT_") and isinstance(value, int)})
TYPES = {"i32": op.T_I32, "i64": op.T_I64, "u32": op.T_U32, "u64": op.T_U64, "f64": op.T_F64,
         "bool": op.T_BOOL}
OUT_KINDS = {"i32": op.OUT_I32, "i64": op.OUT_I64, "u32": op.OUT_U32, "u64": op.OUT_U64,
             "f64": op.OUT_F64, "bool": op.OUT_BOOL, "str": op.OUT_STR, "string": op.OUT_STR,
             "fn": op.OUT_FN}
OUT_KINDS.update({name: value for name, value in vars(op).items()
                  if name.startswith("OUT_") and name != "OUT_KINDS"})
ERRORS = {name: value for name, value in vars(runtime_errors).items()
          if name.isupper() and isinstance(value, int) and value in runtime_errors.ERRORS}
HOSTCALLS = {}
for _name, _value in vars(hostcall_table).items():
    if _name.startswith("HC_") and isinstance(_value, int):
        HOSTCALLS[_name] = HOSTCALLS[_name[3:].lower()] = _value
TY_KINDS = {name: value for name, value in vars(bytecode).items()
            if name.startswith("TY_") and isinstance(value, int)}


def _int(text: str):
    if _INT.match(text):
        return int(text.replace("_", ""), 0)
    return None


class _Function:
    def __init__(self, name, arity, ncap, nregs, handles, lineno):
        self.name, self.arity, self.ncap, self.nregs = name, arity, ncap, nregs
        self.handles, self.lineno = handles, lineno
        self.rows = []          # (lineno, opinfo, operand tokens, line, col)
        self.labels = {}        # label -> index into rows
        self.entry = 0          # absolute pc of the first instruction


def _header(tokens, lineno, text):
    """`fn NAME key=value...` or orus dis's `fn NAME  (arity A, captures C, registers R)`."""
    if len(tokens) < 2:
        raise AsmError("line %d: fn needs a name" % lineno)
    name = tokens[1]
    fields = {}
    m = re.search(r"\(arity (-?\d+), captures (-?\d+), registers (-?\d+)\)", text)
    if m:
        fields = {"arity": m.group(1), "captures": m.group(2), "regs": m.group(3)}
    else:
        for tok in tokens[2:]:
            key, sep, value = tok.partition("=")
            if not sep or key not in ("arity", "captures", "regs", "handles"):
                raise AsmError("line %d: unknown function attribute %r (arity=, captures=, "
                               "regs=, handles=)" % (lineno, tok))
            fields[key] = value
    if "regs" not in fields:
        raise AsmError("line %d: fn %s needs regs=N" % (lineno, name))
    try:
        arity, ncap, nregs = (int(fields.get(k, "0")) for k in ("arity", "captures", "regs"))
    except ValueError:
        raise AsmError("line %d: arity, captures and regs are integers" % lineno) from None
    spec = fields.get("handles", "all")
    if spec == "all":
        handles = None
    elif spec == "none":
        handles = [False] * nregs
    else:
        try:
            regs = {int(x) for x in spec.split(",") if x}
        except ValueError:
            raise AsmError("line %d: handles=all, none or a list like 1,2,8" % lineno) from None
        if any(not 0 <= r < nregs for r in regs):
            raise AsmError("line %d: a handle register outside 0..%d" % (lineno, nregs - 1))
        handles = [r in regs for r in range(nregs)]
    return _Function(name, arity, ncap, nregs, handles, lineno)


def _split(text):
    """Tokens of one line and the text of its comment (or '')."""
    tokens, comment = [], ""
    for tok in _TOKEN.findall(text):
        if tok[0] in ";#":
            comment = tok[1:].strip()
            break
        tokens.append(tok)
    return tokens, comment


def assemble(text: str, filename: str = "<asm>", source: bytes = b"") -> bytecode.Program:
    """The Program of a listing (see the module docstring); raises AsmError."""
    functions: list[_Function] = []
    types: dict[str, tuple] = {}
    pc = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        tokens, comment = _split(raw)
        if not tokens:
            continue
        head = tokens[0]
        if head == "fn":
            functions.append(_header(tokens, lineno, raw))
            functions[-1].entry = pc
            continue
        if head == "type":
            if len(tokens) not in (4, 5, 6, 7) or tokens[2] != "=":
                raise AsmError("line %d: type NAME = KIND [A [B [C]]]" % lineno)
            values = []
            for tok in tokens[3:]:
                v = TY_KINDS.get(tok, _int(tok))
                if v is None:
                    raise AsmError("line %d: %r is not a number or TY_* name" % (lineno, tok))
                values.append(v)
            types[tokens[1]] = tuple(values + [0] * (4 - len(values)))
            continue
        if not functions:
            raise AsmError("line %d: an instruction before the first fn line" % lineno)
        fn = functions[-1]
        while tokens and tokens[0].endswith(":") and len(tokens[0]) > 1:
            label = tokens.pop(0)[:-1]
            if label in fn.labels:
                raise AsmError("line %d: label %r defined twice in fn %s" % (lineno, label, fn.name))
            fn.labels[label] = pc
        if not tokens:
            continue
        if _int(tokens[0]) is not None:               # orus dis: the instruction's pc
            given = _int(tokens.pop(0))
            if given != pc:
                raise AsmError("line %d: listed pc %d, but this is instruction %d"
                               % (lineno, given, pc))
        name = tokens.pop(0).upper()
        info = op.BY_NAME.get(name)
        if info is None:
            raise AsmError("line %d: unknown opcode %r" % (lineno, name))
        line = col = 0
        if tokens and tokens[-1].startswith("@"):
            where = tokens.pop()[1:].split(":")
            try:
                line = int(where[0])
                col = int(where[1]) if len(where) > 1 else 0
            except ValueError:
                raise AsmError("line %d: a location is @LINE or @LINE:COL" % lineno) from None
        else:
            m = re.search(r"\bline (\d+)$", comment)
            if m:
                line = int(m.group(1))
        if info.number == op.JMPTAB and tokens[-1:] == ["cases"]:
            tokens.pop()                              # orus dis: "JMPTAB r1 3 cases"
        kinds = [k for k in info.operands if k != "-"]
        if len(tokens) != len(kinds):
            raise AsmError("line %d: %s takes %d operand%s (%s), got %d" % (
                lineno, info.name, len(kinds), "" if len(kinds) == 1 else "s",
                " ".join(info.operands), len(tokens)))
        fn.rows.append((lineno, info, tokens, line, col))
        pc += 1
    if not functions:
        raise AsmError("no fn in the listing")
    names = {}              # (compiled programs may have several functions of one name)
    for i, fn in enumerate(functions):
        names.setdefault(fn.name, []).append(i)
    b = ProgramBuilder(filename)
    type_ids = {name: b.type_id(*row) for name, row in types.items()}
    for fn in functions:
        b.declare_function(fn.name, fn.arity, fn.ncap)
    for index, fn in enumerate(functions):
        b.begin_function(index)
        for lineno, info, tokens, line, col in fn.rows:
            values = []
            it = iter(tokens)
            for kind in info.operands:
                values.append(0 if kind == "-" else
                              _operand(b, kind, next(it), fn, names, type_ids, lineno))
            b.emit(info.number, *values, line=line, col=col)
        b.end_function(index, fn.nregs, fn.handles)
    return b.finish(source=source)


def _operand(b, kind, tok, fn, names, type_ids, lineno):
    def fail(what):
        raise AsmError("line %d: operand %r is not %s" % (lineno, tok, what))

    number = _int(tok)
    if kind in ("r", "g"):
        if number is None and tok[:1] == kind:
            number = _int(tok[1:])
        return number if number is not None else fail("a register (3 or %s3)" % kind)
    if kind == "j":
        if tok in fn.labels:
            return fn.labels[tok]
        if tok.startswith("->"):
            number = _int(tok[2:])
        return number if number is not None else fail("a label of fn %s or a pc" % fn.name)
    if kind == "ki":
        return b.const_int(number) if number is not None else fail("an integer literal")
    if kind == "kf":
        try:
            return b.const_float(float(tok))
        except ValueError:
            fail("a float literal")
    if kind == "ks":
        return b.const_str(_string(tok, fail)) if tok[:1] == '"' else fail('a "string"')
    if kind == "fn":
        name = tok[4:-1] if tok.startswith("<fn ") and tok.endswith(">") else tok
        if name in names:
            if len(names[name]) > 1:
                fail("one function: functions %s are all named %s" % (names[name], name))
            return names[name][0]
        return number if number is not None else fail("a function name")
    if kind == "cv":
        frm, sep, to = tok.partition("->")
        if sep and frm in TYPES and to in TYPES:
            return op.conv_id(TYPES[frm], TYPES[to])
        return number if number is not None else fail("a conversion like i64->f64")
    if kind == "ok":
        value = OUT_KINDS.get(tok, number)
        return value if value is not None else fail("an output kind (i32 ... fn, OUT_*)")
    if kind == "e":
        value = ERRORS.get(tok, number)
        return value if value is not None else fail("a runtime error name or code")
    if kind == "hc":
        value = HOSTCALLS.get(tok, number)
        return value if value is not None else fail("a host function name or id")
    if kind == "ty":
        value = type_ids.get(tok, number)
        return value if value is not None else fail("a type name (type NAME = ...) or index")
    if kind == "n":
        if tok[:1] == '"':
            return b.const_str(_string(tok, fail))
        if number is not None:
            return number
        value = 0
        for part in tok.split("|"):
            if part not in NAMED and _int(part) is None:
                fail("an integer, a named constant (OUT_*, FOR_*, REL_*, SORT_*, T_*) or a \"string\"")
            value |= NAMED[part] if part in NAMED else _int(part)
        return value
    raise AssertionError("operand kind %r has no syntax in tests/asm.py" % kind)


def _string(tok, fail):
    try:
        value = ast.literal_eval(tok)
    except (ValueError, SyntaxError):
        fail('a "string"')
    return value.encode("utf-8")
