"""The collector's host half: sweep and compact after the VM has marked.

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

from . import protocol as P


def _slide(ranges_start: np.ndarray, ranges_len: np.ndarray):
    """Gather indices that pack the given disjoint, sorted ranges from 0."""
    total = int(ranges_len.sum())
    new_start = np.zeros(len(ranges_start), dtype=np.int64)
    if len(ranges_start) > 1:
        np.cumsum(ranges_len[:-1], out=new_start[1:])
    src = np.repeat(ranges_start - new_start, ranges_len) + np.arange(total, dtype=np.int64)
    return new_start, src, total


def _compact_bytes(machine, live_str: np.ndarray) -> int:
    hobj = machine.hobj
    rows = np.nonzero(live_str)[0]
    off = hobj[rows, P.H_OFF]
    end = off + hobj[rows, P.H_LEN]
    order = np.argsort(off, kind="stable")
    rows, off, end = rows[order], off[order], end[order]
    if len(rows) == 0:
        return 0
    # Merge overlapping/shared ranges into intervals.
    run_end = np.maximum.accumulate(end)
    starts_here = np.ones(len(rows), dtype=bool)
    starts_here[1:] = off[1:] >= run_end[:-1]
    first = np.nonzero(starts_here)[0]
    iv_start = off[first]
    iv_end = np.maximum.reduceat(end, first)
    iv_of_row = np.cumsum(starts_here) - 1
    new_start, src, total = _slide(iv_start, iv_end - iv_start)
    machine.hbytes[:total] = machine.hbytes[src]
    hobj[rows, P.H_OFF] = new_start[iv_of_row] + (off - iv_start[iv_of_row])
    return total


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
    new_start, src, total = _slide(off, cap)
    machine.hslots[:total] = machine.hslots[src]
    hobj[rows, P.H_OFF] = new_start
    return total


def sweep_and_compact(machine) -> None:
    st = machine.state
    hobj = machine.hobj
    n = int(st[P.S_NOBJ])
    kind = hobj[:n, P.H_KIND]
    live = hobj[:n, P.H_MARK] == st[P.S_EPOCH]
    live[:int(st[P.S_NPERM])] = True
    live &= kind != P.HK_FREE

    # Growable string regions are dissolved: their slack is dropped by the
    # compaction, and strings forget them (the next append copies once).
    live &= kind != P.HK_SREGION
    strings = live & (kind == P.HK_STR)
    hobj[:n, P.H_AUX][strings] = -1
    st[P.S_NBYTES] = _compact_bytes(machine, strings)
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
    st[P.S_GC_LIMIT] = max(P.GC_MIN_LIMIT, 2 * live_size)
    machine.collections = getattr(machine, "collections", 0) + 1
