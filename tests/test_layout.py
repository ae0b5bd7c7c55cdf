"""A target's result is a function of that target, X and the options only (issue 17).

Not of the memory layout of X or Y, of the other targets fitted in the same call
(which, in which order, in which blocks), nor of the thread count; only
precompute='auto' reads how many targets a call fits.  At the default
``tol`` (1e-4) a last-bit difference in what a fit starts from (a target's mean,
its X~^T S y_c, hence its alpha grid) changes which iteration stops the fit,
and the paths then differ by up to the tolerance: 2.3e-3 relative on the
issue's data between Y in C and in Fortran order.  The per-target statistics
are sums over one target in a fixed order (fastpen._batch), so the paths are
equal bitwise, which is what these tests assert, at the default tol.
"""
import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from fastpen import _batch
from _helpers import make_weights


def _issue_data():
    """The reproducer of issue 17: uncentred columns and targets, p > n."""
    rng = np.random.RandomState(0)
    X = rng.randn(40, 60) + rng.randn(60)
    Y = X[:, :4] @ rng.randn(4, 9) + rng.randn(40, 9) + rng.randn(9)
    return X, Y


def _tall_data(n=300, p=40, k=30, seed=1):
    """n > p: precompute='auto' takes the Gram route for a path."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + 3 * rng.randn(p)
    Y = X[:, :4] @ rng.randn(4, k) + rng.randn(n, k) + rng.randn(k)
    return X, Y


def _assert_same_paths(a, b):
    for field in a._fields:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def _columns(res, cols):
    """The PathResult of the targets ``cols`` of a multi-target result."""
    return res._replace(alphas=res.alphas[cols] if res.alphas.ndim == 2 else res.alphas,
                        **{f: getattr(res, f)[:, cols] for f in res._fields[1:]})


# (data, format, precompute): the dense kernel (p > n), the Gram route chosen by
# 'auto' (n > p), the sparse kernel, and Gram mode on sparse X
CASES = [("issue", "dense", "auto"), ("tall", "dense", "auto"), ("tall", "dense", False),
         ("issue", "sparse", "auto"), ("tall", "sparse", True)]


def _case(data, fmt):
    X, Y = _issue_data() if data == "issue" else _tall_data()
    if fmt == "sparse":
        X = np.where(np.random.default_rng(3).random(X.shape) < 0.5, X, 0.0)
        X = sp.csc_matrix(X)
    return X, Y


@pytest.mark.parametrize("data,fmt,precompute", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_paths_are_bitwise_equal_for_y_in_c_or_fortran_order(data, fmt, precompute,
                                                              weighted):
    """Issue 17's first reproducer: Y in C order against np.asfortranarray(Y) (and a
    strided view, and X in either order), default tol, automatic per-target grids."""
    X, Y = _case(data, fmt)
    sw = make_weights(X.shape[0]) if weighted else None
    kw = dict(alphas=20, sample_weight=sw, precompute=precompute)
    c_order = fastpen.enet_path(X, np.ascontiguousarray(Y), **kw)
    _assert_same_paths(c_order, fastpen.enet_path(X, np.asfortranarray(Y), **kw))
    wide = np.zeros((Y.shape[0], 2 * Y.shape[1]))
    wide[:, ::2] = Y
    _assert_same_paths(c_order, fastpen.enet_path(X, wide[:, ::2], **kw))
    if not sp.issparse(X):
        _assert_same_paths(c_order, fastpen.enet_path(np.asfortranarray(X), Y, **kw))


@pytest.mark.parametrize("data,fmt,precompute", CASES)
def test_a_targets_path_does_not_depend_on_the_other_targets(data, fmt, precompute):
    """Fitted in blocks of any size, alone, or among the targets in another order, a
    target gets the path of the whole fit, bitwise (same grid, same iterations)."""
    X, Y = _case(data, fmt)
    k = Y.shape[1]
    # (precompute='auto' makes the same choice for every block size here; fastpen.dask
    # makes the whole fit's choice for each block, tested in test_dask.py)
    kw = dict(alphas=20, precompute=precompute)
    whole = fastpen.enet_path(X, Y, **kw)
    for size in (1, 4, 7):
        for start in range(0, k, size):
            cols = np.arange(start, min(start + size, k))
            _assert_same_paths(fastpen.enet_path(X, Y[:, cols], **kw), _columns(whole, cols))
    order = np.random.default_rng(0).permutation(k)
    _assert_same_paths(_columns(fastpen.enet_path(X, Y[:, order], **kw), np.argsort(order)),
                       whole)


def test_an_explicit_grid_and_the_estimators_are_block_independent_too():
    """Shared and per-target grids (no alpha_max), and Lasso with one alpha per target:
    the intercepts (a sum over the features per target) included."""
    X, Y = _tall_data(k=12)
    for alphas in ([0.5, 0.1, 0.01], np.geomspace(1.0, 0.01, 4)[None].repeat(12, 0)):
        whole = fastpen.enet_path(X, Y, alphas=alphas, precompute=True)
        part = fastpen.enet_path(X, Y[:, 5:8], precompute=True,
                                 alphas=alphas if np.ndim(alphas) == 1 else alphas[5:8])
        _assert_same_paths(part, _columns(whole, slice(5, 8)))
    alpha = np.geomspace(0.5, 0.01, 12)
    est = fastpen.Lasso(alpha=alpha).fit(X, np.asfortranarray(Y))
    for c in (0, 7):
        one = fastpen.Lasso(alpha=alpha[c:c + 2]).fit(X, Y[:, c:c + 2])
        np.testing.assert_array_equal(one.coef_[0], est.coef_[c])
        np.testing.assert_array_equal(one.intercept_[0], est.intercept_[c])


@pytest.mark.parametrize("data,fmt,precompute", CASES)
def test_paths_do_not_depend_on_the_thread_count_at_the_default_tol(data, fmt, precompute):
    X, Y = _case(data, fmt)
    runs = [fastpen.enet_path(X, Y, alphas=20, precompute=precompute, n_threads=t)
            for t in (1, 2)]
    _assert_same_paths(*runs)


def test_cross_validation_does_not_depend_on_the_layout_of_y():
    """Per-target CV: grids, held-out errors, choices and refits, for Y in C and Fortran
    order (the choice reads the fold errors in order, not NumPy's pairwise sum)."""
    X, Y = _tall_data(k=6)
    kw = dict(cv=3, l1_ratio=[0.5, 1.0], alphas=15, alpha_per_target=True)
    a = fastpen.ElasticNetCV(**kw).fit(X, np.ascontiguousarray(Y))
    b = fastpen.ElasticNetCV(**kw).fit(X, np.asfortranarray(Y))
    for attr in ("alphas_", "mse_path_", "alpha_", "l1_ratio_", "coef_", "intercept_",
                 "dual_gap_"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr), err_msg=attr)


