"""Independent float64 optimality checks for the elastic net, and test data.

Nothing here uses fastpen: the checker is plain NumPy, written from the
objective (scikit-learn's)

    1/(2n) sum_i s_i (y_i - x_i^T w - b0)^2
        + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),

with sample weights ``s`` rescaled to sum to n, and from the duality gap of
/work/shared/BENCHMARKING.md.  Whatever the dtype of the inputs, everything is
computed in float64.
"""
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


# ----------------------------------------------------------------- scaling


def as_dense64(X):
    """float64 dense copy of a dense or sparse design matrix."""
    if sp.issparse(X):
        return np.asarray(X.toarray(), dtype=np.float64)
    return np.array(X, dtype=np.float64)


def rescaled_weights(sample_weight, n):
    """Weights rescaled to sum to n (all ones when None)."""
    if sample_weight is None:
        return np.ones(n)
    s = np.asarray(sample_weight, dtype=np.float64)
    if s.ndim == 0:
        s = np.full(n, float(s))
    return s * (n / s.sum())


@dataclass
class Scaled:
    """X~ = sqrt(s) (X - xbar), y~ = sqrt(s) (y - ybar) and the means."""

    Xt: np.ndarray
    yt: np.ndarray
    x_mean: np.ndarray
    y_mean: float
    s: np.ndarray

    @property
    def n(self):
        return self.Xt.shape[0]


def scale_problem(X, y, sample_weight=None, fit_intercept=True):
    X = as_dense64(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    n = X.shape[0]
    s = rescaled_weights(sample_weight, n)
    if fit_intercept:
        x_mean = s @ X / n
        y_mean = float(s @ y / n)
    else:
        x_mean = np.zeros(X.shape[1])
        y_mean = 0.0
    root = np.sqrt(s)
    return Scaled(root[:, None] * (X - x_mean), root * (y - y_mean), x_mean, y_mean, s)


def gram_matrix(X, sample_weight=None, fit_intercept=True):
    """The Gram matrix fastpen documents: X~^T X~ (weighted, centred)."""
    sc = scale_problem(X, np.zeros(X.shape[0]), sample_weight, fit_intercept)
    return sc.Xt.T @ sc.Xt


def alpha_max(X, y, sample_weight=None, fit_intercept=True, l1_ratio=1.0,
              positive=False, penalty_factor=None):
    """max_j |x~_j^T y~| / (n l1_ratio pf_j) over penalised features (no unpenalised ones)."""
    sc = scale_problem(X, y, sample_weight, fit_intercept)
    g = sc.Xt.T @ sc.yt
    g = np.maximum(g, 0.0) if positive else np.abs(g)
    pf = np.ones(g.shape[0]) if penalty_factor is None else np.asarray(penalty_factor, float)
    pen = pf > 0
    return float(np.max(g[pen] / pf[pen]) / (sc.n * l1_ratio))


def objective(X, y, coef, intercept, alpha, l1_ratio=1.0, sample_weight=None,
              penalty_factor=None):
    """scikit-learn's objective at (coef, intercept), in float64."""
    X = as_dense64(X)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    n = X.shape[0]
    s = rescaled_weights(sample_weight, n)
    pf = np.ones(w.shape[0]) if penalty_factor is None else np.asarray(penalty_factor, float)
    r = y - X @ w - float(intercept)
    return (0.5 / n * np.dot(s * r, r)
            + alpha * np.sum(pf * (l1_ratio * np.abs(w) + 0.5 * (1 - l1_ratio) * w * w)))


# ----------------------------------------------------------- optimality


@dataclass
class Optimality:
    gap: float            # duality gap, per-sum scaling (= scikit-learn's dual_gap_ * n)
    rel_gap: float        # gap / (1/2 ||y~||^2)
    kkt: float            # largest KKT violation / (max_j |x~_j^T y~| / n)
    kkt_raw: np.ndarray   # per-feature violations in the units of x~_j^T R / n
    unpen_grad: float     # max |x~_j^T R| / n over the unpenalised features
    intercept_err: float  # |b0 - (ybar - xbar^T w)| / (1 + |b0|)
    grad: np.ndarray      # x~^T R / n


def optimality(X, y, coef, intercept=0.0, *, alpha, l1_ratio=1.0, sample_weight=None,
               fit_intercept=True, positive=False, penalty_factor=None):
    """Duality gap and KKT violations of (coef, intercept), computed in float64."""
    sc = scale_problem(X, y, sample_weight, fit_intercept)
    n, p = sc.Xt.shape
    w = np.asarray(coef, dtype=np.float64).ravel()
    assert w.shape == (p,)
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, np.float64)
    a = n * alpha * l1_ratio
    b = n * alpha * (1.0 - l1_ratio)
    R = sc.yt - sc.Xt @ w
    g = sc.Xt.T @ R                      # x~_j^T R
    pen = pf > 0
    live = np.einsum("ij,ij->j", sc.Xt, sc.Xt) > 0   # constant columns carry nothing
    y2 = float(sc.yt @ sc.yt)

    # ---- duality gap (BENCHMARKING.md), penalised features only
    if a > 0:
        xta = g - b * pf * w
        v = xta if positive else np.abs(xta)
        cand = v[pen & live] / pf[pen & live]
        dnorm = float(cand.max()) if cand.size else 0.0
        c = a / dnorm if dnorm > a else 1.0
        gap = (0.5 * (R @ R) * (1 + c * c) + a * np.sum(pf * np.abs(w)) - c * (R @ sc.yt)
               + 0.5 * b * (1 + c * c) * np.sum(pf * w * w))
    elif b > 0:
        gp = np.maximum(g, 0.0) if positive else g
        gap = (R @ R + 0.5 * b * np.sum(pf * w * w) - R @ sc.yt
               + np.sum(gp[pen] ** 2 / (2 * b * pf[pen])))
    else:  # no penalty: the stationarity of every coordinate, in objective units
        gp = np.where(w <= 0, np.maximum(g, 0.0), g) if positive else g
        nrm = np.einsum("ij,ij->j", sc.Xt, sc.Xt)
        gap = float(np.sum(gp[live] ** 2 / (2 * nrm[live])))
    rel = gap / (0.5 * y2) if y2 > 0 else gap

    # ---- KKT, per feature, in the units of x~_j^T R / n
    grad = g / n
    lam1 = alpha * l1_ratio * pf
    lam2 = alpha * (1.0 - l1_ratio) * pf
    viol = np.zeros(p)
    nz = w != 0
    if positive:
        neg = w < 0
        viol[neg] = np.inf  # infeasible
    stat = grad - lam1 * np.sign(w) - lam2 * w
    viol[nz] = np.maximum(viol[nz], np.abs(stat[nz]))
    z = ~nz
    if positive:
        viol[z] = np.maximum(grad[z] - lam1[z], 0.0)
    else:
        viol[z] = np.maximum(np.abs(grad[z]) - lam1[z], 0.0)
    viol[~live] = 0.0
    scale = max(float(np.max(np.abs(sc.Xt.T @ sc.yt))) / n, np.finfo(float).tiny)
    unpen = ~pen & live
    unpen_grad = float(np.max(np.abs(grad[unpen]))) if unpen.any() else 0.0
    if positive and unpen.any():
        # an unpenalised coefficient held at 0 by the constraint may have grad <= 0
        gu = np.where(w[unpen] > 0, np.abs(grad[unpen]), np.maximum(grad[unpen], 0))
        unpen_grad = float(gu.max())

    # ---- intercept
    b0 = float(np.asarray(intercept, dtype=np.float64))
    b0_expected = sc.y_mean - float(sc.x_mean @ w) if fit_intercept else 0.0
    intercept_err = abs(b0 - b0_expected) / (1.0 + abs(b0_expected))
    return Optimality(gap=float(gap), rel_gap=float(rel), kkt=float(viol.max() / scale),
                      kkt_raw=viol, unpen_grad=unpen_grad / scale,
                      intercept_err=intercept_err, grad=grad)


