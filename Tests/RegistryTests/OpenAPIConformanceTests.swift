import FleetCore
import FleetHTTP
import Foundation
import Registry
import TestSupport
import Testing

/// Real answers of a real registry, held to `docs/openapi.yaml`: a publisher pushes two versions, an
/// operator assigns and rolls out, a device enrolls, checks in and reports, tokens and trust documents
/// come and go, and the errors on the way are provoked on purpose. Every answer's status must be
/// documented for its operation and its body must match that status's schema (`ConformanceCheck`).
@Suite struct OpenAPIConformanceTests {
    let model = "/v1/models/digits-mlp"

    @Test func everyAnswerOfARealisticSessionMatchesTheDocument() async throws {
        let registry = try await RegistryHarness.start()
        let check = try ConformanceCheck(registry)
        let admin = registry.adminToken
        let publisher = TestPublisher()

        try await publishAndRead(check, publisher: publisher)
        let device = try await enrollAndCheckIn(check)
        try await rollOutAndBack(check, publisher: publisher, device: device)
        try await tokensAndTrust(check, publisher: publisher, device: device)
        try await operatorQueries(check, device: device)
        try await removals(check, device: device)
        try await check.send("POST", "/v1/tokens", token: admin, body: Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 1))  // 413
        try await rateLimited(check)

