"""Preconditioned one-sided Jacobi (``svd_jacobi``): properties and relative accuracy.

The point of Jacobi is high *relative* accuracy: for ``A = D1 B D2`` with
``B`` well conditioned every singular value, however small, is determined to
about ``eps cond(B)`` relative error by the entries of ``A`` (Demmel & Veselic
1992; Demmel et al. 1999), and preconditioned one-sided Jacobi computes them
that accurately (Drmac & Veselic 2008).  Householder bidiagonalization
(numpy's ``gesdd``) only guarantees ``eps sigma_1`` absolute error, so those
small singular values are checked against mpmath, not against numpy.
"""
import numpy as np
import pytest

import fastsvd

from fastsvd.kernels.gejsv import (CERTIFICATE_MAX, DC_PRECONDITION_MIN, gejsv_precondition,
                                   rotate_by, svd_jacobi, svd_jacobi_report)
from fastsvd.kernels.gesvj import MAX_SWEEPS, _dot, gesvj, gesvj_screened, gesvj_work
from fastsvd.kernels.qrcp import apply_q, gelqp
from tests.checks import (C_BACKWARD, C_ORTHO, C_SIGMA, assert_svd, backward_error, eps_of,
                          orthogonality, reference_singular_values, relative_errors)
from tests.gallery import gallery

EPS = np.finfo(np.float64).eps

#: relative accuracy asked of every singular value of the graded matrices
#: (cond(B) = 2; measured worst 6e-14 over seeds 0-5 for two-sided grading,
#: where the pivoted QR's row-wise backward error dominates; 1e-15 one-sided)
REL_TOL = 1e-13

N = 40

#: ``dc_min`` of :func:`svd_jacobi_report` that forces each preconditioner
#: (the divide-and-conquer step is still skipped when its certificate fails)
PRECONDITIONERS = {"qrcp": 10 ** 9, "qrcp+dc": 1}


def _jacobi_any_shape(A, full_matrices=False, dtype=np.float64, dc_min=DC_PRECONDITION_MIN):
    """The driver takes m >= n; wide input goes through the transpose (as the API does)."""
    A = np.asarray(A, dtype)
    wide = A.shape[0] < A.shape[1]
    B = np.ascontiguousarray(A.T if wide else A)
    U, s, Vt, info = svd_jacobi_report(B.copy(), True, full_matrices, dc_min=dc_min)[:4]
    assert info == 0
    if wide:
        U, Vt = Vt.T, U.T
    return U, s, Vt


