"""fastpen: fast L1/L2-penalised linear models.

The functional API (:func:`enet_path`, :func:`lasso_path`) imports NumPy and
SciPy only; the scikit-learn estimators (:class:`Lasso`, :class:`ElasticNet`)
are loaded on first access.
"""
import os as _os

# Before the OpenMP runtime loads (with ._openmp below): unless the user chose,
# idle OpenMP threads sleep instead of spinning.  libgomp's workers otherwise
# spin for milliseconds after each parallel scan, beside the sequential sweeps
# that follow it; where cores are shared (SMT siblings, small VMs, sandboxes)
# that made a 2-thread sparse path 3x slower than 1 thread (README, Threads).
_os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from ._glmnet import glmnet_path  # noqa: E402
from ._info import show_config  # noqa: E402
from ._openmp import openmp_enabled  # noqa: E402
from ._threads import effective_n_threads  # noqa: E402
from ._path import ConvergenceWarning, PathResult, enet_path, lasso_path  # noqa: E402
from ._ridge import RidgePath, ridge_path  # noqa: E402
from ._warnings import GridEdgeWarning  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ConvergenceWarning",
    "ElasticNet",
    "ElasticNetCV",
    "GridEdgeWarning",
    "Lasso",
    "LassoCV",
    "Model",
    "PathResult",
    "Ridge",
    "RidgeCV",
    "RidgePath",
    "effective_n_threads",
    "enet_path",
    "glmnet_path",
    "lasso_path",
    "load_model",
    "ridge_path",
    "openmp_enabled",
    "show_config",
]

_ESTIMATORS = {"Lasso", "ElasticNet", "LassoCV", "ElasticNetCV", "Ridge", "RidgeCV"}
_MODEL_FILES = {"Model", "load_model"}          # fastpen._model, loaded on first use


def __getattr__(name):
    if name in _ESTIMATORS:
        from . import linear_model

        return getattr(linear_model, name)
    if name in _MODEL_FILES:
        from . import _model

        return getattr(_model, name)
    raise AttributeError(f"module 'fastpen' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _ESTIMATORS | _MODEL_FILES)
