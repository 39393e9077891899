"""SVD of an upper bidiagonal matrix by implicit-shift QR with Givens chasing (xBDSQR).

Demmel & Kahan, "Accurate singular values of bidiagonal matrices", SIAM J. Sci.
Stat. Comput. 11 (1990) (LAWN 3).  Each sweep chases a bulge down (or up) the
bidiagonal with plane rotations; the shift comes from the trailing (or leading)
2x2 block, and when a shift would spoil relative accuracy the zero-shift sweep
of sec. 3 is used instead.  The convergence tests of sec. 4 (criterion 1 and
the recurrences for a lower bound on the smallest singular value) make every
singular value, not just the large ones, accurate to a few ulps relative to
itself.

Vectors.  A sweep touches ``O(n)`` numbers of the bidiagonal but ``O(n p)`` of
the vectors; LAPACK applies each sweep's rotations to the whole of ``U`` and
``V`` at once, streaming the matrices through memory once per sweep.  Here the
rotations are only recorded while the bidiagonal is iterated; when the buffer
is full they are applied to column blocks of ``Ut`` and ``Vt`` that stay in the
cache for all buffered rotations, the blocks in parallel (Van Zee, van de
Geijn & Quintana-Orti, "Restructuring the tridiagonal and bidiagonal QR
algorithms for performance", ACM TOMS 40 (2014)).  The rotations commute with
nothing, so their order is kept; only the loop order over the vectors changes.

Rotation convention used throughout: ``rot(k, c, s)`` on a pair of lines
``x = line k``, ``y = line k + 1`` gives ``x' = c x + s y``, ``y' = c y - s x``.
A rotation of rows of ``B`` is applied the same way to rows of ``Ut``, a
rotation of columns of ``B`` the same way to rows of ``Vt``, which keeps the
invariant ``B_0 = Ut^T B Vt`` (with ``Ut``, ``Vt`` the accumulated factors).
"""
import math

import numpy as np
from numba import prange

from .._jit import kernel, parallel_kernel
from .small import lartg, las2, lasv2

#: Maximum QR sweeps per singular value, as in LAPACK (MAXITR = 6); the total
#: number of inner steps is capped at ``MAXITR * n * n``.
MAXITR = 6
#: Relative precision asked of each singular value, in units of eps (LAWN 3,
#: sec. 4).  LAPACK takes eps**(-1/8), 90 in double, and it shows: on 5 x 3
#: random matrices its backward error reaches 25 eps ||A||.  Each e_j the
#: criterion sets to zero perturbs B by up to TOLMUL eps ||B||, a floor on the
#: backward error that does not shrink with n.  Measured on 400 random 3 x 3
#: bidiagonals (worst backward error in units of n eps): TOLMUL = 90.5 -> 14.6,
#: 10 -> 2.3, 4 -> 1.8, 2 -> 1.6, while 1 fails to converge on 1% of them
#: (rounding keeps e_j near eps |d_j|).  4 keeps a margin from that cliff.
TOLMUL = 4.0
#: columns of Ut/Vt per cache block: 48 rows... of n doubles stay in the 512 KB L2
#: for n up to ~1300 (measured on the 2-core EPYC, benchmarks/bench_dense.py).
ROT_BLOCK = 48


@kernel
def _rotate_block(X, c0, c1, ks, cs, ss, nrot):
    """Apply rotations ``0 .. nrot-1`` in order to columns ``c0:c1`` of ``X``'s rows."""
    for r in range(nrot):
        k = ks[r]
        c = cs[r]
        s = ss[r]
        x = X[k, c0:c1]
        y = X[k + 1, c0:c1]
        for j in range(c1 - c0):
            t = x[j]
            x[j] = c * t + s * y[j]
            y[j] = c * y[j] - s * t


@parallel_kernel
def _rotate_parallel(X, ks, cs, ss, nrot, block):
    p = X.shape[1]
    nblocks = (p + block - 1) // block
    for b in prange(nblocks):
        _rotate_block(X, b * block, min(p, (b + 1) * block), ks, cs, ss, nrot)


