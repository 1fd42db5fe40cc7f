/// Reshape, Squeeze, Unsqueeze, Flatten and Identity only relabel the shape: the output shares the
/// input's storage, so they cost nothing however large the tensor.
enum Views {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("Reshape") { context in
            let allowZero = try context.attributes.int("allowzero", default: 0) != 0
            let source = try IntListSource.from(context, attribute: "shape", inputSince: 5, inputIndex: 1)
            if case .none = source { throw context.invalid("the target shape is missing") }
            return ClosureOperator { inputs, _ in
                let input = try inputs.required(0, "data")
                let requested = try source.resolve(inputs, "shape") ?? []
                return [input.reshaped(try reshapeTarget(input.shape, requested, allowZero: allowZero))]
            }
        },
        OperatorSchema("Flatten") { context in
            let axis = try context.attributes.int("axis", default: 1)
            return ClosureOperator { inputs, _ in
                let input = try inputs.required(0, "input")
                let rank = input.rank
                let split = axis < 0 ? axis + rank : axis
                guard split >= 0, split <= rank else { throw OperatorFailure("Flatten: axis \(axis) is out of range for rank \(rank)") }
                return [input.reshaped([ShapeMath.product(input.shape[..<split]), ShapeMath.product(input.shape[split...])])]
            }
        },
        OperatorSchema("Squeeze") { context in
            let source = try IntListSource.from(context, attribute: "axes", inputSince: 13, inputIndex: 1)
            return ClosureOperator { inputs, _ in
                let input = try inputs.required(0, "data")
                // An empty axes list means "not given", as in onnxruntime.
                guard let requested = try source.resolve(inputs, "axes"), !requested.isEmpty else {
                    return [input.reshaped(input.shape.filter { $0 != 1 })]
                }
                let axes = try ShapeMath.axes(requested, rank: input.rank, "Squeeze")
                for axis in axes where input.shape[axis] != 1 {
                    throw OperatorFailure("Squeeze: axis \(axis) of shape \(input.shape) is not 1")
                }
                let kept = input.shape.indices.filter { !axes.contains($0) }.map { input.shape[$0] }
                return [input.reshaped(kept)]
            }
        },
        OperatorSchema("Unsqueeze") { context in
            let source = try IntListSource.from(context, attribute: "axes", inputSince: 13, inputIndex: 1)
            if case .none = source { throw context.invalid("axes are missing") }
            return ClosureOperator { inputs, _ in
                let input = try inputs.required(0, "data")
                let requested = try source.resolve(inputs, "axes") ?? []
                let rank = input.rank + requested.count
                let axes = Set(try ShapeMath.axes(requested, rank: rank, "Unsqueeze"))
                var remaining = input.shape.makeIterator()
                let shape = (0..<rank).map { axes.contains($0) ? 1 : (remaining.next() ?? 1) }
                return [input.reshaped(shape)]
            }
        },
        OperatorSchema("Identity") { _ in
            ClosureOperator { inputs, _ in [try inputs.required(0, "input")] }
        }
    ]

    /// Resolves Reshape's requested shape: 0 copies the input dimension (unless `allowZero`), one
    /// -1 takes whatever is left.
    static func reshapeTarget(_ input: [Int], _ requested: [Int], allowZero: Bool) throws -> [Int] {
        var shape = requested
        var inferred: Int?
        var known = 1
        for (axis, dim) in requested.enumerated() {
            switch dim {
            case -1:
                guard inferred == nil else { throw OperatorFailure("Reshape: shape \(requested) has more than one -1") }
                inferred = axis
                continue
            case 0 where !allowZero:
                guard axis < input.count else {
                    throw OperatorFailure("Reshape: shape \(requested) copies dimension \(axis), input \(input) has none")
                }
                shape[axis] = input[axis]
            case ..<0:
                throw OperatorFailure("Reshape: shape \(requested) has a negative dimension")
            default:
                break
            }
            let (product, overflow) = known.multipliedReportingOverflow(by: shape[axis])
            guard !overflow else { throw OperatorFailure("Reshape: shape \(requested) is too large") }
            known = product
        }
        let count = input.reduce(1, *)
        if let axis = inferred {
            guard known != 0, count % known == 0 else {
                throw OperatorFailure("Reshape: cannot infer -1 in \(requested) for input shape \(input)")
            }
            shape[axis] = count / known
        } else if known != count {
            throw OperatorFailure("Reshape: shape \(requested) does not hold the \(count) elements of input shape \(input)")
        }
        return shape
    }
}
