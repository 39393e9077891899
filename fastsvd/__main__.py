"""``python -m fastsvd``: fastsvd against numpy on this machine, with the plans.

For a handful of matrices (square, tall, wide, graded, a stack of 3 x 3, and
a sparse one when the truncated solvers are installed) it shows what the
dispatcher chose and why, the time of fastsvd and of numpy (median of a few
runs after a warm-up that compiles or loads the kernels), and the accuracy
of both in units of eps.
"""
import sys
import time

import numpy as np

import fastsvd


def _median_time(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], out


def _backward(A, U, s, Vh):
    eps = np.finfo(A.dtype).eps
    R = A - (U * s[..., None, :]) @ Vh
    return np.linalg.norm(R) / (np.linalg.norm(A) * max(A.shape[-2:]) * eps)


def _graded(n, rng):
    """Columns scaled from 1 to 1e-20: singular values below eps * sigma_1, which only
    a method with high relative accuracy (Jacobi) gets right."""
    from fastsvd.kernels.qr import geqrf, orgqr
    Z = rng.standard_normal((n, n))
    tau = np.empty(n)
    geqrf(Z, tau)
    Q = np.empty((n, n))
    orgqr(Z, tau, Q)
    return (Q * np.linspace(1, 2, n)) * np.logspace(0, -20, n)


def _cases(rng):
    yield "square 500 x 500", rng.standard_normal((500, 500)), {}
    yield "tall 4000 x 200", rng.standard_normal((4000, 200)), {}
    yield "wide 100 x 2000", rng.standard_normal((100, 2000)), {}
    yield "square 400, values only", rng.standard_normal((400, 400)), {"compute_uv": False}
    yield "graded 40 x 40, accuracy='relative'", _graded(40, rng), {"accuracy": "relative"}
    yield "stack of 20000 3 x 3", rng.standard_normal((20000, 3, 3)), {}


def _say(msg):
    print(msg, flush=True)


def main(argv=None):
    rng = np.random.default_rng(2026)
    _say(f"fastsvd {fastsvd.__version__}: fastsvd vs numpy.linalg.svd on this machine")
    _say("(times are medians of 5 runs after a warm-up; error = backward error "
         "||A - U S Vh|| / (||A|| max(m,n) eps))\n")
    for name, A, kw in _cases(rng):
        _say(f"== {name}")
        uv = kw.get("compute_uv", True)
        plan_kw = {k: v for k, v in kw.items() if k in ("compute_uv", "accuracy")}
        _say("\n".join("   " + line for line in str(fastsvd.plan(A, full_matrices=False,
                                                                  **plan_kw)).splitlines()))
        _say("   compiling / loading kernels ...")
        t0 = time.perf_counter()
        fastsvd.svd(A, full_matrices=False, **kw)
        _say(f"   first call {time.perf_counter() - t0:.2f} s")
        tf, rf = _median_time(lambda: fastsvd.svd(A, full_matrices=False, **kw))
        tn, rn = _median_time(lambda: np.linalg.svd(A, full_matrices=False, compute_uv=uv))
        if uv:
            ef, en = _backward(A, *rf), _backward(A, *rn)
            acc = f"error fastsvd {ef:.2f}, numpy {en:.2f}"
        else:
            diff = np.abs(rf - rn).max() / (rn.max() * max(A.shape) * np.finfo(A.dtype).eps)
            acc = f"max |s - s_numpy| = {diff:.2f} max(m,n) eps s_1"
        try:
            import mpmath  # a test dependency: the reference is shown when it is there
        except ImportError:
            mpmath = None
        if "accuracy" in kw and mpmath is not None:
            with mpmath.workdps(60):
                ref = np.array(sorted((float(x) for x in mpmath.svd_r(mpmath.matrix(A.tolist()),
                                       compute_uv=False)), reverse=True))
            sf = rf.S if uv else rf
            sn = rn.S if uv else rn
            acc += (f"; worst relative error of a sigma: fastsvd "
                    f"{np.max(np.abs(sf - ref) / ref):.1e}, numpy {np.max(np.abs(sn - ref) / ref):.1e}")
        _say(f"   fastsvd {tf * 1e3:9.2f} ms   numpy {tn * 1e3:9.2f} ms   "
             f"ratio {tf / tn:5.2f}   {acc}\n")
    try:
        from fastsvd import svds
        import scipy.sparse
        import scipy.sparse.linalg
    except ImportError:
        return 0
    S = scipy.sparse.random(20000, 5000, density=1e-3, format="csr", random_state=1)
    _say("== sparse 20000 x 5000 (1e5 nonzeros), top 10 triplets")
    svds(S, k=10, random_state=0)
    tf, rf = _median_time(lambda: svds(S, k=10, random_state=0), 3)
    tn, rn = _median_time(lambda: scipy.sparse.linalg.svds(S, k=10, random_state=0), 3)
    _say(f"   fastsvd.svds {tf * 1e3:9.2f} ms   scipy svds (arpack) {tn * 1e3:9.2f} ms   "
         f"ratio {tf / tn:5.2f}   max |s - s_scipy| / s_1 = "
         f"{np.abs(np.sort(rf[1]) - np.sort(rn[1])).max() / rn[1].max():.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
