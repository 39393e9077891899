"""SVD of a stack of small matrices in one parallel loop (no Python per matrix).

Each slice of a C-contiguous ``(b, m, n)`` stack is decomposed independently:
``2 x 2`` slices outside the lanes' range (below) by the closed form (one
rotation to triangularize, then xLASV2), the others by one-sided Jacobi
(:func:`fastsvd.kernels.gesvj.gesvj_work`)
on the columns of ``A`` (or of ``A^T`` when ``m < n``, whose columns are the
contiguous rows of ``A``).  Small matrices need no QR preconditioner to be
fast, and one-sided Jacobi alone is already accurate for column-graded input.
Slices whose entries span a moderate range (within ``2^(0.2 minexp)`` of the
largest) are iterated several at a time, one per SIMD lane
(:func:`_stream_lanes`; ``3 x 3`` slices by the fused :func:`_stream_3x3`),
each lane taking the next slice as soon as its own slice has converged;
wider ones take the scalar Jacobi with scaled norms, the slice scaled so
that its largest column sits at the bottom of the safe range
(:func:`_wide_scale`).  In both, a column that rotations cancel to noise
(rank-deficient slices: zero rows or columns, dependent columns) is flushed
to zero once negligible, and ``U`` is completed to orthonormal columns.

The batch is cut into a few chunks per thread; a chunk allocates its
workspace once and runs its slices serially, so the parallel loop has no
allocation per matrix.  A slice that fails (non-finite entries, or the sweep
cap reached) gets its own status and NaN outputs; the others are unaffected.
"""
import math

import numba
import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

from .._jit import kernel, parallel_kernel
from .gesvj import (MAX_SWEEPS, _safe_range, _scale_factors, _scaled, complete_rows,
                     gesvj_work, power_of_two_scale, row_norm)
from .small import lartg, lasv2

#: per-slice status codes
OK = 0
NOT_CONVERGED = 1
NOT_FINITE = 2

#: matrices iterated together, one per SIMD lane: 8 doubles fill two AVX2
#: registers or one AVX-512 register (measured 2026-11-23: 8 beat 4 on 8x8 and
#: 32x32, with scalar lane loops and again with the vectors below, where 32x32
#: took 23 ns a pair step per slice with 8 lanes, 29 with 4 and 27 with 16)
LANES = 8

#: 3x3 matrices iterated together (four AVX2 vectors).  With the whole sweep
#: of a lane in registers and lanes refilled as they converge, 8, 16 and 32
#: lanes measured the same (2026-11-23, bit for bit equal results); sixteen
#: was chosen when the pair steps ran as separate loops
LANES3 = 16

#: chunks per thread: enough to even out slices that need more sweeps, few
#: enough that the per-chunk workspace allocation is negligible
CHUNKS_PER_THREAD = 8


# --------------------------------------------------------------------------
# eight-lane float64 vectors
# --------------------------------------------------------------------------
# The lane kernels work on eight matrices at once, one per lane of an
# eight-double vector (two AVX2 registers, one AVX-512 register).  Written as
# scalar loops over the lanes, the compiler vectorized the rotations but not
# the inner products (eight scalar accumulators), reloaded the cosines and
# sines from memory for every four entries and checked the rows for overlap
# at every call; with explicit vectors (LLVM's ``<8 x double>``) every
# operation below is one vector instruction per register half, on values the
# compiler keeps in registers (measured 2026-11-23, 32x32 lanes: 394 ns a
# pair step with the loops, 233 ns with vectors and the same arithmetic, bit
# for bit).  Each lane's arithmetic is exactly the scalar code's on that lane,
# so a lane never depends on its neighbours.

_F64 = ir.DoubleType()
_VEC = ir.VectorType(_F64, LANES)
_MASK = ir.VectorType(ir.IntType(1), LANES)


class Vec8(types.Type):
    """Numba type of eight float64 lanes (LLVM ``<8 x double>``)."""

    def __init__(self):
        super().__init__(name="Vec8")


class Mask8(types.Type):
    """Numba type of eight lane flags (LLVM ``<8 x i1>``)."""

    def __init__(self):
        super().__init__(name="Mask8")


vec8 = Vec8()
mask8 = Mask8()


@register_model(Vec8)
class _Vec8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VEC)


@register_model(Mask8)
class _Mask8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _MASK)


def _row_pointer(context, builder, aryty, ary, i, j):
    """Address of ``X[i, j]`` of a 2-D array (no wraparound, no bounds check:
    the callers index inside the lane buffers they allocated)."""
    a = context.make_array(aryty)(context, builder, ary)
    return cgutils.get_item_pointer2(context, builder, a.data,
                                     cgutils.unpack_tuple(builder, a.shape),
                                     cgutils.unpack_tuple(builder, a.strides), aryty.layout,
                                     [i, j], wraparound=False, boundscheck=False)


