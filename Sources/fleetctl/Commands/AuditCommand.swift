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
        let time = try since.map { text in
            if let exact = try? Timestamp(parsing: text) { return exact }
            return Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch - Int64(try Spelling.seconds(text)))
        }
        try output.show(try await connection.client().audit(since: time)) { answer in
            // Month-day and time (UTC) keep the table readable; --json has the full timestamps.
            Table(
                headers: ["WHEN (UTC)", "WHO", "ACTION", "SUBJECT", "DETAIL"],
                rows: answer.entries.map { entry in
                    let time = entry.at.description
                    return [
                        String(time.dropFirst(5).prefix(14)).replacingOccurrences(of: "T", with: " "), entry.actor, entry.action, entry.subject, entry.detail
                    ]
                }, shrinkable: [1, 3, 4]
            ).render()
        }
    }
}
