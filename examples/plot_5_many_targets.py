"""
Thousands of targets in one call
================================

A 2-D ``y`` of shape (n_samples, n_targets) is that many independent problems
sharing one design X (not a multi-task penalty: each column gets its own
coefficients and its own alpha). fastpen solves them in one call: the column
statistics of X, the products ``X^T Y`` and, when it pays, the Gram matrix
``X^T X`` are computed once, then the per-target fits run in compiled code,
spread over OpenMP threads. The usual alternative is a Python loop of
one-target fits, which redoes that shared work and pays Python's overhead
every time.

Here: 1000 targets on a 500 x 200 design, a Lasso per target
(:func:`fastpen.lasso_path` with a 2-D ``y``) against a loop of scikit-learn
:class:`~sklearn.linear_model.Lasso`, and a ridge per target
(:func:`fastpen.ridge_path`) against a loop of
:class:`~sklearn.linear_model.Ridge`.
"""

# %%
# Data: 1000 targets sharing one design
# -------------------------------------
# X has AR(1) correlated columns (``corr(x_j, x_k) = 0.5^|j - k|``); each
# target depends on its own 10 features, plus noise.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Lasso, Ridge
from threadpoolctl import threadpool_limits

import fastpen
from fastpen.datasets import make_correlated_regression

n_samples, n_features, n_targets = 500, 200, 1000
X, _, _ = make_correlated_regression(n_samples, n_features, rho=0.5,
                                     random_state=0)
rng = np.random.default_rng(0)
W = np.zeros((n_features, n_targets))
for k in range(n_targets):
    W[rng.choice(n_features, 10, replace=False), k] = rng.standard_normal(10)
Y = X @ W + rng.standard_normal((n_samples, n_targets))

# %%
# Timing rules
# ------------
# Everything runs on **one thread**: ``n_threads=1`` for fastpen, and
# threadpoolctl limits BLAS to one thread for both libraries (scikit-learn's
# coordinate descent is single-threaded; only its BLAS calls could use more).
# Each time is the median of 3 runs. Both solvers stop at the same criterion:
# a duality gap at most ``tol * ||y - mean(y)||^2 / n`` (scikit-learn's
# meaning of ``tol``, which fastpen shares), tightened to ``1e-6`` so that the
# two answers can be compared coefficient by coefficient.


