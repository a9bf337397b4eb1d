"""Python values in and out of an Orus machine's globals (the conversions of
``orus.run``/``%%orus`` inputs and outputs and of ``orus.Session``; the table
is in orus/notebook/cells.py).  API layer: imports numpy, nothing above."""

from __future__ import annotations

import re

import numpy as np

from orus.bytecode import protocol as P

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1

# numpy dtype -> Orus element type (arrays and numpy scalars).
_DTYPES = {
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.uint32): "u32",
    np.dtype(np.uint64): "u64",
    np.dtype(np.float64): "f64",
    np.dtype(np.bool_): "bool",
}
# Orus element type -> numpy dtype of an output array.
_OUT_DTYPES = {"i32": np.int32, "i64": np.int64, "u32": np.uint32, "u64": np.uint64,
               "f64": np.float64, "bool": np.bool_}
_ZERO = {"i32": "0", "i64": "0", "u32": "0", "u64": "0", "f64": "0.0", "bool": "false",
         "string": '""'}
_SUPPORTED = ("int, float, bool, str, a list of them, or a 1-D or 2-D numpy array of "
              "int32, int64, uint32, uint64, float64, bool or str")



def _short(exc: Exception) -> Exception:
    """Make IPython show `exc` as one line ("TypeError: ...") instead of a
    traceback through this module: the message says everything."""
    text = "%s: %s" % (type(exc).__name__, exc)
    exc._render_traceback_ = lambda: [text]
    return exc



# ------------------------------------------------------------------------- inputs
class _Input:
    __slots__ = ("name", "type", "kind", "data")

    def __init__(self, name, type_, kind, data):
        self.name = name
        self.type = type_        # Orus type as written in source: "i64", "[f64]", ...
        # "scalar" (int64 bits), "string" (bytes), "array" (1-D numpy), "strings"
        # (list of bytes), "matrix" (2-D numpy), "rows" (list of _Input rows)
        self.kind = kind
        self.data = data


def _check_name(name) -> None:
    from orus.frontend.lexer import KEYWORDS
    if not isinstance(name, str) or not _NAME.match(name) or name in KEYWORDS:
        raise _short(ValueError("%r is not a valid Orus variable name" % (name,)))


def _int_bits(name: str, value: int) -> int:
    if not I64_MIN <= value <= I64_MAX:
        raise _short(ValueError(
            "input '%s' = %d does not fit in i64 (-2**63 .. 2**63-1); pass it as "
            "numpy.uint64(...) if it is an unsigned 64-bit value, or as a float"
            % (name, value)))
    return value


def _scalar_input(name: str, value) -> _Input | None:
    """An _Input for a Python or numpy scalar, or None if `value` is not one."""
    if isinstance(value, (bool, np.bool_)):
        return _Input(name, "bool", "scalar", int(bool(value)))
    if isinstance(value, np.integer):
        ty = _DTYPES.get(value.dtype)
        if ty is None:
            raise _short(TypeError(
                "input '%s' is a numpy %s scalar; Orus takes int32, int64, uint32 or "
                "uint64 scalars: convert it with int(...)" % (name, value.dtype)))
        if ty == "u64":
            return _Input(name, ty, "scalar", int(np.asarray(value).view(np.int64)))
        return _Input(name, ty, "scalar", int(value))
    if isinstance(value, int):
        return _Input(name, "i64", "scalar", _int_bits(name, value))
    if isinstance(value, (float, np.floating)):
        bits = np.array([float(value)], dtype=np.float64).view(np.int64)[0]
        return _Input(name, "f64", "scalar", int(bits))
    if isinstance(value, str):
        return _Input(name, "string", "string", value.encode("utf-8"))
    return None


def _array_input(name: str, arr: np.ndarray) -> _Input:
    if arr.ndim == 0:
        found = _scalar_input(name, arr[()])
        if found is not None:
            return found
    if arr.ndim not in (1, 2):
        raise _short(ValueError(
            "input '%s' is a %d-D array (shape %s); Orus takes 1-D arrays as [T] and 2-D "
            "arrays as [[T]]: reshape it, or pass its 2-D slices one by one"
            % (name, arr.ndim, tuple(arr.shape))))
    if arr.dtype.kind == "U":
        if arr.ndim == 2:
            return _rows_input(name, [_strings_input(name, row) for row in arr.tolist()])
        return _strings_input(name, arr.tolist())
    if arr.dtype == object:
        raise _short(TypeError(
            "input '%s' is an array of dtype object; Orus arrays take int32, int64, uint32, "
            "uint64, float64 or bool elements (or str): convert it with %s.astype(...)"
            % (name, name)))
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    ty = _DTYPES.get(arr.dtype)
    if ty is None:
        hint = {"f": "numpy.float64", "i": "numpy.int64", "u": "numpy.uint64",
                "b": "bool"}.get(arr.dtype.kind, "a supported dtype")
        raise _short(TypeError(
            "input '%s' is an array of dtype %s; Orus arrays take int32, int64, uint32, "
            "uint64, float64 or bool elements: convert it with %s.astype(%s)"
            % (name, arr.dtype, name, hint)))
    if ty == "bool":
        data = arr.view(np.uint8)                    # one byte per element (HK_ARR_B)
    elif ty in ("i32", "u32"):
        data = arr                                   # widened exactly on copy
    else:
        data = arr.view(np.int64)                    # the bit patterns
    if arr.ndim == 2:
        return _Input(name, "[[%s]]" % ty, "matrix", data)
    return _Input(name, "[%s]" % ty, "array", data)


