"""Batched SVD of stacks of small matrices (``svd_batched``).

Properties: every slice is an SVD within the ``assert_svd`` eps bounds, a
slice's result does not depend on the rest of the batch (bit for bit), it
agrees with the single-matrix Jacobi driver, 2x2 slices use the closed form
with high relative accuracy, and a bad slice fails alone (status + NaN).
"""
import numpy as np
import pytest

import fastsvd
from fastsvd.kernels.batched import NOT_CONVERGED, NOT_FINITE, svd_2x2, svd_batched
from fastsvd.kernels.gejsv import svd_jacobi
from fastsvd.kernels.small import lartg
from tests.checks import (C_BACKWARD, C_ORTHO, C_SIGMA, assert_svd, backward_error, eps_of,
                          orthogonality, reference_singular_values, relative_errors)

EPS = np.finfo(np.float64).eps

SHAPES = [(2, 2), (3, 3), (5, 3), (3, 5), (1, 4), (4, 1), (1, 1), (8, 8), (6, 2), (2, 6),
          (32, 32), (20, 7)]


def _stack(b, m, n, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((b, m, n))
    if b > 3:
        A[1] = 0.0                                  # zero slice
        A[2, :, 0] = 0.0                            # a zero column
        A[3] = np.outer(rng.standard_normal(m), rng.standard_normal(n))   # rank one
    return A


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_every_slice_is_an_svd(shape, full_matrices):
    m, n = shape
    A = _stack(6, m, n)
    U, S, Vt, info = svd_batched(A, True, full_matrices)
    k = min(m, n)
    assert U.shape == (6, m, m if full_matrices else k)
    assert S.shape == (6, k)
    assert Vt.shape == (6, n if full_matrices else k, n)
    assert np.all(info == 0)
    for i in range(6):
        assert_svd(A[i], U[i], S[i], Vt[i], full_matrices=full_matrices)


@pytest.mark.parametrize("shape", [(3, 3), (8, 8), (2, 2), (4, 9)])
def test_float32(shape):
    A = _stack(5, *shape).astype(np.float32)
    U, S, Vt, info = svd_batched(A)
    assert U.dtype == S.dtype == Vt.dtype == np.float32
    assert np.all(info == 0)
    for i in range(5):
        assert_svd(A[i], U[i], S[i], Vt[i])


@pytest.mark.parametrize("shape", [(3, 3), (2, 2), (7, 4), (4, 7)])
def test_values_only_equal_values_of_full(shape):
    A = _stack(20, *shape)
    S = svd_batched(A, True, False)[1]
    U0, S0, Vt0, info = svd_batched(A, False, False)
    assert U0.shape == (20, 0, 0) and Vt0.shape == (20, 0, 0)
    np.testing.assert_array_equal(S, S0)


@pytest.mark.parametrize("shape", [(3, 3), (8, 8), (2, 2), (5, 3), (3, 5), (32, 32), (9, 20)])
def test_slice_independent_of_batch(shape):
    """Each slice gets exactly the result it gets alone: no state crosses slices
    or chunks (workspace is reused, so stale data would show here)."""
    A = _stack(37, *shape, seed=1)
    U, S, Vt, info = svd_batched(A)
    for i in (0, 1, 2, 3, 17, 36):
        u, s, vt, inf = svd_batched(A[i:i + 1])
        np.testing.assert_array_equal(S[i], s[0])
        np.testing.assert_array_equal(U[i], u[0])
        np.testing.assert_array_equal(Vt[i], vt[0])


@pytest.mark.parametrize("shape", [(3, 3), (8, 8), (12, 5), (32, 32)])
def test_agrees_with_single_matrix_driver(shape):
    """Same singular values as svd_jacobi (QR-preconditioned) to eps sigma_1, and the
    same singular subspaces: ``U^T U_ref`` is diagonal +-1 for distinct sigma."""
    m, n = shape
    A = np.random.default_rng(2).standard_normal((10, m, n))
    U, S, Vt, info = svd_batched(A)
    for i in range(10):
        Ur, sr, Vtr, inf = svd_jacobi(A[i].copy(), True, False)
        assert np.abs(S[i] - sr).max() <= 4 * max(m, n) * EPS * sr[0]
        P = np.abs(U[i].T @ Ur)
        # distinct singular values (random matrix): |<u_j, u_j_ref>| = 1 up to
        # eps / gap (the gaps here exceed 1e-3 sigma_1)
        assert np.abs(np.diag(P) - 1).max() <= 1e-10
        assert np.abs(np.abs(Vt[i] @ Vtr.T) - np.eye(n)).max() <= 1e-10


def test_nan_slice_fails_alone():
    A = _stack(9, 4, 3, seed=3)
    good = svd_batched(A)
    A[4, 2, 1] = np.nan
    A[7, 0, 0] = np.inf
    U, S, Vt, info = svd_batched(A)
    assert list(np.nonzero(info)[0]) == [4, 7]
    assert np.all(info[[4, 7]] == NOT_FINITE)
    for i in (4, 7):
        assert np.all(np.isnan(S[i])) and np.all(np.isnan(U[i])) and np.all(np.isnan(Vt[i]))
    rest = [i for i in range(9) if i not in (4, 7)]
    np.testing.assert_array_equal(S[rest], good[1][rest])
    np.testing.assert_array_equal(U[rest], good[0][rest])
    np.testing.assert_array_equal(Vt[rest], good[2][rest])


@pytest.mark.parametrize("shape", [(6, 6), (3, 3)])
def test_sweep_cap_fails_slice_with_status(shape):
    A = np.random.default_rng(4).standard_normal((3,) + shape)
    U, S, Vt, info = svd_batched(A, max_sweeps=1)
    assert np.all(info == NOT_CONVERGED)
    assert np.all(np.isnan(S))


@pytest.mark.parametrize("shape", [(3, 3), (8, 8), (9, 4)])
def test_bad_slices_in_a_stream_fail_alone(shape):
    """Lanes take the next slice as soon as theirs converged: non-finite and
    wide-range slices met while refilling (first, in the middle, last) are
    finished on the spot, and every other slice gets its result alone."""
    rng = np.random.default_rng(8)
    A = rng.standard_normal((70,) + shape)
    A[0, 0, 0] = np.nan
    A[33, -1, -1] = np.inf
    A[69, 1, 0] = np.nan
    A[40] *= np.logspace(150, -150, shape[1])        # scalar path, mid-stream
    U, S, Vt, info = svd_batched(A)
    assert list(np.nonzero(info)[0]) == [0, 33, 69]
    assert np.all(info[[0, 33, 69]] == NOT_FINITE)
    assert np.all(np.isnan(S[[0, 33, 69]]))
    for i in (1, 2, 32, 34, 40, 68):
        assert_svd(A[i], U[i], S[i], Vt[i])
        u, s, vt, _ = svd_batched(A[i:i + 1])
        np.testing.assert_array_equal(S[i], s[0])
        np.testing.assert_array_equal(U[i], u[0])
        np.testing.assert_array_equal(Vt[i], vt[0])


def test_2x2_closed_form_relative_accuracy():
    """The 2x2 path (one rotation + xLASV2) keeps both singular values to a few
    ulps relative on graded and triangular input, even when they are 1e-16
    apart in scale.  (Not on a general nearly singular 2x2 such as
    ``[[1, 1], [1, 1 + 1e-12]]``: its sigma_min = |det| / sigma_1 is not
    determined to high relative accuracy by normwise perturbations, and the
    triangularizing rotation is one; numpy loses the same digits there.)"""
    cases = np.array([[[1.0, 1e8], [0.0, 1e-8]],
                      [[1e-8, 0.0], [1e8, 1.0]],
                      [[1e-8, 1.0], [0.0, 1e8]],
                      [[0.0, 0.0], [0.0, 0.0]],
                      [[0.0, 3.0], [0.0, 0.0]],
                      [[1e300, 1e299], [-1e299, 1e300]],
                      [[1e-300, 2e-300], [3e-300, -4e-300]]])
    U, S, Vt, info = svd_batched(cases)
    assert np.all(info == 0)
    for i, A in enumerate(cases):
        ref = reference_singular_values(A, digits=80)
        # a 2x2 from one rotation and xLASV2: a handful of roundings per value
        assert relative_errors(S[i], ref).max() <= 8 * EPS, (i, S[i], ref)
        assert_svd(A, U[i], S[i], Vt[i])


def test_svd_2x2_kernel_signs():
    s1, s2, u11, u12, u21, u22, v11, v12, v21, v22 = svd_2x2(0.0, -2.0, 3.0, 0.0)
    U = np.array([[u11, u12], [u21, u22]])
    V = np.array([[v11, v12], [v21, v22]])
    np.testing.assert_allclose(U @ np.diag([s1, s2]) @ V.T, [[0.0, -2.0], [3.0, 0.0]],
                               atol=4 * EPS)
    assert s1 == 3.0 and s2 == 2.0


def test_extreme_scales_in_a_batch():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((4, 5, 4))
    A[0] *= 1e300
    A[1] *= 1e-300
    A[2] *= 1e-310                                   # subnormal entries
    A[3] *= np.logspace(150, -150, 4)                # columns 1e+150 .. 1e-150
    U, S, Vt, info = svd_batched(A)
    assert np.all(info == 0)
    for i in range(4):
        assert_svd(A[i], U[i], S[i], Vt[i])


def test_empty_batches():
    for shape in [(0, 3, 3), (4, 0, 3), (4, 3, 0)]:
        U, S, Vt, info = svd_batched(np.zeros(shape), True, False)
        b, m, n = shape
        k = min(m, n)
        assert U.shape == (b, m, k) and S.shape == (b, k) and Vt.shape == (b, k, n)
        assert info.shape == (b,)
    U, S, Vt, info = svd_batched(np.zeros((2, 3, 0)), True, True)
    np.testing.assert_array_equal(U, np.broadcast_to(np.eye(3), (2, 3, 3)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_3x3_lanes_across_ranges(dtype):
    """The fused 3x3 lane kernel compares squares (``a_pq^2 > tol^2 a_pp a_qq``),
    valid for entries spanning up to 2^(0.2 minexp) of the largest: slices at
    both sides of that bound (and huge, tiny, graded, rank-deficient ones)
    must all come out as SVDs, and their results must not depend on their
    neighbours in the group."""
    rng = np.random.default_rng(6)
    fi = np.finfo(dtype)
    edge = 2.0 ** (0.2 * fi.minexp)
    A = rng.standard_normal((40, 3, 3))
    A[0] *= np.array([1.0, edge * 4, edge * 4])        # columns just inside the bound
    A[1] *= np.array([1.0, edge / 4, edge / 4])        # just outside: scalar path
    A[2] *= np.array([[1.0], [edge * 4], [edge * 4]])  # graded rows
    A[3] = np.diag([1.0, edge * 2, edge / 2])
    A[4] *= float(fi.max) / 8
    A[5] *= float(fi.tiny) * 4
    A[6, :, 2] = A[6, :, 0]                            # two equal columns
    A[7] = 0.0
    A[8] = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5])
    A = A.astype(dtype)
    U, S, Vt, info = svd_batched(A)
    assert np.all(info == 0)
    for i in range(40):
        assert_svd(A[i], U[i], S[i], Vt[i])
    for i in (0, 1, 3, 5, 39):
        u, s, vt, _ = svd_batched(A[i:i + 1])
        np.testing.assert_array_equal(S[i], s[0])
        np.testing.assert_array_equal(U[i], u[0])


@pytest.mark.parametrize("shape", [(3, 3), (5, 5), (8, 8)])
def test_rank_deficient_slices_independent_of_their_lane_group(shape):
    """Rank-one and nearly dependent slices iterated in a lane group with
    full-rank neighbours get exactly their result alone (their noise-level
    columns keep rotating while the neighbours converge, so any coupling
    between lanes would show in the last bits here)."""
    rng = np.random.default_rng(7)
    m, n = shape
    A = rng.standard_normal((64, m, n))
    for i in range(0, 64, 3):
        A[i] = np.outer(rng.standard_normal(m), rng.standard_normal(n))
    for i in range(1, 64, 7):
        A[i, :, 0] = A[i, :, 1] * (1 + 1e-15)
    U, S, Vt, info = svd_batched(A)
    for i in range(0, 64, 5):
        u, s, vt, _ = svd_batched(A[i:i + 1])
        np.testing.assert_array_equal(S[i], s[0])
        np.testing.assert_array_equal(U[i], u[0])
        np.testing.assert_array_equal(Vt[i], vt[0])


# --------------------------------------------------------------------------
# regressions: rank-deficient slices
# --------------------------------------------------------------------------

def _assert_slices(A3, U3, S2, Vt3, info, full_matrices):
    """Every slice flagged OK and within the assert_svd bounds (backward error
    4, orthogonality of full or thin U and V 8, each sigma 4, in units of
    max(m, n) eps against mpmath)."""
    assert np.all(info == 0), info
    for i in range(A3.shape[0]):
        assert_svd(A3[i], U3[i], S2[i], Vt3[i], full_matrices=full_matrices)


@pytest.mark.parametrize("full_matrices", [False, True])
def test_zero_row_2x2_has_orthogonal_u(full_matrices):
    """``[[0.1, 0.2], [0, 0]]`` gave ``U = [[1, 1], [0, 0]]``: the cancelled
    column kept rotating against the other until the lanes' test ``a_pq^2 >
    tol^2 a_pp a_qq`` underflowed, and was then normalized as a singular
    vector.  Bounds as assert_svd (orthogonality <= 8 max(m, n) eps)."""
    A = np.array([[[0.1, 0.2], [0.0, 0.0]]])
    _assert_slices(A, *svd_batched(A, True, full_matrices), full_matrices)
    S0 = svd_batched(A, False, full_matrices)[1]
    np.testing.assert_array_equal(S0, svd_batched(A, True, full_matrices)[1])
    U, s, Vh = fastsvd.svd(A, full_matrices=full_matrices)
    assert orthogonality(U[0]) <= C_ORTHO


@pytest.mark.parametrize("full_matrices", [False, True])
def test_zero_row_3x3_has_orthogonal_u(full_matrices):
    """The fused 3x3 lanes: a zero row makes the columns dependent; ``U`` came
    out with two columns equal up to sign (same cause as the 2x2)."""
    A = np.array([[[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 5.0, 7.0]]])
    _assert_slices(A, *svd_batched(A, True, full_matrices), full_matrices)
    U, s, Vh = fastsvd.svd(A, full_matrices=full_matrices)
    assert orthogonality(U[0]) <= C_ORTHO


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_2x2_closed_form_with_subnormal_entries(dtype):
    """Wide-range 2x2 slices take the closed form.  A float32 slice ran it in
    float32 (``float()`` of a float32 is a float32 in Numba), and a rotation
    from subnormal entries then had a cosine and sine of a few bits:
    ``s_1`` 0.8% off and ``U`` not orthogonal.  float64 subnormal entries
    likewise through xLARTG's subnormal ``r``.  Bounds as assert_svd, in
    the dtype's eps (mpmath reference)."""
    t = float(np.finfo(dtype).smallest_subnormal)
    A3 = np.array([[[7 * t, -32 * t], [-12 * t, 1.2050705]],
                   [[3 * t, 5 * t], [2 * t, -1.0]],
                   [[1.0, 3 * t], [0.0, 5 * t]],
                   [[-9 * t, 1.0], [13 * t, 0.0]]]).astype(dtype)
    for full_matrices in (False, True):
        _assert_slices(A3, *svd_batched(A3, True, full_matrices), full_matrices)


def test_lartg_rotation_from_subnormals_is_orthogonal():
    """xLARTG on subnormal ``f, g``: ``c^2 + s^2 = 1`` to a few eps and ``-s f
    + c g = 0`` (the hypotenuse alone was subnormal, with few digits)."""
    t = float(np.finfo(np.float64).smallest_subnormal)
    for f, g in [(7 * t, -12 * t), (3 * t, 5 * t), (-1e-310, 3e-311), (t, t)]:
        c, s, r = lartg(f, g)
        assert abs(c * c + s * s - 1.0) <= 2 * EPS
        assert abs(-s * f + c * g) <= t
        assert abs(c * f + s * g - r) <= t


def _zero_lines_float32():
    rng = np.random.default_rng(4)
    B = rng.standard_normal((8, 7)).astype(np.float32)
    B[:, rng.random(7) < .3] = 0
    B[rng.random(8) < .3, :] = 0
    return B


@pytest.mark.parametrize("full_matrices", [False, True])
def test_float32_zero_rows_and_columns_converge(full_matrices):
    """float32 8x7 with zero rows and columns reached the sweep cap (status 1,
    NoConvergenceError from fastsvd.svd): the cancelled columns shrank until
    their float32 entries were subnormal, where a rotation no longer changes
    them.  Must converge and meet the assert_svd bounds in float32 eps."""
    B = _zero_lines_float32()
    _assert_slices(B[None], *svd_batched(B[None], True, full_matrices), full_matrices)
    U, s, Vh = fastsvd.svd(B[None], full_matrices=full_matrices)
    assert_svd(B, U[0], s[0], Vh[0], full_matrices=full_matrices)
    np.testing.assert_array_equal(fastsvd.svd(B[None], compute_uv=False), s)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (5, 3), (3, 5), (8, 8), (9, 4), (4, 9),
                                   (1, 4), (4, 1), (16, 15)])
