"""fastsvd.randomized_svd: HMT range finder, scikit-learn's interface and conventions.

scikit-learn is the reference: with the same seed the Gaussian test matrix is
the same, so the two computations differ only by rounding in the products,
the normalizations and the small SVD.  Their difference is bounded by the
conditioning of the sampled subspace, not by eps alone, so agreement is
checked against ``C_AGREE eps`` relative to ``||M||`` on well-separated
spectra (measured <= 40 on these matrices) and accuracy against the known
spectrum is checked as "at least as accurate as scikit-learn" (the HMT bound
itself is probabilistic).
"""
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import aslinearoperator

from fastsvd.kernels.randomized import flip_signs, lu_permuted_l, qr_orthonormal
from fastsvd.truncated import randomized_svd
from tests.checks import backward_error, orthogonality
from tests.gallery import gallery, with_singular_values

try:  # scikit-learn is the peer, installed by the ``bench`` extra, not a test dependency
    from sklearn.utils.extmath import randomized_svd as sk_randomized_svd
    from sklearn.utils.extmath import svd_flip
except ImportError:
    sk_randomized_svd = svd_flip = None

#: tests that compare with scikit-learn run where it is installed (CI installs it
#: with the ``bench`` extra and runs this module again)
needs_sklearn = pytest.mark.skipif(sk_randomized_svd is None,
                                   reason="scikit-learn (the reference) is not installed")

#: agreement with scikit-learn on the same draws, in units of eps ||M||
C_AGREE = 1000.0
EPS = np.finfo(np.float64).eps


def _agree(a, b, scale):
    for x, y in zip(a, b):
        assert x.shape == y.shape
        assert np.abs(x - y).max() <= C_AGREE * EPS * scale, np.abs(x - y).max() / (EPS * scale)


# ----------------------------------------------------------------------------- kernels

@pytest.mark.parametrize("shape", [(50, 7), (7, 7), (200, 30)])
def test_lu_permuted_l_matches_scipy(shape):
    Y = np.random.default_rng(1).standard_normal(shape)
    PL = lu_permuted_l(Y.copy())
    ref = scipy.linalg.lu(Y, permute_l=True)[0]
    # same pivots (largest magnitude, first on ties) hence the same factor, to rounding
    assert np.abs(PL - ref).max() <= 10 * shape[1] * EPS


def test_lu_permuted_l_rank_deficient_stays_full_rank():
    rng = np.random.default_rng(2)
    Y = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 6))
    PL = lu_permuted_l(Y.copy())
    # unit diagonal of L (up to the row permutation) keeps P L full column rank
    assert np.linalg.matrix_rank(PL) == 6
    Z = np.zeros((9, 4))
    assert np.linalg.matrix_rank(lu_permuted_l(Z)) == 4


def test_qr_orthonormal():
    Y = np.random.default_rng(3).standard_normal((300, 25)) * np.logspace(0, -12, 25)
    Q = qr_orthonormal(Y.copy())
    assert orthogonality(Q) <= 8.0  # units of max(m, n) eps, as tests/checks.py
    # the span is Y's: the projection of Y onto Q leaves a backward-error-sized remainder
    R = Y - Q @ (Q.T @ Y)
    assert np.linalg.norm(R) <= 8.0 * 300 * EPS * np.linalg.norm(Y)


@needs_sklearn
def test_flip_signs_is_svd_flip():
    rng = np.random.default_rng(4)
    U, Vt = rng.standard_normal((12, 4)), rng.standard_normal((4, 9))
    for u_based in (True, False):
        a, b = U.copy(), Vt.copy()
        flip_signs(a, b, u_based)
        ra, rb = svd_flip(U.copy(), Vt.copy(), u_based_decision=u_based)
        assert np.array_equal(a, ra) and np.array_equal(b, rb)


# ----------------------------------------------------------------------------- scikit-learn agreement

@needs_sklearn
@pytest.mark.parametrize("shape", [(80, 50), (50, 80)])
@pytest.mark.parametrize("normalizer", ["auto", "QR", "LU", "none"])
@pytest.mark.parametrize("n_iter", [0, 2, 4, "auto"])
def test_agrees_with_sklearn_same_seed(shape, normalizer, n_iter):
    M = with_singular_values(0.9 ** np.arange(50), *shape, seed=1)
    kw = dict(n_iter=n_iter, power_iteration_normalizer=normalizer, random_state=7)
    _agree(randomized_svd(M, 6, **kw), sk_randomized_svd(M, 6, **kw), 1.0)


