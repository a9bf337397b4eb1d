"""The math module's functions for the VM (MATH1 / MATH2, `use math`).

Each returns (result, error): error is -1, or the runtime error
"math domain error" / "math range error" where CPython's math module raises
(Modules/mathmodule.c): a NaN result from non-NaN arguments is a domain
error; an infinite result from finite arguments is a range error for the
functions that can overflow (exp, exp2, expm1, sinh, cosh, pow, and here
also hypot and degrees, which CPython lets overflow to inf silently) and a
domain error for the others (a pole: log(0.0), atanh(1.0), log1p(-1.0));
underflow is never an error.  The functions are libm's (as CPython's), except
hypot, which is CPython's own algorithm (vector_norm), and round (half away
from zero, as C's round).
"""

import math

import numpy as np

from orus.jit.numba_cache import point_numba_cache

point_numba_cache()

from numba import njit  # noqa: E402

from orus.bytecode import opcodes as op  # noqa: E402
from orus.bytecode import runtime_errors as E  # noqa: E402

OK = -1
DOMAIN = E.MATH_DOMAIN
RANGE = E.MATH_RANGE
RAD_TO_DEG = 180.0 / math.pi        # CPython's radToDeg / degToRad
DEG_TO_RAD = math.pi / 180.0
DBL_MIN = 2.2250738585072014e-308
INF = math.inf


@njit(cache=True)
def _round_away(x):
    t = np.trunc(x)
    if abs(x - t) >= 0.5:
        t += math.copysign(1.0, x)
    return t


@njit(cache=True)
def _split(x):
    t = x * 134217729.0
    hi = t - (t - x)
    return hi, x - hi


@njit(cache=True)
def _dl_mul(x, y):
    """x * y as hi + lo exactly (Dekker's mul12; CPython's dl_mul)."""
    z = x * y
    xh, xl = _split(x)
    yh, yl = _split(y)
    zz = (((xh * yh - z) + xh * yl) + xl * yh) + xl * yl
    return z, zz


TWO64 = 18446744073709551616.0          # 2**64
TWO_M64 = 1.0 / TWO64


@njit(cache=True)
def _frexp_exp(m):
    """The exponent e of frexp(m) (m = f * 2**e, 0.5 <= f < 1) for a finite m > 0,
    by exact scaling (Numba's math.frexp / ldexp call helpers of its runtime,
    which the native VM does not link)."""
    e = 0
    while m >= TWO64:
        m *= TWO_M64
        e += 64
    while m < TWO_M64:
        m *= TWO64
        e -= 64
    while m >= 1.0:
        m *= 0.5
        e += 1
    while m < 0.5:
        m *= 2.0
        e -= 1
    return e


@njit(cache=True)
def _pow2(n):
    """2.0 ** n exactly (-1074 <= n <= 1023)."""
    r = 1.0
    while n >= 64:
        r *= TWO64
        n -= 64
    while n <= -64:
        r *= TWO_M64
        n += 64
    while n > 0:
        r *= 2.0
        n -= 1
    while n < 0:
        r *= 0.5
        n += 1
    return r


@njit(cache=True)
def _norm2(x, y, mx):
    """CPython's vector_norm for two finite non-negative coordinates, 0 < mx = max."""
    post = 1.0
    max_e = _frexp_exp(mx)
    if max_e < -1023:                   # tiny: scale up by 1/DBL_MIN first
        x /= DBL_MIN
        y /= DBL_MIN
        mx /= DBL_MIN
        post = DBL_MIN
        max_e = _frexp_exp(mx)
    scale = _pow2(-max_e)
    csum = 1.0
    frac1 = 0.0
    frac2 = 0.0
    for i in range(2):
        v = (x if i == 0 else y) * scale
        hi, lo = _dl_mul(v, v)
        s = csum + hi
        frac2 += (csum - s) + hi
        csum = s
        frac1 += lo
    h = math.sqrt(csum - 1.0 + (frac1 + frac2))
    hi, lo = _dl_mul(-h, h)
    s = csum + hi
    frac2 += (csum - s) + hi
    csum = s
    frac1 += lo
    v = csum - 1.0 + (frac1 + frac2)
    h += v / (2.0 * h)
    return post * (h / scale)


