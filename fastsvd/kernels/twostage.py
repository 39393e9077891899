"""Two-stage reduction to bidiagonal form for singular values only (the
xGEBRD_2STAGE scheme that LAPACK's IPARAM2STAGE tunes: xGEBRD_GE2GB dense to
band, then xGEBRD_GB2BD band to bidiagonal; PLASMA's dgebrd_ge2gb / dgbbrd;
the bulge chasing uses Householder reflectors as xSB2ST_KERNELS does, where
xGBBRD uses Givens rotations).

The one-stage :func:`~fastsvd.kernels.bidiag.gebrd` spends half of its flops
in matrix-vector products with the trailing matrix, which run at memory speed.
Splitting the reduction moves almost all of the O(n^3) work into matrix
products (Bischof, Lang & Sun, "A framework for symmetric band reduction",
ACM TOMS 26 (2000); Haidar, Ltaief & Dongarra, "Parallel reduction to condensed
forms for symmetric eigenvalue problems using aggregated fine-grained and
memory-aware kernels", SC'11; Haidar, Kurzak & Luszczek, "An improved parallel
singular value algorithm and its implementation for multicore hardware", SC'13):

1. **Dense to band** (:func:`dense_to_band`).  For ``k = 0, nb, 2 nb, ...``
   the column panel ``A[k:, k:k+nb]`` is reduced by a Householder QR and its
   ``Q^T`` is applied to the columns on its right; then the row panel
   ``A[k:k+nb, k+nb:]`` is reduced by an LQ and its ``Q`` is applied to the
   rows below.  Both updates are compact-WY block reflectors (three ``gemm``
   calls each); the panels themselves are level 2 but only O(nb n^2) flops.
   What is left is upper triangular with ``nb`` superdiagonals.
2. **Band to bidiagonal** (:func:`band_to_bidiagonal`).  Sweep ``i`` makes row
   ``i`` bidiagonal with a reflector of length ``nb`` from the right; that fills
   a triangle below the diagonal, whose first column a reflector from the left
   removes; that fills a triangle above the band, whose first row the next
   right reflector removes, and so on down the band ("bulge chasing").  Only
   the first column or row of each bulge is annihilated: the rest lies where
   the next sweep's reflectors will pass anyway (Haidar et al. 2011, sec. IV),
   so each reflector is ``nb`` long and touches an ``nb x 2nb`` block.  The
   band lives in a compact ``n x 3nb`` array (:func:`band_storage`), so a sweep
   walks memory in a straight line.  O(n^2 nb) flops; no vectors are kept,
   so this path is for singular values only.

The reflectors of both stages are discarded: the bidiagonal has the singular
values of ``A`` (orthogonal transformations from both sides), which is all the
values-only driver :func:`svd_values_2stage` needs.
"""
import numpy as np

from .._jit import kernel
from .bdsdc import BDSQR_MAXITR, LEAF_SIZE, SECULAR_MAXITER, bdsdc_rows
from .gesvd import QR_FIRST
from .householder import larfb_left, larfb_right, larfg, larft
from .numerics import NOT_FINITE, bidiagonal_is_finite, safe_scaling, scale_by_pow2
from .qr import column_reflectors, gelq2, geqrf, lq_reflectors, qr_factor_r

#: band width ``nb`` of stage 1 (the panel width of both panels).  A wider band
#: makes stage 1's products less skinny; stage 2 costs O(n^2 nb) and is serial.
#: 32 had the best total here (benchmarks/TUNING.md), and LAPACK's IPARAM2STAGE
#: picks KD = 32 for real types on one thread (64 where its stage 2 runs in
#: parallel; ours is serial).
BAND_WIDTH = 32


