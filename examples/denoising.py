"""Denoising by singular value hard thresholding: where to cut the spectrum.

Y = X + sigma Z: a rank-5 signal X plus Gaussian noise.  The noise singular values
fill the Marchenko-Pastur bulk, whose edge is sigma (sqrt(m) + sqrt(n)).  The
fifth direction of X pokes just out of the bulk: detectable, but its singular
vectors are so noisy that keeping it hurts.  Gavish & Donoho (2014) give the
optimal hard threshold, lambda*(beta) sqrt(m) sigma for known sigma and
omega(beta) median(s) for unknown sigma; it drops that direction and matches the
best rank an oracle (who knows X) would choose, where the bulk edge does not.
Run:  python examples/denoising.py
"""
import numpy as np

import fastsvd


def gavish_donoho_lambda(beta):
    """lambda*(beta): optimal threshold / (sqrt(m) sigma), beta = n / m <= 1 (known noise)."""
    return np.sqrt(2 * (beta + 1) + 8 * beta / (beta + 1 + np.sqrt(beta ** 2 + 14 * beta + 1)))


def gavish_donoho_omega(beta):
    """omega(beta): threshold / median singular value for unknown noise (GD's cubic fit)."""
    return 0.56 * beta ** 3 - 0.95 * beta ** 2 + 1.82 * beta + 1.43


def make_problem(m=300, n=200, sigma=1.0, strengths=(100, 80, 60, 45, 22), seed=0):
    rng = np.random.default_rng(seed)
    P = fastsvd.svd(rng.standard_normal((m, len(strengths))), full_matrices=False).U
    Q = fastsvd.svd(rng.standard_normal((n, len(strengths))), full_matrices=False).U
    X = (P * np.array(strengths, float)) @ Q.T
    return X, X + sigma * rng.standard_normal((m, n)), sigma


def main():
    X, Y, sigma = make_problem()
    m, n = Y.shape
    beta = n / m
    U, s, Vh = fastsvd.svd(Y, full_matrices=False)

    def truncate(r):
        return (U[:, :r] * s[:r]) @ Vh[:r]

    def error(r):
        return float(np.linalg.norm(truncate(r) - X) / np.linalg.norm(X))

    cuts = {"marchenko_pastur_edge": sigma * (np.sqrt(m) + np.sqrt(n)),
            "gavish_donoho_known_sigma": gavish_donoho_lambda(beta) * np.sqrt(m) * sigma,
            "gavish_donoho_unknown_sigma": gavish_donoho_omega(beta) * np.median(s)}
    ranks = {name: int(np.count_nonzero(s > tau)) for name, tau in cuts.items()}
    oracle = min(range(21), key=error)
    return {"noisy_error": float(np.linalg.norm(Y - X) / np.linalg.norm(X)),
            "thresholds": {k: float(v) for k, v in cuts.items()}, "ranks": ranks,
            "errors": {name: error(r) for name, r in ranks.items()},
            "oracle_rank": oracle, "oracle_error": error(oracle),
            "top_singular_values": s[:7].tolist()}


if __name__ == "__main__":
    out = main()
    print("top singular values of Y:", " ".join(f"{v:.1f}" for v in out["top_singular_values"]))
    print(f"noisy data: relative error {out['noisy_error']:.3f}")
    for name, tau in out["thresholds"].items():
        print(f"{name:28s} cut {tau:6.2f}: rank {out['ranks'][name]}, "
              f"relative error {out['errors'][name]:.3f}")
    print(f"{'oracle (best rank)':28s}            rank {out['oracle_rank']}, "
          f"relative error {out['oracle_error']:.3f}")
