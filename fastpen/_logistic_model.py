"""scikit-learn compatible logistic regression: :class:`LogisticRegression` and
:class:`LogisticRegressionCV`, thin wrappers around :mod:`fastpen._logistic_cv`.

Both minimise scikit-learn's objective ``C sum_i s_i l(y_i, x_i^T w + b) +
l1_ratio |w|_1 + (1 - l1_ratio)/2 |w|^2`` (s: sample weights times class
weights), i.e. glmnet's ``(1/sum s) sum_i s_i l + alpha pen(w)`` at
``alpha = 1 / (C sum s)``, by fastpen's proximal Newton solver.
"""
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._estimator_base import fitting, store_params
from ._logistic import encode_labels
from ._validation import (
    as_array,
    check_array_2d,
    check_bool,
    check_scalar,
    check_sparse_structure,
)

__all__ = ["LogisticRegression", "LogisticRegressionCV"]


# ------------------------------------------------------------------ validation


def _validate_classification(estimator, X, y):
    """(X for the kernels, y, its kind: 'binary', 'multiclass' or 'multilabel')."""
    if sp.issparse(X):
        check_sparse_structure(X, "X")
    if isinstance(X, (list, tuple)):
        X = as_array(X, "X")
    if isinstance(y, (list, tuple)):
        y = as_array(y, "y")
    X, y = validate_data(estimator, X, y, accept_sparse=["csc", "csr", "coo"],
                         dtype=[np.float64, np.float32], multi_output=True, y_numeric=False)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        import warnings

        from sklearn.exceptions import DataConversionWarning

        warnings.warn("A column-vector y was passed when a 1d array was expected; "
                      "it is used as a 1-D y of labels.", DataConversionWarning,
                      stacklevel=3)
        y = y[:, 0]
    kind = type_of_target(y, input_name="y")
    if kind not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(f"Unknown label type: {kind!r}. y must hold class labels "
                         "(binary or multiclass) or a 2-D 0/1 indicator matrix "
                         "(multi-label).")
    if kind != "multilabel-indicator" and np.unique(y).size < 2:
        raise ValueError(f"y holds one class ({np.unique(y)[0]!r}): logistic regression "
                         "needs samples of at least 2 classes.")
    return check_array_2d(X), y, "multilabel" if kind == "multilabel-indicator" else kind


def _check_family(family):
    if family not in ("auto", "binomial", "multinomial"):
        raise ValueError(f"family must be 'auto', 'binomial' or 'multinomial', got "
                         f"{family!r}.")
    return family


def _effective_weights(labels, y, sample_weight, class_weight):
    """(effective fit weights or None, the sample weights alone or None): scikit-learn's
    ``sample_weight * class_weight[y]``, 'balanced' from the weighted class counts."""
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.utils.validation import _check_sample_weight

    n = y.shape[0]
    sw = None
    if sample_weight is not None:
        if sp.issparse(sample_weight):
            raise TypeError("sample_weight must be a dense array or a number.")
        sw = _check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float64,
                                  ensure_non_negative=True, copy=True)
        if not np.isfinite(sw).all():
            raise ValueError("sample_weight contains NaN or infinity.")
        if not sw.sum() > 0:
            raise ValueError("sample_weight sums to zero: at least one weight must be "
                             "positive.")
    if class_weight is None:
        return sw, sw
    if labels.multi_target:
        raise ValueError("class_weight is not supported with a 2-D y (multi-label); pass "
                         "sample_weight instead.")
    if not (class_weight == "balanced" or isinstance(class_weight, dict)):
        raise ValueError(f"class_weight must be 'balanced', a dict or None, got "
                         f"{class_weight!r}.")
    classes = labels.classes
    if isinstance(class_weight, dict):
        unknown = set(class_weight) - set(classes.tolist())
        if unknown:
            raise ValueError(f"class_weight has keys that are not class labels: "
                             f"{sorted(map(repr, unknown))}; classes are {classes.tolist()}.")
    per_class = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sw)
    per_class = np.asarray(per_class, dtype=np.float64)
    if not np.isfinite(per_class).all() or np.any(per_class < 0):
        raise ValueError("class_weight must hold finite non-negative weights.")
    index = labels.rows[0].astype(np.intp)
    eff = per_class[index] * (1.0 if sw is None else sw)
    if not eff.sum() > 0:
        raise ValueError("class_weight: the weighted samples sum to zero.")
    return eff, sw


