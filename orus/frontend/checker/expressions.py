"""Checker rules for expressions: operators, arrays, indexing, names,
casts, conditionals and function values."""

from __future__ import annotations

from orus.frontend import ast
from orus.frontend import types as T
from orus.errors import CompileError
from orus.frontend.checker.explain import LOOSE_OPS, cast_note, fill_note, with_note
from orus.frontend.checker.model import (BUILTINS, PendingLit, _ARITH, _BITWISE, _COMPARE, _SHIFTS,
                                         _width_dependent)


class ExpressionRules:

    def expr_ChainValue(self, e, hint):
        return e

    # -- expressions ---------------------------------------------------------------------
    def expr(self, e, hint=None):
        """Check `e`; returns the (possibly replaced) node, maybe a PendingLit."""
        method = getattr(self, "expr_" + type(e).__name__, None)
        if method is None:
            self.error(e, "%s expressions are not supported yet" % type(e).__name__)
        if type(e) is ast.Call and self.ctx.func.probe_lit is not None:
            return self.probe_call(method, e, hint)
        return method(e, hint)

    def rvalue(self, e, expected=None, allow_void=False):
        """Check `e` as a value with a final type (literals adapt to `expected`
        when they fit, otherwise get their natural type)."""
        v = self.expr(e, expected)
        if isinstance(v, PendingLit):
            if expected is not None:
                node = self.try_adapt(v, expected)
                if node is not None:
                    return node
            return self.natural(v)
        if v.ty.is_void and not allow_void:
            self.error(v, "this expression has no value (the function returns void)")
        return v

    def expect(self, e, ty, what):
        v = self.expr(e, ty)
        return self.finalize(v, ty, what)

    def expr_IntLit(self, e, hint):
        if e.ty is not None:         # already checked (a folded literal)
            return e
        return self.lit_leaf(e)

    expr_FloatLit = expr_IntLit

    def expr_PendingLit(self, e, hint):
        return e

    def expr_BoolLit(self, e, hint):
        e.ty = T.BOOL
        return e

    def expr_StrLit(self, e, hint):
        e.ty = T.STRING
        return e

    def expr_Timestamp(self, e, hint):
        e.ty = T.F64
        return e

    # -- arrays and strings (DATA §2, §3) ----------------------------------------------------
    @staticmethod
    def elem_hint(hint):
        """The expected element type inside an expected array type (or None)."""
        if hint is None:
            return None
        hint = T.prune(hint)
        if not hint.is_array:
            return None
        elem = T.prune(hint.elem)
        return None if elem.is_hole else elem

    def check_length(self, e, n, hint):
        if hint is not None:
            hint = T.prune(hint)
            if hint.is_array and hint.size is not None and hint.size != n:
                self.error(e, "this array literal has %d element%s, but its type %s says %d"
                           % (n, "" if n == 1 else "s", hint, hint.size))

    def expr_ArrayLit(self, e, hint):
        ehint = self.elem_hint(hint)
        elems = e.elems
        for i, el in enumerate(elems):
            v = self.expr(el, ehint)
            if not isinstance(v, PendingLit):
                self.check_value(v)
            elems[i] = v
        if ehint is not None:
            # DECISIONS data row 6: literal elements adapt to the expected element type.
            for i, v in enumerate(elems):
                elems[i] = self.finalize(v, ehint, "array element %d" % (i + 1))
            ty = ehint
        else:
            first = next((i for i, v in enumerate(elems) if not isinstance(v, PendingLit)), None)
            if first is not None:
                ty = elems[first].ty
                for i, v in enumerate(elems):
                    if isinstance(v, PendingLit):
                        node = self.try_adapt(v, ty)
                        if node is None:
                            if ty.is_numeric and v.kind == ("float" if ty.is_float else "int") \
                                    and v.fixed in (None, ty):
                                self.finalize(v, ty, "array element %d" % (i + 1))
                            self.mixed_elements(v, i, v.fixed or v.natural, first, ty)
                        elems[i] = node
                    elif v.ty is not ty and not self.unify(v.ty, ty):
                        self.mixed_elements(v, i, v.ty, first, ty)
            elif elems:
                # Only literals: one suffix type if any, else f64 if any is a float
                # literal, else i64 if one needs it, else i32.
                fixed = {v.fixed for v in elems if v.fixed is not None}
                if len(fixed) > 1:
                    self.error(e, "mixed literal types %s in an array literal"
                               % " and ".join(sorted(str(t) for t in fixed)))
                if fixed:
                    ty = fixed.pop()
                elif any(v.kind == "float" for v in elems):
                    ty = T.F64
                elif any(v.natural is T.I64 for v in elems):
                    ty = T.I64
                else:
                    ty = T.I32
                for i, v in enumerate(elems):
                    elems[i] = self.finalize(v, ty, "array element %d" % (i + 1))
            else:
                ty = T.Hole()
        self.check_length(e, len(elems), hint)
        e.ty = T.array_of(T.resolve(ty).base)
        return e

    def mixed_elements(self, v, i, ty, first, first_ty):
        self.error(v, "the elements of an array literal must all have the same type: "
                   "element %d is %s, element %d is %s" % (i + 1, ty, first + 1, first_ty))

    def expr_ArrayFill(self, e, hint):
        """`[value; N]` and `[value, N]`: N copies of value (DATA §3.1, DECISIONS
        data row 4); N an integer literal or a `:=` integer constant."""
        if getattr(e, "comma", False):
            # `[a, N]`: when it fails to check, say it was read as a fill (issue 16)
            value_node, count_node = e.value, e.count
            try:
                return self.fill_literal(e, hint)
            except CompileError as err:
                # the value's type, the length, or the count's name; not an
                # error inside the value, nor one that already speaks of fills
                if "fill literal" in err.message or not (
                        err.message.startswith(("the fill value:", "this array literal has"))
                        or (err.line, err.col) == (count_node.line, count_node.col)):
                    raise
                raise with_note(err, fill_note(e, value_node, count_node)) from None
        return self.fill_literal(e, hint)

    def fill_literal(self, e, hint):
        ehint = self.elem_hint(hint)
        v = self.rvalue(e.value, ehint) if ehint is None else \
            self.expect(e.value, ehint, "the fill value")
        e.value = v
        self.check_value(v)
        count = e.count
        n = None
        if type(count) is int:
            n = count                   # checked before
        elif isinstance(count, ast.Name):
            n = self.const_int(count)
            if n is None:
                if self.lookup(count.name, count) is None:
                    self.undefined(count, "variable")
                self.error(count, "the length of a fill literal must be an integer literal or a "
                           "`:=` constant, not '%s' (write `[value] * %s`, or `[value, %s,]` "
                           "for a two-element array)" % ((count.name,) * 3))
        else:
            c = self.expr(count)
            if isinstance(c, PendingLit) and c.kind == "int":
                n = c.value
            else:
                self.error(count, "the length of a fill literal must be an integer literal or "
                           "a `:=` integer constant")
        if n < 0:
            self.error(e, "the length of a fill literal cannot be negative (%d)" % n)
        e.count = n                 # the compiler reads the number
        self.check_length(e, n, hint)
        e.ty = T.array_of(T.resolve(v.ty).base)
        return e

    def index_value(self, e, what):
        """An index or slice bound: any integer type (DATA §3.2)."""
        v = self.rvalue(e)
        if not v.ty.is_int:
            self.error(v, "%s must be an integer, found %s" % (what, v.ty))
        return v

    def sequence(self, e, what):
        """The array or string operand of an index, slice or builtin."""
        v = self.rvalue(e)
        ty = v.ty
        if not (ty.is_array or ty.is_string):
            self.error(v, "cannot %s a value of type %s (only arrays and strings)" % (what, ty))
        return v

    def expr_Index(self, e, hint):
        obj = e.obj = self.sequence(e.obj, "index")
        e.index = self.index_value(e.index, "an index")
        e.ty = T.STRING if obj.ty.is_string else self.elem_type(obj.ty, e)
        return e

    def expr_Slice(self, e, hint):
        obj = e.obj = self.sequence(e.obj, "slice")
        if e.start is not None:
            e.start = self.index_value(e.start, "a slice bound")
        if e.end is not None:
            e.end = self.index_value(e.end, "a slice bound")
        e.ty = obj.ty
        return e

    def expr_Name(self, e, hint):
        sym = getattr(e, "sym", None)
        if sym is not None and sym.kind == "subject":
            return e                    # the subject of a match (check_match)
        sym = self.lookup(e.name, e)
        if sym is None:
            if e.name in BUILTINS:
                self.error(e, "builtin '%s' can only be called" % e.name)
            self.undefined(e, "variable")
        e.sym = sym
        if sym.kind == "fn":
            e.ty = self.function_value_type(sym, e)
        else:
            self.use_symbol(sym, e)
            e.ty = sym.ty if sym.ty.hole_free else T.resolve(sym.ty)
        return e

    def expr_Unary(self, e, hint):
        if e.op == "-":
            v = self.expr(e.operand, hint)
            if isinstance(v, PendingLit):
                return PendingLit(-v.value, v.kind, v.fixed, v.natural, line=e.line, col=e.col)
            ty = v.ty
            if ty.is_unsigned:
                self.error(e, "unary minus on unsigned %s (convert with `as` to a signed "
                           "type first)" % ty)
            if not ty.is_numeric:
                self.error(e, "unary minus needs a number, found %s" % ty)
            e.operand = v
            e.ty = ty
            return e
        if e.op == "~":
            return self.complement(e, hint)
        # not
        v = self.rvalue(e.operand)
        if not v.ty.is_bool:
            self.error(e, "`not` needs a bool, found %s (write an explicit comparison%s)"
                       % (v.ty, "; `~` flips the bits of an integer" if v.ty.is_int else ""))
        e.operand = v
        e.ty = T.BOOL
        return e

    def expr_Binary(self, e, hint):
        op = e.op
        if op in _ARITH:
            return self.arith(e, hint)
        if op in _BITWISE:
            return self.bitwise(e, hint)
        if op in _SHIFTS:
            return self.shift(e, hint)
        if op in _COMPARE:
            return self.compare(e)
        # and / or (DECISIONS core rows 1, 18)
        for side in ("left", "right"):
            v = self.rvalue(getattr(e, side))
            if not v.ty.is_bool:
                self.error(v if side == "right" else e, "`%s` needs bool operands, found %s%s"
                           % (op, v.ty, " (write `x != 0`; the bitwise operator is `%s`)"
                              % ("&" if op == "and" else "|") if v.ty.is_int else ""))
            setattr(e, side, v)
        e.ty = T.BOOL
        return e

    def arith(self, e, hint):
        op = e.op
        if hint is not None and hint.is_array:
            hint = hint.base            # `[T, N]` describes the result, not the operands
        a, b = self.operands(e, hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if (not pa and a.ty is T.DYN) or (not pb and b.ty is T.DYN):
            a, b = self.unbox_operands(a, b, hint, e)
            pa = pb = False
        if (not pa and a.ty.is_array) or (not pb and b.ty.is_array):
            return self.array_arith(e, a, b, pa)
        if pa and pb:
            return self.fold(op, a, b, e)
        if pa:
            a = self.adapt_operand(a, b.ty, e, op)
        elif pb:
            b = self.adapt_operand(b, a.ty, e, op)
        e.left, e.right = a, b
        e.ty = self.arith_type(op, a.ty, b.ty, e)
        return e

    def operands(self, e, hint):
        """Check both operands of a binary operator.  An operand made only of
        literals whose value depends on its type (`~1`, `1 << 31`) is checked
        after the other one, with that one's integer type as expected type."""
        left, right = e.left, e.right
        if _width_dependent(left) and not _width_dependent(right):
            b = self.expr(right, hint)
            return self.expr(left, self.sibling_hint(b, hint)), b
        a = self.expr(left, hint)
        if _width_dependent(right):
            return a, self.expr(right, self.sibling_hint(a, hint))
        return a, self.expr(right, hint)

    @staticmethod
    def sibling_hint(v, hint):
        if not isinstance(v, PendingLit) and v.ty.is_int:
            return T.I64 if v.ty is T.ANY else v.ty
        return hint

    def array_arith(self, e, a, b, pa):
        """`arr * n` / `n * arr`: a new array repeating the elements (DATA §3.1)."""
        op = e.op
        left_array = not pa and a.ty.is_array
        right_array = not isinstance(b, PendingLit) and b.ty.is_array
        if op == "+" and left_array and right_array:
            self.error(e, "`+` does not concatenate arrays (Orus has no array concatenation; "
                       "push the elements onto a new array)")
        if op != "*":
            self.error(e, "`%s` is not defined for arrays" % op)
        if left_array and right_array:
            self.error(e, "`*` repeats an array a number of times: one operand must be an "
                       "integer count, found %s and %s" % (a.ty, b.ty))
        if left_array:
            e.right = self.repeat_count(b)
            e.left = a
            e.ty = a.ty
        else:
            e.left = self.repeat_count(a)
            e.right = b
            e.ty = b.ty
        return e

    def repeat_count(self, v):
        if isinstance(v, PendingLit):
            if v.kind != "int":
                self.error(v, "an array can only be repeated an integer number of times, "
                           "found %s" % (v.fixed or v.natural))
            return self.natural(v)
        if not v.ty.is_int:
            if v.ty.is_void:
                self.check_value(v)
            self.error(v, "an array can only be repeated an integer number of times, "
                       "found %s" % v.ty)
        return v

    def adapt_operand(self, lit, ty, node, op):
        """A literal operand next to a typed one takes its type (DECISIONS core row 5)."""
        if ty.is_numeric:
            v = self.try_adapt(lit, ty)
            if v is not None:
                return v
            shown = lit.fixed or lit.natural
            if lit.fixed is None and lit.kind == "int" and ty.is_int:
                self.error(node, "the literal %s does not fit %s" % (lit.value, ty))
            self.error(node, "cannot combine %s and a %s literal (%s) with `%s`; convert "
                       "with `as`" % (ty, shown, lit.value, op))
        if ty.is_bool:
            self.error(node, "arithmetic on bool values")
        if ty.is_void:
            self.error(node, "this expression has no value (the function returns void)")
        self.error(node, "cannot use `%s` on %s and a number%s" % (
            op, ty, "; convert the number with `as string`" if ty.is_string else ""))

    def arith_type(self, op, ta, tb, node):
        if ta.is_void or tb.is_void:
            self.error(node, "this expression has no value (the function returns void)")
        if ta.is_bool or tb.is_bool:
            self.error(node, "arithmetic on bool values (`%s` of %s and %s)" % (op, ta, tb))
        if ta.is_string or tb.is_string:
            if op == "+" and ta.is_string and tb.is_string:
                return T.STRING
            if op == "+":
                self.error(node, "`+` needs two strings or two numbers, found %s and %s; "
                           "convert with `as string`" % (ta, tb))
            self.error(node, "`%s` is not defined for strings" % op)
        if not (ta.is_numeric and tb.is_numeric):
            if ta.is_array or tb.is_array:
                self.error(node, "`%s` is not defined for %s and %s (`*` with an integer "
                           "count is the only arithmetic on arrays)" % (op, ta, tb))
            self.error(node, "`%s` is not defined for %s and %s" % (op, ta, tb))
        return self.same_operand_type(op, ta, tb, node)

    def same_operand_type(self, op, ta, tb, node):
        """The type of a binary operation whose operands must have one type
        (arithmetic, bitwise): that type, or i64 when one side is a range()
        value (an i64 without a static type, DECISIONS data row 13)."""
        if ta is not tb:
            if ta.is_any or tb.is_any:
                if T.I64 in (ta, tb):
                    return T.I64
                self.error(node, "mismatched types %s and %s for `%s`%s" % (
                    ta, tb, op, self.any_hint(T.ANY)))
            self.error(node, "mismatched types %s and %s for `%s`; convert one with `as`"
                       % (ta, tb, op))
        return ta

    def compare(self, e):
        op = e.op
        a, b = self.operands(e, None)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if (not pa and a.ty is T.DYN) != (not pb and b.ty is T.DYN):
            a, b = self.unbox_operands(a, b, None, e)
            pa = pb = False
        if pa and pb:
            a, b = self.natural(a), self.natural(b)
        elif pa:
            a = self.try_adapt(a, b.ty) or self.natural(a)
        elif pb:
            b = self.try_adapt(b, a.ty) or self.natural(b)
        e.left, e.right = a, b
        ta, tb = a.ty, b.ty
        if ta.is_void or tb.is_void:
            self.error(e, "this expression has no value (the function returns void)")
        ordering = op not in ("==", "!=")
        if ta.is_numeric and tb.is_numeric:
            if ta.is_int and tb.is_int and ta.signed != tb.signed:
                self.error(e, "cannot compare signed %s with unsigned %s; convert one with `as`"
                           % (ta, tb) if ta.signed else
                           "cannot compare unsigned %s with signed %s; convert one with `as`"
                           % (ta, tb))
        elif ta is tb and (ta.is_string or ta.is_bool):
            if ordering and ta.is_bool:
                self.error(e, "bool values have no order (`%s`)" % op)
        elif ta is tb and ta.is_fn:
            self.error(e, "function values cannot be compared")
        elif ta.is_array and tb.is_array and self.unify(ta, tb):
            # DECISIONS data row 1: == and != compare contents (deeply)
            if ordering:
                self.error(e, "arrays have no order (`%s`); only == and != compare them" % op)
        elif (ta is tb and ta.kind in ("struct", "enum", "error", "dyn")) \
                or T.same_enum(ta, tb):
            # structs and enums by contents (DECISIONS data row 1), errors by identity
            if ordering:
                self.error(e, "%s values have no order (`%s`); only == and != compare them"
                           % (ta, op))
        else:
            self.error(e, "cannot compare %s with %s" % (ta, tb))
        e.ty = T.BOOL
        return e

    def expr_Cast(self, e, hint):
        b = e.expr
        if getattr(e, "loose", False) and b.op in LOOSE_OPS:
            # `x + y as T` is `(x + y) as T` (CORE §4.1): a type error of the
            # operation or of the cast says so (issue 16)
            try:
                return self.cast(e, hint)
            except CompileError as err:
                if (err.line, err.col) in ((b.line, b.col), (e.line, e.col)):
                    raise with_note(err, cast_note(e)) from None
                raise
        return self.cast(e, hint)

    def cast(self, e, hint):
        v = self.rvalue(e.expr)
        target = self.resolve_type(e.target).base
        src = v.ty
        e.expr = v
        e.ty = target
        if src.is_any:
            self.error(e, "cannot cast a value of type any with `as`%s" % self.any_hint(src))
        if src is T.DYN:
            self.error(e, "this is a `any`, but `%s` was expected: give the value a type first "
                       "with an annotated declaration (`n: i32 = v`)" % target)
        if src is target:
            return e
        if target.is_string:
            if src.is_scalar or src is T.ERROR:     # an error's message (DECISIONS data 11)
                return e
        elif src.is_string:
            self.error(e, "cannot cast string to %s" % target)
        elif (src.is_numeric or src.is_bool) and (target.is_numeric or target.is_bool):
            return e
        self.error(e, "cannot cast %s to %s" % (src, target))

    def expr_Ternary(self, e, hint):
        e.cond = self.condition(e.cond)
        a, b = self.probe_alternatives((e.then, e.other), hint)
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        if pa and pb:
            if hint is not None and self.fits(a, hint) is not None \
                    and self.fits(b, hint) is not None:
                ty = hint
            else:
                ty = self.common_literal_type(a, b, e)
            a = self.finalize(a, ty, "conditional branch")
            b = self.finalize(b, ty, "conditional branch")
        elif pa:
            a = self.try_adapt(a, b.ty) or self.natural(a)
        elif pb:
            b = self.try_adapt(b, a.ty) or self.natural(b)
        if a.ty is not b.ty and not (a.ty.is_array and self.unify(a.ty, b.ty)) \
                and not T.same_enum(a.ty, b.ty):
            self.error(e, "the branches of a conditional expression have different types: "
                       "%s and %s" % (a.ty, b.ty))
        if a.ty.is_void:
            self.error(e, "this expression has no value (the function returns void)")
        e.then, e.other = a, b
        e.ty = T.resolve(a.ty if a.ty.kind != "enum" else T.more_specific(a.ty, b.ty))
        return e

    def expr_Lambda(self, e, hint):
        name, self.lambda_name = self.lambda_name or "lambda", None
        info = self.nested_function(e, name)
        e.info = info
        self.check_nested(info)
        e.ty = info.fn_type()
        return e
