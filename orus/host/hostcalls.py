"""Host functions: what the VM asks Python to do (opcode HOSTCALL A B C).

``HOSTCALL A B C`` stops the VM with status HOST; the host runs function C
with the VM's registers R[B], R[B+1], ... as arguments, writes the result to
R[A] (when the function has one) and resumes at the next instruction.  A
function may instead raise an Orus runtime error (``HostError``), which the
VM then treats like any error it raised itself.

Argument conventions (the compiler loads constants into argument registers
where a function needs a type id or a kind):

    id               arguments R[B], R[B+1], ...              result R[A]
    HC_INPUT         (none)                                   string: a line of stdin
    HC_INPUT_PROMPT  prompt string                            string
    HC_INT_STR       string                                   i32 (int(text), DECISIONS data 12)
    HC_INT_I64       i64 value (also u32, as zero-extended)   i32, range-checked
    HC_INT_U64       u64 value                                i32, range-checked
    HC_INT_F64       f64 value                                i32 (whole, finite, in range)
    HC_FLOAT_STR     string                                   f64 (float(text))
    HC_EQUAL         value, value, type id                    bool: deep equality
    HC_ASSERT_EQ     label string, actual, expected,          bool true, or the runtime
                     type id of actual, type id of expected   error "assert_eq failed ..."
    HC_TYPEOF        value, its static type id                string: typeof of an error
                                                              ("KIND MESSAGE") or of a boxed
                                                              `any` value (its boxed type)
    HC_UNBOX         boxed `any` value, expected type id      the value, or the runtime
                                                              type error when the boxed type
                                                              differs

Type ids index ``Program.types`` (see orus/bytecode/program.py).  (``sorted`` is the
VM instruction ARR_SORT.)
"""

from __future__ import annotations

from orus.bytecode.hostcall_table import (HC_ASSERT_EQ, HC_EQUAL, HC_FLOAT_STR, HC_INPUT,
                                          HC_INPUT_PROMPT, HC_INT_F64, HC_INT_I64, HC_INT_STR,
                                          HC_INT_U64, HC_TYPEOF, HC_UNBOX)

import math
import re
import sys

from orus.host import fmt
from orus.bytecode import protocol as P
from orus.bytecode import runtime_errors as E
from orus.bytecode.program import (TY_A, TY_ANY, TY_ARRAY, TY_BOOL, TY_C, TY_DYN, TY_ENUM,
                                   TY_ERROR, TY_F64, TY_FN, TY_I32, TY_I64, TY_KIND, TY_RANGE,
                                   TY_STR, TY_STRUCT, TY_U32, TY_U64)

I32_MIN, I32_MAX = -2**31, 2**31 - 1
U64_MASK = 2**64 - 1


