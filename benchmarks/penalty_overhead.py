"""Cost of penalty factors, box constraints and standardisation (glmnet parity).

Each option is set so that the problem, hence the work, stays the same —
factors of 1, a box wider than the solution, standardisation of columns that
already have unit standard deviation — so any time difference is the cost of
the code path itself.  Dense problem of benchmarks/compare.py, lasso at
alpha_max/20, tol=1e-6, single-threaded, runs interleaved, median of --repeat.

    python benchmarks/penalty_overhead.py
"""
import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import fastpen  # noqa: E402
from fastpen.datasets import make_correlated_regression  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args(argv)
    X, y, _ = make_correlated_regression(1000, 5000, rho=0.6, n_nonzero=50)
    X = np.asfortranarray((X - X.mean(0)) / X.std(0))   # unit sd: standardize is a no-op
    p = X.shape[1]
    alpha = float(np.max(np.abs(X.T @ (y - y.mean())))) / X.shape[0] / 20
    variants = {
        "default": {},
        "penalty_factor=ones": dict(penalty_factor=np.ones(p)),
        "box [-1e6, 1e6]": dict(lower_bounds=-1e6, upper_bounds=1e6),
        "standardize=True": dict(standardize=True),
        "all three": dict(penalty_factor=np.ones(p), lower_bounds=-1e6, upper_bounds=1e6,
                          standardize=True),
    }
    times = {name: [] for name in variants}
    results = {}
    for _ in range(args.repeat):
        for name, kw in variants.items():
            start = time.perf_counter()
            res = fastpen.lasso_path(X, y, alphas=[alpha], tol=1e-6, n_threads=1, **kw)
            times[name].append(time.perf_counter() - start)
            results[name] = res
    base = np.median(times["default"])
    print(f"dense 1000x5000, alpha_max/20, tol 1e-6, 1 thread, median of {args.repeat}")
    for name in variants:
        med = np.median(times[name])
        diff = np.abs(results[name].coefs - results["default"].coefs).max()
        print(f"  {name:<22} {med * 1e3:7.1f} ms  {100 * (med / base - 1):+5.1f} %  "
              f"(sweeps {results[name].n_iter[0]}, max |coef diff| {diff:.1e})")


if __name__ == "__main__":
    main()
