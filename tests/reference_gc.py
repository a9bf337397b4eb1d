"""Reference model of the collector's sweep and compaction (tests only).

This is the numpy implementation the host used before the collector moved
into the VM (orus/jit/collector.py, commit a0f3801).  It computes the same
result by different means (vectorised interval merging, argsort instead of
an in-place heapsort), so tests/test_collector.py runs both on the same
marked heap and requires identical arrays.

The VM marks every object reachable from the registers of all frames with
the current epoch (orus.jit.vm.gc_mark) and stops with status GC.  Here,
vectorised with numpy:

  * sweep: unmarked rows (above the permanent ones) become free rows,
    chained into the free list (S_FREE, linked through H_OFF);
  * compact the byte arena: live strings may share bytes (concatenation
    extends in place, substrings point into their original), so live byte
    ranges are merged into intervals, the intervals slid down, and every
    offset remapped;
  * compact the slot arena: each live array/closure/range owns its region
    (offset, capacity), slid down in offset order.

Handles are row numbers and never move, so registers need no fixing; only
offsets inside the object table change.  The next collection is due after
twice the live size has been allocated again (at least GC_MIN_LIMIT).
"""

from __future__ import annotations

import numpy as np

from orus.bytecode import protocol as P


def _pack(arena: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Move the disjoint, sorted ranges (starts, lengths) of `arena` down so that
    they are packed from 0, in order; returns their new starts.  Few ranges are
    moved with slice copies (memmove); many with one vectorised gather."""
    new_start = np.zeros(len(starts), dtype=np.int64)
    if len(starts) > 1:
        np.cumsum(lengths[:-1], out=new_start[1:])
    if len(starts) <= 4096:
        for old, new, n in zip(starts.tolist(), new_start.tolist(), lengths.tolist()):
            if old != new:
                arena[new:new + n] = arena[old:old + n]     # new <= old: safe overlap
    else:
        total = int(lengths.sum())
        src = np.repeat(starts - new_start, lengths) + np.arange(total, dtype=np.int64)
        arena[:total] = arena[src]
    return new_start


def _compact_bytes(machine, live_str: np.ndarray, live_regions: np.ndarray,
                   live_byte_arrays: np.ndarray) -> int:
    """Pack the byte arena.  Live strings may share bytes and live growable
    regions keep their whole capacity, so the byte ranges are merged into
    intervals first and every offset is moved with its interval."""
    hobj = machine.hobj
    srows = np.nonzero(live_str)[0]
    rrows = np.nonzero(live_regions)[0]
    brows = np.nonzero(live_byte_arrays)[0]
    rows = np.concatenate((srows, rrows, brows))
    if len(rows) == 0:
        return 0
    off = hobj[rows, P.H_OFF]
    end = np.concatenate((hobj[srows, P.H_OFF] + hobj[srows, P.H_LEN],   # string: its bytes
                          hobj[rrows, P.H_AUX],                          # region: capacity end
                          hobj[brows, P.H_OFF] + hobj[brows, P.H_AUX]))  # byte array: room
    order = np.argsort(off, kind="stable")
    rows, off, end = rows[order], off[order], end[order]
    run_end = np.maximum.accumulate(end)
    starts_here = np.ones(len(rows), dtype=bool)
    starts_here[1:] = off[1:] >= run_end[:-1]
    first = np.nonzero(starts_here)[0]
    iv_start = off[first]
    iv_end = np.maximum.reduceat(end, first)
    new_start = _pack(machine.hbytes, iv_start, iv_end - iv_start)
    shift = (new_start - iv_start)[np.cumsum(starts_here) - 1]
    hobj[rows, P.H_OFF] += shift
    is_region = hobj[rows, P.H_KIND] == P.HK_SREGION
    hobj[rows[is_region], P.H_LEN] += shift[is_region]       # used end
    hobj[rows[is_region], P.H_AUX] += shift[is_region]       # capacity end
    return int((iv_end - iv_start).sum())


def _compact_slots(machine, live_slots: np.ndarray) -> int:
    hobj = machine.hobj
    rows = np.nonzero(live_slots)[0]
    if len(rows) == 0:
        return 0
    off = hobj[rows, P.H_OFF]
    order = np.argsort(off, kind="stable")
    rows, off = rows[order], off[order]
    # a record's H_AUX is its handle mask; its size is its length
    cap = np.where(hobj[rows, P.H_KIND] == P.HK_REC, hobj[rows, P.H_LEN], hobj[rows, P.H_AUX])
    hobj[rows, P.H_OFF] = _pack(machine.hslots, off, cap)
    return int(cap.sum())


def sweep_and_compact(machine) -> None:
    st = machine.state
    hobj = machine.hobj
    n = int(st[P.S_NOBJ])
    used = int(st[P.S_NBYTES]) + 8 * int(st[P.S_NSLOTS]) + P.OBJ_COST * n
    kind = hobj[:n, P.H_KIND]
    live = hobj[:n, P.H_MARK] == st[P.S_EPOCH]
    live[:int(st[P.S_NPERM])] = True
    live &= kind != P.HK_FREE

    # A live string keeps its growable region alive (the VM marks it), so an
    # append after a collection still lands in place.
    st[P.S_NBYTES] = _compact_bytes(machine, live & (kind == P.HK_STR),
                                    live & (kind == P.HK_SREGION), live & (kind == P.HK_ARR_B))
    slot_kinds = ((kind == P.HK_FN) | (kind == P.HK_ARR) | (kind == P.HK_ARR_H)
                  | (kind == P.HK_RANGE) | (kind == P.HK_REC))
    st[P.S_NSLOTS] = _compact_slots(machine, live & slot_kinds)

    # Trailing free rows shrink the table; the others form the free list.
    last_live = int(np.nonzero(live)[0][-1]) + 1 if live.any() else 0
    hobj[last_live:n] = 0
    st[P.S_NOBJ] = last_live
    free = np.nonzero(~live[:last_live])[0]
    hobj[free, P.H_KIND] = P.HK_FREE
    if len(free):
        hobj[free[:-1], P.H_OFF] = free[1:]
        hobj[free[-1], P.H_OFF] = -1
        st[P.S_FREE] = free[0]
    else:
        st[P.S_FREE] = -1

    live_size = int(st[P.S_NBYTES]) + 8 * int(st[P.S_NSLOTS]) + P.OBJ_COST * (last_live - len(free))
    st[P.S_ALLOC] = 0
    # a collection that freed less than a quarter makes the next one wait longer
    factor = 4 if 4 * live_size > 3 * used else 2
    st[P.S_GC_LIMIT] = max(P.GC_MIN_LIMIT, factor * live_size)
    st[P.S_COLLECTIONS] += 1
