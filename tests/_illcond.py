"""Ill-conditioned designs (issue 17), shared by the tests and benchmarks/ill_conditioned.py.

Every design is a :class:`Problem`, a named 5-tuple ``(name, X, y, fit_intercept,
standardize)`` with X a float64 Fortran-ordered array.  Each builder takes
``small``: ``small=True`` is a deterministic subsample (rows and, for the
polynomial expansions, the base columns) sized for the test matrix; the default
is the full design, for the benchmark.  Everything is seeded; nothing is
downloaded (only the data sets scikit-learn ships in its wheel).

Families
--------
- ``poly``: degree-2 and degree-3 ``PolynomialFeatures`` (no bias column) of the
  bundled real data sets, each expanded column standardised (``StandardScaler``:
  mean 0, 1/n variance 1; a constant column would stay all zeros), y centred,
  ``fit_intercept=False``.  Expansions of two-valued variables give exactly
  collinear columns (diabetes ``sex**2`` is affine in ``sex``, so standardised it
  is +-``sex`` up to rounding: rank 64 of 65 for ``diabetes-d2``).  The targets:

  =============  ======================================  ==========================
  data set       y                                        X (before expansion)
  =============  ======================================  ==========================
  diabetes       the disease-progression target           the 10 features
  wine           ``alcohol`` (a continuous column)        the 12 other columns
  breast_cancer  the label as a number (1 = benign):      the 30 features
                 a linear probability model
  iris           ``petal width (cm)`` (continuous)        the 3 other measurements
  linnerud       ``Weight`` (physiological target 0)      the 3 exercises (n = 20)
  =============  ======================================  ==========================

  The issue's reference case is ``diabetes-d3`` (n=442, p=285).
- ``ar1``: Gaussian AR(1) columns, corr(x_j, x_k) = rho^|j-k| (Toeplitz), rho 0.99
  and 0.999, column offsets and an intercept.
- ``near-dup``: Gaussian columns, each followed by 3 copies perturbed by noise of
  1e-8 relative norm; intercept.
- ``scales``: AR(1) (rho 0.9) columns put on scales 10^-6 ... 10^6 (log-spaced,
  shuffled), with offsets; intercept, ``standardize=False``.  ``scales-std`` is the same data
  fitted with ``standardize=True``.

The independent gap
-------------------
:func:`relative_gap` is the formula of ``../shared/BENCHMARKING.md`` (the same as
``benchmarks/gap.py``, copied here so that the tests do not import benchmarks),
in float64 whatever the solver's dtype.  With ``standardize=True`` fastpen
penalises ``sd_j |w_j|`` (and ``sd_j^2 w_j^2 / 2``), sd_j the 1/n standard
deviation of column j (centred with an intercept, root mean square without):
that is the plain problem on the columns ``x_j / sd_j`` with coefficients
``sd_j w_j``, which is how the gap is evaluated.
"""
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

SEED = 17   # issue 17


class Problem(NamedTuple):
    name: str
    X: np.ndarray
    y: np.ndarray
    fit_intercept: bool
    standardize: bool


# ------------------------------------------------------------------ builders


def _rows(n, keep, seed):
    """Sorted deterministic subsample of ``keep`` row indices out of n (all if keep >= n)."""
    if keep >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=keep, replace=False))


def _bundled(dataset):
    """(X, y, description of y) of a data set shipped with scikit-learn."""
    from sklearn import datasets

    if dataset == "diabetes":
        d = datasets.load_diabetes()
        return d.data, d.target, "disease progression"
    if dataset == "wine":
        d = datasets.load_wine()
        return d.data[:, 1:], d.data[:, 0], "alcohol"
    if dataset == "breast_cancer":
        d = datasets.load_breast_cancer()
        return d.data, d.target.astype(np.float64), "label (1 = benign)"
    if dataset == "iris":
        d = datasets.load_iris()
        return d.data[:, :3], d.data[:, 3], "petal width"
    if dataset == "linnerud":
        d = datasets.load_linnerud()
        return d.data, d.target[:, 0], "weight"
    raise ValueError(f"unknown data set {dataset!r}")


# small variants: (rows kept, base columns kept) -- the expansion of the kept
# columns stays below ~90 features
_SMALL_POLY = {
    ("diabetes", 2): (200, 10),      # 65 features
    ("diabetes", 3): (200, 6),       # 83 (age, sex, bmi, bp, s1, s2: sex**3 ~ sex)
    ("wine", 2): (178, 12),          # 90
    ("wine", 3): (178, 5),           # 55
    ("breast_cancer", 2): (200, 10),  # 65 (the "mean" columns)
    ("iris", 3): (150, 3),           # 19
    ("linnerud", 3): (20, 3),        # 19, n = 20
}


