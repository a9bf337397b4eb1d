"""Static types of Orus.

Every expression gets exactly one of these from the checker (``Expr.ty``).
Scalar types are singletons compared by identity; composite types (function
types now; arrays, structs, enums later) are interned by structure, so ``==``
and ``is`` agree and types can be dictionary keys (monomorphisation keys are
tuples of types).

``name`` is what ``typeof`` returns for a value of the type (CORE §3.1,
DECISIONS core row 33: a function value's typeof is ``"function"``), while
``str(t)`` spells the type as written in source, for error messages.

Register categories (the compiler never mixes them in one register):
``int`` (every integer type and bool), ``float`` (f64) and ``handle``
(strings, function values and, later, arrays/structs/enums).
"""

from __future__ import annotations

CAT_INT, CAT_FLOAT, CAT_HANDLE = "int", "float", "handle"


class Type:
    __slots__ = ("kind", "name", "bits", "signed", "category", "_str")

    # kind: "int" | "float" | "bool" | "string" | "void" | "fn" | "array" | "struct"
    #       | "enum" | "any"
    def __init__(self, kind, name, bits=0, signed=False, category=CAT_INT, spelled=None):
        self.kind = kind
        self.name = name
        self.bits = bits
        self.signed = signed
        self.category = category
        self._str = spelled or name

    # -- classification ----------------------------------------------------------
    @property
    def is_int(self):
        return self.kind == "int"

    @property
    def is_unsigned(self):
        return self.kind == "int" and not self.signed

    @property
    def is_signed_int(self):
        return self.kind == "int" and self.signed

    @property
    def is_float(self):
        return self.kind == "float"

    @property
    def is_numeric(self):
        return self.kind in ("int", "float")

    @property
    def is_bool(self):
        return self.kind == "bool"

    @property
    def is_string(self):
        return self.kind == "string"

    @property
    def is_void(self):
        return self.kind == "void"

    @property
    def is_fn(self):
        return self.kind == "fn"

    @property
    def is_scalar(self):
        """Types that `as` converts between and `print` formats directly."""
        return self.kind in ("int", "float", "bool", "string")

    # -- integer ranges ------------------------------------------------------------
    @property
    def min_value(self):
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max_value(self):
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def int_fits(self, value: int) -> bool:
        return self.min_value <= value <= self.max_value

    def __str__(self):
        return self._str

    def __repr__(self):
        return "Type(%s)" % self._str


I32 = Type("int", "i32", 32, True)
I64 = Type("int", "i64", 64, True)
U32 = Type("int", "u32", 32, False)
U64 = Type("int", "u64", 64, False)
F64 = Type("float", "f64", 64, True, CAT_FLOAT)
BOOL = Type("bool", "bool")
STRING = Type("string", "string", category=CAT_HANDLE)
VOID = Type("void", "void")

INT_TYPES = (I32, I64, U32, U64)
NUMERIC_TYPES = INT_TYPES + (F64,)

# Names usable in annotations (``void`` only as a return type; checked by the caller).
BY_NAME = {t.name: t for t in (I32, I64, U32, U64, F64, BOOL, STRING, VOID)}


class FnType(Type):
    """``fn(P1, P2) -> R``; ``ret`` is VOID for functions without a value."""

    __slots__ = ("params", "ret")

    def __init__(self, params, ret):
        spelled = "fn(%s)" % ", ".join(str(p) for p in params)
        if not ret.is_void:
            spelled += " -> %s" % ret
        super().__init__("fn", "function", 64, False, CAT_HANDLE, spelled)
        self.params = params
        self.ret = ret


_FN_TYPES: dict = {}


def fn_type(params, ret) -> FnType:
    """The interned function type with these parameter types and result."""
    key = (tuple(params), ret)
    t = _FN_TYPES.get(key)
    if t is None:
        t = _FN_TYPES[key] = FnType(tuple(params), ret)
    return t


def int_type_for(value: int):
    """Natural type of an unsuffixed integer literal (DECISIONS core row 12):
    i32 if it fits, else i64 if it fits, else None (a compile error)."""
    if I32.int_fits(value):
        return I32
    if I64.int_fits(value):
        return I64
    return None


def float_exact_int(value: int) -> bool:
    """Is the integer exactly representable as an f64?"""
    try:
        return int(float(value)) == value
    except OverflowError:
        return False
