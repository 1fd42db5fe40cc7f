import FleetCore

/// Builds the dashboard's pages from the same services the JSON API answers from, so a page and
/// `fleetctl` never disagree. Each page is in a file of its own (`FleetPage.swift`, `RolloutPages.swift`, …).
struct DashboardPages: Sendable {
    let store: any MetadataStore
    let queries: FleetQueries
    let rollouts: RolloutService

    /// A table, or a line saying there is nothing to show. Cells are already `HTML` (escaped where built).
    static func table(_ headers: [String], numeric: Set<Int> = [], rows: [[HTML]], empty: String) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"muted\">\(empty)</p>" }
        let head = headers.enumerated().map { index, title -> HTML in
            "<th scope=\"col\"\(numeric.contains(index) ? HTML(" class=\"number\"") : "")>\(title)</th>"
        }
        let body = rows.map { row -> HTML in
            let cells = row.enumerated().map { index, cell -> HTML in
                "<td\(numeric.contains(index) ? HTML(" class=\"number\"") : "")>\(cell)</td>"
            }
            return "<tr>\(cells)</tr>"
        }
        return "<div class=\"scroll\"><table><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table></div>"
    }
}
