// Whole-array float loops that Swift leaves scalar on a default build: a sum (strict IEEE order
// forbids vectorizing a single running total) and the logistic function (expf is a library call
// per element). Each is compiled per instruction set and chosen once at run time, as the other
// kernels are (see include/CKernels.h).
#include "CKernels.h"
#include "isa_dispatch.h"

#include <stdint.h>

// exp(x) for x in [-87.3, 88.3] (clamped outside): 2^n * e^r with n = round(x / ln 2) and a
// degree-6 polynomial for e^r on |r| <= ln2 / 2 (Cephes' coefficients); about 2 ulp, no table,
// no branch, so the loop around it vectorizes.
static inline float exp_one(float x) {
    x = x > 88.3f ? 88.3f : x;  // 2^127 at most: the exponent bits below stay finite
    x = x < -87.3f ? -87.3f : x;
    float n = __builtin_rintf(x * 1.44269504088896341f);
    n = n == n ? n : 0;  // NaN: keep the integer conversion below defined; the result stays NaN via p
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

// tanh(x): Eigen's rational approximation (max relative error 3.4e-7 over all floats, measured
// against float64 tanh); tiny inputs return themselves and NaN passes through.
static inline float tanh_one(float value) {
    const float limit = 7.90531110763549805f;
    float x = value > limit ? limit : value;
    x = x < -limit ? -limit : x;
    float x2 = x * x;
    float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
    p = x2 * p + -8.60467152213735e-11f;
    p = x2 * p + 5.12229709037114e-08f;
    p = x2 * p + 1.48572235717979e-05f;
    p = x2 * p + 6.37261928875436e-04f;
    p = x2 * p + 4.89352455891786e-03f;
    p = x * p;
    float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
    q = x2 * q + 2.26843463243900e-03f;
    q = x2 * q + 4.89352518554385e-03f;
    float tiny = (value < 0.0004f && value > -0.0004f) || value != value;
    return tiny ? value : p / q;
}

#define CK_TANH_BODY for (ptrdiff_t i = 0; i < count; i++) output[i] = tanh_one(input[i]);

#define CK_SWISH_BODY for (ptrdiff_t i = 0; i < count; i++) output[i] = input[i] / (1.0f + exp_one(-input[i]));

#define CK_SIGMOID_BODY                                                                                    \
    for (ptrdiff_t i = 0; i < count; i++) output[i] = 1.0f / (1.0f + exp_one(-input[i]));

static float sum_portable(const float *values, ptrdiff_t count) { CK_SUM_BODY }
static void sigmoid_portable(const float *input, float *output, ptrdiff_t count) { CK_SIGMOID_BODY }
static void tanh_portable(const float *input, float *output, ptrdiff_t count) { CK_TANH_BODY }
static void swish_portable(const float *input, float *output, ptrdiff_t count) { CK_SWISH_BODY }

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static float sum_avx2(const float *values, ptrdiff_t count) { CK_SUM_BODY }
__attribute__((target("avx512f"))) static float sum_avx512(const float *values, ptrdiff_t count) { CK_SUM_BODY }
__attribute__((target("avx2,fma"))) static void sigmoid_avx2(const float *input, float *output, ptrdiff_t count) {
    CK_SIGMOID_BODY
}
__attribute__((target("avx512f"))) static void sigmoid_avx512(const float *input, float *output, ptrdiff_t count) {
    CK_SIGMOID_BODY
}
__attribute__((target("avx2,fma"))) static void tanh_avx2(const float *input, float *output, ptrdiff_t count) { CK_TANH_BODY }
__attribute__((target("avx512f"))) static void tanh_avx512(const float *input, float *output, ptrdiff_t count) { CK_TANH_BODY }
__attribute__((target("avx2,fma"))) static void swish_avx2(const float *input, float *output, ptrdiff_t count) { CK_SWISH_BODY }
__attribute__((target("avx512f"))) static void swish_avx512(const float *input, float *output, ptrdiff_t count) { CK_SWISH_BODY }
#endif

float ck_sum(const float *values, ptrdiff_t count) {
    return CK_PICK(sum_portable, sum_avx2, sum_avx512)(values, count);
}

void ck_sigmoid(const float *input, float *output, ptrdiff_t count) {
    CK_PICK(sigmoid_portable, sigmoid_avx2, sigmoid_avx512)(input, output, count);
}

void ck_tanh(const float *input, float *output, ptrdiff_t count) {
    CK_PICK(tanh_portable, tanh_avx2, tanh_avx512)(input, output, count);
}

void ck_swish(const float *input, float *output, ptrdiff_t count) {
    CK_PICK(swish_portable, swish_avx2, swish_avx512)(input, output, count);
}
