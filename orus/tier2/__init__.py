"""Tier 2: each program compiled to native code ahead of time.

Tier 1 (orus/jit/vm.py) interprets the bytecode; tier 2 is, per program, the
same dispatch loop with the program constant-folded into it: one LLVM basic
block per instruction, operands as constants, control flow as direct
branches (orus/tier2/codegen.py).  It is built outside the user's run
(`orus warm-cache PROGRAM.orus`, orus/tier2/build.py) and loaded by `orus run`
(orus/tier2/store.py) through the tier-1 VM's loader extension (ctypes when
there is none) -- no numba, no llvmlite on the run path.

The native function takes the SAME descriptor block as the native tier-1 VM
(orus/jit/abi.py) and speaks the same status protocol
(orus/bytecode/protocol.py), with one more status, FALLBACK: "continue in
tier 1 at state[S_PC]".  All position (pc, base, function, depth, budget)
lives in the state array and the frames, exactly as tier 1 keeps it, so
either tier can resume where the other stopped:

  * tier 2 returns FALLBACK at an instruction it does not implement, on entry
    at a pc that is not one of its entry points, before the program has been
    verified, and for a runtime error while a try handler is active (with
    S_RAISE set, so tier 1 unwinds to the handler exactly as it would);
  * on FALLBACK the yield budget is lowered (QUICK_BUDGET, or 1 for a pc
    that rarely falls back), so tier 1 stops with YIELD after at most that
    many backward jumps or calls; the next call
    of the VM (``Tier2VM.__call__``) tries tier 2 first again, which resumes
    if that pc is one of its entry points (loop heads, function entries,
    return sites, every instruction that can stop for the host, and the
    instruction after a host call).

This package's modules: ``codegen`` (bytecode -> LLVM IR), ``build`` (IR ->
shared library in the cache; imports llvmlite), ``store`` (cache key,
manifest, load).  Importing this package imports nothing heavy.
"""

from __future__ import annotations

# A status beyond orus.bytecode.protocol's (kept out of protocol.py: the VM's
# fingerprint covers it, and tier 1 never returns it).
FALLBACK = 64

# Budget (backward jumps + calls) tier 1 gets after a fallback before it
# yields and tier 2 is tried again.  The first FEW_FALLBACKS fallbacks at a
# pc get a budget of 1: tier 1 runs the instruction and what follows up to
# the next backward jump or call, whose target is an entry point of tier 2
# (an array's regrowth or a rare string operation in a loop costs one
# bounce, ~2-3 us: two native calls and a trip through the host loop).  A pc
# that keeps falling back is in a loop tier 2 cannot run; it then gets
# QUICK_BUDGET (20-80 us of tier 1 per bounce, so such a loop runs at most
# a few % slower than tier 1 alone).
QUICK_BUDGET = 4096
FEW_FALLBACKS = 64

FORMAT = "orus-tier2-1"      # bump when the generated code's contract changes


def enabled() -> bool:
    """ORUS_TIER2=0 turns tier 2 off (use and build)."""
    import os
    return os.environ.get("ORUS_TIER2", "1") != "0"
