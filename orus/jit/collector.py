"""The garbage collector: mark, sweep and compact, inside the VM.

Allocation sites call ``heap_room``; past the allocation limit (or when the
heap is full and enough was allocated to be worth collecting) they mark with
``gc_mark`` and stop with status GC, and the VM entry (vm.run_with) calls
``collect`` and resumes the instruction -- no trip to the host, no numpy, no
allocation (the native library cannot allocate: the mark stack ``gcstack``,
which the host gives two slots per object row, is also the scratch space
here).

  * mark: every object reachable from the registers of all frames whose
    register kind says they may hold a handle (Program.regkinds), through
    arrays of handles, records (by handle mask), closure captures and a
    string's growable region, gets the current epoch (objects that hold no
    handles are marked without being pushed);
  * sweep, in one pass over the table (the only one: with millions of rows
    it is most of a collection's memory traffic): unmarked rows above the
    permanent ones become free rows, chained through H_OFF in ascending
    order (S_FREE), and the live rows that own bytes or slots are listed in
    gcstack (those with bytes as offset * 2**b + row, read in the same
    pass); trailing free rows shrink the table;
  * compact the byte arena: live strings may share bytes (concatenation
    extends in place, substrings point into their original) and a region
    keeps its whole capacity, so the live rows are sorted by offset (a
    natural merge sort of those integers: rows come in allocation order,
    i.e. sorted or in a few long ascending runs; _sort_packed), their byte
    ranges merged into intervals, and each interval slid down with every
    offset in it;
  * compact the slot arena: each live array / closure / range / record owns
    its region (capacity; a record its length), slid down in offset order.

Handles are row numbers and never move, so registers need no fixing.  The
next collection is due after twice the live size has been allocated again
(four times after a collection that freed less than a quarter; at least
GC_MIN_LIMIT).  A region already in place is not copied.
"""

import numpy as np
from numba import njit

from orus.bytecode import protocol as P


@njit(cache=True, inline="always")
def _mark_push(hobj, nobj, gcstack, sp, h, epoch):
    """Mark h and push it if it may hold handles.  Objects that hold none (a
    string without a growable region, arrays of plain values, ranges,
    regions) are only marked: after a split, that is millions of words
    marked without a trip through the stack.  The table's size comes as a
    value, not read from `state` (LLVM cannot tell the arrays apart, so a
    read of state after every store to hobj would be repeated)."""
    if 0 <= h < nobj:
        k = hobj[h, P.H_KIND]
        if k != P.HK_FREE and hobj[h, P.H_MARK] != epoch:
            hobj[h, P.H_MARK] = epoch
            if ((k == P.HK_STR and hobj[h, P.H_AUX] >= 0) or k == P.HK_ARR_H
                    or k == P.HK_REC or k == P.HK_FN):
                gcstack[sp] = h
                return sp + 1
    return sp


@njit(cache=True)
def _mark_handles(hobj, nobj, gcstack, sp, hslots, off, n, epoch):
    """_mark_push of each handle of hslots[off:off+n] (an array of handles:
    the words of a split), written out in the loop: measured 3x faster on
    1.7 M words than calling _mark_push, even inlined."""
    for i in range(n):
        h = hslots[off + i]
        if 0 <= h < nobj:
            k = hobj[h, P.H_KIND]
            if k != P.HK_FREE and hobj[h, P.H_MARK] != epoch:
                hobj[h, P.H_MARK] = epoch
                if ((k == P.HK_STR and hobj[h, P.H_AUX] >= 0) or k == P.HK_ARR_H
                        or k == P.HK_REC or k == P.HK_FN):
                    gcstack[sp] = h
                    sp += 1
    return sp


