"""Sparse ridge: fastpen.ridge_path against scikit-learn's sparse Ridge solvers.

The issue-6 case: X of 20000 x 50000 at 0.1 % density (uniform random positions,
standard normal values, CSR from scipy.sparse.random), 10 targets (a 100-feature
signal plus noise), 10 alphas from 1e-1 to 1e3, with an intercept.  Equal
precision: a reference solution per (alpha, target) from LSQR at atol = btol =
1e-14 (fastpen's, one target at a time); every solver's relative coefficient
error must be <= --target at every alpha and target.  Every solver's tolerance
(fastpen's block-CG residual tolerance too) is walked down a 1-2-5 ladder until
it gets there; scikit-learn's 'lsqr' and 'sparse_cg' solvers make one Ridge fit
per alpha, all targets at once.

    python benchmarks/ridge_sparse.py [--target 1e-6] [--repeat 3]
"""
import argparse
import time

import numpy as np
import scipy.sparse as sp

import fastpen
from fastpen import _ridge

LADDER = [m * 10.0 ** -k for k in range(3, 13) for m in (1.0, 0.5, 0.2)]


def make_problem(n=20000, p=50000, density=1e-3, k=10, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="csr", random_state=seed,
                  data_rvs=rng.standard_normal)
    W = np.zeros((p, k))
    W[rng.choice(p, 100, replace=False)] = rng.standard_normal((100, k))
    Y = X @ W + 0.5 * rng.standard_normal((n, k))
    return X, Y


def _design(X, Y):
    from fastpen._validation import check_array_2d

    return _ridge.Design(check_array_2d(X), Y, None, True, 1)


def worst_error(coefs, ref):
    num = np.linalg.norm(coefs - ref, axis=-1)
    return float(np.max(num / np.maximum(np.linalg.norm(ref, axis=-1), 1e-300)))


def main(argv=None):
    from sklearn.linear_model import Ridge

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs at the tol found (median reported)")
    args = parser.parse_args(argv)
    X, Y = make_problem()
    alphas = np.geomspace(1e-1, 1e3, 10)
    print(f"sparse ridge: X {X.shape[0]}x{X.shape[1]}, {X.nnz} nonzeros, {Y.shape[1]} "
          f"targets, 10 alphas, relative coefficient error <= {args.target:g}")
    default_tol = _ridge._LSQR_TOL
    _ridge._LSQR_TOL = 1e-14
    ref = np.stack([_ridge.fit_ridge(_design(X, Y), Y, np.full((1, Y.shape[1]), a),
                                     mode="lsqr")[0] for a in alphas])
    _ridge._LSQR_TOL = default_tol
    default_cg = _ridge._CG_TOL

    def fastpen_fit(tol):
        _ridge._CG_TOL = tol
        return fastpen.ridge_path(X, Y, alphas).coefs

    def sklearn_fit(solver):
        return lambda tol: np.stack([Ridge(alpha=a, solver=solver, tol=tol).fit(X, Y).coef_
                                     for a in alphas])

    fits = {"fastpen ridge_path (block CG)": fastpen_fit,
            "scikit-learn Ridge lsqr": sklearn_fit("lsqr"),
            "scikit-learn Ridge sparse_cg": sklearn_fit("sparse_cg")}
    def timed(fit, tol):
        secs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fit(tol)
            secs.append(time.perf_counter() - start)
        return float(np.median(secs)), min(secs), max(secs)

    for name, fit in fits.items():
        for tol in LADDER:
            err = worst_error(fit(tol), ref)
            if err <= args.target:
                med, lo, hi = timed(fit, tol)
                print(f"  {name:<32} tol {tol:<6g} {med:8.2f} s ({lo:.2f}-{hi:.2f})  "
                      f"error {err:.1e}", flush=True)
                break
        else:
            print(f"  {name}: no tol of the ladder reached it")
        if name.startswith("fastpen"):
            err = worst_error(fastpen_fit(default_cg), ref)
            med, lo, hi = timed(fastpen_fit, default_cg)
            print(f"  {'  at its default tol':<32} tol {default_cg:<6g} "
                  f"{med:8.2f} s ({lo:.2f}-{hi:.2f})  error {err:.1e}", flush=True)

if __name__ == "__main__":
    main()
