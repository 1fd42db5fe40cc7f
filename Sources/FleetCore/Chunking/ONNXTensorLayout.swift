/// Where the tensor payloads of an ONNX file lie, found by walking its protobuf structure.
///
/// Tensor-aware chunking cuts at these extents so that a tensor whose bytes did not change yields
/// the same chunks in the next version, whatever happened to the graph around it.
/// Initializers, `Constant` node tensors, tensors inside subgraphs (`If`, `Loop`, `Scan`) and
/// functions are all found. Tensors stored as external data are not in the file and need no extent.
public struct ONNXTensorLayout: Sendable, Equatable {
    /// One tensor's data payload: `raw_data` or a packed typed field.
    public struct Extent: Sendable, Equatable {
        public var name: String
        public var offset: UInt64
        public var length: UInt64
        /// Bytes per element, used to pick a byte-shuffle width (1 when shuffling cannot help).
        public var elementWidth: Int
    }

    public var extents: [Extent]

    /// Walks the file's structure; throws `FleetError.malformedONNX` naming the byte where it broke.
    public init(file: ReadOnlyFile) throws {
        var walker = Walker(cursor: ProtobufCursor(file: file), path: file.path)
        try walker.message(.model, from: 0, to: file.size, depth: 0)
        guard walker.sawGraph else {
            throw FleetError.malformedONNX(path: file.path, offset: 0, reason: "no graph (ModelProto field 7): not an ONNX model")
        }
        extents = walker.extents.sorted { $0.offset < $1.offset }
    }

    public init(contentsOf path: String) throws {
        try self.init(file: ReadOnlyFile(path: path))
    }
}

extension ONNXTensorLayout {
    /// The ONNX message types that can (transitively) contain tensors, with the fields that lead to them.
    fileprivate enum Message {
        case model, graph, node, attribute, function, tensor, sparseTensor

        /// field number → the message type inside it.
        var children: [UInt64: Message] {
            switch self {
            case .model: return [7: .graph, 25: .function]
            case .graph: return [1: .node, 5: .tensor, 15: .sparseTensor]
            case .node: return [5: .attribute]
            case .attribute: return [5: .tensor, 6: .graph, 10: .tensor, 11: .graph, 22: .sparseTensor, 23: .sparseTensor]
            case .function: return [7: .node]
            case .sparseTensor: return [1: .tensor, 2: .tensor]
            case .tensor: return [:]
            }
        }
    }

    fileprivate struct Walker {
        var cursor: ProtobufCursor
        let path: String
        var extents: [Extent] = []
        var sawGraph = false
        static let maximumDepth = 64

        mutating func message(_ kind: Message, from start: UInt64, to end: UInt64, depth: Int) throws {
            guard depth <= Self.maximumDepth else {
                throw FleetError.malformedONNX(path: path, offset: start, reason: "graphs nested deeper than \(Self.maximumDepth) levels")
            }
            if kind == .tensor { return try tensor(from: start, to: end) }
            let children = kind.children
            var offset = start
            while offset < end {
                let field = try cursor.nextField(at: &offset, end: end)
                if let child = children[field.number], field.wireType == .lengthDelimited {
                    if kind == .model && child == .graph { sawGraph = true }
                    try message(child, from: field.payloadOffset, to: field.payloadOffset + field.payloadLength, depth: depth + 1)
                }
            }
        }

        /// Records the data payload of one TensorProto (its fields may come in any order).
        mutating func tensor(from start: UInt64, to end: UInt64) throws {
            var dataType: UInt64 = 0
            var name = ""
            var payloads: [(field: UInt64, offset: UInt64, length: UInt64)] = []
            var offset = start
            while offset < end {
                let field = try cursor.nextField(at: &offset, end: end)
                switch (field.number, field.wireType) {
                case (2, .varint): dataType = field.varint
                case (8, .lengthDelimited): name = try cursor.string(field)
                case (4, .lengthDelimited), (5, .lengthDelimited), (7, .lengthDelimited),
                    (9, .lengthDelimited), (10, .lengthDelimited), (11, .lengthDelimited):
                    if field.payloadLength > 0 { payloads.append((field.number, field.payloadOffset, field.payloadLength)) }
                default: break
                }
            }
            for payload in payloads {
                let width: Int
                switch payload.field {
                case 9: width = Self.elementWidth(ofDataType: dataType)
                case 4: width = 4  // packed float
                case 10: width = 8  // packed double
                default: width = 1  // packed varints have no fixed width
                }
                extents.append(Extent(name: name, offset: payload.offset, length: payload.length, elementWidth: width))
            }
        }

        /// Bytes per element of `TensorProto.DataType`, or 1 where byte planes would not help.
        static func elementWidth(ofDataType type: UInt64) -> Int {
            switch type {
            case 1, 6, 12, 14: return 4  // FLOAT, INT32, UINT32, COMPLEX64 (two floats)
            case 4, 5, 10, 16: return 2  // UINT16, INT16, FLOAT16, BFLOAT16
            case 7, 11, 13, 15: return 8  // INT64, DOUBLE, UINT64, COMPLEX128
            default: return 1  // 8-bit and 4-bit types, BOOL, STRING, unknown
            }
        }
    }
}
