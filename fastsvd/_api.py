"""The public dense entry points: validation, dtypes, stacking, results, fallbacks.

No arithmetic on matrix entries happens here; the kernels do it all.
"""
from typing import NamedTuple

import numpy as np

from . import _dispatch
from ._errors import LinAlgError, NoConvergenceError, NonFiniteError
from .kernels.numerics import NO_CONVERGENCE, NOT_FINITE, SUCCESS
from ._validate import as_matrix_stack, check_finite as _check_finite, check_fits, working_dtype


class SVDResult(NamedTuple):
    """``A = U @ (S[..., None] * Vh)``, the same fields as ``numpy.linalg.svd``'s."""
    U: np.ndarray
    S: np.ndarray
    Vh: np.ndarray


class SVDInfo(NamedTuple):
    """What ran: returned with ``return_info=True``.

    ``status`` is 0 for success; for a stack, an integer array with one code
    per slice (0 ok, 1 did not converge, 2 non-finite input), useful with
    ``on_failure="nan"``.
    """
    method: str
    tried: tuple
    plan: _dispatch.Plan
    status: object = 0


_METHODS = ("auto", "qr", "dc", "jacobi")
_ON_FAILURE = ("raise", "nan")
#: per-slice status codes: the kernels' own (kernels/numerics.py)
_OK, _NOT_CONVERGED, _NOT_FINITE = SUCCESS, NO_CONVERGENCE, NOT_FINITE
_ACCURACY = ("backward", "relative")


def _resolve_method(method, lapack_driver, accuracy):
    if lapack_driver is not None:
        if lapack_driver not in _dispatch.LAPACK_ALIASES:
            raise ValueError(f"lapack_driver must be one of {sorted(_dispatch.LAPACK_ALIASES)} "
                             f"or None, got {lapack_driver!r}")
        alias = _dispatch.LAPACK_ALIASES[lapack_driver]
        if method not in ("auto", alias):
            raise ValueError(f"method={method!r} contradicts lapack_driver={lapack_driver!r}")
        method = alias
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if method != "auto" and not _dispatch.available(method):
        raise NotImplementedError(f"method {method!r} is not available in this version")
    if isinstance(accuracy, str):
        if accuracy not in _ACCURACY:
            raise ValueError(f"accuracy must be one of {_ACCURACY} or a float tolerance, "
                             f"got {accuracy!r}")
    elif not (isinstance(accuracy, (float, int)) and accuracy > 0):
        raise ValueError(f"accuracy must be one of {_ACCURACY} or a positive float, "
                         f"got {accuracy!r}")
    return method


def _is_dask(a):
    """A dask array (checked by module name: dask is an optional extra, never imported here)."""
    return type(a).__module__.split(".")[0] == "dask"


def _symmetric_from_lower(a):
    """The symmetric matrices the lower triangles of ``a`` define (numpy's
    ``hermitian=True`` reads only those), so every method of the fallback chain
    decomposes the same matrix.  A copy; the input is not touched."""
    if a.shape[-1] != a.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    lower = np.tril(a)
    return lower + np.swapaxes(np.tril(a, -1), -1, -2)


def _check_memory(a, dtype, compute_uv, full_matrices):
    """Raise ``MemoryError`` before allocating if the results and workspaces cannot fit.

    Counts the outputs of every slice, a converted or contiguous copy of the whole
    input when one is needed (another dtype, or a strided or broadcast view), and
    one slice's working copy, reduced matrix and panels.
    """
    shape = a.shape
    m, n = shape[-2], shape[-1]
    count = _prod(shape[:-2])
    k = min(m, n)
    item = np.dtype(dtype).itemsize
    if compute_uv:
        out = (m * m + n * n) if full_matrices else (m * k + k * n)
        out += k
    else:
        out = k
    work = m * n + 2 * k * k + 4 * max(m, n) * 64     # working copy, R, rotated identity, panels
    if a.dtype != dtype or not a.flags.c_contiguous:
        work += count * m * n                          # the converted / contiguous input
    nbytes = (count * out + work) * item
    check_fits(nbytes, f"svd of {count} x {m} x {n} {np.dtype(dtype)} "
               f"(compute_uv={compute_uv}, full_matrices={full_matrices})",
               "Use full_matrices=False, compute_uv=False, or fastsvd.svds for a few "
               "singular triplets.")


def _prod(dims):
    out = 1
    for x in dims:
        out *= int(x)
    return out


