"""Tall-skinny SVDs: fastsvd's TSQR on a dask cluster against dask.array.linalg,
and the single-machine svd_tall against numpy, the peer as a parameter.

* ``DistributedThinSVD``: thin SVD of 200000 x 100 in 8 row chunks on a
  ``LocalCluster`` of 2 worker processes (1 thread each), fastsvd.distributed.svd
  against dask.array.linalg.svd (target: fastsvd at most 0.6x);
* ``DistributedRandomized``: rank 20 of a 20000 x 2000 matrix with
  ``sigma_i = exp(-i/10)``, 4 power iterations, against
  dask.array.linalg.svd_compressed (target: sigma to 1e-10 sigma_1, at most 0.8x);
* ``TallSVD``: fastsvd.kernels.tsqr.svd_tall against numpy.linalg.svd on
  200000 x 100 and 100000 x 50 (target: at most 0.5x).

The input is generated on the workers (seeded, block by block) and persisted
in ``setup``, and results are persisted there too, so the timings are the
factorization, not moving 160 MB to and from the client.  Each ``setup`` compiles fastsvd's kernels on a small problem first.

Run directly for a one-shot table (sides alternated, medians, process memory of
the workers sampled during the factorization): ``python benchmarks/bench_distributed.py [--repeat 5]``.
"""
import argparse
import time

import numpy as np
import scipy.fft

import fastsvd.distributed as fd
from fastsvd.kernels.tsqr import svd_tall

try:
    import dask
    import dask.array as da
    import distributed
    from distributed.diagnostics import MemorySampler
except ImportError:  # pragma: no cover - the benchmarks need the dask extra
    dask = da = distributed = None

THIN_SHAPE = (200_000, 100)
THIN_CHUNKS = 8
RAND_SHAPE = (20_000, 2_000)
RAND_K = 20
RAND_ITER = 4


def start_cluster():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=":0")
    return cluster, distributed.Client(cluster)


def _gaussian_block(block_id, shape, seed):
    """Row block ``block_id[0]`` of a seeded Gaussian matrix, made on the worker."""
    return np.random.default_rng([seed, block_id[0]]).standard_normal(shape)


def _dct_block(block_id, r0, rows, m, sigma, seed):
    """Rows ``r0 .. r0+rows-1`` of ``U diag(sigma) V^T`` with ``U`` the first ``n``
    columns of the orthonormal DCT-II of order ``m`` (rows signed at random) and
    ``V^T`` the orthonormal DCT of order ``n`` (columns signed): exact singular
    values ``sigma``, each block made on its worker."""
    n = sigma.size
    i = np.arange(r0, r0 + rows)[:, None]
    j = np.arange(n)[None, :]
    U = np.sqrt(2.0 / m) * np.cos(np.pi * (2 * i + 1) * j / (2 * m))
    U[:, 0] /= np.sqrt(2.0)
    U *= np.random.default_rng([seed, r0]).choice([-1.0, 1.0], size=(rows, 1))
    cols = np.random.default_rng(seed).choice([-1.0, 1.0], size=(1, n))
    return np.ascontiguousarray(scipy.fft.idct(U * sigma * cols, axis=1, norm="ortho"))


def gaussian_matrix(shape, nchunks, seed=1):
    """A seeded Gaussian dask array whose blocks are generated on the workers."""
    rows = shape[0] // nchunks
    return da.map_blocks(lambda block_id=None: _gaussian_block(block_id, (rows, shape[1]), seed),
                         chunks=((rows,) * nchunks, (shape[1],)), dtype=float)


def known_spectrum_matrix(sigma, m, nchunks, seed=0):
    """``U diag(sigma) V^T`` (see :func:`_dct_block`) as a dask array made on the workers."""
    rows = m // nchunks

    def block(block_id=None):
        return _dct_block(block_id, block_id[0] * rows, rows, m, sigma, seed)
    return da.map_blocks(block, chunks=((rows,) * nchunks, (sigma.size,)), dtype=float)


