/// `/healthz` and `/metrics`: what monitoring asks, answered as text.
extension RegistryClient {
    /// True when the registry and its database answer (`/healthz` needs no token).
    public func isHealthy() async throws -> Bool {
        try await send("GET", "/healthz", expected: [200, 500, 503]).status == 200
    }

    /// Prometheus text format (read scope).
    public func metrics() async throws -> String {
        try await send("GET", "/metrics").text
    }
}
