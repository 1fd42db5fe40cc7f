import FleetCore
import FleetHTTP
import TestSupport
import Testing

@testable import Registry

/// Storage and services throw `StorageError`; the HTTP layer alone gives it a status and an error code.
@Suite struct StorageErrorStatusTests {
    @Test(arguments: [
        (StorageError.notFound("no rollout r-1"), 404, "not_found"),
        (.conflict("rollout r-1 changed meanwhile"), 409, "conflict"),
        (.missingChunks(digests: [Digest.of([1])], "1 chunk(s) named by the manifest are not uploaded"), 409, "missing_chunks"),
        (.invalid("stages must be increasing"), 400, "bad_request"),
        (.mismatchedDirective("the directive allows m 2.0.0 -> 1.0.0"), 422, "bad_directive"),
        (.unavailable("chunk vanished after insert"), 500, "storage"),
        (.overLimit("a missing-chunks query may name at most 10 digests"), 413, "over_limit"),
        (.full("no space left for the registry's database"), 507, "storage_full"),
        (.corrupt("chunk sha256:… is quarantined"), 503, "corrupt_chunk"),
        (.chunkStoreUnreachable("cannot store chunk sha256:… on the chunk store: connection refused"), 503, "chunk_store_unreachable"),
        (.unreachable("the metadata database postgres://fleet@db:5432/fleet cannot be reached"), 503, "metadata_unreachable")
    ])
    func eachCaseHasItsStatus(error: StorageError, status: Int, code: String) {
        let mapped = RegistryError(error)
        #expect(mapped.status.code == status)
        #expect(mapped.code == code)
        #expect(mapped.message == error.message)
        if case .missingChunks(let digests, _) = error { #expect(mapped.missing == digests) } else { #expect(mapped.missing == nil) }
    }

    /// The store's own refusal (an unknown device) reaches the client as a 404 with the store's message.
    @Test func aStoreErrorReachesTheClientWithItsStatus() async throws {
        let registry = try await RegistryHarness.start()
        await #expect(throws: StorageError.notFound("device d-missing is not enrolled")) {
            try await registry.server.store.setLabels(
                deviceID: "d-missing", labels: ["a": "b"],
                audit: AuditEntry(at: .now(), actor: "test", action: "device.labels", subject: "d-missing", detail: ""))
        }
        let response = try await registry.raw("PUT", "/v1/devices/d-missing/labels", token: registry.adminToken, body: Array(#"{"labels":{"a":"b"}}"#.utf8))
        #expect(response.status == 404)
        let failure = RegistryClient.failure(response)
        #expect((failure.code, failure.message) == ("not_found", "device d-missing is not enrolled"))
    }
}
