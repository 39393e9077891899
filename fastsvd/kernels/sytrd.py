"""Householder tridiagonalization of a symmetric matrix ``A = Q T Q^T`` and its ``Q``
(LAPACK xSYTRD with xLATRD panels, xORMTR, xORGTR).

Only the lower triangle of the input is read (``A[i, j]``, ``i >= j``), as
numpy's ``eigh`` does with its default ``UPLO='L'``; the strictly upper
triangle may hold anything.  It is first overwritten by the mirror of the lower
one, so that row ``i`` of the array is column ``i`` of the symmetric matrix.
The reduction then follows LAPACK's lower variant with every column read as a
row: in row-major storage the reflector of step ``i`` is the contiguous run
``A[i, i+1:]``, and to the column-major BLAS the array's upper triangle is the
lower triangle it updates (``uplo='L'``).

Result: ``T`` has diagonal ``d`` and off-diagonal ``e``; ``Q = H_0 H_1 ... H_{n-2}``
with ``H_i = I - tau_i v_i v_i^T``, ``v_i`` zero before position ``i + 1``, one
there, and ``A[i, i+2:]`` after it.

Blocking (Dongarra, Hammarling & Sorensen 1989; LAPACK xLATRD): ``nb`` columns
are reduced with matrix-vector products against the not yet updated trailing
matrix, corrected by the panel's ``V`` and ``W``; the trailing matrix then gets
the rank-``2 nb`` update ``A <- A - V W^T - W V^T`` in one xSYR2K (level 3).
Half the flops stay in the symmetric matrix-vector products (xSYMV), which is
the bound of any one-stage tridiagonalization.

Only real ``float32``/``float64`` for now; the Hermitian case changes the
reflector (xLARFG on complex data, real ``e``) and the transposes into
conjugate transposes, not the structure.
"""
import numpy as np

from .._jit import kernel
from .blas import _external, _ld, gemv
from .householder import larfb_right, larfg, larft

#: panel width of the reduction (LAPACK's ILAENV default for xSYTRD)
TRD_BLOCK = 32
#: reflectors per block when applying ``Q`` (wider blocks make the products less skinny;
#: the same reason as ``fastsvd.kernels.qr.APPLY_BLOCK``)
ORMTR_BLOCK = 64

_dsymv = _external("dsymv", 10)
_ssymv = _external("ssymv", 10)
_dsyr2k = _external("dsyr2k", 12)
_ssyr2k = _external("ssyr2k", 12)

_N = ord("N")
_L = ord("L")


@kernel
def symv_upper(alpha, A, x, beta, y):
    """``y <- alpha A x + beta y`` for symmetric ``A`` given by its row-major upper
    triangle (``A[i, j]``, ``j >= i``; the rest is not read) (xSYMV).

    To the column-major BLAS that triangle is the lower one of ``A^T = A``.
    ``x``, ``y`` may be strided 1-D views.
    """
    n = A.shape[0]
    if n == 0:
        return
    ints = np.empty(4, np.int32)
    ints[0] = n
    ints[1] = _ld(A)
    ints[2] = x.strides[0] // x.itemsize
    ints[3] = y.strides[0] // y.itemsize
    flag = np.empty(1, np.uint8)
    flag[0] = _L
    scal = np.empty(2, y.dtype)
    scal[0] = alpha
    scal[1] = beta
    if y.itemsize == 8:
        _dsymv(flag.ctypes, ints[0:].ctypes, scal[0:].ctypes, A.ctypes, ints[1:].ctypes,
               x.ctypes, ints[2:].ctypes, scal[1:].ctypes, y.ctypes, ints[3:].ctypes)
    else:
        _ssymv(flag.ctypes, ints[0:].ctypes, scal[0:].ctypes, A.ctypes, ints[1:].ctypes,
               x.ctypes, ints[2:].ctypes, scal[1:].ctypes, y.ctypes, ints[3:].ctypes)


@kernel
def syr2k_upper(alpha, Vt, Wt, beta, C):
    """Upper triangle (``j >= i``) of ``C <- alpha (V W^T + W V^T) + beta C`` with
    ``V = Vt^T``, ``W = Wt^T`` (``Vt``, ``Wt``: ``k x n`` row-major) (xSYR2K).

    The strictly lower triangle of ``C`` is neither read nor written.  A
    row-major ``k x n`` array is, to column-major BLAS, the ``n x k`` matrix
    ``V`` itself, so this is xSYR2K with ``uplo='L'``, ``trans='N'``.
    """
    n = C.shape[0]
    k = Vt.shape[0]
    if n == 0 or k == 0:
        return
    ints = np.empty(5, np.int32)
    ints[0] = n
    ints[1] = k
    ints[2] = _ld(Vt)
    ints[3] = _ld(Wt)
    ints[4] = _ld(C)
    flags = np.empty(2, np.uint8)
    flags[0] = _L
    flags[1] = _N
    scal = np.empty(2, C.dtype)
    scal[0] = alpha
    scal[1] = beta
    if C.itemsize == 8:
        _dsyr2k(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
                scal[0:].ctypes, Vt.ctypes, ints[2:].ctypes, Wt.ctypes, ints[3:].ctypes,
                scal[1:].ctypes, C.ctypes, ints[4:].ctypes)
    else:
        _ssyr2k(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
                scal[0:].ctypes, Vt.ctypes, ints[2:].ctypes, Wt.ctypes, ints[3:].ctypes,
                scal[1:].ctypes, C.ctypes, ints[4:].ctypes)


