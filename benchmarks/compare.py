"""Time fastpen against its peers at one independently computed duality gap.

Protocol (../shared/BENCHMARKING.md): for every solver, walk its own ``tol`` down a
ladder and keep the first run whose answer reaches ``relative_gap <= target`` (our
float64 gap, benchmarks/gap.py); report the median of ``--repeat`` timings of that
run.  All solvers run side by side in this one process.

    python benchmarks/compare.py                 # single-threaded table
    python benchmarks/compare.py --threads all   # all cores for every solver
"""
import argparse
import os
import sys
import time

if __name__ == "__main__" and "--threads" in sys.argv:
    _threads = sys.argv[sys.argv.index("--threads") + 1]
else:
    _threads = "1"
if _threads == "1":  # before NumPy loads its BLAS and before any OpenMP runtime starts
    os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gap import relative_gap  # noqa: E402

import fastpen  # noqa: E402
from fastpen.datasets import make_correlated_regression, make_sparse_regression  # noqa: E402

TOL_LADDER = [10.0 ** -k for k in range(3, 13)]


def lasso_alpha_max(X, y):
    """max_j |x_j^T (y - mean y)| / n with centred columns (intercept fitted)."""
    y_c = y - y.mean()
    g = X.T @ y_c  # column means drop out because y_c sums to zero
    return float(np.max(np.abs(g))) / X.shape[0]


def problems(names):
    out = {}
    if "dense" in names:
        X, y, _ = make_correlated_regression(1000, 5000, rho=0.6, n_nonzero=50, snr=3.0)
        out["dense 1000x5000 rho=0.6"] = (X, y)
    if "sparse" in names:
        X, y, _ = make_sparse_regression(20000, 100000, nnz_per_row=60)
        out["sparse 20000x100000 text-like"] = (X, y)
    return out


def solvers(n_threads):
    """name -> fit(X, y, alpha, tol) returning float64 coefficients."""
    def fit_fastpen(X, y, alpha, tol):
        res = fastpen.lasso_path(X, y, alphas=[alpha], tol=tol, max_iter=100000,
                                 n_threads=n_threads)
        return res.coefs[0]

    def fit_sklearn(X, y, alpha, tol):
        from sklearn.linear_model import Lasso
        return Lasso(alpha=alpha, tol=tol, max_iter=100000).fit(X, y).coef_

    out = {"fastpen": fit_fastpen, "scikit-learn": fit_sklearn}
    try:
        import celer

        def fit_celer(X, y, alpha, tol):
            return celer.Lasso(alpha=alpha, tol=tol, max_iter=1000).fit(X, y).coef_
        out["celer"] = fit_celer
    except ImportError:
        pass
    try:
        import skglm

        def fit_skglm(X, y, alpha, tol):
            return skglm.Lasso(alpha=alpha, tol=tol, max_iter=1000).fit(X, y).coef_
        out["skglm"] = fit_skglm
    except ImportError:
        pass
    return out


def time_at_target(fit, X, y, alpha, target, repeat):
    """(median seconds, tol used, rel gap) of the first tol reaching the target."""
    best = np.inf
    for tol in TOL_LADDER:
        coef = fit(X, y, alpha, tol)
        rel = relative_gap(X, y, coef, alpha)
        best = min(best, rel)
        if rel <= target:
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                fit(X, y, alpha, tol)
                times.append(time.perf_counter() - start)
            return float(np.median(times)), tol, rel
    return None, None, best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1", choices=["1", "all"])
    parser.add_argument("--problems", default="dense,sparse")
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--alpha-ratio", type=float, default=20.0,
                        help="alpha = alpha_max / this (default 20)")
    args = parser.parse_args(argv)

    n_threads = 1 if args.threads == "1" else -1
    blas_limit = 1 if args.threads == "1" else None
    fastpen.show_config()
    print(f"threads: {args.threads}, target relative gap <= {args.target:g}, "
          f"median of {args.repeat}\n")
    fits = solvers(n_threads)
    with threadpool_limits(limits=blas_limit):
        for name, (X, y) in problems(args.problems.split(",")).items():
            alpha = lasso_alpha_max(X, y) / args.alpha_ratio
            for fit in fits.values():  # warm-up: numba compiles, caches fill
                fit(X, y, alpha, 1e-2)
            rows = {}
            for solver, fit in fits.items():
                rows[solver] = time_at_target(fit, X, y, alpha, args.target, args.repeat)
            reached = {s: r[0] for s, r in rows.items() if r[0] is not None and s != "fastpen"}
            fastest = min(reached, key=reached.get) if reached else None
            print(f"{name}, alpha = alpha_max/{args.alpha_ratio:g} = {alpha:.4g}")
            for solver, (sec, tol, rel) in rows.items():
                if sec is None:
                    print(f"  {solver:<14} did not reach (best rel. gap {rel:.2e})")
                    continue
                ratio = ""
                if solver == "fastpen" and fastest:
                    ratio = f"  {reached[fastest] / sec:5.2f}x faster than {fastest}"
                print(f"  {solver:<14} {sec * 1e3:9.1f} ms  (tol {tol:.0e}, rel. gap "
                      f"{rel:.1e}){ratio}")
            print()


if __name__ == "__main__":
    main()
