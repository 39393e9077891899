"""fastsvd on dask arrays: tall-skinny SVD by TSQR, randomized SVD, and the plan.

Optional extra ``dask`` (``pip install "fastsvd[dask]"``: ``dask[array]`` and
``distributed``); dask is imported when a function here is first called.

* :func:`svd` of a tall-skinny matrix (one column of chunks) is Householder
  TSQR (Demmel, Grigori, Hoemmen & Langou 2012): every row block is factored
  where it lives by :func:`fastsvd.kernels.qr.geqrf`, the ``n x n`` ``R``
  factors climb a tree of small QRs (flat up to :data:`NODE_ROWS` stacked rows), the root's ``R`` gets
  :func:`fastsvd.svd` in one task, and ``U = Q U_R`` comes back down the tree,
  each block's reflectors applied on the worker that holds them.  Only
  ``n x n`` matrices travel; the matrix is never gathered.  A short-fat matrix
  goes through its transpose.
* :func:`randomized_svd` is Halko, Martinsson & Tropp's subspace iteration
  (2011, alg. 4.4): blockwise products with the ``n x l`` sketch, every
  product re-orthonormalized by the same TSQR, the small projected problem
  solved by the TSQR SVD above.
* :func:`plan` says how a matrix will be cut and what runs where.

Every task is a top-level function of this module (picklable), and its work is
done by fastsvd's Numba kernels, compiled with ``cache=True``: worker processes
load the machine code from the package's ``__pycache__`` instead of compiling.

Chunking rule: the TSQR needs one column of chunks.  A matrix with several
column chunks is rechunked to one (its row chunks kept) when the resulting
blocks fit dask's ``array.chunk-size`` setting times :data:`RECHUNK_FACTOR`;
otherwise its rows are re-cut so that they do, as long as a block keeps at
least ``n`` rows.  Beyond that the matrix is not tall-skinny enough and a
``ValueError`` says so (use :func:`randomized_svd`).
"""
import dataclasses
import math
import operator

import numpy as np


#: rows of a tree node's stack of R factors: fanout = NODE_ROWS // n children per
#: node (at least 2).  Every tree level is a round trip through the scheduler,
#: while a node's QR of a 4096 x n stack costs milliseconds, so a flat tree (one
#: level for up to 40 blocks of a 100-column matrix) is faster than a binary one:
#: measured on 20000 x 2000, rank 20, 4 power iterations, 8 blocks, two worker
#: processes, a binary tree took 1.4x the time of dask's svd_compressed.
NODE_ROWS = 4096

#: a block after rechunking to one column of chunks may be this many times
#: dask's ``array.chunk-size`` (128 MiB by default): a row block of a
#: tall-skinny matrix is read once by a QR, so a few times the usual size is fine.
RECHUNK_FACTOR = 4


def _require_dask():
    try:
        import dask
        import dask.array as da
        from dask.highlevelgraph import HighLevelGraph
    except ImportError as exc:  # pragma: no cover - exercised only without dask
        raise ImportError(
            "fastsvd.distributed needs dask: install the optional extra with "
            "pip install 'fastsvd[dask]' (dask[array] and distributed)") from exc
    return dask, da, HighLevelGraph


# ---------------------------------------------------------------------------
# tasks: top-level functions, each calling fastsvd's kernels on one block

def _factor(block):
    """Householder QR of one block or stack (xGEQRF): ``(F, tau, R)``, ``R`` the
    ``min(rows, n) x n`` upper trapezoid, ``F`` and ``tau`` the reflectors."""
    from .kernels.qr import geqrf
    F = np.array(block, order="C", copy=True)
    k = min(F.shape)
    tau = np.empty(k, F.dtype)
    geqrf(F, tau)
    R = np.triu(F[:k])
    return F, tau, R


def _stack_factor(*rs):
    """QR of the stacked ``R`` factors of a tree node's children."""
    return _factor(np.concatenate(rs, axis=0))


def _small_svd(factor, compute_uv):
    """SVD of the root's ``n x n`` ``R`` by :func:`fastsvd.svd` (with its fallbacks)."""
    from . import svd as dense_svd
    R = factor[2]
    if compute_uv:
        U, s, Vt = dense_svd(R, full_matrices=False)
        return np.ascontiguousarray(U), s, np.ascontiguousarray(Vt)
    return None, dense_svd(R, compute_uv=False), None


