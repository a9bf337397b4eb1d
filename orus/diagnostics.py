"""Error reports (CORE.md §9) and the internal-error message.

``render(err, source_text)`` produces::

    -- RUNTIME PANIC: Division by zero ------------------------------ prog.orus:4:11

      4 | print(num / den)
        |           ^ Division by zero

The header always ends ``FILE:LINE:COL`` (the corpus checker looks for
``:LINE:``).  Lines and columns are 1-based; a column counts characters when
the source is given as ``str`` and bytes when it is given as ``bytes`` (the
caret lines up either way, tabs included).  Everything is robust to a missing
or short source, line/column 0, binary junk and very long lines.
"""

from __future__ import annotations

import os

__all__ = ["render", "internal_error_text", "title_of", "ISSUE_TRACKER"]

# Where users report bugs of the implementation itself.
ISSUE_TRACKER = "the Orus project's issue tracker"

HEADER_WIDTH = 80        # the header is padded with dashes to this width
MAX_HEADER_MESSAGE = 60  # longer messages are shortened in the header only
MAX_LINE_DISPLAY = 120   # longer source lines are cut around the column

_RESET = "\x1b[0m"
_BOLD_RED = "\x1b[1;31m"
_BOLD_MAGENTA = "\x1b[1;35m"
_BLUE = "\x1b[34m"

# Category titles for compile errors, by the keyword found in the error's
# ``category``/``kind``/``title`` attribute or its class name.
_CATEGORY_WORDS = (
    ("syntax", "SYNTAX ERROR"), ("parse", "SYNTAX ERROR"), ("lex", "SYNTAX ERROR"),
    ("indent", "SYNTAX ERROR"), ("type", "TYPE MISMATCH"), ("mismatch", "TYPE MISMATCH"),
    ("scope", "SCOPE ERROR"), ("undefined", "SCOPE ERROR"), ("name", "SCOPE ERROR"),
    ("mutab", "MUTABILITY ERROR"), ("immutable", "MUTABILITY ERROR"),
    ("import", "MODULE ERROR"), ("module", "MODULE ERROR"),
)


def _as_int(v) -> int:
    try:
        return max(0, int(v))
    except (TypeError, ValueError, OverflowError):
        return 0


def _clean(text: str) -> str:
    """One line of message text: control characters made visible."""
    return "".join(c if c >= " " and c != "\x7f" else ("\\x%02x" % ord(c)) for c in text)


def title_of(err) -> str:
    """The category shown in the header: RUNTIME PANIC or a compile category."""
    if getattr(err, "phase", None) == "runtime":
        return "RUNTIME PANIC"
    for attr in ("category", "title"):
        v = getattr(err, attr, None)
        if isinstance(v, str) and v.strip():
            return _clean(v.strip()).upper()
    hints = [getattr(err, "kind", None), type(err).__name__]
    for h in hints:
        if isinstance(h, str):
            low = h.lower()
            for word, title in _CATEGORY_WORDS:
                if word in low:
                    return title
    return "COMPILE ERROR"


def _message_lines(err) -> list:
    msg = getattr(err, "message", None)
    if msg is None:
        msg = str(err)
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    msg = str(msg)
    lines = [_clean(part.rstrip("\r")) for part in msg.split("\n")]
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return lines or [""]


def _source_line(source_text, line: int, err):
    """(text of line `line`, the column unit 'char'|'byte'), or (None, None).

    Taken from ``source_text`` when it has that line, else from the error's
    ``source_line`` attribute.
    """
    if line <= 0:
        return None, None
    if source_text is not None:
        found = _line_of(source_text, line)
        if found[0] is not None:
            return found
    sl = getattr(err, "source_line", None)
    if sl is None:
        return None, None
    if isinstance(sl, (bytes, bytearray)):
        return bytes(sl).rstrip(b"\r\n"), "byte"
    return str(sl).rstrip("\r\n"), "char"


def _line_of(source_text, line: int):
    """Line ``line`` (1-based) of a whole source text; lines end at "\\n"."""
    if isinstance(source_text, (bytes, bytearray, memoryview)):
        text, nl, cr, unit = bytes(source_text), b"\n", b"\r", "byte"
    else:
        text, nl, cr, unit = str(source_text), "\n", "\r", "char"
    start = 0
    for _ in range(line - 1):
        start = text.find(nl, start)
        if start < 0:
            return None, None
        start += 1
    end = text.find(nl, start)
    if end < 0:
        if start >= len(text):          # past the last line
            return None, None
        end = len(text)
    return text[start:end].rstrip(cr), unit


