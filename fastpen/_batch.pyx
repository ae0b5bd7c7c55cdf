# cython: language_level=3
"""Parallel driver over independent elastic-net paths that share one design X.

A *problem* is one target column fitted under one *group*: a weighting of
the rows (sample weights; a cross-validation fold is the weighting that is
zero on its held-out rows) with its own column means and norms, penalty
factors and, optionally, the Gram matrix.  Each problem runs a whole path --
its alphas in order, each warm-started from the previous one -- with the same
serial, GIL-free one-problem kernel as a single fit (``fastpen._cd``), inside
a ``prange`` over problems with dynamic scheduling and one workspace per
thread.  X is only read.

A problem's result does not depend on the thread that solves it, nor on the
thread count: its coordinate order is seeded by its index and alpha index, and
the kernels overwrite their workspaces before reading them.  Inside the
parallel region the kernels start no OpenMP region of their own (their
``n_threads`` is 1) -- the dense one may still call BLAS for working-set Gram
matrices, so the caller limits BLAS to one thread.  A call with a single
problem runs no ``prange`` and gives the kernel all threads for its scans.

A single target is a batch of one: what a lone path knows is told to the batch
too -- the alphas whose solution is known (at or above alpha_max: only
certified), the first scan of a path from w = 0 (X~^T S y_c, computed with the
column statistics), the exact block of all features for an alpha of 0 (least
squares) -- and the coefficients are stored sparsely, with their count,
finiteness and intercept, so that nothing reads the whole result afterwards.
"""
import numpy as np

from fastpen._batch_args import BatchBounds, HeldOutRows, KnownSolutions, UnpenalizedBlock

from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.stdlib cimport calloc, free, malloc

from fastpen._datafit cimport sq_held_out
from fastpen._cd cimport (
    CDParams, CDResult, CDScreen, WSGram, enet_dense, enet_gram, enet_sparse,
    _watch, make_params, raise_pending, screen_alloc, screen_free, ws_gram_free,
)

# kinds of design
DEF GRAM = 0
DEF DENSE = 1
DEF SPARSE = 2

# the Gram matrices' element type: computed ones are float64, a user's float32
# matrix is kept in float32 (the Gram design reads it as such)
ctypedef fused gram_t:
    float
    double


cdef _check_block(const int[::1] idx, const double[:, :, ::1] inv, Py_ssize_t G,
                  Py_ssize_t p, str name):
    """An exactly solved block: its indices in range, one square matrix per group."""
    cdef Py_ssize_t t, nu = idx.shape[0]
    if nu > 0 and (inv.shape[0] != G or inv.shape[1] != nu or inv.shape[2] != nu):
        raise ValueError(f"PathBatch: inconsistent {name} block")
    for t in range(nu):
        if not 0 <= idx[t] < p:
            raise ValueError(f"PathBatch: {name} index out of range")


