import InferenceEngine
import Testing

/// Every real model under `corpus/reference` gives onnxruntime's outputs within rtol 1e-3, atol 1e-4.
@Suite struct ReferenceModelTests {
    @Test(arguments: EngineCorpus.referenceCases())
    func matchesOnnxRuntime(_ name: String) {
        let test = BackendTestCase(directory: EngineCorpus.path("reference/" + name))
        let outcome = test.run(rtol: 1e-3, atol: 1e-4)
        if case .passed(let error) = outcome { print("reference \(name): max |ours - onnxruntime| = \(error)") }
        #expect(outcome.isPass, "\(name): \(outcome)")
    }

    @Test func corpusHasEveryModel() {
        #expect(EngineCorpus.referenceCases().count == 9)
    }
}

extension BackendTestCase.Outcome {
    var isPass: Bool { if case .passed = self { true } else { false } }
}
