# cython: language_level=3
"""Datafits: the smooth part F(eta) of the objective, of the linear predictor eta = X~ w.

A datafit gives the engine (docs/engine.md has the whole interface and how to
add one):

- its problem data (a struct: the response, the sample weights);
- its value and dual objective at the current point, from that point's
  statistics (a second struct, filled by the design's ``dz_stats``): the
  datafit's part of the duality gap;
- the dual point theta0 = -grad F(eta), which the design scans into
  g = X~^T theta0 (for the squared loss, S r: the weighted residual, which the
  dense and sparse designs keep as their state);
- the strong-concavity constant of its dual, which sets the radius of the
  gap-safe sphere (``sq_radius``);
- a per-coordinate curvature bound (the squared loss: ||x~_j||^2_S, exact),
  computed once per problem by the Python layer (``column_stats``);
- its intercept (the squared loss: exact by centring, the weighted mean of y);
- its held-out loss for cross-validation (``sq_held_out``), and its alpha_max
  (the Python layer: the largest |x~_j^T theta0| / pf_j at the intercept-only fit).

The squared loss is quadratic: the driver solves it directly, and that is
what lets it use the Gram form (Q = X~^T S X~) and the exact unpenalised
block.  A datafit that is not quadratic reaches the driver through a Newton
layer: each outer step hands the driver the quadratic model of F at the
current point (weights s_i F''_i, working response eta - F'_i / F''_i), as a
squared loss.
"""
from libc.math cimport log, sqrt


cdef struct SqLoss:
    # 1/2 ||y_c - X~ w||^2_S: what the driver solves.
    const double* y_c   # n entries (NULL in Gram form: q and y_norm2 hold it)
    const double* sw    # n weights summing to n, or NULL for unit weights
    double y_norm2      # y_c^T S y_c
    int n


cdef struct SqAt:
    # The squared loss at a point, as the gap reads it (r = y_c - X~ w).
    double r_norm2      # r^T S r
    double r_dot_y      # r^T S y_c


cdef struct LgAt:
    # The logistic losses at a point eta (fastpen/_newton.pyx), as the gap reads them:
    # binomial (k == 1): F = sum_i s_i [log(1 + e^eta_i) - y_i eta_i], y in {0, 1},
    # prob_i = sigmoid(eta_i); multinomial (k > 1): F = sum_i s_i [lse(eta_i.) -
    # eta_{i, y_i}], y_i the class index, prob (k blocks of n) the softmax.
    # theta0 = -grad F = S (Y - prob).
    const double* y     # n labels
    const double* s     # n weights, or NULL for unit weights
    const double* prob  # k * n probabilities, class-major
    double value        # F at the point (computed with prob)
    int n
    int k


# The datafits at a point, as the duality gap reads them (_enet.pxd's enet_gap is
# compiled for each): a new datafit adds its struct here and its branch to
# df_value and df_dual.
ctypedef fused datafit_at:
    SqAt
    LgAt


cdef inline double xlogx(double u) noexcept nogil:
    """u log u, with 0 log 0 = 0 (u lies in [0, 1] up to rounding)."""
    return u * log(u) if u > 0.0 else 0.0


cdef inline double lg_dual(const LgAt* at, double c) noexcept nogil:
    """-F*(-c theta0) of the logistic losses: with theta0 = S (Y - prob),
    -F*(-theta) = -sum_i s_i sum_classes q log q at q = Y - theta_i / s_i, here
    q = (1 - c) Y + c prob, a probability vector for 0 <= c <= 1 (binomial: the
    two classes' q and 1 - q)."""
    cdef int i, l
    cdef double total = 0.0, row, u, yi
    for i in range(at.n):
        yi = at.y[i]
        if at.k == 1:
            u = (1.0 - c) * yi + c * at.prob[i]
            row = xlogx(u) + xlogx(1.0 - u)
        else:
            row = 0.0
            for l in range(at.k):
                u = c * at.prob[<Py_ssize_t> l * at.n + i] + ((1.0 - c) if yi == l else 0.0)
                row += xlogx(u)
        total += (at.s[i] if at.s != NULL else 1.0) * row
    return -total


cdef inline double df_value(const datafit_at* at) noexcept nogil:
    """F at the point (squared loss: 1/2 r^T S r)."""
    if datafit_at is SqAt:
        return 0.5 * at.r_norm2
    else:
        return at.value


cdef inline double df_dual(const datafit_at* at, double c) noexcept nogil:
    """The datafit's part of the dual objective at theta = c theta0, -F*(-theta)
    (squared loss: theta0 = S r, and theta^T y_c - 1/2 theta^T S^-1 theta;
    logistic losses: lg_dual)."""
    if datafit_at is SqAt:
        return c * at.r_dot_y - 0.5 * c * c * at.r_norm2
    else:
        return lg_dual(at, c)


cdef inline double sq_radius(double gap) noexcept nogil:
    """Radius of the gap-safe sphere around the dual point: the dual is 1-strongly
    concave (F is 1-smooth in the S-norm), so the dual optimum lies within
    sqrt(2 gap) of any dual-feasible point."""
    return sqrt(2.0 * max(gap, 0.0))


cdef inline double sq_held_out(const double* R, const int* rows, const double* u,
                               Py_ssize_t m) noexcept nogil:
    """Mean squared error sum_i u_i R_i^2 / sum_i u_i over the held-out rows."""
    cdef Py_ssize_t k
    cdef double num = 0.0, den = 0.0
    for k in range(m):
        num += u[k] * R[rows[k]] * R[rows[k]]
        den += u[k]
    return num / den if den > 0.0 else 0.0
