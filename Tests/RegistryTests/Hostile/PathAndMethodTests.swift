import FleetCore
import FleetHTTP
import TestSupport
import Testing

/// Path parameters are percent-decoded exactly once, and a known path asked with a method it does not
/// serve is a 405 that says which methods it does serve.
@Suite struct PathAndMethodTests {
    @Test func percentEncodedPathParametersAreDecodedOnce() async throws {
        let registry = try await RegistryHarness.start()
        let bytes = [UInt8](repeating: 3, count: 1000)
        let digest = Digest.of(bytes)
        try await registry.admin.putChunk(digest, codec: .identity, length: bytes.count, stored: bytes)
        let encoded = "\(digest)".replacingOccurrences(of: ":", with: "%3A")
        let response = try await registry.raw("GET", "/v1/chunks/\(encoded)", token: registry.adminToken)
        #expect(response.status == 200)
        #expect(response.body == bytes)
        // Decoded once: "%253A" is the three characters "%3A", not a colon.
        let twice = try await registry.raw("GET", "/v1/chunks/\("\(digest)".replacingOccurrences(of: ":", with: "%253A"))", token: registry.adminToken)
        #expect(twice.status == 400)
    }

    @Test func badPercentEncodingIs400NamingTheParameter() async throws {
        let registry = try await RegistryHarness.start()
        let response = try await registry.raw("GET", "/v1/models/bad%C3%28name/versions", token: registry.adminToken)
        #expect(response.status == 400)
        #expect(RegistryClient.failure(response).message == "path parameter 'name' is not valid percent-encoded UTF-8: 'bad%C3%28name'")
    }

    @Test func unknownMethodsOnKnownPathsAre405WithAllow() async throws {
        let registry = try await RegistryHarness.start()
        let trace = try await registry.raw("TRACE", "/healthz", token: nil)
        #expect(trace.status == 405)
        #expect(trace[header: "allow"] == "GET")
        #expect(RegistryClient.failure(trace).code == "method_not_allowed")
        #expect(RegistryClient.failure(trace).message == "TRACE is not allowed on /healthz; allowed: GET")

        let chunk = try await registry.raw("DELETE", "/v1/chunks/\(Digest.of([1]))", token: registry.adminToken)
        #expect(chunk.status == 405)
        #expect(chunk[header: "allow"] == "GET, HEAD, PUT")

        let models = try await registry.raw("POST", "/v1/models", token: registry.adminToken)
        #expect(models.status == 405)
        #expect(models[header: "allow"] == "GET")

        // A path nothing serves stays a 404.
        let nowhere = try await registry.raw("TRACE", "/v1/nothing-here", token: registry.adminToken)
        #expect(nowhere.status == 404)
    }

    /// `/v1/chunks/missing` and `/v1/devices/enroll` are also shaped like `/v1/chunks/{digest}` and
    /// `/v1/devices/{id}`, but the router takes the literal segment and never falls back to the parameter
    /// (as OpenAPI says: concrete paths before templated ones). So they serve POST only, and any other method
    /// is a 405 that says so, not the router's bare 404 (found by schemathesis: PUT /v1/chunks/missing was 404,
    /// OPTIONS /v1/devices/enroll advertised DELETE and GET).
    @Test func aLiteralPathShapedLikeAParameterOneAllowsOnlyItsOwnMethods() async throws {
        let registry = try await RegistryHarness.start()
        for (method, path) in [("PUT", "/v1/chunks/missing"), ("GET", "/v1/chunks/missing"), ("GET", "/v1/devices/enroll"), ("OPTIONS", "/v1/devices/enroll")] {
            let response = try await registry.raw(method, path, token: registry.adminToken)
            #expect(response.status == 405, "\(method) \(path)")
            #expect(response[header: "allow"] == "POST", "\(method) \(path)")
            #expect(RegistryClient.failure(response).code == "method_not_allowed", "\(method) \(path)")
        }
        // The parameter routes still serve every other segment.
        let device = try await registry.raw("GET", "/v1/devices/abc", token: registry.adminToken)
        #expect(device.status == 404)
        #expect(RegistryClient.failure(device).code == "not_found")
        let chunk = try await registry.raw("PATCH", "/v1/chunks/\(Digest.of([1]))", token: registry.adminToken)
        #expect(chunk[header: "allow"] == "GET, HEAD, PUT")
        // Below a literal segment the parameter routes are not reached at all: nothing serves this path.
        let below = try await registry.raw("PATCH", "/v1/devices/enroll/events", token: registry.adminToken)
        #expect(below.status == 404)
    }
}
