# cython: language_level=3
"""One-problem elastic-net solvers (dense, sparse CSC, Gram) and their helpers.

Algorithm, shared by the three kernels (an outer iteration):

1. scan all features: g = X~^T S r and the duality gap (O(n p), parallel over
   features when ``n_threads > 1``); stop if gap <= tol;
2. working set = nonzero coefficients plus the features violating their
   optimality condition at zero the most (glmnet's KKT check, capped and grown
   geometrically as in celer);
3. coordinate sweeps over the working set only, checking the gap of that
   subproblem every few sweeps, until it is below a tenth of the full gap (or
   half the tolerance); between checks, once the sweeps have cost as much as
   one, a Newton step on the support of the nonzero coefficients (exact for
   the quadratic it is while the signs hold), which is what converges on
   strongly collinear designs.  Unpenalised features are solved exactly as a
   block before every gap check, full or restricted.

``n_iter`` counts the coordinate sweeps (each over the working set of the
moment) and is bounded by ``max_iter``, so a fit costs at most about
``2 * max_iter`` passes over X.  The gap returned is always the full gap at
the returned coefficients.
"""
import threading

import numpy as np

from cython.parallel cimport prange
from libc.float cimport DBL_EPSILON
from libc.math cimport INFINITY, fabs, sqrt
from libc.stdlib cimport calloc, free, malloc
from libc.limits cimport INT_MAX
from libc.string cimport memcpy, memset
from cpython.pythread cimport PyThread_get_thread_ident
from scipy.linalg.cython_blas cimport dgemm, dgemv, dsyrk
from fastpen._cd_inline cimport (
    fp_axpy_d, fp_dot_d, axpy_centered, col_sq_dev, col_sum, _cholesky_solve, block_step, box_qp, cd_update, dot_centered, enet_gap, fp_simd_level,
    col_sq_dev_dot, rand_below, sparse_axpy, sparse_dot, wdot_centered,
)

# Working-set solves check their own (restricted) gap every INNER_GAP_EVERY epochs
# and stop once it is below INNER_GAP_RATIO times the last full gap, or half the
# tolerance, whichever is larger.
cdef int INNER_GAP_EVERY = 5
cdef double INNER_GAP_RATIO = 0.1


# A scan gets one thread per WORK_PER_THREAD multiply-adds (at most n_threads):
# waking a thread costs microseconds on idle cores (tens under some
# hypervisors), and its spinning afterwards slows the serial sweeps that follow
# when it shares a core with them.  Measured on a 16-core machine, a sparse
# path whose ~0.3 M-entry scans used all 16 threads ran 3x slower than with one.
cdef long WORK_PER_THREAD = 1 << 18


cdef inline int scan_threads(int n_threads, long long work) noexcept nogil:
    """Threads for a scan of ``work`` multiply-adds (1: run it serially).

    Each column's result does not depend on the count, only the speed does.
    """
    cdef long t = work // WORK_PER_THREAD
    return <int> max(1, min(<long> n_threads, t))


# Kernels called from Python's main thread let signal handlers (Ctrl-C) run every
# tenth of a second, at their gap checks.
cdef double SIGNAL_CHECK_SECONDS = 0.1

cdef extern from *:
    """
    #ifdef _WIN32
    #include <windows.h>
    static double fp_seconds(void) { return (double) GetTickCount64() * 1e-3; }
    #else
    #include <time.h>
    static double fp_seconds(void) {   /* a vDSO call: tens of nanoseconds */
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
    }
    #endif
    """
    double fp_seconds() noexcept nogil

cdef extern from "Python.h":
    # declared without an exception value: a handler's exception is left
    # pending for the caller (raise_pending), not reported here
    int _check_signals "PyErr_CheckSignals"()


cdef bint _interrupted(const CDParams* prm) noexcept nogil:
    """Whether this call must stop: another thread of it was interrupted, or, on
    the main thread and when due, a signal handler raised (left pending)."""
    cdef double now
    global _signal_deadline
    if prm.stop == NULL:
        return False
    if prm.stop[0]:
        return True
    if not prm.check_signals:
        return False
    now = fp_seconds()
    if now < _signal_deadline:
        return False
    _signal_deadline = now + SIGNAL_CHECK_SECONDS
    with gil:
        if _check_signals() != 0:
            prm.stop[0] = 1
    return prm.stop[0] != 0


cdef void _watch(CDParams* prm, volatile int* stop) except *:
    """Let a one-problem call be interrupted: through ``stop``, and by signals
    when it runs on the main thread."""
    prm.stop = stop
    # looked up per call: in a child forked from another thread, that thread is main
    prm.check_signals = PyThread_get_thread_ident() == threading.main_thread().ident


# Only Python's main thread checks signals, so only it reads and writes this: the
# time of its next check, kept across kernel calls (a path or a batch makes one
# call per alpha, often shorter than the interval).
cdef double _signal_deadline = 0.0


cdef int raise_pending() except -1:
    """Propagate the exception a signal handler left pending in a kernel."""
    return -1


cdef inline double _inner_tol(double gap, double tol) noexcept nogil:
    return max(INNER_GAP_RATIO * gap, 0.5 * tol)


# The duality gap is a difference of terms as large as ||y_c||^2_S, so below about
# GAP_FLOOR ||y_c||^2_S its rounding error is of its own size: no fit can certify
# a smaller gap in float64.  A tol below that stops there (the Python layer
# warns that the gap asked for cannot be certified).  Below TIGHT_TOL ||y_c||^2_S
# the residual, kept up to date by O(n) updates along a whole path, is
# recomputed from X and w before each full gap, so that its drift (1e-12 of
# ||y_c||^2 after a path on the collinear designs) never enters a certificate.
cdef double GAP_FLOOR = 64.0 * DBL_EPSILON
cdef double TIGHT_TOL = 1e-9


cdef inline double _certifiable(double tol, double y_norm2) noexcept nogil:
    """The tolerance a kernel stops at: tol, or the rounding level of the gap."""
    return max(tol, GAP_FLOOR * y_norm2)


# Near that level (a gap below TIGHT_TOL ||y_c||^2), rounding rather than progress
# moves the gap: a solve whose gap has made no new low (by 0.1 %) at STALL_CHECKS
# checks in a row stops there, instead of sweeping on to max_iter.  A fit that
# stops so, above its tol, reports fewer sweeps than max_iter: the Python layer
# then says that float64 cannot certify the gap asked for.
cdef int STALL_CHECKS = 8


# Under a tight tol the kernels also keep the coefficients of the smallest full gap
# seen and return to them if the last one is larger: near the rounding level a
# Newton step can follow rounding noise along a flat direction of the support
# (on the diabetes degree-3 path, tol=1e-14 ended 100x above its best gap).
cdef struct BestIterate:
    double* w           # NULL: not kept (a tol that is not tight, or no memory)
    double gap


cdef inline void _best_begin(BestIterate* best, int p, bint tight) noexcept nogil:
    best.w = <double*> malloc(<size_t>max(p, 1) * sizeof(double)) if tight else NULL
    best.gap = INFINITY


cdef inline void _best_note(BestIterate* best, const double[::1] w, double gap) noexcept nogil:
    if best.w != NULL and gap < best.gap:
        best.gap = gap
        memcpy(best.w, &w[0], w.shape[0] * sizeof(double))


cdef inline bint _best_restore(BestIterate* best, double[::1] w, double gap) noexcept nogil:
    """Put the best coefficients back if ``gap`` is larger; frees the copy.  Returns
    whether it did (the caller then recomputes its state and gap)."""
    cdef bint back = best.w != NULL and gap > best.gap
    if back:
        memcpy(&w[0], best.w, w.shape[0] * sizeof(double))
    free(best.w)
    best.w = NULL
    return back


cdef inline bint _stalled(double gap, double* best, int* count, double level) noexcept nogil:
    """Whether a gap below ``level`` has stopped falling (see STALL_CHECKS)."""
    if gap < best[0] * (1.0 - 1e-3):
        best[0] = gap
        count[0] = 0
        return False
    count[0] += 1
    return count[0] >= STALL_CHECKS and gap < level


cdef inline unsigned long long _rng_state(unsigned long long seed) noexcept nogil:
    cdef unsigned long long s = seed ^ 0x9E3779B97F4A7C15ULL
    return s if s != 0 else 1


cdef inline double _l2_factor(const CDParams* prm, const double[::1] pf,
                              int j) noexcept nogil:
    return prm.l2_factor[j] if prm.l2_factor != NULL else pf[j]


cdef inline double _update(double z, int j, const double[::1] x_norm2,
                           const double[::1] pf, const CDParams* prm) noexcept nogil:
    """New value of coordinate j given z = x~_j^T S r + ||x~_j||^2 w_j."""
    cdef double w = cd_update(z, x_norm2[j], prm.a * pf[j], prm.b * _l2_factor(prm, pf, j),
                              prm.positive)
    if prm.lower != NULL:
        w = min(max(w, prm.lower[j]), prm.upper[j])
    return w


cdef inline double _feasible(double w, int j, const CDParams* prm) noexcept nogil:
    """Project a starting value onto the constraints."""
    if prm.positive and w < 0.0:
        w = 0.0
    if prm.lower != NULL:
        w = min(max(w, prm.lower[j]), prm.upper[j])
    return w


cdef inline double _gap(const int* idx, int m, const double[::1] g, const double[::1] w,
                        const double[::1] pf, const double[::1] x_norm2,
                        const CDParams* prm, double r_norm2, double r_dot_y,
                        double dnorm_floor=0.0) noexcept nogil:
    return enet_gap(idx, m, &g[0], &w[0], &pf[0], prm.l2_factor, prm.lower, prm.upper,
                    &x_norm2[0], prm.a, prm.b, prm.positive, r_norm2, r_dot_y, dnorm_floor)


# Working sets hold every nonzero coefficient plus the features violating their
# optimality condition the most, at most max(WS_MIN, WS_GROWTH nnz, previous
# size) features in all (geometric growth as in celer, which doubles), so the
# first solves stay small even when thousands of features violate at w = 0.
# Growth 2, 4 and 8 were timed on the four benchmark problems and on a grid of
# 12 more single fits: 8 was fastest (fewer full scans of X; the extra
# zero features cost little, least on the working set's Gram matrix).
cdef int WS_MIN = 16
cdef int WS_GROWTH = 8


cdef inline double _excess(int j, const double[::1] g, const double[::1] pf,
                           const CDParams* prm) noexcept nogil:
    """|x~_j^T S r| - a pf_j over the directions the constraints allow (> 0: violator)."""
    cdef double a_j = prm.a * pf[j], v = -INFINITY
    if prm.lower == NULL or prm.upper[j] > 0.0:
        v = g[j] - a_j
    if not prm.positive and (prm.lower == NULL or prm.lower[j] < 0.0):
        v = max(v, -g[j] - a_j)
    return v


