import CoreMetrics
import Hummingbird
public import Prometheus
import Synchronization

/// The registry's Prometheus metrics, through swift-metrics with a per-server factory (no global
/// bootstrap, so several servers can live in one process, as in tests).
public final class RegistryMetrics: Sendable {
    public let prometheus = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let seenDevices = Mutex<Set<String>>([])
    private let requestCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let servedBytes: CoreMetrics.Counter
    private let checkins: CoreMetrics.Counter

    public init() {
        factory = PrometheusMetricsFactory(registry: prometheus)
        servedBytes = Counter(label: "modelfleet_chunk_bytes_served_total", factory: factory)
        checkins = Counter(label: "modelfleet_device_checkins_total", factory: factory)
    }

    /// Counters per route, method and status are made once and reused: making one takes the
    /// Prometheus registry's lock and builds label strings.
    func request(route: String, method: String, status: Int) {
        let key = "\(route) \(method) \(status)"
        let counter = requestCounters.withLock { counters in
            if let existing = counters[key] { return existing }
            let made = Counter(
                label: "modelfleet_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            counters[key] = made
            return made
        }
        counter.increment()
    }

    func chunkServed(bytes: Int) {
        servedBytes.increment(by: bytes)
    }

    func chunkStored(bytes: Int) {
        Counter(label: "modelfleet_chunk_uploads_total", factory: factory).increment()
        Counter(label: "modelfleet_chunk_bytes_received_total", factory: factory).increment(by: bytes)
    }

    /// Chunks whose stored bytes failed verification (on a read or a scrub) and were quarantined.
    func chunkQuarantined() {
        Counter(label: "modelfleet_chunks_quarantined_total", factory: factory).increment()
    }

    func chunksStoredGauge(_ count: Int) {
        Gauge(label: "modelfleet_chunks_stored", factory: factory).record(count)
    }

    func deviceEnrolled() {
        Counter(label: "modelfleet_devices_enrolled_total", factory: factory).increment()
    }

    func deviceSeen(_ id: String) {
        checkins.increment()
        let (count, isNew) = seenDevices.withLock { seen in
            let inserted = seen.insert(id).inserted
            return (seen.count, inserted)
        }
        if isNew { Gauge(label: "modelfleet_devices_seen", factory: factory).record(count) }
    }
}

/// Counts every request by matched route and final status, errors included.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = RegistryContext
    let metrics: RegistryMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: error.status.code)
            throw error
        } catch {
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: 500)
            throw error
        }
    }
}
