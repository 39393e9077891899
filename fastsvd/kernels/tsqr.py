"""Tall-skinny QR and the tall-skinny SVD driver built on it.

Two factorizations of ``A`` (``m x n``, ``m >> n``), shared by the dense
driver :func:`svd_tall` and by the task functions of :mod:`fastsvd.distributed`:

* **CholeskyQR2 / shifted CholeskyQR3** (Fukaya, Nakatsukasa, Yanagisawa &
  Yamamoto 2014; Fukaya, Kannan, Nakatsukasa, Yamamoto & Yanagisawa 2020).
  A pass is ``G = X^T X`` (one ``syrk``), ``G = R^T R`` (Cholesky, ``n x n``)
  and ``X <- X R^{-1}`` (one triangular solve): level-3 work that streams the
  rows of ``X`` a few times, the fastest QR of a tall matrix on this machine.
  One pass loses orthogonality like ``kappa(A)^2 eps``; a second pass on a
  ``Q`` that is orthonormal to ``O(1)`` restores it to ``O(eps)``
  (Yamamoto, Nakatsukasa, Yanagisawa & Fukaya 2015, ETNA 44), so two passes
  suffice while ``kappa(A) < ~eps^{-1/2}``.  Beyond that the first Cholesky
  breaks down or its ``Q`` is not orthonormal to ``O(1)``; a shift
  ``s = 11 (mn + n(n+1)) u ||A||^2`` makes the first pass safe up to
  ``kappa ~ u^{-1}`` (Fukaya et al. 2020) and two unshifted passes follow.
  Which passes run is decided **a posteriori** from the Gram matrix of the
  current factor (:func:`cholesky_qr_factors`); when no combination reaches an
  orthonormal factor the caller falls back to Householder TSQR.
* **Householder TSQR** (Demmel, Grigori, Hoemmen & Langou 2012, SIAM J. Sci.
  Comput. 34): Householder QR (:func:`~fastsvd.kernels.qr.geqrf`) of each row
  block, then a tree whose nodes factor the stacked ``R`` of their children.
  ``Q`` is never formed: ``Q C`` is applied top down, each node's reflectors
  on the rows its children pass on.  Unconditionally stable, for any rank.

:func:`svd_tall` is ``A = Q R``, ``R = U_R diag(s) V^T`` by
:func:`~fastsvd.kernels.gesdd.svd_dc`, ``U = Q U_R``: with CholeskyQR the last
pass's ``R_k^{-1}`` is folded into ``U_R`` so ``U`` costs one ``gemm``; with
TSQR the tree applies ``Q`` to ``U_R`` directly (LAPACK's xGESDD forms ``Q``
explicitly and multiplies).

Row-major storage: the ``syrk`` of ``X^T X`` streams rows, and the triangular
solve ``X R^{-1}`` works on independent rows, so it runs in row chunks that
stay in cache.
"""
import math

import numpy as np
from .._jit import kernel
from .blas import _dsyrk, _ld, _ssyrk, gemm
from .gesdd import svd_dc
from .qr import apply_q, geqrf

