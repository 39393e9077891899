"""Divide and conquer SVD of an upper bidiagonal matrix (LAPACK xBDSDC / xLASD0-xLASD8).

The bidiagonal is cut at a middle row; the two halves are solved recursively
(leaves directly) and glued back through a rank-one modification whose SVD is
that of a broken-arrow matrix (Gu & Eisenstat, "A divide-and-conquer algorithm for
the bidiagonal SVD", SIAM J. Matrix Anal. Appl. 16 (1995); Jessup & Sorensen 1994).

Layout.  A node of the recursion is an ``nr x (nr + sqre)`` upper bidiagonal made of
rows ``r0 .. r0+nr-1`` and columns ``r0 .. r0+nr+sqre-1`` of ``B`` (``sqre`` is 0 or
1, xLASD1's SQRE).  Cutting at local row ``k`` gives the left node ``(r0, k, 1)``,
the row ``r0+k`` with ``alpha = d[r0+k]``, ``beta = e[r0+k]``, and the right node
``(r0+k+1, nr-k-1, sqre)``.  Singular vectors are stored as rows: ``UT`` holds
``U^T`` and ``VT`` holds ``V^T``; a node owns the diagonal blocks
``UT[r0:r0+nr, r0:r0+nr]`` and ``VT[r0:r0+nc, r0:r0+nc]``, its singular values
(descending) are ``d[r0:r0+nr]`` and, for ``sqre = 1``, row ``nc-1`` of its ``VT``
block is the null vector.  Without vectors only the first and last rows of each
node's ``V`` are kept (``VF``, ``VL``, xLASD6's VF and VL), so values cost O(n^2).
"""
import math

import numpy as np
from numba.np.ufunc.parallel import _launch_threads

from .._jit import kernel
from .numerics import NO_CONVERGENCE
from .bdsqr import bdsqr
from .blas import gemm
from .secular import arrow_vector, lowner_z, secular_root

# The leaves call bdsqr, whose rotation kernel is parallel.  A cached kernel that
# links a parallel one needs the threading layer's symbols (allocate_sched ...)
# before it is loaded from __pycache__; Numba registers them only when it
# launches its threads, so launch them at import (else: "LLVM ERROR: Symbol not
# found: allocate_sched" or a segfault in a fresh process, numba 0.68).
_launch_threads()

#: rows of a leaf of the recursion, solved by bidiagonal QR (xLASD0's SMLSIZ is 25)
LEAF_SIZE = 25
#: iteration cap of one secular root; the safeguarded rational iteration takes
#: 4-7 evaluations on random and graded arrows (tests/test_bdsdc.py measures it)
SECULAR_MAXITER = 64
#: bdsqr's own cap (its inner steps are limited to ``maxitr * n^2``), LAPACK's MAXITR
BDSQR_MAXITR = 6


@kernel
def split_tree(n, leaf_size):
    """Nodes of the recursion tree in breadth-first order (LAPACK xLASDT).

    Returns ``(start, rows, sqre, cut)``; ``cut[i]`` is the local row where node
    ``i`` is cut, or -1 for a leaf (``rows <= leaf_size``).  Children follow their
    parent, so a reverse sweep meets every child before its parent.
    """
    cap = 2 * n + 3
    start = np.empty(cap, np.int64)
    rows = np.empty(cap, np.int64)
    sq = np.empty(cap, np.int64)
    cut = np.empty(cap, np.int64)
    start[0] = 0
    rows[0] = n
    sq[0] = 0
    count = 1
    head = 0
    while head < count:
        nr = rows[head]
        if nr > leaf_size:
            k = nr // 2
            cut[head] = k
            start[count] = start[head]
            rows[count] = k
            sq[count] = 1
            start[count + 1] = start[head] + k + 1
            rows[count + 1] = nr - k - 1
            sq[count + 1] = sq[head]
            count += 2
        else:
            cut[head] = -1
        head += 1
    return start[:count], rows[:count], sq[:count], cut[:count]


