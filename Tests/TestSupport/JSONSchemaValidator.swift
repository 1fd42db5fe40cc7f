public import FleetCore

/// Checks a JSON document against a schema written in the subset of JSON Schema (as OpenAPI 3.0 uses it)
/// that `docs/openapi.yaml` uses: `$ref` to `#/components/schemas/…`, `type`, `properties`, `required`,
/// `additionalProperties`, `items`, `enum`, `pattern`, `format: date-time`, `minimum`, `maximum`,
/// `maxLength` and `allOf`.
///
/// The package mirror has no JSON Schema validator, so this one is ours, kept small. It refuses a keyword
/// it does not know rather than skipping it: a schema that grows a `oneOf` must grow the validator too,
/// or every check of it would pass without looking.
public struct JSONSchemaValidator: Sendable {
    /// The whole OpenAPI document, where `$ref`s are looked up.
    public let document: JSONValue

    /// Keywords that describe and never constrain; `format`s other than date-time (int64, binary) are annotations too.
    static let annotations: Set<String> = ["description", "example", "format", "title"]

    public init(document: JSONValue) {
        self.document = document
    }

    /// Every way `value` breaks `schema`, each naming where (`$.rollout.state`); empty when it conforms.
    public func violations(of value: JSONValue, against schema: JSONValue) -> [String] {
        var found: [String] = []
        check(value, schema, at: "$", into: &found)
        return found
    }

    private func check(_ value: JSONValue, _ schema: JSONValue, at path: String, into found: inout [String]) {
        guard case .object(let keywords) = schema else {
            found.append("\(path): the schema is not an object")
            return
        }
        if case .string(let reference)? = keywords["$ref"] {
            guard let target = resolve(reference) else {
                found.append("\(path): unresolvable $ref \(reference)")
                return
            }
            check(value, target, at: path, into: &found)
            return
        }
        for (keyword, argument) in keywords.sorted(by: { $0.key < $1.key }) {
            if let problem = apply(keyword, argument, to: value, keywords: keywords, at: path, into: &found) {
                found.append("\(path): \(problem)")
            }
        }
    }

    /// One keyword; returns the violation it finds at this level (nested ones go to `found`).
    private func apply(
        _ keyword: String, _ argument: JSONValue, to value: JSONValue, keywords: [String: JSONValue], at path: String, into found: inout [String]
    ) -> String? {
        switch keyword {
        case "type":
            guard case .string(let type) = argument else { return "type must be a string" }
            return Self.hasType(value, type) ? nil : "expected \(type), got \(Self.render(value))"
        case "properties":
            guard case .object(let members) = value, case .object(let properties) = argument else { return nil }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let schema = properties[name] { check(member, schema, at: "\(path).\(name)", into: &found) }
            }
        case "required":
            guard case .object(let members) = value, case .array(let names) = argument else { return nil }
            let missing = names.compactMap { name -> String? in
                guard case .string(let text) = name, members[text] == nil else { return nil }
                return text
            }
            return missing.isEmpty ? nil : "missing required \(missing.joined(separator: ", "))"
        case "additionalProperties":
            guard case .object(let members) = value else { return nil }
            var declared: Set<String> = []
            if case .object(let properties)? = keywords["properties"] { declared = Set(properties.keys) }
            let extra = members.keys.filter { !declared.contains($0) }.sorted()
            switch argument {
            case .bool(false): return extra.isEmpty ? nil : "undeclared member \(extra.joined(separator: ", "))"
            case .bool(true): return nil
            default: for name in extra { check(members[name] ?? .null, argument, at: "\(path).\(name)", into: &found) }
            }
        case "items":
            guard case .array(let elements) = value else { return nil }
            for (index, element) in elements.enumerated() { check(element, argument, at: "\(path)[\(index)]", into: &found) }
        case "allOf":
            guard case .array(let schemas) = argument else { return "allOf must be an array" }
            for schema in schemas { check(value, schema, at: path, into: &found) }
        case "enum":
            guard case .array(let allowed) = argument else { return "enum must be an array" }
            return allowed.contains(value) ? nil : "\(Self.render(value)) is not one of \(allowed.map(Self.render).joined(separator: ", "))"
        case "pattern":
            guard case .string(let text) = value, case .string(let pattern) = argument else { return nil }
            guard let regex = try? Regex(pattern) else { return "unusable pattern \(pattern)" }
            return (try? regex.firstMatch(in: text)) != nil ? nil : "\(Self.render(value)) does not match \(pattern)"
        case "format":
            guard case .string(let text) = value, argument == .string("date-time") else { return nil }
            return Self.isDateTime(text) ? nil : "\(Self.render(value)) is not an RFC 3339 date-time"
        case "minimum", "maximum":
            guard let number = Self.number(value), let bound = Self.number(argument) else { return nil }
            let fits = keyword == "minimum" ? number >= bound : number <= bound
            return fits ? nil : "\(Self.render(value)) is outside \(keyword) \(Self.render(argument))"
        case "maxLength":
            guard case .string(let text) = value, case .integer(let limit) = argument else { return nil }
            return text.count <= limit ? nil : "\(text.count) characters, over maxLength \(limit)"
        default:
            return Self.annotations.contains(keyword) ? nil : "the validator does not know the keyword '\(keyword)'"
        }
        return nil
    }

    /// `#/components/schemas/Name` and the like: a JSON pointer into the document.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    static func hasType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .integer): return true
        case ("number", .integer), ("number", .double): return true
        case ("integer", .double(let number)): return number.rounded() == number
        default: return false
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    /// RFC 3339 `date-time`: a full date, `T`, a time with optional fraction, and `Z` or an offset.
    static func isDateTime(_ text: String) -> Bool {
        let shape = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
        guard let match = text.wholeMatch(of: shape), let month = Int(match.2), let day = Int(match.3), let hour = Int(match.4),
            let minute = Int(match.5), let second = Int(match.6)
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day) && hour < 24 && minute < 60 && second <= 60
    }

    static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return String(flag)
        case .integer(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return "\"\(text.prefix(80))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