def _char_width(c: str) -> int:
    if c < "\x7f":
        return 1
    import unicodedata              # only for reports with non-ASCII lines (start-up cost)
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def _visible(c: str) -> str:
    """How a source character is shown: control characters become '?'."""
    if c == "\t":
        return c
    if c < " " or c == "\x7f":
        return "?"
    if c > "\x7f":
        import unicodedata
        if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn"):
            return "?"
    return c


def _snippet(raw, unit: str, col: int):
    """(display line, caret padding) for the source line and 1-based column."""
    if unit == "byte":
        cut = min(max(col - 1, 0), len(raw))
        prefix = raw[:cut].decode("utf-8", "replace")
        text = prefix + raw[cut:].decode("utf-8", "replace")
        idx = len(prefix)
    else:
        text = raw
        idx = min(max(col - 1, 0), len(text))
    chars = [_visible(c) for c in text]
    if col <= 0:
        # unknown column: point at the first non-blank character
        idx = next((i for i, c in enumerate(chars) if c not in (" ", "\t")), 0)
    # cut very long lines around the column
    lead = trail = ""
    if len(chars) > MAX_LINE_DISPLAY:
        half = MAX_LINE_DISPLAY // 2
        start = max(0, min(idx - half, len(chars) - MAX_LINE_DISPLAY))
        end = start + MAX_LINE_DISPLAY
        if start > 0:
            lead = "..."
        if end < len(chars):
            trail = "..."
        chars = chars[start:end]
        idx -= start
    pad = [lead and "   "]
    for c in chars[:idx]:
        pad.append("\t" if c == "\t" else " " * _char_width(c))
    return lead + "".join(chars) + trail, "".join(pad)


def render(err, source_text=None, color: bool = False) -> str:
    """The report of CORE.md §9 for an OrusError (or anything with its attributes).

    ``source_text``: the whole source file (str or bytes) or None, in which case
    ``err.source_line`` is used when present; the error's own ``source`` (the
    text of the file it happened in, set for modules) wins over it.  The
    result ends with a newline.
    """
    own = getattr(err, "source", None)
    if own is not None:
        source_text = own
    phase = getattr(err, "phase", None)
    filename = getattr(err, "filename", None) or "<input>"
    if isinstance(filename, bytes):
        filename = filename.decode("utf-8", "replace")
    filename = _clean(str(filename))
    line = _as_int(getattr(err, "line", 0))
    col = _as_int(getattr(err, "col", 0))
    msg_lines = _message_lines(err)
    first = msg_lines[0]
    title = title_of(err)

    head_msg = first if len(first) <= MAX_HEADER_MESSAGE else first[:MAX_HEADER_MESSAGE - 3] + "..."
    left = "-- %s: %s" % (title, head_msg) if head_msg else "-- %s" % title
    right = "%s:%d:%d" % (filename, line, col)
    dashes = max(3, HEADER_WIDTH - len(left) - len(right) - 2)
    header = "%s %s %s" % (left, "-" * dashes, right)

    accent = _BOLD_MAGENTA if phase == "runtime" else _BOLD_RED
    if color:
        out = [accent + header + _RESET, ""]
    else:
        out = [header, ""]

    raw, unit = _source_line(source_text, line, err)
    if raw is not None:
        shown, pad = _snippet(raw, unit, col)
        num = str(line)
        gutter = "  %s | " % num
        blank = "  %s | " % (" " * len(num))
        caret = pad + "^" + (" " + first if first else "")
        if color:
            out.append(_BLUE + gutter + _RESET + shown)
            out.append(_BLUE + blank + _RESET + accent + caret + _RESET)
        else:
            out.append(gutter + shown)
            out.append((blank + caret).rstrip(" "))
        rest = msg_lines[1:]
        indent = " " * (len(num) + 3)
        for extra in rest:
            out.append((indent + "= " + extra).rstrip() if extra else indent + "|")
    else:
        for text in msg_lines:
            out.append(("  " + text).rstrip())

    for attr in ("hint", "note", "help"):
        v = getattr(err, attr, None)
        if isinstance(v, str) and v.strip():
            out.append("  = %s: %s" % (attr, _clean(v.strip().split("\n")[0])))
    return "\n".join(out) + "\n"


def internal_error_text(exc: BaseException) -> str:
    """The message for an unexpected Python exception: a bug in Orus itself."""
    name = type(exc).__name__
    detail = " ".join(str(exc).split())
    if len(detail) > 200:
        detail = detail[:197] + "..."
    what = "%s: %s" % (name, detail) if detail else name
    lines = [
        "orus: internal error -- this is a bug in Orus, not in your program.",
        "Please report it at %s and include the program that triggered it." % ISSUE_TRACKER,
        "  " + what,
    ]
    if os.environ.get("ORUS_DEBUG") == "1":
        import traceback
        lines.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip())
    else:
        lines.append("(set ORUS_DEBUG=1 to see the Python traceback)")
    return "\n".join(lines) + "\n"
