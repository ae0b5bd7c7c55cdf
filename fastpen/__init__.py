"""fastpen: fast L1/L2-penalised linear models.

``import fastpen`` loads no other package (not even NumPy): every public name
is resolved on access (PEP 562).  The functional API (:func:`enet_path`,
:func:`ridge_path`, ...) loads NumPy, the compiled kernels and, through their
BLAS bindings, ``scipy.linalg`` when it is first used; the scikit-learn
estimators (:class:`Lasso`, :class:`ElasticNet`, ...) load scikit-learn.
"""
import os as _os
from importlib import import_module as _import_module

# Before the OpenMP runtime loads (with fastpen._openmp, the first time a public
# name that needs it is resolved): unless the user chose, idle OpenMP threads
# sleep instead of spinning.  libgomp's workers otherwise spin for milliseconds
# after each parallel scan, beside the sequential sweeps that follow it; where
# cores are shared (SMT siblings, small VMs, sandboxes) that made a 2-thread
# sparse path 3x slower than 1 thread (README, Threads).  Any submodule import
# runs this file first, so no path reaches the runtime before this line.
_os.environ.setdefault("OMP_WAIT_POLICY", "passive")

# public name -> the submodule defining it (imported on first access)
_LAZY = {
    "ConvergenceWarning": "_problem",
    "PathResult": "_problem",
    "enet_path": "_path",
    "lasso_path": "_path",
    "logistic_path": "_logistic",
    "LogisticPathResult": "_logistic",
    "glmnet_path": "_glmnet",
    "RidgePath": "_ridge",
    "ridge_path": "_ridge",
    "ridge_alpha_grid": "_ridge",
    "ridge_cv_curve": "_ridge",
    "RidgeCVCurve": "_ridge",
    "GridEdgeWarning": "_warnings",
    "effective_n_threads": "_threads",
    "openmp_enabled": "_openmp",
    "show_config": "_info",
    "Lasso": "linear_model",
    "ElasticNet": "linear_model",
    "LassoCV": "linear_model",
    "ElasticNetCV": "linear_model",
    "Ridge": "linear_model",
    "RidgeCV": "linear_model",
    "LogisticRegression": "linear_model",
    "LogisticRegressionCV": "linear_model",
    "Model": "_model",
    "load_model": "_model",
}

__all__ = [
    "ConvergenceWarning",
    "ElasticNet",
    "ElasticNetCV",
    "GridEdgeWarning",
    "Lasso",
    "LassoCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "Model",
    "PathResult",
    "Ridge",
    "RidgeCV",
    "RidgeCVCurve",
    "RidgePath",
    "effective_n_threads",
    "enet_path",
    "glmnet_path",
    "lasso_path",
    "load_model",
    "logistic_path",
    "LogisticPathResult",
    "ridge_alpha_grid",
    "ridge_cv_curve",
    "ridge_path",
    "openmp_enabled",
    "show_config",
]


def __getattr__(name):
    """Resolve a public name from its submodule on access (PEP 562).

    Not stored here: ``fastpen.enet_path`` stays whatever ``fastpen._path``
    holds now (a patch of the submodule, as the test suite makes, is seen here
    and undone with it); an access after the first costs a dictionary lookup.
    """
    if name == "__version__":
        # One source for the version: the installed distribution's metadata, which
        # pyproject.toml's [project] version wrote (read on first access: the
        # metadata machinery costs an import that ``import fastpen`` need not pay).
        globals()["__version__"] = version = _installed_version()
        return version
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'fastpen' has no attribute {name!r}")
    return getattr(_import_module(f"{__name__}.{module_name}"), name)


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})


def _installed_version():
    """The version in the installed distribution's metadata ("0+unknown" for a source
    tree on ``sys.path`` that was never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fastpen")
    except PackageNotFoundError:
        return "0+unknown"
