"""fastpen.Lasso / ElasticNet: scikit-learn compatibility and agreement."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import fastpen
from _helpers import (
    assert_estimator_optimal,
    assert_optimal,
    gram_matrix,
    make_data,
    make_weights,
    optimality,
    to_format,
)

TIGHT = dict(tol=1e-10, max_iter=100_000)


def _pair(l1_ratio, **kw):
    """(fastpen, scikit-learn) estimators for the same objective."""
    if l1_ratio == 1.0:
        return fastpen.Lasso(**kw), sklm.Lasso(**kw)
    return (fastpen.ElasticNet(l1_ratio=l1_ratio, **kw),
            sklm.ElasticNet(l1_ratio=l1_ratio, **kw))


# ------------------------------------------------------------------ toys


@pytest.mark.parametrize("alpha, expected", [(0.1, 0.85), (0.5, 0.25)])
@pytest.mark.parametrize("Est", [fastpen.Lasso, fastpen.ElasticNet])
def test_toy(alpha, expected, Est):
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([-1.0, 0.0, 1.0])
    kw = {} if Est is fastpen.Lasso else {"l1_ratio": 1.0}
    est = Est(alpha=alpha, **kw, **TIGHT).fit(X, y)
    np.testing.assert_allclose(est.coef_, [expected], rtol=1e-10)
    assert est.intercept_ == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(est.predict([[-1.0], [0.0], [1.0], [2.0]]),
                               [-expected, 0.0, expected, 2 * expected], rtol=1e-10,
                               atol=1e-15)
    assert est.n_features_in_ == 1


def test_toy_elastic_net():
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([-1.0, 0.0, 1.0])
    alpha, l1 = 0.5, 0.3
    est = fastpen.ElasticNet(alpha=alpha, l1_ratio=l1, tol=1e-14).fit(X, y)
    expected = (2 / 3 - alpha * l1) / (2 / 3 + alpha * (1 - l1))
    np.testing.assert_allclose(est.coef_, [expected], rtol=1e-10)


# ------------------------------------------------- agreement with sklearn


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc", "coo"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
def test_agrees_with_sklearn(fmt, dtype, fit_intercept, weighted, positive, l1_ratio):
    X, y, _ = make_data(n=50, p=10, seed=101, density=0.6, offset=0.3)
    sw = make_weights(50) if weighted else None
    alpha = 0.05
    ours, theirs = _pair(l1_ratio, alpha=alpha, fit_intercept=fit_intercept,
                         positive=positive, tol=1e-10, max_iter=100_000)
    Xd = X.astype(dtype)
    ours.fit(to_format(Xd, fmt), y.astype(dtype), sample_weight=sw)
    # scikit-learn accumulates its float32 gap in float32: fit it on the same
    # (float32-rounded) data in float64, which is the exact answer to compare with.
    theirs.fit(to_format(Xd.astype(np.float64), fmt), y.astype(dtype).astype(np.float64),
               sample_weight=sw)
    atol = 1e-6 if dtype == np.float64 else 1e-4
    assert ours.coef_.dtype == dtype
    assert ours.coef_.shape == theirs.coef_.shape == (10,)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=atol, rtol=0)
    assert np.asarray(ours.intercept_) == pytest.approx(theirs.intercept_, abs=atol)
    assert np.count_nonzero(ours.coef_) > 0
    assert_estimator_optimal(ours, Xd, y.astype(dtype), sample_weight=sw,
                             l1_ratio=l1_ratio)
    # predictions agree (on the dense float64 data)
    np.testing.assert_allclose(ours.predict(to_format(Xd, fmt)), theirs.predict(X),
                               atol=50 * atol)


def test_agrees_with_sklearn_quickstart(quickstart):
    X, y = quickstart
    sw = np.linspace(0.5, 2.0, X.shape[0])
    for alpha, l1 in [(0.05, 1.0), (0.1, 0.2), (0.01, 0.5)]:
        ours, theirs = _pair(l1, alpha=alpha, **TIGHT)
        ours.fit(X, y, sample_weight=sw)
        theirs.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
        assert ours.intercept_ == pytest.approx(theirs.intercept_, abs=1e-6)
        assert_estimator_optimal(ours, X, y, sample_weight=sw, l1_ratio=l1)
        # same objective value, and its dual gap is the same quantity as sklearn's
        opt = optimality(X, y, ours.coef_, ours.intercept_, alpha=alpha, l1_ratio=l1,
                         sample_weight=sw)
        yc = y - np.average(y, weights=sw)
        scale = np.sum(sw / sw.mean() * yc * yc) / X.shape[0]
        assert ours.dual_gap_ == pytest.approx(opt.gap / X.shape[0], rel=1e-6,
                                               abs=1e-12 * scale)


def test_agrees_with_sklearn_path(quickstart):
    X, y = quickstart
    ours = fastpen.enet_path(X, y, l1_ratio=0.5, alphas=15, **TIGHT)
    alphas, coefs, _ = sklm.enet_path(X - X.mean(0), y - y.mean(), l1_ratio=0.5,
                                      alphas=ours.alphas, tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(alphas, ours.alphas)
    np.testing.assert_allclose(ours.coefs, coefs.T, atol=1e-6)
    # same automatic grid as scikit-learn
    sk_alphas, _, _ = sklm.enet_path(X - X.mean(0), y - y.mean(), l1_ratio=0.5, alphas=15)
    np.testing.assert_allclose(ours.alphas, sk_alphas, rtol=1e-10)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
def test_estimator_at_alpha_max(fmt, weighted):
    X, y, _ = make_data(n=40, p=9, seed=106, offset=0.5)
    sw = make_weights(40) if weighted else None
    res = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=0.5, alphas=3, sample_weight=sw)
    for alpha in (res.alphas[0], 1.0001 * res.alphas[0]):
        est = fastpen.ElasticNet(alpha=alpha, l1_ratio=0.5).fit(to_format(X, fmt), y,
                                                               sample_weight=sw)
        assert np.all(est.coef_ == 0.0)
        assert est.intercept_ == pytest.approx(np.average(y, weights=sw), rel=1e-12)
        theirs = sklm.ElasticNet(alpha=alpha, l1_ratio=0.5).fit(X, y, sample_weight=sw)
        assert np.all(theirs.coef_ == 0.0)
    est = fastpen.ElasticNet(alpha=0.99 * res.alphas[0], l1_ratio=0.5, **TIGHT)
    est.fit(to_format(X, fmt), y, sample_weight=sw)
    assert np.count_nonzero(est.coef_) >= 1
    assert_estimator_optimal(est, X, y, sample_weight=sw)


# ------------------------------------------------------- sklearn checks


@parametrize_with_checks([fastpen.Lasso(), fastpen.ElasticNet()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --------------------------------------------------------------- shapes


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("ydim", ["1d", "column"])
def test_shapes_like_sklearn(fit_intercept, ydim):
    X, y, _ = make_data(n=30, p=5, seed=102)
    Y = y if ydim == "1d" else y[:, None]
    ours = fastpen.Lasso(alpha=0.05, fit_intercept=fit_intercept, **TIGHT).fit(X, Y)
    theirs = sklm.Lasso(alpha=0.05, fit_intercept=fit_intercept, **TIGHT).fit(X, Y)
    assert ours.coef_.shape == theirs.coef_.shape == (5,)
    assert np.shape(ours.intercept_) == np.shape(theirs.intercept_)
    if fit_intercept and ydim == "column":
        assert np.shape(ours.intercept_) == (1,)
    assert np.shape(ours.dual_gap_) == np.shape(theirs.dual_gap_)
    assert np.shape(ours.n_iter_) == np.shape(theirs.n_iter_)
    assert ours.predict(X).shape == theirs.predict(X).shape
    assert ours.sparse_coef_.shape == theirs.sparse_coef_.shape
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-6)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_multi_target_equals_separate_fits(fmt, fit_intercept):
    X, y, _ = make_data(n=40, p=8, seed=103)
    rng = np.random.default_rng(1)
    Y = np.column_stack([y, X @ rng.standard_normal(8), -y + 3])
    sw = make_weights(40)
    est = fastpen.ElasticNet(alpha=0.05, l1_ratio=0.7, fit_intercept=fit_intercept, **TIGHT)
    est.fit(to_format(X, fmt), Y, sample_weight=sw)
    assert est.coef_.shape == (3, 8)
    assert np.shape(est.dual_gap_) == (3,)
    assert len(est.n_iter_) == 3
    assert est.predict(to_format(X, fmt)).shape == (40, 3)
    assert est.sparse_coef_.shape == (3, 8)
    intercepts = np.broadcast_to(est.intercept_, (3,))
    for k in range(3):
        one = fastpen.ElasticNet(alpha=0.05, l1_ratio=0.7, fit_intercept=fit_intercept,
                                 **TIGHT).fit(X, Y[:, k], sample_weight=sw)
        np.testing.assert_allclose(est.coef_[k], one.coef_, atol=1e-10)
        assert intercepts[k] == pytest.approx(one.intercept_, abs=1e-10)
        assert_optimal(X, Y[:, k], est.coef_[k], intercepts[k], alpha=0.05, l1_ratio=0.7,
                       sample_weight=sw, fit_intercept=fit_intercept)
    theirs = sklm.ElasticNet(alpha=0.05, l1_ratio=0.7, fit_intercept=fit_intercept,
                             **TIGHT).fit(X, Y, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, theirs.coef_, atol=1e-6)
    np.testing.assert_allclose(est.predict(to_format(X, fmt)), theirs.predict(X), atol=1e-5)


# --------------------------------------------------- attributes, options


def test_dual_gap_and_n_iter(data):
    X, y, _ = data
    est = fastpen.ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-8).fit(X, y)
    opt = optimality(X, y, est.coef_, est.intercept_, alpha=0.1, l1_ratio=0.5)
    assert est.dual_gap_ == pytest.approx(opt.gap / X.shape[0], rel=1e-6)
    yc = y - y.mean()
    assert est.dual_gap_ <= 1e-8 * (yc @ yc) / X.shape[0]
    assert isinstance(est.n_iter_, int) and est.n_iter_ >= 1


def test_warm_start(data):
    X, y, _ = data
    est = fastpen.ElasticNet(alpha=0.05, l1_ratio=0.5, warm_start=True, **TIGHT)
    est.fit(X, y)
    first = est.coef_.copy()
    assert est.n_iter_ > 0
    est.fit(X, y)       # starts at the solution: no sweep needed
    assert est.n_iter_ == 0
    np.testing.assert_array_equal(est.coef_, first)
    est.set_params(alpha=0.01)
    est.fit(X, y)
    cold = fastpen.ElasticNet(alpha=0.01, l1_ratio=0.5, **TIGHT).fit(X, y)
    np.testing.assert_allclose(est.coef_, cold.coef_, atol=1e-7)
    assert_estimator_optimal(est, X, y)
    # without warm_start the previous coef_ is ignored
    est2 = fastpen.ElasticNet(alpha=0.05, l1_ratio=0.5, **TIGHT).fit(X, y)
    est2.fit(X, y)
    assert est2.n_iter_ > 0
    # a warm start of the wrong shape
    with pytest.raises(ValueError, match="warm_start"):
        est.fit(X[:, :-1], y)


def test_sparse_coef(data):
    X, y, _ = data
    est = fastpen.Lasso(alpha=0.2).fit(X, y)
    sc = est.sparse_coef_
    assert sp.issparse(sc) and sc.format == "csr"
    np.testing.assert_array_equal(sc.toarray(), est.coef_[None, :])
    assert sc.nnz == np.count_nonzero(est.coef_) < X.shape[1]


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y, _ = make_data(n=30, p=4, seed=104)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = fastpen.Lasso(alpha=0.05).fit(df, y)
    np.testing.assert_array_equal(est.feature_names_in_, ["a", "b", "c", "d"])
    ref = fastpen.Lasso(alpha=0.05).fit(X, y)
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    assert not hasattr(ref, "feature_names_in_")


def test_path_staticmethod(data):
    X, y, _ = data
    a = fastpen.ElasticNet.path(X, y, l1_ratio=0.3, alphas=5)
    b = fastpen.enet_path(X, y, l1_ratio=0.3, alphas=5)
    np.testing.assert_array_equal(a.coefs, b.coefs)
    # As in scikit-learn (sklearn.linear_model.Lasso.path is enet_path), Lasso.path
    # is the elastic-net path function: l1_ratio must be passed for a lasso path.
    assert fastpen.Lasso.path.__name__ == "enet_path"
    c = fastpen.Lasso.path(X, y, l1_ratio=1.0, alphas=5)
    d = fastpen.lasso_path(X, y, alphas=5)
    np.testing.assert_array_equal(c.alphas, d.alphas)
    np.testing.assert_array_equal(c.coefs, d.coefs)


def test_precompute_options_agree(data):
    X, y, _ = data
    sw = make_weights(X.shape[0])
    G = gram_matrix(X, sw, True)
    coefs = []
    for pre in (False, True, "auto", G):
        est = fastpen.ElasticNet(alpha=0.05, l1_ratio=0.8, precompute=pre, **TIGHT)
        est.fit(X, y, sample_weight=sw)
        coefs.append(est.coef_)
    for c in coefs[1:]:
        np.testing.assert_allclose(c, coefs[0], atol=1e-8)
    with pytest.raises(ValueError, match="precompute"):
        fastpen.ElasticNet(precompute=X.T @ X).fit(X, y, sample_weight=sw)


def test_penalty_factor_estimator(data):
    X, y, _ = data
    pf = np.linspace(0.0, 2.0, X.shape[1])
    est = fastpen.Lasso(alpha=0.1, penalty_factor=pf, **TIGHT).fit(X, y)
    res = fastpen.lasso_path(X, y, alphas=[0.1], penalty_factor=pf, precompute="auto",
                             **TIGHT)
    np.testing.assert_array_equal(est.coef_, res.coefs[0])   # the same code path
    assert_estimator_optimal(est, X, y)
    assert est.coef_[0] != 0     # pf = 0: never shrunk to zero


def test_float32_estimator(data):
    X, y, _ = data
    est = fastpen.ElasticNet(alpha=0.05, **TIGHT).fit(X.astype(np.float32), y)
    ref = fastpen.ElasticNet(alpha=0.05, **TIGHT).fit(X, y)
    assert est.coef_.dtype == np.float32
    assert np.asarray(est.intercept_).dtype == np.float32
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-4)
    assert est.intercept_ == pytest.approx(ref.intercept_, abs=1e-4)


def test_alpha_zero_estimator_is_linear_regression(data):
    X, y, _ = data
    with pytest.warns(UserWarning, match="alpha=0"):
        est = fastpen.Lasso(alpha=0.0, tol=1e-14, max_iter=100_000).fit(X, y)
    lr = sklm.LinearRegression().fit(X, y)
    np.testing.assert_allclose(est.coef_, lr.coef_, atol=1e-6)
    assert est.intercept_ == pytest.approx(lr.intercept_, abs=1e-6)


def test_random_selection_estimator(data):
    X, y, _ = data
    kw = dict(alpha=0.02, l1_ratio=0.5, selection="random", **TIGHT)
    a = fastpen.ElasticNet(random_state=0, **kw).fit(X, y)
    b = fastpen.ElasticNet(random_state=0, **kw).fit(X, y)
    c = fastpen.ElasticNet(alpha=0.02, l1_ratio=0.5, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_allclose(a.coef_, c.coef_, atol=1e-7)
    assert_estimator_optimal(a, X, y)


def test_n_threads_estimator(data):
    X, y, _ = data
    coefs = [fastpen.Lasso(alpha=0.05, n_threads=t).fit(X, y).coef_ for t in (1, 2, -1, None)]
    for c in coefs[1:]:
        np.testing.assert_array_equal(c, coefs[0])


def test_params_roundtrip():
    pf = np.arange(3.0)
    est = fastpen.ElasticNet(alpha=0.3, l1_ratio=0.2, penalty_factor=pf, n_threads=2,
                             selection="random", random_state=4)
    params = est.get_params()
    assert params["penalty_factor"] is pf
    assert params["n_threads"] == 2 and params["l1_ratio"] == 0.2
    c = clone(est)
    assert c.get_params()["alpha"] == 0.3
    assert "l1_ratio" not in fastpen.Lasso().get_params()
    assert set(sklm.Lasso().get_params()) <= set(fastpen.Lasso().get_params())
    assert set(sklm.ElasticNet().get_params()) <= set(fastpen.ElasticNet().get_params())


def test_convergence_warning_is_sklearns():
    rng = np.random.default_rng(105)
    base = rng.standard_normal((100, 1))
    X = base + 0.01 * rng.standard_normal((100, 30))
    y = X @ rng.standard_normal(30)
    for Est in (fastpen.Lasso, fastpen.ElasticNet):
        with pytest.warns(SkConvergenceWarning, match="tolerance") as rec:
            Est(alpha=1e-4, max_iter=1, tol=1e-12).fit(X, y)
        assert all(not issubclass(w.category, fastpen.ConvergenceWarning) for w in rec
                   if issubclass(w.category, SkConvergenceWarning))


def test_no_warning_by_default(data, no_warnings):
    X, y, _ = data
    fastpen.Lasso(alpha=0.1).fit(X, y)
    fastpen.ElasticNet(alpha=0.1).fit(sp.csr_matrix(X), y)


# ------------------------------------------------ pipelines and search


def test_pipeline_grid_search_agrees_with_sklearn(quickstart):
    X, y = quickstart
    cv = KFold(5, shuffle=True, random_state=0)
    grid = {"lasso__alpha": [1.0, 0.3, 0.1, 0.03, 0.01, 0.003]}
    ours = GridSearchCV(make_pipeline(StandardScaler(), fastpen.Lasso(tol=1e-10)), grid,
                        cv=cv).fit(X, y)
    theirs = GridSearchCV(make_pipeline(StandardScaler(), sklm.Lasso(tol=1e-10)), grid,
                          cv=cv).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"], atol=1e-6)
    np.testing.assert_allclose(ours.best_estimator_[-1].coef_,
                               theirs.best_estimator_[-1].coef_, atol=1e-6)
    assert 0.5 < ours.best_score_ <= 1.0


def test_multi_target_without_intercept_has_scalar_zero_intercept():
    """Regression: k > 1 targets with fit_intercept=False gave zeros(k); scikit-learn 0.0."""
    X, y, _ = make_data(n=40, p=6, seed=3)
    Y = np.column_stack([y, -y])
    ours = fastpen.Lasso(alpha=0.05, fit_intercept=False).fit(X, Y)
    theirs = sklm.Lasso(alpha=0.05, fit_intercept=False).fit(X, Y)
    assert np.shape(ours.intercept_) == np.shape(theirs.intercept_) == ()
    assert ours.intercept_ == theirs.intercept_ == 0.0
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-3)
