"""scikit-learn compatible estimators: thin wrappers around :func:`fastpen.enet_path`
(and, re-exported from :mod:`fastpen._logistic_model`, the logistic classifiers).

With :mod:`fastpen._logistic_model`, the only modules of fastpen that import
scikit-learn at module level.
"""
import numpy as np
import scipy.sparse as sp
from sklearn.base import MultiOutputMixin, RegressorMixin, BaseEstimator
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._estimator_base import fitting as _fitting, store_params as _store_params
from ._logistic_model import LogisticRegression, LogisticRegressionCV
from ._path import enet_path
from ._validation import as_array, check_bool, check_scalar, check_sparse_structure

__all__ = ["ElasticNet", "ElasticNetCV", "Lasso", "LassoCV", "LogisticRegression",
           "LogisticRegressionCV", "Ridge", "RidgeCV"]


def _check_alpha(alpha, n_targets):
    """alpha as (1,) for one target, (n_targets,) otherwise: a scalar, or one per target."""
    if np.ndim(alpha) == 0:
        return np.full(n_targets, check_scalar(alpha, "alpha", low=0.0))
    arr = np.asarray(alpha)
    if arr.dtype.kind not in "iuf" or arr.shape != (n_targets,):
        raise ValueError(f"alpha must be a non-negative number or an array of shape "
                         f"({n_targets},) (one per target), got {arr.dtype} {arr.shape}.")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all() or np.any(arr < 0):
        raise ValueError("alpha must be finite and non-negative.")
    return arr


def _ridge_targets(X, y, sample_weight):
    """(Y (n, k), sample weights) for the ridge estimators: float32 targets stay
    float32 with a float32 X (no float64 copy of Y); a scalar weight becomes an array."""
    dtype = np.float32 if X.dtype == np.float32 and y.dtype == np.float32 else np.float64
    Y = np.asarray(y.reshape(-1, 1) if y.ndim == 1 else y, dtype=dtype)
    if isinstance(sample_weight, (int, float)):
        sample_weight = np.full(X.shape[0], float(sample_weight))
    return Y, sample_weight


def _validate_xy(estimator, X, y):
    """scikit-learn's checks of X and y (and its n_features_in_, feature names),
    after fastpen's own of what they would hand to compiled code unchecked or
    report without naming the argument: sparse index arrays, ragged lists."""
    if sp.issparse(X):
        check_sparse_structure(X, "X")
    if isinstance(X, (list, tuple)):
        X = as_array(X, "X")
    if isinstance(y, (list, tuple)):
        y = as_array(y, "y")
    return validate_data(estimator, X, y, accept_sparse=True,
                         dtype=[np.float64, np.float32], multi_output=True, y_numeric=True)


