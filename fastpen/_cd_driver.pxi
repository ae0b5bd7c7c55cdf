# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).
"""The coordinate-descent driver, written once over the designs.

``cd_solve`` is the outer iteration of the module docstring; the working-set
solve ``_ws_solve`` its inner one.  Neither knows how X is stored
(_cd_designs.pxi), what the penalty and its box are (_cd_penalty.pxi), how
features are screened (_cd_screening.pxi) or how a Newton step is computed
(_cd_newton.pxi): they call those parts in order.  ``enet_dense``,
``enet_sparse`` and ``enet_gram`` (the C-level API of _cd.pxd) describe
their design and call it.
"""


cdef double _sweep(const design_t* d, const SqLoss* f, const double[::1] x_norm2,
                   const double[::1] pf, const CDParams* prm, double[::1] w,
                   double* R, const int* idx, int m,
                   unsigned long long* rng) noexcept nogil:
    """One epoch over ``idx[:m]`` (all features if idx is NULL); returns the decrease."""
    cdef int t, k, j
    cdef double w_old, w_new, z, delta, decrease = 0.0
    cdef Moves mv
    dz_begin(d, f, R, &mv, True)
    for t in range(m):
        k = rand_below(rng, m) if prm.opt.random else t
        j = idx[k] if idx != NULL else k
        if x_norm2[j] == 0.0:
            continue
        w_old = w[j]
        z = dz_grad(d, f, R, j, &mv) + x_norm2[j] * w_old
        w_new = _update(z, j, x_norm2, pf, prm)
        if w_new != w_old:
            delta = w_new - w_old
            dz_move(d, R, j, delta, &mv)
            w[j] = w_new
            decrease += 0.5 * (x_norm2[j] + prm.pen.b * _l2_factor(prm, pf, j)) * delta * delta
    dz_end(d, f, R, &mv)
    return decrease


cdef void _block_step(const design_t* d, const SqLoss* f, const CDParams* prm,
                      double[::1] w, double* R, double[::1] g) noexcept nogil:
    """Solve the unpenalised block exactly given the other coefficients."""
    cdef int k, j
    cdef double* delta
    cdef Moves mv
    if prm.unpen.n == 0:
        return
    dz_begin(d, f, R, &mv, True)
    for k in range(prm.unpen.n):
        j = prm.unpen.idx[k]
        g[j] = dz_grad(d, f, R, j, &mv)
    delta = _block_delta(prm, g, w)
    if delta == NULL:
        return
    for k in range(prm.unpen.n):
        if delta[k] != 0.0:
            j = prm.unpen.idx[k]
            w[j] += delta[k]
            dz_move(d, R, j, delta[k], &mv)
    dz_end(d, f, R, &mv)
    free(delta)


cdef double _gap_after_scan(const design_t* d, const SqLoss* f,
                            const double[::1] x_norm2, const double[::1] pf,
                            const CDParams* prm, const double[::1] w, const double* R,
                            const double[::1] g, const int* idx, int m,
                            CDResult* result, double floor=0.0) noexcept nogil:
    """Gap of the problem restricted to ``idx[:m]`` (all if NULL) once g is current
    there; ``floor``: see enet_gap's dnorm_floor."""
    cdef SqAt at
    dz_stats(d, f, w, R, &at)
    result.r_norm2 = at.r_norm2
    return _gap(idx, m, g, w, pf, x_norm2, prm, &at, floor)


cdef double _ws_gap(const design_t* d, const SqLoss* f, const double[::1] x_norm2,
                    const double[::1] pf, const CDParams* prm, const double[::1] w,
                    const double* R, double[::1] g, const int* ws, int m,
                    CDResult* result) noexcept nogil:
    """Gap of the problem restricted to the working set ws[:m] (a serial scan)."""
    dz_scan(d, f, R, g, ws, m, 1, False)
    return _gap_after_scan(d, f, x_norm2, pf, prm, w, R, g, ws, m, result)


cdef struct Known:
    # Features whose g is already current when a full gap is computed: those of the
    # working set whose solve ended on its gap check (their dots need not be
    # redone).  stamp[j] == mark marks them; buf (p entries) lists the others.
    const int* stamp    # NULL: none known
    int mark
    int* buf


cdef int _unknown(const int* idx, int m, const Known* known) noexcept nogil:
    """Copy the features of idx[:m] (all m if NULL) that ``known`` does not mark
    into known.buf; returns their number."""
    cdef int k, j, count = 0
    for k in range(m):
        j = idx[k] if idx != NULL else k
        if known.stamp[j] != known.mark:
            known.buf[count] = j
            count += 1
    return count


