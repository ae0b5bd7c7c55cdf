# cython: language_level=3
"""OpenMP availability, the OpenMP runtime's file and its thread limit (the rules
that use them are in fastpen._threads)."""
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


# The runtime's file is found from the address of one of its functions, as this
# extension's own symbol binding resolved it: with two OpenMP runtimes in a process
# (fastpen's bundled libgomp beside scikit-learn's), a list of loaded libraries
# cannot tell which one fastpen calls.
cdef extern from *:
    """
    #if FASTPEN_OPENMP && defined(_WIN32)
    #include <windows.h>
    static PyObject *fastpen_openmp_library(void) {
        wchar_t path[32768];
        HMODULE module = NULL;
        DWORD length;
        if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS
                                | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                (LPCWSTR)(void *)&omp_get_max_threads, &module))
            Py_RETURN_NONE;
        length = GetModuleFileNameW(module, path, 32768);
        if (length == 0 || length >= 32768)
            Py_RETURN_NONE;
        return PyUnicode_FromWideChar(path, (Py_ssize_t)length);
    }
    #elif FASTPEN_OPENMP
    #include <dlfcn.h>
    static PyObject *fastpen_openmp_library(void) {
        Dl_info info;
        if (!dladdr((void *)&omp_get_max_threads, &info) || info.dli_fname == NULL)
            Py_RETURN_NONE;
        return PyUnicode_DecodeFSDefault(info.dli_fname);
    }
    #else
    static PyObject *fastpen_openmp_library(void) { Py_RETURN_NONE; }
    #endif
    """
    object fastpen_openmp_library()


def openmp_enabled():
    """True when the extensions were compiled with OpenMP."""
    return bool(FASTPEN_OPENMP)


def omp_max_threads():
    """``omp_get_max_threads()`` as the calling thread sees it (1 without OpenMP)."""
    return omp_get_max_threads()


def openmp_library():
    """Path of the OpenMP runtime library fastpen's kernels call (the file that
    defines ``omp_get_max_threads`` for this extension), or None without OpenMP or
    where the platform cannot tell."""
    path = fastpen_openmp_library()
    # a wheel's bundled runtime is found as ".../fastpen/../fastpen.libs/libgomp-*.so"
    return None if path is None else os.path.normpath(path)
