import HTTPTypes
import Hummingbird

/// One dashboard page: its content inside the shared document (head, navigation, logout, footer), and
/// the response that carries it with the headers every page needs.
struct DashboardPage: Sendable {
    /// The navigation's sections, in menu order.
    enum Section: String, CaseIterable, Sendable {
        case fleet, rollouts, devices, models, audit

        var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
        var path: String { self == .fleet ? "/ui/" : "/ui/\(rawValue)" }
    }

    var title: String
    var section: Section?
    /// Nil on pages shown before login (the login form, errors): no navigation, no logout.
    var session: DashboardSession?
    var content: HTML
    /// Seconds between live refreshes (`DashboardScript`); nil: the page does not refresh.
    var refreshSeconds: Int? = 5
    var status: HTTPResponse.Status = .ok

    var document: HTML {
        let navigation: HTML =
            if let session {
                """
                <header><nav aria-label="Main"><a class="brand" href="/ui/">ModelFleet</a><ul>\(Section.allCases.map { item -> HTML in
                    "<li><a href=\"\(item.path)\"\(item == section ? HTML(" aria-current=\"page\"") : "")>\(item.title)</a></li>"
                })</ul>\(DashboardForm.post("/ui/logout", session: session, button: "Log out", style: "secondary"))</nav></header>
                """
            } else {
                "<header><nav aria-label=\"Main\"><a class=\"brand\" href=\"/ui/\">ModelFleet</a></nav></header>"
            }
        let refresh: HTML = refreshSeconds.map { " data-refresh=\"\($0)\"" } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · ModelFleet</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/static/dashboard.css"><script src="/ui/static/dashboard.js" defer></script></head>
            <body>\(navigation)
            <main id="content"\(refresh)>
            \(content)
            </main>
            <footer>ModelFleet registry dashboard · figures as the registry knows them now</footer>
            </body></html>
            """
    }

    var response: Response { DashboardResponse.html(document, status: status) }
}

/// Responses of the dashboard, with the headers that keep its pages out of caches, frames and
/// other origins' scripts.
enum DashboardResponse {
    static func html(_ document: HTML, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: document.description)))
    }

    /// 303 See Other: after a form post, and for pages that need a session.
    static func redirect(to location: String, setCookie: String? = nil) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        if let setCookie { headers[.setCookie] = setCookie }
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "public, max-age=300", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Scripts and styles only from the registry itself, no inline script, no framing, no caching of pages
    /// that show fleet data.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .cacheControl: "no-store",
        .xContentTypeOptions: "nosniff",
        .init("X-Frame-Options")!: "DENY",
        .init("Referrer-Policy")!: "same-origin"
    ]
}
