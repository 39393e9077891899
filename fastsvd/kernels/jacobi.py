"""One-sided Jacobi SVD with precision tracking (xGESVJ), preconditioned as in xGEJSV.

Algorithm (Drmac & Veselic 2008, "New fast and accurate Jacobi SVD algorithm"
I and II, SIAM J. Matrix Anal. Appl. 29; LAPACK xGESVJ / xGEJSV):

* one-sided Jacobi rotates pairs of columns until they are mutually orthogonal;
  ``sigma_i`` = column norms, ``V`` = accumulated rotations, ``U`` = normalized
  columns.  A pair is skipped when ``|cos angle(a_p, a_q)| <= tol`` with
  ``tol = sqrt(m) eps``; a sweep that rotates nothing ends the iteration.
* the working columns are the rows of a C-contiguous array ``G`` (``G = X^T``),
  so every dot product and rotation runs over contiguous memory;
* column norms are computed in scaled form (``scale, sumsq``, xLASSQ) and kept
  as norms, never squares, so entries near ``1e+-300`` neither overflow nor
  underflow; cosines of tiny or huge columns are formed from columns scaled
  by powers of two; norms are updated by the rotation formulas and recomputed
  when cancellation makes the update unreliable;
* de Rijk's pivoting (the column of largest norm leads each row of the
  cyclic sweep) and Rutishauser's stable rotation formulas;
* preconditioning: row sorting, QR with column pivoting ``A P = Q R``, then
  Jacobi on ``R^T`` (xGEJSV), with the transposition heuristic for square
  ``A``.  This gives high relative accuracy for ``A = D1 B D2`` with ``B`` well
  conditioned (Demmel, Gu, Eisenstat, Slapnicar, Veselic & Drmac 1999).
* a second preconditioner from order 48 on (:func:`svd_jacobi_report`): the
  right singular vectors ``V0`` of ``R^T`` by divide and conquer, and Jacobi
  on ``R^T V0`` (Demmel & Veselic 1992, sec. 7, suggest a fast SVD's ``V`` as
  preconditioner).  That product is accepted only with a certificate that
  each of its columns is known to a small relative error
  (:func:`rotate_by`), the kind of perturbation Jacobi's own rotations make;
  its columns are then orthogonal up to rounding and the Jacobi passes
  (:func:`gesvj_screened`) find their few remaining pairs by one matrix
  product instead of ``n^2 / 2`` dot products.  500 x 500: ~0.1 s instead of
  ~0.5 s (10 sweeps on ``R^T``).
"""
import math
from typing import NamedTuple

import llvmlite.binding as _llvm
import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.core import cgutils
from numba.extending import get_cython_function_address, intrinsic

from .._jit import kernel, parallel_kernel
from .blas import gemm, syrk_upper
from .gesdd import svd_dc_right
from .qrcp import apply_q, gelqp

#: sweep cap: xGESVJ's NSWEEP; well-preconditioned matrices need 3-8 sweeps
MAX_SWEEPS = 30
#: order from which :func:`svd_jacobi_report` first takes the SVD of ``R^T``
#: by divide and conquer and runs Jacobi on ``R^T V0`` (see its step 2).
#: Measured 2026-11-23 on Gaussian input (ms, with / without vectors):
#: n = 40: 1.06 / 1.01 against 1.02 / 0.89 without the step; 48: 1.48 / 1.31
#: against 1.67 / 1.39; 64: 1.46 / 1.36 against 2.20 / 1.84; 500: 200 against 770
DC_PRECONDITION_MIN = 48
#: the certificate ``c`` of :func:`rotate_by` accepted, per ``sqrt(n)``.
#: Accepting means that the columns of ``R^T V0`` carry relative errors of at
#: most ``gamma_n c`` (``<= 64 n^1.5 eps`` in the worst case; a rounded sum of
#: ``n`` terms behaves like ``sqrt(n) eps c`` in practice): the kind of
#: perturbation one-sided Jacobi's own rotations make, ``O(n eps)`` per sweep.
#: ``c`` is near 1 on graded input whose ``V0`` is accurate, grows like
#: ``sqrt(n) ||B^-1||`` (``B`` the column-scaled ``R^T``) otherwise, and is
#: huge where the fast SVD got the small entries of ``V0`` only to ``eps``
#: absolute.  Measured: c = 1.0-2.7 on the graded test matrices (n = 40, sigma
#: down to 1e-48, relative errors as without the step), 21 on Gaussian
#: n = 64, 56 at n = 200, 125 at n = 500.
CERTIFICATE_MAX = 64.0
#: status for NaN or Inf in the input (s, U, V come back NaN)
NOT_FINITE = 2

#: row length from which the dot product goes to BLAS (below it a plain loop
#: is as fast and has no call overhead; measured 2026-11-23 on a loaded machine:
#: 25 ns vs 35 ns at length 32, 49 ns vs 91 ns at 100, 188 ns vs 160 ns at 500)
_BLAS_DOT = 256

#: records of W rotations per buffer in :func:`gesvj_pipelined` (2 buffers of
#: ``2^17 x 32`` bytes = 4 MB each; a 500-column sweep, 124750 pairs, fits one)
PIPELINE_RECORDS = 1 << 17

# BLAS xDOT of scipy's OpenBLAS (the library blas.py calls), registered by name
# so that kernels calling it stay cachable
_llvm.add_symbol("fastsvd_ddot", get_cython_function_address("scipy.linalg.cython_blas", "ddot"))


