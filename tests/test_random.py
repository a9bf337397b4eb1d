"""`use random` (issue 15): numpy's default generator inside the VM.

After ``random.seed(n)`` the draws of random(), uniform() and integers() must
be exactly those of ``numpy.random.default_rng(n)``, in any interleaving, and
normal(), shuffle() and choice() follow numpy's Generator too.  Two levels:

* the VM's helpers (orus.jit.rnglib, @njit functions on a state array) called
  directly against numpy for many seeds and bounds, comparing the full
  generator state (PCG64's 128-bit state, increment, has_uint32/uinteger)
  after every step, not just the numbers;
* whole programs (orus.run / run_source / Session) against numpy end to end,
  runtime errors caught by try, compile errors, the instruction selection.

Negative seeds: numpy refuses them; Orus seeds with the u64 bit pattern
(``random.seed(-n)`` is ``default_rng(2**64 - n)``).
"""

from __future__ import annotations

import math
import random as pyrandom
import sys
from pathlib import Path

import numpy as np
import pytest

import orus
from orus.bytecode import opcodes as O
from orus.bytecode import protocol as P
from orus.jit import rnglib as R

sys.path.insert(0, str(Path(__file__).resolve().parent))

SEEDS = list(range(201)) + [2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**53 + 7,
                            2**62, 2**63 - 1, 123456789012345678, 9876543210]
_r = pyrandom.Random(1515)
SEEDS += [_r.getrandbits(63) for _ in range(20)]

BOUNDS = [(0, 1), (0, 2), (0, 3), (0, 10), (-5, 5), (1, 7), (0, 100), (-1000, 1000),
          (0, 2**31), (0, 2**31 + 1), (0, 2**32 - 1), (0, 2**32), (0, 2**32 + 1),
          (-2**31, 2**31), (-2**32, 2**32), (5, 5 + 2**32), (0, 2**40), (-2**62, 2**62),
          (0, 2**63 - 1), (-2**63, 2**63 - 1), (-2**63, 0), (-2**63, -2**63 + 1),
          (2**63 - 2, 2**63 - 1), (-2**63, 2**62), (-7, -3), (0, 3 * 2**61), (12, 13)]


def _state():
    return np.zeros(P.S_SIZE, np.int64)


def _u(v):
    return int(v) & (2**64 - 1)


def _same_state(st, g):
    """The VM's generator state equals numpy's Generator g's, word for word."""
    s = g.bit_generator.state
    mine = ((_u(st[P.S_RNG_HI]) << 64) | _u(st[P.S_RNG_LO]),
            (_u(st[P.S_RNG_INC_HI]) << 64) | _u(st[P.S_RNG_INC_LO]),
            int(st[P.S_RNG_HAS32]), int(st[P.S_RNG_U32]) if st[P.S_RNG_HAS32] else 0)
    theirs = (s["state"]["state"], s["state"]["inc"], s["has_uint32"],
              s["uinteger"] if s["has_uint32"] else 0)
    return mine == theirs


# ---- the helpers of the VM against numpy ----------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_seeding_and_random_match_numpy(seed):
    st = _state()
    R.seed_int(st, seed)
    g = np.random.default_rng(seed)
    assert _same_state(st, g)
    mine = [R.next_double(st) for _ in range(16)]
    assert mine == g.random(16).tolist()
    assert _same_state(st, g)


@pytest.mark.parametrize("n", [1, 2, 5, 100, 2**32, 2**63 - 1, 2**64 - 1, 2**63])
def test_a_negative_seed_is_its_u64_pattern(n):
    st = _state()
    R.seed_int(st, -n if n <= 2**63 else n - 2**64)
    g = np.random.default_rng((-n) % 2**64 if n <= 2**63 else n)
    assert _same_state(st, g)
    assert [R.next_double(st) for _ in range(4)] == g.random(4).tolist()


def test_os_entropy_seeds_as_seed_sequence_of_128_bits():
    rnd = pyrandom.Random(7)
    for entropy in [0, 1, 2**32, 2**64 - 1, 2**96 + 5, 2**128 - 1] + \
            [rnd.getrandbits(128) for _ in range(30)]:
        st = _state()
        lo, hi = entropy & (2**64 - 1), entropy >> 64
        st[P.S_RNG_ENT0] = lo - ((lo >> 63) << 64)
        st[P.S_RNG_ENT1] = hi - ((hi >> 63) << 64)
        first = R.next_double(st)           # unseeded: seeds from the entropy first
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
        assert first == g.random() and _same_state(st, g)


