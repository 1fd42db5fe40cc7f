/// RNN, GRU and LSTM share this driver. Inputs: X, W, R, B, sequence_lens, initial_h, and for
/// LSTM initial_c and P. Outputs: Y, Y_h, and for LSTM Y_c.
///
/// Speed matters (streaming models run a layer per audio frame), so each direction first
/// projects every time step's input through W in one matrix product (bias included), and the
/// time loop then only adds R·hₜ₋₁ and applies the gates. Float16, bfloat16 and float64 compute
/// through float32.
struct RecurrentLayerOperator<Cell: RecurrentCell>: Operator {
    let cell: Cell
    let reverseFirst: Bool
    let directions: Int
    let declaredHidden: Int?
    let batchMajor: Bool
    let clip: Float?
    /// Activations per direction.
    let activations: [[RecurrentActivation]]
    let producesY: Bool

    init(cell: Cell, context: OperatorBuildContext) throws {
        self.cell = cell
        let attributes = context.attributes
        switch try attributes.string("direction", default: "forward") {
        case "forward": (reverseFirst, directions) = (false, 1)
        case "reverse": (reverseFirst, directions) = (true, 1)
        case "bidirectional": (reverseFirst, directions) = (false, 2)
        case let other: throw context.invalid("direction '\(other)' is not forward, reverse or bidirectional")
        }
        declaredHidden = try attributes.int("hidden_size")
        if let hidden = declaredHidden, hidden <= 0 { throw context.invalid("hidden_size \(hidden) must be positive") }
        let layout = try attributes.int("layout", default: 0)
        guard layout == 0 || layout == 1 else { throw context.invalid("layout \(layout) must be 0 or 1") }
        batchMajor = layout == 1
        if let clip = try attributes.float("clip") {
            guard clip > 0 else { throw context.invalid("clip \(clip) must be positive") }
            self.clip = clip
        } else {
            clip = nil
        }
        let perDirection = Cell.defaultActivations.count
        if let names = try attributes.strings("activations") {
            guard names.count == perDirection * directions else {
                throw context.invalid("\(names.count) activations given, \(Cell.opName) needs \(perDirection) per direction × \(directions)")
            }
            let parsed = try RecurrentActivation.parse(
                names: names, alphas: try attributes.floats("activation_alpha") ?? [],
                betas: try attributes.floats("activation_beta") ?? [], context: context)
            activations = (0..<directions).map { Array(parsed[$0 * perDirection..<($0 + 1) * perDirection]) }
        } else {
            activations = Array(repeating: Cell.defaultActivations, count: directions)
        }
        producesY = !(context.node.outputs.first ?? .none).isEmpty
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let op = Cell.opName
        let original = try inputs.required(0, "X")
        try original.require(ElementType.floats, "\(op) input X")
        func float(_ index: Int, _ name: String) throws -> Tensor? {
            guard let tensor = inputs.optional(index) else { return nil }
            guard tensor.elementType == original.elementType else {
                throw OperatorFailure("\(op) input \(name) is \(tensor.elementType), X is \(original.elementType)")
            }
            return TensorCast.convert(tensor, to: .float, context: context)
        }
        let x = TensorCast.convert(original, to: .float, context: context)
        guard let w = try float(1, "W"), let r = try float(2, "R") else {
            throw OperatorFailure("\(op) needs inputs W and R")
        }
        let bias = try float(3, "B")
        let initialH = try float(5, "initial_h")
        let initialC = Cell.carriesCellState ? try float(6, "initial_c") : nil
        let peepholes = Cell.carriesCellState ? try float(7, "P") : nil

        guard x.rank == 3 else { throw OperatorFailure("\(op) X must have rank 3, has shape \(x.shape)") }
        let steps = batchMajor ? x.shape[1] : x.shape[0]
        let batch = batchMajor ? x.shape[0] : x.shape[1]
        let inputSize = x.shape[2]
        let gates = Cell.gateCount
        guard r.rank == 3, r.shape[0] == directions, r.shape[1] % gates == 0, r.shape[1] / gates == r.shape[2] else {
            throw OperatorFailure("\(op) R has shape \(r.shape), expected [\(directions), \(gates)·hidden, hidden]")
        }
        let hidden = r.shape[2]
        if let declared = declaredHidden, declared != hidden {
            throw OperatorFailure("\(op) hidden_size is \(declared) but R has shape \(r.shape)")
        }
        let width = gates * hidden
        try Self.check(w, [directions, width, inputSize], "W")
        if let bias { try Self.check(bias, [directions, 2 * width], "B") }
        let stateShape = batchMajor ? [batch, directions, hidden] : [directions, batch, hidden]
        if let initialH { try Self.check(initialH, stateShape, "initial_h") }
        if let initialC { try Self.check(initialC, stateShape, "initial_c") }
        if let peepholes { try Self.check(peepholes, [directions, 3 * hidden], "P") }
        let lengths = try sequenceLengths(inputs.optional(4), steps: steps, batch: batch)

        let yShape = producesY ? (batchMajor ? [batch, steps, directions, hidden] : [steps, directions, batch, hidden]) : [0]
        let y = try context.allocate(.float, yShape)
        let finalH = try context.allocate(.float, stateShape)
        let finalC = try context.allocate(.float, Cell.carriesCellState ? stateShape : [0])
        var projection: Tensor? = try context.allocate(.float, [steps * batch, width])
        var scratch: Tensor? = try context.allocate(.float, [max(width, 2 * hidden)])

        let geometry = Geometry(steps: steps, batch: batch, directions: directions, hidden: hidden, batchMajor: batchMajor)
        if let projectionBuffer = projection, let scratchBuffer = scratch {
            for direction in 0..<directions {
                runDirection(
                    direction, geometry: geometry, x: x.pointer(as: Float.self), inputSize: inputSize,
                    w: w.pointer(as: Float.self), r: r.pointer(as: Float.self),
                    bias: bias?.pointer(as: Float.self), peepholes: peepholes?.pointer(as: Float.self),
                    initialH: initialH?.pointer(as: Float.self), initialC: initialC?.pointer(as: Float.self),
                    lengths: lengths,
                    projection: projectionBuffer.mutablePointer(as: Float.self),
                    scratch: scratchBuffer.mutablePointer(as: Float.self),
                    y: producesY ? y.mutablePointer(as: Float.self) : nil,
                    h: finalH.mutablePointer(as: Float.self), c: finalC.mutablePointer(as: Float.self))
            }
        }
        context.recycle(&projection)
        context.recycle(&scratch)
        let type = original.elementType
        return [
            TensorCast.convert(y, to: type, context: context), TensorCast.convert(finalH, to: type, context: context),
            TensorCast.convert(finalC, to: type, context: context)
        ]
    }

