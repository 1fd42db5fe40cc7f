import FleetCore
import FleetHTTP

/// The manifest the registry points at, accepted only if a trusted publisher signed it, it is the one
/// the check-in named, and it does not move the device to a lower version (see `DowngradeGate`).
/// Runs before anything is downloaded, so a refused manifest costs one small request.
struct ManifestGate: Sendable {
    let trust: TrustedPublishers

    func fetch(_ desired: DesiredModel, from registry: RegistryClient, current: Installer.Active?) async -> Result<VerifiedManifest, SyncRejection> {
        switch await Result.catching({ try await registry.send("GET", desired.manifestPath).body }) {
        case .success(let bytes): return check(bytes, desired: desired, current: current)
        case .failure(let error): return .failure(SyncRejection(description: "cannot fetch the manifest: \(error)"))
        }
    }

    func check(_ bytes: [UInt8], desired: DesiredModel, current: Installer.Active?) -> Result<VerifiedManifest, SyncRejection> {
        let verified: VerifiedManifest
        do { verified = try trust.verify(bytes) } catch { return .failure(SyncRejection(description: "\(error)")) }
        let manifest = verified.manifest
        guard verified.digest == desired.manifestDigest, manifest.model == desired.model, manifest.version == desired.version else {
            return .failure(
                SyncRejection(
                    description:
                        "the registry served \(manifest.model) \(manifest.version) (\(verified.digest)), not the \(desired.model) \(desired.version) (\(desired.manifestDigest)) it asked for"
                ))
        }
        if let current, manifest.version < current.manifest.version,
            let refusal = DowngradeGate(trust: trust).refusal(desired.rollback, model: manifest.model, from: current.manifest.version, to: manifest.version)
        {
            return .failure(SyncRejection(description: refusal))
        }
        return .success(verified)
    }
}

/// Why a manifest was refused before anything was downloaded.
struct SyncRejection: Error, CustomStringConvertible, Sendable {
    var description: String
}
