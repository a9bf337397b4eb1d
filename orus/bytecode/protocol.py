"""The contract between the VM loop and its host (no numba here).

The loop never touches a Python object.  It runs until it must stop, stores
its position and a status in the ``state`` array, and returns the status.  The
host does what only it can do (write output, grow memory, format a float,
report an error) and calls the loop again, which resumes at ``state[S_PC]``.

    status       meaning                                  host action, then
    DONE         program finished (HALT / main returned)  exit 0
    ERROR        runtime error S_ERR at pc S_PC           report, exit 70
    FLUSH        output buffer full                       write, resume same pc
    GROW_REGS    register file too small (S_NEED slots)   enlarge, resume same pc
    GROW_HEAP    heap full (S_NEED objs, S_NEED2 bytes)    enlarge, resume same pc
    HOST         instruction at S_PC is a host call       do it, resume at pc+1
    YIELD        instruction budget used up               check signals, resume
    GROW_STACK   frames or try handlers full (below       enlarge, resume same pc
                 MAX_DEPTH / MAX_HANDLERS)
    GC           the loop marked live objects (epoch       (never reaches the host:
                 S_EPOCH) because allocation passed        the VM entry sweeps and
                 S_GC_LIMIT                                compacts, orus/jit/collector.py)
    BADCODE      the verifier (orus/jit/verifier.py) reject-  the program never ran:
                 ed the program: reason S_ERR, pc S_PC,     BytecodeError
                 operand slot S_ERRARG

The first call of a machine verifies the program before running it
(S_VERIFIED: 0 = not yet, 1 = verified, 2 = verify only, then stop with DONE).

Instructions that stop with FLUSH / GROW_* have had no side effect yet, so
re-executing them is safe.
"""

# ---- statuses -----------------------------------------------------------------
DONE, ERROR, FLUSH, GROW_REGS, GROW_HEAP, HOST, YIELD, GC, GROW_STACK, BADCODE = range(10)
STATUS_NAMES = ("DONE", "ERROR", "FLUSH", "GROW_REGS", "GROW_HEAP", "HOST", "YIELD", "GC",
                "GROW_STACK", "BADCODE")

# ---- state array slots ---------------------------------------------------------
S_PC = 0        # pc to resume at (or of the failing / host instruction)
S_BASE = 1      # register base of the current frame
S_FN = 2        # current function index
S_DEPTH = 3     # number of saved frames (0 = in main)
S_ERR = 4       # runtime error code (orus.bytecode.runtime_errors)
S_ERRARG = 5    # error detail: a string constant index or -1
S_NOUT = 6      # records used in the output buffer
S_NBLOB = 7     # bytes used in the output blob
S_NOBJ = 8      # heap objects in use
S_NBYTES = 9    # heap string bytes in use
S_NSLOTS = 10   # heap slots in use
S_NEED = 11     # GROW_REGS: register slots needed; GROW_HEAP: objects needed
S_NEED2 = 12    # GROW_HEAP: string bytes needed
S_NEED3 = 13    # GROW_HEAP: slots needed
S_NSTR = 14     # number of string constants (= first plain-function handle)
S_BUDGET = 15   # backward jumps / calls before a YIELD
S_FREE = 16     # head of the free list of object rows (-1: none), chained through H_OFF
S_ALLOC = 17    # bytes allocated since the last collection
S_GC_LIMIT = 18  # collect when S_ALLOC exceeds this
S_EPOCH = 19    # mark value of the current/last collection
S_NPERM = 20    # object rows below this are permanent (constants, plain functions)
S_BYTE0 = 21    # handle of the one-byte string "\x00"; byte v is S_BYTE0 + v
S_NHANDLERS = 22  # active try handlers (rows of `handlers`)
S_ERRMSG0 = 23  # handle of the message string of error code 0; code c is S_ERRMSG0 + c
S_RAISE = 24    # set by the host: on resume, raise error S_ERR with message S_ERRARG
S_VERIFIED = 25  # 0: verify the program on entry; 1: verified; 2: verify, then stop
S_COLLECTIONS = 26  # garbage collections so far
S_OOMREC = 27   # handle of the permanent error object of "out of memory" (catch needs no room)
VERIFY_ONLY = 2
# The random generator of `use random` (orus/jit/rnglib.py): numpy's PCG64
# state (128-bit state and increment as uint64 halves, the cached half of a
# 64-bit draw for next_uint32), whether it is seeded, and 128 bits of OS
# entropy the host writes at machine start (the VM seeds from them through
# SeedSequence on the first draw when the program never called random.seed).
S_RNG_HI = 32       # state, high 64 bits (bit pattern)
S_RNG_LO = 33       # state, low 64 bits
S_RNG_INC_HI = 34   # increment, high
S_RNG_INC_LO = 35   # increment, low
S_RNG_HAS32 = 36    # 1: S_RNG_U32 holds the upper half of the last 64-bit draw
S_RNG_U32 = 37
S_RNG_SEEDED = 38   # 0: seed from S_RNG_ENT0/1 on the first draw
S_RNG_ENT0 = 39     # OS entropy, low 64 bits
S_RNG_ENT1 = 40     # OS entropy, high 64 bits
S_RNG_FIRST, S_RNG_END = S_RNG_HI, S_RNG_ENT1 + 1   # the slots a session carries
S_SIZE = 48

# ---- frames: one row per active call (below the current one) --------------------
F_RET_PC, F_BASE, F_FN = range(3)
F_COLS = 3

# ---- try handlers: one row per active try block ---------------------------------------
T_CATCH_PC, T_DEPTH, T_BASE, T_FN, T_REG = range(5)
T_COLS = 5
MAX_DEPTH = 100_000        # "stack overflow" beyond this many nested calls
MAX_HANDLERS = MAX_DEPTH + 1000

# ---- heap objects: one row per object ----------------------------------------------
H_KIND, H_OFF, H_LEN, H_AUX, H_MARK = range(5)
H_COLS = 5
HK_FREE, HK_STR, HK_FN, HK_ARR, HK_ARR_H, HK_RANGE, HK_REC, HK_SREGION, HK_ARR_B = range(9)
# HK_STR:    bytes hbytes[off:off+len]; H_AUX: its growable region or -1.
#            Several strings may share bytes (concatenation appends in place
#            when it can, substrings point into their original; see vm.concat)
# HK_SREGION: a growable byte region: H_OFF start, H_LEN used end, H_AUX
#            capacity end (absolute offsets); alive while a string in it is
# HK_FN:     slots hslots[off:off+len] = [function index, captured values...]
# HK_ARR:    elements hslots[off:off+len], room for H_AUX; scalar elements
# HK_ARR_H:  the same with handle elements (traced by the collector)
# HK_ARR_B:  an array of bool: one byte per element in hbytes[off:off+len],
#            room for H_AUX (8x denser than slots: a sieve's flags fit in cache)
# HK_RANGE:  slots [start, stop, step, next]
# HK_REC:    fields hslots[off:off+len]; H_AUX is the handle mask (see REC_NEW),
#            not a capacity (a record never grows)
# HK_FREE:   a free row; H_OFF links to the next free row
OBJ_COST = 48              # bytes an object row "costs" for the GC trigger
GC_MIN_LIMIT = 8 << 20     # collect after this many bytes allocated (at least)

# ---- output records (orus.host.output decodes them) ---------------------------------------
OUTEND_REC = 100           # record kind that ends one print statement
REC_COLS = 3

YIELD_EVERY = 1 << 22      # backward jumps and calls between YIELDs
