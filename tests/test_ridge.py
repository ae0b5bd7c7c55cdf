"""Ridge: one decomposition for all alphas and targets (fastpen._ridge), and the estimator."""
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm
from sklearn.model_selection import KFold
from sklearn.utils.estimator_checks import check_estimator

import fastpen
from _helpers import make_weights


def _data(n, p, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, p)) + 0.5).astype(dtype)
    Y = X @ rng.standard_normal((p, k)) + rng.standard_normal((n, k)) + 2.0
    return X, Y


def _closed_form(X, y, alpha, sw=None, fit_intercept=True):
    """The normal equations of sum_i s_i (y_i - x_i w - b)^2 + alpha ||w||^2."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    s = np.ones(len(X)) if sw is None else sw
    if fit_intercept:
        xm, ym = s @ X / s.sum(), s @ y / s.sum()
    else:
        xm, ym = np.zeros(X.shape[1]), np.zeros(y.shape[1:])
    Xc, yc = X - xm, y - ym
    w = np.linalg.solve((Xc.T * s) @ Xc + alpha * np.eye(X.shape[1]), (Xc.T * s) @ yc)
    return w.T, ym - xm @ w


SHAPES = [(120, 30), (30, 120)]          # the primal (X^T X) and dual (X X^T) routes


@pytest.mark.parametrize("n,p", SHAPES)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_path_equals_the_closed_form(n, p, sparse, weighted, fit_intercept):
    X, Y = _data(n, p)
    Xin = sp.csr_matrix(np.where(np.abs(X - 0.5) > 0.8, X, 0.0)) if sparse else X
    sw = make_weights(n) if weighted else None
    alphas = [1e-2, 1.0, 30.0]
    res = fastpen.ridge_path(Xin, Y, alphas, sample_weight=sw, fit_intercept=fit_intercept)
    assert res.coefs.shape == (3, 3, p) and res.intercepts.shape == (3, 3)
    for i, a in enumerate(alphas):
        w, b = _closed_form(Xin, Y, a, sw, fit_intercept)
        np.testing.assert_allclose(res.coefs[i], w, atol=1e-9, rtol=1e-8)
        np.testing.assert_allclose(res.intercepts[i], b, atol=1e-9, rtol=1e-8)
    one = fastpen.ridge_path(Xin, Y[:, 0], alphas, sample_weight=sw,
                             fit_intercept=fit_intercept)
    assert one.coefs.shape == (3, p)
    np.testing.assert_allclose(one.coefs, res.coefs[:, 0], atol=1e-12)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "eigh", "cg", "lsqr", "cd"])
@pytest.mark.parametrize("n,p", SHAPES)
def test_ridge_estimator_equals_scikit_learn(solver, n, p):
    X, Y = _data(n, p)
    sw = make_weights(n)
    for alpha in (2.0, np.array([0.1, 2.0, 50.0])):
        ours = fastpen.Ridge(alpha=alpha, solver=solver, tol=1e-13, max_iter=100000).fit(
            X, Y, sample_weight=sw)
        ref = sklm.Ridge(alpha=alpha, solver="svd").fit(X, Y, sample_weight=sw)
        # cd and cg stop at their tolerances (a duality gap, a relative residual of 1e-8)
        atol = {"cd": 1e-4, "cg": 1e-6}.get(solver, 1e-9)
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=atol)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=atol)
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=10 * atol)


def test_float32_stays_float32():
    X, Y = _data(80, 20, dtype=np.float32)
    res = fastpen.ridge_path(X, Y, [1.0])
    assert res.coefs.dtype == np.float32 and res.intercepts.dtype == np.float32
    est = fastpen.Ridge(alpha=1.0).fit(X, Y)
    assert est.coef_.dtype == np.float32
    ref = fastpen.Ridge(alpha=1.0).fit(X.astype(np.float64), Y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("n,p", [(80, 20), (20, 80)])
def test_regularisation_limits(n, p):
    X, Y = _data(n, p)
    sw = make_weights(n)
    tiny = fastpen.ridge_path(X, Y, [0.0], sample_weight=sw)
    r = np.sqrt(sw)[:, None]
    Xc, Yc = X - sw @ X / sw.sum(), Y - sw @ Y / sw.sum()
    ls = np.linalg.lstsq(Xc * r, Yc * r, rcond=None)[0]   # the minimum-norm w
    np.testing.assert_allclose(tiny.coefs[0], ls.T, atol=1e-7)
    huge = fastpen.ridge_path(X, Y, [1e12], sample_weight=sw)
    assert np.abs(huge.coefs).max() < 1e-8
    np.testing.assert_allclose(huge.intercepts[0], sw @ Y / sw.sum(), atol=1e-7)


@pytest.mark.parametrize("weighted", [False, True])
def test_elastic_net_at_l1_ratio_0_is_ridge(weighted):
    """ElasticNet(l1_ratio=0, alpha=a / sum(s)) minimises Ridge(alpha=a)'s objective / (2 sum s)."""
    X, Y = _data(100, 15)
    y = Y[:, 0]
    sw = make_weights(100) if weighted else None
    total = sw.sum() if weighted else 100
    enet = fastpen.ElasticNet(alpha=3.0 / total, l1_ratio=0.0, tol=1e-14,
                              max_iter=100000).fit(X, y, sample_weight=sw)
    ridge = fastpen.Ridge(alpha=3.0).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(enet.coef_, ridge.coef_, atol=1e-7)
    np.testing.assert_allclose(enet.intercept_, ridge.intercept_, atol=1e-7)


