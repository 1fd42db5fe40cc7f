import FleetCore

/// The registry's base URL as the agent accepts it: `https://` with a host, or `http://` on loopback
/// (or anywhere, when the operator allowed plain HTTP with `--insecure-http`).
///
/// libcurl also speaks `file://`, `ftp://`, `gopher://` and more; a registry URL of
/// `file:///etc/…` would make the agent "download" local files, so anything else is refused with
/// a clear error before the first transfer.
public enum RegistryAddress {
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// Throws `Refused` unless `url` is an http(s) URL with a host, and plain `http://` stays on
    /// loopback unless `allowInsecureHTTP`: the device token and the models would cross the network in clear.
    public static func check(_ url: String, allowInsecureHTTP: Bool) throws(Refused) {
        let lowered = url.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else {
            throw Refused(description: "the registry URL '\(url)' must start with http:// or https:// (other schemes such as file:// are refused)")
        }
        let host = lowered.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !host.isEmpty, !url.contains(where: { $0 == " " || $0.isNewline }) else {
            throw Refused(description: "the registry URL '\(url)' has no host (expected e.g. https://registry.example:8080)")
        }
        if scheme == "http://", !allowInsecureHTTP, !LoopbackHost.contains(LoopbackHost.host(ofURL: url) ?? "") {
            throw Refused(
                description: "refusing the plain-http registry '\(url)', which is not on loopback: use https:// "
                    + "(with --ca FILE if a private CA signed its certificate), or --insecure-http (insecure_http: true) to send tokens in clear")
        }
    }
}
