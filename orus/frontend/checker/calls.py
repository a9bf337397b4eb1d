"""Checker rules for calls: direct and indirect calls, arity, and the builtins."""

from __future__ import annotations

from orus.frontend import ast
from orus.frontend import types as T
from orus.bytecode import opcodes as O
from orus.frontend.checker.model import BUILTINS, PendingLit, _BUILTIN_ARITY


_NUMERIC_BUILTINS = ("abs", "min", "max", "clamp")


class CallRules:

    def expr_Call(self, e, hint):
        callee = e.callee
        if type(callee) is ast.Member:
            node = self.member_call(e, callee, hint)
            if node is not None:
                return node
        if isinstance(callee, ast.Name):
            sym = self.lookup(callee.name, callee)
            if sym is None:
                if callee.name in BUILTINS:
                    return self.builtin_call(e, callee.name, hint)
                self.undefined(callee, "function")
            if sym.kind == "fn":
                callee.sym = sym
                if sym.fndecl is not None:
                    return self.direct_call(e, sym.fndecl)
                info = sym.fninfo
                func = self.ctx.func
                if info is func or func.is_inside(info) or not info.captures:
                    self.ensure_signature(info, e)
                    callee.ty = info.fn_type()
                    return self.finish_call(e, info.param_hints, info.ret, info, callee.name)
        fv = self.rvalue(callee)
        e.callee = fv
        if not fv.ty.is_fn:
            self.error(e, "cannot call a value of type %s" % fv.ty)
        name = fv.name if isinstance(fv, ast.Name) else "function value"
        return self.finish_call(e, fv.ty.params, fv.ty.ret, None, name)

    def direct_call(self, e, decl):
        args = e.args
        if len(args) != len(decl.param_types):
            self.arity_error(e, decl.name, len(decl.param_types))
        if not decl.generic:
            info = decl.info
            self.ensure_signature(info, e)
            e.callee.ty = info.fn_type()
            return self.finish_call(e, info.param_hints, info.ret, info, decl.name)
        key = []
        for i, (a, t) in enumerate(zip(args, decl.param_types)):
            if t is None:
                v = self.rvalue(a)
                self.check_value(v)
                args[i] = v
                key.append(T.resolve(v.ty))     # `[]` may still be open (DATA §3.1)
        info = self.specialise(decl, tuple(key), e)
        e.callee.ty = info.fn_type()
        return self.finish_call(e, info.param_hints, info.ret, info, decl.name,
                                skip=[t is None for t in decl.param_types])

    def arity_error(self, e, name, n):
        self.error(e, "function '%s' expects %d argument%s but received %d"
                   % (name, n, "" if n == 1 else "s", len(e.args)))

    def finish_call(self, e, ptypes, ret, target, name, skip=None):
        args = e.args
        if len(args) != len(ptypes):
            self.arity_error(e, name, len(ptypes))
        for i, (a, t) in enumerate(zip(args, ptypes)):
            if skip is not None and skip[i]:
                continue
            args[i] = self.expect(a, t, "argument %d of '%s'" % (i + 1, name))
        e.target = target
        e.ty = ret
        return e

    # -- builtins (DATA §9) -------------------------------------------------------------------
    def builtin_call(self, e, name, hint=None):
        """Check a call of builtin `name`; `e.target` becomes the name (a str)."""
        e.target = name
        lo, hi = _BUILTIN_ARITY[name]
        n = len(e.args)
        if not lo <= n <= hi:
            if lo == hi:
                self.arity_error(e, name, lo)
            self.error(e, "function '%s' expects %d to %d arguments but received %d"
                       % (name, lo, hi, n))
        if name in _NUMERIC_BUILTINS:
            return self.numeric_builtin(e, e.args, name, hint)
        return getattr(self, "builtin_" + name)(e, e.args)

    def builtin_typeof(self, e, args):
        args[0] = self.rvalue(args[0])
        e.ty = T.STRING
        return e

    def builtin_istype(self, e, args):
        args[0] = self.rvalue(args[0])
        args[1] = self.expect(args[1], T.STRING, "argument 2 of 'istype'")
        e.ty = T.BOOL
        return e

    def builtin_len(self, e, args):
        v = args[0] = self.rvalue(args[0])
        if not (v.ty.is_array or v.ty.is_string):
            self.error(v, "len() needs an array or a string, found %s" % v.ty)
        e.ty = T.I32
        return e

    def array_arg(self, e, args, name):
        v = args[0] = self.rvalue(args[0])
        if not v.ty.is_array:
            self.error(v, "%s() needs an array, found %s" % (name, v.ty))
        return v

    def builtin_push(self, e, args):
        arr = self.array_arg(e, args, "push")
        args[1] = self.expect(args[1], arr.ty.elem, "argument 2 of 'push'")
        e.ty = T.resolve(arr.ty)
        return e

    def builtin_pop(self, e, args):
        arr = self.array_arg(e, args, "pop")
        e.ty = self.elem_type(arr.ty, e)
        return e

    def builtin_sorted(self, e, args):
        arr = self.array_arg(e, args, "sorted")
        e.ty = arr.ty
        elem = T.resolve(arr.ty.elem)
        if len(args) == 2:
            self.sort_key_arg(e, args, elem)
            return e
        if elem.is_hole:
            self.out.deferred.append((self.check_sortable, e, arr.ty))
        else:
            self.check_sortable(e, arr.ty)
        return e

    def sort_key_arg(self, e, args, elem):
        """`sorted(xs, key)`: key is a function of one element returning a
        number, a bool or a string (the order of sorted() itself); any
        element type."""
        key = args[1] = self.rvalue(args[1])
        kt = key.ty
        name = "'%s'" % key.name if isinstance(key, ast.Name) else "the key function"
        if not kt.is_fn:
            self.error(key, "the key of sorted() must be a function of one element, found %s"
                       % kt)
        if len(kt.params) != 1:
            self.error(key, "the key of sorted() must take one argument (an element), but %s "
                       "takes %d" % (name, len(kt.params)))
        if elem.is_hole:
            self.unify(elem, kt.params[0])
        elif not self.unify(elem, kt.params[0]):
            self.error(key, "the key of sorted() must take the element type %s, but %s takes %s"
                       % (elem, name, kt.params[0]))
        ret = T.resolve(kt.ret)
        if not (ret.is_numeric or ret.is_bool or ret.is_string):
            self.error(key, "the key of sorted() must return a number, a bool or a string "
                       "(values sorted() can order), but %s returns %s"
                       % (name, "nothing" if ret.is_void else ret))

    def check_sortable(self, e, ty):
        elem = T.resolve(ty.elem)
        if not (elem.is_hole or elem.is_numeric or elem.is_bool or elem.is_string):
            self.error(e, "sorted() orders numbers, bools and strings, not %s elements"
                       % elem)

    def builtin_range(self, e, args):
        for i, a in enumerate(args):
            v = self.expr(a, T.I64)
            if isinstance(v, PendingLit):
                if v.kind != "int":
                    self.error(v, "range() needs integer arguments, found %s"
                               % (v.fixed or v.natural))
                if i == 2 and v.value == 0:
                    self.error(v, "the range() step cannot be zero")
                v = self.try_adapt(v, T.I64) or self.natural(v)
            elif not v.ty.is_int:
                self.check_value(v)
                self.error(v, "range() needs integer arguments, found %s" % v.ty)
            args[i] = v
        e.ty = T.RANGE
        return e

    def builtin_input(self, e, args):
        if args:
            args[0] = self.expect(args[0], T.STRING, "the prompt of 'input'")
        e.ty = T.STRING
        return e

    def builtin_ord(self, e, args):
        """ord(s): the first byte of s, 0..255 (empty: runtime error)."""
        args[0] = self.expect(args[0], T.STRING, "argument 1 of 'ord'")
        e.ty = T.I32
        return e

    def builtin_chr(self, e, args):
        """chr(n): the one-byte string of byte n (n outside 0..255: runtime error)."""
        args[0] = self.expect(args[0], T.I32, "argument 1 of 'chr'")
        e.ty = T.STRING
        return e

    def builtin_int(self, e, args):
        return self._conversion(e, args, "int", T.I32)

    def builtin_float(self, e, args):
        return self._conversion(e, args, "float", T.F64)

    def _conversion(self, e, args, name, result):
        """int(x) / float(x): a string or a number in, `result` out."""
        v = args[0] = self.rvalue(args[0])
        if not (v.ty.is_numeric or v.ty.is_string):
            self.error(e, "%s() needs a string or a number, found %s" % (name, v.ty))
        e.ty = result
        return e

    def builtin_assert_eq(self, e, args):
        args[0] = self.expect(args[0], T.STRING, "the label of 'assert_eq'")
        a = self.expr(args[1])
        b = self.expr(args[2])
        pa, pb = isinstance(a, PendingLit), isinstance(b, PendingLit)
        # A literal compared with a typed value takes its type when it fits.
        if pa and not pb:
            a = self.try_adapt(a, b.ty) or self.natural(a)
        elif pb and not pa:
            b = self.try_adapt(b, a.ty) or self.natural(b)
        elif pa and pb:
            a, b = self.natural(a), self.natural(b)
        if (a.ty is T.DYN) != (b.ty is T.DYN):      # an `any` value: compare boxed
            if a.ty is T.DYN:
                b = self.box(b, "argument 3 of 'assert_eq'")
            else:
                a = self.box(a, "argument 2 of 'assert_eq'")
        for v in (a, b):
            self.check_value(v)
        if a.ty.is_array and b.ty.is_array:
            self.unify(a.ty, b.ty)
        args[1], args[2] = a, b
        e.ty = T.BOOL
        return e

    # -- numeric builtins (issue 15): abs, min, max, clamp over every numeric type ---------
    def numeric_builtin(self, e, args, name, hint=None):
        """The arguments of abs/min/max/clamp: one numeric type for all, taken
        from the typed arguments (literals adapt to it, as in arithmetic) or,
        when all are literals, the expected type if they all fit it, else
        their common literal type."""
        vals = [self.expr(a) for a in args]
        typed = [v for v in vals if not isinstance(v, PendingLit)]
        for v in typed:
            self.check_value(v)
        if any(v.ty is T.DYN for v in typed):
            known = [v for v in typed if v.ty is not T.DYN]
            if not known:
                self.error(e, "%s() of a value of type any: give it a type first with an "
                           "annotated declaration (`n: i32 = v`)" % name)
            vals = [self.unbox(v, known[0].ty, "argument of '%s'" % name)
                    if not isinstance(v, PendingLit) and v.ty is T.DYN else v for v in vals]
            typed = [v for v in vals if not isinstance(v, PendingLit)]
        if typed:
            ty = typed[0].ty
            if ty.is_any:
                ty = T.I64
            for v in typed:
                vt = T.I64 if v.ty.is_any else v.ty
                if not vt.is_numeric:
                    self.error(v, "%s() needs numbers, found %s" % (name, v.ty))
                if vt is not ty:
                    self.error(v, "mismatched types %s and %s for %s(); convert one with `as`"
                               % (ty, v.ty, name))
        else:
            fixed = {v.fixed for v in vals if v.fixed is not None}
            if len(fixed) > 1:
                self.error(e, "mixed literal types %s" % " and ".join(sorted(map(str, fixed))))
            if hint is not None and hint.is_numeric and not hint.is_any \
                    and all(self.fits(v, hint) is not None for v in vals):
                ty = hint
            elif fixed:
                ty = fixed.pop()
            elif any(v.kind == "float" for v in vals):
                ty = T.F64
            else:
                ty = T.I64 if any(v.natural is T.I64 for v in vals) else T.I32
        for i, v in enumerate(vals):
            if isinstance(v, PendingLit):
                v = self.adapt_operand(v, ty, e, name + "()")
            args[i] = v
        e.ty = ty
        return e

    # -- the math module's intrinsics: __math1(code, x), __math2(code, x, y) ---------------
    def intrinsic_code(self, e, args, names) -> int:
        """The function number that an intrinsic's first argument must be (a
        literal index into `names`); args[0] becomes its typed literal."""
        code = self.expr(args[0])
        if not (isinstance(code, PendingLit) and code.kind == "int"
                and 0 <= code.value < len(names)):
            self.error(e, "the first argument of '%s' must be a function number 0..%d"
                       % (e.target, len(names) - 1))
        args[0] = self.natural(code)
        return code.value

    def math_intrinsic(self, e, args, names):
        self.intrinsic_code(e, args, names)
        for i in range(1, len(args)):
            args[i] = self.expect(args[i], T.F64, "argument %d of '%s'" % (i + 1, e.target))
        e.ty = T.F64
        return e

    def builtin___math1(self, e, args):
        return self.math_intrinsic(e, args, O.MATH1_NAMES)

    def builtin___math2(self, e, args):
        return self.math_intrinsic(e, args, O.MATH2_NAMES)

    # -- the random module's intrinsics (orus/std/random.orus) -----------------------------
    def rng_args(self, e, args, ty, result):
        for i in range(len(args)):
            args[i] = self.expect(args[i], ty, "argument %d of '%s'" % (i + 1, e.target))
        e.ty = result
        return e

    def builtin___rng_seed(self, e, args):
        return self.rng_args(e, args, T.I64, T.VOID)

    def builtin___rng_random(self, e, args):
        return self.rng_args(e, args, T.F64, T.F64)

    def builtin___rng_uniform(self, e, args):
        return self.rng_args(e, args, T.F64, T.F64)

    def builtin___rng_normal(self, e, args):
        return self.rng_args(e, args, T.F64, T.F64)

    def builtin___rng_integers(self, e, args):
        return self.rng_args(e, args, T.I64, T.I64)

    def builtin___rng_shuffle(self, e, args):
        self.array_arg(e, args, "random.shuffle")
        e.ty = T.VOID
        return e

    def builtin___rng_choice(self, e, args):
        arr = self.array_arg(e, args, "random.choice")
        e.ty = self.elem_type(arr.ty, e)
        return e

    # -- the strings module's intrinsics: __str1(code, s), __str2(code, a, b), __str3(...) ----
    def str_intrinsic(self, e, args, names):
        params, ret = STR_SIGNATURES[names[self.intrinsic_code(e, args, names)]]
        for i in range(1, len(args)):
            args[i] = self.expect(args[i], params[i - 1], "argument %d of '%s'" % (i + 1, e.target))
        e.ty = ret
        return e

    def builtin___str1(self, e, args):
        return self.str_intrinsic(e, args, O.STR1_NAMES)

    def builtin___str2(self, e, args):
        return self.str_intrinsic(e, args, O.STR2_NAMES)

    def builtin___str3(self, e, args):
        return self.str_intrinsic(e, args, O.STR3_NAMES)



_S = T.STRING
# parameter types and result of each STR1/STR2/STR3 function (orus/std/strings.orus)
STR_SIGNATURES = {
    "upper": ((_S,), _S), "lower": ((_S,), _S), "trim": ((_S,), _S),
    "trim_start": ((_S,), _S), "trim_end": ((_S,), _S),
    "int_ok": ((_S,), T.BOOL), "int_value": ((_S,), T.I64), "int_why": ((_S,), _S),
    "float_ok": ((_S,), T.BOOL), "float_why": ((_S,), _S),
    "split": ((_S, _S), T.array_of(_S)), "join": ((T.array_of(_S), _S), _S),
    "find": ((_S, _S), T.I64), "contains": ((_S, _S), T.BOOL),
    "starts_with": ((_S, _S), T.BOOL), "ends_with": ((_S, _S), T.BOOL),
    "repeat": ((_S, T.I32), _S), "replace": ((_S, _S, _S), _S),
}
assert set(STR_SIGNATURES) == set(O.STR1_NAMES + O.STR2_NAMES + O.STR3_NAMES)
