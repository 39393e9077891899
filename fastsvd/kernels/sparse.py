"""Products with a sparse matrix in compressed-row form, parallel over rows.

A CSR matrix ``A`` is the triple ``(indptr, indices, data)``; the same triple
read as CSC is ``A^T`` in CSR form.  Every product here is a *gather*
(``y[i] = sum_p data[p] x[indices[p]]`` over row ``i``), so the rows split
between threads with no write conflicts and no atomic updates.  The API layer
therefore keeps both orientations of a sparse operand (CSR of ``A`` and CSR of
``A^T``, which is the CSC of ``A``): one format conversion, done once, buys
conflict-free parallel products in both directions (the scatter form
``y[indices[p]] += ...`` would need per-thread buffers and a merge).

Kernels take ``indptr``/``indices`` as int32 or int64 and ``data``, ``x``, ``y``
as C-contiguous float64 or float32 of one dtype; they do not check shapes.
Duplicate or unsorted column indices are fine (duplicates add up, as in SciPy).
"""
from numba import prange

from .._jit import parallel_kernel


@parallel_kernel
def csr_matvec(indptr, indices, data, x, y):
    """``y <- A x`` for CSR ``A`` (SpMV, row-parallel gather).

    ``y`` has ``len(indptr) - 1`` entries and is overwritten; the sum over a row
    runs in storage order, so results do not depend on the thread count.
    """
    nrows = indptr.shape[0] - 1
    for i in prange(nrows):
        acc = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            acc += data[p] * x[indices[p]]
        y[i] = acc


@parallel_kernel
def csr_matmat(indptr, indices, data, X, Y):
    """``Y <- A X`` for CSR ``A`` and a C-contiguous block ``X`` (SpMM).

    ``X`` is ``(ncols, b)`` and ``Y`` is ``(nrows, b)``, both row-major, so each
    stored entry of ``A`` scales one contiguous row of ``X`` (``b`` fused
    multiply-adds on consecutive memory) into one row of ``Y``.
    """
    nrows = indptr.shape[0] - 1
    b = X.shape[1]
    for i in prange(nrows):
        for c in range(b):
            Y[i, c] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            a = data[p]
            r = indices[p]
            for c in range(b):
                Y[i, c] += a * X[r, c]
