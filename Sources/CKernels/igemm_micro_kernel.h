// The integer GEMM micro-kernel body, instantiated once per instruction set by igemm.c: define
// CK_NAME, CK_TARGET (a function attribute, possibly empty), CK_VECTOR (a vector_size int type of
// CK_WIDTH int32 lanes) and CK_UVECTOR (its unsigned twin), CK_MR (rows), CK_NV (vectors per row,
// so nr = CK_WIDTH * CK_NV) and CK_DOT(acc, a, b): acc plus, in each int32 lane, the dot product of
// the packed 4-byte groups of a (one A row's word, broadcast) and b (one B column's word).
//
// Packed panels: A holds, per group of k, CK_MR words (one per row); B holds CK_NR words (one per
// column). The accumulators stay in registers across the whole depth; the zero-point correction
//   C = acc - za_r * sum_b_j - zb_j * (sum_a_r - k * za_r)
// is applied on the last slice of k, in unsigned (wrapping) arithmetic.

#define CK_NR (CK_WIDTH * CK_NV)

CK_TARGET static void CK_NAME(ptrdiff_t groups, const unsigned char *restrict a, const unsigned char *restrict b,
                              int *restrict c, ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t columns, int accumulate,
                              const ck_igemm_correction *correction) {
    CK_VECTOR acc[CK_MR][CK_NV];
    for (int r = 0; r < CK_MR; r++)
        for (int v = 0; v < CK_NV; v++) acc[r][v] = (CK_VECTOR){0};
    for (ptrdiff_t g = 0; g < groups; g++) {
        CK_VECTOR vb[CK_NV];
        for (int v = 0; v < CK_NV; v++) __builtin_memcpy(&vb[v], b + v * CK_WIDTH * 4, sizeof(CK_VECTOR));
        for (int r = 0; r < CK_MR; r++) {
            int word;
            __builtin_memcpy(&word, a + r * 4, 4);
            const CK_VECTOR s = (CK_VECTOR){0} + word;
            for (int v = 0; v < CK_NV; v++) acc[r][v] = CK_DOT(acc[r][v], s, vb[v]);
        }
        a += CK_MR * 4;
        b += CK_NR * 4;
    }
    if (correction) {
        CK_UVECTOR sum_b[CK_NV], zero_b[CK_NV];
        for (int v = 0; v < CK_NV; v++) {
            __builtin_memcpy(&sum_b[v], correction->column_sum + v * CK_WIDTH, sizeof(CK_UVECTOR));
            __builtin_memcpy(&zero_b[v], correction->column_zero + v * CK_WIDTH, sizeof(CK_UVECTOR));
        }
        for (int r = 0; r < CK_MR; r++) {
            const unsigned za = (unsigned)correction->row_zero[r], qa = (unsigned)correction->row_q[r];
            for (int v = 0; v < CK_NV; v++)
                acc[r][v] = (CK_VECTOR)((CK_UVECTOR)acc[r][v] - sum_b[v] * za - zero_b[v] * qa);
        }
    }
    if (rows == CK_MR && columns == CK_NR) {
        for (int r = 0; r < CK_MR; r++) {
            for (int v = 0; v < CK_NV; v++) {
                int *target = c + r * ldc + v * CK_WIDTH;
                CK_UVECTOR result = (CK_UVECTOR)acc[r][v];
                if (accumulate) {
                    CK_UVECTOR old;
                    __builtin_memcpy(&old, target, sizeof old);
                    result += old;
                }
                __builtin_memcpy(target, &result, sizeof result);
            }
        }
        return;
    }
    // Edge tile: spill the accumulators and write only the rows and columns that exist.
    unsigned tile[CK_MR * CK_NR];
    for (int r = 0; r < CK_MR; r++)
        for (int v = 0; v < CK_NV; v++) __builtin_memcpy(tile + r * CK_NR + v * CK_WIDTH, &acc[r][v], sizeof(CK_VECTOR));
    for (ptrdiff_t r = 0; r < rows; r++) {
        unsigned *row = (unsigned *)(c + r * ldc);
        for (ptrdiff_t j = 0; j < columns; j++) row[j] = accumulate ? row[j] + tile[r * CK_NR + j] : tile[r * CK_NR + j];
    }
}

#undef CK_NR
#undef CK_NAME
#undef CK_TARGET
#undef CK_VECTOR
#undef CK_UVECTOR
#undef CK_WIDTH
#undef CK_MR
#undef CK_NV
#undef CK_DOT
