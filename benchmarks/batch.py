"""Many targets sharing one design: the peers' loops, and fastpen fitted the same way.

The batch problem of issue 5: X of n=2000 x p=500 (AR(1) rho=0.5), k targets
each with 10 true nonzeros (seeded, SNR 3), one Lasso per target at its own
alpha_max,k / 20.  Every solver's ``tol`` is walked down the ladder of
compare.py until all k answers reach a relative duality gap <= 1e-6 (our
float64 gap, benchmarks/gap.py); the median of ``--repeat`` timings of that run
is reported.  Single-threaded by default (OMP_NUM_THREADS=1, BLAS at one
thread), except the joblib row, which uses every core by design.

fastpen runs as a Python loop of one-target fits, like the peers, and as one
``Lasso(alpha=alphas).fit(X, Y)`` call (the batch driver: one Gram matrix and
one X^T Y product for all targets, then the targets spread over the threads).

    python benchmarks/batch.py [--k 200] [--repeat 3]
"""
import argparse
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import time_at_target  # noqa: E402
from gap import relative_gap  # noqa: E402

import fastpen  # noqa: E402
from fastpen.datasets import make_correlated_regression  # noqa: E402


def make_batch(k, n=2000, p=500, n_nonzero=10, snr=3.0, seed=0):
    """(X, Y of shape (n, k), alphas of shape (k,)): alpha_k = alpha_max,k / 20."""
    X, _, _ = make_correlated_regression(n, p, rho=0.5, n_nonzero=n_nonzero, snr=snr,
                                         random_state=seed)
    rng = np.random.default_rng(seed + 1)
    W = np.zeros((p, k))
    for t in range(k):
        support = rng.choice(p, n_nonzero, replace=False)
        W[support, t] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(1, 2, n_nonzero)
    signal = X @ W
    noise = rng.standard_normal((n, k))
    Y = signal + noise * (np.linalg.norm(signal, axis=0) / (snr * np.linalg.norm(noise, axis=0)))
    Yc = Y - Y.mean(axis=0)
    alphas = np.max(np.abs(X.T @ Yc), axis=0) / n / 20   # column means drop out: Yc sums to 0
    return X, Y, alphas


def solvers():
    """name -> fit(X, Y, alphas, tol) returning coefficients of shape (k, p)."""
    from sklearn.linear_model import Lasso

    def fastpen_loop(X, Y, alphas, tol):
        return np.array([fastpen.lasso_path(X, Y[:, t], alphas=[a], tol=tol, max_iter=100000,
                                            n_threads=1).coefs[0]
                         for t, a in enumerate(alphas)])

    def sklearn_loop(X, Y, alphas, tol):
        return np.array([Lasso(alpha=a, tol=tol, max_iter=100000).fit(X, Y[:, t]).coef_
                         for t, a in enumerate(alphas)])

    def sklearn_joblib(X, Y, alphas, tol):
        from joblib import Parallel, delayed

        fit = lambda t: Lasso(alpha=alphas[t], tol=tol, max_iter=100000).fit(  # noqa: E731
            X, Y[:, t]).coef_
        with threadpool_limits(limits=None):
            return np.array(Parallel(n_jobs=-1, prefer="threads")(
                delayed(fit)(t) for t in range(len(alphas))))

    def fastpen_batch(X, Y, alphas, tol, n_threads=1):
        # the public entry point: one call, one alpha per target
        return fastpen.Lasso(alpha=alphas, tol=tol, max_iter=100000,
                             n_threads=n_threads).fit(X, Y).coef_    # precompute='auto': Gram

    def fastpen_batch_all(X, Y, alphas, tol):
        with threadpool_limits(limits=None):
            return fastpen_batch(X, Y, alphas, tol, n_threads=-1)

    out = {"fastpen (loop)": fastpen_loop,
           "fastpen (batch, 1 thread)": fastpen_batch,
           "fastpen (batch, all threads)": fastpen_batch_all,
           "scikit-learn (loop)": sklearn_loop,
           "scikit-learn (joblib threads)": sklearn_joblib}
    try:
        import celer

        def celer_loop(X, Y, alphas, tol):
            return np.array([celer.Lasso(alpha=a, tol=tol, max_iter=1000).fit(X, Y[:, t]).coef_
                             for t, a in enumerate(alphas)])
        out["celer (loop)"] = celer_loop
    except ImportError:
        pass
    return out


def worst_gap(X, Y, coefs, alphas):
    return max(relative_gap(X, Y[:, t], coefs[t], a) for t, a in enumerate(alphas))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--solvers", default=None, help="comma-separated subset")
    args = parser.parse_args(argv)
    X, Y, alphas = make_batch(args.k)
    fits = solvers()
    if args.solvers:
        fits = {k: v for k, v in fits.items() if k in args.solvers.split(",")}
    print(f"batch: X {X.shape[0]}x{X.shape[1]} (AR(1) rho=0.5), {args.k} targets, "
          f"alpha_k = alpha_max,k/20, target relative gap <= {args.target:g} for every "
          f"target, median of {args.repeat}")
    with threadpool_limits(limits=1):
        for fit in fits.values():      # warm-up (imports, numba, caches)
            fit(X, Y[:, :2], alphas[:2], 1e-2)
        rows = {name: time_at_target(fit, X, Y, alphas, args.target, args.repeat,
                                     args.budget, score=worst_gap)
                for name, fit in fits.items()}
    base = rows.get("fastpen (loop)", (None,))[0]
    for name, (sec, tol, rel) in rows.items():
        if sec is None:
            print(f"  {name:<40} did not reach (best rel. gap {rel:.2e})")
            continue
        ratio = f"  {sec / base:5.2f}x the fastpen loop's time" if base else ""
        print(f"  {name:<40} {sec:8.3f} s  ({1e3 * sec / args.k:6.2f} ms/target, tol {tol:.0e}, "
              f"worst rel. gap {rel:.1e}){ratio}")


if __name__ == "__main__":
    main()
