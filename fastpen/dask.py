"""Batch and cross-validated elastic-net fits on a Dask cluster.

Needs the optional extra: ``pip install fastpen[dask]`` (dask and distributed).

The targets (columns of Y) are independent problems sharing X.  Each block of
targets is fitted on a worker by the same OpenMP batch kernel as a local fit
(:func:`fastpen.enet_path` with a 2-D y, or :func:`fastpen.logistic_path` with a
2-D 0/1 y for many binary targets), on the worker's threads; so every target's
result is the one a local fit gives it.

Data movement, which is what limits the scale:

- X is scattered once, to every worker (``client.scatter(X, broadcast=True)``);
  every task refers to that copy, so X crosses the network once per worker,
  not once per task.  (A worker may deserialise it at an address that is not
  a multiple of 8; each task then fits an aligned copy, as the local fit
  would, so that its numbers are the local ones.)  Scattered data, unlike a
  task's result, cannot be recomputed, and the scheduler's active memory
  manager keeps fewer copies of data no task is waiting for (down to one);
  so if the last worker holding X dies, X is scattered again from here and
  the fit rerun (a future given as X cannot be: its loss raises).
- Y stays where it is: a Dask array chunked along targets (rows in one chunk);
  each task reads one chunk.
- A task sends back its block's results only: paths (n_alphas x block x p)
  or, in cross-validation, held-out errors (n_alphas x block).

Cross-validation runs (fold x l1_ratio x target block) tasks, then selects
each target's alpha and l1_ratio from the mean held-out error, and refits each
block on the whole data, distributed too: one task graph, so a block's refit
starts as soon as its own errors are in.  Dask reruns a task whose worker died
(its inputs are still on the others, or recomputed), so the result equals a
local fit.
"""
import contextlib
import math

import numpy as np

from . import _threads
from ._problem import PathResult
from ._validation import check_target_count

__all__ = ["enet_path", "lasso_path", "logistic_path", "cv_enet", "ElasticNetCV", "LassoCV"]


def _import_distributed():
    try:
        import dask.array  # noqa: F401 - the array extra must be there too
        import distributed
    except ImportError as exc:     # pragma: no cover - depends on the environment
        raise ImportError("fastpen.dask needs dask and distributed: "
                          "pip install 'fastpen[dask]'") from exc
    return distributed


def _client(client):
    distributed = _import_distributed()
    return client if client is not None else distributed.get_client()


@contextlib.contextmanager
def _task_threads(n_threads):
    """The threads of one task on a worker: ``n_threads`` if given; else the
    worker's thread count, shared by its tasks running at once through fastpen's
    leases (a worker of T threads runs up to T tasks: each starts with what the
    others leave, at least its own thread).  Yields the count the task holds."""
    limit = contextlib.nullcontext()
    if n_threads is None:
        try:
            from distributed import get_worker

            from threadpoolctl import threadpool_limits

            # distributed sets OMP_NUM_THREADS=1 in its workers; this thread may use T
            limit = threadpool_limits(limits=max(1, get_worker().state.nthreads),
                                      user_api="openmp")
        except (ImportError, ValueError, AttributeError):
            pass                    # not on a worker: fastpen's own default
    with limit, _threads.thread_lease(n_threads) as count:
        yield count


def _dense_x(X):
    """X as one in-memory array (NumPy or SciPy sparse): a Dask array is computed."""
    if hasattr(X, "dask") and hasattr(X, "compute"):
        X = X.compute()
    return X


def _target_blocks(Y, block_size, n_workers):
    """Y as a list of (start, stop, block): NumPy blocks, or delayed chunks of a Dask
    array (its rows in one chunk, its column chunks as the blocks)."""
    if hasattr(Y, "dask") and hasattr(Y, "to_delayed"):
        if Y.ndim != 2:
            raise ValueError(f"Y must be 2-dimensional, got shape {Y.shape}.")
        if block_size is not None:
            Y = Y.rechunk({0: -1, 1: block_size})
        elif len(Y.chunks[0]) > 1:
            Y = Y.rechunk({0: -1})
        blocks, start = [], 0
        for chunk, width in zip(Y.to_delayed()[0], Y.chunks[1]):
            blocks.append((start, start + width, chunk))
            start += width
        return blocks, Y.shape
    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(f"Y must be 2-dimensional, got shape {Y.shape}.")
    k = Y.shape[1]
    size = block_size or max(1, math.ceil(k / (4 * max(n_workers, 1))))
    return [(s, min(s + size, k), Y[:, s:s + size]) for s in range(0, k, size)], Y.shape


