"""Ridge regression in closed form: one decomposition for all alphas and all targets.

The objective is scikit-learn's ``Ridge``:

    sum_i s_i (y_i - x_i^T w - b)^2 + alpha ||w||^2

with the raw sample weights s (not rescaled).  The intercept is eliminated by
centring with the weighted means, which is never done in memory: the
products below carry the centring as rank-one corrections.  With
``X~ = S^(1/2) (X - 1 xbar^T)`` and ``Y~ = S^(1/2) (Y - 1 ybar^T)``:

- n >= p: eigendecomposition ``X~^T X~ = V diag(lam) V^T`` (the Gram matrix of
  the Lasso paths), then ``W(alpha) = V diag(1/(lam + alpha)) V^T X~^T Y~``;
- p > n: eigendecomposition ``X~ X~^T = U diag(mu) U^T`` (n x n), then
  ``W(alpha) = X~^T U diag(1/(mu + alpha)) U^T Y~``;
- sparse X too large for either: conjugate gradients on the centred
  operator for a whole block of targets at once, warm-started along the
  alphas (or LSQR per target, ``damp = sqrt(alpha)``); X never densified.

The decompositions are float64 whatever X's dtype; results come back in X's
dtype.  Targets are processed in blocks, so the memory beyond X and the
coefficients is O(min(n, p)^2 + block * max(n, p)).
"""
import warnings
from typing import NamedTuple

import numpy as np

from ._gram import blas_single_threaded, blocked_gram, blocked_xt, direct_gram, gram_matrix
from ._problem import Problem, column_stats
from ._threads import blas_threads, effective_n_threads, holds_threads
from ._validation import (
    ScaleError, check_array_2d, check_bool, check_finite_fit, check_sample_weight, check_target,
    check_targets, is_grid_size, issparse, kernel_csc)

__all__ = ["RidgeCVCurve", "RidgePath", "ridge_alpha_grid", "ridge_cv_curve", "ridge_path"]

_TARGET_BLOCK = 1024          # targets per block of the products with Y
_MAX_DENSE_DECOMPOSITION = 8000   # largest min(n, p) decomposed for sparse X
_LSQR_TOL = 1e-10             # LSQR's atol and btol
_CG_TOL = 1e-8                # block CG: relative residual of every target
_BASIS_BYTES = 32 << 20       # basis filters: memory of one sub-block's products
_CHUNK_BYTES = 4 << 20        # ... and of the residuals of one chunk of rows
_MAX_BASIS_GAIN = 100.0       # K-fold: largest error amplification of a basis (see below)


class RidgePath(NamedTuple):
    """Result of :func:`ridge_path`.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_alphas, n_features) or (n_alphas, n_targets, n_features)
    intercepts : ndarray of shape (n_alphas,) or (n_alphas, n_targets)
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray


class Design:
    """X with its weighted column statistics, and the targets centred the same way."""

    def __init__(self, X, Y, sample_weight, fit_intercept, n_threads):
        self.X = X
        n = X.shape[0]
        sw = check_sample_weight(sample_weight, n)     # rescaled to sum to n
        self.scale = 1.0
        if sample_weight is not None:
            raw = np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), (n,))
            # sum_i s_i r_i^2 = (sum s / n) sum_i s'_i r_i^2 with s' the rescaled weights
            with np.errstate(over="ignore"):
                self.scale = float(raw.sum()) / n
            if not np.isfinite(self.scale) or self.scale < np.finfo(np.float64).tiny:
                raise ScaleError("sample_weight: the weights' sum over- or underflows "
                                 "double precision (alpha is relative to it); rescale "
                                 "the weights.")
        self.sw = np.empty(0) if sw is None else sw
        self.fit_intercept = fit_intercept
        x_mean, x_norm2, _ = column_stats(X, self.sw, fit_intercept, n_threads)
        self.prob = Problem.shared_design(X, sw=self.sw, x_mean=x_mean, x_norm2=x_norm2,
                                          fit_intercept=fit_intercept)
        if fit_intercept:
            self.y_mean = (self.sw.astype(Y.dtype) @ Y if self.sw.size
                           else Y.sum(axis=0, dtype=np.float64)) / n
            self.y_mean = np.asarray(self.y_mean, dtype=np.float64)
        else:
            self.y_mean = np.zeros(Y.shape[1])
        self.root_s = np.sqrt(self.sw) if self.sw.size else None
        self.n_threads = n_threads
        self._rows = None              # sparse X by rows (CSR), made on first use
        self.lsqr_iterations = []      # LSQR's iteration count of each solve, in order

    @property
    def x_mean(self):
        return self.prob.x_mean

    def intercepts(self, coefs):
        """The intercepts (..., k) of coefficients (..., k, p), in X's dtype."""
        if not self.fit_intercept:
            return np.zeros(coefs.shape[:-1], dtype=self.X.dtype)
        return (self.y_mean - coefs @ self.x_mean).astype(self.X.dtype)

    def centred_targets(self, Y, start=0, dtype=None):
        """Y~ = S^(1/2) (Y - ybar) (a copy, in X's dtype unless given) for the target
        columns ``start:start + Y.shape[1]``."""
        dtype = self.X.dtype if dtype is None else np.dtype(dtype)
        Yc = np.subtract(Y, self.y_mean[start:start + Y.shape[1]], dtype=dtype)
        if self.root_s is not None:
            Yc *= self.root_s[:, None].astype(dtype)
        return Yc

    def xt(self, M):
        """X~^T M for M (n, m): X^T S^(1/2) M - xbar (1^T S^(1/2) M).

        In M's dtype when X is float32 and M too (the products with the
        targets, as himalaya does them), else float64.  Sparse X: float64, on
        the design's threads (:func:`fastpen._sparse.compressed_matmat`).
        """
        if issparse(self.X):
            SM = np.array(M, dtype=np.float64, order="C")
            if self.root_s is not None:
                SM *= self.root_s[:, None]
            return self._sparse_product(self.X, SM, self.x_mean if self.fit_intercept
                                        else None, SM.sum(axis=0))
        dtype = self.X.dtype if M.dtype == self.X.dtype else np.float64
        SM = M.astype(dtype, copy=False)
        if self.root_s is not None:
            SM = SM * self.root_s[:, None].astype(dtype)
        if self.X.dtype == dtype:
            out = np.asarray(self.X.T @ SM, dtype=dtype)
        else:           # float32 X in float64: a block of columns converted at a time
            out = blocked_xt(self.X, SM, self.n_threads)
        if self.fit_intercept:
            out -= np.outer(self.x_mean.astype(dtype), SM.sum(axis=0, dtype=np.float64)
                            .astype(dtype))
        return out

    def x(self, V):
        """X~ V for V (p, m): S^(1/2) (X V - 1 xbar^T V)."""
        if issparse(self.X):
            if self._rows is None:
                import scipy.sparse as sp  # already imported: X is sparse

                self._rows = sp.csr_matrix(self.X)
            V = np.ascontiguousarray(V, dtype=np.float64)
            out = self._sparse_product(self._rows, V, np.ones(self.X.shape[0])
                                       if self.fit_intercept else None, self.x_mean @ V)
        else:
            out = np.asarray(self.X @ V, dtype=np.float64)
            if self.fit_intercept:
                out -= self.x_mean @ V
        return out * self.root_s[:, None] if self.root_s is not None else out

    def _sparse_product(self, A, V, a, b):
        """A V - a b^T (a None: no correction), A compressed by its rows' axis:
        X as CSC gives X^T V, its CSR copy X V."""
        from ._sparse import compressed_matmat

        indexed = A.shape[0] if A.format == "csc" else A.shape[1]   # what indices count
        if V.shape[0] != indexed:            # the kernel trusts A's indices to fit V
            raise ValueError(f"sparse product: V has {V.shape[0]} rows for {indexed}.")
        out = np.empty((A.indptr.shape[0] - 1, V.shape[1]))
        empty = np.empty(0)
        compressed_matmat(*kernel_csc(A), V, out,
                          empty if a is None else np.ascontiguousarray(a, dtype=np.float64),
                          empty if a is None else np.ascontiguousarray(b, dtype=np.float64),
                          self.n_threads)
        return out

    def gram(self):
        """X~^T X~ (p x p, float64)."""
        if direct_gram(self.prob):
            return _finite_products(blocked_gram(self.prob, self.n_threads))
        return _finite_products(gram_matrix(self.prob)[0])

    def kernel(self):
        """X~ X~^T (n x n, float64), by rank-one corrections of X X^T."""
        X = self.X
        K = X @ X.T
        K = K.toarray() if issparse(K) else np.asarray(K, dtype=np.float64)
        if self.fit_intercept:
            m = np.asarray(X @ self.x_mean, dtype=np.float64).ravel()
            K -= m[:, None] + m[None, :]
            K += self.x_mean @ self.x_mean
        if self.root_s is not None:
            K *= self.root_s[:, None]
            K *= self.root_s[None, :]
        return _finite_products(K)


