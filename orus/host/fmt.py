"""All text formatting the host does: print output, `as string`, messages.

Pure Python, no numpy (the output decoders are orus/host/output.py and fmt_vector.py);
nothing here is compiled by Numba.  The rules are CORE.md §7 as amended by DECISIONS.md core rows 9, 10,
11, 33 and 34:

* ``fmt_f64``        print's float format (CORE §7.1), byte-exact.
* ``format_scalar``  the normal format of one value given its OUT_* kind and
                     its 64-bit register bits.
* ``format_spec``    a value formatted by an ``@`` template spec (CORE §7.3).
* ``render_print``   the full output line of one ``print`` statement.
* the output records' layout (decoded by orus/host/output.py).

Record layout written by the VM (see ``OutputDecoder``): an int64 array
``rec`` of shape (cap, 3) holding ``kind, x, y`` per record and a uint8 array
``blob`` with the bytes of strings:

* kind 0..7 (``OUT_*``): one printed value.  For OUT_STR and OUT_FN, ``x`` is
  an offset into ``blob`` and ``y`` a length: the string's bytes, or for a
  function its NAME, which the decoder shows as ``<fn NAME>`` (text that is
  already ``<fn NAME>`` is taken as is); for every other kind ``x`` is the value's 64-bit register
  bits (i32 sign-extended, u32 zero-extended, u64 as its two's complement
  pattern, f64 as its IEEE bits, bool 0/1) and ``y`` is unused.
* kind ``OUTEND_REC`` (100): the end of one print statement.  ``x`` is the id
  of the template string (the first argument when it is a string literal; the
  template is *not* written as a value record) or -1; ``y`` is the number of
  value records of the statement, i.e. the records since the previous
  OUTEND_REC.
"""

from __future__ import annotations

import struct

from orus.bytecode.opcodes import (OUT_BOOL, OUT_F64, OUT_FN, OUT_I32, OUT_I64, OUT_STR, OUT_U32,
                                   OUT_U64)

__all__ = [
    "OUTEND_REC", "fmt_f64", "format_scalar", "format_scalar_str", "format_spec",
    "render_print", "parse_template", "Template",
    "bits_to_f64", "f64_to_bits",
]

# Record kind that ends a print statement (x = template id or -1, y = count).
OUTEND_REC = 100

_MASK64 = (1 << 64) - 1
_INF = float("inf")
_NINF = float("-inf")

_pack_q = struct.Struct("<q").pack
_unpack_d = struct.Struct("<d").unpack
_pack_d = struct.Struct("<d").pack
_unpack_q = struct.Struct("<q").unpack


def bits_to_f64(bits: int) -> float:
    """The float whose IEEE-754 bit pattern is ``bits`` (signed or unsigned int64)."""
    return _unpack_d(_pack_q(((bits + (1 << 63)) & _MASK64) - (1 << 63)))[0]


def bits_to_f64_list(bits: list) -> list:
    """Many int64 bit patterns as floats (one C-level conversion)."""
    from array import array
    return memoryview(array("q", bits)).cast("B").cast("d").tolist()


def f64_to_bits(v: float) -> int:
    """The IEEE-754 bit pattern of ``v`` as a signed int64."""
    return _unpack_q(_pack_d(v))[0]


# ---------------------------------------------------------------------------
# f64 (CORE §7.1)
# ---------------------------------------------------------------------------