@pytest.mark.parametrize("kernel", ["dense", "sparse", "gram"])
@pytest.mark.parametrize("weighted", [False, True])
def test_coordinate_descent_at_l1_ratio_0_certifies_with_the_ridge_gap(kernel, weighted):
    """Without an L1 part the dual needs no rescaling: the gap the CD kernels report
    is the ridge gap ||X~^T S r - lam w||^2 / (2 lam) (here recomputed in float64
    from the returned coefficients), it bounds the distance to the closed-form
    optimum's objective, and the stopping rule holds with it."""
    X, Y = _data(80, 25, seed=3)
    y = Y[:, 0] + np.random.default_rng(4).standard_normal(80)
    sw = make_weights(80) if weighted else None
    s = np.ones(80) if sw is None else sw * 80 / sw.sum()      # the rescaled weights
    Xin = sp.csc_matrix(X) if kernel == "sparse" else X
    alphas = [5.0, 0.5, 0.05]
    tol = 1e-9
    res = fastpen.enet_path(Xin, y, l1_ratio=0.0, alphas=alphas, tol=tol,
                            sample_weight=sw, precompute=kernel == "gram", max_iter=100000)
    xm, ym = s @ X / 80, s @ y / 80
    Xc, yc = X - xm, y - ym
    y_norm2 = float(s @ yc ** 2)
    for i, a in enumerate(alphas):
        w, lam = res.coefs[i], 80 * a          # per-sum scaling: 1/2 ||r||_S^2 + lam/2 ||w||^2
        r = yc - Xc @ w
        gap = float(np.sum((Xc.T @ (s * r) - lam * w) ** 2) / (2 * lam))
        assert res.dual_gaps[i] == pytest.approx(gap / 80, rel=1e-3, abs=1e-13 * y_norm2)
        assert gap <= tol * y_norm2
        w_opt = np.linalg.solve((Xc.T * s) @ Xc + lam * np.eye(25), Xc.T @ (s * yc))

        def objective(v):
            return 0.5 * s @ (yc - Xc @ v) ** 2 + 0.5 * lam * v @ v

        assert 0.0 <= objective(w) - objective(w_opt) <= gap * (1 + 1e-6) + 1e-13 * y_norm2
        np.testing.assert_allclose(res.intercepts[i], ym - xm @ w, atol=1e-10)


