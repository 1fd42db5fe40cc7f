// The SGEMM micro-kernel body, instantiated once per instruction set by sgemm.c: define
// CK_NAME, CK_TARGET (a function attribute, possibly empty), CK_VECTOR (a vector_size float
// type of CK_WIDTH lanes), CK_MR (rows) and CK_NV (vectors per row, so nr = CK_WIDTH * CK_NV),
// then include this file. One body keeps the three kernels identical in semantics; the
// compiler unrolls the constant-trip loops and keeps the accumulators in registers.

#define CK_NR (CK_WIDTH * CK_NV)

CK_TARGET static void CK_NAME(ptrdiff_t k, const float *restrict a, const float *restrict b, ptrdiff_t ldb, float *restrict c,
                              ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t columns, float alpha, float beta) {
    CK_VECTOR acc[CK_MR][CK_NV];
    for (int r = 0; r < CK_MR; r++)
        for (int v = 0; v < CK_NV; v++) acc[r][v] = (CK_VECTOR){0};
    for (ptrdiff_t p = 0; p < k; p++) {
        CK_VECTOR vb[CK_NV];
        for (int v = 0; v < CK_NV; v++) __builtin_memcpy(&vb[v], b + v * CK_WIDTH, sizeof(CK_VECTOR));
        for (int r = 0; r < CK_MR; r++) {
            const float s = a[r];
            for (int v = 0; v < CK_NV; v++) acc[r][v] += vb[v] * s;
        }
        a += CK_MR;
        b += ldb;
    }
    if (rows == CK_MR && columns == CK_NR) {
        for (int r = 0; r < CK_MR; r++) {
            for (int v = 0; v < CK_NV; v++) {
                float *target = c + r * ldc + v * CK_WIDTH;
                CK_VECTOR result = acc[r][v];
                if (alpha != 1) result *= alpha;
                if (beta != 0) {
                    CK_VECTOR old;
                    __builtin_memcpy(&old, target, sizeof old);
                    result += beta == 1 ? old : old * beta;
                }
                __builtin_memcpy(target, &result, sizeof result);
            }
        }
        return;
    }
    // Edge tile: spill the accumulators and write only the rows and columns that exist.
    float tile[CK_MR * CK_NR];
    for (int r = 0; r < CK_MR; r++)
        for (int v = 0; v < CK_NV; v++) __builtin_memcpy(tile + r * CK_NR + v * CK_WIDTH, &acc[r][v], sizeof(CK_VECTOR));
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        for (ptrdiff_t j = 0; j < columns; j++) {
            const float value = tile[r * CK_NR + j];
            row[j] = beta == 0 ? alpha * value : alpha * value + beta * row[j];
        }
    }
}

#undef CK_NR
#undef CK_NAME
#undef CK_TARGET
#undef CK_VECTOR
#undef CK_WIDTH
#undef CK_MR
#undef CK_NV
