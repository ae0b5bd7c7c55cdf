"""fastpen.LogisticRegression / LogisticRegressionCV: agreement with scikit-learn,
predictions, cross-validation against a brute-force loop, scikit-learn's checks."""
import warnings

import numpy as np
import pytest
from sklearn import linear_model as sklm
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

import fastpen
from fastpen._logistic_cv import weighted_auc

TIGHT = dict(tol=1e-10, max_iter=100_000)


def _data(n=120, p=6, n_classes=2, seed=0):
    """Overlapping classes (no separation): a well-defined optimum at any C."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = rng.standard_normal((n_classes, p))
    W[:, p // 2:] = 0.0
    eta = X @ W.T + 0.3 * rng.standard_normal((n, n_classes))
    y = np.argmax(eta + rng.gumbel(size=eta.shape), axis=1)
    return X, y


def _objective(est, X, y, C, l1_ratio, sw):
    """scikit-learn's objective C sum s_i l_i + l1_ratio |w|_1 + (1-l1_ratio)/2 |w|^2,
    computed from the model's probabilities (independently of either solver)."""
    proba = est.predict_proba(X)
    idx = np.searchsorted(est.classes_, y)
    loss = -np.log(proba[np.arange(len(y)), idx])
    W = np.asarray(est.coef_)
    pen = l1_ratio * np.abs(W).sum() + 0.5 * (1 - l1_ratio) * (W ** 2).sum()
    return C * np.sum(sw * loss) + pen


def _sklearn(C, l1_ratio, n_classes, **kw):
    if l1_ratio == 0.0:
        return sklm.LogisticRegression(C=C, l1_ratio=0.0, solver="lbfgs", tol=1e-12,
                                       max_iter=10_000, **kw)
    if l1_ratio == 1.0 and n_classes == 2:
        return sklm.LogisticRegression(C=C, l1_ratio=1.0, solver="liblinear", tol=1e-10,
                                       max_iter=10_000, intercept_scaling=1e4, **kw)
    return sklm.LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-10,
                                   max_iter=100_000, **kw)


# ------------------------------------------------------- agreement with sklearn


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("weights", ["none", "sample", "balanced", "dict"])
def test_agrees_with_sklearn(n_classes, l1_ratio, weights):
    X, y = _data(n_classes=n_classes, seed=n_classes)
    labels = np.array(["ant", "bee", "cat"])[y]            # string labels
    rng = np.random.default_rng(5)
    sw = rng.uniform(0.2, 3.0, len(y)) if weights == "sample" else None
    cw = ({"balanced": "balanced", "dict": {"ant": 2.0, "bee": 0.5}}.get(weights))
    C = 0.3
    ours = fastpen.LogisticRegression(C=C, l1_ratio=l1_ratio, class_weight=cw,
                                      **TIGHT).fit(X, labels, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _sklearn(C, l1_ratio, n_classes, class_weight=cw).fit(X, labels,
                                                                       sample_weight=sw)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.coef_.shape == theirs.coef_.shape
    assert ours.intercept_.shape == theirs.intercept_.shape
    # the effective weights: sample weights times class weights
    from sklearn.utils.class_weight import compute_sample_weight
    eff = (np.ones(len(y)) if sw is None else sw) * (
        compute_sample_weight(cw, labels) if cw is not None else 1.0)
    f_ours = _objective(ours, X, labels, C, l1_ratio, eff)
    f_theirs = _objective(theirs, X, labels, C, l1_ratio, eff)
    # fastpen's answer is at least as good, and they agree
    assert f_ours <= f_theirs + 1e-9 * abs(f_theirs)
    assert f_ours == pytest.approx(f_theirs, rel=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=2e-4)
    np.testing.assert_array_equal(ours.predict(X)[ours.predict_proba(X).max(1) > 0.51],
                                  theirs.predict(X)[ours.predict_proba(X).max(1) > 0.51])


def test_exact_agreement_tight_binary():
    """Binary L2 and L1: the coefficients themselves (unique optimum) agree closely."""
    X, y = _data(seed=11)
    for l1_ratio in (0.0, 1.0):
        ours = fastpen.LogisticRegression(C=0.5, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
        theirs = _sklearn(0.5, l1_ratio, 2).fit(X, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=5e-5)
        assert ours.dual_gap_[0] <= 1e-9


def test_class_weight_is_sample_weight():
    X, y = _data(seed=3)
    a = fastpen.LogisticRegression(C=0.2, l1_ratio=0.5, class_weight={0: 3.0, 1: 1.0},
                                   **TIGHT).fit(X, y)
    b = fastpen.LogisticRegression(C=0.2, l1_ratio=0.5, **TIGHT).fit(
        X, y, sample_weight=np.where(y == 0, 3.0, 1.0))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-8)


def test_c_scale_and_logistic_path():
    """C maps to glmnet's alpha = 1 / (C sum s)."""
    X, y = _data(seed=4)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    est = fastpen.LogisticRegression(C=0.7, l1_ratio=0.3, **TIGHT).fit(X, y, sample_weight=sw)
    res = fastpen.logistic_path(X, y, l1_ratio=0.3, alphas=[1 / (0.7 * sw.sum())],
                                sample_weight=sw, tol=1e-10, max_iter=100_000)
    np.testing.assert_allclose(est.coef_[0], res.coefs[0], atol=1e-9)


# ----------------------------------------------------------------- predictions


@pytest.mark.parametrize("n_classes", [2, 4])
def test_prediction_consistency(n_classes):
    X, y = _data(n_classes=n_classes, seed=7)
    est = fastpen.LogisticRegression(C=1.0, l1_ratio=0.5).fit(X, y + 10)
    proba = est.predict_proba(X)
    assert proba.shape == (len(y), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-10)
    np.testing.assert_array_equal(est.predict(X), est.classes_[np.argmax(proba, axis=1)])
    d = est.decision_function(X)
    if n_classes == 2:
        assert d.shape == (len(y),)
        np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-d)), rtol=1e-10)
    else:
        assert d.shape == (len(y), n_classes)
        np.testing.assert_allclose(est.intercept_.sum(), 0.0, atol=1e-10)
    assert est.score(X, y + 10) == pytest.approx(np.mean(est.predict(X) == y + 10))


