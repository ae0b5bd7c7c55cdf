"""Cross-validated elastic-net paths: every (l1_ratio x fold x target) path in one call.

A fold is a weighting of the rows of X: its training rows keep their sample
weights (rescaled to sum to n), its held-out rows get weight 0, and the
kernels report the weighted mean squared error on the held-out rows after
every alpha from the residual they keep anyway (in Gram mode, from the
coefficients).  So X is never copied per fold, and no coefficients are kept
per fold.  scikit-learn's conventions: the alpha grid comes from the whole
data, the error is ``np.average(residual**2, weights=sample_weight[test])``.
"""
import numbers
from dataclasses import dataclass

import numpy as np

from . import _batch
from ._gram import blas_single_threaded, use_gram
from ._multi import make_group, run_paths, targets_alpha_max
from ._problem import (
    SolverOptions,
    alpha_grid,
    check_grid_possible,
    check_inputs,
    warn_batch_unconverged,
)
from ._validation import check_alphas, check_finite_fit, check_scalar, is_grid_size

__all__ = ["CVPaths", "CVResult", "cross_validate_enet", "cv_paths", "grid_edges",
           "fold_mean_se", "select_alpha", "target_grids", "warn_grid_edge"]


@dataclass
class CVPaths:
    """Grids and held-out errors of a cross-validated fit (L l1_ratios, F folds, k targets).

    alphas : (L, k, m) -- each target's grid for each l1_ratio
    mse : (L, m, F, k) -- weighted held-out mean squared errors
    """

    alphas: np.ndarray
    mse: np.ndarray
    full: object            # the whole-data group (fastpen._multi.Group)
    X: object               # X as validated (Fortran or CSC)
    Y: np.ndarray           # (n, k) float64


@blas_single_threaded
def cv_paths(X, Y, folds, *, l1_ratios, alphas=100, eps=1e-3, fit_intercept=True,
             sample_weight=None, solver, penalty, precompute="auto", shared_grid=True,
             verbose=False, grids=None, whole=None):
    """Held-out errors along every path; see :class:`CVPaths`.

    ``folds``: a sequence of (train, test) row-index arrays.  ``shared_grid``:
    with several targets, one automatic grid for all (from the largest
    alpha_max), as needed to pick one alpha for all targets; otherwise each
    target's own.  ``grids``: the (L, k, m) grids already made (by
    :func:`target_grids`), instead of ``alphas``; ``whole``: when ``folds``
    (and ``l1_ratios``, ``Y``) are some of a cross-validation's (fastpen.dask
    splits them into tasks), the whole cross-validation's (l1_ratios, folds,
    targets) counts, so that the Gram-or-not choice is the one a single call
    would make.
    """
    X, Y, sw, fit_intercept, full = whole_data(X, Y, sample_weight, fit_intercept,
                                               solver.n_threads, penalty)
    n, p = X.shape
    k = Y.shape[1]
    base = np.ones(n) if sw is None else sw
    l1_ratios = check_l1_ratios(l1_ratios)
    if grids is None:
        grids = _grids(full, Y, l1_ratios, alphas, eps, shared_grid, solver.n_threads)
    grids = np.ascontiguousarray(grids, dtype=np.float64)                   # (L, k, m)
    L, m = l1_ratios.size, grids.shape[2]

    if not (isinstance(precompute, (str, bool, np.bool_)) or precompute is None):
        raise ValueError("precompute: a Gram matrix cannot be given for cross-validation "
                         "(each fold has its own); pass 'auto', True or False.")
    groups = []
    for train, test in folds:
        # a row listed twice in a fold counts twice, as in scikit-learn's fits
        w = np.bincount(_rows(train, n, "train"), minlength=n) * base
        rows, count = np.unique(_rows(test, n, "test"), return_counts=True)
        if not w.sum() > 0:
            raise ValueError("sample_weight: a cross-validation fold has no training row "
                             "of positive weight.")
        if not base[rows].sum() > 0:
            raise ValueError("A cross-validation fold has no held-out row of positive "
                             "weight.")
        groups.append(make_group(X, Y, sw=w * (n / w.sum()), fit_intercept=fit_intercept,
                                 n_threads=solver.n_threads, penalty=penalty,
                                 test_rows=rows, test_w=base[rows] * count))
    F = len(groups)
    if F < 2 and whole is None:
        raise ValueError(f"Cross-validation needs at least 2 folds, got {F}.")
    # problems in (l1_ratio, fold, target) order
    li, fi, ci = np.meshgrid(np.arange(L), np.arange(F), np.arange(k), indexing="ij")
    li, fi, ci = li.ravel(), fi.ravel(), ci.ravel()
    a = grids[li, ci]                                       # (P, m)
    l1 = l1_ratios[li][:, None]
    L_all, F_all, k_all = whole if whole is not None else (L, F, k)
    gram = (use_gram(precompute, full.prob, L_all * m * k_all) is not None
            and not _gram_too_big(X, F_all))
    res = run_paths(X, Y, groups, group=fi, target=ci, a=n * a * l1, b=n * a * (1.0 - l1),
                    solver=solver, gram=gram, precompute=precompute, store=False,
                    verbose=verbose)
    warn_batch_unconverged(res, solver.warning_category, n, solver.max_iter, X.dtype)
    mse = res.test_err.reshape(L, F, k, m).transpose(0, 3, 1, 2)
    return CVPaths(alphas=grids, mse=mse, full=full, X=X, Y=Y)