def _apply_q(factor, above, offset, r):
    """This node's ``Q`` applied to its rows of the parent's result, padded with
    zeros (xORMQR): the TSQR's ``Q C`` one tree level further down."""
    from .kernels.qr import apply_q
    F, tau, _ = factor
    T = np.zeros((F.shape[0], above.shape[1]), F.dtype)
    T[:r] = above[offset:offset + r]
    apply_q(F, tau, T, False)
    return T


def _matmul_small(block, small):
    """One block of ``X @ S`` for a small ``S`` held by the task."""
    return np.ascontiguousarray(block @ small)


def _tmatmul(block, q):
    """One block's share ``X_i^T Q_i`` of ``X^T Q``."""
    return block.T @ q


def _sum(*parts):
    out = parts[0].copy()
    for p in parts[1:]:
        out += p
    return out


def _flip_by_rows(Vt):
    """Signs of scikit-learn's ``svd_flip(u_based_decision=False)``: the largest
    entry of each row of ``Vt`` positive.  Returns the sign vector."""
    idx = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), idx])
    signs[signs == 0] = 1.0
    return signs


# ---------------------------------------------------------------------------
# graph construction

@dataclasses.dataclass
class DistributedPlan:
    """How :func:`svd` cuts a dask array and what runs where (``str()`` reads it)."""
    shape: tuple
    dtype: str
    transposed: bool
    rechunk: str
    n_blocks: int
    block_rows: tuple
    tree_fanout: int
    tree_depth: int
    tree_nodes: int
    steps: list

    def __str__(self):
        lines = [f"fastsvd.distributed.svd of a {self.shape[0]} x {self.shape[1]} "
                 f"{self.dtype} dask array"]
        if self.transposed:
            lines.append("  short-fat: works on the transpose, U and Vt swap at the end")
        lines.append(f"  chunks: {self.rechunk}")
        lines.append(f"  {self.n_blocks} row blocks of {_describe_rows(self.block_rows)} rows; "
                     f"R tree of depth {self.tree_depth}, fanout {self.tree_fanout}, "
                     f"{self.tree_nodes} node tasks")
        lines += [f"  {i}. {s}" for i, s in enumerate(self.steps, 1)]
        return "\n".join(lines)


def _describe_rows(rows):
    lo, hi = min(rows), max(rows)
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _working_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise TypeError("fastsvd.distributed works on real matrices; got a complex dask array")
    if dtype == np.float32 or dtype == np.float64:
        return dtype
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    raise TypeError(f"unsupported dtype {dtype} (use float32 or float64)")


def _as_matrix(x):
    dask, da, _ = _require_dask()
    if not isinstance(x, da.Array):
        raise TypeError(f"expected a dask array, got {type(x).__name__}; "
                        "for a numpy array use fastsvd.svd")
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D dask array, got {x.ndim} dimensions")
    if any(math.isnan(c) for cs in x.chunks for c in cs):
        raise ValueError("the dask array has unknown chunk sizes; call "
                         "x.compute_chunk_sizes() first")
    if 0 in x.shape:
        raise ValueError(f"cannot take the SVD of an empty {x.shape[0]} x {x.shape[1]} array")
    dt = _working_dtype(x.dtype)
    if dt != x.dtype:
        x = x.astype(dt)
    return x


