/// BitCast: reinterprets each element's bytes as another type of the same width. The output
/// shares the input's storage (tensors are never written after creation), except for a bool
/// target, whose bytes are normalized to 0 or 1 so no invalid Bool is ever read.
struct BitCastOperator: Operator {
    static let schema = OperatorSchema("BitCast", since: 26) { try BitCastOperator(context: $0) }

    let target: ElementType

    init(context: OperatorBuildContext) throws {
        guard let code = try context.attributes.int("to") else { throw context.invalid("'to' is required") }
        guard let raw = Int32(exactly: code), let type = ElementType(rawValue: raw) else {
            throw context.unsupported("target type \(code)")
        }
        guard type != .string else { throw context.invalid("BitCast to string is not defined") }
        target = type
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let input = try inputs.required(0, "input")
        guard input.elementType != .string, input.elementType.byteWidth == target.byteWidth else {
            throw OperatorFailure("BitCast needs types of the same bit width, got \(input.elementType) to \(target)")
        }
        guard target == .bool, input.elementType != .bool else {
            return [Tensor(elementType: target, shape: input.shape, storage: input.storage)]
        }
        let output = try context.allocate(.bool, input.shape)
        let source = input.pointer(as: UInt8.self)
        let destination = output.mutablePointer(as: UInt8.self)
        for i in 0..<input.count { destination[i] = source[i] == 0 ? 0 : 1 }
        return [output]
    }
}