def test_ridge_bad_input_and_no_modification():
    X, Y = _data(40, 10)
    X0, Y0 = X.copy(), Y.copy()
    fastpen.Ridge(alpha=[1.0, 2.0, 3.0]).fit(X, Y, sample_weight=make_weights(40))
    fastpen.ridge_path(X, Y, [1.0, 2.0])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    with pytest.raises(ValueError, match="alpha"):
        fastpen.Ridge(alpha=-1.0).fit(X, Y)
    with pytest.raises(ValueError, match="alpha"):
        fastpen.Ridge(alpha=[1.0, 2.0]).fit(X, Y)
    with pytest.raises(ValueError, match="solver"):
        fastpen.Ridge(solver="sag").fit(X, Y)
    with pytest.raises(ValueError, match="alphas"):
        fastpen.ridge_path(X, Y, [1.0, np.nan])
    with pytest.raises(ValueError, match="alphas"):
        fastpen.ridge_path(X, Y, [])
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="X"):
        fastpen.ridge_path(X, Y, [1.0])


def test_ridge_check_estimator():
    # as scikit-learn's own Ridge: the direct solvers run no iterations
    check_estimator(fastpen.Ridge(), expected_failed_checks={
        "check_non_transformer_estimators_n_iter": "n_iter_ is None for direct solvers"})


# ------------------------------------------------------------------ RidgeCV

ALPHAS = np.geomspace(1e-3, 1e3, 13)


@pytest.mark.parametrize("n,p", [(80, 20), (20, 60)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("per_target", [False, True])
def test_ridgecv_leave_one_out_equals_scikit_learn(n, p, weighted, per_target):
    X, Y = _data(n, p, seed=3)
    Y += 2.0 * np.random.default_rng(4).standard_normal(Y.shape)
    sw = make_weights(n) if weighted else None
    kw = dict(alphas=ALPHAS, alpha_per_target=per_target, store_cv_results=True)
    ours = fastpen.RidgeCV(**kw).fit(X, Y, sample_weight=sw)
    ref = sklm.RidgeCV(**kw).fit(X, Y, sample_weight=sw)
    np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
    # p > n at alpha = 1e-3 nearly interpolates: 1 - H_ii ~ 1e-5, and the two
    # eigendecompositions' LOO errors agree to ~1e-5 there (1e-12 elsewhere)
    rtol = 2e-5 if p > n else 1e-8
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=rtol)
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=rtol, atol=1e-9)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-9)


def test_leave_one_out_errors_equal_refits_without_each_row():
    X, Y = _data(25, 8, k=2)
    y = Y[:, 0]
    sw = make_weights(25)
    est = fastpen.RidgeCV(alphas=[0.5, 5.0], store_cv_results=True).fit(X, y, sample_weight=sw)
    for j, a in enumerate([0.5, 5.0]):
        for i in range(25):
            keep = np.arange(25) != i
            w, b = _closed_form(X[keep], y[keep], a, sw[keep])
            e = y[i] - X[i] @ w - b
            assert est.cv_results_[i, j] == pytest.approx(sw[i] * e ** 2, rel=1e-8)


def test_gcv_matches_its_formula():
    X, Y = _data(30, 10, k=1)
    y = Y[:, 0]
    est = fastpen.RidgeCV(alphas=[0.3, 3.0, 30.0], gcv=True, store_cv_results=True).fit(X, y)
    Xc = X - X.mean(0)
    for j, a in enumerate([0.3, 3.0, 30.0]):
        H = np.full((30, 30), 1 / 30) + Xc @ np.linalg.solve(Xc.T @ Xc + a * np.eye(10), Xc.T)
        r = y - H @ y
        np.testing.assert_allclose(est.cv_results_[:, j], (r / (1 - np.trace(H) / 30)) ** 2,
                                   rtol=1e-8)