def _submit_blocks(client, blocks, shared=False):
    """Y's blocks as task arguments: a Dask chunk as the future of its computation
    (recomputed from its graph if its worker dies).  A NumPy block is sent with the
    task that reads it; with ``shared`` (several tasks read each block, as in
    cross-validation) it becomes the future of a task holding it, sent once and
    recomputable, not scattered data, which would die with its worker."""
    from dask.delayed import Delayed

    out = []
    for start, stop, block in blocks:
        if isinstance(block, Delayed):
            block = client.compute(block)
        elif shared:
            block = client.submit(_same_block, block, pure=False)
        out.append((start, stop, block))
    return out


def _same_block(block):
    return block


def _shape_dtype(X):
    return X.shape, X.dtype


def _plan_blocks(client, X, Y, block_size):
    """(client, X on the workers, X's shape and dtype, Y's column blocks, Y's shape),
    the shapes checked against each other."""
    client = _client(client)
    X, x_shape, x_dtype = _x_info(client, X)
    blocks, shape = _target_blocks(Y, _check_block_size(block_size),
                                   len(client.nthreads()))
    if shape[0] != x_shape[0]:
        raise ValueError(f"Y has {shape[0]} samples but X has {x_shape[0]}.")
    check_target_count(shape)
    return client, X, x_shape, x_dtype, blocks, shape


def _x_info(client, X):
    """(X in memory or its future, shape, dtype): a Dask array is computed; a future
    (``client.scatter(X, broadcast=True)``: many fits, one transfer) is kept."""
    from distributed import Future

    if isinstance(X, Future):
        if X.status == "cancelled":
            raise ValueError("X is a future whose data is no longer on the cluster (it was "
                             "cancelled, or scattered data lost with its workers): scatter "
                             "X again.")
        shape, dtype = client.submit(_shape_dtype, X, pure=False).result()
        return X, shape, dtype
    X = _dense_x(X)
    if getattr(X, "ndim", 2) != 2:
        raise ValueError(f"X must be 2-dimensional, got shape {np.shape(X)}.")
    return X, X.shape, X.dtype


_X_RESENDS = 2


def _broadcast_x(client, X):
    """X's future on every worker: X scattered to each once; a future given as X
    copied to the workers the memory manager has dropped it from since."""
    from distributed import Future

    if isinstance(X, Future):
        client.replicate([X])
        return X
    return client.scatter(X, broadcast=True, hash=False)


def _x_lost(client, X_future):
    """Whether X's data is gone for good: scattered data whose workers all died
    (the scheduler forgets it; a computed future would be recomputed instead)."""
    if X_future.status == "cancelled":
        return True
    return X_future.status == "finished" and not client.who_has([X_future]).get(X_future.key)


def _with_x(client, X, run):
    """``run(X_future, submit)`` with X on every worker; ``submit(func, *args)`` is
    ``client.submit(..., pure=False)``, and every task submitted so is cancelled if the
    fit fails.  Should it fail because the workers holding X all died (scattered data
    is not recomputed), X is scattered again and the fit rerun, at most
    ``_X_RESENDS`` times; a future given as X cannot be resent, so its loss raises."""
    from distributed import Future

    for attempt in range(_X_RESENDS + 1):
        X_future = _broadcast_x(client, X)
        submitted = []

        def submit(func, *args):
            submitted.append(client.submit(func, *args, pure=False))
            return submitted[-1]

        try:
            return run(X_future, submit)
        except Exception as exc:
            lost = _x_lost(client, X_future)
            client.cancel(submitted + ([] if isinstance(X, Future) else [X_future]))
            if not lost:
                raise
            why = (f"the workers holding X died during the fit ({type(exc).__name__}: "
                   f"{exc}); a task that kills its worker, out of memory for one, does "
                   f"this too (try a smaller block_size)")
            if isinstance(X, Future):
                raise RuntimeError(f"X's future was lost: {why}.  Scattered data cannot "
                                   f"be recomputed: scatter X again, or pass X "
                                   f"itself.") from exc
            if attempt == _X_RESENDS:
                raise RuntimeError(f"X was scattered {attempt + 1} times and lost each "
                                   f"time: {why}.") from exc


