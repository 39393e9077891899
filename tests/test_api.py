"""Compatibility with numpy.linalg.svd / scipy.linalg.svd: shapes, dtypes,
stacking, empty inputs, argument handling, errors, and not touching the input."""
import numpy as np
import pytest
import scipy.linalg

import fastsvd
from fastsvd import LinAlgError, NonFiniteError

from .checks import assert_svd

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 5, 3), (2, 3, 3, 4), (1, 1)])
def test_shapes_match_numpy(shape, full):
    A = RNG.standard_normal(shape)
    got = fastsvd.svd(A, full_matrices=full)
    ref = np.linalg.svd(A, full_matrices=full)
    assert type(got).__name__ == "SVDResult" and got._fields == ("U", "S", "Vh")
    for g, r in zip(got, ref):
        assert g.shape == r.shape and g.dtype == r.dtype
    np.testing.assert_allclose(got.S, ref.S, rtol=0, atol=4 * max(shape[-2:]) * 2.2e-16 * ref.S.max())
    for idx in np.ndindex(*shape[:-2]):
        assert_svd(A[idx], got.U[idx], got.S[idx], got.Vh[idx], full_matrices=full,
                   reference=False)


@pytest.mark.parametrize("shape", [(4, 0), (0, 4), (0, 0), (2, 4, 0), (0, 3, 3), (3, 0, 2)])
@pytest.mark.parametrize("full", [True, False])
def test_empty_shapes_match_numpy(shape, full):
    A = np.zeros(shape)
    got = fastsvd.svd(A, full_matrices=full)
    ref = np.linalg.svd(A, full_matrices=full)
    for g, r in zip(got, ref):
        assert g.shape == r.shape and g.dtype == r.dtype
        np.testing.assert_array_equal(g, r)
    assert fastsvd.svd(A, compute_uv=False).shape == np.linalg.svd(A, compute_uv=False).shape


@pytest.mark.parametrize("dtype,expected", [
    (np.float64, np.float64), (np.float32, np.float32), (np.int32, np.float64),
    (np.int64, np.float64), (np.uint8, np.float64), (bool, np.float64)])
def test_dtype_promotion_like_numpy(dtype, expected):
    A = (RNG.standard_normal((4, 3)) * 3).astype(dtype)
    U, S, Vh = fastsvd.svd(A)
    assert U.dtype == S.dtype == Vh.dtype == expected
    assert np.linalg.svd(A).S.dtype == expected


@pytest.mark.parametrize("dtype", [object, "U3", np.float16, np.longdouble])
def test_unsupported_dtypes_raise_type_error(dtype):
    A = np.ones((2, 2), dtype=dtype)
    with pytest.raises(TypeError, match="unsupported"):
        fastsvd.svd(A)


def test_complex_is_not_implemented_clearly():
    with pytest.raises(NotImplementedError, match="complex"):
        fastsvd.svd(np.ones((2, 2), complex))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_names_the_problem(bad):
    A = np.ones((3, 3))
    A[1, 2] = bad
    with pytest.raises(NonFiniteError, match="NaN" if np.isnan(bad) else "Inf"):
        fastsvd.svd(A)
    # both conventions catch it: scipy's ValueError and numpy's LinAlgError
    with pytest.raises(ValueError):
        fastsvd.svdvals(A)
    with pytest.raises(LinAlgError):
        fastsvd.svd(A, compute_uv=False)


