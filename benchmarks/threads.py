"""Thread scaling of one fit, and proof that results do not depend on the thread count.

Inside one fit only the O(n p) scans (gap, optimality checks, column
statistics) run in parallel; coordinate sweeps are sequential, so the speed-up
of a whole fit is bounded by the share of time spent in scans.

    python benchmarks/threads.py [--threads 1,2,4,8,16]
"""
import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

import fastpen
from fastpen import _cd
from fastpen.datasets import make_correlated_regression, make_sparse_regression


def median_time(f, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--p", type=int, default=20000)
    args = parser.parse_args(argv)
    counts = [int(t) for t in args.threads.split(",")]
    fastpen.show_config()
    print(f"usable cores: {len(os.sched_getaffinity(0))}\n")

    X, y, _ = make_correlated_regression(args.n, args.p, rho=0.6, n_nonzero=50)
    Xs, ys, _ = make_sparse_regression(20000, 100000, nnz_per_row=60)
    problems = {f"dense {args.n}x{args.p}": (X, y), "sparse 20000x100000": (Xs, ys)}
    r = np.random.default_rng(0).standard_normal(args.n)
    empty, zeros = np.empty(0), np.zeros(args.p)

    with threadpool_limits(limits=1):
        base_scan = None
        print(f"{'threads':>7} {'scan GB/s':>10} {'speed-up':>8}")
        for t in counts:
            sec, _ = median_time(lambda: _cd.dense_xt_r(X, empty, zeros, r, t), 7)
            base_scan = base_scan or sec
            print(f"{t:7d} {X.nbytes / sec / 1e9:10.1f} {base_scan / sec:8.2f}")
        print()
        for name, (A, b) in problems.items():
            alpha = float(np.max(np.abs(A.T @ (b - b.mean())))) / A.shape[0] / 20
            base, ref = None, None
            print(f"{name}, lasso at alpha_max/20, tol=1e-6")
            for t in counts:
                fit = lambda: fastpen.lasso_path(A, b, alphas=[alpha], tol=1e-6,  # noqa: E731
                                                 n_threads=t)
                sec, res = median_time(fit, args.repeat)
                base = base or sec
                ref = res.coefs[0] if ref is None else ref
                same = np.array_equal(res.coefs[0], ref)
                print(f"  {t:3d} threads: {sec * 1e3:8.1f} ms  speed-up {base / sec:5.2f}  "
                      f"coef bitwise equal to 1 thread: {same}")
                if not same:
                    raise SystemExit("results depend on the thread count")
            print()


if __name__ == "__main__":
    main()
