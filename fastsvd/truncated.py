"""Truncated SVDs: ``svds`` (SciPy's signature) and ``randomized_svd`` (scikit-learn's).

``svds`` runs Golub-Kahan-Lanczos bidiagonalization on the operator itself
(never on ``A^T A``) with thick restarting (Baglama & Reichel 2005) and
reorthogonalization (:mod:`fastsvd.kernels.lanczos`).  ``randomized_svd`` runs
the Halko-Martinsson-Tropp range finder with power iterations
(:mod:`fastsvd.kernels.randomized`).  Both accept dense arrays and every
scipy.sparse format; ``svds`` also accepts a ``LinearOperator``.

This module validates arguments, wraps the operand into a pair of products and
orchestrates the kernels; all arithmetic on vectors and matrices happens in
kernels (or in the caller's ``LinearOperator``).
"""
import math
import numbers
from collections import namedtuple

import numpy as np
import scipy.sparse as _sparse
from scipy.sparse.linalg import LinearOperator

from ._errors import NonFiniteError
from .kernels import lanczos as _lz
from .kernels.blas import gemm, gemv
from .kernels.sparse import (balanced_chunks, coo_bidiag_products, coo_matvec, coo_rmatvec,
                             csr_matmat, row_of_entry)

__all__ = ["svds", "randomized_svd", "SvdsReport"]

SvdsReport = namedtuple(
    "SvdsReport",
    ["av_residuals", "atu_residuals", "norm_estimate", "tol", "converged", "restarts", "products"])
SvdsReport.__doc__ = """Convergence report of :func:`svds` (``return_residuals=True``).

Attributes
----------
av_residuals : ndarray (k,)
    ``||A v_i - s_i u_i||_2`` for each returned triplet, computed explicitly
    after convergence (one block product), in the order of ``s``.
atu_residuals : ndarray (k,)
    ``||A^T u_i - s_i v_i||_2``, likewise.
norm_estimate : float
    The estimate of ``||A||_2`` the stopping test used (the largest Ritz value
    seen, a lower bound that is accurate to the requested tolerance).
tol : float
    The relative tolerance actually used (at least ``sqrt(min(M, N)) eps``).
converged : bool
    Whether every wanted triplet met ``residual <= tol * norm_estimate``.
restarts : int
    Number of thick restarts performed.
products : int
    Number of products with ``A`` (and as many with ``A^T``) in the Lanczos process.
"""


# --------------------------------------------------------------------------- operands

class _Operand:
    """``A`` (or ``A^T`` when ``A`` is wide) as products on float64 vectors.

    ``mv(x, out)``: ``out <- W x``; ``rmv(y, out)``: ``out <- W^T y``;
    ``mm(X)``: ``W X`` for a C-contiguous ``(n, b)`` block, and ``rmm`` likewise,
    where ``W`` is the working matrix, tall (``m >= n``).
    ``bidiag(x, beta, y_prev, y, z)``: the two products of a Golub-Kahan step,
    ``y <- W x - beta y_prev`` and ``z <- W^T y``, returning ``||y||`` (one pass
    over the entries for a sparse ``W``).
    """

    def __init__(self, A, transpose, caller="svds"):
        self.transpose = transpose
        self.caller = caller
        #: W is scaled by 2**shift into the safe range (see _safe_shift); exact
        self.shift = 0
        if _sparse.issparse(A) and not isinstance(A, LinearOperator):
            self._sparse(A, transpose)
        else:
            if isinstance(A, LinearOperator):
                self._linop(A)
            else:
                self._dense(A)
            if transpose:
                self.mv, self.rmv = self.rmv, self.mv
                self.mm, self.rmm = self.rmm, self.mm
            self.bidiag = self._bidiag
        self.m, self.n = (A.shape[1], A.shape[0]) if transpose else A.shape

    def _entries_shift(self, data):
        """Check the stored entries for NaN/Inf and return their scaling exponent."""
        amax = _lz.max_abs(data) if data.size else 0.0
        if not math.isfinite(amax):
            what = "NaN" if math.isnan(amax) else "Inf"
            raise NonFiniteError(f"{self.caller}: the input matrix must not contain infs or "
                                 f"NaNs (found {what}).")
        return _safe_shift(amax)

    def _bidiag(self, x, beta, y_prev, y, z):
        self.mv(x, y)
        if beta != 0.0:
            _lz.axpy(-beta, y_prev, y)
        alpha = _lz.nrm2(y)
        self.rmv(y, z)
        return alpha

    def _dense(self, A):
        A = np.ascontiguousarray(A, dtype=np.float64)
        self.shift = self._entries_shift(A.reshape(-1))
        if self.shift:
            A = np.ldexp(A, self.shift)

        def mv(x, out):
            gemv(1.0, A, x, 0.0, out)

        def rmv(y, out):
            gemv(1.0, A, y, 0.0, out, True)

        def mm(X):
            Y = np.empty((A.shape[0], X.shape[1]))
            gemm(1.0, A, X, 0.0, Y)
            return Y

        def rmm(X):
            Y = np.empty((A.shape[1], X.shape[1]))
            gemm(1.0, A, X, 0.0, Y, True)
            return Y

        self.mv, self.rmv, self.mm, self.rmm = mv, rmv, mm, rmm

    def _sparse(self, A, transpose):
        # CSR of the working matrix W (CSC of A when W = A^T), plus the row index
        # of every entry: vector products loop over the entries (see
        # fastsvd.kernels.sparse), both directions from these arrays; the CSR of
        # W^T is built only if a block product with W^T is asked for
        rows_w = _csr_arrays(A.tocsc() if transpose else A.tocsr())
        indptr, cols, data = rows_w
        self.shift = shift = self._entries_shift(data)
        if shift:
            rows_w = (indptr, cols, np.ldexp(data, shift))
            indptr, cols, data = rows_w
        m, n = len(indptr) - 1, (A.shape[0] if transpose else A.shape[1])
        entry_row = np.empty(len(cols), dtype=cols.dtype)
        row_of_entry(indptr, entry_row)
        bounds = np.empty(_CHUNKS + 1, dtype=indptr.dtype)
        balanced_chunks(indptr, bounds)
        parts = np.empty((_CHUNKS, n))
        coo = (indptr, entry_row, cols, data, bounds)
        cols_w = []

        def mv(x, out):
            coo_matvec(*coo, x, out)

        def rmv(y, out):
            coo_rmatvec(*coo, y, parts, out)

        def bidiag(x, beta, y_prev, y, z):
            return coo_bidiag_products(*coo, x, beta, y_prev, y, parts, z)

        def mm(X):
            Y = np.empty((m, X.shape[1]))
            csr_matmat(*rows_w, X, Y)
            return Y

        def rmm(X):
            if not cols_w:
                ip, ix, dx = _csr_arrays(A.tocsr() if transpose else A.tocsc())
                cols_w.append((ip, ix, np.ldexp(dx, shift) if shift else dx))
            Y = np.empty((n, X.shape[1]))
            csr_matmat(*cols_w[0], X, Y)
            return Y

        self.mv, self.rmv, self.mm, self.rmm, self.bidiag = mv, rmv, mm, rmm, bidiag

    def _linop(self, A):
        m, n = A.shape
        caller = self.caller

        def finite(Y, what):
            if not np.all(np.isfinite(Y)):
                bad = "NaN" if np.isnan(Y).any() else "Inf"
                raise NonFiniteError(f"{caller}: the LinearOperator's {what} returned {bad}; "
                                     "its products must be finite.")
            return Y

        # one product with a fixed pseudo-random vector (independent of the caller's
        # seed) checks the operator and estimates its scale: ||A g|| / ||g|| lies
        # within a modest factor of ||A||_F / sqrt(n) <= ||A||_2
        g = np.random.default_rng(_PROBE_SEED).standard_normal(n)
        p = _lz.nrm2(finite(np.asarray(A.matvec(g)).reshape(m).real.astype(np.float64),
                            "matvec")) / _lz.nrm2(g)
        if p == 0.0:
            h = np.random.default_rng(_PROBE_SEED).standard_normal(m)
            p = _lz.nrm2(finite(np.asarray(A.rmatvec(h)).reshape(n).real.astype(np.float64),
                                "rmatvec")) / _lz.nrm2(h)
        shift = self.shift = _safe_shift(p)

        def scaled(Y, what):
            finite(Y, what)
            return np.ldexp(Y, shift) if shift else Y

        def mv(x, out):
            out[:] = scaled(np.asarray(A.matvec(x)).reshape(m).real, "matvec")

        def rmv(y, out):
            out[:] = scaled(np.asarray(A.rmatvec(y)).reshape(n).real, "rmatvec")

        def mm(X):
            Y = np.asarray(A.matmat(X)).reshape(m, X.shape[1]).real
            return np.ascontiguousarray(scaled(Y, "matmat"), dtype=np.float64)

        def rmm(X):
            Y = np.asarray(A.rmatmat(X)).reshape(n, X.shape[1]).real
            return np.ascontiguousarray(scaled(Y, "rmatmat"), dtype=np.float64)

        self.mv, self.rmv, self.mm, self.rmm = mv, rmv, mm, rmm


