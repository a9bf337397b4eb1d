"""A compiled Orus program: typed numpy arrays, saved to and loaded from disk.

Encoding (every array is C-contiguous; no Python objects anywhere):

    array      dtype    shape        meaning
    code       int32    (n, 4)       op, a, b, c            (opcodes.py)
    lines      int32    (n, 3)       source line, column and file (index into files) of each
                                     instruction
    files      int64    (nfiles,)    string constant index of each source file's name
                                     (file 0 is the main program)
    kint       int64    (ki,)        integer constant pool
    kflt       float64  (kf,)        float constant pool
    str_blob   uint8    (bytes,)     all string constants, back to back
    str_offs   int64    (ks + 1,)    string i = str_blob[str_offs[i]:str_offs[i+1]]
    funcs      int64    (nf, 7)      FN_ENTRY, FN_END, FN_NREGS, FN_ARITY, FN_NCAP, FN_NAME,
                                     FN_KINDS (offset of the function's row in regkinds)
    regkinds   uint8    (sum nregs,) 1 if the register may hold a heap handle (a GC root),
                                     0 if it only ever holds scalars
    types      int32    (nt, 4)      type descriptors TY_KIND, TY_A, TY_B, TY_C (below);
                                     used by the host to print and compare compound values

Function 0 is the program's top level ("main"); its registers hold the
globals (G[x] is main's R[x]), so globals need no separate storage.  A
function's code is code[FN_ENTRY:FN_END]; FN_NAME is a string constant index.

The file format (``dumps``/``loads`` below) is one header plus the raw
arrays, with the format version, the compiler fingerprint and a checksum;
anything that does not match is rejected by ``load`` (and then rebuilt by the
caller, never trusted).
"""

from __future__ import annotations

import struct

from orus.bytecode import buffers
from orus.bytecode import opcodes
from orus.bytecode.atomicio import write_atomic
from orus.bytecode.digest import blake2b

FORMAT_VERSION = 3

FN_ENTRY, FN_END, FN_NREGS, FN_ARITY, FN_NCAP, FN_NAME, FN_KINDS = range(7)
FN_COLS = 7

# Type descriptors (rows of Program.types).  Scalar kinds equal the OUT_* codes.
TY_KIND, TY_A, TY_B, TY_C = range(4)
TY_I32, TY_I64, TY_U32, TY_U64, TY_F64, TY_BOOL, TY_STR, TY_FN = range(8)
TY_ARRAY = 8      # TY_A = element type id
TY_RANGE = 9      # a range() iterator
TY_ANY = 10       # statically untyped (range values): an i64 at run time
TY_ERROR = 11     # the error object of `catch e` (a record [error code, message])
# Records (REC_NEW reads TY_A = field count, TY_B = handle mask of its type C):
TY_STRUCT = 12    # A = field count, B = mask, C = name string id; the A rows that
                  # follow are its fields (TY_FIELD)
TY_ENUM = 13      # A = variant count, C = name string id; each variant follows as a
                  # TY_VARIANT row and its payload's TY_FIELD rows
TY_VARIANT = 14   # A = field count (tag + payloads), B = mask, C = name string id
                  # (REC_NEW of a variant value uses this row)
TY_FIELD = 15     # A = the field's type id, C = its name string id (or -1)
TY_DYN = 16       # a boxed `any` value: record [value, type id of value]; A = 2,
                  # B = mask (1 if the value is a handle)

ARRAYS = {
    # name: (dtype, number of dimensions, column count or None)
    "code": ("int32", 2, 4),
    "lines": ("int32", 2, 3),
    "kint": ("int64", 1, None),
    "kflt": ("float64", 1, None),
    "str_blob": ("uint8", 1, None),
    "str_offs": ("int64", 1, None),
    "funcs": ("int64", 2, FN_COLS),
    "regkinds": ("uint8", 1, None),
    "types": ("int32", 2, 4),
    "files": ("int64", 1, None),
}
# numpy's name for each dtype in a saved file's header (little-endian files only)
DTYPE_STR = {"int32": "<i4", "int64": "<i8", "float64": "<f8", "uint8": "|u1"}


