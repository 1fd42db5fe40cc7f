import CKernels

/// The SGEMM micro-kernel for this CPU and the blocking sized for it.
///
/// The kernels are C (`CKernels`) because a default `swift build` targets baseline x86-64, where
/// Swift SIMD code loses FMA and wide vectors; C can carry AVX2 and AVX-512 variants behind
/// per-function target attributes and choose among them at run time.
struct SgemmKernel: @unchecked Sendable {
    let function: ck_sgemm_micro_kernel
    /// The same for tiles of at most `nr / 2` columns, so a ragged last panel does half the work.
    let narrow: ck_sgemm_micro_kernel
    /// Rows of a packed A panel and columns of a packed B panel (a multiple of 8).
    let mr: Int
    let nr: Int
    /// Depth of a packed slice, rows of a packed A block, columns of a packed B block.
    let kc: Int
    let mc: Int
    let nc: Int
    let name: String

    init(_ info: ck_sgemm_kernel_info, kc: Int = 256, mc: Int = 96, nc: Int = 2048) {
        function = info.kernel
        narrow = info.narrow
        mr = info.mr
        nr = info.nr
        self.kc = kc
        // Whole panels per block, so only the matrix edge produces partial tiles.
        self.mc = max(1, mc / info.mr) * info.mr
        self.nc = max(1, nc / info.nr) * info.nr
        name = String(cString: info.name)
    }

    /// The fastest kernel this CPU supports, chosen once per process.
    static let current = SgemmKernel(ck_sgemm_kernel().pointee)

    /// A kernel by name ("avx512", "avx2", "portable") if this CPU runs it; for benchmarks.
    static func named(_ name: String) -> SgemmKernel? {
        ck_sgemm_kernel_named(name).map { SgemmKernel($0.pointee) }
    }
}

/// Which compute kernels this process uses, for diagnostics such as `modelfleet-agent bench`.
public enum EngineKernels {
    /// The float32 GEMM micro-kernel: "avx512", "avx2" or "portable".
    public static var sgemm: String { SgemmKernel.current.name }
    /// The int8 GEMM kernel (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger):
    /// "avx512vnni", "avx512bw", "avx2" or "portable".
    public static var integerGemm: String { IntegerGemmKernel.current.name }
}
