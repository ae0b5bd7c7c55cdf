"""Thread scaling of the batch and CV drivers: one call, 1 to N threads.

Three workloads, each at a fixed tol (the results are bitwise identical at
every thread count, so the precision is the same on every row):

- batch-gram: the batch problem of batch.py (n=2000, p=500, k targets, one
  alpha per target at alpha_max,k/20), ``Lasso(alpha=alphas).fit(X, Y)``,
  which takes the Gram route (one Q, one X^T Y, then the per-target solves).
  The solve phase alone is also timed (the call minus the Gram matrix and
  X^T Y, whose BLAS threads are not ours).
- batch-dense: the same with ``precompute=False`` (per-target dense kernels
  on X).
- cv: ``LassoCV(cv=5, alphas=30, alpha_per_target=True)`` on the dense-wide
  design of compare.py with 10 targets (50 fold paths), at --cv-tol.

Efficiency at t threads = time(1 thread) / (t * time(t threads)); medians of
--repeat runs.

    python benchmarks/batch_threads.py --threads 1,2 [--k 1000] [--repeat 3]
"""
import argparse
import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batch import make_batch  # noqa: E402
from compare import make_problem  # noqa: E402
from cv import make_targets  # noqa: E402

import fastpen  # noqa: E402


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--k-dense", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tol", type=float, default=5e-7)
    parser.add_argument("--cv-tol", type=float, default=1e-4)
    parser.add_argument("--workloads", default="batch-gram,batch-dense,cv")
    args = parser.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]
    chosen = args.workloads.split(",")
    work = {}
    if "batch-gram" in chosen or "batch-dense" in chosen:
        X, Y, alphas = make_batch(max(args.k, args.k_dense))
    if "batch-gram" in chosen:
        Xg, Yg, ag = X, Y[:, :args.k], alphas[:args.k]
        work["batch-gram"] = lambda t: fastpen.Lasso(alpha=ag, tol=args.tol, n_threads=t,
                                                     precompute="auto",
                                                     max_iter=100000).fit(Xg, Yg)
        n = Xg.shape[0]
        xm = Xg.mean(0)

        def shared_products(t):
            with threadpool_limits(limits=t, user_api="blas"):
                Q = Xg.T @ Xg - n * np.outer(xm, xm)
                return Q, Xg.T @ (Yg - Yg.mean(0))
        work["  (Gram + X^T Y only)"] = shared_products
    if "batch-dense" in chosen:
        Xd, Yd, ad = X, Y[:, :args.k_dense], alphas[:args.k_dense]
        work["batch-dense"] = lambda t: fastpen.Lasso(
            alpha=ad, tol=args.tol, n_threads=t, precompute=False,
            max_iter=100000).fit(Xd, Yd)
    if "cv" in chosen:
        Xw, yw, _ = make_problem("dense-wide")
        Yw = make_targets(Xw, yw, 10)
        work["cv"] = lambda t: fastpen.LassoCV(cv=5, alphas=30, tol=args.cv_tol, n_threads=t,
                                               alpha_per_target=True,
                                               max_iter=100000).fit(Xw, Yw)
    print(f"threads: {threads}, tol {args.tol:g}, k={args.k} (Gram), k={args.k_dense} "
          f"(dense), {os.cpu_count()} CPUs")
    for name, fn in work.items():
        fn(threads[0])                                   # warm-up
        base = None
        for t in threads:
            with threadpool_limits(limits=t, user_api="blas"):
                sec = median_time(lambda: fn(t), args.repeat)
            base = sec if base is None else base
            print(f"  {name:<22} {t:3d} threads {sec:9.4f} s  speed-up {base / sec:5.2f}  "
                  f"efficiency {base / (t * sec):5.2f}", flush=True)


if __name__ == "__main__":
    main()