class BytecodeError(Exception):
    """A saved program is corrupt, truncated, foreign or fails verification."""


class Program:
    """The arrays of one compiled program plus where it came from.  Freshly
    compiled, the arrays are numpy arrays; loaded from disk, memoryviews into
    the file's bytes (orus/bytecode/buffers.py: no numpy on the run path) until
    ``to_numpy`` is called."""

    def __init__(self, code, lines, kint, kflt, str_blob, str_offs, funcs, regkinds=None,
                 types=None, files=None, filename="<input>", source=b"", sources=None):
        self.code = code
        self.lines = lines
        self.kint = kint
        self.kflt = kflt
        self.str_blob = str_blob
        self.str_offs = str_offs
        self.funcs = funcs
        if regkinds is None:      # no handle registers known: everything is a root
            import numpy as np
            regkinds = np.ones(int(funcs[:, FN_NREGS].sum()) if len(funcs) else 0, dtype=np.uint8)
            if len(funcs):
                funcs[:, FN_KINDS] = np.concatenate(([0], np.cumsum(funcs[:-1, FN_NREGS])))
        self.regkinds = regkinds
        self.types = buffers.Empty((0, 4), "i") if types is None else types
        self.files = buffers.Empty((0,), "q") if files is None else files
        self.filename = filename
        # bytes of every source file by file index (for error display), when known
        self.sources = {} if sources is None else sources
        self.source = source          # bytes of the main file, for error display
        # Set by the front end (in memory only, never saved): the main file's
        # globals, name -> (register, type), for the notebook API; each
        # function's register categories.
        self.globals = {}
        self.reg_cats = {}
        # The module record (files each `use` resolved to, their digests) of a
        # program with modules (orus.frontend.modules.record); None without.
        self.modules = None
        # The saved file this program was loaded from (orus.program_cache), if any.
        self.saved_file = None

    # -- convenience ----------------------------------------------------------
    @property
    def num_strings(self) -> int:
        return len(self.str_offs) - 1

    def string(self, i: int) -> bytes:
        return bytes(self.str_blob[self.str_offs[i]:self.str_offs[i + 1]])

    def file_name(self, index: int) -> str:
        """Name of source file `index` (0 = the main program)."""
        if 0 <= index < len(self.files):
            return self.string(int(self.files[index])).decode("utf-8", "replace")
        return self.filename

    def location(self, pc: int):
        """(filename, line, col, file index) of instruction pc."""
        if not 0 <= pc < len(self.lines):
            return self.filename, 0, 0, 0
        lines = self.lines
        line, col, f = int(lines[pc, 0]), int(lines[pc, 1]), int(lines[pc, 2])
        if not 0 <= f < len(self.files):       # (the line table is not verified)
            f = 0
        return (self.filename if f == 0 else self.file_name(f)), line, col, f

    def source_of(self, index: int):
        """The text of source file `index` when known (the main file's otherwise)."""
        return self.sources.get(index, self.source if index == 0 else None)

    def function_name(self, f: int) -> str:
        return self.string(int(self.funcs[f, FN_NAME])).decode("utf-8", "replace")

    def arrays(self) -> dict:
        return {name: getattr(self, name) for name in ARRAYS}

    def to_numpy(self) -> None:
        """Make every array a numpy array (sharing memory where it can)."""
        for name in ARRAYS:
            setattr(self, name, buffers.to_numpy(getattr(self, name)))


