"""One prepared problem's warm-started path on the single-fit kernels (``fastpen._cd``).

The residual, the gradient X~^T S r, the screening state and the working-set
Gram rows of one fit are where the next alpha's fit starts.
"""
import numpy as np

from . import _cd
from ._gram import resolve_gram
from ._penalty import make_penalty
from ._problem import (
    PathResult,
    alpha_grid,
    alpha_max,
    check_grid_possible,
    penalty_block,
    prepare,
    unpenalized_block,
    warn_path_unconverged,
)
from ._threads import blas_limited
from ._validation import ScaleError, check_coef_init, kernel_csc
from ._warnings import warn

__all__ = ["single_target_path", "solve_path"]

def solve_path(prob, pen, *, solver, alphas, a_seq, b_seq, at_max=None, w_at_max=None,
               coef_init=None, precompute=False):
    """Warm-started fits for per-sum strengths (a_seq[k], b_seq[k]); alphas are reported.

    ``at_max[k]`` marks the fits whose solution is known (every penalised
    coefficient zero, ``w_at_max``): they are only certified, not iterated.
    """
    n, p = prob.X.shape
    w = check_coef_init(coef_init, p)
    gram = resolve_gram(precompute, prob, solver.n_threads, alphas.shape[0])
    if gram is not None:
        Q, q, diag = gram
        diag = np.where(pen.active, diag, 0.0)       # excluded features: never touched
    options = pen.solver_kwargs()
    unpenalized = penalty_block(prob, pen)

    tol_abs = solver.tol * prob.y_norm2
    m = alphas.shape[0]
    coefs = np.zeros((m, p), dtype=prob.X.dtype)     # see _cd.store_coef
    intercepts = np.zeros(m)
    gaps = np.empty(m)
    n_iters = np.empty(m, dtype=np.intp)
    df = np.empty(m, dtype=np.intp)
    r_norm2 = np.empty(m)
    # The residual and X~^T S r a fit ends with are where the next alpha starts:
    # kept between calls, they save the first scan over X of every warm fit.
    R, g, ws, warm = np.empty(n), np.empty(p), np.empty(p, dtype=np.intc), False
    if prob.xty is not None and gram is None and not w.any():
        R[:], g[:], warm = prob.y_c, prob.xty, True   # the scan of w = 0 is known
    cache = _cd.GramCache()   # the dense kernel's working-set Gram rows, along the path
    screen = _cd.ScreenState(n, p)   # and the features screened out of its scans
    # The dense kernel builds working-set Gram matrices with BLAS: while its own
    # OpenMP threads run, a multithreaded BLAS's spinning threads only get in
    # their way (dense-wide path on 2 cores: 0.54 s with BLAS at 1 thread, 1.21 s
    # at 2), so BLAS runs single-threaded there.
    # BLAS at one thread in the dense kernel whatever n_threads: its working-set Gram
    # products would otherwise compete with the OpenMP threads, and round
    # differently with the BLAS thread count (results equal for every n_threads)
    with blas_limited(gram is None and not prob.sparse):
        for k in range(m):
            a, b = float(a_seq[k]), float(b_seq[k])
            iters, block = solver.max_iter, unpenalized
            if prob.y_norm2 == 0:
                w[:] = 0.0               # y is constant: w = 0 fits it exactly
                iters, warm = 0, False
            elif at_max is not None and at_max[k]:
                w = w_at_max.copy()      # known solution: penalised coefficients all zero
                iters, warm = 0, False
            elif a == 0 and b == 0:                          # (constrained) least squares
                block = unpenalized_block(prob, np.flatnonzero(pen.active),
                                           pen.constrained(np.flatnonzero(pen.active)))
            args = (w, a, b, tol_abs, iters, solver.positive, solver.random, solver.seed + k)
            kwargs = dict(options, unpen_idx=block[0], unpen_inv=block[1],
                          unpen_boxed=block[2])
            if gram is not None:
                # the sequential strong rule pays in Gram mode (an extra working-set
                # feature costs O(1) per sweep while at zero); on X it cost more than
                # it saved, its candidates needing Gram rows or O(n) dots (see
                # benchmarks/README.md)
                res = _cd.solve_gram(Q, q, prob.y_norm2, diag, pen.l1, *args,
                                     a_prev=float(a_seq[k - 1]) if k > 0 else 0.0,
                                     round_float32=prob.X.dtype == np.float32, **kwargs)
            elif prob.sparse:
                res = _cd.solve_sparse(*kernel_csc(prob.X), prob.y_c, prob.sw,
                                       prob.x_mean, pen.x_norm2, pen.l1, *args,
                                       solver.n_threads, R=R, g=g, warm=warm, screen=screen,
                                       ws=ws, **kwargs)
            else:
                res = _cd.solve_dense(prob.X, prob.y_c, prob.sw, prob.x_mean, pen.x_norm2,
                                      pen.l1, *args, solver.n_threads, R=R, g=g, warm=warm,
                                      cache=cache, screen=screen, ws=ws, **kwargs)
            warm = True         # the kernel leaves R and g consistent with w
            gaps[k], r_norm2[k], n_iters[k] = res
            # float32: a coefficient at a bound is that bound in float32
            df[k] = _cd.store_coef(w, coefs[k])     # -1: not finite
            if prob.fit_intercept:
                intercepts[k] = prob.y_mean - prob.x_mean @ w
            if not (df[k] >= 0 and np.isfinite(gaps[k]) and np.isfinite(intercepts[k])):
                raise ScaleError(
                    f"non-finite coefficients at alpha={alphas[k]:.6g}: the data are too badly "
                    f"scaled for {prob.X.dtype} precision; rescale X and y.")

    warn_path_unconverged(alphas, gaps, tol_abs=tol_abs, n=n, category=solver.warning_category,
                          n_iter=n_iters, max_iter=solver.max_iter, y_norm2=prob.y_norm2,
                          dtype=prob.X.dtype)
    dev_ratio = 1.0 - r_norm2 / prob.y_norm2 if prob.y_norm2 > 0 else np.zeros(m)
    return PathResult(alphas=np.asarray(alphas, dtype=np.float64), coefs=coefs,
                      intercepts=intercepts.astype(prob.X.dtype), dual_gaps=gaps / n,
                      n_iter=n_iters, df=df,
                      dev_ratio=dev_ratio)


