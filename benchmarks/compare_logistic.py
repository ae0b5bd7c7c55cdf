"""Penalised logistic regression: fastpen against its peers at one independent precision.

Run through ``python benchmarks/compare.py --loss logistic [options]``.  Every
answer is scored by benchmarks/logistic_gap.py in float64, on glmnet's mean-scale
objective ``(1/n) sum_i log(1 + exp(-y_i (x_i^T w + b))) + alpha ||w||_1``:

- without intercept, the relative duality gap ``gap / P(0)`` must be <= target
  (1e-6) at every alpha of the run;
- with an intercept, the relative suboptimality ``(P(w, b) - P*) / P*`` must be <=
  target at every alpha.  ``P*`` per alpha is the lowest objective of a tight
  reference solve (skglm's proximal Newton at tol 1e-13, warm-started along the grid)
  and of every run of the table; the reference is certified from below by
  ``intercept_dual_bound`` and the certificate ``(P* - D) / P*`` is printed.

Both variants run by default (``--intercept both``; ``yes`` or ``no`` for one).

Problems (seeded, offline; labels +-1):
  dense-500x2000, dense-500x5000  benchopt's simulated logreg: AR(1) rho = 0.6 design,
                                  p/100 nonzero true coefficients, y = sign(Xw + noise), SNR 3
  sparse                          20000x100000 text-like CSC (fastpen.datasets), y = sign(Xw + noise)
  tall                            dense 100000x200, rho = 0.5, 20 nonzeros
  breast-cancer                   scikit-learn's bundled data, standardised, then degree-2
                                  PolynomialFeatures (569x495)
Modes: ``single`` (one fit at alpha_max/20) and ``path`` (100 alphas from alpha_max to
eps alpha_max, eps = 1e-2 if p > n else 1e-3, the same explicit grid for every solver);
alpha_max is that of the variant (with an intercept: the gradient at the intercept-only
model).  ``batch``: ``--batch-targets`` binary targets on one dense 500x2000 design
(targets from random sparse w's), each at its own alpha_max/20, no intercept: fastpen's
one call with a 2-D y against each peer's loop over the targets, the peers timed on the
first ``--batch-subset`` targets and extrapolated linearly (printed as such).

Peers and their regularisation in this objective (each checked by the gap at a tight
answer, see the report of issue 20):
  scikit-learn liblinear  C = 1/(n alpha); its intercept is a penalised feature of value
                          ``intercept_scaling`` (set to LIBLINEAR_INTERCEPT_SCALING, the
                          penalty on b is then alpha |b| / scaling); no warm start (cold fits)
  scikit-learn saga       C = 1/(n alpha), warm_start along paths.  scikit-learn 1.9.1's only
                          other L1-capable LogisticRegression solver: lbfgs, newton-cg,
                          newton-cholesky and sag accept l1_ratio = 0 only; saga is the newest
                          of the two L1-capable ones
  celer                   LogisticRegression(C = 1/(n alpha)) (sum scale; no intercept: skipped
                          with one); paths by its own path method (celer_path, warm-started)
  skglm                   SparseLogisticRegression(alpha) (mean scale), warm_start along paths
  python-glmnet           LogitNet(alpha=1, lambda_path=grid, standardize=False) (mean scale),
                          the explicit grid; only if ``import glmnet`` works
  fastpen                 logistic_path(X, y, alphas=grid, tol=..., fit_intercept=...), only
                          once fastpen has it
Each solver gets X in its preferred layout outside the timing (scikit-learn and celer:
C order / CSR; the others: Fortran order / CSC).
"""
import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ladder import time_at_target
from logistic_gap import (binomial_objective, binomial_relative_gap, intercept_dual_bound,
                          relative_suboptimality)

PROBLEMS = ("dense-500x2000", "dense-500x5000", "sparse", "tall", "breast-cancer")
LIBLINEAR_INTERCEPT_SCALING = 1e4
REFERENCE_TOL = 1e-13


class Design:
    """One design in two layouts: ``rows`` (C order / CSR) and ``cols`` (Fortran / CSC)."""

    def __init__(self, X):
        if sp.issparse(X):
            self.rows, self.cols = sp.csr_matrix(X), sp.csc_matrix(X)
        else:
            self.rows, self.cols = np.ascontiguousarray(X), np.asfortranarray(X)
        self.shape = X.shape
        self.sparse = sp.issparse(X)


