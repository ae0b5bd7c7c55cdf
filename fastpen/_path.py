"""The public elastic-net paths: :func:`enet_path` and :func:`lasso_path`.

They check the options once and hand the fit to the batch layer,
:func:`fastpen._multi.target_paths`: a 2-D y is one independent problem per
column, a 1-D y a batch of one.  The
objective, its scaling and the problem preparation are described in
:mod:`fastpen._problem`.
"""
import numbers

import numpy as np

from ._multi import target_paths
from ._problem import ConvergenceWarning, PathResult, SolverOptions
from ._threads import holds_threads
from ._validation import check_alphas, check_scalar

__all__ = ["ConvergenceWarning", "PathResult", "enet_path", "lasso_path"]


@holds_threads
def enet_path(X, y, *, l1_ratio=0.5, alphas=100, eps=1e-3, n_alphas=None,
              fit_intercept=True, sample_weight=None, tol=1e-4, max_iter=1000,
              positive=False, penalty_factor=None, exclude=None,
              rescale_penalty_factor=False, lower_bounds=None, upper_bounds=None,
              standardize=False, coef_init=None, n_threads=None, precompute="auto",
              selection="cyclic", random_state=None, verbose=False,
              _warning_category=None, _block=None):
    """Elastic-net regularisation path by coordinate descent.

    Minimises, for each alpha,

    .. math::

        \\frac{1}{2n} \\sum_{i=1}^n s_i (y_i - x_i^\\top w - b_0)^2
        + \\alpha \\sum_j \\mathrm{pf}_j \\Big(\\rho\\,|w_j|
        + \\frac{1 - \\rho}{2} w_j^2\\Big)

        \\text{subject to } \\ell \\le w \\le u,

    with :math:`\\rho` = ``l1_ratio``, s the sample weights (rescaled to sum to
    n), pf the penalty factors and :math:`\\ell, u` the bounds, warm-starting
    each fit from the previous one.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        float32 stays float32, other numeric dtypes become float64.  C-ordered
        dense input is copied once to Fortran order; non-CSC sparse input is
        converted to CSC (a copy).
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        A 2-D y is k independent problems sharing X (not a multi-task
        penalty), solved in parallel over targets (OpenMP threads, one path
        per thread at a time); every per-alpha result then has a target axis
        after the alpha axis.
    l1_ratio : float in [0, 1], default=0.5
        Mix of L1 (1) and L2 (0) penalties.
    alphas : int or array-like, default=100
        Number of alphas on an automatic log grid from alpha_max down to
        ``eps * alpha_max`` (with a 2-D y, each target's own alpha_max), or an
        explicit grid (sorted decreasingly): of shape (n_alphas,), or
        (n_targets, n_alphas) for one grid per target.
    eps : float in (0, 1], default=1e-3
        Length of the automatic grid.
    n_alphas : int, optional
        Alias of an integer ``alphas`` (scikit-learn < 1.7 spelling).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept (X is never centred in memory).
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights, rescaled to sum to n_samples.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y_c||^2_s / n``
        (scikit-learn's meaning).
    max_iter : int, default=1000
        Maximum number of coordinate sweeps per alpha (each sweep covers the
        working set of the moment: nonzero and violating features).
    positive : bool, default=False
        Constrain the coefficients to be non-negative (``lower_bounds=0``).
    penalty_factor : array-like of shape (n_features,), optional
        Non-negative factor multiplying each feature's penalty (L1 and L2); 0
        leaves the feature unpenalised, ``np.inf`` excludes it (coefficient 0).
    exclude : sequence of int, optional
        Features to leave out of the model (an infinite penalty factor).
    rescale_penalty_factor : bool, default=False
        Rescale the factors as glmnet does: excluded features count with a
        factor of 1 and all factors are rescaled to sum to n_features.  By
        default they are used as given.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), optional
        Box constraints on the coefficients, ``lower <= 0 <= upper`` (glmnet's
        ``lower.limits``/``upper.limits``).
    standardize : bool, default=False
        Penalise as glmnet's ``standardize=TRUE``: as if every column had unit
        (weighted, 1/n) standard deviation.  No scaled copy of X is made and
        the coefficients are on the original scale.
    coef_init : array-like of shape (n_features,), optional
        Starting point for the first alpha.
    n_threads : int, optional
        OpenMP threads for the O(n p) scans: None = what OpenMP allows, -1 =
        all cores, -k = all but k - 1.  Results do not depend on it.
    precompute : {'auto', True, False} or ndarray of shape (n_features, n_features), \
default='auto'
        Solve from the Gram matrix X~^T S X~ (computed, or given).  'auto'
        uses it for dense X with n_samples >= n_features when building it
        (n p^2 / 2 multiply-adds, BLAS-3) is expected to cost less than the
        passes over X the fits would make (about 3 per alpha): for a 100-alpha
        path when p < 3600, for a single fit when p < 36.
    selection : {'cyclic', 'random'}, default='cyclic'
    random_state : int, RandomState or Generator, optional
        Seed of the random coordinate order.
    verbose : bool or callable, default=False
        With a 2-D y, report progress on stderr (paths done, rate, time left);
        a callable is called as ``verbose(paths_done, paths_total)`` instead.
        A Ctrl-C interrupts a 2-D fit between chunks of targets.
    _block : (int, int), optional
        Private (fastpen.dask): a 2-D y holds the targets ``start:start + k`` of
        a fit of ``total`` targets, given as ``(start, total)``, and is fitted
        as that fit fits them: precompute='auto' decided for all ``total``
        targets, the random coordinate orders seeded by their place in it.

    Returns
    -------
    PathResult
        Named tuple ``(alphas, coefs, intercepts, dual_gaps, n_iter, df,
        dev_ratio)``; ``coefs`` has shape (n_alphas, n_features).  With a 2-D
        y: ``coefs`` (n_alphas, n_targets, n_features), the other per-alpha
        arrays (n_alphas, n_targets), and ``alphas`` (n_alphas,) for an
        explicit shared grid or (n_targets, n_alphas) otherwise.

    Warns
    -----
    ConvergenceWarning
        When some alpha stops at ``max_iter`` above the requested gap.
    """
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    if n_alphas is not None:
        alphas = check_scalar(n_alphas, "n_alphas", "int", low=1)
    if isinstance(alphas, numbers.Integral):        # a grid size
        alphas = check_scalar(alphas, "alphas", "int", low=1)
        eps = check_scalar(eps, "eps", low=0.0, high=1.0, low_inclusive=False)
    elif np.ndim(y) < 2:
        alphas = check_alphas(alphas)
    solver = SolverOptions.check(tol=tol, max_iter=max_iter, selection=selection,
                                 random_state=random_state, n_threads=n_threads,
                                 positive=positive, warning_category=_warning_category)
    penalty = dict(penalty_factor=penalty_factor, exclude=exclude,
                   rescale=rescale_penalty_factor, standardize=standardize,
                   lower_bounds=lower_bounds, upper_bounds=upper_bounds,
                   positive=solver.positive)
    options = dict(l1_ratio=l1_ratio, alphas=alphas, eps=eps, fit_intercept=fit_intercept,
                   sample_weight=sample_weight, solver=solver, penalty=penalty,
                   coef_init=coef_init, precompute=precompute)
    if np.ndim(y) >= 2:
        return target_paths(X, y, verbose=verbose, block=_block, **options)
    return target_paths(X, y, **options)        # a batch of one target


def lasso_path(X, y, **kwargs):
    """Lasso regularisation path: :func:`enet_path` with ``l1_ratio=1``."""
    if "l1_ratio" in kwargs:
        raise TypeError("lasso_path() got an unexpected keyword argument 'l1_ratio'")
    return enet_path(X, y, l1_ratio=1.0, **kwargs)
