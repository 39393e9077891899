"""Dense SVD by divide and conquer (fastsvd.kernels.gesdd.svd_dc), by property.

Bounds in units of epsilon from tests/checks.py (assert_svd): backward error,
orthogonality of U and V, and each sigma against the mpmath reference.
"""
import numpy as np
import pytest

from fastsvd.kernels.gesdd import svd_dc, svd_dc_right

from .checks import assert_singular_values, assert_svd
from .gallery import gallery, with_singular_values

GALLERY = {k: v for k, v in gallery().items() if v.size}


def run(A, compute_uv=True, full_matrices=False, qr_first_ratio=1.6, leaf_size=25):
    """The driver wants m >= n (the API transposes wide input): do the same here.

    Every optional argument is passed explicitly so that all tests share one
    compiled specialization per dtype (compilation dominates this file's time).
    """
    wide = A.shape[0] < A.shape[1]
    X = np.ascontiguousarray(A.T if wide else A).copy()
    U, s, Vt, info = svd_dc(X, compute_uv, full_matrices, qr_first_ratio, leaf_size, 64)
    assert info == 0
    if wide and compute_uv:
        U, Vt = Vt.T, U.T
    return U, s, Vt


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("name", sorted(GALLERY))
def test_gallery(name, full_matrices):
    A = GALLERY[name]
    m, n = A.shape
    U, s, Vt = run(A, True, full_matrices)
    if m < n:
        # the driver factored A^T: its full U is A's V (n x n) and its V is A's U
        if not full_matrices:
            Vt = np.ascontiguousarray(Vt[:m])
    assert_svd(A, U, s, Vt, full_matrices=full_matrices)


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_gallery_values_only(name):
    A = GALLERY[name]
    U, s, Vt = run(A, False)
    assert U.shape == (0, 0) and Vt.shape == (0, 0)
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0)
    assert_singular_values(A, s)


@pytest.mark.parametrize("shape", [(64, 40), (40, 40), (200, 30)])
def test_qr_first_and_direct_paths_agree(shape):
    """m >= 1.6 n goes through QR first; forcing either path gives the same SVD."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal(shape)
    for ratio in (1.0, 1e9):
        U, s, Vt = run(A, True, False, qr_first_ratio=ratio)
        assert_svd(A, U, s, Vt)


@pytest.mark.parametrize("leaf_size", [1, 3, 25])
@pytest.mark.parametrize("name", sorted(k for k, a in GALLERY.items() if a.shape[0] >= a.shape[1]))
def test_right_vectors_only_are_the_full_runs(name, leaf_size):
    """``svd_dc_right`` skips every operation on the left vectors; the right
    ones go through the same operations, so they are the full run's bit for bit
    (small leaves exercise the closed-form leaves and many merges)."""
    A = GALLERY[name]
    U, s, Vt, info = svd_dc(A.copy(), True, False, 1.6, leaf_size, 64)
    s2, Vt2, info2 = svd_dc_right(A.copy(), leaf_size, 64)
    assert info == info2 == 0
    np.testing.assert_array_equal(s2, s)
    np.testing.assert_array_equal(Vt2, Vt)


def test_deep_recursion_small_leaves():
    A = with_singular_values(np.r_[np.ones(10), np.logspace(-3, -12, 20)], 45, 30, seed=4)
    for leaf in (1, 3):
        U, s, Vt = run(A, True, False, leaf_size=leaf)
        assert_svd(A, U, s, Vt)


@pytest.mark.parametrize("name", ["random_square_30", "random_tall_40x13", "graded_columns_20",
                                  "repeated_20", "kahan_30"])
def test_float32(name):
    A = GALLERY[name].astype(np.float32)
    U, s, Vt = run(A, True, False)
    assert U.dtype == np.float32 and s.dtype == np.float32 and Vt.dtype == np.float32
    assert_svd(A.astype(np.float64), U, s, Vt)


@pytest.mark.slow
def test_larger_random_against_lapack():
    rng = np.random.default_rng(9)
    A = rng.standard_normal((400, 300))
    U, s, Vt = run(A)
    ref = np.linalg.svd(A, compute_uv=False)
    eps = np.finfo(np.float64).eps
    assert np.abs(s - ref).max() / (400 * eps * ref[0]) <= 4
    assert_svd(A, U, s, Vt, reference=False)


@pytest.mark.parametrize("shape", [(340, 320), (600, 320)])
def test_values_only_two_stage_route(shape):
    """Values only from TWO_STAGE_MIN on reduce in two stages (dense -> band ->
    bidiagonal); forcing the one-stage reduction gives the same values.

    Bound: each sigma within C_SIGMA * max(m, n) * eps * sigma_1 of the known
    spectrum (both reductions are backward stable, Weyl's theorem), and of each
    other to twice that.  The shapes are direct (340 x 320) and QR first (600 x 320).
    """
    from fastsvd.kernels.gesdd import TWO_STAGE_MIN, svd_gesdd
    m, n = shape
    assert n >= TWO_STAGE_MIN
    known = np.r_[np.logspace(0, -6, n - 20), np.zeros(20)]
    A = with_singular_values(known, m, n, seed=5)
    eps = np.finfo(np.float64).eps
    unit = 4.0 * m * eps * known[0]
    for two_stage_min in (TWO_STAGE_MIN, 10 ** 9):
        X = A.copy()
        _, s, _, info = svd_gesdd(X, False, False, two_stage_min)
        assert info == 0
        assert np.abs(s - known).max() <= unit
        if two_stage_min == TWO_STAGE_MIN:
            s_two = s
    assert np.abs(s_two - s).max() <= 2 * unit


def test_two_stage_crossover_matches_the_plan():
    """The dispatcher explains the two-stage route with the driver's own crossover."""
    import fastsvd
    from fastsvd._dispatch import TWO_STAGE_MIN_ORDER
    from fastsvd.kernels.gesdd import TWO_STAGE_MIN
    assert TWO_STAGE_MIN_ORDER == TWO_STAGE_MIN
    assert "two-stage" in str(fastsvd.plan((TWO_STAGE_MIN, TWO_STAGE_MIN), compute_uv=False))
    assert "two-stage" not in str(fastsvd.plan((TWO_STAGE_MIN - 1,) * 2, compute_uv=False))
    assert "two-stage" not in str(fastsvd.plan((TWO_STAGE_MIN, TWO_STAGE_MIN)))
