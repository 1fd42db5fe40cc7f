import FleetCore
import Testing

/// Ids and query values reach the registry as one path segment or value, whatever they hold.
@Suite struct PathEscapingTests {
    @Test func unreservedCharactersPassAndTheRestIsPercentEncoded() {
        #expect(PathEscaping.escape("digits-mlp_1.0~x") == "digits-mlp_1.0~x")
        #expect(PathEscaping.escape("a b/c?d&e=f") == "a%20b%2Fc%3Fd%26e%3Df")
        #expect(PathEscaping.escape("2026-12-07T03:00:00Z") == "2026-12-07T03%3A00%3A00Z")
        #expect(PathEscaping.escape("é") == "%C3%A9")
    }

    @Test func queryKeepsThePresentPairsInOrder() {
        #expect(PathEscaping.query([("select", "site=eu,type=camera"), ("state", nil)]) == "?select=site%3Deu%2Ctype%3Dcamera")
        #expect(PathEscaping.query([("select", nil), ("state", "ok")]) == "?state=ok")
        #expect(PathEscaping.query([("since", nil)]) == "")
    }
}
