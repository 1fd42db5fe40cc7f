/// A fragment of HTML whose interpolated values are escaped unless they are `HTML` themselves.
///
/// Everything the dashboard shows from devices and publishers (labels, model names, event texts,
/// audit details) is text an attacker may choose. Making escaping the default of the one type pages
/// are built from means a page cannot forget it: `"<td>\(label)</td>"` escapes `label`, and only a
/// value that is already `HTML` (built the same way) is inserted as markup.
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    /// Markup written here in the source, trusted as it stands.
    init(stringLiteral value: String) { text = value }
    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }
    /// Markup from a source the caller vouches for (the dashboard's own constants).
    init(trusted text: String) { self.text = text }

    var description: String { text }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(trusted: lhs.text + rhs.text) }

    /// `<`, `>`, `&`, `"` and `'` as character references: safe in element content and in quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + 16 * interpolationCount) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ fragments: [HTML]) { for fragment in fragments { text += fragment.text } }
        mutating func appendInterpolation(_ value: some CustomStringConvertible) { text += HTML.escape(value.description) }
        mutating func appendInterpolation(_ value: (some CustomStringConvertible)?, default placeholder: String = "–") {
            text += HTML.escape(value?.description ?? placeholder)
        }
    }
}

extension Array where Element == HTML {
    func joined(separator: HTML = "") -> HTML {
        HTML(trusted: map(\.text).joined(separator: separator.text))
    }
}
