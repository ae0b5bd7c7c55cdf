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
dual norm and conjugates (``_gap``, from ``enet_gap`` of _cd_inline.pxd).
"""


cdef inline void _box(int j, const CDParams* prm, double* lo, double* hi) noexcept nogil:
    """The interval coordinate j is constrained to (bounds, positive)."""
    lo[0], hi[0] = -INFINITY, INFINITY
    if prm.lower != NULL:
        lo[0], hi[0] = prm.lower[j], prm.upper[j]
    if prm.positive and lo[0] < 0.0:
        lo[0] = 0.0


cdef inline double _l2_factor(const CDParams* prm, const double[::1] pf,
                              int j) noexcept nogil:
    return prm.l2_factor[j] if prm.l2_factor != NULL else pf[j]


cdef inline double _update(double z, int j, const double[::1] x_norm2,
                           const double[::1] pf, const CDParams* prm) noexcept nogil:
    """Proximal coordinate step: the minimiser of 1/2 L w^2 - z w + h_j(w), with
    L = ||x~_j||^2 and z = x~_j^T S r + L w_j (the box applied after the
    unconstrained step: exact for a one-dimensional convex problem)."""
    cdef double lo, hi
    cdef double w = cd_update(z, x_norm2[j], prm.a * pf[j], prm.b * _l2_factor(prm, pf, j),
                              prm.positive)
    if prm.lower != NULL:
        _box(j, prm, &lo, &hi)
        w = min(max(w, lo), hi)
    return w


cdef inline double _feasible(double w, int j, const CDParams* prm) noexcept nogil:
    """Project a starting value onto the box."""
    cdef double lo, hi
    _box(j, prm, &lo, &hi)
    return min(max(w, lo), hi)


cdef inline double _gap(const int* idx, int m, const double[::1] g, const double[::1] w,
                        const double[::1] pf, const double[::1] x_norm2,
                        const CDParams* prm, double r_norm2, double r_dot_y,
                        double dnorm_floor=0.0) noexcept nogil:
    """Duality gap from the squared loss' r^T S r, r^T S y_c and g = X~^T S r (see
    enet_gap for the dual point, ``dnorm_floor`` and the restriction to idx)."""
    return enet_gap(idx, m, &g[0], &w[0], &pf[0], prm.l2_factor, prm.lower, prm.upper,
                    &x_norm2[0], prm.a, prm.b, prm.positive, r_norm2, r_dot_y, dnorm_floor)


cdef inline double _excess(int j, const double[::1] g, const double[::1] pf,
                           const CDParams* prm) noexcept nogil:
    """|x~_j^T S r| - a pf_j over the directions the box allows (> 0: violator)."""
    cdef double lo, hi, a_j = prm.a * pf[j], v = -INFINITY
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
    return wj != 0.0 or prm.a * pf[j] == 0.0
