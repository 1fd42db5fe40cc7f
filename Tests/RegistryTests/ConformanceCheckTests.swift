import FleetCore
import Testing

@testable import FleetHTTP

/// The conformance check itself must be able to fail: answers that break the document in each way it
/// looks for are reported, naming what is wrong. (Without this, a check that silently passed everything
/// would make `OpenAPIConformanceTests` pass too.)
@Suite struct ConformanceCheckTests {
    let document: OpenAPIDocument
    static let json = ["content-type": "application/json"]

    init() throws {
        document = try OpenAPIDocument.load()
    }

    func violations(_ method: String, _ path: String, _ status: Int, _ body: String, headers: [String: String] = json) -> [String] {
        let check = ConformanceCheck(document: document)
        check.check(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), to: method, path)
        return check.violations
    }

    @Test func aConformingAnswerPasses() {
        #expect(violations("POST", "/v1/devices/enroll", 201, #"{"deviceID": "d", "token": "mfd_x"}"#) == [])
        #expect(violations("GET", "/v1/devices/d", 404, #"{"error": {"code": "not_found", "message": "no"}}"#) == [])
        #expect(violations("GET", "/healthz", 200, "ok", headers: ["content-type": "text/plain"]) == [])
    }

    @Test func eachWayOfBreakingTheDocumentIsReported() {
        let label = "POST /v1/devices/enroll"
        #expect(violations("POST", "/v1/devices/enroll", 201, #"{"deviceID": "d"}"#) == ["\(label) → 201: $: missing required token"])
        #expect(violations("POST", "/v1/devices/enroll", 201, #"{"deviceID": 7, "token": "mfd_x"}"#) == ["\(label) → 201: $.deviceID: expected string, got 7"])
        #expect(
            violations("POST", "/v1/devices/enroll", 201, #"{"deviceID": "d", "token": "mfd_x", "secret": "s"}"#) == [
                "\(label) → 201: $: undeclared member secret"
            ])
        #expect(violations("POST", "/v1/devices/enroll", 201, #"{"deviceID": "d", "token": "mfa_x"}"#).count == 1)
        #expect(violations("POST", "/v1/devices/enroll", 201, "not json").first?.hasPrefix("\(label) → 201: body is not JSON") == true)
        #expect(
            violations("POST", "/v1/devices/enroll", 200, "{}") == [
                "\(label) → 200: status not documented for POST /v1/devices/enroll (documented: [201, 400, 401, 403, 413, 429])"
            ])
        #expect(
            violations("POST", "/v1/devices/enroll", 201, "{}", headers: ["content-type": "text/html"]) == [
                "\(label) → 201: content type 'text/html', documented [\"application/json\"]"
            ])
        #expect(violations("GET", "/v1/chunks/sha256:00", 304, "body") == ["GET /v1/chunks/sha256:00 → 304: a body where the document names none"])
        #expect(violations("PATCH", "/v1/devices", 200, "{}") == ["PATCH /v1/devices → 200: no documented operation"])
    }

    @Test func unexercisedPairsAndStaleExemptionsAreListed() {
        let check = ConformanceCheck(document: document)
        check.check(HTTPResponse(status: 200, headers: ["content-type": "text/plain"], body: Array("ok".utf8)), to: "GET", "/healthz")
        let unexercised = check.unexercised(exempt: ["GET /metrics 429": "a reason", "GET /healthz 200": "seen anyway"])
        #expect(unexercised.contains("GET /metrics 200"))
        #expect(!unexercised.contains("GET /metrics 429"))
        #expect(!unexercised.contains("GET /healthz 200"))
        #expect(unexercised.contains("stale exemption: GET /healthz 200"))
    }
}