def test_multilabel_is_one_binary_fit_per_column():
    X, y = _data(seed=8)
    Y = np.column_stack([y, (X[:, 0] + X[:, 1] > 0), 1 - y]).astype(int)
    est = fastpen.LogisticRegression(C=0.4, l1_ratio=1.0, **TIGHT).fit(X, Y)
    assert est.coef_.shape == (3, X.shape[1]) and est.predict(X).shape == Y.shape
    assert set(np.unique(est.predict(X))) <= {0, 1}
    for t in range(3):
        one = fastpen.LogisticRegression(C=0.4, l1_ratio=1.0, **TIGHT).fit(X, Y[:, t])
        np.testing.assert_allclose(est.coef_[t], one.coef_[0], atol=1e-8)
        np.testing.assert_allclose(est.predict_proba(X)[:, t], one.predict_proba(X)[:, 1],
                                   atol=1e-8)
    # y and 1 - y: mirrored models
    np.testing.assert_allclose(est.coef_[0], -est.coef_[2], atol=1e-8)


def test_warm_start_and_float32():
    X, y = _data(seed=9)
    est = fastpen.LogisticRegression(C=1.0, l1_ratio=0.5, warm_start=True, tol=1e-10)
    est.fit(X, y)
    first = est.coef_.copy()
    est.fit(X, y)
    np.testing.assert_allclose(est.coef_, first, atol=1e-8)
    assert est.n_iter_[0] <= 2
    f32 = fastpen.LogisticRegression(C=1.0, l1_ratio=0.5, tol=1e-8).fit(
        X.astype(np.float32), y)
    assert f32.coef_.dtype == np.float32
    np.testing.assert_allclose(f32.coef_, first, atol=1e-4)


# ------------------------------------------------------------ cross-validation


def _brute_force(X, y, folds, Cs, l1_ratios, scoring, sw=None):
    """scores (n_folds, L, m) of fastpen.LogisticRegression fitted per fold."""
    out = np.empty((len(folds), len(l1_ratios), len(Cs)))
    for f, (train, test) in enumerate(folds):
        for i, r in enumerate(l1_ratios):
            for j, C in enumerate(Cs):
                est = fastpen.LogisticRegression(C=C, l1_ratio=r, tol=1e-9,
                                                 max_iter=100_000)
                est.fit(X[train], y[train],
                        sample_weight=None if sw is None else sw[train])
                w = np.ones(len(test)) if sw is None else sw[test]
                if scoring == "neg_log_loss":
                    proba = est.predict_proba(X[test])
                    idx = np.searchsorted(est.classes_, y[test])
                    out[f, i, j] = np.average(np.log(proba[np.arange(len(test)), idx]),
                                              weights=w)
                elif scoring == "accuracy":
                    out[f, i, j] = np.average(est.predict(X[test]) == y[test], weights=w)
                else:
                    out[f, i, j] = roc_auc_score(y[test], est.decision_function(X[test]),
                                                 sample_weight=w)
    return out