def _check_block_size(block_size):
    if block_size is not None and (isinstance(block_size, bool) or not isinstance(
            block_size, (int, np.integer)) or block_size < 1):
        raise ValueError(f"block_size must be a positive integer or None, got {block_size!r}.")
    return block_size


def _alpha_plan(kwargs, k):
    """(kwargs without the grid, the grid of targets [s:e], whether one grid serves
    all targets, the number of alphas), as the local enet_path reads alphas and
    n_alphas: an int, a 1-D grid, or one grid per target (k, m), checked here."""
    from ._validation import check_alphas, check_scalar, check_target_alphas, is_grid_size

    kwargs = dict(kwargs)
    alphas = kwargs.pop("alphas", 100)
    n_alphas = kwargs.pop("n_alphas", None)
    if n_alphas is not None:        # a count, never a grid (as in the local enet_path)
        alphas = check_scalar(n_alphas, "n_alphas", "int", low=1)
    if is_grid_size(alphas):
        return kwargs, (lambda s, e: alphas), False, int(alphas)
    if np.ndim(alphas) <= 1:
        grid = check_alphas(alphas)
        return kwargs, (lambda s, e: grid), True, grid.shape[0]
    grid = check_target_alphas(alphas, k)[0]
    return kwargs, (lambda s, e: grid[s:e]), False, grid.shape[1]


# ------------------------------------------------------------------ paths


def _path_block(X, Y, alphas, n_threads, kwargs, block):
    """The local fit of one block of targets, ``block`` = (its first target, all
    targets): as the whole fit would fit them (the Gram choice, random seeds)."""
    from ._path import enet_path as local_enet_path

    with _task_threads(n_threads) as count:
        return local_enet_path(X, Y, alphas=alphas, n_threads=count, _block=block,
                               **kwargs)._asdict()


def enet_path(X, Y, *, client=None, block_size=None, n_threads=None, compute=True, **kwargs):
    """Elastic-net paths of every column of Y, fitted block by block on a Dask cluster.

    Parameters
    ----------
    X : ndarray, sparse matrix, Dask array or distributed.Future
        (n_samples, n_features).  Sent once to every worker (a Dask array is
        computed first: X must fit in a worker's memory); a future of X
        scattered with ``broadcast=True`` serves many fits (copied again to the
        workers the memory manager dropped it from between fits; its loss with
        every worker holding it raises, as fastpen cannot resend it).
    Y : ndarray or Dask array of shape (n_samples, n_targets)
        A Dask array's column chunks are the blocks (its rows are put in one chunk).
    client : distributed.Client, optional
        Default: the current client.
    block_size : int, optional
        Targets per task (a Dask Y's chunks by default; for NumPy, about four
        blocks per worker).
    n_threads : int, optional
        Threads of each task; default: the worker's T threads, shared by the tasks
        it runs at once through fastpen's leases (at most 2T - 1 busy threads when
        T tasks start together, T once the first ones end).
    compute : bool, default=True
        True: a :class:`fastpen.PathResult` of NumPy arrays; False: the same of
        lazy Dask arrays, backed by the tasks' results on the workers (X is not
        kept to rerun them: if a worker holding one dies before they are
        computed, computing them raises).
    **kwargs
        Everything else :func:`fastpen.enet_path` takes (l1_ratio, alphas, eps,
        fit_intercept, sample_weight, tol, max_iter, penalty_factor, ...).

    Returns
    -------
    PathResult
        As :func:`fastpen.enet_path` with a 2-D y, targets in Y's order: coefs
        (n_alphas, n_targets, n_features), intercepts, dual_gaps, n_iter, df,
        dev_ratio (n_alphas, n_targets); alphas (n_alphas,) for a given grid,
        (n_targets, n_alphas) for automatic per-target grids.
    """
    client, X, x_shape, x_dtype, blocks, shape = _plan_blocks(client, X, Y, block_size)
    kwargs, grid_of, shared, m = _alpha_plan(kwargs, shape[1])
    y_blocks = _submit_blocks(client, blocks)

    def run(X_future, submit):
        futures = [(start, stop, submit(_path_block, X_future, block, grid_of(start, stop),
                                        n_threads, kwargs, (start, shape[1])))
                   for start, stop, block in y_blocks]
        if not compute:
            return _lazy(futures, x_shape, x_dtype, m, grid_of(0, shape[1]) if shared else None)
        return _concatenate(client.gather([f for _, _, f in futures]), shared)

    return _with_x(client, X, run)


