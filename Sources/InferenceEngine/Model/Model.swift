import CKernels

/// What a model file declares, read without compiling it: enough for `inspect`, even for a model
/// this engine cannot run.
public struct ModelSummary: Sendable {
    /// A declared graph input or output.
    public struct ValueDescription: Sendable, CustomStringConvertible {
        public let name: String
        public let elementType: ElementType?
        /// nil when the rank is unknown; nil dimensions are symbolic (named in `dimensionNames`).
        public let shape: [Int?]?
        public let dimensionNames: [String?]

        public var description: String {
            let dims =
                shape.map { dims in
                    dims.enumerated().map { index, value in
                        value.map(String.init) ?? (index < dimensionNames.count ? dimensionNames[index] ?? "?" : "?")
                    }.joined(separator: ",")
                } ?? "…"
            return "\(name): \(elementType?.description ?? "?") [\(dims)]"
        }
    }

    public let irVersion: Int
    /// Imported opsets by domain ("ai.onnx" for the default domain).
    public let opsets: [(domain: String, version: Int)]
    public let producer: String
    public let inputs: [ValueDescription]
    public let outputs: [ValueDescription]
    /// Nodes per operator type (`domain:Op` outside ai.onnx), subgraphs included.
    public let operatorHistogram: [String: Int]
    /// Elements in all initializers and Constant nodes.
    public let parameterCount: Int
    /// Size of the file the model was loaded from.
    public let fileSize: Int

    /// IR versions whose files this loader reads (the protobuf layout is stable across them).
    public static let supportedIRVersions = 3...13

    /// Parses the file at `path` without compiling it.
    public init(contentsOf path: String) throws(EngineError) {
        self = try ModelSummary.parse(ModelBytes(contentsOf: path)).summary
    }

    /// Opset version per domain ("" for ai.onnx); a file importing none gets ai.onnx 1, as IR 3 did.
    static func opsetImports(_ proto: ModelProto) -> [String: Int] {
        var imports: [String: Int] = [:]
        for opset in proto.opsets { imports[opset.domain == "ai.onnx" ? "" : opset.domain] = opset.version }
        if proto.opsets.isEmpty { imports[""] = 1 }
        return imports
    }

    init(proto: ModelProto, file: ModelBytes) {
        let imports = Self.opsetImports(proto)
        irVersion = Int(clamping: proto.irVersion)
        opsets = imports.map { (domain: $0.key.isEmpty ? "ai.onnx" : $0.key, version: $0.value) }.sorted { $0.domain < $1.domain }
        producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        let initializerNames = Set(proto.graph.initializers.map(\.name))
        inputs = proto.graph.inputs.filter { !initializerNames.contains($0.name) }.map(Self.describe)
        outputs = proto.graph.outputs.map(Self.describe)
        var histogram: [String: Int] = [:]
        Self.countOperators(proto.graph, into: &histogram)
        operatorHistogram = histogram
        parameterCount = Self.countParameters(proto.graph, file: file)
        fileSize = file.count
    }

    /// Parses and checks the envelope: a graph, a supported IR version.
    static func parse(_ file: ModelBytes) throws(EngineError) -> (proto: ModelProto, summary: ModelSummary) {
        // Protobuf's own limit, which the loader's 32-bit offsets rely on; ONNX keeps larger weights
        // in external data files.
        guard file.count < Int(Int32.max) else {
            throw EngineError.invalidModel("the file is \(file.count) bytes; an ONNX protobuf must be under 2 GiB (larger weights go in external data)")
        }
        var reader = ProtoReader(buffer: file.buffer, range: 0..<file.count)
        let proto = try ModelProto(reader: &reader)
        guard proto.hasGraph else { throw EngineError.malformedModel("no graph in the file (is it an ONNX model?)", offset: 0) }
        guard supportedIRVersions.contains(Int(clamping: proto.irVersion)) else {
            throw EngineError.invalidModel("IR version \(proto.irVersion) is outside the supported \(supportedIRVersions)")
        }
        return (proto, ModelSummary(proto: proto, file: file))
    }

