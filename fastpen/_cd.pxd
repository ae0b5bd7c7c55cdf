# cython: language_level=3
"""C-level API of fastpen's one-problem elastic-net solvers.

Each solver minimises, in per-sum scaling,

    1/2 sum_i s_i r_i^2 + sum_j (a pf_j |w_j| + b/2 pf2_j w_j^2),  lower <= w <= upper,
    r = y_c - (X - 1 xbar^T) w,

(pf2 = pf unless CDParams.l2_factor is set; no box unless CDParams.lower is)
by coordinate descent, in place on ``w``, without the GIL.  ``y_c`` is the
target, already centred with the weighted mean when an intercept is fitted
(``x_mean`` then holds the weighted column means, otherwise zeros), ``s`` the
sample weights rescaled to sum to n (an empty array means unit weights),
``x_norm2[j] = sum_i s_i (x_ij - xbar_j)^2``.  Scratch arrays are owned by the
caller, so that a parallel driver can hand each thread its own; on return
``R`` is the residual and ``g`` = X~^T S R at the returned ``w`` (dense, sparse)
-- except for the features a caller-owned CDScreen lists as screened.  ``n_threads``
> 1 parallelises the O(n p) gap scans with OpenMP; pass 1 when calling from
inside a parallel region: the solver is then serial, except that the dense one
may build working-set Gram matrices with BLAS (DSYRK/DGEMM), so limit the BLAS
to one thread there too (threadpoolctl), or set ``ws_gram = -1``.  The solvers
allocate their own small buffers with malloc and fall back to a plainer
method when that fails.  The Gram solver takes Q = X~^T S X~ (symmetric),
q = X~^T S y_c, y_norm2 = y_c^T S y_c and x_norm2 = diag(Q); its
scratch H (p) holds, on return, q - Q w = X~^T S r.
"""
from cython cimport floating


cdef struct WSGram:
    # Gram matrix of a dense working set, kept between working-set solves (and
    # between calls along a path, through CDParams.gram_cache): G (m x m) =
    # X~_ws^T S X~_ws and q = X~_ws^T S y_c for the features feat[:m], slot[j]
    # the position of feature j or -1; ``sweeps`` what the last working-set
    # solve needed (predicts the next).  Zero-initialise; free with ws_gram_free.
    int m
    int sweeps
    int* feat
    int* slot
    double* G
    double* q


cdef struct ScreenedList:
    # Screened features in list order: feature j[k], the constant c[k] of its
    # bound, norm[k] = ||x~_j||_S and pf[k] = pf_j (read in order by a visit).
    int* j
    double* c
    double* norm
    double* pf
    int n


cdef struct CDScreen:
    # Gap-safe screening state of the dense and sparse kernels, kept between
    # calls along a path (with R and g) of one problem (x_norm2 and pf fixed).
    # For a screened feature j (bounded[j] = 1), g[j] is not kept up to date;
    # instead, with its entry k in the near or far list,
    #     |x~_j^T S R| <= c[k] + norm[k] D,   D = d_ref + ||R - r_ref||_S
    # (D: a length of the residual's path, which only grows), which keeps it
    # out of the scans while the right side stays below a pf[k] and bounds
    # its term of the dual norm (so the gap stays a certificate for the whole
    # problem).  None of the far list can come back while
    # a > far_a + far_rho (D - far_d); while a == a_ref, none of either list
    # can come back before D reaches d_next.  ``act[:n_act]`` lists the
    # features still scanned (not screened, nonzero norm).  ``norm`` holds
    # ||x~_j||_S and ``pf_ok`` whether every such feature is penalised, once
    # ``has_norm`` is set (by the first call on the problem).  Made by
    # screen_alloc (arrays of p entries, act p + 1, r_ref n), freed by
    # screen_free.
    signed char* bounded
    double* r_ref
    double* norm
    int* act
    ScreenedList near
    ScreenedList far
    int n
    int p
    int n_act
    int n_bounded       # near.n + far.n
    double a_ref
    double d_ref
    double d_next
    double far_a
    double far_rho
    double far_d
    bint has_norm
    bint pf_ok


# The parameters of one call, in five groups.  make_params fills every field
# with its default; set the others directly (e.g. ``prm.pen.lower = ...``).

cdef struct CDPenalty:
    # The penalty and its box: sum_j a pf_j |w_j| + b/2 pf2_j w_j^2,
    # lo_j <= w_j <= hi_j (pf is an argument of the solvers).
    double a            # L1 strength, n * alpha * l1_ratio
    double b            # L2 strength, n * alpha * (1 - l1_ratio)
    bint positive       # w >= 0 (the box [0, inf) intersected with the bounds)
    # Optional per-feature arrays (NULL: not used).  ``l2_factor``: pf2 when it
    # differs from pf (standardisation makes them pf * sd and pf * sd^2).
    # ``lower``/``upper``: bounds, lower <= 0 <= upper (infinite allowed); both
    # or neither.
    const double* l2_factor
    const double* lower
    const double* upper


