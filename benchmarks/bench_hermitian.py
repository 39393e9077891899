"""SVD of a symmetric matrix: fastsvd's eigen-decomposition route against numpy's
``svd(hermitian=True)`` (LAPACK xSYEVD through ``eigh``) and against fastsvd's
own general SVD of the same matrix, the implementation as a parameter so one
asv table shows both ratios.

Orders 200 and 1000, float64 and float32, with vectors and values only.
``setup`` warms the JIT on a small matrix of the same dtype, so compile time is
not timed here.  Each ``time_*`` has a ``track_*`` twin charting the backward
error in units of n eps, so accuracy is seen beside speed.
"""
import numpy as np

import fastsvd
from fastsvd.kernels.syevd import svd_hermitian

IMPLS = ["fastsvd_hermitian", "numpy_hermitian", "fastsvd_general"]
ORDERS = [200, 1000]
DTYPES = ["float64", "float32"]
MODES = ["vectors", "values"]


def run(impl, A, mode):
    compute_uv = mode == "vectors"
    if impl == "fastsvd_hermitian":
        U, s, Vt, info = svd_hermitian(A.copy(), compute_uv, True)
        if info != 0:
            raise RuntimeError(f"svd_hermitian status {info}")
        return (U, s, Vt) if compute_uv else s
    if impl == "numpy_hermitian":
        return np.linalg.svd(A, compute_uv=compute_uv, hermitian=True)
    return fastsvd.svd(A, full_matrices=False, compute_uv=compute_uv)


def symmetric(n, dtype, seed=1):
    B = np.random.default_rng(seed).standard_normal((n, n))
    return np.ascontiguousarray((B + B.T).astype(dtype))


def warm(dtype):
    A = symmetric(80, dtype, seed=0)
    for impl in IMPLS:
        for mode in MODES:
            run(impl, A, mode)


class HermitianSVD:
    params = [IMPLS, ORDERS, DTYPES, MODES]
    param_names = ["impl", "n", "dtype", "mode"]
    timeout = 600

    def setup(self, impl, n, dtype, mode):
        warm(dtype)
        self.A = symmetric(n, dtype)

    def time_svd(self, impl, n, dtype, mode):
        run(impl, self.A, mode)

    def track_backward_error(self, impl, n, dtype, mode):
        if mode != "vectors":
            return 0.0
        U, s, Vh = run(impl, self.A, mode)
        A = self.A.astype(np.float64)
        R = A - (U.astype(np.float64) * s) @ Vh.astype(np.float64)
        eps = np.finfo(dtype).eps
        return float(np.linalg.norm(R) / (np.linalg.norm(A) * n * eps))
    track_backward_error.unit = "n eps"
