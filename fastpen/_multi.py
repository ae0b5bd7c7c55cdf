"""Many elastic-net paths on one design in one parallel call (the batch layer).

A *group* is one weighting of the rows of X -- the user's sample weights, or
a cross-validation fold's training rows (the held-out rows get weight 0, so X
is never copied per fold) -- with the statistics the kernels need under it.
A *problem* is one target fitted under one group along its own alpha
sequence.  :func:`run_paths` hands all problems to ``fastpen._batch`` in
chunks, between which progress is reported and Ctrl-C is honoured.
:func:`target_paths` is :func:`fastpen.enet_path`: a 1-D y is a batch of one
target, so a single fit and column t of a multi-target fit run the same
kernel calls in the same order (bitwise the same results).

Below this layer: :mod:`fastpen._problem` (validation, statistics, grids) and
:mod:`fastpen._gram` (Gram matrices); above it :mod:`fastpen._path`,
:mod:`fastpen._glmnet` and :mod:`fastpen._cv`.
"""
import dataclasses
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import _batch
from ._batch_args import (
    BatchBounds,
    BatchGroups,
    BatchOptions,
    BatchProblems,
    BatchResults,
    HeldOutRows,
    KnownSolutions,
    UnpenalizedBlock,
)
from ._gram import (
    blas_single_threaded,
    blocked_gram,
    check_gram,
    direct_gram,
    gram_matrix,
    use_gram,
)
from ._penalty import make_penalty
from ._problem import (
    PathResult,
    Problem,
    alpha_grid,
    check_alpha_max,
    check_grid_possible,
    check_inputs,
    column_stats,
    fit_unpenalized,
    penalty_block,
    unpenalized_block,
    warn_batch_unconverged,
    warn_path_unconverged,
)
from ._threads import blas_limited
from ._warnings import warn
from ._validation import (
    ScaleError,
    check_coef_init,
    check_target_alphas,
    issparse,
    kernel_csc,
)

_EMPTY = np.empty(0)
_GRAM, _DENSE, _SPARSE = 0, 1, 2
# Chunks of problems between two returns to Python are sized to take about this
# long (progress reports, Ctrl-C); the results do not depend on the chunking.
_CHUNK_SECONDS = 1.0


@dataclass
class Group:
    """A weighting of the rows of X and what the kernels need under it."""

    prob: Problem              # design statistics (its y_c is None)
    pen: object                 # fastpen._penalty.Penalty
    y_mean: np.ndarray          # (k,) weighted target means (0 without intercept)
    test_rows: np.ndarray       # held-out rows (int32), empty for none
    test_w: np.ndarray          # their weights in the held-out error
    Y: np.ndarray = None        # the targets the statistics are of
    xty: np.ndarray = None      # (k, p) X~^T S (Y - y_mean) once computed (centred_products)
    # (1, p) for one target on dense X: the same numbers as the kernels' own first scan
    # (their dot, bitwise), computed beside the column statistics; a warm start only
    scan0: np.ndarray = None


# Every statistic of a target (its mean, X~^T S y_c, hence its alpha_max and
# grid, and its Gram-mode right-hand side) is computed from that target alone,
# in a fixed order (fastpen._batch.target_means and target_products), never by
# a BLAS product or a NumPy reduction over Y whose rounding follows Y's shape
# and memory layout: a last-bit change there moves the alpha grid, and at the
# default tol the fits then stop at other iterations, a tolerance-sized
# difference (issue 17).  So a target's path is the same, bitwise, whatever
# the other targets, the blocks they are fitted in (fastpen.dask), the layout
# of Y and the thread count.


