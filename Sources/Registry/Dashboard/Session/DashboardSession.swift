import Crypto
import FleetCore
import HTTPTypes
import Hummingbird

/// The dashboard's login session: a short-lived admin token of its own, carried in an HttpOnly cookie.
///
/// Why a token of its own rather than the operator's: the token an operator types in never reaches a
/// cookie jar, a session ends on the server (logout revokes it, it expires after `lifetimeSeconds`), and
/// being an ordinary token row it works on every replica, shows in `fleetctl tokens ls` as
/// `ui session: LABEL [tok_…]`, and ends when the token it was made from is revoked (`TokenRoutes`).
struct DashboardSession: Sendable {
    static let cookieName = "modelfleet_session"
    /// Eight hours: a working day, after which the operator logs in again.
    static let lifetimeSeconds: Int64 = 8 * 3600
    static let labelPrefix = "ui session: "

    /// The session token (the cookie's value).
    let token: String

    /// Proves a form was rendered by the dashboard for this session: a page embeds it, a state-changing
    /// request must send it back. Derived, not stored, so any replica can check it; a third-party page
    /// cannot compute it because the cookie it derives from is HttpOnly and never readable to scripts.
    var csrfToken: String {
        Digest.of(Array("modelfleet-dashboard-csrf\u{0}\(token)".utf8)).hex
    }

    /// True when `candidate` is this session's CSRF token (compared in constant time).
    func accepts(csrf candidate: String?) -> Bool {
        guard let candidate else { return false }
        let expected = Array(csrfToken.utf8)
        let given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The session named by the request's cookie, if it carries one.
    init?(request: Request) {
        guard let value = Self.cookie(named: Self.cookieName, in: request.headers[values: .cookie]), !value.isEmpty else { return nil }
        token = value
    }

    init(token: String) { self.token = token }

    /// The `Set-Cookie` value that starts the session. `secure`: the registry serves TLS (a browser then
    /// never sends the cookie over plain HTTP).
    func cookie(maxAge: Int64, secure: Bool) -> String {
        "\(Self.cookieName)=\(token); Path=/ui; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The `Set-Cookie` value that deletes the cookie.
    static func expiredCookie(secure: Bool) -> String {
        "\(cookieName)=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The label of the session token made from `parent` (what `tokens ls` shows and the revocation cascade matches).
    static func label(madeFrom parent: TokenRecord) -> String { "\(labelPrefix)\(parent.label) [\(parent.id)]" }

    /// True for a session token made from the token `parentID`.
    static func isSession(_ record: TokenRecord, madeFrom parentID: String) -> Bool {
        record.kind == .admin && record.label.hasPrefix(labelPrefix) && record.label.hasSuffix("[\(parentID)]")
    }

    /// A cookie's value among `Cookie` header lines (`a=1; b=2`), per RFC 6265 §5.4.
    static func cookie(named name: String, in headers: [String]) -> String? {
        for line in headers {
            for pair in line.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
            }
        }
        return nil
    }
}
