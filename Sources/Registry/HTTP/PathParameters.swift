import Foundation
import Hummingbird

extension RegistryContext {
    /// The path parameter `name`, percent-decoded exactly once. Hummingbird's router matches and hands
    /// over the raw path, so `sha256%3A…` would otherwise reach a route as the nine characters `sha256%3A`;
    /// decoding here, once, means `%253A` stays the text `%3A` and never becomes a colon.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        // Nearly every request names its device or chunk without escapes; Foundation's decoding costs
        // 3-5% of a check-in or chunk GET (perf), so it runs only when there is something to decode.
        guard raw.utf8.contains(UInt8(ascii: "%")) else { return raw }
        guard let decoded = raw.removingPercentEncoding else {
            throw RegistryError.badRequest("path parameter '\(name)' is not valid percent-encoded UTF-8: '\(raw)'")
        }
        return decoded
    }
}
