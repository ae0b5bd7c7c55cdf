"""Gram matrices X~^T S X~ and the other large products of X.

When the Gram matrix pays (``precompute='auto'``), how it is built (one DSYRK
on X and a rank-one centring, the kernels' centred build by row chunks, or
fixed blocks of columns over the fit's threads), and the check of a Gram
matrix the user gives.  ``X~`` is X centred with the weighted column means,
``S`` the diagonal of the (rescaled) sample weights.
"""
import numpy as np

from . import _cd
from ._threads import blas_limited
from ._validation import issparse

__all__ = ["blas_single_threaded", "blocked_gram", "blocked_xt", "check_gram", "dense_gram",
           "direct_gram", "gram_matrix", "gram_pays", "use_gram"]

# precompute="auto": a path on X reads X about _PASSES_PER_ALPHA times per alpha
# (scans for the gap and working sets, then sweeps); the Gram matrix costs
# n p^2 / 2 multiply-adds once, at about _BLAS3_SPEEDUP times the rate of a pass
# (DSYRK against dot products), after which nothing depends on n.  Both sides
# use the same threads (OpenMP scans, multithreaded BLAS), so the count cancels.
_PASSES_PER_ALPHA = 3.0
_BLAS3_SPEEDUP = 6.0


def gram_pays(prob, n_alphas):
    """Whether the Gram matrix is expected to beat working on X for this many fits."""
    n, p = prob.X.shape
    if prob.sparse or n < p:      # and then Q (p x p) is never larger than X
        return False
    return p / (2.0 * _BLAS3_SPEEDUP) < _PASSES_PER_ALPHA * n_alphas


def dense_gram(prob):
    """(X~^T S X~, X~^T S y_c or None) for dense X, without a copy of X.

    Unweighted float64 X whose columns have modest means: one DSYRK on X
    itself and the rank-one centring X~^T X~ = X^T X - n xbar xbar^T, which
    loses at most two digits when n xbar_j^2 <= 100 ||x~_j||^2 (constant
    columns, never updated, do not count).  Otherwise the kernels' row-chunked
    build centres (and weights) each chunk before its DSYRK.  The second
    entry is ``prob.xty`` on the first route, X~^T S y_c on the second (None
    when the problem has no single target).
    """
    X, n = prob.X, prob.n_samples
    if direct_gram(prob):
        # NumPy's matmul runs DSYRK for X^T X (exactly symmetric), with NumPy's BLAS:
        # the pool the other large products of a fit use.  With SciPy's own BLAS (a
        # second OpenBLAS in the wheels) the pool NumPy had just woken spun beside
        # it: 2 threads on 2 cores ran it at the 1-thread speed.
        Q = X.T @ X
        if prob.fit_intercept:
            Q -= n * np.outer(prob.x_mean, prob.x_mean)
        return Q, prob.xty
    single = prob.y_c is not None
    Q, q = _cd.dense_gram(X, prob.sw, prob.x_mean, prob.y_c if single else np.zeros(n))
    return Q, q if single else None


def direct_gram(prob):
    """Whether X~^T X~ may be computed as X^T X - n xbar xbar^T (see dense_gram)."""
    varying = prob.x_norm2 > 0
    return (not prob.sparse and prob.X.dtype == np.float64 and not prob.sw.size
            and bool(np.all(prob.n_samples * prob.x_mean[varying] ** 2
                            <= 100.0 * prob.x_norm2[varying])))


def gram_matrix(prob):
    """(Q, q or None): Q = X~^T S X~ as float64, and X~^T S y_c when it came with it."""
    if not prob.sparse:
        return dense_gram(prob)
    import scipy.sparse as sp  # already imported: X is sparse

    X = prob.X
    root_s = np.sqrt(prob.weights())
    Xs = sp.csc_matrix(X.multiply(root_s[:, None]))
    m = prob.n_samples * prob.x_mean   # = X^T s with the weighted means
    Q = ((Xs.T @ Xs).toarray() - np.outer(prob.x_mean, m) - np.outer(m, prob.x_mean)
         + prob.n_samples * np.outer(prob.x_mean, prob.x_mean))
    return np.ascontiguousarray(Q, dtype=np.float64), None


def use_gram(precompute, prob, n_fits):
    """None to work on X, else True: ``precompute`` resolved for ``n_fits`` fits."""
    if isinstance(precompute, str):
        if precompute != "auto":
            raise ValueError(f"precompute must be 'auto', True, False or an array, "
                             f"got {precompute!r}.")
        precompute = gram_pays(prob, n_fits)
    if precompute is None or isinstance(precompute, (bool, np.bool_)):
        return True if precompute else None
    return True


