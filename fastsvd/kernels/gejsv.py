"""Preconditioned one-sided Jacobi SVD (xGEJSV): high relative accuracy.

Preconditioning (Drmac & Veselic 2008; LAPACK xGEJSV): row sorting, QR with
column pivoting ``A P = Q R``, then Jacobi (:mod:`~fastsvd.kernels.gesvj`) on
``R^T``, with the transposition heuristic for square ``A``.  This gives high
relative accuracy for ``A = D1 B D2`` with ``B`` well conditioned (Demmel, Gu,
Eisenstat, Slapnicar, Veselic & Drmac 1999).

A second preconditioner from order 48 on (:func:`svd_jacobi_report`): the
right singular vectors ``V0`` of ``R^T`` by divide and conquer, and Jacobi on
``R^T V0`` (Demmel & Veselic 1992, sec. 7, suggest a fast SVD's ``V`` as
preconditioner).  That product is accepted only with a certificate that each
of its columns is known to a small relative error (:func:`rotate_by`), the
kind of perturbation Jacobi's own rotations make; its columns are then
orthogonal up to rounding and a few screened passes finish.
"""
import math
from typing import NamedTuple

import numpy as np

from .._jit import kernel
from .gesdd import svd_dc_right
from .numerics import NOT_FINITE
from .gesvj import (MAX_SWEEPS, _safe_range, _scale_factors, _scaled, complete_rows, gesvj,
                    gesvj_screened, power_of_two_scale, row_norm)
from .qrcp import apply_q, gelqp

#: order from which :func:`svd_jacobi_report` first takes the SVD of ``R^T``
#: by divide and conquer and runs Jacobi on ``R^T V0`` (its step 2): below it
#: the extra SVD costs more than the sweeps it saves (benchmarks/bench_jacobi.py)
DC_PRECONDITION_MIN = 48
#: the certificate ``c`` of :func:`rotate_by` accepted, per ``sqrt(n)``.
#: Accepting means that the columns of ``R^T V0`` carry relative errors of at
#: most ``gamma_n c`` (``<= 64 n^1.5 eps`` in the worst case; a rounded sum of
#: ``n`` terms behaves like ``sqrt(n) eps c`` in practice): the kind of
#: perturbation one-sided Jacobi's own rotations make, ``O(n eps)`` per sweep.
#: ``c`` is near 1 on graded input whose ``V0`` is accurate, grows like
#: ``sqrt(n) ||B^-1||`` (``B`` the column-scaled ``R^T``) otherwise, and is
#: huge where the fast SVD got the small entries of ``V0`` only to ``eps``
#: absolute (about 1-3 on graded input, 20-130 on Gaussian n = 64..500).
CERTIFICATE_MAX = 64.0



# --------------------------------------------------------------------------
# preconditioner and assembly (xGEJSV)
# --------------------------------------------------------------------------

@kernel
def _entropy(sq):
    """Normalized entropy ``-sum d_i log d_i / log n`` of ``d = sq / sum(sq)`` (xGEJSV)."""
    total = np.sum(sq)
    if total == 0.0 or sq.size < 2:
        return 0.0
    h = 0.0
    for v in sq:
        d = v / total
        if d > 0.0:
            h -= d * math.log(d)
    return h / math.log(sq.size)


@kernel
def gejsv_nan(A, compute_uv, full_matrices):
    """NaN outputs of the driver's shapes, for input holding NaN or Inf."""
    m, n = A.shape
    dt = A.dtype
    Vt = np.full((n, n) if compute_uv else (0, 0), np.nan, dt)
    U = np.full((m, m if full_matrices else n) if compute_uv else (0, 0), np.nan, dt)
    return U, np.full(n, np.nan, dt), Vt


