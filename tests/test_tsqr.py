"""Tall-skinny QR (Householder TSQR, CholeskyQR2 / shifted CholeskyQR3) and svd_tall.

Bounds are the README's, in units of ``max(m, n) eps`` (tests/checks.py):
a QR ``A = Q R`` must have ``||A - Q R||_F <= C_BACKWARD max(m,n) eps ||A||_F``
and ``||Q^T Q - I||_F <= C_ORTHO max(m,n) eps`` like the Householder QR inside
every backward-stable SVD; ``svd_tall`` must meet :func:`tests.checks.assert_svd`
on every matrix, the ill-conditioned ones included, where CholeskyQR may only
run with the checks that correct it (shift, extra pass) or not at all.
"""
import numpy as np
import pytest

from fastsvd.kernels import tsqr
from tests.checks import C_BACKWARD, C_ORTHO, assert_svd, eps_of, orthogonality
from tests.gallery import gallery, with_singular_values

RNG_SEED = 20261204


def _qr_errors(A, Q, R):
    """Backward error and orthogonality of ``A = Q R`` in units of max(m, n) eps."""
    m, n = A.shape
    eps = eps_of(Q.dtype)
    A64 = A.astype(np.float64)
    scale = np.abs(A64).max()
    back = np.linalg.norm((A64 - Q.astype(np.float64) @ R.astype(np.float64)) / scale) / (
        np.linalg.norm(A64 / scale) * max(m, n) * eps)
    return back, orthogonality(Q)


def _assert_qr(A, Q, R):
    assert np.all(np.tril(R, -1) == 0), "R is not upper triangular"
    back, ortho = _qr_errors(A, Q, R)
    assert back <= C_BACKWARD, f"||A - QR|| {back:.3g} > {C_BACKWARD} units of max(m,n) eps ||A||"
    assert ortho <= C_ORTHO, f"||Q^T Q - I|| {ortho:.3g} > {C_ORTHO} units of max(m,n) eps"


def _tall(kind, m=240, n=16, seed=0):
    """Tall test matrices with the conditioning that decides CholeskyQR's fate."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        return rng.standard_normal((m, n))
    if kind.startswith("kappa"):
        return with_singular_values(np.logspace(0, -float(kind[5:]), n), m, n, seed=seed)
    if kind == "rank_deficient":
        return rng.standard_normal((m, 5)) @ rng.standard_normal((5, n))
    if kind == "zero_column":
        A = rng.standard_normal((m, n))
        A[:, 3] = 0.0
        return A
    if kind == "graded_columns":
        return rng.standard_normal((m, n)) * np.logspace(0, -15, n)[None, :]
    if kind == "graded_rows":
        return np.logspace(0, -15, m)[:, None] * rng.standard_normal((m, n))
    if kind == "tiny":
        return 1e-300 * rng.standard_normal((m, n))
    if kind == "huge":
        return 1e300 * rng.standard_normal((m, n))
    if kind == "subnormal":
        return 1e-310 * rng.standard_normal((m, n))
    if kind == "orthonormal":
        return np.linalg.qr(rng.standard_normal((m, n)))[0]
    raise ValueError(kind)


KINDS = ["random", "kappa4", "kappa7", "kappa10", "kappa15", "rank_deficient", "zero_column",
         "graded_columns", "graded_rows", "tiny", "huge", "subnormal", "orthonormal"]


# ----------------------------------------------------------------------------- level-3 kernels

def test_gram_upper_matches_the_product():
    """Each Gram entry is a dot product of length m: error <= m eps |a_i|^T |a_j|."""
    A = np.random.default_rng(1).standard_normal((500, 37))
    G = np.full((37, 37), np.nan)
    tsqr.gram_upper(A, G)
    ref = A.T @ A
    bound = A.shape[0] * eps_of(A.dtype) * (np.abs(A).T @ np.abs(A))
    iu = np.triu_indices(37)
    assert np.all(np.abs(G[iu] - ref[iu]) <= bound[iu])


@pytest.mark.parametrize("n, nb", [(1, 32), (7, 3), (50, 8), (70, 32)])
def test_potrf_upper_reconstructs(n, nb):
    """Cholesky is backward stable: ||R^T R - G|| <= c n eps ||G|| (Higham thm. 10.3); c = 4."""
    rng = np.random.default_rng(n)
    B = rng.standard_normal((n + 5, n))
    G = B.T @ B
    R = G.copy()
    assert tsqr.potrf_upper(R, nb) == 0
    assert np.all(np.tril(R, -1) == 0)
    assert np.linalg.norm(R.T @ R - G) <= 4 * n * eps_of(G.dtype) * np.linalg.norm(G)


def test_potrf_upper_reports_the_failing_pivot():
    """An indefinite matrix: xPOTRF's info is the order of the first non-positive minor."""
    G = np.diag([4.0, 1.0, -1.0, 2.0])
    assert tsqr.potrf_upper(G.copy(), 2) == 3
    G = np.eye(5)
    G[4, 4] = np.nan
    assert tsqr.potrf_upper(G, 2) == 5


