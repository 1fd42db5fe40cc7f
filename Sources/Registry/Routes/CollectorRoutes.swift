import FleetCore
import Hummingbird

/// `POST /v1/gc` (admin scope): chunk garbage collection and version retention now (`fleetctl gc`).
struct CollectorRoutes {
    let collector: ChunkCollector
    let defaultGraceSeconds: Int

    func register(on router: RouteTable) {
        router.post("/v1/gc") { request, context in
            try context.require(.admin)
            var request = request
            let body = try await request.decodeJSON(GarbageCollectionRequest.self)
            return try JSONBody.response(try await collector.collect(body, defaultGraceSeconds: defaultGraceSeconds))
        }
    }
}