#: Cholesky block size (xPOTRF's ILAENV block): the ``n x n`` factorization is
#: ``n^3/3`` flops against the ``m n^2`` of a pass, so only its level-3 shape matters.
CHOLESKY_BLOCK = 32
#: columns per block of the triangular solve ``X R^{-1}``: the diagonal blocks are
#: solved in loops (``m n b / 2`` flops), the rest is ``gemm``.  Measured on
#: 200000 x 100, one BLAS thread: 0.73 s (256 rows, 32), 0.81 s (1024, 16),
#: 1.0 s (4096, 32), 1.6 s (all rows at once); xTRSM itself: 0.45 s.
TRSM_BLOCK = 32
#: rows per chunk of the triangular solve: a ``256 x n`` chunk stays in cache
#: through all its column blocks instead of streaming ``X`` once per block.
TRSM_ROWS = 256
#: last pass of CholeskyQR only on a factor ``X`` with ``||X^T X - I||_F <= 1/2``,
#: i.e. ``kappa(X)^2 <= 3``: the orthogonality bound of one pass grows with
#: ``kappa(X)^2`` (Yamamoto et al. 2015, thm. 3.3), so this costs at most 3x the
#: error of a pass on an exactly orthonormal matrix.
DELTA_FINAL = 0.5
#: an unshifted pass is trusted only if its factor has ``||X^T X - I||_F <= 1``:
#: the row-wise backward error ``|A - X R| <= c eps |X| |R|`` of the pass then
#: holds with ``||X||_2 <= sqrt(2)``.  Larger means the Cholesky factor of an
#: ill-conditioned Gram matrix was inaccurate (kappa(A) >~ eps^{-1/2}).
DELTA_TRUST = 1.0
#: shift constant of shifted CholeskyQR, ``s = 11 (mn + n(n+1)) u ||A||^2`` with
#: ``u = eps/2`` (Fukaya et al. 2020, sec. 3); ``||A||_2^2`` is bounded by
#: ``trace(A^T A) = ||A||_F^2`` as they suggest.
SHIFT_CONSTANT = 11.0
#: their analysis assumes ``s <= ||A||^2 / 100``: for larger ``m n u`` (float32
#: with millions of entries) the shift is not used and Householder TSQR runs.
SHIFT_MAX = 0.01
#: at most three passes in all (shifted CholeskyQR3); a matrix that needs more
#: is left to Householder TSQR.
MAX_PASSES = 3
#: rows per block of Householder TSQR: a ``4096 x 100`` block (3 MB) keeps the
#: panel reductions of xGEQRF near the cache, and the stacked ``R`` factors
#: (``n`` rows per block) stay a small fraction of ``A``.
TSQR_BLOCK_ROWS = 4096
#: children per node of the TSQR tree: binary, as Demmel et al. 2012's
#: parallel TSQR (sec. 3); each node factors a ``2n x n`` stack.
TSQR_FANOUT = 2

#: statuses of :func:`cholesky_qr_factors` (0: success)
CQR_OUT_OF_RANGE = 1     # Gram matrix not finite, or a column too small to square
CQR_BREAKDOWN = 2        # a Cholesky pivot was not positive after the shift
CQR_NOT_ORTHOGONAL = 3   # no orthonormal factor within MAX_PASSES passes
CQR_NO_SHIFT = 4         # the shift's assumption s <= ||A||^2/100 does not hold

#: QR paths reported by :func:`svd_tall_report`
PATH_CHOLESKY = 1        # CholeskyQR2 or CholeskyQR3, no shift
PATH_SHIFTED = 2         # shifted CholeskyQR3
PATH_HOUSEHOLDER = 3     # Householder TSQR (CholeskyQR refused or failed)
PATH_FULL = 4            # full_matrices: the whole of A by svd_dc


# ---------------------------------------------------------------------------
# level-3 building blocks: Gram matrix, Cholesky, triangular solves

@kernel
def gram_upper(A, G):
    """Upper triangle (``j >= i``) of ``G = A^T A`` for a row-major ``A`` (xSYRK).

    The column-major view of ``A`` is ``A^T`` (``n x m``), so this is xSYRK with
    ``trans = 'N'``; the row-major upper triangle is the column-major lower one.
    The strictly lower triangle of ``G`` is not referenced.
    """
    n = G.shape[0]
    m = A.shape[0]
    if n == 0:
        return
    if m == 0:
        for i in range(n):
            for j in range(i, n):
                G[i, j] = 0.0
        return
    ints = np.empty(4, np.int32)
    ints[0] = n
    ints[1] = m
    ints[2] = _ld(A)
    ints[3] = _ld(G)
    flags = np.empty(2, np.uint8)
    flags[0] = ord("L")
    flags[1] = ord("N")
    scal = np.empty(2, G.dtype)
    scal[0] = 1.0
    scal[1] = 0.0
    if G.itemsize == 8:
        _dsyrk(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
               scal[0:].ctypes, A.ctypes, ints[2:].ctypes, scal[1:].ctypes, G.ctypes,
               ints[3:].ctypes)
    else:
        _ssyrk(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
               scal[0:].ctypes, A.ctypes, ints[2:].ctypes, scal[1:].ctypes, G.ctypes,
               ints[3:].ctypes)


