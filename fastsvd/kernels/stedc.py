"""Eigenvalues and eigenvectors of a symmetric tridiagonal matrix: divide and conquer
(LAPACK xSTEDC / xLAED0-xLAED4) with implicit QL/QR (xSTEQR) for the leaves and
as the fallback.

``T`` has diagonal ``d`` (``n``) and off-diagonal ``e`` (``n - 1``).  Eigenvectors
are kept as the rows of ``Zt`` (``T = Zt^T diag(d) Zt``): a Givens rotation or a
permutation then moves contiguous rows, as a column of LAPACK's column-major
``Z`` is contiguous, and the dense driver applies ``Q^T`` of the reduction to
those rows from the right.

Divide and conquer (Cuppen 1981; Gu & Eisenstat, "A divide-and-conquer
algorithm for the symmetric tridiagonal eigenproblem", SIAM J. Matrix Anal.
Appl. 16 (1995)).  Tearing ``T`` at ``e_k``,

    T = diag(T_1, T_2) + rho u u^T,   u = e_k + sign(e_k) e_{k+1},  rho = |e_k|,

(``T_1``'s last and ``T_2``'s first diagonal entries lose ``rho``), the halves
are solved recursively, and ``T = Q (D + rho z z^T) Q^T`` with
``Q = diag(Q_1, Q_2)`` and ``z = Q^T u``.  The eigenvalues of ``D + rho z z^T``
are the roots of the secular equation

    f(lam) = 1/rho + sum_j z_j^2 / (d_j - lam) = 0,

one in each ``(d_j, d_{j+1})`` and the last in ``(d_{K-1}, d_{K-1} + rho ||z||^2)``
once small ``z_j`` and close ``d_j`` are deflated (xLAED2).  Each root is kept as
``d_o + tau`` from its nearer pole so that every ``d_j - lam`` is formed without
cancellation, and ``z`` is recomputed by Lowner's formula from the computed roots
before forming the eigenvectors, which makes them orthogonal to working
precision (Gu & Eisenstat 1995, sec. 3).  The new eigenvectors are the old ones
times the secular problem's: two matrix products (one per half), level 3.

Every iteration has a cap; kernels return a status (:data:`OK`,
:data:`NO_CONVERGENCE`, :data:`NOT_FINITE`) and never raise.
"""
import math

import numpy as np

from .._jit import kernel
from .bdsdc import rotate_rows
from .blas import gemm
from .secular import rational_step

#: order of a leaf of the recursion, solved by QL/QR (xSTEDC's SMLSIZ from ILAENV is 25)
LEAF_SIZE = 25
#: iteration cap of one secular root: the safeguarded rational iteration needs
#: 3-7 evaluations, and its bisection fallback at most ~60 to halve a bracket
#: of width <= 2 ||T|| down to the rounding level of float64
SECULAR_MAXITER = 80
#: QL/QR sweeps allowed per eigenvalue, LAPACK xSTEQR's MAXIT (30 n in all)
STEQR_MAXIT = 30

#: status codes
OK = 0
NO_CONVERGENCE = 1
NOT_FINITE = 2


@kernel
def unit_roundoff(x):
    """Unit roundoff of ``x``'s dtype: 2^-53 (float64) or 2^-24 (float32)."""
    return 2.0 ** -53 if x.itemsize == 8 else 2.0 ** -24


@kernel
def tridiagonal_is_finite(d, e):
    """True if every entry of ``(d, e)`` is finite."""
    for i in range(d.size):
        if not np.isfinite(d[i]):
            return False
    for i in range(e.size):
        if not np.isfinite(e[i]):
            return False
    return True


@kernel
def givens(f, g):
    """``(c, s, r)`` with ``[c s; -s c] [f; g] = [r; 0]`` and ``c >= 0`` (xLARTG)."""
    if g == 0.0:
        return 1.0, 0.0, f
    if f == 0.0:
        return 0.0, 1.0, g
    r = math.copysign(math.hypot(f, g), f)
    return f / r, g / r, r


