"""SVD of symmetric matrices through the eigen-decomposition (fastsvd.kernels.syevd),
and its two kernels on their own: the tridiagonalization (sytrd) and the
tridiagonal eigensolver (stedc, steqr), by property.

Bounds, in units of machine epsilon (tests/checks.py):

* backward error ``||A - U S V^T||_F <= 4 n eps ||A||_F`` and orthogonality
  ``||U^T U - I||_F, ||V^T V - I||_F <= 8 n eps``: Householder tridiagonalization
  and the tridiagonal divide and conquer (or QL/QR) are backward stable with
  errors of order ``n eps`` (Demmel, Applied Numerical Linear Algebra, thm. 5.3
  and sec. 5.3.3; Gu & Eisenstat 1995 for the orthogonality of D&C vectors);
  the constants are the README's for the general SVD, a factor of about two
  over what LAPACK's own xSYEVD reaches on these matrices (measured: numpy's
  ``svd(hermitian=True)`` up to 0.6 and 1.6);
* each eigenvalue (and singular value) within ``4 n eps ||A||_2`` of the
  reference: Weyl's theorem turns the backward error into this forward bound;
  the reference is mpmath (40 digits) up to order 40 and LAPACK's eigvalsh,
  whose own error is ``~eps ||A||``, above.
"""
import numpy as np
import pytest

from fastsvd.kernels.stedc import (NO_CONVERGENCE, NOT_FINITE, OK, stedc, steqr, sterf,
                                   sym2x2_eig)
from fastsvd.kernels.syevd import svd_hermitian, syevd_rows
from fastsvd.kernels.sytrd import ormtr_right_t, orgtr_t, sytrd_lower

from .checks import (C_BACKWARD, C_ORTHO, C_SIGMA, assert_svd, eps_of, orthogonality,
                     reference_singular_values)

#: above this order the mpmath reference is too slow; eigvalsh is the reference
MPMATH_MAX = 40


def _orthogonal(n, seed):
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def with_eigenvalues(lam, seed=0):
    """``Q diag(lam) Q^T`` with a seeded Haar orthogonal ``Q``, exactly symmetric."""
    Q = _orthogonal(len(lam), seed)
    A = (Q * np.asarray(lam, float)) @ Q.T
    return np.tril(A) + np.tril(A, -1).T


def wilkinson_plus(m):
    """Wilkinson's ``W_m^+``: diagonal ``|k - (m-1)/2|``, off-diagonal ones; its
    largest eigenvalues come in pairs agreeing to many digits."""
    return np.abs(np.arange(m) - (m - 1) / 2.0), np.ones(m - 1)


def glued_wilkinson(m=21, copies=5, glue=1e-10):
    """Copies of ``W_m^+`` glued by ``glue``: clusters of eigenvalues closer than
    ``glue`` (Dhillon, Parlett & Voemel 2005), the hard case for deflation."""
    d0, e0 = wilkinson_plus(m)
    d = np.tile(d0, copies)
    e = np.full(m * copies - 1, glue)
    for c in range(copies):
        e[c * m:c * m + m - 1] = e0
    return d, e


def clement(n):
    """Clement's (Kac's) matrix with zero diagonal: eigenvalues ``-(n-1), -(n-3), ..., n-1``."""
    k = np.arange(1, n)
    return np.zeros(n), np.sqrt(k * (n - k)).astype(float)


def tridiagonal_dense(d, e):
    return np.diag(d) + np.diag(e, 1) + np.diag(e, -1)