@pytest.mark.parametrize("method", ["auto", "qr", "dc", "jacobi"])
@pytest.mark.parametrize("shape", [(6, 6), (40, 30), (30, 70)])
@pytest.mark.parametrize("compute_uv", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_without_check_fails_loudly(compute_uv, shape, method, bad):
    """check_finite=False skips the scan, not the honesty: every method's kernels
    see the NaN/Inf and report it, and the API says why instead of returning
    numbers or trying every fallback to its iteration cap."""
    A = np.ones(shape)
    A[2, 3] = bad
    with pytest.raises(LinAlgError, match="NaN or Inf"):
        fastsvd.svd(A, compute_uv=compute_uv, check_finite=False, method=method)


@pytest.mark.parametrize("compute_uv", [False, True])
def test_drivers_return_nan_and_a_status_for_non_finite_input(compute_uv):
    """The method drivers never return numbers for NaN input (the divide and
    conquer and Jacobi kernels used to return zeros with status 0)."""
    from fastsvd.kernels.gesdd import svd_dc
    from fastsvd.kernels.gesvd import svd_qr
    from fastsvd.kernels.gejsv import svd_jacobi
    for driver in (svd_qr, svd_dc, svd_jacobi):
        A = RNG.standard_normal((30, 28))
        A[5, 7] = np.nan
        U, s, Vt, info = driver(A, compute_uv, False)
        assert info > 0 and np.isnan(s).all(), driver


@pytest.mark.parametrize("a", [np.ones(3), np.float64(2.0), [1.0, 2.0]])
def test_fewer_than_two_dimensions(a):
    with pytest.raises(LinAlgError, match="at least two-dimensional"):
        fastsvd.svd(a)


def test_input_is_never_modified():
    for A in [RNG.standard_normal((7, 5)), RNG.standard_normal((5, 7)),
              np.asfortranarray(RNG.standard_normal((6, 6))), RNG.standard_normal((3, 4, 4))]:
        before = A.copy()
        fastsvd.svd(A)
        fastsvd.svd(A, compute_uv=False)
        fastsvd.svd(A, full_matrices=False, method="qr")
        np.testing.assert_array_equal(A, before)


def test_overwrite_a_allows_reuse_and_still_correct():
    A = RNG.standard_normal((8, 5))
    work = A.copy()
    U, s, Vh = fastsvd.svd(work, full_matrices=False, overwrite_a=True)
    assert_svd(A, U, s, Vh)


def test_read_only_input_is_fine():
    A = RNG.standard_normal((5, 4))
    A.setflags(write=False)
    before = A.copy()
    U, s, Vh = fastsvd.svd(A, full_matrices=False, overwrite_a=True)
    assert_svd(A, U, s, Vh)
    np.testing.assert_array_equal(A, before)


def test_list_input_and_lapack_driver_alias():
    A = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    U, s, Vh = fastsvd.svd(A, lapack_driver="gesvd")
    ref = scipy.linalg.svd(A, lapack_driver="gesvd")
    np.testing.assert_allclose(s, ref[1], rtol=1e-14)


def test_bad_arguments_are_named():
    A = np.eye(3)
    with pytest.raises(ValueError, match="method"):
        fastsvd.svd(A, method="magic")
    with pytest.raises(ValueError, match="lapack_driver"):
        fastsvd.svd(A, lapack_driver="gesvj")
    with pytest.raises(ValueError, match="contradicts"):
        fastsvd.svd(A, method="qr", lapack_driver="gesdd")
    with pytest.raises(ValueError, match="accuracy"):
        fastsvd.svd(A, accuracy="best")


def test_output_that_cannot_fit_is_refused_before_allocating():
    # a 1e6 x 1e6 full U alone would be 8 TB: the check must fire before np.empty
    A = np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10**6, 10**6), strides=(0, 0))
    with pytest.raises(MemoryError, match="full_matrices=False"):
        fastsvd.svd(A, check_finite=False)


def test_svdvals_matches_scipy_and_numpy():
    A = RNG.standard_normal((3, 6, 4))
    np.testing.assert_allclose(fastsvd.svdvals(A), np.linalg.svd(A, compute_uv=False),
                               rtol=0, atol=1e-14 * 10)
    np.testing.assert_allclose(fastsvd.svdvals(A[0]), scipy.linalg.svdvals(A[0]), rtol=1e-14)


def test_return_info_and_plan():
    A = RNG.standard_normal((50, 20))
    (U, s, Vh), info = fastsvd.svd(A, return_info=True, method="qr")
    assert info.method == "qr" and info.tried == ("qr",)
    text = str(fastsvd.plan(A, method="qr"))
    assert "QR first" in text and "why" in text
    assert "transpose" in str(fastsvd.plan((10, 40)))


@pytest.mark.parametrize("n", [5, 60])
def test_hermitian_takes_the_eigen_path_and_matches_numpy(n):
    A = RNG.standard_normal((n, n))
    A = A + A.T
    assert fastsvd.plan(A, hermitian=True).method == "hermitian"
    (U, s, Vh), info = fastsvd.svd(A, hermitian=True, return_info=True)
    assert info.method == "hermitian"
    assert_svd(A, U, s, Vh, full_matrices=True)
    ref = np.linalg.svd(A, hermitian=True, compute_uv=False)
    # both are within 4 n eps sigma_1 of the exact values (the README's bound)
    np.testing.assert_allclose(s, ref, rtol=0, atol=8 * n * 2.2e-16 * ref[0])
    np.testing.assert_allclose(fastsvd.svd(A, hermitian=True, compute_uv=False), s,
                               rtol=0, atol=8 * n * 2.2e-16 * ref[0])


