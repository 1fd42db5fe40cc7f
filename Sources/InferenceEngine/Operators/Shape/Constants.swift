/// Operators that make tensors from attributes or from another tensor's shape: Constant,
/// ConstantOfShape, EyeLike, Range, Shape and Size.
enum Constants {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("Constant") { context in
            let value = try constantValue(context)
            return ClosureOperator { _, _ in [value] }
        },
        OperatorSchema("ConstantOfShape", since: 9) { context in
            let value =
                try context.attributes.tensorProto("value").map {
                    try context.decoder.tensor(from: $0, context: "ConstantOfShape value")
                } ?? Tensor(scalar: Float(0))
            guard value.count == 1 else { throw context.invalid("value must hold one element, has shape \(value.shape)") }
            return ClosureOperator { inputs, run in
                let shape = try inputs.required(0, "input").intList("shape")
                try ShapeMath.checkedCount(shape, width: value.elementType.byteWidth, "ConstantOfShape")
                let output = try run.allocate(value.elementType, shape)
                fill(output, with: value)
                return [output]
            }
        },
        OperatorSchema("EyeLike", since: 9) { context in
            let k = try context.attributes.int("k", default: 0)
            let dtype = try context.attributes.int("dtype").map { code in
                do { return try ElementType.from(onnx: Int64(code), context: "EyeLike dtype") } catch {
                    throw context.unsupported("dtype \(code)")
                }
            }
            if dtype == .string { throw context.unsupported("string output") }
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "input")
                guard input.rank == 2 || input.rank == 1 else { throw OperatorFailure("EyeLike needs a 2-D input, got shape \(input.shape)") }
                let rows = input.shape[0]
                let columns = input.shape.last ?? 0
                let type = dtype ?? input.elementType
                let output = try run.allocate(type, [rows, columns])
                let one = TensorCast.convert(Tensor(scalar: Int64(1)), to: type)
                let width = type.byteWidth
                // Row i holds its one at column i + k; clamp k first so the sum cannot overflow.
                let shift = max(-rows, min(columns, k))
                for i in max(0, -shift)..<max(0, min(rows, columns - shift)) {
                    (output.storage.bytes + (i * columns + i + shift) * width).copyMemory(from: one.storage.bytes, byteCount: width)
                }
                return [output]
            }
        },
        OperatorSchema("Range", since: 11) { _ in
            ClosureOperator { inputs, run in
                let start = try inputs.required(0, "start")
                let limit = try inputs.required(1, "limit")
                let delta = try inputs.required(2, "delta")
                guard start.elementType == limit.elementType, start.elementType == delta.elementType else {
                    throw OperatorFailure("Range: start, limit and delta have different types")
                }
                return [try range(start: start, limit: limit, delta: delta, context: run)]
            }
        },
        OperatorSchema("Shape") { context in
            let start = try context.attributes.int("start", default: 0)
            let end = try context.attributes.int("end")
            return ClosureOperator { inputs, _ in
                let shape = try inputs.required(0, "data").shape
                func clamp(_ value: Int) -> Int { max(0, min(shape.count, value < 0 ? value + shape.count : value)) }
                let from = clamp(start)
                let to = clamp(end ?? shape.count)
                let dims = from < to ? shape[from..<to].map { Int64($0) } : []
                return [try Tensor(shape: [dims.count], values: dims)]
            }
        },
        OperatorSchema("Size") { _ in
            ClosureOperator { inputs, _ in [Tensor(scalar: Int64(try inputs.required(0, "data").count))] }
        }
    ]

    /// Constant's one value attribute as a tensor.
    private static func constantValue(_ context: OperatorBuildContext) throws -> Tensor {
        let attributes = context.attributes
        for unsupported in ["sparse_value", "value_string", "value_strings"] where attributes.has(unsupported) {
            throw context.unsupported("\(unsupported) attribute")
        }
        let given = ["value", "value_float", "value_floats", "value_int", "value_ints"].filter { attributes.has($0) }
        guard given.count == 1 else { throw context.invalid("needs exactly one value attribute, has \(given)") }
        if let proto = try attributes.tensorProto("value") {
            return try context.decoder.tensor(from: proto, context: "Constant '\(context.nodeName)' value")
        }
        if let value = try attributes.float("value_float") { return Tensor(scalar: value) }
        if let values = try attributes.floats("value_floats") { return try Tensor(shape: [values.count], values: values) }
        if let value = try attributes.int("value_int") { return Tensor(scalar: Int64(value)) }
        if let values = try attributes.ints("value_ints") { return try Tensor(shape: [values.count], values: values.map { Int64($0) }) }
        throw context.invalid("has no value")
    }

    /// Fills a freshly allocated (zeroed) tensor with the one element of `value`.
    static func fill(_ output: Tensor, with value: Tensor) {
        let width = output.elementType.byteWidth
        let pattern = UnsafeRawBufferPointer(start: value.storage.bytes, count: width)
        guard output.count > 0, pattern.contains(where: { $0 != 0 }) else { return }
        StridedCopy.row(
            count: output.count, width: width, source: value.storage.bytes, sourceStride: 0,
            destination: output.storage.bytes, destinationStride: 1)
    }

    /// `start, start + delta, ...` up to but excluding `limit`, as numpy's arange.
    private static func range(start: Tensor, limit: Tensor, delta: Tensor, context: ExecutionContext) throws -> Tensor {
        let type = start.elementType
        guard start.count == 1, limit.count == 1, delta.count == 1 else {
            throw OperatorFailure("Range: start, limit and delta must be scalars, got shapes \(start.shape), \(limit.shape), \(delta.shape)")
        }
        if type.isFloatingPoint {
            let first = try start.scalarDouble()
            let step = try delta.scalarDouble()
            let end = try limit.scalarDouble()
            guard step != 0, first.isFinite, step.isFinite, !end.isNaN else {
                throw OperatorFailure("Range: cannot count from \(first) to \(end) by \(step)")
            }
            let steps = ((end - first) / step).rounded(.up)
            guard steps < Double(Int32.max) else { throw OperatorFailure("Range: \(first) to \(end) by \(step) is too many elements") }
            let count = steps > 0 ? Int(steps) : 0
            try ShapeMath.checkedCount([count], width: 8, "Range")
            let values = Tensor(zeros: .double, shape: [count])
            let pointer = values.mutablePointer(as: Double.self)
            for i in 0..<count { pointer[i] = first + Double(i) * step }
            return TensorCast.convert(values, to: type, context: context)
        }
        guard ElementType.signedIntegers.contains(type) else { throw OperatorFailure("Range does not support \(type)") }
        func scalar(_ tensor: Tensor, _ name: String) throws -> Int { try TensorCast.convert(tensor, to: .int64).intScalar(name) }
        let first = try scalar(start, "start")
        let end = try scalar(limit, "limit")
        let step = try scalar(delta, "delta")
        guard step != 0 else { throw OperatorFailure("Range: delta is 0") }
        let (span, overflow) = end.subtractingReportingOverflow(first)
        guard !overflow else { throw OperatorFailure("Range: \(first) to \(end) is too many elements") }
        // Ceiling division that rounds toward the direction of travel.
        let (quotient, divisionOverflow) = span.dividedReportingOverflow(by: step)
        guard !divisionOverflow else { throw OperatorFailure("Range: \(first) to \(end) by \(step) is too many elements") }
        var count = quotient
        if quotient &* step != span && (span < 0) == (step < 0) { count += 1 }
        count = max(0, count)
        try ShapeMath.checkedCount([count], width: 8, "Range")
        let values = Tensor(zeros: .int64, shape: [count])
        let pointer = values.mutablePointer(as: Int64.self)
        var current = Int64(first)
        for i in 0..<count {
            pointer[i] = current
            current &+= Int64(step)
        }
        return TensorCast.convert(values, to: type, context: context)
    }
}
