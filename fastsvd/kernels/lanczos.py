"""Golub-Kahan-Lanczos bidiagonalization with reorthogonalization and thick restart.

The process (Golub & Kahan 1965) builds orthonormal bases ``V_k`` (right,
``n``-vectors) and ``U_k`` (left, ``m``-vectors) with

    A V_k   = U_k B_k
    A^T U_k = V_k B_k^T + beta_k v_{k+1} e_k^T

working on ``A`` itself, never on ``A^T A`` (so singular values far below
``sqrt(eps) ||A||`` keep their absolute accuracy ``eps ||A||``).  ``B_k`` is
upper bidiagonal in the first cycle.  After a thick restart (Baglama & Reichel,
"Augmented implicitly restarted Lanczos bidiagonalization methods", SIAM J. Sci.
Comput. 27 (2005), sec. 2 and eq. (2.13)-(2.16)) the first ``l`` rows of ``B``
are the kept Ritz values on the diagonal plus the column ``rho`` of residual
couplings ``B[:l, l]``; the rest stays bidiagonal.

Bases are stored one vector per *row* of a C-contiguous array (``V`` is
``(ncv + 1, n)``, ``U`` is ``(ncv, m)``), so every vector is contiguous and a
block of the basis is a row-major view for :func:`fastsvd.kernels.blas.gemv`.

Reorthogonalization: classical Gram-Schmidt against the whole basis (its two
matrix-vector products written as loops, see :func:`project`), repeated
once when the norm drops by more than ``1/sqrt(2)`` (Daniel, Gragg, Kaufman &
Stewart 1976; "twice is enough", Giraud, Langou & Rozloznik 2005).  The driver
applies it on the short side always and on the long side either always
(``full``) or never (one-sided, Simon & Zha 2000, sec. 3: with ``V``
orthogonal to working precision the Ritz values converge as with full
reorthogonalization, and ``U`` is only locally orthogonalized against the
known couplings ``B[:j, j]``).

These kernels are the arithmetic; the loop that calls the user's products
lives in :mod:`fastsvd.truncated` (a ``LinearOperator`` is a Python object).
"""
import numpy as np

from .._jit import kernel
from .blas import gemm

#: DGKS criterion (Daniel et al. 1976, eq. (5.3)): a Gram-Schmidt pass that
#: leaves less than 1/sqrt(2) of the norm cancelled enough digits that one more
#: pass is needed; a second pass always suffices (Giraud et al. 2005, thm. 2).
_DGKS = 0.7071067811865476


@kernel
def norm2(x):
    """Euclidean norm of a contiguous vector, without overflow or underflow (xNRM2).

    The fast path is one sum of squares; when it over- or underflows (entries
    beyond ~1e154 or below ~1e-146) the vector is rescaled by its largest entry
    first, as LAPACK's xNRM2 does in one pass with scaling.  The sum runs in
    four interleaved partial sums in a fixed order (deterministic, and not
    latency-bound) instead of BLAS ``ddot``, whose threads for long vectors
    cost more than the sum itself on a loaded two-core machine (measured:
    16 ms against 0.1 ms for 2e5 entries while another process ran).
    """
    n = x.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    n4 = n - n % 4
    for t in range(0, n4, 4):
        s0 += x[t] * x[t]
        s1 += x[t + 1] * x[t + 1]
        s2 += x[t + 2] * x[t + 2]
        s3 += x[t + 3] * x[t + 3]
    for t in range(n4, n):
        s0 += x[t] * x[t]
    s = (s0 + s1) + (s2 + s3)
    if s < np.inf and s > 1e-290:
        return np.sqrt(s)
    big = 0.0
    for v in x:
        a = abs(v)
        if a > big:
            big = a
    if big == 0.0 or not big < np.inf:
        return big
    acc = 0.0
    for v in x:
        t = v / big
        acc += t * t
    return big * np.sqrt(acc)


@kernel
def orthogonalize(Q, j, x, coef):
    """Remove from ``x`` its components along the rows ``Q[:j]``; return ``||x||``.

    Classical Gram-Schmidt with the DGKS second pass: ``coef[:j]`` receives the
    total projection coefficients ``Q[:j] x`` (both passes summed), so that the
    caller can read the Lanczos couplings from them.  Each pass is two
    ``gemv`` over the basis, the whole cost of reorthogonalization.
    """
    for i in range(j):
        coef[i] = 0.0
    nrm = norm2(x)
    if j == 0:
        return nrm
    c = np.empty(j, x.dtype)
    for _ in range(2):
        before = nrm
        project(Q, j, x, c)
        subtract_combination(Q, j, c, x)
        for i in range(j):
            coef[i] += c[i]
        nrm = norm2(x)
        if nrm > _DGKS * before:
            break
    return nrm


