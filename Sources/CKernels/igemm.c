// Integer GEMM (uint8/int8 operands, int32 accumulation) and requantization, with the run-time
// choice of instruction set (see include/CKernels.h).
//
// Every kernel multiplies packed panels whose int32 lanes each hold one 4-byte word per k group:
// four u8/s8 values for a dot-product instruction (AVX-512 VNNI `vpdpbusd`), or two int16 values
// for a multiply-add of pairs (`vpmaddwd` on AVX-512BW / AVX2; shifts and multiplies in the
// portable kernel). Values are widened to int16 exactly (never `vpmaddubsw`, which saturates), so
// every kernel computes the same wrapped int32 sums.
#include "CKernels.h"
#include "isa_dispatch.h"
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct {
    const int *row_zero;      // za' per row of the tile
    const int *row_q;         // sum_a' - k * za' per row
    const int *column_sum;    // sum_b' per column
    const int *column_zero;   // zb' per column
} ck_igemm_correction;

typedef void (*ck_igemm_micro_kernel)(ptrdiff_t groups, const unsigned char *a, const unsigned char *b, int *c,
                                      ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t columns, int accumulate,
                                      const ck_igemm_correction *correction);

typedef struct {
    ck_igemm_micro_kernel kernel;   // A u8 x B s8 (bytes) or int16 x int16
    ck_igemm_micro_kernel swapped;  // A s8 x B u8 (bytes only)
    // Packs whole panels of whole k groups of B (row-major source); NULL to use the scalar path.
    void (*pack_b_panels)(ptrdiff_t panels, ptrdiff_t groups, const unsigned char *source, ptrdiff_t ld, int flip,
                          int packed_signed, unsigned char *data, ptrdiff_t panel_bytes, unsigned *sums);
} ck_igemm_implementation;

typedef int ck_int4 __attribute__((vector_size(16)));
typedef unsigned ck_uint4 __attribute__((vector_size(16)));
typedef int ck_int8 __attribute__((vector_size(32)));
typedef unsigned ck_uint8 __attribute__((vector_size(32)));
typedef int ck_int16 __attribute__((vector_size(64)));
typedef unsigned ck_uint16 __attribute__((vector_size(64)));

// Portable: int16 pairs in each lane, sign-extended with shifts; products fit int32, sums wrap
// in unsigned arithmetic.
#define CK_PAIR_DOT(acc, a, b, VECTOR, UVECTOR)                                                         \
    ((VECTOR)((UVECTOR)(acc) + (UVECTOR)(((VECTOR)((UVECTOR)(b) << 16) >> 16) * ((VECTOR)((UVECTOR)(a) << 16) >> 16)) + \
              (UVECTOR)(((b) >> 16) * ((a) >> 16))))

#if defined(__x86_64__)
#define CK_PORTABLE_MR 6
#else
#define CK_PORTABLE_MR 8
#endif

#define CK_NAME igemm_portable
#define CK_TARGET
#define CK_VECTOR ck_int4
#define CK_UVECTOR ck_uint4
#define CK_WIDTH 4
#define CK_MR CK_PORTABLE_MR
#define CK_NV 2
#define CK_DOT(acc, a, b) CK_PAIR_DOT(acc, a, b, ck_int4, ck_uint4)
#include "igemm_micro_kernel.h"


// Whole panels of whole pairs of rows of B for the int16 kernels: 8 columns at a time, widened
// exactly (sign or zero extension) and interleaved into (row 2g, row 2g + 1) pairs per word.
typedef unsigned char ck_bytes8 __attribute__((vector_size(8)));
typedef signed char ck_sbytes8 __attribute__((vector_size(8)));
typedef int ck_pair_int8 __attribute__((vector_size(32)));
typedef unsigned ck_pair_uint8 __attribute__((vector_size(32)));

