/* Products of a design X with many targets at once, each target's numbers
 * independent of the other targets (fastpen._batch.target_products).
 *
 * A BLAS GEMM for X^T R splits and orders its sums according to the shapes and
 * memory layouts it is given, so a target's entries change in the last bits
 * with the other columns of R (measured: 1e-14 relative between R in C and
 * Fortran order, or R cut into blocks).  Here R is held in tiles of 8
 * targets, (n, 8) row-major, and each target is one SIMD lane: every entry
 *
 *     acc[j][l] = sum_i c_ij r_il,   i = 0, 1, ..., n - 1 in order
 *
 * is a plain sequential sum whatever the tiling, the row blocking (acc
 * carries the sum from one block of rows to the next), the number of
 * targets or the thread that computes it.  The lanes are independent (no
 * horizontal sum), so an AVX2 body and an SSE2 body give each lane the same
 * operations; only the multiply-add differs between variants (fused with FMA,
 * two roundings without), chosen once per process from the CPU as in _simd.h
 * (FASTPEN_SIMD=baseline caps it).  c is a block of X already centred (and
 * converted to double) by the caller: 4 columns x 8 lanes keep 8 AVX2
 * accumulators busy, about 50 GFlop/s on one core (as fast as OpenBLAS's
 * DGEMM there); centring inside the loop cost a third of that.
 *
 *   fp_xtr4(m, c, ldc, r, acc): 4 columns c[j*ldc + i] (j < 4), m rows, r (m, 8),
 *       acc (4, 8) updated in place
 *   fp_xtr1(m, c, r, acc):      1 column, acc (8,)
 */
#ifndef FASTPEN_XTR_H
#define FASTPEN_XTR_H

#include <stddef.h>

#define FP_XTR_LANES 8

/* MSVC's /openmp (OpenMP 2.0) rejects "omp simd" (error C3001): see _simd.h */
#if defined(_MSC_VER) && !defined(__clang__)
#define FP_XTR_SIMD
#elif defined(_OPENMP) || defined(__clang__) || defined(__GNUC__)
#define FP_XTR_SIMD _Pragma("omp simd")
#else
#define FP_XTR_SIMD
#endif

#define FP_MADD_PLAIN(a, b, c) ((c) + (a) * (b))
#define FP_MADD_FUSED(a, b, c) __builtin_fma((a), (b), (c))

#define FP_XTR_KERNELS(TAG, ATTR, MADD)                                                   \
    ATTR static void fp_xtr4_##TAG(int m, const double* c, ptrdiff_t ldc, const double* r,\
                                   double* acc) {                                        \
        double a0[FP_XTR_LANES], a1[FP_XTR_LANES], a2[FP_XTR_LANES], a3[FP_XTR_LANES];    \
        const double* c0 = c;                                                             \
        const double* c1 = c + ldc;                                                       \
        const double* c2 = c + 2 * ldc;                                                   \
        const double* c3 = c + 3 * ldc;                                                   \
        for (int l = 0; l < FP_XTR_LANES; l++) {                                          \
            a0[l] = acc[l];                                                               \
            a1[l] = acc[FP_XTR_LANES + l];                                                \
            a2[l] = acc[2 * FP_XTR_LANES + l];                                            \
            a3[l] = acc[3 * FP_XTR_LANES + l];                                            \
        }                                                                                 \
        for (int i = 0; i < m; i++) {                                                     \
            const double d0 = c0[i], d1 = c1[i], d2 = c2[i], d3 = c3[i];                  \
            const double* ri = r + (ptrdiff_t)i * FP_XTR_LANES;                           \
            FP_XTR_SIMD                                                                   \
            for (int l = 0; l < FP_XTR_LANES; l++) {                                      \
                a0[l] = MADD(d0, ri[l], a0[l]);                                           \
                a1[l] = MADD(d1, ri[l], a1[l]);                                           \
                a2[l] = MADD(d2, ri[l], a2[l]);                                           \
                a3[l] = MADD(d3, ri[l], a3[l]);                                           \
            }                                                                             \
        }                                                                                 \
        for (int l = 0; l < FP_XTR_LANES; l++) {                                          \
            acc[l] = a0[l];                                                               \
            acc[FP_XTR_LANES + l] = a1[l];                                                \
            acc[2 * FP_XTR_LANES + l] = a2[l];                                            \
            acc[3 * FP_XTR_LANES + l] = a3[l];                                            \
        }                                                                                 \
    }                                                                                     \
    ATTR static void fp_xtr1_##TAG(int m, const double* c, const double* r, double* acc) {\
        double a0[FP_XTR_LANES];                                                          \
        for (int l = 0; l < FP_XTR_LANES; l++) a0[l] = acc[l];                            \
        for (int i = 0; i < m; i++) {                                                     \
            const double d0 = c[i];                                                       \
            const double* ri = r + (ptrdiff_t)i * FP_XTR_LANES;                           \
            FP_XTR_SIMD                                                                   \
            for (int l = 0; l < FP_XTR_LANES; l++) a0[l] = MADD(d0, ri[l], a0[l]);        \
        }                                                                                 \
        for (int l = 0; l < FP_XTR_LANES; l++) acc[l] = a0[l];                            \
    }

FP_XTR_KERNELS(base, , FP_MADD_PLAIN)

typedef void (*fp_xtr4_t)(int, const double*, ptrdiff_t, const double*, double*);
typedef void (*fp_xtr1_t)(int, const double*, const double*, double*);

typedef struct {
    int fused;
    fp_xtr4_t xtr4;
    fp_xtr1_t xtr1;
} fp_xtr_table;

static fp_xtr_table fp_xtr = {0, fp_xtr4_base, fp_xtr1_base};

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <stdlib.h>
#include <string.h>
FP_XTR_KERNELS(fma, __attribute__((target("avx2,fma"))), FP_MADD_FUSED)

/* Runs when the extension is loaded, before any product can be computed. */
__attribute__((constructor)) static void fp_xtr_select(void) {
    const char* cap = getenv("FASTPEN_SIMD");
    __builtin_cpu_init();
    if (!(cap != NULL && strcmp(cap, "baseline") == 0) && __builtin_cpu_supports("avx2")
        && __builtin_cpu_supports("fma")) {
        fp_xtr.fused = 1;
        fp_xtr.xtr4 = fp_xtr4_fma;
        fp_xtr.xtr1 = fp_xtr1_fma;
    }
}
#endif

static inline int fp_xtr_fused(void) { return fp_xtr.fused; }
static inline void fp_xtr4(int m, const double* c, ptrdiff_t ldc, const double* r,
                           double* acc) {
    fp_xtr.xtr4(m, c, ldc, r, acc);
}
static inline void fp_xtr1(int m, const double* c, const double* r, double* acc) {
    fp_xtr.xtr1(m, c, r, acc);
}

#endif