cdef inline double _violation(int j, const double[::1] g, const double[::1] x_norm2,
                              const double[::1] pf, const CDParams* prm) noexcept nogil:
    """How far feature j, at zero, is from optimal, scaled by its norm (> 0: violator)."""
    return _excess(j, g, pf, prm) / sqrt(x_norm2[j])


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
                             const int* cand, int n_cand, bint first) noexcept nogil:
    """Nonzero coefficients, then the strongest violators; ``size`` grows geometrically.

    Looks at the features ``cand[:n_cand]`` (all of them if cand is NULL; with
    screening, those not screened out, which hold every nonzero).  For the
    ``first`` working set of a fit along a path (``prm.a_prev`` > a, the
    previous alpha's strength), the sequential strong rule also admits the
    features with |x~_j^T S r| > (2 a - a_prev) pf_j, likely to enter at this
    alpha; the full scan that follows the solve re-checks every feature (the
    KKT check).
    """
    cdef int k, j, m = 0, n_viol = 0, limit
    cdef int count = n_cand if cand != NULL else w.shape[0]
    cdef double strong = max(prm.a_prev - prm.a, 0.0) if first else 0.0
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
    if m + n_viol <= limit:
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
    cdef int k, j, m = prm.n_unpen
    cdef double lo, hi
    cdef double* buf
    cdef double* d
    if m == 0:
        return NULL
    d = <double*> malloc(m * sizeof(double))
    if d == NULL:
        return NULL
    if not prm.unpen_boxed:
        for k in range(m):
            d[k] = block_step(k, m, prm.unpen_inv, prm.unpen_idx, &g[0])
        return d
    buf = <double*> malloc((m * m + 6 * m) * sizeof(double))
    if buf == NULL:
        free(d)
        return NULL
    for k in range(m):
        j = prm.unpen_idx[k]
        lo = prm.lower[j] if prm.lower != NULL else -INFINITY
        hi = prm.upper[j] if prm.lower != NULL else INFINITY
        if prm.positive and lo < 0.0:
            lo = 0.0
        buf[k] = g[j]
        buf[m + k] = lo - w[j]
        buf[2 * m + k] = hi - w[j]
    box_qp(m, prm.unpen_inv, buf, buf + m, buf + 2 * m, d, buf + 3 * m)
    free(buf)
    return d


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


cdef inline void _box(int j, const CDParams* prm, double* lo, double* hi) noexcept nogil:
    """The interval coordinate j is constrained to (bounds, positive)."""
    lo[0], hi[0] = -INFINITY, INFINITY
    if prm.lower != NULL:
        lo[0], hi[0] = prm.lower[j], prm.upper[j]
    if prm.positive and lo[0] < 0.0:
        lo[0] = 0.0


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
            v -= fp_dot_d(j, &A[<size_t>i * k], 0.0, &A[<size_t>j * k])
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
        b[i] = (b[i] - fp_dot_d(i, &L[<size_t>i * k], 0.0, b)) / L[<size_t>i * k + i]
    for i in range(k - 1, -1, -1):      # L^T x = z, a column of L^T (row i of L) at a time
        b[i] /= L[<size_t>i * k + i]
        if i > 0:
            fp_axpy_d(i, -b[i], &L[<size_t>i * k], 0.0, b)


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
        nb.diag[i] = nb.G[<size_t>i * k + i] + prm.b * _l2_factor(prm, pf, nb.feat[i])
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
        aj = prm.a * pf[j]
        bj = prm.b * _l2_factor(prm, pf, j)
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
            fp_axpy_d(k, -nb.mu[l], &nb.Z[<size_t>l * k], 0.0, nb.d)
        for i in range(nd):
            nb.d[nb.drop[i]] = 0.0
    for i in range(k):             # (grad is 0 at the dropped ones, and so is d)
        gd += nb.grad[i] * nb.d[i]
    for i in range(k):             # d^T (G + diag(b pf2)) d, from G itself
        v = fp_dot_d(k, &nb.G[<size_t>i * k], 0.0, nb.d)
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
        if prm.a * pf[j] > 0.0:     # the kink at zero ends the smooth piece
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
    if prm.no_newton:
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
            fp_axpy_d(k, -delta, &nb.G[<size_t>i * k], 0.0, nb.g_S)   # g -= G delta
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


# ----------------------------------------------------------------- screening
# Gap-safe screening (Fercoq, Gramfort and Salmon 2015; Ndiaye et al. 2017).
# With gap G at w and the dual point theta = c r, the dual optimum lies within
# sqrt(2 G) of theta (in the S-norm; the dual is 1-strongly concave), so a
# feature with w_j = 0 and
#     c |x~_j^T S r| + sqrt(||x~_j||^2 + b pf2_j) sqrt(2 G) < a pf_j
# is zero at the optimum.  Such a feature leaves the scans: only the bound
# |x~_j^T S R| <= bound_j + ||x~_j||_S ||R - r_ref||_S (Cauchy-Schwarz) is
# kept, and it re-enters the scans as soon as that bound reaches a pf_j (a
# smaller alpha along a path, or a residual that moved far).  The bound also
# caps its term of the dual norm, so the gap remains a certificate for the
# whole problem (with a dual point scaled a little more than the exact one:
# an upper bound of the exact gap).  Not used with box constraints or
# unpenalised features, whose dual constraints are not of this form.
#
# The bound is kept in the form |x~_j^T S R| <= c_j + ||x~_j||_S D, where D, a
# length of the residual's path (D = d_ref + ||R - r_ref||_S, d_ref adding the
# lengths of the legs between the successive references r_ref), only grows;
# c_j is set when j is screened and never rebased.  j can come back at
# strength a only once alpha_j(D) = (c_j + ||x~_j|| D) / pf_j reaches a.
#
# Bookkeeping stays proportional to the features still scanned (the list
# ``act``) plus a "near" tier of the screened ones.  Along a path, a visit of
# all screened features sorts them into the near tier (alpha_j >= a / 2: those
# that may come back soon) and a "far" tier, of which only two maxima are
# kept (far_a of alpha_j and far_rho of ||x~_j|| / pf_j at D = far_d): none of
# the far ones can come back while a > far_a + far_rho (D - far_d).  A new
# alpha visits the near tier only; the far tier once that test fails (a few
# times along a path).  Within one alpha, no feature is visited before D
# reaches d_next, the path length at which the first one could come back.

cdef double FAR_RATIO = 0.5     # far tier: alpha_j(D) below FAR_RATIO * a at a sorting visit

cdef struct Screening:
    CDScreen* sc        # the caller's state, or ``local``
    CDScreen local
    double delta        # ||R - r_ref||_S at the last refresh
    int p
    bint on
    bint own


cdef inline double _screen_ub(double c, double norm, double dist) noexcept nogil:
    """c + norm dist, rounded up (a relative margin well above its rounding error)."""
    return c + norm * dist + 1e-12 * (fabs(c) + norm * dist)


cdef void _screen_clear(CDScreen* sc) noexcept nogil:
    """No feature screened (the lists emptied, the path length back to 0)."""
    sc.n_bounded = 0
    sc.near.n = 0
    sc.far.n = 0
    sc.a_ref = -1.0
    sc.d_ref = 0.0
    sc.d_next = INFINITY
    sc.far_a = -INFINITY
    sc.far_rho = 0.0
    sc.far_d = 0.0


cdef inline bint _list_alloc(ScreenedList* lst, int p) noexcept nogil:
    lst.j = <int*> malloc(max(p, 1) * sizeof(int))
    lst.c = <double*> malloc(max(p, 1) * sizeof(double))
    lst.norm = <double*> malloc(max(p, 1) * sizeof(double))
    lst.pf = <double*> malloc(max(p, 1) * sizeof(double))
    lst.n = 0
    return not (lst.j == NULL or lst.c == NULL or lst.norm == NULL or lst.pf == NULL)


cdef inline void _list_free(ScreenedList* lst) noexcept nogil:
    free(lst.j)
    free(lst.c)
    free(lst.norm)
    free(lst.pf)
    lst.j = NULL
    lst.c = NULL
    lst.norm = NULL
    lst.pf = NULL


cdef bint screen_alloc(CDScreen* sc, int n, int p) noexcept nogil:
    """Allocate the arrays of a screening state for n samples and p features
    (False if out of memory: free it with screen_free all the same)."""
    cdef bint ok
    sc.n = n
    sc.p = p
    sc.bounded = <signed char*> calloc(max(p, 1), sizeof(signed char))
    sc.r_ref = <double*> malloc(max(n, 1) * sizeof(double))
    sc.norm = <double*> malloc(max(p, 1) * sizeof(double))
    sc.act = <int*> malloc((p + 1) * sizeof(int))     # + 1: see _screen_reset
    ok = _list_alloc(&sc.near, p)
    ok = _list_alloc(&sc.far, p) and ok
    _screen_clear(sc)
    sc.n_act = 0
    sc.has_norm = False
    sc.pf_ok = False
    return ok and not (sc.bounded == NULL or sc.r_ref == NULL or sc.norm == NULL
                       or sc.act == NULL)


cdef void screen_free(CDScreen* sc) noexcept nogil:
    free(sc.bounded)
    free(sc.r_ref)
    free(sc.norm)
    free(sc.act)
    sc.bounded = NULL
    sc.r_ref = NULL
    sc.norm = NULL
    sc.act = NULL
    _list_free(&sc.near)
    _list_free(&sc.far)


cdef void _screen_reset(CDScreen* sc, int p) noexcept nogil:
    """Nothing screened: every feature of nonzero norm is scanned (act has p + 1 entries)."""
    cdef int j
    sc.n_act = 0
    for j in range(p):
        sc.bounded[j] = 0
        sc.act[sc.n_act] = j
        sc.n_act += sc.norm[j] > 0.0
    _screen_clear(sc)


cdef bint _screen_begin(Screening* s, const CDParams* prm, const double[::1] x_norm2,
                        const double[::1] pf, int n, bint warm) noexcept nogil:
    """Set up the screening of one call; returns whether ``warm`` can be honoured."""
    cdef int j, p = x_norm2.shape[0]
    cdef CDScreen* sc
    cdef bint wanted = not (prm.a <= 0.0 or prm.lower != NULL or prm.n_unpen > 0
                            or prm.no_screening)
    s.p = p
    s.delta = 0.0
    s.own = prm.screen == NULL
    s.on = wanted
    if s.own:
        sc = &s.local
        if wanted:
            s.on = screen_alloc(sc, n, p)
        else:
            memset(sc, 0, sizeof(CDScreen))
    else:
        sc = prm.screen
        s.on = wanted and sc.p == p and sc.n == n
    s.sc = sc
    if s.on and not sc.has_norm:       # once per problem
        sc.pf_ok = True
        for j in range(p):
            sc.norm[j] = sqrt(x_norm2[j]) * (1.0 + 1e-12)
            sc.pf_ok &= (x_norm2[j] == 0.0) | (pf[j] > 0.0)
        sc.has_norm = True
        warm = False
    s.on = s.on and sc.pf_ok
    if s.on:
        if not warm:
            _screen_reset(sc, p)
        return warm
    if warm and sc.n_bounded > 0:
        warm = False        # their g is stale: a full scan is needed
    if not s.own and sc.bounded != NULL:
        # this call does not keep a caller's state up to date (its act list
        # included): the next call that screens starts it afresh
        for j in range(sc.p):
            sc.bounded[j] = 0
        _screen_clear(sc)
        sc.has_norm = False
    return warm


cdef int _screen_unlisted(Screening* s) noexcept nogil:
    """With a per-call state, list the screened features in sc.act (their g is to
    be brought up to date before returning, as the contract of R and g says)."""
    cdef CDScreen* sc = s.sc
    cdef int k
    if not (s.on and s.own and sc.n_bounded > 0):
        return 0
    for k in range(sc.near.n):
        sc.act[k] = sc.near.j[k]
    for k in range(sc.far.n):
        sc.act[sc.near.n + k] = sc.far.j[k]
    return sc.n_bounded


cdef void _screen_end(Screening* s) noexcept nogil:
    if s.own:
        screen_free(&s.local)


cdef double _ref_distance(const CDScreen* sc, const double[::1] sw,
                          const double[::1] R) noexcept nogil:
    """||R - r_ref||_S, rounded up."""
    cdef int i
    cdef double d, acc = 0.0
    for i in range(R.shape[0]):
        d = R[i] - sc.r_ref[i]
        acc += (sw[i] if sw.shape[0] > 0 else 1.0) * d * d
    return sqrt(acc) * (1.0 + 1e-12)


