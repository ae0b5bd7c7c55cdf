"""Penalised logistic regression paths: :func:`logistic_path` and its batch layer.

The objective, for each alpha, is glmnet's:

    1/(sum s) sum_i s_i l(y_i, x_i^T w + b) + alpha * sum_j pf_j (l1_ratio |w_j|
        + (1 - l1_ratio)/2 w_j^2),   lower <= w <= upper,

with l the binomial log-loss (two classes) or the multinomial one (softmax;
one coefficient vector and intercept per class, the penalty summed over
classes: glmnet's ungrouped ``type.multinomial``).  The kernels
(``fastpen._newton``) work on the per-sum scale with weights summing to n:
``a = n alpha l1_ratio``, ``b = n alpha (1 - l1_ratio)``.

A *group* is a weighting of the rows (sample weights, or a cross-validation
fold's training rows) with its column statistics and penalty arrays; a
*problem* a label vector under a group along its alphas -- as in
:mod:`fastpen._multi` for the squared loss.  :func:`run_logistic` solves many
problems in one parallel call (a 2-D 0/1 y: one binomial problem per column;
cross-validation: one per fold and l1_ratio).
"""
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _batch, _newton
from ._penalty import make_penalty
from ._problem import ConvergenceWarning, Problem, check_alpha_max, column_stats
from ._threads import blas_limited, effective_n_threads, holds_threads
from ._validation import (
    as_array,
    check_alphas,
    check_array_2d,
    check_bool,
    check_coef_init,
    check_sample_weight,
    check_scalar,
    issparse,
    kernel_csc,
)
from ._warnings import warn

__all__ = ["LogisticPathResult", "logistic_path"]

_EMPTY = np.empty(0)
_DENSE, _SPARSE = 1, 2
# glmnet's smallest alpha of an automatic grid, as a fraction of alpha_max
_EPS_TALL, _EPS_WIDE = 1e-4, 1e-2
# An automatic grid with l1_ratio = 0 (ridge) is made as glmnet makes it: from the
# alpha_max of l1_ratio = 1e-3.
_RIDGE_GRID_L1_RATIO = 1e-3
_PROB_CLIP = 1e-12


