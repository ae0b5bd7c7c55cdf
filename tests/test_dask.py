"""fastpen.dask (issue 9): block-of-targets fits on a distributed.LocalCluster with two
worker processes equal the local batch fit, X crosses to each worker once, and a
worker killed in the middle of a fit does not change the result."""
import contextlib
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastpen

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
fd = pytest.importorskip("fastpen.dask")

pytestmark = pytest.mark.no_autocheck     # the checker runs in this process only

# the tasks that fit (their keys start with the function's name)
FITTING = tuple(f.__name__ for f in (fd._path_block, fd._grid_block, fd._cv_block,
                                     fd._choose_block, fd._refit_block, fd._logistic_block))


@pytest.fixture(scope="module")
def client():
    """Two worker processes of one thread each, for the whole module.

    The tests restart workers (their nannies start new processes under the same
    names).  A LocalCluster closes a worker's nanny for good when, some time
    (``distributed.deploy.lost-worker-timeout``, 15 s) after the worker left, no
    worker of that name is registered: a restart within 15 s of an earlier one,
    whose new process took a few seconds to start on a loaded machine, was taken
    for a lost worker, and the cluster went on with one (the restart then waited
    120 s for it, or wait_for_workers failed; 1 run in 6 here).  Here no worker
    is lost for good: its nanny always restarts it.
    """
    import dask

    with dask.config.set({"distributed.deploy.lost-worker-timeout": "1 hour"}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                           processes=True, dashboard_address=None,
                                           silence_logs=40)
        with cluster, distributed.Client(cluster) as c:
            yield c


