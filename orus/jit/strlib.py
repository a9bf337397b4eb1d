"""The string module's functions for the VM (STR1 / STR2 / STR3, `use strings`).

They work on the heap's bytes (Orus strings are byte strings: ASCII case and
whitespace rules only, bytes >= 128 are left alone) and allocate like every
other instruction: first they compute exactly what they need (bytes, slots,
object rows), ask ``room`` for it and only then change anything, so a stop
for a collection (GC) or for growth (GROW_HEAP) simply runs the instruction
again.  New strings are written at the top of the byte arena; a result that
is a piece of an argument (trim, the words of split) shares its bytes, like
a slice; a result equal to an argument (upper of an upper-case text, replace
without a match, join of one element) is the argument itself.

Search (find, contains, split, replace) is linear in the worst case: a
needle of two bytes or more uses the Two-Way algorithm
(Crochemore & Perrin 1991: a critical factorisation of the needle, then a
right-to-left check of the left part only after the right part matched;
O(n + m) comparisons, O(1) space), with a vectorised filter in front: the
next window whose first and last bytes are the needle's is found 64 windows
at a time (an OR of byte comparisons over unsigned indexes, which LLVM turns
into SIMD code); the filter only skips windows that cannot match and runs
only where Two-Way keeps no memory, so it keeps Two-Way's bound.  A one-byte
needle is found with the same kind of block scan (memchr's speed).

Every index below stays inside the strings' own byte ranges: a handle is
checked (``str_ok``) before its offset and length are read, and every loop
bound follows from those lengths.
"""

import numpy as np

from orus.jit.numba_cache import point_numba_cache

point_numba_cache()

from numba import njit  # noqa: E402

from orus.bytecode import opcodes as op  # noqa: E402
from orus.bytecode import protocol as P  # noqa: E402
from orus.bytecode import runtime_errors as E  # noqa: E402
from orus.jit.heap import (ROOM_GC, ROOM_GROW, ROOM_OK, heap_room, new_object,  # noqa: E402
                           new_string_object)

OK = -1
HUGE = 1 << 62          # a size no heap reaches: asking for it ends in "out of memory"


@njit(cache=True)
def str_ok(hobj, state, h):
    return 0 <= h < state[P.S_NOBJ] and hobj[h, P.H_KIND] == P.HK_STR


@njit(cache=True)
def rows_past_free(hobj, state, count):
    """How many of `count` new object rows the free list cannot supply: they
    come from the table's end (rows NOBJ, NOBJ + 1, ...)."""
    h = state[P.S_FREE]
    while count > 0 and h >= 0:
        count -= 1
        h = hobj[h, P.H_OFF]
    return count


@njit(cache=True)
def room(hobj, hbytes, hslots, state, nbytes, nslots, nrows):
    """heap_room for `nrows` (>= 1) new objects with `nbytes` bytes and `nslots`
    slots between them: ROOM_OK, ROOM_GC or ROOM_GROW (S_NEED* set as the
    host reads them: S_NEED rows past NOBJ)."""
    rc = heap_room(hobj, hbytes, hslots, state, nbytes, nslots)
    if rc != ROOM_OK or nrows <= 1:
        return rc
    past = rows_past_free(hobj, state, nrows)
    if state[P.S_NOBJ] + past <= hobj.shape[0]:
        return ROOM_OK
    if state[P.S_ALLOC] * 4 > state[P.S_GC_LIMIT]:
        return ROOM_GC
    state[P.S_NEED] = past
    state[P.S_NEED2] = nbytes
    state[P.S_NEED3] = nslots
    return ROOM_GROW


@njit(cache=True)
def copy_bytes(hb, dst, src, n):
    """hb[dst:dst+n] = hb[src:src+n] (dst >= src + n: the ranges never
    overlap here); unsigned indexes, so LLVM vectorises it."""
    du = np.uint64(dst)
    su = np.uint64(src)
    for i in range(n):
        iu = np.uint64(i)
        hb[du + iu] = hb[su + iu]


@njit(cache=True)
def sat_mul(x, y):
    """x * y for x, y >= 0, saturated at HUGE."""
    if x == 0 or y == 0:
        return 0
    if x > HUGE // y:
        return HUGE
    return x * y


