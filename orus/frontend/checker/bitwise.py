"""Checker rules for the bitwise operators `& | ^ ~ << >>` and their
compound forms (DECISIONS core row 43): operand types, shift counts, and
folding of literal operands whose value depends on their type."""

from __future__ import annotations

from orus.frontend import types as T
from orus.frontend.checker.model import PendingLit


class BitwiseRules:

    # -- bitwise operators (DECISIONS core row 43) ------------------------------------------
    def bitwise(self, e, hint):
        """`a & b`, `a | b`, `a ^ b`: two operands of one integer type."""
        op = e.op
        a, b = self.operands(e, hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if (not pa and a.ty is T.DYN) or (not pb and b.ty is T.DYN):
            a, b = self.unbox_operands(a, b, hint, e)
            pa = pb = False
        if pa and pb:
            if a.kind != "int" or b.kind != "int":
                self.error(e, "`%s` needs integer operands, found %s and %s"
                           % (op, a.fixed or a.natural, b.fixed or b.natural))
            return self.fold(op, a, b, e)
        if pa:
            a = self.bit_operand(a, b.ty, e, op)
        elif pb:
            b = self.bit_operand(b, a.ty, e, op)
        e.left, e.right = a, b
        e.ty = self.bitwise_type(op, a.ty, b.ty, e)
        return e

    def bit_operand(self, lit, ty, node, op):
        """A literal operand of & | ^ next to a value of type `ty`."""
        if ty.is_int:
            return self.adapt_operand(lit, T.I64 if ty is T.ANY else ty, node, op)
        return self.natural(lit)            # bitwise_type reports the mismatch

    def bits_operand_type(self, op, ty, node):
        """`ty` must be an integer type for operator `op`."""
        if ty.is_int:
            return
        if ty.is_void:
            self.error(node, "this expression has no value (the function returns void)")
        hint = {"&": "; for logic use `and`", "|": "; for logic use `or`",
                "~": "; for logic use `not`"}.get(op, "") if ty.is_bool else ""
        what = "an integer operand" if op == "~" else "integer operands"
        self.error(node, "`%s` needs %s, found %s%s" % (op, what, ty, hint))

    def bitwise_type(self, op, ta, tb, node):
        self.bits_operand_type(op, ta, node)
        self.bits_operand_type(op, tb, node)
        return self.same_operand_type(op, ta, tb, node)

    def literal_type(self, lit, hint):
        """The integer type a literal-only operand of `~`, `<<` or `>>` is
        computed in: its suffix's, else the expected type if it fits, else
        its natural type."""
        if lit.fixed is not None:
            return lit.fixed
        if hint is not None and hint.is_int:
            hint = T.I64 if hint is T.ANY else hint
            if self.fits(lit, hint) is not None:
                return hint
        return lit.natural

    def literal_operand(self, lit, hint, op):
        """(type, value) of a literal-only operand of `~`, `<<` or `>>`."""
        if lit.kind != "int":
            self.error(lit, "`%s` needs an integer, found %s" % (op, lit.fixed or lit.natural))
        ty = self.literal_type(lit, hint)
        v = self.fits(lit, ty)
        if v is None:
            self.natural(lit)               # reports that the value does not fit
        return ty, v

    @staticmethod
    def folded_bits(value, exact, ty, lit, node):
        """A folded `~`/shift of a literal: `value` computed in type `ty`.
        When that is the exact value (`exact`, what any type holding it
        gives) the result adapts like any literal expression; otherwise it
        keeps the type it was computed in."""
        fixed = lit.fixed if value == exact else ty
        return PendingLit(value, "int", fixed, ty, line=node.line, col=node.col)

    def complement(self, e, hint):
        """`~a`: every bit of a's type flipped."""
        v = self.expr(e.operand, hint if hint is not None and hint.is_int else None)
        if isinstance(v, PendingLit):
            ty, x = self.literal_operand(v, hint, "~")
            r = ~x & ((1 << ty.bits) - 1) if ty.is_unsigned else ~x
            return self.folded_bits(r, ~x, ty, v, e)
        self.check_value(v)
        self.bits_operand_type("~", v.ty, e)
        e.operand = v
        e.ty = v.ty
        return e

    def shift_count(self, v, op):
        """The right operand of `<<` / `>>`: any integer type (a literal gets
        its natural type)."""
        if isinstance(v, PendingLit):
            if v.kind != "int":
                self.error(v, "the shift count of `%s` must be an integer, found %s"
                           % (op, v.fixed or v.natural))
            return self.natural(v)
        self.check_value(v)
        if not v.ty.is_int:
            self.error(v, "the shift count of `%s` must be an integer, found %s" % (op, v.ty))
        return v

    def shift(self, e, hint):
        """`a << n`, `a >> n`: the type of a; n any integer type; a count
        outside 0 .. width-1 is the runtime error "shift out of range"."""
        op = e.op
        ihint = hint if hint is not None and hint.is_int else None
        a = self.expr(e.left, ihint)
        b = self.expr(e.right)
        if not isinstance(b, PendingLit) and b.ty is T.DYN:
            self.error(b, "the shift count has type any: give it a type first with an "
                       "annotated declaration (`n: i32 = v`)")
        if isinstance(a, PendingLit):
            ty, x = self.literal_operand(a, ihint, op)
            if isinstance(b, PendingLit) and b.kind == "int" and 0 <= b.value < ty.bits:
                n = b.value
                if op == ">>":
                    r = exact = x >> n          # arithmetic = logical for x >= 0
                else:
                    exact = x << n
                    r = exact & ((1 << ty.bits) - 1)
                    if ty.is_signed_int and r >= 1 << (ty.bits - 1):
                        r -= 1 << ty.bits
                return self.folded_bits(r, exact, ty, a, e)
            a = self.make_lit(a, ty, x)     # an out-of-range count fails at run time
        elif a.ty is T.DYN:
            if ihint is None:
                self.error(a, "the left operand of `%s` has type any: give it a type first "
                           "with an annotated declaration (`n: i32 = v`)" % op)
            a = self.unbox(a, ihint, "operand")
        else:
            self.check_value(a)
            self.bits_operand_type(op, a.ty, e)
        e.left = a
        e.right = self.shift_count(b, op)
        e.ty = a.ty
        return e