def default_tols(dtype):
    """(rel gap, KKT, intercept) tolerances for a result stored in ``dtype``."""
    if np.dtype(dtype) == np.float32:
        return 1e-4, 1e-3, 1e-5
    return 1e-7, 1e-5, 1e-9


def assert_optimal(X, y, coef, intercept=0.0, *, alpha, l1_ratio=1.0, sample_weight=None,
                   fit_intercept=True, positive=False, penalty_factor=None,
                   gap_tol=None, kkt_tol=None, intercept_tol=None):
    """Assert that (coef, intercept) solves the elastic net (gap, KKT, intercept)."""
    coef = np.asarray(coef)
    g_t, k_t, i_t = default_tols(coef.dtype)
    gap_tol = g_t if gap_tol is None else gap_tol
    kkt_tol = k_t if kkt_tol is None else kkt_tol
    intercept_tol = i_t if intercept_tol is None else intercept_tol
    if positive:
        assert np.all(coef >= 0), f"positive=True but negative coefficients: {coef}"
    opt = optimality(X, y, coef, intercept, alpha=alpha, l1_ratio=l1_ratio,
                     sample_weight=sample_weight, fit_intercept=fit_intercept,
                     positive=positive, penalty_factor=penalty_factor)
    assert opt.rel_gap <= gap_tol, (
        f"relative duality gap {opt.rel_gap:.3e} > {gap_tol:.1e} (alpha={alpha}, "
        f"l1_ratio={l1_ratio})")
    assert opt.kkt <= kkt_tol, (
        f"KKT violation {opt.kkt:.3e} > {kkt_tol:.1e} (alpha={alpha}, l1_ratio={l1_ratio}); "
        f"per feature: {opt.kkt_raw}")
    assert opt.unpen_grad <= kkt_tol, (
        f"unpenalised features not stationary: {opt.unpen_grad:.3e}")
    assert opt.intercept_err <= intercept_tol, (
        f"intercept {intercept} does not satisfy the weighted-mean condition "
        f"(relative error {opt.intercept_err:.3e})")
    return opt


