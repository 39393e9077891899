"""Dense SVD driver: Householder reductions and bidiagonal divide and conquer (xGESDD's method).

For ``A`` of shape ``m x n`` with ``m >= n`` (the API layer transposes wide matrices):

1. tall ``A`` (``m >= 1.6 n``): ``A = Q_1 R`` first, then work on ``R``; and
   bidiagonalize ``A = Q_2 B P^T`` (both by
   :func:`~fastsvd.kernels.gesvd.reduce_to_bidiagonal`, shared with ``svd_qr``);
2. ``B = Ut^T diag(s) Vt`` by :func:`~fastsvd.kernels.bdsdc.bdsdc_rows` (values
   only: O(n^2); from ``TWO_STAGE_MIN`` on, :func:`svd_gesdd` reduces values-only
   problems in two stages instead, :func:`~fastsvd.kernels.twostage.svd_values_2stage`);
3. back-transform ``U = Q_1 Q_2 Ut^T`` and ``V^T = Vt P^T`` by blocked reflector
   applications (:func:`~fastsvd.kernels.gesvd.back_transform`).

xGESDD builds the bidiagonal's vectors explicitly and multiplies them by the
reflectors in the same way (xBDSDC with COMPQ = 'I', then xORMBR).
"""
import numpy as np

from .._jit import kernel
from .bdsdc import BDSQR_MAXITR, LEAF_SIZE, SECULAR_MAXITER, bdsdc_rows
from .bidiag import apply_pt_right
from .numerics import NOT_FINITE, bidiagonal_is_finite, scale_by_pow2
from .gesvd import QR_FIRST, back_transform, reduce_to_bidiagonal
from .twostage import BAND_WIDTH, svd_values_2stage

#: values only from this order: the two-stage reduction (dense to band by level-3
#: products, band to bidiagonal by bulge chasing) replaces the one-stage gebrd,
#: whose matrix-vector half is memory bound; the two cross between 200 and 400
#: (benchmarks/TUNING.md).
TWO_STAGE_MIN = 300


@kernel
def svd_dc(A, compute_uv, full_matrices, qr_first_ratio=QR_FIRST, leaf_size=LEAF_SIZE,
           max_iter=SECULAR_MAXITER):
    """SVD of ``A`` (``m >= n >= 1``, finite, overwritten) by bidiagonal divide and conquer.

    Returns ``(U, s, Vt, info)`` as the method-driver contract says: ``U`` is
    ``m x n`` (``m x m`` with ``full_matrices``), ``s`` descending and
    non-negative, ``Vt`` ``n x n``; empty ``U`` and ``Vt`` without
    ``compute_uv``.  ``info`` is a :mod:`~fastsvd.kernels.numerics` status: NO_CONVERGENCE when a
    secular root or a leaf's QR iteration failed, NOT_FINITE when the bidiagonal is
    not (NaN or Inf in ``A``; then ``s`` is NaN).  This kernel reduces in
    one stage; :func:`svd_gesdd`, the driver the API calls, sends large
    values-only problems to the two-stage reduction instead.
    """
    m, n = A.shape
    # 1. reductions
    qr_first = m >= qr_first_ratio * n
    W, tau_qr, d, e, tauq, taup, k = reduce_to_bidiagonal(A, qr_first)
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
        scale_by_pow2(d, k)
        return empty, d, empty, info
    # 2. bidiagonal SVD with vectors
    Ut = np.empty((n, n), A.dtype)
    Vt = np.empty((n, n), A.dtype)
    info = bdsdc_rows(d, e, Ut, Vt, True, leaf_size, max_iter, BDSQR_MAXITR)
    scale_by_pow2(d, k)
    # 3. back transformation
    U = back_transform(A, W, tau_qr, tauq, taup, Ut, Vt, qr_first, full_matrices)
    return U, d, Vt, info


@kernel
def svd_dc_right(A, leaf_size=LEAF_SIZE, max_iter=SECULAR_MAXITER):
    """Singular values and right vectors only of ``A`` (``m >= n >= 1``, finite,
    overwritten) by divide and conquer: ``(s, Vt, info)``, ``info`` as :func:`svd_dc`.

    What the Jacobi driver's second preconditioner needs (``V`` of ``R^T``):
    the merges form only the right vectors (:func:`bdsdc_rows` with an empty
    ``Ut``) and ``U`` is never back-transformed, about a third of the work
    of the full SVD with vectors.
    """
    m, n = A.shape
    W, tau_qr, d, e, tauq, taup, k = reduce_to_bidiagonal(A, m >= QR_FIRST * n)
    Vt = np.empty((n, n), A.dtype)
    if not bidiagonal_is_finite(d, e):
        d[:] = np.nan
        Vt[:, :] = np.nan
        return d, Vt, NOT_FINITE
    info = bdsdc_rows(d, e, np.empty((0, 0), A.dtype), Vt, True, leaf_size, max_iter,
                      BDSQR_MAXITR)
    scale_by_pow2(d, k)
    apply_pt_right(W, taup, Vt)
    return d, Vt, info


def svd_gesdd(A, compute_uv, full_matrices, two_stage_min=TWO_STAGE_MIN):
    """The ``dc`` method's driver (same contract as :func:`svd_dc`).

    Values only with ``n >= two_stage_min`` go to
    :func:`~fastsvd.kernels.twostage.svd_values_2stage` (same statuses),
    everything else to :func:`svd_dc`.  The choice is made here, in Python, so
    that compiling :func:`svd_dc` (the first SVD with vectors, or a call from a
    user's ``@njit`` code) does not also compile the two-stage kernels (that
    doubled the cold first call).
    """
    n = A.shape[1]
    if not compute_uv and n >= two_stage_min:
        s, info = svd_values_2stage(A, BAND_WIDTH, QR_FIRST, LEAF_SIZE, SECULAR_MAXITER)
        empty = np.empty((0, 0), A.dtype)
        return empty, s, empty, info
    return svd_dc(A, compute_uv, full_matrices)