def _one_column_of_chunks(y):
    """``(y', description)``: ``y`` (tall) with one column of chunks, by the
    module's rechunking rule, or a ``ValueError``."""
    dask, da, _ = _require_dask()
    m, n = y.shape
    if len(y.chunks[1]) == 1:
        return y, f"one column of chunks as given ({len(y.chunks[0])} row chunks)"
    limit = RECHUNK_FACTOR * dask.utils.parse_bytes(dask.config.get("array.chunk-size"))
    row_bytes = n * y.dtype.itemsize
    if max(y.chunks[0]) * row_bytes <= limit:
        return (y.rechunk({1: -1}),
                f"{len(y.chunks[1])} column chunks merged into one, row chunks kept "
                f"(blocks of at most {max(y.chunks[0]) * row_bytes / 2**20:.0f} MiB)")
    rows = int(limit // row_bytes)
    if rows < n:
        raise ValueError(
            f"a {m} x {n} array cannot be cut into row blocks of at least {n} rows "
            f"within {limit / 2**20:.0f} MiB (RECHUNK_FACTOR x dask's array.chunk-size): "
            "it is not tall-skinny enough for TSQR; use "
            "fastsvd.distributed.randomized_svd for a few triplets")
    return (y.rechunk({0: rows, 1: -1}),
            f"{len(y.chunks[1])} column chunks merged into one, rows re-cut to {rows} "
            f"per block to stay within {limit / 2**20:.0f} MiB")


def _fanout(n):
    """Children per tree node for ``n`` columns (:data:`NODE_ROWS`)."""
    return max(2, NODE_ROWS // max(n, 1))


def _tree_levels(row_counts, n, fanout):
    """Per level, the list of node heights; level 0 are the row blocks."""
    levels = [list(row_counts)]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([sum(min(r, n) for r in prev[g:g + fanout])
                       for g in range(0, len(prev), fanout)])
    return levels


class _TSQR:
    """The task graph of a TSQR of ``y`` (tall, one column of chunks)."""

    def __init__(self, y):
        dask, da, _ = _require_dask()
        self.y = y
        self.n = y.shape[1]
        self.fanout = fanout = _fanout(self.n)
        token = dask.base.tokenize(y, fanout)
        self.token = token
        self.levels = _tree_levels(y.chunks[0], self.n, fanout)
        self.dsk = {}
        fac = f"fastsvd-tsqr-factor-{token}"
        rr = f"fastsvd-tsqr-r-{token}"
        self.factor_keys = []
        self.r_keys = []
        for lev, heights in enumerate(self.levels):
            fkeys, rkeys = [], []
            for j in range(len(heights)):
                key = (fac, lev, j)
                if lev == 0:
                    self.dsk[key] = (_factor, (y.name, j, 0))
                else:
                    children = self.r_keys[lev - 1][j * fanout:(j + 1) * fanout]
                    self.dsk[key] = (_stack_factor, *children)
                self.dsk[(rr, lev, j)] = (operator.getitem, key, 2)
                fkeys.append(key)
                rkeys.append((rr, lev, j))
            self.factor_keys.append(fkeys)
            self.r_keys.append(rkeys)
        self.root = self.factor_keys[-1][0]

    @property
    def depth(self):
        return len(self.levels) - 1

    def apply_q(self, c_key, out_name):
        """Tasks of ``Q [C; 0]`` for the ``n x k`` result of task ``c_key``;
        block ``i`` of the result is key ``(out_name, i, 0)``."""
        app = f"fastsvd-tsqr-apply-{self.token}-{out_name}"
        top = len(self.levels) - 1
        n, fanout = self.n, self.fanout
        for lev in range(top, -1, -1):
            heights = self.levels[lev]
            for j in range(len(heights)):
                key = (out_name, j, 0) if lev == 0 else (app, lev, j)
                if lev == top:
                    above, offset = c_key, 0
                else:
                    g = j // fanout
                    above = (app, lev + 1, g)
                    offset = sum(min(r, n) for r in heights[g * fanout:j])
                self.dsk[key] = (_apply_q, self.factor_keys[lev][j], above, offset,
                                 min(heights[j], n))


def _array(HighLevelGraph, da, name, dsk, deps, chunks, dtype):
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=deps)
    return da.Array(graph, name, chunks, dtype=dtype)


def _tsqr_svd(y, compute_uv):
    """Lazy ``(U, s, Vt)`` of a tall ``y`` with one column of chunks."""
    dask, da, HighLevelGraph = _require_dask()
    t = _TSQR(y)
    n = y.shape[1]
    dt = y.dtype
    svd_key = (f"fastsvd-tsqr-svd-{t.token}", 0)
    t.dsk[svd_key] = (_small_svd, t.root, compute_uv)
    sname = f"fastsvd-s-{t.token}"
    t.dsk[(sname, 0)] = (operator.getitem, svd_key, 1)
    if not compute_uv:
        return None, _array(HighLevelGraph, da, sname, t.dsk, [y], ((n,),), dt), None
    ur_key = (f"fastsvd-tsqr-ur-{t.token}", 0)
    t.dsk[ur_key] = (operator.getitem, svd_key, 0)
    vname = f"fastsvd-vt-{t.token}"
    t.dsk[(vname, 0, 0)] = (operator.getitem, svd_key, 2)
    uname = f"fastsvd-u-{t.token}"
    t.apply_q(ur_key, uname)
    U = _array(HighLevelGraph, da, uname, t.dsk, [y], (y.chunks[0], (n,)), dt)
    s = _array(HighLevelGraph, da, sname, t.dsk, [y], ((n,),), dt)
    Vt = _array(HighLevelGraph, da, vname, t.dsk, [y], ((n,), (n,)), dt)
    return U, s, Vt


def _tsqr_q(y):
    """Lazy orthonormal ``Q`` (same chunks as ``y``) of the TSQR of ``y``."""
    dask, da, HighLevelGraph = _require_dask()
    t = _TSQR(y)
    eye_key = (f"fastsvd-tsqr-eye-{t.token}", 0)
    t.dsk[eye_key] = (np.eye, y.shape[1], None, 0, y.dtype)
    qname = f"fastsvd-q-{t.token}"
    t.apply_q(eye_key, qname)
    return _array(HighLevelGraph, da, qname, t.dsk, [y], y.chunks, y.dtype)


def _oriented(x):
    """``(tall matrix, transposed?)``."""
    m, n = x.shape
    return (x.T, True) if m < n else (x, False)


# ---------------------------------------------------------------------------
# public functions

def svd(x, full_matrices=False, compute_uv=True):
    """Thin SVD ``x = U @ diag(s) @ Vt`` of a tall-skinny or short-fat dask array.

    Parameters
    ----------
    x : dask.array.Array, real, ``(m, n)``
        Tall (``m >= n``) with one column of chunks, or short-fat with one row
        of chunks; other chunkings are rechunked by the module's rule or
        rejected with a ``ValueError`` that says how to proceed.
    full_matrices : bool, default False
        Must be False: an ``m x m`` ``U`` of a distributed matrix would not fit
        anywhere (``dask.array.linalg.svd`` refuses it too).
    compute_uv : bool, default True
        Return only ``s`` when False (the ``Q`` application is then not built).

    Returns
    -------
    U : dask array ``(m, k)``, chunked by rows like ``x``
    s : dask array ``(k,)``, descending
    Vt : dask array ``(k, n)``
        ``k = min(m, n)``.  All lazy: nothing is computed until you ask.

    The algorithm and what runs where: :func:`plan`.
    """
    if full_matrices:
        raise ValueError("full_matrices=True is not supported for dask arrays: an m x m U "
                         "of a distributed matrix does not fit (use full_matrices=False)")
    x = _as_matrix(x)
    y, transposed = _oriented(x)
    y, _ = _one_column_of_chunks(y)
    U, s, Vt = _tsqr_svd(y, compute_uv)
    if not compute_uv:
        return s
    if transposed:
        # x^T = U' s V'^T  =>  x = V' s U'^T
        return Vt.T, s, U.T
    return U, s, Vt


def plan(x):
    """How :func:`svd` will factor the dask array ``x``: a :class:`DistributedPlan`
    (``print`` it for a description of the blocks, the tree and what runs where)."""
    x = _as_matrix(x)
    y, transposed = _oriented(x)
    y, how = _one_column_of_chunks(y)
    n = y.shape[1]
    fanout = _fanout(n)
    levels = _tree_levels(y.chunks[0], n, fanout)
    nodes = sum(len(lv) for lv in levels[1:])
    steps = [
        f"each of the {len(levels[0])} row blocks: Householder QR (fastsvd.kernels.qr.geqrf) "
        f"on the worker that holds it; only its {n} x {n} R leaves",
        (f"R tree: {nodes} tasks, each a QR of up to {fanout} stacked R factors "
         f"(at most {fanout * n} x {n}), {len(levels) - 1} levels up to the root"
         if nodes else "a single block: its R is the root"),
        f"root: SVD of the {n} x {n} R in one task (fastsvd.svd)",
        "U = Q U_R: the tree applied top down, n x n pieces sent to the children, each "
        "row block's reflectors applied where they live (xORMQR); Vt from the root",
    ]
    return DistributedPlan(shape=tuple(x.shape), dtype=str(x.dtype), transposed=transposed,
                           rechunk=how, n_blocks=len(levels[0]),
                           block_rows=tuple(int(r) for r in y.chunks[0]),
                           tree_fanout=fanout, tree_depth=len(levels) - 1,
                           tree_nodes=nodes, steps=steps)


def _blockwise_small(x, small, name):
    """``x @ small`` for a small in-memory ``small``: one task per row block of
    ``x`` (one column of chunks); the small matrix travels with the tasks."""
    dask, da, HighLevelGraph = _require_dask()
    token = dask.base.tokenize(x, small)
    out = f"fastsvd-{name}-{token}"
    dsk = {(out, i, 0): (_matmul_small, (x.name, i, 0), small) for i in range(len(x.chunks[0]))}
    return _array(HighLevelGraph, da, out, dsk, [x], (x.chunks[0], (small.shape[1],)),
                  x.dtype)


def randomized_svd(x, n_components, n_oversamples=10, n_iter=4, random_state=None):
    """Truncated SVD of a dask array by randomized subspace iteration.

    Halko, Martinsson & Tropp 2011, alg. 4.4: ``Y = X Omega`` with a Gaussian
    ``n x l`` sketch (``l = n_components + n_oversamples``), then ``n_iter``
    rounds of ``Z = X^T Q``, ``Y = X Z``, each product re-orthonormalized by
    TSQR; finally ``B^T = X^T Q`` (``n x l``) gets the TSQR SVD and
    ``U = Q V_B``.  Products are blockwise (one task per block of ``X``);
    a wide ``X`` is handled through its transpose, as scikit-learn does.

    Parameters
    ----------
    x : dask.array.Array, real, ``(m, n)``
    n_components : int, ``1 <= n_components <= min(m, n)``
    n_oversamples : int, default 10
    n_iter : int, default 4
    random_state : int, numpy RandomState or None
        The sketch is drawn as scikit-learn's ``randomized_svd`` draws it
        (``random_state.normal(size=(n, l))`` on the possibly transposed matrix).

    Returns
    -------
    U : dask array ``(m, n_components)``
    s : dask array ``(n_components,)``, descending
    Vt : dask array ``(n_components, n)``
        Lazy.  Signs: the largest entry of each row of ``Vt`` (of ``U``'s column
        for a wide ``x``) is positive, scikit-learn's ``svd_flip`` decided on the
        small factor, so no extra pass over ``U`` is needed.
    """
    dask, da, HighLevelGraph = _require_dask()
    x = _as_matrix(x)
    m, n = x.shape
    if not (isinstance(n_components, (int, np.integer)) and 1 <= n_components <= min(m, n)):
        raise ValueError(f"n_components must be an integer with 1 <= n_components <= "
                         f"min(x.shape) = {min(m, n)}, got {n_components!r}")
    if not (isinstance(n_oversamples, (int, np.integer)) and n_oversamples >= 0):
        raise ValueError(f"n_oversamples must be a non-negative integer, got {n_oversamples!r}")
    if not (isinstance(n_iter, (int, np.integer)) and n_iter >= 0):
        raise ValueError(f"n_iter must be a non-negative integer, got {n_iter!r}")
    y, transposed = _oriented(x)
    y, _ = _one_column_of_chunks(y)
    rows, cols = y.shape
    size = min(n_components + n_oversamples, cols)
    rs = random_state if isinstance(random_state, np.random.RandomState) \
        else np.random.RandomState(random_state)
    omega = np.ascontiguousarray(rs.normal(size=(cols, size)), dtype=y.dtype)
    # 1. range finder with power iterations, each product orthonormalized by TSQR
    Q = _tsqr_q(_blockwise_small(y, omega, "sketch"))
    for _ in range(n_iter):
        Z = _tsqr_q(_rmatmul(y, Q))                 # cols x l, one chunk
        Q = _tsqr_q(_project(y, Z))
    # 2. B^T = Y^T Q (cols x l), its SVD by TSQR, U = Q V_B
    Bt = _rmatmul(y, Q)
    Ub, s, Vbt = _tsqr_svd(Bt, True)
    # x ~ Q B = Q (Ub s Vb^T)^T = (Q Vb) s Ub^T
    U = _project(Q, Vbt.T)
    Vt = Ub.T
    k = n_components
    U, s, Vt = U[:, :k], s[:k], Vt[:k]
    # 3. signs decided on the small factor (no pass over the tall one)
    if transposed:
        U, Vt = Vt.T, U.T
    small = (U.T if transposed else Vt).rechunk(-1)
    signs = small.map_blocks(_flip_by_rows, dtype=small.dtype, drop_axis=1, chunks=((k,),))
    return U * signs[None, :], s, Vt * signs[:, None]


def _rmatmul(y, Q):
    """``y^T Q`` (``cols x l``, one chunk) for ``y`` and ``Q`` with the same row
    chunks: one product per block where the blocks live, then one sum task."""
    dask, da, HighLevelGraph = _require_dask()
    token = dask.base.tokenize(y, Q)
    part, out = f"fastsvd-tmatmul-{token}", f"fastsvd-rmatmul-{token}"
    nb = len(y.chunks[0])
    dsk = {(part, i): (_tmatmul, (y.name, i, 0), (Q.name, i, 0)) for i in range(nb)}
    dsk[(out, 0, 0)] = (_sum, *[(part, i) for i in range(nb)])
    return _array(HighLevelGraph, da, out, dsk, [y, Q], ((y.shape[1],), (Q.shape[1],)),
                  y.dtype)


def _project(y, Z):
    """``y @ Z`` for a lazy single-chunk ``Z``: blockwise, ``Z`` sent to every task."""
    dask, da, _ = _require_dask()
    return da.blockwise(_matmul_small, "ij", y, "ik", Z.rechunk(-1), "kj", dtype=y.dtype,
                        concatenate=True)
