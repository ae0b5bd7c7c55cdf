# cython: language_level=3
"""Threaded products of a compressed sparse matrix with a block of dense columns.

One kernel serves both products of an iterative solver on a sparse X: with X
stored by columns (CSC) it computes X^T M, with a CSR copy it computes X V.
Each output row is a gather over one compressed row, summed in storage
order by one thread, so the result does not depend on the thread count.
"""
from cython cimport floating
from cython.parallel cimport prange


def compressed_matmat(const floating[::1] data, const int[::1] indices,
                      const Py_ssize_t[::1] indptr, const double[:, ::1] V, double[:, ::1] out,
                      const double[::1] a, const double[::1] b, int n_threads):
    """out = A V - a b^T, A the compressed matrix (rows = its compressed axis).

    Parameters
    ----------
    data, indices, indptr : the compressed matrix, ``out.shape[0]`` rows
    V : (n_cols, k) float64, C-ordered; ``indices`` are rows of V (every index
        must be below n_cols: not checked here, the caller's matrix is canonical)
    out : (n_rows, k) float64, C-ordered, overwritten
    a, b : (n_rows,) and (k,): a rank-one correction, or both empty for none
    n_threads : threads of the ``prange`` over output rows
    """
    cdef Py_ssize_t i, l, c, j, k = V.shape[1], n_rows = out.shape[0]
    cdef bint shift = a.shape[0] > 0
    cdef double d, ai
    if indptr.shape[0] != n_rows + 1 or out.shape[1] != k:
        raise ValueError("compressed_matmat: inconsistent shapes.")
    if shift and (a.shape[0] != n_rows or b.shape[0] != k):
        raise ValueError("compressed_matmat: a and b must match out's shape.")
    with nogil:
        for i in prange(n_rows, num_threads=max(n_threads, 1), schedule="guided"):
            ai = a[i] if shift else 0.0
            for c in range(k):
                out[i, c] = -ai * b[c] if shift else 0.0
            for l in range(indptr[i], indptr[i + 1]):
                d = data[l]
                j = indices[l]
                for c in range(k):
                    out[i, c] += d * V[j, c]