def _rows_input(name: str, rows) -> _Input:
    """[[T]] from rows of one Orus type [T] (each an _Input): one block (a
    "matrix") when they are numeric rows of one length, else row by row."""
    types = sorted({row.type for row in rows})
    if len(types) != 1:
        raise _short(TypeError(
            "input '%s' has rows of different element types (%s); make them one type"
            % (name, ", ".join(types))))
    if rows[0].kind == "array" and len({len(row.data) for row in rows}) == 1:
        return _Input(name, "[%s]" % types[0], "matrix", np.stack([row.data for row in rows]))
    return _Input(name, "[%s]" % types[0], "rows", rows)


def _row_input(name: str, row) -> _Input:
    """One row of a list-of-rows input: a 1-D array, or a list of numbers,
    bools or strs."""
    if isinstance(row, (list, tuple)):
        if row and all(isinstance(s, str) for s in row):
            return _strings_input(name, row)
        if not row:
            raise _short(TypeError(
                "input '%s' has an empty row, whose element type Orus cannot know: pass "
                "a numpy array with a dtype" % name))
    try:
        arr = np.asarray(row)
    except (ValueError, OverflowError) as exc:
        raise _short(ValueError("input '%s' has a row that cannot be made an array: %s"
                                % (name, exc))) from None
    if arr.ndim != 1 or (arr.dtype.kind in "OSU" and isinstance(row, (list, tuple))):
        raise _short(TypeError(
            "input '%s' has a row that is not a flat list of numbers, bools or strs "
            "of one type" % name))
    return _array_input(name, arr)


def _strings_input(name: str, items) -> _Input:
    if not all(isinstance(s, str) for s in items):
        raise _short(TypeError(
            "input '%s' is a list that is not all str; pass numbers as a 1-D numpy array"
            % name))
    return _Input(name, "[string]", "strings", [s.encode("utf-8") for s in items])


def _to_input(name: str, value) -> _Input:
    """How the Python `value` of input `name` enters Orus (raises TypeError /
    ValueError naming the variable when it cannot).  ``.type`` is the Orus type."""
    _check_name(name)
    found = _scalar_input(name, value)
    if found is not None:
        return found
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(s, str) for s in value):
            return _strings_input(name, value)
        if not value:
            raise _short(TypeError(
                "input '%s' is an empty %s, whose element type Orus cannot know: pass "
                "an empty numpy array with a dtype, e.g. numpy.zeros(0)"
                % (name, type(value).__name__)))
        if all(isinstance(row, (list, tuple, np.ndarray)) for row in value):
            try:                    # a rectangle of numbers: one conversion
                arr = np.asarray(value)
            except (ValueError, OverflowError):
                arr = None
            if arr is not None and arr.ndim >= 2 and arr.dtype.kind in "biuf":
                return _array_input(name, arr)
            return _rows_input(name, [_row_input(name, row) for row in value])
        try:
            arr = np.asarray(value)
        except (ValueError, OverflowError) as exc:
            raise _short(ValueError("input '%s' cannot be made an array: %s" % (name, exc))) from None
        if arr.dtype.kind in "OUS":
            raise _short(TypeError(
                "input '%s' is a %s of mixed or unsupported values; pass a 1-D numpy array"
                % (name, type(value).__name__)))
        return _array_input(name, arr)
    if isinstance(value, np.ndarray) or (hasattr(value, "__array__")
                                         and not isinstance(value, (dict, set, bytes))):
        return _array_input(name, np.asarray(value))
    raise _short(TypeError("input '%s' has type %s; Orus takes %s"
                           % (name, type(value).__name__, _SUPPORTED)))


def declaration(inp: _Input) -> str:
    """The Orus declaration of input `inp` as a global (its value is stored after)."""
    zero = "[]" if inp.type.startswith("[") else _ZERO[inp.type]
    return "mut %s: %s = %s" % (inp.name, inp.type, zero)


def _new_value(machine, inp: _Input) -> int:
    """The input's value made in `machine` (bits or a handle)."""
    if inp.kind == "scalar":
        return inp.data
    if inp.kind == "string":
        return machine.new_string(inp.data)
    if inp.kind == "array":
        kind = P.HK_ARR_B if inp.type == "[bool]" else P.HK_ARR
        return machine.new_array(inp.data, kind)
    if inp.kind == "matrix":
        return machine.new_matrix(inp.data, P.HK_ARR_B if inp.type == "[[bool]]" else P.HK_ARR)
    if inp.kind == "rows":
        handles = [_new_value(machine, row) for row in inp.data]
    else:
        handles = [machine.new_string(s) for s in inp.data]
    return machine.new_array(np.array(handles, dtype=np.int64), P.HK_ARR_H)