def _gallery():
    rng = np.random.default_rng(20261124)
    g = {}
    B = rng.standard_normal((30, 30))
    g["random_indefinite_30"] = B + B.T
    B = rng.standard_normal((90, 90))
    g["random_indefinite_90"] = B + B.T
    B = rng.standard_normal((35, 35))
    g["positive_definite_35"] = B @ B.T + np.eye(35)
    X = rng.standard_normal((30, 5))
    g["rank_deficient_30_r5"] = (X * np.array([3.0, -2.0, 1.0, -0.5, 1e-3])) @ X.T
    g["clustered_28"] = with_eigenvalues(1 + 1e-12 * np.arange(28), seed=1)
    g["repeated_pm_24"] = with_eigenvalues(np.repeat([3.0, -3.0, 1e-3, 0.0], 6), seed=2)
    g["identity_40"] = np.eye(40)
    g["zero_12"] = np.zeros((12, 12))
    g["glued_wilkinson_105"] = tridiagonal_dense(*glued_wilkinson())
    g["wilkinson_dense_21"] = with_eigenvalues(np.linalg.eigvalsh(
        tridiagonal_dense(*wilkinson_plus(21))), seed=3)
    g["hilbert_12"] = 1.0 / (np.arange(12)[:, None] + np.arange(12)[None, :] + 1.0)
    D = np.logspace(0, -12, 26)
    B = rng.standard_normal((26, 26))
    g["graded_26"] = D[:, None] * (B + B.T) * D[None, :]
    B = rng.standard_normal((20, 20))
    g["huge_20"] = 1e300 * (B + B.T) / 4
    B = rng.standard_normal((20, 20))
    g["tiny_20"] = 1e-300 * (B + B.T)
    g["scalar_1x1"] = np.array([[-2.5]])
    g["two_by_two"] = np.array([[1.0, 1e8], [1e8, 1e-8]])
    g["two_by_two_zero_eig"] = np.array([[1.0, 1.0], [1.0, 1.0]])
    return g


GALLERY = _gallery()


def run(A, compute_uv=True):
    """``svd_hermitian`` on a copy (the kernel overwrites its input)."""
    U, s, Vt, info = svd_hermitian(np.ascontiguousarray(A).copy(), compute_uv, True)
    assert info == OK
    return U, s, Vt


def assert_eigenvalues(A, lam, c=C_SIGMA, signed=True):
    """Each computed eigenvalue within ``c n eps ||A||_2`` of the reference; with
    ``signed=False`` ``lam`` are singular values, compared with ``|eigenvalues|``."""
    n = A.shape[0]
    eps = eps_of(lam.dtype)
    A64 = A.astype(np.float64)
    if n <= MPMATH_MAX:
        # |lam| sorted are the singular values: the mpmath reference checks
        # magnitudes, eigvalsh (exact up to ~eps ||A||) the signs too
        sv = reference_singular_values(A64)
        got = np.sort(np.abs(lam.astype(np.float64)))[::-1]
        norm2 = sv[0]
        err = np.abs(got - sv).max(initial=0.0)
        assert err <= c * n * eps * norm2, err / (n * eps * norm2)
    ref = np.linalg.eigvalsh(A64)
    if not signed:
        ref = np.sort(np.abs(ref))
    norm2 = np.abs(ref).max(initial=0.0)
    err = np.abs(np.sort(lam.astype(np.float64)) - ref).max(initial=0.0)
    # eigvalsh's own error is ~ eps ||A|| in float64, far below the float32 bound
    assert err <= c * n * eps * norm2 + 4 * n * eps_of(np.float64) * norm2, \
        err / (n * eps * norm2)


# ---------------------------------------------------------------- dense driver


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(GALLERY))
def test_gallery_svd(name, dtype):
    """Backward error <= 4 n eps, orthogonality <= 8 n eps, values against mpmath."""
    A = GALLERY[name]
    if dtype == np.float32 and (np.abs(A).max(initial=0) > 1e30
                                or 0 < np.abs(A).max(initial=0) < 1e-30):
        pytest.skip("entries outside float32's range")
    A = A.astype(dtype)
    U, s, Vt = run(A)
    assert U.dtype == dtype and s.dtype == dtype and Vt.dtype == dtype
    assert_svd(A, U, s, Vt, reference=A.shape[0] <= MPMATH_MAX)
    if A.shape[0] > MPMATH_MAX:
        assert_eigenvalues(A, s, signed=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(GALLERY))