@kernel
def reduce_column_panel(A, k, jb, tau, Vt, T, W):
    """QR of the column panel ``A[k:, k:k+jb]`` and ``A[k:, k+jb:] <- Q^T A[k:, k+jb:]``
    (one step of xGEQRF; the QR panel of xGEBRD_GE2GB).

    ``R`` is left in the panel's upper triangle, the reflectors below it.
    ``tau`` has ``jb`` entries; ``Vt``, ``T``, ``W`` are workspaces of at least
    ``jb x (m - k)``, ``jb x jb`` and ``2 jb x (n - k - jb)``.
    """
    m, n = A.shape
    P = A[k:, k:k + jb]
    geqrf(P, tau, jb)
    if k + jb < n:
        Vb = Vt[:jb, :m - k]
        Tb = T[:jb, :jb]
        column_reflectors(P, 0, jb, Vb)
        larft(Vb, tau, Tb)
        larfb_left(Vb, Tb, A[k:, k + jb:], True, W)


@kernel
def reduce_row_panel(A, k, jb, tau, Vt, T, W, work):
    """LQ of the row panel ``A[k:k+jb, k+jb:]`` and ``A[k+jb:, k+jb:] <- A[k+jb:, k+jb:] Q^T``
    (xGELQ2 on the panel, then xLARFB from the right; the LQ panel of xGEBRD_GE2GB).

    The panel is ``L Q`` with ``L`` lower triangular (left in place, the
    reflectors in its rows right of ``L``'s diagonal); the rows below are
    multiplied by ``Q^T = H_0 ... H_{kb-1}`` so that the same columns are
    combined there.  ``tau`` has ``min(jb, n - k - jb)`` entries, ``Vt`` at
    least ``jb x (n - k - jb)``, ``W`` at least ``(m - k - jb) x 2 jb``.
    """
    n = A.shape[1]
    q = n - k - jb
    kb = tau.size
    P = A[k:k + jb, k + jb:]
    gelq2(P, tau, work)
    Vb = Vt[:kb, :q]
    Tb = T[:kb, :kb]
    lq_reflectors(P, 0, kb, Vb)
    larft(Vb, tau, Tb)
    larfb_right(Vb, Tb, A[k + jb:, k + jb:], False, W)


@kernel
def dense_to_band(A, nb):
    """Stage 1: reduce ``A`` (``m >= n``) to upper band form with ``nb``
    superdiagonals by alternating QR and LQ panels (xGEBRD_GE2GB, PLASMA's
    dgebrd_ge2gb).

    On exit ``A[:n, :n]``'s entries ``A[i, j]`` with ``0 <= j - i <= nb`` hold a
    band matrix with the singular values of ``A``; everything else is
    reflector storage.
    """
    m, n = A.shape
    dt = A.dtype
    tau = np.empty(nb, dt)
    Vt = np.empty((nb, m), dt)
    T = np.empty((nb, nb), dt)
    Wl = np.empty((2 * nb, max(n, 1)), dt)
    Wr = np.empty((m, 2 * nb), dt)
    work = np.empty(max(nb, 1), dt)
    for k in range(0, n, nb):
        jb = min(nb, n - k)
        # Step 1: zero the column panel below its diagonal (left transformation)
        reduce_column_panel(A, k, jb, tau[:jb], Vt, T, Wl)
        # Step 2: zero the row panel right of the band (right transformation)
        if k + jb < n:
            kb = min(jb, n - k - jb)
            reduce_row_panel(A, k, jb, tau[:kb], Vt, T, Wr, work)


@kernel
def band_storage(A, b):
    """Copy the upper band (``b`` superdiagonals) of ``A[:n, :n]`` into compact storage.

    Returns ``Bw`` (``n x 3b``, row-major) with ``B[r, c]`` at
    ``Bw[r, c - r + b - 1]``: room for ``b - 1`` subdiagonals and ``2b``
    superdiagonals, the largest fill :func:`band_to_bidiagonal` creates (its
    docstring derives it).  Each row of ``B`` is a contiguous run of ``Bw``.
    """
    n = A.shape[1]
    lo = b - 1
    Bw = np.zeros((n, 3 * b), A.dtype)
    for r in range(n):
        for c in range(r, min(n, r + b + 1)):
            Bw[r, c - r + lo] = A[r, c]
    return Bw


