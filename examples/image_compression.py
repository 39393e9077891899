"""Image compression by truncated SVD: PSNR against storage, rank by rank.

An m x n grey image kept as its best rank-k approximation needs k (m + n + 1)
numbers instead of m n.  By Eckart-Young the squared error of that approximation
is the sum of the discarded s_i^2, so the PSNR at every rank comes from one SVD.

Run:  python examples/image_compression.py
"""
import numpy as np

import fastsvd


def synthetic_image(m=256, n=320, seed=0):
    """A deterministic test picture in [0, 1]: sky gradient, sun, hills, striped
    house and a little sensor noise (no download needed)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:m, 0:n] / np.array([m, n])[:, None, None]
    img = 0.35 + 0.5 * (1 - y)                                         # sky
    img = np.where((x - 0.75) ** 2 + (y - 0.25) ** 2 < 0.01, 0.95, img)  # sun
    hills = 0.65 + 0.08 * np.sin(9 * x) + 0.05 * np.cos(23 * x)
    img = np.where(y > hills, 0.25 + 0.1 * np.sin(40 * x * y), img)    # hills
    house = (x > 0.2) & (x < 0.4) & (y > 0.5) & (y < 0.8)
    img = np.where(house, 0.6 + 0.2 * (np.floor(y * 40) % 2), img)     # striped wall
    return np.clip(img + 0.02 * rng.standard_normal((m, n)), 0, 1)


def psnr(mse, peak=1.0):
    return 10 * np.log10(peak ** 2 / mse)


def main(ranks=(1, 2, 5, 10, 20, 40, 80)):
    img = synthetic_image()
    m, n = img.shape
    U, s, Vh = fastsvd.svd(img, full_matrices=False)
    rows = []
    for k in ranks:
        # Eckart-Young: ||A - A_k||_F^2 = sum of the tail s_i^2
        mse_predicted = np.sum(s[k:] ** 2) / (m * n)
        approx = (U[:, :k] * s[:k]) @ Vh[:k]
        mse = np.mean((img - np.clip(approx, 0, 1)) ** 2)   # clipping can only help
        rows.append((k, k * (m + n + 1) / (m * n), psnr(mse), psnr(mse_predicted)))
    # the same through fastsvd.low_rank, which reports the errors itself
    best = fastsvd.low_rank(img, 20)
    return {"ranks": [r[0] for r in rows], "storage": [r[1] for r in rows],
            "psnr": [r[2] for r in rows], "psnr_predicted": [r[3] for r in rows],
            "psnr_low_rank_20": psnr(best.error_fro ** 2 / (m * n))}


if __name__ == "__main__":
    out = main()
    print(" rank  storage  PSNR(dB)  Eckart-Young PSNR")
    for k, st, p, pp in zip(out["ranks"], out["storage"], out["psnr"], out["psnr_predicted"]):
        print(f"{k:5d}  {st:6.1%}  {p:8.2f}  {pp:8.2f}")
    print(f"low_rank(img, 20): {out['psnr_low_rank_20']:.2f} dB")