@intrinsic
def _ddot_at(typingctx, n, x, y):
    """BLAS ``ddot(n, x, 1, y, 1)`` on raw addresses ``x, y`` of float64 data.

    ``np.dot`` inside a kernel costs ~80 ns of checks and view handling per
    call, as much as the product itself at length 500 (measured 2026-11-23:
    160 ns vs 83 ns per call); this calls BLAS with ``n`` and the unit
    increments in stack slots of the caller.
    """
    sig = types.float64(types.intp, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        nv, px, py = args
        i32 = ir.IntType(32)
        dp = ir.DoubleType().as_pointer()
        pn = cgutils.alloca_once(builder, i32)
        builder.store(builder.trunc(nv, i32), pn)
        pone = cgutils.alloca_once(builder, i32)
        builder.store(ir.Constant(i32, 1), pone)
        fnty = ir.FunctionType(ir.DoubleType(), [i32.as_pointer(), dp, i32.as_pointer(), dp,
                                                 i32.as_pointer()])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "fastsvd_ddot")
        xp = builder.inttoptr(px, dp)
        yp = builder.inttoptr(py, dp)
        return builder.call(fn, [pn, xp, pone, yp, pone])
    return sig, codegen


# --------------------------------------------------------------------------
# scaled norms and cosines
# --------------------------------------------------------------------------

@kernel
def _safe_range(dtype_probe):
    """``(lo, hi)``: magnitudes whose squares and pairwise products stay far
    inside the normal range of the array's dtype (powers of two, 2/5 of the exponent range)."""
    fi = np.finfo(dtype_probe.dtype)
    lo = math.ldexp(1.0, int(0.4 * fi.minexp))
    hi = math.ldexp(1.0, int(0.4 * fi.maxexp))
    return lo, hi


@kernel
def sweep_constants(G):
    """``(eps, tiny, rooteps, lo, hi, tol)`` of a Jacobi iteration on the rows of
    ``G``: the dtype's epsilon and smallest normal, ``sqrt(eps)`` (xGESVJ's
    threshold for recomputing an updated norm), the safe range of
    :func:`_safe_range`, and ``tol = sqrt(m) eps``, xGESVJ's CTOL: a rotation
    below it cannot change the columns beyond their rounding errors."""
    fi = np.finfo(G.dtype)
    eps = float(fi.eps)
    lo, hi = _safe_range(G)
    return eps, float(fi.tiny), math.sqrt(eps), lo, hi, math.sqrt(G.shape[1]) * eps


@kernel
def _blas_dot(x, y):
    """BLAS xDOT on contiguous 1-D views (kept out of line: its checks would
    otherwise stop the short loop below from being inlined)."""
    return float(np.dot(x, y))


@kernel
def _dot(G, p, q):
    """``G[p] . G[q]``: BLAS for long rows, four partial sums for medium, a plain loop for short.

    Rows are addressed by index, never as views: a view in a hot loop costs an
    atomic reference-count update, which dominated small matrices (measured).
    Without fastmath the compiler may not reassociate a sum, so one accumulator
    runs at the latency of an add; four independent ones run at its throughput.
    """
    m = G.shape[1]
    if m >= _BLAS_DOT:
        if G.itemsize == 8 and G.strides[1] == 8:
            base = G.ctypes.data
            return _ddot_at(m, base + p * G.strides[0], base + q * G.strides[0])
        return _blas_dot(G[p], G[q])
    if m < 16:
        s = 0.0
        for k in range(m):
            s += G[p, k] * G[q, k]
        return s
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    m4 = m - m % 4
    for k in range(0, m4, 4):
        s0 += G[p, k] * G[q, k]
        s1 += G[p, k + 1] * G[q, k + 1]
        s2 += G[p, k + 2] * G[q, k + 2]
        s3 += G[p, k + 3] * G[q, k + 3]
    for k in range(m4, m):
        s0 += G[p, k] * G[q, k]
    return (s0 + s1) + (s2 + s3)


