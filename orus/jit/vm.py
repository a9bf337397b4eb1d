"""The VM: one Numba-compiled dispatch loop over the bytecode arrays.

Safety model (Numba does no bounds checking):
  * register operands, constant indices, jump targets and call targets are
    checked by the verifier (orus/jit/verifier.py) on a machine's first call,
    before any instruction runs, so every R[x], KI[x], KF[x] and code[pc]
    access below is in range by construction;
  * the register file is large enough for the current frame (the host grows
    it on GROW_REGS before a call enters a frame that would not fit);
  * heap handles come out of registers, which the verifier cannot type, so
    every heap access checks the handle (``_handle_ok``) before using it;
  * call depth is checked against the frame array.

Hot opcodes are inline in ``run``; bulky or rare ones live in helpers below.
"""


import math

import numpy as np

# Point Numba's cache at the fingerprinted folder before numba is imported,
# even when this module is imported directly: otherwise Numba would cache
# into __pycache__, keyed by this file alone, and run stale code after a
# change to opcodes.py (see orus/jit/cache.py).
from orus.jit.numba_cache import point_numba_cache

point_numba_cache()

from numba import njit  # noqa: E402

from orus.bytecode import opcodes as op
from orus.bytecode import protocol as P
from orus.bytecode import hostcall_table as HC
from orus.bytecode import runtime_errors as E
from orus.bytecode.program import FN_ARITY, FN_ENTRY, FN_NREGS
from orus.jit.collector import collect, gc_mark
from orus.jit.verifier import verify_code
from orus.jit.mathlib import math1, math2
from orus.jit.heap import (ROOM_GC, ROOM_GROW, ROOM_OK, _handle_ok, copy_within,  # noqa: F401
                           heap_room, new_object, new_string_object)
from orus.jit.strlib import str_call
from orus.jit import rnglib

I32_MIN = -2147483648
I32_MAX = 2147483647
I64_MIN = -9223372036854775808
I64_MAX = 9223372036854775807
U32_MASK = 0xFFFFFFFF


# ------------------------------------------------------------------ arithmetic
@njit(cache=True)
def _div_trunc(x, y):
    """C-style division (truncates toward zero); y != 0 and not MIN/-1."""
    q = x // y
    if q < 0 and q * y != x:
        q += 1
    return q


@njit(cache=True)
def _mul_i64_overflows(x, y):
    if x == 0 or y == 0:
        return False
    if -2147483648 <= x <= 2147483647 and -2147483648 <= y <= 2147483647:
        return False
    # CERT INT32-C, with C (truncating) division
    if x > 0:
        if y > 0:
            return x > _div_trunc(I64_MAX, y)
        return y < _div_trunc(I64_MIN, x)
    if y > 0:
        return x < _div_trunc(I64_MIN, y)
    return x < _div_trunc(I64_MAX, y)


@njit(cache=True)
def _as_i32(v):
    """Wrap a 64-bit pattern to i32 (sign-extended)."""
    return ((v & U32_MASK) ^ 0x80000000) - 0x80000000


@njit(cache=True)
def bit_op(o, x, y):
    """BAND .. SHR_U64 of the register values x and y (y unused by BNOT*):
    (result, ok); not ok: y is a shift count outside 0 .. width - 1.
    Numba's << and >> on int64 are LLVM's shl and ashr, defined once the
    count is in range; bits shifted out are dropped (DECISIONS core row 43)."""
    if o == op.BAND:
        return x & y, True
    if o == op.BOR:
        return x | y, True
    if o == op.BXOR:
        return x ^ y, True
    if o == op.BNOT:
        return ~x, True
    if o == op.BNOT_U32:
        return ~x & U32_MASK, True
    width = 32 if (o == op.SHL_I32 or o == op.SHL_U32 or o == op.SHR_32) else 64
    if y < 0 or y >= width:
        return 0, False
    if o == op.SHL_I32:
        return _as_i32(x << y), True
    if o == op.SHL_U32:
        return (x << y) & U32_MASK, True
    if o == op.SHL_64:
        return x << y, True
    if o == op.SHR_U64:
        return np.int64(np.uint64(x) >> np.uint64(y)), True
    # op.SHR_32 (sign-extended i32: arithmetic; zero-extended u32: logical), op.SHR_I64
    return x >> y, True


@njit(cache=True)
def _f64_to_int(f, to):
    """Rust `as` from f64: truncate toward zero, saturate, NaN -> 0."""
    if f != f:
        return 0
    if to == op.T_I32:
        if f >= 2147483647.0:
            return I32_MAX
        if f <= -2147483648.0:
            return I32_MIN
        return np.int64(f)
    if to == op.T_I64:
        if f >= 9223372036854775807.0:
            return I64_MAX
        if f <= -9223372036854775808.0:
            return I64_MIN
        return np.int64(f)
    if to == op.T_U32:
        if f >= 4294967295.0:
            return U32_MASK
        if f <= 0.0:
            return 0
        return np.int64(f)
    # u64
    if f >= 18446744073709551615.0:
        return -1
    if f <= 0.0:
        return 0
    if f < 9223372036854775807.0:
        return np.int64(f)
    return np.int64(np.uint64(f))


@njit(cache=True)
def do_cast(conv, regs, fregs, dst, src):
    """R[dst] := R[src] converted by `conv` (opcodes.conv_id(from, to))."""
    frm = conv // op.CONV_TYPES
    to = conv % op.CONV_TYPES
    if frm == op.T_F64:
        f = fregs[src]
        if to == op.T_F64:
            fregs[dst] = f
        elif to == op.T_BOOL:
            regs[dst] = 1 if f != 0.0 else 0
        else:
            regs[dst] = _f64_to_int(f, to)
        return
    v = regs[src]
    if to == op.T_F64:
        if frm == op.T_U64:
            fregs[dst] = np.float64(np.uint64(v))
        else:
            fregs[dst] = np.float64(v)
    elif to == op.T_BOOL:
        regs[dst] = 1 if v != 0 else 0
    elif to == op.T_I32:
        regs[dst] = _as_i32(v)
    elif to == op.T_U32:
        regs[dst] = v & U32_MASK
    else:
        # to i64 / u64: every stored integer is already the right 64-bit pattern
        # (i32 sign-extended, u32 zero-extended, bool 0/1).
        regs[dst] = v


@njit(cache=True)
def cmp_int_float(v, f, unsigned):
    """Exact comparison of an integer with a float: -1, 0, 1, or 2 if f is NaN."""
    if f != f:
        return 2
    if unsigned:
        fv = np.float64(np.uint64(v))
    else:
        fv = np.float64(v)
    if fv < f:
        return -1
    if fv > f:
        return 1
    # fv == f: f is integral and within (rounded) range; compare exactly.
    if unsigned:
        if f >= 18446744073709551615.0:
            return -1
        u = np.uint64(v)
        w = np.uint64(f)
        if u < w:
            return -1
        return 1 if u > w else 0
    if f >= 9223372036854775807.0:
        return -1
    if f < -9223372036854775808.0:
        return 1
    w = np.int64(f)
    if v < w:
        return -1
    return 1 if v > w else 0


@njit(cache=True)
def cmp_test(c, rel):
    if c == 2:
        return 1 if rel == op.REL_NE else 0
    if rel == op.REL_EQ:
        return 1 if c == 0 else 0
    if rel == op.REL_NE:
        return 1 if c != 0 else 0
    if rel == op.REL_LT:
        return 1 if c < 0 else 0
    if rel == op.REL_LE:
        return 1 if c <= 0 else 0
    if rel == op.REL_GT:
        return 1 if c > 0 else 0
    return 1 if c >= 0 else 0


