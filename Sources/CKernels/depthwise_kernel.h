// One depthwise 2-D convolution body, included once per instruction set by depthwise.c with
// CK_NAME, CK_TARGET, CK_VECTOR and CK_WIDTH defined (the same scheme as sgemm_micro_kernel.h).
// `padded` is the input plane with its zero border already in place and each row split into
// `stride_w` phases of `phase_w` floats (see depthwise.c), so every tap of every output vector is
// one contiguous load with no bounds check, whatever the stride.

CK_TARGET static void CK_NAME(const ck_depthwise_problem *p, const float *padded, ptrdiff_t phase_w,
                              const ptrdiff_t *tap_offsets, const float *kernel, float *output) {
    const ptrdiff_t padded_w = phase_w * p->stride_w;
    const ptrdiff_t out_w = p->out_w, kh = p->kernel_h, kw = p->kernel_w;
    for (ptrdiff_t oy = 0; oy < p->out_h; oy++) {
        float *out = output + oy * out_w;
        const float *rows = padded + oy * p->stride_h * padded_w;
        for (ptrdiff_t ox = 0; ox < out_w; ox += CK_WIDTH) {
            const ptrdiff_t lanes = out_w - ox < CK_WIDTH ? out_w - ox : CK_WIDTH;
            CK_VECTOR acc = {0};
            if (lanes == CK_WIDTH) {
                __builtin_memcpy(&acc, out + ox, sizeof acc);
            } else {
                for (ptrdiff_t lane = 0; lane < lanes; lane++) acc[lane] = out[ox + lane];
            }
            for (ptrdiff_t ky = 0; ky < kh; ky++) {
                const float *row = rows + ky * p->dilation_h * padded_w + ox;
                const float *taps = kernel + ky * kw;
                for (ptrdiff_t kx = 0; kx < kw; kx++) {
                    CK_VECTOR values;
                    __builtin_memcpy(&values, row + tap_offsets[kx], sizeof values);
                    acc += taps[kx] * values;
                }
            }
            if (lanes == CK_WIDTH) {
                __builtin_memcpy(out + ox, &acc, sizeof acc);
            } else {
                for (ptrdiff_t lane = 0; lane < lanes; lane++) out[ox + lane] = acc[lane];
            }
        }
    }
}

#undef CK_NAME
#undef CK_TARGET
#undef CK_VECTOR
#undef CK_WIDTH
