"""Elastic-net regularisation paths: scaling, alpha grids, warm starts, dispatch.

The public objective is scikit-learn's,

    1/(2 n) sum_i s_i (y_i - x_i^T w - b0)^2
        + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),

with sample weights ``s`` rescaled to sum to n.  The kernels work on n times
it (per-sum scaling): ``a = n alpha l1_ratio``, ``b = n alpha (1 - l1_ratio)``.
The intercept is never a column of X: targets and residuals are centred with
the weighted means and the kernels subtract column means on the fly.
"""
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _cd
from ._threads import blas_limited as _blas_limited
from ._threads import effective_n_threads, holds_threads
from ._penalty import make_penalty
from ._warnings import warn
from ._validation import (
    check_alphas,
    check_array_2d,
    check_bool,
    ScaleError,
    check_coef_init,
    check_finite,
    check_sample_weight,
    check_scalar,
    check_target,
    issparse,
    kernel_csc,
)

__all__ = ["ConvergenceWarning", "PathResult", "enet_path", "lasso_path"]

_EMPTY = np.empty(0)
_NO_BLOCK = (np.empty(0, dtype=np.intc), np.empty((0, 0)), False)
# Largest block of unpenalised features solved exactly (its p_u x p_u inverse),
# and of constrained ones (an active-set QP, cubic in p_u, at every gap check).
_MAX_BLOCK = 4096
_MAX_BOX_BLOCK = 256


class ConvergenceWarning(UserWarning):
    """The solver stopped at ``max_iter`` before reaching the requested duality gap."""