@kernel
def apply_rotations(X, ks, cs, ss, nrot, block=ROT_BLOCK):
    """Apply the recorded rotations to the rows of ``X`` (xLASR, pivot 'V'), in
    cache-sized column blocks; in parallel when there is enough work.
    """
    p = X.shape[1]
    if nrot == 0 or p == 0:
        return
    if p <= block or nrot * p < 200000:
        _rotate_block(X, 0, p, ks, cs, ss, nrot)
    else:
        _rotate_parallel(X, ks, cs, ss, nrot, block)


@kernel
def _record(buf_k, buf_c, buf_s, count, k, c, s):
    buf_k[count] = k
    buf_c[count] = c
    buf_s[count] = s
    return count + 1


@kernel
def chase_shifted(d, e, lo, hi, shift, rk, rc, rs, nr, lk, lc, ls, nl, flip, base):
    """One implicit-shift QR sweep down ``d[lo:hi+1], e[lo:hi]`` (Golub & Kahan).

    Right rotations are appended to ``(rk, rc, rs)``, left ones to ``(lk, lc,
    ls)``; with ``flip`` set the sweep runs on a reversed copy (see
    :func:`_sweep`) and the rotations are mapped back to the original indices
    ``base - k`` with their sines negated.  Returns the new buffer lengths.
    """
    sgn = -1.0 if flip else 1.0
    f = (abs(d[lo]) - shift) * (math.copysign(1.0, d[lo]) + shift / d[lo])
    g = e[lo]
    for i in range(lo, hi):
        c, s, r = lartg(f, g)
        if i > lo:
            e[i - 1] = r
        f = c * d[i] + s * e[i]
        e[i] = c * e[i] - s * d[i]
        g = s * d[i + 1]
        d[i + 1] = c * d[i + 1]
        if flip:
            nl = _record(lk, lc, ls, nl, base - i, c, sgn * s)
        else:
            nr = _record(rk, rc, rs, nr, i, c, s)
        c, s, r = lartg(f, g)
        d[i] = r
        f = c * e[i] + s * d[i + 1]
        d[i + 1] = c * d[i + 1] - s * e[i]
        if i < hi - 1:
            g = s * e[i + 1]
            e[i + 1] = c * e[i + 1]
        if flip:
            nr = _record(rk, rc, rs, nr, base - i, c, sgn * s)
        else:
            nl = _record(lk, lc, ls, nl, i, c, s)
    e[hi - 1] = f
    return nr, nl


@kernel
def chase_zero_shift(d, e, lo, hi, rk, rc, rs, nr, lk, lc, ls, nl, flip, base):
    """One zero-shift QR sweep down ``d[lo:hi+1], e[lo:hi]`` (Demmel & Kahan, sec. 3).

    With a zero shift every rotation is computed from products and quotients
    only, no differences, so tiny singular values keep their relative accuracy.
    Same buffer and ``flip`` conventions as :func:`chase_shifted`.
    """
    sgn = -1.0 if flip else 1.0
    cs = 1.0
    oldcs = 1.0
    oldsn = 0.0
    for i in range(lo, hi):
        cs, sn, r = lartg(d[i] * cs, e[i])
        if i > lo:
            e[i - 1] = oldsn * r
        oldcs, oldsn, d[i] = lartg(oldcs * r, d[i + 1] * sn)
        if flip:
            nl = _record(lk, lc, ls, nl, base - i, cs, sgn * sn)
            nr = _record(rk, rc, rs, nr, base - i, oldcs, sgn * oldsn)
        else:
            nr = _record(rk, rc, rs, nr, i, cs, sn)
            nl = _record(lk, lc, ls, nl, i, oldcs, oldsn)
    h = d[hi] * cs
    d[hi] = h * oldcs
    e[hi - 1] = h * oldsn
    return nr, nl


@kernel
def _reverse_block(d, e, lo, hi, rd, re):
    """``rd, re`` <- the block ``lo..hi`` of ``J B^T J`` (an upper bidiagonal again)."""
    p = hi - lo + 1
    for i in range(p):
        rd[i] = d[hi - i]
    for i in range(p - 1):
        re[i] = e[hi - 1 - i]


