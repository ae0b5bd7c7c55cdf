# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).
"""Designs: how the driver reads X.

The driver works on the centred, weighted design X~ = X - 1 xbar^T (xbar: the
column means when an intercept is fitted, else zeros) through a *state*
vector R (``dz_state_size`` entries, owned by the caller) and the handful of
operations below; a design kind is a struct and a branch of each operation,
chosen at compile time (``design_t`` is a fused type: the driver is compiled
once per kind and element type, with every operation inlined).

=========  ============================  ==================================
kind       X                             state R
=========  ============================  ==================================
dense      column-major n x p            residual r = y_c - X~ w  (n)
sparse     CSC, canonical columns        residual, centring as one shift
Gram       Q = X~^T S X~, q = X~^T S y   e = X~^T S r = q - Q w  (p)
=========  ============================  ==================================

A Gram design may cover only some features, in its own order: ``slot[j]``
is the row of feature j (``feat`` the reverse map).  The dense design's
working-set solves run the driver's own working-set loop on such a design,
built from the working set's Gram matrix (_cd_ws_gram.pxi).

Operations (``dz_*``): the coordinate gradient x~_j^T S r (``dz_grad``), the
update of R for w_j += delta (``dz_move``), both inside a sweep bracketed by
``dz_begin``/``dz_end`` (the sparse design folds its pending shift there);
scans of many columns (``dz_scan``, threaded), R from scratch
(``dz_refresh``), the squared loss at w (``dz_stats``: r^T S r and r^T S y_c,
_datafit.pxd), a support's Gram matrix for Newton steps
(``dz_support_gram``), and the cost model that decides when those steps
pay (``dz_ws_cost``, ``dz_sweep_cost``, ``dz_newton_price``, in
multiply-adds).  Optional capabilities: ``dz_keeps_residual`` (gap-safe
screening and warm starts need r itself), ``dz_fast_ws_solve`` (the dense
working set's own Gram matrix, _cd_ws_gram.pxi), ``dz_cheap_refresh`` (R is
rebuilt before every full gap), ``dz_cheap_sweeps`` (gap checks at a fixed
period), ``dz_extrapolates`` (the state is cheap enough to evaluate
extrapolated points: Anderson acceleration).
"""


cdef struct DenseD:
    const double* X     # n x p, column-major
    const double* x_mean
    WSGram* cache       # the working set's Gram matrix (kept by the caller or per call)
    int n
    int p

cdef struct DenseF:
    const float* X
    const double* x_mean
    WSGram* cache
    int n
    int p

cdef struct SparseD:
    const double* data  # CSC: column j is data[indptr[j]:indptr[j + 1]] at rows indices[...]
    const int* indices
    const Py_ssize_t* indptr
    const double* x_mean
    int n
    int p

cdef struct SparseF:
    const float* data
    const int* indices
    const Py_ssize_t* indptr
    const double* x_mean
    int n
    int p

cdef struct GramD:
    const double* Q     # p x p, row-major (symmetric), in the design's own order
    const double* q
    const int* slot     # feature j -> its row (NULL: j itself)
    const int* feat     # row k -> its feature (NULL: k itself)
    int p

cdef struct GramF:
    const float* Q
    const double* q
    const int* slot
    const int* feat
    int p

ctypedef fused design_t:
    DenseD
    DenseF
    SparseD
    SparseF
    GramD
    GramF

ctypedef fused dense_t:
    DenseD
    DenseF

ctypedef fused sparse_t:
    SparseD
    SparseF


cdef struct Moves:
    # Bookkeeping of the sparse design within a sweep: a step on column j changes
    # every residual entry by delta xbar_j, kept in ``shift`` and folded into R
    # at dz_end (so a step touches only the column's entries); ``sum_sr`` is
    # sum_i s_i r_i at dz_begin, for x~_j^T S r = sum_nnz s x r + xbar_j (n shift
    # - sum_sr): the last sum is 0 in exact arithmetic, but its rounding drift
    # times a large mean would swamp a nearly constant column.
    double shift
    double sum_sr


cdef inline double _wdot(int n, const double* sw, const double* u,
                         const double* v) noexcept nogil:
    """sum_i s_i u_i v_i (unit weights when sw is NULL), vectorised."""
    if sw != NULL:
        return wdot_centered(n, u, 0.0, sw, v)
    return dot_centered(n, u, 0.0, v)