@intrinsic
def _vload(typingctx, X, i, j):
    """``X[i, j:j + 8]`` as a vector (float32 entries widened to float64)."""
    sig = vec8(X, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        elt = context.get_data_type(aryty.dtype)
        ptr = _row_pointer(context, builder, aryty, args[0], args[1], args[2])
        vty = ir.VectorType(elt, LANES)
        v = builder.load(builder.bitcast(ptr, vty.as_pointer()), align=aryty.dtype.bitwidth // 8)
        return v if elt == _F64 else builder.fpext(v, _VEC)
    return sig, codegen


@intrinsic
def _vstore(typingctx, X, i, j, v):
    """``X[i, j:j + 8] = v`` (rounded to float32 for float32 arrays)."""
    sig = types.none(X, types.intp, types.intp, vec8)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        elt = context.get_data_type(aryty.dtype)
        ptr = _row_pointer(context, builder, aryty, args[0], args[1], args[2])
        vty = ir.VectorType(elt, LANES)
        v = args[3] if elt == _F64 else builder.fptrunc(args[3], vty)
        builder.store(v, builder.bitcast(ptr, vty.as_pointer()), align=aryty.dtype.bitwidth // 8)
        return context.get_dummy_value()
    return sig, codegen


@intrinsic
def _vsplat(typingctx, x):
    """``x`` in every lane."""
    sig = vec8(types.float64)

    def codegen(context, builder, signature, args):
        v = builder.insert_element(ir.Constant(_VEC, ir.Undefined), args[0],
                                   ir.Constant(ir.IntType(32), 0))
        return builder.shuffle_vector(v, ir.Constant(_VEC, ir.Undefined),
                                      ir.Constant(ir.VectorType(ir.IntType(32), LANES),
                                                  [0] * LANES))
    return sig, codegen


def _vector_op(nargs, emit):
    """An intrinsic of ``nargs`` (1 to 3) vectors returning a vector,
    ``emit(builder, args)`` (Numba's intrinsics take no ``*args``)."""
    def codegen(context, builder, signature, args):
        return emit(builder, args)

    if nargs == 1:
        @intrinsic
        def op1(typingctx, a):
            return vec8(vec8), codegen
        return op1
    if nargs == 2:
        @intrinsic
        def op2(typingctx, a, b):
            return vec8(vec8, vec8), codegen
        return op2

    @intrinsic
    def op3(typingctx, a, b, c):
        return vec8(vec8, vec8, vec8), codegen
    return op3


def _llvm_math(name, nargs):
    """Emitter calling the LLVM intrinsic ``name`` on eight lanes (``llvm.fma`` is
    one rounding, as the scalar ``fma``; ``llvm.sqrt`` is correctly rounded)."""
    def emit(builder, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VEC, [_VEC] * nargs),
                                            f"llvm.{name}.v{LANES}f64")
        return builder.call(fn, list(args))
    return emit


_vadd = _vector_op(2, lambda b, a: b.fadd(a[0], a[1]))
_vsub = _vector_op(2, lambda b, a: b.fsub(a[0], a[1]))
_vmul = _vector_op(2, lambda b, a: b.fmul(a[0], a[1]))
_vdiv = _vector_op(2, lambda b, a: b.fdiv(a[0], a[1]))
#: ``a b + c`` rounded once
_vfma = _vector_op(3, _llvm_math("fma", 3))
_vsqrt = _vector_op(1, _llvm_math("sqrt", 1))
_vabs = _vector_op(1, _llvm_math("fabs", 1))
#: ``|a|`` with the sign of ``b``
_vcopysign = _vector_op(2, _llvm_math("copysign", 2))


def _compare(op):
    @intrinsic
    def cmp(typingctx, a, b):
        sig = mask8(vec8, vec8)

        def codegen(context, builder, signature, args):
            return builder.fcmp_ordered(op, args[0], args[1])
        return sig, codegen
    return cmp


#: lane flags ``a > b``, ``a < b`` (false where either is NaN)
_vgt = _compare(">")
_vlt = _compare("<")


@intrinsic
def _mand(typingctx, a, b):
    """Lane flags ``a and b``."""
    sig = mask8(mask8, mask8)

    def codegen(context, builder, signature, args):
        return builder.and_(args[0], args[1])
    return sig, codegen


@intrinsic
def _vselect(typingctx, m, a, b):
    """``a`` where the flag is set, else ``b``, lane by lane."""
    sig = vec8(mask8, vec8, vec8)

    def codegen(context, builder, signature, args):
        return builder.select(args[0], args[1], args[2])
    return sig, codegen


@intrinsic
def _many(typingctx, m):
    """True if any lane's flag is set."""
    sig = types.boolean(mask8)

    def codegen(context, builder, signature, args):
        bits = builder.bitcast(args[0], ir.IntType(LANES))
        return builder.icmp_unsigned("!=", bits, ir.Constant(ir.IntType(LANES), 0))
    return sig, codegen


@kernel
def svd_2x2(a, b, c, d):
    """SVD of the general ``[[a, b], [c, d]]``: one rotation from the left makes
    it upper triangular (xLARTG), then the triangular closed form (xLASV2).

    Returns ``(s1, s2, u11, u12, u21, u22, v11, v12, v21, v22)`` with
    ``A = U diag(s1, s2) V^T``, ``s1 >= s2 >= 0``.
    """
    # [cs sn; -sn cs] [a b; c d] = [r f; 0 h]
    cs, sn, r = lartg(a, c)
    f = cs * b + sn * d
    h = -sn * b + cs * d
    ssmin, ssmax, snr, csr, snl, csl = lasv2(r, f, h)
    # T = [r f; 0 h] = [csl -snl; snl csl] diag(ssmax, ssmin) [csr -snr; snr csr]^T
    # A = [cs -sn; sn cs] T
    u11 = cs * csl - sn * snl
    u21 = sn * csl + cs * snl
    u12 = -cs * snl - sn * csl
    u22 = -sn * snl + cs * csl
    v11 = csr
    v21 = snr
    v12 = -snr
    v22 = csr
    # make the singular values non-negative by flipping the left vectors
    if ssmax < 0.0:
        ssmax = -ssmax
        u11 = -u11
        u21 = -u21
    if ssmin < 0.0:
        ssmin = -ssmin
        u12 = -u12
        u22 = -u22
    return ssmax, ssmin, u11, u12, u21, u22, v11, v12, v21, v22


@kernel
def _fail(U, s, Vt):
    U[:, :] = np.nan
    s[:] = np.nan
    Vt[:, :] = np.nan


@kernel
def _slice_2x2(A, U, s, Vt, compute_uv):
    # in float64 (Numba's float() keeps a float32 a float32): float32 slices
    # come here for their wide range, and in float32 a rotation built from
    # subnormal entries has a cosine and sine of a few bits, so U was not
    # orthogonal; in float64 they are normal numbers
    s1, s2, u11, u12, u21, u22, v11, v12, v21, v22 = svd_2x2(
        np.float64(A[0, 0]), np.float64(A[0, 1]), np.float64(A[1, 0]), np.float64(A[1, 1]))
    s[0] = s1
    s[1] = s2
    if compute_uv:
        U[0, 0] = u11
        U[0, 1] = u12
        U[1, 0] = u21
        U[1, 1] = u22
        Vt[0, 0] = v11
        Vt[0, 1] = v21
        Vt[1, 0] = v12
        Vt[1, 1] = v22


@kernel
def _load_slice(A, G, e):
    """``G`` (``k x l``) <- the columns of ``2^e A`` (``m >= n``) or of ``2^e A^T``
    (``m < n``) as rows."""
    m, n = A.shape
    f1, f2 = _scale_factors(e)
    if m >= n:
        for i in range(m):
            for j in range(n):
                G[j, i] = (A[i, j] * f1) * f2
    else:
        for i in range(m):
            for j in range(n):
                G[i, j] = (A[i, j] * f1) * f2


@kernel
def _finish_slice(A, U, s, Vt, compute_uv, e, G, W, norms, order, valid):
    """Singular values and vectors of one slice from its converged Jacobi rows.

    ``G`` holds mutually orthogonal rows (the columns of ``2^e A`` or of
    ``2^e A^T`` after the rotations ``W``).  Sorts by decreasing norm, undoes
    the scaling, normalizes, and completes to orthonormal vectors where a row
    vanished or ``full_matrices`` asks for more.
    """
    m, n = A.shape
    k, l = G.shape
    tall = m >= n
    lo, hi = _safe_range(G)
    for i in range(k):
        norms[i] = row_norm(G, i, lo, hi)
        order[i] = i
    # insertion sort, descending: k is small
    for i in range(1, k):
        t = order[i]
        j = i - 1
        while j >= 0 and norms[order[j]] < norms[t]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = t
    for i in range(k):
        s[i] = _scaled(norms[order[i]], -e)
    if not compute_uv:
        return
    # the normalized rows are the left vectors of the Jacobi matrix: U (tall) or
    # Vt (wide); the rotations W give the other side
    nq = U.shape[1] if tall else Vt.shape[0]
    any_invalid = False
    for i in range(nq):
        valid[i] = i < k and norms[order[i]] > 0.0
        any_invalid = any_invalid or not valid[i]
    if tall:
        for i in range(k):
            if valid[i]:
                r = order[i]
                nrm = norms[r]
                for j in range(l):
                    U[j, i] = G[r, j] / nrm
        for i in range(k):
            r = order[i]
            for j in range(k):
                Vt[i, j] = W[r, j]
        if any_invalid:
            Ut = np.empty((nq, l), G.dtype)
            for i in range(nq):
                if valid[i]:
                    for j in range(l):
                        Ut[i, j] = U[j, i]
            complete_rows(Ut, valid[:nq])
            for i in range(nq):
                for j in range(l):
                    U[j, i] = Ut[i, j]
    else:
        for i in range(k):
            if valid[i]:
                r = order[i]
                nrm = norms[r]
                for j in range(l):
                    Vt[i, j] = G[r, j] / nrm
        if any_invalid:
            complete_rows(Vt, valid[:nq])
        for i in range(k):
            r = order[i]
            for j in range(k):
                U[j, i] = W[r, j]


@kernel
def _identity(W):
    k = W.shape[0]
    for i in range(k):
        for j in range(W.shape[1]):
            W[i, j] = 1.0 if i == j else 0.0


@kernel
def _wide_scale(A):
    """Exponent ``e`` that puts ``max|2^e a_ij| sqrt(max(m, n))`` in ``[lo / 4, lo)``,
    ``lo`` the bottom of :func:`_safe_range` (float64 ``2^-408``, float32
    ``2^-50``), for the scalar Jacobi of a slice whose entries span a wide range.

    Why so low: the sweeps flush a row below the underflow threshold ``tiny``
    and work with the pair's norm ratio ``r``, rotating by ``t ~ r cos``.  With
    the largest column near 1 or above (a matrix of 1e+300 entries kept its
    scale), a column cancelled to noise needs some 2000 bits of ``eps``-sized
    decrements, one or two per sweep, to reach ``tiny`` (sweep cap), and
    ``r`` can fall below ``tiny / eps``, where ``t`` is subnormal or zero: the
    rotation then misses its angle (no convergence) or the pair is taken as
    orthogonal whatever its cosine (``U`` or ``V`` not orthogonal).  Here the
    largest column is near ``lo``: every column kept is at least ``tiny / lo``
    of it, so ``t >= tol tiny / lo`` is normal, and noise is flushed some 600
    bits (float32 76) below the top.  Entries below ``tiny eps / lo`` of the
    largest underflow: a perturbation far below ``eps ||A||``.  Returns 0 for
    a zero slice.
    """
    m, n = A.shape
    amax = 0.0
    for i in range(m):
        for j in range(n):
            amax = max(amax, abs(np.float64(A[i, j])))
    if amax == 0.0:
        return 0
    lo, hi = _safe_range(A)
    return math.frexp(lo)[1] - 1 - (math.frexp(amax)[1] + math.frexp(math.sqrt(max(m, n)))[1])


@kernel
def _slice_jacobi(A, U, s, Vt, compute_uv, max_sweeps, G, W, norms, order, hist, valid):
    """One slice by the scalar one-sided Jacobi (de Rijk pivoting, scaled norms
    and cosines), after the exact scaling of :func:`_wide_scale`.  Returns
    the status."""
    if min(A.shape) > 1:
        e = _wide_scale(A)
    else:
        # a single column has no pairs to rotate: the plain scaling, whose
        # norm needs no scaled sum of squares (1 x n stacks: 1.3x faster)
        e = power_of_two_scale(A if A.shape[0] >= A.shape[1] else A.T)
    _load_slice(A, G, e)
    _identity(W)
    info, sweeps = gesvj_work(G, W, norms, order, max_sweeps, hist)
    _finish_slice(A, U, s, Vt, compute_uv, e, G, W, norms, order, valid)
    return info


@kernel
def _scan_slice(A3, i, small, root_exp):
    """Status and lane scaling of slice ``i`` in one pass, indexing ``A3`` directly
    (a view per slice costs atomic reference counts, measured on 3x3 stacks).

    Returns ``(NOT_FINITE, 0)`` for a NaN or Inf entry, ``(OK, e)`` with ``e``
    the exponent that puts ``max|2^e a_ij| sqrt(max(m, n))`` in ``[1/2, 1)``
    (``root_exp`` is the binary exponent of ``sqrt(max(m, n))``), or
    ``(NOT_CONVERGED, 0)`` when the slice does not suit the lane kernels: some
    nonzero entry would then be below ``small``, where squares and products
    of squares start to lose digits (the scalar path scales those).
    """
    m = A3.shape[1]
    n = A3.shape[2]
    amax = 0.0
    amin = np.inf
    for r in range(m):
        for j in range(n):
            a = abs(A3[i, r, j])
            # NaN fails every comparison: caught by the finiteness test below
            if a > amax:
                amax = a
            if a != 0.0 and a < amin:
                amin = a
            if not a <= np.inf:
                return NOT_FINITE, 0
    if amax == np.inf:
        return NOT_FINITE, 0
    if amax == 0.0:
        return OK, 0
    e = -(math.frexp(amax)[1] + root_exp)
    if _scaled(amin, e) < small:
        return NOT_CONVERGED, 0
    return OK, e


@kernel
def _lane_factors(e):
    """``(f1, f2)`` with ``f1 f2 = 2^e`` as :func:`_scale_factors`, without the
    two ``ldexp`` library calls (~10% of a 3x3 stack) for the common
    ``|e| < 62``: there ``f1 = 2^e`` comes from an integer and ``f2 = 1``.
    Lane entries and singular values scaled either way are the same numbers:
    for slices in the lane range both products are exact, or round once."""
    if 0 <= e < 62:
        return float(1 << e), 1.0
    if -62 < e < 0:
        return 1.0 / float(1 << -e), 1.0
    return _scale_factors(e)


@kernel
def _lane_dot(X, p, q, l):
    """``X[p] . X[q]`` in every lane (``l`` entries each, summed in order with
    fused multiply-adds) of a lane-interleaved array."""
    acc = _vsplat(0.0)
    for j in range(l):
        acc = _vfma(_vload(X, p, LANES * j), _vload(X, q, LANES * j), acc)
    return acc


@kernel
def _lane_rotate(X, p, q, sn, cs, l):
    """Rotate rows ``p, q`` of a lane-interleaved array as xROT, lane by lane:
    ``x' = c x - s y``, ``y' = s x + c y``, each a product and a fused
    multiply-add (one rounding fewer than three operations)."""
    nsn = _vsub(_vsplat(0.0), sn)
    for j in range(l):
        x = _vload(X, p, LANES * j)
        y = _vload(X, q, LANES * j)
        _vstore(X, p, LANES * j, _vfma(cs, x, _vmul(nsn, y)))
        _vstore(X, q, LANES * j, _vfma(sn, x, _vmul(cs, y)))


@kernel
def _lane_rotate_dot(X, p, q, r, sn, cs, l):
    """:func:`_lane_rotate` of rows ``p, q``, returning the new ``X[p] . X[r]`` from
    the same pass (the next pair's inner product: row ``p`` is read once per
    pair instead of twice, and the sum needs no pass of its own)."""
    nsn = _vsub(_vsplat(0.0), sn)
    acc = _vsplat(0.0)
    for j in range(l):
        x = _vload(X, p, LANES * j)
        y = _vload(X, q, LANES * j)
        xn = _vfma(cs, x, _vmul(nsn, y))
        _vstore(X, p, LANES * j, xn)
        _vstore(X, q, LANES * j, _vfma(sn, x, _vmul(cs, y)))
        acc = _vfma(xn, _vload(X, r, LANES * j), acc)
    return acc


@kernel
def _swap_lane_rows(X, p, q, ln):
    """Exchange rows ``p`` and ``q`` of lane ``ln`` of a lane-interleaved array."""
    L = LANES
    for j in range(X.shape[1] // L):
        t = X[p, L * j + ln]
        X[p, L * j + ln] = X[q, L * j + ln]
        X[q, L * j + ln] = t


@kernel
def _lane_pivot(GL, WL, d, p):
    """de Rijk's pivoting, per lane: the largest remaining column to row ``p``
    (simulated on Gaussian 32x32: 7.5 sweeps instead of 9.4 row-cyclic; 8x8:
    6.0 instead of 6.7).  Each lane decides from its own norms only, so lanes
    stay independent."""
    k = GL.shape[0]
    for ln in range(LANES):
        best = p
        bn = d[p, ln]
        for i in range(p + 1, k):
            if d[i, ln] > bn:
                best = i
                bn = d[i, ln]
        if best != p:
            _swap_lane_rows(GL, p, best, ln)
            _swap_lane_rows(WL, p, best, ln)
            d[best, ln] = d[p, ln]
            d[p, ln] = bn


@kernel
def _flush_lane_row(GL, i, low, di, l):
    """Row ``i`` of ``GL`` set to zero in the lanes flagged ``low``; returns the
    squared norms ``di`` with those lanes zeroed.

    Why: in a rank-deficient slice (zero rows, dependent columns) a column
    cancelled to rounding noise still lies in the span of the others, so every
    sweep rotates it again and shrinks it by about ``eps``.  The 2-D Jacobi
    path flushes such a column once its norm underflows (xGESVJ does the
    same); without a flush the lanes iterate until their test ``a_pq^2 >
    tol^2 a_pp a_qq`` underflows (float64: the slice stops as converged with
    a column that is *not* orthogonal to the others, so ``U`` is not
    orthogonal) or until the float32 entries turn subnormal, where a rotation
    no longer changes the stored column (float32: the sweep cap is reached).
    Zero columns never rotate, and :func:`_finish_slice` completes ``U``.
    """
    zero = _vsplat(0.0)
    for j in range(l):
        _vstore(GL, i, LANES * j, _vselect(low, zero, _vload(GL, i, LANES * j)))
    return _vselect(low, zero, di)


@kernel
def _lane_sweep(GL, WL, d, nrot, l, tol2, rooteps, dmin):
    """One row-cyclic sweep of one-sided Jacobi on ``LANES = 8`` small matrices
    at once, interleaved by lane, in eight-lane vectors.

    ``GL[i, 8 j + lane]`` is entry ``j`` of working column ``i`` of matrix ``lane``
    (``k`` rows of ``8 l``); ``WL[i, 8 j + lane]`` likewise for the rotations
    (``WL`` may have no rows: values only); ``d`` (``k x 8``) gets the squared
    norms.  Row-cyclic order with de Rijk's pivoting done per lane
    (:func:`_lane_pivot`).  Per pair and lane: the angle from the tracked
    squared norms ``a_pp, a_qq`` and the inner product ``a_pq`` (computed in
    the previous pair's rotation pass, :func:`_lane_rotate_dot`) by
    Rutishauser's ``t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2))``, ``zeta =
    (a_qq - a_pp) / (2 a_pq)``, multiplied through by ``2 |a_pq|`` (one
    division fewer: ``t = sign(d) 2 a_pq / (|d| + sqrt(d^2 + 4 a_pq^2))``, ``d
    = a_qq - a_pp``); ``|cos| > tol`` is tested on squares, which needs ``tol^2
    a_pp a_qq`` normal, and the squared norms must stay at most 1: entries
    scaled into ``[small, 1]`` (:func:`_scan_slice`) guarantee both.  A lane
    that need not rotate gets ``t = 0``, the identity, branch free: every
    pair's rows are rotated in every lane.  The norms are updated as ``a_pp -
    t a_pq``, ``a_qq + t a_pq``; one that dropped below ``sqrt(eps)`` of the
    pair's sum lost digits to cancellation and is recomputed (xGESVJ's rule,
    in the lanes where it applies).  ``nrot[0, lane]`` gets the lane's
    rotations in the sweep.

    A column whose squared norm is below ``dmin`` at the start of a sweep is
    set to zero (:func:`_flush_lane_rows`).
    """
    k = GL.shape[0]
    kw = WL.shape[0]
    zero = _vsplat(0.0)
    one = _vsplat(1.0)
    two = _vsplat(2.0)
    four = _vsplat(4.0)
    vtol2 = _vsplat(tol2)
    vroot = _vsplat(rooteps)
    vdmin = _vsplat(dmin)
    # 1. exact squared norms at the start of the sweep; negligible columns flushed
    for i in range(k):
        di = _lane_dot(GL, i, i, l)
        # (zero columns too: a nonzero column's squares may have underflowed)
        low = _vlt(di, vdmin)
        if _many(low):
            di = _flush_lane_row(GL, i, low, di, l)
        _vstore(d, i, 0, di)
    count = zero
    for p in range(k - 1):
        # 2. the largest remaining column to row p, per lane
        _lane_pivot(GL, WL, d, p)
        app = _vload(d, p, 0)
        a = _lane_dot(GL, p, p + 1, l)
        for q in range(p + 1, k):
            # 3. angles and norm updates; t = 0 where |cos| <= tol
            aqq = _vload(d, q, 0)
            rot = _vgt(_vmul(a, a), _vmul(_vmul(vtol2, _vabs(app)), _vabs(aqq)))
            asafe = _vselect(rot, a, one)
            dq = _vsub(aqq, app)
            num = _vmul(_vcopysign(one, dq), _vmul(two, asafe))
            den = _vadd(_vabs(dq), _vsqrt(_vabs(_vadd(_vmul(dq, dq),
                                                      _vmul(four, _vmul(asafe, asafe))))))
            # t = num / den; r = sqrt(1 + t^2) = h / den with h = sqrt(den^2 +
            # num^2), so s = t / r = num / h and c = 1 / r = den / h: each one
            # rounding from the angle's ingredients, where s = t / r and c = 1 / r
            # rounded t and r first (eight Gaussian 32x32 slices, three seeds,
            # measured 2026-11-23: largest backward error 10 eps instead of
            # 22-25, orthogonality 18-20 eps instead of 35-41; three divisions
            # and two square roots either way)
            h = _vsqrt(_vadd(_vmul(den, den), _vmul(num, num)))
            t = _vselect(rot, _vdiv(num, den), zero)
            sn = _vselect(rot, _vdiv(num, h), zero)
            cs = _vselect(rot, _vdiv(den, h), one)
            ta = _vmul(t, a)
            appn = _vsub(app, ta)
            appn = _vselect(_vgt(appn, zero), appn, zero)
            aqqn = _vadd(aqq, ta)
            # (only where this step changed a_pp: a lane's arithmetic must not
            # depend on whether its neighbours rotated)
            rec = _mand(rot, _vlt(appn, _vmul(vroot, _vadd(appn, aqqn))))
            count = _vadd(count, _vselect(rot, one, zero))
            # 4. rotate (xROT) in every lane, with the next pair's inner product
            a = _lane_rotate_dot(GL, p, q, q + 1 if q + 1 < k else q, sn, cs, l)
            if kw > 0:
                _lane_rotate(WL, p, q, sn, cs, kw)
            # 5. a norm that lost digits to cancellation: recomputed
            if _many(rec):
                appn = _vselect(rec, _lane_dot(GL, p, p, l), appn)
            _vstore(d, q, 0, aqqn)
            app = appn
        _vstore(d, p, 0, app)
    _vstore(nrot, 0, 0, count)


@kernel
def _load_lane(A3, i0, e, GL, WL, ln):
    """Lane ``ln`` <- the columns of ``2^e A3[i0]`` (tall) or of ``2^e A3[i0]^T``
    (wide) as rows, and ``W = I``; an idle lane (``i0 < 0``) gets zeros, which
    never rotate."""
    k = GL.shape[0]
    l = GL.shape[1] // LANES
    L = LANES
    m = A3.shape[1]
    n = A3.shape[2]
    if i0 < 0:
        for i in range(k):
            for j in range(l):
                GL[i, L * j + ln] = 0.0
    else:
        f1, f2 = _lane_factors(e)
        if m >= n:
            for i in range(k):
                for j in range(l):
                    GL[i, L * j + ln] = (A3[i0, j, i] * f1) * f2
        else:
            for i in range(k):
                for j in range(l):
                    GL[i, L * j + ln] = (A3[i0, i, j] * f1) * f2
    for i in range(WL.shape[0]):
        for j in range(WL.shape[0]):
            WL[i, L * j + ln] = 1.0 if i == j else 0.0


@kernel
def _finish_lane(A3, U3, S2, Vt3, compute_uv, i0, e, GL, WL, ln, G, W, norms, order, valid):
    """``s``, ``U``, ``V^T`` of slice ``i0`` from its converged lane: tall slices
    whose ``U`` has ``k`` columns straight from the lane (norms as plain square
    roots of the lane sums, exact to eps in the lane range); zero or tiny
    columns (``U`` is completed), wide or full-``U`` slices through
    :func:`_finish_slice`."""
    k, l = G.shape
    L = LANES
    m = A3.shape[1]
    n = A3.shape[2]
    fi = np.finfo(GL.dtype)
    # squared norms from 2^(0.8 minexp) up are sums of normal squares to eps
    # (any entry whose square is subnormal is below eps of the norm)
    sq_min = math.ldexp(1.0, int(0.8 * fi.minexp))
    # (values only takes the same norms as thin U, so that both give the same values)
    fast = m >= n and (not compute_uv or U3.shape[2] == k)
    if fast:
        for i in range(k):
            acc = 0.0
            for j in range(l):
                acc += GL[i, L * j + ln] * GL[i, L * j + ln]
            if acc < sq_min:
                fast = False
            norms[i] = math.sqrt(acc)
            order[i] = i
    if not fast:
        for i in range(k):
            for j in range(l):
                G[i, j] = GL[i, L * j + ln]
        if compute_uv:
            for i in range(k):
                for j in range(k):
                    W[i, j] = WL[i, L * j + ln]
        _finish_slice(A3[i0], U3[i0], S2[i0], Vt3[i0], compute_uv, e, G, W, norms,
                      order, valid)
        return
    # insertion sort, descending (stable), as _finish_slice
    for i in range(1, k):
        t = order[i]
        j = i - 1
        while j >= 0 and norms[order[j]] < norms[t]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = t
    g1, g2 = _lane_factors(-e)
    for i in range(k):
        S2[i0, i] = (norms[order[i]] * g1) * g2
    if compute_uv:
        for i in range(k):
            r = order[i]
            nrm = norms[r]
            for j in range(l):
                U3[i0, j, i] = GL[r, L * j + ln] / nrm
            for j in range(k):
                Vt3[i0, i, j] = WL[r, L * j + ln]


@kernel
def _rotate_3x3(x0, x1, x2, y0, y1, y2, v0, v1, v2, w0, w1, w2, tol2, dmin):
    """One Jacobi step on the columns ``x``, ``y`` of a ``3 x 3`` lane and their
    ``V`` rows ``v``, ``w`` (scalars in, scalars out: inlined into the lane
    loop of :func:`_sweep_3x3`, which it leaves vectorizable).

    The three inner products come from the current columns (three products
    each, exact to a few ulps, so no norm tracking or recomputation rule is
    needed); the angle is Rutishauser's, branch free (a lane with ``|cos| <=
    tol`` gets ``sin = tau = 0``, the identity).  Returns the rotated twelve
    entries and 1.0 if the lane rotated, else 0.0.  A column whose squared
    norm is below ``dmin`` is not rotated: it counts as zero, and the finish
    (:func:`_finish_lane_3x3`) makes it zero (as :func:`_flush_lane_row`, for
    the same reason: a cancelled column would rotate until the test
    underflows, and then be taken as converged).  Not rotating costs two
    compares beside the test; zeroing it here lengthened every step's chain
    of dependent operations (3x3 stacks took twice as long).
    """
    app = x0 * x0 + x1 * x1 + x2 * x2
    aqq = y0 * y0 + y1 * y1 + y2 * y2
    a = x0 * y0 + x1 * y1 + x2 * y2
    # |cos| > tol without square roots: the slices here have entries in
    # [2^(0.2 minexp), 1] (see gesvj_batched), so tol^2 a_pp a_qq >= 2^-918 is normal
    rot = (a * a > tol2 * app * aqq) & (app >= dmin) & (aqq >= dmin)
    # Rutishauser's t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2)),
    # zeta = (a_qq - a_pp) / (2 a_pq), multiplied through by 2 |a_pq|:
    # t = num / den, num = sign(d) 2 a_pq, den = |d| + sqrt(d^2 + 4 a_pq^2),
    # d = a_qq - a_pp.  The column norms are at most 1 here, and 4 a_pq^2 >
    # 4 tol2 a_pp a_qq is normal, so an underflowing d^2 is negligible
    # (a_pq is replaced by 1 where no rotation is due)
    asafe = a if rot else 1.0
    dq = aqq - app
    num = math.copysign(1.0, dq) * (2.0 * asafe)
    den = abs(dq) + math.sqrt(abs(dq * dq + 4.0 * (asafe * asafe)))
    # r = sqrt(1 + t^2) = h / den with h = sqrt(den^2 + num^2) (den < 4):
    # s = t / r = num / h, tau = s / (1 + c) = t / (1 + r) = num / (den + h):
    # two divisions side by side and none for t (which had four, two of
    # them in the chain of dependent operations)
    h = math.sqrt(abs(den * den + num * num))
    sn = num / h if rot else 0.0
    tau = num / (den + h) if rot else 0.0
    return (x0 - sn * (y0 + tau * x0), x1 - sn * (y1 + tau * x1), x2 - sn * (y2 + tau * x2),
            y0 + sn * (x0 - tau * y0), y1 + sn * (x1 - tau * y1), y2 + sn * (x2 - tau * y2),
            v0 - sn * (w0 + tau * v0), v1 - sn * (w1 + tau * v1), v2 - sn * (w2 + tau * v2),
            w0 + sn * (v0 - tau * w0), w1 + sn * (v1 - tau * w1), w2 + sn * (v2 - tau * w2),
            1.0 if rot else 0.0)


@kernel
def _sweep_3x3(Z, rf, tol2, dmin):
    """One cyclic sweep of one-sided Jacobi on the ``LANES3`` ``3 x 3`` lanes of ``Z``.

    ``Z`` (``18 L`` entries, ``L = LANES3``) holds three columns of ``X``
    then three of ``V``, each three entries of ``L`` lanes: entry ``j`` of
    column ``s`` of lane ``ln`` is ``Z[3 L s + L j + ln]`` (``V`` at ``9 L +``).
    ``V`` is always rotated (for values only it is scratch: cheaper than a
    branch).  A lane's three pair steps (:func:`_rotate_3x3`) run in one loop
    iteration, in registers, in the order ``(0, 1), (1, 2), (2, 0)`` (the
    row-cyclic ``(0, 1), (0, 2), (1, 2)`` took 5.97 sweeps instead of 4.96 for
    the slowest of eight Gaussian lanes).  Every offset is a constant, so the
    compiler proves the lanes independent and vectorizes across them without
    runtime overlap checks; the trip count is read from ``rf`` so that the
    loop is vectorized, not unrolled.  (One loop per pair step with the
    columns shifted between steps: 1.11 us a sweep of sixteen lanes, this
    0.46 us, measured 2026-11-23.)  ``rf`` gets 1.0 per lane that rotated.
    Entries must be scaled as for :func:`_lane_sweep` (:func:`_scan_slice`);
    float32 entries are worked on in float64 (read with ``np.float64``:
    Numba's ``float()`` keeps a float32 a float32, and the inner products
    were float32 sums), where the range argument for the squares holds, and
    the stores round back.
    """
    L = LANES3
    for ln in range(rf.size):
        a0 = np.float64(Z[ln])
        a1 = np.float64(Z[L + ln])
        a2 = np.float64(Z[2 * L + ln])
        b0 = np.float64(Z[3 * L + ln])
        b1 = np.float64(Z[4 * L + ln])
        b2 = np.float64(Z[5 * L + ln])
        c0 = np.float64(Z[6 * L + ln])
        c1 = np.float64(Z[7 * L + ln])
        c2 = np.float64(Z[8 * L + ln])
        p0 = np.float64(Z[9 * L + ln])
        p1 = np.float64(Z[10 * L + ln])
        p2 = np.float64(Z[11 * L + ln])
        q0 = np.float64(Z[12 * L + ln])
        q1 = np.float64(Z[13 * L + ln])
        q2 = np.float64(Z[14 * L + ln])
        r0 = np.float64(Z[15 * L + ln])
        r1 = np.float64(Z[16 * L + ln])
        r2 = np.float64(Z[17 * L + ln])
        a0, a1, a2, b0, b1, b2, p0, p1, p2, q0, q1, q2, f1 = _rotate_3x3(
            a0, a1, a2, b0, b1, b2, p0, p1, p2, q0, q1, q2, tol2, dmin)
        b0, b1, b2, c0, c1, c2, q0, q1, q2, r0, r1, r2, f2 = _rotate_3x3(
            b0, b1, b2, c0, c1, c2, q0, q1, q2, r0, r1, r2, tol2, dmin)
        c0, c1, c2, a0, a1, a2, r0, r1, r2, p0, p1, p2, f3 = _rotate_3x3(
            c0, c1, c2, a0, a1, a2, r0, r1, r2, p0, p1, p2, tol2, dmin)
        Z[ln] = a0
        Z[L + ln] = a1
        Z[2 * L + ln] = a2
        Z[3 * L + ln] = b0
        Z[4 * L + ln] = b1
        Z[5 * L + ln] = b2
        Z[6 * L + ln] = c0
        Z[7 * L + ln] = c1
        Z[8 * L + ln] = c2
        Z[9 * L + ln] = p0
        Z[10 * L + ln] = p1
        Z[11 * L + ln] = p2
        Z[12 * L + ln] = q0
        Z[13 * L + ln] = q1
        Z[14 * L + ln] = q2
        Z[15 * L + ln] = r0
        Z[16 * L + ln] = r1
        Z[17 * L + ln] = r2
        rf[ln] = (f1 + f2) + f3


@kernel
def _load_lane_3x3(A3, i0, e, Z, ln):
    """Lane ``ln`` of ``Z`` <- the columns of ``2^e A3[i0]`` and ``V = I``; an idle
    lane (``i0 < 0``) gets zeros, which never rotate."""
    L = LANES3
    f1, f2 = _lane_factors(e)
    for s in range(3):
        for j in range(3):
            Z[3 * L * s + L * j + ln] = (A3[i0, j, s] * f1) * f2 if i0 >= 0 else 0.0
            Z[9 * L + 3 * L * s + L * j + ln] = 1.0 if s == j else 0.0


@kernel
def _finish_lane_3x3(A3, U3, S2, Vt3, compute_uv, i0, e, Z, ln, dmin, G, W, norms, order,
                     valid):
    """``s``, ``U`` and ``V^T`` of slice ``i0`` from its converged lane when a
    column's squared norm is below ``dmin``: that column is set to zero (see
    :func:`_rotate_3x3`) and :func:`_finish_slice` completes ``U`` to
    orthonormal columns."""
    L = LANES3
    for i in range(3):
        acc = 0.0
        for j in range(3):
            acc += np.float64(Z[3 * L * i + L * j + ln]) ** 2
        for j in range(3):
            G[i, j] = Z[3 * L * i + L * j + ln] if acc >= dmin else 0.0
            if compute_uv:
                W[i, j] = Z[9 * L + 3 * L * i + L * j + ln]
    _finish_slice(A3[i0], U3[i0], S2[i0], Vt3[i0], compute_uv, e, G, W, norms, order, valid)


@kernel
def _odd_slice(A3, U3, S2, Vt3, info, compute_uv, max_sweeps, i, scan, G, W, norms, order,
               hist, valid):
    """Slice ``i`` that the lane kernels do not take (``scan`` from
    :func:`_scan_slice`): non-finite ones fail, ``2 x 2`` ones take the closed
    form, and those whose entries span too wide a range (or with
    ``min(m, n) = 1``) take the scalar Jacobi."""
    m = A3.shape[1]
    n = A3.shape[2]
    if scan == NOT_FINITE:
        info[i] = NOT_FINITE
        _fail(U3[i], S2[i], Vt3[i])
    elif m == 2 and n == 2:
        _slice_2x2(A3[i], U3[i], S2[i], Vt3[i], compute_uv)
        info[i] = OK
    else:
        st = _slice_jacobi(A3[i], U3[i], S2[i], Vt3[i], compute_uv, max_sweeps,
                           G, W, norms, order, hist, valid)
        info[i] = st
        if st != OK:
            _fail(U3[i], S2[i], Vt3[i])


@kernel
def _stream_3x3(A3, U3, S2, Vt3, info, compute_uv, max_sweeps, lo, hi, small, root_exp,
                dmin, Z, rf, lane_slice, lane_exp, lane_sweeps_done, G, W, norms, order, hist,
                valid):
    """Slices ``lo:hi`` of a ``3 x 3`` stack through ``LANES3`` streaming lanes.

    After every sweep (:func:`_sweep_3x3`) a lane whose sweep rotated nothing
    writes out its slice and takes the next one, so every slice runs exactly
    its own number of sweeps instead of the slowest of its group's
    (Gaussian 3x3: mean 4.33, slowest of sixteen 5).  A lane's arithmetic does
    not depend on its neighbours, and a slice entering at a sweep boundary
    meets the same pair order as alone, so results are bit for bit those of
    the slice alone.  A slice still rotating after ``max_sweeps`` sweeps fails
    with ``NOT_CONVERGED``.  The per-slice work is written out here rather
    than in helpers: a kernel call per slice with a dozen array arguments
    cost more than the sweeps saved.
    """
    L = LANES3
    eps = float(np.finfo(Z.dtype).eps)
    # tol = sqrt(3) eps, squared
    tol2 = 3.0 * eps * eps
    nxt = lo
    active = 0
    for ln in range(L):
        lane_slice[ln] = -1
        _load_lane_3x3(A3, -1, 0, Z, ln)
    free = L
    while True:
        # 1. refill free lanes (at sweep boundaries)
        if free > 0 and nxt < hi:
            for ln in range(L):
                if lane_slice[ln] >= 0:
                    continue
                i = nxt
                e = 0
                while i < hi:
                    scan, e = _scan_slice(A3, i, small, root_exp)
                    if scan == OK:
                        break
                    _odd_slice(A3, U3, S2, Vt3, info, compute_uv, max_sweeps, i, scan,
                               G, W, norms, order, hist, valid)
                    i += 1
                nxt = i + 1
                if i >= hi:
                    break
                lane_slice[ln] = i
                lane_exp[ln] = e
                lane_sweeps_done[ln] = 0
                f1, f2 = _lane_factors(e)
                for s in range(3):
                    for j in range(3):
                        Z[3 * L * s + L * j + ln] = (A3[i, j, s] * f1) * f2
                        Z[9 * L + 3 * L * s + L * j + ln] = 1.0 if s == j else 0.0
                active += 1
                free -= 1
        if active == 0:
            break
        # 2. one sweep in every lane
        _sweep_3x3(Z, rf, tol2, dmin)
        # 3. write out the lanes that converged (or reached the cap)
        for ln in range(L):
            i0 = lane_slice[ln]
            if i0 < 0:
                continue
            lane_sweeps_done[ln] += 1
            if rf[ln] != 0.0 and lane_sweeps_done[ln] < max_sweeps:
                continue
            lane_slice[ln] = -1
            active -= 1
            free += 1
            if rf[ln] != 0.0:
                info[i0] = NOT_CONVERGED
                _fail(U3[i0], S2[i0], Vt3[i0])
                continue
            info[i0] = OK
            e = lane_exp[ln]
            n0 = 0.0
            n1 = 0.0
            n2 = 0.0
            # (in float64, as the sweep decided which columns are below dmin)
            for j in range(3):
                n0 += np.float64(Z[L * j + ln]) ** 2
                n1 += np.float64(Z[3 * L + L * j + ln]) ** 2
                n2 += np.float64(Z[6 * L + L * j + ln]) ** 2
            if n0 < dmin or n1 < dmin or n2 < dmin:
                _finish_lane_3x3(A3, U3, S2, Vt3, compute_uv, i0, e, Z, ln, dmin,
                                 G, W, norms, order, valid)
                continue
            n0 = math.sqrt(n0)
            n1 = math.sqrt(n1)
            n2 = math.sqrt(n2)
            # stable descending order of three (bubble network, strict compares)
            o0, o1, o2 = 0, 1, 2
            s0, s1, s2 = n0, n1, n2
            if s0 < s1:
                o0, o1 = o1, o0
                s0, s1 = s1, s0
            if s1 < s2:
                o1, o2 = o2, o1
                s1, s2 = s2, s1
            if s0 < s1:
                o0, o1 = o1, o0
                s0, s1 = s1, s0
            g1, g2 = _lane_factors(-e)
            S2[i0, 0] = (s0 * g1) * g2
            S2[i0, 1] = (s1 * g1) * g2
            S2[i0, 2] = (s2 * g1) * g2
            if compute_uv:
                for j in range(3):
                    U3[i0, j, 0] = Z[3 * L * o0 + L * j + ln] / s0
                    U3[i0, j, 1] = Z[3 * L * o1 + L * j + ln] / s1
                    U3[i0, j, 2] = Z[3 * L * o2 + L * j + ln] / s2
                    Vt3[i0, 0, j] = Z[9 * L + 3 * L * o0 + L * j + ln]
                    Vt3[i0, 1, j] = Z[9 * L + 3 * L * o1 + L * j + ln]
                    Vt3[i0, 2, j] = Z[9 * L + 3 * L * o2 + L * j + ln]


@kernel
def _stream_lanes(A3, U3, S2, Vt3, info, compute_uv, max_sweeps, lo, hi, small, root_exp,
                  dmin, GL, WL, d, nrot, lane_slice, lane_exp, lane_sweeps_done, G, W, norms, order,
                  hist, valid):
    """Slices ``lo:hi`` of a ``k x l`` stack through ``LANES`` streaming lanes
    (:func:`_lane_sweep`), refilled at sweep boundaries as in
    :func:`_stream_3x3`: each slice runs its own number of sweeps (Gaussian
    32x32 with de Rijk's pivoting: mean 7.5).  A lane's arithmetic does not
    depend on its neighbours (every pair is processed in every lane, and the
    norms are per lane), so a slice gets bit for bit its result alone."""
    L = LANES
    k = GL.shape[0]
    l = GL.shape[1] // L
    eps = float(np.finfo(GL.dtype).eps)
    # tol = sqrt(l) eps (xGESVJ's CTOL), squared
    tol2 = l * eps * eps
    rooteps = math.sqrt(eps)
    nxt = lo
    active = 0
    for ln in range(L):
        lane_slice[ln] = -1
        _load_lane(A3, -1, 0, GL, WL, ln)
    free = L
    while True:
        # 1. refill free lanes (at sweep boundaries)
        if free > 0 and nxt < hi:
            for ln in range(L):
                if lane_slice[ln] >= 0:
                    continue
                i = nxt
                e = 0
                while i < hi:
                    scan, e = _scan_slice(A3, i, small, root_exp)
                    if scan == OK and k > 1:
                        break
                    _odd_slice(A3, U3, S2, Vt3, info, compute_uv, max_sweeps, i, scan,
                               G, W, norms, order, hist, valid)
                    i += 1
                nxt = i + 1
                if i >= hi:
                    break
                lane_slice[ln] = i
                lane_exp[ln] = e
                lane_sweeps_done[ln] = 0
                _load_lane(A3, i, e, GL, WL, ln)
                active += 1
                free -= 1
        if active == 0:
            break
        # 2. one sweep in every lane
        _lane_sweep(GL, WL, d, nrot, l, tol2, rooteps, dmin)
        # 3. write out the lanes that converged (or reached the cap)
        for ln in range(L):
            i0 = lane_slice[ln]
            if i0 < 0:
                continue
            lane_sweeps_done[ln] += 1
            rotated = nrot[0, ln] != 0.0
            if rotated and lane_sweeps_done[ln] < max_sweeps:
                continue
            lane_slice[ln] = -1
            active -= 1
            free += 1
            if rotated:
                info[i0] = NOT_CONVERGED
                _fail(U3[i0], S2[i0], Vt3[i0])
            else:
                info[i0] = OK
                _finish_lane(A3, U3, S2, Vt3, compute_uv, i0, lane_exp[ln], GL, WL, ln,
                             G, W, norms, order, valid)


@parallel_kernel
def gesvj_batched(A3, compute_uv, full_matrices, max_sweeps, nchunks, U3, S2, Vt3, info):
    """SVD of every slice of ``A3`` (``(b, m, n)``) into preallocated outputs.

    ``U3`` is ``(b, m, m if full_matrices else k)``, ``S2`` ``(b, k)``, ``Vt3``
    ``(b, n if full_matrices else k, n)`` (``(b, 0, 0)`` when not
    ``compute_uv``); ``info[i]`` is 0 (success), 1 (sweep cap reached) or 2
    (non-finite entries), and failed slices hold NaN.  The batch is cut into
    ``nchunks`` contiguous chunks, each with its own workspace.  In a chunk,
    2x2 slices take the closed form, slices whose entries span a moderate
    range stream through the lanes (:func:`_stream_3x3` for ``3 x 3``,
    :func:`_stream_lanes` otherwise), the others (entries spanning more than
    ~1e90) take the scalar Jacobi (:func:`_odd_slice`).
    """
    b, m, n = A3.shape
    k = min(m, n)
    l = max(m, n)
    nq = (m if full_matrices else k) if m >= n else (n if full_matrices else k)
    if b == 0 or k == 0:
        return
    nchunks = max(1, min(b, nchunks))
    kw = k if compute_uv else 0
    fi = np.finfo(A3.dtype)
    # lane-kernel range: entries scaled into [small, 1] have squares >=
    # 2^(0.4 minexp), and the lane kernels' test a_pq^2 > tol^2 a_pp a_qq
    # compares products of two squares with tol^2 (float64 >= 2^-918, float32
    # >= 2^-146 in the float64 the comparison runs in): all normal, so the
    # plain sums of squares lose nothing.  Slices spread wider take the scalar
    # path, whose norms and cosines are kept in scaled form.
    small = math.ldexp(1.0, int(0.2 * fi.minexp))
    # lane columns whose squared norm drops below dmin are flushed to zero
    # (_flush_lane_row).  float64: small^2, so that tol^2 a_pp a_qq stays normal
    # for every column kept; float32 (tested in float64): sqrt(tiny), so that
    # the entries of a kept column and of its next rotation stay far above the
    # float32 subnormals.  Either way a flushed column is below eps ||A||.
    small64 = math.ldexp(1.0, int(0.2 * np.finfo(np.float64).minexp))
    dmin = max(small64 * small64, math.sqrt(float(fi.tiny)))
    fused3 = m == 3 and n == 3
    root_exp = math.frexp(math.sqrt(l))[1]
    group = LANES3 if fused3 else LANES
    for c in prange(nchunks):
        lo = (b * c) // nchunks
        hi = (b * (c + 1)) // nchunks
        G = np.empty((k, l), A3.dtype)
        W = np.empty((k, kw), A3.dtype)
        norms = np.empty(k)
        order = np.empty(k, np.int64)
        hist = np.empty(max_sweeps)
        valid = np.empty(max(nq, 1), np.bool_)
        lane_slice = np.empty(group, np.int64)
        lane_exp = np.empty(group, np.int64)
        lane_sweeps_done = np.empty(group, np.int64)
        if fused3:
            # 3x3 lane buffer (see _sweep_3x3) and per-lane rotation counts
            Z = np.empty(18 * LANES3, A3.dtype)
            rf = np.empty(LANES3)
            _stream_3x3(A3, U3, S2, Vt3, info, compute_uv, max_sweeps, lo, hi, small, root_exp,
                        dmin, Z, rf, lane_slice, lane_exp, lane_sweeps_done, G, W, norms, order,
                        hist, valid)
        else:
            GL = np.empty((k, LANES * l), A3.dtype)
            WL = np.empty((kw, LANES * kw), A3.dtype)
            d = np.empty((k, LANES))
            nrot = np.empty((1, LANES))
            _stream_lanes(A3, U3, S2, Vt3, info, compute_uv, max_sweeps, lo, hi, small,
                          root_exp, dmin, GL, WL, d, nrot, lane_slice, lane_exp, lane_sweeps_done,
                          G, W, norms, order, hist, valid)


def svd_batched(A3, compute_uv=True, full_matrices=False, max_sweeps=MAX_SWEEPS):
    """Driver: SVD of each slice of a C-contiguous ``(b, m, n)`` float32/float64 stack.

    Returns ``(U3, S2, Vt3, info1d)`` shaped like ``numpy.linalg.svd`` on the
    stack (``U3``, ``Vt3`` empty ``(b, 0, 0)`` without ``compute_uv``).
    ``info1d[i] > 0`` marks slice ``i`` as failed (1 sweep cap, 2 non-finite);
    its outputs are NaN and the other slices are unaffected.
    """
    A3 = np.ascontiguousarray(A3)
    b, m, n = A3.shape
    k = min(m, n)
    dt = A3.dtype
    S2 = np.empty((b, k), dt)
    if compute_uv:
        U3 = np.empty((b, m, m if full_matrices else k), dt)
        Vt3 = np.empty((b, n if full_matrices else k, n), dt)
        if full_matrices and k == 0:
            U3[:] = np.eye(m, dtype=dt)
            Vt3[:] = np.eye(n, dtype=dt)
    else:
        U3 = np.empty((b, 0, 0), dt)
        Vt3 = np.empty((b, 0, 0), dt)
    info = np.zeros(b, np.int64)
    nchunks = CHUNKS_PER_THREAD * numba.get_num_threads()
    gesvj_batched(A3, compute_uv, full_matrices, max_sweeps, nchunks, U3, S2, Vt3, info)
    return U3, S2, Vt3, info
