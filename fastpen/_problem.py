"""Problem preparation: what every elastic-net fit takes and gives.

The public objective is scikit-learn's,

    1/(2 n) sum_i s_i (y_i - x_i^T w - b0)^2
        + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),

with sample weights ``s`` rescaled to sum to n.  The kernels work on n times
it (per-sum scaling): ``a = n alpha l1_ratio``, ``b = n alpha (1 - l1_ratio)``.
The intercept is never a column of X: targets and residuals are centred with
the weighted means and the kernels subtract column means on the fly.

This module is the bottom layer of the path code: validated inputs
(:func:`prepare`, :func:`check_inputs`), the column statistics, the exactly
solved block of unpenalised features, alpha_max and the alpha grids, the
solver options, and the result type and warnings every path shares.  It
imports no other path module; the Gram matrices are in :mod:`fastpen._gram`.
"""
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _cd
from ._threads import effective_n_threads
from ._warnings import warn
from ._validation import (
    check_array_2d,
    check_bool,
    ScaleError,
    check_finite,
    check_sample_weight,
    check_scalar,
    check_target,
    check_targets,
    issparse,
    kernel_csc,
)

__all__ = ["ConvergenceWarning", "PathResult", "Problem", "SolverOptions", "alpha_grid",
           "check_alpha_max", "check_grid_possible", "check_inputs",
           "column_stats", "fit_unpenalized", "penalty_block", "precision_message",
           "prepare", "unpenalized_block", "warn_batch_unconverged",
           "warn_path_unconverged"]

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


@dataclass(kw_only=True)
class Problem:
    """A validated problem in the form the kernels take (one target), or a design
    shared by several targets (:meth:`shared_design`: no target, y_c None)."""

    X: object                 # Fortran-ordered ndarray or CSC matrix
    y_c: np.ndarray           # centred target (float64)
    sw: np.ndarray            # weights summing to n, or an empty array (unit weights)
    y_mean: float
    x_mean: np.ndarray        # weighted column means, zeros without intercept
    x_norm2: np.ndarray       # sum_i s_i (x_ij - mean_j)^2
    y_norm2: float            # sum_i s_i y_c_i^2
    fit_intercept: bool       # (y_c is None for a design shared by several targets)
    xty: np.ndarray = None    # X~^T S y_c when computed with the statistics (dense X)

    @classmethod
    def shared_design(cls, X, *, sw, x_mean, x_norm2, fit_intercept):
        """The statistics of X alone, for targets handled elsewhere."""
        return cls(X=X, y_c=None, sw=sw, y_mean=0.0, x_mean=x_mean, x_norm2=x_norm2,
                   y_norm2=0.0, fit_intercept=fit_intercept)

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

    def weights(self):
        """The sample weights, ones for unit weights."""
        return self.sw if self.sw.size else np.ones(self.n_samples)


def prepare(X, y, *, sample_weight, fit_intercept, n_threads):
    """Validate one target's inputs and compute what its path needs.

    Returns
    -------
    Problem
        X validated (Fortran-ordered or CSC, float32 kept), y centred with its
        weighted mean (when ``fit_intercept``), the weights rescaled to sum to
        n, the column statistics and, for dense X, X~^T S y_c (read in the same
        pass over X).
    """
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
    return Problem(X=X, y_c=y_c, sw=sw, y_mean=y_mean, x_mean=x_mean, x_norm2=x_norm2,
                   y_norm2=y_norm2, fit_intercept=bool(fit_intercept), xty=xty)


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


def check_inputs(X, Y, sample_weight, fit_intercept, *, single=False):
    """(X, Y, sample weights or None, fit_intercept) validated; Y (n, k) float64.

    ``single``: Y is one target (1-D, checked as such), returned as (n, 1).
    """
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    X = check_array_2d(X, require_finite=False)    # checked with the column statistics
    # in Fortran order: each target's column is contiguous, and Y.T the (k, n) rows
    # the batch reads (no copy)
    if single:
        Y = check_target(Y, X.shape[0])[:, None]
    else:
        Y = np.asfortranarray(check_targets(Y, X.shape[0]))
    return X, Y, check_sample_weight(sample_weight, X.shape[0]), fit_intercept


def unpenalized_block(prob, cols, constrained=False):
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
    A = prob.columns_centered(cols) * np.sqrt(prob.weights())[:, None]
    gram = A.T @ A
    matrix = gram if constrained else np.linalg.pinv(gram, hermitian=True)
    return (np.ascontiguousarray(cols, dtype=np.intc), np.ascontiguousarray(matrix),
            constrained)


def penalty_block(prob, pen):
    """The exactly solved block of ``pen``'s unpenalised features (see
    :func:`unpenalized_block`), constrained when a box holds one of them."""
    cols = np.flatnonzero(pen.unpenalized)
    return unpenalized_block(prob, cols, pen.constrained(cols))


