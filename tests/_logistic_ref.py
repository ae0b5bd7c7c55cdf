"""Independent float64 optimality checks for penalised logistic regression.

Nothing here uses fastpen: plain NumPy/SciPy, written from the objective of
``fastpen.logistic_path`` (glmnet's mean scale),

    P(W, b) = sum_i s_i l_i(x_i^T W + b) + sum_{k,j} h_j(W_kj),
    h_j(w)  = alpha (l1_ratio p1_j |w| + (1 - l1_ratio)/2 p2_j w^2) + indicator[lo_j <= w <= up_j],

with the sample weights ``s`` normalised to sum to 1, ``p1_j = p2_j = pf_j``
(penalty factors), or with ``standardize`` ``p1_j = pf_j sigma_j`` and
``p2_j = pf_j sigma_j^2`` (sigma_j glmnet's weighted 1/n standard deviation,
see ``_helpers.column_scales``); excluded features have ``lo_j = up_j = 0``.
The loss is the binomial one, ``l_i(z) = log(1 + e^z) - y_i z`` with y_i in
{0, 1} (one coefficient row, K = 1), or the multinomial one,
``l_i(z) = logsumexp(z) - sum_k Y_ik z_k`` (K rows, ungrouped penalty).

The duality gap (Fenchel).  With the residual ``theta = Y - P`` (P the
fitted probabilities) and ``v = X^T S theta`` (S = diag(s)),

    D(c) = sum_i s_i H(q_i) - sum_{k,j} h_j^*(c v_kj),     q = (1 - c) Y + c P,

H the entropy (binomial: of (q, 1 - q)), h^* the convex conjugate of h_j
(closed form for the L1 + L2 + box penalty, :func:`conjugate`).  D(c) <= P*
for every c in [0, 1] with h^*(c v) finite, provided the intercepts and the
unpenalised unbounded ("free") features are stationary, X_F^T S theta = 0
and sum_i s_i theta_i = 0 -- the dual constraints, which scaling by c keeps.
So the free block is first solved exactly (damped Newton, :func:`solve_free`)
at the given penalised coefficients; the gap of the given point is then

    [P(W, b) - P(W, b*)] + [P(W, b*) - max_c D(c)]  >=  P(W, b) - P*,

an upper bound on its true suboptimality (b* the exact free block).  D is
concave in c; its maximum over [0, c_max] is found by a bounded scalar search
(c_max is the largest c keeping h^*(c v) finite: c <= a_j / |v_kj| where a
feature has no L2 part and no bound on that side).

KKT through the proximal residual.  If P(W, b) - P* <= eps, then for every
coordinate the proximal step from w = W_kj,

    u = argmin_u g (u - w) + L/2 (u - w)^2 + h_j(u),     g = -v_kj,  L = 1/4 sum_i s_i x_ij^2

(1/4 bounds the curvature of either loss in one coordinate), moves by at most
``sqrt(2 eps / (L + b_j))`` (the model is an upper bound of P along the
coordinate and (L + b_j)-strongly convex; b_j the L2 coefficient).  With w = 0
this is ``|v_kj| <= a_j + sqrt(2 (L + b_j) eps)``; with |w| above that radius
it is ``|v_kj - a_j sign(w) - b_j w| <= sqrt(2 (L + b_j) eps)``.  The
intercepts: ``|sum_i s_i theta_ik| <= sqrt(eps / 2)``.
"""
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_expit, logsumexp, softmax, xlogy

from _helpers import as_dense64, penalty_weights_and_box


# ----------------------------------------------------------------- problem