def _svd_2d(a, compute_uv, full_matrices, plan, overwrite, source=None):
    """SVD of one non-empty matrix, with the fallback chain.  Returns (U, s, Vh, tried).

    With ``overwrite`` the first method may use ``a``'s memory as workspace.  A
    fallback then needs the matrix again: it is taken from ``source`` (the
    caller's array, when ``a`` is a converted copy of it); if ``a`` was the
    caller's own array there is nothing left to decompose, and the error says so
    instead of decomposing the first method's leftovers.
    """
    m, n = a.shape
    wide = m < n
    order = [plan.method] + list(plan.fallbacks)
    tried = []
    consumed = False
    for method in order:
        tried.append(method)
        A = a.T if wide else a
        # the kernels overwrite their input: copy unless the caller said not to bother
        if overwrite and not consumed and A.flags.c_contiguous and A.flags.writeable:
            consumed = True
        else:
            A = np.array(A, order="C", copy=True)
        U, s, Vt, info = _dispatch.driver(method)(A, compute_uv, full_matrices)
        if info == 0:
            break
        if consumed:
            if source is None:
                raise NoConvergenceError(
                    f"SVD did not converge ({method}), and the input was used as workspace "
                    "(overwrite_a=True), so the fallback methods could not run on it; call "
                    "again with overwrite_a=False")
            a = np.asarray(source, dtype=a.dtype)
        if not np.isfinite(a).all():
            # only reachable with check_finite=False: no other method can do better
            raise NonFiniteError("SVD did not converge: the input contains NaN or Inf")
    else:
        raise NoConvergenceError(f"SVD did not converge (tried {', '.join(tried)})")
    if not compute_uv:
        return None, s, None, tuple(tried)
    if wide:
        # A^T = U' S V'^T  =>  A = V' S U'^T
        U, Vt = np.ascontiguousarray(Vt.T), np.ascontiguousarray(U.T)
    return U, s, Vt, tuple(tried)


def _empty_result(shape, dtype, compute_uv, full_matrices):
    """numpy's results for a stack with a zero dimension: identities where full."""
    batch, (m, n) = shape[:-2], shape[-2:]
    k = min(m, n)
    s = np.zeros(batch + (k,), dtype)
    if not compute_uv:
        return s
    if full_matrices:
        U = np.broadcast_to(np.eye(m, dtype=dtype), batch + (m, m)).copy()
        Vh = np.broadcast_to(np.eye(n, dtype=dtype), batch + (n, n)).copy()
    else:
        U = np.zeros(batch + (m, k), dtype)
        Vh = np.zeros(batch + (k, n), dtype)
        if k:  # only a zero-size batch gets here with k > 0
            pass
    return SVDResult(U, s, Vh)


def _svd_stack_batched(a, compute_uv, full_matrices):
    """All slices in one parallel kernel call.  Returns (U, S, Vh, status)."""
    from .kernels.batched import svd_batched
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    A3 = np.ascontiguousarray(a.reshape((-1, m, n)))
    U3, S2, Vt3, status = svd_batched(A3, compute_uv, full_matrices)
    S = S2.reshape(batch + S2.shape[1:])
    if not compute_uv:
        return None, S, None, status.reshape(batch)
    return (U3.reshape(batch + U3.shape[1:]), S, Vt3.reshape(batch + Vt3.shape[1:]),
            status.reshape(batch))


def _stack_outputs(batch, m, n, dtype, compute_uv, full_matrices):
    k = min(m, n)
    ucols, vrows = (m, n) if full_matrices else (k, k)
    S = np.empty(batch + (k,), dtype)
    U = np.empty(batch + (m, ucols), dtype) if compute_uv else None
    Vh = np.empty(batch + (vrows, n), dtype) if compute_uv else None
    return U, S, Vh


def _svd_slices(a, indices, out, status, compute_uv, full_matrices, plan, overwrite,
                on_failure, source):
    """Decompose the slices ``a[idx]`` for ``idx`` in ``indices`` one by one, each with
    the whole fallback chain, into ``out = (U, S, Vh)``.  Returns the methods tried."""
    U, S, Vh = out
    tried_all = set()
    for idx in indices:
        try:
            if on_failure == "nan":
                _check_finite(a[idx], f"slice {idx}")
            u, s, vh, tried = _svd_2d(a[idx], compute_uv, full_matrices, plan, overwrite,
                                      None if source is None else source[idx])
        except LinAlgError as exc:
            if on_failure == "raise":
                raise
            status[idx] = _NOT_FINITE if isinstance(exc, NonFiniteError) else _NOT_CONVERGED
            S[idx] = np.nan
            if compute_uv:
                U[idx] = np.nan
                Vh[idx] = np.nan
            continue
        status[idx] = _OK
        S[idx] = s
        if compute_uv:
            U[idx] = u
            Vh[idx] = vh
        tried_all.update(tried)
    return tried_all