@kernel
def _unreverse_block(d, e, lo, hi, rd, re):
    p = hi - lo + 1
    for i in range(p):
        d[hi - i] = rd[i]
    for i in range(p - 1):
        e[hi - 1 - i] = re[i]


@kernel
def _lower_bound_forward(d, e, lo, hi, tol):
    """Demmel-Kahan sec. 4 recurrence, top to bottom: returns ``(split, smin)``.

    ``mu_j`` is a lower bound on the smallest singular value of the leading
    ``j x j`` block; an ``e_j`` with ``|e_j| <= tol mu_j`` can be set to zero
    without changing any singular value by more than a relative ``tol``
    (criterion 1).  ``split`` is that ``j`` or ``-1``.
    """
    mu = abs(d[lo])
    smin = mu
    for j in range(lo, hi):
        if abs(e[j]) <= tol * mu:
            return j, smin
        mu = abs(d[j + 1]) * (mu / (mu + abs(e[j])))
        smin = min(smin, mu)
    return -1, smin


@kernel
def _lower_bound_backward(d, e, lo, hi, tol):
    """The same recurrence bottom to top (for sweeps that chase upwards)."""
    mu = abs(d[hi])
    smin = mu
    for j in range(hi - 1, lo - 1, -1):
        if abs(e[j]) <= tol * mu:
            return j, smin
        mu = abs(d[j]) * (mu / (mu + abs(e[j])))
        smin = min(smin, mu)
    return -1, smin