@kernel
def potf2_upper(G, j0, j1):
    """Unblocked Cholesky of the diagonal block ``G[j0:j1, j0:j1]`` (xPOTF2, 'U').

    Rows ``j0..j1-1`` above the block are already eliminated.  Returns 0, or
    ``j + 1`` for the first pivot ``j`` that is not positive and finite.
    """
    for j in range(j0, j1):
        d = G[j, j]
        for p in range(j0, j):
            d -= G[p, j] * G[p, j]
        if not (d > 0.0) or math.isinf(d):
            return j + 1
        r = math.sqrt(d)
        G[j, j] = r
        for c in range(j + 1, j1):
            t = G[j, c]
            for p in range(j0, j):
                t -= G[p, j] * G[p, c]
            G[j, c] = t / r
    return 0


@kernel
def potrf_upper(G, nb=CHOLESKY_BLOCK):
    """Blocked Cholesky ``G = R^T R`` in place (xPOTRF, uplo 'U', right looking).

    Reads the upper triangle of ``G``; on exit ``R`` is in the upper triangle
    and the strictly lower triangle is zero.  Returns 0, or ``j + 1`` when the
    leading minor of order ``j + 1`` is not positive definite (xPOTRF's info):
    ``G`` is then partly overwritten.
    """
    n = G.shape[0]
    for j0 in range(0, n, nb):
        j1 = min(j0 + nb, n)
        info = potf2_upper(G, j0, j1)
        if info != 0:
            return info
        if j1 < n:
            # block row: R[J, J2] = R[J, J]^{-T} G[J, J2], forward substitution by rows
            for i in range(j0, j1):
                for p in range(j0, i):
                    f = G[p, i]
                    if f != 0.0:
                        for c in range(j1, n):
                            G[i, c] -= f * G[p, c]
                rii = G[i, i]
                for c in range(j1, n):
                    G[i, c] /= rii
            # trailing update G[J2, J2] -= R[J, J2]^T R[J, J2] (the lower half is discarded)
            gemm(-1.0, G[j0:j1, j1:], G[j0:j1, j1:], 1.0, G[j1:, j1:], True, False)
    for i in range(n):
        for j in range(i):
            G[i, j] = 0.0
    return 0


@kernel
def _solve_diagonal_block(B, R, j0, j1, T):
    """``B[:, j0:j1] <- B[:, j0:j1] R[j0:j1, j0:j1]^{-1}`` by forward substitution.

    The column strip is copied transposed into ``T`` (at least
    ``(j1 - j0) x B.shape[0]``) so that each step is a contiguous update of
    all rows at once, as in :func:`~fastsvd.kernels.qr.geqrf`'s panels.
    """
    rows = B.shape[0]
    w = j1 - j0
    for i in range(rows):
        for c in range(w):
            T[c, i] = B[i, j0 + c]
    for k in range(w):
        d = R[j0 + k, j0 + k]
        for i in range(rows):
            T[k, i] /= d
        for c in range(k + 1, w):
            f = R[j0 + k, j0 + c]
            if f != 0.0:
                for i in range(rows):
                    T[c, i] -= f * T[k, i]
    for i in range(rows):
        for c in range(w):
            B[i, j0 + c] = T[c, i]