cdef inline double _far_limit(const CDScreen* sc, double a) noexcept nogil:
    """Path length up to which no far feature can come back at strength a.

    The tier's summary bounds alpha_j(D) by far_a + far_rho (D - far_d) for
    D >= far_d only; below far_d (D can shrink back when R returns towards
    r_ref), by far_a.  So a <= far_a proves nothing at any D.
    """
    if sc.far.n == 0:
        return INFINITY
    if not a > sc.far_a:        # (also NaN)
        return -INFINITY
    if sc.far_rho == 0.0:
        return INFINITY
    return sc.far_d + (a - sc.far_a) / sc.far_rho * (1.0 - 1e-12)


cdef inline void _list_move(ScreenedList* dst, int to, const ScreenedList* src,
                            int k) noexcept nogil:
    dst.j[to] = src.j[k]
    dst.c[to] = src.c[k]
    dst.norm[to] = src.norm[k]
    dst.pf[to] = src.pf[k]


cdef inline void _readmit(CDScreen* sc, int j) noexcept nogil:
    sc.bounded[j] = 0
    sc.act[sc.n_act] = j
    sc.n_act += 1


cdef void _sort_far_tier(CDScreen* sc, double a, double dist) noexcept nogil:
    """Visit the far tier: readmit, keep (compacted) or move to the near tier; its
    maxima are recomputed at path length ``dist``."""
    cdef ScreenedList* far = &sc.far
    cdef int k, kept = 0
    cdef double ub, thr, far_a = -INFINITY, far_rho = 0.0
    for k in range(far.n):
        ub = _screen_ub(far.c[k], far.norm[k], dist)
        thr = a * far.pf[k]
        if ub >= thr:
            _readmit(sc, far.j[k])
        elif ub >= FAR_RATIO * thr:
            _list_move(&sc.near, sc.near.n, far, k)
            sc.near.n += 1
        else:
            far_a = max(far_a, ub / far.pf[k])
            far_rho = max(far_rho, far.norm[k] / far.pf[k])
            _list_move(far, kept, far, k)
            kept += 1
    far.n = kept
    sc.far_a = far_a
    sc.far_rho = far_rho
    sc.far_d = dist


cdef double _visit_near_tier(CDScreen* sc, double a, double dist, bint sort) noexcept nogil:
    """Visit the near tier: readmit, keep (compacted) or, when ``sort``, move to the
    far tier.  Returns the path length at which a kept one could come back."""
    cdef ScreenedList* near = &sc.near
    cdef int k, kept = 0
    cdef double ub, thr, d_next = INFINITY, far_a = sc.far_a, far_rho = sc.far_rho
    for k in range(near.n):
        ub = _screen_ub(near.c[k], near.norm[k], dist)
        thr = a * near.pf[k]
        if ub >= thr:
            _readmit(sc, near.j[k])
        elif sort and ub < FAR_RATIO * thr:
            far_a = max(far_a, ub / near.pf[k])
            far_rho = max(far_rho, near.norm[k] / near.pf[k])
            _list_move(&sc.far, sc.far.n, near, k)
            sc.far.n += 1
        else:
            if thr - ub < (d_next - dist) * near.norm[k]:     # divides only when it moves
                d_next = dist + (thr - ub) / near.norm[k]
            _list_move(near, kept, near, k)
            kept += 1
    near.n = kept
    sc.far_a = far_a
    sc.far_rho = far_rho
    return d_next


cdef int _screen_refresh(Screening* s, const double[::1] sw, const double[::1] R,
                         const double[::1] pf, const CDParams* prm,
                         double* floor) noexcept nogil:
    """Readmit the screened features whose bound may have reached a pf_j: they are
    appended to sc.act, and their number is returned.  ``floor``: an upper
    bound of |x~_j^T S R| / pf_j over the features still screened, or ``a``
    when that is all we know (the same dual point as long as it is below a)."""
    cdef CDScreen* sc = s.sc
    cdef int start = sc.n_act
    cdef double dist, a = prm.a, d_next
    cdef bint sort
    floor[0] = 0.0
    s.delta = 0.0
    if sc.n_bounded == 0:
        return 0
    s.delta = _ref_distance(sc, sw, R)
    dist = sc.d_ref + s.delta
    if a == sc.a_ref and dist < sc.d_next:   # none can have reached a pf_j
        floor[0] = a
        return 0
    sc.a_ref = a
    # sort the tiers anew when the far one is empty or may hold one that comes back
    sort = sc.far.n == 0 or dist >= _far_limit(sc, a)
    if sort:
        _sort_far_tier(sc, a, dist)
    d_next = _visit_near_tier(sc, a, dist, sort)
    sc.n_bounded = sc.near.n + sc.far.n
    sc.d_next = min(d_next, _far_limit(sc, a))
    floor[0] = a if sc.n_bounded > 0 else 0.0   # each is below a pf_j: the same as exact
    return sc.n_act - start


cdef void _screen_new(Screening* s, const double[::1] R, const double[::1] g,
                      const double[::1] w, const double[::1] x_norm2, const double[::1] pf,
                      const CDParams* prm, double gap, double floor) noexcept nogil:
    """Screen the features of sc.act that the gap-safe sphere test rules out
    (into the near tier)."""
    cdef CDScreen* sc = s.sc
    cdef ScreenedList* near = &sc.near
    cdef int k, j, k_b, kept = 0
    cdef double dnorm = floor, v, c, radius, ub
    cdef bint moved = False
    for k in range(sc.n_act):
        j = sc.act[k]
        v = g[j] - prm.b * _l2_factor(prm, pf, j) * w[j]
        v = (v if prm.positive else fabs(v)) / pf[j]
        if v > dnorm:
            dnorm = v
    c = prm.a / dnorm if dnorm > prm.a else 1.0
    radius = sqrt(2.0 * max(gap, 0.0))
    for k in range(sc.n_act):
        j = sc.act[k]
        if (w[j] == 0.0 and c * fabs(g[j]) < prm.a * pf[j]
                and c * fabs(g[j]) + radius * (
                    sc.norm[j] if prm.b == 0.0 else
                    sqrt(x_norm2[j] + prm.b * _l2_factor(prm, pf, j))) < prm.a * pf[j]):
            if not moved:
                # R becomes the reference (a new leg of the path), so that the new
                # bounds start from |g_j| itself
                if sc.n_bounded == 0:
                    _screen_clear(sc)
                    sc.a_ref = prm.a
                else:
                    sc.d_ref += s.delta
                memcpy(sc.r_ref, &R[0], R.shape[0] * sizeof(double))
                s.delta = 0.0
                moved = True
            sc.bounded[j] = 1
            k_b = near.n
            near.j[k_b] = j
            # |x~_j^T S R'| <= |g_j| + ||x~_j|| ||R' - R|| <= |g_j| + ||x~_j|| (D' - d_ref)
            near.c[k_b] = fabs(g[j]) * (1.0 + 1e-12) - sc.norm[j] * sc.d_ref
            near.norm[k_b] = sc.norm[j]
            near.pf[k_b] = pf[j]
            if prm.a == sc.a_ref:
                ub = _screen_ub(near.c[k_b], sc.norm[j], sc.d_ref)
                sc.d_next = min(sc.d_next, sc.d_ref + (prm.a * pf[j] - ub) / sc.norm[j])
            near.n += 1
            sc.n_bounded += 1
        else:
            sc.act[kept] = j
            kept += 1
    sc.n_act = kept


# --------------------------------------------------------------------- dense

cdef inline double _dense_grad(const floating[::1, :] X, const double[::1] sw,
                               const double[::1] x_mean, const double[::1] R,
                               int j) noexcept nogil:
    if sw.shape[0] > 0:
        return wdot_centered(X.shape[0], &X[0, j], x_mean[j], &sw[0], &R[0])
    return dot_centered(X.shape[0], &X[0, j], x_mean[j], &R[0])


cdef double _dense_sweep(const floating[::1, :] X, const double[::1] sw,
                         const double[::1] x_mean, const double[::1] x_norm2,
                         const double[::1] pf, const CDParams* prm, double[::1] w,
                         double[::1] R, const int* idx, int m,
                         unsigned long long* rng) noexcept nogil:
    """One epoch over ``idx[:m]`` (all features if idx is NULL); returns the decrease."""
    cdef int t, k, j
    cdef double w_old, w_new, z, decrease = 0.0
    for t in range(m):
        k = rand_below(rng, m) if prm.random else t
        j = idx[k] if idx != NULL else k
        if x_norm2[j] == 0.0:
            continue
        w_old = w[j]
        z = _dense_grad(X, sw, x_mean, R, j) + x_norm2[j] * w_old
        w_new = _update(z, j, x_norm2, pf, prm)
        if w_new != w_old:
            axpy_centered(X.shape[0], w_old - w_new, &X[0, j], x_mean[j], &R[0])
            w[j] = w_new
            decrease += 0.5 * (x_norm2[j] + prm.b * _l2_factor(prm, pf, j)) * (w_new - w_old) ** 2
    return decrease


cdef void _dense_block_step(const floating[::1, :] X, const double[::1] sw,
                            const double[::1] x_mean, const CDParams* prm,
                            double[::1] w, double[::1] R, double[::1] g) noexcept nogil:
    """Solve the unpenalised block exactly given the other coefficients."""
    cdef int k, j
    cdef double* d
    for k in range(prm.n_unpen):
        j = prm.unpen_idx[k]
        g[j] = _dense_grad(X, sw, x_mean, R, j)
    d = _block_delta(prm, g, w)
    if d == NULL:
        return
    for k in range(prm.n_unpen):
        if d[k] != 0.0:
            j = prm.unpen_idx[k]
            w[j] += d[k]
            axpy_centered(X.shape[0], -d[k], &X[0, j], x_mean[j], &R[0])
    free(d)


cdef inline double _wdot(const double[::1] sw, const double[::1] u,
                         const double[::1] v) noexcept nogil:
    """sum_i s_i u_i v_i (unit weights when sw is empty), vectorised."""
    if sw.shape[0] > 0:
        return wdot_centered(u.shape[0], &u[0], 0.0, &sw[0], &v[0])
    return dot_centered(u.shape[0], &u[0], 0.0, &v[0])


cdef double _residual_stats(const double[::1] y_c, const double[::1] sw,
                            const double[::1] R, double* r_dot_y) noexcept nogil:
    """Return sum s r^2 and store sum s r y_c."""
    r_dot_y[0] = _wdot(sw, R, y_c)
    return _wdot(sw, R, R)


cdef double _gap_after_scan(const double[::1] y_c, const double[::1] sw,
                            const double[::1] x_norm2, const double[::1] pf,
                            const CDParams* prm, const double[::1] w, const double[::1] R,
                            const double[::1] g, const int* idx, int m,
                            CDResult* result, double floor=0.0) noexcept nogil:
    """Gap of the problem restricted to ``idx[:m]`` (all if NULL) once g is current
    there; ``floor``: see enet_gap's dnorm_floor."""
    cdef double r_dot_y
    result.r_norm2 = _residual_stats(y_c, sw, R, &r_dot_y)
    return _gap(idx, m, g, w, pf, x_norm2, prm, result.r_norm2, r_dot_y, floor)