@kernel
def gejsv_precondition(A):
    """Steps 0-4 of xGEJSV: scaling, transposition heuristic, row sorting and
    QR with column pivoting.

    Returns ``(finite, e, transposed, rowperm, G, jpvt, tau, R)``: ``finite``
    is False (and the rest empty) when ``A`` holds NaN or Inf; ``2^e`` is the
    exact scaling; ``transposed`` says that ``B = 2^e A^T`` was factored
    instead of ``B = 2^e A``; ``B[rowperm] P = Q R`` with the reflectors of
    ``Q`` in ``G`` (row-pivoted LQ form, :func:`gelqp`) and ``P = I[:, jpvt]``;
    ``R`` is the ``n x n`` upper triangular factor, whose rows are the columns
    of the Jacobi matrix ``X = R^T``.
    """
    m, n = A.shape
    dt = A.dtype
    # 0. NaN or Inf: no rotation can make sense of it; say so instead of iterating
    for i in range(m):
        for j in range(n):
            if not np.isfinite(A[i, j]):
                none = np.empty(0, np.int64)
                return (False, 0, False, none, np.empty((0, 0), dt), none, np.empty(0, dt),
                        np.empty((0, 0), dt))
    # 1. exact scaling by a power of two when the matrix is tiny or near overflow
    e = power_of_two_scale(A)
    B = np.empty((m, n), dt)
    f1, f2 = _scale_factors(e)
    for i in range(m):
        for j in range(n):
            B[i, j] = (A[i, j] * f1) * f2
    # 2. transposition heuristic (square only, xGEJSV): work on A^T when its
    #    rows are more graded (lower entropy of the squared row norms) than
    #    its columns, so that the column pivoting sees the grading
    transposed = False
    if m == n and n > 1:
        csq = np.zeros(n)
        rsq = np.zeros(m)
        # squares of entries scaled by the power of two of the largest (no overflow)
        bmax = 0.0
        for i in range(m):
            for j in range(n):
                bmax = max(bmax, abs(float(B[i, j])))
        fb = math.ldexp(1.0, -math.frexp(bmax)[1]) if bmax > 0.0 else 1.0
        for i in range(m):
            for j in range(n):
                b2 = (float(B[i, j]) * fb) ** 2
                csq[j] += b2
                rsq[i] += b2
        if _entropy(rsq) < _entropy(csq):
            transposed = True
            B = np.ascontiguousarray(B.T)
    # 3. row sorting by decreasing max-norm (Powell & Reid; Cox & Higham 1998):
    #    makes Householder QR row-wise backward stable for row-graded input
    rmax = np.empty(m)
    for i in range(m):
        a = 0.0
        for j in range(n):
            a = max(a, abs(B[i, j]))
        rmax[i] = -a
    rowperm = np.argsort(rmax, kind="mergesort")
    G = np.empty((n, m), dt)
    for i in range(m):
        src = B[rowperm[i]]
        for j in range(n):
            G[j, i] = src[j]
    # 4. QR with column pivoting, A P = Q R, as the row-pivoted LQ of G = A^T
    jpvt = np.empty(n, np.int64)
    tau = np.empty(n, dt)
    gelqp(G, jpvt, tau)
    R = np.zeros((n, n), dt)
    for k in range(n):
        for j in range(k, n):
            R[k, j] = G[j, k]
    return True, e, transposed, rowperm, G, jpvt, tau, R


@kernel
def gejsv_assemble(A, compute_uv, full_matrices, e, transposed, rowperm, G, jpvt, tau, X, W,
                   norms):
    """Steps 6-8 of xGEJSV, after Jacobi has orthogonalized the rows of ``X``
    (the columns of ``R^T W^T``): singular values in descending order with the
    scaling undone, and the vectors.

    ``W`` holds the accumulated rotations as rows (``X = W R`` on exit; empty
    without vectors), ``norms`` the final row norms of ``X``.  Returns
    ``(U, s, Vt)`` of ``A``.
    """
    m, n = A.shape
    dt = A.dtype
    # 6. singular values, descending, undo the scaling
    order = np.argsort(-norms, kind="mergesort")
    s = np.empty(n, dt)
    for k in range(n):
        s[k] = _scaled(norms[order[k]], -e)
    if not compute_uv:
        return np.zeros((0, 0), dt), s, np.zeros((0, 0), dt)
    # 7. right vectors of B: V_B = P U_1, U_1 = normalized columns of R^T W^T (rows of X)
    Vt = np.zeros((n, n), dt)
    valid = np.ones(n, np.bool_)
    for k in range(n):
        nk = norms[order[k]]
        row = X[order[k]]
        if nk == 0.0:
            valid[k] = False
            continue
        for j in range(n):
            Vt[k, jpvt[j]] = row[j] / nk
    if not np.all(valid):
        complete_rows(Vt, valid)
    # 8. left vectors of B: U_B = Pr^T Q [V_1 0; 0 I], V_1 = W^T
    mu = m if (full_matrices and not transposed) else n
    C = np.zeros((m, mu), dt)
    for k in range(n):
        wk = W[order[k]]
        for i in range(n):
            C[i, k] = wk[i]
    for i in range(n, mu):
        C[i, i] = 1.0
    apply_q(G, tau, C)
    U = np.empty((m, mu), dt)
    for i in range(m):
        U[rowperm[i]] = C[i]
    if transposed:
        # B = A^T = U_B S V_B^T, so A = V_B S U_B^T
        return np.ascontiguousarray(Vt.T), s, np.ascontiguousarray(U.T)
    return U, s, Vt


