"""Bidiagonal divide and conquer (fastsvd.kernels.bdsdc), organised by property.

Every bound is in units of epsilon (tests/checks.py): backward error
``||B - U S Vt||_F / (||B||_F n eps) <= C_BACKWARD``, orthogonality
``||U^T U - I||_F / (n eps) <= C_ORTHO`` and each sigma within
``C_SIGMA n eps sigma_1`` of the reference.  Divide and conquer is backward
stable with absolute (not relative) accuracy of the singular values
(Gu & Eisenstat 1995, sec. 4), which is what these constants state.
"""
import numpy as np
import pytest
import scipy.linalg

from fastsvd.kernels.bdsdc import bdsdc
from fastsvd.kernels.secular import arrow_vector, lowner_z, secular_root

from .checks import C_SIGMA, assert_singular_values, assert_svd, eps_of
from .gallery import bidiagonals


def dense(d, e):
    n = len(d)
    B = np.diag(np.asarray(d, np.float64))
    if n > 1:
        B += np.diag(np.asarray(e[:n - 1], np.float64), 1)
    return B


def solve(d, e, vectors=True, leaf_size=25, dtype=np.float64, max_iter=64):
    n = len(d)
    d = np.array(d, dtype)
    e = np.array(e, dtype) if n > 1 else np.zeros(0, dtype)
    shape = (n, n) if vectors else (0, 0)
    U = np.zeros(shape, dtype)
    Vt = np.zeros(shape, dtype)
    info = bdsdc(d, e, U, Vt, vectors, leaf_size, max_iter)
    return U, d, Vt, info


CATALOGUE = bidiagonals()


# --- the bidiagonal catalogue, with leaves of 1 row (pure merges), 3 rows (deep
# recursion over bdsqr leaves) and the default 25 -----------------------------------

@pytest.mark.parametrize("leaf_size", [1, 3, 25])
@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_vectors(name, leaf_size):
    d, e = CATALOGUE[name]
    U, s, Vt, info = solve(d, e, leaf_size=leaf_size)
    assert info == 0
    assert_svd(dense(d, e), U, s, Vt)


@pytest.mark.parametrize("leaf_size", [1, 25])
@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_values_only(name, leaf_size):
    d, e = CATALOGUE[name]
    _, s, _, info = solve(d, e, vectors=False, leaf_size=leaf_size)
    assert info == 0
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0)
    assert_singular_values(dense(d, e), s)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_values_only_matches_vectors(name):
    """Both paths run the same merges: same deflations, same roots."""
    d, e = CATALOGUE[name]
    _, s1, _, _ = solve(d, e, vectors=True)
    _, s2, _, _ = solve(d, e, vectors=False)
    n = len(d)
    # same secular roots up to the different (but equally accurate) z of each path
    assert np.all(np.abs(s1 - s2) <= 2 * n * eps_of(np.float64) * max(s1[0], 1e-300))


# --- structures that exercise deflation ---------------------------------------------

def deflation_cases():
    rng = np.random.default_rng(11)
    c = {}
    # many repeated sigma: a direct sum of identical blocks glued by zero / tiny e
    block_d, block_e = rng.standard_normal(7), rng.standard_normal(6)
    # (sizes stay under ~50 so that the mpmath reference stays cheap)
    c["repeated_blocks_zero_glue_49"] = (np.tile(block_d, 7), np.r_[
        np.concatenate([np.r_[block_e, 0.0] for _ in range(7)])[:48]])
    c["repeated_blocks_tiny_glue_49"] = (np.tile(block_d, 7), np.r_[
        np.concatenate([np.r_[block_e, 1e-17] for _ in range(7)])[:48]])
    # identity-like: all sigma equal, z all but zero
    c["near_identity_40"] = (np.ones(40), 1e-18 * rng.standard_normal(39))
    c["equal_diagonal_40"] = (np.full(40, 2.0), np.r_[np.zeros(19), 1.0, np.zeros(19)])
    # z with tiny entries: strongly graded couplings
    c["tiny_couplings_40"] = (rng.standard_normal(40), rng.standard_normal(39) * np.logspace(0, -30, 39))
    c["graded_both_48"] = (np.logspace(0, -60, 48), np.logspace(-1, -61, 47))
    c["zero_diagonal_40"] = (np.zeros(40), rng.standard_normal(39))
    c["zero_superdiagonal_40"] = (rng.standard_normal(40), np.zeros(39))
    c["all_zero_9"] = (np.zeros(9), np.zeros(8))
    c["clusters_45"] = (np.repeat([3.0, 1.0, 1e-9], 15) * (1 + 1e-15 * rng.standard_normal(45)),
                        1e-9 * rng.standard_normal(44))
    c["two_scales_50"] = (np.r_[np.full(25, 1e150), np.full(25, 1e-150)], np.full(49, 1.0))
    return c