def test_gallery_values_only(name, dtype):
    """Values only: empty U and V^T, s descending, within 4 n eps ||A|| of mpmath."""
    A = GALLERY[name]
    if dtype == np.float32 and (np.abs(A).max(initial=0) > 1e30
                                or 0 < np.abs(A).max(initial=0) < 1e-30):
        pytest.skip("entries outside float32's range")
    A = A.astype(dtype)
    U, s, Vt = run(A, False)
    assert U.shape == (0, 0) and Vt.shape == (0, 0) and s.dtype == dtype
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0)
    assert_eigenvalues(A, s, signed=False)


@pytest.mark.parametrize("name", ["random_indefinite_30", "repeated_pm_24", "graded_26",
                                  "random_indefinite_90"])
def test_signs_carry_the_eigenvalues(name):
    """``V^T = diag(copysign(1, lam)) U^T`` exactly, and ``s_k u_k^T v_k`` recovers
    the eigenvalues (within the eigenvalue bound)."""
    A = GALLERY[name]
    U, s, Vt = run(A)
    signs = np.sign(np.einsum("ki,ik->k", Vt, U))
    assert np.array_equal(Vt, U.T * signs[:, None])
    assert_eigenvalues(A, s * signs)


@pytest.mark.parametrize("seed", range(3))
def test_same_convention_as_numpy(seed):
    """On distinct ``|lam|`` fastsvd's U, s, V^T are numpy's ``svd(hermitian=True)``'s:
    the same order, the same sign split between U and V^T (each vector up to one
    common sign), within the bounds."""
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((50, 50))
    A = B + B.T
    U, s, Vt = run(A)
    Un, sn, Vtn = np.linalg.svd(A, hermitian=True)
    eps = eps_of(np.float64)
    assert np.abs(s - sn).max() <= C_SIGMA * 50 * eps * sn[0]
    align = np.sign(np.einsum("ik,ik->k", U, Un))
    # vectors of well-separated values agree to about eps ||A|| / gap
    assert np.abs(U * align - Un).max() < 1e-8
    assert np.abs(Vt * align[:, None] - Vtn).max() < 1e-8


def test_reads_the_lower_triangle_like_numpy():
    """A non-symmetric input is the symmetric matrix of its lower triangle, as in
    numpy's ``svd(hermitian=True)`` (eigh, UPLO='L'); the upper triangle is never
    read, even when it holds NaN."""
    rng = np.random.default_rng(7)
    B = rng.standard_normal((40, 40))
    S = np.tril(B) + np.tril(B, -1).T
    sn = np.linalg.svd(B, hermitian=True, compute_uv=False)
    for upper in (B, np.full((40, 40), np.nan)):
        X = np.tril(B) + np.triu(upper, 1)
        U, s, Vt = run(X)
        assert_svd(S, U, s, Vt)
        assert np.abs(s - sn).max() <= C_SIGMA * 40 * eps_of(np.float64) * sn[0]


def test_larger_random_against_eigvalsh():
    """n = 300 (several levels of divide and conquer): bounds as on the gallery."""
    rng = np.random.default_rng(11)
    B = rng.standard_normal((300, 300))
    A = B + B.T
    U, s, Vt = run(A)
    assert_svd(A, U, s, Vt, reference=False)
    assert_eigenvalues(A, s, signed=False)


@pytest.mark.parametrize("leaf_size", [2, 3, 7])
def test_small_leaves_force_divide_and_conquer(leaf_size):
    """Tiny leaves make every gallery matrix go through many merges (as Eigen's
    setSwitchSize(3) does): eigenvectors orthogonal to 8 n eps, ``A = W L W^T``
    to 4 n eps."""
    for name in ("random_indefinite_30", "repeated_pm_24", "clustered_28", "graded_26",
                 "glued_wilkinson_105", "identity_40", "rank_deficient_30_r5"):
        A = GALLERY[name]
        lam, Wt, info = syevd_rows(A.copy(), True, leaf_size, 80, 30)
        assert info == OK
        n = A.shape[0]
        eps = eps_of(np.float64)
        R = A - (Wt.T * lam) @ Wt
        assert np.linalg.norm(R) <= C_BACKWARD * n * eps * np.linalg.norm(A), name
        assert orthogonality(Wt.T) <= C_ORTHO, name
        assert np.all(np.diff(lam) >= 0)
        assert_eigenvalues(A, lam)


