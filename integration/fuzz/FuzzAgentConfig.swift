// libFuzzer entry point for `agent.yaml`: every input that is UTF-8 is read by `AgentConfigFile`
// (the agent's flat-YAML reader) and its scalars, lists and maps are looked up. It must parse or throw.
// Compiled in one module with Sources/Agent/Configuration/AgentConfigFile.swift and
// Sources/FleetCore/Support/Trimming.swift (its only dependency).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAgentConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    guard let file = try? AgentConfigFile(text: text, source: "fuzz") else { return 0 }
    for key in file.values.keys {
        _ = file.scalar(key)
        _ = file.list(key)
        _ = file.map(key)
    }
    return 0
}
