"""scikit-learn compatible estimators: thin wrappers around :func:`fastpen.enet_path`.

This is the only module of fastpen that imports scikit-learn.
"""
import numpy as np
import scipy.sparse as sp
from sklearn.base import MultiOutputMixin, RegressorMixin, BaseEstimator
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._path import enet_path
from ._validation import check_scalar

__all__ = ["ElasticNet", "Lasso"]


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


def _store_params(estimator, params):
    """Keep every constructor argument as an attribute, unchanged (scikit-learn's rule)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class ElasticNet(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 penalties (scikit-learn's objective).

    Minimises ``1/(2n) ||y - Xw - b0||^2_s + alpha * sum_j pf_j (l1_ratio |w_j|
    + (1 - l1_ratio)/2 w_j^2)`` by coordinate descent in fastpen's OpenMP
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
default=False
        Solve from the Gram matrix (computed, or given: it must equal
        X~^T S X~ with X centred by the weighted means when fitting an
        intercept and scaled by sqrt(sample_weight)).  'auto' uses it when
        building it is expected to cost less than working on X (see
        :func:`fastpen.enet_path`; for one fit, only when n_features < 36).
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

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute=False,
                 max_iter=1000, copy_X=True, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", penalty_factor=None,
                 exclude=None, rescale_penalty_factor=False, lower_bounds=None,
                 upper_bounds=None, standardize=False, n_threads=None, verbose=False):
        _store_params(self, locals())

    def _l1_ratio(self):
        return self.l1_ratio

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
        X, y = validate_data(self, X, y, accept_sparse=True, dtype=[np.float64, np.float32],
                             multi_output=True, y_numeric=True)
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
        X = validate_data(self, X, accept_sparse=True, dtype=[np.float64, np.float32],
                          reset=False)
        return np.asarray(X @ self.coef_.T) + self.intercept_

    path = staticmethod(enet_path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty: :class:`ElasticNet` with ``l1_ratio=1``.

    Minimises ``1/(2n) ||y - Xw - b0||^2_s + alpha * sum_j pf_j |w_j|``.  See
    :class:`ElasticNet` for the parameters and attributes.
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute=False, copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", penalty_factor=None,
                 exclude=None, rescale_penalty_factor=False, lower_bounds=None,
                 upper_bounds=None, standardize=False, n_threads=None, verbose=False):
        _store_params(self, locals())

    def _l1_ratio(self):
        return 1.0