def halt_program(filename: str = "<tiny>") -> Program:
    """A program of one HALT instruction, built without numpy: what warm-ups
    run (`orus warm-cache`, the import-time dry run, the profiler's)."""
    import struct

    def arr(typecode, values, shape):
        data = bytearray(struct.pack("=%d%s" % (len(values), typecode), *values))
        return buffers.view(data, 0, shape, typecode)

    name = filename.encode()
    return Program(code=arr("i", [opcodes.HALT, 0, 0, 0], (1, 4)), lines=arr("i", [0, 0, 0], (1, 3)),
                   kint=buffers.Empty((0,), "q"), kflt=buffers.Empty((0,), "d"),
                   str_blob=arr("B", list(name), (len(name),)),
                   str_offs=arr("q", [0, len(name)], (2,)),
                   funcs=arr("q", [0, 1, 1, 0, 0, 0, 0], (1, FN_COLS)),
                   regkinds=arr("B", [0], (1,)), files=arr("q", [0], (1,)), filename=filename)


class ProgramBuilder:
    """What the compiler emits into; ``finish`` freezes it into a Program.

    Constants are interned (the same value gets the same index).  Functions
    are declared first (so calls can name them before their code exists) and
    their code is appended function by function.
    """

    def __init__(self, filename="<input>"):
        self.filename = filename
        self.code: list[tuple[int, int, int, int]] = []
        self.lines: list[tuple[int, int, int]] = []
        self.file_index = 0              # file of the instructions being emitted
        self._kint: dict[int, int] = {}
        self._kflt: dict[bytes, int] = {}
        self._kflt_values: list[float] = []
        self._strs: dict[bytes, int] = {}
        self.funcs: list[list[int]] = []
        self._kinds: dict[int, list[int]] = {}
        self._files: list[int] = [self.const_str(filename)]
        self._types: dict[tuple, int] = {}
        self._type_rows: list[tuple] = []

    # -- constants --------------------------------------------------------------
    def const_int(self, value: int) -> int:
        """Index of int64 constant `value` (given as a Python int; u64 values
        above 2^63-1 are stored as their two's complement bit pattern)."""
        if value >= 1 << 63:
            value -= 1 << 64
        return self._kint.setdefault(value, len(self._kint))

    def const_float(self, value: float) -> int:
        key = struct.pack("<d", value)          # distinguishes -0.0 and NaNs
        if key not in self._kflt:
            self._kflt[key] = len(self._kflt_values)
            self._kflt_values.append(value)
        return self._kflt[key]

    def const_str(self, value: bytes) -> int:
        if isinstance(value, str):
            value = value.encode("utf-8")
        return self._strs.setdefault(value, len(self._strs))

    # -- functions --------------------------------------------------------------
    def declare_function(self, name: str, arity: int, ncap: int = 0) -> int:
        """Reserve a function index; its code comes later via begin_function."""
        self.funcs.append([0, 0, 0, arity, ncap, self.const_str(name), 0])
        return len(self.funcs) - 1

    def begin_function(self, index: int) -> None:
        self.funcs[index][FN_ENTRY] = len(self.code)

    def end_function(self, index: int, nregs: int, handle_regs=None) -> None:
        """Close function `index`.  handle_regs: for each register, true if it
        may ever hold a heap handle (GC root); None means "all may"."""
        self.funcs[index][FN_END] = len(self.code)
        self.funcs[index][FN_NREGS] = nregs
        if handle_regs is None:
            handle_regs = [1] * nregs
        assert len(handle_regs) == nregs
        self._kinds[index] = [1 if k else 0 for k in handle_regs]

    # -- type descriptors ------------------------------------------------------
    def type_id(self, kind: int, a: int = 0, b: int = 0, c: int = 0) -> int:
        """Index of the type descriptor (kind, a, b, c), interned."""
        key = (kind, a, b, c)
        tid = self._types.get(key)
        if tid is None:
            tid = self._types[key] = len(self._type_rows)
            self._type_rows.append(key)
        return tid

    def type_block(self, n: int) -> int:
        """Reserve n consecutive type rows, not interned (a struct or enum and
        its field rows); fill them with set_type.  Returns the first index."""
        first = len(self._type_rows)
        self._type_rows.extend([(0, 0, 0, 0)] * n)
        return first

    def set_type(self, index: int, kind: int, a: int = 0, b: int = 0, c: int = 0) -> None:
        self._type_rows[index] = (kind, a, b, c)

    # -- code -----------------------------------------------------------------------
    @property
    def pc(self) -> int:
        """Index of the next instruction to be emitted."""
        return len(self.code)

    def emit(self, op: int, a: int = 0, b: int = 0, c: int = 0, line: int = 0, col: int = 0) -> int:
        """Append one instruction; return its pc (for patching jumps)."""
        self.code.append((op, a, b, c))
        self.lines.append((line, col, self.file_index))
        return len(self.code) - 1

    def add_file(self, filename: str) -> int:
        """Register a source file (a module); returns its index for file_index."""
        self._files.append(self.const_str(filename))
        return len(self._files) - 1

    def patch(self, pc: int, a=None, b=None, c=None) -> None:
        op, a0, b0, c0 = self.code[pc]
        self.code[pc] = (op, a0 if a is None else a, b0 if b is None else b, c0 if c is None else c)

    # -- interactive sessions (orus/frontend/incremental.py) ---------------------
    def mark(self):
        """Everything needed to undo what is emitted after this point: the
        lengths of every table, function 0's row and the register kinds of
        the functions that exist now.  Instructions before the mark are not
        patched after it (only a function's own code is)."""
        return (len(self.code), len(self._kint), len(self._kflt_values), len(self._strs),
                len(self.funcs), len(self._files), len(self._type_rows),
                [list(row) for row in self.funcs[:1]], dict(self._kinds))

    def rollback(self, mark) -> None:
        """Forget everything emitted, interned or declared since `mark`."""
        (ncode, nint, nflt, nstr, nfun, nfiles, nrows, main, kinds) = mark
        del self.code[ncode:], self.lines[ncode:]
        for table, n in ((self._kint, nint), (self._strs, nstr), (self._types, nrows)):
            for key in [k for k, i in table.items() if i >= n]:
                del table[key]
        for key in [k for k, i in self._kflt.items() if i >= nflt]:
            del self._kflt[key]
        del self._kflt_values[nflt:], self.funcs[nfun:], self._files[nfiles:]
        del self._type_rows[nrows:]
        self.funcs[:1] = main
        self._kinds = kinds

    def finish(self, source: bytes = b"") -> Program:
        import numpy as np
        strs = sorted(self._strs.items(), key=lambda kv: kv[1])
        offs = np.zeros(len(strs) + 1, dtype=np.int64)
        for i, (s, _) in enumerate(strs):
            offs[i + 1] = offs[i] + len(s)
        blob = np.frombuffer(b"".join(s for s, _ in strs), dtype=np.uint8).copy()
        kint = sorted(self._kint.items(), key=lambda kv: kv[1])
        kinds, offset = [], 0
        for f, row in enumerate(self.funcs):
            row[FN_KINDS] = offset
            fk = self._kinds.get(f, [1] * row[FN_NREGS])
            kinds.extend(fk)
            offset += len(fk)
        return Program(
            code=np.array(self.code, dtype=np.int32).reshape(-1, 4),
            lines=np.array(self.lines, dtype=np.int32).reshape(-1, 3),
            kint=np.array([v for v, _ in kint], dtype=np.int64),
            kflt=np.array(self._kflt_values, dtype=np.float64),
            str_blob=blob,
            str_offs=offs,
            funcs=np.array(self.funcs, dtype=np.int64).reshape(-1, FN_COLS),
            regkinds=np.array(kinds, dtype=np.uint8),
            types=np.array(self._type_rows, dtype=np.int32).reshape(-1, 4),
            files=np.array(self._files, dtype=np.int64),
            filename=self.filename,
            source=source,
        )