class LogisticPathResult(NamedTuple):
    """Result of :func:`logistic_path`, one entry per alpha (alphas decreasing).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,), or (n_targets, n_alphas)
    coefs : ndarray of shape (n_alphas, n_features), or (n_alphas, n_classes,
        n_features) for a multinomial model, (n_alphas, n_targets, n_features)
        for a 2-D y
    intercepts : ndarray of shape (n_alphas,), (n_alphas, n_classes) or
        (n_alphas, n_targets)
    dual_gaps : ndarray
        Duality gap reached, on the scale of the objective (per target).
    n_iter : ndarray
        Coordinate sweeps done (all Newton steps of an alpha together).
    df : ndarray
        Number of features with a nonzero coefficient (in any class).
    dev_ratio : ndarray
        Fraction of the null deviance explained (glmnet's ``dev.ratio``).
    classes : ndarray
        The labels: the second is the positive class of a binomial model; a
        multinomial model's blocks follow their order.  ``[0, 1]`` for a 2-D y.
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iter: np.ndarray
    df: np.ndarray
    dev_ratio: np.ndarray
    classes: np.ndarray


# ----------------------------------------------------------------------- labels


@dataclass
class Labels:
    """Labels as the kernels take them."""

    rows: np.ndarray        # (T, n) float64: 0/1, or class indices for multinomial
    classes: np.ndarray     # the user's labels (binomial, multinomial) or [0, 1]
    n_blocks: int           # coefficient blocks per problem: 1, or the class count
    family: str             # "binomial" or "multinomial"
    multi_target: bool      # a 2-D y: one binomial problem per column


def encode_labels(y, n_samples, family="auto"):
    """Validate y and encode it for the kernels (see :class:`Labels`).

    A 1-D y holds class labels of any type: two classes make a binomial model
    (``family="auto"`` or ``"binomial"``), more a multinomial one; a 2-D y of
    0/1 (or bool) entries holds one binomial target per column.
    """
    if family not in ("auto", "binomial", "multinomial"):
        raise ValueError(f"family must be 'auto', 'binomial' or 'multinomial', got "
                         f"{family!r}.")
    if issparse(y):
        raise TypeError("y must be a dense array of labels, not a sparse matrix.")
    y = as_array(y, "y")
    if y.ndim == 2 and y.shape[1] == 1 and family != "auto":
        y = y[:, 0]
    if y.ndim == 2:
        return _encode_multi_target(y, n_samples, family)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (labels) or 2-D (0/1 targets), got shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} labels but X has {n_samples} rows.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinity.")
    if y.dtype.kind == "O" and any(v is None for v in y):
        raise ValueError("y contains missing labels (None).")
    try:
        classes, index = np.unique(y, return_inverse=True)
    except TypeError as exc:
        raise TypeError(f"y holds labels that cannot be sorted together: {exc}") from None
    if classes.size < 2:
        raise ValueError(f"y has a single class ({classes[0]!r}); logistic regression "
                         "needs at least two.")
    if family == "binomial" and classes.size > 2:
        raise ValueError(f"family='binomial' needs two classes, y has {classes.size}.")
    if classes.size == 2 and family != "multinomial":
        return Labels(index[None, :].astype(np.float64), classes, 1, "binomial", False)
    return Labels(index[None, :].astype(np.float64), classes, classes.size, "multinomial",
                  False)


def _encode_multi_target(Y, n_samples, family):
    if family == "multinomial":
        raise ValueError("family='multinomial' needs 1-D labels; a 2-D y holds binary "
                         "targets.")
    if Y.shape[0] != n_samples:
        raise ValueError(f"y has {Y.shape[0]} rows but X has {n_samples}.")
    if Y.shape[1] == 0:
        raise ValueError("y has no columns.")
    if Y.dtype.kind not in "biuf":
        raise TypeError("a 2-D y must hold 0/1 (or boolean) entries, one binary target "
                        "per column.")
    Yf = np.asarray(Y, dtype=np.float64)
    if not np.all((Yf == 0) | (Yf == 1)):
        raise ValueError("a 2-D y must hold only 0 and 1 (one binary target per column).")
    constant = np.flatnonzero(Yf.min(axis=0) == Yf.max(axis=0))
    if constant.size:
        raise ValueError(f"column {constant[0]} of y has a single class; every target "
                         "needs both 0 and 1.")
    return Labels(np.ascontiguousarray(Yf.T), np.array([0, 1]), 1, "binomial", True)


def null_fit(rows, sw, n_blocks, fit_intercept):
    """(loss, intercepts) of the intercept-only model of each label row, per-sum
    (weights sw summing to n, or empty): loss (T,), intercepts (T, n_blocks)."""
    T, n = rows.shape
    s = sw if sw.size else np.ones(n)
    if n_blocks == 1:
        # weighted share of class 1, row by row in a fixed order (not one matrix
        # product, whose rounding would depend on the other rows: a target's fit
        # must not depend on its batch)
        share = _batch.target_means(rows, sw)[:, None]
        if not fit_intercept:
            return np.full(T, n * np.log(2.0)), np.zeros((T, 1))
        q = np.clip(share, _PROB_CLIP, 1 - _PROB_CLIP)
        loss = -n * (share * np.log(q) + (1 - share) * np.log1p(-q))[:, 0]
        return loss, np.log(q) - np.log1p(-q)
    counts = np.stack([_batch.target_means((rows == c).astype(np.float64), sw)
                       for c in range(n_blocks)], axis=1)
    if not fit_intercept:
        return np.full(T, n * np.log(n_blocks)), np.zeros((T, n_blocks))
    q = np.clip(counts, _PROB_CLIP, None)
    loss = -n * np.sum(counts * np.log(q), axis=1)
    icpt = np.log(q)
    return loss, icpt - icpt.mean(axis=1, keepdims=True)


# ----------------------------------------------------------------------- groups


@dataclass
class LogisticGroup:
    """A weighting of the rows and the kernels' arrays under it."""

    prob: Problem              # design statistics under the sample weights
    pen: object                # fastpen._penalty.Penalty
    lip: np.ndarray            # (n_blocks * p,) 1/4 ||x~_j||^2_S, 0 when excluded
    l1: np.ndarray             # (n_blocks * p,)
    l2: object                 # (n_blocks * p,) or None