@needs_sklearn
@pytest.mark.parametrize("transpose", [True, False, "auto"])
@pytest.mark.parametrize("flip_sign", [True, False])
def test_agrees_with_sklearn_transpose_and_flip(transpose, flip_sign):
    M = with_singular_values(0.8 ** np.arange(40), 40, 70, seed=2)
    kw = dict(transpose=transpose, flip_sign=flip_sign, random_state=3, n_oversamples=5)
    a, b = randomized_svd(M, 4, **kw), sk_randomized_svd(M, 4, **kw)
    if not flip_sign:
        # without svd_flip the signs are whatever the small SVD chose (fastsvd.svd
        # and LAPACK may differ): compare sign-normalised copies
        a = _sign_normalised(*a)
        b = _sign_normalised(*b)
    _agree(a, b, 1.0)


def _sign_normalised(U, s, Vt):
    signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
    return U * signs, s, Vt * signs[:, None]


def test_flip_sign_convention():
    M = np.random.default_rng(0).standard_normal((60, 30))
    U, s, Vt = randomized_svd(M, 5, random_state=0)
    idx = np.argmax(np.abs(U), axis=0)
    assert np.all(U[idx, np.arange(5)] > 0)
    U, s, Vt = randomized_svd(M.T, 5, random_state=0)  # transposed problem: decided on U too
    idx = np.argmax(np.abs(U), axis=0)
    assert np.all(U[idx, np.arange(5)] > 0)


# ----------------------------------------------------------------------------- accuracy

@needs_sklearn
def test_known_spectrum_at_least_as_accurate_as_sklearn():
    sigma = 1.0 / np.arange(1, 201)
    M = with_singular_values(sigma, 500, 200, seed=5)
    for n_iter in (1, 4):
        U, s, Vt = randomized_svd(M, 10, n_iter=n_iter, random_state=0)
        _, s_sk, _ = sk_randomized_svd(M, 10, n_iter=n_iter, random_state=0)
        err = np.abs(s - sigma[:10]) / sigma[:10]
        err_sk = np.abs(s_sk - sigma[:10]) / sigma[:10]
        assert np.all(err <= err_sk + C_AGREE * EPS), (err.max(), err_sk.max())
        assert orthogonality(U) <= 8.0 and orthogonality(Vt.T) <= 8.0
        assert np.all(np.diff(s) <= 0)


def test_exact_for_low_rank():
    """Rank r <= n_components + oversamples: the range is found exactly, so the
    factorization is a backward-stable SVD of M (units of tests/checks.py)."""
    M = gallery()["rank_deficient_30x20_r5"]
    U, s, Vt = randomized_svd(M, 5, n_oversamples=3, random_state=0)
    assert backward_error(M, U, s, Vt) <= 4.0


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"])
def test_every_sparse_format(fmt):
    A = sp.random_array((90, 40), density=0.15, rng=np.random.default_rng(6), format="coo")
    S = A.asformat(fmt)
    a = randomized_svd(S, 5, random_state=1)
    b = randomized_svd(A.toarray(), 5, random_state=1)
    _agree(a, b, np.abs(b[1]).max())
    if sk_randomized_svd is not None:
        _agree(a, sk_randomized_svd(A.tocsr(), 5, random_state=1), np.abs(b[1]).max())


def test_float32_in_float32_out():
    M = np.random.default_rng(0).standard_normal((40, 20)).astype(np.float32)
    U, s, Vt = randomized_svd(M, 3, random_state=0)
    assert U.dtype == s.dtype == Vt.dtype == np.float32


def test_reproducible_under_a_seed():
    M = np.random.default_rng(0).standard_normal((60, 40))
    a = randomized_svd(M, 5, random_state=11)
    b = randomized_svd(M, 5, random_state=np.random.RandomState(11))
    c = randomized_svd(M, 5, random_state=12, n_iter=0)
    d = randomized_svd(M, 5, random_state=11, n_iter=0)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    assert not np.array_equal(c[0], d[0])
    e = randomized_svd(M, 5, random_state=np.random.default_rng(5))
    f = randomized_svd(M, 5, random_state=np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(e, f))


