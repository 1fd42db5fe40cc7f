/// Decodes ONNX messages field by field (numbers from onnx.proto3).
extension ModelProto {
    init(reader: inout ProtoReader) throws(EngineError) {
        self.init()
        var names = ValueNameInterner(buffer: reader.buffer)
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, .varint): irVersion = try reader.int64()
            case (2, .lengthDelimited): producerName = try reader.string()
            case (3, .lengthDelimited): producerVersion = try reader.string()
            case (7, .lengthDelimited):
                var sub = try reader.message()
                graph = try GraphProto(reader: &sub, names: &names)
                hasGraph = true
            case (8, .lengthDelimited):
                var sub = try reader.message()
                var opset = OperatorSetID(domain: "", version: 0)
                while let (f, w) = try sub.nextField() {
                    switch (f, w) {
                    case (1, .lengthDelimited): opset.domain = try sub.string()
                    case (2, .varint):
                        let position = sub.position
                        let version = try sub.int64()
                        guard version >= 0, version < 10_000 else {
                            throw EngineError.malformedModel("opset version \(version) is out of range", offset: position)
                        }
                        opset.version = Int(version)
                    default: try sub.skip(w)
                    }
                }
                opsets.append(opset)
            default: try reader.skip(wire)
            }
        }
        valueNames = names.names
    }
}

extension GraphProto {
    /// Nesting bound for subgraphs (If/Loop bodies): deep enough for real models, shallow enough that
    /// a hostile file cannot exhaust the stack.
    static let maximumDepth = 32

    init(reader: inout ProtoReader, depth: Int = 0, names: inout ValueNameInterner) throws(EngineError) {
        guard depth <= Self.maximumDepth else {
            throw EngineError.malformedModel("subgraphs nested deeper than \(Self.maximumDepth)", offset: reader.position)
        }
        self.init()
        // Counted first so the node array is allocated once at its size, not grown by doubling.
        var counter = reader
        var nodeCount = 0
        while let (field, wire) = try counter.nextField() {
            if field == 1 { nodeCount += 1 }
            try counter.skip(wire)
        }
        nodes.reserveCapacity(nodeCount)
        var pool: [ValueID] = []
        var spans: [Range<Int>] = []
        spans.reserveCapacity(nodeCount)
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited):
                var sub = try reader.message()
                let start = pool.count
                nodes.append(try NodeProto(reader: &sub, depth: depth, names: &names, pool: &pool))
                spans.append(start..<pool.count)
            case (2, .lengthDelimited): name = try reader.string()
            case (5, .lengthDelimited):
                var sub = try reader.message()
                var initializer = try TensorProto(reader: &sub)
                initializer.id = names.id(copying: initializer.name)
                initializers.append(initializer)
            case (11, .lengthDelimited):
                var sub = try reader.message()
                inputs.append(try ValueInfoProto(reader: &sub, names: &names))
            case (12, .lengthDelimited):
                var sub = try reader.message()
                outputs.append(try ValueInfoProto(reader: &sub, names: &names))
            case (15, .lengthDelimited):
                _ = try reader.lengthDelimited()
                sparseInitializers += 1
            default: try reader.skip(wire)
            }
        }
        let values = Array(pool)
        pool = []
        for (index, span) in spans.enumerated() { nodes[index].attach(values[span]) }
    }
}

extension NodeProto {
    /// Reads a node, appending its inputs and then its outputs to `pool` (see `attach`).
    init(reader: inout ProtoReader, depth: Int, names: inout ValueNameInterner, pool: inout [ValueID]) throws(EngineError) {
        self.init()
        message = reader.position..<reader.end
        let start = pool.count
        var attributes: [AttributeProto] = []
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited): addInput(names.id(at: try reader.lengthDelimited(), in: reader.buffer), to: &pool, start: start)
            case (2, .lengthDelimited): pool.append(names.id(at: try reader.lengthDelimited(), in: reader.buffer))
            case (4, .lengthDelimited): opType = names.symbol(try reader.string())
            case (7, .lengthDelimited): domain = names.symbol(try reader.string())
            case (5, .lengthDelimited):
                // Decoded here so a malformed attribute fails the load even on a node that never
                // runs, then dropped unless it holds a subgraph.
                var sub = try reader.message()
                attributes.append(try AttributeProto(reader: &sub, depth: depth, names: &names))
            default: try reader.skip(wire)
            }
        }
        if attributes.contains(where: { $0.graph != nil || !$0.graphs.isEmpty }) { subgraphAttributes = attributes }
    }

    /// The node's attributes: those kept from parse for a node with subgraphs, otherwise decoded
    /// again from its message in `file`.
    func attributes(in file: ModelBytes) throws(EngineError) -> [AttributeProto] {
        if let subgraphAttributes { return subgraphAttributes }
        var reader = ProtoReader(buffer: file.buffer, range: message)
        // Parse found no subgraph in these attributes, so no value name is interned here.
        var unused = ValueNameInterner(buffer: file.buffer)
        return try Self.decodeAttributes(&reader, depth: 0, names: &unused)
    }

    private static func decodeAttributes(
        _ reader: inout ProtoReader, depth: Int,
        names: inout ValueNameInterner
    ) throws(EngineError) -> [AttributeProto] {
        var attributes: [AttributeProto] = []
        while let (field, wire) = try reader.nextField() {
            guard field == 5, wire == .lengthDelimited else {
                try reader.skip(wire)
                continue
            }
            var sub = try reader.message()
            attributes.append(try AttributeProto(reader: &sub, depth: depth, names: &names))
        }
        return attributes
    }
}

