"""Products with a sparse matrix in compressed-row form, parallel over rows.

A CSR matrix ``A`` is the triple ``(indptr, indices, data)``; the same triple
read as CSC is ``A^T`` in CSR form.

Vector products (``A x``, ``A^T y`` and the fused pair of a Golub-Kahan step)
run one flat loop over the entries in storage order, with the row index of
each entry stored beside its column index (see "entry-order kernels" below):
``A x`` gathers from the short ``x``, ``A^T y`` scatters into per-chunk
copies of the short result, so a single CSR copy serves both directions.
Block products (``A X`` with a few columns, :func:`csr_matmat`) are
row-parallel gathers, each stored entry scaling one contiguous row of ``X``;
the API layer builds the CSR of ``A^T`` (the CSC of ``A``) for ``A^T X``.

Kernels take ``indptr``/``indices`` as int32 or int64 and ``data``, ``x``, ``y``
as C-contiguous float64 or float32 of one dtype; they do not check shapes.
Duplicate or unsorted column indices are fine (duplicates add up, as in SciPy).
"""
import numpy as np
from numba import prange

from .._jit import kernel, parallel_kernel
from .lanczos import nrm2


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


# --------------------------------------------------------------------------- entry-order kernels
#
# On a matrix with few entries per row (the 200000 x 20000 benchmark of
# benchmarks/bench_truncated.py has 2 per row on average) a row-by-row
# gather (one inner loop per row, as csr_matmat) spends its time on mispredicted inner-loop exits, not on arithmetic:
# measured (one thread) 2.2 ms for ``A x`` with 4e5 entries, against 0.57 ms for one flat
# loop over the entries with the row index of each entry stored beside its
# column index (COO order = CSR order).  The flat loop also gives ``A^T y``
# from the same arrays as a scatter into the short vector (0.50 ms, against
# 1.14 ms for the gather over the CSC copy, which reads the long ``y``
# randomly).  Rows are split into a fixed number of chunks of about equal
# entry count (``balanced_chunks``), independent of the thread count, so the
# scatter's per-chunk partial sums are added in the same order whatever the
# number of threads: results are reproducible bit for bit.  Loop counters and
# stored indices are cast to unsigned: Numba then drops the negative-index
# wraparound test on every access (measured 1.03 -> 0.62 ms for ``A x``).


@kernel
def row_of_entry(indptr, rows):
    """``rows[p] <- i`` for every stored entry ``p`` of row ``i`` (the COO row index)."""
    for i in range(indptr.shape[0] - 1):
        for p in range(indptr[i], indptr[i + 1]):
            rows[p] = i


@kernel
def balanced_chunks(indptr, bounds):
    """Split the rows into ``len(bounds) - 1`` contiguous chunks of about equal
    entry count: chunk ``c`` is rows ``bounds[c]:bounds[c + 1]``."""
    nrows = indptr.shape[0] - 1
    nchunks = bounds.shape[0] - 1
    nnz = indptr[nrows]
    i = 0
    bounds[0] = 0
    for c in range(1, nchunks):
        target = (nnz * c) // nchunks
        while i < nrows and indptr[i] < target:
            i += 1
        bounds[c] = i
    bounds[nchunks] = nrows


@parallel_kernel
def coo_matvec(indptr, rows, cols, data, bounds, x, y):
    """``y <- A x`` by one flat loop over the entries of each chunk of rows.

    ``rows``/``cols``/``data`` are the entries in CSR order (``rows`` from
    :func:`row_of_entry`), chunks from :func:`balanced_chunks`; each chunk
    writes only its own rows of ``y``.
    """
    nchunks = bounds.shape[0] - 1
    for c in prange(nchunks):
        r0 = np.uint64(bounds[c])
        r1 = np.uint64(bounds[c + 1])
        for i in range(r0, r1):
            y[i] = 0.0
        for p in range(np.uint64(indptr[r0]), np.uint64(indptr[r1])):
            y[np.uint64(rows[p])] += data[p] * x[np.uint64(cols[p])]


@parallel_kernel
def coo_rmatvec(indptr, rows, cols, data, bounds, y, parts, x):
    """``x <- A^T y``: each chunk of rows scatters into its own row of ``parts``
    (``(nchunks, ncols)`` workspace), then the parts are added in chunk order."""
    nchunks = bounds.shape[0] - 1
    for c in prange(nchunks):
        part = parts[c]
        for t in range(part.shape[0]):
            part[t] = 0.0
        for p in range(np.uint64(indptr[bounds[c]]), np.uint64(indptr[bounds[c + 1]])):
            part[np.uint64(cols[p])] += data[p] * y[np.uint64(rows[p])]
    _sum_parts(parts, x)


@parallel_kernel
def coo_bidiag_products(indptr, rows, cols, data, bounds, x, beta, y_prev, y, parts, z):
    """The two products of one Golub-Kahan step in one kernel:
    ``y <- A x - beta y_prev`` and ``z <- A^T y``; returns ``||y||_2``.

    Each chunk of rows first forms its rows of ``y`` (flat gather), then
    scatters them into its row of ``parts`` while its entries are still in
    cache.  The norm is :func:`fastsvd.kernels.lanczos.nrm2` of ``y`` (one more
    pass over a vector the chunks have just written, so mostly in cache).
    """
    nchunks = bounds.shape[0] - 1
    for c in prange(nchunks):
        r0 = np.uint64(bounds[c])
        r1 = np.uint64(bounds[c + 1])
        p0 = np.uint64(indptr[r0])
        p1 = np.uint64(indptr[r1])
        for i in range(r0, r1):
            y[i] = -beta * y_prev[i]
        for p in range(p0, p1):
            y[np.uint64(rows[p])] += data[p] * x[np.uint64(cols[p])]
        part = parts[c]
        for t in range(part.shape[0]):
            part[t] = 0.0
        for p in range(p0, p1):
            part[np.uint64(cols[p])] += data[p] * y[np.uint64(rows[p])]
    _sum_parts(parts, z)
    return nrm2(y)


@kernel
def _sum_parts(parts, x):
    """``x <- sum_c parts[c]``, each entry summed in chunk order (deterministic).

    Serial: a second parallel region per product costs a thread barrier, which
    on a loaded two-core machine took longer than this ``nchunks x n`` sum."""
    nchunks, n = parts.shape
    for t in range(n):
        acc = 0.0
        for c in range(nchunks):
            acc += parts[c, t]
        x[t] = acc
