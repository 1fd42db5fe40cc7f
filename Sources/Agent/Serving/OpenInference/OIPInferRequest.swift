import InferenceEngine

/// A decoded `POST /v2/models/{name}/infer` request: its JSON part (streamed with `JSONCursor`, numbers
/// straight into tensors) and, with the binary tensor data extension, the raw tensor bytes after it.
///
/// With `Inference-Header-Content-Length: N` the first N bytes are the JSON; an input whose
/// `parameters.binary_data_size` is K takes the next K bytes of what follows, in input order. `data` may
/// be flat or nested row-major, as the protocol allows.
struct OIPInferRequest {
    struct RequestedOutput {
        var name: String
        var binary: Bool?
    }

    var id: String?
    var inputs: [String: Tensor] = [:]
    /// Nil: every output of the model.
    var outputs: [RequestedOutput]?
    /// `parameters.binary_data_output`: the default for outputs that do not say.
    var binaryOutputs = false

    static func read(_ body: UnsafeBufferPointer<UInt8>, jsonLength: Int?) throws -> OIPInferRequest {
        let headerLength = jsonLength ?? body.count
        guard headerLength <= body.count else {
            throw LocalAPIError.badRequest("Inference-Header-Content-Length \(headerLength) is past the body's \(body.count) bytes")
        }
        var cursor = JSONCursor(UnsafeBufferPointer(rebasing: body[..<headerLength]))
        var request = OIPInferRequest()
        var binaryOffset = headerLength
        var sawInputs = false
        try cursor.object { cursor, key in
            switch key {
            case "id": request.id = try cursor.string()
            case "inputs":
                sawInputs = true
                try cursor.array { cursor in
                    let (name, tensor) = try readInput(&cursor, body: body, binaryOffset: &binaryOffset)
                    guard request.inputs[name] == nil else { throw LocalAPIError.badRequest("input '\(name)' is given twice") }
                    request.inputs[name] = tensor
                }
            case "outputs":
                var outputs: [RequestedOutput] = []
                try cursor.array { cursor in outputs.append(try readOutput(&cursor)) }
                request.outputs = outputs
            case "parameters":
                try cursor.object { cursor, key in
                    if key == "binary_data_output" { request.binaryOutputs = try cursor.bool() } else { try cursor.skipValue() }
                }
            default: try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
        guard sawInputs else { throw LocalAPIError.badRequest("the request has no \"inputs\"") }
        guard binaryOffset == body.count else {
            throw LocalAPIError.badRequest(
                "\(body.count - binaryOffset) bytes of binary data follow the inputs' binary_data_size total; they must match exactly")
        }
        return request
    }

    /// `{"name", "shape", "datatype", "data" | "parameters": {"binary_data_size"}}`.
    private static func readInput(_ cursor: inout JSONCursor, body: UnsafeBufferPointer<UInt8>, binaryOffset: inout Int) throws -> (String, Tensor) {
        var name: String?
        var shape: [Int]?
        var type: ElementType?
        var values: TensorBuilder?
        var loose: [Double]?
        var binarySize: Int?
        func refuse(_ message: String) -> LocalAPIError { .badRequest("input '\(name ?? "?")': \(message)") }
        try cursor.object { cursor, key in
            switch key {
            case "name": name = try cursor.string()
            case "shape":
                var dims: [Int] = []
                try cursor.array { cursor in
                    guard dims.count < InferRequestReader.maximumRank else { throw refuse("shape has more than \(InferRequestReader.maximumRank) dimensions") }
                    dims.append(try cursor.integer("a dimension"))
                }
                shape = dims
            case "datatype":
                let text = try cursor.string()
                guard let known = OIPDataType.elementType(text) else {
                    throw refuse("datatype '\(text)' is not one the engine takes (BOOL, UINT8…UINT64, INT8…INT64, FP16, BF16, FP32, FP64)")
                }
                type = known
            case "data":
                if let shape, let type {
                    var builder = try InferRequestReader.builder(type, shape, fitting: cursor.remaining, refuse)
                    try readNested(&cursor, depth: 0) { value in if !builder.append(value) { throw refuse("more values than shape \(shape) holds") } }
                    values = builder
                } else {
                    var collected: [Double] = []
                    try readNested(&cursor, depth: 0) { collected.append($0) }
                    loose = collected
                }
            case "parameters":
                try cursor.object { cursor, key in
                    if key == "binary_data_size" { binarySize = try cursor.integer("binary_data_size") } else { try cursor.skipValue() }
                }
            default: try cursor.skipValue()
            }
        }
        guard let name else { throw LocalAPIError.badRequest("an input has no \"name\"") }
        guard let type else { throw refuse("give \"datatype\" (FP32, INT64, …)") }
        guard let shape else { throw refuse("give \"shape\", e.g. [1, 64]") }
        if let binarySize {
            guard values == nil, loose == nil else { throw refuse("give \"data\" or parameters.binary_data_size, not both") }
            guard binarySize >= 0, binarySize <= body.count - binaryOffset else {
                throw refuse("binary_data_size \(binarySize) is past the \(body.count - binaryOffset) bytes of binary data left")
            }
            let bytes = UnsafeBufferPointer(rebasing: body[binaryOffset..<(binaryOffset + binarySize)])
            binaryOffset += binarySize
            switch CheckedShape.size(shape, elementWidth: type.byteWidth) {
            case .failure(let refusal): throw refuse("a \(type) tensor of \(refusal)")
            case .success(let size) where size.bytes != binarySize:
                throw refuse("\(binarySize) bytes do not hold a \(OIPDataType.name(of: type)) tensor of shape \(shape), which needs \(size.bytes)")
            case .success: break
            }
            do { return (name, try Tensor(shape: shape, elementType: type, littleEndianBytes: bytes)) } catch { throw refuse("\(error)") }
        }
        if let values { return (name, try InferRequestReader.finish(values, refuse)) }
        guard let loose else { throw refuse("give \"data\" or parameters.binary_data_size") }
        var builder = try InferRequestReader.builder(type, shape, fitting: loose.count * 2, refuse)
        for value in loose where !builder.append(value) { throw refuse("more values than shape \(shape) holds") }
        return (name, try InferRequestReader.finish(builder, refuse))
    }

    /// `{"name", "parameters": {"binary_data": true}}`.
    private static func readOutput(_ cursor: inout JSONCursor) throws -> RequestedOutput {
        var name: String?
        var binary: Bool?
        try cursor.object { cursor, key in
            switch key {
            case "name": name = try cursor.string()
            case "parameters":
                try cursor.object { cursor, key in if key == "binary_data" { binary = try cursor.bool() } else { try cursor.skipValue() } }
            default: try cursor.skipValue()
            }
        }
        guard let name else { throw LocalAPIError.badRequest("a requested output has no \"name\"") }
        return RequestedOutput(name: name, binary: binary)
    }

    /// Numbers (or `true`/`false`) of a flat or nested array, in row-major order.
    private static func readNested(_ cursor: inout JSONCursor, depth: Int, _ value: (Double) throws -> Void) throws {
        guard depth < InferRequestReader.maximumRank else { throw cursor.fail("data nested deeper than \(InferRequestReader.maximumRank) levels") }
        try cursor.array { cursor in
            switch cursor.peek() {
            case UInt8(ascii: "["): try readNested(&cursor, depth: depth + 1, value)
            case UInt8(ascii: "t"), UInt8(ascii: "f"): try value(try cursor.bool() ? 1 : 0)
            default: try value(try cursor.number())
            }
        }
    }
}
