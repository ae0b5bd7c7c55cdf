# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).
"""Loop control of the solvers: tolerances, interruption, stalls, best iterate."""

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
    if prm.ctl.stop == NULL:
        return False
    if prm.ctl.stop[0]:
        return True
    if not prm.ctl.check_signals:
        return False
    now = fp_seconds()
    if now < _signal_deadline:
        return False
    _signal_deadline = now + SIGNAL_CHECK_SECONDS
    with gil:
        if _check_signals() != 0:
            prm.ctl.stop[0] = 1
    return prm.ctl.stop[0] != 0


cdef void _watch(CDParams* prm, volatile int* stop) except *:
    """Let a one-problem call be interrupted: through ``stop``, and by signals
    when it runs on the main thread."""
    prm.ctl.stop = stop
    # looked up per call: in a child forked from another thread, that thread is main
    prm.ctl.check_signals = PyThread_get_thread_ident() == threading.main_thread().ident


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
