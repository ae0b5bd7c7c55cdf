"""glmnet's parametrisation of the elastic net: Gaussian, binomial and multinomial.

Binomial and multinomial
------------------------
glmnet's logistic families minimise ``-loglik / n + lambda [(1 - a)/2 ||w||^2
+ a ||w||_1]`` (weights rescaled to sum to n) with no standardisation of the
response, which is :func:`fastpen.logistic_path`'s objective with ``alpha =
lambda`` and ``l1_ratio = a``: :func:`glmnet_path` passes them on, with glmnet's
defaults (``standardize=True``, penalty factors rescaled to sum to the number of
features, ``lambda_min_ratio`` 1e-4 when n > p else 1e-2, the early stop of an
automatic grid at 99.9 % deviance explained).

Gaussian
--------

glmnet minimises ``1/(2n) sum_i s_i (y_i - b0 - x_i^T w)^2 + lambda [(1 - a)/2 ||w||^2
+ a ||w||_1]`` with ``a`` its ``alpha`` (the mixing) — but with y standardised
internally for the Gaussian family, and lambda reported on the original scale.
Undoing that standardisation gives fastpen's objective with

    alpha * l1_ratio       = lambda * a
    alpha * (1 - l1_ratio) = lambda * (1 - a) / sd(y),

sd(y) the weighted (1/n) standard deviation of y: the L2 part is what the
standardisation changes.  Because l1_ratio then varies along the path when
0 < a < 1, the path is solved directly in per-sum strengths.
"""
import numbers

import numpy as np

from ._batch_args import KnownSolutions
from ._gram import blas_single_threaded
from ._multi import make_group, run_paths, targets_alpha_max, targets_unpenalized_fit
from ._problem import PathResult, SolverOptions, alpha_grid, check_inputs, warn_path_unconverged
from ._threads import holds_threads
from ._validation import ScaleError, check_alphas, check_scalar

__all__ = ["glmnet_path"]

FAMILIES = ("gaussian", "binomial", "multinomial")


@holds_threads
def glmnet_path(X, y, *, family="gaussian", alpha=1.0, lambdas=100, lambda_min_ratio=None,
                fit_intercept=True, sample_weight=None, standardize=True, penalty_factor=None,
                exclude=None, lower_bounds=None, upper_bounds=None, tol=1e-7,
                max_iter=100000, n_threads=None):
    """Elastic-net path in glmnet's parametrisation.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        The response (gaussian), or class labels of any type (binomial: two
        classes, the second of the sorted labels the positive one, as the
        second level of glmnet's factor; multinomial: two or more).
    family : {'gaussian', 'binomial', 'multinomial'}, default='gaussian'
        glmnet's ``family``.  The multinomial penalty is glmnet's ungrouped one
        (``type.multinomial="ungrouped"``).
    alpha : float in [0, 1], default=1.0
        glmnet's mixing parameter: 1 is the lasso, 0 ridge.
    lambdas : int or array-like, default=100
        Number of lambdas on glmnet's automatic log grid, from lambda_max down
        to ``lambda_min_ratio * lambda_max``, or an explicit grid.
    lambda_min_ratio : float, optional
        Default as glmnet: 1e-4 if n_samples > n_features, else 1e-2.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
        glmnet's ``weights`` (rescaled to sum to n_samples, as glmnet does).
    standardize : bool, default=True
        glmnet's default: penalise as if the columns had unit standard deviation;
        coefficients are on the original scale.
    penalty_factor : array-like of shape (n_features,), optional
        Rescaled as glmnet does (excluded features count with a factor of 1,
        all factors sum to n_features); ``np.inf`` excludes a feature.
    exclude : sequence of int, optional
    lower_bounds, upper_bounds : float or array-like, optional
        glmnet's ``lower.limits`` / ``upper.limits``.
    tol : float, default=1e-7
        Duality-gap tolerance, fastpen's meaning — not glmnet's ``thresh``,
        which bounds the change of the objective between sweeps.  Gaussian:
        relative to ``||y - mean(y)||^2 / 2n`` (scikit-learn's); binomial and
        multinomial: relative to the loss of the intercept-only model (half the
        null deviance per sample), as :func:`fastpen.logistic_path`.
    max_iter : int, default=100000
    n_threads : int, optional

    Returns
    -------
    PathResult or LogisticPathResult
        Its ``alphas`` field holds the lambdas (decreasing).  Gaussian: a
        :class:`fastpen.PathResult`; binomial and multinomial: a
        :class:`fastpen.LogisticPathResult` (coefficients (n_lambdas,
        n_features), or (n_lambdas, n_classes, n_features) for multinomial, its
        intercepts centred over the classes as glmnet's; ``classes`` the
        labels).  With an automatic grid a logistic path may end early, as
        glmnet's does (deviance explained above 0.999, or changing by less
        than 1e-5 relative), so it can hold fewer lambdas than asked for.
    """
    if not isinstance(family, str) or family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(map(repr, FAMILIES))}, got "
                         f"{family!r}.")
    if family != "gaussian":
        return _glmnet_logistic(
            X, y, family=family, alpha=alpha, lambdas=lambdas,
            lambda_min_ratio=lambda_min_ratio, fit_intercept=fit_intercept,
            sample_weight=sample_weight, standardize=standardize,
            penalty_factor=penalty_factor, exclude=exclude, lower_bounds=lower_bounds,
            upper_bounds=upper_bounds, tol=tol, max_iter=max_iter, n_threads=n_threads)
    mix = check_scalar(alpha, "alpha", low=0.0, high=1.0)
    solver = SolverOptions.check(tol=tol, max_iter=max_iter, n_threads=n_threads)
    X, Y, sw, fit_intercept = check_inputs(X, y, sample_weight, fit_intercept, single=True)
    penalty = dict(penalty_factor=penalty_factor, exclude=exclude, rescale=True,
                   standardize=standardize, lower_bounds=lower_bounds,
                   upper_bounds=upper_bounds)
    return _glmnet_batch(X, Y, sw, fit_intercept=fit_intercept, mix=mix, lambdas=lambdas,
                         lambda_min_ratio=lambda_min_ratio, solver=solver, penalty=penalty)


