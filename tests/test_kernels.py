"""The Cython kernels of fastpen._cd, called directly, against NumPy."""
import numpy as np
import pytest
import scipy.sparse as sp

from fastpen import _batch, _cd
from fastpen._validation import kernel_csc
from _helpers import make_data, make_weights, optimality, rescaled_weights, scale_problem

EMPTY = np.empty(0)


def _inputs(X, y, sw, fit_intercept):
    """What _path hands the kernels: y_c, weights (or empty), means, norms."""
    n = X.shape[0]
    s = rescaled_weights(sw, n)
    sc = scale_problem(X, y, sw, fit_intercept)
    y_c = np.asarray(y, float) - sc.y_mean
    x_norm2 = np.einsum("ij,ij->j", sc.Xt, sc.Xt)
    sw_k = EMPTY if sw is None else s
    return y_c, sw_k, sc.x_mean, x_norm2, sc


# Dense working-set solves on the residual, on the working set's Gram matrix, or
# chosen by the kernel's cost model: every variant must give the same solution.
DENSE_WS = {"dense": 0, "dense-residual": -1, "dense-ws-gram": 1}


def _solve(kind, X, y_c, sw_k, x_mean, x_norm2, pf, w, a, b, tol, max_iter, positive,
           sc=None, random=False, seed=0, n_threads=1, **options):
    if kind in DENSE_WS:
        return _cd.solve_dense(np.asfortranarray(X), y_c, sw_k, x_mean, x_norm2, pf, w, a, b,
                               tol, max_iter, positive, random, seed, n_threads,
                               ws_gram=DENSE_WS[kind], **options)
    if kind == "sparse":
        return _cd.solve_sparse(*kernel_csc(sp.csc_matrix(X)), y_c, sw_k, x_mean, x_norm2, pf,
                                w, a, b, tol, max_iter, positive, random, seed, n_threads)
    Q = np.ascontiguousarray(sc.Xt.T @ sc.Xt, dtype=X.dtype)
    q = sc.Xt.T @ sc.yt
    return _cd.solve_gram(Q, q, float(sc.yt @ sc.yt), np.diagonal(Q).astype(float), pf, w,
                          a, b, tol, max_iter, positive, random, seed)


# --------------------------------------------------------- column scans


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("center", [False, True])
def test_column_stats(dtype, weighted, center):
    X, y, _ = make_data(n=37, p=9, seed=1, density=0.5, offset=0.4, dtype=dtype)
    sw = make_weights(37) if weighted else None
    _, sw_k, x_mean, x_norm2, _ = _inputs(X, y, sw, center)
    for n_threads in (1, 2):
        m, nrm = _cd.dense_column_stats(np.asfortranarray(X), sw_k, center, n_threads)
        np.testing.assert_allclose(m, x_mean, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(nrm, x_norm2, rtol=1e-12)
    C = sp.csc_matrix(X)
    m, nrm = _cd.sparse_column_stats(*kernel_csc(C), 37, sw_k, center)
    np.testing.assert_allclose(m, x_mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nrm, x_norm2, rtol=1e-12)
    if not center:
        assert np.all(m == 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_column_stats_with_y_match_separate_passes(dtype, weighted):
    """With y_c, norms and X~^T S y_c come from one fused pass: the same values as
    the separate computations, including a constant and a large-offset column."""
    n = 53
    X, y, _ = make_data(n=n, p=6, seed=3, offset=0.4, dtype=dtype)
    X[:, 2] = 3.0
    X[:, 4] += 1e4
    sw = make_weights(n) if weighted else None
    y_c, sw_k, x_mean, x_norm2, _ = _inputs(X, y, sw, True)
    s = rescaled_weights(sw, n)
    m, nrm, g = _cd.dense_column_stats(np.asfortranarray(X), sw_k, True, 1, y_c)
    np.testing.assert_allclose(m, x_mean, rtol=1e-12)
    np.testing.assert_allclose(nrm, x_norm2, rtol=1e-10, atol=1e-20)
    assert nrm[2] == 0.0        # constant: exactly zero, not the centring's rounding
    Xc = X.astype(np.float64) - x_mean
    np.testing.assert_allclose(g, Xc.T @ (s * y_c), rtol=1e-9,
                               atol=1e-12 * np.abs(Xc).sum() * np.abs(y_c).max())


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("center", [False, True])
def test_xt_r(weighted, center):
    X, y, _ = make_data(n=41, p=7, seed=2, density=0.5, offset=-0.3)
    sw = make_weights(41) if weighted else None
    _, sw_k, x_mean, _, sc = _inputs(X, y, sw, center)
    r = np.random.default_rng(0).standard_normal(41)
    s = rescaled_weights(sw, 41)
    expected = (X - x_mean).T @ (s * r)
    for n_threads in (1, 2):
        g = _cd.dense_xt_r(np.asfortranarray(X), sw_k, x_mean, r, n_threads)
        np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-12)
    C = sp.csc_matrix(X)
    g = _cd.sparse_xt_r(*kernel_csc(C), sw_k, x_mean, r)
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-12)


