"""fastsvd.derived: what the SVD is used for, checked by property against numpy/SciPy
or a closed form, with every bound in units of eps and its reason beside it.

Units.  ``u = max(M, N) eps`` is the backward error of one SVD (tests/checks.py:
fastsvd and LAPACK both stay below ~2 u on the gallery).  A quantity whose
first-order perturbation theory has condition number ``kappa`` is then within
``C u kappa`` of the exact value, and two such computations (ours and numpy's)
within ``2 C u kappa`` of each other.  ``C = 4`` leaves a factor of two over
what LAPACK reaches, as ``checks.C_BACKWARD`` does; nothing is tuned to pass.
"""
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, aslinearoperator

import fastsvd
from fastsvd import LinAlgError
from tests.checks import orthogonality
from tests.gallery import gallery, kahan, with_singular_values

try:  # scikit-learn is a peer (bench extra), not a test dependency
    from sklearn.decomposition import PCA as SkPCA
except ImportError:
    SkPCA = None

#: first-order bounds, in units of u * kappa (module docstring)
C = 4.0
EPS = np.finfo(np.float64).eps
EPS32 = float(np.finfo(np.float32).eps)
RNG = np.random.default_rng(20261124)


def _u(A, dtype=np.float64):
    return max(A.shape[-2:]) * float(np.finfo(dtype).eps)


def _effective_kappa(A, rtol=None):
    """``s_1 / s_r`` with ``r`` numpy's rank under the default cut-off (1 for rank 0)."""
    s = np.linalg.svd(A, compute_uv=False)
    r = np.linalg.matrix_rank(A, rtol=rtol)
    return s[0] / s[r - 1] if r else 1.0


def _spd(x):
    return np.linalg.norm(x, 2) if x.size else 0.0


#: the gallery minus empties and the entries at the edge of the exponent range
#: (those are covered by the SVD's own tests; here the products A X A would
#: overflow or underflow before any property could be checked)
GALLERY = {k: v for k, v in gallery().items()
           if v.size and not k.startswith(("huge", "tiny", "subnormal", "mixed"))}


# =========================================================================== pinv

@pytest.mark.parametrize("name", sorted(GALLERY))
def test_pinv_satisfies_the_penrose_conditions(name):
    """X = A+ satisfies AXA = A, XAX = X, (AX)^T = AX, (XA)^T = XA.  Rounding in
    forming X = V diag(1/s) U^T is ~eps ||X|| entrywise, which A(.)A amplifies to
    u kappa ||A||, kappa = s_1 / s_r over the kept values; numpy reaches at most
    1.8 of these units on the gallery (clustered_25)."""
    A = GALLERY[name]
    X = fastsvd.pinv(A)
    kappa, u = _effective_kappa(A), _u(A)
    nA, nX = _spd(A), max(_spd(X), np.finfo(float).tiny)
    if nA == 0:
        assert not X.any()
        return
    assert _spd(A @ X @ A - A) <= C * u * kappa * nA
    assert _spd(X @ A @ X - X) <= C * u * kappa * nX
    AX, XA = A @ X, X @ A
    assert _spd(AX - AX.T) <= C * u * kappa
    assert _spd(XA - XA.T) <= C * u * kappa


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_pinv_agrees_with_numpy(name):
    """Same cut-off (numpy's rtol=None), so the same rank; then both are within
    C u kappa ||A+|| of the exact pseudo-inverse (Wedin's perturbation bound for
    a rank-preserving perturbation) and within 2 C of each other."""
    A = GALLERY[name]
    X, rank = fastsvd.pinv(A, return_rank=True)
    ref = np.linalg.pinv(A, rtol=None)
    assert rank == np.linalg.matrix_rank(A)
    assert X.shape == ref.shape and X.dtype == ref.dtype
    assert _spd(X - ref) <= 2 * C * _u(A) * _effective_kappa(A) * max(_spd(ref), 1e-300)


@pytest.mark.parametrize("shape", [(3, 6, 4), (2, 2, 3, 5), (4, 1, 1)])
def test_pinv_stacks_and_per_slice_tolerances(shape):
    """A stack is pinv slice by slice; an array rtol gives one cut-off per slice."""
    A = RNG.standard_normal(shape)
    X = fastsvd.pinv(A)
    for idx in np.ndindex(*shape[:-2]):
        ref = np.linalg.pinv(A[idx], rtol=None)
        assert _spd(X[idx] - ref) <= 2 * C * _u(A) * _effective_kappa(A[idx]) * _spd(ref)
    rtol = np.linspace(0.0, 0.99, int(np.prod(shape[:-2]))).reshape(shape[:-2])
    np.testing.assert_allclose(fastsvd.pinv(A, rtol=rtol), np.linalg.pinv(A, rtol=rtol),
                               rtol=0, atol=2 * C * _u(A) * 100)   # kappa <= 100 here


def test_pinv_tolerances_follow_numpy_and_scipy():
    A = with_singular_values([1.0, 1e-3, 1e-9], 6, 4, seed=4)
    assert fastsvd.pinv(A, return_rank=True)[1] == 3               # max(M, N) eps default
    assert fastsvd.pinv(A, rcond=1e-6, return_rank=True)[1] == 2   # numpy's legacy name
    assert fastsvd.pinv(A, rtol=1e-2, return_rank=True)[1] == 1
    assert fastsvd.pinv(A, atol=1e-2, return_rank=True)[1] == 1    # SciPy's absolute cut
    X, r = fastsvd.pinv(A, atol=1e-6, rtol=1e-4, return_rank=True)
    Xs, rs = scipy.linalg.pinv(A, atol=1e-6, rtol=1e-4, return_rank=True)
    assert r == rs == 2 and _spd(X - Xs) <= 2 * C * _u(A) * 1e3 * _spd(Xs)
    with pytest.raises(ValueError, match="both"):
        fastsvd.pinv(A, rcond=1e-3, rtol=1e-3)
    with pytest.raises(ValueError, match="non-negative"):
        fastsvd.pinv(A, atol=-1.0)


def test_pinv_hermitian_flag_gives_the_same_result():
    """hermitian=True is a promise about the input; the general SVD honours it."""
    S = RNG.standard_normal((5, 5))
    S = S + S.T
    X = fastsvd.pinv(S, hermitian=True)
    ref = np.linalg.pinv(S, hermitian=True)
    assert _spd(X - ref) <= 2 * C * _u(S) * np.linalg.cond(S) * _spd(ref)


