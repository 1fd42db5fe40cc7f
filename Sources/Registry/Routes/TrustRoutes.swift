import FleetCore
import Hummingbird

/// The root's trust documents: uploaded by admins (`fleetctl trust publish`), fetched by devices.
struct TrustRoutes {
    let trust: PublisherTrust
    let answers: DesiredStateCache

    func register(on router: RouteTable) {
        router.put("/v1/trust") { request, context in
            try context.require(.admin)
            var request = request
            let bytes = try await request.bytes(upTo: TrustDocumentCoding.maximumBytes)
            let document = try await trust.publish(bytes, by: context.actorName, now: .now())
            // Check-in answers name the newest trust version.
            answers.invalidate()
            return try JSONBody.response(try TrustSummary(document), status: .created)
        }
        router.get("/v1/trust") { request, context in
            // Devices fetch it at check-in; admins read it (`fleetctl trust show`).
            if case .device = context.principal {} else { try context.require(.read) }
            let after =
                try request.uri.queryParameters.get("after").map { text in
                    guard let value = Int(text), value >= 0 else { throw RegistryError.badRequest("after must be a whole number, got '\(text)'") }
                    return value
                } ?? 0
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(bytes: try await trust.documentsJSON(after: after))))
        }
    }
}