# ------------------------------------------------------------------ search
@njit(cache=True)
def _max_suffix(hb, p, m, tilde):
    """Start - 1 of the maximal suffix of hb[p:p+m] under the byte order
    (tilde: the reversed order), and that suffix's period."""
    ms = -1
    j = 0
    k = 1
    per = 1
    while j + k < m:
        a = hb[p + j + k]
        b = hb[p + ms + k]
        if (a > b) if tilde else (a < b):
            j += k
            k = 1
            per = j - ms
        elif a == b:
            if k != per:
                k += 1
            else:
                j += per
                k = 1
        else:
            ms = j
            j = ms + 1
            k = 1
            per = 1
    return ms, per


@njit(cache=True)
def needle_plan(hb, p, m):
    """What Two-Way needs to know about the needle hb[p:p+m] (m >= 2):
    (ell, shift, periodic) -- the critical position (the left part is
    hb[p:p+ell+1]) and the period (periodic needles) or the shift after a
    mismatch in the left part."""
    i, pi = _max_suffix(hb, p, m, False)
    j, pj = _max_suffix(hb, p, m, True)
    if i > j:
        ell = i
        per = pi
    else:
        ell = j
        per = pj
    periodic = ell + 1 + per <= m          # always true (per <= m - ell - 1); keeps reads in range
    if periodic:
        for k in range(ell + 1):
            if hb[p + k] != hb[p + per + k]:
                periodic = False
                break
    if not periodic:
        per = max(ell + 1, m - ell - 1) + 1
    return ell, per, periodic


BLOCK = 64


@njit(cache=True)
def find_byte(hb, t, n, start, c):
    """First j >= start with hb[t + j] == c (j < n), or -1.  Blocks of 64
    bytes are tested with an OR of their comparisons and unsigned indexes
    (no negative-index wraparound), which LLVM vectorises: memchr's speed."""
    j = start
    tu = np.uint64(t)
    while j + BLOCK <= n:
        acc = np.uint8(0)
        at = tu + np.uint64(j)
        for k in range(BLOCK):
            acc |= np.uint8(hb[at + np.uint64(k)] == c)
        if acc != 0:
            break
        j += BLOCK
    for i in range(j, n):
        if hb[t + i] == c:
            return i
    return -1


@njit(cache=True)
def next_candidate(hb, t, n, j, m, first, last):
    """The first window start >= j whose first and last bytes are the
    needle's (n - m + 1 if none): no window skipped can match.  Blocks of 64
    window starts are tested at once with an OR of both comparisons and
    unsigned indexes (vectorised by LLVM), then the block with a candidate is
    narrowed 8 windows at a time and scanned byte by byte."""
    tu = np.uint64(t)
    d = np.uint64(m - 1)
    stop = n - m + 1                      # window starts are j < stop
    while j + BLOCK <= stop:
        acc = np.uint8(0)
        at = tu + np.uint64(j)
        for k in range(BLOCK):
            ku = at + np.uint64(k)
            acc |= np.uint8(hb[ku] == first) & np.uint8(hb[ku + d] == last)
        if acc != 0:
            break
        j += BLOCK
    while j + 8 <= stop:                  # narrow the block down 8 windows at a time
        acc = np.uint8(0)
        at = tu + np.uint64(j)
        for k in range(8):
            ku = at + np.uint64(k)
            acc |= np.uint8(hb[ku] == first) & np.uint8(hb[ku + d] == last)
        if acc != 0:
            break
        j += 8
    while j < stop:
        if hb[t + j] == first and hb[t + j + m - 1] == last:
            return j
        j += 1
    return stop


@njit(cache=True)
def two_way(hb, t, n, start, p, m, ell, per, periodic):
    """First j >= start where the needle hb[p:p+m] (m >= 2, planned by
    needle_plan) occurs in hb[t:t+n], or -1."""
    j = start
    memory = -1
    first = hb[p]
    last = hb[p + m - 1]
    while j <= n - m:
        if memory < 0:
            # the windows before the next one that starts and ends with the
            # needle's first and last bytes cannot match (taken only where
            # Two-Way keeps no memory, so its linear bound holds)
            j = next_candidate(hb, t, n, j, m, first, last)
            if j > n - m:
                break
        if periodic:
            i = max(ell, memory) + 1
            while i < m and hb[p + i] == hb[t + j + i]:
                i += 1
            if i >= m:
                i = ell
                while i > memory and hb[p + i] == hb[t + j + i]:
                    i -= 1
                if i <= memory:
                    return j
                j += per
                memory = m - per - 1
            else:
                j += i - ell
                memory = -1
        else:
            i = ell + 1
            while i < m and hb[p + i] == hb[t + j + i]:
                i += 1
            if i >= m:
                i = ell
                while i >= 0 and hb[p + i] == hb[t + j + i]:
                    i -= 1
                if i < 0:
                    return j
                j += per
            else:
                j += i - ell
    return -1


