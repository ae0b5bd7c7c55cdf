"""The independent checker in _helpers.py is itself checked against scikit-learn."""
import numpy as np
import pytest
from sklearn import linear_model as sklm

from _helpers import (
    alpha_max,
    assert_optimal,
    make_data,
    make_weights,
    objective,
    optimality,
)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("positive", [False, True])
def test_gap_equals_sklearn_dual_gap(l1_ratio, weighted, fit_intercept, positive):
    """BENCHMARKING.md: the independent gap equals scikit-learn's dual_gap_ * n."""
    X, y, _ = make_data(n=40, p=8, seed=201)
    sw = make_weights(40) if weighted else None
    # loose tol and few iterations: a non-trivial gap
    est = sklm.ElasticNet(alpha=0.05, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                          positive=positive, tol=1e-14, max_iter=2)
    with pytest.warns(Warning):   # not converged, on purpose
        est.fit(X, y, sample_weight=sw)
    opt = optimality(X, y, est.coef_, est.intercept_, alpha=0.05, l1_ratio=l1_ratio,
                     sample_weight=sw, fit_intercept=fit_intercept, positive=positive)
    assert opt.gap > 0
    assert opt.gap == pytest.approx(est.dual_gap_ * 40, rel=1e-8)


def test_checker_accepts_sklearn_and_rejects_perturbations():
    X, y, _ = make_data(n=50, p=10, seed=202)
    sw = make_weights(50)
    est = sklm.ElasticNet(alpha=0.05, l1_ratio=0.7, tol=1e-12, max_iter=100_000)
    est.fit(X, y, sample_weight=sw)
    kw = dict(alpha=0.05, l1_ratio=0.7, sample_weight=sw)
    assert_optimal(X, y, est.coef_, est.intercept_, **kw)
    w = est.coef_.copy()
    j = int(np.flatnonzero(w)[0])
    w[j] += 1e-3                     # a nonzero coefficient moved
    with pytest.raises(AssertionError):
        assert_optimal(X, y, w, est.intercept_, **kw)
    w = est.coef_.copy()
    k = int(np.flatnonzero(w == 0)[0]) if np.any(w == 0) else None
    if k is not None:                # a zero coefficient made nonzero
        w[k] = 1e-3
        with pytest.raises(AssertionError):
            assert_optimal(X, y, w, est.intercept_, **kw)
    with pytest.raises(AssertionError, match="intercept"):
        assert_optimal(X, y, est.coef_, est.intercept_ + 1e-3, **kw)
    with pytest.raises(AssertionError):        # wrong weights
        assert_optimal(X, y, est.coef_, est.intercept_, alpha=0.05, l1_ratio=0.7)
    with pytest.raises(AssertionError):        # wrong alpha
        assert_optimal(X, y, est.coef_, est.intercept_, alpha=0.06, l1_ratio=0.7,
                       sample_weight=sw)


def test_checker_ridge_and_penalty_factor():
    X, y, _ = make_data(n=50, p=6, seed=203)
    Xc, yc = X - X.mean(0), y - y.mean()
    alpha = 0.3
    w = np.linalg.solve(Xc.T @ Xc + 50 * alpha * np.eye(6), Xc.T @ yc)
    opt = optimality(X, y, w, y.mean() - X.mean(0) @ w, alpha=alpha, l1_ratio=0.0)
    assert abs(opt.rel_gap) < 1e-12 and opt.kkt < 1e-12
    opt = optimality(X, y, 1.01 * w, y.mean() - X.mean(0) @ w, alpha=alpha, l1_ratio=0.0)
    assert opt.rel_gap > 1e-6
    # a penalty factor c on every feature is alpha * c
    est = sklm.Lasso(alpha=0.1, tol=1e-12).fit(X, y)
    o1 = optimality(X, y, est.coef_, est.intercept_, alpha=0.05, penalty_factor=np.full(6, 2))
    o2 = optimality(X, y, est.coef_, est.intercept_, alpha=0.1)
    assert o1.gap == pytest.approx(o2.gap, rel=1e-10, abs=1e-14)
    assert o1.kkt == pytest.approx(o2.kkt, abs=1e-14)


def test_alpha_max_and_objective():
    X, y, _ = make_data(n=40, p=8, seed=204)
    amax = alpha_max(X, y)
    est = sklm.Lasso(alpha=amax * 1.000001).fit(X, y)
    assert np.all(est.coef_ == 0)
    est = sklm.Lasso(alpha=amax * 0.99, tol=1e-12).fit(X, y)
    assert np.any(est.coef_ != 0)
    # the objective is minimal at sklearn's solution
    est = sklm.Lasso(alpha=0.1, tol=1e-12).fit(X, y)
    f0 = objective(X, y, est.coef_, est.intercept_, 0.1)
    rng = np.random.default_rng(0)
    for _ in range(5):
        d = 1e-3 * rng.standard_normal(8)
        assert objective(X, y, est.coef_ + d, est.intercept_, 0.1) > f0