def single_target_path(X, y, *, l1_ratio, alphas, eps, fit_intercept, sample_weight, solver,
                       penalty, coef_init=None, precompute="auto"):
    """:func:`fastpen.enet_path` for a 1-D y, from checked options.

    ``alphas`` is a grid size (an automatic grid from alpha_max) or a checked
    explicit grid; ``solver`` a :class:`fastpen._problem.SolverOptions`;
    ``penalty`` the keyword arguments of :func:`fastpen._penalty.make_penalty`.
    """
    prob = prepare(X, y, sample_weight=sample_weight, fit_intercept=fit_intercept,
                   n_threads=solver.n_threads)
    pen = make_penalty(prob, **penalty)
    # An explicit grid needs no alpha_max (one pass over X saved): the kernel
    # certifies w = 0 at an alpha above it from its first scan.
    top = w_at_max = None
    if isinstance(alphas, (int, np.integer)):
        check_grid_possible(pen, l1_ratio)
        top, w_at_max = alpha_max(prob, pen, l1_ratio, solver.n_threads)
        alphas = alpha_grid(top, alphas, eps)
    if np.any(alphas == 0):
        warn("alpha=0 fits ordinary least squares; a dedicated least-squares "
             "solver (e.g. scipy.linalg.lstsq) is usually faster.", UserWarning)
    n = prob.n_samples
    return solve_path(prob, pen, solver=solver, alphas=alphas, a_seq=n * alphas * l1_ratio,
                      b_seq=n * alphas * (1.0 - l1_ratio),
                      at_max=alphas >= top if top is not None else None,
                      w_at_max=w_at_max, coef_init=coef_init, precompute=precompute)
