"""The one decorator every kernel uses, and the threading layer.

Every kernel is compiled with ``cache=True`` (the first call in a fresh process
loads machine code from ``__pycache__`` instead of compiling), ``fastmath=False``
(it would drop NaN checks and reorder the careful sums the accuracy bounds rest
on; ``tests/test_style.py`` fails if any kernel turns it on), ``nogil=True`` (so
several Python threads can run kernels at once) and ``error_model="numpy"``
(division by zero gives inf/nan instead of raising inside a kernel).

One specialization per argument type, not per constant
------------------------------------------------------
When a kernel calls another with a constant (``gemm(..., False, True)``,
``bdsdc_rows(..., True, 25, ...)``), Numba types the constants as literals and
compiles the callee once per distinct value: measured on the first SVD of a
50 x 30 matrix, 82 functions and 84 s cold, with ``gemm`` compiled five times
and every divide-and-conquer kernel twice (``compute_uv`` True and False).  No
kernel here needs a literal argument to type-check, so :class:`_Dispatcher`
erases literal types at kernel-to-kernel calls: each kernel is compiled once
per dtype and layout.  Calls from Python were never literal.
"""
import numba
from numba.core import types
from numba.core.registry import CPUDispatcher

#: Numba's default ``workqueue`` layer is not safe when two Python threads run
#: parallel kernels at once; ``threadsafe`` picks TBB or OpenMP, whichever is
#: installed (OpenMP ships with GCC, so it always exists on Linux).  This must be
#: set before the first parallel kernel runs, hence at import of this module.
if numba.config.THREADING_LAYER == "default":
    numba.config.THREADING_LAYER = "threadsafe"


class _Dispatcher(CPUDispatcher):
    """Numba's CPU dispatcher, typing calls from other kernels without literals."""

    def get_call_template(self, args, kws):
        args = tuple(types.unliteral(a) for a in args)
        kws = {k: types.unliteral(v) for k, v in kws.items()}
        return super().get_call_template(args, kws)


_OPTIONS = dict(nopython=True, fastmath=False, nogil=True, error_model="numpy")


def _make(parallel):
    options = dict(_OPTIONS, parallel=True) if parallel else dict(_OPTIONS)

    def decorate(func):
        disp = _Dispatcher(py_func=func, locals={}, targetoptions=dict(options))
        disp.enable_caching()
        return disp
    return decorate


#: serial kernel: ``@njit(cache=True, fastmath=False, nogil=True, error_model="numpy")``
kernel = _make(parallel=False)
#: kernel with ``prange`` loops, used only where a parallel loop pays on 2 cores
parallel_kernel = _make(parallel=True)
