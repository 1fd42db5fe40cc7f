import Foundation
import Registry
import TestSupport
import Testing
import Yams

@Suite struct OpenAPITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every route the router serves is documented in docs/openapi.yaml, and nothing documented is missing from the router.
    @Test func documentMatchesTheRouter() async throws {
        let registry = try await RegistryHarness.start()
        let routes = Set(registry.server.routes().table.routes)
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "put", "post", "delete", "head", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(routes.count > 15)
        #expect(routes.subtracting(documented).isEmpty, "undocumented: \(routes.subtracting(documented).sorted())")
        #expect(documented.subtracting(routes).isEmpty, "documented but not served: \(documented.subtracting(routes).sorted())")
    }
}

@Suite struct ConfigurationTests {
    @Test func theShippedFileHoldsTheEmbeddedDefaults() throws {
        let file = OpenAPITests.repository.appendingPathComponent("server-config/registry.yaml").path
        #expect(try RegistryConfiguration.load(file: file, environment: [:]) == RegistryConfiguration())
    }

    @Test func environmentOverridesTheFile() throws {
        var configuration = RegistryConfiguration()
        try configuration.apply(yaml: "http:\n  bind: 0.0.0.0:9000\nlimits:\n  max_manifest_bytes: 1000\n", source: "test.yaml")
        try configuration.apply(environment: ["MODELFLEET_HTTP_BIND": "127.0.0.1:9999", "MODELFLEET_STORAGE_DATA_DIR": "/srv/fleet"])
        #expect(configuration.bind == "127.0.0.1:9999")
        #expect(configuration.dataDirectory == "/srv/fleet")
        #expect(configuration.limits.maxManifestBytes == 1000)
    }

    @Test func unknownKeysAndBadValuesAreErrorsNamingThem() {
        var configuration = RegistryConfiguration()
        #expect {
            try configuration.apply(yaml: "http:\n  bnid: 1\n", source: "registry.yaml")
        } throws: { error in
            "\(error)".hasPrefix("registry.yaml:2: unknown setting 'http.bnid' (known: cache.chunk_memory_bytes, devices.checkin_interval_seconds, http.bind,")
        }
        #expect {
            try configuration.apply(yaml: "http:\n  bind: 127.0.0.1:1\nlimits:\n  max_chunk_bytes: lots\n", source: "registry.yaml")
        } throws: { error in
            "\(error)" == "registry.yaml:4: limits.max_chunk_bytes must be a positive integer, got 'lots'"
        }
        #expect {
            try configuration.apply(environment: ["MODELFLEET_LIMITS_MAX_CHUNK_BYTES": "lots"])
        } throws: { error in
            "\(error)" == "limits.max_chunk_bytes must be a positive integer, got 'lots'"
        }
    }
}
