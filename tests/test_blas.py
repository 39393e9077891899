"""BLAS wrappers on strided row-major views (fastsvd.kernels.blas), by property."""
import numpy as np
import pytest

from fastsvd.kernels.blas import syrk_upper


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_syrk_upper_is_the_gram_matrix_on_views(dtype):
    """``C <- alpha A A^T + beta C`` on the upper triangle, for a strided view
    ``A`` and a view ``C``; the strictly lower triangle is left alone.  The bound
    is the dot products' rounding, ``k eps |A||A^T|`` entrywise."""
    rng = np.random.default_rng(0)
    big = rng.standard_normal((9, 15)).astype(dtype)
    A = big[1:8, 2:13]                      # 7 x 11, row stride 15
    Cbig = np.full((10, 10), 7.0, dtype)
    C = Cbig[1:8, 2:9]                      # 7 x 7, row stride 10
    syrk_upper(2.0, A, 0.5, C)
    want = 2.0 * (A.astype(np.float64) @ A.T) + 0.5 * 7.0
    iu = np.triu_indices(7)
    eps = np.finfo(dtype).eps
    bound = 2 * A.shape[1] * eps * 2.0 * (np.abs(A) @ np.abs(A).T)
    assert np.all(np.abs(C[iu] - want[iu]) <= bound[iu] + 4 * eps * 3.5)
    assert np.all(C[np.tril_indices(7, -1)] == 7.0)
    assert np.all(Cbig[0] == 7.0) and np.all(Cbig[:, 9] == 7.0)
