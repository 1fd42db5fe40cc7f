import FleetCore
import Hummingbird

/// `/v1/rollouts`: staged rollouts and the operator's actions on them (fleet scope).
struct RolloutRoutes {
    let rollouts: RolloutService
    let store: any MetadataStore

    func register(on router: RouteTable) {
        router.post("/v1/rollouts") { request, context in
            try context.require(.fleet)
            var request = request
            let body = try await request.decodeJSON(RolloutRequest.self)
            return try JSONBody.response(try await rollouts.create(body, by: context.actorName, now: .now()), status: .created)
        }
        router.get("/v1/rollouts") { _, context in
            try context.require(.fleet)
            return try JSONBody.response(RolloutList(rollouts: try await store.rollouts()))
        }
        router.get("/v1/rollouts/:id") { _, context in
            try context.require(.fleet)
            return try JSONBody.response(try await rollouts.status(id: try context.pathParameter("id")))
        }
        for action in RolloutAction.allCases {
            router.post("/v1/rollouts/:id/\(action.rawValue)") { request, context in
                try context.require(.fleet)
                var request = request
                let directive = action == .rollback ? try await request.decodeJSON(RollbackRequest.self).directive : nil
                let status = try await rollouts.apply(
                    action, id: try context.pathParameter("id"), directive: directive,
                    by: context.actorName, now: .now())
                return try JSONBody.response(status)
            }
        }
    }
}