#define CK_PACK_PAIRS(NAME, TARGET, NR)                                                                         \
    TARGET static void NAME(ptrdiff_t panels, ptrdiff_t groups, const unsigned char *source, ptrdiff_t ld,       \
                            int flip, int packed_signed, unsigned char *data, ptrdiff_t panel_bytes,              \
                            unsigned *sums) {                                                                    \
        (void)flip;                                                                                              \
        for (ptrdiff_t panel = 0; panel < panels; panel++) {                                                     \
            unsigned char *target = data + panel * panel_bytes;                                                  \
            ck_pair_uint8 sum[NR / 8];                                                                           \
            for (int v = 0; v < NR / 8; v++) sum[v] = (ck_pair_uint8){0};                                        \
            for (ptrdiff_t g = 0; g < groups; g++) {                                                             \
                const unsigned char *row = source + 2 * g * ld + panel * NR;                                     \
                for (int v = 0; v < NR / 8; v++) {                                                               \
                    ck_bytes8 x0, x1;                                                                            \
                    __builtin_memcpy(&x0, row + v * 8, 8);                                                       \
                    __builtin_memcpy(&x1, row + ld + v * 8, 8);                                                  \
                    ck_pair_int8 v0, v1;                                                                         \
                    if (packed_signed) {                                                                         \
                        v0 = __builtin_convertvector((ck_sbytes8)x0, ck_pair_int8);                              \
                        v1 = __builtin_convertvector((ck_sbytes8)x1, ck_pair_int8);                              \
                    } else {                                                                                     \
                        v0 = __builtin_convertvector(x0, ck_pair_int8);                                          \
                        v1 = __builtin_convertvector(x1, ck_pair_int8);                                          \
                    }                                                                                            \
                    const ck_pair_uint8 word = ((ck_pair_uint8)v0 & 0xffffu) | ((ck_pair_uint8)v1 << 16);        \
                    __builtin_memcpy(target + (g * NR + v * 8) * 4, &word, sizeof word);                         \
                    sum[v] += (ck_pair_uint8)v0 + (ck_pair_uint8)v1;                                             \
                }                                                                                                \
            }                                                                                                    \
            for (int v = 0; v < NR / 8; v++) {                                                                   \
                ck_pair_uint8 old;                                                                               \
                __builtin_memcpy(&old, sums + panel * NR + v * 8, sizeof old);                                   \
                old += sum[v];                                                                                   \
                __builtin_memcpy(sums + panel * NR + v * 8, &old, sizeof old);                                   \
            }                                                                                                    \
        }                                                                                                        \
    }

CK_PACK_PAIRS(pack_b_pairs_portable, , 8)

static const ck_igemm_implementation portable_implementation = {igemm_portable, 0, pack_b_pairs_portable};
static const ck_igemm_kernel_info portable = {"portable", CK_PORTABLE_MR, 8, 2, &portable_implementation};

#if defined(__x86_64__)
#define CK_NAME igemm_avx2
#define CK_TARGET __attribute__((target("avx2")))
#define CK_VECTOR ck_int8
#define CK_UVECTOR ck_uint8
#define CK_WIDTH 8
#define CK_MR 6
#define CK_NV 2
#define CK_DOT(acc, a, b) ((ck_int8)_mm256_add_epi32((__m256i)(acc), _mm256_madd_epi16((__m256i)(a), (__m256i)(b))))
#include "igemm_micro_kernel.h"

#define CK_NAME igemm_avx512bw
#define CK_TARGET __attribute__((target("avx512f,avx512bw")))
#define CK_VECTOR ck_int16
#define CK_UVECTOR ck_uint16
#define CK_WIDTH 16
#define CK_MR 8
#define CK_NV 2
#define CK_DOT(acc, a, b) ((ck_int16)_mm512_add_epi32((__m512i)(acc), _mm512_madd_epi16((__m512i)(a), (__m512i)(b))))
#include "igemm_micro_kernel.h"

#define CK_VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

// vpdpbusd: unsigned bytes of the second operand times signed bytes of the third.
#define CK_NAME igemm_avx512vnni
#define CK_TARGET CK_VNNI_TARGET
#define CK_VECTOR ck_int16
#define CK_UVECTOR ck_uint16
#define CK_WIDTH 16
#define CK_MR 8
#define CK_NV 2
#define CK_DOT(acc, a, b) ((ck_int16)_mm512_dpbusd_epi32((__m512i)(acc), (__m512i)(a), (__m512i)(b)))
#include "igemm_micro_kernel.h"

#define CK_NAME igemm_avx512vnni_swapped
#define CK_TARGET CK_VNNI_TARGET
#define CK_VECTOR ck_int16
#define CK_UVECTOR ck_uint16
#define CK_WIDTH 16
#define CK_MR 8
#define CK_NV 2
#define CK_DOT(acc, a, b) ((ck_int16)_mm512_dpbusd_epi32((__m512i)(acc), (__m512i)(b), (__m512i)(a)))
#include "igemm_micro_kernel.h"

