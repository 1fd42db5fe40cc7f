import FleetCore

extension DashboardPages {
    /// Devices one page lists at most.
    static let deviceRows = 500

    /// `/ui/devices?select=&state=`: devices matching a label selector and a state.
    func deviceList(session: DashboardSession, select: String, state: String) async throws -> DashboardPage {
        let selector = try LabelSelector(parsing: select)
        let wanted: DeviceState?
        if state.isEmpty {
            wanted = nil
        } else {
            guard let parsed = DeviceState(rawValue: state) else {
                throw RegistryError.badRequest("state '\(state)': expected one of \(DeviceState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            wanted = parsed
        }
        let devices = try await queries.summaries(matching: selector, state: wanted)
        let options = ([""] + DeviceState.allCases.map(\.rawValue)).map { value -> HTML in
            "<option value=\"\(value)\"\(value == state ? HTML(" selected") : "")>\(value.isEmpty ? "any" : value)</option>"
        }
        // A page, not a fleet: past `deviceRows` the filters narrow it (fleetctl devices ls --json has them all).
        let rows = devices.sorted { $0.id < $1.id }.prefix(Self.deviceRows).map { device -> [HTML] in
            [
                "<a class=\"id\" href=\"/ui/devices/\(PathEscaping.escape(device.id))\">\(device.id)</a>",
                DashboardFormat.badge(device.state.rawValue),
                "\(DashboardFormat.labels(device.labels))",
                "\(device.installed.isEmpty ? "–" : device.installed.map { "\($0.model) \($0.version) (\($0.variant))" }.joined(separator: ", "))",
                DashboardFormat.time(device.lastSeenAt)
            ]
        }
        let content: HTML = """
            <h1>Devices</h1>
            <form class="filters" method="get" action="/ui/devices" role="search">
            <label for="select">Label selector<input id="select" name="select" value="\(select)" placeholder="site=berlin,tier=canary"></label>
            <label for="state">State<select id="state" name="state">\(options)</select></label>
            <button type="submit">Filter</button></form>
            <p>\(devices.count) device\(devices.count == 1 ? "" : "s")\(select.isEmpty ? "" : " matching \(select)")\(state.isEmpty ? "" : " in state \(state)")\(devices.count > Self.deviceRows ? "; the first \(Self.deviceRows) by id are shown, a selector narrows them" : "").</p>
            <section class="panel">\(Self.table(["Device", "State", "Labels", "Runs", "Last seen"], rows: rows, empty: "No device matches."))</section>
            """
        return DashboardPage(title: "Devices", section: .devices, session: session, content: content)
    }

    /// `/ui/devices/{id}`: labels, profile, what it runs and should run, health per version, recent events.
    func deviceDetail(id: String, session: DashboardSession) async throws -> DashboardPage {
        let detail = try await queries.detail(id: id)
        let device = detail.device
        let events = try await store.events(deviceID: id).sorted { $0.event.at > $1.event.at }.prefix(50)
        let profile = detail.profile
        let runs = device.installed.map { ["\($0.model)", "\($0.version)", "\($0.variant)"] as [HTML] }
        let should = detail.desired.map { ["\($0.model)", "\($0.version)", "\($0.variant)"] as [HTML] }
        let incompatible = detail.incompatible.map { ["\($0.model)", "\($0.version)", "\($0.reasons.joined(separator: "; "))"] as [HTML] }
        let health = detail.health.sorted { ($0.model, $1.version) < ($1.model, $0.version) }.map { row -> [HTML] in
            [
                "\(row.model)", "\(row.version)", row.install.map { DashboardFormat.badge($0 == .ok ? "ok" : "failed") } ?? "–",
                row.selfTest.map { DashboardFormat.badge($0.rawValue) } ?? "–", "\(row.message, default: "")", "\(row.inferences)",
                "\(DashboardFormat.percent(DashboardFormat.errorRate(errors: row.errors, inferences: row.inferences)))",
                "\(DashboardFormat.milliseconds(row.latencyP50Milliseconds))", "\(DashboardFormat.milliseconds(row.latencyP95Milliseconds))",
                DashboardFormat.time(row.updatedAt)
            ]
        }
        let eventRows = events.map { recorded -> [HTML] in
            let event = recorded.event
            return [
                DashboardFormat.time(event.at), "\(event.kind)", "\([event.model, event.version?.description].compactMap { $0 }.joined(separator: " "))",
                "\(event.result, default: "")", "\(event.message, default: "")"
            ]
        }
        let content: HTML = """
            <h1>Device <span class="id">\(device.id)</span></h1>
            <p>\(DashboardFormat.badge(device.state.rawValue)) enrolled \(DashboardFormat.time(device.enrolledAt)), last seen \(DashboardFormat.time(device.lastSeenAt))</p>
            <section class="panel" aria-labelledby="about"><h2 id="about">Labels and profile</h2>
            <dl><dt>Labels</dt><dd>\(DashboardFormat.labels(device.labels))</dd>
            <dt>Profile</dt><dd>\(profile.arch), \(DashboardFormat.bytes(profile.ramBytes)) RAM, \(DashboardFormat.bytes(profile.diskBytes)) disk, engine \(profile.engineVersion)</dd></dl>
            </section>
            <section class="panel" aria-labelledby="runs"><h2 id="runs">Runs</h2>\(Self.table(["Model", "Version", "Variant"], rows: runs, empty: "Nothing installed yet."))
            <h2>Should run</h2>\(Self.table(["Model", "Version", "Variant"], rows: should, empty: "Nothing is assigned to this device."))
            \(incompatible.isEmpty ? "" : "<h2>Cannot run</h2>" + Self.table(["Model", "Version", "Why"], rows: incompatible, empty: ""))
            </section>
            <section class="panel" aria-labelledby="health"><h2 id="health">Health per version</h2>
            \(Self.table(["Model", "Version", "Install", "Self-test", "Message", "Inferences", "Error rate", "p50", "p95", "Reported"], numeric: [5, 6, 7, 8], rows: health, empty: "No reports yet."))
            </section>
            <section class="panel" aria-labelledby="events"><h2 id="events">Recent events</h2>
            \(Self.table(["At", "Kind", "Model", "Result", "Message"], rows: eventRows, empty: "No events reported."))
            </section>
            """
        return DashboardPage(title: "Device \(device.id)", section: .devices, session: session, content: content)
    }
}
