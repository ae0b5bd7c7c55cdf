"""The ``fastpen`` command (also ``python -m fastpen``).

For now it runs the main demonstration job: a Lasso path on the bundled
diabetes data, printed as a table.
"""
import argparse
import sys
import time

import numpy as np


def _parser():
    parser = argparse.ArgumentParser(
        prog="fastpen",
        description="Fit a Lasso / elastic-net path on the bundled diabetes data "
                    "(Efron et al. 2004) and print it.")
    parser.add_argument("--l1-ratio", type=float, default=1.0,
                        help="L1 share of the penalty (1 = Lasso, the default)")
    parser.add_argument("--n-alphas", type=int, default=100,
                        help="length of the automatic alpha grid (default 100)")
    parser.add_argument("--eps", type=float, default=1e-3,
                        help="smallest alpha / alpha_max (default 1e-3)")
    parser.add_argument("--tol", type=float, default=1e-4,
                        help="duality-gap tolerance, scikit-learn's meaning (default 1e-4)")
    parser.add_argument("--show", type=int, default=8,
                        help="number of alphas printed along the path (default 8)")
    parser.add_argument("--n-threads", type=int, default=None,
                        help="OpenMP threads (default: what OpenMP allows)")
    parser.add_argument("--show-config", action="store_true",
                        help="print the build configuration and exit")
    return parser


def main(argv=None):
    """Entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    from . import __version__, enet_path, show_config
    from .datasets import load_diabetes

    if args.show_config:
        show_config()
        return 0
    if args.show < 1:
        print("fastpen: --show must be at least 1", file=sys.stderr)
        return 2
    X, y, names = load_diabetes()
    try:
        start = time.perf_counter()
        path = enet_path(X, y, l1_ratio=args.l1_ratio, alphas=args.n_alphas, eps=args.eps,
                         tol=args.tol, n_threads=args.n_threads)
        elapsed = time.perf_counter() - start
    except ValueError as exc:
        print(f"fastpen: {exc}", file=sys.stderr)
        return 2

    half_var = 0.5 * np.mean((y - y.mean()) ** 2)
    print(f"fastpen {__version__}: elastic-net path (l1_ratio={args.l1_ratio:g}) on the "
          f"diabetes data of Efron et al. (2004), {X.shape[0]} samples x {X.shape[1]} "
          "features")
    print(f"{len(path.alphas)} alphas from {path.alphas[0]:.4g} to {path.alphas[-1]:.4g}, "
          f"tol={args.tol:g}: whole path fitted in {elapsed * 1e3:.1f} ms\n")
    print(f"{'alpha':>10} {'df':>3} {'%dev':>6} {'rel. gap':>9}  selected features "
          "(coefficient)")
    shown = np.unique(np.linspace(0, len(path.alphas) - 1, args.show).round().astype(int))
    for k in shown:
        coef = path.coefs[k]
        chosen = ", ".join(f"{names[j]} {coef[j]:+.4g}" for j in np.flatnonzero(coef))
        print(f"{path.alphas[k]:10.4g} {path.df[k]:3d} {100 * path.dev_ratio[k]:6.2f} "
              f"{path.dual_gaps[k] / half_var:9.2e}  {chosen or '(none)'}")
    print("\nrel. gap = duality gap / (||y - mean(y)||^2 / 2n); intercept fitted, "
          "features in their original units.")
    return 0
