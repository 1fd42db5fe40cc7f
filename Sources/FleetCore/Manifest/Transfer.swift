/// What a device must download to hold a version, given the versions it already holds: the chunks of
/// the new manifest whose digests none of the held manifests name (chunks are content-addressed, so a
/// chunk held under any version or file is reused). The planning rule the agent applies, as a number.
public struct Transfer: Codable, Equatable, Sendable {
    /// Distinct chunks to fetch, and how many the version has in all.
    public var chunks: Int
    public var totalChunks: Int
    /// Bytes over the wire (stored, compressed form) to fetch, and for the whole version.
    public var storedBytes: Int
    public var totalStoredBytes: Int

    public init(to target: Manifest, holding held: [Manifest]) {
        let have = Set(held.flatMap { $0.files.flatMap(\.chunks) }.map(\.digest))
        var seen = Set<Digest>()
        let distinct = target.files.flatMap(\.chunks).filter { seen.insert($0.digest).inserted }
        let needed = distinct.filter { !have.contains($0.digest) }
        chunks = needed.count
        totalChunks = distinct.count
        storedBytes = needed.reduce(0) { $0 + $1.storedLength }
        totalStoredBytes = distinct.reduce(0) { $0 + $1.storedLength }
    }
}
