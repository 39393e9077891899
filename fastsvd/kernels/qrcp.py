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
from .blas import gemm, gemv
from .householder import larfg
from .numerics import nrm2
from .qr import apply_q as apply_q_blocked

#: reflectors applied per block when forming ``Q C`` (LAPACK's xORMQR default width)
APPLY_BLOCK = 32
#: pivoting steps per panel of :func:`gelqp` (xGEQP3's default, from xILAENV)
PIVOT_BLOCK = 32


@kernel
def gelqp(G, jpvt, tau, nb=PIVOT_BLOCK):
    """Row-pivoted LQ of ``G`` in place, i.e. column-pivoted QR of ``A = G^T`` (xGEQP3).

    Blocked as xLAQPS: within a panel of ``nb`` steps the rows below the
    pivot are not updated; ``F`` records what the panel's reflectors owe them
    (row ``i`` is ``G_i - F_i V`` with ``V`` the panel's reflectors), so a step
    brings only its pivot row up to date and adds one column to ``F`` (a
    matrix-vector product with the untouched rows), and the panel ends with
    one matrix product ``G <- G - F V`` (level 3) instead of ``nb`` rank-one
    updates.  A panel also ends early when a partial norm must be recomputed
    (it needs the updated row).

    Parameters
    ----------
    G : (n, m) array, n <= m
        Rows are the columns of ``A``.  On exit: ``L = R^T`` in the lower
        triangle of ``G[:, :n]``, reflectors to the right of the diagonal.
    jpvt : (n,) int array
        On exit ``A P = A[:, jpvt]``.
    tau : (n,) array
        Reflector scalars.
    nb : int
        Panel width.

    Returns
    -------
    info : int
        Always 0 (kept for the kernel contract).
    """
    n, m = G.shape
    eps = np.finfo(G.dtype).eps
    # threshold of LAPACK's xLAQP2 (tol3z): recompute when (new/old)^2 < sqrt(eps)
    tol3z = math.sqrt(eps)
    pnorm = np.empty(n)   # norms of the remaining part of each row (as updated)
    onorm = np.empty(n)   # norm at the last recomputation, the reference of the downdate test
    stale = np.zeros(n, np.bool_)
    nb = max(1, min(nb, n))
    F = np.zeros((n, nb), G.dtype)
    V = np.zeros((nb, m), G.dtype)
    w = np.empty(max(n, 1), G.dtype)
    dots = np.empty(nb, G.dtype)
    for i in range(n):
        jpvt[i] = i
        pnorm[i] = nrm2(G[i])
        onorm[i] = pnorm[i]
    k0 = 0
    while k0 < n:
        jb = 0
        panel = min(nb, n - k0)
        early = False
        while jb < panel and not early:
            k = k0 + jb
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
                for j in range(jb):
                    t = F[k, j]
                    F[k, j] = F[p, j]
                    F[p, j] = t
                pnorm[p], pnorm[k] = pnorm[k], pnorm[p]
                onorm[p], onorm[k] = onorm[k], onorm[p]
                jpvt[p], jpvt[k] = jpvt[k], jpvt[p]
            # 2. bring the pivot row up to date: G_k <- G_k - F_k V (columns k0:)
            for l in range(jb):
                f = F[k, l]
                if f != 0.0:
                    for j in range(k0 + l, m):
                        G[k, j] -= f * V[l, j]
            # 3. reflector that maps G[k, k:] to beta e_0
            t = larfg(G[k, k:])
            tau[k] = t
            V[jb, k0:] = 0.0
            V[jb, k] = 1.0
            for j in range(k + 1, m):
                V[jb, j] = G[k, j]
            if k + 1 < n:
                # 4. F[:, jb] = t (G_i v - sum_l F[i, l] (v_l . v)) for the rows below
                wi = w[:n - k - 1]
                gemv(1.0, G[k + 1:, k:], V[jb, k:], 0.0, wi, False)
                for l in range(jb):
                    acc = 0.0
                    for j in range(k, m):
                        acc += V[l, j] * V[jb, j]
                    dots[l] = acc
                for i in range(k + 1, n):
                    acc = wi[i - k - 1]
                    for l in range(jb):
                        acc -= F[i, l] * dots[l]
                    F[i, jb] = t * acc
                # 5. downdate the partial norms, with the rows' current entry in column k
                for i in range(k + 1, n):
                    if pnorm[i] == 0.0:
                        continue
                    gik = G[i, k]
                    for l in range(jb + 1):
                        gik -= F[i, l] * V[l, k]
                    r = abs(gik) / pnorm[i]
                    r = max(0.0, (1.0 - r) * (1.0 + r))
                    q = pnorm[i] / onorm[i]
                    if r * q * q <= tol3z:
                        stale[i] = True
                        early = True
                    else:
                        pnorm[i] *= math.sqrt(r)
            jb += 1
        # 6. the panel's update of the rows below it, one matrix product
        kend = k0 + jb
        if kend < n:
            gemm(-1.0, F[kend:, :jb], V[:jb, k0:], 1.0, G[kend:, k0:])
        # 7. norms that cancellation made unreliable, from the updated rows
        for i in range(kend, n):
            if stale[i]:
                pnorm[i] = nrm2(G[i, kend:])
                onorm[i] = pnorm[i]
                stale[i] = False
        F[:, :jb] = 0.0
        k0 = kend
    return 0


@kernel
def apply_q(G, tau, C, nb=APPLY_BLOCK):
    """``C <- Q C`` for ``Q = H_0 ... H_{n-1}`` of :func:`gelqp` (xORMQR, side 'L', no transpose).

    ``C`` has ``m = G.shape[1]`` rows; the blocked application is
    :func:`fastsvd.kernels.qr.apply_q` on the row-stored reflectors.
    """
    apply_q_blocked(G, tau, C, False, nb, True)
