import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

/// Why the registry could not use its PostgreSQL database at start-up, in one line: what was tried (the URL
/// without its password) and what the server or the network said. postgres-nio's own errors print a generic
/// text on purpose (their details may hold secrets), so the useful parts are picked out here.
public struct PostgresUnavailable: Error, CustomStringConvertible {
    public var description: String

    init(_ error: any Error, location: PostgresLocation) {
        description = "cannot use the PostgreSQL metadata store \(location): \(Self.reason(error))"
    }

    static func reason(_ error: any Error) -> String {
        if let storage = error as? StorageError { return storage.message }
        guard let psql = error as? PSQLError else { return oneLine(String(describing: error)) }
        if let server = psql.serverInfo, let message = server[.message] {
            let state = server[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return oneLine(message) + state
        }
        switch psql.code {
        case .connectionError:
            return "cannot connect: " + (psql.underlying.map(connectionFailure) ?? "no reason given")
        case .sslUnsupported:
            return "the server does not offer TLS; add ?sslmode=disable to the URL if the network to it is trusted"
        case .authMechanismRequiresPassword:
            return "the server asks for a password and the URL has none (postgres://USER:PASSWORD@HOST:PORT/DB)"
        default:
            // A connection closed by an earlier error (a fast shutdown's 57P01) carries that error: it says why.
            if let cause = psql.underlying as? PSQLError { return reason(cause) }
            if psql.code == .serverClosedConnection || psql.code == .uncleanShutdown { return "the server closed the connection" }
            if psql.code == .clientClosedConnection { return "the connection was closed" }
            return psql.underlying.map { oneLine(String(describing: $0)) } ?? psql.code.description
        }
    }

    /// NIO's connection errors, without their type names: "Connection refused", "Name or service not known".
    private static func connectionFailure(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return connectionFailure(first.error) }
            if let dns = connection.dnsAError ?? connection.dnsAAAAError { return "cannot resolve \(connection.host): " + oneLine("\(dns)") }
        }
        return oneLine(String(describing: error))
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
