"""Numerics every kernel shares: a safe Euclidean norm and the float64 widening it needs.

Numba types ``float(x)`` of a float32 ``x`` as float32, so ``float(x) * float(x)``
squares in single precision and |x| below about 1e-19 underflows into
subnormals (losing digits) or to zero.  Kernels that mean "work in double"
widen with :func:`wide`, which is ``np.float64``.
"""
import math

import numpy as np

from .._jit import kernel

#: sums of squares inside this range are exact enough to take the square root
#: of directly (xNRM2's "mid" accumulator); outside it the norm is recomputed
#: with a scale, as xLASSQ does.  Squares of float32 entries, widened to
#: float64, always land inside it.
SSQ_LOW = 2.0 ** -960
SSQ_HIGH = 2.0 ** 960

wide = np.float64

#: The status every kernel and driver returns (never an exception): the API
#: layer turns NO_CONVERGENCE into the next method of the fallback chain and
#: NOT_FINITE into NonFiniteError.
SUCCESS = 0
NO_CONVERGENCE = 1
NOT_FINITE = 2


@kernel
def nrm2(x):
    """Euclidean norm of a (possibly strided) vector, without overflow or
    underflow in any dtype (xNRM2).

    One pass of squares in float64; only when the sum left the safe range
    (float64 entries beyond about 1e±145) a second pass divides by the largest
    magnitude first.  NaN propagates (a NaN entry gives NaN, never 0).
    """
    ssq = 0.0
    for i in range(x.size):
        t = wide(x[i])
        ssq += t * t
    if ssq != ssq:
        return ssq
    if SSQ_LOW < ssq < SSQ_HIGH:
        return math.sqrt(ssq)
    scale = 0.0
    for i in range(x.size):
        scale = max(scale, abs(wide(x[i])))
    if scale == 0.0 or not math.isfinite(scale):
        return scale
    ssq = 0.0
    for i in range(x.size):
        t = wide(x[i]) / scale
        ssq += t * t
    return scale * math.sqrt(ssq)


@kernel
def safe_scaling(A):
    """Power of two ``k`` such that ``A 2^-k`` has its largest entry in [0.5, 1), or 0
    when that entry already lies in xGESDD's safe range [SMLNUM, BIGNUM] (or is 0).

    SMLNUM = sqrt(safmin) / eps and BIGNUM = 1 / SMLNUM, as xGESDD computes them:
    inside that range no square or product in the reduction over- or underflows.
    Outside it (entries near 1e-310 or 1e300) the reduction would round on the
    subnormal grid or overflow; scaling by a power of two is exact (xLASCL).
    """
    amax = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            amax = max(amax, abs(wide(A[i, j])))
    finfo = np.finfo(A.dtype)
    smlnum = math.sqrt(wide(finfo.tiny)) / wide(finfo.eps)
    if amax == 0.0 or (smlnum <= amax <= 1.0 / smlnum) or not math.isfinite(amax):
        return 0
    return math.frexp(amax)[1]


@kernel
def scale_by_pow2(x, k):
    """``x <- x 2^k`` in place, for an array of any shape (one rounding per entry,
    none unless the result leaves the normal range: xLASCL by a power of two)."""
    for idx in np.ndindex(x.shape):
        x[idx] = math.ldexp(wide(x[idx]), k)


@kernel
def bidiagonal_is_finite(d, e):
    """True if every entry of the bidiagonal ``(d, e)`` is finite."""
    for i in range(d.size):
        if not np.isfinite(d[i]):
            return False
    for i in range(e.size):
        if not np.isfinite(e[i]):
            return False
    return True
