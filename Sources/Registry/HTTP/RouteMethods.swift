import HTTPTypes

/// Which methods each registered path pattern serves, so a known path asked with another method can be
/// told apart from a path nothing serves (405 with `Allow` rather than 404).
struct RouteMethods: Sendable {
    /// Path segments, a parameter (`{id}`) matching any one segment, and the methods served there.
    private let patterns: [(segments: [Substring], methods: Set<String>)]

    init(_ routes: [(method: String, path: String)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        patterns = byPath.map { (Self.segments($0.key), $0.value) }
    }

    /// The methods served at `path`, sorted; empty when no pattern matches. Matches as Hummingbird's trie
    /// router does: at each segment a literal that equals it is taken over a parameter, with no going back,
    /// so `/v1/chunks/missing` is only ever the literal route (POST), never `/v1/chunks/{digest}`, and
    /// `/v1/devices/enroll/events` is nothing at all (the router went down `enroll`), not `/v1/devices/{id}/events`.
    func allowed(for path: String) -> [String] {
        let requested = Self.segments(path)
        var candidates = patterns
        for (index, segment) in requested.enumerated() {
            let reaching = candidates.filter { $0.segments.count > index }
            let literal = reaching.filter { $0.segments[index] == segment }
            candidates = literal.isEmpty ? reaching.filter { $0.segments[index].hasPrefix("{") } : literal
        }
        return candidates.filter { $0.segments.count == requested.count }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }.sorted()
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
