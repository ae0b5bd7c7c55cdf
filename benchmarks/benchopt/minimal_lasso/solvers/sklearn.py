"""Reference solver: scikit-learn's coordinate descent, run to a tolerance of 0.

Included so that the smallest objective of a run is not fastpen's alone.
"""
from benchopt import BaseSolver, safe_import_context

with safe_import_context() as import_ctx:
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso


class Solver(BaseSolver):
    name = "sklearn"
    sampling_strategy = "iteration"

    install_cmd = "conda"
    requirements = ["scikit-learn"]

    def set_objective(self, X, y, lmbd, fit_intercept):
        self.X, self.y, self.fit_intercept = X, y, fit_intercept
        self.lasso = Lasso(alpha=lmbd / X.shape[0], fit_intercept=fit_intercept,
                           tol=0.0, warm_start=False)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)

    def run(self, n_iter):
        if n_iter == 0:
            self.beta = np.zeros(self.X.shape[1] + self.fit_intercept)
            return
        self.lasso.max_iter = n_iter
        self.lasso.fit(self.X, self.y)
        self.beta = self.lasso.coef_.ravel()
        if self.fit_intercept:
            self.beta = np.r_[self.beta, self.lasso.intercept_]

    def get_result(self):
        return dict(beta=self.beta)
