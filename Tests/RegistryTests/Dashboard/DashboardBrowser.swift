import FleetHTTP
import TestSupport

/// What a browser does on the dashboard, over real HTTP: keeps the session cookie, posts forms, and
/// does not follow redirects (the tests check where they point).
struct DashboardBrowser {
    let registry: RegistryHarness
    /// The `modelfleet_session` value the registry last set (nil: logged out, or never logged in).
    var session: String?

    init(_ registry: RegistryHarness, session: String? = nil) {
        self.registry = registry
        self.session = session
    }

    func get(_ path: String) async throws -> HTTPResponse {
        try await registry.raw("GET", path, token: nil, headers: cookieHeader)
    }

    /// Posts `fields` form-encoded.
    func post(_ path: String, _ fields: [(String, String)], contentType: String = "application/x-www-form-urlencoded") async throws -> HTTPResponse {
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await registry.raw("POST", path, token: nil, headers: cookieHeader + [("Content-Type", contentType)], body: Array(body.utf8))
    }

    /// Logs in with `token`; keeps the cookie the answer sets.
    @discardableResult
    mutating func login(_ token: String) async throws -> HTTPResponse {
        let answer = try await post("/ui/login", [("token", token)])
        if let cookie = answer[header: "set-cookie"], let value = Self.cookieValue(cookie) { session = value.isEmpty ? nil : value }
        return answer
    }

    /// The CSRF token a page embeds in its forms.
    static func csrf(in page: HTTPResponse) -> String? {
        let text = page.text
        guard let start = text.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(text[start.upperBound...].prefix { $0 != "\"" })
    }

    static func cookieValue(_ setCookie: String) -> String? {
        guard setCookie.hasPrefix("modelfleet_session=") else { return nil }
        return String(setCookie.dropFirst("modelfleet_session=".count).prefix { $0 != ";" })
    }

    private var cookieHeader: [(name: String, value: String)] { session.map { [("Cookie", "modelfleet_session=\($0)")] } ?? [] }

    private static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded
            }
        }
        return out
    }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
