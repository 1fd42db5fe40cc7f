/// CenterCropPad: crops or zero-pads chosen axes to a size, keeping the centre (the odd element,
/// if any, goes at the end). One placement of the input into a zeroed output does both.
enum CenterCropPad {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("CenterCropPad", since: 18) { context in
            let axes = try context.attributes.ints("axes")
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "input_data")
                let sizes = try inputs.required(1, "shape").intList("shape")
                let resolved = try ShapeMath.axes(axes ?? Array(0..<input.rank), rank: input.rank, "CenterCropPad")
                guard sizes.count == resolved.count else {
                    throw OperatorFailure("CenterCropPad: \(sizes.count) sizes for \(resolved.count) axes")
                }
                var shape = input.shape
                var begins = [Int](repeating: 0, count: input.rank)
                for (axis, size) in zip(resolved, sizes) {
                    guard size >= 0, size <= Int(Int32.max) else { throw OperatorFailure("CenterCropPad: size \(size) is out of range") }
                    shape[axis] = size
                    // Centred: half the difference before, the odd element (if any) after.
                    begins[axis] = (size - input.shape[axis]) / 2
                }
                try ShapeMath.checkedCount(shape, width: input.elementType.byteWidth, "CenterCropPad")
                let output = try run.allocate(input.elementType, shape)
                Pad.place(input, into: output, at: begins)
                return [output]
            }
        }
    ]
}
