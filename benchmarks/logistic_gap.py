"""Independent float64 scorers for penalised logistic regression (no fastpen import).

Every solver's answer is scored here on one objective, glmnet's scale with weights
``s`` (any positive scale)::

    (1/sum s) sum_i s_i loss_i(x_i^T w + b) + alpha (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2)

with per-feature penalty factors ``pf_j`` multiplying feature j's whole penalty.
The duality gaps below are computed in the *sum* form, ``lam = alpha * sum s``,
``a = lam * l1_ratio``, ``b = lam * (1 - l1_ratio)`` (the primal is multiplied by
``sum s``; relative gaps are scale free).

Binomial (labels mapped to +-1, the larger label positive, as ``classes[1]``)
------------------------------------------------------------------------------
``P(w) = sum_i s_i log(1 + exp(-y_i z_i)) + sum_j pf_j (a |w_j| + b/2 w_j^2)``, ``z = Xw``.
The elastic-net part is handled as for the squared loss (BENCHMARKING.md): the L2
term is a squared loss on augmented rows ``sqrt(b pf_j) e_j`` with target 0, so the
problem is an L1 problem with a mixed loss.  Its dual, for a dual point
``(theta, -c sqrt(b pf) w)``:

    D = -sum_i s_i (v_i log v_i + (1 - v_i) log(1 - v_i)) - c^2 b/2 sum_j pf_j w_j^2,

feasible when ``|x_j^T theta - b pf_j w_j| <= a pf_j`` for every ``pf_j > 0``, where
``theta_i = c s_i y_i sigma(-y_i z_i)`` (minus the loss gradient, scaled by ``c``) and
``v_i = theta_i y_i / s_i = c sigma(-y_i z_i) in [0, 1]`` (the conjugate of
``log(1 + exp(-t))`` is finite only there).  The scale is
``c = min(1, a / max_j |x_j^T theta0 - b pf_j w_j| / pf_j)``.  At the optimum ``c = 1``
and the gap ``P - D`` is 0.  Pure ridge (``a = 0``) uses the conjugate of the L2
penalty instead (``c = 1``): ``D = -sum_i s_i H(v_i) - sum_j (x_j^T theta)^2 / (2 b pf_j)``.
The relative gap is ``gap / P(0)``, ``P(0) = sum s log 2``.  Features with
``pf_j = 0`` need ``x_j^T theta = 0`` for the dual point to be feasible; their
largest violation is returned on request (``return_violation``).

With an intercept the dual needs ``sum_i theta_i = 0``; the benchmarks compare the
relative suboptimality ``(P(w, b) - P*) / P*`` (``relative_suboptimality``), ``P*``
the best objective found.  ``intercept_dual_bound`` certifies ``P*`` from below: for
fixed ``w`` the optimal intercept makes ``sum_i theta_i = 0`` (its stationarity
condition), so the gap above, at ``(w, b*(w))`` on the columns, is a valid dual bound.

Multinomial (softmax, K classes, ungrouped elastic net, intercepts unpenalised)
-------------------------------------------------------------------------------
``W`` of shape (K, p), ``Z = X W^T + b``, ``Y`` the (n, K) one-hot labels,
``Pr = softmax(Z)`` row-wise:

    P(W, b) = sum_i s_i (logsumexp(z_i) - y_i^T z_i) + sum_{k,j} pf_j (a |W_kj| + b/2 W_kj^2).

Derivation of the dual (no intercept).  The loss of row i, ``f_i(z) = s_i (lse(z) -
y_i^T z)``, has the conjugate ``f_i^*(u) = s_i sum_k q_k log q_k`` with
``q = y_i + u / s_i``, finite only when ``q`` lies in the probability simplex
(the conjugate of log-sum-exp is the negative entropy on the simplex, shifted by the
linear term).  Fenchel duality with the augmented-row treatment of the L2 part
(as for the binomial) gives, for ``Theta`` of shape (n, K),

    D(Theta) = -sum_i f_i^*(-Theta_i) - c^2 b/2 ||W||^2,
    feasible when |X^T Theta - b pf W^T|_{jk} <= a pf_j.

Take ``Theta0 = S (Y - Pr)`` (minus the loss gradient in ``Z``) and ``Theta = c Theta0``
with ``c = min(1, a / max_{j,k} |(X^T Theta0)_{jk} - b pf_j W_kj| / pf_j)``.  Then
``q_i = y_i - c (y_i - Pr_i) = (1 - c) y_i + c Pr_i``, a convex combination of two
points of the simplex, so ``D = -sum_i s_i sum_k q_ik log q_ik - c^2 b/2 ||W||^2`` (finite,
``0 log 0 = 0``).  At the optimum ``X^T Theta0 - b W^T`` is a subgradient of the L1
part, ``c = 1`` and ``P = D``.  Weak duality gives ``gap = P - D >= 0`` for every ``W``.
Pure ridge (``a = 0``): ``c = 1`` and the L2 conjugate ``||X^T Theta0||^2 / (2 b pf)``
replaces the last term.  Relative gap: ``gap / P(0)``, ``P(0) = sum s log K``.
"""
import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, logsumexp, softmax, xlogy

