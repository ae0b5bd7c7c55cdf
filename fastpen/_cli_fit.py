"""The fits behind the ``fastpen`` command: folds, the CV-chosen alpha, the model.

Everything here calls fastpen's functional API (no scikit-learn estimator, so
the command starts quickly): :func:`fastpen.enet_path` at a given alpha, the
cross-validated paths of :mod:`fastpen._cv` for lasso / elastic net, and the
one-decomposition ridge solves of :mod:`fastpen._ridge`.  The command's own
choices, which the library leaves to the caller, are made here:

- folds drawn at random (glmnet's ``cv.glmnet`` draws fold ids at random), from
  a seed that is printed so the split can be repeated; ``--folds-in-order``
  cuts contiguous blocks as scikit-learn's ``KFold()`` does;
- glmnet's default grid span: the smallest alpha is 1e-4 alpha_max when there
  are more rows than features, 1e-2 alpha_max otherwise;
- ridge's grid from the spectrum of X (:func:`fastpen._ridge.ridge_alpha_grid`);
- a chosen alpha at an end of its grid is reported with the option to change.
"""
import os
import time
from dataclasses import dataclass, field

import numpy as np

from ._io import DataError


class UsageError(Exception):
    """Options that do not go together, or do not fit the data (exit status 2)."""


@dataclass
class Folds:
    """K-fold splits of n rows: ``pairs`` of (train, test) row indices."""

    pairs: list
    n_folds: int
    seed: int = None          # None: in row order
    description: str = ""


@dataclass
class Curve:
    """A cross-validation curve along a decreasing alpha grid."""

    alphas: np.ndarray        # (m,)
    mean: np.ndarray          # (m,) mean held-out squared error
    se: np.ndarray            # (m,) its standard error
    best: int                 # index of the smallest mean error
    one_se: int               # index of the largest alpha within one SE of it
    how: str                  # "5-fold" or "leave-one-out"
    at_edge: str = None       # "smallest" / "largest": chosen at that end, error falling
    n_nonzero: np.ndarray = None     # (m,) nonzero coefficients of the whole-data fits


@dataclass
class Fitted:
    """One fitted model, in the data's original units."""

    model: str                # lasso, enet or ridge
    l1_ratio: float
    alpha: float
    coef: np.ndarray          # (p,)
    intercept: float
    curve: Curve = None       # when alpha was chosen by cross-validation
    folds: Folds = None
    eps: float = None
    time_s: float = 0.0
    notes: list = field(default_factory=list)   # messages for stderr


def l1_ratio_of(model, l1_ratio):
    """The L1 share of the penalty that ``--model`` and ``--l1-ratio`` ask for."""
    if model == "lasso":
        if l1_ratio not in (None, 1.0):
            raise UsageError("--l1-ratio applies to --model enet (lasso is l1_ratio = 1).")
        return 1.0
    if model == "ridge":
        if l1_ratio is not None:
            raise UsageError("--l1-ratio applies to --model enet.")
        return 0.0
    ratio = 0.5 if l1_ratio is None else l1_ratio
    if ratio == 0.0:
        raise UsageError("--l1-ratio 0 is ridge: use --model ridge.")
    return ratio


def default_eps(n_samples, n_features):
    """glmnet's ``lambda.min.ratio``: 1e-4 when n > p, else 1e-2."""
    return 1e-4 if n_samples > n_features else 1e-2


def check_target(data):
    """A target that cannot be fitted is a data error, before any work."""
    y = data.y
    if y.size < 2:
        raise DataError(f"{data.source}: {y.size} data row{'s' * (y.size != 1)}: at least "
                        "2 are needed to fit a model")
    if np.all(y == y[0]):
        raise DataError(f"{data.source}: the target {data.target_name!r} is constant "
                        f"({y[0]:g} in every row): there is nothing to fit (choose another "
                        "column with --target)")


# -- folds ---------------------------------------------------------------------------


def new_seed():
    """A short random seed to print (five digits are enough to tell splits apart)."""
    return int.from_bytes(os.urandom(4), "little") % 100_000


