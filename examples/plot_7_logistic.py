r"""
Sparse logistic regression: path and cross-validation
=====================================================

fastpen's logistic regression minimises glmnet's objective, the mean
log-loss plus the elastic-net penalty,

.. math::

    \frac{1}{n}\sum_{i=1}^n
    \log\bigl(1 + e^{-\tilde y_i (x_i^\top w + b)}\bigr)
    + \alpha \Bigl(r \lVert w\rVert_1
    + \frac{1 - r}{2}\lVert w\rVert_2^2\Bigr),
    \qquad \tilde y_i \in \{-1, 1\},

where ``r`` is ``l1_ratio``. scikit-learn's ``LogisticRegression(C=C)`` fits
the same model at ``alpha = 1 / (C n)``. With ``l1_ratio=1`` (the Lasso
penalty) most coefficients are exactly zero: a sparse classifier.

Here: the breast cancer data (569 tumours, 30 features), its L1 path with
:func:`fastpen.logistic_path`, the choice of alpha by
:class:`fastpen.LogisticRegressionCV`, then a three-class model on the
penguins.
"""

# %%
# Data
# ----
# The features are standardised (on the training rows) so that the penalty
# treats them alike; a quarter of the tumours are held out to score the
# final model.
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import fastpen
import fastpen.datasets

data = load_breast_cancer()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.25, stratify=data.target,
    random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
print(f"{X_train.shape[0]} training and {X_test.shape[0]} test tumours, "
      f"{X_train.shape[1]} features; "
      f"classes {' and '.join(data.target_names)}")

# %%
# The path
# --------
# 50 alphas from alpha_max (every coefficient zero) down to
# ``eps * alpha_max``. The result's ``df`` counts the nonzero coefficients at
# each alpha and ``dev_ratio`` the fraction of the null deviance explained
# (glmnet's ``%dev``).
path = fastpen.logistic_path(X_train, y_train, l1_ratio=1.0, alphas=50,
                             eps=1e-3)
print(f"{len(path.alphas)} alphas, "
      f"nonzero coefficients from {path.df[0]} to {path.df[-1]}, "
      f"deviance explained up to {path.dev_ratio[-1]:.3f}")

# %%
# Cross-validation
# ----------------
# :class:`fastpen.LogisticRegressionCV` with ``alphas`` uses glmnet's grid and
# fits every fold at the same alpha (as ``cv.glmnet``); each fold is a row
# weighting of X, and all folds run in one parallel call. The held-out score
# here is the log-loss (smoother than accuracy on 140 rows); ``select='1se'``
# would take glmnet's 1-SE alpha instead of the best.
cv = fastpen.LogisticRegressionCV(
    alphas=50, eps=1e-3, l1_ratios=1.0, cv=5, scoring="neg_log_loss"
).fit(X_train, y_train)
n_nonzero = np.count_nonzero(cv.coef_)
print(f"alpha_min = {cv.alpha_min_:.4g}, alpha_1se = {cv.alpha_1se_:.4g} "
      f"(C = {cv.C_:.3g})")
print(f"{n_nonzero} of {X_train.shape[1]} coefficients nonzero; "
      f"held-out accuracy {cv.score(X_test, y_test):.3f}")
chosen = np.flatnonzero(cv.coef_[0])
print("features kept:", ", ".join(data.feature_names[chosen]))

# %%
# The path and the CV curve share the alpha axis: the dotted lines mark
# ``alpha_min`` and ``alpha_1se``.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
ax0.semilogx(path.alphas, path.coefs)
ax0.set_ylabel("coefficient (standardised features)")
ax0.set_title("L1 logistic path, breast cancer")
mean, se = -cv.score_mean_[0], cv.score_se_[0]
ax1.semilogx(cv.alphas_[0], mean, color="C3", label="mean held-out log-loss")
ax1.fill_between(cv.alphas_[0], mean - se, mean + se, color="C3", alpha=0.2,
                 label="± one standard error")
ax1.set_ylabel("log-loss (5-fold CV)")
ax1.set_title("cross-validation")
for ax in (ax0, ax1):
    ax.axvline(cv.alpha_min_, ls=":", color="k")
    ax.axvline(cv.alpha_1se_, ls=":", color="grey")
    ax.set_xlabel("alpha")
    ax.invert_xaxis()
ax1.plot([], [], ls=":", color="k", label="alpha_min")
ax1.plot([], [], ls=":", color="grey", label="alpha_1se")
ax1.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# Three classes: a multinomial model
# ----------------------------------
# With more than two labels the model is multinomial (softmax), one
# coefficient vector per class. The penguins' species from their four body
# measurements, standardised; rows with missing values dropped.
csv = Path(fastpen.datasets.__file__).parent / "data" / "penguins.csv"
penguins = pd.read_csv(csv).dropna()
measures = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm",
            "body_mass_g"]
Xp = StandardScaler().fit_transform(penguins[measures].to_numpy())
yp = penguins["species"].to_numpy()
clf = fastpen.LogisticRegressionCV(alphas=30, l1_ratios=1.0, cv=5).fit(Xp, yp)
coef = pd.DataFrame(clf.coef_, index=clf.classes_, columns=measures)
print(f"classes {', '.join(clf.classes_)}, alpha = {clf.alpha_:.3g}, "
      f"5-fold accuracy {clf.score_mean_.max():.3f}")
print(coef.round(2))