def lasso_path(X, Y, **kwargs):
    """:func:`enet_path` with ``l1_ratio=1`` (which it does not take, as
    :func:`fastpen.lasso_path`)."""
    if "l1_ratio" in kwargs:
        raise TypeError("lasso_path() got an unexpected keyword argument 'l1_ratio'")
    return enet_path(X, Y, l1_ratio=1.0, **kwargs)


def _concatenate(parts, shared_alphas, result=PathResult):
    """One ``result`` (PathResult or LogisticPathResult) from the blocks' (in target
    order)."""
    fields = {}
    for name in result._fields:
        arrays = [p[name] for p in parts]
        if name == "alphas":
            fields[name] = arrays[0] if shared_alphas else np.concatenate(arrays, axis=0)
        elif name == "classes":
            fields[name] = arrays[0]
        else:
            fields[name] = np.concatenate(arrays, axis=1)
    return result(**fields)


def _lazy(futures, x_shape, x_dtype, m, shared_grid, logistic=False):
    import dask.array as da
    from dask import delayed

    p = x_shape[1]
    dtype = np.float32 if x_dtype == np.float32 else np.float64
    # the dtypes the local fits return: logistic intercepts are float64 whatever X's
    # type, its sweep counts C ints
    per_field = {
        "coefs": lambda kb: ((m, kb, p), dtype),
        "intercepts": lambda kb: ((m, kb), np.float64 if logistic else dtype),
        "dual_gaps": lambda kb: ((m, kb), np.float64),
        "n_iter": lambda kb: ((m, kb), np.intc if logistic else np.intp),
        "df": lambda kb: ((m, kb), np.intp),
        "dev_ratio": lambda kb: ((m, kb), np.float64),
    }
    fields = {}
    for name, spec in per_field.items():
        chunks = []
        for start, stop, fut in futures:
            shape, dt = spec(stop - start)
            chunks.append(da.from_delayed(delayed(_field)(fut, name), shape=shape, dtype=dt))
        fields[name] = da.concatenate(chunks, axis=1)
    if shared_grid is not None:
        fields["alphas"] = shared_grid                 # checked: sorted decreasingly
    else:
        fields["alphas"] = da.concatenate(
            [da.from_delayed(delayed(_field)(fut, "alphas"), shape=(stop - start, m),
                             dtype=np.float64) for start, stop, fut in futures], axis=0)
    if logistic:
        from ._logistic import LogisticPathResult

        return LogisticPathResult(classes=np.array([0, 1]), **fields)
    return PathResult(**fields)


def _field(result, name):
    return result[name]


# ------------------------------------------------------------------ logistic


def _logistic_block(X, Y, alphas, coef_init, n_threads, kwargs, span):
    """The local logistic fit of one block of binary targets (columns ``span`` =
    (first, last + 1) of the whole Y): each target's path depends on that target
    alone, as in the local fit of all of them."""
    from ._logistic import logistic_path as local_logistic_path

    with _task_threads(n_threads) as count:
        try:
            out = local_logistic_path(X, np.asarray(Y), alphas=alphas, coef_init=coef_init,
                                      n_threads=count, **kwargs)._asdict()
        except ValueError as exc:
            # the local messages count the block's columns: say which block it was
            raise ValueError(f"columns {span[0]} to {span[1] - 1} of Y: {exc}") from None
    # the nonzero counts in the layout of every other field, (n_alphas, block)
    out["df"] = (out["coefs"] != 0).sum(axis=2)
    return out


