import ArgumentParser
import FleetHTTP
import Foundation

/// Where the registry is and how to authenticate: flags, else `MODELFLEET_REGISTRY` / `MODELFLEET_TOKEN`.
struct RegistryOptions: ParsableArguments {
    @Option(help: "Registry base URL (default: $MODELFLEET_REGISTRY or http://127.0.0.1:8080).") var registry: String?
    @Option(help: "Bearer token (default: $MODELFLEET_TOKEN).") var token: String?
    @Option(help: "File holding the bearer token, e.g. registry-data/admin.token.") var tokenFile: String?

    func client() throws -> RegistryClient {
        let environment = ProcessInfo.processInfo.environment
        let url = registry ?? environment["MODELFLEET_REGISTRY"] ?? "http://127.0.0.1:8080"
        var secret = token ?? environment["MODELFLEET_TOKEN"]
        if let tokenFile {
            do { secret = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                throw ValidationError("cannot read token file \(tokenFile): \(error.localizedDescription)")
            }
        }
        guard let secret, !secret.isEmpty else {
            throw ValidationError("no token: pass --token, --token-file or set MODELFLEET_TOKEN")
        }
        return RegistryClient(baseURL: url, token: secret)
    }
}