def make_folds(n, n_folds, *, seed=None, in_order=False, source="the data", default=False):
    """K folds of ``n`` rows: at random from ``seed`` (drawn when None), or in order.

    Random folds give each row the fold ``permutation(arange(n) % K)[i]``, so fold
    sizes differ by at most one, as with ``cv.glmnet``'s ``sample(rep(1:K, ...))``;
    in-order folds are contiguous blocks, the first ``n % K`` one row longer
    (scikit-learn's ``KFold(K)``).
    """
    if n_folds > n:
        what = (f"{n_folds}-fold cross-validation (the default)" if default
                else f"--cv {n_folds}")
        raise UsageError(f"{what}: {source} has {n} row{'s' * (n != 1)}, fewer than the "
                         "folds (give fewer folds with --cv K, or --alpha)")
    if in_order:
        sizes = np.full(n_folds, n // n_folds)
        sizes[: n % n_folds] += 1
        fold_of = np.repeat(np.arange(n_folds), sizes)
        seed, text = None, f"{n_folds} folds in row order"
    else:
        seed = new_seed() if seed is None else seed
        fold_of = np.random.default_rng(seed).permutation(np.arange(n) % n_folds)
        text = f"{n_folds} random folds, seed {seed} (--seed {seed} repeats them)"
    pairs = [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f))
             for f in range(n_folds)]
    return Folds(pairs, n_folds, seed, text)


# -- fits ----------------------------------------------------------------------------


def fit(data, args, *, n_folds, progress=None, curve_nonzeros=False):
    """Fit ``args.model`` on ``data``: at ``args.alpha`` when given, else at the alpha
    chosen by ``n_folds``-fold CV (ridge: leave-one-out when ``n_folds`` is None).

    ``curve_nonzeros``: also fit the whole data along the lasso / enet CV grid, for
    the nonzero counts of the curve's table and plot.
    """
    l1 = l1_ratio_of(args.model, args.l1_ratio)
    n, p = data.X.shape
    alpha = getattr(args, "alpha", None)
    folds = None
    if alpha is None and n_folds is not None:
        folds = make_folds(n, n_folds, seed=args.seed, in_order=args.folds_in_order,
                           source=data.source, default=args.cv is None)
    check_target(data)
    # the kernels load scipy.linalg (for BLAS) on first import: not part of the fit's time
    from . import _cv, _path, _ridge  # noqa: F401

    start = time.perf_counter()
    if args.model == "ridge":
        fitted = _fit_ridge(data, args, alpha, folds)
    else:
        eps = args.eps if args.eps is not None else default_eps(n, p)
        fitted = (_fit_enet_at(data, args, l1, alpha) if alpha is not None else
                  _fit_enet_cv(data, args, l1, eps, folds, progress, curve_nonzeros))
    fitted.time_s = time.perf_counter() - start
    fitted.folds = folds
    if fitted.curve is not None and len(fitted.curve.alphas) > 1:
        _note_grid_edge(fitted)
    return fitted


def _solver_kwargs(args):
    return dict(tol=args.tol, max_iter=args.max_iter, standardize=args.standardize,
                n_threads=args.threads)


def _fit_enet_at(data, args, l1, alpha):
    from ._path import enet_path

    res = enet_path(data.X, data.y, l1_ratio=l1, alphas=[alpha], **_solver_kwargs(args))
    return Fitted(args.model, l1, float(alpha), res.coefs[0], float(res.intercepts[0]))


def _fit_enet_cv(data, args, l1, eps, folds, progress, curve_nonzeros):
    from ._cv import cross_validate_enet
    from ._path import enet_path
    from ._problem import ConvergenceWarning, SolverOptions

    solver = SolverOptions.check(tol=args.tol, max_iter=args.max_iter, n_threads=args.threads,
                                 warning_category=ConvergenceWarning)
    penalty = dict(penalty_factor=None, exclude=None, standardize=args.standardize,
                   lower_bounds=None, upper_bounds=None, positive=False)
    cv = cross_validate_enet(data.X, data.y, folds.pairs, l1_ratios=[l1],
                             alphas=args.n_alphas, eps=eps, solver=solver, penalty=penalty,
                             verbose=progress or False, warn_edges=False)
    curve = Curve(cv.alphas[0, 0].copy(), cv.mean[0, :, 0], cv.se[0, :, 0],
                  int(cv.alpha_index[0]), int(cv.alpha_1se_index[0]),
                  f"{folds.n_folds}-fold", at_edge=_edge(cv.at_smallest, cv.at_largest))
    if curve_nonzeros:
        path = enet_path(data.X, data.y, l1_ratio=l1, alphas=curve.alphas,
                         **_solver_kwargs(args))
        curve.n_nonzero = path.df
    return Fitted(args.model, l1, float(cv.alpha[0]), cv.coefs[0], float(cv.intercepts[0]),
                  curve=curve, eps=eps)


