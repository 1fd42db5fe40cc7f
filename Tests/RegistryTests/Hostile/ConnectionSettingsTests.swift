import Registry
import Testing

/// The connection settings are read like every other: file, then environment, then flags, checked.
@Suite struct ConnectionSettingsTests {
    @Test func fileEnvironmentAndFlagsSetTheDeadlinesAndLimits() throws {
        var configuration = RegistryConfiguration()
        try configuration.apply(
            yaml: "http:\n  header_timeout_seconds: 2.5\n  max_connections: 40\nlimits:\n  max_header_bytes: 8192\n", source: "registry.yaml")
        try configuration.apply(environment: ["MODELFLEET_HTTP_BODY_TIMEOUT_SECONDS": "7", "MODELFLEET_HTTP_MAX_CONNECTIONS": "50"])
        try configuration.apply(flags: ["http.idle_timeout_seconds": "0.5", "http.max_connections": nil])
        #expect(configuration.connections.headerTimeoutSeconds == 2.5)
        #expect(configuration.connections.bodyTimeoutSeconds == 7)
        #expect(configuration.connections.idleTimeoutSeconds == 0.5)
        #expect(configuration.connections.maxConnections == 50)
        #expect(configuration.limits.maxHeaderBytes == 8192)
    }

    @Test(arguments: ["0", "-1", "soon", "100000", "nan"])
    func badTimeoutsAreRefusedNamingTheSetting(value: String) {
        var configuration = RegistryConfiguration()
        #expect {
            try configuration.apply(environment: ["MODELFLEET_HTTP_IDLE_TIMEOUT_SECONDS": value])
        } throws: { error in
            "\(error)" == "http.idle_timeout_seconds must be a number of seconds above 0 and at most 86400, got '\(value)'"
        }
    }
}
