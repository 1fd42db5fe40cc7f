// libFuzzer entry point for the ONNX loader: every input is treated as a model file. It must load
// or throw; when it loads it runs once on zero-filled inputs (symbolic dimensions = 1), so constant
// folding, shape checks and operators see hostile graphs too. Built by run.sh with
// -sanitize=fuzzer,address against the engine module (compiled once for every engine target).
@testable import InferenceEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let model = try? Model(bytes: bytes) else { return 0 }
    var inputs: [String: Tensor] = [:]
    for input in model.inputs {
        guard let type = input.elementType, type != .string else { return 0 }
        let shape = (input.shape ?? []).map { $0 ?? 1 }
        // Skip inputs too large to allocate on a fuzzing box; the loader itself is what is under test.
        guard shape.allSatisfy({ $0 >= 0 && $0 <= 4096 }), shape.reduce(1, *) <= 1 << 20 else { return 0 }
        inputs[input.name] = Tensor(zeros: type, shape: shape)
    }
    _ = try? InferenceSession(model).run(inputs)
    return 0
}