@kernel
def mirror_lower(A):
    """Copy the strictly lower triangle of ``A`` onto the upper one: the symmetric
    matrix that the lower triangle defines, in full (numpy's ``UPLO='L'``).

    Done in square tiles so that the transposed reads stay in cache.
    """
    n = A.shape[0]
    bs = 64
    for i0 in range(0, n, bs):
        i1 = min(n, i0 + bs)
        for j0 in range(0, i1, bs):
            j1 = min(n, j0 + bs)
            for i in range(i0, i1):
                for j in range(j0, min(j1, i)):
                    A[j, i] = A[i, j]


@kernel
def reflector(v, buf):
    """:func:`~fastsvd.kernels.householder.larfg` on ``v``; a float32 ``v`` goes
    through the float64 buffer ``buf``.

    ``householder._norm2`` squares float32 entries in float32 (Numba's
    ``float()`` keeps float32), so entries between about 1e-23 and 1e-19 get
    subnormal squares and a norm wrong in the leading digits: ``tau`` and ``v``
    then disagree and ``Q`` loses orthogonality (graded matrices in float32).
    """
    if v.itemsize == 8:
        return larfg(v)
    b = buf[:v.size]
    for i in range(v.size):
        b[i] = v[i]
    t = larfg(b)
    for i in range(v.size):
        v[i] = b[i]
    return t


@kernel
def latrd(A, nb, d, e, tau, Wt, tmp, buf):
    """Reduce the first ``nb`` rows (= columns) of the symmetric ``A`` (xLATRD, lower).

    ``A`` is ``m x m`` with ``nb < m``, valid in its upper triangle.  On exit
    rows ``0 .. nb-1`` hold the reflectors (``A[i, i+1] = 1`` written out, the
    caller restores ``e`` after the trailing update), ``d[:nb]``, ``e[:nb]``,
    ``tau[:nb]`` are set, and ``Wt`` (``nb x m``, rows) is such that the trailing
    matrix is ``A[nb:, nb:] - V W^T - W V^T`` with ``V^T = A[:nb, nb:]``,
    ``W^T = Wt[:, nb:]``.  ``tmp`` (``A``'s dtype) has at least ``nb`` entries,
    ``buf`` (float64) at least ``m``.

    Row ``i`` is first brought up to date with the panel's earlier reflectors,
    its reflector made, and then ``w_i = tau_i (A v_i - V W^T v_i - W V^T v_i)``
    corrected by ``-tau_i (w_i^T v_i) / 2 v_i`` so that the two-sided update is
    ``A - v w^T - w v^T`` (Golub & Van Loan, sec. 8.3.1).  Every product with
    the panel is one xGEMV.
    """
    for i in range(nb):
        a = A[i, i:]
        if i > 0:
            # rows c < i of the panel are reflectors (their unit written out) and
            # rows of Wt: A[i:, i] -= V[i:, :i] W[i, :i]^T + W[i:, :i] V[i, :i]^T
            gemv(-1.0, A[:i, i:], Wt[:i, i], 1.0, a, True)
            gemv(-1.0, Wt[:i, i:], A[:i, i], 1.0, a, True)
        d[i] = A[i, i]
        v = A[i, i + 1:]
        ti = reflector(v, buf)
        tau[i] = ti
        e[i] = v[0]
        v[0] = 1.0
        w = Wt[i, i + 1:]
        Wt[i, :i + 1] = 0.0
        if ti == 0.0:
            w[:] = 0.0
            continue
        # w = A22 v with the trailing matrix as it was before this panel
        symv_upper(1.0, A[i + 1:, i + 1:], v, 0.0, w)
        if i > 0:
            Vp = A[:i, i + 1:]
            Wp = Wt[:i, i + 1:]
            t = tmp[:i]
            gemv(1.0, Wp, v, 0.0, t, False)     # W^T v
            gemv(-1.0, Vp, t, 1.0, w, True)     # w -= V (W^T v)
            gemv(1.0, Vp, v, 0.0, t, False)     # V^T v
            gemv(-1.0, Wp, t, 1.0, w, True)     # w -= W (V^T v)
        dot = 0.0
        for r in range(w.size):
            w[r] *= ti
            dot += np.float64(w[r]) * np.float64(v[r])
        alpha = -0.5 * ti * dot
        for r in range(w.size):
            w[r] += alpha * v[r]