class HostError(Exception):
    """An Orus runtime error raised by a host function (kind, message)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


# ------------------------------------------------------------------ values
def _type(machine, tid):
    types = machine.program.types
    return int(types[tid, TY_KIND]), int(types[tid, TY_A])


def _f64(bits: int) -> float:
    return fmt.bits_to_f64(bits)


def print_text(machine, bits: int, tid: int) -> bytes:
    """The text `print` shows for a value of type `tid` (DATA.md §10)."""
    return b"".join(_walk(machine, _print_parts, bytes, bits, tid))


def _walk(machine, parts_of, text_type, bits, tid):
    """The text pieces of a value, in order.  `parts_of(machine, bits, tid)`
    gives either finished text (`text_type`) or a list of text pieces and
    (bits, tid) items to expand; nested values are walked with an explicit
    stack, so there is no depth limit."""
    out = []
    stack = [(bits, tid)]
    while stack:
        item = stack.pop()
        if type(item) is text_type:
            out.append(item)
            continue
        parts = parts_of(machine, *item)
        if type(parts) is text_type:
            out.append(parts)
        else:
            stack.extend(reversed(parts))
    return out


def _joined(items, sep, first=None, last=None):
    """[first, items[0], sep, items[1], ..., last] without the missing ends."""
    parts = [] if first is None else [first]
    for i, it in enumerate(items):
        if i:
            parts.append(sep)
        parts.append(it)
    if last is not None:
        parts.append(last)
    return parts


def _print_parts(machine, bits: int, tid: int):
    """The print text of a value (bytes), or its parts: bytes and (bits, tid)
    pairs still to print."""
    kind, a = _type(machine, tid)
    if kind <= TY_BOOL:
        return fmt.format_scalar(kind, bits)
    if kind == TY_ANY:
        return fmt.format_scalar(TY_I64, bits)
    if kind == TY_STR:
        return machine.string_bytes(bits)
    if kind == TY_FN:
        return ("<fn %s>" % machine.program.function_name(machine.function_of(bits))).encode()
    if kind == TY_RANGE:
        machine.check_handle(bits, (P.HK_RANGE,))
        off = int(machine.hobj[bits, P.H_OFF])
        start, stop, step = (int(v) for v in machine.hslots[off:off + 3])
        if step == 1:
            return b"range(%d..%d)" % (start, stop)
        return b"range(%d..%d step=%d)" % (start, stop, step)
    if kind == TY_ERROR:
        return b"Error: " + error_message(machine, bits)
    if kind == TY_STRUCT:                       # bare field values (DATA §10)
        return _joined([(v, t) for v, (t, _) in zip(record_fields(machine, bits),
                                                     struct_fields(machine, tid))], b", ")
    if kind == TY_ENUM:
        fields = record_fields(machine, bits)
        vname, ptids = enum_variant(machine, tid, fields[0])
        text = type_label(machine, tid) + b"." + vname
        if not ptids:
            return text
        return _joined(list(zip(fields[1:], ptids)), b", ", text + b"(", b")")
    if kind == TY_DYN:
        value, t = record_fields(machine, bits)
        return [(value, t)]
    if kind == TY_ARRAY:
        slots = machine.array_slots(bits)
        ekind, _ = _type(machine, a)
        if ekind in (TY_I32, TY_I64, TY_U32):
            return ", ".join(map(str, slots)).encode()
        if ekind == TY_U64:
            return ", ".join(str(v & U64_MASK) for v in slots).encode()
        return _joined([(v, a) for v in slots], b", ")
    raise RuntimeError("cannot print type kind %d" % kind)


# ------------------------------------------------------------------ records (DATA §4, §5)
def record_fields(machine, h: int) -> list:
    """The fields of record h (struct value, enum value, `any` box) as ints."""
    machine.check_handle(h, (P.HK_REC,))
    off, n = int(machine.hobj[h, P.H_OFF]), int(machine.hobj[h, P.H_LEN])
    return [int(v) for v in machine.hslots[off:off + n]]


def type_label(machine, tid: int) -> bytes:
    """The name of a struct or enum type (row C)."""
    return machine.program.string(int(machine.program.types[tid, TY_C]))


def _layout_cache(machine) -> dict:
    cache = getattr(machine, "_layouts", None)
    if cache is None:
        cache = machine._layouts = {}
    return cache


def struct_fields(machine, tid: int) -> list:
    """[(type id, name)] of the fields of struct type tid (the TY_FIELD rows after it)."""
    cache = _layout_cache(machine)
    key = ("s", tid)
    out = cache.get(key)
    if out is None:
        types = machine.program.types
        n = int(types[tid, TY_A])
        out = cache[key] = [(int(types[tid + 1 + i, TY_A]), int(types[tid + 1 + i, TY_C]))
                            for i in range(n)]
    return out


def enum_variant(machine, tid: int, tag: int):
    """(name, [payload type ids]) of variant `tag` of enum type tid."""
    cache = _layout_cache(machine)
    key = ("e", tid)
    variants = cache.get(key)
    if variants is None:
        types, prog = machine.program.types, machine.program
        variants = []
        row = tid + 1
        for _ in range(int(types[tid, TY_A])):
            n = int(types[row, TY_A]) - 1
            variants.append((prog.string(int(types[row, TY_C])),
                             [int(types[row + 1 + j, TY_A]) for j in range(n)]))
            row += 1 + n
        cache[key] = variants
    if not 0 <= tag < len(variants):
        raise RuntimeError("invalid variant tag %d" % tag)
    return variants[tag]


_SCALAR_NAMES = {TY_I32: "i32", TY_I64: "i64", TY_U32: "u32", TY_U64: "u64", TY_F64: "f64",
                 TY_BOOL: "bool", TY_STR: "string", TY_FN: "function", TY_ANY: "i64",
                 TY_ARRAY: "array", TY_RANGE: "range_iterator"}


def type_name(machine, bits: int, tid: int) -> bytes:
    """What typeof gives for a value of static type tid (DATA §9; DECISIONS data row 1)."""
    kind, _ = _type(machine, tid)
    if kind in (TY_STRUCT, TY_ENUM):
        return type_label(machine, tid)
    if kind == TY_ERROR:
        return error_kind(machine, bits).encode() + b" " + error_message(machine, bits)
    if kind == TY_DYN:
        value, t = record_fields(machine, bits)
        return type_name(machine, value, t)
    return _SCALAR_NAMES.get(kind, "?").encode()


def type_spelling(machine, tid: int) -> str:
    """A type as written in source, for messages."""
    kind, a = _type(machine, tid)
    if kind == TY_ARRAY:
        return "[%s]" % type_spelling(machine, a)
    if kind in (TY_STRUCT, TY_ENUM):
        return type_label(machine, tid).decode("utf-8", "replace")
    if kind == TY_DYN:
        return "any"
    if kind == TY_ANY:
        return "i64"
    if kind == TY_ERROR:
        return "error"
    return _SCALAR_NAMES.get(kind, "?")


def unbox(machine, box: int, expected: int) -> int:
    value, t = record_fields(machine, box)
    if t != expected:
        raise HostError("type error", "this is a `%s`, but `%s` was expected"
                        % (type_spelling(machine, t), type_spelling(machine, expected)))
    return value


def error_fields(machine, h: int):
    """(code, message bytes) of an error object."""
    machine.check_handle(h, (P.HK_REC,))
    off = int(machine.hobj[h, P.H_OFF])
    return int(machine.hslots[off]), machine.string_bytes(int(machine.hslots[off + 1]))


def error_message(machine, h: int) -> bytes:
    return error_fields(machine, h)[1]


def error_kind(machine, h: int) -> str:
    return E.message(error_fields(machine, h)[0])[0]


def repr_text(machine, bits: int, tid: int) -> str:
    """A value as assert_eq reports it: arrays (and structs) in brackets,
    strings quoted, enums `Name.Variant(...)`, errors `Error(MSG)`."""
    return "".join(_walk(machine, _repr_parts, str, bits, tid))


def _repr_parts(machine, bits: int, tid: int):
    kind, a = _type(machine, tid)
    if kind == TY_STR:
        s = machine.string_bytes(bits).decode("utf-8", "replace")
        s = s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace('"', '\\"')
        return '"%s"' % s
    if kind == TY_ARRAY:
        return _joined([(v, a) for v in machine.array_slots(bits)], ", ", "[", "]")
    if kind == TY_ERROR:
        return "Error(%s)" % error_message(machine, bits).decode("utf-8", "replace")
    if kind == TY_STRUCT:                       # a struct is shown like an array
        return _joined([(v, t) for v, (t, _) in zip(record_fields(machine, bits),
                                                     struct_fields(machine, tid))],
                       ", ", "[", "]")
    if kind == TY_ENUM:
        fields = record_fields(machine, bits)
        vname, ptids = enum_variant(machine, tid, fields[0])
        text = "%s.%s" % (type_label(machine, tid).decode("utf-8", "replace"),
                          vname.decode("utf-8", "replace"))
        if not ptids:
            return text
        return _joined(list(zip(fields[1:], ptids)), ", ", text + "(", ")")
    if kind == TY_DYN:
        value, t = record_fields(machine, bits)
        return [(value, t)]
    return print_text(machine, bits, tid).decode("utf-8", "replace")


def equal(machine, x: int, y: int, tid: int) -> bool:
    """Deep equality (DECISIONS data row 1; NaN is unequal to itself), walked
    with an explicit stack."""
    stack = [(x, y, tid)]
    while stack:
        x, y, tid = stack.pop()
        kind, a = _type(machine, tid)
        if kind == TY_F64:
            if not _f64(x) == _f64(y):
                return False
        elif kind == TY_STR:
            if not (x == y or machine.string_bytes(x) == machine.string_bytes(y)):
                return False
        elif x == y and kind in (TY_ARRAY, TY_STRUCT, TY_ENUM, TY_DYN):
            continue                            # the same object
        elif kind == TY_ARRAY:
            xs, ys = machine.array_slots(x), machine.array_slots(y)
            if len(xs) != len(ys):
                return False
            ekind, _ = _type(machine, a)
            if ekind == TY_F64:
                # as floats: -0.0 == 0.0, and NaN != NaN (distinct float objects,
                # so list equality's identity shortcut does not apply)
                if fmt.bits_to_f64_list(xs) != fmt.bits_to_f64_list(ys):
                    return False
            elif ekind in (TY_I32, TY_I64, TY_U32, TY_U64, TY_BOOL, TY_ANY):
                if xs != ys:
                    return False
            else:
                stack.extend((p, q, a) for p, q in zip(xs, ys))
        elif kind == TY_STRUCT:
            stack.extend((p, q, t) for p, q, (t, _) in
                         zip(record_fields(machine, x), record_fields(machine, y),
                             struct_fields(machine, tid)))
        elif kind == TY_ENUM:
            xs, ys = record_fields(machine, x), record_fields(machine, y)
            if xs[0] != ys[0]:
                return False
            _, ptids = enum_variant(machine, tid, xs[0])
            stack.extend(zip(xs[1:], ys[1:], ptids))
        elif kind == TY_DYN:
            (p, tp), (q, tq) = record_fields(machine, x), record_fields(machine, y)
            if tp != tq:
                return False
            stack.append((p, q, tp))
        elif x != y:
            return False
    return True


# ------------------------------------------------------------------ conversions
def _shown(text: bytes) -> str:
    s = text.decode("utf-8", "replace")
    raw = text if len(text) <= 52 else text[:52]
    s = raw.decode("utf-8", "replace") + ("..." if len(text) > 52 else "")
    return s


_INT_RE = re.compile(rb"^[ \t]*[+-]?[0-9]+[ \t]*$")
_FLOAT_RE = re.compile(rb"^[ \t]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t]*$")
_NONFINITE_RE = re.compile(rb"^[ \t]*[+-]?(inf|infinity|nan)[ \t]*$", re.IGNORECASE)


def int_of_text(text: bytes) -> int:
    if not _INT_RE.match(text):
        raise HostError("conversion error", "invalid integer literal: '%s'" % _shown(text))
    value = int(text.strip())
    if not I32_MIN <= value <= I32_MAX:
        raise HostError("conversion error", 'int() overflow: "%s" is out of range for i32' % _shown(text))
    return value


def int_of_number(value) -> int:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise HostError("conversion error", "int() overflow: value is not finite")
        if value != int(value):
            raise HostError("conversion error",
                            "int() argument must be a whole number, got f64 %s" % fmt.fmt_f64(value))
        shown = fmt.fmt_f64(value)
        value = int(value)
    else:
        shown = str(value)
    if not I32_MIN <= value <= I32_MAX:
        raise HostError("conversion error", "int() overflow: %s is out of range for i32" % shown)
    return value


def float_of_text(text: bytes) -> float:
    if _NONFINITE_RE.match(text):
        raise HostError("conversion error", 'float() overflow: "%s" is out of range for f64' % _shown(text))
    if not _FLOAT_RE.match(text):
        raise HostError("conversion error", "invalid float literal: '%s'" % _shown(text))
    value = float(text.strip())
    if not math.isfinite(value):
        raise HostError("conversion error", 'float() overflow: "%s" is out of range for f64' % _shown(text))
    return value


# ------------------------------------------------------------------ input
def read_line(machine, prompt: bytes | None) -> bytes:
    if prompt is not None:
        machine.write_now(prompt)
    else:
        stdin = machine.stdin
        if getattr(stdin, "isatty", lambda: False)() and sys.stderr.isatty():
            sys.stderr.write("input> ")
            sys.stderr.flush()
    line = machine.stdin.readline()
    if not line:
        raise HostError("eof error", "input() reached end of file")
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith((b"\n", b"\r")):
        return line[:-1]
    return line


# ------------------------------------------------------------------ dispatch
def call(machine, hc: int, r: int):
    """Run host function `hc` on registers r, r+1, ...; returns the result bits
    (or None).  Raises HostError for an Orus runtime error."""
    regs = machine.regs
    if hc == HC_INPUT:
        return machine.new_string(read_line(machine, None))
    if hc == HC_INPUT_PROMPT:
        return machine.new_string(read_line(machine, machine.string_bytes(int(regs[r]))))
    if hc == HC_INT_STR:
        return int_of_text(machine.string_bytes(int(regs[r])))
    if hc == HC_INT_I64:
        return int_of_number(int(regs[r]))
    if hc == HC_INT_U64:
        return int_of_number(int(regs[r]) & (2**64 - 1))
    if hc == HC_INT_F64:
        return int_of_number(_f64(int(regs[r])))
    if hc == HC_FLOAT_STR:
        return fmt.f64_to_bits(float_of_text(machine.string_bytes(int(regs[r]))))
    if hc == HC_EQUAL:
        return 1 if equal(machine, int(regs[r]), int(regs[r + 1]), int(regs[r + 2])) else 0
    if hc == HC_ASSERT_EQ:
        label = machine.string_bytes(int(regs[r])).decode("utf-8", "replace")
        actual, expected = int(regs[r + 1]), int(regs[r + 2])
        ta, te = int(regs[r + 3]), int(regs[r + 4])
        if ta == te and equal(machine, actual, expected, ta):
            return 1
        raise HostError("runtime error", "assert_eq failed (%s)\n  expected: %s\n  actual:   %s" % (
            label, repr_text(machine, expected, te), repr_text(machine, actual, ta)))
    if hc == HC_TYPEOF:
        return machine.new_string(type_name(machine, int(regs[r]), int(regs[r + 1])))
    if hc == HC_UNBOX:
        return unbox(machine, int(regs[r]), int(regs[r + 1]))
    raise RuntimeError("unknown host function %d" % hc)