cdef double _full_gap(const design_t* d, const SqLoss* f, const double[::1] x_norm2,
                      const double[::1] pf, const CDParams* prm, const double[::1] w,
                      const double* R, double[::1] g, Screening* scr, bint scan_all,
                      const Known* known, CDResult* result) noexcept nogil:
    """Gap of the whole problem, then screening by it.

    With screening, only the features not screened are scanned -- and with
    ``scan_all`` False (a warm start: g is current for those), only the ones
    readmitted since; ``known`` (may be NULL) marks more whose g is current.
    """
    cdef int* idx = NULL
    cdef int m, n_fresh
    cdef double floor = 0.0, gap
    if not scr.on:
        m = scr.p if scan_all else 0
    else:
        n_fresh = _screen_refresh(scr, f.sw, R, pf, prm, &floor)
        idx = scr.sc.act if scan_all else scr.sc.act + scr.sc.n_act - n_fresh
        m = scr.sc.n_act if scan_all else n_fresh
    if known != NULL and known.stamp != NULL and m > 0:
        m = _unknown(idx, m, known)
        idx = known.buf
    dz_scan(d, f, R, g, idx, m, prm.opt.n_threads, True)
    if not scr.on:
        return _gap_after_scan(d, f, x_norm2, pf, prm, w, R, g, NULL, scr.p, result)
    gap = _gap_after_scan(d, f, x_norm2, pf, prm, w, R, g, scr.sc.act, scr.sc.n_act,
                          result, floor)
    _screen_new(scr, R, g, w, x_norm2, pf, prm, gap, floor)
    return gap


cdef double _newton(const design_t* d, const SqLoss* f, const double[::1] x_norm2,
                    const double[::1] pf, const CDParams* prm, double[::1] w, double* R,
                    const double[::1] g, const int* ws, int m, int* moved) noexcept nogil:
    """Newton steps on the working set's support (g current there); w and the state
    are updated, ``moved`` receives how many coefficients changed.  Returns the
    multiply-adds spent."""
    cdef NewtonBuf nb
    cdef Moves mv
    cdef int a, k = _newton_begin(&nb, ws, m, w, x_norm2, pf, prm)
    cdef double cost
    moved[0] = 0
    if k == 0:
        return 0.0
    cost = dz_support_gram(d, f, w, R, g, x_norm2, &nb)
    if cost < 0.0:                  # no memory: nothing done
        _newton_end(&nb)
        return 0.0
    moved[0] = _newton_solve(&nb, w, pf, prm)
    if moved[0] > 0:
        dz_begin(d, f, R, &mv, False)
        for a in range(k):
            if nb.dw[a] != 0.0:
                dz_move(d, R, nb.feat[a], nb.dw[a], &mv)
        dz_end(d, f, R, &mv)
    cost += nb.cost
    _newton_end(&nb)
    return cost


cdef inline int _next_check(const design_t* d, const WorkingSet* task,
                            int it) noexcept nogil:
    """The sweep count of the next gap check: as the rate predicts where a check
    costs a sizeable part of a sweep, every INNER_GAP_EVERY sweeps where sweeps
    are cheap (on dense-wide's path the adaptive checks cost 5 % there)."""
    if dz_cheap_sweeps(d):
        return it + INNER_GAP_EVERY
    return it + _sweeps_needed(task)


