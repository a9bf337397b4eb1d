"""Runtime error codes raised by the VM, with their messages and kinds.

The VM stops with (code, detail) and the host turns it into an
OrusRuntimeError; the texts are the reference's wording (DATA.md §7 kinds).
A message may contain {detail}: the detail string of the error (a name).
"""

# code: (kind, message)
ERRORS = {}


def _err(code, kind, message):
    ERRORS[code] = (kind, message)
    return code


DIV_ZERO = _err(0, "runtime error", "Division by zero")
OVERFLOW = _err(1, "value error", "Integer overflow")
STACK_OVERFLOW = _err(2, "runtime error", "stack overflow")
UNINIT_GLOBAL = _err(3, "runtime error", "variable '{detail}' used before it is initialized")
STEP_ZERO = _err(4, "value error", "Range step cannot be zero")
BAD_VALUE = _err(5, "runtime error", "internal error: invalid value handle (please report this bug)")
OUT_OF_MEMORY = _err(6, "runtime error", "out of memory")
NOT_A_FUNCTION = _err(7, "type error", "value is not a function")
INDEX_NEGATIVE = _err(8, "type error", "Array index must be a non-negative integer")
INDEX_RANGE = _err(9, "index error", "Array index out of bounds")
STR_INDEX_NEGATIVE = _err(10, "type error", "String index must be a non-negative integer")
STR_INDEX_RANGE = _err(11, "index error", "String index out of bounds")
POP_EMPTY = _err(12, "value error", "Cannot pop from an empty array")
SLICE_START_NEGATIVE = _err(13, "type error", "Array slice start must be a non-negative integer")
SLICE_END_NEGATIVE = _err(14, "type error", "Array slice end must be a non-negative integer")
SLICE_START_RANGE = _err(15, "index error", "Array slice start out of bounds")
SLICE_END_RANGE = _err(16, "index error", "Array slice end out of bounds")
SLICE_END_BEFORE_START = _err(17, "index error", "Array slice end before start")
REPEAT_COUNT = _err(18, "runtime error",
                    "Array repetition requires a non-negative integer count and reasonable size")
ITER_NEGATIVE = _err(19, "type error", "Cannot iterate negative integer")
RANGE_ARGS = _err(20, "argument error", "Invalid arguments provided to range()")
HOST_ERROR = _err(21, "runtime error", "{detail}")   # raised by a host call; text from the host
TOO_MANY_HANDLERS = _err(22, "runtime error", "too many nested try blocks")
# Errors raised by host functions, one code per kind (message made by the host).
HOST_CONVERSION = _err(23, "conversion error", "{detail}")
HOST_EOF = _err(24, "eof error", "{detail}")
HOST_VALUE = _err(25, "value error", "{detail}")
HOST_TYPE = _err(26, "type error", "{detail}")
HOST_INDEX = _err(27, "index error", "{detail}")
HOST_ARGUMENT = _err(28, "argument error", "{detail}")
SHIFT_RANGE = _err(29, "value error", "shift out of range")
ORD_EMPTY = _err(30, "value error", "ord() of an empty string")
CHR_RANGE = _err(31, "value error", "chr() argument out of range (expected 0 to 255)")
SORT_KEY_CHANGED = _err(32, "runtime error",
                        "sorted(): the key function changed the length of the array")
MATH_DOMAIN = _err(33, "value error", "math domain error")
MATH_RANGE = _err(34, "value error", "math range error")
# use random (numpy's messages where numpy raises)
RNG_BOUNDS = _err(35, "value error", "low >= high")
RNG_UNIFORM_ORDER = _err(36, "value error", "high - low < 0")
RNG_UNIFORM_RANGE = _err(37, "value error", "high - low range exceeds valid bounds")
RNG_SCALE = _err(38, "value error", "scale < 0")
RNG_EMPTY = _err(39, "value error", "Cannot choose from an empty array")
# `use strings` (issue 16): errors of split/repeat, and the reasons
# parse_int / parse_float give in Result.Err (permanent strings: no allocation)
SPLIT_EMPTY_SEP = _err(40, "value error", "split(): empty separator")
REPEAT_NEGATIVE = _err(41, "value error", "repeat(): negative count")
PARSE_INT_EMPTY = _err(42, "value error", "cannot parse integer from empty string")
PARSE_INT_DIGIT = _err(43, "value error", "invalid digit found in string")
PARSE_INT_HIGH = _err(44, "value error", "number too large to fit in i64")
PARSE_INT_LOW = _err(45, "value error", "number too small to fit in i64")
PARSE_FLOAT_EMPTY = _err(46, "value error", "cannot parse float from empty string")
PARSE_FLOAT_INVALID = _err(47, "value error", "invalid float literal")
NUM_ERRORS = 48

HOST_CODE_OF_KIND = {"runtime error": HOST_ERROR, "conversion error": HOST_CONVERSION,
                     "eof error": HOST_EOF, "value error": HOST_VALUE, "type error": HOST_TYPE,
                     "index error": HOST_INDEX, "argument error": HOST_ARGUMENT}


def is_host(code):
    """Is `code` an error raised by a host function (its message is a heap
    string made by the host, not the permanent message of the code)?"""
    return HOST_ERROR <= code <= HOST_ARGUMENT and code != TOO_MANY_HANDLERS


def message(code, detail=""):
    kind, text = ERRORS.get(code, ("runtime error", "unknown runtime error %d" % code))
    return kind, text.replace("{detail}", detail)
