/// The smallest HTTP/1.1 server on SwiftNIO that does what the benchmark asks of the agent's local API:
/// `GET /v2/health/live` answered 200 with an empty body, keep-alive, anything else 404.
///
/// It exists to decide by measurement whether the agent (`modelfleet-agent`, whose local API is a
/// hand-written server over POSIX sockets) should adopt SwiftNIO: `integration/bench/local_api.py` sets
/// its binary size, idle resident memory and requests/s beside the agent's. A real port of the local
/// API would carry more than this, so these figures are a lower bound of what NIO would cost.
///
///     nio-probe PORT        (listens on 127.0.0.1:PORT; prints "listening on 127.0.0.1:PORT")
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

final class HealthHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var request: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break  // read and dropped
        case .end:
            guard let head = request else { return }
            request = nil
            let found = head.method == .GET && head.uri == "/v2/health/live"
            let keepAlive = head.isKeepAlive
            let headers: HTTPHeaders = ["Content-Length": "0", "Connection": keepAlive ? "keep-alive" : "close"]
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            let sent = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                sent.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
            }
        }
    }
}

guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]) else {
    print("usage: nio-probe PORT")
    exit(2)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(HealthHandler())
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()
print("listening on 127.0.0.1:\(server.localAddress?.port ?? port)")
fflush(nil)  // all streams: stdout is a pipe
try server.closeFuture.wait()
