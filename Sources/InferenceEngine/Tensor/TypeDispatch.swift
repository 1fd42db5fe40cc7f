/// Runs generic code for a tensor's element type. Swift cannot pass a generic closure, so each
/// family of element types has a visitor protocol whose one generic method is the body.
protocol NumericVisitor {
    associatedtype Output
    func visit<T: NumericElement>(_ type: T.Type) throws -> Output
}

protocol ElementVisitor {
    associatedtype Output
    func visit<T: TensorElement>(_ type: T.Type) throws -> Output
}

extension ElementType {
    /// Calls `visitor` with this numeric type; bool, bfloat16 and string are refused with `op` named.
    func dispatchNumeric<V: NumericVisitor>(_ visitor: V, op: String) throws -> V.Output {
        switch self {
        case .float: try visitor.visit(Float.self)
        case .double: try visitor.visit(Double.self)
        case .float16: try visitor.visit(Float16.self)
        case .int8: try visitor.visit(Int8.self)
        case .uint8: try visitor.visit(UInt8.self)
        case .int16: try visitor.visit(Int16.self)
        case .uint16: try visitor.visit(UInt16.self)
        case .int32: try visitor.visit(Int32.self)
        case .uint32: try visitor.visit(UInt32.self)
        case .int64: try visitor.visit(Int64.self)
        case .uint64: try visitor.visit(UInt64.self)
        case .bool, .bfloat16, .string: throw OperatorFailure("\(op) does not support \(self) tensors")
        }
    }

    /// Calls `visitor` with this element type (every type but string).
    func dispatch<V: ElementVisitor>(_ visitor: V, op: String) throws -> V.Output {
        switch self {
        case .float: try visitor.visit(Float.self)
        case .double: try visitor.visit(Double.self)
        case .float16: try visitor.visit(Float16.self)
        case .bfloat16: try visitor.visit(BFloat16.self)
        case .bool: try visitor.visit(Bool.self)
        case .int8: try visitor.visit(Int8.self)
        case .uint8: try visitor.visit(UInt8.self)
        case .int16: try visitor.visit(Int16.self)
        case .uint16: try visitor.visit(UInt16.self)
        case .int32: try visitor.visit(Int32.self)
        case .uint32: try visitor.visit(UInt32.self)
        case .int64: try visitor.visit(Int64.self)
        case .uint64: try visitor.visit(UInt64.self)
        case .string: throw OperatorFailure("\(op) does not support string tensors")
        }
    }
}
