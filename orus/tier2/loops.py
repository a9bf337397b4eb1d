"""Which inner loops get a checked-once version (used by orus/tier2/codegen.py).

A `for` loop compiled as ``FORPREP A ->L+1`` at T-1, a straight-line body
T .. L-1 and ``FORLOOP A ->T`` at L re-checks the same array handles on every
iteration: `a[i][k]` in matmul reads `a`'s row (bounds, kind, offset) and
then the row of `a[i]` each time round, though neither can change while the
loop runs.  When the body cannot change the object table (every instruction
is in codegen.NEVER_STOPS: no call, no allocation, no host stop, no SETG),
the handle registers it never writes are the same on every iteration, so
their rows can be checked once, before the loop (the *guard*).  An element
read through such a handle with an index register the body never writes is
the same value every time too, when the body stores no array element; its
destination, written only there, is then a known handle for what follows.

``plan(code)`` returns, per versionable loop, the FORPREP pc and, for each
array instruction of the body whose handle is settled before the loop, what
the guard must establish.  The code generator emits the guard on FORPREP's
fall-through edge and a second copy of the body in which those instructions
skip the settled checks; any failed guard check runs the ordinary body,
which fails (or not) at the same pc as tier 1.
"""

from __future__ import annotations

from orus.bytecode import opcodes as op

# NEVER_STOPS instructions whose A operand is read, not written.
READS_A = frozenset(getattr(op, name) for name in (
    "ARR_SET ARR_SETI JMPF JMPT JNLT_I JNLE_I JNEQ_I JNNE_I JNLT_F JNLE_F JNLTI_I JNLEI_I "
    "JNGTI_I JNGEI_I JNEQI_I JNNEI_I JMPTAB ITER_INT SETG ERROR HALT JMP").split())
ELEMENT_STORES = frozenset((op.ARR_SET, op.ARR_SETI))


class Access:
    """One array instruction of a versioned body: its pc, the register of
    its handle and, when the guard also reads the element (`hoist_value`),
    the index register."""

    __slots__ = ("pc", "handle", "index", "hoist_value", "from_pc")

    def __init__(self, pc, handle, index, hoist_value, from_pc):
        self.pc = pc
        self.handle = handle            # register holding the array handle
        self.index = index              # register holding the index
        self.hoist_value = hoist_value  # the guard reads the element itself
        self.from_pc = from_pc          # the handle is the element read at this pc (or None)


def written(code, pc) -> set:
    """Registers instruction `pc` may write (conservative: a window counts)."""
    o, a, b, c = code[pc]
    info = op.TABLE[o]
    out = set()
    if info.operands[0] == "r" and o not in READS_A:
        out.add(a)
    if o == op.FORLOOP or o == op.FORPREP:
        out.update((a, a + 3))
    if info.window:
        slot, size = info.window
        start = (a, b, c)[slot]
        out.update(range(start, start + size))
    return out


def plan(code, never_stops) -> dict:
    """{FORPREP pc: (T, L, [Access...])} for the loops worth a second version."""
    loops = {}
    for last, (o, a, b, c) in enumerate(code):
        if o != op.FORLOOP:
            continue
        first = b
        prep = first - 1
        if prep < 0 or code[prep][0] != op.FORPREP or code[prep][2] != last + 1 \
                or code[prep][1] != a or first >= last:
            continue
        body = range(first, last)
        if any(code[pc][0] not in never_stops or code[pc][0] == op.SETG
               or code[pc][0] in op.TERMINATORS or _jumps(code[pc][0]) for pc in body):
            continue
        counts = {}
        for pc in range(first, last + 1):
            for r in written(code, pc):
                counts[r] = counts.get(r, 0) + 1
        stores = any(code[pc][0] in ELEMENT_STORES for pc in body)
        known = {}                         # register -> pc whose element it settled
        accesses = []
        for pc in body:
            o2, a2, b2, c2 = code[pc]
            if o2 == op.ARR_GET:
                handle, index = b2, c2
            elif o2 in ELEMENT_STORES:
                handle, index = a2, b2
            else:
                continue
            if handle in counts and handle not in known:
                continue                    # changes inside the loop
            value = (o2 == op.ARR_GET and not stores and index not in counts
                     and counts.get(a2) == 1)
            accesses.append(Access(pc, handle, index, value, known.get(handle)))
            if value:
                known[a2] = pc
        if accesses:
            loops[prep] = (first, last, accesses)
    return loops


def _jumps(o) -> bool:
    return "j" in op.TABLE[o].operands or o == op.JMPTAB
