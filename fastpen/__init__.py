"""fastpen: fast L1/L2-penalised linear models.

The functional API (:func:`enet_path`, :func:`lasso_path`) imports NumPy and
SciPy only; the scikit-learn estimators (:class:`Lasso`, :class:`ElasticNet`)
are loaded on first access.
"""
from ._glmnet import glmnet_path
from ._info import show_config
from ._openmp import effective_n_threads, openmp_enabled
from ._path import ConvergenceWarning, PathResult, enet_path, lasso_path

__version__ = "0.1.0"

__all__ = [
    "ConvergenceWarning",
    "ElasticNet",
    "Lasso",
    "PathResult",
    "effective_n_threads",
    "enet_path",
    "glmnet_path",
    "lasso_path",
    "openmp_enabled",
    "show_config",
]

_ESTIMATORS = {"Lasso", "ElasticNet"}


def __getattr__(name):
    if name in _ESTIMATORS:
        from . import linear_model

        return getattr(linear_model, name)
    raise AttributeError(f"module 'fastpen' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _ESTIMATORS)
