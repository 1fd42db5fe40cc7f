import FleetCore
import HTTPTypes
import Hummingbird

/// `/ui`: the operator's dashboard, server-rendered HTML on the services the JSON API uses.
///
/// Outside the API's route table on purpose: these are pages for a browser, not part of the documented
/// API (`docs/openapi.yaml`), and they authenticate by session cookie (`AuthenticationMiddleware`). A page
/// without a session redirects to the login form; a state-changing POST without a session, or without the
/// session's CSRF token, is refused with 403.
struct DashboardRoutes: Sendable {
    let pages: DashboardPages
    let login: DashboardLogin
    let rollouts: RolloutService
    /// The registry serves TLS itself: session cookies are marked `Secure`.
    let servesTLS: Bool

    static func serves(_ path: String) -> Bool { path == "/ui" || path.hasPrefix("/ui/") }

    /// What a finished action says on the page it returns to, by the `done` parameter (a fixed set, so a
    /// link cannot make the page say something else).
    static let notices: [String: String] = [
        "pause": "The rollout is paused.", "resume": "The rollout is active again.", "abort": "The rollout was aborted."
    ]

    func register(on router: Router<RegistryContext>) {
        router.get("/ui/static/dashboard.css") { _, _ in DashboardResponse.asset(DashboardStyle.css, contentType: "text/css; charset=utf-8") }
        router.get("/ui/static/dashboard.js") { _, _ in
            DashboardResponse.asset(DashboardScript.javascript, contentType: "text/javascript; charset=utf-8")
        }
        registerSession(on: router)
        page("/ui/", on: router) { _, session in try await pages.fleet(session: session) }
        page("/ui/rollouts", on: router) { _, session in try await pages.rolloutList(session: session) }
        page("/ui/rollouts/:id", on: router) { request, session in
            let done = Self.notices[request.query("done")]
            return try await pages.rolloutDetail(id: try request.context.pathParameter("id"), session: session, notice: done)
        }
        page("/ui/devices", on: router) { request, session in
            try await pages.deviceList(session: session, select: request.query("select"), state: request.query("state"))
        }
        page("/ui/devices/:id", on: router) { request, session in
            try await pages.deviceDetail(id: try request.context.pathParameter("id"), session: session)
        }
        page("/ui/models", on: router, scope: .read) { _, session in try await pages.modelList(session: session) }
        page("/ui/models/:name", on: router, scope: .read) { request, session in
            try await pages.modelDetail(name: try request.context.pathParameter("name"), session: session)
        }
        page("/ui/audit", on: router) { request, session in
            try await pages.audit(
                session: session, actor: request.query("actor"), action: request.query("action"), subject: request.query("subject"),
                since: request.query("since"))
        }
        router.post("/ui/rollouts/:id/:action") { request, context in
            var request = request
            _ = try await Self.authorizedForm(&request, context)
            try context.require(.fleet)
            let id = try context.pathParameter("id")
            let name = try context.pathParameter("action")
            guard let action = RolloutAction(rawValue: name), action != .rollback else {
                throw RegistryError.badRequest(
                    name == "rollback"
                        ? "a rollback needs the publisher's signature: run fleetctl rollout rollback \(id) --key publisher.key"
                        : "'\(name)' is not an action here (pause, resume or abort)")
            }
            _ = try await rollouts.apply(action, id: id, directive: nil, by: context.actorName, now: .now())
            return DashboardResponse.redirect(to: "/ui/rollouts/\(PathEscaping.escape(id))?done=\(action.rawValue)")
        }
    }

    /// `/ui/login` (form and post) and `/ui/logout`.
    private func registerSession(on router: Router<RegistryContext>) {
        router.get("/ui/login") { request, context in
            if context.principal != nil { return DashboardResponse.redirect(to: "/ui/") }
            let notice: String? =
                switch request.query("after") {
                case "logout": "You are logged out."
                case "expired": "Your session ended. Log in again."
                default: nil
                }
            return DashboardPage.login(error: nil, notice: notice).response
        }
        router.post("/ui/login") { request, _ in
            var request = request
            let form = try await FormBody.read(&request)
            let now = Timestamp.now()
            do {
                let (session, expiresAt) = try await login.start(with: form["token"] ?? "", now: now)
                let cookie = session.cookie(maxAge: expiresAt.secondsSinceEpoch - now.secondsSinceEpoch, secure: secure(request))
                return DashboardResponse.redirect(to: "/ui/", setCookie: cookie)
            } catch let refused as DashboardLogin.Refused {
                // 401, so the failed-authentication rate limit counts it like a wrong bearer token.
                return DashboardPage.login(error: refused.message, status: .unauthorized).response
            }
        }
        router.post("/ui/logout") { request, context in
            var request = request
            let session = try await Self.authorizedForm(&request, context)
            try await login.end(session, actor: context.actorName, now: .now())
            return DashboardResponse.redirect(to: "/ui/login?after=logout", setCookie: DashboardSession.expiredCookie(secure: secure(request)))
        }
    }

    /// A GET page that needs a session and `scope`: without a working session, the login form.
    private func page(
        _ path: RouterPath, on router: Router<RegistryContext>, scope: Scope = .fleet,
        _ build: @escaping @Sendable (ContextualRequest, DashboardSession) async throws -> DashboardPage
    ) {
        router.get(path) { request, context in
            guard let session = DashboardSession(request: request), context.principal != nil else {
                // A cookie that no longer works is deleted, so the login form can say why.
                if DashboardSession(request: request) != nil {
                    return DashboardResponse.redirect(to: "/ui/login?after=expired", setCookie: DashboardSession.expiredCookie(secure: secure(request)))
                }
                return DashboardResponse.redirect(to: "/ui/login")
            }
            try context.require(scope)
            return try await build(ContextualRequest(request: request, context: context), session).response
        }
    }

    /// The session of a state-changing request, after checking its form carries the session's CSRF token.
    private static func authorizedForm(_ request: inout Request, _ context: RegistryContext) async throws -> DashboardSession {
        guard let session = DashboardSession(request: request), context.principal != nil else {
            throw RegistryError.forbidden("no dashboard session: log in at /ui/login first")
        }
        let form = try await FormBody.read(&request)
        guard session.accepts(csrf: form["csrf"]) else {
            throw RegistryError.forbidden("the form's CSRF token does not match this session: reload the page and try again")
        }
        return session
    }

    /// Mark the cookie `Secure` when the browser reached us over TLS, directly or through a TLS-terminating proxy.
    private func secure(_ request: Request) -> Bool {
        servesTLS || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}

/// A request with its context, for page builders that read path and query parameters.
struct ContextualRequest: Sendable {
    let request: Request
    let context: RegistryContext

    func query(_ name: String) -> String { request.query(name) }
}

extension Request {
    /// A query parameter's value, "" when absent.
    func query(_ name: String) -> String { uri.queryParameters[Substring(name)].map(String.init) ?? "" }
}
