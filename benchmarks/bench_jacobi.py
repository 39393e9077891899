"""One-sided Jacobi and batched small SVDs against numpy (LAPACK gesdd), the
implementation as a parameter.

* ``JacobiSquare``: preconditioned Jacobi (``svd_jacobi``: pivoted QR, then
  the D&C preconditioner and a Jacobi polish) on a 500x500 Gaussian matrix,
  with and without vectors (target: within 3x of gesdd);
* ``Batched``: stacks ``(100000, 3, 3)`` (target >= 10x numpy's stacked
  ``svd`` throughput), ``(20000, 8, 8)`` and ``(2000, 32, 32)`` (>= 3x), with vectors.

Every ``setup`` runs the kernels once on a small input, so compile time is not
timed.  Run as asv benchmarks, or directly for a table of medians and ratios:
``python benchmarks/bench_jacobi.py``.
"""
import time

import numpy as np

from fastsvd.kernels.batched import svd_batched
from fastsvd.kernels.gejsv import svd_jacobi

IMPLS = ["fastsvd", "numpy"]
STACKS = {"100000x3x3": (100000, 3, 3), "20000x8x8": (20000, 8, 8), "2000x32x32": (2000, 32, 32)}


def _warm():
    rng = np.random.default_rng(0)
    for compute_uv in (True, False):
        # 12 x 9: QR-preconditioned Jacobi alone; 60 x 50 also the D&C preconditioner
        for shape in ((12, 9), (60, 50)):
            svd_jacobi(rng.standard_normal(shape), compute_uv, False)
    for shape in ((4, 3, 3), (4, 8, 8), (4, 2, 2)):
        svd_batched(rng.standard_normal(shape), True, False)


class JacobiSquare:
    params = [IMPLS, [True, False]]
    param_names = ["impl", "compute_uv"]
    timeout = 300

    def setup(self, impl, compute_uv):
        _warm()
        self.A = np.random.default_rng(1).standard_normal((500, 500))

    def time_svd(self, impl, compute_uv):
        if impl == "fastsvd":
            # the driver may overwrite its input, as the API's copy would allow
            svd_jacobi(self.A.copy(), compute_uv, False)
        else:
            np.linalg.svd(self.A, compute_uv=compute_uv)


class Batched:
    params = [IMPLS, list(STACKS)]
    param_names = ["impl", "stack"]
    timeout = 300

    def setup(self, impl, stack):
        _warm()
        self.A = np.random.default_rng(2).standard_normal(STACKS[stack])

    def time_svd(self, impl, stack):
        if impl == "fastsvd":
            svd_batched(self.A, True, False)
        else:
            np.linalg.svd(self.A, full_matrices=False)


def _main():  # pragma: no cover - one-shot table for the issue notes
    def medians(f, g, repeat):
        """Medians of ``f`` and ``g`` timed alternately (the machine is shared:
        a burst of load then hits both sides alike)."""
        tf, tg = [], []
        for _ in range(repeat):
            for fun, times in ((f, tf), (g, tg)):
                t = time.perf_counter()
                fun()
                times.append(time.perf_counter() - t)
        return float(np.median(tf)), float(np.median(tg))

    _warm()
    print("case                      fastsvd[s]   numpy[s]   numpy/fastsvd (medians)")
    A = np.random.default_rng(1).standard_normal((500, 500))
    for compute_uv in (True, False):
        tf, tn = medians(lambda: svd_jacobi(A.copy(), compute_uv, False),
                         lambda: np.linalg.svd(A, compute_uv=compute_uv), 7)
        print(f"jacobi 500x500 uv={compute_uv!s:5s}   {tf:9.4f}  {tn:9.4f}   {tn / tf:6.2f}")
    for name, shape in STACKS.items():
        S = np.random.default_rng(2).standard_normal(shape)
        tf, tn = medians(lambda: svd_batched(S, True, False),
                         lambda: np.linalg.svd(S, full_matrices=False), 9)
        print(f"batched {name:12s} uv     {tf:9.4f}  {tn:9.4f}   {tn / tf:6.2f}")


if __name__ == "__main__":
    _main()