#: seed of the LinearOperator's scale probe (fixed: results depend only on the caller's seed)
_PROBE_SEED = 20261123

#: operands whose largest entry (or probed scale) lies outside
#: [2**-_SAFE_EXPONENT, 2**_SAFE_EXPONENT] are scaled by a power of two to a
#: largest entry in [1, 2) (xLASCL, as xGESVD scales outside its own safe
#: range): inside it the Gram matrices of the Rayleigh-Ritz step, which square
#: the entries, keep squares down to (eps^2 ||A||)^2 normal and sums of 2**100
#: squares finite, so every operation is exact under power-of-two scaling
_SAFE_EXPONENT = 200


def _safe_shift(amax):
    """Exponent ``e`` such that ``2**e amax`` lies in [1, 2), or 0 if ``amax`` is 0 or
    already in the safe range (see :data:`_SAFE_EXPONENT`)."""
    if amax == 0.0 or 2.0 ** -_SAFE_EXPONENT <= amax <= 2.0 ** _SAFE_EXPONENT:
        return 0
    return 1 - math.frexp(amax)[1]


#: row chunks of a sparse operand's vector products: a fixed number, so the
#: partial sums of ``W^T y`` add up in the same order whatever the thread count
#: (reproducible results); 4 keeps up to 4 threads busy, and its workspace
#: (4 short vectors) is smaller than the Lanczos basis (ncv + 1 of them).
#: Each chunk zeroes and adds one short vector: on the benchmark 2 chunks took
#: 1.26 ms per Lanczos step, 4 took 1.30 and 8 took 1.36 (one thread)
_CHUNKS = 4


def _csr_arrays(C):
    """``(indptr, indices, data)`` of a CSR (or CSC, read as CSR of the transpose) matrix,
    with float64 contiguous data and a common integer type for the index arrays."""
    itype = np.int32 if C.indptr.dtype == np.int32 and C.indices.dtype == np.int32 else np.int64
    return (np.ascontiguousarray(C.indptr, dtype=itype),
            np.ascontiguousarray(C.indices, dtype=itype),
            np.ascontiguousarray(C.data, dtype=np.float64))


def _result_dtype(dtype):
    """float32 stays float32 (as in SciPy); everything else computes and returns float64."""
    return np.float32 if dtype == np.float32 else np.float64


def _as_operand_source(A, name="A"):
    """Normalise ``A`` to an ndarray, a scipy.sparse object or a LinearOperator; check it."""
    if isinstance(A, LinearOperator) or _sparse.issparse(A):
        shape, dtype = A.shape, A.dtype
        if dtype is None:  # a LinearOperator built without a dtype
            dtype = np.asarray(A.matvec(np.zeros(A.shape[1]))).dtype
    else:
        A = np.asarray(A)
        shape, dtype = A.shape, A.dtype
    if len(shape) != 2:
        raise ValueError(f"`{name}` must be 2-D (an array, a sparse matrix or a LinearOperator); "
                         f"got shape {tuple(shape)}.")
    if np.issubdtype(dtype, np.complexfloating):
        raise TypeError(f"`{name}` is complex ({dtype}); fastsvd's truncated SVDs are real only.")
    if not (np.issubdtype(dtype, np.number) or dtype == np.bool_):
        raise ValueError(f"`{name}` must be of numeric data type.")
    if math.prod(shape) == 0:
        raise ValueError(f"`{name}` must not be empty.")
    return A, tuple(shape), dtype


