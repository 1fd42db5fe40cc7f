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

    /// The methods some pattern matching `path` serves, sorted; empty when no pattern matches.
    func allowed(for path: String) -> [String] {
        let requested = Self.segments(path)
        var allowed = Set<String>()
        for pattern in patterns where pattern.segments.count == requested.count {
            let matches = zip(pattern.segments, requested).allSatisfy { expected, actual in expected.hasPrefix("{") || expected == actual }
            if matches { allowed.formUnion(pattern.methods) }
        }
        return allowed.sorted()
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
