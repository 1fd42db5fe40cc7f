import FleetCore
import Synchronization

/// Check-in answers, encoded, per set of device labels, for `ttl` or until something they depend on
/// changes in this process (an assignment, a committed version).
///
/// A fleet has thousands of devices and a handful of label sets: computing and JSON-encoding the same
/// answer for each check-in was a fifth of the registry's CPU under load.
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

    static func key(for labels: [String: String]) -> String {
        LabelSelector(labels).description
    }

    func body(for labels: [String: String]) -> [UInt8]? {
        let now = clock.now
        return entries.withLock { entries in
            guard let entry = entries[Self.key(for: labels)], entry.expires > now else { return nil }
            return entry.body
        }
    }

    func store(_ body: [UInt8], for labels: [String: String]) {
        let expires = clock.now + ttl
        entries.withLock { $0[Self.key(for: labels)] = Entry(body: body, expires: expires) }
    }

    /// Called after any change to assignments or versions.
    func invalidate() {
        entries.withLock { $0.removeAll() }
    }
}