# --------------------------------------------------------------------------- svds

_SOLVERS = {None, "lanczos", "arpack", "propack", "lobpcg"}
_REORTH = {"auto", "full", "one-sided"}


def _rng_from(rng, random_state):
    if rng is not None and random_state is not None:
        raise TypeError("pass either `rng` or the legacy `random_state`, not both.")
    seed = rng if rng is not None else random_state
    if seed is None or isinstance(seed, numbers.Integral | np.integer | np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(0, 2**63 - 1, dtype=np.int64))
    raise ValueError(f"'{seed}' is neither a NumPy Generator nor an integer seed"
                     " to instantiate one.")


def _iv_svds(A, k, ncv, tol, which, v0, maxiter, return_singular_vectors, solver,
             random_state, rng, options):
    """Validate and normalise the arguments of :func:`svds` (messages as in SciPy's ``_iv``)."""
    if solver is not None:
        solver = str(solver).lower()
    if solver not in _SOLVERS:
        raise ValueError(f"solver must be one of {_SOLVERS}.")

    A, shape, dtype = _as_operand_source(A)
    kmax = min(shape) - 1
    if int(k) != k or not (0 < k <= kmax):
        raise ValueError("`k` must be an integer satisfying `0 < k < min(A.shape)`.")
    k = int(k)

    if ncv is not None:
        if int(ncv) != ncv or not (k < ncv <= min(shape)):
            raise ValueError("`ncv` must be an integer satisfying `k < ncv <= min(A.shape)`.")
        ncv = int(ncv)

    if tol < 0 or not np.isfinite(tol):
        raise ValueError("`tol` must be a non-negative floating point value.")
    tol = float(tol)

    which = str(which).upper()
    if which not in {"LM", "SM"}:
        raise ValueError(f"`which` must be in {({'LM', 'SM'})}.")

    if v0 is not None:
        v0 = np.atleast_1d(v0)
        if not np.issubdtype(v0.dtype, np.floating):
            raise ValueError("`v0` must be of floating data type.")
        if v0.shape != (min(shape),):
            raise ValueError(f"`v0` must have shape {(min(shape),)}.")
        if not np.all(np.isfinite(v0)) or not np.any(v0):
            raise ValueError("`v0` must be finite and nonzero.")

    if maxiter is not None and (int(maxiter) != maxiter or maxiter <= 0):
        raise ValueError("`maxiter` must be a positive integer.")
    maxiter = int(maxiter) if maxiter is not None else maxiter

    if return_singular_vectors not in {True, False, "u", "vh"}:
        raise ValueError(f"`return_singular_vectors` must be in {({True, False, 'vh', 'u'})}.")

    options = dict(options or {})
    unknown = set(options) - {"reorth"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; svds understands 'reorth'.")
    reorth = options.get("reorth", "auto")
    if reorth not in _REORTH:
        raise ValueError(f"options['reorth'] must be in {_REORTH}.")
    if reorth == "auto":
        # one-sided is measured safe for the largest triplets; the smallest ones'
        # left Ritz vectors lose orthogonality without it (tests/test_svds.py)
        reorth = "one-sided" if str(which).upper() == "LM" else "full"

    return (A, shape, dtype, k, ncv, tol, which, v0, maxiter, return_singular_vectors,
            _rng_from(rng, random_state), reorth)


def svds(A, k=6, ncv=None, tol=0, which="LM", v0=None, maxiter=None,
         return_singular_vectors=True, solver=None, random_state=None, rng=None,
         options=None, *, return_residuals=False):
    """Largest or smallest ``k`` singular triplets of a matrix or linear operator.

    A drop-in for :func:`scipy.sparse.linalg.svds`: same arguments, same
    returns and orderings (singular values **ascending**, ``u`` ``(M, k)``,
    ``vh`` ``(k, N)``), same error messages.  The computation is fastsvd's own
    Golub-Kahan-Lanczos bidiagonalization of ``A`` (never of ``A^T A``), with
    thick restarting (Baglama & Reichel 2005) and reorthogonalization.

    Parameters
    ----------
    A : ndarray, scipy.sparse array or matrix (any format), or LinearOperator
        Real ``M x N`` operand.  Sparse input is converted once to CSR
        (of the tall orientation) and multiplied by parallel kernels, both
        products of a Lanczos step in one pass over the entries; a
        LinearOperator is used through ``matvec``/``rmatvec`` (and ``matmat``/``rmatmat`` for the final
        residuals).  Computation is in float64; float32 input gives float32 output.
    k : int, default 6
        Number of triplets, ``0 < k < min(M, N)``.
    ncv : int, optional
        Lanczos basis size per restart cycle, ``k < ncv <= min(M, N)``.
        Default ``min(min(M, N), max(3 k, 30))``.
    tol : float, default 0
        Relative residual tolerance: stop when every wanted triplet satisfies
        ``||A^T u - s v|| <= tol * ||A||`` (``A v = s u`` holds by construction
        up to rounding), ``||A||`` estimated by the largest Ritz value.  0 means
        machine precision: tolerances below ``sqrt(min(M, N)) eps`` (the
        rounding floor of one product; eps of the result dtype) are raised to
        it, and the report says which was used.  Singular values are then
        accurate to about ``tol * ||A||`` (Weyl), or ``(tol ||A||)^2 / gap``
        when separated by a gap.
    which : {"LM", "SM"}
        Largest or smallest singular values.  "SM" uses Ritz values of the
        projected ``B`` (the Rayleigh-Ritz approximation of ``A^T A`` on the
        right Krylov space, computed from ``B`` so without squaring) and keeps
        the smallest Ritz vectors at each thick restart; these converge
        monotonically from above to the smallest singular values of the
        short dimension, more slowly than "LM" when the small end is
        clustered relative to ``||A||``.
    v0 : ndarray (min(M, N),), optional
        Start vector on the short side (as ARPACK in SciPy); default random.
    maxiter : int, optional
        Maximum number of restart cycles (ARPACK's meaning); default ``10 min(M, N)``.
    return_singular_vectors : {True, False, "u", "vh"}
        As SciPy: ``False`` returns ``s`` only; ``"u"`` returns ``(u, s, None)``,
        ``"vh"`` returns ``(None, s, vh)`` (SciPy 1.17's arpack path, whatever the shape).
    solver : {None, "lanczos", "arpack", "propack", "lobpcg"}
        Accepted for compatibility; every value runs fastsvd's Lanczos solver.
    random_state, rng : int, Generator, RandomState or None
        Seed for the start vector and breakdown restarts (``rng`` is SciPy's
        new name; pass at most one).  Results are reproducible under a seed.
    options : dict, optional
        ``{"reorth": "one-sided"}`` reorthogonalizes the short-side basis fully
        and the long side locally (Simon & Zha 2000), the cheap choice for tall
        sparse problems; ``"full"`` reorthogonalizes both; ``"auto"`` (default)
        is one-sided for "LM" and full for "SM", whose left Ritz vectors lose
        orthogonality under the one-sided scheme on rank-deficient input.
    return_residuals : bool, default False
        Also return an :class:`SvdsReport` (explicit residuals per triplet,
        norm estimate, convergence flag).  With it, non-convergence is
        reported in the report instead of raising.

    Returns
    -------
    u : ndarray (M, k) or None
    s : ndarray (k,), ascending
    vh : ndarray (k, N) or None
    report : SvdsReport, only with ``return_residuals=True``

    Raises
    ------
    numpy.linalg.LinAlgError
        When the wanted triplets do not converge within ``maxiter`` cycles.
    """
    (A, shape, dtype, k, ncv, tol, which, v0, maxiter, rsv, rng, reorth) = _iv_svds(
        A, k, ncv, tol, which, v0, maxiter, return_singular_vectors, solver,
        random_state, rng, options)
    out_dtype = _result_dtype(dtype)
    M, N = shape
    transpose = M < N
    op = _Operand(A, transpose, "svds")
    short = min(M, N)
    if ncv is None:
        # ARPACK's default is max(2k+1, 20); the one-sided process stores no long
        # basis, so a larger one is cheap: 30 took 210 products against 255 for
        # 20 on the 200000 x 20000 benchmark (benchmarks/bench_truncated.py)
        ncv = min(short, max(3 * k, 30))
    if maxiter is None:
        maxiter = 10 * short
    # tolerance floor: the product W x with a unit x carries a rounding error of
    # about sqrt(n) eps ||A|| (Higham, Accuracy and Stability, sec. 3.1 and the
    # rule of thumb in sec. 2.8), so residual estimates below that are noise and
    # chasing them only spins the restart loop (measured: tol = eps never stops
    # on 200 x 80 with sigma_i = 1/i, "SM")
    tol = max(tol, math.sqrt(short) * float(np.finfo(out_dtype).eps))

    # 1. Lanczos bidiagonalization with thick restarts on the tall working matrix W
    state = rng.bit_generator.state
    # the long side's vectors are made in the layout the caller gets: columns
    # of u (m, k) when A is tall, rows of vh when A is wide
    Uw, s, Vw, info = _thick_restart_gkl(op, k, ncv, tol, which == "LM", v0, maxiter, rng,
                                         reorth == "full", not transpose)
    if info["need_full"]:
        # the one-sided recurrence met (near) rank deficiency: rerun with both
        # bases stored and reorthogonalized, from the same start
        rng.bit_generator.state = state
        Uw, s, Vw, info = _thick_restart_gkl(op, k, ncv, tol, which == "LM", v0, maxiter,
                                             rng, True, not transpose)
    # 2. "SM": a Krylov space holds one copy of a repeated singular value, so
    #    look for more in the complement of what was found (locking)
    U_rows = np.ascontiguousarray(Uw.T) if not transpose else Uw
    if which == "SM" and info["converged"]:
        U_rows, s, Vw, info = _lock_and_verify(op, U_rows, s, Vw, info, k, ncv, tol,
                                               maxiter, rng)
    # 3. residuals against A itself (one block product each way): "converged"
    #    means they meet tol ||A||, plus the rounding of the products themselves
    #    (a dot product of length n errs by up to n eps, Higham, Accuracy and
    #    Stability, sec. 3.1), not only that the Lanczos estimates did
    r_av, r_atu = _explicit_residuals(op, U_rows, s, Vw)
    eps = float(np.finfo(np.float64).eps)
    bound = (tol + max(M, N) * eps) * info["norm"]
    verified = bool(np.all(r_av <= bound) and np.all(r_atu <= bound))
    converged = info["converged"] and verified
    if transpose:
        r_av, r_atu = r_atu, r_av
    if not converged and not return_residuals:
        if not info["converged"]:
            raise np.linalg.LinAlgError(
                f"svds: {info['unconverged']} of k={k} singular triplets did not reach "
                f"tol={tol:.3g} within maxiter={maxiter} restart cycles "
                f"(ncv={ncv}); increase maxiter or ncv, or pass return_residuals=True.")
        raise np.linalg.LinAlgError(
            f"svds: the Lanczos estimates converged but the explicit residuals "
            f"(max {max(r_av.max(), r_atu.max()) / info['norm']:.3g} ||A||) exceed "
            f"tol={tol:.3g}: the products are less accurate than rounding allows (a "
            f"LinearOperator with subnormal outputs, or whose rmatvec is not the transpose "
            f"of its matvec); pass return_residuals=True to inspect them.")
    # undo the power-of-two scaling of the operand (exact unless s over/underflows)
    s = np.ldexp(s, -op.shift)
    r_av, r_atu = np.ldexp(r_av, -op.shift), np.ldexp(r_atu, -op.shift)
    norm = float(np.ldexp(info["norm"], -op.shift))
    Uw = U_rows if transpose else np.ascontiguousarray(U_rows.T)
    # 3. the caller's orientation (W = A^T when A is wide); s is ascending already
    s = s.astype(out_dtype)
    u, vh = (Vw.T, Uw) if transpose else (Uw, Vw)
    u = np.ascontiguousarray(u, dtype=out_dtype)
    vh = np.ascontiguousarray(vh, dtype=out_dtype)
    report = None
    if return_residuals:
        report = SvdsReport(r_av, r_atu, norm, tol, converged,
                            info["restarts"], info["products"])
    if not rsv:
        return (s, report) if return_residuals else s
    if rsv == "u":
        vh = None
    elif rsv == "vh":
        u = None
    return (u, s, vh, report) if return_residuals else (u, s, vh)


def _small_svd(B, bidiagonal):
    """SVD of the small projected matrix: ``B = X diag(S) Y^T``, ``S`` descending.

    The first cycle's ``B`` is bidiagonal and goes straight to the bidiagonal QR
    kernel; after a thick restart ``B`` has the ``rho`` column and goes to
    :func:`fastsvd.svd` (dense, ``ncv x ncv``).
    """
    n = B.shape[0]
    if bidiagonal:
        from .kernels.bdsqr import bdsqr
        # np.array copies: a diagonal view is read-only even when contiguous (length 1)
        d = np.array(np.diagonal(B))
        e = np.array(np.diagonal(B, 1)) if n > 1 else np.zeros(1)
        Ut = np.eye(n)
        Vt = np.eye(n)
        info = bdsqr(d, e, Ut, Vt)
        if info == 0:
            return Ut.T, d, Vt.T
    from . import svd  # the public dense SVD
    X, S, Yt = svd(np.array(B), full_matrices=False)
    return X, S, Yt.T


def _thick_restart_gkl(op, k, ncv, tol, largest, v0, maxiter, rng, full, u_columns,
                       locked=None, norm0=0.0):
    """Thick-restarted Golub-Kahan-Lanczos (Baglama & Reichel 2005, alg. 2.1-2.3).

    Returns ``(U, s, V, info)`` with the ``k`` wanted triplets of the working
    matrix, ``s`` ascending, as rows of ``V`` (k, n) and of ``U`` (k, m), or
    as columns of ``U`` (m, k) with ``u_columns``.

    With ``full`` the left basis is stored and reorthogonalized like the right
    one.  Without it (one-sided, Simon & Zha 2000) the left basis is *implicit*:
    the recurrence only needs the previous left vector, and since
    ``A V_l = U_l S_l`` for the kept Ritz vectors, the restart coupling
    ``U_l rho`` equals ``A V_l S_l^{-1} rho`` and is folded into the next
    product.  No long basis is stored or rotated, which is what makes tall
    sparse problems cheap; the final left vectors come from a Rayleigh-Ritz
    step on the converged right subspace (SVD of ``A V_k``).  If the recurrence
    nears a breakdown (rank deficiency) or a kept Ritz value is tiny, the
    one-sided run reports it (``info["need_full"]``) and the caller reruns fully.

    ``locked = (LV, LU)`` (full only): orthonormal rows of converged right and
    left singular vectors.  Every new basis vector is made orthogonal to them
    too (locking, as in Wu & Simon 2000, sec. 3), so the run finds the wanted
    triplets of ``W`` restricted to the complement of ``LV``.  ``norm0`` is an
    estimate of ``||W||`` already known (the stopping test's scale).
    """
    m, n = op.m, op.n
    LV, LU = locked if locked is not None else (None, None)
    nlock = 0 if LV is None else LV.shape[0]
    coef_lock = np.zeros(max(nlock, 1))
    eps = np.finfo(np.float64).eps
    # below semi-orthogonality (sqrt(eps), Simon 1984) the local recurrence
    # loses orthogonality like eps ||A|| / alpha (Paige 1976)
    semi = math.sqrt(eps)
    # 1. workspace: bases as rows, two of each so a restart can rotate into the other
    V, V2 = np.zeros((ncv + 1, n)), np.zeros((ncv + 1, n))
    U, U2 = (np.zeros((ncv, m)), np.zeros((ncv, m))) if full else (None, None)
    y_prev, y = np.zeros(m), np.zeros(m)
    B = np.zeros((ncv, ncv))
    coef = np.zeros(ncv + 1)
    u = np.empty(m) if full else None
    w = np.empty(n)
    x = np.empty(n)
    if nlock:
        _random_orthonormal(V, 0, w, coef, rng, LV, coef_lock)
    else:
        start = rng.standard_normal(n) if v0 is None else np.array(v0, dtype=np.float64)
        _lz.store_normalized(V, 0, start, _lz.nrm2(start))
    # number of kept Ritz triplets at a restart: the wanted k plus half the rest,
    # so each cycle adds at least (ncv - k) / 2 new vectors (Wu & Simon 2000, sec. 4,
    # thick-restart Lanczos keeps about this many)
    keep = min(ncv - 1, k + (ncv - k) // 2)
    norm_est = norm0
    l = 0
    kept = np.zeros(0)
    products = 0
    restarts = 0
    converged = False
    unconverged = k
    info = dict(need_full=False)
    for cycle in range(maxiter):
        # 2. extend the factorization from l to ncv steps
        for j in range(l, ncv):
            if full:
                op.mv(V[j], u)
                alpha = _orthogonalize_locked(U, j, u, coef, LU, coef_lock)
                products += 1
                # breakdown floor: below sqrt(dim) eps ||A|| the new vector is rounding
                # noise of the product, i.e. A v_j lies in span(U[:j]) (rank deficiency)
                if alpha <= math.sqrt(m) * eps * norm_est or alpha == 0.0:
                    alpha = 0.0
                    _random_orthonormal(U, j, u, coef, rng, LU, coef_lock)
                else:
                    _lz.store_normalized(U, j, u, alpha)
                B[j, j] = alpha
                op.rmv(U[j], w)
            else:
                # the left vectors are kept unnormalized (u_j = y_j / alpha_j), so
                # the recurrence's coefficient is beta_{j-1} / alpha_{j-1}
                if j == l and l > 0:
                    # y = A (v_l - V_l S_l^{-1} rho): the restart coupling in one product
                    _lz.combine_rows(V, l, B[:l, l] / kept, x)
                    alpha = op.bidiag(x, 0.0, y_prev, y, w)
                else:
                    coupling = B[j - 1, j] / B[j - 1, j - 1] if j > 0 else 0.0
                    alpha = op.bidiag(V[j], coupling, y_prev, y, w)
                products += 1
                # (covers the breakdown floor of the full branch: sqrt(m) eps < semi)
                if alpha <= semi * norm_est or alpha == 0.0:
                    info["need_full"] = True
                    return None, None, None, info
                B[j, j] = alpha
                y_prev, y = y, y_prev
                _lz.local_right_step(w, alpha, V[j])
            beta = _orthogonalize_locked(V, j + 1, w, coef, LV, coef_lock)
            if not (math.isfinite(alpha) and math.isfinite(beta)):
                # every product is checked (_Operand); this catches anything else
                raise NonFiniteError(f"{op.caller}: a Lanczos coefficient became "
                                     f"non-finite (alpha={alpha}, beta={beta}).")
            if beta <= math.sqrt(n) * eps * max(norm_est, alpha) or beta == 0.0:
                beta = 0.0
                if j + 1 + nlock < n:  # invariant subspace: continue with a fresh direction
                    _random_orthonormal(V, j + 1, w, coef, rng, LV, coef_lock)
                else:
                    V[j + 1] = 0.0
            else:
                _lz.store_normalized(V, j + 1, w, beta)
            if j + 1 < ncv:
                B[j, j + 1] = beta
            norm_est = max(norm_est, alpha, beta)
        # 3. SVD of the projected matrix and the residual estimates
        X, S, Y = _small_svd(B, bidiagonal=(l == 0))
        norm_est = max(norm_est, S[0])
        residual = np.abs(beta * X[ncv - 1])
        wanted = np.arange(k) if largest else np.arange(ncv - k, ncv)
        ok = residual[wanted] <= tol * norm_est
        unconverged = int(np.count_nonzero(~ok))
        if unconverged == 0:
            converged = True
            break
        if cycle == maxiter - 1:
            break
        # 4. thick restart with the best `keep` Ritz triplets (eq. (2.13)-(2.16))
        sel = np.arange(keep) if largest else np.arange(ncv - keep, ncv)
        kept = np.ascontiguousarray(S[sel])
        if not full and kept.min() <= semi * norm_est:
            info["need_full"] = True  # S_l^{-1} above would amplify rounding
            return None, None, None, info
        _lz.rotate_basis(V, ncv, np.ascontiguousarray(Y[:, sel]), V2)
        V2[keep] = V[ncv]
        V, V2 = V2, V
        if full:
            _lz.rotate_basis(U, ncv, np.ascontiguousarray(X[:, sel]), U2)
            U, U2 = U2, U
        l = _lz.thick_restart_projection(kept, np.ascontiguousarray(X[ncv - 1, sel]), beta, B)
        restarts += 1
    info.update(converged=converged, unconverged=unconverged, norm=norm_est,
                restarts=restarts, products=products)
    # 5. the wanted Ritz vectors, in ascending order of the singular values
    #    (SciPy's), each basis rotated once by the permuted small factors
    if full:
        order = np.argsort(S[wanted], kind="stable")
        _lz.rotate_basis(V, ncv, np.ascontiguousarray(Y[:, wanted[order]]), V2)
        _lz.rotate_basis(U, ncv, np.ascontiguousarray(X[:, wanted[order]]), U2)
        Ur = np.ascontiguousarray(U2[:k].T) if u_columns else U2[:k].copy()
        return Ur, S[wanted[order]].copy(), V2[:k].copy(), info
    _lz.rotate_basis(V, ncv, np.ascontiguousarray(Y[:, wanted]), V2)
    Vk = V2[:k].copy()
    # Rayleigh-Ritz on span(Vk): A Vk = Q R (tall thin QR), R = X diag(s) Y^T,
    # so u = Q X and v = Vk^T Y, orthonormal to working precision
    from . import svd  # the public dense SVD, on the k x k factor
    Q, P, R = _cholesky_qr2_deferred(op.mm(np.ascontiguousarray(Vk.T)))
    X, s, Yt = svd(R, full_matrices=False)
    order = np.argsort(s, kind="stable")
    X = np.ascontiguousarray(P @ X[:, order])  # Q P is the orthonormal factor
    if u_columns:  # (m, k), the caller's u: no transposing copy of the long side
        Ur = np.empty((m, k))
        _lz.times_small(Q, X, Ur, _lz.row_tiles(m, k))
    else:
        Ur = np.empty((k, m))
        gemm(1.0, X, Q, 0.0, Ur, True, True)
    Vr = np.empty_like(Vk)
    gemm(1.0, np.ascontiguousarray(Yt[order]), Vk, 0.0, Vr)
    return Ur, s[order], Vr, info


def _lock_and_verify(op, U, s, V, info, k, ncv, tol, maxiter, rng):
    """Find the copies of repeated smallest singular values that one Krylov space misses.

    A Krylov space from one start vector holds one direction of each singular
    subspace, so a ``j``-fold singular value is found once (in exact arithmetic;
    rounding finds the others late or never).  The converged triplets are
    locked and the smallest ones of ``W`` restricted to the complement of their
    right vectors are computed from a fresh random start
    (:func:`_thick_restart_gkl` with ``locked``); any that are smaller than
    the current ``k``-th, beyond the accuracy ``sqrt(2) tol ||A||``, replace it,
    and the search repeats until a pass finds none (the result is then
    verified), at most ``k + 1`` passes.  ``U``, ``V`` are rows; returns the
    same with ``info`` updated (``converged`` false if a pass did not converge
    or the passes ran out while still improving).
    """
    m, n = op.m, op.n
    eps = float(np.finfo(np.float64).eps)
    LV, LU = V.copy(), U.copy()
    # each improving pass adds at least one value, so k + 1 passes find a k-fold one
    for _ in range(k + 1):
        d = n - LV.shape[0]           # dimension of the unexplored right space
        if d == 0:
            break
        if d == 1:
            Un, sn, Vn, run = _last_direction(op, LV, LU, rng)
        else:
            kk = min(k, d - 1)
            Un, sn, Vn, run = _thick_restart_gkl(op, kk, min(ncv, d), tol, False, None,
                                                 maxiter, rng, True, False,
                                                 locked=(LV, LU), norm0=info["norm"])
            info["products"] += run["products"]
            info["restarts"] += run["restarts"]
            info["norm"] = max(info["norm"], run["norm"])
            if not run["converged"]:
                info.update(converged=False, unconverged=run["unconverged"])
                break
        delta = math.sqrt(2.0) * (tol + max(m, n) * eps) * info["norm"]
        if not sn[0] < s[-1] - delta:
            break                     # nothing smaller in the complement: verified
        order = np.argsort(np.concatenate([s, sn]), kind="stable")[:k]
        s = np.concatenate([s, sn])[order]
        U = np.ascontiguousarray(np.concatenate([U, Un])[order])
        V = np.ascontiguousarray(np.concatenate([V, Vn])[order])
        LV, LU = np.concatenate([LV, Vn]), np.concatenate([LU, Un])
    else:
        info.update(converged=False, unconverged=1)
    return U, s, V, info


def _last_direction(op, LV, LU, rng):
    """The one right direction orthogonal to ``LV`` (``n - 1`` rows) and its triplet."""
    m, n = op.m, op.n
    v = np.zeros((1, n))
    u = np.zeros((1, m))
    w, y = np.empty(n), np.empty(m)
    coef, coef_lock = np.zeros(1), np.zeros(max(LV.shape[0], LU.shape[0]))
    _random_orthonormal(v, 0, w, coef, rng, LV, coef_lock)
    op.mv(v[0], y)
    sigma = _orthogonalize_locked(u, 0, y, coef, LU, coef_lock)
    if sigma > 0.0:
        _lz.store_normalized(u, 0, y, sigma)
    else:
        _random_orthonormal(u, 0, y, coef, rng, LU, coef_lock)
    return u, np.array([sigma]), v, dict(converged=True)


def _cholesky_qr2_deferred(Y):
    """``Y = (Q P) R`` with ``Q P`` orthonormal, for tall ``Y`` (``m x k``).

    CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto 2014), as
    :func:`fastsvd.kernels.randomized.cholesky_qr2`, with the passes over ``Y``
    in row tiles that keep OpenBLAS on one thread (see
    :data:`fastsvd.kernels.lanczos._BLAS_SERIAL_MNK`) and the second pass's
    ``R^{-1}`` returned as ``P`` instead of applied, so that the caller folds it
    into its own ``k x k`` rotation: 4 passes over ``Y`` instead of 6 (measured
    on 200000 x 10, one thread: 33 -> ~20 ms).  When a pass's ``R`` is too
    ill-conditioned for Cholesky (diagonal ratio above 1e7, the bound
    ``cholesky_qr2`` uses, under ``eps^{-1/2}``) that kernel takes over (it
    falls back to Householder QR).  ``Y`` is not modified.
    """
    from .kernels.randomized import cholesky_qr2, cholesky_upper, upper_inverse
    m, k = Y.shape
    ntiles = _lz.row_tiles(m, k)
    parts = np.empty((ntiles, k, k))
    G = np.empty((k, k))
    R = np.eye(k)
    Q = Y
    for npass in range(2):
        _lz.gram_rows(Q, parts, G)
        Rp, ok = cholesky_upper(G)
        d = np.diagonal(Rp)
        if not (ok and d.min() * 1e7 > d.max()):
            Qh, Rh = cholesky_qr2(Q)
            return Qh, np.eye(k), Rh @ R
        R = Rp @ R
        P = upper_inverse(Rp)
        if npass == 0:
            Q1 = np.empty_like(Y)
            _lz.times_small(Q, P, Q1, ntiles)
            Q = Q1
    return Q, P, R


def _orthogonalize_locked(Q, j, x, coef, L, coef_lock):
    """:func:`fastsvd.kernels.lanczos.orthogonalize` of ``x`` against ``Q[:j]`` and,
    if given, the locked rows ``L``; returns ``||x||``.

    ``L`` is projected out before and after the basis: the basis is orthogonal
    to ``L`` only to working precision, so its Gram-Schmidt pass brings back
    rounding-size components along ``L`` that the second projection removes.
    """
    if L is None:
        return _lz.orthogonalize(Q, j, x, coef)
    _lz.orthogonalize(L, L.shape[0], x, coef_lock)
    _lz.orthogonalize(Q, j, x, coef)
    return _lz.orthogonalize(L, L.shape[0], x, coef_lock)


def _random_orthonormal(Q, j, x, coef, rng, L=None, coef_lock=None):
    """``Q[j] <-`` a random unit vector orthogonal to ``Q[:j]`` and to the locked rows
    ``L`` (breakdown restart, or the start of a locked run)."""
    for _ in range(3):  # a random vector lies in span(Q[:j]) with probability 0
        x[:] = rng.standard_normal(x.shape[0])
        nrm = _orthogonalize_locked(Q, j, x, coef, L, coef_lock)
        if nrm > 0.0:
            _lz.store_normalized(Q, j, x, nrm)
            return
    Q[j] = 0.0


def _explicit_residuals(op, U, s, V):
    """``||W v_i - s_i u_i||`` and ``||W^T u_i - s_i v_i||`` for rows ``U``, ``V``."""
    WV = op.mm(np.ascontiguousarray(V.T))
    WtU = op.rmm(np.ascontiguousarray(U.T))
    return _lz.residual_norms(WV, U, s), _lz.residual_norms(WtU, V, s)


# --------------------------------------------------------------------------- randomized_svd

_NORMALIZERS = {"auto", "QR", "LU", "none"}
#: HMT Lemma 4.1: with r = 10 Gaussian probes the bound 10 sqrt(2/pi) max_i ||E w_i||
#: holds with probability at least 1 - 10^-10.
_N_PROBES = 10
_PROBE_FACTOR = 10.0 * math.sqrt(2.0 / math.pi)


def _random_state(random_state):
    """scikit-learn's ``check_random_state`` (so a seed draws the same Gaussian
    test matrix as scikit-learn), plus NumPy Generators."""
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, numbers.Integral | np.integer):
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, np.random.RandomState | np.random.Generator):
        return random_state
    raise ValueError(f"{random_state!r} cannot be used to seed a numpy.random.RandomState instance")


