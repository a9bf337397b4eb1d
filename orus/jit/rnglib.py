"""`use random`: numpy's default generator (PCG64 seeded through SeedSequence)
inside the VM, so that after ``random.seed(n)`` a program draws exactly the
numbers of ``numpy.random.default_rng(n)``.

The generator's state lives in the machine's ``state`` array (slots
``S_RNG_*`` of orus/bytecode/protocol.py, int64 holding uint64 bit
patterns): a draw is one VM instruction, no host round trip, and no Python
object is touched.  Every function here is an ``@njit`` helper the dispatch
loop calls; none allocates (the native VM cannot), and 128-bit arithmetic is
done on uint64 halves.

Followed exactly (numpy's sources, numpy/random/):
  * src/pcg64/pcg64.h: the 128-bit LCG step (multiplier 2549297995355413924 *
    2^64 + 4865540595714422341), the XSL-RR output, ``pcg64_next32`` caching
    the upper half of a 64-bit draw (has_uint32 / uinteger), seeding
    (``pcg_setseq_128_srandom_r``);
  * bit_generator.pyx: SeedSequence (pool of 4 uint32 words, hashmix / mix,
    generate_state(4, uint64)); an integer seed n >= 0 is its entropy;
  * src/distributions/distributions.c: ``next_double`` (53 bits),
    ``random_uniform``, ``random_bounded_uint64`` (Lemire's method on 32-bit
    draws when the range fits 32 bits, else on 64-bit draws),
    ``random_standard_normal`` (the ziggurat, tables in orus/jit/ziggurat.py),
    ``random_interval`` (Generator.shuffle's swaps).

A negative seed n is the u64 bit pattern n + 2^64 (numpy refuses negative
seeds): ``random.seed(-1)`` equals ``default_rng(2**64 - 1)``.
"""

import math

import numpy as np

from orus.jit.numba_cache import point_numba_cache

point_numba_cache()

from numba import njit  # noqa: E402

from orus.bytecode import protocol as P  # noqa: E402
from orus.jit.ziggurat import FI, KI, NOR_INV_R, NOR_R, WI  # noqa: E402

U64 = np.uint64
M32 = np.uint64(0xFFFFFFFF)
MAX64 = np.uint64(0xFFFFFFFFFFFFFFFF)
ZERO = np.uint64(0)
ONE = np.uint64(1)
MUL_HI = np.uint64(2549297995355413924)
MUL_LO = np.uint64(4865540595714422341)
# SeedSequence's constants (bit_generator.pyx)
INIT_A = np.uint64(0x43b0d7e5)
MULT_A = np.uint64(0x931e8875)
INIT_B = np.uint64(0x8b51f9dd)
MULT_B = np.uint64(0x58f38ded)
MIX_MULT_L = np.uint64(0xca01f9dd)
MIX_MULT_R = np.uint64(0x4973f715)
DOUBLE_UNIT = 1.0 / 9007199254740992.0


@njit(cache=True)
def mulhi(a, b):
    """The high 64 bits of the 128-bit product of two uint64 values."""
    a0 = a & M32
    a1 = a >> U64(32)
    b0 = b & M32
    b1 = b >> U64(32)
    w0 = a0 * b0
    t = a1 * b0 + (w0 >> U64(32))
    w1 = (t & M32) + a0 * b1
    return a1 * b1 + (t >> U64(32)) + (w1 >> U64(32))


@njit(cache=True)
def pcg_step(shi, slo, ihi, ilo):
    """state * MULT + inc (mod 2^128), on uint64 halves."""
    lo = slo * MUL_LO
    hi = mulhi(slo, MUL_LO) + shi * MUL_LO + slo * MUL_HI
    nlo = lo + ilo
    carry = ONE if nlo < lo else ZERO
    return hi + ihi + carry, nlo


@njit(cache=True)
def pcg_output(hi, lo):
    """XSL-RR: rotate (hi ^ lo) right by the top 6 bits of hi."""
    v = hi ^ lo
    rot = hi >> U64(58)
    return (v >> rot) | (v << ((U64(64) - rot) & U64(63)))


@njit(cache=True)
def _hashmix(value, hc):
    value = (value ^ hc) & M32
    hc = (hc * MULT_A) & M32
    value = (value * hc) & M32
    value ^= value >> U64(16)
    return value, hc


@njit(cache=True)
def _mix(x, y):
    r = (MIX_MULT_L * x - MIX_MULT_R * y) & M32
    return r ^ (r >> U64(16))


@njit(cache=True)
def _gen_word(d, hc):
    d = (d ^ hc) & M32
    hc = (hc * MULT_B) & M32
    d = (d * hc) & M32
    return d ^ (d >> U64(16)), hc


