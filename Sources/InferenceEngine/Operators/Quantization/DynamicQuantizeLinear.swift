import CKernels

/// DynamicQuantizeLinear: uint8 quantization with a scale and zero point chosen so the data's
/// range (widened to include 0) maps onto 0...255.
enum DynamicQuantizeLinear {
    static let schema = OperatorSchema("DynamicQuantizeLinear", since: 11) { _ in
        ClosureOperator { inputs, context in try run(inputs.required(0, "x"), context: context) }
    }

    static func run(_ x: Tensor, context: ExecutionContext) throws -> [Tensor] {
        guard x.elementType == .float else { throw OperatorFailure("x must be float32, got \(x.elementType)") }
        let source = x.pointer(as: Float.self)
        var low: Float = 0
        var high: Float = 0
        ck_range_with_zero(source, x.count, &low, &high)
        let scale = high == low ? 1 : (high - low) / 255
        let rounded = Swift.max(0, Swift.min(255, 0 - low / scale)).rounded(.toNearestOrEven)
        let zeroPoint = rounded.isNaN ? 0 : rounded
        let output = try context.allocate(.uint8, x.shape)
        ck_quantize_u8(source, output.mutablePointer(as: UInt8.self), x.count, scale, zeroPoint)
        return [output, Tensor(scalar: scale), Tensor(scalar: UInt8(zeroPoint))]
    }
}