def check_gram(prob, precompute):
    """Validate a user Gram matrix: Q v must equal X~^T S X~ v for a random v."""
    if issparse(precompute):
        precompute = precompute.toarray()
    if not hasattr(precompute, "__array__") and not isinstance(precompute, (list, tuple)):
        raise TypeError("precompute must be 'auto', True, False or an array of shape "
                        f"(n_features, n_features), got {type(precompute).__name__}.")
    Q = np.asarray(precompute)
    p = prob.X.shape[1]
    if Q.dtype.kind not in "fiu":
        raise TypeError(f"precompute: the Gram matrix must be real, got {Q.dtype}.")
    if Q.shape != (p, p):
        raise ValueError(f"precompute: the Gram matrix must have shape ({p}, {p}), "
                         f"got {Q.shape}.")
    if not np.isfinite(Q).all():
        raise ValueError("precompute: the Gram matrix contains NaN or infinity.")
    Q = np.ascontiguousarray(Q, dtype=np.float32 if Q.dtype == np.float32 else np.float64)
    v = np.random.default_rng(0).standard_normal(p)
    Xv = prob.columns_product(v)
    expected = prob.xt_r(Xv, 1)
    got = Q @ v
    rtol = 1e-4 if np.float32 in (Q.dtype, prob.X.dtype) else 1e-7
    scale = np.sqrt(prob.x_norm2.max() * np.dot(Xv * prob.weights(), Xv)) or 1.0
    if not (np.abs(got - expected).max() <= rtol * scale
            and np.allclose(np.diagonal(Q), prob.x_norm2, rtol=rtol,
                            atol=rtol * prob.x_norm2.max())):
        raise ValueError(
            "precompute: the Gram matrix does not match X (with the intercept, X is "
            "centred with the weighted column means and scaled by sqrt(sample_weight) "
            "before X^T X); pass precompute=True to let fastpen compute it.")
    return Q


# Columns per block of the shared products: fixed, so that the results do not
# depend on the thread count.
_BLOCK = 128


def blocked_xt(X, M, n_threads):
    """X^T M in float64 for dense X (p, k), by fixed blocks of columns on ``n_threads``
    threads (see :func:`_blocked`): a float32 X is converted a block at a time."""
    p = X.shape[1]
    out = np.empty((p, M.shape[1]))

    def columns(start):
        stop = min(start + _BLOCK, p)
        np.matmul(X[:, start:stop].T.astype(np.float64, copy=False), M, out=out[start:stop])
    _blocked(columns, range(0, p, _BLOCK), n_threads)
    return out


def blas_single_threaded(func):
    """Run ``func`` with BLAS at one thread throughout.

    The fits' own threads do the parallel work, the shared products included
    (:func:`_blocked`).  Held over the whole fit, not product by product:
    each time a limit is lifted, OpenBLAS wakes its pool, whose threads then
    spin for a while beside the fits' (on 2 cores, 2 threads then ran the
    batch benchmark no faster than one).
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with blas_limited(True):
            return func(*args, **kwargs)
    return wrapper


def _blocked(task, starts, n_threads):
    """Run ``task(start)`` for every block start on ``n_threads`` Python threads, BLAS at
    one thread each when called from the main thread (NumPy releases the GIL in its
    products; see fastpen._threads for BLAS limits from other threads).

    The large products the parallel fits share are cut into blocks of a fixed
    size, whatever the thread count (so the results are too), and spread over
    the fit's threads: a multithreaded BLAS scaled worse, and its pool, still
    spinning when the fits started, took a core from them (2 threads on 2
    cores: no gain at all over one).
    """
    starts = list(starts)
    with blas_limited(True):
        if n_threads <= 1 or len(starts) <= 1:
            for start in starts:
                task(start)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(n_threads, len(starts))) as pool:
            for _ in pool.map(task, starts):
                pass


def blocked_gram(prob, n_threads):
    """X^T X - n xbar xbar^T (unweighted dense float64 X, modest column means: see
    :func:`dense_gram`), by fixed blocks of columns on ``n_threads`` threads."""
    X, n = prob.X, prob.n_samples
    p = X.shape[1]
    Q = np.empty((p, p))

    def columns(start):             # the upper triangle of a block of columns
        stop = min(start + _BLOCK, p)
        block = X[:, start:stop]
        # the rectangle above the diagonal block (GEMM), and that block itself by
        # DSYRK (NumPy's X^T X: half the multiply-adds, exactly symmetric); into
        # temporaries: matmul's ``out`` being a strided block of Q made it several
        # times slower than the product itself
        if start:
            Q[:start, start:stop] = X[:, :start].T @ block
        Q[start:stop, start:stop] = block.T @ block
    _blocked(columns, range(0, p, _BLOCK)[::-1], n_threads)    # the largest first
    # the lower triangle mirrors the upper, a block of rows at a time (index arrays of
    # the whole triangle cost more than the products for p in the thousands)
    for start in range(0, p, _BLOCK):
        stop = min(start + _BLOCK, p)
        Q[start:stop, :start] = Q[:start, start:stop].T
    if prob.fit_intercept:
        Q -= n * np.outer(prob.x_mean, prob.x_mean)
    return Q
