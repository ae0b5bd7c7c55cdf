# cython: language_level=3
"""The elastic-net penalty with box constraints: its proximal step and its part of
the duality gap (dual norm, conjugates), coordinate by coordinate.

    h_j(w) = a pf_j |w| + b/2 pf2_j w^2 + indicator(lo_j <= w <= hi_j)

The datafit's part of the gap comes from ``_datafit.pxd`` (its value and dual
objective at the scaled dual point).
"""
from libc.math cimport INFINITY, fabs

from fastpen._datafit cimport datafit_at, df_dual, df_value


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
                           double a, double b, bint penalised, const datafit_at* at, double l1,
                           double l2) noexcept nogil:
    """Fenchel gap with box constraints at the dual point c * theta0 (see enet_gap)."""
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
    return df_value(at) - df_dual(at, c) + a * l1 + 0.5 * b * l2 + terms


cdef inline double enet_gap(const int* idx, int m, const double* g, const double* w,
                            const double* pf, const double* pf2, const double* lower,
                            const double* upper, const double* norm2, double a,
                            double b, bint positive, const datafit_at* at,
                            double dnorm_floor) noexcept nogil:
    """Duality gap of the elastic net from g = X~^T theta0 (per-sum scaling).

    ``at``: the datafit at the current point, theta0 = -its gradient in the
    linear predictor (for the squared loss, S r); the gap is
    F(X~w) + P(w) - D(c theta0), D the dual objective: the datafit's part,
    ``df_value(at) - df_dual(at, c)``, and the penalty's, computed here.

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
                      at, l1, l2)
        if dnorm_all > a and a / dnorm_all < c:
            gap = min(gap, box_gap(a / dnorm_all, idx, m, g, w, pf, pf2, lower, upper,
                                   norm2, a, b, penalised, at, l1, l2))
    elif a > 0.0:
        c = a / dnorm if dnorm > a else 1.0
        gap = df_value(at) - df_dual(at, c) + a * l1 + 0.5 * b * (1.0 + c * c) * l2
        if all_l2 and dnorm_floor <= a:
            # With an L2 part on every feature the residual itself is a dual point
            # (the penalty's conjugate is finite everywhere).  The rescaled point
            # above cannot certify when the L1 part is tiny (l1_ratio ~ 1e-13: every
            # alpha ran to max_iter), so there the unscaled one's gap is used too.
            # Not elsewhere: the rescaled point's gap is scikit-learn's and the
            # benchmarks', so reported gaps stay comparable with other solvers'.
            # Screened features enter only below a (their conjugate terms are 0).
            gap = min(gap, df_value(at) - df_dual(at, 1.0) + a * l1 + 0.5 * b * l2 + enet_conj)
    elif b > 0.0:
        gap = df_value(at) - df_dual(at, 1.0) + 0.5 * b * l2 + ridge_conj
    else:
        gap = 0.0
    # While unpenalised features are not yet stationary the dual point is not
    # feasible and the first part can be negative: never let it offset ``unpen``.
    return max(gap, 0.0) + unpen
