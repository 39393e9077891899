"""Householder bidiagonalization ``A = Q B P^T`` and its back-transformations
(xGEBRD with an xLABRD panel, xORMBR).

For ``m >= n`` the result ``B`` is upper bidiagonal: ``d`` on the diagonal,
``e`` on the superdiagonal.  ``Q = H_0 ... H_{n-1}`` with ``H_i``'s vector in
``A[i:, i]`` (unit at row ``i``, stored like :func:`fastsvd.kernels.qr.geqrf`),
``P = G_0 ... G_{n-2}`` with ``G_i``'s vector in ``A[i, i+1:]`` (unit at column
``i + 1``).

The blocked reduction (Dongarra, Hammarling & Sorensen 1989) reduces ``nb``
rows and columns at a time, keeping the update of the trailing matrix in two
``n x nb`` matrices ``X`` and ``Y`` so that it is applied at the end of the panel
as ``A <- A - V Y^T - X U^T``, two matrix products.  About half of the flops
remain matrix-vector products with the trailing matrix, which is the bound on
what any one-stage bidiagonalization can reach.
"""
import numpy as np

from .._jit import kernel
from .blas import gemm, gemv
from .householder import apply_reflector_left, apply_reflector_right, larfb_right, larft, larfg
from .qr import apply_q

#: panel width (LAPACK's ILAENV default for xGEBRD)
BRD_BLOCK = 32
#: below this many remaining columns the unblocked code finishes (LAPACK's crossover, 128)
BRD_CROSSOVER = 128


@kernel
def gebd2(A, d, e, tauq, taup, work):
    """Unblocked bidiagonalization of ``A`` (``m >= n``) in place (xGEBD2)."""
    m, n = A.shape
    for i in range(n):
        tq = larfg(A[i:, i])
        tauq[i] = tq
        d[i] = A[i, i]
        if i + 1 < n:
            A[i, i] = 1.0
            apply_reflector_left(A[i:, i], tq, A[i:, i + 1:], work)
            A[i, i] = d[i]
            tp = larfg(A[i, i + 1:])
            taup[i] = tp
            e[i] = A[i, i + 1]
            A[i, i + 1] = 1.0
            apply_reflector_right(A[i, i + 1:], tp, A[i + 1:, i + 1:], work)
            A[i, i + 1] = e[i]
        else:
            taup[i] = 0.0


@kernel
def labrd(A, nb, d, e, tauq, taup, X, Y):
    """Reduce the first ``nb`` rows and columns of ``A`` (``m >= n``) (xLABRD).

    Returns with the reflectors in ``A`` and ``A[i, i] = A[i, i+1] = 1`` for the
    panel's rows (the caller restores ``d`` and ``e`` after the trailing update),
    ``X`` (``m x nb``) and ``Y`` (``n x nb``) such that the trailing matrix is
    ``A[nb:, nb:] - A[nb:, :nb] Y[nb:, :]^T - X[nb:, :] A[:nb, nb:]``.
    """
    for i in range(nb):
        a_col = A[i:, i]
        # bring column i up to date with the panel's previous reflectors
        gemv(-1.0, A[i:, :i], Y[i, :i], 1.0, a_col, False)
        gemv(-1.0, X[i:, :i], A[:i, i], 1.0, a_col, False)
        tq = larfg(a_col)
        tauq[i] = tq
        d[i] = A[i, i]
        A[i, i] = 1.0
        # Y[i+1:, i] = tq (A^T v - Y (A_panel^T v) - A_top^T (X^T v)), all with updated A
        y_col = Y[i + 1:, i]
        tmp = Y[:i, i]
        gemv(1.0, A[i:, i + 1:], a_col, 0.0, y_col, True)
        gemv(1.0, A[i:, :i], a_col, 0.0, tmp, True)
        gemv(-1.0, Y[i + 1:, :i], tmp, 1.0, y_col, False)
        gemv(1.0, X[i:, :i], a_col, 0.0, tmp, True)
        gemv(-1.0, A[:i, i + 1:], tmp, 1.0, y_col, True)
        for r in range(y_col.size):
            y_col[r] *= tq
        # bring row i up to date, then make the right reflector
        a_row = A[i, i + 1:]
        gemv(-1.0, Y[i + 1:, :i + 1], A[i, :i + 1], 1.0, a_row, False)
        gemv(-1.0, A[:i, i + 1:], X[i, :i], 1.0, a_row, True)
        tp = larfg(a_row)
        taup[i] = tp
        e[i] = A[i, i + 1]
        A[i, i + 1] = 1.0
        # X[i+1:, i] = tp (A u - A_panel (Y^T u) - X (A_top u))
        x_col = X[i + 1:, i]
        tmp = X[:i + 1, i]
        gemv(1.0, A[i + 1:, i + 1:], a_row, 0.0, x_col, False)
        gemv(1.0, Y[i + 1:, :i + 1], a_row, 0.0, tmp, True)
        gemv(-1.0, A[i + 1:, :i + 1], tmp, 1.0, x_col, False)
        tmp = X[:i, i]
        gemv(1.0, A[:i, i + 1:], a_row, 0.0, tmp, False)
        gemv(-1.0, X[i + 1:, :i], tmp, 1.0, x_col, False)
        for r in range(x_col.size):
            x_col[r] *= tp