def _warm():
    x = da.from_array(np.random.default_rng(0).standard_normal((64, 6)), chunks=(16, 6))
    with dask.config.set(scheduler="synchronous"):
        dask.compute(*fd.svd(x), *fd.randomized_svd(x, 2, n_iter=1, random_state=0))
    svd_tall(np.random.default_rng(0).standard_normal((300, 20)), True, False)


def _rss_mib():
    import psutil
    return psutil.Process().memory_info().rss / 2**20


def thin_svd(peer, x):
    if peer == "fastsvd":
        return fd.svd(x)
    return da.linalg.svd(x)


def randomized(peer, x):
    if peer == "fastsvd":
        return fd.randomized_svd(x, RAND_K, n_iter=RAND_ITER, random_state=0)
    return da.linalg.svd_compressed(x, RAND_K, n_power_iter=RAND_ITER, seed=0,
                                    compute=False)


class _OnCluster:
    timeout = 900

    def _start(self, x):
        _warm()
        self.cluster, self.client = start_cluster()
        self.x = self.client.persist(x)
        distributed.wait(self.x)

    def teardown(self, *args):
        self.client.close()
        self.cluster.close()

    def _run(self, results):
        out = self.client.persist(list(results))
        distributed.wait(out)
        return out


class DistributedThinSVD(_OnCluster):
    """200000 x 100, 8 row chunks, 2 worker processes: fastsvd TSQR vs dask's tsqr."""
    params = [["fastsvd", "dask"]]
    param_names = ["peer"]

    def setup(self, peer):
        self._start(gaussian_matrix(THIN_SHAPE, THIN_CHUNKS))

    def time_svd(self, peer):
        self._run(thin_svd(peer, self.x))

    def track_sigma_error(self, peer):
        """max |s - s_numpy| / s_1 in units of eps (s_numpy: numpy's svd of the gathered A)."""
        s = self.client.compute(thin_svd(peer, self.x)[1], sync=True)
        ref = np.linalg.svd(self.x.compute(), compute_uv=False)
        return float(np.abs(s - ref).max() / ref[0] / np.finfo(float).eps)
    track_sigma_error.unit = "eps sigma_1"


class DistributedRandomized(_OnCluster):
    """20000 x 2000, sigma_i = exp(-i/10), k = 20, 4 power iterations, 8 row chunks."""
    params = [["fastsvd", "dask"]]
    param_names = ["peer"]

    def setup(self, peer):
        self.sigma = np.exp(-np.arange(RAND_SHAPE[1]) / 10.0)
        self._start(known_spectrum_matrix(self.sigma, RAND_SHAPE[0], 8))

    def time_randomized(self, peer):
        self._run(randomized(peer, self.x))

    def track_sigma_error(self, peer):
        """max_i |s_i - sigma_i| / sigma_1 over the k computed values."""
        s = self.client.compute(randomized(peer, self.x)[1], sync=True)
        return float(np.abs(s - self.sigma[:RAND_K]).max() / self.sigma[0])
    track_sigma_error.unit = "sigma_1"


class TallSVD:
    """Single machine: svd_tall (CholeskyQR2 + D&C of R) against numpy's gesdd."""
    params = [["fastsvd", "numpy"], ["200000x100", "100000x50"]]
    param_names = ["peer", "shape"]
    timeout = 900

    def setup(self, peer, shape):
        svd_tall(np.random.default_rng(0).standard_normal((300, 20)), True, False)
        m, n = map(int, shape.split("x"))
        self.A = np.random.default_rng(1).standard_normal((m, n))

    def _svd(self, peer):
        if peer == "fastsvd":
            U, s, Vt, info = svd_tall(self.A.copy(), True, False)
            return U, s, Vt
        return np.linalg.svd(self.A, full_matrices=False)

    def time_svd(self, peer, shape):
        self._svd(peer)

    def track_backward_error(self, peer, shape):
        U, s, Vt = self._svd(peer)
        R = self.A - (U * s) @ Vt
        return float(np.linalg.norm(R) / (np.linalg.norm(self.A) * max(self.A.shape)
                                           * np.finfo(float).eps))
    track_backward_error.unit = "max(m,n) eps"


