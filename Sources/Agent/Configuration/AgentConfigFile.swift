/// Reads `agent.yaml`: the flat subset of YAML the agent's settings need: `key: value`, a key followed
/// by indented `- item` lines (a list), or by indented `key: value` lines (a map). `#` starts a comment.
///
/// Not a YAML library on purpose: Yams would bring full Foundation (tens of MB) into the device binary.
/// Anything outside this subset is an error naming the line, not a silent misread.
public struct AgentConfigFile: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case scalar(String)
        case list([String])
        case map([String: String])
    }

    public var values: [String: Value]
    /// The line each key is on (1-based), for messages about its value.
    public var lines: [String: Int]
    public let source: String

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `text` and checks every key against `AgentConfigSchema` (unless `strict` is false, for
    /// tools that read other files in this format).
    public init(text: String, source: String, strict: Bool = true) throws {
        var values: [String: Value] = [:]
        var lines: [String: Int] = [:]
        var openKey: String?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Self.stripComment(raw)
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            func fail(_ reason: String) -> Invalid { Invalid(description: "\(source):\(number + 1): \(reason)") }
            let indented = line.first?.isWhitespace == true
            let content = line.drop(while: \.isWhitespace)
            if !indented {
                guard let colon = content.firstIndex(of: ":") else { throw fail("expected 'key: value'") }
                let key = String(content[..<colon]).trimmingWhitespace
                let rest = String(content[content.index(after: colon)...]).trimmingWhitespace
                guard !key.isEmpty, values[key] == nil, lines[key] == nil else { throw fail("empty or repeated key '\(key)'") }
                lines[key] = number + 1
                if rest.isEmpty {
                    openKey = key
                } else {
                    values[key] = .scalar(Self.unquote(rest))
                    openKey = nil
                }
                continue
            }
            guard let key = openKey else { throw fail("indented line without a key above it") }
            if content.hasPrefix("- ") || content == "-" {
                let item = Self.unquote(String(content.dropFirst()).trimmingWhitespace)
                switch values[key] {
                case nil: values[key] = .list([item])
                case .list(let items)?: values[key] = .list(items + [item])
                default: throw fail("'\(key)' mixes list items with other entries")
                }
            } else if let colon = content.firstIndex(of: ":") {
                let name = String(content[..<colon]).trimmingWhitespace
                let value = Self.unquote(String(content[content.index(after: colon)...]).trimmingWhitespace)
                switch values[key] {
                case nil: values[key] = .map([name: value])
                case .map(var entries)?:
                    entries[name] = value
                    values[key] = .map(entries)
                default: throw fail("'\(key)' mixes map entries with other entries")
                }
            } else {
                throw fail("expected '- item' or 'key: value' under '\(key)'")
            }
        }
        self.values = values
        self.lines = lines
        self.source = source
        guard strict else { return }
        for key in lines.keys.sorted(by: { lines[$0]! < lines[$1]! }) {
            // A key with nothing under it is an empty list or map.
            let value = values[key] ?? .scalar("")
            if let problem = AgentConfigSchema.problem(key: key, value: value) {
                throw Invalid(description: "\(source):\(lines[key]!): \(problem)")
            }
        }
    }

    /// `file:line` of `key`, for messages about its value.
    public func location(of key: String) -> String { lines[key].map { "\(source):\($0)" } ?? source }

    private static func stripComment(_ line: Substring) -> Substring {
        if line.drop(while: \.isWhitespace).hasPrefix("#") { return "" }
        var previous: Character = " "
        for index in line.indices {
            if line[index] == "#", previous.isWhitespace { return line[..<index] }
            previous = line[index]
        }
        return line
    }

    private static func unquote(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" else { return text }
        return String(text.dropFirst().dropLast())
    }

    public func scalar(_ key: String) -> String? {
        if case .scalar(let value)? = values[key] { return value }
        return nil
    }

    public func list(_ key: String) -> [String]? {
        switch values[key] {
        case .list(let items)?: return items
        case .scalar("[]")?: return []
        default: return nil
        }
    }

    public func map(_ key: String) -> [String: String]? {
        if case .map(let entries)? = values[key] { return entries }
        return nil
    }
}
