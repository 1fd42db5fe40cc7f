public import FleetCore
import Foundation

/// Enrollment, check-ins and events: what devices do.
public struct DeviceService: Sendable {
    let store: any MetadataStore
    let checkinIntervalSeconds: Int
    let answers: DesiredStateCache
    let identifiers: Identifiers
    let overlays = OverlayCache()
    let profileKeys = VariantChoice.ProfileKeys()

    /// What one device should run, and what it should run but fits no variant of.
    struct Desired: Sendable {
        var models: [DesiredModel] = []
        var incompatible: [IncompatibleModel] = []
    }

    public func enroll(_ profile: DeviceProfile, now: Timestamp) async throws -> EnrollmentResponse {
        let id = identifiers.deviceID()
        let token = BearerToken.generate(kind: .device)
        try await store.insertDevice(DeviceRecord(id: id, profile: profile, labels: profile.labels, enrolledAt: now))
        try await store.insertToken(
            TokenRecord(hash: BearerToken.hash(token), kind: .device, scopes: [], deviceID: id, label: "device \(id)", createdAt: now), audit: nil)
        return EnrollmentResponse(deviceID: id, token: token)
    }

    /// Records the report and answers (as JSON) with what the device should run.
    public func checkin(deviceID: String, report: CheckinRequest, now: Timestamp) async throws -> [UInt8] {
        guard var device = try await store.device(id: deviceID) else { throw StorageError.notFound("device \(deviceID) is not enrolled") }
        try report.checkPlausible()
        if let profile = report.profile, profile != device.effectiveProfile {
            device = try await update(device, to: profile, now: now)
        }
        try await store.recordCheckins([CheckinRecord(deviceID: deviceID, at: now, report: report)])
        let overlay = overlays.overlay(for: try await store.rollouts())
        let placements = overlay.placements(deviceID: device.id, labels: device.labels)
        let key = DesiredStateCache.key(for: device.labels, placements: placements) + "|" + profileKeys.key(for: device)
        if let cached = answers.body(for: key) { return cached }
        let desired = try await desired(device: device, placements: placements, overlay: overlay)
        let trustVersion = try await store.trustDocuments(after: 0).last?.version
        let body = try StableJSON.encodeBytes(
            CheckinResponse(desired: desired.models, checkinIntervalSeconds: checkinIntervalSeconds, trustVersion: trustVersion))
        answers.store(body, for: key)
        return body
    }

    /// A profile the agent reports as changed replaces the enrolled one, labels included (audited as the device).
    private func update(_ device: DeviceRecord, to profile: DeviceProfile, now: Timestamp) async throws -> DeviceRecord {
        var changed: [String] = []
        if profile.labels != device.labels { changed.append("labels \(LabelSelector(profile.labels))") }
        if profile.arch != device.profile.arch { changed.append("arch \(profile.arch)") }
        if profile.ramBytes != device.profile.ramBytes { changed.append("ram \(profile.ramBytes)") }
        if profile.diskBytes != device.profile.diskBytes { changed.append("disk \(profile.diskBytes)") }
        if profile.engineVersion != device.profile.engineVersion { changed.append("engine \(profile.engineVersion)") }
        if profile.supportedOps != device.profile.supportedOps { changed.append("\(profile.supportedOps.count) supported ops") }
        try await store.updateProfile(
            deviceID: device.id, profile: profile,
            audit: AuditEntry(at: now, actor: "device \(device.id)", action: "device.profile", subject: device.id, detail: changed.joined(separator: ", ")))
        answers.invalidate()
        var updated = device
        updated.profile = profile
        updated.labels = profile.labels
        return updated
    }

    /// What `device` should run now (as its next check-in would be answered).
    func desired(for device: DeviceRecord) async throws -> Desired {
        let overlay = overlays.overlay(for: try await store.rollouts())
        return try await desired(device: device, placements: overlay.placements(deviceID: device.id, labels: device.labels), overlay: overlay)
    }

    /// Per model, what `VersionResolution` says; then the pinned variant, or the one `VariantChoice`
    /// picks for the device's profile.
    private func desired(device: DeviceRecord, placements: [String: RolloutPlacement], overlay: RolloutOverlay) async throws -> Desired {
        let chosen = VersionResolution.chosenAssignments(try await store.assignments(), labels: device.labels)
        var desired = Desired()
        for model in Set(chosen.keys).union(placements.keys).sorted() {
            let variant = chosen[model]?.variant
            let versions = try await store.versions(of: model)
            guard
                let resolved = VersionResolution.resolve(
                    chosen[model], placement: placements[model], versions: versions,
                    heldBack: overlay.heldBack(model: model, versions: versions))
            else { continue }
            let wanted = resolved.version
            let placement = resolved.placement
            guard let outcome = VersionResolution.variant(of: wanted, in: versions, pinned: variant, profile: device.profile) else { continue }
            let pick: VersionRecord
            switch outcome {
            case .variant(let record): pick = record
            case .none(let reasons):
                desired.incompatible.append(IncompatibleModel(model: model, version: wanted, reasons: reasons))
                continue
            }
            desired.models.append(
                DesiredModel(
                    model: pick.model, version: pick.version, variant: pick.variant, manifestDigest: pick.manifestDigest,
                    manifestPath: "/v1/models/\(pick.model)/versions/\(pick.version)?variant=\(pick.variant)", rollback: placement?.rollback
                ))
        }
        return desired
    }

    public func record(_ batch: EventBatch, deviceID: String, now: Timestamp) async throws {
        try await store.insertEvents(batch.events.map { RecordedEvent(deviceID: deviceID, receivedAt: now, event: $0) })
    }
}

extension DeviceRecord {
    /// The profile as the registry uses it: the reported one with the labels the device has now (an
    /// operator may have changed them since). A reported profile equal to it changes nothing.
    var effectiveProfile: DeviceProfile {
        var profile = self.profile
        profile.labels = labels
        return profile
    }
}