__all__ = ["to_pm1", "binomial_objective", "binomial_relative_gap",
           "optimal_intercept", "intercept_dual_bound", "relative_suboptimality",
           "multinomial_objective", "multinomial_relative_gap"]


def _prepare(X, sample_weight, n_features_penalty=None, penalty_factor=None):
    """float64 X (CSC if sparse), weights s (sum form as given), penalty factors."""
    X = sp.csc_matrix(X, dtype=np.float64) if sp.issparse(X) else np.asarray(X, np.float64)
    n, p = X.shape
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if s.shape != (n,) or np.any(s < 0) or not s.sum() > 0:
        raise ValueError("sample_weight must be n nonnegative numbers with a positive sum")
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, np.float64)
    if pf.shape != (p,) or np.any(pf < 0):
        raise ValueError("penalty_factor must be p nonnegative numbers")
    return X, s, pf


def to_pm1(y):
    """Two labels -> +-1 float64, the larger label (``classes[1]``) mapped to +1."""
    y = np.asarray(y)
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(f"y must hold exactly two labels, got {classes.size}")
    return np.where(y == classes[1], 1.0, -1.0)


def _penalty(w, pf, a, b):
    """sum_j pf_j (a |w_j| + b/2 w_j^2) for w of shape (p,) or (K, p)."""
    return float(np.sum(pf * (a * np.abs(w) + 0.5 * b * w * w)))


def _l1_scale(xt_theta0, w, pf, a, b):
    """The dual scale c (<= 1) making |X^T theta - b pf w| <= a pf on pf > 0."""
    penalised = pf > 0
    if not penalised.any():
        return 1.0
    xta = np.abs(xt_theta0 - b * pf * w)[..., penalised] / pf[penalised]
    dnorm = float(xta.max())
    return a / dnorm if dnorm > a else 1.0


def binomial_objective(X, y, coef, intercept=0.0, alpha=0.0, l1_ratio=1.0,
                       sample_weight=None, penalty_factor=None):
    """Objective in glmnet's mean scale (loss divided by sum s), float64."""
    X, s, pf = _prepare(X, sample_weight, penalty_factor=penalty_factor)
    y = to_pm1(y)
    w = np.asarray(coef, np.float64)
    z = X @ w + float(intercept)
    loss = -s @ log_expit(y * z)
    return float(loss / s.sum()) + _penalty(w, pf, alpha * l1_ratio, alpha * (1 - l1_ratio))


def _binomial_gap_sum(X, y_pm, s, pf, w, z, alpha, l1_ratio):
    """(gap in the sum form, x_j^T theta0 on pf_j = 0 features) at linear predictor z."""
    lam = alpha * s.sum()
    a, b = lam * l1_ratio, lam * (1.0 - l1_ratio)
    loss = -s @ log_expit(y_pm * z)
    primal = loss + _penalty(w, pf, a, b)
    sig = expit(-y_pm * z)                      # sigma(-y_i z_i) in (0, 1)
    xt_theta0 = X.T @ (s * y_pm * sig)
    if a > 0:
        c = _l1_scale(xt_theta0, w, pf, a, b)
        l2_conj = 0.5 * c * c * b * float(pf @ (w * w))
    elif b > 0:
        c = 1.0
        keep = pf > 0
        l2_conj = float(np.sum(xt_theta0[keep] ** 2 / (2 * b * pf[keep])))
    else:
        raise ValueError("alpha must be positive for a duality gap")
    v = c * sig
    entropy = -(xlogy(v, v) + xlogy(1 - v, 1 - v))
    dual = float(s @ entropy) - l2_conj
    return primal - dual, np.abs(xt_theta0[pf == 0])


def binomial_relative_gap(X, y, coef, alpha, l1_ratio=1.0, sample_weight=None,
                          penalty_factor=None, return_violation=False):
    """Relative duality gap ``gap / P(0)`` of a binomial fit without intercept.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, p)
    y : array of shape (n,) with two labels (the larger one is the positive class)
    coef : array of shape (p,)
    alpha : float, glmnet's mean-scale penalty (scikit-learn's ``1 / (n C)``)
    l1_ratio, sample_weight, penalty_factor : as for the objective
    return_violation : bool
        Also return ``max |x_j^T theta|`` over features with ``pf_j = 0`` (0.0 if
        none): the dual point is feasible only when it is 0.

    Returns
    -------
    float (and the violation)
    """
    X, s, pf = _prepare(X, sample_weight, penalty_factor=penalty_factor)
    y_pm = to_pm1(y)
    w = np.asarray(coef, np.float64)
    gap, violation = _binomial_gap_sum(X, y_pm, s, pf, w, X @ w, alpha, l1_ratio)
    rel = gap / (s.sum() * np.log(2.0))
    if return_violation:
        return rel, (float(violation.max()) if violation.size else 0.0)
    return rel


