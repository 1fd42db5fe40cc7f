/// The parts of the ONNX protobuf schema (onnx.proto3) the engine reads. Unknown fields are
/// skipped, as protobuf requires, so newer files still load when they only add fields.

struct OperatorSetID: Sendable {
    var domain: String
    var version: Int
}

struct ModelProto {
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
    var valueInfo: [ValueInfoProto] = []
}

struct NodeProto {
    var inputs: [String] = []
    var outputs: [String] = []
    var name = ""
    var opType = ""
    var domain = ""
    var attributes: [AttributeProto] = []
}

struct AttributeProto {
    enum Kind: Int64 {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5
        case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10, sparseTensor = 11, sparseTensors = 12
        case typeProto = 13, typeProtos = 14
    }
    var name = ""
    var kind: Kind = .undefined
    var float: Float = 0
    var int: Int64 = 0
    var string: [UInt8] = []
    /// A tensor or graph value is rare (Constant nodes, If/Loop bodies) but large; boxing keeps the
    /// common attribute (an int or a list of ints) small, which is most of a parse tree's memory
    /// in models with many small nodes.
    var tensor: TensorProto? {
        get { tensorBox?.value }
        set { tensorBox = newValue.map(Box.init) }
    }
    var graph: GraphProto? {
        get { graphBox?.value }
        set { graphBox = newValue.map(Box.init) }
    }
    private var tensorBox: Box<TensorProto>?
    private var graphBox: Box<GraphProto>?
    var floats: [Float] = []
    var ints: [Int64] = []
    var strings: [[UInt8]] = []
    var tensors: [TensorProto] = []
    var graphs: [GraphProto] = []
    var refAttrName = ""
}

/// Holds a large, rarely present value out of line.
final class Box<Value> {
    let value: Value
    init(_ value: Value) { self.value = value }
}

struct ValueInfoProto {
    var name = ""
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
struct TensorProto {
    var name = ""
    var dims: [Int64] = []
    var dataType: Int64 = 0
    /// Where the whole TensorProto message starts: the bytes between here and `rawData` may be
    /// overwritten once the message is parsed, which lets raw data be moved to an aligned address.
    var messageStart = 0
    var rawData: Range<Int>?
    /// `float_data` / `double_data` written as one packed field: little-endian values laid out
    /// exactly like `raw_data`, so they are borrowed the same way instead of decoded and copied.
    var packedFloatData: Range<Int>?
    var packedDoubleData: Range<Int>?
    var floatData: [Float] = []
    var int32Data: [Int64] = []
    var int64Data: [Int64] = []
    var doubleData: [UInt64] = []
    var uint64Data: [Int64] = []
    var stringCount = 0
    var externalData: [String: String] = [:]
    var dataLocation: Int64 = 0
    var hasSegment = false
}
