/// Writes small ONNX models by hand (protobuf wire format), so tests can build exactly the broken
/// models they need: cycles, dangling inputs, lying tensor lengths.
struct ONNXBuilder {
    struct Node {
        var op: String
        var inputs: [String]
        var outputs: [String]
        var name = ""
        var domain = ""
        var attributes: [(name: String, value: Attribute)] = []
    }
    enum Attribute {
        case int(Int)
        case ints([Int])
        case float(Float)
        /// Only a `type` field, with this code (a broken attribute when the code is unknown).
        case typeCode(Int)
    }
    struct Initializer {
        var name: String
        var dims: [Int]
        var dataType: Int = 1
        var raw: [UInt8]
        /// Stored beside the model (`data_location: EXTERNAL`) instead of in `raw_data`.
        var external: (location: String, offset: Int, length: Int)?
    }
    struct Value {
        var name: String
        var elementType: Int = 1
        /// A negative dimension is written as the symbolic dimension `N` (a batch of any size).
        var dims: [Int]?
    }

    var irVersion = 8
    var opset = 17
    var nodes: [Node] = []
    var initializers: [Initializer] = []
    var inputs: [Value] = []
    var outputs: [Value] = []
    /// Writes initializers before nodes (protobuf allows any field order; most writers put nodes first).
    var initializersFirst = false

    func bytes() -> [UInt8] {
        var graph: [UInt8] = []
        var nodeBytes: [UInt8] = []
        for node in nodes {
            var n: [UInt8] = []
            for input in node.inputs { n += field(1, string: input) }
            for output in node.outputs { n += field(2, string: output) }
            if !node.name.isEmpty { n += field(3, string: node.name) }
            n += field(4, string: node.op)
            if !node.domain.isEmpty { n += field(7, string: node.domain) }
            for (name, value) in node.attributes {
                var a = field(1, string: name)
                switch value {
                case .int(let v): a += varintField(3, UInt64(bitPattern: Int64(v))) + varintField(20, 2)
                case .ints(let vs):
                    for v in vs { a += varintField(8, UInt64(bitPattern: Int64(v))) }
                    a += varintField(20, 7)
                case .float(let v):
                    a += varint(UInt64(2 << 3 | 5)) + (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) }
                    a += varintField(20, 1)
                case .typeCode(let code): a += varintField(20, UInt64(code))
                }
                n += field(5, bytes: a)
            }
            nodeBytes += field(1, bytes: n)
        }
        if !initializersFirst { graph += nodeBytes }
        graph += field(2, string: "test")
        for initializer in initializers {
            var t: [UInt8] = []
            for dim in initializer.dims { t += varintField(1, UInt64(dim)) }
            t += varintField(2, UInt64(initializer.dataType))
            t += field(8, string: initializer.name)
            if let external = initializer.external {
                for (key, value) in [("location", external.location), ("offset", "\(external.offset)"), ("length", "\(external.length)")] {
                    t += field(13, bytes: field(1, string: key) + field(2, string: value))
                }
                t += varintField(14, 1)
            } else {
                t += field(9, bytes: initializer.raw)
            }
            graph += field(5, bytes: t)
        }
        if initializersFirst { graph += nodeBytes }
        for input in inputs { graph += field(11, bytes: valueInfo(input)) }
        for output in outputs { graph += field(12, bytes: valueInfo(output)) }
        var model: [UInt8] = varintField(1, UInt64(irVersion))
        model += field(7, bytes: graph)
        model += field(8, bytes: varintField(2, UInt64(opset)))
        return model
    }

    private func valueInfo(_ value: Value) -> [UInt8] {
        var tensorType = varintField(1, UInt64(value.elementType))
        if let dims = value.dims {
            var shape: [UInt8] = []
            for dim in dims { shape += field(1, bytes: dim < 0 ? field(2, string: "N") : varintField(1, UInt64(dim))) }
            tensorType += field(2, bytes: shape)
        }
        return field(1, string: value.name) + field(2, bytes: field(1, bytes: tensorType))
    }

    private func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }
    private func varintField(_ number: Int, _ value: UInt64) -> [UInt8] { varint(UInt64(number << 3)) + varint(value) }
    private func field(_ number: Int, bytes: [UInt8]) -> [UInt8] { varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes }
    private func field(_ number: Int, string: String) -> [UInt8] { field(number, bytes: Array(string.utf8)) }
}

extension Array where Element == Float {
    /// Little-endian bytes, as TensorProto raw_data stores them.
    var rawBytes: [UInt8] {
        flatMap { value -> [UInt8] in
            let bits = value.bitPattern
            return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
        }
    }
}