def test_non_finite_input_reports_status():
    """NaN or Inf in the lower triangle: status 2 and NaN values, no exception, no hang."""
    for bad in (np.nan, np.inf):
        A = np.eye(30)
        A[17, 3] = bad
        for compute_uv in (True, False):
            U, s, Vt, info = svd_hermitian(A.copy(), compute_uv, True)
            assert info == NOT_FINITE
            assert np.all(np.isnan(s))


def test_no_convergence_falls_back_then_reports():
    """A secular cap of one step makes divide and conquer fail; the driver then
    runs QL/QR with vectors (within the bounds).  With QL/QR capped at zero
    sweeps too, the status is 1 and the result NaN, never a wrong answer."""
    A = GALLERY["random_indefinite_90"]
    d = np.empty(90)
    e = np.empty(89)
    tau = np.empty(89)
    X = A.copy()
    sytrd_lower(X, d, e, tau, 32)
    assert stedc(d.copy(), e.copy(), np.empty((90, 90)), True, 25, 1, 30) == NO_CONVERGENCE
    lam, Wt, info = syevd_rows(A.copy(), True, 25, 1, 30)
    assert info == OK
    assert np.linalg.norm(A - (Wt.T * lam) @ Wt) <= C_BACKWARD * 90 * eps_of(np.float64) \
        * np.linalg.norm(A)
    lam, Wt, info = syevd_rows(A.copy(), True, 25, 1, 0)
    assert info == NO_CONVERGENCE
    assert np.all(np.isnan(lam)) and np.all(np.isnan(Wt))


# ---------------------------------------------------------------- tridiagonalization


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n, nb", [(1, 32), (2, 32), (9, 4), (40, 8), (97, 32), (130, 16)])
def test_sytrd_backward_stable(n, nb, dtype):
    """``A = Q T Q^T`` to 4 n eps with ``Q`` orthogonal to 8 n eps, for panel widths
    that do and do not divide ``n - 1`` (xSYTRD is backward stable: Demmel thm. 5.3)."""
    rng = np.random.default_rng(n)
    B = rng.standard_normal((n, n))
    S = np.tril(B) + np.tril(B, -1).T
    X = (np.tril(B) + np.triu(np.full((n, n), 5.0), 1)).astype(dtype)
    d = np.empty(n, dtype)
    e = np.empty(max(n - 1, 0), dtype)
    tau = np.empty(max(n - 1, 0), dtype)
    sytrd_lower(X, d, e, tau, nb)
    Qt = orgtr_t(X, tau, 16)
    eps = eps_of(dtype)
    Q = Qt.T.astype(np.float64)
    T = tridiagonal_dense(d.astype(np.float64), e.astype(np.float64))
    assert np.linalg.norm(S - Q @ T @ Q.T) <= C_BACKWARD * n * eps * np.linalg.norm(S)
    assert orthogonality(Qt) <= C_ORTHO
    # ormtr applies the same Q^T that orgtr forms
    C = rng.standard_normal((5, n)).astype(dtype)
    C2 = C.copy()
    ormtr_right_t(X, tau, C2, 16)
    assert np.abs(C2 - C @ Qt).max() <= 8 * n * eps * np.abs(C).max() * np.sqrt(n)


# ---------------------------------------------------------------- tridiagonal solver


