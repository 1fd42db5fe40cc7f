import FleetCore

extension DashboardPages {
    /// Devices the fleet page lists, most recently seen first; the devices page has them all.
    static let recentDevices = 10

    /// `/ui/`: devices by state, versions by share of devices per model, health per version, rollouts in flight.
    func fleet(session: DashboardSession) async throws -> DashboardPage {
        let status = try await queries.status()
        let reports = Dictionary(grouping: try await store.health(model: nil)) { "\($0.model)@\($0.version)" }
        let cards = DeviceState.allCases.map { state -> HTML in
            """
            <a class="card" href="/ui/devices?state=\(state.rawValue)"><strong>\(status.states[state.rawValue] ?? 0)</strong>\(DashboardFormat.badge(state.rawValue))</a>
            """
        }
        let byModel = Dictionary(grouping: status.versions, by: \.model).sorted { $0.key < $1.key }
        let shares = byModel.map { model, versions -> HTML in
            let parts = versions.filter { $0.devices > 0 }.sorted { $0.version > $1.version }.map { (name: $0.version.description, share: $0.share) }
            return
                "<h3><a href=\"/ui/models/\(PathEscaping.escape(model))\">\(model)</a></h3>\(ShareBarChart(title: "\(model) versions by share of devices", parts: parts).svg)"
        }
        let healthRows = status.versions.map { row -> [HTML] in
            let rows = reports["\(row.model)@\(row.version)"] ?? []
            return [
                "<a href=\"/ui/models/\(PathEscaping.escape(row.model))\">\(row.model)</a>", "\(row.version)", "\(row.devices)",
                "\(DashboardFormat.percent(row.share))", "\(rows.filter { $0.install == .ok }.count)", "\(row.installFailures)",
                "\(row.selfTestFailures)", "\(row.inferences)",
                "\(DashboardFormat.percent(DashboardFormat.errorRate(errors: row.errors, inferences: row.inferences)))",
                "\(DashboardFormat.milliseconds(RolloutEvaluator.meanLatency(rows, \.latencyP50Milliseconds)))",
                "\(DashboardFormat.milliseconds(row.p95Milliseconds))"
            ]
        }
        // The ten most recently seen, and only their states: a state costs a desired-state lookup per device.
        var recentSummaries: [DeviceSummary] = []
        for device in try await store.devices().sorted(by: { ($0.lastSeenAt ?? $0.enrolledAt) > ($1.lastSeenAt ?? $1.enrolledAt) })
            .prefix(Self.recentDevices)
        {
            recentSummaries.append(try await queries.summary(device, health: try await store.health(deviceID: device.id)))
        }
        let recent =
            recentSummaries
            .map { device -> [HTML] in
                [
                    "<a class=\"id\" href=\"/ui/devices/\(PathEscaping.escape(device.id))\">\(device.id)</a>",
                    DashboardFormat.badge(device.state.rawValue),
                    "\(DashboardFormat.labels(device.labels))", DashboardFormat.time(device.lastSeenAt)
                ]
            }
        let inFlight = try await rolloutTable(status.rollouts, empty: "No rollout is in flight.")
        let content: HTML = """
            <h1>Fleet</h1>
            <p>\(status.devices) device\(status.devices == 1 ? "" : "s") enrolled.</p>
            <div class="cards">\(cards)</div>
            <section class="panel" aria-labelledby="shares"><h2 id="shares">Versions by share of devices</h2>\(shares.isEmpty ? "<p class=\"muted\">No device runs a model yet.</p>" : shares.joined())</section>
            <section class="panel" aria-labelledby="health"><h2 id="health">Health per version</h2>
            \(Self.table(
                ["Model", "Version", "Devices", "Share", "Installs", "Install failures", "Self-test failures", "Inferences", "Error rate", "p50", "p95"],
                numeric: [2, 3, 4, 5, 6, 7, 8, 9, 10], rows: healthRows, empty: "No version has been reported on yet."))
            </section>
            <section class="panel" aria-labelledby="recent"><h2 id="recent">Recently seen devices</h2>\(Self.table(
                ["Device", "State", "Labels", "Last seen"], rows: Array(recent), empty: "No device has enrolled yet."))\(status.devices > recent.count ? HTML("<p><a href=\"/ui/devices\">All \(status.devices) devices</a></p>") : "")</section>
            <section class="panel" aria-labelledby="inflight"><h2 id="inflight">Rollouts in flight</h2>\(inFlight)</section>
            """
        return DashboardPage(title: "Fleet", section: .fleet, session: session, content: content)
    }
}