@dataclass
class LogisticProblem:
    """One penalised logistic problem in float64 (K = 1 row for the binomial)."""

    X: np.ndarray           # (n, p) dense float64
    Y: np.ndarray           # (n, K) 0/1 indicators (binomial: K = 1, y of the positive class)
    s: np.ndarray           # (n,) weights summing to 1
    binary: bool
    fit_intercept: bool
    alpha: float
    l1_ratio: float
    a: np.ndarray           # (p,) L1 coefficient alpha l1_ratio p1_j
    b: np.ndarray           # (p,) L2 coefficient alpha (1 - l1_ratio) p2_j
    lo: np.ndarray          # (p,) lower bounds (0 where excluded)
    up: np.ndarray          # (p,) upper bounds (0 where excluded)
    p1: np.ndarray
    p2: np.ndarray

    @property
    def K(self):
        return self.Y.shape[1]

    @property
    def free(self):
        """Features with no penalty and no bound: solved exactly with the intercepts."""
        return (self.p1 == 0) & (self.p2 == 0) & np.isneginf(self.lo) & np.isposinf(self.up)

    @property
    def L(self):
        """Coordinate curvature bound of the loss: 1/4 sum_i s_i x_ij^2."""
        return 0.25 * (self.s @ (self.X * self.X))

    def with_alpha(self, alpha):
        a = alpha * self.l1_ratio * self.p1
        b = alpha * (1.0 - self.l1_ratio) * self.p2
        return LogisticProblem(self.X, self.Y, self.s, self.binary, self.fit_intercept,
                               float(alpha), self.l1_ratio, a, b, self.lo, self.up,
                               self.p1, self.p2)


def encode(y, family="auto"):
    """(classes, Y, binary): sorted labels and the 0/1 indicator matrix."""
    y = np.asarray(y)
    classes = np.unique(y)
    binary = classes.size == 2 and family != "multinomial"
    if binary:
        return classes, (y == classes[1]).astype(np.float64)[:, None], True
    return classes, (y[:, None] == classes[None, :]).astype(np.float64), False


def logistic_problem(X, y, *, alpha, l1_ratio=1.0, sample_weight=None, fit_intercept=True,
                     positive=False, penalty_factor=None, exclude=None,
                     rescale_penalty_factor=False, standardize=False, lower_bounds=None,
                     upper_bounds=None, family="auto"):
    """The problem solved by ``logistic_path`` at one alpha, for a 1-D label vector."""
    X = as_dense64(X)
    n = X.shape[0]
    _, Y, binary = encode(y, family)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    s = s / s.sum()
    p1, p2, lo, up, _, _ = penalty_weights_and_box(
        X, sample_weight=sample_weight, fit_intercept=fit_intercept, positive=positive,
        penalty_factor=penalty_factor, exclude=exclude,
        rescale_penalty_factor=rescale_penalty_factor, standardize=standardize,
        lower_bounds=lower_bounds, upper_bounds=upper_bounds)
    prob = LogisticProblem(X, Y, s, binary, fit_intercept, 0.0, float(l1_ratio),
                           None, None, lo, up, p1, p2)
    return prob.with_alpha(alpha)


def _as_rows(prob, coef, intercept):
    W = np.asarray(coef, dtype=np.float64).reshape(prob.K, prob.X.shape[1])
    if intercept is None or not prob.fit_intercept:
        b = np.zeros(prob.K)
    else:
        b = np.asarray(intercept, dtype=np.float64).reshape(prob.K)
    return W, b


# ------------------------------------------------------------ loss pieces


def scores(prob, W, b):
    return prob.X @ W.T + b


def probabilities(prob, W, b):
    """(n, K): P(positive class) for the binomial, the softmax for the multinomial."""
    Z = scores(prob, W, b)
    return expit(Z) if prob.binary else softmax(Z, axis=1)


def loss(prob, W, b):
    """sum_i s_i l_i, computed stably."""
    Z = scores(prob, W, b)
    if prob.binary:
        z, y = Z[:, 0], prob.Y[:, 0]
        per = -(y * log_expit(z) + (1.0 - y) * log_expit(-z))
    else:
        per = logsumexp(Z, axis=1) - np.sum(prob.Y * Z, axis=1)
    return float(prob.s @ per)


def penalty(prob, W):
    Wf = np.where(np.isfinite(W), W, 0.0)
    return float(np.sum(prob.a * np.abs(Wf) + 0.5 * prob.b * Wf * Wf))


def objective(prob, coef, intercept=None):
    """P(W, b) in glmnet's mean scale (inf outside the box)."""
    W, b = _as_rows(prob, coef, intercept)
    tol = 1e-12 * (1.0 + np.abs(W))
    if np.any(W < prob.lo - tol) or np.any(W > prob.up + tol):
        return np.inf
    return loss(prob, W, b) + penalty(prob, W)


