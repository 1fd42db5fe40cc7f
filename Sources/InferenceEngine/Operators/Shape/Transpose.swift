/// Transpose and the block rearrangements defined through it (DepthToSpace, SpaceToDepth).
enum Transpose {
    /// `input` with its axes reordered: output axis `i` is input axis `permutation[i]`.
    /// When only unit axes move, the element order is unchanged and the result is a view.
    static func run(_ input: Tensor, _ permutation: [Int], context: ExecutionContext) throws -> Tensor {
        guard permutation.count == input.rank, Set(permutation) == Set(0..<input.rank) else {
            throw OperatorFailure("Transpose: perm \(permutation) is not a permutation of the axes of shape \(input.shape)")
        }
        let shape = permutation.map { input.shape[$0] }
        let moved = permutation.filter { input.shape[$0] != 1 }
        if moved == moved.sorted() { return input.reshaped(shape) }
        let strides = input.strides
        return try StridedCopy.gather(input, shape: shape, strides: permutation.map { strides[$0] }, context: context)
    }

    /// Reshape to `view`, transpose by `permutation`, reshape to `shape`.
    private static func rearrange(
        _ input: Tensor, view: [Int], _ permutation: [Int], shape: [Int],
        context: ExecutionContext
    ) throws -> Tensor {
        try run(input.reshaped(view), permutation, context: context).reshaped(shape)
    }

    /// The 4-D input shape and block size checks shared by DepthToSpace and SpaceToDepth.
    private static func blockDimensions(_ input: Tensor, _ op: String) throws -> (n: Int, c: Int, h: Int, w: Int) {
        guard input.rank == 4 else { throw OperatorFailure("\(op) needs a 4-D input, got shape \(input.shape)") }
        return (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    }

    private static func blockSize(_ context: OperatorBuildContext) throws -> Int {
        // The upper bound keeps blocksize² and dimension × blocksize far from overflow.
        guard let size = try context.attributes.int("blocksize"), size > 0, size <= 1 << 16 else {
            throw context.invalid("blocksize must be an int in 1...65536")
        }
        return size
    }

    private static func mode(_ context: OperatorBuildContext) throws -> Bool {
        let mode = try context.attributes.string("mode", default: "DCR")
        guard mode == "DCR" || mode == "CRD" else { throw context.invalid("mode must be DCR or CRD, got \(mode)") }
        return mode == "CRD"
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("Transpose") { context in
            let perm = try context.attributes.ints("perm")
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "data")
                return [try Transpose.run(input, perm ?? Array((0..<input.rank).reversed()), context: run)]
            }
        },
        OperatorSchema("DepthToSpace") { context in
            let b = try blockSize(context)
            let crd = try mode(context)
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "input")
                let (n, c, h, w) = try blockDimensions(input, "DepthToSpace")
                guard c % (b * b) == 0 else { throw OperatorFailure("DepthToSpace: \(c) channels do not split into blocks of \(b)x\(b)") }
                let depth = c / (b * b)
                let shape = [n, depth, h * b, w * b]
                return [
                    crd
                        ? try rearrange(input, view: [n, depth, b, b, h, w], [0, 1, 4, 2, 5, 3], shape: shape, context: run)
                        : try rearrange(input, view: [n, b, b, depth, h, w], [0, 3, 4, 1, 5, 2], shape: shape, context: run)
                ]
            }
        },
        OperatorSchema("SpaceToDepth") { context in
            let b = try blockSize(context)
            let crd = try mode(context)
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "input")
                let (n, c, h, w) = try blockDimensions(input, "SpaceToDepth")
                guard h % b == 0, w % b == 0 else { throw OperatorFailure("SpaceToDepth: \(h)x\(w) does not split into blocks of \(b)x\(b)") }
                let view = [n, c, h / b, b, w / b, b]
                let shape = [n, c * b * b, h / b, w / b]
                return [try rearrange(input, view: view, crd ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4], shape: shape, context: run)]
            }
        }
    ]
}