def make_logistic_group(X, sw, *, fit_intercept, n_threads, penalty, n_blocks):
    """Statistics and penalty arrays of X under the weights ``sw`` (summing to n, or
    empty); ``penalty``: keyword arguments of :func:`fastpen._penalty.make_penalty`."""
    x_mean, x_norm2, _ = column_stats(X, sw, fit_intercept, n_threads)
    prob = Problem.shared_design(X, sw=sw, x_mean=x_mean, x_norm2=x_norm2,
                                 fit_intercept=fit_intercept)
    pen = make_penalty(prob, **penalty)
    tile = (lambda v: np.ascontiguousarray(np.tile(v, n_blocks))) if n_blocks > 1 else (
        lambda v: np.ascontiguousarray(v, dtype=np.float64))
    l2 = None if pen.l2 is None else tile(pen.l2)
    return LogisticGroup(prob, pen, tile(0.25 * pen.x_norm2), tile(pen.l1), l2)


class LogisticRun(NamedTuple):
    """What :func:`run_logistic` returns: per problem (rows) and alpha (columns)."""

    coefs: np.ndarray          # (M, P, n_blocks * p), X's float type
    intercepts: np.ndarray     # (M, P, n_blocks)
    gaps: np.ndarray           # (P, M) per-sum
    loss: np.ndarray           # (P, M) per-sum F
    n_iter: np.ndarray         # (P, M)
    df: np.ndarray             # (P, M) nonzero coefficients
    n_done: np.ndarray         # (P,) alphas run (fewer after an early stop)
    coef: np.ndarray           # (P, n_blocks * p) the last solution
    intercept: np.ndarray      # (P, n_blocks)


def run_logistic(X, labels, groups, *, group, target, a, b, tol_abs, coef0, icpt0,
                 fit_intercept, max_iter, n_threads, positive, null_loss=None):
    """Solve the paths of problems (``group``, ``target``: (P,) indices into ``groups``
    and the rows of ``labels.rows``) along per-sum strengths a, b (P, M), in one
    parallel call of ``fastpen._newton.solve_logistic_paths``.

    ``coef0`` (P, n_blocks * p), ``icpt0`` (P, n_blocks): starting points.  With
    ``null_loss`` (P,), a path stops early by glmnet's deviance rule.
    """
    X_kind = _SPARSE if issparse(X) else _DENSE
    k = labels.n_blocks
    P, M = a.shape
    p = X.shape[1]
    dtype = X.dtype
    pen0 = groups[0].pen
    none = np.empty((len(groups), 0))
    sw = _stacked([g.prob.sw for g in groups]) if groups[0].prob.sw.size else none
    l2 = _stacked([g.l2 for g in groups]) if groups[0].l2 is not None else none
    lower = upper = _EMPTY
    lo, hi = pen0.lower, pen0.upper
    if lo is not None:
        lower = np.ascontiguousarray(np.tile(lo, k))
        upper = np.ascontiguousarray(np.tile(hi, k))
    coefs = np.zeros((M, P, k * p), dtype=dtype)
    intercepts = np.zeros((M, P, k))
    gaps = np.full((P, M), np.nan)
    loss = np.full((P, M), np.nan)
    n_iter = np.zeros((P, M), dtype=np.intc)
    df = np.zeros((P, M), dtype=np.intc)
    n_done = np.zeros(P, dtype=np.intc)
    coef = np.array(coef0, dtype=np.float64, order="C")
    icpt = np.array(icpt0, dtype=np.float64, order="C")
    if X_kind == _SPARSE:
        data, indices, indptr = kernel_csc(X)
        dense = np.empty((0, 0), dtype=dtype, order="F")
    else:
        data, indices, indptr = (np.empty(0, dtype=dtype), np.empty(0, dtype=np.intc),
                                 np.zeros(1, dtype=np.intp))
        dense = X
    # the dense kernel may build working-set Gram matrices with BLAS: one thread
    # each inside the parallel region
    with blas_limited(P > 1):
        _newton.solve_logistic_paths(
            X_kind, dense, data, indices, indptr,
            labels=labels.rows, n_blocks=k, sample_weight=sw,
            x_mean=_stacked([g.prob.x_mean for g in groups]),
            lip=_stacked([g.lip for g in groups]), l1_factor=_stacked([g.l1 for g in groups]),
            l2_factor=l2, lower=lower, upper=upper,
            positive=positive, fit_intercept=fit_intercept,
            group=np.ascontiguousarray(group, dtype=np.intc),
            target=np.ascontiguousarray(target, dtype=np.intc),
            a=np.ascontiguousarray(a, dtype=np.float64),
            b=np.ascontiguousarray(b, dtype=np.float64),
            tol=np.ascontiguousarray(tol_abs, dtype=np.float64),
            null_loss=_EMPTY if null_loss is None else np.ascontiguousarray(null_loss),
            coef=coef, intercept=icpt, coefs=coefs, intercepts=intercepts, gaps=gaps,
            loss=loss, n_iter=n_iter, df=df, n_done=n_done, max_iter=max_iter,
            n_threads=n_threads)
    return LogisticRun(coefs, intercepts, gaps, loss, n_iter, df, n_done, coef, icpt)


