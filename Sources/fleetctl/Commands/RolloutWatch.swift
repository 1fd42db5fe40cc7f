import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl rollout watch ID`: follows a rollout until it ends, for a person or a CI/CD job that must
/// wait for a rollout before its next step.
struct WatchRollout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a rollout until it completes or stops; the exit status says which.",
        discussion: """
            Prints a line whenever the rollout's state, stage or install counts change. Exit status: 0 completed, \
            2 paused, 3 aborted or rolled back, 4 --timeout reached, 1 any other error (an unknown rollout, a refused \
            token). A registry that cannot be reached for a while is retried, not reported as a failure.
            """
    )

    /// Exit statuses, stated once for the help text, the command and its tests.
    enum Outcome: Int32 {
        case completed = 0
        case paused = 2
        case stopped = 3
        case timedOut = 4
    }

    @OptionGroup var connection: RegistryOptions
    @Argument(help: "Rollout id.") var id: String
    @Option(help: "Seconds between polls.") var interval: Int = 5
    @Option(help: "Stop waiting after this long: 90s, 30m, 2h (default: wait as long as it takes).") var timeout: String?
    @Flag(help: "Print each change as a line of JSON (the rollout's status).") var json = false

    func validate() throws {
        guard (1...3600).contains(interval) else { throw ValidationError("--interval must be between 1 and 3600 seconds") }
    }

    func run() async throws {
        let client = try connection.client()
        let deadline = try timeout.map { ContinuousClock.now + .seconds(try Spelling.seconds($0)) }
        var last: String?
        while true {
            if let status = try await Self.poll(client, id: id) {
                let line = Self.line(status)
                if line != last {
                    print(json ? try JSONText.encode(status) : "\(Timestamp.now())  \(line)")
                    last = line
                }
                if let outcome = Self.outcome(of: status.rollout.state) {
                    if !json, outcome != .completed, let reason = status.rollout.reason { print("reason: \(reason)") }
                    throw ExitCode(outcome.rawValue)
                }
            }
            if let deadline, ContinuousClock.now >= deadline {
                FileHandle.standardError.write(Data("fleetctl: rollout \(id) did not finish within \(timeout ?? "")\n".utf8))
                throw ExitCode(Outcome.timedOut.rawValue)
            }
            try await Task.sleep(for: .seconds(interval))
        }
    }

    /// The rollout's status, or nil when the registry could not be asked this time (said on stderr).
    /// What the registry refuses (4xx) ends the watch: waiting would not change the answer.
    static func poll(_ client: RegistryClient, id: String) async throws -> RolloutStatus? {
        do {
            return try await client.rollout(id: id).value
        } catch let failure as RegistryClient.Failure where (400..<500).contains(failure.status) {
            throw failure
        } catch {
            FileHandle.standardError.write(Data("fleetctl: cannot ask the registry now (\(error)); retrying\n".utf8))
            return nil
        }
    }

    static func outcome(of state: RolloutState) -> Outcome? {
        switch state {
        case .active: nil
        case .completed: .completed
        case .paused: .paused
        case .aborted, .rolledBack: .stopped
        }
    }

    /// `active  stage 1/2 (50%)  3 of 4 installed, 1 pending, 0 failed`.
    static func line(_ status: RolloutStatus) -> String {
        let rollout = status.rollout
        let health = status.health
        return "\(rollout.state.rawValue)  stage \(rollout.stage + 1)/\(rollout.stages.count) (\(rollout.percent)%)  "
            + "\(health.installed) of \(health.devices) installed, \(health.pending) pending, "
            + "\(health.installFailures + health.selfTestFailures) failed"
    }
}