@pytest.mark.parametrize("dtype,expected", [(np.float32, np.float32), (np.int64, np.float64),
                                            (bool, np.float64)])
def test_pinv_dtypes_like_numpy(dtype, expected):
    A = (3 * RNG.standard_normal((5, 3))).astype(dtype)
    X = fastsvd.pinv(A)
    assert X.dtype == expected == np.linalg.pinv(A).dtype
    # float32: Penrose condition 1 in float32's own units
    eps = float(np.finfo(expected).eps)
    A64 = A.astype(np.float64)
    assert _spd(A64 @ X.astype(np.float64) @ A64 - A64) <= (
        C * 5 * eps * _effective_kappa(A64) * _spd(A64))


@pytest.mark.parametrize("shape", [(0, 3), (4, 0), (0, 0), (2, 0, 3), (0, 2, 2)])
def test_pinv_empty_shapes_like_numpy(shape):
    assert fastsvd.pinv(np.zeros(shape)).shape == np.linalg.pinv(np.zeros(shape)).shape


# =========================================================================== lstsq

def _ls_kappa_term(A, x, r):
    """Condition of the LS solution (Golub & Van Loan, thm 5.3.1; Higham thm 20.1):
    kappa + kappa^2 ||r|| / (||A|| ||x||), kappa = s_1 / s_r over the numerical rank."""
    kappa = _effective_kappa(A)
    nx = max(np.linalg.norm(x), 1e-300)
    return kappa + kappa ** 2 * np.linalg.norm(r) / (_spd(A) * nx)


def _ls_cases():
    rng = np.random.default_rng(11)
    g = GALLERY
    return {
        "tall_consistent": (g["random_tall_40x13"], g["random_tall_40x13"] @ rng.standard_normal(13)),
        "tall_inconsistent": (g["random_tall_40x13"], rng.standard_normal(40)),
        "tall_many_rhs": (g["random_very_tall_200x7"], rng.standard_normal((200, 3))),
        "wide_min_norm": (g["random_wide_11x37"], rng.standard_normal(11)),
        "rank_deficient_r5": (g["rank_deficient_30x20_r5"], rng.standard_normal((30, 2))),
        "repeated_rank15": (g["repeated_20"], rng.standard_normal(24)),
        "kahan_30": (kahan(30), rng.standard_normal(30)),
        "square": (g["random_square_30"], rng.standard_normal(30)),
        "zero_rhs_columns": (g["random_tall_40x13"], np.zeros((40, 0))),
    }


LS = _ls_cases()


@pytest.mark.parametrize("name", sorted(LS))
def test_lstsq_agrees_with_numpy(name):
    """Same four results: x within 2 C u (kappa + kappa^2 ||r|| / (||A|| ||x||)) ||x||
    (LS perturbation theory, both solvers backward stable), the same rank, s
    within 2 C u s_1 (Weyl), residuals with numpy's shape rule (empty unless
    rank = N < M) and value within 2 C u kappa ||b||^2 (they are ||b - A x||^2)."""
    A, b = LS[name]
    x, res, rank, s = fastsvd.lstsq(A, b)
    xr, resr, rankr, sr = np.linalg.lstsq(A, b)
    assert (x.shape, res.shape, s.shape) == (xr.shape, resr.shape, sr.shape)
    assert x.dtype == xr.dtype and res.dtype == resr.dtype and s.dtype == sr.dtype
    assert rank == rankr and isinstance(rank, int)
    u = _u(A)
    assert np.abs(s - sr).max() <= 2 * C * u * sr[0]
    if b.size == 0:
        return
    X, Xr = (x, xr) if x.ndim == 2 else (x[:, None], xr[:, None])
    B = b if b.ndim == 2 else b[:, None]
    for j in range(B.shape[1]):
        r = B[:, j] - A @ Xr[:, j]
        bound = 2 * C * u * _ls_kappa_term(A, Xr[:, j], r) * np.linalg.norm(Xr[:, j])
        assert np.linalg.norm(X[:, j] - Xr[:, j]) <= bound
    if res.size:
        assert np.abs(res - resr).max() <= 2 * C * u * _effective_kappa(A) * np.sum(B * B)


@pytest.mark.parametrize("name", sorted(LS))
def test_lstsq_residual_is_orthogonal_to_the_range(name):
    """Normal equations A^T (b - A x) = 0.  x is the exact solution of a problem
    perturbed by C u relative, and forming r costs eps (|b| + |A| |x|), so
    ||A^T r|| <= C u ||A|| (||A|| ||x|| + ||b||) whatever kappa is."""
    A, b = LS[name]
    x = fastsvd.lstsq(A, b)[0]
    r = b - A @ x
    assert np.linalg.norm(A.T @ r) <= C * _u(A) * _spd(A) * (
        _spd(A) * np.linalg.norm(x) + np.linalg.norm(b))


@pytest.mark.parametrize("name", ["wide_min_norm", "rank_deficient_r5", "repeated_rank15"])
def test_lstsq_rank_deficient_gives_the_minimum_norm_solution(name):
    """x has no component in the null space: x = A+ b.  The null space basis from
    numpy's SVD is exact to u; x's component there is C u kappa ||x||."""
    A, b = LS[name]
    x = fastsvd.lstsq(A, b)[0]
    Z = scipy.linalg.null_space(A)
    assert Z.shape[1] > 0
    assert np.linalg.norm(Z.T @ x) <= C * _u(A) * _effective_kappa(A) * np.linalg.norm(x)
    assert np.linalg.norm(x - fastsvd.pinv(A) @ b) <= (
        2 * C * _u(A) * _effective_kappa(A) * np.linalg.norm(x))


def test_lstsq_rcond_like_gelsd():
    A = with_singular_values([1.0, 1e-4, 1e-12], 8, 3, seed=5)
    b = np.arange(8.0)
    assert fastsvd.lstsq(A, b)[2] == np.linalg.lstsq(A, b)[2] == 3
    for rcond in (1e-6, 1e-2, -1.0):    # negative: machine eps (LAPACK's convention)
        assert fastsvd.lstsq(A, b, rcond=rcond)[2] == np.linalg.lstsq(A, b, rcond=rcond)[2]
    x, res, rank, _ = fastsvd.lstsq(A, b, rcond=1e-6)
    assert rank == 2 and res.shape == (0,)     # rank < N: numpy returns no residuals
    assert fastsvd.lstsq(A, b, rcond=np.array(1e-6))[2] == 2   # 0-d arrays, as numpy
    for bad in ("x", np.nan, [1e-3, 1e-3]):
        with pytest.raises(ValueError, match="rcond"):
            fastsvd.lstsq(A, b, rcond=bad)


