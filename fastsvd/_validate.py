"""Input validation shared by every entry point: one function per concern,
each returning normalised values or raising an error that names the problem."""
import os

import numpy as np

from ._errors import LinAlgError, NonFiniteError

#: numpy kinds a float64 result is computed for (bool, signed, unsigned, float)
_REAL_KINDS = "biuf"


def working_dtype(dtype):
    """The floating dtype the kernels run in: float32 stays, other reals -> float64.

    Raises ``TypeError`` for object, string and other non-numeric dtypes, for
    float16 and long double (as numpy.linalg does), and ``NotImplementedError``
    for complex input (the kernels are dtype-generic; complex is not wired yet).
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise NotImplementedError(
            f"complex input ({dtype}) is not supported yet; fastsvd computes real SVDs")
    if dtype.kind not in _REAL_KINDS:
        raise TypeError(f"array type {dtype} is unsupported: fastsvd needs real numbers "
                        "(bool, integer, float32 or float64)")
    if dtype == np.float32:
        return np.dtype(np.float32)
    if dtype.kind == "f" and dtype.itemsize not in (4, 8):
        raise TypeError(f"array type {dtype} is unsupported in linalg")
    return np.dtype(np.float64)


def as_matrix_stack(a):
    """``np.asarray(a)`` with at least two dimensions (numpy's LinAlgError otherwise)."""
    if type(a).__module__.startswith("scipy.sparse"):
        raise TypeError(f"fastsvd.svd needs a dense array, got {type(a).__name__}: use "
                        "fastsvd.svds(A, k) for a few singular triplets of a sparse matrix or "
                        "LinearOperator, or pass A.toarray() for all of them")
    a = np.asarray(a)
    if a.ndim < 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least "
                          "two-dimensional")
    return a


def check_finite(a, name="array"):
    """Raise :class:`NonFiniteError` (a ``ValueError``) if ``a`` has a NaN or an Inf."""
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        what = "NaN" if np.isnan(a).any() else "Inf"
        raise NonFiniteError(f"{name} must not contain infs or NaNs (found {what}); "
                             "pass check_finite=False only if you know it has none")


def available_memory():
    """Bytes of memory available to this process, or ``None`` if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(nbytes, what, advice):
    """Raise ``MemoryError`` before allocating if ``nbytes`` cannot fit."""
    avail = available_memory()
    if avail is not None and nbytes > avail:
        raise MemoryError(f"{what} needs about {nbytes / 2**30:.1f} GiB, but only "
                          f"{avail / 2**30:.1f} GiB of memory is available. {advice}")