@kernel
def sym2x2_eig(a, b, c):
    """Eigen-decomposition of ``[[a, b], [b, c]]`` (xLAEV2): ``(rt1, rt2, cs, sn)``
    with ``|rt1| >= |rt2|``, ``(cs, sn)`` the unit eigenvector of ``rt1`` and
    ``(-sn, cs)`` that of ``rt2``.

    ``rt1 = (a + c +- hypot(a - c, 2b)) / 2`` takes the sign of ``a + c`` (no
    cancellation) and ``rt2 = (a c - b^2) / rt1`` is formed as
    ``(max/rt1) min - (b/rt1) b``.  The eigenvector of the larger eigenvalue
    ``(a + c + rt) / 2`` is read from whichever row of ``T - lam I`` has no
    cancellation: ``(a - c + rt, 2b)`` if ``a >= c``, else ``(2b, rt - (a - c))``.
    """
    sm = a + c
    df = a - c
    rt = math.hypot(df, 2.0 * b)
    if abs(a) > abs(c):
        acmx = a
        acmn = c
    else:
        acmx = c
        acmn = a
    if sm > 0.0:
        rt1 = 0.5 * (sm + rt)
        rt2 = (acmx / rt1) * acmn - (b / rt1) * b
    elif sm < 0.0:
        rt1 = 0.5 * (sm - rt)
        rt2 = (acmx / rt1) * acmn - (b / rt1) * b
    else:
        rt1 = 0.5 * rt
        rt2 = -0.5 * rt
    # eigenvector of the algebraically larger eigenvalue (sm + rt) / 2
    if df >= 0.0:
        x = df + rt
        y = 2.0 * b
    else:
        x = 2.0 * b
        y = rt - df
    h = math.hypot(x, y)
    if h == 0.0:
        x = 1.0
        y = 0.0
    else:
        x /= h
        y /= h
    if sm < 0.0:
        # rt1 is the smaller eigenvalue: its vector is the perpendicular one
        return rt1, rt2, -y, x
    return rt1, rt2, x, y


@kernel
def rotate_pair(Zt, i, c, s):
    """Rows ``i, i+1`` of ``Zt``: ``(z_i, z_{i+1}) <- (c z_i + s z_{i+1}, -s z_i + c z_{i+1})``.

    Rotating the basis vectors ``i, i+1`` of the eigenvector matrix (xLASR on
    two columns of a column-major ``Z``).
    """
    a = Zt[i]
    b = Zt[i + 1]
    for t in range(a.size):
        x = a[t]
        y = b[t]
        a[t] = c * x + s * y
        b[t] = c * y - s * x


@kernel
def sort_ascending(d, Zt, vectors):
    """Sort ``d`` ascending, permuting the rows of ``Zt`` with it (skipped when sorted)."""
    n = d.size
    ordered = True
    for i in range(n - 1):
        if d[i] > d[i + 1]:
            ordered = False
            break
    if ordered:
        return
    perm = np.argsort(d, kind="mergesort")
    d[:] = d[perm].copy()
    if vectors:
        Zt[:, :] = Zt[perm].copy()


@kernel
def ql_sweep(d, e, l, m, Zt, vectors):
    """One implicit QL step with Wilkinson's shift on the block ``l .. m`` (xSTEQR).

    The bulge is chased from the bottom (row ``m``) up to ``l``; each Givens
    rotation also rotates rows ``i, i+1`` of ``Zt``.
    """
    g = (d[l + 1] - d[l]) / (2.0 * e[l])
    r = math.hypot(g, 1.0)
    g = d[m] - d[l] + e[l] / (g + math.copysign(r, g))
    s = 1.0
    c = 1.0
    p = 0.0
    for i in range(m - 1, l - 1, -1):
        f = s * e[i]
        b = c * e[i]
        c, s, r = givens(g, f)
        if i != m - 1:
            e[i + 1] = r
        g = d[i + 1] - p
        r = (d[i] - g) * s + 2.0 * c * b
        p = s * r
        d[i + 1] = g + p
        g = c * r - b
        if vectors:
            # new z_{i+1} = c z_{i+1} + s z_i, new z_i = c z_i - s z_{i+1}
            rotate_pair(Zt, i, c, -s)
    d[l] -= p
    e[l] = g


@kernel
def qr_sweep(d, e, l, m, Zt, vectors):
    """One implicit QR step with Wilkinson's shift on the block ``m .. l``, ``m < l``
    (xSTEQR): the mirror image of :func:`ql_sweep`, chasing from the top down."""
    g = (d[l - 1] - d[l]) / (2.0 * e[l - 1])
    r = math.hypot(g, 1.0)
    g = d[m] - d[l] + e[l - 1] / (g + math.copysign(r, g))
    s = 1.0
    c = 1.0
    p = 0.0
    for i in range(m, l):
        f = s * e[i]
        b = c * e[i]
        c, s, r = givens(g, f)
        if i != m:
            e[i - 1] = r
        g = d[i] - p
        r = (d[i + 1] - g) * s + 2.0 * c * b
        p = s * r
        d[i] = g + p
        g = c * r - b
        if vectors:
            rotate_pair(Zt, i, c, s)
    d[l] -= p
    e[l - 1] = g


