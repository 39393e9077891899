"""Dense SVD: fastsvd against numpy (gesdd) and scipy (gesvd), the implementation
as a parameter so one asv table shows the ratio.

Shapes: square 50, 200, 1000; tall 20000 x 500; wide 500 x 20000;
float64 and float32; thin SVD with vectors, and values only.  ``setup`` warms
the JIT on a small matrix of the same dtype, so compile time is not timed here
(see bench_jit.py).  Each ``time_*`` has a ``track_*`` twin charting the
backward error in units of max(m, n) eps, so accuracy is seen beside speed.
"""
import numpy as np
import scipy.linalg

import fastsvd

IMPLS = ["fastsvd", "numpy", "scipy_gesvd"]
SHAPES = {"50x50": (50, 50), "200x200": (200, 200), "1000x1000": (1000, 1000),
          "20000x500": (20000, 500), "500x20000": (500, 20000)}
DTYPES = ["float64", "float32"]
MODES = ["thin", "values"]


def run(impl, A, mode):
    compute_uv = mode == "thin"
    if impl == "fastsvd":
        return fastsvd.svd(A, full_matrices=False, compute_uv=compute_uv)
    if impl == "numpy":
        return np.linalg.svd(A, full_matrices=False, compute_uv=compute_uv)
    return scipy.linalg.svd(A, full_matrices=False, compute_uv=compute_uv,
                            lapack_driver="gesvd", check_finite=False)


def warm(dtype):
    A = np.random.default_rng(0).standard_normal((300, 140)).astype(dtype)
    for mode in MODES:
        run("fastsvd", A, mode)
        run("fastsvd", A.T, mode)
        run("fastsvd", A[:200], mode)


class DenseSVD:
    params = [IMPLS, list(SHAPES), DTYPES, MODES]
    param_names = ["impl", "shape", "dtype", "mode"]
    timeout = 600

    def setup(self, impl, shape, dtype, mode):
        warm(dtype)
        self.A = np.random.default_rng(1).standard_normal(SHAPES[shape]).astype(dtype)

    def time_svd(self, impl, shape, dtype, mode):
        run(impl, self.A, mode)

    def track_backward_error(self, impl, shape, dtype, mode):
        if mode != "thin":
            return 0.0
        U, s, Vh = run(impl, self.A, mode)
        A = self.A.astype(np.float64)
        R = A - (U.astype(np.float64) * s) @ Vh.astype(np.float64)
        eps = np.finfo(dtype).eps
        return float(np.linalg.norm(R) / (np.linalg.norm(A) * max(A.shape) * eps))
    track_backward_error.unit = "max(m,n) eps"