@kernel
def sytrd_lower(A, d, e, tau, nb=TRD_BLOCK):
    """Reduce the symmetric matrix given by the lower triangle of ``A`` (``n x n``,
    overwritten) to tridiagonal form ``A = Q T Q^T`` (xSYTRD, ``UPLO='L'``).

    ``d`` (``n``) and ``e`` (``n - 1``) receive ``T``; ``tau`` (``n - 1``) and the
    rows of ``A`` above the diagonal receive ``Q`` (module docstring).

    Steps: 1. mirror the lower triangle; 2. panels of ``nb`` rows by
    :func:`latrd`, each followed by one xSYR2K on the trailing matrix; the last
    panel covers the remaining rows, so no unblocked code is needed.
    """
    n = A.shape[0]
    if n == 0:
        return
    mirror_lower(A)
    nb = max(nb, 1)
    Wt = np.empty((nb, n), A.dtype)
    tmp = np.empty(nb, A.dtype)
    buf = np.empty(n, np.float64)
    j0 = 0
    while j0 < n - 1:
        m = n - j0
        kb = min(nb, m - 1)
        Aj = A[j0:, j0:]
        W = Wt[:kb, :m]
        latrd(Aj, kb, d[j0:], e[j0:], tau[j0:], W, tmp, buf)
        syr2k_upper(-1.0, Aj[:kb, kb:], W[:, kb:], 1.0, Aj[kb:, kb:])
        for i in range(kb):
            Aj[i, i + 1] = e[j0 + i]
        j0 += kb
    d[n - 1] = A[n - 1, n - 1]


@kernel
def tridiagonal_reflectors(A, j0, jb, Vt):
    """Rows ``j0 .. j0+jb-1`` of ``A``'s reflectors into the rows of ``Vt``
    (``jb x (n - j0 - 1)``, column ``r`` standing for position ``j0 + 1 + r``),
    with the unit and the zeros before it written out."""
    p = A.shape[1] - j0 - 1
    for c in range(jb):
        for r in range(c):
            Vt[c, r] = 0.0
        Vt[c, c] = 1.0
        row = A[j0 + c]
        for r in range(c + 1, p):
            Vt[c, r] = row[j0 + 1 + r]


@kernel
def ormtr_right_t(A, tau, C, nb=ORMTR_BLOCK):
    """``C <- C Q^T`` with the ``Q`` of :func:`sytrd_lower` (xORMTR, side 'R', trans 'T').

    ``C`` has ``n`` columns.  With the eigenvectors of ``T`` in the rows of
    ``C``, the result holds those of ``A`` in its rows (``(Q z)^T = z^T Q^T``).
    ``Q^T = B_last^T ... B_0^T`` for the blocks ``B_b = I - V T V^T`` of ``nb``
    reflectors, so the last block is applied first.
    """
    n = A.shape[0]
    k = n - 1
    if k <= 0 or C.shape[0] == 0:
        return
    nb = max(nb, 1)
    Vt = np.empty((nb, n), A.dtype)
    T = np.empty((nb, nb), A.dtype)
    W = np.empty((C.shape[0], 2 * nb), A.dtype)
    nblocks = (k + nb - 1) // nb
    for b in range(nblocks - 1, -1, -1):
        j0 = b * nb
        jb = min(nb, k - j0)
        Vb = Vt[:jb, :n - j0 - 1]
        Tb = T[:jb, :jb]
        tridiagonal_reflectors(A, j0, jb, Vb)
        larft(Vb, tau[j0:j0 + jb], Tb)
        larfb_right(Vb, Tb, C[:, j0 + 1:], True, W)


@kernel
def orgtr_t(A, tau, nb=ORMTR_BLOCK):
    """Form ``Q^T`` (``n x n``) from :func:`sytrd_lower` output (xORGTR, transposed).

    ``Q^T = I B_last^T ... B_0^T``; when block ``b`` is applied, the rows and
    columns before ``j0 + 1`` are still those of the identity, so only the
    trailing square ``[j0+1:, j0+1:]`` is multiplied (as xORGQR saves a third of
    the flops).  ``Q`` itself is the transpose.
    """
    n = A.shape[0]
    Qt = np.zeros((n, n), A.dtype)
    for i in range(n):
        Qt[i, i] = 1.0
    k = n - 1
    if k <= 0:
        return Qt
    nb = max(nb, 1)
    Vt = np.empty((nb, n), A.dtype)
    T = np.empty((nb, nb), A.dtype)
    W = np.empty((n, 2 * nb), A.dtype)
    nblocks = (k + nb - 1) // nb
    for b in range(nblocks - 1, -1, -1):
        j0 = b * nb
        jb = min(nb, k - j0)
        Vb = Vt[:jb, :n - j0 - 1]
        Tb = T[:jb, :jb]
        tridiagonal_reflectors(A, j0, jb, Vb)
        larft(Vb, tau[j0:j0 + jb], Tb)
        larfb_right(Vb, Tb, Qt[j0 + 1:, j0 + 1:], True, W)
    return Qt