@kernel
def _identity_rows(n, compute_uv, dtype_probe):
    """``W = I`` (``n x n``) to accumulate rotations, or ``n x 0`` without vectors."""
    if compute_uv:
        return np.eye(n, dtype=dtype_probe.dtype)
    return np.zeros((n, 0), dtype_probe.dtype)


# --------------------------------------------------------------------------
# divide and conquer as a second preconditioner
# --------------------------------------------------------------------------

@kernel
def rotate_by(R, Vt0):
    """``X1 = Vt0 R`` (rows: the columns of ``R^T V0``) and its certificate.

    ``V0`` is an approximation to the right singular vectors of ``X = R^T``
    (from a fast SVD).  The product is formed by BLAS, so its column ``j``
    carries an error of at most ``gamma_n sum_k |V0[k, j]| |x_k|`` (``x_k``
    the columns of ``X``).  Returns ``(X1, c)`` with

        c = max_j sum_k |V0[k, j]| |x_k| / |x1_j|,

    so that every column of ``X1`` is known to ``gamma_n c`` relative to its
    own norm: a column-wise relative perturbation, the kind under which
    one-sided Jacobi keeps relative accuracy (Demmel & Veselic 1992).  ``c``
    is infinite when a column of ``X1`` is zero or so small that the rounding
    of the product may have underflowed.
    """
    n = R.shape[0]
    lo, hi = _safe_range(R)
    fi = np.finfo(R.dtype)
    # below this a product's underflow (tiny * eps per term) could matter
    floor = float(fi.tiny) / float(fi.eps) * n * math.sqrt(n)
    X1 = np.dot(Vt0, R)
    rn = np.empty(n)
    for k in range(n):
        rn[k] = row_norm(R, k, lo, hi)
    cert = 0.0
    for j in range(n):
        nj = row_norm(X1, j, lo, hi)
        if not nj >= floor:
            return X1, math.inf
        num = 0.0
        for k in range(n):
            num += abs(float(Vt0[j, k])) * rn[k]
        cert = max(cert, num / nj)
    return X1, cert


@kernel
def _compose(Wp, Vt0):
    """``W = Wp Vt0``: the polishing rotations after the preconditioner's ``V0^T``."""
    return np.dot(Wp, Vt0)


# --------------------------------------------------------------------------
# drivers
# --------------------------------------------------------------------------

class JacobiReport(NamedTuple):
    """Result of :func:`svd_jacobi_report`: the SVD and how it was reached."""
    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray
    #: 0 converged, 1 sweep cap reached, 2 NaN or Inf in the input
    info: int
    #: Jacobi sweeps run (the last one rotated nothing when ``info == 0``)
    sweeps: int
    #: largest ``|cos|`` between two working columns in the last sweep: they
    #: are orthogonal to this precision (at most ``sqrt(n) eps`` on convergence)
    max_cos: float
    #: ``"qrcp"``: Jacobi on ``R^T``; ``"qrcp+dc"``: on ``R^T V0`` (see :func:`svd_jacobi`)
    preconditioner: str
    #: the certificate ``c`` of :func:`rotate_by` (NaN when not formed): each
    #: column of ``R^T V0`` was known to ``n eps c`` relative to its norm
    certificate: float


