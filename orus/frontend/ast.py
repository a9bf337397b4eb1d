"""Abstract syntax tree of Orus.

The parser builds these nodes; the checker annotates them (``ty`` and a few
resolution fields); the compiler reads the annotations.  Every node carries the
1-based ``line`` and ``col`` of the token that starts it (for binary operators:
the operator token, so errors point at the operator).

Nodes are plain classes with ``__slots__``; the annotation slots default to
``None`` and are filled by the checker only.
"""

from __future__ import annotations


class Node:
    __slots__ = ("line", "col")
    _fields: tuple = ()

    def __init__(self, *args, line: int = 0, col: int = 0, **kw):
        for name, value in zip(self._fields, args):
            setattr(self, name, value)
        for name in self._fields[len(args):]:
            setattr(self, name, kw.pop(name, None))
        if kw:
            raise TypeError("unknown fields %s for %s" % (sorted(kw), type(self).__name__))
        self.line = line
        self.col = col

    def __repr__(self):
        inner = ", ".join("%s=%r" % (f, getattr(self, f)) for f in self._fields)
        return "%s(%s)" % (type(self).__name__, inner)

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, f) == getattr(other, f) for f in self._fields)

    __hash__ = object.__hash__


def _node(name, fields, base=Node, extra=()):
    """Declare a node class with the given field names (plus annotation slots)."""
    cls = type(name, (base,), {"__slots__": tuple(fields) + tuple(extra),
                               "_fields": tuple(fields)})
    globals()[name] = cls
    return cls


class Expr(Node):
    # ty: the static type the checker assigned (orus.frontend.types.Type)
    __slots__ = ("ty",)

    def __init__(self, *args, **kw):
        self.ty = None
        super().__init__(*args, **kw)


class Stmt(Node):
    __slots__ = ()


class TypeExpr(Node):
    __slots__ = ()


# ---------------------------------------------------------------- type syntax
# `i32`, `Point`, `geom.Point`: name is always a str; a qualified name keeps its
# dots (`geom.Point` -> name "geom.Point"; split on "." to get the parts)
TypeName = _node("TypeName", ("name",), TypeExpr)
# `[T]`, `[T, N]` (size: Expr or None)
ArrayType = _node("ArrayType", ("elem", "size"), TypeExpr)
# `fn(i32, i64) -> bool` (ret None = void)
FnType = _node("FnType", ("params", "ret"), TypeExpr)
# `Maybe[i32]`
GenericType = _node("GenericType", ("name", "args"), TypeExpr)

# ---------------------------------------------------------------- expressions
# value: Python int (exact, already validated against suffix by the lexer);
# suffix: None or "i32"/"i64"/"u32"/"u64"/"f64"
IntLit = _node("IntLit", ("value", "suffix"), Expr)
# value: Python float; suffix: None or a numeric type name
FloatLit = _node("FloatLit", ("value", "suffix"), Expr)
# value: bytes (escapes already processed)
StrLit = _node("StrLit", ("value",), Expr)
BoolLit = _node("BoolLit", ("value",), Expr)
# resolved by the checker: sym = the orus.frontend.checker Symbol it names
Name = _node("Name", ("name",), Expr, extra=("sym",))
# op: "-", "~" or "not" (`!x` is parsed as "not")
Unary = _node("Unary", ("op", "operand"), Expr)
# op: + - * / % & | ^ << >> == != < <= > >= and or   (`matches` is parsed as "==")
Binary = _node("Binary", ("op", "left", "right"), Expr)
# `expr as T` (loose: True when expr is an unparenthesised binary operation,
# `a + b as T` = `(a + b) as T`, set by the parser so that errors can explain it)
Cast = _node("Cast", ("expr", "target"), Expr, extra=("loose",))
# callee(args...); the checker sets `target` to what is called
Call = _node("Call", ("callee", "args"), Expr, extra=("target",))
# `c ? a : b` and `a if c else b` both become Ternary(cond, then, other)
Ternary = _node("Ternary", ("cond", "then", "other"), Expr)
# anonymous `fn(params) -> ret:` + block; body: list[Stmt]
Lambda = _node("Lambda", ("params", "ret", "body"), Expr, extra=("info",))
# `timestamp()`
Timestamp = _node("Timestamp", (), Expr)
# obj[index]
Index = _node("Index", ("obj", "index"), Expr)
# obj[start..end] (either may be None)
Slice = _node("Slice", ("obj", "start", "end"), Expr)
# obj.name
Member = _node("Member", ("obj", "name"), Expr, extra=("target",))
# [a, b, c] (trailing_comma: bool, needed by the fill-literal rule)
ArrayLit = _node("ArrayLit", ("elems", "trailing_comma"), Expr)
# [value; count] and the two-element fill form [value, N] (comma: True for the
# latter, set by the parser, so that errors can explain the reading)
ArrayFill = _node("ArrayFill", ("value", "count"), Expr, extra=("comma",))
# Point{ x: 1, y: 2 }; type_name: list of names (["geom", "Point"]);
# fields: list of FieldInit
StructLit = _node("StructLit", ("type_name", "fields"), Expr)
FieldInit = _node("FieldInit", ("name", "value"))
# `match subject:` arms as an expression
MatchExpr = _node("MatchExpr", ("subject", "arms"), Expr)

