"""The one decorator every kernel uses, its cache, and the threading layer.

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
import hashlib
import pathlib

import numba
from numba.core import caching, types
from numba.core.registry import CPUDispatcher

#: Numba's default ``workqueue`` layer is not safe when two Python threads run
#: parallel kernels at once; ``threadsafe`` picks TBB or OpenMP, whichever is
#: installed (OpenMP ships with GCC, so it always exists on Linux).  This must be
#: set before the first parallel kernel runs, hence at import of this module.
if numba.config.THREADING_LAYER == "default":
    numba.config.THREADING_LAYER = "threadsafe"


def _package_stamp(root=None):
    """SHA-256 of every source file of the package (or of ``root``), in path order."""
    root = pathlib.Path(__file__).resolve().parent if root is None else pathlib.Path(root)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


#: Freshness stamp of every kernel's cache entry (see :class:`_PackageCache`).
PACKAGE_STAMP = _package_stamp()


class _PackageStamp:
    """Locator mixin: a cache entry is fresh only for the package's current sources."""

    def get_source_stamp(self):
        return PACKAGE_STAMP


class _InTree(_PackageStamp, caching.InTreeCacheLocator):
    pass


class _UserWide(_PackageStamp, caching.UserWideCacheLocator):
    pass


class _UserProvided(_PackageStamp, caching.UserProvidedCacheLocator):
    pass


class _PackageCacheImpl(caching.CompileResultCacheImpl):
    _locator_classes = [_UserProvided, _InTree, _UserWide]


class _PackageCache(caching.FunctionCache):
    """Numba's on-disk cache, invalidated by a change to any file of the package.

    Numba stamps a cached function with the hash of its own source file only.
    A kernel's machine code also contains the kernels it calls from other files,
    so after an edit (or an upgrade) of a callee the caller's cached code would
    be stale: measured here, a 1000 x 1000 SVD ran 4x slower with an old
    bidiagonalization linked into a cached driver.  One stamp for the whole
    package (computed once at import, a few milliseconds) rules that out.
    """
    _impl_class = _PackageCacheImpl


class _Dispatcher(CPUDispatcher):
    """Numba's CPU dispatcher, typing calls from other kernels without literals."""

    def enable_caching(self):
        self._cache = _PackageCache(self.py_func)

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