def _graded_factors(seed):
    """``B = Q diag(linspace(1, 2))`` (cond 2) and a grading ``D`` from 1 to 1e-24."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    B = Q * np.linspace(1.0, 2.0, N)
    D = np.logspace(0, -24, N)
    return B, D, rng


def _graded_cases(seed):
    B, D, rng = _graded_factors(seed)
    Dp = rng.permutation(D)
    Dq = rng.permutation(D)
    return {
        "columns": B * D,
        "rows": D[:, None] * B,
        "columns_shuffled": B * Dp,
        "rows_shuffled": Dp[:, None] * B,
        "two_sided": D[:, None] * B * D,
        "two_sided_shuffled": Dp[:, None] * B * Dq,
    }


def _digits(name):
    # mpmath's SVD is normwise accurate: at d digits its absolute error is about
    # 10^-d sigma_1.  Two-sided grading puts sigma_n near 1e-48, so 50 digits
    # leave ~2 correct ones (measured: the 50-digit reference was off by 8e-12
    # relative for seed 1); the one-sided cases (sigma_n ~ 1e-24) are fine at 50.
    return 100 if name.startswith("two_sided") else 50


# ----------------------------------------------------------------------------- gallery

@pytest.mark.parametrize("pre", list(PRECONDITIONERS))
@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("name", [k for k, a in gallery().items() if min(a.shape) > 0])
def test_gallery(name, full_matrices, pre):
    A = gallery()[name]
    U, s, Vt = _jacobi_any_shape(A, full_matrices, dc_min=PRECONDITIONERS[pre])
    assert_svd(A, U, s, Vt, full_matrices=full_matrices)


@pytest.mark.parametrize("pre", list(PRECONDITIONERS))
@pytest.mark.parametrize("name", ["random_square_30", "random_tall_40x13", "graded_columns_20",
                                  "kahan_30", "rank_deficient_30x20_r5", "hilbert_12"])
def test_gallery_float32(name, pre):
    A = gallery()[name].astype(np.float32)
    U, s, Vt = _jacobi_any_shape(A, dtype=np.float32, dc_min=PRECONDITIONERS[pre])
    assert U.dtype == s.dtype == Vt.dtype == np.float32
    assert_svd(A, U, s, Vt)


def test_values_only_match_vectors_path():
    A = gallery()["random_square_30"]
    U, s, Vt, info = svd_jacobi(A.copy(), False, False)
    assert info == 0 and U.shape == (0, 0) and Vt.shape == (0, 0)
    s2 = svd_jacobi(A.copy(), True, False)[1]
    np.testing.assert_array_equal(s, s2)


# ----------------------------------------------------------------------------- relative accuracy

@pytest.mark.parametrize("pre", list(PRECONDITIONERS))
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", ["columns", "rows", "columns_shuffled", "rows_shuffled",
                                  "two_sided", "two_sided_shuffled"])
def test_relative_accuracy_graded(case, seed, pre):
    A = _graded_cases(seed)[case]
    ref = reference_singular_values(A, digits=_digits(case))
    U, s, Vt, info, _, _, used, _ = svd_jacobi_report(A.copy(), True, False,
                                                      dc_min=PRECONDITIONERS[pre])
    assert info == 0
    # the divide-and-conquer step must really run here (its certificate passes:
    # measured c = 1.0-2.7 on these matrices), so that mpmath checks it too
    assert used == pre
    err = relative_errors(s, ref)
    assert err.max() <= REL_TOL, (int(err.argmax()), err.max())
    # the vectors still satisfy the usual backward bounds
    assert_svd(A, U, s, Vt, reference=False)


def test_relative_accuracy_across_the_exponent_range():
    """Columns from 1e+300 down to 1e-300: norms and cosines are kept in scaled
    form, so nothing overflows or underflows and every sigma keeps its digits."""
    n = 8
    rng = np.random.default_rng(5)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    B = Q * np.linspace(1.0, 2.0, n)
    A = B * np.logspace(300, -300, n)
    # sigma spans 1e600: the reference needs 600 digits beyond the 50 we want
    ref = reference_singular_values(A, digits=650)
    U, s, Vt, info = svd_jacobi(A.copy(), True, False)
    assert info == 0
    assert relative_errors(s, ref).max() <= REL_TOL
    assert np.all(np.isfinite(U)) and np.all(np.isfinite(Vt))


# ----------------------------------------------------------------------------- precision tracking

@pytest.mark.parametrize("name", ["random_square_30", "kahan_30", "clustered_25", "hilbert_12"])
def test_report_sweeps_and_precision(name):
    A = gallery()[name]
    U, s, Vt, info, sweeps, max_cos, _, _ = svd_jacobi_report(A.copy())
    n = A.shape[1]
    assert info == 0
    assert 1 <= sweeps < MAX_SWEEPS
    # convergence means the last sweep found every pair orthogonal to sqrt(n) eps
    # (the Jacobi matrix is n x n after the QR preconditioner)
    assert max_cos <= np.sqrt(n) * EPS


def test_sweep_cap_returns_status():
    A = np.random.default_rng(3).standard_normal((30, 30))
    U, s, Vt, info, sweeps, max_cos, _, _ = svd_jacobi_report(A.copy(), max_sweeps=1)
    assert info == 1 and sweeps == 1
    assert max_cos > np.sqrt(30) * EPS
    assert np.all(np.isfinite(s))


def test_preconditioner_needs_few_sweeps_on_graded_input():
    """QR with column pivoting turns a graded matrix into a nearly diagonal R^T:
    Jacobi then converges in a handful of sweeps (Drmac & Veselic 2008, sec. 5)."""
    A = _graded_cases(0)["two_sided_shuffled"]
    sweeps = svd_jacobi_report(A.copy()).sweeps
    assert sweeps <= 6


# ----------------------------------------------------------------------------- D&C preconditioner

def test_dc_preconditioner_on_gaussian_input():
    """From ``n = DC_PRECONDITION_MIN`` on, Jacobi runs on ``R^T V0`` with ``V0``
    from divide and conquer.  Those columns are orthogonal to rounding already:
    the first pass rotates a few pairs (by angles of order eps), the next ones
    the few pairs whose cosines sit at the tolerance, and one finds nothing
    left (3-4 passes measured), instead of about nine sweeps on ``R^T`` alone."""
    n = 2 * DC_PRECONDITION_MIN
    A = np.random.default_rng(7).standard_normal((n, n))
    fast = svd_jacobi_report(A.copy())
    plain = svd_jacobi_report(A.copy(), dc_min=PRECONDITIONERS["qrcp"])
    assert fast.preconditioner == "qrcp+dc" and plain.preconditioner == "qrcp"
    assert fast.info == 0 and fast.sweeps <= 4 < plain.sweeps
    assert fast.max_cos <= np.sqrt(n) * EPS
    assert fast.certificate <= CERTIFICATE_MAX * np.sqrt(n)
    assert_svd(A, fast.U, fast.s, fast.Vt)
    # both are Jacobi on column-wise relative perturbations of R^T: the
    # preconditioner's are at most n eps c (c the certificate), Jacobi's own
    # rotations' of the same kind and size, so the two sets of sigma agree to that
    rel = np.abs(fast.s - plain.s) / plain.s
    assert rel.max() <= n * EPS * fast.certificate, rel.max()


def test_dc_preconditioner_order_matches_the_plan():
    from fastsvd import plan
    from fastsvd._dispatch import JACOBI_DC_MIN_ORDER
    assert JACOBI_DC_MIN_ORDER == DC_PRECONDITION_MIN
    n = DC_PRECONDITION_MIN
    assert "divide and conquer" in str(plan((n + 5, n), accuracy="relative"))
    assert "divide and conquer" not in str(plan((n + 5, n - 1), accuracy="relative"))


@pytest.mark.parametrize("case", ["gaussian", "graded", "nearly_orthogonal"])
def test_screened_passes_agree_with_sweeps(case):
    """``gesvj_screened`` is Jacobi with its inner products screened by one
    matrix product per pass: on any input it converges to the same column
    norms as :func:`gesvj` (relative difference within a few ``n eps``: both
    orthogonalize the rows to ``sqrt(m) eps`` by rotations of the same kind),
    its rotations stay orthogonal and reproduce the rows (``W G0 = G``)."""
    rng = np.random.default_rng(12)
    m, n = 60, 40
    A = rng.standard_normal((m, n))
    if case == "graded":
        A = A * np.logspace(0, -12, n)
    elif case == "nearly_orthogonal":
        Q, _ = np.linalg.qr(A)
        A = Q * np.linspace(1.0, 3.0, n) + 1e-13 * rng.standard_normal((m, n))
    G0 = np.ascontiguousarray(A.T)
    outs = []
    for solver in (gesvj, gesvj_screened):
        G = G0.copy()
        W = np.eye(n)
        hist = np.zeros(MAX_SWEEPS)
        info, sweeps, norms = solver(G, W, MAX_SWEEPS, hist)
        assert info == 0
        assert hist[sweeps - 1] <= np.sqrt(m) * EPS
        assert np.linalg.norm(W @ W.T - np.eye(n)) <= 4 * n * EPS
        assert np.linalg.norm(W @ G0 - G) <= 4 * n * EPS * np.linalg.norm(G0)
        outs.append((np.sort(norms), sweeps))
    (a, sweeps_plain), (b, sweeps_screened) = outs
    assert np.max(np.abs(a - b) / a) <= 4 * n * EPS
    if case == "nearly_orthogonal":
        assert sweeps_screened <= 3


def test_screened_sweep_cap_returns_status():
    G = np.random.default_rng(13).standard_normal((20, 30))
    hist = np.zeros(MAX_SWEEPS)
    info, sweeps, norms = gesvj_screened(G, np.zeros((20, 0)), 1, hist)
    assert info == 1 and sweeps == 1 and hist[0] > np.sqrt(30) * EPS


def test_certificate_is_what_rotate_by_promises():
    """``X1 = V0^T R`` by BLAS and ``c = max_j sum_k |V0_kj| |x_k| / |x1_j|``."""
    A = np.random.default_rng(8).standard_normal((30, 30)) * np.logspace(0, -6, 30)
    finite, *_, R = gejsv_precondition(A.copy())
    assert finite
    Q, _ = np.linalg.qr(np.random.default_rng(9).standard_normal((30, 30)))
    X1, c = rotate_by(R, np.ascontiguousarray(Q.T))
    np.testing.assert_allclose(X1, Q.T @ R, rtol=0, atol=30 * EPS * np.linalg.norm(R))
    want = (np.abs(Q).T @ np.linalg.norm(R, axis=1)) / np.linalg.norm(Q.T @ R, axis=1)
    np.testing.assert_allclose(c, want.max(), rtol=1e-12)


def test_failed_certificate_falls_back_to_plain_jacobi():
    """With the certificate refused the result is the QR-preconditioned
    Jacobi's, bit for bit."""
    A = np.random.default_rng(10).standard_normal((80, 70))
    refused = svd_jacobi_report(A.copy(), dc_min=1, certificate_max=0.0)
    plain = svd_jacobi_report(A.copy(), dc_min=PRECONDITIONERS["qrcp"])
    assert refused.preconditioner == "qrcp" and refused.certificate > 0.0
    for a, b in zip(refused[:5], plain[:5]):
        np.testing.assert_array_equal(a, b)