def null_loss(prob):
    """Loss of the intercept-only model (the zero model without an intercept)."""
    K = prob.K
    if not prob.fit_intercept:
        return float(np.log(2.0) if prob.binary else np.log(K))
    pi = prob.s @ prob.Y
    if prob.binary:
        return float((-xlogy(pi, pi) - xlogy(1 - pi, 1 - pi))[0])
    return float(-np.sum(xlogy(pi, pi)))


def entropy_rows(prob, Q):
    if prob.binary:
        q = Q[:, 0]
        return -xlogy(q, q) - xlogy(1 - q, 1 - q)
    return -np.sum(xlogy(Q, Q), axis=1)


# -------------------------------------------------------- the free block


def solve_free(prob, W, b, max_iter=200):
    """(W, b) with the intercepts and free features at their exact optimum given the rest.

    Damped Newton on the smooth loss over the free block (least-squares steps:
    the multinomial Hessian is singular along the class shift), to the
    rounding floor of the gradient.
    """
    W = W.copy()
    b = b.copy()
    free = np.flatnonzero(prob.free)
    n = prob.X.shape[0]
    cols = [np.ones((n, 1))] if prob.fit_intercept else []
    if free.size:
        cols.append(prob.X[:, free])
    if not cols:
        return W, b
    Zb = np.hstack(cols)                       # (n, m) the free block's columns
    m, K = Zb.shape[1], prob.K

    def unpack(W, b, delta):
        W2, b2 = W.copy(), b.copy()
        D = delta.reshape(m, K)
        off = 0
        if prob.fit_intercept:
            b2 += D[0]
            off = 1
        if free.size:
            W2[:, free] += D[off:].T
        return W2, b2

    def gradient(W, b):
        P = probabilities(prob, W, b)
        return P, Zb.T @ (prob.s[:, None] * (P - prob.Y))          # (m, K)

    f = loss(prob, W, b)
    P, G = gradient(W, b)
    for _ in range(max_iter):
        gmax = np.max(np.abs(G))
        if gmax < 1e-15:
            break
        if prob.binary:
            H = Zb.T @ ((prob.s * P[:, 0] * (1 - P[:, 0]))[:, None] * Zb)
        else:
            # H[(a,k),(c,l)] = sum_i s_i Z_ia Z_ic (P_ik d_kl - P_ik P_il)
            SZ = prob.s[:, None] * Zb
            H = np.zeros((m, K, m, K))
            for k in range(K):
                for l in range(K):
                    w_kl = P[:, k] * ((k == l) - P[:, l])
                    H[:, k, :, l] = SZ.T @ (w_kl[:, None] * Zb)
            H = H.reshape(m * K, m * K)
        step = -np.linalg.lstsq(H, G.reshape(-1), rcond=1e-13)[0]
        # backtracking; near the optimum the decrease is below the rounding of the
        # loss, so a step within rounding of the loss counts as no increase
        t = 1.0
        while t >= 1e-10:
            W2, b2 = unpack(W, b, t * step)
            f2 = loss(prob, W2, b2)
            if f2 <= f + 1e-14 * max(1.0, abs(f)):
                break
            t *= 0.5
        if t < 1e-10:
            break
        P2, G2 = gradient(W2, b2)
        if f2 >= f - 1e-14 * max(1.0, abs(f)) and np.max(np.abs(G2)) >= gmax:
            break                                   # stalled at the rounding floor
        W, b, f, P, G = W2, b2, f2, P2, G2
    if not prob.binary and prob.fit_intercept:
        b = b - b.mean()
    return W, b


# ------------------------------------------------------------ conjugate


def conjugate(v, a, b, lo, up):
    """h^*(v) = sup_{lo <= w <= up} v w - a |w| - b/2 w^2, elementwise (inf where unbounded)."""
    v, a, b, lo, up = np.broadcast_arrays(*(np.asarray(t, np.float64) for t in (v, a, b, lo, up)))

    def side(slope, bound, positive_side):
        # sup over w in [0, bound] (positive side) or [bound, 0] of slope w - b/2 w^2
        out = np.zeros(v.shape)
        has_b = b > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(has_b, slope / np.where(has_b, b, 1.0), 0.0)
        w = np.clip(w, 0.0, bound) if positive_side else np.clip(w, bound, 0.0)
        out = np.where(has_b, slope * w - 0.5 * b * w * w, out)
        # no L2 part: linear, attained at the bound when the slope points there
        rising = (slope > 0) if positive_side else (slope < 0)
        lin = ~has_b & rising
        with np.errstate(invalid="ignore"):
            val = np.where(lin, slope * np.where(lin, bound, 0.0), 0.0)
        out = np.where(lin, val, out)
        return out

    plus = side(v - a, up, True)
    minus = side(v + a, lo, False)
    return np.maximum(plus, minus)


