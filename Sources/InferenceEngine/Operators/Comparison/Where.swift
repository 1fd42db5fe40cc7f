/// Where(condition, X, Y): picks from X or Y, all three broadcast together; any element type.
enum Where {
    static let schema = OperatorSchema("Where", since: 9) { _ in
        ClosureOperator { inputs, context in
            let condition = try inputs.required(0)
            let x = try inputs.required(1)
            let y = try inputs.required(2)
            try condition.require([.bool], "Where condition")
            guard x.elementType == y.elementType else { throw OperatorFailure("X is \(x.elementType) but Y is \(y.elementType)") }
            let shape = try Broadcast.shape([condition.shape, x.shape, y.shape])
            let output = try context.allocate(x.elementType, shape)
            let width = x.elementType.byteWidth
            let c = condition.pointer(as: Bool.self)
            let px = x.storage.bytes
            let py = y.storage.bytes
            let po = output.storage.bytes
            let strides = [condition.shape, x.shape, y.shape].map { Broadcast.strides(of: $0, in: shape) }
            Broadcast.forEachRow(shape: shape, operandStrides: strides) { start, offsets, length, inner in
                var ic = offsets[0]
                var ix = offsets[1]
                var iy = offsets[2]
                for j in 0..<length {
                    let source = c[ic] ? px + ix * width : py + iy * width
                    (po + (start + j) * width).copyMemory(from: source, byteCount: width)
                    ic += inner[0]
                    ix += inner[1]
                    iy += inner[2]
                }
            }
            return [output]
        }
    }
}
