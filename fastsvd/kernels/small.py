"""Closed forms for 2x2 problems: plane rotations and the 2x2 triangular SVD.

These are the building blocks of every chase in :mod:`fastsvd.kernels.bdsqr`
and of the 2x2 leaves of the Jacobi and batched paths.
"""
import math

import numpy as np

from .._jit import kernel

#: float64's smallest normal number, and an exact scaling that lifts two
#: numbers below it well into the normal range (and back)
_TINY = float(np.finfo(np.float64).tiny)
_UP = 2.0 ** 600
_DOWN = 2.0 ** -600


@kernel
def lartg(f, g):
    """Plane rotation with ``c f + s g = r`` and ``-s f + c g = 0`` (xLARTG).

    ``c >= 0`` and ``r`` takes the sign of ``f`` (``r = |g|``, ``c = 0`` when
    ``f == 0``).  ``math.hypot`` scales internally, so neither ``f**2`` nor
    ``g**2`` can overflow or underflow.  When ``r`` itself would be subnormal
    (float64), ``f`` and ``g`` are first scaled up by an exact power of two as
    xLARTG does: a subnormal ``r`` holds only some of its digits, and ``c``,
    ``s`` computed from it would not satisfy ``c^2 + s^2 = 1`` to ``eps``.

    Returns
    -------
    c, s, r : float
    """
    if g == 0:
        return 1.0, 0.0, f
    if f == 0:
        return 0.0, math.copysign(1.0, g), abs(g)
    rho = math.hypot(f, g)
    if rho < _TINY:
        fs = f * _UP
        gs = g * _UP
        rho = math.hypot(fs, gs)
        return abs(fs) / rho, math.copysign(1.0, fs) * gs / rho, math.copysign(rho, f) * _DOWN
    c = abs(f) / rho
    s = math.copysign(1.0, f) * g / rho
    return c, s, math.copysign(rho, f)


@kernel
def las2(f, g, h):
    """Singular values of the upper triangular ``[[f, g], [0, h]]`` (xLAS2).

    Both are computed to high relative accuracy (Demmel & Kahan 1990, sec. 3):
    the smaller one as ``|f h| / sigma_max`` through ratios that never square a
    large entry.

    Returns
    -------
    ssmin, ssmax : float
        ``ssmin <= ssmax``, both non-negative.
    """
    fa = abs(f)
    ga = abs(g)
    ha = abs(h)
    lo = min(fa, ha)
    hi = max(fa, ha)
    if lo == 0.0:
        if hi == 0.0:
            return 0.0, ga
        return 0.0, math.hypot(hi, ga)
    if ga < hi:
        # sigma_max / hi = (sqrt(p^2 + q^2) + sqrt(r^2 + q^2)) / 2 with
        # p = 1 + lo/hi, r = 1 - lo/hi, q = g/hi; sigma_min = lo hi / sigma_max
        p = 1.0 + lo / hi
        r = (hi - lo) / hi
        q = (ga / hi) ** 2
        c = 2.0 / (math.sqrt(p * p + q) + math.sqrt(r * r + q))
        return lo * c, hi / c
    # g dominates: scale by g instead so that (hi / g) cannot overflow when squared
    q = hi / ga
    if q == 0.0:
        # hi is negligible beside g (ratio underflowed)
        return (lo * hi) / ga, ga
    p = 1.0 + lo / hi
    r = (hi - lo) / hi
    c = 1.0 / (math.sqrt(1.0 + (p * q) ** 2) + math.sqrt(1.0 + (r * q) ** 2))
    return 2.0 * (lo * c) * q, ga / (2.0 * c)


@kernel
def lasv2(f, g, h):
    """SVD of the upper triangular ``[[f, g], [0, h]]`` (xLASV2).

    Returns ``ssmin, ssmax, snr, csr, snl, csl`` with::

        [ csl  snl] [f  g] [csr  -snr]   [ssmax    0 ]
        [-snl  csl] [0  h] [snr   csr] = [  0   ssmin]

    ``|ssmax| >= |ssmin|``; the signs of ``ssmax`` and ``ssmin`` make the
    identity hold (their product has the sign of ``f h``).  Demmel & Kahan
    1990, sec. 3: the larger diagonal entry is moved to ``f`` so that every
    quantity below is a ratio bounded by one, which gives the singular values
    to high relative accuracy and the vectors to high absolute accuracy.
    """
    eps = np.finfo(np.float64).eps
    ft = f
    fa = abs(f)
    ht = h
    ha = abs(h)
    # which entry has the largest magnitude: 1 = f, 2 = g, 3 = h
    pmax = 1
    swap = ha > fa
    if swap:
        pmax = 3
        ft, ht = ht, ft
        fa, ha = ha, fa
    gt = g
    ga = abs(g)
    if ga == 0.0:
        # already diagonal
        ssmin = ha
        ssmax = fa
        clt = 1.0
        crt = 1.0
        slt = 0.0
        srt = 0.0
    else:
        general = True
        if ga > fa:
            pmax = 2
            if fa / ga < eps:
                # g is so large that the singular values are g and f h / g
                general = False
                ssmax = ga
                if ha > 1.0:
                    ssmin = fa / (ga / ha)
                else:
                    ssmin = (fa / ga) * ha
                clt = 1.0
                slt = ht / gt
                srt = 1.0
                crt = ft / gt
        if general:
            dd = fa - ha
            # l = (|f| - |h|) / |f| in [0, 1], computed exactly when |h| << |f|
            ll = 1.0 if dd == fa else dd / fa
            mm = gt / ft
            tt = 2.0 - ll
            mm2 = mm * mm
            s = math.sqrt(tt * tt + mm2)
            r = abs(mm) if ll == 0.0 else math.sqrt(ll * ll + mm2)
            a = 0.5 * (s + r)
            ssmin = ha / a
            ssmax = fa * a
            if mm2 == 0.0:
                # m underflowed: the rotation angle follows from the signs alone
                if ll == 0.0:
                    tt = math.copysign(2.0, ft) * math.copysign(1.0, gt)
                else:
                    tt = gt / math.copysign(dd, ft) + mm / tt
            else:
                tt = (mm / (s + tt) + mm / (r + ll)) * (1.0 + a)
            ll = math.sqrt(tt * tt + 4.0)
            crt = 2.0 / ll
            srt = tt / ll
            clt = (crt + srt * mm) / a
            slt = (ht / ft) * srt / a
    if swap:
        csl = srt
        snl = crt
        csr = slt
        snr = clt
    else:
        csl = clt
        snl = slt
        csr = crt
        snr = srt
    # signs: the product of the rotations' determinants and the entry that set the scale
    if pmax == 1:
        tsign = math.copysign(1.0, csr) * math.copysign(1.0, csl) * math.copysign(1.0, f)
    elif pmax == 2:
        tsign = math.copysign(1.0, snr) * math.copysign(1.0, csl) * math.copysign(1.0, g)
    else:
        tsign = math.copysign(1.0, snr) * math.copysign(1.0, snl) * math.copysign(1.0, h)
    ssmax = math.copysign(ssmax, tsign)
    ssmin = math.copysign(ssmin, tsign * math.copysign(1.0, f) * math.copysign(1.0, h))
    return ssmin, ssmax, snr, csr, snl, csl
