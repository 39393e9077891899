"""fastsvd.svds: thick-restarted Golub-Kahan-Lanczos, SciPy's interface.

Accuracy unit: the truncated contract (notes/DESIGN.md) is that each returned
triplet has residuals ``||A v - s u||`` and ``||A^T u - s v||`` at most
``tol ||A||``; with ``tol = 0`` (machine precision) the floor is rounding in the
products and in the rotated bases, which we bound like a dense backward error:
``C_RESIDUAL max(m, n) eps ||A||``.  A triplet with both residuals below ``r``
has a singular value of ``A`` within ``sqrt(2) r`` of ``s`` (it is an exact
triplet of ``A + E`` with ``||E|| <= sqrt(r1^2 + r2^2)``; Weyl), which turns
residual bounds into the singular value bounds below.
"""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from fastsvd.truncated import SvdsReport, svds
from tests.checks import eps_of, orthogonality, reference_singular_values
from tests.gallery import gallery, with_singular_values

#: residual floor with tol = 0, in units of max(m, n) eps ||A||: a dense
#: backward-stable SVD reaches 1.42 (tests/checks.py); Lanczos adds the
#: rotations of each thick restart, measured <= 0.3 on these matrices.
C_RESIDUAL = 4.0
#: orthogonality of the returned vectors, same unit and budget as tests/checks.py
C_ORTHO = 8.0


def _dense(A):
    return A.toarray() if sp.issparse(A) else np.asarray(A)


def check_triplets(A, u, s, vh, k, *, tol=0.0, which="LM", exact=None):
    """Shapes, ascending order, orthonormality, residuals and singular values."""
    D = _dense(A).astype(np.float64)
    m, n = D.shape
    eps = eps_of(s.dtype)
    assert u.shape == (m, k) and s.shape == (k,) and vh.shape == (k, n)
    assert np.all(np.diff(s) >= 0), "svds returns ascending singular values (as SciPy)"
    assert np.all(s >= 0)
    assert orthogonality(u) <= C_ORTHO, orthogonality(u)
    assert orthogonality(vh.T) <= C_ORTHO, orthogonality(vh.T)
    norm = np.linalg.norm(D, 2)
    floor = max(tol, C_RESIDUAL * max(m, n) * eps) * norm
    r_av = np.linalg.norm(D @ vh.T - u * s, axis=0)
    r_atu = np.linalg.norm(D.T @ u - vh.T * s, axis=0)
    assert np.all(r_av <= floor), (r_av.max() / norm, floor / norm)
    assert np.all(r_atu <= floor), (r_atu.max() / norm, floor / norm)
    if exact is None:
        exact = np.linalg.svd(D, compute_uv=False)
    exact = np.sort(exact)
    ref = exact[-k:] if which == "LM" else exact[:k]
    # Weyl with the pair residual, plus the same floor for the reference itself
    assert np.all(np.abs(s - ref) <= np.sqrt(2.0) * floor + C_RESIDUAL * max(m, n) * eps * norm), \
        np.abs(s - ref).max() / norm


# ----------------------------------------------------------------------------- known spectra

