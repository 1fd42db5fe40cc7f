// SGEMM micro-kernels and the run-time choice between them (see include/CKernels.h).
#include "CKernels.h"

typedef float ck_float4 __attribute__((vector_size(16)));
typedef float ck_float8 __attribute__((vector_size(32)));
typedef float ck_float16 __attribute__((vector_size(64)));

// Each kernel comes in two widths: nr columns, and nr / 2 for a ragged last panel (e.g. N = 40
// with nr = 32 would otherwise spend 3/8 of its work on zero padding).

// Portable: vector extensions at the baseline of the target (SSE2 on x86-64, NEON on aarch64).
// x86-64 has 16 vector registers: 6 x 8 keeps 12 accumulators; aarch64 has 32, so 8 x 8 (16
// accumulators) covers the FMA latency of wide cores.
#if defined(__x86_64__)
#define CK_PORTABLE_MR 6
#else
#define CK_PORTABLE_MR 8
#endif

#define CK_NAME sgemm_portable
#define CK_TARGET
#define CK_VECTOR ck_float4
#define CK_WIDTH 4
#define CK_MR CK_PORTABLE_MR
#define CK_NV 2
#include "sgemm_micro_kernel.h"

#define CK_NAME sgemm_portable_narrow
#define CK_TARGET
#define CK_VECTOR ck_float4
#define CK_WIDTH 4
#define CK_MR CK_PORTABLE_MR
#define CK_NV 1
#include "sgemm_micro_kernel.h"

static const ck_sgemm_kernel_info portable = {sgemm_portable, sgemm_portable_narrow, CK_PORTABLE_MR, 8, "portable"};

#if defined(__x86_64__)
// AVX2 + FMA: 16 ymm registers; 6 rows x 2 vectors = 12 accumulators, 2 for B, 1 broadcast.
#define CK_NAME sgemm_avx2
#define CK_TARGET __attribute__((target("avx2,fma")))
#define CK_VECTOR ck_float8
#define CK_WIDTH 8
#define CK_MR 6
#define CK_NV 2
#include "sgemm_micro_kernel.h"

#define CK_NAME sgemm_avx2_narrow
#define CK_TARGET __attribute__((target("avx2,fma")))
#define CK_VECTOR ck_float8
#define CK_WIDTH 8
#define CK_MR 6
#define CK_NV 1
#include "sgemm_micro_kernel.h"

// AVX-512: 32 zmm registers; 8 rows x 2 vectors = 16 accumulators (enough to cover 4-cycle FMA
// latency on two 512-bit pipes), and mr = 8 divides the channel counts of typical conv nets.
#define CK_NAME sgemm_avx512
#define CK_TARGET __attribute__((target("avx512f")))
#define CK_VECTOR ck_float16
#define CK_WIDTH 16
#define CK_MR 8
#define CK_NV 2
#include "sgemm_micro_kernel.h"

#define CK_NAME sgemm_avx512_narrow
#define CK_TARGET __attribute__((target("avx512f")))
#define CK_VECTOR ck_float16
#define CK_WIDTH 16
#define CK_MR 8
#define CK_NV 1
#include "sgemm_micro_kernel.h"

static const ck_sgemm_kernel_info avx2 = {sgemm_avx2, sgemm_avx2_narrow, 6, 16, "avx2"};
static const ck_sgemm_kernel_info avx512 = {sgemm_avx512, sgemm_avx512_narrow, 8, 32, "avx512"};
#endif

static int supported(const ck_sgemm_kernel_info *info) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (info == &avx512) return __builtin_cpu_supports("avx512f");
    if (info == &avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return info == &portable;
}

const ck_sgemm_kernel_info *ck_sgemm_kernel_named(const char *name) {
    static const ck_sgemm_kernel_info *const all[] = {
#if defined(__x86_64__)
        &avx512, &avx2,
#endif
        &portable,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (__builtin_strcmp(all[i]->name, name) == 0) return supported(all[i]) ? all[i] : NULL;
    }
    return NULL;
}

const ck_sgemm_kernel_info *ck_sgemm_kernel(void) {
    // Every thread that races here computes the same answer, so a relaxed cache is enough.
    static const ck_sgemm_kernel_info *chosen;
    const ck_sgemm_kernel_info *kernel = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (kernel) return kernel;
    kernel = ck_sgemm_kernel_named("avx512");
    if (!kernel) kernel = ck_sgemm_kernel_named("avx2");
    if (!kernel) kernel = &portable;
    __atomic_store_n(&chosen, kernel, __ATOMIC_RELAXED);
    return kernel;
}
