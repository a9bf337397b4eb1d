"""An independent evaluator of the fuzzer's programs (see generate.py).

It interprets the generator's AST directly, in plain Python, following
CORE.md / DATA.md as amended by DECISIONS.md.  It imports nothing from the
``orus`` package.  ``run(program)`` returns an Expected:

    stdout   the exact text printed
    status   0, or 70 after a runtime error
    message  the runtime error's message (None without error)
    line     the 1-based source line of the failing operation

Semantics implemented (spec references):
* i32/i64 `+ - *` and negation: "Integer overflow" outside the range;
  u32/u64 wrap (CORE 4.2).  `/` truncates toward 0, `%` has the dividend's
  sign; by zero: "Division by zero" for every type, f64 included; MIN / -1
  and MIN % -1: "Integer overflow" (DECISIONS 14).
* f64: IEEE; `%` is C fmod; printing by the §7.1 algorithm.
* casts as Rust's `as` (DECISIONS 8): int->int wraps, int->f64 nearest,
  f64->int truncates and saturates (NaN -> 0), bool <-> numbers 0/1,
  number -> bool is `!= 0`, anything -> string as print shows it (row 9).
* comparisons compare exact values (int vs f64 too, DECISIONS 19);
  strings by bytes.  `and`/`or` short-circuit (row 1).  `?:` evaluates one branch.
* arrays are shared Python lists; index errors per DATA 3.2, strings per 2.
* `for` bounds and step evaluated once (start, end, step), step 0 is
  "Range step cannot be zero" (row 15); unsigned ranges may count down (row 27).
* print: arguments evaluated first, joined by one space; a string-literal
  first argument is an `@` template (DECISIONS 10, CORE 7.3 format specs).
"""

from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import (  # noqa: E402  (the fuzzer's own AST, not orus')
    BITS, HI, INT_TYPES, LO, SIGNED, ArrLit, Assign, Bin, Break, Call, Cast, Cmp, Cond,
    Continue, Decl, ExprStmt, FnDef, For, If, Index, Len, Lit, Logic, Neg, Not, Pop, Print,
    Push, Return, SetIndex, Slice, ForEach, Var, While, elem, is_arr)

sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))

STEP_LIMIT = 15000
OUTPUT_LIMIT = 200_000
DEPTH_LIMIT = 2000


class Budget(Exception):
    """The program runs too long (the generator then tries again)."""


class OrusError(Exception):
    def __init__(self, message, line):
        super().__init__(message)
        self.message, self.line = message, line


class _Break(Exception):
    def __init__(self, label):
        self.label = label


class _Continue(Exception):
    def __init__(self, label):
        self.label = label


class _Return(Exception):
    def __init__(self, value):
        self.value = value


class Expected:
    def __init__(self, stdout, status, message, line):
        self.stdout, self.status, self.message, self.line = stdout, status, message, line

    def __repr__(self):
        return "Expected(status=%d, message=%r, line=%r)" % (self.status, self.message, self.line)


