import Synchronization

/// How a session runs.
public struct SessionOptions: Sendable {
    /// Threads a run may use: the heavy operators (Conv, MatMul, Gemm, the large elementwise ones)
    /// split their loops over this many. Defaults to the machine's physical cores.
    public var threads: Int
    /// For battery-powered devices: one thread and small scratch buffers, trading latency for
    /// fewer cores awake and less memory touched per run. Overrides `threads`.
    public var efficiency: Bool
    /// Keep a finished run's buffers for the next run (faster steady state: no fresh pages per run)
    /// at the cost of holding about one run's activations while idle. Off for devices that would
    /// rather give that memory back between sparse requests.
    public var retainsBuffersBetweenRuns: Bool
    /// The most buffer bytes kept between runs: a run whose buffers grew past it (one huge batch)
    /// gives them back instead of holding them until the next run of that size.
    public var maximumRetainedBytes: Int
    /// Runs a batch whose row inputs are larger than this many bytes as slices of about this many
    /// bytes of rows, when the model keeps its rows apart (`Model.rowsAreIndependent`): the answers
    /// are the same, and the activations a run holds scale with the slice instead of the batch (a
    /// 100k-row batch to an MLP with 256-wide layers would otherwise hold two 100 MB activations).
    /// nil runs every batch whole.
    public var rowSliceBytes: Int?

    public init(
        threads: Int = CPUTopology.physicalCores, efficiency: Bool = false, retainsBuffersBetweenRuns: Bool = true,
        maximumRetainedBytes: Int = .max, rowSliceBytes: Int? = nil
    ) {
        self.threads = efficiency ? 1 : max(1, threads)
        self.efficiency = efficiency
        self.retainsBuffersBetweenRuns = retainsBuffersBetweenRuns
        self.maximumRetainedBytes = maximumRetainedBytes
        self.rowSliceBytes = rowSliceBytes.map { max(1, $0) }
    }

    /// The efficiency preset: one thread, small scratch buffers.
    public static var efficient: SessionOptions { SessionOptions(efficiency: true) }
}

/// Runs a model. Runs share nothing but a pool of idle execution contexts, so many tasks may call
/// `run` at once.
public final class InferenceSession: Sendable {
    public let model: Model
    public let options: SessionOptions
    /// Contexts of finished runs with their buffer pools, reused so a steady stream of runs stops
    /// asking the allocator (and the kernel) for fresh pages. One is kept: concurrent runs beyond
    /// it allocate their own.
    private let idleContexts = Mutex<[ExecutionContext]>([])
    /// Shared by the session's runs; a run that finds it busy runs on its own thread.
    private let pool: WorkerPool?
    /// Memory plans by input shapes, made from each shape's first run (see `MemoryPlan`).
    private let plans = Mutex(MemoryPlans())

    public init(_ model: Model, _ options: SessionOptions = SessionOptions()) {
        self.model = model
        self.options = options
        pool = options.threads > 1 ? WorkerPool(threads: options.threads) : nil
    }

    /// Tensor buffers the last finished run took from the allocator, its outputs included: a run
    /// that follows its shapes' memory plan takes only its outputs' buffers.
    public var lastRunFreshAllocations: Int { lastRunAllocations.withLock { $0 } }
    private let lastRunAllocations = Mutex(0)

    /// Turns a recorded run into its shapes' plan (built outside the lock: packing is quadratic in
    /// the run's allocations), or retires the plan a run strayed from.
    private func learn(_ outcome: ExecutionContext.RunOutcome, for signature: ShapeSignature) {
        switch outcome {
        case .recorded(let trace):
            guard plans.withLock({ $0.wants(signature) }) else { return }
            let plan = MemoryPlan(trace)
            plans.withLock { $0.store(plan, for: signature) }
        case .divergedFromPlan:
            plans.withLock { $0.refuse(signature) }
        case .followedPlan, .unplanned:
            break
        }
    }

    public var inputNames: [String] { model.graph.inputs.filter { $0.defaultValue == nil }.map(\.name) }
    public var outputNames: [String] { model.graph.outputs.map(\.name) }

    /// Runs the model on named inputs and returns every graph output by name.
    /// Inputs are checked against the declared element types and static dimensions first.
    public func run(_ inputs: [String: Tensor]) throws(EngineError) -> [String: Tensor] {
        let ordered = try runOrdered(inputs)
        var result: [String: Tensor] = [:]
        for (index, output) in model.graph.outputs.enumerated() { result[output.name] = ordered[index] }
        return result
    }

    /// Runs the model `runs` times and reports the time spent per operator type (exclusive: the
    /// operators inside an If/Loop/Scan count under their own types, not under the If).
    public func profile(_ inputs: [String: Tensor], runs: Int) throws(EngineError) -> OperatorProfile {
        let recorder = ProfileRecorder()
        for _ in 0..<max(1, runs) { _ = try runOrdered(inputs, profiler: recorder) }
        return recorder.profile(runs: max(1, runs))
    }

