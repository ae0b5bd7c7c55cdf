# cython: language_level=3
"""Small GIL-free building blocks shared by the coordinate-descent kernels.

Every kernel works on the *per-sum* objective

    P(w) = 1/2 sum_i s_i (r_i)^2 + sum_j pf_j (a |w_j| + b/2 w_j^2),
    r = y_c - (X - 1 xbar^T) w,

with sample weights ``s`` summing to n (all ones when unweighted).  Dot
products are accumulated in double by the vectorised routines of ``_simd.h``
(AVX2/AVX-512 chosen at load time on x86-64).
"""
from cython cimport floating
from libc.math cimport INFINITY, fabs, sqrt


cdef extern from "_simd.h" nogil:
    int fp_simd_level()
    double fp_dot_d(int n, const double* x, double xbar, const double* r)
    double fp_dot_f(int n, const float* x, double xbar, const double* r)
    double fp_wdot_d(int n, const double* x, double xbar, const double* s, const double* r)
    double fp_wdot_f(int n, const float* x, double xbar, const double* s, const double* r)
    double fp_sum_d(int n, const double* x)
    double fp_sum_f(int n, const float* x)
    double fp_sqdev_d(int n, const double* x, double xbar, const double* s)
    double fp_sqdev_f(int n, const float* x, double xbar, const double* s)
    double fp_sqdev_dot_d(int n, const double* x, double xbar, const double* s,
                          const double* r, double* dot)
    double fp_sqdev_dot_f(int n, const float* x, double xbar, const double* s,
                          const double* r, double* dot)
    void fp_axpy_d(int n, double alpha, const double* x, double xbar, double* r)
    void fp_axpy_f(int n, double alpha, const float* x, double xbar, double* r)
    double fp_spdot_d(int n, const double* x, const int* ind, const double* s, const double* r)
    double fp_spdot_f(int n, const float* x, const int* ind, const double* s, const double* r)
    void fp_spaxpy_d(int n, double alpha, const double* x, const int* ind, double* r)
    void fp_spaxpy_f(int n, double alpha, const float* x, const int* ind, double* r)


cdef inline double dot_centered(int n, const floating* x, double xbar,
                                const double* r) noexcept nogil:
    """sum_i (x_i - xbar) r_i, accumulated in double (vectorised, _simd.h)."""
    if floating is double:
        return fp_dot_d(n, x, xbar, r)
    else:
        return fp_dot_f(n, x, xbar, r)


cdef inline double wdot_centered(int n, const floating* x, double xbar, const double* s,
                                 const double* r) noexcept nogil:
    """sum_i (x_i - xbar) s_i r_i, accumulated in double (vectorised, _simd.h)."""
    if floating is double:
        return fp_wdot_d(n, x, xbar, s, r)
    else:
        return fp_wdot_f(n, x, xbar, s, r)


cdef inline double sparse_dot(int n, const floating* x, const int* ind, const double* s,
                              const double* r) noexcept nogil:
    """sum_k x_k s_{ind_k} r_{ind_k} over one CSC column (s NULL: unit weights)."""
    if floating is double:
        return fp_spdot_d(n, x, ind, s, r)
    else:
        return fp_spdot_f(n, x, ind, s, r)


cdef inline void sparse_axpy(int n, double alpha, const floating* x, const int* ind,
                             double* r) noexcept nogil:
    """r_{ind_k} += alpha x_k over one CSC column (its row indices distinct)."""
    if floating is double:
        fp_spaxpy_d(n, alpha, x, ind, r)
    else:
        fp_spaxpy_f(n, alpha, x, ind, r)


cdef inline double col_sum(int n, const floating* x, const double* s) noexcept nogil:
    """sum_i s_i x_i (s NULL: unit weights), accumulated in double."""
    if s != NULL:
        return dot_centered(n, x, 0.0, s)
    if floating is double:
        return fp_sum_d(n, x)
    else:
        return fp_sum_f(n, x)


cdef inline double col_sq_dev(int n, const floating* x, double mean,
                              const double* s) noexcept nogil:
    """sum_i s_i (x_i - mean)^2 (s NULL: unit weights), accumulated in double."""
    if floating is double:
        return fp_sqdev_d(n, x, mean, s)
    else:
        return fp_sqdev_f(n, x, mean, s)


cdef inline double col_sq_dev_dot(int n, const floating* x, double mean, const double* s,
                                  const double* r, double* dot) noexcept nogil:
    """col_sq_dev, and dot = sum_i (x_i - mean) s_i r_i, in one pass."""
    if floating is double:
        return fp_sqdev_dot_d(n, x, mean, s, r, dot)
    else:
        return fp_sqdev_dot_f(n, x, mean, s, r, dot)