@pytest.mark.parametrize("seed", SEEDS[:60] + SEEDS[-12:])
def test_integers_match_numpy_for_every_kind_of_bound(seed):
    st = _state()
    R.seed_int(st, seed)
    g = np.random.default_rng(seed)
    for lo, hi in BOUNDS:
        for _ in range(3):
            assert R.integers(st, lo, hi) == g.integers(lo, hi), (seed, lo, hi)
            assert _same_state(st, g), (seed, lo, hi)


def test_the_scalar_32_bit_path_equals_the_array_one():
    """RNG_INTEGERS draws 32-bit ranges through lemire32_s on scalars (the VM
    loads and stores the state words itself): the same numbers and state as
    the array helper, the cached half of a draw included."""
    rnd = pyrandom.Random(11)
    for seed in range(30):
        st = _state()
        R.seed_int(st, seed)
        g = np.random.default_rng(seed)
        for _ in range(100):
            rng = rnd.choice([1, 2, 5, 6, 1000, 2**31, 2**32 - 2, rnd.randrange(1, 2**32 - 1)])
            before = st.copy()
            out = R.lemire32_s(np.uint64(_u(st[P.S_RNG_HI])), np.uint64(_u(st[P.S_RNG_LO])),
                               np.uint64(_u(st[P.S_RNG_INC_HI])), np.uint64(_u(st[P.S_RNG_INC_LO])),
                               int(st[P.S_RNG_HAS32]), np.uint64(_u(st[P.S_RNG_U32])),
                               np.uint64(rng))
            hi, lo, has32, u32, v = (int(x) for x in out)
            assert v == int(R._lemire32(before, np.uint64(rng))) == g.integers(0, rng + 1)
            assert (hi, lo, has32) == (_u(before[P.S_RNG_HI]), _u(before[P.S_RNG_LO]),
                                       int(before[P.S_RNG_HAS32]))
            assert not has32 or u32 == before[P.S_RNG_U32]
            st = before


def test_interleavings_match_numpy():
    """random, uniform and integers of 32- and 64-bit ranges in random orders:
    a 32-bit range leaves half a 64-bit draw cached, the next one uses it."""
    rnd = pyrandom.Random(99)
    for seed in range(40):
        st = _state()
        R.seed_int(st, seed)
        g = np.random.default_rng(seed)
        for _ in range(300):
            k = rnd.randrange(5)
            if k == 0:
                assert R.next_double(st) == g.random()
            elif k == 1:
                lo = rnd.uniform(-1e6, 1e6)
                hi = lo + rnd.uniform(0.0, 1e6)
                assert lo + (hi - lo) * R.next_double(st) == g.uniform(lo, hi)
            elif k == 2:
                lo, hi = rnd.choice(BOUNDS)
                assert R.integers(st, lo, hi) == g.integers(lo, hi)
            elif k == 3:
                lo = rnd.randrange(-2**40, 2**40)
                hi = lo + rnd.randrange(1, 2**rnd.randrange(1, 40))
                assert R.integers(st, lo, hi) == g.integers(lo, hi)
            else:
                assert R.standard_normal(st) == g.standard_normal()
        assert _same_state(st, g)


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 3])
def test_normal_is_numpys_ziggurat_stream(seed):
    st = _state()
    R.seed_int(st, seed)
    g = np.random.default_rng(seed)
    n = 60_000
    mine = np.array([R.standard_normal(st) for _ in range(n)])
    theirs = g.standard_normal(n)
    assert np.array_equal(mine, theirs)
    assert _same_state(st, g)
    # the tail (|x| > r = 3.654...) and the wedges were exercised
    assert (np.abs(mine) > R.NOR_R).sum() > 0


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 257, 1000])
def test_shuffle_matches_numpy(n):
    for seed in range(12):
        st = _state()
        R.seed_int(st, seed)
        g = np.random.default_rng(seed)
        mine = np.arange(100, 100 + n, dtype=np.int64)
        pad = np.concatenate([np.full(3, -1), mine, np.full(3, -1)])
        R.shuffle(st, pad, 3, n)                # only data[off:off+n] moves
        theirs = np.arange(100, 100 + n, dtype=np.int64)
        g.shuffle(theirs)
        assert np.array_equal(pad[3:3 + n], theirs) and (pad[:3] == -1).all() \
            and (pad[3 + n:] == -1).all()
        assert _same_state(st, g)