# ---------------------------------------------------------------- statements
# A block is a plain Python list of Stmt.
ExprStmt = _node("ExprStmt", ("expr",), Stmt)
Print = _node("Print", ("args",), Stmt)
# Explicit declarations:
#   `mut x = e`  -> VarDecl(name, mutable=True,  type=None, value, const=False)
#   `x: T = e`   -> VarDecl(name, mutable=False, type=T,    value, const=False)
#   `X := e`     -> VarDecl(name, mutable=False, type=None, value, const=True)
#   `X: T := e`  -> VarDecl(name, mutable=False, type=T,    value, const=True)
#   `pub x = e`  -> VarDecl(name, mutable=False, type=None, value, const=False, pub=True)
#                   (an exported immutable variable; `x = e` without pub is an Assign)
# line/col: the first token (`pub`, `mut` or the name);
# name_line/name_col: position of the name token (always set by the parser).
VarDecl = _node("VarDecl", ("name", "mutable", "type", "value", "const", "pub"), Stmt,
                extra=("sym", "name_line", "name_col"))
# `target = value` and compound `target op= value` (op: "=", "+=", "-=", "*=", "/=", "%=",
# "&=", "|=", "^=", "<<=", ">>=").
# target: Name, Index or Member.  A plain `x = e` may be an implicit declaration;
# the checker decides and sets `decl` to the new Symbol in that case.
Assign = _node("Assign", ("target", "op", "value"), Stmt, extra=("decl",))
# `t1 = t2 = ... = value` (DECISIONS core row 40): assigns holds one Assign(tK, "=", None)
# per target in source order; value is evaluated once, then the targets are assigned
# right to left.  The checker fills each Assign's value (see checker.stmt_ChainAssign).
ChainAssign = _node("ChainAssign", ("assigns", "value"), Stmt, extra=("chain",))
# branches: list of IfBranch; else_body: list[Stmt] or None
If = _node("If", ("branches", "else_body"), Stmt)
IfBranch = _node("IfBranch", ("cond", "body"))
# label: str without the quote, or None
While = _node("While", ("cond", "body", "label"), Stmt)
# for var in start..end[..step]  (inclusive for `..=`)
For = _node("For", ("var", "start", "end", "step", "inclusive", "body", "label"), Stmt,
            extra=("sym",))
# for var in iterable
ForIn = _node("ForIn", ("var", "iterable", "body", "label"), Stmt, extra=("sym",))
Break = _node("Break", ("label",), Stmt)
Continue = _node("Continue", ("label",), Stmt)
Return = _node("Return", ("value",), Stmt)
Pass = _node("Pass", (), Stmt)
# Param(name, type: TypeExpr or None); `self` is a Param named "self" with type None
Param = _node("Param", ("name", "type"))
# fn name(params) -> ret: body   (ret None when omitted; TypeName("void") when written)
FnDef = _node("FnDef", ("name", "params", "ret", "body", "pub"), Stmt, extra=("info",))
# struct Name: fields (list of FieldDef)
StructDef = _node("StructDef", ("name", "fields", "pub"), Stmt)
FieldDef = _node("FieldDef", ("name", "type", "default"))
# impl Name: methods (list of FnDef)
ImplDef = _node("ImplDef", ("name", "methods"), Stmt)
# enum Name[T, U]: variants (list of VariantDef); type_params: list[str]
EnumDef = _node("EnumDef", ("name", "type_params", "variants", "pub"), Stmt)
# payload: list of (name or None, TypeExpr) tuples, [] for a unit variant
VariantDef = _node("VariantDef", ("name", "payload"))
# match statement; arms: list of MatchArm
MatchStmt = _node("MatchStmt", ("subject", "arms"), Stmt)
# pattern: WildcardPattern, VariantPattern or ValuePattern;
# body: an Expr in a MatchExpr; always a list[Stmt] in a MatchStmt (`1 -> "one"` in a
# match statement gives [ExprStmt(StrLit)])
MatchArm = _node("MatchArm", ("pattern", "body"))
WildcardPattern = _node("WildcardPattern", ())
# Enum.Variant(a, _, c): enum_name list of names (["Shape"] or ["geom", "Shape"]);
# bindings: None (no parentheses) or list of str ("_" skips).
# The parser makes a VariantPattern of every dotted name `A.B` / `m.A.B`, optionally
# followed by `(name, _, ...)`, that stands right before `->`; if A.B turns out not to be
# an enum variant (say a module constant `m.LIMIT`) and bindings is None, the checker
# may treat it as ValuePattern(Member(...)). Any other pattern is a ValuePattern.
VariantPattern = _node("VariantPattern", ("enum_name", "variant", "bindings"))
ValuePattern = _node("ValuePattern", ("expr",))
# try: body catch [name]: handler
Try = _node("Try", ("body", "err_name", "handler"), Stmt)
# use a.b.c [as alias] [: names]
#   path: list[str]; alias: str or None;
#   names: None (namespace import), "*" (everything), or list of (name, alias or None)
Use = _node("Use", ("path", "alias", "names"), Stmt)


class Module(Node):
    """A parsed file: its top-level statements."""
    __slots__ = ("body", "filename")
    _fields = ("body", "filename")
