/// A decoded answer and the JSON it came as. Tools that print the registry's answer print `json`, byte
/// for byte what the registry sent, rather than a re-encoding of what this client understood of it.
public struct RegistryReply<Value: Sendable>: Sendable {
    public var value: Value
    public var json: [UInt8]

    public init(value: Value, json: [UInt8]) {
        self.value = value
        self.json = json
    }
}
