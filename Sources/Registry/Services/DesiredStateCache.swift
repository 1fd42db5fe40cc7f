import FleetCore
import Synchronization

/// Check-in answers, encoded, per set of device labels, rollout placements and device profile, for `ttl`
/// or until something they depend on changes in this process (an assignment, a committed version, a rollout).
///
/// A fleet has thousands of devices and a handful of label sets: computing and JSON-encoding the same
/// answer for each check-in was a fifth of the registry's CPU under load. Rollouts split a label set
/// into a few cohorts and variants into a few device classes, so both are part of the key.
final class DesiredStateCache: Sendable {
    private struct Entry {
        var body: [UInt8]
        var expires: ContinuousClock.Instant
    }

    private let ttl: Duration
    private let clock = ContinuousClock()
    private let entries = Mutex<[String: Entry]>([:])

    init(ttl: Duration = .seconds(1)) {
        self.ttl = ttl
    }

    static func key(for labels: [String: String], placements: [String: RolloutPlacement]) -> String {
        let overlay = placements.sorted { $0.key < $1.key }.map {
            "\($0.key)@\($0.value.version)\($0.value.rollback == nil ? "" : "!")\($0.value.yieldsAbove.map { "~\($0)" } ?? "")"
        }
        return LabelSelector(labels).description + "|" + overlay.joined(separator: ",")
    }

    func body(for key: String) -> [UInt8]? {
        let now = clock.now
        return entries.withLock { entries in
            guard let entry = entries[key], entry.expires > now else { return nil }
            return entry.body
        }
    }

    func store(_ body: [UInt8], for key: String) {
        let expires = clock.now + ttl
        entries.withLock { $0[key] = Entry(body: body, expires: expires) }
    }

    /// Called after any change to assignments or versions.
    func invalidate() {
        entries.withLock { $0.removeAll() }
    }
}