# ----------------------------------------------------------------------------- one-shot table

def _alternate(make, peers, repeat):
    """Median seconds per peer, the peers timed alternately in the same process."""
    times = {p: [] for p in peers}
    for _ in range(repeat):
        for p in peers:
            t0 = time.perf_counter()
            make(p)
            times[p].append(time.perf_counter() - t0)
    return {p: float(np.median(v)) for p, v in times.items()}


def _cluster_case(name, make, fn, peers, repeat, accuracy):
    for peer in peers:
        # a fresh cluster per peer, so each worker's peak memory is its own
        cluster, client = start_cluster()
        try:
            x = client.persist(make())
            distributed.wait(x)
            distributed.wait(client.persist(list(fn(peer, x))))     # warm the workers
            acc = accuracy(client.compute(list(fn(peer, x)), sync=True))
            sampler = MemorySampler()
            with sampler.sample(peer, measure="process", interval=0.1):
                distributed.wait(client.persist(list(fn(peer, x))))
            idle = client.run(_rss_mib)
            peak = max(v for _, v in sampler.samples[peer]) / 2**20 / len(idle)
            print(f"  {name} {peer}: accuracy {acc:.3g}; process memory per worker: peak "
                  f"{peak:.0f} MiB during the factorization, {np.mean(list(idle.values())):.0f} "
                  f"MiB holding input and results (input {x.nbytes / 2**20 / 2:.0f} MiB "
                  f"per worker)")
        finally:
            client.close()
            cluster.close()
    # timing: both peers on one cluster, alternately
    cluster, client = start_cluster()
    try:
        x = client.persist(make())
        distributed.wait(x)
        for p in peers:
            distributed.wait(client.persist(list(fn(p, x))))

        def run(p):
            out = client.persist(list(fn(p, x)))
            distributed.wait(out)
            del out
        med = _alternate(run, peers, repeat)
    finally:
        client.close()
        cluster.close()
    print(f"  {name}: " + ", ".join(f"{p} {t * 1000:.0f} ms" for p, t in med.items())
          + f", ratio fastsvd/{peers[1]} {med['fastsvd'] / med[peers[1]]:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["tall", "thin", "randomized"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["tall", "thin", "randomized"])
    _warm()
    eps = np.finfo(float).eps
    if "tall" in only:
        for shape in TallSVD.params[1]:
            b = TallSVD()
            b.setup("fastsvd", shape)
            err = {p: b.track_backward_error(p, shape) for p in ("fastsvd", "numpy")}
            med = _alternate(b._svd, ["fastsvd", "numpy"], args.repeat)
            print(f"  svd_tall {shape}: fastsvd {med['fastsvd'] * 1000:.0f} ms, numpy "
                  f"{med['numpy'] * 1000:.0f} ms, ratio {med['fastsvd'] / med['numpy']:.2f}; "
                  f"backward error {err['fastsvd']:.3g} / {err['numpy']:.3g} max(m,n) eps")
    if "thin" in only:
        ref = np.linalg.svd(gaussian_matrix(THIN_SHAPE, THIN_CHUNKS).compute(
            scheduler="synchronous"), compute_uv=False)

        def acc(r):
            return float(np.abs(r[1] - ref).max() / ref[0] / eps)
        _cluster_case("thin 200000x100 (sigma error in eps sigma_1)",
                      lambda: gaussian_matrix(THIN_SHAPE, THIN_CHUNKS), thin_svd,
                      ["fastsvd", "dask"], args.repeat, acc)
    if "randomized" in only:
        sigma = np.exp(-np.arange(RAND_SHAPE[1]) / 10.0)

        def acc(r):
            return float(np.abs(r[1] - sigma[:RAND_K]).max() / sigma[0])
        _cluster_case("randomized 20000x2000 k=20 (sigma error / sigma_1)",
                      lambda: known_spectrum_matrix(sigma, RAND_SHAPE[0], 8), randomized,
                      ["fastsvd", "dask"], args.repeat, acc)


if __name__ == "__main__":
    main()
