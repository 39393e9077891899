"""The dispatcher: pure Python, read as a table.

``choose(...)`` maps what is known about a problem (input kind, shape, dtype,
how many triplets, whether vectors are wanted, the accuracy target) to a
:class:`Plan`: the method, the preprocessing, the fallbacks, and the reasons.
``fastsvd.plan`` returns it so a user can see why.

Crossovers are named constants with their provenance.
"""
import importlib
from dataclasses import dataclass, field

#: Dense methods: name -> (module, driver function).  Every driver follows the
#: contract ``driver(A, compute_uv, full_matrices) -> (U, s, Vt, info)`` on a
#: C-contiguous float32/float64 ``m x n`` array with ``m >= n >= 1``.
DENSE_DRIVERS = {
    "qr": ("fastsvd.kernels.gesvd", "svd_qr"),
    "dc": ("fastsvd.kernels.gesdd", "svd_gesdd"),
    "jacobi": ("fastsvd.kernels.gejsv", "svd_jacobi"),
    "hermitian": ("fastsvd.kernels.syevd", "svd_hermitian"),
    "tall": ("fastsvd.kernels.tsqr", "svd_tall"),
}
#: What each method is, in one line, for plan() and the docs.
DESCRIPTIONS = {
    "qr": "Householder bidiagonalization + implicit-shift bidiagonal QR (xGESVD)",
    "dc": "Householder bidiagonalization + bidiagonal divide and conquer (xGESDD)",
    "jacobi": "QR-preconditioned one-sided Jacobi, high relative accuracy (xGEJSV)",
    "tall": "tall-skinny QR (CholeskyQR2 / shifted CholeskyQR3 checked a posteriori, else "
            "Householder TSQR) + divide and conquer of R",
    "hermitian": "symmetric eigen-decomposition: Householder tridiagonalization + tridiagonal "
                 "divide and conquer, sigma = |lambda| (xSYEVD, as numpy's hermitian=True)",
    "batched": "one parallel loop over the stack: one-sided Jacobi per slice, closed form "
               "for 2 x 2 (xGESVJ, xLASV2)",
}
#: scipy's lapack_driver names as aliases
LAPACK_ALIASES = {"gesvd": "qr", "gesdd": "dc"}
#: Fallback order after a failure to converge (DESIGN.md: D&C -> QR -> Jacobi).
FALLBACK_ORDER = ("dc", "qr", "jacobi")

#: QR first for m >= 1.6 n (flop counts cross at 5/3; LAPACK's xGESVD uses 1.6).
QR_FIRST_RATIO = 1.6
#: Stacks of matrices up to this order go to the batched kernel (one parallel
#: loop, no Python per slice); benchmarks/bench_jacobi.py (Batched) shows
#: 2000 x 32 x 32 still beating numpy's stacked svd.
BATCH_MAX_ORDER = 32
#: Thin or values-only SVDs of matrices at least this many times taller than wide,
#: and with at least TALL_MIN_SIZE entries, take the tall-skinny QR path: its
#: passes are syrk/trsm/gemm at level-3 speed where Householder QR is half
#: memory bound (200000 x 100: 0.27x numpy's time, 100000 x 50: 0.38x, one
#: thread each; bench_distributed.TallSVD).  4 n^2 m flops against
#: Householder's 2 n^2 m, hence a ratio well past LAPACK's QR-first 1.6.
TALL_RATIO = 8
TALL_MIN_SIZE = 1 << 16
#: Divide and conquer pays over QR iteration with vectors from this order on;
#: LAPACK's xBDSDC switches at 25 (SMLSIZ).  Revisit with benchmarks/bench_dense.py.
DC_MIN_ORDER = 25
#: Values only: divide and conquer's O(n^2) values path beats bidiagonal QR
#: sweeps from here on (about 2x at 500-2000, benchmarks/TUNING.md); below it
#: both are a few milliseconds next to the O(n^3) reduction.
DC_VALUES_MIN_ORDER = 200
#: Values only from this order: the divide and conquer driver reduces in two
#: stages (dense to band by level-3 products, band to bidiagonal by bulge
#: chasing), the same constant as ``fastsvd.kernels.gesdd.TWO_STAGE_MIN``.
TWO_STAGE_MIN_ORDER = 300
#: Jacobi from this order first takes the SVD of ``R^T`` by divide and conquer
#: and polishes ``R^T V0`` (the same constant as
#: ``fastsvd.kernels.gejsv.DC_PRECONDITION_MIN``; 500 x 500: 2-3 sweeps instead of ~10)
JACOBI_DC_MIN_ORDER = 48


