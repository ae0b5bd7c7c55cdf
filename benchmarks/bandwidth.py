"""How close the dense kernels get to the memory bandwidth of one core.

A coordinate-descent epoch streams X once, so bytes of X per second is the
figure of merit.  Compared with the streaming read rate of one core measured
with BLAS ``ddot`` on an array of the same size (both single-threaded, X far
larger than the caches).

    python benchmarks/bandwidth.py [--n 2000 --p 20000]
"""
import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from fastpen import _cd  # noqa: E402


def best_of(f, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--p", type=int, default=20000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((args.n, args.p)))
    flat = X.reshape(-1, order="F")
    ones = np.ones_like(flat)
    r = rng.standard_normal(args.n)
    empty, zeros = np.empty(0), np.zeros(args.p)
    gb = X.nbytes / 1e9
    with threadpool_limits(limits=1):
        # ddot reads two arrays of X's size: count both
        t_dot = best_of(lambda: flat @ ones)
        t_scan = best_of(lambda: _cd.dense_xt_r(X, empty, zeros, r, 1))
    print(f"X: {args.n} x {args.p} float64 = {gb * 1e3:.0f} MB; times are best / median of 7")
    print(f"one core, BLAS ddot stream : {2 * gb / t_dot[0]:6.1f} GB/s "
          f"(median {2 * gb / t_dot[1]:.1f})")
    print(f"fastpen gap scan X^T r      : {gb / t_scan[0]:6.1f} GB/s "
          f"(median {gb / t_scan[1]:.1f}) = {100 * (gb / t_scan[0]) / (2 * gb / t_dot[0]):.0f}%"
          " of the stream rate")


if __name__ == "__main__":
    main()
