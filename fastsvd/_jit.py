"""The one decorator every kernel uses, and the threading layer.

Every kernel is compiled with ``cache=True`` (the first call in a fresh process
loads machine code from ``__pycache__`` instead of compiling), ``fastmath=False``
(it would drop NaN checks and reorder the careful sums the accuracy bounds rest
on; ``tests/test_style.py`` fails if any kernel turns it on), ``nogil=True`` (so
several Python threads can run kernels at once) and ``error_model="numpy"``
(division by zero gives inf/nan instead of raising inside a kernel).
"""
import numba

#: Numba's default ``workqueue`` layer is not safe when two Python threads run
#: parallel kernels at once; ``threadsafe`` picks TBB or OpenMP, whichever is
#: installed (OpenMP ships with GCC, so it always exists on Linux).  This must be
#: set before the first parallel kernel runs, hence at import of this module.
if numba.config.THREADING_LAYER == "default":
    numba.config.THREADING_LAYER = "threadsafe"

_OPTIONS = dict(cache=True, fastmath=False, nogil=True, error_model="numpy")

#: serial kernel
kernel = numba.njit(**_OPTIONS)
#: kernel with ``prange`` loops, used only where a parallel loop pays on 2 cores
parallel_kernel = numba.njit(parallel=True, **_OPTIONS)
