"""
L1 against L2: sparsity against shrinkage
=========================================

The lasso (L1 penalty) sets coefficients exactly to zero; ridge (L2 penalty)
shrinks them all towards zero and sets none to zero. This example shows both on
the diabetes data (442 patients, 10 standardized features): the two coefficient
paths side by side, the one-coordinate operators that explain the difference,
and how many features each model keeps at the same quality of fit.
"""

# %%
# Data: standardized features
# ---------------------------
# Each column is centred and scaled to unit (1/n) standard deviation, so one
# penalty strength means the same thing for every feature.
import matplotlib.pyplot as plt
import numpy as np

import fastpen
from fastpen.datasets import load_diabetes
from fastpen.plotting import plot_path

X, y, names = load_diabetes()
X = (X - X.mean(axis=0)) / X.std(axis=0)
n, p = X.shape

# %%
# Lasso and ridge paths
# ---------------------
# :func:`fastpen.lasso_path` minimises
# :math:`\frac{1}{2n}\|y - Xw - b\|^2 + \alpha \|w\|_1` on a log grid of 100
# alphas from :math:`\alpha_{\max}` (all coefficients zero) down to
# :math:`10^{-3}\alpha_{\max}`. :func:`fastpen.ridge_path` minimises
# :math:`\|y - Xw - b\|^2 + \alpha \|w\|_2^2` (scikit-learn's ``Ridge``
# scaling) for every alpha from one decomposition of X.
lasso = fastpen.lasso_path(X, y)
ridge_alphas = np.logspace(5, -1, 100)
ridge = fastpen.ridge_path(X, y, alphas=ridge_alphas)

fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=(11, 4.6))
fig.subplots_adjust(left=0.06, right=0.94, bottom=0.13, top=0.82, wspace=0.3)
plot_path(lasso, feature_names=names, title="Lasso (L1): lasso_path", ax=ax_l)
plot_path(ridge, feature_names=names, title="Ridge (L2): ridge_path", ax=ax_r)
plt.show()

# %%
# Along the lasso path, features enter one at a time (the top axis counts the
# nonzero coefficients); along the ridge path, all ten are nonzero for every
# alpha and only their size changes.
#
# One coordinate: soft-thresholding against proportional shrinkage
# -----------------------------------------------------------------
# With orthonormal columns (:math:`X^\top X / n = I`) each problem separates
# into one problem per coordinate. Writing :math:`z = x_j^\top y / n` for the
# unpenalised least-squares coefficient, the penalised solutions are
#
# .. math::
#
#    w_{\text{lasso}} = S(z, \lambda)
#    = \operatorname{sign}(z)\,\max(|z| - \lambda, 0),
#    \qquad
#    w_{\text{ridge}} = \frac{z}{1 + \lambda},
#
# for the penalties :math:`\lambda |w|` and :math:`\frac{\lambda}{2} w^2`
# added to :math:`\frac{1}{2}(w - z)^2`. Soft-thresholding subtracts a
# constant and maps a whole interval :math:`[-\lambda, \lambda]` to zero;
# ridge divides by a constant and maps only :math:`z = 0` to zero.
z = np.linspace(-3, 3, 601)
lam = 1.0
soft = np.sign(z) * np.maximum(np.abs(z) - lam, 0)

fig, ax = plt.subplots(figsize=(6, 4.4), layout="constrained")
ax.plot(z, z, color="0.6", linestyle=":", label="no penalty: $w = z$")
ax.plot(z, soft, linewidth=2, label=r"lasso: $S(z, \lambda)$")
ax.plot(z, z / (1 + lam), linewidth=2, label=r"ridge: $z / (1 + \lambda)$")
ax.axvspan(-lam, lam, color="C0", alpha=0.08,
           label=r"$|z| \leq \lambda$: lasso gives 0")
ax.set_xlabel("unpenalised coefficient $z$")
ax.set_ylabel("penalised coefficient $w$")
ax.set_title(rf"One coordinate, $\lambda = {lam:g}$")
ax.legend(loc="upper left")
plt.show()

# %%
# How many features at the same quality of fit?
# ---------------------------------------------
# Take the lasso fit on the path whose training :math:`R^2` first reaches
# 99 % of the least-squares :math:`R^2`, and the ridge alpha that fits the
# data as well (the largest ridge alpha with at least that :math:`R^2`, on a
# fine grid). Count the coefficients each keeps.
def r2(coef, intercept):
    resid = y - X @ coef - intercept
    return 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))


ols = fastpen.ridge_path(X, y, alphas=[0.0])
r2_ols = r2(ols.coefs[0], ols.intercepts[0])
target = 0.99 * r2_ols

r2_lasso = np.array([r2(c, b) for c, b in zip(lasso.coefs, lasso.intercepts)])
k = np.argmax(r2_lasso >= target)

fine = fastpen.ridge_path(X, y, alphas=np.logspace(4, -2, 600))
r2_ridge = np.array([r2(c, b) for c, b in zip(fine.coefs, fine.intercepts)])
m = np.argmax(r2_ridge >= target)

print(f"least squares: R^2 = {r2_ols:.4f}; target 99 % of it: {target:.4f}")
print(f"lasso alpha = {lasso.alphas[k]:.3f}: R^2 = {r2_lasso[k]:.4f}, "
      f"{np.count_nonzero(lasso.coefs[k])} of {p} features")
print(f"ridge alpha = {fine.alphas[m]:.1f}: R^2 = {r2_ridge[m]:.4f}, "
      f"{np.count_nonzero(fine.coefs[m])} of {p} features")
kept = [name for name, c in zip(names, lasso.coefs[k]) if c != 0]
print("lasso keeps:", ", ".join(kept))

# %%
# Both lose 1 % of the explained variance; the lasso does it by dropping
# features, ridge by shrinking all of them. Which one predicts better on new
# data depends on whether the truth is sparse: cross-validation decides (see
# :ref:`sphx_glr_auto_examples_plot_3_choosing_alpha.py`).