def _finite_products(M):
    """M, or a ScaleError when X's products overflowed (every ridge solver starts
    from X's Gram or kernel matrix; LAPACK would fail on it obscurely)."""
    if not np.isfinite(M).all():
        raise ScaleError(f"X is too large in magnitude: its products overflow "
                         f"{'float32' if M.dtype == np.float32 else 'double'} precision; "
                         "rescale X.")
    return M


def check_targets_any(y, n):
    """(Y (n, k) float64, whether y was 1-D)."""
    if np.ndim(y) == 1:
        return check_target(y, n)[:, None], True
    return check_targets(y, n), False


def check_ridge_alphas(alphas):
    """Explicit ridge alphas: a non-empty 1-D float64 array of finite, non-negative
    values (any order), or a ValueError naming alphas."""
    arr = np.asarray(alphas)
    if arr.dtype.kind not in "iuf" or arr.ndim > 1 or arr.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D array of numbers, got {alphas!r}.")
    arr = np.atleast_1d(arr.astype(np.float64))
    if not np.isfinite(arr).all() or np.any(arr < 0):
        raise ValueError("alphas must be finite and non-negative.")
    return arr


class Decomposition:
    """One eigendecomposition of a design, solving ridge for any alphas and targets.

    ``mode`` is 'primal' (X~^T X~, n >= p) or 'dual' (X~ X~^T, p > n).
    ``matrix``: that matrix when already computed.
    """

    def __init__(self, design, mode, matrix=None):
        self.design, self.mode = design, mode
        if matrix is None:
            matrix = design.gram() if mode == "primal" else design.kernel()
        self.eigvals, self.vectors = _eigh(matrix)

    def project(self, Yt=None, rhs=None):
        """The targets in the eigenbasis: V^T X~^T Y~ (primal; ``rhs``: X~^T Y~ when
        already computed) or U^T Y~ (dual)."""
        dtype = Yt.dtype if rhs is None else rhs.dtype
        V = self.vectors.astype(dtype, copy=False)
        if self.mode == "primal":
            return V.T @ (self.design.xt(Yt) if rhs is None else rhs)
        return V.T @ Yt

    def coefs(self, Z, alpha):
        """W (p, m) for alpha (scalar or one per column of Z)."""
        denom = self.eigvals[:, None] + np.asarray(alpha, dtype=np.float64)
        # alpha = 0 (least squares): the minimum-norm solution, null directions dropped
        floor = 1e-12 * max(self.eigvals[-1], np.finfo(float).tiny)
        with np.errstate(divide="ignore"):
            shrink = np.where(denom > floor, 1.0 / denom, 0.0)
        if self.mode == "primal":
            return self.vectors @ (Z * shrink)
        return self.design.xt(self.vectors @ (Z * shrink))


def _eigh(M):
    """(eigenvalues >= 0, eigenvectors) of a symmetric PSD matrix M.

    NumPy's LAPACK (syevd, divide and conquer), not SciPy's: the products
    around it run on NumPy's OpenBLAS, whose threads keep spinning for a
    while after each product and slowed SciPy's copy of OpenBLAS by 1.7x
    on two cores (and syevd is a third faster than SciPy's default syevr).
    """
    eigvals, vectors = np.linalg.eigh(M)
    np.maximum(eigvals, 0.0, out=eigvals)       # rounding: a PSD matrix
    return eigvals, vectors


def solver_mode(design):
    """How ridge is solved for ``design``: 'primal' (eigendecomposition of the p x p
    Gram matrix, n >= p), 'dual' (of the n x n kernel matrix), or 'cg' (conjugate
    gradients, for sparse X too large to decompose densely)."""
    n, p = design.X.shape
    if issparse(design.X) and min(n, p) > _MAX_DENSE_DECOMPOSITION:
        return "cg"
    return "primal" if n >= p else "dual"


