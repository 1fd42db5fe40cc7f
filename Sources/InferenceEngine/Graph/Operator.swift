/// One executable node: built once at load time from the node's attributes (so bad attributes
/// fail at load), then run any number of times, possibly from several threads at once.
protocol Operator: Sendable {
    /// `inputs` follow the node's input order; an omitted optional input is nil.
    /// Returns the node's outputs in order (it may return more than the node asked for).
    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor]
}

/// A run-time failure inside an operator; the executor adds the operator and node names.
struct OperatorFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Everything an operator needs to build itself.
struct OperatorBuildContext {
    let node: NodeProto
    /// What messages call the node: its name, else its first output's, else its op type.
    let nodeName: String
    /// The opset version of the node's domain that the model imports.
    let opset: Int
    let attributes: NodeAttributes
    let decoder: TensorDecoder
    /// Values of this and enclosing scopes read by the node's subgraphs. They follow the node's own
    /// inputs in the `inputs` the operator receives, in this order.
    let outerValueNames: [String]
    /// Compiles a subgraph attribute (If/Loop/Scan body) with access to the enclosing scopes.
    let compileSubgraph: (GraphProto) throws(EngineError) -> CompiledGraph

    func unsupported(_ feature: String) -> EngineError {
        EngineError.unsupportedFeature("\(node.opType): \(feature)", node: nodeName)
    }

    func invalid(_ message: String) -> EngineError {
        EngineError.invalidModel("\(node.opType) node '\(nodeName)': \(message)")
    }
}

/// How an operator type is built; `minimumOpset` rejects files older than the semantics implemented.
struct OperatorSchema: Sendable {
    let domain: String
    let name: String
    let minimumOpset: Int
    let build: @Sendable (OperatorBuildContext) throws -> any Operator

    init(
        _ name: String, domain: String = "", since minimumOpset: Int = 1,
        _ build: @escaping @Sendable (OperatorBuildContext) throws -> any Operator
    ) {
        self.name = name
        self.domain = domain
        self.minimumOpset = minimumOpset
        self.build = build
    }

    var key: String { OperatorSchema.key(domain: domain, name: name) }

    static func key(domain: String, name: String) -> String {
        (domain == "ai.onnx" ? "" : domain) + ":" + name
    }
}

/// An operator written as a closure over its inputs, for the many operators with no state beyond
/// what the build step captured.
struct ClosureOperator: Operator {
    let body: @Sendable ([Tensor?], ExecutionContext) throws -> [Tensor]
    init(_ body: @escaping @Sendable ([Tensor?], ExecutionContext) throws -> [Tensor]) { self.body = body }
    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] { try body(inputs, context) }
}

extension Array where Element == Tensor? {
    /// The required input at `index`, failing with a clear reason when absent.
    func required(_ index: Int, _ name: String = "") throws -> Tensor {
        guard index < count, let tensor = self[index] else {
            throw OperatorFailure("missing required input \(index)\(name.isEmpty ? "" : " (\(name))")")
        }
        return tensor
    }

    /// The optional input at `index`, nil when absent or omitted.
    func optional(_ index: Int) -> Tensor? { index < count ? self[index] : nil }
}
