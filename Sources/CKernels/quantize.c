// Float to 8-bit quantization and the range scan DynamicQuantizeLinear needs: whole-array loops that Swift leaves
// scalar (a generic saturating conversion per element), compiled per instruction set and chosen once at run time.
#include "CKernels.h"
#include "isa_dispatch.h"

#include <stdint.h>

// `rint(x / scale) + zero_point` clamped to [low, high]; a NaN (given, or made by the division) maps to the zero point. rint rounds half to even in the
// default rounding mode, as ONNX asks, and compiles to a vector round.
#define CK_QUANTIZE_BODY(type, low, high)                                                                  \
    for (ptrdiff_t i = 0; i < count; i++) {                                                                \
        float q = __builtin_rintf(input[i] / scale) + zero_point;                                         \
        q = q != q ? zero_point : q; /* NaN in, or made here (0/0, inf/inf): the conversion below needs a number */ \
        q = q < (low) ? (low) : q;                                                                         \
        q = q > (high) ? (high) : q;                                                                       \
        output[i] = (type)(int32_t)q;                                                                      \
    }

// The smallest and largest value (NaN ignored), starting from 0 as DynamicQuantizeLinear's range does.
#define CK_RANGE_BODY                                                                                      \
    float lows[16] = {0}, highs[16] = {0};                                                                 \
    ptrdiff_t i = 0;                                                                                       \
    for (; i + 16 <= count; i += 16)                                                                       \
        for (int lane = 0; lane < 16; lane++) {                                                            \
            float v = input[i + lane];                                                                     \
            lows[lane] = v < lows[lane] ? v : lows[lane];                                                  \
            highs[lane] = v > highs[lane] ? v : highs[lane];                                               \
        }                                                                                                  \
    float lo = 0, hi = 0;                                                                                  \
    for (int lane = 0; lane < 16; lane++) {                                                                \
        lo = lows[lane] < lo ? lows[lane] : lo;                                                            \
        hi = highs[lane] > hi ? highs[lane] : hi;                                                          \
    }                                                                                                      \
    for (; i < count; i++) {                                                                               \
        lo = input[i] < lo ? input[i] : lo;                                                                \
        hi = input[i] > hi ? input[i] : hi;                                                                \
    }                                                                                                      \
    *low = lo;                                                                                             \
    *high = hi;

// `(input[i] - zero_point) * scale`: exact in float for 8-bit inputs, so every build gives the same bits.
#define CK_DEQUANTIZE_BODY for (ptrdiff_t i = 0; i < count; i++) output[i] = ((float)input[i] - zero_point) * scale;

static void dequantize_u8_portable(const uint8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_DEQUANTIZE_BODY
}
static void dequantize_s8_portable(const int8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_DEQUANTIZE_BODY
}

static void quantize_u8_portable(const float *input, uint8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_QUANTIZE_BODY(uint8_t, 0.0f, 255.0f)
}
static void quantize_s8_portable(const float *input, int8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_QUANTIZE_BODY(int8_t, -128.0f, 127.0f)
}
static void range_portable(const float *input, ptrdiff_t count, float *low, float *high) { CK_RANGE_BODY }

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void quantize_u8_avx2(
    const float *input, uint8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_QUANTIZE_BODY(uint8_t, 0.0f, 255.0f)
}
__attribute__((target("avx512f,avx512bw"))) static void quantize_u8_avx512(
    const float *input, uint8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_QUANTIZE_BODY(uint8_t, 0.0f, 255.0f)
}
__attribute__((target("avx2,fma"))) static void quantize_s8_avx2(
    const float *input, int8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_QUANTIZE_BODY(int8_t, -128.0f, 127.0f)
}
__attribute__((target("avx512f,avx512bw"))) static void quantize_s8_avx512(
    const float *input, int8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_QUANTIZE_BODY(int8_t, -128.0f, 127.0f)
}
__attribute__((target("avx2"))) static void dequantize_u8_avx2(
    const uint8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_DEQUANTIZE_BODY
}
__attribute__((target("avx512f,avx512bw"))) static void dequantize_u8_avx512(
    const uint8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_DEQUANTIZE_BODY
}
__attribute__((target("avx2"))) static void dequantize_s8_avx2(
    const int8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_DEQUANTIZE_BODY
}
__attribute__((target("avx512f,avx512bw"))) static void dequantize_s8_avx512(
    const int8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_DEQUANTIZE_BODY
}
__attribute__((target("avx2,fma"))) static void range_avx2(const float *input, ptrdiff_t count, float *low, float *high) {
    CK_RANGE_BODY
}
__attribute__((target("avx512f"))) static void range_avx512(const float *input, ptrdiff_t count, float *low, float *high) {
    CK_RANGE_BODY
}
#endif

void ck_quantize_u8(const float *input, uint8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_PICK(quantize_u8_portable, quantize_u8_avx2, quantize_u8_avx512)(input, output, count, scale, zero_point);
}

void ck_quantize_s8(const float *input, int8_t *output, ptrdiff_t count, float scale, float zero_point) {
    CK_PICK(quantize_s8_portable, quantize_s8_avx2, quantize_s8_avx512)(input, output, count, scale, zero_point);
}

void ck_range_with_zero(const float *input, ptrdiff_t count, float *low, float *high) {
    CK_PICK(range_portable, range_avx2, range_avx512)(input, count, low, high);
}

void ck_dequantize_u8(const uint8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_PICK(dequantize_u8_portable, dequantize_u8_avx2, dequantize_u8_avx512)(input, output, count, scale, zero_point);
}

void ck_dequantize_s8(const int8_t *input, float *output, ptrdiff_t count, float scale, float zero_point) {
    CK_PICK(dequantize_s8_portable, dequantize_s8_avx2, dequantize_s8_avx512)(input, output, count, scale, zero_point);
}
