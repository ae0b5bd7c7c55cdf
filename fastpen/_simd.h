/* Vectorised inner products of the coordinate-descent kernels, with runtime
 * dispatch on the CPU's instruction set.
 *
 * The package is built for the baseline ISA of the platform (SSE2 on x86-64)
 * so that one wheel runs everywhere.  On x86-64 with GCC or Clang, each
 * routine is also compiled for AVX2+FMA and for AVX-512F, and the widest one
 * the CPU supports is chosen once, when the extension is loaded.  Elsewhere
 * (other compilers, other architectures) the baseline versions are used.
 *
 * Every routine accumulates in double.  The summation order depends on the
 * variant chosen (vector width), never on the thread count or the data, so
 * results are reproducible on a given machine.
 *
 *   fp_dot_{d,f}(n, x, xbar, r)       = sum_i (x_i - xbar) r_i
 *   fp_wdot_{d,f}(n, x, xbar, s, r)   = sum_i (x_i - xbar) s_i r_i
 *   fp_sum_{d,f}(n, x)                = sum_i x_i
 *   fp_sqdev_{d,f}(n, x, xbar, s)     = sum_i s_i (x_i - xbar)^2  (s NULL: unit weights)
 *   fp_axpy_{d,f}(n, alpha, x, xbar, r):  r_i += alpha (x_i - xbar)
 *   fp_spdot_{d,f}(n, x, ind, s, r)   = sum_k x_k s_{ind_k} r_{ind_k}  (s NULL: unit weights)
 *   fp_spaxpy_{d,f}(n, alpha, x, ind, r): r_{ind_k} += alpha x_k
 *
 * fp_dot(n, x, ...) and the others without the suffix choose it by the type of x.
 *
 * The sparse routines gather and scatter through one column's row indices,
 * which must be distinct (a canonical CSC column): the scatter is vectorised
 * on that promise.
 *   fp_simd_level()                   = 0 baseline, 2 AVX2+FMA, 3 AVX-512F
 *
 * The environment variable FASTPEN_SIMD=baseline|avx2 caps the choice (tests
 * compare the variants; also a way out should a CPU misreport its features).
 */
#ifndef FASTPEN_SIMD_H
#define FASTPEN_SIMD_H

/* MSVC's /openmp is OpenMP 2.0, where "omp simd" is error C3001 (it needs
   /openmp:experimental): no hint there.  Its auto-vectoriser may still take the
   plain loops; floating-point reductions stay in source order under /fp:precise. */
#if defined(_MSC_VER) && !defined(__clang__)
#define FP_SIMD_REDUCE
#define FP_SIMD
#elif defined(_OPENMP) || defined(__clang__) || defined(__GNUC__)
#define FP_SIMD_REDUCE _Pragma("omp simd reduction(+:acc)")
#define FP_SIMD _Pragma("omp simd")
#else
#define FP_SIMD_REDUCE
#define FP_SIMD
#endif

/* Every routine is written once for double and float data (x): (double)x[i] is the
   identity for double. */
/* Sparse columns (CSC): dot and axpy through the row indices. */
#define FP_SPARSE(TAG, T, ATTR)                                                           \
    ATTR static double fp_spdot_##TAG(int n, const T* x, const int* ind, const double* s, \
                                      const double* r) {                                 \
        double acc = 0.0;                                                                 \
        if (s == 0) {                                                                     \
            FP_SIMD_REDUCE                                                                \
            for (int k = 0; k < n; k++) acc += (double)x[k] * r[ind[k]];                 \
        } else {                                                                          \
            FP_SIMD_REDUCE                                                                \
            for (int k = 0; k < n; k++) acc += (double)x[k] * s[ind[k]] * r[ind[k]];     \
        }                                                                                 \
        return acc;                                                                       \
    }                                                                                     \
    ATTR static void fp_spaxpy_##TAG(int n, double alpha, const T* x, const int* ind,     \
                                     double* r) {                                        \
        FP_SIMD                                                                           \
        for (int k = 0; k < n; k++) r[ind[k]] += alpha * (double)x[k];                   \
    }