@njit(cache=True)
def trip_count(start, end, step, flags):
    """Number of iterations of a numeric for-loop, as uint64 bits in an int64.

    Computed once in FORPREP so that FORLOOP is a decrement and an add, and
    so that `..=MAX` never overflows (DECISIONS core rows 15, 27)."""
    inclusive = (flags & op.FOR_INCLUSIVE) != 0
    if flags & op.FOR_UNSIGNED:
        a = np.uint64(start)
        b = np.uint64(end)
        if step > 0:
            if a > b or (a == b and not inclusive):
                return 0
            d = b - a
        else:
            if a < b or (a == b and not inclusive):
                return 0
            d = a - b
    else:
        if step > 0:
            if start > end or (start == end and not inclusive):
                return 0
            d = np.uint64(end) - np.uint64(start)
        else:
            if start < end or (start == end and not inclusive):
                return 0
            d = np.uint64(start) - np.uint64(end)
    if step > 0:
        s = np.uint64(step)
    else:
        s = np.uint64(0) - np.uint64(step)
    if inclusive:
        return np.int64(d // s + np.uint64(1))
    return np.int64((d - np.uint64(1)) // s + np.uint64(1))


# ------------------------------------------------------------------ heap
@njit(cache=True)
def copy_between(dst_arr, dst, src_arr, src, n):
    for j in range(n):
        dst_arr[dst + j] = src_arr[src + j]


@njit(cache=True)
def str_compare(hobj, hbytes, x, y):
    """Bytewise three-way comparison of strings x and y (valid handles)."""
    ox = hobj[x, P.H_OFF]
    lx = hobj[x, P.H_LEN]
    oy = hobj[y, P.H_OFF]
    ly = hobj[y, P.H_LEN]
    n = min(lx, ly)
    for i in range(n):
        a = hbytes[ox + i]
        b = hbytes[oy + i]
        if a != b:
            return -1 if a < b else 1
    if lx == ly:
        return 0
    return -1 if lx < ly else 1


@njit(cache=True)
def str_equal(hobj, hbytes, x, y):
    if x == y:
        return True
    lx = hobj[x, P.H_LEN]
    if lx != hobj[y, P.H_LEN]:
        return False
    ox = hobj[x, P.H_OFF]
    oy = hobj[y, P.H_OFF]
    for i in range(lx):
        if hbytes[ox + i] != hbytes[oy + i]:
            return False
    return True


@njit(cache=True)
def out_of_room(rc, hobj, hslots, state, regs, frames, funcs, regkinds, gcstack, base, fn, depth):
    """The status to stop with when heap_room said no: GC after marking
    (run_with then sweeps and compacts, orus/jit/collector.py, and resumes
    the instruction), else GROW_HEAP for the host."""
    if rc == ROOM_GC:
        gc_mark(hobj, hslots, state, regs, frames, funcs, regkinds, gcstack, base, fn, depth)
        return P.GC
    return P.GROW_HEAP


@njit(cache=True)
def _index_error(hobj, state, h, i):
    """The error code for a failed array access (cold path)."""
    if not _is_array(hobj, state, h):
        return E.BAD_VALUE
    return E.INDEX_NEGATIVE if i < 0 else E.INDEX_RANGE


@njit(cache=True)
def _is_array(hobj, state, h):
    if h < 0 or h >= state[P.S_NOBJ]:
        return False
    k = hobj[h, P.H_KIND]
    return k == P.HK_ARR or k == P.HK_ARR_H or k == P.HK_ARR_B


@njit(cache=True)
def reserve(hobj, arena, state, top_slot, h, need, minimum, unit):
    """Make room for `need` elements in array h (a valid array handle) whose
    elements live in `arena` (hslots, or hbytes for bool arrays; state[top_slot]
    is that arena's top, `unit` the bytes per element).  Returns how many
    arena elements the caller must have available first (0 = done)."""
    cap = hobj[h, P.H_AUX]
    if need <= cap:
        return 0
    newcap = max(need, 2 * cap, minimum)
    off = hobj[h, P.H_OFF]
    top = state[top_slot]
    if off + cap == top:                      # last region in the arena: extend in place
        if top + (newcap - cap) > arena.shape[0]:
            return newcap - cap
        state[top_slot] = top + (newcap - cap)
    else:
        if top + newcap > arena.shape[0]:
            return newcap
        copy_within(arena, top, off, hobj[h, P.H_LEN])
        hobj[h, P.H_OFF] = top
        state[top_slot] = top + newcap
    hobj[h, P.H_AUX] = newcap
    state[P.S_ALLOC] += unit * (newcap - cap)
    return 0


@njit(cache=True)
def copy_elements(arena, dst, src, first, count, n, is_slice):
    """The elements of a new array: a slice src[first:first+count] of the
    source's elements, or (repeat) `count // n` copies of all n of them."""
    if is_slice:
        copy_within(arena, dst, src + first, count)
    else:
        for k in range(count // n if n > 0 else 0):
            copy_within(arena, dst + k * n, src, n)


# ------------------------------------------------------------------ sorting
SIGN_BIT = np.uint64(0x8000000000000000)
ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
INSERTION_RUN = 16


@njit(cache=True)
def sort_key(kind, bits):
    """An unsigned key whose order is the element order of sort `kind`
    (SORT_I64 signed, SORT_U64 unsigned, SORT_F64: numeric with -0.0 == 0.0
    and every NaN last, as numpy sorts)."""
    if kind == HC.SORT_U64:
        return np.uint64(bits)
    if kind == HC.SORT_I64:
        return np.uint64(bits) ^ SIGN_BIT
    if (bits >> 52) & 0x7FF == 0x7FF and (bits & 0xFFFFFFFFFFFFF) != 0:
        return ALL_ONES                                  # NaN
    if bits == I64_MIN:                                  # -0.0
        bits = 0
    if bits >= 0:
        return np.uint64(bits) | SIGN_BIT
    return ~np.uint64(bits)


RADIX = 256                 # digit values of the radix sort (8 bits per pass)


@njit(cache=True)
def radix_sort(hslots, kind, off, n):
    """Stable LSD radix sort of hslots[off:off+n] by sort_key (8 bits a pass),
    with hslots[off+n:off+2n] as the other buffer and the RADIX slots after
    it as counters.  A pass whose digit is the same for every element (the
    high bytes of small numbers) is skipped."""
    buf = off + n
    cnt = off + 2 * n
    src = off
    dst = buf
    for p in range(8):
        shift = np.uint64(8 * p)
        for d in range(RADIX):
            hslots[cnt + d] = 0
        for i in range(n):
            d = np.int64((sort_key(kind, hslots[src + i]) >> shift) & np.uint64(RADIX - 1))
            hslots[cnt + d] += 1
        skip = False
        total = 0
        for d in range(RADIX):
            c = hslots[cnt + d]
            if c == n:
                skip = True
                break
            hslots[cnt + d] = total
            total += c
        if skip:
            continue
        for i in range(n):
            v = hslots[src + i]
            d = np.int64((sort_key(kind, v) >> shift) & np.uint64(RADIX - 1))
            hslots[dst + hslots[cnt + d]] = v
            hslots[cnt + d] += 1
        t = src
        src = dst
        dst = t
    if src != off:
        copy_within(hslots, off, src, n)


@njit(cache=True)
def sorted_array(hobj, hbytes, hslots, state, h, kind):
    """A new array with the elements of array h in order (the caller checked
    room: n bytes for a bool array, else 2n + RADIX slots, scratch above the
    result: numbers are radix sorted, strings merge sorted).
    -1 if an element of a string array is not a valid string."""
    n = hobj[h, P.H_LEN]
    src = hobj[h, P.H_OFF]
    if hobj[h, P.H_KIND] == P.HK_ARR_B:              # bools: count the falses
        zeros = 0
        for i in range(n):
            if hbytes[src + i] == 0:
                zeros += 1
        off = state[P.S_NBYTES]
        for i in range(n):
            hbytes[off + i] = 0 if i < zeros else 1
        state[P.S_NBYTES] = off + n
        state[P.S_ALLOC] += n + P.OBJ_COST
        return new_object(hobj, state, P.HK_ARR_B, off, n)
    if kind == HC.SORT_STR:
        for i in range(n):
            if not _handle_ok(hobj, state, hslots[src + i], P.HK_STR):
                return -1
    off = state[P.S_NSLOTS]
    copy_within(hslots, off, src, n)
    if kind == HC.SORT_STR:
        merge_sort_by(hobj, hbytes, hslots, off, n, -1, kind)
    else:
        radix_sort(hslots, kind, off, n)
    state[P.S_NSLOTS] = off + n                       # the scratch is free again
    state[P.S_ALLOC] += 8 * n + P.OBJ_COST
    return new_object(hobj, state, hobj[h, P.H_KIND], off, n)


@njit(cache=True)
def key_less(hobj, hbytes, hslots, kind, koff, i, j):
    """Is i ordered before j under sort `kind`?  With koff >= 0, i and j are
    indexes of keys at hslots[koff:]; with koff < 0 they are the values
    themselves (string handles)."""
    if koff < 0:
        return str_compare(hobj, hbytes, i, j) < 0
    x = hslots[koff + i]
    y = hslots[koff + j]
    if kind == HC.SORT_STR:
        return str_compare(hobj, hbytes, x, y) < 0
    return sort_key(kind, x) < sort_key(kind, y)


@njit(cache=True)
def merge_sort_by(hobj, hbytes, hslots, off, n, koff, kind):
    """Stable sort of hslots[off:off+n] with hslots[off+n:off+2n] as scratch:
    insertion sort of short runs, then bottom-up merges between the halves.
    The entries are indexes of keys at hslots[koff:] (sorted(xs, key)), or
    with koff < 0 string handles compared bytewise (sorted() of strings)."""
    for lo in range(0, n, INSERTION_RUN):
        hi = min(lo + INSERTION_RUN, n)
        for i in range(lo + 1, hi):
            v = hslots[off + i]
            j = i
            while j > lo and key_less(hobj, hbytes, hslots, kind, koff, v, hslots[off + j - 1]):
                hslots[off + j] = hslots[off + j - 1]
                j -= 1
            hslots[off + j] = v
    src = off
    dst = off + n
    width = INSERTION_RUN
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                if key_less(hobj, hbytes, hslots, kind, koff, hslots[src + j], hslots[src + i]):
                    hslots[dst + k] = hslots[src + j]
                    j += 1
                else:
                    hslots[dst + k] = hslots[src + i]
                    i += 1
                k += 1
            while i < mid:
                hslots[dst + k] = hslots[src + i]
                i += 1
                k += 1
            while j < hi:
                hslots[dst + k] = hslots[src + j]
                j += 1
                k += 1
        src, dst = dst, src
        width *= 2
    if src != off:
        copy_within(hslots, off, src, n)


@njit(cache=True)
def sorted_by_keys(hobj, hbytes, hslots, state, h, hk, kind):
    """A new array with the elements of array h ordered by the keys of array hk
    (same length, checked by the caller; sort `kind`; stable).  The caller
    checked room: 2n slots, plus n bytes for a bool array; the permutation is
    sorted in the slots where the result is then built.  -1 if a string key is
    not a valid string."""
    n = hobj[h, P.H_LEN]
    src = hobj[h, P.H_OFF]
    koff = hobj[hk, P.H_OFF]
    if kind == HC.SORT_STR:
        for i in range(n):
            if not _handle_ok(hobj, state, hslots[koff + i], P.HK_STR):
                return -1
    off = state[P.S_NSLOTS]
    for i in range(n):
        hslots[off + i] = i
    merge_sort_by(hobj, hbytes, hslots, off, n, koff, kind)
    if hobj[h, P.H_KIND] == P.HK_ARR_B:
        boff = state[P.S_NBYTES]
        for i in range(n):
            hbytes[boff + i] = hbytes[src + hslots[off + i]]
        state[P.S_NBYTES] = boff + n
        state[P.S_ALLOC] += n + P.OBJ_COST
        return new_object(hobj, state, P.HK_ARR_B, boff, n)
    for i in range(n):
        hslots[off + i] = hslots[src + hslots[off + i]]
    state[P.S_NSLOTS] = off + n                       # the scratch is free again
    state[P.S_ALLOC] += 8 * n + P.OBJ_COST
    return new_object(hobj, state, hobj[h, P.H_KIND], off, n)


@njit(cache=True)
def slice_bounds(length, start, end):
    """DATA.md §3.3 (inclusive end, except end == length): (first, count) or
    (-1, error code)."""
    if start < 0:
        return -1, E.SLICE_START_NEGATIVE
    if end < 0:
        return -1, E.SLICE_END_NEGATIVE
    if start > length:
        return -1, E.SLICE_START_RANGE
    if end > length:
        return -1, E.SLICE_END_RANGE
    if start == length:
        if end == length:
            return start, 0
        return -1, E.SLICE_END_BEFORE_START
    last = end if end < length else length - 1
    if last < start:
        return -1, E.SLICE_END_BEFORE_START
    return start, last - start + 1


CAT_IN_REGION, CAT_AT_TOP, CAT_NEW_REGION = 0, 1, 2


@njit(cache=True)
def concat_plan(hobj, state, x, y):
    """How CONCAT builds x ++ y (see concat), and the arena bytes it needs."""
    lx = hobj[x, P.H_LEN]
    ly = hobj[y, P.H_LEN]
    end = hobj[x, P.H_OFF] + lx
    r = hobj[x, P.H_AUX]
    if r >= 0 and hobj[r, P.H_LEN] == end and end + ly <= hobj[r, P.H_AUX]:
        return CAT_IN_REGION, 0
    if end == state[P.S_NBYTES]:
        return CAT_AT_TOP, ly
    return CAT_NEW_REGION, max(2 * (lx + ly), 32)


@njit(cache=True)
def concat(hobj, hbytes, state, x, y, plan, room):
    """New string x ++ y by `plan` (from concat_plan, with `room` the bytes it
    needs; the caller checked that room, 2 objects and the handles).
    Building a string by repeated `s = s + piece` is linear:

      * CAT_IN_REGION: x ends exactly where the bytes used in its growable
        region end, and the region has room: y is appended in place (x itself
        is unchanged: its object keeps its length; the region's used-end
        moves, so no other string can append over these bytes);
      * CAT_AT_TOP: x ends at the top of the arena: y is appended there;
      * CAT_NEW_REGION: x and y are copied into a new region of `room` bytes
        (twice what they need), so the next appends to the result are in place.

    A region is an object (HK_SREGION: H_OFF start, H_LEN used end, H_AUX
    capacity end, absolute byte offsets); a string's H_AUX names its region
    or is -1.  A live string keeps its region alive; the collector moves a
    region with its whole capacity (orus/jit/collector.py)."""
    lx = hobj[x, P.H_LEN]
    ly = hobj[y, P.H_LEN]
    ox = hobj[x, P.H_OFF]
    oy = hobj[y, P.H_OFF]
    end = ox + lx
    if plan == CAT_IN_REGION:
        r = hobj[x, P.H_AUX]
        copy_within(hbytes, end, oy, ly)
        hobj[r, P.H_LEN] = end + ly
        state[P.S_ALLOC] += P.OBJ_COST
        return new_string_object(hobj, state, ox, lx + ly, r)
    top = state[P.S_NBYTES]
    if plan == CAT_AT_TOP:
        copy_within(hbytes, top, oy, ly)
        state[P.S_NBYTES] = top + ly
        state[P.S_ALLOC] += ly + P.OBJ_COST
        return new_string_object(hobj, state, ox, lx + ly, -1)
    cap = room
    copy_within(hbytes, top, ox, lx)
    copy_within(hbytes, top + lx, oy, ly)
    state[P.S_NBYTES] = top + cap
    # count what is used, not the spare room: counting the room would make
    # every region (re)allocation look like a collection's worth of garbage
    state[P.S_ALLOC] += lx + ly + 2 * P.OBJ_COST
    region = new_object(hobj, state, P.HK_SREGION, top, top + lx + ly)
    hobj[region, P.H_AUX] = top + cap
    return new_string_object(hobj, state, top, lx + ly, region)


CAT_GROW_REGION = 3


@njit(cache=True)
def append_plan(hobj, state, x, ly):
    """How STR_APPEND / STR_APPINT extend the chain's own string x by ly
    bytes (see str_extend), and the arena bytes that needs."""
    lx = hobj[x, P.H_LEN]
    end = hobj[x, P.H_OFF] + lx
    r = hobj[x, P.H_AUX]
    top = state[P.S_NBYTES]
    if r >= 0 and hobj[r, P.H_LEN] == end:
        cap = hobj[r, P.H_AUX]
        if end + ly <= cap:
            return CAT_IN_REGION, 0
        if cap == top:
            return CAT_GROW_REGION, hobj[r, P.H_OFF] + max(2 * (end + ly - hobj[r, P.H_OFF]), 32) - cap
    if r < 0 and end == top:
        return CAT_AT_TOP, ly
    return CAT_NEW_REGION, max(2 * (lx + ly), 32)


@njit(cache=True)
def str_extend(hobj, hbytes, state, x, ly, plan, room):
    """Make room for ly more bytes at the end of string x by `plan` (from
    append_plan, with `room` the bytes it needs; the caller checked that room
    and a free object row) and return the offset where the caller writes
    them.  x keeps its object row and grows: only a concatenation chain's own
    string (made by its first instruction, referenced by nothing else) may be
    extended like this.

      * CAT_IN_REGION: x ends where its region's used bytes end and the
        region has room: the used end moves (a string sharing x's bytes keeps
        its own length, and no other string ends there any more);
      * CAT_GROW_REGION: the same, but the region is full and ends at the top
        of the arena: its capacity doubles in place first;
      * CAT_AT_TOP: x has no region and ends at the top of the arena: the top
        moves;
      * CAT_NEW_REGION: x's bytes are copied into a new region of `room`
        bytes (twice what they need) and x moves there; the old bytes stay
        for whatever shares them."""
    lx = hobj[x, P.H_LEN]
    ox = hobj[x, P.H_OFF]
    end = ox + lx
    top = state[P.S_NBYTES]
    if plan == CAT_NEW_REGION:
        copy_within(hbytes, top, ox, lx)
        state[P.S_NBYTES] = top + room
        state[P.S_ALLOC] += lx + ly + P.OBJ_COST
        region = new_object(hobj, state, P.HK_SREGION, top, top + lx + ly)
        hobj[region, P.H_AUX] = top + room
        hobj[x, P.H_OFF] = top
        hobj[x, P.H_LEN] = lx + ly
        hobj[x, P.H_AUX] = region
        return top + lx
    r = hobj[x, P.H_AUX]
    if plan == CAT_GROW_REGION:                # the region's capacity ends at the top
        state[P.S_NBYTES] = top + room
        hobj[r, P.H_AUX] = top + room
    elif plan == CAT_AT_TOP:
        state[P.S_NBYTES] = top + ly
    if plan != CAT_AT_TOP:
        hobj[r, P.H_LEN] = end + ly
    if plan != CAT_IN_REGION:
        state[P.S_ALLOC] += ly
    hobj[x, P.H_LEN] = lx + ly
    return end


@njit(cache=True)
def int_text(v, unsigned):
    """(byte length, negative, magnitude) of the decimal text of v; the
    magnitude as uint64 is exact even for I64_MIN."""
    neg = (not unsigned) and v < 0
    mag = np.uint64(0) - np.uint64(v) if neg else np.uint64(v)
    n = 1
    t = mag
    while t >= np.uint64(10):
        t = t // np.uint64(10)
        n += 1
    if neg:
        n += 1
    return n, neg, mag


@njit(cache=True)
def write_int(hbytes, off, n, neg, mag):
    """Write the n bytes of a decimal text (from int_text) at hbytes[off]."""
    pos = off + n - 1
    while True:
        hbytes[pos] = np.uint8(48 + np.int64(mag % np.uint64(10)))
        mag = mag // np.uint64(10)
        pos -= 1
        if mag == np.uint64(0):
            break
    if neg:
        hbytes[off] = 45   # '-'


@njit(cache=True)
def int_to_string(hobj, hbytes, state, v, unsigned):
    """New string holding the decimal text of v; the caller checked room (20 bytes)."""
    n, neg, mag = int_text(v, unsigned)
    off = state[P.S_NBYTES]
    write_int(hbytes, off, n, neg, mag)
    state[P.S_NBYTES] = off + n
    state[P.S_ALLOC] += n + P.OBJ_COST
    return new_string_object(hobj, state, off, n, -1)


@njit(cache=True)
def append_int(hobj, hbytes, hslots, state, x, v, unsigned):
    """STR_APPINT: append the decimal text of v to the chain's own string x (a
    valid string handle).  Returns ROOM_OK, or what heap_room says to stop
    with (nothing changed yet).  A helper, not written out in the loop: the
    digit loop there slowed down unrelated opcodes (register allocation of
    the whole loop)."""
    n, neg, mag = int_text(v, unsigned)
    lx = hobj[x, P.H_LEN]
    end = hobj[x, P.H_OFF] + lx
    r = hobj[x, P.H_AUX]
    if r >= 0 and hobj[r, P.H_LEN] == end and end + n <= hobj[r, P.H_AUX]:
        hobj[r, P.H_LEN] = end + n
        hobj[x, P.H_LEN] = lx + n
    else:
        plan, room = append_plan(hobj, state, x, n)
        rc = heap_room(hobj, hbytes, hslots, state, room, 0)
        if rc != ROOM_OK:
            return rc
        end = str_extend(hobj, hbytes, state, x, n, plan, room)
    write_int(hbytes, end, n, neg, mag)
    return ROOM_OK


# ------------------------------------------------------------------ output
@njit(cache=True)
def out_bytes(out_rec, out_blob, state, kind, hobj, hbytes, h):
    """Append a record whose payload is the bytes of string h.  False = no room."""
    n = state[P.S_NOUT]
    ln = hobj[h, P.H_LEN]
    b = state[P.S_NBLOB]
    if n >= out_rec.shape[0] or b + ln > out_blob.shape[0]:
        state[P.S_NEED] = ln
        return False
    o = hobj[h, P.H_OFF]
    copy_between(out_blob, b, hbytes, o, ln)
    out_rec[n, 0] = kind
    out_rec[n, 1] = b
    out_rec[n, 2] = ln
    state[P.S_NBLOB] = b + ln
    state[P.S_NOUT] = n + 1
    return True


# ------------------------------------------------------------------ the loop
@njit(cache=True)
def run(code, kint, kflt, funcs, regkinds, types, regs, fregs, frames, handlers, state, ginit,
        hobj, hbytes, hslots, gcstack, out_rec, out_blob):
    """The VM entry point (arguments: orus/jit/abi.py); no profiling."""
    return run_with(code, kint, kflt, funcs, regkinds, types, regs, fregs, frames, handlers,
                    state, ginit, hobj, hbytes, hslots, gcstack, out_rec, out_blob, None)


@njit(cache=True)
def run_with(code, kint, kflt, funcs, regkinds, types, regs, fregs, frames, handlers, state, ginit,
             hobj, hbytes, hslots, gcstack, out_rec, out_blob, prof):
    """`run`, optionally counting executed instructions per pc into `prof`.
    Numba compiles a separate specialisation for prof=None in which the
    counting branch is pruned, so a normal run pays nothing for it.

    Dispatch until a status for the host.  A collection and a runtime error
    inside an active try block are dealt with here, without returning to the
    host: the collector sweeps and compacts, or the frames unwind to the
    handler and dispatch resumes in its catch code.  The host resumes a
    host-raised error with S_RAISE set."""
    if state[P.S_VERIFIED] != 1:
        status = verify_code(code, kint, kflt, funcs, regkinds, types, state, gcstack)
        if status != P.DONE or state[P.S_VERIFIED] == P.VERIFY_ONLY:
            return status
        state[P.S_VERIFIED] = 1
    if state[P.S_RAISE] != 0:
        state[P.S_RAISE] = 0
        status = P.ERROR
    else:
        status = dispatch(code, kint, kflt, funcs, regkinds, types, regs, fregs, frames, handlers,
                          state, ginit, hobj, hbytes, hslots, gcstack, out_rec, out_blob, prof)
    while True:
        if status == P.GC:                      # marked: sweep, compact, resume
            collect(hobj, hbytes, hslots, state, gcstack)
        elif status == P.ERROR and state[P.S_NHANDLERS] > 0:
            if not catch_error(hobj, hslots, regs, handlers, state):
                return P.GROW_HEAP
        else:
            return status
        status = dispatch(code, kint, kflt, funcs, regkinds, types, regs, fregs, frames, handlers,
                          state, ginit, hobj, hbytes, hslots, gcstack, out_rec, out_blob, prof)


@njit(cache=True)
def catch_error(hobj, hslots, regs, handlers, state):
    """Unwind to the innermost handler: restore its frame, store the error
    object (a record [code, message string]) in its register and continue at
    its catch code.  False if the heap has no room for the error object (the
    host grows it and the failing instruction runs again).  "out of memory"
    has a permanent error object (S_OOMREC), so catching it allocates nothing."""
    code = state[P.S_ERR]
    oom = code == E.OUT_OF_MEMORY and state[P.S_OOMREC] > 0
    if not oom and not ((state[P.S_FREE] >= 0 or state[P.S_NOBJ] < hobj.shape[0])
                        and state[P.S_NSLOTS] + 2 <= hslots.shape[0]):
        state[P.S_NEED] = 1
        state[P.S_NEED2] = 0
        state[P.S_NEED3] = 2
        return False
    host = E.HOST_ERROR <= code <= E.HOST_ARGUMENT and code != E.TOO_MANY_HANDLERS
    msg = state[P.S_ERRARG] if host else state[P.S_ERRMSG0] + code
    t = state[P.S_NHANDLERS] - 1
    state[P.S_NHANDLERS] = t
    state[P.S_PC] = handlers[t, P.T_CATCH_PC]
    state[P.S_DEPTH] = handlers[t, P.T_DEPTH]
    base = handlers[t, P.T_BASE]
    state[P.S_BASE] = base
    state[P.S_FN] = handlers[t, P.T_FN]
    if oom:
        regs[base + handlers[t, P.T_REG]] = state[P.S_OOMREC]
        return True
    soff = state[P.S_NSLOTS]
    hslots[soff] = code
    hslots[soff + 1] = msg
    state[P.S_NSLOTS] = soff + 2
    state[P.S_ALLOC] += 16 + P.OBJ_COST
    h = new_object(hobj, state, P.HK_REC, soff, 2)
    hobj[h, P.H_AUX] = 2                       # field 1 (the message) is a handle
    regs[base + handlers[t, P.T_REG]] = h
    return True


@njit(cache=True)
def dispatch(code, kint, kflt, funcs, regkinds, types, regs, fregs, frames, handlers, state, ginit,
             hobj, hbytes, hslots, gcstack, out_rec, out_blob, prof):
    pc = state[P.S_PC]
    base = state[P.S_BASE]
    fn = state[P.S_FN]
    depth = state[P.S_DEPTH]
    budget = state[P.S_BUDGET]
    nregs_total = regs.shape[0]
    err = -1                    # a runtime error code: leave the loop with ERROR
    errarg = -1
    no_room = ROOM_OK           # why an allocation could not proceed: leave for GC / growth
    status = P.DONE

    while True:
        if prof is not None:
            prof[pc] += 1
        upc = np.uint64(pc)     # unsigned indexes: no negative-index wraparound code
        o = code[upc, 0]
        a = code[upc, 1]
        b = code[upc, 2]
        c = code[upc, 3]
        ia = np.uint64(base + a)
        ib = np.uint64(base + b)
        ic = np.uint64(base + c)

        # ---- most frequent first ---------------------------------------
        if o == op.MOVE:
            regs[ia] = regs[ib]
        elif o == op.LOADI:
            regs[ia] = b
        elif o == op.ADD_I32:
            r = regs[ib] + regs[ic]
            if r < I32_MIN or r > I32_MAX:     # the i32 overflow check (kept inline: see ARCHITECTURE)
                err = E.OVERFLOW
                break
            regs[ia] = r
        elif o == op.SUB_I32:
            r = regs[ib] - regs[ic]
            if r < I32_MIN or r > I32_MAX:     # the i32 overflow check (kept inline: see ARCHITECTURE)
                err = E.OVERFLOW
                break
            regs[ia] = r
        elif o == op.MUL_I32:
            r = regs[ib] * regs[ic]
            if r < I32_MIN or r > I32_MAX:     # the i32 overflow check (kept inline: see ARCHITECTURE)
                err = E.OVERFLOW
                break
            regs[ia] = r
        elif o == op.LT_I:
            regs[ia] = 1 if regs[ib] < regs[ic] else 0
        elif o == op.LE_I:
            regs[ia] = 1 if regs[ib] <= regs[ic] else 0
        elif o == op.EQ_I:
            regs[ia] = 1 if regs[ib] == regs[ic] else 0
        elif o == op.NE_I:
            regs[ia] = 1 if regs[ib] != regs[ic] else 0
        elif o == op.JMPF:
            if regs[ia] == 0:
                if b <= pc:
                    budget -= 1
                    if budget <= 0:
                        pc = b
                        status = P.YIELD
                        break
                pc = b
                continue
        elif o == op.JMPT:
            if regs[ia] != 0:
                if b <= pc:
                    budget -= 1
                    if budget <= 0:
                        pc = b
                        status = P.YIELD
                        break
                pc = b
                continue
        elif o == op.JMP:
            if a <= pc:
                budget -= 1
                if budget <= 0:
                    pc = a
                    status = P.YIELD
                    break
            pc = a
            continue
        elif o == op.JNLT_I:
            if not (regs[ia] < regs[ib]):
                pc = c
                continue
        elif o == op.JNLE_I:
            if not (regs[ia] <= regs[ib]):
                pc = c
                continue
        elif o == op.JNEQ_I:
            if regs[ia] != regs[ib]:
                pc = c
                continue
        elif o == op.JNNE_I:
            if regs[ia] == regs[ib]:
                pc = c
                continue
        elif o == op.JNLTI_I:
            if not (regs[ia] < b):
                pc = c
                continue
        elif o == op.JNLEI_I:
            if not (regs[ia] <= b):
                pc = c
                continue
        elif o == op.JNGTI_I:
            if not (regs[ia] > b):
                pc = c
                continue
        elif o == op.JNGEI_I:
            if not (regs[ia] >= b):
                pc = c
                continue
        elif o == op.JNEQI_I:
            if regs[ia] != b:
                pc = c
                continue
        elif o == op.JNNEI_I:
            if regs[ia] == b:
                pc = c
                continue
        elif o == op.JNLT_F:
            if not (fregs[ia] < fregs[ib]):
                pc = c
                continue
        elif o == op.JNLE_F:
            if not (fregs[ia] <= fregs[ib]):
                pc = c
                continue
        elif o == op.ADDI_I32:
            r = regs[ib] + c
            if r < I32_MIN or r > I32_MAX:     # the i32 overflow check (kept inline: see ARCHITECTURE)
                err = E.OVERFLOW
                break
            regs[ia] = r
        elif o == op.SUBI_I32:
            r = regs[ib] - c
            if r < I32_MIN or r > I32_MAX:     # the i32 overflow check (kept inline: see ARCHITECTURE)
                err = E.OVERFLOW
                break
            regs[ia] = r
        elif o == op.ADDI_I64:
            x = regs[ib]
            if (c > 0 and x > I64_MAX - c) or (c < 0 and x < I64_MIN - c):
                err = E.OVERFLOW
                break
            regs[ia] = x + c
        elif o == op.SUBI_I64:
            x = regs[ib]
            if (c < 0 and x > I64_MAX + c) or (c > 0 and x < I64_MIN + c):
                err = E.OVERFLOW
                break
            regs[ia] = x - c
        elif o == op.FORLOOP:
            icnt = np.uint64(base + a + 3)      # the loop's registers: A, A+2 step, A+3 trips left
            cnt = regs[icnt] - 1
            regs[icnt] = cnt
            if cnt != 0:
                regs[ia] += regs[np.uint64(base + a + 2)]
                budget -= 1
                if budget <= 0:
                    pc = b
                    status = P.YIELD
                    break
                pc = b
                continue
        elif o == op.ARR_GET:
            # Fast path: rows beyond the live ones are zero (HK_FREE), so the
            # table's size bounds the handle; the error cases are sorted out cold.
            h = regs[ib]
            i = regs[ic]
            if 0 <= h < hobj.shape[0] and 0 <= i < hobj[h, P.H_LEN]:
                k = hobj[h, P.H_KIND]
                if k == P.HK_ARR or k == P.HK_ARR_H:
                    regs[ia] = hslots[hobj[h, P.H_OFF] + i]
                    pc += 1
                    continue
                if k == P.HK_ARR_B:
                    regs[ia] = hbytes[hobj[h, P.H_OFF] + i]
                    pc += 1
                    continue
            err = _index_error(hobj, state, h, i)
            break
        elif o == op.ARR_SET:
            h = regs[ia]
            i = regs[ib]
            if 0 <= h < hobj.shape[0] and 0 <= i < hobj[h, P.H_LEN]:
                k = hobj[h, P.H_KIND]
                v = regs[ic]
                if k == P.HK_ARR or k == P.HK_ARR_H:
                    hslots[hobj[h, P.H_OFF] + i] = v
                    pc += 1
                    continue
                if k == P.HK_ARR_B:
                    hbytes[hobj[h, P.H_OFF] + i] = np.uint8(v)
                    pc += 1
                    continue
            err = _index_error(hobj, state, h, i)
            break
        elif o == op.ARR_SETI:
            # ARR_SET with an immediate value: the same body (see CALL)
            h = regs[ia]
            i = regs[ib]
            if 0 <= h < hobj.shape[0] and 0 <= i < hobj[h, P.H_LEN]:
                k = hobj[h, P.H_KIND]
                v = c
                if k == P.HK_ARR or k == P.HK_ARR_H:
                    hslots[hobj[h, P.H_OFF] + i] = v
                    pc += 1
                    continue
                if k == P.HK_ARR_B:
                    hbytes[hobj[h, P.H_OFF] + i] = np.uint8(v)
                    pc += 1
                    continue
            err = _index_error(hobj, state, h, i)
            break
        elif o == op.STR_BYTE:
            # ord(s[i]): fast path written out (rows past the live ones are
            # zero, HK_FREE, so the table's size bounds the handle)
            h = regs[base + b]
            i = regs[base + c]
            if 0 <= h < hobj.shape[0] and hobj[h, P.H_KIND] == P.HK_STR \
                    and 0 <= i < hobj[h, P.H_LEN]:
                regs[base + a] = hbytes[hobj[h, P.H_OFF] + i]
                pc += 1
                continue
            if not _handle_ok(hobj, state, h, P.HK_STR):
                err = E.BAD_VALUE
            elif i < 0:
                err = E.STR_INDEX_NEGATIVE
            else:
                err = E.STR_INDEX_RANGE
            break
        elif o == op.GETG:
            regs[ia] = regs[np.uint64(b)]     # global B (main's frame has base 0)
        elif o == op.LOADK:
            regs[ia] = kint[b]
        elif o == op.LOADF:
            fregs[ia] = kflt[b]
        elif o == op.ADD_F64:
            fregs[ia] = fregs[ib] + fregs[ic]
        elif o == op.ADDK_F64:
            fregs[ia] = fregs[ib] + kflt[c]
        elif o == op.SUBK_F64:
            fregs[ia] = fregs[ib] - kflt[c]
        elif o == op.MULK_F64:
            fregs[ia] = fregs[ib] * kflt[c]
        elif o == op.DIVK_F64:
            fregs[ia] = fregs[ib] / kflt[c]
        elif o == op.I2F:
            fregs[ia] = np.float64(regs[ib])
        elif o == op.SUB_F64:
            fregs[ia] = fregs[ib] - fregs[ic]
        elif o == op.MUL_F64:
            fregs[ia] = fregs[ib] * fregs[ic]
        elif o == op.DIV_F64:
            y = fregs[ic]
            if y == 0.0:
                err = E.DIV_ZERO
                break
            fregs[ia] = fregs[ib] / y
        elif o == op.LT_F:
            regs[ia] = 1 if fregs[ib] < fregs[ic] else 0
        elif o == op.LE_F:
            regs[ia] = 1 if fregs[ib] <= fregs[ic] else 0
        elif o == op.EQ_F:
            regs[ia] = 1 if fregs[ib] == fregs[ic] else 0
        elif o == op.NE_F:
            regs[ia] = 1 if fregs[ib] != fregs[ic] else 0
        elif o == op.ADD_I64:
            x = regs[ib]
            y = regs[ic]
            if (y > 0 and x > I64_MAX - y) or (y < 0 and x < I64_MIN - y):
                err = E.OVERFLOW
                break
            regs[ia] = x + y
        elif o == op.SUB_I64:
            x = regs[ib]
            y = regs[ic]
            if (y < 0 and x > I64_MAX + y) or (y > 0 and x < I64_MIN + y):
                err = E.OVERFLOW
                break
            regs[ia] = x - y
        elif o == op.MUL_I64:
            x = regs[ib]
            y = regs[ic]
            if _mul_i64_overflows(x, y):
                err = E.OVERFLOW
                break
            regs[ia] = x * y
        elif o == op.DIV_I32:
            x = regs[ib]
            y = regs[ic]
            if y == 0 or (y == -1 and x == I32_MIN):
                err = E.DIV_ZERO if y == 0 else E.OVERFLOW
                break
            regs[ia] = _div_trunc(x, y)
        elif o == op.MOD_I32:
            x = regs[ib]
            y = regs[ic]
            if y == 0 or (y == -1 and x == I32_MIN):
                err = E.DIV_ZERO if y == 0 else E.OVERFLOW
                break
            regs[ia] = x - _div_trunc(x, y) * y
        elif o == op.DIV_I64:
            x = regs[ib]
            y = regs[ic]
            if y == 0 or (y == -1 and x == I64_MIN):
                err = E.DIV_ZERO if y == 0 else E.OVERFLOW
                break
            regs[ia] = _div_trunc(x, y)
        elif o == op.MOD_I64:
            x = regs[ib]
            y = regs[ic]
            if y == 0 or (y == -1 and x == I64_MIN):
                err = E.DIV_ZERO if y == 0 else E.OVERFLOW
                break
            regs[ia] = x - _div_trunc(x, y) * y
        elif o == op.CALL:
            # CALL A B: function B, arguments from R[A+1].  One frame push.
            # (CALLV repeats this body: a branch testing `o == CALL or o ==
            # CALLV` would end the jump table; tests/test_dispatch_shape.py)
            f = b
            nb = base + a
            if depth >= frames.shape[0]:
                if depth >= P.MAX_DEPTH:
                    err = E.STACK_OVERFLOW
                else:
                    status = P.GROW_STACK          # the host enlarges `frames`
                break
            need = nb + funcs[f, FN_NREGS]
            if need > nregs_total:
                state[P.S_NEED] = need
                status = P.GROW_REGS
                break
            budget -= 1
            frames[depth, P.F_RET_PC] = pc + 1
            frames[depth, P.F_BASE] = base
            frames[depth, P.F_FN] = fn
            depth += 1
            base = nb
            fn = f
            pc = funcs[f, FN_ENTRY]
            if budget <= 0:
                status = P.YIELD
                break
            continue
        elif o == op.CALLV:
            # CALLV A B: the function value in R[B]; its captured values are
            # copied after the arguments.  Then as CALL.
            h = regs[ib]
            if not _handle_ok(hobj, state, h, P.HK_FN):
                err = E.NOT_A_FUNCTION
                break
            f = hslots[hobj[h, P.H_OFF]]
            nb = base + a
            if depth >= frames.shape[0]:
                if depth >= P.MAX_DEPTH:
                    err = E.STACK_OVERFLOW
                else:
                    status = P.GROW_STACK          # the host enlarges `frames`
                break
            need = nb + funcs[f, FN_NREGS]
            if need > nregs_total:
                state[P.S_NEED] = need
                status = P.GROW_REGS
                break
            soff = hobj[h, P.H_OFF]
            arity = funcs[f, FN_ARITY]
            for i in range(hobj[h, P.H_LEN] - 1):
                regs[nb + arity + i] = hslots[soff + 1 + i]
            budget -= 1
            frames[depth, P.F_RET_PC] = pc + 1
            frames[depth, P.F_BASE] = base
            frames[depth, P.F_FN] = fn
            depth += 1
            base = nb
            fn = f
            pc = funcs[f, FN_ENTRY]
            if budget <= 0:
                status = P.YIELD
                break
            continue
        elif o == op.RET:
            if depth == 0:
                break                       # main returned: program done
            regs[base] = regs[ia]
            depth -= 1                      # one frame pop
            pc = frames[depth, P.F_RET_PC]
            base = frames[depth, P.F_BASE]
            fn = frames[depth, P.F_FN]
            continue
        elif o == op.RET0:
            if depth == 0:
                break
            depth -= 1
            pc = frames[depth, P.F_RET_PC]
            base = frames[depth, P.F_BASE]
            fn = frames[depth, P.F_FN]
            continue
        elif o == op.FORPREP:
            step = regs[base + a + 2]
            if step == 0:
                err = E.STEP_ZERO
                break
            cnt = trip_count(regs[ia], regs[base + a + 1], step, c)
            regs[base + a + 3] = cnt
            if cnt == 0:
                pc = b
                continue
        elif o == op.NOT:
            regs[ia] = 1 - regs[ib]
        elif o == op.GETG_CHK:
            if ginit[b] == 0:
                err = E.UNINIT_GLOBAL
                errarg = c
                break
            regs[ia] = regs[np.uint64(b)]     # global B (main's frame has base 0)
        elif o == op.SETG:
            regs[np.uint64(a)] = regs[ib]
            ginit[a] = 1
        elif o == op.OUT:
            if b == op.OUT_STR or b == op.OUT_FN:
                h = regs[ia]
                if b == op.OUT_FN:
                    if not _handle_ok(hobj, state, h, P.HK_FN):
                        err = E.BAD_VALUE
                        break
                    h = funcs[hslots[hobj[h, P.H_OFF]], 5]    # the name's string id
                if not _handle_ok(hobj, state, h, P.HK_STR):
                    err = E.BAD_VALUE
                    break
                if not out_bytes(out_rec, out_blob, state, b, hobj, hbytes, h):
                    status = P.FLUSH
                    break
            else:
                n = state[P.S_NOUT]
                if n >= out_rec.shape[0]:
                    state[P.S_NEED] = 0
                    status = P.FLUSH
                    break
                out_rec[n, 0] = b
                out_rec[n, 1] = regs[ia]
                out_rec[n, 2] = 0
                state[P.S_NOUT] = n + 1
        elif o == op.OUTEND:
            n = state[P.S_NOUT]
            if n >= out_rec.shape[0]:
                state[P.S_NEED] = 0
                status = P.FLUSH
                break
            out_rec[n, 0] = P.OUTEND_REC
            out_rec[n, 1] = a
            out_rec[n, 2] = b
            state[P.S_NOUT] = n + 1
        elif o == op.ADD_U32:
            regs[ia] = (regs[ib] + regs[ic]) & U32_MASK
        elif o == op.SUB_U32:
            regs[ia] = (regs[ib] - regs[ic]) & U32_MASK
        elif o == op.MUL_U32:
            regs[ia] = np.int64(np.uint64(regs[ib]) * np.uint64(regs[ic])) & U32_MASK
        elif o == op.ADD_U64:
            regs[ia] = regs[ib] + regs[ic]      # wraps mod 2^64
        elif o == op.SUB_U64:
            regs[ia] = regs[ib] - regs[ic]
        elif o == op.MUL_U64:
            regs[ia] = np.int64(np.uint64(regs[ib]) * np.uint64(regs[ic]))
        elif o == op.MOD_F64:
            y = fregs[ic]
            if y == 0.0:
                err = E.DIV_ZERO
                break
            fregs[ia] = np.fmod(fregs[ib], y)
        elif o == op.NEG_I32:
            x = regs[ib]
            if x == I32_MIN:
                err = E.OVERFLOW
                break
            regs[ia] = -x
        elif o == op.NEG_I64:
            x = regs[ib]
            if x == I64_MIN:
                err = E.OVERFLOW
                break
            regs[ia] = -x
        elif o == op.NEG_F64:
            fregs[ia] = -fregs[ib]
        elif o == op.LT_U64:
            regs[ia] = 1 if np.uint64(regs[ib]) < np.uint64(regs[ic]) else 0
        elif o == op.LE_U64:
            regs[ia] = 1 if np.uint64(regs[ib]) <= np.uint64(regs[ic]) else 0
        elif o == op.CMP_TEST:
            regs[ia] = cmp_test(regs[ib], c)
        elif o == op.CAST:
            do_cast(c, regs, fregs, base + a, base + b)
        elif o == op.LOADS:
            regs[ia] = b                 # string constant b is heap object b
        elif o == op.LOADFN:
            regs[ia] = state[P.S_NSTR] + b
        elif o == op.CONCAT:
            x = regs[ib]
            y = regs[ic]
            if not (_handle_ok(hobj, state, x, P.HK_STR) and _handle_ok(hobj, state, y, P.HK_STR)):
                err = E.BAD_VALUE
                break
            plan, room = concat_plan(hobj, state, x, y)
            rc = heap_room(hobj, hbytes, hslots, state, room, 0)
            if rc == ROOM_OK and state[P.S_NOBJ] + 2 > hobj.shape[0]:
                rc = ROOM_GROW                 # a new region needs a second row
                state[P.S_NEED] = 2
            if rc != ROOM_OK:
                no_room = rc
                break
            regs[ia] = concat(hobj, hbytes, state, x, y, plan, room)
        elif o == op.STR_APPEND:
            # Fast path, written out here (a helper taking the arrays costs
            # reference counting on every call): x ends where its region's
            # used bytes end and the region has room.  Rows past the live
            # ones are zero (HK_FREE), so the table's size bounds a handle.
            x = regs[ia]
            y = regs[ib]
            if (0 <= x < hobj.shape[0] and 0 <= y < hobj.shape[0]
                    and hobj[x, P.H_KIND] == P.HK_STR and hobj[y, P.H_KIND] == P.HK_STR):
                lx = hobj[x, P.H_LEN]
                ly = hobj[y, P.H_LEN]
                end = hobj[x, P.H_OFF] + lx
                r = hobj[x, P.H_AUX]
                if r >= 0 and hobj[r, P.H_LEN] == end and end + ly <= hobj[r, P.H_AUX]:
                    oy = hobj[y, P.H_OFF]
                    for j in range(ly):
                        hbytes[end + j] = hbytes[oy + j]
                    hobj[r, P.H_LEN] = end + ly
                    hobj[x, P.H_LEN] = lx + ly
                    pc += 1
                    continue
            if not (_handle_ok(hobj, state, x, P.HK_STR) and _handle_ok(hobj, state, y, P.HK_STR)):
                err = E.BAD_VALUE
                break
            ly = hobj[y, P.H_LEN]
            plan, room = append_plan(hobj, state, x, ly)
            if plan != CAT_IN_REGION:
                rc = heap_room(hobj, hbytes, hslots, state, room, 0)
                if rc != ROOM_OK:
                    no_room = rc
                    break
            oy = hobj[y, P.H_OFF]
            copy_within(hbytes, str_extend(hobj, hbytes, state, x, ly, plan, room), oy, ly)
        elif o == op.STR_APPINT:
            x = regs[ia]
            if not (0 <= x < hobj.shape[0] and hobj[x, P.H_KIND] == P.HK_STR):
                err = E.BAD_VALUE
                break
            rc = append_int(hobj, hbytes, hslots, state, x, regs[ib],
                            c == op.OUT_U32 or c == op.OUT_U64)
            if rc != ROOM_OK:
                no_room = rc
                break
        elif o == op.STR_BUILD:
            x = regs[ib]
            if not (0 <= x < hobj.shape[0] and hobj[x, P.H_KIND] == P.HK_STR):
                err = E.BAD_VALUE
                break
            # a row (heap_room with no bytes or slots, and new_object, written out)
            if state[P.S_ALLOC] <= state[P.S_GC_LIMIT] and state[P.S_FREE] >= 0:
                h = state[P.S_FREE]
                state[P.S_FREE] = hobj[h, P.H_OFF]
            elif state[P.S_ALLOC] <= state[P.S_GC_LIMIT] and state[P.S_NOBJ] < hobj.shape[0]:
                h = state[P.S_NOBJ]
                state[P.S_NOBJ] = h + 1
            else:
                no_room = heap_room(hobj, hbytes, hslots, state, 0, 0)
                break
            state[P.S_ALLOC] += P.OBJ_COST
            hobj[h, P.H_KIND] = P.HK_STR
            hobj[h, P.H_OFF] = hobj[x, P.H_OFF]
            hobj[h, P.H_LEN] = hobj[x, P.H_LEN]
            hobj[h, P.H_AUX] = hobj[x, P.H_AUX]
            hobj[h, P.H_MARK] = 0
            regs[ia] = h
        elif o == op.TOSTR:
            if c == op.OUT_STR:
                regs[ia] = regs[ib]
            elif c == op.OUT_F64 or c == op.OUT_BOOL or c == op.OUT_FN:
                status = P.HOST                # formatted by the host (orus.host.fmt)
                break
            else:
                rc = heap_room(hobj, hbytes, hslots, state, 20, 0)
                if rc != ROOM_OK:
                    no_room = rc
                    break
                regs[ia] = int_to_string(hobj, hbytes, state, regs[ib],
                                               c == op.OUT_U32 or c == op.OUT_U64)
        elif o == op.CLOSURE:
            rc = heap_room(hobj, hbytes, hslots, state, 0, c + 1)
            if rc != ROOM_OK:
                no_room = rc
                break
            soff = state[P.S_NSLOTS]
            hslots[soff] = b
            for i in range(c):
                hslots[soff + 1 + i] = regs[base + a + 1 + i]
            state[P.S_NSLOTS] = soff + c + 1
            state[P.S_ALLOC] += 8 * (c + 1) + P.OBJ_COST
            regs[ia] = new_object(hobj, state, P.HK_FN, soff, c + 1)
        elif o == op.ARR_LEN:
            h = regs[ib]
            if not _is_array(hobj, state, h):
                err = E.BAD_VALUE
                break
            regs[ia] = hobj[h, P.H_LEN]
        elif o == op.ARR_PUSH:
            h = regs[ia]
            # Fast path (no helper call): a slot array with room.  Rows beyond
            # the live ones are zero (HK_FREE), so the table's size bounds h.
            if 0 <= h < hobj.shape[0]:
                k = hobj[h, P.H_KIND]
                n = hobj[h, P.H_LEN]
                if (k == P.HK_ARR or k == P.HK_ARR_H) and n < hobj[h, P.H_AUX]:
                    hslots[hobj[h, P.H_OFF] + n] = regs[ib]
                    hobj[h, P.H_LEN] = n + 1
                    pc += 1
                    continue
            if not _is_array(hobj, state, h):
                err = E.BAD_VALUE
                break
            n = hobj[h, P.H_LEN]
            is_bytes = hobj[h, P.H_KIND] == P.HK_ARR_B
            if is_bytes:
                more = reserve(hobj, hbytes, state, P.S_NBYTES, h, n + 1, 16, 1)
            else:
                more = reserve(hobj, hslots, state, P.S_NSLOTS, h, n + 1, 4, 8)
            if more > 0:
                rc = heap_room(hobj, hbytes, hslots, state, more if is_bytes else 0,
                               0 if is_bytes else more)
                no_room = ROOM_GROW if rc == ROOM_OK else rc
                break
            if is_bytes:
                hbytes[hobj[h, P.H_OFF] + n] = np.uint8(regs[ib])
            else:
                hslots[hobj[h, P.H_OFF] + n] = regs[ib]
            hobj[h, P.H_LEN] = n + 1
        elif o == op.ARR_SORT:
            h = regs[ib]
            if not _is_array(hobj, state, h) or c < HC.SORT_I64 or c > HC.SORT_STR:
                err = E.BAD_VALUE
                break
            n = hobj[h, P.H_LEN]
            is_bytes = hobj[h, P.H_KIND] == P.HK_ARR_B
            rc = heap_room(hobj, hbytes, hslots, state, n if is_bytes else 0,
                           0 if is_bytes else 2 * n + RADIX)
            if rc != ROOM_OK:
                no_room = rc
                break
            h = sorted_array(hobj, hbytes, hslots, state, h, c)
            if h < 0:
                err = E.BAD_VALUE
                break
            regs[ia] = h
        elif o == op.ARR_POP:
            h = regs[ib]
            if not _is_array(hobj, state, h):
                err = E.BAD_VALUE
                break
            n = hobj[h, P.H_LEN]
            if n == 0:
                err = E.POP_EMPTY
                break
            if hobj[h, P.H_KIND] == P.HK_ARR_B:
                regs[ia] = hbytes[hobj[h, P.H_OFF] + n - 1]
            else:
                regs[ia] = hslots[hobj[h, P.H_OFF] + n - 1]
            hobj[h, P.H_LEN] = n - 1
        elif o == op.ARR_NEW:
            if c == 2:                          # byte elements (bool), in hbytes
                rc = heap_room(hobj, hbytes, hslots, state, b, 0)
            else:
                rc = heap_room(hobj, hbytes, hslots, state, 0, b)
            if rc != ROOM_OK:
                no_room = rc
                break
            if c == 2:
                soff = state[P.S_NBYTES]
                state[P.S_NBYTES] = soff + b
                state[P.S_ALLOC] += b + P.OBJ_COST
                h = new_object(hobj, state, P.HK_ARR_B, soff, 0)
            else:
                soff = state[P.S_NSLOTS]
                state[P.S_NSLOTS] = soff + b
                state[P.S_ALLOC] += 8 * b + P.OBJ_COST
                h = new_object(hobj, state, P.HK_ARR_H if c != 0 else P.HK_ARR, soff, 0)
            hobj[h, P.H_AUX] = b
            regs[ia] = h
        elif o == op.STR_LEN:
            h = regs[ib]
            if not _handle_ok(hobj, state, h, P.HK_STR):
                err = E.BAD_VALUE
                break
            regs[ia] = hobj[h, P.H_LEN]
        elif o == op.STR_GET:
            h = regs[ib]
            if not _handle_ok(hobj, state, h, P.HK_STR):
                err = E.BAD_VALUE
                break
            i = regs[ic]
            if i < 0:
                err = E.STR_INDEX_NEGATIVE
                break
            if i >= hobj[h, P.H_LEN]:
                err = E.STR_INDEX_RANGE
                break
            regs[ia] = state[P.S_BYTE0] + hbytes[hobj[h, P.H_OFF] + i]
        elif o == op.STR_SLICE:
            h = regs[ib]
            if not _handle_ok(hobj, state, h, P.HK_STR):
                err = E.BAD_VALUE
                break
            first, count = slice_bounds(hobj[h, P.H_LEN], regs[ic], regs[base + c + 1])
            if first < 0:
                err = count
                break
            rc = heap_room(hobj, hbytes, hslots, state, 0, 0)
            if rc != ROOM_OK:
                no_room = rc
                break
            # the substring shares the bytes of the original (strings are immutable)
            state[P.S_ALLOC] += P.OBJ_COST
            regs[ia] = new_string_object(hobj, state, hobj[h, P.H_OFF] + first, count, -1)
        elif o == op.ITER_INT:
            if regs[ia] < 0:
                err = E.ITER_NEGATIVE
                break
        elif o == op.RANGE_NEW:
            if regs[base + b + 2] == 0:
                err = E.RANGE_ARGS
                break
            rc = heap_room(hobj, hbytes, hslots, state, 0, 4)
            if rc != ROOM_OK:
                no_room = rc
                break
            soff = state[P.S_NSLOTS]
            hslots[soff] = regs[ib]
            hslots[soff + 1] = regs[base + b + 1]
            hslots[soff + 2] = regs[base + b + 2]
            hslots[soff + 3] = regs[ib]
            state[P.S_NSLOTS] = soff + 4
            state[P.S_ALLOC] += 32 + P.OBJ_COST
            regs[ia] = new_object(hobj, state, P.HK_RANGE, soff, 4)
        elif o == op.RANGE_NEXT:
            h = regs[ib]
            if not _handle_ok(hobj, state, h, P.HK_RANGE):
                err = E.BAD_VALUE
                break
            soff = hobj[h, P.H_OFF]
            cur = hslots[soff + 3]
            stop = hslots[soff + 1]
            step = hslots[soff + 2]
            if (step > 0 and cur >= stop) or (step < 0 and cur <= stop):
                pc = c
                continue
            regs[ia] = cur
            # advance without overflowing: clamp to stop once past it
            if step > 0:
                hslots[soff + 3] = stop if cur > stop - step else cur + step
            else:
                hslots[soff + 3] = stop if cur < stop - step else cur + step
        elif o == op.REC_GET:
            h = regs[ib]
            if not (_handle_ok(hobj, state, h, P.HK_REC) and 0 <= c < hobj[h, P.H_LEN]):
                err = E.BAD_VALUE
                break
            regs[ia] = hslots[hobj[h, P.H_OFF] + c]
        elif o == op.REC_SET:
            h = regs[ia]
            if not (_handle_ok(hobj, state, h, P.HK_REC) and 0 <= b < hobj[h, P.H_LEN]):
                err = E.BAD_VALUE
                break
            hslots[hobj[h, P.H_OFF] + b] = regs[ic]
        elif o == op.REC_NEW:
            n = types[c, 1]
            rc = heap_room(hobj, hbytes, hslots, state, 0, n)
            if rc != ROOM_OK:
                no_room = rc
                break
            soff = state[P.S_NSLOTS]
            for i in range(n):
                hslots[soff + i] = regs[base + b + i]
            state[P.S_NSLOTS] = soff + n
            state[P.S_ALLOC] += 8 * n + P.OBJ_COST
            h = new_object(hobj, state, P.HK_REC, soff, n)
            hobj[h, P.H_AUX] = types[c, 2]
            regs[ia] = h
        elif o == op.JMPTAB:
            i = regs[ia]
            pc = pc + 1 + (i if 0 <= i < b else b)
            continue
        elif o == op.TRY_BEGIN:
            t = state[P.S_NHANDLERS]
            if t >= handlers.shape[0]:
                if t >= P.MAX_HANDLERS:
                    err = E.TOO_MANY_HANDLERS
                else:
                    status = P.GROW_STACK          # the host enlarges `handlers`
                break
            handlers[t, P.T_CATCH_PC] = b
            handlers[t, P.T_DEPTH] = depth
            handlers[t, P.T_BASE] = base
            handlers[t, P.T_FN] = fn
            handlers[t, P.T_REG] = a
            state[P.S_NHANDLERS] = t + 1
        elif o == op.TRY_END:
            if state[P.S_NHANDLERS] > 0:
                state[P.S_NHANDLERS] -= 1
        elif o == op.BAND:
            regs[ia] = regs[ib] & regs[ic]
        elif o == op.BOR:
            regs[ia] = regs[ib] | regs[ic]
        elif o == op.BXOR:
            regs[ia] = regs[ib] ^ regs[ic]
        elif o == op.STR_ORD:
            h = regs[ib]
            if not _handle_ok(hobj, state, h, P.HK_STR):
                err = E.BAD_VALUE
                break
            if hobj[h, P.H_LEN] == 0:
                err = E.ORD_EMPTY
                break
            regs[ia] = hbytes[hobj[h, P.H_OFF]]
        elif o == op.STR_CHR:
            i = regs[ib]
            if i < 0 or i > 255:
                err = E.CHR_RANGE
                break
            regs[ia] = state[P.S_BYTE0] + i
        elif o == op.ARR_SORT_BY:
            h = regs[ib]
            hk = regs[base + b + 1]
            if not _is_array(hobj, state, h) or not _is_array(hobj, state, hk) \
                    or hobj[hk, P.H_KIND] == P.HK_ARR_B \
                    or c < HC.SORT_I64 or c > HC.SORT_STR:
                err = E.BAD_VALUE
                break
            n = hobj[h, P.H_LEN]
            if hobj[hk, P.H_LEN] != n:
                err = E.SORT_KEY_CHANGED
                break
            is_bytes = hobj[h, P.H_KIND] == P.HK_ARR_B
            rc = heap_room(hobj, hbytes, hslots, state, n if is_bytes else 0, 2 * n)
            if rc != ROOM_OK:
                no_room = rc
                break
            h = sorted_by_keys(hobj, hbytes, hslots, state, h, hk, c)
            if h < 0:
                err = E.BAD_VALUE
                break
            regs[ia] = h
        elif o == op.MATH1:
            fx = fregs[ib]
            if c == op.M_SQRT and fx >= 0.0:    # the common case inline (NaN fails the test)
                fregs[ia] = math.sqrt(fx)
            else:
                fr, merr = math1(c, fx)
                if merr >= 0:
                    err = merr
                    break
                fregs[ia] = fr
        elif o == op.MATH2:
            fr, merr = math2(c, fregs[ib], fregs[base + b + 1])
            if merr >= 0:
                err = merr
                break
            fregs[ia] = fr
        elif o == op.STR1:
            # `use strings` (orus/jit/strlib.py): the argument window at B is
            # verified; the helper checks every handle
            v, serr, rc = str_call(o, c, hobj, hbytes, hslots, state, regs[base + b], 0, 0)
            if serr >= 0:
                err = serr
                break
            if rc != ROOM_OK:
                no_room = rc
                break
            regs[base + a] = v
        elif o == op.STR2:
            # `use strings` (orus/jit/strlib.py): the argument window at B is
            # verified; the helper checks every handle
            v, serr, rc = str_call(o, c, hobj, hbytes, hslots, state, regs[base + b], regs[base + b + 1], 0)
            if serr >= 0:
                err = serr
                break
            if rc != ROOM_OK:
                no_room = rc
                break
            regs[base + a] = v
        elif o == op.STR3:
            # `use strings` (orus/jit/strlib.py): the argument window at B is
            # verified; the helper checks every handle
            v, serr, rc = str_call(o, c, hobj, hbytes, hslots, state, regs[base + b], regs[base + b + 1], regs[base + b + 2])
            if serr >= 0:
                err = serr
                break
            if rc != ROOM_OK:
                no_room = rc
                break
            regs[base + a] = v
        elif o == op.RNG_INTEGERS:
            x = regs[ib]
            y = regs[base + b + 1]
            if x >= y:
                err = E.RNG_BOUNDS
                break
            urng = np.uint64(y) - np.uint64(x) - np.uint64(1)
            if urng == np.uint64(0) or urng >= np.uint64(0xFFFFFFFF):
                regs[ia] = rnglib.integers(state, x, y)
            else:
                # a range of 32 bits (the common case), on scalars
                if state[P.S_RNG_SEEDED] == 0:
                    rnglib.seed_os(state)
                rhi, rlo, h32, u32v, uv = rnglib.lemire32_s(
                    np.uint64(state[P.S_RNG_HI]), np.uint64(state[P.S_RNG_LO]),
                    np.uint64(state[P.S_RNG_INC_HI]), np.uint64(state[P.S_RNG_INC_LO]),
                    state[P.S_RNG_HAS32], np.uint64(state[P.S_RNG_U32]), urng)
                state[P.S_RNG_HI] = np.int64(rhi)
                state[P.S_RNG_LO] = np.int64(rlo)
                state[P.S_RNG_HAS32] = h32
                state[P.S_RNG_U32] = np.int64(u32v)
                regs[ia] = np.int64(np.uint64(x) + uv)
        elif o == op.RNG_NORMAL:
            fy = fregs[base + b + 1]
            if fy < 0.0:
                err = E.RNG_SCALE
                break
            fregs[ia] = fregs[ib] + fy * rnglib.standard_normal(state)
        elif o == op.RNG_SEED:
            rnglib.seed_int(state, regs[ia])
        elif o == op.MIN_I:
            x = regs[ib]
            y = regs[ic]
            regs[ia] = y if y < x else x
        elif o == op.MAX_I:
            x = regs[ib]
            y = regs[ic]
            regs[ia] = y if y > x else x
        elif o == op.MIN_U64:
            x = regs[ib]
            y = regs[ic]
            regs[ia] = y if np.uint64(y) < np.uint64(x) else x
        elif o == op.MAX_U64:
            x = regs[ib]
            y = regs[ic]
            regs[ia] = y if np.uint64(y) > np.uint64(x) else x
        elif o == op.MIN_F64:
            fx = fregs[ib]
            fy = fregs[ic]
            fregs[ia] = fy if fy < fx else fx
        elif o == op.MAX_F64:
            fx = fregs[ib]
            fy = fregs[ic]
            fregs[ia] = fy if fy > fx else fx
        elif o == op.TIMESTAMP:
            status = P.HOST
            break
        elif o == op.ERROR:
            err = a
            errarg = b
            break
        elif o == op.HALT:
            break
        # ---- branches for several opcodes: after every single-opcode branch, since
        # LLVM's jump table ends at the first test that is not `o == op.X`
        # (tests/test_dispatch_shape.py)
        elif o == op.RNG_RANDOM or o == op.RNG_UNIFORM:
            # a Monte Carlo loop draws as often as it adds: a candidate for
            # two single-opcode branches if it shows in profiles
            flo = 0.0
            frng = 1.0
            if o == op.RNG_UNIFORM:
                flo = fregs[ib]
                frng = fregs[base + b + 1] - flo
                if not np.isfinite(frng):
                    err = E.RNG_UNIFORM_RANGE
                    break
                if frng < 0.0:
                    err = E.RNG_UNIFORM_ORDER
                    break
            if state[P.S_RNG_SEEDED] == 0:
                rnglib.seed_os(state)
            rhi, rlo, fx = rnglib.step_double(
                np.uint64(state[P.S_RNG_HI]), np.uint64(state[P.S_RNG_LO]),
                np.uint64(state[P.S_RNG_INC_HI]), np.uint64(state[P.S_RNG_INC_LO]))
            state[P.S_RNG_HI] = np.int64(rhi)
            state[P.S_RNG_LO] = np.int64(rlo)
            fregs[ia] = fx if o == op.RNG_RANDOM else flo + frng * fx
        elif o == op.DIV_U32 or o == op.MOD_U32 or o == op.DIV_U64 or o == op.MOD_U64:
            y = regs[ic]
            if y == 0:
                err = E.DIV_ZERO
                break
            ux = np.uint64(regs[ib])
            uy = np.uint64(y)
            if o == op.DIV_U32 or o == op.DIV_U64:
                regs[ia] = np.int64(ux // uy)
            else:
                regs[ia] = np.int64(ux % uy)
        elif o == op.CMP_IF or o == op.CMP_UF:
            regs[ia] = cmp_int_float(regs[ib], fregs[ic], o == op.CMP_UF)
        elif (o == op.EQ_S or o == op.NE_S or o == op.LT_S or o == op.LE_S):
            x = regs[ib]
            y = regs[ic]
            if not (_handle_ok(hobj, state, x, P.HK_STR) and _handle_ok(hobj, state, y, P.HK_STR)):
                err = E.BAD_VALUE
                break
            if o == op.EQ_S:
                regs[ia] = 1 if str_equal(hobj, hbytes, x, y) else 0
            elif o == op.NE_S:
                regs[ia] = 0 if str_equal(hobj, hbytes, x, y) else 1
            elif o == op.LT_S:
                regs[ia] = 1 if str_compare(hobj, hbytes, x, y) < 0 else 0
            else:
                regs[ia] = 1 if str_compare(hobj, hbytes, x, y) <= 0 else 0
        elif o == op.ARR_SLICE or o == op.ARR_REPEAT:
            h = regs[ib]
            if not _is_array(hobj, state, h):
                err = E.BAD_VALUE
                break
            n = hobj[h, P.H_LEN]
            if o == op.ARR_SLICE:
                first, count = slice_bounds(n, regs[ic], regs[base + c + 1])
                if first < 0:
                    err = count
                    break
            else:
                times = regs[ic]
                if times < 0 or (n > 0 and times > (1 << 31) // n):
                    err = E.REPEAT_COUNT
                    break
                first = 0
                count = n * times
            is_bytes = hobj[h, P.H_KIND] == P.HK_ARR_B
            rc = heap_room(hobj, hbytes, hslots, state, count if is_bytes else 0,
                           0 if is_bytes else count)
            if rc != ROOM_OK:
                no_room = rc
                break
            src = hobj[h, P.H_OFF]
            if is_bytes:
                soff = state[P.S_NBYTES]
                copy_elements(hbytes, soff, src, first, count, n, o == op.ARR_SLICE)
                state[P.S_NBYTES] = soff + count
                state[P.S_ALLOC] += count + P.OBJ_COST
            else:
                soff = state[P.S_NSLOTS]
                copy_elements(hslots, soff, src, first, count, n, o == op.ARR_SLICE)
                state[P.S_NSLOTS] = soff + count
                state[P.S_ALLOC] += 8 * count + P.OBJ_COST
            regs[ia] = new_object(hobj, state, hobj[h, P.H_KIND], soff, count)
        elif o == op.HOSTCALL or o == op.OUTV:
            status = P.HOST
            break
        elif (o == op.BNOT or o == op.BNOT_U32 or o == op.SHL_I32 or o == op.SHL_U32
              or o == op.SHL_64 or o == op.SHR_32 or o == op.SHR_I64 or o == op.SHR_U64):
            # equality tests, not a range test: LLVM builds the jump table from
            # the chain's equality tests and stops at the first other test
            r, ok = bit_op(o, regs[ib], regs[ic])
            if not ok:
                err = E.SHIFT_RANGE
                break
            regs[ia] = r
        elif o == op.RNG_SHUFFLE or o == op.RNG_CHOICE:
            h = regs[ia if o == op.RNG_SHUFFLE else ib]
            if not _is_array(hobj, state, h):
                err = E.BAD_VALUE
                break
            n = hobj[h, P.H_LEN]
            is_bytes = hobj[h, P.H_KIND] == P.HK_ARR_B
            if o == op.RNG_SHUFFLE:
                if is_bytes:
                    rnglib.shuffle(state, hbytes, hobj[h, P.H_OFF], n)
                else:
                    rnglib.shuffle(state, hslots, hobj[h, P.H_OFF], n)
            else:
                if n == 0:
                    err = E.RNG_EMPTY
                    break
                # integers(0, n) < n: an index inside the array by construction
                i = rnglib.integers(state, 0, n)
                if is_bytes:
                    regs[ia] = hbytes[hobj[h, P.H_OFF] + i]
                else:
                    regs[ia] = hslots[hobj[h, P.H_OFF] + i]
        elif o == op.ABS_I32 or o == op.ABS_I64:
            x = regs[ib]
            if x == (I32_MIN if o == op.ABS_I32 else I64_MIN):
                err = E.OVERFLOW
                break
            regs[ia] = -x if x < 0 else x
        else:
            err = E.BAD_VALUE           # unreachable after verification
            break
        pc += 1

    if no_room != ROOM_OK:
        # the one "no room" exit: the GC marks now (run_with sweeps, compacts
        # and resumes the instruction) or the host grows the heap
        status = out_of_room(no_room, hobj, hslots, state, regs, frames, funcs, regkinds, gcstack,
                             base, fn, depth)
    if err >= 0:
        status = P.ERROR
        state[P.S_ERR] = err
        state[P.S_ERRARG] = errarg
    if budget <= 0:
        budget = P.YIELD_EVERY
    state[P.S_PC] = pc
    state[P.S_BASE] = base
    state[P.S_FN] = fn
    state[P.S_DEPTH] = depth
    state[P.S_BUDGET] = budget
    return status