DEFLATION = deflation_cases()


@pytest.mark.parametrize("leaf_size", [1, 3, 25])
@pytest.mark.parametrize("name", sorted(DEFLATION))
def test_deflation_cases(name, leaf_size):
    d, e = DEFLATION[name]
    U, s, Vt, info = solve(d, e, leaf_size=leaf_size)
    assert info == 0
    assert_svd(dense(d, e), U, s, Vt)
    _, s2, _, info2 = solve(d, e, vectors=False, leaf_size=leaf_size)
    assert info2 == 0
    assert_singular_values(dense(d, e), s2)


# --- random bidiagonals, larger sizes (LAPACK's singular values as the reference) --

def reference_values_lapack(d, e):
    """Singular values of the bidiagonal as the non-negative eigenvalues of its
    Golub-Kahan tridiagonal (zero diagonal, off-diagonal d_0, e_0, d_1, ...), by
    LAPACK's tridiagonal eigensolver: O(n^2), absolute accuracy eps sigma_1."""
    n = len(d)
    off = np.empty(2 * n - 1)
    off[0::2] = d
    off[1::2] = e[:n - 1]
    w = scipy.linalg.eigvalsh_tridiagonal(np.zeros(2 * n), off)
    return np.sort(np.abs(w[n:]))[::-1]


def assert_values_close(s, ref, n, dtype=np.float64):
    # LAPACK's own values carry a few eps sigma_1 of error: the bound is C_SIGMA
    # n eps sigma_1 on the difference of two backward-stable results
    err = np.abs(s.astype(np.float64) - ref).max() / (n * eps_of(dtype) * ref[0])
    assert err <= C_SIGMA, err


@pytest.mark.slow
@pytest.mark.parametrize("n", [100, 500, 2000])
def test_random_bidiagonal(n):
    rng = np.random.default_rng(n)
    d, e = rng.standard_normal(n), rng.standard_normal(n - 1)
    U, s, Vt, info = solve(d, e)
    assert info == 0
    ref = reference_values_lapack(d, e)
    assert_values_close(s, ref, n)
    if n <= 500:  # the dense checks cost O(n^3) in numpy; n = 500 covers the vectors
        assert_svd(dense(d, e), U, s, Vt, reference=False)
    _, s2, _, info2 = solve(d, e, vectors=False)
    assert info2 == 0
    assert_values_close(s2, ref, n)


@pytest.mark.slow
@pytest.mark.parametrize("n", [300, 800])
def test_bidiagonal_of_gaussian_matrix(n):
    """The bidiagonal that Householder reduction of an n x n Gaussian matrix gives
    (chi-distributed entries, Edelman): little deflation, the costly case."""
    rng = np.random.default_rng(n + 1)
    d = np.sqrt(rng.chisquare(np.arange(n, 0, -1)))
    e = np.sqrt(rng.chisquare(np.arange(n - 1, 0, -1)))
    U, s, Vt, info = solve(d, e)
    assert info == 0
    assert_values_close(s, reference_values_lapack(d, e), n)
    assert_svd(dense(d, e), U, s, Vt, reference=False)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 13, 26, 27, 51])
def test_small_sizes_every_leaf_size(n):
    rng = np.random.default_rng(100 + n)
    d, e = rng.standard_normal(n), rng.standard_normal(max(n - 1, 0))
    for leaf_size in (1, 2, 3, 25):
        U, s, Vt, info = solve(d, e, leaf_size=leaf_size)
        assert info == 0
        assert_svd(dense(d, e), U, s, Vt)