def test_certificate_refuses_a_zero_column():
    """A column of ``R^T V0`` that vanishes (or underflows) has no relative
    accuracy to certify: ``c`` is infinite and Jacobi runs on ``R^T``.
    Numerically rank-deficient input is different: the QR leaves rows of
    rounding noise in ``R``, and ``R^T V0`` is as accurate relative to *those*
    columns as to the others (measured c = 8 for the gallery's rank-5 matrix),
    so the preconditioner is kept there."""
    A = np.random.default_rng(11).standard_normal((30, 20))
    A[:, 5] = 0.0
    r = svd_jacobi_report(A.copy(), dc_min=1)
    assert r.preconditioner == "qrcp" and r.certificate == np.inf
    assert r.s[-1] == 0.0
    assert_svd(A, r.U, r.s, r.Vt)
    B = gallery()["rank_deficient_30x20_r5"]
    r = svd_jacobi_report(B.copy(), dc_min=1)
    assert r.preconditioner == "qrcp+dc"
    assert_svd(B, r.U, r.s, r.Vt)


# ----------------------------------------------------------------------------- kernels

@pytest.mark.parametrize("nb", [1, 3, 32])
@pytest.mark.parametrize("shape", [(50, 20), (20, 20), (7, 1), (120, 90)])
def test_pivoted_qr_reconstructs(shape, nb):
    """Any panel width (1 is the unblocked xLAQP2) gives a pivoted QR that
    reconstructs ``A P`` to a few ``m eps`` with non-increasing ``|r_kk|``."""
    m, n = shape
    A = np.random.default_rng(2).standard_normal(shape) * np.logspace(0, -8, n)
    G = A.T.copy()  # (ascontiguousarray would alias A when n == 1)
    jpvt = np.empty(n, np.int64)
    tau = np.empty(n)
    gelqp(G, jpvt, tau, nb)
    R = np.triu(G[:, :n].T)
    d = np.abs(np.diag(R))
    assert np.all(np.diff(d) <= 0), "pivoting must make |r_kk| non-increasing"
    C = np.zeros((m, n))
    C[:n] = R
    apply_q(G, tau, C)
    assert np.linalg.norm(C - A[:, jpvt]) <= 4 * m * EPS * np.linalg.norm(A)
    Q = np.eye(m)
    apply_q(G, tau, Q)
    assert np.linalg.norm(Q.T @ Q - np.eye(m)) <= 4 * m * EPS