@kernel
def project(Q, j, x, c):
    """``c <- Q[:j] x``: ``j`` dot products with contiguous rows (xGEMV, 'T').

    Written out rather than calling BLAS: for the tens of rows here the
    OpenBLAS threads of ``dgemv`` cost more than the product on a loaded
    two-core machine (measured 27 ms against ~1 ms for 40 x 20000).  Four
    interleaved partial sums per row, in a fixed order (deterministic).
    """
    n = x.shape[0]
    n4 = n - n % 4
    for i in range(j):
        q = Q[i]
        s0 = s1 = s2 = s3 = 0.0
        for t in range(0, n4, 4):
            s0 += q[t] * x[t]
            s1 += q[t + 1] * x[t + 1]
            s2 += q[t + 2] * x[t + 2]
            s3 += q[t + 3] * x[t + 3]
        for t in range(n4, n):
            s0 += q[t] * x[t]
        c[i] = (s0 + s1) + (s2 + s3)


@kernel
def subtract_combination(Q, j, c, x):
    """``x <- x - Q[:j]^T c`` (xGEMV, 'N'), row by row: each row is one
    contiguous axpy, so ``x`` stays in cache while the rows stream past."""
    n = x.shape[0]
    for i in range(j):
        q = Q[i]
        ci = c[i]
        if ci != 0.0:
            for t in range(n):
                x[t] -= ci * q[t]


@kernel
def subtract_couplings(Q, j, column, x):
    """``x <- x - sum_{i<j} column[i] Q[i]`` over the nonzero couplings only.

    The local recurrence of one-sided reorthogonalization: in the bidiagonal
    part only ``column[j-1] = beta_{j-1}`` is nonzero; right after a thick
    restart ``column[:l] = rho``.  Skipping zeros keeps the cost O(m), not O(jm).
    """
    n = x.shape[0]
    for i in range(j):
        c = column[i]
        if c != 0.0:
            qi = Q[i]
            for t in range(n):
                x[t] -= c * qi[t]


@kernel
def store_normalized(Q, j, x, nrm):
    """``Q[j] <- x / nrm`` (the new Lanczos vector)."""
    inv = 1.0 / nrm
    row = Q[j]
    for t in range(x.shape[0]):
        row[t] = x[t] * inv


#: OpenBLAS runs a gemm on one thread when ``m n k <= 4 * 65536``
#: (GEMM_MULTITHREAD_THRESHOLD 4 times SMP_THRESHOLD_MIN, interface/gemm.c);
#: :func:`rotate_basis` keeps its column tiles under that so OpenBLAS threads
#: never wake inside the Lanczos loop (measured on two cores: OpenBLAS threads
#: spinning after a restart's gemm doubled the time of the parallel sparse
#: products that followed, 0.50 -> 0.92 s wall on the svds benchmark); the
#: final Rayleigh-Ritz passes (:func:`gram_rows`, :func:`times_small`) likewise
_BLAS_SERIAL_MNK = 4 * 65536


