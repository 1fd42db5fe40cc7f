import FleetCore
import Foundation
import TestSupport
import Testing

@testable import Registry

/// The scripted part of the conformance test: a publisher pushes two versions, an operator assigns and
/// rolls out, a device enrolls, checks in and reports, tokens and trust documents come and go, things are
/// removed, and the errors on the way are provoked on purpose. Each step names the status it provokes.
enum ConformanceScript {
    typealias Step = ConformanceStep
    static let model = "/v1/models/digits-mlp"
    static func json(_ value: some Encodable) -> [UInt8] { ConformanceStep.json(value) }
    static func text(_ text: String) -> [UInt8] { ConformanceStep.text(text) }
    static let profile = json(
        DeviceProfile(
            arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 34, engineVersion: "0.1.0", supportedOps: ["Gemm", "Relu"],
            labels: ["type": "camera", "site": "eu"]))
    static let idle = json(CheckinRequest(installed: [], state: "idle"))

    /// Publishers, chunk uploads and commits: 200, 201, 400, 409 (missing chunks, taken version), 422.
    static func publishing(_ fixtures: ConformanceFixtures) -> [Step] {
        let publisher = fixtures.publisher
        let query = json(MissingChunksRequest(digests: fixtures.chunks.map(\.digest)))
        var steps = [
            Step("GET", "/healthz", as: .nobody, expect: 200),
            Step("GET", "/metrics", expect: 200),
            Step("POST", "/v1/publishers", body: json(PublisherRegistration(publicKeyPEM: publisher.key.publicKey.pem)), expect: 201),
            Step("POST", "/v1/publishers", body: json(PublisherRegistration(publicKeyPEM: "not a key")), expect: 400),
            Step("GET", "/v1/publishers", expect: 200),
            Step("POST", "/v1/chunks/missing", body: query, expect: 200),
            Step("POST", "/v1/chunks/missing", body: text(#"{"digests": ["sha256:nothex"]}"#), expect: 400),
            Step("POST", "\(model)/versions", body: fixtures.manifests[0], expect: 409)  // missing_chunks
        ]
        for chunk in fixtures.chunks {
            let headers = ConformanceFixtures.headers(codec: chunk.codec, length: chunk.length)
            steps.append(Step("PUT", "/v1/chunks/\(chunk.digest)", headers: headers, body: publisher.stored[chunk.digest], expect: 201))
        }
        let wrong = Digest.of([1, 2, 3])
        let chunk = fixtures.chunks[0]
        return steps + [
            Step("PUT", "/v1/chunks/\(wrong)", headers: ConformanceFixtures.headers(codec: .identity, length: 3), body: [9, 9, 9], expect: 422),
            Step("PUT", "/v1/chunks/\(chunk.digest)", body: publisher.stored[chunk.digest], expect: 400),  // no codec headers
            Step("POST", "/v1/chunks/missing", body: query, expect: 200),
            Step("POST", "\(model)/versions", body: fixtures.manifests[0], expect: 201),
            Step("POST", "\(model)/versions?hold=true", body: fixtures.manifests[1], expect: 201),
            Step("POST", "\(model)/versions", body: fixtures.manifests[0], expect: 409),  // taken
            Step("POST", "\(model)/versions", body: fixtures.strangersManifest, expect: 422),
            Step("POST", "\(model)/versions", body: text("{}"), expect: 400)
        ]
    }

    /// Chunk downloads (GET and HEAD: 200, 206, 304, 400, 404, 416) and the read side of models.
    static func reading(_ fixtures: ConformanceFixtures) -> [Step] {
        let chunk = fixtures.chunks.first { $0.digest != fixtures.damaged.digest } ?? fixtures.chunks[0]
        let path = "/v1/chunks/\(chunk.digest)"
        let unknown = "/v1/chunks/\(Digest.of([1, 2, 3]))"
        var steps: [Step] = []
        for method in ["GET", "HEAD"] {
            steps += [
                Step(method, path, expect: 200),
                Step(method, path, headers: [("Range", "bytes=0-9")], expect: 206),
                Step(method, path, headers: [("If-None-Match", "\"\(chunk.digest)\"")], expect: 304),
                Step(method, path, headers: [("Range", "bytes=99999999-")], expect: 416),
                Step(method, unknown, expect: 404),
                Step(method, "/v1/chunks/sha256:nothex", expect: 400)
            ]
        }
        return steps + [
            Step("GET", "/v1/models", expect: 200),
            Step("GET", "\(model)/versions", expect: 200),
            Step("GET", "/v1/models/no-such-model/versions", expect: 404),
            Step("GET", "/v1/models/Not%20A%20Name/versions", expect: 400),
            Step("GET", "\(model)/versions/1.0.0", expect: 200),
            Step("GET", "\(model)/versions/9.0.0", expect: 404),
            Step("GET", "\(model)/versions/not-semver", expect: 400)
        ]
    }

    /// A stored chunk damaged on disk: 503 corrupt_chunk, then 409 for the quarantined chunk re-sent in another form.
    static func damage(_ fixtures: ConformanceFixtures) -> [Step] {
        let chunk = fixtures.damaged
        let other = fixtures.damagedOtherForm
        return [
            Step("GET", "/v1/chunks/\(chunk.digest)", expect: 503) { session in
                let store = try #require(session.registry.server.blobs as? FileChunkStore)
                let file = URL(fileURLWithPath: store.path(for: chunk.digest, codec: chunk.codec))
                var bytes = [UInt8](try Data(contentsOf: file))
                bytes[bytes.count / 2] ^= 0xFF
                try Data(bytes).write(to: file)
            },
            Step(
                "PUT", "/v1/chunks/\(chunk.digest)", headers: ConformanceFixtures.headers(codec: other.codec, length: chunk.length), body: other.stored,
                expect: 409)
        ]
    }

    /// Assignment, enrollment, check-ins with reports, events.
    static func devices() throws -> [Step] {
        let v1 = try SemanticVersion(parsing: "1.0.0")
        let report = CheckinRequest(
            installed: [InstalledModel(model: "digits-mlp", version: v1, variant: "fp32")], state: "idle",
            stats: [InferenceStats(model: "digits-mlp", version: v1, count: 100, errors: 1, latencyP50Milliseconds: 0.4, latencyP95Milliseconds: 1.5)],
            installs: [InstallReport(model: "digits-mlp", version: v1, result: .ok, selfTest: .passed)])
        let events = EventBatch(events: [DeviceEvent(kind: "install", model: "digits-mlp", version: v1, result: "ok", message: "installed", at: .now())])
        return [
            Step("PUT", "/v1/assignments", body: json(AssignmentRequest(model: "digits-mlp", selector: "type=camera", version: v1)), expect: 200),
            Step("PUT", "/v1/assignments", body: json(AssignmentRequest(model: "digits-mlp", selector: "type")), expect: 400),
            Step("GET", "/v1/assignments", expect: 200),
            Step("POST", "/v1/devices/enroll", as: .admin, body: profile, expect: 403),
            Step("POST", "/v1/devices/enroll", as: .enrollment, body: text(#"{"arch": 1}"#), expect: 400),
            Step("POST", "/v1/devices/enroll", as: .enrollment, body: profile, expect: 201, keep: ["device": "deviceID", "deviceToken": "token"]),
            Step("POST", "/v1/devices/{device}/checkin", as: .device, body: idle, expect: 200),
            Step("POST", "/v1/devices/{device}/checkin", as: .device, body: json(report), expect: 200),
            Step("POST", "/v1/devices/{device}/checkin", as: .device, body: text(#"{"state": 1}"#), expect: 400),
            Step("POST", "/v1/devices/someone-else/checkin", as: .device, body: json(report), expect: 403),
            Step("POST", "/v1/devices/{device}/events", as: .device, body: json(events), expect: 202),
            Step("POST", "/v1/devices/{device}/events", as: .device, body: text(#"{"events": [{}]}"#), expect: 400),
            Step("GET", "/v1/devices/{device}/events", expect: 200),
            Step("GET", "/v1/trust", as: .device, expect: 200)
        ]
    }

    /// A rollout of 2.0.0 over the pinned 1.0.0: created, refused, paused, resumed, rolled back with a signed
    /// directive; a second one aborted.
    static func rollouts(_ fixtures: ConformanceFixtures) throws -> [Step] {
        let (v1, v2) = (try SemanticVersion(parsing: "1.0.0"), try SemanticVersion(parsing: "2.0.0"))
        let request = RolloutRequest(
            model: "digits-mlp", version: v2, selector: "type=camera", stages: [50, 100], soakSeconds: 3600,
            gates: RolloutGates(maxP95Regression: 0.2), previousVersion: v1)
        var unknown = request
        unknown.version = try SemanticVersion(parsing: "7.0.0")
        var decreasing = request
        decreasing.stages = [100, 50]
        return [
            Step("POST", "/v1/rollouts", body: json(request), expect: 201, keep: ["rollout": "rollout.id"]),
            Step("POST", "/v1/rollouts", body: json(request), expect: 409),
            Step("POST", "/v1/rollouts", body: json(unknown), expect: 404),
            Step("POST", "/v1/rollouts", body: json(decreasing), expect: 400),
            Step("GET", "/v1/rollouts", expect: 200),
            Step("GET", "/v1/rollouts/{rollout}", expect: 200),
            Step("GET", "/v1/rollouts/ro-000000000000", expect: 404),
            Step("POST", "/v1/devices/{device}/checkin", as: .device, body: idle, expect: 200),
            Step("POST", "/v1/rollouts/{rollout}/pause", expect: 200),
            Step("POST", "/v1/rollouts/{rollout}/pause", expect: 409),
            Step("POST", "/v1/rollouts/{rollout}/resume", expect: 200),
            Step("POST", "/v1/rollouts/{rollout}/resume", expect: 409),
            Step("POST", "/v1/rollouts/{rollout}/rollback", body: json(RollbackRequest(directive: nil)), expect: 400),
            Step("POST", "/v1/rollouts/{rollout}/rollback", body: json(RollbackRequest(directive: fixtures.wrongModelDirective)), expect: 422),
            Step("POST", "/v1/rollouts/{rollout}/rollback", body: json(RollbackRequest(directive: fixtures.directive)), expect: 200),
            Step("POST", "/v1/rollouts/{rollout}/rollback", body: json(RollbackRequest(directive: fixtures.directive)), expect: 409),
            Step("POST", "/v1/devices/{device}/checkin", as: .device, body: idle, expect: 200),
            Step("POST", "/v1/rollouts/{rollout}/abort", expect: 409),  // rolled back already
            Step("POST", "/v1/rollouts", body: json(request), expect: 201, keep: ["rollout2": "rollout.id"]),
            Step("POST", "/v1/rollouts/{rollout2}/abort", expect: 200)
        ]
            + ["pause", "resume", "abort", "rollback"].map { action in
                Step("POST", "/v1/rollouts/ro-000000000000/\(action)", body: json(RollbackRequest(directive: fixtures.directive)), expect: 404)
            }
    }

    /// Tokens made, listed, used, revoked and refused.
    static func tokens() -> [Step] {
        [
            Step(
                "POST", "/v1/tokens", body: json(TokenRequest(scopes: [.read], label: "reader", expiresInSeconds: 3600)), expect: 201,
                keep: ["readerToken": "token", "readerID": "id"]),
            Step("POST", "/v1/tokens", body: json(TokenRequest(scopes: [], label: "factory", kind: .enrollment)), expect: 201),
            Step("POST", "/v1/tokens", body: json(TokenRequest(scopes: [], label: "no scopes")), expect: 400),
            Step("GET", "/v1/tokens", expect: 200),
            Step("GET", "/v1/devices", as: .reader, expect: 403),
            Step("GET", "/v1/models", as: .reader, expect: 200),
            Step("DELETE", "/v1/tokens/{readerID}", expect: 200),
            Step("DELETE", "/v1/tokens/{readerID}", expect: 404),  // revoked already
            Step("DELETE", "/v1/tokens/nonsense", expect: 400),
            Step("DELETE", "/v1/tokens/{adminTokenID}", expect: 409),  // the last admin token
            Step("GET", "/v1/models", as: .reader, expect: 401),  // token_revoked
            Step("GET", "/v1/models", as: .nobody, expect: 401)
        ]
    }

    /// Shaped like a trust document, but its root key is no PEM key at all.
    static let unusableRootKey: [String: JSONScalar] = [
        "type": .text("modelfleet-trust"), "version": .number(2), "issuedAt": .text("2026-01-01T00:00:00Z"),
        "expires": .text("2099-01-01T00:00:00Z"), "rootKey": .text("not a key"), "publishers": .texts([]), "revoked": .texts([]),
        "signature": .text(String(repeating: "0", count: 128))
    ]

    /// A trust document set, refused when not newer, incomplete, signed by another root or with an unusable root
    /// key; publishers then closed.
    static func trust(_ fixtures: ConformanceFixtures) -> [Step] {
        [
            Step("PUT", "/v1/trust", body: fixtures.trustDocument, expect: 201),
            Step("PUT", "/v1/trust", body: fixtures.trustDocument, expect: 422),  // not newer
            Step("PUT", "/v1/trust", body: fixtures.trustFromAnotherRoot, expect: 422),
            Step("PUT", "/v1/trust", body: text(#"{"type": "modelfleet-trust"}"#), expect: 422),  // lacks members
            Step("PUT", "/v1/trust", body: json(unusableRootKey), expect: 400),
            Step("GET", "/v1/trust", expect: 200),
            Step("GET", "/v1/trust?after=x", expect: 400),
            Step("GET", "/v1/trust?after=0", as: .device, expect: 200),
            Step("POST", "/v1/devices/{device}/checkin", as: .device, body: idle, expect: 200),
            Step("POST", "/v1/publishers", body: json(PublisherRegistration(publicKeyPEM: fixtures.publisher.key.publicKey.pem)), expect: 409)
        ]
    }

    /// Device and fleet queries, labels, the audit log and garbage collection.
    static func operatorQueries() -> [Step] {
        [
            Step("GET", "/v1/devices", expect: 200),
            Step("GET", "/v1/devices?select=type%3Dcamera&state=ok", expect: 200),
            Step("GET", "/v1/devices?state=asleep", expect: 400),
            Step("GET", "/v1/devices/{device}", expect: 200),
            Step("GET", "/v1/devices/no-such-device", expect: 404),
            Step("PUT", "/v1/devices/{device}/labels", body: json(DeviceLabels(labels: ["type": "camera", "site": "us"])), expect: 200),
            Step("PUT", "/v1/devices/{device}/labels", body: json(DeviceLabels(labels: ["a,b": "c"])), expect: 400),
            Step("PUT", "/v1/devices/no-such-device/labels", body: json(DeviceLabels(labels: [:])), expect: 404),
            Step("GET", "/v1/fleet/status", expect: 200),
            Step("GET", "/v1/audit", expect: 200),
            Step("GET", "/v1/audit?since=2026-01-01T00:00:00Z", expect: 200),
            Step("GET", "/v1/audit?since=yesterday", expect: 400),
            Step("POST", "/v1/gc", body: json(GarbageCollectionRequest(dryRun: true, graceSeconds: 0, keepVersions: 1)), expect: 200),
            Step("POST", "/v1/gc", body: json(GarbageCollectionRequest(dryRun: false, graceSeconds: -1)), expect: 400)
        ]
    }

    /// Versions and models removed (refused while needed), a device decommissioned and then refused.
    static func removals() -> [Step] {
        [
            Step("DELETE", "\(model)/versions/1.0.0", expect: 409),  // the assignment pins it
            Step("DELETE", "\(model)/versions/2.0.0", expect: 200),
            Step("DELETE", "\(model)/versions/2.0.0", expect: 404),
            Step("DELETE", "\(model)/versions/not-semver", expect: 400),
            Step("DELETE", "\(model)?force=maybe", expect: 400),
            Step("DELETE", "/v1/models/no-such-model", expect: 404),
            Step("DELETE", model, expect: 409),
            Step("DELETE", "\(model)?force=true", expect: 200),
            Step("DELETE", "/v1/devices/{device}", expect: 200),
            Step("DELETE", "/v1/devices/{device}", expect: 404),
            Step("POST", "/v1/devices/{device}/checkin", as: .device, body: idle, expect: 403)  // device_decommissioned
        ]
    }
}

/// A JSON member value for hand-made bodies that no wire type can express.
enum JSONScalar: Encodable {
    case text(String)
    case number(Int)
    case texts([String])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .texts(let texts): try container.encode(texts)
        }
    }
}