@njit(cache=True)
def hypot(x, y):
    x = abs(x)
    y = abs(y)
    mx = 0.0
    if x > mx:
        mx = x
    if y > mx:
        mx = y
    if math.isinf(mx):
        return mx
    if x != x or y != y:
        return math.nan
    if mx == 0.0:
        return mx
    return _norm2(x, y, mx)


@njit(cache=True)
def math1(c, x):
    """(fn_c(x), error) for MATH1."""
    if c == op.M_SQRT:
        r = math.sqrt(x)
    elif c == op.M_CBRT:
        r = np.cbrt(x)
    elif c == op.M_EXP:
        r = math.exp(x)
    elif c == op.M_EXP2:
        r = math.exp2(x)
    elif c == op.M_EXPM1:
        r = math.expm1(x)
    elif c == op.M_LOG:
        r = math.log(x)
    elif c == op.M_LOG2:
        r = math.log2(x)
    elif c == op.M_LOG10:
        r = math.log10(x)
    elif c == op.M_LOG1P:
        r = math.log1p(x)
    elif c == op.M_SIN:
        r = math.sin(x)
    elif c == op.M_COS:
        r = math.cos(x)
    elif c == op.M_TAN:
        r = math.tan(x)
    elif c == op.M_ASIN:
        r = math.asin(x)
    elif c == op.M_ACOS:
        r = math.acos(x)
    elif c == op.M_ATAN:
        r = math.atan(x)
    elif c == op.M_SINH:
        r = math.sinh(x)
    elif c == op.M_COSH:
        r = math.cosh(x)
    elif c == op.M_TANH:
        r = math.tanh(x)
    elif c == op.M_ASINH:
        r = math.asinh(x)
    elif c == op.M_ACOSH:
        r = math.acosh(x)
    elif c == op.M_ATANH:
        r = math.atanh(x)
    elif c == op.M_FLOOR:
        r = np.floor(x)
    elif c == op.M_CEIL:
        r = np.ceil(x)
    elif c == op.M_TRUNC:
        r = np.trunc(x)
    elif c == op.M_ROUND:
        r = _round_away(x)
    elif c == op.M_FABS:
        r = abs(x)
    elif c == op.M_DEGREES:
        r = x * RAD_TO_DEG
    elif c == op.M_RADIANS:
        r = x * DEG_TO_RAD
    else:
        return math.nan, DOMAIN         # not a function (the compiler never emits it)
    if r != r:
        if x == x:
            return r, DOMAIN
    elif math.isinf(r) and not math.isinf(x):
        if c == op.M_EXP or c == op.M_EXP2 or c == op.M_EXPM1 or c == op.M_SINH \
                or c == op.M_COSH or c == op.M_DEGREES:
            return r, RANGE
        return r, DOMAIN
    return r, OK


@njit(cache=True)
def math2(c, x, y):
    """(fn_c(x, y), error) for MATH2."""
    finite = not (math.isinf(x) or math.isinf(y) or x != x or y != y)
    if c == op.M_POW:
        r = math.pow(x, y)
        if finite:
            if r != r:
                return r, DOMAIN
            if math.isinf(r):
                return r, DOMAIN if x == 0.0 else RANGE
        return r, OK
    if c == op.M_ATAN2:
        r = math.atan2(x, y)
    elif c == op.M_HYPOT:
        r = hypot(x, y)
        if finite and math.isinf(r):
            return r, RANGE
        return r, OK
    elif c == op.M_FMOD:
        if math.isinf(y) and not (math.isinf(x) or x != x):
            return x, OK
        r = np.fmod(x, y)
    elif c == op.M_COPYSIGN:
        return math.copysign(x, y), OK
    else:
        return math.nan, DOMAIN
    if r != r and x == x and y == y:
        return r, DOMAIN
    return r, OK