@njit(cache=True)
def search(hb, t, n, start, p, m, ell, per, periodic):
    """First occurrence at or after `start` of needle hb[p:p+m] (m >= 1; for
    m >= 2 planned by needle_plan) in hb[t:t+n], or -1."""
    if m == 1:
        return find_byte(hb, t, n, start, hb[p])
    return two_way(hb, t, n, start, p, m, ell, per, periodic)


@njit(cache=True)
def count_matches(hb, t, n, p, m, ell, per, periodic):
    """Number of non-overlapping occurrences, left to right (m >= 1)."""
    k = 0
    if m == 1:                              # a vectorised count of the byte
        c = hb[p]
        tu = np.uint64(t)
        for i in range(n):
            k += np.int64(hb[tu + np.uint64(i)] == c)
        return k
    j = search(hb, t, n, 0, p, m, ell, per, periodic)
    while j >= 0:
        k += 1
        j = search(hb, t, n, j + m, p, m, ell, per, periodic)
    return k


@njit(cache=True)
def find_first(hb, t, n, p, m):
    """Index of the first occurrence of hb[p:p+m] in hb[t:t+n], -1 if none
    (0 for an empty needle)."""
    if m == 0:
        return 0
    if m > n:
        return -1
    if m == 1:
        return find_byte(hb, t, n, 0, hb[p])
    ell, per, periodic = needle_plan(hb, p, m)
    return two_way(hb, t, n, 0, p, m, ell, per, periodic)


# ------------------------------------------------------------------ text functions
@njit(cache=True)
def _is_space(c):
    # ASCII whitespace, as Python's bytes.strip(): space \t \n \v \f \r
    return c == 32 or 9 <= c <= 13


@njit(cache=True)
def change_case(hobj, hbytes, hslots, state, h, to_upper):
    """(value, error, room) of upper/lower: the string itself when no byte
    changes.  Both passes are branch-free over unsigned indexes (vectorised)."""
    t = hobj[h, P.H_OFF]
    n = hobj[h, P.H_LEN]
    lo = np.uint8(97 if to_upper else 65)
    tu = np.uint64(t)
    letters = 0
    for i in range(n):
        letters += np.int64(np.uint8(hbytes[tu + np.uint64(i)] - lo) < np.uint8(26))
    if letters == 0:
        return h, OK, ROOM_OK
    rc = room(hobj, hbytes, hslots, state, n, 0, 1)
    if rc != ROOM_OK:
        return 0, OK, rc
    off = state[P.S_NBYTES]
    ou = np.uint64(off)
    for i in range(n):
        iu = np.uint64(i)
        c = hbytes[tu + iu]
        hbytes[ou + iu] = c ^ (np.uint8(32) if np.uint8(c - lo) < np.uint8(26) else np.uint8(0))
    state[P.S_NBYTES] = off + n
    state[P.S_ALLOC] += n + P.OBJ_COST
    return new_string_object(hobj, state, off, n, -1), OK, ROOM_OK


@njit(cache=True)
def piece(hobj, hbytes, hslots, state, h, first, count):
    """(value, error, room): the substring h[first:first+count], sharing its
    bytes (h itself when that is all of it)."""
    if first == 0 and count == hobj[h, P.H_LEN]:
        return h, OK, ROOM_OK
    rc = room(hobj, hbytes, hslots, state, 0, 0, 1)
    if rc != ROOM_OK:
        return 0, OK, rc
    state[P.S_ALLOC] += P.OBJ_COST
    return new_string_object(hobj, state, hobj[h, P.H_OFF] + first, count, -1), OK, ROOM_OK


@njit(cache=True)
def trim(hobj, hbytes, hslots, state, h, start, end):
    t = hobj[h, P.H_OFF]
    n = hobj[h, P.H_LEN]
    i = 0
    j = n
    if start:
        while i < n and _is_space(hbytes[t + i]):
            i += 1
    if end:
        while j > i and _is_space(hbytes[t + j - 1]):
            j -= 1
    return piece(hobj, hbytes, hslots, state, h, i, j - i)


