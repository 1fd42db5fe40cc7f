import FleetCore
import Testing

@testable import Registry

/// The dashboard's building blocks that decide what reaches a browser as markup.
@Suite struct HTMLTests {
    @Test func interpolatedTextIsEscapedAndHTMLIsNot() {
        let label = #"<img src=x onerror="alert('1')">&"#
        let cell: HTML = "<td>\(label)</td>"
        #expect(cell.description == "<td>&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</td>")
        let row: HTML = "<tr>\(cell)</tr>"
        #expect(row.description == "<tr>" + cell.description + "</tr>")
        let missing: String? = nil
        #expect(("<p>\(missing, default: "none")</p>" as HTML).description == "<p>none</p>")
    }

    @Test func formBodiesDecodeAsBrowsersEncode() throws {
        let form = try FormBody(parsing: "token=mfa_a%2Bb+c&csrf=%E2%9C%93&empty=&token=second")
        #expect(form["token"] == "mfa_a+b c")
        #expect(form["csrf"] == "✓")
        #expect(form["empty"] == "")
        #expect(form["missing"] == nil)
        #expect(throws: RegistryError.self) { try FormBody(parsing: "token=%zz") }
        #expect(throws: RegistryError.self) { try FormBody(parsing: "token=%FF") }
    }

    @Test func sessionCookiesAreFoundAmongOthers() {
        #expect(DashboardSession.cookie(named: "modelfleet_session", in: ["a=1; modelfleet_session=mfa_x; b=2"]) == "mfa_x")
        #expect(DashboardSession.cookie(named: "modelfleet_session", in: ["xmodelfleet_session=1", "modelfleet_session=y"]) == "y")
        #expect(DashboardSession.cookie(named: "modelfleet_session", in: ["other=1"]) == nil)
        let session = DashboardSession(token: "mfa_secret")
        #expect(session.accepts(csrf: session.csrfToken))
        #expect(!session.accepts(csrf: DashboardSession(token: "mfa_other").csrfToken))
        #expect(!session.accepts(csrf: nil))
    }

    @Test func urlComponentsArePercentEncoded() {
        #expect(PathEscaping.escape("a b/c?d=e&f") == "a%20b%2Fc%3Fd%3De%26f")
        #expect(PathEscaping.escape("dev_01-x.y~z") == "dev_01-x.y~z")
    }
}