@kernel
def steqr(d, e, Zt, vectors, maxit=STEQR_MAXIT):
    """Eigen-decomposition of the symmetric tridiagonal ``(d, e)`` by implicit QL/QR
    (LAPACK xSTEQR).

    On exit ``d`` holds the eigenvalues ascending and, with ``vectors``, the rows
    of ``Zt`` have been rotated along (start from the identity to get ``T``'s
    eigenvectors as rows; start from ``Q^T`` to get ``Q``'s product).  ``e`` is
    destroyed.  Returns :data:`OK`, :data:`NO_CONVERGENCE` after ``maxit * n``
    sweeps, or :data:`NOT_FINITE`.

    Steps, per unreduced block (an ``e_m`` below ``eps sqrt(|d_m d_{m+1}|)``
    splits ``T``):

    1. scale the block by a power of two into ``[sqrt(safmin)/eps^2,
       sqrt(safmax)/3]`` if it lies outside (xSTEQR's SSFMIN/SSFMAX), so that
       the squares in the shift and the splitting test cannot over/underflow;
    2. QL if the block's last diagonal entry is the smaller in magnitude, else
       QR, so a graded block is chased from its large end (xSTEQR);
    3. deflate converged ends, 2 x 2 ends in closed form (:func:`sym2x2_eig`),
       otherwise one shifted sweep;
    4. undo the scaling; finally sort.
    """
    n = d.size
    if not tridiagonal_is_finite(d, e):
        d[:] = np.nan
        return NOT_FINITE
    if n <= 1:
        return OK
    eps = unit_roundoff(d)
    eps2 = eps * eps
    safmin = float(np.finfo(d.dtype).tiny)
    ssfmax = math.sqrt(1.0 / safmin) / 3.0
    ssfmin = math.sqrt(safmin) / eps2
    nmaxit = n * maxit
    jtot = 0
    failed = False
    info = OK
    l1 = 0
    while l1 < n:
        if l1 > 0:
            e[l1 - 1] = 0.0
        m = l1
        while m < n - 1:
            tst = abs(e[m])
            if tst == 0.0:
                break
            if tst <= math.sqrt(abs(d[m])) * math.sqrt(abs(d[m + 1])) * eps:
                e[m] = 0.0
                break
            m += 1
        l = l1
        lsv = l
        lend = m
        lendsv = lend
        l1 = m + 1
        if lend == l:
            continue
        # 1. scale
        anorm = 0.0
        for i in range(l, lend + 1):
            anorm = max(anorm, abs(d[i]))
        for i in range(l, lend):
            anorm = max(anorm, abs(e[i]))
        if anorm == 0.0:
            continue
        shift = 0
        if anorm > ssfmax:
            shift = math.frexp(ssfmax)[1] - math.frexp(anorm)[1] - 1
        elif anorm < ssfmin:
            shift = math.frexp(ssfmin)[1] - math.frexp(anorm)[1] + 1
        if shift != 0:
            for i in range(l, lend + 1):
                d[i] = math.ldexp(d[i], shift)
            for i in range(l, lend):
                e[i] = math.ldexp(e[i], shift)
        # 2. direction
        if abs(d[lend]) < abs(d[l]):
            lend = lsv
            l = lendsv
        if lend > l:
            # QL: eigenvalues converge at the top (row l)
            while l <= lend:
                m = l
                while m < lend:
                    tst = e[m] * e[m]
                    if tst <= (eps2 * abs(d[m])) * abs(d[m + 1]) + safmin:
                        break
                    m += 1
                if m < lend:
                    e[m] = 0.0
                if m == l:
                    l += 1
                    continue
                if m == l + 1:
                    rt1, rt2, c, s = sym2x2_eig(d[l], e[l], d[l + 1])
                    if vectors:
                        rotate_pair(Zt, l, c, s)
                    d[l] = rt1
                    d[l + 1] = rt2
                    e[l] = 0.0
                    l += 2
                    continue
                if jtot == nmaxit:
                    failed = True
                    break
                jtot += 1
                ql_sweep(d, e, l, m, Zt, vectors)
        else:
            # QR: eigenvalues converge at the bottom (row l)
            while l >= lend:
                m = l
                while m > lend:
                    tst = e[m - 1] * e[m - 1]
                    if tst <= (eps2 * abs(d[m])) * abs(d[m - 1]) + safmin:
                        break
                    m -= 1
                if m > lend:
                    e[m - 1] = 0.0
                if m == l:
                    l -= 1
                    continue
                if m == l - 1:
                    rt1, rt2, c, s = sym2x2_eig(d[l - 1], e[l - 1], d[l])
                    if vectors:
                        rotate_pair(Zt, l - 1, c, s)
                    d[l - 1] = rt1
                    d[l] = rt2
                    e[l - 1] = 0.0
                    l -= 2
                    continue
                if jtot == nmaxit:
                    failed = True
                    break
                jtot += 1
                qr_sweep(d, e, l, m, Zt, vectors)
        # 4. unscale
        if shift != 0:
            for i in range(lsv, lendsv + 1):
                d[i] = math.ldexp(d[i], -shift)
            for i in range(lsv, lendsv):
                e[i] = math.ldexp(e[i], -shift)
        if failed:
            info = NO_CONVERGENCE
            break
    if info == OK:
        sort_ascending(d, Zt, vectors)
    return info


@kernel
def sym2x2_values(a, b, c):
    """Eigenvalues ``(rt1, rt2)``, ``|rt1| >= |rt2|``, of ``[[a, b], [b, c]]`` (xLAE2)."""
    rt1, rt2, _, _ = sym2x2_eig(a, b, c)
    return rt1, rt2


