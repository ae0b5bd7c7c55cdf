"""Time fastpen against its peers at one independently computed duality gap.

Protocol (../shared/BENCHMARKING.md): for every solver, walk its own ``tol`` down a
ladder and keep the first run whose answer reaches ``relative_gap <= target`` at
every alpha (our float64 gap, benchmarks/gap.py); report the median of ``--repeat``
timings of that run.  All solvers run side by side in this one process.

Problems (seeded): dense-wide 1000x5000 (AR(1) rho=0.6, 50 nonzeros), dense-tall
40000x400 (rho=0.5, 40 nonzeros), sparse text-like 20000x100000, leukemia-shaped
72x7129 (rho=0.9, 10 nonzeros).  Modes: a single fit at alpha_max/20 (``--single-ratio``
sets the 20), and a 100-alpha path from alpha_max to eps*alpha_max (eps 1e-2 if p > n, else 1e-3);
peers without a path function run warm-started fits along the same grid;
"scikit-learn (Gram)" is its lasso_path on centred data with one Gram matrix for
the whole grid (what its LassoCV does), Gram build included; python-glmnet
(glmnet's Fortran) gets the explicit lambda grid.

    python benchmarks/compare.py                              # single-threaded
    python benchmarks/compare.py --threads all                # all cores, every solver
    python benchmarks/compare.py --problems dense-wide --modes path
    python benchmarks/compare.py --problems dense-tall --single-ratio 100   # alpha_max/100
    python benchmarks/compare.py --loss logistic --problems breast-cancer --modes single,path
"""
import argparse
import os
import sys

if __name__ == "__main__":
    _threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
    if _threads == "1":  # before NumPy loads its BLAS and before any OpenMP runtime starts
        os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gap import relative_gap  # noqa: E402
import ladder  # noqa: E402
from ladder import TOL_LADDER  # noqa: E402, F401 (used by cv.py)

import fastpen  # noqa: E402
from fastpen.datasets import make_correlated_regression, make_sparse_regression  # noqa: E402

PROBLEMS = ("dense-wide", "dense-tall", "sparse", "leukemia")


def lasso_alpha_max(X, y):
    """max_j |x_j^T (y - mean y)| / n with centred columns (intercept fitted)."""
    g = X.T @ (y - y.mean())  # column means drop out because y - mean sums to zero
    return float(np.max(np.abs(g))) / X.shape[0]


def make_problem(name):
    """(X, y, eps of the path grid) for a named problem."""
    if name == "dense-wide":
        X, y, _ = make_correlated_regression(1000, 5000, rho=0.6, n_nonzero=50, snr=3.0)
    elif name == "dense-tall":
        X, y, _ = make_correlated_regression(40000, 400, rho=0.5, n_nonzero=40, snr=3.0)
    elif name == "sparse":
        X, y, _ = make_sparse_regression(20000, 100000, nnz_per_row=60)
    elif name == "leukemia":
        X, y, _ = make_correlated_regression(72, 7129, rho=0.9, n_nonzero=10, snr=3.0)
    else:
        raise ValueError(f"unknown problem {name!r}; choose from {PROBLEMS}")
    return X, y, (1e-2 if X.shape[1] > X.shape[0] else 1e-3)


def mode_alphas(mode, alpha_max, eps, single_ratio=20.0):
    """The alpha grid of a mode: ``single`` is [alpha_max / single_ratio]; ``path`` is
    100 alphas geometrically spaced from alpha_max down to eps * alpha_max."""
    if mode == "single":
        return np.array([alpha_max / single_ratio])
    if mode == "path":
        return np.geomspace(alpha_max, alpha_max * eps, 100)
    raise ValueError(f"unknown mode {mode!r}; choose single or path")


def _warm_path(make_estimator):
    """Path by warm-started fits of a scikit-learn-like estimator, alphas decreasing."""
    def fit(X, y, alphas, tol):
        est = make_estimator(tol)
        coefs = []
        for alpha in alphas:
            est.set_params(alpha=alpha)
            est.fit(X, y)
            coefs.append(np.array(est.coef_, dtype=np.float64))
        return np.array(coefs)
    return fit


def _sklearn_gram_path(X, y, alphas, tol):
    """scikit-learn's lasso_path with one Gram matrix for the whole grid (as LassoCV)."""
    from sklearn.linear_model import lasso_path

    Xc = np.asfortranarray(X - X.mean(axis=0))
    yc = y - y.mean()
    gram = Xc.T @ Xc
    _, coefs, _ = lasso_path(Xc, yc, alphas=alphas, precompute=gram, Xy=Xc.T @ yc, tol=tol,
                             max_iter=100000)
    return coefs.T