cdef int _ws_solve(const design_t* d, const SqLoss* f, const double[::1] x_norm2,
                   const double[::1] pf, const CDParams* prm, double[::1] w, double* R,
                   double[::1] g, WorkingSet* task, unsigned long long* rng,
                   CDResult* result) noexcept nogil:
    """Working-set solve by sweeps over task.idx[:task.m]; returns its sweeps.

    The gap of the subproblem is checked when _next_check says (or when a sweep
    changed nothing); then the design's faster solve takes over if it has become
    cheaper (rent or buy), or a Newton step on the support is bought once the
    sweeps since the last one have cost as much as it (``task.credit``).  Where
    the design evaluates extrapolated points cheaply, the sweeps are
    Anderson-accelerated (_cd_acceleration.pxi).
    """
    cdef const int* ws = task.idx
    cdef int k, m = task.m, it = 0, since = 0, nz, sub, stall = 0, moved, last = 0
    cdef int next_check = _next_check(d, task, 0)
    cdef double decrease, ws_gap, best = INFINITY
    cdef double ws_cost = dz_ws_cost(d, ws, m)
    cdef Anderson acc
    _anderson_begin(&acc, m, dz_state_size(d, f), dz_extrapolates(d))
    task.checked = False
    while result.n_iter < prm.opt.max_iter:
        _anderson_note(&acc, d, f, x_norm2, pf, prm, w, R, ws, m)
        task.checked = False
        decrease = _sweep(d, f, x_norm2, pf, prm, w, R, ws, m, rng)
        result.n_iter += 1
        it += 1
        since += 1
        if decrease == 0.0 or it >= next_check:
            if _interrupted(prm):
                break
            _block_step(d, f, prm, w, R, g)
            ws_gap = _ws_gap(d, f, x_norm2, pf, prm, w, R, g, ws, m, result)
            task.checked = prm.unpen.n == 0     # (else the block step moves r)
            _note_check(task, ws_gap, it - last)
            last = it
            if (ws_gap <= task.inner_tol or decrease == 0.0
                    or _stalled(ws_gap, &best, &stall, TIGHT_TOL * f.y_norm2)):
                break
            task.checked = False
            sub = dz_fast_ws_solve(d, f, x_norm2, pf, prm, w, R, g, task, it, rng,
                                   result)   # (g[ws] is current)
            if sub >= 0:
                it += sub
                break
            nz = 0
            for k in range(m):
                nz += w[ws[k]] != 0.0
            task.credit += since * dz_sweep_cost(d, ws_cost, nz)
            since = 0
            if task.credit >= dz_newton_price(d, ws_cost, m, nz):
                task.credit -= _newton(d, f, x_norm2, pf, prm, w, R, g, ws, m, &moved)
                if moved > 0:
                    acc.n_hist = 0      # the extrapolation restarts from the new point
            next_check = _next_check(d, task, it)
    _anderson_end(&acc)
    return it


cdef void cd_solve(const design_t* d, const SqLoss* f, const double[::1] x_norm2,
                   const double[::1] pf, const CDParams* params, double[::1] w,
                   double* R, double[::1] g, int[::1] ws,
                   CDResult* result) noexcept nogil:
    """Minimise 1/2 ||y_c - X~ w||^2_S + sum_j h_j(w_j) in place on w (see _cd.pxd);
    R: the design's state (dz_state_size entries)."""
    cdef int j, k, it, n_ws, outer = 0, p = x_norm2.shape[0]
    cdef bint complete, settled
    cdef int* last_in = <int*> calloc(max(p, 1), sizeof(int))   # outer iteration + 1
    cdef Known known
    cdef unsigned long long rng = _rng_state(params.opt.seed)
    cdef double tol = _certifiable(params.opt.tol, f.y_norm2)
    cdef bint tight = tol < TIGHT_TOL * f.y_norm2
    cdef double gap, best = INFINITY
    cdef WorkingSet task
    cdef int ws_size = 0, stall = 0
    cdef BestIterate kept
    cdef Screening scr
    cdef bint warm = _screen_begin(&scr, params, x_norm2, pf, f.n,
                                   params.state.warm and params.unpen.n == 0
                                   and dz_keeps_residual(d), dz_keeps_residual(d))
    result.n_iter = 0
    task.rate = task.credit = 0.0
    known.stamp = NULL
    known.buf = <int*> malloc(<size_t>max(p, 1) * sizeof(int)) if last_in != NULL else NULL
    if not warm:
        for j in range(p):
            w[j] = 0.0 if x_norm2[j] == 0.0 else _feasible(w[j], j, params)
    if not warm or tight:
        dz_refresh(d, f, w, R)
        _block_step(d, f, params, w, R, g)
    gap = _full_gap(d, f, x_norm2, pf, params, w, R, g, &scr, not warm or tight, NULL,
                    result)
    _best_begin(&kept, p, tight)
    _best_note(&kept, w, gap)
    # (checked before the test of the gap: a warm call already at its tol still
    # lets a signal in, so a path of such calls stays interruptible)
    while not _interrupted(params) and gap > tol and result.n_iter < params.opt.max_iter:
        n_ws = _working_set(w, g, x_norm2, pf, params, ws, &ws_size,
                            scr.sc.act if scr.on else NULL, scr.sc.n_act if scr.on else 0,
                            result.n_iter == 0, &complete)
        if n_ws == 0:   # optimality conditions hold: nothing left to move
            break
        # Settled: every violator is in the working set and none is new since the
        # last solve -- the support has stopped changing, so this solve goes to
        # the tolerance itself (glmnet's converge-then-check) instead of a tenth
        # of the gap, which would only buy another full scan to learn the same.
        settled = complete and outer > 0 and last_in != NULL
        outer += 1
        for k in range(n_ws):
            if last_in != NULL:
                settled = settled and last_in[ws[k]] == outer - 1
                last_in[ws[k]] = outer
        task.idx, task.m, task.gap = &ws[0], n_ws, gap
        task.inner_tol = 0.5 * tol if settled else _inner_tol(gap, tol)
        task.nnz = 0
        for k in range(n_ws):
            task.nnz += w[ws[k]] != 0.0
        task.nnz = max(task.nnz, 1)
        task.checked = False
        it = dz_fast_ws_solve(d, f, x_norm2, pf, params, w, R, g, &task, -1, &rng, result)
        if it < 0:
            it = _ws_solve(d, f, x_norm2, pf, params, w, R, g, &task, &rng, result)
        dz_ws_done(d, it)
        if tight or dz_cheap_refresh(d):
            dz_refresh(d, f, w, R)
        _block_step(d, f, params, w, R, g)
        # the working set's dots are current when its solve ended on a check (and
        # neither a refresh nor the block step has moved r since)
        known.stamp = last_in if (task.checked and known.buf != NULL and not tight
                                  and not dz_cheap_refresh(d)) else NULL
        known.mark = outer
        gap = _full_gap(d, f, x_norm2, pf, params, w, R, g, &scr, True, &known, result)
        _best_note(&kept, w, gap)
        if _stalled(gap, &best, &stall, TIGHT_TOL * f.y_norm2):
            break
    if _best_restore(&kept, w, gap):
        dz_refresh(d, f, w, R)
        gap = _full_gap(d, f, x_norm2, pf, params, w, R, g, &scr, True, NULL, result)
    if params.opt.round_float32:   # the gap of the float32 coefficients returned
        if _round_to_float(w):
            dz_refresh(d, f, w, R)
            gap = _full_gap(d, f, x_norm2, pf, params, w, R, g, &scr, True, NULL, result)
    result.gap = gap
    dz_scan(d, f, R, g, scr.sc.act, _screen_unlisted(&scr), params.opt.n_threads, True)
    _screen_end(&scr)
    free(last_in)
    free(known.buf)