@kernel
def dot4(x, y, L):
    """``x[:L] . y[:L]`` summed in four interleaved partial sums.

    A single running sum is one chain of dependent additions (4 cycles each)
    that the compiler may not reorder without fastmath; four independent sums
    (a fixed order, the same on every run) keep the floating-point units busy.
    The error bound is the usual one for a dot product, ``L eps |x| |y|``.
    """
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    j = 0
    while j + 4 <= L:
        s0 += x[j] * y[j]
        s1 += x[j + 1] * y[j + 1]
        s2 += x[j + 2] * y[j + 2]
        s3 += x[j + 3] * y[j + 3]
        j += 4
    while j < L:
        s0 += x[j] * y[j]
        j += 1
    return (s0 + s1) + (s2 + s3)


@kernel
def annihilate_row(Bw, lo, p, c0, c1, v, w):
    """Right reflector that zeros ``B[p, c0+1:c1+1]`` into ``B[p, c0]``, applied to
    rows ``p+1 .. c1`` (xLARFG + xLARFX from the right, on band storage).

    Rows beyond ``c1`` have no entries in columns ``c0 .. c1`` (the fill below
    the diagonal stays within ``b - 1`` subdiagonals of the current window).
    Each row's multiplier goes through ``w[0]`` so that the update runs in the
    band's precision (a float64 scalar would turn a float32 update into
    conversions and halve its vector width).
    """
    L = c1 - c0 + 1
    x = Bw[p, c0 - p + lo:c1 - p + lo + 1]
    tau = larfg(x)
    if tau == 0.0:
        return
    v[0] = 1.0
    for j in range(1, L):
        v[j] = x[j]
        x[j] = 0.0
    for r in range(p + 1, c1 + 1):
        seg = Bw[r, c0 - r + lo:c1 - r + lo + 1]
        w[0] = tau * dot4(seg, v, L)
        s = w[0]
        for j in range(L):
            seg[j] -= s * v[j]


@kernel
def annihilate_column(Bw, lo, c0, c1, cend, v, w):
    """Left reflector that zeros ``B[c0+1:c1+1, c0]`` into ``B[c0, c0]``, applied to
    columns ``c0+1 .. cend`` of rows ``c0 .. c1`` (xLARFG + xLARFX from the left,
    on band storage).

    Column ``c0`` of the band is a strided diagonal of ``Bw``, gathered into
    ``v``; the update walks each row's contiguous run: ``w = v^T B``, then
    ``B -= tau v w``.
    """
    L = c1 - c0 + 1
    for k in range(L):
        v[k] = Bw[c0 + k, lo - k]
    tau = larfg(v[:L])
    Bw[c0, lo] = v[0]
    for k in range(1, L):
        Bw[c0 + k, lo - k] = 0.0
    if tau == 0.0:
        return
    v[0] = 1.0
    nc = cend - c0
    wc = w[:nc]
    wc[:] = 0.0
    for k in range(L):
        vk = v[k]
        row = Bw[c0 + k, 1 - k + lo:1 - k + lo + nc]
        for j in range(nc):
            wc[j] += vk * row[j]
    for k in range(L):
        v[k] *= tau     # in the band's precision, as w[0] in annihilate_row
        row = Bw[c0 + k, 1 - k + lo:1 - k + lo + nc]
        vk = v[k]
        for j in range(nc):
            row[j] -= vk * wc[j]


@kernel
def band_to_bidiagonal(Bw, b, d, e):
    """Stage 2: reduce the upper band in ``Bw`` (from :func:`band_storage`, ``b``
    superdiagonals) to upper bidiagonal ``(d, e)`` by bulge chasing, values only
    (xGBBRD's sweep order with Householder reflectors, as xSB2ST_KERNELS and
    Haidar et al. 2011 sec. IV do; no vectors are kept).

    Sweep ``i`` works on windows of at most ``b`` columns ``c0 .. c1``:
    a right reflector from row ``p`` (first ``p = i``) zeros ``B[p, c0+1:c1+1]``
    and fills the subdiagonal triangle of rows ``c0+1 .. c1``; a left reflector
    zeros column ``c0`` below the diagonal and fills rows ``c0 .. c1`` up to
    column ``c1 + b``; the next window is ``c0 + b .. c1 + b`` with ``p = c0``.
    The rest of each triangle is zeroed by later sweeps, since sweep ``i + 1``'s
    windows are sweep ``i``'s shifted by one.  Hence the fill never exceeds
    ``b - 1`` subdiagonals and ``2b - 1`` superdiagonals, which
    :func:`band_storage` leaves room for, and after sweep ``i`` row ``i`` and
    column ``i + 1`` are final.
    """
    n = Bw.shape[0]
    lo = b - 1
    v = np.empty(b, Bw.dtype)
    w = np.empty(2 * b, Bw.dtype)
    for i in range(n - 1):
        p = i
        c0 = i + 1
        c1 = min(i + b, n - 1)
        while c1 > c0:
            annihilate_row(Bw, lo, p, c0, c1, v, w)
            annihilate_column(Bw, lo, c0, c1, min(c1 + b, n - 1), v, w)
            p = c0
            c0 += b
            c1 = min(c1 + b, n - 1)
    for i in range(n):
        d[i] = Bw[i, lo]
    for i in range(n - 1):
        e[i] = Bw[i, lo + 1]


