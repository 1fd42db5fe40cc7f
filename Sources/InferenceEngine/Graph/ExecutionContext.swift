/// Per-run state handed to operators: where their tensors' memory comes from.
///
/// A run with a `MemoryPlan` for its input shapes takes every planned tensor from one arena at
/// its planned offset. A run without one (the first with new shapes, or one that strayed from its
/// plan) uses a buffer pool that recycles storage of tensors whose lifetime has ended, and records
/// what it allocated so the session can plan the next run.
/// One context serves one run on one thread at a time; a session keeps used contexts (and their
/// arena) for its next runs, so a steady stream of same-shaped runs allocates only their outputs.
final class ExecutionContext: @unchecked Sendable {
    private var free: [Int: [TensorStorage]] = [:]
    /// The planned tensors' memory; grows to the largest plan this context has followed.
    private var arena: TensorStorage?
    private var plan: MemoryPlan?
    /// Which planned allocations have died so far in this run.
    private var dead: [Bool] = []
    private var trace: AllocationTrace?
    private var allocations = 0
    /// Set when the run stopped matching its plan; it then finishes on the buffer pool.
    private(set) var diverged = false
    /// Tensor buffers this run asked the allocator for (outputs included): 0 besides the outputs
    /// once a run follows a plan.
    private(set) var freshAllocations = 0
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

    init(
        pool: WorkerPool? = nil, efficiency: Bool = false,
        maximumTensorBytes: Int = ExecutionContext.defaultMaximumTensorBytes
    ) {
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

    /// Splits `0..<count` into one contiguous range per thread when there is enough work, else
    /// calls `body(0..<count)` here. Ranges start at multiples of `granularity`: 16 floats (a
    /// cache line) for elements; 1 when the units are planes, rows or channels.
    func forEachRange(
        _ count: Int, minimumPerThread: Int = ExecutionContext.elementsPerThread, granularity: Int = 16,
        _ body: (Range<Int>) -> Void
    ) {
        let pieces = min(threads, count / max(minimumPerThread, 1))
        guard pieces > 1 else {
            body(0..<count)
            return
        }
        let unit = max(granularity, 1)
        let size = ((count + pieces - 1) / pieces + unit - 1) / unit * unit
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

    /// A tensor at its planned place in the arena, else reusing pooled storage of the same byte
    /// size, else fresh; zero-filled unless `zeroed` is false, which kernels that write every
    /// element pass to save a sweep over memory.
    func allocate(_ type: ElementType, _ shape: [Int], zeroed: Bool = true) throws -> Tensor {
        let bytes = try checkedByteCount(type, shape)
        let index = allocations
        allocations += 1
        let storage = planned(index, bytes: bytes) ?? pooled(bytes)
        if zeroed { storage.bytes.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        storage.allocationIndex = index
        _ = trace?.born(bytes)
        stepAllocations.append(storage)
        return Tensor(elementType: type, shape: shape, storage: storage)
    }

    /// The arena bytes the plan gives allocation `index`, when the run still matches the plan and
    /// every tensor that used those bytes before has died; nil otherwise.
    private func planned(_ index: Int, bytes: Int) -> TensorStorage? {
        guard let plan, !diverged, let arena else { return nil }
        guard index < plan.placements.count, plan.placements[index].bytes == bytes,
            plan.placements[index].reuses.allSatisfy({ dead[$0] })
        else {
            diverged = true
            return nil
        }
        guard let offset = plan.placements[index].offset else { return nil }
        return TensorStorage(borrowing: arena.bytes + offset, byteCount: bytes, owner: arena)
    }

    private func pooled(_ bytes: Int) -> TensorStorage {
        if var list = free[bytes], let storage = list.popLast() {
            free[bytes] = list
            return storage
        }
        freshAllocations += 1
        return TensorStorage(byteCount: bytes, zeroed: false)
    }

    /// Starts a run: with `plan`, planned tensors come from the arena (grown to fit); without, the
    /// run records its allocations for `finishRun` to hand back.
    func beginRun(plan: MemoryPlan?) {
        allocations = 0
        freshAllocations = 0
        diverged = false
        self.plan = plan
        if let plan {
            trace = nil
            dead = [Bool](repeating: false, count: plan.placements.count)
            if (arena?.byteCount ?? -1) < plan.arenaBytes {
                freshAllocations += 1
                arena = TensorStorage(byteCount: plan.arenaBytes, zeroed: false)
            }
            // The arena now holds what the pool held for these shapes.
            free.removeAll()
        } else {
            trace = AllocationTrace()
        }
    }

    /// How the run went: the recorded allocations of an unplanned run, or whether a planned run
    /// kept to its plan.
    enum RunOutcome {
        case recorded(AllocationTrace)
        case followedPlan
        case divergedFromPlan
        case unplanned
    }

    func finishRun() -> RunOutcome {
        defer {
            trace = nil
            plan = nil
            dead = []
        }
        if let trace { return .recorded(trace) }
        guard plan != nil else { return .unplanned }
        return diverged ? .divergedFromPlan : .followedPlan
    }

    /// `tensor` with memory of its own: outputs leave the run, and arena bytes would be
    /// overwritten by the next one.
    func detached(_ tensor: Tensor) -> Tensor {
        // The tensor leaves the run: a later run must not take it for one of its own allocations.
        tensor.storage.allocationIndex = -1
        guard let arena, tensor.storage.isBorrowed(from: arena) else { return tensor }
        freshAllocations += 1
        let storage = TensorStorage(byteCount: tensor.storage.byteCount, zeroed: false)
        storage.bytes.copyMemory(from: tensor.storage.bytes, byteCount: tensor.storage.byteCount)
        return Tensor(elementType: tensor.elementType, shape: tensor.shape, storage: storage)
    }

    /// A tracked allocation is gone: its bytes may be reused by the plan, or its death recorded.
    private func died(_ storage: TensorStorage) {
        let index = storage.allocationIndex
        // An index from another run (or from the compiler's folding) is not this run's to retire.
        guard index >= 0, index < allocations else { return }
        storage.allocationIndex = -1
        if index < dead.count { dead[index] = true }
        trace?.died(index)
    }

    /// Where the current step's allocations start; nested graph runs (If, Loop) mark their own.
    var stepMark: Int { stepAllocations.count }

    /// Bytes this context holds for its next run: the arena and the pooled buffers.
    var retainedBytes: Int {
        free.reduce(arena?.byteCount ?? 0) { total, entry in total &+ entry.key &* entry.value.count }
    }

    /// Prepares a kept context for its next run.
    func reset() {
        stepAllocations.removeAll(keepingCapacity: true)
        profiler = nil
    }

    /// Ends a step: its temporaries may now be freed (outputs live on in the value table).
    func endStep(at mark: Int) {
        guard mark < stepAllocations.count else { return }
        for index in mark..<stepAllocations.count where isKnownUniquelyReferenced(&stepAllocations[index]) {
            died(stepAllocations[index])
        }
        stepAllocations.removeSubrange(mark...)
    }

    /// Takes back storage that nothing else references any more.
    func recycle(_ tensor: inout Tensor?) {
        guard var storage = tensor?.storage else { return }
        tensor = nil
        guard isKnownUniquelyReferenced(&storage) else { return }
        died(storage)
        if storage.isOwned, storage.byteCount > 0 {
            free[storage.byteCount, default: []].append(storage)
        }
    }
}