@kernel
def rotate_basis(Q, k, W, out):
    """``out[:l] <- W^T Q[:k]`` for ``W`` of shape ``(k, l)``: Ritz vectors as rows.

    The restart's only O(n k l) operation: one ``gemm`` per tile of columns,
    each small enough to run single-threaded in OpenBLAS.  Serial: a parallel
    loop here (Numba's OpenMP threads) next to the OpenBLAS-threaded ``gemv``
    of a dense operand slowed dense svds 1.7x on two cores (measured: 3000 x
    1000, "SM" 1.0 -> 1.7 s).  ``out`` must not overlap ``Q`` (the driver swaps
    two buffers).
    """
    n = Q.shape[1]
    l = W.shape[1]
    tile = max(64, _BLAS_SERIAL_MNK // max(1, k * l))
    ntiles = (n + tile - 1) // tile
    for b in range(ntiles):
        t0 = b * tile
        t1 = min(n, t0 + tile)
        gemm(1.0, W, Q[:k, t0:t1], 0.0, out[:l, t0:t1], True, False)


@kernel
def thick_restart_projection(S, X_last, beta, B):
    """The projected matrix after a thick restart with ``l`` Ritz triplets.

    ``B`` (``ncv x ncv``) is zeroed and receives ``diag(S)`` in its leading
    ``l x l`` block and ``rho = beta * X_last`` in ``B[:l, l]``, where
    ``X_last`` holds the last components of the kept left singular vectors of
    the old ``B`` (Baglama & Reichel 2005, eq. (2.14)): ``A^T (U X_l) =
    (V Y_l) S_l + v_{k+1} rho^T``.  Returns the number ``l`` of kept triplets.
    """
    B[:, :] = 0.0
    l = S.shape[0]
    for i in range(l):
        B[i, i] = S[i]
        B[i, l] = beta * X_last[i]
    return l


@kernel
def residual_norms(P, Q, s):
    """``r_i = ||P[:, i] - s_i Q[i]||_2``: the residual of each Ritz triplet.

    ``P`` is ``(dim, k)`` (a block product ``W X``), ``Q`` is ``(k, dim)``.
    """
    dim, k = P.shape
    r = np.zeros(k)
    for i in range(k):
        big = 0.0
        for t in range(dim):
            big = max(big, abs(P[t, i] - s[i] * Q[i, t]))
        if big == 0.0:
            continue
        acc = 0.0
        for t in range(dim):
            d = (P[t, i] - s[i] * Q[i, t]) / big
            acc += d * d
        r[i] = big * np.sqrt(acc)
    return r


@kernel
def combine_rows(Q, l, c, x):
    """``x <- Q[l] - c^T Q[:l]``: the start of the first step after a one-sided
    thick restart, ``c = S_l^{-1} rho`` (one ``gemv``)."""
    x[:] = Q[l]
    subtract_combination(Q, l, c, x)


@kernel
def axpy(a, x, y):
    """``y <- y + a x`` (xAXPY), the local Lanczos recurrence."""
    for t in range(y.shape[0]):
        y[t] += a * x[t]


@kernel
def local_right_step(w, alpha, v):
    """``w <- w / alpha - alpha v``: from ``A^T y`` with ``y = alpha u_j`` unnormalized
    to the one-sided recurrence's ``A^T u_j - alpha_j v_j`` (its component along
    every earlier right vector vanishes in exact arithmetic, so one
    Gram-Schmidt pass then removes only rounding and DGKS rarely repeats it)."""
    inv = 1.0 / alpha
    for t in range(w.shape[0]):
        w[t] = w[t] * inv - alpha * v[t]


@kernel
def gram_rows(Y, parts, G):
    """``G <- Y^T Y`` for a tall row-major ``Y`` (``m x k``), one pass over ``Y``.

    One ``gemm`` per tile of rows, each small enough for OpenBLAS to stay on
    one thread (:data:`_BLAS_SERIAL_MNK`; serial for the reason given in
    :func:`rotate_basis`); ``parts`` (``ntiles x k x k``, from
    :func:`row_tiles`) receives each tile's Gram matrix and they are added in
    tile order.
    """
    m, k = Y.shape
    ntiles = parts.shape[0]
    tile = (m + ntiles - 1) // ntiles
    for c in range(ntiles):
        r0 = min(m, c * tile)
        r1 = min(m, r0 + tile)
        if r1 > r0:
            gemm(1.0, Y[r0:r1], Y[r0:r1], 0.0, parts[c], True, False)
        else:
            parts[c, :, :] = 0.0
    for a in range(k):
        for b in range(k):
            acc = 0.0
            for c in range(ntiles):
                acc += parts[c, a, b]
            G[a, b] = acc


@kernel
def times_small(Y, M, out, ntiles):
    """``out <- Y M`` for a tall row-major ``Y`` (``m x k``) and a small ``M``,
    one ``gemm`` per tile of rows as in :func:`gram_rows`."""
    m = Y.shape[0]
    tile = (m + ntiles - 1) // ntiles
    for c in range(ntiles):
        r0 = min(m, c * tile)
        r1 = min(m, r0 + tile)
        if r1 > r0:
            gemm(1.0, Y[r0:r1], M, 0.0, out[r0:r1], False, False)


def row_tiles(m, k):
    """Number of row tiles of an ``m x k`` block so each tile's ``gemm`` with a
    ``k x k`` factor stays under :data:`_BLAS_SERIAL_MNK` (at least 1)."""
    rows = max(64, _BLAS_SERIAL_MNK // max(1, k * k))
    return max(1, (m + rows - 1) // rows)
