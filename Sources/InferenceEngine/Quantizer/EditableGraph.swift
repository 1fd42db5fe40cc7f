/// A model file opened for a rewrite of its main graph: nodes, initializers, inputs, outputs and value infos as
/// spans of the original bytes, decoded only as far as a rewrite reads them.
///
/// Writing copies every span it keeps verbatim, so what a rewrite does not touch (subgraphs, metadata, attributes it
/// never reads, fields newer than this code) survives byte for byte. The original bytes are kept apart from the
/// buffer tensors are decoded from, because decoding may slide a tensor's payload over its own header.
struct EditableGraph {
    /// A node of the main graph: kept (its original message) or new (encoded by the rewrite).
    struct Node {
        var opType: String
        var domain: String
        var name: String
        var inputs: [String]
        var outputs: [String]
        var attributes: [String: AttributeProto]
        /// The node's original message (without its key), nil for a node the rewrite made.
        var original: Range<Int>?
        /// The original message's attribute fields (keys included), for a new node that takes them over.
        var attributeFields: [Range<Int>]
        /// A new node's encoded message.
        var encoded: [UInt8]?
    }

    /// A graph-level entry that is only ever kept, dropped or added whole (initializer, input, output, value info).
    struct Entry {
        var name: String
        /// The entry's original message; nil for one the rewrite added (then `encoded` holds it).
        var original: Range<Int>?
        var encoded: [UInt8]?
    }

    let original: [UInt8]
    let file: ModelBytes
    /// Opset version per domain ("" for ai.onnx).
    let opsets: [String: Int]
    let irVersion: Int64
    var nodes: [Node] = []
    var initializers: [Entry] = []
    /// The parsed initializers by name, for decoding their values.
    private(set) var initializerProtos: [String: TensorProto] = [:]
    var inputs: [Entry] = []
    var outputs: [Entry] = []
    var valueInfos: [Entry] = []
    /// Every value name a subgraph (an If, Loop or Scan body, at any depth) reads or defines: a subgraph may read a
    /// main-graph value by name, and a new name must not shadow one of its own.
    private(set) var subgraphNames: Set<String> = []
    /// The top-level fields (key to end) in file order, and which one is the graph.
    private var modelFields: [(number: Int, range: Range<Int>)] = []
    private var graphFields: [(number: Int, range: Range<Int>)] = []

    init(bytes: [UInt8]) throws(EngineError) {
        original = bytes
        file = ModelBytes(bytes: bytes)
        let (proto, _) = try ModelSummary.parse(file)
        opsets = ModelSummary.opsetImports(proto)
        irVersion = proto.irVersion
        var reader = ProtoReader(buffer: file.buffer, range: 0..<file.count)
        var graph: Range<Int>?
        while true {
            let start = reader.position
            guard let (number, wire) = try reader.nextField() else { break }
            if number == 7, wire == .lengthDelimited {
                graph = try reader.lengthDelimited()
            } else {
                try reader.skip(wire)
            }
            modelFields.append((number, start..<reader.position))
        }
        guard let graph else { throw EngineError.malformedModel("no graph in the file (is it an ONNX model?)", offset: 0) }
        try readGraph(graph)
    }

    private mutating func readGraph(_ range: Range<Int>) throws(EngineError) {
        var reader = ProtoReader(buffer: file.buffer, range: range)
        var names = ValueNameInterner(buffer: file.buffer)
        while true {
            let start = reader.position
            guard let (number, wire) = try reader.nextField() else { break }
            switch (number, wire) {
            case (1, .lengthDelimited):
                let node = try Self.readNode(try reader.lengthDelimited(), file: file, names: &names)
                if node.hasSubgraphs {
                    for field in node.attributeFields { try Self.collectSubgraphNames(inAttribute: field, file: file, depth: 1, into: &subgraphNames) }
                }
                nodes.append(node)
            case (5, .lengthDelimited):
                let message = try reader.lengthDelimited()
                var sub = ProtoReader(buffer: file.buffer, range: message)
                let tensor = try TensorProto(reader: &sub)
                initializers.append(Entry(name: tensor.name, original: message))
                initializerProtos[tensor.name] = tensor
            case (11, .lengthDelimited), (12, .lengthDelimited), (13, .lengthDelimited):
                let message = try reader.lengthDelimited()
                let entry = Entry(name: try Self.valueInfoName(message, file: file), original: message)
                switch number {
                case 11: inputs.append(entry)
                case 12: outputs.append(entry)
                default: valueInfos.append(entry)
                }
            default: try reader.skip(wire)
            }
            graphFields.append((number, start..<reader.position))
        }
    }