/// Whole 32-column panels of whole groups of 4 rows: each group of 4 rows x 16 columns becomes 16
/// words by two rounds of byte/word interleaving; column sums come from one vpdpbusd against ones.
CK_VNNI_TARGET static void pack_b_panels_vnni(ptrdiff_t panels, ptrdiff_t groups, const unsigned char *source, ptrdiff_t ld,
                                              int flip, int packed_signed, unsigned char *data, ptrdiff_t panel_bytes,
                                              unsigned *sums) {
    const __m128i flip_bits = _mm_set1_epi8(flip ? (char)0x80 : 0);
    const __m512i ones = _mm512_set1_epi8(1);
    for (ptrdiff_t panel = 0; panel < panels; panel++) {
        unsigned char *target = data + panel * panel_bytes;
        __m512i sum[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
        for (ptrdiff_t g = 0; g < groups; g++) {
            const unsigned char *row = source + 4 * g * ld + panel * 32;
            for (int half = 0; half < 2; half++) {
                const unsigned char *s = row + half * 16;
                __m128i r0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)s), flip_bits);
                __m128i r1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + ld)), flip_bits);
                __m128i r2 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + 2 * ld)), flip_bits);
                __m128i r3 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + 3 * ld)), flip_bits);
                __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
                __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
                __m512i words = _mm512_castsi128_si512(_mm_unpacklo_epi16(t0, t2));
                words = _mm512_inserti32x4(words, _mm_unpackhi_epi16(t0, t2), 1);
                words = _mm512_inserti32x4(words, _mm_unpacklo_epi16(t1, t3), 2);
                words = _mm512_inserti32x4(words, _mm_unpackhi_epi16(t1, t3), 3);
                _mm512_storeu_si512(target + (g * 32 + half * 16) * 4, words);
                sum[half] = packed_signed ? _mm512_dpbusd_epi32(sum[half], ones, words)
                                          : _mm512_dpbusd_epi32(sum[half], words, ones);
            }
        }
        for (int half = 0; half < 2; half++) {
            __m512i old = _mm512_loadu_si512(sums + panel * 32 + half * 16);
            _mm512_storeu_si512(sums + panel * 32 + half * 16, _mm512_add_epi32(old, sum[half]));
        }
    }
}

CK_PACK_PAIRS(pack_b_pairs_avx2, __attribute__((target("avx2"))), 16)
CK_PACK_PAIRS(pack_b_pairs_avx512bw, __attribute__((target("avx512f,avx512bw"))), 32)

static const ck_igemm_implementation avx2_implementation = {igemm_avx2, 0, pack_b_pairs_avx2};
static const ck_igemm_implementation avx512bw_implementation = {igemm_avx512bw, 0, pack_b_pairs_avx512bw};
static const ck_igemm_implementation avx512vnni_implementation = {igemm_avx512vnni, igemm_avx512vnni_swapped,
                                                                  pack_b_panels_vnni};
static const ck_igemm_kernel_info avx2 = {"avx2", 6, 16, 2, &avx2_implementation};
static const ck_igemm_kernel_info avx512bw = {"avx512bw", 8, 32, 2, &avx512bw_implementation};
static const ck_igemm_kernel_info avx512vnni = {"avx512vnni", 8, 32, 1, &avx512vnni_implementation};
#endif

static int supported(const ck_igemm_kernel_info *info) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (info == &avx512vnni)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vnni");
    if (info == &avx512bw) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
    if (info == &avx2) return __builtin_cpu_supports("avx2");
#endif
    return info == &portable;
}

const ck_igemm_kernel_info *ck_igemm_kernel_named(const char *name) {
    static const ck_igemm_kernel_info *const all[] = {
#if defined(__x86_64__)
        &avx512vnni, &avx512bw, &avx2,
#endif
        &portable,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (__builtin_strcmp(all[i]->name, name) == 0) return supported(all[i]) ? all[i] : NULL;
    }
    return NULL;
}

const ck_igemm_kernel_info *ck_igemm_kernel(void) {
    static const ck_igemm_kernel_info *chosen;
    const ck_igemm_kernel_info *kernel = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (kernel) return kernel;
    static const char *const order[] = {"avx512vnni", "avx512bw", "avx2"};
    kernel = &portable;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const ck_igemm_kernel_info *candidate = ck_igemm_kernel_named(order[i]);
        if (candidate) {
            kernel = candidate;
            break;
        }
    }
    __atomic_store_n(&chosen, kernel, __ATOMIC_RELAXED);
    return kernel;
}

