# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).

# ------------------------------------------------- Newton steps on the support
# Coordinate descent converges at a rate set by the conditioning of the
# support's Gram matrix: on strongly collinear designs (polynomial expansions,
# AR(1) with rho -> 1, near-duplicate columns) that matrix can have a condition
# number of 1e9 and more, and the sweeps then crawl along its flat directions
# for 1e5 epochs without reaching a tight gap (Anderson extrapolation helps
# only when the iterates move regularly).  With the signs of the nonzero
# coefficients fixed, the elastic-net objective restricted to them is a
# quadratic, so one Newton step on that support solves it exactly:
#     (G_SS + diag(b pf2)) d = g_S - b pf2 w_S - a pf sign(w_S),
# with g = X~^T S r.  The step is taken up to the first coefficient that would
# cross zero or a bound (which is then put exactly there): the objective is
# that quadratic all along the segment, so it decreases strictly.  Sweeps
# between steps move the zero coefficients in and out of the support;
# when the support is right, one step lands on the optimum (an active-set
# method in the manner of the homotopy/LARS solvers, driven by CD).
#
# Newton steps are bought like the working-set Gram matrix (rent or buy): one is
# tried once the sweeps made since the last one (within a working-set solve on
# dense X, within the call on sparse X and in Gram mode) have cost as much as it
# (k^3/6 multiply-adds for the Cholesky factor of a support of k features, plus
# building or gathering G_SS), so a fit that coordinate descent solves quickly
# never pays for them.  A tiny ridge (NEWTON_JITTER times the largest diagonal
# entry, raised while the factorisation fails) keeps the factor defined on
# singular supports (duplicate columns); the exact step length is then computed
# from the unregularised quadratic.

cdef double NEWTON_JITTER = 1e-13
cdef int NEWTON_MAX = 4096      # largest support factored (k x k doubles: 128 MiB)


cdef int _support_of(const int* idx, int m, const double[::1] w, const double[::1] x_norm2,
                     const double[::1] pf, const CDParams* prm, int* pos) noexcept nogil:
    """Positions k in idx[:m] of the free coordinates (see _free_coord), into pos."""
    cdef int k, j, s = 0
    for k in range(m):
        j = idx[k] if idx != NULL else k
        if _free_coord(j, w[j], x_norm2, pf, prm):
            pos[s] = k
            s += 1
    return s


cdef inline double _newton_cost(long k) noexcept nogil:
    """Multiply-adds of a Newton step on k features, G_SS given."""
    return <double>k * k * k / 6.0 + 2.0 * k * k


cdef bint _cholesky_lower(int k, double* A, const double* diag, double mu,
                          const CDParams* prm) noexcept nogil:
    """Cholesky factor L of S + mu I into A's lower triangle (row-major, L L^T).

    S is read from ``diag`` and A's strict upper triangle, which is left intact
    (so a failed factorisation can be retried with a larger mu).  The inner
    products run on contiguous rows (vectorised dot of _simd.h); the result
    does not depend on the thread count.  Returns False if S + mu I is not
    numerically positive definite, or if the call is interrupted (a factor of
    thousands of rows takes seconds).
    """
    cdef int i, j
    cdef double v
    for i in range(k):
        if i % 256 == 255 and _interrupted(prm):
            return False
        for j in range(i + 1):
            v = (diag[i] + mu) if i == j else A[<size_t>j * k + i]
            v -= dot_centered(j, &A[<size_t>i * k], 0.0, &A[<size_t>j * k])
            if i == j:
                if not v > 0.0:
                    return False
                A[<size_t>i * k + i] = sqrt(v)
            else:
                A[<size_t>i * k + j] = v / A[<size_t>j * k + j]
    return True


cdef void _cholesky_lower_solve(int k, const double* L, double* b) noexcept nogil:
    """Solve L L^T x = b in place (L: the row-major lower triangle of _cholesky_lower)."""
    cdef int i
    for i in range(k):                  # L z = b
        b[i] = (b[i] - dot_centered(i, &L[<size_t>i * k], 0.0, b)) / L[<size_t>i * k + i]
    for i in range(k - 1, -1, -1):      # L^T x = z, a column of L^T (row i of L) at a time
        b[i] /= L[<size_t>i * k + i]
        if i > 0:
            axpy_centered(i, -b[i], &L[<size_t>i * k], 0.0, b)


# After a step that stopped at a zero crossing, that coefficient leaves the
# support and the step is repeated on the smaller one (the path of the
# homotopy), at most NEWTON_CHAIN times before the sweeps take over again
# (they bring in the zero coefficients that violate their optimality
# condition).  The factor of the whole support is computed once per chain: with
# the dropped coefficients D held at zero, the step is d = u - Z mu, u = A^-1 (-grad),
# Z = A^-1 E_D, and mu solving the small system Z_D mu = u_D (a principal block of
# A^-1, positive definite), so a repeat costs O(k^2), not a new factor.
cdef int NEWTON_CHAIN = 32