@blas_single_threaded      # the sparse products' OpenMP threads do the work
def _block_cg(design, Yt, alphas, tol=1e-10, max_iter=None):
    """W (m, p, k) for each alpha (m,): conjugate gradients on all targets at once.

    Dual when p > n, ``(X~ X~^T + alpha I) A = Y~`` and ``W = X~^T A``; primal
    otherwise, ``(X~^T X~ + alpha I) W = X~^T Y~``.  One sparse product with X
    and one with X^T serve the whole block of targets per iteration; each
    alpha (largest first) starts from the previous one's solution.  Stops
    when every column's residual is below ``tol`` times its right-hand side.
    """
    n, p = design.X.shape
    dual = p > n
    if dual:
        op, B = (lambda V: design.x(design.xt(V))), Yt
    else:
        op, B = (lambda V: design.xt(design.x(V))), design.xt(Yt)
    B = np.asarray(B, dtype=np.float64)
    b_norm = np.maximum(np.linalg.norm(B, axis=0), np.finfo(float).tiny)
    max_iter = max_iter or 10 * max(n, p)
    S = np.zeros_like(B)
    out = np.empty((len(alphas), p, B.shape[1]))
    for i in np.argsort(-np.asarray(alphas)):
        a = float(alphas[i])
        R = B - op(S) - a * S
        D = R.copy()
        rs = np.einsum("ij,ij->j", R, R)
        for _ in range(max_iter):
            active = np.sqrt(rs) > tol * b_norm
            if not active.any():
                break
            Q = op(D) + a * D
            step = np.where(active, rs / np.maximum(np.einsum("ij,ij->j", D, Q),
                                                      np.finfo(float).tiny), 0.0)
            S += D * step
            R -= Q * step
            rs_new = np.einsum("ij,ij->j", R, R)
            D *= np.where(active, rs_new / np.maximum(rs, np.finfo(float).tiny), 0.0)
            D += R
            rs = rs_new
        out[i] = design.xt(S) if dual else S
    return out


@blas_single_threaded
def _lsqr(design, Yt, alpha, tol=None, max_iter=None):
    """W (p, k) by LSQR per target on the centred, weighted operator (sparse X)."""
    import scipy.sparse.linalg as spla

    tol = _LSQR_TOL if tol is None else tol
    n, p = design.X.shape
    op = spla.LinearOperator((n, p), matvec=lambda v: design.x(v[:, None]).ravel(),
                             rmatvec=lambda r: design.xt(r[:, None]).ravel(),
                             dtype=np.float64)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), (Yt.shape[1],))
    W = np.empty((p, Yt.shape[1]))
    for c in range(Yt.shape[1]):
        out = spla.lsqr(op, Yt[:, c], damp=np.sqrt(alpha[c]), atol=tol, btol=tol,
                        iter_lim=max_iter)
        W[:, c] = out[0]
        design.lsqr_iterations.append(int(out[2]))
    return W


@holds_threads
def ridge_path(X, y, alphas, *, fit_intercept=True, sample_weight=None, n_threads=None):
    r"""Ridge solutions for every alpha from one decomposition.

    Minimises

    .. math::

        \sum_{i=1}^n s_i (y_i - x_i^\top w - b)^2 + \alpha \|w\|_2^2

    (scikit-learn's ``Ridge`` scaling, s the raw sample weights) for each alpha
    and each target column.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like of shape (n_alphas,)
        Non-negative penalties, in the order given.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights, used as given (not rescaled).
    n_threads : int, optional
        Threads of the fit: fastpen's loops and BLAS/LAPACK alike (None: what
        OpenMP allows, BLAS as it is; -1: all cores).  BLAS, one pool per
        process, is limited only by fits run from the main thread.

    Returns
    -------
    RidgePath
        ``(alphas, coefs, intercepts)``: coefs (n_alphas, n_features), or
        (n_alphas, n_targets, n_features) for a 2-D y; X's dtype.
    """
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    alphas = check_ridge_alphas(alphas)
    X = check_array_2d(X)
    Y, one = check_targets_any(y, X.shape[0])
    with blas_threads(n_threads):
        n_threads = effective_n_threads(n_threads)
        design = Design(X, Y, sample_weight, fit_intercept, n_threads)
        coefs = fit_ridge(design, Y, alphas[:, None] * np.ones(Y.shape[1]))
    intercepts = design.intercepts(coefs)
    check_finite_fit(coefs.dtype, coefs, intercepts)
    if one:
        coefs, intercepts = coefs[:, 0], intercepts[:, 0]
    return RidgePath(alphas=alphas, coefs=coefs, intercepts=intercepts)


def fit_ridge(design, Y, alphas, mode=None, dec=None, rhs=None, max_iter=None):
    """Coefficients (m, k, p) in X's dtype for per-target alphas of shape (m, k).

    ``dec``: a :class:`Decomposition` of this design already made (reused);
    ``rhs``: with a primal ``dec``, X~^T Y~ (p, k) already computed;
    ``max_iter``: LSQR's iteration limit (None: its own).
    """
    X = design.X
    n, p = X.shape
    m, k = alphas.shape
    alphas = alphas / design.scale          # to the rescaled weights' scale
    out = np.empty((m, k, p), dtype=X.dtype)
    mode = mode or (dec.mode if dec is not None else solver_mode(design))
    if dec is None and mode not in ("lsqr", "cg"):
        dec = Decomposition(design, mode)
    for start in range(0, k, _TARGET_BLOCK):
        stop = min(start + _TARGET_BLOCK, k)
        if rhs is not None:
            Z = dec.project(rhs=rhs[:, start:stop])
        else:
            Yt = design.centred_targets(Y[:, start:stop], start)
            Z = dec.project(Yt) if dec is not None else None
        if mode == "cg" and np.all(alphas[:, start:stop] == alphas[:, start:start + 1]):
            W = _block_cg(design, Yt, alphas[:, start], tol=_CG_TOL)     # (m, p, k_b)
            out[:, start:stop] = W.transpose(0, 2, 1)
            continue
        for i in range(m):
            a = alphas[i, start:stop]
            if dec is not None:
                W = dec.coefs(Z, a)
            elif mode == "cg":           # per-target alphas: one target at a time
                W = np.column_stack([_block_cg(design, Yt[:, [c]], [a[c]], tol=_CG_TOL)[0]
                                     for c in range(Yt.shape[1])])
            else:
                W = _lsqr(design, Yt, a, max_iter=max_iter)
            out[i, start:stop] = W.T
    return out