cdef inline void axpy_centered(int n, double alpha, const floating* x, double xbar,
                               double* r) noexcept nogil:
    """r += alpha * (x - xbar), centring first (exact for columns with a large offset)."""
    if floating is double:
        fp_axpy_d(n, alpha, x, xbar, r)
    else:
        fp_axpy_f(n, alpha, x, xbar, r)


cdef inline double cd_update(double z, double norm2, double a_j, double b_j,
                             bint positive) noexcept nogil:
    """Exact minimiser of 1/2 norm2 w^2 - z w + a_j |w| + b_j/2 w^2 (w >= 0 if positive)."""
    if z > a_j:
        return (z - a_j) / (norm2 + b_j)
    if z < -a_j and not positive:
        return (z + a_j) / (norm2 + b_j)
    return 0.0


cdef inline double conjugate(double z, double a1, double b2, double lo,
                             double hi) noexcept nogil:
    """sup over lo <= w <= hi of z w - a1 |w| - b2/2 w^2 (finite by the caller's scaling)."""
    cdef double w
    if b2 > 0.0:
        w = (z - a1) / b2 if z > a1 else ((z + a1) / b2 if z < -a1 else 0.0)
        w = min(max(w, lo), hi)
    else:
        # an infinite side is only reached by z within rounding of a1 (the caller's
        # scaling makes |z| <= a1 there): the supremum is then 0
        w = hi if (z > a1 and hi < INFINITY) else (
            lo if (z < -a1 and lo > -INFINITY) else 0.0)
    if w == 0.0:
        return 0.0
    return z * w - a1 * fabs(w) - 0.5 * b2 * w * w


cdef inline bint box_conjugate_finite(double g, double lo, double hi) noexcept nogil:
    """Whether the conjugate of a box indicator is finite at (a positive multiple of) g."""
    return (g <= 0.0 or hi < INFINITY) and (g >= 0.0 or lo > -INFINITY)


cdef inline double box_gap(double c, const int* idx, int m, const double* g,
                           const double* w, const double* pf, const double* pf2,
                           const double* lower, const double* upper, const double* norm2,
                           double a, double b, bint penalised, double r_norm2,
                           double r_dot_y, double l1, double l2) noexcept nogil:
    """Fenchel gap with box constraints at the dual point c * r."""
    cdef int k, j
    cdef double f2, terms = 0.0
    for k in range(m):
        j = idx[k] if idx != NULL else k
        if norm2[j] == 0.0:
            continue
        if pf[j] == 0.0 or not penalised:     # unpenalised: the box alone
            if box_conjugate_finite(g[j], lower[j], upper[j]):
                terms += conjugate(c * g[j], 0.0, 0.0, lower[j], upper[j])
            continue
        f2 = pf2[j] if pf2 != NULL else pf[j]
        terms += conjugate(c * g[j], a * pf[j], b * f2, lower[j], upper[j])
    return 0.5 * (1.0 + c * c) * r_norm2 - c * r_dot_y + a * l1 + 0.5 * b * l2 + terms


