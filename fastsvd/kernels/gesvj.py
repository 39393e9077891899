"""One-sided Jacobi sweeps with precision tracking (xGESVJ).

Algorithm (Drmac & Veselic 2008, "New fast and accurate Jacobi SVD algorithm"
I and II, SIAM J. Matrix Anal. Appl. 29; LAPACK xGESVJ):

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
  cyclic sweep) and Rutishauser's stable rotation formulas; a pair whose
  norms are more than ``eps / tiny`` apart, where the rotation angle would
  underflow, gets xGESVJ's Gram-Schmidt step instead (:func:`_project_out`);
* rows that are already nearly orthogonal (after the divide-and-conquer
  preconditioner of :mod:`~fastsvd.kernels.gejsv`) are screened by one matrix
  product per pass (:func:`gesvj_screened`) instead of ``n^2 / 2`` dot products.

The preconditioned driver (xGEJSV) is :mod:`fastsvd.kernels.gejsv`; the
batched stack kernel uses :func:`gesvj_work` and the scaling helpers here.
"""
import math

import numpy as np

from .._jit import kernel
from .blas import blas_dot, ddot_at, gemm, syrk_upper

#: sweep cap: xGESVJ's NSWEEP; well-preconditioned matrices need 3-8 sweeps
MAX_SWEEPS = 30

#: row length from which the dot product goes to BLAS (below it a plain loop
#: is as fast and has no call overhead; see benchmarks/bench_jacobi.py)
_BLAS_DOT = 256


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
            return ddot_at(m, base + p * G.strides[0], base + q * G.strides[0])
        return blas_dot(G[p], G[q])
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


@kernel
def _project_out(G, W, norms, a, b, cs, rooteps, tiny, lo, hi, rotate_w):
    """``y <- y - cs (||y|| / ||x||) x`` for ``x = G[a]``, ``y = G[b]``, ``||y|| <<
    ||x||``: the Gram-Schmidt step xGESVJ takes instead of a rotation when the
    norm ratio is below ``tiny / eps`` (its ``ROTOK`` false).

    There the rotation's ``t ~ cs ||y|| / ||x||`` would be subnormal or zero,
    so a rotation misses its angle (the pair never converges) or does nothing,
    while the step in exact arithmetic is just this projection: ``x`` changes
    by ``t ||y||``, far below its rounding.  Both rows are scaled by the powers
    of two of their norms (exact; xGESVJ's scaled work copy), so nothing over-
    or underflows.  ``||y'|| = ||y|| sqrt(1 - cs^2)``, recomputed when that
    cancels below ``sqrt(eps)``.  ``W[b] -= alpha W[a]`` follows, ``alpha =
    cs ||y|| / ||x|| < tiny / eps``.  Returns ``alpha``.
    """
    nx = norms[a]
    ny = norms[b]
    ex = math.frexp(nx)[1]
    ey = math.frexp(ny)[1]
    fx1, fx2 = _scale_factors(-ex)
    fy1, fy2 = _scale_factors(-ey)
    gy1, gy2 = _scale_factors(ey)
    coef = cs * (math.ldexp(ny, -ey) / math.ldexp(nx, -ex))
    for k in range(G.shape[1]):
        ys = (G[b, k] * fy1) * fy2 - coef * ((G[a, k] * fx1) * fx2)
        G[b, k] = (ys * gy1) * gy2
    alpha = cs * (ny / nx)
    if rotate_w:
        for k in range(W.shape[1]):
            W[b, k] -= alpha * W[a, k]
    f = max(0.0, (1.0 - cs) * (1.0 + cs))
    nyn = ny * math.sqrt(f) if f > rooteps else row_norm(G, b, lo, hi)
    norms[b] = _flush(G, b, nyn, tiny)
    return alpha


# --------------------------------------------------------------------------
# sweeps
# --------------------------------------------------------------------------

@kernel
def _sweep_row(G, W, norms, order, i, tol, eps, rooteps, tiny, lo, hi, rotate_w, last_rot, sweep,
               rec_p, rec_q, rec_c, rec_s, cnt):
    """Row ``i`` of a de Rijk sweep: pivot, then visit the pairs ``(order[i], order[j]), j > i``.

    The steps of :func:`_visit` and :func:`_rotate_pair` are written out in
    the loop (same operations, same results): one call per pair costs its
    array arguments' reference counting, ~15% of a sweep.  A rotation is
    applied to ``W`` when ``rotate_w``; when the records ``rec_p, rec_q, rec_c,
    rec_s`` are not empty it is written there instead, from position ``cnt``.

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
    # xGESVJ's SMALL: below this norm ratio a rotation's t ~ ratio cos (cos > tol)
    # may be subnormal
    small = tiny / eps
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
        if acs <= tol:
            # orthogonal to working precision
            if acs > maxkept:
                maxkept = acs
            continue
        if min(npp, nqq) < small * max(npp, nqq):
            # norms so far apart that the angle would underflow: project the
            # smaller column instead (xGESVJ's Gram-Schmidt step)
            a, b = (p, q) if npp >= nqq else (q, p)
            alpha = _project_out(G, W, norms, a, b, cs, rooteps, tiny, lo, hi,
                                 rotate_w and not record)
            if skip:
                last_rot[p] = sweep
                last_rot[q] = sweep
            if record:
                # as a rotation with c = 1, s = -alpha: the larger row's change,
                # alpha times the smaller, is far below its rounding
                rec_p[cnt] = a
                rec_q[cnt] = b
                rec_c[cnt] = 1.0
                rec_s[cnt] = -alpha
                cnt += 1
            nrot += 1
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
    if min(norms[p], norms[q]) < (tiny / eps) * max(norms[p], norms[q]):
        # norms so far apart that the angle would underflow: project the
        # smaller column instead (xGESVJ's Gram-Schmidt step)
        a, b = (p, q) if norms[p] >= norms[q] else (q, p)
        alpha = _project_out(G, W, norms, a, b, cs, rooteps, tiny, lo, hi, rotate_w)
        return acs, 1, 1.0, -alpha if a == p else alpha
    c, s = _rotate_pair(G, W, norms, p, q, cs, eps, rooteps, tiny, lo, hi, rotate_w)
    return acs, 1, c, s


# --------------------------------------------------------------------------
# orthonormal completion and exact scaling
# --------------------------------------------------------------------------

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
