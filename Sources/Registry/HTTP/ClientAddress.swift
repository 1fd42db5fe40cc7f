import HTTPTypes
import Hummingbird

/// The address a request came from, seen through the reverse proxies the operator trusts.
///
/// Behind nginx every request arrives from the proxy's address, so per-address limits would hold the
/// whole fleet to one client's budget. A trusted proxy's `X-Forwarded-For` is believed instead; anyone
/// else's is ignored (a client must not pick its own address to slip out of a hold). Each hop appends
/// the address it saw, so the list is read from the right, and the first entry not added by a trusted
/// proxy is the client.
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func of(_ request: Request, peer: String) -> String {
        guard trustedProxies.contains(peer) else { return peer }
        let hops = request.headers[values: Self.forwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return hops.reversed().first { !trustedProxies.contains($0) } ?? hops.first ?? peer
    }
}
