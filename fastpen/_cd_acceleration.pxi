# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).
"""Anderson acceleration of working-set sweeps (as in skglm).

Every ANDERSON_K sweeps, the affine combination of the last K + 1 iterates
that minimises the norm of their combined differences is tried, and kept
when it lowers the objective.  Trying a point means evaluating the objective
there, which needs the design's state at it: on designs whose state has p
entries (Gram) that costs O(p) per moved coefficient, a fraction of a sweep,
so only those designs extrapolate (``dz_extrapolates``); on the residual
designs it would cost a sweep of O(n) updates.
"""

cdef int ANDERSON_K = 5


cdef struct Anderson:
    double* hist        # the last iterates w[ws] (ANDERSON_K + 1 rows of m values)
    double* work        # coefficients, the candidate point and its state
    int n_hist
    bint on             # (False: not wanted, or no memory)


cdef void _anderson_begin(Anderson* acc, int m, int state_size, bint wanted) noexcept nogil:
    cdef int K = ANDERSON_K
    acc.n_hist = 0
    acc.hist = acc.work = NULL
    acc.on = False
    if not wanted or m == 0:
        return
    acc.hist = <double*> malloc(<size_t>(K + 1) * m * sizeof(double))
    acc.work = <double*> malloc((<size_t>K * K + K + m + state_size) * sizeof(double))
    acc.on = acc.hist != NULL and acc.work != NULL
    if not acc.on:
        _anderson_end(acc)


cdef void _anderson_end(Anderson* acc) noexcept nogil:
    free(acc.hist)
    free(acc.work)
    acc.hist = acc.work = NULL
    acc.on = False


cdef double _objective(const design_t* d, const SqLoss* f, const double[::1] x_norm2,
                       const double[::1] pf, const CDParams* prm, const double[::1] w,
                       const double* R, const int* ws, int m) noexcept nogil:
    """The objective at w (zero off ws[:m]) from the design's state there."""
    cdef SqAt at
    dz_stats(d, f, w, R, &at)
    return df_value(&at) + _penalty_value(ws, m, w, x_norm2, pf, prm)


cdef bint _anderson_step(Anderson* acc, const design_t* d, const SqLoss* f,
                         const double[::1] x_norm2, const double[::1] pf, const CDParams* prm,
                         double[::1] w, double* R, const int* ws, int m) noexcept nogil:
    """Try the extrapolation of the iterates acc.hist[0..K]; returns whether the point
    was taken (w[ws] and R are then updated)."""
    cdef int K = ANDERSON_K, k, l, i, size = dz_state_size(d, f)
    cdef double* C = acc.work
    cdef double* z = C + K * K
    cdef double* v = z + K
    cdef double* R_try = v + m
    cdef const double* hist = acc.hist
    cdef const double* cur = hist + <size_t>K * m
    cdef double s, trace = 0.0, total = 0.0, before
    cdef Moves mv
    for k in range(K):
        for l in range(k + 1):
            s = 0.0
            for i in range(m):
                s += ((hist[<size_t>(k + 1) * m + i] - hist[<size_t>k * m + i])
                      * (hist[<size_t>(l + 1) * m + i] - hist[<size_t>l * m + i]))
            C[k * K + l] = s
            C[l * K + k] = s
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
        s = 0.0
        for k in range(K):
            s += z[k] * hist[<size_t>(k + 1) * m + i]
        v[i] = 0.0 if x_norm2[ws[i]] == 0.0 else _feasible(s / total, ws[i], prm)
    before = _objective(d, f, x_norm2, pf, prm, w, R, ws, m)
    memcpy(R_try, R, <size_t>size * sizeof(double))
    dz_begin(d, f, R_try, &mv, False)
    for i in range(m):
        if v[i] != cur[i]:
            dz_move(d, R_try, ws[i], v[i] - cur[i], &mv)
            w[ws[i]] = v[i]
    dz_end(d, f, R_try, &mv)
    if _objective(d, f, x_norm2, pf, prm, w, R_try, ws, m) >= before:
        for i in range(m):
            w[ws[i]] = cur[i]
        return False
    memcpy(R, R_try, <size_t>size * sizeof(double))
    return True


cdef inline void _anderson_note(Anderson* acc, const design_t* d, const SqLoss* f,
                                const double[::1] x_norm2, const double[::1] pf,
                                const CDParams* prm, double[::1] w, double* R,
                                const int* ws, int m) noexcept nogil:
    """Record the current iterate; with K + 1 of them, try the extrapolation."""
    cdef int k
    if not acc.on:
        return
    for k in range(m):
        acc.hist[<size_t>acc.n_hist * m + k] = w[ws[k]]
    acc.n_hist += 1
    if acc.n_hist == ANDERSON_K + 1:
        _anderson_step(acc, d, f, x_norm2, pf, prm, w, R, ws, m)
        for k in range(m):
            acc.hist[k] = w[ws[k]]
        acc.n_hist = 1
