/// Where the S3 service answers: `http(s)://HOST[:PORT]` from `AWS_ENDPOINT_URL` (or `s3.endpoint_url`).
///
/// Parsed by hand, not by Foundation's URL, so that what is refused (a path, a query, user info, an
/// unknown scheme) is refused at start with a message that names the setting, not later as a
/// signature mismatch: path-style requests put the bucket in the path, so the endpoint must have none.
struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    var tls: Bool
    var host: String
    var port: Int

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(parsing text: String) throws {
        func fail(_ why: String) -> Invalid { Invalid(description: "S3 endpoint '\(text)' \(why) (expected http://HOST:PORT or https://HOST[:PORT])") }
        guard let scheme = ["https://", "http://"].first(where: { text.hasPrefix($0) }) else { throw fail("has no http:// or https:// scheme") }
        tls = scheme == "https://"
        let rest = text.dropFirst(scheme.count)
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.isEmpty else { throw fail("has no host") }
        guard !authority.contains("/"), !authority.contains("?"), !authority.contains("@"), !authority.contains("#") else {
            throw fail("must be just a scheme, a host and a port: path-style requests put the bucket in the path")
        }
        if authority.hasPrefix("[") {
            // An IPv6 literal, [::1]:9000.
            guard let close = authority.firstIndex(of: "]") else { throw fail("has an unclosed IPv6 address") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = try after.isEmpty ? (tls ? 443 : 80) : Self.port(after.dropFirst(), fail)
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = try Self.port(authority[authority.index(after: colon)...], fail)
        } else {
            host = String(authority)
            port = tls ? 443 : 80
        }
        guard !host.isEmpty else { throw fail("has no host") }
    }

    private static func port(_ text: Substring, _ fail: (String) -> Invalid) throws -> Int {
        guard let port = Int(text), (1...65535).contains(port) else { throw fail("has a bad port '\(text)'") }
        return port
    }

    /// The `Host` header, which is signed: the port appears only when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (tls ? 443 : 80) ? name : "\(name):\(port)"
    }

    var description: String { "\(tls ? "https" : "http")://\(hostHeader)" }
}