class PathResult(NamedTuple):
    """Result of :func:`enet_path`, one entry per alpha (alphas decreasing).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_alphas, n_features)
    intercepts : ndarray of shape (n_alphas,)
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap reached, on the scale of the objective above (scikit-learn's
        ``dual_gap_``).
    n_iter : ndarray of shape (n_alphas,)
        Coordinate sweeps done (each over the working set of the moment).
    df : ndarray of shape (n_alphas,)
        Number of nonzero coefficients (glmnet's ``df``).
    dev_ratio : ndarray of shape (n_alphas,)
        Fraction of the (weighted) null deviance explained (glmnet's ``%dev``).
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iter: np.ndarray
    df: np.ndarray
    dev_ratio: np.ndarray


@dataclass
class _Problem:
    """A validated problem in the form the kernels take."""

    X: object                 # Fortran-ordered ndarray or CSC matrix
    y_c: np.ndarray           # centred target (float64)
    sw: np.ndarray            # weights summing to n, or an empty array (unit weights)
    y_mean: float
    x_mean: np.ndarray        # weighted column means, zeros without intercept
    x_norm2: np.ndarray       # sum_i s_i (x_ij - mean_j)^2
    y_norm2: float            # sum_i s_i y_c_i^2
    fit_intercept: bool       # (y_c is None for a design shared by several targets)
    xty: np.ndarray = None    # X~^T S y_c when computed with the statistics (dense X)

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def sparse(self):
        return issparse(self.X)

    def xt_r(self, r, n_threads):
        """sum_i s_i (x_ij - mean_j) r_i for every feature j."""
        if r is self.y_c and self.xty is not None:
            return self.xty.copy()
        if self.sparse:
            return _cd.sparse_xt_r(*kernel_csc(self.X), self.sw, self.x_mean, r)
        return _cd.dense_xt_r(self.X, self.sw, self.x_mean, r, n_threads)

    def columns_product(self, v):
        """(X - 1 mean^T) v."""
        return np.asarray(self.X @ v).ravel() - self.x_mean @ v

    def columns_centered(self, cols):
        """Dense float64 copy of X[:, cols] - mean[cols], for a few columns."""
        Xc = self.X[:, cols]
        Xc = Xc.toarray() if issparse(Xc) else np.asarray(Xc, dtype=np.float64)
        return Xc - self.x_mean[cols]

    def _weights(self):
        return self.sw if self.sw.size else np.ones(self.n_samples)


def _prepare(X, y, sample_weight, fit_intercept, n_threads):
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    X = check_array_2d(X, require_finite=False)    # checked with the column statistics
    y = check_target(y, X.shape[0])
    sw = check_sample_weight(sample_weight, X.shape[0])
    sw = _EMPTY if sw is None else sw
    n = X.shape[0]
    if fit_intercept:
        y_mean = float(np.dot(sw, y) / n) if sw.size else float(y.mean())
    else:
        y_mean = 0.0
    y_c = y - y_mean
    x_mean, x_norm2, xty = column_stats(X, sw, fit_intercept, n_threads, y_c)
    y_norm2 = float(np.dot(sw * y_c, y_c)) if sw.size else float(np.dot(y_c, y_c))
    if not np.isfinite(y_norm2):
        raise ValueError("X or y is too large in magnitude: sums of squares overflow "
                         "double precision; rescale the data.")
    return _Problem(X, y_c, sw, y_mean, x_mean, x_norm2, y_norm2, bool(fit_intercept), xty)


def column_stats(X, sw, fit_intercept, n_threads, y_c=None):
    """(x_mean, x_norm2, X~^T S y_c or None) of validated X under weights ``sw``.

    Raises a ValueError naming X when it holds NaN or infinity, or when its
    sums or sums of squares overflow (a ScaleError, also a FloatingPointError).
    """
    n = X.shape[0]
    xty = None
    if issparse(X):
        x_mean, x_norm2 = _cd.sparse_column_stats(*kernel_csc(X), n, sw, fit_intercept)
    elif y_c is None:
        x_mean, x_norm2 = _cd.dense_column_stats(X, sw, fit_intercept, n_threads)
    else:
        x_mean, x_norm2, xty = _cd.dense_column_stats(X, sw, fit_intercept, n_threads, y_c)
    # a NaN or inf in column j makes x_norm2[j] one; a column whose sum overflows, its
    # mean (its norm may be 0: a constant column is detected as such)
    if not (np.isfinite(x_norm2).all() and np.isfinite(x_mean).all()):
        check_finite(X.data if issparse(X) else X, "X")
        raise ScaleError("X or y is too large in magnitude: sums of squares overflow "
                         "double precision; rescale the data.")
    return x_mean, x_norm2, xty


def _unpenalized_block(prob, cols, constrained=False):
    """(indices, matrix, constrained) for an exactly solved block of features.

    Solving the unpenalised features exactly before each gap check makes them
    stationary (or held by a bound), so the dual point is feasible and the gap
    a certificate.  Unconstrained, the matrix is the pseudo-inverse of their
    Gram matrix; constrained (positive, bounds), the Gram matrix itself, for
    the kernels' small box QP (limited to _MAX_BOX_BLOCK features, whose
    active-set solve is cubic).  No block beyond _MAX_BLOCK features.
    """
    cols = cols[prob.x_norm2[cols] > 0]
    limit = _MAX_BOX_BLOCK if constrained else _MAX_BLOCK
    if cols.size == 0 or cols.size > limit:
        return _NO_BLOCK
    A = prob.columns_centered(cols) * np.sqrt(prob._weights())[:, None]
    gram = A.T @ A
    matrix = gram if constrained else np.linalg.pinv(gram, hermitian=True)
    return (np.ascontiguousarray(cols, dtype=np.intc), np.ascontiguousarray(matrix),
            constrained)


def penalty_block(prob, pen, positive):
    """The exactly solved block of ``pen``'s unpenalised features (see
    :func:`_unpenalized_block`), constrained when positive or boxed."""
    cols = np.flatnonzero(pen.unpenalized)
    constrained = positive or (pen.boxed and not np.all(
        np.isinf(pen.lower[cols]) & np.isinf(pen.upper[cols])))
    return _unpenalized_block(prob, cols, constrained)


def _fit_unpenalized(prob, pen, y_c=None):
    """Least-squares fit of the unpenalised features alone to ``y_c`` (default: the
    problem's), within their constraints."""
    y_c = prob.y_c if y_c is None else y_c
    w0 = np.zeros(prob.x_norm2.shape[0])
    cols = np.flatnonzero(pen.unpenalized)
    if cols.size:
        # (SciPy's least-squares solvers: scipy.linalg is loaded with the kernels,
        # scipy.optimize costs ~0.15 s and only boxed or positive fits need it)
        root_s = np.sqrt(prob._weights())
        A = prob.columns_centered(cols) * root_s[:, None]
        rhs = y_c * root_s
        if pen.boxed:
            # a box [0, 0] fixes its feature at 0 (lsq_linear refuses equal bounds)
            free = pen.lower[cols] < pen.upper[cols]
            cols, A = cols[free], A[:, free]
            lo, hi = pen.lower[cols], pen.upper[cols]
            if cols.size:
                from scipy.optimize import lsq_linear

                fit = lsq_linear(A, rhs, bounds=(lo, hi))
                # exactly at the bound where the solver reports it active (not 1e-20 off)
                w0[cols] = np.where(fit.active_mask < 0, lo,
                                    np.where(fit.active_mask > 0, hi, fit.x))
        elif pen.positive:
            from scipy.optimize import nnls

            w0[cols] = nnls(A, rhs)[0]
        else:
            from scipy.linalg import lstsq

            w0[cols] = lstsq(A, rhs)[0]
    return w0


def _alpha_max(prob, pen, l1_ratio, n_threads):
    """Smallest alpha at which every penalised coefficient is zero, and the fit there.

    The unpenalised features are fitted first; alpha_max is then
    max_j g_j / (n l1_ratio pf_j) over the penalised features, with g = X~^T S r
    counted only in the directions the constraints allow.  0 when no feature of
    X varies; None when none of those is penalised (or l1_ratio is 0).
    """
    penalised = pen.active & (pen.l1 > 0)
    w0 = _fit_unpenalized(prob, pen)
    if not pen.active.any():        # no feature of X varies: nothing to fit, as in
        return 0.0, w0              # scikit-learn (a degenerate grid)
    if not penalised.any() or l1_ratio == 0:
        return None, w0
    r = prob.y_c
    nz = np.flatnonzero(w0)
    if nz.size:
        r = r - prob.columns_centered(nz) @ w0[nz]
    g = pen.feasible_gradient(prob.xt_r(r, n_threads))[penalised]
    with np.errstate(over="ignore", divide="ignore"):
        top = float(np.max(g / pen.l1[penalised]) / (prob.n_samples * l1_ratio))
    return check_alpha_max(top), w0


def check_grid_possible(pen, l1_ratio):
    """Raise when an automatic grid has no finite alpha_max for the penalty ``pen``.

    That is without an L1 penalty on any feature that varies.  When no feature
    varies (constant or zero columns, one sample) alpha_max is 0 and the grid
    degenerate (see :func:`_alpha_max`).
    """
    if l1_ratio == 0:
        raise ValueError("An automatic alpha grid needs l1_ratio > 0 (alpha_max is "
                         "infinite without an L1 penalty); pass an explicit array of alphas.")
    if np.any(pen.active) and not np.any(pen.active & (pen.l1 > 0)):
        raise ValueError(
            "An automatic alpha grid needs an L1 penalty on at least one non-constant "
            "feature of X (penalty_factor is 0 on all of them, or they are excluded); "
            "pass an explicit array of alphas.")


def check_alpha_max(top):
    """alpha_max must be finite to make a grid."""
    if not np.all(np.isfinite(top)):
        raise ScaleError(
            "alpha_max overflows double precision: penalty_factor has tiny positive "
            "entries (use 0 to leave a feature unpenalised), or X and y are too large "
            "in magnitude; rescale them.")
    return top


def _alpha_grid(alpha_max, n_alphas, eps):
    resolution = np.finfo(np.float64).resolution
    if alpha_max <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


# precompute="auto": a path on X reads X about _PASSES_PER_ALPHA times per alpha
# (scans for the gap and working sets, then sweeps); the Gram matrix costs
# n p^2 / 2 multiply-adds once, at about _BLAS3_SPEEDUP times the rate of a pass
# (DSYRK against dot products), after which nothing depends on n.  Both sides
# use the same threads (OpenMP scans, multithreaded BLAS), so the count cancels.
_PASSES_PER_ALPHA = 3.0
_BLAS3_SPEEDUP = 6.0


def _gram_pays(prob, n_alphas):
    """Whether the Gram matrix is expected to beat working on X for this many fits."""
    n, p = prob.X.shape
    if prob.sparse or n < p:      # and then Q (p x p) is never larger than X
        return False
    return p / (2.0 * _BLAS3_SPEEDUP) < _PASSES_PER_ALPHA * n_alphas


def _dense_gram(prob):
    """(X~^T S X~, X~^T S y_c or None) for dense X, without a copy of X.

    Unweighted float64 X whose columns have modest means: one DSYRK on X
    itself and the rank-one centring X~^T X~ = X^T X - n xbar xbar^T, which
    loses at most two digits when n xbar_j^2 <= 100 ||x~_j||^2 (constant
    columns, never updated, do not count).  Otherwise the kernels' row-chunked
    build centres (and weights) each chunk before its DSYRK.  The second
    entry is ``prob.xty`` on the first route, X~^T S y_c on the second (None
    when the problem has no single target).
    """
    X, n = prob.X, prob.n_samples
    if direct_gram(prob):
        # NumPy's matmul runs DSYRK for X^T X (exactly symmetric), with NumPy's BLAS:
        # the pool the other large products of a fit use.  With SciPy's own BLAS (a
        # second OpenBLAS in the wheels) the pool NumPy had just woken spun beside
        # it: 2 threads on 2 cores ran it at the 1-thread speed.
        Q = X.T @ X
        if prob.fit_intercept:
            Q -= n * np.outer(prob.x_mean, prob.x_mean)
        return Q, prob.xty
    single = prob.y_c is not None
    Q, q = _cd.dense_gram(X, prob.sw, prob.x_mean, prob.y_c if single else np.zeros(n))
    return Q, q if single else None


def direct_gram(prob):
    """Whether X~^T X~ may be computed as X^T X - n xbar xbar^T (see _dense_gram)."""
    varying = prob.x_norm2 > 0
    return (not prob.sparse and prob.X.dtype == np.float64 and not prob.sw.size
            and bool(np.all(prob.n_samples * prob.x_mean[varying] ** 2
                            <= 100.0 * prob.x_norm2[varying])))


def gram_matrix(prob):
    """(Q, q or None): Q = X~^T S X~ as float64, and X~^T S y_c when it came with it."""
    if not prob.sparse:
        return _dense_gram(prob)
    import scipy.sparse as sp  # already imported: X is sparse

    X = prob.X
    root_s = np.sqrt(prob._weights())
    Xs = sp.csc_matrix(X.multiply(root_s[:, None]))
    m = prob.n_samples * prob.x_mean   # = X^T s with the weighted means
    Q = ((Xs.T @ Xs).toarray() - np.outer(prob.x_mean, m) - np.outer(m, prob.x_mean)
         + prob.n_samples * np.outer(prob.x_mean, prob.x_mean))
    return np.ascontiguousarray(Q, dtype=np.float64), None


def _resolve_gram(precompute, prob, n_threads, n_alphas=1):
    """Return (Q, q, diag) for Gram mode, or None to work on X.

    Q = X~^T S X~ (float64 when computed; a user's float32 Q stays float32),
    q = X~^T S y_c and diag its diagonal, zero for constant columns.
    """
    q = None
    if use_gram(precompute, prob, n_alphas) is None:
        return None
    if isinstance(precompute, (str, bool, np.bool_)) or precompute is None:
        Q, q = gram_matrix(prob)
    else:
        Q = _check_gram(prob, precompute)
    diag = np.where(prob.x_norm2 > 0, np.maximum(np.diagonal(Q), 0.0), 0.0)
    return Q, prob.xt_r(prob.y_c, n_threads) if q is None else q, diag


def use_gram(precompute, prob, n_fits):
    """None to work on X, else True: ``precompute`` resolved for ``n_fits`` fits."""
    if isinstance(precompute, str):
        if precompute != "auto":
            raise ValueError(f"precompute must be 'auto', True, False or an array, "
                             f"got {precompute!r}.")
        precompute = _gram_pays(prob, n_fits)
    if precompute is None or isinstance(precompute, (bool, np.bool_)):
        return True if precompute else None
    return True


def _check_gram(prob, precompute):
    """Validate a user Gram matrix: Q v must equal X~^T S X~ v for a random v."""
    if issparse(precompute):
        precompute = precompute.toarray()
    if not hasattr(precompute, "__array__") and not isinstance(precompute, (list, tuple)):
        raise TypeError("precompute must be 'auto', True, False or an array of shape "
                        f"(n_features, n_features), got {type(precompute).__name__}.")
    Q = np.asarray(precompute)
    p = prob.X.shape[1]
    if Q.dtype.kind not in "fiu":
        raise TypeError(f"precompute: the Gram matrix must be real, got {Q.dtype}.")
    if Q.shape != (p, p):
        raise ValueError(f"precompute: the Gram matrix must have shape ({p}, {p}), "
                         f"got {Q.shape}.")
    if not np.isfinite(Q).all():
        raise ValueError("precompute: the Gram matrix contains NaN or infinity.")
    Q = np.ascontiguousarray(Q, dtype=np.float32 if Q.dtype == np.float32 else np.float64)
    v = np.random.default_rng(0).standard_normal(p)
    Xv = prob.columns_product(v)
    expected = prob.xt_r(Xv, 1)
    got = Q @ v
    rtol = 1e-4 if np.float32 in (Q.dtype, prob.X.dtype) else 1e-7
    scale = np.sqrt(prob.x_norm2.max() * np.dot(Xv * prob._weights(), Xv)) or 1.0
    if not (np.abs(got - expected).max() <= rtol * scale
            and np.allclose(np.diagonal(Q), prob.x_norm2, rtol=rtol,
                            atol=rtol * prob.x_norm2.max())):
        raise ValueError(
            "precompute: the Gram matrix does not match X (with the intercept, X is "
            "centred with the weighted column means and scaled by sqrt(sample_weight) "
            "before X^T X); pass precompute=True to let fastpen compute it.")
    return Q


def _random_seed(random_state):
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63))
    if random_state is None:
        return int(np.random.randint(0, np.iinfo(np.int32).max))
    return int(check_scalar(random_state, "random_state", "int", low=0, high=2**32 - 1))


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
    ``1/(2n) ||y - Xw - b0||^2_s + alpha * sum_j pf_j (l1_ratio |w_j|
    + (1 - l1_ratio)/2 w_j^2)`` subject to ``lower <= w <= upper``,
    warm-starting each fit from the previous one.

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
    grid_size = None
    if isinstance(alphas, numbers.Integral):
        grid_size = check_scalar(alphas, "alphas", "int", low=1)
        eps = check_scalar(eps, "eps", low=0.0, high=1.0, low_inclusive=False)
    elif np.ndim(y) < 2:
        alphas = check_alphas(alphas)
    solver = _SolverOptions.check(tol, max_iter, selection, random_state, n_threads,
                                  positive, _warning_category)
    if np.ndim(y) >= 2:
        from ._multi import multi_target_path

        return multi_target_path(
            X, y, l1_ratio=l1_ratio, alphas=alphas, eps=eps, fit_intercept=fit_intercept,
            sample_weight=sample_weight, solver=solver, penalty=dict(
                penalty_factor=penalty_factor, exclude=exclude,
                rescale=rescale_penalty_factor, standardize=standardize,
                lower_bounds=lower_bounds, upper_bounds=upper_bounds,
                positive=solver.positive),
            coef_init=coef_init, precompute=precompute, verbose=verbose, block=_block)
    prob = _prepare(X, y, sample_weight, fit_intercept, solver.n_threads)
    pen = make_penalty(prob, penalty_factor, exclude, rescale_penalty_factor,
                       standardize, lower_bounds, upper_bounds,
                       solver.positive)
    # An explicit grid needs no alpha_max (one pass over X saved): the kernel
    # certifies w = 0 at an alpha above it from its first scan.
    alpha_max = w_at_max = None
    if grid_size is not None:
        check_grid_possible(pen, l1_ratio)
        alpha_max, w_at_max = _alpha_max(prob, pen, l1_ratio, solver.n_threads)
        alphas = _alpha_grid(alpha_max, grid_size, eps)
    if np.any(alphas == 0):
        warn("alpha=0 fits ordinary least squares; a dedicated least-squares "
             "solver (e.g. scipy.linalg.lstsq) is usually faster.", UserWarning)
    n = prob.n_samples
    return _solve_path(prob, pen, solver, alphas, n * alphas * l1_ratio,
                       n * alphas * (1.0 - l1_ratio),
                       at_max=alphas >= alpha_max if alpha_max is not None else None,
                       w_at_max=w_at_max, coef_init=coef_init, precompute=precompute)


