import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange with the S3 endpoint on the registry's own event loops (SwiftNIO), as
/// Hummingbird's own clients do: no thread blocked per request, and nothing linked beyond the
/// packages the registry already builds (docs/decisions.md, "The S3 chunk store's HTTP client").
///
/// A connection per request: chunk requests are few and large next to a loopback or LAN connect, and
/// no pool means no stale keep-alive connection to detect and retry. Each exchange has a deadline
/// after which the connection is closed, so a silent server fails a request instead of hanging it.
struct S3Transport: Sendable {
    let endpoint: S3Endpoint
    var connectTimeout: TimeAmount = .seconds(5)
    var requestTimeout: TimeAmount = .seconds(30)

    struct Response: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Why no response arrived: the connection failed or the server went quiet. Names the endpoint,
    /// since the operator's first question is which server it could not reach.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends one request; the body read is at most `maxBodyBytes` (more is a `Failure`: S3 answers this
    /// registry asks for are small or bounded by a Range). Errors are mapped outside the async frames
    /// (docs/decisions.md, "Swift 6.3 hazard").
    func execute(_ head: HTTPRequestHead, body: ByteBuffer?, maxBodyBytes: Int) async throws -> Response {
        let endpoint = endpoint
        let connection = try await AsyncResult.attempt { try await connect() }
            .mapError { Failure(description: "cannot connect to the S3 endpoint \(endpoint): \(Self.reason($0))") }.get()
        let deadline = connection.raw.eventLoop.scheduleTask(in: requestTimeout) { connection.raw.close(promise: nil) }
        defer { deadline.cancel() }
        return try await AsyncResult.attempt { try await exchange(on: connection.channel, head, body: body, maxBodyBytes: maxBodyBytes) }
            .mapError { $0 as? Failure ?? Failure(description: "\(head.method) \(head.uri) to the S3 endpoint \(endpoint) failed: \(Self.reason($0))") }
            .get()
    }

    private struct Connection: Sendable {
        var channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        /// The same channel, for the deadline that closes it.
        var raw: any Channel
    }

    private func connect() async throws -> Connection {
        let endpoint = endpoint
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(connectTimeout)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if endpoint.tls {
                        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: endpoint.host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return Connection(
                        channel: try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel), raw: channel)
                }
            }
    }

    private func exchange(
        on channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>, _ head: HTTPRequestHead, body: ByteBuffer?, maxBodyBytes: Int
    ) async throws -> Response {
        let endpoint = endpoint
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(body))) }
            try await outbound.write(.end(nil))
            var response: Response?
            for try await part in inbound {
                switch part {
                case .head(let head):
                    response = Response(status: head.status, headers: head.headers, body: ByteBuffer())
                case .body(var bytes):
                    guard (response?.body.readableBytes ?? 0) + bytes.readableBytes <= maxBodyBytes else {
                        throw Failure(description: "the S3 endpoint \(endpoint) answered \(head.method) \(head.uri) with more than \(maxBodyBytes) bytes")
                    }
                    response?.body.writeBuffer(&bytes)
                case .end:
                    if let response { return response }
                }
            }
            throw Failure(description: "the S3 endpoint \(endpoint) closed the connection before answering \(head.method) \(head.uri)")
        }
    }

    /// NIO's errors print as type dumps; an operator reads `connection refused`.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return "connection refused" }
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty { return "the host name does not resolve" }
            if let first = error.connectionErrors.first { return reason(first.error) }
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError { return "no answer to the connection (timed out)" }
        if let error = error as? IOError { return error.description }
        return "\(error)"
    }
}
