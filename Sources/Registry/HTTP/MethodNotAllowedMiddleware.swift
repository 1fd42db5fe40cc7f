import HTTPTypes
import Hummingbird

/// Answers 405 with `Allow` when the path is served but not with the request's method (`TRACE /healthz`,
/// `DELETE /v1/chunks/…`), instead of the router's 404.
///
/// Added to the router after every route: Hummingbird builds each route's middleware chain when the route
/// is registered, and the not-found chain when the responder is built, so this middleware only ever sees
/// requests no route answered.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = RegistryContext
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = routes.allowed(for: request.uri.path)
        guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { return try await next(request, context) }
        var error = RegistryError(
            status: .methodNotAllowed, code: "method_not_allowed",
            message: "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))")
        error.headers[.allow] = allowed.joined(separator: ", ")
        throw error
    }
}
