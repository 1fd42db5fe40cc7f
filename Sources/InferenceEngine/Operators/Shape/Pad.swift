/// Pad: grows (or, with negative pads, crops) each axis, filling the new border with a constant
/// or from the input itself (reflect, edge, wrap). Negative pads crop first; the border modes then
/// read from the cropped region, as onnxruntime does.
enum Pad {
    enum Mode: String, Sendable { case constant, reflect, edge, wrap }

    /// `pads` holds every axis' begin amounts, then every axis' end amounts.
    static func run(_ input: Tensor, pads: [Int], mode: Mode, value: Tensor?, context: ExecutionContext) throws -> Tensor {
        let rank = input.rank
        guard pads.count == 2 * rank else {
            throw OperatorFailure("Pad: \(pads.count) pads for input shape \(input.shape) (needs \(2 * rank))")
        }
        // Bounding the pads keeps every sum below in range; the output size is checked after.
        guard pads.allSatisfy({ $0 >= -Int(Int32.max) && $0 <= Int(Int32.max) }) else { throw OperatorFailure("Pad: pads \(pads) are too large") }
        let begins = Array(pads[..<rank])
        let ends = Array(pads[rank...])
        let shape = (0..<rank).map { input.shape[$0] + begins[$0] + ends[$0] }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw OperatorFailure("Pad: pads \(pads) crop shape \(input.shape) below zero") }
        try ShapeMath.checkedCount(shape, width: input.elementType.byteWidth, "Pad")
        if shape == input.shape && pads.allSatisfy({ $0 == 0 }) { return input }
        let output = try context.allocate(input.elementType, shape)
        if mode == .constant {
            if let value {
                guard value.count == 1 else { throw OperatorFailure("Pad: constant_value must be one value, has shape \(value.shape)") }
                Constants.fill(output, with: TensorCast.convert(value, to: input.elementType))
            }
            place(input, into: output, at: begins)
        } else {
            try border(input, into: output, begins: begins, ends: ends, mode: mode)
        }
        return output
    }

    /// Copies `input` into `output` with input index 0 landing at output index `begins` on each
    /// axis (negative: the input's first elements fall outside and are dropped), clipped to the
    /// overlap of both.
    static func place(_ input: Tensor, into output: Tensor, at begins: [Int]) {
        let width = input.elementType.byteWidth
        let inputStrides = input.strides
        let outputStrides = output.strides
        var sourceOffset = 0
        var destinationOffset = 0
        var shape: [Int] = []
        for axis in 0..<input.rank {
            let sourceStart = max(0, -begins[axis])
            let destinationStart = max(0, begins[axis])
            shape.append(max(0, min(input.shape[axis] - sourceStart, output.shape[axis] - destinationStart)))
            sourceOffset += sourceStart * inputStrides[axis]
            destinationOffset += destinationStart * outputStrides[axis]
        }
        guard !shape.contains(0) else { return }
        StridedCopy.copy(
            shape: shape, width: width, from: input.storage.bytes + sourceOffset * width, strides: inputStrides,
            to: output.storage.bytes + destinationOffset * width, strides: outputStrides)
    }

    /// For one axis, the input index each output index reads in a border mode.
    private static func sourceIndices(dim: Int, begin: Int, end: Int, output: Int, mode: Mode) throws -> [Int] {
        let low = max(0, -begin)
        let length = dim - low - max(0, -end)
        guard length > 0 || output == 0 else {
            throw OperatorFailure("Pad: cannot pad an empty axis in \(mode.rawValue) mode")
        }
        let shift = max(0, begin)
        return (0..<output).map { o in
            let p = o - shift
            if p >= 0 && p < length { return low + p }
            switch mode {
            case .edge, .constant:
                return low + max(0, min(length - 1, p))
            case .wrap:
                return low + ((p % length) + length) % length
            case .reflect:
                let period = 2 * (length - 1)
                guard period > 0 else { return low }
                let q = ((p % period) + period) % period
                return low + (q < length ? q : period - q)
            }
        }
    }

    /// Fills every output element from the input through per-axis index maps; the unpadded middle
    /// of each innermost row is copied whole.
    private static func border(_ input: Tensor, into output: Tensor, begins: [Int], ends: [Int], mode: Mode) throws {
        let rank = input.rank
        let shape = output.shape
        guard rank > 0, output.count > 0 else { return }
        let maps = try (0..<rank).map {
            try sourceIndices(dim: input.shape[$0], begin: begins[$0], end: ends[$0], output: shape[$0], mode: mode)
        }
        let width = input.elementType.byteWidth
        let strides = input.strides
        let source = input.storage.bytes
        let destination = output.storage.bytes
        let inner = rank - 1
        let columns = shape[inner]
        let lastMap = maps[inner]
        // The run of the innermost axis that reads the input in order.
        let middleStart = max(0, begins[inner])
        let middleCount = max(0, min(columns - middleStart, input.shape[inner] - max(0, -begins[inner])))
        var index = [Int](repeating: 0, count: inner)
        var rowSource = (0..<inner).reduce(0) { $0 + maps[$1][0] * strides[$1] }
        var rowDestination = 0
        while true {
            let row = source + rowSource * width
            let target = destination + rowDestination * width
            for c in 0..<middleStart {
                (target + c * width).copyMemory(from: row + lastMap[c] * width, byteCount: width)
            }
            if middleCount > 0 {
                (target + middleStart * width).copyMemory(from: row + lastMap[middleStart] * width, byteCount: middleCount * width)
            }
            for c in (middleStart + middleCount)..<columns {
                (target + c * width).copyMemory(from: row + lastMap[c] * width, byteCount: width)
            }
            rowDestination += columns
            var axis = inner - 1
            while axis >= 0 {
                rowSource -= maps[axis][index[axis]] * strides[axis]
                index[axis] += 1
                if index[axis] < shape[axis] {
                    rowSource += maps[axis][index[axis]] * strides[axis]
                    break
                }
                index[axis] = 0
                rowSource += maps[axis][0] * strides[axis]
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// Expands pads given for `axes` only to pads for every axis.
    static func fullPads(_ pads: [Int], axes: [Int]?, rank: Int) throws -> [Int] {
        guard let axes else { return pads }
        let resolved = try ShapeMath.axes(axes, rank: rank, "Pad")
        guard pads.count == 2 * resolved.count else {
            throw OperatorFailure("Pad: \(pads.count) pads for \(resolved.count) axes")
        }
        var full = [Int](repeating: 0, count: 2 * rank)
        for (i, axis) in resolved.enumerated() {
            full[axis] = pads[i]
            full[rank + axis] = pads[resolved.count + i]
        }
        return full
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("Pad", since: 2) { context in
            let name = try context.attributes.string("mode", default: "constant")
            guard let mode = Mode(rawValue: name) else { throw context.invalid("unknown mode '\(name)'") }
            if context.opset < 11 {
                guard let pads = try context.attributes.ints("pads") else { throw context.invalid("pads is required") }
                let value = Tensor(scalar: try context.attributes.float("value", default: 0))
                return ClosureOperator { inputs, run in
                    [try Pad.run(inputs.required(0, "data"), pads: pads, mode: mode, value: value, context: run)]
                }
            }
            return ClosureOperator { inputs, run in
                let data = try inputs.required(0, "data")
                let pads = try fullPads(
                    inputs.required(1, "pads").intList("pads"),
                    axes: inputs.optional(3)?.intList("axes"), rank: data.rank)
                let value = inputs.optional(2).flatMap { $0.count == 0 ? nil : $0 }
                return [try Pad.run(data, pads: pads, mode: mode, value: value, context: run)]
            }
        }
    ]
}
