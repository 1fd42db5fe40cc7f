import InferenceEngine

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A tensor in the local API's JSON: `{"shape": [1, 64], "dtype": "float32", "data": [...]}`, or
/// `"base64"` (little-endian element bytes) instead of `"data"` for large or exact inputs
/// (JSON numbers are doubles, so int64 beyond 2^53 must travel as base64).
struct TensorJSON: Codable, Sendable {
    var shape: [Int]
    var dtype: String
    var data: [Double]?
    var base64: String?

    init(_ tensor: Tensor, base64 encode: Bool) {
        shape = tensor.shape
        dtype = tensor.elementType.description
        if encode {
            base64 = Data(tensor.littleEndianBytes).base64EncodedString()
        } else {
            data = tensor.doubleValues()
        }
    }

    func tensor(named name: String) throws -> Tensor {
        guard let type = ElementType.allCases.first(where: { $0.description == dtype }), type != .string else {
            throw LocalAPIError.badRequest("input '\(name)': unknown dtype '\(dtype)' (use float32, float16, float64, int64, int32, int8, uint8, bool, …)")
        }
        do {
            if let base64 {
                guard let bytes = Data(base64Encoded: base64) else { throw LocalAPIError.badRequest("input '\(name)': base64 does not decode") }
                return try Tensor(shape: shape, elementType: type, littleEndianBytes: [UInt8](bytes))
            }
            guard let data else { throw LocalAPIError.badRequest("input '\(name)': give \"data\" (numbers) or \"base64\"") }
            return try Tensor(shape: shape, values: data).converted(to: type)
        } catch let error as EngineError {
            throw LocalAPIError.badRequest("input '\(name)': \(error)")
        }
    }
}

/// `POST /v1/models/{name}/infer` body.
struct InferRequest: Decodable {
    var inputs: [String: TensorJSON]
    /// "base64" returns outputs as base64 instead of number arrays.
    var outputEncoding: String?

    enum CodingKeys: String, CodingKey {
        case inputs
        case outputEncoding = "output_encoding"
    }
}

/// The answer: which version ran, its outputs in the model's order, and how long the run took.
struct InferResponse: Encodable {
    struct Output: Encodable {
        var name: String
        var tensor: TensorJSON
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(name, forKey: .name)
            try container.encode(tensor.shape, forKey: .shape)
            try container.encode(tensor.dtype, forKey: .dtype)
            try container.encodeIfPresent(tensor.data, forKey: .data)
            try container.encodeIfPresent(tensor.base64, forKey: .base64)
        }
        enum Keys: String, CodingKey { case name, shape, dtype, data, base64 }
    }
    var model: String
    var version: String
    var outputs: [Output]
    var latencyMilliseconds: Double
    /// "full", or "efficiency" when low battery put the engine in efficiency mode.
    var mode: String

    enum CodingKeys: String, CodingKey {
        case model, version, outputs, mode
        case latencyMilliseconds = "latency_ms"
    }
}

enum LocalAPIError: Error {
    case badRequest(String)
}
