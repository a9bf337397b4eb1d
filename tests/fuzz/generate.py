"""Random, statically valid, terminating Orus core programs (a differential fuzzer).

The generator builds a small AST of its own (the classes below), renders it to
Orus source text (``render``) and leaves the meaning to ``oracle.py``, an
independent interpreter of the same AST.  Nothing here imports the ``orus``
package: the fuzzer must not share a lexer, parser or checker with the
implementation it tests.

    prog = generate(seed)          # Program: .source (text), .body (AST), .seed
    python tests/fuzz/generate.py 17      # print the program of seed 17

Design rules that keep programs valid (CORE.md + DECISIONS.md):
* every name is unique (v0, v1, ... / f0 / p0 / w0 / i0), so no shadowing or
  "already defined" questions arise; a variable declared in a block is never
  used after the block (while bodies are not scopes, branches leak implicit
  declarations: we never rely on either);
* functions read the top-level declarations written above their definition
  (which may not have run yet when they are called: a runtime error) and
  assign only the mutable variables of the program's first lines (whose
  initializers call nothing); they always declare `-> T` (or `-> void`) and
  end with `return`; function k calls only functions j < k, and itself only
  with a depth parameter that decreases (some are called with depths in the
  hundreds);
* types are tracked for every expression; literals carry a suffix whenever
  the context gives them no expected type (print arguments, cast operands,
  comparisons of two literals, ...); an expression made only of literals is
  kept only when its exact value (and every intermediate value) fits its type;
* `while` loops count with a private counter incremented first thing in the
  body; `for` bounds are small; the oracle still has a step budget and a
  program that exceeds it is replaced by the next attempt of the same seed;
* return/break/continue only end a block (no unreachable code);
* no bitwise operators, no functions without `-> T`.
"""

from __future__ import annotations

import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

INT_TYPES = ("i32", "i64", "u32", "u64")
SIGNED = ("i32", "i64")
UNSIGNED = ("u32", "u64")
NUM_TYPES = INT_TYPES + ("f64",)
SCALARS = NUM_TYPES + ("bool", "string")
BITS = {"i32": 32, "i64": 64, "u32": 32, "u64": 64}
LO = {"i32": -2**31, "i64": -2**63, "u32": 0, "u64": 0}
HI = {"i32": 2**31 - 1, "i64": 2**63 - 1, "u32": 2**32 - 1, "u64": 2**64 - 1}


def is_arr(t):
    return t.startswith("[")


def elem(t):
    return t[1:-1]


def fits(v, t):
    return LO[t] <= v <= HI[t]


# ---------------------------------------------------------------- AST: expressions
class Expr:
    ty = None


class Lit(Expr):
    def __init__(self, ty, value):
        self.ty, self.value = ty, value
        self.suffix = False          # decided by fix_literals
        self.style = "dec"           # dec | us (1_000) | hex | int (f64 written as an int)


class Var(Expr):
    def __init__(self, name, ty):
        self.name, self.ty = name, ty


class Bin(Expr):                      # + - * / % on numbers, + on strings
    def __init__(self, op, l, r, ty):
        self.op, self.l, self.r, self.ty = op, l, r, ty


class Cmp(Expr):
    ty = "bool"

    def __init__(self, op, l, r):
        self.op, self.l, self.r = op, l, r


class Logic(Expr):
    ty = "bool"

    def __init__(self, op, l, r):
        self.op, self.l, self.r = op, l, r


class Not(Expr):
    ty = "bool"

    def __init__(self, e):
        self.e = e


class Neg(Expr):
    def __init__(self, e):
        self.e, self.ty = e, e.ty


class Cast(Expr):
    def __init__(self, e, ty):
        self.e, self.ty = e, ty


class Call(Expr):
    def __init__(self, fn, args, ty):
        self.fn, self.args, self.ty = fn, args, ty


class Index(Expr):                    # array element or one-byte string
    def __init__(self, base, idx, ty):
        self.base, self.idx, self.ty = base, idx, ty


class Len(Expr):
    ty = "i32"

    def __init__(self, e):
        self.e = e


class Pop(Expr):
    def __init__(self, arr):
        self.arr, self.ty = arr, elem(arr.ty)


class Cond(Expr):                     # c ? a : b   /   a if c else b
    def __init__(self, c, a, b, ty, style):
        self.c, self.a, self.b, self.ty, self.style = c, a, b, ty, style


class Slice(Expr):                    # a[s..e] / a[s..] / a[..e] / a[..] (inclusive end, DATA 3.3)
    def __init__(self, base, start, end):
        self.base, self.start, self.end, self.ty = base, start, end, base.ty


class ArrLit(Expr):
    def __init__(self, elems, ty):
        self.elems, self.ty = elems, ty


# ---------------------------------------------------------------- AST: statements
class Stmt:
    line = 0


class Decl(Stmt):                     # mut? name(: T)? = e
    def __init__(self, name, ty, mut, annotated, expr):
        self.name, self.ty, self.mut, self.annotated, self.expr = name, ty, mut, annotated, expr


class Assign(Stmt):                   # name = e  /  name op= e
    def __init__(self, name, ty, op, expr):
        self.name, self.ty, self.op, self.expr = name, ty, op, expr


class SetIndex(Stmt):                 # a[i] = e  /  a[i] op= e
    def __init__(self, arr, idx, op, expr):
        self.arr, self.idx, self.op, self.expr = arr, idx, op, expr


class Push(Stmt):
    def __init__(self, arr, value):
        self.arr, self.value = arr, value


class ExprStmt(Stmt):
    def __init__(self, expr):
        self.expr = expr


class Print(Stmt):                    # template: None or the literal text of the first arg
    def __init__(self, args, template=None):
        self.args, self.template = args, template


class If(Stmt):
    def __init__(self, branches, else_body):
        self.branches, self.else_body = branches, else_body   # [(cond, body)]
        self.lines = []


