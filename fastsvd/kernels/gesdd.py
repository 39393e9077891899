"""Dense SVD driver: Householder reductions and bidiagonal divide and conquer (xGESDD's method).

For ``A`` of shape ``m x n`` with ``m >= n`` (the API layer transposes wide matrices):

1. tall ``A`` (``m >= 1.6 n``): ``A = Q_1 R`` first, then work on ``R``; and
   bidiagonalize ``A = Q_2 B P^T`` (both by the lead's
   :func:`~fastsvd.kernels.gesvd.reduce_to_bidiagonal`, shared with ``svd_qr``);
2. ``B = Ut^T diag(s) Vt`` by :func:`~fastsvd.kernels.bdsdc.bdsdc_rows` (values
   only: O(n^2));
3. back-transform ``U = Q_1 Q_2 Ut^T`` and ``V^T = Vt P^T`` by blocked reflector
   applications (:func:`~fastsvd.kernels.gesvd.back_transform`).

xGESDD builds the bidiagonal's vectors explicitly and multiplies them by the
reflectors in the same way (xBDSDC with COMPQ = 'I', then xORMBR).
"""
import numpy as np

from .._jit import kernel
from .bdsdc import BDSQR_MAXITR, LEAF_SIZE, SECULAR_MAXITER, bdsdc_rows
from .gesvd import QR_FIRST, back_transform, reduce_to_bidiagonal


#: status of a non-finite bidiagonal (the API reports NaN/Inf input for it)
NOT_FINITE = 3


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


@kernel
def svd_dc(A, compute_uv, full_matrices, qr_first_ratio=QR_FIRST, leaf_size=LEAF_SIZE,
           max_iter=SECULAR_MAXITER):
    """SVD of ``A`` (``m >= n >= 1``, finite, overwritten) by bidiagonal divide and conquer.

    Returns ``(U, s, Vt, info)`` as the method-driver contract says: ``U`` is
    ``m x n`` (``m x m`` with ``full_matrices``), ``s`` descending and
    non-negative, ``Vt`` ``n x n``; empty ``U`` and ``Vt`` without
    ``compute_uv``.  ``info > 0``: the bidiagonal solver failed (1: a secular
    root, 2: a leaf's QR iteration did not converge, 3: the bidiagonal is not
    finite, e.g. NaN or Inf in ``A``; then ``s`` is NaN).
    """
    m, n = A.shape
    # 1. reductions
    qr_first = m >= qr_first_ratio * n
    W, tau_qr, d, e, tauq, taup = reduce_to_bidiagonal(A, qr_first)
    if not bidiagonal_is_finite(d, e):
        # NaN/Inf spread through the reflectors; the secular solver must not see it
        d[:] = np.nan
        if not compute_uv:
            return np.empty((0, 0), A.dtype), d, np.empty((0, 0), A.dtype), NOT_FINITE
        U = np.full((m, m if full_matrices else n), np.nan, A.dtype)
        return U, d, np.full((n, n), np.nan, A.dtype), NOT_FINITE
    if not compute_uv:
        # 2. values only
        empty = np.empty((0, 0), A.dtype)
        info = bdsdc_rows(d, e, empty, empty, False, leaf_size, max_iter, BDSQR_MAXITR)
        return empty, d, empty, info
    # 2. bidiagonal SVD with vectors
    Ut = np.empty((n, n), A.dtype)
    Vt = np.empty((n, n), A.dtype)
    info = bdsdc_rows(d, e, Ut, Vt, True, leaf_size, max_iter, BDSQR_MAXITR)
    # 3. back transformation
    U = back_transform(A, W, tau_qr, tauq, taup, Ut, Vt, qr_first, full_matrices)
    return U, d, Vt, info