cdef inline double enet_gap(const int* idx, int m, const double* g, const double* w,
                            const double* pf, const double* pf2, const double* lower,
                            const double* upper, const double* norm2, double a,
                            double b, bint positive, double r_norm2,
                            double r_dot_y, double dnorm_floor) noexcept nogil:
    """Duality gap of the elastic net from g = X~^T S r (per-sum scaling).

    With an L1 part (a > 0) the dual point is the rescaled residual; without
    one (a == 0 < b) the ridge dual, which is feasible everywhere, is used.
    With box constraints (``lower`` not NULL) it is the Fenchel gap
    ``(1+c^2)/2 ||r||^2 - c r^T y + sum_j h_j(w_j) + h_j*(c g_j)``, h_j the
    feature's penalty plus the indicator of its box, at the smaller of two
    dual points: c <= 1 the largest scale keeping every conjugate finite, and
    the scale that makes every feature dual-feasible as without a box.  ``pf2`` (L2 factors) is ``pf`` if NULL.
    Unpenalised features (pf_j == 0, or a == b == 0) are not part of the dual
    norm; each adds g_j^2 / (2 ||x~_j||^2) (its projected gradient with a box),
    the decrease one exact update of that coordinate would still give.  Only
    the features ``idx[:m]`` enter (all ``m`` if idx is NULL): with the others
    at zero, that is the gap of the subproblem restricted to them --
    or, with ``dnorm_floor`` an upper bound of max_j |g_j| / pf_j over the
    others (screened features, all at zero, no box), the gap of the whole
    problem at a dual point scaled at least as much as needed.
    """
    cdef int k, j
    cdef double l1 = 0.0, l2 = 0.0, dnorm = dnorm_floor, ridge_conj = 0.0, unpen = 0.0
    cdef double xta, v, c, gap, f2, dnorm_all = 0.0, enet_conj = 0.0
    cdef bint penalised = a > 0.0 or b > 0.0
    # a tiny L1 part (below a millionth of the L2 part): see the unscaled gap below
    cdef bint tiny_l1 = a > 0.0 and a < 1e-6 * b, all_l2 = tiny_l1
    for k in range(m):
        j = idx[k] if idx != NULL else k
        if norm2[j] == 0.0:
            continue
        f2 = pf2[j] if pf2 != NULL else pf[j]
        if pf[j] == 0.0 or not penalised:
            if lower != NULL and box_conjugate_finite(g[j], lower[j], upper[j]):
                continue    # a proper Fenchel term in box_gap
            v = g[j]
            if lower != NULL:
                if (w[j] <= lower[j] and v < 0.0) or (w[j] >= upper[j] and v > 0.0):
                    v = 0.0
            elif positive and w[j] <= 0.0 and v < 0.0:
                v = 0.0
            unpen += v * v / (2.0 * norm2[j])
            continue
        l1 += pf[j] * fabs(w[j])
        l2 += f2 * w[j] * w[j]
        if lower != NULL:
            # an unbounded side without L2 term must be scaled into the dual set
            # (dnorm); scaling every allowed direction (dnorm_all) is optional
            # and usually gives a much smaller gap when the box is wide
            v = g[j] / pf[j] if upper[j] > 0.0 else 0.0
            if lower[j] < 0.0 and -g[j] / pf[j] > v:
                v = -g[j] / pf[j]
            if v > dnorm_all:
                dnorm_all = v
            if b * f2 == 0.0:
                if upper[j] == INFINITY and g[j] / pf[j] > dnorm:
                    dnorm = g[j] / pf[j]
                if lower[j] == -INFINITY and -g[j] / pf[j] > dnorm:
                    dnorm = -g[j] / pf[j]
        elif a > 0.0:
            xta = g[j] - b * f2 * w[j]
            v = xta if positive else fabs(xta)
            v /= pf[j]
            if v > dnorm:
                dnorm = v
            if tiny_l1:     # the unscaled dual point's conjugate term
                if b * f2 > 0.0:
                    v = (g[j] if positive else fabs(g[j])) - a * pf[j]
                    if v > 0.0:
                        enet_conj += v * v / (2.0 * b * f2)
                else:
                    all_l2 = False
        else:
            v = g[j]
            if positive and v < 0.0:
                v = 0.0
            ridge_conj += v * v / (2.0 * b * f2)
    if lower != NULL:
        c = a / dnorm if dnorm > a else 1.0
        gap = box_gap(c, idx, m, g, w, pf, pf2, lower, upper, norm2, a, b, penalised,
                      r_norm2, r_dot_y, l1, l2)
        if dnorm_all > a and a / dnorm_all < c:
            gap = min(gap, box_gap(a / dnorm_all, idx, m, g, w, pf, pf2, lower, upper,
                                   norm2, a, b, penalised, r_norm2, r_dot_y, l1, l2))
    elif a > 0.0:
        c = a / dnorm if dnorm > a else 1.0
        gap = (0.5 * r_norm2 * (1.0 + c * c) + a * l1 - c * r_dot_y
               + 0.5 * b * (1.0 + c * c) * l2)
        if all_l2 and dnorm_floor <= a:
            # With an L2 part on every feature the residual itself is a dual point
            # (the penalty's conjugate is finite everywhere).  The rescaled point
            # above cannot certify when the L1 part is tiny (l1_ratio ~ 1e-13: every
            # alpha ran to max_iter), so there the unscaled one's gap is used too.
            # Not elsewhere: the rescaled point's gap is scikit-learn's and the
            # benchmarks', so reported gaps stay comparable with other solvers'.
            # Screened features enter only below a (their conjugate terms are 0).
            gap = min(gap, r_norm2 - r_dot_y + a * l1 + 0.5 * b * l2 + enet_conj)
    elif b > 0.0:
        gap = r_norm2 - r_dot_y + 0.5 * b * l2 + ridge_conj
    else:
        gap = 0.0
    # While unpenalised features are not yet stationary the dual point is not
    # feasible and the first part can be negative: never let it offset ``unpen``.
    return max(gap, 0.0) + unpen