def _stacked(rows):
    """The groups' arrays as the rows of one C-contiguous float64 matrix."""
    return np.ascontiguousarray(np.stack(rows), dtype=np.float64)


# ----------------------------------------------------------------- alpha_max


def logistic_alpha_max(X, labels, grp, *, l1_ratio, fit_intercept, positive, n_threads,
                       max_iter):
    """alpha_max of each label row under the group ``grp``: the smallest alpha whose
    solution has every penalised coefficient at 0 -- max_j |x~_j^T theta0| / (n
    l1_ratio pf_j) over the directions the box allows, theta0 = S (y - prob) at the
    fit of the intercept and the unpenalised features alone (with none: the
    intercept-only fit, prob the weighted class shares).

    Returns (alpha_max (T,), that fit's coefficients (T, n_blocks * p) and
    intercepts (T, n_blocks)): the solution at alpha_max, where a path starts.
    """
    prob, pen = grp.prob, grp.pen
    n, p = X.shape
    T = labels.rows.shape[0]
    k = labels.n_blocks
    unpen = np.flatnonzero(pen.unpenalized)
    loss0, icpt0 = null_fit(labels.rows, prob.sw, k, fit_intercept)
    coef = np.zeros((T, k * p))
    if unpen.size:
        # the penalised features held at 0 by an L1 strength far above any gradient
        big = np.full((T, 1), 1e100)
        run = run_logistic(X, labels, [grp], group=np.zeros(T, dtype=np.intc),
                           target=np.arange(T, dtype=np.intc), a=big, b=np.zeros((T, 1)),
                           tol_abs=1e-10 * loss0, coef0=coef, icpt0=icpt0,
                           fit_intercept=fit_intercept, max_iter=max_iter,
                           n_threads=n_threads, positive=positive)
        coef, icpt0 = run.coef, run.intercept
    tops = np.empty(T)
    penalised = pen.active & (pen.l1 > 0)
    for t in range(T):
        eta = _linear_predictor(prob, coef[t].reshape(k, p), icpt0[t])
        resid = _residuals(labels.rows[t], eta, k)
        top = 0.0
        for c in range(k):
            g = pen.feasible_gradient(prob.xt_r(resid[c], n_threads))   # X~^T S (y - prob)
            if np.any(penalised):
                top = max(top, float(np.max(g[penalised] / pen.l1[penalised])))
        tops[t] = top / (n * l1_ratio)
    return check_alpha_max(tops), coef, icpt0


def _linear_predictor(prob, W, b0):
    """eta (k, n) = W X^T + b0."""
    X = prob.X
    eta = np.asarray(X @ W.T, dtype=np.float64).T if W.any() else np.zeros((W.shape[0],
                                                                             X.shape[0]))
    return eta + np.asarray(b0)[:, None]


def _residuals(y, eta, k):
    """Y - prob per block (k, n) at the linear predictor eta (k, n)."""
    if k == 1:
        return (y - 0.5 * (1.0 + np.tanh(0.5 * eta[0])))[None, :]
    e = np.exp(eta - eta.max(axis=0))
    onehot = (y[None, :] == np.arange(k)[:, None]).astype(np.float64)
    return onehot - e / e.sum(axis=0)


# -------------------------------------------------------------------- the path


