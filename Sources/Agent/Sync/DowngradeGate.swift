import FleetCore

/// A device never moves to a lower version unless a trusted publisher signed exactly that step, so a
/// compromised registry cannot push a device back onto a version with a known flaw.
struct DowngradeGate: Sendable {
    let trust: TrustedPublishers

    /// Why going from `from` down to `to` is refused, or nil when a trusted publisher signed exactly that rollback.
    func refusal(_ directive: RollbackDirective?, model: String, from: SemanticVersion, to: SemanticVersion) -> String? {
        guard let directive else { return "version \(to) is lower than the active \(from); a downgrade needs a signed rollback" }
        guard directive.model == model, directive.fromVersion == from, directive.toVersion == to else {
            return "the rollback directive is for \(directive.model) \(directive.fromVersion) -> \(directive.toVersion), not \(model) \(from) -> \(to)"
        }
        do { try trust.verify(directive) } catch { return "rollback directive refused: \(error)" }
        return nil
    }
}