def _penalty(est):
    return dict(penalty_factor=est.penalty_factor, exclude=est.exclude,
                rescale=est.rescale_penalty_factor, standardize=est.standardize,
                lower_bounds=est.lower_bounds, upper_bounds=est.upper_bounds,
                positive=check_bool(est.positive, "positive"))


def _common_checks(est):
    """The numeric options both estimators share, validated."""
    check_bool(est.fit_intercept, "fit_intercept")
    _check_family(est.family)
    return dict(tol=check_scalar(est.tol, "tol", low=0.0),
                max_iter=check_scalar(est.max_iter, "max_iter", "int", low=1,
                                      high=2**31 - 1))


# ----------------------------------------------------------------- predictions


class _LogisticClassifier(ClassifierMixin, BaseEstimator):
    """decision_function, predict, predict_proba, predict_log_proba and tags."""

    def decision_function(self, X):
        """Linear predictors.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (the positive class's
        log-odds), (n_samples, n_classes) for more, (n_samples, n_targets) for
        a multi-label model.
        """
        check_is_fitted(self)
        if sp.issparse(X):
            check_sparse_structure(X, "X")
        X = validate_data(self, X, accept_sparse=True, dtype=[np.float64, np.float32],
                          reset=False)
        scores = np.asarray(X @ self.coef_.T, dtype=np.float64) + self.intercept_
        return scores[:, 0] if self._kind == "binary" else scores

    def predict(self, X):
        """Predicted labels: (n_samples,), or an (n_samples, n_targets) 0/1 matrix for a
        multi-label model."""
        d = self.decision_function(X)
        if self._kind == "multilabel":
            return (d > 0).astype(int)
        if self._kind == "binary":
            return self.classes_[(d > 0).astype(np.intp)]
        return self.classes_[np.argmax(d, axis=1)]

    def predict_proba(self, X):
        """Class probabilities: (n_samples, n_classes) in the order of ``classes_``, or
        each target's probability of 1 (n_samples, n_targets) for a multi-label model."""
        return np.exp(self.predict_log_proba(X))

    def predict_log_proba(self, X):
        """Logarithms of :meth:`predict_proba`, computed stably."""
        d = self.decision_function(X)
        if self._kind == "multilabel":
            return -np.logaddexp(0.0, -d)
        if self._kind == "binary":
            return np.column_stack([-np.logaddexp(0.0, d), -np.logaddexp(0.0, -d)])
        top = d.max(axis=1, keepdims=True)
        return d - (top + np.log(np.exp(d - top).sum(axis=1, keepdims=True)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    def _set_shapes(self, kind, labels, coefs, intercepts):
        """coef_ (1, p) binary, (K, p) multinomial, (k, p) multi-label; classes_."""
        self._kind = kind
        T, k, p = coefs.shape
        self.classes_ = (np.arange(T) if labels.multi_target else labels.classes)
        if labels.multi_target:
            self.coef_, self.intercept_ = coefs[:, 0, :], intercepts[:, 0]
        elif k == 1:
            self.coef_, self.intercept_ = coefs[0], intercepts[0]
        elif k == 2 and kind == "binary":
            # a two-class softmax fit: the positive class's log-odds, as one row
            self.coef_ = coefs[0, 1:] - coefs[0, :1]
            self.intercept_ = intercepts[0, 1:] - intercepts[0, :1]
        else:
            self.coef_, self.intercept_ = coefs[0], intercepts[0]


def _labels(y, kind, family):
    """Labels for the kernels; a 2-class y under family='multinomial' stays 2 blocks."""
    return encode_labels(y, y.shape[0], "auto" if kind == "multilabel" else family)


# --------------------------------------------------------------------- estimator


class LogisticRegression(_LogisticClassifier):
    """Logistic regression with L1, L2 or elastic-net penalties (scikit-learn's objective).

    Minimises ``C sum_i s_i l(y_i, x_i^T w + b) + sum_j pf_j (l1_ratio |w_j| +
    (1 - l1_ratio)/2 w_j^2)`` subject to ``lower <= w <= upper``, with l the
    binomial log-loss (two classes), the multinomial one (more: one coefficient
    vector and intercept per class, glmnet's ungrouped penalty) and s the sample
    weights times the class weights; fastpen's proximal Newton solver with an
    exact duality gap.  A 2-D 0/1 y fits one independent binary model per column
    in one parallel call (multi-label).

    Parameters
    ----------
    C : float, default=1.0
        Inverse penalty strength (> 0; ``np.inf``: no penalty).  glmnet's
        ``alpha = 1 / (C sum s)``.
    l1_ratio : float in [0, 1], default=0.0
        Mix of L1 (1) and L2 (0) penalties.
    fit_intercept : bool, default=True
        Unpenalised intercept (per class for a multinomial model).
    class_weight : dict or 'balanced', optional
        Weights of the classes, multiplying the sample weights ('balanced':
        ``n_samples / (n_classes * weighted count)``, scikit-learn's).  Not with
        a 2-D y.
    tol : float, default=1e-4
        Stop at a duality gap of ``tol`` times the intercept-only model's loss
        (scikit-learn's tol is a gradient norm; fastpen's gap bounds the
        suboptimality).
    max_iter : int, default=1000
        Maximum number of coordinate sweeps, all Newton steps together
        (scikit-learn counts its solver's iterations, default 100).
    warm_start : bool, default=False
        Start from the previous ``coef_`` (same shape).
    positive : bool, default=False
        Non-negative coefficients.
    penalty_factor, exclude, rescale_penalty_factor, lower_bounds, upper_bounds, \
standardize
        As in :class:`fastpen.ElasticNet` (glmnet's).
    family : {'auto', 'binomial', 'multinomial'}, default='auto'
        'multinomial' fits two classes with the softmax too (its ``coef_`` is
        still the positive class's log-odds row).
    n_threads : int, optional
        OpenMP threads (None: what OpenMP allows, -1: all cores); over targets
        for a 2-D y.  Results do not depend on it.
    penalty, dual, intercept_scaling, random_state, solver, verbose, n_jobs
        Accepted for compatibility and ignored (``penalty`` is deprecated in
        scikit-learn: use ``l1_ratio`` and ``C``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels (``arange(n_targets)`` for a multi-label model).
    coef_ : ndarray of shape (1, n_features), (n_classes, n_features) or
        (n_targets, n_features)
    intercept_ : ndarray of shape (1,), (n_classes,) or (n_targets,)
        A multinomial model's sum to 0 over the classes (glmnet's); with a pure
        L2 penalty (``l1_ratio=0``) its coefficients do too at the optimum
        (scikit-learn's); with an L1 part each feature's are the least penalised
        of their common shifts over the classes.
    n_iter_ : ndarray of shape (1,) or (n_targets,)
        Coordinate sweeps.
    dual_gap_ : ndarray of shape (1,) or (n_targets,)
        Duality gap reached, on the scale ``(1/sum s) sum s l + alpha pen``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def __init__(self, C=1.0, *, l1_ratio=0.0, fit_intercept=True, class_weight=None,
                 tol=1e-4, max_iter=1000, warm_start=False, positive=False,
                 penalty_factor=None, exclude=None, rescale_penalty_factor=False,
                 lower_bounds=None, upper_bounds=None, standardize=False, family="auto",
                 n_threads=None, penalty="deprecated", dual=False, intercept_scaling=1,
                 random_state=None, solver=None, verbose=0, n_jobs=None):
        store_params(self, locals())

    @fitting
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Class labels, or a 0/1 matrix of binary targets.
        sample_weight : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        self
        """
        from ._logistic_cv import fit_logistic
        from ._threads import effective_n_threads

        options = _common_checks(self)
        C = (np.inf if isinstance(self.C, (float, np.floating)) and self.C == np.inf
             else check_scalar(self.C, "C", low=0.0, low_inclusive=False))
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        check_bool(self.warm_start, "warm_start")
        X, y, kind = _validate_classification(self, X, y)
        labels = _labels(y, kind, self.family)
        fit_weight, _ = _effective_weights(labels, y, sample_weight, self.class_weight)
        total = X.shape[0] if fit_weight is None else float(fit_weight.sum())
        alpha = 0.0 if np.isinf(C) else 1.0 / (C * total)
        fit = fit_logistic(X, labels, fit_weight, alpha, l1_ratio,
                           fit_intercept=self.fit_intercept, n_threads=effective_n_threads(
                               self.n_threads), penalty=_penalty(self),
                           positive=bool(self.positive),
                           coef_init=self._warm_start_coef(labels, X.shape[1]),
                           warning_category=SklearnConvergenceWarning, **options)
        self._set_shapes(kind, labels, fit.coefs, fit.intercepts)
        self._coef_blocks = fit.coefs.reshape(fit.coefs.shape[0], -1)
        self.n_iter_ = fit.n_iter
        self.dual_gap_ = fit.dual_gaps
        return self

    def _warm_start_coef(self, labels, p):
        """The previous solution as the kernels' starting point, or None."""
        if not self.warm_start or not hasattr(self, "_coef_blocks"):
            return None
        T, k = labels.rows.shape[0], labels.n_blocks
        if self._coef_blocks.shape != (T, k * p):
            raise ValueError(f"warm_start: the previous fit has {self._coef_blocks.shape[0]} "
                             f"x {self._coef_blocks.shape[1]} coefficients, this one needs "
                             f"{T} x {k * p}.")
        return np.array(self._coef_blocks, dtype=np.float64)


# ------------------------------------------------------------------ CV estimator


class LogisticRegressionCV(_LogisticClassifier):
    """Logistic regression with (C, l1_ratio) chosen by cross-validation.

    Every (l1_ratio x fold x target) path runs in one parallel call, each fold a
    row weighting of X (held-out rows weight 0: no copy of X per fold); the
    held-out scores are computed from the returned coefficients.  As
    scikit-learn's ``LogisticRegressionCV``, each fold is fitted at each C on
    its training rows (glmnet's ``alpha = 1 / (C sum s_train)``); with
    ``alphas`` instead, every fold at the same glmnet alpha (``cv.glmnet``).
    A 2-D 0/1 y chooses each target's penalty on its own.

    Parameters
    ----------
    Cs : int or array-like, default=10
        Cs to try (an int m: ``np.logspace(-4, 4, m)``).  Ignored when ``alphas``
        is given.
    alphas : int or array-like, optional
        glmnet's strengths instead: an automatic grid of that many alphas from
        each target's alpha_max down to ``eps`` times it, or the alphas.
    eps : float, optional
        Length of an automatic ``alphas`` grid (default 1e-4 when n_samples >=
        n_features, else 1e-2).
    l1_ratios : float or array-like of float in [0, 1], default=(0.0,)
        Mixes to try (scikit-learn 1.10's default).
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, optional
        None: 5-fold ``StratifiedKFold`` (``KFold`` for a 2-D y), as scikit-learn.
    scoring : {'accuracy', 'neg_log_loss', 'roc_auc'}, optional
        Held-out score, weighted by the sample weights: None is 'accuracy'
        (scikit-learn 1.9's default).  'roc_auc' needs two classes or a 2-D y.
    select : {'min', '1se'}, default='min'
        Refit at the best alpha, or at glmnet's 1-SE alpha (the largest whose
        mean score is within one standard error of the best, for the best
        l1_ratio).
    refit : bool, default=True
        Refit on all the data at the chosen penalty; otherwise average the
        folds' coefficients at each fold's best penalty (scikit-learn's).
    class_weight, tol, max_iter, positive, penalty_factor, exclude, \
rescale_penalty_factor, lower_bounds, upper_bounds, standardize, family, n_threads
        As in :class:`LogisticRegression` (class weights from the whole data).
    penalty, dual, intercept_scaling, random_state, solver, verbose, n_jobs, \
use_legacy_attributes
        Accepted for compatibility and ignored (the attributes are
        scikit-learn's new, non-legacy ones).

    Attributes
    ----------
    classes_, coef_, intercept_, n_iter_, dual_gap_, n_features_in_
        As in :class:`LogisticRegression` (of the refit).
    Cs_ : ndarray of shape (n_cs,)
        The Cs (increasing), on the whole data's scale ``1 / (alpha sum s)``.
    alphas_ : ndarray of shape (n_l1_ratios, n_cs) or (n_l1_ratios, n_targets, n_cs)
        The glmnet alphas, decreasing (aligned with ``Cs_``).
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    scores_ : ndarray of shape (n_folds, n_l1_ratios, n_cs[, n_targets])
        Held-out scores, higher is better (a trailing target axis for a 2-D y).
    score_mean_, score_se_ : ndarray of shape (n_l1_ratios, n_cs[, n_targets])
        Their mean over the folds and its standard error.
    C_, l1_ratio_, alpha_ : float, or ndarray of shape (n_targets,)
        The chosen penalty (after ``select``).
    alpha_min_, alpha_1se_, C_min_, C_1se_ : float, or ndarray of shape (n_targets,)
        The best alpha and the 1-SE one (for the best l1_ratio), and their Cs.
    """

    def __init__(self, *, Cs=10, alphas=None, eps=None, l1_ratios=(0.0,), fit_intercept=True,
                 cv=None, scoring=None, select="min", refit=True, class_weight=None,
                 tol=1e-4, max_iter=1000, positive=False, penalty_factor=None, exclude=None,
                 rescale_penalty_factor=False, lower_bounds=None, upper_bounds=None,
                 standardize=False, family="auto", n_threads=None, penalty="deprecated",
                 dual=False, intercept_scaling=1.0, random_state=None, solver=None,
                 verbose=0, n_jobs=None, use_legacy_attributes=False):
        store_params(self, locals())

    @fitting
    def fit(self, X, y, sample_weight=None, **params):
        """Cross-validate the paths, choose the penalty, refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the fits and of the held-out scores.
        **params
            Passed to the splitter's ``split`` (e.g. ``groups``).

        Returns
        -------
        self
        """
        from sklearn.model_selection import check_cv

        from ._logistic_cv import cross_validate_logistic, fit_logistic
        from ._threads import effective_n_threads

        options = _common_checks(self)
        scoring = "accuracy" if self.scoring is None else self.scoring
        if not isinstance(scoring, str) or scoring not in ("accuracy", "neg_log_loss",
                                                           "roc_auc"):
            raise ValueError(f"scoring must be None, 'accuracy', 'neg_log_loss' or "
                             f"'roc_auc', got {self.scoring!r}.")
        if self.select not in ("min", "1se"):
            raise ValueError(f"select must be 'min' or '1se', got {self.select!r}.")
        check_bool(self.refit, "refit")
        X, y, kind = _validate_classification(self, X, y)
        labels = _labels(y, kind, self.family)
        fit_weight, score_weight = _effective_weights(labels, y, sample_weight,
                                                self.class_weight)
        n_threads = effective_n_threads(self.n_threads)
        cv = check_cv(self.cv, y, classifier=kind != "multilabel")
        folds = list(cv.split(X, y, **params))
        grid = dict(Cs=self.Cs) if self.alphas is None else dict(alphas=self.alphas,
                                                                 eps=self.eps)
        penalty = _penalty(self)
        res = cross_validate_logistic(
            X, labels, folds, l1_ratios=self.l1_ratios, fit_weight=fit_weight,
            score_weight=score_weight, scoring=scoring, fit_intercept=self.fit_intercept,
            n_threads=n_threads, positive=penalty["positive"], penalty=penalty,
            warning_category=SklearnConvergenceWarning, **grid, **options)

        T = labels.rows.shape[0]
        targets = np.arange(T)
        li, ai, one = res.l1_index, res.alpha_index, res.alpha_1se_index
        chosen = one if self.select == "1se" else ai
        total = X.shape[0] if fit_weight is None else float(fit_weight.sum())
        to_C = lambda a: 1.0 / (a * total)                       # noqa: E731
        alpha_min = res.alphas[li, targets, ai]
        alpha_1se = res.alphas[li, targets, one]
        l1_ratio = res.l1_ratios[li]
        alpha = res.alphas[li, targets, chosen]
        if self.refit:
            fit = fit_logistic(X, labels, fit_weight, alpha, l1_ratio,
                               fit_intercept=self.fit_intercept, n_threads=n_threads,
                               penalty=penalty, positive=penalty["positive"],
                               warning_category=SklearnConvergenceWarning, **options)
            coefs, intercepts = fit.coefs, fit.intercepts
            self.n_iter_, self.dual_gap_ = fit.n_iter, fit.dual_gaps
        else:
            # scikit-learn's refit=False: each fold's best (l1_ratio, alpha), averaged
            L, m, F, _ = res.scores.shape
            per_fold = res.scores.transpose(2, 3, 0, 1).reshape(F, T, L * m)
            best = np.argmax(np.where(np.isnan(per_fold), -np.inf, per_fold), axis=2)
            fl, fa = np.unravel_index(best, (L, m))                   # (F, T)
            folds_ix = np.arange(F)[:, None]
            coefs = res.fold_coefs[fa, fl, folds_ix, targets].mean(axis=0)
            intercepts = res.fold_intercepts[fa, fl, folds_ix, targets].mean(axis=0)
            alpha = res.alphas[fl, targets, fa].mean(axis=0)
            l1_ratio = res.l1_ratios[fl].mean(axis=0)
            coefs = coefs.astype(X.dtype)
            self.n_iter_ = np.zeros(T, dtype=int)
            self.dual_gap_ = np.full(T, np.nan)
        self._set_shapes(kind, labels, coefs, intercepts)

        multi = labels.multi_target
        scalar = (lambda v: v.copy()) if multi else (lambda v: float(v[0]))  # noqa: E731
        self.l1_ratios_ = res.l1_ratios
        self.Cs_ = to_C(res.alphas[0, 0])
        self.alphas_ = res.alphas if multi else res.alphas[:, 0]
        self.scores_ = res.scores.transpose(2, 0, 1, 3)
        self.score_mean_, self.score_se_ = res.mean, res.se
        if not multi:
            self.scores_ = self.scores_[..., 0]
            self.score_mean_, self.score_se_ = res.mean[..., 0], res.se[..., 0]
        self.alpha_ = scalar(np.asarray(alpha, dtype=np.float64))
        self.C_ = scalar(to_C(np.asarray(alpha, dtype=np.float64)))
        self.l1_ratio_ = scalar(np.asarray(l1_ratio, dtype=np.float64))
        self.alpha_min_, self.alpha_1se_ = scalar(alpha_min), scalar(alpha_1se)
        self.C_min_, self.C_1se_ = scalar(to_C(alpha_min)), scalar(to_C(alpha_1se))
        return self