cdef struct NewtonBuf:
    # Scratch of the Newton steps on one support: pos[:m] its positions among the
    # m candidates; for its k features: their indices (feat), their Gram matrix
    # (G, k x k, filled by the caller), their x~_j^T S r (g_S, filled by the
    # caller, then kept current), the total change made to each (dw); the
    # Cholesky factor of G + diag(b pf2) + mu I (L, its lower triangle), that
    # diagonal without mu (diag), the gradient and step (grad, d), whether a
    # coefficient was dropped along the chain (out), the dropped ones (drop[:n_drop])
    # and the columns Z (k x NEWTON_CHAIN), small system S and multipliers mu of
    # the text above.
    int* pos
    int* feat
    signed char* out
    int* drop
    double* G
    double* L
    double* diag
    double* g_S
    double* grad
    double* d
    double* Z
    double* S
    double* mu
    double* dw
    int k
    int n_drop
    double cost         # multiply-adds spent by the steps (factorisations, updates)


cdef bint _newton_factor(NewtonBuf* nb, const double[::1] pf,
                         const CDParams* prm) noexcept nogil:
    """Factor G + diag(b pf2) (+ a ridge raised until it succeeds) into nb.L."""
    cdef int i, tries, k = nb.k
    cdef double top = 0.0, mu
    cdef bint ok = False
    for i in range(k):
        nb.diag[i] = nb.G[<size_t>i * k + i] + prm.pen.b * _l2_factor(prm, pf, nb.feat[i])
        top = max(top, nb.diag[i])
    if not top > 0.0:
        return False
    memcpy(nb.L, nb.G, <size_t>k * k * sizeof(double))    # its strict upper triangle: G
    mu = NEWTON_JITTER * top
    for tries in range(8):
        ok = _cholesky_lower(k, nb.L, nb.diag, mu, prm)
        if ok or _interrupted(prm):
            break
        mu *= 100.0
    return ok


cdef double _newton_step(NewtonBuf* nb, const double[::1] w, const double[::1] pf,
                         const CDParams* prm, int* hit_out,
                         double* target_out) noexcept nogil:
    """Newton step on the support's coefficients not dropped (see the comments
    above), from the factor nb.L and the gradient nb.g_S: the step into nb.d (a
    coefficient stopped at zero or at a bound gets exactly the step that puts it
    there; dropped ones 0).  Returns the decrease of the objective it gives (0:
    no step).  ``hit_out`` receives the position of the coefficient stopped
    (-1: none) and ``target_out`` its value, to be set exactly.
    """
    cdef int i, l, j, hit = -1, k = nb.k, nd = nb.n_drop
    cdef double aj, bj, gd = 0.0, dHd = 0.0, t, t_hit = INFINITY, lo, hi, target = 0.0, v
    hit_out[0] = -1
    for i in range(k):             # gradient of the smooth model, the signs fixed
        j = nb.feat[i]
        aj = prm.pen.a * pf[j]
        bj = prm.pen.b * _l2_factor(prm, pf, j)
        nb.grad[i] = 0.0 if nb.out[i] else -nb.g_S[i] + bj * w[j]
        if aj > 0.0 and not nb.out[i]:
            nb.grad[i] += aj if w[j] > 0.0 else -aj
        nb.d[i] = -nb.grad[i]
    _cholesky_lower_solve(k, nb.L, nb.d)              # u = A^-1 (-grad)
    if nd > 0:                     # hold the dropped ones at zero: d = u - Z mu
        for i in range(nd):
            nb.mu[i] = nb.d[nb.drop[i]]
            for l in range(nd):
                nb.S[i * nd + l] = nb.Z[<size_t>l * k + nb.drop[i]]
        if not _cholesky_solve(nd, nb.S, nb.mu):
            return 0.0
        for l in range(nd):
            axpy_centered(k, -nb.mu[l], &nb.Z[<size_t>l * k], 0.0, nb.d)
        for i in range(nd):
            nb.d[nb.drop[i]] = 0.0
    for i in range(k):             # (grad is 0 at the dropped ones, and so is d)
        gd += nb.grad[i] * nb.d[i]
    for i in range(k):             # d^T (G + diag(b pf2)) d, from G itself
        v = dot_centered(k, &nb.G[<size_t>i * k], 0.0, nb.d)
        dHd += nb.d[i] * (v + (nb.diag[i] - nb.G[<size_t>i * k + i]) * nb.d[i])
    if not gd < 0.0:               # not a descent direction (rounding): no step
        return 0.0
    # the quadratic's minimiser along d (1 for the exact Newton step), then the
    # first zero crossing or bound on the way
    t = -gd / dHd if dHd > 0.0 else 1.0
    for i in range(k):
        if nb.d[i] == 0.0 or nb.out[i]:
            continue
        j = nb.feat[i]
        _box(j, prm, &lo, &hi)
        if prm.pen.a * pf[j] > 0.0:     # the kink at zero ends the smooth piece
            if w[j] > 0.0:
                lo = max(lo, 0.0)
            elif w[j] < 0.0:
                hi = min(hi, 0.0)
        v = ((lo if nb.d[i] < 0.0 else hi) - w[j]) / nb.d[i]
        if v < t_hit:
            t_hit, hit = v, i
            target = lo if nb.d[i] < 0.0 else hi
    if t_hit < t:
        t = t_hit
    else:
        hit = -1
    if not t > 0.0:
        return 0.0
    for i in range(k):
        nb.d[i] *= t
    if hit >= 0:
        nb.d[hit] = target - w[nb.feat[hit]]
        hit_out[0] = hit
        target_out[0] = target
    return -(t * gd + 0.5 * t * t * dHd)


