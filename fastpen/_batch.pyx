# cython: language_level=3
"""Parallel drivers over independent problems that share one design.

Each problem is solved by the same serial, GIL-free one-problem kernel as a
single fit (``fastpen._cd``), inside a ``prange`` over problems with dynamic
scheduling and one workspace per thread.  A problem's result does not depend
on the thread that solves it, nor on the thread count: its coordinate order is
seeded by the problem's index, and the kernels overwrite their workspaces
before reading them.  The kernels call no BLAS and start no OpenMP region of
their own (``n_threads`` = 1 inside), so nothing is nested.
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.stdlib cimport free, malloc

from fastpen._cd cimport CDParams, CDResult, enet_gram, make_params


def solve_gram_batch(const floating[:, ::1] Q, const double[:, ::1] QY,
                     const double[::1] y_norm2, const double[::1] x_norm2,
                     const double[::1] pf, double[:, ::1] W, const double[::1] a,
                     const double[::1] b, const double[::1] tol, int max_iter, bint positive,
                     bint random, unsigned long long seed, int n_threads, *,
                     const int[::1] unpen_idx=None, const double[:, ::1] unpen_inv=None,
                     bint unpen_boxed=False, const double[::1] l2_factor=None,
                     const double[::1] lower=None, const double[::1] upper=None):
    """Solve k problems sharing the Gram matrix Q, in place on the rows of ``W``.

    Problem t has q = QY[t] (X~^T S y_c of its target), y_norm2[t], strengths
    a[t] and b[t], absolute tolerance tol[t], and starts from W[t].  The
    options are those of :func:`fastpen._cd.solve_gram`, shared by all; the
    coordinate order of problem t (``random``) is seeded with ``seed + t``.
    ``n_threads`` is a count already resolved by the caller (see
    :func:`fastpen.effective_n_threads`); below 1 it means one thread.

    Returns (gaps, r_norm2, n_iter), arrays of k entries.
    """
    cdef Py_ssize_t k = QY.shape[0], p = Q.shape[0]
    cdef Py_ssize_t t
    cdef int tid, nt = max(1, min(n_threads, k))
    if Q.shape[1] != p or QY.shape[1] != p or W.shape[1] != p or x_norm2.shape[0] != p \
            or pf.shape[0] != p:
        raise ValueError("Q, QY, W, x_norm2 and pf must agree on the number of features")
    if W.shape[0] != k or y_norm2.shape[0] != k or a.shape[0] != k or b.shape[0] != k \
            or tol.shape[0] != k:
        raise ValueError("QY, W, y_norm2, a, b and tol must agree on the number of problems")
    cdef CDParams base = make_params(0.0, 0.0, 0.0, max_iter, positive, random, seed, 1,
                                     unpen_idx, unpen_inv, unpen_boxed, l2_factor,
                                     lower, upper)
    cdef double[:, ::1] H = np.empty((nt, p))
    cdef double[:, ::1] G = np.empty((nt, p))
    cdef int[:, ::1] WS = np.empty((nt, p), dtype=np.intc)
    cdef double[::1] gaps = np.empty(k)
    cdef double[::1] r_norm2 = np.empty(k)
    cdef Py_ssize_t[::1] n_iter = np.empty(k, dtype=np.intp)
    # per thread: its parameters and result (the prange body only writes through these)
    cdef CDParams* params = <CDParams*> malloc(nt * sizeof(CDParams))
    cdef CDResult* results = <CDResult*> malloc(nt * sizeof(CDResult))
    if params == NULL or results == NULL:
        free(params)
        free(results)
        raise MemoryError("solve_gram_batch: cannot allocate the thread workspaces")
    try:
        with nogil:
            for t in prange(k, num_threads=nt, schedule="dynamic", chunksize=1,
                            use_threads_if=nt > 1):
                tid = threadid()
                params[tid] = base
                params[tid].a = a[t]
                params[tid].b = b[t]
                params[tid].tol = tol[t]
                params[tid].seed = seed + <unsigned long long> t
                enet_gram(Q, QY[t], y_norm2[t], x_norm2, pf, &params[tid], W[t], H[tid],
                          G[tid], WS[tid], &results[tid])
                gaps[t] = results[tid].gap
                r_norm2[t] = results[tid].r_norm2
                n_iter[t] = results[tid].n_iter
    finally:
        free(params)
        free(results)
    return np.asarray(gaps), np.asarray(r_norm2), np.asarray(n_iter)