cdef class PathBatch:
    """The problems of one call and where their results go (all float64 but X, Q).

    Built from keyword-only groups of arguments, the named tuples of
    :mod:`fastpen._batch_args` (any object with their attributes will do):

    groups : BatchGroups -- per group (a weighting of the rows): target means,
        sample weights, column means and norms, L1 and L2 factors.
    problems : BatchProblems -- the targets, each problem's group and target,
        its strengths a, b along the path, tolerance, X~^T S y_c (Gram mode)
        and starting coefficients (overwritten by the last alpha's).
    results : BatchResults -- receive y_c^T S y_c, gaps, residual norms,
        sweeps and held-out errors.
    held_out : HeldOutRows, optional -- each group's held-out rows (default: none).
    unpenalized : UnpenalizedBlock, optional -- the exactly solved block of
        unpenalised features (default: none; see fastpen._cd.CDParams).
    bounds : BatchBounds, optional -- box constraints (default: none).
    options : BatchOptions -- max_iter, positive, random order and its seed.
    known : KnownSolutions, optional -- the alphas whose solution is known
        (certified only, not iterated) and that solution (default: none).
    least_squares : UnpenalizedBlock, optional -- the exactly solved block for
        the alphas with a = b = 0 (default: the unpenalised block).

    Shapes are checked against each other here (ValueError naming PathBatch).
    """
    cdef const double[:, ::1] YT, YM, SW, XM, XN2, PF, L2F, A, B, QY
    cdef const int[::1] group, target, test_ptr, test_rows, UIDX
    cdef const double[::1] TOL, test_w, lower, upper
    cdef double[::1] YN2
    cdef const double[:, :, ::1] UINV
    cdef double[:, ::1] W, gaps, r_norm2, test_err, icpt
    cdef int[:, ::1] n_iter, df
    cdef bint unpen_boxed
    cdef const signed char[:, ::1] at_max
    cdef const double[:, ::1] w_at_max
    cdef const int[::1] LSIDX
    cdef const double[:, :, ::1] LSINV
    cdef bint ls_boxed, has_ls
    cdef int max_iter
    cdef bint positive, random
    cdef unsigned long long seed

    def __init__(self, *, groups, problems, results, held_out=None, unpenalized=None,
                 bounds=None, options, known=None, least_squares=None):
        self.YM, self.SW = groups.target_means, groups.sample_weight
        self.XM, self.XN2 = groups.x_mean, groups.x_norm2
        self.PF, self.L2F = groups.l1_factor, groups.l2_factor
        self.YT, self.group, self.target = problems.targets, problems.group, problems.target
        self.A, self.B, self.TOL = problems.a, problems.b, problems.tol
        self.QY, self.W = problems.xty, problems.coef
        self.YN2, self.gaps, self.r_norm2 = results.y_norm2, results.gaps, results.r_norm2
        self.n_iter, self.test_err = results.n_iter, results.test_err
        self.df = results.df if results.df is not None else np.empty((0, 0), dtype=np.intc)
        self.icpt = (results.intercepts if results.intercepts is not None
                     else np.empty((0, 0)))
        # (an optional group left out is its empty form)
        self.has_ls = least_squares is not None
        known = known if known is not None else KnownSolutions.none()
        least_squares = least_squares if self.has_ls else UnpenalizedBlock.none()
        held_out = held_out if held_out is not None else HeldOutRows.none()
        unpenalized = unpenalized if unpenalized is not None else UnpenalizedBlock.none()
        bounds = bounds if bounds is not None else BatchBounds.none()
        self.at_max, self.w_at_max = known.at_max, known.coef
        self.LSIDX, self.LSINV = least_squares.indices, least_squares.matrices
        self.ls_boxed = least_squares.boxed
        self.test_ptr, self.test_rows = held_out.ptr, held_out.rows
        self.test_w = held_out.weights
        self.UIDX, self.UINV = unpenalized.indices, unpenalized.matrices
        self.unpen_boxed = unpenalized.boxed
        self.lower, self.upper = bounds.lower, bounds.upper
        self.max_iter, self.positive = options.max_iter, options.positive
        self.random, self.seed = options.random, options.seed
        self._check()

    cdef _check(self):
        cdef Py_ssize_t G = self.XM.shape[0], p = self.XM.shape[1], n = self.YT.shape[1]
        cdef Py_ssize_t P = self.A.shape[0], m = self.A.shape[1]
        cdef Py_ssize_t t
        if (self.XN2.shape[0] != G or self.PF.shape[0] != G or self.SW.shape[0] != G
                or self.YM.shape[0] != G or self.L2F.shape[0] != G
                or self.XN2.shape[1] != p or self.PF.shape[1] != p
                or self.L2F.shape[1] not in (0, p) or self.SW.shape[1] not in (0, n)
                or self.YM.shape[1] != self.YT.shape[0]):
            raise ValueError("PathBatch: inconsistent group arrays")
        if (self.B.shape[0] != P or self.B.shape[1] != m or self.group.shape[0] != P
                or self.target.shape[0] != P or self.TOL.shape[0] != P
                or self.YN2.shape[0] != P or self.W.shape[0] != P or self.W.shape[1] != p
                or self.gaps.shape[0] != P or self.gaps.shape[1] != m
                or self.r_norm2.shape[0] != P or self.r_norm2.shape[1] != m
                or self.n_iter.shape[0] != P or self.n_iter.shape[1] != m
                or self.QY.shape[0] not in (0, P) or self.QY.shape[1] != p):
            raise ValueError("PathBatch: inconsistent problem arrays")
        for t in range(P):
            if not (0 <= self.group[t] < G and 0 <= self.target[t] < self.YT.shape[0]):
                raise ValueError("PathBatch: group or target index out of range")
        if self.test_ptr.shape[0] > 0:
            if (self.test_ptr.shape[0] != G + 1 or self.test_ptr[0] != 0
                    or self.test_ptr[G] != self.test_rows.shape[0]
                    or self.test_w.shape[0] != self.test_rows.shape[0]
                    or self.test_err.shape[0] != P or self.test_err.shape[1] != m):
                raise ValueError("PathBatch: inconsistent held-out rows")
            for t in range(G):
                if self.test_ptr[t] > self.test_ptr[t + 1]:
                    raise ValueError("PathBatch: test_ptr must not decrease")
            for t in range(self.test_rows.shape[0]):
                if not 0 <= self.test_rows[t] < n:
                    raise ValueError("PathBatch: held-out row out of range")
        _check_block(self.UIDX, self.UINV, G, p, "unpenalised")
        if self.df.shape[0] > 0 and (self.df.shape[0] != P or self.df.shape[1] != m):
            raise ValueError("PathBatch: inconsistent df array")
        if self.icpt.shape[0] > 0 and (self.icpt.shape[0] != P or self.icpt.shape[1] != m):
            raise ValueError("PathBatch: inconsistent intercepts array")
        if self.at_max.shape[0] > 0 and (
                self.at_max.shape[0] != P or self.at_max.shape[1] != m
                or self.w_at_max.shape[0] != P or self.w_at_max.shape[1] != p):
            raise ValueError("PathBatch: inconsistent known solutions")
        _check_block(self.LSIDX, self.LSINV, G, p, "least-squares")
        if self.lower.shape[0] not in (0, p) or self.upper.shape[0] != self.lower.shape[0]:
            raise ValueError("PathBatch: bounds must both have n_features entries or none")


