"""Kernels of the randomized range finder (Halko, Martinsson & Tropp 2011).

HMT, "Finding structure with randomness", SIAM Review 53 (2011): the range
finder with power iterations is their Algorithm 4.4 (subspace iteration); the
normalization between the products (sec. 4.5) keeps the columns from all
collapsing onto the top singular vector.  Any ``Y -> Y T`` with ``T``
invertible ``k x k`` serves, since only the span matters between products:
Householder QR (most stable) or the permuted unit lower factor ``P L`` of an
LU with partial pivoting (cheaper, and what scikit-learn uses: Szlam, Kluger &
Tygert 2014, "An implementation of a randomized algorithm for principal
component analysis", sec. 3).  The a-posteriori estimate is HMT sec. 4.3,
Lemma 4.1.

Blocks are row-major ``(rows, k)`` with ``k`` small (tens), so each row update
is a contiguous ``k``-vector.
"""
import numpy as np

from .._jit import kernel
from .blas import gemm
from .lanczos import nrm2
from .qr import geqrf, orgqr, qr_factor_r


@kernel
def lu_permuted_l(Y):
    """``P L`` of the LU factorization with partial pivoting ``Y = P L U`` (xGETF2).

    ``Y`` (``m x k``, ``m >= k``) is overwritten by its factors (rows swapped
    physically, as LAPACK does); the returned ``m x k`` array is ``P L`` with
    ``L`` unit lower trapezoidal, SciPy's ``lu(Y, permute_l=True)[0]``.  A zero
    pivot column (rank-deficient ``Y``) is left unreduced: ``L`` then has a
    unit diagonal and zeros below it there, so ``P L`` stays full rank.
    Cost ``m k^2``, right-looking; every update touches contiguous row tails.
    """
    m, k = Y.shape
    perm = np.arange(m)
    for j in range(min(m, k)):
        # 1. pivot: largest magnitude in column j at or below the diagonal
        p = j
        big = abs(Y[j, j])
        for i in range(j + 1, m):
            a = abs(Y[i, j])
            if a > big:
                big = a
                p = i
        if p != j:
            for c in range(k):
                t = Y[j, c]
                Y[j, c] = Y[p, c]
                Y[p, c] = t
            t = perm[j]
            perm[j] = perm[p]
            perm[p] = t
        if big == 0.0:
            continue
        # 2. multipliers and the rank-one update of the trailing block
        inv = 1.0 / Y[j, j]
        for i in range(j + 1, m):
            lij = Y[i, j] * inv
            Y[i, j] = lij
            if lij != 0.0:
                for c in range(j + 1, k):
                    Y[i, c] -= lij * Y[j, c]
    # 3. P L: row i of the factored array is row perm[i] of the original
    PL = np.zeros((m, k), Y.dtype)
    for i in range(m):
        r = perm[i]
        for c in range(min(i, k)):
            PL[r, c] = Y[i, c]
        if i < k:
            PL[r, i] = 1.0
    return PL


@kernel
def thin_qr(Y):
    """``Y = Q R`` with ``Q`` ``m x k`` orthonormal and ``R`` ``k x k`` upper
    triangular (xGEQRF + xORGQR, ``m >= k``); ``Y`` is overwritten."""
    m, k = Y.shape
    R, tau = qr_factor_r(Y)
    Q = np.empty((m, k), Y.dtype)
    orgqr(Y, tau, Q)
    return Q, R


@kernel
def qr_orthonormal(Y):
    """Orthonormal basis ``Q`` (``m x k``) of the columns of ``Y`` (xGEQRF + xORGQR).

    ``Y`` is overwritten.  Householder QR, so ``Q`` is orthonormal to working
    precision whatever the conditioning of ``Y`` (HMT sec. 4.5).
    """
    m, k = Y.shape
    tau = np.empty(min(m, k), Y.dtype)
    geqrf(Y, tau)
    Q = np.empty((m, min(m, k)), Y.dtype)
    orgqr(Y, tau, Q)
    return Q


@kernel
def flip_signs(U, Vt, u_based):
    """scikit-learn's ``svd_flip``: make the largest-magnitude entry of each
    column of ``U`` (or, with ``u_based`` false, of each row of ``Vt``) positive,
    flipping the matching row of ``Vt`` (column of ``U``) with it.

    Ties go to the first index (``argmax``); a zero vector keeps sign 0 as in
    scikit-learn's ``np.sign``, i.e. is zeroed together with its partner.
    """
    k = U.shape[1]
    for j in range(k):
        if u_based:
            col = U[:, j]
            idx = np.argmax(np.abs(col))
            sign = np.sign(col[idx])
        else:
            row = Vt[j]
            idx = np.argmax(np.abs(row))
            sign = np.sign(row[idx])
        if sign != 1.0:
            for i in range(U.shape[0]):
                U[i, j] *= sign
            for i in range(Vt.shape[1]):
                Vt[j, i] *= sign


