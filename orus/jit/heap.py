"""Heap primitives shared by the VM loop (orus/jit/vm.py) and the string
library (orus/jit/strlib.py): handle checks, the room test every allocation
site makes before changing anything, and new object rows."""

from orus.jit.numba_cache import point_numba_cache

point_numba_cache()

from numba import njit  # noqa: E402

from orus.bytecode import protocol as P  # noqa: E402


@njit(cache=True)
def copy_within(arr, dst, src, n):
    """arr[dst:dst+n] = arr[src:src+n] for non-overlapping ranges (or dst < src).
    An explicit loop: Numba's slice assignment between views of one array
    makes a temporary copy (an allocation) to guard against overlap."""
    for j in range(n):
        arr[dst + j] = arr[src + j]


@njit(cache=True)
def _handle_ok(hobj, state, h, kind):
    return 0 <= h < state[P.S_NOBJ] and hobj[h, P.H_KIND] == kind


ROOM_OK, ROOM_GROW, ROOM_GC = 0, 1, 2


@njit(cache=True)
def heap_room(hobj, hbytes, hslots, state, nbytes, nslots):
    """Can one more object with `nbytes` string bytes and `nslots` slots be
    allocated?  ROOM_GC: collect first (allocation passed the GC limit, or the
    heap is full and enough was allocated since the last collection to be
    worth collecting); ROOM_GROW: ask the host for bigger arrays."""
    if state[P.S_ALLOC] > state[P.S_GC_LIMIT]:
        return ROOM_GC
    if ((state[P.S_FREE] >= 0 or state[P.S_NOBJ] < hobj.shape[0])
            and state[P.S_NBYTES] + nbytes <= hbytes.shape[0]
            and state[P.S_NSLOTS] + nslots <= hslots.shape[0]):
        return ROOM_OK
    if state[P.S_ALLOC] * 4 > state[P.S_GC_LIMIT]:
        return ROOM_GC
    state[P.S_NEED] = 1
    state[P.S_NEED2] = nbytes
    state[P.S_NEED3] = nslots
    return ROOM_GROW


@njit(cache=True)
def new_object(hobj, state, kind, off, length):
    """A new object row (from the free list if possible); the caller checked room."""
    h = state[P.S_FREE]
    if h >= 0:
        state[P.S_FREE] = hobj[h, P.H_OFF]
    else:
        h = state[P.S_NOBJ]
        state[P.S_NOBJ] = h + 1
    hobj[h, P.H_KIND] = kind
    hobj[h, P.H_OFF] = off
    hobj[h, P.H_LEN] = length
    hobj[h, P.H_AUX] = length
    hobj[h, P.H_MARK] = 0
    return h


@njit(cache=True)
def new_string_object(hobj, state, off, length, region):
    h = new_object(hobj, state, P.HK_STR, off, length)
    hobj[h, P.H_AUX] = region
    return h
