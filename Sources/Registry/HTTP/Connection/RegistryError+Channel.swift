import HTTPTypes
import NIOCore
import NIOHTTPTypes

extension RegistryError {
    /// Writes this error as a whole response (JSON body, `Connection: close`) from inside the channel
    /// pipeline, then closes the connection: for what is refused before any route runs (a request NIO
    /// cannot parse, a connection over the limit), so it still gets the API's one error shape.
    func writeAndClose(on context: ChannelHandlerContext) {
        // A two-string struct always encodes; the fallback only keeps this free of `try!`.
        let bytes = (try? body) ?? Array(#"{"error":{"code":"internal","message":"internal error"}}"#.utf8)
        var fields: HTTPFields = [.contentType: "application/json", .contentLength: String(bytes.count), .connection: "close"]
        fields.append(contentsOf: headers)
        context.write(NIOAny(HTTPResponsePart.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(NIOAny(HTTPResponsePart.body(context.channel.allocator.buffer(bytes: bytes))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil)
        context.close(promise: nil)
    }
}
