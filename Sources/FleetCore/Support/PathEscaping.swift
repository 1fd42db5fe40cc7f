/// Percent-encoding of path segments and query values (RFC 3986 unreserved characters pass as they are):
/// the client's request paths and the dashboard's links.
public enum PathEscaping {
    private static let hexDigits = Array("0123456789ABCDEF")

    public static func escape(_ text: String) -> String {
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                escaped.append(Character(Unicode.Scalar(byte)))
            default:
                escaped += "%\(hexDigits[Int(byte >> 4)])\(hexDigits[Int(byte & 0x0f)])"
            }
        }
        return escaped
    }

    /// `?a=1&b=2` from the pairs whose value is present, escaped; empty when none is.
    public static func query(_ pairs: [(String, String?)]) -> String {
        let present = pairs.compactMap { name, value in value.map { "\(name)=\(escape($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }
}