@njit(cache=True)
def parse_int(hb, t, n):
    """(value, error): the i64 of text hb[t:t+n] -- an optional sign and
    decimal digits, nothing else (no spaces, no `_`) -- or error -1 and the
    reason (a runtime error code)."""
    if n == 0:
        return 0, E.PARSE_INT_EMPTY
    i = 0
    neg = False
    if hb[t] == 43 or hb[t] == 45:          # + -
        neg = hb[t] == 45
        i = 1
    if i == n:
        return 0, E.PARSE_INT_DIGIT
    limit = np.uint64(9223372036854775808) if neg else np.uint64(9223372036854775807)
    ten = np.uint64(10)
    acc = np.uint64(0)
    while i < n:
        c = np.int64(hb[t + i])
        if c < 48 or c > 57:
            return 0, E.PARSE_INT_DIGIT
        d = np.uint64(c - 48)
        if acc > (limit - d) // ten:
            return 0, E.PARSE_INT_LOW if neg else E.PARSE_INT_HIGH
        acc = acc * ten + d
        i += 1
    if neg:
        return np.int64(np.uint64(0) - acc), OK
    return np.int64(acc), OK


@njit(cache=True)
def float_syntax(hb, t, n):
    """-1 when hb[t:t+n] is a decimal float -- [+-] digits [. digits] or
    [+-] . digits, then an optional exponent [eE][+-]digits; no spaces, no
    `_`, no inf/nan -- else the reason (a runtime error code)."""
    if n == 0:
        return E.PARSE_FLOAT_EMPTY
    i = 0
    if hb[t] == 43 or hb[t] == 45:
        i = 1
    digits = 0
    while i < n and 48 <= hb[t + i] <= 57:
        i += 1
        digits += 1
    if i < n and hb[t + i] == 46:           # .
        i += 1
        while i < n and 48 <= hb[t + i] <= 57:
            i += 1
            digits += 1
    if digits == 0:
        return E.PARSE_FLOAT_INVALID
    if i < n and (hb[t + i] == 101 or hb[t + i] == 69):     # e E
        i += 1
        if i < n and (hb[t + i] == 43 or hb[t + i] == 45):
            i += 1
        if i == n:
            return E.PARSE_FLOAT_INVALID
        while i < n and 48 <= hb[t + i] <= 57:
            i += 1
    return OK if i == n else E.PARSE_FLOAT_INVALID


@njit(cache=True)
def split(hobj, hbytes, hslots, state, h, hs):
    """(value, error, room): the array of the pieces of h between the
    non-overlapping occurrences of separator hs, left to right (k separators
    give k + 1 pieces, empty ones included, as Python's str.split(sep)).
    The pieces share h's bytes: k + 2 rows and k + 1 slots."""
    t = hobj[h, P.H_OFF]
    n = hobj[h, P.H_LEN]
    p = hobj[hs, P.H_OFF]
    m = hobj[hs, P.H_LEN]
    if m == 0:
        return 0, E.SPLIT_EMPTY_SEP, ROOM_OK
    ell = 0
    per = 0
    periodic = False
    if m >= 2 and m <= n:
        ell, per, periodic = needle_plan(hbytes, p, m)
    k = 0 if m > n else count_matches(hbytes, t, n, p, m, ell, per, periodic)
    rc = room(hobj, hbytes, hslots, state, 0, k + 1, k + 2)
    if rc != ROOM_OK:
        return 0, OK, rc
    soff = state[P.S_NSLOTS]
    state[P.S_NSLOTS] = soff + k + 1
    state[P.S_ALLOC] += (k + 2) * P.OBJ_COST + 8 * (k + 1)
    at = 0
    if m == 1:                              # one pass over the bytes
        c = hbytes[p]
        i = 0
        for j in range(n):
            if hbytes[t + j] == c:
                hslots[soff + i] = new_string_object(hobj, state, t + at, j - at, -1)
                i += 1
                at = j + 1
    else:
        for i in range(k):
            j = search(hbytes, t, n, at, p, m, ell, per, periodic)
            hslots[soff + i] = new_string_object(hobj, state, t + at, j - at, -1)
            at = j + m
    hslots[soff + k] = new_string_object(hobj, state, t + at, n - at, -1)
    arr = new_object(hobj, state, P.HK_ARR_H, soff, k + 1)
    return arr, OK, ROOM_OK