def svd_jacobi_report(A, compute_uv=True, full_matrices=False, max_sweeps=MAX_SWEEPS,
                      dc_min=DC_PRECONDITION_MIN, certificate_max=CERTIFICATE_MAX):
    """Preconditioned Jacobi SVD with its convergence record (:class:`JacobiReport`).

    Steps (Drmac & Veselic 2008 for 1, 3 and 4; step 2 is the preconditioner
    Demmel & Veselic 1992, sec. 7, suggest, with an a-posteriori check):

    1. row sorting and QR with column pivoting, ``B P = Q R``
       (:func:`gejsv_precondition`); the Jacobi matrix is ``X = R^T``;
    2. for ``n >= dc_min``: right singular vectors ``V0`` of ``X`` by divide
       and conquer (:func:`~fastsvd.kernels.gesdd.svd_dc_right`), then
       ``X1 = X V0`` and its certificate ``c`` (:func:`rotate_by`).  ``X1`` is
       ``U S`` up to rounding, so Jacobi needs 3-4 screened passes on it (one
       that rotates ~1% of the pairs, then the few at the tolerance) instead of
       about ten sweeps on ``X``.  Accepted when ``c <= certificate_max sqrt(n)``:
       then ``X1`` differs from the exact ``X V0`` by column-wise relative
       errors of at most ``n eps c``, the same kind (and, since
       ``c <= sqrt(n) ||B_X^{-1}||`` for exact ``V0``, about the same size) as
       the errors Jacobi's own rotations make.  For a strongly graded ``X``
       whose small entries of ``V0`` the fast SVD got only to ``eps`` absolute,
       ``c`` is large and the step is skipped;
    3. one-sided Jacobi on the rows of ``X1``, its inner products screened by
       a matrix product (:func:`gesvj_screened`), or :func:`gesvj` on the rows
       of ``X`` when step 2 was skipped, failed or did not converge;
    4. singular values and vectors (:func:`gejsv_assemble`).
    """
    A = np.ascontiguousarray(A)
    hist = np.zeros(max_sweeps)
    finite, e, transposed, rowperm, G, jpvt, tau, R = gejsv_precondition(A)
    if not finite:
        U, s, Vt = gejsv_nan(A, compute_uv, full_matrices)
        return JacobiReport(U, s, Vt, NOT_FINITE, 0, 0.0, "qrcp", math.nan)
    n = R.shape[0]
    cert = math.nan
    if n >= dc_min:
        _, Vt0, dc_info = svd_dc_right(np.ascontiguousarray(R.T))
        if dc_info == 0:
            X1, cert = rotate_by(R, Vt0)
            if cert <= certificate_max * math.sqrt(n):
                Wp = _identity_rows(n, compute_uv, A)
                info, sweeps, norms = gesvj_screened(X1, Wp, max_sweeps, hist)
                if info == 0:
                    W = _compose(Wp, Vt0) if compute_uv else Wp
                    U, s, Vt = gejsv_assemble(A, compute_uv, full_matrices, e, transposed,
                                              rowperm, G, jpvt, tau, X1, W, norms)
                    return JacobiReport(U, s, Vt, 0, int(sweeps), float(hist[sweeps - 1]),
                                        "qrcp+dc", float(cert))
                hist[:] = 0.0
    W = _identity_rows(n, compute_uv, A)
    info, sweeps, norms = gesvj(R, W, max_sweeps, hist)
    U, s, Vt = gejsv_assemble(A, compute_uv, full_matrices, e, transposed, rowperm, G, jpvt, tau,
                              R, W, norms)
    return JacobiReport(U, s, Vt, int(info), int(sweeps),
                        float(hist[sweeps - 1]) if sweeps else 0.0, "qrcp", float(cert))


def svd_jacobi(A, compute_uv=True, full_matrices=False):
    """Driver for the API: SVD by preconditioned one-sided Jacobi (xGEJSV).

    ``A`` is C-contiguous float32/float64, ``m >= n >= 1``, finite.  Returns
    ``(U, s, Vt, info)`` with ``U`` ``(m, n)`` (``(m, m)`` if ``full_matrices``),
    ``s`` descending, ``Vt`` ``(n, n)``; ``info = 0`` success, ``1`` the sweep cap
    was reached, ``2`` NaN or Inf in ``A`` (the results are NaN).  Without
    ``compute_uv`` ``U`` and ``Vt`` are empty ``(0, 0)``.  Singular values have
    high relative accuracy for ``A = D1 B D2`` with ``B`` well conditioned.
    The steps are those of :func:`svd_jacobi_report`.
    """
    r = svd_jacobi_report(A, compute_uv, full_matrices)
    return r.U, r.s, r.Vt, r.info
