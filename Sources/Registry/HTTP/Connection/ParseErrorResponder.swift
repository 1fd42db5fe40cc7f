import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Turns what NIO's HTTP parser refuses (non-ASCII bytes in the path, control characters in a header,
/// headers over the limit) into the API's JSON error before the connection closes. Left alone,
/// Hummingbird answers these with a bare 400 and an empty body, which clients cannot tell from a proxy's.
///
/// Only between requests: if a request is already being answered, its route owns the response and
/// Hummingbird's own handling (close the connection) applies.
final class ParseErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let maxHeaderBytes: Int
    /// Requests whose head was read and whose response has not ended yet.
    private var requestsInProgress = 0

    init(maxHeaderBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requestsInProgress += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { requestsInProgress -= 1 }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError, requestsInProgress == 0 else {
            context.fireErrorCaught(error)
            return
        }
        Self.refusal(error, maxHeaderBytes: maxHeaderBytes).writeAndClose(on: context)
    }

    /// What the client hears: the part of the request that broke the parse, and how to fix it.
    static func refusal(_ error: HTTPParserError, maxHeaderBytes: Int) -> RegistryError {
        switch error {
        case .headerOverflow:
            return RegistryError(
                status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "headers_too_large",
                message: "the request's headers are over the limit of \(maxHeaderBytes) bytes")
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort, .invalidMethod, .invalidVersion:
            return .badRequest(
                "malformed HTTP request: the request line holds a byte HTTP does not allow there (percent-encode non-ASCII and control characters)")
        case .invalidHeaderToken, .invalidCharactersUsed:
            return .badRequest("malformed HTTP request: a header holds a character HTTP does not allow")
        case .invalidContentLength, .unexpectedContentLength:
            return .badRequest("malformed HTTP request: the Content-Length header is not a single whole number")
        default:
            return .badRequest("malformed HTTP request: \(error)")
        }
    }
}
