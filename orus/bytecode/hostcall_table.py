"""The host functions: what HOSTCALL A B C asks the host to run (C is the id).

One row per function: its id (its position), name, the number of argument
registers it reads from R[B..] (the verifier checks B + arity <= nregs) and
what it computes.  The compiler, the verifier kernel, the host
(orus/host/hostcalls.py does the work) and the disassembler all read this
table.  Ids are plain ints, so that Numba freezes them as literals.
"""


class HostCall:
    __slots__ = ("number", "name", "arity", "doc")

    def __init__(self, number, name, arity, doc):
        self.number = number
        self.name = name
        self.arity = arity
        self.doc = doc

    def __repr__(self):
        return "HostCall(%d, %s, %d)" % (self.number, self.name, self.arity)


TABLE: list = []


def _hc(name: str, arity: int, doc: str) -> int:
    number = len(TABLE)
    TABLE.append(HostCall(number, name, arity, doc))
    return number


HC_INPUT = _hc("input", 0, "string: a line of stdin")
HC_INPUT_PROMPT = _hc("input_prompt", 1, "(prompt) -> string: writes the prompt, reads a line")
HC_INT_STR = _hc("int_str", 1, "(string) -> i32: int(text) (DECISIONS data 12)")
HC_INT_I64 = _hc("int_i64", 1, "(i64, also u32 zero-extended) -> i32, range-checked")
HC_INT_U64 = _hc("int_u64", 1, "(u64) -> i32, range-checked")
HC_INT_F64 = _hc("int_f64", 1, "(f64) -> i32 (whole, finite, in range)")
HC_FLOAT_STR = _hc("float_str", 1, "(string) -> f64: float(text)")
HC_EQUAL = _hc("equal", 3, "(value, value, type id) -> bool: deep equality")
HC_ASSERT_EQ = _hc("assert_eq", 5, "(label, actual, expected, type id, ...) -> true or the error")
HC_TYPEOF = _hc("typeof", 2, "(value, its static type id) -> string: typeof of an error")
HC_UNBOX = _hc("unbox", 2, "(boxed `any` value, expected type id) -> the value or a type error")
NUM_HOSTCALLS = len(TABLE)

# Number of argument registers each function reads.
ARITY = {info.number: info.arity for info in TABLE}
NAMES = tuple(info.name for info in TABLE)

# Sort kinds of ARR_SORT's C operand (sorted() is in the VM: orus/jit/vm.py).
SORT_I64, SORT_U64, SORT_F64, SORT_STR = range(4)