cdef void _gram_residual(const floating[::1, :] X, const double[::1] y_c,
                         const double[::1] x_mean, const double[::1] w, const int* rows,
                         Py_ssize_t m, double[::1] R) noexcept nogil:
    """R_i = y_c_i - (x_i - x_mean)^T w on the held-out rows (Gram kind: no residual)."""
    cdef Py_ssize_t k, j
    cdef double wj
    for k in range(m):
        R[rows[k]] = y_c[rows[k]]
    for j in range(w.shape[0]):
        wj = w[j]
        if wj != 0.0:
            for k in range(m):
                R[rows[k]] -= wj * (X[rows[k], j] - x_mean[j])


cdef Py_ssize_t _store_nonzero(const double* w, floating* out, Py_ssize_t p) noexcept nogil:
    """Write the nonzero entries of w (cast to floating) into ``out``, which holds
    zeros; return their number, or -1 if an entry is not finite.

    The result array comes from ``np.zeros``, which the system fills lazily:
    blocks of 8 coefficients whose bits are all those of +-0.0 are skipped
    whole, so a sparse path's pages of zeros are never touched.  (An anonymous
    mapping whose untouched pages were never faulted in made the writes cheaper,
    but any later full read of the result then faulted in every 4 KiB page: 60 ms
    more on the sparse path, where compare.py converts it.)
    """
    cdef Py_ssize_t j, b, end, nnz = 0
    cdef bint finite = True
    cdef floating v
    cdef const unsigned long long* bits = <const unsigned long long*> w
    cdef unsigned long long acc
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


def store_coef(const double[::1] w, floating[::1] out):
    """:func:`_store_nonzero` from Python: write w's nonzero entries into ``out``
    (zeros), return their number, or -1 if an entry is not finite."""
    cdef Py_ssize_t nnz
    if out.shape[0] != w.shape[0]:
        raise ValueError("w and out differ in length")
    if w.shape[0] == 0:
        return 0
    with nogil:
        nnz = _store_nonzero(&w[0], &out[0], w.shape[0])
    return nnz


cdef double _intercept(const floating* w, const double* x_mean, double y_mean,
                       Py_ssize_t p) noexcept nogil:
    """y_mean - sum_j w_j x_mean_j over the nonzero w_j in order: a sum that depends on
    this coefficient vector alone (not, as a matrix product's, on its batch)."""
    cdef Py_ssize_t j
    cdef double acc = 0.0
    for j in range(p):
        if w[j] != 0:
            acc = acc + w[j] * x_mean[j]
    return y_mean - acc


