"""The public functions are callable from a user's own @njit code."""
import numba
import numpy as np
import pytest

import fastsvd

from .checks import assert_svd


@numba.njit
def _loop_smallest(stack):
    out = np.empty(stack.shape[0])
    for i in range(stack.shape[0]):
        out[i] = fastsvd.svdvals(stack[i])[-1]
    return out


@numba.njit
def _thin(a):
    return fastsvd.svd(a, False)


@numba.njit
def _full(a):
    return fastsvd.svd(a)


@numba.njit
def _values(a):
    return fastsvd.svd(a, compute_uv=False)


def test_jitted_loop_matches_python_api():
    rng = np.random.default_rng(0)
    stack = rng.standard_normal((5, 6, 4))
    # the same kernel per slice, so the same bits (a stack given to the Python API
    # whole goes to the batched Jacobi kernel instead: equal to rounding)
    per_slice = np.array([fastsvd.svdvals(a)[-1] for a in stack])
    np.testing.assert_array_equal(_loop_smallest(stack), per_slice)
    eps = np.finfo(np.float64).eps
    sigma1 = fastsvd.svdvals(stack)[:, 0]
    # both backward stable: each sigma within 4 max(m, n) eps sigma_1 of the truth
    assert np.all(np.abs(fastsvd.svdvals(stack)[:, -1] - per_slice) <= 2 * 4 * 6 * eps * sigma1)


@pytest.mark.parametrize("shape", [(7, 4), (4, 7), (30, 30), (1, 5)])
def test_jitted_svd_is_an_svd(shape):
    A = np.random.default_rng(1).standard_normal(shape)
    U, s, Vh = _thin(A)
    assert_svd(A, U, s, Vh, full_matrices=False)
    U, s, Vh = _full(A)
    assert_svd(A, U, s, Vh, full_matrices=True, reference=False)
    np.testing.assert_allclose(_values(A), s, rtol=1e-14)


def test_jitted_float32_and_ints():
    A = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert _values(A).dtype == np.float32
    assert _values(np.arange(12).reshape(3, 4)).dtype == np.float64


def test_jitted_empty():
    U, s, Vh = _full(np.zeros((3, 0)))
    assert U.shape == (3, 3) and s.shape == (0,) and Vh.shape == (0, 0)


def test_jitted_non_finite_raises():
    A = np.eye(3)
    A[0, 1] = np.nan
    with pytest.raises(np.linalg.LinAlgError, match="NaN"):
        _values(A)