/* Dense columns: dot, weighted dot, sum, squared deviation, axpy. */
#define FP_DENSE(TAG, T, ATTR)                                                            \
    ATTR static double fp_dot_##TAG(int n, const T* x, double xbar, const double* r) {   \
        double acc = 0.0;                                                                 \
        FP_SIMD_REDUCE                                                                    \
        for (int i = 0; i < n; i++) acc += ((double)x[i] - xbar) * r[i];                 \
        return acc;                                                                       \
    }                                                                                     \
    ATTR static double fp_wdot_##TAG(int n, const T* x, double xbar, const double* s,    \
                                     const double* r) {                                  \
        double acc = 0.0;                                                                 \
        FP_SIMD_REDUCE                                                                    \
        for (int i = 0; i < n; i++) acc += ((double)x[i] - xbar) * s[i] * r[i];          \
        return acc;                                                                       \
    }                                                                                     \
    ATTR static double fp_sum_##TAG(int n, const T* x) {                                 \
        double acc = 0.0;                                                                 \
        FP_SIMD_REDUCE                                                                    \
        for (int i = 0; i < n; i++) acc += (double)x[i];                                 \
        return acc;                                                                       \
    }                                                                                     \
    ATTR static double fp_sqdev_##TAG(int n, const T* x, double xbar, const double* s) { \
        double acc = 0.0;                                                                 \
        if (s == 0) {                                                                     \
            FP_SIMD_REDUCE                                                                \
            for (int i = 0; i < n; i++)                                                   \
                acc += ((double)x[i] - xbar) * ((double)x[i] - xbar);                     \
        } else {                                                                          \
            FP_SIMD_REDUCE                                                                \
            for (int i = 0; i < n; i++)                                                   \
                acc += s[i] * ((double)x[i] - xbar) * ((double)x[i] - xbar);              \
        }                                                                                 \
        return acc;                                                                       \
    }                                                                                     \
    ATTR static void fp_axpy_##TAG(int n, double alpha, const T* x, double xbar,         \
                                   double* r) {                                          \
        FP_SIMD                                                                           \
        for (int i = 0; i < n; i++) r[i] += alpha * ((double)x[i] - xbar);               \
    }

