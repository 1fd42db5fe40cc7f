/// Static shape inference: what can be known about each value's shape before any input arrives.
///
/// A shape is a rank plus, per dimension, a number or nil (unknown until run time). The compiler
/// uses it for one thing: a `Shape` or `Size` node whose answer is fully known becomes a constant,
/// so the shape arithmetic exporters emit (Shape → Gather → Concat → Reshape) folds away at load.
/// Only operators whose output shape follows from their input shapes and constant inputs are
/// covered; anything else yields "unknown", which is always safe.
struct ShapeInference {
    typealias Shape = [Int?]

    /// Output shapes of `node`, or nil entries where unknown.
    static func outputs(
        of node: NodeProto, attributes: NodeAttributes, opset: Int,
        inputs: [Shape?], constants: [Tensor?]
    ) -> [Shape?] {
        func input(_ index: Int) -> Shape? { index < inputs.count ? inputs[index] : nil }
        func constantInts(_ index: Int) -> [Int]? {
            guard index < constants.count, let tensor = constants[index] else { return nil }
            return try? tensor.intValues()
        }
        let unknown = [Shape?](repeating: nil, count: node.outputs.count)
        guard node.domain.isEmpty || node.domain == "ai.onnx" else { return unknown }

        switch node.opType {
        case _ where sameShapeAsFirstInput.contains(node.opType):
            return [input(0)] + [Shape?](repeating: nil, count: max(0, node.outputs.count - 1))
        case _ where broadcasting.contains(node.opType):
            let present = node.inputs.indices.filter { !node.inputs[$0].isEmpty }.map { input($0) }
            guard let shapes = present as? [Shape] else { return unknown }
            return [broadcast(shapes)]
        case "Conv", "MaxPool", "AveragePool":
            guard let x = input(0), x.count >= 3 else { return unknown }
            var channels = x[1]
            if node.opType == "Conv" {
                guard let w = input(1), w.count == x.count else { return unknown }
                channels = w[0]
            }
            return [[x[0], channels] + window(x, weights: node.opType == "Conv" ? input(1) : nil, attributes)]
                + [Shape?](repeating: nil, count: max(0, node.outputs.count - 1))
        case "ConvTranspose":
            guard let x = input(0), let w = input(1), x.count >= 3, w.count == x.count, let group = try? attributes.int("group", default: 1)
            else { return unknown }
            return [[x[0], w[1].map { $0 * group }] + transposedWindow(x, weights: w, attributes)]
        case "GlobalAveragePool", "GlobalMaxPool":
            guard let x = input(0), x.count >= 3 else { return unknown }
            return [[x[0], x[1]] + Shape(repeating: 1, count: x.count - 2)]
        case "MatMul":
            guard let a = input(0), let b = input(1), a.count >= 2, b.count >= 2 else { return unknown }
            let batch = broadcast([Array(a.dropLast(2)), Array(b.dropLast(2))])
            return [batch.map { $0 } + [a[a.count - 2], b[b.count - 1]]]
        case "Gemm":
            guard let a = input(0), let b = input(1), a.count == 2, b.count == 2 else { return unknown }
            let transA = ((try? attributes.int("transA", default: 0)) ?? 0) != 0
            let transB = ((try? attributes.int("transB", default: 0)) ?? 0) != 0
            return [[transA ? a[1] : a[0], transB ? b[0] : b[1]]]
        case "ArgMax", "ArgMin":
            guard let x = input(0), let axis = try? attributes.int("axis", default: 0), let keep = try? attributes.int("keepdims", default: 1)
            else { return unknown }
            let resolved = axis < 0 ? axis + x.count : axis
            guard resolved >= 0, resolved < x.count else { return unknown }
            var shape = x
            if keep != 0 { shape[resolved] = 1 } else { shape.remove(at: resolved) }
            return [shape]
        case "Pad":
            guard let x = input(0), let pads = opset >= 11 ? constantInts(1) : ((try? attributes.ints("pads")) ?? nil),
                node.inputs.count < 4 || node.inputs[3].isEmpty, pads.count == 2 * x.count
            else { return unknown }
            return [x.indices.map { axis in x[axis].map { $0 + pads[axis] + pads[axis + x.count] } }]
        case "Resize", "Upsample":
            // The rank never changes; sizes are known when the scales are constant and the input's are.
            guard let x = input(0) else { return unknown }
            let scalesAt = node.opType == "Upsample" || opset < 11 ? 1 : 2
            let hasAxes = (try? attributes.ints("axes")).map { $0 != nil } ?? true
            guard !hasAxes, node.inputs.count <= 3 || node.inputs[3].isEmpty,
                scalesAt < constants.count, let scales = constants[scalesAt]?.floatValues(), scales.count == x.count
            else { return [Shape(repeating: nil, count: x.count)] }
            return [zip(x, scales).map { size, scale in size.map { Int((Float($0) * scale).rounded(.down)) } }]
        case "Transpose":
            guard let x = input(0) else { return unknown }
            let perm = (try? attributes.ints("perm")) ?? nil ?? Array((0..<x.count).reversed())
            guard perm.count == x.count, perm.allSatisfy({ $0 >= 0 && $0 < x.count }) else { return unknown }
            return [perm.map { x[$0] }]
        case "Reshape":
            guard let target = constantInts(1) else { return unknown }
            let allowZero = ((try? attributes.int("allowzero", default: 0)) ?? 0) != 0
            let x = input(0)
            var shape: Shape = target.enumerated().map { index, value in
                if value == 0 && !allowZero { return x.flatMap { index < $0.count ? $0[index] : nil } }
                return value >= 0 ? value : nil
            }
            if let inferred = target.firstIndex(of: -1), let x, let total = product(x),
                let rest = product(shape.enumerated().filter { $0.offset != inferred }.map(\.element)), rest > 0
            {
                shape[inferred] = total / rest
            }
            return [shape]
        case "Unsqueeze":
            guard let x = input(0), let axes = opset >= 13 ? constantInts(1) : ((try? attributes.ints("axes")) ?? nil) else { return unknown }
            let rank = x.count + axes.count
            let resolved = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            guard resolved.count == axes.count, resolved.allSatisfy({ $0 >= 0 && $0 < rank }) else { return unknown }
            var remaining = x.makeIterator()
            return [(0..<rank).map { resolved.contains($0) ? 1 : (remaining.next() ?? nil) }]
        case "Squeeze":
            guard let x = input(0), let axes = opset >= 13 ? constantInts(1) : ((try? attributes.ints("axes")) ?? nil) else { return unknown }
            let resolved = Set(axes.map { $0 < 0 ? $0 + x.count : $0 })
            return [x.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)]
        case "Concat":
            guard let shapes = node.inputs.indices.map({ input($0) }) as? [Shape], let first = shapes.first,
                let axis = try? attributes.int("axis"), shapes.allSatisfy({ $0.count == first.count })
            else { return unknown }
            let resolved = axis < 0 ? axis + first.count : axis
            guard resolved >= 0, resolved < first.count else { return unknown }
            var shape = first
            shape[resolved] = shapes.reduce(Optional(0)) { total, next in total.flatMap { t in next[resolved].map { t + $0 } } }
            return [shape]
        case "Flatten":
            guard let x = input(0), let axis = try? attributes.int("axis", default: 1) else { return unknown }
            let resolved = axis < 0 ? axis + x.count : axis
            guard resolved >= 0, resolved <= x.count else { return unknown }
            return [[product(Array(x[..<resolved])), product(Array(x[resolved...]))]]
        default:
            return unknown
        }
    }

    /// Operators whose first output has exactly their first input's shape.
    static let sameShapeAsFirstInput: Set<String> = [
        "Relu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Celu", "Gelu", "Softplus",
        "Softsign", "Mish", "Cast", "CastLike", "Identity", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Erf", "Floor",
        "Ceil", "Round", "Sign", "Not", "Sin", "Cos", "Softmax", "LogSoftmax", "Hardmax", "BatchNormalization",
        "LayerNormalization", "InstanceNormalization", "Dropout", "IsNaN", "IsInf", "LRN"
    ]

    static let broadcasting: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
        "And", "Or", "Xor", "Where", "Max", "Min", "Sum", "Mean", "PRelu"
    ]

    /// Numpy broadcasting where some dimensions are unknown: a known dimension > 1 wins over
    /// unknown ones only when every other operand has 1 or the same value there.
    static func broadcast(_ shapes: [Shape]) -> Shape {
        let rank = shapes.map(\.count).max() ?? 0
        return (0..<rank).map { axis in
            var result: Int? = 1
            for shape in shapes {
                let offset = axis - (rank - shape.count)
                guard offset >= 0 else { continue }
                switch (result, shape[offset]) {
                case (_, 1?): continue
                case (1?, let d): result = d
                case (let r?, let d?) where r == d: continue
                default: return nil
                }
            }
            return result
        }
    }

    /// Spatial output sizes of a convolution or pooling window.
    private static func window(_ x: Shape, weights: Shape?, _ attributes: NodeAttributes) -> Shape {
        let spatial = x.count - 2
        let kernel = ((try? attributes.ints("kernel_shape")) ?? nil) ?? weights.map { Array($0.dropFirst(2)) }?.compactMap { $0 }
        let autoPad = ((try? attributes.string("auto_pad", default: "NOTSET")) ?? "NOTSET")
        let strides = ((try? attributes.ints("strides")) ?? nil) ?? Array(repeating: 1, count: spatial)
        let dilations = ((try? attributes.ints("dilations")) ?? nil) ?? Array(repeating: 1, count: spatial)
        let pads = ((try? attributes.ints("pads")) ?? nil) ?? Array(repeating: 0, count: 2 * spatial)
        let ceilMode = ((try? attributes.int("ceil_mode", default: 0)) ?? 0) != 0
        guard let kernel, kernel.count == spatial, strides.count == spatial, dilations.count == spatial, pads.count == 2 * spatial,
            autoPad == "NOTSET", !ceilMode, strides.allSatisfy({ $0 > 0 })
        else {
            return Shape(repeating: nil, count: spatial)
        }
        return (0..<spatial).map { axis in
            guard let size = x[axis + 2] else { return nil }
            let extent = dilations[axis] * (kernel[axis] - 1) + 1
            let padded = size + pads[axis] + pads[axis + spatial]
            return padded >= extent ? (padded - extent) / strides[axis] + 1 : nil
        }
    }

    /// Spatial output sizes of a ConvTranspose (nil where an output_shape or auto_pad decides them).
    private static func transposedWindow(_ x: Shape, weights: Shape, _ attributes: NodeAttributes) -> Shape {
        let spatial = x.count - 2
        let unknown = Shape(repeating: nil, count: spatial)
        let kernel = ((try? attributes.ints("kernel_shape")) ?? nil) ?? Array(weights.dropFirst(2)).compactMap { $0 }
        let strides = ((try? attributes.ints("strides")) ?? nil) ?? Array(repeating: 1, count: spatial)
        let dilations = ((try? attributes.ints("dilations")) ?? nil) ?? Array(repeating: 1, count: spatial)
        let pads = ((try? attributes.ints("pads")) ?? nil) ?? Array(repeating: 0, count: 2 * spatial)
        let outputPadding = ((try? attributes.ints("output_padding")) ?? nil) ?? Array(repeating: 0, count: spatial)
        let autoPad = (try? attributes.string("auto_pad", default: "NOTSET")) ?? "NOTSET"
        guard !attributes.has("output_shape"), autoPad == "NOTSET", kernel.count == spatial, strides.count == spatial,
            dilations.count == spatial, pads.count == 2 * spatial, outputPadding.count == spatial
        else { return unknown }
        return (0..<spatial).map { axis in
            x[axis + 2].map {
                strides[axis] * ($0 - 1) + outputPadding[axis] + (kernel[axis] - 1) * dilations[axis] + 1 - pads[axis] - pads[axis + spatial]
            }
        }
    }

    static func product(_ shape: Shape) -> Int? {
        shape.reduce(Optional(1)) { total, next in total.flatMap { t in next.map { t * $0 } } }
    }
}
