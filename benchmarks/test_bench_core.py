"""pytest-benchmark timings of single fits (run: ``pytest benchmarks --benchmark-only``).

Every timed fit is first checked to reach a relative duality gap <= 1e-6 with
the independent gap of benchmarks/gap.py, so the timings compare equal
precision.  Single-threaded on both sides (BLAS limited to one thread).
"""
import os
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gap import relative_gap  # noqa: E402

import fastpen  # noqa: E402
from fastpen.datasets import make_correlated_regression, make_sparse_regression  # noqa: E402

TARGET = 1e-6


def _alpha(X, y):
    return float(np.max(np.abs(X.T @ (y - y.mean())))) / X.shape[0] / 20


@pytest.fixture(scope="module", params=["dense", "sparse"])
def problem(request):
    if request.param == "dense":
        X, y, _ = make_correlated_regression(1000, 5000, rho=0.6, n_nonzero=50)
    else:
        X, y, _ = make_sparse_regression(20000, 100000, nnz_per_row=60)
    return request.param, X, y, _alpha(X, y)


def _fastpen(X, y, alpha, tol):
    return fastpen.lasso_path(X, y, alphas=[alpha], tol=tol, n_threads=1).coefs[0]


def _sklearn(X, y, alpha, tol):
    from sklearn.linear_model import Lasso
    return Lasso(alpha=alpha, tol=tol, max_iter=100000).fit(X, y).coef_


@pytest.mark.parametrize("solver", [_fastpen, _sklearn], ids=["fastpen", "scikit-learn"])
def test_single_fit(benchmark, problem, solver):
    name, X, y, alpha = problem
    benchmark.group = f"lasso {name} alpha_max/20"
    with threadpool_limits(limits=1):
        for tol in [10.0 ** -k for k in range(4, 11)]:
            if relative_gap(X, y, solver(X, y, alpha, tol), alpha) <= TARGET:
                break
        coef = benchmark(solver, X, y, alpha, tol)
    assert relative_gap(X, y, coef, alpha) <= TARGET