@kernel
def trsm_right_upper(B, R, T, nb=TRSM_BLOCK):
    """``B <- B R^{-1}`` in place for upper triangular ``R`` (xTRSM, side 'R', 'U', 'N').

    Column blocks left to right: the block's right-hand side is updated by one
    ``gemm`` with the solved columns, then its diagonal block is solved
    (:func:`_solve_diagonal_block`, workspace ``T`` of ``nb x B.shape[0]``).
    Row-wise backward stable: row ``x_i`` solves ``x_i (R + dR_i) = b_i`` with
    ``|dR_i| <= c n eps |R|`` (Higham, Accuracy and Stability, thm. 8.5).
    """
    n = R.shape[0]
    for j0 in range(0, n, nb):
        j1 = min(j0 + nb, n)
        if j0 > 0:
            gemm(-1.0, B[:, :j0], R[:j0, j0:j1], 1.0, B[:, j0:j1])
        _solve_diagonal_block(B, R, j0, j1, T)


@kernel
def trsm_right_upper_rows(B, R, rows=TRSM_ROWS, nb=TRSM_BLOCK):
    """:func:`trsm_right_upper` on chunks of ``rows`` rows, one after the other.

    Rows are independent, so each chunk goes through all its column blocks
    while it sits in cache.  The loop is serial on purpose: a ``prange`` over
    chunks nests OpenBLAS's threads inside Numba's, and on 2 cores that ran
    10-20x slower than this loop.
    """
    m = B.shape[0]
    T = np.empty((nb, min(rows, max(m, 1))), B.dtype)
    for r0 in range(0, m, rows):
        trsm_right_upper(B[r0:min(r0 + rows, m)], R, T, nb)


@kernel
def trsm_left_upper(R, C):
    """``C <- R^{-1} C`` for upper triangular ``R`` (``n x n``), by back substitution
    on the rows of ``C`` (xTRSM, side 'L', 'U', 'N'); ``C`` has ``n`` rows."""
    n = R.shape[0]
    for i in range(n - 1, -1, -1):
        row = C[i]
        for p in range(i + 1, n):
            f = R[i, p]
            if f != 0.0:
                other = C[p]
                for c in range(C.shape[1]):
                    row[c] -= f * other[c]
        rii = R[i, i]
        for c in range(C.shape[1]):
            row[c] /= rii


@kernel
def triangular_product(Ra, Rb):
    """``Ra Rb`` for upper triangular ``n x n`` factors (xTRMM's result, by ``gemm``)."""
    n = Ra.shape[0]
    P = np.empty((n, n), Ra.dtype)
    gemm(1.0, Ra, Rb, 0.0, P)
    return P


# ---------------------------------------------------------------------------
# CholeskyQR2 / shifted CholeskyQR3

@kernel
def _identity_distance(G):
    """``||G - I||_F`` from the upper triangle of a symmetric ``G`` (NaN stays NaN)."""
    n = G.shape[0]
    acc = 0.0
    for i in range(n):
        d = G[i, i] - 1.0
        acc += d * d
        for j in range(i + 1, n):
            acc += 2.0 * G[i, j] * G[i, j]
    return math.sqrt(acc)


@kernel
def _gram_in_range(G, m):
    """True if ``G = X^T X`` was computed without overflow or harmful underflow.

    Each product below the underflow threshold carries an absolute error up to
    ``eta/2`` (``eta = tiny eps``, the smallest subnormal), ``m eta / 2`` over a
    column: relative ``eps`` or better when every ``G_jj >= m tiny``.  The top
    ``G_jj`` must leave room for the trace (``n`` of them) and the shift.
    """
    n = G.shape[0]
    finfo = np.finfo(G.dtype)
    lo = m * float(finfo.tiny)
    hi = float(finfo.max) / (4.0 * n)
    for j in range(n):
        d = G[j, j]
        if not (lo <= d <= hi):
            return False
    for i in range(n):
        for j in range(i + 1, n):
            if not math.isfinite(G[i, j]):
                return False
    return True


@kernel
def _max_abs(A):
    """``max |a_ij|``, NaN if any entry is NaN."""
    big = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            a = abs(A[i, j])
            if a != a:
                return a
            big = max(big, a)
    return big


