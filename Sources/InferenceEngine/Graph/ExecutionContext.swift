/// Per-run state handed to operators: the buffer pool that recycles storage of tensors whose
/// lifetime has ended, so a run touches far less fresh memory than the sum of its activations.
/// One context serves one run on one thread at a time; a session keeps used contexts (and the
/// buffers they hold) for its next runs, so steady-state runs allocate almost nothing.
final class ExecutionContext: @unchecked Sendable {
    private var free: [Int: [TensorStorage]] = [:]
    /// Storage handed out during the current step. Swift may release a local tensor right after the
    /// last use of the tensor itself, even while a pointer taken from it is still being read; holding
    /// every allocation until the step ends makes `let p = temp.pointer(...)` safe inside operators.
    private var stepAllocations: [TensorStorage] = []
    /// Threads operators may split their loops over; nil runs everything on the calling thread.
    let pool: WorkerPool?
    /// Efficiency mode: operators keep their scratch buffers small (see `SessionOptions.efficiency`).
    let efficiency: Bool
    /// Set while profiling: the run loop times every step into it.
    var profiler: ProfileRecorder?
    /// Largest tensor a run may create. Shapes can come from data (ConstantOfShape, Expand, Tile,
    /// OneHot, Resize scales), and a failed allocation would abort the process, so a hostile model
    /// must fail here, with the operator named, instead.
    let maximumTensorBytes: Int

    init(pool: WorkerPool? = nil, efficiency: Bool = false,
         maximumTensorBytes: Int = ExecutionContext.defaultMaximumTensorBytes) {
        self.pool = pool
        self.efficiency = efficiency
        self.maximumTensorBytes = maximumTensorBytes
    }

    var threads: Int { pool?.threadCount ?? 1 }

    /// Runs `body` for `0..<count` on the run's threads; iterations must be independent.
    func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if let pool {
            pool.parallelFor(count, body)
        } else {
            for index in 0..<count { body(index) }
        }
    }

    /// Elements below which an elementwise loop stays on one thread: waking another costs a few
    /// microseconds, about what 32K simple float operations take.
    static let elementsPerThread = 1 << 15

    /// Splits `0..<count` into one contiguous range per thread (whole cache lines each) when
    /// there is enough work, else calls `body(0..<count)` here.
    func forEachRange(_ count: Int, minimumPerThread: Int = ExecutionContext.elementsPerThread,
                      _ body: (Range<Int>) -> Void) {
        let pieces = min(threads, count / max(minimumPerThread, 1))
        guard pieces > 1 else {
            body(0..<count)
            return
        }
        let size = ((count + pieces - 1) / pieces + 15) / 16 * 16
        parallelFor(pieces) { piece in
            let start = piece * size
            if start < count { body(start..<min(count, start + size)) }
        }
    }

    /// 4 GiB: more than any edge model's largest activation, less than what would take a device down.
    static let defaultMaximumTensorBytes = 1 << 32

    /// Bytes of a `type` tensor of `shape`, or a failure for negative, overflowing or too-large shapes.
    func checkedByteCount(_ type: ElementType, _ shape: [Int]) throws -> Int {
        var bytes = max(type.byteWidth, 1)
        for dimension in shape {
            guard dimension >= 0 else { throw OperatorFailure("negative dimension in output shape \(shape)") }
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maximumTensorBytes else {
                throw OperatorFailure("output shape \(shape) of \(type) exceeds the \(maximumTensorBytes >> 20) MiB tensor limit")
            }
            bytes = product
        }
        return shape.contains(0) ? 0 : bytes
    }

    /// A tensor reusing storage of the same byte size when one is free; zero-filled unless
    /// `zeroed` is false, which kernels that write every element pass to save a sweep over memory.
    func allocate(_ type: ElementType, _ shape: [Int], zeroed: Bool = true) throws -> Tensor {
        let bytes = try checkedByteCount(type, shape)
        let tensor: Tensor
        if var list = free[bytes], let storage = list.popLast() {
            free[bytes] = list
            if zeroed { storage.bytes.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
            tensor = Tensor(elementType: type, shape: shape, storage: storage)
        } else {
            tensor = Tensor(elementType: type, shape: shape, storage: TensorStorage(byteCount: bytes, zeroed: zeroed))
        }
        stepAllocations.append(tensor.storage)
        return tensor
    }

    /// Where the current step's allocations start; nested graph runs (If, Loop) mark their own.
    var stepMark: Int { stepAllocations.count }

    /// Prepares a kept context for its next run.
    func reset() {
        stepAllocations.removeAll(keepingCapacity: true)
        profiler = nil
    }

    /// Ends a step: its temporaries may now be freed (outputs live on in the value table).
    func endStep(at mark: Int) {
        if mark < stepAllocations.count { stepAllocations.removeSubrange(mark...) }
    }

    /// Takes back storage that nothing else references any more.
    func recycle(_ tensor: inout Tensor?) {
        guard var storage = tensor?.storage else { return }
        tensor = nil
        if isKnownUniquelyReferenced(&storage), storage.isOwned, storage.byteCount > 0 {
            free[storage.byteCount, default: []].append(storage)
        }
    }
}