void ck_igemm_packed_signedness(const ck_igemm_kernel_info *kernel, int a_signed, int b_signed, int *packed_a_signed,
                                int *packed_b_signed) {
    a_signed = a_signed != 0;
    b_signed = b_signed != 0;
    if (kernel->element_bytes == 1 && a_signed == b_signed) {
        // u8 x u8: B becomes s8; s8 x s8: A becomes u8. Either way the u8 x s8 kernel runs.
        *packed_a_signed = 0;
        *packed_b_signed = 1;
        return;
    }
    *packed_a_signed = a_signed;
    *packed_b_signed = b_signed;
}

// ---------------------------------------------------------------------------------------------
// Packed operands: a header, then per row (A) or column (B) the zero point and a second term
// (A: sum - k * zero; B: sum), padded to whole panels, then the panels, 64-byte aligned.

enum { CK_PACKED_MAGIC = 0x49474d31 };

typedef struct {
    unsigned magic;
    int side;
    int is_signed;
    int element_bytes;
    ptrdiff_t count, k, groups, padded, tile;
    const ck_igemm_kernel_info *kernel;
} ck_igemm_header;

static ptrdiff_t round_up(ptrdiff_t value, ptrdiff_t multiple) { return (value + multiple - 1) / multiple * multiple; }

static ptrdiff_t header_bytes(void) { return round_up((ptrdiff_t)sizeof(ck_igemm_header), 64); }

static ptrdiff_t terms_bytes(ptrdiff_t padded) { return round_up(2 * padded * (ptrdiff_t)sizeof(int), 64); }

size_t ck_igemm_packed_bytes(const ck_igemm_kernel_info *kernel, int side, ptrdiff_t count, ptrdiff_t k) {
    const ptrdiff_t tile = side == CK_IGEMM_A ? kernel->mr : kernel->nr;
    const ptrdiff_t group = 4 / kernel->element_bytes;
    const ptrdiff_t padded = round_up(count > 0 ? count : 1, tile), groups = (k + group - 1) / group;
    return (size_t)(header_bytes() + terms_bytes(padded) + padded * groups * 4);
}

/// Stores value v (already in the packed signedness) as element t of a word.
static inline void put(unsigned char *word, ptrdiff_t t, int element_bytes, int v) {
    if (element_bytes == 1) {
        word[t] = (unsigned char)v;
    } else {
        const int16_t value = (int16_t)v;
        __builtin_memcpy(word + 2 * t, &value, 2);
    }
}

static inline int load(const unsigned char *source, ptrdiff_t index, int is_signed) {
    return is_signed ? (int)(signed char)source[index] : (int)source[index];
}