def test_ridgecv_k_fold_equals_scikit_learn():
    X, Y = _data(90, 15, seed=5)
    Y += 3.0 * np.random.default_rng(6).standard_normal(Y.shape)
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    ours = fastpen.RidgeCV(alphas=ALPHAS, cv=folds).fit(X, Y[:, 0])
    ref = sklm.RidgeCV(alphas=ALPHAS, cv=folds).fit(X, Y[:, 0])
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-9)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-9)
    # per target, each its own alpha: the same as one RidgeCV per target
    per = fastpen.RidgeCV(alphas=ALPHAS, cv=folds, alpha_per_target=True).fit(X, Y)
    for c in range(3):
        one = sklm.RidgeCV(alphas=ALPHAS, cv=folds).fit(X, Y[:, c])
        assert per.alpha_[c] == one.alpha_
        np.testing.assert_allclose(per.coef_[c], one.coef_, atol=1e-9)


def test_ridgecv_bad_input():
    X, Y = _data(30, 5)
    with pytest.raises(ValueError, match="alphas"):
        fastpen.RidgeCV(alphas=[1.0, -1.0]).fit(X, Y)
    with pytest.raises(ValueError, match="scoring"):
        fastpen.RidgeCV(scoring="r2").fit(X, Y)
    with pytest.raises(ValueError, match="store_cv_results"):      # as scikit-learn
        fastpen.RidgeCV(cv=3, store_cv_results=True).fit(X, Y)
    with pytest.raises(ValueError):
        sklm.RidgeCV(cv=3, store_cv_results=True).fit(X, Y)


def test_ridgecv_check_estimator():
    check_estimator(fastpen.RidgeCV())


@pytest.mark.parametrize("cv", [None, 3])
def test_targets_in_blocks_give_the_same_results(monkeypatch, cv):
    """Targets are processed in blocks (memory); each block its own means (regression:
    a block's targets were once centred with the first targets' means)."""
    import fastpen._ridge as ridge_mod

    X, Y = _data(60, 12, k=5, seed=7)
    Y *= np.arange(1, 6)
    Y += 10.0 * np.arange(5)
    whole = fastpen.RidgeCV(alphas=ALPHAS, cv=cv, alpha_per_target=True).fit(X, Y)
    path = fastpen.ridge_path(X, Y, ALPHAS[:3])
    monkeypatch.setattr(ridge_mod, "_TARGET_BLOCK", 2)
    blocks = fastpen.RidgeCV(alphas=ALPHAS, cv=cv, alpha_per_target=True).fit(X, Y)
    np.testing.assert_array_equal(blocks.alpha_, whole.alpha_)
    np.testing.assert_allclose(blocks.best_score_, whole.best_score_, rtol=1e-6)
    np.testing.assert_allclose(blocks.coef_, whole.coef_, atol=1e-10)
    np.testing.assert_allclose(fastpen.ridge_path(X, Y, ALPHAS[:3]).coefs, path.coefs,
                               atol=1e-10)