def make_group(X, Y, *, sw, fit_intercept, n_threads, penalty, test_rows=None, test_w=None):
    """Statistics of X and the targets Y (n, k) under weights ``sw`` (summing to n, or empty).

    ``penalty``: keyword arguments of :func:`fastpen._penalty.make_penalty`.
    ``test_rows``, ``test_w``: the group's held-out rows and their weights in
    the held-out error (a cross-validation fold's), none by default.  The
    targets' X~^T S y_c are computed when needed (:func:`centred_products`),
    by one blocked product whose rows do not depend on the other targets: a
    lone target's sum beside the column statistics would round differently
    from a batch's (issue 17: a target's path must not depend on its batch),
    and per-target sums cost three times the blocked product for 200 targets.
    """
    if fit_intercept:
        y_mean = _batch.target_means(_rows_of(Y), sw, n_threads)
    else:
        y_mean = np.zeros(Y.shape[1])
    scan0 = None
    if Y.shape[1] == 1 and not issparse(X):
        # the first scan of a fit from w = 0, read while each column is in cache: one
        # pass over X for both (the kernel then skips its own scan, which it equals)
        x_mean, x_norm2, first = column_stats(X, sw, fit_intercept, n_threads,
                                              _rows_of(Y)[0] - y_mean[0])
        scan0 = first[None]
    else:
        x_mean, x_norm2, _ = column_stats(X, sw, fit_intercept, n_threads)
    prob = Problem.shared_design(X, sw=sw, x_mean=x_mean, x_norm2=x_norm2,
                                 fit_intercept=fit_intercept)
    if test_rows is None:
        test_rows, test_w = np.empty(0, dtype=np.intc), _EMPTY
    return Group(prob, make_penalty(prob, **penalty), y_mean,
                 np.ascontiguousarray(test_rows, dtype=np.intc),
                 np.ascontiguousarray(test_w, dtype=np.float64), Y=Y, scan0=scan0)


def _rows_of(Y):
    """Y (n, k) as (k, n) float64 rows: a view when Y is in Fortran order."""
    return np.ascontiguousarray(Y.T, dtype=np.float64)


def target_products(prob, Y, y_mean, n_threads):
    """(k, p): row c is X~^T S (Y[:, c] - y_mean[c]), from that target alone
    (fastpen._batch.target_products)."""
    if prob.sparse:
        data, indices, indptr = kernel_csc(prob.X)
        return _batch.sparse_target_products(data, indices, indptr, _rows_of(Y), y_mean,
                                             prob.sw, prob.x_mean, n_threads)
    return _batch.target_products(prob.X, _rows_of(Y), y_mean, prob.sw, prob.x_mean,
                                  n_threads)


def centred_products(group, Y, n_threads):
    """(k, p) X~^T S (Y - y_mean), row c for target c: computed once per group and
    kept when ``Y`` is the group's own targets (the grid and the Gram mode's
    right-hand sides both need it)."""
    if Y is group.Y and group.xty is not None:
        return group.xty
    GT = target_products(group.prob, Y, group.y_mean, n_threads)
    if Y is group.Y:
        group.xty = GT
    return GT


def targets_unpenalized_fit(group, Y):
    """W0 (k, p): row c fits the unpenalised features alone to target c (within their
    constraints), zeros elsewhere: each target's solution at and above its alpha_max."""
    prob, pen = group.prob, group.pen
    W0 = np.zeros((Y.shape[1], prob.x_norm2.shape[0]))
    if pen.unpenalized.any():
        Yc = Y - group.y_mean
        for c in range(Y.shape[1]):     # per target: constrained fits take one rhs
            W0[c] = fit_unpenalized(prob, pen, np.ascontiguousarray(Yc[:, c]))
    return W0


def targets_gradient(group, Y, n_threads=1, W0=None):
    """GT (k, p): row c is X~^T S (y_c - y_mean_c - X~ w0_c), where w0_c = W0[c] fits
    the unpenalised features alone to target c (:func:`targets_unpenalized_fit`,
    computed when not given; w0 = 0 without unpenalised features)."""
    prob, pen = group.prob, group.pen
    cols = np.flatnonzero(pen.unpenalized)
    if not cols.size:
        return centred_products(group, Y, n_threads)
    W0 = targets_unpenalized_fit(group, Y) if W0 is None else W0
    Yc = np.asfortranarray(Y - group.y_mean)
    Xu = prob.columns_centered(cols)
    for c in range(Y.shape[1]):     # one product per target: rounding independent of k
        Yc[:, c] -= Xu @ W0[c, cols]
    return target_products(prob, Yc, np.zeros(Y.shape[1]), n_threads)


