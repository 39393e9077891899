"""Recommender by matrix completion: fill the missing ratings with a low-rank matrix.

150 users rate 90 items through 4 hidden tastes (plus noise); each user rated
about 30% of the items, and 10% of those ratings are held out.  Two
classic iterations fill the rest, each step one SVD of the current guess:

* hard-impute: replace the missing entries by the best rank-k approximation
  (Eckart-Young, fastsvd.low_rank) of the filled matrix, and repeat;
* soft-impute (Mazumder, Hastie & Tibshirani 2010): the same with every singular
  value shrunk by lambda (s -> max(s - lambda, 0)), the nuclear-norm penalty.

The held-out RMSE is compared with the global-mean and item-mean baselines.
Run:  python examples/recommender.py
"""
import numpy as np

import fastsvd


def make_ratings(n_users=150, n_items=90, rank=4, observed=0.3, seed=0):
    rng = np.random.default_rng(seed)
    taste = rng.standard_normal((n_users, rank)) @ rng.standard_normal((rank, n_items))
    true = np.clip(3.2 + taste / rank ** 0.5 + 0.3 * rng.standard_normal(taste.shape), 1, 5)
    seen = rng.random(true.shape) < observed
    test = seen & (rng.random(true.shape) < 0.1)
    return true, seen & ~test, test


def impute(R, train, step, tol=1e-3, max_iter=100):
    """Fill, approximate, repeat until the guess moves by less than tol (relative)."""
    Z = np.zeros_like(R)
    for it in range(1, max_iter + 1):
        Z_new = step(np.where(train, R, Z))
        change = np.linalg.norm(Z_new - Z) / max(np.linalg.norm(Z_new), 1e-300)
        Z = Z_new
        if change < tol:
            break
    return Z, it


def hard_step(k):
    return lambda F: fastsvd.low_rank(F, k).approximation


def soft_step(lam):
    def step(F):
        U, s, Vh = fastsvd.svd(F, full_matrices=False)
        return (U * np.maximum(s - lam, 0.0)) @ Vh
    return step


def rmse(pred, true, mask):
    return float(np.sqrt(np.mean((pred[mask] - true[mask]) ** 2)))


def main(k=4, lam=2.0):
    true, train, test = make_ratings()
    mu = true[train].mean()
    R = np.where(train, true - mu, 0.0)                  # centred ratings, 0 = unknown
    counts = np.maximum(train.sum(axis=0), 1)
    item_mean = mu + R.sum(axis=0) / counts
    hard, hard_iters = impute(R, train, hard_step(k))
    soft, soft_iters = impute(R, train, soft_step(lam))
    hard, soft = np.clip(mu + hard, 1, 5), np.clip(mu + soft, 1, 5)
    return {"observed_fraction": float(train.mean()),
            "rmse_global_mean": rmse(np.full_like(true, mu), true, test),
            "rmse_item_mean": rmse(np.broadcast_to(item_mean, true.shape), true, test),
            "rmse_hard_impute": rmse(hard, true, test),
            "rmse_soft_impute": rmse(soft, true, test),
            "iterations": (hard_iters, soft_iters)}


if __name__ == "__main__":
    out = main()
    print(f"training ratings: {out['observed_fraction']:.1%} of the matrix")
    for name in ("global_mean", "item_mean", "hard_impute", "soft_impute"):
        print(f"held-out RMSE, {name.replace('_', ' '):12s}: {out['rmse_' + name]:.3f}")
