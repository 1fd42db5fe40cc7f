// SGEMM for a handful of output columns (see include/CKernels.h), with the run-time choice of
// instruction set.
#include "CKernels.h"
#include "isa_dispatch.h"

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


ptrdiff_t ck_sgemm_small_n_max(void) { return CK_SMALL_N_MAX; }

void ck_sgemm_small_n(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *bt, float *c,
                      ptrdiff_t ldc, float alpha, float beta) {
    CK_PICK(small_n_portable, small_n_avx2, small_n_avx512)(m, n, k, a, lda, bt, c, ldc, alpha, beta);
}
