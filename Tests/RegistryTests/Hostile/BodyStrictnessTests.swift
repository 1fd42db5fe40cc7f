import FleetCore
import FleetHTTP
import TestSupport
import Testing

/// Every JSON body is read as strictly as a manifest, with bounded strings and numbers in range, and
/// every refusal is a 400 naming the field, the term or the limit.
@Suite struct BodyStrictnessTests {
    static let profile = #"{"arch":"aarch64","ramBytes":1,"diskBytes":1,"engineVersion":"1.0.0"}"#

    func failure(_ response: HTTPResponse) -> (status: Int, code: String, message: String) {
        let failure = RegistryClient.failure(response)
        return (response.status, failure.code, failure.message)
    }

    @Test(arguments: [("a%3Db%3Dc", "a=b=c"), ("a%3D%3Db", "a==b"), ("%2C", ""), ("a%3Db%2C%2Cc%3Dd", "")])
    func selectorTermsMustBeKeyEqualsValue(query: String, term: String) async throws {
        let registry = try await RegistryHarness.start()
        let response = try await registry.raw("GET", "/v1/devices?select=\(query)", token: registry.adminToken)
        #expect(failure(response).status == 400)
        #expect(failure(response).message.contains("term '\(term)' is not key=value"), "\(failure(response).message)")
    }

    @Test func assignmentSelectorsAreCheckedTheSameWay() async throws {
        let registry = try await RegistryHarness.start()
        let body = #"{"model":"digits-mlp","selector":"a=b=c"}"#
        let response = try await registry.raw("PUT", "/v1/assignments", token: registry.adminToken, body: Array(body.utf8))
        #expect(
            failure(response) == (
                400, "bad_request",
                "invalid request body: selector: selector 'a=b=c': term 'a=b=c' is not key=value (one '=' between a non-empty key and value)"
            ))
    }

    @Test func overlongStringsAreRefusedNamingTheFieldAndTheLimit() async throws {
        let registry = try await RegistryHarness.start()
        let arch = String(repeating: "x", count: 10_000)
        let enroll = #"{"arch":"\#(arch)","ramBytes":1,"diskBytes":1,"engineVersion":"1.0.0"}"#
        let response = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: Array(enroll.utf8))
        #expect(failure(response) == (400, "bad_request", "invalid request body: arch is 10000 bytes, over the limit of 256 bytes"))

        let key = String(repeating: "k", count: 129)
        let labels = #"{"arch":"a","ramBytes":1,"diskBytes":1,"engineVersion":"1","labels":{"\#(key)":"v"}}"#
        let labelled = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: Array(labels.utf8))
        #expect(
            failure(labelled) == (
                400, "bad_request",
                "invalid request body: labels: a member name of 129 bytes is over the limit of 128 bytes"
            ))
    }

    @Test func wholeNumbersOutOfRangeNameTheFieldAndTheRange() async throws {
        let registry = try await RegistryHarness.start()
        let body = #"{"arch":"aarch64","ramBytes":1e30,"diskBytes":1,"engineVersion":"1.0.0"}"#
        let response = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: Array(body.utf8))
        #expect(failure(response) == (400, "bad_request", "invalid request body: ramBytes must be a whole number from 0 to 9223372036854775807, got 1e+30"))
        let negative = #"{"arch":"aarch64","ramBytes":1,"diskBytes":-5,"engineVersion":"1.0.0"}"#
        let refused = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: Array(negative.utf8))
        #expect(failure(refused) == (400, "bad_request", "invalid request body: diskBytes must be a whole number from 0 to 9223372036854775807, got -5"))
    }

    @Test func duplicateKeysAndByteOrderMarksAreRefusedOnEveryBody() async throws {
        let registry = try await RegistryHarness.start()
        let duplicate = #"{"arch":"a","arch":"b","ramBytes":1,"diskBytes":1,"engineVersion":"1"}"#
        let response = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: Array(duplicate.utf8))
        #expect(failure(response) == (400, "bad_request", #"malformed JSON: duplicate member "arch" at byte 12"#))

        let marked = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: [0xEF, 0xBB, 0xBF] + Array(Self.profile.utf8))
        #expect(failure(marked) == (400, "bad_request", "malformed JSON: unexpected character '0xef' at byte 0"))
        // Nothing was enrolled by either.
        #expect(try await registry.admin.devices().value.devices.isEmpty)
    }
}