cdef struct CDOptions:
    # How to solve: none of these changes the problem.
    double tol          # absolute duality-gap tolerance (per-sum scaling)
    int max_iter        # maximum number of coordinate sweeps (over the working set)
    int n_threads       # threads for the gap scans; 1 = serial
    bint random         # random instead of cyclic coordinate order
    unsigned long long seed
    # Dense working-set solves: 0 chooses between residual sweeps and the
    # working set's Gram matrix by a cost model, -1 forces residual sweeps,
    # 1 the Gram matrix (tests compare the variants).
    int ws_gram
    bint no_screening   # gap-safe screening off
    # Newton steps on the support (see _cd_newton.pxi) off: plain coordinate
    # descent, for tests and benchmarks that measure what the steps bring.
    bint no_newton
    # The caller returns float32 coefficients: round w to float32 at the end and
    # report the gap of the rounded coefficients (see _cd_driver.pxi).
    bint round_float32


cdef struct CDBlock:
    # Unpenalised features solved as one exact block before every full gap
    # check, so that the dual point is feasible: their indices, and the
    # row-major (n, n) pseudo-inverse of their Gram matrix X~_U^T S X~_U -- or,
    # with ``boxed``, that Gram matrix itself, the block then being solved
    # within its constraints (positive, bounds) as a small box QP.  n = 0
    # disables it (only their coordinate-wise stationarity then enters the gap).
    int n
    const int* idx
    const double* inv
    bint boxed


cdef struct CDState:
    # What a caller keeps between calls on one problem (along a path).
    # ``warm`` (dense and sparse kernels): R and g already hold the residual and
    # X~^T S R at w -- what the previous call returned them with -- so the first
    # scan over X is skipped.  Ignored with an unpenalised block.
    bint warm
    # The dense kernel's working-set Gram matrix: a cache owned by the caller,
    # valid for this X, weights and centring (NULL: one per call).
    WSGram* gram_cache
    # Screening state owned by the caller (NULL: one per call).  A cold call
    # (warm = False) starts it afresh.
    CDScreen* screen
    # The previous alpha's L1 strength along a path (0: none), for the
    # sequential strong rule of the first working set.
    double a_prev


cdef struct CDControl:
    # Interruption (Ctrl-C).  ``stop``: a flag shared by the threads of one call
    # (NULL: none); a kernel returns early once it is set.  ``check_signals``:
    # this kernel runs on Python's main thread, and every SIGNAL_CHECK_SECONDS
    # (across calls) it takes the GIL to let Python's signal handlers run;
    # if one raises, the exception stays pending and ``stop`` is set.
    volatile int* stop
    bint check_signals


cdef struct CDParams:
    CDPenalty pen
    CDOptions opt
    CDBlock unpen
    CDState state
    CDControl ctl


cdef struct CDResult:
    double gap          # duality gap reached (per-sum scaling)
    double r_norm2      # sum_i s_i r_i^2 at the returned w
    int n_iter          # coordinate sweeps done


# The version of this C-level API: 2 since the parameters were grouped
# (CDParams.pen/opt/unpen/state/ctl) and make_params lost its optional arguments.
cdef enum:
    CAPI_VERSION = 2

cdef CDParams make_params(double a, double b, double tol, int max_iter) noexcept nogil
cdef void ws_gram_free(WSGram* cache) noexcept nogil
cdef int raise_pending() except -1
cdef void _watch(CDParams* prm, volatile int* stop) except *
cdef bint screen_alloc(CDScreen* sc, int n, int p) noexcept nogil
cdef void screen_free(CDScreen* sc) noexcept nogil


cdef void enet_dense(
    const floating[::1, :] X, const double[::1] y_c, const double[::1] sw,
    const double[::1] x_mean, const double[::1] x_norm2, const double[::1] pf,
    const CDParams* params, double[::1] w,
    double[::1] R, double[::1] g, int[::1] ws, CDResult* result) noexcept nogil


# enet_sparse: CSC columns with distinct row indices (canonical; the residual
# updates scatter through them with vector stores).
cdef void enet_sparse(
    const floating[::1] data, const int[::1] indices, const Py_ssize_t[::1] indptr,
    const double[::1] y_c, const double[::1] sw,
    const double[::1] x_mean, const double[::1] x_norm2, const double[::1] pf,
    const CDParams* params, double[::1] w,
    double[::1] R, double[::1] g, int[::1] ws, CDResult* result) noexcept nogil


cdef void enet_gram(
    const floating[:, ::1] Q, const double[::1] q, double y_norm2,
    const double[::1] x_norm2, const double[::1] pf, const CDParams* params, double[::1] w,
    double[::1] H, double[::1] g, int[::1] ws, CDResult* result) noexcept nogil
