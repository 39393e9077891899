"""Householder QR with column pivoting, stored row-wise (xGEQP3 / xLAQP2).

The Jacobi preconditioner (Drmac & Veselic 2008, "New fast and accurate Jacobi
SVD algorithm I", sec. 3) needs ``A P = Q R`` with Businger-Golub pivoting: at
step ``k`` the column with the largest remaining norm is moved to position
``k``.  Pivoted columns are what the whole algorithm touches, so we work on the
transpose ``G = A^T`` (``n x m``, C-contiguous): a column of ``A`` is a
contiguous row of ``G``, a reflector is a contiguous row segment, and the
factorization is the row-pivoted LQ ``P^T G H_0 ... H_{n-1} = [L 0]`` with
``L = R^T``.  Storage follows xGELQF transposed: ``L`` in the lower triangle of
``G[:, :n]``, the vector of ``H_k`` in ``G[k, k+1:]`` (``v[0] = 1`` implicit),
its scalar in ``tau[k]``.

Partial column norms are downdated as in LAPACK 3.1+ (Drmac & Bujanovic 2008,
"On the failure of rank revealing QR factorization software", LAWN 176): a
downdated norm is recomputed from scratch once cancellation may have eaten more
than half of its digits.
"""
import math

import numpy as np

from .._jit import kernel
from .blas import gemv
from .householder import _norm2, larfg
from .qr import apply_q as apply_q_blocked

#: reflectors applied per block when forming ``Q C`` (LAPACK's xORMQR default width)
APPLY_BLOCK = 32


@kernel
def gelqp(G, jpvt, tau):
    """Row-pivoted LQ of ``G`` in place, i.e. column-pivoted QR of ``A = G^T`` (xGEQP3).

    Parameters
    ----------
    G : (n, m) array, n <= m
        Rows are the columns of ``A``.  On exit: ``L = R^T`` in the lower
        triangle of ``G[:, :n]``, reflectors to the right of the diagonal.
    jpvt : (n,) int array
        On exit ``A P = A[:, jpvt]``.
    tau : (n,) array
        Reflector scalars.

    Returns
    -------
    info : int
        Always 0 (kept for the kernel contract).
    """
    n, m = G.shape
    eps = np.finfo(G.dtype).eps
    # threshold of LAPACK's xLAQP2 (tol3z): recompute when (new/old)^2 < sqrt(eps)
    tol3z = math.sqrt(eps)
    pnorm = np.empty(n)   # norms of G[i, k:]
    onorm = np.empty(n)   # norm at the last recomputation, the reference of the downdate test
    work = np.empty(max(n, 1), G.dtype)
    for i in range(n):
        jpvt[i] = i
        pnorm[i] = _norm2(G[i])
        onorm[i] = pnorm[i]
    for k in range(n):
        # 1. pivot: the remaining column of A with the largest norm moves to position k
        p = k
        for i in range(k + 1, n):
            if pnorm[i] > pnorm[p]:
                p = i
        if p != k:
            for j in range(m):
                t = G[k, j]
                G[k, j] = G[p, j]
                G[p, j] = t
            pnorm[p], pnorm[k] = pnorm[k], pnorm[p]
            onorm[p], onorm[k] = onorm[k], onorm[p]
            jpvt[p], jpvt[k] = jpvt[k], jpvt[p]
        # 2. reflector that maps G[k, k:] to beta e_0
        t = larfg(G[k, k:])
        tau[k] = t
        # 3. apply it from the right to the remaining rows: G[k+1:, k:] (I - t v v^T)
        if k + 1 < n and t != 0.0:
            beta = G[k, k]
            G[k, k] = 1.0
            v = G[k, k:]
            w = work[:n - k - 1]
            gemv(1.0, G[k + 1:, k:], v, 0.0, w, False)
            for i in range(k + 1, n):
                f = t * w[i - k - 1]
                if f != 0.0:
                    row = G[i, k:]
                    for j in range(m - k):
                        row[j] -= f * v[j]
            G[k, k] = beta
        # 4. downdate the partial norms of the remaining rows
        for i in range(k + 1, n):
            if pnorm[i] == 0.0:
                continue
            r = abs(G[i, k]) / pnorm[i]
            r = max(0.0, (1.0 - r) * (1.0 + r))
            q = pnorm[i] / onorm[i]
            if r * q * q <= tol3z:
                pnorm[i] = _norm2(G[i, k + 1:])
                onorm[i] = pnorm[i]
            else:
                pnorm[i] *= math.sqrt(r)
    return 0


@kernel
def apply_q(G, tau, C, nb=APPLY_BLOCK):
    """``C <- Q C`` for ``Q = H_0 ... H_{n-1}`` of :func:`gelqp` (xORMQR, side 'L', no transpose).

    ``C`` has ``m = G.shape[1]`` rows; the blocked application is
    :func:`fastsvd.kernels.qr.apply_q` on the row-stored reflectors.
    """
    apply_q_blocked(G, tau, C, False, nb, True)
