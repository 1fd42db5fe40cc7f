// The pointwise tail of a fused convolution (see include/CKernels.h), one loop per activation so
// each compiles to straight vector code; the run-time choice of instruction set is the same as
// for the other kernels. The loops are plain C: with a target attribute the compiler vectorizes
// them at that width.
#include "CKernels.h"
#include "isa_dispatch.h"

#define CK_EPILOGUE_BODY                                                                                  \
    if (affine) {                                                                                         \
        for (ptrdiff_t i = 0; i < count; i++) values[i] = values[i] * scale + shift;                      \
    }                                                                                                     \
    switch (activation) {                                                                                 \
    case CK_ACTIVATION_RELU:                                                                              \
        for (ptrdiff_t i = 0; i < count; i++) values[i] = values[i] < 0 ? 0 : values[i];                  \
        break;                                                                                            \
    case CK_ACTIVATION_CLIP:                                                                              \
        for (ptrdiff_t i = 0; i < count; i++) {                                                           \
            float x = values[i];                                                                          \
            x = x < p1 ? p1 : x;                                                                          \
            values[i] = x > p2 ? p2 : x;                                                                  \
        }                                                                                                 \
        break;                                                                                            \
    case CK_ACTIVATION_LEAKY_RELU:                                                                        \
        for (ptrdiff_t i = 0; i < count; i++) values[i] = values[i] < 0 ? values[i] * p1 : values[i];     \
        break;                                                                                            \
    case CK_ACTIVATION_HARD_SIGMOID:                                                                      \
        for (ptrdiff_t i = 0; i < count; i++) {                                                           \
            float y = p1 * values[i] + p2;                                                                \
            y = y > 1 ? 1 : y;                                                                            \
            values[i] = y < 0 ? 0 : y;                                                                    \
        }                                                                                                 \
        break;                                                                                            \
    case CK_ACTIVATION_HARD_SWISH:                                                                        \
        for (ptrdiff_t i = 0; i < count; i++) {                                                           \
            float x = values[i], y = x * (1.0f / 6.0f) + 0.5f;                                            \
            y = y > 1 ? 1 : y;                                                                            \
            y = y < 0 ? 0 : y;                                                                            \
            values[i] = x * y;                                                                            \
        }                                                                                                 \
        break;                                                                                            \
    default:                                                                                              \
        break;                                                                                            \
    }

static void epilogue_portable(float *values, ptrdiff_t count, float scale, float shift, int affine, int activation, float p1,
                              float p2) {
    CK_EPILOGUE_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void epilogue_avx2(float *values, ptrdiff_t count, float scale, float shift,
                                                              int affine, int activation, float p1, float p2) {
    CK_EPILOGUE_BODY
}

__attribute__((target("avx512f"))) static void epilogue_avx512(float *values, ptrdiff_t count, float scale, float shift,
                                                               int affine, int activation, float p1, float p2) {
    CK_EPILOGUE_BODY
}
#endif


void ck_conv_epilogue(float *values, ptrdiff_t count, float scale, float shift, int affine, int activation, float p1, float p2) {
    CK_PICK(epilogue_portable, epilogue_avx2, epilogue_avx512)(values, count, scale, shift, affine, activation, p1, p2);
}
