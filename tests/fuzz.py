"""Seeded fuzz of the dense and stacked SVD: structured random matrices through every method.

Each case is drawn from a seed alone, so a failure is reproduced by its seed:
``python -m tests.fuzz --matrices 5000 --stacks 1000`` runs the full campaign
and prints every decomposition outside the bounds; ``tests/test_fuzz.py`` runs
a slice of it in the test suite.

The structures are the ones that broke SVD codes before: zero rows and
columns, rank deficiency, repeated and clustered singular values, graded
columns, integer entries, 1 x n and n x 1, and scales from subnormal to near
overflow, in float32 and float64.

Bounds (units of ``max(m, n) eps`` of the working dtype, as the README states):
backward error ``<= C_BACKWARD``, orthogonality of U and V ``<= C_ORTHO``, and
each singular value within ``C_SIGMA + REFERENCE_ALLOWANCE`` units of
``sigma_1`` of LAPACK's in float64, the allowance being LAPACK's own error as
the reference (it reaches 1.42 units on the gallery, tests/checks.py).  Where
the singular values fall below the normal range, their one rounding to the
subnormal grid (half a step each) is allowed on top: it is in the output's
format, not in the algorithm.
"""
import argparse
import sys
import time

import numpy as np

import fastsvd
from tests.checks import C_BACKWARD, C_ORTHO, C_SIGMA, eps_of, orthogonality

#: the reference (LAPACK dgesdd in float64) is itself off by up to ~1.4 units
#: for float64 input; for float32 input its error is 2^-29 of a unit
REFERENCE_ALLOWANCE = 2.0

#: the public calls a dense case goes through: (name, keyword arguments)
METHODS = (
    ("auto", {}),
    ("qr", {"method": "qr"}),
    ("dc", {"method": "dc"}),
    ("jacobi", {"method": "jacobi"}),
    ("relative", {"accuracy": "relative"}),
)
#: (full_matrices, compute_uv)
LAYOUTS = ((True, True), (False, True), (False, False))

STRUCTURES = ("gaussian", "integer", "rank_deficient", "repeated", "clustered", "graded",
              "zero_lines", "zero")
SCALES64 = (1.0, 1.0, 1.0, 2.0 ** -1000, 1e-300, 1e-310, 1e300, 1e-160, 1e154, 1e-20)
SCALES32 = (1.0, 1.0, 1.0, 1e-20, 1e-30, 1e-40, 1e30, 1e-19, 1e19)