@pytest.mark.parametrize("m, n, rows, nb", [(300, 20, 256, 32), (301, 45, 64, 16),
                                            (10, 70, 4, 32), (1, 5, 256, 2)])
def test_trsm_right_upper_is_rowwise_backward_stable(m, n, rows, nb):
    """Each row solves x_i (R + dR) = b_i with |dR| <= c n eps |R| (Higham thm. 8.5), so
    |x_i R - b_i| <= c n eps |x_i| |R|; c = 2."""
    rng = np.random.default_rng(m + n)
    R = np.triu(rng.standard_normal((n, n))) + np.diag(rng.uniform(0.5, 2, n))
    B = rng.standard_normal((m, n))
    X = B.copy()
    tsqr.trsm_right_upper_rows(X, R, rows, nb)
    assert np.all(np.abs(X @ R - B) <= 2 * n * eps_of(B.dtype) * (np.abs(X) @ np.abs(R)))


def test_trsm_left_upper_is_backward_stable():
    """Columns of R^{-1} C: |R y - c| <= 2 n eps |R| |y| (back substitution)."""
    rng = np.random.default_rng(3)
    n = 40
    R = np.triu(rng.standard_normal((n, n))) + 3 * np.eye(n)
    C = rng.standard_normal((n, 11))
    Y = C.copy()
    tsqr.trsm_left_upper(R, Y)
    assert np.all(np.abs(R @ Y - C) <= 2 * n * eps_of(C.dtype) * (np.abs(R) @ np.abs(Y)))


# ----------------------------------------------------------------------------- Householder TSQR

