"""Make :func:`fastsvd.svd` and :func:`fastsvd.svdvals` callable inside ``@njit``.

Inside a jitted function the same names work on 2-D arrays::

    @numba.njit
    def smallest_singular_values(stack):
        out = np.empty(stack.shape[0])
        for i in range(stack.shape[0]):
            out[i] = fastsvd.svdvals(stack[i])[-1]
        return out

``svd(a, full_matrices=True, compute_uv=True)`` returns the tuple
``(U, S, Vh)`` (with ``compute_uv=False`` written as a literal, just ``S``);
NaN/Inf raise ``LinAlgError`` as outside.  The jitted path uses the same
kernels as :func:`fastsvd.svd` with its default method choice.
"""
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

from . import _api
from ._dispatch import DC_MIN_ORDER, available
from .kernels.gesvd import svd_qr

_HAS_DC = available("dc")
if _HAS_DC:
    from .kernels.gesdd import svd_dc
else:  # pragma: no cover - only while D&C is not installed
    svd_dc = svd_qr


def _check_array(a, name):
    if not isinstance(a, types.Array) or a.ndim != 2:
        raise TypingError(f"fastsvd.{name} inside @njit takes a 2-D array, got {a}")
    if isinstance(a.dtype, types.Complex):
        raise TypingError(f"fastsvd.{name}: complex input is not supported yet")
    if not isinstance(a.dtype, (types.Float, types.Integer, types.Boolean)):
        raise TypingError(f"fastsvd.{name}: unsupported dtype {a.dtype}")
    return np.float32 if a.dtype == types.float32 else np.float64


def _literal_false(x):
    return isinstance(x, types.BooleanLiteral) and not x.literal_value


def _make_core(work_dtype):
    from numba import njit

    @njit(cache=False, nogil=True)
    def core(a, full_matrices, compute_uv):
        m, n = a.shape
        for v in a.flat:
            if not np.isfinite(v):
                raise np.linalg.LinAlgError("fastsvd.svd: array must not contain infs or NaNs")
        k = min(m, n)
        if k == 0:
            if full_matrices:
                return np.eye(m, dtype=work_dtype), np.zeros(0, work_dtype), np.eye(n, dtype=work_dtype)
            return (np.zeros((m, 0), work_dtype), np.zeros(0, work_dtype),
                    np.zeros((0, n), work_dtype))
        wide = m < n
        A = np.empty((max(m, n), k), work_dtype)
        if wide:
            A[:, :] = a.T
        else:
            A[:, :] = a
        if compute_uv and k >= DC_MIN_ORDER:
            U, s, Vt, info = svd_dc(A.copy(), compute_uv, full_matrices)
            if info != 0:
                U, s, Vt, info = svd_qr(A, compute_uv, full_matrices)
        else:
            U, s, Vt, info = svd_qr(A, compute_uv, full_matrices)
        if info != 0:
            raise np.linalg.LinAlgError("SVD did not converge")
        if wide:
            return np.ascontiguousarray(Vt.T), s, np.ascontiguousarray(U.T)
        return U, s, Vt

    return core


_CORES = {}


def _core(work_dtype):
    if work_dtype not in _CORES:
        _CORES[work_dtype] = _make_core(work_dtype)
    return _CORES[work_dtype]


@overload(_api.svd, prefer_literal=True)
def _svd_overload(a, full_matrices=True, compute_uv=True, hermitian=False):
    core = _core(_check_array(a, "svd"))
    if _literal_false(compute_uv):
        def values_only(a, full_matrices=True, compute_uv=True, hermitian=False):
            return core(a, False, False)[1]
        return values_only

    def impl(a, full_matrices=True, compute_uv=True, hermitian=False):
        if not compute_uv:
            raise ValueError("fastsvd.svd inside @njit: write compute_uv=False as a literal "
                             "(or call fastsvd.svdvals) to get the singular values alone")
        return core(a, full_matrices, True)
    return impl


@overload(_api.svdvals)
def _svdvals_overload(a, overwrite_a=False, check_finite=True):
    core = _core(_check_array(a, "svdvals"))

    def impl(a, overwrite_a=False, check_finite=True):
        return core(a, False, False)[1]
    return impl