def logistic_path(X, Y, *, client=None, block_size=None, n_threads=None, compute=True,
                  **kwargs):
    """Penalised logistic regression paths of many binary targets (the 0/1 columns of
    Y), fitted block by block on a Dask cluster.

    Each block is one local :func:`fastpen.logistic_path` call with a 2-D y on a
    worker; a target's path depends on that target alone, so the result is that
    of one local call on the whole Y.

    Parameters
    ----------
    X : ndarray, sparse matrix, Dask array or distributed.Future
        (n_samples, n_features), sent once to every worker (as in :func:`enet_path`).
    Y : ndarray or Dask array of shape (n_samples, n_targets)
        0/1 (or boolean) entries, one binary target per column; a Dask array's
        column chunks are the blocks.
    client, block_size, n_threads, compute
        As in :func:`enet_path`.
    **kwargs
        Everything else :func:`fastpen.logistic_path` takes (l1_ratio, alphas: a
        count or one grid for all targets, eps, fit_intercept, sample_weight, tol,
        max_iter, penalty_factor, exclude, bounds, standardize, coef_init:
        (n_features,) or (n_targets, n_features)).  ``family`` may only be
        'auto' or 'binomial': the columns are binary targets.

    Returns
    -------
    LogisticPathResult
        As :func:`fastpen.logistic_path` with a 2-D y: coefs (n_alphas, n_targets,
        n_features), intercepts, dual_gaps, n_iter, df, dev_ratio (n_alphas,
        n_targets); alphas (n_alphas,) for a given grid, (n_targets, n_alphas)
        for the automatic per-target grids; classes ``[0, 1]``.
    """
    from ._validation import check_alphas, is_grid_size

    family = kwargs.pop("family", "auto")
    if family not in ("auto", "binomial"):
        raise ValueError(f"fastpen.dask.logistic_path fits binary targets (the columns of "
                         f"Y): family must be 'auto' or 'binomial', got {family!r}.")
    client, X, x_shape, x_dtype, blocks, shape = _plan_blocks(client, X, Y, block_size)
    alphas = kwargs.pop("alphas", 100)
    shared = not is_grid_size(alphas)
    if shared:
        alphas = check_alphas(alphas)
    m = alphas.shape[0] if shared else int(alphas)
    coef_init = kwargs.pop("coef_init", None)
    per_target_init = coef_init is not None and np.ndim(coef_init) == 2
    if per_target_init and np.shape(coef_init)[0] != shape[1]:
        raise ValueError(f"coef_init must have shape ({shape[1]}, {x_shape[1]}) (a row per "
                         f"target) or ({x_shape[1]},), got {np.shape(coef_init)}.")
    y_blocks = _submit_blocks(client, blocks)

    def run(X_future, submit):
        futures = [(start, stop, submit(
            _logistic_block, X_future, block, alphas,
            np.asarray(coef_init)[start:stop] if per_target_init else coef_init,
            n_threads, kwargs, (start, stop)))
            for start, stop, block in y_blocks]
        if not compute:
            return _lazy(futures, x_shape, x_dtype, m, alphas if shared else None,
                         logistic=True)
        from ._logistic import LogisticPathResult

        return _concatenate(client.gather([f for _, _, f in futures]), shared,
                            LogisticPathResult)

    return _with_x(client, X, run)


# ------------------------------------------------------------------ CV


def _grid_block(X, Y, kwargs, n_threads):
    from ._cv import target_grids

    with _task_threads(n_threads) as count:
        return target_grids(X, Y, n_threads=count, **kwargs)