@dataclass
class _SolverOptions:
    """Validated solver settings shared by every fit of a path."""

    tol: float
    max_iter: int
    random: bool
    seed: int
    n_threads: int
    positive: bool
    warning_category: type

    @classmethod
    def check(cls, tol, max_iter, selection, random_state, n_threads, positive,
              warning_category=None):
        tol = check_scalar(tol, "tol", low=0.0)
        max_iter = check_scalar(max_iter, "max_iter", "int", low=1, high=2**31 - 1)
        if selection not in ("cyclic", "random"):
            raise ValueError(f"selection must be 'cyclic' or 'random', got {selection!r}.")
        random = selection == "random"
        seed = _random_seed(random_state) if random else 0
        return cls(tol, max_iter, random, seed, effective_n_threads(n_threads),
                   check_bool(positive, "positive"),
                   warning_category or ConvergenceWarning)


def _solve_path(prob, pen, solver, alphas, a_seq, b_seq, *, at_max=None, w_at_max=None,
                coef_init=None, precompute=False):
    """Warm-started fits for per-sum strengths (a_seq[k], b_seq[k]); alphas are reported.

    ``at_max[k]`` marks the fits whose solution is known (every penalised
    coefficient zero, ``w_at_max``): they are only certified, not iterated.
    """
    n, p = prob.X.shape
    w = check_coef_init(coef_init, p)
    gram = _resolve_gram(precompute, prob, solver.n_threads, alphas.shape[0])
    if gram is not None:
        Q, q, diag = gram
        diag = np.where(pen.active, diag, 0.0)       # excluded features: never touched
    options = pen.solver_kwargs()
    unpenalized = penalty_block(prob, pen, solver.positive)

    tol_abs = solver.tol * prob.y_norm2
    m = alphas.shape[0]
    coefs = np.zeros((m, p), dtype=prob.X.dtype)     # see _cd.store_coef
    intercepts = np.zeros(m)
    gaps = np.empty(m)
    n_iters = np.empty(m, dtype=np.intp)
    df = np.empty(m, dtype=np.intp)
    r_norm2 = np.empty(m)
    # The residual and X~^T S r a fit ends with are where the next alpha starts:
    # kept between calls, they save the first scan over X of every warm fit.
    R, g, ws, warm = np.empty(n), np.empty(p), np.empty(p, dtype=np.intc), False
    if prob.xty is not None and gram is None and not w.any():
        R[:], g[:], warm = prob.y_c, prob.xty, True   # the scan of w = 0 is known
    cache = _cd.GramCache()   # the dense kernel's working-set Gram rows, along the path
    screen = _cd.ScreenState(n, p)   # and the features screened out of its scans
    # The dense kernel builds working-set Gram matrices with BLAS: while its own
    # OpenMP threads run, a multithreaded BLAS's spinning threads only get in
    # their way (dense-wide path on 2 cores: 0.54 s with BLAS at 1 thread, 1.21 s
    # at 2), so BLAS runs single-threaded there.
    # BLAS at one thread in the dense kernel whatever n_threads: its working-set Gram
    # products would otherwise compete with the OpenMP threads, and round
    # differently with the BLAS thread count (results equal for every n_threads)
    with _blas_limited(gram is None and not prob.sparse):
        for k in range(m):
            a, b = float(a_seq[k]), float(b_seq[k])
            iters, block = solver.max_iter, unpenalized
            if prob.y_norm2 == 0:
                w[:] = 0.0               # y is constant: w = 0 fits it exactly
                iters, warm = 0, False
            elif at_max is not None and at_max[k]:
                w = w_at_max.copy()      # known solution: penalised coefficients all zero
                iters, warm = 0, False
            elif a == 0 and b == 0:                          # (constrained) least squares
                block = _unpenalized_block(prob, np.flatnonzero(pen.active),
                                           solver.positive or pen.boxed)
            args = (w, a, b, tol_abs, iters, solver.positive, solver.random, solver.seed + k)
            kwargs = dict(options, unpen_idx=block[0], unpen_inv=block[1],
                          unpen_boxed=block[2])
            if gram is not None:
                # the sequential strong rule pays in Gram mode (an extra working-set
                # feature costs O(1) per sweep while at zero); on X it cost more than
                # it saved, its candidates needing Gram rows or O(n) dots (see
                # benchmarks/README.md)
                res = _cd.solve_gram(Q, q, prob.y_norm2, diag, pen.l1, *args,
                                     a_prev=float(a_seq[k - 1]) if k > 0 else 0.0,
                                     round_float32=prob.X.dtype == np.float32, **kwargs)
            elif prob.sparse:
                res = _cd.solve_sparse(*kernel_csc(prob.X), prob.y_c, prob.sw,
                                       prob.x_mean, pen.x_norm2, pen.l1, *args,
                                       solver.n_threads, R=R, g=g, warm=warm, screen=screen,
                                       ws=ws, **kwargs)
            else:
                res = _cd.solve_dense(prob.X, prob.y_c, prob.sw, prob.x_mean, pen.x_norm2,
                                      pen.l1, *args, solver.n_threads, R=R, g=g, warm=warm,
                                      cache=cache, screen=screen, ws=ws, **kwargs)
            warm = True         # the kernel leaves R and g consistent with w
            gaps[k], r_norm2[k], n_iters[k] = res
            # float32: a coefficient at a bound is that bound in float32
            df[k] = _cd.store_coef(w, coefs[k])     # -1: not finite
            if prob.fit_intercept:
                intercepts[k] = prob.y_mean - prob.x_mean @ w
            if not (df[k] >= 0 and np.isfinite(gaps[k]) and np.isfinite(intercepts[k])):
                raise ScaleError(
                    f"non-finite coefficients at alpha={alphas[k]:.6g}: the data are too badly "
                    f"scaled for {prob.X.dtype} precision; rescale X and y.")

    _warn_unconverged(alphas, gaps, tol_abs, n, solver.warning_category, n_iters,
                      solver.max_iter, prob.y_norm2, prob.X.dtype)
    dev_ratio = 1.0 - r_norm2 / prob.y_norm2 if prob.y_norm2 > 0 else np.zeros(m)
    return PathResult(alphas=np.asarray(alphas, dtype=np.float64), coefs=coefs,
                      intercepts=intercepts.astype(prob.X.dtype), dual_gaps=gaps / n,
                      n_iter=n_iters, df=df,
                      dev_ratio=dev_ratio)


