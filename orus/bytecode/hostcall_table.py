"""Host function ids, their argument counts and the sort kinds (the table the compiler,
the verifier kernel and the host share; what each function does is in
orus/host/hostcalls.py).  Plain ints, so that Numba freezes them as literals."""

HC_INPUT = 0
HC_INPUT_PROMPT = 1
HC_INT_STR = 2
HC_INT_I64 = 3
HC_INT_U64 = 4
HC_INT_F64 = 5
HC_FLOAT_STR = 6
HC_EQUAL = 7
HC_ASSERT_EQ = 8
HC_TYPEOF = 9
HC_UNBOX = 10
NUM_HOSTCALLS = 11

# Number of argument registers each function reads (the verifier checks B + n <= nregs).
ARITY = {HC_INPUT: 0, HC_INPUT_PROMPT: 1, HC_INT_STR: 1, HC_INT_I64: 1, HC_INT_U64: 1,
         HC_INT_F64: 1, HC_FLOAT_STR: 1, HC_EQUAL: 3, HC_ASSERT_EQ: 5,
         HC_TYPEOF: 2, HC_UNBOX: 2}

# Sort kinds of ARR_SORT's C operand (sorted() is in the VM: orus/jit/vm.py).
SORT_I64, SORT_U64, SORT_F64, SORT_STR = range(4)
