/// A parsed JSON document, kept exactly enough to re-serialise it canonically.
///
/// Integers and non-integers are kept apart: `1` stays the integer 1, `1.5` a double, so sizes and
/// offsets never pass through floating point.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys are unique (the parser rejects duplicates); order is irrelevant, serialisation sorts.
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}