def lasso_path(X, y, **kwargs):
    """Lasso regularisation path: :func:`enet_path` with ``l1_ratio=1``."""
    if "l1_ratio" in kwargs:
        raise TypeError("lasso_path() got an unexpected keyword argument 'l1_ratio'")
    return enet_path(X, y, l1_ratio=1.0, **kwargs)


# The kernels stop at a gap of GAP_FLOOR ||y_c||^2 whatever smaller tol is asked
# (_cd.pyx: below it the gap's rounding error is of its own size).
GAP_FLOOR = 64 * np.finfo(np.float64).eps


def precision_message(gap, tol_abs, y_norm2, n, dtype=np.float64):
    """The warning's words for a gap that the precision cannot bring down to tol:
    float64's rounding, or (float32 data) the float32 coefficients returned."""
    if np.dtype(dtype) == np.float32:
        return (f"duality gap {gap / n:.3e} > tolerance {tol_abs / n:.3e} cannot be "
                "certified in float32 precision: it is the gap of the float32 coefficients "
                "returned, the float64 iterate having met tol (rounding the coefficients "
                "to float32 moves the gap that much on these data); fit float64 data for "
                "a smaller gap.")
    return (f"duality gap {gap / n:.3e} > tolerance {tol_abs / n:.3e} cannot be certified "
            f"in float64 precision (rounding level {GAP_FLOOR * y_norm2 / n:.1e}): the fit "
            "stopped where rounding, not progress, moved the gap; a larger tol, or y and X "
            "on scales nearer 1, can be certified.")


def _warn_unconverged(alphas, gaps, tol_abs, n, category, n_iter, max_iter, y_norm2,
                      dtype=np.float64):
    """One warning for the alphas above tol: at max_iter (not converged), or stopped
    at the rounding level of the precision (fewer sweeps than max_iter)."""
    failed = np.flatnonzero(gaps > tol_abs)
    if failed.size == 0:
        return
    worst = failed[np.argmax(gaps[failed])]
    if n_iter[worst] < max_iter:
        warn(f"For {failed.size} of {alphas.size} alphas (worst at alpha="
             f"{alphas[worst]:.4g}), the "
             + precision_message(gaps[worst], tol_abs, y_norm2, n, dtype),
             category)
        return
    warn(
        f"Objective did not converge for {failed.size} of {alphas.size} alphas "
        f"(worst at alpha={alphas[worst]:.4g}): duality gap {gaps[worst] / n:.3e} > "
        f"tolerance {tol_abs / n:.3e}. Increase max_iter, scale the features, or "
        "increase the regularisation.", category)
