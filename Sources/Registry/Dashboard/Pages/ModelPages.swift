import FleetCore

extension DashboardPages {
    /// `/ui/models`: every model with its latest version and variants.
    func modelList(session: DashboardSession) async throws -> DashboardPage {
        var rows: [[HTML]] = []
        for name in try await store.modelNames().sorted() {
            let versions = try await store.versions(of: name)
            let latest = versions.max { $0.version < $1.version }
            rows.append([
                "<a href=\"/ui/models/\(PathEscaping.escape(name))\">\(name)</a>", "\(latest.map(\.version.description), default: "–")",
                "\(Set(versions.map(\.version)).count)", "\(Set(versions.map(\.variant)).sorted().joined(separator: ", "))",
                "\(DashboardFormat.bytes(latest?.storedSize ?? 0))", latest.map { DashboardFormat.time($0.committedAt) } ?? "–"
            ])
        }
        let content: HTML = """
            <h1>Models</h1>
            <section class="panel">\(Self.table(["Model", "Latest", "Versions", "Variants", "Latest stored size", "Committed"], numeric: [2, 4], rows: rows, empty: "No model has been pushed (fleetctl push)."))</section>
            """
        return DashboardPage(title: "Models", section: .models, session: session, content: content)
    }

    /// What the publisher measured when it quantized a variant: its source and the output that moved most, against
    /// the limit the push held it to (`fleetctl push --quantize int8`); empty for a variant pushed as it is.
    static func quantization(_ quantization: Manifest.Quantization?) -> HTML {
        guard let quantization, let worst = quantization.worst else { return "" }
        let value = worst.measure == "mismatched_fraction" ? String(format: "%.2f%% differ", worst.value * 100) : String(format: "%.2g RMS", worst.value)
        return "\(quantization.scheme) from \(quantization.sourceVariant): \(worst.output) \(value) (limit \(String(format: "%g", worst.limit)))"
    }

    /// `/ui/models/{name}`: versions and variants with sizes and publisher keys, the bytes a device downloads
    /// from each version to the next (`fleetctl versions diff`), and p95 latency per version as devices reported it.
    func modelDetail(name: String, session: DashboardSession) async throws -> DashboardPage {
        try PublishingService.checkName(name, what: "model name")
        let versions = try await store.versions(of: name)
        guard !versions.isEmpty else { throw RegistryError.notFound("no model named '\(name)'") }
        let sorted = versions.sorted { ($0.version, $0.variant) > ($1.version, $1.variant) }
        let rows = sorted.map { record -> [HTML] in
            [
                "\(record.version)", "\(record.variant)", "\(DashboardFormat.bytes(record.totalSize))", "\(DashboardFormat.bytes(record.storedSize))",
                Self.quantization(VersionSummary(record).quantization),
                "<span class=\"id\">\(record.publisher)</span>", DashboardFormat.time(record.committedAt), record.held ? "held" : "",
                "<span class=\"id\">\(record.manifestDigest.description.prefix(19))…</span>"
            ]
        }
        let health = try await store.health(model: name)
        let byVersion = Dictionary(grouping: health.filter { $0.inferences > 0 && $0.latencyP95Milliseconds != nil }, by: \.version)
        let latency = TimeSeriesChart(
            title: "p95 latency per version, as each device last reported it",
            series: byVersion.keys.sorted().map { version in
                .init(name: version.description, points: byVersion[version, default: []].map { ($0.updatedAt, $0.latencyP95Milliseconds ?? 0) })
            },
            format: { DashboardFormat.milliseconds($0) })
        let content: HTML = """
            <h1>Model \(name)</h1>
            <section class="panel" aria-labelledby="versions"><h2 id="versions">Versions</h2>
            \(Self.table(["Version", "Variant", "Size", "Stored", "Quantized", "Publisher key", "Committed", "", "Manifest"], numeric: [2, 3], rows: rows, empty: ""))
            </section>
            <section class="panel" aria-labelledby="downloads"><h2 id="downloads">What a device downloads to update</h2>
            <p>Bytes a device holding the previous version fetches to reach each version (chunks it holds are not sent again), against the version's whole stored size.</p>
            \(try downloadChart(versions))
            </section>
            <section class="panel" aria-labelledby="latency"><h2 id="latency">Latency on the devices</h2>\(latency.svg)</section>
            """
        return DashboardPage(title: "Model \(name)", section: .models, session: session, content: content)
    }

    /// For each version after the first, per variant the previous version also has: the stored bytes of its chunks
    /// that the previous version lacks (`Transfer`, the figure `fleetctl versions diff` prints).
    private func downloadChart(_ versions: [VersionRecord]) throws -> HTML {
        let ascending = Set(versions.map(\.version)).sorted()
        guard ascending.count > 1 else { return "<p class=\"muted\">One version so far: a device downloads all of it.</p>" }
        var bars: [BarChart.Bar] = []
        var manifests: [String: Manifest] = [:]
        func manifest(_ record: VersionRecord) throws -> Manifest {
            let key = "\(record.version)/\(record.variant)"
            if let known = manifests[key] { return known }
            let decoded = try ManifestCoding.decode(record.manifest).manifest
            manifests[key] = decoded
            return decoded
        }
        // The last eight steps: a chart, not a history.
        for (old, new) in zip(ascending, ascending.dropFirst()).suffix(8) {
            for target in versions where target.version == new {
                let held = try versions.filter { $0.version == old && $0.variant == target.variant }.map(manifest)
                let transfer = Transfer(to: try manifest(target), holding: held)
                let variant = versions.contains { $0.version == new && $0.variant != target.variant } ? " \(target.variant)" : ""
                bars.append(.init(category: "\(old)→\(new)\(variant)", value: Double(transfer.storedBytes), reference: Double(transfer.totalStoredBytes)))
            }
        }
        return BarChart(
            title: "Download per update", valueName: "download from the previous version", referenceName: "whole version", bars: bars,
            format: { DashboardFormat.bytes(UInt64(max(0, $0))) }
        ).svg
    }
}