@pytest.mark.parametrize("lam", [1e-6, 1e-3, 0.1, 10.0])
@pytest.mark.parametrize("shape", [(30, 8), (8, 30)])
def test_lstsq_damping_solves_the_tikhonov_problem(lam, shape):
    """min ||A x - b||^2 + lam^2 ||x||^2 is the LS problem [A; lam I] x = [b; 0]:
    compare with numpy on that stacked system, in its own kappa and u."""
    m, n = shape
    A = with_singular_values(np.logspace(0, -8, min(m, n)), m, n, seed=6)
    b = np.random.default_rng(7).standard_normal(m)
    x = fastsvd.lstsq(A, b, damping=lam)[0]
    Aa = np.vstack([A, lam * np.eye(n)])
    ba = np.r_[b, np.zeros(n)]
    xr = np.linalg.lstsq(Aa, ba)[0]
    r = ba - Aa @ xr
    assert np.linalg.norm(x - xr) <= 2 * C * _u(Aa) * _ls_kappa_term(Aa, xr, r) * np.linalg.norm(xr)


def test_lstsq_damping_filter_factors_closed_form():
    """On a diagonal A the damped solution is x_i = s_i b_i / (s_i^2 + lam^2) (the
    Tikhonov filter factors), each to a few eps relative: the SVD of a diagonal
    matrix only permutes it, and the filter is three correctly rounded operations."""
    s = np.array([3.0, 1.0, 1e-3, 0.0])
    A = np.zeros((6, 4))
    A[np.arange(4), np.arange(4)] = s
    b = np.array([1.0, -2.0, 0.5, 7.0, 3.0, -1.0])
    lam = 0.05
    x = fastsvd.lstsq(A, b, damping=lam)[0]
    exact = s * b[:4] / (s ** 2 + lam ** 2)
    np.testing.assert_allclose(x, exact, rtol=C * 6 * EPS, atol=0)
    # damping 0 or None is the undamped minimum-norm solution
    np.testing.assert_array_equal(fastsvd.lstsq(A, b, damping=0.0)[0], fastsvd.lstsq(A, b)[0])


def test_lstsq_float32_like_numpy():
    A = RNG.standard_normal((20, 5)).astype(np.float32)
    b = RNG.standard_normal(20).astype(np.float32)
    x, res, rank, s = fastsvd.lstsq(A, b)
    xr, resr, _, _ = np.linalg.lstsq(A, b)
    assert x.dtype == res.dtype == s.dtype == np.float32
    A64, x64 = A.astype(np.float64), xr.astype(np.float64)
    r = b - A64 @ x64
    bound = 2 * C * _u(A, np.float32) * _ls_kappa_term(A64, x64, r) * np.linalg.norm(x64)
    assert np.linalg.norm(x.astype(np.float64) - x64) <= bound


@pytest.mark.parametrize("ashape,bshape", [((0, 3), (0,)), ((3, 0), (3,)), ((0, 0), (0, 2)),
                                           ((4, 3), (4, 0))])
def test_lstsq_empty_like_numpy(ashape, bshape):
    got = fastsvd.lstsq(np.zeros(ashape), np.ones(bshape))
    ref = np.linalg.lstsq(np.zeros(ashape), np.ones(bshape))
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g, r)


def test_lstsq_errors():
    A = np.ones((4, 3))
    with pytest.raises(LinAlgError):
        fastsvd.lstsq(np.ones((2, 4, 3)), np.ones((2, 4)))     # numpy: 2-D only
    with pytest.raises(LinAlgError):
        fastsvd.lstsq(A, np.ones((4, 1, 1)))
    with pytest.raises(LinAlgError, match="Incompatible"):
        fastsvd.lstsq(A, np.ones(5))
    with pytest.raises(ValueError, match="NaN"):
        fastsvd.lstsq(A, np.array([1.0, np.nan, 0, 0]))
    with pytest.raises(ValueError, match="damping"):
        fastsvd.lstsq(A, np.ones(4), damping=-1.0)
    with pytest.raises(ValueError, match="damping"):
        fastsvd.lstsq(A, np.ones(4), damping=np.inf)


# =========================================================================== rank

def _clear_of_threshold(A, rtol):
    """True when no singular value lies within 2 C u s_1 of the cut-off rtol s_1, so
    two backward-stable SVDs must agree on the rank (Weyl)."""
    s = np.linalg.svd(A, compute_uv=False)
    if not s.size or s[0] == 0:
        return True
    return bool(np.all(np.abs(s - rtol * s[0]) > 2 * C * _u(A) * s[0]))


@pytest.mark.parametrize("name", sorted(gallery()))
def test_matrix_rank_agrees_with_numpy(name):
    """At numpy's default cut-off (u) where the rank is determined; an exactly rank
    deficient matrix has computed "zero" singular values anywhere below C u s_1, so
    there both are compared at a cut-off of 1000 u, clear of that noise."""
    A = gallery()[name]
    u = _u(A)
    rtol = next((r for r in (u, 1e3 * u) if _clear_of_threshold(A, r)), None)
    assert rtol is not None, "no clear cut-off for this matrix"
    assert fastsvd.matrix_rank(A, rtol=rtol) == np.linalg.matrix_rank(A, rtol=rtol)
    if rtol == u:
        assert fastsvd.matrix_rank(A) == np.linalg.matrix_rank(A)


def test_matrix_rank_known_ranks_stacks_and_tolerances():
    A = np.stack([with_singular_values(np.r_[np.ones(r), np.zeros(6 - r)], 7, 6, seed=r)
                  for r in range(7)])
    np.testing.assert_array_equal(fastsvd.matrix_rank(A), np.arange(7))
    B = with_singular_values([1.0, 1e-3, 1e-6], 5, 3, seed=9)
    assert fastsvd.matrix_rank(B, tol=1e-4) == 2 == np.linalg.matrix_rank(B, tol=1e-4)
    stack = np.stack([B, B, B])
    rtol = np.array([1e-9, 1e-4, 0.1])
    np.testing.assert_array_equal(fastsvd.matrix_rank(stack, rtol=rtol), [3, 2, 1])
    np.testing.assert_array_equal(fastsvd.matrix_rank(stack, tol=rtol), [3, 2, 1])
    assert fastsvd.matrix_rank(B @ B.T, hermitian=True) == 3
    with pytest.raises(ValueError, match="both"):
        fastsvd.matrix_rank(B, tol=1.0, rtol=1.0)


