"""Logistic fits at chosen penalties, and cross-validated logistic paths in one call.

The estimators of :mod:`fastpen._logistic_model` stand on the two functions
here, which need no scikit-learn:

* :func:`fit_logistic` fits every label row (the single binomial or multinomial
  problem, or each column of a 2-D 0/1 y) at its own (alpha, l1_ratio) on the
  whole data, in one parallel call of :func:`fastpen._logistic.run_logistic`;
* :func:`cross_validate_logistic` runs every (l1_ratio x fold x target) path in
  one such call.  A fold is a weighting of the rows of X (its training rows keep
  their weights, its held-out rows get weight 0), so X is never copied per fold;
  the held-out scores are computed afterwards from the returned coefficients,
  one product ``X_test @ coefs.T`` per fold covering all its alphas and
  problems (in chunks that bound the memory).

Scales.  The objective of one problem is glmnet's
``(1/sum s) sum_i s_i l(y_i, eta_i) + alpha * pen(w)``; scikit-learn's
``C sum_i s_i l(y_i, eta_i) + pen(w)`` is the same problem at
``alpha = 1 / (C sum s)``, s the effective weights (sample weights times class
weights).  With a grid of Cs, each fold is fitted at ``alpha = 1 / (C sum
s_train)`` -- what scikit-learn's LogisticRegressionCV (a fit on the training
rows with that C) solves; with a grid of alphas every fold takes the same alpha
(glmnet's ``cv.glmnet``).
"""
import numbers
from dataclasses import dataclass

import numpy as np

from ._cv import check_folds, check_l1_ratios, fold_mean_se, select_alpha
from ._logistic import (
    logistic_alpha_max,
    make_logistic_group,
    null_fit,
    run_logistic,
    warn_logistic_unconverged,
)
from ._problem import ConvergenceWarning
from ._validation import check_scalar
from ._warnings import warn

__all__ = ["LogisticCVResult", "LogisticFit", "SCORINGS", "cross_validate_logistic",
           "fit_logistic", "held_out_scores", "weighted_auc"]

SCORINGS = ("neg_log_loss", "accuracy", "roc_auc")
# glmnet's smallest alpha of an automatic grid, as a fraction of alpha_max (as
# fastpen.logistic_path), and the l1_ratio whose alpha_max starts a ridge grid
_EPS_TALL, _EPS_WIDE = 1e-4, 1e-2
_RIDGE_GRID_L1_RATIO = 1e-3
# held-out linear predictors computed at once (float64 entries): bounds the memory
# of the scoring to ~32 MB whatever the number of alphas and problems
_SCORE_CHUNK = 1 << 22


@dataclass
class LogisticFit:
    """Fits of :func:`fit_logistic`, one per label row (T rows, k blocks, p features).

    coefs : (T, k, p) in X's float type; intercepts : (T, k) (a multinomial
    model's centred to sum to 0 over the classes, as glmnet's); dual_gaps : (T,)
    on the scale of the objective; n_iter : (T,) coordinate sweeps.
    """

    coefs: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iter: np.ndarray


def whole_group(X, fit_weight, *, fit_intercept, n_threads, penalty, n_blocks):
    """The kernels' group of the whole data under the effective weights ``fit_weight``
    (any positive scale, or None for unit weights)."""
    return make_logistic_group(X, _group_weights(fit_weight, X.shape[0]),
                               fit_intercept=fit_intercept, n_threads=n_threads,
                               penalty=penalty, n_blocks=n_blocks)


def _group_weights(w, n):
    """Weights as the kernels take them: summing to n, or empty for unit weights."""
    if w is None:
        return np.empty(0)
    w = np.asarray(w, dtype=np.float64)
    return w * (n / w.sum())