def _svd_stack(a, compute_uv, full_matrices, plan, overwrite, on_failure, source, accuracy):
    """SVD of every slice of a stack.  Returns (U, S, Vh, status, tried).

    The batched kernel takes all slices at once and flags those it could not
    finish; each flagged slice is then decomposed alone with the 2-D chain
    (dc -> qr -> jacobi), so a slice fails only when every method failed on it.
    """
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    if plan.method == "batched":
        U, S, Vh, status = _svd_stack_batched(a, compute_uv, full_matrices)
        tried = {"batched"}
        flagged = [tuple(int(i) for i in idx) for idx in np.argwhere(status == _NOT_CONVERGED)]
        if flagged:
            # the batched kernel left its input intact: the slices are still there
            slice_plan = _dispatch.choose_dense((m, n), a.dtype, compute_uv=compute_uv,
                                                full_matrices=full_matrices, accuracy=accuracy)
            tried |= _svd_slices(a, flagged, (U, S, Vh), status, compute_uv, full_matrices,
                                 slice_plan, False, "nan", None)
        if on_failure == "raise" and status.any():
            bad = tuple(int(i) for i in np.argwhere(status)[0])
            if (status == _NOT_FINITE).any():
                raise NonFiniteError(f"slice {bad} of the stack contains NaN or Inf")
            raise NoConvergenceError(f"SVD of slice {bad} of the stack did not converge "
                                     f"(tried {', '.join(sorted(tried))}; pass "
                                     "on_failure='nan' to keep the other slices)")
        return U, S, Vh, status, tuple(sorted(tried))
    out = _stack_outputs(batch, m, n, a.dtype, compute_uv, full_matrices)
    status = np.zeros(batch, np.int64)
    tried = _svd_slices(a, np.ndindex(*batch), out, status, compute_uv, full_matrices, plan,
                        overwrite, on_failure, source)
    return (*out, status, tuple(sorted(tried)))


def svd(a, full_matrices=True, compute_uv=True, hermitian=False, *, method="auto",
        overwrite_a=False, check_finite=True, lapack_driver=None, accuracy="backward",
        on_failure="raise", return_info=False):
    """Singular value decomposition ``a = U @ diag(S) @ Vh``.

    A drop-in for :func:`numpy.linalg.svd` and :func:`scipy.linalg.svd`,
    computed by fastsvd's own kernels.

    Parameters
    ----------
    a : (..., M, N) array_like
        Real matrix or stack of matrices.  Integers and bools are computed in
        float64, float32 stays float32.  A tall-skinny or short-fat dask array
        gives lazy dask arrays computed by TSQR on the workers
        (:func:`fastsvd.distributed.svd`; pass ``full_matrices=False``).
    full_matrices : bool, default True
        ``U`` is ``M x M`` and ``Vh`` ``N x N``; otherwise ``M x K`` and
        ``K x N`` with ``K = min(M, N)``.
    compute_uv : bool, default True
        Return only ``S`` when False.
    hermitian : bool, default False
        As numpy: ``a`` is taken as symmetric and only its lower triangle is
        read; the SVD comes from its eigen-decomposition (``S = |lambda|``), about
        half the work of the general path.  Non-square input raises as in numpy.
    method : {"auto", "qr", "dc", "jacobi"}
        ``"qr"``: bidiagonal QR iteration (LAPACK's gesvd); ``"dc"``: divide
        and conquer (gesdd); ``"jacobi"``: one-sided Jacobi (gejsv), high
        relative accuracy.  ``"auto"`` lets the dispatcher choose; see
        :func:`fastsvd.plan`.
    overwrite_a : bool, default False
        Allow the kernels to use ``a``'s memory as workspace (its contents are
        destroyed) when it is a writeable C-contiguous float array of the
        working dtype.  Otherwise ``a`` is never modified.
    check_finite : bool, default True
        Raise :class:`fastsvd.NonFiniteError` (a ``ValueError`` and a
        ``LinAlgError``) on NaN or Inf.  With False a non-finite input yields a
        :class:`~fastsvd.NoConvergenceError` or NaNs, never a hang.
    lapack_driver : {"gesdd", "gesvd"}, optional
        scipy's name for the method: ``"gesvd"`` is ``"qr"``, ``"gesdd"`` is ``"dc"``.
    accuracy : {"backward", "relative"}
        ``"backward"``: error ~ eps * ||A|| (the default, as LAPACK);
        ``"relative"``: every singular value to high relative accuracy (Jacobi).
    on_failure : {"raise", "nan"}, default "raise"
        For a stack: with ``"nan"`` a slice that is not finite or does not
        converge comes back as NaN and the others are kept; the per-slice
        status is in the :class:`SVDInfo` of ``return_info=True``.  (The
        NaN/Inf scan of ``check_finite`` is then left to the slices.)
    return_info : bool, default False
        Also return an :class:`SVDInfo` saying which method ran.

    Returns
    -------
    SVDResult(U, S, Vh), or S alone when ``compute_uv`` is False.
    S is sorted descending and non-negative.

    Raises
    ------
    LinAlgError
        Fewer than two dimensions, or no method converged.
    NonFiniteError
        NaN or Inf in ``a`` (with ``check_finite``).
    TypeError
        Object, string, float16 or long double input.
    MemoryError
        The requested factors cannot fit in the available memory (raised
        before anything is allocated).

    Examples
    --------
    >>> import numpy as np, fastsvd
    >>> A = np.array([[3.0, 0.0], [4.0, 5.0]])
    >>> U, S, Vh = fastsvd.svd(A)
    >>> np.round(S ** 2, 10)            # eigenvalues of A^T A
    array([45.,  5.])
    >>> bool(np.allclose(U @ np.diag(S) @ Vh, A))
    True
    """
    if _is_dask(a):
        # the matrix may not fit one machine: TSQR graphs whose tasks run these kernels
        from . import distributed
        return distributed.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    method = _resolve_method(method, lapack_driver, accuracy)
    if on_failure not in _ON_FAILURE:
        raise ValueError(f"on_failure must be one of {_ON_FAILURE}, got {on_failure!r}")
    a = as_matrix_stack(a)
    dtype = working_dtype(a.dtype)
    if hermitian:
        a = _symmetric_from_lower(a)
    if check_finite and not (on_failure == "nan" and a.ndim > 2):
        _check_finite(a)
    shape = a.shape
    plan = _dispatch.choose_dense(shape, dtype, compute_uv=compute_uv,
                                  full_matrices=full_matrices, method=method,
                                  accuracy=accuracy, hermitian=hermitian)
    _check_memory(a, dtype, compute_uv, full_matrices)
    if a.size == 0:
        result = _empty_result(shape, dtype, compute_uv, full_matrices)
        info = SVDInfo("none", (), plan, 0)
        return (result, info) if return_info else result
    source = None
    if a.dtype != dtype:
        source = a  # the caller's data stays intact for a fallback
        a = a.astype(dtype)
        overwrite_a = True  # our own copy
    if a.ndim == 2:
        U, S, Vh, tried = _svd_2d(a, compute_uv, full_matrices, plan, overwrite_a, source)
        status = 0
    else:
        U, S, Vh, status, tried = _svd_stack(a, compute_uv, full_matrices, plan, overwrite_a,
                                             on_failure, source, accuracy)
    info = SVDInfo(tried[-1] if a.ndim == 2 else plan.method, tried, plan, status)
    result = SVDResult(U, S, Vh) if compute_uv else S
    return (result, info) if return_info else result