@kernel
def solve_tiny_leaf(d, e, UT, VT, VF, VL, r0, nr, sqre, vectors):
    """Leaves of 0 or 1 rows in closed form: ``[d]`` or ``[d, e]`` (a 1 x 2 row)."""
    if nr == 0:
        if sqre == 1:
            if vectors:
                VT[r0, r0] = 1.0
            else:
                VF[r0] = 1.0
                VL[r0] = 1.0
        return
    a = d[r0]
    left = UT.shape[0] > 0
    if sqre == 0:
        d[r0] = abs(a)
        if vectors:
            if left:
                UT[r0, r0] = -1.0 if a < 0 else 1.0
            VT[r0, r0] = 1.0
        else:
            VF[r0] = 1.0
            VL[r0] = 1.0
        return
    b = e[r0]
    s = math.hypot(a, b)
    if s == 0.0:
        c = 1.0
        sn = 0.0
    else:
        c = a / s
        sn = b / s
    d[r0] = s
    # [a, b] = 1 * s * [c, sn]; the null vector is [-sn, c]
    if vectors:
        if left:
            UT[r0, r0] = 1.0
        VT[r0, r0] = c
        VT[r0, r0 + 1] = sn
        VT[r0 + 1, r0] = -sn
        VT[r0 + 1, r0 + 1] = c
    else:
        VF[r0] = c
        VF[r0 + 1] = -sn
        VL[r0] = sn
        VL[r0 + 1] = c


@kernel
def solve_leaf(d, e, UT, VT, VF, VL, r0, nr, sqre, vectors, maxitr):
    """Leaf of ``nr >= 2`` rows by bidiagonal QR (:func:`~fastsvd.kernels.bdsqr.bdsqr`,
    as xLASD0 calls xLASDQ).

    An ``nr x (nr+1)`` leaf (``sqre = 1``) is first made square: rotations of
    column ``i`` against the extra column, ``i = nr-1, ..., 0``, push its entry up
    and out (xLASDQ), so ``B = [B' 0] G^T`` with ``B'`` square upper bidiagonal;
    the last row of ``G^T`` is the null vector and the others go to ``bdsqr`` as the
    rows it rotates.  Returns the ``bdsqr`` status.
    """
    nc = nr + sqre
    dl = d[r0:r0 + nr].copy()
    el = np.zeros(nr, d.dtype)
    for i in range(nr - 1 + sqre):
        el[i] = e[r0 + i]
    G = np.eye(nc, dtype=d.dtype)
    if sqre == 1:
        f = el[nr - 1]
        el[nr - 1] = 0.0
        for i in range(nr - 1, -1, -1):
            r = math.hypot(dl[i], f)
            if r == 0.0:
                c = 1.0
                s = 0.0
            else:
                c = dl[i] / r
                s = f / r
            dl[i] = r
            # columns (i, nr) of B and of G: new_i = c col_i + s col_nr, new_nr = -s col_i + c col_nr
            for t in range(nc):
                gi = G[t, i]
                gn = G[t, nr]
                G[t, i] = c * gi + s * gn
                G[t, nr] = c * gn - s * gi
            if i > 0:
                f = -s * el[i - 1]
                el[i - 1] = c * el[i - 1]
    Gt = np.ascontiguousarray(G.T)
    if vectors:
        left = UT.shape[0] > 0
        Ul = np.eye(nr, dtype=d.dtype) if left else np.empty((nr, 0), d.dtype)
        Vl = Gt[:nr].copy()
        info = bdsqr(dl, el, Ul, Vl, maxitr)
        if left:
            UT[r0:r0 + nr, r0:r0 + nr] = Ul
        VT[r0:r0 + nr, r0:r0 + nc] = Vl
        if sqre == 1:
            VT[r0 + nr, r0:r0 + nc] = Gt[nr]
    else:
        Y = np.empty((nr, 2), d.dtype)
        for i in range(nr):
            Y[i, 0] = Gt[i, 0]
            Y[i, 1] = Gt[i, nc - 1]
        info = bdsqr(dl, el, np.empty((nr, 0), d.dtype), Y, maxitr)
        for i in range(nr):
            VF[r0 + i] = Y[i, 0]
            VL[r0 + i] = Y[i, 1]
        if sqre == 1:
            VF[r0 + nr] = Gt[nr, 0]
            VL[r0 + nr] = Gt[nr, nc - 1]
    d[r0:r0 + nr] = dl
    return info