KNOWN = {
    "harmonic_200x80": (1.0 / np.arange(1, 81), 200, 80),
    "linear_60x150": (np.linspace(1.0, 10.0, 60), 60, 150),
    "quadratic_120x100": (1.0 + np.arange(100) ** 2 / 100.0, 120, 100),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
@pytest.mark.parametrize("which", ["LM", "SM"])
def test_known_spectrum_machine_precision(name, which):
    sigma, m, n = KNOWN[name]
    A = with_singular_values(sigma, m, n, seed=11)
    k = 5
    u, s, vh = svds(A, k=k, which=which, rng=0)
    check_triplets(A, u, s, vh, k, which=which, exact=sigma)


@pytest.mark.parametrize("tol", [1e-4, 1e-8, 1e-12])
def test_requested_tolerance_and_report(tol):
    sigma = 1.0 / np.arange(1, 101)
    A = with_singular_values(sigma, 300, 100, seed=3)
    u, s, vh, rep = svds(A, k=6, tol=tol, rng=1, return_residuals=True)
    assert isinstance(rep, SvdsReport) and rep.converged and rep.tol == tol
    check_triplets(A, u, s, vh, 6, tol=tol, exact=sigma)
    # the report's residuals are the explicit ones, in the order of s
    r_av = np.linalg.norm(A @ vh.T - u * s, axis=0)
    r_atu = np.linalg.norm(A.T @ u - vh.T * s, axis=0)
    eps = np.finfo(float).eps
    assert np.allclose(rep.av_residuals, r_av, rtol=1e-6, atol=300 * eps)
    assert np.allclose(rep.atu_residuals, r_atu, rtol=1e-6, atol=300 * eps)
    # the norm estimate is a lower bound on ||A|| = 1, accurate to the tolerance
    assert 1.0 - max(tol, 1e-14) <= rep.norm_estimate <= 1.0 + 1e-14


def test_smallest_of_tall_and_wide_to_tolerance():
    sigma = np.linspace(0.5, 3.0, 70)
    for m, n in [(90, 70), (70, 90)]:
        A = with_singular_values(sigma, m, n, seed=5)
        u, s, vh, rep = svds(A, k=4, which="SM", tol=1e-9, rng=2, return_residuals=True)
        check_triplets(A, u, s, vh, 4, tol=1e-9, which="SM", exact=sigma)
        assert rep.converged


# ----------------------------------------------------------------------------- operand kinds

def _sparse_matrix():
    rng = np.random.default_rng(4)
    A = sp.random_array((120, 45), density=0.1, rng=rng, format="coo")
    return A


FORMATS = ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"]


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["array", "matrix"])
def test_every_sparse_format(fmt, kind):
    A = _sparse_matrix()
    S = A.asformat(fmt)
    if kind == "matrix":
        S = sp.coo_matrix(A).asformat(fmt)
    u, s, vh = svds(S, k=4, rng=0)
    check_triplets(A, u, s, vh, 4)
    u2, s2, vh2 = svds(A.toarray(), k=4, rng=0)
    # the same Krylov process on the same numbers: agreement to rounding
    assert np.allclose(s, s2, rtol=0, atol=100 * np.finfo(float).eps * s2[-1])


@pytest.mark.parametrize("which", ["LM", "SM"])
def test_linear_operator_matvec_only(which):
    """A LinearOperator with only matvec/rmatvec (scipy builds matmat from matvec)."""
    A = with_singular_values(np.linspace(1, 4, 30), 40, 30, seed=8)
    L = LinearOperator(A.shape, matvec=lambda x: A @ x, rmatvec=lambda y: A.T @ y,
                       dtype=np.float64)
    u, s, vh, rep = svds(L, k=3, which=which, rng=0, return_residuals=True)
    check_triplets(A, u, s, vh, 3, which=which, exact=np.linspace(1, 4, 30))
    u2, s2, vh2 = svds(A, k=3, which=which, rng=0)
    assert np.allclose(s, s2, rtol=1e-13)


def test_linear_operator_wide_and_aslinearoperator():
    A = np.random.default_rng(2).standard_normal((20, 50))
    u, s, vh = svds(aslinearoperator(A), k=5, rng=0)
    check_triplets(A, u, s, vh, 5)


def test_float32_stays_float32_and_ints_promote():
    A = with_singular_values(np.linspace(1, 2, 20), 30, 20, seed=1)
    u, s, vh = svds(A.astype(np.float32), k=3, rng=0)
    assert u.dtype == s.dtype == vh.dtype == np.float32
    check_triplets(A.astype(np.float32), u, s, vh, 3, exact=np.linspace(1, 2, 20))
    B = np.arange(1, 31).reshape(6, 5) % 7
    u, s, vh = svds(B, k=2, rng=0)
    assert s.dtype == np.float64
    check_triplets(B, u, s, vh, 2)


# ----------------------------------------------------------------------------- sparse products

