/// Whether a host name or address stays on this machine. Plain HTTP is allowed there only: the
/// registry refuses to listen elsewhere without TLS, and the agent refuses a plain-http registry
/// elsewhere, unless told `--insecure-http` (docs/architecture.md, "TLS off loopback").
///
/// Decided on the text alone, never by resolving a name: `localhost`, `127.0.0.0/8` and `::1` are
/// loopback; every other name (even one that resolves to 127.0.0.1) and the wildcard addresses
/// `0.0.0.0` and `::` (which listen on every interface) are not.
public enum LoopbackHost {
    /// `host` as it appears in a URL or a bind address: `[::1]` and `::1` are both accepted.
    public static func contains(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." || name == "::1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    /// The host of an `http(s)://` URL (user info and port dropped), or nil when it has none.
    public static func host(ofURL url: String) -> String? {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        var authority = url[url.index(colon, offsetBy: 3)...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            return String(authority[...close])
        }
        let host = authority.prefix { $0 != ":" }
        return host.isEmpty ? nil : String(host)
    }
}
