/// A node's attributes by name, with typed accessors that fail at load time with the node named.
struct NodeAttributes {
    private let byName: [String: AttributeProto]
    let nodeName: String

    init(_ attributes: [AttributeProto], nodeName: String) {
        var map: [String: AttributeProto] = [:]
        for attribute in attributes { map[attribute.name] = attribute }
        byName = map
        self.nodeName = nodeName
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    private func invalid(_ name: String, _ expected: String) -> EngineError {
        EngineError.invalidModel("attribute '\(name)' of node '\(nodeName)' is not \(expected)")
    }

    func int(_ name: String) throws(EngineError) -> Int? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.kind == .int || attribute.kind == .undefined else { throw invalid(name, "an int") }
        guard let value = Int(exactly: attribute.int) else { throw invalid(name, "a representable int") }
        return value
    }

    func int(_ name: String, default value: Int) throws(EngineError) -> Int { try int(name) ?? value }

    func float(_ name: String) throws(EngineError) -> Float? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.kind == .float || attribute.kind == .undefined else { throw invalid(name, "a float") }
        return attribute.float
    }

    func float(_ name: String, default value: Float) throws(EngineError) -> Float { try float(name) ?? value }

    func string(_ name: String) throws(EngineError) -> String? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.kind == .string || attribute.kind == .undefined else { throw invalid(name, "a string") }
        return String(decoding: attribute.string, as: UTF8.self)
    }

    func string(_ name: String, default value: String) throws(EngineError) -> String { try string(name) ?? value }

    func ints(_ name: String) throws(EngineError) -> [Int]? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.kind == .ints || attribute.kind == .undefined else { throw invalid(name, "a list of ints") }
        var result: [Int] = []
        for value in attribute.ints {
            guard let int = Int(exactly: value) else { throw invalid(name, "a list of representable ints") }
            result.append(int)
        }
        return result
    }

    func floats(_ name: String) throws(EngineError) -> [Float]? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.kind == .floats || attribute.kind == .undefined else { throw invalid(name, "a list of floats") }
        return attribute.floats
    }

    func strings(_ name: String) throws(EngineError) -> [String]? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.kind == .strings || attribute.kind == .undefined else { throw invalid(name, "a list of strings") }
        return attribute.strings.map { String(decoding: $0, as: UTF8.self) }
    }

    func tensorProto(_ name: String) throws(EngineError) -> TensorProto? {
        guard let attribute = byName[name] else { return nil }
        guard let tensor = attribute.tensor else { throw invalid(name, "a tensor") }
        return tensor
    }

    func graph(_ name: String) throws(EngineError) -> GraphProto? {
        guard let attribute = byName[name] else { return nil }
        guard let graph = attribute.graph else { throw invalid(name, "a graph") }
        return graph
    }

    /// Names of attributes that refer to a function's attribute (`ref_attr_name`): unsupported
    /// outside functions, which this engine does not expand.
    var referenceAttributes: [String] { byName.values.filter { !$0.refAttrName.isEmpty }.map(\.name) }

    /// Attributes holding sparse tensors or type protos: formats the engine does not execute.
    var unsupportedKinds: [String] {
        byName.values.filter { [.sparseTensor, .sparseTensors, .typeProto, .typeProtos].contains($0.kind) }.map(\.name)
    }
}
