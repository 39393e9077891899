"""What the SVD is used for: pseudo-inverse, least squares, rank, subspaces, norms,
condition numbers, low-rank approximation, Procrustes, total least squares, PCA.

Every function here factors with :func:`fastsvd.svd` (or :func:`fastsvd.svds` /
:func:`fastsvd.randomized_svd` for the truncated ones) and then only filters
singular values and multiplies the factors (BLAS through numpy's ``matmul``).
Signatures follow numpy (``pinv``, ``lstsq``, ``matrix_rank``, ``cond``) and
SciPy (``null_space``, ``orth``, ``orthogonal_procrustes``) where those exist.

Rank cut-offs
-------------
A singular value counts as zero when it is at most ``atol + rtol * s_max``.
The default ``rtol = max(M, N) * eps`` (eps of the working dtype) is the
rounding floor of a backward-stable SVD: the computed values are exact for
``A + E`` with ``||E||_2`` a modest multiple of ``max(M, N) eps ||A||_2``
(Golub & Van Loan, *Matrix Computations*, 4th ed., sec. 8.6.3), so anything
below it cannot be told from zero.  It is the default of
numpy's ``matrix_rank``, numpy's ``lstsq``, SciPy's ``pinv``,
``null_space``, ``orth`` and the Array API standard; numpy's ``pinv``
alone keeps a legacy ``1e-15`` (pass ``rcond=1e-15`` to reproduce it).
"""
import math
import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as _sparse
from scipy.sparse.linalg import LinearOperator

from ._api import svd, svdvals
from ._errors import LinAlgError
from ._errors import NonFiniteError
from ._validate import as_matrix_stack, check_finite as _check_finite, working_dtype
from .kernels.lanczos import nrm2_rows as _nrm2_rows

__all__ = [
    "pinv", "lstsq", "matrix_rank", "null_space", "orth", "cond",
    "low_rank", "LowRankResult", "orthogonal_procrustes",
    "total_least_squares", "TLSResult", "fundamental_subspaces", "Subspaces",
    "spectral_norm", "nuclear_norm", "pca", "PCAResult",
]


# --------------------------------------------------------------------------- helpers

def _matrix(a, name):
    """``a`` as an ndarray with >= 2 dimensions in its working dtype, checked finite."""
    a = as_matrix_stack(a)
    dtype = working_dtype(a.dtype)
    _check_finite(a, f"`{name}`")
    return a.astype(dtype, copy=False)


def _default_rtol(shape, dtype):
    """``max(M, N) * eps``: the rounding floor of a backward-stable SVD (module docstring)."""
    return max(shape[-2:]) * float(np.finfo(dtype).eps)


def _nonnegative(value, name):
    """A non-negative float or array of them (broadcast per stack slice), or ValueError."""
    arr = np.asarray(value, dtype=np.float64)
    if np.isnan(arr).any() or (arr < 0).any():
        raise ValueError(f"`{name}` must be non-negative, got {value!r}")
    return arr


