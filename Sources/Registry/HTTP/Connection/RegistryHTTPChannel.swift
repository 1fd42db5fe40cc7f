import HummingbirdCore
import Logging

extension HTTPServerBuilder {
    /// HTTP/1.1 for the registry: JSON answers to unparseable requests and the header size limit, on every connection.
    static func registry(limits: RegistryConfiguration.Limits, logger: Logger) -> HTTPServerBuilder {
        let maxHeaderBytes = limits.maxHeaderBytes
        return .http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [ParseErrorResponder(maxHeaderBytes: maxHeaderBytes)],
                httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes)
            ))
    }
}
