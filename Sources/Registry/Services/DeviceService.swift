import FleetCore
import Foundation

/// Enrollment, check-ins and events: what devices do.
public struct DeviceService: Sendable {
    let store: any MetadataStore
    let checkinIntervalSeconds: Int
    let answers: DesiredStateCache

    public func enroll(_ profile: DeviceProfile, now: Timestamp) async throws -> EnrollmentResponse {
        let id = UUID().uuidString.lowercased()
        let token = BearerToken.generate(kind: .device)
        try await store.insertDevice(DeviceRecord(id: id, profile: profile, labels: profile.labels, enrolledAt: now))
        try await store.insertToken(TokenRecord(hash: BearerToken.hash(token), kind: .device, scopes: [], deviceID: id, label: "device \(id)", createdAt: now))
        return EnrollmentResponse(deviceID: id, token: token)
    }

    /// Records the report and answers (as JSON) with what the device should run.
    public func checkin(deviceID: String, report: CheckinRequest, now: Timestamp) async throws -> [UInt8] {
        guard let device = try await store.device(id: deviceID) else { throw RegistryError.notFound("device \(deviceID) is not enrolled") }
        try await store.recordCheckins([CheckinRecord(deviceID: deviceID, at: now, report: report)])
        if let cached = answers.body(for: device.labels) { return cached }
        let body = try StableJSON.encodeBytes(CheckinResponse(desired: try await desired(for: device), checkinIntervalSeconds: checkinIntervalSeconds))
        answers.store(body, for: device.labels)
        return body
    }

    /// Per model, the most specific matching assignment (most selector keys, then the newest) decides.
    /// Its pinned version, or the latest committed one; its variant, or `fp32`, or the only one there is.
    func desired(for device: DeviceRecord) async throws -> [DesiredModel] {
        let matching = try await store.assignments().filter { $0.selector.matches(device.labels) }
        let chosen = Dictionary(grouping: matching, by: \.model).compactMapValues { candidates in
            candidates.max { ($0.selector.requirements.count, $0.updatedAt) < ($1.selector.requirements.count, $1.updatedAt) }
        }
        var desired: [DesiredModel] = []
        for assignment in chosen.values.sorted(by: { $0.model < $1.model }) {
            let versions = try await store.versions(of: assignment.model)
            let candidates = versions.filter { version in
                (assignment.version.map { $0 == version.version } ?? true) && (assignment.variant.map { $0 == version.variant } ?? true)
            }
            guard let newest = candidates.map(\.version).max() else { continue }
            let atNewest = candidates.filter { $0.version == newest }
            guard let pick = atNewest.first(where: { $0.variant == "fp32" }) ?? atNewest.min(by: { $0.variant < $1.variant }) else { continue }
            desired.append(DesiredModel(
                model: pick.model, version: pick.version, variant: pick.variant, manifestDigest: pick.manifestDigest,
                manifestPath: "/v1/models/\(pick.model)/versions/\(pick.version)?variant=\(pick.variant)"
            ))
        }
        return desired
    }

    public func record(_ batch: EventBatch, deviceID: String, now: Timestamp) async throws {
        try await store.insertEvents(batch.events.map { EventRecord(deviceID: deviceID, receivedAt: now, event: $0) })
    }
}
