"""Build and runtime information."""
import os
import platform
import sys

from ._openmp import openmp_enabled
from ._threads import effective_n_threads

_SIMD_NAMES = {0: "baseline (no runtime dispatch)", 2: "AVX2+FMA", 3: "AVX-512F"}


def simd_name():
    """The instruction set the inner products were dispatched to at load time."""
    from ._cd import simd_level

    return _SIMD_NAMES.get(simd_level(), "unknown")


def _blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return ["threadpoolctl not installed"]
    import numpy  # noqa: F401 - make sure NumPy's BLAS is loaded
    import scipy.linalg  # noqa: F401

    lines = []
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            lines.append(f"{pool.get('internal_api')} {pool.get('version')} "
                         f"({pool.get('threading_layer', '?')} threading, "
                         f"{pool.get('num_threads')} threads) {pool.get('filepath')}")
    return lines or ["none found"]


def show_config(file=None):
    """Print the version, OpenMP support, default thread count and the BLAS in use."""
    from . import __version__

    file = file or sys.stdout
    print(f"fastpen {__version__}", file=file)
    print(f"python {platform.python_version()} on {platform.platform()}", file=file)
    print(f"OpenMP compiled in: {'yes' if openmp_enabled() else 'no'}", file=file)
    print(f"threads used by default: {effective_n_threads(None)}", file=file)
    print(f"OpenMP wait policy: {os.environ.get('OMP_WAIT_POLICY', 'default')}", file=file)
    print(f"vector instructions of the kernels: {simd_name()}", file=file)
    for line in _blas_info():
        print(f"BLAS: {line}", file=file)