@kernel
def pwk_ql_sweep(d, e2, l, m):
    """One root-free QL step on the block ``l .. m`` of ``(d, e^2)`` (xSTERF).

    Pal, Walker & Kahan's variant of the implicit QL step: it carries the
    squares ``e_i^2`` and ``c^2``, ``s^2`` of the rotations, so a step needs no
    square root besides the shift's (Parlett, The Symmetric Eigenvalue Problem,
    sec. 8.15).  Wilkinson's shift from the leading 2 x 2.
    """
    rte = math.sqrt(e2[l])
    p = d[l]
    sigma = (d[l + 1] - p) / (2.0 * rte)
    r = math.hypot(sigma, 1.0)
    sigma = p - rte / (sigma + math.copysign(r, sigma))
    c = 1.0
    s = 0.0
    gamma = d[m] - sigma
    p = gamma * gamma
    for i in range(m - 1, l - 1, -1):
        bb = e2[i]
        r = p + bb
        if i != m - 1:
            e2[i + 1] = s * r
        oldc = c
        c = p / r
        s = bb / r
        oldgam = gamma
        alpha = d[i]
        gamma = c * (alpha - sigma) - s * oldgam
        d[i + 1] = oldgam + (alpha - gamma)
        p = gamma * gamma / c if c != 0.0 else oldc * bb
    e2[l] = s * p
    d[l] = sigma + gamma


@kernel
def pwk_qr_sweep(d, e2, l, m):
    """The mirror image of :func:`pwk_ql_sweep` on the block ``m .. l``, ``m < l``,
    chasing from the top down (xSTERF's QR branch)."""
    rte = math.sqrt(e2[l - 1])
    p = d[l]
    sigma = (d[l - 1] - p) / (2.0 * rte)
    r = math.hypot(sigma, 1.0)
    sigma = p - rte / (sigma + math.copysign(r, sigma))
    c = 1.0
    s = 0.0
    gamma = d[m] - sigma
    p = gamma * gamma
    for i in range(m, l):
        bb = e2[i]
        r = p + bb
        if i != m:
            e2[i - 1] = s * r
        oldc = c
        c = p / r
        s = bb / r
        oldgam = gamma
        alpha = d[i + 1]
        gamma = c * (alpha - sigma) - s * oldgam
        d[i] = oldgam + (alpha - gamma)
        p = gamma * gamma / c if c != 0.0 else oldc * bb
    e2[l - 1] = s * p
    d[l] = sigma + gamma


@kernel
def sterf(d, e, maxit=STEQR_MAXIT):
    """Eigenvalues (ascending, in ``d``) of the symmetric tridiagonal ``(d, e)`` by the
    root-free QL/QR iteration (LAPACK xSTERF; Pal, Walker & Kahan).  ``e`` is
    destroyed.  O(n^2), about half the time of :func:`steqr` without vectors.

    The blocks are split, scaled and oriented as in :func:`steqr`; after
    scaling, ``e`` is replaced by its squares, which the sweeps update.  The
    float64 working copy keeps the squares of float32 data from underflowing.
    Returns :data:`OK`, :data:`NO_CONVERGENCE` or :data:`NOT_FINITE`.
    """
    n = d.size
    if not tridiagonal_is_finite(d, e):
        d[:] = np.nan
        return NOT_FINITE
    if n <= 1:
        return OK
    eps = unit_roundoff(d)
    eps2 = eps * eps
    safmin = float(np.finfo(d.dtype).tiny)
    ssfmax = math.sqrt(1.0 / safmin) / 3.0
    ssfmin = math.sqrt(safmin) / eps2
    w = np.empty(n)
    w[:] = d
    e2 = np.zeros(n)
    nmaxit = n * maxit
    jtot = 0
    failed = False
    l1 = 0
    while l1 < n:
        m = l1
        while m < n - 1:
            tst = abs(e[m])
            if tst == 0.0:
                break
            if tst <= math.sqrt(abs(w[m])) * math.sqrt(abs(w[m + 1])) * eps:
                e[m] = 0.0
                break
            m += 1
        l = l1
        lsv = l
        lend = m
        lendsv = lend
        l1 = m + 1
        if lend == l:
            continue
        anorm = 0.0
        for i in range(l, lend + 1):
            anorm = max(anorm, abs(w[i]))
        for i in range(l, lend):
            anorm = max(anorm, abs(e[i]))
        if anorm == 0.0:
            continue
        shift = 0
        if anorm > ssfmax:
            shift = math.frexp(ssfmax)[1] - math.frexp(anorm)[1] - 1
        elif anorm < ssfmin:
            shift = math.frexp(ssfmin)[1] - math.frexp(anorm)[1] + 1
        for i in range(l, lend + 1):
            w[i] = math.ldexp(w[i], shift)
        for i in range(l, lend):
            t = math.ldexp(np.float64(e[i]), shift)
            e2[i] = t * t
        if abs(w[lend]) < abs(w[l]):
            lend = lsv
            l = lendsv
        if lend > l:
            while l <= lend:
                m = l
                while m < lend:
                    if abs(e2[m]) <= (eps2 * abs(w[m])) * abs(w[m + 1]):
                        break
                    m += 1
                if m < lend:
                    e2[m] = 0.0
                if m == l:
                    l += 1
                    continue
                if m == l + 1:
                    rt1, rt2 = sym2x2_values(w[l], math.sqrt(e2[l]), w[l + 1])
                    w[l] = rt1
                    w[l + 1] = rt2
                    e2[l] = 0.0
                    l += 2
                    continue
                if jtot == nmaxit:
                    failed = True
                    break
                jtot += 1
                pwk_ql_sweep(w, e2, l, m)
        else:
            while l >= lend:
                m = l
                while m > lend:
                    if abs(e2[m - 1]) <= (eps2 * abs(w[m])) * abs(w[m - 1]):
                        break
                    m -= 1
                if m > lend:
                    e2[m - 1] = 0.0
                if m == l:
                    l -= 1
                    continue
                if m == l - 1:
                    rt1, rt2 = sym2x2_values(w[l], math.sqrt(e2[l - 1]), w[l - 1])
                    w[l] = rt1
                    w[l - 1] = rt2
                    e2[l - 1] = 0.0
                    l -= 2
                    continue
                if jtot == nmaxit:
                    failed = True
                    break
                jtot += 1
                pwk_qr_sweep(w, e2, l, m)
        for i in range(lsv, lendsv + 1):
            w[i] = math.ldexp(w[i], -shift)
        if failed:
            d[:] = np.nan
            return NO_CONVERGENCE
    w.sort()
    d[:] = w
    return OK


