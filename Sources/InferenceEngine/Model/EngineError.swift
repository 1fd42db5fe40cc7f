/// Everything the engine can refuse, each case carrying enough context to find the problem:
/// the byte offset in the file, the node and operator, or the input name.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a well-formed ONNX protobuf (truncated, bad wire type, lengths past the end).
    case malformedModel(String, offset: Int)
    /// The protobuf parsed but the model breaks an ONNX rule (dangling input, cycle, bad attribute).
    case invalidModel(String)
    /// An operator (or an opset of it) this engine does not implement, found at load time.
    case unsupportedOperator(op: String, domain: String, opset: Int, node: String)
    /// A feature of a supported operator that this engine does not implement.
    case unsupportedFeature(String, node: String)
    case unsupportedType(code: Int64, context: String)
    case invalidTensor(String)
    case typeMismatch(String)
    /// Run-time input problems: wrong names, types or shapes.
    case invalidInput(String)
    /// An operator failed at run time (shapes that do not broadcast, out-of-range indices).
    case operatorFailed(op: String, node: String, reason: String)
    case io(String)

    public var description: String {
        switch self {
        case .malformedModel(let message, let offset): "malformed ONNX file at byte \(offset): \(message)"
        case .invalidModel(let message): "invalid ONNX model: \(message)"
        case .unsupportedOperator(let op, let domain, let opset, let node):
            "unsupported operator \(domain.isEmpty ? "ai.onnx" : domain):\(op) (opset \(opset)) in node '\(node)'"
        case .unsupportedFeature(let message, let node): "unsupported in node '\(node)': \(message)"
        case .unsupportedType(let code, let context): "unsupported element type \(code) in \(context)"
        case .invalidTensor(let message): "invalid tensor: \(message)"
        case .typeMismatch(let message): "type mismatch: \(message)"
        case .invalidInput(let message): "invalid input: \(message)"
        case .operatorFailed(let op, let node, let reason): "\(op) node '\(node)' failed: \(reason)"
        case .io(let message): message
        }
    }

    /// True when the model uses something this engine lacks (as opposed to being broken).
    public var isUnsupported: Bool {
        switch self {
        case .unsupportedOperator, .unsupportedFeature, .unsupportedType: true
        default: false
        }
    }
}
