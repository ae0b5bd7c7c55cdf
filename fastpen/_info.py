"""Build and runtime information."""
import os
import platform
import sys

from ._openmp import openmp_enabled, openmp_library
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


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def openmp_runtime_lines():
    """The OpenMP runtime fastpen calls (its file, as the kernels' symbol binding
    resolved it, with threadpoolctl's name, version and thread limit for it), then
    every other OpenMP runtime loaded in this process (scikit-learn's bundled
    libgomp, for one): each its own thread pool, each limited by threadpoolctl."""
    own = openmp_library()
    if own is None:
        return ["none" if not openmp_enabled() else "unknown (the platform cannot tell)"]
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "openmp"]
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pools = []
    mine = [p for p in pools if _same_file(p.get("filepath", ""), own)]
    lines = []
    if mine:
        pool = mine[0]
        lines.append(f"{pool.get('prefix')} {pool.get('version') or ''} "
                     f"({pool.get('num_threads')} threads) {own}".replace("  ", " "))
    else:
        lines.append(own)
    lines += [f"also loaded: {p.get('prefix')} ({p.get('num_threads')} threads) "
              f"{p.get('filepath')}" for p in pools if p not in mine]
    return lines


def show_config(file=None):
    """Print the version, OpenMP support and the OpenMP runtime loaded, the default
    thread count and the BLAS in use."""
    from . import __version__

    file = file or sys.stdout
    print(f"fastpen {__version__}", file=file)
    print(f"python {platform.python_version()} on {platform.platform()}", file=file)
    print(f"OpenMP compiled in: {'yes' if openmp_enabled() else 'no'}", file=file)
    for line in openmp_runtime_lines():
        print(f"OpenMP runtime: {line}", file=file)
    print(f"threads used by default: {effective_n_threads(None)}", file=file)
    print(f"OpenMP wait policy: {os.environ.get('OMP_WAIT_POLICY', 'default')}", file=file)
    print(f"vector instructions of the kernels: {simd_name()}", file=file)
    for line in _blas_info():
        print(f"BLAS: {line}", file=file)
