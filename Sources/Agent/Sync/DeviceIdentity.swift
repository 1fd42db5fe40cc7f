import FleetCore
import FleetHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The device's id and token: enrolled once, kept in the data directory (token file 0600).
public struct DeviceIdentity: Sendable, Equatable {
    public var deviceID: String
    public var token: String

    static func load(from directory: String) -> DeviceIdentity? {
        guard let id = try? String(contentsOfFile: directory + "/device.id", encoding: .utf8),
            let token = try? String(contentsOfFile: directory + "/device.token", encoding: .utf8)
        else { return nil }
        return DeviceIdentity(deviceID: id.trimmingWhitespace, token: token.trimmingWhitespace)
    }

    /// Enrolls with the enrollment token unless the data directory already holds an identity.
    static func enrollIfNeeded(directory: String, registry: String, enrollToken: String?, profile: DeviceProfile, http: HTTPClient) async throws
        -> DeviceIdentity
    {
        if let existing = load(from: directory) { return existing }
        guard let enrollToken, !enrollToken.isEmpty else {
            throw FleetError.untrustedManifest(reason: "this device is not enrolled and no enrollment token was given (--enroll-token)")
        }
        let answer = try await RegistryClient(baseURL: registry, token: enrollToken, http: http, retrying: true).enroll(profile)
        try DurableWrite.write(Array((answer.token + "\n").utf8), to: directory + "/device.token.tmp")
        chmod(directory + "/device.token.tmp", 0o600)
        try DurableWrite.rename(directory + "/device.token.tmp", to: directory + "/device.token", directory: directory)
        try DurableWrite.write(Array((answer.deviceID + "\n").utf8), to: directory + "/device.id")
        return DeviceIdentity(deviceID: answer.deviceID, token: answer.token)
    }

    /// What this machine is, for variant selection on the registry.
    static func profile(labels: [String: String], dataDirectory: String, engineVersion: String, supportedOps: [String]) -> DeviceProfile {
        var name = utsname()
        uname(&name)
        let arch = withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let ram = UInt64(max(0, sysconf(Int32(_SC_PHYS_PAGES)))) * UInt64(max(0, sysconf(Int32(_SC_PAGESIZE))))
        var disk = statvfs()
        statvfs(dataDirectory, &disk)
        return DeviceProfile(
            arch: arch, ramBytes: ram,
            diskBytes: UInt64(disk.f_blocks) * UInt64(disk.f_frsize),
            engineVersion: engineVersion, supportedOps: supportedOps, labels: labels
        )
    }
}
