"""Gram matrix build rate against the machine's own DSYRK.

fastpen builds Q = X~^T S X~ without a centred copy of X: for unweighted float64
data with modest column means, by one DSYRK on X (NumPy's X.T @ X) and a rank-one
centring ("direct"); otherwise by row chunks of at most 8 MiB, centred and
weighted, each with DSYRK.  The reference is one DSYRK call on X itself (no
centring, no weights, nothing copied): the best a BLAS can do.  All
single-threaded by default.

    python benchmarks/gram_build.py [--n 40000 --p 400] [--threads all]
"""
import argparse
import os
import sys

if "--threads" not in sys.argv:
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.linalg import blas  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bandwidth import best_of  # noqa: E402

from fastpen import _cd  # noqa: E402
from fastpen._gram import dense_gram  # noqa: E402
from fastpen._problem import prepare  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40000)
    parser.add_argument("--p", type=int, default=400)
    parser.add_argument("--threads", default="1", choices=["1", "all"])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((args.n, args.p)))
    y = rng.standard_normal(args.n)
    mean = X.mean(axis=0)
    weights = rng.uniform(0.5, 2.0, args.n)
    weights *= args.n / weights.sum()
    fma = args.n * args.p * (args.p + 1) / 2
    with threadpool_limits(limits=1 if args.threads == "1" else None):
        ref = best_of(lambda: blas.dsyrk(1.0, X, trans=1), args.repeat)
        rows = [("DSYRK on X (reference)", ref)]
        prob = prepare(X, y, sample_weight=None, fit_intercept=True, n_threads=1)
        rows.append(("fastpen, direct (enet_path)", best_of(lambda: dense_gram(prob),
                                                             args.repeat)))
        for label, sw in (("fastpen, centred", np.empty(0)),
                          ("fastpen, centred + weighted", weights)):
            rows.append((label, best_of(lambda: _cd.dense_gram(X, sw, mean, y - y.mean()),
                                        args.repeat)))
    print(f"X: {args.n} x {args.p} float64, threads: {args.threads}; best / median of "
          f"{args.repeat}")
    for label, (best, median) in rows:
        print(f"  {label:<28} {best * 1e3:8.1f} ms (median {median * 1e3:.1f}) "
              f"{fma / best / 1e9:6.1f} G multiply-adds/s  {100 * ref[0] / best:5.1f}% of DSYRK")


if __name__ == "__main__":
    main()