@kernel
def rotate_rows(X, i, j, c, s):
    """``(X_i, X_j) <- (c X_i + s X_j, -s X_i + c X_j)`` (xROT on two contiguous rows)."""
    for t in range(X.shape[1]):
        xi = X[i, t]
        xj = X[j, t]
        X[i, t] = c * xi + s * xj
        X[j, t] = c * xj - s * xi


@kernel
def rotate_entries(x, i, j, c, s):
    xi = x[i]
    xj = x[j]
    x[i] = c * xi + s * xj
    x[j] = c * xj - s * xi


@kernel
def multiply_blocks(Q, nd, rowof, use, X, lo, hi, T):
    """``T[:, lo:hi] = Q[:, sel] @ X[rowof[nd[sel]], lo:hi]`` over the positions ``sel``
    whose old vector has support in coordinates ``lo:hi`` (xLASD3's block products).

    Old vectors from the other half of the block diagonal are zero there, so the
    inner dimension is only the number of vectors that touch ``lo:hi``.
    """
    K = nd.shape[0]
    cnt = 0
    for i in range(K):
        if use[nd[i]]:
            cnt += 1
    Qs = np.empty((K, cnt), T.dtype)
    Xs = np.empty((cnt, hi - lo), T.dtype)
    c = 0
    for i in range(K):
        p = nd[i]
        if use[p]:
            for j in range(K):
                Qs[j, c] = Q[j, i]
            Xs[c, :] = X[rowof[p], lo:hi]
            c += 1
    gemm(1.0, Qs, Xs, 0.0, T[:, lo:hi])


@kernel
def _merge_z(d, e, UT, VT, VF, VL, r0, nr, sqre, k, vectors):
    """Step 1 of :func:`merge_node`: ``z`` of the node, and its old vectors.

    ``z`` comes from the last row of the left ``V`` and the first row of the
    right ``V`` (xLASD1); for ``sqre = 1`` the two null columns are rotated
    together (the rotated-out one is the parent's null vector).  Returns
    ``(zl, zr, z0, mixed0, UB, VB, fo, lo)``: the halves of ``z``, its first
    entry after that rotation and whether it mixed the halves, the node's
    vector blocks (rows are vectors) or, without vectors, its first and last
    rows of ``V``.
    """
    nc = nr + sqre
    nc1 = k + 1
    nc2 = nc - nc1
    alpha = d[r0 + k]
    beta = e[r0 + k] if nc2 > 0 else 0.0
    left = UT.shape[0] > 0
    if vectors:
        UB = UT[r0:r0 + nr, r0:r0 + nr]
        VB = VT[r0:r0 + nc, r0:r0 + nc]
        if left:
            UB[k, :] = 0.0
            UB[k, k] = 1.0
    else:
        UB = UT[:0, :0]
        VB = VT[:0, :0]
    zl = np.empty(nc1)
    zr = np.empty(nc2)
    fo = np.zeros(0 if vectors else nc)
    lo = np.zeros(0 if vectors else nc)
    if vectors:
        for j in range(nc1):
            zl[j] = alpha * VB[j, k]
        for j in range(nc2):
            zr[j] = beta * VB[nc1 + j, nc1]
    else:
        for j in range(nc1):
            zl[j] = alpha * VL[r0 + j]
            fo[j] = VF[r0 + j]
        for j in range(nc2):
            zr[j] = beta * VF[r0 + nc1 + j]
        if nc2 > 0:
            for j in range(nc2):
                lo[nc1 + j] = VL[r0 + nc1 + j]
        else:
            for j in range(nc1):
                lo[j] = VL[r0 + j]
    z0 = zl[k]
    mixed0 = False
    if sqre == 1:
        zb = zr[nc2 - 1]
        r = math.hypot(z0, zb)
        if r == 0.0:
            c = 1.0
            s = 0.0
        else:
            c = z0 / r
            s = zb / r
        if vectors:
            rotate_rows(VB, k, nc - 1, c, s)
        else:
            rotate_entries(fo, k, nc - 1, c, s)
            rotate_entries(lo, k, nc - 1, c, s)
        z0 = r
        mixed0 = s != 0.0
    return zl, zr, z0, mixed0, UB, VB, fo, lo