def fit_logistic(X, labels, fit_weight, alphas, l1_ratios, *, fit_intercept=True, tol=1e-4,
                 max_iter=1000, n_threads=1, positive=False, penalty=None, coef_init=None,
                 group=None, warning_category=ConvergenceWarning):
    """Fit every label row of ``labels`` at its own (alpha, l1_ratio), in one call.

    Parameters
    ----------
    X : ndarray (Fortran-ordered) or scipy.sparse.csc_matrix
        As :func:`fastpen._validation.check_array_2d` returns it.
    labels : fastpen._logistic.Labels
    fit_weight : ndarray of shape (n,) or None
        Effective sample weights (sample weights times class weights).
    alphas, l1_ratios : array-like of shape (T,)
        Each label row's strength (glmnet's scale) and mix.
    tol : float
        Stop at a duality gap of ``tol`` times the intercept-only model's loss.
    penalty : dict
        Keywords of :func:`fastpen._penalty.make_penalty`.
    coef_init : ndarray of shape (T, k * p), optional
    group : fastpen._logistic.LogisticGroup, optional
        The whole data's group, when the caller has made it already.

    Returns
    -------
    LogisticFit
    """
    n, p = X.shape
    k, T = labels.n_blocks, labels.rows.shape[0]
    if group is None:
        group = whole_group(X, fit_weight, fit_intercept=fit_intercept, n_threads=n_threads,
                            penalty=penalty or {}, n_blocks=k)
    alphas = np.broadcast_to(np.asarray(alphas, dtype=np.float64), (T,))[:, None]
    l1 = np.broadcast_to(np.asarray(l1_ratios, dtype=np.float64), (T,))[:, None]
    null_loss, icpt0 = null_fit(labels.rows, group.prob.sw, k, fit_intercept)
    coef0 = np.zeros((T, k * p)) if coef_init is None else coef_init
    run = run_logistic(X, labels, [group], group=np.zeros(T, dtype=np.intc),
                       target=np.arange(T, dtype=np.intc), a=n * alphas * l1,
                       b=n * alphas * (1.0 - l1), tol_abs=tol * null_loss, coef0=coef0,
                       icpt0=icpt0, fit_intercept=fit_intercept, max_iter=max_iter,
                       n_threads=n_threads, positive=positive)
    warn_logistic_unconverged(run.gaps, tol * null_loss, run.n_iter, max_iter * k, n,
                              alphas=alphas, loss=run.loss, null_loss=null_loss,
                              dtype=X.dtype, category=warning_category)
    coefs = run.coefs[0].reshape(T, k, p)
    intercepts = centred_intercepts(run.intercepts[0], fit_intercept)
    return LogisticFit(coefs, intercepts.astype(X.dtype), run.gaps[:, 0] / n,
                       run.n_iter[:, 0].astype(int))


def centred_intercepts(intercepts, fit_intercept):
    """Intercepts (..., k): zero without one; a multinomial model's (k > 1) shifted to
    sum to 0 over the classes (the softmax is unchanged by a common shift)."""
    intercepts = np.asarray(intercepts, dtype=np.float64)
    if not fit_intercept:
        return np.zeros_like(intercepts)
    if intercepts.shape[-1] > 1:
        intercepts = intercepts - intercepts.mean(axis=-1, keepdims=True)
    return intercepts


# ------------------------------------------------------------------ cross-validation


@dataclass
class LogisticCVResult:
    """A cross-validated logistic regression (:func:`cross_validate_logistic`); L
    l1_ratios, m alphas (decreasing), F folds, T label rows, k blocks, p features.

    Attributes
    ----------
    l1_ratios : (L,)
    alphas : (L, T, m)
        The grid on the whole data's scale (with ``Cs``: ``1 / (C sum s)``).
    Cs : (m,) or None
        The Cs of the grid (increasing), when it was given as Cs.
    fold_alphas : (L, F, T, m)
        The alphas each fold was fitted at.
    scores : (L, m, F, T)
        Held-out scores, higher is better.
    mean, se : (L, m, T)
        Their mean over the folds and its standard error (std / sqrt(F)).
    l1_index, alpha_index, alpha_1se_index : (T,) int
        The best (l1_ratio, alpha) per label row, and the largest alpha of that
        l1_ratio whose mean score is within one SE of the best (glmnet's 1-SE rule).
    fold_coefs : (m, L, F, T, k, p); fold_intercepts : (m, L, F, T, k)
        Every fold's path.
    """

    l1_ratios: np.ndarray
    alphas: np.ndarray
    Cs: object
    fold_alphas: np.ndarray
    scores: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    l1_index: np.ndarray
    alpha_index: np.ndarray
    alpha_1se_index: np.ndarray
    fold_coefs: np.ndarray
    fold_intercepts: np.ndarray


