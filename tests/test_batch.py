"""Many targets on one design: enet_path with a 2-D y and the estimators (fastpen._batch).

Every multi-target fit is also checked target by target against the duality
gap and KKT conditions by the autouse fixture of conftest.py.
"""
import _thread
import signal
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen
from fastpen import _batch
from fastpen._batch_args import (BatchBounds, BatchGroups, BatchOptions, BatchProblems,
                                 BatchResults, HeldOutRows, UnpenalizedBlock)
from _helpers import assert_optimal, make_weights


def _targets(n=90, p=30, k=6, seed=0, dtype=np.float64, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.3
    if sparse:
        X = np.where(rng.random((n, p)) < 0.3, X, 0.0)
    W = np.where(rng.random((p, k)) < 0.2, rng.standard_normal((p, k)), 0.0)
    Y = X @ W + 0.4 * rng.standard_normal((n, k)) + rng.standard_normal(k)
    X = X.astype(dtype)
    return (sp.csc_matrix(X) if sparse else X), Y


MODES = [("dense", False), ("dense", True), ("sparse", False), ("sparse", True)]
# (format, precompute)


@pytest.mark.parametrize("fmt,precompute", MODES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_k_targets_equal_k_single_paths(fmt, precompute, dtype, weighted, fit_intercept):
    X, Y = _targets(dtype=dtype, sparse=fmt == "sparse")
    n, k = Y.shape
    sw = make_weights(n) if weighted else None
    res = fastpen.enet_path(X, Y, l1_ratio=0.8, alphas=8, eps=1e-2, tol=1e-10,
                            sample_weight=sw, fit_intercept=fit_intercept,
                            precompute=precompute, n_threads=2)
    assert res.coefs.shape == (8, k, X.shape[1]) and res.coefs.dtype == dtype
    assert res.alphas.shape == (k, 8)
    for field in ("intercepts", "dual_gaps", "n_iter", "df", "dev_ratio"):
        assert getattr(res, field).shape == (8, k)
    atol = 2e-4 if dtype == np.float32 else 1e-7
    for c in range(k):
        one = fastpen.enet_path(X, Y[:, c], l1_ratio=0.8, alphas=8, eps=1e-2, tol=1e-10,
                                sample_weight=sw, fit_intercept=fit_intercept,
                                precompute=precompute)
        np.testing.assert_allclose(res.alphas[c], one.alphas, rtol=1e-10)
        np.testing.assert_allclose(res.coefs[:, c], one.coefs, atol=atol,
                                   rtol=1e-3 if dtype == np.float32 else 1e-7)
        np.testing.assert_allclose(res.intercepts[:, c], one.intercepts, atol=10 * atol)
        np.testing.assert_array_equal(res.df[:, c], np.count_nonzero(res.coefs[:, c], axis=1))


@pytest.mark.parametrize("fmt,precompute", MODES)
def test_results_do_not_depend_on_the_thread_count(fmt, precompute):
    """Bitwise, for every target: each is solved by one thread, seeded by its index."""
    X, Y = _targets(k=13, sparse=fmt == "sparse")
    runs = [fastpen.enet_path(X, Y, alphas=6, eps=1e-2, precompute=precompute, tol=1e-8,
                              selection="random", random_state=3, n_threads=t)
            for t in (1, 2, 3, 7)]
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


def _unaligned(A, offset=4):
    """A copy of A (Fortran order) whose data start ``offset`` bytes past a 64-byte
    boundary: not aligned for its dtype when offset is not a multiple of the itemsize."""
    A = np.asfortranarray(A)
    buf = np.empty(A.nbytes + 64 + offset, dtype=np.uint8)
    start = (-buf.ctypes.data) % 64 + offset
    U = np.ndarray(A.shape, A.dtype, buffer=buf[start:start + A.nbytes], order="F")
    U[...] = A
    assert not U.flags.aligned
    return U


@pytest.mark.parametrize("fmt,precompute", MODES)
def test_unaligned_x_and_y_give_the_aligned_fit(fmt, precompute):
    """Bitwise.  fastpen.dask's workers deserialise a scattered X (and Y's blocks) at
    whatever offset they have in the message frame, often not a multiple of 8: NumPy
    then ran X^T X (the Gram matrix) as a DGEMM of buffered copies instead of a DSYRK,
    and a block's paths differed from the local fit by up to 4e-15, from one run to
    the next too.  Unaligned input is now copied to aligned memory at validation."""
    X, Y = _targets(n=200, p=50, k=4)
    ref = fastpen.enet_path(X, Y, alphas=10, eps=1e-2, precompute=precompute)
    Xu = _unaligned(X)
    if fmt == "sparse":
        X = sp.csc_matrix(X)
        Xu = sp.csc_matrix((_unaligned(X.data[:, None])[:, 0], X.indices, X.indptr),
                           shape=X.shape)
        ref = fastpen.enet_path(X, Y, alphas=10, eps=1e-2, precompute=precompute)
    for a, b in [(Xu, Y), (X, _unaligned(Y)), (Xu, _unaligned(Y))]:
        got = fastpen.enet_path(a, b, alphas=10, eps=1e-2, precompute=precompute)
        for name, value in zip(ref._fields, ref):
            np.testing.assert_array_equal(getattr(got, name), value, err_msg=name)


def test_shared_and_per_target_explicit_grids():
    X, Y = _targets(k=4)
    grid = [0.5, 0.1, 0.02]
    shared = fastpen.lasso_path(X, Y, alphas=grid, tol=1e-10)
    assert shared.alphas.shape == (3,)
    per = fastpen.lasso_path(X, Y, alphas=np.tile(grid, (4, 1)), tol=1e-10)
    assert per.alphas.shape == (4, 3)
    np.testing.assert_array_equal(shared.coefs, per.coefs)
    # each target's row is sorted decreasingly, like a 1-D grid
    rev = fastpen.lasso_path(X, Y, alphas=np.tile(grid[::-1], (4, 1)), tol=1e-10)
    np.testing.assert_array_equal(rev.coefs, per.coefs)


def test_automatic_grid_starts_at_each_targets_alpha_max():
    X, Y = _targets(k=5)
    Y[:, 2] *= 10.0
    res = fastpen.lasso_path(X, Y, alphas=5, tol=1e-8)
    n = X.shape[0]
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    np.testing.assert_allclose(res.alphas[:, 0], np.abs(Xc.T @ Yc).max(0) / n, rtol=1e-10)
    assert np.all(res.df[0] == 0) and np.all(res.df[1] > 0)


def test_estimator_per_target_alpha_and_attributes():
    X, Y = _targets(k=5)
    alpha = np.array([0.01, 0.05, 0.1, 0.2, 0.5])
    est = fastpen.ElasticNet(alpha=alpha, l1_ratio=0.6, tol=1e-10).fit(X, Y)
    assert est.coef_.shape == (5, X.shape[1]) and est.intercept_.shape == (5,)
    assert est.dual_gap_.shape == (5,) and len(est.n_iter_) == 5
    for c in range(5):
        one = fastpen.ElasticNet(alpha=alpha[c], l1_ratio=0.6, tol=1e-10).fit(X, Y[:, c])
        np.testing.assert_allclose(est.coef_[c], one.coef_, atol=1e-8)
        np.testing.assert_allclose(est.intercept_[c], one.intercept_, atol=1e-8)
        assert_optimal(X, Y[:, c], est.coef_[c], est.intercept_[c], alpha=alpha[c],
                       l1_ratio=0.6, gap_tol=1e-9)
    np.testing.assert_allclose(est.predict(X), X @ est.coef_.T + est.intercept_)
    # a scalar alpha is every target's
    both = fastpen.Lasso(alpha=0.1).fit(X, Y)
    np.testing.assert_allclose(both.coef_, fastpen.Lasso(alpha=[0.1] * 5).fit(X, Y).coef_)


@pytest.mark.parametrize("alpha", [np.ones(3), np.array([0.1, -1, 0.1, 0.1, 0.1]),
                                   np.array([0.1, np.nan, 0.1, 0.1, 0.1]),
                                   np.array(["a"] * 5)])
def test_estimator_rejects_bad_per_target_alpha(alpha):
    X, Y = _targets(k=5)
    with pytest.raises(ValueError, match="alpha"):
        fastpen.Lasso(alpha=alpha).fit(X, Y)


def test_warm_start_with_several_targets():
    X, Y = _targets(k=3)
    est = fastpen.Lasso(alpha=0.05, warm_start=True, tol=1e-10).fit(X, Y)
    first = est.n_iter_
    est.fit(X, Y)
    assert sum(est.n_iter_) <= sum(first)
    with pytest.raises(ValueError, match="warm_start"):
        est.fit(X, Y[:, :2])


def test_constant_and_zero_targets():
    X, Y = _targets(k=3)
    Y[:, 1] = 4.0
    res = fastpen.enet_path(X, Y, alphas=[1.0, 0.1, 0.01], tol=1e-10)
    assert np.all(res.coefs[:, 1] == 0) and np.all(res.intercepts[:, 1] == 4.0)
    assert np.all(res.dual_gaps[:, 1] == 0)
    with pytest.raises(ValueError, match="An automatic alpha grid"):
        fastpen.enet_path(X, Y, l1_ratio=0.0)


def test_multi_target_input_is_not_modified_and_nan_is_rejected():
    X, Y = _targets(k=3)
    X0, Y0 = X.copy(), Y.copy()
    fastpen.enet_path(X, Y, alphas=4, sample_weight=make_weights(X.shape[0]))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    Y[3, 1] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        fastpen.enet_path(X, Y)

    # alpha = 0 (least squares) takes the single path's exact solve, target by target
    with pytest.warns(UserWarning, match="alpha=0"):
        res = fastpen.enet_path(X, Y0, alphas=[1.0, 0.0])
    for c in range(3):
        ls = np.linalg.lstsq(np.c_[X, np.ones(len(X))], Y0[:, c], rcond=None)[0]
        np.testing.assert_allclose(res.coefs[1, c], ls[:-1], atol=1e-8)


def test_least_squares_route_takes_a_generator_as_random_state():
    """A grid with alpha = 0 fits target by target with random_state=seed + c: a
    Generator's 63-bit seed was refused there as an int random_state > 2**32 - 1."""
    X, Y = _targets(k=2)
    kw = dict(alphas=[1.0, 0.0], selection="random", tol=1e-8)
    with pytest.warns(UserWarning, match="alpha=0"):
        res = fastpen.enet_path(X, Y, random_state=np.random.default_rng(3), **kw)
    for c in range(2):
        ls = np.linalg.lstsq(np.c_[X, np.ones(len(X))], Y[:, c], rcond=None)[0]
        np.testing.assert_allclose(res.coefs[1, c], ls[:-1], atol=1e-6)


@pytest.mark.parametrize("fmt,precompute", MODES)
def test_penalty_options_with_several_targets(fmt, precompute):
    """Unpenalised features (the exact block), bounds and standardisation, per target."""
    X, Y = _targets(k=4, sparse=fmt == "sparse")
    p = X.shape[1]
    pf = np.ones(p)
    pf[[0, 3]] = 0.0
    kw = dict(l1_ratio=0.7, alphas=[0.3, 0.05], tol=1e-10, penalty_factor=pf,
              lower_bounds=-0.5, upper_bounds=np.full(p, 2.0), standardize=True,
              precompute=precompute)
    res = fastpen.enet_path(X, Y, **kw)
    for c in range(4):
        one = fastpen.enet_path(X, Y[:, c], **kw)
        np.testing.assert_allclose(res.coefs[:, c], one.coefs, atol=1e-7)


def test_verbose_reports_progress(capsys):
    X, Y = _targets(k=20)
    fastpen.enet_path(X, Y, alphas=5, verbose=True, n_threads=1)
    err = capsys.readouterr().err
    assert "20/20 paths" in err and "left" in err


def test_ctrl_c_interrupts_a_batch_fit_between_chunks():
    """A SIGINT during a long multi-target fit raises KeyboardInterrupt soon after,
    and the estimator keeps its previous state."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 300))
    Y = X[:, :40] @ rng.standard_normal((40, 3000)) + rng.standard_normal((400, 3000))
    est = fastpen.Lasso(alpha=0.5).fit(X, Y[:, :2])
    before = est.coef_.copy()
    # A process started in the background by a non-interactive shell (as CI may
    # run) ignores SIGINT, and Python then installs no handler: interrupt_main()
    # does nothing.  Test with the handler every interactive session has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.3, _thread.interrupt_main)
        started = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            est.set_params(alpha=0.01, tol=1e-12, precompute=False).fit(X, Y)   # ~4 s
        assert time.perf_counter() - started < 3.0
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    np.testing.assert_array_equal(est.coef_, before)


def test_path_batch_rejects_inconsistent_arrays():
    """PathBatch takes keyword-only groups of arguments (fastpen._batch_args) and
    refuses shapes that do not fit together, naming itself."""
    X, Y = _targets(k=2)
    n, p = X.shape
    e = np.empty
    args = dict(
        groups=BatchGroups(target_means=np.zeros((1, 2)), sample_weight=e((1, 0)),
                           x_mean=np.zeros((1, p)), x_norm2=np.ones((1, p)),
                           l1_factor=np.ones((1, p)), l2_factor=e((1, 0))),
        problems=BatchProblems(targets=np.ascontiguousarray(Y.T), group=np.zeros(2, np.intc),
                               target=np.arange(2, dtype=np.intc), a=np.ones((2, 1)),
                               b=np.zeros((2, 1)), tol=np.ones(2), xty=e((0, p)),
                               coef=np.zeros((2, p))),
        results=BatchResults(y_norm2=np.ones(2), gaps=e((2, 1)), r_norm2=e((2, 1)),
                             n_iter=e((2, 1), np.intc), test_err=e((0, 0))),
        options=BatchOptions(max_iter=10, positive=False, random=False, seed=0))
    _batch.PathBatch(**args)
    _batch.PathBatch(**args, held_out=HeldOutRows.none(), unpenalized=UnpenalizedBlock.none(),
                     bounds=BatchBounds.none())
    with pytest.raises(TypeError):
        _batch.PathBatch(*args.values())                  # keyword-only
    held_out = HeldOutRows(np.array([0, 5], np.intc), np.arange(5, dtype=np.intc), np.ones(5))
    for extra in [dict(problems=args["problems"]._replace(target=np.array([0, 2], np.intc))),
                  dict(groups=args["groups"]._replace(x_norm2=np.ones((1, p + 1)))),
                  dict(problems=args["problems"]._replace(coef=np.zeros((3, p)))),
                  dict(bounds=BatchBounds(np.zeros(p), e(0))),
                  dict(held_out=held_out),        # test_err (0, 0) for 2 problems
                  dict(held_out=held_out._replace(rows=np.array([0, 1, 2, 3, n], np.intc)),
                       results=args["results"]._replace(test_err=e((2, 1)))),
                  dict(unpenalized=UnpenalizedBlock(np.array([p], np.intc),
                                                    np.ones((1, 1, 1)), False))]:
        with pytest.raises(ValueError, match="PathBatch"):
            _batch.PathBatch(**dict(args, **extra))


# A 1-D y is a batch of one target: enet_path(X, y) and column t of enet_path(X, Y)
# make the same kernel calls in the same order, with statistics (means, X~^T S y_c,
# alpha_max, the grid) computed from each target alone, so they agree bitwise.
SINGLE_CASES = {
    "dense": dict(),
    "sparse": dict(sparse=True),
    "gram": dict(precompute=True),
    "sparse-gram": dict(sparse=True, precompute=True),
    "float32": dict(dtype=np.float32),
    "float32-gram": dict(dtype=np.float32, precompute=True),
    "weights": dict(weighted=True),
    "weights-gram": dict(weighted=True, precompute=True),
    "bounds": dict(kw=dict(lower_bounds=-0.3, upper_bounds=0.5)),
    "positive-sparse": dict(sparse=True, kw=dict(positive=True)),
    "unpenalized": dict(kw=dict(penalty_factor=np.r_[0.0, 0.0, np.ones(28)])),
    "unpenalized-bounds": dict(kw=dict(penalty_factor=np.r_[0.0, np.ones(29)],
                                       lower_bounds=-0.2)),
    "excluded-standardize": dict(kw=dict(exclude=[3], standardize=True)),
    "random-order": dict(kw=dict(selection="random", random_state=5)),
    "no-intercept": dict(kw=dict(fit_intercept=False)),
}


@pytest.mark.parametrize("case", sorted(SINGLE_CASES))
@pytest.mark.parametrize("grid", ["automatic", "explicit"])
def test_single_target_is_a_batch_of_one(case, grid):
    spec = SINGLE_CASES[case]
    X, Y = _targets(k=4, dtype=spec.get("dtype", np.float64), sparse=spec.get("sparse", False))
    sw = make_weights(X.shape[0]) if spec.get("weighted") else None
    alphas = 7 if grid == "automatic" else [0.3, 0.1, 0.03, 0.01]
    kw = dict(l1_ratio=0.7, alphas=alphas, eps=1e-2, tol=1e-6, sample_weight=sw,
              precompute=spec.get("precompute", False), **spec.get("kw", {}))
    many = fastpen.enet_path(X, Y, n_threads=2, **kw)
    # random coordinate orders are seeded by a target's place in its fit: a 1-D y is
    # the first target
    for t in range(1 if "random_state" in kw else Y.shape[1]):
        one = fastpen.enet_path(X, Y[:, t], n_threads=1, **kw)
        for field in ("coefs", "intercepts", "dual_gaps", "n_iter", "df", "dev_ratio"):
            np.testing.assert_array_equal(getattr(one, field), getattr(many, field)[:, t],
                                          err_msg=f"{case} {grid} target {t} {field}")
        np.testing.assert_array_equal(one.alphas, many.alphas[t] if many.alphas.ndim == 2
                                      else many.alphas)
        assert one.coefs.dtype == X.dtype and one.intercepts.dtype == X.dtype


def test_single_target_float32_gram_and_least_squares_as_batch():
    """A user's float32 Gram matrix stays float32 and an alpha of 0 is least squares,
    for one target as for each of many."""
    X, Y = _targets(n=120, p=12, k=3)
    Xc = X - X.mean(axis=0)
    Q32 = (Xc.T @ Xc).astype(np.float32)
    for precompute in (Q32, False):
        # (a float32 Gram matrix solves a rounded problem: a looser tol)
        kw = dict(alphas=[0.1, 0.01, 0.0], precompute=precompute,
                  tol=1e-10 if precompute is False else 1e-5)
        with pytest.warns(UserWarning, match="alpha=0"):
            many = fastpen.lasso_path(X, Y, **kw)
        for t in range(Y.shape[1]):
            with pytest.warns(UserWarning, match="alpha=0"):
                one = fastpen.lasso_path(X, Y[:, t], **kw)
            for field in ("coefs", "intercepts", "dual_gaps", "n_iter"):
                np.testing.assert_array_equal(getattr(one, field), getattr(many, field)[:, t])
            if precompute is False:     # alpha = 0: the least-squares solution
                ls = np.linalg.lstsq(np.c_[np.ones(len(X)), X], Y[:, t], rcond=None)[0]
                np.testing.assert_allclose(one.coefs[-1], ls[1:], rtol=1e-7, atol=1e-9)