@pytest.mark.parametrize("name", ["random_50", "graded_down_30", "clustered_30", "wilkinson_21"])
def test_float32(name):
    d, e = CATALOGUE[name]
    # the float32 problem is the rounded one: its own reference
    B32 = dense(d, e).astype(np.float32)
    d32 = np.diag(B32).copy()
    e32 = np.diag(B32, 1).copy()
    U, s, Vt, info = solve(d32, e32, dtype=np.float32)
    assert info == 0
    assert U.dtype == np.float32 and s.dtype == np.float32
    assert_svd(B32.astype(np.float64), U, s, Vt)


def test_input_not_modified_beyond_contract_and_empty():
    U, s, Vt, info = solve(np.zeros(0), np.zeros(0))
    assert info == 0 and s.size == 0


# --- the secular equation -----------------------------------------------------------

def arrow(K, rng, kind):
    d = np.sort(rng.random(K))
    if kind == "graded":
        d = np.sort(rng.random(K)) ** 8
    if kind == "tight":
        d = 0.5 + 1e-12 * np.arange(K)
    d[0] = 0.0
    z = rng.standard_normal(K)
    if kind == "tiny_z":
        z *= np.logspace(0, -13, K)
    return d, z / max(1.0, np.abs(z).max())


@pytest.mark.parametrize("kind", ["uniform", "graded", "tight", "tiny_z"])
def test_secular_roots_interlace_and_converge_fast(kind):
    """Each root lies in its interval, |f| is at rounding level, and the safeguarded
    rational iteration needs few evaluations (xLASD4 takes 2-4 after a better
    initial guess; ours starts from the middle of the interval)."""
    rng = np.random.default_rng(5)
    K = 200
    d, z = arrow(K, rng, kind)
    eps = 2.0 ** -53
    for i in range(K):
        o, tau, info = secular_root(d, z, K, i, eps, 12)
        assert info == 0, (i, "needed more than 12 iterations")
        sigma = d[o] + tau
        assert d[i] <= sigma
        if i < K - 1:
            assert sigma <= d[i + 1]
        # secular function at the root, with the same cancellation-free differences
        terms = z * z / (((d - d[o]) - tau) * (d + d[o] + tau))
        f = 1.0 + terms.sum()
        assert abs(f) <= 100 * K * eps * (1 + np.abs(terms).sum())


def test_secular_root_reports_iteration_cap():
    rng = np.random.default_rng(6)
    d, z = arrow(50, rng, "uniform")
    statuses = [secular_root(d, z, 50, i, 2.0 ** -53, 1)[2] for i in range(50)]
    assert max(statuses) == 1


def test_bdsdc_reports_iteration_cap():
    rng = np.random.default_rng(7)
    d, e = rng.standard_normal(60), rng.standard_normal(59)
    _, _, _, info = solve(d, e, leaf_size=1, max_iter=1)
    assert info == 1


def test_arrow_vectors_orthogonal_through_lowner_z():
    """Vectors from Lowner's zhat are orthogonal to working precision even for
    poles 1e-12 apart, where vectors from the original z are not (Gu & Eisenstat,
    sec. 3.2)."""
    rng = np.random.default_rng(8)
    K = 80
    d, z = arrow(K, rng, "tight")
    eps = 2.0 ** -53
    orig = np.empty(K, np.int64)
    taus = np.empty(K)
    for i in range(K):
        orig[i], taus[i], info = secular_root(d, z, K, i, eps, 64)
        assert info == 0
    zhat = np.empty(K)
    lowner_z(d, z, K, orig, taus, zhat)
    # zhat is a small perturbation of z (backward error of the merge)
    assert np.abs(zhat - z).max() <= 100 * K * eps * np.abs(z).max()
    Uq = np.empty((K, K))
    Vq = np.empty((K, K))
    for j in range(K):
        arrow_vector(d, zhat, K, orig[j], taus[j], Uq[j], Vq[j])
    for Q in (Uq, Vq):
        assert np.linalg.norm(Q @ Q.T - np.eye(K)) / (K * eps) <= 8
    # and they diagonalise the arrow built from zhat
    M = np.diag(d) + np.outer(np.eye(K)[0], zhat)
    S = d[orig] + taus
    R = Uq @ M @ Vq.T - np.diag(S)
    assert np.linalg.norm(R) / (np.linalg.norm(M) * K * eps) <= 4
