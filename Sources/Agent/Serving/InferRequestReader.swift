import InferenceEngine

/// Reads `POST /v1/models/{name}/infer` bodies straight into the tensors the model runs on, with
/// `JSONCursor`. Each input is `{"shape": [1, 64], "dtype": "float32", "data": [...]}`, or
/// `"base64"` (little-endian element bytes) instead of `"data"` for large or exact inputs (JSON
/// numbers are doubles, so int64 beyond 2^53 must travel as base64).
///
/// Memory stays a small factor of the body: numbers in `"data"` go into the tensor's own storage
/// as they are parsed when `"shape"` and `"dtype"` come first (as every example writes them; in
/// the other order they pass through one `[Double]`), base64 is decoded into the tensor's storage,
/// and no shape is allocated that the rest of the body could not fill.
struct InferRequestReader {
    /// The decoded request: named inputs and the requested output encoding.
    struct Request {
        var inputs: [String: Tensor] = [:]
        var outputEncoding: String?
    }

    static func read(_ body: UnsafeBufferPointer<UInt8>) throws -> Request {
        var cursor = JSONCursor(body)
        var request = Request()
        var sawInputs = false
        try cursor.object { cursor, key in
            switch key {
            case "inputs":
                guard !sawInputs else { throw cursor.fail("\"inputs\" appears twice") }
                sawInputs = true
                try cursor.object { cursor, name in
                    guard request.inputs[name] == nil else { throw LocalAPIError.badRequest("input '\(name)' is given twice") }
                    request.inputs[name] = try readTensor(&cursor, name: name)
                }
            case "output_encoding": request.outputEncoding = try cursor.string()
            default: try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
        guard sawInputs else { throw cursor.fail("the body has no \"inputs\" member") }
        return request
    }

    /// One input: `{"shape": [...], "dtype": "...", "data": [...] | "base64": "..."}`.
    private static func readTensor(_ cursor: inout JSONCursor, name: String) throws -> Tensor {
        var shape: [Int]?
        var type: ElementType?
        var built: Tensor?
        var looseValues: [Double]?
        var base64: Range<Int>?
        func refuse(_ message: String) -> LocalAPIError { .badRequest("input '\(name)': \(message)") }

        try cursor.object { cursor, key in
            switch key {
            case "shape":
                guard shape == nil else { throw refuse("\"shape\" appears twice") }
                var dims: [Int] = []
                try cursor.array { cursor in
                    guard dims.count < maximumRank else { throw refuse("shape has more than \(maximumRank) dimensions") }
                    dims.append(try cursor.integer("a dimension"))
                }
                shape = dims
            case "dtype":
                guard type == nil else { throw refuse("\"dtype\" appears twice") }
                let text = try cursor.string()
                guard let known = ElementType.allCases.first(where: { $0.description == text }), known != .string else {
                    throw refuse("unknown dtype '\(text)' (use float32, float16, float64, int64, int32, int8, uint8, bool, …)")
                }
                type = known
            case "data":
                guard built == nil, looseValues == nil, base64 == nil else { throw refuse("give one \"data\" or \"base64\"") }
                if let shape, let type {
                    built = try readValues(&cursor, into: try builder(type, shape, fitting: cursor.remaining, refuse), refuse)
                } else {
                    var values: [Double] = []
                    try cursor.array { cursor in values.append(try cursor.number()) }
                    looseValues = values
                }
            case "base64":
                guard built == nil, looseValues == nil, base64 == nil else { throw refuse("give one \"data\" or \"base64\"") }
                base64 = try cursor.stringSpan()
            default: try cursor.skipValue()
            }
        }
        guard let type else { throw refuse("give \"dtype\" (float32, int64, …)") }
        guard let shape else { throw refuse("give \"shape\", e.g. [1, 64]") }
        if let built { return built }
        if let looseValues {
            var values = try builder(type, shape, fitting: looseValues.count * 2, refuse)
            for value in looseValues where !values.append(value) { break }
            return try finish(values, refuse)
        }
        guard let base64 else { throw refuse("give \"data\" (numbers) or \"base64\"") }
        return try decodeBase64(UnsafeBufferPointer(rebasing: cursor.bytes[base64]), type: type, shape: shape, refuse)
    }

    /// Most dimensions an input may have (ONNX tensors in practice have a handful).
    static let maximumRank = 64

    /// A builder for `shape`, refused before allocating when the shape holds more values than
    /// `bytes` of JSON could spell (each value takes at least a digit and a comma).
    static func builder(
        _ type: ElementType, _ shape: [Int], fitting bytes: Int, _ refuse: (String) -> LocalAPIError
    ) throws -> TensorBuilder {
        let count: Int
        switch CheckedShape.size(shape, elementWidth: type.byteWidth) {
        case .success(let size): count = size.count
        case .failure(let refusal): throw refuse("a \(type) tensor of \(refusal)")
        }
        guard count <= bytes / 2 + 1 else {
            throw refuse("shape \(shape) holds \(count) values, more than the \(bytes) bytes left in the body can hold")
        }
        do { return try TensorBuilder(elementType: type, shape: shape) } catch { throw refuse("\(error)") }
    }

    private static func readValues(
        _ cursor: inout JSONCursor, into builder: TensorBuilder, _ refuse: (String) -> LocalAPIError
    ) throws -> Tensor {
        var values = builder
        var extra = 0
        try cursor.array { cursor in
            let value = try cursor.number()
            if !values.append(value) { extra += 1 }
        }
        guard extra == 0 else {
            throw refuse("invalid tensor: \(values.count + extra) values do not fill a shape that holds \(values.capacity)")
        }
        return try finish(values, refuse)
    }

    static func finish(_ builder: TensorBuilder, _ refuse: (String) -> LocalAPIError) throws -> Tensor {
        do { return try builder.finish() } catch { throw refuse("\(error)") }
    }

    private static func decodeBase64(
        _ text: UnsafeBufferPointer<UInt8>, type: ElementType, shape: [Int], _ refuse: (String) -> LocalAPIError
    ) throws -> Tensor {
        guard let decoded = Base64Decoding.decodedCount(text) else { throw refuse("base64 does not decode (its length is not valid base64)") }
        switch CheckedShape.size(shape, elementWidth: type.byteWidth) {
        case .failure(let refusal): throw refuse("a \(type) tensor of \(refusal)")
        case .success(let size) where size.bytes != decoded:
            throw refuse("invalid tensor: \(decoded) bytes do not hold a \(type) tensor of shape \(shape), which needs \(size.bytes)")
        case .success: break
        }
        do {
            return try Tensor(shape: shape, elementType: type) { (destination) throws(EngineError) in
                guard Base64Decoding.decode(text, into: destination) else { throw EngineError.invalidTensor("base64 does not decode") }
            }
        } catch {
            throw refuse("\(error)")
        }
    }
}

/// A request the local API refuses with 400, with what was wrong.
enum LocalAPIError: Error {
    case badRequest(String)
}
