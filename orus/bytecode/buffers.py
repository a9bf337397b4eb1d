"""Typed host arrays without numpy: what a run needs before numpy is imported.

`orus run` of a saved program on the native VM does not import numpy (it
would cost more start-up time than most programs run): the program's arrays
are memoryviews into the file's bytes and the machine's arrays are
memoryviews over zeroed bytearrays.  A memoryview of a native format
('q' int64, 'i' int32, 'd' float64, 'B' uint8) supports what the run path
needs -- ``a[i]`` / ``a[i, j]`` get and set, ``len``, ``.shape``,
``.tolist()``, 1-D slices and ``.tobytes()`` -- and ``np.asarray(a)`` turns it
into a numpy array over the same memory, without a copy, when the njit loop,
a notebook or a long output needs numpy (``to_numpy``).

Both kinds are C-contiguous, so the native VM takes either (``address``).
"""

from __future__ import annotations


FORMAT = {"int64": "q", "int32": "i", "float64": "d", "uint8": "B"}
DTYPE = {f: d for d, f in FORMAT.items()}
ITEMSIZE = {"q": 8, "i": 4, "d": 8, "B": 1}


class Empty:
    """A zero-length array (memoryview.cast rejects zeros in a shape)."""

    __slots__ = ("shape", "format")
    ndim = property(lambda self: len(self.shape))
    itemsize = property(lambda self: ITEMSIZE[self.format])

    def __init__(self, shape, fmt):
        self.shape = tuple(shape)
        self.format = fmt

    def __len__(self):
        return 0

    def tolist(self):
        return []

    def tobytes(self):
        return b""


_EMPTY_TARGET = None     # a ctypes buffer: the address of every empty array (made on first use)


def view(data, offset: int, shape: tuple, fmt: str):
    """The array of `shape` and `fmt` at byte `offset` of the writable buffer `data`."""
    count = 1
    for d in shape:
        count *= d
    if count == 0:
        return Empty(shape, fmt)
    mv = memoryview(data)[offset:offset + count * ITEMSIZE[fmt]]
    return mv.cast(fmt, shape) if len(shape) == 2 else mv.cast(fmt)


# Arrays this big are anonymous private mappings, not bytearrays: bytearray(n)
# writes n zero bytes (touching every page, ~3 s per GiB on a busy machine),
# while a fresh mapping is zero pages the kernel supplies on first touch, so
# a grown heap costs memory (RSS) and time only for the part actually used.
BIG = 1 << 20


def _zeroed(nbytes: int):
    if nbytes < BIG:
        return bytearray(nbytes)
    import mmap
    try:
        mem = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except OSError as exc:    # ENOMEM (e.g. under RLIMIT_AS) is a MemoryError, as for bytearray
        raise MemoryError(str(exc)) from None
    try:                      # transparent huge pages: first touch 3-4x faster
        mem.madvise(mmap.MADV_HUGEPAGE)
    except (AttributeError, OSError, ValueError):
        pass
    return mem


def zeros(shape, dtype: str):
    """A zero-filled memoryview array."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    fmt = FORMAT[dtype]
    count = 1
    for d in shape:
        count *= d
    return view(_zeroed(count * ITEMSIZE[fmt]), 0, shape, fmt)


def nbytes(arr) -> int:
    """The size of `arr` in bytes (either kind)."""
    if isinstance(arr, Empty):
        return 0
    return arr.nbytes


def row_bytes(arr) -> int:
    """The size in bytes of one row (one element of a 1-D array)."""
    size = arr.itemsize
    for d in arr.shape[1:]:
        size *= d
    return size


def is_numpy(arr) -> bool:
    return not isinstance(arr, (memoryview, Empty))


def to_numpy(arr):
    """`arr` as a numpy array sharing its memory (arr itself if it is one)."""
    import numpy as np
    if isinstance(arr, memoryview):
        return np.asarray(arr)
    if isinstance(arr, Empty):
        return np.zeros(arr.shape, dtype=DTYPE[arr.format])
    return arr


def reinterpret(arr, dtype: str):
    """The same memory read as `dtype` (same item size), e.g. registers as float64."""
    if isinstance(arr, memoryview):
        return arr.cast("B").cast(FORMAT[dtype], arr.shape)
    if isinstance(arr, Empty):
        return Empty(arr.shape, FORMAT[dtype])
    return arr.view(dtype)


def grown(arr, rows: int):
    """`arr` with `rows` rows (>= its own), the new rows zero.  A big
    memoryview array (a whole anonymous mapping, see _zeroed) is grown in
    place where the OS can (mremap: its pages are moved, not copied or
    touched -- a 135 MB object table grows in ~2 ms instead of ~40-200 ms),
    otherwise copied.  `arr` must not be used afterwards (it may have been
    released; callers replace it), though other views of it stay valid."""
    if is_numpy(arr):
        import numpy as np
        new = np.zeros((rows,) + arr.shape[1:], dtype=arr.dtype)
        new[:arr.shape[0]] = arr
        return new
    shape = (rows,) + tuple(arr.shape[1:])
    arr, done = _remapped(arr, shape)
    if done:
        return arr
    new = zeros(shape, DTYPE[arr.format])
    if len(arr):
        new.cast("B")[:arr.nbytes] = arr.cast("B")
    return new


def _remapped(arr, shape):
    """(`arr` grown to `shape` by resizing the anonymous mapping it covers,
    True), or (arr, or a new view of the same unchanged memory, False) if it
    is not one, it is shared (other views of it are alive: the mapping must
    not move under them), or the OS refuses."""
    import mmap
    base = getattr(arr, "obj", None)
    if not (isinstance(base, mmap.mmap) and len(base) == arr.nbytes):
        return arr, False
    old_shape, fmt = arr.shape, arr.format
    count = ITEMSIZE[fmt]
    for d in shape:
        count *= d
    try:
        arr.release()                   # BufferError if views of arr itself are alive
    except BufferError:
        return arr, False
    try:
        base.resize(count)              # BufferError if other views of the mapping are
    except (BufferError, OSError, ValueError, SystemError):
        return view(base, 0, old_shape, fmt), False
    return view(base, 0, shape, fmt), True


def column(arr, col: int, rows: int) -> list:
    """Column `col` of the first `rows` rows of a 2-D array, as a list."""
    if isinstance(arr, Empty):
        return []
    if isinstance(arr, memoryview):
        cols = arr.shape[1]
        return arr.cast("B").cast(arr.format)[col:rows * cols:cols].tolist()
    return arr[:rows, col].tolist()


def rows(arr, first: int, end: int) -> list:
    """Rows first..end-1 of a 2-D array, as lists."""
    if isinstance(arr, Empty):
        return []
    if isinstance(arr, memoryview):
        cols = arr.shape[1]
        flat = arr.cast("B").cast(arr.format)[first * cols:end * cols].tolist()
        return [flat[i:i + cols] for i in range(0, len(flat), cols)]
    return arr[first:end].tolist()


def address(arr) -> int:
    """Address of the first element (C-contiguous arrays of either kind).
    ctypes is imported here, not at module level: the front end builds
    programs with this module and must not load it."""
    import ctypes
    global _EMPTY_TARGET
    if isinstance(arr, memoryview):
        return ctypes.addressof((ctypes.c_char * 1).from_buffer(arr.cast("B")))
    if isinstance(arr, Empty):
        if _EMPTY_TARGET is None:
            _EMPTY_TARGET = ctypes.create_string_buffer(16)
        return ctypes.addressof(_EMPTY_TARGET)
    return arr.ctypes.data