@njit(cache=True)
def seed_sequence(state, e0, e1, e2, e3):
    """Seed the generator as ``PCG64(SeedSequence(entropy))`` does, for an
    entropy of at most four uint32 words e0..e3 (missing words are 0: for a
    pool of 4 words that is the same as a shorter entropy)."""
    hc = INIT_A
    p0, hc = _hashmix(e0, hc)
    p1, hc = _hashmix(e1, hc)
    p2, hc = _hashmix(e2, hc)
    p3, hc = _hashmix(e3, hc)
    # every word mixed into every other (i_src outer, i_dst inner, as numpy)
    h, hc = _hashmix(p0, hc)
    p1 = _mix(p1, h)
    h, hc = _hashmix(p0, hc)
    p2 = _mix(p2, h)
    h, hc = _hashmix(p0, hc)
    p3 = _mix(p3, h)
    h, hc = _hashmix(p1, hc)
    p0 = _mix(p0, h)
    h, hc = _hashmix(p1, hc)
    p2 = _mix(p2, h)
    h, hc = _hashmix(p1, hc)
    p3 = _mix(p3, h)
    h, hc = _hashmix(p2, hc)
    p0 = _mix(p0, h)
    h, hc = _hashmix(p2, hc)
    p1 = _mix(p1, h)
    h, hc = _hashmix(p2, hc)
    p3 = _mix(p3, h)
    h, hc = _hashmix(p3, hc)
    p0 = _mix(p0, h)
    h, hc = _hashmix(p3, hc)
    p1 = _mix(p1, h)
    h, hc = _hashmix(p3, hc)
    p2 = _mix(p2, h)
    # generate_state(4, uint64): 8 uint32 words cycling over the pool, paired
    # little-endian into uint64 words
    hc = INIT_B
    w0, hc = _gen_word(p0, hc)
    w1, hc = _gen_word(p1, hc)
    w2, hc = _gen_word(p2, hc)
    w3, hc = _gen_word(p3, hc)
    w4, hc = _gen_word(p0, hc)
    w5, hc = _gen_word(p1, hc)
    w6, hc = _gen_word(p2, hc)
    w7, hc = _gen_word(p3, hc)
    s_hi = w0 | (w1 << U64(32))
    s_lo = w2 | (w3 << U64(32))
    q_hi = w4 | (w5 << U64(32))
    q_lo = w6 | (w7 << U64(32))
    # pcg_setseq_128_srandom_r(state = 0, inc = initseq << 1 | 1; step;
    # state += initstate; step)
    ihi = (q_hi << ONE) | (q_lo >> U64(63))
    ilo = (q_lo << ONE) | ONE
    hi, lo = pcg_step(ZERO, ZERO, ihi, ilo)
    nlo = lo + s_lo
    hi = hi + s_hi + (ONE if nlo < lo else ZERO)
    hi, lo = pcg_step(hi, nlo, ihi, ilo)
    state[P.S_RNG_HI] = np.int64(hi)
    state[P.S_RNG_LO] = np.int64(lo)
    state[P.S_RNG_INC_HI] = np.int64(ihi)
    state[P.S_RNG_INC_LO] = np.int64(ilo)
    state[P.S_RNG_HAS32] = 0
    state[P.S_RNG_U32] = 0
    state[P.S_RNG_SEEDED] = 1


@njit(cache=True)
def seed_int(state, n):
    """random.seed(n): default_rng(n) for n >= 0, default_rng(n + 2^64) below."""
    u = U64(n)
    seed_sequence(state, u & M32, u >> U64(32), ZERO, ZERO)


@njit(cache=True)
def seed_os(state):
    """The first draw of a program that never seeded: SeedSequence of the
    128 bits of OS entropy the host wrote at machine start (numpy's
    default_rng() draws its 128 bits the same way)."""
    a = U64(state[P.S_RNG_ENT0])
    b = U64(state[P.S_RNG_ENT1])
    seed_sequence(state, a & M32, a >> U64(32), b & M32, b >> U64(32))


@njit(cache=True)
def step_double(shi, slo, ihi, ilo):
    """One step and its double, on scalars: the dispatch loop's RNG_RANDOM and
    RNG_UNIFORM load and store the state words themselves (a helper taking
    the state array costs Numba's reference counting on every draw)."""
    hi, lo = pcg_step(shi, slo, ihi, ilo)
    return hi, lo, np.float64(pcg_output(hi, lo) >> U64(11)) * DOUBLE_UNIT


@njit(cache=True, inline="always")
def next64(state):
    if state[P.S_RNG_SEEDED] == 0:
        seed_os(state)
    hi, lo = pcg_step(U64(state[P.S_RNG_HI]), U64(state[P.S_RNG_LO]),
                      U64(state[P.S_RNG_INC_HI]), U64(state[P.S_RNG_INC_LO]))
    state[P.S_RNG_HI] = np.int64(hi)
    state[P.S_RNG_LO] = np.int64(lo)
    return pcg_output(hi, lo)