@pytest.mark.parametrize("scoring, n_classes, weighted", [
    ("neg_log_loss", 2, False), ("neg_log_loss", 3, True), ("accuracy", 2, True),
    ("roc_auc", 2, False)])
def test_cv_equals_brute_force(scoring, n_classes, weighted):
    X, y = _data(n=90, p=5, n_classes=n_classes, seed=20 + n_classes)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y)) if weighted else None
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    Cs, l1_ratios = np.logspace(-2, 1, 5), [0.5, 1.0]
    cv = fastpen.LogisticRegressionCV(Cs=Cs, l1_ratios=l1_ratios, cv=folds, scoring=scoring,
                                      tol=1e-9, max_iter=100_000).fit(X, y, sample_weight=sw)
    brute = _brute_force(X, y, folds, Cs, l1_ratios, scoring, sw)
    # the one-call batch equals the per-fold fits
    np.testing.assert_allclose(cv.scores_, brute, atol=1e-7)
    np.testing.assert_allclose(cv.Cs_, Cs, rtol=1e-12)
    mean = brute.mean(axis=0)
    if scoring != "accuracy":           # accuracy ties: the scores' equality is the test
        i, j = np.unravel_index(np.argmax(mean), mean.shape)
        assert cv.C_ == pytest.approx(Cs[j], rel=1e-12)
        assert cv.l1_ratio_ == l1_ratios[i]
    # the refit is LogisticRegression at the chosen penalty
    ref = fastpen.LogisticRegression(C=cv.C_, l1_ratio=cv.l1_ratio_, tol=1e-9,
                                     max_iter=100_000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(cv.coef_, ref.coef_, atol=1e-7)


def test_cv_default_cv_is_stratified_and_1se():
    X, y = _data(n=150, p=8, seed=30)
    cv = fastpen.LogisticRegressionCV(Cs=12, l1_ratios=1.0, scoring="neg_log_loss",
                                      select="1se").fit(X, y)
    ref = fastpen.LogisticRegressionCV(Cs=12, l1_ratios=1.0, scoring="neg_log_loss",
                                       cv=StratifiedKFold(5)).fit(X, y)
    np.testing.assert_allclose(cv.scores_, ref.scores_, atol=1e-12)
    mean, se = cv.score_mean_[0], cv.score_se_[0]
    best = np.argmax(mean)
    one = np.flatnonzero(mean >= mean[best] - se[best])[0]     # largest alpha within 1 SE
    assert cv.alpha_min_ == pytest.approx(cv.alphas_[0, best])
    assert cv.alpha_1se_ == pytest.approx(cv.alphas_[0, one])
    assert cv.alpha_ == cv.alpha_1se_ >= cv.alpha_min_
    assert cv.C_ == pytest.approx(cv.C_1se_) and ref.C_ == pytest.approx(cv.C_min_)
    assert np.count_nonzero(cv.coef_) <= np.count_nonzero(ref.coef_)


def test_cv_refit_false_averages_fold_fits():
    X, y = _data(n=90, p=5, seed=31)
    folds = list(StratifiedKFold(3).split(X, y))
    Cs = np.logspace(-2, 1, 4)
    cv = fastpen.LogisticRegressionCV(Cs=Cs, l1_ratios=0.5, cv=folds, refit=False,
                                      scoring="neg_log_loss", tol=1e-9,
                                      max_iter=100_000).fit(X, y)
    coefs = []
    for f, (train, _) in enumerate(folds):
        j = np.argmax(cv.scores_[f, 0])
        coefs.append(fastpen.LogisticRegression(C=Cs[j], l1_ratio=0.5, tol=1e-9,
                                                max_iter=100_000).fit(X[train], y[train]).coef_)
    np.testing.assert_allclose(cv.coef_, np.mean(coefs, axis=0), atol=1e-7)


def test_cv_multilabel_per_target():
    X, y = _data(n=120, p=6, seed=40)
    rng = np.random.default_rng(2)
    Y = np.column_stack([y, (X[:, 2] + rng.standard_normal(len(y)) > 0),
                         (X[:, 3] + 2 * rng.standard_normal(len(y)) > 0)]).astype(int)
    folds = list(KFold(4, shuffle=True, random_state=1).split(X))
    cv = fastpen.LogisticRegressionCV(alphas=15, l1_ratios=[0.5, 1.0], cv=folds,
                                      scoring="roc_auc").fit(X, Y)
    assert cv.coef_.shape == (3, 6) and cv.C_.shape == (3,)
    assert cv.scores_.shape == (4, 2, 15, 3)
    for t in range(3):
        one = fastpen.LogisticRegressionCV(alphas=15, l1_ratios=[0.5, 1.0], cv=folds,
                                           scoring="roc_auc").fit(X, Y[:, t])
        np.testing.assert_allclose(cv.scores_[..., t], one.scores_, atol=1e-10)
        assert cv.alpha_[t] == pytest.approx(one.alpha_)
        assert cv.l1_ratio_[t] == one.l1_ratio_
        np.testing.assert_allclose(cv.coef_[t], one.coef_[0], atol=1e-8)


def test_weighted_auc_matches_sklearn():
    rng = np.random.default_rng(3)
    scores = np.round(rng.standard_normal((50, 4)), 1)          # ties
    positive = rng.random((50, 4)) < 0.4
    w = rng.uniform(0.1, 2.0, 50)
    auc = weighted_auc(scores, positive, w)
    for q in range(4):
        assert auc[q] == pytest.approx(roc_auc_score(positive[:, q], scores[:, q],
                                                     sample_weight=w), rel=1e-12)


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize("est, name", [
    (fastpen.LogisticRegression(C=-1.0), "C"),
    (fastpen.LogisticRegression(l1_ratio=1.5), "l1_ratio"),
    (fastpen.LogisticRegression(tol=-1.0), "tol"),
    (fastpen.LogisticRegression(class_weight="heavy"), "class_weight"),
    (fastpen.LogisticRegression(class_weight={"zebra": 2.0}), "class_weight"),
    (fastpen.LogisticRegression(family="poisson"), "family"),
    (fastpen.LogisticRegressionCV(Cs=[-1.0, 1.0]), "Cs"),
    (fastpen.LogisticRegressionCV(l1_ratios=[2.0]), "l1_ratio"),
    (fastpen.LogisticRegressionCV(scoring="r2"), "scoring"),
    (fastpen.LogisticRegressionCV(select="max"), "select"),
])
def test_bad_parameters(est, name):
    X, y = _data(n=40, p=3, seed=50)
    with pytest.raises(ValueError, match=name):
        est.fit(X, y)


def test_bad_targets():
    X, y = _data(n=40, p=3, n_classes=3, seed=51)
    with pytest.raises(ValueError, match="label type"):
        fastpen.LogisticRegression().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="roc_auc"):
        fastpen.LogisticRegressionCV(scoring="roc_auc", Cs=3).fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        fastpen.LogisticRegression().fit(X, np.zeros(40))
    with pytest.raises(ValueError, match="sample_weight"):
        fastpen.LogisticRegression().fit(X, y, sample_weight=-np.ones(40))