def _real_scalar(value, name):
    """``value`` as a Python float if it is a real scalar (0-d arrays included, as
    numpy accepts them), else ValueError."""
    if np.ndim(value) == 0 and not isinstance(value, (bool, np.bool_, str, bytes)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        else:
            if not math.isnan(value):
                return value
    raise ValueError(f"`{name}` must be a real number, got {value!r}")


def _count_above(s, threshold):
    """Number of singular values strictly above ``threshold`` (per slice)."""
    return np.count_nonzero(s > threshold, axis=-1)


def _t(x):
    """Matrix transpose of the last two axes (a view)."""
    return np.swapaxes(x, -1, -2)


def _vector_norm(v, axis=-1):
    """Euclidean norm along ``axis``, in ``v``'s dtype, by the package's one safe
    norm (:func:`fastsvd.kernels.lanczos.nrm2`, Blue's one-pass xNRM2): no
    overflow or underflow where the norm itself is representable, NaN kept."""
    v = np.moveaxis(np.asarray(v), axis, -1)
    if v.size == 0:   # an empty vector has norm 0 (and reshape(-1, 0) is undefined)
        return np.zeros(v.shape[:-1], v.dtype if v.dtype.kind == "f" else np.float64)
    rows = np.ascontiguousarray(v.reshape(-1, v.shape[-1]), dtype=np.float64)
    out = np.empty(rows.shape[0])
    _nrm2_rows(rows, out)
    dtype = v.dtype if v.dtype.kind == "f" else np.float64
    return out.reshape(v.shape[:-1]).astype(dtype)


def _scale_exponent(a):
    """``e`` with ``2**e max|a|`` in [1, 2) when ``max|a|`` lies outside
    [2**-q, 2**q], ``q`` a quarter of the dtype's exponent range, else 0.

    Scaling by a power of two is exact (xLASCL's purpose in xGESVD): inside
    that window the sums and products a function forms (a column mean, squares
    of singular values) neither overflow nor lose bits to underflow, so results
    are the scaled results of the unit-scale problem.
    """
    if a.size == 0:
        return 0
    amax = float(np.max(np.abs(a)))
    q = np.finfo(a.dtype).maxexp // 4
    if amax == 0.0 or 2.0 ** -q <= amax <= 2.0 ** q:
        return 0
    return 1 - math.frexp(amax)[1]


def _over_slices(func, A, what):
    """Apply ``func`` to each 2-D slice of a stack and stack the results, which must
    share a shape (SciPy's batching of ``null_space`` / ``orth``)."""
    if A.ndim == 2:
        return func(A)
    batch = A.shape[:-2]
    parts = [func(A[idx]) for idx in np.ndindex(*batch)]
    shapes = {p.shape for p in parts}
    if len(shapes) > 1:
        raise ValueError(f"{what}: the slices of the stack have different ranks, so their "
                         f"bases have different shapes {sorted(shapes)}; call it per slice")
    shape = parts[0].shape if parts else (0, 0)
    return np.stack(parts).reshape(batch + shape) if parts else np.empty(batch + shape)


# --------------------------------------------------------------------------- pinv

def pinv(a, rcond=None, hermitian=False, *, rtol=None, atol=None, return_rank=False):
    """Moore-Penrose pseudo-inverse from the SVD: ``A+ = V diag(1/s) U^T``.

    Drop-in for numpy's ``linalg.pinv`` (``rcond``, ``rtol``, ``hermitian``,
    stacks) and SciPy's ``linalg.pinv`` (``atol``, ``rtol``, ``return_rank``).

    Parameters
    ----------
    a : (..., M, N) array_like
        Real matrix or stack of matrices.
    rcond : float or array_like, optional
        numpy's name for ``rtol``; pass at most one of the two.
    hermitian : bool, default False
        Accepted for numpy compatibility; the general SVD is used either way.
    rtol : float or array_like, optional
        Relative cut-off: singular values ``<= atol + rtol * s_max`` are
        treated as zero.  Default ``max(M, N) * eps`` (SciPy's, the Array API
        standard's, and numpy's for ``rtol=None``; numpy's legacy default
        when neither ``rcond`` nor ``rtol`` is given is ``1e-15``).  An
        array gives one cut-off per slice of a stack.
    atol : float or array_like, optional
        Absolute cut-off (SciPy's), default 0.
    return_rank : bool, default False
        Also return the effective rank (SciPy's).

    Returns
    -------
    B : (..., N, M) ndarray
        The pseudo-inverse, float32 for float32 input, else float64.
    rank : int or ndarray of int
        Only with ``return_rank=True``: the number of singular values kept.

    Raises
    ------
    LinAlgError
        ``a`` has fewer than two dimensions, or the SVD did not converge.
    ValueError
        ``rcond`` and ``rtol`` both given, a negative tolerance, or NaN/Inf in ``a``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import pinv
    >>> A = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])   # rank 1
    >>> B, r = pinv(A, return_rank=True)
    >>> r
    1
    >>> bool(np.allclose(A @ B @ A, A))
    True
    """
    if rcond is not None and rtol is not None:
        raise ValueError("`rtol` and `rcond` can't be both set (rcond is numpy's name for rtol)")
    if rcond is not None:
        rtol = rcond
    a = _matrix(a, "a")
    del hermitian  # a general SVD is an SVD of a symmetric matrix too
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    rtol = _default_rtol(a.shape, a.dtype) if rtol is None else _nonnegative(
        rtol, "rcond" if rcond is not None else "rtol")
    atol = 0.0 if atol is None else _nonnegative(atol, "atol")
    if a.size == 0:
        B = np.zeros(batch + (n, m), a.dtype)
        rank = np.zeros(batch, np.intp) if batch else 0
        return (B, rank) if return_rank else B
    U, s, Vh = svd(a, full_matrices=False, check_finite=False)
    # 1. cut-off per slice: atol + rtol * s_max (s is descending, so s_max = s[..., 0])
    threshold = np.asarray(atol)[..., None] + np.asarray(rtol)[..., None] * s[..., :1]
    keep = s > threshold
    rank = np.count_nonzero(keep, axis=-1)
    # 2. A+ = V diag(1/s) U^T over the kept values
    if not batch:
        r = int(rank)
        B = (Vh[:r].T / s[:r]) @ U[:, :r].T
        rank = r
    else:
        with np.errstate(divide="ignore"):
            inv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
        B = (_t(Vh) * inv[..., None, :]) @ _t(U)
    B = np.ascontiguousarray(B, dtype=a.dtype)
    return (B, rank) if return_rank else B


# --------------------------------------------------------------------------- lstsq

def lstsq(a, b, rcond=None, *, damping=None):
    """Least-squares solution of ``a @ x ~ b`` by the SVD (minimum-norm when
    ``a`` is rank deficient), with optional Tikhonov damping.

    Drop-in for numpy's ``linalg.lstsq``: same four results and the same
    ``residuals`` conventions.

    Parameters
    ----------
    a : (M, N) array_like
        Coefficient matrix.
    b : (M,) or (M, K) array_like
        Right-hand side(s).
    rcond : float, optional
        Singular values ``<= rcond * s_max`` are treated as zero (numpy's and
        LAPACK xGELSD's meaning).  Default ``max(M, N) * eps``.  A negative
        value means machine precision ``eps`` (LAPACK's convention).
    damping : float, optional
        Tikhonov parameter ``lambda >= 0``: ``x`` minimises
        ``||a x - b||^2 + lambda^2 ||x||^2``, computed with the filter factors
        ``s / (s^2 + lambda^2)`` on every singular value (Hansen, *Rank-Deficient
        and Discrete Ill-Posed Problems*, sec. 4.2).  ``None`` or 0: the plain
        minimum-norm solution with ``1/s`` above the cut-off and 0 below.

    Returns
    -------
    x : (N,) or (N, K) ndarray
        The solution.
    residuals : (1,), (K,) or (0,) ndarray
        Squared 2-norms of the columns of ``b - a @ x``, computed explicitly
        (of the damped ``x`` when ``damping`` is set).  Empty when
        ``rank < N`` or ``M <= N`` (numpy's rule); shape ``(1,)`` for 1-D ``b``.
    rank : int
        Effective rank of ``a`` under ``rcond``.
    s : (min(M, N),) ndarray
        Singular values of ``a``, descending.

    Raises
    ------
    LinAlgError
        ``a`` is not 2-D, ``b`` is not 1-D or 2-D, or their row counts differ.
    ValueError
        A negative or non-finite ``damping``, or NaN/Inf in ``a`` or ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import lstsq
    >>> t = np.array([0.0, 1.0, 2.0, 3.0])
    >>> y = np.array([-1.0, 0.2, 0.9, 2.1])
    >>> A = np.stack([t, np.ones_like(t)], axis=1)
    >>> x, res, rank, s = lstsq(A, y)
    >>> np.round(x, 6)                         # slope and intercept
    array([ 1.  , -0.95])
    >>> rank, res.shape
    (2, (1,))
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim != 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given for `a`. Array must be "
                          "two-dimensional")
    if b.ndim not in (1, 2):
        raise LinAlgError(f"{b.ndim}-dimensional array given for `b`. Array must be one- "
                          "or two-dimensional")
    m, n = a.shape
    if b.shape[0] != m:
        raise LinAlgError(f"Incompatible dimensions: `a` has {m} rows but `b` has "
                          f"{b.shape[0]}")
    dtype = np.result_type(working_dtype(a.dtype), working_dtype(b.dtype))
    a = a.astype(dtype, copy=False)
    b = b.astype(dtype, copy=False)
    _check_finite(a, "`a`")
    _check_finite(b, "`b`")
    eps = float(np.finfo(dtype).eps)
    if rcond is None:
        rcond = eps * max(m, n)
    elif _real_scalar(rcond, "rcond") < 0:
        rcond = eps
    else:
        rcond = _real_scalar(rcond, "rcond")
    if damping is not None:
        if not isinstance(damping, numbers.Real) or not math.isfinite(damping) or damping < 0:
            raise ValueError(f"`damping` must be a finite number >= 0, got {damping!r}")
        damping = float(damping) or None
    is_1d = b.ndim == 1
    B = b[:, None] if is_1d else b
    nrhs = B.shape[1]
    k = min(m, n)

    # 1. SVD of a, cut-off and filter factors
    if k == 0:
        s = np.zeros(0, dtype)
        x = np.zeros((n, nrhs), dtype)
        rank = 0
    else:
        U, s, Vh = svd(a, full_matrices=False, check_finite=False)
        rank = int(_count_above(s, rcond * s[0]))
        # 2. x = V diag(f) U^T b over the filtered values; undamped, c / s rather
        #    than (1 / s) c: 1 / s overflows for subnormal s where c / s does not
        if damping is None:
            r = rank
            c = U[:, :r].T @ B
            x = Vh[:r].T @ (c / s[:r, None])
        else:
            r = int(np.count_nonzero(s))
            f = s[:r] / (s[:r] ** 2 + damping ** 2)
            c = U[:, :r].T @ B
            x = Vh[:r].T @ (f[:, None] * c)
    x = np.ascontiguousarray(x, dtype=dtype)

    # 3. residuals: numpy's convention (only for full column rank with M > N)
    if rank == n and m > n:
        R = B - a @ x
        # numpy's sum of squares where it is safe: finite, and so far above the
        # underflow threshold that squares lost to it weigh under m eps; else the
        # safe norm, squared only at the end (it under- or overflows only when
        # the squared norm itself does)
        with np.errstate(over="ignore", under="ignore"):
            residuals = np.sum(R * R, axis=0)
        unsafe = ~(residuals < np.inf) | (residuals < m * float(np.finfo(dtype).tiny) / eps)
        if unsafe.any():
            residuals[unsafe] = _vector_norm(R[:, unsafe].T) ** 2
        residuals = residuals.astype(dtype)
    else:
        residuals = np.zeros(0, dtype)
    if is_1d:
        x = x[:, 0]
    return x, residuals, rank, s.astype(dtype, copy=False)


# --------------------------------------------------------------------------- rank and bases

def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """Numerical rank: the number of singular values above a cut-off.

    Drop-in for numpy's ``linalg.matrix_rank``.

    Parameters
    ----------
    A : {(M,), (..., M, N)} array_like
        Vector (rank 0 if all zero, else 1, as numpy) or matrix / stack.
    tol : float or array_like, optional
        Absolute threshold: singular values ``<= tol`` count as zero.
    hermitian : bool, default False
        Accepted for numpy compatibility; ignored.
    rtol : float or array_like, optional
        Relative threshold ``rtol * s_max``; default ``max(M, N) * eps``.
        Pass at most one of ``tol`` and ``rtol``.

    Returns
    -------
    rank : int or (...) ndarray of int

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import matrix_rank
    >>> int(matrix_rank(np.outer([1.0, 2.0, 3.0], [1.0, -1.0])))
    1
    >>> matrix_rank(np.stack([np.eye(3), np.zeros((3, 3))]))
    array([3, 0])
    """
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    A = np.asarray(A)
    if A.ndim < 2:
        return int(not np.all(A == 0))
    A = _matrix(A, "A")
    if A.size == 0:
        return np.zeros(A.shape[:-2], np.intp) if A.ndim > 2 else 0
    s = svdvals(A, check_finite=False)
    if tol is None:
        rtol = _default_rtol(A.shape, A.dtype) if rtol is None else _nonnegative(rtol, "rtol")
        threshold = np.asarray(rtol)[..., None] * s[..., :1]
    else:
        threshold = np.asarray(tol, dtype=np.float64)[..., None]
    return _count_above(s, threshold)


def _basis_tolerance(s, shape, dtype, rcond):
    """SciPy's cut-off for ``null_space``/``orth``: ``rcond * s_max``, rcond default ``max(M, N) eps``."""
    if rcond is None:
        rcond = _default_rtol(shape, dtype)
    else:
        rcond = _real_scalar(rcond, "rcond")
    return rcond * (s[0] if s.size else 0.0)


def null_space(A, rcond=None, *, overwrite_a=False, check_finite=True, lapack_driver=None):
    """Orthonormal basis of the null space ``{x : A x = 0}``, from the SVD.

    Drop-in for SciPy's ``linalg.null_space`` (stacks allowed when every
    slice has the same rank).

    Parameters
    ----------
    A : (..., M, N) array_like
    rcond : float, optional
        Singular values ``<= rcond * s_max`` count as zero; default ``max(M, N) eps``.
    overwrite_a, check_finite, lapack_driver
        As :func:`fastsvd.svd` (SciPy's options).

    Returns
    -------
    Z : (..., N, K) ndarray
        Orthonormal columns, ``K = N - rank``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import null_space
    >>> Z = null_space(np.array([[1.0, 1.0], [1.0, 1.0]]))
    >>> Z.shape, bool(np.allclose(np.abs(Z[:, 0]), np.sqrt(0.5)))
    ((2, 1), True)
    """
    A = as_matrix_stack(A)
    working_dtype(A.dtype)
    if check_finite:
        _check_finite(A, "`A`")

    def one(a):
        m, n = a.shape
        if a.size == 0:
            return np.eye(n, dtype=working_dtype(a.dtype))
        # the right singular vectors past min(M, N) exist only in the full Vh of a wide A
        _, s, Vh = svd(a, full_matrices=m < n, overwrite_a=overwrite_a, check_finite=False,
                       lapack_driver=lapack_driver)
        num = int(_count_above(s, _basis_tolerance(s, a.shape, s.dtype, rcond)))
        return np.ascontiguousarray(Vh[num:].T)

    return _over_slices(one, A, "null_space")


def orth(A, rcond=None):
    """Orthonormal basis of the range (column space) of ``A``, from the SVD.

    Drop-in for SciPy's ``linalg.orth`` (stacks allowed when every slice has
    the same rank).

    Parameters
    ----------
    A : (..., M, N) array_like
    rcond : float, optional
        Singular values ``<= rcond * s_max`` count as zero; default ``max(M, N) eps``.

    Returns
    -------
    Q : (..., M, K) ndarray
        Orthonormal columns, ``K`` the effective rank.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import orth
    >>> orth(np.array([[2.0, 4.0], [1.0, 2.0], [0.0, 0.0]])).shape
    (3, 1)
    """
    A = _matrix(A, "A")

    def one(a):
        m, n = a.shape
        if a.size == 0:
            return np.zeros((m, 0), a.dtype)
        U, s, _ = svd(a, full_matrices=False, check_finite=False)
        num = int(_count_above(s, _basis_tolerance(s, a.shape, s.dtype, rcond)))
        return np.ascontiguousarray(U[:, :num])

    return _over_slices(one, A, "orth")


class Subspaces(NamedTuple):
    """The four fundamental subspaces of ``A`` (Strang), as orthonormal bases in columns."""
    range: np.ndarray       #: (M, r) column space, ``A``'s image
    null: np.ndarray        #: (N, N - r) null space, ``A x = 0``
    row: np.ndarray         #: (N, r) row space, range of ``A^T``
    left_null: np.ndarray   #: (M, M - r) left null space, ``A^T y = 0``
    rank: int               #: effective rank r
    s: np.ndarray           #: singular values, descending


def fundamental_subspaces(A, rcond=None):
    """Range, null space, row space and left null space of ``A`` from one full SVD.

    Parameters
    ----------
    A : (M, N) array_like
    rcond : float, optional
        Singular values ``<= rcond * s_max`` count as zero; default ``max(M, N) eps``.

    Returns
    -------
    Subspaces
        ``(range, null, row, left_null, rank, s)``: orthonormal bases with
        ``range ⟂ left_null`` spanning ``R^M`` and ``row ⟂ null`` spanning ``R^N``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import fundamental_subspaces
    >>> sub = fundamental_subspaces(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]))
    >>> sub.rank, sub.range.shape, sub.null.shape, sub.row.shape, sub.left_null.shape
    (1, (2, 1), (3, 2), (3, 1), (2, 1))
    """
    A = _matrix(A, "A")
    if A.ndim != 2:
        raise ValueError(f"`A` must be 2-D, got shape {A.shape}")
    m, n = A.shape
    if A.size == 0:
        return Subspaces(np.zeros((m, 0), A.dtype), np.eye(n, dtype=A.dtype),
                         np.zeros((n, 0), A.dtype), np.eye(m, dtype=A.dtype), 0,
                         np.zeros(0, A.dtype))
    U, s, Vh = svd(A, full_matrices=True, check_finite=False)
    r = int(_count_above(s, _basis_tolerance(s, A.shape, s.dtype, rcond)))
    c = np.ascontiguousarray
    return Subspaces(c(U[:, :r]), c(Vh[r:].T), c(Vh[:r].T), c(U[:, r:]), r, s)


# --------------------------------------------------------------------------- norms

def cond(x, p=None):
    """Condition number ``||x||_p ||x^-1||_p`` (``s_max / s_min`` for the 2-norm).

    Drop-in for numpy's ``linalg.cond``.  Every norm is computed from the
    SVD: ``None``, 2, -2, ``"fro"`` and ``"nuc"`` from the singular values
    alone (they are unitarily invariant); 1, -1, ``inf``, ``-inf`` from
    ``x`` and the SVD-based inverse ``V diag(1/s) U^T``.

    Parameters
    ----------
    x : (..., M, N) array_like
        Square unless ``p`` is None, 2 or -2.
    p : {None, 1, -1, 2, -2, inf, -inf, "fro", "nuc"}
        ``None`` and 2: ``s_max / s_min``; -2: ``s_min / s_max``; 1 / -1: max /
        min absolute column sum; inf / -inf: max / min absolute row sum.

    Returns
    -------
    c : float or ndarray
        ``inf`` for a singular ``x`` (numpy's convention), NaN only where
        ``x`` has NaN.

    Raises
    ------
    LinAlgError
        Empty ``x``, fewer than two dimensions, or ``x`` not square for a
        ``p`` other than None, 2, -2.
    ValueError
        ``p`` not one of the values above.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import cond
    >>> A = np.array([[1.0, 0.0], [0.0, 1e-3]])
    >>> float(cond(A)), round(float(cond(A, "fro")), 6), float(cond(A, 1))
    (1000.0, 1000.001, 1000.0)
    """
    if not (p is None or (isinstance(p, str) and p in ("fro", "nuc"))
            or (isinstance(p, numbers.Real) and not isinstance(p, bool)
                and p in (1, -1, 2, -2, np.inf, -np.inf))):
        raise ValueError(f"`p` must be one of None, 1, -1, 2, -2, inf, -inf, 'fro', 'nuc'; "
                         f"got {p!r}")
    x = as_matrix_stack(x)
    dtype = working_dtype(x.dtype)
    x = x.astype(dtype, copy=False)
    m, n = x.shape[-2:]
    if m * n == 0:
        # numpy's rule: an empty matrix has no condition number, but an empty
        # stack of non-empty matrices gives an empty result
        raise LinAlgError("cond is not defined on empty arrays")
    if p not in (None, 2, -2) and m != n:
        raise LinAlgError(f"cond with p={p!r} needs square matrices; the last two dimensions "
                          f"of `x` are {m} x {n} (p=None, 2 or -2 work for any shape)")
    batch = x.shape[:-2]
    finite = np.isfinite(x).all(axis=(-2, -1))
    r = np.full(batch, np.nan, dtype)
    if finite.any():
        xs = x if finite.all() else x[finite]
        r[finite] = _cond_finite(xs, p)
    # non-finite slices: NaN where x has NaN, inf where it has only infs (numpy
    # itself is not consistent here: it raises for some p and returns NaN for others);
    # NaN from 0/0 (a zero matrix) becomes inf, a singular matrix (numpy's convention)
    r = np.where(np.isnan(r) & ~np.isnan(x).any(axis=(-2, -1)), np.inf, r)
    return r[()] if r.ndim == 0 else r


def _cond_finite(x, p):
    """Condition numbers of a stack of finite matrices (see :func:`cond`)."""
    with np.errstate(all="ignore"):
        if p in (None, 2, -2, "fro", "nuc"):
            s = svd(x, compute_uv=False, check_finite=False)
            if p == -2:
                return s[..., -1] / s[..., 0]
            if p in (None, 2):
                return s[..., 0] / s[..., -1]
            if p == "fro":
                return _vector_norm(s) * _vector_norm(1 / s)
            return np.sum(s, axis=-1) * np.sum(1 / s, axis=-1)
        U, s, Vh = svd(x, full_matrices=False, check_finite=False)
        inv = (_t(Vh) / s[..., None, :]) @ _t(U)
        r = np.linalg.norm(x, p, axis=(-2, -1)) * np.linalg.norm(inv, p, axis=(-2, -1))
        return np.where(s[..., -1] == 0, np.inf, r)


def _spectral_norm_vector(A, shape):
    """``||A||_2`` for an operand with one row or one column: the Euclidean norm of it."""
    m, n = shape
    if isinstance(A, LinearOperator):
        v = A.matvec(np.ones(1)) if n == 1 else A.rmatvec(np.ones(1))
    elif _sparse.issparse(A):
        v = A.toarray()
    else:
        v = np.asarray(A, dtype=np.float64)
    return float(_vector_norm(_finite_operand(np.ravel(np.asarray(v, dtype=np.float64)))))


def _finite_operand(values):
    """``values`` (entries or products of an operand), or NonFiniteError naming the problem."""
    if not np.all(np.isfinite(values)):
        what = "NaN" if np.isnan(values).any() else "Inf"
        raise NonFiniteError(f"spectral_norm: the operand's entries or products contain "
                             f"{what}; they must be finite.")
    return values


def spectral_norm(A, tol=0.0, *, random_state=0):
    """``||A||_2``, the largest singular value, of a dense array, a sparse matrix or a
    :class:`~scipy.sparse.linalg.LinearOperator`.

    A stack of dense matrices gets the exact values from :func:`fastsvd.svdvals`;
    a 2-D operand gets one Lanczos triplet from :func:`fastsvd.svds` (``k=1``),
    which touches ``A`` only through products.

    Parameters
    ----------
    A : (..., M, N) array_like, scipy.sparse matrix or LinearOperator
    tol : float, default 0
        Relative tolerance passed to :func:`fastsvd.svds`: the result is then
        within about ``tol * ||A||_2`` of the truth (Weyl), and from below
        (Ritz values of the largest singular value never overshoot it).  0 means
        machine precision.
    random_state : int or Generator, default 0
        Seed of the Lanczos start vector, fixed by default so repeated calls agree.

    Returns
    -------
    float, or ndarray for a stack

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> from fastsvd.derived import spectral_norm
    >>> round(spectral_norm(sp.diags([1.0, -5.0, 3.0])), 12)
    5.0
    """
    if not (isinstance(tol, numbers.Real) and tol >= 0):
        raise ValueError(f"`tol` must be a number >= 0, got {tol!r}")
    from .truncated import svds
    if not (isinstance(A, LinearOperator) or _sparse.issparse(A)):
        A = as_matrix_stack(A)
        working_dtype(A.dtype)
        _check_finite(A, "`A`")
        if A.ndim > 2:
            if A.size == 0:
                return np.zeros(A.shape[:-2], working_dtype(A.dtype))
            return svdvals(A, check_finite=False)[..., 0]
    shape = tuple(A.shape)
    if len(shape) != 2:
        raise ValueError(f"`A` must be 2-D, got shape {shape}")
    if 0 in shape:
        return 0.0
    if min(shape) == 1:
        return _spectral_norm_vector(A, shape)
    if min(shape) <= 2 or (not isinstance(A, LinearOperator) and not _sparse.issparse(A)
                           and min(shape) <= _DENSE_NORM_SIZE):
        dense = A.toarray() if _sparse.issparse(A) else (
            A @ np.eye(shape[1]) if isinstance(A, LinearOperator) else A)
        return float(svdvals(_finite_operand(np.asarray(dense)), check_finite=False)[0])
    s = svds(A, k=1, tol=tol, return_singular_vectors=False, random_state=random_state)
    return float(s[0])


#: below this short side a dense matrix's norm comes from the full set of singular
#: values: one dense SVD of a 32-column matrix costs less than the Lanczos setup
#: (restart basis of 30 vectors, svds' default ncv), and is exact
_DENSE_NORM_SIZE = 32


def nuclear_norm(A):
    """Nuclear (trace) norm ``sum(s)``, the dual of the spectral norm.

    Parameters
    ----------
    A : (..., M, N) array_like or scipy.sparse matrix (densified: every
        singular value is needed)

    Returns
    -------
    float, or ndarray for a stack

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import nuclear_norm
    >>> float(nuclear_norm(np.array([[3.0, 0.0], [4.0, 5.0]])))   # sqrt(45) + sqrt(5)
    8.94427190999916
    """
    if _sparse.issparse(A):
        A = A.toarray()
    if isinstance(A, LinearOperator):
        raise TypeError("nuclear_norm needs every singular value: pass a dense or sparse "
                        "matrix, not a LinearOperator")
    A = _matrix(A, "A")
    if A.size == 0:
        r = np.zeros(A.shape[:-2], A.dtype)
    else:
        # ascending order: the small values are added first (less rounding)
        r = np.sum(svdvals(A, check_finite=False)[..., ::-1], axis=-1)
    return float(r) if r.ndim == 0 else r


# --------------------------------------------------------------------------- low rank

class LowRankResult(NamedTuple):
    """Best rank-``k`` approximation ``U diag(s) Vh`` and its errors (Eckart-Young-Mirsky)."""
    approximation: np.ndarray   #: (..., M, N) the rank-k matrix
    U: np.ndarray               #: (..., M, k)
    s: np.ndarray               #: (..., k)
    Vh: np.ndarray              #: (..., k, N)
    error_2: object             #: ||A - A_k||_2 = s_{k+1} (0 if k = min(M, N))
    error_fro: object           #: ||A - A_k||_F = sqrt(s_{k+1}^2 + ... )


def low_rank(A, k):
    """Best rank-``k`` approximation in every unitarily invariant norm (Eckart-Young-Mirsky).

    The truncated SVD ``A_k = U_k diag(s_k) V_k^T``; the errors come from the
    discarded singular values, ``||A - A_k||_2 = s_{k+1}`` and
    ``||A - A_k||_F = sqrt(sum_{i>k} s_i^2)``, exact up to the SVD's rounding.

    Parameters
    ----------
    A : (..., M, N) array_like
    k : int
        ``0 <= k <= min(M, N)``.

    Returns
    -------
    LowRankResult
        ``(approximation, U, s, Vh, error_2, error_fro)``; the errors are
        floats for a matrix, arrays for a stack.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import low_rank
    >>> A = np.diag([4.0, 3.0, 0.0]) + 0.0
    >>> r = low_rank(A, 1)
    >>> r.error_2, r.error_fro, float(r.approximation[0, 0])
    (3.0, 3.0, 4.0)
    """
    A = _matrix(A, "A")
    m, n = A.shape[-2:]
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k <= min(m, n):
        raise ValueError(f"`k` must be an integer with 0 <= k <= min(M, N) = {min(m, n)}, "
                         f"got {k!r}")
    batch = A.shape[:-2]
    if A.size == 0:
        U, s, Vh = (np.zeros(batch + (m, 0), A.dtype), np.zeros(batch + (0,), A.dtype),
                    np.zeros(batch + (0, n), A.dtype))
    else:
        U, s, Vh = svd(A, full_matrices=False, check_finite=False)
    tail = s[..., k:]
    err2 = tail[..., 0] if tail.shape[-1] else np.zeros(batch, A.dtype)
    errf = _vector_norm(tail)
    Uk, sk, Vk = (np.ascontiguousarray(U[..., :, :k]), np.ascontiguousarray(s[..., :k]),
                  np.ascontiguousarray(Vh[..., :k, :]))
    approx = np.ascontiguousarray((Uk * sk[..., None, :]) @ Vk)
    if not batch:
        err2, errf = float(err2), float(errf)
    return LowRankResult(approx, Uk, sk, Vk, err2, errf)


# --------------------------------------------------------------------------- Procrustes, TLS

def orthogonal_procrustes(A, B, check_finite=True):
    """Orthogonal ``R`` minimising ``||A R - B||_F`` (Schönemann 1966).

    Drop-in for SciPy's ``linalg.orthogonal_procrustes``: with
    ``A^T B = U diag(w) V^T``, ``R = U V^T`` and ``scale = sum(w)``.

    Parameters
    ----------
    A, B : (..., M, N) array_like
        Same shape.
    check_finite : bool, default True
        Raise ``ValueError`` on NaN/Inf.

    Returns
    -------
    R : (..., N, N) ndarray
        Orthogonal.
    scale : float or ndarray
        Sum of the singular values of ``A^T B``: ``trace(R^T A^T B)``, the
        maximised inner product ``<A R, B>``.

    Raises
    ------
    ValueError
        ``A`` not at least 2-D, or shapes that differ.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import orthogonal_procrustes
    >>> A = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> Q = np.array([[0.0, -1.0], [1.0, 0.0]])       # 90 degree rotation
    >>> R, scale = orthogonal_procrustes(A, A @ Q)
    >>> bool(np.allclose(R, Q))
    True
    """
    A = np.asarray(A)
    B = np.asarray(B)
    if A.ndim < 2:
        raise ValueError(f"expected ndim to be 2, but observed {A.ndim} for `A`")
    if A.shape != B.shape:
        raise ValueError(f"the shapes of A and B differ ({A.shape} vs {B.shape})")
    dtype = np.result_type(working_dtype(A.dtype), working_dtype(B.dtype))
    A = A.astype(dtype, copy=False)
    B = B.astype(dtype, copy=False)
    if check_finite:
        _check_finite(A, "`A`")
        _check_finite(B, "`B`")
    M = np.ascontiguousarray(_t(A) @ B)
    n = M.shape[-1]
    if n == 0:
        return np.zeros(M.shape, dtype), np.zeros(M.shape[:-2], dtype)[()]
    U, w, Vh = svd(M, check_finite=False)
    R = np.ascontiguousarray(U @ Vh)
    scale = np.sum(w, axis=-1)
    return R, scale[()]   # a numpy scalar of the working dtype for one matrix, as SciPy


class TLSResult(NamedTuple):
    """Total least squares solution and the size of the data correction."""
    x: np.ndarray              #: (N,) or (N, K) solution
    correction: float          #: ||[dA, db]||_F, the smallest correction making the system consistent
    s: np.ndarray              #: singular values of [A, b], descending


def total_least_squares(A, b):
    """Total least squares: the smallest ``[dA, db]`` (Frobenius) with
    ``(A + dA) x = b + db`` solvable, and that ``x`` (Golub & Van Loan 1980).

    From the SVD ``[A, b] = U diag(s) V^T`` with ``V`` partitioned as
    ``[[V11, V12], [V21, V22]]`` (``V22`` is ``K x K``), ``x = -V12 V22^-1``
    (Golub & Van Loan, *Matrix Computations*, 4th ed., sec. 6.3, Algorithm 6.3.1);
    the correction is ``sqrt(s_{N+1}^2 + ... + s_{N+K}^2)``.  Unlike ordinary
    least squares, TLS is not invariant to column scaling: give ``A`` and ``b``
    comparable units.  The solution is unique when ``s_N(A) > s_{N+1}([A, b])``;
    when they tie the returned ``x`` is one of the solutions.

    Parameters
    ----------
    A : (M, N) array_like
    b : (M,) or (M, K) array_like

    Returns
    -------
    TLSResult
        ``(x, correction, s)``.

    Raises
    ------
    LinAlgError
        No TLS solution: ``V22`` is singular to working precision (the best
        correction would make ``A`` itself rank deficient along ``b``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import total_least_squares
    >>> A = np.array([[1.0], [2.0], [3.0]])
    >>> r = total_least_squares(A, 2 * A[:, 0])     # consistent: x = 2, no correction
    >>> round(float(r.x[0]), 12), r.correction < 1e-14
    (2.0, True)
    """
    A = _matrix(A, "A")
    if A.ndim != 2:
        raise ValueError(f"`A` must be 2-D, got shape {A.shape}")
    b = np.asarray(b)
    if b.ndim not in (1, 2) or b.shape[0] != A.shape[0]:
        raise ValueError(f"`b` must have shape ({A.shape[0]},) or ({A.shape[0]}, K) to match "
                         f"`A` {A.shape}, got {b.shape}")
    dtype = np.result_type(A.dtype, working_dtype(b.dtype))
    b = b.astype(dtype, copy=False)
    _check_finite(b, "`b`")
    is_1d = b.ndim == 1
    Bm = b[:, None] if is_1d else b
    m, n = A.shape
    k = Bm.shape[1]
    if k == 0 or m == 0:
        raise ValueError(f"total_least_squares needs a non-empty system, got `A` {A.shape} "
                         f"and `b` {b.shape}")
    C = np.concatenate([A.astype(dtype, copy=False), Bm], axis=1)
    # 1. SVD of [A, b]; all N + K right singular vectors are needed
    _, s, Vh = svd(C, full_matrices=m < n + k, check_finite=False)
    V = Vh.T
    V12, V22 = V[:n, n:], V[n:, n:]
    # 2. x = -V12 V22^-1, V22 inverted through its own SVD.  V's entries carry
    #    about (N + K) eps absolute error (orthogonality of a backward-stable SVD),
    #    so a smaller singular value of V22 cannot be told from zero.
    U2, s2, Vh2 = svd(np.ascontiguousarray(V22), check_finite=False)
    eps = float(np.finfo(dtype).eps)
    if s2[-1] <= (n + k) * eps:
        raise LinAlgError("total_least_squares: no solution, the block V22 of the right "
                          f"singular vectors of [A, b] is singular (smallest singular value "
                          f"{s2[-1]:.3g}); b's direction is lost in A's smallest singular "
                          "subspace (nongeneric TLS problem)")
    x = -(V12 @ ((Vh2.T / s2) @ U2.T))
    x = np.ascontiguousarray(x[:, 0] if is_1d else x, dtype=dtype)
    tail = s[n:] if s.shape[0] > n else np.zeros(0, dtype)
    return TLSResult(x, float(_vector_norm(tail)), s)


# --------------------------------------------------------------------------- PCA

class PCAResult(NamedTuple):
    """Principal components, as scikit-learn's ``PCA`` attributes."""
    components: np.ndarray                #: (k, n_features), orthonormal rows
    scores: np.ndarray                    #: (n_samples, k) = (X - mean) @ components.T
    explained_variance: np.ndarray        #: (k,) s^2 / (n_samples - 1)
    explained_variance_ratio: np.ndarray  #: (k,) explained_variance / total variance
    mean: np.ndarray                      #: (n_features,) zeros when center=False
    singular_values: np.ndarray           #: (k,)


_PCA_SOLVERS = ("auto", "full", "randomized", "lanczos")


def _flip_by_components(U, Vh):
    """Make each component's largest-magnitude entry positive (first index on ties).

    scikit-learn's ``svd_flip(u, v, u_based_decision=False)``, which its ``PCA``
    uses since version 1.5, so the signs do not depend on the samples' order.
    """
    if Vh.shape[0] == 0:
        return U, Vh
    idx = np.argmax(np.abs(Vh), axis=1)
    signs = np.sign(Vh[np.arange(Vh.shape[0]), idx])
    signs[signs == 0] = 1
    return U * signs, Vh * signs[:, None]


def pca(X, n_components=None, *, center=True, solver="auto", random_state=None):
    """Principal component analysis by the SVD of the centred data.

    Parameters
    ----------
    X : (n_samples, n_features) array_like
    n_components : int, float or None
        ``None``: ``min(n_samples, n_features)``; an int ``1 <= k <= min``; a
        float in (0, 1): the fewest components whose cumulative explained
        variance ratio exceeds it (needs the full spectrum, so ``solver`` must
        be "auto" or "full"), as scikit-learn.
    center : bool, default True
        Subtract the column means.  With False this is a truncated SVD of
        ``X`` itself: ``explained_variance`` is still ``s^2 / (n_samples - 1)``
        and the ratio is relative to ``||X||_F^2 / (n_samples - 1)``.
    solver : {"auto", "full", "randomized", "lanczos"}
        "full": dense :func:`fastsvd.svd`; "randomized":
        :func:`fastsvd.randomized_svd`; "lanczos": :func:`fastsvd.svds`
        (``k < min(n_samples, n_features)``).  "auto" follows scikit-learn:
        "full" for data up to 500 x 500 or when ``k >= 0.8 min(shape)``,
        "randomized" otherwise.
    random_state : int, RandomState or None
        Seed of the randomized and Lanczos solvers.

    Returns
    -------
    PCAResult
        ``(components, scores, explained_variance, explained_variance_ratio,
        mean, singular_values)``.  Sign convention: each component (row of
        ``components``) has its largest-magnitude entry positive, as
        scikit-learn's ``PCA`` (>= 1.5, ``svd_flip(u_based_decision=False)``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastsvd.derived import pca
    >>> rng = np.random.default_rng(0)
    >>> t = rng.standard_normal(200)
    >>> X = np.stack([t, 2 * t, 0.01 * rng.standard_normal(200)], axis=1)
    >>> r = pca(X, 1)
    >>> np.round(r.components[0, :2], 3)       # (1, 2) / sqrt(5), sign fixed
    array([0.447, 0.894])
    >>> bool(r.explained_variance_ratio[0] > 0.9999)
    True
    """
    X = _matrix(X, "X")
    if X.ndim != 2:
        raise ValueError(f"`X` must be 2-D (n_samples, n_features), got shape {X.shape}")
    n_samples, n_features = X.shape
    if n_samples < 2 or n_features < 1:
        raise ValueError(f"pca needs at least 2 samples and 1 feature, got `X` {X.shape}")
    if solver not in _PCA_SOLVERS:
        raise ValueError(f"`solver` must be one of {_PCA_SOLVERS}, got {solver!r}")
    short = min(n_samples, n_features)
    fraction = None
    if n_components is None:
        k = short
    elif isinstance(n_components, numbers.Integral) and not isinstance(n_components, bool):
        if not 1 <= n_components <= short:
            raise ValueError(f"`n_components` must be between 1 and min(n_samples, "
                             f"n_features) = {short}, got {n_components}")
        k = int(n_components)
    elif isinstance(n_components, numbers.Real) and 0 < n_components < 1:
        if solver not in ("auto", "full"):
            raise ValueError(f"a fractional `n_components` ({n_components}) needs the full "
                             f"spectrum: use solver='full', not {solver!r}")
        fraction, k = float(n_components), short
    else:
        raise ValueError("`n_components` must be None, an integer in [1, min(n_samples, "
                         f"n_features)] or a float in (0, 1), got {n_components!r}")
    if solver == "auto":
        small = max(X.shape) <= 500 or fraction is not None
        solver = "full" if small or k >= 0.8 * short else "randomized"
    if solver == "lanczos" and k >= short:
        raise ValueError(f"solver='lanczos' needs n_components < min(n_samples, n_features) "
                         f"= {short}, got {k}")

    # 1. scale into the safe range (exactly, by a power of two; undone below) and centre
    shift = _scale_exponent(X)
    if shift:
        X = np.ldexp(X, shift).astype(X.dtype, copy=False)
    mean = X.mean(axis=0) if center else np.zeros(n_features, X.dtype)
    Xc = np.ascontiguousarray(X - mean) if center else np.ascontiguousarray(X)
    total = float(_vector_norm(Xc.ravel()))
    # 2. SVD of the centred data
    if solver == "full":
        U, s, Vh = svd(Xc, full_matrices=False, check_finite=False)
    elif solver == "randomized":
        from .truncated import randomized_svd
        U, s, Vh = randomized_svd(Xc, k, random_state=random_state, flip_sign=False)
    else:
        from .truncated import svds
        U, s, Vh = svds(Xc, k=k, random_state=random_state)
        U, s, Vh = U[:, ::-1], s[::-1], Vh[::-1]   # descending, as the others
    # 3. deterministic signs, explained variance, and the fractional choice of k
    U, Vh = _flip_by_components(U, Vh)
    # the ratio of squares is the square of a ratio <= 1: no under- or overflow
    ratio = (s / total) ** 2 if total > 0 else np.zeros_like(s)
    if shift:
        s = np.ldexp(s, -shift).astype(s.dtype, copy=False)
        mean = np.ldexp(mean, -shift).astype(mean.dtype, copy=False)
    # s / sqrt(n - 1) first: s^2 alone overflows when the variance does not
    var = (s / np.sqrt(n_samples - 1.0).astype(s.dtype)) ** 2
    if fraction is not None:
        k = int(np.searchsorted(np.cumsum(ratio), fraction, side="right")) + 1
        k = min(k, short)
    c = np.ascontiguousarray
    return PCAResult(c(Vh[:k]), c(U[:, :k] * s[:k]), c(var[:k]), c(ratio[:k]), mean,
                     c(s[:k]))
