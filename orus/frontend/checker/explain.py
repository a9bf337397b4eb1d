"""Errors that explain (issue 16): notes appended to a compile error when the
source was probably read otherwise than meant.

* a two-element literal `[a, N]` read as a fill literal (DATA §3.1, DECISIONS
  data row 4) whose value or length then fails to check;
* `x + y as T`, which is `(x + y) as T` (CORE §4.1: `as` binds more loosely
  than arithmetic);
* a name used after the `try` or `catch` body that assigned it (those bodies
  are scopes, DECISIONS data row 17).

`brief` renders small expressions back to source text for the notes.
"""

from __future__ import annotations

from orus.frontend import ast
from orus.errors import CompileError

# Binary operators that bind more tightly than `as` (CORE §4.1, DECISIONS core row 43).
LOOSE_OPS = frozenset(("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"))


def brief(e, depth=0):
    """Source text of a small expression, or None when it is too big to quote."""
    if depth > 4 or e is None:
        return None
    t = type(e)
    if t is ast.Name:
        return e.name
    if t in (ast.IntLit, ast.FloatLit):
        return repr(e.value) + (e.suffix or "")
    if t is ast.BoolLit:
        return "true" if e.value else "false"
    if t is ast.StrLit:
        try:
            text = e.value.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if len(text) > 20 or '"' in text or "\\" in text or "\n" in text:
            return None
        return '"%s"' % text
    if t is ast.Member:
        obj = brief(e.obj, depth + 1)
        return None if obj is None else "%s.%s" % (obj, e.name)
    if t is ast.Index:
        obj, idx = brief(e.obj, depth + 1), brief(e.index, depth + 1)
        return None if obj is None or idx is None else "%s[%s]" % (obj, idx)
    if t is ast.Call:
        callee = brief(e.callee, depth + 1)
        args = [brief(a, depth + 1) for a in e.args]
        if callee is None or None in args:
            return None
        return "%s(%s)" % (callee, ", ".join(args))
    if t is ast.Unary and e.op == "-":
        inner = brief(e.operand, depth + 1)
        return None if inner is None else "-" + inner
    if t is ast.Binary and e.op in LOOSE_OPS:
        left, right = brief(e.left, depth + 1), brief(e.right, depth + 1)
        if left is None or right is None:
            return None
        if isinstance(e.right, ast.Binary):
            right = "(%s)" % right
        return "%s %s %s" % (left, e.op, right)
    return None


def type_text(node):
    """Source text of a type annotation."""
    t = type(node)
    if t is ast.TypeName:
        return node.name
    if t is ast.ArrayType:
        elem = type_text(node.elem)
        if node.size is None:
            return "[%s]" % elem
        size = brief(node.size)
        return "[%s, %s]" % (elem, size if size is not None else "N")
    if t is ast.GenericType:
        return "%s[%s]" % (node.name, ", ".join(type_text(a) for a in node.args))
    if t is ast.FnType:
        ret = " -> %s" % type_text(node.ret) if node.ret is not None else ""
        return "fn(%s)%s" % (", ".join(type_text(p) for p in node.params), ret)
    return "T"


def with_note(err, note):
    """The compile error `err` with `note` appended in parentheses."""
    new = CompileError("%s (%s)" % (err.message, note), err.filename, err.line, err.col,
                       err.source_line)
    new.source = err.source
    return new


def fill_note(fill, value_node, count_node):
    """Why a `[a, N]` literal is N copies of a, and how to write the pair."""
    a, n = brief(value_node), brief(count_node)
    if a is None or n is None:
        return ("a two-element literal `[a, N]` whose second element is an integer literal "
                "or a name is a fill literal, N copies of a: write `[a; N]` to make the fill "
                "explicit, or `[a, N,]` (trailing comma) or three elements for an array of "
                "those elements")
    return ("`[%s, %s]` is a fill literal, %s copies of %s: write `[%s; %s]` to make the fill "
            "explicit, or `[%s, %s,]` (trailing comma) for the two-element array"
            % (a, n, n, a, a, n, a, n))


def cast_note(cast):
    """How `x + y as T` was read, and the parentheses that convert only y."""
    b = cast.expr
    op = b.op
    left, right = brief(b.left), brief(b.right)
    target = type_text(cast.target)
    if left is None or right is None:
        return ("`a %s b as %s` is read as `(a %s b) as %s`: `as` binds more loosely than "
                "`%s`; to convert only the right operand write `a %s (b as %s)`"
                % (op, target, op, target, op, op, target))
    if isinstance(b.right, ast.Binary):
        right = "(%s)" % right
    return ("`%s %s %s as %s` is read as `(%s %s %s) as %s`: `as` binds more loosely than "
            "`%s`; to convert only `%s` write `%s %s (%s as %s)`"
            % (left, op, right, target, left, op, right, target, op, right, left, op, right,
               target))


def default_text(ty):
    """A literal of type `ty` to suggest as an initial value (None if none)."""
    if ty is None:
        return None
    if getattr(ty, "is_bool", False):
        return "false"
    if getattr(ty, "is_string", False):
        return '""'
    if getattr(ty, "is_float", False):
        return "0.0"
    if getattr(ty, "is_int", False):
        name = str(ty)
        return "0" if name == "i32" else "0" + name
    return None
