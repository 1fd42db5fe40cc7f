import FleetCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The routes of the agent's local API.
///
/// - `GET /healthz`: the agent runs.
/// - `GET /v1/models`: every live model with its version and variant.
/// - `POST /v1/models/{name}/infer`: 404 for a model that is not live; until the inference engine lands
///   (issues #5, #7) a clear 501 for one that is, never a made-up answer.
public struct LocalAPI: Sendable {
    let installer: Installer

    struct LiveModel: Encodable {
        var model: String
        var version: String
        var variant: String
        var manifestDigest: String
    }

    public func handle(_ request: LocalAPIServer.Request) -> LocalAPIServer.Response {
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        let segments = path.split(separator: "/").map(String.init)
        switch (request.method, segments) {
        case ("GET", ["healthz"]):
            return .init(status: 200, body: Array("ok\n".utf8), contentType: "text/plain")
        case ("GET", ["v1", "models"]):
            let live = installer.activeModels().map {
                LiveModel(model: $0.manifest.model, version: $0.manifest.version.description, variant: $0.manifest.variant, manifestDigest: $0.digest.description)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let body = try? encoder.encode(["models": live]) else { return .error(500, "cannot encode the model list") }
            return .init(status: 200, body: [UInt8](body))
        case ("POST", let parts) where parts.count == 4 && parts[0] == "v1" && parts[1] == "models" && parts[3] == "infer":
            guard installer.active(parts[2]) != nil else { return .error(404, "no live model named '\(parts[2])'") }
            return .error(501, "this build has no inference engine yet (issues #5, #7): \(parts[2]) is installed but cannot be run")
        case (_, ["v1", "models"]), (_, ["healthz"]):
            return .error(405, "method \(request.method) is not allowed on \(path)")
        default:
            return .error(404, "no route \(request.method) \(path)")
        }
    }
}