def solve_paths(int kind, const floating[::1, :] X, const floating[::1] data,
                const int[::1] indices, const Py_ssize_t[::1] indptr, const gram_t[:, :, ::1] Q,
                floating[:, :, ::1] coefs, PathBatch bt, Py_ssize_t start, Py_ssize_t stop,
                int n_threads):
    """Run the paths of problems ``start:stop`` of ``bt``.

    ``kind``: 0 Gram (Q of shape (n_groups, p, p); X, dense, read only for
    held-out errors), 1 dense X (Fortran order), 2 CSC X (data, indices,
    indptr): canonical columns, row indices in [0, n) -- as
    fastpen._validation.check_array_2d makes them; only the array sizes are
    checked here.  Arrays a kind does not use may be empty.
    ``Q`` is float64, or float32 for a user's float32 Gram matrix.
    ``coefs`` (n_alphas, n_problems, p), zeros, receives every alpha's
    coefficients (only their nonzero entries are written), unless it is empty;
    the batch's ``df`` and ``intercepts``, when given, their count (-1: not
    finite) and the intercept.  With ``problems.xty`` in the dense and sparse
    kinds, a path starting from w = 0 starts from that scan (R = y_c, g = xty)
    instead of its own.  ``n_threads`` is a count already resolved by the
    caller (see :func:`fastpen.effective_n_threads`); below 1 it means one.
    """
    cdef Py_ssize_t n = bt.YT.shape[1], p = bt.XM.shape[1], M = bt.A.shape[1]
    cdef Py_ssize_t count = stop - start, t, j, i, mi, nnz
    cdef int tid, gi, ci, nu = bt.UIDX.shape[0], nls = bt.LSIDX.shape[0]
    cdef int nt = max(1, min(n_threads, count))
    cdef int inner_nt = max(1, n_threads) if count == 1 else 1
    cdef bint has_test = bt.test_ptr.shape[0] > 0, store = coefs.shape[0] > 0
    cdef bint has_l2 = bt.L2F.shape[1] > 0
    cdef bint has_df = bt.df.shape[0] > 0, has_icpt = bt.icpt.shape[0] > 0
    cdef bint has_known = bt.at_max.shape[0] > 0, has_ls = bt.has_ls
    cdef bint has_start, warm, cold, ls_boxed = bt.ls_boxed
    cdef const int* rows
    cdef const double* u
    cdef Py_ssize_t n_rows
    if not (0 <= start <= stop <= bt.A.shape[0]):
        raise ValueError("solve_paths: bad problem range")
    if kind == GRAM:
        if Q.shape[0] != bt.XM.shape[0] or Q.shape[1] != p or Q.shape[2] != p:
            raise ValueError("solve_paths: Q must have shape (n_groups, p, p)")
        if has_test and (X.shape[0] != n or X.shape[1] != p):
            raise ValueError("solve_paths: held-out errors in Gram mode need X")
    elif kind == DENSE:
        if X.shape[0] != n or X.shape[1] != p:
            raise ValueError("solve_paths: X must have shape (n, p)")
    elif kind == SPARSE:
        if indptr.shape[0] != p + 1 or indptr[0] != 0 or indptr[p] > data.shape[0] \
                or indices.shape[0] < indptr[p]:
            raise ValueError("solve_paths: bad CSC arrays")
    else:
        raise ValueError("solve_paths: kind must be 0, 1 or 2")
    if store and (coefs.shape[0] != M or coefs.shape[1] != bt.A.shape[0]
                  or coefs.shape[2] != p):
        raise ValueError("solve_paths: coefs must have shape (n_alphas, n_problems, p)")
    if count <= 0:
        return

    cdef CDParams base = make_params(0.0, 0.0, 0.0, bt.max_iter)
    base.pen.positive = bt.positive
    base.opt.random = bt.random
    base.opt.n_threads = inner_nt
    base.unpen.boxed = bt.unpen_boxed
    base.unpen.n = nu
    base.unpen.idx = &bt.UIDX[0] if nu > 0 else NULL
    base.opt.round_float32 = floating is float      # the coefficients are returned as floating
    if bt.lower.shape[0] > 0:
        base.pen.lower = &bt.lower[0]
        base.pen.upper = &bt.upper[0]
    # Ctrl-C: thread 0 (the caller's thread) lets signal handlers run now and
    # then; once one raises, every thread drops its remaining alphas
    cdef volatile int stop_flag = 0
    _watch(&base, &stop_flag)
    cdef bint main_thread = base.ctl.check_signals
    if kind == GRAM and bt.QY.shape[0] != bt.A.shape[0]:
        raise ValueError("solve_paths: the Gram kind needs QY")
    # the first scan of a path from w = 0 is known (not with an unpenalised block,
    # whose exact solve moves w before the first scan)
    has_start = kind != GRAM and bt.QY.shape[0] == bt.A.shape[0] and nu == 0
    # the batch's arrays as locals (what the parallel region reads and writes)
    cdef const double[:, ::1] YT = bt.YT, YM = bt.YM, SW = bt.SW, XM = bt.XM
    cdef const double[:, ::1] XN2 = bt.XN2, PF = bt.PF, L2F = bt.L2F, A = bt.A, B = bt.B
    cdef const double[:, ::1] QY = bt.QY
    cdef const double[:, :, ::1] UINV = bt.UINV, LSINV = bt.LSINV
    cdef const int[::1] LSIDX = bt.LSIDX
    cdef const signed char[:, ::1] at_max = bt.at_max
    cdef const double[:, ::1] w_at_max = bt.w_at_max
    cdef double[:, ::1] icpt = bt.icpt
    cdef int[:, ::1] df = bt.df
    cdef const int[::1] group = bt.group, target = bt.target
    cdef const int[::1] test_ptr = bt.test_ptr, test_rows = bt.test_rows
    cdef const double[::1] TOL = bt.TOL, test_w = bt.test_w
    cdef double[::1] YN2 = bt.YN2
    cdef double yn2
    cdef double[:, ::1] W = bt.W, gaps = bt.gaps, r_norm2 = bt.r_norm2
    cdef double[:, ::1] test_err = bt.test_err
    cdef int[:, ::1] n_iter = bt.n_iter
    cdef unsigned long long seed = bt.seed
    # per-thread workspaces
    cdef double[:, ::1] YC = np.empty((nt, n))
    cdef double[:, ::1] RB = np.empty((nt, n))
    cdef double[:, ::1] HB = np.empty((nt, p))
    cdef double[:, ::1] GB = np.empty((nt, p))
    cdef int[:, ::1] WS = np.empty((nt, p), dtype=np.intc)
    cdef CDParams* params = <CDParams*> malloc(nt * sizeof(CDParams))
    cdef CDResult* results = <CDResult*> malloc(nt * sizeof(CDResult))
    cdef CDScreen* screens = <CDScreen*> calloc(nt, sizeof(CDScreen))
    cdef WSGram* caches = <WSGram*> calloc(nt, sizeof(WSGram))
    cdef bint ok = params != NULL and results != NULL and screens != NULL and caches != NULL
    try:
        for tid in range(nt if ok and kind != GRAM else 0):
            ok = screen_alloc(&screens[tid], <int> n, <int> p)
            if not ok:
                break
        if not ok:
            raise MemoryError("solve_paths: cannot allocate the thread workspaces")
        with nogil:
            for t in prange(start, stop, num_threads=nt, schedule="dynamic", chunksize=1,
                            use_threads_if=nt > 1):
                tid = threadid()
                gi = group[t]
                ci = target[t]
                yn2 = 0.0
                for i in range(n):
                    YC[tid, i] = YT[ci, i] - YM[gi, ci]
                if SW.shape[1] > 0:
                    for i in range(n):
                        yn2 = yn2 + SW[gi, i] * YC[tid, i] * YC[tid, i]
                else:
                    for i in range(n):
                        yn2 = yn2 + YC[tid, i] * YC[tid, i]
                YN2[t] = yn2
                params[tid] = base
                params[tid].ctl.check_signals = main_thread and tid == 0
                params[tid].opt.tol = TOL[t] * yn2
                if has_l2:
                    params[tid].pen.l2_factor = &L2F[gi, 0]
                if kind == DENSE:
                    ws_gram_free(&caches[tid])       # it holds X_ws^T S y_c of the last problem
                    params[tid].state.gram_cache = &caches[tid]
                if kind != GRAM:
                    screens[tid].has_norm = False    # norms and factors are the group's
                    params[tid].state.screen = &screens[tid]
                if has_test:
                    n_rows = test_ptr[gi + 1] - test_ptr[gi]
                    rows = &test_rows[test_ptr[gi]] if n_rows > 0 else NULL
                    u = &test_w[test_ptr[gi]] if n_rows > 0 else NULL
                warm = False
                if has_start:
                    cold = True
                    for j in range(p):
                        cold = cold and W[t, j] == 0.0
                    if cold:        # the scan of w = 0: R = y_c, g = X~^T S y_c
                        for i in range(n):
                            RB[tid, i] = YC[tid, i]
                        for j in range(p):
                            GB[tid, j] = QY[t, j]
                        warm = True
                for mi in range(M):
                    if stop_flag:
                        break
                    params[tid].pen.a = A[t, mi]
                    params[tid].pen.b = B[t, mi]
                    params[tid].opt.seed = seed + <unsigned long long> (t * M + mi)
                    params[tid].opt.max_iter = base.opt.max_iter
                    params[tid].unpen = base.unpen
                    if nu > 0:
                        params[tid].unpen.inv = &UINV[gi, 0, 0]
                    if has_known and at_max[t, mi]:
                        # known solution (penalised coefficients all zero): certified only
                        for j in range(p):
                            W[t, j] = w_at_max[t, j]
                        params[tid].opt.max_iter = 0
                        warm = False
                    elif has_ls and A[t, mi] == 0.0 and B[t, mi] == 0.0:
                        # (constrained) least squares: the exact block of all features
                        params[tid].unpen.n = nls
                        params[tid].unpen.idx = &LSIDX[0] if nls > 0 else NULL
                        params[tid].unpen.inv = &LSINV[gi, 0, 0] if nls > 0 else NULL
                        params[tid].unpen.boxed = ls_boxed
                    params[tid].state.warm = warm
                    warm = True     # the kernels leave R and g consistent with w
                    if YN2[t] == 0.0:      # constant target: w = 0 fits it exactly
                        for j in range(p):
                            W[t, j] = 0.0
                        results[tid].gap = 0.0
                        results[tid].r_norm2 = 0.0
                        results[tid].n_iter = 0
                        for i in range(n):
                            RB[tid, i] = YC[tid, i]
                    elif kind == GRAM:
                        params[tid].state.a_prev = A[t, mi - 1] if mi > 0 else 0.0
                        enet_gram(Q[gi], QY[t], YN2[t], XN2[gi], PF[gi], &params[tid], W[t],
                                  HB[tid], GB[tid], WS[tid], &results[tid])
                        if has_test:
                            _gram_residual(X, YC[tid], XM[gi], W[t], rows, n_rows, RB[tid])
                    elif kind == DENSE:
                        enet_dense(X, YC[tid], SW[gi], XM[gi], XN2[gi], PF[gi], &params[tid],
                                   W[t], RB[tid], GB[tid], WS[tid], &results[tid])
                    else:
                        enet_sparse(data, indices, indptr, YC[tid], SW[gi], XM[gi], XN2[gi],
                                    PF[gi], &params[tid], W[t], RB[tid], GB[tid], WS[tid],
                                    &results[tid])
                    gaps[t, mi] = results[tid].gap
                    r_norm2[t, mi] = results[tid].r_norm2
                    n_iter[t, mi] = results[tid].n_iter
                    if store:
                        nnz = _store_nonzero(&W[t, 0], &coefs[mi, t, 0], p) if p > 0 else 0
                        if has_df:
                            df[t, mi] = <int> nnz
                    if has_icpt:
                        icpt[t, mi] = _intercept(&W[t, 0], &XM[gi, 0], YM[gi, ci], p) \
                            if p > 0 else YM[gi, ci]
                    if has_test:
                        test_err[t, mi] = sq_held_out(&RB[tid, 0], rows, u, n_rows)
        if stop_flag:
            raise_pending()
    finally:
        for tid in range(nt if screens != NULL else 0):
            screen_free(&screens[tid])
        for tid in range(nt if caches != NULL else 0):
            ws_gram_free(&caches[tid])
        free(params)
        free(results)
        free(screens)
        free(caches)


