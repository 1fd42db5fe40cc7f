import CoreMetrics
import Hummingbird
import Prometheus
import Synchronization

/// The registry's Prometheus metrics, through swift-metrics with a per-server factory (no global
/// bootstrap, so several servers can live in one process, as in tests).
public final class RegistryMetrics: Sendable {
    public let prometheus = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let seenDevices = Mutex<Set<String>>([])

    public init() {
        factory = PrometheusMetricsFactory(registry: prometheus)
    }

    func request(route: String, method: String, status: Int) {
        Counter(label: "modelfleet_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory).increment()
    }

    func chunkServed(bytes: Int) {
        Counter(label: "modelfleet_chunk_bytes_served_total", factory: factory).increment(by: bytes)
    }

    func chunkStored(bytes: Int) {
        Counter(label: "modelfleet_chunk_uploads_total", factory: factory).increment()
        Counter(label: "modelfleet_chunk_bytes_received_total", factory: factory).increment(by: bytes)
    }

    func chunksStoredGauge(_ count: Int) {
        Gauge(label: "modelfleet_chunks_stored", factory: factory).record(count)
    }

    func deviceEnrolled() {
        Counter(label: "modelfleet_devices_enrolled_total", factory: factory).increment()
    }

    func deviceSeen(_ id: String) {
        Counter(label: "modelfleet_device_checkins_total", factory: factory).increment()
        let count = seenDevices.withLock { seen in
            seen.insert(id)
            return seen.count
        }
        Gauge(label: "modelfleet_devices_seen", factory: factory).record(count)
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
