"""Per-target statistics of the multi-target fits (issue 17): a target's mean and
X~^T S (y - ybar) are computed from that target alone, in a fixed order, so they
do not depend on the other targets, their number, the memory layout of Y or the
thread count (fastpen._batch.target_means and target_products).
"""
import numpy as np
import pytest
import scipy.sparse as sp

from fastpen import _batch
from _helpers import make_weights


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
