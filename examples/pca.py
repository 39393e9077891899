"""Principal component analysis: find the few directions that carry the data.

Three groups of 20-dimensional measurements differ only along a hidden 2-D
plane, plus isotropic noise.  PCA (the SVD of the centred data) finds the plane:
two components explain most of the variance, the groups separate in the 2-D
scores, and the rest of the spectrum is flat noise.  Run:  python examples/pca.py
"""
import numpy as np

import fastsvd


def make_data(n_per_group=150, n_features=20, noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    # a random 2-D plane in R^20 (orthonormal basis from fastsvd's own SVD)
    plane = fastsvd.svd(rng.standard_normal((n_features, 2)), full_matrices=False).U
    centres = np.array([[-4.0, 0.0], [4.0, 1.0], [0.0, 5.0]])
    labels = np.repeat(np.arange(3), n_per_group)
    latent = centres[labels] + rng.standard_normal((labels.size, 2))
    X = latent @ plane.T + noise * rng.standard_normal((labels.size, n_features)) + 10.0
    return X, labels, plane


def nearest_centroid_accuracy(Z, labels):
    """Nearest-centroid accuracy in the score space (fitted and scored on the same
    points): a measure of how well the groups separate."""
    centroids = np.array([Z[labels == g].mean(axis=0) for g in np.unique(labels)])
    guess = np.argmin(((Z[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    return float(np.mean(guess == labels))


def main():
    X, labels, plane = make_data()
    full = fastsvd.pca(X)                                 # every component
    two = fastsvd.pca(X, 2)
    # the plane found: angle between span(components) and the hidden plane
    sines = fastsvd.svdvals(plane - two.components.T @ (two.components @ plane))
    # how many components explain 90% of the variance (a float n_components)
    k90 = fastsvd.pca(X, 0.9).components.shape[0]
    recon = two.scores @ two.components + two.mean
    return {"explained_variance_ratio": full.explained_variance_ratio.tolist(),
            "components_for_90_percent": k90,
            "plane_angle_deg": float(np.degrees(np.arcsin(min(1.0, sines[0])))),
            "accuracy_2d": nearest_centroid_accuracy(two.scores, labels),
            "relative_reconstruction_error": float(
                np.linalg.norm(X - recon) / np.linalg.norm(X - two.mean))}


if __name__ == "__main__":
    out = main()
    evr = out["explained_variance_ratio"]
    print("explained variance ratio:", " ".join(f"{r:.3f}" for r in evr[:5]), "...")
    print(f"components for 90% of the variance: {out['components_for_90_percent']}")
    print(f"angle between the found and the hidden plane: {out['plane_angle_deg']:.2f} deg")
    print(f"nearest-centroid accuracy on 2 scores: {out['accuracy_2d']:.1%}")
    print(f"relative reconstruction error with 2 components: "
          f"{out['relative_reconstruction_error']:.3f}")
