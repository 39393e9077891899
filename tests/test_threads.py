"""Several Python threads calling fastsvd at once get correct results.

The kernels release the GIL (nogil=True) and the threading layer is a
thread-safe one (fastsvd/_jit.py), so concurrent calls really run in parallel.
"""
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

import fastsvd


def test_threading_layer_is_thread_safe():
    fastsvd.svd(np.random.default_rng(0).standard_normal((300, 300)))  # runs a parallel kernel
    assert numba.threading_layer() in ("tbb", "omp")


def test_concurrent_calls_agree_with_serial():
    rng = np.random.default_rng(3)
    mats = [rng.standard_normal((n, n - 7)) for n in (60, 200, 260, 90, 300, 150)] * 2
    serial = [fastsvd.svd(A, full_matrices=False) for A in mats]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda A: fastsvd.svd(A, full_matrices=False), mats))
    for (U1, s1, V1), (U2, s2, V2) in zip(serial, parallel):
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(U1, U2)
        np.testing.assert_array_equal(V1, V2)