extension AttributeProto {
    /// Reads the attribute's fields, then keeps the one value its `type` names. A file without a
    /// `type` (written before IR 2 required one) keeps the value field it set last.
    init(reader: inout ProtoReader, depth: Int, names: inout ValueNameInterner) throws(EngineError) {
        self.init()
        var values: [Kind: Value] = [:]
        var lastSet = Kind.undefined
        func set(_ kind: Kind, _ value: Value) {
            values[kind] = value
            lastSet = kind
        }
        var floats: [Float] = []
        var ints: [Int64] = []
        var strings: [[UInt8]] = []
        var tensors: [TensorProto] = []
        var graphs: [GraphProto] = []
        var reference: [UInt8]?
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited): name = names.symbol(try reader.string())
            case (2, .fixed32): set(.float, .float(Float(bitPattern: try reader.fixed32())))
            case (3, .varint): set(.int, .int(try reader.int64()))
            case (4, .lengthDelimited): set(.string, .string(try reader.bytes()))
            case (5, .lengthDelimited):
                var sub = try reader.message()
                set(.tensor, .tensor(Box(try TensorProto(reader: &sub))))
            case (6, .lengthDelimited):
                var sub = try reader.message()
                set(.graph, .graph(Box(try GraphProto(reader: &sub, depth: depth + 1, names: &names))))
            case (7, _):
                try reader.repeatedFloats(wire, into: &floats)
                lastSet = .floats
            case (8, _):
                try reader.repeatedVarints(wire, into: &ints)
                lastSet = .ints
            case (9, .lengthDelimited):
                strings.append(try reader.bytes())
                lastSet = .strings
            case (10, .lengthDelimited):
                var sub = try reader.message()
                tensors.append(try TensorProto(reader: &sub))
                lastSet = .tensors
            case (11, .lengthDelimited):
                var sub = try reader.message()
                graphs.append(try GraphProto(reader: &sub, depth: depth + 1, names: &names))
                lastSet = .graphs
            case (20, .varint):
                let position = reader.position
                let raw = try reader.int64()
                guard let parsed = Kind(rawValue: raw) else {
                    throw EngineError.malformedModel("unknown attribute type \(raw)", offset: position)
                }
                kind = parsed
            case (21, .lengthDelimited): reference = try reader.bytes()
            default: try reader.skip(wire)
            }
        }
        if !floats.isEmpty { values[.floats] = .floats(floats) }
        if !ints.isEmpty { values[.ints] = .ints(ints) }
        if !strings.isEmpty { values[.strings] = .strings(strings) }
        if !tensors.isEmpty { values[.tensors] = .tensors(tensors) }
        if !graphs.isEmpty { values[.graphs] = .graphs(graphs) }
        if let reference, !reference.isEmpty {
            value = .reference(reference)
        } else {
            value = values[kind == .undefined ? lastSet : kind] ?? .none
        }
    }
}

extension ValueInfoProto {
    init(reader: inout ProtoReader, names: inout ValueNameInterner) throws(EngineError) {
        self.init()
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited):
                let range = try reader.lengthDelimited()
                id = names.id(at: range, in: reader.buffer)
                name = String(decoding: UnsafeRawBufferPointer(rebasing: reader.buffer[range]), as: UTF8.self)
            case (2, .lengthDelimited):
                var sub = try reader.message()
                type = try TypeProto(reader: &sub)
            default: try reader.skip(wire)
            }
        }
    }
}