@kernel
def secular_terms_eig(d, z, K, split, o, tau):
    """``(psi, dpsi, phi, dphi)`` of ``f(lam) = 1/rho + psi + phi`` at ``lam = d[o] + tau``.

    ``psi`` sums ``z_j^2 / (d_j - lam)`` over ``j <= split``, ``phi`` over the
    others; ``dpsi``, ``dphi`` are their derivatives in ``lam``.  Each
    ``d_j - lam`` is formed as ``(d_j - d_o) - tau`` (xLAED4's DELTA).
    """
    do = d[o]
    psi = 0.0
    dpsi = 0.0
    phi = 0.0
    dphi = 0.0
    for j in range(split + 1):
        t = z[j] / ((d[j] - do) - tau)
        psi += z[j] * t
        dpsi += t * t
    for j in range(split + 1, K):
        t = z[j] / ((d[j] - do) - tau)
        phi += z[j] * t
        dphi += t * t
    return psi, dpsi, phi, dphi


@kernel
def secular_root_eig(d, z, K, i, rho, eps, max_iter):
    """Root ``i`` of ``1/rho + sum_j z_j^2/(d_j - lam) = 0`` as ``(o, tau, status)``
    with ``lam = d[o] + tau`` (LAPACK xLAED4).

    ``d[:K]`` strictly ascending, ``z[:K]`` non-zero, ``rho > 0``.

    1. Origin: the sign of ``f`` at the middle of ``(d_i, d_{i+1})`` says which
       half holds the root; the pole at that end is the origin and the half
       the first bracket.  The last root takes ``d_{K-1}`` and the bracket
       ``(0, rho ||z||^2]``.
    2. Iterate Li's "middle way" rational model (the nearest two poles kept,
       the rest lumped into a constant, value and slope matched), solved by
       :func:`~fastsvd.kernels.secular.rational_step`.
    3. Safeguard: the bracket shrinks with the sign of ``f`` (increasing
       between poles); a step leaving it is replaced by bisection.
    4. Stop when ``|f|`` is below its rounding-error bound (xLAED4's ERRETM)
       or ``tau`` stops moving; ``status = 1`` after ``max_iter`` steps.
    """
    if K == 1:
        return 0, rho * z[0] * z[0], OK
    rhoinv = 1.0 / rho
    last = i == K - 1
    if not last:
        split = i
        half = 0.5 * (d[i + 1] - d[i])
        psi, dpsi, phi, dphi = secular_terms_eig(d, z, K, split, i, half)
        if rhoinv + psi + phi >= 0.0:
            o = i
            lo = 0.0
            hi = half
            tau = half
        else:
            o = i + 1
            lo = -half
            hi = 0.0
            tau = -half
            psi, dpsi, phi, dphi = secular_terms_eig(d, z, K, split, o, tau)
    else:
        split = K - 2
        o = K - 1
        zz = 0.0
        for j in range(K):
            zz += z[j] * z[j]
        lo = 0.0
        hi = rho * zz
        tau = hi
        psi, dpsi, phi, dphi = secular_terms_eig(d, z, K, split, o, tau)
    do = d[o]
    w1 = d[split] - do
    w2 = d[split + 1] - do
    for _ in range(max_iter):
        f = rhoinv + psi + phi
        err = 8.0 * (abs(psi) + abs(phi)) + 2.0 * rhoinv + 3.0 * abs(tau) * (dpsi + dphi)
        if abs(f) <= eps * err:
            return o, tau, OK
        if f < 0.0:
            if tau > lo:
                lo = tau
        else:
            if tau < hi:
                hi = tau
        D1 = w1 - tau
        D2 = w2 - tau
        s = D1 * D1 * dpsi
        S = D2 * D2 * dphi
        c = f - D1 * dpsi - D2 * dphi
        a = c * (w1 + w2) + s + S
        b = c * w1 * w2 + s * w2 + S * w1
        w, ok = rational_step(a, b, c, w1, w2, last)
        tau_new = 0.5 * (lo + hi)
        if ok and w > lo and w < hi:
            tau_new = w
        if tau_new == tau:
            return o, tau, OK
        tau = tau_new
        psi, dpsi, phi, dphi = secular_terms_eig(d, z, K, split, o, tau)
    return o, tau, NO_CONVERGENCE