def available(method):
    """True if the method's kernels are present in this installation."""
    module, name = DENSE_DRIVERS[method]
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


def _batched_available():
    try:
        return hasattr(importlib.import_module("fastsvd.kernels.batched"), "svd_batched")
    except ImportError:
        return False


def _prod(shape):
    out = 1
    for x in shape:
        out *= int(x)
    return out


def driver(method):
    module, name = DENSE_DRIVERS[method]
    return getattr(importlib.import_module(module), name)


@dataclass
class Plan:
    """What fastsvd will do for a problem, and why."""
    method: str
    shape: tuple
    dtype: str
    steps: list = field(default_factory=list)
    reasons: list = field(default_factory=list)
    fallbacks: list = field(default_factory=list)

    def __str__(self):
        lines = [f"Plan for a {' x '.join(map(str, self.shape))} {self.dtype} input: "
                 f"method={self.method!r}"]
        if self.method in DESCRIPTIONS:
            lines.append(f"  {DESCRIPTIONS[self.method]}")
        if self.steps:
            lines.append("  steps:")
            lines += [f"    {i + 1}. {s}" for i, s in enumerate(self.steps)]
        if self.reasons:
            lines.append("  why:")
            lines += [f"    - {r}" for r in self.reasons]
        if self.fallbacks:
            lines.append(f"  if it fails to converge: {' -> '.join(self.fallbacks)}")
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(str(self))  # noqa: E731


