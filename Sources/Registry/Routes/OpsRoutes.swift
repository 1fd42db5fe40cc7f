import Hummingbird

/// `/healthz` (no token) and `/metrics` (Prometheus text, `read` scope).
struct OpsRoutes {
    let store: any MetadataStore
    let metrics: RegistryMetrics

    func register(on router: RouteTable) {
        router.get("/healthz") { _, _ in
            _ = try await store.chunkCount()  // the database answers, or this is a 500
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/metrics") { _, context in
            try context.require(.read)
            metrics.chunksStoredGauge(try await store.chunkCount())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.prometheus.emitToBuffer()))
            )
        }
    }
}