def _gaussian(rs, shape):
    if isinstance(rs, np.random.Generator):
        return rs.standard_normal(size=shape)
    return rs.normal(size=shape)


def _iv_randomized(M, n_components, n_oversamples, n_iter, power_iteration_normalizer,
                   transpose, flip_sign):
    if isinstance(M, LinearOperator):
        raise TypeError("randomized_svd takes an array or a scipy.sparse matrix, not a "
                        "LinearOperator; use fastsvd.svds for operators.")
    M, shape, dtype = _as_operand_source(M, "M")
    if not isinstance(n_components, numbers.Integral | np.integer) or isinstance(n_components, bool) \
            or not 1 <= n_components <= min(shape):
        raise ValueError("`n_components` must be an integer satisfying "
                         "`1 <= n_components <= min(M.shape)`.")
    if not isinstance(n_oversamples, numbers.Integral | np.integer) or n_oversamples < 0:
        raise ValueError("`n_oversamples` must be a non-negative integer.")
    if not (n_iter == "auto" or (isinstance(n_iter, numbers.Integral | np.integer)
                                 and not isinstance(n_iter, bool) and n_iter >= 0)):
        raise ValueError("`n_iter` must be a non-negative integer or 'auto'.")
    if power_iteration_normalizer not in _NORMALIZERS:
        raise ValueError(f"`power_iteration_normalizer` must be in {_NORMALIZERS}.")
    if not (transpose == "auto" or isinstance(transpose, bool | np.bool_)):
        raise ValueError("`transpose` must be a bool or 'auto'.")
    if not isinstance(flip_sign, bool | np.bool_):
        raise ValueError("`flip_sign` must be a bool.")
    return M, shape, dtype


