import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Variants by device profile: each device gets the variant its profile meets, or none and is reported.
@Suite struct VariantTests {
    static let profile = DeviceProfile(arch: "aarch64", ramBytes: 512 << 20, diskBytes: 1 << 30, engineVersion: "0.1.0", supportedOps: ["Gemm", "Relu"])

    @Test func requirementsNameWhatIsMissing() throws {
        let needs = Manifest.Requirements(
            minRAMBytes: 1 << 30, architectures: ["x86_64"], minEngineVersion: try SemanticVersion(parsing: "0.2.0"),
            requiredOps: ["Gemm", "QLinearConv"])
        #expect(
            needs.unmet(by: Self.profile) == [
                "needs 1024 MiB of RAM, the device has 512 MiB", "runs on x86_64, not aarch64",
                "needs engine 0.2.0 or later, the device has 0.1.0", "the engine lacks QLinearConv"
            ])
        #expect(Manifest.Requirements(minRAMBytes: 256 << 20, architectures: ["aarch64"], requiredOps: ["Gemm"]).unmet(by: Self.profile).isEmpty)
        #expect(Manifest.Requirements().unmet(by: Self.profile).isEmpty)
        // Agents report operators as `domain:Op`; a requirement naming an ai.onnx operator bare matches it.
        let agent = DeviceProfile(
            arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 30, engineVersion: "0.1.0", supportedOps: ["ai.onnx:QLinearConv", "ai.onnx.ml:Binarizer"])
        #expect(Manifest.Requirements(requiredOps: ["QLinearConv", "ai.onnx:QLinearConv", "ai.onnx.ml:Binarizer"]).unmet(by: agent).isEmpty)
        #expect(Manifest.Requirements(requiredOps: ["Binarizer", "MatMulInteger"]).unmet(by: agent) == ["the engine lacks Binarizer, MatMulInteger"])
    }

    @Test func theBestFittingVariantIsSentAndADeviceThatFitsNoneIsReported() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        let file = TestPublisher.corpus("models/digits-mlp/v1.onnx")
        try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", variant: "fp32", file: file,
            requirements: .init(minRAMBytes: 1 << 30), to: registry.admin)
        try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", variant: "int8", file: TestPublisher.corpus("models/digits-mlp/v2.onnx"),
            requirements: .init(minRAMBytes: 256 << 20, requiredOps: ["Gemm"]), to: registry.admin)
        let big = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"], ramBytes: 2 << 30, supportedOps: ["Gemm"])
        let small = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"], ramBytes: 512 << 20, supportedOps: ["Gemm", "Relu"])
        let tiny = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"], ramBytes: 128 << 20, supportedOps: ["Gemm"])
        // The check-in answer is cached per label set: the three devices share labels and must still differ.
        #expect(try await big.checkin().map(\.variant) == ["fp32"])
        #expect(try await small.checkin().map(\.variant) == ["int8"])
        #expect(try await tiny.checkin().isEmpty)
        #expect(try await big.checkin().map(\.variant) == ["fp32"])

        let listed = try await registry.admin.send("GET", "/v1/devices?state=incompatible")
        #expect(try JSONDecoder().decode([String: [DeviceSummary]].self, from: Data(listed.body))["devices"]?.map(\.id) == [tiny.id])
        let detail = try JSONDecoder().decode(DeviceDetail.self, from: Data(try await registry.admin.send("GET", "/v1/devices/\(tiny.id)").body))
        #expect(detail.device.state == .incompatible && detail.desired.isEmpty)
        #expect(
            detail.incompatible == [
                IncompatibleModel(
                    model: "digits-mlp", version: SemanticVersion(major: 1, minor: 0, patch: 0),
                    reasons: [
                        "fp32: needs 1024 MiB of RAM, the device has 128 MiB", "int8: needs 256 MiB of RAM, the device has 128 MiB"
                    ])
            ])
    }

    /// Devices in a stage that fit no variant of the version are sent nothing and do not hold the stage.
    @Test func incompatibleDevicesDoNotHoldARolloutStage() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        try await publisher.publish(
            model: "digits-mlp", version: "2.0.0", file: TestPublisher.corpus("models/digits-mlp/v2.onnx"),
            requirements: .init(minRAMBytes: 1 << 30), to: registry.admin)
        let big = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"], ramBytes: 2 << 30)
        let small = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"], ramBytes: 256 << 20)
        let request = RolloutRequest(
            model: "digits-mlp", version: SemanticVersion(major: 2, minor: 0, patch: 0), selector: "type=camera",
            stages: [100], soakSeconds: 0, gates: RolloutGates())
        let created = try await registry.admin.send("POST", "/v1/rollouts", body: [UInt8](try JSONEncoder().encode(request)), expected: [201])
        let id = try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body)).rollout.id
        #expect(try await big.checkin(installed: [("digits-mlp", "1.0.0")]).map(\.version.description) == ["2.0.0"])
        #expect(try await small.checkin(installed: [("digits-mlp", "1.0.0")]).isEmpty)
        try await big.checkin(
            installed: [("digits-mlp", "2.0.0")],
            installs: [InstallReport(model: "digits-mlp", version: SemanticVersion(major: 2, minor: 0, patch: 0), result: .ok, selfTest: .passed)])
        try await registry.server.evaluateRollouts()
        let status = try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(id)").body))
        #expect(status.rollout.state == .completed)
        #expect(status.health.devices == 1 && status.health.incompatible == 1 && status.health.pending == 0)
    }
}