cdef inline double _dense_dot(const dense_t* d, const double* sw, const double* R,
                              int j) noexcept nogil:
    """x~_j^T S R for a dense design."""
    if sw != NULL:
        return wdot_centered(d.n, d.X + <size_t>j * d.n, d.x_mean[j], sw, R)
    return dot_centered(d.n, d.X + <size_t>j * d.n, d.x_mean[j], R)


cdef inline double _sparse_col_dot(const sparse_t* d, const double* sw, const double* R,
                                   int j) noexcept nogil:
    """sum over column j's stored entries of x s r (vectorised gathers, _simd.h)."""
    cdef Py_ssize_t start = d.indptr[j]
    cdef int m = <int> (d.indptr[j + 1] - start)
    if m == 0:
        return 0.0
    return sparse_dot(m, d.data + start, d.indices + start, sw, R)


cdef inline int _row(const design_t* d, int j) noexcept nogil:
    """The Gram design's row of feature j."""
    if design_t is GramD or design_t is GramF:
        return d.slot[j] if d.slot != NULL else j
    return j


cdef inline int dz_state_size(const design_t* d, const SqLoss* f) noexcept nogil:
    """Entries of the state vector."""
    if design_t is GramD or design_t is GramF:
        return d.p
    return f.n


cdef inline void dz_begin(const design_t* d, const SqLoss* f, const double* R,
                          Moves* mv, bint reading) noexcept nogil:
    """Open a sequence of dz_grad/dz_move calls (``reading``: dz_grad among them)."""
    mv.shift = 0.0
    mv.sum_sr = 0.0
    if design_t is SparseD or design_t is SparseF:
        if reading:
            mv.sum_sr = col_sum(f.n, R, f.sw)


cdef inline double dz_grad(const design_t* d, const SqLoss* f, const double* R,
                           int j, const Moves* mv) noexcept nogil:
    """x~_j^T S r at the current state."""
    if design_t is DenseD or design_t is DenseF:
        return _dense_dot(d, f.sw, R, j)
    elif design_t is SparseD or design_t is SparseF:
        return _sparse_col_dot(d, f.sw, R, j) + d.x_mean[j] * (mv.shift * f.n - mv.sum_sr)
    else:
        return R[_row(d, j)]


cdef inline void dz_move(const design_t* d, double* R, int j, double delta,
                         Moves* mv) noexcept nogil:
    """Update the state for w_j += delta."""
    cdef Py_ssize_t start
    cdef int m
    if design_t is DenseD or design_t is DenseF:
        axpy_centered(d.n, -delta, d.X + <size_t>j * d.n, d.x_mean[j], R)
    elif design_t is SparseD or design_t is SparseF:
        start = d.indptr[j]
        m = <int> (d.indptr[j + 1] - start)
        if m > 0:
            sparse_axpy(m, -delta, d.data + start, d.indices + start, R)
        mv.shift += delta * d.x_mean[j]
    else:
        axpy_centered(d.p, -delta, d.Q + <size_t>_row(d, j) * d.p, 0.0, R)


cdef inline void dz_end(const design_t* d, const SqLoss* f, double* R,
                        Moves* mv) noexcept nogil:
    """Close the sequence: the state is exact again."""
    cdef int i
    if design_t is SparseD or design_t is SparseF:
        if mv.shift != 0.0:
            for i in range(f.n):
                R[i] += mv.shift
        mv.shift = 0.0


cdef inline long long _nnz_of(const sparse_t* d, const int* idx, int m) noexcept nogil:
    """Stored entries of the columns idx[:m] (all columns if idx is NULL)."""
    cdef int k
    cdef long long total = 0
    if idx == NULL:
        return d.indptr[d.p]
    for k in range(m):
        total += d.indptr[idx[k] + 1] - d.indptr[idx[k]]
    return total


cdef void dz_scan(const design_t* d, const SqLoss* f, const double* R, double[::1] g,
                  const int* idx, int m, int n_threads, bint full) noexcept nogil:
    """g_j = x~_j^T S r for j in idx[:m] (all m features if idx is NULL).

    Only ``full`` scans (not the working-set checks between sweeps) are threaded;
    each g_j is computed the same way whatever the thread count.
    """
    cdef int k, j, nt = 1
    cdef double sum_sr
    if design_t is DenseD or design_t is DenseF:
        if full:
            nt = scan_threads(n_threads, <long long>d.n * m)
        for k in prange(m, num_threads=nt, schedule="static", use_threads_if=nt > 1):
            j = idx[k] if idx != NULL else k
            g[j] = _dense_dot(d, f.sw, R, j)
    elif design_t is SparseD or design_t is SparseF:
        sum_sr = col_sum(f.n, R, f.sw)
        # (counting the entries is O(m): only when threads could be used)
        if full and n_threads > 1:
            nt = scan_threads(n_threads, _nnz_of(d, idx, m))
        # dynamic: column lengths can be very uneven (popular words in text data)
        for k in prange(m, num_threads=nt, schedule="dynamic", chunksize=256,
                        use_threads_if=nt > 1):
            j = idx[k] if idx != NULL else k
            g[j] = _sparse_col_dot(d, f.sw, R, j) - d.x_mean[j] * sum_sr
    else:
        for k in range(m):
            j = idx[k] if idx != NULL else k
            g[j] = R[_row(d, j)]


