// Whole-array float loops that Swift leaves scalar on a default build: a sum (strict IEEE order
// forbids vectorizing a single running total) and the logistic function (expf is a library call
// per element). Each is compiled per instruction set and chosen once at run time, as the other
// kernels are (see include/CKernels.h).
#include "CKernels.h"

#include <stdint.h>

// exp(x) for x in [-87.3, 88.7] (clamped outside): 2^n * e^r with n = round(x / ln 2) and a
// degree-6 polynomial for e^r on |r| <= ln2 / 2 (Cephes' coefficients); about 2 ulp, no table,
// no branch, so the loop around it vectorizes.
static inline float ck_exp(float x) {
    x = x > 88.7f ? 88.7f : x;
    x = x < -87.3f ? -87.3f : x;
    float n = __builtin_rintf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    __builtin_memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#define CK_SUM_BODY                                                                                        \
    float lanes[32] = {0};                                                                                 \
    ptrdiff_t i = 0;                                                                                       \
    for (; i + 32 <= count; i += 32)                                                                       \
        for (int lane = 0; lane < 32; lane++) lanes[lane] += values[i + lane];                             \
    float total = 0;                                                                                       \
    for (int lane = 0; lane < 32; lane++) total += lanes[lane];                                            \
    for (; i < count; i++) total += values[i];                                                             \
    return total;

#define CK_SIGMOID_BODY                                                                                    \
    for (ptrdiff_t i = 0; i < count; i++) output[i] = 1.0f / (1.0f + ck_exp(-input[i]));

static float sum_portable(const float *values, ptrdiff_t count) { CK_SUM_BODY }
static void sigmoid_portable(const float *input, float *output, ptrdiff_t count) { CK_SIGMOID_BODY }

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static float sum_avx2(const float *values, ptrdiff_t count) { CK_SUM_BODY }
__attribute__((target("avx512f"))) static float sum_avx512(const float *values, ptrdiff_t count) { CK_SUM_BODY }
__attribute__((target("avx2,fma"))) static void sigmoid_avx2(const float *input, float *output, ptrdiff_t count) {
    CK_SIGMOID_BODY
}
__attribute__((target("avx512f"))) static void sigmoid_avx512(const float *input, float *output, ptrdiff_t count) {
    CK_SIGMOID_BODY
}
#endif

typedef float (*sum_function)(const float *, ptrdiff_t);
typedef void (*sigmoid_function)(const float *, float *, ptrdiff_t);

static int widest(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

float ck_sum(const float *values, ptrdiff_t count) {
    static sum_function chosen;
    sum_function function = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (!function) {
        function = sum_portable;
#if defined(__x86_64__)
        int level = widest();
        if (level == 2) function = sum_avx512;
        else if (level == 1) function = sum_avx2;
#endif
        __atomic_store_n(&chosen, function, __ATOMIC_RELAXED);
    }
    return function(values, count);
}

void ck_sigmoid(const float *input, float *output, ptrdiff_t count) {
    static sigmoid_function chosen;
    sigmoid_function function = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (!function) {
        function = sigmoid_portable;
#if defined(__x86_64__)
        int level = widest();
        if (level == 2) function = sigmoid_avx512;
        else if (level == 1) function = sigmoid_avx2;
#endif
        __atomic_store_n(&chosen, function, __ATOMIC_RELAXED);
    }
    function(input, output, count);
}
