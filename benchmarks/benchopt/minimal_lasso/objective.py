"""A minimal Lasso benchmark, with the interface of benchopt/benchmark_lasso.

Problem, for ``lmbd = reg * lmbd_max``::

    min_{w, b}  1/2 ||y - X w - b||^2 + lmbd ||w||_1      (b = 0 without intercept)

Solvers receive ``X, y, lmbd, fit_intercept`` and return ``beta = w``, or
``[w, b]`` with an intercept.  Each result is scored by its primal value and a
duality gap, the gap being a certificate: the dual point is the residual
(centred when an intercept is fitted, so that it is dual feasible) rescaled
into ``{theta : ||X^T theta||_inf <= lmbd}``.
"""
from benchopt import BaseObjective, safe_import_context

with safe_import_context() as import_ctx:
    import numpy as np


class Objective(BaseObjective):
    name = "Lasso Regression"
    min_benchopt_version = "1.5"

    parameters = {
        "fit_intercept": [False, True],
        "reg": [0.5, 0.1],
    }
    # (benchopt sets each parameter as an attribute: self.fit_intercept,
    # self.reg.)

    def set_data(self, X, y):
        self.X, self.y = X, np.asarray(y, dtype=np.float64)
        self.n_features = X.shape[1]
        r0 = self.y - self.y.mean() if self.fit_intercept else self.y
        self.lmbd = self.reg * np.max(np.abs(X.T @ r0))

    def get_one_result(self):
        return dict(beta=np.zeros(self.n_features + self.fit_intercept))

    def evaluate_result(self, beta):
        beta = np.asarray(beta, dtype=np.float64)
        w, b = beta[:self.n_features], 0.0
        if self.fit_intercept:
            b = beta[self.n_features]
        r = self.y - self.X @ w - b
        primal = 0.5 * r @ r + self.lmbd * np.abs(w).sum()

        theta = r - r.mean() if self.fit_intercept else r
        scale = max(1.0, np.max(np.abs(self.X.T @ theta)) / self.lmbd)
        theta = theta / scale
        dual = theta @ self.y - 0.5 * theta @ theta
        return dict(
            value=primal,
            duality_gap=primal - dual,
            support_size=int(np.count_nonzero(w)),
        )

    def get_objective(self):
        return dict(X=self.X, y=self.y, lmbd=self.lmbd,
                    fit_intercept=self.fit_intercept)
