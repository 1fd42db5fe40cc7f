import FleetCore

/// One page of a ListObjectsV2 answer: the keys with their last-modified times, and the token for the
/// next page when the listing was cut (`IsTruncated`).
struct ListObjectsPage: Sendable {
    struct Entry: Sendable, Equatable {
        var key: String
        var lastModified: Timestamp?
    }

    var entries: [Entry]
    var nextContinuationToken: String?

    init(parsing xml: String) {
        entries = XMLText.elements("Contents", in: xml).compactMap { contents in
            guard let key = XMLText.first("Key", in: contents) else { return nil }
            return Entry(key: key, lastModified: XMLText.first("LastModified", in: contents).flatMap(Self.timestamp))
        }
        let truncated = XMLText.first("IsTruncated", in: xml) == "true"
        nextContinuationToken = truncated ? XMLText.first("NextContinuationToken", in: xml) : nil
    }

    /// `2026-12-07T07:01:02.123Z` to the second (the fraction dropped).
    static func timestamp(_ text: String) -> Timestamp? {
        guard text.count >= 19 else { return nil }
        return try? Timestamp(parsing: String(text.prefix(19)) + "Z")
    }
}
