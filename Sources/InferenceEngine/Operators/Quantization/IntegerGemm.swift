import CKernels
import Synchronization

/// The integer GEMM kernel for this CPU: uint8/int8 operands in any combination, int32 accumulation
/// with wrap-around (`ck_igemm_*` in CKernels: AVX-512 VNNI, AVX-512BW, AVX2 or portable, chosen
/// once at run time by CPU features).
struct IntegerGemmKernel: @unchecked Sendable {
    let info: UnsafePointer<ck_igemm_kernel_info>

    var name: String { String(cString: info.pointee.name) }
    /// Rows of a packed A panel and columns of a packed B panel.
    var mr: Int { info.pointee.mr }
    var nr: Int { info.pointee.nr }

    /// The fastest kernel this CPU supports, chosen once per process.
    static let current = IntegerGemmKernel(info: ck_igemm_kernel())

    /// A kernel by name ("avx512vnni", "avx512bw", "avx2", "portable") if this CPU runs it.
    static func named(_ name: String) -> IntegerGemmKernel? {
        ck_igemm_kernel_named(name).map { IntegerGemmKernel(info: $0) }
    }

    /// The signedness A and B are packed in for a product of these source types.
    func packedSignedness(aSigned: Bool, bSigned: Bool) -> (a: Bool, b: Bool) {
        var a: Int32 = 0
        var b: Int32 = 0
        ck_igemm_packed_signedness(info, aSigned ? 1 : 0, bSigned ? 1 : 0, &a, &b)
        return (a != 0, b != 0)
    }
}

/// One operand of an integer GEMM in the kernel's panel layout, with its zero points and the row or
/// column sums the zero-point correction needs. Owns its buffer.
final class PackedIntegerMatrix: @unchecked Sendable {
    enum Side { case a, b }

    let kernel: IntegerGemmKernel
    let side: Side
    /// Rows of A or columns of B.
    let count: Int
    let k: Int
    let bytes: UnsafeMutableRawPointer

    /// Packs `count` rows of A (element (i, p) at `source[i * ld + p]`) or columns of B (element
    /// (p, j) at `source[p * ld + j]`); `zeroPoints` holds 1 or `count` values of the source type.
    init(
        kernel: IntegerGemmKernel, side: Side, count: Int, k: Int, source: UnsafeRawPointer, ld: Int, sourceSigned: Bool,
        zeroPoints: UnsafeRawPointer?, zeroPointCount: Int, packedSigned: Bool
    ) {
        self.kernel = kernel
        self.side = side
        self.count = count
        self.k = k
        let sideCode = Int32(side == .a ? CK_IGEMM_A : CK_IGEMM_B)
        let byteCount = ck_igemm_packed_bytes(kernel.info, sideCode, count, k)
        bytes = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        ck_igemm_pack(
            kernel.info, sideCode, count, k, source, ld, sourceSigned ? 1 : 0, zeroPoints,
            zeroPoints == nil ? 0 : zeroPointCount, packedSigned ? 1 : 0, bytes)
    }

    deinit { bytes.deallocate() }
}

enum IntegerGemm {
    /// Multiply-adds below which waking other threads costs more than it saves (the integer
    /// kernel does about four times the work of SGEMM's per instruction).
    static let parallelThreshold = 1 << 21

    /// `C = A * B` (or `C += A * B`) over the whole packed operands, split over the context's
    /// threads along C's longer side in whole panels.
    static func multiply(
        _ a: PackedIntegerMatrix, _ b: PackedIntegerMatrix, c: UnsafeMutablePointer<Int32>, ldc: Int,
        accumulate: Bool, context: ExecutionContext? = nil
    ) {
        let m = a.count
        let n = b.count
        guard m > 0, n > 0 else { return }
        let kernel = a.kernel
        func compute(rows: Range<Int>, columns: Range<Int>) {
            let status = ck_igemm_compute(
                kernel.info, a.bytes, b.bytes, rows.lowerBound, rows.upperBound, columns.lowerBound,
                columns.upperBound, c, ldc, accumulate ? 1 : 0)
            precondition(status == 0, "integer GEMM operands packed for another kernel or shape")
        }
        guard let context, context.threads > 1, m &* n &* max(a.k, 1) >= parallelThreshold else {
            compute(rows: 0..<m, columns: 0..<n)
            return
        }
        let threads = context.threads
        let alongN = n >= m
        let extent = alongN ? n : m
        let tile = alongN ? kernel.nr : kernel.mr
        let piece = ((extent + threads - 1) / threads + tile - 1) / tile * tile
        let pieces = (extent + piece - 1) / piece
        context.parallelFor(pieces) { index in
            let range = index * piece..<min(extent, (index + 1) * piece)
            if alongN { compute(rows: 0..<m, columns: range) } else { compute(rows: range, columns: 0..<n) }
        }
    }
}

/// Packed constant operands (weights) of one node, packed at first use and reused while the same
/// tensor comes back. Only tensors borrowed from the model file are cached: their bytes never
/// change, and holding the storage keeps its identity from being reused by another tensor. Anything
/// else (a computed weight, a recycled buffer) is packed on every run, so nothing is served stale.
final class PackedOperandCache: Sendable {
    private struct Entry: @unchecked Sendable {
        let storage: TensorStorage
        let elementType: ElementType
        let shape: [Int]
        /// What else went into the packing: slice, zero points, signedness, kernel.
        let detail: [Int]
        let packed: PackedIntegerMatrix
    }

    private let entries = Mutex<[Entry]>([])
    private static let capacity = 16

    func packed(_ tensor: Tensor, detail: [Int], make: () -> PackedIntegerMatrix) -> PackedIntegerMatrix {
        guard tensor.storage.isModelWeights else { return make() }
        let found = entries.withLock { list in
            list.first {
                $0.storage === tensor.storage && $0.elementType == tensor.elementType && $0.shape == tensor.shape
                    && $0.detail == detail
            }?.packed
        }
        if let found { return found }
        let packed = make()
        entries.withLock { list in
            if list.count >= Self.capacity { list.removeFirst() }
            list.append(
                Entry(
                    storage: tensor.storage, elementType: tensor.elementType, shape: tensor.shape, detail: detail,
                    packed: packed))
        }
        return packed
    }
}
