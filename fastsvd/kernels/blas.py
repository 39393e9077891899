"""Level-2 and level-3 BLAS on strided views, callable from kernels.

``np.dot`` inside ``@njit`` copies any non-contiguous operand (a trailing block
``A[k:, k:]`` is one), which doubles the memory traffic of a matrix-vector
product.  These wrappers call the BLAS that SciPy ships (``scipy.linalg.cython_blas``,
the same OpenBLAS that Numba's ``np.dot`` uses) directly on views, passing the
row stride as the leading dimension, as LAPACK itself does.

The symbols are registered with LLVM by name, so kernels that use them can
still be cached (a ctypes function pointer would make them uncachable).

Convention: every matrix argument is a 2-D view whose last axis has unit stride
(any slice of a C-contiguous array).  Such an ``m x n`` view is, to column-major
BLAS, the ``n x m`` matrix ``A^T`` with leading dimension ``A.strides[0]``;
``C = op(A) op(B)`` is computed as ``C^T = op(B)^T op(A)^T``.
"""
import llvmlite.binding as _llvm
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import get_cython_function_address, intrinsic

from .._jit import kernel

_vp = types.voidptr


def _external(name, nargs):
    symbol = "fastsvd_" + name
    _llvm.add_symbol(symbol, get_cython_function_address("scipy.linalg.cython_blas", name))
    return types.ExternalFunction(symbol, types.void(*([_vp] * nargs)))


_dgemm = _external("dgemm", 13)
_sgemm = _external("sgemm", 13)
_dgemv = _external("dgemv", 11)
_dsyrk = _external("dsyrk", 10)
_ssyrk = _external("ssyrk", 10)
_sgemv = _external("sgemv", 11)

_N = ord("N")
_T = ord("T")
_L = ord("L")


@kernel
def _ld(A):
    """Leading dimension of a row-major view, as BLAS wants it (>= 1, >= columns)."""
    ld = A.strides[0] // A.itemsize
    return max(ld, A.shape[1], 1)


@kernel
def gemm(alpha, A, B, beta, C, trans_a=False, trans_b=False):
    """``C <- alpha op(A) op(B) + beta C`` on row-major views (xGEMM).

    ``op(X)`` is ``X.T`` when the matching ``trans_*`` flag is set.  ``C`` must
    not overlap ``A`` or ``B``.  With ``beta == 0`` the old ``C`` is not read.
    """
    m, n = C.shape
    k = A.shape[0] if trans_a else A.shape[1]
    if m == 0 or n == 0:
        return
    if k == 0:
        if beta == 0:
            C[:, :] = 0
        elif beta != 1:
            for i in range(m):
                for j in range(n):
                    C[i, j] *= beta
        return
    ints = np.empty(6, np.int32)
    ints[0] = n
    ints[1] = m
    ints[2] = k
    ints[3] = _ld(B)
    ints[4] = _ld(A)
    ints[5] = _ld(C)
    flags = np.empty(2, np.uint8)
    flags[0] = _T if trans_b else _N
    flags[1] = _T if trans_a else _N
    scal = np.empty(2, C.dtype)
    scal[0] = alpha
    scal[1] = beta
    if C.itemsize == 8:
        _dgemm(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
               ints[2:].ctypes, scal[0:].ctypes, B.ctypes, ints[3:].ctypes, A.ctypes,
               ints[4:].ctypes, scal[1:].ctypes, C.ctypes, ints[5:].ctypes)
    else:
        _sgemm(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
               ints[2:].ctypes, scal[0:].ctypes, B.ctypes, ints[3:].ctypes, A.ctypes,
               ints[4:].ctypes, scal[1:].ctypes, C.ctypes, ints[5:].ctypes)


