/// The parts of the ONNX protobuf schema (onnx.proto3) the engine reads. Unknown fields are
/// skipped, as protobuf requires, so newer files still load when they only add fields.

struct OperatorSetID: Sendable {
    var domain: String
    var version: Int
}

struct ModelProto {
    /// Every value name of the model (subgraphs included), indexed by `ValueID`.
    var valueNames = ValueNames()
    var irVersion: Int64 = 0
    var opsets: [OperatorSetID] = []
    var producerName = ""
    var producerVersion = ""
    var graph = GraphProto()
    var hasGraph = false
}

struct GraphProto {
    var name = ""
    var nodes: [NodeProto] = []
    var initializers: [TensorProto] = []
    var sparseInitializers: Int = 0
    var inputs: [ValueInfoProto] = []
    var outputs: [ValueInfoProto] = []
}

struct NodeProto {
    /// The node's inputs, then its outputs (`inputs` and `outputs` view them), in one array that
    /// all nodes of the graph share: no allocation per node. `.none` marks an omitted optional
    /// input or an output the node does not name.
    private(set) var wiring: ArraySlice<ValueID> = []
    var opType = ""
    var domain = ""
    /// The attributes of a node that carries a subgraph (If, Loop, Scan), kept from parse: the
    /// subgraph's value names join the model's name table then, and the compiler needs to know what
    /// it reads before compiling anything.
    var subgraphAttributes: [AttributeProto]?
    /// Where the node's message sits in the file (32-bit: files are under 2 GiB, and a node record
    /// exists per node while a model loads). Attributes (`attributes(in:)`) and the node's name
    /// (`ValueNames.node`) are decoded from it again when needed rather than held for every node
    /// from parse to compile: for a model of many small nodes they were most of the parse tree.
    private var messageBounds: Range<Int32> = 0..<0
    private var inputTotal: Int32 = 0

    var message: Range<Int> {
        get { Int(messageBounds.lowerBound)..<Int(messageBounds.upperBound) }
        set { messageBounds = Int32(newValue.lowerBound)..<Int32(newValue.upperBound) }
    }

    var inputCount: Int { Int(inputTotal) }
}

/// A node's inputs or outputs: a zero-based view of part of the one array a node keeps for both.
struct ValueList: RandomAccessCollection, Equatable {
    fileprivate let values: ArraySlice<ValueID>

    var startIndex: Int { 0 }
    var endIndex: Int { values.count }
    subscript(position: Int) -> ValueID { values[values.startIndex + position] }
}

extension NodeProto {
    var inputs: ValueList { ValueList(values: wiring.prefix(inputCount)) }
    var outputs: ValueList { ValueList(values: wiring.dropFirst(inputCount)) }

    /// Appends a value the node reads to `pool`, where this node's values start at `start`.
    mutating func addInput(_ value: ValueID, to pool: inout [ValueID], start: Int) {
        pool.insert(value, at: start + inputCount)
        inputTotal += 1
    }

    /// Points the node at its values once the graph's pool is complete (a slice taken earlier would
    /// make every later append copy the pool).
    mutating func attach(_ values: ArraySlice<ValueID>) { wiring = values }

    /// Swaps the order of the inputs (a commutative Add read with its constant side second).
    mutating func reverseInputs() { wiring[wiring.startIndex..<wiring.startIndex + inputCount].reverse() }
}

struct AttributeProto {
    enum Kind: Int64 {
        case undefined = 0
        case float = 1
        case int = 2
        case string = 3
        case tensor = 4
        case graph = 5
        case floats = 6
        case ints = 7
        case strings = 8
        case tensors = 9
        case graphs = 10
        case sparseTensor = 11
        case sparseTensors = 12
        case typeProto = 13
        case typeProtos = 14
    }

    /// The one value an attribute carries. One enum rather than a field per kind: a parse tree
    /// holds an attribute per node option (kernel_shape, strides, pads, ...), and at 32 bytes
    /// instead of 120 they stop being most of a many-node model's load-time memory.
    /// Tensors and graphs are large and rare, so they sit in a box.
    enum Value {
        case none
        case float(Float)
        case int(Int64)
        case string([UInt8])
        case tensor(Box<TensorProto>)
        case graph(Box<GraphProto>)
        case floats([Float])
        case ints([Int64])
        case strings([[UInt8]])
        case tensors([TensorProto])
        case graphs([GraphProto])
        /// `ref_attr_name`: the attribute stands for an attribute of the enclosing function.
        case reference([UInt8])
    }

    var name = ""
    var kind: Kind = .undefined
    var value: Value = .none

