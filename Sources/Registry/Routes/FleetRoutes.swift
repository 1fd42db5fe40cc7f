import FleetCore
import Hummingbird

/// `/v1/devices` (the operator's view, decommissioning included) and `/v1/fleet/status` (fleet scope).
struct FleetRoutes {
    let queries: FleetQueries
    let store: any MetadataStore
    let answers: DesiredStateCache

    func register(on router: RouteTable) {
        router.get("/v1/devices") { request, context in
            try context.require(.fleet)
            let selector = try LabelSelector(parsing: String(request.uri.queryParameters["select"] ?? ""))
            let state = try request.uri.queryParameters["state"].map { text in
                guard let state = DeviceState(rawValue: String(text)) else {
                    throw RegistryError.badRequest("state '\(text)': expected one of \(DeviceState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            }
            return try JSONBody.response(DeviceList(devices: try await queries.summaries(matching: selector, state: state)))
        }
        router.get("/v1/devices/:id") { _, context in
            try context.require(.fleet)
            return try JSONBody.response(try await queries.detail(id: try context.pathParameter("id")))
        }
        router.delete("/v1/devices/:id") { _, context in
            try context.require(.fleet)
            let id = try context.pathParameter("id")
            let now = Timestamp.now()
            try await store.decommissionDevice(
                id: id, audit: AuditEntry(at: now, actor: context.actorName, action: "device.decommission", subject: id, detail: "token revoked"))
            answers.invalidate()
            return try JSONBody.response(DecommissionedDevice(deviceID: id, decommissionedAt: now))
        }
        router.put("/v1/devices/:id/labels") { request, context in
            try context.require(.fleet)
            let id = try context.pathParameter("id")
            var request = request
            let labels = try await request.decodeJSON(DeviceLabels.self).labels
            // Labels feed selectors: the selector's own syntax must be able to name them.
            for (key, value) in labels where key.isEmpty || value.isEmpty || (key + value).contains(where: { $0 == "," || $0 == "=" }) {
                throw RegistryError.badRequest("label '\(key)=\(value)': keys and values must be non-empty and hold no ',' or '='")
            }
            let detail = LabelSelector(labels).description
            try await store.setLabels(
                deviceID: id, labels: labels, audit: AuditEntry(at: .now(), actor: context.actorName, action: "device.labels", subject: id, detail: detail))
            answers.invalidate()
            return try JSONBody.response(try await queries.detail(id: id))
        }
        router.get("/v1/fleet/status") { _, context in
            try context.require(.fleet)
            return try JSONBody.response(try await queries.status())
        }
        router.get("/v1/audit") { request, context in
            try context.require(.fleet)
            let since = try request.uri.queryParameters["since"].map { try Timestamp(parsing: String($0)) }
            return try JSONBody.response(AuditLog(entries: try await store.audit(since: since)))
        }
    }
}