def _cv_block(X, Y, fold, l1_ratio, grids, whole, kwargs, n_threads):
    """Held-out errors (m, k_b) of one fold, one l1_ratio, one block of targets;
    ``whole``: the whole CV's (l1_ratios, folds, targets), as a local call sees them."""
    from ._cv import cv_paths

    with _task_threads(n_threads) as count:
        cvp = cv_paths(X, Y, [fold], l1_ratios=[l1_ratio], grids=grids[None],
                       whole=whole, solver=_solver(kwargs, count), **_cv_options(kwargs))
    return cvp.mse[0, :, 0, :]


def _refit_block(X, Y, choice, n_fits, kwargs, n_threads):
    from ._cv import CVPaths, refit, whole_data

    options = _cv_options(kwargs)
    with _task_threads(n_threads) as count:
        solver = _solver(kwargs, count)
        Xc, Yc, _, _, full = whole_data(X, Y, options["sample_weight"],
                                        options["fit_intercept"], solver.n_threads,
                                        options["penalty"])
        return refit(CVPaths(None, None, full, Xc, Yc), choice["alpha"],
                     choice["l1_ratio"], solver, options["precompute"], n_fits=n_fits)


def _solver(kwargs, n_threads):
    from ._problem import SolverOptions

    return SolverOptions.check(tol=kwargs.get("tol", 1e-4), max_iter=kwargs.get("max_iter", 1000),
                               n_threads=n_threads, positive=kwargs.get("positive", False))


def _cv_options(kwargs):
    return dict(fit_intercept=kwargs.get("fit_intercept", True),
                sample_weight=kwargs.get("sample_weight"),
                penalty=dict(penalty_factor=kwargs.get("penalty_factor"),
                             positive=kwargs.get("positive", False)),
                precompute=kwargs.get("precompute", "auto"))


def cv_enet(X, Y, *, client=None, cv=5, l1_ratio=0.5, alphas=100, eps=1e-3,
            fit_intercept=True, sample_weight=None, tol=1e-4, max_iter=1000,
            positive=False, penalty_factor=None, precompute="auto", block_size=None,
            n_threads=None):
    """Cross-validated elastic net of every column of Y on a Dask cluster, each target
    choosing its own alpha and l1_ratio (the smallest mean held-out MSE).

    Runs, on the workers: each block's grids (from the whole data, as a local
    fit makes them); one task per (fold, l1_ratio, block) for the held-out
    errors; the refit of each block at its chosen penalties.

    Parameters
    ----------
    X, Y, client, block_size, n_threads
        As in :func:`fastpen.dask.enet_path`.
    cv : int, scikit-learn splitter or iterable of (train, test), default=5
        The folds, shared by every target.
    l1_ratio, alphas, eps, fit_intercept, sample_weight, tol, max_iter, positive, \
penalty_factor, precompute
        As in :class:`fastpen.ElasticNetCV` (``l1_ratio`` a float or a list).

    Returns
    -------
    dict of NumPy arrays
        Targets in Y's order: ``coef`` (k, p), ``intercept`` (k,), ``alpha`` (k,),
        ``alpha_1se`` (k,), ``l1_ratio`` (k,), ``mse_path`` (L, m, F, k), ``alphas``
        (L, k, m), ``dual_gap`` (k,), ``n_iter`` (k,), ``l1_index`` and
        ``alpha_index`` (k,) (the choices' places in ``l1_ratio`` and the grids),
        ``at_smallest`` and ``at_largest`` (k,) bool: the targets whose alpha is at
        that end of its grid with the CV error still falling there, for which one
        :class:`fastpen.GridEdgeWarning` is issued (never the largest alpha of an
        automatic grid, alpha_max).
    """
    from sklearn.model_selection import check_cv

    from ._cv import check_folds, check_l1_ratios

    client = _client(client)
    X, x_shape, _ = _x_info(client, X)
    n = x_shape[0]
    l1_ratios = check_l1_ratios(l1_ratio)
    folds = check_folds(check_cv(cv).split(np.zeros((n, 1))), n)
    if len(folds) < 2:
        raise ValueError(f"Cross-validation needs at least 2 folds, got {len(folds)}.")
    n_workers = len(client.nthreads())
    blocks, shape = _target_blocks(Y, _check_block_size(block_size), n_workers)
    if shape[0] != n:
        raise ValueError(f"Y has {shape[0]} samples but X has {n}.")
    check_target_count(shape)
    whole = (l1_ratios.size, len(folds), shape[1])
    kwargs = dict(tol=tol, max_iter=max_iter, positive=positive, fit_intercept=fit_intercept,
                  sample_weight=sample_weight, penalty_factor=penalty_factor,
                  precompute=precompute)
    grid_options = dict(l1_ratios=l1_ratios, alphas=alphas, eps=eps,
                        fit_intercept=fit_intercept, sample_weight=sample_weight,
                        penalty=dict(penalty_factor=penalty_factor, positive=positive))
    y_blocks = _submit_blocks(client, blocks, shared=True)

    def run(X_future, submit):
        # one graph per block: grids -> (l1_ratio x fold) errors -> choice -> refit, so
        # the driver waits on nothing before the end (and X always has tasks waiting)
        chosen, refits = [], []
        for _, _, yb in y_blocks:
            grid = submit(_grid_block, X_future, yb, grid_options, n_threads)
            errors = [[submit(_cv_block, X_future, yb, fold, float(l1), row, whole, kwargs,
                              n_threads)
                       for fold in folds]
                      for l1, row in ((l1, submit(_row, grid, li))
                                      for li, l1 in enumerate(l1_ratios))]
            choice = submit(_choose_block, grid, errors, l1_ratios)
            chosen.append(choice)
            refits.append(submit(_refit_block, X_future, yb, choice, shape[1], kwargs,
                                 n_threads))
        return client.gather(chosen), client.gather(refits)

    chosen, parts = _with_x(client, X, run)
    out = {name: np.concatenate([c[name] for c in chosen], axis=axis)
           for name, axis in (("alpha", 0), ("alpha_1se", 0), ("l1_ratio", 0),
                              ("mse_path", 3), ("alphas", 1), ("l1_index", 0),
                              ("alpha_index", 0))}
    out.update(coef=np.concatenate([p[0] for p in parts]),
               intercept=np.concatenate([p[1] for p in parts]),
               dual_gap=np.concatenate([p[2] for p in parts]),
               n_iter=np.concatenate([p[3] for p in parts]))
    out["at_smallest"], out["at_largest"] = _edges(out, alphas, eps)
    return out


