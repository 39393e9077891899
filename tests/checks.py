"""One checker used by every test: bounds in units of machine epsilon.

For a backward-stable SVD (Householder reduction followed by a QR iteration or
divide and conquer) the computed factors are the exact SVD of ``A + E`` with
``||E||_F <= p(m, n) eps ||A||_F`` and ``U``, ``V`` orthogonal to ``p(m, n) eps``
for a modest polynomial ``p`` (Demmel, Applied Numerical Linear Algebra,
thm. 5.4 and sec. 5.4; Higham, Accuracy and Stability, ch. 19).  We normalise
by ``max(m, n) eps`` as the project brief does.  Measured on this gallery
(scipy 1.17 / OpenBLAS 0.3.30, 2026-11-23), LAPACK's ``gesdd`` and ``gesvd``
reach at most 1.42 in backward error (graded_columns_20) and 4.61 in
orthogonality (V of clustered_25, whose singular values agree to 12 digits).
The constants below leave a factor of about two over LAPACK for a different,
equally stable order of operations, and nothing more.
"""
import functools

import mpmath
import numpy as np

#: backward error, in units of max(m, n) * eps (LAPACK: <= 1.42 on the gallery)
C_BACKWARD = 4.0
#: orthogonality of U and V, in units of max(m, n) * eps (LAPACK: <= 4.61 on the gallery)
C_ORTHO = 8.0
#: each singular value against the mpmath reference, in units of max(m, n) * eps * sigma_1:
#: Weyl's theorem turns the backward error bound into this forward bound.
C_SIGMA = 4.0


def eps_of(dtype):
    return float(np.finfo(dtype).eps)


def backward_error(A, U, s, Vh):
    """``||A - U diag(s) Vh||_F / (||A||_F max(m, n) eps)``, computed in float64 or better."""
    m, n = A.shape
    eps = eps_of(U.dtype)
    k = len(s)
    A64 = A.astype(np.float64)
    R = A64 - (U[:, :k].astype(np.float64) * s.astype(np.float64)) @ Vh[:k].astype(np.float64)
    # scale to dodge overflow/underflow of the squares for entries near 1e+-300
    scale = np.abs(A64).max() if A64.size else 0.0
    if scale == 0.0:
        return 0.0 if not np.any(R) else np.inf
    # Below the normal range the factors themselves are stored on the subnormal
    # grid: each entry of U diag(s) Vh then carries an absolute error of up to
    # k * eta / 2 (eta = smallest subnormal) that no algorithm can avoid, so that
    # term joins eps ||A||.  It is ~1e-323 and invisible for normal matrices.
    eta = float(np.finfo(U.dtype).smallest_subnormal)
    floor = np.sqrt(m * n) * k * eta / scale
    return np.linalg.norm(R / scale) / ((np.linalg.norm(A64 / scale) * eps + floor) * max(m, n))


def orthogonality(Q):
    """``||Q^T Q - I||_F / (max(rows, cols) eps)`` for a matrix with orthonormal columns."""
    if Q.size == 0:
        return 0.0
    eps = eps_of(Q.dtype)
    Q64 = Q.astype(np.float64)
    k = Q.shape[1]
    return np.linalg.norm(Q64.T @ Q64 - np.eye(k)) / (max(Q.shape) * eps)


@functools.lru_cache(maxsize=256)
def _mp_singular_values(key, digits):
    data, shape = key
    A = np.frombuffer(data, dtype=np.float64).reshape(shape)
    with mpmath.workdps(digits):
        M = mpmath.matrix(A.tolist())
        s = mpmath.svd_r(M, compute_uv=False)
        return np.array(sorted((float(x) for x in s), reverse=True))


def reference_singular_values(A, digits=40):
    """Singular values of ``A`` from mpmath at ``digits`` decimal digits (cached)."""
    A = np.ascontiguousarray(A, dtype=np.float64)
    if A.size == 0:
        return np.zeros(0)
    # mpmath's svd works for any exponent range, so 1e+-300 entries need no scaling
    return _mp_singular_values((A.tobytes(), A.shape), digits)


def assert_svd(A, U, s, Vh, *, c=C_BACKWARD, c_ortho=C_ORTHO, c_sigma=C_SIGMA,
               full_matrices=False, reference=True):
    """Assert every property an SVD must have, each in units of epsilon.

    * shapes as numpy returns them; dtype of ``s`` real;
    * ``s`` non-negative and sorted descending;
    * backward error at most ``c``, orthogonality of ``U`` and ``V`` at most ``c_ortho``;
    * with ``reference``, each ``s[i]`` within ``c_sigma max(m, n) eps s[0]`` of mpmath's.
    """
    m, n = A.shape
    k = min(m, n)
    assert s.shape == (k,), (s.shape, k)
    assert U.shape == ((m, m) if full_matrices else (m, k)), U.shape
    assert Vh.shape == ((n, n) if full_matrices else (k, n)), Vh.shape
    assert np.all(np.isfinite(s)) and np.all(s >= 0), s
    assert np.all(np.diff(s) <= 0), "singular values not sorted descending"
    be = backward_error(A, U, s, Vh)
    assert be <= c, f"backward error {be:.3g} > {c} (units of max(m,n) eps)"
    ou = orthogonality(U)
    assert ou <= c_ortho, f"orthogonality of U {ou:.3g} > {c_ortho}"
    ov = orthogonality(Vh.T)
    assert ov <= c_ortho, f"orthogonality of V {ov:.3g} > {c_ortho}"
    if reference and k:
        assert_singular_values(A, s, c_sigma=c_sigma)


def assert_singular_values(A, s, *, c_sigma=C_SIGMA):
    """Each computed ``s[i]`` within ``c_sigma max(m, n) eps s_1`` of the mpmath reference."""
    m, n = A.shape
    ref = reference_singular_values(A)
    eps = eps_of(s.dtype)
    if ref.size == 0:
        return
    err = np.abs(s.astype(np.float64) - ref)
    bound = c_sigma * max(m, n) * eps * ref[0]
    worst = int(np.argmax(err))
    assert np.all(err <= bound), (
        f"sigma[{worst}] = {s[worst]!r} vs reference {ref[worst]!r}: error "
        f"{err[worst] / (max(m, n) * eps * ref[0]):.3g} > {c_sigma} units of max(m,n) eps sigma_1")


def relative_errors(s, ref):
    """``|s_i - ref_i| / ref_i`` (0 where both are 0), for the relative-accuracy tests."""
    s = np.asarray(s, np.float64)
    out = np.zeros_like(ref)
    nz = ref != 0
    out[nz] = np.abs(s[nz] - ref[nz]) / ref[nz]
    out[~nz] = np.where(s[~nz] == 0, 0.0, np.inf)
    return out
