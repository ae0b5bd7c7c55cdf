# cython: language_level=3
"""One-problem elastic-net solvers (dense, sparse CSC, Gram) and their helpers.

One driver (_cd_driver.pxi) over the designs (_cd_designs.pxi); docs/engine.md maps
the parts.  Its outer iteration:

1. scan all features: g = X~^T S r and the duality gap (O(n p), parallel over
   features when ``n_threads > 1``); stop if gap <= tol;
2. working set = nonzero coefficients plus the features violating their
   optimality condition at zero the most (glmnet's KKT check, capped and grown
   geometrically as in celer);
3. coordinate sweeps over the working set only, checking the gap of that
   subproblem when the last rate predicts it reached (every 5 sweeps on Gram
   designs), until it is below a tenth of the full gap or half the tolerance
   (the latter at once when the working set has settled: every violator in it,
   none new); between checks, once the sweeps have cost as much as
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
from libc.math cimport INFINITY, ceil, fabs, log, pow, sqrt
from libc.stdlib cimport calloc, free, malloc
from libc.limits cimport INT_MAX
from libc.string cimport memcpy, memset
from cpython.pythread cimport PyThread_get_thread_ident
from scipy.linalg.cython_blas cimport dgemm, dgemv, dsyrk
from fastpen._cd_inline cimport (
    _cholesky_solve, axpy_centered, block_step, box_qp, col_sq_dev, col_sum,
    dot_centered, fp_simd_level, rand_below, sparse_axpy, sparse_dot,
    wdot_centered,
)
from fastpen._datafit cimport SqAt, SqLoss, df_value, sq_radius
from fastpen._enet cimport cd_update, enet_gap

# The parts of the solver, in dependency order (docs/engine.md maps them).
include "_cd_control.pxi"       # tolerances, interruption, stalls, best iterate
include "_cd_penalty.pxi"       # the penalty and its box, coordinate by coordinate
include "_cd_working_set.pxi"   # working sets, the unpenalised block
include "_cd_newton.pxi"        # Newton steps on the support
include "_cd_screening.pxi"     # gap-safe screening
include "_cd_designs.pxi"       # dense, sparse and Gram designs
include "_cd_ws_gram.pxi"       # the dense working set's Gram matrix
include "_cd_acceleration.pxi"  # Anderson extrapolation of the sweeps
include "_cd_driver.pxi"        # the driver, and the C-level entry points


# ------------------------------------------------------------ Python wrappers

CAPI = CAPI_VERSION      # the version of the C-level API of _cd.pxd


cdef CDParams make_params(double a, double b, double tol, int max_iter) noexcept nogil:
    """The parameters of a plain call: strengths, tolerance and sweeps given; serial,
    cyclic, no box, no unpenalised block, no caller state, not interruptible."""
    cdef CDParams prm
    memset(&prm, 0, sizeof(CDParams))
    prm.pen.a = a
    prm.pen.b = b
    prm.opt.tol = tol
    prm.opt.max_iter = max_iter
    prm.opt.n_threads = 1
    return prm


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
    prm.state.warm = warm
    return R, g


# The keyword arguments of the solve_* wrappers, by kind of design.
_OPTIONS = {
    "gram": {"unpen_idx", "unpen_inv", "unpen_boxed", "l2_factor", "lower", "upper",
             "a_prev", "newton", "round_float32"},
}
_OPTIONS["sparse"] = _OPTIONS["gram"] - {"round_float32"} | {
    "R", "g", "warm", "screen", "screening", "ws"}
_OPTIONS["dense"] = _OPTIONS["sparse"] | {"ws_gram", "cache"}


cdef class _Call:
    """One call of a solve_* wrapper: its CDParams, scratch arrays and result.

    Built from the wrapper's positional parameters and keyword arguments
    (``unpen_idx``, ``unpen_inv``, ``unpen_boxed``: the exactly solved
    unpenalised block; ``l2_factor``, ``lower``, ``upper``: see CDPenalty;
    ``a_prev``, ``newton``, ``screening``, ``ws_gram``: see CDState and
    CDOptions; ``R``, ``g``, ``warm``, ``cache``, ``screen``, ``ws``: what a
    caller keeps between calls).  It holds the arrays the parameters point
    into for as long as the call runs.
    """
    cdef CDParams prm
    cdef double[::1] R
    cdef double[::1] g
    cdef int[::1] ws
    cdef CDResult res
    cdef int stop
    cdef tuple kept

    def __cinit__(self, str kind, Py_ssize_t n, Py_ssize_t p, double a, double b, double tol,
                  int max_iter, bint positive, bint random, unsigned long long seed,
                  int n_threads, dict options):
        cdef const int[::1] unpen_idx = options.get("unpen_idx")
        cdef const double[:, ::1] unpen_inv = options.get("unpen_inv")
        cdef const double[::1] l2_factor = options.get("l2_factor")
        cdef const double[::1] lower = options.get("lower")
        cdef const double[::1] upper = options.get("upper")
        cdef GramCache cache = options.get("cache")
        unknown = set(options) - _OPTIONS[kind]
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {sorted(unknown)}")
        if (lower is None) != (upper is None):
            raise ValueError("lower and upper bounds go together")
        self.kept = (unpen_idx, unpen_inv, l2_factor, lower, upper, cache)
        self.prm = make_params(a, b, tol, max_iter)
        self.prm.pen.positive = positive
        self.prm.opt.random = random
        self.prm.opt.seed = seed
        self.prm.opt.n_threads = n_threads
        if l2_factor is not None:
            self.prm.pen.l2_factor = &l2_factor[0]
        if lower is not None:
            self.prm.pen.lower = &lower[0]
            self.prm.pen.upper = &upper[0]
        self.prm.unpen.n = 0 if unpen_idx is None else unpen_idx.shape[0]
        if self.prm.unpen.n > 0:
            if (unpen_inv is None or unpen_inv.shape[0] != self.prm.unpen.n
                    or unpen_inv.shape[1] != self.prm.unpen.n):
                raise ValueError("unpen_inv must be a square matrix of the block's size")
            self.prm.unpen.idx = &unpen_idx[0]
            self.prm.unpen.inv = &unpen_inv[0, 0]
        self.prm.unpen.boxed = options.get("unpen_boxed", False)
        self.prm.state.a_prev = options.get("a_prev", 0.0)
        self.prm.opt.no_newton = not options.get("newton", True)
        self.prm.opt.no_screening = not options.get("screening", True)
        self.prm.opt.round_float32 = options.get("round_float32", False)
        self.prm.opt.ws_gram = options.get("ws_gram", 0)
        self.prm.state.gram_cache = &cache.c if cache is not None else NULL
        self.prm.state.screen = _screen_ptr(options.get("screen"), n, p)
        if kind == "gram":
            self.R, self.g = np.empty(p), np.empty(p)
        else:
            self.R, self.g = _scratch(options.get("R"), options.get("g"), n, p,
                                      options.get("warm", False), &self.prm)
        self.ws = _ws_buffer(options.get("ws"), p)
        _watch(&self.prm, <volatile int*> &self.stop)

    cdef tuple outcome(self):
        """(gap, r_norm2, n_iter), or the exception a signal handler left."""
        if self.stop:
            raise_pending()
        return self.res.gap, self.res.r_norm2, self.res.n_iter


def simd_level():
    """Vector instructions chosen at load time: 0 baseline, 2 AVX2+FMA, 3 AVX-512F."""
    return fp_simd_level()


def solve_dense(const floating[::1, :] X, const double[::1] y_c, const double[::1] sw,
                const double[::1] x_mean, const double[::1] x_norm2,
                const double[::1] pf, double[::1] w, double a, double b, double tol,
                int max_iter, bint positive, bint random, unsigned long long seed,
                int n_threads, **options):
    """Solve one dense problem in place on ``w``; return (gap, r_norm2, n_iter).

    Keyword arguments (see :class:`_Call`): ``R`` (n,) and ``g`` (p,) may be
    passed to be kept between calls: with ``warm=True`` they hold what the
    previous call on this ``w`` left there.  ``ws_gram``: see CDOptions.
    ``cache``: a :class:`GramCache`, and ``screen`` a :class:`ScreenState`,
    kept between calls on this problem; ``screening=False`` turns gap-safe
    screening off, ``newton=False`` the Newton steps on the support.  ``ws``:
    an int32 scratch array of p entries to reuse between calls.
    """
    cdef _Call call = _Call("dense", X.shape[0], X.shape[1], a, b, tol, max_iter, positive,
                            random, seed, n_threads, options)
    call.prm.opt.round_float32 = floating is float
    with nogil:
        enet_dense(X, y_c, sw, x_mean, x_norm2, pf, &call.prm, w, call.R, call.g, call.ws,
                   &call.res)
    return call.outcome()


def solve_sparse(const floating[::1] data, const int[::1] indices,
                 const Py_ssize_t[::1] indptr, const double[::1] y_c, const double[::1] sw,
                 const double[::1] x_mean, const double[::1] x_norm2, const double[::1] pf,
                 double[::1] w, double a, double b, double tol, int max_iter, bint positive,
                 bint random, unsigned long long seed, int n_threads, **options):
    """Solve one CSC problem in place on ``w``; return (gap, r_norm2, n_iter).

    The columns must be canonical (each row index at most once per column, as
    after scipy's ``sum_duplicates``): the residual updates scatter through a
    column's row indices with vector stores.  The keyword arguments are those of
    :func:`solve_dense` but ``ws_gram`` and ``cache``.
    """
    cdef _Call call = _Call("sparse", y_c.shape[0], x_norm2.shape[0], a, b, tol, max_iter,
                            positive, random, seed, n_threads, options)
    call.prm.opt.round_float32 = floating is float
    with nogil:
        enet_sparse(data, indices, indptr, y_c, sw, x_mean, x_norm2, pf, &call.prm, w,
                    call.R, call.g, call.ws, &call.res)
    return call.outcome()


def solve_gram(const floating[:, ::1] Q, const double[::1] q, double y_norm2,
               const double[::1] x_norm2, const double[::1] pf, double[::1] w, double a,
               double b, double tol, int max_iter, bint positive, bint random,
               unsigned long long seed, **options):
    """Solve one problem given its Gram matrix (x_norm2 = its diagonal), in place on ``w``.

    Keyword arguments: the penalty's and the unpenalised block's (see
    :class:`_Call`), ``a_prev`` (the previous alpha's L1 strength along a path:
    the strong rule), ``newton=False`` (no Newton steps on the support) and
    ``round_float32`` (the coefficients are returned as float32 and the
    reported gap is theirs; the dense and sparse solvers do that for float32 X).
    """
    cdef _Call call = _Call("gram", 0, q.shape[0], a, b, tol, max_iter, positive, random,
                            seed, 1, options)
    with nogil:
        enet_gram(Q, q, y_norm2, x_norm2, pf, &call.prm, w, call.R, call.g, call.ws, &call.res)
    return call.outcome()


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
    while each column is still in cache (one pass over X instead of two) with the
    dot the kernels' scans use, so that it equals their scan bitwise.
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
            norm2[j] = col_sq_dev(n, &X[0, j], mean[j], s)
            if with_g:      # the column still in cache; the scans' own dot, bitwise
                g[j] = (wdot_centered(n, &X[0, j], mean[j], s, &y_c[0]) if s != NULL
                        else dot_centered(n, &X[0, j], mean[j], &y_c[0]))
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


cdef struct DenseView:
    # A dense X as the one-off scans below read it: its design (of its element
    # type) and the weights, no response.
    SqLoss f
    DenseD d64
    DenseF d32


cdef void _dense_view(DenseView* v, const floating[::1, :] X, const double[::1] sw,
                      const double[::1] x_mean) noexcept nogil:
    _weights(&v.f, X.shape[0], sw)
    _dense_of(X, x_mean, NULL, &v.d64, &v.d32)


def dense_epoch(const floating[::1, :] X, const double[::1] sw, const double[::1] x_mean,
                const double[::1] x_norm2, const double[::1] pf, double[::1] w,
                double[::1] R, double a, double b):
    """One cyclic coordinate sweep over every feature, in place on w and R.

    The plain epoch the working-set solves are made of (benchmarks measure
    its bandwidth); returns the objective decrease.
    """
    cdef CDParams prm = make_params(a, b, 0.0, 1)
    cdef unsigned long long rng = 1
    cdef double decrease
    cdef DenseView v
    _dense_view(&v, X, sw, x_mean)
    with nogil:
        if floating is double:
            decrease = _sweep(&v.d64, &v.f, x_norm2, pf, &prm, w, &R[0], NULL, v.d64.p, &rng)
        else:
            decrease = _sweep(&v.d32, &v.f, x_norm2, pf, &prm, w, &R[0], NULL, v.d32.p, &rng)
    return decrease


def dense_gram(const floating[::1, :] X, const double[::1] sw, const double[::1] x_mean,
               const double[::1] y_c):
    """(Q, q): Q = X~^T S X~ (float64, p x p) and q = X~^T S y_c, without a copy of X.

    Built by row chunks of at most 8 MiB with DSYRK (threads: the BLAS's own).
    """
    cdef int p = X.shape[1], k, err
    cdef WSGram c
    cdef int[::1] cols = np.arange(max(p, 1), dtype=np.intc)
    _ws_gram_init(&c)
    with nogil:
        err = _ws_gram_update(&c, &X[0, 0] if X.shape[0] > 0 and p > 0 else NULL, X.shape[0],
                              p, &sw[0] if sw.shape[0] > 0 else NULL,
                              &x_mean[0] if p > 0 else NULL, &y_c[0] if X.shape[0] > 0 else NULL,
                              &cols[0], p)
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
    cdef double[::1] g = np.empty(X.shape[1])
    cdef DenseView v
    _dense_view(&v, X, sw, x_mean)
    with nogil:
        if floating is double:
            dz_scan(&v.d64, &v.f, &r[0], g, NULL, X.shape[1], n_threads, True)
        else:
            dz_scan(&v.d32, &v.f, &r[0], g, NULL, X.shape[1], n_threads, True)
    return np.asarray(g)


def sparse_xt_r(const floating[::1] data, const int[::1] indices, const Py_ssize_t[::1] indptr,
                const double[::1] sw, const double[::1] x_mean, const double[::1] r):
    """CSC version of :func:`dense_xt_r`."""
    cdef double[::1] g = np.empty(indptr.shape[0] - 1)
    cdef SqLoss f
    cdef SparseD d64
    cdef SparseF d32
    _weights(&f, r.shape[0], sw)
    _sparse_of(data, indices, indptr, r.shape[0], x_mean, &d64, &d32)
    with nogil:
        if floating is double:
            dz_scan(&d64, &f, &r[0], g, NULL, g.shape[0], 1, False)
        else:
            dz_scan(&d32, &f, &r[0], g, NULL, g.shape[0], 1, False)
    return np.asarray(g)