@kernel
def bdsqr(d, e, Ut, Vt, maxitr=MAXITR, block=ROT_BLOCK, tolmul=TOLMUL):
    """Singular values (and vectors) of the upper bidiagonal ``B = bidiag(d, e)`` (xBDSQR).

    Parameters
    ----------
    d : (n,) array, overwritten with the singular values, descending, >= 0.
    e : (n-1,) or longer array, overwritten (destroyed).
    Ut : (n, p) array; its rows are rotated as the rows of ``B`` are.  With
        ``Ut = I`` on entry, ``B = Ut^T diag(d) Vt`` on exit.  ``p = 0`` for none.
    Vt : (n, q) array; its rows are rotated as the columns of ``B`` are.

    Returns
    -------
    info : int
        0 on success; otherwise the number of superdiagonal entries that did not
        converge within ``maxitr * n * n`` inner steps (``d`` then holds a
        matrix orthogonally equivalent to ``B``, as in LAPACK).
    """
    n = d.size
    if n == 0:
        return 0
    want_u = Ut.shape[1] > 0
    want_v = Vt.shape[1] > 0
    want = want_u or want_v
    # Step 0: scale by a power of two (exact) so that the largest entry is in
    # [0.5, 1): entries near the underflow threshold would otherwise lose
    # relative accuracy in products like sin * d that fall below it, and
    # entries near overflow could overflow in the shift computation.
    status, expo = _scale_bidiagonal(d, e)
    if status == _HAS_NON_FINITE:
        # NaN or Inf: no convergence test can pass, so say so at once
        d[:] = np.nan
        return n
    if status == _ALL_ZERO:
        sort_descending(d, Ut, Vt)
        return 0
    finfo = np.finfo(d.dtype)
    eps = float(finfo.eps)
    unfl = float(finfo.tiny)
    tol = tolmul * eps
    thresh = _negligible(d, e, tol, maxitr, unfl)
    # rotation buffers: the sweeps of about 8n inner steps between flushes
    cap = max(8 * n, 64) if want else 0
    rk = np.empty(cap + 2 * n, np.int64)
    rc = np.empty(cap + 2 * n, d.dtype)
    rs = np.empty(cap + 2 * n, d.dtype)
    lk = np.empty(cap + 2 * n, np.int64)
    lc = np.empty(cap + 2 * n, d.dtype)
    ls = np.empty(cap + 2 * n, d.dtype)
    nr = 0
    nl = 0
    rd = np.empty(n, d.dtype)
    re = np.empty(n, d.dtype)
    max_steps = maxitr * n * n
    steps = 0
    hi = n - 1
    old_lo = -1
    old_hi = -1
    direction = 0
    info = 0
    while hi > 0:
        if steps > max_steps:
            for i in range(hi):
                if e[i] != 0.0:
                    info += 1
            break
        # Step 1: find the bottom unreduced block lo..hi (e[lo-1] negligible)
        lo = 0
        for j in range(hi - 1, -1, -1):
            if abs(e[j]) <= thresh:
                e[j] = 0.0
                lo = j + 1
                break
        if lo == hi:
            # d[hi] has split off
            hi -= 1
            continue
        # Step 2: a 2x2 block is finished in closed form
        if lo == hi - 1:
            smin, smax, snr, csr, snl, csl = lasv2(d[lo], e[lo], d[hi])
            d[lo] = smax
            e[lo] = 0.0
            d[hi] = smin
            if want:
                nr = _record(rk, rc, rs, nr, lo, csr, snr)
                nl = _record(lk, lc, ls, nl, lo, csl, snl)
            hi -= 2
            continue
        # Step 3: on a new block, chase from the larger end of the diagonal
        if lo > old_hi or hi < old_lo:
            direction = 1 if abs(d[lo]) >= abs(d[hi]) else 2
        # Step 4: convergence tests (criterion 1 and the lower bound smin)
        if direction == 1:
            if abs(e[hi - 1]) <= tol * abs(d[hi]):
                e[hi - 1] = 0.0
                continue
            split, smin = _lower_bound_forward(d, e, lo, hi, tol)
        else:
            if abs(e[lo]) <= tol * abs(d[lo]):
                e[lo] = 0.0
                continue
            split, smin = _lower_bound_backward(d, e, lo, hi, tol)
        if split >= 0:
            e[split] = 0.0
            continue
        old_lo = lo
        old_hi = hi
        # Step 5: the shift
        shift = _shift(d, e, lo, hi, direction, smin, n * tol, eps, tol)
        steps += hi - lo
        # Step 6: one sweep
        nr, nl = _sweep(d, e, lo, hi, direction, shift, thresh, rk, rc, rs, nr, lk, lc, ls, nl,
                        rd, re)
        if not want:
            # values only: the sweeps recorded their rotations, nobody needs them
            nr = 0
            nl = 0
        elif max(nr, nl) >= cap:
            if want_v:
                apply_rotations(Vt, rk, rc, rs, nr, block)
            if want_u:
                apply_rotations(Ut, lk, lc, ls, nl, block)
            nr = 0
            nl = 0
    if want_v:
        apply_rotations(Vt, rk, rc, rs, nr, block)
    if want_u:
        apply_rotations(Ut, lk, lc, ls, nl, block)
    # Step 7: undo the scaling, make the singular values non-negative (sign
    # into Vt) and sort them
    for i in range(n):
        d[i] = math.ldexp(d[i], expo)
        if d[i] < 0.0:
            d[i] = -d[i]
            for j in range(Vt.shape[1]):
                Vt[i, j] = -Vt[i, j]
    sort_descending(d, Ut, Vt)
    return info


#: what :func:`_scale_bidiagonal` found besides a scalable bidiagonal
_HAS_NON_FINITE = -1
_ALL_ZERO = 1


@kernel
def _scale_bidiagonal(d, e):
    """Scale ``(d, e)`` by ``2^-expo`` so the largest entry lies in [0.5, 1) (ldexp per
    entry: the factor itself may not be representable).  Returns ``(0, expo)``, or
    ``(_HAS_NON_FINITE, 0)`` / ``(_ALL_ZERO, 0)`` without scaling."""
    n = d.size
    amax = 0.0
    finite = True
    for i in range(n):
        amax = max(amax, abs(d[i]))
        finite = finite and math.isfinite(d[i])
    for i in range(n - 1):
        amax = max(amax, abs(e[i]))
        finite = finite and math.isfinite(e[i])
    if not finite:
        return _HAS_NON_FINITE, 0
    if amax == 0.0:
        return _ALL_ZERO, 0
    _, expo = math.frexp(amax)
    for i in range(n):
        d[i] = math.ldexp(d[i], -expo)
    for i in range(n - 1):
        e[i] = math.ldexp(e[i], -expo)
    return 0, expo