@kernel
def lowner_z_eig(d, z, K, rho, orig, taus, zhat):
    """``zhat`` for which the computed roots are the exact eigenvalues of
    ``diag(d) + rho zhat zhat^T`` (Lowner's formula; Gu & Eisenstat 1995, eq. 3.3):

        zhat_i^2 = (lam_i - d_i)/rho * prod_{j != i} (lam_j - d_i)/(d_j - d_i),

    every ``lam_j - d_i`` formed as ``(d[o_j] - d_i) + tau_j`` (xLAED3), with
    the sign of ``z_i``.
    """
    for i in range(K):
        di = d[i]
        prod = ((d[orig[i]] - di) + taus[i]) / rho
        for j in range(K):
            if j != i:
                prod *= ((d[orig[j]] - di) + taus[j]) / (d[j] - di)
        zhat[i] = math.copysign(math.sqrt(abs(prod)), z[i])


@kernel
def secular_vector(d, zhat, K, o, tau, q):
    """Unit eigenvector of ``diag(d) + rho zhat zhat^T`` for ``lam = d[o] + tau``:
    ``q_i = zhat_i / (d_i - lam)``, normalised (xLAED3)."""
    do = d[o]
    nrm = 0.0
    for i in range(K):
        qi = zhat[i] / ((d[i] - do) - tau)
        q[i] = qi
        nrm += qi * qi
    nrm = 1.0 / math.sqrt(nrm)
    for i in range(K):
        q[i] *= nrm


