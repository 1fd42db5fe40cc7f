/// Einsum: each operand is first reduced to the labels still needed (taking diagonals of repeated
/// labels and summing labels nothing else uses), then operands are contracted pairwise as batched
/// matrix products, and the result is laid out in the output's label order.
/// float32 and the 16-bit floats compute in float32, every other type in float64.
struct EinsumOperator: Operator {
    let equation: EinsumEquation

    static let schema = OperatorSchema("Einsum", since: 12) { context in
        guard let text = try context.attributes.string("equation") else { throw context.invalid("equation is required") }
        do {
            return EinsumOperator(equation: try EinsumEquation(text))
        } catch let failure as OperatorFailure {
            throw context.invalid(failure.reason)
        }
    }

    /// A contiguous compute-type tensor whose axes carry einsum labels.
    private struct Operand {
        var tensor: Tensor
        var labels: [Int]
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let operands = inputs.compactMap { $0 }
        guard let first = operands.first else { throw OperatorFailure("Einsum needs at least one input") }
        guard operands.allSatisfy({ $0.elementType == first.elementType }), ElementType.numeric.contains(first.elementType) else {
            throw OperatorFailure("Einsum inputs must share one numeric type, got \(operands.map(\.elementType))")
        }
        let computeType: ElementType = ElementType.floats.contains(first.elementType) && first.elementType != .double ? .float : .double
        let (labels, outputLabels, sizes) = try equation.resolve(shapes: operands.map(\.shape))

        var pending = zip(operands, labels).map { Operand(tensor: TensorCast.convert($0, to: computeType, context: context), labels: $1) }
        // Reduce each operand to the labels the output or another operand uses.
        for index in pending.indices {
            var needed = Set(outputLabels)
            for (other, otherLabels) in labels.enumerated() where other != index { needed.formUnion(otherLabels) }
            pending[index] = try arrange(pending[index], to: unique(pending[index].labels).filter(needed.contains), sizes: sizes, context: context)
        }
        var result = pending.removeFirst()
        while !pending.isEmpty {
            let next = pending.removeFirst()
            var keep = Set(outputLabels)
            for operand in pending { keep.formUnion(operand.labels) }
            result = try contract(result, next, keep: keep, sizes: sizes, context: context)
        }
        result = try arrange(result, to: outputLabels, sizes: sizes, context: context)
        return [TensorCast.convert(result.tensor, to: first.elementType, context: context)]
    }

    private func unique(_ labels: [Int]) -> [Int] {
        var seen = Set<Int>()
        return labels.filter { seen.insert($0).inserted }
    }

    /// `a` and `b` contracted over the labels they share that `keep` does not hold, as one batched
    /// matrix product [batch, aFree, shared] x [batch, shared, bFree].
    private func contract(_ a: Operand, _ b: Operand, keep: Set<Int>, sizes: [Int: Int], context: ExecutionContext) throws -> Operand {
        let inB = Set(b.labels)
        let inA = Set(a.labels)
        let batch = a.labels.filter { inB.contains($0) && keep.contains($0) }
        let shared = a.labels.filter { inB.contains($0) && !keep.contains($0) }
        let aFree = a.labels.filter { !inB.contains($0) && keep.contains($0) }
        let bFree = b.labels.filter { !inA.contains($0) && keep.contains($0) }
        let left = try arrange(a, to: batch + aFree + shared, sizes: sizes, context: context)
        let right = try arrange(b, to: batch + shared + bFree, sizes: sizes, context: context)
        let size = { (labels: [Int]) in labels.reduce(1) { $0 * (sizes[$1] ?? 1) } }
        let product = try MatMul.run(
            left.tensor.reshaped([size(batch), size(aFree), size(shared)]),
            right.tensor.reshaped([size(batch), size(shared), size(bFree)]),
            op: "Einsum", context: context)
        let labels = batch + aFree + bFree
        return Operand(tensor: product.reshaped(labels.map { sizes[$0] ?? 1 }), labels: labels)
    }

    /// A new contiguous operand with axes `target`: repeated labels of `operand` read their
    /// diagonal, labels missing from `target` are summed, size-1 axes broadcast.
    private func arrange(_ operand: Operand, to target: [Int], sizes: [Int: Int], context: ExecutionContext) throws -> Operand {
        let keepSizes = target.map { sizes[$0] ?? 1 }
        if operand.labels == target && operand.tensor.shape == keepSizes { return operand }
        let strides = operand.tensor.strides
        var labelStride: [Int: Int] = [:]
        var ownSize: [Int: Int] = [:]
        for (axis, label) in operand.labels.enumerated() {
            let dimension = operand.tensor.shape[axis]
            ownSize[label] = max(ownSize[label] ?? 0, dimension)
            if dimension != 1 { labelStride[label, default: 0] += strides[axis] }
        }
        let keepStrides = target.map { labelStride[$0] ?? 0 }
        let summed = unique(operand.labels).filter { !target.contains($0) }
        let output = try context.allocate(operand.tensor.elementType, keepSizes)
        let sumSizes = summed.map { ownSize[$0] ?? 1 }
        let sumStrides = summed.map { labelStride[$0] ?? 0 }
        if operand.tensor.elementType == .float {
            EinsumKernel.gather(
                operand.tensor.pointer(as: Float.self), keepSizes: keepSizes, keepStrides: keepStrides,
                sumSizes: sumSizes, sumStrides: sumStrides, into: output.mutablePointer(as: Float.self))
        } else {
            EinsumKernel.gather(
                operand.tensor.pointer(as: Double.self), keepSizes: keepSizes, keepStrides: keepStrides,
                sumSizes: sumSizes, sumStrides: sumStrides, into: output.mutablePointer(as: Double.self))
        }
        return Operand(tensor: output, labels: target)
    }
}

enum EinsumKernel {
    /// `output[o] = sum over s of input[o . keepStrides + s . sumStrides]`, o and s running over
    /// `keepSizes` and `sumSizes` in row-major order: transposes, diagonals and sums in one loop.
    static func gather<T: BinaryFloatingPoint>(
        _ input: UnsafePointer<T>, keepSizes: [Int], keepStrides: [Int],
        sumSizes: [Int], sumStrides: [Int], into output: UnsafeMutablePointer<T>
    ) {
        let sumOffsets = offsets(sumSizes, sumStrides)
        let keepOffsets = offsets(keepSizes, keepStrides)
        for (o, base) in keepOffsets.enumerated() {
            var total: T = 0
            for offset in sumOffsets { total += input[base + offset] }
            output[o] = total
        }
    }

    /// The offsets `index . strides` of every index of `sizes`, in row-major order.
    private static func offsets(_ sizes: [Int], _ strides: [Int]) -> [Int] {
        var result = [0]
        for (size, stride) in zip(sizes, strides) {
            var next: [Int] = []
            next.reserveCapacity(result.count * size)
            for base in result { for i in 0..<size { next.append(base + i * stride) } }
            result = next
        }
        return result
    }
}
