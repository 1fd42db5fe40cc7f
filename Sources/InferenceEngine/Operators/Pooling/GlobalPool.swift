import CKernels

/// GlobalAveragePool, GlobalMaxPool, GlobalLpPool: one value per (N, C) plane over all spatial axes.
enum GlobalPool {
    enum Kind: Sendable {
        case average, max
        case lp(p: Int)
    }

    static let schemas: [OperatorSchema] = [
        schema("GlobalAveragePool", .average),
        schema("GlobalMaxPool", .max),
        OperatorSchema("GlobalLpPool", since: 2) { context in
            let p = try context.attributes.int("p", default: 2)
            guard p >= 1 else { throw context.invalid("p must be at least 1, got \(p)") }
            return ClosureOperator { inputs, run in [try GlobalPool.run(.lp(p: p), inputs.required(0, "X"), context: run)] }
        }
    ]

    private static func schema(_ name: String, _ kind: Kind) -> OperatorSchema {
        OperatorSchema(name, since: 1) { _ in
            ClosureOperator { inputs, context in [try run(kind, inputs.required(0, "X"), context: context)] }
        }
    }

    static func run(_ kind: Kind, _ x: Tensor, context: ExecutionContext) throws -> Tensor {
        guard x.rank >= 3 else { throw OperatorFailure("input must be [N, C, spatial...], got \(x.shape)") }
        let planes = x.shape[0] * x.shape[1]
        let planeSize = x.shape[2...].reduce(1, *)
        let outputShape = Array(x.shape[..<2]) + [Int](repeating: 1, count: x.rank - 2)
        if case .max = kind {
            if x.elementType == .bfloat16 {
                return TensorCast.convert(try run(kind, TensorCast.convert(x, to: .float), context: context), to: .bfloat16, context: context)
            }
            return try x.elementType.dispatchNumeric(
                MaxVisitor(
                    x: x, planes: planes, planeSize: planeSize,
                    outputShape: outputShape, context: context), op: "GlobalMaxPool")
        }
        guard ElementType.floats.contains(x.elementType) else {
            throw OperatorFailure("global pooling needs a floating-point input, got \(x.elementType)")
        }
        let input = TensorCast.convert(x, to: .float, context: context)
        let output = try context.allocate(.float, outputShape)
        withExtendedLifetime(input) {
            let source = input.pointer(as: Float.self)
            let target = output.mutablePointer(as: Float.self)
            context.forEachRange(planes, minimumPerThread: max(1, ExecutionContext.elementsPerThread / max(planeSize, 1)), granularity: 1) { range in
                reduce(kind, source + range.lowerBound * planeSize, target + range.lowerBound, planes: range.count, planeSize: planeSize)
            }
        }
        return TensorCast.convert(output, to: x.elementType, context: context)
    }

    private static func reduce(
        _ kind: Kind, _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
        planes: Int, planeSize: Int
    ) {
        for plane in 0..<planes {
            let data = source + plane * planeSize
            var sum: Float = 0
            switch kind {
            case .average:
                target[plane] = ck_sum(data, planeSize) / Float(planeSize)
            case .lp(let p):
                for i in 0..<planeSize { sum += LpReducer.power(abs(data[i]), p) }
                target[plane] = LpReducer.root(sum, p)
            case .max:
                break
            }
        }
    }

    private struct MaxVisitor: NumericVisitor {
        let x: Tensor
        let planes: Int, planeSize: Int
        let outputShape: [Int]
        let context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            guard planeSize > 0 else { throw OperatorFailure("GlobalMaxPool over an empty spatial extent \(x.shape)") }
            let output = try context.allocate(T.elementType, outputShape, zeroed: false)
            let source = x.pointer(as: T.self)
            let target = output.mutablePointer(as: T.self)
            context.forEachRange(planes, minimumPerThread: max(1, ExecutionContext.elementsPerThread / planeSize), granularity: 1) { range in
                for plane in range {
                    let data = source + plane * planeSize
                    var best = data[0]
                    for i in 1..<planeSize where data[i] > best || data[i].isNaNValue { best = data[i] }
                    target[plane] = best
                }
            }
            return output
        }
    }
}
