import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Agent

/// A real registry on loopback, a real publisher, and the agent's sync engine on a fresh data directory.
@Suite struct SyncTests {
    let registry: RegistryHarness
    let publisher: TestPublisher
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path

    init() async throws {
        registry = try await RegistryHarness.start()
        publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
    }

    func agent(trusting keys: [PublisherPublicKey]? = nil, diskBudget: UInt64? = nil) throws -> SyncEngine {
        try SyncEngine(
            settings: AgentSettings(
                registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data,
                trustedKeys: keys ?? [publisher.key.publicKey], labels: ["type": "camera"], diskBudgetBytes: diskBudget))
    }

    func live(_ file: String = "model.onnx") throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: data + "/models/digits-mlp/current/" + file)))
    }

    func corpusBytes(_ relative: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPublisher.corpus(relative))))
    }

    @Test func syncsTheAssignedVersionThenOnlyTheChangedChunksOfTheNext() async throws {
        let engine = try agent()
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let first = try await engine.checkInAndSync()
        #expect(first.count == 1)
        guard case .activated = first.first?.result else {
            Issue.record("v1 not activated: \(first)")
            return
        }
        #expect(try live() == corpusBytes("models/digits-mlp/v1.onnx"))
        #expect(try await engine.checkInAndSync().first?.result == .upToDate)

        // v3 changes only the output layer: the agent fetches just its chunks.
        let (v3, _) = try await publisher.publish(
            model: "digits-mlp", version: "1.1.0", file: TestPublisher.corpus("models/digits-mlp/v3.onnx"), to: registry.admin)
        let second = try #require(try await engine.checkInAndSync().first)
        guard case .activated = second.result else {
            Issue.record("v3 not activated: \(second)")
            return
        }
        #expect(try live() == corpusBytes("models/digits-mlp/v3.onnx"))
        let changedTensorBytes = 5_160  // output layer of digits-mlp: 128×10 + 10 float32
        #expect(second.bytesDownloaded <= 2 * changedTensorBytes, "downloaded \(second.bytesDownloaded) bytes for v3")
        #expect(second.chunksDownloaded < v3.files[0].chunks.count)

        // The previous version stays as the rollback target, one rename away.
        #expect(try await engine.rollback(model: "digits-mlp") == (try SemanticVersion(parsing: "1.0.0")))
        #expect(try live() == corpusBytes("models/digits-mlp/v1.onnx"))

        // Install results reached the registry's event log.
        let devices = try await registry.admin.send("GET", "/v1/devices").text
        #expect(devices.contains("type"))
        let id = try String(contentsOfFile: data + "/device.id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let events = try await registry.admin.send("GET", "/v1/devices/\(id)/events").text
        #expect(events.contains(#""kind":"install""#) && events.contains(#""result":"ok""#))
    }

    /// A chunk damaged on disk after it was verified (bit rot, a bad SD card) is caught when the next
    /// version is assembled: the new version does not go live, the old one keeps serving, and the
    /// damaged chunk is fetched again on the next sync.
    @Test func aChunkDamagedOnDiskIsCaughtAtAssembly() async throws {
        let engine = try agent()
        let (v1, _) = try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        _ = try await engine.checkInAndSync()
        let shared = try #require(v1.files[0].chunks.max { $0.length < $1.length })
        let path = data + "/chunks/" + shared.digest.hex.prefix(2) + "/" + shared.digest.hex
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        try await publisher.publish(model: "digits-mlp", version: "1.1.0", file: TestPublisher.corpus("models/digits-mlp/v3.onnx"), to: registry.admin)
        let outcome = try #require(try await engine.checkInAndSync().first)
        guard case .failed(let reason) = outcome.result else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(
            reason
                == "corrupt chunk \(shared.digest): damaged on disk since it was verified (now hashes to \(Digest.of(bytes))); removed, it will be fetched again"
        )
        #expect(try live() == corpusBytes("models/digits-mlp/v1.onnx"))

        // The next sync fetches the removed chunk again and goes live.
        guard case .activated = try #require(try await engine.checkInAndSync().first).result else {
            Issue.record("did not heal")
            return
        }
        #expect(try live() == corpusBytes("models/digits-mlp/v3.onnx"))
    }

    @Test func enrollsOnceAndKeepsTheTokenPrivate() async throws {
        let engine = try agent()
        let identity = try await engine.enroll()
        let mode = try FileManager.default.attributesOfItem(atPath: data + "/device.token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // A new engine on the same data directory is the same device, without enrolling again.
        #expect(try await agent().enroll() == identity)
    }

    @Test func anUntrustedPublisherIsRejectedBeforeAnyDownload() async throws {
        let engine = try agent(trusting: [PublisherPrivateKey.generate().publicKey])
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let outcome = try #require(try await engine.checkInAndSync().first)
        guard case .rejected(let reason) = outcome.result else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("untrusted manifest: publisher key \(publisher.key.publicKey.keyID)"))
        #expect(outcome.bytesDownloaded == 0)
        #expect(!FileManager.default.fileExists(atPath: data + "/models/digits-mlp/current"))
        #expect((try? FileManager.default.subpathsOfDirectory(atPath: data + "/chunks").filter { $0.count > 40 }) ?? [] == [])
        let id = try String(contentsOfFile: data + "/device.id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let events = try await registry.admin.send("GET", "/v1/devices/\(id)/events").text
        #expect(events.contains(#""kind":"rejected""#))
    }

    @Test func aDowngradeIsRejectedAndTheLiveVersionKeepsServing() async throws {
        let engine = try agent()
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        try await publisher.publish(model: "digits-mlp", version: "2.0.0", file: TestPublisher.corpus("models/digits-mlp/v2.onnx"), to: registry.admin)
        _ = try await engine.checkInAndSync()
        #expect(try live() == corpusBytes("models/digits-mlp/v2.onnx"))
        _ = try await registry.admin.send("PUT", "/v1/assignments", body: Array(#"{"model":"digits-mlp","selector":"type=camera","version":"1.0.0"}"#.utf8))
        let outcome = try #require(try await engine.checkInAndSync().first)
        #expect(outcome.result == .rejected(reason: "version 1.0.0 is lower than the active 2.0.0; a downgrade needs a signed rollback"))
        #expect(try live() == corpusBytes("models/digits-mlp/v2.onnx"))
    }

    @Test func aDiskBudgetTooSmallIsRefusedCleanly() async throws {
        let engine = try agent(diskBudget: 50_000)
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let outcome = try #require(try await engine.checkInAndSync().first)
        guard case .failed(let reason) = outcome.result else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(reason.contains("disk budget"))
        #expect(outcome.bytesDownloaded == 0)
    }

    @Test func withNoRegistryTheCheckInFailsAndTheLiveModelKeepsServing() async throws {
        let engine = try agent()
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        _ = try await engine.checkInAndSync()
        let before = try live()
        // The registry goes away: the check-in fails, the live model is untouched.
        var quick = TransferOptions()
        quick.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20))
        let offline = try SyncEngine(
            settings: AgentSettings(
                registry: "http://127.0.0.1:1", enrollToken: nil, dataDirectory: data,
                trustedKeys: [publisher.key.publicKey], labels: ["type": "camera"], transfer: quick))
        await #expect(throws: (any Error).self) { _ = try await offline.checkInAndSync() }
        #expect(try live() == before)
    }
}