    private static func readNode(_ message: Range<Int>, file: ModelBytes, names: inout ValueNameInterner) throws(EngineError) -> Node {
        var node = Node(opType: "", domain: "", name: "", inputs: [], outputs: [], attributes: [:], original: message, attributeFields: [])
        var reader = ProtoReader(buffer: file.buffer, range: message)
        while true {
            let start = reader.position
            guard let (number, wire) = try reader.nextField() else { break }
            switch (number, wire) {
            case (1, .lengthDelimited): node.inputs.append(try reader.string())
            case (2, .lengthDelimited): node.outputs.append(try reader.string())
            case (3, .lengthDelimited): node.name = try reader.string()
            case (4, .lengthDelimited): node.opType = try reader.string()
            case (7, .lengthDelimited): node.domain = try reader.string()
            case (5, .lengthDelimited):
                var sub = try reader.message()
                let attribute = try AttributeProto(reader: &sub, depth: 1, names: &names)
                node.attributes[attribute.name] = attribute
                node.attributeFields.append(start..<reader.position)
            default: try reader.skip(wire)
            }
        }
        if node.domain == "ai.onnx" { node.domain = "" }
        return node
    }

    /// The value names of the subgraphs an attribute field (key included) holds, recursively.
    private static func collectSubgraphNames(inAttribute field: Range<Int>, file: ModelBytes, depth: Int, into names: inout Set<String>) throws(EngineError) {
        guard depth <= GraphProto.maximumDepth else {
            throw EngineError.malformedModel("subgraphs nested deeper than \(GraphProto.maximumDepth)", offset: field.lowerBound)
        }
        var outer = ProtoReader(buffer: file.buffer, range: field)
        guard let (_, wire) = try outer.nextField(), wire == .lengthDelimited else { return }
        var attribute = try outer.message()
        while let (number, wire) = try attribute.nextField() {
            guard number == 6 || number == 11, wire == .lengthDelimited else {
                try attribute.skip(wire)
                continue
            }
            var graph = try attribute.message()
            while let (graphField, graphWire) = try graph.nextField() {
                guard graphField == 1, graphWire == .lengthDelimited else {
                    try graph.skip(graphWire)
                    continue
                }
                var node = try graph.message()
                while true {
                    let start = node.position
                    guard let (nodeField, nodeWire) = try node.nextField() else { break }
                    switch (nodeField, nodeWire) {
                    case (1, .lengthDelimited), (2, .lengthDelimited): names.insert(try node.string())
                    case (5, .lengthDelimited):
                        _ = try node.lengthDelimited()
                        try collectSubgraphNames(inAttribute: start..<node.position, file: file, depth: depth + 1, into: &names)
                    default: try node.skip(nodeWire)
                    }
                }
            }
        }
    }

    private static func valueInfoName(_ message: Range<Int>, file: ModelBytes) throws(EngineError) -> String {
        var reader = ProtoReader(buffer: file.buffer, range: message)
        while let (number, wire) = try reader.nextField() {
            if number == 1, wire == .lengthDelimited { return try reader.string() }
            try reader.skip(wire)
        }
        return ""
    }

    // MARK: Reading values

    /// The value of a constant the graph defines by name: an initializer or a `Constant` node's `value` tensor.
    /// nil for anything computed (or a graph input that an initializer only defaults).
    func constant(_ name: String) throws(EngineError) -> Tensor? {
        if let proto = initializerProtos[name] {
            // An initializer that is also a graph input is a default the caller may override, except before IR 4,
            // when every initializer had to be listed as an input.
            guard irVersion < 4 || !inputs.contains(where: { $0.name == name }) else { return nil }
            return try TensorDecoder(file: file, directory: nil).tensor(from: proto, context: "initializer '\(name)'")
        }
        guard let node = nodes.first(where: { $0.opType == "Constant" && $0.domain == "" && $0.outputs.first == name }),
            let tensor = node.attributes["value"]?.tensor
        else { return nil }
        return try TensorDecoder(file: file, directory: nil).tensor(from: tensor, context: "Constant '\(name)'")
    }

    /// Whether a subgraph (an If, Loop or Scan body) might read `name` from this graph by name.
    func mayBeReadBySubgraph(_ name: String) -> Bool { subgraphNames.contains(name) }

    // MARK: Editing

    /// Adds initializers; before IR 4, where every initializer must also be a graph input, with their input entries.
    mutating func add(initializers added: [(entry: Entry, tensor: Tensor)]) {
        initializers += added.map(\.entry)
        guard irVersion < 4 else { return }
        inputs += added.map { Entry(inputFor: $0.tensor, name: $0.entry.name) }
    }