@kernel
def _power_of_two_scale(big, dtype_max):
    """A power of two near ``1 / big``, capped so that it is itself finite
    (``big`` subnormal would ask for more than ``2^1023`` in float64)."""
    e = -math.frexp(big)[1]
    return math.ldexp(1.0, min(e, math.frexp(dtype_max)[1] - 2))


@kernel
def _copy_scaled(A, X, scale):
    """``X <- scale A`` (``scale`` a power of two: exact unless it underflows)."""
    if scale == 1.0:
        X[:, :] = A
        return
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            X[i, j] = A[i, j] * scale


@kernel
def cholesky_qr_factors(A, X, delta_final=DELTA_FINAL, delta_trust=DELTA_TRUST,
                        max_passes=MAX_PASSES):
    """CholeskyQR2, CholeskyQR3 or shifted CholeskyQR3, chosen a posteriori.

    ``A`` (``m x n``, ``m >= n``) is not modified; ``X`` (same shape) is
    overwritten.  On success (``status == 0``) ``scale A = Q R`` with
    ``Q = X R_last^{-1}`` orthonormal: the last pass's triangular solve is
    left to the caller, who may fold ``R_last^{-1}`` into a small matrix
    (:func:`svd_tall`) or call :func:`trsm_right_upper_rows` (:func:`cholesky_qr`).
    ``scale`` is a power of two, 1 unless the Gram matrix of ``A`` itself
    would overflow or underflow.

    Returns ``(R_last, R, scale, passes, shifted, status)``.  The steps:

    1. ``G = A^T A``; out of range (:func:`_gram_in_range`): scale ``A`` by a
       power of two near ``1 / max |a_ij|`` and try once more;
    2. a pass: Cholesky of ``G`` (plus the shift ``s I`` if chosen),
       ``X <- X R^{-1}``, ``G <- X^T X``; an unshifted pass whose ``X`` has
       ``||G - I||_F > delta_trust``, or a Cholesky breakdown in the first
       pass, restarts from ``A`` with the shift (Fukaya et al. 2020's shifted
       CholeskyQR, followed by CholeskyQR2: their sCQR3);
    3. as soon as ``||G - I||_F <= delta_final`` the Cholesky factor of ``G``
       is the last one (it is the second pass of CholeskyQR2 on a factor with
       ``kappa(X)^2 <= 3``); if that does not happen within ``max_passes``
       passes, ``status`` says why and the caller uses Householder TSQR.
    """
    m, n = A.shape
    dt = A.dtype
    eps = float(np.finfo(dt).eps)
    empty = np.zeros((0, 0), dt)
    # 1. Gram matrix, rescaled if its entries over- or underflow
    G0 = np.empty((n, n), dt)
    gram_upper(A, G0)
    scale = 1.0
    if not _gram_in_range(G0, m):
        big = _max_abs(A)
        if not (0.0 < big < np.inf):
            return empty, empty, scale, 0, False, CQR_OUT_OF_RANGE
        scale = _power_of_two_scale(big, float(np.finfo(dt).max))
        _copy_scaled(A, X, scale)
        gram_upper(X, G0)
        if not _gram_in_range(G0, m):
            return empty, empty, scale, 0, False, CQR_OUT_OF_RANGE
    else:
        _copy_scaled(A, X, scale)
    # 2.-3. passes
    shifted = False
    G = G0.copy()
    R = empty
    passes = 0
    while True:
        delta = _identity_distance(G)
        if delta <= delta_final:
            Rl = G
            if potrf_upper(Rl) == 0:
                if passes == 0:
                    return Rl, Rl.copy(), scale, 1, shifted, 0
                return Rl, triangular_product(Rl, R), scale, passes + 1, shifted, 0
            return empty, empty, scale, passes, shifted, CQR_BREAKDOWN
        if passes > 0 and not (shifted and passes == 1) and not delta <= delta_trust:
            # the last unshifted pass left X far from orthonormal: its R was inaccurate
            if shifted:
                return empty, empty, scale, passes, shifted, CQR_NOT_ORTHOGONAL
            shifted = True
            passes = 0
            _copy_scaled(A, X, scale)
            G = G0.copy()
            continue
        if passes + 1 >= max_passes:
            return empty, empty, scale, passes, shifted, CQR_NOT_ORTHOGONAL
        if shifted and passes == 0:
            p = SHIFT_CONSTANT * (m * n + n * (n + 1)) * (eps / 2.0)
            if p > SHIFT_MAX:
                return empty, empty, scale, passes, shifted, CQR_NO_SHIFT
            trace = 0.0
            for j in range(n):
                trace += G[j, j]
            for j in range(n):
                G[j, j] += p * trace
        Rp = G
        if potrf_upper(Rp) != 0:
            if passes == 0 and not shifted:
                shifted = True
                G = G0.copy()
                continue
            return empty, empty, scale, passes, shifted, CQR_BREAKDOWN
        trsm_right_upper_rows(X, Rp)
        R = Rp if passes == 0 else triangular_product(Rp, R)
        passes += 1
        G = np.empty((n, n), dt)
        gram_upper(X, G)


