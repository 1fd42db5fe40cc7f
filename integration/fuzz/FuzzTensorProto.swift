// libFuzzer entry point for serialized TensorProto files (`input_0.pb`: the agent's `run --input`,
// self-test vectors, the ONNX backend tests): every input is decoded with `Tensor.decode(protobuf:)`.
// It must decode or throw; a decoded tensor is encoded again and decoded once more, which must work.
@testable import InferenceEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTensorProto(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let (name, tensor) = try? Tensor.decode(protobuf: bytes) else { return 0 }
    let again = tensor.protobufBytes(name: name)
    guard (try? Tensor.decode(protobuf: again)) != nil else {
        fatalError("a decoded tensor's own encoding does not decode")
    }
    return 0
}
