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


#: Blue's constants for binary64 (Anderson 2017, sec. 2; LAPACK 3.10 dnrm2.f90
#: with radix 2, digits 53, minexponent -1021, maxexponent 1024): entries below
#: ``_TSML`` have squares that lose bits to underflow, entries above ``_TBIG``
#: have squares that could overflow a sum of up to 2**50 terms; those are
#: accumulated scaled by the exact powers of two ``_SSML`` and ``_SBIG``.
_TSML = 2.0 ** -511
_TBIG = 2.0 ** 486
_SSML = 2.0 ** 537
_SBIG = 2.0 ** -538


@kernel
def nrm2_accumulate(v, asml, amed, abig):
    """One entry into Blue's three sums of squares (see :func:`nrm2`): ``|v|``
    below ``_TSML`` is scaled up, above ``_TBIG`` scaled down, by powers of two."""
    ax = abs(np.float64(v))
    if ax > _TBIG:
        abig += (ax * _SBIG) * (ax * _SBIG)
    elif ax < _TSML:
        asml += (ax * _SSML) * (ax * _SSML)
    else:
        amed += ax * ax   # a NaN lands here and propagates
    return asml, amed, abig


@kernel
def nrm2_combine(asml, amed, abig):
    """``sqrt`` of Blue's three sums combined as LAPACK's dnrm2.f90: the medium
    sum joins the big one scaled, or meets the small one unscaled; a NaN in
    ``amed`` propagates either way, and ``asml`` is ignored beside ``abig``."""
    if abig > 0.0:
        if amed > 0.0 or amed != amed:
            abig += (amed * _SBIG) * _SBIG
        return np.sqrt(abig) / _SBIG
    if asml > 0.0:
        if amed > 0.0 or amed != amed:
            amed = np.sqrt(amed)
            asml = np.sqrt(asml) / _SSML
            if asml > amed:
                ymin, ymax = amed, asml
            else:
                ymin, ymax = asml, amed
            return ymax * np.sqrt(1.0 + (ymin / ymax) * (ymin / ymax))
        return np.sqrt(asml) / _SSML
    return np.sqrt(amed)


@kernel
def nrm2(x):
    """Euclidean norm of a vector over the whole exponent range (xNRM2, Blue's algorithm).

    One pass, no divisions: each entry goes into one of three sums of squares
    by its magnitude (small ones scaled up, big ones scaled down, by powers of
    two so no rounding is added), combined at the end (Blue, "A portable
    Fortran program to find the Euclidean norm of a vector", ACM TOMS 4 (1978);
    Anderson, "Algorithm 978: Safe scaling in the Level 1 BLAS", ACM TOMS 44
    (2017); LAPACK 3.10's dnrm2.f90).  A NaN entry gives NaN, an Inf gives Inf,
    a norm beyond the largest float gives Inf.  float32 input is accumulated in
    float64, whose range holds every float32 square, so the same constants serve
    both dtypes; the result is float64.  Four interleaved lanes in a fixed
    order: deterministic, and not latency-bound (measured 0.6 ms for 2e5
    entries, three times a plain sum of squares, which is not safe).
    """
    n = x.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    m0 = m1 = m2 = m3 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    n4 = n - n % 4
    for t in range(0, n4, 4):
        s0, m0, b0 = nrm2_accumulate(x[t], s0, m0, b0)
        s1, m1, b1 = nrm2_accumulate(x[t + 1], s1, m1, b1)
        s2, m2, b2 = nrm2_accumulate(x[t + 2], s2, m2, b2)
        s3, m3, b3 = nrm2_accumulate(x[t + 3], s3, m3, b3)
    for t in range(n4, n):
        s0, m0, b0 = nrm2_accumulate(x[t], s0, m0, b0)
    return nrm2_combine((s0 + s1) + (s2 + s3), (m0 + m1) + (m2 + m3), (b0 + b1) + (b2 + b3))


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
    nrm = nrm2(x)
    if j == 0:
        return nrm
    c = np.empty(j, x.dtype)
    for _ in range(2):
        before = nrm
        project(Q, j, x, c)
        subtract_combination(Q, j, c, x)
        for i in range(j):
            coef[i] += c[i]
        nrm = nrm2(x)
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
    """``r_i = ||P[:, i] - s_i Q[i]||_2``: the residual of each Ritz triplet (:func:`nrm2`).

    ``P`` is ``(dim, k)`` (a block product ``W X``), ``Q`` is ``(k, dim)``.
    """
    dim, k = P.shape
    r = np.zeros(k)
    d = np.empty(dim)
    for i in range(k):
        for t in range(dim):
            d[t] = P[t, i] - s[i] * Q[i, t]
        r[i] = nrm2(d)
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


@kernel
def max_abs(x):
    """``max |x_i|`` of a vector (xLANGE, 'M'), NaN if any entry is NaN.

    The API layer's one pass over an operand's entries: it detects NaN/Inf and
    gives the exponent by which the operand is scaled into the safe range
    (xLASCL), so the product kernels need no finiteness check of their own.
    """
    big = 0.0
    for t in range(x.shape[0]):
        a = abs(np.float64(x[t]))
        if a != a:
            return a
        if a > big:
            big = a
    return big


@kernel
def nrm2_rows(X, out):
    """``out[i] <- ||X[i]||_2`` for each row of a 2-D array, by :func:`nrm2`."""
    for i in range(X.shape[0]):
        out[i] = nrm2(X[i])
