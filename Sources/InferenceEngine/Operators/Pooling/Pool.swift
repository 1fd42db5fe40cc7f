/// MaxPool, AveragePool and LpPool: one window geometry, three reductions.
struct PoolOperator: Operator {
    enum Kind: Sendable {
        case max(columnMajorIndices: Bool, wantsIndices: Bool)
        case average(countIncludePad: Bool)
        case lp(p: Int)
    }

    let kind: Kind
    let attributes: WindowAttributes
    let ceilMode: Bool
    let kernel: [Int]

    init(_ kind: Kind, context: OperatorBuildContext) throws {
        self.kind = kind
        attributes = try WindowAttributes(context, requireKernelShape: true)
        kernel = attributes.kernelShape ?? []
        guard kernel.count <= 3 else { throw context.unsupported("pooling over \(kernel.count) spatial axes") }
        ceilMode = try context.attributes.int("ceil_mode", default: 0) != 0
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("MaxPool", since: 1) { context in
            let storageOrder = try context.attributes.int("storage_order", default: 0)
            guard storageOrder == 0 || storageOrder == 1 else { throw context.invalid("storage_order must be 0 or 1") }
            let wantsIndices = context.node.outputs.count > 1 && !context.node.outputs[1].isEmpty
            return try PoolOperator(.max(columnMajorIndices: storageOrder == 1, wantsIndices: wantsIndices), context: context)
        },
        OperatorSchema("AveragePool", since: 1) { context in
            let include = try context.attributes.int("count_include_pad", default: 0) != 0
            return try PoolOperator(.average(countIncludePad: include), context: context)
        },
        OperatorSchema("LpPool", since: 2) { context in
            let p = try context.attributes.int("p", default: 2)
            guard p >= 1 else { throw context.invalid("p must be at least 1, got \(p)") }
            return try PoolOperator(.lp(p: p), context: context)
        }
    ]

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        guard x.rank == kernel.count + 2 else {
            throw OperatorFailure("input of shape \(x.shape) does not match kernel_shape \(kernel)")
        }
        let window = try attributes.window(input: Array(x.shape[2...]), kernel: kernel, ceilMode: ceilMode)
        var columnMajor = false
        if case .max(let order, _) = kind { columnMajor = order }
        let geometry = try PoolGeometry(window: window, columnMajorIndices: columnMajor)
        let planes = x.shape[0] * x.shape[1]
        let outputShape = Array(x.shape[..<2]) + window.positions

        switch kind {
        case .max(_, let wantsIndices):
            if x.elementType == .bfloat16 {
                var results = try run([TensorCast.convert(x, to: .float)], context: context)
                results[0] = TensorCast.convert(results[0], to: .bfloat16, context: context)
                return results
            }
            let indices = wantsIndices ? try context.allocate(.int64, outputShape) : nil
            let values = try x.elementType.dispatchNumeric(
                MaxVisitor(x: x, geometry: geometry, planes: planes, outputShape: outputShape, indices: indices, context: context),
                op: "MaxPool")
            return [values] + (indices.map { [$0] } ?? [])
        case .average, .lp:
            guard ElementType.floats.contains(x.elementType) else {
                throw OperatorFailure("pooling needs a floating-point input, got \(x.elementType)")
            }
            let input = TensorCast.convert(x, to: .float, context: context)
            let output = try context.allocate(.float, outputShape)
            let values = output.mutablePointer(as: Float.self)
            withExtendedLifetime(input) {
                if case .average(let include) = kind {
                    geometry.reduce(
                        planes: planes, input: input.pointer(as: Float.self),
                        AverageReducer(values: values, outputPlaneSize: geometry.outputPlaneSize, countIncludePad: include))
                } else if case .lp(let p) = kind {
                    geometry.reduce(
                        planes: planes, input: input.pointer(as: Float.self),
                        LpReducer(values: values, outputPlaneSize: geometry.outputPlaneSize, p: p))
                }
            }
            return [TensorCast.convert(output, to: x.elementType, context: context)]
        }
    }

    private struct MaxVisitor: NumericVisitor {
        let x: Tensor
        let geometry: PoolGeometry
        let planes: Int
        let outputShape: [Int]
        let indices: Tensor?
        let context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let output = try context.allocate(T.elementType, outputShape)
            geometry.reduce(
                planes: planes, input: x.pointer(as: T.self),
                MaxReducer(
                    values: output.mutablePointer(as: T.self), indices: indices?.mutablePointer(as: Int64.self),
                    planeSize: geometry.planeSize, outputPlaneSize: geometry.outputPlaneSize))
            return output
        }
    }
}
