"""
Choosing alpha by cross-validation
==================================

:class:`fastpen.LassoCV` fits the lasso path on every fold, records the
held-out mean squared error at each alpha, and refits the whole data at the
alpha with the smallest mean error. This example draws that curve with its
standard errors, compares the minimising alpha with the one-standard-error
rule, and shows what it means when the chosen alpha sits at the end of the
grid.
"""

# %%
# Data and the cross-validation curve
# -----------------------------------
# 200 samples, 100 Gaussian features with correlation :math:`0.6^{|j-k|}`,
# 10 of them in the true model, signal-to-noise ratio 3.
import warnings

import matplotlib.pyplot as plt
import numpy as np

import fastpen
from fastpen.datasets import make_correlated_regression
from fastpen.plotting import plot_cv

X, y, w_true = make_correlated_regression(
    n_samples=200, n_features=100, rho=0.6, n_nonzero=10, snr=3.0,
    random_state=0)

cv = fastpen.LassoCV(cv=5).fit(X, y)          # 100 alphas, eps=1e-3, 5 folds
path = fastpen.lasso_path(X, y, alphas=cv.alphas_)  # all data, same grid

# %%
# ``mse_path_`` holds one held-out error per (alpha, fold). The curve is their
# mean over folds; the bars are one standard error of that mean,
# :math:`s/\sqrt{K}`, with :math:`s` the sample standard deviation (ddof 1) of
# the :math:`K = 5` fold errors, as glmnet's ``cvsd``. Two alphas are
# marked:
#
# * ``alpha_`` (glmnet's ``lambda.min``): the smallest mean error;
# * ``alpha_1se_`` (glmnet's ``lambda.1se``): the largest alpha whose mean
#   error is within one standard error of that minimum. It gives a sparser
#   model whose error cannot be told apart from the best one at this number
#   of folds.
fig, ax = plt.subplots(figsize=(7, 4.5))
fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.84)
plot_cv(cv, path=path, ax=ax,
        title="LassoCV, 5 folds: mean held-out MSE ± 1 SE")
plt.show()

mse = cv.mse_path_.mean(axis=1)
se = cv.mse_path_.std(axis=1, ddof=1) / np.sqrt(cv.mse_path_.shape[1])
i_min = np.argmin(mse)
i_1se = np.flatnonzero(cv.alphas_ == cv.alpha_1se_)[0]
n_1se = np.count_nonzero(fastpen.Lasso(alpha=cv.alpha_1se_).fit(X, y).coef_)
print(f"alpha_     = {cv.alpha_:.4f}: "
      f"CV MSE {mse[i_min]:.3f} ± {se[i_min]:.3f}, "
      f"{np.count_nonzero(cv.coef_)} nonzero coefficients")
print(f"alpha_1se_ = {cv.alpha_1se_:.4f}: "
      f"CV MSE {mse[i_1se]:.3f} ± {se[i_1se]:.3f}, "
      f"{n_1se} nonzero coefficients")
print(f"true model: {np.count_nonzero(w_true)} nonzero coefficients")

# %%
# At ``alpha_`` the lasso keeps many more features than the ten true ones: the
# alpha that predicts best also lets in features with small, noisy weights. The
# one-standard-error alpha gives up an error difference within the noise of
# cross-validation for a much smaller model. ``cv.coef_`` is the refit at
# ``alpha_``; for the 1-SE model, refit :class:`fastpen.Lasso` at
# ``alpha_1se_`` as above.
#
# An alpha at the edge of the grid
# --------------------------------
# The automatic grid runs from :math:`\alpha_{\max}`, where every coefficient
# is zero, down to ``eps * alpha_max``. If ``eps`` is too large, the grid can
# stop before the error has reached its minimum: the chosen alpha is then the
# smallest one tried, and the best alpha may lie below it.
# :class:`fastpen.GridEdgeWarning` says so. Here ``eps=0.1`` cuts the grid
# off too early:
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    short = fastpen.LassoCV(cv=5, eps=0.1).fit(X, y)
for w in caught:
    if issubclass(w.category, fastpen.GridEdgeWarning):
        print(f"{w.category.__name__}: {w.message}\n")

print(f"eps=0.1  : grid ends at {short.alphas_.min():.4f}, "
      f"alpha_ = {short.alpha_:.4f} (the last alpha of the grid)")
print(f"eps=1e-3 : grid ends at {cv.alphas_.min():.4f}, "
      f"alpha_ = {cv.alpha_:.4f} "
      f"(alpha number {i_min + 1} of {len(cv.alphas_)})")

# %%
# Both curves on one plot: the short grid's minimum is its last point, on a
# curve that is still falling; the longer grid goes past the minimum and the
# error rises again at small alphas, so its minimum is inside.
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for model, name, width in [(cv, "eps = 1e-3 (default)", 1.5),
                           (short, "eps = 0.1", 2.5)]:
    mse_path = model.mse_path_
    mean = mse_path.mean(axis=1)
    err = mse_path.std(axis=1, ddof=1) / np.sqrt(mse_path.shape[1])
    line, = ax.plot(np.log(model.alphas_), mean, linewidth=width, label=name)
    ax.fill_between(np.log(model.alphas_), mean - err, mean + err,
                    color=line.get_color(), alpha=0.2)
    ax.axvline(np.log(model.alpha_), color=line.get_color(), linestyle="--",
               label=f"its alpha_ = {model.alpha_:.3f}")
ax.set_xlabel("ln(alpha)")
ax.set_ylabel("mean held-out MSE (± 1 SE)")
ax.set_title("A grid that stops too early: the minimum is its last point")
ax.legend(fontsize=8)
plt.show()

# %%
# When the warning persists however small ``eps`` is, the data prefer little or
# no penalty (for example when n is much larger than p and the noise is low):
# least squares, or a much smaller alpha, is then the honest answer. The
# largest alpha of the automatic grid is never reported, since every larger
# alpha gives the same all-zero model.