def randomized_svd(M, n_components, *, n_oversamples=10, n_iter="auto",
                   power_iteration_normalizer="auto", transpose="auto", flip_sign=True,
                   random_state=None, error_estimate=False):
    """Truncated SVD by the randomized range finder (scikit-learn's ``randomized_svd``).

    Same arguments, defaults and conventions as
    :func:`sklearn.utils.extmath.randomized_svd` (1.9): ``n_iter="auto"`` is 7
    when ``n_components < 0.1 min(M.shape)`` and 4 otherwise; the ``"auto"``
    normalizer is none for ``n_iter <= 2`` and LU otherwise; ``transpose="auto"``
    works on ``M.T`` when ``M`` is wide; ``flip_sign`` applies ``svd_flip``
    (decided on ``U``, or on ``Vt`` of the transposed problem, as scikit-learn
    does).  An integer seed or a ``RandomState`` draws the same Gaussian test
    matrix as scikit-learn, so results agree with it to rounding.

    Algorithm: Halko, Martinsson & Tropp 2011, Algorithm 4.4 (subspace iteration)
    with each product normalized by the permuted ``L`` of an LU with partial
    pivoting or by Householder QR (:mod:`fastsvd.kernels.randomized`); the basis is
    orthonormalized by Householder QR, ``B = Q^T M`` gets :func:`fastsvd.svd`.

    Parameters
    ----------
    M : ndarray or scipy.sparse matrix/array (any format), real, ``(m, n)``
    n_components : int, ``1 <= n_components <= min(m, n)``
    n_oversamples : int, default 10
    n_iter : int or "auto"
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}
    transpose : bool or "auto"
    flip_sign : bool, default True
    random_state : int, RandomState, Generator or None
    error_estimate : bool, default False
        Also return ``err``, a probabilistic upper bound on
        ``||M - U diag(s) Vt||_2`` (HMT Lemma 4.1 with 10 Gaussian probes:
        holds with probability at least ``1 - 1e-10``), at the cost of one
        block product with 10 columns.

    Returns
    -------
    U : ndarray (m, n_components)
    s : ndarray (n_components,), descending
    Vt : ndarray (n_components, n)
    err : float, only with ``error_estimate=True``
    """
    M, shape, dtype = _iv_randomized(M, n_components, n_oversamples, n_iter,
                                     power_iteration_normalizer, transpose, flip_sign)
    from . import svd  # the public dense SVD, for the small projected problem
    from .kernels import randomized as _rk

    out_dtype = _result_dtype(dtype)
    rs = _random_state(random_state)
    m, n = shape
    if n_iter == "auto":
        # scikit-learn's rule (#5299): 7 was found a good compromise for PCA
        n_iter = 7 if n_components < 0.1 * min(shape) else 4
    if transpose == "auto":
        transpose = m < n
    if power_iteration_normalizer == "auto":
        power_iteration_normalizer = "none" if n_iter <= 2 else "LU"
    op = _Operand(M, bool(transpose), "randomized_svd")  # works on M.T when transposed
    rows, cols = op.m, op.n
    if transpose:
        rows, cols = n, m
    size = n_components + n_oversamples

    # 1. Gaussian test matrix (drawn as scikit-learn draws it), then subspace iteration
    Q = np.ascontiguousarray(_gaussian(rs, (cols, size)), dtype=np.float64)
    for _ in range(n_iter):
        Q = _normalized(op.mm(Q), power_iteration_normalizer, _rk)
        Q = _normalized(op.rmm(Q), power_iteration_normalizer, _rk)
    # 2. orthonormal basis of the sampled range, and the projected B = Q^T M
    Q = _rk.qr_orthonormal(op.mm(Q))
    Bt = op.rmm(Q)                       # (cols, size') = M^T Q = B^T
    Uhat, s, Vt = svd(np.ascontiguousarray(Bt.T), full_matrices=False)
    U = np.empty((rows, Uhat.shape[1]))
    gemm(1.0, Q, np.ascontiguousarray(Uhat), 0.0, U)
    Vt = np.ascontiguousarray(Vt)
    # 3. signs as scikit-learn (decided on the caller's U: Vt of the transposed problem)
    if flip_sign:
        _rk.flip_signs(U, Vt, not transpose)
    U, s, Vt = U[:, :n_components], s[:n_components], Vt[:n_components]
    err = None
    if error_estimate:
        W = np.ascontiguousarray(_gaussian(rs, (cols, _N_PROBES)), dtype=np.float64)
        err = _PROBE_FACTOR * _rk.probe_error(op.mm(W), np.ascontiguousarray(U),
                                             np.ascontiguousarray(s), np.ascontiguousarray(Vt), W)
    if transpose:
        U, Vt = Vt.T, U.T
    # undo the power-of-two scaling of the operand (exact unless s over/underflows)
    s = np.ldexp(s, -op.shift)
    if err is not None:
        err = np.ldexp(err, -op.shift)
    U = np.ascontiguousarray(U, dtype=out_dtype)
    Vt = np.ascontiguousarray(Vt, dtype=out_dtype)
    s = np.ascontiguousarray(s, dtype=out_dtype)
    return (U, s, Vt, float(err)) if error_estimate else (U, s, Vt)


def _normalized(Y, normalizer, _rk):
    """One power-iteration normalization ``Y -> Y T`` (HMT sec. 4.5)."""
    if normalizer == "LU":
        return _rk.lu_permuted_l(Y)
    if normalizer == "QR":
        return _rk.qr_orthonormal(Y)
    return Y
