import HTTPTypes

extension DashboardPage {
    /// `/ui/login`: one field, `token`, posted (never in a URL). `error`: why the last attempt failed.
    static func login(error: String?, notice: String? = nil, status: HTTPResponse.Status = .ok) -> DashboardPage {
        let message: HTML =
            if let error { "<p class=\"error\" role=\"alert\" id=\"login-error\">\(error)</p>" } else if let notice {
                "<p class=\"notice\" role=\"status\">\(notice)</p>"
            } else { "" }
        let content: HTML = """
            <form class="login" method="post" action="/ui/login">
            <h1>Log in</h1>
            \(message)
            <label for="token">Admin token<input id="token" name="token" type="password" autocomplete="current-password" required autofocus \
            aria-describedby="token-help"></label>
            <p id="token-help" class="muted">An admin token with the <code>fleet</code> scope, e.g. the one in <code>registry-data/admin.token</code> \
            or from <code>fleetctl tokens create</code>. The session lasts eight hours.</p>
            <button type="submit">Log in</button>
            </form>
            """
        return DashboardPage(title: "Log in", section: nil, session: nil, content: content, refreshSeconds: nil, status: status)
    }

    /// Any failure under `/ui`, as a page rather than the API's JSON (see `RegistryError.response`).
    static func failure(status: HTTPResponse.Status, message: String) -> DashboardPage {
        let content: HTML = """
            <h1>\(status.code) \(status.reasonPhrase)</h1>
            <p class="error" role="alert">\(message)</p>
            <p><a href="/ui/">Back to the fleet</a></p>
            """
        return DashboardPage(title: "\(status.reasonPhrase)", section: nil, session: nil, content: content, refreshSeconds: nil, status: status)
    }
}