# ---------------------------------------------------------------- per-target statistics
#
# What the problems of one call share is computed once for all targets, but
# each target's numbers must be the ones it would get alone, in any block of
# targets and in any memory layout of Y: a last-bit change in a target's mean or
# in its X~^T S y_c moves its alpha grid, and the fits at the default tol
# (1e-4) then take other iterations and stop elsewhere, tolerance-sized
# differences (2e-3 relative, issue 17).  So these sums run over one target at
# a time in a fixed order, never through a BLAS product whose blocking follows
# the shapes.

cdef extern from "_xtr.h" nogil:
    int fp_xtr_fused()
    void fp_xtr4(int m, const double* c, Py_ssize_t ldc, const double* r, double* acc)
    void fp_xtr1(int m, const double* c, const double* r, double* acc)

DEF LANES = 8           # targets per tile of the products (one SIMD lane each): _xtr.h
DEF SUM_BLOCK = 256     # rows per block of a target's sums
DEF ROW_BLOCK = 256     # rows of X per pass of the products (a block of X stays in cache)
DEF COL_BLOCK = 64      # columns of X per task of the products (a multiple of 4)
DEF TILE_GROUP = 16     # tiles of targets per task of the products
# a product gets one thread per this many multiply-adds, as fastpen._cd's scans
DEF PRODUCT_WORK_PER_THREAD = 1 << 18