def test_hermitian_reads_the_lower_triangle_as_numpy_does():
    # numpy's hermitian=True is eigh on the lower triangle: the upper one is ignored
    L = np.tril(RNG.standard_normal((7, 7)))
    A = L + RNG.standard_normal((7, 7)) * np.triu(np.ones((7, 7)), 1) * 100
    S = np.tril(A) + np.tril(A, -1).T
    U, s, Vh = fastsvd.svd(A, hermitian=True)
    assert_svd(S, U, s, Vh, full_matrices=True)
    np.testing.assert_allclose(s, np.linalg.svd(A, hermitian=True, compute_uv=False),
                               rtol=0, atol=32 * 2.2e-16 * s[0])
    with pytest.raises(LinAlgError, match="square"):
        fastsvd.svd(RNG.standard_normal((4, 3)), hermitian=True)


@pytest.mark.parametrize("shape", [(6, 3, 3), (2, 3, 8, 5), (5, 2, 2), (4, 1, 6)])
def test_stacks_of_small_matrices_take_the_batched_path(shape):
    A = RNG.standard_normal(shape)
    (U, S, Vh), info = fastsvd.svd(A, full_matrices=False, return_info=True)
    assert info.method == "batched" and not np.any(info.status)
    for idx in np.ndindex(*shape[:-2]):
        assert_svd(A[idx], U[idx], S[idx], Vh[idx], reference=False)


@pytest.mark.parametrize("path_shape", [(5, 3, 3), (3, 40, 35)])
def test_on_failure_nan_keeps_the_other_slices(path_shape):
    """One bad slice must not lose the others (batched kernel and Python loop alike)."""
    A = RNG.standard_normal(path_shape)
    A[1, 0, 0] = np.nan
    with pytest.raises(NonFiniteError):
        fastsvd.svd(A)
    (U, S, Vh), info = fastsvd.svd(A, full_matrices=False, on_failure="nan", return_info=True)
    assert info.status[1] == 2 and np.isnan(S[1]).all() and np.isnan(U[1]).all()
    good = [0, 2]
    assert not info.status[good].any()
    ref = np.linalg.svd(A[good], compute_uv=False)
    np.testing.assert_allclose(S[good], ref, rtol=0, atol=1e-13 * ref.max())
    with pytest.raises(ValueError, match="on_failure"):
        fastsvd.svd(A, on_failure="ignore")


# --- regressions: each pins a silent wrong answer or a wrong error seen before ---

def _zero_lines(seed, shape, dtype):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal(shape).astype(dtype)
    A[:, rng.random(shape[1]) < .3] = 0
    A[rng.random(shape[0]) < .3, :] = 0
    return A


@pytest.mark.parametrize("method", ["auto", "qr", "dc"])
def test_float32_reflectors_do_not_square_in_single_precision(method):
    # Numba keeps float(x) of a float32 x in float32: squaring entries near 1e-20
    # in a reflector's norm fell into subnormals and U lost orthogonality (0.19)
    A = _zero_lines(18, (12, 10), np.float32)
    U, s, Vh = fastsvd.svd(A, method=method)
    assert_svd(A, U, s, Vh, full_matrices=True)
    x = (np.array([0.0, 0.3, 0.2, 0.9]) * 1e-20).astype(np.float32)
    from fastsvd.kernels.householder import larfg
    tau = larfg(x)
    v = x.astype(np.float64)
    v[0] = 1.0
    # H = I - tau v v^T is orthogonal iff tau |v|^2 = 2; a few float32 roundings apart
    assert abs(tau * (v @ v) / 2 - 1) <= 4 * np.finfo(np.float32).eps


@pytest.mark.parametrize("method", ["qr", "dc", "jacobi"])
@pytest.mark.parametrize("compute_uv", [True, False])
def test_subnormal_input_is_scaled_into_range_first(method, compute_uv):
    # every entry subnormal: without xLASCL's scaling the reduction rounds on the
    # subnormal grid (backward error 13-23 units, the README promises 4)
    A = np.random.default_rng(7).standard_normal((30, 20)) * 1e-310
    if compute_uv:
        U, s, Vh = fastsvd.svd(A, full_matrices=False, method=method)
        assert_svd(A, U, s, Vh)
    else:
        from .checks import assert_singular_values
        assert_singular_values(A, fastsvd.svd(A, compute_uv=False, method=method))


