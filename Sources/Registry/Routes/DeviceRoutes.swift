import FleetCore
import Hummingbird

/// `/v1/devices`: enrollment, check-ins and events (what devices do), and a device's event log.
struct DeviceRoutes {
    let devices: DeviceService
    let store: any MetadataStore
    let metrics: RegistryMetrics

    func register(on router: RouteTable) {
        router.post("/v1/devices/enroll") { request, context in
            guard context.principal == .enrollment else {
                throw RegistryError.forbidden("enrollment needs the enrollment token")
            }
            var request = request
            let profile = try await request.decodeJSON(DeviceProfile.self)
            let enrolled = try await devices.enroll(profile, now: .now())
            metrics.deviceEnrolled()
            return try JSONBody.response(enrolled, status: .created)
        }
        router.post("/v1/devices/:id/checkin") { request, context in
            let id = try context.pathParameter("id")
            try context.requireDevice(id)
            var request = request
            let report = try await request.decodeJSON(CheckinRequest.self)
            metrics.deviceSeen(id)
            return JSONBody.response(bytes: try await devices.checkin(deviceID: id, report: report, now: .now()))
        }
        router.post("/v1/devices/:id/events") { request, context in
            let id = try context.pathParameter("id")
            try context.requireDevice(id)
            var request = request
            let batch = try await request.decodeJSON(EventBatch.self)
            try await devices.record(batch, deviceID: id, now: .now())
            return try JSONBody.response(EventsAccepted(accepted: batch.events.count), status: .accepted)
        }
        router.get("/v1/devices/:id/events") { _, context in
            try context.require(.fleet)
            return try JSONBody.response(EventList(events: try await store.events(deviceID: try context.pathParameter("id"))))
        }
    }
}
