"""The vectorised half of orus/host/fmt.py's output decoder (numpy).

A flush of thousands of output records is decoded with a handful of numpy
operations instead of a Python loop per record (``decode_vector``); small
buffers never come here, so a run that prints little never imports numpy.
"""

from __future__ import annotations

import numpy as np

from orus.host.fmt import _INT_KINDS, OUTEND_REC, _fn_text, _spec_applies, _spec_str, fmt_f64
from orus.bytecode.opcodes import (OUT_BOOL, OUT_F64, OUT_FN, OUT_I32, OUT_I64, OUT_STR, OUT_U32,
                                   OUT_U64)

_P10 = np.array([10 ** k for k in range(1, 20)], dtype=np.uint64)
_TEN = np.uint64(10)


class _Sources:
    """Byte sources for slice tokens, concatenated at the end."""

    __slots__ = ("parts", "size")

    def __init__(self):
        self.parts = []
        self.size = 0

    def add(self, data) -> int:
        arr = data if isinstance(data, np.ndarray) else np.frombuffer(data, dtype=np.uint8)
        base = self.size
        if len(arr):
            self.parts.append(arr)
            self.size += len(arr)
        return base

    def array(self):
        if not self.parts:
            return np.zeros(0, dtype=np.uint8)
        return self.parts[0] if len(self.parts) == 1 else np.concatenate(self.parts)


def _texts(src: "_Sources", texts):
    """Add a list of str/bytes texts as one source; return (offsets, lengths)."""
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    if texts and isinstance(texts[0], str):
        data = "".join(texts).encode("latin-1")
    else:
        data = b"".join(texts)
    base = src.add(data)
    return base + np.cumsum(lens) - lens, lens