@njit(cache=True)
def join(hobj, hbytes, hslots, state, ha, hs):
    """(value, error, room): the strings of array ha with separator hs between them."""
    if not (0 <= ha < state[P.S_NOBJ]):
        return 0, E.BAD_VALUE, ROOM_OK
    kind = hobj[ha, P.H_KIND]
    n = hobj[ha, P.H_LEN]
    if not (kind == P.HK_ARR_H or (kind == P.HK_ARR and n == 0)):
        return 0, E.BAD_VALUE, ROOM_OK
    a = hobj[ha, P.H_OFF]
    ls = hobj[hs, P.H_LEN]
    total = 0
    for i in range(n):
        x = hslots[a + i]
        if not str_ok(hobj, state, x):
            return 0, E.BAD_VALUE, ROOM_OK
        total = min(total + hobj[x, P.H_LEN], HUGE)     # elements may share one huge string
    if n == 1:
        return hslots[a], OK, ROOM_OK
    if n > 1:
        total = min(total + sat_mul(n - 1, ls), HUGE)
    rc = room(hobj, hbytes, hslots, state, total, 0, 1)
    if rc != ROOM_OK:
        return 0, OK, rc
    off = state[P.S_NBYTES]
    ps = hobj[hs, P.H_OFF]
    at = off
    for i in range(n):
        if i > 0:
            if ls == 1:
                hbytes[at] = hbytes[ps]
            else:
                copy_bytes(hbytes, at, ps, ls)
            at += ls
        x = hslots[a + i]
        lx = hobj[x, P.H_LEN]
        xo = hobj[x, P.H_OFF]
        if lx <= 16:                        # words: a plain loop beats the vector setup
            for j in range(lx):
                hbytes[at + j] = hbytes[xo + j]
        else:
            copy_bytes(hbytes, at, xo, lx)
        at += lx
    state[P.S_NBYTES] = off + total
    state[P.S_ALLOC] += total + P.OBJ_COST
    return new_string_object(hobj, state, off, total, -1), OK, ROOM_OK


@njit(cache=True)
def repeat(hobj, hbytes, hslots, state, h, times):
    """(value, error, room): h repeated `times` times (negative: an error;
    a result no heap can hold asks for HUGE bytes: "out of memory")."""
    if times < 0:
        return 0, E.REPEAT_NEGATIVE, ROOM_OK
    n = hobj[h, P.H_LEN]
    if times == 1:
        return h, OK, ROOM_OK
    total = sat_mul(n, times)
    if total == 0:
        return piece(hobj, hbytes, hslots, state, h, 0, 0)
    rc = room(hobj, hbytes, hslots, state, total, 0, 1)
    if rc != ROOM_OK:
        return 0, OK, rc
    off = state[P.S_NBYTES]
    copy_bytes(hbytes, off, hobj[h, P.H_OFF], n)
    done = n
    while done < total:                     # double what is written so far
        step = min(done, total - done)
        copy_bytes(hbytes, off + done, off, step)
        done += step
    state[P.S_NBYTES] = off + total
    state[P.S_ALLOC] += total + P.OBJ_COST
    return new_string_object(hobj, state, off, total, -1), OK, ROOM_OK


@njit(cache=True)
def replace(hobj, hbytes, hslots, state, h, ho, hn):
    """(value, error, room): h with every non-overlapping occurrence of ho
    (left to right) replaced by hn.  An empty ho matches before every byte
    and at the end, as in Python ("ab" -> "-a-b-")."""
    t = hobj[h, P.H_OFF]
    n = hobj[h, P.H_LEN]
    p = hobj[ho, P.H_OFF]
    m = hobj[ho, P.H_LEN]
    q = hobj[hn, P.H_OFF]
    r = hobj[hn, P.H_LEN]
    ell = 0
    per = 0
    periodic = False
    if m == 0:
        k = n + 1
    elif m > n:
        k = 0
    else:
        if m >= 2:
            ell, per, periodic = needle_plan(hbytes, p, m)
        k = count_matches(hbytes, t, n, p, m, ell, per, periodic)
    if k == 0:
        return h, OK, ROOM_OK
    total = min(n - k * m + sat_mul(k, r), HUGE)
    if total == 0:
        return piece(hobj, hbytes, hslots, state, h, 0, 0)
    rc = room(hobj, hbytes, hslots, state, total, 0, 1)
    if rc != ROOM_OK:
        return 0, OK, rc
    off = state[P.S_NBYTES]
    at = off
    src = 0
    for i in range(k):
        if m == 0:
            j = i                           # before byte i (i == n: at the end)
        else:
            j = search(hbytes, t, n, src, p, m, ell, per, periodic)
        copy_bytes(hbytes, at, t + src, j - src)
        at += j - src
        copy_bytes(hbytes, at, q, r)
        at += r
        src = j + m
        if m == 0 and i < n:
            hbytes[at] = hbytes[t + i]
            at += 1
            src = i + 1
    if src < n:
        copy_bytes(hbytes, at, t + src, n - src)
    state[P.S_NBYTES] = off + total
    state[P.S_ALLOC] += total + P.OBJ_COST
    return new_string_object(hobj, state, off, total, -1), OK, ROOM_OK