def test_interval_stays_within_its_bound():
    st = _state()
    R.seed_int(st, 5)
    for mx in [0, 1, 2, 3, 5, 2**31, 2**32 - 1, 2**32, 2**33 + 1, 2**63, 2**64 - 1]:
        for _ in range(50):
            assert 0 <= int(R.interval(st, np.uint64(mx))) <= mx


def test_mulhi_and_the_128_bit_step():
    rnd = pyrandom.Random(3)
    vals = [0, 1, 2**32 - 1, 2**32, 2**63, 2**64 - 1] + [rnd.getrandbits(64) for _ in range(200)]
    for a in vals[:40]:
        for b in vals[:40]:
            assert int(R.mulhi(np.uint64(a), np.uint64(b))) == (a * b) >> 64
    mult = (2549297995355413924 << 64) + 4865540595714422341
    for _ in range(200):
        s, inc = rnd.getrandbits(128), rnd.getrandbits(128) | 1
        hi, lo = R.pcg_step(np.uint64(s >> 64), np.uint64(s & (2**64 - 1)),
                            np.uint64(inc >> 64), np.uint64(inc & (2**64 - 1)))
        assert (int(hi) << 64) | int(lo) == (s * mult + inc) % 2**128


# ---- whole programs ---------------------------------------------------------------------------
DRAWS = """
use random
random.seed(seed)
mut fs: [f64] = []
mut ks: [i64] = []
for i in 0..20:
    push(fs, random.random())
    push(ks, random.integers(lo, hi))
    push(fs, random.uniform(-3.0, 5.5))
    push(ks, random.integers(0, 6))
    push(fs, random.normal(10.0, 2.0))
"""


def _numpy_draws(seed, lo, hi):
    g = np.random.default_rng(seed)
    fs, ks = [], []
    for _ in range(20):
        fs.append(g.random())
        ks.append(int(g.integers(lo, hi)))
        fs.append(g.uniform(-3.0, 5.5))
        ks.append(int(g.integers(0, 6)))
        fs.append(g.normal(10.0, 2.0))
    return fs, ks


@pytest.mark.parametrize("seed, lo, hi", [
    (0, 0, 10), (1, -5, 5), (42, 0, 2**32), (7, -2**63, 2**63 - 1), (2024, 3, 2**40),
    (-1, 0, 100), (2**63 - 1, -2**31, 2**31), (123, 0, 2**32 + 1), (-99, -10, -9)])
def test_programs_draw_numpys_streams(seed, lo, hi):
    r = orus.run(DRAWS, inputs={"seed": seed, "lo": lo, "hi": hi}, outputs=["fs", "ks"])
    fs, ks = _numpy_draws(seed % 2**64, lo, hi)
    assert r["fs"].tolist() == fs
    assert r["ks"].tolist() == ks


def test_many_seeds_end_to_end():
    src = """
use random
mut out: [f64] = []
mut ints: [i64] = []
for s in 0..300:
    random.seed(s as i64)
    push(out, random.random())
    push(ints, random.integers(-1000, 1000))
    push(out, random.random())
"""
    r = orus.run(src, outputs=["out", "ints"])
    fs, ks = [], []
    for s in range(300):
        g = np.random.default_rng(s)
        fs.append(g.random())
        ks.append(int(g.integers(-1000, 1000)))
        fs.append(g.random())
    assert r["out"].tolist() == fs and r["ints"].tolist() == ks