def polynomial(dataset, degree, small=False):
    """Standardised degree-``degree`` expansion of a bundled data set; centred y."""
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    X, y, _ = _bundled(dataset)
    if small:
        n_rows, n_cols = _SMALL_POLY[(dataset, degree)]
        rows = _rows(X.shape[0], n_rows, SEED)
        X, y = X[rows, :n_cols], y[rows]
    Z = PolynomialFeatures(degree, include_bias=False).fit_transform(X)
    Z = StandardScaler().fit_transform(Z)
    y = np.asarray(y, dtype=np.float64)
    return Problem(f"{dataset}-d{degree}", np.asfortranarray(Z), y - y.mean(), False, False)


def _response(X, n_nonzero, rng, snr=3.0, offset=0.0):
    """y = X w + noise with ``n_nonzero`` coefficients of size 1..3 on spread-out columns."""
    p = X.shape[1]
    w = np.zeros(p)
    idx = np.linspace(0, p - 1, n_nonzero).round().astype(int)
    w[idx] = rng.choice([-1.0, 1.0], idx.size) * rng.uniform(1.0, 3.0, idx.size)
    signal = X @ w
    sd = np.std(signal) / snr if np.std(signal) > 0 else 1.0
    return signal + sd * rng.standard_normal(X.shape[0]) + offset, w


def ar1(rho, small=False):
    """AR(1) columns: x_j = rho x_{j-1} + sqrt(1 - rho^2) z_j (Toeplitz correlation)."""
    n, p = (150, 60) if small else (1000, 500)
    rng = np.random.default_rng([SEED, int(round(rho * 1000))])
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    c = np.sqrt(1.0 - rho * rho)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + c * rng.standard_normal(n)
    X += rng.normal(0.0, 3.0, p)          # column offsets: centring is the solver's job
    y, _ = _response(X, 10 if small else 20, rng, offset=2.0)
    return Problem(f"ar1-{rho:g}", X, y, True, False)


def near_duplicates(small=False, rel_noise=1e-8, copies=3):
    """Each Gaussian column followed by ``copies`` copies + noise of relative norm rel_noise."""
    n, k = (120, 15) if small else (500, 100)
    rng = np.random.default_rng([SEED, 2])
    base = rng.standard_normal((n, k)) + rng.normal(0.0, 1.0, k)
    cols = []
    for j in range(k):
        x = base[:, j]
        cols.append(x)
        scale = rel_noise * np.linalg.norm(x) / np.sqrt(n)
        cols.extend(x + scale * rng.standard_normal(n) for _ in range(copies))
    X = np.asfortranarray(np.column_stack(cols))
    y, _ = _response(base, 5 if small else 10, rng, offset=-1.0)
    return Problem("near-dup", X, y, True, False)