def test_rank_deficient_slices_every_path(shape, full_matrices, dtype):
    """Zero rows, zero columns, rank one and two equal columns in every code
    path: the 2x2 closed form (wide-range 2x2), the fused 3x3 lanes, the
    eight-lane kernel (tall, and wide iterated transposed), the scalar
    wide-range path (columns 1e+-30 / 1e+-150 apart), 1 x n and n x 1.
    Each slice within the assert_svd bounds, full and thin U, V; values only
    give the same values."""
    m, n = shape
    rng = np.random.default_rng(11)
    fi = np.finfo(dtype)
    wide = 1e-150 if dtype == np.float64 else 1e-30      # beyond the lane range
    slices = []
    for scale in (1.0, wide):
        for _ in range(3):
            A = rng.standard_normal((m, n))
            A[rng.random(m) < 0.4, :] = 0.0
            A[:, rng.random(n) < 0.4] = 0.0
            slices.append(A)
        slices.append(np.outer(rng.standard_normal(m), rng.standard_normal(n)))
        A = rng.standard_normal((m, n))
        A[:, -1] = A[:, 0]
        A[0, :] = 0.0
        slices.append(A)
        if scale != 1.0:
            for A in slices[-5:]:
                A[:, rng.permutation(n)[: max(1, n // 2)]] *= scale
                A[0, 0] = 1.0
    A3 = np.array(slices).astype(dtype)
    assert np.all(np.isfinite(A3)) and float(np.abs(A3).max()) < float(fi.max)
    U, S, Vt, info = svd_batched(A3, True, full_matrices)
    _assert_slices(A3, U, S, Vt, info, full_matrices)
    S0 = svd_batched(A3, False, full_matrices)[1]
    if full_matrices:
        # the values of a full U are normalized through the scaled norms of the
        # completion path: a few roundings from the thin ones, no more
        assert np.all(np.abs(S0 - S) <= 4 * np.finfo(dtype).eps * S[:, :1])
    else:
        np.testing.assert_array_equal(S0, S)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (8, 8), (5, 7), (16, 15), (32, 32)])
def test_stack_values_agree_with_slices(shape, dtype):
    """A stack (batched kernel) and its slices one by one (the 2-D path) give
    the same singular values within the sum of their bounds, 2 * 4 max(m, n)
    eps sigma_1, in the dtype's eps: numpy's own tests compare
    ``norm(A, 2, axis=(1, 2))`` in float32 with the slices' norms."""
    m, n = shape
    rng = np.random.default_rng(12)
    A = rng.standard_normal((12, m, n))
    A[1] = 0.0
    A[2, :, 0] = 0.0
    A[3, 0, :] = 0.0
    A[4] = np.outer(rng.standard_normal(m), rng.standard_normal(n))
    A[5] *= 1e-30
    A = A.astype(dtype)
    S = fastsvd.svd(A, compute_uv=False)
    assert S.dtype == dtype
    eps = eps_of(dtype)
    for i in range(A.shape[0]):
        s2d = fastsvd.svd(A[i], compute_uv=False)
        bound = 2 * C_SIGMA * max(m, n) * eps * float(s2d[0])
        assert np.abs(S[i].astype(np.float64) - s2d).max() <= bound, (i, S[i], s2d)


# --------------------------------------------------------------------------
# seeded randomized sweep: every slice meets the bounds or carries a status
# --------------------------------------------------------------------------

#: shapes of the sweep: the closed-form 2x2, the fused 3x3 lanes, vectors
#: (1 x n, n x 1), tall and wide (wide slices are iterated transposed), and
#: up to the batched limit of 32
SWEEP_SHAPES = [(1, 1), (1, 7), (9, 1), (2, 2), (3, 3), (2, 5), (5, 2), (4, 4), (8, 7), (7, 8),
                (16, 15), (15, 16), (32, 32), (32, 5), (6, 32)]

#: slice kinds of the sweep (see _random_slice)
SWEEP_KINDS = ("gaussian", "zero_lines", "low_rank", "repeated", "graded_columns",
               "graded_rows", "subnormal", "huge", "tiny", "integer")


def _random_slice(rng, m, n, dtype, kind):
    """One ``m x n`` test slice of the given kind, in ``dtype``.

    Zero rows and columns are added at random to every kind (rank deficiency
    with exactly dependent columns is the hard case for the Jacobi lanes: the
    cancelled columns keep shrinking by rotations against the others)."""
    fi = np.finfo(dtype)
    k = min(m, n)
    if kind == "low_rank":
        r = int(rng.integers(0, k + 1))
        A = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
    elif kind == "repeated":
        vals = rng.choice([0.0, 1.0, 2.0, 3.0], size=int(rng.integers(1, 3)))
        s = np.sort(rng.choice(vals, size=k))[::-1]
        qu = np.linalg.qr(rng.standard_normal((m, m)))[0][:, :k]
        qv = np.linalg.qr(rng.standard_normal((n, n)))[0][:, :k]
        A = (qu * s) @ qv.T
    elif kind == "integer":
        A = rng.integers(-3, 4, (m, n)).astype(float)
    else:
        A = rng.standard_normal((m, n))
    # graded: exponent spans within the lane range (float64 2^-204, float32
    # 2^-25), beyond it (the scalar path), and down to the subnormals
    decades = -np.log10(float(fi.smallest_subnormal))
    span = float(rng.uniform(1, 0.35 * decades if rng.random() < 0.5 else decades))
    if kind == "graded_columns":
        A = A * np.logspace(0, -span, n)[rng.permutation(n)][None, :]
    elif kind == "graded_rows":
        A = A * np.logspace(0, -span, m)[rng.permutation(m)][:, None]
    elif kind == "subnormal":
        A = A * float(fi.smallest_subnormal) * 2.0 ** int(rng.integers(3, 20))
        if rng.random() < 0.5:                     # subnormal entries beside normal ones
            A = A + rng.standard_normal((m, n)) * (rng.random((m, n)) < 0.3)
    elif kind == "huge":
        A = A * (float(fi.max) / (4 * max(m, n)))
    elif kind == "tiny":
        A = A * float(fi.tiny) * 16
    if kind.startswith("graded") and rng.random() < 0.5:
        # the whole graded slice anywhere in the exponent range, short of overflow
        amax = float(np.abs(A).max())
        if amax > 0:
            # log10 of the factor, applied in two halves (it may exceed the range)
            f = (np.log10(float(fi.max) / (4 * max(m, n))) - np.log10(amax)
                 - rng.uniform(0, decades))
            A = A * 10.0 ** (f / 2) * 10.0 ** (f / 2)
    if kind == "zero_lines" or rng.random() < 0.3:
        A[rng.random(m) < 0.3, :] = 0.0
        A[:, rng.random(n) < 0.3] = 0.0
    return A.astype(dtype)


def _random_stack(rng):
    """A random stack: shape, dtype, full/thin, with/without vectors, slices of
    random kinds.  Returns ``(A3, kinds, full_matrices, compute_uv)``."""
    m, n = SWEEP_SHAPES[int(rng.integers(len(SWEEP_SHAPES)))]
    dtype = np.float32 if rng.random() < 0.5 else np.float64
    b = int(rng.integers(1, 24))
    kinds = [SWEEP_KINDS[int(i)] for i in rng.integers(len(SWEEP_KINDS), size=b)]
    A3 = np.empty((b, m, n), dtype)
    for i, kind in enumerate(kinds):
        A3[i] = _random_slice(rng, m, n, dtype, kind)
    return A3, kinds, bool(rng.random() < 0.5), bool(rng.random() < 0.75)


def _slice_failures(A, U, s, Vt, full_matrices):
    """Empty string if one slice's result meets the contract, else what failed.

    Bounds in units of ``max(m, n) eps`` of the slice's dtype (tests/checks.py):
    backward error <= 4, orthogonality of ``U`` and ``V`` (full or thin) <= 8,
    ``s`` non-negative and descending, each ``s_i`` within ``4 max(m, n) eps
    s_1`` of LAPACK's (numpy's float64 SVD of the same entries; LAPACK reaches
    1.4 on this scale), plus the subnormal grid's half spacing, below which no
    stored value can be closer.  ``U = Vt = None``: values only."""
    m, n = A.shape
    eps = eps_of(A.dtype)
    if not (np.all(np.isfinite(s)) and np.all(s >= 0)):
        return f"sign: s = {s}"
    if np.any(np.diff(s) > 0):
        return f"order: s = {s}"
    ref = np.linalg.svd(A.astype(np.float64), compute_uv=False)
    floor = float(np.finfo(A.dtype).smallest_subnormal)
    err = np.abs(s.astype(np.float64) - ref).max(initial=0.0)
    if err > C_SIGMA * max(m, n) * eps * ref[0] + floor:
        return f"sigma: {err / (max(m, n) * eps * ref[0]):.3g} units, s = {s}, ref = {ref}"
    if U is None:
        return ""
    if U.shape != ((m, m) if full_matrices else (m, len(s))) or \
            Vt.shape != ((n, n) if full_matrices else (len(s), n)):
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


def test_random_stacks_meet_bounds_or_flag():
    """1000 seeded random stacks (shapes up to 32 x 32 incl. 1 x n, n x 1, 2x2,
    3x3; float32 and float64; full and thin; with and without vectors; slices
    with zero rows and columns, rank deficiency, repeated singular values,
    graded rows or columns down to the subnormals, subnormal, huge and tiny
    entries, integers).  Every slice either meets the bounds of
    :func:`_slice_failures` (units of max(m, n) eps: backward error 4,
    orthogonality 8, sigma 4) or carries a nonzero status with NaN outputs,
    so that the caller can retry it; and no finite slice may be flagged."""
    rng = np.random.default_rng(20261124)
    failures = []
    flagged = []
    for _ in range(1000):
        A3, kinds, full_matrices, compute_uv = _random_stack(rng)
        U, S, Vt, info = svd_batched(A3, compute_uv, full_matrices)
        for i in range(A3.shape[0]):
            if info[i] != 0:
                assert np.all(np.isnan(S[i]))
                assert not compute_uv or (np.all(np.isnan(U[i])) and np.all(np.isnan(Vt[i])))
                flagged.append((A3.shape, A3.dtype.name, kinds[i], int(info[i])))
                continue
            msg = _slice_failures(A3[i], U[i] if compute_uv else None, S[i],
                                  Vt[i] if compute_uv else None, full_matrices)
            if msg:
                failures.append((A3.shape, A3.dtype.name, kinds[i], full_matrices, msg))
    assert not failures, failures[:5]
    # every slice here is finite: a flag would mean a retry on another method
    assert not flagged, flagged[:5]