def target_grids(X, Y, *, l1_ratios, alphas=100, eps=1e-3, fit_intercept=True,
                 sample_weight=None, penalty, n_threads=1):
    """Each target's own alpha grid (L, k, m) for every l1_ratio, from the whole data
    (what :func:`cv_paths` makes with ``shared_grid=False``)."""
    full = whole_data(X, Y, sample_weight, fit_intercept, n_threads, penalty)[4]
    return _grids(full, Y, check_l1_ratios(l1_ratios), alphas, eps, False, n_threads)


def whole_data(X, Y, sample_weight, fit_intercept, n_threads, penalty):
    """(X, Y, weights, fit_intercept) validated, and the whole data's group (its column
    statistics and penalty), which grids, cross-validation and the refit start from."""
    X, Y, sw, fit_intercept = check_inputs(X, Y, sample_weight, fit_intercept)
    full = make_group(X, Y, sw=sw if sw is not None else np.empty(0),
                      fit_intercept=fit_intercept, n_threads=n_threads, penalty=penalty)
    return X, Y, sw, fit_intercept, full


def _gram_too_big(X, n_folds):
    """One Gram matrix per fold must stay within half of X's memory."""
    n, p = X.shape
    return n_folds * p * p * 8 > 0.5 * n * p * X.dtype.itemsize


def check_l1_ratios(l1_ratios):
    """l1_ratio of the CV estimators: a number or a list of numbers in [0, 1]."""
    try:
        arr = np.atleast_1d(np.asarray(l1_ratios, dtype=np.float64))
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or arr.size == 0 or not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"l1_ratio must be a number or a list of numbers in [0, 1], "
                         f"got {l1_ratios!r}.")
    return arr


def check_folds(splits, n):
    """A user's (train, test) folds as lists of row indices in [0, n)."""
    folds = [(_rows(train, n, "train"), _rows(test, n, "test")) for train, test in splits]
    if not folds:
        raise ValueError("cv yields no folds.")
    return folds


def _rows(idx, n, name):
    idx = np.asarray(idx)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"A boolean {name} mask must have {n} entries.")
        idx = np.flatnonzero(idx)
    if idx.dtype.kind not in "iu" or idx.ndim != 1:
        raise TypeError(f"The {name} rows of a fold must be integer indices.")
    if idx.size == 0 or idx.min() < -n or idx.max() >= n:
        raise ValueError(f"The {name} rows of a fold must be non-empty indices in "
                         f"[0, {n}).")
    return np.where(idx < 0, idx + n, idx)


def _grids(full, Y, l1_ratios, alphas, eps, shared, n_threads):
    """(L, k, m) alpha grids, decreasing: automatic (from the whole data) or given."""
    k, L = Y.shape[1], l1_ratios.size
    if isinstance(alphas, (bool, np.bool_)) or (
            np.ndim(alphas) == 0 and not isinstance(alphas, numbers.Integral)):
        raise TypeError(f"alphas must be an int (grid size) or an array of alphas, "
                        f"got {alphas!r}.")
    if isinstance(alphas, numbers.Integral):
        check_scalar(alphas, "alphas", "int", low=1)
        check_scalar(eps, "eps", low=0.0, high=1.0, low_inclusive=False)
        check_grid_possible(full.pen, float(np.min(l1_ratios)))
        top = targets_alpha_max(full, Y, 1.0, n_threads)            # (k,), l1_ratio = 1
        if shared:
            top = np.full(k, top.max())
        return np.array([[alpha_grid(a / r, alphas, eps) for a in top]
                         for r in l1_ratios])
    grid = check_alphas(alphas)
    return np.broadcast_to(grid, (L, k, grid.size)).copy()