def _data(n=200, p=30, k=24, seed=0, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if sparse:
        X[rng.random((n, p)) < 0.7] = 0.0
    Y = X[:, :5] @ rng.standard_normal((5, k)) + rng.standard_normal((n, k))
    return (sp.csc_matrix(X) if sparse else X), Y


def _same(a, b, exact):
    if exact:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _same_paths(a, b):
    """Every field bitwise: a block's fit computes each target's numbers from that
    target alone, in a fixed order (fastpen._batch), as the local fit does."""
    for field in b._fields:
        value = getattr(a, field)
        value = value.compute() if hasattr(value, "compute") else value
        np.testing.assert_array_equal(value, getattr(b, field), err_msg=field)


@pytest.mark.parametrize("sparse", [False, True])
def test_paths_equal_the_local_batch_fit(client, sparse):
    """Failed on a fresh clone (issue 17): y's means and X~^T Y came from NumPy and BLAS
    on the whole block, so a target's grid changed in the last bits with its block
    (and with how Dask materialised the chunk), and its path with it."""
    X, Y = _data(sparse=sparse)
    local = fastpen.enet_path(X, Y, l1_ratio=0.7, alphas=12)
    # a Dask Y's chunks are the blocks
    _same_paths(fd.enet_path(X, da.from_array(Y, chunks=(Y.shape[0], 8)), l1_ratio=0.7,
                             alphas=12), local)
    # NumPy Y in blocks of 5, and the lazy result
    lazy = fd.enet_path(X, Y, l1_ratio=0.7, alphas=[0.5, 0.1, 0.01], block_size=5,
                        compute=False)
    assert isinstance(lazy.coefs, da.Array)
    _same_paths(lazy, fastpen.enet_path(X, Y, l1_ratio=0.7, alphas=[0.5, 0.1, 0.01]))


def test_any_blocks_give_the_local_paths_at_the_default_tol(client):
    """Issue 17's reproducer (2 workers x 1 thread, default tol): up to 2.3e-3 relative
    from the local fit, from per-block sums of Y and grids.  Now equal bitwise for
    blocks of 1, 2 and 4 targets, a C- or Fortran-ordered Y and Dask chunks, with
    the random coordinate orders seeded as the local fit seeds them."""
    rng = np.random.RandomState(0)
    X = rng.randn(40, 60) + rng.randn(60)
    Y = X[:, :4] @ rng.randn(4, 9) + rng.randn(40, 9) + rng.randn(9)
    local = fastpen.enet_path(X, Y, alphas=20)
    for block_size in (1, 2, 4):
        _same_paths(fd.enet_path(X, Y, alphas=20, block_size=block_size), local)
    _same_paths(fd.enet_path(X, np.asfortranarray(Y), alphas=20, block_size=4), local)
    _same_paths(fd.enet_path(X, da.from_array(Y, chunks=(20, 3)), alphas=20), local)
    kw = dict(alphas=20, selection="random", random_state=7)
    _same_paths(fd.enet_path(X, Y, block_size=2, **kw), fastpen.enet_path(X, Y, **kw))


def test_blocks_make_the_gram_choice_of_the_whole_fit(client):
    """precompute='auto' was decided per block from the block's target count: with
    9 targets of 5 alphas, the whole fit builds the Gram matrix (its cost p/12 = 25
    passes over X is below 3 x 5 x 9) but a block of one target (3 x 5) did not,
    and its path then differed by up to the tolerance."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((400, 300))
    Y = X[:, :6] @ rng.standard_normal((6, 9)) + rng.standard_normal((400, 9))
    local = fastpen.enet_path(X, Y, alphas=5)
    _same_paths(local, fastpen.enet_path(X, Y, alphas=5, precompute=True))   # Gram mode
    _same_paths(fd.enet_path(X, Y, alphas=5, block_size=1), local)


def test_x_unaligned_on_a_worker_gives_the_local_paths(client):
    """A worker deserialises a scattered X where its message frame puts it, often at an
    address that is not a multiple of 8: NumPy then ran the Gram matrix X^T X as a
    DGEMM of buffered copies, not the DSYRK of the local fit, and about half the
    targets of a 500 x 200 fit of 400 targets differed from the local paths by up to
    3.6e-15 (and from one run to the next).  Here X is made unaligned on a worker (the
    future of a task): every block still gives the local paths, bitwise."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((200, 50)) + 0.3
    Y = X[:, :6] @ rng.standard_normal((6, 8)) + rng.standard_normal((200, 8))

    def unaligned(X):
        import numpy as np
        buf = np.empty(X.nbytes + 72, dtype=np.uint8)
        start = (-buf.ctypes.data) % 64 + 4
        U = np.ndarray(X.shape, X.dtype, buffer=buf[start:start + X.nbytes], order="F")
        U[...] = X
        return U

    X_future = client.submit(unaligned, X, pure=False)
    assert not client.submit(lambda x: x.flags.aligned, X_future, pure=False).result()
    local = fastpen.enet_path(X, Y, alphas=10, eps=1e-2)
    _same_paths(fd.enet_path(X_future, Y, alphas=10, eps=1e-2, block_size=1), local)
    _same_paths(fd.enet_path(X, Y, alphas=10, eps=1e-2, block_size=2), local)


def test_lasso_path_refuses_l1_ratio_as_the_local_one_does(client):
    """fastpen.dask.lasso_path(..., l1_ratio=0.5) silently fitted the lasso."""
    X, Y = _data(k=3)
    for lasso_path in (fastpen.lasso_path, fd.lasso_path):
        with pytest.raises(TypeError, match="l1_ratio"):
            lasso_path(X, Y, l1_ratio=0.5)
    _same_paths(fd.lasso_path(X, Y, alphas=4), fastpen.lasso_path(X, Y, alphas=4))


def test_a_y_without_columns_is_refused_naming_y(client):
    """A (n, 0) Y raised NumPy's "need at least one array to concatenate"; it is the
    local fit's ValueError now, for NumPy and Dask Y, paths and cross-validation."""
    X, Y = _data(k=3)
    empty = Y[:, :0]
    for fit in (lambda y: fastpen.enet_path(X, y), lambda y: fd.enet_path(X, y),
                lambda y: fd.enet_path(X, da.from_array(y)), lambda y: fd.cv_enet(X, y),
                lambda y: fd.ElasticNetCV(cv=3).fit(X, y)):
        with pytest.raises(ValueError, match=r"y has no target column \(shape \(200, 0\)\)"):
            fit(empty)


def _binary_targets(n=150, p=20, k=9, seed=3, sparse=False):
    X, Y = _data(n=n, p=p, k=k, seed=seed, sparse=sparse)
    return X, (Y > np.median(Y, axis=0)).astype(np.int8)


def _same_logistic(a, b, exact=True):
    """Every field bitwise (``exact``): a target's logistic path depends on that target
    alone.  The nonzero counts are compared in the (n_alphas, n_targets) layout of the
    other fields."""
    for field in b._fields:
        value = getattr(a, field)
        value = value.compute() if hasattr(value, "compute") else value
        expected = (b.coefs != 0).sum(axis=2) if field == "df" else getattr(b, field)
        if exact or field in ("df", "n_iter", "classes"):
            np.testing.assert_array_equal(value, expected, err_msg=field)
        else:
            np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-13,
                                       err_msg=field)