# -------------------------------------------------------------- the gap


@pytest.mark.parametrize("kind", ["dense", "sparse", "gram"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6, 0.0])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gap_at_arbitrary_point(kind, l1_ratio, positive, weighted, fit_intercept):
    """max_iter=0 evaluates the gap at the given w: it must be the independent formula."""
    X, y, _ = make_data(n=45, p=8, seed=3, density=0.6, offset=0.5)
    sw = make_weights(45) if weighted else None
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, sw, fit_intercept)
    rng = np.random.default_rng(4)
    pf = rng.uniform(0.5, 2.0, 8)
    n, alpha = 45, 0.2
    a, b = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    for trial in range(3):
        w = rng.standard_normal(8) * (trial + 0.1)
        if positive:
            w = np.abs(w)
        w[rng.random(8) < 0.3] = 0.0
        w_in = w.copy()
        gap, r_norm2, n_iter = _solve(kind, X, y_c, sw_k, x_mean, x_norm2, pf, w_in, a, b,
                                      0.0, 0, positive, sc=sc)
        assert n_iter == 0
        np.testing.assert_array_equal(w_in, w)     # untouched
        opt = optimality(X, y, w, alpha=alpha, l1_ratio=l1_ratio, sample_weight=sw,
                         fit_intercept=fit_intercept, positive=positive, penalty_factor=pf)
        R = sc.yt - sc.Xt @ w
        assert r_norm2 == pytest.approx(R @ R, rel=1e-10)
        assert gap == pytest.approx(opt.gap, rel=1e-9, abs=1e-9 * (sc.yt @ sc.yt))
        assert gap >= 0


@pytest.mark.parametrize("kind", ["dense", "sparse", "gram"])
def test_gap_unpenalised_term(kind):
    """Features with pf = 0 add g_j^2 / (2 ||x~_j||^2) (documented in enet_gap)."""
    X, y, _ = make_data(n=45, p=8, seed=5)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, None, True)
    pf = np.ones(8)
    pf[[1, 4]] = 0.0
    w = np.random.default_rng(6).standard_normal(8)
    a = b = 45 * 0.1
    gap, _, _ = _solve(kind, X, y_c, sw_k, x_mean, x_norm2, pf, w.copy(), a, b, 0.0, 0,
                       False, sc=sc)
    opt = optimality(X, y, w, alpha=0.2, l1_ratio=0.5, penalty_factor=pf)
    g = sc.Xt.T @ (sc.yt - sc.Xt @ w)
    extra = np.sum(g[[1, 4]] ** 2 / (2 * x_norm2[[1, 4]]))
    assert gap == pytest.approx(opt.gap + extra, rel=1e-9)


# ------------------------------------------------------------ solving


