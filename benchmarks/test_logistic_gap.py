"""The logistic scorers against scikit-learn's tight answers (``pytest benchmarks/test_logistic_gap.py``).

A duality gap must be ~0 at an optimum and clearly positive away from it; the
intercept's dual bound must be below every objective and tight at the optimum.
"""
import os
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logistic_gap import (binomial_objective, binomial_relative_gap,  # noqa: E402
                          intercept_dual_bound, multinomial_relative_gap, optimal_intercept)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 30))
    score = X[:, :3] @ np.array([1.5, -2.0, 1.0]) + rng.standard_normal(120)
    y = np.where(score > 0, 1.0, -1.0)
    y3 = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    alpha = np.abs(X.T @ y).max() / (2 * X.shape[0]) / 8
    return X, y, y3, alpha


def _sklearn(X, y, alpha, l1_ratio, fit_intercept=False, sample_weight=None):
    from sklearn.linear_model import LogisticRegression
    total = X.shape[0] if sample_weight is None else sample_weight.sum()
    solver = "saga" if l1_ratio > 0 else "lbfgs"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(solver=solver, C=1 / (total * alpha), l1_ratio=l1_ratio,
                                  tol=1e-12, max_iter=100000, fit_intercept=fit_intercept
                                  ).fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_binomial_gap_zero_at_optimum_positive_elsewhere(data, l1_ratio):
    X, y, _, alpha = data
    w = _sklearn(X, y, alpha, l1_ratio).coef_[0]
    assert abs(binomial_relative_gap(X, y, w, alpha, l1_ratio)) < 1e-9
    assert binomial_relative_gap(X, y, w + 1e-2, alpha, l1_ratio) > 1e-5
    assert binomial_relative_gap(sp.csr_matrix(X), y, w, alpha, l1_ratio) == pytest.approx(
        binomial_relative_gap(X, y, w, alpha, l1_ratio), abs=1e-13)


def test_binomial_gap_with_weights_and_alpha_max(data):
    X, y, _, alpha = data
    s = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0])
    w = _sklearn(X, y, alpha, 1.0, sample_weight=s).coef_[0]
    assert abs(binomial_relative_gap(X, y, w, alpha, sample_weight=s)) < 1e-9
    # unit penalty factors are the default; doubling them changes the problem
    assert binomial_relative_gap(X, y, w, alpha, penalty_factor=np.full(30, 2.0)) > 1e-5
    alpha_max = np.abs(X.T @ y).max() / (2 * X.shape[0])
    assert binomial_relative_gap(X, y, np.zeros(30), alpha_max) == pytest.approx(0, abs=1e-15)


def test_intercept_bound_below_objectives_and_tight(data):
    X, y, _, alpha = data
    model = _sklearn(X, y, alpha, 1.0, fit_intercept=True)
    w, b = model.coef_[0], model.intercept_[0]
    assert optimal_intercept(X @ w, y) == pytest.approx(b, abs=1e-8)
    objective = binomial_objective(X, y, w, b, alpha)
    bound = intercept_dual_bound(X, y, w, alpha)
    assert 0 <= (objective - bound) / objective < 1e-9
    rng = np.random.default_rng(2)
    for _ in range(5):     # any point's bound stays below the optimum
        other = intercept_dual_bound(X, y, w + 0.05 * rng.standard_normal(30), alpha)
        assert other <= objective + 1e-12


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_multinomial_gap(data, l1_ratio):
    X, _, y3, alpha = data
    W = _sklearn(X, y3, alpha, l1_ratio).coef_
    assert abs(multinomial_relative_gap(X, y3, W, alpha, l1_ratio)) < 1e-9
    rng = np.random.default_rng(3)
    for _ in range(5):
        assert multinomial_relative_gap(
            X, y3, W + 0.05 * rng.standard_normal(W.shape), alpha, l1_ratio) > 1e-6


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_every_peer_solves_the_scored_objective(fit_intercept):
    """Each runner of compare_logistic converts its solver's regularisation to the
    scored objective: tight runs reach the target on a tiny path."""
    from compare_logistic import (Design, Suboptimality, gap_score, logistic_alpha_max,
                                  reference_objectives, solvers)

    rng = np.random.default_rng(4)
    X = rng.standard_normal((80, 15))
    y = np.where(X[:, 0] - X[:, 1] + 0.5 + rng.standard_normal(80) > 0, 1.0, -1.0)
    design = Design(X)
    alpha_max = logistic_alpha_max(X, y, fit_intercept)
    alphas = alpha_max * np.array([0.5, 0.1])
    if fit_intercept:
        best, certificate = reference_objectives(design, y, alphas, np.inf)
        assert certificate < 1e-9
        score = Suboptimality(best)
    else:
        score = gap_score
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fit in solvers(fit_intercept, 1, np.inf).items():
            if name == "sklearn-liblinear" and fit_intercept:
                continue    # its intercept is penalised (intercept_scaling)
            tol = 1e-14 if name == "python-glmnet" else 1e-10
            assert score(design, y, fit(design, y, alphas, tol), alphas) < 1e-6, name
    # alpha_max: all coefficients vanish there (gap 0 at w = 0 without intercept)
    if not fit_intercept:
        assert gap_score(design, y, (np.zeros((1, 15)), np.zeros(1)), [alpha_max]) < 1e-14
