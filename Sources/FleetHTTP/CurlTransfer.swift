import CCurl

/// Performs HTTP requests with libcurl.
///
/// Each request runs on a thread of its own (`BlockingThread`), never on a Swift concurrency thread:
/// libcurl blocks, and a blocked cooperative thread starves every task in the process.
/// Resumable downloads, retries, bandwidth caps and connection reuse arrive with the agent (issue #4).
public struct HTTPClient: Sendable {
    public var timeoutSeconds: Int

    public init(timeoutSeconds: Int = 30) {
        self.timeoutSeconds = timeoutSeconds
        CurlGlobal.initialize()
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await BlockingThread.run { try perform(request) }
    }

    private func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let handle = curl_easy_init() else {
            throw TransportError(url: request.url, code: -1, message: "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseSink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        _ = modelfleet_curl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // Send paths exactly as given: the server, not the client, decides what `..` means.
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_PATH_AS_IS, 1)
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, min(timeoutSeconds, 10))
        _ = modelfleet_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, ResponseSink.onBody)
        _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = modelfleet_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, ResponseSink.onHeader)
        _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        switch request.method {
        case "GET": break
        case "HEAD": _ = modelfleet_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default: _ = modelfleet_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let body = request.body {
            _ = modelfleet_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            if body.isEmpty {
                _ = modelfleet_curl_setopt_string(handle, CURLOPT_POSTFIELDS, "")
            } else {
                body.withUnsafeBytes { raw in
                    // COPYPOSTFIELDS copies the bytes, so they need not outlive this closure.
                    _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
                }
            }
        }
        // An empty Expect stops libcurl from waiting a second for "100 Continue" on larger bodies.
        for header in request.headers + [(name: "Expect", value: "")] {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList)

        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            throw TransportError(url: request.url, code: Int32(code.rawValue), message: String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        _ = modelfleet_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}

/// Collects what libcurl hands to the write and header callbacks of one transfer.
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]

    static let onBody: modelfleet_curl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        return length
    }

    static let onHeader: modelfleet_curl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            sink.headers = [:] // a new response (after a redirect or 100 Continue) starts over
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingWhitespace
            sink.headers[name] = value
        }
        return length
    }
}

/// `curl_global_init` must run once before any other libcurl call, and is not thread-safe itself.
enum CurlGlobal {
    private static let once: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    static func initialize() { _ = once }
}

extension Substring {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
