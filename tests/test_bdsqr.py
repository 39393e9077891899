"""The bidiagonal QR kernel on its own: the structured bidiagonal catalogue.

Demmel & Kahan (1990, thm. 5 and sec. 7) prove each singular value of a
bidiagonal matrix is computed to a relative error of a modest multiple of
n eps by their algorithm, however graded.  We check 8 n eps per value against
mpmath at 100 digits (the graded catalogue spans 40 decades, so 40 digits
would not resolve the small values), plus backward error and orthogonality
of the vectors in units of n eps.
"""
import numpy as np
import pytest

from fastsvd.kernels.bdsqr import bdsqr

from .checks import C_BACKWARD, C_ORTHO, reference_singular_values, relative_errors
from .gallery import bidiagonals

CASES = bidiagonals()


def _run(d0, e0, dtype=np.float64, vectors=True):
    n = d0.size
    d = d0.astype(dtype)
    e = np.r_[e0, 0.0].astype(dtype)
    p = n if vectors else 0
    Ut = np.eye(n, p, dtype=dtype)
    Vt = np.eye(n, p, dtype=dtype)
    info = bdsqr(d, e, Ut, Vt)
    return info, d, Ut, Vt


@pytest.mark.parametrize("name", sorted(CASES))
def test_relative_accuracy(name):
    d0, e0 = CASES[name]
    n = d0.size
    info, d, _, _ = _run(d0, e0, vectors=False)
    assert info == 0
    B = np.diag(d0) + np.diag(e0, 1)
    ref = reference_singular_values(B, digits=100)
    eps = np.finfo(np.float64).eps
    # an exactly singular B (a zero on the diagonal) has an exact zero singular
    # value: there the reference itself is ~1e-100 and the bound is absolute
    tiny = ref < 1e-80 * ref[0]
    rel = relative_errors(d[~tiny], ref[~tiny])
    assert rel.max(initial=0) <= 8 * n * eps, rel.max() / eps
    assert np.all(d[tiny] <= 8 * n * eps * ref[0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_vectors(name):
    d0, e0 = CASES[name]
    n = d0.size
    info, d, Ut, Vt = _run(d0, e0)
    assert info == 0
    B = np.diag(d0) + np.diag(e0, 1)
    eps = np.finfo(np.float64).eps
    scale = np.abs(B).max()
    R = (Ut.T * d) @ Vt - B
    assert np.linalg.norm(R / scale) <= C_BACKWARD * n * eps * np.linalg.norm(B / scale)
    assert np.linalg.norm(Ut @ Ut.T - np.eye(n)) <= C_ORTHO * n * eps
    assert np.linalg.norm(Vt @ Vt.T - np.eye(n)) <= C_ORTHO * n * eps
    # the values do not depend on whether vectors are wanted
    _, d_only, _, _ = _run(d0, e0, vectors=False)
    np.testing.assert_array_equal(d, d_only)


def test_large_random_blocked_rotations():
    """n = 400 exercises the buffered, column-blocked, parallel rotation path."""
    rng = np.random.default_rng(11)
    n = 400
    d0, e0 = rng.standard_normal(n), rng.standard_normal(n - 1)
    info, d, Ut, Vt = _run(d0, e0)
    assert info == 0
    B = np.diag(d0) + np.diag(e0, 1)
    eps = np.finfo(np.float64).eps
    assert np.linalg.norm((Ut.T * d) @ Vt - B) <= C_BACKWARD * n * eps * np.linalg.norm(B)
    assert np.linalg.norm(Ut @ Ut.T - np.eye(n)) <= C_ORTHO * n * eps
    assert np.linalg.norm(Vt @ Vt.T - np.eye(n)) <= C_ORTHO * n * eps


def test_iteration_cap_returns_status():
    """With maxitr = 0 nothing may iterate: the kernel must stop and say so."""
    rng = np.random.default_rng(1)
    d = rng.standard_normal(10)
    e = np.r_[rng.standard_normal(9), 0.0]
    info = bdsqr(d, e, np.empty((10, 0)), np.empty((10, 0)), 0)
    assert info > 0


def test_nan_terminates():
    """NaN never passes a convergence test; the cap must still end the loop."""
    d = np.array([1.0, np.nan, 2.0, 3.0])
    e = np.array([1.0, 1.0, 1.0, 0.0])
    info = bdsqr(d, e, np.empty((4, 0)), np.empty((4, 0)))
    assert info > 0 and np.isnan(d).all()
