# cython: language_level=3
"""Small GIL-free building blocks shared by the coordinate-descent kernels.

Every kernel works on the *per-sum* objective

    P(w) = 1/2 sum_i s_i (r_i)^2 + sum_j pf_j (a |w_j| + b/2 w_j^2),
    r = y_c - (X - 1 xbar^T) w,

with sample weights ``s`` summing to n (all ones when unweighted).  Dot
products are accumulated in double by the vectorised routines of ``_simd.h``
(AVX2/AVX-512 chosen at load time on x86-64).
"""
from cython cimport floating
from libc.math cimport INFINITY, fabs, sqrt


cdef extern from "_simd.h" nogil:
    # x is a double or float column: the C header dispatches on its type (_Generic)
    # and on the CPU (AVX-512, AVX2+FMA or baseline, chosen at load time).
    int fp_simd_level()
    double dot_centered "fp_dot"(int n, const void* x, double xbar, const double* r)
        # sum_i (x_i - xbar) r_i, accumulated in double
    double wdot_centered "fp_wdot"(int n, const void* x, double xbar, const double* s,
                                   const double* r)
        # sum_i (x_i - xbar) s_i r_i
    double _sum "fp_sum"(int n, const void* x)
    double col_sq_dev "fp_sqdev"(int n, const void* x, double mean, const double* s)
        # sum_i s_i (x_i - mean)^2 (s NULL: unit weights)
    void axpy_centered "fp_axpy"(int n, double alpha, const void* x, double xbar, double* r)
        # r += alpha (x - xbar), centring first (exact for columns with a large offset)
    double sparse_dot "fp_spdot"(int n, const void* x, const int* ind, const double* s,
                                 const double* r)
        # sum_k x_k s_{ind_k} r_{ind_k} over one CSC column (s NULL: unit weights)
    void sparse_axpy "fp_spaxpy"(int n, double alpha, const void* x, const int* ind,
                                 double* r)
        # r_{ind_k} += alpha x_k over one CSC column (its row indices distinct)


cdef inline double col_sum(int n, const floating* x, const double* s) noexcept nogil:
    """sum_i s_i x_i (s NULL: unit weights), accumulated in double."""
    if s != NULL:
        return dot_centered(n, x, 0.0, s)
    return _sum(n, x)


cdef inline double block_step(int k, int m, const double* inv, const int* idx,
                              const double* g) noexcept nogil:
    """k-th entry of inv @ g[idx]: the exact least-squares step of a block."""
    cdef int l
    cdef double d = 0.0
    for l in range(m):
        d += inv[k * m + l] * g[idx[l]]
    return d


cdef inline bint _cholesky_solve(int k, double* A, double* b) noexcept nogil:
    """Solve A x = b in place (A: k x k SPD, row-major, overwritten by its factor)."""
    cdef int i, j, l
    cdef double s
    for j in range(k):
        s = A[j * k + j]
        for l in range(j):
            s -= A[j * k + l] * A[j * k + l]
        if s <= 0.0:
            return False
        A[j * k + j] = sqrt(s)
        for i in range(j + 1, k):
            s = A[i * k + j]
            for l in range(j):
                s -= A[i * k + l] * A[j * k + l]
            A[i * k + j] = s / A[j * k + j]
    for i in range(k):
        s = b[i]
        for l in range(i):
            s -= A[i * k + l] * b[l]
        b[i] = s / A[i * k + i]
    for i in range(k - 1, -1, -1):
        s = b[i]
        for l in range(i + 1, k):
            s -= A[l * k + i] * b[l]
        b[i] = s / A[i * k + i]
    return True


cdef inline void box_qp(int m, const double* G, const double* g, const double* lo,
                        const double* hi, double* d, double* work) noexcept nogil:
    """Minimise 1/2 d^T G d - g^T d over lo <= d <= hi (lo <= 0 <= hi), from d = 0.

    Primal active-set method: minimise over the free variables with the others
    at their bounds, stop at the first bound met on the way and fix it there,
    release a fixed variable whose gradient points inside; finite for positive
    definite G (a tiny ridge is added if the free block is singular).
    ``work`` holds m*m + 3*m doubles.
    """
    cdef double* A = work
    cdef double* x = work + m * m
    cdef double* state = x + m           # 0 free, -1 at lo, +1 at hi
    cdef double* grad = state + m
    cdef int it, i, j, k, r, c, block, worst
    cdef double t, step, viol, ridge = 0.0
    for i in range(m):
        d[i] = 0.0
        state[i] = 0.0
        ridge = max(ridge, G[i * m + i])
    ridge *= 1e-12
    for it in range(4 * m + 8):
        k = 0                            # gather the free block and its right-hand side
        for i in range(m):
            if state[i] == 0.0:
                x[k] = g[i]
                for j in range(m):
                    if state[j] != 0.0:
                        x[k] -= G[i * m + j] * d[j]
                k += 1
        if k > 0:
            r = 0
            for i in range(m):
                if state[i] != 0.0:
                    continue
                c = 0
                for j in range(m):
                    if state[j] == 0.0:
                        A[r * k + c] = G[i * m + j] + (ridge if i == j else 0.0)
                        c += 1
                r += 1
            if not _cholesky_solve(k, A, x):
                return
        step, block, r = 1.0, -1, 0      # longest feasible move toward the minimiser
        for i in range(m):
            if state[i] != 0.0:
                continue
            if x[r] < lo[i] and x[r] < d[i]:
                t = (lo[i] - d[i]) / (x[r] - d[i])
                if t < step:
                    step, block = t, i
            elif x[r] > hi[i] and x[r] > d[i]:
                t = (hi[i] - d[i]) / (x[r] - d[i])
                if t < step:
                    step, block = t, i
            r += 1
        r = 0
        for i in range(m):
            if state[i] == 0.0:
                d[i] += step * (x[r] - d[i])
                r += 1
        if block >= 0:
            state[block] = -1.0 if d[block] - lo[block] <= hi[block] - d[block] else 1.0
            d[block] = lo[block] if state[block] < 0.0 else hi[block]
            continue
        worst, viol = -1, 0.0            # at the subspace minimiser: release one?
        for i in range(m):
            if state[i] == 0.0:
                continue
            grad[i] = g[i]
            for j in range(m):
                grad[i] -= G[i * m + j] * d[j]
            # grad = -(dq/dd_i): > 0 wants d_i up, < 0 wants it down
            if state[i] < 0.0 and grad[i] > viol:
                worst, viol = i, grad[i]
            elif state[i] > 0.0 and -grad[i] > viol:
                worst, viol = i, -grad[i]
        if worst < 0:
            return
        state[worst] = 0.0


cdef inline unsigned int rand_below(unsigned long long* state,
                                    unsigned int bound) noexcept nogil:
    """xorshift64* draw in [0, bound); the state is per problem, never per thread."""
    cdef unsigned long long x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return <unsigned int>(((x * 2685821657736338717ULL) >> 32) % bound)
