# cython: language_level=3
"""Logistic regression on the engine: a proximal Newton layer over ``fastpen._cd``.

The datafit is F(eta) = sum_i s_i l(y_i, eta_i), binomial (sigmoid) or
multinomial (softmax, one coefficient block per class), with the elastic-net
penalty, its factors and box of the squared loss (``_enet.pxd``).  F is not
quadratic, so the coordinate-descent driver never sees it: each outer step
hands the driver the quadratic model of F around the current point,

    F(eta') ~ F(eta) - theta0^T (eta' - eta) + 1/2 sum_i h_i (eta'_i - eta_i)^2,
    theta0 = -grad F = S (y - prob),   h_i = s_i prob_i (1 - prob_i)

(h floored at s_i H_FLOOR, as glmnet floors the probabilities), which is the
weighted least-squares problem 1/2 ||z - X w - b||^2_H with the working
response z = eta + theta0 / h.  ``enet_dense``/``enet_sparse`` solve it with
their working sets, screening, Newton steps on the support and
extrapolation, warm-started: at the current w its residual is known in O(n)
(theta0 / h plus a constant) and its gradient is a multiple of the outer
gradient X~^T theta0, which the outer gap has just computed -- so a Newton
step costs one pass over X (the column statistics under h, read beside the
outer gradient) plus the driver's own working-set sweeps and final scan.
A backtracking line search on the true objective makes every step a descent.
Multinomial models take one such step per class in turn (glmnet's partial
Newton), the other classes fixed.

The stopping test is the exact duality gap of the logistic problem
(``enet_gap`` over ``LgAt``, _datafit.pxd): the dual point is the rescaled
c theta0; with an intercept, the intercepts are first solved exactly (1-D
Newton steps) so that sum_i theta0_i = 0, the constraint the intercept puts on
the dual.  Working in per-sum scaling as the driver: a = n alpha l1_ratio,
b = n alpha (1 - l1_ratio) with weights summing to n.
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.float cimport DBL_EPSILON
from libc.math cimport INFINITY, exp, fabs, log, log1p, sqrt
from libc.stdlib cimport free, malloc

from fastpen._cd cimport (
    CDParams, CDResult, enet_dense, enet_sparse, make_params, _watch, raise_pending,
)
from fastpen._cd_inline cimport (
    axpy_centered, col_sq_dev, col_sum, dot_centered, sparse_axpy, sparse_dot,
)
from fastpen._datafit cimport LgAt
from fastpen._enet cimport enet_gap

DEF DENSE = 1
DEF SPARSE = 2

# Floor of the Newton weights h_i / s_i = prob_i (1 - prob_i): glmnet clips the
# probabilities at 1e-5 for the same reason -- on (nearly) separable data the
# weights of the well-fitted rows vanish and the model would be singular.
cdef double H_FLOOR = 1e-5
# Outer (Newton) iterations per alpha; each also spends coordinate sweeps, which
# max_iter bounds.
cdef int MAX_NEWTON = 100
# Each quadratic model is solved to a gap of INNER_RATIO times the outer gap, or
# gap^2 / F where that is smaller, but never below a quarter of the outer tol: the
# outer gap after a step is about the inner gap reached plus the model's error
# (quadratic in the step), so the inner accuracy must follow the outer gap
# superlinearly for the Newton steps to converge superlinearly -- and the last
# step then lands below tol.
cdef double INNER_RATIO = 0.1
# A working set's problem is solved to WS_RATIO times the full gap (or gap^2 / F):
# looser than a model (celer's 0.3), as the early working sets are too small for an
# accurate solution of theirs to be worth its Newton steps.
cdef double WS_RATIO = 0.3
cdef double INNER_FINAL = 0.25
# A fit whose gap has made no new low (by STALL_DECREASE) in STALL_STEPS
# iterations in a row has reached the rounding level of its precision: it stops.
cdef int STALL_STEPS = 3
cdef double STALL_DECREASE = 0.999
# The smallest outer working set (celer's and skglm's is 10; 30 saves a few full
# scans on a cold fit of a wide problem and costs little elsewhere).
cdef int WS_MIN = 30
# Cycles of coordinate steps on the true objective once Newton steps stall (_polish).
cdef int MAX_POLISH = 50
# A scan gets one thread per this many multiply-adds (as the driver's scans).
cdef long long SCAN_WORK_PER_THREAD = 1 << 17
# an exponential and a logarithm cost about this many multiply-adds
cdef long long TRANSCENDENTAL_COST = 20
cdef double ARMIJO = 1e-4
cdef int MAX_HALVINGS = 40
# Intercepts: 1-D Newton steps, each at most this long (the logistic curve is
# flat far from the solution, where a full step would overshoot).
cdef double MAX_INTERCEPT_STEP = 5.0
cdef int MAX_INTERCEPT_STEPS = 200


cdef struct Lg:
    # One logistic problem at one alpha, as the functions below read it.
    int n, p, k             # rows, features, coefficient blocks (1: binomial)
    const double* y         # n labels: 0/1 (binomial) or the class index
    const double* s         # n weights summing to n, or NULL for unit weights
    const double* xm        # p weighted column means (zeros without intercept)
    const double* lip       # k * p: 1/4 ||x~_j||^2_S, 0 for excluded or constant
    const double* pf        # k * p L1 factors
    const double* l2f       # k * p L2 factors, or NULL (= pf)
    const double* lower     # k * p bounds, or NULL
    const double* upper
    bint positive
    bint intercept
    double a, b             # per-sum L1 and L2 strengths
    double tol              # absolute gap tolerance (per-sum)
    int max_iter            # coordinate sweeps per alpha, all Newton steps together
    int n_threads
    volatile int* stop
    const int* unpen        # the unpenalised features (pf 0, not excluded)
    int n_unpen


cdef inline double _sigmoid(double t) noexcept nogil:
    cdef double e
    if t >= 0.0:
        return 1.0 / (1.0 + exp(-t))
    e = exp(t)
    return e / (1.0 + e)


cdef inline double _log1pexp(double t) noexcept nogil:
    """log(1 + e^t) without overflow."""
    if t > 0.0:
        return t + log1p(exp(-t))
    return log1p(exp(t))


cdef inline double _weight(const Lg* lg, int i) noexcept nogil:
    return lg.s[i] if lg.s != NULL else 1.0


cdef void _probabilities(const Lg* lg, const double* eta, double* prob) noexcept nogil:
    """prob = sigmoid(eta) (binomial) or the softmax of each row over the classes."""
    cdef int i, l, n = lg.n
    cdef double top, total
    if lg.k == 1:
        for i in range(n):
            prob[i] = _sigmoid(eta[i])
        return
    for i in range(n):
        top = -INFINITY
        for l in range(lg.k):
            top = max(top, eta[<Py_ssize_t> l * n + i])
        total = 0.0
        for l in range(lg.k):
            prob[<Py_ssize_t> l * n + i] = exp(eta[<Py_ssize_t> l * n + i] - top)
            total += prob[<Py_ssize_t> l * n + i]
        for l in range(lg.k):
            prob[<Py_ssize_t> l * n + i] /= total


cdef double _row_loss(const Lg* lg, const double* eta, int i, int cls,
                      double eta_cls) noexcept nogil:
    """Row i's loss, with eta of class ``cls`` replaced by ``eta_cls`` (multinomial)."""
    cdef int l, n = lg.n
    cdef double top, total, e
    if lg.k == 1:
        return _log1pexp(eta_cls) - lg.y[i] * eta_cls
    top = -INFINITY
    for l in range(lg.k):
        e = eta_cls if l == cls else eta[<Py_ssize_t> l * n + i]
        top = max(top, e)
    total = 0.0
    for l in range(lg.k):
        e = eta_cls if l == cls else eta[<Py_ssize_t> l * n + i]
        total += exp(e - top)
    l = <int> lg.y[i]
    e = eta_cls if l == cls else eta[<Py_ssize_t> l * n + i]
    return top + log(total) - e


