import InferenceEngine

/// The answer to an Open Inference Protocol inference: `{"model_name", "model_version", "id", "outputs":
/// [{"name", "datatype", "shape", "data"}]}`, numbers written as they are read out of the tensors. An output
/// asked for in binary carries `parameters.binary_data_size` instead of `data`, and its little-endian bytes
/// follow the JSON; `jsonLength` is then the `Inference-Header-Content-Length` the answer must carry.
enum OIPInferResponse {
    struct Output {
        var name: String
        var tensor: Tensor
        var binary: Bool
    }

    /// Nil when a JSON output holds NaN or infinity (JSON numbers cannot; binary outputs can).
    static func encode(model: String, version: String, id: String?, outputs: [Output]) -> (bytes: [UInt8], jsonLength: Int?)? {
        var writer = JSONWriter()
        var binary: [UInt8] = []
        writer.raw(#"{"model_name":"#)
        writer.string(model)
        writer.raw(#","model_version":"#)
        writer.string(version)
        if let id {
            writer.raw(#","id":"#)
            writer.string(id)
        }
        writer.raw(#","outputs":["#)
        for (index, output) in outputs.enumerated() {
            writer.raw(index == 0 ? #"{"name":"# : #",{"name":"#)
            writer.string(output.name)
            writer.raw(#","datatype":"#)
            writer.string(OIPDataType.name(of: output.tensor.elementType))
            writer.raw(#","shape":["# + output.tensor.shape.map(String.init).joined(separator: ",") + "]")
            if output.binary {
                let bytes = output.tensor.littleEndianBytes
                writer.raw(#","parameters":{"binary_data_size":\#(bytes.count)}}"#)
                binary += bytes
            } else {
                writer.raw(#","data":["#)
                for (position, value) in output.tensor.doubleValues().enumerated() {
                    if position > 0 { writer.raw(",") }
                    if output.tensor.elementType == .bool {
                        writer.raw(value != 0 ? "true" : "false")
                    } else {
                        guard writer.number(value) else { return nil }
                    }
                }
                writer.raw("]}")
            }
        }
        writer.raw("]}")
        let jsonLength = writer.bytes.count
        guard !binary.isEmpty || outputs.contains(where: \.binary) else { return (writer.bytes, nil) }
        writer.append(binary)
        return (writer.bytes, jsonLength)
    }
}
