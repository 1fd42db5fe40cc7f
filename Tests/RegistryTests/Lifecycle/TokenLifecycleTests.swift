import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@Suite struct TokenLifecycleTests {
    @Test func listedTokensShowNoSecretAndARevokedOneIsRefusedAtOnce() async throws {
        let registry = try await RegistryHarness.start()
        let created = try await registry.admin.createToken(TokenRequest(scopes: [.read], label: "dashboard")).value
        let reader = registry.client(token: created.token)
        #expect(try await registry.raw("GET", "/v1/models", token: created.token).status == 200)

        let listing = try await registry.admin.tokens()
        let listed = try #require(listing.value.tokens.first { $0.id == created.id })
        #expect(listed.kind == .admin && listed.scopes == [.read] && listed.label == "dashboard" && listed.revokedAt == nil)
        // Its use is recorded (to the second), and the enrollment token, never used, has none.
        #expect(try #require(listed.lastUsedAt) >= listed.createdAt)
        #expect(listing.value.tokens.first { $0.label == "enroll.token" }?.lastUsedAt == nil)
        #expect(Set(listing.value.tokens.map(\.label)).isSuperset(of: ["admin.token", "enroll.token", "dashboard"]))
        let json = String(decoding: listing.json, as: UTF8.self)
        for secret in [created.token, registry.adminToken, registry.enrollToken] {
            #expect(!json.contains(secret))
            #expect(!json.contains(BearerTokenHash.of(secret)), "the full hash must not be listed either")
        }

        try await registry.admin.revokeToken(id: try #require(created.id))
        let refused = try await registry.raw("GET", "/v1/models", token: created.token)
        #expect(refused.status == 401)
        let failure = RegistryClient.failure(refused)
        #expect(failure.code == "token_revoked")
        #expect(failure.message.contains("\(created.id ?? "") was revoked"))
        await #expect(throws: RegistryClient.Failure.self) { try await reader.models() }
        // Revoking it again is a 404 naming it; the audit log has both changes.
        let again = try await registry.raw("DELETE", "/v1/tokens/\(created.id ?? "")", token: registry.adminToken)
        #expect(again.status == 404)
        let actions = try await registry.admin.audit().value.entries.map { "\($0.action) \($0.subject)" }
        #expect(actions.contains("token.create dashboard"))
        #expect(actions.contains("token.revoke \(created.id ?? "")"))
    }

    @Test func anExpiredTokenIsRefusedSayingSo() async throws {
        let registry = try await RegistryHarness.start()
        // One that has not expired yet works (an hour leaves room for a loaded machine); one a second long soon does not.
        let later = try await registry.admin.createToken(TokenRequest(scopes: [.read], label: "ci-long", expiresInSeconds: 3600)).value
        #expect(try await registry.raw("GET", "/v1/models", token: later.token).status == 200)
        let created = try await registry.admin.createToken(TokenRequest(scopes: [.read], label: "ci", expiresInSeconds: 1)).value
        let expiresAt = try #require(created.expiresAt)
        while Timestamp.now() < expiresAt { try await Task.sleep(for: .milliseconds(100)) }
        let refused = try await registry.raw("GET", "/v1/models", token: created.token)
        #expect(refused.status == 401)
        #expect(RegistryClient.failure(refused).code == "token_expired")
        #expect(RegistryClient.failure(refused).message.contains("expired at \(expiresAt)"))
        let listed = try await registry.admin.tokens().value.tokens.first { $0.id == created.id }
        #expect(listed?.state(at: .now()) == "expired")
    }

    /// The first-start enrollment token can be rotated: a new one enrolls, the revoked one no longer does.
    @Test func theFirstStartEnrollmentTokenIsRotatable() async throws {
        let registry = try await RegistryHarness.start()
        let profile = DeviceProfile(arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 33, engineVersion: "0.0.0")
        let fresh = try await registry.admin.createToken(TokenRequest(scopes: [], label: "enroll 2026-12", kind: .enrollment)).value
        #expect(fresh.token.hasPrefix("mfe_"))
        let first = try #require(try await registry.admin.tokens().value.tokens.first { $0.kind == .enrollment && $0.label == "enroll.token" })
        try await registry.admin.revokeToken(id: first.id)

        let old = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: try JSONEncoder().encode(profile).map { $0 })
        #expect(old.status == 401)
        #expect(RegistryClient.failure(old).code == "token_revoked")
        let enrolled = try await registry.client(token: fresh.token).enroll(profile)
        #expect(enrolled.token.hasPrefix("mfd_"))
    }

    @Test func refusesTokensThatCouldNotWorkOrWouldLockEveryoneOut() async throws {
        let registry = try await RegistryHarness.start()
        let cases: [(String, Int, String)] = [
            (#"{"scopes":[],"label":"x"}"#, 400, "an admin token needs at least one scope"),
            (#"{"scopes":["read"],"label":"x","kind":"enrollment"}"#, 400, "an enrollment token takes no scopes"),
            (#"{"scopes":[],"label":"x","kind":"device"}"#, 400, "device tokens are made by enrollment only"),
            (#"{"scopes":["read"],"label":"x","expiresInSeconds":0}"#, 400, "expiresInSeconds must be between 1 and")
        ]
        for (body, status, message) in cases {
            let answer = try await registry.raw("POST", "/v1/tokens", token: registry.adminToken, body: Array(body.utf8))
            #expect(answer.status == status, "\(body)")
            #expect(RegistryClient.failure(answer).message.contains(message), "\(body): \(answer.text)")
        }
        // The first-start admin token is the only admin-scope one: revoking it would leave nobody able to make tokens.
        let admin = try #require(try await registry.admin.tokens().value.tokens.first { $0.label == "admin.token" })
        let locked = try await registry.raw("DELETE", "/v1/tokens/\(admin.id)", token: registry.adminToken)
        #expect(locked.status == 409)
        #expect(RegistryClient.failure(locked).message.contains("last working admin-scope token"))
        // With a second admin token it can go, and the new one keeps working.
        let second = try await registry.admin.createToken(TokenRequest(scopes: [.admin], label: "ops")).value
        try await registry.admin.revokeToken(id: admin.id)
        #expect(try await registry.raw("GET", "/v1/tokens", token: registry.adminToken).status == 401)
        #expect(try await registry.raw("GET", "/v1/tokens", token: second.token).status == 200)
        let malformed = try await registry.raw("DELETE", "/v1/tokens/not-an-id", token: second.token)
        #expect(malformed.status == 400)
    }
}

/// The SHA-256 the registry stores of a token (tests check it is never shown).
enum BearerTokenHash {
    static func of(_ token: String) -> String { Digest.of(Array(token.utf8)).hex }
}
