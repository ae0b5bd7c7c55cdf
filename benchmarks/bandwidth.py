"""How close the dense kernels get to the memory bandwidth of one core.

A coordinate-descent epoch streams X once, so bytes of X per second is the
figure of merit.  Compared with the streaming read rate of one core measured
with BLAS ``ddot`` on an array of the same size (both single-threaded, X far
larger than the caches).  Two kernels: the gap scan (X~^T r, one dot per
column) and the plain epoch (a coordinate step per column: a dot, and an axpy
on the residual where the coefficient moves).

    python benchmarks/bandwidth.py [--n 2000 --p 20000]
"""
import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from fastpen import _cd  # noqa: E402
from fastpen._info import simd_name  # noqa: E402


def best_of(f, repeat=7, setup=None):
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
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
    x_norm2 = np.einsum("ij,ij->j", X, X)
    pf = np.ones(args.p)
    g = X.T @ r
    # an alpha that leaves about 5% of the coefficients moving, as late in a fit
    a = float(np.quantile(np.abs(g), 0.95))
    state = {}

    def reset():
        state["w"], state["R"] = np.zeros(args.p), r.copy()

    gb = X.nbytes / 1e9
    with threadpool_limits(limits=1):
        # ddot reads two arrays of X's size: count both
        t_dot = best_of(lambda: flat @ ones)
        t_scan = best_of(lambda: _cd.dense_xt_r(X, empty, zeros, r, 1))
        t_epoch = best_of(lambda: _cd.dense_epoch(X, empty, zeros, x_norm2, pf, state["w"],
                                                  state["R"], a, 0.0), setup=reset)
    stream = 2 * gb / t_dot[0]
    print(f"X: {args.n} x {args.p} float64 = {gb * 1e3:.0f} MB; times are best / median of 7;"
          f" kernels dispatched to {simd_name()}")
    print(f"one core, BLAS ddot stream : {stream:6.1f} GB/s (median {2 * gb / t_dot[1]:.1f})")
    for label, t in (("gap scan X^T r", t_scan), ("plain epoch (CD sweep)", t_epoch)):
        print(f"fastpen {label:<23}: {gb / t[0]:6.1f} GB/s (median {gb / t[1]:.1f}) = "
              f"{100 * (gb / t[0]) / stream:.0f}% of the stream rate")


if __name__ == "__main__":
    main()
