"""The secular equation of bidiagonal divide and conquer and its singular vectors.

After deflation a merge step of the bidiagonal divide and conquer has to find the
SVD of the "broken arrow" matrix ``M = e_0 z^T + diag(d)`` with
``0 = d_0 < d_1 < ... < d_{K-1}`` and every ``z_i`` non-negligible.  Its singular
values are the roots of the secular equation

    f(sigma) = 1 + sum_j z_j^2 / ((d_j - sigma)(d_j + sigma)) = 0,

one in each interval ``(d_i, d_{i+1})`` and the last in
``(d_{K-1}, sqrt(d_{K-1}^2 + ||z||^2))`` (Gu & Eisenstat, "A divide-and-conquer
algorithm for the bidiagonal SVD", SIAM J. Matrix Anal. Appl. 16 (1995), sec. 3;
LAPACK xLASD4 for the root finder, xLASD8/xLASD3 for the vectors).

Each root is represented as ``sigma_j = d[o_j] + tau_j`` with ``o_j`` the index of
the nearer pole: every difference ``d_i - sigma_j = (d_i - d[o_j]) - tau_j`` is then
computed without cancellation, which is what makes the singular vectors accurate.
The vectors are not built from the computed roots alone: ``z`` is first replaced by
the ``zhat`` for which the computed roots are the exact singular values (Lowner's
formula, Gu & Eisenstat sec. 3.2), so the vectors are orthogonal to working precision.
"""
import math


from .._jit import kernel


@kernel
def secular_terms(d, z, K, split, o, tau):
    """Evaluate the two halves of the secular function at ``sigma = d[o] + tau``.

    Returns ``(psi, dpsi, phi, dphi)``: ``psi`` sums the terms of the poles
    ``j <= split`` and ``phi`` the others; ``dpsi``, ``dphi`` are their derivatives
    with respect to ``sigma^2``.  Each ``d_j^2 - sigma^2`` is formed as the product
    ``((d_j - d_o) - tau)(d_j + d_o + tau)`` (xLASD4's DELTA and WORK).
    """
    do = d[o]
    psi = 0.0
    dpsi = 0.0
    phi = 0.0
    dphi = 0.0
    for j in range(split + 1):
        t = z[j] / (((d[j] - do) - tau) * (d[j] + do + tau))
        psi += z[j] * t
        dpsi += t * t
    for j in range(split + 1, K):
        t = z[j] / (((d[j] - do) - tau) * (d[j] + do + tau))
        phi += z[j] * t
        dphi += t * t
    return psi, dpsi, phi, dphi


@kernel
def rational_step(a, b, c, lo_pole, hi_pole, last):
    """Root ``w`` of ``c w^2 - a w + b = 0`` in the interval of the model.

    The model ``c + s/(w1 - w) + S/(w2 - w)`` (Li's "middle way", as in xLASD4)
    has exactly one root in ``(w1, w2)`` for an interior root and, when ``c > 0``,
    one in ``(w2, inf)`` for the last root.  Both quadratic roots are formed in
    their cancellation-free forms; returns ``(h, ok)``.
    """
    disc = a * a - 4.0 * b * c
    if disc < 0.0:
        disc = 0.0
    q = 0.5 * (a + math.copysign(math.sqrt(disc), a))
    h1 = q / c if c != 0.0 else math.inf
    h2 = b / q if q != 0.0 else math.inf
    if last:
        best = -math.inf
        for h in (h1, h2):
            if h > hi_pole and h < math.inf and h > best:
                best = h
        return best, best > -math.inf
    for h in (h1, h2):
        if h > lo_pole and h < hi_pole:
            return h, True
    return 0.0, False