def check_Cs(Cs):
    """Cs as an increasing float64 grid: an int m (scikit-learn's ``logspace(-4, 4, m)``)
    or positive finite values."""
    if isinstance(Cs, numbers.Integral) and not isinstance(Cs, (bool, np.bool_)):
        check_scalar(Cs, "Cs", "int", low=1)
        return np.logspace(-4, 4, int(Cs))
    try:
        arr = np.atleast_1d(np.asarray(Cs, dtype=np.float64))
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) \
            or np.any(arr <= 0):
        raise ValueError(f"Cs must be an int or a list of positive finite numbers, got "
                         f"{Cs!r}.")
    return np.sort(arr)


def cross_validate_logistic(X, labels, folds, *, l1_ratios, Cs=None, alphas=None, eps=None,
                            fit_weight=None, score_weight=None, scoring="neg_log_loss",
                            fit_intercept=True, tol=1e-4, max_iter=1000, n_threads=1,
                            positive=False, penalty=None,
                            warning_category=ConvergenceWarning):
    """Held-out scores of every (l1_ratio x fold x target) path, computed in one call,
    and the choice of each label row's (l1_ratio, alpha).

    Parameters
    ----------
    X : ndarray (Fortran-ordered) or scipy.sparse.csc_matrix
    labels : fastpen._logistic.Labels
    folds : sequence of (train, test) row-index arrays
        At least two.
    l1_ratios : float or sequence of float in [0, 1]
    Cs : int or array-like, optional
        scikit-learn's grid (inverse strengths on the sum scale).  Exactly one of
        ``Cs`` and ``alphas`` is given.
    alphas : int or array-like, optional
        glmnet's: the size of an automatic grid (from each label row's alpha_max on
        the whole data, for each l1_ratio, down to ``eps`` times it) or the alphas.
    eps : float, optional
        Length of an automatic grid; default 1e-4 when n >= p, else 1e-2.
    fit_weight : ndarray of shape (n,), optional
        Effective weights of the fits (sample weights times class weights).
    score_weight : ndarray of shape (n,), optional
        Weights of the held-out scores (scikit-learn's: the sample weights).
    scoring : {'neg_log_loss', 'accuracy', 'roc_auc'}
        Weighted mean held-out log-loss (negated), fraction classified correctly,
        or area under the ROC curve (binomial models only).
    penalty : dict, optional
        Keywords of :func:`fastpen._penalty.make_penalty`.

    Returns
    -------
    LogisticCVResult
    """
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {SCORINGS}, got {scoring!r}.")
    if scoring == "roc_auc" and labels.n_blocks > 1:
        raise ValueError("scoring='roc_auc' needs binary labels (or a 2-D 0/1 y); use "
                         "'neg_log_loss' or 'accuracy' for more than two classes.")
    if (Cs is None) == (alphas is None):
        raise ValueError("Give exactly one of Cs and alphas.")
    n, p = X.shape
    k, T = labels.n_blocks, labels.rows.shape[0]
    penalty = {} if penalty is None else dict(penalty)
    l1_ratios = check_l1_ratios(l1_ratios)
    L = l1_ratios.size
    fit_base = np.ones(n) if fit_weight is None else np.asarray(fit_weight, np.float64)
    score_base = np.ones(n) if score_weight is None else np.asarray(score_weight,
                                                                      np.float64)
    folds = check_folds(folds, n)
    F = len(folds)
    if F < 2:
        raise ValueError(f"cv: cross-validation needs at least 2 folds, got {F}.")

    groups, train_sums, tests = [], np.empty(F), []
    for f, (train, test) in enumerate(folds):
        w = np.bincount(train, minlength=n) * fit_base     # a row listed twice counts twice
        train_sums[f] = w.sum()
        if not train_sums[f] > 0:
            raise ValueError("sample_weight: a cross-validation fold has no training row "
                             "of positive weight.")
        rows, count = np.unique(test, return_counts=True)
        test_w = score_base[rows] * count
        if not test_w.sum() > 0:
            raise ValueError("sample_weight: a cross-validation fold has no held-out row "
                             "of positive weight.")
        tests.append((rows, test_w))
        groups.append(make_logistic_group(X, _group_weights(w, n),
                                          fit_intercept=fit_intercept, n_threads=n_threads,
                                          penalty=penalty, n_blocks=k))

    # the grid, on the whole data's scale (L, T, m) and each fold's (L, F, T, m)
    C_grid = None
    if Cs is not None:
        C_grid = check_Cs(Cs)
        total = fit_base.sum()
        m = C_grid.size
        whole = np.broadcast_to(1.0 / (C_grid * total), (L, T, m)).copy()
        per_fold = np.broadcast_to((1.0 / (C_grid[None, :] * train_sums[:, None]))[
            None, :, None, :], (L, F, T, m)).copy()
    else:
        whole = _alpha_grids(X, labels, fit_weight, l1_ratios, alphas, eps,
                             fit_intercept=fit_intercept, n_threads=n_threads,
                             positive=positive, penalty=penalty, max_iter=max_iter)
        m = whole.shape[2]
        per_fold = np.broadcast_to(whole[:, None], (L, F, T, m)).copy()

    # problems in (l1_ratio, fold, target) order
    li, fi, ti = (g.ravel() for g in np.meshgrid(np.arange(L), np.arange(F), np.arange(T),
                                                 indexing="ij"))
    A = per_fold.reshape(L * F * T, m)
    l1 = l1_ratios[li][:, None]
    nulls = [null_fit(labels.rows, g.prob.sw, k, fit_intercept) for g in groups]
    null_loss = np.stack([nl for nl, _ in nulls])[fi, ti]               # (P,)
    icpt0 = np.stack([ic for _, ic in nulls])[fi, ti]                   # (P, k)
    run = run_logistic(X, labels, groups, group=fi, target=ti, a=n * A * l1,
                       b=n * A * (1.0 - l1), tol_abs=tol * null_loss,
                       coef0=np.zeros((fi.size, k * p)), icpt0=icpt0,
                       fit_intercept=fit_intercept, max_iter=max_iter, n_threads=n_threads,
                       positive=positive)
    warn_logistic_unconverged(run.gaps, tol * null_loss, run.n_iter, max_iter * k, n, alphas=A,
                              loss=run.loss, null_loss=null_loss, dtype=X.dtype,
                              category=warning_category)
    intercepts = run.intercepts if fit_intercept else np.zeros_like(run.intercepts)
    scores = held_out_scores(X, labels, run.coefs, intercepts, fi, ti, tests, scoring)
    scores = scores.reshape(L, F, T, m).transpose(0, 3, 1, 2)           # (L, m, F, T)

    errors = -scores
    mean_err, se = _defined_fold_mean_se(errors, scoring)
    lj, aj, one = select_alpha(errors, per_target=True, mean_se=(mean_err, se))
    return LogisticCVResult(
        l1_ratios=l1_ratios, alphas=whole, Cs=C_grid, fold_alphas=per_fold, scores=scores,
        mean=-mean_err, se=se, l1_index=lj, alpha_index=aj, alpha_1se_index=one,
        fold_coefs=run.coefs.reshape(m, L, F, T, k, p),
        fold_intercepts=centred_intercepts(intercepts, fit_intercept).reshape(m, L, F, T, k))


