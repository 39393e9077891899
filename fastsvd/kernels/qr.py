"""Blocked Householder QR, and applying or forming its Q (xGEQRF, xORMQR, xORGQR).

``A = Q R`` with ``Q = H_0 H_1 ... H_{k-1}``, ``k = min(m, n)``.  Reflector
``H_j`` has its vector in ``A[j:, j]`` below the diagonal (``v[0] = 1``
implicit), ``R`` is the upper triangle.  Panels of ``nb`` columns are reduced
with level-2 operations; the trailing matrix is updated with the panel's compact
WY form, two matrix products (level 3), so for large ``n`` almost all the flops
run at ``gemm`` speed.

Row-major storage makes a column of ``A`` a strided vector, 4 KB between
entries for ``n = 500``; a tall panel reduced in place touches a cache line per
entry.  The panel is therefore copied transposed into a small contiguous
buffer, reduced there (each column a contiguous row, as in LAPACK's
column-major layout) and copied back, which halves the factorization's time
on tall matrices (benchmarks/TUNING.md).
"""
import numpy as np

from .._jit import kernel
from .householder import apply_reflector_left, apply_reflector_right, larfb_left, larfg, larft

#: panel width: LAPACK's ILAENV default for xGEQRF; the cost is flat between 24 and 64 here.
QR_BLOCK = 32
#: reflectors per block when applying Q (apply_q, orgqr): the application need
#: not use the factorization's blocks, and wider blocks make the products less
#: skinny; 96-128 was fastest (benchmarks/TUNING.md).
APPLY_BLOCK = 128


@kernel
def gelq2(Pt, tau, work):
    """Unblocked QR of ``Pt^T``, i.e. LQ of ``Pt`` (xGELQ2), in place.

    Column ``j`` of the panel is row ``j`` of ``Pt``; reflector ``j`` ends up in
    ``Pt[j, j:]`` (unit at ``j`` implicit) and ``R^T`` in the lower triangle.
    ``work`` has ``Pt.shape[0]`` entries.
    """
    k, p = Pt.shape
    for j in range(min(k, p)):
        t = larfg(Pt[j, j:])
        tau[j] = t
        if j + 1 < k and t != 0.0:
            pjj = Pt[j, j]
            Pt[j, j] = 1.0
            apply_reflector_right(Pt[j, j:], t, Pt[j + 1:, j:], work)
            Pt[j, j] = pjj


@kernel
def geqr2(A, tau, work):
    """Unblocked QR of ``A`` in place (xGEQR2); ``work`` has ``A.shape[1]`` entries."""
    m, n = A.shape
    for j in range(min(m, n)):
        t = larfg(A[j:, j])
        tau[j] = t
        if j + 1 < n and t != 0.0:
            ajj = A[j, j]
            A[j, j] = 1.0
            apply_reflector_left(A[j:, j], t, A[j:, j + 1:], work)
            A[j, j] = ajj


@kernel
def column_reflectors(A, j0, jb, Vt):
    """Copy the reflectors of columns ``j0 .. j0+jb-1`` into the rows of ``Vt``
    with the unit diagonal and the zeros before it written out.

    ``Vt`` is ``jb x (A.shape[0] - j0)``; row ``c`` is ``v_{j0+c}`` over rows ``j0:``.
    """
    p = A.shape[0] - j0
    for c in range(jb):
        for r in range(c):
            Vt[c, r] = 0.0
        Vt[c, c] = 1.0
    for r in range(1, p):
        # row by row of A: each read is a contiguous run of jb entries
        for c in range(min(r, jb)):
            Vt[c, r] = A[j0 + r, j0 + c]


@kernel
def _unit_reflector_rows(Pt, jb):
    """Turn the reduced panel ``Pt`` into the ``Vt`` of its block reflector."""
    for c in range(jb):
        for r in range(c):
            Pt[c, r] = 0.0
        Pt[c, c] = 1.0


@kernel
def geqrf(A, tau, nb=QR_BLOCK):
    """Blocked Householder QR of ``A`` (``m x n``) in place (xGEQRF).

    On exit ``R`` is in the upper triangle and the reflectors below it;
    ``tau`` (``min(m, n)`` entries) holds their scalars.
    """
    m, n = A.shape
    k = min(m, n)
    if k == 0:
        return
    Pt = np.empty((nb, m), A.dtype)
    T = np.empty((nb, nb), A.dtype)
    W = np.empty((2 * nb, max(n, 1)), A.dtype)
    work = np.empty(max(m, n, 1), A.dtype)
    for j0 in range(0, k, nb):
        jb = min(nb, k - j0)
        p = m - j0
        P = Pt[:jb, :p]
        # Step 1: the panel, transposed into a contiguous buffer, reduced there
        for r in range(p):
            for c in range(jb):
                P[c, r] = A[j0 + r, j0 + c]
        gelq2(P, tau[j0:j0 + jb], work)
        for r in range(p):
            for c in range(jb):
                A[j0 + r, j0 + c] = P[c, r]
        # Step 2: the trailing matrix, by the compact WY form of the panel
        if j0 + jb < n:
            _unit_reflector_rows(P, jb)
            Tb = T[:jb, :jb]
            larft(P, tau[j0:j0 + jb], Tb)
            larfb_left(P, Tb, A[j0:, j0 + jb:], True, W)


