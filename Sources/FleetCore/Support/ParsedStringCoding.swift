/// Types written in JSON as one strictly parsed string (digests, versions, codecs, timestamps).
///
/// Parse failures are rethrown as `DecodingError.dataCorrupted` carrying the parser's `FleetError`,
/// so the manifest decoder can name the field (`files[0].chunks[3].digest: …`) and the reason.
protocol ParsedStringCodable: Codable, CustomStringConvertible {
    init(parsing text: String) throws
}

extension ParsedStringCodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch let error as FleetError {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