#define FP_DEFINE_KERNELS(SUFFIX, ATTR)                                                   \
    FP_DENSE(d_##SUFFIX, double, ATTR)                                                  \
    FP_DENSE(f_##SUFFIX, float, ATTR)                                                   \
    FP_SPARSE(d_##SUFFIX, double, ATTR)                                                 \
    FP_SPARSE(f_##SUFFIX, float, ATTR)

FP_DEFINE_KERNELS(base, )

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define FP_DISPATCH 1
FP_DEFINE_KERNELS(avx2, __attribute__((target("avx2,fma"))))
FP_DEFINE_KERNELS(avx512, __attribute__((target("avx512f,avx2,fma"))))
#endif

typedef double (*fp_dot_d_t)(int, const double*, double, const double*);
typedef double (*fp_dot_f_t)(int, const float*, double, const double*);
typedef double (*fp_wdot_d_t)(int, const double*, double, const double*, const double*);
typedef double (*fp_wdot_f_t)(int, const float*, double, const double*, const double*);
typedef double (*fp_sum_d_t)(int, const double*);
typedef double (*fp_sum_f_t)(int, const float*);
typedef double (*fp_sqdev_d_t)(int, const double*, double, const double*);
typedef double (*fp_sqdev_f_t)(int, const float*, double, const double*);
typedef void (*fp_axpy_d_t)(int, double, const double*, double, double*);
typedef void (*fp_axpy_f_t)(int, double, const float*, double, double*);
typedef double (*fp_spdot_d_t)(int, const double*, const int*, const double*, const double*);
typedef double (*fp_spdot_f_t)(int, const float*, const int*, const double*, const double*);
typedef void (*fp_spaxpy_d_t)(int, double, const double*, const int*, double*);
typedef void (*fp_spaxpy_f_t)(int, double, const float*, const int*, double*);

typedef struct {
    int level;
    fp_dot_d_t dot_d;
    fp_dot_f_t dot_f;
    fp_wdot_d_t wdot_d;
    fp_wdot_f_t wdot_f;
    fp_sum_d_t sum_d;
    fp_sum_f_t sum_f;
    fp_sqdev_d_t sqdev_d;
    fp_sqdev_f_t sqdev_f;
    fp_axpy_d_t axpy_d;
    fp_axpy_f_t axpy_f;
    fp_spdot_d_t spdot_d;
    fp_spdot_f_t spdot_f;
    fp_spaxpy_d_t spaxpy_d;
    fp_spaxpy_f_t spaxpy_f;
} fp_simd_table;

#define FP_TABLE(LEVEL, SUFFIX)                                                           \
    {LEVEL, fp_dot_d_##SUFFIX, fp_dot_f_##SUFFIX, fp_wdot_d_##SUFFIX,                     \
     fp_wdot_f_##SUFFIX, fp_sum_d_##SUFFIX, fp_sum_f_##SUFFIX, fp_sqdev_d_##SUFFIX,       \
     fp_sqdev_f_##SUFFIX, fp_axpy_d_##SUFFIX, fp_axpy_f_##SUFFIX, fp_spdot_d_##SUFFIX,    \
     fp_spdot_f_##SUFFIX, fp_spaxpy_d_##SUFFIX, fp_spaxpy_f_##SUFFIX}

static fp_simd_table fp_simd = FP_TABLE(0, base);

#ifdef FP_DISPATCH
#include <stdlib.h>
#include <string.h>
/* Runs when the extension is loaded, before any kernel can be called. */
__attribute__((constructor)) static void fp_simd_select(void) {
    static const fp_simd_table avx2 = FP_TABLE(2, avx2);
    static const fp_simd_table avx512 = FP_TABLE(3, avx512);
    const char* cap = getenv("FASTPEN_SIMD");
    int max_level = 3;
    if (cap != NULL && strcmp(cap, "baseline") == 0) max_level = 0;
    if (cap != NULL && strcmp(cap, "avx2") == 0) max_level = 2;
    __builtin_cpu_init();
    if (max_level >= 3 && __builtin_cpu_supports("avx512f")) {
        fp_simd = avx512;
    } else if (max_level >= 2 && __builtin_cpu_supports("avx2")
               && __builtin_cpu_supports("fma")) {
        fp_simd = avx2;
    }
}
#endif

static inline int fp_simd_level(void) { return fp_simd.level; }

/* The routines by the element type of x (C11 _Generic), through the table chosen at
   load time: fp_dot(n, x, xbar, r) runs fp_simd.dot_d for double x, dot_f for float. */
#define FP_TYPED(x, NAME)                                                                 \
    _Generic((x), const double*: fp_simd.NAME##_d, double*: fp_simd.NAME##_d,             \
             const float*: fp_simd.NAME##_f, float*: fp_simd.NAME##_f)
#define fp_dot(n, x, xbar, r) FP_TYPED(x, dot)(n, x, xbar, r)
#define fp_wdot(n, x, xbar, s, r) FP_TYPED(x, wdot)(n, x, xbar, s, r)
#define fp_sum(n, x) FP_TYPED(x, sum)(n, x)
#define fp_sqdev(n, x, xbar, s) FP_TYPED(x, sqdev)(n, x, xbar, s)
#define fp_axpy(n, alpha, x, xbar, r) FP_TYPED(x, axpy)(n, alpha, x, xbar, r)
#define fp_spdot(n, x, ind, s, r) FP_TYPED(x, spdot)(n, x, ind, s, r)
#define fp_spaxpy(n, alpha, x, ind, r) FP_TYPED(x, spaxpy)(n, alpha, x, ind, r)

#endif