# ---------------------------------------------------------------- the statistics


def _stats_reference(X, Y, sw):
    """float64 NumPy: the weighted means of Y's columns and X~^T S (Y - ybar)."""
    n = X.shape[0]
    s = np.ones(n) if sw is None else sw
    Xd = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    y_mean = s @ Y / n
    x_mean = s @ Xd / n
    return y_mean, x_mean, ((Xd - x_mean).T @ (s[:, None] * (Y - y_mean))).T


@pytest.mark.parametrize("fmt", ["dense", "dense32", "sparse"])
@pytest.mark.parametrize("weighted", [False, True])
def test_target_statistics_are_each_targets_own(fmt, weighted):
    """target_means and target_products: the weighted means and X~^T S (y - ybar) to a
    few rounding units of their scale, and each target's entries bitwise the same in
    any block of targets, any layout and any thread count."""
    rng = np.random.default_rng(4)
    n, p, k = 333, 37, 21                   # tails: rows, a group of 4 columns, a tile
    X = rng.standard_normal((n, p)) + 5.0 * rng.standard_normal(p)
    if fmt == "sparse":
        X = sp.csc_matrix(np.where(rng.random((n, p)) < 0.3, X, 0.0))
    elif fmt == "dense32":
        X = np.asfortranarray(X, dtype=np.float32)
    else:
        X = np.asfortranarray(X)
    Y = rng.standard_normal((n, k)) * rng.uniform(0.1, 10, k) + 100.0 * rng.standard_normal(k)
    sw = make_weights(n) * n / make_weights(n).sum() if weighted else None
    y_ref, x_mean, G_ref = _stats_reference(X, Y, sw)
    w = np.empty(0) if sw is None else sw

    def stats(cols, n_threads=1, order="C"):
        YT = np.ascontiguousarray(np.asarray(Y[:, cols], order=order).T)
        ym = _batch.target_means(YT, w, n_threads)
        if sp.issparse(X):
            GT = _batch.sparse_target_products(X.data, X.indices.astype(np.intc),
                                               X.indptr.astype(np.intp), YT, ym, w, x_mean,
                                               n_threads)
        else:
            GT = _batch.target_products(X, YT, ym, w, x_mean, n_threads)
        return ym, GT

    ym, GT = stats(np.arange(k))
    np.testing.assert_allclose(ym, y_ref, rtol=1e-14, atol=0)
    scale = np.abs(Y - y_ref).sum(axis=0)[:, None] * (np.abs(x_mean).max() + 10.0)
    assert np.all(np.abs(GT - G_ref) <= 1e-13 * scale)
    for cols in (np.arange(k), [3], np.arange(5, 14), [20, 0, 9]):
        for n_threads in (1, 2):
            got_m, got_G = stats(cols, n_threads, order="F")
            np.testing.assert_array_equal(got_m, ym[cols])
            np.testing.assert_array_equal(got_G, GT[cols])


def test_target_means_are_correctly_rounded_for_long_offset_targets():
    """A target of mean 1e8, spread 1 and 1e5 rows: its mean within a rounding unit of
    the exact one (a second pass adds the mean deviation from the first), weighted
    or not."""
    import math

    rng = np.random.default_rng(5)
    n = 100003
    y = 1e8 + rng.standard_normal(n)
    s = rng.uniform(0.2, 3.0, n)
    s *= n / math.fsum(s)
    for w in (np.empty(0), s):
        mean = _batch.target_means(y[None], w)[0]
        exact = math.fsum(y * w if w.size else y) / n
        assert abs(mean - exact) <= np.spacing(exact)
