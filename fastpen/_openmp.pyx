# cython: language_level=3
"""OpenMP availability and the OpenMP runtime's thread limit (the rules that use
them are in fastpen._threads)."""

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


def omp_max_threads():
    """``omp_get_max_threads()`` as the calling thread sees it (1 without OpenMP)."""
    return omp_get_max_threads()
