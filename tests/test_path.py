"""fastpen.enet_path / lasso_path: optimality, alpha grids, equivalences."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from _helpers import (
    alpha_max,
    assert_optimal,
    assert_path_optimal,
    gram_matrix,
    kkt_bound,
    make_data,
    make_weights,
    optimality,
    rescaled_weights,
    scale_problem,
    to_format,
)

TIGHT = dict(tol=1e-10, max_iter=100_000)


# ------------------------------------------------------------------ toys


@pytest.mark.parametrize("alpha, expected", [(0.1, 0.85), (0.5, 0.25)])
def test_toy_lasso(alpha, expected):
    # 1/6 sum (y - w x)^2 + alpha |w|  ->  (2 - 2w)/3 = alpha  ->  w = 1 - 1.5 alpha
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([-1.0, 0.0, 1.0])
    res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=[alpha], **TIGHT)
    np.testing.assert_allclose(res.coefs[0], [expected], rtol=1e-10)
    assert res.intercepts[0] == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_array_equal(res.alphas, [alpha])
    assert res.df[0] == 1
    # predictions at [-1, 0, 1] are exactly +-w
    assert_optimal(X, y, res.coefs[0], res.intercepts[0], alpha=alpha)


@pytest.mark.parametrize("alpha, l1_ratio", [(0.5, 0.3), (0.1, 0.5), (0.3, 0.0)])
def test_toy_enet(alpha, l1_ratio):
    # (2/3)(1 - w) = alpha (l1 + (1 - l1) w)
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([-1.0, 0.0, 1.0])
    expected = (2 / 3 - alpha * l1_ratio) / (2 / 3 + alpha * (1 - l1_ratio))
    res = fastpen.enet_path(X, y, l1_ratio=l1_ratio, alphas=[alpha], tol=1e-14,
                            max_iter=100_000)
    np.testing.assert_allclose(res.coefs[0], [expected], rtol=1e-10)
    assert res.intercepts[0] == pytest.approx(0.0, abs=1e-15)


def test_toy_with_intercept_shift():
    # Shifting y by a constant only moves the intercept.
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([-1.0, 0.0, 1.0]) + 7.0
    res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=[0.1], **TIGHT)
    np.testing.assert_allclose(res.coefs[0], [0.85], rtol=1e-10)
    assert res.intercepts[0] == pytest.approx(7.0, rel=1e-12)


# ------------------------------------------------------- optimality on paths


@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("positive", [False, True])
def test_path_is_optimal_everywhere(fmt, l1_ratio, weighted, fit_intercept, positive):
    X, y, _ = make_data(n=50, p=15, seed=3, density=0.5 if fmt == "csc" else None)
    sw = make_weights(50) if weighted else None
    tol = 1e-10
    Xin = to_format(X, "csc") if fmt == "csc" else X
    res = fastpen.enet_path(Xin, y, l1_ratio=l1_ratio, alphas=8, eps=1e-2,
                            sample_weight=sw, fit_intercept=fit_intercept,
                            positive=positive, tol=tol, max_iter=100_000,
                            precompute=(fmt == "gram"))
    assert res.coefs.shape == (8, 15)
    assert_path_optimal(X, y, res, l1_ratio=l1_ratio, sample_weight=sw,
                        fit_intercept=fit_intercept, positive=positive,
                        gap_tol=2 * tol * 1.01)
    # the reported gaps are the independent gap (scikit-learn's dual_gap_ = gap / n),
    # and they are below the requested tolerance tol * ||y~||^2 / n
    sc = scale_problem(X, y, sw, fit_intercept)
    n = X.shape[0]
    for k, alpha in enumerate(res.alphas):
        mine = optimality(X, y, res.coefs[k], res.intercepts[k], alpha=alpha,
                          l1_ratio=l1_ratio, sample_weight=sw, fit_intercept=fit_intercept,
                          positive=positive).gap
        assert res.dual_gaps[k] == pytest.approx(mine / n, rel=1e-6, abs=1e-13 * sc.yt @ sc.yt)
    assert np.all(res.dual_gaps <= tol * (sc.yt @ sc.yt) / n)
    assert np.all(res.dual_gaps >= -1e-12)
    if positive:
        assert np.all(res.coefs >= 0)
    # a non-trivial path: something enters
    assert res.df[-1] > 0


def test_quickstart_path_optimal(quickstart):
    X, y = quickstart
    res = fastpen.enet_path(X, y, l1_ratio=0.2, alphas=20, **TIGHT)
    assert_path_optimal(X, y, res, l1_ratio=0.2)


# ------------------------------------------------------------------ alpha_max


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_alpha_max(weighted, fit_intercept, l1_ratio, fmt):
    X, y, _ = make_data(n=40, p=10, seed=5, offset=0.7)
    sw = make_weights(40) if weighted else None
    res = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=l1_ratio, alphas=6,
                            sample_weight=sw, fit_intercept=fit_intercept, **TIGHT)
    amax = alpha_max(X, y, sw, fit_intercept, l1_ratio)
    assert res.alphas[0] == pytest.approx(amax, rel=1e-12)
    # first point exactly zero, the intercept is then the weighted mean of y
    assert np.all(res.coefs[0] == 0.0)
    assert res.df[0] == 0
    ybar = np.average(y, weights=sw) if fit_intercept else 0.0
    assert res.intercepts[0] == pytest.approx(ybar, rel=1e-12, abs=1e-14)
    # ... and the next ones are not
    assert res.df[1] > 0

    for alpha in (res.alphas[0], 1.0001 * res.alphas[0], 10 * res.alphas[0]):
        one = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=l1_ratio, alphas=[alpha],
                                sample_weight=sw, fit_intercept=fit_intercept, **TIGHT)
        assert np.all(one.coefs[0] == 0.0), alpha
        assert one.dual_gaps[0] <= 1e-12 * np.dot(y, y)
    # just below alpha_max something enters
    below = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=l1_ratio,
                              alphas=[0.98 * amax], sample_weight=sw,
                              fit_intercept=fit_intercept, **TIGHT)
    assert below.df[0] >= 1
    assert_optimal(X, y, below.coefs[0], below.intercepts[0], alpha=0.98 * amax,
                   l1_ratio=l1_ratio, sample_weight=sw, fit_intercept=fit_intercept)


def test_alpha_max_positive():
    X, y, _ = make_data(n=40, p=10, seed=6)
    y = y - 3 * X[:, 0]   # a strongly negative correlation that positive must ignore
    res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=5, positive=True, **TIGHT)
    assert res.alphas[0] == pytest.approx(alpha_max(X, y, positive=True), rel=1e-12)
    assert res.alphas[0] < alpha_max(X, y)
    assert np.all(res.coefs[0] == 0)
    assert_path_optimal(X, y, res, positive=True)


@pytest.mark.parametrize("eps, n_alphas", [(1e-3, 100), (1e-2, 7), (0.5, 2)])
def test_alpha_grid_geometric(data, eps, n_alphas):
    X, y, _ = data
    res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=n_alphas, eps=eps)
    a = res.alphas
    assert a.shape == (n_alphas,)
    assert a.dtype == np.float64
    assert np.all(np.diff(a) < 0)
    amax = alpha_max(X, y)
    assert a[0] == pytest.approx(amax, rel=1e-12)
    assert a[-1] == pytest.approx(eps * amax, rel=1e-12)
    np.testing.assert_allclose(np.diff(np.log(a)), np.log(eps) / (n_alphas - 1), rtol=1e-9)


def test_default_grid_has_100_alphas(data):
    X, y, _ = data
    res = fastpen.enet_path(X, y)
    assert res.alphas.shape == (100,)
    assert res.coefs.shape == (100, X.shape[1])
    for field in ("intercepts", "dual_gaps", "n_iter", "df", "dev_ratio"):
        assert getattr(res, field).shape == (100,)
    assert res.alphas[-1] == pytest.approx(1e-3 * res.alphas[0])


def test_n_alphas_alias(data):
    X, y, _ = data
    a = fastpen.enet_path(X, y, alphas=7)
    b = fastpen.enet_path(X, y, n_alphas=7)
    assert b.alphas.shape == (7,)
    np.testing.assert_array_equal(a.alphas, b.alphas)
    np.testing.assert_array_equal(a.coefs, b.coefs)


def test_explicit_alphas_are_sorted_decreasingly(data):
    X, y, _ = data
    grid = [0.01, 1.0, 0.1]
    res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=grid, **TIGHT)
    np.testing.assert_array_equal(res.alphas, [1.0, 0.1, 0.01])
    for k, alpha in enumerate(res.alphas):
        assert_optimal(X, y, res.coefs[k], res.intercepts[k], alpha=alpha)


def test_lasso_path_is_enet_path_l1(data):
    X, y, _ = data
    a = fastpen.lasso_path(X, y, alphas=10, **TIGHT)
    b = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=10, **TIGHT)
    for field in a._fields:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert_path_optimal(X, y, a, l1_ratio=1.0)
    with pytest.raises(TypeError, match="l1_ratio"):
        fastpen.lasso_path(X, y, l1_ratio=0.5)


def test_path_result_is_named_tuple(data):
    X, y, _ = data
    res = fastpen.lasso_path(X, y, alphas=3)
    assert isinstance(res, fastpen.PathResult)
    alphas, coefs, intercepts, gaps, n_iter, df, dev = res
    assert alphas is res.alphas and coefs is res.coefs
    assert res.n_iter.dtype.kind == "i"
    assert res.n_iter[0] == 0  # at alpha_max the answer is known: no sweep
    assert np.all(res.n_iter[1:] >= 1)


# ------------------------------------------------ path == individual fits


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_path_equals_individual_fits(l1_ratio, weighted):
    X, y, _ = make_data(n=50, p=20, seed=11)
    sw = make_weights(50) if weighted else None
    res = fastpen.enet_path(X, y, l1_ratio=l1_ratio, alphas=10, eps=1e-2,
                            sample_weight=sw, **TIGHT)
    for k, alpha in enumerate(res.alphas):
        est = fastpen.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT)
        est.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(res.coefs[k], est.coef_, atol=1e-6, rtol=0)
        assert res.intercepts[k] == pytest.approx(est.intercept_, abs=1e-6)


# ------------------------------------------------------------- df, dev_ratio


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_df_and_dev_ratio(weighted, fit_intercept):
    X, y, _ = make_data(n=50, p=15, seed=12)
    sw = make_weights(50) if weighted else None
    res = fastpen.enet_path(X, y, l1_ratio=0.8, alphas=12, sample_weight=sw,
                            fit_intercept=fit_intercept, **TIGHT)
    np.testing.assert_array_equal(res.df, np.count_nonzero(res.coefs, axis=1))
    s = rescaled_weights(sw, 50)
    ybar = np.average(y, weights=s) if fit_intercept else 0.0
    tss = np.sum(s * (y - ybar) ** 2)
    for k in range(res.alphas.size):
        rss = np.sum(s * (y - X @ res.coefs[k] - res.intercepts[k]) ** 2)
        assert res.dev_ratio[k] == pytest.approx(1 - rss / tss, abs=1e-10)
    if fit_intercept:
        assert res.dev_ratio[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(res.dev_ratio) >= -1e-10)  # more fit as alpha decreases
    assert 0.5 < res.dev_ratio[-1] < 1.0


# -------------------------------------------------- dense == sparse == Gram


def _int64_csr(X):
    M = sp.csr_matrix(X)
    M.indices = M.indices.astype(np.int64)
    M.indptr = M.indptr.astype(np.int64)
    return M


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_dense_sparse_gram_agree(weighted, fit_intercept):
    X, y, _ = make_data(n=80, p=12, seed=13, density=0.4, offset=0.0)
    X[:, 2] += 1.0   # one column with a large mean, to exercise centring
    sw = make_weights(80) if weighted else None
    G = gram_matrix(X, sw, fit_intercept)
    variants = {
        "F": (to_format(X, "F"), False),
        "C": (to_format(X, "C"), False),
        "csr": (to_format(X, "csr"), False),
        "csc": (to_format(X, "csc"), False),
        "coo": (to_format(X, "coo"), False),
        "csr_array": (sp.csr_array(X), False),
        "csc_array": (sp.csc_array(X), False),
        "csr_int64_indices": (_int64_csr(X), False),
        "gram": (X, True),
        "gram_auto": (X, "auto"),
        "gram_sparse": (to_format(X, "csc"), True),
        "gram_user": (X, G),
        "gram_user_sparse": (to_format(X, "csr"), G),
    }
    results = {}
    for name, (Xv, pre) in variants.items():
        res = fastpen.enet_path(Xv, y, l1_ratio=0.7, alphas=8, sample_weight=sw,
                                fit_intercept=fit_intercept, precompute=pre, tol=1e-12,
                                max_iter=100_000)
        assert_path_optimal(X, y, res, l1_ratio=0.7, sample_weight=sw,
                            fit_intercept=fit_intercept)
        results[name] = res
    ref = results["F"]
    for name, res in results.items():
        np.testing.assert_allclose(res.alphas, ref.alphas, rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(res.coefs, ref.coefs, atol=1e-8, rtol=0, err_msg=name)
        np.testing.assert_allclose(res.intercepts, ref.intercepts, atol=1e-8, err_msg=name)
        np.testing.assert_allclose(res.dev_ratio, ref.dev_ratio, atol=1e-8, err_msg=name)
        np.testing.assert_array_equal(res.df, ref.df, err_msg=name)
    # storage order only changes a copy: bitwise identical
    np.testing.assert_array_equal(results["C"].coefs, results["F"].coefs)


@pytest.mark.parametrize("weighted", [False, True])
def test_wrong_gram_raises(data, weighted):
    X, y, _ = data
    sw = make_weights(X.shape[0]) if weighted else None
    good = gram_matrix(X, sw, True)
    wrong = {
        "uncentred": X.T @ X,
        "unweighted_or_uncentred": gram_matrix(X, None if weighted else make_weights(60),
                                               not weighted),
        "scaled": 2.0 * good,
        "column_swapped": good[:, ::-1].copy(),
    }
    for name, G in wrong.items():
        with pytest.raises(ValueError, match="precompute"):
            fastpen.enet_path(X, y, alphas=[0.1], sample_weight=sw, precompute=G)
    with pytest.raises(ValueError, match="precompute"):
        fastpen.enet_path(X, y, alphas=[0.1], sample_weight=sw, precompute=good[:-1])
    with pytest.raises(ValueError, match="precompute"):
        fastpen.enet_path(X, y, alphas=[0.1], precompute="foo")
    bad = good.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="precompute"):
        fastpen.enet_path(X, y, alphas=[0.1], sample_weight=sw, precompute=bad)
    # the right one works and agrees
    a = fastpen.enet_path(X, y, alphas=[0.1], sample_weight=sw, precompute=good, **TIGHT)
    b = fastpen.enet_path(X, y, alphas=[0.1], sample_weight=sw, **TIGHT)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-7)


def test_gram_without_intercept_is_uncentred(data):
    X, y, _ = data
    G = X.T @ X
    a = fastpen.enet_path(X, y, alphas=[0.1], fit_intercept=False, precompute=G, **TIGHT)
    b = fastpen.enet_path(X, y, alphas=[0.1], fit_intercept=False, **TIGHT)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-8)
    assert a.intercepts[0] == 0.0


# ---------------------------------------------------------- sample weights


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_zero_weight_equals_removed_row(fmt, l1_ratio):
    X, y, _ = make_data(n=40, p=8, seed=21)
    sw = make_weights(40)
    sw[[3, 17, 30]] = 0.0
    keep = sw > 0
    # an outlier on a zero-weight row must not matter
    y = y.copy()
    y[17] = 1e3
    alphas = [0.5, 0.1, 0.02]
    a = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=l1_ratio, alphas=alphas,
                          sample_weight=sw, **TIGHT)
    b = fastpen.enet_path(to_format(X[keep], fmt), y[keep], l1_ratio=l1_ratio,
                          alphas=alphas, sample_weight=sw[keep], **TIGHT)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-7)
    np.testing.assert_allclose(a.intercepts, b.intercepts, atol=1e-7)
    assert_path_optimal(X[keep], y[keep], b, l1_ratio=l1_ratio, sample_weight=sw[keep])


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_integer_weights_equal_repeated_rows(fmt):
    X, y, _ = make_data(n=30, p=8, seed=22)
    reps = np.random.default_rng(0).integers(1, 4, size=30)
    Xr, yr = np.repeat(X, reps, axis=0), np.repeat(y, reps)
    alphas = [0.3, 0.05]
    a = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=0.6, alphas=alphas,
                          sample_weight=reps, **TIGHT)
    b = fastpen.enet_path(to_format(Xr, fmt), yr, l1_ratio=0.6, alphas=alphas, **TIGHT)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-7)
    np.testing.assert_allclose(a.intercepts, b.intercepts, atol=1e-7)
    np.testing.assert_allclose(a.dev_ratio, b.dev_ratio, atol=1e-8)
    # automatic grids agree too (alpha_max is weight-aware)
    ga = fastpen.enet_path(X, y, alphas=5, sample_weight=reps)
    gb = fastpen.enet_path(Xr, yr, alphas=5)
    np.testing.assert_allclose(ga.alphas, gb.alphas, rtol=1e-10)


def test_scaled_weights_change_nothing(data):
    X, y, _ = data
    sw = make_weights(X.shape[0])
    a = fastpen.enet_path(X, y, alphas=6, sample_weight=sw, **TIGHT)
    b = fastpen.enet_path(X, y, alphas=6, sample_weight=1000.0 * sw, **TIGHT)
    np.testing.assert_allclose(a.alphas, b.alphas, rtol=1e-12)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-9)
    # a gap is a difference of O(||y||^2 / n) terms: equal up to their rounding
    scale = np.var(y) * np.finfo(np.float64).eps * 100
    np.testing.assert_allclose(a.dual_gaps, b.dual_gaps, rtol=1e-6, atol=scale)
    c = fastpen.enet_path(X, y, alphas=6, sample_weight=np.full(X.shape[0], 3.0), **TIGHT)
    d = fastpen.enet_path(X, y, alphas=6, **TIGHT)
    np.testing.assert_allclose(c.coefs, d.coefs, atol=1e-9)


# ------------------------------------------------------------ dtypes, memory


@pytest.mark.parametrize("fmt", ["dense", "csc", "csr"])
def test_float32_stays_float32_and_matches_float64(fmt):
    X, y, _ = make_data(n=60, p=10, seed=31)
    r64 = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=0.8, alphas=6, tol=1e-10,
                            max_iter=100_000)
    X32 = X.astype(np.float32)
    r32 = fastpen.enet_path(to_format(X32, fmt), y.astype(np.float32), l1_ratio=0.8,
                            alphas=6, tol=1e-10, max_iter=100_000)
    assert r32.coefs.dtype == np.float32
    assert r32.intercepts.dtype == np.float32
    assert r64.coefs.dtype == np.float64
    np.testing.assert_allclose(r32.alphas, r64.alphas, rtol=1e-5)
    np.testing.assert_allclose(r32.coefs, r64.coefs, atol=1e-4)
    np.testing.assert_allclose(r32.intercepts, r64.intercepts, atol=1e-4)
    # optimal for the float32 data it was given (checked in float64)
    assert_path_optimal(X32, y.astype(np.float32), r32, l1_ratio=0.8)


def test_c_and_f_order_bitwise_identical(data):
    X, y, _ = data
    sw = make_weights(X.shape[0])
    a = fastpen.enet_path(np.ascontiguousarray(X), y, alphas=10, sample_weight=sw)
    b = fastpen.enet_path(np.asfortranarray(X), y, alphas=10, sample_weight=sw)
    c = fastpen.enet_path(X.tolist(), y.tolist(), alphas=10, sample_weight=sw)
    for r in (b, c):
        np.testing.assert_array_equal(a.coefs, r.coefs)
        np.testing.assert_array_equal(a.intercepts, r.intercepts)
        np.testing.assert_array_equal(a.alphas, r.alphas)


def test_readonly_and_memmap_inputs(tmp_path):
    X, y, _ = make_data(n=50, p=10, seed=32)
    sw = make_weights(50)
    ref = fastpen.enet_path(X, y, alphas=5, sample_weight=sw, precompute=False)

    Xr, yr, swr = (np.asfortranarray(X.copy()), y.copy(), sw.copy())
    for a in (Xr, yr, swr):
        a.setflags(write=False)
    res = fastpen.enet_path(Xr, yr, alphas=5, sample_weight=swr, precompute=False)
    np.testing.assert_array_equal(res.coefs, ref.coefs)
    # another mode, both solved tightly
    res = fastpen.enet_path(Xr, yr, alphas=5, sample_weight=swr, precompute=True, tol=1e-12)
    tight = fastpen.enet_path(X, y, alphas=5, sample_weight=sw, precompute=False, tol=1e-12)
    np.testing.assert_allclose(res.coefs, tight.coefs, atol=1e-6)

    Xm = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="w+", shape=X.shape,
                   order="F")
    Xm[:] = X
    Xm.flush()
    Xm = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="r", shape=X.shape, order="F")
    ym = np.memmap(tmp_path / "y.dat", dtype=np.float64, mode="w+", shape=y.shape)
    ym[:] = y
    ym.flush()
    ym = np.memmap(tmp_path / "y.dat", dtype=np.float64, mode="r", shape=y.shape)
    res = fastpen.enet_path(Xm, ym, alphas=5, sample_weight=sw, precompute=False)
    np.testing.assert_array_equal(res.coefs, ref.coefs)

    # read-only sparse buffers
    Xs = sp.csc_matrix(X)
    for a in (Xs.data, Xs.indices, Xs.indptr):
        a.setflags(write=False)
    # (another design: equal to the dense answer as far as tight gaps certify)
    res = fastpen.enet_path(Xs, yr, alphas=5, sample_weight=swr, tol=1e-12)
    np.testing.assert_allclose(res.coefs, tight.coefs, atol=1e-6)


def test_integer_X_is_converted_to_float64():
    rng = np.random.default_rng(33)
    Xi = rng.integers(-3, 4, size=(40, 6))
    y = Xi @ np.array([1.0, 0, 0, -2, 0, 0.5]) + rng.standard_normal(40)
    a = fastpen.enet_path(Xi, y, alphas=5, **TIGHT)
    b = fastpen.enet_path(Xi.astype(np.float64), y, alphas=5, **TIGHT)
    assert a.coefs.dtype == np.float64
    np.testing.assert_array_equal(a.coefs, b.coefs)
    for dt in (np.int32, np.uint8, bool):
        r = fastpen.enet_path(np.abs(Xi).astype(dt), y, alphas=3)
        assert r.coefs.dtype == np.float64
    # integer y too
    r = fastpen.enet_path(Xi, np.round(y).astype(np.int64), alphas=3)
    assert r.coefs.dtype == np.float64


# --------------------------------------------------------- penalty factors


def test_penalty_factor_ones_is_default(data):
    X, y, _ = data
    a = fastpen.enet_path(X, y, alphas=8)
    b = fastpen.enet_path(X, y, alphas=8, penalty_factor=np.ones(X.shape[1]))
    for field in a._fields:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("precompute", [False, True])
def test_penalty_factor_zero_is_unpenalised(fmt, weighted, l1_ratio, precompute):
    X, y, w_true = make_data(n=60, p=12, seed=41)
    sw = make_weights(60) if weighted else None
    pf = np.ones(12)
    free = [int(np.argmin(np.abs(w_true))), 7]   # include a feature with no signal
    pf[free] = 0.0
    res = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=l1_ratio, alphas=6,
                            penalty_factor=pf, sample_weight=sw, precompute=precompute,
                            **TIGHT)
    assert_path_optimal(X, y, res, l1_ratio=l1_ratio, sample_weight=sw, penalty_factor=pf)
    # the unpenalised features are stationary at every alpha: gradient 0
    for k, alpha in enumerate(res.alphas):
        opt = optimality(X, y, res.coefs[k], res.intercepts[k], alpha=alpha,
                         l1_ratio=l1_ratio, sample_weight=sw, penalty_factor=pf)
        assert np.all(np.abs(opt.grad[free]) <= 1e-7 * np.abs(opt.grad).max() + 1e-12)
    # first point: penalised coefficients zero, free ones = least squares on them alone
    pen = pf > 0
    assert np.all(res.coefs[0][pen] == 0)
    sc = scale_problem(X, y, sw, True)
    w_free = np.linalg.lstsq(sc.Xt[:, free], sc.yt, rcond=None)[0]
    np.testing.assert_allclose(res.coefs[0][free], w_free, atol=1e-10)
    # alpha_max is over the penalised features, after fitting the free ones
    R = sc.yt - sc.Xt[:, free] @ w_free
    amax = np.max(np.abs(sc.Xt[:, pen].T @ R)) / (60 * l1_ratio)
    assert res.alphas[0] == pytest.approx(amax, rel=1e-10)
    assert res.df[1] > res.df[0] == len(free)


def test_penalty_factor_zero_positive():
    X, y, _ = make_data(n=60, p=8, seed=42)
    pf = np.ones(8)
    pf[0] = 0.0
    y = y - 2 * X[:, 0]
    res = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=5, penalty_factor=pf, positive=True,
                            **TIGHT)
    assert np.all(res.coefs >= 0)
    assert_path_optimal(X, y, res, penalty_factor=pf, positive=True)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_penalty_factor_equals_column_scaling(fit_intercept, fmt):
    # For the Lasso, penalty c |w_j| on column x_j  ==  penalty |v_j| on column x_j / c,
    # with w_j = v_j / c.
    X, y, _ = make_data(n=50, p=10, seed=43)
    c = np.array([1.0, 2.0, 0.5, 3.0, 1.0, 1.0, 0.25, 1.0, 4.0, 1.0])
    alphas = [0.5, 0.1, 0.02]
    a = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=1.0, alphas=alphas,
                          penalty_factor=c, fit_intercept=fit_intercept, **TIGHT)
    b = fastpen.enet_path(to_format(X / c, fmt), y, l1_ratio=1.0, alphas=alphas,
                          fit_intercept=fit_intercept, **TIGHT)
    np.testing.assert_allclose(a.coefs, b.coefs / c, atol=1e-7)
    np.testing.assert_allclose(a.intercepts, b.intercepts, atol=1e-7)
    assert_path_optimal(X, y, a, penalty_factor=c, fit_intercept=fit_intercept)
    # the automatic grid follows: alpha_max = max |x~_j^T y~| / (n c_j)
    ga = fastpen.enet_path(X, y, l1_ratio=1.0, alphas=4, penalty_factor=c,
                           fit_intercept=fit_intercept)
    assert ga.alphas[0] == pytest.approx(
        alpha_max(X, y, fit_intercept=fit_intercept, penalty_factor=c), rel=1e-12)


def test_penalty_factor_enet_is_optimal():
    X, y, _ = make_data(n=50, p=10, seed=44)
    pf = np.linspace(0.2, 3.0, 10)
    res = fastpen.enet_path(X, y, l1_ratio=0.3, alphas=6, penalty_factor=pf, **TIGHT)
    assert_path_optimal(X, y, res, l1_ratio=0.3, penalty_factor=pf)
    assert res.alphas[0] == pytest.approx(alpha_max(X, y, l1_ratio=0.3, penalty_factor=pf),
                                          rel=1e-12)


def test_automatic_grid_needs_an_l1_penalty(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="alpha"):
        fastpen.enet_path(X, y, l1_ratio=0.0)
    with pytest.raises(ValueError, match="alpha"):
        fastpen.enet_path(X, y, l1_ratio=0.0, alphas=5)
    with pytest.raises(ValueError, match="penalty"):
        fastpen.enet_path(X, y, penalty_factor=np.zeros(X.shape[1]))


@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
def test_unpenalised_features_gap_is_a_certificate(fmt):
    """With unpenalised features the reported gap must still bound the suboptimality.

    A negative "gap" far below -tol means the stopping test can fire before the
    unpenalised coefficients are stationary.
    """
    X, y, _ = make_data(n=60, p=12, seed=45)
    pf = np.zeros(12)
    pf[0] = 1.0
    tol = 1e-14
    Xin = to_format(X, "csc") if fmt == "csc" else X
    res = fastpen.enet_path(Xin, y, l1_ratio=1.0, alphas=[1.0, 1e-3], penalty_factor=pf,
                            tol=tol, max_iter=100_000, precompute=(fmt == "gram"))
    sc = scale_problem(X, y)
    floor = -tol * float(sc.yt @ sc.yt) / 60
    gaps = res.dual_gaps
    assert np.all(gaps >= floor), f"negative duality gaps {gaps} (floor {floor:.2e})"
    for k, alpha in enumerate(res.alphas):
        bound = kkt_bound(X, y, 2 * tol, alpha=alpha, penalty_factor=pf)
        assert_optimal(X, y, res.coefs[k], res.intercepts[k], alpha=alpha, penalty_factor=pf,
                       gap_tol=1e-10, kkt_tol=1.01 * bound + 1e-12)


def test_all_penalty_factors_zero_explicit_grid_is_least_squares(data):
    X, y, _ = data
    p = X.shape[1]
    res = fastpen.enet_path(X, y, alphas=[1.0, 0.1], penalty_factor=np.zeros(p),
                            tol=1e-14, max_iter=100_000)
    A = np.column_stack([X, np.ones(X.shape[0])])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    for k in range(2):
        np.testing.assert_allclose(res.coefs[k], sol[:-1], atol=1e-6)
        assert res.intercepts[k] == pytest.approx(sol[-1], abs=1e-6)


# --------------------------------------------------- ridge and least squares


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
def test_ridge_matches_closed_form(fit_intercept, weighted, fmt):
    X, y, _ = make_data(n=80, p=10, seed=51)
    sw = make_weights(80) if weighted else None
    alphas = [1.0, 0.1, 0.01]
    Xin = to_format(X, "csc") if fmt == "csc" else X
    # The tightest possible fit: the gap is then at its rounding floor,
    # ~1e-16 ||y~||^2, which bounds the coefficient error by ~sqrt(1e-16 var(y)),
    # a few 1e-8 here; hence 1e-7 relative to the largest coefficient below.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastpen.ConvergenceWarning)
        res = fastpen.enet_path(Xin, y, l1_ratio=0.0, alphas=alphas, sample_weight=sw,
                                fit_intercept=fit_intercept, precompute=(fmt == "gram"),
                                tol=0.0, max_iter=3000)
    sc = scale_problem(X, y, sw, fit_intercept)
    n = X.shape[0]
    for k, alpha in enumerate(res.alphas):
        # centred (weighted) normal equations: (X~^T X~ + n alpha I) w = X~^T y~
        w = np.linalg.solve(sc.Xt.T @ sc.Xt + n * alpha * np.eye(10), sc.Xt.T @ sc.yt)
        b0 = sc.y_mean - sc.x_mean @ w
        scale = max(1.0, np.abs(w).max())
        np.testing.assert_allclose(res.coefs[k], w, rtol=0, atol=1e-7 * scale)
        assert res.intercepts[k] == pytest.approx(b0, abs=1e-7 * max(scale, abs(b0)))
        assert_optimal(X, y, res.coefs[k], res.intercepts[k], alpha=alpha, l1_ratio=0.0,
                       sample_weight=sw, fit_intercept=fit_intercept)


@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
def test_alpha_zero_warns_and_is_least_squares(fmt):
    X, y, _ = make_data(n=80, p=8, seed=52)
    Xin = to_format(X, "csc") if fmt == "csc" else X
    with pytest.warns(UserWarning, match="alpha=0"):
        res = fastpen.enet_path(Xin, y, l1_ratio=1.0, alphas=[0.0], tol=1e-14,
                                max_iter=100_000, precompute=(fmt == "gram"))
    A = np.column_stack([X, np.ones(80)])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(res.coefs[0], sol[:-1], atol=1e-6)
    assert res.intercepts[0] == pytest.approx(sol[-1], abs=1e-6)
    # no intercept
    with pytest.warns(UserWarning, match="alpha=0"):
        res = fastpen.enet_path(Xin, y, l1_ratio=0.5, alphas=[0.0], fit_intercept=False,
                                tol=1e-14, max_iter=100_000, precompute=(fmt == "gram"))
    sol = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(res.coefs[0], sol, atol=1e-6)


# --------------------------------------------------------------- threads


@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("size", ["small", "large"])
def test_thread_count_does_not_change_results(fmt, weighted, size):
    # "large": n * p and nnz above 2**18, so that the scans really run in parallel
    n, p = (120, 40) if size == "small" else (700, 400)
    X, y, _ = make_data(n=n, p=p, seed=61, density=0.5 if fmt != "csc" else 0.95)
    sw = make_weights(n) if weighted else None
    Xin = to_format(X, "csc") if fmt == "csc" else X
    if fmt == "csc" and size == "large":
        assert Xin.nnz >= 2**18
    results = []
    for n_threads in (1, 2, 3, -1, None):
        results.append(fastpen.enet_path(Xin, y, l1_ratio=0.9, alphas=10 if size == "small"
                                         else 4, eps=1e-2, sample_weight=sw,
                                         n_threads=n_threads, precompute=(fmt == "gram"),
                                         tol=1e-8))
    assert results[0].df[-1] > 0
    for res in results[1:]:
        for field in results[0]._fields:
            np.testing.assert_array_equal(getattr(res, field), getattr(results[0], field),
                                          err_msg=field)


def test_n_threads_zero_raises(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="n_threads"):
        fastpen.enet_path(X, y, n_threads=0)
    with pytest.raises(TypeError, match="n_threads"):
        fastpen.enet_path(X, y, n_threads=1.5)
    with pytest.raises(TypeError, match="n_threads"):
        fastpen.enet_path(X, y, n_threads=True)


# ----------------------------------------------------------- random order


@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
def test_random_selection(fmt):
    X, y, _ = make_data(n=60, p=25, seed=71)
    Xin = to_format(X, "csc") if fmt == "csc" else X
    kw = dict(l1_ratio=0.7, alphas=6, precompute=(fmt == "gram"), **TIGHT)
    cyc = fastpen.enet_path(Xin, y, **kw)
    r1 = fastpen.enet_path(Xin, y, selection="random", random_state=3, **kw)
    r2 = fastpen.enet_path(Xin, y, selection="random", random_state=3, **kw)
    r3 = fastpen.enet_path(Xin, y, selection="random",
                           random_state=np.random.RandomState(3), **kw)
    for field in r1._fields:
        np.testing.assert_array_equal(getattr(r1, field), getattr(r2, field))
    for r in (r1, r3):
        np.testing.assert_allclose(r.coefs, cyc.coefs, atol=1e-7)
        assert_path_optimal(X, y, r, l1_ratio=0.7)
    # the order really is different from cyclic (iterates differ before convergence)
    with pytest.warns(fastpen.ConvergenceWarning):
        a = fastpen.enet_path(Xin, y, l1_ratio=0.7, alphas=[0.01], max_iter=1, tol=0.0,
                              selection="random", random_state=0, precompute=(fmt == "gram"))
    with pytest.warns(fastpen.ConvergenceWarning):
        b = fastpen.enet_path(Xin, y, l1_ratio=0.7, alphas=[0.01], max_iter=1, tol=0.0,
                              precompute=(fmt == "gram"))
    assert not np.array_equal(a.coefs, b.coefs)


# ------------------------------------------------------- convergence warning


def _hard_problem():
    rng = np.random.default_rng(81)
    base = rng.standard_normal((100, 1))
    X = base + 0.01 * rng.standard_normal((100, 30))   # highly correlated columns
    y = X @ rng.standard_normal(30) + 0.1 * rng.standard_normal(100)
    return X, y


@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
def test_convergence_warning(fmt):
    X, y = _hard_problem()
    Xin = to_format(X, "csc") if fmt == "csc" else X
    tol = 1e-12
    with pytest.warns(fastpen.ConvergenceWarning) as rec:
        res = fastpen.enet_path(Xin, y, l1_ratio=1.0, alphas=[1e-4], tol=tol, max_iter=1,
                                precompute=(fmt == "gram"))
    assert issubclass(fastpen.ConvergenceWarning, UserWarning)
    msgs = [str(w.message) for w in rec if issubclass(w.category, fastpen.ConvergenceWarning)]
    assert len(msgs) == 1
    sc = scale_problem(X, y)
    tol_abs = tol * (sc.yt @ sc.yt) / X.shape[0]
    assert f"{res.dual_gaps[0]:.3e}" in msgs[0]
    assert f"{tol_abs:.3e}" in msgs[0]
    assert res.dual_gaps[0] > tol_abs
    assert res.n_iter[0] == 1
    # the reported gap is the true gap of what was returned
    mine = optimality(X, y, res.coefs[0], res.intercepts[0], alpha=1e-4).gap
    assert res.dual_gaps[0] == pytest.approx(mine / X.shape[0], rel=1e-6)


@pytest.mark.no_autocheck   # the checking wrapper would be the caller
def test_warnings_point_at_the_caller(data):
    X, y, _ = data
    with pytest.warns(UserWarning, match="alpha=0") as rec:
        fastpen.enet_path(X, y, alphas=[0.0], max_iter=5)
    assert {w.filename for w in rec} == {__file__}
    Xh, yh = _hard_problem()
    with pytest.warns(fastpen.ConvergenceWarning) as rec:
        fastpen.enet_path(Xh, yh, alphas=[1e-4], tol=1e-12, max_iter=1)
    assert {w.filename for w in rec} == {__file__}
    with pytest.warns(fastpen.ConvergenceWarning) as rec:
        fastpen.lasso_path(Xh, yh, alphas=[1e-4], tol=1e-12, max_iter=1)
    assert len(rec) == 1


def test_no_warning_when_converged(data, no_warnings):
    X, y, _ = data
    fastpen.enet_path(X, y, alphas=10)


# ------------------------------------------------------------ coef_init


def test_coef_init_same_solution(data):
    X, y, _ = data
    p = X.shape[1]
    a = fastpen.enet_path(X, y, l1_ratio=0.5, alphas=[0.05], **TIGHT)
    w0 = np.random.default_rng(0).standard_normal(p)
    b = fastpen.enet_path(X, y, l1_ratio=0.5, alphas=[0.05], coef_init=w0, **TIGHT)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-7)
    # starting at the solution, no work is needed
    c = fastpen.enet_path(X, y, l1_ratio=0.5, alphas=[0.05], coef_init=a.coefs[0], **TIGHT)
    assert c.n_iter[0] == 0
    np.testing.assert_array_equal(c.coefs, a.coefs)


# ---------------------------------------------------------- degenerate data


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_constant_target(fmt):
    X, y, _ = make_data(n=30, p=5, seed=91)
    yc = np.full(30, 3.0)
    res = fastpen.enet_path(to_format(X, fmt), yc, alphas=5)
    assert np.all(res.coefs == 0)
    np.testing.assert_allclose(res.intercepts, 3.0)
    assert np.all(np.isfinite(res.alphas)) and np.all(res.alphas > 0)
    assert np.all(np.isfinite(res.dev_ratio))
    with pytest.warns(UserWarning, match="alpha=0"):
        res = fastpen.enet_path(to_format(X, fmt), yc, l1_ratio=1.0, alphas=[0.1, 0.0])
    assert np.all(res.coefs == 0)
    assert np.all(np.isfinite(res.dual_gaps))


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("value", [0.0, 1.0, 0.1])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_constant_column_penalised(fmt, value, l1_ratio):
    X, y, _ = make_data(n=60, p=8, seed=92)
    X[:, 3] = value
    res = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=l1_ratio,
                            alphas=[1.0, 0.1, 0.01], **TIGHT)
    assert np.all(np.isfinite(res.coefs))
    assert np.all(np.isfinite(res.dual_gaps))
    np.testing.assert_allclose(res.coefs[:, 3], 0.0, atol=1e-10)
    assert_path_optimal(X, y, res, l1_ratio=l1_ratio)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_constant_column_unpenalised(fmt):
    """A constant column (e.g. a user-added bias column) left unpenalised.

    With an intercept its centred column is 0: any coefficient is optimal, but
    the result must be finite and the fit optimal.
    """
    X, y, _ = make_data(n=60, p=8, seed=92)
    X[:, 3] = 0.1
    pf = np.ones(8)
    pf[3] = 0.0
    res = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=1.0, alphas=4,
                            penalty_factor=pf, **TIGHT)
    assert np.all(np.isfinite(res.dual_gaps)), res.dual_gaps
    assert np.all(np.isfinite(res.coefs))
    assert_path_optimal(X, y, res, penalty_factor=pf)
    with pytest.warns(UserWarning, match="alpha=0"):
        res = fastpen.enet_path(to_format(X, fmt), y, l1_ratio=1.0, alphas=[0.0],
                                tol=1e-14, max_iter=100_000)
    assert np.all(np.isfinite(res.dual_gaps)), res.dual_gaps
    assert np.all(np.isfinite(res.coefs))
    A = np.column_stack([np.delete(X, 3, axis=1), np.ones(60)])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    pred = X @ res.coefs[0] + res.intercepts[0]
    np.testing.assert_allclose(pred, A @ sol, atol=1e-4)
    assert_optimal(X, y, res.coefs[0], res.intercepts[0], alpha=0.0)


def test_single_sample_and_single_feature():
    # one feature: closed form soft-thresholding
    rng = np.random.default_rng(93)
    x = rng.standard_normal(20)
    y = 2 * x + rng.standard_normal(20)
    xc, yc = x - x.mean(), y - y.mean()
    alpha = 0.3
    w = np.sign(xc @ yc) * max(abs(xc @ yc) / 20 - alpha, 0) / (xc @ xc / 20)
    res = fastpen.enet_path(x[:, None], y, l1_ratio=1.0, alphas=[alpha], **TIGHT)
    assert res.coefs[0, 0] == pytest.approx(w, rel=1e-10)
    # one sample with an intercept: everything is explained by the intercept
    res = fastpen.enet_path(np.array([[1.0, 2.0]]), np.array([5.0]), alphas=[0.1])
    assert np.all(res.coefs == 0)
    assert res.intercepts[0] == pytest.approx(5.0)


def test_precompute_auto_cost_model():
    """'auto' builds X~^T S X~ only when it costs less than the passes over X."""
    from types import SimpleNamespace

    from fastpen._gram import gram_pays

    def prob(n, p, sparse=False):
        return SimpleNamespace(X=SimpleNamespace(shape=(n, p)), sparse=sparse)

    assert gram_pays(prob(40000, 400), 100)          # tall path: the Gram matrix
    assert not gram_pays(prob(40000, 400), 1)        # one fit: a few passes over X
    assert gram_pays(prob(1000, 20), 1)              # tiny p: even one fit
    assert not gram_pays(prob(1000, 5000), 100)      # wide: Q would exceed X
    assert not gram_pays(prob(40000, 400, sparse=True), 100)
    assert not gram_pays(prob(100000, 5000), 100)    # p^2 n / 12 > 300 n p


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_direct_gram_route_is_exact_and_c_ordered(fit_intercept):
    """Unweighted float64: one DSYRK on X plus a rank-one centring, symmetrised in
    place; the kernels read Q row by row (C order)."""
    from fastpen._gram import dense_gram
    from fastpen._problem import prepare

    rng = np.random.default_rng(7)
    X = np.asfortranarray(rng.standard_normal((300, 25)) + 0.3)
    y = rng.standard_normal(300)
    prob = prepare(X, y, sample_weight=None, fit_intercept=fit_intercept, n_threads=1)
    Q, q = dense_gram(prob)
    Xc = X - X.mean(axis=0) if fit_intercept else X
    assert Q.flags.c_contiguous
    np.testing.assert_array_equal(Q, Q.T)
    np.testing.assert_allclose(Q, Xc.T @ Xc, rtol=1e-12, atol=1e-12 * np.abs(Q).max())
    np.testing.assert_allclose(q, Xc.T @ (y - (y.mean() if fit_intercept else 0.0)),
                               rtol=1e-12, atol=1e-12 * np.abs(q).max())


@pytest.mark.parametrize("positive", [False, True])
def test_one_box_rule_says_which_directions_a_feature_may_move(positive):
    """Penalty.box() folds ``positive`` into the bounds, and what a zero
    coefficient may do (feasible_gradient: alpha_max, working sets) and which
    blocks are constrained follow from it alone."""
    from fastpen._penalty import Penalty

    lower = np.array([-np.inf, -1.0, 0.0, 0.0, -2.0, -np.inf])
    upper = np.array([np.inf, 0.0, 3.0, 0.0, 2.0, np.inf])
    g = np.array([1.5, -2.0, 0.5, 4.0, -1.0, -0.25])
    pen = Penalty(l1=np.ones(6), l2=None, lower=lower, upper=upper, x_norm2=np.ones(6),
                  positive=positive)
    lo, hi = pen.box()
    np.testing.assert_array_equal(lo, np.maximum(lower, 0.0) if positive else lower)
    np.testing.assert_array_equal(hi, upper)
    expected = [max(g[j] if hi[j] > 0 else 0.0, -g[j] if lo[j] < 0 else 0.0, 0.0)
                for j in range(6)]
    np.testing.assert_array_equal(pen.feasible_gradient(g), expected)
    assert pen.constrained([1]) and pen.constrained([3])
    assert pen.constrained([0, 5]) == positive
    free = Penalty(l1=np.ones(6), l2=None, lower=None, upper=None, x_norm2=np.ones(6),
                   positive=positive)
    np.testing.assert_array_equal(free.feasible_gradient(g),
                                  np.maximum(g, 0.0) if positive else np.abs(g))
    assert free.constrained(np.arange(6)) == positive