@holds_threads
def logistic_path(X, y, *, l1_ratio=1.0, alphas=100, eps=None, fit_intercept=True,
                  sample_weight=None, tol=1e-4, max_iter=1000, positive=False,
                  penalty_factor=None, exclude=None, rescale_penalty_factor=False,
                  lower_bounds=None, upper_bounds=None, standardize=False,
                  coef_init=None, n_threads=None, family="auto"):
    """Penalised logistic regression path by proximal Newton and coordinate descent.

    Minimises, for each alpha, glmnet's objective

    .. math::

        \\frac{1}{\\sum_i s_i} \\sum_{i=1}^n s_i\\, l(y_i, x_i^\\top w + b)
        + \\alpha \\sum_j \\mathrm{pf}_j \\Big(\\rho\\,|w_j|
        + \\frac{1 - \\rho}{2} w_j^2\\Big)

        \\text{subject to } \\ell \\le w \\le u,

    with l the binomial or multinomial log-loss, :math:`\\rho` = ``l1_ratio``,
    warm-starting each fit from the previous one.  scikit-learn's
    ``LogisticRegression(C=C, l1_ratio=r)`` fits the same model at
    :math:`\\alpha = 1 / (C \\sum_i s_i)`.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        float32 stays float32 (coefficients are returned in float32); sparse
        input is never densified.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Class labels of any type: two classes make a binomial model (the
        second of the sorted labels is the positive class), more a
        multinomial one.  A 2-D array of 0/1 holds independent binary
        targets, fitted in parallel (a batch of binomial problems).
    l1_ratio : float in [0, 1], default=1.0
        Mix of L1 (1) and L2 (0) penalties.
    alphas : int or array-like, default=100
        Number of alphas on an automatic log grid from alpha_max (where every
        penalised coefficient is 0) down to ``eps * alpha_max``, or an
        explicit grid, sorted decreasingly.  With l1_ratio = 0 the automatic
        grid starts at the alpha_max of l1_ratio = 1e-3 (as glmnet's).
    eps : float in (0, 1], optional
        Length of the automatic grid; default 1e-4 when n_samples >= n_features,
        else 1e-2 (glmnet's ``lambda.min.ratio``).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept (per class for a multinomial model).
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights (any scale: the loss is their weighted mean).
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol`` times the loss of the
        intercept-only model (both on the objective's scale).  The gap is
        exact: the intercepts are solved exactly before it is computed.
    max_iter : int, default=1000
        Maximum number of coordinate sweeps per alpha, all Newton steps
        together (per class for a multinomial model).
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    penalty_factor, exclude, rescale_penalty_factor, lower_bounds, upper_bounds, \
standardize
        As for :func:`fastpen.enet_path` (glmnet's ``penalty.factor``,
        ``exclude``, ``lower.limits``, ``upper.limits``, ``standardize``); the
        standard deviations are the weighted ones of X's columns.
    coef_init : array-like, optional
        Starting coefficients for the first alpha: (n_features,), or
        (n_classes, n_features) for a multinomial model, (n_targets,
        n_features) for a 2-D y.
    n_threads : int, optional
        OpenMP threads: over targets for a 2-D y, else for the O(n p) scans.
        None = what OpenMP allows, -1 = all cores.  Results do not depend on it.
    family : {'auto', 'binomial', 'multinomial'}, default='auto'
        'multinomial' also fits two classes with the softmax (two blocks).

    Returns
    -------
    LogisticPathResult
        ``(alphas, coefs, intercepts, dual_gaps, n_iter, df, dev_ratio, classes)``.
        A multinomial model has a class axis after the alpha axis (its
        intercepts are centred to sum to 0 over the classes, as glmnet's; at the
        optimum each feature's coefficients are the least penalised of their
        common shifts over the classes, which with a pure L2 penalty,
        ``l1_ratio=0``, makes them sum to 0 over the classes).
        With an automatic grid and a 1-D y, the path stops early by glmnet's
        rule: when the fraction of deviance explained passes 0.999 (the data
        are, or nearly are, separable) or changes by less than 1e-5 (relative)
        between alphas -- fewer alphas are then returned.

    Warns
    -----
    ConvergenceWarning
        When some alpha stops above the requested gap (max_iter reached, or a
        separable problem at a tiny alpha, where the coefficients diverge).
    """
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    tol = check_scalar(tol, "tol", low=0.0)
    max_iter = check_scalar(max_iter, "max_iter", "int", low=1, high=2**31 - 1)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    positive = check_bool(positive, "positive")
    n_threads = effective_n_threads(n_threads)
    X = check_array_2d(X, require_finite=False)    # checked with the column statistics
    n, p = X.shape
    labels = encode_labels(y, n, family)
    k = labels.n_blocks
    T = labels.rows.shape[0]
    sw = check_sample_weight(sample_weight, n)
    sw = _EMPTY if sw is None else sw
    penalty = dict(penalty_factor=penalty_factor, exclude=exclude,
                   rescale=rescale_penalty_factor, standardize=standardize,
                   lower_bounds=lower_bounds, upper_bounds=upper_bounds, positive=positive)
    grp = make_logistic_group(X, sw, fit_intercept=fit_intercept, n_threads=n_threads,
                              penalty=penalty, n_blocks=k)
    null_loss, icpt0 = null_fit(labels.rows, sw, k, fit_intercept)
    automatic = isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool)
    if automatic:
        n_alphas = check_scalar(alphas, "alphas", "int", low=1)
        eps = (_EPS_TALL if n >= p else _EPS_WIDE) if eps is None else check_scalar(
            eps, "eps", low=0.0, high=1.0, low_inclusive=False)
        if not np.any(grp.pen.active & (grp.pen.l1 > 0)) and np.any(grp.pen.active):
            raise ValueError(
                "An automatic alpha grid needs a penalty on at least one non-constant "
                "feature of X (penalty_factor is 0 on all of them, or they are excluded); "
                "pass an explicit array of alphas.")
        top, start, start_icpt = logistic_alpha_max(
            X, labels, grp, l1_ratio=max(l1_ratio, _RIDGE_GRID_L1_RATIO),
            fit_intercept=fit_intercept, positive=positive, n_threads=n_threads,
            max_iter=max_iter)
        tiny = np.finfo(np.float64).resolution
        grid = np.stack([np.geomspace(t, t * eps, num=n_alphas) if t > tiny
                         else np.full(n_alphas, tiny) for t in top])
    else:
        grid = np.broadcast_to(check_alphas(alphas), (T, np.size(alphas)))
    coef0 = np.zeros((T, k * p))
    if coef_init is not None:
        coef0[:] = _check_logistic_coef_init(coef_init, labels, p)
    elif automatic:     # the solution at alpha_max: the first fit is only certified
        coef0, icpt0 = start, start_icpt
    a = n * grid * l1_ratio
    b = n * grid * (1.0 - l1_ratio)
    run = run_logistic(X, labels, [grp], group=np.zeros(T, dtype=np.intc),
                       target=np.arange(T, dtype=np.intc), a=a, b=b,
                       tol_abs=tol * null_loss, coef0=coef0, icpt0=icpt0,
                       fit_intercept=fit_intercept, max_iter=max_iter, n_threads=n_threads,
                       positive=positive,
                       null_loss=null_loss if automatic and not labels.multi_target else None)
    return _path_result(run, labels, grid, null_loss, automatic, n, p, tol, max_iter,
                        X.dtype)