def median_time(fit, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fit()
        times.append(time.perf_counter() - t0)
    return np.median(times), out


# Each target's own alpha: a twentieth of its alpha_max (the smallest alpha
# at which all its coefficients are zero).
Yc = Y - Y.mean(axis=0)
alpha = np.abs((X - X.mean(axis=0)).T @ Yc).max(axis=0) / n_samples / 20
tol = 1e-6

# %%
# Lasso: one call against a loop
# ------------------------------
# ``alphas`` of shape (n_targets, 1) gives every target a one-point grid of
# its own; the result's ``coefs`` has shape (n_alphas, n_targets, n_features).
with threadpool_limits(limits=1):
    t_fp_lasso, path = median_time(
        lambda: fastpen.lasso_path(X, Y, alphas=alpha[:, None], tol=tol,
                                   n_threads=1)
    )
    t_sk_lasso, coef_sk = median_time(
        lambda: np.array([Lasso(alpha=alpha[k], tol=tol).fit(X, Y[:, k]).coef_
                          for k in range(n_targets)])
    )
coef_fp = path.coefs[0]  # (n_targets, n_features)
print(f"Lasso, {n_targets} targets: fastpen one call {t_fp_lasso:.3f} s, "
      f"scikit-learn loop {t_sk_lasso:.3f} s ({t_sk_lasso / t_fp_lasso:.0f}x)")
print(f"  max |coef difference| = {np.abs(coef_fp - coef_sk).max():.1e}, "
      f"largest duality gap (fastpen) = {path.dual_gaps.max():.1e}")
print(f"  nonzero coefficients per target: median {np.median(path.df[0]):.0f}")

# %%
# Ridge: one decomposition for every target
# -----------------------------------------
# :func:`fastpen.ridge_path` uses scikit-learn's ridge scaling,
# ``||y - X w - b||^2 + alpha ||w||^2``, and solves every target and every
# alpha in ``alphas`` from one eigendecomposition of ``X^T X`` (centred).
ridge_alpha = 10.0
with threadpool_limits(limits=1):
    t_fp_ridge, rpath = median_time(
        lambda: fastpen.ridge_path(X, Y, alphas=[ridge_alpha], n_threads=1)
    )
    t_sk_ridge, ridge_sk = median_time(
        lambda: np.array([Ridge(alpha=ridge_alpha).fit(X, Y[:, k]).coef_
                          for k in range(n_targets)])
    )
print(f"Ridge, {n_targets} targets: fastpen one call {t_fp_ridge:.3f} s, "
      f"scikit-learn loop {t_sk_ridge:.3f} s ({t_sk_ridge / t_fp_ridge:.0f}x)")
diff = np.abs(rpath.coefs[0] - ridge_sk).max()
print(f"  max |coef difference| = {diff:.1e}")

# %%
# The loop is not scikit-learn's best for ridge: its ``Ridge`` also takes a
# 2-D ``y`` for one shared alpha and solves it with one Cholesky
# factorisation, which costs less than an eigendecomposition. The
# eigendecomposition pays when there are several alphas (a path, or a
# cross-validation): every further alpha costs only products with the
# eigenvectors, where ``Ridge`` factorises again.
ridge_alphas = np.geomspace(1e-2, 1e4, 20)
with threadpool_limits(limits=1):
    t_sk_2d, _ = median_time(lambda: Ridge(alpha=ridge_alpha).fit(X, Y).coef_)
    t_fp_20, rpath20 = median_time(
        lambda: fastpen.ridge_path(X, Y, alphas=ridge_alphas, n_threads=1)
    )
    t_sk_20, ridge_sk20 = median_time(
        lambda: np.array([Ridge(alpha=a).fit(X, Y).coef_
                          for a in ridge_alphas])
    )
print(f"Ridge, one alpha, scikit-learn with 2-D y: {t_sk_2d:.3f} s")
print(f"Ridge, 20 alphas: fastpen.ridge_path {t_fp_20:.3f} s, "
      f"scikit-learn Ridge with 2-D y per alpha {t_sk_20:.3f} s; "
      f"max |coef difference| = "
      f"{np.abs(rpath20.coefs - ridge_sk20).max():.1e}")

# %%
# The times side by side
# ----------------------
# A log scale: the bars span two orders of magnitude.
labels = ["Lasso: fastpen, one call",
          "Lasso: scikit-learn, loop over targets",
          "Ridge: fastpen, one call",
          "Ridge: scikit-learn, loop over targets",
          "Ridge: scikit-learn, 2-D y",
          "Ridge, 20 alphas: fastpen, one call",
          "Ridge, 20 alphas: scikit-learn, 2-D y"]
times = [t_fp_lasso, t_sk_lasso, t_fp_ridge, t_sk_ridge, t_sk_2d, t_fp_20,
         t_sk_20]
colors = ["C0", "C1", "C0", "C1", "C1", "C0", "C1"]
fig, ax = plt.subplots(figsize=(8, 4))
bars = ax.barh(labels, times, color=colors)
ax.bar_label(bars, labels=[f"{t:.3f} s" for t in times], padding=3)
ax.set_xscale("log")
ax.set_xlim(min(times) / 2, max(times) * 4)
ax.invert_yaxis()
ax.set_xlabel("time (s, median of 3, one thread)")
ax.set_title(f"{n_targets} targets sharing X ({n_samples} x {n_features})")
fig.tight_layout()
plt.show()

# %%
# Where the difference comes from: the loop pays, per target, Python and
# input validation (scikit-learn checks and copies X at every ``fit``) and
# recomputes what the targets share. The one call validates X once and
# computes ``X^T Y`` in one product; for the Lasso it also decides once
# whether the Gram matrix pays (here it does: many targets, ``n >= p``) and
# then runs each target's coordinate descent on it. With more threads
# (``n_threads=-1``) the targets are spread over the cores, and each target's
# result stays bitwise the same whatever the thread count.