def fmt_f64(v: float) -> str:
    """print's float format: 17 digits after the point, trailing zeros removed.

    ``%.17g`` below 1e-4 in magnitude (exponent with sign and >= 2 digits, as
    C), ``%.17f`` otherwise; NaN of either sign is ``nan``; both zeros are ``0``.
    """
    if v != v:
        return "nan"
    if v == _INF:
        return "inf"
    if v == _NINF:
        return "-inf"
    if v == 0.0:
        return "0"
    if -1e-4 < v < 1e-4:
        s = "%.17g" % v
        mant, e, exp = s.partition("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        return mant + e + exp
    # %.17f always contains a point and never an exponent.
    return ("%.17f" % v).rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------
# one value
# ---------------------------------------------------------------------------

def _signed(bits: int) -> int:
    return ((bits + (1 << 63)) & _MASK64) - (1 << 63)


def format_scalar_str(kind: int, bits: int) -> str:
    """Like ``format_scalar`` but returns ``str`` (ASCII)."""
    if kind == OUT_I32 or kind == OUT_I64:
        return str(_signed(bits))
    if kind == OUT_U32 or kind == OUT_U64:
        return str(bits & _MASK64)
    if kind == OUT_F64:
        return fmt_f64(bits_to_f64(bits))
    if kind == OUT_BOOL:
        return "true" if bits else "false"
    raise ValueError("format_scalar: kind %r has no numeric payload" % (kind,))


def format_scalar(kind: int, bits: int) -> bytes:
    """The normal print text of a numeric or bool value (CORE §7.1).

    ``bits`` is the value's 64-bit register content as a Python int (signed or
    unsigned reading both work).  OUT_STR and OUT_FN are not handled here: their
    text is already at hand (raw bytes / ``b"<fn NAME>"``).
    """
    return format_scalar_str(kind, bits).encode("ascii")


def _spec_str(kind: int, bits: int, spec: str) -> str:
    if spec:
        c = spec[0]
        if kind == OUT_F64:
            # "." followed by at least one digit, optional trailing "f".
            if c == "." and len(spec) > 1 and spec[1].isdigit():
                digits = spec[1:-1] if spec.endswith("f") else spec[1:]
                if digits.isascii() and digits.isdigit():
                    return "%.*f" % (int(digits), bits_to_f64(bits))
        elif kind in (OUT_I32, OUT_I64, OUT_U32, OUT_U64) and len(spec) == 1:
            if c in "xXob":
                u = bits & _MASK64   # i32/i64: 64-bit two's complement pattern
                if c == "x":
                    return "%x" % u
                if c == "X":
                    return "%X" % u
                if c == "o":
                    return "%o" % u
                return format(u, "b")
    return format_scalar_str(kind, bits)


def format_spec(kind: int, bits: int, spec: str) -> bytes:
    """A value formatted by an ``@`` template spec (CORE §7.3).

    ``spec`` is what followed the ``@``: ``""``, one of ``x X o b``, or ``.``
    + digits + optional ``f``.  ``x X o b`` apply to integers (i32/i64 through
    their 64-bit two's complement pattern), ``.N``/``.Nf`` to f64 (C ``%.Nf``);
    any other combination gives the normal format.  For OUT_STR / OUT_FN pass
    the text itself as ``bits`` (bytes); it is returned unchanged.
    """
    if kind == OUT_STR or kind == OUT_FN:
        return bytes(bits)
    return _spec_str(kind, bits, spec).encode("ascii")


# ---------------------------------------------------------------------------
# one print statement
# ---------------------------------------------------------------------------

_AT = 0x40      # '@'
_DOT = 0x2E     # '.'
_F = 0x66       # 'f'
_RADIX = frozenset(b"xXbo")


class Template:
    """A parsed ``@`` template: ``pieces[0] P0 pieces[1] P1 ... pieces[k]``.

    ``specs[j]`` is the spec text of placeholder j ("" , "x", ".2f", ...);
    ``pieces`` are the literal runs between placeholders with every ``@@``
    already turned into ``@`` (DECISIONS core row 10).  A placeholder that
    finds no value left is written back as ``b"@" + spec``.
    """

    __slots__ = ("pieces", "specs", "raw_specs", "_tails")

    def __init__(self, text: bytes):
        pieces = []
        specs = []
        cur = []
        n = len(text)
        i = 0
        find = text.find
        while True:
            j = find(b"@", i)
            if j < 0:
                cur.append(text[i:])
                break
            cur.append(text[i:j])
            k = j + 1
            if k < n and text[k] == _AT:          # "@@" -> "@", consumes nothing
                cur.append(b"@")
                i = k + 1
                continue
            e = k
            if k < n:
                c = text[k]
                if c == _DOT:
                    e = k + 1
                    while e < n and 0x30 <= text[e] <= 0x39:
                        e += 1
                    if e < n and text[e] == _F:
                        e += 1
                elif c in _RADIX:
                    e = k + 1
            pieces.append(b"".join(cur))
            cur = []
            specs.append(text[k:e].decode("ascii"))
            i = e
        pieces.append(b"".join(cur))
        self.pieces = pieces
        self.specs = specs
        self.raw_specs = [sp.encode("ascii") for sp in specs]
        self._tails = {}

    def tail(self, used: int) -> bytes:
        """Text after the ``used``-th placeholder up to the end of the template
        (unused placeholders written literally), without the newline."""
        t = self._tails.get(used)
        if t is None:
            parts = [self.pieces[used]]
            for k in range(used, len(self.specs)):
                parts.append(b"@" + self.raw_specs[k])
                parts.append(self.pieces[k + 1])
            t = self._tails[used] = b"".join(parts)
        return t


_template_cache: dict = {}


def parse_template(text: bytes) -> Template:
    """The parsed form of a template string (cached)."""
    text = bytes(text)
    t = _template_cache.get(text)
    if t is None:
        if len(_template_cache) > 4096:
            _template_cache.clear()
        t = _template_cache[text] = Template(text)
    return t


def _value_text(kind: int, payload, spec: str = "") -> bytes:
    if kind == OUT_STR or kind == OUT_FN:
        return bytes(payload)
    if spec:
        return _spec_str(kind, payload, spec).encode("ascii")
    return format_scalar_str(kind, payload).encode("ascii")


def render_print(template, values) -> bytes:
    """The complete output of one print statement, trailing newline included.

    ``template``: the first argument's bytes when it is a string literal
    (escapes already processed by the lexer; backslashes are not processed
    again), else None; a parsed ``Template`` is accepted too.  ``values``: the remaining arguments as ``(kind,
    payload)``: payload is the final bytes for OUT_STR / OUT_FN and the int64
    register bits otherwise.

    Without a template the values are joined by one space.  With one, each
    ``@`` (optionally followed by ``.digits[f]`` or one of ``xXbo``) takes the
    next value, ``@@`` writes one ``@`` and takes nothing, an ``@`` with no
    value left is written literally with its spec; unused values follow, each
    preceded by one space.
    """
    out: list = []
    nvals = len(values)
    if template is None:
        for idx in range(nvals):
            kind, payload = values[idx]
            if idx:
                out.append(b" ")
            out.append(_value_text(kind, payload))
    else:
        t = template if isinstance(template, Template) else parse_template(template)
        specs = t.specs
        pieces = t.pieces
        used = min(len(specs), nvals)
        for j in range(used):
            kind, payload = values[j]
            out.append(pieces[j])
            out.append(_value_text(kind, payload, specs[j]))
        out.append(t.tail(used))
        for idx in range(used, nvals):
            kind, payload = values[idx]
            out.append(b" ")
            out.append(_value_text(kind, payload))
    out.append(b"\n")
    return b"".join(out)


# ---------------------------------------------------------------------------
# helpers of the output decoders (orus/host/output.py, fmt_vector.py)
# ---------------------------------------------------------------------------

_INT_KINDS = (OUT_I32, OUT_I64, OUT_U32, OUT_U64)


def _fn_text(name: bytes) -> bytes:
    """``<fn NAME>`` for a function record's blob bytes (NAME, or already wrapped)."""
    if name.startswith(b"<fn ") and name.endswith(b">"):
        return name
    return b"<fn " + name + b">"


def _spec_applies(kind: int, spec: str) -> bool:
    """Does ``spec`` change the text of a value of ``kind`` (vs. the normal format)?"""
    if not spec:
        return False
    if kind == OUT_F64:
        return spec[0] == "." and len(spec) > 1 and "0" <= spec[1] <= "9"
    return kind in _INT_KINDS and spec in ("x", "X", "o", "b")
