# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).
"""The elastic-net penalty with box constraints, per coordinate.

    h_j(w) = a pf_j |w| + b/2 pf2_j w^2 + indicator(lo_j <= w <= hi_j)

with pf2 = CDParams.l2_factor (pf when NULL), and the box of ``_box``: the
one place that says which values, and so which directions from zero, a
coordinate is allowed (``positive`` is the box [0, inf); bounds satisfy
lower <= 0 <= upper).  The solvers reach the penalty only through these
functions: the proximal step (``_update``), the projection of a starting
point (``_feasible``), how far a zero coordinate violates its optimality
condition (``_excess``, for working sets), which coordinates are smooth where
they are (``_free_coord``, for Newton steps), and the duality gap with its
dual norm and conjugates (``_gap``, from ``enet_gap`` of _enet.pxd).
"""


cdef inline void _box(int j, const CDParams* prm, double* lo, double* hi) noexcept nogil:
    """The interval coordinate j is constrained to (bounds, positive)."""
    lo[0], hi[0] = -INFINITY, INFINITY
    if prm.pen.lower != NULL:
        lo[0], hi[0] = prm.pen.lower[j], prm.pen.upper[j]
    if prm.pen.positive and lo[0] < 0.0:
        lo[0] = 0.0


cdef inline double _l2_factor(const CDParams* prm, const double[::1] pf,
                              int j) noexcept nogil:
    return prm.pen.l2_factor[j] if prm.pen.l2_factor != NULL else pf[j]


cdef inline double _update(double z, int j, const double[::1] x_norm2,
                           const double[::1] pf, const CDParams* prm) noexcept nogil:
    """Proximal coordinate step: the minimiser of 1/2 L w^2 - z w + h_j(w), with
    L = ||x~_j||^2 and z = x~_j^T S r + L w_j (the box applied after the
    unconstrained step: exact for a one-dimensional convex problem)."""
    cdef double lo, hi
    cdef double w = cd_update(z, x_norm2[j], prm.pen.a * pf[j], prm.pen.b * _l2_factor(prm, pf, j),
                              prm.pen.positive)
    if prm.pen.lower != NULL:
        _box(j, prm, &lo, &hi)
        w = min(max(w, lo), hi)
    return w


cdef inline double _feasible(double w, int j, const CDParams* prm) noexcept nogil:
    """Project a starting value onto the box."""
    cdef double lo, hi
    _box(j, prm, &lo, &hi)
    return min(max(w, lo), hi)


cdef inline double _penalty_value(const int* idx, int m, const double[::1] w,
                                  const double[::1] x_norm2, const double[::1] pf,
                                  const CDParams* prm) noexcept nogil:
    """sum_j h_j(w_j) over idx[:m] (all m if NULL; w within its box)."""
    cdef int k, j
    cdef double total = 0.0
    for k in range(m):
        j = idx[k] if idx != NULL else k
        if x_norm2[j] != 0.0:
            total += (prm.pen.a * pf[j] * fabs(w[j])
                      + 0.5 * prm.pen.b * _l2_factor(prm, pf, j) * w[j] * w[j])
    return total


cdef inline double _gap(const int* idx, int m, const double[::1] g, const double[::1] w,
                        const double[::1] pf, const double[::1] x_norm2,
                        const CDParams* prm, const SqAt* at,
                        double dnorm_floor=0.0) noexcept nogil:
    """Duality gap from the squared loss at w and g = X~^T S r (see enet_gap, _enet.pxd,
    for the dual point, ``dnorm_floor`` and the restriction to idx)."""
    return enet_gap(idx, m, &g[0], &w[0], &pf[0], prm.pen.l2_factor, prm.pen.lower,
                    prm.pen.upper, &x_norm2[0], prm.pen.a, prm.pen.b, prm.pen.positive, at,
                    dnorm_floor)


cdef inline double _excess(int j, const double[::1] g, const double[::1] pf,
                           const CDParams* prm) noexcept nogil:
    """|x~_j^T S r| - a pf_j over the directions the box allows (> 0: violator)."""
    cdef double lo, hi, a_j = prm.pen.a * pf[j], v = -INFINITY
    _box(j, prm, &lo, &hi)
    if hi > 0.0:
        v = g[j] - a_j
    if lo < 0.0:
        v = max(v, -g[j] - a_j)
    return v


cdef inline double _violation(int j, const double[::1] g, const double[::1] x_norm2,
                              const double[::1] pf, const CDParams* prm) noexcept nogil:
    """How far feature j, at zero, is from optimal, scaled by its norm (> 0: violator)."""
    return _excess(j, g, pf, prm) / sqrt(x_norm2[j])


cdef inline bint _free_coord(int j, double wj, const double[::1] x_norm2,
                             const double[::1] pf, const CDParams* prm) noexcept nogil:
    """Whether coordinate j is smooth where it is: nonzero (or unpenalised), off its bounds."""
    cdef double lo, hi
    if x_norm2[j] == 0.0:
        return False
    _box(j, prm, &lo, &hi)
    if not (lo < wj < hi):
        return False
    return wj != 0.0 or prm.pen.a * pf[j] == 0.0
