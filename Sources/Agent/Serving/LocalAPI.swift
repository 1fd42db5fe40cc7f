import FleetCore
import InferenceEngine

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The routes of the agent's local API.
///
/// - `GET /healthz`: the agent runs.
/// - `GET /v1/models`: every live model with its version and variant.
/// - `/v2/…`: the Open Inference Protocol (`OpenInferenceAPI`).
/// - `POST /v1/models/{name}/infer`: runs the live version on named tensors (`InferRequestReader`) and
///   returns the outputs with the version that produced them; 404 for a model that is not live,
///   400 for inputs the model rejects (with the engine's reason), 503 when the version cannot load.
public struct LocalAPI: Sendable {
    let installer: Installer
    let host: InferenceHost

    struct LiveModel: Encodable {
        var model: String
        var version: String
        var variant: String
        var manifestDigest: String
    }

    public func handle(_ request: LocalAPIServer.Request) -> LocalAPIServer.Response {
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        let segments = path.split(separator: "/").map(String.init)
        if segments.first == "v2" {
            return OpenInferenceAPI(installer: installer, host: host).handle(request, segments: segments)
                ?? OpenInferenceAPI.error(404, "no route \(request.method) \(path)")
        }
        switch (request.method, segments) {
        case ("GET", ["healthz"]):
            return .init(status: 200, body: Array("ok\n".utf8), contentType: "text/plain")
        case ("GET", ["v1", "models"]):
            let live = installer.activeModels().map {
                LiveModel(
                    model: $0.manifest.model, version: $0.manifest.version.description, variant: $0.manifest.variant, manifestDigest: $0.digest.description)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let body = try? encoder.encode(["models": live]) else { return .error(500, "cannot encode the model list") }
            return .init(status: 200, body: [UInt8](body))
        case ("POST", let parts) where parts.count == 4 && parts[0] == "v1" && parts[1] == "models" && parts[3] == "infer":
            return infer(model: parts[2], body: request.takeBody())
        case (_, ["v1", "models"]), (_, ["healthz"]):
            return .error(405, "method \(request.method) is not allowed on \(path)")
        default:
            return .error(404, "no route \(request.method) \(path)")
        }
    }

    /// Owns `body` so that its bytes are freed once decoded, before the model runs.
    private func infer(model: String, body: consuming [UInt8]) -> LocalAPIServer.Response {
        let request: InferRequestReader.Request
        do {
            request = try body.withUnsafeBufferPointer { try InferRequestReader.read($0) }
            body = []
        } catch LocalAPIError.badRequest(let message) {
            return .error(400, message)
        } catch {
            return .error(400, "the body must be JSON like {\"inputs\": {\"x\": {\"shape\": [1, 3], \"dtype\": \"float32\", \"data\": [1, 2, 3]}}}: \(error)")
        }
        let inputs = request.inputs
        switch host.infer(model: model, currentDirectory: installer.modelDirectory(model) + "/current", inputs: inputs) {
        case .failure(.notLive(let name)): return .error(404, "no live model named '\(name)'")
        case .failure(.cannotLoad(let reason)): return .error(503, "the live version of '\(model)' cannot be loaded: \(reason)")
        case .failure(.rejected(let reason)): return .error(400, reason)
        case .success(let result):
            guard let body = InferResponseWriter.json(result, base64: request.outputEncoding == "base64") else {
                return .error(500, "an output holds NaN or infinity, which JSON numbers cannot carry; ask for \"output_encoding\": \"base64\"")
            }
            return .init(status: 200, body: body)
        }
    }
}
