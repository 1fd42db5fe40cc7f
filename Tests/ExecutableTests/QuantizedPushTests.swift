import FleetCore
import FleetHTTP
import Foundation
import Testing

/// `fleetctl push --quantize int8` against a real registry, and the real agent on a device too small for the float
/// variant installing, self-testing and running the int8 one.
@Suite(.serialized) struct QuantizedPushTests {
    @Test func anInt8VariantIsPublishedBesideFloatAndChosenByASmallDevice() async throws {
        let publishing = try PublishingRegistry()
        let (dir, registry, fleetctl) = (publishing.dir, publishing.registry, publishing.fleetctl)
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path
        let vectors = TestPaths.corpus.appendingPathComponent("reference/digits-mlp/v1/test_data_set_0").path
        // The float variant asks for twice this machine's memory, so the agent here cannot run it; the int8 one's
        // minimum shrinks with its file (about 0.28x) and fits.
        let ram = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
        let pushed = try fleetctl([
            "push", model, "--model", "digits-mlp", "--version", "1.0.0", "--self-test", vectors, "--min-ram", "\(2 * ram >> 20)M", "--quantize", "int8"
        ])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect(pushed.stdout.contains("pushed digits-mlp 1.0.0 (fp32)") && pushed.stdout.contains("pushed digits-mlp 1.0.0 (int8)"), "\(pushed.stdout)")
        #expect(pushed.stdout.contains("3 node(s) in int8, 0 left in float"), "\(pushed.stdout)")
        #expect(pushed.stdout.contains("one run here, one thread: float"), "\(pushed.stdout)")

        let listed = try fleetctl(["models", "show", "digits-mlp", "--json"])
        let versions = try JSONDecoder().decode(VersionList.self, from: Data(listed.stdout.utf8)).versions
        let float = try #require(versions.first { $0.variant == "fp32" })
        let int8 = try #require(versions.first { $0.variant == "int8" })
        #expect(float.quantization == nil)
        let quantization = try #require(int8.quantization, "\(listed.stdout)")
        #expect(quantization.scheme == "int8" && quantization.sourceVariant == "fp32" && quantization.quantizedNodes == 3)
        #expect(quantization.sourceDigest == Digest.of(try Data(contentsOf: URL(fileURLWithPath: model))))
        #expect(Set(quantization.deviations.map(\.output)) == ["label", "probabilities"])
        #expect(quantization.deviations.allSatisfy { $0.value <= $0.limit }, "\(quantization.deviations)")
        let (floatSize, int8Size) = (try #require(float.modelSize), try #require(int8.modelSize))
        #expect(floatSize == 204_594 && Double(int8Size) < 0.3 * Double(floatSize), "\(int8Size) of \(floatSize)")
        #expect(int8.storedSize < float.storedSize)
        let table = try fleetctl(["models", "show", "digits-mlp"])
        #expect(table.stdout.contains("QUANT ERR") && table.stdout.split(separator: "\n").contains { $0.contains("int8") && !$0.contains(" - ") })

        // The real agent: the float variant does not fit, so it installs the int8 one, passes its own self-test, serves it.
        #expect(try fleetctl(["assign", "digits-mlp", "--select", "type=camera"]).status == 0)
        let arguments = [
            "daemon", "--once", "--data-dir", dir.path + "/agent", "--registry", registry.baseURL,
            "--enroll-token", try registry.token("enroll.token"), "--trust", dir.path + "/publisher.pub", "--labels", "type=camera"
        ]
        let agent = try ProgramRunner.run("modelfleet-agent", arguments)
        #expect(agent.status == 0, "\(agent.stdout) \(agent.stderr)")
        let live = dir.path + "/agent/models/digits-mlp/current/v1.onnx"
        let local = try ProgramRunner.run("fleetctl", ["quantize", model, "-o", dir.path + "/local.int8.onnx", "--calibration", vectors], in: dir)
        #expect(local.status == 0, "\(local.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: live)) == (try Data(contentsOf: dir.appendingPathComponent("local.int8.onnx"))))
        let run = try ProgramRunner.run("modelfleet-agent", ["run", live, "--input", "input=" + vectors + "/input_0.pb"])
        #expect(run.status == 0 && run.stdout.contains("label"), "\(run.stdout) \(run.stderr)")

        // Its next check-in reports what it runs.
        #expect(try ProgramRunner.run("modelfleet-agent", arguments).status == 0)
        let status = try fleetctl(["fleet", "status", "--json"])
        let fleet = try JSONDecoder().decode(FleetStatus.self, from: Data(status.stdout.utf8))
        #expect(fleet.versions.first { $0.model == "digits-mlp" }?.variants == ["int8": 1], "\(status.stdout)")
        #expect(try fleetctl(["fleet", "status"]).stdout.contains("int8 1"))
    }

    @Test func aVariantThatCannotBeMadeLeavesTheFloatOnePublishedAndSaysWhy() async throws {
        let publishing = try PublishingRegistry()
        let (dir, fleetctl) = (publishing.dir, publishing.fleetctl)
        let cls = TestPaths.corpus.appendingPathComponent("reference/rapidocr-onnxruntime-1.2.13/ch_ppocr_mobile_v2.0_cls_infer")

        // A convolutional model without sample inputs: nothing to calibrate on.
        let bare = try fleetctl(["push", cls.path + "/model.onnx", "--model", "ocr-cls", "--version", "1.0.0", "--quantize", "int8", "--json"])
        #expect(bare.status == 3, "\(bare.stdout) \(bare.stderr)")
        #expect(bare.stderr.contains("int8 variant not published: no sample inputs"), "\(bare.stderr)")
        struct Report: Decodable {
            struct Pushed: Decodable { var variant: String }
            struct Int8: Decodable {
                var published: Bool
                var reason: String?
            }
            var pushed: [Pushed]
            var int8: Int8
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(bare.stdout.utf8))
        #expect(report.pushed.map(\.variant) == ["fp32"] && !report.int8.published && report.int8.reason?.contains("--calibration") == true)

        // An error limit the variant misses: named output, measured value and limit; only fp32 is published.
        let strict = try fleetctl([
            "push", cls.path + "/model.onnx", "--model", "ocr-cls", "--version", "1.1.0", "--quantize", "int8",
            "--calibration", cls.path + "/test_data_set_0", "--max-quant-error", "0.001"
        ])
        #expect(strict.status == 3)
        #expect(
            strict.stderr.contains("output 'save_infer_model/scale_0.tmp_1' moves by a relative RMS error of")
                && strict.stderr.contains("above the limit 0.001"), "\(strict.stderr)")

        // An already quantized model.
        let quantized = dir.appendingPathComponent("cls.int8.onnx").path
        let made = try ProgramRunner.run(
            "fleetctl", ["quantize", cls.path + "/model.onnx", "-o", quantized, "--calibration", cls.path + "/test_data_set_0"], in: dir)
        #expect(made.status == 0, "\(made.stderr)")
        let twice = try fleetctl([
            "push", quantized, "--model", "ocr-cls", "--version", "1.2.0", "--variant", "int8-manual", "--quantize", "int8", "--calibration",
            cls.path + "/test_data_set_0"
        ])
        #expect(twice.status == 3 && twice.stderr.contains("already quantized"), "\(twice.stderr)")

        let versions = try JSONDecoder().decode(VersionList.self, from: Data(try fleetctl(["models", "show", "ocr-cls", "--json"]).stdout.utf8)).versions
        #expect(versions.map(\.variant).sorted() == ["fp32", "fp32", "int8-manual"], "\(versions)")
    }
}

/// A registry process in a scratch folder, a publisher key registered on it, and fleetctl pointed at it with the
/// admin token: what both tests start from.
private final class PublishingRegistry {
    let dir: URL
    let registry: RegistryProcess

    init() throws {
        dir = try TestPaths.scratch()
        registry = RegistryProcess(dataDirectory: dir.path + "/registry")
        try registry.start()
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try fleetctl(["keys", "register", "publisher.pub"]).status == 0)
    }

    func fleetctl(_ arguments: [String]) throws -> ProgramRunner.Result {
        try ProgramRunner.run("fleetctl", arguments + ["--registry", registry.baseURL, "--token-file", "registry/admin.token"], in: dir)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }
}