# float32 results store float32 coefficients: on an ill-conditioned design rounding
# them moves the gap far more than their relative 6e-8 (1e-13 to 6e-5 on a
# degree-3 expansion of the wine data), so the float32 kernels round w at the end
# and report the gap of what is returned (the state anew and one more scan
# over X).  The Python layer warns when that gap is above tol: float32 cannot
# certify it.

cdef bint _round_to_float(double[::1] w) noexcept nogil:
    """Round w to float32 values in place; whether any changed."""
    cdef int j
    cdef double v
    cdef bint changed = False
    for j in range(w.shape[0]):
        v = <double> (<float> w[j])
        if v != w[j]:
            w[j] = v
            changed = True
    return changed


# ----------------------------------------------------- the C-level entry points

cdef inline double* _ptr(double[::1] v) noexcept nogil:
    return &v[0] if v.shape[0] > 0 else NULL


cdef inline void _weights(SqLoss* f, int n, const double[::1] sw) noexcept nogil:
    """A quadratic of n rows with weights sw (empty: unit) and no response yet."""
    f.n = n
    f.sw = &sw[0] if sw.shape[0] > 0 else NULL
    f.y_c = NULL
    f.y_norm2 = 0.0


cdef inline void _quadratic(SqLoss* f, const double[::1] y_c,
                            const double[::1] sw) noexcept nogil:
    _weights(f, y_c.shape[0], sw)
    if f.n > 0:
        f.y_c = &y_c[0]
        f.y_norm2 = _wdot(f.n, f.sw, f.y_c, f.y_c)


cdef inline void _dense(dense_t* d, const void* X, int n, int p, const double[::1] x_mean,
                        WSGram* cache) noexcept nogil:
    """Describe a dense design (X: n x p column-major, of d's element type)."""
    if dense_t is DenseD:
        d.X = <const double*> X
    else:
        d.X = <const float*> X
    d.n, d.p = n, p
    d.x_mean = &x_mean[0] if p > 0 else NULL
    d.cache = cache