def select_alpha(mse, per_target, mean_se=None):
    """Index (l1_ratio, alpha) of the smallest mean held-out error, and the 1-SE alpha.

    ``mse`` (L, m, F, k); ``mean_se``: its :func:`fold_mean_se`, when the caller has
    it already.  Returns arrays (k,) of l1_ratio indices, alpha
    indices and 1-SE alpha indices: per target, or the same for every target
    when the mean error over targets is minimised (``per_target=False``).
    The 1-SE alpha is the largest alpha (smallest index) of the chosen
    l1_ratio whose mean error is within one standard error (over the folds) of
    the minimum (glmnet's lambda.1se).
    """
    L, m, F, k = mse.shape
    mean, se = fold_mean_se(mse) if mean_se is None else mean_se      # (L, m, k) each
    if not per_target:
        crit = mean.mean(axis=2)
        li, ai = np.unravel_index(np.argmin(crit), crit.shape)
        se_curve = mse.mean(axis=3).std(axis=2, ddof=1)[li] / np.sqrt(F)
        one = np.flatnonzero(crit[li] <= crit[li, ai] + se_curve[ai])[0]
        return np.full(k, li), np.full(k, ai), np.full(k, one)
    li, ai, one = np.empty(k, dtype=int), np.empty(k, dtype=int), np.empty(k, dtype=int)
    for c in range(k):
        li[c], ai[c] = np.unravel_index(np.argmin(mean[:, :, c]), (L, m))
        one[c] = np.flatnonzero(mean[li[c], :, c] <= mean[li[c], ai[c], c]
                                + se[li[c], ai[c], c])[0]
    return li, ai, one


def fold_mean_se(mse):
    """Mean over the folds (axis 2) of ``mse`` and its standard error, the folds added
    in order for every entry: NumPy's reductions add a contiguous axis pairwise but
    a strided one in order, so a target's choice would otherwise depend on the
    layout its errors were gathered in (fastpen.dask stacks them by block)."""
    F = mse.shape[2]
    total = np.zeros(mse.shape[:2] + mse.shape[3:])
    for f in range(F):
        total += mse[:, :, f]
    mean = total / F
    dev2 = np.zeros_like(total)
    for f in range(F):
        dev2 += (mse[:, :, f] - mean) ** 2
    return mean, np.sqrt(dev2 / (F - 1)) / np.sqrt(F) if F > 1 else np.full_like(mean, np.nan)


@blas_single_threaded
def refit(cvp, alphas, l1_ratios, solver, precompute="auto", n_fits=None):
    """Fit every target on the whole data at its chosen (alpha, l1_ratio), in one call.

    ``n_fits``: the count of targets refitted in all when these are some of them
    (fastpen.dask), for the Gram-or-not choice.
    Returns (coefs (k, p), intercepts (k,), gaps (k,) on the 1/n scale, n_iter (k,)).
    """
    X, Y, full = cvp.X, cvp.Y, cvp.full
    n, k = Y.shape
    alphas = np.asarray(alphas, dtype=np.float64)[:, None]
    l1 = np.asarray(l1_ratios, dtype=np.float64)[:, None]
    gram = use_gram(precompute, full.prob, n_fits or k) is not None
    res = run_paths(X, Y, [full], group=np.zeros(k), target=np.arange(k),
                    a=n * alphas * l1, b=n * alphas * (1.0 - l1), solver=solver, gram=gram,
                    precompute=precompute)
    coefs = res.coefs[0]
    intercepts = (_batch.intercepts(res.coefs, full.prob.x_mean, full.y_mean,
                                    solver.n_threads)[0] if full.prob.fit_intercept
                  else np.zeros(k)).astype(X.dtype)
    check_finite_fit(X.dtype, coefs, res.gaps, intercepts)
    warn_batch_unconverged(res, solver.warning_category, n, solver.max_iter, X.dtype)
    return coefs, intercepts, res.gaps[:, 0] / n, res.n_iter[:, 0].astype(int)


