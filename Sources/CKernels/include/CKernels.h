// Compute kernels the Swift engine cannot generate well from a default build: a plain
// `swift build` targets baseline x86-64 (SSE2), where Swift SIMD FMAs become scalar calls.
// C has per-function target attributes, so these kernels carry AVX2/AVX-512 code paths that
// are chosen once at run time by CPU features, with a portable path for everything else.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

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

/// Hands the allocator's free pages back to the system (glibc's malloc_trim; nothing elsewhere).
/// A model load frees its parse tree in thousands of small blocks that glibc keeps resident.
void ck_heap_release_free_pages(void);

#ifdef __cplusplus
}
#endif

#endif
