import BuildInfo
import FleetCore
import InferenceEngine

/// The KServe Open Inference Protocol (the "v2" REST API of KServe, Triton, Seldon MLServer and OpenVINO
/// Model Server) on the agent's local API, beside its own `/v1` routes, so existing clients
/// (`tritonclient`, KServe's SDK) call the live models unchanged:
///
/// - `GET /v2`, `/v2/health/live`, `/v2/health/ready`: the server.
/// - `GET /v2/models/{name}[/versions/{v}]`: versions, platform and the inputs and outputs the model file
///   declares (`-1` for a dynamic dimension); `…/ready`: whether it loads.
/// - `POST /v2/models/{name}[/versions/{v}]/infer`: JSON tensors, and the binary tensor data extension
///   (`Inference-Header-Content-Length`) both ways.
///
/// A version in the path must be the live one: the agent serves one version per model. Errors are the
/// protocol's `{"error": "…"}`.
struct OpenInferenceAPI: Sendable {
    let installer: Installer
    let host: InferenceHost

    /// Answers `/v2…` requests; nil for other paths.
    func handle(_ request: LocalAPIServer.Request, segments: [String]) -> LocalAPIServer.Response? {
        guard segments.first == "v2" else { return nil }
        switch (request.method, Array(segments.dropFirst())) {
        case ("GET", []):
            return json(#"{"name":"modelfleet-agent","version":"\#(BuildInfo.version)","extensions":["binary_tensor_data"]}"#)
        case ("GET", ["health", "live"]), ("GET", ["health", "ready"]):
            return LocalAPIServer.Response(status: 200, body: [])
        case ("GET", let rest) where rest.first == "models":
            guard let (name, version, action) = Self.modelPath(Array(rest.dropFirst())), action == nil || action == "ready" else { return nil }
            return action == "ready" ? ready(name, version) : metadata(name, version)
        case ("POST", let rest) where rest.first == "models":
            guard let (name, version, action) = Self.modelPath(Array(rest.dropFirst())), action == "infer" else { return nil }
            return infer(name, version, request)
        default:
            return nil
        }
    }

    /// `{name}`, `{name}/{action}`, `{name}/versions/{v}`, `{name}/versions/{v}/{action}`.
    private static func modelPath(_ parts: [String]) -> (String, String?, String?)? {
        switch parts.count {
        case 1: (parts[0], nil, nil)
        case 2: (parts[0], nil, parts[1])
        case 3 where parts[1] == "versions": (parts[0], parts[2], nil)
        case 4 where parts[1] == "versions": (parts[0], parts[2], parts[3])
        default: nil
        }
    }

    /// An answer that ends the request early (the model is not live, not that version, cannot load).
    private struct Refusal: Error {
        let response: LocalAPIServer.Response
    }

    private func signature(_ name: String, _ version: String?) -> Result<InferenceHost.Signature, Refusal> {
        switch host.signature(model: name, currentDirectory: installer.modelDirectory(name) + "/current") {
        case .failure(.notLive): return .failure(Refusal(response: Self.error(404, "no live model named '\(name)'")))
        case .failure(.cannotLoad(let reason)):
            return .failure(Refusal(response: Self.error(503, "the live version of '\(name)' cannot be loaded: \(reason)")))
        case .failure(.rejected(let reason)): return .failure(Refusal(response: Self.error(400, reason)))
        case .success(let signature):
            if let version, version != signature.version.description {
                return .failure(Refusal(response: Self.error(404, "'\(name)' serves version \(signature.version), not \(version)")))
            }
            return .success(signature)
        }
    }

    private func metadata(_ name: String, _ version: String?) -> LocalAPIServer.Response {
        let signature: InferenceHost.Signature
        switch self.signature(name, version) {
        case .failure(let refusal): return refusal.response
        case .success(let found): signature = found
        }
        var writer = JSONWriter()
        writer.raw(#"{"name":"#)
        writer.string(name)
        writer.raw(#","versions":["#)
        writer.string(signature.version.description)
        writer.raw(#"],"platform":"onnx","inputs":"#)
        Self.describe(signature.inputs, into: &writer)
        writer.raw(#","outputs":"#)
        Self.describe(signature.outputs, into: &writer)
        writer.raw("}")
        return LocalAPIServer.Response(status: 200, body: writer.bytes)
    }

    /// `[{"name", "datatype", "shape"}]`, `-1` for a dynamic dimension (and `[-1]` for an unknown rank).
    private static func describe(_ values: [InferenceEngine.ModelSummary.ValueDescription], into writer: inout JSONWriter) {
        writer.raw("[")
        for (index, value) in values.enumerated() {
            writer.raw(index == 0 ? #"{"name":"# : #",{"name":"#)
            writer.string(value.name)
            writer.raw(#","datatype":"#)
            writer.string(value.elementType.map(OIPDataType.name(of:)) ?? "BYTES")
            writer.raw(#","shape":["# + (value.shape?.map { String($0 ?? -1) } ?? ["-1"]).joined(separator: ",") + "]}")
        }
        writer.raw("]")
    }

    private func ready(_ name: String, _ version: String?) -> LocalAPIServer.Response {
        switch signature(name, version) {
        case .failure(let refusal): return refusal.response
        case .success: return LocalAPIServer.Response(status: 200, body: [])
        }
    }

    /// Owns the body so that it is freed once decoded, before the model runs (as `/v1`'s inference does).
    private func infer(_ name: String, _ version: String?, _ request: LocalAPIServer.Request) -> LocalAPIServer.Response {
        if case .failure(let refusal) = signature(name, version) { return refusal.response }
        let jsonLength: Int?
        if let header = request.headers["inference-header-content-length"] {
            guard let length = Int(header), length >= 0 else { return Self.error(400, "Inference-Header-Content-Length '\(header)' is not a byte count") }
            jsonLength = length
        } else {
            jsonLength = nil
        }
        var body = request.takeBody()
        let decoded: OIPInferRequest
        do {
            decoded = try body.withUnsafeBufferPointer { try OIPInferRequest.read($0, jsonLength: jsonLength) }
            body = []
        } catch LocalAPIError.badRequest(let message) {
            return Self.error(400, message)
        } catch {
            return Self.error(400, "\(error)")
        }
        let result: InferenceHost.Result
        switch host.infer(model: name, currentDirectory: installer.modelDirectory(name) + "/current", inputs: decoded.inputs) {
        case .failure(.notLive(let model)): return Self.error(404, "no live model named '\(model)'")
        case .failure(.cannotLoad(let reason)): return Self.error(503, "the live version of '\(name)' cannot be loaded: \(reason)")
        case .failure(.rejected(let reason)): return Self.error(400, reason)
        case .success(let ran): result = ran
        }
        var outputs: [OIPInferResponse.Output] = []
        if let requested = decoded.outputs {
            for wanted in requested {
                guard let produced = result.outputs.first(where: { $0.name == wanted.name }) else {
                    return Self.error(400, "'\(name)' has no output '\(wanted.name)'; its outputs are \(result.outputs.map(\.name).joined(separator: ", "))")
                }
                outputs.append(.init(name: wanted.name, tensor: produced.tensor, binary: wanted.binary ?? decoded.binaryOutputs))
            }
        } else {
            outputs = result.outputs.map { .init(name: $0.name, tensor: $0.tensor, binary: decoded.binaryOutputs) }
        }
        guard let encoded = OIPInferResponse.encode(model: name, version: result.version.description, id: decoded.id, outputs: outputs) else {
            return Self.error(500, "an output holds NaN or infinity, which JSON numbers cannot carry; ask for it with parameters.binary_data")
        }
        let headers = encoded.jsonLength.map { [(name: "Inference-Header-Content-Length", value: String($0))] } ?? []
        return LocalAPIServer.Response(
            status: 200, body: encoded.bytes, contentType: encoded.jsonLength == nil ? "application/json" : "application/octet-stream", headers: headers)
    }

    private func json(_ text: String) -> LocalAPIServer.Response { LocalAPIServer.Response(status: 200, body: Array(text.utf8)) }

    /// The protocol's error shape, `{"error": "message"}`.
    static func error(_ status: Int, _ message: String) -> LocalAPIServer.Response {
        var writer = JSONWriter()
        writer.raw(#"{"error":"#)
        writer.string(message)
        writer.raw("}")
        return LocalAPIServer.Response(status: status, body: writer.bytes)
    }
}
