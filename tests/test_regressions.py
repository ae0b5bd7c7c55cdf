"""Regression tests for defects found in review; each failed before its fix."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm

import fastpen
from _helpers import profiled_lasso


def _objective(X, y, w, alpha, pf):
    Xc, yc = X - X.mean(0), y - y.mean()
    r = yc - Xc @ w
    return 0.5 / len(y) * r @ r + alpha * np.sum(pf * np.abs(w))


@pytest.mark.parametrize("fmt", ["dense", "sparse", "gram"])
def test_correlated_unpenalised_features_reach_the_optimum(fmt):
    """age and age^2 unpenalised: the coordinate-wise stationarity term let the fit stop
    35x the tolerance away from the optimum while reporting convergence."""
    rng = np.random.default_rng(0)
    n, p = 500, 20
    age = rng.uniform(20, 80, n)
    X = np.column_stack([age, age**2, rng.standard_normal((n, p))])
    y = 0.05 * age**2 - 4 * age + X[:, 2] + rng.standard_normal(n)
    pf = np.r_[0.0, 0.0, np.ones(p)]
    Xin = sp.csc_matrix(X) if fmt == "sparse" else X
    res = fastpen.enet_path(Xin, y, l1_ratio=1.0, alphas=[0.05], penalty_factor=pf,
                            precompute=fmt == "gram")
    ref = profiled_lasso(X, y, 0.05, [0, 1])
    tol_abs = 1e-4 * np.sum((y - y.mean()) ** 2) / n
    suboptimality = _objective(X, y, res.coefs[0], 0.05, pf) - _objective(X, y, ref, 0.05, pf)
    assert suboptimality <= tol_abs
    assert res.dual_gaps[0] >= suboptimality - 1e-12


def test_alpha_zero_with_nearly_collinear_columns_is_least_squares():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(200)
    X = np.column_stack([z, z + 1e-2 * rng.standard_normal(200), rng.standard_normal((200, 3))])
    y = 100 * (X[:, 1] - X[:, 0]) + X[:, 2] + 0.1 * rng.standard_normal(200)
    with pytest.warns(UserWarning, match="alpha=0"):
        res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=[0.0])
    ls = np.linalg.lstsq(np.column_stack([X, np.ones(200)]), y, rcond=None)[0]
    np.testing.assert_allclose(res.coefs[0], ls[:-1], rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("precompute", [False, True])
def test_positive_with_negative_start_is_projected(precompute):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 5))
    y = X @ np.array([-2.0, 1.0, 0.0, 0.3, 0.0]) + 0.1 * rng.standard_normal(80)
    start = np.linalg.lstsq(X - X.mean(0), y - y.mean(), rcond=None)[0]
    assert start.min() < 0
    res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=[0.01], positive=True,
                            coef_init=start, tol=1e-12, precompute=precompute)
    theirs = sklm.Lasso(alpha=0.01, positive=True, tol=1e-12, max_iter=10**5).fit(X, y)
    assert res.coefs[0].min() >= 0
    np.testing.assert_allclose(res.coefs[0], theirs.coef_, atol=1e-8)


def test_column_with_large_offset_is_not_taken_for_constant():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(200)
    X = np.column_stack([1e12 + 5.0 * z, rng.standard_normal(200)])
    y = 3 * z + 0.1 * rng.standard_normal(200)
    # tol 1e-8: the column mean itself is only known to ~1e-4 (1e12 * eps), which
    # bounds the precision any solver or checker can agree on
    ours = fastpen.Lasso(alpha=0.01, tol=1e-8).fit(X, y)
    theirs = sklm.Lasso(alpha=0.01, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5)
    assert ours.score(X, y) > 0.99


@pytest.mark.parametrize("fmt", ["dense", "sparse", "gram"])
def test_constant_column_gets_zero_in_every_mode(fmt):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    X[:, 1] = 0.1
    y = X @ [1.0, 2.0, 3.0] + rng.standard_normal(60)
    Xin = sp.csr_matrix(X) if fmt == "sparse" else X
    res = fastpen.enet_path(Xin, y, l1_ratio=1.0, alphas=[0.01], penalty_factor=[1, 0, 1],
                            precompute=fmt == "gram", tol=1e-10)
    ref = fastpen.enet_path(X[:, [0, 2]], y, l1_ratio=1.0, alphas=[0.01], tol=1e-10)
    assert res.coefs[0, 1] == 0
    np.testing.assert_allclose(res.coefs[0, [0, 2]], ref.coefs[0], atol=1e-9)
    np.testing.assert_allclose(res.intercepts, ref.intercepts, atol=1e-9)


def test_float32_path_with_small_alpha_max_is_not_all_zero():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 5))
    y = 1e-6 * (X @ [1.0, -1.0, 0.5, 0.0, 0.0]) + 1e-7 * rng.standard_normal(100)
    r64 = fastpen.lasso_path(X, y, alphas=10, tol=1e-8)
    r32 = fastpen.lasso_path(X.astype(np.float32), y, alphas=10, tol=1e-8)
    np.testing.assert_allclose(r32.alphas, r64.alphas, rtol=1e-5)
    np.testing.assert_array_equal(r32.df, r64.df)
    assert r32.df[-1] >= 3


def test_user_gram_is_checked_as_a_whole():
    """An uncentred X^T X passed the one-column check when that column had mean 0."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3)) + [0.0, 3.0, -2.0]
    X[:, 0] -= X[:, 0].mean()
    X[:, 0] *= 10          # the largest-norm column, centred
    y = X @ [0.1, 1.0, -1.0] + rng.standard_normal(50)
    with pytest.raises(ValueError, match="precompute"):
        fastpen.enet_path(X, y, alphas=[0.01], precompute=X.T @ X)
    Xc = X - X.mean(0)
    good = fastpen.enet_path(X, y, alphas=[0.01], precompute=(Xc.T @ Xc).tolist(), tol=1e-10)
    ref = fastpen.enet_path(X, y, alphas=[0.01], tol=1e-10)
    np.testing.assert_allclose(good.coefs, ref.coefs, atol=1e-9)
    with pytest.raises(TypeError, match="precompute"):
        fastpen.enet_path(X, y, alphas=[0.01], precompute=b"gram")


