/// The bounds every JSON request body of API v1 is held to, in one place, so a device or an operator's
/// script cannot make the registry store (and later serve, log and compare) a 10,000-character `arch`
/// or a label key the size of the body limit.
///
/// Checked on the parsed document before it is decoded into a wire type: the limits apply to every
/// field of every body, including fields added later, without each type repeating them.
public enum WireLimits {
    /// Any string value: architectures, versions, states, label values, token labels.
    public static let stringBytes = 256
    /// Any member name of an object, which includes every label key.
    public static let memberNameBytes = 128
    /// Fields that carry text for people or whole documents, keyed by member name.
    public static let longStringBytes: [String: Int] = ["message": 4096, "publicKeyPEM": 4096, "selector": 1024]
    /// Byte and event counts: whole numbers a device reports, kept within what storage holds exactly.
    public static let wholeNumberFields: Set<String> = ["ramBytes", "diskBytes", "count", "errors"]
    public static let wholeNumberRange: ClosedRange<Int64> = 0...Int64.max

    /// The largest string `field` (the member name it sits under, if any) may hold.
    public static func stringLimit(for field: String?) -> Int {
        field.flatMap { longStringBytes[$0] } ?? stringBytes
    }

    /// A field outside its bounds; `description` names the field and the limit.
    public struct Violation: Error, Equatable, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Walks `document` and throws the first violation found.
    public static func check(_ document: JSONValue) throws(Violation) {
        try check(document, path: [], field: nil)
    }

    private static func check(_ value: JSONValue, path: [String], field: String?) throws(Violation) {
        switch value {
        case .string(let text):
            let limit = stringLimit(for: field)
            guard text.utf8.count <= limit else {
                throw Violation(description: "\(render(path)) is \(text.utf8.count) bytes, over the limit of \(limit) bytes")
            }
        case .integer(let number) where field.map(wholeNumberFields.contains) == true:
            guard wholeNumberRange.contains(number) else { throw outOfRange(path, "\(number)") }
        case .double(let number) where field.map(wholeNumberFields.contains) == true:
            throw outOfRange(path, "\(number)")
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                try check(element, path: path.dropLast() + [(path.last ?? "") + "[\(index)]"], field: field)
            }
        case .object(let members):
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                guard name.utf8.count <= memberNameBytes else {
                    throw Violation(
                        description: "\(render(path)): a member name of \(name.utf8.count) bytes is over the limit of \(memberNameBytes) bytes")
                }
                try check(member, path: path + [name], field: name)
            }
        default:
            break
        }
    }

    private static func outOfRange(_ path: [String], _ number: String) -> Violation {
        Violation(
            description: "\(render(path)) must be a whole number from \(wholeNumberRange.lowerBound) to \(wholeNumberRange.upperBound), got \(number)")
    }

    /// `events[2].message`, as `ManifestCoding.describe` names decoding failures.
    private static func render(_ path: [String]) -> String {
        path.isEmpty ? "(top level)" : path.joined(separator: ".")
    }
}