def test_matrix_rank_vectors_empty_and_float32_like_numpy():
    for v in (np.zeros(3), np.array([0.0, 1.0]), np.float64(2.0)):
        assert fastsvd.matrix_rank(v) == np.linalg.matrix_rank(v)
    for shape in [(0, 3), (3, 0), (2, 0, 4)]:
        np.testing.assert_array_equal(fastsvd.matrix_rank(np.zeros(shape)),
                                      np.linalg.matrix_rank(np.zeros(shape)))
    # float32: the default cut-off is in float32's eps, as numpy's
    A = with_singular_values([1.0, 1e-5, 1e-9], 6, 3, seed=10).astype(np.float32)
    assert fastsvd.matrix_rank(A) == np.linalg.matrix_rank(A) == 2
    with pytest.raises(ValueError, match="NaN"):
        fastsvd.matrix_rank(np.array([[1.0, np.nan], [0.0, 1.0]]))


# =========================================================================== subspaces

def _projector_distance(P, Q):
    """||P P^T - Q Q^T||_2: the sine of the largest angle between two subspaces."""
    return _spd(P @ P.T - Q @ Q.T)


def _gap(A):
    """Relative gap s_r / s_1 between the kept and the discarded singular values."""
    s = np.linalg.svd(A, compute_uv=False)
    r = np.linalg.matrix_rank(A)
    return (s[r - 1] - (s[r] if r < len(s) else 0.0)) / s[0] if r else 1.0


BASIS_CASES = ["rank_deficient_30x20_r5", "rank_one_15x15", "repeated_20", "random_wide_11x37",
               "random_tall_40x13", "two_by_two", "zero_6x4", "row_1x9", "column_9x1"]


@pytest.mark.parametrize("name", BASIS_CASES)
def test_null_space_and_orth_agree_with_scipy(name):
    """Orthonormal (C u), A Z = 0 to the cut-off plus backward error (both ~u ||A||),
    and the same subspaces as SciPy: Wedin's sin-theta theorem bounds each basis's
    angle to the exact one by C u / gap, so the two are within 2 C u / gap."""
    A = GALLERY[name]
    u, gap = _u(A), _gap(A)
    Z, Q = fastsvd.null_space(A), fastsvd.orth(A)
    Zs, Qs = scipy.linalg.null_space(A), scipy.linalg.orth(A)
    assert Z.shape == Zs.shape and Q.shape == Qs.shape
    assert orthogonality(Z) <= 2 * C and orthogonality(Q) <= 2 * C   # units of max(rows, cols) eps
    assert _spd(A @ Z) <= 2 * C * u * _spd(A)
    assert _projector_distance(Z, Zs) <= 2 * C * u / gap
    assert _projector_distance(Q, Qs) <= 2 * C * u / gap


def test_null_space_orth_rcond_stacks_and_empties_like_scipy():
    A = with_singular_values([1.0, 1e-3, 1e-9], 4, 5, seed=12)
    for rcond in (None, 1e-6, 1e-2):
        assert fastsvd.null_space(A, rcond=rcond).shape == scipy.linalg.null_space(A, rcond=rcond).shape
        assert fastsvd.orth(A, rcond=rcond).shape == scipy.linalg.orth(A, rcond=rcond).shape
    stack = np.stack([with_singular_values([2.0, 1.0], 5, 3, seed=k) for k in range(3)])
    Z = fastsvd.null_space(stack)
    assert Z.shape == (3, 3, 1)
    for k in range(3):
        assert _projector_distance(Z[k], scipy.linalg.null_space(stack[k])) <= 2 * C * _u(stack)
    assert fastsvd.orth(stack).shape == (3, 5, 2)
    mixed = np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0])])
    with pytest.raises(ValueError, match="different ranks"):
        fastsvd.null_space(mixed)
    for shape in [(0, 3), (3, 0), (0, 0)]:
        assert fastsvd.null_space(np.zeros(shape)).shape == scipy.linalg.null_space(np.zeros(shape)).shape
        assert fastsvd.orth(np.zeros(shape)).shape == scipy.linalg.orth(np.zeros(shape)).shape
    with pytest.raises(ValueError):
        fastsvd.null_space(np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError):
        fastsvd.orth(np.ones(3))


@pytest.mark.parametrize("name", ["rank_deficient_30x20_r5", "random_wide_11x37", "repeated_20",
                                  "identity_8", "zero_6x4"])
def test_fundamental_subspaces_are_complementary(name):
    """[range, left_null] and [row, null] are orthogonal matrices (C of the SVD's
    orthogonality units); A null = 0 and A^T left_null = 0 to the cut-off (u ||A||)."""
    A = GALLERY[name]
    sub = fastsvd.fundamental_subspaces(A)
    m, n = A.shape
    assert sub.rank == np.linalg.matrix_rank(A)
    assert sub.range.shape == (m, sub.rank) and sub.left_null.shape == (m, m - sub.rank)
    assert sub.row.shape == (n, sub.rank) and sub.null.shape == (n, n - sub.rank)
    assert orthogonality(np.hstack([sub.range, sub.left_null])) <= 2 * C
    assert orthogonality(np.hstack([sub.row, sub.null])) <= 2 * C
    u = _u(A)
    assert _spd(A @ sub.null) <= 2 * C * u * _spd(A)
    assert _spd(A.T @ sub.left_null) <= 2 * C * u * _spd(A)
    if sub.rank:
        assert _projector_distance(sub.range, scipy.linalg.orth(A)) <= 2 * C * u / _gap(A)


# =========================================================================== norms

P_ALL = [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf]


@pytest.mark.parametrize("p", P_ALL)
@pytest.mark.parametrize("shape", [(6, 6), (3, 5, 5)])
def test_cond_agrees_with_numpy(p, shape):
    """Every norm of A^-1 is relatively perturbed by about u kappa_2 (s_min's
    relative error, or the inverse's), so the two results agree to 2 C u kappa_2."""
    A = RNG.standard_normal(shape) + 3 * np.eye(shape[-1])
    got, ref = fastsvd.cond(A, p), np.linalg.cond(A, p)
    assert np.shape(got) == np.shape(ref) and np.asarray(got).dtype == np.asarray(ref).dtype
    kappa = np.max(np.linalg.cond(A))
    np.testing.assert_allclose(got, ref, rtol=2 * C * _u(A) * kappa, atol=0)