class While(Stmt):
    def __init__(self, label, cond, body):
        self.label, self.cond, self.body = label, cond, body


class For(Stmt):
    def __init__(self, label, var, ty, start, end, step, inclusive, body):
        self.label, self.var, self.ty = label, var, ty
        self.start, self.end, self.step, self.inclusive, self.body = start, end, step, inclusive, body


class ForEach(Stmt):                  # for x in array / for ch in string
    def __init__(self, label, var, iterable, body):
        self.label, self.var, self.iterable, self.body = label, var, iterable, body


class Break(Stmt):
    def __init__(self, label):
        self.label = label


class Continue(Stmt):
    def __init__(self, label):
        self.label = label


class Return(Stmt):
    def __init__(self, expr):
        self.expr = expr


class FnDef(Stmt):
    def __init__(self, name, params, ret, body):
        self.name, self.params, self.ret, self.body = name, params, ret, body


class Program:
    def __init__(self, seed, body, functions, source):
        self.seed, self.body, self.functions, self.source = seed, body, functions, source


# ---------------------------------------------------------------- helpers
def lit_only(e):
    if isinstance(e, Lit):
        return True
    if isinstance(e, Neg):
        return lit_only(e.e)
    if isinstance(e, Bin):
        return lit_only(e.l) and lit_only(e.r)
    return False


def const_exact(e, t):
    """Exact value of a literal-only expression of type t, or None when a
    value along the way does not fit t (or divides by zero / is not finite)."""
    if isinstance(e, Lit):
        v = e.value
    elif isinstance(e, Neg):
        v = const_exact(e.e, t)
        if v is None:
            return None
        v = -v
    else:
        a, b = const_exact(e.l, t), const_exact(e.r, t)
        if a is None or b is None:
            return None
        if t == "string":
            return a + b
        op = e.op
        if t == "f64":
            if op in "/%" and b == 0.0:
                return None
            if op == "+":
                v = a + b
            elif op == "-":
                v = a - b
            elif op == "*":
                v = a * b
            elif op == "/":
                v = a / b
            else:
                v = math.fmod(a, b)
            return v if math.isfinite(v) else None
        if op in "/%" and b == 0:
            return None
        if op == "+":
            v = a + b
        elif op == "-":
            v = a - b
        elif op == "*":
            v = a * b
        else:
            q = abs(a) // abs(b)
            if (a < 0) != (b < 0):
                q = -q
            v = q if op == "/" else a - b * q
    if t in INT_TYPES and not fits(v, t):
        return None
    if t == "f64" and not (isinstance(v, float) and math.isfinite(v)):
        return None
    return v


class Fn:
    def __init__(self, name, params, ret, recursive):
        self.name, self.params, self.ret, self.recursive = name, params, ret, recursive


class Scope:
    def __init__(self):
        self.vars = {}                 # name -> (type, assignable)


WORDS = ["a", "b", "xy", "hello", "Orus", "", " ", "zz top", "42", "q", "end", "-", "ab:c",
         "tab\there", "x\"y", "back\\slash", "nl\nx"]


