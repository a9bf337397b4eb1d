"""Checker rules for structs, enums and impl blocks, member access and
methods, `any` boxes, match and try."""

from __future__ import annotations

from orus.frontend import ast
from orus.frontend import types as T
from orus.frontend.checker.model import (ArmPlan, Box, EnumLit, FnDecl, MatchPlan, PendingLit,
                                         RESULT, Scope, StructNew, Symbol, Unbox, _Ctx, _NeedRet,
                                         _UNKNOWN, _intersect, _mentions_dyn, const_value)


class RecordRules:
    # -- structs, enums and impl (DATA §4, §5) -------------------------------------------------
    def find_type(self, name):
        """The struct or enum type called `name` here, or None (`Result` is
        predeclared unless the file declares its own)."""
        ty = self.type_names.get(name)
        if ty is None:
            ty = self.imported_types.get(name)
            if ty is None and name == "Result":
                ty = self.result_enum()
        return ty

    def result_enum(self):
        """The predeclared `enum Result: Ok(value: any), Err(message: string)`,
        one type shared by every file (a module's Result is the importer's)."""
        if self.builtin_result is None:
            self.builtin_result = RESULT
        return self.builtin_result

    def named_type(self, name, node):
        """A type name that is not a builtin type: a struct, an enum, or (inside
        an enum's payloads) a type parameter or `any`, both dynamic."""
        if self.type_params is not None and (name in self.type_params or name == "any"):
            return T.DYN
        return self.find_type(name)

    def generic_type(self, t):
        """`Maybe[i32]`: the instance of the generic enum (DECISIONS data row 18);
        inside an enum's payloads, `Maybe[T]` (an argument mentioning a type
        parameter or `any`) is the erased `Maybe`."""
        ty = self.find_type(t.name)
        if ty is None:
            self.error(t, "unknown type '%s'" % t.name)
        params = getattr(ty, "type_params", ())
        if not params:
            self.error(t, "type '%s' takes no type arguments" % t.name)
        if len(t.args) != len(params):
            self.error(t, "type '%s' takes %d type argument%s, found %d" % (
                t.name, len(params), "" if len(params) == 1 else "s", len(t.args)))
        args = [self.resolve_type(a).base for a in t.args]
        if any(_mentions_dyn(a) for a in args):
            return ty
        return T.enum_inst(ty, args)

    def hoist_types(self, body):
        """Declare every top-level struct and enum, then resolve their fields
        and payloads (types may refer to each other in any order)."""
        decls = []
        for stmt in body:
            if isinstance(stmt, (ast.StructDef, ast.EnumDef)):
                if stmt.name in self.type_names or stmt.name in T.BY_NAME \
                        or stmt.name == "any":
                    self.error(stmt, "type '%s' is already defined" % stmt.name)
                if isinstance(stmt, ast.StructDef):
                    ty = T.StructType(stmt.name, stmt)
                else:
                    ty = T.EnumType(stmt.name, stmt.type_params or (), stmt)
                self.type_names[stmt.name] = ty
                decls.append((stmt, ty))
        for stmt, ty in decls:
            if isinstance(stmt, ast.StructDef):
                for f in stmt.fields:
                    if f.name in ty.index:
                        self.error(f, "field '%s' is declared twice in struct %s"
                                   % (f.name, ty.name))
                    ty.add_field(f.name, self.resolve_type(f.type).base)
                continue
            params = stmt.type_params or []
            if len(set(params)) != len(params):
                self.error(stmt, "a type parameter of enum %s is declared twice" % ty.name)
            self.type_params = set(params)
            try:
                for v in stmt.variants:
                    if v.name in ty.by_name:
                        self.error(v, "variant '%s' is declared twice in enum %s"
                                   % (v.name, ty.name))
                    slots = []
                    ptypes = []
                    for _, texpr in v.payload:
                        if type(texpr) is ast.TypeName and texpr.name in params:
                            # `v: T`: a payload typed by a parameter (see Variant.params)
                            slots.append((len(ptypes), params.index(texpr.name)))
                        pt = self.resolve_type(texpr).base
                        if pt is ty:        # DATA §5 (an array of it is fine: a reference)
                            self.error(texpr, "enum %s cannot contain itself (variant %s)"
                                       % (ty.name, v.name))
                        ptypes.append(pt)
                    variant = ty.add_variant(v.name, ptypes, [n for n, _ in v.payload])
                    for j, k in slots:
                        variant.params[j] = k
            finally:
                self.type_params = None

    def hoist_methods(self, body):
        """Every method of every impl block (like top-level functions, methods
        are visible everywhere; DECISIONS data row 10: methods may call methods),
        (the struct defaults are checked later: ensure_defaults)."""
        for index, stmt in enumerate(body):
            if isinstance(stmt, ast.ImplDef):
                ty = self.find_type(stmt.name)
                if ty is None or ty.kind not in ("struct", "enum") \
                        or ty is RESULT:
                    self.error(stmt, "this is a `%s`, but `valid type` was expected: impl "
                               "needs a struct declared in this file" % stmt.name)
                for m in stmt.methods:
                    self.hoist_method(ty, m, index)

    def ensure_defaults(self, st):
        """Check the default values of struct `st` (DECISIONS D11.1), once: when
        its declaration is reached, or earlier at the first literal that needs
        them.  They are checked at the top level of the file (they may use the
        globals declared so far) and compiled into every literal that omits
        their field."""
        if st.defaults_ready or st.node is None:
            return
        st.defaults_ready = True
        saved = self.ctx
        self.ctx = _Ctx(self.out.main, self.module_scope)
        try:
            for i, f in enumerate(st.node.fields):
                if f.default is not None:
                    st.defaults[i] = self.expect(f.default, st.ftypes[i],
                                                 "default of field '%s'" % f.name)
        finally:
            self.ctx = saved

    def hoist_method(self, ty, node, index):
        methods = getattr(ty, "methods", None)
        if methods is None:
            methods = ty.methods = {}
        if node.name in methods:
            self.error(node, "method '%s' is already defined for %s" % (node.name, ty.name))
        params = node.params
        self.check_param_names(params)
        has_self = bool(params) and params[0].name == "self"
        ptypes = []
        for i, p in enumerate(params):
            if p.name == "self" and i > 0:
                self.error(p, "`self` must be the first parameter of a method")
            if i == 0 and has_self:
                if p.type is not None and self.resolve_type(p.type) is not ty:
                    self.error(p, "`self` is a %s here" % ty.name)
                ptypes.append(ty)
            else:
                ptypes.append(self.resolve_type(p.type) if p.type is not None else None)
        ret = self.resolve_type(node.ret, allow_void=True) if node.ret is not None else None
        decl = FnDecl(node, index, ptypes, ret)
        decl.name = "%s.%s" % (ty.name, node.name)
        decl.has_self = has_self
        node.info = decl
        methods[node.name] = decl
        if not decl.generic:
            decl.info = self.new_func(decl.name, node, None, ptypes, ret, node.body,
                                      self.module_scope, index)

    def top_level_only(self, s, what):
        ctx = self.ctx
        if not (ctx.func.is_main and ctx.scope is self.module_scope):
            self.error(s, "%s declarations are only allowed at the top level of a file" % what)

    def stmt_StructDef(self, s, tail):
        self.top_level_only(s, "struct")
        self.ensure_defaults(self.type_names[s.name])
        return s

    def stmt_EnumDef(self, s, tail):
        self.top_level_only(s, "enum")
        return s

    def stmt_ImplDef(self, s, tail):
        self.top_level_only(s, "impl")
        for m in s.methods:
            decl = m.info
            if not decl.generic and decl.info.state == "new":
                self.check_function(decl.info)
        return s

    def type_ref(self, e):
        """The struct/enum type a bare name stands for (`Point` in `Point.origin()`,
        `Shape` in `Shape.Circle(1.0)`) when no variable of that name is visible."""
        if type(e) is ast.Name and getattr(e, "sym", None) is None \
                and self.lookup(e.name, e) is None:
            return self.find_type(e.name)
        return None

    def variant_of(self, enum, name, node):
        v = enum.by_name.get(name)
        if v is None:
            self.error(node, "Undefined variable '%s': enum %s has no variant '%s'"
                       % (name, enum.name, name))
        return v

    def enum_value(self, node, variant, args):
        lit = EnumLit(variant, args, line=node.line, col=node.col)
        lit.ty = variant.enum
        return lit

    def construct_variant(self, e, v, hint=None):
        """`Enum.V(args)`; with an expected instance `Maybe[i32]` of a generic
        enum, payloads typed by a parameter are checked against its argument
        (then boxed as every such payload is; DECISIONS data row 18)."""
        inst = self.enum_instance(hint, v.enum)
        args = e.args
        n = len(v.payload)
        if len(args) != n:
            self.error(e, "Function '%s' expects %d argument%s but received %d argument%s"
                       % (v.name, n, "" if n == 1 else "s", len(args),
                          "" if len(args) == 1 else "s"))
        for i, (a, t) in enumerate(zip(args, v.payload)):
            what = "value %d of %s.%s" % (i + 1, v.enum.name, v.name)
            if inst is not None and v.params[i] is not None:
                args[i] = self.box(self.expect(a, inst.args[v.params[i]], what), what)
            else:
                args[i] = self.expect(a, t, what)
        lit = self.enum_value(e, v, args)
        if inst is not None:
            lit.ty = inst
        return lit

    @staticmethod
    def enum_instance(hint, enum):
        """The instance of generic `enum` that `hint` expects, or None."""
        if hint is None:
            return None
        hint = T.prune(hint)
        if hint.kind == "enum" and hint.args is not None and hint.erased is enum:
            return hint
        return None

    def expr_Member(self, e, hint):
        ty = self.type_ref(e.obj)
        if ty is not None:
            if ty.kind == "enum" and (e.name in ty.by_name or e.name not in
                                      getattr(ty, "methods", {})):
                v = self.variant_of(ty, e.name, e)
                if v.payload:
                    # DECISIONS D11.10: reported where it is written.
                    self.error(e, "variant %s.%s carries %d value%s: construct it with "
                               "%s.%s(...)" % (ty.name, v.name, len(v.payload),
                                               "" if len(v.payload) == 1 else "s",
                                               ty.name, v.name))
                lit = self.enum_value(e, v, [])
                lit.ty = self.enum_instance(hint, ty) or ty
                return lit
            self.error(e, "Undefined variable '%s': `%s.%s` names neither a value nor a "
                       "variant (call a method with %s.%s(...))"
                       % (e.name, ty.name, e.name, ty.name, e.name))
        obj = e.obj = self.rvalue(e.obj)
        return self.field_access(e, obj)

    def field_access(self, e, obj):
        """`obj.name` as a field of a struct value: sets Member.target to the
        field index and Member.ty to its type."""
        ty = obj.ty
        if ty.kind != "struct":
            self.error(e, "a value of type %s has no fields (`.%s`)" % (ty, e.name))
        i = ty.index.get(e.name)
        if i is None:
            if e.name in getattr(ty, "methods", {}):
                self.error(e, "'%s' is a method of %s: call it with (...)" % (e.name, ty.name))
            self.error(e, "Undefined variable '%s': struct %s has no field '%s'"
                       % (e.name, ty.name, e.name))
        e.target = i
        e.ty = ty.ftypes[i]
        return e

    def assign_field(self, s):
        """`obj.f = v` and `obj.f op= v` (through any binding, DATA §1, §4.3)."""
        s.decl = None
        t = s.target
        obj = t.obj = self.rvalue(t.obj)
        self.field_access(t, obj)
        what = "field '%s'" % t.name
        if s.op == "=":
            s.value = self.expect(s.value, t.ty, "value assigned to " + what)
        else:
            s.value = self.compound_value(s, T.resolve(t.ty), t, what)
        return s

    def member_call(self, e, callee, hint=None):
        """`Enum.Variant(...)`, `Type.method(...)`, `value.method(...)`; None
        when the callee is something else (a function stored in a field)."""
        ty = self.type_ref(callee.obj)
        if ty is not None:
            methods = getattr(ty, "methods", {})
            if ty.kind == "enum" and (callee.name in ty.by_name or callee.name not in methods):
                return self.construct_variant(e, self.variant_of(ty, callee.name, callee),
                                              hint)
            decl = methods.get(callee.name)
            if decl is None:
                self.error(callee, "Undefined variable '%s': %s has no method '%s'"
                           % (callee.name, ty.name, callee.name))
            if decl.has_self:
                n = len(decl.param_types) - 1
                self.error(e, "function '%s' expects %d argument%s but received %d: it takes "
                           "`self`, so call it on a value (`v.%s(...)`)"
                           % (decl.name, n, "" if n == 1 else "s", len(e.args), callee.name))
            return self.method_call(e, decl, None)
        obj = callee.obj = self.rvalue(callee.obj)
        ty = obj.ty
        decl = getattr(ty, "methods", {}).get(callee.name)
        if decl is not None:
            return self.method_call(e, decl, obj if decl.has_self else None)
        if ty.kind == "struct" and callee.name in ty.index:
            fv = self.field_access(callee, obj)
            if fv.ty.is_fn:
                return self.finish_call(e, fv.ty.params, fv.ty.ret, None, callee.name)
            self.error(e, "field '%s' of %s is not a function" % (callee.name, ty.name))
        if ty.kind in ("struct", "enum"):
            self.error(callee, "Undefined variable '%s': %s has no method '%s'"
                       % (callee.name, ty.name, callee.name))
        self.error(callee, "a value of type %s has no methods (`.%s(...)`)" % (ty, callee.name))

    def method_call(self, e, decl, receiver):
        """A call of method `decl`; `receiver` (checked) becomes the first
        argument of an instance method."""
        name = decl.name
        args = e.args
        n = len(decl.param_types) - (1 if receiver is not None else 0)
        if len(args) != n:
            self.arity_error(e, name, n)
        skip = [False] * len(args)
        if receiver is not None:
            args.insert(0, receiver)
            skip.insert(0, True)
        if not decl.generic:
            info = decl.info
            self.ensure_signature(info, e)
            return self.finish_call(e, info.param_hints, info.ret, info, name, skip=skip)
        key = []
        for i, (a, t) in enumerate(zip(args, decl.param_types)):
            if t is None:
                v = self.rvalue(a)
                self.check_value(v)
                args[i] = v
                skip[i] = True
                key.append(T.resolve(v.ty))     # `[]` may still be open (DATA §3.1)
        info = self.specialise(decl, tuple(key), e)
        return self.finish_call(e, info.param_hints, info.ret, info, name, skip=skip)

    def struct_of_literal(self, e):
        """The struct a literal `Name{...}` builds."""
        names = e.type_name
        ty = self.find_type(names[0]) if len(names) == 1 else None
        if ty is None:
            self.error(e, "unknown struct '%s'" % ".".join(names))
        if ty.kind != "struct":
            self.error(e, "'%s' is not a struct" % ty.name)
        return ty

    def expr_StructLit(self, e, hint):
        st = self.struct_of_literal(e)
        self.ensure_defaults(st)
        inits = []
        given = set()
        for fi in e.fields:
            i = st.index.get(fi.name)
            if i is None:
                self.error(fi, "Undefined variable '%s': struct %s has no field '%s'"
                           % (fi.name, st.name, fi.name))
            if i in given:
                self.error(fi, "field '%s' is given twice" % fi.name)
            given.add(i)
            inits.append((i, self.expect(fi.value, st.ftypes[i],
                                         "field '%s' of %s" % (fi.name, st.name))))
        missing = [name for i, name in enumerate(st.fields)
                   if i not in given and st.defaults[i] is None]
        if missing:
            self.error(e, "missing field%s %s in the %s literal (every field without a "
                       "default must be given)" % ("" if len(missing) == 1 else "s",
                                                  ", ".join("'%s'" % m for m in missing),
                                                  st.name))
        for i, d in enumerate(st.defaults):
            if i not in given:
                inits.append((i, d))
        node = StructNew(st, [v for _, v in inits], line=e.line, col=e.col)
        node.order = [i for i, _ in inits]
        node.ty = st
        return node

    def expr_StructNew(self, e, hint):
        return e                    # already checked (a receiver, say)

    expr_EnumLit = expr_StructNew

    # -- `any` values (Result.Ok payloads, generic payloads) ----------------------------------
    def box(self, e, what="value"):
        self.check_value(e)
        inner = T.resolve(e.ty)
        if not inner.hole_free:
            self.error(e, "%s: the element type of this empty array is not known yet "
                       "(annotate it first)" % what)
        if inner is T.DYN:
            return e
        node = Box(e, line=e.line, col=e.col)
        node.ty = T.DYN
        return node

    def unbox(self, e, ty, what="value"):
        ty = T.resolve(ty)
        if ty.is_void or not ty.hole_free or ty.is_hole:
            self.error(e, "%s: a value of type any needs a known type here" % what)
        node = Unbox(e, line=e.line, col=e.col)
        node.ty = ty.base
        return node

    def unbox_operands(self, a, b, hint, node):
        """An operand of type any next to another one takes that one's type (a
        literal's natural type, or the expected type when the literal fits it)."""
        a_dyn = not isinstance(a, PendingLit) and a.ty is T.DYN
        b_dyn = not isinstance(b, PendingLit) and b.ty is T.DYN
        if a_dyn and b_dyn:
            self.error(node, "both operands have type any: give one a type first with an "
                       "annotated declaration (`n: i32 = v`)")
        dyn, other = (a, b) if a_dyn else (b, a)
        if isinstance(other, PendingLit):
            ty = other.fixed or other.natural
            if hint is not None and hint.is_numeric and self.fits(other, hint) is not None:
                ty = hint
            other = self.finalize(other, ty, "operand")
        else:
            self.check_value(other)
            ty = other.ty
        dyn = self.unbox(dyn, ty, "operand")
        return (dyn, other) if a_dyn else (other, dyn)

    def expr_Box(self, e, hint):
        return e

    expr_Unbox = expr_Box

    # -- match (DATA §6; DECISIONS data rows 8, 9, 16, 17; D11.4, D11.6) -------------------------
    def pattern_enum(self, names, node):
        """The enum a variant pattern's qualifier names (`Shape` in `Shape.Circle(r)`),
        or None when it names something else."""
        if len(names) == 1 and self.lookup(names[0], node) is None:
            ty = self.find_type(names[0])
            if ty is not None and ty.kind == "enum":
                return ty
        return None

    def check_match(self, m, expression, hint=None, tail=False):
        """Check a match statement or expression; records a MatchPlan in
        Checked.matches and returns the arm values (expressions) or None."""
        ctx = self.ctx
        subj = m.subject = self.rvalue(m.subject)
        sty = T.resolve(subj.ty)
        if sty is T.DYN:
            self.error(subj, "cannot match on a value of type any: give it a type first with "
                       "an annotated declaration (`n: i32 = v`)")
        if sty.is_fn:
            self.error(subj, "cannot match on a function value")
        sym = Symbol("<match>", sty, False, "subject", ctx.func, None, m.line, m.col)
        enum = sty.erased if sty.kind == "enum" else None
        if tail and enum is None:
            # A final match is an implicit return only when some arm always runs
            # (DECISIONS core row 41).
            pats = [a.pattern for a in m.arms]
            bools = {p.expr.value for p in pats
                     if type(p) is ast.ValuePattern and type(p.expr) is ast.BoolLit}
            tail = any(type(p) is ast.WildcardPattern for p in pats) \
                or (sty.is_bool and len(bools) == 2)
        plan = MatchPlan(sym, enum)
        self.out.matches[id(m)] = plan
        self.out.keep.append(m)
        start = ctx.da
        ends = []
        values = []
        wildcard = None
        tags = set()
        seen = set()
        bools = set()
        for arm in m.arms:
            pat = arm.pattern
            if wildcard is not None:
                # DECISIONS data row 8: arms are tried in order; nothing follows `_`.
                self.error(arm, "this arm can never run: the `_` arm on line %d matches "
                           "everything before it" % wildcard.line)
            variant = None
            if type(pat) is ast.VariantPattern:
                penum = self.pattern_enum(pat.enum_name, pat)
                if penum is not None:
                    variant = self.variant_of(penum, pat.variant, arm)
                    if enum is not penum:
                        self.error(arm, "the pattern %s.%s is a %s variant, but the subject "
                                   "is %s" % (penum.name, pat.variant, penum.name, sty))
                elif pat.bindings is None:
                    expr = ast.Name(pat.enum_name[0], line=pat.line, col=pat.col)
                    for part in pat.enum_name[1:] + [pat.variant]:
                        expr = ast.Member(expr, part, line=pat.line, col=pat.col)
                    pat = arm.pattern = ast.ValuePattern(expr, line=pat.line, col=pat.col)
                else:
                    self.error(arm, "'%s' is not an enum" % ".".join(pat.enum_name))
            scope = Scope("arm", ctx.scope, ctx.func)
            if type(pat) is ast.WildcardPattern:
                ap = ArmPlan("wildcard", arm)
                wildcard = arm
            elif variant is not None:
                ap = ArmPlan("variant", arm)
                ap.tag = variant.tag
                if variant.tag in tags:
                    self.error(arm, "%s.%s arm appears more than once"
                               % (enum.name, variant.name))
                tags.add(variant.tag)
                binds = pat.bindings
                if binds is not None:
                    n = len(variant.payload)
                    if len(binds) != n:
                        self.error(arm, "this is a `%d binding%s`, but `%d field%s` was "
                                   "expected: %s.%s carries %d value%s"
                                   % (len(binds), "" if len(binds) == 1 else "s", n,
                                      "" if n == 1 else "s", enum.name, variant.name, n,
                                      "" if n == 1 else "s"))
                    for i, name in enumerate(binds):
                        if name == "_":
                            continue
                        if name in scope.names:
                            self.error(arm, "'%s' is bound twice in this pattern" % name)
                        # a payload typed by a parameter has the argument's type when
                        # the subject's is known (DECISIONS data row 18; the compiler
                        # unboxes it), else any
                        pt = sty.payload_type(variant, i) if sty.args is not None \
                            else variant.payload[i]
                        b = Symbol(name, pt, False, "var", ctx.func, scope,
                                   arm.line, arm.col)
                        scope.add(b)
                        ap.bindings.append((i, b))
            else:
                if enum is not None:
                    self.error(arm, "a pattern on an enum is a variant (`%s.V` or `%s.V(x, _)`) "
                               "or `_`; to test a payload value, bind it and compare in the arm"
                               % (enum.name, enum.name))
                ap = ArmPlan("value", arm)
                ref = ast.Name("<match>", line=pat.line, col=pat.col)
                ref.sym = sym
                ref.ty = sty
                cond = self.compare(ast.Binary("==", ref, pat.expr, line=pat.line, col=pat.col))
                ap.cond = cond
                value = const_value(cond.right)
                if value is not _UNKNOWN:
                    key = (type(value), value)
                    if key in seen:
                        shown = value if not isinstance(value, bytes) else \
                            '"%s"' % value.decode("utf-8", "replace")
                        if isinstance(value, bool):
                            shown = "true" if value else "false"
                        self.error(arm, "Literal pattern %s appears more than once" % shown)
                    seen.add(key)
                    if isinstance(value, bool):
                        bools.add(value)
            ap.scope = scope
            plan.arms.append(ap)
            # The arm: a scope of its own (DECISIONS data row 17) holding the bindings.
            saved = ctx.scope
            ctx.scope = scope
            ctx.branch_depth += 1
            ctx.da = None if start is None else set(start)
            try:
                if expression:
                    values.append(self.match_arm_value(arm.body, hint))
                else:
                    self.out.scopes[id(arm.body)] = scope
                    self.out.keep.append(arm.body)
                    self.block(arm.body, tail)
                    ends.append(ctx.da)
            finally:
                ctx.branch_depth -= 1
                ctx.scope = saved
            ap.body = arm.body
        if enum is not None:
            missing = [v.name for v in enum.variants if v.tag not in tags]
            if missing and wildcard is None:
                self.error(m, "Match on %s is missing variant%s: %s"
                           % (enum.name, "" if len(missing) == 1 else "s", ", ".join(missing)))
            plan.exhaustive = True
        else:
            plan.exhaustive = wildcard is not None or (sty.is_bool and len(bools) == 2)
            if expression and not plan.exhaustive:
                # DECISIONS data row 9.
                self.error(m, "a match expression on %s must have a `_` arm%s" % (
                    sty, " (or both `true` and `false`)" if sty.is_bool else ""))
        if expression:
            ctx.da = start
            blocked = [v for v in values if isinstance(v, _NeedRet)]
            if blocked:                 # probing: arms that need the return type
                known = [v for v in values if not isinstance(v, _NeedRet)]
                if not known:
                    raise blocked[0]
                values = [known[0] if isinstance(v, _NeedRet) else v for v in values]
            return values
        if not plan.exhaustive:
            ends.append(start)
        ctx.da = _intersect(ends)
        return None

    def stmt_MatchStmt(self, s, tail):
        self.check_match(s, False, tail=tail)
        return s

    def match_arm_value(self, body, hint):
        """The value of a match expression's arm (while probing the return type,
        the _NeedRet of an arm that needs it: another arm takes its place)."""
        try:
            return self.expr(body, hint)
        except _NeedRet as ex:
            if ex.info is not self.ctx.func or not ex.info.probing:
                raise
            return ex

    def expr_MatchExpr(self, e, hint):
        values = self.check_match(e, True, hint)
        if hint is not None:
            hint = T.prune(hint)
            if hint.is_hole or hint is T.DYN or hint.is_void:
                hint = None
        pending = [v for v in values if isinstance(v, PendingLit)]
        typed = [v for v in values if not isinstance(v, PendingLit) and v.ty is not T.DYN]
        if typed:
            ty = T.resolve(typed[0].ty)
        elif hint is not None and all(self.fits(v, hint) is not None for v in pending):
            ty = hint.base
        elif len(pending) < len(values):
            ty = T.DYN                  # only `any` values (and literals, boxed)
        else:
            acc = pending[0]
            ty = acc.fixed or acc.natural
            for v in pending[1:]:
                ty = self.common_literal_type(acc, v, e)
                acc = PendingLit(0, "float" if ty.is_float else "int", acc.fixed or v.fixed,
                                 ty)
        plan = self.out.matches[id(e)]
        for i, v in enumerate(values):
            if isinstance(v, PendingLit):
                v = self.finalize(v, ty, "match arm")
            else:
                self.check_value(v)
                if v.ty is T.DYN and ty is not T.DYN:
                    v = self.unbox(v, ty, "match arm")
                elif ty is T.DYN and v.ty is not T.DYN:
                    v = self.box(v, "match arm")
                elif v.ty is not ty and not (v.ty.is_array and self.unify(v.ty, ty)) \
                        and not T.same_enum(v.ty, ty):
                    self.error(v, "the arms of a match expression have different types: "
                               "%s and %s" % (ty, v.ty))
            e.arms[i].body = v
            plan.arms[i].body = v
        e.ty = T.resolve(ty)
        return e

    # -- try / catch (DATA §7; DECISIONS data rows 11, 17, 32; D11.3) ------------------------------
    def stmt_Try(self, s, tail):
        ctx = self.ctx
        start = ctx.da
        ctx.branch_depth += 1          # implicit declarations inside are mutable (row 32)
        try:
            body_scope = self.in_block(s.body, "try")
            self.note_try_scope(body_scope, "try", s)
            body_end = ctx.da
            ctx.da = None if start is None else set(start)
            scope = Scope("catch", ctx.scope, ctx.func)
            self.out.scopes[id(s.handler)] = scope
            self.out.keep.append(s.handler)
            if s.err_name is not None:
                scope.add(Symbol(s.err_name, T.ERROR, False, "var", ctx.func, scope,
                                 s.line, s.col))
            saved = ctx.scope
            ctx.scope = scope
            try:
                self.block(s.handler)
            finally:
                ctx.scope = saved
            self.note_try_scope(scope, "catch", s)
            ctx.da = _intersect([body_end, ctx.da])
        finally:
            ctx.branch_depth -= 1
        return s

    def note_try_scope(self, scope, part, s):
        """Remember the names declared in a `try` or `catch` body, so that a use
        after it can explain why it is undefined (`undefined`, issue 16)."""
        for sym in scope.symbols:
            self.try_scoped.setdefault(sym.name, []).append((sym, part, s, scope.parent))

