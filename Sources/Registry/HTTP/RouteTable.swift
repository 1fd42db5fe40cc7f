import HTTPTypes
import Hummingbird

/// Registers routes with the router and remembers them, so the API's route list can be checked
/// against `docs/openapi.yaml` (Hummingbird's router does not expose its routes).
public final class RouteTable {
    let router: Router<RegistryContext>
    private var recorded: [(method: String, path: String)] = []

    init(router: Router<RegistryContext>) {
        self.router = router
    }

    /// Every registered route as `METHOD /path/{parameter}` (OpenAPI's spelling).
    public var routes: [String] {
        recorded.map { "\($0.method) \($0.path)" }
    }

    /// What is registered so far, as the methods each path pattern serves (for 405 answers).
    var methods: RouteMethods { RouteMethods(recorded) }

    typealias Handler = @Sendable (Request, RegistryContext) async throws -> Response

    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        let openAPIPath = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        recorded.append((method.rawValue, openAPIPath))
        router.on(RouterPath(path), method: method, use: handler)
    }

    func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    func head(_ path: String, _ handler: @escaping Handler) { on(.head, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }
}
