import FleetCore
import Foundation

/// A PostgreSQL database named by URL: `postgres://USER:PASSWORD@HOST:PORT/DB` (`postgresql://` too; user and
/// password percent-encoded as in any URL; port 5432 when left out).
///
/// `?sslmode=disable|require` picks TLS. Without it, a loopback host is reached in plain TCP and any other
/// host only over TLS verified against the system's CA store: the registry's own rule, "TLS off loopback".
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        case disable, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: TLSMode? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls ?? (LoopbackHost.contains(host) ? .disable : .require)
    }

    public init(parsing text: String) throws(MetadataLocationInvalid) {
        func invalid(_ why: String) -> MetadataLocationInvalid {
            MetadataLocationInvalid(description: "metadata URL '\(Self.redacted(text))': \(why) (expected postgres://USER:PASSWORD@HOST:PORT/DB)")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw invalid("not a URL")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard let username = components.user, !username.isEmpty else { throw invalid("no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("no database name after the host") }
        if let port = components.port, !(1...65535).contains(port) { throw invalid("port \(port) is out of range") }
        var tls: TLSMode?
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", let value = item.value, let mode = TLSMode(rawValue: value) else {
                throw invalid("unknown parameter '\(item.name)\(item.value.map { "=\($0)" } ?? "")' (only sslmode=disable or sslmode=require)")
            }
            tls = mode
        }
        // IPv6 literals come bracketed in URLs; the socket wants them bare.
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.init(host: bare, port: components.port ?? 5432, username: username, password: components.password, database: database, tls: tls)
    }

    /// `postgres://USER@HOST:PORT/DB`: never the password.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(username)@\(shownHost):\(port)/\(database)" + (tls == .require ? "?sslmode=require" : "")
    }

    /// `text` with whatever stands between `//USER:` and `@` replaced, for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        guard let start = text.range(of: "://"), let at = text[start.upperBound...].firstIndex(of: "@") else { return text }
        let credentials = text[start.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