@blas_single_threaded
def _glmnet_batch(X, Y, sw, *, fit_intercept, mix, lambdas, lambda_min_ratio, solver, penalty):
    """glmnet_path's fit of the one target Y (n, 1), a batch of one (fastpen._multi)."""
    n, p = X.shape
    group = make_group(X, Y, sw=np.empty(0) if sw is None else sw,
                       fit_intercept=fit_intercept, n_threads=solver.n_threads,
                       penalty=penalty)
    pen = group.pen
    # glmnet computes lambda_max as if alpha were at least 1e-3 (finite for ridge);
    # none without a penalised feature that varies
    W0 = targets_unpenalized_fit(group, Y)
    lambda_max = None
    if not pen.active.any() or (pen.active & (pen.l1 > 0)).any():
        lambda_max = float(targets_alpha_max(group, Y, max(mix, 1e-3), solver.n_threads,
                                             W0=W0)[0])
    if lambda_min_ratio is not None:
        lambda_min_ratio = check_scalar(lambda_min_ratio, "lambda_min_ratio", low=0.0,
                                        high=1.0, low_inclusive=False)
    _check_lambdas_type(lambdas)
    if isinstance(lambdas, (int, np.integer)):
        size = check_scalar(lambdas, "lambdas", "int", low=1)
        if lambda_max is None:
            raise ValueError("An automatic lambda grid needs a penalty (penalty_factor "
                             "> 0) on at least one non-constant feature of X; pass an "
                             "explicit array of lambdas.")
        ratio = (1e-4 if n > p else 1e-2) if lambda_min_ratio is None else lambda_min_ratio
        lambdas = alpha_grid(lambda_max, size, ratio)   # degenerate for lambda_max = 0
    else:
        lambdas = check_alphas(lambdas, "lambdas")
    y_c = Y[:, 0] - group.y_mean[0]
    y_norm2 = float(np.dot(sw * y_c, y_c)) if sw is not None else float(np.dot(y_c, y_c))
    sd_y = np.sqrt(y_norm2 / n) or 1.0
    known = None
    if lambda_max is not None and mix > 0:
        # below alpha=1e-3 the grid's lambda_max is not where the fit becomes zero
        at_max = lambdas >= lambda_max * max(mix, 1e-3) / mix
        known = KnownSolutions(at_max[None].astype(np.int8), W0)
    res = run_paths(X, Y, [group], group=np.zeros(1), target=np.zeros(1),
                    a=(n * lambdas * mix)[None], b=(n * lambdas * (1.0 - mix) / sd_y)[None],
                    solver=solver, gram=False, known=known)
    if (res.df < 0).any() or not np.isfinite(res.gaps).all():
        raise ScaleError(f"non-finite coefficients: the data are too badly scaled for "
                         f"{X.dtype} precision; rescale X and y.")
    warn_path_unconverged(lambdas, res.gaps[0], tol_abs=res.tol_abs[0], n=n,
                          category=solver.warning_category, n_iter=res.n_iter[0],
                          max_iter=solver.max_iter, y_norm2=res.y_norm2[0], dtype=X.dtype)
    y2 = res.y_norm2[0]
    intercepts = res.intercepts[0] if fit_intercept else np.zeros(lambdas.shape[0])
    return PathResult(alphas=np.asarray(lambdas, dtype=np.float64), coefs=res.coefs[:, 0],
                      intercepts=intercepts.astype(X.dtype), dual_gaps=res.gaps[0] / n,
                      n_iter=res.n_iter[0].astype(np.intp), df=res.df[0].astype(np.intp),
                      dev_ratio=1.0 - res.r_norm2[0] / y2 if y2 > 0
                      else np.zeros(lambdas.shape[0]))


