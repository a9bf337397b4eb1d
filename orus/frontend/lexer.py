"""Lexer of Orus: source bytes -> tokens.

Token kinds:
  * "IDENT" (value: the name), "INT" / "FLOAT" (value: the exact number, ``suffix``:
    None or "i32"/"i64"/"u32"/"u64"/"f64"), "STRING" (value: bytes, escapes
    processed), "LABEL" (value: the name after the quote, ``'outer`` -> "outer");
  * keywords and ``true``/``false``: the kind is the word itself ("if", "true", ...);
  * operators and punctuation: the kind is the text itself ("+=", "..=", "(", ...);
  * layout: "NEWLINE" (end of a logical line), "INDENT", "DEDENT", and a final "EOF".

Layout rules (CORE.md §1.7, DECISIONS.md core rows 22-26): a space counts 1 and a tab
4 towards a line's indentation; a Python-style stack turns changes of indentation into
INDENT/DEDENT tokens; lines holding only whitespace and comments are skipped; inside
``()``, ``[]`` and ``{}`` newlines and indentation are ignored.  Whether an INDENT is
allowed where it occurs ("unexpected indent") is decided by the parser.
"""

from __future__ import annotations

import re
from fractions import Fraction

from orus.errors import CompileError

KEYWORDS = frozenset("""
    and as break catch continue elif else enum fn for if impl in match matches mut not
    or pass print pub return struct try use while true false
""".split())

# Range of each suffix type (literals are never negative: `-` is an operator).
INT_LIMITS = {
    "i32": 2**31 - 1,
    "i64": 2**63 - 1,
    "u32": 2**32 - 1,
    "u64": 2**64 - 1,
}
SUFFIXES = ("i32", "i64", "u32", "u64", "f64")

# Longer numeric texts are rejected before any conversion (Python refuses to convert
# huge decimal strings to int, and nothing that long can fit a 64-bit type anyway).
MAX_NUMBER_TEXT = 400

# One alternative per token class; the order matters only where prefixes overlap
# (`..=` before `..` before `.`, and so on).
_MASTER = re.compile(r"""
     (?P<ws>[ \t\r]+)
    |(?P<nl>\n)
    |(?P<lcomment>//[^\n]*)
    |(?P<bcomment>/\*)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<hex>0[xX][A-Za-z0-9_]*)
    |(?P<number>[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9][0-9_]*)?[A-Za-z0-9_]*)
    |(?P<string>")
    |(?P<label>'[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op><<=|>>=|<<|>>|\.\.=|\.\.|->|:=|==|!=|<=|>=|\+=|-=|\*=|/=|%=|&=|\|=|\^=
         |[-+*/%=<>()\[\]{},:;.?!&|^~])
""", re.VERBOSE)

# Pieces of a decimal literal, matched against the text of a `number` token.
_DECIMAL = re.compile(r"""
    (?P<int>[0-9_]+)
    (?:\.(?P<frac>[0-9_]+))?
    (?:[eE](?P<exp>[+-]?[0-9_]+))?
    (?P<suffix>[A-Za-z0-9_]*)\Z
""", re.VERBOSE)
_HEX = re.compile(r"0[xX](?P<digits>[0-9A-Fa-f_]*)(?P<suffix>[A-Za-z0-9_]*)\Z")
_DIGITS = re.compile(r"[0-9]+(?:_[0-9]+)*\Z")           # `_` only between digits
_HEX_DIGITS = re.compile(r"_?[0-9A-Fa-f]+(?:_[0-9A-Fa-f]+)*\Z")

_STRING_SPECIAL = re.compile(r'["\\]')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}

_CLOSERS = {")": "(", "]": "[", "}": "{"}

# Friendlier messages for characters that are not Orus at all.
_BAD_CHAR_HINTS = {
    "#": "'#' does not start a comment in Orus; use //",
    "'": "single quotes are not strings in Orus; use double quotes",
}


