import FleetCore
import Synchronization

/// Which variant of one version a device receives: among the variants whose requirements its profile
/// meets, `fp32` (the default variant everywhere else too), else the largest (variants trade size for
/// fidelity: fp16 over int8), then by name. A device that meets none receives nothing and is reported
/// with every variant's reasons.
enum VariantChoice {
    enum Outcome {
        case variant(VersionRecord)
        /// One line per variant saying why it does not fit.
        case none(reasons: [String])
    }

    static func pick(_ variants: [VersionRecord], profile: DeviceProfile) -> Outcome {
        let fitting = variants.filter { ($0.requirements?.unmet(by: profile) ?? []).isEmpty }
        let best = fitting.max { a, b in
            (a.variant == "fp32" ? 1 : 0, a.totalSize, b.variant) < (b.variant == "fp32" ? 1 : 0, b.totalSize, a.variant)
        }
        if let best { return .variant(best) }
        return .none(
            reasons: variants.sorted { $0.variant < $1.variant }.map { "\($0.variant): \(($0.requirements?.unmet(by: profile) ?? []).joined(separator: "; "))" }
        )
    }

    /// The parts of a profile variant choice depends on, as a cache-key part. Profiles are set at
    /// enrollment and never change, so it is computed once per device.
    final class ProfileKeys: Sendable {
        private let keys = Mutex<[String: String]>([:])

        func key(for device: DeviceRecord) -> String {
            if let known = keys.withLock({ $0[device.id] }) { return known }
            let profile = device.profile
            let ops = Digest.of(Array(profile.supportedOps.sorted().joined(separator: ",").utf8)).hex.prefix(16)
            let key = "\(profile.arch)|\(profile.ramBytes)|\(profile.engineVersion)|\(ops)"
            keys.withLock { $0[device.id] = key }
            return key
        }
    }
}
