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
        for i in 0..<x.count {
            low = Swift.min(low, source[i])
            high = Swift.max(high, source[i])
        }
        let scale = high == low ? 1 : (high - low) / 255
        let zeroPoint = Swift.max(0, Swift.min(255, 0 - low / scale)).rounded(.toNearestOrEven)
        let output = try context.allocate(.uint8, x.shape)
        let y = output.mutablePointer(as: UInt8.self)
        for i in 0..<x.count {
            y[i] = Quantization.saturate(source[i] / scale, zeroPoint: zeroPoint.isNaN ? 0 : zeroPoint)
        }
        return [output, Tensor(scalar: scale), Tensor(scalar: UInt8(zeroPoint.isNaN ? 0 : zeroPoint))]
    }
}