@kernel
def cholesky_qr(A):
    """``A = Q R`` by :func:`cholesky_qr_factors`, forming ``Q`` (``A`` unchanged).

    Returns ``(Q, R, status)``; ``status`` as :func:`cholesky_qr_factors`
    (nonzero: use Householder TSQR instead).  ``R`` is unscaled back when the
    Gram matrix needed scaling.
    """
    X = np.empty_like(A)
    Rl, R, scale, passes, shifted, status = cholesky_qr_factors(A, X)
    if status != 0:
        return X, R, status
    trsm_right_upper_rows(X, Rl)
    if scale != 1.0:
        for i in range(R.shape[0]):
            for j in range(R.shape[1]):
                R[i, j] /= scale
    return X, R, status


# ---------------------------------------------------------------------------
# Householder TSQR: row blocks, a tree of stacked R factors, Q applied top down

@kernel
def tsqr_tree(m, n, block_rows=TSQR_BLOCK_ROWS, fanout=TSQR_FANOUT):
    """Layout of the TSQR tree for an ``m x n`` matrix (Demmel et al. 2012, sec. 3).

    Level 0 holds the row blocks of ``A`` (``block_rows`` rows each, the last
    one shorter; ``block_rows < n`` is allowed); a node of level ``l >= 1``
    stacks the ``R`` factors of ``fanout`` consecutive nodes of level ``l - 1``.
    All stacks of all levels live in one array ``S`` whose rows, level by
    level, are the concatenated ``R`` factors of the level below.

    Returns ``(level_start, row0, rows, dest, s_rows)``: nodes of level ``l``
    are ``level_start[l] .. level_start[l + 1] - 1``; node ``i`` is the
    ``rows[i] x n`` matrix at row ``row0[i]`` of ``A`` (level 0) or of ``S``;
    its ``R`` (``min(rows[i], n)`` rows) is copied to row ``dest[i]`` of ``S``
    (``-1`` for the root); ``S`` has ``s_rows`` rows.
    """
    nblocks = max(1, (m + block_rows - 1) // block_rows)
    nodes = nblocks
    count = nblocks
    nlevels = 1
    while count > 1:
        count = (count + fanout - 1) // fanout
        nodes += count
        nlevels += 1
    level_start = np.empty(nlevels + 1, np.int64)
    row0 = np.empty(nodes, np.int64)
    rows = np.empty(nodes, np.int64)
    dest = np.full(nodes, -1, np.int64)
    for b in range(nblocks):
        row0[b] = b * block_rows
        rows[b] = min(block_rows, m - b * block_rows)
    level_start[0] = 0
    level_start[1] = nblocks
    s_rows = 0
    for lev in range(1, nlevels):
        first_child = level_start[lev - 1]
        nchild = level_start[lev] - first_child
        nnodes = (nchild + fanout - 1) // fanout
        level_start[lev + 1] = level_start[lev] + nnodes
        for g in range(nnodes):
            node = level_start[lev] + g
            row0[node] = s_rows
            total = 0
            for c in range(g * fanout, min((g + 1) * fanout, nchild)):
                child = first_child + c
                dest[child] = s_rows
                r = min(rows[child], n)
                s_rows += r
                total += r
            rows[node] = total
    return level_start, row0, rows, dest, s_rows


@kernel
def _copy_r(F, S, dest, n):
    """Upper trapezoid of the factored ``F`` (its ``min(rows, n)`` x ``n`` R) into ``S[dest:]``."""
    r = min(F.shape[0], n)
    for i in range(r):
        for j in range(i):
            S[dest + i, j] = 0.0
        for j in range(i, n):
            S[dest + i, j] = F[i, j]


@kernel
def tsqr_factor(A, block_rows=TSQR_BLOCK_ROWS, fanout=TSQR_FANOUT):
    """Householder TSQR of ``A`` (``m >= n``) in place (Demmel et al. 2012, alg. 2).

    Every row block of ``A`` is factored by :func:`~fastsvd.kernels.qr.geqrf`
    and keeps its reflectors; each tree node factors its stack
    in ``S``.  The blocks are factored one after the other, OpenBLAS's threads
    working inside each (a ``prange`` over blocks would nest them in Numba's);
    the blocks run in parallel in :mod:`fastsvd.distributed`, one task each.  Returns ``(R, S, tau, tree)``: ``R`` (``n x n``, upper) with
    ``A = Q R``; ``tau[i, :min(rows[i], n)]`` the reflector scalars of node
    ``i``; ``tree`` from :func:`tsqr_tree`.  Apply ``Q`` with :func:`tsqr_apply_q`.
    """
    m, n = A.shape
    level_start, row0, rows, dest, s_rows = tsqr_tree(m, n, block_rows, fanout)
    nodes = rows.size
    nlevels = level_start.size - 1
    tau = np.zeros((nodes, n), A.dtype)
    S = np.empty((max(s_rows, 1), n), A.dtype)
    for lev in range(nlevels):
        first = level_start[lev]
        count = level_start[lev + 1] - first
        for g in range(count):
            node = first + g
            r0 = row0[node]
            if lev == 0:
                F = A[r0:r0 + rows[node]]
            else:
                F = S[r0:r0 + rows[node]]
            geqrf(F, tau[node, :min(rows[node], n)])
            if dest[node] >= 0:
                _copy_r(F, S, dest[node], n)
    root = level_start[nlevels - 1]
    F = A if nlevels == 1 else S[row0[root]:row0[root] + rows[root]]
    R = np.zeros((n, n), A.dtype)
    for i in range(n):
        for j in range(i, n):
            R[i, j] = F[i, j]
    return R, S, tau, (level_start, row0, rows, dest, s_rows)


@kernel
def tsqr_apply_q(A, S, tau, tree, C):
    """``Q [C; 0]`` (``m x k``) for the ``Q`` of :func:`tsqr_factor` and ``C`` ``n x k``.

    Top down: the root's reflectors act on ``[C; 0]``; each node passes the
    rows of its result that belong to a child (that child's ``R`` rows) down,
    padded with zeros to the child's height, and the child's reflectors act
    on them (xORMQR at every node, Demmel et al. 2012, sec. 3.2).  The leaves
    write straight into the result, so ``Q`` itself is never formed.
    """
    level_start, row0, rows, dest, s_rows = tree
    m, n = A.shape
    k = C.shape[1]
    nlevels = level_start.size - 1
    out = np.empty((m, k), A.dtype)
    W = np.zeros((max(s_rows, 1), k), A.dtype)
    root = level_start[nlevels - 1]
    top = out if nlevels == 1 else W[row0[root]:row0[root] + rows[root]]
    top[:, :] = 0.0
    top[:n, :] = C
    for lev in range(nlevels - 1, -1, -1):
        first = level_start[lev]
        count = level_start[lev + 1] - first
        for g in range(count):
            node = first + g
            r0 = row0[node]
            nr = rows[node]
            T = out[r0:r0 + nr] if lev == 0 else W[r0:r0 + nr]
            if dest[node] >= 0:
                # this node's rows of its parent's result, then zeros
                r = min(nr, n)
                T[:r, :] = W[dest[node]:dest[node] + r]
                T[r:, :] = 0.0
            F = A[r0:r0 + nr] if lev == 0 else S[r0:r0 + nr]
            apply_q(F, tau[node, :min(nr, n)], T, False)
    return out


# ---------------------------------------------------------------------------
# the dense tall-skinny SVD driver

@kernel
def svd_tall_report(A, compute_uv, full_matrices, block_rows=TSQR_BLOCK_ROWS,
                    fanout=TSQR_FANOUT):
    """:func:`svd_tall`, also returning which QR ran (``PATH_*``)."""
    m, n = A.shape
    dt = A.dtype
    if compute_uv and full_matrices and m > n:
        # an m x m U has no tall-skinny shortcut: the whole of A by divide and conquer
        U, s, Vt, info = svd_dc(A, True, True)
        return U, s, Vt, info, PATH_FULL
    # 1. A = Q R: CholeskyQR where the a-posteriori checks pass, else Householder TSQR
    X = np.empty_like(A)
    Rl, R, scale, passes, shifted, status = cholesky_qr_factors(A, X)
    if status == 0:
        path = PATH_SHIFTED if shifted else PATH_CHOLESKY
        # 2. R = U_R diag(s) V^T
        UR, s, Vt, info = svd_dc(R, compute_uv, False)
        if scale != 1.0:
            for i in range(n):
                s[i] /= scale
        if not compute_uv:
            return UR, s, Vt, info, path
        # 3. U = Q U_R = X (R_last^{-1} U_R): one gemm with the folded factor
        trsm_left_upper(Rl, UR)
        U = np.empty((m, n), dt)
        gemm(1.0, X, UR, 0.0, U)
        return U, s, Vt, info, path
    X = np.empty((0, 0), dt)
    R, S, tau, tree = tsqr_factor(A, block_rows, fanout)
    UR, s, Vt, info = svd_dc(R, compute_uv, False)
    if not compute_uv:
        return UR, s, Vt, info, PATH_HOUSEHOLDER
    U = tsqr_apply_q(A, S, tau, tree, UR)
    return U, s, Vt, info, PATH_HOUSEHOLDER


@kernel
def svd_tall(A, compute_uv, full_matrices):
    """Thin SVD of a tall ``A`` through a tall-skinny QR (``m >= n >= 1``, finite,
    overwritten).

    The method-driver contract of :func:`~fastsvd.kernels.gesdd.svd_dc`:
    returns ``(U, s, Vt, info)`` with ``U`` ``m x n``, ``s`` descending and
    non-negative, ``Vt`` ``n x n`` (empty ``U`` and ``Vt`` without
    ``compute_uv``); ``info > 0`` is :func:`svd_dc`'s failure code on ``R``.

    1. ``A = Q R`` by CholeskyQR2 / shifted CholeskyQR3 when their
       a-posteriori checks pass (:func:`cholesky_qr_factors`), otherwise by
       Householder TSQR (:func:`tsqr_factor`);
    2. ``R = U_R diag(s) V^T`` by :func:`~fastsvd.kernels.gesdd.svd_dc`;
    3. ``U = Q U_R``: one ``gemm`` (CholeskyQR) or the TSQR tree applied to ``U_R``.

    ``full_matrices`` with ``m > n`` computes the whole SVD of ``A`` by
    :func:`svd_dc`: an ``m x m`` ``U`` has no tall-skinny shortcut.
    """
    U, s, Vt, info, path = svd_tall_report(A, compute_uv, full_matrices)
    return U, s, Vt, info