def scales(small=False, standardize=False):
    """Columns on scales 10^-6 ... 10^6, offsets; fitted without (or with) standardize."""
    n, p = (120, 40) if small else (500, 200)
    rng = np.random.default_rng([SEED, 3])
    s = 10.0 ** rng.permutation(np.linspace(-6.0, 6.0, p))
    Z = np.empty((n, p))                  # AR(1) rho = 0.9 before scaling
    Z[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        Z[:, j] = 0.9 * Z[:, j - 1] + np.sqrt(1 - 0.81) * rng.standard_normal(n)
    Z += rng.normal(0.0, 2.0, p)
    X = np.asfortranarray(Z * s)
    # the response sees every scale equally: y depends on the unscaled Z
    y, _ = _response(Z, 8 if small else 15, rng, offset=5.0)
    return Problem("scales-std" if standardize else "scales", X, y, True, standardize)


_BUILDERS = {
    "diabetes-d2": lambda small: polynomial("diabetes", 2, small),
    "diabetes-d3": lambda small: polynomial("diabetes", 3, small),
    "wine-d2": lambda small: polynomial("wine", 2, small),
    "wine-d3": lambda small: polynomial("wine", 3, small),
    "breast_cancer-d2": lambda small: polynomial("breast_cancer", 2, small),
    "iris-d3": lambda small: polynomial("iris", 3, small),
    "linnerud-d3": lambda small: polynomial("linnerud", 3, small),
    "ar1-0.99": lambda small: ar1(0.99, small),
    "ar1-0.999": lambda small: ar1(0.999, small),
    "near-dup": lambda small: near_duplicates(small),
    "scales": lambda small: scales(small),
    "scales-std": lambda small: scales(small, standardize=True),
}
DESIGNS = tuple(_BUILDERS)

_cache = {}


def design(name, small=False):
    """The named design (cached: treat X and y as read-only)."""
    key = (name, bool(small))
    if key not in _cache:
        if name not in _BUILDERS:
            raise ValueError(f"unknown design {name!r}; choose from {', '.join(DESIGNS)}")
        prob = _BUILDERS[name](small)
        prob.X.flags.writeable = False
        prob.y.flags.writeable = False
        _cache[key] = prob
    return _cache[key]


def all_designs(small=False):
    return [design(name, small) for name in DESIGNS]


# ------------------------------------------------------- the independent gap


def column_sd(X, fit_intercept):
    """fastpen's ``standardize`` scale: 1/n sd (centred with an intercept, else RMS)."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0) if fit_intercept else X
    return np.sqrt(np.einsum("ij,ij->j", Xc, Xc) / X.shape[0])


def _standardized(X, coef, fit_intercept):
    """(X / sd, sd * coef): fastpen's ``standardize=True`` as the plain problem."""
    sd = column_sd(X, fit_intercept)
    sd = np.where(sd > 0, sd, 1.0)
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    return np.asarray(X, dtype=np.float64) / sd, np.asarray(coef, dtype=np.float64) * sd


def relative_gap(X, y, coef, alpha, l1_ratio=1.0, fit_intercept=True, standardize=False):
    """Duality gap / (||y~||^2 / 2) of ``coef`` (float64; intercept eliminated).

    The formula of ../shared/BENCHMARKING.md and benchmarks/gap.py (no sample
    weights, no ``positive``): with a = n alpha l1_ratio, b = n alpha (1 - l1_ratio),
    R = y~ - X~ w, XtA = X~^T R - b w, c = min(1, a / max|XtA|),
    gap = 1/2 ||R||^2 (1 + c^2) + a ||w||_1 - c R^T y~ + 1/2 b (1 + c^2) ||w||^2.
    """
    if standardize:
        X, coef = _standardized(X, coef, fit_intercept)
    n = X.shape[0]
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    if sp.issparse(X):
        X = sp.csc_matrix(X, dtype=np.float64)
        x_mean = np.asarray(X.mean(axis=0)).ravel() if fit_intercept else np.zeros(X.shape[1])
    else:
        X = np.asarray(X, dtype=np.float64)
        x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    y_c = y - (y.mean() if fit_intercept else 0.0)
    R = y_c - (X @ w - x_mean @ w)
    g = X.T @ R - x_mean * R.sum()
    a, b = n * alpha * l1_ratio, n * alpha * (1.0 - l1_ratio)
    y_norm2 = y_c @ y_c
    if a > 0:
        xta = g - b * w
        dnorm = np.abs(xta).max()
        c = a / dnorm if dnorm > a else 1.0
        gap = (0.5 * (R @ R) * (1 + c * c) + a * np.abs(w).sum() - c * (R @ y_c)
               + 0.5 * b * (1 + c * c) * (w @ w))
    elif b > 0:
        gap = R @ R + 0.5 * b * (w @ w) - R @ y_c + (g @ g) / (2 * b)
    else:
        gap = g @ g
    return gap / (0.5 * y_norm2)


def path_gaps(X, y, coefs, alphas, l1_ratio=1.0, fit_intercept=True, standardize=False):
    """Independent relative gaps at every alpha of a path (coefs: n_alphas x p).

    Same formula as :func:`relative_gap`, with the O(n p) work shared by the path.
    """
    if sp.issparse(X):
        X = X.toarray()
    X = np.asarray(X, dtype=np.float64)
    coefs = np.asarray(coefs, dtype=np.float64)
    if standardize:
        sd = column_sd(X, fit_intercept)
        sd = np.where(sd > 0, sd, 1.0)
        X, coefs = X / sd, coefs * sd
    return np.array([relative_gap(X, y, w, a, l1_ratio, fit_intercept)
                     for w, a in zip(coefs, alphas)])


def alpha_max(X, y, l1_ratio=1.0, fit_intercept=True, standardize=False):
    """Smallest alpha with w = 0 optimal: max_j |x~_j^T y~| / (n l1_ratio)."""
    if sp.issparse(X):
        X = X.toarray()
    X = np.asarray(X, dtype=np.float64)
    if standardize:
        X, _ = _standardized(X, np.zeros(X.shape[1]), fit_intercept)
    y = np.asarray(y, dtype=np.float64)
    y_c = y - (y.mean() if fit_intercept else 0.0)
    g = X.T @ y_c          # column means drop out: y_c sums to zero with an intercept
    return float(np.max(np.abs(g))) / (X.shape[0] * l1_ratio)


def alpha_grid(prob, n_alphas=25, eps=1e-3, l1_ratio=1.0):
    """Log grid from alpha_max down to eps * alpha_max (the design's own alpha_max)."""
    amax = alpha_max(prob.X, prob.y, l1_ratio, prob.fit_intercept, prob.standardize)
    return np.geomspace(amax, amax * eps, n_alphas)