def _defined_fold_mean_se(errors, scoring):
    """Mean over the folds (axis 2) of ``errors`` (L, m, F, T) and its standard error,
    over the folds where the score is defined: AUC is not on a fold whose held-out
    rows hold one class (NaN).  The folds are added in order (as fold_mean_se does).
    Raises a ValueError naming the target when no fold defines it."""
    L, m, F, T = errors.shape
    defined = ~np.isnan(errors)
    count = defined.sum(axis=2)
    undefined = np.flatnonzero((count == 0).any(axis=(0, 1)))
    if undefined.size:
        raise ValueError(
            f"scoring={scoring!r} is undefined on every held-out fold of target "
            f"{undefined[0]} (each fold holds a single class of it); use fewer folds or "
            "another scoring.")
    if defined.all():
        return fold_mean_se(errors)
    filled = np.where(defined, errors, 0.0)
    total = np.zeros((L, m, T))
    for f in range(F):
        total += filled[:, :, f]
    mean = total / count
    squares = np.zeros((L, m, T))
    for f in range(F):
        squares += np.where(defined[:, :, f], (errors[:, :, f] - mean) ** 2, 0.0)
    var = np.where(count > 1, squares / np.maximum(count - 1, 1), 0.0)
    return mean, np.sqrt(var / count)


