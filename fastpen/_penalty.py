"""Per-feature penalty: factors, exclusion, standardisation and box constraints.

Everything here becomes arrays the kernels take: the L1 factors ``l1`` (the
``pf`` of the kernels), optional L2 factors ``l2``, optional bounds, and the
column norms with excluded and constant features zeroed, which is how the
kernels know to leave a coefficient at exactly 0.

Standardisation (glmnet's ``standardize=TRUE``) is a change of variables, not
a scaled copy of X: fitting v on the columns x_j / sd_j with penalty
pf_j (a |v_j| + b/2 v_j^2) is fitting w_j = v_j / sd_j on the original columns
with penalty a pf_j sd_j |w_j| + b/2 pf_j sd_j^2 w_j^2, so coefficients come out
on the original scale directly.
"""
from dataclasses import dataclass

import numpy as np

from ._validation import check_bool, check_bounds, check_exclude, check_penalty_factor


@dataclass
class Penalty:
    """Per-feature penalty arrays in the form the kernels take."""

    l1: np.ndarray             # L1 factors, finite (excluded features: 1, never used)
    l2: object                 # L2 factors, or None when equal to l1
    lower: object              # lower bounds (<= 0), or None: no box
    upper: object              # upper bounds (>= 0), or None
    x_norm2: np.ndarray        # column norms, 0 for excluded and constant features
    positive: bool

    @property
    def active(self):
        return self.x_norm2 > 0

    @property
    def unpenalized(self):
        return self.active & (self.l1 == 0)

    @property
    def boxed(self):
        return self.lower is not None

    def solver_kwargs(self):
        return {"l2_factor": self.l2, "lower": self.lower, "upper": self.upper}

    def box(self):
        """(lo, hi): the interval each coefficient may take -- the bounds, and
        ``positive`` as a lower bound of 0.  The one rule of the Python layer for
        what a bound allows (the kernels' is ``_box`` in _cd_penalty.pxi)."""
        p = self.l1.shape[0]
        # (read-only views of one value when there are no bounds: nothing allocated)
        lo = np.broadcast_to(-np.inf, (p,)) if self.lower is None else self.lower
        hi = np.broadcast_to(np.inf, (p,)) if self.upper is None else self.upper
        return (np.maximum(lo, 0.0) if self.positive else lo), hi

    def constrained(self, cols):
        """Whether a box holds any of the features ``cols``."""
        lo, hi = self.box()
        return bool(np.any(np.isfinite(lo[cols]) | np.isfinite(hi[cols])))

    def feasible_gradient(self, g):
        """Part of g that could move a coefficient off zero (in a direction its box
        allows)."""
        lo, hi = self.box()
        up = np.where(hi > 0, np.maximum(g, 0.0), 0.0)
        down = np.where(lo < 0, np.maximum(-g, 0.0), 0.0)
        return np.maximum(up, down)


def make_penalty(prob, *, penalty_factor=None, exclude=None, rescale=False,
                 standardize=False, lower_bounds=None, upper_bounds=None, positive=False):
    """Build the kernels' penalty arrays for a prepared problem.

    Parameters
    ----------
    prob : fastpen._problem.Problem
    penalty_factor : array-like of shape (n_features,), optional
        Non-negative factors; ``np.inf`` excludes a feature.
    exclude : sequence of int, optional
        Features to exclude (an infinite factor).
    rescale : bool
        glmnet's convention: excluded features count with a factor of 1, and all
        factors are rescaled to sum to n_features.
    standardize : bool
        Penalise as if every column were scaled to unit (weighted, 1/n)
        standard deviation; coefficients stay on the original scale.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), optional
        Box constraints, lower <= 0 <= upper.
    positive : bool
        Constrain w >= 0 (a lower bound of 0).
    """
    p = prob.x_norm2.shape[0]
    pf = check_penalty_factor(penalty_factor, p)
    excluded = np.isinf(pf) | check_exclude(exclude, p)
    pf[excluded] = 1.0          # as glmnet: excluded features count with factor 1 ...
    if check_bool(rescale, "rescale_penalty_factor"):
        if pf.sum() <= 0:
            raise ValueError("rescale_penalty_factor=True needs a positive penalty_factor "
                             "(all factors are 0), as in glmnet.")
        pf *= p / pf.sum()      # ... when all factors are rescaled to sum to n_features
    x_norm2 = np.where(excluded, 0.0, prob.x_norm2)
    l1, l2 = pf, None
    if check_bool(standardize, "standardize"):
        sd = np.sqrt(prob.x_norm2 / prob.n_samples)
        l1 = np.where(x_norm2 > 0, pf * sd, pf)
        l2 = np.where(x_norm2 > 0, pf * sd**2, pf)
    lower, upper = check_bounds(lower_bounds, upper_bounds, p)
    if lower is not None and positive:
        lower = np.maximum(lower, 0.0)
    return Penalty(np.ascontiguousarray(l1), l2, lower, upper, x_norm2, bool(positive))
