"""Trustworthy CV alphas (issue 18): the grid-edge warning, the functional K-fold
elastic-net CV, ridge's grid from the spectrum and ridge's CV curve."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import KFold

import fastpen
from fastpen import GridEdgeWarning
from fastpen._cv import cross_validate_enet, grid_edges, warn_grid_edge
from fastpen._ridge import ridge_alpha_grid, ridge_cv_curve
from fastpen.datasets import load_diabetes
from _helpers import make_weights


@pytest.fixture
def strict():
    """Every warning an error: a test of 'no warning' fails on any."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _df(X, alphas, sample_weight=None, fit_intercept=True):
    """Effective degrees of freedom sum lam / (lam + alpha), straight from numpy."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    s = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, float)
    Xc = X - (s @ X / s.sum() if fit_intercept else 0.0)
    lam = np.clip(np.linalg.eigvalsh((Xc.T * s) @ Xc), 0.0, None)
    return np.array([np.sum(lam / (lam + a)) for a in np.atleast_1d(alphas)]), lam


# ------------------------------------------------------------------ grid_edges


def test_grid_edges_flags_an_end_only_where_the_error_still_falls():
    grid = np.array([[8.0, 4.0, 2.0, 1.0]] * 6)
    errors = np.array([[4.0, 3.0, 2.0, 1.0],     # falling to the smallest
                       [1.0, 2.0, 3.0, 4.0],     # falling to the largest
                       [3.0, 1.0, 2.0, 4.0],     # interior
                       [2.0, 2.0, 2.0, 2.0],     # flat: a tie is no evidence
                       [1.0, 1.0, 3.0, 4.0],     # falling, the last two tied
                       [4.0, 3.0, 1.0, 1.0]])    # a staircase one step short of the end
    chosen = np.array([3, 0, 1, 3, 0, 2])
    low, high = grid_edges(grid, errors, chosen)
    # a tie to the end is a choice of the end: a solver at a loose tolerance returns
    # the same fit at neighbouring alphas, and argmin stops one step short
    np.testing.assert_array_equal(low, [True, False, False, False, False, True])
    np.testing.assert_array_equal(high, [False, True, False, False, True, False])
    # the automatic lasso grid's largest alpha (alpha_max) is never reported
    low, high = grid_edges(grid, errors, chosen, largest_is_null=True)
    assert low[0] and low[5] and not high.any()


def test_grid_edges_reads_values_not_positions():
    """A user's ridge grid in any order, with repeats; a grid of one value."""
    grid = np.array([[1.0, 10.0, 0.1, 10.0]])
    errors = np.array([[2.0, 3.0, 1.0, 3.0]])
    assert grid_edges(grid, errors, [2])[0][0]                 # 0.1: the smallest
    errors = np.array([[2.0, 1.0, 3.0, 1.0]])
    assert grid_edges(grid, errors, [1])[1][0]                 # 10: the largest
    assert grid_edges(grid, errors, [3])[1][0]
    low, high = grid_edges(np.full((1, 3), 0.5), np.array([[1.0, 0.5, 2.0]]), [1])
    assert not low[0] and not high[0]


def test_one_warning_counts_the_targets_at_each_end():
    with pytest.warns(GridEdgeWarning) as rec:
        assert warn_grid_edge([True, True, False], [False, False, True], [1.0, 2.0, 3.0],
                              lower_hint="lower eps (now 0.001) or give smaller alphas")
    assert len(rec) == 1
    message = str(rec[0].message)
    assert "2 of 3 targets have the smallest" in message
    assert "1 of 3 targets have the largest" in message and "eps (now 0.001)" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not warn_grid_edge([False], [False], [1.0], lower_hint="x")
    with pytest.warns(GridEdgeWarning, match=r"alpha \(0\.25\) is the largest"):
        warn_grid_edge([False], [True], [0.25], lower_hint="x")


# ------------------------------------------------------------------ lasso / enet


def test_diabetes_cv_alpha_at_the_smallest_alpha_warns():
    X, y, _ = load_diabetes()
    with pytest.warns(GridEdgeWarning, match=r"smallest.*lower eps \(now 0\.001\)") as rec:
        est = fastpen.LassoCV(cv=5).fit(X, y)
    assert len([w for w in rec if w.category is GridEdgeWarning]) == 1
    assert est.alpha_ == est.alphas_[-1]
    assert rec[0].filename == __file__           # points at the user's line
    # In original units the 5-fold error falls all the way to least squares (the
    # error at eps=1e-5 is below eps=1e-3's, and still falling): lowering eps
    # lowers the error but the choice stays at the end, and the warning with it.
    with pytest.warns(GridEdgeWarning, match="smallest"):
        low = fastpen.LassoCV(cv=5, eps=1e-5).fit(X, y)
    assert low.mse_path_.mean(axis=1).min() < est.mse_path_.mean(axis=1).min()