def fit_unpenalized(prob, pen, y_c=None):
    """Least-squares fit of the unpenalised features alone to ``y_c`` (default: the
    problem's), within their constraints."""
    y_c = prob.y_c if y_c is None else y_c
    w0 = np.zeros(prob.x_norm2.shape[0])
    cols = np.flatnonzero(pen.unpenalized)
    if cols.size:
        # (SciPy's least-squares solvers: scipy.linalg is loaded with the kernels,
        # scipy.optimize costs ~0.15 s and only boxed or positive fits need it)
        root_s = np.sqrt(prob.weights())
        A = prob.columns_centered(cols) * root_s[:, None]
        rhs = y_c * root_s
        lo, hi = (bound[cols] for bound in pen.box())
        if not pen.constrained(cols):
            from scipy.linalg import lstsq

            w0[cols] = lstsq(A, rhs)[0]
        elif np.all(lo == 0) and np.all(np.isinf(hi)):
            from scipy.optimize import nnls     # the same problem, a faster solver

            w0[cols] = nnls(A, rhs)[0]
        else:
            # a box [0, 0] fixes its feature at 0 (lsq_linear refuses equal bounds)
            free = lo < hi
            cols, A, lo, hi = cols[free], A[:, free], lo[free], hi[free]
            if cols.size:
                from scipy.optimize import lsq_linear

                fit = lsq_linear(A, rhs, bounds=(lo, hi))
                # exactly at the bound where the solver reports it active (not 1e-20 off)
                w0[cols] = np.where(fit.active_mask < 0, lo,
                                    np.where(fit.active_mask > 0, hi, fit.x))
    return w0


def check_grid_possible(pen, l1_ratio):
    """Raise when an automatic grid has no finite alpha_max for the penalty ``pen``.

    That is without an L1 penalty on any feature that varies.  When no feature
    varies (constant or zero columns, one sample) alpha_max is 0 and the grid
    degenerate (see fastpen._multi.targets_alpha_max).
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


def alpha_grid(top, n_alphas, eps):
    """``n_alphas`` alphas log-spaced from ``top`` (an alpha_max) down to ``eps * top``.

    A ``top`` at or below float64's resolution (no feature varies, or y is
    constant) gives a constant grid at that resolution, as scikit-learn does.
    """
    resolution = np.finfo(np.float64).resolution
    if top <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(top, top * eps, num=n_alphas)


def _random_seed(random_state):
    """An integer seed from ``random_state`` (None, an int, a RandomState or a Generator)."""
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63))
    if random_state is None:
        return int(np.random.randint(0, np.iinfo(np.int32).max))
    return int(check_scalar(random_state, "random_state", "int", low=0, high=2**32 - 1))


@dataclass
class SolverOptions:
    """Validated solver settings shared by every fit of a path."""

    tol: float
    max_iter: int
    random: bool
    seed: int
    n_threads: int
    positive: bool
    warning_category: type

    @classmethod
    def check(cls, *, tol, max_iter, selection="cyclic", random_state=None, n_threads=None,
              positive=False, warning_category=None):
        """Validate the options as :func:`fastpen.enet_path` takes them (``n_threads``
        resolved to a count; ``warning_category`` of the unconverged warnings,
        :class:`ConvergenceWarning` by default)."""
        tol = check_scalar(tol, "tol", low=0.0)
        max_iter = check_scalar(max_iter, "max_iter", "int", low=1, high=2**31 - 1)
        if selection not in ("cyclic", "random"):
            raise ValueError(f"selection must be 'cyclic' or 'random', got {selection!r}.")
        random = selection == "random"
        seed = _random_seed(random_state) if random else 0
        return cls(tol, max_iter, random, seed, effective_n_threads(n_threads),
                   check_bool(positive, "positive"),
                   warning_category or ConvergenceWarning)


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


def warn_path_unconverged(alphas, gaps, *, tol_abs, n, category, n_iter, max_iter, y_norm2,
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


def warn_batch_unconverged(res, category, n, max_iter, dtype):
    """One warning for all the fits of a batch (``res``: a fastpen._multi.PathsResult,
    rows problems, columns alphas) above tolerance, quoting the worst one's gap and
    tolerance on the scale of ``dual_gap_`` (/ n): not converged at max_iter, or
    stopped at the rounding level of the precision (fewer sweeps than max_iter; see
    :func:`precision_message`)."""
    gaps, tol_abs = res.gaps, res.tol_abs
    failed = gaps > tol_abs[:, None]
    if failed.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(failed, gaps / tol_abs[:, None], 0.0)
        t, a = np.unravel_index(np.argmax(ratio), ratio.shape)
        if res.n_iter[t, a] < max_iter:
            warn(f"For {int(failed.sum())} of {failed.size} fits (problem x alpha), the worst's "
                 + precision_message(gaps[t, a], tol_abs[t], res.y_norm2[t], n, dtype),
                 category)
            return
        warn(
            f"Objective did not converge for {int(failed.sum())} of {failed.size} fits "
            f"(problem x alpha): the worst has a duality gap of {gaps[t, a] / n:.3e} > "
            f"tolerance {tol_abs[t] / n:.3e}. Increase max_iter, scale the features, or "
            "increase the regularisation.", category)
