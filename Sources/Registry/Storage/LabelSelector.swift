/// `k=v,k2=v2`: matches devices whose labels hold every pair. The empty selector matches every device.
public struct LabelSelector: Hashable, Sendable, CustomStringConvertible {
    public var requirements: [String: String]

    public init(_ requirements: [String: String]) {
        self.requirements = requirements
    }

    /// Every term is checked on its own, so `a=b=c`, `a==b` and a stray `,` are refused naming the term
    /// instead of being read as something the operator did not write.
    public init(parsing text: String) throws(StorageError) {
        var requirements: [String: String] = [:]
        for term in text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = term.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .invalid("selector '\(text)': term '\(term)' is not key=value (one '=' between a non-empty key and value)")
            }
            guard requirements.updateValue(String(parts[1]), forKey: String(parts[0])) == nil else {
                throw .invalid("selector '\(text)': term '\(term)' repeats the key '\(parts[0])'")
            }
        }
        self.requirements = requirements
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { labels[$0.key] == $0.value }
    }

    /// Sorted `k=v` pairs: one spelling per selector, usable as a key.
    public var description: String {
        requirements.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

extension LabelSelector: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