void ck_igemm_pack(const ck_igemm_kernel_info *kernel, int side, ptrdiff_t count, ptrdiff_t k, const void *source_bytes,
                   ptrdiff_t ld, int source_signed, const void *zero_points, ptrdiff_t zero_point_count, int packed_signed,
                   void *packed) {
    source_signed = source_signed != 0;
    packed_signed = packed_signed != 0;
    const unsigned char *source = source_bytes;
    const unsigned char *zeros = zero_points;
    const int e = (int)kernel->element_bytes, group = 4 / e;
    const ptrdiff_t tile = side == CK_IGEMM_A ? kernel->mr : kernel->nr;
    const ptrdiff_t padded = round_up(count > 0 ? count : 1, tile), groups = (k + group - 1) / group;
    const ptrdiff_t panel_bytes = groups * tile * 4;
    ck_igemm_header *header = packed;
    *header = (ck_igemm_header){CK_PACKED_MAGIC, side, packed_signed, e, count, k, groups, padded, tile, kernel};
    int *zero = (int *)((unsigned char *)packed + header_bytes());
    unsigned *second = (unsigned *)(zero + padded);
    unsigned char *data = (unsigned char *)packed + header_bytes() + terms_bytes(padded);
    // Flipping the top bit turns uint8 v into int8 v - 128 and int8 v into uint8 v + 128.
    const int flip = source_signed != packed_signed;
    const int shift = !flip ? 0 : source_signed ? 128 : -128;
    const unsigned flip_byte = flip ? 0x80u : 0u;
    for (ptrdiff_t i = 0; i < padded; i++) {
        int z = 0;
        if (i < count && zero_point_count > 0) z = load(zeros, zero_point_count == 1 ? 0 : i, source_signed);
        zero[i] = i < count ? z + shift : 0;
        second[i] = 0;
    }
    if (side == CK_IGEMM_A) {
        for (ptrdiff_t i = 0; i < padded; i++) {
            unsigned char *panel = data + (i / tile) * panel_bytes + (i % tile) * 4;
            const unsigned char *row = source + i * ld;
            unsigned sum = 0;
            ptrdiff_t g = 0;
            if (i < count && e == 1) {
                for (; (g + 1) * 4 <= k; g++) {
                    unsigned word;
                    __builtin_memcpy(&word, row + 4 * g, 4);
                    word ^= flip_byte * 0x01010101u;
                    __builtin_memcpy(panel + g * tile * 4, &word, 4);
                }
                for (ptrdiff_t p = 0; p < g * 4; p++) sum += (unsigned)load(row, p, source_signed);
                sum += (unsigned)(shift * (int)(g * 4));
            }
            for (; g < groups; g++) {
                unsigned char *word = panel + g * tile * 4;
                for (ptrdiff_t t = 0; t < group; t++) {
                    const ptrdiff_t p = g * group + t;
                    int v = 0;
                    if (i < count && p < k) {
                        v = load(row, p, source_signed) + shift;
                        sum += (unsigned)v;
                    }
                    put(word, t, e, v);
                }
            }
            if (i < count) second[i] = sum - (unsigned)k * (unsigned)zero[i];
        }
        return;
    }
    // B: whole panels of whole groups may take the vector path; the scalar loop does the rest.
    const ck_igemm_implementation *implementation = kernel->implementation;
    ptrdiff_t fast_panels = 0, fast_groups = 0;
    if (implementation->pack_b_panels && count >= tile && k >= group) {
        fast_panels = count / tile;
        fast_groups = k / group;
        implementation->pack_b_panels(fast_panels, fast_groups, source, ld, flip, packed_signed, data, panel_bytes, second);
    }
    for (ptrdiff_t panel = 0; panel * tile < padded; panel++) {
        unsigned char *base = data + panel * panel_bytes;
        for (ptrdiff_t g = panel < fast_panels ? fast_groups : 0; g < groups; g++) {
            for (ptrdiff_t t = 0; t < group; t++) {
                const ptrdiff_t p = g * group + t;
                const unsigned char *row = source + p * ld;
                for (ptrdiff_t c = 0; c < tile; c++) {
                    const ptrdiff_t j = panel * tile + c;
                    int v = 0;
                    if (j < count && p < k) {
                        v = load(row, j, source_signed) + shift;
                        second[j] += (unsigned)v;
                    }
                    put(base + (g * tile + c) * 4, t, e, v);
                }
            }
        }
    }
}

/// Slices of k (in groups) per pass: a 32-column B slice of 256 groups is 32 KiB.
enum { CK_IGEMM_KC_GROUPS = 256 };

