"""Dense SVD driver: Householder reductions and bidiagonal QR (xGESVD's method).

The steps, for ``A`` of shape ``m x n`` with ``m >= n`` (the API layer
transposes wide matrices):

1. tall ``A`` (``m >= QR_FIRST * n``): ``A = Q_1 R`` first, then work on ``R``;
2. bidiagonalize ``A = Q_2 B P^T`` (:func:`~fastsvd.kernels.bidiag.gebrd`);
3. ``B = Ut^T diag(s) Vt`` by :func:`~fastsvd.kernels.bdsqr.bdsqr`, rotating
   ``n x n`` identities;
4. back-transform: ``U = Q_1 Q_2 Ut^T`` and ``V^T = Vt P^T``, by blocked
   reflector applications (level 3).

Starting the rotations from identities of order ``n`` (rather than from the
explicit ``m x n`` ``Q``, as xGESVD does) keeps the rotation work independent
of ``m``; the back-transformation then costs two blocked reflector
applications, which run at ``gemm`` speed.
"""
import numpy as np

from .._jit import kernel
from .bdsqr import bdsqr
from .bidiag import apply_pt_right, apply_q_brd, gebrd
from .numerics import (NO_CONVERGENCE, NOT_FINITE, SUCCESS, bidiagonal_is_finite, safe_scaling,
                       scale_by_pow2)
from .qr import apply_q, qr_factor_r

#: QR first when m >= 1.6 n: the flop counts of (QR + bidiagonalization of R)
#: and (bidiagonalization of A) cross at m = 5/3 n; LAPACK's xGESVD uses 1.6 too.
QR_FIRST = 1.6


@kernel
def reduce_to_bidiagonal(A, qr_first):
    """Steps 0-2: returns ``(R_or_A, tau_qr, d, e, tauq, taup, k)``.

    0. Entries outside xGESVD's safe range are scaled by ``2^-k`` first
       (:func:`~fastsvd.kernels.numerics.safe_scaling`; ``k = 0`` when no scaling
       was needed): the caller multiplies the singular values by ``2^k``.

    With ``qr_first`` the bidiagonalization runs on a copy of ``R`` and ``A``
    keeps the QR reflectors; otherwise on ``A`` itself (``tau_qr`` empty).
    """
    m, n = A.shape
    k = safe_scaling(A)
    if k != 0:
        scale_by_pow2(A, -k)
    if qr_first:
        W, tau_qr = qr_factor_r(A)
    else:
        tau_qr = np.empty(0, A.dtype)
        W = A
    d = np.empty(n, A.dtype)
    e = np.zeros(n, A.dtype)
    tauq = np.empty(n, A.dtype)
    taup = np.zeros(n, A.dtype)
    gebrd(W, d, e, tauq, taup)
    return W, tau_qr, d, e, tauq, taup, k


@kernel
def back_transform(A, W, tau_qr, tauq, taup, Ut, Vt, qr_first, full_matrices):
    """Step 4: ``U = Q_1 Q_2 Ut^T`` (``m x n`` or ``m x m``) and ``Vt <- Vt P^T``."""
    m, n = A.shape
    ucols = m if full_matrices else n
    if qr_first:
        # U_R = Q_2 Ut^T (n x n), then U = Q_1 [U_R 0; 0 I]
        UR = np.ascontiguousarray(Ut.T)
        apply_q_brd(W, tauq, UR)
        U = np.zeros((m, ucols), A.dtype)
        U[:n, :n] = UR
        for i in range(n, ucols):
            U[i, i] = 1.0
        apply_q(A, tau_qr, U, False)
    else:
        U = np.zeros((m, ucols), A.dtype)
        U[:n, :n] = Ut.T
        for i in range(n, ucols):
            U[i, i] = 1.0
        apply_q_brd(W, tauq, U)
    apply_pt_right(W, taup, Vt)
    return U


@kernel
def _status(unconverged, finite):
    """xBDSQR's count of unconverged entries as a driver status."""
    if not finite:
        return NOT_FINITE
    return NO_CONVERGENCE if unconverged > 0 else SUCCESS


@kernel
def svd_qr(A, compute_uv, full_matrices):
    """SVD of ``A`` (``m >= n >= 1``, finite, overwritten) by bidiagonal QR.

    Returns ``(U, s, Vt, info)`` as the method-driver contract says: ``U`` is
    ``m x n`` (``m x m`` with ``full_matrices``), ``s`` descending and
    non-negative, ``Vt`` ``n x n``; empty ``U`` and ``Vt`` without
    ``compute_uv``.  ``info``: SUCCESS, NO_CONVERGENCE (the bidiagonal QR hit its
    cap) or NOT_FINITE (NaN or Inf in ``A`` reached the bidiagonal).
    """
    m, n = A.shape
    qr_first = m >= QR_FIRST * n
    W, tau_qr, d, e, tauq, taup, k = reduce_to_bidiagonal(A, qr_first)
    finite = bidiagonal_is_finite(d, e)
    if not compute_uv:
        info = bdsqr(d, e, np.empty((n, 0), A.dtype), np.empty((n, 0), A.dtype))
        scale_by_pow2(d, k)
        return np.empty((0, 0), A.dtype), d, np.empty((0, 0), A.dtype), _status(info, finite)
    Ut = np.eye(n, dtype=A.dtype)
    Vt = np.eye(n, dtype=A.dtype)
    info = _status(bdsqr(d, e, Ut, Vt), finite)
    scale_by_pow2(d, k)
    U = back_transform(A, W, tau_qr, tauq, taup, Ut, Vt, qr_first, full_matrices)
    return U, d, Vt, info