def targets_alpha_max(group, Y, l1_ratio, n_threads=1, W0=None):
    """Per target, the smallest alpha at which every penalised coefficient is zero
    (``W0``: the targets' :func:`targets_unpenalized_fit`, computed when not given)."""
    pen = group.pen
    penalised = pen.active & (pen.l1 > 0)
    if not penalised.any():             # no feature of X varies: nothing to fit
        return np.zeros(Y.shape[1])
    GT = targets_gradient(group, Y, n_threads=n_threads, W0=W0)
    g = np.stack([pen.feasible_gradient(GT[c]) for c in range(GT.shape[0])])
    with np.errstate(over="ignore", divide="ignore"):
        ratio = g[:, penalised] / pen.l1[penalised]
        top = ratio.max(axis=1) / (group.prob.n_samples * l1_ratio)
    return check_alpha_max(top)


@dataclass
class PathsResult:
    """Per problem (rows) and alpha (columns); coefs (n_alphas, n_problems, p) if stored."""

    coefs: np.ndarray
    gaps: np.ndarray
    r_norm2: np.ndarray
    n_iter: np.ndarray
    test_err: np.ndarray
    tol_abs: np.ndarray         # (n_problems,)
    y_norm2: np.ndarray         # (n_problems,)
    df: np.ndarray = None       # nonzero coefficients, -1: not finite (if stored)
    intercepts: np.ndarray = None   # y_mean - x_mean^T w (if stored)


def _block_of(blocks):
    """One UnpenalizedBlock from the groups' (indices, matrix, boxed), or None when
    empty; the indices must be the same in every group."""
    uidx = blocks[0][0]
    if any(not np.array_equal(b[0], uidx) for b in blocks):
        raise ValueError("The unpenalised features must be non-constant in every fold "
                         "(a fold left one of them constant); use fewer folds.")
    if not uidx.size:
        return None
    return UnpenalizedBlock(uidx, np.ascontiguousarray(np.stack([b[1] for b in blocks])),
                            blocks[0][2])


def _stack(arrays, p):
    """Rows of a (n_groups, p) array, or (n_groups, 0) when every entry is None/empty."""
    if all(a is None or a.size == 0 for a in arrays):
        return np.empty((len(arrays), 0))
    if len(arrays) == 1:    # one group (every fit): a view, no copy of p entries
        return np.ascontiguousarray(np.broadcast_to(arrays[0], (p,)), dtype=np.float64)[None]
    return np.ascontiguousarray(np.stack([np.broadcast_to(a, (p,)) for a in arrays]),
                                dtype=np.float64)


def _gram_stack(groups, precompute, n_threads):
    """(n_groups, p, p) float64 Gram matrices, the user's when given (one group)."""
    if isinstance(precompute, (str, bool, np.bool_)) or precompute is None:
        if len(groups) == 1:
            # one design (a fit, 1-D or 2-D): one DSYRK of X, the fastest build on
            # any thread count (blocked_gram's blocks cost 25-38 % more on one thread)
            return gram_matrix(groups[0].prob)[0][None]
        return np.stack([blocked_gram(g.prob, n_threads) if direct_gram(g.prob)
                         else gram_matrix(g.prob)[0] for g in groups])
    Q = check_gram(groups[0].prob, precompute)    # one group: cv_paths refuses a Gram
    return Q[None]                                # float32 stays float32 (check_gram)


