"""Two-stage bidiagonalization (dense -> band -> bidiagonal) for singular values only.

Bound: each singular value within ``C_SIGMA max(m, n) eps sigma_1`` of mpmath's
(C_SIGMA = 4, tests/checks.py).  Both stages apply only Householder reflectors,
each to a full row or column block, so the bidiagonal is the exact reduction of
``A + E`` with ``||E|| <= p(n) eps ||A||`` (Higham, Accuracy and Stability,
lemma 19.3): a column meets about ``n`` reflectors in stage 1 and one right
reflector per sweep in stage 2, the same order as the one-stage reduction, and
Weyl's theorem turns this into the forward bound on each sigma.  This is the
bound the one-stage path is held to in tests/test_dense.py; measured over the
gallery both paths stay below 1 unit (test_not_less_accurate_than_one_stage
records the comparison).
"""
import numpy as np
import pytest

import fastsvd
from fastsvd.kernels.numerics import NOT_FINITE
from fastsvd.kernels.twostage import (band_storage, band_to_bidiagonal, dense_to_band,
                                      gebrd_2stage, svd_values_2stage)

from .checks import C_SIGMA, assert_singular_values, eps_of, reference_singular_values
from .gallery import gallery

GALLERY = gallery()
NONEMPTY = [k for k, v in GALLERY.items() if v.size]
#: band widths: 1 (already bidiagonal after stage 1), small ones so that the
#: gallery's orders fall below, on and between multiples of nb, and the default
BANDS = [1, 3, 8, 32]
#: QR first at the driver's ratio (1.6), or never, so stage 1 also runs on tall input
QR_RATIOS = {"qr_first": 1.6, "direct": np.inf}


def _tall(A, dtype):
    """The matrix the drivers see: float32/float64, C-contiguous, m >= n."""
    A = np.asarray(A, dtype)
    return np.ascontiguousarray(A.T if A.shape[0] < A.shape[1] else A)


def _values(A, nb, ratio=1.6):
    s, info = svd_values_2stage(A.copy(), nb, ratio)
    assert info == 0
    return s


def _sigma_error(A, s):
    """max_i |s_i - sigma_i| in units of max(m, n) eps sigma_1 (mpmath reference)."""
    ref = reference_singular_values(A)
    m, n = A.shape
    scale = max(m, n) * eps_of(s.dtype) * ref[0]
    return np.max(np.abs(s.astype(np.float64) - ref)) / scale if scale else 0.0


@pytest.mark.parametrize("ratio", QR_RATIOS.values(), ids=QR_RATIOS.keys())
@pytest.mark.parametrize("nb", BANDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NONEMPTY)
def test_gallery_values(name, dtype, nb, ratio):
    A = _tall(GALLERY[name], dtype)
    if not np.all(np.isfinite(A)):
        pytest.skip("entries overflow float32")
    s = _values(A, nb, ratio)
    assert s.dtype == dtype
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0)
    assert_singular_values(A, s)


#: orders around a band of 8: below it, equal, one more, not a multiple, a multiple
ORDERS = [(5, 5), (8, 8), (9, 9), (19, 19), (24, 24), (27, 19), (40, 17), (33, 33)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", ORDERS, ids=[f"{m}x{n}" for m, n in ORDERS])
def test_orders_around_the_band(shape, dtype):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    A = _tall(rng.standard_normal(shape), dtype)
    for nb in (2, 7, 8, 9):
        assert_singular_values(A, _values(A, nb, np.inf))


@pytest.mark.parametrize("nb", [16, 32, 48])
def test_larger_float32_against_float64(nb):
    """n = 300 is beyond mpmath's reach in a fast test; for float32 input, the
    float64 LAPACK values of the same (exactly representable) matrix are exact to
    ~1e-16 sigma_1, far below float32's bound, so they serve as the reference."""
    rng = np.random.default_rng(nb)
    A = rng.standard_normal((330, 300)).astype(np.float32)
    ref = np.linalg.svd(A.astype(np.float64), compute_uv=False)
    s = _values(A, nb, np.inf)
    err = np.max(np.abs(s - ref)) / (330 * eps_of(np.float32) * ref[0])
    assert err <= C_SIGMA, err


def test_larger_float64_against_lapack():
    """Two backward-stable answers differ by at most the sum of their bounds:
    ours (C_SIGMA) and LAPACK's (at most 1.42 <= C_SIGMA measured on the gallery)."""
    rng = np.random.default_rng(5)
    A = rng.standard_normal((300, 300)) * np.logspace(0, -8, 300)[None, :]
    ref = np.linalg.svd(A, compute_uv=False)
    s = _values(A, 32)
    err = np.max(np.abs(s - ref)) / (300 * eps_of(np.float64) * ref[0])
    assert err <= 2 * C_SIGMA, err


@pytest.mark.parametrize("nb", [3, 8])
def test_stages_keep_the_frobenius_norm(nb):
    """Orthogonal transformations keep ||A||_F: the band after stage 1 and the
    bidiagonal after stage 2 have A's norm to a few n eps, and every entry
    outside the band is gone (rows/columns dropped would show here)."""
    rng = np.random.default_rng(11)
    A = rng.standard_normal((37, 29))
    nA = np.linalg.norm(A)
    W = A.copy()
    dense_to_band(W, nb)
    band = np.triu(np.tril(W[:29, :29], nb))
    tol = 4 * 37 * eps_of(np.float64) * nA
    assert abs(np.linalg.norm(band) - nA) <= tol
    Bw = band_storage(W, nb)
    d = np.empty(29)
    e = np.zeros(29)
    band_to_bidiagonal(Bw, nb, d, e)
    assert abs(np.hypot(np.linalg.norm(d), np.linalg.norm(e[:28])) - nA) <= tol
    # the compact storage holds nothing but the bidiagonal at the end
    lo = nb - 1
    rest = Bw.copy()
    rest[:, lo] = 0.0
    rest[:, lo + 1] = 0.0
    assert np.max(np.abs(rest)) <= tol


def test_bidiagonal_has_the_singular_values():
    """gebrd_2stage alone: the bidiagonal's values (float64 LAPACK on a 40 x 40
    bidiagonal, exact to ~1e-16 ||B||) against mpmath's values of A."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((40, 40))
    d = np.empty(40)
    e = np.zeros(40)
    gebrd_2stage(A.copy(), d, e, 8)
    B = np.diag(d) + np.diag(e[:39], 1)
    assert_singular_values(A, np.linalg.svd(B, compute_uv=False))


def test_not_less_accurate_than_one_stage():
    """Over the square and tall gallery (float64), the two-stage error is within
    the bound and not more than the bound's worth above the one-stage error
    (``fastsvd.svd(..., method="dc")``: gebrd, then the same bdsdc values path)."""
    worst = {"one": 0.0, "two": 0.0}
    for name in NONEMPTY:
        A = _tall(GALLERY[name], np.float64)
        s1 = fastsvd.svd(A, compute_uv=False, method="dc")
        s2 = _values(A, 8, np.inf)
        worst["one"] = max(worst["one"], _sigma_error(A, s1))
        worst["two"] = max(worst["two"], _sigma_error(A, s2))
    assert worst["two"] <= C_SIGMA, worst
    assert worst["two"] <= worst["one"] + C_SIGMA, worst


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_gives_nan_and_status(bad):
    A = np.ones((6, 5))
    A[2, 3] = bad
    s, info = svd_values_2stage(A, 2, 1.6)
    assert info == NOT_FINITE
    assert np.all(np.isnan(s))
