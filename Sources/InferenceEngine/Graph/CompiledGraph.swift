#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A graph ready to run: operators built, constants folded, nodes in dependency order, and for
/// every value the step after which it is dead (its storage then goes back to the run's pool).
///
/// Immutable after compilation, so one compiled graph serves any number of concurrent runs.
final class CompiledGraph: Sendable {
    struct Input: Sendable {
        let name: String
        let slot: Int
        let declaredType: ElementType?
        /// nil when the rank is unknown; nil entries are symbolic dimensions.
        let declaredShape: [Int?]?
        /// Initializer that doubles as the input's default value (IR < 4 style), if any.
        let defaultValue: Tensor?
    }

    struct Step: Sendable {
        let op: any Operator
        let opType: String
        let nodeName: String
        /// Inputs, outputs and releases in one array: one allocation per step, not three (a model
        /// keeps its steps for as long as it is loaded).
        private let slots: [Int]
        private let inputCount: Int
        private let outputCount: Int

        /// -1 marks an omitted optional input.
        var inputs: ArraySlice<Int> { slots.prefix(inputCount) }
        /// -1 marks an output the node does not name.
        var outputs: ArraySlice<Int> { slots[inputCount..<inputCount + outputCount] }
        /// Values read for the last time by this step.
        var releases: ArraySlice<Int> { slots.dropFirst(inputCount + outputCount) }

        init(
            op: any Operator, opType: String, nodeName: String, inputs: some Collection<Int>, outputs: some Collection<Int>,
            releases: some Collection<Int>
        ) {
            self.op = op
            self.opType = opType
            self.nodeName = nodeName
            var slots: [Int] = []
            slots.reserveCapacity(inputs.count + outputs.count + releases.count)
            slots += inputs
            slots += outputs
            slots += releases
            self.slots = slots
            inputCount = inputs.count
            outputCount = outputs.count
        }
    }

    let slotCount: Int
    let inputs: [Input]
    let outputs: [(name: String, slot: Int)]
    let constants: [(slot: Int, tensor: Tensor)]
    /// Values of enclosing graphs read by this (sub)graph, passed in by the operator that runs it.
    let captures: [(name: String, slot: Int)]
    let steps: [Step]
    /// The inputs whose axis 0 is a batch of independent rows, when every output keeps those rows
    /// apart (see `RowIndependence`); nil when the graph must run whole.
    let rowInputs: [String]?

    init(
        slotCount: Int, inputs: [Input], outputs: [(name: String, slot: Int)], constants: [(slot: Int, tensor: Tensor)],
        captures: [(name: String, slot: Int)], steps: [Step], rowInputs: [String]? = nil
    ) {
        self.slotCount = slotCount
        self.inputs = inputs
        self.outputs = outputs
        self.constants = constants
        self.captures = captures
        self.steps = steps
        self.rowInputs = rowInputs
    }

    /// Runs the graph. `inputs` follow `self.inputs` (nil uses the default value);
    /// `captures` follow `self.captures`.
    func execute(inputs given: [Tensor?], captures captured: [Tensor], context: ExecutionContext) throws -> [Tensor] {
        var values = [Tensor?](repeating: nil, count: slotCount)
        for (slot, tensor) in constants { values[slot] = tensor }
        for (index, input) in inputs.enumerated() {
            guard let tensor = (index < given.count ? given[index] : nil) ?? input.defaultValue else {
                throw EngineError.invalidInput("missing input '\(input.name)'")
            }
            values[input.slot] = tensor
        }
        for (index, capture) in captures.enumerated() where index < captured.count {
            values[capture.slot] = captured[index]
        }
        var arguments: [Tensor?] = []
        for step in steps {
            arguments.removeAll(keepingCapacity: true)
            for slot in step.inputs { arguments.append(slot >= 0 ? values[slot] : nil) }
            var results: [Tensor]
            let mark = context.stepMark
            let started = context.profiler?.begin() ?? 0
            defer { context.profiler?.end(step.opType, startedAt: started) }
            do {
                results = try step.op.run(arguments, context: context)
            } catch let failure as OperatorFailure {
                context.endStep(at: mark)
                throw EngineError.operatorFailed(op: step.opType, node: step.nodeName, reason: failure.reason)
            }
            for (index, slot) in step.outputs.enumerated() where slot >= 0 {
                guard index < results.count else {
                    context.endStep(at: mark)
                    throw EngineError.operatorFailed(
                        op: step.opType, node: step.nodeName,
                        reason: "produced \(results.count) outputs, the node expects \(step.outputs.count)")
                }
                values[slot] = results[index]
            }
            // Results the node does not name die with the step's temporaries.
            results.removeAll()
            context.endStep(at: mark)
            arguments.removeAll(keepingCapacity: true)
            for slot in step.releases { context.recycle(&values[slot]) }
        }
        var results: [Tensor] = []
        for output in outputs {
            guard let tensor = values[output.slot] else {
                throw EngineError.invalidModel("graph output '\(output.name)' was not produced")
            }
            results.append(tensor)
        }
        return results
    }

    /// Monotonic nanoseconds, cheap enough to read around every step when profiling.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
