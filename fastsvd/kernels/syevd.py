"""SVD of a symmetric matrix through its eigen-decomposition (LAPACK xSYEVD's method).

For symmetric ``A = W diag(lam) W^T`` the SVD is ``A = U diag(|lam|) V^T`` with
``U = W`` and ``V = W diag(sign(lam))``, ordered by ``|lam|`` descending.  This is
numpy's ``svd(a, hermitian=True)``: ``eigh`` (xSYEVD on the lower triangle),
``s = |lam|`` sorted by ``argsort(s)[::-1]``, and ``vt = (u * copysign(1, lam)).T``
(so ``lam = +0.0`` keeps ``+1`` and ``V`` stays orthogonal).  As there, only the
lower triangle of ``A`` is read: a non-symmetric input is taken as the symmetric
matrix its lower triangle defines.

Steps:

1. ``A = Q T Q^T`` by blocked Householder tridiagonalization
   (:func:`~fastsvd.kernels.sytrd.sytrd_lower`, xSYTRD);
2. ``T = Z diag(lam) Z^T`` by divide and conquer
   (:func:`~fastsvd.kernels.stedc.stedc`, xSTEDC), or for values only by
   QL/QR without vectors (O(n^2)); if divide and conquer fails to converge,
   QL/QR with vectors (xSTEQR) on a saved copy of ``T``;
3. ``W^T = Z^T Q^T`` by blocked reflectors
   (:func:`~fastsvd.kernels.sytrd.ormtr_right_t`, xORMTR);
4. order by ``|lam|`` descending and move the signs into ``V^T``.

Half the flops of the general SVD's bidiagonal route go away: one reduction
(``4/3 n^3``) instead of the bidiagonalization's ``8/3 n^3``, and one
back-transformation instead of two.
"""
import math

import numpy as np

from .._jit import kernel
from .stedc import (LEAF_SIZE, NO_CONVERGENCE, NOT_FINITE, OK, SECULAR_MAXITER,
                    STEQR_MAXIT, stedc, steqr)
from .sytrd import ORMTR_BLOCK, TRD_BLOCK, ormtr_right_t, sytrd_lower


@kernel
def syevd_rows(A, compute_vectors, leaf_size=LEAF_SIZE, max_iter=SECULAR_MAXITER,
               leaf_maxit=STEQR_MAXIT):
    """Eigenvalues (ascending) and eigenvectors (as rows) of the symmetric matrix
    given by the lower triangle of ``A`` (``n x n``, overwritten) (xSYEVD, UPLO='L').

    Returns ``(lam, Wt, info)`` with ``A = Wt^T diag(lam) Wt``; ``Wt`` is an empty
    ``(0, 0)`` array without ``compute_vectors``.  ``info``: :data:`OK`,
    :data:`NO_CONVERGENCE` (divide and conquer and the QL/QR fallback both hit
    their caps), :data:`NOT_FINITE` (NaN or Inf reached ``T``; ``lam`` is NaN).
    """
    n = A.shape[0]
    d = np.empty(n, A.dtype)
    e = np.empty(max(n - 1, 0), A.dtype)
    tau = np.empty(max(n - 1, 0), A.dtype)
    # 1. tridiagonalize
    sytrd_lower(A, d, e, tau, TRD_BLOCK)
    if not compute_vectors:
        empty = np.empty((0, 0), A.dtype)
        info = stedc(d, e, empty, False, leaf_size, max_iter, leaf_maxit)
        return d, empty, info
    # 2. eigenvectors of T (rows), with QL/QR as the fallback
    d0 = d.copy()
    e0 = e.copy()
    Zt = np.empty((n, n), A.dtype)
    info = stedc(d, e, Zt, True, leaf_size, max_iter, leaf_maxit)
    if info == NO_CONVERGENCE:
        d[:] = d0
        e[:] = e0
        Zt[:, :] = 0.0
        for i in range(n):
            Zt[i, i] = 1.0
        info = steqr(d, e, Zt, True, leaf_maxit)
    if info != OK:
        d[:] = np.nan
        Zt[:, :] = np.nan
        return d, Zt, info
    # 3. back-transform: rows of Z^T Q^T are A's eigenvectors
    ormtr_right_t(A, tau, Zt, ORMTR_BLOCK)
    return d, Zt, info


@kernel
def transpose_into(X, Y):
    """``Y <- X^T`` for square arrays, in cache-sized tiles."""
    n = X.shape[0]
    bs = 64
    for i0 in range(0, n, bs):
        for j0 in range(0, n, bs):
            for i in range(i0, min(n, i0 + bs)):
                for j in range(j0, min(n, j0 + bs)):
                    Y[j, i] = X[i, j]


@kernel
def svd_hermitian(A, compute_uv, full_matrices=True):
    """SVD of the symmetric ``A`` (``n x n`` C-contiguous float32/float64, lower
    triangle read, overwritten) from its eigen-decomposition, as numpy's
    ``svd(A, hermitian=True)``.

    Returns ``(U, s, Vt, info)`` as the dense drivers do: ``s`` descending and
    non-negative, ``U`` and ``Vt`` ``n x n`` (``full_matrices`` changes nothing
    for a square matrix), empty ``(0, 0)`` arrays without ``compute_uv``.
    ``info > 0`` (1: no convergence, 2: NaN/Inf) means the result is NaN and the
    caller should fall back to the general SVD or report the failure.

    The order is numpy's: ``argsort(|lam|)`` (stable) reversed, so equal
    ``|lam|`` come out in descending order of ``lam``'s index.
    """
    n = A.shape[0]
    lam, Wt, info = syevd_rows(A, compute_uv)
    s = np.abs(lam)
    if info != OK:
        s[:] = np.nan
        if not compute_uv:
            return np.empty((0, 0), A.dtype), s, np.empty((0, 0), A.dtype), info
        return (np.full((n, n), np.nan, A.dtype), s, np.full((n, n), np.nan, A.dtype), info)
    order = np.argsort(s, kind="mergesort")[::-1]
    s = s[order]
    if not compute_uv:
        return np.empty((0, 0), A.dtype), s, np.empty((0, 0), A.dtype), info
    # 4. U = W[:, order]; V^T = (W[:, order] diag(copysign(1, lam[order])))^T
    Vt = np.empty((n, n), A.dtype)
    for k in range(n):
        j = order[k]
        sg = math.copysign(1.0, lam[j])
        Vt[k, :] = Wt[j, :]
        if sg < 0.0:
            for t in range(n):
                Vt[k, t] = -Vt[k, t]
    # U^T holds the same rows before the signs: permute Wt in place, then transpose
    for k in range(n):
        Wt[k, :] = Vt[k, :] * math.copysign(1.0, lam[order[k]])
    U = np.empty((n, n), A.dtype)
    transpose_into(Wt, U)
    return U, s, Vt, info
