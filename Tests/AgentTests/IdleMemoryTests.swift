import Foundation
import InferenceEngine
import TestSupport
import Testing

@testable import Agent

@Suite struct IdleMemoryTests {
    /// Paging out the binary's and libraries' clean pages covers real mappings and leaves the process
    /// working: the engine still loads and runs a model afterwards (its code faults back in).
    @Test func pagingOutCodeKeepsTheAgentWorking() throws {
        let advised = IdleMemory.releaseFileBackedPages()
        #expect(advised > 1 << 20, "only \(advised) bytes of file-backed mappings were advised")
        let model = try Model(contentsOf: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        let output = try InferenceSession(model).run(["input": Tensor(shape: [1, 64], values: [Float](repeating: 0.5, count: 64))])
        #expect(output["probabilities"]?.count == 10)
    }
}