@kernel
def _merge_positions(d, r0, nr, k, zl, zr, z0, mixed0):
    """Step 2 of :func:`merge_node`: the poles sorted ascending, ``d_0 = 0`` first.

    Returns, per position ``p``: the pole ``pd``, its ``z`` entry ``pz``, the row
    ``prow`` of its old left and right vectors, and which halves (top: left
    child, bottom: right child) of the left (``utop``, ``ubot``) and right
    (``vtop``, ``vbot``) vectors may be non-zero, so the block products of step
    5 skip the zero blocks.
    """
    nc1 = k + 1
    pd = np.empty(nr)
    pz = np.empty(nr)
    prow = np.empty(nr, np.int64)
    utop = np.empty(nr, np.bool_)
    ubot = np.empty(nr, np.bool_)
    vtop = np.empty(nr, np.bool_)
    vbot = np.empty(nr, np.bool_)
    pd[0] = 0.0
    pz[0] = z0
    prow[0] = k
    utop[0] = True
    ubot[0] = False
    vtop[0] = True
    vbot[0] = mixed0
    li = k - 1
    ri = nr - k - 2
    for p in range(1, nr):
        take_left = ri < 0 or (li >= 0 and d[r0 + li] <= d[r0 + nc1 + ri])
        if take_left:
            pd[p] = d[r0 + li]
            pz[p] = zl[li]
            prow[p] = li
            li -= 1
        else:
            pd[p] = d[r0 + nc1 + ri]
            pz[p] = zr[ri]
            prow[p] = nc1 + ri
            ri -= 1
        top = prow[p] < nc1
        utop[p] = top
        ubot[p] = not top
        vtop[p] = top
        vbot[p] = not top
    return pd, pz, prow, utop, ubot, vtop, vbot


@kernel
def _merge_deflate(ds, zs, tol, prow, utop, ubot, vtop, vbot, UB, VB, fo, lo, vectors):
    """Step 3 of :func:`merge_node` on the scaled poles and ``z`` (xLASD2).

    ``|z_p| <= tol`` makes ``d_p`` a singular value; ``d_p - d_q <= tol`` rotates
    ``z_q`` into ``z_p`` (the same Givens rotation on the old left and right
    vectors, whose non-zero halves then merge).  Returns the deflation mask.
    """
    nr = ds.size
    left = UB.shape[0] > 0
    if abs(zs[0]) <= tol:
        zs[0] = tol
    defl = np.zeros(nr, np.bool_)
    q = -1
    for p in range(1, nr):
        if abs(zs[p]) <= tol:
            defl[p] = True
            continue
        if q >= 1 and ds[p] - ds[q] <= tol:
            r = math.hypot(zs[p], zs[q])
            c = zs[p] / r
            s = zs[q] / r
            zs[p] = r
            zs[q] = 0.0
            defl[q] = True
            if vectors:
                if left:
                    rotate_rows(UB, prow[p], prow[q], c, s)
                rotate_rows(VB, prow[p], prow[q], c, s)
            else:
                rotate_entries(fo, prow[p], prow[q], c, s)
                rotate_entries(lo, prow[p], prow[q], c, s)
            u1 = utop[p] or utop[q]
            u2 = ubot[p] or ubot[q]
            utop[p] = u1
            utop[q] = u1
            ubot[p] = u2
            ubot[q] = u2
            v1 = vtop[p] or vtop[q]
            v2 = vbot[p] or vbot[q]
            vtop[p] = v1
            vtop[q] = v1
            vbot[p] = v2
            vbot[q] = v2
        q = p
    return defl