    private static func check(_ tensor: Tensor, _ expected: [Int], _ name: String) throws {
        guard tensor.shape == expected else {
            throw OperatorFailure("\(Cell.opName) \(name) has shape \(tensor.shape), expected \(expected)")
        }
    }

    private func sequenceLengths(_ tensor: Tensor?, steps: Int, batch: Int) throws -> [Int] {
        guard let tensor else { return Array(repeating: steps, count: batch) }
        let values = try tensor.intValues("\(Cell.opName) sequence_lens")
        guard values.count == batch else {
            throw OperatorFailure("\(Cell.opName) sequence_lens has \(values.count) entries for batch \(batch)")
        }
        for length in values where length < 0 || length > steps {
            throw OperatorFailure("\(Cell.opName) sequence_lens entry \(length) is outside 0...\(steps)")
        }
        return values
    }

    /// Where rows live in X, Y and the state tensors for the chosen layout.
    private struct Geometry {
        let steps: Int, batch: Int, directions: Int, hidden: Int, batchMajor: Bool
        @inline(__always) func inputRow(time: Int, row: Int) -> Int { batchMajor ? row * steps + time : time * batch + row }
        @inline(__always) func outputOffset(time: Int, direction: Int, row: Int) -> Int {
            (batchMajor ? (row * steps + time) * directions + direction : (time * directions + direction) * batch + row) * hidden
        }
        @inline(__always) func stateOffset(direction: Int, row: Int) -> Int {
            (batchMajor ? row * directions + direction : direction * batch + row) * hidden
        }
    }

    private func runDirection(
        _ direction: Int, geometry: Geometry, x: UnsafePointer<Float>, inputSize: Int,
        w: UnsafePointer<Float>, r: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        peepholes: UnsafePointer<Float>?, initialH: UnsafePointer<Float>?, initialC: UnsafePointer<Float>?,
        lengths: [Int], projection: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        y: UnsafeMutablePointer<Float>?, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        let hidden = geometry.hidden
        let width = Cell.gateCount * hidden
        let rows = geometry.steps * geometry.batch
        let reverse = direction == 1 || reverseFirst

        // Input projection for every time step: rows of X · Wᵀ + Wb (+ Rb where the cell folds it).
        let directionBias = bias.map { $0 + direction * 2 * width }
        if let b = directionBias {
            for gate in 0..<Cell.gateCount {
                let folded = cell.foldsRecurrentBias(gate: gate)
                for i in 0..<hidden {
                    let k = gate * hidden + i
                    scratch[k] = b[k] + (folded ? b[width + k] : 0)
                }
            }
            for row in 0..<rows { (projection + row * width).update(from: scratch, count: width) }
        } else {
            projection.update(repeating: 0, count: rows * width)
        }
        DotProducts.addProducts(
            m: rows, n: width, k: inputSize, x, lda: inputSize,
            w + direction * width * inputSize, ldb: inputSize, projection, ldc: width)

        // Initial states, written straight into the final-state outputs and advanced there.
        for row in 0..<geometry.batch {
            let offset = geometry.stateOffset(direction: direction, row: row)
            if let initialH { (h + offset).update(from: initialH + offset, count: hidden) }
            if Cell.carriesCellState, let initialC { (c + offset).update(from: initialC + offset, count: hidden) }
        }

        let weights = RecurrentWeights(
            hidden: hidden, recurrence: r + direction * width * hidden,
            recurrentBias: directionBias.map { $0 + width },
            peepholes: peepholes.map { $0 + direction * 3 * hidden },
            activations: activations[direction], clip: clip)
        // Each (time, row) projection is read once, so the step works on it in place.
        let longest = lengths.max() ?? 0
        for step in 0..<longest {
            for row in 0..<geometry.batch where step < lengths[row] {
                let time = reverse ? lengths[row] - 1 - step : step
                let gates = projection + geometry.inputRow(time: time, row: row) * width
                let state = geometry.stateOffset(direction: direction, row: row)
                cell.step(gates, h: h + state, c: c + state, scratch: scratch, weights: weights)
                if let y {
                    (y + geometry.outputOffset(time: time, direction: direction, row: row)).update(from: h + state, count: hidden)
                }
            }
        }
    }
}