    /// Drops initializers and Constant nodes nothing reads any more (the float weights the rewrite replaced), their
    /// graph inputs (older files list initializers as inputs), and value infos of values that no longer exist.
    /// A value a subgraph might read by name (`mayBeReadBySubgraph`) is kept.
    mutating func removeUnused() {
        var read = Set(outputs.map(\.name))
        for node in nodes { read.formUnion(node.inputs) }
        let unread = Set(initializers.map(\.name) + nodes.filter { $0.opType == "Constant" }.flatMap(\.outputs)).subtracting(read)
        read.formUnion(unread.filter(mayBeReadBySubgraph))
        nodes.removeAll { $0.opType == "Constant" && $0.domain == "" && $0.outputs.allSatisfy { !read.contains($0) } }
        // From IR 4 an initializer listed as an input is a default the caller may override: part of the model's
        // interface, kept. Before IR 4 every initializer is listed, and goes with it.
        let listed = Set(inputs.map(\.name))
        let dropped = Set(initializers.map(\.name).filter { !read.contains($0) && (irVersion < 4 || !listed.contains($0)) })
        initializers.removeAll { dropped.contains($0.name) }
        inputs.removeAll { dropped.contains($0.name) }
        var existing = Set(inputs.map(\.name) + initializers.map(\.name))
        for node in nodes { existing.formUnion(node.outputs) }
        valueInfos.removeAll { !existing.contains($0.name) }
    }

    // MARK: Writing

    /// The model with the current nodes and entries: the original fields where nothing changed.
    func serialized() -> [UInt8] {
        var graph = ProtoWriter()
        var written: Set<Int> = []
        func writeOnce(_ number: Int) {
            guard written.insert(number).inserted else { return }
            switch number {
            case 1: for node in nodes { graph.bytes(1, node.encoded ?? Array(original[node.original ?? 0..<0])) }
            case 5: write(initializers, as: 5, into: &graph)
            case 11: write(inputs, as: 11, into: &graph)
            case 12: write(outputs, as: 12, into: &graph)
            case 13: write(valueInfos, as: 13, into: &graph)
            default: break
            }
        }
        for field in graphFields {
            if [1, 5, 11, 12, 13].contains(field.number) {
                writeOnce(field.number)
            } else {
                graph.raw(original[field.range])
            }
        }
        for number in [1, 5, 11, 12, 13] { writeOnce(number) }
        // The graph read was the last field 7 (a repeated one replaces the earlier, as the loader reads it), and it is
        // written once, there: another copy would be merged into it by a protobuf reader.
        let graphField = modelFields.lastIndex { $0.number == 7 }
        var model = ProtoWriter()
        for (index, field) in modelFields.enumerated() {
            if field.number == 7 {
                if index == graphField { model.bytes(7, graph.bytes) }
            } else {
                model.raw(original[field.range])
            }
        }
        return model.bytes
    }

    private func write(_ entries: [Entry], as number: Int, into writer: inout ProtoWriter) {
        for entry in entries { writer.bytes(number, entry.encoded ?? Array(original[entry.original ?? 0..<0])) }
    }
}

extension EditableGraph.Node {
    /// A new node in the default domain; `attributes` are encoded attribute fields (see `ONNXAttribute`).
    init(op: String, name: String, inputs: [String], outputs: [String], attributes: [[UInt8]] = [], copying fields: [[UInt8]] = []) {
        var writer = ProtoWriter()
        for input in inputs { writer.string(1, input) }
        for output in outputs { writer.string(2, output) }
        writer.string(3, name)
        writer.string(4, op)
        for field in fields { writer.raw(field) }
        for attribute in attributes { writer.raw(attribute) }
        self.init(
            opType: op, domain: "", name: name, inputs: inputs, outputs: outputs, attributes: [:], original: nil, attributeFields: [],
            encoded: writer.bytes)
    }
}

/// Encoded `AttributeProto` fields (key included) for new nodes.
enum ONNXAttribute {
    static func int(_ name: String, _ value: Int64) -> [UInt8] {
        var writer = ProtoWriter()
        writer.message(5) { attribute in
            attribute.string(1, name)
            attribute.int(3, value)
            attribute.int(20, AttributeProto.Kind.int.rawValue)
        }
        return writer.bytes
    }
}

extension EditableGraph.Entry {
    /// An initializer holding `tensor`.
    init(initializer tensor: Tensor, name: String) {
        self.init(name: name, original: nil, encoded: tensor.protobufBytes(name: name))
    }

    /// A graph input declaring `tensor`'s element type and shape (for an initializer of an IR 3 model).
    init(inputFor tensor: Tensor, name: String) {
        var writer = ProtoWriter()
        writer.string(1, name)
        writer.message(2) { type in
            type.message(1) { tensorType in
                tensorType.int(1, Int64(tensor.elementType.rawValue))
                tensorType.message(2) { shape in
                    for dim in tensor.shape { shape.message(1) { $0.int(1, Int64(dim)) } }
                }
            }
        }
        self.init(name: name, original: nil, encoded: writer.bytes)
    }

    /// A graph output (or value info) that names a value and declares nothing else about it.
    init(valueNamed name: String) {
        var writer = ProtoWriter()
        writer.string(1, name)
        self.init(name: name, original: nil, encoded: writer.bytes)
    }
}