    private static func describe(_ value: ValueInfoProto) -> ValueDescription {
        let type = value.type.flatMap { $0.elementType == 0 ? nil : ElementType(rawValue: Int32(clamping: $0.elementType)) }
        return ValueDescription(
            name: value.name, elementType: type, shape: value.type?.dims,
            dimensionNames: value.type?.dimNames ?? [])
    }

    /// Elements in initializers and in Constant nodes' tensors (some exporters keep every weight in
    /// Constant nodes), subgraphs included.
    private static func countParameters(_ graph: GraphProto, file: ModelBytes) -> Int {
        func elements(_ tensor: TensorProto) -> Int { tensor.dims.reduce(1) { $0 &* Int(clamping: max($1, 0)) } }
        var total = graph.initializers.reduce(0) { $0 &+ elements($1) }
        for node in graph.nodes where node.opType == "Constant" || node.subgraphAttributes != nil {
            // Parse already decoded these attributes once, so they decode again without error.
            for attribute in (try? node.attributes(in: file)) ?? [] {
                if node.opType == "Constant", let tensor = attribute.tensor { total &+= elements(tensor) }
                for subgraph in (attribute.graph.map { [$0] } ?? []) + attribute.graphs { total &+= countParameters(subgraph, file: file) }
            }
        }
        return total
    }

    private static func countOperators(_ graph: GraphProto, into histogram: inout [String: Int]) {
        for node in graph.nodes {
            let domain = node.domain == "ai.onnx" ? "" : node.domain
            histogram[domain.isEmpty ? node.opType : "\(domain):\(node.opType)", default: 0] += 1
            for attribute in node.subgraphAttributes ?? [] {
                for subgraph in (attribute.graph.map { [$0] } ?? []) + attribute.graphs { countOperators(subgraph, into: &histogram) }
            }
        }
    }
}

/// A loaded ONNX model: parsed, checked and compiled, ready for sessions.
///
/// Loading does all the refusing: a truncated file, an unsupported operator or opset, a cycle or a
/// dangling input fails here with the node named, never halfway through a run. Weights borrow the
/// file buffer read at load, so a model costs about its file size in memory.
public final class Model: Sendable {
    public let summary: ModelSummary
    let graph: CompiledGraph

    /// Nodes of the main graph that run per inference, after constant folding, static shape
    /// answers and dead-node removal (subgraph bodies count as their one If/Loop/Scan node).
    public var executedNodeCount: Int { graph.steps.count }

    /// Whether row i of every output depends only on row i (axis 0) of the inputs, as far as a
    /// static look at the graph can prove (see `RowIndependence`). Such a model can run a large
    /// batch in slices (`SessionOptions.rowSliceBytes`).
    public var rowsAreIndependent: Bool { graph.rowInputs != nil }

    public var inputs: [ModelSummary.ValueDescription] { summary.inputs }
    public var outputs: [ModelSummary.ValueDescription] { summary.outputs }

    /// Loads the model at `path`; external data is read relative to its directory.
    public convenience init(contentsOf path: String) throws(EngineError) {
        let bytes = try ModelBytes(contentsOf: path)
        let directory = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
        try self.init(file: bytes, directory: directory)
    }

    /// Loads a model held in memory (no external data).
    public convenience init(bytes: some Collection<UInt8>) throws(EngineError) {
        try self.init(file: ModelBytes(bytes: bytes), directory: nil)
    }

    private init(file: ModelBytes, directory: String?) throws(EngineError) {
        (summary, graph) = try Self.compile(file, directory: directory)
        file.finishLoading()
        // Only now is every load-time table gone (the parse tree, the compiler's per-value tables,
        // the name table), so the pages they freed can go back.
        HeapMemory.releaseFreePages()
    }

    private static func compile(_ file: ModelBytes, directory: String?) throws(EngineError) -> (ModelSummary, CompiledGraph) {
        let (proto, summary) = try ModelSummary.parse(file)
        let compiler = GraphCompiler(
            opsets: ModelSummary.opsetImports(proto), decoder: TensorDecoder(file: file, directory: directory),
            names: proto.valueNames)
        return (summary, try compiler.compile((consume proto).graph))
    }
}