def _check_logistic_coef_init(coef_init, labels, p):
    k, T = labels.n_blocks, labels.rows.shape[0]
    if labels.multi_target:
        return check_coef_init(coef_init, p, T) if np.ndim(coef_init) == 2 else np.tile(
            check_coef_init(coef_init, p), (T, 1))
    c = np.asarray(coef_init, dtype=np.float64)
    if k > 1:
        if c.shape != (k, p):
            raise ValueError(f"coef_init must have shape ({k}, {p}) for a multinomial "
                             f"model, got {c.shape}.")
        if not np.isfinite(c).all():
            raise ValueError("coef_init contains NaN or infinity.")
        return c.reshape(1, k * p)
    return check_coef_init(coef_init, p)[None, :]


def _path_result(run, labels, grid, null_loss, automatic, n, p, tol, max_iter, dtype):
    """The public result from the kernels' arrays (see :class:`LogisticPathResult`)."""
    k, T = labels.n_blocks, labels.rows.shape[0]
    # (a single path may stop early, glmnet's rule; a batch runs every alpha)
    done = int(run.n_done[0]) if T == 1 else grid.shape[1]
    grid = grid[:, :done]
    gaps = run.gaps[:, :done]
    loss = run.loss[:, :done]
    n_iter = run.n_iter[:, :done]
    coefs = run.coefs[:done]
    intercepts = run.intercepts[:done]
    warn_logistic_unconverged(gaps, tol * null_loss, n_iter, max_iter * k, n, alphas=grid,
                              loss=loss, null_loss=null_loss, dtype=dtype)
    dev_ratio = 1.0 - loss / null_loss[:, None]
    if not automatic:
        _warn_separable(dev_ratio, grid)
    if labels.multi_target:
        alphas = grid[0] if not automatic else grid
        df = (coefs != 0).sum(axis=2)
        return LogisticPathResult(alphas, coefs, intercepts[:, :, 0], (gaps / n).T,
                                  n_iter.T, df, dev_ratio.T, labels.classes)
    alphas = grid[0]
    if k == 1:
        return LogisticPathResult(alphas, coefs[:, 0, :], intercepts[:, 0, 0], gaps[0] / n,
                                  n_iter[0], (coefs[:, 0, :] != 0).sum(axis=1),
                                  dev_ratio[0], labels.classes)
    blocks = coefs[:, 0, :].reshape(done, k, p)
    icpt = intercepts[:, 0, :]
    icpt = icpt - icpt.mean(axis=1, keepdims=True)
    return LogisticPathResult(alphas, blocks, icpt, gaps[0] / n, n_iter[0],
                              (blocks != 0).any(axis=1).sum(axis=1), dev_ratio[0],
                              labels.classes)


