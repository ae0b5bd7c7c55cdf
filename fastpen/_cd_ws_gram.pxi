# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).
"""The dense design's fast working-set solve: sweeps on the working set's own Gram matrix."""

# Dense working-set solves run on the residual (each coordinate step costs O(n))
# or, when cheaper, on the working set's own Gram matrix (glmnet's covariance
# updates: O(n m^2 / 2) once with BLAS-3, then O(m) per step and nothing
# depends on n).  Rent or buy: sweeps run on the residual until what they
# have cost reaches the cost of building G, then switch (never worse than
# twice the better choice); a solve starts on G directly when the previous one
# needed that many sweeps.  Costs are in multiply-adds and never depend on the
# thread count, so results do not either.  BLAS3_SPEEDUP: multiply-adds per
# second of DSYRK/DGEMM over those of a sweep's dot and axpy; 1.5, 3 and 6 were
# tried on the four benchmark problems and 6 was the fastest (a path spends
# most of its builds on a few new rows of a cached G).
cdef double BLAS3_SPEEDUP = 6.0
cdef int GRAM_WS_MAX = 4096            # G is m x m doubles: at most 128 MiB
cdef int GRAM_WS_CHUNK = 1 << 20       # doubles in the row-chunk buffer (8 MiB)


cdef inline bint _gram_ws_allowed(int m, const CDParams* prm) noexcept nogil:
    return prm.n_unpen == 0 and 2 <= m <= GRAM_WS_MAX and prm.ws_gram >= 0


cdef inline int _ws_gram_missing(const WSGram* c, const int* ws, int m) noexcept nogil:
    """How many working-set features the cache does not hold yet."""
    cdef int k, missing = 0
    for k in range(m):
        missing += c.slot == NULL or c.slot[ws[k]] < 0
    return missing


cdef inline bint _gram_ws_pays(long n, long m, long nnz, long sweeps, long missing,
                               const CDParams* prm) noexcept nogil:
    """Whether ``sweeps`` residual sweeps over the working set cost more than updating G."""
    cdef double build
    if not _gram_ws_allowed(m, prm):
        return False
    if prm.ws_gram > 0:
        return True
    if missing == 0:
        build = 0.0
    elif missing == m:                 # DSYRK of the whole block
        build = <double>n * m * (1.0 + m / (2.0 * BLAS3_SPEEDUP))
    else:                              # DGEMM of the new rows against the block
        build = <double>n * m * (1.0 + missing / BLAS3_SPEEDUP)
    return <double>sweeps * (m + nnz) * n >= build


cdef inline void _ws_gram_init(WSGram* c) noexcept nogil:
    """An empty cache."""
    c.G = NULL
    c.q = NULL
    c.feat = NULL
    c.slot = NULL
    c.m = 0
    c.sweeps = 0


cdef void ws_gram_free(WSGram* c) noexcept nogil:
    """Release what a WSGram holds (it is then an empty cache again)."""
    free(c.G)
    free(c.q)
    free(c.feat)
    free(c.slot)
    _ws_gram_init(c)


cdef void _ws_block(const floating* X, int n, const double* sw, const double* x_mean,
                    const double* y_c, const int* cols, int m, int start, int nr, double* B,
                    double* v, double* root_s) noexcept nogil:
    """B (nr x m) = rows start:start+nr of S^(1/2) X~[:, cols]; v = S^(1/2) y_c there.

    X: n rows, column-major; sw NULL: unit weights."""
    cdef int i, k, j
    cdef double xbar
    cdef const floating* x
    for i in range(nr):
        root_s[i] = sqrt(sw[start + i]) if sw != NULL else 1.0
        v[i] = y_c[start + i] * root_s[i]
    for k in range(m):
        j = cols[k]
        xbar = x_mean[j]
        x = X + <size_t>j * n + start
        if sw != NULL:
            for i in range(nr):
                B[<size_t>k * nr + i] = root_s[i] * (x[i] - xbar)
        else:
            for i in range(nr):
                B[<size_t>k * nr + i] = x[i] - xbar