cdef double _loss_along(const Lg* lg, const double* eta, int cls, const double* eta_new,
                        double t) noexcept nogil:
    """F at eta with class ``cls``'s block moved to eta + t (eta_new - eta)."""
    cdef int i
    cdef double total = 0.0, e
    cdef const double* old = eta + <Py_ssize_t> cls * lg.n
    for i in range(lg.n):
        e = old[i] + t * (eta_new[i] - old[i])
        total += _weight(lg, i) * _row_loss(lg, eta, i, cls, e)
    return total


cdef double _binomial_along(const Lg* lg, const double* eta, const double* eta_new,
                           double t, double* prob) noexcept nogil:
    """Binomial F at eta + t (eta_new - eta), and the probabilities there (one
    exponential and one log1p a row: on a tall problem these rows cost as much as
    a scan, so they are threaded as the scans are)."""
    cdef int i, nt = lg.n_threads
    cdef double total = 0.0, e, x
    if nt > 1 and <long long> lg.n * TRANSCENDENTAL_COST < SCAN_WORK_PER_THREAD * nt:
        nt = max(1, <int> (<long long> lg.n * TRANSCENDENTAL_COST // SCAN_WORK_PER_THREAD))
    for i in prange(lg.n, num_threads=nt, schedule="static", use_threads_if=nt > 1):
        e = eta[i] + t * (eta_new[i] - eta[i])
        x = exp(-fabs(e))
        total += _weight(lg, i) * (max(e, 0.0) + log1p(x) - lg.y[i] * e)
        prob[i] = 1.0 / (1.0 + x) if e >= 0.0 else x / (1.0 + x)
    return total


cdef double _loss(const Lg* lg, const double* eta) noexcept nogil:
    """F at eta."""
    cdef int i
    cdef double total = 0.0
    for i in range(lg.n):
        total += _weight(lg, i) * _row_loss(lg, eta, i, 0, eta[i])
    return total


cdef double _theta(const Lg* lg, const double* prob, double* theta, int cls) noexcept nogil:
    """theta0 = S (y - prob) of class ``cls`` (binomial: cls 0); returns its sum."""
    cdef int i
    cdef Py_ssize_t off = <Py_ssize_t> cls * lg.n
    cdef double yi, total = 0.0
    for i in range(lg.n):
        yi = lg.y[i] if lg.k == 1 else (1.0 if lg.y[i] == cls else 0.0)
        theta[off + i] = _weight(lg, i) * (yi - prob[off + i])
        total += theta[off + i]
    return total


cdef bint _intercepts(const Lg* lg, double* b0, double* eta, double* prob) noexcept nogil:
    """Solve the intercepts exactly given w: sum_i theta0_i = 0 for every class (cyclic
    1-D Newton steps); eta and prob follow.  Returns whether they moved."""
    cdef int it, i, l, n = lg.n
    cdef Py_ssize_t off
    cdef double num, den, step, worst, scale = 0.0, yi, q
    cdef bint moved = False
    for i in range(n):
        scale += _weight(lg, i)
    for it in range(MAX_INTERCEPT_STEPS):
        worst = 0.0
        for l in range(lg.k):
            off = <Py_ssize_t> l * n
            num = den = 0.0
            for i in range(n):
                yi = lg.y[i] if lg.k == 1 else (1.0 if lg.y[i] == l else 0.0)
                q = prob[off + i]
                num += _weight(lg, i) * (yi - q)
                den += _weight(lg, i) * q * (1.0 - q)
            worst = max(worst, fabs(num))
            if fabs(num) <= 1e-13 * scale:
                continue
            step = num / den if den > 0.0 else (MAX_INTERCEPT_STEP if num > 0.0
                                                 else -MAX_INTERCEPT_STEP)
            step = min(max(step, -MAX_INTERCEPT_STEP), MAX_INTERCEPT_STEP)
            b0[l] += step
            moved = True
            for i in range(n):
                eta[off + i] += step
            _probabilities(lg, eta, prob)
        if worst <= 1e-12 * scale:
            break
    return moved


cdef inline void _add_column(int kind, const floating[::1, :] X, const floating[::1] data,
                             const int[::1] indices, const Py_ssize_t[::1] indptr, int n,
                             int j, double alpha, double* v) noexcept nogil:
    """v += alpha x_j (X's column j, dense or CSC)."""
    cdef Py_ssize_t k0, k1
    if kind == DENSE:
        axpy_centered(n, alpha, &X[0, j], 0.0, v)
    else:
        k0 = indptr[j]
        k1 = indptr[j + 1]
        if k1 > k0:
            sparse_axpy(<int> (k1 - k0), alpha, &data[k0], &indices[k0], v)


cdef double _feature_step(int kind, const floating[::1, :] X, const floating[::1] data,
                          const int[::1] indices, const Py_ssize_t[::1] indptr,
                          const Lg* lg, int j, int cls, double* W, double* eta,
                          double* prob) noexcept nogil:
    """One proximal 1-D Newton step on the true objective for the coefficient of
    feature j in block ``cls`` (its penalty and box included), eta and prob
    following; returns the decrease its quadratic model predicted.

    It solves the unpenalised features exactly (_exact_block) and polishes a
    stalled working set (_polish): the gradient is read from the probabilities
    directly, so its precision does not depend on the size of eta, as the
    driver's model's does (through the working response)."""
    cdef int i, n = lg.n, c = cls * lg.p + j
    cdef Py_ssize_t kk, off = <Py_ssize_t> cls * n
    cdef double g = 0.0, hess = 0.0, x, yi, q, s, lo, hi, w_old, w_new, step, a_j, b_j, z
    cdef double* eta_l = eta + off
    if kind == DENSE:
        for i in range(n):
            x = X[i, j]
            if x != 0.0:
                yi = lg.y[i] if lg.k == 1 else (1.0 if lg.y[i] == cls else 0.0)
                q = prob[off + i]
                s = _weight(lg, i)
                g += x * s * (yi - q)
                hess += x * x * s * q * (1.0 - q)
    else:
        for kk in range(indptr[j], indptr[j + 1]):
            i = indices[kk]
            x = data[kk]
            yi = lg.y[i] if lg.k == 1 else (1.0 if lg.y[i] == cls else 0.0)
            q = prob[off + i]
            s = _weight(lg, i)
            g += x * s * (yi - q)
            hess += x * x * s * q * (1.0 - q)
    if not hess > 0.0:
        return 0.0
    lo = lg.lower[c] if lg.lower != NULL else -INFINITY
    hi = lg.upper[c] if lg.upper != NULL else INFINITY
    if lg.positive and lo < 0.0:
        lo = 0.0
    a_j = lg.a * lg.pf[c]
    b_j = lg.b * (lg.l2f[c] if lg.l2f != NULL else lg.pf[c])
    w_old = W[c]
    # the minimiser of -g (w - w_old) + H/2 (w - w_old)^2 + a_j |w| + b_j/2 w^2
    z = hess * w_old + g
    w_new = (z - a_j if z > a_j else (z + a_j if z < -a_j else 0.0)) / (hess + b_j)
    w_new = min(max(w_new, w_old - MAX_INTERCEPT_STEP), w_old + MAX_INTERCEPT_STEP)
    w_new = min(max(w_new, lo), hi)
    step = w_new - w_old
    if step == 0.0:
        return 0.0
    W[c] = w_new
    _add_column(kind, X, data, indices, indptr, n, j, step, eta_l)
    _probabilities(lg, eta, prob)
    return (g * step - 0.5 * hess * step * step - a_j * (fabs(w_new) - fabs(w_old))
            - 0.5 * b_j * (w_new * w_new - w_old * w_old))


cdef void _polish(int kind, const floating[::1, :] X, const floating[::1] data,
                  const int[::1] indices, const Py_ssize_t[::1] indptr, const Lg* lg,
                  double* W, double* eta, double* prob, const int* ws, int m) noexcept nogil:
    """One cycle of proximal 1-D Newton steps (_feature_step) over the working set's
    coefficients, every block.  Used where the Newton steps through the driver
    stall: near the rounding level of the driver's model, whose working response
    carries eta (its gap cannot be certified below about eps ||eta||^2_H), which
    leaves each coefficient's optimality condition violated at the level the
    outer gap reads at first order (through the dual point's scaling)."""
    cdef int l, t
    for l in range(lg.k):
        for t in range(m):
            _feature_step(kind, X, data, indices, indptr, lg, ws[t], l, W, eta, prob)


cdef bint _exact_block(int kind, const floating[::1, :] X, const floating[::1] data,
                       const int[::1] indices, const Py_ssize_t[::1] indptr, const Lg* lg,
                       double* W, double* b0, double* eta, double* prob) noexcept nogil:
    """Solve the intercepts and the unpenalised features exactly given the others,
    before a gap is computed: the dual point is feasible only where they are
    stationary (sum_i theta0_i = 0, x_j^T theta0 = 0), and the gap a certificate
    only then.  Cyclic (projected) 1-D Newton steps until the decrease any would
    still give is below a millionth of tol (or the rounding level).  Returns
    whether anything moved."""
    cdef int it, l, u
    cdef double worst, d, scale = 0.0, floor
    cdef bint moved = False
    if lg.n_unpen == 0:
        return lg.intercept and _intercepts(lg, b0, eta, prob)
    for u in range(lg.n):
        scale += _weight(lg, u)
    floor = max(1e-6 * lg.tol, 1e-15 * scale) / (lg.k * (lg.n_unpen + 1))
    for it in range(MAX_INTERCEPT_STEPS):
        worst = 0.0
        if lg.intercept:
            moved = _intercepts(lg, b0, eta, prob) or moved
        for l in range(lg.k):
            for u in range(lg.n_unpen):
                d = _feature_step(kind, X, data, indices, indptr, lg, lg.unpen[u], l, W,
                                  eta, prob)
                if d > 0.0:
                    moved = True
                worst = max(worst, d)
        if worst <= floor:
            break
    return moved


cdef void _scan(int kind, const floating[::1, :] X, const floating[::1] data,
                const int[::1] indices, const Py_ssize_t[::1] indptr, const Lg* lg,
                const int* idx, int m, const double* theta, double theta_sum, double* g,
                const double* h, double* xmh, double* xn2h, int nt) noexcept nogil:
    """g_j = x~_j^T theta (x~ centred by the weighted means) for the features idx[:m]
    (all m = p if idx is NULL); with ``h`` (n weights summing to n), also their
    column statistics under h: means xmh (zeros without intercept) and
    xn2h_j = sum_i h_i (x_ij - xmh_j)^2, read while each column is in cache.
    Excluded and constant features get zeros."""
    cdef int t, j, n = lg.n
    cdef Py_ssize_t kk, k0, k1
    cdef double mean, acc, hs, d
    if nt > 1 and <long long> m * n < SCAN_WORK_PER_THREAD * nt:
        nt = max(1, <int> (<long long> m * n // SCAN_WORK_PER_THREAD))
    for t in prange(m, num_threads=nt, schedule="dynamic", chunksize=16,
                    use_threads_if=nt > 1):
        j = idx[t] if idx != NULL else t
        if lg.lip[j] == 0.0:
            g[j] = 0.0
            if h != NULL:
                xmh[j] = 0.0
                xn2h[j] = 0.0
            continue
        if kind == DENSE:
            g[j] = dot_centered(n, &X[0, j], 0.0, theta) - lg.xm[j] * theta_sum
            if h != NULL:
                mean = col_sum(n, &X[0, j], h) / n if lg.intercept else 0.0
                xmh[j] = mean
                xn2h[j] = col_sq_dev(n, &X[0, j], mean, h)
        else:
            k0 = indptr[j]
            k1 = indptr[j + 1]
            g[j] = (sparse_dot(<int> (k1 - k0), &data[k0], &indices[k0], NULL, theta)
                    if k1 > k0 else 0.0) - lg.xm[j] * theta_sum
            if h != NULL:
                mean = 0.0
                if lg.intercept:
                    acc = 0.0
                    for kk in range(k0, k1):
                        acc = acc + h[indices[kk]] * data[kk]
                    mean = acc / n
                acc = 0.0
                hs = 0.0
                for kk in range(k0, k1):
                    d = data[kk] - mean
                    acc = acc + h[indices[kk]] * d * d
                    hs = hs + h[indices[kk]]
                xmh[j] = mean
                # rows without an entry contribute h_i mean^2
                xn2h[j] = acc + max(n - hs, 0.0) * mean * mean


cdef double _penalty(const Lg* lg, const double* w, int off, const double* w2,
                     double t, const int* ws, int m) noexcept nogil:
    """The penalty of the features ws[:m] of block ``off:off + p`` (the others are 0)
    at w + t (w2 - w) (w2 NULL: at w; w2 holds the block's p entries)."""
    cdef int u, j
    cdef double v, f2, total = 0.0
    for u in range(m):
        j = off + ws[u]
        if lg.lip[j] == 0.0:
            continue
        v = w[j] if w2 == NULL else w[j] + t * (w2[j - off] - w[j])
        f2 = lg.l2f[j] if lg.l2f != NULL else lg.pf[j]
        total += lg.a * lg.pf[j] * fabs(v) + 0.5 * lg.b * f2 * v * v
    return total


cdef double _gap(const Lg* lg, const int* idx, int m, const double* w, const double* g,
                 const double* prob, double value) noexcept nogil:
    """The duality gap at w from g = X~^T theta0 and F = ``value``: of the whole
    problem (idx NULL), or of the problem restricted to the coefficients
    idx[:m] (indices into the k * p blocks), all others being 0."""
    cdef LgAt at
    at.y, at.s, at.prob, at.value, at.n, at.k = lg.y, lg.s, prob, value, lg.n, lg.k
    return enet_gap(idx, m if idx != NULL else lg.k * lg.p, g, w, lg.pf, lg.l2f, lg.lower,
                    lg.upper, lg.lip, lg.a, lg.b, lg.positive, &at, 0.0)


cdef int _newton_step(int kind, const floating[::1, :] X, const floating[::1] data,
                      const int[::1] indices, const Py_ssize_t[::1] indptr, const Lg* lg,
                      const CDParams* base, int cls, double kappa, double inner_tol,
                      int max_sweeps, double[::1] W, double* b0, double[:, ::1] N,
                      double[::1] G, double[::1] xmh, double[::1] xn2h, double[::1] gin,
                      double[::1] wn, int[::1] ws, const double[::1] pf_block,
                      const int* ws_idx, int ws_m, double* value) noexcept nogil:
    """One proximal Newton step on class ``cls``'s block (binomial: 0) restricted to
    the features ws_idx[:ws_m] (the others stay 0: their xn2h is 0), in place on
    W, b0 and the state rows of N, and on ``value`` (F at the point); returns the
    coordinate sweeps spent, or -1 when the model's minimiser is the current point.

    N's rows: [0, k) eta, [k, 2k) prob, [2k, 3k) theta0 (current for ``cls``), 3k a
    trial eta, then h, the centred working response, the residual, trial
    probabilities, and k rows of eta before a multinomial cycle (_remember).  ``kappa`` > 0:
    h (rescaled to sum to n by kappa), xmh, xn2h and the block of G are already
    those of the current point (the binomial gap scan reads them in the same
    pass); 0: computed here.
    """
    cdef int i, j, u, k = lg.k, n = lg.n, p = lg.p, off = cls * p, halvings
    cdef double* eta = &N[cls, 0]
    cdef double* prob = &N[k + cls, 0]
    cdef double* theta = &N[2 * k + cls, 0]
    cdef double* eta_new = &N[3 * k, 0]
    cdef double* h = &N[4 * k, 0]
    cdef double* zc = &N[4 * k + 1, 0]
    cdef double* R = &N[4 * k + 2, 0]
    cdef double theta_sum = 0.0, zbar = 0.0, cw = 0.0, b_new
    cdef double f0, p0, f_t, p_t, d0, t, slack
    cdef CDParams prm
    cdef CDResult res
    for i in range(n):
        theta_sum += theta[i]
    if kappa <= 0.0:
        kappa = _newton_weights(lg, prob, h)
        if kappa <= 0.0:
            return -1
        _scan(kind, X, data, indices, indptr, lg, ws_idx, ws_m, theta, theta_sum, &G[off],
              h, &xmh[0], &xn2h[0], lg.n_threads)
    # the working response z = eta + theta0 / h_true, h_true = h / kappa
    for i in range(n):
        zc[i] = eta[i] + (kappa * theta[i] / h[i] if h[i] > 0.0 else 0.0)
    if lg.intercept:
        for i in range(n):
            zbar += h[i] * zc[i]
        zbar /= n
        for u in range(ws_m):
            j = ws_idx[u]
            cw += xmh[j] * W[off + j]
    # the driver's state at the current w (warm): the residual y_c - X~_h w and
    # X~_h^T H r = kappa (X^T theta0 - xmh sum theta0)
    for i in range(n):
        R[i] = (kappa * theta[i] / h[i] if h[i] > 0.0 else 0.0) + b0[cls] + cw - zbar
        zc[i] -= zbar
    # (only the working set's: the driver leaves the others, of zero norm, at 0 --
    # and wn is 0 there, _working_set saw to it)
    for u in range(ws_m):
        j = ws_idx[u]
        gin[j] = kappa * (G[off + j] + (lg.xm[j] - xmh[j]) * theta_sum)
        wn[j] = W[off + j]
    prm = base[0]
    prm.pen.a = kappa * lg.a
    prm.pen.b = kappa * lg.b
    prm.opt.tol = kappa * inner_tol
    prm.opt.max_iter = max(max_sweeps, 1)
    prm.state.warm = True
    if lg.l2f != NULL:
        prm.pen.l2_factor = lg.l2f + off
    if lg.lower != NULL:
        prm.pen.lower = lg.lower + off
        prm.pen.upper = lg.upper + off
    if kind == DENSE:
        enet_dense(X, N[4 * k + 1, :n], N[4 * k, :n], xmh, xn2h, pf_block, &prm, wn,
                   N[4 * k + 2, :n], gin, ws, &res)
    else:
        enet_sparse(data, indices, indptr, N[4 * k + 1, :n], N[4 * k, :n], xmh, xn2h,
                    pf_block, &prm, wn, N[4 * k + 2, :n], gin, ws, &res)
    b_new = b0[cls]
    if lg.intercept:
        b_new = zbar
        for u in range(ws_m):
            b_new -= xmh[ws_idx[u]] * wn[ws_idx[u]]
    # eta of the model's minimiser: X~_h w' + zbar = (z - zbar) - r + zbar
    d0 = 0.0
    for i in range(n):
        eta_new[i] = zc[i] + zbar - R[i]
        d0 -= theta[i] * (eta_new[i] - eta[i])
    # backtracking on F + penalty; the penalty is convex, so its change along the
    # segment is at most t (P(w') - P(w)) (Tseng and Yun's sufficient decrease)
    f0 = value[0]
    p0 = _penalty(lg, &W[0], off, NULL, 0.0, ws_idx, ws_m)
    d0 += _penalty(lg, &W[0], off, &wn[0], 1.0, ws_idx, ws_m) - p0
    if _same(&W[off], &wn[0], ws_idx, ws_m) and b_new == b0[cls]:
        return -1               # the model's minimiser is the current point
    # (at the rounding level d0 may come out >= 0: a step that does not increase
    # the objective beyond rounding is still taken, the stall test of _fit ends it)
    slack = 4.0 * DBL_EPSILON * fabs(f0 + p0)
    t = 1.0
    for halvings in range(MAX_HALVINGS + 1):
        if k == 1:
            f_t = _binomial_along(lg, eta, eta_new, t, &N[4 * k + 3, 0])
        else:
            f_t = _loss_along(lg, &N[0, 0], cls, eta_new, t)
        p_t = _penalty(lg, &W[0], off, &wn[0], t, ws_idx, ws_m)
        if f_t + p_t <= f0 + p0 + ARMIJO * t * min(d0, 0.0) + slack:
            break
        t *= 0.5
    else:
        return -1
    for u in range(ws_m):
        j = ws_idx[u]
        W[off + j] += t * (wn[j] - W[off + j])
    b0[cls] += t * (b_new - b0[cls])
    for i in range(n):
        eta[i] += t * (eta_new[i] - eta[i])
    if k == 1:
        for i in range(n):
            prob[i] = N[4 * k + 3, i]
    else:
        _probabilities(lg, &N[0, 0], &N[k, 0])
    value[0] = f_t
    return res.n_iter


cdef bint _same(const double* u, const double* v, const int* ws, int m) noexcept nogil:
    """Whether u and v agree on the entries ws[:m]."""
    cdef int t
    for t in range(m):
        if u[ws[t]] != v[ws[t]]:
            return False
    return True


cdef double _newton_weights(const Lg* lg, const double* prob, double* h) noexcept nogil:
    """h_i = kappa s_i max(prob_i (1 - prob_i), H_FLOOR) with kappa making them sum to
    n (the driver's convention for weights); returns kappa (0: all weights zero)."""
    cdef int i
    cdef double q, total = 0.0, kappa
    for i in range(lg.n):
        q = prob[i] * (1.0 - prob[i])
        h[i] = _weight(lg, i) * max(q, H_FLOOR)
        total += h[i]
    if not total > 0.0:
        return 0.0
    kappa = lg.n / total
    for i in range(lg.n):
        h[i] *= kappa
    return kappa


cdef inline double _score(const Lg* lg, const double[::1] G, int j) noexcept nogil:
    """How far feature j, at 0 in every block, violates its optimality condition
    (its largest feasible |x~_j^T theta0| minus a pf_j, over the block's norm)."""
    cdef int l
    cdef double lo, hi, v, best = -INFINITY
    for l in range(lg.k):
        lo = lg.lower[l * lg.p + j] if lg.lower != NULL else -INFINITY
        hi = lg.upper[l * lg.p + j] if lg.upper != NULL else INFINITY
        if lg.positive and lo < 0.0:
            lo = 0.0
        v = -INFINITY
        if hi > 0.0:
            v = G[l * lg.p + j]
        if lo < 0.0:
            v = max(v, -G[l * lg.p + j])
        best = max(best, v - lg.a * lg.pf[j])
    return best / sqrt(lg.lip[j])


cdef void _select_top(double* score, int* item, int m, int top) noexcept nogil:
    """Reorder item[:m] (with their scores) so that the ``top`` best come first."""
    cdef int lo = 0, hi = m - 1, i, j, mid
    cdef double pivot, ts
    cdef int ti
    while lo < hi:
        mid = lo + (hi - lo) // 2
        pivot = score[mid]
        i, j = lo, hi
        while i <= j:
            while score[i] > pivot:
                i += 1
            while score[j] < pivot:
                j -= 1
            if i <= j:
                ts = score[i]
                score[i] = score[j]
                score[j] = ts
                ti = item[i]
                item[i] = item[j]
                item[j] = ti
                i += 1
                j -= 1
        if top - 1 <= j:
            hi = j
        elif top - 1 >= i:
            lo = i
        else:
            break


cdef int _working_set(const Lg* lg, const double[::1] W, const double[::1] G, int* ws,
                      int* cand, double* score, int* gidx, int size,
                      double[::1] xmh, double[::1] xn2h, double[::1] wn,
                      bint* complete) noexcept nogil:
    """The outer working set in ws: every feature nonzero in some block or
    unpenalised, and the ``size`` minus their number worst violators (at least
    one more when there is one); gidx[:k m] its coefficients' indices.  Zeroes
    the column statistics (the driver then leaves a feature outside it at 0) and
    the driver's coefficients (wn), which _newton_step fills on it alone.
    Returns its size m; ``complete``: no violator was left out."""
    cdef int j, l, m = 0, nc = 0, take
    cdef bint keep
    for j in range(lg.p):
        xmh[j] = 0.0
        xn2h[j] = 0.0
        wn[j] = 0.0
        if lg.lip[j] == 0.0:
            continue
        keep = lg.pf[j] == 0.0 or lg.a == 0.0
        for l in range(lg.k):
            keep = keep or W[l * lg.p + j] != 0.0
        if keep:
            ws[m] = j
            m += 1
        else:
            score[nc] = _score(lg, G, j)
            if score[nc] > 0.0:
                cand[nc] = j
                nc += 1
    take = min(nc, max(size - m, 1))
    complete[0] = take == nc
    if take < nc:
        _select_top(score, cand, nc, take)
    for j in range(take):
        ws[m + j] = cand[j]
    m += take
    for l in range(lg.k):
        for j in range(m):
            gidx[l * m + j] = l * lg.p + ws[j]
    return m


cdef double _shift_cost(const double* v, int k, double c, double a_j, double b_j) noexcept nogil:
    cdef int l
    cdef double total = 0.0
    for l in range(k):
        total += a_j * fabs(v[l] - c) + 0.5 * b_j * (v[l] - c) * (v[l] - c)
    return total


cdef double _best_shift(const Lg* lg, const double[::1] W, int j, double* v) noexcept nogil:
    """The c minimising feature j's penalty sum_l h(w_lj - c) over the classes, within
    the shifts its box allows: the softmax does not change when every class's
    coefficient moves by the same c, so the multinomial optimum has the smallest
    penalty among them (glmnet's elastic-net centring).  0 when 0 is as good."""
    cdef int l, m, k = lg.k
    cdef double a_j = lg.a * lg.pf[j], b_j = lg.b * (lg.l2f[j] if lg.l2f != NULL else lg.pf[j])
    cdef double lo = -INFINITY, hi = INFINITY, total = 0.0, c, best_c = 0.0, best, cost
    cdef double vmin = INFINITY, vmax = -INFINITY
    if a_j == 0.0 and b_j == 0.0:
        return 0.0
    for l in range(k):
        v[l] = W[l * lg.p + j]
        total += v[l]
        vmin = min(vmin, v[l])
        vmax = max(vmax, v[l])
        if lg.lower != NULL:
            lo = max(lo, v[l] - lg.upper[l * lg.p + j])
            hi = min(hi, v[l] - lg.lower[l * lg.p + j])
        if lg.positive:
            hi = min(hi, v[l])
    if vmin == vmax == 0.0 or lo > hi:
        return 0.0
    best = _shift_cost(v, k, min(max(0.0, lo), hi), a_j, b_j)
    best_c = min(max(0.0, lo), hi)
    # the minimiser is a breakpoint (some w_lj) or, between two, the stationary point
    # of that piece: c = (b sum w + a (#above - #below)) / (b k)
    for l in range(k + 1):
        if l < k:
            c = v[l]
        elif b_j > 0.0:
            c = total / k
        else:
            continue
        for m in range(2):
            if m == 1:
                if b_j == 0.0:
                    break
                c = (b_j * total + a_j * (_count_above(v, k, c) - _count_below(v, k, c))) / (
                    b_j * k)
            c = min(max(c, lo), hi)
            cost = _shift_cost(v, k, c, a_j, b_j)
            if cost < best * (1.0 - 1e-15):
                best, best_c = cost, c
    return best_c


cdef inline double _count_above(const double* v, int k, double c) noexcept nogil:
    cdef int l
    cdef double count = 0.0
    for l in range(k):
        count += v[l] > c
    return count


cdef inline double _count_below(const double* v, int k, double c) noexcept nogil:
    cdef int l
    cdef double count = 0.0
    for l in range(k):
        count += v[l] < c
    return count


cdef void _center(int kind, const floating[::1, :] X, const floating[::1] data,
                  const int[::1] indices, const Py_ssize_t[::1] indptr, const Lg* lg,
                  double[::1] W, double[:, ::1] N, const int* ws, int m,
                  double* buf) noexcept nogil:
    """Shift each working-set feature's coefficients over the classes by their best
    common c (_best_shift): the loss is unchanged, the penalty decreases.  eta
    follows (the same vector subtracted from every class: prob is unchanged)."""
    cdef int t, j, i, l, n = lg.n
    cdef double c
    cdef double* d = &N[3 * lg.k, 0]
    cdef bint moved = False
    for i in range(n):
        d[i] = 0.0
    for t in range(m):
        j = ws[t]
        c = _best_shift(lg, W, j, buf)
        if c == 0.0:
            continue
        moved = True
        for l in range(lg.k):
            W[l * lg.p + j] -= c
        _add_column(kind, X, data, indices, indptr, n, j, c, d)
    if moved:
        for l in range(lg.k):
            for i in range(n):
                N[l, i] -= d[i]


cdef void _remember(const Lg* lg, const double[::1] W, const double* b0,
                    double[:, ::1] N, const int* ws, int m, double* WP,
                    double* BP) noexcept nogil:
    """Keep the working set's coefficients, the intercepts and eta (N's last k rows)
    before a cycle of class steps, for _extrapolate."""
    cdef int l, t, k = lg.k
    cdef Py_ssize_t i
    cdef double* eta_prev = &N[4 * k + 4, 0]
    cdef const double* eta = &N[0, 0]
    for l in range(k):
        BP[l] = b0[l]
        for t in range(m):
            WP[l * m + t] = W[l * lg.p + ws[t]]
    for i in range(<Py_ssize_t> k * lg.n):
        eta_prev[i] = eta[i]


cdef void _extrapolate(const Lg* lg, double[::1] W, double* b0, double[:, ::1] N,
                       const int* ws, int m, const double* WP, const double* BP,
                       double* value) noexcept nogil:
    """After a cycle of class steps (a multinomial model), try the point as far again
    along the cycle's direction, and keep it when it lowers the objective.

    The class-by-class steps ignore the coupling of the classes through the softmax
    (the Hessian's off-diagonal blocks), and on data where it is strong each cycle
    only shrinks the gap by a constant factor (0.3 on a 90 x 6, 3-class problem);
    the cycles then move in nearly the same direction, which one extrapolated step
    follows further.  Not with a box (the extrapolated point could leave it)."""
    cdef int l, t, i, j, k = lg.k, n = lg.n
    cdef Py_ssize_t kn = <Py_ssize_t> k * n
    cdef double* eta = &N[0, 0]
    cdef double* eta_prev = &N[4 * k + 4, 0]
    cdef double* trial = &N[2 * k, 0]      # (theta0's rows: recomputed after this)
    cdef double p_now = 0.0, p_ext = 0.0, f_ext, v, f2
    if lg.lower != NULL or lg.positive:
        return
    for l in range(k):
        for t in range(m):
            j = l * lg.p + ws[t]
            f2 = lg.l2f[j] if lg.l2f != NULL else lg.pf[j]
            v = W[j]
            p_now += lg.a * lg.pf[j] * fabs(v) + 0.5 * lg.b * f2 * v * v
            v = 2.0 * W[j] - WP[l * m + t]
            p_ext += lg.a * lg.pf[j] * fabs(v) + 0.5 * lg.b * f2 * v * v
    for i in range(kn):
        trial[i] = 2.0 * eta[i] - eta_prev[i]
    f_ext = _loss(lg, trial)
    if not f_ext + p_ext < value[0] + p_now:
        return
    for l in range(k):
        b0[l] = 2.0 * b0[l] - BP[l]
        for t in range(m):
            j = l * lg.p + ws[t]
            W[j] = 2.0 * W[j] - WP[l * m + t]
    for i in range(kn):
        eta[i] = trial[i]
    _probabilities(lg, eta, &N[k, 0])
    value[0] = f_ext


cdef inline bint _done(const Lg* lg, double gap, double target, int newton,
                       int used) noexcept nogil:
    """Whether a gap reached its target, or the fit its budget (or an interruption)."""
    return (gap <= target or newton >= MAX_NEWTON or used >= lg.max_iter
            or (lg.stop != NULL and lg.stop[0] != 0))


cdef inline bint _no_new_low(double gap, double* best, int* stall) noexcept nogil:
    """Count the checks in a row that made no new low of the gap (by STALL_DECREASE);
    whether they reached STALL_STEPS."""
    if gap < STALL_DECREASE * best[0]:
        best[0] = gap
        stall[0] = 0
        return False
    stall[0] += 1
    return stall[0] >= STALL_STEPS


cdef double _fit(int kind, const floating[::1, :] X, const floating[::1] data,
                 const int[::1] indices, const Py_ssize_t[::1] indptr, const Lg* lg,
                 const CDParams* base, double[::1] W, double* b0, double[:, ::1] N,
                 double[::1] G, double[::1] xmh, double[::1] xn2h, double[::1] gin,
                 double[::1] wn, int[::1] ws, const double[::1] pf_row,
                 int[:, ::1] IB, double[::1] score, double[::1] WP, double[::1] BP,
                 bint current, int* sweeps, double* value) noexcept nogil:
    """Minimise the logistic objective at one alpha from the current point (W, b0
    and the state rows of N consistent with them); returns the duality gap, with
    the sweeps spent and F at the returned point.  On return G, theta0 (N's rows)
    and F (``value``) are those of the returned point, every feature's G included:
    ``current`` says so of the starting point (the previous alpha's return), whose
    first full scan is then skipped.

    Outer iterations: the full gap (a scan of every feature), then a working set
    (the nonzero features and the worst violators, at least twice the nonzero
    count) on which proximal Newton steps run until the working set's own gap is
    small against the full one (or at tol), each step reading only the working
    set's columns.  IB's rows: the working set, candidates, coefficient indices,
    working-set stamps.
    """
    cdef int outer, it, l, r, k = lg.k, p = lg.p, used = 0, stall = 0, m, nnz, size = 0
    cdef int newton = 0, ws_stall, polish
    cdef int* ows = &IB[0, 0]
    cdef int* gidx = &IB[2, 0]
    cdef double gap = INFINITY, gap_ws, ws_best, theta_sum, kappa, v = 0.0, inner_tol
    cdef double best = INFINITY, target, floor
    cdef bint moved, complete, settled
    cdef int* stamp = &IB[3, 0]     # outer iteration + 1 of a feature's last working set
    for r in range(p):
        stamp[r] = 0
    if current:
        v = value[0]
    for outer in range(MAX_NEWTON + 1):
        if outer == 0 and not current:  # (later: the working-set loop leaves them current)
            _exact_block(kind, X, data, indices, indptr, lg, &W[0], b0, &N[0, 0], &N[k, 0])
            v = _loss(lg, &N[0, 0])
        for l in range(k if outer > 0 or not current else 0):
            theta_sum = _theta(lg, &N[k, 0], &N[2 * k, 0], l)
            _scan(kind, X, data, indices, indptr, lg, NULL, p, &N[2 * k + l, 0], theta_sum,
                  &G[l * p], NULL, NULL, NULL, lg.n_threads)
        gap = _gap(lg, NULL, 0, &W[0], &G[0], &N[k, 0], v)
        if _done(lg, gap, lg.tol, newton, used) or _no_new_low(gap, &best, &stall):
            break
        nnz = 0
        for r in range(k * p):
            nnz += W[r] != 0.0
        size = max(max(2 * nnz, WS_MIN), 2 * size if stall > 0 else size)
        m = _working_set(lg, W, G, ows, &IB[1, 0], &score[0], gidx, size, xmh, xn2h, wn,
                         &complete)
        # the working set's problem is solved to a gap that follows the full one
        # superlinearly (see WS_RATIO), down to half the tol -- and to that at
        # once when it has settled (every violator in it, no feature new since the
        # last one): the full gap will then most likely be the working set's, and a
        # full scan in between would only say so
        target = WS_RATIO * gap
        if v > 0.0:
            target = min(target, gap * gap / v)
        target = max(target, 0.5 * lg.tol)
        # settled: every violator is in it and it is no larger than the last
        settled = complete and outer > 0
        for r in range(m):
            settled = settled and stamp[ows[r]] == outer
        for r in range(m):
            stamp[ows[r]] = outer + 1
        if settled:
            target = 0.5 * lg.tol
        ws_best = INFINITY
        ws_stall = 0
        polish = 0
        for it in range(MAX_NEWTON):
            kappa = 0.0
            if k == 1:      # the Newton step's column statistics beside the gap's scan
                theta_sum = 0.0
                for r in range(lg.n):
                    theta_sum += N[2, r]
                kappa = _newton_weights(lg, &N[1, 0], &N[4, 0])
                _scan(kind, X, data, indices, indptr, lg, ows, m, &N[2, 0], theta_sum,
                      &G[0], &N[4, 0] if kappa > 0.0 else NULL, &xmh[0], &xn2h[0],
                      lg.n_threads)
            elif it > 0:
                for l in range(k):
                    theta_sum = _theta(lg, &N[k, 0], &N[2 * k, 0], l)
                    _scan(kind, X, data, indices, indptr, lg, ows, m, &N[2 * k + l, 0],
                          theta_sum, &G[l * p], NULL, NULL, NULL, lg.n_threads)
            gap_ws = _gap(lg, gidx, k * m, &W[0], &G[0], &N[k, 0], v)
            if _done(lg, gap_ws, target, newton, used):
                break
            if _no_new_low(gap_ws, &ws_best, &ws_stall):
                if polish >= MAX_POLISH:
                    break
                ws_stall = 0        # coordinate steps on the true objective instead
                polish += 1
            if polish > 0:
                _polish(kind, X, data, indices, indptr, lg, &W[0], &N[0, 0], &N[k, 0],
                        ows, m)
                polish += 1
                if polish > MAX_POLISH:
                    break
                _exact_block(kind, X, data, indices, indptr, lg, &W[0], b0, &N[0, 0],
                             &N[k, 0])
                v = _loss(lg, &N[0, 0])
                if k == 1:
                    _theta(lg, &N[1, 0], &N[2, 0], 0)
                continue
            inner_tol = INNER_RATIO * gap_ws
            if v > 0.0:
                inner_tol = min(inner_tol, gap_ws * gap_ws / v)
            # (not below what the target needs: the outer gap is of first order in a
            # coefficient's optimality violation -- through the dual point's scaling --
            # where a model's gap is of second order, so a multinomial model, which
            # sees one class, is solved to about target^2 / F once the working set's
            # gap is near its target; the binomial model sees the whole problem, and
            # its steps end well below the floor anyway)
            floor = INNER_FINAL * target
            if v > 0.0 and k > 1:
                floor = min(floor, target * target / v)
            inner_tol = max(inner_tol, floor) / k
            moved = False
            newton += 1
            if k > 1:
                _remember(lg, W, b0, N, ows, m, &WP[0], &BP[0])
            for l in range(k):
                if l > 0:       # the earlier classes' steps moved every probability
                    _theta(lg, &N[k, 0], &N[2 * k, 0], l)
                r = _newton_step(kind, X, data, indices, indptr, lg, base, l, kappa,
                                 inner_tol, lg.max_iter - used, W, b0, N, G, xmh, xn2h,
                                 gin, wn, ws, pf_row[l * p:(l + 1) * p], ows, m, &v)
                if r >= 0:
                    used += r
                    moved = True
            if not moved:
                break
            if k > 1:
                _center(kind, X, data, indices, indptr, lg, W, N, ows, m, &score[0])
                _extrapolate(lg, W, b0, N, ows, m, &WP[0], &BP[0], &v)
            if _exact_block(kind, X, data, indices, indptr, lg, &W[0], b0, &N[0, 0],
                            &N[k, 0]):
                v = _loss(lg, &N[0, 0])
            if k == 1:
                _theta(lg, &N[1, 0], &N[2, 0], 0)
    sweeps[0] = used
    value[0] = v
    return gap


cdef void _start(int kind, const floating[::1, :] X, const floating[::1] data,
                 const int[::1] indices, const Py_ssize_t[::1] indptr, const Lg* lg,
                 const double[::1] W, const double* b0, double[:, ::1] N) noexcept nogil:
    """The state rows of N at (W, b0): eta = X w + b0 per block, and prob."""
    cdef int i, j, l, n = lg.n, p = lg.p
    cdef double* eta
    cdef double wj
    for l in range(lg.k):
        eta = &N[l, 0]
        for i in range(n):
            eta[i] = b0[l]
        for j in range(p):
            wj = W[l * p + j]
            if wj == 0.0 or lg.lip[j] == 0.0:
                continue
            _add_column(kind, X, data, indices, indptr, n, j, wj, eta)
    _probabilities(lg, &N[0, 0], &N[lg.k, 0])


cdef bint _round_to_float(double[::1] w) noexcept nogil:
    """Round w to float32 values in place; whether any changed."""
    cdef Py_ssize_t j
    cdef double v
    cdef bint changed = False
    for j in range(w.shape[0]):
        v = <double> (<float> w[j])
        if v != w[j]:
            w[j] = v
            changed = True
    return changed


# glmnet's early stop of a path: the fraction of deviance explained passes DEV_MAX
# (the data are (nearly) separable: the coefficients grow without bound), or it
# changes by less than DEV_CHANGE (relative) from one alpha to the next, after
# DEV_MIN_ALPHAS alphas.
cdef double DEV_MAX = 0.999
cdef double DEV_CHANGE = 1e-5
cdef int DEV_MIN_ALPHAS = 5


def solve_logistic_paths(int kind, const floating[::1, :] X, const floating[::1] data,
                         const int[::1] indices, const Py_ssize_t[::1] indptr, *,
                         const double[:, ::1] labels, int n_blocks,
                         const double[:, ::1] sample_weight, const double[:, ::1] x_mean,
                         const double[:, ::1] lip, const double[:, ::1] l1_factor,
                         const double[:, ::1] l2_factor, const double[::1] lower,
                         const double[::1] upper, bint positive, bint fit_intercept,
                         const int[::1] group, const int[::1] target,
                         const double[:, ::1] a, const double[:, ::1] b,
                         const double[::1] tol, const double[::1] null_loss,
                         double[:, ::1] coef, double[:, ::1] intercept,
                         floating[:, :, ::1] coefs, double[:, :, ::1] intercepts,
                         double[:, ::1] gaps, double[:, ::1] loss, int[:, ::1] n_iter,
                         int[:, ::1] df, int[::1] n_done, int max_iter, int n_threads):
    """Run the logistic paths of every problem, in parallel over problems.

    ``kind`` 1: dense X (Fortran order), 2: CSC (data, indices, indptr; canonical).
    A problem is a row of ``labels`` (``target``: (T, n), 0/1 or class indices
    0..n_blocks-1 when ``n_blocks`` > 1) under a group (``group``): sample weights
    (``sample_weight`` (G, n) summing to n, or (G, 0) for unit weights), weighted
    column means (``x_mean``, zeros without intercept), and per coefficient (G,
    n_blocks * p): curvature bounds 1/4 ||x~_j||^2_S (0: excluded), L1 and L2
    factors (l2_factor (G, 0): = l1); bounds (n_blocks * p, or empty) shared.
    Along its alphas (a, b: (P, M) per-sum strengths) each problem starts from
    ``coef`` (P, n_blocks * p) and ``intercept`` (P, n_blocks), which receive
    its last solution; ``tol`` (P,) absolute gap tolerances.  Per alpha:
    ``coefs`` (M, P, n_blocks * p), zeros, receives the nonzero coefficients,
    ``intercepts`` (M, P, n_blocks), ``gaps``/``loss``/``n_iter``/``df`` (P, M)
    the gap, F, the sweeps (at most ``max_iter`` per block) and the nonzero count. With
    ``null_loss`` (P,) a path stops early by glmnet's rule (see DEV_MAX); ``n_done``
    (P,) the alphas run.
    """
    cdef Py_ssize_t n = labels.shape[1], p = x_mean.shape[1], M = a.shape[1]
    cdef Py_ssize_t P = a.shape[0], G_ = x_mean.shape[0], t, j
    cdef int k = n_blocks, kp = n_blocks * p, nt = max(1, min(n_threads, <int> P))
    cdef int inner_nt = max(1, n_threads) if P == 1 else 1
    cdef int tid, gi, ci, mi, l, sweeps, nnz, rounded_sweeps
    cdef double gap, value, dev, prev_dev
    cdef bint has_null = null_loss.shape[0] > 0, weighted = sample_weight.shape[1] > 0
    cdef bint has_l2 = l2_factor.shape[1] > 0, boxed = lower.shape[0] > 0
    if kind not in (DENSE, SPARSE):
        raise ValueError("solve_logistic_paths: kind must be 1 or 2")
    if kind == DENSE and (X.shape[0] != n or X.shape[1] != p):
        raise ValueError("solve_logistic_paths: X must have shape (n, p)")
    if kind == SPARSE and (indptr.shape[0] != p + 1 or indptr[p] > data.shape[0]
                           or indices.shape[0] < indptr[p]):
        raise ValueError("solve_logistic_paths: bad CSC arrays")
    if (k < 1 or lip.shape[0] != G_ or lip.shape[1] != kp or l1_factor.shape[1] != kp
            or l1_factor.shape[0] != G_ or (has_l2 and l2_factor.shape[1] != kp)
            or sample_weight.shape[1] not in (0, n) or sample_weight.shape[0] != G_
            or (boxed and (lower.shape[0] != kp or upper.shape[0] != kp))):
        raise ValueError("solve_logistic_paths: inconsistent group arrays")
    if (b.shape[0] != P or b.shape[1] != M or group.shape[0] != P or target.shape[0] != P
            or tol.shape[0] != P or coef.shape[0] != P or coef.shape[1] != kp
            or intercept.shape[0] != P or intercept.shape[1] != k
            or coefs.shape[0] != M or coefs.shape[1] != P or coefs.shape[2] != kp
            or intercepts.shape[0] != M or intercepts.shape[1] != P
            or intercepts.shape[2] != k or gaps.shape[0] != P or gaps.shape[1] != M
            or loss.shape[0] != P or loss.shape[1] != M or n_iter.shape[0] != P
            or n_iter.shape[1] != M or df.shape[0] != P or df.shape[1] != M
            or n_done.shape[0] != P or (has_null and null_loss.shape[0] != P)):
        raise ValueError("solve_logistic_paths: inconsistent problem arrays")
    for t in range(P):
        if not (0 <= group[t] < G_ and 0 <= target[t] < labels.shape[0]):
            raise ValueError("solve_logistic_paths: group or target out of range")
    if P == 0:
        return
    # the sweeps of an alpha: max_iter per coefficient block (class), all its Newton
    # steps together
    cdef int budget = <int> min(<long long> max_iter * k, 2147483647)
    cdef CDParams base = make_params(0.0, 0.0, 0.0, budget)
    base.pen.positive = positive
    base.opt.n_threads = inner_nt
    cdef volatile int stop_flag = 0
    _watch(&base, &stop_flag)
    cdef bint main_thread = base.ctl.check_signals
    cdef double[:, :, ::1] NB = np.empty((nt, 5 * k + 4, max(n, 1)))
    cdef double[:, ::1] GB = np.empty((nt, max(kp, 1)))
    cdef double[:, ::1] XMH = np.empty((nt, max(p, 1)))
    cdef double[:, ::1] XN2H = np.empty((nt, max(p, 1)))
    cdef double[:, ::1] GIN = np.empty((nt, max(p, 1)))
    cdef double[:, ::1] WN = np.empty((nt, max(p, 1)))
    cdef int[:, ::1] WS = np.empty((nt, max(p, 1)), dtype=np.intc)
    cdef int[:, :, ::1] IBS = np.empty((nt, 5, max(kp, 1)), dtype=np.intc)
    # (violation scores of the p features; also the k values of _best_shift)
    cdef double[:, ::1] SCORE = np.empty((nt, max(p, k, 1)))
    # the working set's coefficients and the intercepts before a multinomial cycle
    cdef double[:, ::1] WPB = np.empty((nt, max(kp, 1)))
    cdef double[:, ::1] BPB = np.empty((nt, k))
    cdef CDParams* params = <CDParams*> malloc(nt * sizeof(CDParams))
    cdef Lg* lgs = <Lg*> malloc(nt * sizeof(Lg))
    if params == NULL or lgs == NULL:
        free(params)
        free(lgs)
        raise MemoryError("solve_logistic_paths: cannot allocate the thread workspaces")
    try:
        with nogil:
            for t in prange(P, num_threads=nt, schedule="dynamic", chunksize=1,
                            use_threads_if=nt > 1):
                tid = threadid()
                gi = group[t]
                ci = target[t]
                params[tid] = base
                params[tid].ctl.check_signals = main_thread and tid == 0
                lgs[tid].n, lgs[tid].p, lgs[tid].k = <int> n, <int> p, k
                lgs[tid].y = &labels[ci, 0]
                lgs[tid].s = &sample_weight[gi, 0] if weighted else NULL
                lgs[tid].xm = &x_mean[gi, 0] if p > 0 else NULL
                lgs[tid].lip = &lip[gi, 0] if kp > 0 else NULL
                lgs[tid].pf = &l1_factor[gi, 0] if kp > 0 else NULL
                lgs[tid].l2f = &l2_factor[gi, 0] if has_l2 and kp > 0 else NULL
                lgs[tid].lower = &lower[0] if boxed else NULL
                lgs[tid].upper = &upper[0] if boxed else NULL
                lgs[tid].positive = positive
                lgs[tid].intercept = fit_intercept
                lgs[tid].tol = tol[t]
                lgs[tid].max_iter = budget
                lgs[tid].n_threads = inner_nt
                lgs[tid].stop = &stop_flag
                lgs[tid].unpen = &IBS[tid, 4, 0]
                lgs[tid].n_unpen = 0
                for j in range(p):
                    if lip[gi, j] > 0.0 and l1_factor[gi, j] == 0.0:
                        IBS[tid, 4, lgs[tid].n_unpen] = <int> j
                        lgs[tid].n_unpen = lgs[tid].n_unpen + 1
                _start(kind, X, data, indices, indptr, &lgs[tid], coef[t], &intercept[t, 0],
                       NB[tid])
                prev_dev = 0.0
                value = 0.0     # (assigned here: private to the thread, as sweeps)
                sweeps = 0
                for mi in range(M):
                    if stop_flag:
                        break
                    lgs[tid].a = a[t, mi]
                    lgs[tid].b = b[t, mi]
                    gap = _fit(kind, X, data, indices, indptr, &lgs[tid], &params[tid],
                               coef[t], &intercept[t, 0], NB[tid], GB[tid], XMH[tid],
                               XN2H[tid], GIN[tid], WN[tid], WS[tid], l1_factor[gi],
                               IBS[tid], SCORE[tid], WPB[tid], BPB[tid], mi > 0, &sweeps,
                               &value)
                    if floating is float and _round_to_float(coef[t]):
                        # float32 coefficients are returned: report their gap (a full
                        # scan at the rounded point, no iteration)
                        _start(kind, X, data, indices, indptr, &lgs[tid], coef[t],
                               &intercept[t, 0], NB[tid])
                        lgs[tid].max_iter = 0
                        gap = _fit(kind, X, data, indices, indptr, &lgs[tid], &params[tid],
                                   coef[t], &intercept[t, 0], NB[tid], GB[tid], XMH[tid],
                                   XN2H[tid], GIN[tid], WN[tid], WS[tid], l1_factor[gi],
                                   IBS[tid], SCORE[tid], WPB[tid], BPB[tid], False,
                                   &rounded_sweeps, &value)
                        rounded_sweeps = 0      # (assigned: private to the thread)
                        lgs[tid].max_iter = budget
                    gaps[t, mi] = gap
                    loss[t, mi] = value
                    n_iter[t, mi] = sweeps
                    nnz = 0
                    for j in range(kp):
                        if coef[t, j] != 0.0:
                            coefs[mi, t, j] = <floating> coef[t, j]
                            nnz = nnz + 1
                    df[t, mi] = nnz
                    for l in range(k):
                        intercepts[mi, t, l] = intercept[t, l]
                    n_done[t] = mi + 1
                    if has_null and null_loss[t] > 0.0:
                        dev = 1.0 - value / null_loss[t]
                        if dev > DEV_MAX or (mi + 1 >= DEV_MIN_ALPHAS
                                             and dev - prev_dev < DEV_CHANGE * dev):
                            break
                        prev_dev = dev
        if stop_flag:
            raise_pending()
    finally:
        free(params)
        free(lgs)