def run_paths(X, Y, groups, *, group, target, a, b, solver, gram=False, precompute=None,
              coef_init=None, store=True, verbose=False, known=None, least_squares=False):
    """Solve every problem's path; see :class:`PathsResult`.

    Problem t fits target ``Y[:, target[t]]`` under ``groups[group[t]]`` with
    per-sum strengths ``a[t]``, ``b[t]`` (alphas in order, warm-started),
    stopping at a gap of ``solver.tol`` times its y_c^T S y_c.  ``gram``: solve
    from each group's Gram matrix (``precompute``: how to get it).
    ``coef_init``: the starting coefficients of every problem, (p,) or (P, p).
    ``store``: keep every alpha's coefficients (cross-validation needs only the
    held-out errors), with their counts and intercepts.  ``known``: a
    :class:`fastpen._batch_args.KnownSolutions` (fits only certified).
    ``least_squares``: the grids hold alpha = 0, solved with the exact block of
    all features.  On X, a problem starting from w = 0 starts from its group's
    X~^T S y_c when the group has it (``Group.xty``).
    """
    n, p = X.shape
    group = np.ascontiguousarray(group, dtype=np.intc)
    target = np.ascontiguousarray(target, dtype=np.intc)
    A = np.ascontiguousarray(a, dtype=np.float64)
    B = np.ascontiguousarray(b, dtype=np.float64)
    P, M = A.shape
    pens = [g.pen for g in groups]
    blocks = [penalty_block(g.prob, g.pen) for g in groups]
    unpenalized = _block_of(blocks)
    ls_block = None
    if least_squares:
        ls_block = _block_of([unpenalized_block(g.prob, np.flatnonzero(g.pen.active),
                                                g.pen.constrained(np.flatnonzero(g.pen.active)))
                              for g in groups]) or UnpenalizedBlock.none()
    test = any(g.test_rows.size for g in groups)
    held_out = HeldOutRows(
        np.concatenate([[0], np.cumsum([g.test_rows.size for g in groups])]).astype(np.intc),
        np.concatenate([g.test_rows for g in groups]).astype(np.intc),
        np.concatenate([g.test_w for g in groups])) if test else None
    W = (np.zeros((P, p)) if coef_init is None
         else np.array(np.broadcast_to(coef_init, (P, p)), dtype=np.float64, order="C"))
    out = PathsResult(
        coefs=(np.zeros((M, P, p), dtype=X.dtype) if store
               else np.empty((0, 0, 0), dtype=X.dtype)),
        gaps=np.empty((P, M)), r_norm2=np.empty((P, M)),
        n_iter=np.empty((P, M), dtype=np.intc),
        test_err=np.empty((P, M) if test else (0, 0)), tol_abs=np.empty(P),
        y_norm2=np.empty(P), df=np.empty((P, M), dtype=np.intc) if store else None,
        intercepts=np.empty((P, M)) if store else None)
    Q = QY = None
    kind = _SPARSE if issparse(X) else _DENSE
    if gram and test and issparse(X):
        gram = False          # held-out errors in Gram mode read dense X
    if gram:
        kind = _GRAM
        Q = _gram_stack(groups, precompute, solver.n_threads)
    # the right-hand sides in Gram mode; on X, the first scan of the paths from w = 0
    # where every group has it
    if gram or all(Y is g.Y and g.xty is not None for g in groups):
        QY = np.empty((P, p))
        for gi, g in enumerate(groups):
            mine = np.flatnonzero(group == gi)
            if mine.size == 0:
                continue
            cols = np.unique(target[mine])
            if cols.size == Y.shape[1] or (Y is g.Y and g.xty is not None):
                GT = centred_products(g, Y, solver.n_threads)
                if mine.size == P and np.array_equal(target, np.arange(P)):
                    QY = GT                                # the usual case: no copy
                else:
                    QY[mine] = GT[target[mine]]
            else:
                QY[mine] = target_products(g.prob, Y[:, cols], g.y_mean[cols],
                                           solver.n_threads)[np.searchsorted(cols, target[mine])]
    elif all(Y is g.Y and g.scan0 is not None for g in groups):
        QY = np.ascontiguousarray(np.stack([groups[gi].scan0[target[t]]
                                            for t, gi in enumerate(group)]))
    batch = _batch.PathBatch(
        groups=BatchGroups(
            target_means=np.ascontiguousarray([g.y_mean for g in groups]),
            sample_weight=_stack([g.prob.sw for g in groups], n),
            x_mean=_stack([g.prob.x_mean for g in groups], p),
            # in Gram mode the curvatures are the Gram matrices' own diagonals
            x_norm2=_stack([pen.x_norm2 if Q is None else
                            np.where(pen.active, np.maximum(np.diagonal(Q[i]), 0.0), 0.0)
                            for i, pen in enumerate(pens)], p),
            l1_factor=_stack([pen.l1 for pen in pens], p),
            l2_factor=_stack([pen.l2 for pen in pens], p)),
        problems=BatchProblems(
            targets=np.ascontiguousarray(Y.T, dtype=np.float64), group=group, target=target,
            a=A, b=B, tol=np.full(P, float(solver.tol)),
            xty=QY if QY is not None else np.empty((0, p)), coef=W),
        results=BatchResults(y_norm2=out.y_norm2, gaps=out.gaps, r_norm2=out.r_norm2,
                             n_iter=out.n_iter, test_err=out.test_err, df=out.df,
                             intercepts=out.intercepts),
        held_out=held_out, unpenalized=unpenalized, known=known, least_squares=ls_block,
        bounds=BatchBounds(pens[0].lower, pens[0].upper) if pens[0].boxed else None,
        options=BatchOptions(max_iter=solver.max_iter, positive=solver.positive,
                             random=solver.random, seed=solver.seed))
    if issparse(X):
        Xd = np.empty((0, 0), dtype=X.dtype, order="F")
        data, indices, indptr = kernel_csc(X)
    else:
        Xd = X
        data = np.empty(0, dtype=X.dtype)
        indices, indptr = np.zeros(1, dtype=np.intc), np.zeros(1, dtype=np.intp)
    Qarg = Q if Q is not None else np.empty((0, 0, 0))
    nt = solver.n_threads
    progress = _Progress(P, verbose)
    # the dense kernel's working-set Gram matrices call BLAS from every thread
    with blas_limited(True):
        # the first chunk is one problem a thread (an early progress report and
        # Ctrl-C check even when a few long paths are all there is); then chunks of
        # about _CHUNK_SECONDS, whole rounds of the threads (each ends with a barrier)
        done, chunk = 0, max(nt, 1)
        while done < P:
            stop = min(P, done + chunk)
            started = time.perf_counter()
            _batch.solve_paths(kind, Xd, data, indices, indptr, Qarg, out.coefs, batch,
                               done, stop, nt)
            per_problem = (time.perf_counter() - started) / (stop - done)
            done = stop
            progress.update(done)
            chunk = max(nt, int(_CHUNK_SECONDS / max(per_problem, 1e-9)) // nt * nt)
    if not np.isfinite(out.y_norm2).all():
        raise ValueError("y is too large in magnitude: sums of squares overflow double "
                         "precision; rescale the data.")
    out.tol_abs[:] = solver.tol * out.y_norm2
    return out


class _Progress:
    """``verbose``: paths done / total, rate and time left, on stderr; or, when
    ``verbose`` is callable, ``verbose(done, total)`` (a progress bar's update)."""

    def __init__(self, total, verbose):
        self.total = total
        self.callback = verbose if callable(verbose) else None
        self.verbose = bool(verbose)
        self.start = time.perf_counter()

    def update(self, done):
        if self.callback is not None:
            self.callback(done, self.total)
            return
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed > 0 else float("inf")
        left = (self.total - done) / rate if rate > 0 else float("nan")
        print(f"[fastpen] {done}/{self.total} paths, {rate:.1f} paths/s, "
              f"{elapsed:.1f} s elapsed, ~{left:.1f} s left", file=sys.stderr, flush=True)


@blas_single_threaded
def target_paths(X, y, *, l1_ratio, alphas, eps, fit_intercept, sample_weight, solver,
                 penalty, coef_init, precompute, verbose=False, block=None):
    """:func:`fastpen.enet_path` from checked options: one path per target, in parallel.

    A 1-D ``y`` is a batch of one target, its result without a target axis.
    ``alphas`` is a grid size (each target's own automatic grid) or an explicit
    grid.  ``block``: (start, total) when a 2-D y holds the targets
    start:start + k of a fit of ``total`` targets (fastpen.dask), fitted as
    that fit would fit them.  Returns a PathResult whose per-alpha arrays have a
    target axis after the alpha axis for a 2-D y.
    """
    single = np.ndim(y) < 2
    X, Y, sw, fit_intercept = check_inputs(X, y, sample_weight, fit_intercept, single=single)
    n, p = X.shape
    k = Y.shape[1]
    # the column statistics (a lone target on dense X: its first scan in the same pass)
    group = make_group(X, Y, sw=_EMPTY if sw is None else sw, fit_intercept=fit_intercept,
                       n_threads=solver.n_threads, penalty=penalty)
    pen = group.pen
    known = None
    if isinstance(alphas, (int, np.integer)):
        check_grid_possible(pen, l1_ratio)
        # at and above its alpha_max a target's solution is known: only certified
        W0 = targets_unpenalized_fit(group, Y)
        top = targets_alpha_max(group, Y, l1_ratio, solver.n_threads, W0=W0)
        grid = np.stack([alpha_grid(a, alphas, eps) for a in top])
        shared = False
        known = KnownSolutions((grid >= top[:, None]).astype(np.int8), W0)
    elif single:
        grid, shared = np.asarray(alphas, dtype=np.float64)[None], True
    else:
        grid, shared = check_target_alphas(alphas, k)
    if coef_init is not None:
        coef_init = check_coef_init(coef_init, p, None if single else k)
    m = grid.shape[1]
    prob = group.prob
    start, total = _check_block(block, k)
    least_squares = bool(np.any(grid == 0))
    if least_squares:
        warn("alpha=0 fits ordinary least squares; a dedicated least-squares "
             "solver (e.g. scipy.linalg.lstsq) is usually faster.", UserWarning)
    # problem t's coordinate orders are seeded by seed + t m + (alpha index): target
    # start + t of the whole fit
    solver = dataclasses.replace(solver, seed=(solver.seed + start * m) % 2**64)
    gram = use_gram(precompute, prob, m * total) is not None
    res = run_paths(X, Y, [group], group=np.zeros(k), target=np.arange(k),
                    a=n * grid * l1_ratio, b=n * grid * (1.0 - l1_ratio), solver=solver,
                    gram=gram, precompute=precompute, coef_init=coef_init, verbose=verbose,
                    known=known, least_squares=least_squares)
    intercepts = (res.intercepts.T if fit_intercept else np.zeros((m, k))).astype(X.dtype)
    _check_finite_paths(res, grid, X.dtype, coef_init is not None)
    with np.errstate(invalid="ignore", divide="ignore"):
        y2 = res.y_norm2[:, None]
        dev_ratio = np.where(y2 > 0, 1.0 - res.r_norm2 / y2, 0.0)
    if single:
        warn_path_unconverged(grid[0], res.gaps[0], tol_abs=res.tol_abs[0], n=n,
                              category=solver.warning_category, n_iter=res.n_iter[0],
                              max_iter=solver.max_iter, y_norm2=res.y_norm2[0],
                              dtype=X.dtype)
        return PathResult(alphas=grid[0].copy(), coefs=res.coefs[:, 0],
                          intercepts=intercepts[:, 0], dual_gaps=res.gaps[0] / n,
                          n_iter=res.n_iter[0].astype(np.intp),
                          df=res.df[0].astype(np.intp), dev_ratio=dev_ratio[0])
    warn_batch_unconverged(res, solver.warning_category, n, solver.max_iter, X.dtype)
    return PathResult(alphas=grid[0].copy() if shared else grid, coefs=res.coefs,
                      intercepts=intercepts, dual_gaps=res.gaps.T / n,
                      n_iter=res.n_iter.T.astype(np.intp), df=res.df.T.astype(np.intp),
                      dev_ratio=dev_ratio.T)


def _check_finite_paths(res, grid, dtype, started):
    """A ScaleError naming the first alpha whose fit came out non-finite (coefficients,
    intercept or gap): the data are too badly scaled for the precision ``dtype``."""
    bad = (res.df < 0) | ~np.isfinite(res.gaps) | ~np.isfinite(res.intercepts)
    if bad.any():
        t, a = np.argwhere(bad)[0]
        hint = " (or start from a smaller coef_init)" if started else ""
        raise ScaleError(
            f"non-finite coefficients at alpha={grid[t, a]:.6g}: the data are too badly "
            f"scaled for {np.dtype(dtype)} precision; rescale X and y{hint}.")


def _check_block(block, k):
    """(start, total) of ``block`` (see :func:`target_paths`); (0, k) for None."""
    if block is None:
        return 0, k
    start, total = (int(v) for v in block)
    if not (0 <= start and start + k <= total):
        raise ValueError(f"_block: targets {start}:{start + k} do not fit in {total}.")
    return start, total