cdef int _ws_gram_update(WSGram* c, const floating* X, int n, int p, const double* sw,
                         const double* x_mean, const double* y_c, const int* ws,
                         int m) noexcept nogil:
    """Make the cache hold G = X~_ws^T S X~_ws and q = X~_ws^T S y_c in ws order.

    Entries between features it already held are copied; the rows of the new
    features are computed against the whole block by row chunks (DSYRK when all
    are new, DGEMM otherwise).  Returns 0, or -1 without memory (cache intact).
    """
    cdef int k, l, a, sk, sl, start, nr, rows, missing = 0, inc = 1
    cdef double one = 1.0, val
    cdef double* G = <double*> malloc(<size_t>m * m * sizeof(double))
    cdef double* q = <double*> malloc(<size_t>m * sizeof(double))
    cdef int* feat = <int*> malloc(<size_t>m * sizeof(int))
    cdef int* order = <int*> malloc(<size_t>m * sizeof(int))  # new features first
    cdef int* cols = <int*> malloc(<size_t>m * sizeof(int))
    cdef double* B = NULL
    cdef double* C = NULL
    cdef double* qn = NULL
    if c.slot == NULL:
        c.slot = <int*> malloc(<size_t>p * sizeof(int))
        if c.slot != NULL:
            for k in range(p):
                c.slot[k] = -1
    if G == NULL or q == NULL or feat == NULL or order == NULL or cols == NULL or c.slot == NULL:
        free(G); free(q); free(feat); free(order); free(cols)
        return -1
    for k in range(m):                 # new features first, then the held ones
        if c.slot[ws[k]] < 0:
            order[missing] = k
            missing += 1
    l = missing
    for k in range(m):
        if c.slot[ws[k]] >= 0:
            order[l] = k
            l += 1
    for l in range(m):                 # copy what is held
        sl = c.slot[ws[l]]
        if sl < 0:
            continue
        q[l] = c.q[sl]
        for k in range(m):
            sk = c.slot[ws[k]]
            if sk >= 0:
                G[<size_t>l * m + k] = c.G[<size_t>sl * c.m + sk]
    if missing > 0:
        rows = max(64, min(n, GRAM_WS_CHUNK // m))
        B = <double*> malloc(<size_t>rows * (m + 2) * sizeof(double))
        C = <double*> calloc(<size_t>missing * m, sizeof(double))
        qn = <double*> calloc(<size_t>missing, sizeof(double))
        if B == NULL or C == NULL or qn == NULL:
            free(B); free(C); free(qn); free(G); free(q); free(feat); free(order); free(cols)
            return -1
        for k in range(m):
            cols[k] = ws[order[k]]
        start = 0
        while start < n:
            nr = min(rows, n - start)
            _ws_block(X, n, sw, x_mean, y_c, cols, m, start, nr, B, B + <size_t>rows * m,
                      B + <size_t>rows * (m + 1))
            if missing == m:
                dsyrk("U", "T", &m, &nr, &one, B, &nr, &one, C, &m)
            else:
                dgemm("T", "N", &missing, &m, &nr, &one, B, &nr, B, &nr, &one, C, &missing)
            dgemv("T", &nr, &missing, &one, B, &nr, B + <size_t>rows * m, &inc, &one, qn,
                  &inc)
            start += nr
        for a in range(missing):       # C[a, l] pairs new feature a with block column l
            k = order[a]
            q[k] = qn[a]
            for l in range(m):
                if missing == m and l < a:
                    val = C[<size_t>a * m + l]        # DSYRK filled the upper triangle
                else:
                    val = C[<size_t>l * missing + a]
                G[<size_t>order[l] * m + k] = val
                G[<size_t>k * m + order[l]] = val
        free(B); free(C); free(qn)
    for k in range(c.m):
        c.slot[c.feat[k]] = -1
    for k in range(m):
        feat[k] = ws[k]
        c.slot[ws[k]] = k
    free(c.G); free(c.q); free(c.feat); free(order); free(cols)
    c.G = G
    c.q = q
    c.feat = feat
    c.m = m
    return 0


cdef double _gram_ws_sweep(const double* G, int m, double* gl, const int* ws,
                           const double[::1] x_norm2, const double[::1] pf,
                           const CDParams* prm, double[::1] w,
                           unsigned long long* rng) noexcept nogil:
    """One epoch over the working set on its Gram matrix; gl[k] = x~_ws[k]^T S r."""
    cdef int t, k, j
    cdef double w_old, w_new, decrease = 0.0
    for t in range(m):
        k = rand_below(rng, m) if prm.random else t
        j = ws[k]
        if x_norm2[j] == 0.0:
            continue
        w_old = w[j]
        w_new = _update(gl[k] + x_norm2[j] * w_old, j, x_norm2, pf, prm)
        if w_new != w_old:
            fp_axpy_d(m, w_old - w_new, &G[<size_t>k * m], 0.0, gl)
            w[j] = w_new
            decrease += 0.5 * (x_norm2[j] + prm.b * _l2_factor(prm, pf, j)) * (w_new - w_old) ** 2
    return decrease


# Anderson acceleration of the working-set Gram sweeps (as in skglm): every
# ANDERSON_K sweeps, the affine combination of the last K iterates that
# minimises the norm of their combined differences is tried, and kept when it
# lowers the objective.  On the Gram matrix, evaluating it costs O(m nnz).
cdef int ANDERSON_K = 5


cdef double _ws_primal(int m, const int* ws, const double* v, const double* gl,
                       const double* q, double y_norm2, const double[::1] x_norm2,
                       const double[::1] pf, const CDParams* prm) noexcept nogil:
    """Objective at w (v = w[ws], zero elsewhere), from gl = X~_ws^T S r."""
    cdef int k, j
    cdef double r_dot_y = y_norm2, wg = 0.0, pen = 0.0
    for k in range(m):
        j = ws[k]
        r_dot_y -= v[k] * q[k]
        wg += v[k] * gl[k]
        if x_norm2[j] != 0.0:
            pen += pf[j] * prm.a * fabs(v[k]) + 0.5 * prm.b * _l2_factor(prm, pf, j) * v[k] * v[k]
    return 0.5 * (r_dot_y - wg) + pen


cdef bint _anderson_step(const double* G, int m, const int* ws, const double* hist,
                         double* gl, const double* q, double y_norm2,
                         const double[::1] x_norm2, const double[::1] pf,
                         const CDParams* prm, double[::1] w, double* work) noexcept nogil:
    """Try the Anderson extrapolation of the iterates hist[0..K] (rows of m values).

    ``work`` holds K*K + K + 2m doubles.  Returns whether the point was taken
    (then w[ws] and gl are updated).
    """
    cdef int K = ANDERSON_K, k, l, i, j
    cdef double* C = work
    cdef double* z = C + K * K
    cdef double* v = z + K
    cdef double* gv = v + m
    cdef const double* cur = hist + <size_t>K * m
    cdef double acc, trace = 0.0, total = 0.0, d
    for k in range(K):
        for l in range(k + 1):
            acc = 0.0
            for i in range(m):
                acc += ((hist[<size_t>(k + 1) * m + i] - hist[<size_t>k * m + i])
                        * (hist[<size_t>(l + 1) * m + i] - hist[<size_t>l * m + i]))
            C[k * K + l] = acc
            C[l * K + k] = acc
        trace += C[k * K + k]
        z[k] = 1.0
    if trace == 0.0:
        return False
    for k in range(K):
        C[k * K + k] += 1e-10 * trace
    if not _cholesky_solve(K, C, z):
        return False
    for k in range(K):
        total += z[k]
    if total == 0.0:
        return False
    for i in range(m):
        acc = 0.0
        for k in range(K):
            acc += z[k] * hist[<size_t>(k + 1) * m + i]
        j = ws[i]
        v[i] = 0.0 if x_norm2[j] == 0.0 else _feasible(acc / total, j, prm)
        gv[i] = gl[i]
    for i in range(m):
        d = v[i] - cur[i]
        if d != 0.0:
            fp_axpy_d(m, -d, &G[<size_t>i * m], 0.0, gv)
    if (_ws_primal(m, ws, v, gv, q, y_norm2, x_norm2, pf, prm)
            >= _ws_primal(m, ws, cur, gl, q, y_norm2, x_norm2, pf, prm)):
        return False
    for i in range(m):
        w[ws[i]] = v[i]
        gl[i] = gv[i]
    return True


cdef double _gram_ws_newton(const double* G, int m, double* gl, const int* ws,
                            const double[::1] x_norm2, const double[::1] pf,
                            const CDParams* prm, double[::1] w, int* moved) noexcept nogil:
    """Newton step on the working set's support, from its Gram matrix G (m x m);
    w and gl = X~_ws^T S r are updated.  Returns the multiply-adds spent and
    stores in ``moved`` how many coefficients changed."""
    cdef NewtonBuf nb
    cdef int a, b, k = _newton_begin(&nb, ws, m, w, x_norm2, pf, prm)
    cdef double cost
    moved[0] = 0
    if k == 0:
        return 0.0
    for a in range(k):
        nb.g_S[a] = gl[nb.pos[a]]
        for b in range(k):
            nb.G[<size_t>a * k + b] = G[<size_t>nb.pos[a] * m + nb.pos[b]]
    moved[0] = _newton_solve(&nb, w, pf, prm)
    if moved[0] > 0:
        for a in range(k):
            if nb.dw[a] != 0.0:
                fp_axpy_d(m, -nb.dw[a], &G[<size_t>nb.pos[a] * m], 0.0, gl)
    cost = nb.cost + <double>k * (k + m)
    _newton_end(&nb)
    return cost


cdef int _dense_gram_ws_solve(const dense_t* d, const Quadratic* f,
                              const double[::1] x_norm2, const double[::1] pf,
                              const CDParams* prm, double[::1] w, double[::1] R,
                              double[::1] g, const int* ws, int m, double inner_tol,
                              unsigned long long* rng, CDResult* result) noexcept nogil:
    """Working-set solve on G = X~_ws^T S X~_ws; returns its sweeps, or -1 without memory.

    Needs g = X~^T S R at the current w on the working set and every nonzero
    coefficient inside it.  Sweeps are Anderson-accelerated.  The residual is
    brought up to date at the end, column by column, for the coefficients
    that moved.
    """
    cdef int k, j, it = 0, n_hist = 0, K = ANDERSON_K, nz = m, since = 0, moved, stall = 0
    cdef double r_dot_y, r_norm2, decrease, credit = 0.0, ws_gap, best = INFINITY
    cdef size_t size = <size_t>(K + 5) * m + K * K + K
    cdef double* buf = <double*> malloc(size * sizeof(double))
    cdef double* gl
    cdef double* w0
    cdef double* hist
    cdef double* work
    cdef double* G
    cdef double* q
    cdef WSGram* cache = d.cache
    cdef Moves mv
    cdef double y_norm2 = f.y_norm2
    if buf == NULL:
        return -1
    if _ws_gram_update(cache, d.X, d.n, d.p, f.sw, d.x_mean, f.y_c, ws, m) < 0:
        free(buf)
        return -1
    gl, w0, hist = buf, buf + m, buf + 2 * m
    work = hist + <size_t>(K + 1) * m
    G, q = cache.G, cache.q
    for k in range(m):
        gl[k] = g[ws[k]]
        w0[k] = w[ws[k]]
    while result.n_iter < prm.max_iter:
        for k in range(m):
            hist[<size_t>n_hist * m + k] = w[ws[k]]
        n_hist += 1
        if n_hist == K + 1:
            _anderson_step(G, m, ws, hist, gl, q, y_norm2, x_norm2, pf, prm, w, work)
            for k in range(m):
                hist[k] = w[ws[k]]
            n_hist = 1
        decrease = _gram_ws_sweep(G, m, gl, ws, x_norm2, pf, prm, w, rng)
        result.n_iter += 1
        it += 1
        since += 1
        if decrease == 0.0 or it % INNER_GAP_EVERY == 0:
            if _interrupted(prm):
                break
            # r^T S y_c = y^T S y - w^T q and r^T S r = r^T S y_c - w^T g (w = 0 off ws)
            r_dot_y = y_norm2
            r_norm2 = 0.0
            nz = 0
            for k in range(m):
                j = ws[k]
                g[j] = gl[k]
                r_dot_y -= w[j] * q[k]
                r_norm2 += w[j] * gl[k]
                nz += w[j] != 0.0
            r_norm2 = r_dot_y - r_norm2
            ws_gap = _gap(ws, m, g, w, pf, x_norm2, prm, r_norm2, r_dot_y)
            if (decrease == 0.0 or ws_gap <= inner_tol
                    or _stalled(ws_gap, &best, &stall, TIGHT_TOL * y_norm2)):
                break
            # rent or buy: a Newton step once the sweeps since the last one have
            # cost as much as it (a sweep: about a G row per moved coefficient)
            credit += <double>since * m * (nz + 1)
            since = 0
            if credit >= _newton_cost(nz) + <double>m * nz:
                for k in range(m):          # gl = q - G w anew: no drift enters the step
                    work[k] = w[ws[k]]
                for k in range(m):
                    gl[k] = q[k] - fp_dot_d(m, &G[<size_t>k * m], 0.0, work)
                credit -= _gram_ws_newton(G, m, gl, ws, x_norm2, pf, prm, w, &moved)
                if moved > 0:
                    n_hist = 0      # the extrapolation restarts from the new point
    dz_begin(d, f, R, &mv, False)
    for k in range(m):
        j = ws[k]
        if w[j] != w0[k]:
            dz_move(d, R, j, w[j] - w0[k], &mv)
    dz_end(d, R, &mv)
    free(buf)
    return it