def test_standardized_diabetes_cv_alpha_is_interior_and_silent(strict):
    X, y, _ = load_diabetes()
    est = fastpen.LassoCV(cv=5, standardize=True).fit(X, y)
    i = int(np.flatnonzero(est.alphas_ == est.alpha_)[0])
    assert 0 < i < est.alphas_.size - 1


def _noise(n=80, p=10, k=None, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, rng.standard_normal((n,) if k is None else (n, k))


def test_top_of_a_given_grid_warns_but_not_alpha_max_of_the_automatic_one(strict):
    X, y = _noise()
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    # pure noise: the null model wins, at alpha_max of the automatic grid: silent
    auto = fastpen.LassoCV(cv=folds).fit(X, y)
    assert auto.alpha_ == auto.alphas_[0]
    # a given grid, all below alpha_max: its largest is chosen, and a larger would do better
    small = fastpen.LassoCV(cv=folds, alphas=auto.alphas_[40:]).fit
    with pytest.warns(GridEdgeWarning, match="largest of the grid.*larger alphas"):
        est = small(X, y)
    assert est.alpha_ == auto.alphas_[40]
    # a given grid reaching past alpha_max: its top alphas all fit the null model (a tie)
    fastpen.LassoCV(cv=folds, alphas=np.r_[4 * auto.alphas_[0], auto.alphas_]).fit(X, y)


def test_several_targets_one_warning_per_fit():
    X, y, _ = load_diabetes()
    Y = np.column_stack([y, np.random.default_rng(0).standard_normal(y.size), -y])
    with pytest.warns(GridEdgeWarning, match="2 of 3 targets have the smallest") as rec:
        est = fastpen.LassoCV(cv=5, alpha_per_target=True).fit(X, Y)
    assert len([w for w in rec if w.category is GridEdgeWarning]) == 1
    assert np.sum(est.alpha_ == est.alphas_[-1]) == 2
    # one alpha for all targets: one choice, worded as one
    with pytest.warns(GridEdgeWarning, match=r"The cross-validated alpha \("):
        fastpen.LassoCV(cv=5).fit(X, np.column_stack([y, -y]))


@pytest.mark.parametrize("per_target", [False, True])
def test_cross_validate_enet_is_what_elasticnetcv_reports(per_target):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((90, 12))
    Y = X[:, :3] @ rng.standard_normal((3, 2)) + rng.standard_normal((90, 2))
    folds = list(KFold(4, shuffle=True, random_state=2).split(X))
    kw = dict(l1_ratio=[0.5, 1.0], alphas=30, eps=1e-2, alpha_per_target=per_target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        est = fastpen.ElasticNetCV(cv=folds, **kw).fit(X, Y)
        res = cross_validate_enet(X, Y, folds, l1_ratios=[0.5, 1.0], alphas=30, eps=1e-2,
                                  per_target=per_target)
    np.testing.assert_array_equal(res.alpha, est.alpha_ if per_target else
                                  np.full(2, est.alpha_))
    np.testing.assert_array_equal(res.coefs, est.coef_)
    np.testing.assert_array_equal(res.intercepts, est.intercept_)
    np.testing.assert_array_equal(res.mse, est.mse_path_)
    # the curves: fold mean and SE (ddof=1) of the held-out errors
    np.testing.assert_allclose(res.mean, res.mse.mean(axis=2), rtol=1e-13)
    np.testing.assert_allclose(res.se, res.mse.std(axis=2, ddof=1) / 2.0, rtol=1e-10)
    for c in range(2):
        li, ai, one = res.l1_index[c], res.alpha_index[c], res.alpha_1se_index[c]
        assert res.alpha[c] == res.alphas[li, c, ai] and res.l1_ratio[c] == [0.5, 1.0][li]
        assert res.alpha_1se[c] == res.alphas[li, c, one] and one <= ai
        if per_target:
            curve = res.mean[li, :, c]
            assert curve[ai] == curve.min() == res.mean[:, :, c].min()
            assert curve[one] <= curve[ai] + res.se[li, ai, c]
            if one > 0:     # the largest such alpha: the one above it is not within
                assert curve[one - 1] > curve[ai] + res.se[li, ai, c]


def test_cross_validate_enet_runs_without_scikit_learn():
    """The command line's K-fold CV: folds it builds itself, no scikit-learn import."""
    code = (
        "import sys, numpy as np\n"
        "from fastpen._cv import cross_validate_enet\n"
        "from fastpen.datasets import load_diabetes\n"
        "X, y, _ = load_diabetes()\n"
        "idx = np.arange(len(y)); folds = [(np.setdiff1d(idx, t), t) for t in "
        "np.array_split(idx, 5)]\n"
        "res = cross_validate_enet(X, y, folds, l1_ratios=1.0, warn_edges=False)\n"
        "assert res.at_smallest.tolist() == [True] and not res.at_largest[0]\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'\n"
        "print(res.alpha[0])\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    X, y, _ = load_diabetes()
    with pytest.warns(GridEdgeWarning):
        ref = fastpen.LassoCV(cv=5).fit(X, y)
    assert float(out.stdout) == pytest.approx(ref.alpha_, rel=1e-12)


# ------------------------------------------------------------------ ridge grid


def _check_grid_ends(X, grid, sample_weight=None, fit_intercept=True, rank=None):
    df, lam = _df(X, grid[[0, -1]], sample_weight, fit_intercept)
    assert np.all(np.diff(grid) < 0) and np.isfinite(grid).all()
    assert grid[0] == pytest.approx(lam.sum(), rel=1e-9)      # the trace: df < 1
    assert df[0] <= 1.0
    r = rank if rank is not None else np.linalg.matrix_rank(
        np.asarray(X.toarray() if sp.issparse(X) else X) -
        (np.average(np.asarray(X.toarray() if sp.issparse(X) else X), axis=0,
                    weights=sample_weight) if fit_intercept else 0.0))
    # no direction shrunk by more than 1% at the smallest alpha, nor < 4 decades
    assert r - 0.01 - 1e-6 <= df[1] < r
    assert grid[0] / grid[-1] >= 1e4 * (1 - 1e-12)
    return df


@pytest.mark.parametrize("n,p", [(200, 15), (40, 120)])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_grid_spans_df_from_one_to_the_rank(n, p, weighted):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((n, p)) + 1.0
    sw = make_weights(n) if weighted else None
    grid = ridge_alpha_grid(X, 50, sample_weight=sw)
    assert grid.shape == (50,)
    df = _check_grid_ends(X, grid, sw)
    if p > n:
        assert df[1] == pytest.approx(n - 1 - 0.01, abs=1e-6)   # centring: rank n - 1
    # sparse: the same spectrum (the smallest alpha solved on it to ~1e-8)
    np.testing.assert_allclose(ridge_alpha_grid(sp.csr_matrix(X), 50, sample_weight=sw),
                               grid, rtol=1e-7)
    # without an intercept the Gram matrix is uncentred: its own spectrum
    raw = ridge_alpha_grid(X, 50, fit_intercept=False, sample_weight=sw)
    _check_grid_ends(X, raw, sw, fit_intercept=False)


def test_ridge_grid_weights_are_repetitions():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 6))
    counts = rng.integers(1, 4, 30)
    np.testing.assert_allclose(ridge_alpha_grid(X, 20, sample_weight=counts.astype(float)),
                               ridge_alpha_grid(np.repeat(X, counts, axis=0), 20),
                               rtol=1e-9)


def test_ridge_grid_on_rank_deficient_and_ill_conditioned_x():
    rng = np.random.default_rng(6)
    Z = rng.standard_normal((100, 8))
    X = np.column_stack([Z, Z[:, :3] @ [1.0, -2.0, 0.5]])       # rank 8 of 9 columns
    _check_grid_ends(X, ridge_alpha_grid(X, 30), rank=8)
    # a column collinear to rounding (1e-9): numerically rank 8, as above
    Y = np.column_stack([Z, Z[:, 0] + 1e-9 * rng.standard_normal(100)])
    _check_grid_ends(Y, ridge_alpha_grid(Y, 30), rank=8)
    # nearly collinear (1e-6), above the rank's tolerance: df = 8.99 would need
    # alpha ~ 1e-12, the floor at 1e-10 lam_max keeps the systems' condition at 1e10
    Y = np.column_stack([Z, Z[:, 0] + 1e-6 * rng.standard_normal(100)])
    grid = ridge_alpha_grid(Y, 30)
    lam = _df(Y, [1.0])[1]
    assert grid[-1] == pytest.approx(1e-10 * lam.max(), rel=1e-6)
    assert np.isfinite(grid).all() and 7.99 < _df(Y, grid[-1:])[0][0] < 8.99
    # no variation at all: every alpha fits w = 0
    np.testing.assert_allclose(ridge_alpha_grid(np.ones((10, 3)), 5), np.geomspace(1, 1e-4, 5))


def test_ridge_grid_without_a_decomposition_falls_back_on_the_trace(monkeypatch):
    import fastpen._ridge as ridge_mod

    X = sp.random(300, 200, density=0.05, random_state=7, format="csc") * 10
    monkeypatch.setattr(ridge_mod, "_MAX_DENSE_DECOMPOSITION", 100)   # "too large"
    grid = ridge_alpha_grid(X, 10)
    lam = _df(X, [1.0])[1]
    assert grid[0] == pytest.approx(lam.sum(), rel=1e-9)
    assert grid[-1] == pytest.approx(1e-6 * lam.sum(), rel=1e-9)


def test_ridge_cv_lands_inside_the_spectral_grid_where_the_old_one_hit_its_edge(strict):
    """Columns on scales 1e-3 ... 1e4: the grid scaled by the mean column norm is far
    too coarse at the bottom for the small columns."""
    rng = np.random.default_rng(2)
    n, p = 200, 10
    Z = rng.standard_normal((n, p))
    X = Z * 10.0 ** rng.uniform(-3, 4, p)
    y = Z @ rng.standard_normal(p) + 5 * rng.standard_normal(n)
    norm2 = ((X - X.mean(axis=0)) ** 2).sum(axis=0).mean()
    old = norm2 * np.geomspace(1e3, 1e-6, 100)       # the command line's former grid
    new = ridge_alpha_grid(X, 100)
    with pytest.warns(GridEdgeWarning, match="smallest"):
        assert fastpen.RidgeCV(alphas=old).fit(X, y).alpha_ == old[-1]
    chosen = fastpen.RidgeCV(alphas=new).fit(X, y).alpha_
    assert new[-1] < chosen < new[0]
    # and it is the minimum of a much wider grid
    wide = np.geomspace(new[0] * 1e3, new[-1] * 1e-3, 600)
    best = ridge_cv_curve(X, y, wide).alpha
    assert best == pytest.approx(chosen, rel=0.2)


# ------------------------------------------------------------------ ridge curve


def _brute_loo(X, y, alpha, sw):
    errors = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        m = fastpen.Ridge(alpha=alpha).fit(X[keep], y[keep], sample_weight=sw[keep])
        errors.append(sw[i] * (y[i] - m.predict(X[i:i + 1])[0]) ** 2)
    errors = np.array(errors) * len(y) / sw.sum()
    return errors.mean(), errors.std(ddof=1) / np.sqrt(len(y))


@pytest.mark.parametrize("n,p", [(25, 6), (12, 20)])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_loo_curve_equals_brute_force_refits(n, p, weighted):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((n, p))
    y = X[:, :3] @ [1.0, -1.0, 2.0] + rng.standard_normal(n)
    sw = make_weights(n) if weighted else np.ones(n)
    alphas = np.array([30.0, 3.0, 0.3, 0.03])
    curve = ridge_cv_curve(X, y, alphas, sample_weight=sw if weighted else None,
                           warn_edges=False)
    for i, a in enumerate(alphas):
        mean, se = _brute_loo(X, y, a, sw)
        assert curve.mean[i] == pytest.approx(mean, rel=1e-8)
        assert curve.se[i] == pytest.approx(se, rel=1e-7)
    assert curve.alpha_index == int(np.argmin(curve.mean)) and curve.n_folds is None
    within = curve.mean <= curve.mean[curve.alpha_index] + curve.se[curve.alpha_index]
    assert curve.alpha_1se == alphas[within].max()


@pytest.mark.parametrize("n,p", [(60, 8), (20, 40)])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_kfold_curve_equals_a_loop_of_ridge_fits(n, p, weighted):
    rng = np.random.default_rng(9)
    X = rng.standard_normal((n, p)) + 0.3
    y = X[:, :2] @ [2.0, -1.0] + rng.standard_normal(n)
    sw = make_weights(n) if weighted else None
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    alphas = np.array([0.05, 50.0, 5.0, 0.5])                  # any order
    curve = ridge_cv_curve(X, y, alphas, folds=folds, sample_weight=sw, warn_edges=False)
    w = np.ones(n) if sw is None else sw
    per_fold = np.array([[np.average((y[te] - fastpen.Ridge(alpha=a).fit(
        X[tr], y[tr], sample_weight=w[tr]).predict(X[te])) ** 2, weights=w[te])
        for a in alphas] for tr, te in folds])
    np.testing.assert_allclose(curve.mean, per_fold.mean(axis=0), rtol=1e-8)
    np.testing.assert_allclose(curve.se, per_fold.std(axis=0, ddof=1) / 2.0, rtol=1e-7)
    assert curve.n_folds == 4 and curve.alpha == alphas[np.argmin(curve.mean)]
    # several targets: each its own curve
    Y = np.column_stack([y, 2 * y + 1])
    both = ridge_cv_curve(X, Y, alphas, folds=folds, sample_weight=sw, warn_edges=False)
    np.testing.assert_allclose(both.mean[0], curve.mean, rtol=1e-10)
    np.testing.assert_allclose(both.mean[1], 4 * curve.mean, rtol=1e-8)


def test_ridge_curve_with_an_automatic_grid_and_its_edges():
    X, y, _ = load_diabetes()
    curve = ridge_cv_curve(X, y, 100)
    np.testing.assert_allclose(curve.alphas, ridge_alpha_grid(X, 100), rtol=1e-12)
    assert 0 < curve.alpha_index < 99 and not curve.at_smallest and not curve.at_largest
    # a grid of large alphas only: the error still falls at its smallest
    with pytest.warns(GridEdgeWarning, match="smallest of the grid.*give smaller alphas"):
        low = ridge_cv_curve(X, y, curve.alphas[:20])
    assert low.at_smallest and low.alpha == curve.alphas[19]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = ridge_cv_curve(X, y, curve.alphas[:20], warn_edges=False)
    assert quiet.at_smallest
    with pytest.raises(ValueError, match="at least 2 folds"):
        ridge_cv_curve(X, y, 5, folds=[(np.arange(1, 442), np.arange(1))])


def test_ridgecv_warns_at_either_end_but_not_on_a_flat_curve(strict):
    X, y = _noise(seed=11)
    signal = X @ np.arange(1.0, 11.0) + 0.1 * y
    with pytest.warns(GridEdgeWarning, match="smallest"):
        fastpen.RidgeCV(alphas=[1e2, 1e3, 1e4]).fit(X, signal)
    with pytest.warns(GridEdgeWarning, match="largest"):
        fastpen.RidgeCV(alphas=[1e-3, 1e-2, 1e-1]).fit(X, y)
    with pytest.warns(GridEdgeWarning, match="1 of 2 targets have the smallest"):
        fastpen.RidgeCV(alphas=[1e2, 1e3, 1e4], alpha_per_target=True).fit(
            X, np.column_stack([signal, y]))
    # a constant target: every alpha fits the same model, no end is better
    fastpen.RidgeCV(alphas=[0.1, 1.0, 10.0]).fit(X, np.full(len(y), 3.0))


# ------------------------------------------------------------------ review regressions


def test_ridge_cv_curve_on_columns_without_variation():
    """An X whose columns are constant has an empty centred spectrum: the curve is the
    intercept-only error at every alpha, not a crash in the basis filters."""
    y = np.arange(6.0)
    curve = ridge_cv_curve(np.ones((6, 1)), y, 5, warn_edges=False)
    loo = np.mean([(y[i] - np.delete(y, i).mean()) ** 2 for i in range(6)])
    np.testing.assert_allclose(curve.mean, loo, rtol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 5, 7])
def test_wide_leave_one_out_at_tiny_alphas_equals_refits(seed):
    """p > n: the intercept's direction (eigenvalue ~0 of the centred kernel matrix) is
    not a penalised direction; kept, an alpha near rounding level shrank it and the LOO
    errors collapsed to ~1e-20."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((5, 20)), rng.standard_normal(5)
    alphas = np.array([1e-8, 1e-2, 1.0])
    curve = ridge_cv_curve(X, y, alphas, warn_edges=False)
    brute = [np.mean([(fastpen.Ridge(alpha=a).fit(np.delete(X, i, 0), np.delete(y, i))
                       .predict(X[i:i + 1])[0] - y[i]) ** 2 for i in range(5)])
             for a in alphas]
    np.testing.assert_allclose(curve.mean, brute, rtol=1e-6)


def test_a_fold_without_held_out_weight_is_named():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((12, 3)), rng.standard_normal(12)
    weights = np.ones(12)
    weights[:4] = 0.0
    folds = [(np.arange(4, 12), np.arange(4)), (np.arange(4), np.arange(4, 12))]
    with pytest.raises(ValueError, match="no held-out row of positive weight"):
        ridge_cv_curve(X, y, [1.0, 0.1], folds=folds, sample_weight=weights)
