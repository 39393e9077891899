"""fastsvd: singular value decompositions computed by Numba-compiled kernels.

Drop-in replacements for ``numpy.linalg.svd`` / ``scipy.linalg.svd``
(:func:`svd`, :func:`svdvals`), with the algorithm chosen by a dispatcher that
can say why (:func:`plan`).  The kernels are also callable from your own
``@numba.njit`` code under the same names.
"""
from . import _jit  # noqa: F401  (sets the thread-safe threading layer first)
from ._api import SVDInfo, SVDResult, plan, svd, svdvals
from ._errors import LinAlgError, NoConvergenceError, NonFiniteError
from .truncated import randomized_svd, svds
from .derived import (LowRankResult, PCAResult, Subspaces, TLSResult, cond,
                      fundamental_subspaces, low_rank, lstsq, matrix_rank, nuclear_norm,
                      null_space, orth, orthogonal_procrustes, pca, pinv, spectral_norm,
                      total_least_squares)
from . import _numba_api  # noqa: F401  (registers the @njit overloads)

__version__ = "0.1.0"

__all__ = [
    "svd", "svdvals", "plan", "svds", "randomized_svd",
    "pinv", "lstsq", "matrix_rank", "null_space", "orth", "fundamental_subspaces",
    "cond", "spectral_norm", "nuclear_norm", "low_rank", "orthogonal_procrustes",
    "total_least_squares", "pca",
    "LowRankResult", "Subspaces", "TLSResult", "PCAResult",
    "SVDResult", "SVDInfo",
    "LinAlgError", "NonFiniteError", "NoConvergenceError",
]
