import Agent
import ArgumentParser
import FleetHTTP

/// How the agent secures its link to the registry: the CA to trust, the device's client certificate
/// (mutual TLS), and whether plain HTTP off loopback is allowed. Each comes from the flag, else
/// `MODELFLEET_<KEY>`, else agent.yaml's `key` (the `value` lookup of `AgentOptions.settings`).
struct RegistryTLSOptions: ParsableArguments {
    @Option(help: "PEM CA certificate(s) to verify an https:// registry with, instead of the system store (ca_file).") var ca: String?
    @Option(help: "PEM client certificate of this device, for a registry that requires one (client_cert_file).") var clientCert: String?
    @Option(help: "PEM private key of --client-cert (client_key_file).") var clientKey: String?
    @Flag(help: "Allow a plain http:// registry that is not on loopback: tokens and models then cross the network in clear (insecure_http).")
    var insecureHttp = false

    /// Fills the TLS fields of `transfer` and refuses a plain-http registry off loopback unless allowed;
    /// returns whether it is allowed (`AgentSettings.allowInsecureHTTP`, which the sync engine checks again).
    func apply(registry: String, to transfer: inout TransferOptions, value: (String?, String) -> String?) throws -> Bool {
        transfer.caFile = value(ca, "ca_file")
        transfer.clientCertificate = value(clientCert, "client_cert_file")
        transfer.clientKey = value(clientKey, "client_key_file")
        guard (transfer.clientCertificate == nil) == (transfer.clientKey == nil) else {
            throw ValidationError("give --client-cert and --client-key together (client_cert_file, client_key_file): the certificate and its private key")
        }
        let insecureText = value(insecureHttp ? "true" : nil, "insecure_http") ?? "false"
        guard let insecure = ["true": true, "false": false][insecureText.lowercased()] else {
            throw ValidationError("insecure_http must be true or false, got '\(insecureText)'")
        }
        do { try RegistryAddress.check(registry, allowInsecureHTTP: insecure) } catch { throw ValidationError(error.description) }
        return insecure
    }
}
