import FleetCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The device profile (and labels) the registry last accepted from this agent, in `DATA/profile.json`.
/// A check-in carries the current profile only when it differs, so a changed label in `agent.yaml`, more
/// RAM or a new engine reaches the registry (and variant choice) without re-enrolling, and an unchanged one
/// costs nothing, nor overwrites labels an operator set with `fleetctl devices label`.
struct ProfileReport: Sendable {
    let path: String

    init(dataDirectory: String) {
        path = dataDirectory + "/profile.json"
    }

    /// `current` when the registry has not accepted it yet, else nil.
    func pending(_ current: DeviceProfile) -> DeviceProfile? {
        guard let bytes = FileManager.default.contents(atPath: path),
            let accepted = try? JSONDecoder().decode(DeviceProfile.self, from: bytes), accepted == current
        else { return current }
        return nil
    }

    /// Remembers the profile the registry accepted (at enrollment, or a check-in that carried it).
    func accepted(_ profile: DeviceProfile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try DurableWrite.write([UInt8](try encoder.encode(profile)), to: path)
    }
}