# ------------------------------------------------------------------ grid edges

# Two errors closer than this (relative) are a tie: a chosen alpha at an end of the
# grid that ties with its neighbour (a flat curve: a constant target, a null model
# over the top of a user's grid) is no sign that the error falls beyond the end.
_TIE_RTOL = 1e-10


def grid_edges(grids, errors, alpha_index, *, largest_is_null=False, null_fit=None):
    """Which chosen alphas sit at an end of their grid where the CV error still falls.

    Parameters
    ----------
    grids : array of shape (k, m)
        Each target's grid of alphas (any order; repeated values allowed).
    errors : array of shape (k, m)
        The criterion the choice minimised (the mean held-out error), aligned with
        ``grids``.
    alpha_index : array of shape (k,)
        The index of each target's chosen alpha.
    largest_is_null : bool, default=False
        The grids' largest alpha is alpha_max (the automatic lasso / elastic-net
        grid): every penalised coefficient is zero there and at any larger alpha
        (zero stays optimal as the penalty grows), so a larger alpha fits the same
        model and that end is never reported.
    null_fit : boolean array of shape (k,), optional
        The refit at the chosen alpha has every coefficient zero: any larger alpha
        refits the same model (zero stays optimal as the penalty grows), so the
        largest end is not reported for that target (a given grid reaching past
        alpha_max: the folds' own alpha_max differ, so their errors need not tie).

    Returns
    -------
    at_smallest, at_largest : boolean arrays of shape (k,)
        The chosen alpha is the smallest (largest) value of its grid, or every
        grid value beyond it towards that end has the same error (a tie within a
        relative 1e-10: a solver at a loose tolerance can return the same fit at
        neighbouring alphas, and the choice then stops one step short of the
        end); the grid has more than one distinct value; and the error at the
        nearest value on the other side is above it: the curve is still falling
        at that end.
    """
    grids = np.asarray(grids, dtype=np.float64)
    errors = np.asarray(errors, dtype=np.float64)
    alpha_index = np.asarray(alpha_index, dtype=np.intp)
    k, m = grids.shape
    rows = np.arange(k)[:, None]
    if np.all(grids[:, 1:] < grids[:, :-1]):                   # decreasing, as made
        g, e, pos = grids[:, ::-1], errors[:, ::-1], m - 1 - alpha_index
    else:                                                       # sorted increasing
        order = np.argsort(grids, axis=1, kind="stable")
        g, e = grids[rows, order], errors[rows, order]
        pos = np.argmax(order == alpha_index[:, None], axis=1)
    chosen, chosen_g = e[rows[:, 0], pos][:, None], g[rows[:, 0], pos][:, None]
    tied = np.abs(e - chosen) <= _TIE_RTOL * np.maximum(np.abs(e), np.abs(chosen))
    tied |= g == chosen_g                       # a repeated alpha is the same alpha
    # the flat run of the chosen error reaches an end when the run of ties counted
    # from that end passes the choice; the first value past the run must be higher
    from_low = np.cumprod(tied, axis=1).sum(axis=1)
    from_high = np.cumprod(tied[:, ::-1], axis=1).sum(axis=1)
    chosen = chosen[:, 0]
    usable = (g[:, 0] < g[:, -1]) & np.isfinite(chosen)
    past_low = e[rows[:, 0], np.minimum(from_low, m - 1)]
    past_high = e[rows[:, 0], np.maximum(m - 1 - from_high, 0)]
    at_smallest = usable & (from_low > pos) & (from_low < m) & (past_low > chosen)
    at_largest = usable & (from_high > m - 1 - pos) & (from_high < m) & (past_high > chosen)
    if largest_is_null:
        at_largest[:] = False
    if null_fit is not None:
        at_largest &= ~np.asarray(null_fit, dtype=bool)
    return at_smallest, at_largest


def enet_lower_hint(alphas, eps):
    """What widens a lasso / elastic-net grid downwards, for :func:`warn_grid_edge`:
    ``alphas`` and ``eps`` as the caller was given them."""
    if is_grid_size(alphas):
        return f"lower eps (now {eps:g}) or give smaller alphas"
    return "give smaller alphas"


