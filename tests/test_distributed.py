"""fastsvd.distributed on a real two-process dask cluster (skipped without dask).

The thin SVD is Householder TSQR, backward stable: every sigma within
``1e-13 sigma_1`` of the known spectrum (a few hundred eps for these sizes,
the README's ``4 max(m, n) eps sigma_1`` scale) and ``U``, ``V`` orthogonal to
``4 m eps``.  The randomized SVD is checked against the known spectrum at the
accuracy its power iterations reach on a fast-decaying spectrum.
"""
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

from fastsvd import distributed as fd  # noqa: E402
from tests.gallery import with_singular_values  # noqa: E402

EPS = np.finfo(np.float64).eps
#: sigma tolerance of the thin SVD, relative to sigma_1
SIGMA_TOL = 1e-13
#: orthogonality of U in units of m eps
C_ORTHO_M = 4.0


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, on the loopback interface.

    The kernels are compiled first in this process (synchronous scheduler), so
    their cache is on disk and the workers load it instead of compiling.
    """
    A = np.random.default_rng(0).standard_normal((64, 6))
    x = da.from_array(A, chunks=(16, 6))
    with dask.config.set(scheduler="synchronous"):
        dask.compute(*fd.svd(x), *fd.randomized_svd(x, 2, n_iter=1, random_state=0))
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None)
    cl = distributed.Client(cluster)
    try:
        yield cl
    finally:
        cl.close()
        cluster.close()


def _known(m, n, seed=0, decay=None):
    s = np.exp(-np.arange(n) / decay) if decay else np.linspace(1.0, 0.01, n)
    return with_singular_values(s, m, n, seed=seed), s


def _check_thin(A, U, s, Vt, s_true):
    m, n = A.shape
    k = min(m, n)
    assert U.shape == (m, k) and s.shape == (k,) and Vt.shape == (k, n)
    assert np.all(np.abs(s - s_true) <= SIGMA_TOL * s_true[0])
    assert np.linalg.norm(U.T @ U - np.eye(k)) <= C_ORTHO_M * max(m, n) * EPS
    assert np.linalg.norm(Vt @ Vt.T - np.eye(k)) <= C_ORTHO_M * max(m, n) * EPS
    # backward error, the README's 4 max(m, n) eps ||A||_F
    assert np.linalg.norm(A - (U * s) @ Vt) <= 4 * max(m, n) * EPS * np.linalg.norm(A)


def test_svd_tall_skinny_on_two_workers(client):
    A, s_true = _known(4000, 30)
    x = da.from_array(A, chunks=(500, 30))
    U, s, Vt = fd.svd(x)
    assert all(isinstance(r, da.Array) for r in (U, s, Vt))   # lazy
    assert U.chunks[0] == x.chunks[0]
    U, s, Vt = client.compute([U, s, Vt], sync=True)
    _check_thin(A, U, s, Vt, s_true)


def test_svd_odd_block_count_and_blocks_shorter_than_n(client, monkeypatch):
    """A binary tree (NODE_ROWS = 2 n) over 28 and 7 blocks: levels with odd counts,
    a node with one child, blocks shorter than n."""
    monkeypatch.setattr(fd, "NODE_ROWS", 60)
    A, s_true = _known(700, 30, seed=1)
    x = da.from_array(A, chunks=(25, 30))      # 28 blocks of 25 < n rows
    U, s, Vt = client.compute(list(fd.svd(x)), sync=True)
    _check_thin(A, U, s, Vt, s_true)
    x = da.from_array(A, chunks=(100, 30))     # 7 blocks: a node with one child
    U, s, Vt = client.compute(list(fd.svd(x)), sync=True)
    _check_thin(A, U, s, Vt, s_true)


def test_svd_short_fat_through_the_transpose(client):
    A, s_true = _known(3000, 20, seed=2)
    x = da.from_array(np.ascontiguousarray(A.T), chunks=(20, 600))
    U, s, Vt = fd.svd(x)
    U, s, Vt = client.compute([U, s, Vt], sync=True)
    _check_thin(A.T, U, s, Vt, s_true)


def test_svd_values_only(client):
    A, s_true = _known(2000, 25, seed=3)
    s = fd.svd(da.from_array(A, chunks=(300, 25)), compute_uv=False)
    assert isinstance(s, da.Array)
    s = client.compute(s, sync=True)
    assert np.all(np.abs(s - s_true) <= SIGMA_TOL * s_true[0])


def test_svd_rechunks_several_column_chunks(client):
    A, s_true = _known(1200, 24, seed=4)
    x = da.from_array(A, chunks=(300, 8))
    assert "merged" in str(fd.plan(x))
    U, s, Vt = client.compute(list(fd.svd(x)), sync=True)
    _check_thin(A, U, s, Vt, s_true)


def test_svd_refuses_what_does_not_fit():
    x = da.zeros((400, 300), chunks=(100, 100))
    with dask.config.set({"array.chunk-size": "1KiB"}):
        with pytest.raises(ValueError, match="not tall-skinny enough"):
            fd.svd(x)
    with pytest.raises(ValueError, match="full_matrices"):
        fd.svd(da.zeros((40, 3), chunks=(10, 3)), full_matrices=True)
    with pytest.raises(TypeError, match="dask array"):
        fd.svd(np.zeros((4, 3)))
    with pytest.raises(TypeError, match="complex"):
        fd.svd(da.zeros((40, 3), chunks=(10, 3), dtype=complex))


def test_plan_describes_blocks_and_tree(monkeypatch):
    x = da.zeros((8000, 50), chunks=(1000, 50))
    p = fd.plan(x)
    # flat: 8 stacks of 50 rows fit one node of NODE_ROWS rows
    assert p.n_blocks == 8 and p.tree_depth == 1 and p.tree_nodes == 1
    monkeypatch.setattr(fd, "NODE_ROWS", 100)      # binary tree
    p = fd.plan(x)
    assert p.tree_fanout == 2 and p.tree_depth == 3 and p.tree_nodes == 7
    text = str(p)
    assert "8 row blocks" in text and "depth 3" in text and "geqrf" in text


def test_randomized_svd_on_two_workers(client):
    """sigma_i = exp(-i/10), l = k + 20, q = 4 power iterations: each sigma_j is
    found to a relative error ~ (sigma_{l+1}/sigma_j)^(4q+2) = exp(-2.1)^18 ~ 4e-17
    times a modest constant (Gu 2015, thm. 4.3), so 1e-10 sigma_1 has a wide margin."""
    m, n, k = 3000, 200, 10
    A, s_true = _known(m, n, seed=5, decay=10.0)
    x = da.from_array(A, chunks=(500, n))
    U, s, Vt = fd.randomized_svd(x, k, n_oversamples=20, n_iter=4, random_state=0)
    assert all(isinstance(r, da.Array) for r in (U, s, Vt))
    U, s, Vt = client.compute([U, s, Vt], sync=True)
    assert U.shape == (m, k) and s.shape == (k,) and Vt.shape == (k, n)
    assert np.all(np.abs(s - s_true[:k]) <= 1e-10 * s_true[0])
    assert np.linalg.norm(U.T @ U - np.eye(k)) <= C_ORTHO_M * m * EPS
    # residuals of the triplets: ||A v - s u|| small next to the next singular value
    res = np.linalg.norm(A @ Vt.T - U * s, axis=0)
    assert np.all(res <= 1e-4 * s_true[0])
    # signs: the largest entry of each row of Vt is positive
    assert np.all(Vt[np.arange(k), np.argmax(np.abs(Vt), axis=1)] > 0)


def test_randomized_svd_wide_and_multi_chunk(client, monkeypatch):
    monkeypatch.setattr(fd, "NODE_ROWS", 40)       # a binary tree inside every TSQR
    m, n, k = 150, 2500, 8
    A, s_true = _known(n, m, seed=6, decay=8.0)
    A = np.ascontiguousarray(A.T)
    x = da.from_array(A, chunks=(50, 500))
    U, s, Vt = client.compute(list(fd.randomized_svd(x, k, n_oversamples=20, random_state=1)),
                              sync=True)
    assert U.shape == (m, k) and Vt.shape == (k, n)
    assert np.all(np.abs(s - s_true[:k]) <= 1e-10 * s_true[0])


def test_randomized_svd_validates_arguments():
    x = da.zeros((100, 20), chunks=(50, 20))
    with pytest.raises(ValueError, match="n_components"):
        fd.randomized_svd(x, 0)
    with pytest.raises(ValueError, match="n_components"):
        fd.randomized_svd(x, 21)


def test_clear_import_error_without_dask(monkeypatch):
    for name in ("dask", "dask.array", "dask.highlevelgraph"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'fastsvd\[dask\]'"):
        fd.svd(object())
