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
    return prm.unpen.n == 0 and 2 <= m <= GRAM_WS_MAX and prm.opt.ws_gram >= 0


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
    if prm.opt.ws_gram > 0:
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


cdef int _dense_gram_ws_solve(const dense_t* d, const SqLoss* f,
                              const double[::1] x_norm2, const double[::1] pf,
                              const CDParams* prm, double[::1] w, double* R,
                              double[::1] g, WorkingSet* task, unsigned long long* rng,
                              CDResult* result) noexcept nogil:
    """Working-set solve on G = X~_ws^T S X~_ws; returns its sweeps, or -1 without memory.

    Needs g = X~^T S R at the current w on the working set and every nonzero
    coefficient inside it.  The driver's own working-set loop runs on the Gram
    design of the working set (its state e = X~_ws^T S r starts from g), with
    Anderson acceleration and Newton steps (their credit its own: a sweep costs
    m^2 here, not n m); the residual is brought up to date at the end, column by
    column, for the coefficients that moved.
    """
    cdef const int* ws = task.idx
    cdef int k, it, m = task.m
    cdef WorkingSet sub = task[0]
    cdef GramD gd
    cdef SqLoss fl
    cdef Moves mv
    cdef WSGram* cache = d.cache
    cdef double* buf = <double*> malloc(<size_t>max(2 * m, 1) * sizeof(double))
    cdef double* e = buf
    cdef double* w0 = buf + m
    if buf == NULL:
        return -1
    if _ws_gram_update(cache, d.X, d.n, d.p, f.sw, d.x_mean, f.y_c, ws, m) < 0:
        free(buf)
        return -1
    gd.Q, gd.q, gd.slot, gd.feat, gd.p = cache.G, cache.q, cache.slot, cache.feat, m
    fl.n, fl.y_c, fl.sw, fl.y_norm2 = 0, NULL, NULL, f.y_norm2
    for k in range(m):
        e[k] = g[ws[k]]
        w0[k] = w[ws[k]]
    sub.credit = 0.0
    it = _ws_solve(&gd, &fl, x_norm2, pf, prm, w, e, g, &sub, rng, result)
    task.rate, task.gap = sub.rate, sub.gap
    dz_begin(d, f, R, &mv, False)
    for k in range(m):
        if w[ws[k]] != w0[k]:
            dz_move(d, R, ws[k], w[ws[k]] - w0[k], &mv)
    dz_end(d, f, R, &mv)
    free(buf)
    return it