@kernel
def merge_halves(d, e, Zt, r0, nr, n1, eps, max_iter):
    """Merge the solved halves ``[r0, r0+n1)`` and ``[r0+n1, r0+nr)`` of a node
    (LAPACK xLAED1 = xLAED2 + xLAED3).

    On entry each half's eigenvalues are ascending in ``d`` with their
    eigenvectors in the rows of its diagonal block of ``Zt``; on exit the node's
    block holds the node's, ascending.

    1. ``z``: the last column of the left block and the first of the right
       (times ``sign(e_k)``), normalised to ``||z|| = 1`` with ``rho = 2 |e_k|``.
    2. Order the poles ascending (a merge of the two sorted halves).
    3. Deflate (xLAED2), with ``tol = 8 eps max(max |d_j|, rho)``: ``rho |z_j| <= tol``
       leaves ``d_j`` an eigenvalue; two poles whose Givens rotation (zeroing one
       ``z``) leaves an off-diagonal ``|(d_p - d_q) c s| <= tol`` are rotated, the
       same rotation applied to their eigenvector rows.
    4. Secular roots, Lowner's ``zhat``, the ``K x K`` eigenvector matrix.
    5. New eigenvectors: the secular problem's times the old, one matrix product
       for the columns of each half; the vectors are grouped (top only, both,
       bottom only, xLAED2's column types) so that each product skips the old
       vectors that vanish on its half and reads a contiguous block.
    6. Eigenvalues ascending with their rows into the node's storage.

    Returns :data:`OK` or :data:`NO_CONVERGENCE` (a secular root hit its cap).
    """
    n2 = nr - n1
    B = Zt[r0:r0 + nr, r0:r0 + nr]
    ek = e[r0 + n1 - 1]
    rho = 2.0 * abs(ek)
    sg = 1.0 if ek >= 0.0 else -1.0
    # 1. z (float64 whatever the storage precision)
    zin = np.empty(nr)
    r2 = 1.0 / math.sqrt(2.0)
    for j in range(n1):
        zin[j] = r2 * B[j, n1 - 1]
    for j in range(n2):
        zin[n1 + j] = sg * r2 * B[n1 + j, n1]
    # 2. poles ascending: value, z, row of B, support in the top/bottom half
    pd = np.empty(nr)
    pz = np.empty(nr)
    prow = np.empty(nr, np.int64)
    top = np.empty(nr, np.bool_)
    bot = np.empty(nr, np.bool_)
    li = 0
    ri = 0
    for p in range(nr):
        take_left = ri >= n2 or (li < n1 and d[r0 + li] <= d[r0 + n1 + ri])
        row = li if take_left else n1 + ri
        if take_left:
            li += 1
        else:
            ri += 1
        pd[p] = d[r0 + row]
        pz[p] = zin[row]
        prow[p] = row
        top[p] = row < n1
        bot[p] = row >= n1
    # 3. deflation
    dmax = 0.0
    for p in range(nr):
        dmax = max(dmax, abs(pd[p]))
    tol = 8.0 * eps * max(dmax, rho)
    defl = np.zeros(nr, np.bool_)
    q = -1
    for p in range(nr):
        if rho * abs(pz[p]) <= tol:
            defl[p] = True
            continue
        if q >= 0:
            r = math.hypot(pz[p], pz[q])
            c = pz[p] / r
            s = pz[q] / r
            if abs((pd[p] - pd[q]) * c * s) <= tol:
                # rotate (q, p): z_q -> 0, z_p -> r; the off-diagonal is dropped
                dp = pd[p]
                dq = pd[q]
                pd[p] = c * c * dp + s * s * dq
                pd[q] = s * s * dp + c * c * dq
                pz[p] = r
                pz[q] = 0.0
                defl[q] = True
                rotate_rows(B, prow[p], prow[q], c, s)
                t1 = top[p] or top[q]
                t2 = bot[p] or bot[q]
                top[p] = t1
                top[q] = t1
                bot[p] = t2
                bot[q] = t2
        q = p
    K = 0
    for p in range(nr):
        if not defl[p]:
            K += 1
    nd = np.empty(K, np.int64)
    dk = np.empty(K)
    zk = np.empty(K)
    i = 0
    for p in range(nr):
        if not defl[p]:
            nd[i] = p
            dk[i] = pd[p]
            zk[i] = pz[p]
            i += 1
    # 4. secular equation
    orig = np.empty(K, np.int64)
    taus = np.empty(K)
    info = OK
    for j in range(K):
        o, t, st = secular_root_eig(dk, zk, K, j, rho, eps, max_iter)
        orig[j] = o
        taus[j] = t
        if st != OK:
            info = NO_CONVERGENCE
    zhat = np.empty(K)
    lowner_z_eig(dk, zk, K, rho, orig, taus, zhat)
    # 5. group the columns as xLAED2 does: vectors living on the top half only,
    # on both (rotated together by the deflation), on the bottom only; then the
    # two products read contiguous column ranges of Qs
    col = np.empty(K, np.int64)
    nt = 0
    nm = 0
    for i in range(K):
        p = nd[i]
        if top[p] and not bot[p]:
            nt += 1
        elif top[p]:
            nm += 1
    ct = 0
    cm = nt
    cb = nt + nm
    Xtop = np.empty((nt + nm, n1), Zt.dtype)
    Xbot = np.empty((K - nt, n2), Zt.dtype)
    for i in range(K):
        p = nd[i]
        if top[p] and not bot[p]:
            c = ct
            ct += 1
        elif top[p]:
            c = cm
            cm += 1
        else:
            c = cb
            cb += 1
        col[i] = c
        if c < nt + nm:
            Xtop[c, :] = B[prow[p], :n1]
        if c >= nt:
            Xbot[c - nt, :] = B[prow[p], n1:]
    Qs = np.empty((K, K), Zt.dtype)
    qv = np.empty(K)
    for j in range(K):
        secular_vector(dk, zhat, K, orig[j], taus[j], qv)
        row = Qs[j]
        for i in range(K):
            row[col[i]] = qv[i]
    # the old rows were copied out, the results land in Tq
    Tq = np.empty((K, nr), Zt.dtype)
    gemm(1.0, Qs[:, :nt + nm], Xtop, 0.0, Tq[:, :n1])
    gemm(1.0, Qs[:, nt:], Xbot, 0.0, Tq[:, n1:])
    # 6. deflated values ascending, merged with the roots
    nde = nr - K
    dpos = np.empty(nde, np.int64)
    dval = np.empty(nde)
    i = 0
    for p in range(nr):
        if defl[p]:
            dpos[i] = p
            dval[i] = pd[p]
            i += 1
    order = np.argsort(dval, kind="mergesort")
    Dd = np.empty((nde, nr), Zt.dtype)
    for i in range(nde):
        Dd[i, :] = B[prow[dpos[order[i]]], :]
    jr = 0
    jd = 0
    for slot in range(nr):
        lam = dk[orig[jr]] + taus[jr] if jr < K else 0.0
        if jd >= nde or (jr < K and lam <= dval[order[jd]]):
            d[r0 + slot] = lam
            B[slot, :] = Tq[jr, :]
            jr += 1
        else:
            d[r0 + slot] = dval[order[jd]]
            B[slot, :] = Dd[jd, :]
            jd += 1
    return info