def decode_vector(decoder, r, ends, blob, strings) -> bytes:
    """Vectorised decoding straight into one uint8 output buffer.

    Record i is written as ``prefix_i token_i``.  The prefix is a slice
    (" " before every value but the first of a plain statement; for a
    template statement the literal text before value j's placeholder, or
    " " for values past the last placeholder).  A value's token is its
    text (integers: digits written with numpy; everything else: a slice of
    a source buffer - the blob, the floats' texts, "truefalse", values
    formatted by a spec); an end record's token is "\n", or for a template
    statement the template's tail plus "\n".  All slices are copied with
    one gather.
    """
    n = len(r)
    kinds = r[:, 0]
    xs = r[:, 1]
    isend = kinds == OUTEND_REC
    isval = ~isend
    vk = kinds[isval]
    if len(vk) and (int(vk.min()) < 0 or int(vk.max()) >= 8):
        bad = int(vk[(vk < 0) | (vk >= 8)][0])
        raise ValueError("OutputDecoder: unknown record kind %d" % bad)
    present = np.bincount(vk, minlength=8)

    src = _Sources()
    SP = src.add(b" ")
    pre_len = np.zeros(n, dtype=np.int64)
    pre_off = np.full(n, SP, dtype=np.int64)
    tok_len = np.zeros(n, dtype=np.int64)
    tok_off = np.zeros(n, dtype=np.int64)
    slice_tok = np.zeros(n, dtype=bool)      # token is a slice of src
    custom = None                            # values formatted by a spec

    nst = len(ends)
    starts = np.empty(nst, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    tsid = xs[ends]
    templated = tsid >= 0
    # Plain statements: " " before every value that does not start its statement.
    pre_len[1:] = isval[1:] & isval[:-1]
    tok_len[ends] = 1
    plain_ends = ends

    if templated.any():
        plain_ends = ends[~templated]
        tst = np.flatnonzero(templated)
        pre_len[np.repeat(starts[tst], ends[tst] - starts[tst])
                + _ramp_within(ends[tst] - starts[tst])] = 0
        custom = np.zeros(n, dtype=bool)
        custom_specs = []                    # (record indices, spec)
        for sid in np.unique(tsid[tst]).tolist():
            t = decoder._template(sid, strings)
            P = len(t.specs)
            sts = tst[tsid[tst] == sid]
            st = starts[sts]
            ny = ends[sts] - st
            if P:
                poffs, plens = _texts(src, t.pieces[:P])
                for j in range(min(P, int(ny.max()))):
                    sel = st[ny > j] + j
                    pre_off[sel] = poffs[j]
                    pre_len[sel] = plens[j]
                    spec = t.specs[j]
                    if spec:
                        ks = kinds[sel]
                        hit = np.zeros(len(sel), dtype=bool)
                        for kd in (OUT_F64,) + _INT_KINDS:
                            if _spec_applies(kd, spec):
                                hit |= ks == kd
                        if hit.any():
                            custom[sel[hit]] = True
                            custom_specs.append((sel[hit], spec))
            e = ends[sts]
            more = ny > P
            if more.any():
                # Values after the last placeholder: the text after it comes
                # first, then each value preceded by " ".
                cnt = ny[more] - P
                recs = np.repeat(st[more] + P, cnt) + _ramp_within(cnt)
                pre_off[recs] = SP
                pre_len[recs] = 1
                first = st[more] + P
                off1, len1 = _texts(src, [t.pieces[P] + b" "])
                pre_off[first] = off1[0]
                pre_len[first] = len1[0]
                tok_len[e[more]] = 1          # "\n", written like a plain end
                plain_ends = np.concatenate((plain_ends, e[more]))
            fit = ~more
            if fit.any():
                used = ny[fit]
                uniq = np.unique(used).tolist()
                toffs, tlens = _texts(src, [t.tail(u) + b"\n" for u in uniq])
                slot = np.searchsorted(np.asarray(uniq, dtype=np.int64), used)
                ef = e[fit]
                tok_off[ef] = toffs[slot]
                tok_len[ef] = tlens[slot]
                slice_tok[ef] = True
        if custom_specs:
            idx = np.concatenate([c[0] for c in custom_specs])
            texts = []
            for sel, spec in custom_specs:
                for kd, x in zip(kinds[sel].tolist(), xs[sel].tolist()):
                    texts.append(_spec_str(kd, x, spec))
            offs, lens = _texts(src, texts)
            tok_off[idx] = offs
            tok_len[idx] = lens
            slice_tok[idx] = True

    def select(mask):
        return np.flatnonzero(mask if custom is None else (mask & ~custom))

    if present[OUT_STR]:
        idx = select(kinds == OUT_STR)
        base = src.add(np.asarray(blob, dtype=np.uint8))
        tok_off[idx] = base + xs[idx]
        tok_len[idx] = r[idx, 2]
        slice_tok[idx] = True
    if present[OUT_FN]:
        idx = select(kinds == OUT_FN)
        blob_b = np.asarray(blob, dtype=np.uint8).tobytes()
        texts = [_fn_text(blob_b[x:x + y]) for x, y in zip(xs[idx].tolist(), r[idx, 2].tolist())]
        offs, lens = _texts(src, texts)
        tok_off[idx] = offs
        tok_len[idx] = lens
        slice_tok[idx] = True
    if present[OUT_BOOL]:
        idx = select(kinds == OUT_BOOL)
        base = src.add(b"truefalse")
        t = xs[idx] != 0
        tok_off[idx] = np.where(t, base, base + 4)
        tok_len[idx] = np.where(t, 4, 5)
        slice_tok[idx] = True
    if present[OUT_F64]:
        idx = select(kinds == OUT_F64)
        if len(idx):
            texts = list(map(fmt_f64, xs[idx].view(np.float64).tolist()))
            offs, lens = _texts(src, texts)
            tok_off[idx] = offs
            tok_len[idx] = lens
            slice_tok[idx] = True

    # Integer tokens: sign and decimal digits.
    if present[OUT_U64]:
        iidx = select((kinds == OUT_I32) | (kinds == OUT_I64) | (kinds == OUT_U32)
                      | (kinds == OUT_U64))
    elif present[OUT_I32] or present[OUT_I64] or present[OUT_U32]:
        iidx = select((kinds == OUT_I32) | (kinds == OUT_I64) | (kinds == OUT_U32))
    else:
        iidx = None
    if iidx is not None and len(iidx):
        v = xs[iidx]
        neg = v < 0
        if present[OUT_U64]:
            neg &= kinds[iidx] != OUT_U64
        mag = np.where(neg, -v, v).view(np.uint64)   # -MIN wraps to 2**63: right
        ndig = np.searchsorted(_P10, mag, side="right") + 1
        tok_len[iidx] = ndig + neg

    # Layout: record i occupies [pos_i, pos_i + pre_len_i + tok_len_i).
    rec_len = pre_len + tok_len
    pos = np.cumsum(rec_len) - rec_len
    total = int(pos[-1] + rec_len[-1])
    out = np.empty(total, dtype=np.uint8)
    tpos = pos + pre_len
    out[tpos[plain_ends]] = 10                              # "\n"
    if iidx is not None and len(iidx):
        out[tpos[iidx[neg]]] = 45                           # "-"
        p = tpos[iidx] + tok_len[iidx] - 1
        m = mag
        ten = _TEN
        if int(ndig.max()) < 19:         # fits int64, whose division is faster
            m = mag.view(np.int64)
            ten = 10
        while True:
            q = m // ten
            out[p] = (m - q * ten).astype(np.uint8) + 48
            keep = q != 0
            if not keep.any():
                break
            m = q[keep]
            p = p[keep] - 1
    # Slices: prefixes, then slice tokens, in one gather.
    pidx = np.flatnonzero(pre_len)
    sidx = np.flatnonzero(slice_tok)
    dst = np.concatenate((pos[pidx], tpos[sidx]))
    off = np.concatenate((pre_off[pidx], tok_off[sidx]))
    ln = np.concatenate((pre_len[pidx], tok_len[sidx]))
    nz = ln > 0
    if not nz.all():
        dst, off, ln = dst[nz], off[nz], ln[nz]
    if len(ln):
        if int(ln.max()) == 1:
            out[dst] = src.array()[off]
        else:
            cum = np.cumsum(ln) - ln
            ntot = int(cum[-1] + ln[-1])
            ramp = np.arange(ntot, dtype=np.int64)
            shift = np.repeat(cum, ln)
            out[np.repeat(dst, ln) + ramp - shift] = src.array()[np.repeat(off, ln) + ramp - shift]
    return out.tobytes()


def _ramp_within(counts):
    """For groups of the given sizes: 0..c-1 for each group, concatenated."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ramp = np.arange(total, dtype=np.int64)
    return ramp - np.repeat(np.cumsum(counts) - counts, counts)