@kernel
def lassq(G, i, lo, hi):
    """Scaled sum of squares (xLASSQ): ``||x|| = scale * sqrt(sumsq)``.

    Two passes: the largest magnitude first; if it lies in ``[lo, hi]`` the
    plain sum of squares cannot over- or underflow (``scale = 1``), otherwise
    the entries are scaled by the power of two of the largest one (exact).
    """
    m = G.shape[1]
    amax = 0.0
    for k in range(m):
        a = abs(G[i, k])
        if a > amax:
            amax = a
    if amax == 0.0 or not math.isfinite(amax):
        return amax, 1.0 if amax != 0.0 else 0.0
    if lo <= amax <= hi:
        return 1.0, _dot(G, i, i)
    e = math.frexp(amax)[1]
    # 2^-e may itself be out of range for subnormal amax: scale in two exact steps
    e1 = -(e // 2)
    f1 = math.ldexp(1.0, e1)
    f2 = math.ldexp(1.0, -e - e1)
    ssq = 0.0
    for k in range(m):
        t = (G[i, k] * f1) * f2
        ssq += t * t
    return math.ldexp(1.0, e), ssq


@kernel
def row_norm(G, i, lo, hi):
    """Euclidean norm of row ``i`` from its scaled form (never squares a huge or tiny entry)."""
    scale, ssq = lassq(G, i, lo, hi)
    return scale * math.sqrt(ssq)


@kernel
def cosine(G, p, q, nx, ny, lo, hi):
    """``cos angle(x, y) = x.y / (||x|| ||y||)`` for rows ``x = G[p]``, ``y = G[q]``.

    The norms ``nx, ny`` are given.

    When both norms lie in ``[lo, hi]`` the plain dot product is exact enough
    (no product of entries can overflow, underflow costs less than eps of
    ``nx ny``); otherwise both rows are scaled by the powers of two of their
    norms first, as xGESVJ does with its scaled copy of ``a_p``.
    """
    if lo <= nx <= hi and lo <= ny <= hi:
        return (_dot(G, p, q) / nx) / ny
    ex = math.frexp(nx)[1]
    ey = math.frexp(ny)[1]
    fx1 = math.ldexp(1.0, -(ex // 2))
    fx2 = math.ldexp(1.0, -ex + ex // 2)
    fy1 = math.ldexp(1.0, -(ey // 2))
    fy2 = math.ldexp(1.0, -ey + ey // 2)
    s = 0.0
    for k in range(G.shape[1]):
        s += ((G[p, k] * fx1) * fx2) * ((G[q, k] * fy1) * fy2)
    return (s / math.ldexp(nx, -ex)) / math.ldexp(ny, -ey)


# --------------------------------------------------------------------------
# one rotation
# --------------------------------------------------------------------------

@kernel
def rotation(cs, nx, ny, eps):
    """Jacobi rotation that makes columns ``x, y`` orthogonal (Rutishauser 1966).

    With ``a_xx = nx^2``, ``a_yy = ny^2``, ``a_xy = cs nx ny`` the angle solves
    ``zeta = (a_yy - a_xx) / (2 a_xy)``, ``t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2))``
    (the smaller root, so the rotation is at most 45 degrees).  ``zeta`` is
    formed from the ratio ``r <= 1`` of the norms, never from squares; for
    ``|zeta| > 1/eps`` the root is ``1 / (2 zeta)``.  The new norms follow from
    ``a_xx' = a_xx - t a_xy``, ``a_yy' = a_yy + t a_xy`` as factors of the old.

    Returns
    -------
    c, s : float
        ``x' = c x - s y``, ``y' = s x + c y``.
    fx, fy : float
        ``||x'||^2 = fx nx^2``, ``||y'||^2 = fy ny^2`` (may be slightly negative
        after cancellation; the caller recomputes those norms).
    """
    if nx >= ny:
        r = ny / nx
        sgn = -1.0
    else:
        r = nx / ny
        sgn = 1.0
    num = (1.0 - r) * (1.0 + r)
    den = 2.0 * r * cs
    if num * eps > abs(den):
        t = sgn * den / (2.0 * num)
    else:
        zeta = sgn * num / den
        t = math.copysign(1.0, zeta) / (abs(zeta) + math.sqrt(1.0 + zeta * zeta))
    c = 1.0 / math.sqrt(1.0 + t * t)
    s = t * c
    tc = t * cs
    if nx >= ny:
        fx = 1.0 - tc * r
        fy = 1.0 + tc / r
    else:
        fx = 1.0 - tc / r
        fy = 1.0 + tc * r
    return c, s, fx, fy


@kernel
def rotate_rows(G, p, q, c, s):
    """``x <- c x - s y``, ``y <- s x + c y`` for ``x = G[p]``, ``y = G[q]``, in Rutishauser's form
    ``x - s (y + tau x)``, ``y + s (x - tau y)`` with ``tau = s / (1 + c)``: the
    update is a small correction when the angle is small, so no digits of
    ``x`` and ``y`` are lost to rounding ``c`` near one."""
    tau = s / (1.0 + c)
    for k in range(G.shape[1]):
        xk = G[p, k]
        yk = G[q, k]
        G[p, k] = xk - s * (yk + tau * xk)
        G[q, k] = yk + s * (xk - tau * yk)


@kernel
def _rotate_pair(G, W, norms, p, q, cs, eps, rooteps, tiny, lo, hi, rotate_w):
    """Rotate rows ``p, q`` of ``G`` (and ``W``) and bring their norms up to date.

    Returns the rotation ``(c, s)``."""
    npp = norms[p]
    nqq = norms[q]
    c, s, fx, fy = rotation(cs, npp, nqq, eps)
    rotate_rows(G, p, q, c, s)
    if rotate_w:
        rotate_rows(W, p, q, c, s)
    # the factor formula loses digits when the norm drops a lot (xGESVJ's
    # criterion: recompute when the squared ratio falls below sqrt(eps))
    if fx <= rooteps:
        npn = row_norm(G, p, lo, hi)
    else:
        npn = npp * math.sqrt(fx)
    if fy <= rooteps:
        nqn = row_norm(G, q, lo, hi)
    else:
        nqn = nqq * math.sqrt(fy)
    norms[p] = _flush(G, p, npn, tiny)
    norms[q] = _flush(G, q, nqn, tiny)
    return c, s


@kernel
def _flush(G, i, nrm, tiny):
    """A row whose norm is below the underflow threshold (with the largest row
    scaled near one) is noise far below eps: make it exactly zero."""
    if nrm < tiny:
        for k in range(G.shape[1]):
            G[i, k] = 0.0
        return 0.0
    return nrm


# --------------------------------------------------------------------------
# sweeps
# --------------------------------------------------------------------------

@kernel
def _sweep_row(G, W, norms, order, i, tol, eps, rooteps, tiny, lo, hi, rotate_w, last_rot, sweep,
               rec_p, rec_q, rec_c, rec_s, cnt):
    """Row ``i`` of a de Rijk sweep: pivot, then visit the pairs ``(order[i], order[j]), j > i``.

    The steps of :func:`_visit` and :func:`_rotate_pair` are written out in
    the loop (same operations, same results): with one call per pair the
    array arguments' reference counting and the calls cost ~15% of a sweep
    (measured 2026-11-23, 500 x 500: 53-61 ms vs 45-46 ms per sweep).  A
    rotation is applied to ``W`` when ``rotate_w``; when the records
    ``rec_p, rec_q, rec_c, rec_s`` are not empty it is written there instead,
    from position ``cnt`` (:func:`gesvj_pipelined`).

    ``last_rot[c]`` (if not empty) is the last sweep that rotated column
    ``c``.  A pair neither of whose columns was rotated in this sweep or the
    previous one is skipped without a dot product: it was visited in the
    previous sweep with the same columns and norms (norms are recomputed from
    the same rows), hence found orthogonal, and nothing changed since.  This
    saves most of the last sweep, the one that only confirms convergence.

    Returns
    -------
    maxcos : float
        Largest ``|cos|`` met.
    maxkept : float
        Largest ``|cos|`` of a pair visited and left unrotated (a bound for
        the pairs the next sweep skips).
    skipped : bool
        Some pair was skipped as unchanged.
    nrot : int
        Rotations applied.
    cnt : int
        Records written so far.
    stop : bool
        The pivot column is zero: every remaining column is, the sweep ends.
    """
    n, m = G.shape
    # 1. de Rijk: the largest remaining column leads this row of the sweep
    b = i
    for j in range(i + 1, n):
        if norms[order[j]] > norms[order[b]]:
            b = j
    order[i], order[b] = order[b], order[i]
    p = order[i]
    if norms[p] == 0.0:
        return 0.0, 0.0, False, 0, cnt, True
    record = rec_p.size > 0
    skip = last_rot.size > 0
    maxcos = 0.0
    maxkept = 0.0
    skipped = False
    nrot = 0
    for j in range(i + 1, n):
        # 2. rotate unless the pair is orthogonal to working precision
        q = order[j]
        if skip and last_rot[p] < sweep - 1 and last_rot[q] < sweep - 1:
            skipped = True
            continue
        npp = norms[p]
        nqq = norms[q]
        if npp == 0.0 or nqq == 0.0:
            continue
        if lo <= npp <= hi and lo <= nqq <= hi:
            cs = (_dot(G, p, q) / npp) / nqq
        else:
            cs = cosine(G, p, q, npp, nqq, lo, hi)
        acs = abs(cs)
        if acs > maxcos:
            maxcos = acs
        if acs <= tol or min(npp, nqq) / max(npp, nqq) == 0.0:
            # orthogonal to working precision; or norms more than the exponent
            # range apart: the angle (about cs times their ratio) underflows
            if acs > maxkept:
                maxkept = acs
            continue
        c, s, fx, fy = rotation(cs, npp, nqq, eps)
        tau = s / (1.0 + c)
        for k in range(m):
            xk = G[p, k]
            yk = G[q, k]
            G[p, k] = xk - s * (yk + tau * xk)
            G[q, k] = yk + s * (xk - tau * yk)
        if skip:
            last_rot[p] = sweep
            last_rot[q] = sweep
        if record:
            rec_p[cnt] = p
            rec_q[cnt] = q
            rec_c[cnt] = c
            rec_s[cnt] = s
            cnt += 1
        elif rotate_w:
            for k in range(W.shape[1]):
                xk = W[p, k]
                yk = W[q, k]
                W[p, k] = xk - s * (yk + tau * xk)
                W[q, k] = yk + s * (xk - tau * yk)
        nrot += 1
        # 3. new norms; the factor formula loses digits when the norm drops a lot
        #    (xGESVJ's criterion: recompute when the squared ratio is below sqrt(eps))
        if fx <= rooteps:
            npn = row_norm(G, p, lo, hi)
        else:
            npn = npp * math.sqrt(fx)
        if fy <= rooteps:
            nqn = row_norm(G, q, lo, hi)
        else:
            nqn = nqq * math.sqrt(fy)
        norms[p] = _flush(G, p, npn, tiny) if npn < tiny else npn
        norms[q] = _flush(G, q, nqn, tiny) if nqn < tiny else nqn
    return maxcos, maxkept, skipped, nrot, cnt, False


@kernel
def gesvj(G, W, max_sweeps, cos_history):
    """Serial one-sided Jacobi on the rows of ``G`` (xGESVJ, de Rijk pivoting).

    Parameters
    ----------
    G : (n, m) array
        The columns to orthogonalize, as rows; any magnitudes whose norms are
        representable (see :func:`power_of_two_scale` for the drivers' scaling).
    W : (n, p) array
        Rotated alongside ``G`` (``W = I`` on entry gives ``V^T``); ``p = 0`` skips it.
    max_sweeps : int
    cos_history : (max_sweeps,) float64 array
        Largest ``|cos|`` seen in each sweep (precision reached); pairs skipped
        as unchanged since the previous sweep are not counted (their ``|cos|``
        is the one found there, at most the tolerance).

    Returns
    -------
    info : int
        0 converged (a sweep rotated nothing), 1 sweep cap reached.
    sweeps : int
    norms : (n,) float64 array
        Row norms of ``G`` on exit, recomputed from the final rows.
    """
    n = G.shape[0]
    norms = np.empty(n)
    order = np.empty(n, np.int64)
    last_rot = np.zeros(n, np.int64)
    info, sweeps = _gesvj_sweeps(G, W, norms, order, last_rot, max_sweeps, cos_history)
    return info, sweeps, norms


@kernel
def gesvj_screened(G, W, max_sweeps, cos_history):
    """:func:`gesvj` for rows that are already nearly orthogonal (the polish
    after the divide-and-conquer preconditioner), with the sweeps' inner
    products screened by one matrix product.

    Each pass:

    1. rows scaled by powers of two to norms in ``[1/2, 1)`` (exact, so no
       product over- or underflows), ``C = Y Y^T`` by BLAS (level 3, xSYRK) and
       ``|cos_pq| = |C_pq| / sqrt(C_pp C_qq)`` for every pair at once;
    2. the pairs above ``tol = sqrt(m) eps`` are visited in row-cyclic order as
       a sweep visits them (:func:`_visit`: the cosine again from the current
       rows, then a rotation if it is still above ``tol``);
    3. a pass that rotates nothing ends the iteration.

    The first pass costs one product (``n^2 m`` flops at BLAS speed, on all
    threads) where a sweep costs ``n^2 / 2`` serial dot products, and a later
    pass only the rows of ``C`` of the rows rotated since; on ``R^T V0`` only
    about 1% of the pairs need a rotation (500 x 500 Gaussian: 1423 of
    124750, then 4, then none).  A computed cosine has an error of
    up to ``gamma_m`` whether it comes from a dot product or from the matrix
    product, so the convergence test is of the same kind as :func:`gesvj`'s.

    Same parameters and returns as :func:`gesvj`; ``cos_history[k]`` is the
    largest ``|cos|`` pass ``k`` decided on (the screen's for pairs left
    alone, the recomputed one for pairs visited).
    """
    n, m = G.shape
    eps, tiny, rooteps, lo, hi, tol = sweep_constants(G)
    rotate_w = W.shape[1] > 0
    norms = np.empty(n)
    Y = np.empty((n, m), G.dtype)
    C = np.empty((n, n), G.dtype)
    touched = np.ones(n, np.bool_)
    info = 1
    passes = 0
    for sweep in range(max_sweeps):
        passes = sweep + 1
        # 1. exact power-of-two row scaling and the screen, for the rows the
        #    last pass rotated (the other entries of C are still exact: the
        #    first pass screens everything, the later ones a few rows)
        idx = np.nonzero(touched)[0]
        for i in idx:
            norms[i] = _flush(G, i, row_norm(G, i, lo, hi), tiny)
            f = math.ldexp(1.0, -math.frexp(norms[i])[1]) if norms[i] > 0.0 else 0.0
            for k in range(m):
                Y[i, k] = G[i, k] * f
        if 2 * idx.size >= n:
            syrk_upper(1.0, Y, 0.0, C)
        else:
            Yt = np.empty((idx.size, m), G.dtype)
            for a in range(idx.size):
                Yt[a] = Y[idx[a]]
            T = np.empty((idx.size, n), G.dtype)
            gemm(1.0, Yt, Y, 0.0, T, False, True)
            for a in range(idx.size):
                C[idx[a]] = T[a]
                C[:, idx[a]] = T[a]
        touched[:] = False
        # 2. visit the pairs the screen flags
        nrot = 0
        maxcos = 0.0
        for p in range(n - 1):
            for q in range(p + 1, n):
                den = math.sqrt(float(C[p, p]) * float(C[q, q]))
                acs = abs(float(C[p, q])) / den if den > 0.0 else 0.0
                if acs > tol:
                    acs, rot, _, _ = _visit(G, W, norms, p, q, tol, eps, rooteps, tiny, lo, hi,
                                            rotate_w)
                    if rot:
                        nrot += 1
                        touched[p] = True
                        touched[q] = True
                maxcos = max(maxcos, acs)
        cos_history[sweep] = maxcos
        if nrot == 0:
            info = 0
            break
    for i in range(n):
        norms[i] = row_norm(G, i, lo, hi)
    return info, passes, norms


@kernel
def gesvj_work(G, W, norms, order, max_sweeps, cos_history):
    """:func:`gesvj` on caller-provided workspace ``norms`` (float64, n) and
    ``order`` (int64, n), so that the batched loop allocates nothing per matrix.
    It visits every pair of every sweep (no skipping of unchanged pairs,
    which needs one more workspace array); same results.

    Returns ``(info, sweeps)``; ``norms`` holds the final row norms.
    """
    return _gesvj_sweeps(G, W, norms, order, order[:0], max_sweeps, cos_history)


@kernel
def _note_row(kept, maxcos, mc, mk, skipped):
    """Fold a row's ``maxcos, maxkept, skipped`` from :func:`_sweep_row` into
    the sweep's largest ``|cos|``; ``kept = [this sweep's largest unrotated
    |cos|, the previous sweep's]``.  A skipped pair was left unrotated in the
    previous sweep with the same columns, so its ``|cos|`` is at most
    ``kept[1]``: the record stays an upper bound over all pairs."""
    if skipped:
        mc = max(mc, kept[1])
        mk = max(mk, kept[1])
    kept[0] = max(kept[0], mk)
    return max(maxcos, mc)


@kernel
def _gesvj_sweeps(G, W, norms, order, last_rot, max_sweeps, cos_history):
    """The sweeps of :func:`gesvj`; ``last_rot`` (int64, n, zeros) enables the
    skipping of unchanged pairs of :func:`_sweep_row`, an empty one disables it."""
    n, m = G.shape
    eps, tiny, rooteps, lo, hi, tol = sweep_constants(G)
    rotate_w = W.shape[1] > 0
    for i in range(n):
        order[i] = i
    info = 1
    sweeps = 0
    kept = np.zeros(2)
    for sweep in range(max_sweeps):
        sweeps = sweep + 1
        # 1. fresh norms each sweep: the updated ones drift by O(eps) per rotation
        for i in range(n):
            norms[i] = _flush(G, i, row_norm(G, i, lo, hi), tiny)
        nrot = 0
        maxcos = 0.0
        kept[1] = kept[0]
        kept[0] = 0.0
        for i in range(n - 1):
            # 2. de Rijk pivoting and the rotations of this row
            mc, mk, sk, nr, _, stop = _sweep_row(G, W, norms, order, i, tol, eps, rooteps, tiny,
                                                 lo, hi, rotate_w, last_rot, sweep, order[:0],
                                                 order[:0], norms[:0], norms[:0], 0)
            if stop:
                break
            maxcos = _note_row(kept, maxcos, mc, mk, sk)
            nrot += nr
        cos_history[sweep] = maxcos
        if nrot == 0:
            info = 0
            break
    for i in range(n):
        norms[i] = row_norm(G, i, lo, hi)
    return info, sweeps


@kernel
def _visit(G, W, norms, p, q, tol, eps, rooteps, tiny, lo, hi, rotate_w):
    """One step of a sweep: rotate the pair ``p, q`` unless it is already
    orthogonal to working precision.  Returns ``(|cos|, rotated, c, s)``."""
    if norms[p] == 0.0 or norms[q] == 0.0:
        return 0.0, 0, 1.0, 0.0
    cs = cosine(G, p, q, norms[p], norms[q], lo, hi)
    acs = abs(cs)
    if acs <= tol:
        return acs, 0, 1.0, 0.0
    if min(norms[p], norms[q]) / max(norms[p], norms[q]) == 0.0:
        # norms more than the exponent range apart: the angle (about cs times
        # their ratio) underflows, so the pair is orthogonal in floating point
        return acs, 0, 1.0, 0.0
    c, s = _rotate_pair(G, W, norms, p, q, cs, eps, rooteps, tiny, lo, hi, rotate_w)
    return acs, 1, c, s


@kernel
def _circle_pair(k, r, nn):
    """Pair ``k`` of round ``r`` of the round-robin (circle) tournament on
    ``nn`` (even) players: player 0 is fixed, the others turn one seat per round,
    so that every pair meets exactly once in ``nn - 1`` rounds."""
    c = nn - 1
    if k == 0:
        return 0, (r % c) + 1
    return ((k + r) % c) + 1, ((nn - 1 - k + r) % c) + 1


@parallel_kernel
def gesvj_parallel(G, W, max_sweeps, cos_history, nblocks):
    """:func:`gesvj` with a block round-robin ordering run on several threads.

    The columns are dealt into ``nblocks`` (even) blocks after sorting them by
    decreasing norm (de Rijk's idea, once per sweep; dealing keeps the blocks'
    norms alike).  A sweep is the round-robin tournament of the blocks: in each
    of its ``nblocks - 1`` rounds the ``nblocks / 2`` block pairs touch disjoint
    rows and run in a ``prange``, each visiting its cross pairs cyclically (and,
    in the first round, the pairs inside its two blocks).  Every column pair is
    visited once per sweep, with only ``nblocks - 1`` barriers (the
    element-wise round-robin needs ``n - 1``, too many on 2 cores).
    Same returns as :func:`gesvj`.

    Not used by the drivers: it does not pay on 2 cores.  Measured 2026-11-23
    on the shared 2-core machine (load ~5), 500x500 Gaussian, no vectors:
    serial de Rijk 0.90-1.02 s wall in 11 sweeps; 4 blocks 1.84-2.05 s, 8
    blocks 1.58-1.84 s, both 13 sweeps (the fixed block order loses de Rijk's
    pivoting, and every barrier waits for a descheduled thread).  The
    element-wise round-robin (one prange per round) was 10-100x slower still.
    """
    n, m = G.shape
    eps, tiny, rooteps, lo, hi, tol = sweep_constants(G)
    rotate_w = W.shape[1] > 0
    norms = np.empty(n)
    half = nblocks // 2
    taskcos = np.zeros(half)
    taskrot = np.zeros(half, np.int64)
    info = 1
    sweeps = 0
    for sweep in range(max_sweeps):
        sweeps = sweep + 1
        for i in prange(n):
            norms[i] = _flush(G, i, row_norm(G, i, lo, hi), tiny)
        order = np.argsort(-norms)
        nrot = 0
        maxcos = 0.0
        for r in range(nblocks - 1):
            for k in prange(half):
                ba, bb = _circle_pair(k, r, nblocks)
                cnt = 0
                mc = 0.0
                if r == 0:
                    for blk in (ba, bb):
                        for i in range(blk, n, nblocks):
                            for j in range(i + nblocks, n, nblocks):
                                c, rot, _, _ = _visit(G, W, norms, order[i], order[j], tol,
                                                      eps, rooteps, tiny, lo, hi, rotate_w)
                                mc = max(mc, c)
                                cnt += rot
                for i in range(ba, n, nblocks):
                    for j in range(bb, n, nblocks):
                        p = order[i]
                        q = order[j]
                        if norms[q] > norms[p]:
                            p, q = q, p
                        c, rot, _, _ = _visit(G, W, norms, p, q, tol, eps, rooteps, tiny, lo,
                                              hi, rotate_w)
                        mc = max(mc, c)
                        cnt += rot
                taskcos[k] = mc
                taskrot[k] = cnt
            for k in range(half):
                nrot += taskrot[k]
                maxcos = max(maxcos, taskcos[k])
        cos_history[sweep] = maxcos
        if nrot == 0:
            info = 0
            break
    for i in prange(n):
        norms[i] = row_norm(G, i, lo, hi)
    return info, sweeps, norms


@kernel
def _sweep_stage(G, W, norms, order, last_rot, kept, state, fstate, cos_history, rec_p, rec_q,
                 rec_c, rec_s, max_sweeps):
    """The rows of the de Rijk sweeps of :func:`gesvj_work` that fit one stage of
    :func:`gesvj_pipelined`: rotations are applied to ``G`` only and recorded
    (rows ``rec_p[k], rec_q[k]``, rotation ``rec_c[k], rec_s[k]``) for ``W``.

    The stage stops at the end of the sweep, or before a row whose rotations
    might overflow the records.  ``state`` carries the iteration between
    stages: ``[sweep, row, rotations in this sweep, records written,
    status]`` (status -1 running, 0 converged, 1 sweep cap reached);
    ``fstate[0]`` is the largest ``|cos|`` of the sweep so far, ``kept`` as in
    :func:`_note_row`.
    """
    n, m = G.shape
    eps, tiny, rooteps, lo, hi, tol = sweep_constants(G)
    cap = rec_p.size
    sweep = state[0]
    i = state[1]
    nrot = state[2]
    maxcos = fstate[0]
    if i == 0:
        # 1. fresh norms each sweep, as in gesvj_work
        for r in range(n):
            norms[r] = _flush(G, r, row_norm(G, r, lo, hi), tiny)
        nrot = 0
        maxcos = 0.0
        kept[1] = kept[0]
        kept[0] = 0.0
    cnt = 0
    while i < n - 1:
        if cnt + (n - 1 - i) > cap:
            break
        # 2. de Rijk pivoting and the rotations of row i, recorded for W
        mc, mk, sk, nr, cnt, stop = _sweep_row(G, W, norms, order, i, tol, eps, rooteps, tiny,
                                               lo, hi, False, last_rot, sweep, rec_p, rec_q,
                                               rec_c, rec_s, cnt)
        if stop:
            i = n - 1
            break
        maxcos = _note_row(kept, maxcos, mc, mk, sk)
        nrot += nr
        i += 1
    if i >= n - 1:
        cos_history[sweep] = maxcos
        if nrot == 0:
            state[4] = 0
        elif sweep + 1 >= max_sweeps:
            state[4] = 1
        else:
            sweep += 1
            i = 0
    state[0] = sweep
    state[1] = i
    state[2] = nrot
    state[3] = cnt
    fstate[0] = maxcos


@kernel
def _apply_rotations(W, rec_p, rec_q, rec_c, rec_s, count):
    """Apply the first ``count`` recorded rotations to the rows of ``W``, in order."""
    for k in range(count):
        rotate_rows(W, rec_p[k], rec_q[k], rec_c[k], rec_s[k])


@parallel_kernel
def gesvj_pipelined(G, W, max_sweeps, cos_history, records):
    """:func:`gesvj` with the rotations of ``W`` applied on a second thread, one stage behind.

    ``W`` never influences the iteration, only receives its rotations: thread 0
    runs the sweeps on ``G`` (dots, rotations, de Rijk pivoting, skipped pairs
    exactly as the serial :func:`gesvj`) and records each rotation; thread 1 meanwhile
    applies the previous stage's records to ``W``, in the same order, so ``G``,
    ``W``, the norms and the record are bit for bit those of :func:`gesvj`.  A stage is a
    sweep, or as many of its rows as fit ``records`` rotation records, so there
    is one barrier per sweep for columns up to 512.  Rotating ``W`` is a third
    of the work of a sweep with vectors (a rotation of ``G``, one of ``W`` and a
    dot product per pair), which the second core takes over.

    Not used by the drivers (like :func:`gesvj_parallel`): calling it from
    :func:`gejsv` doubled the driver's cold compile time (20 -> 42 s, the
    parallel kernel), and it has not been shown to pay.  Measured 2026-11-23
    on the shared 2-core machine with both cores saturated by other processes
    (vmstat: 5 runnable, 0% idle), 500 x 500 Gaussian with vectors, medians of
    5: 1.00 s wall vs 0.78 s serial (CPU 0.66 vs 0.51 s); with one Numba
    thread it costs the same as the serial sweep (n = 200: 0.112 vs 0.112 s).
    Whether it pays on two idle cores is not measured yet.

    Same returns as :func:`gesvj`.
    """
    n, m = G.shape
    lo, hi = _safe_range(G)
    norms = np.empty(n)
    order = np.arange(n)
    last_rot = np.zeros(n, np.int64)
    kept = np.zeros(2)
    cap = max(n - 1, min(records, n * (n - 1) // 2), 1)
    rec_p = np.zeros((2, cap), np.int64)
    rec_q = np.zeros((2, cap), np.int64)
    rec_c = np.zeros((2, cap))
    rec_s = np.zeros((2, cap))
    counts = np.zeros(2, np.int64)
    state = np.zeros(5, np.int64)
    state[4] = -1
    fstate = np.zeros(1)
    # at most one stage per row of every sweep, one more to drain the records
    for stage in range(max_sweeps * n + 2):
        cur = stage % 2
        prev = 1 - cur
        running = state[4] < 0
        for t in prange(2):
            if t == 0:
                if running:
                    _sweep_stage(G, W, norms, order, last_rot, kept, state, fstate, cos_history,
                                 rec_p[cur], rec_q[cur], rec_c[cur], rec_s[cur], max_sweeps)
            else:
                _apply_rotations(W, rec_p[prev], rec_q[prev], rec_c[prev], rec_s[prev],
                                 counts[prev])
        counts[prev] = 0
        if not running:
            break
        counts[cur] = state[3]
    for i in range(n):
        norms[i] = row_norm(G, i, lo, hi)
    return state[4], state[0] + 1, norms


@kernel
def complete_rows(Q, valid):
    """Fill the rows of ``Q`` with ``valid[i] == False`` so that all rows are orthonormal.

    The valid rows must already be orthonormal.  Each new row starts from the
    unit vector ``e_j`` that is least represented in the current rows (largest
    ``1 - sum_r Q[r, j]^2``, at least ``(d - k) / d`` on average) and is
    orthogonalized twice (classical Gram-Schmidt, "twice is enough": Giraud,
    Langou & Rozloznik 2005).
    """
    r, d = Q.shape
    colsq = np.zeros(d)
    for i in range(r):
        if valid[i]:
            for j in range(d):
                colsq[j] += Q[i, j] * Q[i, j]
    v = np.empty(d)
    for i in range(r):
        if valid[i]:
            continue
        j0 = 0
        for j in range(1, d):
            if colsq[j] < colsq[j0]:
                j0 = j
        v[:] = 0.0
        v[j0] = 1.0
        for _ in range(2):
            for k in range(r):
                if valid[k]:
                    h = 0.0
                    for j in range(d):
                        h += Q[k, j] * v[j]
                    for j in range(d):
                        v[j] -= h * Q[k, j]
        nv = math.sqrt(np.sum(v * v))
        for j in range(d):
            Q[i, j] = v[j] / nv
            colsq[j] += Q[i, j] * Q[i, j]
        valid[i] = True


# --------------------------------------------------------------------------
# preconditioned driver (xGEJSV)
# --------------------------------------------------------------------------

@kernel
def power_of_two_scale(A):
    """Exponent ``e`` of the exact scaling ``2^e A`` applied before the Jacobi
    iteration (xGESVJ scales similarly, with a different rule).

    * ``max|a_ij| sqrt(m) < 1``: scale up so that it lies in ``[1/2, 1)``; nothing
      is lost, and a matrix of tiny (even subnormal) entries gets normal columns;
    * ``max|a_ij| sqrt(m)`` above ``2^(maxexp - 4)``: scale down just enough that
      no column norm and no sum of two can overflow;
    * otherwise ``e = 0``: a matrix holding both ``1e+300`` and ``1e-300``
      entries keeps both, and the scaled norms and cosines deal with them.

    Returns 0 for a zero matrix.
    """
    m = A.shape[0]
    amax = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            a = abs(A[i, j])
            if a > amax:
                amax = a
    if amax == 0.0:
        return 0
    # exponent of amax sqrt(m), without forming the product (it may overflow)
    ex = math.frexp(amax)[1] + math.frexp(math.sqrt(m))[1]
    if ex <= 0:
        return -ex
    top = np.finfo(A.dtype).maxexp - 4
    if ex > top:
        return top - ex
    return 0


@kernel
def _scale_factors(e):
    """``(f1, f2)`` with ``f1 f2 = 2^e``, each in range (``2^e`` alone may not be)."""
    e1 = e // 2
    return math.ldexp(1.0, e1), math.ldexp(1.0, e - e1)


@kernel
def _scaled(x, e):
    """``2^e x`` in two exact steps."""
    f1, f2 = _scale_factors(e)
    return (x * f1) * f2


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


@kernel
def gejsv(A, compute_uv, full_matrices, max_sweeps):
    """Preconditioned one-sided Jacobi SVD of ``A`` (``m x n``, ``m >= n >= 1``) (xGEJSV).

    The kernel form, for ``@njit`` callers: QR-preconditioned Jacobi only
    (:func:`svd_jacobi` adds the divide-and-conquer preconditioner).
    Returns ``(U, s, Vt, info, sweeps, cos_history)``; see :func:`svd_jacobi`.
    """
    cos_history = np.zeros(max_sweeps)
    finite, e, transposed, rowperm, G, jpvt, tau, R = gejsv_precondition(A)
    if not finite:
        U, s, Vt = gejsv_nan(A, compute_uv, full_matrices)
        return U, s, Vt, NOT_FINITE, 0, cos_history
    # 5. Jacobi on X = R^T: its columns are the rows of R
    W = _identity_rows(R.shape[0], compute_uv, A)
    info, sweeps, norms = gesvj(R, W, max_sweeps, cos_history)
    U, s, Vt = gejsv_assemble(A, compute_uv, full_matrices, e, transposed, rowperm, G, jpvt, tau,
                              R, W, norms)
    return U, s, Vt, info, sweeps, cos_history


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