class Gen:
    MAX_STMTS = 45

    def __init__(self, rng: random.Random):
        self.r = rng
        self.counter = 0
        self.functions: list[Fn] = []
        self.scopes: list[Scope] = []
        self.loops: list = []          # labels (or None) of enclosing loops
        self.fn: Fn | None = None      # function being generated
        self.callable: list[Fn] = []   # functions the current code may call
        self.stmts = 0
        self.minimal_parens = rng.random() < 0.5

    # ------------------------------------------------------------ names, scopes
    def fresh(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    def declare(self, name, ty, assignable):
        self.scopes[-1].vars[name] = (ty, assignable)

    def visible(self, pred):
        out = []
        for s in self.scopes:
            for name, (ty, assignable) in s.vars.items():
                if pred(ty, assignable):
                    out.append((name, ty))
        return out

    def vars_of(self, ty):
        return [n for n, t in self.visible(lambda t, a: t == ty)]

    def chance(self, p):
        return self.r.random() < p

    # ------------------------------------------------------------ literals
    def lit_value(self, t, small=False):
        r = self.r
        if t == "bool":
            return r.random() < 0.5
        if t == "string":
            return r.choice(WORDS)
        if t == "f64":
            if small:
                return float(r.randint(0, 6))
            if r.random() < 0.3:
                return r.choice([1e19, 9.3e18, 1.8446744073709552e19, 9.223372036854776e18,
                                 4294967296.5, 4294967295.9, 2147483647.9, 2147483648.0, 0.5,
                                 9007199254740993.0, 1e-07, 3.5e-05, 5e-324, 2.2250738585072014e-308,
                                 1e300, 0.0001, 0.00015, 123456789.125, 1e15, 1e17])
            return r.choice([0.0, 0.5, 1.0, 1.5, 2.0, 2.75, 3.0, 0.1, 0.2, 0.3, 10.0, 100.0, 1e-05,
                             0.00009, 1e10, 1e16, 1e21, 1.5e300, 123.456, 7.25, 1e308,
                             r.uniform(0, 1000), round(r.uniform(0, 100), 2)])
        lo, hi = max(LO[t], 0), HI[t]
        if small:
            return r.randint(0, 9)
        x = r.random()
        if x < 0.6:
            return r.randint(0, 12)
        if x < 0.8:
            return r.choice([16, 100, 255, 256, 1000, 46340, 46341, 65535, 65536, 99999,
                             3037000499, 3037000500, 4294967295, 4294967296,
                             2147483647, 2147483648, 9223372036854775807,
                             18446744073709551615, 1 << 62, 1 << 31, 1 << 32, 1 << 63])
        if x < 0.9:
            return hi - r.randint(0, 3)
        return r.randint(lo, hi)

    def literal(self, t, small=False):
        v = self.lit_value(t, small)
        if t in SIGNED and not small and self.chance(0.03):
            # the minimum, which no literal can spell: -MAX - 1
            return Bin("-", Neg(Lit(t, HI[t])), Lit(t, 1), t)
        if t in INT_TYPES:
            v = min(v, HI[t])
            e = Lit(t, v)
            if self.chance(0.1):
                e.style = "hex"
            elif v >= 10000 and self.chance(0.3):
                e.style = "us"
            if t in SIGNED and v != 0 and self.chance(0.3):
                return Neg(e)
            return e
        e = Lit(t, v)
        if t == "f64" and v.is_integer() and v < 1e6 and self.chance(0.3):
            e.style = "int"
        if t == "f64" and v != 0.0 and self.chance(0.25):
            return Neg(e)
        return e

    # ------------------------------------------------------------ expressions
    def expr(self, t, d=2, pure=False):
        """An expression of static type t (d: remaining depth; pure: no calls,
        no pop, nothing that changes state or prints)."""
        r = self.r
        if is_arr(t):
            return self.array_expr(t, d, pure)
        names = self.vars_of(t)
        if d <= 0 or r.random() < 0.25:
            if names and r.random() < 0.7:
                return Var(r.choice(names), t)
            return self.literal(t)
        opts = ["lit", "var", "var", "var", "cast", "index"]
        if not pure and any(f.ret == t for f in self.callable):
            opts += ["call", "call"]
        if t in NUM_TYPES:
            opts += ["bin"] * 5
            if t in SIGNED or t == "f64":
                opts.append("neg")
            if t == "i32":
                opts.append("len")
        elif t == "bool":
            opts += ["cmp"] * 4 + ["logic"] * 2 + ["not"]
        else:
            opts += ["concat"] * 3 + ["sindex"]
        opts.append("cond")
        if t == "string":
            opts.append("slice")
        if not pure and r.random() < 0.3 and self.visible(lambda ty, a: ty == "[%s]" % t):
            opts.append("pop")
        kind = r.choice(opts)
        if kind == "var":
            if names:
                return Var(r.choice(names), t)
            return self.literal(t)
        if kind == "lit":
            return self.literal(t)
        if kind == "bin":
            op = r.choice("+-*+-*/%")
            a = self.expr(t, d - 1, pure)
            b = self.expr(t, d - 1, pure)
            if op in "/%" and r.random() < 0.5:
                b = self.literal(t)            # mostly non-zero divisors
                if isinstance(b, Lit) and b.value == 0 and r.random() < 0.7:
                    b.value = 1 if t != "f64" else 1.0
            e = Bin(op, a, b, t)
            return self.fold_check(e, t)
        if kind == "neg":
            e = self.expr(t, d - 1, pure)
            if lit_only(e):
                return self.literal(t)
            return Neg(e)
        if kind == "len":
            if r.random() < 0.5:
                return Len(self.expr("string", d - 1, pure))
            arrs = self.visible(lambda ty, a: is_arr(ty))
            if arrs:
                return Len(Var(*r.choice(arrs)))
            return Len(self.expr("string", d - 1, pure))
        if kind == "cast":
            src = r.choice(SCALARS[:-1]) if t != "string" else r.choice(SCALARS[:-1])
            if t == "bool":
                src = r.choice(NUM_TYPES)
            if t == "string":
                src = r.choice(NUM_TYPES + ("bool",))
            return Cast(self.expr(src, d - 1, pure), t)
        if kind == "index":
            arrs = [n for n, ty in self.visible(lambda ty, a: ty == "[%s]" % t)]
            if arrs:
                base = Var(r.choice(arrs), "[%s]" % t)
                return Index(base, self.index_expr(d - 1, pure, base), t)
            calls = [f for f in self.callable if f.ret == "[%s]" % t]
            if calls and not pure:
                return Index(self.call(r.choice(calls), d - 1), self.index_expr(d - 1, pure), t)
            return self.literal(t)
        if kind == "call":
            return self.call(r.choice([f for f in self.callable if f.ret == t]), d - 1)
        if kind == "pop":
            arrs = [n for n, ty in self.visible(lambda ty, a: ty == "[%s]" % t)]
            return Pop(Var(r.choice(arrs), "[%s]" % t))
        if kind == "cond":
            return Cond(self.expr("bool", d - 1, pure), self.expr(t, d - 1, pure),
                        self.expr(t, d - 1, pure), t, r.choice("??i"))
        if kind == "cmp":
            return self.cmp(d - 1, pure)
        if kind == "logic":
            return Logic(r.choice(["and", "or"]), self.expr("bool", d - 1, pure),
                         self.expr("bool", d - 1, pure))
        if kind == "not":
            return Not(self.expr("bool", d - 1, pure))
        if kind == "concat":
            return Bin("+", self.expr("string", d - 1, pure), self.expr("string", d - 1, pure), "string")
        if kind == "slice":
            return self.slice(self.expr("string", d - 1, pure), d - 1, pure)
        if kind == "sindex":
            return Index(self.expr("string", d - 1, pure), self.index_expr(d - 1, pure), "string")
        raise AssertionError(kind)

    def fold_check(self, e, t):
        """A literal-only arithmetic expression is evaluated exactly at compile
        time; keep it only when every value along the way fits t."""
        if lit_only(e):
            v = const_exact(e, t)
            if v is None or (t == "f64" and any(isinstance(x, Lit) and x.style == "int"
                                                  for x in (e.l, e.r))):
                return self.literal(t)
        return e

    def index_expr(self, d, pure, arr=None):
        r = self.r
        t = r.choice(("i32", "i32", "i32", "i64", "u32", "u64"))
        x = r.random()
        if arr is not None and x < 0.3:
            # len(a) - k: usually in bounds, sometimes -1 or len
            k = Lit("i32", r.choice([1, 1, 1, 1, 1, 2, 0]))
            return Bin("-", Len(Var(arr.name, arr.ty)), k, "i32")
        if x < 0.75:
            return Lit(t, r.choice([0, 0, 0, 0, 1, 1, 2, 3]))
        names = self.vars_of(t)
        if names and x < 0.8:
            v = Var(r.choice(names), t)
            return Bin("%", v, Lit(t, r.choice([2, 3, 4, 7])), t)
        if names:
            return Var(r.choice(names), t)
        return Lit(t, r.randint(0, 4))

    def cmp(self, d, pure):
        r = self.r
        t = r.choice(NUM_TYPES + NUM_TYPES + ("string", "bool", "[i32]", "[f64]", "[string]"))
        op = r.choice(["==", "!=", "<", "<=", ">", ">="])
        if is_arr(t) and not self.vars_of(t):
            t = "i32"
        if t == "bool" or is_arr(t):
            op = r.choice(["==", "!="])
        a = self.expr(t, d, pure)
        if r.random() < 0.2 and t in NUM_TYPES:
            # mixed comparisons are allowed between signed ints, and int vs f64
            other = {"i32": ["i64", "f64"], "i64": ["i32", "f64"], "u32": ["f64"],
                     "u64": ["f64"], "f64": list(INT_TYPES)}[t]
            b = self.expr(r.choice(other), d, pure)
            if lit_only(a) or lit_only(b):
                b = self.expr(t, d, pure)
        else:
            b = self.expr(t, d, pure)
        if lit_only(a) and lit_only(b) and r.random() < 0.7:
            names = self.vars_of(t)
            if names:
                a = Var(r.choice(names), t)
        return Cmp(op, a, b)

    def call(self, f: Fn, d):
        args = []
        for i, (pname, pt) in enumerate(f.params):
            if i == 0 and f.recursive:
                if self.fn is f:
                    args.append(Bin("-", Var(pname, "i32"), Lit("i32", 1), "i32"))
                elif getattr(f, "deep", False) and self.r.random() < 0.7:
                    args.append(Lit("i32", self.r.randint(50, 1500)))
                else:
                    args.append(Lit("i32", self.r.randint(0, 4)))
            else:
                args.append(self.expr(pt, max(d, 0)))
        return Call(f.name, args, f.ret)

    def slice(self, base, d, pure):
        r = self.r
        bounds = []
        for _ in range(2):
            x = r.random()
            if x < 0.25:
                bounds.append(None)
            elif x < 0.45 and isinstance(base, Var):
                k = r.choice([0, 1, 1, 2])
                b = Len(Var(base.name, base.ty))
                bounds.append(Bin("-", b, Lit("i32", k), "i32") if k else b)
            else:
                bounds.append(Lit("i32", r.choice([0, 0, 1, 1, 2, 3, 4])))
        return Slice(base, bounds[0], bounds[1])

    def array_expr(self, t, d, pure, allow_lit=True):
        r = self.r
        names = self.vars_of(t)
        calls = [f for f in self.callable if f.ret == t]
        x = r.random()
        if names and x < 0.15:
            return self.slice(Var(r.choice(names), t), d, pure)
        if names and x < 0.5:
            return Var(r.choice(names), t)
        if calls and not pure and d > 0 and x < 0.7:
            return self.call(r.choice(calls), d - 1)
        n = r.choice([0, 1, 2, 3, 3, 4, 4, 5, 6, 3, 4, 5])
        return ArrLit([self.expr(elem(t), min(d, 1), pure) for _ in range(n)], t)

    # ------------------------------------------------------------ statements
    def block(self, n, kind):
        """A list of statements; kind: 'plain' | 'loop' | 'fn'."""
        out = []
        for _ in range(n):
            if self.stmts >= self.MAX_STMTS:
                break
            out.extend(self.stmt())
        if not out:
            out.append(self.print_stmt())
        return out

    def depth(self):
        return len(self.scopes)

    def stmt(self):
        r = self.r
        self.stmts += 1
        nest = self.depth() < (4 if self.fn is None else 5)
        opts = ["decl"] * 6 + ["assign"] * 3 + ["print"] * 3 + ["arr"] * 2
        if nest:
            opts += ["if"] * 2 + ["for"] * 2 + ["while", "foreach"]
        if any(f.ret == "void" or True for f in self.callable):
            opts.append("callstmt")
        if self.loops:
            opts += ["jump"]
        if self.fn is not None and self.fn.ret != "void":
            opts.append("early_return")
        kind = r.choice(opts)
        return getattr(self, "s_" + kind)()

    def s_decl(self):
        r = self.r
        t = r.choice(SCALARS + SCALARS + ("[i32]", "[i64]", "[u32]", "[u64]", "[f64]", "[string]", "[bool]"))
        name = self.fresh("v")
        mut = r.random() < 0.6
        annotated = r.random() < 0.75 or is_arr(t) and r.random() < 0.8
        e = self.expr(t, 2)
        if is_arr(t) and not annotated and isinstance(e, ArrLit) and not e.elems:
            annotated = True                 # `[]` needs an annotation
        if not annotated and not mut and self.fn is None and self.depth() > 1:
            mut = True       # implicit declarations inside blocks are mutable anyway
        if not annotated and self.fn is None and self.depth() > 1:
            annotated = True  # keep implicit declarations to straight-line code
        self.declare(name, t, mut)
        return [Decl(name, t, mut, annotated, e)]

    def s_assign(self):
        r = self.r
        cands = self.visible(lambda ty, a: a)
        if not cands:
            return self.s_decl()
        name, t = r.choice(cands)
        if is_arr(t):
            return [Assign(name, t, None, self.array_expr(t, 1, False))]
        op = None
        if t in NUM_TYPES and r.random() < 0.5:
            op = r.choice("+-*+-*/%")
        elif t == "string" and r.random() < 0.5:
            op = "+"
        e = self.expr(t, 2)
        if op is not None and op in "/%" and r.random() < 0.6:
            e = self.literal(t)
        return [Assign(name, t, op, e)]

    def s_arr(self):
        r = self.r
        arrs = self.visible(lambda ty, a: is_arr(ty))
        if not arrs:
            return self.s_decl()
        name, t = r.choice(arrs)
        x = r.random()
        if x < 0.45:
            return [Push(Var(name, t), self.expr(elem(t), 1))]
        if x < 0.55:
            return [ExprStmt(Pop(Var(name, t)))]
        op = None
        if elem(t) in NUM_TYPES and r.random() < 0.3:
            op = r.choice("+-*")
        idx = self.index_expr(0, True, Var(name, t) if r.random() < 0.5 else None)
        return [SetIndex(Var(name, t), idx, op, self.expr(elem(t), 1, pure=True))]

    def s_print(self):
        return [self.print_stmt()]

    def print_stmt(self):
        r = self.r
        pool = list(SCALARS) + ["[i32]", "[f64]", "[string]", "[u64]"]
        n = r.choice([0, 1, 1, 2, 2, 3, 3, 4])
        args = []
        for _ in range(n):
            t = r.choice(pool)
            if is_arr(t) and not self.vars_of(t):
                t = "i32"
            args.append(self.expr(t, 2))
        if n and r.random() < 0.3:
            return Print(args, self.template(len(args)))
        return Print(args)

    def template(self, nargs):
        r = self.r
        parts = []
        holes = r.choice([0, 1, 1, 2, 2, 3]) if nargs else r.choice([0, 1])
        holes = min(holes, nargs + 1)
        for _ in range(holes):
            parts.append(r.choice(["v", "x=", "sum ", "", "[", " : "]))
            parts.append("@" + r.choice(["", "", "", "x", "X", "b", "o", ".2f", ".0f", ".3", ".1f", "@"]))
        parts.append(r.choice(["", " end", "!", " ok", "\t;"]))
        return "".join(parts)

    def s_callstmt(self):
        r = self.r
        if not self.callable:
            return self.s_print()
        f = r.choice(self.callable)
        return [ExprStmt(self.call(f, 1))]

    def cond(self):
        return self.expr("bool", 2)

    def s_if(self):
        r = self.r
        branches = []
        for _ in range(r.choice([1, 1, 2, 3])):
            c = self.cond()
            self.scopes.append(Scope())
            body = self.block(r.randint(1, 3), "plain")
            self.scopes.pop()
            branches.append((c, body))
        else_body = None
        if r.random() < 0.5:
            self.scopes.append(Scope())
            else_body = self.block(r.randint(1, 2), "plain")
            self.scopes.pop()
        return [If(branches, else_body)]

    def label(self):
        return self.fresh("l") if self.r.random() < 0.35 else None

    def s_while(self):
        r = self.r
        counter = self.fresh("w")
        self.declare(counter, "i32", False)
        init = Decl(counter, "i32", True, r.random() < 0.5, Lit("i32", 0))
        limit = Lit("i32", r.randint(0, 6))
        c = Cmp("<", Var(counter, "i32"), limit)
        if r.random() < 0.4:
            c = Logic("and", c, self.cond())
        label = self.label()
        self.loops.append(label)
        self.scopes.append(Scope())     # not an Orus scope; unique names make it harmless
        body = [Assign(counter, "i32", "+", Lit("i32", 1))]
        body += self.block(r.randint(1, 4), "loop")
        self.scopes.pop()
        self.loops.pop()
        return [init, While(label, c, body)]

    def small_bound(self, t):
        r = self.r
        x = r.random()
        names = self.vars_of(t)
        if names and x < 0.25:
            return Bin("%", Var(r.choice(names), t), Lit(t, r.choice([3, 5, 8])), t)
        if t == "i32" and x < 0.4:
            arrs = self.visible(lambda ty, a: is_arr(ty))
            if arrs:
                return Len(Var(*r.choice(arrs)))
        if names and x < 0.45 and self.fn is not None:
            return Var(r.choice(names), t)
        v = r.randint(-3, 8) if t in SIGNED else r.randint(0, 8)
        if v < 0:
            return Neg(Lit(t, -v))
        return Lit(t, v)

    def s_for(self):
        r = self.r
        t = r.choice(("i32",) * 5 + ("i64", "u32", "u64"))
        var = self.fresh("i")
        start, end = self.small_bound(t), self.small_bound(t)
        step = None
        if r.random() < 0.35:
            s = r.choice([1, 2, 3, -1, -2, 0]) if r.random() < 0.97 else 0
            if s == 0:
                names = self.vars_of(t)
                if names and t in SIGNED and r.random() < 0.3:
                    step = Bin("%", Var(r.choice(names), t), Lit(t, 2), t)   # may be 0 at run time
                else:
                    s = 1
            if step is None:
                step = Lit(t, s) if s > 0 else Neg(Lit(t, -s))
            if isinstance(step, Neg) and r.random() < 0.7:
                start, end = end, start
        inclusive = r.random() < 0.3
        if r.random() < 0.08:
            start, end, step = self.edge_range(t)
            if r.random() < 0.4:
                step = None if isinstance(step, Lit) else step
            inclusive = r.random() < 0.6
        label = self.label()
        self.loops.append(label)
        self.scopes.append(Scope())
        self.declare(var, t, False)
        body = self.block(r.randint(1, 4), "loop")
        self.scopes.pop()
        self.loops.pop()
        return [For(label, var, t, start, end, step, inclusive, body)]

    def s_foreach(self):
        r = self.r
        arrs = self.visible(lambda ty, a: is_arr(ty))
        if arrs and r.random() < 0.7:
            name, t = r.choice(arrs)
            it, vt = Var(name, t), elem(t)
        else:
            it, vt = self.expr("string", 1), "string"
        var = self.fresh("x")
        label = self.label()
        self.loops.append(label)
        self.scopes.append(Scope())
        self.declare(var, vt, False)
        body = self.block(r.randint(1, 3), "loop")
        self.scopes.pop()
        self.loops.pop()
        return [ForEach(label, var, it, body)]

    def edge_range(self, t):
        """Bounds at the edge of t's range (the loop must not overflow)."""
        r = self.r
        k = r.randint(0, 4)
        if t in SIGNED and r.random() < 0.5:
            lo = Bin("-", Neg(Lit(t, HI[t])), Lit(t, 1), t)             # MIN
            near = Neg(Lit(t, HI[t] - k)) if k else Bin("-", Neg(Lit(t, HI[t])), Lit(t, 0), t)
            step = Neg(Lit(t, r.choice([1, 2, 3])))
            return near, lo, step
        if t in UNSIGNED and r.random() < 0.5:
            return Lit(t, k), Lit(t, 0), Neg(Lit(t, r.choice([1, 2, 3])))
        return Lit(t, HI[t] - k), Lit(t, HI[t]), Lit(t, r.choice([1, 2, 3]))

    def s_jump(self):
        r = self.r
        labels = [l for l in self.loops if l is not None]
        label = r.choice(labels) if labels and r.random() < 0.5 else None
        j = Break(label) if r.random() < 0.5 else Continue(label)
        c = self.cond()
        self.scopes.append(Scope())
        body = []
        if r.random() < 0.4:
            body.append(self.print_stmt())
        body.append(j)
        self.scopes.pop()
        return [If([(c, body)], None)]

    def s_early_return(self):
        c = self.cond()
        self.scopes.append(Scope())
        body = [Return(self.expr(self.fn.ret, 2))]
        self.scopes.pop()
        return [If([(c, body)], None)]

    # ------------------------------------------------------------ functions
    def signature(self, k):
        r = self.r
        recursive = r.random() < 0.3
        params = []
        if recursive:
            params.append((self.fresh("p"), "i32"))
        for _ in range(r.choice([0, 1, 1, 2, 2, 3])):
            params.append((self.fresh("p"), r.choice(SCALARS + SCALARS + ("[i32]", "[string]", "[f64]", "[u64]"))))
        ret = r.choice(SCALARS + SCALARS + ("[i32]", "[string]", "void"))
        f = Fn("f%d" % k, params, ret, recursive)
        f.deep = recursive and r.random() < 0.15      # called with depths in the hundreds
        return f

    def function(self, f, k, globals_scope):
        """The body of f (the k-th function): it may call functions < k (and
        itself, recursively, with a smaller depth), read the globals of
        globals_scope and assign the assignable ones."""
        r = self.r
        params, ret = f.params, f.ret
        self.fn = f
        self.callable = self.functions[:k] + ([f] if f.recursive else [])
        self.scopes = [globals_scope, Scope()]
        self.stmts = 0
        for pname, pt in params:
            self.declare(pname, pt, False)
        body = []
        if f.recursive:
            base = [Return(None)]
            if ret != "void":
                saved = self.callable
                self.callable = self.functions[:k]
                base = [Return(self.expr(ret, 1))]
                self.callable = saved
            body.append(If([(Cmp("<=", Var(params[0][0], "i32"), Lit("i32", 0)), base)], None))
        save_max = Gen.MAX_STMTS
        self.MAX_STMTS = r.randint(2, 8) if not f.deep else r.randint(1, 3)
        body += self.block(r.randint(1, 4), "fn")
        self.MAX_STMTS = save_max
        if ret != "void":
            body.append(Return(self.expr(ret, 2)))
        elif r.random() < 0.3:
            body.append(Return(None))
        self.fn = None
        self.scopes = []
        return FnDef(f.name, params, ret, body)

    def program(self):
        r = self.r
        nf = r.choice([0, 1, 2, 3, 4, 5])
        self.functions = [self.signature(k) for k in range(nf)]
        self.scopes = [Scope()]
        self.stmts = 0
        body = []
        # a few variables of assorted types to work with; their initializers
        # call no function, so they are set before any function runs and
        # functions may assign the mutable ones
        self.callable = []
        first = Scope()
        for t in r.sample(SCALARS + ("[i32]", "[string]"), r.randint(3, 7)):
            name = self.fresh("v")
            mut = r.random() < 0.6
            body.append(Decl(name, t, mut, True, self.expr(t, 1)))
            self.declare(name, t, mut)
            first.vars[name] = (t, mut)
        n_first = len(body)
        self.callable = self.functions[:]
        body += self.block(self.MAX_STMTS, "plain")
        # functions go at random top-level positions after those (they are
        # hoisted: calls may come before the definition); a function reads the
        # top-level declarations above it, which may not have run yet when it
        # is called ("variable 'v' used before it is initialized")
        places = sorted(r.randint(n_first, len(body)) for _ in range(nf))
        defs = []
        for k, f in enumerate(self.functions):
            g = Scope()
            g.vars.update(first.vars)
            for s in body[n_first:places[k]]:
                if isinstance(s, Decl) and r.random() < 0.7:
                    g.vars[s.name] = (s.ty, False)
            defs.append(self.function(f, k, g))
        for k in reversed(range(nf)):
            body.insert(places[k], defs[k])
        return body


# ---------------------------------------------------------------- literal suffixes
def fix_literals(node, rng):
    """Decide which literals carry a type suffix: a bare literal (or an
    expression made only of literals) adapts to an expected type; where
    there is none it must name its own type."""
    def lits(e, acc):
        if isinstance(e, Lit):
            acc.append(e)
        elif isinstance(e, Neg):
            lits(e.e, acc)
        elif isinstance(e, Bin):
            lits(e.l, acc)
            lits(e.r, acc)
        return acc

    def ex(e, adapting):
        if e is None:
            return
        if lit_only(e):
            ls = lits(e, [])
            t = e.ty
            if t in INT_TYPES:
                need = (not adapting and t != "i32") or any(l.value > HI["i64"] for l in ls)
                suffix = need or rng.random() < (0.1 if adapting else 0.05)
                for l in ls:
                    l.suffix = suffix
                    if l.style == "hex" and suffix:
                        l.style = "dec"
            elif t == "f64":
                for l in ls:
                    if not (adapting and isinstance(e, Lit)):
                        if l.style == "int":
                            l.style = "dec"
            return
        if isinstance(e, (Bin, Cmp)):
            la, lb = lit_only(e.l), lit_only(e.r)
            both = la and lb
            ex(e.l, not both)
            ex(e.r, not both)
        elif isinstance(e, Logic):
            ex(e.l, False)
            ex(e.r, False)
        elif isinstance(e, (Not, Neg)):
            ex(e.e, False)
        elif isinstance(e, Cast):
            ex(e.e, False)
        elif isinstance(e, Call):
            for a in e.args:
                ex(a, True)
        elif isinstance(e, Index):
            ex(e.base, False)
            ex(e.idx, False)
        elif isinstance(e, Len):
            ex(e.e, False)
        elif isinstance(e, Slice):
            ex(e.base, False)
            ex(e.start, False)
            ex(e.end, False)
        elif isinstance(e, Pop):
            pass
        elif isinstance(e, Cond):
            ex(e.c, False)
            ex(e.a, False)
            ex(e.b, False)
        elif isinstance(e, ArrLit):
            for x in e.elems:
                ex(x, adapting)

    def st(s):
        if isinstance(s, Decl):
            ex(s.expr, s.annotated)
        elif isinstance(s, Assign):
            ex(s.expr, True)
        elif isinstance(s, SetIndex):
            ex(s.idx, False)
            ex(s.expr, True)
        elif isinstance(s, Push):
            ex(s.value, True)
        elif isinstance(s, ExprStmt):
            ex(s.expr, False)
        elif isinstance(s, Print):
            for a in s.args:
                ex(a, False)
        elif isinstance(s, If):
            for c, b in s.branches:
                ex(c, False)
                for x in b:
                    st(x)
            for x in s.else_body or []:
                st(x)
        elif isinstance(s, While):
            ex(s.cond, False)
            for x in s.body:
                st(x)
        elif isinstance(s, For):
            both = lit_only(s.start) and lit_only(s.end)
            ex(s.start, not both)
            ex(s.end, not both)
            if s.step is not None:
                for l in lits(s.step, []):
                    l.suffix = False          # the step adapts to the loop type
                    l.style = "dec"
                if not lit_only(s.step):
                    ex(s.step, True)
            for x in s.body:
                st(x)
        elif isinstance(s, ForEach):
            ex(s.iterable, False)
            for x in s.body:
                st(x)
        elif isinstance(s, Return):
            ex(s.expr, True)
        elif isinstance(s, FnDef):
            for x in s.body:
                st(x)

    for s in node:
        st(s)


# ---------------------------------------------------------------- rendering
PREC_ATOM, PREC_UNARY, PREC_MUL, PREC_ADD, PREC_CMP, PREC_AND, PREC_OR = 7, 6, 5, 4, 3, 2, 1
OPPREC = {"*": PREC_MUL, "/": PREC_MUL, "%": PREC_MUL, "+": PREC_ADD, "-": PREC_ADD}


def quote(s):
    out = []
    for ch in s:
        out.append({"\n": "\\n", "\t": "\\t", "\\": "\\\\", '"': '\\"'}.get(ch, ch))
    return '"' + "".join(out) + '"'


def render_lit(e: Lit):
    v, t = e.value, e.ty
    if t == "bool":
        return "true" if v else "false"
    if t == "string":
        return quote(v)
    if t == "f64":
        if e.style == "int":
            return str(int(v))
        return repr(v)
    if e.style == "hex":
        text = "0x%x" % v
    elif e.style == "us":
        s = str(v)
        groups = []
        while s:
            groups.append(s[-3:])
            s = s[:-3]
        text = "_".join(reversed(groups))
    else:
        text = str(v)
    return text + (t if e.suffix else "")


class Renderer:
    def __init__(self, minimal):
        self.minimal = minimal
        self.lines = []

    def wrap(self, e, need):
        text, p = self.ex(e)
        if p < need or (not self.minimal and p < PREC_ATOM):
            return "(" + text + ")"
        return text

    def ex(self, e):
        """(text, precedence) of an expression."""
        if isinstance(e, Lit):
            return render_lit(e), PREC_ATOM
        if isinstance(e, Var):
            return e.name, PREC_ATOM
        if isinstance(e, Bin):
            p = OPPREC[e.op]
            return "%s %s %s" % (self.wrap(e.l, p), e.op, self.wrap(e.r, p + 1)), p
        if isinstance(e, Cmp):
            return "%s %s %s" % (self.wrap(e.l, PREC_ADD), e.op, self.wrap(e.r, PREC_ADD)), PREC_CMP
        if isinstance(e, Logic):
            p = PREC_AND if e.op == "and" else PREC_OR
            return "%s %s %s" % (self.wrap(e.l, p), e.op, self.wrap(e.r, p + 1)), p
        if isinstance(e, Not):
            return "not " + self.wrap(e.e, PREC_UNARY), PREC_UNARY
        if isinstance(e, Neg):
            inner = self.wrap(e.e, PREC_UNARY)
            if inner.startswith("-"):
                inner = "(" + inner + ")"
            return "-" + inner, PREC_UNARY
        if isinstance(e, Cast):
            text = "%s as %s" % (self.wrap(e.e, PREC_ADD), e.ty)
            if self.minimal:
                return text, PREC_CMP
            return "(" + text + ")", PREC_ATOM
        if isinstance(e, Call):
            return "%s(%s)" % (e.fn, ", ".join(self.ex(a)[0] for a in e.args)), PREC_ATOM
        if isinstance(e, Index):
            base = self.ex(e.base)
            btext = base[0] if base[1] == PREC_ATOM else "(" + base[0] + ")"
            return "%s[%s]" % (btext, self.ex(e.idx)[0]), PREC_ATOM
        if isinstance(e, Len):
            return "len(%s)" % self.ex(e.e)[0], PREC_ATOM
        if isinstance(e, Slice):
            base = self.ex(e.base)
            btext = base[0] if base[1] == PREC_ATOM else "(" + base[0] + ")"
            a = self.ex(e.start)[0] if e.start is not None else ""
            b = self.ex(e.end)[0] if e.end is not None else ""
            return "%s[%s..%s]" % (btext, a, b), PREC_ATOM
        if isinstance(e, Pop):
            return "pop(%s)" % self.ex(e.arr)[0], PREC_ATOM
        if isinstance(e, Cond):
            c, a, b = (self.wrap(x, PREC_ATOM) for x in (e.c, e.a, e.b))
            if e.style == "?":
                return "(%s ? %s : %s)" % (c, a, b), PREC_ATOM
            return "(%s if %s else %s)" % (a, c, b), PREC_ATOM
        if isinstance(e, ArrLit):
            items = [self.ex(x)[0] for x in e.elems]
            if len(items) == 2:
                return "[%s, %s,]" % tuple(items), PREC_ATOM     # not a fill literal
            return "[" + ", ".join(items) + "]", PREC_ATOM
        raise AssertionError(e)

    def emit(self, indent, text, node):
        self.lines.append("    " * indent + text)
        if node is not None:
            node.line = len(self.lines)

    def block(self, stmts, indent):
        for s in stmts:
            self.st(s, indent)

    def st(self, s, ind):
        E = lambda e: self.ex(e)[0]
        if isinstance(s, Decl):
            ann = ": " + s.ty if s.annotated else ""
            self.emit(ind, "%s%s%s = %s" % ("mut " if s.mut else "", s.name, ann, E(s.expr)), s)
        elif isinstance(s, Assign):
            self.emit(ind, "%s %s= %s" % (s.name, s.op or "", E(s.expr)), s)
        elif isinstance(s, SetIndex):
            self.emit(ind, "%s[%s] %s= %s" % (E(s.arr), E(s.idx), s.op or "", E(s.expr)), s)
        elif isinstance(s, Push):
            self.emit(ind, "push(%s, %s)" % (E(s.arr), E(s.value)), s)
        elif isinstance(s, ExprStmt):
            self.emit(ind, E(s.expr), s)
        elif isinstance(s, Print):
            args = [E(a) for a in s.args]
            if s.template is not None:
                args.insert(0, quote(s.template))
            self.emit(ind, "print(%s)" % ", ".join(args), s)
        elif isinstance(s, If):
            s.lines = []
            for i, (c, body) in enumerate(s.branches):
                self.emit(ind, "%s %s:" % ("if" if i == 0 else "elif", E(c)), None)
                s.lines.append(len(self.lines))
                self.block(body, ind + 1)
            s.line = s.lines[0]
            if s.else_body:
                self.emit(ind, "else:", None)
                self.block(s.else_body, ind + 1)
        elif isinstance(s, While):
            lab = "'%s: " % s.label if s.label else ""
            self.emit(ind, "%swhile %s:" % (lab, E(s.cond)), s)
            self.block(s.body, ind + 1)
        elif isinstance(s, For):
            lab = "'%s: " % s.label if s.label else ""
            rng = "%s%s%s" % (self.wrap(s.start, PREC_ADD), "..=" if s.inclusive else "..",
                              self.wrap(s.end, PREC_ADD))
            if s.step is not None:
                rng += ".." + self.wrap(s.step, PREC_ADD)
            self.emit(ind, "%sfor %s in %s:" % (lab, s.var, rng), s)
            self.block(s.body, ind + 1)
        elif isinstance(s, ForEach):
            lab = "'%s: " % s.label if s.label else ""
            self.emit(ind, "%sfor %s in %s:" % (lab, s.var, self.ex(s.iterable)[0]), s)
            self.block(s.body, ind + 1)
        elif isinstance(s, Break):
            self.emit(ind, "break" + (" '" + s.label if s.label else ""), s)
        elif isinstance(s, Continue):
            self.emit(ind, "continue" + (" '" + s.label if s.label else ""), s)
        elif isinstance(s, Return):
            self.emit(ind, "return" + (" " + E(s.expr) if s.expr is not None else ""), s)
        elif isinstance(s, FnDef):
            ps = ", ".join("%s: %s" % p for p in s.params)
            self.emit(ind, "fn %s(%s) -> %s:" % (s.name, ps, s.ret), s)
            self.block(s.body, ind + 1)
        else:
            raise AssertionError(s)


def render(body, seed, minimal):
    r = Renderer(minimal)
    r.emit(0, "// fuzz seed %s" % seed, None)
    r.block(body, 0)
    return "\n".join(r.lines) + "\n"


def generate_once(rng, seed):
    g = Gen(rng)
    body = g.program()
    fix_literals(body, rng)
    source = render(body, seed, g.minimal_parens)
    return Program(seed, body, {f.name: f for f in _fndefs(body)}, source)


def _fndefs(body):
    return [s for s in body if isinstance(s, FnDef)]


def generate(seed):
    """The program of `seed`: the first attempt whose run stays within the
    oracle's step budget and is not (by a random draw) rejected for stopping
    early; attempts draw on, from the same random.Random(seed)."""
    from oracle import run, Budget  # noqa: local import (same folder)
    rng = random.Random(seed)
    for _ in range(50):
        prog = generate_once(rng, seed)
        try:
            prog.expected = run(prog)
        except Budget:
            continue
        # most programs stop at an early runtime error: keep only some of those,
        # so that more code runs on average
        lines = prog.source.count("\n")
        if prog.expected.status == 70 and prog.expected.line < 0.7 * lines and rng.random() < 0.7:
            continue
        return prog
    raise RuntimeError("seed %s: no terminating program in 50 attempts" % seed)


if __name__ == "__main__":
    import generate as _self      # one copy of the AST classes for the oracle
    p = _self.generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    sys.stdout.write(p.source)