def solvers(n_threads, dense):
    """name -> fit(X, y, alphas, tol) returning float64 coefficients (n_alphas, p)."""
    from sklearn.linear_model import Lasso

    def fit_fastpen(X, y, alphas, tol):
        # float64 already (the problems are float64): asarray, as for the peers, no copy
        return np.asarray(fastpen.lasso_path(X, y, alphas=alphas, tol=tol, max_iter=100000,
                                             n_threads=n_threads).coefs, dtype=np.float64)

    out = {"fastpen": fit_fastpen,
           "scikit-learn": _warm_path(lambda tol: Lasso(tol=tol, max_iter=100000,
                                                        warm_start=True))}
    if dense:
        def fit_fastpen_gram(X, y, alphas, tol):
            return np.asarray(fastpen.lasso_path(X, y, alphas=alphas, tol=tol,
                                                 max_iter=100000, n_threads=n_threads,
                                                 precompute=True).coefs, dtype=np.float64)
        out["fastpen (Gram)"] = fit_fastpen_gram
        out["scikit-learn (Gram)"] = _sklearn_gram_path
    try:
        import celer
        out["celer"] = _warm_path(lambda tol: celer.Lasso(tol=tol, max_iter=1000,
                                                          warm_start=True))
    except ImportError:
        pass
    try:
        from glmnet import ElasticNet as GlmnetElasticNet

        def fit_glmnet(X, y, alphas, tol):
            # glmnet's Gaussian lasso (alpha=1, no standardisation) is this objective
            # with lambda = alpha; an explicit lambda grid, no cross-validation.
            # Its tol is glmnet's `thresh` (coefficient change), walked like the others.
            model = GlmnetElasticNet(alpha=1.0, lambda_path=np.asarray(alphas),
                                     standardize=False, fit_intercept=True, tol=tol,
                                     n_splits=0, max_iter=1_000_000)
            model.fit(X, y)
            return np.asarray(model.coef_path_, dtype=np.float64).T
        out["python-glmnet"] = fit_glmnet
    except ImportError:
        pass
    try:
        import skglm
        out["skglm"] = _warm_path(lambda tol: skglm.Lasso(tol=tol, max_iter=1000,
                                                          warm_start=True))
    except ImportError:
        pass
    return out


def worst_gap(X, y, coefs, alphas):
    return max(relative_gap(X, y, c, a) for c, a in zip(coefs, alphas))


def time_at_target(fit, X, y, alphas, target, repeat, budget, start_tol=None,
                   score=worst_gap):
    """ladder.time_at_target, scored by the squared loss's gap unless told otherwise."""
    return ladder.time_at_target(fit, X, y, alphas, target, repeat, budget, start_tol,
                                 score=score)


def main(argv=None):
    loss_parser = argparse.ArgumentParser(add_help=False)
    loss_parser.add_argument("--loss", default="squared", choices=["squared", "logistic"])
    loss_args, rest = loss_parser.parse_known_args(argv)
    if loss_args.loss == "logistic":  # its own problems, peers and scorers
        import compare_logistic
        return compare_logistic.main(rest)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loss", default="squared", choices=["squared", "logistic"],
                        help="logistic: see compare_logistic.py (--loss logistic --help)")
    parser.add_argument("--threads", default="1", choices=["1", "all"])
    parser.add_argument("--problems", default="dense-wide,sparse",
                        help=f"comma-separated, from {','.join(PROBLEMS)}")
    parser.add_argument("--modes", default="single", help="single, path or single,path")
    parser.add_argument("--single-ratio", type=float, default=20.0,
                        help="the single fit is at alpha_max / SINGLE_RATIO")
    parser.add_argument("--solvers", default=None, help="comma-separated subset")
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds after which a solver's tol ladder stops")
    parser.add_argument("--start-tol", default="",
                        help="'solver=tol,...': start those solvers' ladders at tol")
    args = parser.parse_args(argv)
    start_tol = {k: float(v) for k, v in
                 (item.rsplit("=", 1) for item in args.start_tol.split(",") if item)}

    n_threads = 1 if args.threads == "1" else -1
    blas_limit = 1 if args.threads == "1" else None
    fastpen.show_config()
    print(f"threads: {args.threads}, target relative gap <= {args.target:g} at every "
          f"alpha, median of {args.repeat}\n")
    with threadpool_limits(limits=blas_limit):
        for name in args.problems.split(","):
            X, y, eps = make_problem(name)
            fits = solvers(n_threads, dense=not hasattr(X, "tocsc"))
            if args.solvers:
                fits = {k: v for k, v in fits.items() if k in args.solvers.split(",")}
            alpha_max = lasso_alpha_max(X, y)
            for mode in args.modes.split(","):
                alphas = mode_alphas(mode, alpha_max, eps, args.single_ratio)
                for fit in fits.values():  # warm-up: numba compiles, caches fill
                    fit(X, y, alphas[:1], 1e-2)
                rows = {s: time_at_target(f, X, y, alphas, args.target, args.repeat,
                                          args.budget, start_tol.get(s))
                        for s, f in fits.items()}
                reached = {s: r[0] for s, r in rows.items()
                           if r[0] is not None and not s.startswith("fastpen")}
                fastest = min(reached, key=reached.get) if reached else None
                label = (f"single fit at alpha_max/{args.single_ratio:g}" if mode == "single"
                         else f"100-alpha path to {eps:g} alpha_max")
                print(f"{name} {X.shape[0]}x{X.shape[1]}, {label}")
                for solver, (sec, tol, rel) in rows.items():
                    if sec is None:
                        print(f"  {solver:<20} did not reach (best rel. gap {rel:.2e})")
                        continue
                    ratio = ""
                    if solver.startswith("fastpen") and fastest:
                        ratio = f"  {reached[fastest] / sec:5.2f}x vs {fastest}"
                    print(f"  {solver:<20} {sec * 1e3:10.1f} ms  (tol {tol:.0e}, worst rel. "
                          f"gap {rel:.1e}){ratio}")
                print(flush=True)


if __name__ == "__main__":
    main()