@kernel
def _merge_order(d, r0, pd, ds, dk, orig, taus, defl, expo):
    """Step 6 (order) of :func:`merge_node`: the node's values descending into
    ``d`` (roots ascending, deflated poles ascending, merged).  Returns
    ``slot_of``: ``>= 0`` the root in that slot, ``< 0`` deflated position ``-(p+1)``."""
    nr = pd.size
    K = dk.size
    slot_of = np.empty(nr, np.int64)
    nde = nr - K
    dpos = np.empty(nde, np.int64)
    i = 0
    for p in range(nr):
        if defl[p]:
            dpos[i] = p
            i += 1
    jr = K - 1
    jd = nde - 1
    for slot in range(nr):
        if jd < 0 or (jr >= 0 and dk[orig[jr]] + taus[jr] >= ds[dpos[jd]]):
            slot_of[slot] = jr
            d[r0 + slot] = math.ldexp(dk[orig[jr]] + taus[jr], expo)
            jr -= 1
        else:
            slot_of[slot] = -(dpos[jd] + 1)
            d[r0 + slot] = pd[dpos[jd]]
            jd -= 1
    return slot_of


@kernel
def _merge_vectors(UB, VB, dk, zhat, orig, taus, nd, prow, utop, ubot, vtop, vbot, slot_of,
                   nc1):
    """Steps 5-6 of :func:`merge_node` with vectors: the arrow's singular vectors,
    then the new vectors as old vectors times the arrow's (two block products per
    side, zero halves skipped), written back by slot."""
    K = dk.size
    nr = slot_of.size
    nc = VB.shape[0]
    left = UB.shape[0] > 0
    Qu = np.empty((K, K), VB.dtype)
    Qv = np.empty((K, K), VB.dtype)
    for j in range(K):
        arrow_vector(dk, zhat, K, orig[j], taus[j], Qu[j], Qv[j])
    # the products read the old vectors in place (they land in Tu, Tv); only
    # the deflated rows, which move to new slots unchanged, are set aside
    nde = nr - K
    nu = nr if left else 0
    Ud = np.empty((nde, nu), VB.dtype)
    Vd = np.empty((nde, nc), VB.dtype)
    i = 0
    for slot in range(nr):
        j = slot_of[slot]
        if j < 0:
            if left:
                Ud[i, :] = UB[prow[-j - 1], :]
            Vd[i, :] = VB[prow[-j - 1], :]
            i += 1
    Tu = np.empty((K, nu), VB.dtype)
    Tv = np.empty((K, nc), VB.dtype)
    if left:
        multiply_blocks(Qu, nd, prow, utop, UB, 0, nc1, Tu)
        if nr > nc1:
            multiply_blocks(Qu, nd, prow, ubot, UB, nc1, nr, Tu)
    multiply_blocks(Qv, nd, prow, vtop, VB, 0, nc1, Tv)
    if nc > nc1:
        multiply_blocks(Qv, nd, prow, vbot, VB, nc1, nc, Tv)
    # write back (row nc - 1 of VB, the null vector for sqre = 1, stays)
    i = 0
    for slot in range(nr):
        j = slot_of[slot]
        if j >= 0:
            if left:
                UB[slot, :] = Tu[j, :]
            VB[slot, :] = Tv[j, :]
        else:
            if left:
                UB[slot, :] = Ud[i, :]
            VB[slot, :] = Vd[i, :]
            i += 1


@kernel
def _merge_first_last(VF, VL, r0, sqre, fo, lo, dk, zhat, orig, taus, nd, prow, slot_of):
    """Steps 5-6 of :func:`merge_node` without vectors: only the first and last
    rows of ``V`` (xLASD6's VF and VL), which the parent's ``z`` needs."""
    K = dk.size
    nr = slot_of.size
    nc = fo.size
    uw = np.empty(K)
    vw = np.empty(K)
    nf = np.empty(nc)
    nl = np.empty(nc)
    for slot in range(nr):
        j = slot_of[slot]
        if j >= 0:
            arrow_vector(dk, zhat, K, orig[j], taus[j], uw, vw)
            sf = 0.0
            sl = 0.0
            for i in range(K):
                col = prow[nd[i]]
                sf += fo[col] * vw[i]
                sl += lo[col] * vw[i]
            nf[slot] = sf
            nl[slot] = sl
        else:
            p = -j - 1
            nf[slot] = fo[prow[p]]
            nl[slot] = lo[prow[p]]
    if sqre == 1:
        nf[nc - 1] = fo[nc - 1]
        nl[nc - 1] = lo[nc - 1]
    VF[r0:r0 + nc] = nf
    VL[r0:r0 + nc] = nl


