// libFuzzer entry point for JSON request bodies and messages: every input goes through FleetCore's
// strict `JSONParser` (duplicate keys, depth and size limits) under the registry's body limit, then
// `WireLimits.check` on what parsed, then the canonical JSON writer, whose output must parse again.
// Compiled in one module with Sources/FleetCore/JSON/*.swift and Sources/FleetCore/Wire/WireLimits.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = JSONParser.Limits(maximumBytes: 1 << 20)
    guard let document = try? JSONParser.parse(bytes, limits: limits) else { return 0 }
    _ = try? WireLimits.check(document)
    // Signatures and digests are computed over the canonical form: it must parse back to the same value.
    let canonical = CanonicalJSON.encode(document)
    guard let again = try? JSONParser.parse(canonical, limits: JSONParser.Limits(maximumBytes: 1 << 23)) else {
        fatalError("canonical JSON does not parse: \(String(decoding: canonical, as: UTF8.self))")
    }
    guard again == document else { fatalError("canonical JSON parses to another value: \(String(decoding: canonical, as: UTF8.self))") }
    return 0
}