cdef inline double block_step(int k, int m, const double* inv, const int* idx,
                              const double* g) noexcept nogil:
    """k-th entry of inv @ g[idx]: the exact least-squares step of a block."""
    cdef int l
    cdef double d = 0.0
    for l in range(m):
        d += inv[k * m + l] * g[idx[l]]
    return d


cdef inline bint _cholesky_solve(int k, double* A, double* b) noexcept nogil:
    """Solve A x = b in place (A: k x k SPD, row-major, overwritten by its factor)."""
    cdef int i, j, l
    cdef double s
    for j in range(k):
        s = A[j * k + j]
        for l in range(j):
            s -= A[j * k + l] * A[j * k + l]
        if s <= 0.0:
            return False
        A[j * k + j] = sqrt(s)
        for i in range(j + 1, k):
            s = A[i * k + j]
            for l in range(j):
                s -= A[i * k + l] * A[j * k + l]
            A[i * k + j] = s / A[j * k + j]
    for i in range(k):
        s = b[i]
        for l in range(i):
            s -= A[i * k + l] * b[l]
        b[i] = s / A[i * k + i]
    for i in range(k - 1, -1, -1):
        s = b[i]
        for l in range(i + 1, k):
            s -= A[l * k + i] * b[l]
        b[i] = s / A[i * k + i]
    return True


cdef inline void box_qp(int m, const double* G, const double* g, const double* lo,
                        const double* hi, double* d, double* work) noexcept nogil:
    """Minimise 1/2 d^T G d - g^T d over lo <= d <= hi (lo <= 0 <= hi), from d = 0.

    Primal active-set method: minimise over the free variables with the others
    at their bounds, stop at the first bound met on the way and fix it there,
    release a fixed variable whose gradient points inside; finite for positive
    definite G (a tiny ridge is added if the free block is singular).
    ``work`` holds m*m + 3*m doubles.
    """
    cdef double* A = work
    cdef double* x = work + m * m
    cdef double* state = x + m           # 0 free, -1 at lo, +1 at hi
    cdef double* grad = state + m
    cdef int it, i, j, k, r, c, block, worst
    cdef double t, step, viol, ridge = 0.0
    for i in range(m):
        d[i] = 0.0
        state[i] = 0.0
        ridge = max(ridge, G[i * m + i])
    ridge *= 1e-12
    for it in range(4 * m + 8):
        k = 0                            # gather the free block and its right-hand side
        for i in range(m):
            if state[i] == 0.0:
                x[k] = g[i]
                for j in range(m):
                    if state[j] != 0.0:
                        x[k] -= G[i * m + j] * d[j]
                k += 1
        if k > 0:
            r = 0
            for i in range(m):
                if state[i] != 0.0:
                    continue
                c = 0
                for j in range(m):
                    if state[j] == 0.0:
                        A[r * k + c] = G[i * m + j] + (ridge if i == j else 0.0)
                        c += 1
                r += 1
            if not _cholesky_solve(k, A, x):
                return
        step, block, r = 1.0, -1, 0      # longest feasible move toward the minimiser
        for i in range(m):
            if state[i] != 0.0:
                continue
            if x[r] < lo[i] and x[r] < d[i]:
                t = (lo[i] - d[i]) / (x[r] - d[i])
                if t < step:
                    step, block = t, i
            elif x[r] > hi[i] and x[r] > d[i]:
                t = (hi[i] - d[i]) / (x[r] - d[i])
                if t < step:
                    step, block = t, i
            r += 1
        r = 0
        for i in range(m):
            if state[i] == 0.0:
                d[i] += step * (x[r] - d[i])
                r += 1
        if block >= 0:
            state[block] = -1.0 if d[block] - lo[block] <= hi[block] - d[block] else 1.0
            d[block] = lo[block] if state[block] < 0.0 else hi[block]
            continue
        worst, viol = -1, 0.0            # at the subspace minimiser: release one?
        for i in range(m):
            if state[i] == 0.0:
                continue
            grad[i] = g[i]
            for j in range(m):
                grad[i] -= G[i * m + j] * d[j]
            # grad = -(dq/dd_i): > 0 wants d_i up, < 0 wants it down
            if state[i] < 0.0 and grad[i] > viol:
                worst, viol = i, grad[i]
            elif state[i] > 0.0 and -grad[i] > viol:
                worst, viol = i, -grad[i]
        if worst < 0:
            return
        state[worst] = 0.0


cdef inline unsigned int rand_below(unsigned long long* state,
                                    unsigned int bound) noexcept nogil:
    """xorshift64* draw in [0, bound); the state is per problem, never per thread."""
    cdef unsigned long long x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return <unsigned int>(((x * 2685821657736338717ULL) >> 32) % bound)
