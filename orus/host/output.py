"""The VM's output buffer -> the program's stdout bytes.

Record layout: see orus/host/fmt.py's module docstring.  Small flushes are
decoded record by record in plain Python (no numpy); large ones by the
vectorised decoder in orus/host/fmt_vector.py, imported only then.
"""

from __future__ import annotations

from orus.bytecode.opcodes import OUT_FN, OUT_STR
from orus.host.fmt import OUTEND_REC, Template, _fn_text, parse_template, render_print

SMALL = 192  # below this many records the plain loop beats numpy's setup cost (~70 us)


class OutputDecoder:
    """Turns the VM's output records into the program's stdout bytes.

    ``decode(rec, nrec, blob, strings)`` formats the first ``nrec`` records
    (see the module docstring for their layout) and returns the text of every
    *complete* print statement, in order.  Records after the last OUTEND_REC
    (a statement still being written) are not decoded; ``consumed`` then holds
    the number of records that were, so a caller flushing a full buffer can
    move the rest to the front and call again.

    ``strings(sid) -> bytes`` returns the (escape-processed) text of a template
    string; results are cached per decoder while the same callable is passed.
    """

    __slots__ = ("consumed", "_templates", "_strings")

    def __init__(self):
        self.consumed = 0
        self._templates = {}
        self._strings = None

    def _template(self, sid: int, strings) -> Template:
        if strings != self._strings:      # (bound methods compare equal, not identical)
            self._templates.clear()
            self._strings = strings
        t = self._templates.get(sid)
        if t is None:
            if strings is None:
                raise ValueError("OutputDecoder: a template statement needs `strings`")
            t = self._templates[sid] = parse_template(bytes(strings(sid)))
        return t

    def decode(self, rec, nrec: int, blob, strings=None) -> bytes:
        nrec = int(nrec)
        if nrec <= 0:
            self.consumed = 0
            return b""
        import numpy as np
        r = np.asarray(rec)[:nrec]
        kinds = r[:, 0]
        if nrec < SMALL:
            kl = kinds.tolist()
            n = nrec
            while n and kl[n - 1] != OUTEND_REC:
                n -= 1
            self.consumed = n
            return self.decode_records(r[:n].tolist(), blob, strings) if n else b""
        ends = np.flatnonzero(kinds == OUTEND_REC)
        if len(ends) == 0:
            self.consumed = 0
            return b""
        n = int(ends[-1]) + 1
        self.consumed = n
        return self._decode_vector(np.ascontiguousarray(r[:n]), ends, blob, strings)

    __call__ = decode

    def decode_records(self, records, blob, strings=None) -> bytes:
        """Per-record decoding of complete statements given as a list of
        [kind, x, y] (small buffers; no numpy: `blob` is any uint8 array
        with ``tobytes``)."""
        blob_b = None
        out = []
        vals = []
        for kind, x, y in records:
            if kind == OUTEND_REC:
                if x >= 0:
                    out.append(self._render_tmpl(x, strings, vals))
                else:
                    out.append(render_print(None, vals))
                vals = []
            elif kind == OUT_STR or kind == OUT_FN:
                if blob_b is None:
                    blob_b = blob.tobytes()
                vals.append((kind, blob_b[x:x + y] if kind == OUT_STR else _fn_text(blob_b[x:x + y])))
            elif 0 <= kind < 8:
                vals.append((kind, x))
            else:
                raise ValueError("OutputDecoder: unknown record kind %d" % kind)
        return b"".join(out)

    def _render_tmpl(self, sid, strings, vals) -> bytes:
        return render_print(self._template(sid, strings), vals)

    def _decode_vector(self, r, ends, blob, strings) -> bytes:
        from orus.host.fmt_vector import decode_vector
        return decode_vector(self, r, ends, blob, strings)


def decode(rec, nrec, blob, strings=None) -> bytes:
    """One-shot ``OutputDecoder().decode(...)``."""
    return OutputDecoder().decode(rec, nrec, blob, strings)
