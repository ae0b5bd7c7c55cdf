# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).

# Working sets hold every nonzero coefficient plus the features violating their
# optimality condition the most, at most max(WS_MIN, WS_GROWTH nnz, previous
# size) features in all (geometric growth as in celer, which doubles), so the
# first solves stay small even when thousands of features violate at w = 0.
# Growth 2, 4 and 8 were timed on the four benchmark problems and on a grid of
# 12 more single fits: 8 was fastest (fewer full scans of X; the extra
# zero features cost little, least on the working set's Gram matrix).
cdef int WS_MIN = 16
cdef int WS_GROWTH = 8


cdef struct WorkingSet:
    # One working-set solve: its features and what the loop needs to know.
    const int* idx      # the features, idx[:m]
    int m
    int nnz             # nonzero coefficients among them at the start (at least 1)
    double inner_tol    # the (restricted) gap the solve stops at
    double gap          # the gap of the last check: the full gap at the start
    double rate         # factor by which one sweep divided the gap, last seen (0: unknown)
    double credit       # multiply-adds of sweeps not yet spent on a Newton step
    bint checked        # on return: g = X~^T S r is current on idx[:m] (its last gap check)


# On the residual designs a solve checks its gap (a scan of the working set: about
# half a sweep) after as many sweeps as the last rate predicts it needs, at most
# INNER_GAP_EVERY: a solve whose sweeps divide the gap by 10 each (a
# well-conditioned support) stops after one or two instead of five, and the first
# check, without a rate yet, comes after INNER_GAP_EVERY.

cdef inline int _sweeps_needed(const WorkingSet* task) noexcept nogil:
    """Sweeps before the next gap check (1 to INNER_GAP_EVERY)."""
    cdef double k
    if not (0.0 < task.rate < 1.0):
        return INNER_GAP_EVERY
    if task.gap <= task.inner_tol:
        return 1
    k = ceil(log(task.inner_tol / task.gap) / log(task.rate))
    return <int> min(max(k, 1.0), <double> INNER_GAP_EVERY)


cdef inline void _note_check(WorkingSet* task, double gap, int sweeps) noexcept nogil:
    """Learn the rate from a check made ``sweeps`` sweeps after the last one."""
    if sweeps > 0 and 0.0 < gap < task.gap:
        task.rate = pow(gap / task.gap, 1.0 / sweeps)
    elif sweeps > 0:
        task.rate = 0.0
    task.gap = gap


cdef void _select_largest(int* idx, int m, int k, const double[::1] g,
                          const double[::1] x_norm2, const double[::1] pf,
                          const CDParams* prm) noexcept nogil:
    """Reorder idx[:m] so that its first k entries have the largest violations (quickselect)."""
    cdef int lo = 0, hi = m - 1, i, store, tmp
    cdef double pivot
    while lo < hi:
        i = (lo + hi) // 2
        pivot = _violation(idx[i], g, x_norm2, pf, prm)
        tmp = idx[i]
        idx[i] = idx[hi]
        idx[hi] = tmp
        store = lo
        for i in range(lo, hi):
            if _violation(idx[i], g, x_norm2, pf, prm) > pivot:
                tmp = idx[i]
                idx[i] = idx[store]
                idx[store] = tmp
                store += 1
        tmp = idx[store]
        idx[store] = idx[hi]
        idx[hi] = tmp
        if store == k:
            return
        if store < k:
            lo = store + 1
        else:
            hi = store - 1


cdef inline int _working_set(const double[::1] w, const double[::1] g,
                             const double[::1] x_norm2, const double[::1] pf,
                             const CDParams* prm, int[::1] ws, int* size,
                             const int* cand, int n_cand, bint first,
                             bint* complete) noexcept nogil:
    """Nonzero coefficients, then the strongest violators; ``size`` grows geometrically.

    ``complete`` receives whether every violator is in the working set.
    Looks at the features ``cand[:n_cand]`` (all of them if cand is NULL; with
    screening, those not screened out, which hold every nonzero).  For the
    ``first`` working set of a fit along a path (``prm.state.a_prev`` > a, the
    previous alpha's strength), the sequential strong rule also admits the
    features with |x~_j^T S r| > (2 a - a_prev) pf_j, likely to enter at this
    alpha; the full scan that follows the solve re-checks every feature (the
    KKT check).
    """
    cdef int k, j, m = 0, n_viol = 0, limit
    cdef int count = n_cand if cand != NULL else w.shape[0]
    cdef double strong = max(prm.state.a_prev - prm.pen.a, 0.0) if first else 0.0
    for k in range(count):             # nonzeros first
        j = cand[k] if cand != NULL else k
        if x_norm2[j] != 0.0 and w[j] != 0.0:
            ws[m] = j
            m += 1
    for k in range(count):             # then every candidate, after them
        j = cand[k] if cand != NULL else k
        if x_norm2[j] != 0.0 and w[j] == 0.0 and _excess(j, g, pf, prm) > -strong * pf[j]:
            ws[m + n_viol] = j
            n_viol += 1
    limit = max(WS_MIN, WS_GROWTH * m, size[0])
    size[0] = limit
    complete[0] = m + n_viol <= limit
    if complete[0]:
        return m + n_viol
    _select_largest(&ws[m], n_viol, limit - m, g, x_norm2, pf, prm)
    return max(limit, m)


# ------------------------------------------------------ unpenalised block

cdef double* _block_delta(const CDParams* prm, const double[::1] g,
                          const double[::1] w) noexcept nogil:
    """Exact step of the unpenalised block, given g = X~^T S r at its features.

    Returns a malloc'ed array of n_unpen steps (the caller frees it), or NULL
    when there is no block (or no memory).  Unconstrained: pinv(G) g.
    Constrained (positive or bounds): the box QP min 1/2 d^T G d - g^T d within
    the constraints, so that afterwards every unpenalised feature is
    stationary or held by a bound.
    """
    cdef int k, j, m = prm.unpen.n
    cdef double lo, hi
    cdef double* buf
    cdef double* d
    if m == 0:
        return NULL
    d = <double*> malloc(m * sizeof(double))
    if d == NULL:
        return NULL
    if not prm.unpen.boxed:
        for k in range(m):
            d[k] = block_step(k, m, prm.unpen.inv, prm.unpen.idx, &g[0])
        return d
    buf = <double*> malloc((m * m + 6 * m) * sizeof(double))
    if buf == NULL:
        free(d)
        return NULL
    for k in range(m):
        j = prm.unpen.idx[k]
        _box(j, prm, &lo, &hi)
        buf[k] = g[j]
        buf[m + k] = lo - w[j]
        buf[2 * m + k] = hi - w[j]
    box_qp(m, prm.unpen.inv, buf, buf + m, buf + 2 * m, d, buf + 3 * m)
    free(buf)
    return d
