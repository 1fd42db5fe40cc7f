extension Manifest {
    /// What a device must have to run a variant. Every field is optional; an absent field asks nothing.
    public struct Requirements: Codable, Equatable, Sendable {
        public var minRAMBytes: UInt64?
        /// Accepted CPU architectures (`uname -m` names: `x86_64`, `aarch64`, …).
        public var architectures: [String]?
        /// The lowest engine version that runs it.
        public var minEngineVersion: SemanticVersion?
        /// ONNX operator types the engine must support, as `domain:Op` (`ai.onnx:QLinearConv`) or, for the default
        /// domain, just `Op`.
        public var requiredOps: [String]?

        public init(minRAMBytes: UInt64? = nil, architectures: [String]? = nil, minEngineVersion: SemanticVersion? = nil, requiredOps: [String]? = nil) {
            self.minRAMBytes = minRAMBytes
            self.architectures = architectures
            self.minEngineVersion = minEngineVersion
            self.requiredOps = requiredOps
        }

        /// Why `profile` cannot run the variant; empty when it can.
        public func unmet(by profile: DeviceProfile) -> [String] {
            var reasons: [String] = []
            if let minRAMBytes, profile.ramBytes < minRAMBytes {
                reasons.append("needs \(minRAMBytes >> 20) MiB of RAM, the device has \(profile.ramBytes >> 20) MiB")
            }
            if let architectures, !architectures.contains(profile.arch) {
                reasons.append("runs on \(architectures.joined(separator: ", ")), not \(profile.arch)")
            }
            if let minEngineVersion {
                if let engine = try? SemanticVersion(parsing: profile.engineVersion) {
                    if engine < minEngineVersion { reasons.append("needs engine \(minEngineVersion) or later, the device has \(engine)") }
                } else {
                    reasons.append("needs engine \(minEngineVersion) or later; the device reports '\(profile.engineVersion)'")
                }
            }
            if let requiredOps {
                // Agents report `domain:Op`; a requirement may name an ai.onnx operator without its domain.
                let supported = Set(profile.supportedOps)
                let missing = requiredOps.filter { !supported.contains($0) && !($0.contains(":") ? false : supported.contains("ai.onnx:" + $0)) }
                if !missing.isEmpty { reasons.append("the engine lacks \(missing.joined(separator: ", "))") }
            }
            return reasons
        }
    }
}
