import NIOCore

/// Sent up the pipeline whenever bytes arrive from the client, ahead of the bytes themselves.
struct RequestBytesArrived: Sendable {}

/// Sits at the socket end of the pipeline, before NIO's HTTP decoder, and says when bytes arrive: only
/// there can "the first byte of the next request" (which ends the keep-alive idle wait and starts the
/// header deadline) be seen, since the decoder emits nothing until a whole head has arrived.
final class RequestBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(RequestBytesArrived())
        context.fireChannelRead(data)
    }
}