@pytest.mark.parametrize("m, n, block_rows, fanout", [
    (90, 12, 90, 2),     # one block: plain geqrf
    (90, 12, 45, 2),     # two blocks
    (90, 12, 30, 2),     # three blocks: an odd count leaves a node with one child
    (90, 12, 7, 2),      # thirteen blocks of 7 < n rows: trapezoidal R factors
    (90, 12, 7, 3),      # the same with a ternary tree
    (95, 12, 20, 4),     # last block shorter
    (12, 12, 5, 2),      # square, blocks smaller than n
])
def test_tsqr_is_a_backward_stable_qr(m, n, block_rows, fanout):
    """TSQR is Householder QR with a different order of reflections (Demmel et al. 2012,
    sec. 6): the same backward error and orthogonality bounds as geqrf."""
    A = np.random.default_rng(m * n + block_rows).standard_normal((m, n))
    F = A.copy()
    R, S, tau, tree = tsqr.tsqr_factor(F, block_rows, fanout)
    level_start = tree[0]
    assert level_start[1] == -(-m // block_rows)        # the blocks asked for
    Q = tsqr.tsqr_apply_q(F, S, tau, tree, np.eye(n))
    _assert_qr(A, Q, R)


@pytest.mark.parametrize("kind", ["rank_deficient", "kappa15", "zero_column", "huge", "tiny"])
def test_tsqr_is_stable_whatever_the_conditioning(kind):
    A = _tall(kind, m=150, n=10)
    F = A.copy()
    R, S, tau, tree = tsqr.tsqr_factor(F, 16, 2)
    Q = tsqr.tsqr_apply_q(F, S, tau, tree, np.eye(10))
    _assert_qr(A, Q, R)


# ----------------------------------------------------------------------------- CholeskyQR

@pytest.mark.parametrize("kind", ["random", "kappa4", "graded_columns", "orthonormal"])
def test_cholesky_qr2_on_well_conditioned_input(kind):
    """kappa(A) (after column scaling, to which Cholesky is blind) well below eps^{-1/2}:
    CholeskyQR2 (Fukaya et al. 2014) is taken, at most two passes, and meets the bounds."""
    A = _tall(kind)
    X = np.empty_like(A)
    Rl, R, scale, passes, shifted, status = tsqr.cholesky_qr_factors(A, X)
    assert status == 0 and not shifted and passes <= 2
    Q, R2, status = tsqr.cholesky_qr(A)
    assert status == 0
    _assert_qr(A, Q, R2)


@pytest.mark.parametrize("kind", ["kappa10", "kappa15", "rank_deficient", "zero_column"])
def test_cholesky_qr_is_never_taken_unshifted_beyond_its_range(kind):
    """kappa(A) > eps^{-1/2}: plain CholeskyQR2 would lose orthogonality like
    kappa^2 eps.  The checks must either move to the shifted variant, whose result
    then meets the bounds, or refuse (status != 0: Householder TSQR takes over)."""
    A = _tall(kind)
    X = np.empty_like(A)
    Rl, R, scale, passes, shifted, status = tsqr.cholesky_qr_factors(A, X)
    assert status != 0 or shifted
    Q, R2, status = tsqr.cholesky_qr(A)
    if status == 0:
        _assert_qr(A, Q, R2)


def test_shifted_cholesky_qr3_handles_kappa_1e10():
    """Between eps^{-1/2} and the shifted variant's range (Fukaya et al. 2020, kappa up to
    ~u^{-1} / (mn)): shifted CholeskyQR3 runs and meets the bounds."""
    A = _tall("kappa10", m=200, n=8)
    X = np.empty_like(A)
    Rl, R, scale, passes, shifted, status = tsqr.cholesky_qr_factors(A, X)
    assert status == 0 and shifted and passes == 3
    Q, R2, status = tsqr.cholesky_qr(A)
    _assert_qr(A, Q, R2)


@pytest.mark.parametrize("kind", ["tiny", "huge", "subnormal"])
def test_cholesky_qr_rescales_out_of_range_input(kind):
    """Entries whose squares under- or overflow: the Gram matrix is taken of A times a
    power of two (exact), R scaled back, and the bounds hold as for unit scale."""
    A = _tall(kind)
    X = np.empty_like(A)
    Rl, R, scale, passes, shifted, status = tsqr.cholesky_qr_factors(A, X)
    assert status == 0 and scale != 1.0
    Q, R2, status = tsqr.cholesky_qr(A)
    _assert_qr(A, Q, R2)


def test_cholesky_qr_respects_the_shift_assumption_in_float32():
    """float32 with m n u > 1/1100: the shift s = 11 (mn + n(n+1)) u ||A||^2 would exceed
    ||A||^2 / 100, outside Fukaya et al.'s analysis; an ill-conditioned matrix is refused."""
    A = _tall("kappa7", m=3000, n=16).astype(np.float32)
    Q, R, status = tsqr.cholesky_qr(A)
    assert status == tsqr.CQR_NO_SHIFT


# ----------------------------------------------------------------------------- svd_tall

@pytest.mark.parametrize("kind", KINDS)
def test_svd_tall_meets_the_bounds_on_ill_conditioned_tall_matrices(kind):
    """The README's bounds (backward error, orthogonality, each sigma against mpmath)
    for every conditioning: CholeskyQR where its checks pass, TSQR elsewhere."""
    A = _tall(kind, m=120, n=12)
    U, s, Vt, info, path = tsqr.svd_tall_report(A.copy(), True, False)
    assert info == 0
    assert_svd(A, U, s, Vt)
    if kind in ("kappa10", "kappa15", "rank_deficient", "zero_column"):
        assert path != tsqr.PATH_CHOLESKY


@pytest.mark.parametrize("block_rows, fanout", [(120, 2), (50, 2), (7, 2), (9, 3)])
@pytest.mark.parametrize("kind", ["kappa15", "rank_deficient"])
def test_svd_tall_through_tsqr_for_any_block_count(kind, block_rows, fanout):
    """The Householder path with one, three (odd) and blocks shorter than n."""
    A = _tall(kind, m=120, n=12)
    U, s, Vt, info, path = tsqr.svd_tall_report(A.copy(), True, False, block_rows, fanout)
    assert info == 0 and path == tsqr.PATH_HOUSEHOLDER
    assert_svd(A, U, s, Vt)


@pytest.mark.parametrize("name", [k for k, a in gallery().items()
                                  if a.size and a.shape[0] >= a.shape[1]])
def test_svd_tall_on_the_gallery(name):
    A = gallery()[name]
    U, s, Vt, info = tsqr.svd_tall(np.array(A, order="C"), True, False)
    assert info == 0
    assert_svd(A, U, s, Vt)


@pytest.mark.parametrize("kind", ["random", "kappa10", "huge"])
def test_svd_tall_values_only(kind):
    A = _tall(kind, m=120, n=12)
    U, s, Vt, info = tsqr.svd_tall(A.copy(), False, False)
    assert info == 0 and U.size == 0 and Vt.size == 0
    from tests.checks import assert_singular_values
    assert_singular_values(A, s)


def test_svd_tall_full_matrices_gives_a_square_u():
    """full_matrices: the whole A by svd_dc (m x m U), same bounds."""
    A = _tall("random", m=60, n=9)
    U, s, Vt, info, path = tsqr.svd_tall_report(A.copy(), True, True)
    assert info == 0 and path == tsqr.PATH_FULL
    assert_svd(A, U, s, Vt, full_matrices=True)


@pytest.mark.parametrize("kind", ["random", "kappa4", "kappa10"])
def test_svd_tall_float32(kind):
    """float32: the same bounds in float32's eps."""
    A = _tall(kind, m=150, n=10).astype(np.float32)
    U, s, Vt, info = tsqr.svd_tall(A.copy(), True, False)
    assert info == 0
    assert_svd(A, U, s, Vt)


def test_svd_tall_reports_non_finite_input():
    """NaN in A (check_finite=False upstream): CholeskyQR refuses, TSQR carries the NaN
    to svd_dc, which reports info 3 instead of a silent answer."""
    A = _tall("random")
    A[5, 2] = np.nan
    U, s, Vt, info = tsqr.svd_tall(A, True, False)
    assert info > 0