/// A host whose self-test always fails: stands in for the engine (issues #5/#7) to show that a
/// version failing its self-test never becomes live.
final class FailingHost: ModelHost, @unchecked Sendable {
    private(set) var runs = 0

    func selfTest(modelDirectory: String, manifest: Manifest) async throws -> SelfTestOutcome {
        runs += 1
        return .failed(reason: "output 0 differs from the expected tensor by 0.5 (tolerance 1e-4)")
    }
}

@Suite struct SelfTestGateTests {
    @Test func aFailedSelfTestNeverGoesLiveAndIsReported() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "")
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        let settings = AgentSettings(registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data, trustedKeys: [publisher.key.publicKey])
        let host = FailingHost()
        let engine = try SyncEngine(settings: settings, host: host)
        let outcome = try #require(try await engine.checkInAndSync().first)
        #expect(outcome.result == .failed(reason: "self-test failed: output 0 differs from the expected tensor by 0.5 (tolerance 1e-4)"))
        #expect(!FileManager.default.fileExists(atPath: data + "/models/digits-mlp/current"))
        // The next check-in does not stage and test the same manifest again.
        let again = try #require(try await engine.checkInAndSync().first)
        guard case .failed(let reason) = again.result else {
            Issue.record("expected the failure to stand, got \(again)")
            return
        }
        #expect(reason.hasSuffix("(not retried until the registry offers another version)"))
        #expect(host.runs == 1)
        let id = try String(contentsOfFile: data + "/device.id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await registry.admin.send("GET", "/v1/devices/\(id)/events").text.contains("self-test failed: output 0 differs"))
    }
}

@Suite struct ManifestGateTests {
    /// What a compromised registry or cache might serve: each is refused before any chunk is fetched.
    @Test func tamperedOrSubstitutedManifestsAreRefused() throws {
        let key = PublisherPrivateKey.generate()
        let packer = ArtifactPacker()
        let file = try packer.pack(file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), as: "model.onnx", mode: .tensorAware)
        func signed(_ version: String) throws -> [UInt8] {
            try ManifestCoding.encode(
                try ManifestSigning.sign(
                    Manifest(
                        model: "digits-mlp", version: try SemanticVersion(parsing: version), variant: "fp32",
                        files: [file], createdAt: .now(), publisher: key.publicKey.keyID), with: key))
        }
        let bytes = try signed("1.0.0")
        let gate = ManifestGate(trust: TrustedPublishers([key.publicKey]))
        let desired = DesiredModel(
            model: "digits-mlp", version: try SemanticVersion(parsing: "1.0.0"), variant: "fp32",
            manifestDigest: Digest.of(bytes), manifestPath: "/m")
        guard case .success = gate.check(bytes, desired: desired, current: nil) else {
            Issue.record("the genuine manifest was refused")
            return
        }

        var tampered = bytes
        let index = try #require(tampered.firstIndex(of: UInt8(ascii: "f")))  // inside "fp32" or a field name
        tampered[index] = UInt8(ascii: "g")
        guard case .failure(let reason) = gate.check(tampered, desired: desired, current: nil) else {
            Issue.record("a tampered manifest was accepted")
            return
        }
        #expect(reason.description.contains("manifest"))

        // Genuinely signed, but not the version the check-in named (a replayed older manifest).
        let other = try signed("0.9.0")
        guard case .failure(let substituted) = gate.check(other, desired: desired, current: nil) else {
            Issue.record("a substituted manifest was accepted")
            return
        }
        #expect(substituted.description.hasPrefix("the registry served digits-mlp 0.9.0"))
    }
}