@kernel
def gemv(alpha, A, x, beta, y, trans=False):
    """``y <- alpha op(A) x + beta y`` on a row-major view ``A`` (xGEMV).

    ``x`` and ``y`` may be strided 1-D views (a column of a row-major array).
    """
    m, n = A.shape
    leny = n if trans else m
    lenx = m if trans else n
    if leny == 0:
        return
    if lenx == 0 or m == 0 or n == 0:
        if beta == 0:
            y[:] = 0
        elif beta != 1:
            for i in range(leny):
                y[i] *= beta
        return
    ints = np.empty(5, np.int32)
    # column-major view of A is A^T: n rows, m columns
    ints[0] = n
    ints[1] = m
    ints[2] = _ld(A)
    ints[3] = x.strides[0] // x.itemsize
    ints[4] = y.strides[0] // y.itemsize
    flag = np.empty(1, np.uint8)
    flag[0] = _N if trans else _T
    scal = np.empty(2, y.dtype)
    scal[0] = alpha
    scal[1] = beta
    if y.itemsize == 8:
        _dgemv(flag.ctypes, ints[0:].ctypes, ints[1:].ctypes, scal[0:].ctypes, A.ctypes,
               ints[2:].ctypes, x.ctypes, ints[3:].ctypes, scal[1:].ctypes, y.ctypes,
               ints[4:].ctypes)
    else:
        _sgemv(flag.ctypes, ints[0:].ctypes, ints[1:].ctypes, scal[0:].ctypes, A.ctypes,
               ints[2:].ctypes, x.ctypes, ints[3:].ctypes, scal[1:].ctypes, y.ctypes,
               ints[4:].ctypes)


@kernel
def syrk_upper(alpha, A, beta, C):
    """Upper triangle (``j >= i``) of ``C <- alpha A A^T + beta C`` for a row-major
    view ``A`` (xSYRK); the strictly lower triangle of ``C`` is not referenced.
    Half the operations of :func:`gemm` for a Gram matrix.
    """
    n = C.shape[0]
    k = A.shape[1]
    if n == 0:
        return
    if k == 0:
        for i in range(n):
            for j in range(i, n):
                C[i, j] = 0 if beta == 0 else beta * C[i, j]
        return
    # column-major: A is the k x n matrix A^T and C^T = C; its lower triangle
    # (i >= j, column-major) is the row-major upper one: C := A^T A, uplo 'L'
    ints = np.empty(4, np.int32)
    ints[0] = n
    ints[1] = k
    ints[2] = _ld(A)
    ints[3] = _ld(C)
    flags = np.empty(2, np.uint8)
    flags[0] = _L
    flags[1] = _T
    scal = np.empty(2, C.dtype)
    scal[0] = alpha
    scal[1] = beta
    if C.itemsize == 8:
        _dsyrk(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
               scal[0:].ctypes, A.ctypes, ints[2:].ctypes, scal[1:].ctypes, C.ctypes,
               ints[3:].ctypes)
    else:
        _ssyrk(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
               scal[0:].ctypes, A.ctypes, ints[2:].ctypes, scal[1:].ctypes, C.ctypes,
               ints[3:].ctypes)


# BLAS xDOT of scipy's OpenBLAS, registered by name so that kernels calling it stay cachable
_llvm.add_symbol("fastsvd_ddot", get_cython_function_address("scipy.linalg.cython_blas", "ddot"))


@intrinsic
def ddot_at(typingctx, n, x, y):
    """BLAS ``ddot(n, x, 1, y, 1)`` on raw addresses ``x, y`` of float64 data.

    ``np.dot`` inside a kernel spends as long on checks and view handling as
    on the product itself at length 500; this calls BLAS with ``n`` and the
    unit increments in stack slots of the caller.
    """
    sig = types.float64(types.intp, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        nv, px, py = args
        i32 = ir.IntType(32)
        dp = ir.DoubleType().as_pointer()
        pn = cgutils.alloca_once(builder, i32)
        builder.store(builder.trunc(nv, i32), pn)
        pone = cgutils.alloca_once(builder, i32)
        builder.store(ir.Constant(i32, 1), pone)
        fnty = ir.FunctionType(ir.DoubleType(), [i32.as_pointer(), dp, i32.as_pointer(), dp,
                                                 i32.as_pointer()])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "fastsvd_ddot")
        xp = builder.inttoptr(px, dp)
        yp = builder.inttoptr(py, dp)
        return builder.call(fn, [pn, xp, pone, yp, pone])
    return sig, codegen



@kernel
def blas_dot(x, y):
    """BLAS xDOT on contiguous 1-D views (kept out of line: its checks would
    otherwise stop the short loop below from being inlined)."""
    return float(np.dot(x, y))