def warn_grid_edge(at_smallest, at_largest, chosen_alphas, *, lower_hint,
                   higher_hint="give larger alphas"):
    """One :class:`fastpen.GridEdgeWarning` when any chosen alpha sits at an end of its
    grid (:func:`grid_edges`); nothing otherwise.

    Parameters
    ----------
    at_smallest, at_largest : boolean arrays of shape (k,)
        From :func:`grid_edges`.  One entry: one alpha (one target, or one alpha
        shared by all targets), whose value the message quotes; several: the
        message counts the targets at each end.
    chosen_alphas : array of shape (k,)
    lower_hint, higher_hint : str
        What the user changes to extend the grid below its smallest alpha (e.g.
        "lower eps (now 0.001) or give smaller alphas"; :func:`enet_lower_hint`)
        and above its largest.

    Returns
    -------
    bool
        Whether a warning was issued.
    """
    from ._warnings import GridEdgeWarning, warn

    at_smallest = np.atleast_1d(np.asarray(at_smallest, dtype=bool))
    at_largest = np.atleast_1d(np.asarray(at_largest, dtype=bool))
    chosen_alphas = np.atleast_1d(np.asarray(chosen_alphas, dtype=np.float64))
    n_low, n_high, k = int(at_smallest.sum()), int(at_largest.sum()), at_smallest.size
    if n_low == 0 and n_high == 0:
        return False
    if k == 1:
        end, hint = ("smallest", lower_hint) if n_low else ("largest", higher_hint)
        beyond = "below" if n_low else "above"
        message = (f"The cross-validated alpha ({chosen_alphas[0]:.4g}) is the {end} of "
                   f"the grid, and the CV error was still falling there: an alpha "
                   f"{beyond} it may do better.  To look further, {hint}.")
        if n_low:
            message += ("  (If the choice stays at the smallest alpha however far the "
                        "grid goes, cross-validation prefers little or no penalty.)")
    else:
        parts = []
        if n_low:
            parts.append(f"{n_low} of {k} targets have the smallest alpha of their grid "
                         f"(to look below it, {lower_hint})")
        if n_high:
            parts.append(f"{n_high} of {k} targets have the largest alpha of their grid "
                         f"(to look above it, {higher_hint})")
        message = ("Cross-validated alphas at an end of the grid, where the CV error was "
                   "still falling: " + "; ".join(parts) + ".")
    warn(message, GridEdgeWarning)
    return True


# ------------------------------------------------------------------ functional CV


@dataclass
class CVResult:
    """A cross-validated elastic net (:func:`cross_validate_enet`); L l1_ratios, m
    alphas, F folds, k targets.

    Attributes
    ----------
    l1_ratios : (L,)
    alphas : (L, k, m)
        Each target's grid for each l1_ratio, decreasing.
    mse : (L, m, F, k)
        Held-out (weighted) mean squared error of every fold.
    mean, se : (L, m, k)
        Their mean over the folds and its standard error (std over folds / sqrt(F)).
        With one alpha shared by all targets the choice minimises ``mean``'s mean
        over the targets (its SE: of the target-averaged fold errors).
    l1_index, alpha_index, alpha_1se_index : (k,) int
        The chosen l1_ratio, alpha and 1-SE alpha (the largest alpha whose mean
        error is within one SE of the minimum, glmnet's lambda.1se) of each target.
    l1_ratio, alpha, alpha_1se : (k,)
        Their values.
    coefs : (k, p); intercepts, dual_gaps, n_iter : (k,)
        The refit on the whole data at each target's chosen (alpha, l1_ratio);
        dual gaps on scikit-learn's ``dual_gap_`` scale.
    at_smallest, at_largest : (k,) bool
        The chosen alpha is at that end of its grid with the error still falling
        there (:func:`grid_edges`); never the largest of an automatic grid (its
        alpha_max fits the null model, as any larger alpha), nor a largest alpha
        whose refit is all zero.
    automatic_grid : bool
        Whether the grids were made from ``alphas`` as a count.
    """

    l1_ratios: np.ndarray
    alphas: np.ndarray
    mse: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    l1_index: np.ndarray
    alpha_index: np.ndarray
    alpha_1se_index: np.ndarray
    l1_ratio: np.ndarray
    alpha: np.ndarray
    alpha_1se: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iter: np.ndarray
    at_smallest: np.ndarray
    at_largest: np.ndarray
    automatic_grid: bool


