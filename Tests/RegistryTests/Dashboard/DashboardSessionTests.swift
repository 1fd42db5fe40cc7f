import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// The dashboard's login, session cookie, CSRF and logout over real HTTP against a real registry.
@Suite struct DashboardSessionTests {
    @Test func pagesNeedALoginAndTheLoginMakesAStrictHttpOnlySession() async throws {
        let registry = try await RegistryHarness.start()
        var browser = DashboardBrowser(registry)
        let anonymous = try await browser.get("/ui/")
        #expect(anonymous.status == 303 && anonymous[header: "location"] == "/ui/login")

        let wrong = try await browser.login("mfa_not-a-token")
        #expect(wrong.status == 401)
        #expect(wrong.text.contains("id=\"login-error\">unknown token</p>"))
        #expect(wrong[header: "set-cookie"] == nil && browser.session == nil)

        let login = try await browser.login(registry.adminToken + "\n")  // pasted with the file's newline
        #expect(login.status == 303 && login[header: "location"] == "/ui/")
        let cookie = try #require(login[header: "set-cookie"])
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui", "Max-Age=28800"] { #expect(cookie.contains(attribute), "\(cookie)") }
        #expect(!cookie.contains("Secure"), "plain HTTP on loopback: a Secure cookie would never be sent back")
        // The typed token is not what the cookie carries: the session has a token of its own.
        #expect(browser.session != nil && browser.session != registry.adminToken)

        for (path, heading) in [
            ("/ui/", "Fleet"), ("/ui/rollouts", "Rollouts"), ("/ui/devices", "Devices"), ("/ui/models", "Models"), ("/ui/audit", "Audit log")
        ] {
            let page = try await browser.get(path)
            #expect(page.status == 200, "\(path): \(page.status)")
            #expect(page[header: "content-type"] == "text/html; charset=utf-8")
            #expect(page.text.contains("<h1>\(heading)</h1>"), "\(path)")
            #expect(page[header: "content-security-policy"]?.contains("script-src 'self'") == true)
            #expect(page[header: "cache-control"] == "no-store")
        }
        // The session is an ordinary, expiring token an operator can list and revoke.
        let tokens = try JSONDecoder().decode(TokenList.self, from: Data(try await registry.admin.send("GET", "/v1/tokens").body)).tokens
        let session = try #require(tokens.first { $0.label.hasPrefix("ui session: admin.token [tok_") })
        let expiry = try #require(session.expiresAt)
        #expect(expiry.secondsSinceEpoch - session.createdAt.secondsSinceEpoch == 8 * 3600)
        #expect(try await registry.admin.send("GET", "/v1/audit").text.contains("\"action\":\"ui.login\""))
    }

    @Test func logoutEndsTheSessionOnTheServer() async throws {
        let registry = try await RegistryHarness.start()
        var browser = DashboardBrowser(registry)
        try await browser.login(registry.adminToken)
        let stolen = browser.session
        let page = try await browser.get("/ui/")
        let csrf = try #require(DashboardBrowser.csrf(in: page))

        let out = try await browser.post("/ui/logout", [("csrf", csrf)])
        #expect(out.status == 303 && out[header: "location"] == "/ui/login?after=logout")
        #expect(out[header: "set-cookie"]?.contains("Max-Age=0") == true)
        // A copy of the cookie kept elsewhere is worthless: the session token was revoked.
        let replay = try await DashboardBrowser(registry, session: stolen).get("/ui/")
        #expect(replay.status == 303 && replay[header: "location"] == "/ui/login?after=expired")
        #expect(try await DashboardBrowser(registry).get("/ui/login?after=logout").text.contains("You are logged out."))
    }

    @Test func revokingATokenEndsTheSessionsMadeFromIt() async throws {
        let registry = try await RegistryHarness.start()
        let ops = try await Self.createToken(registry, #"{"label":"ops","scopes":["fleet","read"]}"#)
        var browser = DashboardBrowser(registry)
        try await browser.login(ops.token)
        #expect(try await browser.get("/ui/").status == 200)
        let opsID = try #require(ops.id)
        #expect(try await registry.admin.send("DELETE", "/v1/tokens/\(opsID)").status == 200)
        let after = try await browser.get("/ui/")
        #expect(after.status == 303 && after[header: "location"] == "/ui/login?after=expired")
        let audit = try await registry.admin.send("GET", "/v1/audit").text
        #expect(audit.contains("session of revoked \(opsID)"))
    }

    @Test func aTokenWithoutTheScopeSeesAForbiddenPage() async throws {
        let registry = try await RegistryHarness.start()
        let publishOnly = try await Self.createToken(registry, #"{"label":"ci","scopes":["publish"]}"#)
        var browser = DashboardBrowser(registry)
        try await browser.login(publishOnly.token)
        let page = try await browser.get("/ui/")
        #expect(page.status == 403)
        #expect(page[header: "content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("this token lacks the &#39;fleet&#39; scope"))
        // Device and enrollment tokens cannot log in at all.
        let enroll = try await DashboardBrowser(registry).post("/ui/login", [("token", registry.enrollToken)])
        #expect(enroll.status == 401)
        #expect(enroll.text.contains("an enrollment token cannot log in: use an admin token"))
    }

    @Test func refusedLoginsCountTowardTheFailedAuthenticationLimit() async throws {
        let registry = try await RegistryHarness.start { $0.limits.authFailuresPerMinute = 2 }
        var browser = DashboardBrowser(registry)
        for _ in 1...2 { #expect(try await browser.login("mfa_guess").status == 401) }
        let held = try await browser.login(registry.adminToken)
        #expect(held.status == 429)
        #expect(held[header: "content-type"] == "text/html; charset=utf-8")
        #expect(held.text.contains("too many failed authentications from 127.0.0.1"))
        #expect(held[header: "retry-after"] != nil && browser.session == nil)
    }

    @Test func formsAreFormEncodedAndBounded() async throws {
        let registry = try await RegistryHarness.start()
        let browser = DashboardBrowser(registry)
        let json = try await browser.post("/ui/login", [("token", "x")], contentType: "application/json")
        #expect(json.status == 415 && json.text.contains("dashboard forms are application/x-www-form-urlencoded"))
        let huge = try await browser.post("/ui/login", [("token", String(repeating: "a", count: 20_000))])
        #expect(huge.status == 413)
        let unknown = try await browser.get("/ui/static/nothing.css")
        #expect(unknown.status == 404)
    }

    static func createToken(_ registry: RegistryHarness, _ body: String) async throws -> CreatedToken {
        let created = try await registry.admin.send(
            "POST", "/v1/tokens", headers: [("Content-Type", "application/json")], body: Array(body.utf8), expected: [201])
        return try JSONDecoder().decode(CreatedToken.self, from: Data(created.body))
    }
}
