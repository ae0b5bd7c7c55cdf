"""The batch's per-target statistics (issue 17) against the BLAS products they replaced.

A multi-target fit needs, per target, its mean and X~^T S (y - ybar) (its
alpha_max, and its right-hand side in Gram mode).  Computed before by NumPy
reductions and a DGEMM on the whole of Y, a target's numbers changed in the
last bits with the other targets and the layout of Y (and its path, at the
default tol, by up to the tolerance); ``fastpen._batch.target_means`` and
``target_products`` sum over one target in a fixed order.  This times both,
interleaved in one process, on benchmarks/batch.py's data (X 2000 x 500,
k targets), with BLAS at one thread as in the fits; medians and minima of
``--repeat`` runs, in milliseconds.

    python benchmarks/target_products.py [--k 1000] [--repeat 15]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batch import make_batch  # noqa: E402

from fastpen import _batch  # noqa: E402
from fastpen._gram import _BLOCK, _blocked  # noqa: E402
from fastpen._threads import blas_limited  # noqa: E402


def blas_route(X, Y, x_mean, n_threads):
    """Y's means and X~^T (Y - ybar) as fastpen computed them before issue 17: a NumPy
    reduction and one GEMM on uncentred X and Y by blocks of 128 targets, centred by a
    rank-one correction."""
    n, k = Y.shape
    y_mean = Y.sum(axis=0) / n
    GT = np.empty((k, X.shape[1]))

    def rows(start):
        stop = min(start + _BLOCK, k)
        np.matmul(Y[:, start:stop].T, X, out=GT[start:stop])
    _blocked(rows, range(0, k, _BLOCK), n_threads)
    GT -= n * np.outer(y_mean, x_mean)
    return y_mean, GT


def per_target_route(X, Y, x_mean, n_threads):
    """The same from fastpen._batch (Y in Fortran order, as the batch holds it)."""
    empty = np.empty(0)
    y_mean = _batch.target_means(Y.T, empty, n_threads)
    return y_mean, _batch.target_products(X, Y.T, y_mean, empty, x_mean, n_threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    X, Y, _ = make_batch(args.k)
    X, Y = np.asfortranarray(X), np.asfortranarray(Y)
    x_mean = X.mean(axis=0)
    a, b = blas_route(X, Y, x_mean, 1)[1], per_target_route(X, Y, x_mean, 1)[1]
    print(f"largest difference, relative to max |X~^T Y|: "
          f"{np.abs(a - b).max() / np.abs(b).max():.1e}  (fused multiply-adds: "
          f"{_batch.product_fused()})")
    threads = [int(t) for t in args.threads.split(",")]
    times = {}
    with blas_limited(True):
        for _ in range(args.repeat):
            for name, route in (("BLAS (before)", blas_route), ("per target", per_target_route)):
                for nt in threads:
                    start = time.perf_counter()
                    route(X, Y, x_mean, nt)
                    times.setdefault((name, nt), []).append(time.perf_counter() - start)
    print(f"| route (n={X.shape[0]}, p={X.shape[1]}, k={args.k}) | threads | median | min |")
    print("| --- | --- | --- | --- |")
    for (name, nt), v in times.items():
        print(f"| {name} | {nt} | {1e3 * np.median(v):.1f} ms | {1e3 * min(v):.1f} ms |")


if __name__ == "__main__":
    main()
