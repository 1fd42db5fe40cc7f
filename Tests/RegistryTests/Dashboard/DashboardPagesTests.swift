import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// The dashboard's pages on a registry with models, devices and a rollout, and the actions they post.
@Suite struct DashboardPagesTests {
    let registry: RegistryHarness
    let device: SimulatedDevice
    let rolloutID: String
    var browser: DashboardBrowser

    /// digits-mlp 1.0.0 and 2.0.0, a camera whose label a hostile publisher of labels chose, and an active
    /// rollout of 2.0.0 that waits for that camera (so it stays in flight).
    init() async throws {
        registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        for (version, file) in [("1.0.0", "v1"), ("2.0.0", "v2")] {
            try await publisher.publish(model: "digits-mlp", version: version, file: TestPublisher.corpus("models/digits-mlp/\(file).onnx"), to: registry.admin)
        }
        device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera", "note": "<script>alert(1)</script>"])
        let created = try await registry.raw(
            "POST", "/v1/rollouts", token: registry.adminToken, headers: [("Content-Type", "application/json")],
            body: Array(
                #"{"model":"digits-mlp","version":"2.0.0","selector":"type=camera","stages":[50,100],"soakSeconds":3600,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02,"maxP95Regression":0.2}}"#
                    .utf8))
        #expect(created.status == 201, "\(created.text)")
        rolloutID = try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body)).rollout.id
        browser = DashboardBrowser(registry)
        try await browser.login(registry.adminToken)
    }

    func rolloutState() async throws -> RolloutState {
        try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(rolloutID)").body)).rollout.state
    }

    @Test func pagesShowTheFleetAndEscapeWhatDevicesChose() async throws {
        for path in ["/ui/", "/ui/devices", "/ui/devices/\(device.id)"] {
            let page = try await browser.get(path)
            #expect(page.status == 200, "\(path)")
            #expect(page.text.contains(device.id), "\(path) lists the device")
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path) shows the label as text")
            #expect(!page.text.contains("<script>alert"), "\(path) must not carry the label as markup")
        }
        let filtered = try await browser.get("/ui/devices?select=type%3Dcamera&state=enrolled")
        #expect(filtered.text.contains("1 device matching type=camera in state enrolled"))
        let none = try await browser.get("/ui/devices?select=type%3Dgateway")
        #expect(none.text.contains("No device matches."))
        let bad = try await browser.get("/ui/devices?select=%3D%3D")
        #expect(bad.status == 400 && bad.text.contains("is not key=value"))
        let unknown = try await browser.get("/ui/devices/dev_nothing")
        #expect(unknown.status == 404 && unknown.text.contains("device dev_nothing is not enrolled"))
    }

    @Test func theModelPageDrawsWhatAnUpdateDownloads() async throws {
        let page = try await browser.get("/ui/models/digits-mlp")
        #expect(page.status == 200)
        // The same figure `fleetctl versions diff` prints, computed from the two signed manifests.
        let versions = try await registry.server.store.versions(of: "digits-mlp")
        let manifest = { (version: String) in
            try ManifestCoding.decode(try #require(versions.first { $0.version.description == version }).manifest).manifest
        }
        let transfer = Transfer(to: try manifest("2.0.0"), holding: [try manifest("1.0.0")])
        #expect(page.text.contains("1.0.0→2.0.0 download from the previous version: \(ByteCountText.of(UInt64(transfer.storedBytes)))"))
        #expect(page.text.contains("<svg class=\"chart\""))
        #expect(try await browser.get("/ui/models/nothing").status == 404)
    }

    /// The model page's quantization cell: the output that moved most against its limit, escaped (output names come
    /// from the publisher's model file).
    @Test func aQuantizedVariantShowsWhatItsPublisherMeasured() throws {
        func record(_ deviations: [Manifest.Quantization.Deviation]) -> Manifest.Quantization {
            Manifest.Quantization(
                scheme: "int8", sourceVariant: "fp32", sourceDigest: Digest.of([1]), quantizedNodes: 3, floatNodes: 0, samples: 1,
                deviations: deviations)
        }
        let float = DashboardPages.quantization(
            record([
                .init(output: "<b>scores</b>", measure: "relative_rms", value: 0.012, limit: 0.05),
                .init(output: "label", measure: "mismatched_fraction", value: 0, limit: 0.02)
            ]))
        #expect(float.text == "int8 from fp32: &lt;b&gt;scores&lt;/b&gt; 0.012 RMS (limit 0.05)")
        let labels = DashboardPages.quantization(record([.init(output: "label", measure: "mismatched_fraction", value: 0.015, limit: 0.02)]))
        #expect(labels.text == "int8 from fp32: label 1.50% differ (limit 0.02)")
        #expect(DashboardPages.quantization(nil).text.isEmpty)
    }

    @Test func pausingFromTheRolloutPageNeedsTheSessionsCSRFToken() async throws {
        let page = try await browser.get("/ui/rollouts/\(rolloutID)")
        #expect(page.status == 200)
        #expect(page.text.contains("fleetctl rollout rollback \(rolloutID) --key publisher.key"))
        #expect(page.text.contains("p95 latency regression"))
        let csrf = try #require(DashboardBrowser.csrf(in: page))

        // Without the token, with another's, or without the cookie: refused, and nothing changes.
        for (fields, who) in [
            ([(String, String)](), browser), ([("csrf", String(repeating: "0", count: 64))], browser), ([("csrf", csrf)], DashboardBrowser(registry))
        ] {
            let refused = try await who.post("/ui/rollouts/\(rolloutID)/pause", fields)
            #expect(refused.status == 403, "\(refused.text)")
        }
        #expect(try await rolloutState() == .active)

        let paused = try await browser.post("/ui/rollouts/\(rolloutID)/pause", [("csrf", csrf)])
        #expect(paused.status == 303 && paused[header: "location"] == "/ui/rollouts/\(rolloutID)?done=pause")
        #expect(try await rolloutState() == .paused)
        let after = try await browser.get("/ui/rollouts/\(rolloutID)?done=pause")
        #expect(after.text.contains("The rollout is paused."))
        #expect(after.text.contains(">Resume</button>") && !after.text.contains(">Pause</button>"))
        // The audit names the session, and through it the token that logged in.
        let audit = try await registry.admin.send("GET", "/v1/audit").text
        #expect(audit.contains("\"actor\":\"ui session: admin.token [tok_"))

        let rollback = try await browser.post("/ui/rollouts/\(rolloutID)/rollback", [("csrf", csrf)])
        #expect(rollback.status == 400 && rollback.text.contains("needs the publisher&#39;s signature"))
    }
}