@pytest.mark.parametrize("sparse", [False, True])
def test_logistic_paths_equal_the_local_batch_fit(client, sparse):
    X, Y = _binary_targets(sparse=sparse)
    local = fastpen.logistic_path(X, Y, l1_ratio=0.8, alphas=10)
    assert local.alphas.shape == (9, 10)                  # a grid per target
    for block_size in (1, 4):
        _same_logistic(fd.logistic_path(X, Y, l1_ratio=0.8, alphas=10,
                                        block_size=block_size), local)
    _same_logistic(fd.logistic_path(X, da.from_array(Y, chunks=(50, 4)), l1_ratio=0.8,
                                    alphas=10), local)
    # one grid for all, weights, per-target starting points, the lazy result
    grid = [0.1, 0.03, 0.01]
    sw = np.random.default_rng(4).uniform(0.5, 2, X.shape[0])
    init = np.random.default_rng(5).normal(scale=0.01, size=(Y.shape[1], X.shape[1]))
    kw = dict(l1_ratio=0.5, alphas=grid, sample_weight=sw, coef_init=init, standardize=True)
    local = fastpen.logistic_path(X, Y, **kw)
    lazy = fd.logistic_path(X, Y, block_size=2, compute=False, **kw)
    assert isinstance(lazy.coefs, da.Array)
    # not bitwise with weights: the intercept-only fit's weighted class shares are one
    # BLAS product over the block's targets (fastpen._logistic.null_fit), whose last
    # bits depend on the block's size
    _same_logistic(lazy, local, exact=False)
    # the paths are those of each target fitted alone
    alone = fastpen.logistic_path(X, Y[:, 3], l1_ratio=0.5, alphas=grid, sample_weight=sw,
                                  coef_init=init[3], standardize=True)
    np.testing.assert_allclose(local.coefs[:, 3], alone.coefs, rtol=1e-7, atol=1e-9)


def test_logistic_errors_name_the_argument_and_the_block(client):
    X, Y = _binary_targets(k=5)
    with pytest.raises(ValueError, match="family"):
        fd.logistic_path(X, Y, family="multinomial")
    with pytest.raises(ValueError, match="coef_init"):
        fd.logistic_path(X, Y, coef_init=np.zeros((4, X.shape[1])))
    bad = Y.copy()
    bad[:, 3] = 1
    with pytest.raises(ValueError, match="columns 2 to 3 of Y: column 1 of y has a single "
                                         "class"):
        fd.logistic_path(X, bad, block_size=2)
    with pytest.raises(ValueError, match="Y has 149 samples"):
        fd.logistic_path(X, Y[1:])


def test_predict_checks_the_feature_count(client):
    """fastpen.dask.ElasticNetCV.predict gave a raw matmul error for X with the wrong
    number of features: scikit-learn's ValueError naming both counts, as the local
    estimators'; before fit, scikit-learn's NotFittedError."""
    from sklearn.exceptions import NotFittedError

    X, Y = _data(k=3)
    with pytest.raises(NotFittedError):
        fd.LassoCV(cv=3).predict(X)
    est = fd.LassoCV(cv=3, alphas=5).fit(X, Y)
    local = fastpen.LassoCV(cv=3, alphas=5, alpha_per_target=True).fit(X, Y)
    for model in (est, local):
        with pytest.raises(ValueError, match="X has 29 features, but LassoCV is expecting "
                                             "30 features as input"):
            model.predict(X[:, 1:])
    with pytest.raises(ValueError, match="2-dimensional"):
        est.predict(X[0])
    np.testing.assert_array_equal(est.predict(da.from_array(X)), est.predict(X))


