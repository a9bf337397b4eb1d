"""Checker rules for literals: exact values, constant folding, adaptation
of a literal to the type its context expects, and inference of declared types."""

from __future__ import annotations

import math
from orus.frontend import ast
from orus.frontend import types as T
from orus.frontend.checker.model import PendingLit, _FOLD_FLOAT, _FOLD_INT


class LiteralRules:

    def array_length(self, e):
        """The N of `[T, N]`: an integer literal or a `:=` integer constant."""
        if isinstance(e, ast.IntLit):
            value = e.value
        else:
            value = self.const_int(e)
            if value is None:
                # A hoisted signature is resolved before any top-level statement
                # runs: accept a top-level constant declared with a literal.
                for st in self.out.module.body:
                    if isinstance(st, ast.VarDecl) and st.const and st.name == e.name \
                            and isinstance(st.value, ast.IntLit):
                        value = st.value.value
                        break
                else:
                    self.error(e, "the length in [T, N] must be an integer literal or a `:=` "
                               "integer constant; '%s' is not one" % e.name)
        if value < 0:
            self.error(e, "an array length cannot be negative (%d)" % value)
        return value

    def const_int(self, e):
        """The value of the `:=` integer constant named by Name `e`, or None
        (undefined, or not such a constant)."""
        sym = self.lookup(e.name, e)
        if sym is not None and sym.kind == "const" and sym.ty.is_int \
                and type(sym.const_value) is int:
            self.use_symbol(sym, e)
            return sym.const_value
        return None

    # -- literals ----------------------------------------------------------------------
    def lit_leaf(self, e):
        """PendingLit for a bare literal."""
        suffix = e.suffix
        fixed = T.BY_NAME[suffix] if suffix else None
        value = e.value
        if fixed is not None:
            if fixed.is_float:
                p = PendingLit(float(value), "float", fixed, fixed, line=e.line, col=e.col)
            else:
                iv = int(value)
                if iv != value or not fixed.int_fits(iv):
                    self.error(e, "literal %s does not fit its suffix %s" % (value, suffix))
                p = PendingLit(iv, "int", fixed, fixed, line=e.line, col=e.col)
        elif isinstance(e, ast.FloatLit):
            p = PendingLit(float(value), "float", None, T.F64, line=e.line, col=e.col)
        else:
            natural = T.int_type_for(value)
            if natural is None:
                self.error(e, "integer literal %d is too large (the largest i64 is "
                           "9223372036854775807; use a u64 suffix)" % value)
            p = PendingLit(value, "int", None, natural, line=e.line, col=e.col)
        return p

    def fold(self, op, a, b, node):
        """Combine two literal-only operands at compile time (exact values)."""
        if a.fixed is not None and b.fixed is not None and a.fixed is not b.fixed:
            self.error(node, "mixed literal types %s and %s" % (a.fixed, b.fixed))
        fixed = a.fixed or b.fixed
        if a.kind != b.kind:
            if fixed is T.F64 and (a.fixed is None or b.fixed is None):
                pass            # an unsuffixed integer literal next to a f64 literal
            else:
                self.error(node, "mixed literal types %s and %s (convert one with `as`, or "
                           "write both the same way)" % (a.fixed or a.natural,
                                                         b.fixed or b.natural))
            kind = "float"
        else:
            kind = a.kind
        x, y = a.value, b.value
        if kind == "float":
            x, y = float(x), float(y)
        if op in ("/", "%") and y == 0:
            return self.division_by_zero(a, b, node)
        v = (_FOLD_FLOAT if kind == "float" else _FOLD_INT)[op](x, y)
        if kind == "float":
            natural = T.F64
        else:
            natural = T.I64 if T.I64 in (a.natural, b.natural) else T.I32
        return PendingLit(v, kind, fixed, fixed or natural, line=node.line, col=node.col)

    def division_by_zero(self, a, b, node):
        """`1 / 0` is not folded: it is the runtime error "Division by zero" like
        any division by zero (CORE §4; `try` catches it, DATA §7)."""
        ty = self.common_literal_type(a, b, node)
        node.left = self.finalize(a, ty, "operand")
        node.right = self.finalize(b, ty, "operand")
        node.ty = ty
        return node

    def fits(self, lit, ty):
        """The value of `lit` converted to `ty`, or None if it does not fit exactly."""
        if lit.fixed is not None and lit.fixed is not ty:
            return None
        v = lit.value
        if ty.is_int:
            if lit.kind == "float":
                if not math.isfinite(v) or v != int(v):
                    return None
                v = int(v)
            return v if ty.int_fits(v) else None
        if ty.is_float:
            if lit.kind == "int":
                return float(v) if T.float_exact_int(v) else None
            return v
        return None

    def make_lit(self, lit, ty, value):
        if ty.is_float:
            node = ast.FloatLit(value, None, line=lit.line, col=lit.col)
        else:
            node = ast.IntLit(value, None, line=lit.line, col=lit.col)
        node.ty = ty
        return node

    def try_adapt(self, lit, ty):
        v = self.fits(lit, ty)
        return None if v is None else self.make_lit(lit, ty, v)

    def natural(self, lit):
        ty = lit.fixed or lit.natural
        v = self.fits(lit, ty)
        if v is None:
            self.error(lit, "the value %s of this literal expression does not fit %s"
                       % (lit.value, ty))
        return self.make_lit(lit, ty, v)

    def finalize(self, e, ty, what):
        """`e` (checked) as a value of exactly type `ty` (`[T, N]` stands for `[T]`;
        unfilled holes of either side get filled)."""
        if not ty.hole_free:
            ty = T.prune(ty)
            if ty.is_hole:                  # the element type of `[]`, decided here
                v = self.natural(e) if isinstance(e, PendingLit) else e
                self.check_value(v)
                if not self.unify(ty, v.ty):
                    self.error(v, "%s: an array cannot contain itself" % what)
                return v
        if isinstance(e, PendingLit):
            if ty is T.DYN:                 # a literal as an `any` payload
                return self.box(self.natural(e), what)
            node = self.try_adapt(e, ty)
            if node is None:
                same_kind = e.kind == ("float" if ty.is_float else "int")
                if ty.is_numeric and same_kind and (e.fixed is None or e.fixed is ty):
                    self.error(e, "%s: the value %s does not fit %s" % (what, e.value, ty))
                self.error(e, "%s: expected %s, found %s" % (what, ty, e.fixed or e.natural))
            return node
        et = e.ty
        if et is not ty:
            if et.is_any and ty is T.I64:
                return e
            if T.same_enum(et, ty):         # `Maybe` (arguments unknown) as `Maybe[i32]`
                return e
            if ty is T.DYN:
                return self.box(e, what)
            if et is T.DYN:
                return self.unbox(e, ty, what)
            if not ((et.is_array or et.is_hole) and self.unify(et, ty)):
                if et.is_void:
                    self.error(e, "%s: this expression has no value (the function returns "
                               "void)" % what)
                self.error(e, "%s: expected %s, found %s%s" % (what, ty, et, self.any_hint(et)))
        return e

    def expect_declared(self, e, hint, what):
        """The initializer of an annotated declaration: like `expect`, and a
        `range()` value (static type any) takes the declared numeric type."""
        v = self.expr(e, hint)
        if not isinstance(v, PendingLit) and v.ty.is_any and hint.is_numeric \
                and hint is not T.I64:
            node = ast.Cast(v, None, line=v.line, col=v.col)
            node.ty = hint
            return node
        return self.finalize(v, hint, what)

    @staticmethod
    def any_hint(ty):
        if ty.is_any:
            return " (a range() value has no static type: give it one first with an " \
                   "annotated declaration such as `k: i64 = v`)"
        return ""

    def unify(self, a, b):
        """Can a value of type `a` be used as `b`?  Fills unfilled holes (the
        element types of empty literals) as needed; lengths are ignored."""
        a, b = T.prune(a), T.prune(b)
        if a is b:
            return True
        if a.is_hole:
            a, b = b, a
        if b.is_hole:
            if a.is_void or T.occurs(b, a):
                return False
            b.ref = a.base
            return True
        if a.is_array and b.is_array:
            return self.unify(a.elem, b.elem)
        return a.base is b.base or T.same_enum(a, b)

    def check_value(self, v):
        if v.ty.is_void:
            self.error(v, "this expression has no value (the function returns void)")

    def elem_type(self, ty, node):
        """The element type of array type `ty`, which must be known by now."""
        elem = T.resolve(ty.elem)
        if elem.is_hole:
            self.error(node, "the element type of this empty array is not known yet "
                       "(annotate it, e.g. `xs: [i32] = []`, or push a value first)")
        return elem

    def common_literal_type(self, a, b, node):
        if a.fixed is not None and b.fixed is not None and a.fixed is not b.fixed:
            self.error(node, "mixed literal types %s and %s" % (a.fixed, b.fixed))
        if a.fixed or b.fixed:
            return a.fixed or b.fixed
        if a.kind != b.kind:
            return T.F64
        if a.kind == "float":
            return T.F64
        return T.I64 if T.I64 in (a.natural, b.natural) else T.I32