# ------------------------------------------------------------------ dispatch
@njit(cache=True)
def str_call(o, c, hobj, hbytes, hslots, state, x, y, z):
    """STR1 / STR2 / STR3 (opcode o) function c of the register values x, y, z
    (y, z unused below their arity): (value, error, room).  error >= 0: a
    runtime error; room != ROOM_OK: stop for a collection or growth (nothing
    was changed); else value is the result (a handle, an integer or a bool)."""
    if o == op.STR1:
        if not str_ok(hobj, state, x) or c < 0 or c >= len(op.STR1_NAMES):
            return 0, E.BAD_VALUE, ROOM_OK
        if c == op.S_UPPER or c == op.S_LOWER:
            return change_case(hobj, hbytes, hslots, state, x, c == op.S_UPPER)
        if c == op.S_TRIM or c == op.S_TRIM_START or c == op.S_TRIM_END:
            return trim(hobj, hbytes, hslots, state, x, c != op.S_TRIM_END, c != op.S_TRIM_START)
        t = hobj[x, P.H_OFF]
        n = hobj[x, P.H_LEN]
        if c == op.S_INT_OK or c == op.S_INT_VALUE or c == op.S_INT_WHY:
            v, why = parse_int(hbytes, t, n)
            if c == op.S_INT_VALUE:
                return v, OK, ROOM_OK
        else:
            why = float_syntax(hbytes, t, n)
        if c == op.S_INT_OK or c == op.S_FLOAT_OK:
            return (1 if why < 0 else 0), OK, ROOM_OK
        if why < 0:
            why = E.PARSE_INT_DIGIT if c == op.S_INT_WHY else E.PARSE_FLOAT_INVALID
        return state[P.S_ERRMSG0] + why, OK, ROOM_OK     # its permanent message string
    if o == op.STR2:
        if c == op.S_JOIN:
            if not str_ok(hobj, state, y):
                return 0, E.BAD_VALUE, ROOM_OK
            return join(hobj, hbytes, hslots, state, x, y)
        if c < 0 or c >= len(op.STR2_NAMES) or not str_ok(hobj, state, x):
            return 0, E.BAD_VALUE, ROOM_OK
        if c == op.S_REPEAT:
            return repeat(hobj, hbytes, hslots, state, x, y)
        if not str_ok(hobj, state, y):
            return 0, E.BAD_VALUE, ROOM_OK
        if c == op.S_SPLIT:
            return split(hobj, hbytes, hslots, state, x, y)
        t = hobj[x, P.H_OFF]
        n = hobj[x, P.H_LEN]
        p = hobj[y, P.H_OFF]
        m = hobj[y, P.H_LEN]
        if c == op.S_FIND:
            return find_first(hbytes, t, n, p, m), OK, ROOM_OK
        if c == op.S_CONTAINS:
            return (1 if find_first(hbytes, t, n, p, m) >= 0 else 0), OK, ROOM_OK
        if m > n:
            return 0, OK, ROOM_OK
        s = t if c == op.S_STARTS_WITH else t + n - m
        for i in range(m):
            if hbytes[s + i] != hbytes[p + i]:
                return 0, OK, ROOM_OK
        return 1, OK, ROOM_OK
    if c != op.S_REPLACE or not (str_ok(hobj, state, x) and str_ok(hobj, state, y)
                                 and str_ok(hobj, state, z)):
        return 0, E.BAD_VALUE, ROOM_OK
    return replace(hobj, hbytes, hslots, state, x, y, z)
