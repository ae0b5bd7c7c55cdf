"""
The grouping effect of the elastic net
======================================

When several features are nearly copies of one another, the lasso tends to keep
some members of each group and drop the others, and which ones it keeps depends
on small accidents of the sample. The elastic net adds an L2 term that makes
the objective strictly convex: features that are highly correlated get nearly
equal coefficients (Zou & Hastie, 2005, "Regularization and variable selection
via the elastic net", Theorem 1). This example builds three groups of four
strongly correlated features and fits the lasso (``l1_ratio=1``) and the
elastic net with ``l1_ratio=0.5`` and ``0.1``.
"""

# %%
# A design with groups of correlated features
# -------------------------------------------
# Each group of four columns is one latent signal plus a little independent
# noise (correlation about 0.99 within a group); twelve more columns are pure
# noise. The response depends on the three latent signals only.
import matplotlib.pyplot as plt
import numpy as np

import fastpen

rng = np.random.default_rng(0)
n, group_size, n_groups, n_noise = 200, 4, 3, 12
latent = rng.standard_normal((n, n_groups))
noise_sd = 0.1
groups = [latent[:, [g]] + noise_sd * rng.standard_normal((n, group_size))
          for g in range(n_groups)]
X = np.hstack(groups + [rng.standard_normal((n, n_noise))])
X = (X - X.mean(axis=0)) / X.std(axis=0)
y = latent @ np.array([3.0, -2.0, 1.5]) + rng.standard_normal(n)

group_of = np.repeat(np.arange(n_groups + 1),
                     [group_size] * n_groups + [n_noise])
corr = np.corrcoef(X[:, :group_size].T)[np.triu_indices(group_size, 1)]
print(f"correlation within group 1: {corr.min():.3f} to {corr.max():.3f}")

# %%
# Three penalties, alpha by cross-validation
# ------------------------------------------
# For each ``l1_ratio``, :class:`fastpen.ElasticNetCV` chooses alpha by 5-fold
# cross-validation, so each model is compared at its own best penalty rather
# than at an arbitrary alpha.
l1_ratios = [1.0, 0.5, 0.1]
fits = {r: fastpen.ElasticNetCV(l1_ratio=r, cv=5).fit(X, y) for r in l1_ratios}

print(f"\n{'l1_ratio':>8} {'alpha_':>8}  nonzero per group (of 4)"
      "   noise (of 12)")
for r, cv in fits.items():
    counts = [np.count_nonzero(cv.coef_[group_of == g])
              for g in range(n_groups + 1)]
    print(f"{r:8.1f} {cv.alpha_:8.4f}  {counts[0]:>6} {counts[1]:>6}"
          f" {counts[2]:>6}          {counts[3]:>6}")

# %%
# Which member of a group? Fit each half of the data
# --------------------------------------------------
# Refit each model, at the alpha its cross-validation chose, on the first and
# on the second half of the samples. Bars side by side: first half (solid),
# second half (light). The dashed line in each group is the coefficient each of
# its four standardized features gets when the group's true weight is shared
# equally.
true_weights = np.array([3.0, -2.0, 1.5])
halves = [slice(0, n // 2), slice(n // 2, n)]
colors = ["C0", "C1", "C2", "0.5"]
idx = np.arange(X.shape[1])
fig, axes = plt.subplots(3, 1, figsize=(8, 7.8), sharex=True, sharey=True,
                         layout="constrained")
for ax, (r, cv) in zip(axes, fits.items()):
    for h, (rows, shade) in enumerate(zip(halves, [1.0, 0.4])):
        model = fastpen.ElasticNet(alpha=cv.alpha_, l1_ratio=r)
        coef = model.fit(X[rows], y[rows]).coef_
        ax.bar(idx - 0.2 + 0.4 * h, coef, width=0.4, alpha=shade,
               color=[colors[g] for g in group_of],
               label=["first half of the samples", "second half"][h])
    for g in range(n_groups):
        shared = true_weights[g] * np.sqrt(1 + noise_sd**2) / group_size
        ax.hlines(shared, g * group_size - 0.5, (g + 1) * group_size - 0.5,
                  colors="k", linestyles="--", linewidth=0.8)
    ax.axhline(0, color="k", linewidth=0.5)
    ax.set_title(f"l1_ratio = {r:g}, alpha = {cv.alpha_:.3g}", fontsize=10)
    ax.set_ylabel("coefficient")
axes[0].legend(loc="upper right", fontsize=8)
axes[-1].set_xticks([1.5, 5.5, 9.5, 17.5],
                    ["group 1\n(weight 3)", "group 2\n(weight -2)",
                     "group 3\n(weight 1.5)", "12 noise features"])
fig.suptitle("Coefficients by group, fitted on each half of the samples")
plt.show()

# %%
# With the lasso, each half of the data puts the weight of a group on different
# members and zeroes others: the choice inside a group of near-copies is
# decided by noise. As ``l1_ratio`` falls, the L2 term pulls the coefficients
# of a group towards a common value, and both halves give every member a
# similar share, close to the dashed line. The price, in the table above: more
# nonzero coefficients, and noise features that the L1 term alone would have
# dropped enter with small weights. When the groups are known in advance and
# should enter or leave together, a group-lasso penalty states that directly;
# the elastic net gets a similar effect without being told the groups.