cdef inline void _dense_of(const floating[::1, :] X, const double[::1] x_mean, WSGram* cache,
                           DenseD* d64, DenseF* d32) noexcept nogil:
    """Describe X in the one of d64 (float64 X) and d32 (float32 X) of its type."""
    cdef const void* data = &X[0, 0] if X.shape[0] > 0 and X.shape[1] > 0 else NULL
    if floating is double:
        _dense(d64, data, X.shape[0], X.shape[1], x_mean, cache)
    else:
        _dense(d32, data, X.shape[0], X.shape[1], x_mean, cache)


cdef inline void _sparse(sparse_t* d, const void* data, const int[::1] indices,
                         const Py_ssize_t[::1] indptr, int n,
                         const double[::1] x_mean) noexcept nogil:
    """Describe a CSC design (data of d's element type)."""
    if sparse_t is SparseD:
        d.data = <const double*> data
    else:
        d.data = <const float*> data
    d.indices = &indices[0] if indices.shape[0] > 0 else NULL
    d.indptr = &indptr[0]
    d.n, d.p = n, indptr.shape[0] - 1
    d.x_mean = &x_mean[0] if d.p > 0 else NULL


cdef inline void _sparse_of(const floating[::1] data, const int[::1] indices,
                            const Py_ssize_t[::1] indptr, int n, const double[::1] x_mean,
                            SparseD* d64, SparseF* d32) noexcept nogil:
    """Describe a CSC matrix in the one of d64 and d32 of its type."""
    cdef const void* values = &data[0] if data.shape[0] > 0 else NULL
    if floating is double:
        _sparse(d64, values, indices, indptr, n, x_mean)
    else:
        _sparse(d32, values, indices, indptr, n, x_mean)


cdef void enet_dense(
    const floating[::1, :] X, const double[::1] y_c, const double[::1] sw,
    const double[::1] x_mean, const double[::1] x_norm2, const double[::1] pf,
    const CDParams* params, double[::1] w,
    double[::1] R, double[::1] g, int[::1] ws, CDResult* result) noexcept nogil:
    cdef SqLoss f
    cdef WSGram local
    cdef WSGram* cache = params.state.gram_cache
    cdef DenseD d64
    cdef DenseF d32
    _quadratic(&f, y_c, sw)
    _ws_gram_init(&local)
    _dense_of(X, x_mean, cache if cache != NULL else &local, &d64, &d32)
    if floating is double:
        cd_solve(&d64, &f, x_norm2, pf, params, w, _ptr(R), g, ws, result)
    else:
        cd_solve(&d32, &f, x_norm2, pf, params, w, _ptr(R), g, ws, result)
    ws_gram_free(&local)


cdef void enet_sparse(
    const floating[::1] data, const int[::1] indices, const Py_ssize_t[::1] indptr,
    const double[::1] y_c, const double[::1] sw,
    const double[::1] x_mean, const double[::1] x_norm2, const double[::1] pf,
    const CDParams* params, double[::1] w,
    double[::1] R, double[::1] g, int[::1] ws, CDResult* result) noexcept nogil:
    cdef SqLoss f
    cdef SparseD d64
    cdef SparseF d32
    _quadratic(&f, y_c, sw)
    _sparse_of(data, indices, indptr, f.n, x_mean, &d64, &d32)
    if floating is double:
        cd_solve(&d64, &f, x_norm2, pf, params, w, _ptr(R), g, ws, result)
    else:
        cd_solve(&d32, &f, x_norm2, pf, params, w, _ptr(R), g, ws, result)


cdef void enet_gram(
    const floating[:, ::1] Q, const double[::1] q, double y_norm2,
    const double[::1] x_norm2, const double[::1] pf, const CDParams* params,
    double[::1] w, double[::1] H, double[::1] g, int[::1] ws,
    CDResult* result) noexcept nogil:
    cdef SqLoss f
    cdef GramD d64
    cdef GramF d32
    f.n, f.y_c, f.sw, f.y_norm2 = 0, NULL, NULL, y_norm2
    if floating is double:
        d64.Q, d64.p = &Q[0, 0] if q.shape[0] > 0 else NULL, q.shape[0]
        d64.q = &q[0] if q.shape[0] > 0 else NULL
        d64.slot = d64.feat = NULL
        cd_solve(&d64, &f, x_norm2, pf, params, w, _ptr(H), g, ws, result)
    else:
        d32.Q, d32.p = &Q[0, 0] if q.shape[0] > 0 else NULL, q.shape[0]
        d32.q = &q[0] if q.shape[0] > 0 else NULL
        d32.slot = d32.feat = NULL
        cd_solve(&d32, &f, x_norm2, pf, params, w, _ptr(H), g, ws, result)
