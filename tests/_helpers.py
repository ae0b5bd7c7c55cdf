"""Independent float64 optimality checks for the elastic net, and test data.

Nothing here uses fastpen: the checker is plain NumPy, written from the
objective (scikit-learn's)

    1/(2n) sum_i s_i (y_i - x_i^T w - b0)^2
        + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),

with sample weights ``s`` rescaled to sum to n, and from its duality gap at
scikit-learn's dual point (the gap of ``../shared/BENCHMARKING.md``, relative to
this repository): with an intercept centred by the weighted means, rows scaled
by sqrt(s), ``y~ = sqrt(s) (y - ybar)``, ``X~`` alike, ``R = y~ - X~ w``,
``a = n alpha l1_ratio`` and ``b = n alpha (1 - l1_ratio)``,

    XtA   = X~^T R - b w
    dnorm = max_j |XtA_j|            (positive=True: max_j XtA_j)
    c     = a / dnorm if dnorm > a else 1
    gap   = 1/2 ||R||^2 (1 + c^2) + a ||w||_1 - c R^T y~ + 1/2 b (1 + c^2) ||w||^2,

which is scikit-learn's ``dual_gap_`` times n (pure ridge, a = 0, uses the
ridge dual instead; see :func:`optimality`).  Whatever the dtype of the inputs,
everything is computed in float64.
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
               fit_intercept=True, positive=False, penalty_factor=None, exclude=None,
               rescale_penalty_factor=False, standardize=False, lower_bounds=None,
               upper_bounds=None):
    """Duality gap and KKT violations of (coef, intercept), computed in float64.

    With any of the glmnet-parity options (infinite penalty factors, ``exclude``,
    ``rescale_penalty_factor``, ``standardize``, bounds) the general checker
    :func:`optimality_general` is used; otherwise the original code below.
    """
    if _uses_general(penalty_factor, exclude, rescale_penalty_factor, standardize,
                     lower_bounds, upper_bounds):
        return optimality_general(
            X, y, coef, intercept, alpha=alpha, l1_ratio=l1_ratio,
            sample_weight=sample_weight, fit_intercept=fit_intercept, positive=positive,
            penalty_factor=penalty_factor, exclude=exclude,
            rescale_penalty_factor=rescale_penalty_factor, standardize=standardize,
            lower_bounds=lower_bounds, upper_bounds=upper_bounds)
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
        if 0 < b and a < 1e-6 * b and np.all(pen | ~live):
            # a tiny L1 part: the residual itself is a dual point (the penalty's
            # conjugate (|v| - a pf)_+^2 / (2 b pf) is finite), where the rescaled
            # one cannot certify; weak duality makes either gap a bound
            v = np.maximum(g, 0.0) if positive else np.abs(g)
            conj = np.maximum(v[pen] - a * pf[pen], 0.0) ** 2 / (2 * b * pf[pen])
            gap = min(gap, R @ R - R @ sc.yt + a * np.sum(pf * np.abs(w))
                      + 0.5 * b * np.sum(pf * w * w) + np.sum(conj))
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
                   gap_tol=None, kkt_tol=None, intercept_tol=None, **options):
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
                     positive=positive, penalty_factor=penalty_factor, **options)
    if getattr(opt, "infeasible", None) is not None:
        assert not opt.infeasible.any(), (
            f"coefficients outside their box or excluded features nonzero at "
            f"{np.flatnonzero(opt.infeasible)}: {coef}")
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
                              tol=1e-4, **options):
    """Every alpha that a PathResult reports as converged (gap <= tol ||y~||^2 / n)
    must really be optimal to that tolerance, measured independently.

    ``options``: exclude, rescale_penalty_factor, standardize, lower_bounds,
    upper_bounds (see :func:`optimality_general`); with any of them, or with an
    infinite penalty factor, :func:`check_claimed_convergence_general` is used.
    """
    options = {k: v for k, v in options.items() if v is not None}
    if _uses_general(penalty_factor, **options):
        return check_claimed_convergence_general(
            X, y, res, l1_ratio=l1_ratio, sample_weight=sample_weight,
            fit_intercept=fit_intercept, positive=positive, penalty_factor=penalty_factor,
            tol=tol, **options)
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


# ------------------------------------------ glmnet-parity options (general)
#
# The problem with every option, in per-sum scaling (a = n alpha l1_ratio,
# b = n alpha (1 - l1_ratio)):
#
#     min_w  1/2 ||y~ - X~ w||^2 + sum_j h_j(w_j),
#     h_j(w) = a p1_j |w| + 1/2 b p2_j w^2 + indicator of [l_j, u_j],
#
# with p1_j = p2_j = pf_j, or with ``standardize`` p1_j = pf_j sigma_j and
# p2_j = pf_j sigma_j^2 (sigma_j the weighted 1/n standard deviation of column j,
# centred with an intercept, sqrt(mean(s x^2)) without); excluded features
# (pf_j = inf) have l_j = u_j = 0.  ``positive`` is l_j = max(l_j, 0).


def _uses_general(penalty_factor=None, exclude=None, rescale_penalty_factor=False,
                  standardize=False, lower_bounds=None, upper_bounds=None):
    if exclude is not None or rescale_penalty_factor or standardize:
        return True
    if lower_bounds is not None or upper_bounds is not None:
        return True
    if penalty_factor is not None:
        return bool(np.isinf(np.asarray(penalty_factor, dtype=np.float64)).any())
    return False


def column_scales(X, sample_weight=None, fit_intercept=True):
    """glmnet's standardisation: sqrt(1/n sum_i s_i (x_ij - xbar_j)^2) with an
    intercept, sqrt(1/n sum_i s_i x_ij^2) without (weights summing to n)."""
    X = as_dense64(X)
    n = X.shape[0]
    s = rescaled_weights(sample_weight, n)
    if fit_intercept:
        Xc = X - s @ X / n
    else:
        Xc = X
    return np.sqrt(s @ (Xc * Xc) / n)


def resolve_penalty_factor(p, penalty_factor=None, exclude=None,
                           rescale_penalty_factor=False):
    """(pf, excluded): the effective factors (inf where excluded) as specified."""
    pf = np.ones(p) if penalty_factor is None else np.array(penalty_factor, np.float64)
    pf = pf.reshape(p).copy()
    if exclude is not None:
        pf[np.asarray(exclude, dtype=np.intp)] = np.inf
    excluded = np.isinf(pf)
    if rescale_penalty_factor:
        # glmnet (R glmnet.R, then the Fortran): excluded factors set to 1, then
        # every factor rescaled so that they sum to nvars
        full = np.where(excluded, 1.0, pf)
        pf = np.where(excluded, np.inf, full * (p / full.sum()))
    return pf, excluded


def resolve_bounds(p, lower_bounds=None, upper_bounds=None, positive=False):
    lo = np.full(p, -np.inf) if lower_bounds is None else np.broadcast_to(
        np.asarray(lower_bounds, np.float64), (p,)).copy()
    up = np.full(p, np.inf) if upper_bounds is None else np.broadcast_to(
        np.asarray(upper_bounds, np.float64), (p,)).copy()
    if positive:
        lo = np.maximum(lo, 0.0)
    return lo, up


@dataclass
class GeneralProblem:
    sc: Scaled
    p1: np.ndarray          # L1 weights (0 where excluded)
    p2: np.ndarray          # L2 weights (0 where excluded)
    lo: np.ndarray          # lower bounds (0 where excluded)
    up: np.ndarray          # upper bounds (0 where excluded)
    excluded: np.ndarray
    pf: np.ndarray


def penalty_weights_and_box(X, *, sample_weight, fit_intercept, positive, penalty_factor,
                            exclude, rescale_penalty_factor, standardize, lower_bounds,
                            upper_bounds):
    """(p1, p2, lo, up, excluded, pf) of the reference problems: the L1 and L2 weights
    per feature (the penalty factors, times the column's scale and its square under
    ``standardize``), the box, excluded features held at 0."""
    p = X.shape[1]
    pf, excluded = resolve_penalty_factor(p, penalty_factor, exclude,
                                          rescale_penalty_factor)
    pf0 = np.where(excluded, 0.0, pf)
    if standardize:
        sig = column_scales(X, sample_weight, fit_intercept)
        p1, p2 = pf0 * sig, pf0 * sig * sig
    else:
        p1, p2 = pf0.copy(), pf0.copy()
    lo, up = resolve_bounds(p, lower_bounds, upper_bounds, positive)
    lo[excluded] = 0.0
    up[excluded] = 0.0
    return p1, p2, lo, up, excluded, pf


def general_problem(X, y, *, sample_weight=None, fit_intercept=True, positive=False,
                    penalty_factor=None, exclude=None, rescale_penalty_factor=False,
                    standardize=False, lower_bounds=None, upper_bounds=None):
    sc = scale_problem(X, y, sample_weight, fit_intercept)
    p1, p2, lo, up, excluded, pf = penalty_weights_and_box(
        X, sample_weight=sample_weight, fit_intercept=fit_intercept, positive=positive,
        penalty_factor=penalty_factor, exclude=exclude,
        rescale_penalty_factor=rescale_penalty_factor, standardize=standardize,
        lower_bounds=lower_bounds, upper_bounds=upper_bounds)
    return GeneralProblem(sc, p1, p2, lo, up, excluded, pf)


def _mul0(bound, v):
    """bound * v with 0 * inf = 0 (v >= 0)."""
    return np.where(v > 0, bound * np.where(v > 0, v, 1.0), 0.0)


def _conj_linear(z, a1, lo, up):
    """Conjugate of a1 |w| + indicator [lo, up] (a1 >= 0): up (z - a1)_+ + (-lo)(-z - a1)_+."""
    return _mul0(up, np.maximum(z - a1, 0.0)) + _mul0(-lo, np.maximum(-z - a1, 0.0))


def _conj_quadratic(z, a1, b2, lo, up):
    """Conjugate of a1 |w| + b2/2 w^2 + indicator [lo, up], b2 > 0."""
    tp = np.clip((z - a1) / b2, 0.0, up)
    tm = np.clip((-z - a1) / b2, 0.0, -lo)
    vp = (z - a1) * tp - 0.5 * b2 * tp * tp
    vm = (-z - a1) * tm - 0.5 * b2 * tm * tm
    return np.maximum(np.maximum(vp, vm), 0.0)


def _c_max(z, a1, lo, up, scalable):
    """Largest c in [0, 1] keeping the linear conjugate of the ``scalable`` features finite."""
    c = 1.0
    pos = scalable & np.isinf(up) & (z > 0)
    neg = scalable & np.isinf(lo) & (z < 0)
    if pos.any():
        c = min(c, float(np.min(a1[pos] / z[pos])))
    if neg.any():
        c = min(c, float(np.min(a1[neg] / -z[neg])))
    return max(c, 0.0)


def _project_domain(z, lo, up):
    """Project z onto the domain of the conjugate of an unpenalised box indicator."""
    z = np.where(np.isinf(up), np.minimum(z, 0.0), z)
    return np.where(np.isinf(lo), np.maximum(z, 0.0), z)


def general_gap(gp, w, a, b):
    """Duality gap of the box-constrained, weighted elastic net (per-sum scaling).

    Two Fenchel duals, both giving valid upper bounds on the suboptimality; the
    smaller is returned:

    * augmented (scikit-learn's, the L2 term as extra rows of X):
      gap(c) = 1/2 ||R||^2 (1 + c^2) + 1/2 b (1 + c^2) sum p2 w^2 - c R^T y~
               + a sum p1 |w| + sum_j h1_j*(c XtA_j),   XtA = X~^T R - b p2 w,
      h1_j = indicator of [l_j, u_j] plus a p1_j |.|, whose conjugate
      u (z - a p1)_+ + (-l)(-z - a p1)_+ is finite for c <= c_max.
    * full conjugate: gap(c) = 1/2 ||R||^2 (1 + c^2) - c R^T y~
               + sum_j [h_j(w_j) + h_j*(c x~_j^T R)].

    The first at c = c_max is exactly the formula of BENCHMARKING.md (a > 0),
    the second at c = 1 the ridge formula (a = 0): what :func:`optimality`
    computes.  With bounds or an L2 part, each is also minimised over c in
    [0, c_max] (any such c gives a valid bound), which can only tighten it.
    Unpenalised features (p1 = p2 = 0) enter with their dual coordinate
    projected onto the conjugate's domain: their stationarity is checked by KKT.
    """
    from scipy.optimize import minimize_scalar

    sc = gp.sc
    X, yt = sc.Xt, sc.yt
    live = (np.einsum("ij,ij->j", X, X) > 0) & ~gp.excluded
    X, w = X[:, live], w[live]
    p1, p2, lo, up = gp.p1[live], gp.p2[live], gp.lo[live], gp.up[live]
    R = yt - X @ w
    g = X.T @ R
    RR, Ry = float(R @ R), float(R @ yt)
    bounded = bool(np.isfinite(lo).any() or np.isfinite(up).any())
    a1 = a * p1
    b2 = b * p2
    candidates = []

    if a > 0:
        xta = g - b2 * w
        unpen = a1 == 0
        cm = _c_max(xta, a1, lo, up, ~unpen)
        base_q = 0.5 * RR + 0.5 * b * np.sum(p2 * w * w)
        pen = a * np.sum(p1 * np.abs(w))

        def gap_aug(c):
            z = c * xta
            z = np.where(unpen, _project_domain(z, lo, up), z)
            return (base_q * (1 + c * c) - c * Ry + pen + float(np.sum(_conj_linear(z, a1, lo, up))))

        candidates.append(gap_aug(cm))
        if (bounded or b > 0) and cm > 0:
            r = minimize_scalar(gap_aug, bounds=(0.0, cm), method="bounded",
                                options={"xatol": 1e-12 * max(cm, 1e-300)})
            candidates.append(float(r.fun))

    if b > 0:
        quad = b2 > 0
        unpen = (a1 == 0) & ~quad
        cm = _c_max(g, a1, lo, up, ~quad & ~unpen)
        prim = a * np.sum(p1 * np.abs(w)) + 0.5 * b * np.sum(p2 * w * w)

        def gap_full(c):
            z = c * g
            z = np.where(unpen, _project_domain(z, lo, up), z)
            hs = np.where(quad, _conj_quadratic(z, a1, np.where(quad, b2, 1.0), lo, up),
                          _conj_linear(z, a1, lo, up))
            return 0.5 * RR * (1 + c * c) - c * Ry + prim + float(np.sum(hs))

        candidates.append(gap_full(min(cm, 1.0)))
        if cm > 0:
            r = minimize_scalar(gap_full, bounds=(0.0, cm), method="bounded",
                                options={"xatol": 1e-12 * max(cm, 1e-300)})
            candidates.append(float(r.fun))

    if not candidates:  # no penalty: coordinate-wise projected stationarity
        gproj = np.where(((w >= up) & (g > 0)) | ((w <= lo) & (g < 0)), 0.0, g)
        nrm = np.einsum("ij,ij->j", X, X)
        candidates.append(float(np.sum(gproj ** 2 / (2 * nrm))))
    return min(candidates)


def coordinate_decreases(gp, w, a, b):
    """Objective decrease (per-sum scaling) of one exact box-constrained coordinate
    step on each feature, taken alone from ``w``.  No decrease can exceed the
    suboptimality, hence the duality gap: a rigorous, tolerance-free link between
    a claimed gap and the coordinate-wise optimality conditions."""
    sc = gp.sc
    X = sc.Xt
    w = np.asarray(w, np.float64)
    R = sc.yt - X @ w
    g = X.T @ R
    nrm = np.einsum("ij,ij->j", X, X)
    a1, b2 = a * gp.p1, b * gp.p2
    curv = nrm + b2
    with np.errstate(invalid="ignore", divide="ignore"):
        z = nrm * w + g
        t = np.sign(z) * np.maximum(np.abs(z) - a1, 0.0) / curv
        t = np.where(curv > 0, t, np.where(z > a1, np.inf, np.where(z < -a1, -np.inf, 0.0)))
    t = np.clip(t, gp.lo, gp.up)
    t = np.where(np.isfinite(t), t, w)   # unbounded direction with no curvature

    def phi(v):
        d = v - w
        return -g * d + 0.5 * nrm * d * d + a1 * np.abs(v) + 0.5 * b2 * v * v

    dec = phi(w) - phi(t)
    dec[~(nrm > 0) | gp.excluded] = 0.0
    return dec


@dataclass
class GeneralOptimality(Optimality):
    infeasible: np.ndarray = None      # outside the box, or excluded and nonzero
    decrease: np.ndarray = None        # coordinate_decreases, per feature


def _feas_tol(w_dtype, bound):
    eps = 2.0 ** -23 if np.dtype(w_dtype) == np.float32 else 4 * np.finfo(np.float64).eps
    return eps * np.maximum(1.0, np.where(np.isfinite(bound), np.abs(bound), 1.0))


def optimality_general(X, y, coef, intercept=0.0, *, alpha, l1_ratio=1.0,
                       sample_weight=None, fit_intercept=True, positive=False,
                       penalty_factor=None, exclude=None, rescale_penalty_factor=False,
                       standardize=False, lower_bounds=None, upper_bounds=None):
    """:func:`optimality` for the general problem above.

    KKT per feature, with s_j = x~_j^T R / n - alpha (1 - l1_ratio) p2_j w_j and
    lam_j = alpha l1_ratio p1_j: strictly inside the box and w_j != 0,
    |s_j - lam_j sign w_j|; at w_j = 0, the positive part of s_j - lam_j if w_j may
    increase (u_j > 0) and of -s_j - lam_j if it may decrease (l_j < 0); at an
    upper bound u_j > 0, (lam_j - s_j)_+; at a lower bound l_j < 0, (s_j + lam_j)_+
    (the projected-gradient conditions).  A coefficient outside its box (beyond
    float rounding of the bound), or an excluded one that is nonzero, is
    infeasible (violation inf).  Scaled like :func:`optimality`.
    """
    coef_arr = np.asarray(coef)
    gp = general_problem(X, y, sample_weight=sample_weight, fit_intercept=fit_intercept,
                         positive=positive, penalty_factor=penalty_factor,
                         exclude=exclude, rescale_penalty_factor=rescale_penalty_factor,
                         standardize=standardize, lower_bounds=lower_bounds,
                         upper_bounds=upper_bounds)
    sc = gp.sc
    n, p = sc.Xt.shape
    w = coef_arr.astype(np.float64).ravel()
    assert w.shape == (p,)
    a = n * alpha * l1_ratio
    b = n * alpha * (1.0 - l1_ratio)
    R = sc.yt - sc.Xt @ w
    g = sc.Xt.T @ R
    live = np.einsum("ij,ij->j", sc.Xt, sc.Xt) > 0
    y2 = float(sc.yt @ sc.yt)

    ftl, ftu = _feas_tol(coef_arr.dtype, gp.lo), _feas_tol(coef_arr.dtype, gp.up)
    infeasible = (w > gp.up + ftu) | (w < gp.lo - ftl) | (gp.excluded & (w != 0))
    gap = general_gap(gp, np.clip(w, gp.lo, gp.up), a, b)
    rel = gap / (0.5 * y2) if y2 > 0 else gap

    grad = g / n
    lam1 = alpha * l1_ratio * gp.p1
    s = grad - alpha * (1.0 - l1_ratio) * gp.p2 * w
    at_up = (gp.up > 0) & np.isfinite(gp.up) & (w >= gp.up - ftu)
    at_lo = (gp.lo < 0) & np.isfinite(gp.lo) & (w <= gp.lo + ftl)
    zero = w == 0
    inner = ~zero & ~at_up & ~at_lo
    viol = np.zeros(p)
    viol[inner] = np.abs(s - lam1 * np.sign(w))[inner]
    viol[at_up] = np.maximum(lam1 - s, 0.0)[at_up]
    viol[at_lo] = np.maximum(s + lam1, 0.0)[at_lo]
    upward = np.where(gp.up > 0, s - lam1, -np.inf)
    downward = np.where(gp.lo < 0, -s - lam1, -np.inf)
    viol[zero] = np.maximum(np.maximum(upward, downward), 0.0)[zero]
    viol[~live | gp.excluded] = 0.0
    viol[infeasible] = np.inf
    scale = max(float(np.max(np.abs(sc.Xt.T @ sc.yt))) / n, np.finfo(float).tiny)
    unpen = (gp.p1 == 0) & live & ~gp.excluded
    unpen_grad = float(np.max(viol[unpen])) if unpen.any() else 0.0

    b0 = float(np.asarray(intercept, dtype=np.float64))
    b0_expected = sc.y_mean - float(sc.x_mean @ w) if fit_intercept else 0.0
    intercept_err = abs(b0 - b0_expected) / (1.0 + abs(b0_expected))
    dec = coordinate_decreases(gp, np.clip(w, gp.lo, gp.up), a, b)
    return GeneralOptimality(gap=float(gap), rel_gap=float(rel), kkt=float(viol.max() / scale),
                             kkt_raw=viol, unpen_grad=unpen_grad / scale,
                             intercept_err=intercept_err, grad=grad,
                             infeasible=infeasible, decrease=dec)


def general_objective(X, y, coef, intercept, *, alpha, l1_ratio=1.0, sample_weight=None,
                      standardize=False, fit_intercept=True, penalty_factor=None,
                      exclude=None, rescale_penalty_factor=False):
    """The objective (scikit-learn scaling) with L1 weights p1 and L2 weights p2."""
    X64 = as_dense64(X)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    gp = general_problem(X64, y, sample_weight=sample_weight, fit_intercept=fit_intercept,
                         penalty_factor=penalty_factor, exclude=exclude,
                         rescale_penalty_factor=rescale_penalty_factor,
                         standardize=standardize)
    n = X64.shape[0]
    s = rescaled_weights(sample_weight, n)
    r = y - X64 @ w - float(intercept)
    return (0.5 / n * np.dot(s * r, r)
            + alpha * np.sum(l1_ratio * gp.p1 * np.abs(w)
                             + 0.5 * (1 - l1_ratio) * gp.p2 * w * w))


def check_claimed_convergence_general(X, y, res, *, l1_ratio=0.5, sample_weight=None,
                                      fit_intercept=True, positive=False,
                                      penalty_factor=None, tol=1e-4, **options):
    """:func:`check_claimed_convergence` for the general problem: at every alpha
    reported as converged, (i) every coefficient is feasible (inside its box,
    excluded ones exactly 0), (ii) the independent constrained duality gap of
    :func:`general_gap` is within the claim (relative 2 tol, the factor 2 of
    BENCHMARKING.md), (iii) no single exact coordinate step decreases the
    objective by more than the claimed gap (this replaces the KKT bound and needs
    no curvature argument), (iv) the intercept is the weighted-mean one."""
    X = as_dense64(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    sc = scale_problem(X, y, sample_weight, fit_intercept)
    n = X.shape[0]
    y2 = float(sc.yt @ sc.yt)
    dtype = np.asarray(res.coefs).dtype
    floor_gap, _, floor_int = default_tols(dtype)
    rel_claim = 2.0 * tol * 1.01 + 1e-12
    for k, alpha in enumerate(res.alphas):
        if not res.dual_gaps[k] <= tol * y2 / n:
            continue
        rel = max(rel_claim, floor_gap if dtype == np.float32 else 0.0)
        opt = optimality_general(X, y, res.coefs[k], res.intercepts[k], alpha=alpha,
                                 l1_ratio=l1_ratio, sample_weight=sample_weight,
                                 fit_intercept=fit_intercept, positive=positive,
                                 penalty_factor=penalty_factor, **options)
        assert not opt.infeasible.any(), (
            f"alpha={alpha}: infeasible coefficients at {np.flatnonzero(opt.infeasible)}: "
            f"{res.coefs[k]}")
        assert opt.rel_gap <= rel, (
            f"alpha={alpha}: independent constrained gap {opt.rel_gap:.3e} > claimed "
            f"{rel:.3e} (options {options})")
        budget = rel * 0.5 * y2 * 1.01 + 1e-12 * max(y2, 1e-300)
        worst = int(np.argmax(opt.decrease))
        assert opt.decrease[worst] <= budget, (
            f"alpha={alpha}: one coordinate step on feature {worst} decreases the "
            f"objective by {opt.decrease[worst]:.3e} > claimed gap {budget:.3e}")
        assert opt.intercept_err <= max(floor_int, 1e-9), (
            f"alpha={alpha}: intercept relative error {opt.intercept_err:.3e}")


def profiled_lasso(X, y, alpha, unpenalised):
    """Reference: project the intercept and unpenalised columns out, lasso (scikit-learn)
    on the rest, then least squares for the unpenalised ones."""
    import sklearn.linear_model as sklm

    n = len(y)
    U = np.column_stack([np.ones(n), X[:, unpenalised]])
    proj = U @ np.linalg.pinv(U)
    pen = np.setdiff1d(np.arange(X.shape[1]), unpenalised)
    Xp, yp = X[:, pen] - proj @ X[:, pen], y - proj @ y
    w_pen = sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-14,
                       max_iter=10**6).fit(Xp, yp).coef_
    w = np.zeros(X.shape[1])
    w[pen] = w_pen
    w[unpenalised] = np.linalg.lstsq(U, y - X[:, pen] @ w_pen, rcond=None)[0][1:]
    return w


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


def reference_box_cd(X, y, *, alpha, l1_ratio=1.0, sample_weight=None, fit_intercept=True,
                     max_sweeps=20000, tol=1e-15, **options):
    """Plain NumPy cyclic coordinate descent for the general problem (small problems
    only; used to validate the checker, never fastpen).  Returns (coef, intercept)."""
    gp = general_problem(X, y, sample_weight=sample_weight, fit_intercept=fit_intercept,
                         **options)
    Xt, yt = gp.sc.Xt, gp.sc.yt
    n, p = Xt.shape
    a, b = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    nrm = np.einsum("ij,ij->j", Xt, Xt)
    w = np.zeros(p)
    R = yt.copy()
    for _ in range(max_sweeps):
        biggest = 0.0
        for j in range(p):
            if nrm[j] == 0 or gp.excluded[j]:
                continue
            z = nrm[j] * w[j] + Xt[:, j] @ R
            t = np.sign(z) * max(abs(z) - a * gp.p1[j], 0.0) / (nrm[j] + b * gp.p2[j])
            t = min(max(t, gp.lo[j]), gp.up[j])
            d = t - w[j]
            if d != 0.0:
                R -= d * Xt[:, j]
                w[j] = t
                biggest = max(biggest, abs(d) * np.sqrt(nrm[j]))
        if biggest <= tol * max(np.sqrt(yt @ yt), 1e-300):
            break
    b0 = gp.sc.y_mean - gp.sc.x_mean @ w if fit_intercept else 0.0
    return w, b0