def _tridiagonals():
    rng = np.random.default_rng(5)
    t = {}
    t["wilkinson_21"] = wilkinson_plus(21)
    t["wilkinson_201"] = wilkinson_plus(201)
    t["glued_wilkinson_5x21"] = glued_wilkinson()
    t["glued_wilkinson_tight"] = glued_wilkinson(21, 6, 1e-14)
    t["clement_50"] = clement(50)
    t["clement_151"] = clement(151)
    t["all_equal_diagonal_80"] = (np.full(80, 3.0), np.ones(79))
    t["zero_off_diagonal_60"] = (rng.standard_normal(60), np.zeros(59))
    t["constant_zero_off_60"] = (np.full(60, 2.0), np.zeros(59))
    t["random_100"] = (rng.standard_normal(100), rng.standard_normal(99))
    t["graded_60"] = (np.logspace(0, -15, 60), np.logspace(0, -15, 59) * 0.5)
    t["graded_reversed_60"] = (np.logspace(-15, 0, 60), np.logspace(-15, 0, 59) * 0.5)
    t["huge_70"] = (1e300 * rng.standard_normal(70), 1e300 * rng.standard_normal(69))
    t["tiny_70"] = (1e-300 * rng.standard_normal(70), 1e-300 * rng.standard_normal(69))
    t["split_mixed_90"] = (rng.standard_normal(90),
                           rng.standard_normal(89) * (rng.random(89) > 0.1))
    t["one"] = (np.array([-4.0]), np.zeros(0))
    t["two"] = (np.array([1.0, 1e-8]), np.array([1e8]))
    t["zero_50"] = (np.zeros(50), np.zeros(49))
    return t


TRIDIAGONALS = _tridiagonals()


def _scaled_residuals(d, e, lam, Zt):
    """Backward error and orthogonality of ``T = Zt^T diag(lam) Zt`` in units of n eps,
    computed on ``T / ||T||_max`` so that 1e+-300 entries neither overflow nor underflow."""
    n = d.size
    eps = eps_of(lam.dtype)
    T = tridiagonal_dense(d.astype(np.float64), e.astype(np.float64))
    scale = np.abs(T).max(initial=0.0)
    if scale == 0.0:
        scale = 1.0
    Z = Zt.astype(np.float64)
    R = T / scale - (Z.T * (lam.astype(np.float64) / scale)) @ Z
    be = np.linalg.norm(R) / (max(np.linalg.norm(T / scale), 1e-300) * n * eps)
    return be, orthogonality(Zt.T)


@pytest.mark.parametrize("solver", ["dc", "dc_leaf3", "qr"])
@pytest.mark.parametrize("name", sorted(TRIDIAGONALS))
def test_tridiagonal_solvers(name, solver):
    """Divide and conquer (default and 3-row leaves) and QL/QR with vectors:
    ``T = Z L Z^T`` to 4 n eps, ``Z`` orthogonal to 8 n eps, eigenvalues ascending
    and within 4 n eps ||T|| of eigvalsh (of the exact spectrum for Clement's)."""
    d, e = TRIDIAGONALS[name]
    n = d.size
    lam = d.copy()
    w = e.copy()
    Zt = np.empty((n, n))
    if solver == "qr":
        Zt[:, :] = np.eye(n)
        info = steqr(lam, w, Zt, True, 30)
    else:
        info = stedc(lam, w, Zt, True, 3 if solver == "dc_leaf3" else 25, 80, 30)
    assert info == OK
    assert np.all(np.diff(lam) >= 0)
    be, orth = _scaled_residuals(d, e, lam, Zt)
    assert be <= C_BACKWARD, be
    assert orth <= C_ORTHO, orth
    eps = eps_of(np.float64)
    if name.startswith("clement"):
        ref = np.arange(-(n - 1), n, 2, dtype=float)
    else:
        scale = max(np.abs(d).max(initial=0), np.abs(e).max(initial=0), 1e-300)
        ref = np.linalg.eigvalsh(tridiagonal_dense(d / scale, e / scale)) * scale
    norm2 = np.abs(ref).max(initial=0.0)
    assert np.abs(lam - ref).max(initial=0.0) <= C_SIGMA * n * eps * norm2


