"""
glmnet's options: penalty factors, bounds, standardize, exclude
===============================================================

fastpen's :func:`fastpen.enet_path`, :class:`fastpen.ElasticNet` and the CV
estimators take the per-feature options of R's glmnet: ``penalty_factor``,
``lower_bounds``/``upper_bounds``, ``standardize`` and ``exclude``. Each
section below changes one of them on the diabetes data (442 patients, 10
features in their original units) and shows what moves. The last section maps
glmnet's own parametrisation, :func:`fastpen.glmnet_path`, onto fastpen's.
"""

# %%
# Data
# ----
# ``X`` keeps the original units (age in years, sex coded 1/2, blood serum
# measurements in mg/dl...); ``Xs`` is centred and scaled to unit (1/n)
# standard deviation, for penalty factors, bounds and exclude.
import matplotlib.pyplot as plt
import numpy as np

import fastpen
from fastpen.datasets import load_diabetes
from fastpen.plotting import plot_path

X, y, names = load_diabetes()
sd = X.std(axis=0)
Xs = (X - X.mean(axis=0)) / sd
j_bmi, j_bp, j_sex = names.index("bmi"), names.index("bp"), names.index("sex")


def table(columns):
    """Print one row per feature, one column per fit."""
    print("feature " + "".join(f"{c:>11}" for c in columns))
    for i, name in enumerate(names):
        print(f"{name:<8}"
              + "".join(f"{col[i]:11.2f}" for col in columns.values()))


# %%
# Penalty factors
# ---------------
# The penalty on feature :math:`j` is multiplied by ``penalty_factor[j]``:
# 0 leaves it unpenalised (it is in every model, even at
# :math:`\alpha_{\max}`), 2 penalises it twice as much, ``np.inf`` excludes it.
# By default the factors are used as given; ``rescale_penalty_factor=True``
# rescales them to sum to the number of features, as glmnet does.
alpha = 4.0
pf_free_bmi = np.ones(10)
pf_free_bmi[j_bmi] = 0.0
pf_double_bp = np.ones(10)
pf_double_bp[j_bp] = 2.0
factors = {"all factors 1": None, "bmi: 0": pf_free_bmi,
           "bp: 2": pf_double_bp}
fits = {label: fastpen.Lasso(alpha=alpha, penalty_factor=pf).fit(Xs, y).coef_
        for label, pf in factors.items()}
print(f"lasso on standardized features, alpha = {alpha}")
table(fits)

# %%
# With bmi unpenalised its coefficient grows (24.3 to 30.1) and the features
# correlated with it shrink or leave (s6); doubling bp's penalty halves its
# coefficient and the others make up for it. The path
# shows the unpenalised feature in the model from the first alpha:
path = fastpen.lasso_path(Xs, y, penalty_factor=pf_free_bmi)
fig, ax = plt.subplots(figsize=(7, 4.2))
fig.subplots_adjust(left=0.1, right=0.9, bottom=0.13, top=0.84)
plot_path(path, feature_names=names, label=5,
          title="Lasso path, bmi unpenalised", ax=ax)
plt.show()

# %%
# Bounds on the coefficients
# --------------------------
# ``lower_bounds`` and ``upper_bounds`` (glmnet's ``lower.limits`` and
# ``upper.limits``), a scalar or one value per feature with
# ``lower <= 0 <= upper``, constrain the coefficients to a box;
# ``positive=True`` is ``lower_bounds=0``. The duality gap that stops the
# solver is that of the constrained problem, so ``tol`` certifies these fits as
# it does the others. On the right, coefficients that reach a bound (dotted)
# stay there as alpha falls.
nonneg = fastpen.lasso_path(Xs, y, lower_bounds=0.0)
box = fastpen.lasso_path(Xs, y, lower_bounds=-10.0, upper_bounds=10.0)
fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(11, 4.2))
fig.subplots_adjust(left=0.06, right=0.94, bottom=0.13, top=0.84, wspace=0.3)
plot_path(nonneg, feature_names=names, label=5, title="lower_bounds=0",
          ax=ax_a)
plot_path(box, feature_names=names, label=5,
          title="lower_bounds=-10, upper_bounds=10", ax=ax_b)
ax_b.axhline(10, color="k", linestyle=":", linewidth=0.8)
ax_b.axhline(-10, color="k", linestyle=":", linewidth=0.8)
plt.show()
print("coefficients at the smallest alpha")
print("lower 0:     ", np.round(nonneg.coefs[-1], 1))
print("box -10, 10:", np.round(box.coefs[-1], 1))