# ------------------------------------------------------- sklearn checks

# fastpen._newton corrupts the heap when a multinomial model has more classes than
# features (its _center writes k values into the length-p SCORE row; reported to
# the lead): these checks fit 4 classes on 3 features and would crash the process.
@parametrize_with_checks([fastpen.LogisticRegression(),
                          fastpen.LogisticRegressionCV(Cs=4, cv=3)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_more_classes_than_features():
    """Regression: a multinomial fit with more classes than features wrote past the
    kernel's score buffer (heap corruption after a few fits)."""
    X = np.random.RandomState(0).uniform(size=(40, 3))
    y = np.arange(40) % 4
    for _ in range(30):
        path = fastpen.logistic_path(X, y, l1_ratio=0.0, alphas=[1 / 40], tol=1e-10)
    assert path.coefs.shape == (1, 4, 3)
    assert np.all(np.isfinite(path.coefs))
    # the ridge optimum has its coefficients summing to 0 over the classes
    np.testing.assert_allclose(path.coefs[0].sum(axis=0), 0.0, atol=1e-8)


def test_cv_auc_with_a_single_class_in_some_held_out_folds():
    """Regression: AUC is undefined on a fold whose held-out rows hold one class of a
    target; the CV averaged the folds where it is defined instead of crashing."""
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 5))
    Y = (rng.standard_normal((60, 3)) > 0).astype(int)
    Y[:, 1] = 0
    Y[:3, 1] = 1            # target 1: its positives all in the first fold
    cv = fastpen.LogisticRegressionCV(cv=KFold(5), Cs=5, scoring="roc_auc").fit(X, Y)
    assert np.all(np.isfinite(cv.score_mean_[..., 0]))
    assert np.all(np.isfinite(cv.score_mean_[..., 2]))
    assert cv.coef_.shape == (3, 5)