# ------------------------------------------------------------------ save / load
# File layout (one read, no zip, no pickle):
#
#   MAGIC (8 bytes) | header length (8, little-endian) | header (ASCII) | payload
#
# The header is "key=value" lines: the format version, the opcode-table and
# compiler fingerprints, the payload's blake2b digest, then one line per array
# "name dtype dim0 dim1 offset".  Every array starts 8-byte aligned in the
# payload, so loading is memoryview casts of one bytearray (writable, and
# no copies).  Anything that does not match exactly is a BytecodeError.
MAGIC = b"ORUSBC\x00\x01"


def _identity(fingerprint: str) -> str:
    return "orus-bytecode %d %s %s" % (FORMAT_VERSION, opcodes.fingerprint(), fingerprint)


def dumps(program: Program, fingerprint: str = "") -> bytes:
    import numpy as np
    parts, lines, offset = [], [], 0
    for name, (dtype, ndim, cols) in ARRAYS.items():
        arr = np.ascontiguousarray(buffers.to_numpy(getattr(program, name)), dtype=dtype)
        shape = arr.shape if ndim == 2 else (arr.shape[0], 1)
        lines.append("%s %s %d %d %d" % (name, DTYPE_STR[dtype], shape[0], shape[1], offset))
        data = arr.tobytes()
        pad = (-len(data)) % 8
        parts.append(data + b"\0" * pad)
        offset += len(data) + pad
    payload = b"".join(parts)
    digest = blake2b(payload, digest_size=16).hexdigest()
    header = "\n".join(["id=" + _identity(fingerprint), "digest=" + digest] + lines).encode()
    header += b" " * ((-len(header)) % 8)
    return MAGIC + len(header).to_bytes(8, "little") + header + payload


