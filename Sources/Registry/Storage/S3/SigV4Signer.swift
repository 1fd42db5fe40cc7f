import Crypto
import FleetCore

/// AWS Signature Version 4, the authentication every S3-compatible server accepts: the header form
/// (`sign`, every request the registry sends) and the query form (`presign`, a URL a device can fetch
/// without credentials until it expires).
///
/// Each step's output is kept (`SigV4Signature`) so tests can compare the canonical request, the
/// string to sign and the signature with AWS's published examples one by one: a mismatch in the
/// signature alone says nothing about which of the three steps is wrong.
struct SigV4Signer: Sendable {
    struct Credentials: Sendable, Equatable {
        var accessKeyID: String
        var secretAccessKey: String
    }

    static let algorithm = "AWS4-HMAC-SHA256"
    /// SHA-256 of an empty body, the payload hash of every GET, HEAD and DELETE.
    static let emptyPayloadHash = Hex.encode(Array(SHA256.hash(data: [UInt8]())))
    /// The payload hash of a presigned URL: whoever fetches it chooses no body.
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    let credentials: Credentials
    let region: String
    /// `s3` for S3; AWS's generic test suite signs for `service`.
    let service: String

    /// Signs `request` at `time` for an `Authorization` header. The request's headers must already
    /// hold every header to be signed (`host`, and `x-amz-content-sha256` for S3); `x-amz-date` is added.
    func sign(_ request: SigV4Request, at time: Timestamp) -> SigV4Signature {
        let amzDate = Self.amzDate(time)
        var headers = request.headers
        if !headers.contains(where: { $0.name.lowercased() == "x-amz-date" }) { headers.append((name: "x-amz-date", value: amzDate)) }
        let canonical = Self.canonicalHeaders(headers)
        let (canonicalRequest, stringToSign, signature) = steps(request, query: request.query, headers: canonical, amzDate: amzDate)
        return SigV4Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, amzDate: amzDate,
            authorization: "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(amzDate)), SignedHeaders=\(canonical.signedNames), "
                + "Signature=\(signature)", presignedQuery: [])
    }

    /// Signs `request` at `time` into query parameters valid for `expiresIn` seconds (S3 allows 1 s to
    /// 7 days). Only `host` is signed and the payload is `UNSIGNED-PAYLOAD`, so the URL alone is the
    /// credential: a client adds its own `Range` header and sends no `Authorization`.
    func presign(_ request: SigV4Request, expiresIn seconds: Int, at time: Timestamp) -> SigV4Signature {
        let amzDate = Self.amzDate(time)
        let canonical = Self.canonicalHeaders(request.headers)
        let credentialQuery: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", Self.algorithm), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(amzDate))"), ("X-Amz-Date", amzDate),
            ("X-Amz-Expires", String(seconds)), ("X-Amz-SignedHeaders", canonical.signedNames)
        ]
        var unsigned = request
        unsigned.payloadHash = Self.unsignedPayload
        let (canonicalRequest, stringToSign, signature) = steps(unsigned, query: request.query + credentialQuery, headers: canonical, amzDate: amzDate)
        return SigV4Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, amzDate: amzDate, authorization: "",
            presignedQuery: request.query + credentialQuery + [("X-Amz-Signature", signature)])
    }

    /// The three steps both forms share: canonical request, string to sign, signature.
    private func steps(
        _ request: SigV4Request, query: [(name: String, value: String)], headers: CanonicalHeaders, amzDate: String
    ) -> (canonicalRequest: String, stringToSign: String, signature: String) {
        let canonicalRequest = [
            request.method, AWSPercentEncoding.encodePath(request.path), Self.canonicalQuery(query), headers.block, headers.signedNames,
            request.payloadHash
        ].joined(separator: "\n")
        let stringToSign = [Self.algorithm, amzDate, scope(amzDate), Hex.encode(Array(SHA256.hash(data: Array(canonicalRequest.utf8))))]
            .joined(separator: "\n")
        let key = signingKey(day: String(amzDate.prefix(8)))
        let signature = Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)))
        return (canonicalRequest, stringToSign, signature)
    }

    private func scope(_ amzDate: String) -> String {
        "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The key for one day, region and service: a chain of HMACs from the secret, so the secret itself never signs.
    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// The signed headers: names lower-cased and sorted, values trimmed, repeated names joined with
    /// commas in the order they were given (the suite's get-header-key-duplicate and -value-order).
    struct CanonicalHeaders {
        var block: String
        var signedNames: String
    }

    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> CanonicalHeaders {
        var values: [String: [String]] = [:]
        for header in headers { values[header.name.lowercased(), default: []].append(trimmed(header.value)) }
        let names = values.keys.sorted()
        return CanonicalHeaders(
            block: names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined(), signedNames: names.joined(separator: ";"))
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

    /// Leading and trailing white space removed and inner runs (folded lines included) collapsed to one space.
    private static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).joined(separator: " ")
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

/// Every intermediate result of one signature, and what carries it: the `Authorization` header
/// (header form) or the query parameters to append to the URL (presigned form).
struct SigV4Signature: Sendable {
    var canonicalRequest: String
    var stringToSign: String
    var signature: String
    var amzDate: String
    var authorization: String
    var presignedQuery: [(name: String, value: String)]
}