def _edges(out, alphas, eps):
    """Which targets' alphas sit at an end of their grid (fastpen._cv.grid_edges), with
    one GridEdgeWarning for all of them, issued here, on the client (a warning in a
    task would stay in the worker's log)."""
    from ._cv import enet_lower_hint, fold_mean_se, grid_edges, warn_grid_edge
    from ._validation import is_grid_size

    li, ai = out["l1_index"], out["alpha_index"]
    targets = np.arange(li.size)
    mean = fold_mean_se(out["mse_path"])[0]                 # (L, m, k)
    automatic = is_grid_size(alphas)
    at_low, at_high = grid_edges(out["alphas"][li, targets], mean[li, :, targets], ai,
                                 largest_is_null=automatic,
                                 null_fit=~np.any(out["coef"] != 0, axis=1))
    warn_grid_edge(at_low, at_high, out["alpha"], lower_hint=enet_lower_hint(alphas, eps))
    return at_low, at_high


def _choose_block(grids, errors, l1_ratios):
    """Each target's alpha and l1_ratio in one block, from its held-out errors
    (``errors[l][f]``: (m, k_b)) and grids (L, k_b, m); with ``mse_path`` (L, m, F, k_b)
    and the grids."""
    from ._cv import select_alpha

    mse = np.stack([np.stack(per_fold, axis=1) for per_fold in errors])
    li, ai, one = select_alpha(mse, True)
    targets = np.arange(grids.shape[1])
    return dict(alpha=grids[li, targets, ai], alpha_1se=grids[li, targets, one],
                l1_ratio=l1_ratios[li], mse_path=mse, alphas=grids, l1_index=li,
                alpha_index=ai)


def _row(grids, li):
    """The grids of one l1_ratio (a task, so the CV tasks wait on it, not the driver)."""
    return grids[li]