# glmnet's early stop; past it the data are (nearly) separable
_DEV_SEPARABLE = 0.999


def _warn_separable(dev_ratio, grid):
    """Warn when a fit explains more than 99.9 % of the null deviance: the classes are
    (nearly) separable and the coefficients grow without bound as alpha decreases
    (an automatic grid stops there instead, as glmnet's)."""
    over = dev_ratio > _DEV_SEPARABLE
    if not over.any():
        return
    t, m = np.argwhere(over)[0]
    warn(f"The fit at alpha={grid[t % grid.shape[0], m]:.4g} explains "
         f"{100 * dev_ratio[t, m]:.2f} % of the null deviance: the classes are (nearly) "
         "separable, so the coefficients grow without bound as alpha decreases and the "
         "smaller alphas' coefficients are large and uncertain (an automatic grid stops "
         "there, as glmnet's does).", ConvergenceWarning)


def warn_logistic_unconverged(gaps, tol_abs, n_iter, max_iter, n, *, alphas=None, loss=None,
                              null_loss=None, dtype=np.float64, category=ConvergenceWarning):
    """One warning for the fits above tolerance (rows: problems, columns: alphas;
    per-sum gaps and tolerances), quoting the worst's gap and tolerance on the
    objective's scale and saying why when it can: max_iter, float32 rounding,
    float64's rounding level, or (nearly) separable classes (from ``loss`` and
    ``null_loss``)."""
    with np.errstate(invalid="ignore"):
        failed = ~(gaps <= tol_abs[:, None])
    if not failed.any():
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(failed, np.nan_to_num(gaps / tol_abs[:, None], nan=np.inf), 0.0)
    t, m = np.unravel_index(np.argmax(ratio), ratio.shape)
    cause = ("Increase max_iter, scale the features, or increase the regularisation."
             if n_iter[t, m] >= max_iter else
             "The Newton steps stopped making progress at the rounding level of float64: "
             "a larger tol can be certified.")
    if dtype == np.float32 and n_iter[t, m] < max_iter:
        cause = ("It is the gap of the float32 coefficients returned (the float64 iterate "
                 "met tol; rounding the coefficients to float32 moves the gap that much); "
                 "fit float64 data for a smaller gap.")
    if loss is not None and 1.0 - loss[t, m] / null_loss[t] > _DEV_SEPARABLE:
        cause = (f"The model explains {100 * (1 - loss[t, m] / null_loss[t]):.2f} % of the "
                 "deviance: the classes are (nearly) separable, and the coefficients grow "
                 "without bound as alpha decreases; use a larger alpha (or l1_ratio < 1).")
    where = "" if alphas is None else f", at alpha={alphas[t % alphas.shape[0], m]:.4g}"
    warn(f"Logistic fit did not converge for {int(failed.sum())} of {failed.size} fits: "
         f"the worst has a duality gap of {gaps[t, m] / n:.3e} > tolerance "
         f"{tol_abs[t] / n:.3e}{where}. {cause}", category)
