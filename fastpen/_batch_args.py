"""The grouped, keyword-only arguments of :class:`fastpen._batch.PathBatch`.

A batch is P *problems* (one target fitted under one *group*, a weighting of
the rows of X, along its own alpha sequence) and where their results go.
Each named tuple below is one kind of argument; ``PathBatch`` unpacks them
into its typed fields and checks their shapes against each other.  All
arrays are C-contiguous float64 unless said otherwise (int32: ``np.intc``);
p is the number of features, n of samples, k of targets, G of groups and m of
alphas per path.
"""
from typing import NamedTuple

import numpy as np

__all__ = ["BatchBounds", "BatchGroups", "BatchOptions", "BatchProblems", "BatchResults",
           "HeldOutRows", "KnownSolutions", "UnpenalizedBlock"]


class BatchGroups(NamedTuple):
    """Per group, what the kernels need under its weighting of the rows.

    Attributes
    ----------
    target_means : ndarray (G, k)
        Each target's (weighted) mean in each group (0 without intercept).
    sample_weight : ndarray (G, n) or (G, 0)
        Weights summing to n; no columns: unit weights.
    x_mean : ndarray (G, p)
        Weighted column means (0 without intercept).
    x_norm2 : ndarray (G, p)
        Centred, weighted column norms; 0 leaves a feature out (excluded or
        constant), and in Gram mode they are the Gram matrices' diagonals.
    l1_factor : ndarray (G, p)
        L1 penalty factors.
    l2_factor : ndarray (G, p) or (G, 0)
        L2 penalty factors; no columns: equal to ``l1_factor``.
    """

    target_means: np.ndarray
    sample_weight: np.ndarray
    x_mean: np.ndarray
    x_norm2: np.ndarray
    l1_factor: np.ndarray
    l2_factor: np.ndarray


class BatchProblems(NamedTuple):
    """The problems: which target under which group, along which strengths.

    Attributes
    ----------
    targets : ndarray (k, n)
        The targets, uncentred, one per row.
    group, target : int32 ndarray (P,)
        Problem t fits ``targets[target[t]]`` under group ``group[t]``.
    a, b : ndarray (P, m)
        Per-sum L1 and L2 strengths along each path (``n alpha l1_ratio`` and
        ``n alpha (1 - l1_ratio)``), decreasing, warm-started in order.
    tol : ndarray (P,)
        Relative gap tolerance: problem t stops at a gap of
        ``tol[t] * y_c^T S y_c``.
    xty : ndarray (P, p) or (0, p)
        X~^T S y_c of each problem: Gram mode's right-hand sides; with X, the
        first scan of a path that starts from w = 0 (optional there).
    coef : ndarray (P, p)
        Starting coefficients, overwritten with the last alpha's.
    """

    targets: np.ndarray
    group: np.ndarray
    target: np.ndarray
    a: np.ndarray
    b: np.ndarray
    tol: np.ndarray
    xty: np.ndarray
    coef: np.ndarray


class BatchResults(NamedTuple):
    """Where the batch writes its results (rows problems, columns alphas).

    Attributes
    ----------
    y_norm2 : ndarray (P,)
        Receives y_c^T S y_c of each problem.
    gaps, r_norm2 : ndarray (P, m)
        Receive the duality gap reached and the weighted residual norm.
    n_iter : int32 ndarray (P, m)
        Receives the sweeps done.
    test_err : ndarray (P, m) or (0, 0)
        Receives the weighted mean squared error on the group's held-out
        rows (see :class:`HeldOutRows`); (0, 0) without held-out rows.
    df : int32 ndarray (P, m), optional
        Receives the number of nonzero stored coefficients, -1 where one is not
        finite (only when the coefficients are stored).
    intercepts : ndarray (P, m), optional
        Receives the intercept, y_mean - x_mean^T w.
    """

    y_norm2: np.ndarray
    gaps: np.ndarray
    r_norm2: np.ndarray
    n_iter: np.ndarray
    test_err: np.ndarray
    df: np.ndarray = None
    intercepts: np.ndarray = None


class HeldOutRows(NamedTuple):
    """Held-out rows of every group (cross-validation folds).

    Attributes
    ----------
    ptr : int32 ndarray (G + 1,) or (0,)
        Group g's held-out rows are ``rows[ptr[g]:ptr[g + 1]]``; empty: none.
    rows : int32 ndarray
        Row indices, distinct within a group.
    weights : ndarray, same length as ``rows``
        Their weights in the held-out error.
    """

    ptr: np.ndarray
    rows: np.ndarray
    weights: np.ndarray

    @classmethod
    def none(cls):
        """No held-out rows."""
        return cls(np.empty(0, dtype=np.intc), np.empty(0, dtype=np.intc), np.empty(0))


class UnpenalizedBlock(NamedTuple):
    """The unpenalised features solved exactly before each gap check, the same in
    every group (see :func:`fastpen._problem.unpenalized_block`).

    Attributes
    ----------
    indices : int32 ndarray (u,)
        The features.
    matrices : ndarray (G, u, u)
        Per group, the pseudo-inverse of their Gram matrix, or (``boxed``)
        the Gram matrix itself for the kernels' box QP; (0, 0, 0) when u = 0.
    boxed : bool
        Whether their bounds (or ``positive``) constrain them.
    """

    indices: np.ndarray
    matrices: np.ndarray
    boxed: bool

    @classmethod
    def none(cls):
        """No exactly solved block."""
        return cls(np.empty(0, dtype=np.intc), np.empty((0, 0, 0)), False)


class KnownSolutions(NamedTuple):
    """Fits whose solution is known: at or above its alpha_max, a problem's penalised
    coefficients are all zero and its unpenalised ones fit the target alone; the
    kernel only certifies that point (no sweep).

    Attributes
    ----------
    at_max : int8 ndarray (P, m)
        Nonzero where the alpha's solution is known.
    coef : ndarray (P, p)
        That solution, per problem.
    """

    at_max: np.ndarray
    coef: np.ndarray

    @classmethod
    def none(cls):
        """No known solution."""
        return cls(np.empty((0, 0), dtype=np.int8), np.empty((0, 0)))


class BatchBounds(NamedTuple):
    """Box constraints ``lower <= w <= upper`` shared by every problem.

    Attributes
    ----------
    lower, upper : ndarray (p,) or both (0,)
        Bounds with ``lower <= 0 <= upper``; empty: no box.
    """

    lower: np.ndarray
    upper: np.ndarray

    @classmethod
    def none(cls):
        """No box."""
        return cls(np.empty(0), np.empty(0))


class BatchOptions(NamedTuple):
    """Solver settings shared by every problem.

    Attributes
    ----------
    max_iter : int
        Maximum number of sweeps per alpha.
    positive : bool
        Constrain the coefficients to be non-negative.
    random : bool
        Random coordinate order, seeded by ``seed + t m + (alpha index)`` for
        problem t, so a problem's fit does not depend on the chunking.
    seed : int
        Unsigned 64-bit.
    """

    max_iter: int
    positive: bool
    random: bool
    seed: int