class _LinearModel(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """predict, sparse_coef_ and tags shared by the estimators."""

    @property
    def sparse_coef_(self):
        """Sparse representation of ``coef_``."""
        check_is_fitted(self)
        return sp.csr_matrix(np.atleast_2d(self.coef_))

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        if sp.issparse(X):
            check_sparse_structure(X, "X")
        X = validate_data(self, X, accept_sparse=True, dtype=[np.float64, np.float32],
                          reset=False)
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


class ElasticNet(_LinearModel):
    """Linear regression with combined L1 and L2 penalties (scikit-learn's objective).

    Minimises

    .. math::

        \\frac{1}{2n} \\sum_{i=1}^n s_i (y_i - x_i^\\top w - b_0)^2
        + \\alpha \\sum_j \\mathrm{pf}_j \\Big(\\rho\\,|w_j|
        + \\frac{1 - \\rho}{2} w_j^2\\Big)

    (:math:`\\rho` = ``l1_ratio``) by coordinate descent in fastpen's OpenMP
    kernels.  Parameters and attributes follow
    :class:`sklearn.linear_model.ElasticNet`; a 2-D ``y`` fits one independent
    problem per column.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Overall penalty strength (≥ 0); with a 2-D y, a scalar or one per
        target.
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept : bool, default=True
    precompute : {'auto', True, False} or ndarray of shape (n_features, n_features), \
default='auto'
        Solve from the Gram matrix (computed, or given: it must equal
        X~^T S X~ with X centred by the weighted means when fitting an
        intercept and scaled by sqrt(sample_weight)).  'auto' (scikit-learn's
        default is False) uses it when building it is expected to cost less
        than working on X (see :func:`fastpen.enet_path`): for one target only
        when n_features < 36, for k targets (one Gram matrix for all) when
        n_samples >= n_features and n_features < 36 k.
    max_iter : int, default=1000
        Maximum number of coordinate sweeps (over the working set).
    copy_X : bool, default=True
        Accepted for compatibility; fastpen never modifies X.
    tol : float, default=1e-4
        Stop when the duality gap ≤ ``tol * ||y_c||^2_s / n``.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
    random_state : int, RandomState instance or None
        Seed of the coordinate order when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
    penalty_factor : array-like of shape (n_features,), optional
        Non-negative factor multiplying each feature's penalty; 0 = unpenalised,
        ``np.inf`` = excluded.
    exclude : sequence of int, optional
        Features left out of the model (coefficient 0).
    rescale_penalty_factor : bool, default=False
        glmnet's convention: excluded features count with a factor of 1 and all
        factors are rescaled to sum to n_features.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), optional
        Box constraints, lower <= 0 <= upper.
    standardize : bool, default=False
        glmnet's ``standardize=TRUE``: penalise as if every column had unit
        standard deviation (no scaled copy of X); coefficients on the original
        scale.
    n_threads : int, optional
        OpenMP threads: None = what OpenMP allows, -1 = all cores, -k = all
        but k - 1.  The result does not depend on it.  With a 2-D y the
        targets are spread over the threads.
    verbose : bool, default=False
        With a 2-D y, report progress on stderr (targets done, rate, time
        left).  Ctrl-C interrupts such a fit between chunks of targets and
        leaves the estimator as it was.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
    dual_gap_ : float or ndarray of shape (n_targets,)
    sparse_coef_ : scipy.sparse.csr_matrix
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute="auto",
                 max_iter=1000, copy_X=True, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", penalty_factor=None,
                 exclude=None, rescale_penalty_factor=False, lower_bounds=None,
                 upper_bounds=None, standardize=False, n_threads=None, verbose=False):
        _store_params(self, locals())

    def _l1_ratio(self):
        return self.l1_ratio

    @_fitting
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,) or float, optional
        check_input : bool, default=True
            Accepted for compatibility; inputs are always validated.

        Returns
        -------
        self
        """
        X, y = _validate_xy(self, X, y)
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        alpha = _check_alpha(self.alpha, n_targets)
        coef_init = self._warm_start_coef(n_targets, X.shape[1])
        options = dict(
            l1_ratio=self._l1_ratio(), fit_intercept=self.fit_intercept,
            sample_weight=sample_weight, tol=self.tol, max_iter=self.max_iter,
            positive=self.positive, penalty_factor=self.penalty_factor, exclude=self.exclude,
            rescale_penalty_factor=self.rescale_penalty_factor,
            lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds,
            standardize=self.standardize, n_threads=self.n_threads,
            precompute=self.precompute, selection=self.selection,
            random_state=self.random_state, _warning_category=SklearnConvergenceWarning)
        if y.ndim == 1:
            res = enet_path(X, y, alphas=alpha, coef_init=coef_init, **options)
            self.coef_ = res.coefs[0]
            self.intercept_ = res.intercepts[0] if self.fit_intercept else 0.0
            self.dual_gap_ = res.dual_gaps[0]
            self.n_iter_ = int(res.n_iter[0])
            return self
        # k targets: one parallel call, each target its own alpha
        res = enet_path(X, y, alphas=alpha[:, None], coef_init=coef_init,
                        verbose=self.verbose, **options)
        self.coef_ = res.coefs[0]
        self.intercept_ = res.intercepts[0] if self.fit_intercept else 0.0
        self.dual_gap_ = res.dual_gaps[0]
        self.n_iter_ = [int(i) for i in res.n_iter[0]]
        if n_targets == 1:
            self.coef_ = self.coef_[0]
            self.dual_gap_ = self.dual_gap_[0]
            self.n_iter_ = self.n_iter_[0]
        return self

    def _warm_start_coef(self, n_targets, n_features):
        if not self.warm_start or not hasattr(self, "coef_"):
            return None
        coef = np.atleast_2d(self.coef_)
        if coef.shape != (n_targets, n_features):
            raise ValueError(f"warm_start: the previous coef_ has shape {coef.shape}, "
                             f"this fit needs ({n_targets}, {n_features}).")
        return coef[0] if n_targets == 1 and np.ndim(self.coef_) == 1 else coef

    path = staticmethod(enet_path)


class Lasso(ElasticNet):
    r"""Linear regression with an L1 penalty: :class:`ElasticNet` with ``l1_ratio=1``.

    Minimises

    .. math::

        \frac{1}{2n} \sum_{i=1}^n s_i (y_i - x_i^\top w - b_0)^2
        + \alpha \sum_j \mathrm{pf}_j |w_j|.

    See
    :class:`ElasticNet` for the parameters and attributes.
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute="auto", copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", penalty_factor=None,
                 exclude=None, rescale_penalty_factor=False, lower_bounds=None,
                 upper_bounds=None, standardize=False, n_threads=None, verbose=False):
        _store_params(self, locals())

    def _l1_ratio(self):
        return 1.0


class ElasticNetCV(_LinearModel):
    """Elastic net with the penalty chosen by cross-validation (scikit-learn's ElasticNetCV).

    Every (l1_ratio x fold x target) path runs in one parallel call: the
    folds are row weightings of X (no copy per fold), the held-out error is
    computed inside the kernels after each alpha.  The alpha grid comes from
    the whole data; the chosen model is refitted on the whole data.  A 2-D y
    fits one independent problem per column.  A :class:`fastpen.GridEdgeWarning`
    says when a chosen alpha is the smallest of its grid, or the largest of a
    given grid, with the CV error still falling there (one warning, counting
    the targets, for a 2-D y); the largest alpha of the automatic grid,
    alpha_max, fits the null model as any larger alpha would, and is not
    reported.

    Parameters
    ----------
    l1_ratio : float or list of float in [0, 1], default=0.5
        Candidate mixes of L1 and L2 penalties.
    eps : float, default=1e-3
        Length of the automatic grid (alpha_min / alpha_max).
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the alphas to try.
    n_alphas : int, optional
        Alias of an integer ``alphas`` (scikit-learn < 1.7 spelling).
    fit_intercept : bool, default=True
    precompute : {'auto', True, False}, default='auto'
        Solve from each fold's Gram matrix ('auto': when that is expected to
        be faster and the matrices take at most half of X's memory).
    max_iter : int, default=1000
    tol : float, default=1e-4
        Each fit stops at a duality gap ≤ ``tol * ||y_c||^2_s / n``.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: None is 5-fold ``KFold``.
    copy_X : bool, default=True
        Accepted for compatibility; X is never modified nor copied per fold.
    verbose : bool or callable, default=False
        Report progress on stderr (paths done, rate, time left); a callable is
        called as ``verbose(paths_done, paths_total)`` instead (a progress bar).
    n_jobs : int, optional
        Accepted for compatibility; use ``n_threads``.
    positive : bool, default=False
    random_state : int, RandomState instance or None
    selection : {'cyclic', 'random'}, default='cyclic'
    alpha_per_target : bool, default=False
        With a 2-D y: choose (alpha, l1_ratio) per target (each target on its
        own grid) rather than one minimising the mean error over targets.
    penalty_factor, exclude, standardize, lower_bounds, upper_bounds
        As in :class:`fastpen.ElasticNet` (standardisation is per fold).
    n_threads : int, optional
        OpenMP threads (None: what OpenMP allows, -1: all cores).  Results do
        not depend on it.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    l1_ratio_ : float or ndarray of shape (n_targets,)
    alpha_1se_ : float or ndarray of shape (n_targets,)
        The largest alpha (for the chosen l1_ratio) whose mean CV error is
        within one standard error of the minimum (glmnet's ``lambda.1se``).
    alphas_ : ndarray of shape (n_l1_ratio, n_alphas)
        The grids (the l1_ratio axis dropped when there is one l1_ratio; a
        trailing target axis with ``alpha_per_target`` and a 2-D y).
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        Held-out mean squared errors (same axis conventions; a trailing target
        axis with a 2-D y of more than one column).
    coef_, intercept_, dual_gap_, n_iter_ : as in :class:`fastpen.ElasticNet`
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, n_alphas=None,
                 fit_intercept=True, precompute="auto", max_iter=1000, tol=1e-4, cv=None,
                 copy_X=True, verbose=False, n_jobs=None, positive=False, random_state=None,
                 selection="cyclic", alpha_per_target=False, penalty_factor=None,
                 exclude=None, standardize=False, lower_bounds=None, upper_bounds=None,
                 n_threads=None):
        _store_params(self, locals())

    def _l1_ratios(self):
        return self.l1_ratio

    @_fitting
    def fit(self, X, y, sample_weight=None, **params):
        """Cross-validate the path, choose the penalty, refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the fits and of the held-out errors; also passed to
            the splitter when its ``split`` accepts them.
        **params
            Passed to the splitter's ``split`` (e.g. ``groups``).

        Returns
        -------
        self
        """
        import inspect

        from sklearn.model_selection import check_cv

        from ._cv import cross_validate_enet
        from ._problem import SolverOptions

        X, y = _validate_xy(self, X, y)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        alphas = self.alphas if self.n_alphas is None else self.n_alphas
        per_target = bool(self.alpha_per_target)
        solver = SolverOptions.check(tol=self.tol, max_iter=self.max_iter,
                                     selection=self.selection, random_state=self.random_state,
                                     n_threads=self.n_threads, positive=self.positive,
                                     warning_category=SklearnConvergenceWarning)
        cv = check_cv(self.cv)
        split_params = dict(params)
        if sample_weight is not None and "sample_weight" in inspect.signature(
                cv.split).parameters:
            split_params["sample_weight"] = sample_weight
        folds = list(cv.split(X, y, **split_params))
        penalty = dict(penalty_factor=self.penalty_factor, exclude=self.exclude,
                       standardize=self.standardize, lower_bounds=self.lower_bounds,
                       upper_bounds=self.upper_bounds, positive=solver.positive)
        res = cross_validate_enet(X, Y, folds, l1_ratios=self._l1_ratios(), alphas=alphas,
                                  eps=self.eps, fit_intercept=self.fit_intercept,
                                  sample_weight=sample_weight, solver=solver,
                                  penalty=penalty, precompute=self.precompute,
                                  per_target=per_target, verbose=self.verbose)

        k = Y.shape[1]
        single = y.ndim == 1
        squeeze_l1 = res.l1_ratios.size == 1
        mse = res.mse[..., 0] if single or k == 1 else res.mse   # (L, m, F[, k])
        grids = res.alphas[:, 0] if not per_target or k == 1 else res.alphas.transpose(0, 2, 1)
        self.mse_path_ = mse[0] if squeeze_l1 else mse
        self.alphas_ = grids[0] if squeeze_l1 else grids
        scalar = single or not per_target
        self.alpha_ = float(res.alpha[0]) if scalar else res.alpha
        self.l1_ratio_ = float(res.l1_ratio[0]) if scalar else res.l1_ratio
        self.alpha_1se_ = float(res.alpha_1se[0]) if scalar else res.alpha_1se
        self.coef_ = res.coefs[0] if single else res.coefs
        self.intercept_ = (res.intercepts[0] if single else res.intercepts) \
            if self.fit_intercept else 0.0
        self.dual_gap_ = res.dual_gaps[0] if single else res.dual_gaps
        self.n_iter_ = int(res.n_iter[0]) if single else [int(i) for i in res.n_iter]
        return self

    path = staticmethod(enet_path)


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by cross-validation (scikit-learn's LassoCV).

    :class:`ElasticNetCV` with ``l1_ratio=1``; see it for the parameters and
    attributes (``alphas_`` of shape (n_alphas,), ``mse_path_`` of shape
    (n_alphas, n_folds), each with a trailing target axis where it applies).
    """

    def __init__(self, *, eps=1e-3, alphas=100, n_alphas=None, fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-4, copy_X=True, cv=None,
                 verbose=False, n_jobs=None, positive=False, random_state=None,
                 selection="cyclic", alpha_per_target=False, penalty_factor=None,
                 exclude=None, standardize=False, lower_bounds=None, upper_bounds=None,
                 n_threads=None):
        _store_params(self, locals())

    def _l1_ratios(self):
        return 1.0


class Ridge(_LinearModel):
    r"""Linear least squares with an L2 penalty (scikit-learn's Ridge).

    Minimises :math:`\sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha \|w\|_2^2`
    with the raw sample weights s.  One decomposition serves every target: a Cholesky
    factorisation for one alpha, an eigendecomposition of X~^T X~ (n >= p)
    or X~ X~^T (p > n) when the targets have their own alphas, conjugate
    gradients on all targets at once (or LSQR, ``solver='lsqr'``) for a sparse X
    too large for either (never densified),
    and coordinate descent for ``positive=True``.  A 2-D y fits one problem
    per column.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
    fit_intercept : bool, default=True
    copy_X : bool, default=True
        Accepted for compatibility; X is never modified.
    max_iter : int, optional
        Iterations of LSQR or coordinate descent (their defaults if None).
    tol : float, default=1e-4
        Tolerance of coordinate descent (``positive=True`` or ``solver='cd'``).
        LSQR and conjugate gradients always solve to a tight fixed tolerance
        (1e-10 and 1e-8 relative), a small part of their cost.
    solver : {'auto', 'cholesky', 'eigh', 'cg', 'lsqr', 'cd'}, default='auto'
        'cg': conjugate gradients on all targets at once (the automatic choice
        for a sparse X too large to decompose).
    positive : bool, default=False
        Non-negative coefficients (coordinate descent).
    random_state : None
        Accepted for compatibility.
    n_threads : int, optional
        Threads of the fit: fastpen's loops and BLAS/LAPACK alike (None: what
        OpenMP allows, BLAS as it is; -1: all cores).  BLAS, one pool per
        process, is limited only by fits run from the main thread.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    solver_ : str
        The solver used ('cholesky', 'eigh', 'lsqr' or 'cd').
    n_iter_ : None or ndarray of shape (n_targets,)
        Iterations of the iterative solvers (LSQR, coordinate sweeps); None
        for the direct ones, as in scikit-learn.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=None,
                 tol=1e-4, solver="auto", positive=False, random_state=None,
                 n_threads=None):
        _store_params(self, locals())

    @_fitting
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        from ._ridge import Design, fit_cholesky, fit_ridge, solver_mode
        from ._threads import blas_threads, effective_n_threads
        from ._validation import check_array_2d, check_finite_fit

        if self.solver not in ("auto", "cholesky", "eigh", "cg", "lsqr", "cd"):
            raise ValueError(f"solver must be 'auto', 'cholesky', 'eigh', 'cg', 'lsqr' or "
                             f"'cd', got {self.solver!r}.")
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.positive, "positive")
        check_scalar(self.tol, "tol", low=0.0)
        max_iter = (None if self.max_iter is None
                    else check_scalar(self.max_iter, "max_iter", "int", low=1,
                                      high=np.iinfo(np.int32).max))
        X, y = _validate_xy(self, X, y)
        Y, sample_weight = _ridge_targets(X, y, sample_weight)
        k = Y.shape[1]
        alpha = _check_alpha(self.alpha, k)
        solver = "cd" if self.positive else self.solver
        with blas_threads(self.n_threads):
            n_iter = None
            if solver == "cd":
                coef, intercept, n_iter = self._fit_cd(X, Y, alpha, sample_weight)
            else:
                Xc = check_array_2d(X)
                n_threads = effective_n_threads(self.n_threads)
                design = Design(Xc, Y, sample_weight, bool(self.fit_intercept), n_threads)
                shared = bool(np.all(alpha == alpha[0]) and alpha[0] > 0)
                if solver == "auto":
                    solver = ("cg" if solver_mode(design) == "cg"
                              else "cholesky" if shared else "eigh")
                coef = None
                if solver == "cholesky" and shared:
                    coef = fit_cholesky(design, Y, alpha[0])
                if coef is None:
                    if solver == "cholesky":     # per-target alphas, or numerically singular
                        solver = "eigh"
                    n, p = Xc.shape
                    mode = (solver if solver in ("lsqr", "cg")
                            else "primal" if n >= p else "dual")
                    coef = fit_ridge(design, Y, alpha[None, :], mode=mode,
                                     max_iter=max_iter)[0]
                    if mode == "lsqr":
                        n_iter = np.asarray(design.lsqr_iterations)
                intercept = design.intercepts(coef)
                check_finite_fit(coef.dtype, coef, intercept)
        self.solver_ = solver
        self.n_iter_ = n_iter[0] if n_iter is not None and y.ndim == 1 else n_iter
        self.coef_ = coef[0] if y.ndim == 1 else coef
        self.intercept_ = (intercept[0] if y.ndim == 1 else intercept) \
            if self.fit_intercept else 0.0
        return self

    def _fit_cd(self, X, Y, alpha, sample_weight):
        """ElasticNet(l1_ratio=0) at alpha / sum(s): the same objective, scaled by 1/(2 sum s)."""
        total = float(np.sum(sample_weight)) if sample_weight is not None else X.shape[0]
        res = enet_path(X, Y, l1_ratio=0.0, alphas=(alpha / total)[:, None],
                        fit_intercept=self.fit_intercept, sample_weight=sample_weight,
                        tol=self.tol, max_iter=1000 if self.max_iter is None else self.max_iter,
                        positive=self.positive, n_threads=self.n_threads,
                        _warning_category=SklearnConvergenceWarning)
        return res.coefs[0], res.intercepts[0], res.n_iter[0]


class RidgeCV(_LinearModel):
    """Ridge with alpha chosen by cross-validation (scikit-learn's RidgeCV).

    ``cv=None``: exact leave-one-out from one eigendecomposition shared by all
    alphas and targets (``gcv=True``: generalised cross-validation instead).
    An int or a splitter: K-fold, one decomposition per fold (the fold a row
    weighting of X), shared by all targets and alphas.  The score is the
    (weighted) mean squared leave-one-out error, or with K folds the mean
    held-out R^2 (scikit-learn's choices); the chosen model is refitted on
    all data.  A :class:`fastpen.GridEdgeWarning` says when the chosen alpha is
    the smallest or the largest of ``alphas`` with the score still improving
    there (:func:`fastpen.ridge_alpha_grid` makes a grid from the data's
    spectrum).

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
    fit_intercept : bool, default=True
    scoring : None
        Only the mean squared error (scikit-learn's default) is supported.
    cv : int, cross-validation generator or iterable, optional
    gcv : bool, default=False
        With ``cv=None``, generalised instead of exact leave-one-out.
    store_cv_results : bool, default=False
        Keep the per-sample squared LOO errors in ``cv_results_`` (cv=None).
    alpha_per_target : bool, default=False
    n_threads : int, optional
        Threads of the fit: fastpen's loops and BLAS/LAPACK alike (None: what
        OpenMP allows, BLAS as it is; -1: all cores).  BLAS, one pool per
        process, is limited only by fits run from the main thread.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    best_score_ : float or ndarray of shape (n_targets,)
        With cv=None, minus the mean squared LOO error (weighted as
        scikit-learn's) at the chosen alpha; with K folds, the mean R^2 over
        the folds (scikit-learn's through GridSearchCV).
    cv_results_ : ndarray of shape (n_samples, n_alphas) or (n_samples, n_targets, n_alphas)
    coef_, intercept_, n_features_in_, feature_names_in_
    """

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True, scoring=None,
                 cv=None, gcv=False, store_cv_results=False, alpha_per_target=False,
                 n_threads=None):
        _store_params(self, locals())

    @_fitting
    def fit(self, X, y, sample_weight=None, **params):
        """Choose alpha by cross-validation, then refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), optional
        **params
            Passed to the splitter's ``split`` (e.g. ``groups``).

        Returns
        -------
        self
        """
        from ._cv import grid_edges, warn_grid_edge
        from ._ridge import check_ridge_alphas, fit_ridge, ridge_cv_scores
        from ._threads import blas_threads, effective_n_threads
        from ._validation import (
            ScaleError, check_array_2d, check_finite_fit, check_sample_weight)

        if self.scoring not in (None, "neg_mean_squared_error"):
            raise ValueError("scoring: only None (the mean squared error) is supported.")
        if self.store_cv_results and self.cv is not None:
            raise ValueError("store_cv_results=True needs cv=None (leave-one-out): K-fold "
                             "scores are not stored per sample (as in scikit-learn).")
        for flag in ("fit_intercept", "gcv", "store_cv_results", "alpha_per_target"):
            check_bool(getattr(self, flag), flag)
        X, y = _validate_xy(self, X, y)
        alphas = check_ridge_alphas(self.alphas)
        Y, sample_weight = _ridge_targets(X, y, sample_weight)
        Xc = check_array_2d(X)
        n_threads = effective_n_threads(self.n_threads)
        folds = None
        if self.cv is None:
            sw = check_sample_weight(sample_weight, X.shape[0])
            positive = X.shape[0] if sw is None else np.count_nonzero(sw)
            if positive < 2:
                raise ValueError("RidgeCV: leave-one-out needs at least 2 samples of "
                                 f"positive weight in X, got {positive} sample"
                                 f"{'' if positive == 1 else 's'}.")
        else:
            from sklearn.model_selection import check_cv

            from ._cv import check_folds

            folds = check_folds(check_cv(self.cv).split(X, y, **params), X.shape[0])
        with blas_threads(self.n_threads):
            score, errors, design, dec, rhs = ridge_cv_scores(
                Xc, Y, alphas, folds, sample_weight, bool(self.fit_intercept), n_threads,
                gcv=bool(self.gcv), keep=bool(self.store_cv_results))
            # score (k, m): higher is better (minus the LOO error, or the mean R^2 over
            # folds); an alpha whose score is NaN (0/0 at alpha=0 on rank-deficient
            # data, say) is never chosen
            score = np.where(np.isnan(score), -np.inf, score)
            if not np.isfinite(score.max(axis=1)).all():
                raise ScaleError("RidgeCV: no alpha has a finite score: X and y are too "
                                 "large or too small in magnitude (rescale them), or alphas "
                                 "holds only 0 on rank-deficient data (0/0 errors).")
            k = Y.shape[1]
            if self.alpha_per_target:
                best = np.argmax(score, axis=1)
                at_low, at_high = grid_edges(np.broadcast_to(alphas, (k, alphas.size)),
                                             -score, best)
            else:
                best = np.full(k, np.argmax(score.mean(axis=0)))
                at_low, at_high = grid_edges(alphas[None], -score.mean(axis=0)[None],
                                             best[:1])
            chosen = alphas[best]
            warn_grid_edge(at_low, at_high, chosen[:at_low.size],
                           lower_hint="give smaller alphas")
            coef = fit_ridge(design, Y, chosen[None, :], dec=dec, rhs=rhs)[0]
        intercept = design.intercepts(coef)
        check_finite_fit(coef.dtype, coef, intercept)
        scalar = y.ndim == 1 or not self.alpha_per_target
        self.alpha_ = float(chosen[0]) if scalar else chosen
        self.best_score_ = (float(score.mean(axis=0)[best[0]]) if scalar
                            else score[np.arange(k), best])
        if errors is not None:
            self.cv_results_ = errors[:, 0] if y.ndim == 1 else errors
        self.coef_ = coef[0] if y.ndim == 1 else coef
        self.intercept_ = (intercept[0] if y.ndim == 1 else intercept) \
            if self.fit_intercept else 0.0
        return self