@pytest.mark.parametrize("p", [None, 2, -2])
def test_cond_rectangular_and_float32(p):
    A = RNG.standard_normal((2, 7, 4))
    np.testing.assert_allclose(fastsvd.cond(A, p), np.linalg.cond(A, p),
                               rtol=2 * C * _u(A) * np.max(np.linalg.cond(A)), atol=0)
    A32 = A.astype(np.float32)
    got = fastsvd.cond(A32, p)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.linalg.cond(A32, p),
                               rtol=2 * C * _u(A, np.float32) * np.max(np.linalg.cond(A)), atol=0)


@pytest.mark.parametrize("p", P_ALL)
def test_cond_singular_zero_and_nan_like_numpy(p):
    """numpy's conventions: inf for a singular matrix (0 for p=-2 with s_max > 0),
    NaN only where the input has NaN.  (numpy's own 'nuc' raises on a singular
    matrix; fastsvd returns inf there, the value of its convention.)"""
    singular = np.ones((3, 3))
    expected = 0.0 if p == -2 else np.inf
    assert fastsvd.cond(singular, p) == expected
    assert fastsvd.cond(np.zeros((3, 3)), p) == np.inf
    stack = np.stack([np.eye(3), np.full((3, 3), np.nan)])
    got = fastsvd.cond(stack, p)
    # the identity's condition numbers are exact small integers (1, 3 or 9)
    assert got[0] == np.linalg.cond(np.eye(3), p) and np.isnan(got[1])


def test_cond_errors_and_empties():
    with pytest.raises(LinAlgError, match="square"):
        fastsvd.cond(np.ones((3, 4)), 1)
    with pytest.raises(LinAlgError, match="empty"):
        fastsvd.cond(np.zeros((0, 0)))
    assert fastsvd.cond(np.zeros((0, 3, 3))).shape == np.linalg.cond(np.zeros((0, 3, 3))).shape
    with pytest.raises(ValueError, match="`p`"):
        fastsvd.cond(np.eye(3), 3)
    with pytest.raises(LinAlgError):
        fastsvd.cond(np.ones(3))


@pytest.mark.parametrize("shape", [(5, 3), (40, 45), (120, 80), (4, 6, 5), (1, 9), (9, 1)])
def test_spectral_and_nuclear_norms_agree_with_numpy(shape):
    """s_1 within C u s_1 (Weyl; the Lanczos path, shapes past 32, converges to the
    same floor); the nuclear norm is a sum of min(M, N) such values."""
    A = RNG.standard_normal(shape)
    ref2 = np.linalg.norm(A, 2, axis=(-2, -1))
    refn = np.linalg.norm(A, "nuc", axis=(-2, -1))
    u, k = _u(A), min(shape[-2:])
    np.testing.assert_allclose(fastsvd.spectral_norm(A), ref2, rtol=C * u, atol=0)
    np.testing.assert_allclose(fastsvd.nuclear_norm(A), refn, rtol=0, atol=C * u * k * np.max(ref2))


def test_spectral_norm_of_sparse_and_operators():
    S = sp.random(300, 200, density=0.05, random_state=3, format="csr")
    ref = np.linalg.norm(S.toarray(), 2)
    u = _u(S)
    assert abs(fastsvd.spectral_norm(S) - ref) <= C * u * ref
    assert abs(fastsvd.spectral_norm(aslinearoperator(S)) - ref) <= C * u * ref
    assert fastsvd.spectral_norm(sp.diags([1.0, -5.0, 3.0])) == pytest.approx(5.0, rel=C * 3 * EPS)
    # tol: the Lanczos estimate is from below and within tol ||A|| (Weyl)
    est = fastsvd.spectral_norm(S, tol=1e-4)
    assert ref * (1 - 1e-4) - C * u * ref <= est <= ref * (1 + C * u)
    nuc = np.linalg.norm(S.toarray(), "nuc")
    assert abs(fastsvd.nuclear_norm(S) - nuc) <= C * u * 200 * ref
    with pytest.raises(TypeError, match="LinearOperator"):
        fastsvd.nuclear_norm(aslinearoperator(S))
    with pytest.raises(ValueError, match="tol"):
        fastsvd.spectral_norm(S, tol=-1.0)
    assert fastsvd.spectral_norm(np.zeros((0, 3))) == 0.0


# =========================================================================== low rank

@pytest.mark.parametrize("k", [0, 1, 5, 12, 20])
def test_low_rank_errors_are_the_tail_singular_values(k):
    """Eckart-Young-Mirsky: ||A - A_k||_2 = s_{k+1}, ||A - A_k||_F = sqrt(sum of the
    tail).  The reported errors are computed singular values (within C u s_1 of
    numpy's, Weyl); the measured errors of the returned A_k add its rounding,
    another u ||A|| (||A||_F for the Frobenius norm)."""
    A = with_singular_values(np.logspace(0, -6, 20), 30, 20, seed=13)
    r = fastsvd.low_rank(A, k)
    s = np.linalg.svd(A, compute_uv=False)
    u = _u(A)
    tail2 = s[k] if k < 20 else 0.0
    tailf = np.sqrt(np.sum(s[k:] ** 2))
    assert abs(r.error_2 - tail2) <= 2 * C * u * s[0]
    assert abs(r.error_fro - tailf) <= 2 * C * u * s[0] * np.sqrt(20)
    D = A - r.approximation
    assert abs(_spd(D) - tail2) <= 2 * C * u * s[0]
    assert abs(np.linalg.norm(D) - tailf) <= 2 * C * u * np.linalg.norm(A)
    assert r.U.shape == (30, k) and r.s.shape == (k,) and r.Vh.shape == (k, 20)
    assert np.linalg.matrix_rank(r.approximation) == k
    assert isinstance(r.error_2, float) and isinstance(r.error_fro, float)


def test_low_rank_stacks_and_errors():
    A = RNG.standard_normal((3, 8, 6))
    r = fastsvd.low_rank(A, 2)
    s = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(r.error_2, s[:, 2], rtol=0, atol=2 * C * _u(A) * s.max())
    assert r.approximation.shape == A.shape and r.error_fro.shape == (3,)
    for bad in (-1, 7, 2.0, True):
        with pytest.raises(ValueError, match="`k`"):
            fastsvd.low_rank(A, bad)


# =========================================================================== Procrustes