def fit_cholesky(design, Y, alpha):
    """Coefficients (k, p) in X's dtype for one alpha shared by all targets.

    One Cholesky factorisation of X~^T X~ + alpha I (n >= p) or of
    X~ X~^T + alpha I (p > n); alpha must be positive.
    """
    import scipy.linalg  # loaded with the kernels already (their BLAS bindings)

    n, p = design.X.shape
    alpha = alpha / design.scale
    Yt = design.centred_targets(Y)
    if n >= p:
        M, rhs = design.gram(), design.xt(Yt)
    else:
        M, rhs = design.kernel(), Yt
    M.flat[::M.shape[0] + 1] += alpha
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
            sol = scipy.linalg.solve(M, rhs, assume_a="pos", overwrite_a=True,
                                     overwrite_b=True, check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning):
        return None        # numerically singular: the eigendecomposition copes
    W = sol if n >= p else design.xt(sol)
    return W.T.astype(design.X.dtype)


class LeaveOneOut:
    """Exact leave-one-out (or GCV) errors of ridge for given alphas, any targets.

    In the sqrt(s)-weighted space the fit is a linear smoother
    ``H = r r^T / r^T r + U diag(d) U^T`` (r = sqrt(s), the unpenalised
    intercept; U, d from one eigendecomposition: d = mu / (mu + alpha)), so
    the leave-one-out residual of row i is ``(y~_i - (H y~)_i) / (1 - H_ii)``
    and GCV replaces ``H_ii`` by ``trace(H) / n``.  What depends on the alphas
    alone -- the denominators, the basis filters -- is made once, here, for
    every block of targets.
    """

    def __init__(self, design, alphas, gcv=False, dec=None):
        n, p = design.X.shape
        self.design = design
        dtype = design.X.dtype
        if dec is None:       # or this design's, already made (its mode: n >= p or not)
            dec = Decomposition(design, "primal" if n >= p else "dual")
        self.decomposition = dec
        # directions of eigenvalue ~0 (the intercept's r in the dual, collinear columns)
        # are not penalised directions: kept, a tiny alpha would shrink them by
        # mu / (mu + alpha) with mu at rounding level
        keep = dec.eigvals > 1e-12 * max(dec.eigvals[-1], np.finfo(float).tiny)
        self.mu = dec.eigvals[keep]
        if n >= p:    # U = X~ V diag(1/sqrt(lam)) from X~^T X~ = V diag(lam) V^T
            self.U = design.x(dec.vectors[:, keep] / np.sqrt(self.mu))
        else:
            self.U = dec.vectors[:, keep]
        U2 = self.U ** 2
        s = design.sw if design.sw.size else np.ones(n)
        lever0 = s / s.sum() if design.fit_intercept else np.zeros(n)
        self.alphas = np.asarray(alphas, dtype=np.float64) / design.scale
        m = self.alphas.size
        self.shrinks = self.alphas[:, None] / (self.mu[None, :] + self.alphas[:, None])
        if gcv:
            trace = lever0.sum() + (1.0 - self.shrinks).sum(axis=1)
            denom = np.broadcast_to((1.0 - trace / n)[:, None], (m, n))
        else:
            # 1 - H_ii = base_i + sum_j U_ij^2 alpha / (mu_j + alpha), base_i the part of
            # row i outside the intercept and U's span; so, nothing cancels at small alpha
            base = 1.0 - lever0 - U2.sum(axis=1)
            denom = base[None, :] + self.shrinks @ U2.T
        self.inv2 = (1.0 / denom ** 2).astype(dtype)      # (m, n)
        self.basis = _filter_basis(self.mu, self.alphas, dtype)

    def errors(self, Yt, keep=False):
        """(mean (k, m), and with ``keep`` all (n, k, m)) squared LOO (or GCV) residuals
        of the centred weighted targets Yt.

        The products run in X's dtype (float32 stays float32: half the time
        and memory of the (n, k) residuals).  The residual at alpha is
        ``outside + U diag(alpha f_alpha) Z`` with ``f_alpha = 1 / (mu + alpha)``;
        when a few basis filters give every f_alpha (see
        :func:`_filter_basis`), R products ``T_r = U diag(basis_r) Z`` serve
        all m alphas, each residual being a combination of them.
        """
        dtype = self.design.X.dtype
        alphas, inv2 = self.alphas, self.inv2
        U = self.U.astype(dtype, copy=False)
        Yt = Yt.astype(dtype, copy=False)
        Z = U.T @ Yt
        outside = Yt - U @ Z               # the residual no alpha changes
        n, k = Yt.shape
        m = alphas.size
        mean = np.zeros((k, m))
        full = np.empty((n, k, m)) if keep else None
        if self.basis is None:
            for i in range(m):
                R = outside + U @ (Z * self.shrinks[i].astype(dtype)[:, None])
                R *= R
                R *= inv2[i][:, None]
                mean[:, i] = R.mean(axis=0, dtype=np.float64)
                if keep:
                    full[:, :, i] = R
            return mean, full
        A, F = self.basis
        coef = np.hstack([np.ones((m, 1)), alphas[:, None] * A]).astype(dtype)
        R1 = coef.shape[1]
        # targets in sub-blocks, whose R + 1 products take _BASIS_BYTES, and
        # rows in chunks whose m residuals take _CHUNK_BYTES (in cache)
        step = max(1, min(k, _BASIS_BYTES // (R1 * n * dtype.itemsize)))
        rows = max(1, _CHUNK_BYTES // (m * step * dtype.itemsize))
        for c0 in range(0, k, step):
            c1 = min(c0 + step, k)
            T = np.empty((R1, n, c1 - c0), dtype=dtype)
            T[0] = outside[:, c0:c1]
            for r in range(R1 - 1):
                np.matmul(U, Z[:, c0:c1] * F[:, r].astype(dtype)[:, None], out=T[r + 1])
            for i0 in range(0, n, rows):
                i1 = min(i0 + rows, n)
                R = (coef @ T[:, i0:i1].reshape(R1, -1)).reshape(m, i1 - i0, c1 - c0)
                R *= R                                   # (m, rows, targets)
                mean[c0:c1] += np.matmul(inv2[:, None, i0:i1], R)[:, 0].T
                if keep:
                    full[i0:i1, c0:c1] = (R * inv2[:, i0:i1, None]).transpose(1, 2, 0)
        mean /= n
        return mean, full


def ridge_cv_scores(X, Y, alphas, folds, sample_weight, fit_intercept, n_threads,
                    gcv=False, keep=False, fold_errors=False):
    """(score (k, n_alphas), per-sample squared errors or None, the whole-data design,
    its decomposition or None, X~^T Y~ (p, k) or None).

    The score is higher for better alphas, as scikit-learn's RidgeCV has it.
    ``folds`` None: minus the mean (weighted) squared leave-one-out (or GCV)
    error, from one decomposition.  Otherwise ``folds`` is a list of (train,
    test) row indices, one decomposition per fold, and the score is the mean
    over folds of the R^2 on the held-out rows (weighted by their sample
    weights), per target: what scikit-learn's RidgeCV(cv=K) averages through
    GridSearchCV.  The last two items, when not None, serve the refit on the
    whole data (see :func:`fit_ridge`).

    ``fold_errors`` (with ``folds``): the first item is instead each fold's
    (weighted) mean squared error on its held-out rows, (n_folds, k, n_alphas),
    lower being better (:func:`ridge_cv_curve`).
    """
    n = X.shape[0]
    design = Design(X, Y, sample_weight, fit_intercept, n_threads)
    k, m = Y.shape[1], alphas.size
    if folds is None:
        loo = LeaveOneOut(design, alphas, gcv)
        score = np.empty((k, m))
        errors = np.empty((n, k, m)) if keep else None
        for start in range(0, k, _TARGET_BLOCK):
            stop = min(start + _TARGET_BLOCK, k)
            # s'_i e_i^2 with the rescaled weights; scikit-learn's are s_i e_i^2
            mean, full = loo.errors(design.centred_targets(Y[:, start:stop], start),
                                    keep=keep)
            score[start:stop] = -design.scale * mean
            if keep:
                errors[:, start:stop] = design.scale * full
        return score, errors, design, loo.decomposition, None
    raw = (np.ones(n) if sample_weight is None
           else np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), (n,)))
    if fold_errors:
        total = np.zeros((len(folds), k, m))

        def record(f, start, stop, sse, spread, mass):
            total[f, start:stop] = sse / mass
    else:
        total = np.zeros((k, m))

        def record(f, start, stop, sse, spread, mass):
            with np.errstate(divide="ignore", invalid="ignore"):
                total[start:stop] += np.where(spread[:, None] > 0,
                                              1.0 - sse / spread[:, None],
                                              np.where(sse == 0, 1.0, 0.0))
    if X.shape[1] <= n and _partition(folds, n):
        dec, rhs = _kfold_by_downdates(design, Y, alphas, folds, raw, record)
    else:
        dec = rhs = None
        for f, (train, test) in enumerate(folds):
            w = np.bincount(np.asarray(train), minlength=n) * raw
            fold = Design(X, Y, w, fit_intercept, n_threads)
            fold_dec = Decomposition(fold, "primal" if n >= X.shape[1] else "dual")
            # W(alpha) = B diag(1/(lam + alpha)) Z: the held-out predictions are
            # P diag(...) Z with P = X~_test B
            B = fold_dec.vectors if fold_dec.mode == "primal" else fold.xt(fold_dec.vectors)
            test = np.asarray(test)
            Xt = _dense_rows(X, test)
            if fit_intercept:
                Xt -= fold.x_mean
            P = Xt @ B
            basis = _filter_basis(fold_dec.eigvals, alphas / fold.scale, X.dtype,
                                  max_gain=_MAX_BASIS_GAIN)
            for start in range(0, k, _TARGET_BLOCK):
                stop = min(start + _TARGET_BLOCK, k)
                Z = fold_dec.project(fold.centred_targets(Y[:, start:stop], start))
                Yt = np.subtract(Y[test, start:stop], fold.y_mean[start:stop], dtype=X.dtype)
                record(f, start, stop, *_held_out_sse(P, fold_dec.eigvals,
                                                      alphas / fold.scale, Z, Yt,
                                                      raw[test], basis))
    return (total if fold_errors else total / len(folds)), None, design, dec, rhs


def _partition(folds, n):
    """Whether each fold's train and test rows are a partition of the n rows."""
    for train, test in folds:
        count = (np.bincount(np.asarray(train, dtype=np.intp), minlength=n)
                 + np.bincount(np.asarray(test, dtype=np.intp), minlength=n))
        if count.size != n or np.any(count != 1):
            return False
    return True


def _dense_rows(X, rows):
    """X[rows] as a new dense float64 array."""
    Xr = X[rows]
    return (Xr.toarray() if issparse(Xr) else Xr).astype(np.float64)


def _kfold_by_downdates(design, Y, alphas, folds, raw, record):
    """K-fold held-out errors when n >= p and the folds partition the rows, passed to
    ``record(fold, first target, end target, *_held_out_sse(...))``.

    Each fold's training sums are the whole data's minus its held-out rows':
    with a = x - xbar, b = y - ybar (whole-data weighted means) and d_x, d_y
    the shift to the fold's training means,

        sum_train s (x - xbar_f)(x - xbar_f)^T = sum_all s a a^T - sum_test s a a^T
                                                 - S_train d_x d_x^T

    and likewise for X~^T Y~.  So X and Y are streamed once (whose products
    also serve the refit), and each fold costs products with its held-out
    rows only.  The sums and their differences are float64 whatever X's
    dtype: a feature (nearly) absent from a fold's training rows must come
    out (nearly) zero there, not as a float32 rounding error, which a small
    alpha would turn into huge held-out predictions.  Returns the whole
    data's (Decomposition, X~^T Y~ (p, k) float64).
    """
    X, dtype = design.X, design.X.dtype
    k = Y.shape[1]
    gram = design.gram()                         # sum s' a a^T, s' the rescaled weights
    rhs = np.empty((X.shape[1], k))
    for start in range(0, k, _TARGET_BLOCK):
        stop = min(start + _TARGET_BLOCK, k)
        rhs[:, start:stop] = design.xt(design.centred_targets(Y[:, start:stop], start,
                                                              dtype=np.float64))
    scale = design.scale                         # raw weights = scale * s'
    for f, (train, test) in enumerate(folds):
        test = np.asarray(test)
        u = raw[test]
        mass = raw.sum() - u.sum()               # the training rows' total weight
        if mass <= 0:
            raise ValueError("sample_weight sums to zero over the training rows of a fold.")
        A = _dense_rows(X, test)
        if design.fit_intercept:
            A -= design.x_mean
        fold_gram = gram * scale
        fold_gram -= A.T @ (A * u[:, None])
        if design.fit_intercept:
            d_x = -(u @ A) / mass
            fold_gram -= mass * np.outer(d_x, d_x)
        eigvals, V = _eigh(fold_gram)
        P = (A - d_x if design.fit_intercept else A) @ V    # rows at the training means
        basis = _filter_basis(eigvals, alphas, dtype, max_gain=_MAX_BASIS_GAIN)
        V32 = V.astype(dtype)
        for start in range(0, k, _TARGET_BLOCK):
            stop = min(start + _TARGET_BLOCK, k)
            B = Y[test, start:stop] - design.y_mean[start:stop]
            S = rhs[:, start:stop] * scale
            S -= A.T @ (B * u[:, None])
            if design.fit_intercept:
                d_y = -(u @ B) / mass
                S -= np.outer(mass * d_x, d_y)
                B -= d_y                         # held-out targets at the training means
            # Z = V^T S, made as (S^T V)^T: its rows per target are contiguous
            Z = (S.astype(dtype).T @ V32).T
            record(f, start, stop, *_held_out_sse(P, eigvals, alphas, Z, B.astype(dtype), u,
                                                  basis))
    return Decomposition(design, "primal", matrix=gram), rhs


def _held_out_sse(P, eigvals, alphas, Z, B, u, basis):
    """One fold's weighted held-out squared errors: (sse (k, m) for every target and
    alpha, spread (k,): the weighted sum of squares of the held-out targets about
    their weighted mean (R^2 = 1 - sse / spread), the held-out rows' total weight).

    The held-out predictions are ``P diag(f_alpha) Z`` with the filter
    ``f_alpha = 1 / (eigvals + alpha)`` (P: the held-out rows against the
    fold's eigenvectors, Z: the fold's targets in its eigenbasis), B the
    held-out targets centred at the training means, u their weights.
    Products in B's dtype.

    ``basis``: None, or (A, F) from :func:`_filter_basis`, the filters of all
    alphas as combinations of R < m basis filters.  Then R products
    ``T_r = P diag(F_r) Z`` replace the m: each alpha's prediction is
    ``sum_r A[alpha, r] T_r``, and its weighted squared error a quadratic
    form in the (R + 1) x (R + 1) Gram matrix of [B, T_1, ..., T_R] of each
    target (in B's dtype, as the direct route sums its squared errors;
    measured on the ridge benchmark, both within 7e-7 of float64 in
    float32).  Targets go in sub-blocks whose products take _BASIS_BYTES.
    """
    dtype = B.dtype
    P = P.astype(dtype, copy=False)
    Z = Z.astype(dtype, copy=False)
    u64 = np.asarray(u, dtype=np.float64)
    Bd = B.astype(np.float64)
    spread = u64 @ (Bd - u64 @ Bd / u64.sum()) ** 2
    k, n_test, m = B.shape[1], B.shape[0], alphas.size
    resid = np.empty((k, m))
    if basis is None:
        for i, a in enumerate(alphas):
            denom = eigvals + a
            with np.errstate(divide="ignore"):
                shrink = np.where(denom > 0, 1.0 / denom, 0.0).astype(dtype)
            R = P @ (Z * shrink[:, None])
            R -= B
            R *= R
            resid[:, i] = u64 @ R
    else:
        A, F = basis
        R1 = A.shape[1] + 1
        root_u = np.sqrt(u64).astype(dtype)
        Pt = (P * root_u[:, None]).T
        Zt = np.ascontiguousarray(Z.T)
        coef = np.hstack([-np.ones((m, 1)), A])                  # (m, R + 1)
        step = max(1, min(k, _BASIS_BYTES // (R1 * n_test * dtype.itemsize)))
        for c0 in range(0, k, step):
            c1 = min(c0 + step, k)
            T = np.empty((c1 - c0, R1, n_test), dtype=dtype)
            T[:, 0] = (B[:, c0:c1] * root_u[:, None]).T  # per target: B^T, then T_r^T
            for r in range(R1 - 1):
                T[:, r + 1] = (Zt[c0:c1] * F[:, r].astype(dtype)) @ Pt
            gram = (T @ T.transpose(0, 2, 1)).astype(np.float64)   # (targets, R+1, R+1)
            # rounding can take a near-zero error below zero
            resid[c0:c1] = np.maximum(np.einsum("crs,ms,mr->cm", gram, coef, coef), 0.0)
    return resid, spread, float(u64.sum())


def _filter_basis(eigvals, alphas, dtype, max_gain=np.inf):
    """(A (m, R), F (r, R)) with ``1 / (eigvals + alphas[i]) = F @ A[i]`` to a relative
    error of 4 rounding units of ``dtype`` in every entry, or None if that needs
    more than m - 3 terms (the products saved would not pay for the rest) or if
    the combination amplifies rounding errors more than ``max_gain`` times.

    The filters ``1 / (lam_j + alpha_i)`` form a Cauchy-like matrix, whose
    singular values fall off geometrically: with log-spaced alphas and a
    well-conditioned X a dozen terms serve twenty alphas in float32.  Each
    row is scaled to a largest entry of one before the SVD, so that the
    truncation's bound applies to every alpha alike.

    The gain is ``max_ij sum_r |A_ir F_jr| / f_ij``: how much larger than a
    filter entry the terms that make it up are.  It stays below ~20 on a
    well-conditioned spectrum but grows as lam_max / alpha when a fold is
    (nearly) rank-deficient (e.g. one-hot features): the K-fold predictions
    ``sum_r A_ir T_r`` would then carry the rounding errors of terms far larger
    than themselves.  (The LOO residuals use alpha A, bounded by one; they
    need no such limit.)
    """
    m = alphas.size
    if m < 4 or eigvals.size == 0 or np.any(alphas <= 0):
        return None
    filt = 1.0 / (eigvals[None, :] + alphas[:, None])
    scale = filt.max(axis=1)
    filt /= scale[:, None]
    U, sigma, Vt = np.linalg.svd(filt, full_matrices=False)
    tol = 4.0 * np.finfo(dtype).eps
    approx = np.zeros_like(filt)
    for rank in range(1, min(m - 2, sigma.size + 1)):
        approx += np.outer(U[:, rank - 1] * sigma[rank - 1], Vt[rank - 1])
        if np.all(np.abs(filt - approx) <= tol * filt):
            A = U[:, :rank] * sigma[:rank]
            if np.max((np.abs(A) @ np.abs(Vt[:rank])) / filt) > max_gain:
                return None
            return A * scale[:, None], Vt[:rank].T
    return None


# ------------------------------------------------------------------ automatic grid

# The grid's ends, in the effective degrees of freedom df(alpha) = sum_i lam_i / (lam_i
# + alpha) of the ridge smoother (lam_i: the eigenvalues of the centred, weighted Gram
# matrix, on scikit-learn's alpha scale).  df falls from the rank r at alpha = 0 to 0.
# At df = r - 0.01 no direction is shrunk by more than 1% (alpha / (lam_i + alpha) sums
# to 0.01): practically least squares, which tall data often prefer (diabetes, 442 x 10:
# the leave-one-out minimum is at df = 9.95, beyond a grid ending at df = r - 0.5).
_DF_BELOW_RANK = 0.01         # the smallest alpha: df = r - 0.01 ...
_MIN_DECADES = 4.0            # ... or lower, so that the grid spans 4 decades at least
_FLOOR = 1e-10                # and never below 1e-10 lam_max (see ridge_alpha_grid)
_FALLBACK_RATIO = 1e-6        # no spectrum (large sparse X): alpha_min / alpha_max


def ridge_alpha_grid(X, n_alphas=100, *, fit_intercept=True, sample_weight=None,
                     n_threads=None):
    """A decreasing grid of ridge alphas spanning the data's own spectrum.

    The alphas are on :class:`fastpen.Ridge`'s scale (scikit-learn's
    ``sum_i s_i (y_i - x_i^T w - b)^2 + alpha ||w||^2``) and geometrically spaced
    between two ends set by the effective degrees of freedom

        df(alpha) = sum_i lam_i / (lam_i + alpha),

    lam_i the eigenvalues of the centred, weighted Gram matrix X~^T S X~ (the
    decomposition the ridge solvers make: p x p when n >= p, the n x n kernel
    matrix, same nonzero eigenvalues, when p > n).  Unlike a grid scaled by the
    mean column norm, it does not depend on how the columns' scales differ.

    - largest: ``alpha_max = sum_i lam_i`` (the trace), where df < 1, since
      df(alpha) <= sum_i lam_i / alpha: nearly every direction shrunk away.
    - smallest: where df = r - 0.01, r the numerical rank (eigenvalues above
      ``max(n, p) * eps * lam_max``): no direction is shrunk by more than 1%
      there, practically least squares (so a choice at this end means that
      cross-validation prefers no penalty); or lower so that the grid spans four
      decades at least (a low-rank X: df then reaches nearer r); never below
      ``1e-10 * lam_max``, where the ridge systems' condition number would reach
      1e10 -- ill-conditioned or collinear X keeps a finite grid whose smallest
      df is then below r - 0.5.

    A sparse X too large to decompose (min(n, p) > 8000, solved by conjugate
    gradients) gets no eigenvalues: ``alpha_max`` is still the trace (the
    columns' centred, weighted sums of squares; df < 1 holds) and the smallest
    alpha is ``1e-6 * alpha_max`` (1e-6 of the largest eigenvalue at least, so
    the systems stay within a condition number of 1e6), with no promise on its
    df.  An X without variation (every column constant) makes every alpha fit the
    same zero coefficients: the grid is then 1 ... 1e-4.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
    n_alphas : int, default=100
    fit_intercept : bool, default=True
        Centre the columns (with the weighted means), as the fit does.
    sample_weight : array-like of shape (n_samples,), optional
        Used as given (not rescaled), as :func:`fastpen.ridge_path` uses them.
    n_threads : int, optional
        Threads of the products and of BLAS/LAPACK (as :func:`fastpen.ridge_path`).

    Returns
    -------
    ndarray of shape (n_alphas,)
        Decreasing.
    """
    from ._validation import check_scalar

    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    n_alphas = check_scalar(n_alphas, "n_alphas", "int", low=1)
    X = check_array_2d(X)
    with blas_threads(n_threads):
        design = Design(X, np.zeros((X.shape[0], 1)), sample_weight, fit_intercept,
                         effective_n_threads(n_threads))
        mode = solver_mode(design)
        eigvals = None if mode == "cg" else Decomposition(design, mode).eigvals
    return _spectral_grid(design, eigvals, n_alphas)


def _spectral_grid(design, eigvals, n_alphas):
    """:func:`ridge_alpha_grid`'s grid from the design's eigenvalues (its own, rescaled
    weights' scale; None: the trace-only fallback)."""
    bottom = None
    if eigvals is None:
        trace = float(np.sum(design.prob.x_norm2)) * design.scale
        bottom = _FALLBACK_RATIO * trace
    else:
        lam = np.sort(np.asarray(eigvals, dtype=np.float64))[::-1] * design.scale
        trace, lam_max = float(lam.sum()), float(lam[0])
        if lam_max > 0:
            rank = int(np.count_nonzero(lam > max(design.X.shape) * np.finfo(float).eps
                                        * lam_max))
            bottom = min(_alpha_at_df(lam, rank - _DF_BELOW_RANK, _FLOOR * lam_max, trace),
                         trace * 10.0 ** -_MIN_DECADES)
            bottom = max(bottom, _FLOOR * lam_max)
    if bottom is None or not (np.isfinite(trace) and trace > 0):
        return np.geomspace(1.0, 1e-4, n_alphas)   # no variation: every alpha fits w = 0
    return np.geomspace(trace, bottom, n_alphas)   # df(trace) < 1 (see ridge_alpha_grid)


def _alpha_at_df(lam, df, low, high):
    """The alpha in [low, high] where sum(lam / (lam + alpha)) = df (bisection on
    log alpha; df falls as alpha grows), or the nearer end."""
    def dof(a):
        return float(np.sum(lam / (lam + a)))

    if dof(low) <= df:
        return low
    if dof(high) >= df:
        return high
    lo, hi = np.log(low), np.log(high)
    for _ in range(100):                # |hi - lo| / 2^100: far below a rounding unit
        mid = 0.5 * (lo + hi)
        if dof(np.exp(mid)) > df:
            lo = mid
        else:
            hi = mid
    return float(np.exp(0.5 * (lo + hi)))


# ------------------------------------------------------------------ CV curve

_CURVE_BYTES = 64 << 20       # leave-one-out curve: the per-sample errors of one block


class RidgeCVCurve(NamedTuple):
    """Result of :func:`ridge_cv_curve` (k targets, m alphas; the target axis dropped
    for a 1-D y).

    Attributes
    ----------
    alphas : ndarray of shape (m,)
    mean : ndarray of shape (m,) or (k, m)
        Mean held-out squared error (weighted by the sample weights).
    se : ndarray of shape (m,) or (k, m)
        Its standard error: over the n leave-one-out errors, or over the folds.
    alpha_index, alpha_1se_index : int or ndarray of shape (k,)
        The alpha of the smallest mean error, and the largest alpha whose mean
        error is within one SE of it (glmnet's lambda.1se).
    alpha, alpha_1se : float or ndarray of shape (k,)
        Their values.
    at_smallest, at_largest : bool or ndarray of shape (k,)
        The chosen alpha is at that end of the grid with the error still falling
        there (:func:`fastpen._cv.grid_edges`).
    n_folds : int or None
        None for leave-one-out.
    """

    alphas: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    alpha_index: object
    alpha_1se_index: object
    alpha: object
    alpha_1se: object
    at_smallest: object
    at_largest: object
    n_folds: object


@holds_threads
def ridge_cv_curve(X, y, alphas, *, folds=None, fit_intercept=True, sample_weight=None,
                   n_threads=None, warn_edges=True):
    """Cross-validated ridge error at every alpha, from one decomposition (per fold).

    Leave-one-out (``folds=None``): the exact leave-one-out residuals e_i of all
    n rows at every alpha from one eigendecomposition (no refit);
    ``mean = sum_i s_i e_i^2 / sum_i s_i`` and its SE the standard deviation
    (ddof=1) of the n terms ``n s_i e_i^2 / sum_i s_i`` over sqrt(n).  K-fold
    (``folds`` a list of (train, test) row indices, at least 2): each fold's
    weighted mean squared error on its held-out rows, one decomposition per
    fold (or downdates of the whole data's when n >= p), then their mean and
    standard error over the folds, as for the lasso's CV curve.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like of shape (m,) or int
        Non-negative penalties on :class:`fastpen.Ridge`'s scale, in any order,
        or the size of :func:`ridge_alpha_grid`'s grid (which, with leave-one-out,
        comes from the same decomposition).
    folds : list of (train, test) index arrays, optional
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
    n_threads : int, optional
    warn_edges : bool, default=True
        Issue a :class:`fastpen.GridEdgeWarning` when a chosen alpha sits at an end
        of the grid where the error still falls (the command line passes False
        and words its own from ``at_smallest`` / ``at_largest``).

    Returns
    -------
    RidgeCVCurve
    """
    from ._cv import check_folds, grid_edges, warn_grid_edge

    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    X = check_array_2d(X)
    Y, one = check_targets_any(y, X.shape[0])
    n = X.shape[0]
    automatic = is_grid_size(alphas)
    if automatic:
        from ._validation import check_scalar

        check_scalar(alphas, "alphas", "int", low=1)
    else:
        alphas = check_ridge_alphas(alphas)
    if folds is not None:
        folds = check_folds(folds, n)
        if len(folds) < 2:
            raise ValueError(f"Cross-validation needs at least 2 folds, got {len(folds)}.")
        if sample_weight is not None:
            weights = np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), (n,))
            if any(not np.any(weights[test] > 0) for _, test in folds):
                raise ValueError("A cross-validation fold has no held-out row of positive "
                                 "weight: its error is undefined.")
    with blas_threads(n_threads):
        n_threads = effective_n_threads(n_threads)
        if folds is None:
            design = Design(X, Y, sample_weight, fit_intercept, n_threads)
            positive = n if not design.sw.size else int(np.count_nonzero(design.sw))
            if positive < 2:
                raise ValueError("Leave-one-out needs at least 2 samples of positive "
                                 f"weight, got {positive}.")
            dec = Decomposition(design, "primal" if n >= X.shape[1] else "dual")
            if automatic:
                alphas = _spectral_grid(design, dec.eigvals, alphas)
            mean, se = _loo_curve(design, LeaveOneOut(design, alphas, dec=dec), Y)
        else:
            if automatic:
                alphas = ridge_alpha_grid(X, alphas, fit_intercept=fit_intercept,
                                          sample_weight=sample_weight, n_threads=n_threads)
            per_fold = ridge_cv_scores(X, Y, alphas, folds, sample_weight, fit_intercept,
                                       n_threads, fold_errors=True)[0]      # (F, k, m)
            from ._cv import fold_mean_se

            mean, se = fold_mean_se(per_fold.transpose(2, 0, 1)[None])      # (1, m, k)
            mean, se = mean[0].T, se[0].T                                    # (k, m)
    if not (np.isfinite(mean).all() and np.isfinite(se).all()):
        raise ScaleError("ridge_cv_curve: the held-out errors overflow double precision: "
                         "X and y are too large in magnitude (rescale them), or alphas "
                         "holds 0 on rank-deficient data.")
    k = Y.shape[1]
    best = np.argmin(mean, axis=1)
    rows = np.arange(k)
    # the largest alpha within one SE of the minimum (alphas in any order)
    within = mean <= (mean[rows, best] + se[rows, best])[:, None]
    one_se = np.argmax(np.where(within, alphas[None, :], -np.inf), axis=1)
    grids = np.broadcast_to(alphas, (k, alphas.size))
    at_low, at_high = grid_edges(grids, mean, best)
    if warn_edges:
        warn_grid_edge(at_low, at_high, alphas[best], lower_hint="give smaller alphas")
    if one:
        return RidgeCVCurve(alphas, mean[0], se[0], int(best[0]), int(one_se[0]),
                            float(alphas[best[0]]), float(alphas[one_se[0]]),
                            bool(at_low[0]), bool(at_high[0]), None if folds is None
                            else len(folds))
    return RidgeCVCurve(alphas, mean, se, best, one_se, alphas[best], alphas[one_se],
                        at_low, at_high, None if folds is None else len(folds))


def _loo_curve(design, loo, Y):
    """(mean (k, m), SE (k, m)) of the n weighted squared leave-one-out errors."""
    n, k = Y.shape
    m = loo.alphas.size
    mean, se = np.empty((k, m)), np.empty((k, m))
    step = max(1, min(_TARGET_BLOCK, _CURVE_BYTES // (8 * n * m)))
    for start in range(0, k, step):
        stop = min(start + step, k)
        full = loo.errors(design.centred_targets(Y[:, start:stop], start), keep=True)[1]
        full = full.astype(np.float64, copy=False)                       # (n, k_b, m)
        mean[start:stop] = full.mean(axis=0)
        se[start:stop] = full.std(axis=0, ddof=1) / np.sqrt(n)
    return mean, se