def c_max(v, a, b, lo, up):
    """Largest c in [0, 1] with h^*(c v) finite everywhere."""
    c = 1.0
    nob = b <= 0
    up_inf = nob & np.isposinf(up) & (v > a)
    lo_inf = nob & np.isneginf(lo) & (v < -a)
    bad = up_inf | lo_inf
    if np.any(bad):
        c = min(c, float(np.min(a[bad] / np.abs(v[bad]))))
    return max(c, 0.0)


# ----------------------------------------------------------------- gaps


@dataclass
class Certificate:
    gap: float              # upper bound of P(W, b) - P*  (mean scale)
    primal: float           # P(W, b)
    dual: float             # the best D found
    intercept_part: float   # P(W, b) - P(W, b*)
    c: float                # the dual scaling used
    free_residual: float    # max |stationarity| of the free block after the exact solve
    W_star: np.ndarray      # W with the free block solved
    b_star: np.ndarray


def certificate(prob, coef, intercept=None):
    """Independent duality gap of (coef, intercept): see the module docstring."""
    W, b = _as_rows(prob, coef, intercept)
    primal = objective(prob, W, b)
    Wf, bf = solve_free(prob, W, b)
    p_star_free = loss(prob, Wf, bf) + penalty(prob, Wf)
    P = probabilities(prob, Wf, bf)
    theta = prob.Y - P
    V = (prob.s[:, None] * theta).T @ prob.X                  # (K, p)
    free = prob.free
    residual = float(np.max(np.abs(V[:, free]), initial=0.0))
    if prob.fit_intercept:
        residual = max(residual, float(np.max(np.abs(prob.s @ theta))))
    pen = ~free
    a, bb, lo, up = (np.broadcast_to(t[pen], (prob.K, pen.sum())) for t in
                     (prob.a, prob.b, prob.lo, prob.up))
    Vp = V[:, pen]
    cm = c_max(Vp, a, bb, lo, up)

    def dual(c):
        Q = (1.0 - c) * prob.Y + c * P
        return float(prob.s @ entropy_rows(prob, Q) - np.sum(conjugate(c * Vp, a, bb, lo, up)))

    best_c, best = cm, dual(cm)
    if cm > 0:
        res = minimize_scalar(lambda c: -dual(c), bounds=(0.0, cm), method="bounded",
                              options={"xatol": 1e-12 * max(cm, 1e-300)})
        if -res.fun > best:
            best_c, best = float(res.x), -float(res.fun)
    gap = (primal - p_star_free) + (p_star_free - best)
    return Certificate(float(gap), float(primal), float(best), float(primal - p_star_free),
                       float(best_c), residual, Wf, bf)


# ------------------------------------------------------------------ KKT


@dataclass
class KKT:
    excess: float            # max over coordinates of (prox move - allowed radius), <= 0 passes
    prox_move: np.ndarray    # (K, p) |u - w|
    radius: np.ndarray       # (K, p) sqrt(2 eps / (L + b))
    grad: np.ndarray         # (K, p) v = X^T S (Y - P)
    intercept_grad: np.ndarray   # (K,) sum_i s_i (Y - P)
    intercept_radius: float


