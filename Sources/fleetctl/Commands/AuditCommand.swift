import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl audit`: who changed what, when (admin actions and every rollout state change).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only entries since this long ago (30m, 2h, 7d) or this time (RFC 3339).") var since: String?

    func run() async throws {
        struct Answer: Decodable { var entries: [AuditEntry] }
        var path = "/v1/audit"
        if let since {
            let time: Timestamp
            if let exact = try? Timestamp(parsing: since) {
                time = exact
            } else {
                time = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch - Int64(try Spelling.seconds(since)))
            }
            path += "?since=" + Query.escape(time.description)
        }
        let response = try await connection.client().send("GET", path)
        try output.show(response, as: Answer.self) { answer in
            // Month-day and time (UTC) keep the table readable; --json has the full timestamps.
            Table(headers: ["WHEN (UTC)", "WHO", "ACTION", "SUBJECT", "DETAIL"], rows: answer.entries.map { entry in
                let time = entry.at.description
                return [String(time.dropFirst(5).prefix(14)).replacingOccurrences(of: "T", with: " "), entry.actor, entry.action, entry.subject, entry.detail]
            }, shrinkable: [1, 3, 4]).render()
        }
    }
}