        #expect(check.violations.isEmpty, "\(check.violations.joined(separator: "\n"))")
        #expect(check.operationsWithoutSuccess.isEmpty, "never answered 2xx: \(check.operationsWithoutSuccess)")
        #expect(check.exercised.count > 70, "only \(check.exercised.count) operation and status pairs exercised")
    }

    /// Chunks, commits and the read side of models: 200, 201, 206, 304, 400, 404, 409 (missing chunks, taken
    /// version), 416, 422 (digest mismatch, bad signature).
    func publishAndRead(_ check: ConformanceCheck, publisher: TestPublisher) async throws {
        let admin = check.registry.adminToken
        try await check.send("GET", "/healthz", token: nil)
        try await check.send("GET", "/metrics", token: admin)
        try await check.send("POST", "/v1/publishers", token: admin, json: PublisherRegistration(publicKeyPEM: publisher.key.publicKey.pem))
        try await check.send("POST", "/v1/publishers", token: admin, json: PublisherRegistration(publicKeyPEM: "not a key"))
        try await check.send("GET", "/v1/publishers", token: admin)
        for major in [1, 2] {
            let manifest = try publisher.manifest(model: "digits-mlp", version: "\(major).0.0", file: TestPublisher.corpus("models/digits-mlp/v\(major).onnx"))
            let chunks = manifest.files.flatMap(\.chunks)
            let query = MissingChunksRequest(digests: chunks.map(\.digest))
            let missing = try JSONDecoder().decode(MissingChunksResponse.self, from: Data(try await check.send("POST", "/v1/chunks/missing", token: admin, json: query).body))
            let manifestBytes = try ManifestCoding.encode(manifest)
            if major == 1 { try await check.send("POST", "\(model)/versions", token: admin, body: manifestBytes) }  // 409 missing_chunks
            for digest in missing.missing {
                guard let chunk = chunks.first(where: { $0.digest == digest }), let bytes = publisher.stored[digest] else { continue }
                try await check.send("PUT", "/v1/chunks/\(digest)", token: admin, headers: Self.chunkHeaders(chunk), body: bytes)
            }
            try await check.send("POST", "/v1/chunks/missing", token: admin, json: query)
            try await check.send("POST", "\(model)/versions", token: admin, body: manifestBytes)
        }
        try await check.send("POST", "\(model)/versions", token: admin, body: try ManifestCoding.encode(try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))))  // 409
        let stranger = TestPublisher()
        try await check.send("POST", "\(model)/versions", token: admin, body: try ManifestCoding.encode(try stranger.manifest(model: "digits-mlp", version: "3.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))))  // 422
        try await check.send("POST", "\(model)/versions", token: admin, body: Array("{}".utf8))  // 400

        let chunk = try #require(publisher.stored.first)
        let path = "/v1/chunks/\(chunk.key)"
        let wrong = Digest.of([1, 2, 3])
        try await check.send("PUT", "/v1/chunks/\(wrong)", token: admin, headers: [("ModelFleet-Codec", "identity"), ("ModelFleet-Length", "3")], body: [9, 9, 9])  // 422
        try await check.send("PUT", path, token: admin, body: chunk.value)  // 400: no codec headers
        try await check.send("GET", path, token: admin)
        try await check.send("GET", path, token: admin, headers: [("Range", "bytes=0-9")])
        try await check.send("GET", path, token: admin, headers: [("If-None-Match", "\"\(chunk.key)\"")])
        try await check.send("GET", path, token: admin, headers: [("Range", "bytes=99999999-")])  // 416
        try await check.send("HEAD", path, token: admin)
        try await check.send("GET", "/v1/chunks/\(wrong)", token: admin)  // 404
        try await check.send("GET", "/v1/chunks/sha256:nothex", token: admin)  // 400
        try await check.send("GET", "/v1/models", token: admin)
        try await check.send("GET", "\(model)/versions", token: admin)
        try await check.send("GET", "/v1/models/no-such-model/versions", token: admin)  // 404
        try await check.send("GET", "\(model)/versions/1.0.0", token: admin)
        try await check.send("GET", "\(model)/versions/9.0.0", token: admin)  // 404
        try await check.send("GET", "\(model)/versions/not-semver", token: admin)  // 400
    }

    /// Assignment, enrollment, check-ins with reports, events: returns the device's id and token.
    func enrollAndCheckIn(_ check: ConformanceCheck) async throws -> (id: String, token: String) {
        let registry = check.registry
        try await check.send("PUT", "/v1/assignments", token: registry.adminToken, json: AssignmentRequest(model: "digits-mlp", selector: "type=camera", version: try SemanticVersion(parsing: "1.0.0")))
        try await check.send("PUT", "/v1/assignments", token: registry.adminToken, json: AssignmentRequest(model: "digits-mlp", selector: "type"))  // 400
        try await check.send("GET", "/v1/assignments", token: registry.adminToken)
        let profile = DeviceProfile(arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 34, engineVersion: "0.1.0", supportedOps: ["Gemm", "Relu"], labels: ["type": "camera", "site": "eu"])
        try await check.send("POST", "/v1/devices/enroll", token: registry.adminToken, json: profile)  // 403
        let enrolled = try JSONDecoder().decode(EnrollmentResponse.self, from: Data(try await check.send("POST", "/v1/devices/enroll", token: registry.enrollToken, json: profile).body))
        let device = (id: enrolled.deviceID, token: enrolled.token)
        let checkin = "/v1/devices/\(device.id)/checkin"
        try await check.send("POST", checkin, token: device.token, json: CheckinRequest(installed: [], state: "idle"))
        let v1 = try SemanticVersion(parsing: "1.0.0")
        let report = CheckinRequest(
            installed: [InstalledModel(model: "digits-mlp", version: v1, variant: "fp32")], state: "idle",
            stats: [InferenceStats(model: "digits-mlp", version: v1, count: 100, errors: 1, latencyP50Milliseconds: 0.4, latencyP95Milliseconds: 1.5)],
            installs: [InstallReport(model: "digits-mlp", version: v1, result: .ok, selfTest: .passed)])
        try await check.send("POST", checkin, token: device.token, json: report)
        try await check.send("POST", checkin, token: device.token, body: Array("{\"state\":1}".utf8))  // 400
        try await check.send("POST", "/v1/devices/someone-else/checkin", token: device.token, json: report)  // 403
        let events = EventBatch(events: [DeviceEvent(kind: "install", model: "digits-mlp", version: v1, result: "ok", message: "installed", at: .now())])
        try await check.send("POST", "/v1/devices/\(device.id)/events", token: device.token, json: events)
        try await check.send("GET", "/v1/devices/\(device.id)/events", token: registry.adminToken)
        try await check.send("GET", "/v1/trust", token: device.token)
        return device
    }

    /// A rollout of 2.0.0 over the pinned 1.0.0: created, refused twice, paused, resumed, rolled back with a signed directive.
    func rollOutAndBack(_ check: ConformanceCheck, publisher: TestPublisher, device: (id: String, token: String)) async throws {
        let admin = check.registry.adminToken
        let (v1, v2) = (try SemanticVersion(parsing: "1.0.0"), try SemanticVersion(parsing: "2.0.0"))
        let request = RolloutRequest(model: "digits-mlp", version: v2, selector: "type=camera", stages: [50, 100], soakSeconds: 3600, gates: RolloutGates(maxP95Regression: 0.2), previousVersion: v1)
        let created = try JSONDecoder().decode(RolloutStatus.self, from: Data(try await check.send("POST", "/v1/rollouts", token: admin, json: request).body))
        let id = created.rollout.id
        try await check.send("POST", "/v1/rollouts", token: admin, json: request)  // 409
        var unknown = request
        unknown.version = try SemanticVersion(parsing: "7.0.0")
        try await check.send("POST", "/v1/rollouts", token: admin, json: unknown)  // 404
        try await check.send("GET", "/v1/rollouts", token: admin)
        try await check.send("GET", "/v1/rollouts/\(id)", token: admin)
        try await check.send("GET", "/v1/rollouts/ro-000000000000", token: admin)  // 404
        try await check.send("POST", "/v1/devices/\(device.id)/checkin", token: device.token, json: CheckinRequest(installed: [], state: "idle"))
        try await check.send("POST", "/v1/rollouts/\(id)/pause", token: admin)
        try await check.send("POST", "/v1/rollouts/\(id)/pause", token: admin)  // 409
        try await check.send("POST", "/v1/rollouts/\(id)/resume", token: admin)
        try await check.send("POST", "/v1/rollouts/\(id)/rollback", token: admin, json: RollbackRequest(directive: nil))  // 400
        let wrongModel = try RollbackDirective(model: "other", from: v2, to: v1, key: publisher.key)
        try await check.send("POST", "/v1/rollouts/\(id)/rollback", token: admin, json: RollbackRequest(directive: wrongModel))  // 422
        let directive = try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: publisher.key)
        try await check.send("POST", "/v1/rollouts/\(id)/rollback", token: admin, json: RollbackRequest(directive: directive))
        try await check.send("POST", "/v1/devices/\(device.id)/checkin", token: device.token, json: CheckinRequest(installed: [], state: "idle"))
        try await check.send("POST", "/v1/rollouts/\(id)/abort", token: admin)  // 409: rolled back already
        let again = try JSONDecoder().decode(RolloutStatus.self, from: Data(try await check.send("POST", "/v1/rollouts", token: admin, json: request).body))
        try await check.send("POST", "/v1/rollouts/\(again.rollout.id)/abort", token: admin)
    }

    /// Tokens made, listed, revoked and refused; a trust document set and then refused; publishers then closed.
    func tokensAndTrust(_ check: ConformanceCheck, publisher: TestPublisher, device: (id: String, token: String)) async throws {
        let admin = check.registry.adminToken
        let created = try JSONDecoder().decode(
            CreatedToken.self, from: Data(try await check.send("POST", "/v1/tokens", token: admin, json: TokenRequest(scopes: [.read], label: "reader", expiresInSeconds: 3600)).body))
        try await check.send("POST", "/v1/tokens", token: admin, json: TokenRequest(scopes: [], label: "factory", kind: .enrollment))
        try await check.send("POST", "/v1/tokens", token: admin, json: TokenRequest(scopes: [], label: "no scopes"))  // 400
        try await check.send("GET", "/v1/tokens", token: admin)
        try await check.send("GET", "/v1/devices", token: created.token)  // 403: read only
        try await check.send("GET", "/v1/models", token: created.token)
        try await check.send("DELETE", "/v1/tokens/\(try #require(created.id))", token: admin)
        try await check.send("DELETE", "/v1/tokens/\(try #require(created.id))", token: admin)  // 404: already revoked
        try await check.send("DELETE", "/v1/tokens/nonsense", token: admin)  // 400
        let ownID = TokenID.of(hash: BearerToken.hash(admin))
        try await check.send("DELETE", "/v1/tokens/\(ownID)", token: admin)  // 409: the last admin token
        try await check.send("GET", "/v1/models", token: created.token)  // 401 token_revoked
        try await check.send("GET", "/v1/models", token: nil)  // 401

        let root = PublisherPrivateKey.generate()
        let now = Timestamp.now()
        func document(_ version: Int) throws -> [UInt8] {
            try TrustDocumentCoding.encode(
                TrustDocument(
                    version: version, issuedAt: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 60),
                    expires: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 86_400), publishers: [publisher.key.publicKey], signedBy: root))
        }
        try await check.send("PUT", "/v1/trust", token: admin, body: try document(1))
        try await check.send("PUT", "/v1/trust", token: admin, body: try document(1))  // not newer
        try await check.send("PUT", "/v1/trust", token: admin, body: Array("{\"type\":\"modelfleet-trust\"}".utf8))  // 400
        try await check.send("GET", "/v1/trust", token: admin)
        try await check.send("GET", "/v1/trust?after=x", token: admin)  // 400
        try await check.send("GET", "/v1/trust", token: device.token)
        try await check.send("POST", "/v1/devices/\(device.id)/checkin", token: device.token, json: CheckinRequest(installed: [], state: "idle"))
        try await check.send("POST", "/v1/publishers", token: admin, json: PublisherRegistration(publicKeyPEM: publisher.key.publicKey.pem))  // 409
    }

    func operatorQueries(_ check: ConformanceCheck, device: (id: String, token: String)) async throws {
        let admin = check.registry.adminToken
        try await check.send("GET", "/v1/devices", token: admin)
        try await check.send("GET", "/v1/devices?select=type%3Dcamera&state=ok", token: admin)
        try await check.send("GET", "/v1/devices?state=asleep", token: admin)  // 400
        try await check.send("GET", "/v1/devices/\(device.id)", token: admin)
        try await check.send("GET", "/v1/devices/no-such-device", token: admin)  // 404
        try await check.send("PUT", "/v1/devices/\(device.id)/labels", token: admin, json: DeviceLabels(labels: ["type": "camera", "site": "us"]))
        try await check.send("PUT", "/v1/devices/\(device.id)/labels", token: admin, json: DeviceLabels(labels: ["a,b": "c"]))  // 400
        try await check.send("PUT", "/v1/devices/no-such-device/labels", token: admin, json: DeviceLabels(labels: [:]))  // 404
        try await check.send("GET", "/v1/fleet/status", token: admin)
        try await check.send("GET", "/v1/audit", token: admin)
        try await check.send("GET", "/v1/audit?since=\(Timestamp.now())", token: admin)
        try await check.send("GET", "/v1/audit?since=yesterday", token: admin)  // 400
        try await check.send("POST", "/v1/gc", token: admin, json: GarbageCollectionRequest(dryRun: true, graceSeconds: 0, keepVersions: 1))
        try await check.send("POST", "/v1/gc", token: admin, json: GarbageCollectionRequest(dryRun: false, graceSeconds: -1))  // 400
    }

    /// Versions and models removed (refused while needed), a device decommissioned and then refused.
    func removals(_ check: ConformanceCheck, device: (id: String, token: String)) async throws {
        let admin = check.registry.adminToken
        try await check.send("DELETE", "\(model)/versions/1.0.0", token: admin)  // 409: the assignment pins it
        try await check.send("DELETE", "\(model)/versions/2.0.0", token: admin)
        try await check.send("DELETE", "\(model)/versions/2.0.0", token: admin)  // 404
        try await check.send("DELETE", "\(model)?force=maybe", token: admin)  // 400
        try await check.send("DELETE", "/v1/models/no-such-model", token: admin)  // 404
        try await check.send("DELETE", "\(model)", token: admin)  // 409
        try await check.send("DELETE", "\(model)?force=true", token: admin)
        try await check.send("DELETE", "/v1/devices/\(device.id)", token: admin)
        try await check.send("DELETE", "/v1/devices/\(device.id)", token: admin)  // 404
        try await check.send("POST", "/v1/devices/\(device.id)/checkin", token: device.token, json: CheckinRequest(installed: [], state: "idle"))  // 403
    }

    /// Unknown tokens until the registry holds this address back: 401s, then a 429 with Retry-After.
    func rateLimited(_ check: ConformanceCheck) async throws {
        for _ in 0..<100 {
            let response = try await check.send("GET", "/v1/fleet/status", token: "mfa_guess")
            if response.status == 429 {
                #expect(response[header: "Retry-After"] != nil)
                return
            }
        }
        Issue.record("no 429 after 100 failed authentications")
    }

    static func chunkHeaders(_ chunk: Manifest.Chunk) -> [(name: String, value: String)] {
        [("ModelFleet-Codec", chunk.codec.description), ("ModelFleet-Length", String(chunk.length))]
    }
}