def test_error_estimate_bounds_the_error():
    sigma = 1.0 / np.arange(1, 101)
    M = with_singular_values(sigma, 150, 100, seed=9)
    for n_iter in (0, 3):
        U, s, Vt, err = randomized_svd(M, 8, n_iter=n_iter, random_state=2, error_estimate=True)
        true = np.linalg.norm(M - (U * s) @ Vt, 2)
        # HMT Lemma 4.1: an upper bound with probability >= 1 - 1e-10 ...
        assert err >= true
        # ... and at most 10 sqrt(2/pi) ||E||_F (each probe norm is ~||E||_F)
        assert err <= 8.0 * 3.0 * np.linalg.norm(M - (U * s) @ Vt)


# ----------------------------------------------------------------------------- errors

def test_errors():
    M = np.ones((6, 4))
    for bad in (0, 5, 2.0, True):
        with pytest.raises(ValueError, match="n_components"):
            randomized_svd(M, bad)
    with pytest.raises(ValueError, match="n_oversamples"):
        randomized_svd(M, 2, n_oversamples=-1)
    with pytest.raises(ValueError, match="n_iter"):
        randomized_svd(M, 2, n_iter="many")
    with pytest.raises(ValueError, match="power_iteration_normalizer"):
        randomized_svd(M, 2, power_iteration_normalizer="qr")
    with pytest.raises(ValueError, match="transpose"):
        randomized_svd(M, 2, transpose="yes")
    with pytest.raises(ValueError, match="must be 2-D"):
        randomized_svd(np.ones(4), 1)
    with pytest.raises(TypeError, match="LinearOperator"):
        randomized_svd(aslinearoperator(M), 1)
    with pytest.raises(ValueError, match="cannot be used to seed"):
        randomized_svd(M, 1, random_state="seed")


# ----------------------------------------------------------------------------- extreme scales

@pytest.mark.parametrize("scale", [2.0 ** -1000, 2.0 ** -600, 2.0 ** 600, 2.0 ** 1000])
@pytest.mark.parametrize("normalizer", ["LU", "QR", "none"])
def test_power_of_two_scaling_is_exact(scale, normalizer):
    """randomized_svd(2**e M) = 2**e randomized_svd(M) exactly, vectors and error
    estimate included: the operand is scaled by a power of two into the safe
    range and every later operation is homogeneous."""
    M = with_singular_values(np.linspace(1.0, 10.0, 40), 70, 40, seed=6)
    kw = dict(random_state=0, power_iteration_normalizer=normalizer, error_estimate=True)
    U0, s0, Vt0, e0 = randomized_svd(M, 4, **kw)
    U, s, Vt, e = randomized_svd(M * scale, 4, **kw)
    assert np.array_equal(s, s0 * scale) and e == e0 * scale
    assert np.array_equal(U, U0) and np.array_equal(Vt, Vt0)


@pytest.mark.parametrize("scale", [1e-310, 1e-300, 1e-165, 1e155, 1e300])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_extreme_scales_give_the_scaled_results(scale, kind):
    """Entries rounded to ``scale``'s grid (subnormal for 1e-310, which raised
    NonFiniteError on finite input): the result is exactly 2**-e times the result
    for the same rounded matrix rescaled by 2**e to unit size (the singular
    values rounded once more where they are subnormal)."""
    M0 = np.random.default_rng(1).standard_normal((80, 30))
    Mc = M0 * scale
    e = 1 - np.frexp(np.abs(Mc).max())[1]
    M1 = np.ldexp(Mc, e)
    wrap = sp.csr_array if kind == "csr" else np.asarray
    U, s, Vt = randomized_svd(wrap(Mc), 2, random_state=0)
    U1, s1, Vt1 = randomized_svd(wrap(M1), 2, random_state=0)
    assert np.all(np.isfinite(s))
    assert np.array_equal(s, np.ldexp(s1, -e))
    assert np.array_equal(U, U1) and np.array_equal(Vt, Vt1)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_entries_raise_without_foreign_advice(bad):
    """NaN/Inf entries: NonFiniteError naming what was found, and no advice to pass
    a ``check_finite`` that randomized_svd does not take."""
    from fastsvd._errors import NonFiniteError
    M = np.ones((8, 5))
    M[1, 1] = bad
    with pytest.raises(NonFiniteError, match="NaN" if np.isnan(bad) else "Inf") as err:
        randomized_svd(M, 2, random_state=0)
    assert "check_finite" not in str(err.value)