@pytest.mark.parametrize("kind", [*DENSE_WS, "sparse", "gram"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("random", [False, True])
def test_kernels_solve(kind, dtype, positive, random):
    X, y, _ = make_data(n=50, p=12, seed=7, density=0.6, dtype=dtype)
    sw = make_weights(50)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, sw, True)
    pf = np.ones(12)
    alpha, l1 = 0.05, 0.7
    a, b = 50 * alpha * l1, 50 * alpha * (1 - l1)
    tol = 1e-10 * (sc.yt @ sc.yt)
    w = np.zeros(12)
    gap, r_norm2, n_iter = _solve(kind, X, y_c, sw_k, x_mean, x_norm2, pf, w, a, b, tol,
                                  10_000, positive, sc=sc, random=random, seed=3)
    assert 1 <= n_iter < 10_000
    if dtype == np.float32 and kind != "gram":
        # float32 X: the coefficients come back rounded to float32 and the gap is
        # theirs (checked below), which rounding can put above this tol
        np.testing.assert_array_equal(w, w.astype(np.float32))
        assert 0 <= gap
    else:
        assert 0 <= gap <= tol
    opt = optimality(X, y, w, sc.y_mean - sc.x_mean @ w, alpha=alpha, l1_ratio=l1,
                     sample_weight=sw, positive=positive)
    y2 = sc.yt @ sc.yt
    if kind == "gram" and dtype == np.float32:
        # the kernel sees Q rounded to float32: its gap is exact only to that precision
        assert opt.gap == pytest.approx(gap, abs=1e-6 * y2)
        assert opt.kkt < 1e-6
    else:
        assert opt.gap == pytest.approx(gap, rel=1e-5, abs=1e-12 * y2)
        assert opt.kkt < 1e-7
    if positive:
        assert np.all(w >= 0)
    R = sc.yt - sc.Xt @ w
    assert r_norm2 == pytest.approx(R @ R, rel=1e-5 if dtype == np.float32 else 1e-8)


@pytest.mark.parametrize("kind", ["dense", "sparse", "gram"])
def test_kernels_zero_norm_column_and_max_iter(kind):
    X, y, _ = make_data(n=30, p=6, seed=8)
    X[:, 2] = 0.0
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, None, False)
    assert x_norm2[2] == 0
    w = np.full(6, 0.5)   # a nonzero start on the empty column is reset to 0
    _, _, n_iter = _solve(kind, X, y_c, sw_k, x_mean, x_norm2, np.ones(6), w, 30 * 0.01,
                          0.0, 1e-30, 3, False, sc=sc)
    assert w[2] == 0.0
    assert n_iter == 3   # tolerance unreachable: stops at max_iter


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("n, p", [(200, 60), (700, 400)])   # below / above 2**18 work
def test_kernel_threads_bitwise(kind, n, p):
    X, y, _ = make_data(n=n, p=p, seed=9)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, make_weights(n), True)
    out = []
    for n_threads in (1, 2, 4):
        w = np.zeros(p)
        res = _solve(kind, X, y_c, sw_k, x_mean, x_norm2, np.ones(p), w, n * 0.05,
                     n * 0.05, 1e-10 * (sc.yt @ sc.yt), 1000, False, sc=sc,
                     n_threads=n_threads)
        out.append((w, res))
    assert np.count_nonzero(out[0][0]) > 0
    for w, res in out[1:]:
        np.testing.assert_array_equal(w, out[0][0])
        assert res == out[0][1]