@kernel
def probe_error(MW, U, s, Vt, W):
    """``max_i ||(M - U diag(s) Vt) w_i||`` over the columns ``w_i`` of ``W``.

    ``MW = M W`` is computed by the caller (one block product).  HMT Lemma 4.1:
    for ``r`` Gaussian probes, ``||M - U S Vt|| <= 10 sqrt(2/pi) max_i ||...w_i||``
    with probability at least ``1 - 10^-r``; the caller applies the factor.
    """
    k = s.shape[0]
    r = W.shape[1]
    T = np.empty((k, r), MW.dtype)
    gemm(1.0, Vt, W, 0.0, T)
    for i in range(k):
        for c in range(r):
            T[i, c] *= s[i]
    E = MW.copy()
    gemm(-1.0, U, T, 1.0, E)
    worst = 0.0
    col = np.empty(E.shape[0], E.dtype)
    for c in range(r):
        col[:] = E[:, c]
        # max() would drop a NaN: keep it, so a non-finite product is not read as 0
        e = nrm2(col)
        if e > worst or e != e:
            worst = e
    return worst


@kernel
def cholesky_upper(G):
    """``G = R^T R`` for symmetric ``G`` (``k x k``), upper ``R`` returned (xPOTRF, 'U').

    Returns ``(R, ok)``; ``ok`` is false when a pivot is not positive, i.e. ``G``
    is numerically singular (the caller then falls back to Householder QR).
    """
    k = G.shape[0]
    R = np.zeros((k, k), G.dtype)
    for j in range(k):
        d = G[j, j]
        for p in range(j):
            d -= R[p, j] * R[p, j]
        if not d > 0.0:
            return R, False
        rjj = np.sqrt(d)
        R[j, j] = rjj
        for c in range(j + 1, k):
            t = G[j, c]
            for p in range(j):
                t -= R[p, j] * R[p, c]
            R[j, c] = t / rjj
    return R, True


@kernel
def upper_inverse(R):
    """``R^{-1}`` of an upper triangular ``k x k`` matrix (xTRTRI), by columns."""
    k = R.shape[0]
    Ri = np.zeros((k, k), R.dtype)
    for j in range(k):
        Ri[j, j] = 1.0 / R[j, j]
        for i in range(j - 1, -1, -1):
            t = 0.0
            for p in range(i + 1, j + 1):
                t += R[i, p] * Ri[p, j]
            Ri[i, j] = -t / R[i, i]
    return Ri


@kernel
def cholesky_qr2(Y):
    """``Y = Q R`` for tall-skinny ``Y`` by CholeskyQR2 (Fukaya, Nakatsukasa,
    Yanagisawa & Yamamoto 2014), falling back to Householder QR.

    Each pass is one Gram ``gemm``, a ``k x k`` Cholesky and one ``gemm`` with
    ``R^{-1}``: level-3 work streaming the rows once, against ``k`` column
    sweeps for Householder on a row-major array.  Two passes give ``Q``
    orthonormal to O(eps) when ``cond(Y) <~ eps^{-1/2}`` (their thm. 3.3); the
    first pass's ``R`` is checked against that (``diag ratio`` above
    ``1e7``, with margin under ``eps^{-1/2} ~ 6.7e7``) and Householder QR
    (:func:`thin_qr`) takes over when it fails.  Returns ``(Q, R)``.
    """
    m, k = Y.shape
    Q = Y.copy()
    R = np.eye(k, dtype=Y.dtype)
    for _ in range(2):
        G = np.empty((k, k), Y.dtype)
        gemm(1.0, Q, Q, 0.0, G, True, False)
        Rp, ok = cholesky_upper(G)
        if ok:
            big = 0.0
            small = np.inf
            for i in range(k):
                big = max(big, Rp[i, i])
                small = min(small, Rp[i, i])
            ok = small * 1e7 > big
        if not ok:
            return thin_qr(Y.copy())
        Qn = np.empty_like(Q)
        gemm(1.0, Q, upper_inverse(Rp), 0.0, Qn)
        Q = Qn
        Rn = np.empty((k, k), Y.dtype)
        gemm(1.0, Rp, R, 0.0, Rn)
        R = Rn
    return Q, R
