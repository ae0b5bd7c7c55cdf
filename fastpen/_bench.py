"""``fastpen bench``: a quick side-by-side against scikit-learn at equal duality gap.

A Lasso path on a generated problem (AR(1)-correlated Gaussian design), run by
fastpen and by scikit-learn's ``lasso_path``; every solver's ``tol`` is walked
down a 1-2-5 ladder until the independent gap below is at most the target at
every alpha, and that run is timed (median of ``repeat``).  The ladder starts
at ten times the target (the same start for every solver: a tolerance much
above the gap wanted is not worth trying, and the walk stays short).  The gap is the
one of benchmarks/README.md (scikit-learn's objective and dual point),
computed here in float64 from the returned coefficients.
"""
import time

import numpy as np

LADDER = [m * 10.0 ** -k for k in range(0, 13) for m in (1.0, 0.5, 0.2)]


def relative_gaps(X, y, alphas, coefs):
    """Relative duality gaps gap / (||y - ybar||^2 / 2) of Lasso solutions (one per
    alpha, intercept by centring), as in benchmarks/README.md."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    W = np.asarray(coefs, dtype=np.float64)
    a = X.shape[0] * np.asarray(alphas, dtype=np.float64)
    R = yc[None, :] - W @ Xc.T                      # (m, n), one residual per alpha
    dnorm = np.max(np.abs(R @ Xc), axis=1)
    c = np.where(dnorm > a, a / np.maximum(dnorm, np.finfo(float).tiny), 1.0)
    gap = (0.5 * np.einsum("ij,ij->i", R, R) * (1 + c * c) + a * np.abs(W).sum(axis=1)
           - c * (R @ yc))
    return gap / (0.5 * float(yc @ yc))


def _solvers(n_threads):
    import fastpen

    out = {"fastpen": lambda X, y, alphas, tol: fastpen.lasso_path(
        X, y, alphas=alphas, tol=tol, n_threads=n_threads).coefs}
    try:
        from sklearn.linear_model import lasso_path
    except ImportError:            # pragma: no cover - scikit-learn is a dependency
        return out

    def sklearn(X, y, alphas, tol):
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        return lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=100000)[1].T
    out["scikit-learn"] = sklearn
    return out


def run(n=500, p=1000, n_alphas=50, eps=1e-2, target=1e-6, repeat=3, seed=0,
        n_threads=None, out=None):
    """Run the comparison; returns a list of (solver, tol, seconds, worst gap) rows.

    Writes the table to ``out`` (a file) when given.
    """
    import warnings

    from .datasets import make_correlated_regression

    X, y, _ = make_correlated_regression(n, p, random_state=seed)
    X = np.ascontiguousarray(X)
    yc = y - y.mean()
    alpha_max = float(np.max(np.abs((X - X.mean(axis=0)).T @ yc))) / n
    alphas = alpha_max * np.geomspace(1.0, eps, n_alphas)
    rows = []
    for name, fit in _solvers(n_threads).items():
        fit(X[:100], y[:100], alphas[:3], 1e-4)          # warm-up
        for tol in [t for t in LADDER if t <= 10 * target * (1 + 1e-9)]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                coefs = fit(X, y, alphas, tol)
            worst = float(np.max(relative_gaps(X, y, alphas, coefs)))
            if worst <= target:
                secs = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        fit(X, y, alphas, tol)
                    secs.append(time.perf_counter() - start)
                rows.append((name, tol, float(np.median(secs)), worst))
                break
        else:
            rows.append((name, None, float("nan"), float("nan")))
    if out is not None:
        print(f"Lasso path, {n_alphas} alphas down to {eps:g} alpha_max, on a {n} x {p} "
              f"correlated Gaussian design; every solver's tol walked down until the "
              f"relative duality gap is <= {target:g} at every alpha (median of {repeat}).",
              file=out)
        print(f"{'solver':<14} {'tol':>8} {'time':>10} {'worst gap':>10}", file=out)
        for name, tol, sec, worst in rows:
            if tol is None:
                print(f"{name:<14} {'-':>8} {'n/a':>10}  (no tol of the ladder reached it)",
                      file=out)
            else:
                print(f"{name:<14} {tol:8.0e} {sec * 1e3:8.1f} ms {worst:10.1e}", file=out)
        times = {name: sec for name, tol, sec, _ in rows if tol is not None}
        if "fastpen" in times and "scikit-learn" in times:
            print(f"fastpen is {times['scikit-learn'] / times['fastpen']:.1f}x faster than "
                  "scikit-learn at equal precision.", file=out)
    return rows
