// Depthwise 2-D convolution of one channel, with the run-time choice of instruction set
// (see include/CKernels.h).
#include "CKernels.h"
#include "isa_dispatch.h"

typedef float ck_float4 __attribute__((vector_size(16)));
typedef float ck_float8 __attribute__((vector_size(32)));
typedef float ck_float16 __attribute__((vector_size(64)));

#define CK_NAME depthwise_portable
#define CK_TARGET
#define CK_VECTOR ck_float4
#define CK_WIDTH 4
#include "depthwise_kernel.h"

#if defined(__x86_64__)
#define CK_NAME depthwise_avx2
#define CK_TARGET __attribute__((target("avx2,fma")))
#define CK_VECTOR ck_float8
#define CK_WIDTH 8
#include "depthwise_kernel.h"

#define CK_NAME depthwise_avx512
#define CK_TARGET __attribute__((target("avx512f")))
#define CK_VECTOR ck_float16
#define CK_WIDTH 16
#include "depthwise_kernel.h"
#endif


/// Widest vector of any kernel, in floats: each row phase carries this much slack so a last,
/// partial vector may read past the needed columns.
#define CK_MAX_WIDTH 16

// The padded plane: rows and columns every tap of every output reads, each row split into stride_w
// phases (phase f holds padded columns f, f + s, f + 2s, ...), followed by the kernel-column offsets.
static ptrdiff_t padded_rows(const ck_depthwise_problem *p) {
    return (p->out_h - 1) * p->stride_h + (p->kernel_h - 1) * p->dilation_h + 1;
}
static ptrdiff_t needed_columns(const ck_depthwise_problem *p) {
    return (p->out_w - 1) * p->stride_w + (p->kernel_w - 1) * p->dilation_w + 1;
}
static ptrdiff_t phase_width(const ck_depthwise_problem *p) {
    return (needed_columns(p) + p->stride_w - 1) / p->stride_w + CK_MAX_WIDTH;
}

size_t ck_depthwise_scratch_bytes(const ck_depthwise_problem *p) {
    size_t floats = (size_t)(padded_rows(p) * phase_width(p) * p->stride_w);
    return floats * sizeof(float) + (size_t)p->kernel_w * sizeof(ptrdiff_t);
}

void ck_depthwise_conv2d(const ck_depthwise_problem *p, const float *input, const float *kernel, float *output, void *scratch) {
    const ptrdiff_t s = p->stride_w, rows = padded_rows(p), needed = needed_columns(p), phase_w = phase_width(p);
    float *padded = scratch;
    ptrdiff_t *tap_offsets = (ptrdiff_t *)(padded + rows * phase_w * s);
    for (ptrdiff_t kx = 0; kx < p->kernel_w; kx++) {
        const ptrdiff_t column = kx * p->dilation_w;
        tap_offsets[kx] = (column % s) * phase_w + column / s;
    }
    for (ptrdiff_t y = 0; y < rows; y++) {
        const ptrdiff_t iy = y - p->pad_top;
        float *row = padded + y * phase_w * s;
        if (iy < 0 || iy >= p->height) {
            __builtin_memset(row, 0, (size_t)(phase_w * s) * sizeof(float));
            continue;
        }
        const float *source = input + iy * p->width;
        // Padded column c holds input column c - pad_left. Only the columns inside the image are
        // copied, as one tight loop per phase; the border is zeroed around them.
        for (ptrdiff_t f = 0; f < s; f++) {
            float *phase = row + f * phase_w;
            // Entries i with 0 <= i * s + f - pad_left < width and i * s + f < needed.
            const ptrdiff_t lo_x = p->pad_left - f;
            ptrdiff_t begin = lo_x <= 0 ? 0 : (lo_x + s - 1) / s;
            ptrdiff_t end_image = p->width + p->pad_left - f, end_needed = needed - f;
            ptrdiff_t bound = end_image < end_needed ? end_image : end_needed;
            ptrdiff_t end = bound <= 0 ? 0 : (bound + s - 1) / s;
            if (end < begin) end = begin;
            __builtin_memset(phase, 0, (size_t)begin * sizeof(float));
            __builtin_memset(phase + end, 0, (size_t)(phase_w - end) * sizeof(float));
            const float *from = source + begin * s + f - p->pad_left;
            if (s == 1) {
                if (end > begin) __builtin_memcpy(phase + begin, from, (size_t)(end - begin) * sizeof(float));
            } else {
                for (ptrdiff_t i = begin; i < end; i++) phase[i] = from[(i - begin) * s];
            }
        }
    }
    CK_PICK(depthwise_portable, depthwise_avx2, depthwise_avx512)(p, padded, phase_w, tap_offsets, kernel, output);
}