def _alpha_grids(X, labels, fit_weight, l1_ratios, alphas, eps, *, fit_intercept, n_threads,
                 positive, penalty, max_iter):
    """(L, T, m) decreasing grids: given, or automatic from each label row's alpha_max on
    the whole data (with l1_ratio = 0, that of l1_ratio = 1e-3, as glmnet's)."""
    n, p = X.shape
    L, T = l1_ratios.size, labels.rows.shape[0]
    if isinstance(alphas, (bool, np.bool_)) or not (
            isinstance(alphas, numbers.Integral) or np.ndim(alphas) == 1):
        raise TypeError(f"alphas must be an int (grid size) or a 1-D array of alphas, "
                        f"got {alphas!r}.")
    if not isinstance(alphas, numbers.Integral):
        from ._validation import check_alphas

        grid = check_alphas(alphas)
        return np.broadcast_to(grid, (L, T, grid.size)).copy()
    m = check_scalar(alphas, "alphas", "int", low=1)
    eps = (_EPS_TALL if n >= p else _EPS_WIDE) if eps is None else check_scalar(
        eps, "eps", low=0.0, high=1.0, low_inclusive=False)
    grp = whole_group(X, fit_weight, fit_intercept=fit_intercept, n_threads=n_threads,
                      penalty=penalty, n_blocks=labels.n_blocks)
    if not np.any(grp.pen.active & (grp.pen.l1 > 0)) and np.any(grp.pen.active):
        raise ValueError("alphas: an automatic grid needs a penalty on at least one "
                         "non-constant feature; pass an explicit array of alphas.")
    tiny = np.finfo(np.float64).resolution
    grids = np.empty((L, T, m))
    for j, r in enumerate(l1_ratios):
        top = logistic_alpha_max(X, labels, grp, l1_ratio=max(r, _RIDGE_GRID_L1_RATIO),
                                 fit_intercept=fit_intercept, positive=positive,
                                 n_threads=n_threads, max_iter=max_iter)[0]
        for t in range(T):
            grids[j, t] = (np.geomspace(top[t], top[t] * eps, num=m) if top[t] > tiny
                           else np.full(m, tiny))
    return grids


# ----------------------------------------------------------------- held-out scores