cdef void _newton_end(NewtonBuf* nb) noexcept nogil:
    free(nb.pos)
    free(nb.feat)
    free(nb.out)
    free(nb.drop)
    free(nb.G)
    free(nb.L)
    free(nb.diag)
    free(nb.g_S)
    free(nb.grad)
    free(nb.d)
    free(nb.Z)
    free(nb.S)
    free(nb.mu)
    free(nb.dw)
    memset(nb, 0, sizeof(NewtonBuf))


cdef int _newton_begin(NewtonBuf* nb, const int* idx, int m, const double[::1] w,
                       const double[::1] x_norm2, const double[::1] pf,
                       const CDParams* prm) noexcept nogil:
    """Find the support among idx[:m] and allocate for it; returns its size k (0:
    nothing to do, too large or no memory; the buffers are then freed)."""
    cdef int i, k, c = NEWTON_CHAIN
    cdef size_t kk
    memset(nb, 0, sizeof(NewtonBuf))
    if prm.opt.no_newton:
        return 0
    nb.pos = <int*> malloc(<size_t>max(m, 1) * sizeof(int))
    if nb.pos == NULL:
        return 0
    k = _support_of(idx, m, w, x_norm2, pf, prm, nb.pos)
    if not 0 < k <= NEWTON_MAX:
        _newton_end(nb)
        return 0
    kk = <size_t>k
    nb.feat = <int*> malloc(kk * sizeof(int))
    nb.out = <signed char*> calloc(kk, sizeof(signed char))
    nb.drop = <int*> malloc(c * sizeof(int))
    nb.G = <double*> malloc(kk * kk * sizeof(double))
    nb.L = <double*> malloc(kk * kk * sizeof(double))
    nb.diag = <double*> malloc(kk * sizeof(double))
    nb.g_S = <double*> malloc(kk * sizeof(double))
    nb.grad = <double*> malloc(kk * sizeof(double))
    nb.d = <double*> malloc(kk * sizeof(double))
    nb.Z = <double*> malloc(kk * c * sizeof(double))
    nb.S = <double*> malloc(<size_t>c * c * sizeof(double))
    nb.mu = <double*> malloc(c * sizeof(double))
    nb.dw = <double*> calloc(kk, sizeof(double))
    if (nb.feat == NULL or nb.out == NULL or nb.drop == NULL or nb.G == NULL
            or nb.L == NULL or nb.diag == NULL or nb.g_S == NULL or nb.grad == NULL
            or nb.d == NULL or nb.Z == NULL or nb.S == NULL
            or nb.mu == NULL or nb.dw == NULL):
        _newton_end(nb)
        return 0
    for i in range(k):
        nb.feat[i] = idx[nb.pos[i]] if idx != NULL else nb.pos[i]
    nb.k = k
    return k


cdef int _newton_solve(NewtonBuf* nb, double[::1] w, const double[::1] pf,
                       const CDParams* prm) noexcept nogil:
    """Newton steps on the support from nb.G and nb.g_S, chained while they stop
    at a zero crossing (see NEWTON_CHAIN); applied to w.  nb.dw then holds the
    total change of each support coefficient.  Returns how many moved."""
    cdef int i, c, hit, moved = 0, k = nb.k
    cdef double target = 0.0, w_new, delta
    nb.cost += _newton_cost(k)
    if not _newton_factor(nb, pf, prm):
        return 0
    for c in range(NEWTON_CHAIN):
        if not _newton_step(nb, w, pf, prm, &hit, &target) > 0.0:
            break
        nb.cost += 4.0 * k * k
        for i in range(k):
            if nb.d[i] == 0.0:
                continue
            w_new = target if i == hit else w[nb.feat[i]] + nb.d[i]
            delta = w_new - w[nb.feat[i]]
            if delta == 0.0:
                continue
            w[nb.feat[i]] = w_new
            moved += nb.dw[i] == 0.0
            nb.dw[i] += delta
            axpy_centered(k, -delta, &nb.G[<size_t>i * k], 0.0, nb.g_S)   # g -= G delta
        if hit < 0 or nb.n_drop == NEWTON_CHAIN:
            break
        # the coefficient stopped at zero leaves: Z gains the column A^-1 e_hit
        nb.out[hit] = 1
        memset(&nb.Z[<size_t>nb.n_drop * k], 0, k * sizeof(double))
        nb.Z[<size_t>nb.n_drop * k + hit] = 1.0
        _cholesky_lower_solve(k, nb.L, &nb.Z[<size_t>nb.n_drop * k])
        nb.drop[nb.n_drop] = hit
        nb.n_drop += 1
    return moved