extension TypeProto {
    init(reader: inout ProtoReader) throws(EngineError) {
        self.init()
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, .lengthDelimited):
                kind = .tensor
                var tensor = try reader.message()
                while let (f, w) = try tensor.nextField() {
                    switch (f, w) {
                    case (1, .varint): elementType = try tensor.int64()
                    case (2, .lengthDelimited):
                        var shape = try tensor.message()
                        var dims: [Int?] = []
                        while let (sf, sw) = try shape.nextField() {
                            guard sf == 1, sw == .lengthDelimited else {
                                try shape.skip(sw)
                                continue
                            }
                            var dim = try shape.message()
                            var value: Int?
                            var name: String?
                            while let (df, dw) = try dim.nextField() {
                                switch (df, dw) {
                                case (1, .varint):
                                    let v = try dim.int64()
                                    value = v >= 0 && v < Int64(Int32.max) ? Int(v) : nil
                                case (2, .lengthDelimited): name = try dim.string()
                                default: try dim.skip(dw)
                                }
                            }
                            dims.append(value)
                            dimNames.append(name)
                        }
                        self.dims = dims
                    default: try tensor.skip(w)
                    }
                }
            case (4, .lengthDelimited):
                kind = .sequence
                _ = try reader.lengthDelimited()
            case (5, .lengthDelimited):
                kind = .map
                _ = try reader.lengthDelimited()
            case (8, .lengthDelimited):
                kind = .sparseTensor
                _ = try reader.lengthDelimited()
            case (9, .lengthDelimited):
                kind = .optional
                _ = try reader.lengthDelimited()
            default: try reader.skip(wire)
            }
        }
    }
}

extension TensorProto {
    init(reader: inout ProtoReader) throws(EngineError) {
        self.init()
        messageStart = reader.position
        var rare = Rare()
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, _): try reader.repeatedVarints(wire, into: &dims)
            case (2, .varint): dataType = try reader.int64()
            case (3, .lengthDelimited):
                rare.hasSegment = true
                _ = try reader.lengthDelimited()
            case (4, .lengthDelimited) where payload == nil && rare.floatData.isEmpty:
                payload = Payload(field: .packedFloats, range: try reader.lengthDelimited())
            case (4, _):
                try Self.unpack(&payload, .packedFloats, width: 4, in: reader) { rare.floatData.append(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }
                try reader.repeatedFloats(wire, into: &rare.floatData)
            case (5, _): try reader.repeatedVarints(wire, into: &rare.int32Data)
            case (6, .lengthDelimited):
                _ = try reader.lengthDelimited()
                rare.stringCount += 1
            case (7, _): try reader.repeatedVarints(wire, into: &rare.int64Data)
            case (8, .lengthDelimited): name = try reader.string()
            case (9, .lengthDelimited):
                // Raw data wins over a packed typed field; one displaced here is decoded after all.
                let range = try reader.lengthDelimited()
                try Self.unpack(&payload, .packedFloats, width: 4, in: reader) { rare.floatData.append(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }
                try Self.unpack(&payload, .packedDoubles, width: 8, in: reader) { rare.doubleData.append($0) }
                payload = Payload(field: .raw, range: range)
            case (10, .lengthDelimited) where payload == nil && rare.doubleData.isEmpty:
                payload = Payload(field: .packedDoubles, range: try reader.lengthDelimited())
            case (10, _):
                try Self.unpack(&payload, .packedDoubles, width: 8, in: reader) { rare.doubleData.append($0) }
                try reader.repeatedFixed64(wire, into: &rare.doubleData)
            case (11, _): try reader.repeatedVarints(wire, into: &rare.uint64Data)
            case (13, .lengthDelimited):
                var entry = try reader.message()
                var key = ""
                var value = ""
                while let (f, w) = try entry.nextField() {
                    switch (f, w) {
                    case (1, .lengthDelimited): key = try entry.string()
                    case (2, .lengthDelimited): value = try entry.string()
                    default: try entry.skip(w)
                    }
                }
                rare.externalData[key] = value
            case (14, .varint): rare.dataLocation = try reader.int64()
            default: try reader.skip(wire)
            }
        }
        if !rare.isEmpty { self.rare = Box(rare) }
    }

    /// A repeated field split over several occurrences (legal, never seen in practice), or a packed
    /// field beside raw data: the packed range taken from the first one is decoded after all, so
    /// the values stay in order.
    private static func unpack(
        _ payload: inout Payload?, _ field: Payload.Field, width: Int, in reader: ProtoReader,
        _ append: (UInt64) -> Void
    ) throws(EngineError) {
        guard let packed = payload, packed.field == field else { return }
        payload = nil
        try reader.forEachFixed(in: packed.range, width: width, append)
    }
}