def svdvals(a, overwrite_a=False, check_finite=True):
    """Singular values of ``a`` (..., M, N), descending: :func:`scipy.linalg.svdvals`
    and :func:`numpy.linalg.svdvals`.

    Examples
    --------
    >>> import numpy as np, fastsvd
    >>> fastsvd.svdvals(np.diag([1.0, -3.0, 2.0]))
    array([3., 2., 1.])
    """
    return svd(a, full_matrices=False, compute_uv=False, overwrite_a=overwrite_a,
               check_finite=check_finite)


def _as_shape(shape):
    """A shape tuple given to :func:`plan`, checked as an array of that shape would be."""
    if not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in shape):
        raise TypeError(f"a shape must be a tuple of integers, got {shape!r}")
    if any(x < 0 for x in shape):
        raise ValueError(f"negative dimensions are not allowed, got shape {shape!r}")
    if len(shape) < 2:
        raise LinAlgError(f"{len(shape)}-dimensional shape given. Array must be at least "
                          "two-dimensional")
    return tuple(int(x) for x in shape)


def plan(a, *, compute_uv=True, full_matrices=True, method="auto", accuracy="backward",
         hermitian=False):
    """The :class:`~fastsvd._dispatch.Plan` that :func:`svd` would follow for ``a``.

    ``a`` may be an array or just a shape tuple.  ``print(fastsvd.plan(A))``
    says which method runs, in which steps, and why.  For a dask array it
    describes the distributed plan (:func:`fastsvd.distributed.plan`).
    """
    if _is_dask(a):
        from . import distributed
        return distributed.plan(a)
    method = _resolve_method(method, None, accuracy)
    if isinstance(a, tuple):
        shape, dtype = _as_shape(a), np.dtype(np.float64)
    else:
        a = as_matrix_stack(a)
        shape, dtype = a.shape, working_dtype(a.dtype)
    if hermitian and shape[-1] != shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    return _dispatch.choose_dense(shape, dtype, compute_uv=compute_uv,
                                  full_matrices=full_matrices, method=method,
                                  accuracy=accuracy, hermitian=hermitian)
