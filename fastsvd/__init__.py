"""fastsvd: singular value decompositions computed by Numba-compiled kernels."""