def _fold_r2_loop(X, Y, alphas, folds, sw, fit_intercept):
    """(k, m) mean over folds of the weighted held-out R^2: one closed-form fit per
    fold and alpha on the fold's training rows (a row listed twice counts twice)."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    s = np.ones(len(X)) if sw is None else sw
    out = np.zeros((Y.shape[1], len(alphas)))
    for train, test in folds:
        for j, a in enumerate(alphas):
            W, b = _closed_form(X[train], Y[train], a, s[train], fit_intercept)
            R = Y[test] - X[test] @ W.T - b
            u = s[test]
            spread = u @ (Y[test] - u @ Y[test] / u.sum()) ** 2
            out[:, j] += 1.0 - u @ R ** 2 / spread
    return out / len(folds)


@pytest.mark.parametrize("n,p", SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("folds", ["partition", "overlapping"])
def test_k_fold_scores_equal_an_explicit_loop_over_folds(n, p, weighted, fit_intercept, folds):
    """Every alpha's K-fold score, per target.  Folds that partition the rows take
    the downdating route when n >= p (the whole data's sums minus the held-out
    rows'); other folds (rows repeated or left out) the per-fold route."""
    from fastpen._ridge import ridge_cv_scores

    X, Y = _data(n, p, k=3, seed=11)
    Y += 4.0 * np.random.default_rng(12).standard_normal(Y.shape)
    sw = make_weights(n) if weighted else None
    split = list(KFold(4, shuffle=True, random_state=2).split(X))
    if folds == "overlapping":      # a training row twice, another row in neither set
        split = [(np.append(train[1:], train[0]), test[1:]) for train, test in split]
    score = ridge_cv_scores(np.asfortranarray(X), Y, np.asarray(ALPHAS), split, sw,
                            fit_intercept, 1)[0]
    np.testing.assert_allclose(score, _fold_r2_loop(X, Y, ALPHAS, split, sw, fit_intercept),
                               rtol=1e-9, atol=1e-10)


def test_filter_basis_reconstructs_every_filter_entry():
    """The alphas' filters 1 / (lam + alpha) as combinations of a few basis filters,
    to 4 rounding units entry by entry, or None when that needs too many."""
    from fastpen._ridge import _filter_basis

    rng = np.random.default_rng(15)
    lam = np.linalg.eigvalsh((lambda X: X.T @ X)(rng.standard_normal((240, 100))))
    alphas = np.geomspace(1e-2, 1e6, 20)
    for dtype in (np.float32, np.float64):
        basis = _filter_basis(lam, alphas, dtype)
        if basis is None:
            continue
        A, F = basis
        assert A.shape[1] == F.shape[1] <= alphas.size - 3
        exact = 1.0 / (lam[None, :] + alphas[:, None])
        assert np.all(np.abs(A @ F.T - exact) <= 4 * np.finfo(dtype).eps * exact)
    assert _filter_basis(lam, alphas, np.float32)[0].shape[1] <= 14   # the saving exists
    assert _filter_basis(lam, np.append(alphas, 0.0), np.float32) is None
    assert _filter_basis(lam, alphas[:3], np.float32) is None
    # more alphas than eigenvalues (regression: the rank loop ran past the SVD)
    many = np.geomspace(1e-2, 1e6, 100)
    A, F = _filter_basis(lam[-10:], many, np.float32)
    exact = 1.0 / (lam[-10:][None, :] + many[:, None])
    assert A.shape[1] <= 10
    assert np.all(np.abs(A @ F.T - exact) <= 4 * np.finfo(np.float32).eps * exact)
    basis = _filter_basis(lam[-10:], many, np.float64)   # all 10 terms, then None
    if basis is not None:
        assert np.all(np.abs(basis[0] @ basis[1].T - exact) <= 4 * np.finfo(float).eps
                      * exact)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("chunks", [False, True])
def test_k_fold_scores_by_basis_filters_equal_the_loop(monkeypatch, weighted, fit_intercept,
                                                       chunks):
    """The few-products route of the held-out errors (forced here in float64 at
    float32's truncation) against an explicit loop over folds and alphas."""
    import fastpen._ridge as ridge_mod
    from fastpen._ridge import ridge_cv_scores

    used = []
    basis = ridge_mod._filter_basis

    def float32_basis(eigvals, alphas, dtype, **options):
        out = basis(eigvals, alphas, np.float32, **options)
        used.append(out is not None)
        return out

    monkeypatch.setattr(ridge_mod, "_filter_basis", float32_basis)
    if chunks:      # one target a sub-block
        monkeypatch.setattr(ridge_mod, "_BASIS_BYTES", 1)
    X, Y = _data(150, 20, k=3, seed=16)
    Y += 4.0 * np.random.default_rng(17).standard_normal(Y.shape)
    sw = make_weights(150) if weighted else None
    alphas = np.geomspace(1e-2, 1e5, 16)
    split = list(KFold(3, shuffle=True, random_state=3).split(X))
    score = ridge_cv_scores(np.asfortranarray(X), Y, alphas, split, sw, fit_intercept, 1)[0]
    assert all(used) and len(used) == 3
    np.testing.assert_allclose(score, _fold_r2_loop(X, Y, alphas, split, sw, fit_intercept),
                               rtol=1e-5)


@pytest.mark.parametrize("gcv", [False, True])
@pytest.mark.parametrize("n,p", SHAPES)
@pytest.mark.parametrize("chunks", [False, True])
def test_leave_one_out_by_basis_filters_equals_the_direct_route(monkeypatch, gcv, n, p,
                                                                 chunks):
    """LOO and GCV errors from a few basis products (forced here in float64 at
    float32's truncation, targets in sub-blocks and rows in chunks) against one
    product per alpha; every per-sample error, with sample weights."""
    import fastpen._ridge as ridge_mod
    from fastpen._ridge import _filter_basis

    X, Y = _data(n, p, k=5, seed=18)
    Y += 2.0 * np.random.default_rng(19).standard_normal(Y.shape)
    sw = make_weights(n)
    kw = dict(alphas=np.geomspace(1e-2, 1e5, 16), alpha_per_target=True, gcv=gcv,
              store_cv_results=True)
    monkeypatch.setattr(ridge_mod, "_filter_basis", lambda *args: None)
    direct = fastpen.RidgeCV(**kw).fit(X, Y, sample_weight=sw)
    used = []

    def float32_basis(eigvals, alphas, dtype, **options):
        out = _filter_basis(eigvals, alphas, np.float32, **options)
        used.append(out is not None)
        return out

    monkeypatch.undo()
    monkeypatch.setattr(ridge_mod, "_filter_basis", float32_basis)
    if chunks:      # a few targets a sub-block (of 5), a few rows a chunk
        monkeypatch.setattr(ridge_mod, "_BASIS_BYTES", 2 * 8 * n * 16)
        monkeypatch.setattr(ridge_mod, "_CHUNK_BYTES", 7 * 16 * 2 * 8)
    basis = fastpen.RidgeCV(**kw).fit(X, Y, sample_weight=sw)
    assert used == [True]
    np.testing.assert_allclose(basis.cv_results_, direct.cv_results_, rtol=1e-5,
                               atol=1e-7 * direct.cv_results_.mean())
    np.testing.assert_allclose(basis.best_score_, direct.best_score_, rtol=1e-5)
    np.testing.assert_array_equal(basis.alpha_, direct.alpha_)


def _rare_feature_data():
    """A feature present only in the held-out rows of one fold (regression: float32
    downdates left its training sums at a rounding error, which a small alpha
    turned into huge held-out predictions)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 8))
    y = X @ rng.standard_normal(8) + 0.1 * rng.standard_normal(200)
    X[:, 0] = 0.0
    X[55:60, 0] = 100.0
    return X, y


def _one_hot_data():
    """One-hot categories plus a few dense features: some folds are nearly
    rank-deficient (regression: the basis filters amplified float32 rounding by
    lam_max / alpha there)."""
    rng = np.random.default_rng(0)
    cat = rng.integers(0, 60, 400)
    X = np.c_[np.eye(60)[cat], rng.standard_normal((400, 5))]
    y = rng.standard_normal(60)[cat] + X[:, 60:] @ rng.standard_normal(5)
    return X, y + 0.3 * rng.standard_normal(400)


@pytest.mark.parametrize("case", ["rare feature", "one-hot"])
@pytest.mark.parametrize("sparse", [False, True])
def test_k_fold_float32_on_ill_conditioned_folds_agrees_with_float64(case, sparse):
    X, y = _rare_feature_data() if case == "rare feature" else _one_hot_data()
    alphas = [1e-4, 1e-2, 1.0] if case == "rare feature" else np.logspace(-4, 3, 15)
    cv = KFold(4) if case == "rare feature" else KFold(5, shuffle=True, random_state=0)
    X32 = X.astype(np.float32)
    Xin = sp.csr_matrix(X32) if sparse else X32
    ours = fastpen.RidgeCV(alphas=alphas, cv=cv).fit(Xin, y.astype(np.float32))
    ref = sklm.RidgeCV(alphas=alphas, cv=cv).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, abs=1e-4)


@pytest.mark.parametrize("case", ["rare feature", "one-hot"])
def test_leave_one_out_float32_on_ill_conditioned_data_agrees_with_float64(case):
    X, y = _rare_feature_data() if case == "rare feature" else _one_hot_data()
    alphas = np.geomspace(1e-2, 1e6, 20)
    ours = fastpen.RidgeCV(alphas=alphas).fit(X.astype(np.float32), y.astype(np.float32))
    ref = sklm.RidgeCV(alphas=alphas).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-5)


def test_k_fold_scores_stay_at_most_one_in_float32():
    """Nearly noiseless targets: the quadratic form of the basis route must not
    round an error below zero (an R^2 above one)."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 30)).astype(np.float32)
    Y = (X @ rng.standard_normal((30, 6)) + 1e-4 * rng.standard_normal((300, 6))
         ).astype(np.float32)
    est = fastpen.RidgeCV(alphas=np.geomspace(1e-3, 1e4, 20), cv=5,
                          alpha_per_target=True).fit(X, Y)
    assert np.all(est.best_score_ <= 1.0)


def test_k_fold_with_a_weightless_training_fold_raises():
    X, Y = _data(40, 5)
    sw = np.zeros(40)
    sw[:10] = 1.0               # the first fold's test rows carry all the weight
    with pytest.raises(ValueError, match="sample_weight"):
        fastpen.RidgeCV(alphas=[0.1, 1.0], cv=KFold(4)).fit(X, Y[:, 0], sample_weight=sw)


def test_k_fold_float32_is_close_to_float64():
    X, Y = _data(200, 40, k=4, seed=13)
    Y += 4.0 * np.random.default_rng(14).standard_normal(Y.shape)
    kw = dict(alphas=ALPHAS, cv=5, alpha_per_target=True)
    single = fastpen.RidgeCV(**kw).fit(X.astype(np.float32), Y.astype(np.float32))
    double = fastpen.RidgeCV(**kw).fit(X, Y)
    assert single.coef_.dtype == np.float32
    np.testing.assert_array_equal(single.alpha_, double.alpha_)
    np.testing.assert_allclose(single.best_score_, double.best_score_, rtol=1e-4)
    np.testing.assert_allclose(single.coef_, double.coef_, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("case", ["sparse", "large means", "weighted"])
def test_ridgecv_k_fold_cases_agree_with_scikit_learn(case):
    """K-fold on sparse X, on columns with large means (the centring by rank-one
    corrections), and with sample weights (in the fits and the held-out R^2)."""
    X, Y = _data(70, 12, k=1, seed=8)
    y = Y[:, 0] + 2.0 * np.random.default_rng(9).standard_normal(70)
    sw = make_weights(70) if case == "weighted" else None
    if case == "large means":
        X = X + 1e4
    Xin = sp.csr_matrix(np.where(np.abs(X - 0.5) > 0.5, X, 0.0)) if case == "sparse" else X
    folds = list(KFold(5, shuffle=True, random_state=1).split(X))
    ours = fastpen.RidgeCV(alphas=ALPHAS, cv=folds).fit(Xin, y, sample_weight=sw)
    # (scikit-learn's sparse Ridge with an intercept is iterative, to tol=1e-4: the
    # exact reference is its dense fit of the same matrix)
    dense = Xin.toarray() if sp.issparse(Xin) else Xin
    ref = sklm.RidgeCV(alphas=ALPHAS, cv=folds).fit(dense, y, sample_weight=sw)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-7)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)



