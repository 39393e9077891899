"""Test matrices from the literature, reused by every method's tests.

Each entry is built from a fixed seed so failures reproduce.  ``gallery()``
returns ``{name: matrix}``; ``bidiagonals()`` returns ``{name: (d, e)}`` for the
bidiagonal kernels.  Sizes stay small enough that an mpmath reference is cheap.
"""
import functools

import numpy as np


def _orthogonal(n, rng):
    """Haar-distributed orthogonal matrix (QR of a Gaussian, signs fixed)."""
    z = rng.standard_normal((n, n))
    q, r = np.linalg.qr(z)
    return q * np.sign(np.diag(r))


def with_singular_values(s, m, n, seed=0):
    """``U diag(s) V^T`` with seeded Haar-random orthogonal factors."""
    rng = np.random.default_rng(seed)
    k = len(s)
    U = _orthogonal(m, rng)[:, :k]
    V = _orthogonal(n, rng)[:, :k]
    return (U * np.asarray(s, float)) @ V.T


def kahan(n, theta=1.2):
    """Kahan's matrix: upper triangular, badly conditioned, a trap for rank
    revealing QR (Kahan 1966; Higham, Accuracy and Stability, sec. 8.3)."""
    s, c = np.sin(theta), np.cos(theta)
    K = np.triu(-c * np.ones((n, n)), 1) + np.eye(n)
    return np.diag(s ** np.arange(n)) @ K


def hilbert(n):
    i = np.arange(n)
    return 1.0 / (i[:, None] + i[None, :] + 1.0)


@functools.lru_cache(maxsize=None)
def _gallery():
    rng = np.random.default_rng(20261123)
    g = {}
    g["random_square_30"] = rng.standard_normal((30, 30))
    g["random_tall_40x13"] = rng.standard_normal((40, 13))
    g["random_wide_11x37"] = rng.standard_normal((11, 37))
    g["random_very_tall_200x7"] = rng.standard_normal((200, 7))
    g["uniform_25x25"] = rng.random((25, 25))
    g["rank_deficient_30x20_r5"] = rng.standard_normal((30, 5)) @ rng.standard_normal((5, 20))
    g["rank_one_15x15"] = np.outer(rng.standard_normal(15), rng.standard_normal(15))
    g["zero_6x4"] = np.zeros((6, 4))
    g["identity_8"] = np.eye(8)
    g["hilbert_12"] = hilbert(12)
    g["kahan_30"] = kahan(30)
    g["graded_columns_20"] = rng.standard_normal((20, 20)) * np.logspace(0, -15, 20)[None, :]
    g["graded_rows_20"] = np.logspace(0, -15, 20)[:, None] * rng.standard_normal((20, 20))
    g["clustered_25"] = with_singular_values(1 + 1e-12 * np.arange(25), 25, 25, seed=1)
    g["repeated_20"] = with_singular_values(np.repeat([3.0, 2.0, 1e-3, 0.0], 5), 24, 20, seed=2)
    g["geometric_spectrum_30"] = with_singular_values(np.logspace(0, -14, 30), 30, 30, seed=3)
    g["orthogonal_16"] = _orthogonal(16, rng)
    g["huge_entries_10x8"] = 1e300 * rng.standard_normal((10, 8))
    g["tiny_entries_9x9"] = 1e-300 * rng.standard_normal((9, 9))
    g["subnormal_7x5"] = 1e-310 * rng.standard_normal((7, 5))
    g["mixed_scale_12"] = rng.standard_normal((12, 12)) * np.logspace(150, -150, 12)[None, :]
    g["row_1x9"] = rng.standard_normal((1, 9))
    g["column_9x1"] = rng.standard_normal((9, 1))
    g["scalar_1x1"] = np.array([[-2.5]])
    g["two_by_two"] = np.array([[1.0, 1e8], [0.0, 1e-8]])
    g["upper_bidiagonal_20"] = np.diag(rng.standard_normal(20)) + np.diag(rng.standard_normal(19), 1)
    g["wilkinson_like_21"] = np.diag(np.abs(np.arange(-10, 11)).astype(float)) + np.diag(np.ones(20), 1)
    g["empty_0x5"] = np.zeros((0, 5))
    g["empty_4x0"] = np.zeros((4, 0))
    g["empty_0x0"] = np.zeros((0, 0))
    for a in g.values():
        a.setflags(write=False)
    return g


def gallery():
    """``{name: read-only float64 matrix}``; copy before modifying."""
    return dict(_gallery())


def bidiagonals():
    """Structured upper bidiagonals ``{name: (d, e)}`` for the bidiagonal kernels."""
    rng = np.random.default_rng(7)
    b = {}
    b["random_50"] = (rng.standard_normal(50), rng.standard_normal(49))
    b["graded_down_30"] = (np.logspace(0, -40, 30), np.logspace(0, -40, 29) * 0.5)
    b["graded_up_30"] = (np.logspace(-40, 0, 30), np.logspace(-40, 0, 29) * 0.5)
    b["ones_40"] = (np.ones(40), np.ones(39))
    b["wilkinson_21"] = (np.abs(np.arange(-10, 11)).astype(float), np.ones(20))
    b["glued_30"] = (np.tile([1.0, 2.0, 3.0], 10), np.where(np.arange(29) % 3 == 2, 1e-14, 0.5))
    b["zero_diagonal_entry_10"] = (np.r_[np.ones(4), 0.0, np.ones(5)], np.ones(9))
    b["zero_offdiagonal_12"] = (rng.standard_normal(12), np.r_[np.ones(5), 0.0, np.ones(5)])
    b["tiny_16"] = (1e-300 * rng.standard_normal(16), 1e-300 * rng.standard_normal(15))
    b["huge_16"] = (1e300 * rng.standard_normal(16), 1e300 * rng.standard_normal(15))
    b["single"] = (np.array([-3.0]), np.zeros(0))
    b["pair"] = (np.array([1.0, 1e-20]), np.array([1e10]))
    b["clustered_30"] = (1 + 1e-13 * rng.standard_normal(30), 1e-7 * rng.standard_normal(29))
    return b