int ck_igemm_compute(const ck_igemm_kernel_info *kernel, const void *packed_a, const void *packed_b, ptrdiff_t row_begin,
                     ptrdiff_t row_end, ptrdiff_t column_begin, ptrdiff_t column_end, int *c, ptrdiff_t ldc,
                     int accumulate) {
    const ck_igemm_header *ha = packed_a, *hb = packed_b;
    if (ha->magic != CK_PACKED_MAGIC || hb->magic != CK_PACKED_MAGIC || ha->side != CK_IGEMM_A ||
        hb->side != CK_IGEMM_B || ha->kernel != kernel || hb->kernel != kernel || ha->k != hb->k)
        return -1;
    const ck_igemm_implementation *implementation = kernel->implementation;
    ck_igemm_micro_kernel micro = implementation->kernel;
    if (kernel->element_bytes == 1) {
        if (!ha->is_signed && hb->is_signed) micro = implementation->kernel;
        else if (ha->is_signed && !hb->is_signed && implementation->swapped) micro = implementation->swapped;
        else return -1;
    }
    const ptrdiff_t mr = kernel->mr, nr = kernel->nr;
    if (row_begin % mr || column_begin % nr || row_end > ha->count || column_end > hb->count) return -1;
    if (row_begin >= row_end || column_begin >= column_end) return 0;
    const ptrdiff_t groups = ha->groups;
    if (groups == 0) {
        if (!accumulate)
            for (ptrdiff_t i = row_begin; i < row_end; i++)
                __builtin_memset(c + i * ldc + column_begin, 0, (size_t)(column_end - column_begin) * sizeof(int));
        return 0;
    }
    const int *a_zero = (const int *)((const unsigned char *)packed_a + header_bytes());
    const int *a_q = a_zero + ha->padded;
    const int *b_zero = (const int *)((const unsigned char *)packed_b + header_bytes());
    const int *b_sum = b_zero + hb->padded;
    const unsigned char *a_data = (const unsigned char *)packed_a + header_bytes() + terms_bytes(ha->padded);
    const unsigned char *b_data = (const unsigned char *)packed_b + header_bytes() + terms_bytes(hb->padded);
    for (ptrdiff_t g0 = 0; g0 < groups; g0 += CK_IGEMM_KC_GROUPS) {
        const ptrdiff_t slice = groups - g0 < CK_IGEMM_KC_GROUPS ? groups - g0 : CK_IGEMM_KC_GROUPS;
        const int last = g0 + slice == groups, add = accumulate || g0 > 0;
        for (ptrdiff_t j = column_begin; j < column_end; j += nr) {
            const unsigned char *b = b_data + (j / nr) * groups * nr * 4 + g0 * nr * 4;
            const ptrdiff_t columns = column_end - j < nr ? column_end - j : nr;
            for (ptrdiff_t i = row_begin; i < row_end; i += mr) {
                const unsigned char *a = a_data + (i / mr) * groups * mr * 4 + g0 * mr * 4;
                const ptrdiff_t rows = row_end - i < mr ? row_end - i : mr;
                const ck_igemm_correction correction = {a_zero + i, a_q + i, b_sum + j, b_zero + j};
                micro(slice, a, b, c + i * ldc + j, ldc, rows, columns, add, last ? &correction : 0);
            }
        }
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Requantization: the same double arithmetic as the Swift reference (no contraction into FMAs),
// clamped, then rounded half to even by adding and subtracting 1.5 * 2^52.

/// One row loop per output type (int8 or uint8); everything else is shared.
#define CK_REQUANTIZE_ROWS(type)                                                                            \
    for (ptrdiff_t r = 0; r < rows; r++) {                                                                  \
        const int *source = acc + r * columns;                                                              \
        type *target = (type *)out + r * columns;                                                           \
        for (ptrdiff_t j = 0; j < columns; j++) {                                                           \
            double v = (double)source[j] * multipliers[per_column ? j : 0];                                 \
            v = v + zero;                                                                                   \
            v = v < lo ? lo : v;                                                                            \
            v = v > hi ? hi : v;                                                                            \
            v = (v + magic) - magic;                                                                        \
            target[j] = (type)(int)v;                                                                       \
        }                                                                                                   \
    }

#define CK_REQUANTIZE_BODY                                                                                  \
    _Pragma("clang fp contract(off)");                                                                      \
    const double lo = to_signed ? -128.0 : 0.0, hi = to_signed ? 127.0 : 255.0, magic = 6755399441055744.0;  \
    if (to_signed) {                                                                                        \
        CK_REQUANTIZE_ROWS(signed char)                                                                     \
    } else {                                                                                                \
        CK_REQUANTIZE_ROWS(unsigned char)                                                                   \
    }

static void requantize_portable(const int *acc, ptrdiff_t rows, ptrdiff_t columns, const double *multipliers,
                                int per_column, double zero, int to_signed, void *out) {
    CK_REQUANTIZE_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void requantize_avx512(const int *acc, ptrdiff_t rows, ptrdiff_t columns,
                                                                 const double *multipliers, int per_column, double zero,
                                                                 int to_signed, void *out) {
    CK_REQUANTIZE_BODY
}

__attribute__((target("avx2"))) static void requantize_avx2(const int *acc, ptrdiff_t rows, ptrdiff_t columns,
                                                            const double *multipliers, int per_column, double zero,
                                                            int to_signed, void *out) {
    CK_REQUANTIZE_BODY
}
#endif

void ck_requantize(const int *acc, ptrdiff_t rows, ptrdiff_t columns, const double *multipliers, int per_column,
                   double zero, int to_signed, void *out) {
    CK_PICK(requantize_portable, requantize_avx2, requantize_avx512)(acc, rows, columns, multipliers, per_column, zero,
                                                                      to_signed, out);
}
