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
}
