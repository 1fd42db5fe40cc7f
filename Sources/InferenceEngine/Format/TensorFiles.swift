/// Reading and writing single serialized `TensorProto` files (`input_0.pb`, `output_0.pb`): the
/// format of the ONNX backend tests and of the agent's `run --input/--output-dir`.
extension Tensor {
    /// Reads a serialized TensorProto from `path`. Returns the tensor and its stored name.
    public static func load(protobufFile path: String) throws(EngineError) -> (name: String, tensor: Tensor) {
        try decode(ModelBytes(contentsOf: path), what: path)
    }

    /// Decodes a serialized TensorProto held in memory.
    public static func decode(protobuf bytes: some Collection<UInt8>) throws(EngineError) -> (name: String, tensor: Tensor) {
        try decode(ModelBytes(bytes: bytes), what: "tensor")
    }

    private static func decode(_ file: ModelBytes, what: String) throws(EngineError) -> (name: String, tensor: Tensor) {
        var reader = ProtoReader(buffer: file.buffer, range: 0..<file.count)
        let proto = try TensorProto(reader: &reader)
        let tensor = try TensorDecoder(file: file, directory: nil).tensor(from: proto, context: what)
        return (proto.name, tensor)
    }

    /// The tensor as a serialized TensorProto (dims, data_type, name, raw_data, little-endian).
    public func protobufBytes(name: String = "") -> [UInt8] {
        var out = ProtoWriter()
        for dim in shape { out.int(1, Int64(dim)) }
        out.int(2, Int64(elementType.rawValue))
        if !name.isEmpty { out.string(8, name) }
        out.bytes(9, UnsafeRawBufferPointer(start: storage.bytes, count: byteCount))
        return out.bytes
    }
}

extension Model {
    /// Reads a TensorProto file meant as this model's input number `position`: named by the name
    /// stored in the file, else by the model's input at that position ("" when neither exists).
    /// The one naming rule behind backend tests, self-test vectors and `--input FILE.pb`.
    public func input(protobufFile path: String, position: Int) throws(EngineError) -> (name: String, tensor: Tensor) {
        let (stored, tensor) = try Tensor.load(protobufFile: path)
        let name = !stored.isEmpty ? stored : (position < inputs.count ? inputs[position].name : "")
        return (name, tensor)
    }
}