@kernel
def gebrd(A, d, e, tauq, taup, nb=BRD_BLOCK, crossover=BRD_CROSSOVER):
    """Blocked reduction of ``A`` (``m >= n``) to upper bidiagonal form in place (xGEBRD).

    ``d`` has ``n`` entries, ``e``, ``tauq`` and ``taup`` at least ``n - 1``
    (``tauq`` ``n``; ``taup[n-1] = 0``).
    """
    m, n = A.shape
    work = np.empty(max(m, n, 1), A.dtype)
    X = np.empty((m, nb), A.dtype)
    Y = np.empty((n, nb), A.dtype)
    j0 = 0
    while n - j0 > max(crossover, nb):
        Aj = A[j0:, j0:]
        labrd(Aj, nb, d[j0:], e[j0:], tauq[j0:], taup[j0:], X[:m - j0], Y[:n - j0])
        gemm(-1.0, Aj[nb:, :nb], Y[nb:n - j0, :nb], 1.0, Aj[nb:, nb:], False, True)
        gemm(-1.0, X[nb:m - j0, :nb], Aj[:nb, nb:], 1.0, Aj[nb:, nb:], False, False)
        for i in range(nb):
            Aj[i, i] = d[j0 + i]
            Aj[i, i + 1] = e[j0 + i]
        j0 += nb
    gebd2(A[j0:, j0:], d[j0:], e[j0:], tauq[j0:], taup[j0:], work)


@kernel
def row_reflectors(A, j0, jb, Vt):
    """Copy the right reflectors of rows ``j0 .. j0+jb-1`` into the rows of ``Vt``.

    Reflector ``i`` lives in ``A[i, i+1:]`` with its unit at column ``i + 1``;
    ``Vt`` is ``jb x (A.shape[1] - j0 - 1)`` and column ``r`` of ``Vt`` stands
    for column ``j0 + 1 + r`` of ``A``.
    """
    p = A.shape[1] - j0 - 1
    for c in range(jb):
        for r in range(c):
            Vt[c, r] = 0.0
        Vt[c, c] = 1.0
        for r in range(c + 1, p):
            Vt[c, r] = A[j0 + c, j0 + 1 + r]


@kernel
def apply_q_brd(A, tauq, C):
    """``C <- Q C`` with the ``Q`` of :func:`gebrd` (xORMBR, 'Q', 'L', 'N').

    Blocks of 64 reflectors, the fastest of 32, 64 and 128 (benchmarks/TUNING.md).
    """
    apply_q(A, tauq, C, False, 64)


@kernel
def apply_pt_right(A, taup, C, nb=BRD_BLOCK):
    """``C <- C P^T`` with the ``P`` of :func:`gebrd` (xORMBR, 'P', 'R', 'T').

    ``P^T = G_{n-2} ... G_0`` and each block is ``I - V T V^T``, so the last
    block is applied first, transposed.
    """
    n = A.shape[1]
    k = n - 1
    if k <= 0 or C.shape[0] == 0:
        return
    Vt = np.empty((nb, n), A.dtype)
    T = np.empty((nb, nb), A.dtype)
    W = np.empty((C.shape[0], 2 * nb), A.dtype)
    nblocks = (k + nb - 1) // nb
    for b in range(nblocks - 1, -1, -1):
        j0 = b * nb
        jb = min(nb, k - j0)
        Vb = Vt[:jb, :n - j0 - 1]
        Tb = T[:jb, :jb]
        row_reflectors(A, j0, jb, Vb)
        larft(Vb, taup[j0:j0 + jb], Tb)
        larfb_right(Vb, Tb, C[:, j0 + 1:], True, W)
