// Compute kernels the Swift engine cannot generate well from a default build: a plain
// `swift build` targets baseline x86-64 (SSE2), where Swift SIMD FMAs become scalar calls.
// C has per-function target attributes, so these kernels carry AVX2/AVX-512 code paths that
// are chosen once at run time by CPU features, with a portable path for everything else.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One `mr x nr` tile of C from packed panels:
///   C[r][j] = alpha * sum_p a[p*mr + r] * b[p*ldb + j] (+ beta * C[r][j] when beta != 0),
/// for r < rows, j < columns. `a` holds k groups of mr floats (rows beyond `rows` zero-padded),
/// `b` holds k rows of nr floats, `ldb` floats apart (nr when packed; a row-major B can be read
/// in place), columns beyond `columns` zero-padded; C is row-major with `ldc` floats between
/// rows. beta == 0 never reads C (so NaN there is cleared).
typedef void (*ck_sgemm_micro_kernel)(ptrdiff_t k, const float *a, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                      ptrdiff_t rows, ptrdiff_t columns, float alpha, float beta);

/// A micro-kernel and the panel shape it was written for.
typedef struct {
    ck_sgemm_micro_kernel kernel;
    ck_sgemm_micro_kernel narrow;  ///< the same for tiles of at most nr / 2 columns (reads nr / 2 per B row)
    ptrdiff_t mr;      ///< rows of a packed A panel
    ptrdiff_t nr;      ///< columns of a packed B panel
    const char *name;  ///< "avx512", "avx2" or "portable"
} ck_sgemm_kernel_info;

/// The fastest micro-kernel this CPU runs, chosen on first call and cached.
const ck_sgemm_kernel_info *ck_sgemm_kernel(void);

/// A kernel by name ("avx512", "avx2", "portable"), or NULL when unknown or not supported
/// by this CPU; for benchmarks and tests that compare kernels on one machine.
const ck_sgemm_kernel_info *ck_sgemm_kernel_named(const char *name);

/// C = alpha * A * B (+ beta * C) for a few columns (n <= ck_sgemm_small_n_max()): A is m x k with
/// rows `lda` floats apart, `bt` is B transposed (n rows of k floats), C is row-major (`ldc`).
/// Each row of A is read once, straight from memory, against all n columns: when n is this small,
/// packing A for the blocked kernel would cost more than the multiplication. beta == 0 never reads C.
void ck_sgemm_small_n(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *bt, float *c,
                      ptrdiff_t ldc, float alpha, float beta);
ptrdiff_t ck_sgemm_small_n_max(void);

/// The geometry of a depthwise (one input channel per output channel) 2-D convolution.
typedef struct {
    ptrdiff_t height, width;           ///< input plane
    ptrdiff_t out_h, out_w;            ///< output plane
    ptrdiff_t kernel_h, kernel_w;
    ptrdiff_t stride_h, stride_w;
    ptrdiff_t dilation_h, dilation_w;
    ptrdiff_t pad_top, pad_left;
} ck_depthwise_problem;

/// Bytes of scratch memory `ck_depthwise_conv2d` needs for this geometry (a padded copy of one
/// plane); one buffer serves any number of calls with the same geometry, one call at a time.
size_t ck_depthwise_scratch_bytes(const ck_depthwise_problem *problem);

/// Adds the convolution of one input plane with one kernel onto `output` (which holds the bias
/// or zeros), in the widest vectors this CPU runs. Taps outside the image read as zero.
/// `scratch` holds `ck_depthwise_scratch_bytes(problem)` bytes, aligned for floats.
void ck_depthwise_conv2d(const ck_depthwise_problem *problem, const float *input, const float *kernel, float *output,
                         void *scratch);

/// Activations a fused convolution applies after its per-channel affine step.
enum {
    CK_ACTIVATION_NONE = 0,
    CK_ACTIVATION_RELU = 1,
    CK_ACTIVATION_CLIP = 2,         ///< p1 = low, p2 = high
    CK_ACTIVATION_LEAKY_RELU = 3,   ///< p1 = alpha
    CK_ACTIVATION_HARD_SIGMOID = 4, ///< p1 = alpha, p2 = beta
    CK_ACTIVATION_HARD_SWISH = 5,   ///< x * clamp(x / 6 + 1/2, 0, 1), as ONNX HardSwish (alpha 1/6)
};

/// One output plane of a fused convolution: `values[i] = values[i] * scale + shift` when `affine`,
/// then the activation, in the widest vectors this CPU runs. NaN stays NaN.
void ck_conv_epilogue(float *values, ptrdiff_t count, float scale, float shift, int affine, int activation, float p1, float p2);

/// The sum of `count` floats, in 32 interleaved partial sums (vectorized; the order differs from a
/// left-to-right loop by rounding only).
float ck_sum(const float *values, ptrdiff_t count);

/// `output[i] = 1 / (1 + exp(-input[i]))` with a vectorized exp (about 2 ulp); `output` may be `input`.
void ck_sigmoid(const float *input, float *output, ptrdiff_t count);

/// `output[i] = tanh(input[i])` by a rational approximation (max relative error 3.4e-7);
/// `output` may be `input`.
void ck_tanh(const float *input, float *output, ptrdiff_t count);

/// `output[i] = input[i] * sigmoid(input[i])` (SiLU) with the same vectorized exp; `output` may be `input`.
void ck_swish(const float *input, float *output, ptrdiff_t count);