@pytest.mark.parametrize("name", sorted(TRIDIAGONALS))
def test_tridiagonal_values_only(name):
    """Root-free QL/QR (xSTERF, the values path) and QL/QR without vectors: the same
    eigenvalues as divide and conquer with vectors, within the eigenvalue bound."""
    d, e = TRIDIAGONALS[name]
    n = d.size
    lam = d.copy()
    info = stedc(lam, e.copy(), np.empty((0, 0)), False, 25, 80, 30)
    assert info == OK and np.all(np.diff(lam) >= 0)
    lam2 = d.copy()
    Zt = np.empty((n, n))
    assert stedc(lam2, e.copy(), Zt, True, 25, 80, 30) == OK
    norm2 = np.abs(lam2).max(initial=0.0)
    assert np.abs(lam - lam2).max(initial=0.0) <= 2 * C_SIGMA * n * eps_of(np.float64) * norm2
    lam3 = d.copy()
    assert steqr(lam3, e.copy(), np.empty((0, 0)), False, 30) == OK
    assert np.abs(lam3 - lam2).max(initial=0.0) <= 2 * C_SIGMA * n * eps_of(np.float64) * norm2


def test_tridiagonal_float32_stays_float32():
    d, e = TRIDIAGONALS["glued_wilkinson_5x21"]
    lam = d.astype(np.float32)
    Zt = np.empty((d.size, d.size), np.float32)
    assert stedc(lam, e.astype(np.float32), Zt, True, 25, 80, 30) == OK
    assert lam.dtype == np.float32 and Zt.dtype == np.float32
    be, orth = _scaled_residuals(d.astype(np.float32), e.astype(np.float32), lam, Zt)
    assert be <= C_BACKWARD and orth <= C_ORTHO


def test_tridiagonal_non_finite_and_caps():
    """NaN gives status 2 (no exception, no hang); QL/QR with no sweeps allowed gives 1."""
    d, e = TRIDIAGONALS["random_100"]
    bad = e.copy()
    bad[40] = np.nan
    lam = d.copy()
    assert stedc(lam, bad, np.empty((100, 100)), True, 25, 80, 30) == NOT_FINITE
    assert np.all(np.isnan(lam))
    lam = d.copy()
    assert steqr(lam, bad.copy(), np.empty((0, 0)), False, 30) == NOT_FINITE
    assert steqr(d.copy(), e.copy(), np.empty((0, 0)), False, 0) == NO_CONVERGENCE
    assert sterf(d.copy(), e.copy(), 0) == NO_CONVERGENCE
    assert sterf(d.copy(), bad.copy(), 30) == NOT_FINITE


@pytest.mark.parametrize("a, b, c", [(1.0, 2.0, 3.0), (3.0, 2.0, 1.0), (-1.0, 1e-20, 1.0),
                                     (2.0, 0.0, 2.0), (0.0, 1.0, 0.0), (1e300, 1e300, -1e300),
                                     (-5.0, 1e-3, -5.0)])
def test_sym2x2_eig(a, b, c):
    """xLAEV2: ``|rt1| >= |rt2|``; ``[cs sn; -sn cs]`` diagonalizes the 2 x 2 to
    a few eps of its norm."""
    rt1, rt2, cs, sn = sym2x2_eig(a, b, c)
    assert abs(rt1) >= abs(rt2)
    G = np.array([[cs, -sn], [sn, cs]])
    M = np.array([[a, b], [b, c]]) / max(abs(a), abs(b), abs(c))
    D = G.T @ M @ G
    eps = eps_of(np.float64)
    scale = max(abs(a), abs(b), abs(c))
    assert abs(D[0, 1]) <= 4 * eps
    assert abs(D[0, 0] - rt1 / scale) <= 4 * eps and abs(D[1, 1] - rt2 / scale) <= 4 * eps
    assert abs(cs * cs + sn * sn - 1) <= 2 * eps