@kernel
def qr_factor_r(A):
    """``A = Q R`` (``m >= n``): returns ``(R, tau)`` with ``R`` a new ``n x n`` upper
    triangular array; ``A`` keeps the reflectors (xGEQRF, then xLACPY of R)."""
    n = A.shape[1]
    tau = np.empty(n, A.dtype)
    geqrf(A, tau)
    R = np.zeros((n, n), A.dtype)
    for i in range(n):
        for j in range(i, n):
            R[i, j] = A[i, j]
    return R, tau


@kernel
def lq_reflectors(G, k0, kb, Vt):
    """Copy reflectors ``k0 .. k0+kb-1`` stored in the rows of ``G`` (LQ storage:
    reflector ``j`` in ``G[j, j:]``, unit at ``j`` implicit, as :func:`gelq2` and
    :func:`~fastsvd.kernels.qrcp.gelqp` leave them) into the rows of ``Vt``
    (``kb x (G.shape[1] - k0)``) with the unit and the zeros before it written out."""
    p = G.shape[1] - k0
    for c in range(kb):
        for r in range(c):
            Vt[c, r] = 0.0
        Vt[c, c] = 1.0
        row = G[k0 + c]
        for r in range(c + 1, p):
            Vt[c, r] = row[k0 + r]


@kernel
def apply_q(A, tau, C, transpose, nb=APPLY_BLOCK, lq_storage=False):
    """``C <- Q C`` or ``Q^T C`` for the ``Q`` stored by :func:`geqrf` (xORMQR, side 'L').

    ``k = tau.size`` reflectors are applied; ``C`` has ``A.shape[0]`` rows.
    With ``lq_storage`` the reflectors are the rows of ``A`` instead (see
    :func:`lq_reflectors`) and ``C`` has ``A.shape[1]`` rows.
    """
    m = A.shape[1] if lq_storage else A.shape[0]
    k = tau.size
    if k == 0 or C.shape[1] == 0:
        return
    Vt = np.empty((nb, m), A.dtype)
    T = np.empty((nb, nb), A.dtype)
    W = np.empty((2 * nb, C.shape[1]), A.dtype)
    nblocks = (k + nb - 1) // nb
    for b in range(nblocks):
        # Q = H_0 ... H_{k-1}: Q C applies the last block first, Q^T C the first block first
        j0 = b * nb if transpose else (nblocks - 1 - b) * nb
        jb = min(nb, k - j0)
        Vb = Vt[:jb, :m - j0]
        Tb = T[:jb, :jb]
        if lq_storage:
            lq_reflectors(A, j0, jb, Vb)
        else:
            column_reflectors(A, j0, jb, Vb)
        larft(Vb, tau[j0:j0 + jb], Tb)
        larfb_left(Vb, Tb, C[j0:, :], transpose, W)


@kernel
def orgqr(A, tau, Q, nb=APPLY_BLOCK):
    """Form the first ``Q.shape[1]`` columns of ``Q`` from :func:`geqrf` output (xORGQR).

    Starts from ``[I; 0]`` and applies the blocks last to first; block ``j0``
    only touches ``Q[j0:, j0:]`` because the columns left of ``j0`` are still
    zero below row ``j0`` at that point, which saves a third of the flops.
    """
    m = A.shape[0]
    q = Q.shape[1]
    k = tau.size
    Q[:, :] = 0.0
    for i in range(min(m, q)):
        Q[i, i] = 1.0
    if k == 0 or q == 0:
        return
    Vt = np.empty((nb, m), A.dtype)
    T = np.empty((nb, nb), A.dtype)
    W = np.empty((2 * nb, q), A.dtype)
    nblocks = (k + nb - 1) // nb
    for b in range(nblocks - 1, -1, -1):
        j0 = b * nb
        jb = min(nb, k - j0)
        Vb = Vt[:jb, :m - j0]
        Tb = T[:jb, :jb]
        column_reflectors(A, j0, jb, Vb)
        larft(Vb, tau[j0:j0 + jb], Tb)
        larfb_left(Vb, Tb, Q[j0:, j0:], False, W)