cdef int _full_scan_list(Screening* scr, const double[::1] sw, const double[::1] R,
                         const double[::1] pf, const CDParams* prm, bint scan_all,
                         int** idx, double* floor) noexcept nogil:
    """The features a full gap has to scan: idx[0][:count] (idx NULL: all of them).

    ``scan_all`` False (a warm start): g is current for the unscreened
    features, so only those readmitted from screening are listed.
    """
    cdef int n_fresh
    if not scr.on:
        idx[0] = NULL
        floor[0] = 0.0
        return scr.p if scan_all else 0
    n_fresh = _screen_refresh(scr, sw, R, pf, prm, floor)
    if scan_all:
        idx[0] = scr.sc.act
        return scr.sc.n_act
    idx[0] = scr.sc.act + scr.sc.n_act - n_fresh
    return n_fresh


cdef double _full_gap_after_scan(Screening* scr, const double[::1] y_c, const double[::1] sw,
                                 const double[::1] x_norm2, const double[::1] pf,
                                 const CDParams* prm, const double[::1] w,
                                 const double[::1] R, const double[::1] g, double floor,
                                 CDResult* result) noexcept nogil:
    """The whole problem's gap once g is current, then screening by it."""
    cdef double gap
    if not scr.on:
        return _gap_after_scan(y_c, sw, x_norm2, pf, prm, w, R, g, NULL, x_norm2.shape[0],
                               result)
    gap = _gap_after_scan(y_c, sw, x_norm2, pf, prm, w, R, g, scr.sc.act, scr.sc.n_act,
                          result, floor)
    _screen_new(scr, R, g, w, x_norm2, pf, prm, gap, floor)
    return gap


cdef void _dense_scan(const floating[::1, :] X, const double[::1] sw,
                      const double[::1] x_mean, const double[::1] R, double[::1] g,
                      const int* idx, int m, const CDParams* prm,
                      bint full) noexcept nogil:
    """g_j = x~_j^T S R for j in idx[:m] (all m features if idx is NULL).

    Only ``full`` scans (not the working-set checks between sweeps) are threaded.
    """
    cdef int k, j
    cdef int nt = scan_threads(prm.n_threads, <long>X.shape[0] * m) if full else 1
    for k in prange(m, num_threads=nt, schedule="static", use_threads_if=nt > 1):
        j = idx[k] if idx != NULL else k
        g[j] = _dense_grad(X, sw, x_mean, R, j)


cdef double _dense_gap(const floating[::1, :] X, const double[::1] y_c,
                       const double[::1] sw, const double[::1] x_mean,
                       const double[::1] x_norm2, const double[::1] pf,
                       const CDParams* prm, const double[::1] w, const double[::1] R,
                       double[::1] g, const int* idx, int m,
                       CDResult* result) noexcept nogil:
    """Gap of the problem restricted to ``idx[:m]`` (all features if idx is NULL)."""
    _dense_scan(X, sw, x_mean, R, g, idx, m, prm, idx == NULL)
    return _gap_after_scan(y_c, sw, x_norm2, pf, prm, w, R, g, idx, m, result)


cdef double _dense_full_gap(const floating[::1, :] X, const double[::1] y_c,
                            const double[::1] sw, const double[::1] x_mean,
                            const double[::1] x_norm2, const double[::1] pf,
                            const CDParams* prm, const double[::1] w, const double[::1] R,
                            double[::1] g, Screening* scr, bint scan_all,
                            CDResult* result) noexcept nogil:
    """Gap of the whole problem, screening what it can (see _full_scan_list)."""
    cdef int* idx
    cdef double floor
    cdef int m = _full_scan_list(scr, sw, R, pf, prm, scan_all, &idx, &floor)
    _dense_scan(X, sw, x_mean, R, g, idx, m, prm, True)
    return _full_gap_after_scan(scr, y_c, sw, x_norm2, pf, prm, w, R, g, floor, result)


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


cdef void _ws_block(const floating[::1, :] X, const double[::1] sw,
                    const double[::1] x_mean, const double[::1] y_c, const int* cols,
                    int m, int start, int nr, double* B, double* v,
                    double* root_s) noexcept nogil:
    """B (nr x m) = rows start:start+nr of S^(1/2) X~[:, cols]; v = S^(1/2) y_c there."""
    cdef int i, k, j
    cdef double xbar
    for i in range(nr):
        root_s[i] = sqrt(sw[start + i]) if sw.shape[0] > 0 else 1.0
        v[i] = y_c[start + i] * root_s[i]
    for k in range(m):
        j = cols[k]
        xbar = x_mean[j]
        if sw.shape[0] > 0:
            for i in range(nr):
                B[<size_t>k * nr + i] = root_s[i] * (X[start + i, j] - xbar)
        else:
            for i in range(nr):
                B[<size_t>k * nr + i] = X[start + i, j] - xbar