def choose_dense(shape, dtype, *, compute_uv=True, full_matrices=True, method="auto",
                 accuracy="backward", hermitian=False):
    """Plan for a dense (possibly stacked) input of ``shape``."""
    m, n = shape[-2], shape[-1]
    batch = shape[:-2]
    plan = Plan(method="", shape=tuple(shape), dtype=str(dtype))
    if 0 in shape:
        plan.method = "none"
        plan.reasons.append("empty input: the result is known without computing "
                            "(identities where full_matrices asks for them)")
        return plan
    if batch and method in ("auto", "jacobi") and max(m, n) <= BATCH_MAX_ORDER \
            and _batched_available():
        plan.method = "batched"
        plan.steps.append(f"one parallel loop over the {int(_prod(batch))} slices, "
                          "each decomposed in registers and cache")
        plan.reasons.append(f"a stack of small matrices (max(m, n) = {max(m, n)} <= "
                            f"{BATCH_MAX_ORDER}): per-matrix overhead dominates, so no "
                            "Python and no BLAS call per slice")
        if accuracy == "relative":
            plan.reasons.append("one-sided Jacobi is accurate to high relative accuracy "
                                "for column-graded slices")
        plan.fallbacks = ["per-slice status; failed slices NaN with on_failure='nan'"]
        return plan
    if batch:
        plan.steps.append(f"loop over the {len(batch)}-dimensional stack of "
                          f"{m} x {n} matrices")
    if m < n:
        plan.steps.append("transpose: work on A^T (n x m, tall), swap U and V^T at the end")
        m, n = n, m
    if method != "auto":
        plan.method = method
        plan.reasons.append(f"method={method!r} was requested")
    elif hermitian and accuracy != "relative" and available("hermitian"):
        plan.method = "hermitian"
        plan.reasons.append("hermitian=True: one tridiagonal reduction (4/3 n^3 flops) and one "
                            "back-transformation instead of the bidiagonal route's 8/3 n^3 and "
                            "two; the lower triangle is read, as numpy's eigh does")
    elif accuracy == "relative":
        plan.method = "jacobi"
        plan.reasons.append("accuracy='relative': every singular value to high relative "
                            "accuracy needs Jacobi (Demmel & Veselic 1992); bidiagonal "
                            "reduction only guarantees error ~ eps * sigma_1")
    elif (not (compute_uv and full_matrices) and m >= TALL_RATIO * n
          and m * n >= TALL_MIN_SIZE and available("tall")):
        plan.method = "tall"
        plan.reasons.append(f"m / n = {m / n:.3g} >= {TALL_RATIO} and no m x m U wanted: a "
                            "tall-skinny QR runs at matrix-product speed, then only the n x n R "
                            "is decomposed")
        plan.steps += ["A = Q R by CholeskyQR2 (shifted CholeskyQR3 for ill-conditioned A), "
                       "each pass checked by the orthogonality of its Gram matrix; Householder "
                       "TSQR by row blocks when the checks fail",
                       "R = U_R S V^T by divide and conquer"]
        if compute_uv:
            plan.steps.append("U = Q U_R (one matrix product)")
    elif compute_uv and n >= DC_MIN_ORDER and available("dc"):
        plan.method = "dc"
        plan.reasons.append(f"vectors wanted and min(m, n) = {n} >= {DC_MIN_ORDER}: "
                            "divide and conquer does O(n^2) work per merge in level-3 "
                            "products where QR iteration does O(n^3) rotations")
    elif not compute_uv and n >= DC_VALUES_MIN_ORDER and available("dc"):
        plan.method = "dc"
        plan.reasons.append(f"values only and min(m, n) = {n} >= {DC_VALUES_MIN_ORDER}: the "
                            "secular equations of divide and conquer find the values of the "
                            "bidiagonal in half the time of QR sweeps (backward stable, error "
                            "~ eps * sigma_1 as the reduction's; method='qr' keeps every "
                            "value of a bidiagonal input to high relative accuracy)")
    else:
        plan.method = "qr"
        if not compute_uv:
            plan.reasons.append(f"values only, min(m, n) = {n} < {DC_VALUES_MIN_ORDER}: "
                                "bidiagonal QR costs O(n^2) after the O(mn^2) reduction, "
                                "which dominates")
        elif n < DC_MIN_ORDER:
            plan.reasons.append(f"min(m, n) = {n} < {DC_MIN_ORDER}: QR iteration is "
                                "cheapest at this size")
        else:
            plan.reasons.append("divide and conquer is not available in this installation")
    if plan.method in ("qr", "dc"):
        if m >= QR_FIRST_RATIO * n:
            plan.steps.append(f"m / n = {m / n:.3g} >= {QR_FIRST_RATIO}: Householder QR "
                              "first, then work on the n x n factor R")
        if plan.method == "dc" and not compute_uv and n >= TWO_STAGE_MIN_ORDER:
            plan.steps.append(f"values only, min(m, n) = {n} >= {TWO_STAGE_MIN_ORDER}: "
                              "two-stage reduction, A to an upper band of width 32 by "
                              "blocked QR/LQ panels (level 3), then band to bidiagonal by "
                              "bulge chasing: no memory-bound matrix-vector products")
        else:
            plan.steps.append("Householder bidiagonalization A = Q B P^T (blocked, level 3)")
        plan.steps.append("bidiagonal SVD of B by "
                          + ("divide and conquer" if plan.method == "dc"
                             else "implicit-shift QR (Demmel-Kahan)"))
        if compute_uv:
            plan.steps.append("back-transform U = Q U_B, V^T = V_B^T P^T (blocked reflectors)")
    if plan.method == "hermitian":
        plan.steps += ["Householder tridiagonalization of the lower triangle, A = Q T Q^T "
                       "(blocked, xSYTRD)",
                       "eigenvalues of T by divide and conquer on the secular equation (xSTEDC)"
                       + ("; eigenvectors Z" if compute_uv else ", values only"),
                       "sigma = |lambda| descending" + ("; U = Q Z, V^T = sign(lambda) U^T"
                                                        if compute_uv else "")]
    if hermitian and plan.method != "hermitian":
        plan.steps.insert(0, "hermitian=True: the matrix its lower triangle defines is decomposed")
    if plan.method == "jacobi":
        plan.steps.append("rows sorted by decreasing max-norm, then QR with column pivoting "
                          "A P = Q R (xGEJSV's preconditioner)")
        if n >= JACOBI_DC_MIN_ORDER:
            plan.steps.append(f"min(m, n) = {n} >= {JACOBI_DC_MIN_ORDER}: V0 = right singular "
                              "vectors of R^T by divide and conquer, and X = R^T V0, kept only "
                              "if a certificate shows each column of X known to a small "
                              "relative error (otherwise X = R^T)")
        plan.steps.append("one-sided Jacobi on the columns of X until every pair is orthogonal "
                          "to sqrt(n) eps (2-3 sweeps on R^T V0, ~10 on R^T)")
    if plan.method != "auto":
        plan.fallbacks = [f for f in FALLBACK_ORDER if f != plan.method and available(f)]
    return plan
