"""glmnet_path's binomial and multinomial families (glmnet's names and defaults on
fastpen.logistic_path)."""
import numpy as np
import pytest

import fastpen


def _data(n=80, p=6, seed=0, k=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.geomspace(0.2, 5, p) + 0.3
    w = np.zeros((k, p))
    w[:, :3] = rng.standard_normal((k, 3))
    eta = X / np.geomspace(0.2, 5, p) @ w.T + 0.5 * rng.standard_normal((n, k))
    labels = np.array(["ant", "bee", "cat", "dog"])[:max(k, 2)]
    y = labels[(eta[:, 0] > 0).astype(int)] if k == 2 else labels[np.argmax(eta, axis=1)]
    return X, y


def _kkt_binomial(X, y01, sw, coef, icpt, lam, mix, pf):
    """The optimality conditions of glmnet's binomial objective, checked from scratch:
    g = X^T s (p - y) / n; g_j + lam (1 - a) pf_j w_j = -lam a pf_j sign(w_j) where
    w_j != 0, |g_j| <= lam a pf_j where w_j = 0; the intercept's gradient is 0."""
    n = X.shape[0]
    s = np.ones(n) if sw is None else sw * n / sw.sum()
    prob = 1.0 / (1.0 + np.exp(-(X @ coef + icpt)))
    g = X.T @ (s * (prob - y01)) / n
    assert abs(np.sum(s * (prob - y01)) / n) < 1e-6
    g = g + lam * (1 - mix) * pf * coef
    nz = coef != 0
    np.testing.assert_allclose(g[nz], -lam * mix * pf[nz] * np.sign(coef[nz]), atol=2e-6)
    assert np.all(np.abs(g[~nz]) <= lam * mix * pf[~nz] + 2e-6)


@pytest.mark.parametrize("mix", [1.0, 0.4])
@pytest.mark.parametrize("weighted", [False, True])
def test_binomial_maps_onto_logistic_path_and_is_optimal(mix, weighted):
    X, y = _data(seed=1)
    n, p = X.shape
    sw = np.random.default_rng(2).uniform(0.5, 2.0, n) if weighted else None
    pf = np.r_[1.0, 3.0, 0.5, 1.0, 1.0, 2.0]
    lambdas = np.array([0.2, 0.05, 0.01, 0.002])
    g = fastpen.glmnet_path(X, y, family="binomial", alpha=mix, lambdas=lambdas,
                            sample_weight=sw, penalty_factor=pf, standardize=False, tol=1e-12)
    np.testing.assert_allclose(g.alphas, lambdas, rtol=1e-15)
    assert list(g.classes) == ["ant", "bee"]
    e = fastpen.logistic_path(X, y, l1_ratio=mix, alphas=lambdas, sample_weight=sw,
                              penalty_factor=pf, rescale_penalty_factor=True, tol=1e-12,
                              max_iter=100000)
    np.testing.assert_allclose(g.coefs, e.coefs, rtol=1e-10, atol=1e-12)
    # glmnet rescales the penalty factors to sum to the number of features
    pf_r = pf * p / pf.sum()
    y01 = (y == "bee").astype(float)
    for m, lam in enumerate(lambdas):
        _kkt_binomial(X, y01, sw, g.coefs[m], g.intercepts[m], lam, mix, pf_r)
    assert np.count_nonzero(g.coefs[0]) < np.count_nonzero(g.coefs[-1])


@pytest.mark.parametrize("n", [80, 6])
def test_automatic_grid_is_glmnets(n):
    """lambda_max = max_j |x~_j^T s (y - ybar)| / (n a sd_j) with standardize=True;
    lambda_min_ratio 1e-4 when n > p, else 1e-2 (n == p included, as glmnet)."""
    X, y = _data(n=80, seed=3)
    X, y = X[:n], y[:n]
    if n == 6:
        y[:3], y[3:] = "ant", "bee"
    mix = 0.5
    res = fastpen.glmnet_path(X, y, family="binomial", alpha=mix, lambdas=5)
    y01 = (y == "bee").astype(float)
    xc = X - X.mean(axis=0)
    sd = np.sqrt((xc ** 2).mean(axis=0))
    lmax = np.max(np.abs(xc.T @ (y01 - y01.mean())) / sd) / (n * mix)
    assert res.alphas[0] == pytest.approx(lmax, rel=1e-10)
    assert np.all(res.coefs[0] == 0)
    ratio = 1e-4 if n > X.shape[1] else 1e-2
    full = len(res.alphas) == 5
    if full:
        assert res.alphas[-1] / res.alphas[0] == pytest.approx(ratio, rel=1e-10)
    np.testing.assert_allclose(res.alphas, lmax * ratio ** (np.arange(len(res.alphas)) / 4),
                               rtol=1e-10)
    r = fastpen.glmnet_path(X, y, family="binomial", alpha=mix, lambdas=3,
                            lambda_min_ratio=0.1)
    assert r.alphas[-1] / r.alphas[0] == pytest.approx(0.1, rel=1e-10)


@pytest.mark.parametrize("family, k", [("binomial", 2), ("multinomial", 3)])
def test_standardize_equals_explicit_scaling(family, k):
    X, y = _data(seed=4, k=k)
    sd = X.std(axis=0)
    lambdas = np.array([0.1, 0.02, 0.004])
    tol = 1e-12 if k == 2 else 1e-9
    on = fastpen.glmnet_path(X, y, family=family, lambdas=lambdas, alpha=0.7, tol=tol)
    off = fastpen.glmnet_path(X / sd, y, family=family, lambdas=lambdas, alpha=0.7,
                              standardize=False, tol=tol)
    np.testing.assert_allclose(on.coefs, off.coefs / sd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(on.intercepts, off.intercepts, rtol=1e-6, atol=1e-9)
    # without standardisation the large-scale features are penalised less: a different path
    raw = fastpen.glmnet_path(X, y, family=family, lambdas=lambdas, alpha=0.7,
                              standardize=False, tol=1e-6)
    assert not np.allclose(raw.coefs, on.coefs, rtol=1e-3)
    # automatic grids likewise: standardize=True's lambda_max is that of X / sd
    a = fastpen.glmnet_path(X, y, family=family, lambdas=4, lambda_min_ratio=0.05)
    b = fastpen.glmnet_path(X / sd, y, family=family, lambdas=4, lambda_min_ratio=0.05,
                            standardize=False)
    np.testing.assert_allclose(a.alphas, b.alphas, rtol=1e-10)


def test_multinomial_maps_onto_logistic_path():
    X, y = _data(seed=5, k=3)
    lambdas = np.array([0.1, 0.01])
    g = fastpen.glmnet_path(X, y, family="multinomial", lambdas=lambdas, alpha=0.5,
                            exclude=[4], tol=1e-9)
    e = fastpen.logistic_path(X, y, l1_ratio=0.5, alphas=lambdas, exclude=[4],
                              rescale_penalty_factor=True, standardize=True, tol=1e-9,
                              max_iter=100000, family="multinomial")
    assert g.coefs.shape == (2, 3, 6)
    np.testing.assert_allclose(g.coefs, e.coefs, rtol=1e-10, atol=1e-12)
    assert np.all(g.coefs[:, :, 4] == 0)
    np.testing.assert_allclose(g.intercepts.sum(axis=1), 0, atol=1e-12)   # glmnet centres
    # two classes with family='multinomial': two blocks, the softmax
    X2, y2 = _data(seed=6)
    two = fastpen.glmnet_path(X2, y2, family="multinomial", lambdas=[0.01], tol=1e-9)
    bi = fastpen.glmnet_path(X2, y2, family="binomial", lambdas=[0.01], tol=1e-12)
    assert two.coefs.shape == (1, 2, 6)
    # the softmax of two blocks has the binomial's decision function as their difference
    # only without an L2 part; with the lasso both are optimal for their own penalty, so
    # compare the predicted probabilities' agreement loosely
    p_two = 1 / (1 + np.exp(-(X2 @ (two.coefs[0, 1] - two.coefs[0, 0])
                              + two.intercepts[0, 1] - two.intercepts[0, 0])))
    p_bi = 1 / (1 + np.exp(-(X2 @ bi.coefs[0] + bi.intercepts[0])))
    assert np.corrcoef(p_two, p_bi)[0, 1] > 0.99


@pytest.mark.parametrize("kw, match", [
    (dict(family="poisson"), "family"),
    (dict(family=None), "family"),
    (dict(family="binomial", alpha=1.5), "alpha"),
    (dict(family="binomial", lambdas=True), "lambdas"),
    (dict(family="binomial", lambdas=2.5), "lambdas"),
    (dict(family="binomial", lambdas=[-1.0]), "lambdas"),
    (dict(family="binomial", lambdas=0), "lambdas"),
    (dict(family="binomial", lambda_min_ratio=0.0), "lambda_min_ratio"),
    (dict(family="binomial", lambda_min_ratio=1.5), "lambda_min_ratio"),
    (dict(family="binomial", lambdas=[0.1], lambda_min_ratio=-1.0), "lambda_min_ratio"),
    (dict(family="binomial", penalty_factor=[1.0]), "penalty_factor"),
    (dict(family="binomial", penalty_factor=np.zeros(6)), "penalty_factor"),
    (dict(family="binomial", penalty_factor=np.r_[0.0, np.full(5, np.inf)]), "lambda grid"),
    (dict(family="binomial", standardize="yes"), "standardize"),
    (dict(family="multinomial", upper_bounds=-1.0), "upper_bounds"),
])
def test_argument_errors_name_the_argument(kw, match):
    X, y = _data(n=30, seed=7)
    with pytest.raises((ValueError, TypeError), match=match):
        fastpen.glmnet_path(X, y, **kw)


def test_label_errors():
    X, y = _data(n=30, seed=8, k=3)
    with pytest.raises(ValueError, match="two classes"):
        fastpen.glmnet_path(X, y, family="binomial")
    with pytest.raises(ValueError, match="1-D class labels"):
        fastpen.glmnet_path(X, np.c_[y == "ant", y == "bee"].astype(int), family="binomial")
    with pytest.raises(ValueError, match="single class"):
        fastpen.glmnet_path(X, np.zeros(30), family="binomial")
    X0, y0 = X.copy(), y.copy()
    fastpen.glmnet_path(X, y, family="multinomial", lambdas=3)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