def _store_input(machine, reg: int, inp: _Input) -> None:
    from orus.host.machine import HeapLimit
    try:
        machine.regs[reg] = _new_value(machine, inp)
    except HeapLimit:
        raise _short(MemoryError(
            "input '%s' does not fit in the heap limit (%d MB): raise it with max_heap= "
            "(or ORUS_MAX_HEAP)" % (inp.name, machine.max_heap >> 20))) from None
    machine.ginit[reg] = 1


# ------------------------------------------------------------------------ outputs
def _type_name(ty) -> str:
    return getattr(ty, "name", "?")


def _read_value(machine, name: str, ty, bits: int):
    """The Python value of an Orus value of type `ty` held as the int64 `bits`."""
    kind = getattr(ty, "kind", None)
    tname = _type_name(ty)
    if kind == "int":
        if tname == "u64":
            return bits & 0xFFFF_FFFF_FFFF_FFFF
        return bits
    if kind == "float":
        return float(np.array([bits], dtype=np.int64).view(np.float64)[0])
    if kind == "bool":
        return bool(bits)
    if kind == "string":
        return _read_string(machine, name, bits)
    if kind == "array":
        return _read_array(machine, name, ty, bits)
    raise _short(TypeError("Orus variable '%s' has type %s, which cannot be converted to "
                           "a Python value" % (name, ty)))


def _valid(machine, h: int, kinds) -> bool:
    return 0 <= h < machine.state[P.S_NOBJ] and int(machine.hobj[h, P.H_KIND]) in kinds


def _unset(name: str) -> Exception:
    return _short(NameError("Orus variable '%s' has no value (it was never assigned)" % name))


def _read_string(machine, name: str, h: int) -> str:
    if not _valid(machine, h, (P.HK_STR,)):
        raise _unset(name)
    return machine.string_bytes(h).decode("utf-8", "replace")


def _read_array(machine, name: str, ty, h: int):
    if not _valid(machine, h, (P.HK_ARR, P.HK_ARR_H, P.HK_ARR_B)):
        raise _unset(name)
    elem = ty.elem
    kind, tname = getattr(elem, "kind", None), _type_name(elem)
    off, n = int(machine.hobj[h, P.H_OFF]), int(machine.hobj[h, P.H_LEN])
    if int(machine.hobj[h, P.H_KIND]) == P.HK_ARR_B:
        return machine.hbytes[off:off + n].astype(np.bool_)
    slots = machine.hslots[off:off + n]
    if kind in ("int", "float", "bool"):
        dtype = _OUT_DTYPES.get(tname, np.int64)
        if dtype in (np.float64, np.uint64):
            return slots.view(dtype).copy()
        return slots.astype(dtype)                   # astype copies
    if getattr(elem, "kind", None) == "array" and n:
        matrix = _read_matrix(machine, elem.elem, slots)
        if matrix is not None:
            return matrix
    return [_read_value(machine, name, elem, int(x)) for x in slots]


def _read_matrix(machine, elem, handles):
    """The rows `handles` of a [[T]] as one 2-D numpy array, when T is a
    number or bool and the rows are valid arrays of one length; else None
    (the caller makes a list of rows).  No loop per element; one copy when
    the rows lie end to end in the arena, else one slice copy per row."""
    kind = getattr(elem, "kind", None)
    if kind not in ("int", "float", "bool") or not (
            (handles >= 0) & (handles < machine.state[P.S_NOBJ])).all():
        return None
    rows = machine.hobj[handles]
    want = P.HK_ARR_B if kind == "bool" else P.HK_ARR
    cols = int(rows[0, P.H_LEN])
    if not ((rows[:, P.H_KIND] == want).all() and (rows[:, P.H_LEN] == cols).all()):
        return None
    arena = machine.hbytes if kind == "bool" else machine.hslots
    offs = rows[:, P.H_OFF]
    first = int(offs[0])
    if (offs == first + cols * np.arange(len(offs), dtype=np.int64)).all():
        # rows laid end to end (as inputs and rows built in order are): one copy
        block = arena[first:first + cols * len(offs)].reshape(len(offs), cols).copy()
    else:
        block = np.empty((len(offs), cols), dtype=arena.dtype)
        for i, off in enumerate(offs.tolist()):
            block[i] = arena[off:off + cols]
    if kind == "bool":
        return block.astype(np.bool_)
    dtype = _OUT_DTYPES.get(_type_name(elem), np.int64)
    if dtype in (np.float64, np.uint64):
        return block.view(dtype)
    return block.astype(dtype)