# ------------------------------------------------------------------ estimators


class ElasticNetCV:
    """Cross-validated elastic net of many targets on a Dask cluster (:func:`cv_enet`);
    each target chooses its own alpha and l1_ratio.

    Parameters are those of :func:`cv_enet`; ``fit(X, Y)`` takes Y of shape
    (n_samples, n_targets), NumPy or Dask.  The attributes after ``fit`` are those
    of :class:`fastpen.ElasticNetCV` with ``alpha_per_target=True``, in the same
    layouts: ``coef_``, ``intercept_``, ``alpha_``, ``alpha_1se_``, ``l1_ratio_``,
    ``mse_path_``, ``alphas_``, ``dual_gap_``, ``n_iter_``, ``n_features_in_``.
    """

    _l1_fixed = None

    def __init__(self, *, client=None, cv=5, l1_ratio=0.5, alphas=100, eps=1e-3,
                 fit_intercept=True, tol=1e-4, max_iter=1000, positive=False,
                 penalty_factor=None, precompute="auto", block_size=None, n_threads=None):
        self.client, self.cv, self.l1_ratio, self.alphas = client, cv, l1_ratio, alphas
        self.eps, self.fit_intercept, self.tol, self.max_iter = eps, fit_intercept, tol, max_iter
        self.positive, self.penalty_factor, self.precompute = positive, penalty_factor, precompute
        self.block_size, self.n_threads = block_size, n_threads

    def fit(self, X, Y, sample_weight=None):
        l1 = self.l1_ratio if self._l1_fixed is None else self._l1_fixed
        out = cv_enet(X, Y, client=self.client, cv=self.cv, l1_ratio=l1,
                      alphas=self.alphas, eps=self.eps, fit_intercept=self.fit_intercept,
                      sample_weight=sample_weight, tol=self.tol, max_iter=self.max_iter,
                      positive=self.positive, penalty_factor=self.penalty_factor,
                      precompute=self.precompute, block_size=self.block_size,
                      n_threads=self.n_threads)
        # the local ElasticNetCV(alpha_per_target=True)'s layouts: (L, m, k) grids and
        # (L, m, F, k) errors, the l1_ratio axis dropped for a single l1_ratio and the
        # target axis for a single target
        k = out["coef"].shape[0]
        one_l1 = np.ndim(l1) == 0 or np.size(l1) == 1
        grids = out["alphas"].transpose(0, 2, 1)
        mse = out["mse_path"]
        if k == 1:
            grids, mse = grids[..., 0], mse[..., 0]
        self.alphas_ = grids[0] if one_l1 else grids
        self.mse_path_ = mse[0] if one_l1 else mse
        self.alpha_, self.alpha_1se_ = out["alpha"], out["alpha_1se"]
        self.l1_ratio_ = out["l1_ratio"]
        self.coef_ = out["coef"]
        self.intercept_ = out["intercept"] if self.fit_intercept else 0.0
        self.dual_gap_ = out["dual_gap"]
        self.n_iter_ = [int(i) for i in out["n_iter"]]
        self.n_features_in_ = self.coef_.shape[1]
        return self

    def predict(self, X):
        """``X @ coef_.T + intercept_``, shape (n_samples, n_targets) (X NumPy, sparse or
        a Dask array, computed).

        Raises scikit-learn's ``NotFittedError`` before ``fit`` and a ``ValueError``
        naming both feature counts when X's differs from the fitted one's.
        """
        from sklearn.exceptions import NotFittedError

        if not hasattr(self, "coef_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. "
                                 "Call 'fit' with appropriate arguments before using this "
                                 "estimator.")
        X = _dense_x(X)
        if not hasattr(X, "shape"):
            X = np.asarray(X)
        if len(X.shape) != 2:
            raise ValueError(f"X must be 2-dimensional, got shape {X.shape}.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")
        return np.asarray(X @ self.coef_.T) + self.intercept_


class LassoCV(ElasticNetCV):
    """:class:`ElasticNetCV` with ``l1_ratio=1``."""

    _l1_fixed = 1.0