@kernel
def merge_node(d, e, UT, VT, VF, VL, r0, nr, sqre, k, vectors, eps, max_iter):
    """Merge the two solved children of a node (LAPACK xLASD1 = xLASD2 + xLASD3).

    1. Form ``z`` and take the old vectors (:func:`_merge_z`).
    2. Sort the poles (the children's singular values) ascending, ``d_0 = 0``
       first (:func:`_merge_positions`).
    3. Scale by the largest entry (xLASD1) and deflate (:func:`_merge_deflate`).
    4. Solve the secular equation for the ``K`` remaining poles and recompute ``z``
       by Lowner's formula (Gu & Eisenstat 1995), so the vectors are orthogonal.
    5. New vectors: old vectors times the arrow's (:func:`_merge_vectors`), or
       only their first and last rows (:func:`_merge_first_last`).
    6. Values descending with their vectors in the node's storage (:func:`_merge_order`).

    Returns SUCCESS, or NO_CONVERGENCE if a root did not converge within ``max_iter``.
    """
    nc1 = k + 1
    # 1.
    zl, zr, z0, mixed0, UB, VB, fo, lo = _merge_z(d, e, UT, VT, VF, VL, r0, nr, sqre, k,
                                                  vectors)
    # 2.
    pd, pz, prow, utop, ubot, vtop, vbot = _merge_positions(d, r0, nr, k, zl, zr, z0, mixed0)
    # 3. scale by a power of two (exact) to largest entry in [0.5, 1) (xLASD1)
    orgnrm = max(abs(d[r0 + k]), abs(e[r0 + k]) if sqre + nr - nc1 > 0 else 0.0)
    for p in range(nr):
        orgnrm = max(orgnrm, pd[p])
    if orgnrm == 0.0:
        for p in range(nr):
            d[r0 + p] = 0.0
        if not vectors:
            VF[r0:r0 + nr + sqre] = fo
            VL[r0:r0 + nr + sqre] = lo
        return 0
    mant, expo = math.frexp(orgnrm)
    ds = np.empty(nr)
    zs = np.empty(nr)
    for p in range(nr):
        ds[p] = math.ldexp(pd[p], -expo)
        zs[p] = math.ldexp(pz[p], -expo)
    # tolerance of xLASD2: 8 eps times the largest entry
    tol = 8.0 * eps * mant
    defl = _merge_deflate(ds, zs, tol, prow, utop, ubot, vtop, vbot, UB, VB, fo, lo, vectors)
    K = 0
    for p in range(nr):
        if not defl[p]:
            K += 1
    nd = np.empty(K, np.int64)
    dk = np.empty(K)
    zk = np.empty(K)
    i = 0
    for p in range(nr):
        if not defl[p]:
            nd[i] = p
            dk[i] = ds[p]
            zk[i] = zs[p]
            i += 1
    # keep the smallest positive pole away from the pole at 0 (xLASD2's HLFTOL)
    if K >= 2 and dk[1] < 0.5 * tol:
        dk[1] = 0.5 * tol
    # 4.
    orig = np.empty(K, np.int64)
    taus = np.empty(K)
    info = 0
    for j in range(K):
        o, t, st = secular_root(dk, zk, K, j, eps, max_iter)
        orig[j] = o
        taus[j] = t
        if st != 0:
            info = NO_CONVERGENCE
    zhat = np.empty(K)
    lowner_z(dk, zk, K, orig, taus, zhat)
    # 6 (order), then 5.
    slot_of = _merge_order(d, r0, pd, ds, dk, orig, taus, defl, expo)
    if vectors:
        _merge_vectors(UB, VB, dk, zhat, orig, taus, nd, prow, utop, ubot, vtop, vbot, slot_of,
                       nc1)
    else:
        _merge_first_last(VF, VL, r0, sqre, fo, lo, dk, zhat, orig, taus, nd, prow, slot_of)
    return info