def test_cv_equals_the_local_cross_validation(client):
    from sklearn.model_selection import KFold

    X, Y = _data(k=10)
    folds = list(KFold(3).split(X))
    out = fd.cv_enet(X, Y, cv=folds, l1_ratio=[0.5, 1.0], alphas=10, block_size=4)
    local = fastpen.ElasticNetCV(cv=folds, l1_ratio=[0.5, 1.0], alphas=10,
                                 alpha_per_target=True).fit(X, Y)
    # every target's grid, errors, choice and refit from that target alone: bitwise
    _same(out["alpha"], local.alpha_, exact=True)
    np.testing.assert_array_equal(out["l1_ratio"], local.l1_ratio_)
    _same(out["mse_path"], local.mse_path_, exact=True)
    _same(out["coef"], local.coef_, exact=True)
    _same(out["intercept"], local.intercept_, exact=True)
    est = fd.LassoCV(cv=folds, alphas=10, block_size=3).fit(X, Y)
    lasso = fastpen.LassoCV(cv=folds, alphas=10, alpha_per_target=True).fit(X, Y)
    for attr in ("alpha_", "alpha_1se_", "alphas_", "mse_path_", "coef_", "intercept_",
                 "l1_ratio_", "dual_gap_"):
        assert np.shape(getattr(est, attr)) == np.shape(getattr(lasso, attr)), attr
        _same(np.asarray(getattr(est, attr)), np.asarray(getattr(lasso, attr)), exact=True)
    assert est.n_iter_ == lasso.n_iter_ and est.n_features_in_ == X.shape[1]
    _same(est.predict(X), lasso.predict(X), exact=False)     # two products of their own


def test_cv_warns_once_for_the_targets_at_an_end_of_their_grid(client):
    """The warning is issued on the client, counting the targets as the local CV does."""
    from sklearn.model_selection import KFold

    from fastpen._cv import cross_validate_enet

    X, Y = _data(k=6, seed=4)
    Y[:, 3:] = np.random.default_rng(9).standard_normal((X.shape[0], 3))   # noise
    folds = list(KFold(3).split(X))
    # below the noise targets' alpha_max (~0.17) where their error still falls, and
    # too high for one of the signal targets
    grid = np.geomspace(0.15, 0.08, 6)
    with pytest.warns(fastpen.GridEdgeWarning) as rec:
        out = fd.cv_enet(X, Y, cv=folds, l1_ratio=1.0, alphas=grid, block_size=2)
    edge = [w for w in rec if w.category is fastpen.GridEdgeWarning]
    assert len(edge) == 1
    local = cross_validate_enet(X, Y, folds, l1_ratios=1.0, alphas=grid, per_target=True,
                                warn_edges=False)
    np.testing.assert_array_equal(out["at_smallest"], local.at_smallest)
    np.testing.assert_array_equal(out["at_largest"], local.at_largest)
    np.testing.assert_array_equal(out["alpha_index"], local.alpha_index)
    n_low, n_high = int(local.at_smallest.sum()), int(local.at_largest.sum())
    assert n_low >= 1 and n_high >= 1
    message = str(edge[0].message)
    assert f"{n_low} of 6 targets have the smallest" in message
    assert f"{n_high} of 6 targets have the largest" in message
    # the automatic grid: its top is alpha_max, the noise targets' choice, said nothing of
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        auto = fd.LassoCV(cv=folds, alphas=10, eps=0.5, block_size=3).fit(X, Y)
    assert np.any(auto.alpha_[3:] == auto.alphas_[0, 3:])
    assert "largest" not in str([w.message for w in rec
                                 if w.category is fastpen.GridEdgeWarning])