def optimal_intercept(z, y, sample_weight=None, b0=0.0):
    """The intercept minimising ``sum_i s_i log(1 + exp(-y_i (z_i + b)))`` for fixed z.

    Safeguarded Newton (bisection when a step leaves the bracket) on a convex 1-D
    function, to machine precision.  Both labels must be present (else no finite
    minimiser exists).
    """
    y_pm = to_pm1(y)
    s = np.ones(z.size) if sample_weight is None else np.asarray(sample_weight, np.float64)
    b = float(b0)
    lo, hi = -np.inf, np.inf
    for _ in range(200):
        sig = expit(-y_pm * (z + b))
        grad = -float(s @ (y_pm * sig))
        hess = float(s @ (sig * (1 - sig)))
        if grad > 0:
            hi = b
        else:
            lo = b
        if abs(grad) <= 1e-15 * s.sum() or hess == 0.0:
            break
        step = b - grad / hess
        # bisect when Newton leaves the bracket (far from the minimiser)
        if not (lo < step < hi):
            step = 0.5 * (lo + hi) if np.isfinite(lo) and np.isfinite(hi) else \
                b - np.sign(grad) * max(1.0, 2 * abs(b))
        if step == b:
            break
        b = step
    return b


def intercept_dual_bound(X, y, coef, alpha, l1_ratio=1.0, sample_weight=None,
                         penalty_factor=None):
    """A lower bound on the optimal objective with an intercept (glmnet's mean scale).

    At ``(w, b*(w))`` the intercept's stationarity gives ``sum_i theta_i = 0``,
    so the no-intercept dual point on X is feasible for the problem with intercept.
    """
    X, s, pf = _prepare(X, sample_weight, penalty_factor=penalty_factor)
    y_pm = to_pm1(y)
    w = np.asarray(coef, np.float64)
    xw = X @ w
    b = optimal_intercept(xw, y_pm, s)
    z = xw + b
    gap, _ = _binomial_gap_sum(X, y_pm, s, pf, w, z, alpha, l1_ratio)
    primal = binomial_objective(X, y_pm, w, b, alpha, l1_ratio, s, pf)
    return primal - gap / s.sum()


def relative_suboptimality(objective, best_objective):
    """``(P - P*) / P*`` (arrays broadcast)."""
    best_objective = np.asarray(best_objective, np.float64)
    return (np.asarray(objective, np.float64) - best_objective) / best_objective


def _one_hot(y):
    y = np.asarray(y)
    if y.ndim == 2:
        return np.asarray(y, np.float64)
    classes = np.unique(y)
    return (y[:, None] == classes[None, :]).astype(np.float64)


def multinomial_objective(X, y, coef, intercept=None, alpha=0.0, l1_ratio=1.0,
                          sample_weight=None, penalty_factor=None):
    """Softmax objective in glmnet's mean scale; coef (K, p), intercept (K,) or None.

    ``y``: labels (one-hot by sorted label) or an (n, K) one-hot matrix.
    """
    X, s, pf = _prepare(X, sample_weight, penalty_factor=penalty_factor)
    Y = _one_hot(y)
    W = np.asarray(coef, np.float64)
    Z = np.asarray(X @ W.T)
    if intercept is not None:
        Z = Z + np.asarray(intercept, np.float64)
    loss = s @ (logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1))
    return float(loss / s.sum()) + _penalty(W, pf, alpha * l1_ratio, alpha * (1 - l1_ratio))


def multinomial_relative_gap(X, y, coef, alpha, l1_ratio=1.0, sample_weight=None,
                             penalty_factor=None):
    """Relative duality gap ``gap / (sum s log K)`` of a softmax fit without intercept
    (derivation in the module docstring); coef of shape (K, p)."""
    X, s, pf = _prepare(X, sample_weight, penalty_factor=penalty_factor)
    Y = _one_hot(y)
    W = np.asarray(coef, np.float64)
    n_classes = Y.shape[1]
    lam = alpha * s.sum()
    a, b = lam * l1_ratio, lam * (1.0 - l1_ratio)
    Z = np.asarray(X @ W.T)
    primal = float(s @ (logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1))) + _penalty(W, pf, a, b)
    Pr = softmax(Z, axis=1)
    xt_theta0 = np.asarray(X.T @ (s[:, None] * (Y - Pr))).T          # (K, p)
    if a > 0:
        c = _l1_scale(xt_theta0, W, pf, a, b)
        l2_conj = 0.5 * c * c * b * float(np.sum(pf * W * W))
    elif b > 0:
        c = 1.0
        keep = pf > 0
        l2_conj = float(np.sum(xt_theta0[:, keep] ** 2 / (2 * b * pf[keep])))
    else:
        raise ValueError("alpha must be positive for a duality gap")
    Q = (1 - c) * Y + c * Pr
    dual = -float(s @ np.sum(xlogy(Q, Q), axis=1)) - l2_conj
    return (primal - dual) / (s.sum() * np.log(n_classes))