    var float: Float { if case .float(let value) = value { value } else { 0 } }
    var int: Int64 { if case .int(let value) = value { value } else { 0 } }
    var string: [UInt8] { if case .string(let value) = value { value } else { [] } }
    var tensor: TensorProto? { if case .tensor(let box) = value { box.value } else { nil } }
    var graph: GraphProto? { if case .graph(let box) = value { box.value } else { nil } }
    var floats: [Float] { if case .floats(let value) = value { value } else { [] } }
    var ints: [Int64] { if case .ints(let value) = value { value } else { [] } }
    var strings: [[UInt8]] { if case .strings(let value) = value { value } else { [] } }
    var tensors: [TensorProto] { if case .tensors(let value) = value { value } else { [] } }
    var graphs: [GraphProto] { if case .graphs(let value) = value { value } else { [] } }
    var refAttrName: String { if case .reference(let value) = value { String(decoding: value, as: UTF8.self) } else { "" } }
}

/// Holds a large, rarely present value out of line.
final class Box<Value> {
    let value: Value
    init(_ value: Value) { self.value = value }
}

struct ValueInfoProto {
    var name = ""
    var id = ValueID.none
    var type: TypeProto?
}

/// A value's declared type. Only tensors are executable; sequences, maps and optionals are recorded
/// so the loader can name them in its error.
struct TypeProto {
    enum Kind { case tensor, sequence, map, optional, sparseTensor, unknown }
    var kind: Kind = .unknown
    var elementType: Int64 = 0
    /// nil when the rank is unknown; a dimension is nil when symbolic or absent.
    var dims: [Int?]?
    var dimNames: [String?] = []
}

/// A serialized tensor, referenced by byte ranges into the file buffer until it is materialized.
///
/// Almost every tensor in a real model keeps its payload in `raw_data`; the typed repeated fields,
/// external data and segments live in `rare`, out of line, so the common tensor (a Constant
/// node's, once per node) costs a fifth of what a field per protobuf member would.
struct TensorProto {
    /// The fields a tensor seldom uses.
    struct Rare {
        var floatData: [Float] = []
        var int32Data: [Int64] = []
        var int64Data: [Int64] = []
        var doubleData: [UInt64] = []
        var uint64Data: [Int64] = []
        var stringCount = 0
        var externalData: [String: String] = [:]
        var dataLocation: Int64 = 0
        var hasSegment = false

        var isEmpty: Bool {
            floatData.isEmpty && int32Data.isEmpty && int64Data.isEmpty
                && doubleData.isEmpty && uint64Data.isEmpty && stringCount == 0 && externalData.isEmpty && dataLocation == 0
                && !hasSegment
        }
    }

    var name = ""
    /// The value an initializer defines; `.none` for a tensor held in an attribute.
    var id = ValueID.none
    var dims: [Int64] = []
    var dataType: Int64 = 0
    /// Where the whole TensorProto message starts: the bytes between here and `rawData` may be
    /// overwritten once the message is parsed, which lets raw data be moved to an aligned address.
    var messageStart = 0
    /// Values that can be borrowed from the file as they are, and the field that holds them.
    var payload: Payload?
    var rare: Box<Rare>?

    /// A field whose bytes are the tensor's values in memory order: `raw_data`, or `float_data` /
    /// `double_data` written as one packed field (little-endian, laid out exactly like raw data,
    /// which is how PaddlePaddle exports every weight). Borrowed instead of decoded and copied.
    struct Payload {
        enum Field { case raw, packedFloats, packedDoubles }
        var field: Field
        var range: Range<Int>

        /// Whether the bytes are values of `type` (a packed typed field only holds its own type).
        func holds(_ type: ElementType) -> Bool {
            switch field {
            case .raw: true
            case .packedFloats: type == .float
            case .packedDoubles: type == .double
            }
        }
    }

    var rawData: Range<Int>? { payload?.field == .raw ? payload?.range : nil }
    var floatData: [Float] { rare?.value.floatData ?? [] }
    var int32Data: [Int64] { rare?.value.int32Data ?? [] }
    var int64Data: [Int64] { rare?.value.int64Data ?? [] }
    var doubleData: [UInt64] { rare?.value.doubleData ?? [] }
    var uint64Data: [Int64] { rare?.value.uint64Data ?? [] }
    var stringCount: Int { rare?.value.stringCount ?? 0 }
    var externalData: [String: String] { rare?.value.externalData ?? [:] }
    var dataLocation: Int64 { rare?.value.dataLocation ?? 0 }
    var hasSegment: Bool { rare?.value.hasSegment ?? false }
}