@kernel
def gebrd_2stage(A, d, e, nb):
    """Upper bidiagonal ``(d, e)`` with the singular values of ``A`` (``m >= n >= 1``),
    by the two-stage reduction (xGEBRD_2STAGE without vectors).

    ``A`` is overwritten; ``d`` has ``n`` entries, ``e`` at least ``n - 1``.
    ``nb >= 1`` is the band width of stage 1.

    1. Dense to band with ``nb`` superdiagonals (:func:`dense_to_band`).
    2. The band into compact storage (:func:`band_storage`); ``b = min(nb, n - 1)``.
    3. Band to bidiagonal (:func:`band_to_bidiagonal`).
    """
    n = A.shape[1]
    # a band wider than the matrix is the matrix (and nb < 1 means unreduced rows)
    nb = max(1, min(nb, n))
    # 1.
    dense_to_band(A, nb)
    # 2.
    b = max(1, min(nb, n - 1))
    Bw = band_storage(A, b)
    # 3.
    band_to_bidiagonal(Bw, b, d, e)


@kernel
def svd_values_2stage(A, nb=BAND_WIDTH, qr_first_ratio=QR_FIRST, leaf_size=LEAF_SIZE,
                      max_iter=SECULAR_MAXITER):
    """Singular values of ``A`` (``m >= n >= 1``, finite, overwritten) by the
    two-stage reduction and bidiagonal divide and conquer's values path
    (xGESDD with JOBZ = 'N' on top of xGEBRD_2STAGE).

    Returns ``(s, info)``: ``s`` descending and non-negative; ``info`` as
    :func:`~fastsvd.kernels.gesdd.svd_dc` (NOT_FINITE: the bidiagonal is not
    finite, then ``s`` is NaN).

    0. Entries outside xGESDD's safe range: scale by a power of two (:func:`safe_scaling`).
    1. Tall ``A`` (``m >= qr_first_ratio n``): ``A = Q R`` (:func:`~fastsvd.kernels.qr.geqrf`),
       continue with ``R``.
    2. Two-stage bidiagonalization (:func:`gebrd_2stage`).
    3. Values of the bidiagonal (:func:`~fastsvd.kernels.bdsdc.bdsdc_rows`, O(n^2)).
    4. Undo the scaling of step 0.
    """
    m, n = A.shape
    # 0. entries far from 1 scaled by a power of two (exact; undone in 4.)
    k = safe_scaling(A)
    if k != 0:
        scale_by_pow2(A, -k)
    # 1.
    if m >= qr_first_ratio * n:
        W, _ = qr_factor_r(A)
    else:
        W = A
    # 2.
    d = np.empty(n, A.dtype)
    e = np.zeros(n, A.dtype)
    gebrd_2stage(W, d, e, nb)
    if not bidiagonal_is_finite(d, e):
        d[:] = np.nan
        return d, NOT_FINITE
    # 3.
    empty = np.empty((0, 0), A.dtype)
    info = bdsdc_rows(d, e, empty, empty, False, leaf_size, max_iter, BDSQR_MAXITR)
    # 4.
    if k != 0:
        scale_by_pow2(d, k)
    return d, info
