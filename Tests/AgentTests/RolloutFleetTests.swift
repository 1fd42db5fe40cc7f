import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Agent
@testable import Registry

/// Staged rollouts with real agents: a real registry (SQLite on disk, loopback HTTP) and many
/// in-process `SyncEngine`s installing digits-mlp with the real engine's self-test.
@Suite(.serialized) struct RolloutFleetTests {
    static let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0)

    /// Device and rollout ids from this seed: the cohorts (a hash of both) are the same on every run, so a
    /// stage's share is a fixed number the test can hold to ±3 points.
    static let idSeed: UInt64 = 1

    /// A registry, a publisher, `count` agents all running 1.0.0 (pinned), and 2.0.0 committed.
    static func fleetOnV1(_ count: Int) async throws -> (RegistryHarness, TestPublisher, AgentFleet) {
        let registry = try await RegistryHarness.start(idSeed: idSeed)
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        _ = try await registry.admin.send("PUT", "/v1/assignments", body: Array(#"{"model":"digits-mlp","selector":"type=camera","version":"1.0.0"}"#.utf8))
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let fleet = try await AgentFleet(count: count, registry: registry, trusting: publisher.key.publicKey, labels: ["type": "camera"])
        try await fleet.round()
        try await publisher.publish(model: "digits-mlp", version: "2.0.0", file: TestPublisher.corpus("models/digits-mlp/v2.onnx"), to: registry.admin)
        return (registry, publisher, fleet)
    }

    static func createRollout(_ registry: RegistryHarness, stages: [Int]) async throws -> Rollout {
        let request = RolloutRequest(model: "digits-mlp", version: v2, selector: "type=camera", stages: stages, soakSeconds: 0, gates: RolloutGates())
        let response = try await registry.admin.send("POST", "/v1/rollouts", body: [UInt8](try JSONEncoder().encode(request)), expected: [201])
        return try JSONDecoder().decode(RolloutStatus.self, from: Data(response.body)).rollout
    }

    static func status(_ registry: RegistryHarness, _ id: String) async throws -> RolloutStatus {
        try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(id)").body))
    }

    /// 200 agents, stages 10% → 50% → 100%, no soak: each stage's devices (and only they) install 2.0.0
    /// before the next stage starts, the stages advance on their own, and every device converges.
    @Test func twoHundredAgentsConvergeThroughThreeStages() async throws {
        let (registry, _, fleet) = try await Self.fleetOnV1(200)
        #expect(Set(await fleet.live("digits-mlp").values) == [Self.v1])
        #expect(await fleet.live("digits-mlp").count == 200)
        let rollout = try await Self.createRollout(registry, stages: [10, 50, 100])
        func cohort(_ percent: Int) -> Set<String> {
            Set(fleet.members.map(\.id).filter { Cohort.contains(deviceID: $0, rolloutID: rollout.id, percent: percent) })
        }

        var stagesSeen: [Int] = []
        var state = RolloutState.active
        for _ in 0..<15 where state == .active {
            try await fleet.round()
            let onV2 = Set(await fleet.live("digits-mlp").filter { $0.value == Self.v2 }.keys)
            let before = try await Self.status(registry, rollout.id).rollout
            // Nothing outside the reached cohort installs the new version.
            #expect(onV2.isSubset(of: cohort(before.percent)), "\(onV2.subtracting(cohort(before.percent)).count) devices outside the stage run 2.0.0")
            try await registry.server.evaluateRollouts()
            let after = try await Self.status(registry, rollout.id).rollout
            if after.stage > before.stage || after.state == .completed {
                // A stage ends only once all its devices run the new version.
                #expect(
                    onV2 == cohort(before.percent), "stage \(before.stage + 1) ended with \(onV2.count) of \(cohort(before.percent).count) devices on 2.0.0")
                stagesSeen.append(before.stage)
            }
            state = after.state
        }
        #expect(state == .completed)
        // The registry's own once-a-second evaluation may advance a stage between the fleet's round and
        // the test's evaluation, so not every stage ends under the test's eyes; the ones that do come in
        // order, and the audit below shows both advances and the completion.
        #expect(!stagesSeen.isEmpty && stagesSeen == stagesSeen.sorted() && Set(stagesSeen).isSubset(of: [0, 1, 2]), "\(stagesSeen)")
        #expect(await fleet.live("digits-mlp") == Dictionary(uniqueKeysWithValues: fleet.members.map { ($0.id, Self.v2) }))

        // Cohort sizes: the exact membership rule is checked above; with seeded ids the shares are fixed
        // numbers, held to the issue's ±3 points of each stage's percent (random ids on 200 devices spread
        // σ = 3.5 points at 50%, so a fixed ±3 would fail in a fair share of runs).
        for percent in [10, 50, 100] {
            let share = Double(cohort(percent).count) / 2
            #expect(abs(share - Double(percent)) <= 3, "\(percent)% stage reached \(share)% of devices")
        }
        let audit = try await registry.admin.send("GET", "/v1/audit").text
        #expect(audit.components(separatedBy: "\"rollout.advanced\"").count - 1 == 2)
        #expect(audit.contains("\"rollout.completed\""))
    }

    /// 2.0.0's self-test fails on 10% of devices: the rollout pauses in stage 1 with the reason, no
    /// device outside stage 1 installs it, and a signed rollback returns stage 1 to 1.0.0.
    @Test func failingSelfTestsPauseStageOneAndRollbackReturnsIt() async throws {
        let (registry, publisher, fleet) = try await Self.fleetOnV1(100)
        let rollout = try await Self.createRollout(registry, stages: [20, 100])
        // Every tenth device in cohort order fails: 10% of the fleet, spread over all stages, and the
        // first device of stage 1 among them.
        let ordered = fleet.members.sorted { Cohort.bucket(deviceID: $0.id, rolloutID: rollout.id) < Cohort.bucket(deviceID: $1.id, rolloutID: rollout.id) }
        let failing = Set(stride(from: 0, to: ordered.count, by: 10).map { ordered[$0].id })
        for member in ordered where failing.contains(member.id) { member.host.fail(Self.v2) }
        let stageOne = Set(fleet.members.map(\.id).filter { Cohort.contains(deviceID: $0, rolloutID: rollout.id, percent: 20) })
        try #require(stageOne.contains(ordered[0].id))

        var current = rollout
        for _ in 0..<6 where current.state == .active {
            try await fleet.round()
            try await registry.server.evaluateRollouts()
            current = try await Self.status(registry, rollout.id).rollout
        }
        #expect(current.state == .paused && current.stage == 0)
        // The gate may trip before every failing device reported: one failure in stage 1 is already over 2%.
        let reason = current.reason ?? "no reason"
        #expect(
            reason.hasPrefix("self-test failures: ") && reason.contains(" of \(stageOne.count) devices (")
                && reason.hasSuffix("at stage 1 (20%) exceed the 2% gate"), "\(reason)")
        // Two more rounds while paused: still nobody outside stage 1 has it, and no failing device runs it.
        try await fleet.round()
        try await fleet.round()
        let live = await fleet.live("digits-mlp")
        let onV2 = Set(live.filter { $0.value == Self.v2 }.keys)
        #expect(onV2 == stageOne.subtracting(failing))
        let reports = try await registry.server.store.health(model: "digits-mlp").filter { $0.version == Self.v2 && $0.install != nil }
        #expect(Set(reports.map(\.deviceID)).isSubset(of: stageOne))
        #expect(Set(reports.filter(\.failedSelfTest).map(\.deviceID)) == stageOne.intersection(failing))

        // Roll back with the publisher's signed directive: every stage-1 device runs 1.0.0 again.
        let directive = try RollbackDirective(model: "digits-mlp", from: Self.v2, to: Self.v1, key: publisher.key)
        _ = try await registry.admin.send(
            "POST", "/v1/rollouts/\(rollout.id)/rollback", body: [UInt8](try JSONEncoder().encode(RollbackRequest(directive: directive))))
        try await fleet.round()
        #expect(Set(await fleet.live("digits-mlp").values) == [Self.v1])
        #expect(try await Self.status(registry, rollout.id).rollout.state == .rolledBack)
        // The agents that went back logged it as an activation of 1.0.0, and stay there.
        try await fleet.round()
        #expect(Set(await fleet.live("digits-mlp").values) == [Self.v1])
    }
}
