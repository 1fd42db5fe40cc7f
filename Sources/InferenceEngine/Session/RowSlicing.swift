/// A large batch run as slices of rows (see `SessionOptions.rowSliceBytes`): each slice's inputs
/// borrow the caller's tensors (no copy), each slice's outputs are copied into outputs allocated
/// once for the whole batch, so a run holds the inputs, the outputs and one slice's activations.
///
/// Used only when the model keeps its rows apart (`Model.rowsAreIndependent`), so the joined
/// outputs are the ones a whole run would give.
struct RowSlicing {
    /// The row inputs' names, in the order given.
    let rowInputs: [String]
    /// Rows in the batch (axis 0 of every row input).
    let rows: Int
    /// Rows per slice (the last slice may have fewer).
    let rowsPerSlice: Int

    /// The slicing for `inputs`, or nil when the run is small enough (or unsuited) to run whole:
    /// row inputs over `sliceBytes` bytes together, of one row count, of fixed-size elements.
    init?(inputs: [String: Tensor], rowInputs: [String], sliceBytes: Int) {
        var rows: Int?
        var bytesPerRow = 0
        var totalBytes = 0
        for name in rowInputs {
            guard let tensor = inputs[name] else { continue }
            guard tensor.rank >= 1, tensor.elementType != .string, rows == nil || rows == tensor.shape[0] else { return nil }
            rows = tensor.shape[0]
            totalBytes += tensor.byteCount
            bytesPerRow += tensor.shape[0] > 0 ? tensor.byteCount / tensor.shape[0] : 0
        }
        guard let rows, rows > 1, totalBytes > sliceBytes, bytesPerRow > 0 else { return nil }
        self.rowInputs = rowInputs.filter { inputs[$0] != nil }
        self.rows = rows
        rowsPerSlice = max(1, min(rows, sliceBytes / bytesPerRow))
        guard rowsPerSlice < rows else { return nil }
    }

    /// `inputs` with each row input narrowed to rows `range` (borrowed, not copied).
    func slice(_ inputs: [String: Tensor], _ range: Range<Int>) -> [String: Tensor] {
        var sliced = inputs
        for name in rowInputs {
            guard let tensor = inputs[name] else { continue }
            let rowBytes = tensor.byteCount / rows
            let storage = TensorStorage(
                borrowing: tensor.storage.bytes + range.lowerBound * rowBytes, byteCount: range.count * rowBytes, owner: tensor.storage)
            sliced[name] = Tensor(elementType: tensor.elementType, shape: [range.count] + tensor.shape.dropFirst(), storage: storage)
        }
        return sliced
    }

    /// Runs `runSlice` over every slice and joins its outputs along axis 0; nil when a slice's
    /// outputs cannot be joined (string outputs, or rows that do not line up), and the caller
    /// then runs the batch whole.
    func run(_ inputs: [String: Tensor], _ runSlice: ([String: Tensor]) throws(EngineError) -> [Tensor]) throws(EngineError) -> [Tensor]? {
        var joined: [TensorStorage] = []
        var shapes: [[Int]] = []
        var types: [ElementType] = []
        for start in stride(from: 0, to: rows, by: rowsPerSlice) {
            let range = start..<min(start + rowsPerSlice, rows)
            let outputs = try runSlice(slice(inputs, range))
            if joined.isEmpty {
                for output in outputs {
                    guard output.rank >= 1, output.elementType != .string, output.shape[0] == range.count else { return nil }
                    let shape = [rows] + output.shape.dropFirst()
                    guard case .success(let size) = CheckedShape.size(shape, elementWidth: output.elementType.byteWidth) else { return nil }
                    joined.append(TensorStorage(byteCount: size.bytes, zeroed: false))
                    shapes.append(shape)
                    types.append(output.elementType)
                }
            }
            guard outputs.count == joined.count else { return nil }
            for (index, output) in outputs.enumerated() {
                guard output.elementType == types[index], output.shape == [range.count] + shapes[index].dropFirst() else { return nil }
                let rowBytes = output.byteCount / max(range.count, 1)
                (joined[index].bytes + start * rowBytes).copyMemory(from: output.storage.bytes, byteCount: output.byteCount)
            }
        }
        return zip(joined, zip(types, shapes)).map { storage, typeAndShape in
            Tensor(elementType: typeAndShape.0, shape: typeAndShape.1, storage: storage)
        }
    }
}
