"""SVD of a stack of small matrices in one parallel loop (no Python per matrix).

Each slice of a C-contiguous ``(b, m, n)`` stack is decomposed independently:
``2 x 2`` slices by the closed form (one rotation to triangularize, then
xLASV2), the others by one-sided Jacobi (:func:`fastsvd.kernels.jacobi.gesvj_work`)
on the columns of ``A`` (or of ``A^T`` when ``m < n``, whose columns are the
contiguous rows of ``A``).  Small matrices need no QR preconditioner to be
fast, and one-sided Jacobi alone is already accurate for column-graded input.

The batch is cut into a few chunks per thread; a chunk allocates its
workspace once and runs its slices serially, so the parallel loop has no
allocation per matrix.  A slice that fails (non-finite entries, or the sweep
cap reached) gets its own status and NaN outputs; the others are unaffected.
"""
import math

import numba
import numpy as np
from numba import prange

from .._jit import kernel, parallel_kernel
from .jacobi import MAX_SWEEPS, _scaled, complete_rows, gesvj_work, power_of_two_scale
from .small import lartg, lasv2

#: per-slice status codes
OK = 0
NOT_CONVERGED = 1
NOT_FINITE = 2

#: chunks per thread: enough to even out slices that need more sweeps, few
#: enough that the per-chunk workspace allocation is negligible
CHUNKS_PER_THREAD = 8


@kernel
def svd_2x2(a, b, c, d):
    """SVD of the general ``[[a, b], [c, d]]``: one rotation from the left makes
    it upper triangular (xLARTG), then the triangular closed form (xLASV2).

    Returns ``(s1, s2, u11, u12, u21, u22, v11, v12, v21, v22)`` with
    ``A = U diag(s1, s2) V^T``, ``s1 >= s2 >= 0``.
    """
    # [cs sn; -sn cs] [a b; c d] = [r f; 0 h]
    cs, sn, r = lartg(a, c)
    f = cs * b + sn * d
    h = -sn * b + cs * d
    ssmin, ssmax, snr, csr, snl, csl = lasv2(r, f, h)
    # T = [r f; 0 h] = [csl -snl; snl csl] diag(ssmax, ssmin) [csr -snr; snr csr]^T
    # A = [cs -sn; sn cs] T
    u11 = cs * csl - sn * snl
    u21 = sn * csl + cs * snl
    u12 = -cs * snl - sn * csl
    u22 = -sn * snl + cs * csl
    v11 = csr
    v21 = snr
    v12 = -snr
    v22 = csr
    # make the singular values non-negative by flipping the left vectors
    if ssmax < 0.0:
        ssmax = -ssmax
        u11 = -u11
        u21 = -u21
    if ssmin < 0.0:
        ssmin = -ssmin
        u12 = -u12
        u22 = -u22
    return ssmax, ssmin, u11, u12, u21, u22, v11, v12, v21, v22


@kernel
def _fail(U, s, Vt):
    U[:, :] = np.nan
    s[:] = np.nan
    Vt[:, :] = np.nan


@kernel
def _slice_2x2(A, U, s, Vt, compute_uv):
    s1, s2, u11, u12, u21, u22, v11, v12, v21, v22 = svd_2x2(
        float(A[0, 0]), float(A[0, 1]), float(A[1, 0]), float(A[1, 1]))
    s[0] = s1
    s[1] = s2
    if compute_uv:
        U[0, 0] = u11
        U[0, 1] = u12
        U[1, 0] = u21
        U[1, 1] = u22
        Vt[0, 0] = v11
        Vt[0, 1] = v21
        Vt[1, 0] = v12
        Vt[1, 1] = v22