@pytest.mark.parametrize("weight", [1e307, 1e-320])
def test_extreme_uniform_weights_equal_no_weights(weight):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = X @ [1.0, 2.0, 3.0] + 0.1 * rng.standard_normal(50)
    ours = fastpen.Lasso(alpha=0.01, tol=1e-10).fit(X, y, sample_weight=np.full(50, weight))
    plain = fastpen.Lasso(alpha=0.01, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, plain.coef_, atol=1e-10)


def test_overflowing_sums_of_squares_raise():
    X = np.random.default_rng(0).standard_normal((20, 3)) * 1e155
    with pytest.raises(ValueError, match="rescale"):
        fastpen.enet_path(X, np.arange(20.0), alphas=[1.0])


def test_float32_overflow_after_the_cast_raises():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = X @ [1.0, 200.0, 3.0] + 0.01 * rng.standard_normal(50)
    X32 = (X * 1e-37).astype(np.float32)      # coefficients ~2e39: beyond float32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FloatingPointError, match="float32"):
            fastpen.enet_path(X32, y, l1_ratio=1.0, alphas=[0.0])


@pytest.mark.parametrize("kwargs, name", [(dict(max_iter=2**31), "max_iter"),
                                          (dict(selection="random", random_state=2**64),
                                           "random_state")])
def test_out_of_range_integers_raise_value_error(kwargs, name):
    X = np.random.default_rng(0).standard_normal((10, 2))
    with pytest.raises(ValueError, match=name):
        fastpen.enet_path(X, np.arange(10.0), alphas=[0.1], **kwargs)