# ------------------------------------------------------------------ formatting
def fmt_f64(v):
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if v == 0.0:
        return "0"
    s = ("%.17g" % v) if abs(v) < 1e-4 else ("%.17f" % v)
    mant, e, exp = s.partition("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant + e + exp


def fmt(v, t):
    if is_arr(t):
        return ", ".join(fmt(x, elem(t)) for x in v)
    if t == "bool":
        return "true" if v else "false"
    if t == "f64":
        return fmt_f64(v)
    if t == "string":
        return v
    return str(v)


def fmt_spec(v, t, spec):
    """`@SPEC` in a print template (CORE 7.3)."""
    if t in INT_TYPES:
        pattern = v & (2**64 - 1)             # i32/i64: the 64-bit two's complement
        if spec == "x":
            return "%x" % pattern
        if spec == "X":
            return "%X" % pattern
        if spec == "o":
            return "%o" % pattern
        if spec == "b":
            return bin(pattern)[2:]
        return str(v)
    if t == "f64" and len(spec) >= 2 and spec[0] == "." and spec[1].isdigit():
        digits = spec[1:].rstrip("f")
        return "%.*f" % (int(digits), v)
    return fmt(v, t)


def template(text, args):
    """args: [(value, type)] after the template itself."""
    out = []
    i, n, k = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "@":
            if i + 1 < n and text[i + 1] == "@":
                out.append("@")
                i += 2
                continue
            j = i + 1
            spec = ""
            if j < n and text[j] == ".":
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
                if j < n and text[j] == "f":
                    j += 1
                spec = text[i + 1:j]
            elif j < n and text[j] in "xXbo":
                j += 1
                spec = text[i + 1:j]
            if k < len(args):
                out.append(fmt_spec(args[k][0], args[k][1], spec))
                k += 1
            else:
                out.append("@" + spec)
            i = j
            continue
        out.append(c)
        i += 1
    for v, t in args[k:]:
        out.append(" " + fmt(v, t))
    return "".join(out)


# ------------------------------------------------------------------ numbers
def wrap(v, t):
    n = BITS[t]
    v &= (1 << n) - 1
    if t in SIGNED and v >= 1 << (n - 1):
        v -= 1 << n
    return v


def fmod(a, b):
    if math.isnan(a) or math.isnan(b) or math.isinf(a):
        return float("nan")
    if math.isinf(b):
        return a
    return math.fmod(a, b)


def deep_eq(a, b):
    """`==` (arrays by contents, DATA row 1; NaN unequal to itself)."""
    if isinstance(a, list):
        return len(a) == len(b) and all(deep_eq(x, y) for x, y in zip(a, b))
    return a == b


def cast(v, src, dst):
    if dst == "string":
        return fmt(v, src)
    if src == dst:
        return v
    if src == "bool":
        v = 1 if v else 0
        return float(v) if dst == "f64" else v
    if dst == "bool":
        return v != 0
    if src == "f64":
        if dst == "f64":
            return v
        if v != v:
            return 0
        if math.isinf(v):
            return HI[dst] if v > 0 else LO[dst]
        return max(LO[dst], min(HI[dst], math.trunc(v)))
    if dst == "f64":
        return float(v)
    return wrap(v, dst)


# ------------------------------------------------------------------ the machine
class Machine:
    def __init__(self, program):
        self.fns = {s.name: s for s in program.body if isinstance(s, FnDef)}
        self.out = []
        self.size = 0
        self.steps = 0
        self.line = 0
        self.depth = 0

    def error(self, message):
        raise OrusError(message, self.line)

    def tick(self):
        self.steps += 1
        if self.steps > STEP_LIMIT:
            raise Budget()

    # ---------------------------------------------------------- expressions
    def arith(self, op, a, b, t):
        if t == "string":
            if len(a) + len(b) > 20_000:
                raise Budget()            # `s += s` in a loop doubles the text
            return a + b
        if t == "f64":
            if op in "/%" and b == 0.0:
                self.error("Division by zero")
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b
            return fmod(a, b)
        if op == "+":
            v = a + b
        elif op == "-":
            v = a - b
        elif op == "*":
            v = a * b
        else:
            if b == 0:
                self.error("Division by zero")
            q = abs(a) // abs(b)
            if (a < 0) != (b < 0):
                q = -q
            v = q if op == "/" else a - b * q
            if op == "%" and t in SIGNED and not (LO[t] <= q <= HI[t]):
                self.error("Integer overflow")          # MIN % -1 (DECISIONS 14)
        if t in SIGNED:
            if not (LO[t] <= v <= HI[t]):
                self.error("Integer overflow")
            return v
        return wrap(v, t)

    def ev(self, e):
        if isinstance(e, Lit):
            return e.value
        if isinstance(e, Var):
            env = self.env
            if e.name in env:
                return env[e.name]
            if e.name in self.globals:
                return self.globals[e.name]
            self.error("variable '%s' used before it is initialized" % e.name)   # DECISIONS 13
        if isinstance(e, Bin):
            a = self.ev(e.l)
            b = self.ev(e.r)
            return self.arith(e.op, a, b, e.ty)
        if isinstance(e, Cmp):
            a = self.ev(e.l)
            b = self.ev(e.r)
            op = e.op
            if op == "==":
                return deep_eq(a, b)
            if op == "!=":
                return not deep_eq(a, b)
            if op == "<":
                return a < b
            if op == "<=":
                return a <= b
            if op == ">":
                return a > b
            return a >= b
        if isinstance(e, Logic):
            a = self.ev(e.l)
            if e.op == "and":
                return self.ev(e.r) if a else False
            return True if a else self.ev(e.r)
        if isinstance(e, Not):
            return not self.ev(e.e)
        if isinstance(e, Neg):
            v = self.ev(e.e)
            if e.ty == "f64":
                return -v
            if e.ty in SIGNED and v == LO[e.ty]:
                self.error("Integer overflow")
            return -v
        if isinstance(e, Cast):
            return cast(self.ev(e.e), e.e.ty, e.ty)
        if isinstance(e, Call):
            return self.call(e)
        if isinstance(e, Index):
            base = self.ev(e.base)
            i = self.ev(e.idx)
            if isinstance(base, str):
                if i < 0:
                    self.error("String index must be a non-negative integer")
                if i >= len(base.encode()):
                    self.error("String index out of bounds")
                return base.encode()[i:i + 1].decode("latin-1")
            if i < 0:
                self.error("Array index must be a non-negative integer")
            if i >= len(base):
                self.error("Array index out of bounds")
            return base[i]
        if isinstance(e, Slice):
            base = self.ev(e.base)
            start = self.ev(e.start) if e.start is not None else 0
            end = self.ev(e.end) if e.end is not None else len(base)
            first, count = self.slice_bounds(len(base), start, end)
            return base[first:first + count]
        if isinstance(e, Len):
            v = self.ev(e.e)
            return len(v.encode()) if isinstance(v, str) else len(v)
        if isinstance(e, Pop):
            a = self.ev(e.arr)
            if not a:
                self.error("Cannot pop from an empty array")
            return a.pop()
        if isinstance(e, Cond):
            return self.ev(e.a) if self.ev(e.c) else self.ev(e.b)
        if isinstance(e, ArrLit):
            return [self.ev(x) for x in e.elems]
        raise AssertionError(e)

    def call(self, e):
        args = [self.ev(a) for a in e.args]
        f = self.fns[e.fn]
        self.depth += 1
        if self.depth > DEPTH_LIMIT:
            raise Budget()
        saved_env, saved_line = self.env, self.line
        self.env = {name: v for (name, _), v in zip(f.params, args)}
        self.tick()
        try:
            self.block(f.body)
            value = None
        except _Return as r:
            value = r.value
        self.env, self.line = saved_env, saved_line
        self.depth -= 1
        return value

    # ---------------------------------------------------------- statements
    def block(self, stmts):
        for s in stmts:
            self.st(s)

    def write(self, text):
        self.out.append(text)
        self.size += len(text)
        if self.size > OUTPUT_LIMIT:
            raise Budget()

    def st(self, s):
        self.tick()
        if isinstance(s, FnDef):
            return
        self.line = s.line
        if isinstance(s, Decl):
            self.env[s.name] = self.ev(s.expr)
        elif isinstance(s, Assign):
            env = self.env if s.name in self.env else self.globals
            if s.op is None:
                env[s.name] = self.ev(s.expr)
            else:
                cur = env[s.name]
                rhs = self.ev(s.expr)
                env[s.name] = self.arith(s.op, cur, rhs, s.ty)
        elif isinstance(s, SetIndex):
            arr = self.ev(s.arr)
            i = self.ev(s.idx)
            if s.op is not None:
                cur = self.index_check(arr, i)
                rhs = self.ev(s.expr)
                arr[i] = self.arith(s.op, cur, rhs, elem(s.arr.ty))
            else:
                rhs = self.ev(s.expr)
                self.index_check(arr, i)
                arr[i] = rhs
        elif isinstance(s, Push):
            arr = self.ev(s.arr)
            arr.append(self.ev(s.value))
        elif isinstance(s, ExprStmt):
            self.ev(s.expr)
        elif isinstance(s, Print):
            vals = [(self.ev(a), a.ty) for a in s.args]
            if s.template is not None:
                text = template(s.template, vals)
            else:
                text = " ".join(fmt(v, t) for v, t in vals)
            self.write(text + "\n")
        elif isinstance(s, If):
            for (c, body), line in zip(s.branches, s.lines):
                self.line = line
                if self.ev(c):
                    self.block(body)
                    return
            if s.else_body:
                self.block(s.else_body)
        elif isinstance(s, While):
            while True:
                self.tick()
                self.line = s.line
                if not self.ev(s.cond):
                    break
                try:
                    self.block(s.body)
                except _Break as b:
                    if b.label is None or b.label == s.label:
                        break
                    raise
                except _Continue as c:
                    if c.label is None or c.label == s.label:
                        continue
                    raise
        elif isinstance(s, For):
            start = self.ev(s.start)
            end = self.ev(s.end)
            step = self.ev(s.step) if s.step is not None else 1
            if step == 0:
                self.error("Range step cannot be zero")
            if s.inclusive:
                end = end + (1 if step > 0 else -1)
            for v in range(start, end, step):
                self.tick()
                self.env[s.var] = v
                try:
                    self.block(s.body)
                except _Break as b:
                    if b.label is None or b.label == s.label:
                        break
                    raise
                except _Continue as c:
                    if c.label is None or c.label == s.label:
                        continue
                    raise
                self.line = s.line
        elif isinstance(s, ForEach):
            seq = self.ev(s.iterable)
            i = 0
            while i < len(seq):          # the length is read again at every step (DATA 3.4)
                self.tick()
                self.env[s.var] = seq[i]
                i += 1
                try:
                    self.block(s.body)
                except _Break as b:
                    if b.label is None or b.label == s.label:
                        break
                    raise
                except _Continue as c:
                    if c.label is None or c.label == s.label:
                        continue
                    raise
        elif isinstance(s, Break):
            raise _Break(s.label)
        elif isinstance(s, Continue):
            raise _Continue(s.label)
        elif isinstance(s, Return):
            raise _Return(self.ev(s.expr) if s.expr is not None else None)
        else:
            raise AssertionError(s)

    def slice_bounds(self, length, start, end):
        """DATA 3.3: the last element taken is `end` itself, except end == length."""
        if start < 0:
            self.error("Array slice start must be a non-negative integer")
        if end < 0:
            self.error("Array slice end must be a non-negative integer")
        if start > length:
            self.error("Array slice start out of bounds")
        if end > length:
            self.error("Array slice end out of bounds")
        if start == length:
            if end == length:
                return start, 0
            self.error("Array slice end before start")
        last = end if end < length else length - 1
        if last < start:
            self.error("Array slice end before start")
        return start, last - start + 1

    def index_check(self, arr, i):
        if i < 0:
            self.error("Array index must be a non-negative integer")
        if i >= len(arr):
            self.error("Array index out of bounds")
        return arr[i]

    def run(self, body):
        self.env = self.globals = {}
        try:
            try:
                self.block(body)
            except _Return:
                pass
        except OrusError as err:
            return Expected("".join(self.out), 70, err.message, err.line)
        return Expected("".join(self.out), 0, None, None)


def run(program) -> Expected:
    """Expected outcome of a generated program (raises Budget when it runs too long)."""
    return Machine(program).run(program.body)
