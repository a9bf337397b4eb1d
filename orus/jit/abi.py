"""The VM's argument list: the one place it is written down.

``ARGS`` lists, in order, every array ``orus.jit.vm.run`` takes: its name, its
element type, its number of dimensions, and the attribute of the host's
``Machine`` it comes from.  Everything else is derived from this table:

  * the host call (``vm_args(machine)``: the positional arguments of ``run``);
  * the native artifact's C entry point (orus/jit/aot.py): one argument, a
    pointer to an int64 descriptor block of ``DESC_COLS`` words per array
    (data address, size of dimension 0, size of dimension 1 or 1), from which
    a generated ``@cfunc`` rebuilds each array with ``numba.carray`` and calls
    the njit ``run`` (so the loop's source exists once);
  * the ABI signature string stored in the artifact's manifest (an artifact
    built for another argument list is rejected, never called).

Adding an array to the VM is one row here (plus the parameter of ``run`` and
the allocation in ``Machine``).  Every array must be C-contiguous.

This module imports neither numpy nor numba.  The arrays may be numpy arrays
or memoryviews (orus/bytecode/buffers.py).
"""

from __future__ import annotations

from orus.bytecode.buffers import reinterpret

# name        dtype       ndim  Machine attribute (dotted path)
ARGS = (
    ("code",     "int32",   2,    "program.code"),
    ("kint",     "int64",   1,    "program.kint"),
    ("kflt",     "float64", 1,    "program.kflt"),
    ("funcs",    "int64",   2,    "program.funcs"),
    ("regkinds", "uint8",   1,    "program.regkinds"),
    ("types",    "int32",   2,    "program.types"),
    ("regs",     "int64",   1,    "regs"),
    ("fregs",    "float64", 1,    "regs"),          # the same memory, read as float64
    ("frames",   "int64",   2,    "frames"),
    ("handlers", "int64",   2,    "handlers"),
    ("state",    "int64",   1,    "state"),
    ("ginit",    "uint8",   1,    "ginit"),
    ("hobj",     "int64",   2,    "hobj"),
    ("hbytes",   "uint8",   1,    "hbytes"),
    ("hslots",   "int64",   1,    "hslots"),
    ("gcstack",  "int64",   1,    "gcstack"),
    ("out_rec",  "int64",   2,    "out_rec"),
    ("out_blob", "uint8",   1,    "out_blob"),
)

NAMES = tuple(row[0] for row in ARGS)
DTYPES = tuple(row[1] for row in ARGS)
NDIMS = tuple(row[2] for row in ARGS)
SOURCES = tuple(row[3] for row in ARGS)
NARGS = len(ARGS)

DESC_COLS = 3            # per array: data address, shape[0], shape[1] (1 for 1-D)

# A row whose Machine attribute already appeared in an earlier row is a view of
# that array reinterpreted with the row's dtype (fregs = regs read as float64).
_VIEWS = tuple((i, ARGS[i][1]) for i in range(len(ARGS))
               if ARGS[i][3] in SOURCES[:i])

# For each row: the position of the earlier row it is a view of, or -1.
VIEW_OF = tuple(SOURCES.index(SOURCES[i]) if SOURCES[i] in SOURCES[:i] else -1
                for i in range(len(ARGS)))

ITEMSIZE = {"int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
            "int64": 8, "uint64": 8, "float32": 4, "float64": 8}
for _i, _src in enumerate(VIEW_OF):        # a view must have its source's shape
    assert _src < 0 or (ITEMSIZE[DTYPES[_i]] == ITEMSIZE[DTYPES[_src]]
                        and NDIMS[_i] == NDIMS[_src]), ARGS[_i]

# machine -> its arrays in ABI order: a generated function, as fast as
# operator.attrgetter without importing operator on every run's path
_get_sources = eval("lambda m: (%s,)" % ", ".join("m." + src for src in SOURCES))


def signature() -> str:
    """A string naming the ABI; stored in the artifact's manifest."""
    return "orus-vm-abi-1 desc%d " % DESC_COLS + ",".join(
        "%s:%s:%d" % (name, dtype, ndim) for name, dtype, ndim, _ in ARGS)


def machine_arrays(machine) -> tuple:
    """The Machine's arrays in ABI order, without dtype views (the native VM
    only needs their memory)."""
    return _get_sources(machine)


def vm_args(machine) -> list:
    """The positional arguments of ``run`` for this Machine (views applied).
    A view is kept on the machine and reused while its source array is the
    same object, so that repeated calls pass identical objects (the native
    VM then re-checks nothing)."""
    arrays = list(_get_sources(machine))
    if _VIEWS:
        views = machine.__dict__.setdefault("_abi_views", {})
        for i, dtype in _VIEWS:
            src = arrays[i]
            seen = views.get(i)
            if seen is None or seen[0] is not src:
                seen = views[i] = (src, reinterpret(src, dtype))
            arrays[i] = seen[1]
    return arrays


def run_source_text(entry_name: str = "vm_entry") -> str:
    """Python source of the cfunc body: rebuild each array from the descriptor
    block and call ``run``.  Exceptions (unreachable after verification, but
    Numba inserts checks for e.g. integer division) become status -1 so that
    the C wrapper never needs the Python API."""
    lines = ["def %s(desc):" % entry_name]
    for i, (name, dtype, ndim, _) in enumerate(ARGS):
        shape = "(desc[%d],)" % (i * DESC_COLS + 1) if ndim == 1 else \
            "(desc[%d], desc[%d])" % (i * DESC_COLS + 1, i * DESC_COLS + 2)
        lines.append("    %s = carray(_ptr_%s(desc[%d]), %s)" % (name, dtype, i * DESC_COLS, shape))
    lines.append("    try:")
    lines.append("        return run(%s)" % ", ".join(NAMES))
    lines.append("    except Exception:")
    lines.append("        return -1")
    return "\n".join(lines) + "\n"