# %%
# ``standardize``: the penalty and the units of the features
# ----------------------------------------------------------
# An L1 penalty on :math:`|w_j|` depends on the unit of feature :math:`j`: a
# feature measured in small units (a large coefficient) is penalised more than
# the same information in large units. Here the sd of the features ranges
# from 0.5 (sex) to 35 (s1). ``standardize=False`` (scikit-learn's behaviour)
# penalises the coefficients as they are; ``standardize=True`` (glmnet's
# default) penalises as if every column had unit standard deviation, with no
# scaled copy of X, and returns coefficients in the original units.
alpha = 2.0
raw = fastpen.Lasso(alpha=alpha).fit(X, y).coef_
std = fastpen.Lasso(alpha=alpha, standardize=True).fit(X, y).coef_
by_hand = fastpen.Lasso(alpha=alpha).fit(Xs, y).coef_ / sd
print("F/T: standardize=False/True; coef in original units;\n"
      "coef*sd: the effect of a one-sd change of the feature")
table({"sd(x_j)": sd, "coef F": raw, "coef T": std,
       "coef*sd F": raw * sd, "coef*sd T": std * sd})
print("\nstandardize=True against a fit on Xs rescaled by hand:")
print(f"max |difference| = {np.max(np.abs(std - by_hand)):.1e}")

# %%
# Without standardization, s5 (sd 0.52), the strongest predictor per standard
# deviation, is shrunk to almost nothing (an effect of 0.6 against 23.2 with
# ``standardize=True``): in its units its coefficient would have to be large,
# and a large coefficient costs a large penalty. s1 and s2 (sd 35 and 30),
# correlated with s5, cost little per unit of effect and take over its role
# with large opposite effects (+41.7 and -39.9); with ``standardize=True`` s2
# is out and s1 almost. Which features are kept then no longer depends on the
# units they were recorded in.
#
# ``exclude``
# -----------
# ``exclude=[j, ...]`` leaves features out of the model (an infinite penalty
# factor): their coefficients are exactly 0 and the fit is the one without
# those columns, with no copy of X.
excl = fastpen.Lasso(alpha=1.0, exclude=[j_sex]).fit(Xs, y).coef_
keep = [j for j in range(10) if j != j_sex]
dropped = fastpen.Lasso(alpha=1.0).fit(Xs[:, keep], y).coef_
print(f"coefficient of sex: {excl[j_sex]}")
print(f"against a fit without the column: "
      f"max |difference| = {np.max(np.abs(excl[keep] - dropped)):.1e}")

# %%
# glmnet's parametrisation
# ------------------------
# :func:`fastpen.glmnet_path` takes glmnet's names: ``alpha`` is the L1/L2 mix
# (fastpen's ``l1_ratio``), ``lambdas`` the penalty, ``standardize=True`` and
# glmnet's rescaling of the penalty factors by default. glmnet standardizes
# y as well, which changes only the L2 part:
#
# .. math::
#
#    \text{alpha} \cdot \text{l1\_ratio} = \lambda\,\alpha_{\text{glmnet}},
#    \qquad
#    \text{alpha} \cdot (1 - \text{l1\_ratio})
#    = \lambda\,(1 - \alpha_{\text{glmnet}})/\mathrm{sd}(y).
#
# For the lasso (:math:`\alpha_{\text{glmnet}} = 1`) glmnet's
# :math:`\lambda` is fastpen's alpha. Below, an elastic net with glmnet's
# :math:`\alpha = 0.5`, bmi unpenalised and bp penalised twice, fitted both
# ways:
lambdas = np.array([5.0, 1.0, 0.2])
a_glmnet = 0.5
pf = np.ones(10)
pf[j_bmi], pf[j_bp] = 0.0, 2.0
g = fastpen.glmnet_path(X, y, alpha=a_glmnet, lambdas=lambdas,
                        penalty_factor=pf, tol=1e-12)

sd_y = y.std()
for k, lam in enumerate(lambdas):
    a = lam * (a_glmnet + (1 - a_glmnet) / sd_y)  # fastpen's alpha
    r = lam * a_glmnet / a                         # fastpen's l1_ratio
    f = fastpen.enet_path(X, y, l1_ratio=r, alphas=[a], standardize=True,
                          penalty_factor=pf, rescale_penalty_factor=True,
                          tol=1e-12)
    diff = np.max(np.abs(g.coefs[k] - f.coefs[0]))
    print(f"lambda {lam:3.1f}: alpha {a:.4f}, l1_ratio {r:.4f}, "
          f"{int(g.df[k])} nonzero, max |diff| {diff:.0e}")
