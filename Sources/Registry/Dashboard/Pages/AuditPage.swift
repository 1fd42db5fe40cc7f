import FleetCore

extension DashboardPages {
    /// Audit lines the page shows at most; the filter narrows them, `fleetctl audit` has the whole log.
    static let auditLimit = 500

    /// `/ui/audit?actor=&action=&subject=&since=`: the audit log, newest first, filtered.
    func audit(session: DashboardSession, actor: String, action: String, subject: String, since: String) async throws -> DashboardPage {
        let from = since.isEmpty ? nil : try Timestamp(parsing: since)
        let matching = try await store.audit(since: from).reversed().filter { entry in
            (actor.isEmpty || entry.actor.lowercased().contains(actor.lowercased())) && (action.isEmpty || entry.action.hasPrefix(action))
                && (subject.isEmpty || entry.subject.lowercased().contains(subject.lowercased()))
        }
        let shown = matching.prefix(Self.auditLimit)
        let rows = shown.map { entry -> [HTML] in
            [DashboardFormat.time(entry.at), "\(entry.actor)", "\(entry.action)", "<span class=\"id\">\(entry.subject)</span>", "\(entry.detail)"]
        }
        func field(_ name: String, _ title: String, _ value: String, _ hint: String) -> HTML {
            "<label for=\"\(name)\">\(title)<input id=\"\(name)\" name=\"\(name)\" value=\"\(value)\" placeholder=\"\(hint)\"></label>"
        }
        let content: HTML = """
            <h1>Audit log</h1>
            <form class="filters" method="get" action="/ui/audit" role="search">
            \(field("actor", "Actor", actor, "admin.token"))\(field("action", "Action starts with", action, "rollout."))\(field("subject", "Subject", subject, "model, device or rollout id"))\(field("since", "Since", since, "2026-12-01T00:00:00Z"))
            <button type="submit">Filter</button></form>
            <p>\(matching.count) line\(matching.count == 1 ? "" : "s")\(matching.count > shown.count ? ", the newest \(shown.count) shown" : "").</p>
            <section class="panel">\(Self.table(["At", "Actor", "Action", "Subject", "Detail"], rows: rows, empty: "No audit line matches."))</section>
            """
        return DashboardPage(title: "Audit", section: .audit, session: session, content: content)
    }
}