@njit(cache=True)
def gc_mark(hobj, hslots, state, regs, frames, funcs, regkinds, gcstack, base, fn, depth):
    """Mark every object reachable from the registers of all frames (globals
    are main's registers).  Each object is pushed at most once, and gcstack
    has a row per object, so the explicit stack cannot overflow."""
    epoch = state[P.S_EPOCH] + 1
    state[P.S_EPOCH] = epoch
    nobj = state[P.S_NOBJ]
    sp = 0
    for d in range(depth + 1):
        if d < depth:
            b = frames[d, 1]
            f = frames[d, 2]
        else:
            b = base
            f = fn
        ko = funcs[f, 6]
        for r in range(funcs[f, 2]):
            if regkinds[ko + r] != 0:
                sp = _mark_push(hobj, nobj, gcstack, sp, regs[b + r], epoch)
    while sp > 0:
        sp -= 1
        h = gcstack[sp]
        k = hobj[h, P.H_KIND]
        off = hobj[h, P.H_OFF]
        if k == P.HK_STR:
            if hobj[h, P.H_AUX] >= 0:           # its growable region
                sp = _mark_push(hobj, nobj, gcstack, sp, hobj[h, P.H_AUX], epoch)
        elif k == P.HK_ARR_H:
            sp = _mark_handles(hobj, nobj, gcstack, sp, hslots, off, hobj[h, P.H_LEN], epoch)
        elif k == P.HK_REC:
            mask = hobj[h, P.H_AUX]
            for i in range(hobj[h, P.H_LEN]):
                if (i < 31 and (mask >> i) & 1) or (i >= 31 and (mask >> 31) & 1):
                    sp = _mark_push(hobj, nobj, gcstack, sp, hslots[off + i], epoch)
        elif k == P.HK_FN:
            f = hslots[off]
            ko = funcs[f, 6] + funcs[f, 3]        # kinds of the captured registers
            for i in range(hobj[h, P.H_LEN] - 1):
                if regkinds[ko + i] != 0:
                    sp = _mark_push(hobj, nobj, gcstack, sp, hslots[off + 1 + i], epoch)


@njit(cache=True, inline="always")
def _before(hobj, a, b):
    """Row a sorts before row b: by offset, then by row (zero-length objects
    share offsets; the tie-break makes the layout deterministic)."""
    oa = hobj[a, P.H_OFF]
    ob = hobj[b, P.H_OFF]
    return oa < ob or (oa == ob and a < b)


@njit(cache=True)
def _sift_down(rows, hobj, root, end):
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and _before(hobj, rows[child], rows[child + 1]):
            child += 1
        if not _before(hobj, rows[root], rows[child]):
            return
        t = rows[root]
        rows[root] = rows[child]
        rows[child] = t
        root = child