def test_constant_target_with_warm_start_does_not_warn():
    X = np.random.default_rng(0).standard_normal((30, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fastpen.enet_path(X, np.full(30, 3.0), l1_ratio=0.0, alphas=[0.1],
                                coef_init=np.ones(4))
    np.testing.assert_array_equal(res.coefs, 0.0)
    assert res.intercepts[0] == 3.0


@pytest.mark.no_autocheck  # the checker's own column mean differs by ~1e12 * eps
def test_large_offset_column_converges_to_a_tight_tolerance():
    """r += a*x - a*xbar lost ~1e-4 per update on a column with a 1e12 offset, so the fit
    never reached tol=1e-10 (r += a*(x - xbar) is exact there)."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal(200)
    X = np.column_stack([1e12 + 5.0 * z, rng.standard_normal(200)])
    y = 3 * z + 0.1 * rng.standard_normal(200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fastpen.lasso_path(X, y, alphas=[0.01], tol=1e-12, max_iter=1000)
    assert res.n_iter[0] < 1000
    np.testing.assert_allclose(res.coefs[0], [0.6008261, 0.0], atol=1e-6)


def test_glmnet_path_with_tiny_alpha_solves_its_first_lambda():
    """0 < alpha < 1e-3: lambda_max is computed with alpha=1e-3 (as glmnet), so the
    first lambda is not the all-zero solution; it was returned unsolved."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 5))
    y = X @ np.array([1, -1, 0.5, 0, 0]) + rng.standard_normal(50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fastpen.glmnet_path(X, y, alpha=5e-4, lambdas=5)
    assert res.df[0] > 0
    assert np.all(res.n_iter > 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_standardize_with_nearly_constant_column_converges(dtype):
    """The sparse sweep assumed sum_i s_i r_i == 0 exactly; its drift times the column
    mean swamped a nearly constant column that standardize leaves almost unpenalised."""
    rng = np.random.default_rng(9)
    X = rng.standard_normal((60, 5))
    X[:, 2] = 3 + 1e-7 * rng.standard_normal(60)
    X[:, 4] *= 1e4
    y = X[:, 0] + 1e-3 * X[:, 4] + rng.standard_normal(60)
    sw = np.linspace(0.5, 2, 60)
    Xd = X.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sparse = fastpen.enet_path(sp.csc_matrix(Xd), y, l1_ratio=0.5, alphas=5,
                                   standardize=True, sample_weight=sw)
    dense = fastpen.enet_path(Xd, y, l1_ratio=0.5, alphas=5, standardize=True,
                              sample_weight=sw)
    assert sparse.n_iter.sum() < 200
    np.testing.assert_allclose(sparse.dev_ratio, dense.dev_ratio, atol=1e-3)


def test_unpenalised_feature_at_its_bound_is_exactly_there_at_alpha_max():
    """lsq_linear returned -9.6e-20 for a coefficient whose optimum is its bound 0."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((40, 6))
    y = X @ np.array([2, -3, 1, 0, 0, 1.0]) + rng.standard_normal(40)
    pf = np.array([0, 1, 1, 1, 1, 1.0])
    res = fastpen.lasso_path(X, y, alphas=2, eps=0.5, penalty_factor=pf, tol=1e-12,
                             upper_bounds=0.0)
    assert res.coefs[0, 0] == 0.0 and res.df[0] == 0


@pytest.mark.parametrize("kwargs, exc", [(dict(lambdas=True), TypeError),
                                         (dict(lambdas=3.0), TypeError),
                                         (dict(lambdas=[0.1], lambda_min_ratio=5.0),
                                          ValueError)])
def test_glmnet_path_rejects_ambiguous_lambdas(kwargs, exc):
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(exc, match="lambda"):
        fastpen.glmnet_path(X, np.arange(20.0), **kwargs)


def test_rescaling_all_zero_factors_raises():
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match="rescale_penalty_factor"):
        fastpen.enet_path(X, np.arange(20.0), alphas=[0.1], penalty_factor=np.zeros(3),
                          rescale_penalty_factor=True)


def test_working_set_is_capped_when_most_features_violate_at_zero():
    """3606 of 5000 features violate at w = 0 at alpha_max/20 here: the first working
    set used to hold all of them; it now starts small and grows (same solution)."""
    from fastpen.datasets import make_correlated_regression

    X, y, _ = make_correlated_regression(200, 1000, rho=0.6, n_nonzero=20, random_state=1)
    alpha = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / 200 / 20
    res = fastpen.lasso_path(X, y, alphas=[alpha], tol=1e-10)
    ref = sklm.Lasso(alpha=alpha, tol=1e-12, max_iter=10**5).fit(X, y)
    np.testing.assert_allclose(res.coefs[0], ref.coef_, atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(positive=True), dict(lower_bounds=-10.0),
                                    dict(lower_bounds=-10.0, upper_bounds=10.0)])
def test_constrained_unpenalised_features_are_certified(kwargs):
    """Two correlated unpenalised features with positive=True or a box of their own:
    their gap term was a coordinate-wise estimate and a fit started 2 units off along
    the correlated direction stopped at once, 141x the tolerance from the optimum.
    They are now solved as a box-constrained block before each gap check."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((60, 1))
    X = np.hstack([z + 0.03 * rng.standard_normal((60, 1)),
                   z + 0.03 * rng.standard_normal((60, 1)), rng.standard_normal((60, 4))])
    y = 3 * X[:, 0] + 3 * X[:, 1] + X[:, 2] + 0.5 * rng.standard_normal(60)
    pf = np.array([0, 0, 1, 1, 1, 1.0])
    tight = fastpen.lasso_path(X, y, alphas=[0.05], penalty_factor=pf, tol=1e-9,
                               max_iter=10**5, **kwargs)
    start = tight.coefs[0].copy()
    start[0] += 2
    start[1] -= 2
    res = fastpen.lasso_path(X, y, alphas=[0.05], penalty_factor=pf, coef_init=start,
                             **kwargs)
    objective = [_objective(X, y, r.coefs[0], 0.05, pf) for r in (res, tight)]
    assert objective[0] - objective[1] <= res.dual_gaps[0] + 1e-12
    np.testing.assert_allclose(res.coefs[0], tight.coefs[0], atol=1e-3)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_x_is_caught_by_the_column_statistics(fit_intercept, value):
    """The separate NaN/inf pass over dense X was folded into the column statistics."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 6)), rng.standard_normal(30)
    X[7, 4] = value
    X32 = X.astype(np.float32)
    for data in (X, X32, np.ascontiguousarray(X)):
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            fastpen.lasso_path(data, y, alphas=[0.1], fit_intercept=fit_intercept)


@pytest.mark.parametrize("fmt", ["dense", "sparse"])
def test_explicit_grid_above_alpha_max_is_exactly_zero(fmt):
    """An explicit grid no longer computes alpha_max: the kernel must certify w = 0."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 15))
    y = X[:, 0] - X[:, 3] + 0.1 * rng.standard_normal(40)
    alpha_max = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / 40
    Xin = sp.csc_matrix(X) if fmt == "sparse" else X
    res = fastpen.lasso_path(Xin, y, alphas=[3 * alpha_max, alpha_max, 0.5 * alpha_max],
                             tol=1e-10)
    assert np.all(res.coefs[:2] == 0.0)
    assert np.all(res.n_iter[:2] == 0)
    assert np.count_nonzero(res.coefs[2]) > 0
    np.testing.assert_allclose(res.intercepts[:2], y.mean())


def test_blas_is_single_threaded_inside_the_threaded_dense_kernel(monkeypatch):
    """The dense kernel's working-set Gram matrices use BLAS; with OpenMP threads
    running, a multithreaded BLAS doubled the time of a 2-thread path."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from fastpen import _batch

    seen = []
    original = _batch.solve_paths      # a 1-D y is a batch of one

    def spy(*args, **kwargs):
        seen.append(max((p["num_threads"] for p in threadpool_info()
                         if p["user_api"] == "blas"), default=1))
        return original(*args, **kwargs)

    monkeypatch.setattr(_batch, "solve_paths", spy)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 80)), rng.standard_normal(50)
    with threadpool_limits(limits=2, user_api="blas"):
        fastpen.lasso_path(X, y, alphas=3, n_threads=2, precompute=False)
        assert seen and max(seen) == 1
        seen.clear()
        fastpen.lasso_path(X, y, alphas=3, n_threads=1, precompute=False)
        assert seen    # serial kernel: BLAS left as the caller set it


# ------------------------------------------- found by the hostile-input matrix


def test_malformed_sparse_indices_raise_instead_of_crashing():
    """An out-of-range row index or an indptr past the stored entries reached
    SciPy's compiled conversions and the kernels (SIGSEGV, heap corruption)."""
    rng = np.random.default_rng(0)
    X = sp.csc_matrix(rng.standard_normal((20, 5)))
    y = rng.standard_normal(20)
    for field, change, *dtype in (("indices", lambda a: a.__setitem__(50, 2**30)),
                          ("indices", lambda a: a.__setitem__(50, -1)),
                          ("indices", lambda a: a.__setitem__(50, 20)),
                          ("indptr", lambda a: a.__setitem__(-1, a[-1] + 50)),
                          ("indptr", lambda a: a.__setitem__(2, a[3] + 1)),
                          # unsigned: np.diff wrapped around and hid the decrease
                          ("indptr", lambda a: a.__setitem__(2, a[3] + 1), np.uint32)):
        bad = X.copy()
        if dtype:
            bad.indices, bad.indptr = bad.indices.astype(dtype[0]), bad.indptr.astype(dtype[0])
        arr = getattr(bad, field).copy()
        change(arr)
        setattr(bad, field, arr)
        for fit in (lambda: fastpen.enet_path(bad, y, alphas=3),
                    lambda: fastpen.LassoCV(cv=3).fit(bad, y),
                    lambda: fastpen.ridge_path(bad, y, [1.0]),
                    lambda: fastpen.Lasso(alpha=0.1).fit(X, y).predict(bad)):
            with pytest.raises(ValueError, match="X is not a valid sparse matrix"):
                fit()


def test_a_1d_coef_init_starts_every_target():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((30, 6)), rng.standard_normal((30, 3))
    w0 = rng.standard_normal(6)
    one = fastpen.enet_path(X, Y, alphas=[0.1], coef_init=w0, max_iter=1, tol=0.0)
    tiled = fastpen.enet_path(X, Y, alphas=[0.1], coef_init=np.tile(w0, (3, 1)),
                              max_iter=1, tol=0.0)
    np.testing.assert_array_equal(one.coefs, tiled.coefs)


@pytest.mark.parametrize("case", ["constant y", "zero bounds", "constant X"])
def test_glmnet_and_enet_paths_of_nothing_to_fit_are_zero(case):
    """glmnet_path failed ('Geometric sequence cannot include zero') and enet_path
    blamed the penalty factors when alpha_max is 0."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 4)), rng.standard_normal(20)
    kw = {}
    if case == "constant y":
        y = np.full(20, 3.0)
    elif case == "zero bounds":
        kw = dict(lower_bounds=0.0, upper_bounds=0.0)
    else:
        X = np.ones((20, 4))
    for res in (fastpen.glmnet_path(X, y, lambdas=5, **kw),
                fastpen.enet_path(X, y, alphas=5, **kw)):
        assert np.all(res.coefs == 0) and np.all(np.isfinite(res.alphas))
        np.testing.assert_allclose(res.intercepts, y.mean())


def test_ridgecv_never_chooses_an_alpha_whose_score_is_nan():
    """alpha=0 on rank-deficient data gives 0/0 leave-one-out errors; RidgeCV chose
    it and reported best_score_ = NaN."""
    rng = np.random.default_rng(0)
    X = np.tile(rng.standard_normal((5, 8)), (4, 1))
    y = rng.standard_normal(20)
    est = fastpen.RidgeCV(alphas=[0.0, 1.0]).fit(X, y)
    assert est.alpha_ == 1.0 and np.isfinite(est.best_score_)
    with pytest.raises(ValueError, match="cv"):
        fastpen.RidgeCV(cv=[]).fit(X, y)
    with pytest.raises(ValueError, match="1 sample"):
        fastpen.RidgeCV().fit(X[:1], y[:1])


def test_overflow_is_a_value_error_naming_the_data():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 4)), rng.standard_normal(20)
    Xc = X.copy()
    Xc[:, 1] = 1.7e308      # a constant column whose sum (hence mean) overflows
    for fit in (lambda: fastpen.enet_path(Xc, np.c_[y, y], alphas=[0.1]),
                lambda: fastpen.enet_path(Xc, y, alphas=[0.1]),
                lambda: fastpen.enet_path(sp.csc_matrix(Xc), np.c_[y, y], alphas=[0.1]),
                lambda: fastpen.ridge_path(X, np.full(20, 1.7e308), [1.0]),
                lambda: fastpen.Ridge().fit(Xc, y),
                lambda: fastpen.enet_path(X, y, penalty_factor=[1e-310, 1, 1, 1])):
        with pytest.raises(ValueError, match="X|penalty_factor") as info:
            fit()
        assert isinstance(info.value, FloatingPointError)    # as before: both


def test_parameters_are_checked_not_coerced():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 4)), rng.standard_normal(20)
    with pytest.raises(TypeError, match="n_alphas"):
        fastpen.enet_path(X, y, n_alphas=1.5)
    for est, name in ((fastpen.Ridge(fit_intercept="no"), "fit_intercept"),
                      (fastpen.Ridge(positive=None), "positive"),
                      (fastpen.Ridge(tol=-1.0), "tol"),
                      (fastpen.Ridge(max_iter=0), "max_iter"),
                      (fastpen.RidgeCV(fit_intercept=None), "fit_intercept"),
                      (fastpen.RidgeCV(gcv="x"), "gcv"),
                      (fastpen.RidgeCV(alpha_per_target=np.nan), "alpha_per_target"),
                      (fastpen.ElasticNetCV(l1_ratio="a"), "l1_ratio")):
        with pytest.raises((TypeError, ValueError), match=name):
            est.fit(X, y)
    with pytest.raises(ValueError, match="lambdas"):
        fastpen.glmnet_path(X, y, lambdas=[-1.0])


def _diabetes_cubic():
    """Issue 17's design: degree-3 polynomial expansion of the (standardized) diabetes
    data, standardized again, centred y (n = 442, p = 285, rank 274: duplicate and
    near-duplicate columns; condition number of the active Gram matrices ~1e9)."""
    from sklearn.datasets import load_diabetes
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X = StandardScaler().fit_transform(PolynomialFeatures(3, include_bias=False).fit_transform(X))
    return X, y - y.mean()


@pytest.mark.parametrize("mode", ["dense", "gram", "sparse"])
def test_collinear_polynomial_path_converges_and_tightens_with_tol(mode):
    """A lasso path on the collinear design stalled at max_iter=100000 with a gap of
    1.5e-5 (dense) or 3.4e-6 (Gram) whatever tol asked, a tighter tol giving a worse
    answer: coordinate descent crawled along the flat directions of the support's
    Gram matrix.  Newton steps on the support fixed it: every alpha now meets tol's
    bound, with few sweeps, and the worst gap falls with tol."""
    from _helpers import optimality

    X, y = _diabetes_cubic()
    alphas = np.abs(X.T @ y).max() / len(y) * np.logspace(0, -3, 100)
    Xin = sp.csc_matrix(X) if mode == "sparse" else X
    worst = {}
    for tol in (1e-6, 1e-9, 1e-12):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = fastpen.lasso_path(Xin, y, alphas=alphas, fit_intercept=False, tol=tol,
                                     max_iter=100_000, precompute=mode == "gram")
        gaps = [optimality(X, y, res.coefs[k], alpha=alphas[k], fit_intercept=False).rel_gap
                for k in range(alphas.size)]
        worst[tol] = max(gaps)
        assert worst[tol] <= 2 * tol, (tol, worst[tol], int(np.argmax(gaps)))
        assert res.n_iter.max() <= 2_000, res.n_iter.max()
    assert worst[1e-12] < worst[1e-9] < worst[1e-6]


def test_newton_steps_are_what_converges_on_the_collinear_design():
    """The kernel with Newton steps off (plain CD, Anderson-accelerated) still cannot
    certify the 97th alpha of that path in 20000 sweeps; with them, a few hundred do."""
    from fastpen import _cd

    X, y = _diabetes_cubic()
    Xf = np.asfortranarray(X)
    n, p = X.shape
    a = np.abs(X.T @ y).max() * 10 ** (-3 * 96 / 99)
    x_norm2 = (X * X).sum(0)
    tol = 1e-9 * (y @ y)
    sweeps, gaps = {}, {}
    for newton in (False, True):
        w = np.zeros(p)
        gaps[newton], _, sweeps[newton] = _cd.solve_dense(
            Xf, y, np.empty(0), np.zeros(p), x_norm2, np.ones(p), w, a, 0.0, tol, 20_000,
            False, False, 0, 1, newton=newton)
    assert gaps[False] > 100 * tol and sweeps[False] == 20_000
    assert gaps[True] <= tol and sweeps[True] < 1_000, (gaps, sweeps)


@pytest.mark.parametrize("mode", ["dense", "gram", "sparse"])
def test_a_tol_below_float64_rounding_stops_there_and_says_so(mode):
    """tol=1e-16 asks for a gap below the rounding error of its own evaluation.  The
    solver ran to max_iter (Gram mode drifting to a 100x worse answer on the way);
    it now stops near float64's rounding level, well before max_iter, no worse than
    at tol=1e-12, and the warning says that float64 cannot certify the gap, with
    the gap reached."""
    from _helpers import optimality

    X, y = _diabetes_cubic()
    alphas = np.abs(X.T @ y).max() / len(y) * np.logspace(0, -3, 20)
    Xin = sp.csc_matrix(X) if mode == "sparse" else X
    kw = dict(alphas=alphas, fit_intercept=False, max_iter=100_000, precompute=mode == "gram")
    ref = fastpen.lasso_path(Xin, y, tol=1e-12, **kw)
    with pytest.warns(fastpen.ConvergenceWarning,
                      match=r"duality gap \d\.\d+e-\d+ > tolerance .* cannot be certified "
                            r"in float64 precision \(rounding level"):
        res = fastpen.lasso_path(Xin, y, tol=1e-16, **kw)
    assert res.n_iter.max() < 20_000
    rel = [optimality(X, y, res.coefs[k], alpha=alphas[k], fit_intercept=False).rel_gap
           for k in range(alphas.size)]
    rel_ref = [optimality(X, y, ref.coefs[k], alpha=alphas[k], fit_intercept=False).rel_gap
               for k in range(alphas.size)]
    assert max(rel) <= max(max(rel_ref), 1e-12), (max(rel), max(rel_ref))