@pytest.mark.parametrize("shape", [(50, 3), (6, 6), (2, 20, 4)])
def test_orthogonal_procrustes_agrees_with_scipy(shape):
    """R = polar factor of M = A^T B.  ||dR|| <= 2 ||dM|| / (s_{n-1} + s_n)
    (R.-C. Li 1995); dM is the SVD's backward error (u ||M||) plus forming the
    product in another order (m eps ||A|| ||B||).  scale = sum of s(M)."""
    A, B = RNG.standard_normal(shape), RNG.standard_normal(shape)
    R, scale = fastsvd.orthogonal_procrustes(A, B)
    Rs, scales = scipy.linalg.orthogonal_procrustes(A, B)
    assert R.shape == Rs.shape and np.shape(scale) == np.shape(scales)
    M = np.swapaxes(A, -1, -2) @ B
    s = np.linalg.svd(M, compute_uv=False)
    m = shape[-2]
    for idx in np.ndindex(*shape[:-2]):
        dM = C * _u(M) * s[idx][0] + m * EPS * _spd(A[idx]) * _spd(B[idx])
        denom = s[idx][-2] + s[idx][-1]
        assert _spd(R[idx] - Rs[idx]) <= 2 * 2 * dM / denom
        assert orthogonality(R[idx]) <= 2 * C
        assert abs(np.sum(s[idx]) - np.asarray(scale)[idx]) <= 2 * dM * shape[-1]
    assert np.asarray(scale).dtype == np.asarray(scales).dtype


def test_orthogonal_procrustes_recovers_a_rotation():
    """B = A Q up to rounding, so M = A^T A Q + dM with ||dM|| ~ u ||A||^2; the polar
    factor moves by 2 ||dM|| / (s_{n-1}(M) + s_n(M)) with s(M) = s(A)^2 (Li 1995), so
    R = Q within 2 C u kappa(A)^2 (doubled for forming B); scale = trace(A^T A) = ||A||_F^2."""
    A = RNG.standard_normal((40, 3))
    Q = scipy.linalg.expm(np.array([[0.0, -0.3, 0.2], [0.3, 0.0, -0.5], [-0.2, 0.5, 0.0]]))
    R, scale = fastsvd.orthogonal_procrustes(A, A @ Q)
    kappa = np.linalg.cond(A)
    assert _spd(R - Q) <= 2 * 2 * C * _u(A) * kappa ** 2
    assert abs(scale - np.linalg.norm(A) ** 2) <= C * _u(A) * kappa * np.linalg.norm(A) ** 2