@njit(cache=True)
def _heapsort(rows, hobj, m):
    """rows[0:m] in order without scratch (O(m log m) on any input): only when
    the mark stack has no room for a merge buffer (see _sort_by_offset)."""
    for start in range(m // 2 - 1, -1, -1):
        _sift_down(rows, hobj, start, m)
    for end in range(m - 1, 0, -1):
        t = rows[0]
        rows[0] = rows[end]
        rows[end] = t
        _sift_down(rows, hobj, 0, end)


@njit(cache=True)
def _run_end(g, i, end):
    """The end of the ascending run of g[i:end] that starts at i."""
    j = i + 1
    while j < end and g[j - 1] < g[j]:
        j += 1
    return j


@njit(cache=True)
def _merge(g, a, mid, b, to):
    """Merge the ascending runs g[a:mid] and g[mid:b] (both non-empty) into
    g[to:to + b - a], a range disjoint from both."""
    i = a
    j = mid
    k = to
    x = g[i]
    y = g[j]
    while True:
        if y < x:
            g[k] = y
            k += 1
            j += 1
            if j == b:
                break
            y = g[j]
        else:
            g[k] = x
            k += 1
            i += 1
            if i == mid:
                break
            x = g[i]
    for t in range(i, mid):
        g[k] = g[t]
        k += 1
    for t in range(j, b):
        g[k] = g[t]
        k += 1


@njit(cache=True)
def _merge_sort(g, m):
    """Sort the distinct integers g[0:m] using g[m:2m] as the buffer: a
    natural merge sort, which merges neighbouring ascending runs pairwise,
    pass after pass -- O(m log r) for r runs, so nearly linear on the few
    long runs the collector sees, O(m log m) at worst, and every access
    sequential."""
    src = 0
    dst = m
    while True:
        runs = 0
        i = 0
        while i < m:
            mid = _run_end(g, src + i, src + m) - src
            if mid == m:                    # an odd run out: carried over as it is
                for t in range(i, m):
                    g[dst + t] = g[src + t]
                runs += 1
                break
            b = _run_end(g, src + mid, src + m) - src
            _merge(g, src + i, src + mid, src + b, dst + i)
            runs += 1
            i = b
        src, dst = dst, src
        if runs == 1:
            break
    if src != 0:
        for t in range(m):
            g[t] = g[m + t]


@njit(cache=True)
def _row_bits(hobj):
    """Bits that hold any row of the table."""
    b = 1
    while (np.int64(1) << b) < hobj.shape[0]:
        b += 1
    return b


@njit(cache=True, inline="always")
def _packs(off, b):
    """Does offset * 2**b + row fit an int64 (and order like (offset, row))?"""
    return b <= 40 and 0 <= off < (np.int64(1) << (62 - b))


@njit(cache=True)
def _sort_packed(g, hobj, m, room, b, fits):
    """g[0:m] holds offset * 2**b + row for rows listed in row order; leaves
    the rows in g[0:m], sorted by offset, then row (_before); g[m:room] is
    free.

    Rows are handed out in allocation order, and bump allocation hands out
    ascending offsets, so the input is sorted already (one pass of integer
    comparisons) or a few long ascending runs (rows from the table's end
    interleaved with rows reused from the free list: a split's words next
    to the text they share, a newer split that reused an older one's rows).
    The integers order like (offset, row), so the sort compares integers
    instead of reading a random object row per comparison: a natural merge
    sort (_merge_sort) in g[0:2m] -- the host gives the mark stack, which is
    free once marking is done, two slots per object row.  Without that room
    (a heap limit left none), or if some offset did not pack (`fits` false:
    past 2**(62 - b), an arena of petabytes), an in-place heapsort by
    _before."""
    low = (np.int64(1) << b) - 1
    ordered = True
    for i in range(1, m):
        if g[i] < g[i - 1]:
            ordered = False
            break
    if fits and not ordered and 2 * m <= room:
        _merge_sort(g, m)
    for i in range(m):
        g[i] &= low                         # the low bits keep the row, even if off overflowed
    if not fits or (not ordered and 2 * m > room):
        _heapsort(g, hobj, m)


@njit(cache=True)
def _sort_by_offset(g, hobj, m, room):
    """Sort the rows g[0:m] (listed in row order) by offset, then row;
    g[m:room] is free (see _sort_packed)."""
    b = _row_bits(hobj)
    fits = True
    for i in range(m):
        off = hobj[g[i], P.H_OFF]
        fits = fits and _packs(off, b)
        g[i] = (off << b) | g[i]
    _sort_packed(g, hobj, m, room, b, fits)


@njit(cache=True)
def _slide(arena, dst, src, n):
    """arena[dst:dst+n] = arena[src:src+n] for dst <= src (the ranges may
    overlap: a forward copy is safe).  Unsigned indexes: LLVM then turns the
    loop into a memmove, ten times the speed of the signed loop."""
    if dst == src:                      # already in place: a collection that frees
        return                          # nothing moves (and copies) nothing
    du = np.uint64(dst)
    su = np.uint64(src)
    for j in range(n):
        ju = np.uint64(j)
        arena[du + ju] = arena[su + ju]


@njit(cache=True)
def _compact_bytes(hobj, hbytes, g, m, room, b, fits):
    """Pack the byte ranges of the live rows in g[0:m] (offset * 2**b + row,
    in row order: _sweep) to the bottom of the arena; returns the top.
    g[0:room] is scratch."""
    _sort_packed(g, hobj, m, room, b, fits)
    top = 0
    start = 0                           # the current interval [start, end) moves to `to`
    end = 0
    to = 0
    for i in range(m):
        h = g[i]
        k = hobj[h, P.H_KIND]
        off = hobj[h, P.H_OFF]
        if k == P.HK_STR:
            stop = off + hobj[h, P.H_LEN]
        elif k == P.HK_SREGION:
            stop = hobj[h, P.H_AUX]                 # capacity end
        else:
            stop = off + hobj[h, P.H_AUX]           # a byte array's room
        if i == 0 or off >= end:                    # a new interval
            if i > 0:
                _slide(hbytes, to, start, end - start)
                top = to + end - start
            start = off
            end = stop
            to = top
        elif stop > end:
            end = stop
        shift = to - start
        hobj[h, P.H_OFF] = off + shift
        if k == P.HK_SREGION:
            hobj[h, P.H_LEN] += shift               # used end
            hobj[h, P.H_AUX] += shift               # capacity end
    if m > 0:
        _slide(hbytes, to, start, end - start)
        top = to + end - start
    return top


@njit(cache=True)
def _compact_slots(hobj, hslots, g, m, room):
    """Slide the slot regions of the live rows g[0:m] (in row order) down in
    offset order; returns the top.  g[0:room] is scratch."""
    _sort_by_offset(g, hobj, m, room)
    top = 0
    for i in range(m):
        h = g[i]
        # a record's H_AUX is its handle mask; its size is its length
        size = hobj[h, P.H_LEN] if hobj[h, P.H_KIND] == P.HK_REC else hobj[h, P.H_AUX]
        _slide(hslots, top, hobj[h, P.H_OFF], size)
        hobj[h, P.H_OFF] = top
        top += size
    return top


@njit(cache=True)
def _sweep(hobj, state, g, b):
    """One pass over the table (it is the collection's largest memory
    traffic: every row is read once, here only): dead rows become free rows
    chained in ascending order, and the live rows with bytes are listed in
    g from the bottom up, as offset * 2**b + row (_sort_packed; the offset
    is read here, in the row's cache line), those with slots from the top
    down, as rows (together they are at most one per row, and g has at least
    a slot per row).  Returns (rows with bytes, whether all their offsets
    packed, rows with slots, rows in use, free rows); rows past the last
    live one are not chained (the caller clears them)."""
    n = state[P.S_NOBJ]
    nperm = state[P.S_NPERM]            # in locals: read from state in the loop, the
    epoch = state[P.S_EPOCH]            # sweep measured 4x slower (reloads after stores)
    top = g.shape[0]
    mb = 0
    ms = 0
    last_live = 0
    nfree = 0                           # free rows below last_live
    free = -1                           # head of the chain
    tail = -1                           # its last row
    tail_live = -1                      # the chain's last row below last_live
    seen = 0                            # free rows so far
    fits = True
    for h in range(n):
        k = hobj[h, P.H_KIND]
        if h < nperm or (hobj[h, P.H_MARK] == epoch and k != P.HK_FREE):     # live
            if k == P.HK_STR or k == P.HK_SREGION or k == P.HK_ARR_B:
                off = hobj[h, P.H_OFF]
                fits = fits and _packs(off, b)
                g[mb] = (off << b) | h
                mb += 1
            elif k == P.HK_FN or k == P.HK_ARR or k == P.HK_ARR_H or k == P.HK_RANGE or k == P.HK_REC:
                ms += 1
                g[top - ms] = h
            last_live = h + 1
            tail_live = tail
            nfree = seen
        else:
            hobj[h, P.H_KIND] = P.HK_FREE
            if tail >= 0:
                hobj[tail, P.H_OFF] = h
            else:
                free = h
            tail = h
            seen += 1
    if tail_live >= 0:
        hobj[tail_live, P.H_OFF] = -1
    else:
        free = -1
    state[P.S_FREE] = free
    return mb, fits, ms, last_live, nfree


@njit(cache=True)
def collect(hobj, hbytes, hslots, state, gcstack):
    """Sweep and compact after gc_mark (gcstack is free again: scratch)."""
    g = gcstack
    used = state[P.S_NBYTES] + 8 * state[P.S_NSLOTS] + P.OBJ_COST * state[P.S_NOBJ]
    n = state[P.S_NOBJ]
    b = _row_bits(hobj)
    mb, fits, ms, last_live, nfree = _sweep(hobj, state, g, b)
    for h in range(last_live, n):
        for col in range(P.H_COLS):
            hobj[h, col] = 0
    state[P.S_NOBJ] = last_live
    top = g.shape[0]
    state[P.S_NBYTES] = _compact_bytes(hobj, hbytes, g, mb, top - ms, b, fits)
    for i in range(ms):                 # the slot rows, back to row order at the bottom
        g[i] = g[top - 1 - i]
    state[P.S_NSLOTS] = _compact_slots(hobj, hslots, g, ms, top)
    live_size = state[P.S_NBYTES] + 8 * state[P.S_NSLOTS] + P.OBJ_COST * (last_live - nfree)
    state[P.S_ALLOC] = 0
    # The next collection is due after twice the live size has been allocated
    # again; after one that freed less than a quarter of the heap in use,
    # after four times (a growing heap of live data is then collected about
    # once per doubling, not over and over for nothing).
    if 4 * live_size > 3 * used:
        state[P.S_GC_LIMIT] = max(P.GC_MIN_LIMIT, 4 * live_size)
    else:
        state[P.S_GC_LIMIT] = max(P.GC_MIN_LIMIT, 2 * live_size)
    state[P.S_COLLECTIONS] += 1
