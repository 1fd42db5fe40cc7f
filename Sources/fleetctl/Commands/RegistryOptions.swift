import ArgumentParser
import FleetHTTP
import Foundation

/// Where the registry is and how to authenticate: flags, else `MODELFLEET_REGISTRY` / `MODELFLEET_TOKEN`;
/// for an `https://` registry, which CA to trust and the client certificate, else `MODELFLEET_CA`,
/// `MODELFLEET_CLIENT_CERT`, `MODELFLEET_CLIENT_KEY`.
struct RegistryOptions: ParsableArguments {
    @Option(help: "Registry base URL (default: $MODELFLEET_REGISTRY or http://127.0.0.1:8080).") var registry: String?
    @Option(help: "Bearer token (default: $MODELFLEET_TOKEN).") var token: String?
    @Option(help: "File holding the bearer token, e.g. registry-data/admin.token.") var tokenFile: String?
    @Option(help: "PEM CA certificate(s) to verify an https:// registry with, instead of the system store (default: $MODELFLEET_CA).")
    var ca: String?
    @Option(help: "PEM client certificate for a registry that requires one (mutual TLS; default: $MODELFLEET_CLIENT_CERT).") var clientCert: String?
    @Option(help: "PEM private key of --client-cert (default: $MODELFLEET_CLIENT_KEY).") var clientKey: String?

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
        var transfer = TransferOptions()
        transfer.caFile = ca ?? environment["MODELFLEET_CA"]
        transfer.clientCertificate = clientCert ?? environment["MODELFLEET_CLIENT_CERT"]
        transfer.clientKey = clientKey ?? environment["MODELFLEET_CLIENT_KEY"]
        guard (transfer.clientCertificate == nil) == (transfer.clientKey == nil) else {
            throw ValidationError("give --client-cert and --client-key together (the certificate and its private key)")
        }
        return RegistryClient(baseURL: url, token: secret, http: HTTPClient(options: transfer))
    }
}
