import FleetCore
import FleetHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry said this device was decommissioned (403 `device_decommissioned`): an operator removed it
/// from the fleet and revoked its token. Retrying cannot help, so the agent stops checking in, says why,
/// and remembers it in `DATA/decommissioned` so a restart does not ask again; its live models stay on disk
/// (serving them is the operator's call, not the registry's). To rejoin, the device is enrolled again:
/// delete `device.id`, `device.token` and `decommissioned` from the data directory and give an enrollment token.
public struct DeviceDecommissioned: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String

    public var description: String {
        "this device was decommissioned by the registry (\(message)); it no longer checks in. To rejoin the fleet, "
            + "remove device.id, device.token and decommissioned from the data directory and enroll again"
    }

    static let code = "device_decommissioned"
    static func markerPath(_ directory: String) -> String { directory + "/decommissioned" }

    /// The notice saved at an earlier answer, if any.
    static func load(from directory: String) -> DeviceDecommissioned? {
        guard let text = try? String(contentsOfFile: markerPath(directory), encoding: .utf8) else { return nil }
        return DeviceDecommissioned(message: text.trimmingWhitespace)
    }

    /// A registry failure saying the device was decommissioned becomes the notice, saved so later starts
    /// know it; any other error is returned as it is.
    static func classify(_ error: any Error, directory: String) -> any Error {
        guard let failure = error as? RegistryClient.Failure, failure.status == 403, failure.code == code else { return error }
        try? DurableWrite.write(Array((failure.message + "\n").utf8), to: markerPath(directory))
        return DeviceDecommissioned(message: failure.message)
    }
}
