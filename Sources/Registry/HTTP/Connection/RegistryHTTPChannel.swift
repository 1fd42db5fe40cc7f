import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel with `RequestBytesObserver` in front of NIO's HTTP decoder,
/// the one place in the pipeline `HTTP1Channel`'s additional handlers cannot reach. Everything else,
/// including how requests are handled, is `HTTP1Channel`'s.
struct RegistryHTTPChannel: ServerChildChannel {
    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        let http1 = http1
        return channel.eventLoop.makeCompletedFuture {
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
    /// client deadlines and the header size limit, on every connection.
    static func registry(limits: RegistryConfiguration.Limits, connections: RegistryConfiguration.Connections, logger: Logger) -> HTTPServerBuilder {
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
            RegistryHTTPChannel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
