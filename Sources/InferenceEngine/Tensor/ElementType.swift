/// The element types of ONNX tensors, numbered as in `TensorProto.DataType` so files map directly.
public enum ElementType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case float = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case float16 = 10
    case double = 11
    case uint32 = 12
    case uint64 = 13
    case bfloat16 = 16

    /// Bytes per element; strings are not stored as fixed-size elements and report 0.
    public var byteWidth: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .float16, .bfloat16: 2
        case .float, .int32, .uint32: 4
        case .double, .int64, .uint64: 8
        case .string: 0
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float, .double, .float16, .bfloat16: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .float: "float32"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .float16: "float16"
        case .double: "float64"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .bfloat16: "bfloat16"
        }
    }

    /// Maps a `TensorProto.DataType` number, naming it in the error when the engine has no such type.
    static func from(onnx code: Int64, context: @autoclosure () -> String) throws(EngineError) -> ElementType {
        guard let raw = Int32(exactly: code), let type = ElementType(rawValue: raw) else {
            throw EngineError.unsupportedType(code: code, context: context())
        }
        return type
    }
}
