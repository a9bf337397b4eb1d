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
``int`` (every integer type, bool and ``any``), ``float`` (f64) and ``handle``
(every heap object: strings, function values, arrays, range iterators; later
structs/enums).  The garbage collector scans exactly the ``handle`` registers,
so every type whose values live on the heap must have category ``handle``.

Arrays (DATA §3): ``array_of(T)`` is ``[T]``; ``array_of(T, N)`` is the
annotation ``[T, N]``, used only as an expected type (a literal of known
length must have N elements, DECISIONS data row 6): values, symbols and
parameters always carry the unsized ``base``.  The element type of an empty
literal ``[]`` without an expected type is a ``Hole`` that the first use fixing
it fills in (``push(xs, 4)``); ``resolve`` replaces filled holes.  ``ANY`` is
the static type of ``range()`` values (DECISIONS data row 13): an i64 at run
time that has no static type; ``RANGE`` is the iterator itself.
"""

from __future__ import annotations

CAT_INT, CAT_FLOAT, CAT_HANDLE = "int", "float", "handle"


class Type:
    __slots__ = ("kind", "name", "bits", "signed", "category", "_str", "hole_free")

    # kind: "int" | "float" | "bool" | "string" | "void" | "fn" | "array" | "struct"
    #       | "enum" | "any"
    def __init__(self, kind, name, bits=0, signed=False, category=CAT_INT, spelled=None):
        self.kind = kind
        self.name = name
        self.bits = bits
        self.signed = signed
        self.category = category
        self._str = spelled or name
        self.hole_free = True       # contains no unfilled Hole (see resolve)

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
    def is_array(self):
        return self.kind == "array"

    @property
    def is_hole(self):
        return self.kind == "hole"

    @property
    def is_any(self):
        return self is ANY

    @property
    def base(self):
        """The type without `[T, N]` lengths (what values and symbols carry)."""
        return self

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
# range() values: an i64 at run time, statically untyped (`typeof` says "i64").
ANY = Type("int", "i64", 64, True, CAT_INT, "any")
# The iterator range() returns (one-shot).
RANGE = Type("range", "range_iterator", category=CAT_HANDLE, spelled="range_iterator")

INT_TYPES = (I32, I64, U32, U64)
NUMERIC_TYPES = INT_TYPES + (F64,)

# Names usable in annotations (``void`` only as a return type; checked by the caller).
BY_NAME = {t.name: t for t in (I32, I64, U32, U64, F64, BOOL, STRING, VOID)}
BY_NAME["str"] = STRING         # an exact alias (DECISIONS core row 39)


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


class ArrayType(Type):
    """``[elem]``, or ``[elem, size]`` as an expected type."""

    __slots__ = ("elem", "size", "_base")

    def __init__(self, elem, size):
        super().__init__("array", "array", 64, False, CAT_HANDLE)
        self.elem = elem
        self.size = size
        self.hole_free = elem.hole_free
        self._base = self if size is None and elem.base is elem else None

    @property
    def base(self):
        b = self._base
        if b is None:
            b = self._base = array_of(self.elem.base)
        return b

    def __str__(self):
        elem = resolve(self.elem)
        if self.size is None:
            return "[%s]" % elem
        return "[%s, %d]" % (elem, self.size)

    def __repr__(self):
        return "Type(%s)" % self


_ARRAY_TYPES: dict = {}


def array_of(elem, size=None) -> ArrayType:
    """The interned array type ``[elem]`` (``[elem, size]`` when size is given)."""
    key = (elem, size)
    t = _ARRAY_TYPES.get(key)
    if t is None:
        t = _ARRAY_TYPES[key] = ArrayType(elem, size)
    return t


class Hole(Type):
    """The unknown element type of an empty literal; ``ref`` is set once a use
    fixes it.  Each hole is its own type (holes are never shared by accident)."""

    __slots__ = ("ref",)

    def __init__(self):
        super().__init__("hole", "array", 0, False, CAT_INT, "?")
        self.ref = None
        self.hole_free = False

    def __str__(self):
        return str(self.ref) if self.ref is not None else "unknown"


class StructType(Type):
    """A struct declaration (DATA §4): nominal, one object per declaration.

    Field i has name ``fields[i]``, type ``ftypes[i]`` and default expression
    ``defaults[i]`` (a checked AST node, or None).  ``methods`` maps a method
    name to its ``checker.FnDecl``."""

    __slots__ = ("fields", "ftypes", "index", "defaults", "methods", "node", "defaults_ready")

    def __init__(self, name, node=None):
        super().__init__("struct", name, 64, False, CAT_HANDLE)
        self.defaults_ready = False     # defaults checked (by the checker of its file)
        self.fields = []
        self.ftypes = []
        self.index = {}
        self.defaults = []
        self.methods = {}
        self.node = node

    def add_field(self, name, ty, default=None):
        self.index[name] = len(self.fields)
        self.fields.append(name)
        self.ftypes.append(ty)
        self.defaults.append(default)


class Variant:
    """One variant of an enum: its tag (declaration order), payload types and
    payload names (None where the declaration gave no name)."""

    __slots__ = ("enum", "name", "tag", "payload", "names", "params")

    def __init__(self, enum, name, tag, payload, names):
        self.enum = enum
        self.name = name
        self.tag = tag
        self.payload = payload
        self.names = names
        # per payload: the index of the enum's type parameter it is declared as
        # (`Some(v: T)`), or None; such a payload is DYN at run time
        self.params = [None] * len(payload)

    def __repr__(self):
        return "Variant(%s.%s)" % (self.enum.name, self.name)


class EnumType(Type):
    """An enum declaration (DATA §5).  A payload of a generic enum (``enum
    Maybe[T]``) typed by a parameter has the dynamic type DYN (boxed at run
    time); this type is the erased ``Maybe`` (arguments unknown: such payloads
    bind as ``any``), while ``Maybe[i32]`` is an ``EnumInst`` of it."""

    __slots__ = ("variants", "by_name", "type_params", "node", "methods")

    def __init__(self, name, type_params=(), node=None):
        super().__init__("enum", name, 64, False, CAT_HANDLE)
        self.variants = []
        self.by_name = {}
        self.methods = {}
        self.type_params = tuple(type_params)
        self.node = node

    def add_variant(self, name, payload, names):
        v = Variant(self, name, len(self.variants), list(payload), list(names))
        self.variants.append(v)
        self.by_name[name] = v
        return v

    @property
    def erased(self):
        return self

    @property
    def args(self):
        return None


class EnumInst(Type):
    """A generic enum with known type arguments, `Maybe[i32]` (DECISIONS data
    row 18): the same enum at run time (`erased`, whose rows the compiler
    uses), but constructor payloads and match bindings typed by a type
    parameter get the argument's type.  The erased enum (`Maybe` alone, or a
    constructor without a known type) is compatible with every instance."""

    __slots__ = ("erased", "args")

    def __init__(self, enum, args):
        spelled = "%s[%s]" % (enum.name, ", ".join(str(a) for a in args))
        super().__init__("enum", enum.name, 64, False, CAT_HANDLE, spelled)
        self.erased = enum
        self.args = tuple(args)

    # the declaration's parts are the erased enum's
    variants = property(lambda self: self.erased.variants)
    by_name = property(lambda self: self.erased.by_name)
    methods = property(lambda self: self.erased.methods)
    type_params = property(lambda self: self.erased.type_params)
    node = property(lambda self: self.erased.node)

    def payload_type(self, variant, j):
        """The static type of payload j of `variant` in this instance."""
        k = variant.params[j]
        return variant.payload[j] if k is None else self.args[k]


_ENUM_INSTS: dict = {}


def enum_inst(enum, args) -> EnumInst:
    """The interned instance `enum[args]`."""
    key = (enum, tuple(args))
    t = _ENUM_INSTS.get(key)
    if t is None:
        t = _ENUM_INSTS[key] = EnumInst(enum, args)
    return t


def same_enum(a, b) -> bool:
    """Can an enum value of type `a` be used as `b` (or the other way round)?
    The same enum, and the same type arguments where both are known."""
    return a.kind == "enum" and b.kind == "enum" and a.erased is b.erased \
        and (a is b or a.args is None or b.args is None)


def more_specific(a, b):
    """Of two `same_enum` types, the one that knows its type arguments."""
    return b if a.args is None else a


# The error object of `catch e` (DATA §7): typeof is "KIND MESSAGE" (dynamic).
ERROR = Type("error", "error", 64, False, CAT_HANDLE, "error")
# A payload declared `any` (Result.Ok) or with a type parameter: any value at
# run time, boxed with its type (a record [value, type id]); statically `any`.
DYN = Type("dyn", "any", 64, False, CAT_HANDLE, "any")


def prune(t):
    """`t` with filled holes at the top followed (one level)."""
    while t.kind == "hole" and t.ref is not None:
        t = t.ref
    return t


def resolve(t, default=None):
    """`t` with every filled hole replaced (an interned type when all are filled).
    Unfilled holes stay, or become `default` when one is given."""
    if t.hole_free:
        return t
    if t.kind == "hole":
        if t.ref is not None:
            return resolve(t.ref, default)
        return t if default is None else default
    if t.kind == "array":
        elem = resolve(t.elem, default)
        return t if elem is t.elem else array_of(elem, t.size)
    return t


def occurs(hole, t) -> bool:
    """Does the unfilled `hole` appear inside `t`?"""
    t = prune(t)
    if t is hole:
        return True
    if t.kind == "array":
        return occurs(hole, t.elem)
    return False


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