def _pivoted_r(A):
    """``R`` of the pivoted QR of ``A`` (the matrix the driver's Jacobi sweeps see, as ``R^T``)."""
    n = A.shape[1]
    G = np.ascontiguousarray(A.T).copy()
    gelqp(G, np.empty(n, np.int64), np.empty(n))
    return np.ascontiguousarray(np.triu(G[:, :n].T))


@pytest.mark.parametrize("name", ["random_square_30", "graded_columns_20",
                                  "rank_deficient_30x20_r5", "wilkinson_like_21", "hilbert_12"])
def test_skipping_unchanged_pairs_changes_only_the_record(name):
    """gesvj skips pairs whose columns did not change since the previous sweep
    found them orthogonal; gesvj_work (the batched path) visits every pair.
    Same rotations, so the same results bit for bit; gesvj's record of the
    largest |cos| is an upper bound of the full visit's, and on convergence
    still at most the tolerance sqrt(m) eps."""
    A = gallery()[name]
    n = A.shape[1]
    G1 = np.ascontiguousarray(A.T).copy()
    G2 = G1.copy()
    W1, W2 = np.eye(n), np.eye(n)
    h1, h2 = np.zeros(MAX_SWEEPS), np.zeros(MAX_SWEEPS)
    info1, sweeps1, norms1 = gesvj(G1, W1, MAX_SWEEPS, h1)
    norms2 = np.empty(n)
    info2, sweeps2 = gesvj_work(G2, W2, norms2, np.empty(n, np.int64), MAX_SWEEPS, h2)
    assert (info1, sweeps1) == (info2, sweeps2) == (0, sweeps1)
    for a, b in ((G1, G2), (W1, W2), (norms1, norms2)):
        np.testing.assert_array_equal(a, b)
    assert np.all(h1 >= h2)
    assert h1[sweeps1 - 1] <= np.sqrt(A.shape[0]) * EPS


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_dot_long_rows(dtype):
    """Rows of 256 or more go to BLAS xDOT (called directly for float64)."""
    G = np.random.default_rng(8).standard_normal((3, 700)).astype(dtype)
    exact = float(np.dot(G[0].astype(np.float64), G[2].astype(np.float64)))
    scale = float(np.dot(np.abs(G[0]).astype(np.float64), np.abs(G[2]).astype(np.float64)))
    # recursive summation bound: m eps sum |x_i y_i|
    assert abs(_dot(G, 0, 2) - exact) <= 700 * np.finfo(dtype).eps * scale


