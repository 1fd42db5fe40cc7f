import FleetCore
import FleetHTTP
import Foundation
import Synchronization
import TestSupport

@testable import Agent

/// A self-test that runs the real engine, unless told that one version fails on this device
/// (as a variant needing an operator the device lacks would).
final class SwitchableHost: ModelHost, Sendable {
    private let failing = Mutex<SemanticVersion?>(nil)
    private let engine = InferenceHost()

    func fail(_ version: SemanticVersion) {
        failing.withLock { $0 = version }
    }

    func selfTest(modelDirectory: String, manifest: Manifest) async throws -> SelfTestOutcome {
        if failing.withLock({ $0 }) == manifest.version {
            return .failed(reason: "operator 'FancyConv' is not supported on this device")
        }
        return try await engine.selfTest(modelDirectory: modelDirectory, manifest: manifest)
    }
}

/// Many real agents (the Agent library's `SyncEngine`, each with its own data directory, journal and
/// chunk store) against one real registry over loopback HTTP.
final class AgentFleet: Sendable {
    struct Member: Sendable {
        let engine: SyncEngine
        let host: SwitchableHost
        let id: String
    }

    let members: [Member]
    let root: String

    init(count: Int, registry: RegistryHarness, trusting key: PublisherPublicKey, labels: [String: String]) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-\(UUID().uuidString)").path
        var members: [Member] = []
        for index in 0..<count {
            let host = SwitchableHost()
            let engine = try SyncEngine(
                settings: AgentSettings(
                    registry: registry.baseURL, enrollToken: registry.enrollToken,
                    dataDirectory: "\(root)/agent-\(index)", trustedKeys: [key], labels: labels),
                host: host)
            members.append(Member(engine: engine, host: host, id: try await engine.enroll().deviceID))
        }
        self.members = members
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Every agent checks in and syncs once, `parallel` at a time (as devices would, at their own pace).
    func round(parallel: Int = 16) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = members[...]
            for _ in 0..<parallel {
                guard let member = pending.popFirst() else { break }
                group.addTask { _ = try await member.engine.checkInAndSync() }
            }
            while try await group.next() != nil {
                if let member = pending.popFirst() { group.addTask { _ = try await member.engine.checkInAndSync() } }
            }
        }
    }

    /// The live version of `model` on every agent, by device id.
    func live(_ model: String) async -> [String: SemanticVersion] {
        var versions: [String: SemanticVersion] = [:]
        for member in members {
            if let active = await member.engine.activeModels().first(where: { $0.model == model }) { versions[member.id] = active.version }
        }
        return versions
    }
}