class Token:
    """One token: ``kind``, ``value``, 1-based ``line``/``col`` and, for numbers, ``suffix``."""

    __slots__ = ("kind", "value", "line", "col", "suffix")

    def __init__(self, kind, value, line, col, suffix=None):
        self.kind = kind
        self.value = value
        self.line = line
        self.col = col
        self.suffix = suffix

    def __repr__(self):
        extra = ", %s" % self.suffix if self.suffix else ""
        return "Token(%s, %r, %d:%d%s)" % (self.kind, self.value, self.line, self.col, extra)


def decode_source(source, filename="<input>"):
    """Return the source as str; invalid UTF-8 is a compile error at its position."""
    if isinstance(source, str):
        text = source
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:     # lone surrogates cannot be UTF-8
            line = text.count("\n", 0, exc.start) + 1
            col = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
            raise CompileError("invalid character %r in source" % text[exc.start],
                               filename, line, col) from None
    else:
        try:
            text = bytes(source).decode("utf-8")
        except UnicodeDecodeError as exc:
            data = bytes(source)
            line = data.count(b"\n", 0, exc.start) + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise CompileError("invalid UTF-8 byte 0x%02x in source" % data[exc.start],
                               filename, line, col) from None
    if text.startswith("\ufeff"):           # a byte-order mark is not part of the program
        text = text[1:]
    return text


def tokenize(source, filename="<input>"):
    """Turn Orus source (bytes or str) into a list of Token ending with EOF."""
    tokens = []
    for chunk in Lexer(decode_source(source, filename), filename).chunks():
        tokens.extend(chunk)
    return tokens