cdef void dz_refresh(const design_t* d, const SqLoss* f, const double[::1] w,
                     double* R) noexcept nogil:
    """The state at w from scratch (no rounding drift of the updates left)."""
    cdef int i, j, k
    cdef Moves mv
    if design_t is GramD or design_t is GramF:
        for k in range(d.p):
            R[k] = d.q[k]
        for k in range(d.p):
            j = d.feat[k] if d.feat != NULL else k
            if w[j] != 0.0:
                dz_move(d, R, j, w[j], &mv)
    else:
        for i in range(f.n):
            R[i] = f.y_c[i]
        dz_begin(d, f, R, &mv, False)
        for j in range(w.shape[0]):
            if w[j] != 0.0:
                dz_move(d, R, j, w[j], &mv)
        dz_end(d, f, R, &mv)


cdef void dz_stats(const design_t* d, const SqLoss* f, const double[::1] w,
                   const double* R, SqAt* at) noexcept nogil:
    """The squared loss at w: r^T S r and r^T S y_c (Gram: every nonzero
    coefficient must be one of the design's features)."""
    cdef int j, k
    cdef double wq = 0.0, we = 0.0
    if design_t is GramD or design_t is GramF:
        # r^T S y_c = y^T S y - w^T q and r^T S r = r^T S y_c - w^T e
        for k in range(d.p):
            j = d.feat[k] if d.feat != NULL else k
            if w[j] != 0.0:
                wq += w[j] * d.q[k]
                we += w[j] * R[k]
        at.r_dot_y = f.y_norm2 - wq
        at.r_norm2 = max(at.r_dot_y - we, 0.0)
    else:
        at.r_dot_y = _wdot(f.n, f.sw, R, f.y_c)
        at.r_norm2 = _wdot(f.n, f.sw, R, R)


cdef inline bint dz_keeps_residual(const design_t* d) noexcept nogil:
    """Whether the state is the residual itself (screening and warm starts use it)."""
    return not (design_t is GramD or design_t is GramF)


cdef inline bint dz_cheap_refresh(const design_t* d) noexcept nogil:
    """Whether rebuilding the state costs no more than the full gap after it."""
    return design_t is GramD or design_t is GramF


cdef inline bint dz_cheap_sweeps(const design_t* d) noexcept nogil:
    """Whether a sweep costs O(p) per moved coefficient rather than O(n): sweeping
    past a working set's target then costs less than the full scan an early
    stop would add, so its gap checks keep their fixed period."""
    return design_t is GramD or design_t is GramF


cdef inline bint dz_extrapolates(const design_t* d) noexcept nogil:
    """Whether extrapolated points are cheap to evaluate (O(p) per moved coefficient)."""
    return design_t is GramD or design_t is GramF


