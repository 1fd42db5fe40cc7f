import InferenceEngine
import Testing

/// The ONNX backend node tests (onnx 1.22): every test of an operator the engine supports must pass.
@Suite struct ConformanceTests {
    @Test func nodeTestsPassForEverySupportedOperator() {
        let cases = BackendTestSuite.cases(in: EngineCorpus.path("onnx-node-tests"))
        #expect(cases.count == 1765, "the corpus should hold the 1765 node tests of onnx 1.22")
        var passed = 0
        var unsupported = 0
        var failures: [String] = []
        for test in cases {
            switch test.run(rtol: 1e-3, atol: 1e-7) {
            case .passed: passed += 1
            case .unsupported: unsupported += 1
            case .failed(let reason): failures.append("\(test.name): \(reason)")
            }
        }
        print("ONNX node tests: \(passed) passed, \(failures.count) failed, \(unsupported) unsupported (of \(cases.count))")
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(40).joined(separator: "\n"))")
        // A floor just under the measured count, so an operator that silently drops out fails the build.
        #expect(passed >= ConformanceTests.passingFloor, "only \(passed) node tests pass")
    }

    static let passingFloor = 1490
}
