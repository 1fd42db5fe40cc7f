import FleetCore
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Real answers of real registries over loopback HTTP, held to `docs/openapi.yaml` (`ConformanceCheck`):
/// every answer's status must be documented for its operation and its body must match that status's schema;
/// every request must get the status it was written to provoke; and every (operation, status) pair the
/// document lists must have been seen, but for the few `exempt` names with the reason.
@Suite struct OpenAPIConformanceTests {
    /// Documented pairs no request here can provoke, and where they are tested instead.
    static let exempt: [String: String] = [
        "PUT /v1/chunks/{digest} 507": "needs a full filesystem: DiskFullTests fills a tmpfs",
        "POST /v1/models/{name}/versions 507": "needs a full filesystem: DiskFullTests fills a tmpfs",
        "POST /v1/devices/{id}/checkin 404": "a working device token whose device record is gone: decommissioning refuses the token first (403)",
        "POST /v1/devices/{id}/events 404": "a working device token whose device record is gone: decommissioning refuses the token first (403)",
        "PUT /v1/trust 409": "two uploads of one version racing past the chain check (the loser's insert finds it taken); one at a time, not newer is 422"
    ]

    @Test func everyDocumentedAnswerOfARealRegistryMatchesItsSchema() async throws {
        let check = ConformanceCheck(document: try OpenAPIDocument.load())
        let fixtures = try ConformanceFixtures.make()
        // Lenient on failed authentications (the sweep sends ~45 requests without a token) and small bodies,
        // so a 413 costs 2 MiB rather than 32.
        let registry = try await RegistryHarness.start {
            $0.limits.authFailuresPerMinute = 100_000
            $0.limits.maxManifestBytes = 1 << 20
        }
        let session = ConformanceSession(registry, check: check)
        try await session.run(try Self.session(fixtures, document: check.document))

        // A second registry that holds an address back after one failed authentication: 429 everywhere.
        let strict = try await RegistryHarness.start {
            $0.limits.authFailuresPerMinute = 1
            $0.limits.enrollmentsPerMinute = 1
        }
        let held = ConformanceSession(strict, check: check)
        try await held.run(Self.rateLimited(document: check.document))

        #expect(check.violations.isEmpty, "\(check.violations.joined(separator: "\n"))")
        #expect(session.surprises.isEmpty, "\(session.surprises.joined(separator: "\n"))")
        #expect(held.surprises.isEmpty, "\(held.surprises.joined(separator: "\n"))")
        let unexercised = check.unexercised(exempt: Self.exempt)
        #expect(unexercised.isEmpty, "never seen: \(unexercised.joined(separator: "\n"))")
    }

    /// The script, in order: later steps use what earlier ones created (and removed).
    static func session(_ fixtures: ConformanceFixtures, document: OpenAPIDocument) throws -> [ConformanceStep] {
        let parts: [[ConformanceStep]] = [
            ConformanceScript.publishing(fixtures), ConformanceScript.reading(fixtures), ConformanceScript.damage(fixtures),
            try ConformanceScript.devices(), try ConformanceScript.rollouts(fixtures), ConformanceScript.tokens(),
            // Before the trust document: from then on POST /v1/publishers is 409 before it reads a body.
            ConformanceSweeps.tooLarge(document), ConformanceScript.trust(fixtures), ConformanceScript.operatorQueries(),
            ConformanceSweeps.withoutToken(document), ConformanceSweeps.withEnrollmentToken(document),
            ConformanceSweeps.badPathParameter(document),
            // Last: the device is decommissioned and the model removed.
            ConformanceScript.removals()
        ]
        return parts.flatMap { $0 }
    }

    /// One failed authentication, then every operation but the token-free ones: each held back with 429.
    static func rateLimited(document: OpenAPIDocument) -> [ConformanceStep] {
        [
            ConformanceStep("POST", "/v1/devices/enroll", as: .enrollment, body: ConformanceScript.profile, expect: 201),
            ConformanceStep("POST", "/v1/devices/enroll", as: .enrollment, body: ConformanceScript.profile, expect: 429),
            ConformanceStep("GET", "/v1/models", as: .guesser, expect: 401)
        ] + ConformanceSweeps.held(document)
    }
}