cdef double dz_support_gram(const design_t* d, const SqLoss* f, const double[::1] w,
                            double* R, const double[::1] g, const double[::1] x_norm2,
                            NewtonBuf* nb) noexcept nogil:
    """Fill nb.G with the support's Gram matrix and nb.g_S with its x~^T S r.

    Returns the multiply-adds spent, including the state update the step will
    cost, or -1 without memory.
    """
    cdef int a, b, j, l, k = nb.k
    cdef Py_ssize_t e
    cdef double acc, cost = 0.0
    cdef double* v
    cdef WSGram sub
    if design_t is DenseD or design_t is DenseF:
        # a BLAS-3 product by row chunks (_cd_ws_gram.pxi)
        _ws_gram_init(&sub)
        if _ws_gram_update(&sub, d.X, d.n, d.p, f.sw, d.x_mean, f.y_c, nb.feat, k) < 0:
            ws_gram_free(&sub)
            return -1.0
        memcpy(nb.G, sub.G, <size_t>k * k * sizeof(double))
        ws_gram_free(&sub)
        for a in range(k):
            nb.g_S[a] = g[nb.feat[a]]
        return <double>d.n * k * (2.0 + k / (2.0 * BLAS3_SPEEDUP))
    elif design_t is SparseD or design_t is SparseF:
        # x~_j^T S x~_l = sum_i s_i x_ij x_il - n xbar_j xbar_l (weights summing to
        # n), column by column through a dense scatter of s x_j
        v = <double*> calloc(max(d.n, 1), sizeof(double))
        if v == NULL:
            return -1.0
        for a in range(k):
            j = nb.feat[a]
            nb.g_S[a] = g[j]
            for e in range(d.indptr[j], d.indptr[j + 1]):
                v[d.indices[e]] = d.data[e] * (f.sw[d.indices[e]] if f.sw != NULL else 1.0)
            for b in range(a):
                l = nb.feat[b]
                acc = 0.0
                cost += d.indptr[l + 1] - d.indptr[l]
                for e in range(d.indptr[l], d.indptr[l + 1]):
                    acc += d.data[e] * v[d.indices[e]]
                acc -= f.n * d.x_mean[j] * d.x_mean[l]
                nb.G[<size_t>a * k + b] = acc
                nb.G[<size_t>b * k + a] = acc
            nb.G[<size_t>a * k + a] = x_norm2[j]
            for e in range(d.indptr[j], d.indptr[j + 1]):
                v[d.indices[e]] = 0.0
        free(v)
        return cost + d.n
    else:
        dz_refresh(d, f, w, R)          # no drift of the state enters the step
        for a in range(k):
            l = _row(d, nb.feat[a])
            nb.g_S[a] = R[l]
            for b in range(k):
                nb.G[<size_t>a * k + b] = d.Q[<size_t>l * d.p + _row(d, nb.feat[b])]
        return <double>k * (k + d.p)


cdef inline double dz_ws_cost(const design_t* d, const int* ws, int m) noexcept nogil:
    """Multiply-adds of a sweep over ws[:m] while its coefficients stay put."""
    if design_t is DenseD or design_t is DenseF:
        return <double>d.n * m
    elif design_t is SparseD or design_t is SparseF:
        return <double>_nnz_of(d, ws, m) + m
    else:
        return <double>m


cdef inline double dz_sweep_cost(const design_t* d, double ws_cost, int nz) noexcept nogil:
    """Multiply-adds of a sweep in which about nz coefficients move."""
    if design_t is GramD or design_t is GramF:
        return ws_cost + <double>d.p * nz      # a row of Q per moved coefficient
    else:
        return ws_cost                         # (the dots dominate the updates)


cdef inline double dz_newton_price(const design_t* d, double ws_cost, int m,
                                   int nz) noexcept nogil:
    """Multiply-adds of a Newton step on a support of nz features of ws[:m]."""
    if design_t is DenseD or design_t is DenseF:
        return <double>d.n * nz * (2.0 + nz / (2.0 * BLAS3_SPEEDUP)) + _newton_cost(nz)
    elif design_t is SparseD or design_t is SparseF:
        # about nz columns' worth of entries per support feature, plus the factor
        return 0.5 * ws_cost * nz * nz / m + _newton_cost(nz)
    else:
        return _newton_cost(nz) + <double>d.p * nz


cdef inline int dz_fast_ws_solve(const design_t* d, const SqLoss* f,
                                 const double[::1] x_norm2, const double[::1] pf,
                                 const CDParams* prm, double[::1] w, double* R,
                                 double[::1] g, WorkingSet* task, int sweeps,
                                 unsigned long long* rng, CDResult* result) noexcept nogil:
    """A working-set solve faster than residual sweeps, when the design has one and
    ``sweeps`` residual sweeps would cost more (-1: none; see _cd_ws_gram.pxi)."""
    if design_t is DenseD or design_t is DenseF:
        if sweeps < 0:
            sweeps = d.cache.sweeps     # at the start of a solve: the last one's count
        if _gram_ws_pays(d.n, task.m, task.nnz, sweeps,
                         _ws_gram_missing(d.cache, task.idx, task.m), prm):
            return _dense_gram_ws_solve(d, f, x_norm2, pf, prm, w, R, g, task, rng, result)
    return -1


cdef inline void dz_ws_done(const design_t* d, int sweeps) noexcept nogil:
    """Note the sweeps a working-set solve needed (they predict the next one's)."""
    if design_t is DenseD or design_t is DenseF:
        d.cache.sweeps = max(sweeps, 1)