def test_shuffle_and_choice_of_every_array_type_follow_numpy():
    src = """
use random
random.seed(seed)
ints: [i64] = []
strs: [string] = []
flags: [bool] = []
floats: [f64] = []
for i in 0..n:
    push(ints, i as i64)
    push(strs, "s" + (i as string))
    push(flags, i % 3 == 0)
    push(floats, (i as f64) / 2.0)
random.shuffle(ints)
random.shuffle(strs)
random.shuffle(flags)
random.shuffle(floats)
c1 = random.choice(ints)
c2 = random.choice(strs)
c3 = random.choice(flags)
c4 = random.choice(floats)
"""
    for seed, n in [(0, 10), (5, 1), (9, 2), (11, 100), (2**40, 37)]:
        r = orus.run(src, inputs={"seed": seed, "n": n},
                     outputs=["ints", "strs", "flags", "floats", "c1", "c2", "c3", "c4"])
        g = np.random.default_rng(seed)
        base = np.arange(n, dtype=np.int64)
        perms = []
        for _ in range(4):
            p = base.copy()
            g.shuffle(p)
            perms.append(p)
        assert r["ints"].tolist() == perms[0].tolist()
        assert r["strs"] == ["s%d" % i for i in perms[1]]
        assert r["flags"].tolist() == [i % 3 == 0 for i in perms[2]]
        assert r["floats"].tolist() == [i / 2.0 for i in perms[3]]
        assert r["c1"] == perms[0][g.choice(n)]
        assert r["c2"] == "s%d" % perms[1][g.choice(n)]
        assert r["c3"] == (perms[2][g.choice(n)] % 3 == 0)
        assert r["c4"] == perms[3][g.choice(n)] / 2.0
        # numpy's choice of the array itself draws the same element
        g2 = np.random.default_rng(seed)
        for _ in range(4):
            g2.shuffle(base.copy())
        assert r["c1"] == g2.choice(perms[0])


def test_normal_has_the_right_distribution():
    src = """
use random
mut xs: [f64] = []
for i in 0..200000:
    push(xs, random.normal(3.0, 2.0))
"""
    xs = orus.run(src, outputs=["xs"])["xs"]       # unseeded: OS entropy
    z = (xs - 3.0) / 2.0
    n = len(z)
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.var() - 1.0) < 5 * math.sqrt(2.0 / n)
    # Kolmogorov-Smirnov against the normal CDF (critical value at alpha=1e-4 ~ 2.0/sqrt(n))
    zs = np.sort(z)
    cdf = 0.5 * (1.0 + np.array([math.erf(v / math.sqrt(2.0)) for v in zs]))
    d = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(0, n) / n))
    assert d < 2.0 / math.sqrt(n)
    assert abs((np.abs(z) > 3.0).mean() - 0.0026998) < 0.0008


def test_without_seed_the_stream_comes_from_the_os():
    src = "use random\nmut xs: [f64] = []\nfor i in 0..8:\n    push(xs, random.random())\n"
    a = orus.run(src, outputs=["xs"])["xs"]
    b = orus.run(src, outputs=["xs"])["xs"]
    assert not np.array_equal(a, b)
    assert ((a >= 0.0) & (a < 1.0)).all()


def test_bounds_hold():
    src = """
use random
random.seed(3)
mut ok = true
for i in 0..20000:
    k = random.integers(-3, 4)
    if k < -3 or k >= 4:
        ok = false
    x = random.uniform(2.0, 2.5)
    if x < 2.0 or x >= 2.5:
        ok = false
    y = random.random()
    if y < 0.0 or y >= 1.0:
        ok = false
"""
    assert orus.run(src, outputs=["ok"])["ok"] is True


@pytest.mark.parametrize("call, message", [
    ("random.integers(5, 5)", "low >= high"),
    ("random.integers(0, 0)", "low >= high"),
    ("random.integers(3, -3)", "low >= high"),
    ("random.uniform(1.0, 0.0)", "high - low < 0"),
    ("random.uniform(-1e308, 1e308)", "high - low range exceeds valid bounds"),
    ("random.normal(0.0, -1.0)", "scale < 0"),
    ("random.choice(empty)", "Cannot choose from an empty array"),
])
def test_errors_are_caught_by_try(call, message):
    src = ("use random\nempty: [i64] = []\ntry:\n    x = %s\n    print(x)\n"
           "catch e:\n    print(\"caught: \" + (e as string))\nprint(random.integers(0, 1))\n"
           % call)
    r = orus.run_source(src.encode(), filename="<test>")
    assert r.status == 0, r.stderr
    assert r.stdout == "caught: %s\n0\n" % message