def kkt_bound(X, y, rel_gap, *, alpha, l1_ratio=1.0, sample_weight=None,
              fit_intercept=True, penalty_factor=None):
    """Largest scaled KKT violation compatible with a relative duality gap ``rel_gap``.

    One exact coordinate step on feature j decreases the objective (per-sum
    scaling) by at least v_j^2 / (2 (||x~_j||^2 + b pf_j)) when v_j is its KKT
    violation, and no decrease exceeds the gap: v_j <= sqrt(rel_gap) ||y~||
    sqrt(||x~_j||^2 + b pf_j).  Scaled like ``Optimality.kkt``.
    """
    sc = scale_problem(X, y, sample_weight, fit_intercept)
    n, p = sc.Xt.shape
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, np.float64)
    b = n * alpha * (1.0 - l1_ratio)
    curv = np.einsum("ij,ij->j", sc.Xt, sc.Xt) + b * pf
    scale = max(float(np.max(np.abs(sc.Xt.T @ sc.yt))), np.finfo(float).tiny)
    return float(np.sqrt(max(rel_gap, 0.0)) * np.sqrt(sc.yt @ sc.yt)
                 * np.sqrt(curv.max()) / scale)


def check_claimed_convergence(X, y, res, *, l1_ratio=0.5, sample_weight=None,
                              fit_intercept=True, positive=False, penalty_factor=None,
                              tol=1e-4):
    """Every alpha that a PathResult reports as converged (gap <= tol ||y~||^2 / n)
    must really be optimal to that tolerance, measured independently."""
    X = as_dense64(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    sc = scale_problem(X, y, sample_weight, fit_intercept)
    n = X.shape[0]
    y2 = float(sc.yt @ sc.yt)
    floor_gap, floor_kkt, floor_int = default_tols(np.asarray(res.coefs).dtype)
    rel_claim = 2.0 * tol * 1.01 + 1e-12
    for k, alpha in enumerate(res.alphas):
        if not res.dual_gaps[k] <= tol * y2 / n:      # reported as not converged
            continue
        rel = max(rel_claim, floor_gap if res.coefs.dtype == np.float32 else 0.0)
        kkt = kkt_bound(X, y, rel, alpha=alpha, l1_ratio=l1_ratio,
                        sample_weight=sample_weight, fit_intercept=fit_intercept,
                        penalty_factor=penalty_factor)
        assert_optimal(X, y, res.coefs[k], res.intercepts[k], alpha=alpha,
                       l1_ratio=l1_ratio, sample_weight=sample_weight,
                       fit_intercept=fit_intercept, positive=positive,
                       penalty_factor=penalty_factor, gap_tol=rel,
                       kkt_tol=1.01 * kkt + 1e-9,
                       intercept_tol=max(floor_int, 1e-9))


def assert_path_optimal(X, y, res, *, l1_ratio=1.0, **kw):
    """assert_optimal at every point of a fastpen PathResult."""
    for k, alpha in enumerate(res.alphas):
        assert_optimal(X, y, res.coefs[k], res.intercepts[k], alpha=alpha,
                       l1_ratio=l1_ratio, **kw)


def assert_estimator_optimal(est, X, y, sample_weight=None, l1_ratio=None, **kw):
    """assert_optimal for a fitted fastpen (or scikit-learn) Lasso/ElasticNet, 1-D y."""
    if l1_ratio is None:
        l1_ratio = getattr(est, "l1_ratio", 1.0)
    if type(est).__name__ == "Lasso":
        l1_ratio = 1.0
    return assert_optimal(
        X, y, est.coef_, est.intercept_, alpha=est.alpha, l1_ratio=l1_ratio,
        sample_weight=sample_weight, fit_intercept=est.fit_intercept,
        positive=est.positive, penalty_factor=getattr(est, "penalty_factor", None), **kw)


# ------------------------------------------------------------------ data


def make_data(n=60, p=12, n_informative=4, seed=0, noise=0.5, dtype=np.float64,
              density=None, offset=0.0):
    """A small regression problem; ``density`` gives a sparse-looking dense X."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if density is not None:
        X[rng.random((n, p)) > density] = 0.0
    X += offset
    w = np.zeros(p)
    idx = rng.choice(p, size=min(n_informative, p), replace=False)
    w[idx] = rng.choice([-1.0, 1.0], size=idx.size) * rng.uniform(1.0, 3.0, idx.size)
    y = X @ w + 1.5 + noise * rng.standard_normal(n)
    return X.astype(dtype), y, w


def make_weights(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 3.0, n)


def to_format(X, fmt):
    """'dense', 'C', 'F', 'csr', 'csc', 'coo'."""
    if fmt in ("dense", "F"):
        return np.asfortranarray(X)
    if fmt == "C":
        return np.ascontiguousarray(X)
    return {"csr": sp.csr_matrix, "csc": sp.csc_matrix, "coo": sp.coo_matrix}[fmt](X)