@kernel
def split_halves(r0, nr, leaf_size):
    """Nodes of the recursion over ``[r0, r0 + nr)`` breadth first (xLAED0's tree):
    ``(start, rows, cut)`` with ``cut`` the size of the left half, -1 at a leaf.
    Children follow their parent, so a reverse sweep meets children first."""
    cap = 2 * nr + 1
    start = np.empty(cap, np.int64)
    rows = np.empty(cap, np.int64)
    cut = np.empty(cap, np.int64)
    start[0] = r0
    rows[0] = nr
    count = 1
    head = 0
    while head < count:
        m = rows[head]
        if m > leaf_size:
            k = m // 2
            cut[head] = k
            start[count] = start[head]
            rows[count] = k
            start[count + 1] = start[head] + k
            rows[count + 1] = m - k
            count += 2
        else:
            cut[head] = -1
        head += 1
    return start[:count], rows[:count], cut[:count]


@kernel
def divide_and_conquer(d, e, Zt, r0, nr, leaf_size, max_iter, leaf_maxit):
    """Eigen-decomposition of the unreduced block ``[r0, r0 + nr)`` (xLAED0).

    1. Tear every internal node at its middle off-diagonal, top down
       (``d_k, d_{k+1} -= |e_k|``; ``e_k`` kept for the merge).
    2. Bottom up: leaves by :func:`steqr` from the identity, nodes by
       :func:`merge_halves`.
    """
    eps = unit_roundoff(d)
    start, rows, cut = split_halves(r0, nr, max(leaf_size, 2))
    for idx in range(start.size):
        if cut[idx] >= 0:
            j = start[idx] + cut[idx] - 1
            rho = abs(e[j])
            d[j] -= rho
            d[j + 1] -= rho
    info = OK
    for idx in range(start.size - 1, -1, -1):
        s0 = start[idx]
        m = rows[idx]
        if cut[idx] < 0:
            Zb = Zt[s0:s0 + m, s0:s0 + m]
            for i in range(m):
                Zb[i, i] = 1.0
            st = steqr(d[s0:s0 + m], e[s0:s0 + m - 1], Zb, True, leaf_maxit)
        else:
            st = merge_halves(d, e, Zt, s0, m, cut[idx], eps, max_iter)
        if st != OK:
            info = st
    return info


@kernel
def stedc(d, e, Zt, vectors, leaf_size=LEAF_SIZE, max_iter=SECULAR_MAXITER,
          leaf_maxit=STEQR_MAXIT):
    """Eigenvalues (ascending, in ``d``) and, with ``vectors``, eigenvectors (the rows
    of ``Zt``, ``n x n``, overwritten: ``T = Zt^T diag(d) Zt``) of the symmetric
    tridiagonal ``(d, e)`` (LAPACK xSTEDC, COMPZ='I').  ``e`` is destroyed.

    Without vectors this is :func:`sterf`, O(n^2) (as xSTEDC calls xSTERF).
    With vectors:

    1. scale ``T`` by a power of two (exact) to largest entry in [0.5, 1);
    2. split where ``|e_i| <= eps sqrt(|d_i| |d_{i+1}|)`` (xSTEDC's test);
    3. blocks up to ``leaf_size`` by :func:`steqr`, larger ones by
       :func:`divide_and_conquer`;
    4. unscale, sort ascending with the rows.

    Returns :data:`OK`, :data:`NO_CONVERGENCE` (a secular root or a leaf's QL/QR
    hit its cap) or :data:`NOT_FINITE` (then ``d`` is NaN).
    """
    n = d.size
    if not tridiagonal_is_finite(d, e):
        d[:] = np.nan
        return NOT_FINITE
    if not vectors:
        return sterf(d, e, leaf_maxit)
    Zt[:, :] = 0.0
    if n == 0:
        return OK
    # 1. scale
    orgnrm = 0.0
    for i in range(n):
        orgnrm = max(orgnrm, abs(d[i]))
    for i in range(n - 1):
        orgnrm = max(orgnrm, abs(e[i]))
    if orgnrm == 0.0:
        for i in range(n):
            Zt[i, i] = 1.0
        return OK
    expo = math.frexp(orgnrm)[1]
    for i in range(n):
        d[i] = math.ldexp(d[i], -expo)
    for i in range(n - 1):
        e[i] = math.ldexp(e[i], -expo)
    eps = unit_roundoff(d)
    info = OK
    # 2-3. unreduced blocks
    b0 = 0
    while b0 < n:
        b1 = b0
        while b1 < n - 1:
            if abs(e[b1]) <= eps * math.sqrt(abs(d[b1])) * math.sqrt(abs(d[b1 + 1])):
                e[b1] = 0.0
                break
            b1 += 1
        m = b1 - b0 + 1
        if m <= leaf_size:
            Zb = Zt[b0:b1 + 1, b0:b1 + 1]
            for i in range(m):
                Zb[i, i] = 1.0
            st = steqr(d[b0:b1 + 1], e[b0:b1], Zb, True, leaf_maxit)
        else:
            st = divide_and_conquer(d, e, Zt, b0, m, leaf_size, max_iter, leaf_maxit)
        if st != OK:
            info = st
        b0 = b1 + 1
    # 4. unscale and sort
    for i in range(n):
        d[i] = math.ldexp(d[i], expo)
    sort_ascending(d, Zt, True)
    return info