@kernel
def _negligible(d, e, tol, maxitr, unfl):
    """xBDSQR's absolute threshold below which an off-diagonal entry is negligible
    for every singular value at once: ``tol`` times a lower bound on ``sigma_min``
    over ``sqrt(n)`` (Demmel & Kahan 1990, sec. 5), or an underflow floor."""
    n = d.size
    if n <= 1:
        return 0.0
    smin_est = abs(d[0])
    if smin_est != 0.0:
        mu = smin_est
        for i in range(1, n):
            mu = abs(d[i]) * (mu / (mu + abs(e[i - 1])))
            smin_est = min(smin_est, mu)
            if smin_est == 0.0:
                break
    smin_est /= math.sqrt(n)
    return max(tol * smin_est, maxitr * (n * (n * unfl)))


@kernel
def _shift(d, e, lo, hi, direction, smin, ntol, eps, tol):
    """The shift of the next sweep on block ``lo..hi`` (xBDSQR): the smaller
    singular value of the trailing (or, chasing upward, leading) 2 x 2, or zero
    if it would be negligible anyway or would destroy the relative accuracy of
    the smallest singular value."""
    smax = 0.0
    for j in range(lo, hi + 1):
        smax = max(smax, abs(d[j]))
    for j in range(lo, hi):
        smax = max(smax, abs(e[j]))
    if ntol * (smin / smax) <= max(eps, 0.01 * tol):
        return 0.0
    if direction == 1:
        sll = abs(d[lo])
        shift, _ = las2(d[hi - 1], e[hi - 1], d[hi])
    else:
        sll = abs(d[hi])
        shift, _ = las2(d[lo], e[lo], d[lo + 1])
    if sll > 0.0 and (shift / sll) ** 2 < eps:
        return 0.0
    return shift


@kernel
def _sweep(d, e, lo, hi, direction, shift, thresh, rk, rc, rs, nr, lk, lc, ls, nl, rd, re):
    """One chase over block ``lo..hi``, recording its rotations; upward sweeps
    (``direction == 2``) run downward on ``J B^T J``.  Returns the record counts."""
    if direction == 1:
        if shift == 0.0:
            nr, nl = chase_zero_shift(d, e, lo, hi, rk, rc, rs, nr, lk, lc, ls, nl, False, 0)
        else:
            nr, nl = chase_shifted(d, e, lo, hi, shift, rk, rc, rs, nr, lk, lc, ls, nl,
                                   False, 0)
        if abs(e[hi - 1]) <= thresh:
            e[hi - 1] = 0.0
        return nr, nl
    p = hi - lo + 1
    _reverse_block(d, e, lo, hi, rd, re)
    # reversed index i stands for the rotation plane (hi - 1 - i, hi - i)
    if shift == 0.0:
        nr, nl = chase_zero_shift(rd, re, 0, p - 1, rk, rc, rs, nr, lk, lc, ls, nl, True, hi - 1)
    else:
        nr, nl = chase_shifted(rd, re, 0, p - 1, shift, rk, rc, rs, nr, lk, lc, ls, nl,
                               True, hi - 1)
    _unreverse_block(d, e, lo, hi, rd, re)
    if abs(e[lo]) <= thresh:
        e[lo] = 0.0
    return nr, nl


@kernel
def sort_descending(d, Ut, Vt):
    """Sort ``d`` descending, permuting the rows of ``Ut`` and ``Vt`` alike.

    Selection sort, as in LAPACK: at most ``n - 1`` row swaps, each ``O(p)``,
    which is cheaper than permuting via a copy when the order is nearly right.
    """
    n = d.size
    for i in range(n - 1):
        best = i
        for j in range(i + 1, n):
            if d[j] > d[best]:
                best = j
        if best != i:
            d[i], d[best] = d[best], d[i]
            for j in range(Ut.shape[1]):
                Ut[i, j], Ut[best, j] = Ut[best, j], Ut[i, j]
            for j in range(Vt.shape[1]):
                Vt[i, j], Vt[best, j] = Vt[best, j], Vt[i, j]
