# cython: language_level=3
"""A minimal extension of fastpen's C-level API (README, "C-level API").

It solves k lasso problems that share one Gram matrix, each with fastpen's
serial one-problem solver, in its own parallel loop.
"""
import numpy as np

from cython.parallel cimport prange
from libc.stdlib cimport free, malloc

from fastpen._cd cimport CAPI_VERSION, CDParams, CDResult, enet_gram, make_params


def fit_many(const double[:, ::1] Q, const double[:, ::1] QY, const double[::1] y_norm2,
             double[:, ::1] W, double a, double tol):
    """Lasso with L1 strength ``a`` (per-sum scaling) for each row of QY, in place on W.

    Returns the duality gaps reached.
    """
    cdef Py_ssize_t t, k = QY.shape[0], p = Q.shape[0]
    # one parameter block for all problems: the solver only reads it
    cdef CDParams prm = make_params(a, 0.0, tol, 100000)
    cdef double[::1] diag = np.ascontiguousarray(np.diagonal(Q))
    cdef double[::1] pf = np.ones(p)
    # a workspace per problem here (per thread would do)
    cdef double[:, ::1] H = np.empty((k, p))
    cdef double[:, ::1] G = np.empty((k, p))
    cdef int[:, ::1] WS = np.empty((k, p), dtype=np.intc)
    cdef double[::1] gaps = np.empty(k)
    cdef CDResult* res = <CDResult*> malloc(max(k, 1) * sizeof(CDResult))
    if res == NULL:
        raise MemoryError()
    with nogil:
        for t in prange(k, schedule="dynamic"):
            enet_gram(Q, QY[t], y_norm2[t], diag, pf, &prm, W[t], H[t], G[t], WS[t], &res[t])
            gaps[t] = res[t].gap
    free(res)
    return np.asarray(gaps)


def capi_version():
    """The C-level API version this extension was compiled against."""
    return CAPI_VERSION
