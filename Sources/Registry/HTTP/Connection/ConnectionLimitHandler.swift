import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Admits a connection if `OpenConnections` has room; otherwise answers a JSON 503 at once and closes
/// it, so a flood of idle sockets costs the registry one descriptor each for a moment, not for ever,
/// and connections already admitted (a load balancer's `/healthz`) keep being served.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let connections: OpenConnections
    private var admitted: Bool?

    init(connections: OpenConnections) {
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { decide(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        decide(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted == true { connections.release() }
        admitted = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused connection's request (if the client sent one before reading the 503) goes nowhere.
        guard admitted == true else { return }
        context.fireChannelRead(data)
    }

    private func decide(_ context: ChannelHandlerContext) {
        guard admitted == nil else { return }
        admitted = connections.admit()
        guard admitted == false else { return }
        RegistryError(
            status: .serviceUnavailable, code: "too_many_connections",
            message: "the registry is serving its maximum of \(connections.maximum) connections; retry later"
        ).writeAndClose(on: context)
    }
}
