import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel with TLS (when configured) and `RequestBytesObserver` in
/// front of NIO's HTTP decoder, the one place in the pipeline `HTTP1Channel`'s additional handlers
/// cannot reach. Everything else, including how requests are handled, is `HTTP1Channel`'s, so the
/// connection limit, the deadlines and the parse-error answers work the same with and without TLS
/// (the header deadline also bounds a client that stalls its TLS handshake).
struct RegistryHTTPChannel: ServerChildChannel {
    let http1: HTTP1Channel
    let tls: ServerTLS?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        let http1 = http1
        let tls = tls
        return channel.eventLoop.makeCompletedFuture {
            // Built per connection from the identity current now, so SIGHUP reaches new connections only.
            if let tls { try channel.pipeline.syncOperations.addHandler(tls.makeHandler()) }
            try channel.pipeline.syncOperations.addHandler(RequestBytesObserver())
        }.flatMap {
            http1.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 for the registry: the connection limit, JSON answers to unparseable requests, the
    /// client deadlines and the header size limit, on every connection; over TLS when `tls` is given.
    static func registry(
        limits: RegistryConfiguration.Limits, connections: RegistryConfiguration.Connections, tls: ServerTLS?, logger: Logger
    ) -> HTTPServerBuilder {
        let open = OpenConnections(maximum: connections.maxConnections ?? OpenConnections.automaticMaximum())
        let deadlines = connections.deadlines
        let maxHeaderBytes = limits.maxHeaderBytes
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                ConnectionLimitHandler(connections: open),
                ParseErrorResponder(maxHeaderBytes: maxHeaderBytes),
                DeadlineHandler(deadlines: deadlines, logger: logger)
            ],
            httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes)
        )
        return HTTPServerBuilder { responder in
            RegistryHTTPChannel(http1: HTTP1Channel(responder: responder, configuration: configuration), tls: tls)
        }
    }
}