def test_cv_makes_the_gram_choice_of_the_whole_cross_validation(client):
    """Each (fold, l1_ratio, block) task chose Gram or not from its own sizes (one
    fold, a block of targets), unlike the local fit: errors differed by 1e-3 and a
    target's alpha flipped."""
    from sklearn.model_selection import KFold

    X, Y = _data(n=200, p=60, k=150, seed=2)
    folds = list(KFold(5).split(X))
    out = fd.cv_enet(X, Y, cv=folds, l1_ratio=0.5, alphas=100, eps=1e-2, block_size=75)
    local = fastpen.ElasticNetCV(cv=folds, l1_ratio=0.5, alphas=100, eps=1e-2,
                                 alpha_per_target=True).fit(X, Y)
    _same(out["alpha"], local.alpha_, exact=False)
    np.testing.assert_allclose(out["mse_path"][0], local.mse_path_, rtol=1e-10)
    with pytest.raises(ValueError, match="at least 2 folds"):
        fd.cv_enet(X, Y, cv=folds[:1])


def test_alpha_grids_are_read_as_the_local_fit_reads_them(client):
    """A (k, m) grid went whole to every block; a scalar alpha, or n_alphas beside a
    1-D grid, gave wrong shapes."""
    X, Y = _data(k=7)
    rng = np.random.default_rng(5)
    grid = -np.sort(-rng.uniform(0.01, 1.0, (7, 4)), axis=1)
    for kwargs in (dict(alphas=grid), dict(alphas=0.1), dict(alphas=[1.0, 0.1], n_alphas=4),
                   dict(alphas=5)):
        local = fastpen.enet_path(X, Y, **kwargs)
        for compute in (True, False):
            got = fd.enet_path(X, Y, block_size=3, compute=compute, **kwargs)
            for field in local._fields:
                value = getattr(got, field)
                value = value.compute() if hasattr(value, "compute") else value
                assert value.shape == getattr(local, field).shape, (kwargs, field)
                _same(value, getattr(local, field), exact=False)
    with pytest.raises(ValueError, match="block_size"):
        fd.enet_path(X, Y, block_size=0)
    # n_alphas=1.5 was read as a grid of one alpha; the local fit refuses it
    for local_or_dask in (fastpen.enet_path, fd.enet_path):
        with pytest.raises((TypeError, ValueError), match="n_alphas"):
            local_or_dask(X, Y, n_alphas=1.5)


def _incoming(client):
    """Per worker: the (key, bytes) of every transfer it received from another worker."""
    def log(dask_worker):
        return [(str(key), int(size)) for e in dask_worker.transfer_incoming_log
                for key, size in e.get("keys", {}).items()]
    return client.run(log)


@contextlib.contextmanager
def _memory_manager_stopped(client):
    """The scheduler's active memory manager stopped: it drops copies of data no task
    waits for (a broadcast X between fits), which would blur what fastpen sends.
    Restored as it was (it may be off in the configuration)."""
    running = client.amm.running()
    client.amm.stop()
    try:
        yield
    finally:
        if running:
            client.amm.start()


def test_x_crosses_to_each_worker_once(client):
    with _memory_manager_stopped(client):
        X, Y = _data(n=400, p=50, k=40)
        before = _incoming(client)
        res = fd.enet_path(X, Y, alphas=8, block_size=4)       # 10 tasks on 2 workers
        assert res.coefs.shape == (8, 40, 50)
        for worker, log in _incoming(client).items():
            new = log[len(before.get(worker, [])):]
            big = [size for _, size in new if size >= X.nbytes]
            assert len(big) <= 1, (worker, new)                # X, at most once
            assert sum(size for _, size in new) <= X.nbytes + 64 * 1024, (worker, new)
        # a future of X scattered once serves further fits with no transfer at all
        X_future = client.scatter(X, broadcast=True, hash=False)
        assert set(client.who_has(X_future)[X_future.key]) == set(client.nthreads())
        before = _incoming(client)
        again = fd.enet_path(X_future, Y, alphas=8, block_size=4)
        assert _incoming(client) == before
        np.testing.assert_array_equal(again.coefs, res.coefs)