@kernel
def _slice_jacobi(A, U, s, Vt, compute_uv, full_matrices, max_sweeps,
                  G, W, norms, order, hist, valid):
    """One slice by one-sided Jacobi on preallocated workspace.

    ``G`` is ``k x l`` (``k = min(m, n)``, ``l = max(m, n)``): the columns of
    ``A`` (``m >= n``) or of ``A^T`` (``m < n``) as rows, scaled by a power of
    two so that their norms are at most one.  Returns the status.
    """
    m, n = A.shape
    k, l = G.shape
    tall = m >= n
    e = power_of_two_scale(A if tall else A.T)
    if tall:
        for i in range(m):
            for j in range(n):
                G[j, i] = _scaled(A[i, j], e)
    else:
        for i in range(m):
            for j in range(n):
                G[i, j] = _scaled(A[i, j], e)
    if compute_uv:
        W[:, :] = 0.0
        for i in range(k):
            W[i, i] = 1.0
    info, sweeps = gesvj_work(G, W, norms, order, max_sweeps, hist)
    # sort descending (insertion sort: k is small)
    for i in range(k):
        order[i] = i
    for i in range(1, k):
        t = order[i]
        j = i - 1
        while j >= 0 and norms[order[j]] < norms[t]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = t
    for i in range(k):
        s[i] = _scaled(norms[order[i]], -e)
    if not compute_uv:
        return info
    # the normalized columns (left vectors of the Jacobi matrix) go to U
    # (tall) or Vt (wide), completed to nq orthonormal vectors where a column
    # vanished or full_matrices asks for more; the rotations W give the other side
    nq = U.shape[1] if tall else Vt.shape[0]
    any_invalid = False
    for i in range(nq):
        valid[i] = i < k and norms[order[i]] > 0.0
        any_invalid = any_invalid or not valid[i]
    if tall:
        for i in range(k):
            if valid[i]:
                row = G[order[i]]
                nrm = norms[order[i]]
                for j in range(l):
                    U[j, i] = row[j] / nrm
        for i in range(k):
            Vt[i, :] = W[order[i]]
        if any_invalid:
            Ut = np.empty((nq, l), G.dtype)
            for i in range(nq):
                if valid[i]:
                    for j in range(l):
                        Ut[i, j] = U[j, i]
            complete_rows(Ut, valid[:nq])
            for i in range(nq):
                for j in range(l):
                    U[j, i] = Ut[i, j]
    else:
        for i in range(k):
            if valid[i]:
                row = G[order[i]]
                nrm = norms[order[i]]
                for j in range(l):
                    Vt[i, j] = row[j] / nrm
        if any_invalid:
            complete_rows(Vt, valid[:nq])
        for i in range(k):
            wr = W[order[i]]
            for j in range(k):
                U[j, i] = wr[j]
    return info


@parallel_kernel
def gesvj_batched(A3, compute_uv, full_matrices, max_sweeps, nchunks, U3, S2, Vt3, info):
    """SVD of every slice of ``A3`` (``(b, m, n)``) into preallocated outputs.

    ``U3`` is ``(b, m, m if full_matrices else k)``, ``S2`` ``(b, k)``, ``Vt3``
    ``(b, n if full_matrices else k, n)`` (``(b, 0, 0)`` when not
    ``compute_uv``); ``info[i]`` is 0 (success), 1 (sweep cap reached) or 2
    (non-finite entries), and failed slices hold NaN.  The batch is cut into
    ``nchunks`` contiguous chunks, each with its own workspace.
    """
    b, m, n = A3.shape
    k = min(m, n)
    l = max(m, n)
    nq = (m if full_matrices else k) if m >= n else (n if full_matrices else k)
    if b == 0 or k == 0:
        return
    nchunks = max(1, min(b, nchunks))
    for c in prange(nchunks):
        lo = (b * c) // nchunks
        hi = (b * (c + 1)) // nchunks
        G = np.empty((k, l), A3.dtype)
        W = np.empty((k, k if compute_uv else 0), A3.dtype)
        norms = np.empty(k)
        order = np.empty(k, np.int64)
        hist = np.empty(max_sweeps)
        valid = np.empty(max(nq, 1), np.bool_)
        for i in range(lo, hi):
            A = A3[i]
            s = S2[i]
            U = U3[i]
            Vt = Vt3[i]
            finite = True
            for r in range(m):
                for j in range(n):
                    if not math.isfinite(A[r, j]):
                        finite = False
            if not finite:
                info[i] = NOT_FINITE
                _fail(U, s, Vt)
                continue
            if m == 2 and n == 2:
                _slice_2x2(A, U, s, Vt, compute_uv)
                info[i] = OK
                continue
            st = _slice_jacobi(A, U, s, Vt, compute_uv, full_matrices, max_sweeps,
                               G, W, norms, order, hist, valid)
            info[i] = st
            if st != OK:
                _fail(U, s, Vt)


def svd_batched(A3, compute_uv=True, full_matrices=False, max_sweeps=MAX_SWEEPS):
    """Driver: SVD of each slice of a C-contiguous ``(b, m, n)`` float32/float64 stack.

    Returns ``(U3, S2, Vt3, info1d)`` shaped like ``numpy.linalg.svd`` on the
    stack (``U3``, ``Vt3`` empty ``(b, 0, 0)`` without ``compute_uv``).
    ``info1d[i] > 0`` marks slice ``i`` as failed (1 sweep cap, 2 non-finite);
    its outputs are NaN and the other slices are unaffected.
    """
    A3 = np.ascontiguousarray(A3)
    b, m, n = A3.shape
    k = min(m, n)
    dt = A3.dtype
    S2 = np.empty((b, k), dt)
    if compute_uv:
        U3 = np.empty((b, m, m if full_matrices else k), dt)
        Vt3 = np.empty((b, n if full_matrices else k, n), dt)
        if full_matrices and k == 0:
            U3[:] = np.eye(m, dtype=dt)
            Vt3[:] = np.eye(n, dtype=dt)
    else:
        U3 = np.empty((b, 0, 0), dt)
        Vt3 = np.empty((b, 0, 0), dt)
    info = np.zeros(b, np.int64)
    nchunks = CHUNKS_PER_THREAD * numba.get_num_threads()
    gesvj_batched(A3, compute_uv, full_matrices, max_sweeps, nchunks, U3, S2, Vt3, info)
    return U3, S2, Vt3, info