# ----------------------------------------------------------------------------- extreme scales

#: shapes of the extreme sweep: mostly tall (and wide, which the driver
#: transposes), where graded rows survive the pivoted QR as Jacobi columns of
#: far apart norms; square ones the transposition heuristic turns column-graded
EXTREME_SHAPES = [(2, 2), (5, 5), (12, 12), (30, 30), (3, 2), (13, 8), (15, 14), (17, 4),
                  (21, 18), (28, 19), (29, 28), (30, 7), (30, 25), (8, 12), (19, 28), (4, 30)]


def _extreme_matrix(rng):
    """A matrix whose rows or columns span the whole exponent range: largest
    entries near ``1e+-300`` (float32 ``1e+-30``), the other lines graded
    down to the subnormals in random order, some columns zero and some exactly
    dependent (copies or multiples of others, which rotations cancel to
    noise).  Returns ``(A, full_matrices, compute_uv)``.

    Graded rows are the hard case: after the pivoted QR the Jacobi columns are
    not graded, and pairs of them differ in norm beyond ``tiny / eps``."""
    dtype = np.float64 if rng.random() < 0.5 else np.float32
    fi = np.finfo(dtype)
    m, n = EXTREME_SHAPES[int(rng.integers(len(EXTREME_SHAPES)))]
    top = float(rng.choice([300.0, -300.0]) if dtype == np.float64 else rng.choice([30.0, -30.0]))
    bottom = float(np.log10(float(fi.smallest_subnormal)))
    A = rng.standard_normal((m, n))
    # graded along the long side (rows of a tall matrix), mostly: the driver
    # works on the transpose of a wide one
    rows = (rng.random() < 0.7) == (m >= n)
    k = m if rows else n
    expo = rng.permutation(np.linspace(top, bottom, k) + rng.uniform(-1.0, 0.0, k) * (k > 1))
    expo = np.minimum(expo, top)
    # exponents applied in two halves: 10^e alone may be out of range
    f = 10.0 ** (expo / 2)
    A = (A * f[:, None]) * f[:, None] if rows else (A * f[None, :]) * f[None, :]
    for j in range(n):
        if rng.random() < 0.15:
            A[:, j] = A[:, int(rng.integers(n))] * float(rng.choice([1.0, -3.0, 0.5]))
        elif rng.random() < 0.1:
            A[:, j] = 0.0
    return A.astype(dtype), bool(rng.random() < 0.5), bool(rng.random() < 0.75)