def test_overwrite_a_never_lets_a_fallback_decompose_the_workspace(monkeypatch):
    # a first method that fails after using the input as workspace: the next one
    # must not decompose what is left of it (it gave ||A - U S V^T|| = 70)
    from fastsvd import _dispatch
    real = _dispatch.driver

    def first_fails(method):
        drv = real(method)
        if method != "dc":
            return drv

        def failing(A, compute_uv, full_matrices):
            out = drv(A, compute_uv, full_matrices)
            return (*out[:3], 1)
        return failing
    monkeypatch.setattr(_dispatch, "driver", first_fails)
    A = RNG.standard_normal((40, 30))
    # our own converted copy was the workspace: the fallback starts again from the input
    Ai = np.round(A * 100).astype(np.int64)
    for given in (Ai, Ai.tolist()):
        U, s, Vh = fastsvd.svd(given, full_matrices=False, overwrite_a=True)
        assert_svd(Ai.astype(np.float64), U, s, Vh)
    # the caller's own array was the workspace: nothing is left to fall back on
    B = A.copy()
    with pytest.raises(fastsvd.NoConvergenceError, match="overwrite_a"):
        fastsvd.svd(B, overwrite_a=True)
    # without overwrite_a the chain runs and the answer is right
    (U, s, Vh), info = fastsvd.svd(A, full_matrices=False, return_info=True)
    assert info.tried == ("dc", "qr") and info.method == "qr"
    assert_svd(A, U, s, Vh)


def test_batched_slices_that_do_not_converge_take_the_2d_chain(monkeypatch):
    # a slice the batched kernel flags must be retried by dc -> qr -> jacobi, not
    # raise NoConvergenceError while the 2-D path can do it
    import fastsvd.kernels.batched as batched
    real = batched.svd_batched

    def flag_slice_one(A3, compute_uv=True, full_matrices=False):
        U, S, Vt, info = real(A3, compute_uv, full_matrices)
        info[1] = 1
        S[1] = np.nan
        return U, S, Vt, info
    monkeypatch.setattr(batched, "svd_batched", flag_slice_one)
    A = RNG.standard_normal((3, 8, 7))
    (U, S, Vh), info = fastsvd.svd(A, full_matrices=False, return_info=True)
    assert info.tried == ("batched", fastsvd.plan(A[1]).method)
    assert list(info.status) == [0, 0, 0]
    for i in range(3):
        assert_svd(A[i], U[i], S[i], Vh[i])


def test_batched_float32_zero_lines_converge_or_fall_back():
    B = _zero_lines(4, (8, 7), np.float32)
    U, S, Vh = fastsvd.svd(B[None])
    assert_svd(B, U[0], S[0], Vh[0], full_matrices=True)


def test_memory_estimate_counts_the_converted_copy_of_a_stack(monkeypatch):
    # a broadcast (N, 3, 3) stack is copied before the kernel sees it: that copy
    # was left out of the estimate (traced peak 4.3x the estimate)
    from fastsvd import _validate
    asked = []
    monkeypatch.setattr(_validate, "available_memory", lambda: None)
    monkeypatch.setattr("fastsvd._api.check_fits", lambda nbytes, *a: asked.append(nbytes))
    one = np.arange(9.0).reshape(3, 3)
    fastsvd.svd(np.broadcast_to(one, (1000, 3, 3)), compute_uv=False)
    assert asked[-1] >= 1000 * 9 * 8          # the contiguous copy of the whole stack
    # empty results are checked too: (10^6, 0, 10^4) full U/Vh would be 800 TB
    monkeypatch.setattr(_validate, "available_memory", lambda: 2**30)
    monkeypatch.setattr("fastsvd._api.check_fits", _validate.check_fits)
    with pytest.raises(MemoryError):
        fastsvd.svd(np.zeros((10**6, 0, 10**4)))


@pytest.mark.parametrize("shape,error", [((3,), LinAlgError), ((3, -2), ValueError),
                                         ((3.0, 2), TypeError)])
def test_plan_checks_a_shape_as_svd_checks_an_array(shape, error):
    with pytest.raises(error):
        fastsvd.plan(shape)


def test_sparse_input_names_svds_and_toarray():
    import scipy.sparse as sp
    with pytest.raises(TypeError, match="svds.*toarray"):
        fastsvd.svd(sp.random_array((20, 10), density=0.3, rng=0))


def test_dask_arrays_go_to_the_distributed_path():
    # fastsvd.svd and plan on a dask array stay lazy and run TSQR (no cluster
    # needed: dask's local scheduler runs the same graph)
    da = pytest.importorskip("dask.array")
    A = RNG.standard_normal((400, 6))
    x = da.from_array(A, chunks=(100, 6))
    U, s, Vh = fastsvd.svd(x, full_matrices=False)
    assert isinstance(U, da.Array) and isinstance(s, da.Array)
    U, s, Vh = (np.asarray(t) for t in (U.compute(), s.compute(), Vh.compute()))
    assert_svd(A, U, s, Vh)
    assert str(fastsvd.plan(x)).startswith("fastsvd.distributed.svd of a 400 x 6")
    with pytest.raises(ValueError, match="full_matrices"):
        fastsvd.svd(x)