def _awkward_sparse(m, n, index_dtype, seed):
    """Empty rows and columns, a dense row, duplicate entries (summed), given index type."""
    rng = np.random.default_rng(seed)
    nnz = 3 * (m + n)
    r = np.r_[rng.integers(0, m // 2, nnz), np.full(n - 1, m // 2 + 1), [3, 3]]
    c = np.r_[rng.integers(0, n - 2, nnz), np.arange(n - 1), [1, 1]]
    v = rng.standard_normal(len(r))
    A = sp.coo_array((v, (r.astype(index_dtype), c.astype(index_dtype))), shape=(m, n))
    A = A.tocsr()
    A.indptr = A.indptr.astype(index_dtype)
    A.indices = A.indices.astype(index_dtype)
    return A


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("shape", [(300, 40), (40, 300), (3, 2)])
def test_sparse_products_match_dense(index_dtype, shape):
    """The entry-order products (one CSR copy, both directions, the fused
    Golub-Kahan pair) against the dense products, entry by entry, within the
    dot-product error bound ``gamma_p |W| |x|`` (Higham, eq. (3.5)), ``p`` the
    number of terms (at most the longer dimension, plus one for ``beta``)."""
    from fastsvd.truncated import _Operand
    m, n = shape
    A = _awkward_sparse(max(m, 3), max(n, 2), index_dtype, seed=m + n) if min(shape) > 2 \
        else sp.csr_array(np.array([[1.0, 0.0], [0.0, 0.0], [2.0, -3.0]]))
    D = A.toarray()
    for transpose in (False, True):
        W = D.T if transpose else D
        op = _Operand(A.T.tocoo().T if transpose else A, transpose)  # any format
        mw, nw = W.shape
        assert (op.m, op.n) == (mw, nw)
        gamma = (max(mw, nw) + 1) * np.finfo(float).eps
        rng = np.random.default_rng(1)
        x, y_prev = rng.standard_normal(nw), rng.standard_normal(mw)
        y, z = np.empty(mw), np.empty(nw)
        op.mv(x, y)
        assert np.all(np.abs(y - W @ x) <= gamma * (np.abs(W) @ np.abs(x)))
        op.rmv(y_prev, z)
        assert np.all(np.abs(z - W.T @ y_prev) <= gamma * (np.abs(W.T) @ np.abs(y_prev)))
        beta = 0.75
        alpha = op.bidiag(x, beta, y_prev, y, z)
        y_ref = W @ x - beta * y_prev
        bound_y = gamma * (np.abs(W) @ np.abs(x) + beta * np.abs(y_prev))
        assert np.all(np.abs(y - y_ref) <= bound_y)
        assert abs(alpha - np.linalg.norm(y)) <= gamma * np.linalg.norm(y)
        # z is W^T of the computed y: the product's own bound only
        assert np.all(np.abs(z - W.T @ y) <= gamma * (np.abs(W.T) @ np.abs(y)))


def test_sparse_results_do_not_depend_on_the_thread_count():
    """Row chunks are fixed, not one per thread: the partial sums of ``W^T y``
    add up in one order, so svds is bit-for-bit the same on 1 or 2 threads."""
    import numba
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two Numba threads")
    A = _awkward_sparse(2000, 150, np.int32, seed=7)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = svds(A, k=5, rng=3)
        numba.set_num_threads(2)
        two = svds(A, k=5, rng=3)
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_sparse_tall_and_wide_one_sided():
    """The fused one-sided path on W = A and on W = A^T (CSC read as CSR)."""
    A = _awkward_sparse(400, 60, np.int32, seed=2)
    exact = np.linalg.svd(A.toarray(), compute_uv=False)
    u, s, vh, rep = svds(A, k=6, rng=0, return_residuals=True)
    check_triplets(A, u, s, vh, 6, exact=exact)
    assert rep.converged
    u, s, vh = svds(A.T.tocsr(), k=6, rng=0)
    check_triplets(A.T, u, s, vh, 6, exact=exact)


# ----------------------------------------------------------------------------- limits

@pytest.mark.parametrize("shape", [(30, 12), (12, 30), (15, 15)])
@pytest.mark.parametrize("which", ["LM", "SM"])
def test_k_at_its_limits(shape, which):
    A = np.random.default_rng(9).standard_normal(shape)
    for k in (1, min(shape) - 1):
        u, s, vh = svds(A, k=k, which=which, rng=0)
        check_triplets(A, u, s, vh, k, which=which)


def test_clustered_top_singular_values():
    sigma = np.r_[1.0 + 1e-10 * np.arange(5)[::-1], np.linspace(0.5, 0.1, 75)]
    A = with_singular_values(sigma, 150, 80, seed=6)
    u, s, vh = svds(A, k=5, rng=0)
    check_triplets(A, u, s, vh, 5, exact=sigma)
    # the cluster's invariant subspace is found: projections of the exact
    # top-5 right singular vectors' span onto ours are complete
    V = np.linalg.svd(A)[2][:5].T
    assert np.linalg.norm(V - vh.T @ (vh @ V)) < 1e-10


def test_rank_deficient_including_zero_singular_values():
    A = gallery()["rank_deficient_30x20_r5"]
    exact = reference_singular_values(A)
    u, s, vh = svds(A, k=5, rng=0)
    check_triplets(A, u, s, vh, 5, exact=exact)
    # beyond the rank: zero singular values with orthonormal vectors
    # (breakdown of the recurrence is restarted with random orthogonal directions)
    u, s, vh = svds(A, k=8, rng=0)
    check_triplets(A, u, s, vh, 8, exact=exact)
    assert np.all(s[:3] <= C_RESIDUAL * 30 * np.finfo(float).eps * exact[0])


@pytest.mark.parametrize("shape", [(10, 7), (7, 10)])
def test_ones_and_zero_matrices(shape):
    """SciPy's test_svd_LM_ones_matrix and test_zero_matrix expectations."""
    A = np.ones(shape)
    u, s, vh = svds(A, k=3, rng=0)
    check_triplets(A, u, s, vh, 3)
    assert np.isclose(s[-1], np.sqrt(A.size))
    Z = np.zeros(shape)
    u, s, vh = svds(Z, k=1, rng=0)
    assert s[0] == 0.0
    assert np.isclose(np.linalg.norm(u), 1) and np.isclose(np.linalg.norm(vh), 1)


def test_scipy_docstring_diff_operator_smallest():
    """SciPy's diff0 example: a matrix-free operator, three smallest singular values."""
    n = 100

    def diff0(a):
        return np.diff(a, axis=0)

    def diff0t(a):
        a = a[:, None] if a.ndim == 1 else a
        d = np.zeros((a.shape[0] + 1, a.shape[1]))
        d[0] = -a[0]
        d[1:-1] = a[:-1] - a[1:]
        d[-1] = a[-1]
        return d

    L = LinearOperator((n - 1, n), matvec=diff0, matmat=diff0, rmatvec=diff0t,
                       rmatmat=diff0t, dtype=float)
    u, s, vh = svds(L, k=3, which="SM", rng=0)
    se = 2.0 * np.sin(np.pi * np.arange(1, 4) / (2.0 * n))
    ue = np.sqrt(2 / n) * np.sin(np.pi * np.outer(np.arange(1, n), np.arange(1, 4)) / n)
    assert np.allclose(s, se, rtol=0, atol=1e-12)
    assert np.allclose(np.abs(u), np.abs(ue), atol=1e-9)


# ----------------------------------------------------------------------------- interface

def test_reproducible_under_a_seed():
    A = _sparse_matrix().tocsr()
    a = svds(A, k=4, rng=123)
    b = svds(A, k=4, random_state=123)
    c = svds(A, k=4, rng=np.random.default_rng(123))
    for x, y, z in zip(a, b, c):
        assert np.array_equal(x, y) and np.array_equal(x, z)


def test_v0_is_used():
    A = np.random.default_rng(0).standard_normal((25, 18))
    v0 = np.ones(18)
    a = svds(A, k=3, v0=v0, rng=1)
    b = svds(A, k=3, v0=v0, rng=2)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("shape", [(20, 12), (12, 20)])
def test_return_singular_vectors_modes(shape):
    A = np.random.default_rng(1).standard_normal(shape)
    u, s, vh = svds(A, k=3, rng=0)
    s_only = svds(A, k=3, rng=0, return_singular_vectors=False)
    assert np.array_equal(s_only, s)
    uu, su, vu = svds(A, k=3, rng=0, return_singular_vectors="u")
    assert vu is None and np.array_equal(uu, u)
    uv, sv, vv = svds(A, k=3, rng=0, return_singular_vectors="vh")
    assert uv is None and np.array_equal(vv, vh)


def test_nonconvergence_raises_or_reports():
    sigma = 1.0 + 1e-3 * np.arange(60)
    A = with_singular_values(sigma, 80, 60, seed=2)
    with pytest.raises(np.linalg.LinAlgError, match="did not reach"):
        svds(A, k=4, ncv=6, maxiter=1, rng=0)
    *_, rep = svds(A, k=4, ncv=6, maxiter=1, rng=0, return_residuals=True)
    assert not rep.converged and rep.restarts == 0


@pytest.mark.parametrize("k", [0, -1, 12, 13, 2.5, 1e20])
def test_error_k_out_of_range(k):
    with pytest.raises(ValueError, match=r"`k` must be an integer satisfying `0 < k < min\(A.shape\)`."):
        svds(np.ones((12, 15)), k=k)


@pytest.mark.parametrize("which", ["LA", "sa", "BE", ""])
def test_error_bad_which(which):
    with pytest.raises(ValueError, match="`which` must be in"):
        svds(np.ones((5, 4)), k=1, which=which)


@pytest.mark.parametrize("A", [np.ones(5), np.ones((2, 3, 4)), np.float64(3.0)])
def test_error_not_2d(A):
    with pytest.raises(ValueError, match="`A` must be 2-D"):
        svds(A, k=1)


def test_other_errors():
    A = np.ones((6, 5))
    with pytest.raises(ValueError, match="`A` must not be empty."):
        svds(np.ones((0, 5)), k=1)
    with pytest.raises(ValueError, match="`A` must be of numeric data type."):
        svds(np.array([["a", "b"], ["c", "d"]]), k=1)
    with pytest.raises(TypeError, match="complex"):
        svds(A + 1j, k=1)
    with pytest.raises(ValueError, match="`tol` must be a non-negative"):
        svds(A, k=1, tol=-1)
    with pytest.raises(ValueError, match="`ncv` must be an integer satisfying"):
        svds(A, k=2, ncv=2)
    with pytest.raises(ValueError, match=r"`v0` must have shape \(5,\)."):
        svds(A, k=1, v0=np.ones(6))
    with pytest.raises(ValueError, match="`maxiter` must be a positive integer."):
        svds(A, k=1, maxiter=0)
    with pytest.raises(ValueError, match="`return_singular_vectors` must be in"):
        svds(A, k=1, return_singular_vectors="both")
    with pytest.raises(ValueError, match="solver must be one of"):
        svds(A, k=1, solver="magic")
    with pytest.raises(TypeError, match="not both"):
        svds(A, k=1, rng=0, random_state=0)
    with pytest.raises(ValueError, match="unknown option"):
        svds(A, k=1, options={"speed": "max"})


def test_one_sided_and_full_reorthogonalization_agree():
    sigma = 1.0 / np.arange(1, 61)
    A = with_singular_values(sigma, 400, 60, seed=4)
    a = svds(A, k=5, rng=0, options={"reorth": "full"})
    b = svds(A, k=5, rng=0, options={"reorth": "one-sided"})
    check_triplets(A, *a, 5, exact=sigma)
    check_triplets(A, *b, 5, exact=sigma)


# ----------------------------------------------------------------------------- SciPy's own expectations

class TestScipyExpectations:
    """A subset of SciPy's ``SVDSCommonTests`` (scipy/sparse/linalg/_eigen/tests/
    test_svds.py) run against fastsvd.svds by swapping the ``svds`` that the
    SciPy test module calls.  Real dtypes only (fastsvd's svds is real);
    solver-specific tests (ARPACK exceptions, PROPACK k = min) are left out."""

    @pytest.fixture
    def suite(self, monkeypatch):
        tests = pytest.importorskip("scipy.sparse.linalg._eigen.tests.test_svds")
        monkeypatch.setattr(tests, "svds", svds)
        suite = tests.SVDSCommonTests()
        suite.solver = "arpack"
        return suite

    @pytest.mark.parametrize("which", ["LM", "SM"])
    def test_int_A(self, suite, which):
        suite.test_svds_int_A(which)

    def test_diff0_docstring_example(self, suite):
        suite.test_svds_diff0_docstring_example()

    @pytest.mark.parametrize("k", [3, 5])
    @pytest.mark.parametrize("which", ["LM", "SM"])
    def test_parameter_k_which(self, suite, k, which):
        suite.test_svds_parameter_k_which(k, which)

    @pytest.mark.parametrize("k", [1, 2, 3])
    @pytest.mark.parametrize("transpose", [False, True])
    @pytest.mark.parametrize("lo_type", [np.asarray, sp.csc_array, aslinearoperator])
    def test_simple(self, suite, k, transpose, lo_type):
        A1 = [[1, 2, 3], [3, 4, 3], [1, 0, 2], [0, 0, 1]]
        suite.test_svd_simple(A1, k, True, transpose, lo_type)

    @pytest.mark.parametrize("shape", [(6, 5), (5, 5), (5, 6)])
    def test_LM_ones_matrix(self, suite, shape):
        suite.test_svd_LM_ones_matrix(shape, float)

    @pytest.mark.parametrize("shape", [(20, 20), (20, 21), (21, 20)])
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_small_sigma(self, suite, shape, dtype):
        suite.test_small_sigma(shape, dtype)

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_small_sigma2(self, suite, dtype):
        suite.test_small_sigma2(dtype)

    @pytest.mark.parametrize("rsv", [False, True, "u", "vh"])
    @pytest.mark.parametrize("shape", [(5, 7), (6, 6), (7, 5)])
    def test_return_singular_vectors(self, suite, rsv, shape):
        suite.test_svd_return_singular_vectors(rsv, shape)


# ----------------------------------------------------------------------------- extreme scales

#: powers of two across the exponent range (exact scalings: the results must be
#: exactly the scaled unit-scale results, bit for bit, since the operand is
#: scaled by a power of two into the safe range and every later operation is
#: homogeneous), the decimal scales where squared norms used to over- and
#: underflow (1e155, 1e-165), and subnormal entries (1e-310)
EXACT_SCALES = [2.0 ** -1000, 2.0 ** -540, 2.0 ** 520, 2.0 ** 1000]
ROUNDED_SCALES = [1e-310, 1e-300, 1e-165, 1e155, 1e300]


def _operands(kind, A):
    if kind == "dense":
        return A
    if kind == "csr":
        return sp.csr_array(A)
    return aslinearoperator(A)


def _unit_scale(Ac):
    """``(2**e, 2**e Ac)`` with ``2**e max|Ac|`` in [1, 2): an exact rescaling of the
    rounded matrix, whose exact triplets are ``2**e`` times those of ``Ac``."""
    e = 1 - np.frexp(np.abs(Ac).max())[1]
    return e, np.ldexp(Ac, e)


@pytest.mark.parametrize("scale", EXACT_SCALES)
@pytest.mark.parametrize("kind", ["dense", "csr", "operator"])
@pytest.mark.parametrize("which", ["LM", "SM"])
def test_power_of_two_scaling_is_exact(scale, kind, which):
    """svds(2**e A) = 2**e svds(A) exactly, vectors identical (was 23% off with a
    converged report beyond 1e154, from squared norms overflowing)."""
    A = with_singular_values(np.linspace(1.0, 10.0, 40), 70, 40, seed=6)
    u0, s0, vh0 = svds(_operands(kind, A), k=3, which=which, rng=0)
    u, s, vh = svds(_operands(kind, A * scale), k=3, which=which, rng=0)
    assert np.array_equal(s, s0 * scale)
    assert np.array_equal(u, u0) and np.array_equal(vh, vh0)


@pytest.mark.parametrize("scale", EXACT_SCALES + ROUNDED_SCALES)
@pytest.mark.parametrize("shape", [(60, 40), (40, 60)])
@pytest.mark.parametrize("reorth", ["one-sided", "full"])
def test_extreme_scales_meet_the_residual_bounds(scale, shape, reorth):
    """Triplets of ``A c`` (entries rounded to ``c``'s grid, subnormal for 1e-310)
    meet check_triplets' bounds (units of max(m, n) eps ||A||) once rescaled
    exactly to unit size, and the report says converged with the explicit residuals."""
    A0 = np.random.default_rng(0).standard_normal(shape)
    Ac = A0 * scale
    u, s, vh, rep = svds(Ac, k=3, rng=0, options={"reorth": reorth}, return_residuals=True)
    e, A1 = _unit_scale(Ac)
    assert rep.converged
    check_triplets(A1, u, np.ldexp(s, e), vh, 3)
    norm = np.linalg.norm(A1, 2)
    assert np.all(np.ldexp(rep.av_residuals, e) <= C_RESIDUAL * max(shape) * eps_of(s.dtype) * norm)
    assert np.all(np.ldexp(rep.atu_residuals, e) <= C_RESIDUAL * max(shape) * eps_of(s.dtype) * norm)


def test_subnormal_operand_smallest():
    """All-subnormal sparse entries, "SM": the triplets are those of the same rounded
    matrix rescaled to unit size (which meet check_triplets' bounds), with the
    singular values rounded once to the subnormal grid (their only error beyond
    the unit-scale one: below 2**-1074 absolute, 1e-9 relative here)."""
    A0 = _awkward_sparse(80, 50, np.int32, seed=3).toarray() + np.eye(80, 50)
    Ac = A0 * 1e-312
    e, A1 = _unit_scale(Ac)
    u, s, vh = svds(sp.csc_array(Ac), k=3, which="SM", rng=0)
    u1, s1, vh1 = svds(sp.csc_array(A1), k=3, which="SM", rng=0)
    check_triplets(A1, u1, s1, vh1, 3, which="SM")
    assert np.array_equal(u, u1) and np.array_equal(vh, vh1)
    assert np.array_equal(s, np.ldexp(s1, -e))


# ----------------------------------------------------------------------------- repeated smallest

def test_repeated_zero_singular_values_are_all_found():
    """Every fourth column zero: 10 zero singular values.  A Krylov space holds one
    copy of each (was [0, 1.999, 2.19, 2.65] with converged=True); locking finds
    them all, with orthonormal vectors and residuals at the rounding floor."""
    A = np.random.default_rng(0).standard_normal((50, 40))
    A[:, ::4] = 0.0
    exact = reference_singular_values(A)
    for M in (A, A.T.copy()):
        u, s, vh, rep = svds(M, k=4, which="SM", rng=0, return_residuals=True)
        assert rep.converged
        check_triplets(M, u, s, vh, 4, which="SM", exact=exact)
        assert np.all(s <= C_RESIDUAL * 50 * np.finfo(float).eps * exact[0])


@pytest.mark.parametrize("k", [3, 6])
def test_repeated_smallest_singular_value(k):
    """sigma = 0.5 five times below a spread spectrum: the k smallest are all found
    (one pass finds one copy of each; the passes lock and search the complement)."""
    sigma = np.r_[np.full(5, 0.5), np.linspace(1.0, 2.0, 35)]
    A = with_singular_values(sigma, 50, 40, seed=9)
    u, s, vh = svds(A, k=k, which="SM", rng=1)
    check_triplets(A, u, s, vh, k, which="SM", exact=sigma)


def test_locking_to_the_last_direction():
    """k = min(M, N) - 1 with a repeated zero: the complement shrinks to one direction."""
    A = np.random.default_rng(2).standard_normal((9, 6))
    A[:, 1] = A[:, 4] = 0.0
    u, s, vh = svds(A, k=5, which="SM", rng=0)
    check_triplets(A, u, s, vh, 5, which="SM")


# ----------------------------------------------------------------------------- non-finite

def _nan_after(A, calls):
    """A LinearOperator for A whose products turn NaN after ``calls`` products."""
    count = [0]

    def product(f):
        def g(x):
            count[0] += 1
            y = f(x)
            return y * np.nan if count[0] > calls else y
        return g
    return LinearOperator(A.shape, matvec=product(lambda x: A @ x),
                          rmatvec=product(lambda y: A.T @ y), dtype=float)


@pytest.mark.parametrize("calls", [0, 7])
def test_operator_producing_nan_raises(calls):
    """An operator that returns NaN (at once, or mid-iteration) gets NonFiniteError
    naming the operator (was [0, 0, 0]: the norm of an all-NaN vector was 0)."""
    from fastsvd._errors import NonFiniteError
    A = np.random.default_rng(0).standard_normal((30, 20))
    with pytest.raises(NonFiniteError, match="LinearOperator's .*NaN"):
        svds(_nan_after(A, calls), k=3, rng=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_non_finite_entries_raise_without_foreign_advice(bad, kind):
    """NaN/Inf entries: NonFiniteError (a ValueError) naming what was found; svds
    has no check_finite argument, so the message must not suggest one."""
    from fastsvd._errors import NonFiniteError
    A = np.ones((6, 5))
    A[2, 3] = bad
    with pytest.raises(NonFiniteError, match="NaN" if np.isnan(bad) else "Inf") as err:
        svds(_operands(kind, A), k=1)
    assert "check_finite" not in str(err.value)


def test_converged_is_backed_by_explicit_residuals():
    """An operator whose rmatvec is not the transpose of its matvec (here off by
    1e-6 relative): the Lanczos recurrences can converge, but the residuals
    against the operator's own block products exceed tol ||A||, so the result
    is not reported converged (raises, or converged=False with the report)."""
    rng = np.random.default_rng(4)
    A = rng.standard_normal((40, 30))
    E = 1e-6 * rng.standard_normal((40, 30))
    L = LinearOperator(A.shape, matvec=lambda x: A @ x, rmatvec=lambda y: (A + E).T @ y,
                       matmat=lambda X: A @ X, rmatmat=lambda Y: (A + E).T @ Y, dtype=float)
    *_, rep = svds(L, k=3, rng=0, return_residuals=True)
    assert not rep.converged
    with pytest.raises(np.linalg.LinAlgError, match="residual|did not reach"):
        svds(L, k=3, rng=0)