def _orthogonal(rng, n):
    # Haar-distributed, from numpy's QR: the test generates with a reference
    # factorization, the library never does
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def random_matrix(seed, max_order=40):
    """A structured random matrix and a description, drawn from ``seed`` alone."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(10)
    if kind == 0:
        m, n = 1, int(rng.integers(1, max_order + 1))
    elif kind == 1:
        m, n = int(rng.integers(1, max_order + 1)), 1
    else:
        m, n = (int(x) for x in rng.integers(1, max_order + 1, 2))
    k = min(m, n)
    structure = STRUCTURES[rng.integers(len(STRUCTURES))]
    if structure == "gaussian":
        A = rng.standard_normal((m, n))
    elif structure == "integer":
        A = rng.integers(-4, 5, (m, n)).astype(np.float64)
    elif structure == "rank_deficient":
        r = int(rng.integers(0, k + 1))
        A = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
    elif structure in ("repeated", "clustered"):
        s = np.ones(k) if structure == "repeated" else 1.0 + 1e-10 * np.arange(k)
        if structure == "repeated" and k > 2:
            s[: k // 2] = 3.0
        A = (_orthogonal(rng, m)[:, :k] * s) @ _orthogonal(rng, n)[:k]
    elif structure == "graded":
        A = rng.standard_normal((m, n)) * 10.0 ** (-rng.uniform(0, 1.5) * np.arange(n))
    elif structure == "zero_lines":
        A = rng.standard_normal((m, n))
        A[rng.random(m) < 0.3] = 0.0
        A[:, rng.random(n) < 0.3] = 0.0
    else:
        A = np.zeros((m, n))
    dtype = np.float32 if rng.random() < 0.5 else np.float64
    scales = SCALES32 if dtype == np.float32 else SCALES64
    scale = scales[rng.integers(len(scales))]
    A = (A * scale).astype(dtype)
    if not np.isfinite(A).all():  # graded x huge can overflow float32: draw the scale again
        A = (A.astype(np.float64) / scale).astype(dtype)
        scale = 1.0
    return A, f"seed={seed} {m}x{n} {np.dtype(dtype).name} {structure} scale={scale:g}"


def _normalised(A):
    """``(A 2^-e, e)`` with the largest entry of ``A 2^-e`` in [0.5, 1) (exact for these
    matrices), so the float64 reference and the error norms work in range."""
    amax = float(np.abs(A).max()) if A.size else 0.0
    if amax == 0.0:
        return A.astype(np.float64), 0
    e = int(np.frexp(amax)[1])
    return np.ldexp(A.astype(np.float64), -e), e


def check_decomposition(A, result, full_matrices, compute_uv, ref=None):
    """The problems with one decomposition of ``A`` (empty list: within every bound)."""
    problems = []
    m, n = A.shape
    k = min(m, n)
    An, e = _normalised(A)
    if ref is None:
        ref = np.linalg.svd(An, compute_uv=False)
    if compute_uv:
        U, s, Vh = result
        want = ((m, m), (n, n)) if full_matrices else ((m, k), (k, n))
        if (U.shape, Vh.shape) != want or U.dtype != A.dtype or Vh.dtype != A.dtype:
            return [f"shapes/dtypes {U.shape} {U.dtype}, {Vh.shape} {Vh.dtype}, want {want}"]
    else:
        s = result
    if s.shape != (k,) or s.dtype != A.dtype:
        return [f"s has shape {s.shape} dtype {s.dtype}"]
    sn = np.ldexp(s.astype(np.float64), -e)
    if not np.all(np.isfinite(sn)) or np.any(sn < 0) or np.any(np.diff(sn) > 0):
        return [f"s not finite, non-negative and descending: {s}"]
    eps = eps_of(A.dtype)
    unit = max(m, n) * eps
    # singular values below the normal range are stored on the subnormal grid:
    # one rounding there (half a step, eta / 2) is an error no algorithm avoids
    floor = float(np.ldexp(np.finfo(A.dtype).smallest_subnormal.astype(np.float64), -e))
    if k:
        err = max(float(np.max(np.abs(sn - ref))) - floor / 2, 0.0)
        err /= unit * max(ref[0], np.finfo(np.float64).tiny)
        if ref[0] == 0.0:
            err = 0.0 if not np.any(sn) else np.inf
        if err > C_SIGMA + REFERENCE_ALLOWANCE:
            problems.append(f"sigma error {err:.3g}")
    if compute_uv:
        R = An - (U[:, :k].astype(np.float64) * sn) @ Vh[:k].astype(np.float64)
        norm = np.linalg.norm(An)
        res = max(np.linalg.norm(R) - np.sqrt(k) * floor / 2, 0.0)
        be = res / (unit * norm) if norm else (0.0 if not np.any(R) else np.inf)
        if not be <= C_BACKWARD:
            problems.append(f"backward error {be:.3g}")
        for name, Q in (("U", U), ("V", Vh.T)):
            o = orthogonality(Q)
            if not o <= C_ORTHO:
                problems.append(f"orthogonality of {name} {o:.3g}")
    return problems


def run_matrix(seed, methods=METHODS, layouts=LAYOUTS):
    """Every method and layout on the matrix of ``seed``: ``(count, failures)``."""
    A, desc = random_matrix(seed)
    A_before = A.copy()
    ref = np.linalg.svd(_normalised(A)[0], compute_uv=False)
    failures = []
    count = 0
    for name, kwargs in methods:
        for full, uv in layouts:
            count += 1
            try:
                result = fastsvd.svd(A, full_matrices=full, compute_uv=uv, **kwargs)
            except Exception as exc:  # an exception on finite input is a failure too
                failures.append(f"{desc} {name} full={full} uv={uv}: "
                                f"{type(exc).__name__}: {exc}")
                continue
            for p in check_decomposition(A, result, full, uv, ref):
                failures.append(f"{desc} {name} full={full} uv={uv}: {p}")
    if not np.array_equal(A, A_before):
        failures.append(f"{desc}: the input was modified")
    return count, failures


def random_stack(seed, max_order=32):
    """A stack of structured matrices of one shape and dtype, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    b = int(rng.integers(1, 25))
    slices = [random_matrix(int(s), max_order)[0] for s in rng.integers(0, 2**62, b)]
    m, n = (int(x) for x in rng.integers(1, max_order + 1, 2))
    if rng.random() < 0.2:
        m = n = int(rng.integers(2, 4))
    dtype = slices[0].dtype
    stack = np.empty((b, m, n), dtype)
    for i, S in enumerate(slices):
        # cut or tile each drawn matrix to the stack's shape, keeping its structure
        reps = (-(-m // S.shape[0]), -(-n // S.shape[1]))
        S = np.tile(S.astype(np.float64), reps)[:m, :n]
        if np.abs(S).max() > np.finfo(dtype).max / 4:  # a float64 slice too large for float32
            S = S / np.abs(S).max()
        stack[i] = S.astype(dtype)
    return stack, f"stack seed={seed} {b}x{m}x{n} {np.dtype(dtype).name}"


def run_stack(seed, layouts=LAYOUTS):
    """The stack of ``seed`` through the batched path, each slice checked: ``(count, failures)``."""
    stack, desc = random_stack(seed)
    failures = []
    count = 0
    for full, uv in layouts:
        count += stack.shape[0]
        try:
            result = fastsvd.svd(stack, full_matrices=full, compute_uv=uv)
        except Exception as exc:
            failures.append(f"{desc} full={full} uv={uv}: {type(exc).__name__}: {exc}")
            continue
        for i in range(stack.shape[0]):
            one = tuple(r[i] for r in result) if uv else result[i]
            for p in check_decomposition(stack[i], one, full, uv):
                failures.append(f"{desc} slice {i} full={full} uv={uv}: {p}")
    return count, failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matrices", type=int, default=5000)
    parser.add_argument("--stacks", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    total, failures = 0, []
    for seed in range(args.first_seed, args.first_seed + args.matrices):
        c, f = run_matrix(seed)
        total += c
        failures += f
    stacked = 0
    for seed in range(args.first_seed, args.first_seed + args.stacks):
        c, f = run_stack(seed)
        stacked += c
        failures += f
    for line in failures:
        print(line)
    print(f"{args.matrices} matrices ({total} decompositions) and {args.stacks} stacks "
          f"({stacked} slice decompositions): {len(failures)} outside the bounds, "
          f"{time.perf_counter() - t0:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