def test_large_scans_threads():
    X, y, _ = make_data(n=700, p=400, seed=10, offset=0.2)
    sw = make_weights(700)
    _, sw_k, x_mean, x_norm2, _ = _inputs(X, y, sw, True)
    r = np.random.default_rng(1).standard_normal(700)
    ref = _cd.dense_xt_r(np.asfortranarray(X), sw_k, x_mean, r, 1)
    np.testing.assert_allclose(ref, (X - x_mean).T @ (rescaled_weights(sw, 700) * r),
                               rtol=1e-10, atol=1e-10)
    m1, n1 = _cd.dense_column_stats(np.asfortranarray(X), sw_k, True, 1)
    np.testing.assert_allclose(n1, x_norm2, rtol=1e-12)
    for t in (2, 3):
        np.testing.assert_array_equal(
            _cd.dense_xt_r(np.asfortranarray(X), sw_k, x_mean, r, t), ref)
        m, nrm = _cd.dense_column_stats(np.asfortranarray(X), sw_k, True, t)
        np.testing.assert_array_equal(m, m1)
        np.testing.assert_array_equal(nrm, n1)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_dense_working_set_variants_agree(weighted, dtype, l1_ratio):
    """Residual sweeps, working-set Gram sweeps and the cost model: one solution."""
    n, p = 120, 300
    X, y, _ = make_data(n=n, p=p, seed=11, dtype=dtype, offset=0.5)
    sw = make_weights(n) if weighted else None
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, sw, True)
    tol = 1e-12 * (sc.yt @ sc.yt)
    lower, upper = np.full(p, -0.8), np.full(p, np.inf)
    for options in ({}, {"lower": lower, "upper": upper}):
        coefs = {}
        for kind in DENSE_WS:
            w = np.zeros(p)
            gap, _, _ = _solve(kind, X, y_c, sw_k, x_mean, x_norm2, np.ones(p), w,
                               n * 0.02 * l1_ratio, n * 0.02 * (1 - l1_ratio), tol, 100_000,
                               False, sc=sc, **options)
            # float32 X: the gap of the coefficients rounded to float32 (see
            # test_kernels_solve); the float64 iterate met tol
            assert gap <= (tol if dtype == np.float64 else 1e-6 * (sc.yt @ sc.yt))
            coefs[kind] = w
        assert np.count_nonzero(coefs["dense"]) > 5
        scale = np.abs(coefs["dense"]).max()
        for kind in ("dense-residual", "dense-ws-gram"):
            np.testing.assert_allclose(coefs[kind], coefs["dense"], atol=1e-5 * scale)


@pytest.mark.parametrize("ws_gram", [-1, 0, 1])
def test_warm_calls_with_a_gram_cache_follow_cold_calls(ws_gram):
    """A path of warm calls (R, g and the working-set Gram rows kept between
    alphas) reaches the same solutions as independent cold calls."""
    n, p = 80, 200
    X, y, _ = make_data(n=n, p=p, seed=12, offset=0.3)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, make_weights(n), True)
    Xf = np.asfortranarray(X)
    tol = 1e-12 * (sc.yt @ sc.yt)
    alphas = n * np.geomspace(0.3, 0.003, 12)
    R, g, cache = np.empty(n), np.empty(p), _cd.GramCache()
    w_warm = np.zeros(p)
    for k, a in enumerate(alphas):
        gap, r_norm2, _ = _cd.solve_dense(Xf, y_c, sw_k, x_mean, x_norm2, np.ones(p), w_warm,
                                          a, 0.0, tol, 100_000, False, False, 0, 1, R=R, g=g,
                                          warm=k > 0, ws_gram=ws_gram, cache=cache)
        assert gap <= tol
        w_cold = np.zeros(p)
        _cd.solve_dense(Xf, y_c, sw_k, x_mean, x_norm2, np.ones(p), w_cold, a, 0.0, tol,
                        100_000, False, False, 0, 1, ws_gram=ws_gram)
        np.testing.assert_allclose(w_warm, w_cold, atol=1e-6 * np.abs(w_cold).max())
        # what the call leaves behind is the residual and X~^T S r at w
        np.testing.assert_allclose(R, y_c - (X - x_mean) @ w_warm, atol=1e-9)
        np.testing.assert_allclose(g, (X - x_mean).T @ (sw_k * R), atol=1e-9)
        assert r_norm2 == pytest.approx(np.sum(sw_k * R**2), rel=1e-9)
    if ws_gram == 1:
        assert cache.n_features > 0
    else:
        assert ws_gram == 0 or cache.n_features == 0


def test_warm_call_needs_its_buffers():
    X, y, _ = make_data(n=20, p=5, seed=1)
    y_c, sw_k, x_mean, x_norm2, _ = _inputs(X, y, None, True)
    args = (np.asfortranarray(X), y_c, sw_k, x_mean, x_norm2, np.ones(5), np.zeros(5), 1.0,
            0.0, 1e-8, 100, False, False, 0, 1)
    with pytest.raises(ValueError, match="warm=True needs"):
        _cd.solve_dense(*args, warm=True)
    with pytest.raises(ValueError, match="R must have shape"):
        _cd.solve_dense(*args, R=np.empty(19), g=np.empty(5))
    with pytest.raises(ValueError, match="ws must have shape"):
        _cd.solve_dense(*args, ws=np.empty(4, dtype=np.intc))
    with pytest.raises(ValueError, match="screen"):
        _cd.solve_dense(*args, screen=_cd.ScreenState(20, 6))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("center", [False, True])
