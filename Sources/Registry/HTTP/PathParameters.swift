import Foundation
import Hummingbird

extension RegistryContext {
    /// The path parameter `name`, percent-decoded exactly once. Hummingbird's router matches and hands
    /// over the raw path, so `sha256%3A…` would otherwise reach a route as the nine characters `sha256%3A`;
    /// decoding here, once, means `%253A` stays the text `%3A` and never becomes a colon.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw RegistryError.badRequest("path parameter '\(name)' is not valid percent-encoded UTF-8: '\(raw)'")
        }
        return decoded
    }
}
