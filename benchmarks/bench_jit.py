"""Compile time, as the user meets it: a fresh Python process imports fastsvd
and finishes a first small SVD.

``timeraw_*`` benchmarks run their code in a new interpreter each time, so the
numba cache on disk (``cache=True``) is what is measured: warm after the first
run on a machine, which is the everyday case.  The cold first call (empty
cache) is measured by ``python benchmarks/report.py --compile``, which clears a
private cache directory first.
"""


class FirstCall:
    params = [["fastsvd", "numpy"]]
    param_names = ["impl"]
    timeout = 600

    def timeraw_import_and_first_svd(self, impl):
        if impl == "numpy":
            return """
import numpy as np
A = np.random.default_rng(0).standard_normal((50, 30))
np.linalg.svd(A)
"""
        return """
import numpy as np
import fastsvd
A = np.random.default_rng(0).standard_normal((50, 30))
fastsvd.svd(A)
"""
