# cython: language_level=3
"""OpenMP availability and the thread-count rules (scikit-learn's)."""
import os

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define FASTPEN_OPENMP 1
    #else
    #define FASTPEN_OPENMP 0
    static int omp_get_max_threads(void) { return 1; }
    #endif
    """
    int FASTPEN_OPENMP
    int omp_get_max_threads() noexcept nogil


def openmp_enabled():
    """True when the extensions were compiled with OpenMP."""
    return bool(FASTPEN_OPENMP)


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def effective_n_threads(n_threads=None):
    """Number of OpenMP threads a call with ``n_threads`` will use.

    ``None`` means what OpenMP allows (``OMP_NUM_THREADS`` or the usable cores),
    ``-1`` all usable cores, ``-k`` all but ``k - 1``, a positive ``k`` exactly
    ``k``; ``0`` is an error.  Always 1 without OpenMP.
    """
    if n_threads is not None:
        if isinstance(n_threads, bool) or not hasattr(n_threads, "__index__"):
            raise TypeError(f"n_threads must be an integer or None, got {n_threads!r}.")
        n_threads = n_threads.__index__()
        if n_threads == 0:
            raise ValueError("n_threads=0 is invalid: use None, a positive count or "
                             "-1 for all cores.")
    if not FASTPEN_OPENMP:
        return 1
    if n_threads is None:
        if os.environ.get("OMP_NUM_THREADS"):
            return max(omp_get_max_threads(), 1)
        return max(min(omp_get_max_threads(), _cpu_count()), 1)
    if n_threads < 0:
        return max(_cpu_count() + 1 + n_threads, 1)
    return n_threads