@kernel
def secular_root(d, z, K, i, eps, max_iter):
    """Root ``i`` of the secular equation (LAPACK xLASD4), as ``(o, tau, info)``.

    ``d[:K]`` ascending with ``d[0] = 0``, ``z[:K]`` non-zero.  The root is
    ``d[o] + tau``.  Steps:

    1. Pick the origin: the sign of ``f`` at the middle of ``(d_i, d_{i+1})`` tells
       which half holds the root; the pole at the end of that half is the origin
       (the last root always takes ``d_{K-1}``).  That half is the first bracket.
    2. Iterate the middle-way rational model (two poles, value and derivatives
       matched), working in ``sigma^2 - d_o^2`` and mapping back to ``tau`` in the
       cancellation-free form ``eta / (d_o + sqrt(d_o^2 + eta))``.
    3. Safeguard: the bracket shrinks with the sign of ``f``; a step that leaves it
       is replaced by bisection, so the iteration converges in any case.
    4. Stop when ``|f|`` is below its rounding-error bound (xLASD4's ERRETM) or
       ``tau`` stops moving; ``info = 1`` if ``max_iter`` is reached.
    """
    if K == 1:
        return 0, abs(z[0]), 0
    last = i == K - 1
    # 1. origin and first bracket
    if not last:
        split = i
        half = 0.5 * (d[i + 1] - d[i])
        psi, dpsi, phi, dphi = secular_terms(d, z, K, split, i, half)
        if 1.0 + psi + phi >= 0.0:
            o = i
            lo = 0.0
            hi = half
            tau = half
        else:
            o = i + 1
            lo = -half
            hi = 0.0
            tau = -half
            psi, dpsi, phi, dphi = secular_terms(d, z, K, split, o, tau)
    else:
        split = K - 2
        o = K - 1
        znorm2 = 0.0
        for j in range(K):
            znorm2 += z[j] * z[j]
        dn = d[o]
        # sigma^2 <= d_{K-1}^2 + ||z||^2 bounds the last root (f >= 0 there)
        hi = znorm2 / (dn + math.sqrt(dn * dn + znorm2))
        lo = 0.0
        tau = hi
        psi, dpsi, phi, dphi = secular_terms(d, z, K, split, o, tau)
    do = d[o]
    p1 = split
    p2 = split + 1
    for _ in range(max_iter):
        f = 1.0 + psi + phi
        eta = tau * (2.0 * do + tau)
        # rounding-error bound of f (after xLASD4's ERRETM): the terms, the 1,
        # and the perturbation of sigma^2 by its own representation error
        err = 8.0 * (abs(psi) + abs(phi)) + 2.0 + 3.0 * abs(eta) * (dpsi + dphi)
        if abs(f) <= eps * err:
            return o, tau, 0
        # 3. bracket (f increases with sigma between poles)
        if f < 0.0:
            if tau > lo:
                lo = tau
        else:
            if tau < hi:
                hi = tau
        # 2. middle-way model in w = sigma^2 - d_o^2, solved in that variable so
        # that a root near the origin pole comes out without cancellation
        D1 = ((d[p1] - do) - tau) * (d[p1] + do + tau)
        D2 = ((d[p2] - do) - tau) * (d[p2] + do + tau)
        s = D1 * D1 * dpsi
        S = D2 * D2 * dphi
        c = f - D1 * dpsi - D2 * dphi
        # poles of the model in w: 0 at the origin, +-(d_p2^2 - d_p1^2) at the other
        gap2 = (d[p2] - d[p1]) * (d[p2] + d[p1])
        if o == p1:
            w1 = 0.0
            w2 = gap2
        else:
            w1 = -gap2
            w2 = 0.0
        a = c * (w1 + w2) + s + S
        b = c * w1 * w2 + s * w2 + S * w1
        w, ok = rational_step(a, b, c, w1, w2, last)
        tau_new = 0.5 * (lo + hi)
        if ok:
            rad = do * do + w
            if rad >= 0.0:
                t = w / (do + math.sqrt(rad))
                if t > lo and t < hi:
                    tau_new = t
        if tau_new == tau:
            return o, tau, 0
        tau = tau_new
        psi, dpsi, phi, dphi = secular_terms(d, z, K, split, o, tau)
    return o, tau, 1


@kernel
def lowner_z(d, z, K, orig, taus, zhat):
    """``zhat`` for which the computed roots are exact (Gu & Eisenstat 1995, eq. 3.6).

    ``zhat_i^2 = (sigma_{K-1}^2 - d_i^2) prod_{j<i} (sigma_j^2 - d_i^2)/(d_j^2 - d_i^2)
    prod_{i<=j<K-1} (sigma_j^2 - d_i^2)/(d_{j+1}^2 - d_i^2)``, every factor formed
    from the cancellation-free differences ``d_i - sigma_j`` (xLASD8), with the sign
    of ``z_i``.
    """
    for i in range(K):
        di = d[i]
        o = orig[K - 1]
        prod = -(((di - d[o]) - taus[K - 1]) * (di + d[o] + taus[K - 1]))
        for j in range(i):
            o = orig[j]
            num = ((di - d[o]) - taus[j]) * (di + d[o] + taus[j])
            prod *= num / ((di - d[j]) * (di + d[j]))
        for j in range(i, K - 1):
            o = orig[j]
            num = ((di - d[o]) - taus[j]) * (di + d[o] + taus[j])
            prod *= -num / ((d[j + 1] - di) * (d[j + 1] + di))
        zhat[i] = math.copysign(math.sqrt(abs(prod)), z[i])


@kernel
def arrow_vector(d, zhat, K, o, tau, u, v):
    """Left and right singular vectors of ``e_0 zhat^T + diag(d)`` for ``sigma = d[o] + tau``.

    ``v_i = zhat_i / (d_i^2 - sigma^2)``, ``u = (-1, d_1 v_1, ..., d_{K-1} v_{K-1})``,
    both normalised (xLASD3); ``u = M v / sigma`` fixes the relative sign.
    """
    do = d[o]
    nv = 0.0
    nu = 1.0
    for i in range(K):
        vi = zhat[i] / (((d[i] - do) - tau) * (d[i] + do + tau))
        v[i] = vi
        nv += vi * vi
        if i > 0:
            ui = d[i] * vi
            u[i] = ui
            nu += ui * ui
    u[0] = -1.0
    nv = 1.0 / math.sqrt(nv)
    nu = 1.0 / math.sqrt(nu)
    for i in range(K):
        v[i] *= nv
        u[i] *= nu