def test_dense_gram_matches_numpy(dtype, weighted, center):
    """Q = X~^T S X~ and q = X~^T S y_c by row chunks (several chunks: p = 300)."""
    n, p = 5000, 300          # 2**20 // 300 = 3495 rows per chunk: two chunks
    X, y, _ = make_data(n=n, p=p, seed=13, dtype=dtype, offset=2.0)
    sw = make_weights(n) if weighted else None
    y_c, sw_k, x_mean, _, sc = _inputs(X, y, sw, center)
    Q, q = _cd.dense_gram(np.asfortranarray(X), sw_k, x_mean, y_c)
    s = rescaled_weights(sw, n)
    Xc = X.astype(np.float64) - x_mean
    np.testing.assert_allclose(Q, Xc.T @ (s[:, None] * Xc), rtol=1e-12,
                               atol=1e-12 * np.abs(Q).max())
    np.testing.assert_array_equal(Q, Q.T)
    np.testing.assert_allclose(q, Xc.T @ (s * y_c), rtol=1e-12, atol=1e-12 * np.abs(q).max())


def test_anderson_acceleration_cuts_sweeps_on_an_ill_conditioned_problem():
    """Working-set Gram solves are Anderson-accelerated; residual sweeps are not.
    On strongly correlated columns the accelerated solve needs far fewer sweeps
    for the same certified gap (sweep counts are deterministic).  Newton steps,
    which would solve both in a few sweeps, are off."""
    from fastpen.datasets import make_correlated_regression

    X, y, _ = make_correlated_regression(40, 400, rho=0.9, n_nonzero=8, snr=3.0,
                                         random_state=0)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, None, True)
    a = np.max(np.abs((X - x_mean).T @ y_c)) / 50
    tol = 1e-10 * (y_c @ y_c)
    sweeps, coefs = {}, {}
    for ws_gram in (-1, 1):
        w = np.zeros(400)
        gap, _, sweeps[ws_gram] = _cd.solve_dense(
            np.asfortranarray(X), y_c, sw_k, x_mean, x_norm2, np.ones(400), w, a, 0.0, tol,
            1_000_000, False, False, 0, 1, ws_gram=ws_gram, newton=False)
        assert gap <= tol
        coefs[ws_gram] = w
    assert sweeps[1] < 0.5 * sweeps[-1], sweeps
    np.testing.assert_allclose(coefs[1], coefs[-1], atol=1e-4 * np.abs(coefs[-1]).max())


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
@pytest.mark.parametrize("positive", [False, True])
def test_screened_path_equals_unscreened_and_stays_certified(kind, l1_ratio, positive):
    """Gap-safe screening along a warm path: same solutions as without it, and the
    gap it reports (with bounds standing in for the screened features) is never
    below the exact gap of the whole problem."""
    n, p = 60, 500
    X, y, _ = make_data(n=n, p=p, seed=14, density=0.3 if kind == "sparse" else 1.0,
                        offset=0.4)
    sw = make_weights(n)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, sw, True)
    tol = 1e-10 * (sc.yt @ sc.yt)
    g0 = np.abs((X - x_mean).T @ (sw_k * y_c))
    a_max = g0.max() / l1_ratio
    state = _cd.ScreenState(n, p)
    R, g = np.empty(n), np.empty(p)
    w_scr, w_ref = np.zeros(p), np.zeros(p)
    screened_seen = 0
    for k, frac in enumerate(np.geomspace(0.9, 0.02, 15)):
        a, b = frac * a_max * l1_ratio, frac * a_max * (1 - l1_ratio)
        common = (y_c, sw_k, x_mean, x_norm2, np.ones(p))
        if kind == "dense":
            Xf = np.asfortranarray(X)
            gap, _, _ = _cd.solve_dense(Xf, *common, w_scr, a, b, tol, 100_000, positive,
                                        False, 0, 1, R=R, g=g, warm=k > 0, screen=state)
            _cd.solve_dense(Xf, *common, w_ref, a, b, tol, 100_000, positive, False, 0, 1,
                            screening=False)
        else:
            C = sp.csc_matrix(X)
            Cd = kernel_csc(C)
            gap, _, _ = _cd.solve_sparse(*Cd, *common, w_scr, a, b, tol, 100_000, positive,
                                         False, 0, 1, R=R, g=g, warm=k > 0, screen=state)
            _cd.solve_sparse(*Cd, *common, w_ref, a, b, tol, 100_000, positive, False, 0, 1,
                             screening=False)
        screened_seen = max(screened_seen, state.n_screened)
        assert not np.any(w_scr[state.screened])          # screened features are zero
        np.testing.assert_allclose(w_scr, w_ref, atol=1e-6 * max(np.abs(w_ref).max(), 1))
        alpha = (a + b) / n
        opt = optimality(X, y, w_scr, sc.y_mean - sc.x_mean @ w_scr, alpha=alpha,
                         l1_ratio=a / (a + b), sample_weight=sw, positive=positive)
        assert opt.gap <= gap * (1 + 1e-9) + 1e-12 * (sc.yt @ sc.yt)
        assert gap <= tol
    assert screened_seen > p // 2      # it did screen most features at some alphas


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_screened_features_bounds_hold_along_a_long_path(kind):
    """Every screened feature's true |x~_j^T S r| stays below a pf_j at every alpha of
    a long path, while features move between the near and far tiers and come
    back from screening (penalty factors varied)."""
    n, p = 80, 400
    X, y, _ = make_data(n=n, p=p, seed=21, density=0.2 if kind == "sparse" else 1.0,
                        offset=0.3)
    sw = make_weights(n)
    pf = np.random.default_rng(5).uniform(0.5, 2.0, p)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, sw, True)
    s = rescaled_weights(sw, n)
    Xc = X - x_mean
    tol = 1e-9 * (sc.yt @ sc.yt)
    a_max = (np.abs(Xc.T @ (s * y_c)) / pf).max()
    state = _cd.ScreenState(n, p)
    R, g, w = np.empty(n), np.empty(p), np.zeros(p)
    far_seen, came_back, was_screened = 0, 0, np.zeros(p, dtype=bool)
    for k, frac in enumerate(np.geomspace(0.95, 0.005, 80)):
        a = frac * a_max
        common = (y_c, sw_k, x_mean, x_norm2, pf, w, a, 0.0, tol, 100_000, False, False, 0, 1)
        if kind == "dense":
            gap, _, _ = _cd.solve_dense(np.asfortranarray(X), *common, R=R, g=g,
                                        warm=k > 0, screen=state)
        else:
            C = sp.csc_matrix(X)
            gap, _, _ = _cd.solve_sparse(*kernel_csc(C), *common, R=R, g=g,
                                         warm=k > 0, screen=state)
        assert gap <= tol
        r = y_c - Xc @ w
        mask = state.screened
        assert np.all(np.abs(Xc[:, mask].T @ (s * r)) < a * pf[mask])
        far_seen = max(far_seen, state.n_far)
        came_back += np.count_nonzero(was_screened & ~mask & (w != 0))
        was_screened = mask
    assert far_seen > 0 and came_back > 0, (far_seen, came_back)