def held_out_scores(X, labels, coefs, intercepts, fold_of, target_of, tests, scoring):
    """Held-out score (higher is better) of every problem at every alpha: (P, M).

    ``coefs`` (M, P, k p) and ``intercepts`` (M, P, k) as
    :func:`fastpen._logistic.run_logistic` returns them; ``fold_of``,
    ``target_of`` (P,): each problem's fold and label row; ``tests``: per fold,
    (held-out rows, their weights).  One product ``X_test @ W.T`` per fold and
    chunk of problems gives the linear predictors at all alphas.
    """
    M, P, kp = coefs.shape
    k = labels.n_blocks
    p = kp // k
    out = np.empty((P, M))
    for f, (rows, w) in enumerate(tests):
        problems = np.flatnonzero(fold_of == f)
        if problems.size == 0:
            continue
        Xt = X[rows]
        Xt = Xt.astype(np.float64) if Xt.dtype != np.float64 else Xt
        nt = rows.size
        chunk = max(1, _SCORE_CHUNK // (nt * M * k))
        for start in range(0, problems.size, chunk):
            sel = problems[start:start + chunk]
            c = sel.size
            W = np.asarray(coefs[:, sel, :], dtype=np.float64).reshape(M * c * k, p)
            eta = np.asarray(Xt @ W.T).reshape(nt, M, c, k) + intercepts[None, :, sel, :]
            y = labels.rows[target_of[sel]][:, rows].T                 # (nt, c)
            out[sel] = _score(eta, y, w, scoring).T
    return out


def _score(eta, y, w, scoring):
    """Weighted held-out scores (M, c) from linear predictors eta (nt, M, c, k) and
    labels y (nt, c): 0/1 for k = 1, class indices for k > 1."""
    nt, M, c, k = eta.shape
    total = w.sum()
    if scoring == "roc_auc":
        positive = np.broadcast_to(y[:, None, :] == 1, (nt, M, c)).reshape(nt, M * c)
        return weighted_auc(eta[..., 0].reshape(nt, M * c), positive, w).reshape(M, c)
    if k == 1:
        e, yb = eta[..., 0], y[:, None, :]
        if scoring == "accuracy":
            value = ((e > 0) == (yb == 1)).astype(np.float64)
        else:           # -log p(y) = log(1 + exp(eta)) - y eta, stable for any eta
            value = -(np.logaddexp(0.0, e) - yb * e)
    else:
        cls = np.broadcast_to(y[:, None, :, None].astype(np.intp), (nt, M, c, 1))
        if scoring == "accuracy":
            value = (np.argmax(eta, axis=3) == cls[..., 0]).astype(np.float64)
        else:
            top = eta.max(axis=3, keepdims=True)
            lse = (top + np.log(np.exp(eta - top).sum(axis=3, keepdims=True)))[..., 0]
            value = np.take_along_axis(eta, cls, axis=3)[..., 0] - lse
    return np.tensordot(w, value, axes=(0, 0)) / total


def weighted_auc(scores, positive, w):
    """Area under the ROC curve of every column of ``scores`` (n, Q) for the 0/1
    labels ``positive`` (n, Q), rows weighted by ``w`` (n,): the weighted
    Mann-Whitney statistic, tied scores counting one half (scikit-learn's
    ``roc_auc_score`` with ``sample_weight``).  NaN for a column with one class."""
    n, Q = scores.shape
    order = np.argsort(scores, axis=0, kind="stable")
    s = np.take_along_axis(scores, order, axis=0)
    pos = np.take_along_axis(np.asarray(positive, dtype=bool), order, axis=0)
    ww = w[order]
    wp, wn = ww * pos, ww * ~pos
    new = np.ones((n, Q), dtype=bool)
    new[1:] = s[1:] != s[:-1]                 # a new run of tied scores (per column)
    # runs numbered across the columns (a column's first row always starts a run)
    run_id = np.cumsum(new.T.ravel()) - 1
    n_runs = int(run_id[-1]) + 1
    neg_in = np.bincount(run_id, wn.T.ravel(), n_runs)
    pos_in = np.bincount(run_id, wp.T.ravel(), n_runs)
    run_col = np.repeat(np.arange(Q), n)[new.T.ravel()]
    neg_col = wn.sum(axis=0)
    before_col = np.concatenate([[0.0], np.cumsum(neg_col)[:-1]])
    below = np.cumsum(neg_in) - neg_in - before_col[run_col]     # negatives scored lower
    wins = np.bincount(run_col, pos_in * (below + 0.5 * neg_in), Q)
    with np.errstate(invalid="ignore", divide="ignore"):
        return wins / (wp.sum(axis=0) * neg_col)
