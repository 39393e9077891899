"""Print the README's performance table: fastsvd against its peers, medians, ratios.

It runs the same asv benchmark classes (``benchmarks/bench_*.py``) without asv:
every class whose first parameter is ``impl`` (or ``peer``) is timed for each value of its
other parameters, each implementation after its ``setup`` (which warms the
JIT), as the median of repeated calls, and the ratio fastsvd / peer is
printed.  Below 1 means fastsvd is faster.

    python benchmarks/report.py                    # everything (tens of minutes)
    python benchmarks/report.py --filter DenseSVD --filter 1000x1000
    python benchmarks/report.py --compile          # first-call times, cold and warm cache
    python benchmarks/report.py --threads 1 ...    # pin numba and BLAS to one thread

The header records the date, the machine and the library versions, so a table
pasted into the README says where it came from.  For asv's own runner:
``asv run --python=same --quick`` or ``asv continuous``.
"""
import argparse
import datetime
import importlib
import itertools
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def machine():
    cpu = platform.processor() or "unknown cpu"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba
    import numpy
    import scipy
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, scipy {scipy.__version__}, numba {numba.__version__}")


def median_time(fn, repeat, budget):
    """Median of up to ``repeat`` calls, fewer if they exceed ``budget`` seconds."""
    times = []
    start = time.perf_counter()
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget and len(times) >= 3:
            break
    times.sort()
    return times[len(times) // 2]


def discover(filters):
    sys.path.insert(0, str(ROOT))
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        mod = importlib.import_module(f"benchmarks.{path.stem}")
        for name, cls in vars(mod).items():
            if not isinstance(cls, type) or \
                    getattr(cls, "param_names", [None])[0] not in ("impl", "peer"):
                continue
            impls, *rest = cls.params
            for combo in itertools.product(*rest):
                label = f"{path.stem}.{name}[{', '.join(map(str, combo))}]"
                if all(f in label for f in filters):
                    yield label, cls, impls, combo


def run_table(filters, repeat, budget):
    rows = []
    for label, cls, impls, combo in discover(filters):
        times = {}
        tracked = {}
        for impl in impls:
            obj = cls()
            try:
                if hasattr(obj, "setup"):
                    obj.setup(impl, *combo)
            except NotImplementedError:
                continue
            for meth in sorted(m for m in dir(obj) if m.startswith("time_")):
                fn = getattr(obj, meth)
                times[(meth, impl)] = median_time(lambda: fn(impl, *combo), repeat, budget)
            for meth in sorted(m for m in dir(obj) if m.startswith("track_")):
                tracked[(meth, impl)] = getattr(obj, meth)(impl, *combo)
        for meth in sorted({m for m, _ in tracked}):
            # accuracy beside speed: the tracked value of every implementation
            cells = ", ".join(f"{i} {tracked[(meth, i)]:.3g}" for i in impls
                              if (meth, i) in tracked)
            row = f"| {label}.{meth} | | {cells} |"
            print(row, flush=True)
            rows.append(row)
        for meth in sorted({m for m, _ in times}):
            if (meth, "fastsvd") not in times:
                continue
            tf = times[(meth, "fastsvd")]
            peers = [(i, times[(meth, i)]) for i in impls if i != "fastsvd" and (meth, i) in times]
            cells = "; ".join(f"{i} {t * 1e3:.1f} ms, ratio **{tf / t:.2f}**" for i, t in peers)
            row = f"| {label}.{meth} | {tf * 1e3:.1f} ms | {cells} |"
            print(row, flush=True)
            rows.append(row)
    return rows


def first_call_times():
    """Seconds for a fresh process to import and finish a first 50 x 30 SVD (and a
    first 60 x 50 ``accuracy="relative"`` one: Jacobi with its D&C preconditioner)."""
    code = ("import time; t = time.perf_counter(); import numpy as np; import {lib}; "
            "A = np.random.default_rng(0).standard_normal((50, 30)); "
            "B = np.random.default_rng(0).standard_normal((60, 50)); {call}; "
            "print(time.perf_counter() - t)")

    def run(lib, call, env):
        out = subprocess.run([sys.executable, "-c", code.format(lib=lib, call=call)],
                             env=env, capture_output=True, text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])

    results = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        results["fastsvd, cold cache (compiles)"] = run("fastsvd", "fastsvd.svd(A)", env)
        warm = sorted(run("fastsvd", "fastsvd.svd(A)", env) for _ in range(5))
        results["fastsvd, warm cache (median of 5)"] = warm[2]
        jac = 'fastsvd.svd(B, accuracy="relative")'
        results["fastsvd 60 x 50 accuracy='relative', cold cache"] = run("fastsvd", jac, env)
        warm = sorted(run("fastsvd", jac, env) for _ in range(5))
        results["fastsvd 60 x 50 accuracy='relative', warm cache (median of 5)"] = warm[2]
    nump = sorted(run("numpy.linalg", "numpy.linalg.svd(A)", dict(os.environ)) for _ in range(5))
    results["numpy (median of 5)"] = nump[2]
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--filter", action="append", default=[], help="substring of the label")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per measurement")
    ap.add_argument("--threads", type=int, help="NUMBA_NUM_THREADS and OPENBLAS_NUM_THREADS")
    ap.add_argument("--compile", action="store_true", help="first-call times only")
    args = ap.parse_args()
    if args.threads and os.environ.get("_FASTSVD_REPORT_CHILD") != "1":
        env = dict(os.environ, NUMBA_NUM_THREADS=str(args.threads),
                   OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
                   _FASTSVD_REPORT_CHILD="1")
        sys.exit(subprocess.call([sys.executable] + sys.argv, env=env))
    threads = os.environ.get("NUMBA_NUM_THREADS", str(os.cpu_count()))
    print(f"Measured {datetime.date.today().isoformat()} on {machine()}, {threads} thread(s); "
          f"`python benchmarks/report.py {' '.join(sys.argv[1:])}`\n")
    if args.compile:
        print("| first call in a fresh process | seconds |\n|---|---|")
        for k, v in first_call_times().items():
            print(f"| {k} | {v:.2f} |")
        return
    print("| benchmark | fastsvd | peers (time, fastsvd/peer) |\n|---|---|---|")
    run_table(args.filter, args.repeat, args.budget)


if __name__ == "__main__":
    main()