def _extreme_failures(A, U, s, Vt, full_matrices):
    """Empty string if the SVD of one extreme matrix meets the README bounds, else
    what failed.  Units of ``max(m, n) eps`` of ``A``'s dtype (tests/checks.py):
    backward error <= 4, orthogonality of ``U`` and ``V`` <= 8, ``s``
    non-negative and descending, each ``s_i`` within ``4 max(m, n) eps s_1`` of
    LAPACK's (numpy's float64 SVD of the same entries) plus one step of the
    subnormal grid, the rounding of any value stored below the normal range.
    ``U = None``: values only."""
    m, n = A.shape
    eps = eps_of(A.dtype)
    if not (np.all(np.isfinite(s)) and np.all(s >= 0)):
        return f"sign: s = {s}"
    if np.any(np.diff(s) > 0):
        return f"order: s = {s}"
    ref = np.linalg.svd(A.astype(np.float64), compute_uv=False)
    floor = float(np.finfo(A.dtype).smallest_subnormal)
    err = np.abs(s.astype(np.float64) - ref).max(initial=0.0)
    if not err <= C_SIGMA * max(m, n) * eps * ref[0] + floor:
        return f"sigma: {err / (max(m, n) * eps * ref[0]):.3g} units"
    if U is None:
        return ""
    k = min(m, n)
    if U.shape != ((m, m) if full_matrices else (m, k)) or \
            Vt.shape != ((n, n) if full_matrices else (k, n)):
        return f"shape: {U.shape}, {Vt.shape}"
    be = backward_error(A, U, s, Vt)
    if not be <= C_BACKWARD:
        return f"backward: {be:.3g} units"
    ou = orthogonality(U)
    if not ou <= C_ORTHO:
        return f"orthogonality of U: {ou:.3g} units"
    ov = orthogonality(Vt.T)
    if not ov <= C_ORTHO:
        return f"orthogonality of V: {ov:.3g} units"
    return ""


def test_extreme_column_scales_meet_bounds():
    """80 seeded matrices with column norms from ``1e+-300`` (float32 ``1e+-30``)
    down to the subnormals, zero and dependent columns, shapes up to 30 x 30,
    float32 and float64, full and thin, with and without vectors, through
    ``svd_jacobi`` (info must be 0) and ``fastsvd.svd(method="jacobi")`` (no
    fallback to another method).  Bounds of :func:`_extreme_failures`: backward
    error 4, orthogonality 8, sigma 4, in units of ``max(m, n) eps``.

    Pins two faults of the sweeps on such pairs: a pair whose norm ratio
    underflowed was skipped whatever its cosine (converged with ``|cos|`` up
    to 1: ``U`` not orthogonal), and a ratio below ``tiny / tol`` gave a
    subnormal rotation that never converged (sweep cap)."""
    rng = np.random.default_rng(20261125)
    failures = []
    for i in range(80):
        A, full_matrices, compute_uv = _extreme_matrix(rng)
        m, n = A.shape
        B = np.ascontiguousarray(A.T if m < n else A)
        U, s, Vt, info = svd_jacobi(B.copy(), compute_uv, full_matrices)
        if info != 0:
            failures.append((i, A.dtype.name, A.shape, "svd_jacobi info", info))
        elif compute_uv:
            if m < n:
                U, Vt = Vt.T, U.T
            why = _extreme_failures(A, U, s, Vt, full_matrices)
            if why:
                failures.append((i, A.dtype.name, A.shape, "svd_jacobi", why))
        else:
            why = _extreme_failures(A, None, s, None, full_matrices)
            if why:
                failures.append((i, A.dtype.name, A.shape, "svd_jacobi", why))
        res, sinfo = fastsvd.svd(A, full_matrices=full_matrices, compute_uv=compute_uv,
                                 method="jacobi", return_info=True)
        if sinfo.method != "jacobi" or sinfo.status != 0:
            failures.append((i, A.dtype.name, A.shape, "svd", sinfo.method, sinfo.tried))
            continue
        U, s, Vt = res if compute_uv else (None, res, None)
        why = _extreme_failures(A, U, s, Vt, full_matrices)
        if why:
            failures.append((i, A.dtype.name, A.shape, "svd", why))
    assert not failures, failures