def kkt(prob, coef, intercept=None, eps=0.0, rounding=1e-12):
    """Proximal-residual KKT check with the slack implied by a suboptimality ``eps``."""
    W, b = _as_rows(prob, coef, intercept)
    P = probabilities(prob, W, b)
    theta = prob.Y - P
    V = (prob.s[:, None] * theta).T @ prob.X
    L = prob.L
    curv = L + prob.b
    # prox step of g (u - w) + L/2 (u - w)^2 + h(u), g = -v
    target = L * W + V                          # (K, p)
    u = np.sign(target) * np.maximum(np.abs(target) - prob.a, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(curv > 0, u / np.where(curv > 0, curv, 1.0), 0.0)
    u = np.clip(u, prob.lo, prob.up)
    move = np.abs(u - W)
    with np.errstate(divide="ignore", invalid="ignore"):
        radius = np.where(curv > 0, np.sqrt(2.0 * eps / np.where(curv > 0, curv, 1.0)), np.inf)
    radius = radius + rounding * (1.0 + np.abs(W))
    # a column of zeros has L = 0 and any coefficient of it is stationary only if 0 is
    # the penalty's minimiser: moves there are exact
    excess = float(np.max(move - radius)) if move.size else -np.inf
    ig = prob.s @ theta if prob.fit_intercept else np.zeros(prob.K)
    return KKT(excess, move, radius, V, ig, float(np.sqrt(eps / 2.0) + rounding))


# ------------------------------------------------------------ reference


def alpha_max(prob):
    """Smallest alpha with all penalised coefficients 0 (ignoring bounds)."""
    W0 = np.zeros((prob.K, prob.X.shape[1]))
    Wf, bf = solve_free(prob, W0, np.zeros(prob.K))
    V = (prob.s[:, None] * (prob.Y - probabilities(prob, Wf, bf))).T @ prob.X
    pen = prob.p1 > 0
    return float(np.max(np.abs(V[:, pen]) / prob.p1[pen]) / prob.l1_ratio)


def reference_fit(prob, W0=None, b0=None):
    """A second solver (L-BFGS-B on w = w+ - w-, the box on each part), for cross-checks.

    Accurate to ~1e-10 in the objective on small problems; used where
    scikit-learn cannot express the problem (penalty factors, bounds).
    """
    K, p = prob.K, prob.X.shape[1]
    nb = K if prob.fit_intercept else 0
    a = np.broadcast_to(prob.a, (K, p)).ravel()
    bb = np.broadcast_to(prob.b, (K, p)).ravel()
    up_plus = np.broadcast_to(np.maximum(prob.up, 0.0), (K, p)).ravel()
    up_minus = np.broadcast_to(np.maximum(-prob.lo, 0.0), (K, p)).ravel()
    bounds = ([(None, None)] * nb
              + [(0.0, None if np.isinf(u) else u) for u in up_plus]
              + [(0.0, None if np.isinf(u) else u) for u in up_minus])

    def unpack(x):
        b = x[:nb] if nb else np.zeros(K)
        wp, wm = x[nb:nb + K * p], x[nb + K * p:]
        return wp, wm, b

    def fun(x):
        wp, wm, b = unpack(x)
        w = wp - wm
        W = w.reshape(K, p)
        P = probabilities(prob, W, b)
        f = loss(prob, W, b) + np.sum(a * (wp + wm)) + 0.5 * np.sum(bb * w * w)
        G = ((prob.s[:, None] * (P - prob.Y)).T @ prob.X).ravel() + bb * w
        gb = prob.s @ (P - prob.Y)
        grad = np.concatenate([gb if nb else [], G + a, -G + a])
        return f, grad

    x0 = np.zeros(nb + 2 * K * p)
    if W0 is not None:
        w0 = np.asarray(W0, np.float64).ravel()
        x0[nb:nb + K * p] = np.maximum(w0, 0)
        x0[nb + K * p:] = np.maximum(-w0, 0)
    if b0 is not None and nb:
        x0[:nb] = b0
    # L-BFGS-B may stop on a step that makes no progress while far from the optimum
    # (near-separable directions): restart from where it stopped until it stalls
    best = None
    for _ in range(10):
        res = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": 20000, "maxcor": 30, "ftol": 1e-16, "gtol": 1e-13})
        if best is not None and res.fun >= best.fun - 1e-15 * abs(best.fun):
            break
        best, x0 = res, res.x
    wp, wm, b = unpack(best.x)
    W = (wp - wm).reshape(K, p)
    W, b = solve_free(prob, W, b)
    return W, b


def deviance_ratio(prob, coef, intercept=None):
    """glmnet's dev_ratio: 1 - deviance / null deviance (saturated loss 0 for 0/1 labels)."""
    W, b = _as_rows(prob, coef, intercept)
    return 1.0 - loss(prob, W, b) / null_loss(prob)