def _with_a_worker_restarted(client, fit, victim=None, everyone=False):
    """Run ``fit()`` in a thread; once ``victim`` (default: the first worker) is running a
    fitting task (not one of the instant ones that only hold data), have its nanny kill
    it (``everyone``: every worker) and start another; return what ``fit`` returned, or
    raise what it raised."""
    import threading

    out = {}

    def target():
        try:
            out["res"] = fit()
        except Exception as exc:
            out["exc"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    victim = victim or sorted(client.nthreads())[0]
    deadline = time.time() + 60
    busy = ()
    while not busy and thread.is_alive() and time.time() < deadline:
        # one snapshot per poll: a task seen running must not vanish before it is recorded
        busy = [key for key in client.processing().get(victim, ())
                if str(key).startswith(FITTING)]
        if not busy:
            time.sleep(0.002)
    alive = thread.is_alive()
    client.restart_workers(list(client.nthreads()) if everyone else [victim])
    thread.join(120)
    assert not thread.is_alive(), "the fit did not end within 120 s of the restart"
    assert busy and alive, ("no fitting task was running on the worker: nothing was "
                            f"tested (the fit raised {out.get('exc')!r})")
    client.wait_for_workers(2, timeout=60)
    if "exc" in out:
        raise out["exc"]
    return out["res"]


def test_a_worker_killed_mid_fit_changes_nothing(client):
    """A fit of 16 tasks on two workers; while one worker has tasks, its nanny kills
    it and starts another: the lost tasks run again (X is still on the other
    worker) and the result is the local one."""
    X, Y = _data(n=4000, p=300, k=32, seed=3)
    kwargs = dict(alphas=60, eps=1e-4, tol=1e-10)
    expected = fastpen.enet_path(X, Y, **kwargs)
    res = _with_a_worker_restarted(
        client, lambda: fd.enet_path(X, Y, block_size=2, client=client, **kwargs))
    np.testing.assert_allclose(res.coefs, expected.coefs, rtol=1e-12, atol=1e-12)


def test_cv_with_a_worker_killed_mid_fit_equals_the_local_cv(client):
    """NumPy Y's blocks are futures of tasks holding them (read by every fold's task,
    sent once): a worker lost with some of them recomputes them."""
    from sklearn.model_selection import KFold

    X, Y = _data(n=3000, p=100, k=24, seed=4)
    folds = list(KFold(3).split(X))
    kwargs = dict(cv=folds, l1_ratio=[0.5, 1.0], alphas=30, eps=1e-3, tol=1e-8)
    local = fastpen.ElasticNetCV(alpha_per_target=True, **kwargs).fit(X, Y)
    res = _with_a_worker_restarted(
        client, lambda: fd.cv_enet(X, Y, block_size=4, client=client, **kwargs))
    _same(res["coef"], local.coef_, exact=False)
    _same(res["alpha"], local.alpha_, exact=False)


@pytest.mark.parametrize("fit", ["path", "cv"])
def test_x_lost_with_its_last_worker_is_sent_again(client, monkeypatch, fit):
    """Scattered X is not recomputed when the workers holding it die (the memory manager
    may have left one copy only; here every worker is killed mid-fit): X is scattered
    again and the fit rerun, with the local result."""
    from sklearn.model_selection import KFold

    X, Y = _data(n=3000, p=200, k=24, seed=5)
    real, sent = fd._broadcast_x, []

    def counted(client, X):
        sent.append(X)
        return real(client, X)

    monkeypatch.setattr(fd, "_broadcast_x", counted)
    if fit == "path":
        kwargs = dict(alphas=40, eps=1e-3, tol=1e-10)
        expected = fastpen.enet_path(X, Y, **kwargs).coefs
        res = _with_a_worker_restarted(client, lambda: fd.enet_path(
            X, Y, block_size=2, client=client, **kwargs), everyone=True).coefs
    else:
        kwargs = dict(cv=list(KFold(3).split(X)), l1_ratio=[0.5, 1.0], alphas=20, tol=1e-8)
        expected = fastpen.ElasticNetCV(alpha_per_target=True, **kwargs).fit(X, Y).coef_
        res = _with_a_worker_restarted(client, lambda: fd.cv_enet(
            X, Y, block_size=4, client=client, **kwargs), everyone=True)["coef"]
    assert len(sent) == 2
    np.testing.assert_allclose(res, expected, rtol=1e-12, atol=1e-12)


def test_a_lost_future_of_x_raises_and_an_idle_one_is_broadcast_again(client):
    """A future given as X cannot be resent: lost before the fit, a ValueError; lost
    during it, a RuntimeError naming X.  One the memory manager has reduced to one copy
    while idle is copied to every worker again before the fit."""
    X, Y = _data(n=500, p=40, k=8, seed=6)
    workers = sorted(client.nthreads())
    with _memory_manager_stopped(client):
        X_future = client.scatter(X, broadcast=True, hash=False)
        client.amm.run_once()                  # nothing waits on X: one copy is kept

        def holders():
            # the workers' own data, not the scheduler's record: that is updated when the
            # drop is sent, and a copy made before the worker acts on it would be dropped
            held = client.run(lambda dask_worker, key: key in dask_worker.data,
                              key=X_future.key)
            return sorted(worker for worker, has in held.items() if has)

        deadline = time.time() + 30
        while len(holders()) > 1 and time.time() < deadline:
            time.sleep(0.01)
        assert len(holders()) == 1
        assert fd._broadcast_x(client, X_future) is X_future
        assert sorted(client.who_has(X_future)[X_future.key]) == holders() == workers
    _same(fd.enet_path(X_future, Y, alphas=5).coefs, fastpen.enet_path(X, Y, alphas=5).coefs,
          exact=False)

    X, Y = _data(n=3000, p=200, k=24, seed=7)
    X_future = client.scatter(X, broadcast=True, hash=False)
    with pytest.raises(RuntimeError, match="X's future was lost"):
        _with_a_worker_restarted(client, lambda: fd.enet_path(
            X_future, Y, alphas=40, eps=1e-3, tol=1e-10, block_size=2, client=client),
            everyone=True)
    with pytest.raises(ValueError, match="X is a future whose data is no longer"):
        fd.enet_path(X_future, Y, alphas=5)


def test_x_as_a_pending_future_and_a_task_error(client, monkeypatch):
    """X may be the future of a task still running (it is waited for).  A genuine error
    in a task is raised as it is, not taken for a lost X and rerun, and the fit's tasks
    are cancelled (the exception's traceback would otherwise keep them on the cluster)."""
    X, Y = _data(n=300, p=20, k=6, seed=8)
    pending = client.submit(lambda x: (time.sleep(0.5), x)[1], X, pure=False)
    assert pending.status == "pending"
    _same(fd.enet_path(pending, Y, alphas=5).coefs, fastpen.enet_path(X, Y, alphas=5).coefs,
          exact=False)

    def fit_keys(dask_scheduler):
        return [str(key) for key in dask_scheduler.tasks
                if str(key).startswith(FITTING + ("ndarray",))]

    before = set(client.run_on_scheduler(fit_keys))   # a failed test's traceback may hold some
    real, sent = fd._broadcast_x, []
    monkeypatch.setattr(fd, "_broadcast_x",
                        lambda client, X: (sent.append(1), real(client, X))[1])
    with pytest.raises(ValueError, match="l1_ratio") as path_error:
        fd.enet_path(X, Y, alphas=5, l1_ratio=-3.0, block_size=1)
    with pytest.raises(ValueError, match="precompute") as cv_error:
        fd.cv_enet(X, Y, cv=3, alphas=5, precompute="bogus", block_size=2)
    assert sent == [1, 1]
    deadline = time.time() + 30
    while set(client.run_on_scheduler(fit_keys)) - before and time.time() < deadline:
        time.sleep(0.05)
    assert set(client.run_on_scheduler(fit_keys)) - before == set(), (path_error, cv_error)
