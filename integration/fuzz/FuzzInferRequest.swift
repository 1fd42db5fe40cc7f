// libFuzzer entry point for the agent's `POST /v1/models/{name}/infer` body: every input goes through
// `InferRequestReader.read` (JSONCursor, base64 decoding, TensorBuilder), the code the local API runs
// on a request body. It must return the tensors or throw. Compiled in one module with
// Sources/Agent/Serving/{InferRequestReader,JSONCursor,Base64Decoding}.swift against the engine module.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInferRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? InferRequestReader.read(bytes)
    return 0
}