def product_fused():
    """Whether the products below use fused multiply-adds on this CPU (_xtr.h)."""
    return bool(fp_xtr_fused())


cdef double _strided_sum(const double* y, Py_ssize_t stride, const double* s, double shift,
                         Py_ssize_t n) noexcept nogil:
    """sum_i s_i (y_i - shift) (s NULL: unit weights), y read with ``stride``.

    Blocks of SUM_BLOCK rows, each summed in four interleaved partial sums,
    added in order: an error of about (SUM_BLOCK / 4 + n / SUM_BLOCK) rounding
    units, against n for one running sum.
    """
    cdef Py_ssize_t b, i, e
    cdef double total = 0.0, a0, a1, a2, a3
    for b in range(0, n, SUM_BLOCK):
        e = min(b + SUM_BLOCK, n)
        a0 = a1 = a2 = a3 = 0.0
        i = b
        if s == NULL:
            while i + 4 <= e:
                a0 += y[i * stride] - shift
                a1 += y[(i + 1) * stride] - shift
                a2 += y[(i + 2) * stride] - shift
                a3 += y[(i + 3) * stride] - shift
                i += 4
            while i < e:
                a0 += y[i * stride] - shift
                i += 1
        else:
            while i + 4 <= e:
                a0 += s[i] * (y[i * stride] - shift)
                a1 += s[i + 1] * (y[(i + 1) * stride] - shift)
                a2 += s[i + 2] * (y[(i + 2) * stride] - shift)
                a3 += s[i + 3] * (y[(i + 3) * stride] - shift)
                i += 4
            while i < e:
                a0 += s[i] * (y[i * stride] - shift)
                i += 1
        total += (a0 + a1) + (a2 + a3)
    return total


