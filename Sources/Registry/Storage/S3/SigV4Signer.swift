import Crypto
import FleetCore

/// AWS Signature Version 4 (header form), the authentication every S3-compatible server accepts.
///
/// Each step's output is kept (`SigV4Signature`) so tests can compare the canonical request, the
/// string to sign and the signature with AWS's published examples one by one: a mismatch in the
/// signature alone says nothing about which of the three steps is wrong.
struct SigV4Signer: Sendable {
    struct Credentials: Sendable, Equatable {
        var accessKeyID: String
        var secretAccessKey: String
    }

    /// SHA-256 of an empty body, the payload hash of every GET, HEAD and DELETE.
    static let emptyPayloadHash = Hex.encode(Array(SHA256.hash(data: [UInt8]())))

    let credentials: Credentials
    let region: String
    /// `s3` for S3; AWS's generic test suite signs for `service`.
    let service: String

    /// Signs `request` at `time`. The request's headers must already hold every header to be signed
    /// (`host`, and `x-amz-content-sha256` for S3); `x-amz-date` is added here.
    func sign(_ request: SigV4Request, at time: Timestamp) -> SigV4Signature {
        let amzDate = Self.amzDate(time)
        let day = String(amzDate.prefix(8))
        var headers = request.headers.map { (name: $0.name.lowercased(), value: Self.trimmed($0.value)) }
        if !headers.contains(where: { $0.name == "x-amz-date" }) { headers.append((name: "x-amz-date", value: amzDate)) }
        headers.sort { $0.name < $1.name }
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            request.method,
            AWSPercentEncoding.encodePath(request.path),
            Self.canonicalQuery(request.query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            request.payloadHash
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Hex.encode(Array(SHA256.hash(data: Array(canonicalRequest.utf8))))].joined(separator: "\n")
        let signature = Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(day: day))))
        return SigV4Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, amzDate: amzDate,
            authorization: "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)")
    }

    /// The key for one day, region and service: a chain of HMACs from the secret, so the secret itself never signs.
    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// Keys and values encoded, then sorted by key and value (byte order of the encoded text).
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        query.map { (AWSPercentEncoding.encode($0.name), AWSPercentEncoding.encode($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// `20150830T123600Z`: the RFC 3339 form without its separators.
    static func amzDate(_ time: Timestamp) -> String {
        String(time.description.filter { $0 != "-" && $0 != ":" })
    }

    /// Leading and trailing spaces removed and inner runs of spaces collapsed, as SigV4 requires.
    private static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}

/// What is signed: the method, the unencoded path (`/bucket/key`), the query and the headers to sign.
struct SigV4Request: Sendable {
    var method: String
    var path: String
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    var payloadHash: String
}

/// Every intermediate result of one signature, and the headers that carry it.
struct SigV4Signature: Sendable, Equatable {
    var canonicalRequest: String
    var stringToSign: String
    var signature: String
    var amzDate: String
    var authorization: String
}
