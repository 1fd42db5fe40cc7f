import FleetCore

/// How the registry's listener is protected, decided once at start from the bind address and the
/// TLS settings: tokens and models must not cross a network in clear unless an operator says so.
public enum ListenerSecurity: Sendable {
    /// TLS with the certificate (and optional client CA) of `tls.*`.
    case tls(ServerTLS)
    /// Plain HTTP on a loopback address: the embedded default, nothing leaves the machine.
    case loopback
    /// Plain HTTP elsewhere, allowed by `--insecure-http` (e.g. behind a TLS-terminating proxy); warned at start.
    case insecure

    /// Checks the settings and loads the certificate; every refusal is one line naming the setting to change.
    public init(_ configuration: RegistryConfiguration) throws {
        let tls = configuration.tls
        switch (tls.certificateFile, tls.keyFile) {
        case (let certificate?, let key?):
            self = .tls(try ServerTLS(files: ServerTLS.Files(certificate: certificate, key: key, clientCA: tls.clientCAFile)))
            return
        case (nil, nil):
            break
        case (_?, nil):
            throw RegistryConfiguration.Invalid(description: "--tls-cert (tls.cert_file) needs --tls-key (tls.key_file), the certificate's private key")
        case (nil, _?):
            throw RegistryConfiguration.Invalid(description: "--tls-key (tls.key_file) needs --tls-cert (tls.cert_file), the certificate it belongs to")
        }
        if tls.clientCAFile != nil {
            throw RegistryConfiguration.Invalid(
                description: "--tls-client-ca (tls.client_ca_file) needs TLS: give --tls-cert and --tls-key too")
        }
        guard let host = configuration.hostAndPort?.host else {
            throw RegistryConfiguration.Invalid(description: "bind address '\(configuration.bind)' must be HOST:PORT")
        }
        guard !LoopbackHost.contains(host) else {
            self = .loopback
            return
        }
        guard configuration.insecureHTTP else {
            throw RegistryConfiguration.Invalid(
                description: "refusing to serve plain HTTP on \(configuration.bind), which is not a loopback address: "
                    + "give --tls-cert and --tls-key, or --insecure-http (http.insecure_http) if a TLS proxy in front of it protects the link")
        }
        self = .insecure
    }

    /// The URL scheme clients use.
    public var scheme: String {
        if case .tls = self { return "https" }
        return "http"
    }
}