    /// Runs the model and returns outputs in the model's output order.
    public func runOrdered(_ inputs: [String: Tensor]) throws(EngineError) -> [Tensor] {
        if let sliceBytes = options.rowSliceBytes, let rowInputs = model.graph.rowInputs,
            let slicing = RowSlicing(inputs: inputs, rowInputs: rowInputs, sliceBytes: sliceBytes)
        {
            _ = try checked(inputs)  // refusals name the batch's shapes, not a slice's
            if let joined = try slicing.run(inputs, { (slice) throws(EngineError) in try runOrdered(slice, profiler: nil) }) {
                return joined
            }
        }
        return try runOrdered(inputs, profiler: nil)
    }

    private func runOrdered(_ inputs: [String: Tensor], profiler: ProfileRecorder?) throws(EngineError) -> [Tensor] {
        let graph = model.graph
        let given = try checked(inputs)
        do {
            let context = idleContexts.withLock { $0.popLast() } ?? ExecutionContext(pool: pool, efficiency: options.efficiency)
            context.profiler = profiler
            let signature = ShapeSignature(given)
            context.beginRun(plan: plans.withLock { $0.plan(for: signature) })
            var finished = false
            defer {
                // A failed run's record is partial: nothing is learnt from it.
                let outcome = context.finishRun()
                if finished { learn(outcome, for: signature) }
                context.reset()
                if options.retainsBuffersBetweenRuns, context.retainedBytes <= options.maximumRetainedBytes {
                    idleContexts.withLock { idle in if idle.isEmpty { idle.append(context) } }
                }
            }
            let outputs = try graph.execute(inputs: given, captures: [], context: context).map(context.detached)
            finished = true
            lastRunAllocations.withLock { $0 = context.freshAllocations }
            return outputs
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError.invalidInput("\(error)")
        }
    }

    /// Inputs in the graph's order (nil: the input's default), checked against the declarations.
    private func checked(_ inputs: [String: Tensor]) throws(EngineError) -> [Tensor?] {
        let graph = model.graph
        let known = Set(graph.inputs.map(\.name))
        if let unknown = inputs.keys.sorted().first(where: { !known.contains($0) }) {
            throw EngineError.invalidInput("unknown input '\(unknown)'; the model's inputs are \(inputNames.joined(separator: ", "))")
        }
        var given: [Tensor?] = []
        for input in graph.inputs {
            guard let tensor = inputs[input.name] else {
                guard input.defaultValue != nil else { throw EngineError.invalidInput("missing input '\(input.name)'") }
                given.append(nil)
                continue
            }
            try Self.check(tensor, against: input)
            given.append(tensor)
        }
        return given
    }

    private static func check(_ tensor: Tensor, against input: CompiledGraph.Input) throws(EngineError) {
        if let type = input.declaredType, type != tensor.elementType {
            throw EngineError.invalidInput("input '\(input.name)' must be \(type), got \(tensor.elementType)")
        }
        guard let declared = input.declaredShape else { return }
        guard declared.count == tensor.rank else {
            throw EngineError.invalidInput("input '\(input.name)' must have rank \(declared.count), got shape \(tensor.shape)")
        }
        for (axis, dimension) in declared.enumerated() {
            if let dimension, dimension != tensor.shape[axis] {
                throw EngineError.invalidInput("input '\(input.name)' dimension \(axis) must be \(dimension), got shape \(tensor.shape)")
            }
        }
    }
}

/// A session's memory plans: one per input shapes seen, a bounded number of them, and none for
/// shapes whose runs do not repeat (data-dependent shapes or control flow).
struct MemoryPlans {
    /// Shapes beyond this many are not planned: each plan keeps an arena's worth of offsets.
    static let capacity = 8
    private var plans: [ShapeSignature: MemoryPlan] = [:]
    /// Shapes not to plan again; forgotten wholesale when it grows past a few dozen.
    private var unplannable: Set<ShapeSignature> = []

    func plan(for signature: ShapeSignature) -> MemoryPlan? { plans[signature] }

    /// Whether a recorded run with these shapes should become a plan.
    func wants(_ signature: ShapeSignature) -> Bool {
        plans[signature] == nil && !unplannable.contains(signature) && plans.count < Self.capacity
    }

    mutating func store(_ plan: MemoryPlan?, for signature: ShapeSignature) {
        guard wants(signature) else { return }
        if let plan { plans[signature] = plan } else { refuse(signature) }
    }

    mutating func refuse(_ signature: ShapeSignature) {
        plans[signature] = nil
        if unplannable.count >= 64 { unplannable.removeAll() }
        unplannable.insert(signature)
    }
}