def loads(data: bytes | bytearray, fingerprint: str = "", filename="<input>", source=b"") -> Program:
    buf = data if isinstance(data, bytearray) else bytearray(data)
    if len(buf) < 16 or bytes(buf[:8]) != MAGIC:
        raise BytecodeError("not a saved Orus program")
    hlen = int.from_bytes(buf[8:16], "little")
    if hlen > len(buf) - 16 or hlen > 1 << 20:
        raise BytecodeError("saved program is truncated")
    try:
        lines = bytes(buf[16:16 + hlen]).decode("ascii").rstrip(" ").split("\n")
    except UnicodeDecodeError:
        raise BytecodeError("saved program has a corrupt header") from None
    if len(lines) != 2 + len(ARRAYS) or lines[0] != "id=" + _identity(fingerprint):
        raise BytecodeError("saved program is from another version")
    payload = memoryview(buf)[16 + hlen:]
    if lines[1] != "digest=" + blake2b(payload, digest_size=16).hexdigest():
        raise BytecodeError("saved program is corrupt (checksum)")
    arrays = {}
    for line, (name, (dtype, ndim, cols)) in zip(lines[2:], ARRAYS.items()):
        fields = line.split(" ")
        if len(fields) != 5 or fields[0] != name or fields[1] != DTYPE_STR[dtype]:
            raise BytecodeError("saved program has a malformed %s array" % name)
        try:
            d0, d1, off = (int(x) for x in fields[2:])
        except ValueError:
            raise BytecodeError("saved program has a malformed %s array" % name) from None
        fmt = buffers.FORMAT[dtype]
        size = d0 * d1 * buffers.ITEMSIZE[fmt]
        if d0 < 0 or d1 < 0 or off < 0 or off % 8 or off + size > len(payload) or (cols and d1 != cols):
            raise BytecodeError("saved program has a malformed %s array" % name)
        arrays[name] = buffers.view(buf, 16 + hlen + off, (d0, d1) if ndim == 2 else (d0,), fmt)
    return Program(filename=filename, source=source, **arrays)


def save(program: Program, path: str, fingerprint: str = "") -> None:
    """Write atomically (temp file + rename) so readers never see half a file."""
    write_atomic(path, dumps(program, fingerprint))


def load(path: str, fingerprint: str = "", filename="<input>", source=b"") -> Program:
    """Read and check a saved program.  Raises BytecodeError for anything wrong;
    the caller must still run the verifier (orus.bytecode.verify) before executing."""
    try:
        with open(path, "rb") as fh:
            data = bytearray(fh.read())
    except OSError as exc:
        raise BytecodeError("saved program is unreadable: %s" % exc) from None
    return loads(data, fingerprint, filename, source)
