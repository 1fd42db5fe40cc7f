import FleetCore
import Testing

@testable import Agent

/// An agent goes to a lower version only with a trusted publisher's directive for exactly that step.
@Suite struct DowngradeGateTests {
    let key = PublisherPrivateKey.generate()
    let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
    let v3 = SemanticVersion(major: 3, minor: 0, patch: 0)

    func refusal(_ directive: RollbackDirective?, from: SemanticVersion, to: SemanticVersion, model: String = "digits-mlp") -> String? {
        DowngradeGate(trust: TrustedPublishers([key.publicKey])).refusal(directive, model: model, from: from, to: to)
    }

    @Test func theSignedStepIsAcceptedAndNothingElse() throws {
        let directive = try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: key)
        #expect(refusal(directive, from: v2, to: v1) == nil)
        #expect(refusal(nil, from: v2, to: v1) == "version 1.0.0 is lower than the active 2.0.0; a downgrade needs a signed rollback")
        // Not replayable from another version or for another model.
        #expect(refusal(directive, from: v3, to: v1) == "the rollback directive is for digits-mlp 2.0.0 -> 1.0.0, not digits-mlp 3.0.0 -> 1.0.0")
        #expect(refusal(directive, from: v2, to: v1, model: "other") != nil)
    }

    @Test func anUntrustedOrAlteredDirectiveIsRefused() throws {
        let stranger = try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: .generate())
        #expect(refusal(stranger, from: v2, to: v1)?.hasPrefix("rollback directive refused: untrusted manifest: rollback signed by ed25519:") == true)
        var altered = try RollbackDirective(model: "digits-mlp", from: v3, to: v1, key: key)
        altered.fromVersion = v2
        #expect(refusal(altered, from: v2, to: v1)?.contains("signature does not match the rollback directive") == true)
        #expect(throws: FleetError.self) { try RollbackDirective(model: "digits-mlp", from: v1, to: v2, key: key) }
    }
}