@pytest.mark.parametrize("kind", ["gram", "dense", "sparse"])
def test_strong_rule_first_working_set_changes_only_the_path_taken(kind):
    """The sequential strong rule (a_prev) only adds candidates to the first working
    set of a warm fit; the full scan re-checks them, so the solution is the same."""
    n, p = 70, 150
    X, y, _ = make_data(n=n, p=p, seed=15, offset=0.2)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, None, True)
    tol = 1e-11 * (sc.yt @ sc.yt)
    a_max = np.abs((X - x_mean).T @ y_c).max()
    grid = a_max * np.geomspace(0.8, 0.02, 10)
    Q = np.ascontiguousarray(sc.Xt.T @ sc.Xt)
    q = sc.Xt.T @ sc.yt
    C = sp.csc_matrix(X)
    paths = {}
    for strong in (False, True):
        w, coefs = np.zeros(p), []
        for k, a in enumerate(grid):
            a_prev = grid[k - 1] if (strong and k > 0) else 0.0
            common = (x_norm2, np.ones(p), w, a, 0.0, tol, 100_000, False, False, 0)
            if kind == "gram":
                gap, _, _ = _cd.solve_gram(Q, q, float(sc.yt @ sc.yt), np.diagonal(Q).copy(),
                                           np.ones(p), w, a, 0.0, tol, 100_000, False, False,
                                           0, a_prev=a_prev)
            elif kind == "dense":
                gap, _, _ = _cd.solve_dense(np.asfortranarray(X), y_c, sw_k, x_mean, *common,
                                            1, a_prev=a_prev)
            else:
                gap, _, _ = _cd.solve_sparse(*kernel_csc(C), y_c, sw_k, x_mean, *common, 1, a_prev=a_prev)
            assert gap <= tol
            coefs.append(w.copy())
        paths[strong] = np.array(coefs)
    np.testing.assert_allclose(paths[True], paths[False], atol=1e-6 * np.abs(paths[False]).max())


