"""Divide and conquer SVD: fastsvd's svd_gesdd against numpy.linalg.svd
(LAPACK xGESDD, the same method), the implementation as a parameter.

Cases from the issue: thin SVD of 2000 x 2000, values only of 2000 x 2000, thin
SVD of 20000 x 500, each in float64 and float32.  Target: fastsvd at most 1.0x
numpy.  ``setup`` warms the JIT on a small matrix of the same dtype, so compile
time is not timed.  ``BidiagonalDC`` times the bidiagonal stage alone (bdsdc
against the QR iteration bdsqr on the same bidiagonal), the part this suite tracks.

Reproduce one row without asv::

    python -m benchmarks.bench_dc
"""
import time

import numpy as np

from fastsvd.kernels.bdsdc import bdsdc
from fastsvd.kernels.bdsqr import bdsqr
from fastsvd.kernels.gesdd import svd_gesdd

IMPLS = ["fastsvd", "numpy"]
CASES = {"2000x2000-thin": ((2000, 2000), True), "2000x2000-values": ((2000, 2000), False),
         "20000x500-thin": ((20000, 500), True)}
DTYPES = ["float64", "float32"]


def run(impl, A, compute_uv):
    if impl == "fastsvd":
        # the dc method's driver, as fastsvd.svd(method="dc") calls it (values only
        # from order 300 reduce in two stages)
        U, s, Vt, info = svd_gesdd(np.array(A, order="C"), compute_uv, False)
        return U, s, Vt
    return np.linalg.svd(A, full_matrices=False, compute_uv=compute_uv)


def warm(dtype):
    A = np.random.default_rng(0).standard_normal((300, 140)).astype(dtype)
    for uv in (True, False):
        run("fastsvd", A, uv)
        run("fastsvd", A[:200], uv)
    # values only from order 300 take the two-stage kernels: warm them too
    run("fastsvd", np.random.default_rng(0).standard_normal((340, 310)).astype(dtype), False)


class DenseDC:
    params = [IMPLS, list(CASES), DTYPES]
    param_names = ["impl", "case", "dtype"]
    timeout = 900

    def setup(self, impl, case, dtype):
        warm(dtype)
        shape, self.uv = CASES[case]
        self.A = np.random.default_rng(1).standard_normal(shape).astype(dtype)

    def time_svd(self, impl, case, dtype):
        run(impl, self.A, self.uv)

    def track_backward_error(self, impl, case, dtype):
        if not self.uv:
            return 0.0
        U, s, Vh = run(impl, self.A, True)
        A = self.A.astype(np.float64)
        R = A - (U.astype(np.float64) * s) @ Vh.astype(np.float64)
        eps = np.finfo(dtype).eps
        return float(np.linalg.norm(R) / (np.linalg.norm(A) * max(A.shape) * eps))
    track_backward_error.unit = "max(m,n) eps"


def gaussian_bidiagonal(n, seed=2):
    """The bidiagonal Householder reduction makes of an n x n Gaussian matrix
    (chi-distributed entries, Edelman 1989): little deflation, the costly case."""
    rng = np.random.default_rng(seed)
    return (np.sqrt(rng.chisquare(np.arange(n, 0, -1))),
            np.sqrt(rng.chisquare(np.arange(n - 1, 0, -1))))


def run_bidiagonal(impl, d, e, vectors):
    n = d.size
    d = d.copy()
    e = e.copy()
    if impl == "bdsdc":
        shape = (n, n) if vectors else (0, 0)
        bdsdc(d, e, np.empty(shape, d.dtype), np.empty(shape, d.dtype), vectors)
    else:
        k = n if vectors else 0
        bdsqr(d, e, np.eye(n, k, dtype=d.dtype), np.eye(n, k, dtype=d.dtype))
    return d


class BidiagonalDC:
    params = [["bdsdc", "bdsqr"], [500, 2000], ["vectors", "values"]]
    param_names = ["impl", "n", "mode"]
    timeout = 900

    def setup(self, impl, n, mode):
        d, e = gaussian_bidiagonal(50)
        run_bidiagonal(impl, d, e, True)
        run_bidiagonal(impl, d, e, False)
        self.d, self.e = gaussian_bidiagonal(n)

    def time_bidiagonal(self, impl, n, mode):
        run_bidiagonal(impl, self.d, self.e, mode == "vectors")


def _best_of(f, reps=3):
    best = np.inf
    for _ in range(reps):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


if __name__ == "__main__":
    for dtype in DTYPES:
        warm(dtype)
        for case, (shape, uv) in CASES.items():
            A = np.random.default_rng(1).standard_normal(shape).astype(dtype)
            t = {impl: _best_of(lambda: run(impl, A, uv)) for impl in IMPLS}
            print(f"{case:18s} {dtype}: fastsvd {t['fastsvd']:.3f} s  numpy {t['numpy']:.3f} s"
                  f"  ratio {t['fastsvd'] / t['numpy']:.2f}")
    for n in (500, 2000):
        d, e = gaussian_bidiagonal(n)
        for mode in ("vectors", "values"):
            t = {impl: _best_of(lambda: run_bidiagonal(impl, d, e, mode == "vectors"))
                 for impl in ("bdsdc", "bdsqr")}
            print(f"bidiagonal n={n} {mode}: bdsdc {t['bdsdc']:.3f} s  bdsqr {t['bdsqr']:.3f} s")
