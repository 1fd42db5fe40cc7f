import Crypto
import FleetCore
import NIOCore
import NIOHTTP1

/// Signed S3 requests on one bucket, path-style (`/BUCKET/KEY`): the operations the chunk store needs
/// and nothing more. Answers the server refuses become `S3RequestFailed`; a 404 on a read is an answer
/// (nil / false), not an error.
struct S3Client: Sendable {
    let transport: S3Transport
    let signer: SigV4Signer
    let bucket: String

    init(endpoint: S3Endpoint, bucket: String, region: String, credentials: SigV4Signer.Credentials) {
        transport = S3Transport(endpoint: endpoint)
        signer = SigV4Signer(credentials: credentials, region: region, service: "s3")
        self.bucket = bucket
    }

    /// Largest answer body read for anything but an object: listing pages and error documents.
    static let maxListingBytes = 8 << 20

    /// Stores `bytes` under `key` in one request: S3 makes an object visible whole or not at all, and
    /// checks the signed SHA-256 against what arrived, so a body cut short is refused, not stored.
    func put(_ key: String, _ bytes: ByteBuffer, headers extra: [(name: String, value: String)] = []) async throws {
        let hash = bytes.withUnsafeReadableBytes { Hex.encode(Array(SHA256.hash(data: $0))) }
        let response = try await send("PUT", key: key, headers: extra + [("content-length", "\(bytes.readableBytes)")], payloadHash: hash, body: bytes)
        try expect(response, "PUT", key)
    }

    /// The object's bytes (the first `limit` of them), or nil if there is no such object.
    func get(_ key: String, limit: Int) async throws -> ByteBuffer? {
        // A Range bounds what an object grown past its record costs: verification refuses it either way.
        let response = try await send("GET", key: key, headers: [("range", "bytes=0-\(limit - 1)")], maxBodyBytes: limit)
        switch response.status.code {
        case 404: return nil
        // An empty object has no byte 0 to range over.
        case 416: return ByteBuffer()
        default:
            try expect(response, "GET", key)
            return response.body
        }
    }

    /// True if `key` exists.
    func exists(_ key: String) async throws -> Bool {
        let response = try await send("HEAD", key: key)
        if response.status.code == 404 { return false }
        try expect(response, "HEAD", key)
        return true
    }

    /// Deletes `key`; S3 answers 204 whether or not it existed.
    func delete(_ key: String) async throws {
        let response = try await send("DELETE", key: key)
        if response.status.code == 404 { return }
        try expect(response, "DELETE", key)
    }

    /// Copies `source` to `destination` on the server (no bytes through the registry). False if `source` is gone.
    func copy(_ source: String, to destination: String) async throws -> Bool {
        let response = try await send(
            "PUT", key: destination,
            headers: [("x-amz-copy-source", AWSPercentEncoding.encodePath("/\(bucket)/\(source)")), ("content-length", "0")])
        if response.status.code == 404 { return false }
        try expect(response, "copy to", destination)
        // S3 may answer a copy that failed part-way with 200 and an error document.
        if XMLText.first("Code", in: String(buffer: response.body)) != nil {
            throw S3RequestFailed(operation: "copy to", target: "\(bucket)/\(destination)", status: 200, body: response.body)
        }
        return true
    }

    /// Every key under `prefix` with its last-modified time, following continuation tokens.
    func list(prefix: String, pageSize: Int = 1000) async throws -> [ListObjectsPage.Entry] {
        var entries: [ListObjectsPage.Entry] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", "\(pageSize)")]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", key: nil, query: query, maxBodyBytes: Self.maxListingBytes)
            try expect(response, "list", prefix + "*")
            let page = ListObjectsPage(parsing: String(buffer: response.body))
            entries += page.entries
            token = page.nextContinuationToken
        } while token != nil
        return entries
    }

    /// HEAD on the bucket: the one request that tells, before anything else, whether the endpoint is
    /// reachable, the credentials are good and the bucket exists.
    func checkBucket() async throws {
        let response = try await send("HEAD", key: nil)
        try expect(response, "HEAD bucket", "")
    }

    /// Creates the bucket (tests and set-up scripts; the registry never creates its bucket, see the README).
    func createBucket() async throws {
        let response = try await send("PUT", key: nil, headers: [("content-length", "0")])
        try expect(response, "create bucket", "")
    }

    /// A GET URL for `key` that needs no credentials for `seconds` (query-string SigV4, host signed only).
    func presignedURL(_ key: String, expiresIn seconds: Int, at time: Timestamp = .now()) -> String {
        let path = "/\(bucket)/\(key)"
        let signature = signer.presign(
            SigV4Request(method: "GET", path: path, headers: [("host", transport.endpoint.hostHeader)], payloadHash: SigV4Signer.unsignedPayload),
            expiresIn: seconds, at: time)
        return "\(transport.endpoint)\(AWSPercentEncoding.encodePath(path))?\(SigV4Signer.canonicalQuery(signature.presignedQuery))"
    }

    private func expect(_ response: S3Transport.Response, _ operation: String, _ key: String) throws {
        guard (200..<300).contains(response.status.code) else {
            throw S3RequestFailed(operation: operation, target: "\(bucket)/\(key)", status: Int(response.status.code), body: response.body)
        }
    }

    /// Signs and sends one request on the bucket (`key` nil) or on an object.
    func send(
        _ method: String, key: String?, query: [(String, String)] = [], headers extra: [(name: String, value: String)] = [],
        payloadHash: String = SigV4Signer.emptyPayloadHash, body: ByteBuffer? = nil, maxBodyBytes: Int = S3Client.maxListingBytes
    ) async throws -> S3Transport.Response {
        let path = "/\(bucket)" + (key.map { "/" + $0 } ?? "")
        let request = SigV4Request(
            method: method, path: path, query: query.map { (name: $0.0, value: $0.1) },
            headers: extra + [("host", transport.endpoint.hostHeader), ("x-amz-content-sha256", payloadHash)], payloadHash: payloadHash)
        let signature = signer.sign(request, at: .now())
        var headers = HTTPHeaders(request.headers.map { ($0.name, $0.value) })
        headers.add(name: "x-amz-date", value: signature.amzDate)
        headers.add(name: "authorization", value: signature.authorization)
        let query = SigV4Signer.canonicalQuery(request.query)
        let uri = AWSPercentEncoding.encodePath(path) + (query.isEmpty ? "" : "?" + query)
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: uri, headers: headers)
        return try await transport.execute(head, body: body, maxBodyBytes: maxBodyBytes)
    }
}
