/// Which chunk store the registry uses (`storage.chunks`, `--chunks`): `local` (the embedded default,
/// `DATA/chunks`) or `s3://BUCKET`, shared by every replica pointed at it.
public enum ChunkStoreLocation: Sendable, Equatable, CustomStringConvertible {
    case local
    case s3(bucket: String)

    public init(parsing text: String) throws {
        if text == "local" {
            self = .local
            return
        }
        guard text.hasPrefix("s3://") else {
            throw RegistryConfiguration.Invalid(description: "storage.chunks must be 'local' or s3://BUCKET, got '\(text)'")
        }
        var bucket = Substring(text.dropFirst("s3://".count))
        if bucket.hasSuffix("/") { bucket = bucket.dropLast() }
        // S3's naming rules: 3-63 lower-case letters, digits, dots and hyphens; path-style URLs rely on it.
        let allowed = bucket.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
        guard (3...63).contains(bucket.count), allowed, let first = bucket.first, first.isLetter || first.isNumber else {
            throw RegistryConfiguration.Invalid(
                description: "storage.chunks: '\(bucket)' is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-'; no key prefix)")
        }
        self = .s3(bucket: String(bucket))
    }

    public var description: String {
        switch self {
        case .local: "local"
        case .s3(let bucket): "s3://\(bucket)"
        }
    }
}