def make_problem(name):
    """(Design, labels +-1, eps of the path grid) of a named problem."""
    from fastpen.datasets import make_correlated_regression, make_sparse_regression

    if name.startswith("dense-"):
        n, p = (int(v) for v in name[len("dense-"):].split("x"))
        X, y, _ = make_correlated_regression(n, p, rho=0.6, n_nonzero=p // 100, snr=3.0)
    elif name == "sparse":
        X, y, _ = make_sparse_regression(20000, 100000, nnz_per_row=60)
    elif name == "tall":
        X, y, _ = make_correlated_regression(100000, 200, rho=0.5, n_nonzero=20, snr=3.0)
    elif name == "breast-cancer":
        from sklearn.datasets import load_breast_cancer
        from sklearn.preprocessing import PolynomialFeatures, StandardScaler

        data = load_breast_cancer()
        X = PolynomialFeatures(2, include_bias=False).fit_transform(
            StandardScaler().fit_transform(data.data))
        y = data.target.astype(np.float64) - 0.5     # malignant 0 -> -1, benign 1 -> +1
    else:
        raise ValueError(f"unknown problem {name!r}; choose from {PROBLEMS}")
    y = np.where(y > 0, 1.0, -1.0)
    return Design(X), y, (1e-2 if X.shape[1] > X.shape[0] else 1e-3)


def logistic_alpha_max(X, y, fit_intercept):
    """Smallest mean-scale alpha with all coefficients 0: ||X^T (y01 - p0)||_inf / n,
    p0 = mean(y01) with an intercept (the intercept-only model), 1/2 without."""
    y01 = (np.asarray(y) > 0).astype(np.float64)
    p0 = y01.mean() if fit_intercept else 0.5
    return float(np.max(np.abs(X.T @ (y01 - p0)))) / X.shape[0]


def path_alphas(mode, alpha_max, eps, single_ratio=20.0):
    """[alpha_max / single_ratio] or 100 alphas from alpha_max to eps * alpha_max."""
    if mode == "single":
        return np.array([alpha_max / single_ratio])
    if mode == "path":
        return np.geomspace(alpha_max, alpha_max * eps, 100)
    raise ValueError(f"unknown mode {mode!r}; choose single or path")


# ---------------------------------------------------------------- solvers
# Each fit(design, y, alphas, tol) returns (coefs (m, p), intercepts (m,)) in float64;
# a path interrupted by its budget returns fewer rows (scored as not reached).

def _warm_fits(make_estimator, set_alpha, layout, budget):
    """Path by (warm-started, if the estimator is) fits along the decreasing grid."""
    def fit(design, y, alphas, tol):
        X = getattr(design, layout)
        est = make_estimator(tol)
        coefs, intercepts = [], []
        start = time.perf_counter()
        for alpha in alphas:
            set_alpha(est, alpha, X.shape[0])
            est.fit(X, y)
            coefs.append(np.ravel(est.coef_).astype(np.float64))
            intercepts.append(float(np.ravel(est.intercept_)[0])
                              if np.size(est.intercept_) else 0.0)
            if time.perf_counter() - start > budget:
                break
        return np.array(coefs), np.array(intercepts)
    return fit


def solvers(fit_intercept, n_threads, budget):
    """name -> fit, for the installed peers (and fastpen once it has logistic_path)."""
    import fastpen
    from sklearn.linear_model import LogisticRegression

    def set_c(est, alpha, n):
        est.set_params(C=1.0 / (n * alpha))

    out = {}
    if hasattr(fastpen, "logistic_path"):
        def fit_fastpen(design, y, alphas, tol):
            res = fastpen.logistic_path(design.cols, y, alphas=alphas, tol=tol,
                                        fit_intercept=fit_intercept, max_iter=100000,
                                        n_threads=n_threads)
            return (np.asarray(res.coefs, np.float64),
                    np.asarray(res.intercepts, np.float64).reshape(-1))
        out["fastpen"] = fit_fastpen
    out["sklearn-liblinear"] = _warm_fits(
        lambda tol: LogisticRegression(solver="liblinear", l1_ratio=1.0, tol=tol,
                                       max_iter=1000, fit_intercept=fit_intercept,
                                       intercept_scaling=LIBLINEAR_INTERCEPT_SCALING),
        set_c, "rows", budget)
    out["sklearn-saga"] = _warm_fits(
        lambda tol: LogisticRegression(solver="saga", l1_ratio=1.0, tol=tol, max_iter=10000,
                                       fit_intercept=fit_intercept, warm_start=True),
        set_c, "rows", budget)
    try:
        import celer
    except ImportError:
        celer = None
    if celer is not None and not fit_intercept:
        def fit_celer(design, y, alphas, tol):
            est = celer.LogisticRegression(tol=tol, fit_intercept=False, max_iter=100)
            if len(alphas) == 1:
                est.set_params(C=1.0 / (design.shape[0] * alphas[0])).fit(design.rows, y)
                return np.asarray(est.coef_, np.float64).reshape(1, -1), np.zeros(1)
            coefs, _ = est.path(design.rows, y, 1.0 / (design.shape[0] * np.asarray(alphas)),
                                solver="celer-pn")
            return np.asarray(coefs, np.float64).T, np.zeros(len(alphas))
        out["celer"] = fit_celer
    try:
        import skglm
    except ImportError:
        skglm = None
    if skglm is not None:
        out["skglm"] = _warm_fits(
            lambda tol: skglm.SparseLogisticRegression(tol=tol, max_iter=100,
                                                       fit_intercept=fit_intercept,
                                                       warm_start=True),
            lambda est, alpha, n: est.set_params(alpha=alpha), "cols", budget)
    try:
        from glmnet import LogitNet
    except ImportError:
        LogitNet = None
    if LogitNet is not None:
        def fit_glmnet(design, y, alphas, tol):
            # glmnet's tol is `thresh` (a change criterion); it may stop a path early
            # (deviance ratio), then fewer alphas come back and the run does not count.
            model = LogitNet(alpha=1.0, lambda_path=np.asarray(alphas), standardize=False,
                             fit_intercept=fit_intercept, tol=tol, n_splits=0,
                             max_iter=1_000_000)
            model.fit(design.cols, y)
            return (np.asarray(model.coef_path_[0], np.float64).T,
                    np.asarray(model.intercept_path_[0], np.float64))
        out["python-glmnet"] = fit_glmnet
    return out


# ---------------------------------------------------------------- scoring

def _objectives(design, y, answer, alphas):
    coefs, intercepts = answer
    return np.array([binomial_objective(design.cols, y, c, b, a)
                     for c, b, a in zip(coefs, intercepts, alphas)])


def gap_score(design, y, answer, alphas):
    """Worst relative duality gap (no intercept); inf if alphas are missing."""
    coefs, _ = answer
    if len(coefs) != len(alphas) or not np.all(np.isfinite(coefs)):
        return np.inf
    return max(binomial_relative_gap(design.cols, y, c, a) for c, a in zip(coefs, alphas))


class Suboptimality:
    """Worst relative suboptimality against ``best`` (P* per alpha), which every scored
    run lowers if it finds a smaller objective (reported: ``improved``)."""

    def __init__(self, best):
        self.best = np.array(best, dtype=np.float64)
        self.reference = self.best.copy()

    def __call__(self, design, y, answer, alphas):
        coefs, intercepts = answer
        if len(coefs) != len(alphas) or not np.all(np.isfinite(coefs)):
            return np.inf
        objective = _objectives(design, y, answer, alphas)
        self.best = np.minimum(self.best, objective)
        return float(np.max(relative_suboptimality(objective, self.best)))

    def improved(self):
        """Largest relative decrease of P* below the reference solve."""
        return float(np.max((self.reference - self.best) / self.best))


def reference_objectives(design, y, alphas, budget):
    """(P* per alpha of a tight skglm path, worst certificate (P* - D) / P*)."""
    fit = _warm_fits(
        lambda tol: __import__("skglm").SparseLogisticRegression(
            tol=tol, max_iter=1000, max_epochs=100000, fit_intercept=True, warm_start=True),
        lambda est, alpha, n: est.set_params(alpha=alpha), "cols", np.inf)
    answer = fit(design, y, alphas, REFERENCE_TOL)
    objective = _objectives(design, y, answer, alphas)
    bound = np.array([intercept_dual_bound(design.cols, y, c, a)
                      for c, a in zip(answer[0], alphas)])
    return objective, float(np.max((objective - bound) / objective))


# ---------------------------------------------------------------- tables

def _print_rows(title, rows, unit_note=""):
    reached = {s: r[0] for s, r in rows.items() if r[0] is not None and s != "fastpen"}
    fastest = min(reached, key=reached.get) if reached else None
    print(title)
    for solver, (sec, tol, rel) in rows.items():
        if sec is None:
            print(f"  {solver:<18} did not reach (best {rel:.2e})")
            continue
        ratio = ""
        if solver == "fastpen" and fastest:
            ratio = f"  {reached[fastest] / sec:6.2f}x vs {fastest}"
        print(f"  {solver:<18} {sec * 1e3:11.1f} ms  (tol {tol:.0e}, worst {rel:.1e})"
              f"{ratio}{unit_note}")


def run_problem(name, args, n_threads):
    design, y, eps = make_problem(name)
    variants = {"no": [False], "yes": [True], "both": [False, True]}[args.intercept]
    for fit_intercept in variants:
        fits = solvers(fit_intercept, n_threads, args.budget)
        if args.solvers:
            fits = {k: v for k, v in fits.items() if k in args.solvers.split(",")}
        alpha_max = logistic_alpha_max(design.cols, y, fit_intercept)
        for mode in args.modes.split(","):
            alphas = path_alphas(mode, alpha_max, eps, args.single_ratio)
            for fit in fits.values():          # warm-up: numba compiles, caches fill
                fit(design, y, alphas[:1], 1e-2)
            if fit_intercept:
                best, certificate = reference_objectives(design, y, alphas, args.budget)
                score = Suboptimality(best)
                what = "rel. suboptimality"
            else:
                score, what = gap_score, "rel. gap"
            rows = {s: time_at_target(f, design, y, alphas, args.target, args.repeat,
                                      args.budget, score=score) for s, f in fits.items()}
            label = (f"single fit at alpha_max/{args.single_ratio:g}" if mode == "single"
                     else f"100-alpha path to {eps:g} alpha_max")
            extra = ""
            if fit_intercept:
                extra = (f"; P* certified to {certificate:.1e}, lowered by the runs by "
                         f"{score.improved():.1e}")
            _print_rows(f"{name} {design.shape[0]}x{design.shape[1]}, "
                        f"{'with' if fit_intercept else 'no'} intercept, {label} "
                        f"(worst {what}{extra})", rows)
            print(flush=True)


def make_batch(n_targets, n_samples=500, n_features=2000, n_nonzero=20, seed=0):
    """One AR(1) design and ``n_targets`` +-1 label vectors from random sparse w's."""
    from fastpen.datasets import make_correlated_regression

    X, _, _ = make_correlated_regression(n_samples, n_features, rho=0.6, n_nonzero=1,
                                         random_state=seed)
    rng = np.random.default_rng(seed + 1)
    W = np.zeros((n_features, n_targets))
    for k in range(n_targets):
        support = rng.choice(n_features, n_nonzero, replace=False)
        W[support, k] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(1, 2, n_nonzero)
    signal = X @ W
    noise = rng.standard_normal(signal.shape)
    noise *= np.linalg.norm(signal, axis=0) / (3.0 * np.linalg.norm(noise, axis=0))
    return Design(X), np.where(signal + noise > 0, 1.0, -1.0)


def run_batch(args, n_threads):
    """fastpen's one call on all targets vs each peer's loop over a subset, extrapolated."""
    design, Y = make_batch(args.batch_targets)
    n_targets = Y.shape[1]
    alphas = np.array([logistic_alpha_max(design.cols, Y[:, k], False) / args.single_ratio
                       for k in range(n_targets)])
    subset = min(args.batch_subset, n_targets)
    fits = solvers(False, n_threads, args.budget)
    if args.solvers:
        fits = {k: v for k, v in fits.items() if k in args.solvers.split(",")}
    rows = {}
    for solver, fit in fits.items():
        if solver == "fastpen":
            continue

        def loop(design, Y_sub, alphas_sub, tol, fit=fit):
            return [fit(design, Y_sub[:, k], alphas_sub[k:k + 1], tol)
                    for k in range(Y_sub.shape[1])]

        def score(design, Y_sub, answers, alphas_sub):
            return max(gap_score(design, Y_sub[:, k], answers[k], alphas_sub[k:k + 1])
                       for k in range(Y_sub.shape[1]))

        loop(design, Y[:, :1], alphas[:1], 1e-2)                  # warm-up
        sec, tol, rel = time_at_target(loop, design, Y[:, :subset], alphas[:subset],
                                       args.target, args.repeat, args.budget, score=score)
        rows[solver] = (None if sec is None else sec * n_targets / subset, tol, rel)
    if "fastpen" in fits:
        import fastpen

        def fit_batch(design, Y, alphas_all, tol):
            # automatic per-target grid [alpha_max_k, alpha_max_k / ratio], no intercept
            return fastpen.logistic_path(design.cols, (Y > 0).astype(np.float64), alphas=2,
                                         eps=1.0 / args.single_ratio, tol=tol,
                                         fit_intercept=False, max_iter=100000,
                                         n_threads=n_threads)

        def score_batch(design, Y, res, alphas_all):
            fitted = np.asarray(res.alphas, np.float64).reshape(Y.shape[1], -1)[:, -1]
            if not np.allclose(fitted, alphas_all, rtol=1e-10, atol=0):
                print("  note: fastpen's per-target alphas differ from alpha_max/ratio by "
                      f"up to {np.max(np.abs(fitted / alphas_all - 1)):.1e} (relative)")
            coefs = np.asarray(res.coefs, np.float64)
            return max(binomial_relative_gap(design.cols, Y[:, k], coefs[-1, k], fitted[k])
                       for k in range(Y.shape[1]))

        fit_batch(design, Y[:, :2], None, 1e-2)                   # warm-up
        rows = {"fastpen": time_at_target(fit_batch, design, Y, alphas, args.target,
                                          args.repeat, args.budget, score=score_batch),
                **rows}
    _print_rows(f"batch: {n_targets} binary targets on dense 500x2000, each at its "
                f"alpha_max/{args.single_ratio:g}, no intercept (worst rel. gap; peers "
                f"timed on {subset} targets x {n_targets / subset:g})", rows)
    print(flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="compare.py --loss logistic", description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1", choices=["1", "all"])
    parser.add_argument("--problems", default="dense-500x2000,breast-cancer",
                        help=f"comma-separated, from {','.join(PROBLEMS)}")
    parser.add_argument("--modes", default="single",
                        help="comma-separated from single, path, batch")
    parser.add_argument("--intercept", default="both", choices=["no", "yes", "both"])
    parser.add_argument("--single-ratio", type=float, default=20.0,
                        help="the single fit (and each batch target) at alpha_max/RATIO")
    parser.add_argument("--solvers", default=None, help="comma-separated subset")
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds after which a solver's tol ladder (or path) stops")
    parser.add_argument("--batch-targets", type=int, default=1000)
    parser.add_argument("--batch-subset", type=int, default=50,
                        help="targets the peers are timed on (extrapolated to all)")
    args = parser.parse_args(argv)

    import fastpen

    n_threads = 1 if args.threads == "1" else -1
    fastpen.show_config()
    if not hasattr(fastpen, "logistic_path"):
        print("fastpen has no logistic_path yet: peers only")
    print(f"threads: {args.threads}, target {args.target:g} at every alpha, "
          f"median of {args.repeat}\n")
    modes = args.modes.split(",")
    args.modes = ",".join(m for m in modes if m != "batch")
    with threadpool_limits(limits=1 if args.threads == "1" else None), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)   # ConvergenceWarning et al.
        if args.modes:
            for name in args.problems.split(","):
                run_problem(name, args, n_threads)
        if "batch" in modes:
            run_batch(args, n_threads)
