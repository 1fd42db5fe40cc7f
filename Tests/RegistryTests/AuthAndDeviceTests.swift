import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@Suite struct AuthTests {
    @Test func missingOrUnknownTokensAre401() async throws {
        let registry = try await RegistryHarness.start()
        let none = try await registry.raw("GET", "/v1/models", token: nil)
        #expect(none.status == 401)
        #expect(RegistryClient.failure(none).message == "missing bearer token (Authorization: Bearer <token>)")
        let wrong = try await registry.raw("GET", "/v1/models", token: "mfa_" + String(repeating: "0", count: 64))
        #expect(wrong.status == 401)
        #expect(RegistryClient.failure(wrong).message == "unknown token")
        // Every 401 names the scheme to use; a refused token is also told it is invalid (RFC 6750 §3).
        #expect(none[header: "WWW-Authenticate"] == #"Bearer realm="modelfleet""#)
        #expect(wrong[header: "WWW-Authenticate"] == #"Bearer realm="modelfleet", error="invalid_token""#)
        // The scheme is case-insensitive; anything but one bearer token after it is refused.
        #expect(try await registry.raw("GET", "/v1/models", token: nil, headers: [("Authorization", "bearer " + registry.adminToken)]).status == 200)
        for malformed in ["Token " + registry.adminToken, registry.adminToken, "Bearer ", "Bearer " + registry.adminToken + " extra"] {
            let refused = try await registry.raw("GET", "/v1/models", token: nil, headers: [("Authorization", malformed)])
            #expect(refused.status == 401, "\(malformed)")
            #expect(RegistryClient.failure(refused).message == "the Authorization header must be 'Bearer <token>'", "\(malformed)")
        }
        let healthz = try await registry.raw("GET", "/healthz", token: nil)
        #expect(healthz.status == 200)
        #expect(healthz.text == "ok\n")
    }

    @Test func scopesAreEnforcedWith403() async throws {
        let registry = try await RegistryHarness.start()
        struct Created: Decodable { var token: String }
        let made = try await registry.admin.send("POST", "/v1/tokens", body: Array(#"{"scopes":["read"],"label":"dashboard"}"#.utf8), expected: [201])
        let reader = try JSONDecoder().decode(Created.self, from: Data(made.body)).token
        #expect(reader.hasPrefix("mfa_"))
        #expect(try await registry.raw("GET", "/v1/models", token: reader).status == 200)
        let publish = try await registry.raw("POST", "/v1/chunks/missing", token: reader, body: Array(#"{"digests":[]}"#.utf8))
        #expect(publish.status == 403)
        #expect(RegistryClient.failure(publish).message == "this token lacks the 'publish' scope")
        #expect(try await registry.raw("POST", "/v1/tokens", token: reader, body: Array(#"{"scopes":["admin"],"label":"x"}"#.utf8)).status == 403)
        // The enrollment token enrolls and does nothing else.
        #expect(try await registry.raw("GET", "/v1/models", token: registry.enrollToken).status == 403)
    }

    @Test func tokensAreStoredOnlyAsHashesAndTokenFilesAreOwnerOnly() async throws {
        let registry = try await RegistryHarness.start()
        let database = try Data(contentsOf: URL(fileURLWithPath: registry.dataDirectory + "/registry.sqlite"))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: registry.dataDirectory + "/registry.sqlite-wal"))) ?? Data()
        for token in [registry.adminToken, registry.enrollToken] {
            #expect(database.range(of: Data(token.utf8)) == nil && wal.range(of: Data(token.utf8)) == nil)
        }
        for file in ["admin.token", "enroll.token"] {
            let mode = try FileManager.default.attributesOfItem(atPath: registry.dataDirectory + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }
}

@Suite struct DeviceTests {
    static let profile = DeviceProfile(
        arch: "aarch64", ramBytes: 512 << 20, diskBytes: 4 << 30, engineVersion: "0.0.0",
        supportedOps: ["Gemm", "Relu"], labels: ["site": "eu", "type": "camera"])

    @Test func enrollCheckinAndReceiveTheAssignedLatestVersion() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let (v1, _) = try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)

        let enrolled = try await registry.client(token: registry.enrollToken).enroll(Self.profile)
        #expect(enrolled.token.hasPrefix("mfd_"))
        let device = registry.client(token: enrolled.token)
        let report = CheckinRequest(installed: [], state: "idle")
        #expect(try await device.checkin(deviceID: enrolled.deviceID, report).desired.isEmpty)

        _ = try await registry.admin.send("PUT", "/v1/assignments", body: Array(#"{"model":"digits-mlp","selector":"type=camera"}"#.utf8))
        let first = try await device.checkin(deviceID: enrolled.deviceID, report)
        #expect(first.desired.map(\.version) == [v1.version])
        #expect(first.desired.first?.manifestDigest == Digest.of(try ManifestCoding.encode(v1)))

        // The manifest path it is given works with the device's own token.
        let path = try #require(first.desired.first?.manifestPath)
        #expect(try await device.send("GET", path).body == (try ManifestCoding.encode(v1)))

        // A newer version becomes the desired one.
        let (v2, _) = try await publisher.publish(
            model: "digits-mlp", version: "1.1.0", file: TestPublisher.corpus("models/digits-mlp/v3.onnx"), to: registry.admin)
        #expect(try await device.checkin(deviceID: enrolled.deviceID, report).desired.map(\.version) == [v2.version])

        // A selector that does not match gives nothing; a pinned version wins over "latest" when more specific.
        _ = try await registry.admin.send(
            "PUT", "/v1/assignments", body: Array(#"{"model":"digits-mlp","selector":"type=camera,site=eu","version":"1.0.0"}"#.utf8))
        #expect(try await device.checkin(deviceID: enrolled.deviceID, report).desired.map(\.version) == [v1.version])
    }

    @Test func devicesActOnlyAsThemselves() async throws {
        let registry = try await RegistryHarness.start()
        let enroller = registry.client(token: registry.enrollToken)
        let a = try await enroller.enroll(Self.profile)
        let b = try await enroller.enroll(Self.profile)
        #expect(a.deviceID != b.deviceID)
        let asA = registry.client(token: a.token)
        let intrusion = try await registry.raw(
            "POST", "/v1/devices/\(b.deviceID)/checkin", token: a.token,
            body: Array(#"{"installed":[],"state":"idle"}"#.utf8))
        #expect(intrusion.status == 403)
        #expect(RegistryClient.failure(intrusion).message == "only device \(b.deviceID) may act as itself")
        #expect(try await registry.raw("POST", "/v1/chunks/missing", token: a.token, body: Array(#"{"digests":[]}"#.utf8)).status == 403)
        #expect(try await registry.raw("GET", "/v1/devices", token: a.token).status == 403)
        _ = try await asA.checkin(deviceID: a.deviceID, CheckinRequest(installed: [], state: "idle"))
    }

    @Test func eventsAreRecordedAndListed() async throws {
        let registry = try await RegistryHarness.start()
        let enrolled = try await registry.client(token: registry.enrollToken).enroll(Self.profile)
        let device = registry.client(token: enrolled.token)
        let event = DeviceEvent(
            kind: "install", model: "digits-mlp", version: try SemanticVersion(parsing: "1.0.0"), result: "failed",
            message: "self-test failed: output 0 differs by 0.5", at: try Timestamp(parsing: "2026-11-27T10:00:00Z"))
        try await device.report(deviceID: enrolled.deviceID, EventBatch(events: [event]))
        let listed = try await registry.admin.send("GET", "/v1/devices/\(enrolled.deviceID)/events")
        #expect(listed.text.contains(#""message":"self-test failed: output 0 differs by 0.5""#))
        let devices = try await registry.admin.send("GET", "/v1/devices")
        #expect(devices.text.contains(enrolled.deviceID))
    }
}

@Suite struct OpsTests {
    @Test func metricsCountRequestsBytesChunksAndDevices() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let (manifest, _) = try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let first = manifest.files[0].chunks[0]
        _ = try await registry.admin.chunk(first.digest)
        let enrolled = try await registry.client(token: registry.enrollToken).enroll(DeviceTests.profile)
        _ = try await registry.client(token: enrolled.token).checkin(deviceID: enrolled.deviceID, CheckinRequest(installed: [], state: "idle"))
        _ = try await registry.raw("GET", "/v1/models", token: nil)

        let text = try await registry.admin.send("GET", "/metrics").text
        #expect(text.contains("modelfleet_chunk_bytes_served_total \(first.storedLength)"))
        #expect(text.contains("modelfleet_chunks_stored \(Set(manifest.files[0].chunks.map(\.digest)).count)"))
        #expect(text.contains("modelfleet_devices_seen 1"))
        #expect(text.contains(#"modelfleet_http_requests_total{route="/v1/models",method="GET",status="401"} 1"#))
        #expect(
            text.contains(#"modelfleet_http_requests_total{route="/v1/chunks/{digest}",method="GET",status="200"} 1"#)
                || text.contains(#"route="/v1/chunks/:digest",method="GET",status="200"} 1"#))
    }
}
