import FleetCore

/// Answers operators' questions about the fleet: which devices, in what state, running what, how healthy.
struct FleetQueries: Sendable {
    let store: any MetadataStore
    let devices: DeviceService

    /// `ok` when every model the device should run is installed at the desired version; `failing` when
    /// its report for a desired version says the install failed; `incompatible` when it fits no variant
    /// of a version it should run; `updating` otherwise.
    func state(of device: DeviceRecord, health: [DeviceVersionHealth]) async throws -> DeviceState {
        guard let report = device.lastCheckin else { return .enrolled }
        let desired = try await devices.desired(for: device)
        var state = desired.incompatible.isEmpty ? DeviceState.ok : .incompatible
        for wanted in desired.models {
            if report.installed.contains(where: { $0.model == wanted.model && $0.version == wanted.version }) { continue }
            let failed = health.contains { $0.deviceID == device.id && $0.model == wanted.model && $0.version == wanted.version && $0.install == .failed }
            if failed { return .failing }
            if state == .ok { state = .updating }
        }
        return state
    }

    func summary(_ device: DeviceRecord, health: [DeviceVersionHealth]) async throws -> DeviceSummary {
        DeviceSummary(
            id: device.id, labels: device.labels, state: try await state(of: device, health: health), enrolledAt: device.enrolledAt,
            lastSeenAt: device.lastSeenAt, installed: device.lastCheckin?.installed ?? [])
    }

    func summaries(matching selector: LabelSelector, state wanted: DeviceState?) async throws -> [DeviceSummary] {
        let health = try await store.health(model: nil)
        let byDevice = Dictionary(grouping: health, by: \.deviceID)
        var rows: [DeviceSummary] = []
        for device in try await store.devices() where selector.matches(device.labels) {
            let row = try await summary(device, health: byDevice[device.id] ?? [])
            if wanted == nil || row.state == wanted { rows.append(row) }
        }
        return rows
    }

    func detail(id: String) async throws -> DeviceDetail {
        // Not `store.device(id:)`: that is the check-in path's cached copy, without the latest (buffered) report.
        guard let device = try await store.devices().first(where: { $0.id == id }) else {
            if let at = try await store.decommissionedAt(deviceID: id) { throw StorageError.notFound("device \(id) was decommissioned at \(at)") }
            throw StorageError.notFound("device \(id) is not enrolled")
        }
        let health = try await store.health(deviceID: id)
        let desired = try await devices.desired(for: device)
        return DeviceDetail(
            device: try await summary(device, health: health), profile: device.profile,
            desired: desired.models, incompatible: desired.incompatible, health: health)
    }

    /// Versions by share of devices running them, with the health devices reported for each, and rollouts in flight.
    func status() async throws -> FleetStatus {
        let all = try await store.devices()
        let health = try await store.health(model: nil)
        let byDevice = Dictionary(grouping: health, by: \.deviceID)
        var states: [String: Int] = [:]
        var running: [String: Int] = [:]
        var variants: [String: [String: Int]] = [:]
        var versions: [String: (model: String, version: SemanticVersion)] = [:]
        for device in all {
            states[try await state(of: device, health: byDevice[device.id] ?? []).rawValue, default: 0] += 1
            for installed in device.lastCheckin?.installed ?? [] {
                let key = "\(installed.model)@\(installed.version)"
                running[key, default: 0] += 1
                variants[key, default: [:]][installed.variant, default: 0] += 1
                versions[key] = (installed.model, installed.version)
            }
        }
        for row in health { versions["\(row.model)@\(row.version)"] = (row.model, row.version) }
        let reports = Dictionary(grouping: health) { "\($0.model)@\($0.version)" }
        let rows = versions.map { key, entry in
            let rows = reports[key] ?? []
            return VersionHealth(
                model: entry.model, version: entry.version, devices: running[key] ?? 0,
                share: all.isEmpty ? 0 : Double(running[key] ?? 0) / Double(all.count),
                installFailures: rows.filter(\.failedBeforeSelfTest).count, selfTestFailures: rows.filter(\.failedSelfTest).count,
                inferences: rows.reduce(0) { $0 + $1.inferences }, errors: rows.reduce(0) { $0 + $1.errors },
                p95Milliseconds: RolloutEvaluator.meanP95(rows), variants: variants[key]
            )
        }.sorted { ($0.model, $1.version) < ($1.model, $0.version) }
        let inFlight = try await store.rollouts().filter(\.state.isInFlight)
        return FleetStatus(devices: all.count, states: states, versions: rows, rollouts: inFlight)
    }
}