def _check_lambdas_type(lambdas):
    if isinstance(lambdas, (bool, np.bool_)) or np.ndim(lambdas) == 0 and not isinstance(
            lambdas, (int, np.integer)):
        raise TypeError(f"lambdas must be an integer (grid size) or an array of lambdas, "
                        f"got {lambdas!r}.")


def _glmnet_logistic(X, y, *, family, alpha, lambdas, lambda_min_ratio, fit_intercept,
                     sample_weight, standardize, penalty_factor, exclude, lower_bounds,
                     upper_bounds, tol, max_iter, n_threads):
    """glmnet_path's binomial and multinomial families: :func:`fastpen.logistic_path`
    with glmnet's names and defaults (``alpha = lambda``, ``l1_ratio = a``)."""
    from ._logistic import logistic_path
    from ._validation import as_array, check_array_2d, issparse

    mix = check_scalar(alpha, "alpha", low=0.0, high=1.0)
    _check_lambdas_type(lambdas)
    if not issparse(y) and np.ndim(as_array(y, "y")) != 1:
        # glmnet reads a 2-column y as (failure, success) counts; fastpen takes labels
        raise ValueError(f"y must be 1-D class labels for family={family!r}, got shape "
                         f"{np.shape(y)}; for many binary targets at once use "
                         "fastpen.logistic_path with a 2-D 0/1 y.")
    automatic = isinstance(lambdas, numbers.Integral)
    eps = None
    if automatic:
        lambdas = check_scalar(lambdas, "lambdas", "int", low=1)
        n, p = X.shape if hasattr(X, "shape") and len(X.shape) == 2 else \
            check_array_2d(X, require_finite=False).shape
        eps = ((1e-4 if n > p else 1e-2) if lambda_min_ratio is None else
               check_scalar(lambda_min_ratio, "lambda_min_ratio", low=0.0, high=1.0,
                            low_inclusive=False))
    else:
        if lambda_min_ratio is not None:
            check_scalar(lambda_min_ratio, "lambda_min_ratio", low=0.0, high=1.0,
                         low_inclusive=False)
        lambdas = check_alphas(lambdas, "lambdas")
    try:
        return logistic_path(
            X, y, l1_ratio=mix, alphas=lambdas, eps=eps, fit_intercept=fit_intercept,
            sample_weight=sample_weight, tol=tol, max_iter=max_iter,
            penalty_factor=penalty_factor, exclude=exclude, rescale_penalty_factor=True,
            lower_bounds=lower_bounds, upper_bounds=upper_bounds, standardize=standardize,
            n_threads=n_threads, family=family)
    except ValueError as exc:
        if str(exc).startswith("An automatic alpha grid"):
            raise ValueError("An automatic lambda grid needs a penalty (penalty_factor > 0) "
                             "on at least one non-constant feature of X; pass an explicit "
                             "array of lambdas.") from None
        raise
