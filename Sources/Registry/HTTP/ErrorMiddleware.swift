import FleetCore
import Hummingbird
import Logging

/// Gives every failure the API's JSON error shape: storage and FleetCore errors get their statuses, Hummingbird's
/// own errors keep theirs, and anything unexpected is a logged 500 that leaks no internals.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = RegistryContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RegistryError {
            throw error
        } catch let error as StorageError {
            throw RegistryError(error)
        } catch let error as FleetError {
            throw RegistryError(error)
        } catch let error as HTTPError {
            throw RegistryError(status: error.status, code: "http_\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            throw RegistryError(status: error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw RegistryError(status: .internalServerError, code: "internal", message: "internal error; see the registry log")
        }
    }
}