def test_store_coef_writes_nonzeros_counts_and_flags_non_finite():
    w = np.array([0.0, 1.5, -2.0, 1e-50, 0.0])
    out64 = np.zeros(5)
    assert _batch.store_coef(w, out64) == 3
    np.testing.assert_array_equal(out64, w)
    out32 = np.zeros(5, dtype=np.float32)
    assert _batch.store_coef(w, out32) == 2          # 1e-50 is 0 in float32: counted on out
    np.testing.assert_array_equal(out32, w.astype(np.float32))
    for bad in (np.inf, -np.inf, np.nan):
        assert _batch.store_coef(np.array([1.0, bad]), np.zeros(2)) == -1
    with pytest.raises(ValueError, match="length"):
        _batch.store_coef(w, np.empty(4))
    # every length (blocks of 8 and tails), sparse patterns, -0.0, one NaN anywhere
    rng = np.random.default_rng(0)
    for p in range(0, 41):
        w = np.where(rng.random(p) < 0.2, rng.standard_normal(p), 0.0)
        w[rng.random(p) < 0.1] = -0.0
        out = np.zeros(p)
        assert _batch.store_coef(w, out) == np.count_nonzero(w)
        np.testing.assert_array_equal(out, w)
        if p:
            w[rng.integers(p)] = np.nan
            assert _batch.store_coef(w, np.zeros(p)) == -1


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_a_call_without_screening_does_not_leave_a_stale_screening_state(kind):
    """Regression: a warm call with screening off cleared the screened marks but not
    the list of scanned features; the next warm call that screened then never
    scanned the features screened before, and stopped short of the optimum."""
    n, p = 80, 40
    X, y, _ = make_data(n=n, p=p, seed=3)
    y_c, sw_k, x_mean, x_norm2, sc = _inputs(X, y, None, True)
    pf = np.ones(p)
    a_max = np.abs((X - x_mean).T @ y_c).max()
    tol = 1e-12 * (y_c @ y_c)
    state = _cd.ScreenState(n, p)
    R, g, w = np.empty(n), np.empty(p), np.zeros(p)
    C = sp.csc_matrix(X)

    def solve(w, a, **kw):
        common = (y_c, sw_k, x_mean, x_norm2, pf, w, a, 0.0, tol, 100_000, False, False, 0, 1)
        if kind == "dense":
            return _cd.solve_dense(np.asfortranarray(X), *common, **kw)
        return _cd.solve_sparse(*kernel_csc(C), *common, **kw)

    solve(w, 0.5 * a_max, R=R, g=g, warm=False, screen=state)
    assert state.n_screened > 0
    solve(w, 0.4 * a_max, R=R, g=g, warm=True, screen=state, screening=False)
    solve(w, 0.01 * a_max, R=R, g=g, warm=True, screen=state)
    w_ref = np.zeros(p)
    solve(w_ref, 0.01 * a_max, screening=False)
    np.testing.assert_allclose(w, w_ref, atol=1e-8 * np.abs(w_ref).max())
