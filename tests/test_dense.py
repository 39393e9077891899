"""The dense SVD contract, checked on the whole gallery for every dense method.

Bounds (tests/checks.py): backward error <= 4 and orthogonality <= 8 in units
of max(m, n) eps, each sigma within 4 max(m, n) eps sigma_1 of mpmath's.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fastsvd
from fastsvd._dispatch import available

from .checks import assert_svd, backward_error, orthogonality
from .gallery import gallery

GALLERY = gallery()
NONEMPTY = [k for k, v in GALLERY.items() if v.size]
METHODS = ["qr", "auto"] + [m for m in ("dc", "jacobi") if available(m)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", NONEMPTY)
def test_gallery_thin(method, name):
    A = GALLERY[name]
    U, s, Vh = fastsvd.svd(A, full_matrices=False, method=method)
    assert_svd(A, U, s, Vh, full_matrices=False)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", NONEMPTY)
def test_gallery_full(method, name):
    A = GALLERY[name]
    U, s, Vh = fastsvd.svd(A, full_matrices=True, method=method)
    assert_svd(A, U, s, Vh, full_matrices=True, reference=False)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", NONEMPTY)
def test_values_only_match_vectors_path(method, name):
    """Values-only and with-vectors runs see the same bidiagonal and the same
    sweeps, so for the QR method they agree to the last bit; other methods
    must at least meet the reference bound."""
    A = GALLERY[name]
    s = fastsvd.svd(A, compute_uv=False, method=method)
    s_uv = fastsvd.svd(A, full_matrices=False, method=method).S
    if method == "qr":
        np.testing.assert_array_equal(s, s_uv)
    from .checks import assert_singular_values
    assert_singular_values(A, s)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(60, 60), (150, 40), (40, 150), (300, 300)])
def test_random_blocked_paths(dtype, shape):
    """Sizes past the blocking crossovers (128 for the reduction, QR first at m >= 1.6 n)."""
    rng = np.random.default_rng(sum(shape))
    A = rng.standard_normal(shape).astype(dtype)
    U, s, Vh = fastsvd.svd(A, full_matrices=False, method="qr")
    assert U.dtype == s.dtype == Vh.dtype == dtype
    # float32: the bounds scale with float32's eps; the mpmath reference is for
    # the float32 matrix itself, so it is exact for it.
    assert_svd(A, U, s, Vh, reference=shape[0] * shape[1] <= 10000)


@settings(max_examples=40, deadline=None)
@given(
    A=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
                 elements=st.floats(-1e3, 1e3, allow_nan=False, width=64)),
    scale=st.sampled_from([1e-250, 1e-20, 1.0, 1e20, 1e250]),
)
def test_property_any_shape_and_scale(A, scale):
    """Backward stability does not depend on shape or on the scale of the entries."""
    A = A * scale
    U, s, Vh = fastsvd.svd(A, full_matrices=False, method="qr")
    assert backward_error(A, U, s, Vh) <= 4
    assert orthogonality(U) <= 8 and orthogonality(Vh.T) <= 8
    assert np.all(np.diff(s) <= 0) and np.all(s >= 0)