@pytest.mark.parametrize("n,p", SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_iterative_sparse_route_equals_the_closed_form(monkeypatch, n, p, weighted):
    """A sparse X too large to decompose: block conjugate gradients over the targets,
    warm-started along the alphas (forced here on a small one)."""
    import fastpen._ridge as ridge_mod

    monkeypatch.setattr(ridge_mod, "_MAX_DENSE_DECOMPOSITION", 0)
    monkeypatch.setattr(ridge_mod, "_CG_TOL", 1e-12)
    X, Y = _data(n, p)
    Xs = sp.csr_matrix(np.where(np.abs(X - 0.5) > 0.8, X, 0.0))
    sw = make_weights(n) if weighted else None
    alphas = [0.05, 2.0, 40.0]
    res = fastpen.ridge_path(Xs, Y, alphas, sample_weight=sw)
    for i, a in enumerate(alphas):
        w, b = _closed_form(Xs, Y, a, sw)
        np.testing.assert_allclose(res.coefs[i], w, atol=1e-8, rtol=1e-7)
        np.testing.assert_allclose(res.intercepts[i], b, atol=1e-8, rtol=1e-7)
    est = fastpen.Ridge(alpha=[0.1, 1.0, 10.0]).fit(Xs, Y, sample_weight=sw)
    assert est.solver_ == "cg"
    for c, a in enumerate([0.1, 1.0, 10.0]):
        w, b = _closed_form(Xs, Y[:, [c]], a, sw)
        np.testing.assert_allclose(est.coef_[c], w[0], atol=1e-8, rtol=1e-7)


@pytest.mark.parametrize("make", [
    lambda n: fastpen.Ridge(alpha=1.0, n_threads=n),
    lambda n: fastpen.Ridge(alpha=[1.0, 2.0, 3.0], n_threads=n),
    lambda n: fastpen.RidgeCV(alphas=ALPHAS, n_threads=n),
    lambda n: fastpen.RidgeCV(alphas=ALPHAS, cv=3, n_threads=n),
])
def test_n_threads_bounds_blas_during_the_fit(monkeypatch, make):
    """Most of a ridge fit is BLAS-3 and LAPACK: n_threads limits those too (and the
    limits are restored afterwards); None leaves BLAS as it is."""
    from threadpoolctl import threadpool_info, threadpool_limits

    import fastpen._ridge as ridge_mod

    seen = []
    xt = ridge_mod.Design.xt

    def recording_xt(self, M):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return xt(self, M)

    monkeypatch.setattr(ridge_mod.Design, "xt", recording_xt)
    X, Y = _data(60, 10)
    with threadpool_limits(limits=2, user_api="blas"):    # whatever the machine's default
        before = {i["filepath"]: i["num_threads"] for i in threadpool_info()}
        make(1).fit(X, Y)
        assert seen and all(threads == {1} for threads in seen)
        assert {i["filepath"]: i["num_threads"] for i in threadpool_info()} == before
        seen.clear()
        make(None).fit(X, Y)
        assert seen and all(threads == {2} for threads in seen)


def test_n_threads_bounds_blas_in_a_build_without_openmp(monkeypatch):
    """Without OpenMP fastpen's own loops run on one thread, but n_threads still sets
    the BLAS threads (regression: it capped BLAS at one thread there)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    import fastpen._ridge as ridge_mod

    monkeypatch.setattr(ridge_mod, "effective_n_threads", lambda n_threads=None: 1)
    seen = []
    eigh = ridge_mod._eigh

    def recording_eigh(M):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return eigh(M)

    monkeypatch.setattr(ridge_mod, "_eigh", recording_eigh)
    X, Y = _data(60, 10)
    with threadpool_limits(limits=1, user_api="blas"):
        fastpen.RidgeCV(alphas=ALPHAS, n_threads=2).fit(X, Y)
    assert seen and all(threads == {2} for threads in seen)