def _edge(at_smallest, at_largest):
    """'smallest', 'largest' or None, from the library's grid-edge flags of one target."""
    if np.any(at_smallest):
        return "smallest"
    return "largest" if np.any(at_largest) else None


def standardized(X):
    """(X divided by its columns' standard deviations, those deviations); a constant
    column keeps a scale of one."""
    from ._model import column_statistics

    sd = column_statistics(X)[1].copy()
    sd[sd == 0] = 1.0
    if isinstance(X, np.ndarray):
        return X / sd, sd
    import scipy.sparse as sp                   # the loaders give ndarray or CSR only

    return sp.csr_matrix(X).multiply(1.0 / sd).tocsr(), sd


def _fit_ridge(data, args, alpha, folds):
    from ._ridge import ridge_cv_curve, ridge_path

    X, y = data.X, data.y
    Xr, sd = standardized(X) if args.standardize else (X, None)
    scale = (lambda c: c / sd) if sd is not None else (lambda c: c)
    if alpha is not None:
        res = ridge_path(Xr, y, [alpha], n_threads=args.threads)
        return Fitted("ridge", 0.0, float(alpha), scale(res.coefs[0]),
                      float(res.intercepts[0]))
    # an int: the spectral grid (ridge_alpha_grid), from the decomposition LOO uses too
    cv = ridge_cv_curve(Xr, y, args.n_alphas, folds=None if folds is None else folds.pairs,
                        n_threads=args.threads, warn_edges=False)
    curve = Curve(np.asarray(cv.alphas, dtype=np.float64), cv.mean, cv.se,
                  int(cv.alpha_index), int(cv.alpha_1se_index),
                  "leave-one-out" if folds is None else f"{folds.n_folds}-fold",
                  at_edge=_edge(cv.at_smallest, cv.at_largest))
    res = ridge_path(Xr, y, [cv.alpha], n_threads=args.threads)
    coef = scale(res.coefs[0])
    # ridge zeroes no coefficient but a constant column's, at every alpha alike
    curve.n_nonzero = np.full(curve.alphas.size, np.count_nonzero(coef))
    return Fitted("ridge", 0.0, float(cv.alpha), coef, float(res.intercepts[0]), curve=curve)


def _note_grid_edge(fitted):
    """A warning when the CV alpha is at an end of its grid with the error still falling
    there (the library's rule, :func:`fastpen._cv.grid_edges`), naming the option to
    change.  The largest alpha of lasso / elastic net's automatic grid is alpha_max,
    where every coefficient is zero: choosing it says that no feature helped."""
    curve = fitted.curve
    what = f"the alpha chosen by {curve.how} CV ({fitted.alpha:.4g})"
    if curve.at_edge == "smallest" and fitted.model == "ridge":
        fitted.notes.append(f"warning: {what} is the smallest of the grid, where ridge "
                            "is practically least squares, and the CV error was still "
                            "falling there: cross-validation prefers (almost) no penalty")
    elif curve.at_edge == "smallest":
        fitted.notes.append(f"warning: {what} is the smallest of the grid and the CV error "
                            "was still falling there: to look further, lower --eps (now "
                            f"{fitted.eps:g}); if the choice stays there however far the "
                            "grid goes, cross-validation prefers little or no penalty")
    elif curve.at_edge == "largest":
        fitted.notes.append(f"warning: {what} is the largest of the grid (about one degree "
                            "of freedom) and the CV error was still falling there: the "
                            "features barely predict the target")
    elif curve.best == 0 and fitted.model != "ridge" and not np.any(fitted.coef):
        fitted.notes.append(f"note: {what} is alpha_max, where every coefficient is zero: "
                            "no feature improved the held-out error over the mean")
