// SGEMM for a handful of output columns (see include/CKernels.h), with the run-time choice of
// instruction set.
#include "CKernels.h"

typedef float ck_float4 __attribute__((vector_size(16)));
typedef float ck_float8 __attribute__((vector_size(32)));
typedef float ck_float16 __attribute__((vector_size(64)));

#define CK_SMALL_N_MAX 8

#define CK_NAME small_n_portable
#define CK_TARGET
#define CK_VECTOR ck_float4
#define CK_WIDTH 4
#include "sgemm_small_n_kernel.h"

#if defined(__x86_64__)
#define CK_NAME small_n_avx2
#define CK_TARGET __attribute__((target("avx2,fma")))
#define CK_VECTOR ck_float8
#define CK_WIDTH 8
#include "sgemm_small_n_kernel.h"

#define CK_NAME small_n_avx512
#define CK_TARGET __attribute__((target("avx512f")))
#define CK_VECTOR ck_float16
#define CK_WIDTH 16
#include "sgemm_small_n_kernel.h"
#endif

typedef void (*small_n_function)(ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, const float *, float *, ptrdiff_t,
                                 float, float);

static small_n_function chosen_small_n(void) {
    static small_n_function chosen;
    small_n_function function = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (function) return function;
    function = small_n_portable;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) function = small_n_avx512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) function = small_n_avx2;
#endif
    __atomic_store_n(&chosen, function, __ATOMIC_RELAXED);
    return function;
}

ptrdiff_t ck_sgemm_small_n_max(void) { return CK_SMALL_N_MAX; }

void ck_sgemm_small_n(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *bt, float *c,
                      ptrdiff_t ldc, float alpha, float beta) {
    chosen_small_n()(m, n, k, a, lda, bt, c, ldc, alpha, beta);
}