def cross_validate_enet(X, Y, folds, *, l1_ratios, alphas=100, eps=1e-3, fit_intercept=True,
                        sample_weight=None, solver=None, penalty=None, precompute="auto",
                        per_target=False, verbose=False, warn_edges=True):
    """K-fold cross-validated elastic net without scikit-learn: held-out errors along
    every (l1_ratio x fold x target) path in one call, the choice of each target's
    alpha and l1_ratio, and the refit on the whole data.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, p)
    Y : ndarray of shape (n, k) or (n,)
        The targets (a 1-D y is one target; the result keeps its target axis).
    folds : sequence of (train, test) row-index arrays
        At least two.
    l1_ratios : float or sequence of float in [0, 1]
    alphas : int or array-like, default=100
        The automatic grid's size (from the whole data, alpha_max down to
        ``eps * alpha_max``) or the alphas to try.
    eps : float, default=1e-3
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n,), optional
        Weights of the fits and of the held-out errors.
    solver : fastpen._problem.SolverOptions, optional
        tol, max_iter, selection, threads, positivity; default: fastpen's defaults.
    penalty : dict, optional
        Keywords of the penalty (penalty_factor, exclude, standardize, lower_bounds,
        upper_bounds, positive) as :func:`fastpen.enet_path` takes them.
    precompute : {'auto', True, False}, default='auto'
    per_target : bool, default=False
        Each target its own grid and (alpha, l1_ratio); otherwise one grid and one
        choice for all, minimising the mean error over the targets.
    verbose : bool or callable, default=False
        Progress on stderr, or ``verbose(paths_done, paths_total)``.
    warn_edges : bool, default=True
        Issue a :class:`fastpen.GridEdgeWarning` when a chosen alpha sits at an end
        of its grid (:func:`warn_grid_edge`); the command line passes False and
        words its own from ``at_smallest`` / ``at_largest``.

    Returns
    -------
    CVResult
    """
    if solver is None:
        solver = SolverOptions.check(tol=1e-4, max_iter=1000)
    penalty = {} if penalty is None else dict(penalty)
    penalty.setdefault("positive", solver.positive)
    automatic = is_grid_size(alphas)
    l1_ratios = check_l1_ratios(l1_ratios)
    if np.ndim(Y) == 1:
        Y = np.asarray(Y).reshape(-1, 1)
    cvp = cv_paths(X, Y, folds, l1_ratios=l1_ratios, alphas=alphas, eps=eps,
                   fit_intercept=fit_intercept, sample_weight=sample_weight, solver=solver,
                   penalty=penalty, precompute=precompute, shared_grid=not per_target,
                   verbose=verbose)
    mean, se = fold_mean_se(cvp.mse)                       # (L, m, k)
    li, ai, one = select_alpha(cvp.mse, per_target, mean_se=(mean, se))
    k = cvp.Y.shape[1]
    targets = np.arange(k)
    best = cvp.alphas[li, targets, ai]
    coefs, intercepts, gaps, n_iter = refit(cvp, best, l1_ratios[li], solver, precompute)
    null = ~np.any(coefs != 0, axis=1)                      # (k,)
    if per_target:
        curves = mean[li, :, targets]                        # (k, m)
        at_low, at_high = grid_edges(cvp.alphas[li, targets], curves, ai,
                                     largest_is_null=automatic, null_fit=null)
    else:                       # one choice: the curve of the mean over the targets
        curve = mean.mean(axis=2)[li[0]]
        at_low, at_high = grid_edges(cvp.alphas[li[0], :1], curve[None], ai[:1],
                                     largest_is_null=automatic,
                                     null_fit=null.all(keepdims=True))
        at_low, at_high = np.repeat(at_low, k), np.repeat(at_high, k)
    if warn_edges:
        one_choice = slice(None) if per_target else slice(0, 1)
        warn_grid_edge(at_low[one_choice], at_high[one_choice], best[one_choice],
                       lower_hint=enet_lower_hint(alphas, eps))
    return CVResult(l1_ratios=l1_ratios, alphas=cvp.alphas, mse=cvp.mse, mean=mean, se=se,
                    l1_index=li, alpha_index=ai, alpha_1se_index=one,
                    l1_ratio=l1_ratios[li], alpha=best, alpha_1se=cvp.alphas[li, targets, one],
                    coefs=coefs, intercepts=intercepts, dual_gaps=gaps, n_iter=n_iter,
                    at_smallest=at_low, at_largest=at_high, automatic_grid=automatic)
