import NIOPosix

/// CPU-heavy request work (decoding a 100k-digest query, hashing a chunk) runs on NIO's blocking
/// thread pool, not on the Swift concurrency pool that runs every request handler.
///
/// On a 2-core server the cooperative pool has 2 threads: two requests that each compute for a
/// second there would hold every other request, `/healthz` included, for that second. Work handed to
/// this pool leaves the handlers' threads free; SQLite work already runs on GRDB's own queues.
enum OffloadedWork {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
