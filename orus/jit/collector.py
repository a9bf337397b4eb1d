"""The garbage collector: mark, sweep and compact, inside the VM.

Allocation sites call ``heap_room``; past the allocation limit (or when the
heap is full and enough was allocated to be worth collecting) they mark with
``gc_mark`` and stop with status GC, and the VM entry (vm.run_with) calls
``collect`` and resumes the instruction -- no trip to the host, no numpy, no
allocation (the native library cannot allocate: the mark stack ``gcstack``,
one slot per object row, is also the scratch space here).

  * mark: every object reachable from the registers of all frames whose
    register kind says they may hold a handle (Program.regkinds), through
    arrays of handles, records (by handle mask), closure captures and a
    string's growable region, gets the current epoch;
  * sweep: unmarked rows above the permanent ones become free rows, chained
    through H_OFF in ascending order (S_FREE); trailing free rows shrink the
    table;
  * compact the byte arena: live strings may share bytes (concatenation
    extends in place, substrings point into their original) and a region
    keeps its whole capacity, so the live rows are sorted by offset, their
    byte ranges merged into intervals, and each interval slid down with
    every offset in it;
  * compact the slot arena: each live array / closure / range / record owns
    its region (capacity; a record its length), slid down in offset order.

Handles are row numbers and never move, so registers need no fixing.  The
next collection is due after twice the live size has been allocated again
(four times after a collection that freed less than a quarter; at least
GC_MIN_LIMIT).  A region already in place is not copied.
"""

from numba import njit

from orus.bytecode import protocol as P


@njit(cache=True)
def _mark_push(hobj, state, gcstack, sp, h, epoch):
    if 0 <= h < state[P.S_NOBJ] and hobj[h, P.H_KIND] != P.HK_FREE and hobj[h, P.H_MARK] != epoch:
        hobj[h, P.H_MARK] = epoch
        gcstack[sp] = h
        return sp + 1
    return sp


@njit(cache=True)
def gc_mark(hobj, hslots, state, regs, frames, funcs, regkinds, gcstack, base, fn, depth):
    """Mark every object reachable from the registers of all frames (globals
    are main's registers).  Each object is pushed at most once, and gcstack
    has a row per object, so the explicit stack cannot overflow."""
    epoch = state[P.S_EPOCH] + 1
    state[P.S_EPOCH] = epoch
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
                sp = _mark_push(hobj, state, gcstack, sp, regs[b + r], epoch)
    while sp > 0:
        sp -= 1
        h = gcstack[sp]
        k = hobj[h, P.H_KIND]
        off = hobj[h, P.H_OFF]
        if k == P.HK_STR:
            if hobj[h, P.H_AUX] >= 0:           # its growable region
                sp = _mark_push(hobj, state, gcstack, sp, hobj[h, P.H_AUX], epoch)
        elif k == P.HK_ARR_H:
            for i in range(hobj[h, P.H_LEN]):
                sp = _mark_push(hobj, state, gcstack, sp, hslots[off + i], epoch)
        elif k == P.HK_REC:
            mask = hobj[h, P.H_AUX]
            for i in range(hobj[h, P.H_LEN]):
                if (i < 31 and (mask >> i) & 1) or (i >= 31 and (mask >> 31) & 1):
                    sp = _mark_push(hobj, state, gcstack, sp, hslots[off + i], epoch)
        elif k == P.HK_FN:
            f = hslots[off]
            ko = funcs[f, 6] + funcs[f, 3]        # kinds of the captured registers
            for i in range(hobj[h, P.H_LEN] - 1):
                if regkinds[ko + i] != 0:
                    sp = _mark_push(hobj, state, gcstack, sp, hslots[off + 1 + i], epoch)


@njit(cache=True)
def _is_live(hobj, state, h):
    return h < state[P.S_NPERM] or (hobj[h, P.H_MARK] == state[P.S_EPOCH]
                                    and hobj[h, P.H_KIND] != P.HK_FREE)


@njit(cache=True)
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
def _sort_by_offset(rows, hobj, m):
    """Sort rows[0:m] (collected in row order) by offset in place (heapsort:
    no scratch).  Rows made by bump allocation are usually in order
    already: checked first."""
    ordered = True
    for i in range(1, m):
        if _before(hobj, rows[i], rows[i - 1]):
            ordered = False
            break
    if ordered:
        return
    for start in range(m // 2 - 1, -1, -1):
        _sift_down(rows, hobj, start, m)
    for end in range(m - 1, 0, -1):
        t = rows[0]
        rows[0] = rows[end]
        rows[end] = t
        _sift_down(rows, hobj, 0, end)


@njit(cache=True)
def _slide(arena, dst, src, n):
    if dst == src:                      # already in place: a collection that frees
        return                          # nothing moves (and copies) nothing
    for j in range(n):                  # dst <= src: a forward copy is safe
        arena[dst + j] = arena[src + j]


@njit(cache=True)
def _compact_bytes(hobj, hbytes, state, rows):
    """Pack the live byte ranges to the bottom of the arena; returns the top."""
    m = 0
    for h in range(state[P.S_NOBJ]):
        k = hobj[h, P.H_KIND]
        if (k == P.HK_STR or k == P.HK_SREGION or k == P.HK_ARR_B) and _is_live(hobj, state, h):
            rows[m] = h
            m += 1
    _sort_by_offset(rows, hobj, m)
    top = 0
    start = 0                           # the current interval [start, end) moves to `to`
    end = 0
    to = 0
    for i in range(m):
        h = rows[i]
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
def _compact_slots(hobj, hslots, state, rows):
    """Slide every live slot region down in offset order; returns the top."""
    m = 0
    for h in range(state[P.S_NOBJ]):
        k = hobj[h, P.H_KIND]
        if ((k == P.HK_FN or k == P.HK_ARR or k == P.HK_ARR_H or k == P.HK_RANGE
                or k == P.HK_REC) and _is_live(hobj, state, h)):
            rows[m] = h
            m += 1
    _sort_by_offset(rows, hobj, m)
    top = 0
    for i in range(m):
        h = rows[i]
        # a record's H_AUX is its handle mask; its size is its length
        size = hobj[h, P.H_LEN] if hobj[h, P.H_KIND] == P.HK_REC else hobj[h, P.H_AUX]
        _slide(hslots, top, hobj[h, P.H_OFF], size)
        hobj[h, P.H_OFF] = top
        top += size
    return top


@njit(cache=True)
def collect(hobj, hbytes, hslots, state, gcstack):
    """Sweep and compact after gc_mark (gcstack is free again: scratch)."""
    used = state[P.S_NBYTES] + 8 * state[P.S_NSLOTS] + P.OBJ_COST * state[P.S_NOBJ]
    state[P.S_NBYTES] = _compact_bytes(hobj, hbytes, state, gcstack)
    state[P.S_NSLOTS] = _compact_slots(hobj, hslots, state, gcstack)
    n = state[P.S_NOBJ]
    last_live = 0
    for h in range(n):
        if _is_live(hobj, state, h):
            last_live = h + 1
    for h in range(last_live, n):
        for col in range(P.H_COLS):
            hobj[h, col] = 0
    free = -1
    nfree = 0
    for h in range(last_live - 1, -1, -1):
        if not _is_live(hobj, state, h):
            hobj[h, P.H_KIND] = P.HK_FREE
            hobj[h, P.H_OFF] = free
            free = h
            nfree += 1
    state[P.S_NOBJ] = last_live
    state[P.S_FREE] = free
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