class Lexer:
    """Scans a decoded source text; ``chunks()`` yields the tokens a few at a time.

    Producing tokens lazily lets the parser stop at the first error of a huge input
    without tokenizing (and storing) all of it first.
    """

    CHUNK = 256     # a chunk ends at a NEWLINE token or after this many tokens

    def __init__(self, text, filename):
        self.text = text
        self.filename = filename
        self.tokens = []            # tokens of the chunk being built
        self.line = 1               # line of the scanning position
        self.line_start = 0         # index of the first character of that line
        self.indents = [0]          # indentation stack
        self.brackets = []          # open brackets: (char, line, col)
        self.unclosed = None        # (line, col) of a bracket found never closed
        self.logical_start = 0      # where the current logical line began
        self.line_has_tokens = False

    # ------------------------------------------------------------------ errors
    def error(self, message, line, col):
        raise CompileError(message, self.filename, line, col,
                           source_line=line_text(self.text, line))

    def error_at(self, message, pos):
        line = self.text.count("\n", 0, pos) + 1
        col = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        self.error(message, line, col)

    # ------------------------------------------------------------------ main loop
    def chunks(self):
        """Generate lists of tokens; the last list ends with the EOF token."""
        text = self.text
        n = len(text)
        pos = 0
        match = _MASTER.match
        chunk_size = self.CHUNK
        tokens = self.tokens
        while pos < n:
            m = match(text, pos)
            if m is None:
                self.bad_character(pos)
            kind = m.lastgroup
            end = m.end()
            if kind == "ws" or kind == "lcomment":
                pos = end
                continue
            if kind == "nl":
                self.newline(pos)
                pos = end
                if tokens and tokens[-1].kind == "NEWLINE" or len(tokens) >= chunk_size:
                    yield tokens
                    tokens = self.tokens = []
                continue
            if kind == "bcomment":
                pos = self.block_comment(pos)
                continue
            col = pos - self.line_start + 1
            if not self.line_has_tokens:
                self.start_logical_line(col)
            if kind == "name":
                word = m.group()
                if word in KEYWORDS:
                    tokens.append(Token(word, word, self.line, col))
                else:
                    tokens.append(Token("IDENT", word, self.line, col))
            elif kind == "op":
                op = m.group()
                if op in "([{":
                    self.brackets.append((op, self.line, col))
                elif op in ")]}":
                    self.close_bracket(op, col)
                elif op == "." and text[end:end + 1].isdigit():
                    self.error("a number cannot start with '.' (write 0.5, not .5)",
                               self.line, col)
                tokens.append(Token(op, op, self.line, col))
            elif kind == "number" or kind == "hex":
                tokens.append(self.number(m.group(), kind == "hex", col))
                if text.startswith(".", end) and not text.startswith("..", end):
                    self.error("unexpected '.' after the number %s (a float literal needs "
                               "digits on both sides of '.', as in 1.0)" % m.group(),
                               self.line, col)
            elif kind == "string":
                end = self.string(pos, col)
            else:  # label
                tokens.append(Token("LABEL", m.group()[1:], self.line, col))
            pos = end
            if len(tokens) >= chunk_size:
                yield tokens
                tokens = self.tokens = []
        self.finish()
        yield self.tokens

    def bad_character(self, pos):
        ch = self.text[pos]
        if ord(ch) > 127:
            message = "non-ASCII character %r outside a string or comment" % ch
        elif ch in _BAD_CHAR_HINTS:
            message = "unexpected character %r: %s" % (ch, _BAD_CHAR_HINTS[ch])
        else:
            message = "unexpected character %r" % ch
        self.error(message, self.line, pos - self.line_start + 1)

    # ------------------------------------------------------------------ layout
    def newline(self, pos):
        if not self.brackets:
            if self.line_has_tokens:
                self.tokens.append(Token("NEWLINE", "\n", self.line, pos - self.line_start + 1))
                self.line_has_tokens = False
            self.logical_start = pos + 1
        self.line += 1
        self.line_start = pos + 1

    def start_logical_line(self, col):
        """First token of a logical line: compare its indentation with the stack."""
        self.line_has_tokens = True
        text = self.text
        i = self.logical_start
        width = 0
        while True:
            ch = text[i] if i < len(text) else ""
            if ch == " ":
                width += 1
            elif ch == "\t":
                width += 4
            elif ch != "\r":
                break
            i += 1
        indents = self.indents
        if width > indents[-1]:
            indents.append(width)
            self.tokens.append(Token("INDENT", width, self.line, col))
        elif width < indents[-1]:
            while width < indents[-1]:
                indents.pop()
                self.tokens.append(Token("DEDENT", width, self.line, col))
            if width != indents[-1]:
                self.error("unindent does not match any outer indentation level",
                           self.line, col)

    def close_bracket(self, op, col):
        if not self.brackets:
            self.error("unmatched '%s'" % op, self.line, col)
        opener, line, _ = self.brackets.pop()
        if opener != _CLOSERS[op]:
            where = "" if line == self.line else " on line %d" % line
            self.error("closing '%s' does not match '%s'%s" % (op, opener, where),
                       self.line, col)

    def finish(self):
        if self.brackets:
            opener, line, col = self.brackets[-1]
            self.unclosed = (line, col)
            self.error("'%s' was never closed" % opener, line, col)
        line, col = self.line, len(self.text) - self.line_start + 1
        if self.line_has_tokens:
            self.tokens.append(Token("NEWLINE", "\n", line, col))
        for _ in self.indents[1:]:
            self.tokens.append(Token("DEDENT", 0, line, col))
        self.tokens.append(Token("EOF", None, line, col))

    # ------------------------------------------------------------------ comments
    def block_comment(self, pos):
        """Skip a non-nesting /* ... */ comment; return the position after it."""
        close = self.text.find("*/", pos + 2)
        if close < 0:
            self.error("unterminated block comment", self.line, pos - self.line_start + 1)
        end = close + 2
        self.skip_lines(pos, end)
        return end

    def skip_lines(self, start, end):
        """Account for newlines inside a multi-line comment or string."""
        count = self.text.count("\n", start, end)
        if count:
            self.line += count
            self.line_start = self.text.rfind("\n", start, end) + 1

    # ------------------------------------------------------------------ strings
    def string(self, pos, col):
        """Lex the string starting at the quote at ``pos``; return the position after it."""
        text = self.text
        line = self.line
        pieces = []
        i = pos + 1
        search = _STRING_SPECIAL.search
        while True:
            m = search(text, i)
            if m is None:
                self.error("unterminated string literal", line, col)
            j = m.start()
            pieces.append(text[i:j])
            if text[j] == '"':
                break
            escape = text[j + 1:j + 2]
            if escape not in _ESCAPES:
                if escape == "":
                    self.error("unterminated string literal", line, col)
                self.error_at("invalid escape sequence '\\%s' in string" % escape, j)
            pieces.append(_ESCAPES[escape])
            i = j + 2
        end = j + 1
        value = "".join(pieces).encode("utf-8")
        self.tokens.append(Token("STRING", value, line, col))
        self.skip_lines(pos, end)
        return end

    # ------------------------------------------------------------------ numbers
    def number(self, text, is_hex, col):
        def fail(message):
            self.error(message, self.line, col)

        if len(text) > MAX_NUMBER_TEXT:
            fail("numeric literal is too long")
        if is_hex:
            m = _HEX.match(text)
            digits, suffix = m.group("digits"), m.group("suffix")
            if not digits or not _HEX_DIGITS.match(digits):
                fail("invalid hexadecimal literal '%s'" % text)
            value = int(digits.replace("_", ""), 16)
            is_float = False
        else:
            m = _DECIMAL.match(text)
            int_part, frac, exp, suffix = m.group("int", "frac", "exp", "suffix")
            for part in (int_part, frac, exp and exp.lstrip("+-")):
                if part is not None and not _DIGITS.match(part):
                    fail("invalid numeric literal '%s': '_' must sit between digits" % text)
            is_float = frac is not None or exp is not None
            if not is_float and len(int_part) > 1 and int_part[0] == "0":
                fail("leading zeros are not allowed in decimal literal '%s'" % text)
            value = (int_part, frac, exp)
        if suffix and suffix not in SUFFIXES:
            fail("invalid suffix '%s' on numeric literal (expected one of %s)"
                 % (suffix, ", ".join(SUFFIXES)))
        suffix = suffix or None
        if is_float:
            return self.float_token(value, suffix, text, fail, col)
        if not is_hex:
            value = int(value[0].replace("_", ""))
        return self.int_token(value, suffix, text, fail, col)

    def int_token(self, value, suffix, text, fail, col):
        if suffix == "f64":
            try:
                return Token("FLOAT", float(value), self.line, col, "f64")
            except OverflowError:
                fail("float literal %s is out of range" % text)
        if suffix is None:
            if value > INT_LIMITS["i64"]:
                fail("integer literal %s is too large (the largest i64 is %d; "
                     "use a u64 suffix for bigger values)" % (text, INT_LIMITS["i64"]))
        elif value > INT_LIMITS[suffix]:
            fail("integer literal %s does not fit in %s" % (text, suffix))
        return Token("INT", value, self.line, col, suffix)

    def float_token(self, parts, suffix, text, fail, col):
        int_part, frac, exp = parts
        int_part = int_part.replace("_", "")
        frac = (frac or "").replace("_", "")
        exp = int((exp or "0").replace("_", ""))
        if suffix in INT_LIMITS:
            # `2.0i32` is allowed when the value is exactly an integer that fits.
            if exp > MAX_NUMBER_TEXT or exp < -MAX_NUMBER_TEXT:
                fail("invalid numeric literal suffix: %s is not a valid %s" % (text, suffix))
            exact = Fraction(int(int_part + frac), 10 ** len(frac)) * Fraction(10) ** exp
            if exact.denominator != 1 or exact > INT_LIMITS[suffix]:
                fail("invalid numeric literal suffix: %s is not a valid %s" % (text, suffix))
            return Token("INT", int(exact), self.line, col, suffix)
        value = float("%s.%se%d" % (int_part, frac or "0", exp))
        if value == float("inf"):
            fail("float literal %s is out of range" % text)
        return Token("FLOAT", value, self.line, col, suffix)


def line_text(text, line):
    """The text of a 1-based line (without its newline), for error displays."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]
