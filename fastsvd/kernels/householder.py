"""Householder reflectors: make one, apply one, and apply a block of them.

A reflector is ``H = I - tau v v^T`` with ``v[0] = 1``.  A block of ``k``
reflectors ``H_0 H_1 ... H_{k-1}`` is kept in compact WY form ``I - V T V^T``
(Schreiber & Van Loan 1989) so that applying it is two matrix products, the
level-3 update of every blocked reduction in this package.
"""
import math

import numpy as np

from .._jit import kernel
from .blas import gemm, gemv
from .numerics import nrm2, wide


@kernel
def larfg(x):
    """Make a reflector that maps ``x`` to ``beta e_0`` (xLARFG).

    On exit ``x[0] = beta`` and ``x[1:]`` holds ``v[1:]`` (``v[0] = 1`` is
    implicit).  Returns ``tau``; ``tau = 0`` means ``H = I`` (``x[1:]`` already
    zero).  ``beta = -sign(x[0]) ||x||``, which avoids cancellation in
    ``x[0] - beta``.  Vectors with a norm below the safe minimum are scaled up
    first, as LAPACK does, so that ``v`` is computed from normal numbers.
    """
    n = x.size
    if n <= 1:
        return 0.0
    alpha = wide(x[0])
    xnorm = nrm2(x[1:])
    if xnorm == 0.0:
        return 0.0
    beta = -math.copysign(math.hypot(alpha, xnorm), alpha)
    finfo = np.finfo(x.dtype)
    safmin = float(finfo.tiny) / float(finfo.eps)
    rsafmn = 1.0 / safmin
    knt = 0
    if abs(beta) < safmin:
        # scale up until beta is safely normal (at most a few steps: each gains 1/safmin)
        while abs(beta) < safmin and knt < 20:
            knt += 1
            for i in range(1, n):
                x[i] *= rsafmn
            beta *= rsafmn
            alpha *= rsafmn
        xnorm = nrm2(x[1:])
        beta = -math.copysign(math.hypot(alpha, xnorm), alpha)
    tau = (beta - alpha) / beta
    scal = 1.0 / (alpha - beta)
    for i in range(1, n):
        x[i] *= scal
    for _ in range(knt):
        beta *= safmin
    x[0] = beta
    return tau


@kernel
def apply_reflector_left(v, tau, C, work):
    """``C <- (I - tau v v^T) C`` (xLARF, side 'L'); ``v[0]`` is used as stored.

    ``work`` has at least ``C.shape[1]`` entries.
    """
    if tau == 0.0 or C.shape[0] == 0 or C.shape[1] == 0:
        return
    w = work[:C.shape[1]]
    gemv(1.0, C, v, 0.0, w, True)
    for i in range(C.shape[0]):
        f = tau * v[i]
        if f != 0.0:
            row = C[i]
            for j in range(w.size):
                row[j] -= f * w[j]


@kernel
def apply_reflector_right(v, tau, C, work):
    """``C <- C (I - tau v v^T)`` (xLARF, side 'R'); ``v[0]`` is used as stored."""
    if tau == 0.0 or C.shape[0] == 0 or C.shape[1] == 0:
        return
    w = work[:C.shape[0]]
    gemv(1.0, C, v, 0.0, w, False)
    for i in range(C.shape[0]):
        f = tau * w[i]
        if f != 0.0:
            row = C[i]
            for j in range(v.size):
                row[j] -= f * v[j]


@kernel
def larft(Vt, tau, T):
    """Triangular factor of a block reflector (xLARFT, forward, rowwise storage).

    ``Vt`` is ``k x p`` with the reflector vectors in its rows (unit diagonal
    and zeros left of it stored explicitly); on exit ``T`` (``k x k``, upper
    triangular, zero below) satisfies ``H_0 ... H_{k-1} = I - V T V^T`` with
    ``V = Vt^T``.  Rows, not columns: in a row-major array each vector is then
    contiguous, as a column is in LAPACK's column-major storage.

    The inner products ``V^T V`` come from one matrix product; then, column by
    column, ``T[:i, i] = -tau_i T[:i, :i] (V^T V)[:i, i]`` and ``T[i, i] = tau_i``.
    """
    k = Vt.shape[0]
    G = np.empty((k, k), Vt.dtype)
    gemm(1.0, Vt, Vt, 0.0, G, False, True)
    T[:, :] = 0.0
    for i in range(k):
        ti = tau[i]
        T[i, i] = ti
        if ti == 0.0:
            continue
        for j in range(i):
            acc = 0.0
            for r in range(j, i):
                acc += T[j, r] * G[r, i]
            T[j, i] = -ti * acc


@kernel
def larfb_left(Vt, T, C, transpose, W):
    """``C <- H C`` or ``H^T C`` with ``H = I - V T V^T``, ``V = Vt^T`` (xLARFB, side 'L').

    ``Vt`` is ``k x p`` (``p = C.shape[0]``), ``W`` a workspace of at least
    ``2k x C.shape[1]``; two level-3 products and one small triangular one.
    """
    k = Vt.shape[0]
    nc = C.shape[1]
    if k == 0 or nc == 0 or C.shape[0] == 0:
        return
    W1 = W[:k, :nc]
    W2 = W[k:2 * k, :nc]
    gemm(1.0, Vt, C, 0.0, W1, False, False)       # W1 = V^T C
    gemm(1.0, T, W1, 0.0, W2, transpose, False)   # W2 = T W1 or T^T W1
    gemm(-1.0, Vt, W2, 1.0, C, True, False)       # C -= V W2


@kernel
def larfb_right(Vt, T, C, transpose, W):
    """``C <- C H`` or ``C H^T`` with ``H = I - V T V^T``, ``V = Vt^T`` (xLARFB, side 'R').

    ``Vt`` is ``k x p`` with ``p = C.shape[1]``; ``W`` at least ``C.shape[0] x 2k``.
    """
    k = Vt.shape[0]
    mc = C.shape[0]
    if k == 0 or mc == 0 or C.shape[1] == 0:
        return
    W1 = W[:mc, :k]
    W2 = W[:mc, k:2 * k]
    gemm(1.0, C, Vt, 0.0, W1, False, True)        # W1 = C V
    gemm(1.0, W1, T, 0.0, W2, False, transpose)   # W2 = W1 T or W1 T^T
    gemm(-1.0, W2, Vt, 1.0, C, False, False)      # C -= W2 V^T