@kernel
def bdsdc(d, e, U, Vt, compute_vectors, leaf_size=LEAF_SIZE, max_iter=SECULAR_MAXITER,
          leaf_maxitr=BDSQR_MAXITR):
    """SVD of the upper bidiagonal with diagonal ``d`` (n,) and superdiagonal ``e`` (n-1,)
    by divide and conquer (LAPACK xBDSDC with xLASD0 / xLASDA).

    On exit ``d`` holds the singular values descending and, with
    ``compute_vectors``, ``B = U diag(d) Vt`` with ``U``, ``Vt`` (n, n) orthogonal
    (otherwise ``U`` and ``Vt`` are not referenced and the cost is O(n^2)).  ``e``
    is overwritten.  ``leaf_size`` (>= 1) bounds the rows of a leaf; ``max_iter``
    caps the iterations of each secular root, ``leaf_maxitr`` is bdsqr's cap.
    Returns 0; 1 if a secular root did not converge, 2 if a leaf's bidiagonal QR
    did not.
    """
    info = bdsdc_rows(d, e, U, Vt, compute_vectors, leaf_size, max_iter, leaf_maxitr)
    if compute_vectors:
        n = d.shape[0]
        for i in range(n):
            for j in range(i + 1, n):
                t = U[i, j]
                U[i, j] = U[j, i]
                U[j, i] = t
    return info


@kernel
def bdsdc_rows(d, e, Ut, Vt, compute_vectors, leaf_size, max_iter, leaf_maxitr):
    """:func:`bdsdc` leaving ``U^T`` in ``Ut`` (``B = Ut^T diag(d) Vt``), the layout
    the back transformation of the dense driver wants.  With vectors and an
    empty ``(0, 0)`` ``Ut`` only the right vectors are formed: the merges need
    only rows of the children's ``V`` (``z`` and the deflation), so the left
    side's rotations and block products are skipped.

    1. Scale ``B`` by a power of two (exact) to largest entry in [0.5, 1)
       (xBDSDC's ORGNRM scaling).
    2. Build the recursion tree (xLASDT).
    3. Sweep it bottom-up: solve the leaves, merge each node (xLASD1 / xLASD6).
    4. Undo the scaling.
    """
    U = Ut
    n = d.shape[0]
    if n == 0:
        return 0
    # unit roundoff of the data's precision (float64 or float32)
    # (xLAMCH('Epsilon'), as xLASD2 and xLASD4 use it)
    eps = 2.0 ** -53 if d.itemsize == 8 else 2.0 ** -24
    # 1. scale
    orgnrm = 0.0
    for i in range(n):
        orgnrm = max(orgnrm, abs(d[i]))
    for i in range(n - 1):
        orgnrm = max(orgnrm, abs(e[i]))
    if compute_vectors:
        U[:, :] = 0.0
        Vt[:, :] = 0.0
    if orgnrm == 0.0:
        if compute_vectors:
            for i in range(n):
                if U.shape[0] > 0:
                    U[i, i] = 1.0
                Vt[i, i] = 1.0
        return 0
    _, expo = math.frexp(orgnrm)
    for i in range(n):
        d[i] = math.ldexp(d[i], -expo)
    for i in range(n - 1):
        e[i] = math.ldexp(e[i], -expo)
    # 2. tree
    start, rows, sq, cut = split_tree(n, max(leaf_size, 1))
    if compute_vectors:
        VF = np.empty(0, d.dtype)
        VL = np.empty(0, d.dtype)
    else:
        VF = np.zeros(n + 1, d.dtype)
        VL = np.zeros(n + 1, d.dtype)
    # 3. bottom-up sweep
    info = 0
    for idx in range(start.shape[0] - 1, -1, -1):
        if cut[idx] < 0:
            if rows[idx] <= 1:
                solve_tiny_leaf(d, e, U, Vt, VF, VL, start[idx], rows[idx], sq[idx],
                                compute_vectors)
            else:
                st = solve_leaf(d, e, U, Vt, VF, VL, start[idx], rows[idx], sq[idx],
                                compute_vectors, leaf_maxitr)
                if st != 0:
                    info = NO_CONVERGENCE
        else:
            st = merge_node(d, e, U, Vt, VF, VL, start[idx], rows[idx], sq[idx], cut[idx],
                            compute_vectors, eps, max_iter)
            if st != 0:
                info = st
    # 4. unscale
    for i in range(n):
        d[i] = math.ldexp(d[i], expo)
    return info