/// `output[i] = clamp(rint(input[i] / scale) + zero_point)` to uint8 (0...255) or int8 (-128...127), rounding half
/// to even; NaN becomes the zero point. QuantizeLinear and DynamicQuantizeLinear on float input.
void ck_quantize_u8(const float *input, uint8_t *output, ptrdiff_t count, float scale, float zero_point);
void ck_quantize_s8(const float *input, int8_t *output, ptrdiff_t count, float scale, float zero_point);

/// `output[i] = (input[i] - zero_point) * scale` from uint8 or int8: DequantizeLinear.
void ck_dequantize_u8(const uint8_t *input, float *output, ptrdiff_t count, float scale, float zero_point);
void ck_dequantize_s8(const int8_t *input, float *output, ptrdiff_t count, float scale, float zero_point);

/// The smallest and largest of `count` floats and 0 (NaN ignored): DynamicQuantizeLinear's range.
void ck_range_with_zero(const float *input, ptrdiff_t count, float *low, float *high);

/// A spin-wait hint (x86 `pause`, ARM `yield`): a polling thread then leaves the core's execution
/// resources to the thread it shares them with (an SMT sibling, often the one it waits for).
void ck_cpu_relax(void);

/// Hands the allocator's free pages back to the system (glibc's malloc_trim; nothing elsewhere).
/// A model load frees its parse tree in thousands of small blocks that glibc keeps resident.
void ck_heap_release_free_pages(void);

/// An integer GEMM kernel: C (int32, m x n) = sum_k (A[i,k] - za_i) * (B[k,j] - zb_j) for uint8 or
/// int8 A and B in any combination, accumulated in int32 with wrap-around. Operands are packed
/// first (`ck_igemm_pack`): B once for constant weights, A per call (or the other way round).
/// The raw sum of products runs in the widest integer dot product the CPU has; the zero points are
/// applied afterwards from row sums of A and column sums of B:
///   sum (a - za)(b - zb) = sum ab - zb sum a - za sum b + k za zb   (all mod 2^32).
typedef struct {
    const char *name;          ///< "avx512vnni", "avx512bw", "avx2" or "portable"
    ptrdiff_t mr;              ///< rows of a packed A panel
    ptrdiff_t nr;              ///< columns of a packed B panel
    ptrdiff_t element_bytes;   ///< 1: quadruples of bytes (u8 x s8 dot products); 2: pairs of int16
    const void *implementation;
} ck_igemm_kernel_info;

/// The fastest integer kernel this CPU runs, chosen on first call and cached.
const ck_igemm_kernel_info *ck_igemm_kernel(void);

/// A kernel by name, or NULL when unknown or not supported by this CPU.
const ck_igemm_kernel_info *ck_igemm_kernel_named(const char *name);

/// Which side of the product is packed: A (m x k, rows `ld` apart) or B (k x n, rows `ld` apart).
enum { CK_IGEMM_A = 0, CK_IGEMM_B = 1 };

/// The signedness each operand is packed in for a product of `a_signed` x `b_signed` sources
/// (a kernel built on u8 x s8 dot products flips one operand with xor 0x80 when both match).
void ck_igemm_packed_signedness(const ck_igemm_kernel_info *kernel, int a_signed, int b_signed, int *packed_a_signed,
                                int *packed_b_signed);

/// Bytes of a packed operand of `count` rows (A) or columns (B) and depth k.
size_t ck_igemm_packed_bytes(const ck_igemm_kernel_info *kernel, int side, ptrdiff_t count, ptrdiff_t k);

/// Packs `count` rows of A (element (i, p) at source[i * ld + p]) or columns of B (element (p, j) at
/// source[p * ld + j]) of uint8 (`source_signed` 0) or int8 values, with zero points (`zero_point_count`
/// 0: none, 1: one for all, `count`: one per row/column, of the source type) into `packed`
/// (`ck_igemm_packed_bytes`, 64-byte aligned), converting to `packed_signed` values.
void ck_igemm_pack(const ck_igemm_kernel_info *kernel, int side, ptrdiff_t count, ptrdiff_t k, const void *source,
                   ptrdiff_t ld, int source_signed, const void *zero_points, ptrdiff_t zero_point_count, int packed_signed,
                   void *packed);

/// Rows `row_begin..<row_end` x columns `column_begin..<column_end` of C (row 0 column 0 at `c`,
/// rows `ldc` apart), overwritten or, when `accumulate`, added to. Begins are multiples of mr / nr.
/// Returns 0, or -1 when the operands were packed for another kernel, side, depth or signedness.
int ck_igemm_compute(const ck_igemm_kernel_info *kernel, const void *packed_a, const void *packed_b, ptrdiff_t row_begin,
                     ptrdiff_t row_end, ptrdiff_t column_begin, ptrdiff_t column_end, int *c, ptrdiff_t ldc,
                     int accumulate);

/// out[i][j] = saturate(round_half_even(acc[i][j] * multiplier + zero)) as uint8 (`to_signed` 0) or
/// int8, for `rows` x `columns` accumulators stored contiguously; `multipliers` holds one value
/// (per_column 0) or one per column. Multipliers must be finite.
void ck_requantize(const int *acc, ptrdiff_t rows, ptrdiff_t columns, const double *multipliers, int per_column,
                   double zero, int to_signed, void *out);

#ifdef __cplusplus
}
#endif

#endif