@njit(cache=True, inline="always")
def next32(state):
    """pcg64_next32: the low half of a 64-bit draw now, its high half next time."""
    if state[P.S_RNG_HAS32] != 0:
        state[P.S_RNG_HAS32] = 0
        return U64(state[P.S_RNG_U32])
    v = next64(state)
    state[P.S_RNG_HAS32] = 1
    state[P.S_RNG_U32] = np.int64(v >> U64(32))
    return v & M32


@njit(cache=True, inline="always")
def next_double(state):
    return np.float64(next64(state) >> U64(11)) * DOUBLE_UNIT


@njit(cache=True)
def _lemire32(state, rng):
    excl = rng + ONE
    m = next32(state) * excl
    left = m & M32
    if left < excl:
        threshold = (M32 - rng) % excl
        while left < threshold:
            m = next32(state) * excl
            left = m & M32
    return m >> U64(32)


@njit(cache=True)
def next32_s(shi, slo, ihi, ilo, has32, u32):
    """next32 on scalars: (state hi, state lo, has32, u32, the draw)."""
    if has32 != 0:
        return shi, slo, np.int64(0), u32, u32
    hi, lo = pcg_step(shi, slo, ihi, ilo)
    v = pcg_output(hi, lo)
    return hi, lo, np.int64(1), v >> U64(32), v & M32


@njit(cache=True)
def lemire32_s(shi, slo, ihi, ilo, has32, u32, rng):
    """_lemire32 on scalars (0 < rng < 2^32 - 1): the dispatch loop's
    RNG_INTEGERS for ranges of 32 bits, without passing the state array."""
    excl = rng + ONE
    shi, slo, has32, u32, v = next32_s(shi, slo, ihi, ilo, has32, u32)
    m = v * excl
    left = m & M32
    if left < excl:
        threshold = (M32 - rng) % excl
        while left < threshold:
            shi, slo, has32, u32, v = next32_s(shi, slo, ihi, ilo, has32, u32)
            m = v * excl
            left = m & M32
    return shi, slo, has32, u32, m >> U64(32)


@njit(cache=True)
def _lemire64(state, rng):
    excl = rng + ONE
    x = next64(state)
    left = x * excl
    if left < excl:
        threshold = (MAX64 - rng) % excl
        while left < threshold:
            x = next64(state)
            left = x * excl
    return mulhi(x, excl)


@njit(cache=True)
def bounded(state, rng):
    """A uniform uint64 in [0, rng] (random_bounded_uint64, Lemire)."""
    if rng == ZERO:
        return ZERO
    if rng <= M32:
        if rng == M32:
            return next32(state)
        return _lemire32(state, rng)
    if rng == MAX64:
        return next64(state)
    return _lemire64(state, rng)


@njit(cache=True)
def integers(state, lo, hi):
    """Generator.integers(lo, hi) for int64 lo < hi."""
    rng = U64(hi) - U64(lo) - ONE
    return np.int64(U64(lo) + bounded(state, rng))


@njit(cache=True)
def standard_normal(state):
    """random_standard_normal: the ziggurat of numpy (256 layers)."""
    while True:
        r = next64(state)
        idx = np.int64(r & U64(0xFF))
        r >>= U64(8)
        sign = r & ONE
        rabs = (r >> ONE) & U64(0x000FFFFFFFFFFFFF)
        x = np.float64(rabs) * WI[idx]
        if sign != ZERO:
            x = -x
        if rabs < KI[idx]:
            return x
        if idx == 0:
            while True:
                xx = -NOR_INV_R * math.log1p(-next_double(state))
                yy = -math.log1p(-next_double(state))
                if yy + yy > xx * xx:
                    if ((rabs >> U64(8)) & ONE) != ZERO:
                        return -(NOR_R + xx)
                    return NOR_R + xx
        else:
            if (FI[idx - 1] - FI[idx]) * next_double(state) + FI[idx] < math.exp(-0.5 * x * x):
                return x


@njit(cache=True)
def interval(state, mx):
    """random_interval: a uniform uint64 in [0, mx] by masked rejection."""
    if mx == ZERO:
        return ZERO
    mask = mx
    mask |= mask >> U64(1)
    mask |= mask >> U64(2)
    mask |= mask >> U64(4)
    mask |= mask >> U64(8)
    mask |= mask >> U64(16)
    mask |= mask >> U64(32)
    if mx <= M32:
        v = next32(state) & mask
        while v > mx:
            v = next32(state) & mask
        return v
    v = next64(state) & mask
    while v > mx:
        v = next64(state) & mask
    return v


@njit(cache=True)
def shuffle(state, data, off, n):
    """Generator.shuffle of the n elements data[off:off+n] (slots or bytes):
    for i = n-1 down to 1, swap element i with element interval(i) <= i."""
    for i in range(n - 1, 0, -1):
        j = np.int64(interval(state, U64(i)))
        t = data[off + j]
        data[off + j] = data[off + i]
        data[off + i] = t