def target_means(const double[:, ::1] YT, const double[::1] sw, int n_threads=1):
    """Each row's weighted mean, sum_i s_i y_i / n (sw: weights summing to n, or empty
    for unit weights), computed row by row in a fixed order: a row's mean does not
    depend on the other rows, their number or the thread count.

    Two passes (the mean, then the mean of the deviations from it added): the
    mean is then within about a rounding unit of itself, however many rows.
    """
    cdef Py_ssize_t k = YT.shape[0], n = YT.shape[1], c
    cdef double[::1] out = np.zeros(k)
    cdef const double* s = &sw[0] if sw.shape[0] > 0 else NULL
    cdef double mean
    cdef int nt = <int> max(1, min(<long long> max(n_threads, 1),
                                   (<long long> k * n) // PRODUCT_WORK_PER_THREAD))
    if sw.shape[0] not in (0, n):
        raise ValueError("target_means: sw must have one weight per column of YT, or none")
    if n == 0:
        return np.asarray(out)
    with nogil:
        for c in prange(k, num_threads=nt, schedule="static", use_threads_if=nt > 1):
            mean = _strided_sum(&YT[c, 0], 1, s, 0.0, n) / n
            out[c] = mean + _strided_sum(&YT[c, 0], 1, s, mean, n) / n
    return np.asarray(out)


cdef double[:, :, ::1] _target_tiles(const double[:, ::1] YT, const double[::1] y_mean,
                                     const double[::1] sw, int nt):
    """R (tiles, n, LANES): R[c // LANES, i, c % LANES] = s_i (y_ci - ybar_c), zeros
    past the last target (filled a tile at a time, its rows written in order)."""
    cdef Py_ssize_t k = YT.shape[0], n = YT.shape[1], T = (k + LANES - 1) // LANES
    cdef Py_ssize_t t, i, l, width
    cdef double[:, :, ::1] R = np.zeros((T, n, LANES))
    cdef bint weighted = sw.shape[0] > 0
    with nogil:
        for t in prange(T, num_threads=nt, schedule="static", use_threads_if=nt > 1):
            width = min(LANES, k - t * LANES)
            for i in range(n):
                for l in range(width):
                    R[t, i, l] = YT[t * LANES + l, i] - y_mean[t * LANES + l]
                if weighted:
                    for l in range(width):
                        R[t, i, l] = sw[i] * R[t, i, l]
    return R


cdef void _dense_product_task(const floating[::1, :] X, const double[::1] x_mean,
                              const double[:, :, ::1] R, double[:, :, ::1] out,
                              Py_ssize_t j0, Py_ssize_t j1, Py_ssize_t t0, Py_ssize_t t1,
                              double* buf) noexcept nogil:
    """out[t, j, :] += sum_i (x_ij - xbar_j) R[t, i, :] for columns j0:j1 and tiles t0:t1,
    rows in order, by blocks of ROW_BLOCK: each block of X is centred (in double) once
    into ``buf`` (COL_BLOCK x ROW_BLOCK), then multiplied with every tile, each entry
    of ``out`` continuing its own sum."""
    cdef Py_ssize_t n = X.shape[0], i0, i, t, j
    cdef int m
    cdef double xbar
    for i0 in range(0, n, ROW_BLOCK):
        m = <int> min(ROW_BLOCK, n - i0)
        for j in range(j0, j1):
            xbar = x_mean[j]
            for i in range(m):
                buf[(j - j0) * ROW_BLOCK + i] = <double> X[i0 + i, j] - xbar
        for t in range(t0, t1):
            j = j0
            while j + 4 <= j1:
                fp_xtr4(m, &buf[(j - j0) * ROW_BLOCK], ROW_BLOCK, &R[t, i0, 0], &out[t, j, 0])
                j += 4
            while j < j1:
                fp_xtr1(m, &buf[(j - j0) * ROW_BLOCK], &R[t, i0, 0], &out[t, j, 0])
                j += 1


def target_products(const floating[::1, :] X, const double[:, ::1] YT,
                    const double[::1] y_mean, const double[::1] sw,
                    const double[::1] x_mean, int n_threads=1):
    """GT (k, p) float64: GT[c, j] = sum_i (x_ij - xbar_j) s_i (y_ci - ybar_c).

    X~^T S (y_c - ybar_c) for each target c, a row of YT (k, n), with X (n, p)
    in Fortran order (float32 or float64) centred on the fly by ``x_mean``
    (zeros without intercept) and ``sw`` the weights (empty: unit weights).
    Each entry is one sum over the rows in order (see _xtr.h), so a target's
    row of GT is the same in any block of targets, any layout of Y and any
    thread count: ``n_threads`` changes the speed only.
    """
    cdef Py_ssize_t k = YT.shape[0], n = YT.shape[1], p = X.shape[1]
    cdef Py_ssize_t T = (k + LANES - 1) // LANES, task, jb, tg
    cdef Py_ssize_t n_col_tasks = (p + COL_BLOCK - 1) // COL_BLOCK
    cdef Py_ssize_t n_tasks = n_col_tasks * ((T + TILE_GROUP - 1) // TILE_GROUP)
    cdef long long work = <long long> n * p * k
    cdef int nt = <int> max(1, min(<long long> max(n_threads, 1),
                                   min(<long long> n_tasks, work // PRODUCT_WORK_PER_THREAD)))
    if X.shape[0] != n or y_mean.shape[0] != k or x_mean.shape[0] != p \
            or sw.shape[0] not in (0, n):
        raise ValueError("target_products: inconsistent shapes")
    cdef double[:, :, ::1] R = _target_tiles(YT, y_mean, sw, nt)
    cdef double[:, :, ::1] out = np.zeros((T, p, LANES))
    cdef double[:, ::1] bufs = np.empty((nt, COL_BLOCK * ROW_BLOCK))
    if n > 0 and p > 0 and k > 0:
        with nogil:
            for task in prange(n_tasks, num_threads=nt, schedule="dynamic",
                               use_threads_if=nt > 1):
                jb = task % n_col_tasks
                tg = task // n_col_tasks
                _dense_product_task(X, x_mean, R, out, jb * COL_BLOCK,
                                    min((jb + 1) * COL_BLOCK, p), tg * TILE_GROUP,
                                    min((tg + 1) * TILE_GROUP, T), &bufs[threadid(), 0])
    return np.ascontiguousarray(
        np.asarray(out).transpose(0, 2, 1).reshape(T * LANES, p)[:k])


cdef void _sparse_product_column(const floating[::1] data, const int[::1] indices,
                                 Py_ssize_t k0, Py_ssize_t k1, double xbar,
                                 const double[:, :, ::1] R, const double[:, ::1] rsum,
                                 double[:, :, ::1] out, Py_ssize_t j) noexcept nogil:
    """out[t, j, :] = sum over column j's entries of x_ij R[t, i, :] - xbar_j rsum[t, :]."""
    cdef double acc[LANES]
    cdef double x
    cdef Py_ssize_t t, kk, l
    cdef int row
    for t in range(R.shape[0]):
        for l in range(LANES):
            acc[l] = 0.0
        for kk in range(k0, k1):
            x = data[kk]
            row = indices[kk]
            for l in range(LANES):
                acc[l] = acc[l] + x * R[t, row, l]
        for l in range(LANES):
            out[t, j, l] = acc[l] - xbar * rsum[t, l]


def sparse_target_products(const floating[::1] data, const int[::1] indices,
                           const Py_ssize_t[::1] indptr, const double[:, ::1] YT,
                           const double[::1] y_mean, const double[::1] sw,
                           const double[::1] x_mean, int n_threads=1):
    """:func:`target_products` for X in CSC form (data, indices, indptr) with n rows.

    GT[c, j] = sum over column j's stored entries of x_ij s_i (y_ci - ybar_c),
    minus xbar_j sum_i s_i (y_ci - ybar_c): the implicit centring of the sparse
    kernels, each sum in a fixed order of one target.
    """
    cdef Py_ssize_t k = YT.shape[0], n = YT.shape[1], p = indptr.shape[0] - 1
    cdef Py_ssize_t T = (k + LANES - 1) // LANES, j, c, kk
    cdef long long work = <long long> (indptr[p] if p >= 0 else 0) * k
    cdef int nt = <int> max(1, min(<long long> max(n_threads, 1),
                                   min(<long long> max(p, 1),
                                       work // PRODUCT_WORK_PER_THREAD)))
    if y_mean.shape[0] != k or x_mean.shape[0] != p or sw.shape[0] not in (0, n):
        raise ValueError("sparse_target_products: inconsistent shapes")
    for kk in range(indptr[p]):
        if not 0 <= indices[kk] < n:
            raise ValueError("sparse_target_products: row index out of range")
    cdef double[:, :, ::1] R = _target_tiles(YT, y_mean, sw, nt)
    cdef double[:, ::1] rsum = np.zeros((T, LANES))
    cdef double[:, :, ::1] out = np.zeros((T, p, LANES))
    with nogil:
        for c in range(k):
            rsum[c // LANES, c % LANES] = _strided_sum(&R[c // LANES, 0, c % LANES], LANES,
                                                       NULL, 0.0, n) if n > 0 else 0.0
        for j in prange(p, num_threads=nt, schedule="dynamic", chunksize=16,
                        use_threads_if=nt > 1):
            _sparse_product_column(data, indices, indptr[j], indptr[j + 1], x_mean[j], R,
                                   rsum, out, j)
    return np.ascontiguousarray(
        np.asarray(out).transpose(0, 2, 1).reshape(T * LANES, p)[:k])


def intercepts(const floating[:, :, ::1] coefs, const double[::1] x_mean,
               const double[::1] y_mean, int n_threads=1):
    """(m, k) float64: y_mean[c] - sum_j coefs[a, c, j] x_mean[j], each a sum over j in
    order (skipping zero coefficients), so a target's intercepts do not depend on
    the other targets or their number, as a matrix-vector product's would."""
    cdef Py_ssize_t m = coefs.shape[0], k = coefs.shape[1], p = coefs.shape[2], row
    cdef double[:, ::1] out = np.empty((m, k))
    cdef int nt = <int> max(1, min(<long long> max(n_threads, 1),
                                   (<long long> m * k * p) // PRODUCT_WORK_PER_THREAD))
    if x_mean.shape[0] != p or y_mean.shape[0] != k:
        raise ValueError("intercepts: inconsistent shapes")
    with nogil:
        for row in prange(m * k, num_threads=nt, schedule="static", use_threads_if=nt > 1):
            out[row // k, row % k] = (_intercept(&coefs[row // k, row % k, 0], &x_mean[0],
                                                 y_mean[row % k], p)
                                      if p > 0 else y_mean[row % k])
    return np.asarray(out)