def test_orthogonal_procrustes_errors():
    with pytest.raises(ValueError, match="shapes"):
        fastsvd.orthogonal_procrustes(np.ones((3, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="ndim"):
        fastsvd.orthogonal_procrustes(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        fastsvd.orthogonal_procrustes(np.array([[np.nan, 1.0]]), np.ones((1, 2)))
    R, scale = fastsvd.orthogonal_procrustes(np.zeros((4, 0)), np.zeros((4, 0)))
    assert R.shape == (0, 0) and scale == 0.0


# =========================================================================== TLS

def _tls_reference(A, B):
    """x = -V12 V22^-1 from numpy's SVD of [A, B] (Golub & Van Loan, alg. 6.3.1)."""
    n = A.shape[1]
    V = np.linalg.svd(np.c_[A, B])[2].T
    return -V[:n, n:] @ np.linalg.inv(V[n:, n:])


@pytest.mark.parametrize("k", [1, 2])
def test_total_least_squares_agrees_with_the_closed_form(k):
    """The right singular subspace of [A, B] for its k smallest values moves by at
    most C u ||C|| / gap (Wedin), gap = s_N - s_{N+1}; x = -V12 V22^-1 then moves by
    that times ||V22^-1||^2 = 1 + ||x||^2 (for the scaled problem here)."""
    rng = np.random.default_rng(14)
    A0 = rng.standard_normal((60, 4))
    X0 = rng.standard_normal((4, k))
    A = A0 + 1e-3 * rng.standard_normal(A0.shape)
    B = A0 @ X0 + 1e-3 * rng.standard_normal((60, k))
    b = B[:, 0] if k == 1 else B
    res = fastsvd.total_least_squares(A, b)
    ref = _tls_reference(A, B)
    ref = ref[:, 0] if k == 1 else ref
    s = np.linalg.svd(np.c_[A, B], compute_uv=False)
    gap = s[3] - s[4]
    bound = 2 * C * _u(np.c_[A, B]) * s[0] / gap * (1 + np.linalg.norm(ref) ** 2)
    assert np.linalg.norm(res.x - ref) <= bound
    assert abs(res.correction - np.sqrt(np.sum(s[4:] ** 2))) <= 2 * C * _u(A) * s[0]
    np.testing.assert_allclose(res.s, s, rtol=0, atol=2 * C * _u(A) * s[0])


def test_total_least_squares_consistent_and_nongeneric():
    """A consistent system needs no correction (s_{N+1} = 0 to C u ||C||) and TLS
    returns the exact x; a b along A's lost direction has no TLS solution."""
    A = RNG.standard_normal((20, 3))
    x0 = np.array([1.0, -2.0, 0.5])
    res = fastsvd.total_least_squares(A, A @ x0)
    C_ = np.c_[A, A @ x0]
    s = np.linalg.svd(C_, compute_uv=False)
    assert res.correction <= C * _u(C_) * s[0]
    assert np.linalg.norm(res.x - x0) <= 2 * C * _u(C_) * s[0] / s[2] * (1 + np.linalg.norm(x0) ** 2)
    A = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])   # zero column: nongeneric TLS
    with pytest.raises(LinAlgError, match="no solution"):
        fastsvd.total_least_squares(A, np.array([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="`b`"):
        fastsvd.total_least_squares(A, np.ones(4))


# =========================================================================== PCA

def _pca_data(n=200, seed=15):
    rng = np.random.default_rng(seed)
    scales = np.array([10.0, 6.0, 3.0, 1.0, 0.5, 0.2])
    return rng.standard_normal((n, 6)) * scales @ with_singular_values(np.ones(6), 6, 6, seed=2) + 5.0


def test_pca_is_the_svd_of_the_centred_data():
    """components orthonormal (2 C), scores = (X - mean) components^T (rounding of a
    product, u ||X - mean||), ratios sum to 1 with every component (n eps)."""
    X = _pca_data()
    r = fastsvd.pca(X)
    Xc = X - X.mean(axis=0)
    u = _u(X)
    assert orthogonality(r.components.T) <= 2 * C
    assert _spd(r.scores - Xc @ r.components.T) <= C * u * _spd(Xc)
    np.testing.assert_allclose(r.mean, X.mean(axis=0), rtol=0, atol=0)
    assert abs(r.explained_variance_ratio.sum() - 1) <= C * u
    np.testing.assert_allclose(r.explained_variance, np.var(Xc, axis=0, ddof=1).sum()
                               * r.explained_variance_ratio, rtol=C * u, atol=0)
    # sign convention: each component's largest-magnitude entry is positive
    idx = np.argmax(np.abs(r.components), axis=1)
    assert np.all(r.components[np.arange(6), idx] > 0)
    # a fraction picks the fewest components whose cumulative ratio exceeds it
    k = fastsvd.pca(X, 0.95).components.shape[0]
    cum = np.cumsum(r.explained_variance_ratio)
    assert cum[k - 1] > 0.95 and (k == 1 or cum[k - 2] <= 0.95)


@pytest.mark.skipif(SkPCA is None, reason="scikit-learn (the reference) is not installed")
@pytest.mark.parametrize("solver,sk_solver", [("full", "full"), ("randomized", "randomized"),
                                              ("lanczos", "arpack")])
def test_pca_agrees_with_sklearn(solver, sk_solver):
    """Same signs (svd_flip on the components); each component within 2 C u s_1 /
    gap_i of sklearn's (Wedin), the variances within 2 C u s_1^2 / (n - 1).  The
    spectrum has relative gaps >= 0.5, where the iterative solvers converge to the
    rounding floor too."""
    X = _pca_data()
    r = fastsvd.pca(X, 3, solver=solver, random_state=0)
    sk = SkPCA(3, svd_solver=sk_solver, random_state=0).fit(X)
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    gaps = np.minimum(s[:3] - s[1:4], np.r_[np.inf, s[:2] - s[1:3]])
    u = _u(X)
    for i in range(3):
        assert np.linalg.norm(r.components[i] - sk.components_[i]) <= 2 * C * u * s[0] / gaps[i]
    np.testing.assert_allclose(r.explained_variance, sk.explained_variance_, rtol=0,
                               atol=2 * C * u * s[0] ** 2 / (X.shape[0] - 1))
    np.testing.assert_allclose(r.explained_variance_ratio, sk.explained_variance_ratio_,
                               rtol=0, atol=2 * C * u)


def test_pca_errors():
    X = _pca_data()
    for bad in (0, 7, 1.5, "two"):
        with pytest.raises(ValueError, match="n_components"):
            fastsvd.pca(X, bad)
    with pytest.raises(ValueError, match="solver"):
        fastsvd.pca(X, 2, solver="eigh")
    with pytest.raises(ValueError, match="full"):
        fastsvd.pca(X, 0.9, solver="randomized")
    with pytest.raises(ValueError, match="2 samples"):
        fastsvd.pca(X[:1])
    with pytest.raises(ValueError, match="2-D"):
        fastsvd.pca(X[None])


# =========================================================================== errors, all functions

ALL_MATRIX_FUNCTIONS = {
    "pinv": fastsvd.pinv, "matrix_rank": fastsvd.matrix_rank, "null_space": fastsvd.null_space,
    "orth": fastsvd.orth, "fundamental_subspaces": fastsvd.fundamental_subspaces,
    "spectral_norm": fastsvd.spectral_norm, "nuclear_norm": fastsvd.nuclear_norm,
    "low_rank": lambda A: fastsvd.low_rank(A, 1), "pca": fastsvd.pca,
    "lstsq": lambda A: fastsvd.lstsq(A, np.ones(A.shape[0])),
    "total_least_squares": lambda A: fastsvd.total_least_squares(A, np.ones(A.shape[0])),
    "orthogonal_procrustes": lambda A: fastsvd.orthogonal_procrustes(A, np.ones(A.shape)),
}


@pytest.mark.parametrize("name", sorted(ALL_MATRIX_FUNCTIONS))
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_raises_value_error(name, bad):
    """numpy raises LinAlgError, SciPy ValueError: fastsvd's NonFiniteError is both."""
    A = np.ones((4, 3))
    A[1, 2] = bad
    with pytest.raises(fastsvd.NonFiniteError):
        ALL_MATRIX_FUNCTIONS[name](A)


@pytest.mark.parametrize("name", sorted(set(ALL_MATRIX_FUNCTIONS) - {"matrix_rank"}))
def test_vectors_are_rejected(name):
    """Every function needs a matrix (matrix_rank alone defines a vector's rank, as numpy)."""
    with pytest.raises((ValueError, LinAlgError)):
        ALL_MATRIX_FUNCTIONS[name](np.ones(3))


def test_complex_input_is_not_implemented():
    with pytest.raises(NotImplementedError, match="complex"):
        fastsvd.pinv(np.eye(2) * 1j)


# =========================================================================== no peer factorizations

_PEERS = {
    "numpy.linalg": ["svd", "svdvals", "qr", "eig", "eigh", "eigvals", "eigvalsh", "lstsq",
                     "solve", "inv", "pinv", "cholesky", "matrix_rank", "det", "slogdet"],
    "scipy.linalg": ["svd", "svdvals", "qr", "eig", "eigh", "lstsq", "solve", "inv", "pinv",
                     "cholesky", "lu", "lu_factor", "null_space", "orth",
                     "orthogonal_procrustes", "polar"],
}


def test_no_numpy_or_scipy_factorization_runs(monkeypatch):
    """Every decomposition is fastsvd's own.  Replace the peers'
    factorizations (and numpy's private module, which np.linalg.norm calls) by
    a trap and run every function through every code path."""
    import importlib
    rng = np.random.default_rng(16)
    A, b, sq = rng.standard_normal((40, 35)), rng.standard_normal(40), rng.standard_normal((5, 5))
    S = sp.random(300, 200, density=0.05, random_state=3, format="csr")
    X = _pca_data(n=600)

    def trap(*args, **kwargs):
        raise AssertionError("a numpy/scipy factorization ran inside fastsvd.derived")

    for mod_name, names in _PEERS.items():
        mods = [importlib.import_module(mod_name)]
        if mod_name == "numpy.linalg":
            mods.append(importlib.import_module("numpy.linalg._linalg"))
        for mod in mods:
            for n in names:
                if hasattr(mod, n):
                    monkeypatch.setattr(mod, n, trap)
    fastsvd.pinv(A), fastsvd.pinv(np.stack([sq, sq]))
    fastsvd.lstsq(A, b), fastsvd.lstsq(A, b, damping=0.1)
    fastsvd.matrix_rank(A), fastsvd.null_space(A.T), fastsvd.orth(A)
    fastsvd.fundamental_subspaces(A)
    for p in P_ALL:
        fastsvd.cond(sq, p)
    fastsvd.spectral_norm(A), fastsvd.spectral_norm(S), fastsvd.nuclear_norm(A)
    fastsvd.low_rank(A, 3), fastsvd.orthogonal_procrustes(A, A[::-1])
    fastsvd.total_least_squares(A, b)
    for solver in ("full", "randomized", "lanczos"):
        fastsvd.pca(X, 3, solver=solver, random_state=0)


# =========================================================================== extreme scales

#: exact power-of-two scalings across the exponent range, and the decimal scales
#: at which squares of entries over- or underflow (1e155, 1e-170, 1e300) or the
#: entries themselves are subnormal (1e-310)
SCALES = [2.0 ** -1000, 2.0 ** 1000, 1e-310, 1e-300, 1e-170, 1e155, 1e300]


def _rescaled(Ac):
    """``(e, 2**e Ac)`` with ``2**e max|Ac|`` in [1, 2): exact, so the unit-scale
    problem is the same rounded matrix and results must be 2**-e times its results."""
    e = 1 - np.frexp(np.abs(Ac).max())[1]
    return e, np.ldexp(Ac, e)


@pytest.mark.parametrize("scale", SCALES)
def test_pca_at_extreme_scales(scale):
    """Ratios are scale-free, singular values and scores scale by 2**-e, within
    C u (ratios, a ratio of values each within u; was [0, 0] at 1e-170 and an
    OverflowError at 1e300); the variances too where they are representable."""
    X = _pca_data()
    Xc = X * scale
    e, X1 = _rescaled(Xc)
    r, r1 = fastsvd.pca(Xc, 3), fastsvd.pca(X1, 3)
    u = _u(X)
    np.testing.assert_allclose(r.explained_variance_ratio, r1.explained_variance_ratio,
                               rtol=C * u, atol=0)
    np.testing.assert_allclose(np.ldexp(r.singular_values, e), r1.singular_values,
                               rtol=C * u, atol=0)
    np.testing.assert_allclose(np.ldexp(r.scores, e), r1.scores, rtol=0,
                               atol=C * u * r1.singular_values[0])
    np.testing.assert_allclose(r.components, r1.components, rtol=0, atol=C * u * 10)
    if 1e-150 < scale < 1e150:   # s^2 representable: the variances scale by 2**-2e
        np.testing.assert_allclose(np.ldexp(r.explained_variance, 2 * e),
                                   r1.explained_variance, rtol=C * u, atol=0)


@pytest.mark.parametrize("scale", SCALES)
def test_norms_of_operands_at_extreme_scales(scale):
    """spectral_norm of dense, sparse and LinearOperator operands and the nuclear
    norm equal 2**-e times those of the rescaled matrix, within C u (Weyl; the
    sparse norm was 2.67 against 5.94 at 1e160 and now is exact under scaling)."""
    S0 = sp.random_array((300, 200), density=0.05, rng=3, format="csr")
    Sc = S0 * scale
    Sc.eliminate_zeros()
    e, S1 = _rescaled(Sc.toarray())
    ref = np.linalg.norm(S1, 2)
    u = _u(S1)
    for op in (Sc, aslinearoperator(Sc), Sc.toarray()):
        if scale < 1e-307 and isinstance(op, LinearOperator):
            # its products are subnormal, so inexact beyond rounding: a clear error
            with pytest.raises(LinAlgError, match="residuals"):
                fastsvd.spectral_norm(op)
            continue
        assert abs(np.ldexp(fastsvd.spectral_norm(op), e) - ref) <= C * u * ref
    D = np.random.default_rng(4).standard_normal((40, 25)) * scale
    e, D1 = _rescaled(D)
    nuc = np.linalg.norm(D1, "nuc")
    assert abs(np.ldexp(fastsvd.nuclear_norm(D), e) - nuc) <= C * _u(D1) * 25 * np.linalg.norm(D1, 2)


@pytest.mark.parametrize("scale", [2.0 ** -1000, 2.0 ** 1000, 1e-300, 1e300, 1e-310])
def test_lstsq_and_pinv_at_extreme_scales(scale):
    """x of lstsq(A c, b c) is scale-free: within C u kappa of the rescaled problem's
    (both are backward stable).  pinv(A c) = 2**e pinv(A1), where representable;
    the residuals are squared only at the end, so they are finite where their
    squares are representable."""
    rng = np.random.default_rng(5)
    A, b = rng.standard_normal((40, 25)), rng.standard_normal(40)
    Ac, bc = A * scale, b * scale
    e, A1 = _rescaled(Ac)
    b1 = np.ldexp(bc, e)
    kappa = np.linalg.cond(A1)
    x, res, rank, s = fastsvd.lstsq(Ac, bc)
    x1, res1, _, s1 = fastsvd.lstsq(A1, b1)
    u = _u(A1)
    assert rank == 25
    assert np.linalg.norm(x - x1) <= C * u * kappa ** 2 * np.linalg.norm(x1)
    # entries on the subnormal grid carry an absolute error up to eta / 2 each, so
    # a backward-stable SVD errs by up to sqrt(m n) eta besides C u s_1 (the floor
    # tests/checks.py's backward_error adds); ~1e-322, invisible for normal scales
    eta = float(np.finfo(np.float64).smallest_subnormal)
    floor = np.ldexp(np.sqrt(A.size) * eta, e) if scale < 1e-307 else 0.0
    np.testing.assert_allclose(np.ldexp(s, e), s1, rtol=0, atol=C * u * s1[0] + floor)
    if 1e-150 < scale < 1e150:
        np.testing.assert_allclose(np.ldexp(res, 2 * e), res1, rtol=C * u * kappa, atol=0)
    if scale > 1e-300:   # pinv(A1) / 1e-310 overflows: not representable
        P = fastsvd.pinv(Ac)
        P1 = fastsvd.pinv(A1)
        assert np.linalg.norm(np.ldexp(P, -e) - P1, 2) <= C * u * kappa * np.linalg.norm(P1, 2)


def test_spectral_norm_of_a_nan_operator_raises():
    """A LinearOperator returning NaN: NonFiniteError naming the operator, not 0.0
    (the norm of an all-NaN vector used to be 0), for every path of spectral_norm."""
    for shape in [(300, 200), (300, 2), (300, 1)]:
        L = LinearOperator(shape, matvec=lambda x, m=shape[0]: np.full(m, np.nan),
                                     rmatvec=lambda y, n=shape[1]: np.full(n, np.nan),
                                     dtype=float)
        with pytest.raises(fastsvd.NonFiniteError, match="NaN"):
            fastsvd.spectral_norm(L)
