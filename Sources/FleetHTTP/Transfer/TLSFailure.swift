import CCurl
import FleetCore

/// A TLS connection to the registry that could not be trusted or set up, said in one line that names
/// what is wrong and what to change. libcurl reports these as a code plus the TLS library's text in
/// its error buffer ("SSL certificate problem: certificate has expired"); `init?(code:…)` reads both.
///
/// Never retried: a certificate does not become trusted by asking again, and retrying would only
/// hide the cause behind the retry budget.
public struct TLSFailure: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        /// The registry's certificate chains to no CA in the trust store (`--ca`, or the system store).
        case unknownAuthority
        /// The certificate names other hosts than the one in the registry URL.
        case hostMismatch
        case expired
        case notYetValid
        /// The registry asks for a client certificate (mutual TLS) and none was given.
        case clientCertificateRequired
        /// The registry does not accept the client certificate given (another CA, expired…).
        case clientCertificateRejected
        /// The CA file given with `--ca` cannot be read or holds no certificate.
        case unreadableCAFile
        /// The client certificate or key given cannot be loaded, or do not belong together.
        case unusableClientCertificate
        /// A handshake the two sides could not agree on (no common protocol version or cipher, a plain-HTTP server…).
        case handshake
    }

    public var url: String
    public var reason: Reason
    /// What libcurl and the TLS library said.
    public var detail: String
    public var curlCode: Int32

    public var description: String {
        let subject = "the registry's certificate"
        let said = "\(url): \(detail) (curl error \(curlCode))"
        switch reason {
        case .unknownAuthority: return "\(subject) is not trusted (unknown CA): \(said); give the CA that signed it with --ca FILE"
        case .hostMismatch: return "\(subject) does not match host \(LoopbackHost.host(ofURL: url) ?? url): \(said)"
        case .expired: return "\(subject) has expired: \(said); the registry needs a renewed certificate (SIGHUP reloads it)"
        case .notYetValid: return "\(subject) is not valid yet (is this machine's clock right?): \(said)"
        case .clientCertificateRequired:
            return "the registry requires a client certificate (mutual TLS): give --client-cert FILE --client-key FILE: \(said)"
        case .clientCertificateRejected: return "the registry refused this client certificate (not signed by a CA it trusts, or expired): \(said)"
        case .unreadableCAFile: return "cannot use the CA file given with --ca: \(said)"
        case .unusableClientCertificate: return "cannot use the client certificate or key (--client-cert, --client-key): \(said)"
        case .handshake:
            // What OpenSSL says when the other side answers in plain HTTP.
            let hint = detail.contains("wrong version number") ? "; is the registry serving plain http:// there?" : ""
            return "TLS handshake with the registry failed: \(said)\(hint)"
        }
    }

    /// The failure a libcurl result stands for, or nil when it is not about TLS (then it is a
    /// `TransportError`, retried as any network failure).
    init?(code: CURLcode, detail: String, url: String) {
        guard url.lowercased().hasPrefix("https://") else { return nil }
        let text = detail.lowercased()
        let reason: Reason
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            if text.contains("expired") {
                reason = .expired
            } else if text.contains("not yet valid") {
                reason = .notYetValid
            } else if text.contains("host name") || text.contains("hostname") || text.contains("subject name") {
                reason = .hostMismatch
            } else {
                reason = .unknownAuthority
            }
        case CURLE_SSL_CACERT_BADFILE:
            reason = .unreadableCAFile
        case CURLE_SSL_CERTPROBLEM:
            reason = .unusableClientCertificate
        case CURLE_SSL_CONNECT_ERROR, CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            // A TLS 1.3 server refuses a client certificate after the handshake, so the alert can
            // arrive with the first read or write rather than as a connect error.
            if text.contains("certificate required") || (code == CURLE_SSL_CONNECT_ERROR && text.contains("alert handshake failure")) {
                reason = .clientCertificateRequired
            } else if text.contains("alert unknown ca") || text.contains("alert bad certificate") || text.contains("alert certificate unknown")
                || text.contains("alert certificate expired")
            {
                reason = .clientCertificateRejected
            } else if code == CURLE_SSL_CONNECT_ERROR, Self.protocolFailures.contains(where: text.contains) {
                reason = .handshake
            } else {
                // A reset or an end of stream mid-handshake (a registry at its connection limit, a
                // restart) is the network's doing: a `TransportError`, retried.
                return nil
            }
        default:
            return nil
        }
        self.init(url: url, reason: reason, detail: detail, curlCode: Int32(code.rawValue))
    }

    /// What the TLS library says when the two sides cannot agree (as opposed to a dropped connection).
    private static let protocolFailures = ["alert", "wrong version number", "unsupported protocol", "no protocols available", "no shared cipher"]

    public init(url: String, reason: Reason, detail: String, curlCode: Int32) {
        self.url = url
        self.reason = reason
        self.detail = detail
        self.curlCode = curlCode
    }
}
