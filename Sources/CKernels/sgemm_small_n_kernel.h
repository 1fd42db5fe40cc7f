// One small-N SGEMM body, included once per instruction set by sgemm_small_n.c with CK_NAME,
// CK_TARGET, CK_VECTOR and CK_WIDTH defined (the scheme of sgemm_micro_kernel.h).

CK_TARGET static void CK_NAME(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *bt,
                              float *c, ptrdiff_t ldc, float alpha, float beta) {
    for (ptrdiff_t i = 0; i < m; i++) {
        const float *row = a + i * lda;
        CK_VECTOR acc[CK_SMALL_N_MAX];
        for (int j = 0; j < CK_SMALL_N_MAX; j++) acc[j] = (CK_VECTOR){0};
        ptrdiff_t p = 0;
        for (; p + CK_WIDTH <= k; p += CK_WIDTH) {
            CK_VECTOR x;
            __builtin_memcpy(&x, row + p, sizeof x);
            for (int j = 0; j < CK_SMALL_N_MAX; j++) {
                if (j < n) {
                    CK_VECTOR y;
                    __builtin_memcpy(&y, bt + j * k + p, sizeof y);
                    acc[j] += x * y;
                }
            }
        }
        for (ptrdiff_t j = 0; j < n; j++) {
            float sum = 0;
            for (int lane = 0; lane < CK_WIDTH; lane++) sum += acc[j][lane];
            for (ptrdiff_t q = p; q < k; q++) sum += row[q] * bt[j * k + q];
            float *target = c + i * ldc + j;
            *target = beta == 0 ? alpha * sum : alpha * sum + beta * *target;
        }
    }
}

#undef CK_NAME
#undef CK_TARGET
#undef CK_VECTOR
#undef CK_WIDTH
