/// A request as the client sends it. Bodies are small here (chunks ≤ 256 KiB, manifests, JSON).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Follow up to three redirects (http and https only). Chunk downloads do: a registry that keeps
    /// chunks in S3 may answer with a presigned URL. libcurl drops `Authorization` when the host or port
    /// changes, so the registry's token never reaches S3; what arrives is verified against its digest anyway.
    public var followRedirects = false

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, followRedirects: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.followRedirects = followRedirects
    }
}

/// A response with header names lower-cased, so lookups do not depend on the server's spelling.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public subscript(header name: String) -> String? { headers[name.lowercased()] }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that failed below HTTP: no connection, timeout, reset, TLS failure.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public var url: String
    public var code: Int32
    public var message: String
    public var description: String { "\(url): \(message) (curl error \(code))" }
}

extension TransportError {
    /// The last attempt's error, saying that the retry budget ended the request.
    func afterRetryBudget(_ seconds: Int, attempts: Int) -> TransportError {
        TransportError(url: url, code: code, message: "\(message); gave up after \(attempts) attempt(s) and the retry budget of \(seconds) s")
    }
}