def test_an_uncaught_error_is_located():
    r = orus.run_source(b"use random\nx = 1\nprint(random.integers(2, 1))\n", filename="t.orus")
    assert r.status == 70
    assert "low >= high" in r.stderr and "t.orus:3" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("source, fragment", [
    ("use random\nrandom.shuffle(5)\n", "needs an array"),
    ("use random\nx = random.choice(3.5)\n", "needs an array"),
    ('use random\nrandom.seed("x")\n', "argument 1 of 'seed'"),
    ("use random\nx = random.integers(1.5, 2)\n", "argument 1 of 'integers'"),
    ("use random\nx = random.nosuch()\n", "does not export 'nosuch'"),
    ("use random\nx = random.seed(1)\n", None),
    ("use random\nx = random.choice([])\n", "element type of this empty array"),
])
def test_compile_errors(source, fragment):
    r = orus.run_source(source.encode(), filename="<test>")
    assert r.status == 65, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    # a misuse of the generic shuffle/choice is reported at the call, not in orus/std
    assert "random.orus" not in r.stderr and "<test>:2" in r.stderr, r.stderr
    if fragment is not None:
        assert fragment in r.stderr, r.stderr


def test_a_random_call_is_one_instruction_and_functions_stay_values():
    from orus.frontend import compile_program
    program = compile_program(
        b"use random\nrandom.seed(1)\nxs = [1, 2, 3]\nrandom.shuffle(xs)\n"
        b"print(random.random(), random.uniform(0.0, 2.0), random.integers(0, 9),\n"
        b"      random.normal(0.0, 1.0), random.choice(xs))\n", "<test>")
    entry, end = int(program.funcs[0, 0]), int(program.funcs[0, 1])
    ops = [O.NAMES[int(o)] for o in program.code[entry:end, 0]]
    assert "CALL" not in ops
    for name in ("RNG_SEED", "RNG_SHUFFLE", "RNG_RANDOM", "RNG_UNIFORM", "RNG_INTEGERS",
                 "RNG_NORMAL", "RNG_CHOICE"):
        assert ops.count(name) == 1, name
    r = orus.run("use random\nrandom.seed(8)\nf = random.random\ng = random.integers\n"
                 "x = f()\nk = g(0, 1000)\n", outputs=["x", "k"])
    rng = np.random.default_rng(8)
    assert r["x"] == rng.random() and r["k"] == rng.integers(0, 1000)


def test_session_inputs_share_one_generator():
    s = orus.Session()
    run = s.run

    def ok(text):
        assert run(text).status == 0, text

    s.run = ok
    s.run("use random\nrandom.seed(2024)\nx = random.random()")
    s.run("y = random.random()")
    g = np.random.default_rng(2024)
    assert (s["x"], s["y"]) == (g.random(), g.random())
    # a cached half of a 64-bit draw is carried too
    s.run("random.seed(5)\nk1 = random.integers(0, 10)")
    s.run("k2 = random.integers(0, 10)\nk3 = random.integers(0, 1099511627776)")
    g = np.random.default_rng(5)
    assert (s["k1"], s["k2"], s["k3"]) == (g.integers(0, 10), g.integers(0, 10),
                                           g.integers(0, 2**40))


def test_the_verifier_checks_the_windows():
    from asm import assemble
    from orus.api import verify
    from orus.bytecode.program import BytecodeError
    for opname in ("RNG_UNIFORM", "RNG_INTEGERS", "RNG_NORMAL"):
        bad = assemble("""
        fn main regs=3
            %s 0 2
            HALT
        """ % opname)
        with pytest.raises(BytecodeError):
            verify(bad)
    for text in ("RNG_SEED 3", "RNG_SHUFFLE 3", "RNG_CHOICE 0 3", "RNG_RANDOM 3"):
        bad = assemble("fn main regs=3\n    %s\n    HALT\n" % text)
        with pytest.raises(BytecodeError):
            verify(bad)


def test_shuffle_and_choice_of_a_non_array_handle_fail_safely():
    from asm import assemble
    from orus.api import run_program
    from orus.errors import OrusRuntimeError
    for text in ("LOADI 0 99999\n    RNG_SHUFFLE 0", "LOADI 1 -5\n    RNG_CHOICE 0 1",
                 "LOADS 1 \"abc\"\n    RNG_CHOICE 0 1"):
        prog = assemble("fn main regs=3\n    %s\n    HALT\n" % text)
        with pytest.raises(OrusRuntimeError):
            run_program(prog, [].append)


def test_the_std_file_ships():
    root = Path(__file__).resolve().parent.parent
    assert (root / "orus" / "std" / "random.orus").is_file()
