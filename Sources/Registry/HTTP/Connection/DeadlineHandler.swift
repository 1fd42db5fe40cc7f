import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client misses a deadline of `ConnectionDeadlines`: a silent keep-alive
/// connection, half-sent headers, a stalled body. Hummingbird's own idle timeout is a single value that
/// also runs while a route is answering; this keeps the three apart and never cuts off an answer.
///
/// Sits after the HTTP codec (it follows request heads, bodies and response ends) and learns about raw
/// bytes from `RequestBytesObserver`.
final class DeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let deadlines: ConnectionDeadlines
    private let logger: Logger
    private var phase: ConnectionPhase?
    private var timer: (task: Scheduled<Void>, at: NIODeadline)?

    init(deadlines: ConnectionDeadlines, logger: Logger) {
        self.deadlines = deadlines
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RequestBytesArrived {
            update(context) { $0.bytesArrived(now: .now()) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: update(context) { $0.headArrived(now: .now()) }
        case .body: update(context) { $0.bodyArrived(now: .now()) }
        case .end: update(context) { $0.requestEnded(now: .now()) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { update(context) { $0.responseEnded(now: .now()) } }
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard phase == nil else { return }
        phase = ConnectionPhase(deadlines: deadlines, now: .now())
        arm(context)
    }

    private func update(_ context: ChannelHandlerContext, _ change: (inout ConnectionPhase) -> Void) {
        guard var current = phase else { return }
        change(&current)
        phase = current
        arm(context)
    }

    /// Makes sure a timer fires no later than the current deadline. A later deadline keeps the timer
    /// that is already set; when it fires, `expire` sets the next one.
    private func arm(_ context: ChannelHandlerContext) {
        guard let deadline = phase?.deadline else { return }
        if let timer, timer.at <= deadline { return }
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in expire(context) }
        timer = (task, deadline)
    }

    private func expire(_ context: ChannelHandlerContext) {
        timer = nil
        guard let phase, let deadline = phase.deadline else { return }
        guard deadline <= .now() else {
            arm(context)
            return
        }
        logger.debug(
            "closing connection: client missed a deadline",
            metadata: ["phase": "\(phase.phase)", "remote": "\(context.channel.remoteAddress?.description ?? "?")"])
        context.close(promise: nil)
    }
}
