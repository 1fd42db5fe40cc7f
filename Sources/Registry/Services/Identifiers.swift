import FleetCore
import Foundation
import Synchronization

/// Where device and rollout ids come from: random in a real registry; a seeded sequence in tests that
/// need cohorts (a hash of both ids) to be the same on every run, e.g. to check a stage's share exactly.
/// Ids only name things: tokens never come from here.
public final class Identifiers: Sendable {
    private let seeded: Mutex<SeededRandom?>

    private init(seeded: SeededRandom?) {
        self.seeded = Mutex(seeded)
    }

    public static var random: Identifiers { Identifiers(seeded: nil) }

    /// The same ids, in the same order of requests, on every run.
    public static func seeded(_ seed: UInt64) -> Identifiers { Identifiers(seeded: SeededRandom(seed: seed)) }

    /// A lowercase UUID.
    func deviceID() -> String {
        guard let bytes = seededBytes(16) else { return UUID().uuidString.lowercased() }
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        return uuid.uuidString.lowercased()
    }

    /// `ro-` and 12 hex digits.
    func rolloutID() -> String {
        var system = SystemRandomNumberGenerator()
        return "ro-" + Hex.encode(seededBytes(6) ?? (0..<6).map { _ in UInt8.random(in: .min ... .max, using: &system) })
    }

    /// The next `count` bytes of the seeded sequence; nil when ids are random.
    private func seededBytes(_ count: Int) -> [UInt8]? {
        seeded.withLock { generator in
            guard var current = generator else { return nil }
            defer { generator = current }
            return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &current) }
        }
    }
}
