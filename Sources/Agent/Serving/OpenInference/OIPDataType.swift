import InferenceEngine

/// The Open Inference Protocol's tensor datatypes (`FP32`, `INT64`, …) and the engine's element types.
enum OIPDataType {
    static func name(of type: ElementType) -> String {
        switch type {
        case .bool: "BOOL"
        case .uint8: "UINT8"
        case .uint16: "UINT16"
        case .uint32: "UINT32"
        case .uint64: "UINT64"
        case .int8: "INT8"
        case .int16: "INT16"
        case .int32: "INT32"
        case .int64: "INT64"
        case .float16: "FP16"
        case .bfloat16: "BF16"
        case .float: "FP32"
        case .double: "FP64"
        case .string: "BYTES"
        }
    }

    /// The element type for `name`; nil for `BYTES` (the engine takes no string inputs) and unknown names.
    static func elementType(_ name: String) -> ElementType? {
        ElementType.allCases.first { $0 != .string && self.name(of: $0) == name }
    }
}