cdef int _ws_gram_update(WSGram* c, const floating[::1, :] X, const double[::1] sw,
                         const double[::1] x_mean, const double[::1] y_c, const int* ws,
                         int m) noexcept nogil:
    """Make the cache hold G = X~_ws^T S X~_ws and q = X~_ws^T S y_c in ws order.

    Entries between features it already held are copied; the rows of the new
    features are computed against the whole block by row chunks (DSYRK when all
    are new, DGEMM otherwise).  Returns 0, or -1 without memory (cache intact).
    """
    cdef int n = X.shape[0], p = x_mean.shape[0]
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
            _ws_block(X, sw, x_mean, y_c, cols, m, start, nr, B, B + <size_t>rows * m,
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


cdef int _dense_gram_ws_solve(const floating[::1, :] X, const double[::1] y_c,
                              const double[::1] sw, const double[::1] x_mean,
                              const double[::1] x_norm2, const double[::1] pf,
                              const CDParams* prm, WSGram* cache, double[::1] w,
                              double[::1] R, double[::1] g, const int* ws, int m,
                              double y_norm2, double inner_tol, unsigned long long* rng,
                              CDResult* result) noexcept nogil:
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
    if buf == NULL:
        return -1
    if _ws_gram_update(cache, X, sw, x_mean, y_c, ws, m) < 0:
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
    for k in range(m):
        j = ws[k]
        if w[j] != w0[k]:
            axpy_centered(X.shape[0], w0[k] - w[j], &X[0, j], x_mean[j], &R[0])
    free(buf)
    return it


cdef double _dense_newton(const floating[::1, :] X, const double[::1] y_c,
                        const double[::1] sw, const double[::1] x_mean,
                        const double[::1] x_norm2, const double[::1] pf,
                        const CDParams* prm, double[::1] w, double[::1] R,
                        const double[::1] g, const int* ws, int m) noexcept nogil:
    """Newton step on the working set's support, its Gram matrix built from X
    (g current there); w and R are updated.  Returns the multiply-adds spent."""
    cdef NewtonBuf nb
    cdef WSGram sub
    cdef int a, moved = 0, k = _newton_begin(&nb, ws, m, w, x_norm2, pf, prm)
    cdef double cost
    if k == 0:
        return 0.0
    _ws_gram_init(&sub)
    if _ws_gram_update(&sub, X, sw, x_mean, y_c, nb.feat, k) == 0:
        memcpy(nb.G, sub.G, <size_t>k * k * sizeof(double))
        for a in range(k):
            nb.g_S[a] = g[nb.feat[a]]
        moved = _newton_solve(&nb, w, pf, prm)
        for a in range(k):
            if moved > 0 and nb.dw[a] != 0.0:
                axpy_centered(X.shape[0], -nb.dw[a], &X[0, nb.feat[a]], x_mean[nb.feat[a]],
                              &R[0])
    ws_gram_free(&sub)
    cost = nb.cost + <double>X.shape[0] * k * (2.0 + k / (2.0 * BLAS3_SPEEDUP))
    _newton_end(&nb)
    return cost


cdef int _dense_residual_ws_solve(const floating[::1, :] X, const double[::1] y_c,
                                  const double[::1] sw, const double[::1] x_mean,
                                  const double[::1] x_norm2, const double[::1] pf,
                                  const CDParams* prm, WSGram* cache, double[::1] w,
                                  double[::1] R, double[::1] g, const int* ws, int m,
                                  int nnz, int missing, double y_norm2, double inner_tol,
                                  unsigned long long* rng, CDResult* result) noexcept nogil:
    """Working-set solve by sweeps on the residual; returns its sweeps.

    Moves on to the working set's Gram matrix once the sweeps spent would have
    paid for it (rent or buy).
    """
    cdef int it = 0, sub, stall = 0
    cdef double decrease, credit = 0.0, ws_gap, best = INFINITY
    while result.n_iter < prm.max_iter:
        decrease = _dense_sweep(X, sw, x_mean, x_norm2, pf, prm, w, R, ws, m, rng)
        result.n_iter += 1
        it += 1
        credit += <double>X.shape[0] * m
        if decrease == 0.0 or it % INNER_GAP_EVERY == 0:
            if _interrupted(prm):
                break
            _dense_block_step(X, sw, x_mean, prm, w, R, g)
            ws_gap = _dense_gap(X, y_c, sw, x_mean, x_norm2, pf, prm, w, R, g, ws, m, result)
            if (ws_gap <= inner_tol or decrease == 0.0
                    or _stalled(ws_gap, &best, &stall, TIGHT_TOL * y_norm2)):
                break
            if _gram_ws_pays(X.shape[0], m, nnz, it, missing, prm):   # g[ws] is current
                sub = _dense_gram_ws_solve(X, y_c, sw, x_mean, x_norm2, pf, prm, cache, w, R,
                                           g, ws, m, y_norm2, inner_tol, rng, result)
                if sub >= 0:
                    return it + sub
            # (the working set's Gram matrix not allowed or failed) a Newton step,
            # bought when the sweeps have cost as much as its Gram matrix and factor
            if credit >= (<double>X.shape[0] * nnz * (2.0 + nnz / (2.0 * BLAS3_SPEEDUP))
                          + _newton_cost(nnz)):
                credit -= _dense_newton(X, y_c, sw, x_mean, x_norm2, pf, prm, w, R, g, ws, m)
    return it


cdef void _dense_residual(const floating[::1, :] X, const double[::1] y_c,
                          const double[::1] x_mean, const double[::1] w,
                          double[::1] R) noexcept nogil:
    """R = y_c - X~ w, from scratch."""
    cdef int i, j
    for i in range(R.shape[0]):
        R[i] = y_c[i]
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            axpy_centered(R.shape[0], -w[j], &X[0, j], x_mean[j], &R[0])


# float32 results store float32 coefficients: on an ill-conditioned design rounding
# them moves the gap far more than their relative 6e-8 (1e-13 to 6e-5 on a
# degree-3 expansion of the wine data), so the float32 kernels round w at the end
# and report the gap of what is returned (the residual anew and one more scan
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


cdef void enet_dense(
    const floating[::1, :] X, const double[::1] y_c, const double[::1] sw,
    const double[::1] x_mean, const double[::1] x_norm2, const double[::1] pf,
    const CDParams* params, double[::1] w,
    double[::1] R, double[::1] g, int[::1] ws, CDResult* result) noexcept nogil:
    cdef int j, k, it, n_ws, nnz, missing, n = X.shape[0], p = X.shape[1]
    cdef unsigned long long rng = _rng_state(params.seed)
    cdef double gap, inner_tol, y_norm2, tol, best = INFINITY
    cdef bint tight
    cdef int ws_size = 0, stall = 0
    cdef BestIterate kept
    cdef WSGram local_cache
    cdef WSGram* cache = params.gram_cache
    cdef Screening scr
    cdef bint warm = _screen_begin(&scr, params, x_norm2, pf, n,
                                   params.warm and params.n_unpen == 0)
    if cache == NULL:
        _ws_gram_init(&local_cache)
        cache = &local_cache

    y_norm2 = _wdot(sw, y_c, y_c)
    tol = _certifiable(params.tol, y_norm2)
    tight = tol < TIGHT_TOL * y_norm2
    result.n_iter = 0
    if not warm:
        for j in range(p):
            w[j] = 0.0 if x_norm2[j] == 0.0 else _feasible(w[j], j, params)
    if not warm or tight:
        _dense_residual(X, y_c, x_mean, w, R)
        _dense_block_step(X, sw, x_mean, params, w, R, g)
    gap = _dense_full_gap(X, y_c, sw, x_mean, x_norm2, pf, params, w, R, g, &scr,
                          not warm or tight, result)
    _best_begin(&kept, p, tight)
    _best_note(&kept, w, gap)
    # (checked before the test of the gap: a warm call already at its tol still
    # lets a signal in, so a path of such calls stays interruptible)
    while not _interrupted(params) and gap > tol and result.n_iter < params.max_iter:
        n_ws = _working_set(w, g, x_norm2, pf, params, ws, &ws_size,
                            scr.sc.act if scr.on else NULL, scr.sc.n_act if scr.on else 0,
                            result.n_iter == 0)
        if n_ws == 0:   # optimality conditions hold: nothing left to move
            break
        inner_tol = _inner_tol(gap, tol)
        nnz = 0
        for k in range(n_ws):
            nnz += w[ws[k]] != 0.0
        nnz = max(nnz, 1)
        missing = _ws_gram_missing(cache, &ws[0], n_ws)
        it = -1
        if _gram_ws_pays(n, n_ws, nnz, cache.sweeps, missing, params):
            it = _dense_gram_ws_solve(X, y_c, sw, x_mean, x_norm2, pf, params, cache, w, R,
                                      g, &ws[0], n_ws, y_norm2, inner_tol, &rng, result)
        if it < 0:
            it = _dense_residual_ws_solve(X, y_c, sw, x_mean, x_norm2, pf, params, cache, w,
                                          R, g, &ws[0], n_ws, nnz, missing, y_norm2,
                                          inner_tol, &rng, result)
        cache.sweeps = max(it, 1)
        if tight:
            _dense_residual(X, y_c, x_mean, w, R)
        _dense_block_step(X, sw, x_mean, params, w, R, g)
        gap = _dense_full_gap(X, y_c, sw, x_mean, x_norm2, pf, params, w, R, g, &scr, True,
                              result)
        _best_note(&kept, w, gap)
        if _stalled(gap, &best, &stall, TIGHT_TOL * y_norm2):
            break
    if _best_restore(&kept, w, gap):
        _dense_residual(X, y_c, x_mean, w, R)
        gap = _dense_full_gap(X, y_c, sw, x_mean, x_norm2, pf, params, w, R, g, &scr, True,
                              result)
    if params.round_float32:   # the gap of the float32 coefficients returned
        if _round_to_float(w):
            _dense_residual(X, y_c, x_mean, w, R)
            gap = _dense_full_gap(X, y_c, sw, x_mean, x_norm2, pf, params, w, R, g, &scr,
                                  True, result)
    result.gap = gap
    _dense_scan(X, sw, x_mean, R, g, scr.sc.act, _screen_unlisted(&scr), params, True)
    _screen_end(&scr)
    if cache == &local_cache:
        ws_gram_free(cache)


cdef inline double _weighted_sum(const double[::1] sw, const double[::1] R) noexcept nogil:
    """sum_i s_i r_i (unit weights when sw is empty), vectorised."""
    return col_sum(R.shape[0], &R[0], &sw[0] if sw.shape[0] > 0 else NULL)


# -------------------------------------------------------------------- sparse
# The residual is stored as R + shift: with an intercept, a coordinate step
# changes every entry by the same delta * xbar_j, which is kept in ``shift``
# and folded into R after each epoch, so a step only touches the nonzeros.

cdef inline double _sparse_dot(const floating[::1] data, const int[::1] indices,
                               const Py_ssize_t[::1] indptr, const double[::1] sw,
                               const double[::1] R, int j) noexcept nogil:
    """sum over column j's entries of x s r (vectorised gathers, _simd.h)."""
    cdef Py_ssize_t start = indptr[j]
    cdef int m = <int> (indptr[j + 1] - start)
    if m == 0:
        return 0.0
    return sparse_dot(m, &data[start], &indices[start],
                      &sw[0] if sw.shape[0] > 0 else NULL, &R[0])


cdef inline void _sparse_axpy(const floating[::1] data, const int[::1] indices,
                              const Py_ssize_t[::1] indptr, int j, double alpha,
                              double[::1] R) noexcept nogil:
    """R += alpha x_j on column j's entries (vectorised scatter, _simd.h)."""
    cdef Py_ssize_t start = indptr[j]
    cdef int m = <int> (indptr[j + 1] - start)
    if m > 0:
        sparse_axpy(m, alpha, &data[start], &indices[start], &R[0])


cdef double _sparse_sweep(const floating[::1] data, const int[::1] indices,
                          const Py_ssize_t[::1] indptr, const double[::1] sw,
                          const double[::1] x_mean, const double[::1] x_norm2,
                          const double[::1] pf, const CDParams* prm, double[::1] w,
                          double[::1] R, const int* idx, int m,
                          unsigned long long* rng) noexcept nogil:
    cdef int t, k, j, i, n = R.shape[0]
    cdef double w_old, w_new, z, delta, shift = 0.0, decrease = 0.0, sum_sr = 0.0
    # x~_j^T S r = sum_nnz s x r + xbar_j (n shift - sum_i s_i r_i): the last sum
    # is 0 in exact arithmetic but its rounding drift, times a large mean, would
    # swamp a nearly constant column; it is constant through the sweep.
    sum_sr = _weighted_sum(sw, R)
    for t in range(m):
        k = rand_below(rng, m) if prm.random else t
        j = idx[k] if idx != NULL else k
        if x_norm2[j] == 0.0:
            continue
        w_old = w[j]
        z = (_sparse_dot(data, indices, indptr, sw, R, j)
             + x_mean[j] * (shift * n - sum_sr) + x_norm2[j] * w_old)
        w_new = _update(z, j, x_norm2, pf, prm)
        if w_new != w_old:
            delta = w_new - w_old
            _sparse_axpy(data, indices, indptr, j, -delta, R)
            shift += delta * x_mean[j]
            w[j] = w_new
            decrease += 0.5 * (x_norm2[j] + prm.b * _l2_factor(prm, pf, j)) * delta * delta
    if shift != 0.0:
        for i in range(n):
            R[i] += shift
    return decrease


cdef void _sparse_block_step(const floating[::1] data, const int[::1] indices,
                             const Py_ssize_t[::1] indptr, const double[::1] sw,
                             const double[::1] x_mean, const CDParams* prm,
                             double[::1] w, double[::1] R, double[::1] g) noexcept nogil:
    """Solve the unpenalised block exactly given the other coefficients."""
    cdef int i, k, l, j
    cdef double shift = 0.0, sum_sr
    cdef double* d
    if prm.n_unpen == 0:
        return
    sum_sr = _weighted_sum(sw, R)
    for k in range(prm.n_unpen):
        j = prm.unpen_idx[k]
        g[j] = _sparse_dot(data, indices, indptr, sw, R, j) - x_mean[j] * sum_sr
    d = _block_delta(prm, g, w)
    if d == NULL:
        return
    for k in range(prm.n_unpen):
        if d[k] != 0.0:
            j = prm.unpen_idx[k]
            w[j] += d[k]
            _sparse_axpy(data, indices, indptr, j, -d[k], R)
            shift += d[k] * x_mean[j]
    free(d)
    if shift != 0.0:
        for i in range(R.shape[0]):
            R[i] += shift


cdef inline long long _nnz_of(const Py_ssize_t[::1] indptr, const int* idx,
                             int m) noexcept nogil:
    """Stored entries of the columns idx[:m] (all columns if idx is NULL)."""
    cdef int k
    cdef long long total = 0
    if idx == NULL:
        return indptr[indptr.shape[0] - 1]
    for k in range(m):
        total += indptr[idx[k] + 1] - indptr[idx[k]]
    return total


cdef void _sparse_scan(const floating[::1] data, const int[::1] indices,
                       const Py_ssize_t[::1] indptr, const double[::1] sw,
                       const double[::1] x_mean, const double[::1] R, double[::1] g,
                       const int* idx, int m, const CDParams* prm,
                       bint full) noexcept nogil:
    """g_j = x~_j^T S R for j in idx[:m] (all m features if idx is NULL).

    Only ``full`` scans (not the working-set checks between sweeps) are threaded.
    """
    cdef int k, j
    cdef double sum_sr = _weighted_sum(sw, R)
    # (counting the entries is O(m): only when threads could be used)
    cdef int nt = (scan_threads(prm.n_threads, _nnz_of(indptr, idx, m))
                   if full and prm.n_threads > 1 else 1)
    # dynamic: column lengths can be very uneven (popular words in text data)
    for k in prange(m, num_threads=nt, schedule="dynamic", chunksize=256,
                    use_threads_if=nt > 1):
        j = idx[k] if idx != NULL else k
        g[j] = _sparse_dot(data, indices, indptr, sw, R, j) - x_mean[j] * sum_sr


cdef double _sparse_gap(const floating[::1] data, const int[::1] indices,
                        const Py_ssize_t[::1] indptr, const double[::1] y_c,
                        const double[::1] sw, const double[::1] x_mean,
                        const double[::1] x_norm2, const double[::1] pf,
                        const CDParams* prm, const double[::1] w, const double[::1] R,
                        double[::1] g, const int* idx, int m,
                        CDResult* result) noexcept nogil:
    """Gap of the problem restricted to ``idx[:m]`` (all features if idx is NULL)."""
    _sparse_scan(data, indices, indptr, sw, x_mean, R, g, idx, m, prm, idx == NULL)
    return _gap_after_scan(y_c, sw, x_norm2, pf, prm, w, R, g, idx, m, result)


cdef double _sparse_full_gap(const floating[::1] data, const int[::1] indices,
                             const Py_ssize_t[::1] indptr, const double[::1] y_c,
                             const double[::1] sw, const double[::1] x_mean,
                             const double[::1] x_norm2, const double[::1] pf,
                             const CDParams* prm, const double[::1] w, const double[::1] R,
                             double[::1] g, Screening* scr, bint scan_all,
                             CDResult* result) noexcept nogil:
    """Gap of the whole problem, screening what it can (see _full_scan_list)."""
    cdef int* idx
    cdef double floor
    cdef int m = _full_scan_list(scr, sw, R, pf, prm, scan_all, &idx, &floor)
    _sparse_scan(data, indices, indptr, sw, x_mean, R, g, idx, m, prm, True)
    return _full_gap_after_scan(scr, y_c, sw, x_norm2, pf, prm, w, R, g, floor, result)


cdef double _sparse_newton(const floating[::1] data, const int[::1] indices,
                         const Py_ssize_t[::1] indptr, const double[::1] sw,
                         const double[::1] x_mean, const double[::1] x_norm2,
                         const double[::1] pf, const CDParams* prm, double[::1] w,
                         double[::1] R, const double[::1] g, const int* ws,
                         int m) noexcept nogil:
    """Newton step on the working set's support (g current there); its Gram matrix
    x~_j^T S x~_l = sum_i s_i x_ij x_il - n xbar_j xbar_l (weights summing to n)
    is built column by column through a dense scatter of x_j.  w and R are updated.
    Returns the multiply-adds spent."""
    cdef NewtonBuf nb
    cdef int a, b, j, l, n = R.shape[0], moved = 0, k = _newton_begin(&nb, ws, m, w,
                                                                       x_norm2, pf, prm)
    cdef Py_ssize_t e
    cdef double acc, shift = 0.0, cost = 0.0
    cdef double* v
    if k == 0:
        return 0.0
    v = <double*> calloc(max(n, 1), sizeof(double))
    if v == NULL:
        _newton_end(&nb)
        return 0.0
    for a in range(k):
        j = nb.feat[a]
        nb.g_S[a] = g[j]
        for e in range(indptr[j], indptr[j + 1]):
            v[indices[e]] = data[e] * (sw[indices[e]] if sw.shape[0] > 0 else 1.0)
        for b in range(a):
            l = nb.feat[b]
            acc = 0.0
            cost += indptr[l + 1] - indptr[l]
            for e in range(indptr[l], indptr[l + 1]):
                acc += data[e] * v[indices[e]]
            acc -= n * x_mean[j] * x_mean[l]
            nb.G[<size_t>a * k + b] = acc
            nb.G[<size_t>b * k + a] = acc
        nb.G[<size_t>a * k + a] = x_norm2[j]
        for e in range(indptr[j], indptr[j + 1]):
            v[indices[e]] = 0.0
    free(v)
    moved = _newton_solve(&nb, w, pf, prm)
    for a in range(k):
        if moved > 0 and nb.dw[a] != 0.0:
            _sparse_axpy(data, indices, indptr, nb.feat[a], -nb.dw[a], R)
            shift += nb.dw[a] * x_mean[nb.feat[a]]
    if shift != 0.0:
        for a in range(n):
            R[a] += shift
    cost += nb.cost + n
    _newton_end(&nb)
    return cost


cdef void _sparse_residual(const floating[::1] data, const int[::1] indices,
                           const Py_ssize_t[::1] indptr, const double[::1] y_c,
                           const double[::1] x_mean, const double[::1] w,
                           double[::1] R) noexcept nogil:
    """R = y_c - X~ w, from scratch (the centring as one shift)."""
    cdef int i, j
    cdef double shift = 0.0
    for i in range(R.shape[0]):
        R[i] = y_c[i]
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            _sparse_axpy(data, indices, indptr, j, -w[j], R)
            shift += w[j] * x_mean[j]
    if shift != 0.0:
        for i in range(R.shape[0]):
            R[i] += shift


cdef void enet_sparse(
    const floating[::1] data, const int[::1] indices, const Py_ssize_t[::1] indptr,
    const double[::1] y_c, const double[::1] sw,
    const double[::1] x_mean, const double[::1] x_norm2, const double[::1] pf,
    const CDParams* params, double[::1] w,
    double[::1] R, double[::1] g, int[::1] ws, CDResult* result) noexcept nogil:
    cdef int j, k, it, n_ws, nz, n = R.shape[0], p = x_norm2.shape[0]
    cdef unsigned long long rng = _rng_state(params.seed)
    cdef double gap, inner_tol, decrease, ws_nnz, credit = 0.0, ws_gap
    cdef double best = INFINITY, ws_best
    cdef int stall = 0, ws_stall
    cdef BestIterate kept
    cdef double y_norm2 = _wdot(sw, y_c, y_c)
    cdef double tol = _certifiable(params.tol, y_norm2)
    cdef bint tight = tol < TIGHT_TOL * y_norm2
    cdef int ws_size = 0
    cdef Screening scr
    cdef bint warm = _screen_begin(&scr, params, x_norm2, pf, n,
                                   params.warm and params.n_unpen == 0)

    result.n_iter = 0
    if not warm:
        for j in range(p):
            w[j] = 0.0 if x_norm2[j] == 0.0 else _feasible(w[j], j, params)
    if not warm or tight:
        _sparse_residual(data, indices, indptr, y_c, x_mean, w, R)
        _sparse_block_step(data, indices, indptr, sw, x_mean, params, w, R, g)
    gap = _sparse_full_gap(data, indices, indptr, y_c, sw, x_mean, x_norm2, pf, params,
                           w, R, g, &scr, not warm or tight, result)
    _best_begin(&kept, p, tight)
    _best_note(&kept, w, gap)
    # (checked before the test of the gap: a warm call already at its tol still
    # lets a signal in, so a path of such calls stays interruptible)
    while not _interrupted(params) and gap > tol and result.n_iter < params.max_iter:
        n_ws = _working_set(w, g, x_norm2, pf, params, ws, &ws_size,
                            scr.sc.act if scr.on else NULL, scr.sc.n_act if scr.on else 0,
                            result.n_iter == 0)
        if n_ws == 0:   # optimality conditions hold: nothing left to move
            break
        inner_tol = _inner_tol(gap, tol)
        it = ws_stall = 0
        ws_best = INFINITY
        ws_nnz = <double> _nnz_of(indptr, &ws[0], n_ws) + n_ws   # a sweep's cost
        while result.n_iter < params.max_iter:
            decrease = _sparse_sweep(data, indices, indptr, sw, x_mean, x_norm2, pf,
                                     params, w, R, &ws[0], n_ws, &rng)
            result.n_iter += 1
            it += 1
            credit += ws_nnz
            if decrease == 0.0 or it % INNER_GAP_EVERY == 0:
                if _interrupted(params):
                    break
                _sparse_block_step(data, indices, indptr, sw, x_mean, params, w, R, g)
                ws_gap = _sparse_gap(data, indices, indptr, y_c, sw, x_mean, x_norm2, pf,
                                     params, w, R, g, &ws[0], n_ws, result)
                if (ws_gap <= inner_tol or decrease == 0.0
                        or _stalled(ws_gap, &ws_best, &ws_stall, TIGHT_TOL * y_norm2)):
                    break
                # a Newton step costs about nz columns' worth of entries per support
                # feature (its Gram matrix) plus the factor
                nz = 0
                for k in range(n_ws):
                    nz += w[ws[k]] != 0.0
                if credit >= 0.5 * ws_nnz * nz * nz / n_ws + _newton_cost(nz):
                    credit -= _sparse_newton(data, indices, indptr, sw, x_mean, x_norm2, pf,
                                             params, w, R, g, &ws[0], n_ws)
        if tight:
            _sparse_residual(data, indices, indptr, y_c, x_mean, w, R)
        _sparse_block_step(data, indices, indptr, sw, x_mean, params, w, R, g)
        gap = _sparse_full_gap(data, indices, indptr, y_c, sw, x_mean, x_norm2, pf, params,
                               w, R, g, &scr, True, result)
        _best_note(&kept, w, gap)
        if _stalled(gap, &best, &stall, TIGHT_TOL * y_norm2):
            break
    if _best_restore(&kept, w, gap):
        _sparse_residual(data, indices, indptr, y_c, x_mean, w, R)
        gap = _sparse_full_gap(data, indices, indptr, y_c, sw, x_mean, x_norm2, pf, params,
                               w, R, g, &scr, True, result)
    if params.round_float32:   # the gap of the float32 coefficients returned
        if _round_to_float(w):
            _sparse_residual(data, indices, indptr, y_c, x_mean, w, R)
            gap = _sparse_full_gap(data, indices, indptr, y_c, sw, x_mean, x_norm2, pf,
                                   params, w, R, g, &scr, True, result)
    result.gap = gap
    _sparse_scan(data, indices, indptr, sw, x_mean, R, g, scr.sc.act,
                 _screen_unlisted(&scr), params, True)
    _screen_end(&scr)


# ---------------------------------------------------------------------- Gram

cdef double _gram_sweep(const floating[:, ::1] Q, const double[::1] q,
                        const double[::1] x_norm2, const double[::1] pf,
                        const CDParams* prm, double[::1] w, double[::1] H,
                        const int* idx, int m, unsigned long long* rng) noexcept nogil:
    cdef int t, k, j, p = q.shape[0]
    cdef double w_old, w_new, z, delta, decrease = 0.0
    for t in range(m):
        k = rand_below(rng, m) if prm.random else t
        j = idx[k] if idx != NULL else k
        if x_norm2[j] == 0.0:
            continue
        w_old = w[j]
        z = q[j] - H[j] + x_norm2[j] * w_old
        w_new = _update(z, j, x_norm2, pf, prm)
        if w_new != w_old:
            delta = w_new - w_old
            axpy_centered(p, delta, &Q[j, 0], 0.0, &H[0])
            w[j] = w_new
            decrease += 0.5 * (x_norm2[j] + prm.b * _l2_factor(prm, pf, j)) * delta * delta
    return decrease


cdef void _gram_refresh(const floating[:, ::1] Q, const double[::1] w,
                        double[::1] H) noexcept nogil:
    """H = Q w from scratch, so that rounding in the updates never accumulates."""
    cdef int j, l, p = H.shape[0]
    for l in range(p):
        H[l] = 0.0
    for j in range(p):
        if w[j] != 0.0:
            axpy_centered(p, w[j], &Q[j, 0], 0.0, &H[0])


cdef void _gram_block_step(const floating[:, ::1] Q, const double[::1] q,
                           const CDParams* prm, double[::1] w, double[::1] H,
                           double[::1] g) noexcept nogil:
    """Solve the unpenalised block exactly given the other coefficients."""
    cdef int k, j, p = q.shape[0]
    cdef double* d
    for k in range(prm.n_unpen):
        j = prm.unpen_idx[k]
        g[j] = q[j] - H[j]
    d = _block_delta(prm, g, w)
    if d == NULL:
        return
    for k in range(prm.n_unpen):
        if d[k] != 0.0:
            j = prm.unpen_idx[k]
            w[j] += d[k]
            axpy_centered(p, d[k], &Q[j, 0], 0.0, &H[0])
    free(d)


cdef double _gram_gap(const floating[:, ::1] Q, const double[::1] q, double y_norm2,
                      const double[::1] x_norm2, const double[::1] pf,
                      const CDParams* prm, const double[::1] w, double[::1] H,
                      double[::1] g, const int* idx, int m,
                      CDResult* result) noexcept nogil:
    """Gap restricted to ``idx[:m]`` (all if NULL), from H = Q w."""
    cdef int k, j, p = q.shape[0]
    cdef double wq = 0.0, wh = 0.0
    for k in range(m):
        j = idx[k] if idx != NULL else k
        g[j] = q[j] - H[j]
    for j in range(p):
        if w[j] != 0.0:
            wq += w[j] * q[j]
            wh += w[j] * H[j]
    result.r_norm2 = max(y_norm2 - 2.0 * wq + wh, 0.0)
    return _gap(idx, m, g, w, pf, x_norm2, prm, result.r_norm2, y_norm2 - wq)


cdef double _gram_newton(const floating[:, ::1] Q, const double[::1] q,
                         const double[::1] x_norm2, const double[::1] pf,
                         const CDParams* prm, double[::1] w, double[::1] H,
                         const int* ws, int m) noexcept nogil:
    """Newton step on the working set's support from Q (H = Q w current); w and H
    are updated.  Returns the multiply-adds spent."""
    cdef NewtonBuf nb
    cdef int a, b, j, moved, k = _newton_begin(&nb, ws, m, w, x_norm2, pf, prm)
    cdef double cost
    if k == 0:
        return 0.0
    for a in range(k):
        j = nb.feat[a]
        nb.g_S[a] = q[j] - H[j]
        for b in range(k):
            nb.G[<size_t>a * k + b] = Q[j, nb.feat[b]]
    moved = _newton_solve(&nb, w, pf, prm)
    if moved > 0:
        for a in range(k):
            if nb.dw[a] != 0.0:
                axpy_centered(q.shape[0], nb.dw[a], &Q[nb.feat[a], 0], 0.0, &H[0])
    cost = nb.cost + <double>k * (k + q.shape[0])
    _newton_end(&nb)
    return cost


cdef void enet_gram(
    const floating[:, ::1] Q, const double[::1] q, double y_norm2,
    const double[::1] x_norm2, const double[::1] pf, const CDParams* params,
    double[::1] w, double[::1] H, double[::1] g, int[::1] ws,
    CDResult* result) noexcept nogil:
    cdef int j, k, it, n_ws, nz = 0, since, p = q.shape[0]
    cdef unsigned long long rng = _rng_state(params.seed)
    cdef double gap, inner_tol, decrease, credit = 0.0, ws_gap, best = INFINITY, ws_best
    cdef double tol = _certifiable(params.tol, y_norm2)
    cdef int ws_size = 0, stall = 0, ws_stall
    cdef BestIterate kept

    for j in range(p):
        w[j] = 0.0 if x_norm2[j] == 0.0 else _feasible(w[j], j, params)
    result.n_iter = 0
    _gram_refresh(Q, w, H)
    _gram_block_step(Q, q, params, w, H, g)
    gap = _gram_gap(Q, q, y_norm2, x_norm2, pf, params, w, H, g, NULL, p, result)
    _best_begin(&kept, p, tol < TIGHT_TOL * y_norm2)
    _best_note(&kept, w, gap)
    # (checked before the test of the gap: a warm call already at its tol still
    # lets a signal in, so a path of such calls stays interruptible)
    while not _interrupted(params) and gap > tol and result.n_iter < params.max_iter:
        n_ws = _working_set(w, g, x_norm2, pf, params, ws, &ws_size, NULL, 0,
                            result.n_iter == 0)
        if n_ws == 0:   # optimality conditions hold: nothing left to move
            break
        inner_tol = _inner_tol(gap, tol)
        it = since = ws_stall = 0
        ws_best = INFINITY
        while result.n_iter < params.max_iter:
            decrease = _gram_sweep(Q, q, x_norm2, pf, params, w, H, &ws[0], n_ws, &rng)
            result.n_iter += 1
            it += 1
            since += 1
            if decrease == 0.0 or it % INNER_GAP_EVERY == 0:
                if _interrupted(params):
                    break
                _gram_block_step(Q, q, params, w, H, g)
                ws_gap = _gram_gap(Q, q, y_norm2, x_norm2, pf, params, w, H, g, &ws[0], n_ws,
                                   result)
                if ws_gap <= inner_tol or _stalled(ws_gap, &ws_best, &ws_stall,
                                                   TIGHT_TOL * y_norm2):
                    break
                # a sweep costs about p per moved coefficient (a row of Q)
                nz = 0
                for k in range(n_ws):
                    nz += w[ws[k]] != 0.0
                credit += <double>since * (n_ws + <double>p * nz)
                since = 0
                if credit >= _newton_cost(nz) + <double>p * nz:
                    _gram_refresh(Q, w, H)      # no drift of H enters the step
                    credit -= _gram_newton(Q, q, x_norm2, pf, params, w, H, &ws[0], n_ws)
        _gram_refresh(Q, w, H)
        _gram_block_step(Q, q, params, w, H, g)
        gap = _gram_gap(Q, q, y_norm2, x_norm2, pf, params, w, H, g, NULL, p, result)
        _best_note(&kept, w, gap)
        if _stalled(gap, &best, &stall, TIGHT_TOL * y_norm2):
            break
    if _best_restore(&kept, w, gap):
        _gram_refresh(Q, w, H)
        gap = _gram_gap(Q, q, y_norm2, x_norm2, pf, params, w, H, g, NULL, p, result)
    if params.round_float32:   # the gap of the float32 coefficients returned
        if _round_to_float(w):
            _gram_refresh(Q, w, H)
            gap = _gram_gap(Q, q, y_norm2, x_norm2, pf, params, w, H, g, NULL, p, result)
    result.gap = gap


# ------------------------------------------------------------ Python wrappers

cdef CDParams make_params(double a, double b, double tol, int max_iter, bint positive,
                           bint random, unsigned long long seed, int n_threads,
                           const int[::1] unpen_idx, const double[:, ::1] unpen_inv,
                           bint unpen_boxed, const double[::1] l2_factor,
                           const double[::1] lower, const double[::1] upper) except *:
    """Scalars, and the optional arrays (None: not used)."""
    cdef CDParams prm
    if (lower is None) != (upper is None):
        raise ValueError("lower and upper bounds go together")
    prm.a = a
    prm.b = b
    prm.tol = tol
    prm.max_iter = max_iter
    prm.n_threads = n_threads
    prm.positive = positive
    prm.random = random
    prm.seed = seed
    prm.n_unpen = 0 if unpen_idx is None else unpen_idx.shape[0]
    prm.unpen_idx = &unpen_idx[0] if prm.n_unpen > 0 else NULL
    prm.unpen_inv = &unpen_inv[0, 0] if prm.n_unpen > 0 else NULL
    prm.unpen_boxed = unpen_boxed
    prm.l2_factor = NULL if l2_factor is None else &l2_factor[0]
    prm.lower = NULL if lower is None else &lower[0]
    prm.upper = NULL if lower is None else &upper[0]
    prm.warm = False
    prm.ws_gram = 0
    prm.gram_cache = NULL
    prm.screen = NULL
    prm.no_screening = False
    prm.no_newton = False
    prm.round_float32 = False
    prm.a_prev = 0.0
    prm.stop = NULL
    prm.check_signals = False
    return prm


# Optional keyword arguments of the solve_* wrappers: unpen_idx, unpen_inv and
# unpen_boxed (the exactly solved unpenalised block), l2_factor, lower and upper
# (see CDParams).

cdef class GramCache:
    """A working-set Gram cache (WSGram) that lives as long as this object.

    Pass the same one to successive :func:`solve_dense` calls on one problem
    (same X, weights and centring), e.g. along a path.
    """
    cdef WSGram c

    def __cinit__(self):
        _ws_gram_init(&self.c)

    def __dealloc__(self):
        ws_gram_free(&self.c)

    @property
    def n_features(self):
        """Features whose Gram rows are held."""
        return self.c.m


cdef class ScreenState:
    """Gap-safe screening state (CDScreen) kept between calls on one problem.

    Pass it with ``R``, ``g`` and ``warm`` to successive :func:`solve_dense` or
    :func:`solve_sparse` calls along a path; a cold call resets it.
    """
    cdef CDScreen c

    def __cinit__(self, Py_ssize_t n_samples, Py_ssize_t n_features):
        if n_samples < 0 or n_features < 0 or n_samples > INT_MAX or n_features >= INT_MAX:
            raise ValueError("ScreenState: bad dimensions")
        if not screen_alloc(&self.c, <int> n_samples, <int> n_features):
            screen_free(&self.c)
            raise MemoryError(f"cannot allocate the screening state of {n_features} features")

    def __dealloc__(self):
        screen_free(&self.c)

    @property
    def n_screened(self):
        """Features currently screened out of the scans."""
        return self.c.n_bounded

    @property
    def n_far(self):
        """Of those, the features in the far tier (see CDScreen)."""
        return self.c.far.n

    @property
    def screened(self):
        """Boolean mask of those features (a copy)."""
        if self.c.p == 0:
            return np.zeros(0, dtype=bool)
        return np.asarray(<signed char[:self.c.p]> self.c.bounded) != 0


cdef CDScreen* _screen_ptr(ScreenState state, Py_ssize_t n, Py_ssize_t p) except? NULL:
    if state is None:
        return NULL
    if state.c.p != p or state.c.n != n:
        raise ValueError(f"screen: a ScreenState({n}, {p}) is needed")
    return &state.c


cdef int[::1] _ws_buffer(int[::1] ws, Py_ssize_t p):
    if ws is None:
        return np.empty(p, dtype=np.intc)
    if ws.shape[0] != p:
        raise ValueError(f"ws must have shape ({p},)")
    return ws


cdef tuple _scratch(double[::1] R, double[::1] g, Py_ssize_t n, Py_ssize_t p, bint warm,
                    CDParams* prm):
    """The residual and gradient buffers: the caller's (checked) or new ones."""
    if R is None or g is None:
        if warm:
            raise ValueError("warm=True needs the R and g of the previous call")
        return np.empty(n), np.empty(p)
    if R.shape[0] != n or g.shape[0] != p:
        raise ValueError(f"R must have shape ({n},) and g ({p},)")
    prm.warm = warm
    return R, g


def simd_level():
    """Vector instructions chosen at load time: 0 baseline, 2 AVX2+FMA, 3 AVX-512F."""
    return fp_simd_level()


def solve_dense(const floating[::1, :] X, const double[::1] y_c, const double[::1] sw,
                const double[::1] x_mean, const double[::1] x_norm2,
                const double[::1] pf, double[::1] w, double a, double b, double tol,
                int max_iter, bint positive, bint random, unsigned long long seed,
                int n_threads, *, const int[::1] unpen_idx=None,
                const double[:, ::1] unpen_inv=None, bint unpen_boxed=False,
                const double[::1] l2_factor=None,
                const double[::1] lower=None, const double[::1] upper=None,
                double[::1] R=None, double[::1] g=None, bint warm=False, int ws_gram=0,
                GramCache cache=None, ScreenState screen=None, bint screening=True,
                double a_prev=0.0, int[::1] ws=None, bint newton=True):
    """Solve one dense problem in place on ``w``; return (gap, r_norm2, n_iter).

    ``R`` (n,) and ``g`` (p,) may be passed to be kept between calls: with
    ``warm=True`` they hold what the previous call on this ``w`` left there.
    ``ws_gram``: see CDParams.  ``cache``: a :class:`GramCache`, and
    ``screen`` a :class:`ScreenState`, kept between calls on this problem;
    ``screening=False`` turns gap-safe screening off, ``newton=False`` the
    Newton steps on the support.  ``ws``: an int32 scratch array of p entries
    to reuse between calls.
    """
    cdef CDParams prm = make_params(a, b, tol, max_iter, positive, random, seed,
                                     n_threads, unpen_idx, unpen_inv, unpen_boxed, l2_factor, lower,
                                     upper)
    prm.ws_gram = ws_gram
    if cache is not None:
        prm.gram_cache = &cache.c
    prm.screen = _screen_ptr(screen, X.shape[0], X.shape[1])
    prm.no_screening = not screening
    prm.no_newton = not newton
    prm.round_float32 = floating is float
    prm.a_prev = a_prev
    cdef CDResult res
    R, g = _scratch(R, g, X.shape[0], X.shape[1], warm, &prm)
    ws = _ws_buffer(ws, X.shape[1])
    cdef volatile int stop = 0
    _watch(&prm, &stop)
    with nogil:
        enet_dense(X, y_c, sw, x_mean, x_norm2, pf, &prm, w, R, g, ws, &res)
    if stop:
        raise_pending()
    return res.gap, res.r_norm2, res.n_iter


def solve_sparse(const floating[::1] data, const int[::1] indices,
                 const Py_ssize_t[::1] indptr, const double[::1] y_c, const double[::1] sw,
                 const double[::1] x_mean, const double[::1] x_norm2,
                 const double[::1] pf, double[::1] w, double a, double b, double tol,
                 int max_iter, bint positive, bint random, unsigned long long seed,
                 int n_threads, *, const int[::1] unpen_idx=None,
                 const double[:, ::1] unpen_inv=None, bint unpen_boxed=False,
                const double[::1] l2_factor=None,
                 const double[::1] lower=None, const double[::1] upper=None,
                 double[::1] R=None, double[::1] g=None, bint warm=False,
                 ScreenState screen=None, bint screening=True, double a_prev=0.0,
                 int[::1] ws=None, bint newton=True):
    """Solve one CSC problem in place on ``w``; return (gap, r_norm2, n_iter).

    The columns must be canonical (each row index at most once per column, as
    after scipy's ``sum_duplicates``): the residual updates scatter through a
    column's row indices with vector stores.  ``R``, ``g``, ``warm``,
    ``screen``, ``screening`` and ``ws`` as in :func:`solve_dense`.
    """
    cdef CDParams prm = make_params(a, b, tol, max_iter, positive, random, seed,
                                     n_threads, unpen_idx, unpen_inv, unpen_boxed, l2_factor, lower,
                                     upper)
    cdef CDResult res
    R, g = _scratch(R, g, y_c.shape[0], x_norm2.shape[0], warm, &prm)
    prm.screen = _screen_ptr(screen, y_c.shape[0], x_norm2.shape[0])
    prm.no_screening = not screening
    prm.no_newton = not newton
    prm.round_float32 = floating is float
    prm.a_prev = a_prev
    ws = _ws_buffer(ws, x_norm2.shape[0])
    cdef volatile int stop = 0
    _watch(&prm, &stop)
    with nogil:
        enet_sparse(data, indices, indptr, y_c, sw, x_mean, x_norm2, pf, &prm, w,
                    R, g, ws, &res)
    if stop:
        raise_pending()
    return res.gap, res.r_norm2, res.n_iter


def solve_gram(const floating[:, ::1] Q, const double[::1] q, double y_norm2,
               const double[::1] x_norm2, const double[::1] pf, double[::1] w, double a,
               double b, double tol, int max_iter, bint positive, bint random,
               unsigned long long seed, *, const int[::1] unpen_idx=None,
               const double[:, ::1] unpen_inv=None, bint unpen_boxed=False,
                const double[::1] l2_factor=None,
               const double[::1] lower=None, const double[::1] upper=None,
               double a_prev=0.0, bint newton=True, bint round_float32=False):
    """Solve one problem given its Gram matrix (x_norm2 = its diagonal), in place on ``w``.

    ``a_prev``: the previous alpha's L1 strength along a path (strong rule);
    ``newton=False`` turns the Newton steps on the support off;
    ``round_float32``: the coefficients are returned as float32 (the reported
    gap is theirs).  The dense and sparse solvers do that for float32 X.
    """
    cdef CDParams prm = make_params(a, b, tol, max_iter, positive, random, seed, 1,
                                     unpen_idx, unpen_inv, unpen_boxed, l2_factor, lower, upper)
    prm.a_prev = a_prev
    prm.no_newton = not newton
    prm.round_float32 = round_float32
    cdef CDResult res
    cdef int p = q.shape[0]
    cdef double[::1] H = np.empty(p)
    cdef double[::1] g = np.empty(p)
    cdef int[::1] ws = np.empty(p, dtype=np.intc)
    cdef volatile int stop = 0
    _watch(&prm, &stop)
    with nogil:
        enet_gram(Q, q, y_norm2, x_norm2, pf, &prm, w, H, g, ws, &res)
    if stop:
        raise_pending()
    return res.gap, res.r_norm2, res.n_iter


# ------------------------------------------------------ one-off column scans

cdef inline bint _col_constant(int n, const floating* x, const double* s) noexcept nogil:
    """True if x takes one value over the rows of positive weight (exits early)."""
    cdef int i, first = -1
    for i in range(n):
        if s == NULL or s[i] > 0.0:
            if first < 0:
                first = i
            elif x[i] != x[first]:
                return False
    return True


def dense_column_stats(const floating[::1, :] X, const double[::1] sw, bint center,
                       int n_threads, const double[::1] y_c=None):
    """Weighted column means and sum_i s_i (x_ij - mean_j)^2 (and X~^T S y_c).

    Without ``center`` the means are zeros.  With it, a column constant over the
    rows of positive weight gets norm2 = 0 exactly (not the rounding noise of
    its centring), which marks it as constant for the solvers.  With ``y_c``,
    also returns g = X~^T S y_c, the first scan of a fit from w = 0, computed
    while each column is still in cache (one pass over X instead of two).
    """
    cdef int j, n = X.shape[0], p = X.shape[1]
    cdef double[::1] mean = np.zeros(p)
    cdef double[::1] norm2 = np.empty(p)
    cdef double[::1] g = np.empty(p if y_c is not None else 0)
    cdef const double* s = &sw[0] if sw.shape[0] > 0 else NULL
    cdef bint with_g = y_c is not None
    cdef int nt = scan_threads(n_threads, <long>n * p)
    if with_g and y_c.shape[0] != n:
        raise ValueError(f"y_c must have {n} entries")
    with nogil:
        for j in prange(p, num_threads=nt, schedule="static", use_threads_if=nt > 1):
            if center:
                mean[j] = col_sum(n, &X[0, j], s) / n
            if with_g:      # one pass for both, the column still in cache
                norm2[j] = col_sq_dev_dot(n, &X[0, j], mean[j], s, &y_c[0], &g[j])
            else:
                norm2[j] = col_sq_dev(n, &X[0, j], mean[j], s)
            if center and _col_constant(n, &X[0, j], s):
                norm2[j] = 0.0
    if with_g:
        return np.asarray(mean), np.asarray(norm2), np.asarray(g)
    return np.asarray(mean), np.asarray(norm2)


def sparse_column_stats(const floating[::1] data, const int[::1] indices,
                        const Py_ssize_t[::1] indptr, int n, const double[::1] sw,
                        bint center):
    """CSC version of :func:`dense_column_stats` (zeros enter the sums implicitly)."""
    cdef int i, j, p = indptr.shape[0] - 1
    cdef Py_ssize_t k
    cdef double[::1] mean = np.zeros(p)
    cdef double[::1] norm2 = np.empty(p)
    cdef double acc, s, s_nnz, d
    cdef long n_pos = n
    with nogil:
        if sw.shape[0] > 0:
            n_pos = 0
            for i in range(n):
                n_pos += sw[i] > 0.0
        for j in range(p):
            if center:
                acc = 0.0
                for k in range(indptr[j], indptr[j + 1]):
                    acc += (sw[indices[k]] if sw.shape[0] > 0 else 1.0) * data[k]
                mean[j] = acc / n
            acc = 0.0
            s_nnz = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                s = sw[indices[k]] if sw.shape[0] > 0 else 1.0
                d = data[k] - mean[j]
                acc += s * d * d
                s_nnz += s
            # rows without an entry in column j contribute s_i * mean_j^2
            norm2[j] = acc + max(n - s_nnz, 0.0) * mean[j] * mean[j]
            if center and _sparse_col_constant(data, indices, indptr, sw, j, n_pos):
                norm2[j] = 0.0
    return np.asarray(mean), np.asarray(norm2)


cdef bint _sparse_col_constant(const floating[::1] data, const int[::1] indices,
                               const Py_ssize_t[::1] indptr, const double[::1] sw, int j,
                               long n_pos) noexcept nogil:
    """True if column j takes one value (implicit zeros included) over rows of s > 0."""
    cdef Py_ssize_t k
    cdef long stored = 0
    cdef double first = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        if sw.shape[0] > 0 and sw[indices[k]] <= 0.0:
            continue
        if stored == 0:
            first = data[k]
        elif data[k] != first:
            return False
        stored += 1
    return stored == n_pos or first == 0.0


def dense_epoch(const floating[::1, :] X, const double[::1] sw, const double[::1] x_mean,
                const double[::1] x_norm2, const double[::1] pf, double[::1] w,
                double[::1] R, double a, double b):
    """One cyclic coordinate sweep over every feature, in place on w and R.

    The plain epoch the working-set solves are made of (benchmarks measure
    its bandwidth); returns the objective decrease.
    """
    cdef CDParams prm = make_params(a, b, 0.0, 1, False, False, 0, 1, None, None, False,
                                     None, None, None)
    cdef unsigned long long rng = 1
    cdef double decrease
    with nogil:
        decrease = _dense_sweep(X, sw, x_mean, x_norm2, pf, &prm, w, R, NULL,
                                X.shape[1], &rng)
    return decrease


def store_coef(const double[::1] w, floating[::1] out):
    """Write the nonzero entries of w (cast to out's dtype) into ``out``, which must
    hold zeros; returns their number, or -1 if an entry is not finite.

    A path stores every alpha's coefficients this way into an array from
    ``np.zeros`` (which the system fills lazily): on sparse problems most of a
    100 x 100000 result stays zero, and blocks of 8 zeros are skipped whole.
    (An anonymous mapping whose untouched pages were never faulted in made the
    writes cheaper, but any later full read of the result then faulted in
    every 4 KiB page: 60 ms more on that path, where compare.py converts it.)
    """
    cdef Py_ssize_t j, b, end, nnz = 0, p = w.shape[0]
    cdef bint finite = True
    cdef floating v
    cdef const unsigned long long* bits
    cdef unsigned long long acc
    if out.shape[0] != p:
        raise ValueError("w and out differ in length")
    if p == 0:
        return 0
    bits = <const unsigned long long*> &w[0]
    with nogil:
        # blocks of 8 whose bits are all those of +-0.0 are skipped whole
        for b in range(0, p, 8):
            end = min(b + 8, p)
            acc = 0
            for j in range(b, end):
                acc |= bits[j]
            if (acc << 1) == 0:
                continue
            for j in range(b, end):
                v = <floating> w[j]
                if v != 0:
                    out[j] = v
                    nnz += 1
                finite &= (v - v) == 0      # false for inf and NaN (also after the cast)
    return nnz if finite else -1


def dense_gram(const floating[::1, :] X, const double[::1] sw, const double[::1] x_mean,
               const double[::1] y_c):
    """(Q, q): Q = X~^T S X~ (float64, p x p) and q = X~^T S y_c, without a copy of X.

    Built by row chunks of at most 8 MiB with DSYRK (threads: the BLAS's own).
    """
    cdef int p = X.shape[1], k, err
    cdef WSGram c
    cdef int[::1] cols = np.arange(p, dtype=np.intc)
    _ws_gram_init(&c)
    with nogil:
        err = _ws_gram_update(&c, X, sw, x_mean, y_c, &cols[0], p)
    try:
        if err < 0:
            raise MemoryError(f"cannot allocate the {p} x {p} Gram matrix")
        Q = np.asarray(<double[:p, :p]> c.G).copy()
        q = np.asarray(<double[:p]> c.q).copy()
    finally:
        ws_gram_free(&c)
    return Q, q


def dense_xt_r(const floating[::1, :] X, const double[::1] sw, const double[::1] x_mean,
               const double[::1] r, int n_threads):
    """g_j = sum_i s_i (x_ij - mean_j) r_i for every column."""
    cdef int j, p = X.shape[1]
    cdef double[::1] g = np.empty(p)
    cdef int nt = scan_threads(n_threads, <long>X.shape[0] * p)
    with nogil:
        for j in prange(p, num_threads=nt, schedule="static", use_threads_if=nt > 1):
            g[j] = _dense_grad(X, sw, x_mean, r, j)
    return np.asarray(g)


def sparse_xt_r(const floating[::1] data, const int[::1] indices, const Py_ssize_t[::1] indptr,
                const double[::1] sw, const double[::1] x_mean, const double[::1] r):
    """CSC version of :func:`dense_xt_r`."""
    cdef int i, j, p = indptr.shape[0] - 1
    cdef double[::1] g = np.empty(p)
    cdef double sum_sr = 0.0
    with nogil:
        sum_sr = _weighted_sum(sw, r)
        for j in range(p):
            g[j] = _sparse_dot(data, indices, indptr, sw, r, j) - x_mean[j] * sum_sr
    return np.asarray(g)
