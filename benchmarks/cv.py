"""Cross-validated lasso: fastpen.LassoCV against scikit-learn's LassoCV(n_jobs=-1).

Problem: the dense-wide design of compare.py (1000 x 5000, AR(1) rho=0.6), one
target (its y) or k targets (10 nonzeros each, seeded, SNR 3); 5-fold KFold
(shuffled, seeded), the 100-alpha automatic grid (eps=1e-3).  scikit-learn's
LassoCV takes one target, so with k > 1 its side is a loop over the targets
and ours is one call with ``alpha_per_target=True`` (each target its own grid
and alpha, as in the loop).

Equal precision: neither LassoCV reports its fold paths, so each solver's
``tol`` is first walked down compare.py's ladder until its own path function
(``fastpen.lasso_path``; ``sklearn.linear_model.lasso_path``, which LassoCV
calls on each fold with its tol) reaches a relative duality gap <= --target
(our float64 gap) at every alpha of the CV grid, on the training rows of
every fold, for the first target.  fastpen's CV solves the same weighted
problem (held-out rows at weight 0) with the same stopping rule.  The timed
runs use those tols; the chosen alphas are compared.  All threads on both
sides (OpenMP/joblib), medians of --repeat runs.  Peak memory of fastpen's fit
is measured with tracemalloc (NumPy's allocations) against X's size.

    python benchmarks/cv.py [--k 1] [--repeat 3]
"""
import argparse
import os
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import TOL_LADDER, make_problem  # noqa: E402
from gap import relative_gap  # noqa: E402

import fastpen  # noqa: E402


def make_targets(X, y, k, seed=0):
    """y itself for k=1; otherwise k targets with 10 true nonzeros each."""
    if k == 1:
        return y[:, None]
    n, p = X.shape
    rng = np.random.default_rng(seed)
    W = np.zeros((p, k))
    for t in range(k):
        support = rng.choice(p, 10, replace=False)
        W[support, t] = rng.choice([-1.0, 1.0], 10) * rng.uniform(1, 2, 10)
    signal = X @ W
    noise = rng.standard_normal((n, k))
    return signal + noise * (np.linalg.norm(signal, axis=0) / (3 * np.linalg.norm(noise, axis=0)))


def grid(X, y, n_alphas=100, eps=1e-3):
    a = np.max(np.abs(X.T @ (y - y.mean()))) / X.shape[0]
    return np.geomspace(a, a * eps, n_alphas)


def precise_tol(path, X, y, folds, alphas, target):
    """Largest ladder tol at which ``path`` reaches the target gap on every fold."""
    for tol in TOL_LADDER:
        worst = 0.0
        for train, _ in folds:
            coefs = path(X[train], y[train], alphas, tol)
            worst = max(worst, max(relative_gap(X[train], y[train], c, a)
                                   for c, a in zip(coefs, alphas)))
            if worst > target:
                break
        print(f"    tol {tol:.0e}: worst relative gap {worst:.2e}", flush=True)
        if worst <= target:
            return tol
    raise RuntimeError("no tol of the ladder reaches the target")


def fastpen_path(X, y, alphas, tol):
    return fastpen.lasso_path(X, y, alphas=alphas, tol=tol, max_iter=100000).coefs


def sklearn_path(X, y, alphas, tol):
    from sklearn.linear_model import lasso_path

    Xc, yc = X - X.mean(0), y - y.mean()     # LassoCV centres each fold before its path
    return lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=100000)[1].T


def fit_fastpen(X, Y, folds, tol):
    est = fastpen.LassoCV(cv=folds, tol=tol, max_iter=100000, n_threads=-1,
                          alpha_per_target=True)
    est.fit(X, Y if Y.shape[1] > 1 else Y[:, 0])
    return np.atleast_1d(est.alpha_)


def fit_sklearn(X, Y, folds, tol):
    from sklearn.linear_model import LassoCV

    return np.array([LassoCV(cv=folds, tol=tol, max_iter=100000, n_jobs=-1).fit(
        X, Y[:, t]).alpha_ for t in range(Y.shape[1])])


def median_time(fit, repeat):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fit()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def main(argv=None):
    from sklearn.model_selection import KFold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--tols", default=None,
                        help="'fastpen_tol,sklearn_tol': skip the precision step")
    args = parser.parse_args(argv)
    X, y, _ = make_problem("dense-wide")
    Y = make_targets(X, y, args.k)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    print(f"LassoCV: X {X.shape[0]}x{X.shape[1]}, {args.k} target(s), 5 folds, 100 alphas "
          f"(eps 1e-3), relative gap <= {args.target:g}; all threads", flush=True)
    if args.tols:
        tol_f, tol_s = (float(t) for t in args.tols.split(","))
    else:
        alphas = grid(X, Y[:, 0])
        print("  precision step, fastpen:")
        tol_f = precise_tol(fastpen_path, X, Y[:, 0], folds, alphas, args.target)
        print("  precision step, scikit-learn:")
        tol_s = precise_tol(sklearn_path, X, Y[:, 0], folds, alphas, args.target)
    fit_fastpen(X[:200], Y[:200, :1], list(KFold(5).split(X[:200])), 1e-2)   # warm-up
    t_f, a_f = median_time(lambda: fit_fastpen(X, Y, folds, tol_f), args.repeat)
    t_s, a_s = median_time(lambda: fit_sklearn(X, Y, folds, tol_s), args.repeat)
    tracemalloc.start()
    fit_fastpen(X, Y, folds, tol_f)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  fastpen.LassoCV      tol {tol_f:.0e}: {t_f:8.3f} s")
    print(f"  sklearn LassoCV      tol {tol_s:.0e}: {t_s:8.3f} s  (n_jobs=-1"
          f"{', loop over targets' if args.k > 1 else ''})")
    print(f"  ratio {t_s / t_f:.2f}x; same alpha_ for {np.sum(np.isclose(a_f, a_s, rtol=1e-9))}"
          f"/{args.k} targets")
    print(f"  fastpen peak traced memory {peak / 2**20:.1f} MiB = {peak / X.nbytes:.3f} x X "
          f"({X.nbytes / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
