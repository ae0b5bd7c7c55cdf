"""benchopt solver for fastpen, for benchopt's Lasso benchmark.

Drop this file into ``solvers/`` of a clone of benchopt/benchmark_lasso (or run
``benchopt run BENCHMARK -s path/to/fastpen.py``).  fastpen is not fetched by
``benchopt install``: install it in the environment benchopt runs in first,
``pip install /path/to/fastpen``; without it the solver is reported as not
installed.

The benchmark's problem is ``1/2 ||y - Xw - b||^2 + lmbd ||w||_1`` (``b`` only
with ``fit_intercept``); fastpen's is the same divided by ``n_samples``, so it
is solved with ``alpha = lmbd / n_samples``.  The result is ``beta = w``, or
``[w, b]`` with an intercept, as the benchmark's objective expects.

Curves are sampled by iterations: a run is one fresh fit (no warm start) with
``max_iter = n_iter`` coordinate sweeps and a tolerance of ``TOL`` (small
enough that the sweep budget, not the duality gap, ends every run until the
solution is reached to about machine precision).
"""
from benchopt import BaseSolver, safe_import_context

with safe_import_context() as import_ctx:
    import warnings

    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.linalg import LinearOperator

    import fastpen


class Solver(BaseSolver):
    name = "fastpen"
    sampling_strategy = "iteration"

    # fastpen is installed from its source tree (see the module docstring).
    install_cmd = "conda"
    requirements = []

    references = [
        "fastpen: fast L1/L2-penalised linear models (Lasso, Elastic Net) "
        "with OpenMP Cython kernels"
    ]

    # Duality-gap tolerance of each fit, on fastpen's (scikit-learn's) scale:
    # stop when gap <= TOL * ||y - mean(y)||^2 / n_samples.
    TOL = 1e-14

    def skip(self, X, y, lmbd, fit_intercept):
        if isinstance(X, LinearOperator):
            return True, "fastpen needs an explicit (dense or sparse) X"
        return False, None

    def set_objective(self, X, y, lmbd, fit_intercept):
        # Put X once in the layout the kernels use (Fortran-ordered dense, or
        # canonical CSC with int32 indices), so that timed runs copy nothing.
        if sp.issparse(X):
            dtype = np.float32 if X.dtype == np.float32 else np.float64
            X = sp.csc_matrix(X, dtype=dtype, copy=True)
            X.sum_duplicates()
            X.indices = X.indices.astype(np.intc, copy=False)
            X.indptr = X.indptr.astype(np.intc, copy=False)
        else:
            X = np.asarray(X)
            dtype = np.float32 if X.dtype == np.float32 else np.float64
            X = np.asfortranarray(X, dtype=dtype)
        self.X = X
        self.y = np.ascontiguousarray(y, dtype=np.float64).ravel()
        self.fit_intercept = bool(fit_intercept)
        self.alpha = lmbd / X.shape[0]
        # Runs that stop at max_iter are expected here.
        warnings.filterwarnings("ignore", category=fastpen.ConvergenceWarning)

    def warm_up(self):
        # Start the OpenMP thread pool outside the timed runs.
        self.run_once(stop_val=1)

    def run(self, n_iter):
        n_features = self.X.shape[1]
        if n_iter == 0:
            self.coef = np.zeros(n_features)
            self.intercept = 0.0
            return
        path = fastpen.lasso_path(
            self.X, self.y, alphas=[self.alpha], tol=self.TOL,
            max_iter=int(n_iter), fit_intercept=self.fit_intercept,
        )
        self.coef = path.coefs[0]
        self.intercept = path.intercepts[0]

    def get_result(self):
        beta = self.coef
        if self.fit_intercept:
            beta = np.r_[beta, self.intercept]
        return dict(beta=beta)
