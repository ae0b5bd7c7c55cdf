"""The parallel driver over problems sharing one design (fastpen._batch)."""
import numpy as np
import pytest

from fastpen import _batch, _cd
from _helpers import make_weights, optimality, rescaled_weights


def _gram_batch(k=7, n=80, p=30, dtype=np.float64, weighted=True, seed=0):
    """Q, QY (k, p), y_norm2 (k,) of k targets on one centred, weighted design."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.3
    W_true = np.where(rng.random((p, k)) < 0.2, rng.standard_normal((p, k)), 0.0)
    Y = X @ W_true + 0.3 * rng.standard_normal((n, k))
    sw = make_weights(n) if weighted else None
    s = rescaled_weights(sw, n)
    x_mean = s @ X / n
    y_mean = s @ Y / n
    Xc, Yc = X - x_mean, Y - y_mean
    Q = np.ascontiguousarray((Xc.T * s) @ Xc, dtype=dtype)
    QY = np.ascontiguousarray(((Xc.T * s) @ Yc).T)
    y_norm2 = np.einsum("ik,i,ik->k", Yc, s, Yc)
    return X, Y, sw, Q, QY, y_norm2


def _strengths(QY, pf, frac):
    a = frac * np.max(np.abs(QY) / pf, axis=1)
    return a, 0.3 * a


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("random", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_batch_equals_one_solve_per_target(dtype, random, positive):
    """Problem t of the batch is solve_gram on its own target, to the bit (its
    coordinate order seeded with seed + t)."""
    X, Y, sw, Q, QY, y_norm2 = _gram_batch(dtype=dtype)
    k, p = QY.shape
    pf = np.random.default_rng(3).uniform(0.5, 2.0, p)
    diag = np.diagonal(Q).astype(np.float64)
    a, b = _strengths(QY, pf, np.linspace(0.05, 0.5, k))
    tol = 1e-10 * y_norm2
    W = np.zeros((k, p))
    gaps, r2, iters = _batch.solve_gram_batch(Q, QY, y_norm2, diag, pf, W, a, b, tol, 100000,
                                              positive, random, 11, 2)
    for t in range(k):
        w = np.zeros(p)
        ref = _cd.solve_gram(Q, QY[t], y_norm2[t], diag, pf, w, a[t], b[t], tol[t], 100000,
                             positive, random, 11 + t)
        np.testing.assert_array_equal(W[t], w)
        assert (gaps[t], r2[t], iters[t]) == ref
        assert gaps[t] <= tol[t]


def test_batch_results_do_not_depend_on_the_thread_count():
    X, Y, sw, Q, QY, y_norm2 = _gram_batch(k=23)
    k, p = QY.shape
    pf, diag = np.ones(p), np.diagonal(Q).copy()
    a, b = _strengths(QY, pf, np.geomspace(0.02, 0.6, k))
    runs = []
    for n_threads in (1, 2, 3, 8):
        W = np.zeros((k, p))
        out = _batch.solve_gram_batch(Q, QY, y_norm2, diag, pf, W, a, b, 1e-9 * y_norm2,
                                      100000, False, True, 5, n_threads)
        runs.append((W, *out))
    for W, gaps, r2, iters in runs[1:]:
        np.testing.assert_array_equal(W, runs[0][0])
        np.testing.assert_array_equal(gaps, runs[0][1])
        np.testing.assert_array_equal(iters, runs[0][3])


def test_batch_solutions_are_optimal_for_each_target():
    """Each row of W solves its own weighted lasso (gap and KKT on X itself)."""
    X, Y, sw, Q, QY, y_norm2 = _gram_batch(k=5)
    k, p = QY.shape
    n = X.shape[0]
    pf, diag = np.ones(p), np.diagonal(Q).copy()
    a, _ = _strengths(QY, pf, np.array([0.05, 0.1, 0.2, 0.4, 0.8]))
    W = np.zeros((k, p))
    _batch.solve_gram_batch(Q, QY, y_norm2, diag, pf, W, a, np.zeros(k), 1e-12 * y_norm2,
                            100000, False, False, 0, 2)
    s = rescaled_weights(sw, n)
    for t in range(k):
        b0 = (s @ (Y[:, t] - X @ W[t])) / n
        opt = optimality(X, Y[:, t], W[t], b0, alpha=a[t] / n, sample_weight=sw)
        assert opt.kkt < 1e-6
        assert opt.gap <= 1e-10 * y_norm2[t] / n


def test_batch_warm_starts_from_the_rows_of_w():
    X, Y, sw, Q, QY, y_norm2 = _gram_batch(k=4)
    k, p = QY.shape
    pf, diag = np.ones(p), np.diagonal(Q).copy()
    a, b = _strengths(QY, pf, np.full(k, 0.1))
    tol = 1e-11 * y_norm2
    W = np.zeros((k, p))
    _, _, cold = _batch.solve_gram_batch(Q, QY, y_norm2, diag, pf, W, a, b, tol, 100000,
                                         False, False, 0, 2)
    _, _, warm = _batch.solve_gram_batch(Q, QY, y_norm2, diag, pf, W, a, b, tol, 100000,
                                         False, False, 0, 2)
    assert np.all(warm <= 1) and np.all(cold > 1)


def test_batch_rejects_mismatched_shapes():
    X, Y, sw, Q, QY, y_norm2 = _gram_batch(k=3)
    k, p = QY.shape
    ones, diag = np.ones(p), np.diagonal(Q).copy()
    args = (y_norm2, diag, ones, np.zeros((k, p)), np.ones(k), np.zeros(k), np.ones(k), 10,
            False, False, 0, 1)
    with pytest.raises(ValueError, match="number of features"):
        _batch.solve_gram_batch(Q, QY[:, :-1].copy(), *args)
    with pytest.raises(ValueError, match="number of problems"):
        _batch.solve_gram_batch(Q, QY[:-1].copy(), *args)
