import CCurl
import FleetCore

/// Performs HTTP requests with libcurl: small requests in memory, downloads into files that resume.
///
/// Each transfer runs on a thread of its own (`BlockingThread`), never on a Swift concurrency
/// thread: libcurl blocks, and a blocked cooperative thread starves every task in the process.
/// Easy handles return to a pool after use, so connections to the registry are reused.
public struct HTTPClient: Sendable {
    public var options: TransferOptions
    private let pool = CurlHandlePool()
    private let limiter: BandwidthLimiter?

    public init(options: TransferOptions = TransferOptions()) {
        self.options = options
        limiter = options.maxReceiveBytesPerSecond > 0 ? BandwidthLimiter(bytesPerSecond: options.maxReceiveBytesPerSecond) : nil
        CurlGlobal.initialize()
    }

    public init(timeoutSeconds: Int) {
        var options = TransferOptions()
        options.timeoutSeconds = timeoutSeconds
        self.init(options: options)
    }

    /// One attempt, response in memory.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await BlockingThread.run { [pool, options, limiter] in
            try pool.withHandle { handle in
                let sink = ResponseSink(file: nil, limiter: limiter, firstByteTimeoutSeconds: options.firstByteTimeoutSeconds)
                return try Self.perform(request, on: handle, sink: sink, options: options, wholeTransferMilliseconds: options.timeoutSeconds * 1000)
            }
        }
    }

    /// Retries on connection errors, timeouts, 5xx and 429, with backoff and full jitter, within
    /// the retry budget. The whole loop, waits included, runs on the transfer's own thread.
    public func sendWithRetries(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await BlockingThread.run { [pool, options, limiter] in
            var attempt = 0
            let budget = RetryBudget(seconds: options.retryBudgetSeconds)
            while true {
                var retryAfter: Int?
                let delay: Duration
                do {
                    let response = try pool.withHandle {
                        let sink = ResponseSink(file: nil, limiter: limiter, firstByteTimeoutSeconds: options.firstByteTimeoutSeconds)
                        return try Self.perform(
                            request, on: $0, sink: sink, options: options,
                            wholeTransferMilliseconds: budget.attemptMilliseconds(limitSeconds: options.timeoutSeconds))
                    }
                    guard RetryPolicy.isRetryable(status: response.status), attempt + 1 < options.retry.maxAttempts else { return response }
                    retryAfter = response[header: "retry-after"].flatMap { Int($0) }
                    delay = options.retry.delay(afterAttempt: attempt, retryAfterSeconds: retryAfter)
                    guard budget.allowsAttempt(after: delay) else { return response }
                } catch let error as TransportError where attempt + 1 < options.retry.maxAttempts {
                    delay = options.retry.delay(afterAttempt: attempt, retryAfterSeconds: nil)
                    guard budget.allowsAttempt(after: delay) else { throw error.afterRetryBudget(options.retryBudgetSeconds, attempts: attempt + 1) }
                }
                BlockingThread.sleep(delay)
                attempt += 1
            }
        }
    }

    /// Downloads `request` into the file at `path`, continuing from the bytes already there
    /// (`Range: bytes=N-`), retrying as `sendWithRetries` does. A server that ignores the range gets
    /// the file rewritten from the start. Returns the number of bytes received over the wire.
    @discardableResult
    public func download(_ request: HTTPRequest, to path: String, expectedLength: Int) async throws -> Int {
        try await BlockingThread.run { [pool, options, limiter] in
            var received = 0
            var attempt = 0
            var budget = RetryBudget(seconds: options.retryBudgetSeconds)
            while true {
                let outcome = try pool.withHandle {
                    try Self.downloadOnce(request, to: path, expectedLength: expectedLength, on: $0, options: options, limiter: limiter)
                }
                received += outcome.received
                if outcome.received > 0 { budget.progressed() }
                switch outcome.result {
                case .complete:
                    return received
                case .failed(let error, let retryAfter):
                    attempt += 1
                    guard attempt < options.retry.maxAttempts else { throw error }
                    let delay = options.retry.delay(afterAttempt: attempt - 1, retryAfterSeconds: retryAfter)
                    guard budget.allowsAttempt(after: delay) else {
                        throw (error as? TransportError)?.afterRetryBudget(options.retryBudgetSeconds, attempts: attempt) ?? error
                    }
                    BlockingThread.sleep(delay)
                }
            }
        }
    }

    private struct DownloadOutcome: Sendable {
        enum Result: Sendable {
            case complete
            case failed(any Error, retryAfter: Int?)
        }
        var result: Result
        var received: Int
    }

    private static func downloadOnce(
        _ request: HTTPRequest, to path: String, expectedLength: Int, on handle: UnsafeMutableRawPointer, options: TransferOptions, limiter: BandwidthLimiter?
    ) throws -> DownloadOutcome {
        let file = try AppendFile(path: path)
        let have = file.size
        if have == expectedLength { return DownloadOutcome(result: .complete, received: 0) }
        if have > expectedLength { try file.truncate() }
        var ranged = request
        if file.size > 0 { ranged.headers.append((name: "Range", value: "bytes=\(file.size)-")) }
        let sink = ResponseSink(file: file, limiter: limiter, firstByteTimeoutSeconds: options.firstByteTimeoutSeconds)
        do {
            let response = try perform(ranged, on: handle, sink: sink, options: options, wholeTransferMilliseconds: nil)
            switch response.status {
            case 200, 206:
                guard file.size == expectedLength else {
                    return DownloadOutcome(
                        result: .failed(
                            TransportError(url: request.url, code: -2, message: "body ended at \(file.size) of \(expectedLength) bytes"), retryAfter: nil),
                        received: sink.received)
                }
                return DownloadOutcome(result: .complete, received: sink.received)
            case 416:
                try file.truncate()  // our partial file is longer or other than the server's: start over
                return DownloadOutcome(
                    result: .failed(TransportError(url: request.url, code: -3, message: "range not satisfiable; restarting"), retryAfter: nil),
                    received: sink.received)
            case let status where RetryPolicy.isRetryable(status: status):
                let error = TransportError(url: request.url, code: -4, message: "HTTP \(status)")
                return DownloadOutcome(result: .failed(error, retryAfter: response[header: "retry-after"].flatMap { Int($0) }), received: sink.received)
            default:
                throw HTTPStatusError(url: request.url, response: response)
            }
        } catch let error as TransportError {
            return DownloadOutcome(result: .failed(error, retryAfter: nil), received: sink.received)
        }
    }

    private static func perform(
        _ request: HTTPRequest, on handle: UnsafeMutableRawPointer, sink: ResponseSink, options: TransferOptions, wholeTransferMilliseconds: Int?
    ) throws -> HTTPResponse {
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        _ = modelfleet_curl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // Send paths exactly as given: the server, not the client, decides what `..` means.
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_PATH_AS_IS, 1)
        if request.followRedirects {
            _ = modelfleet_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
            _ = modelfleet_curl_setopt_long(handle, CURLOPT_MAXREDIRS, 3)
            // libcurl 7.85+; older ones already limit redirects to HTTP(S) and FTP, and ignore this.
            _ = modelfleet_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        }
        if let wholeTransferMilliseconds { _ = modelfleet_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, wholeTransferMilliseconds) }
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, options.connectTimeoutSeconds)
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedBytesPerSecond)
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, options.lowSpeedSeconds)
        if options.maxReceiveBytesPerSecond > 0 {
            _ = modelfleet_curl_setopt_off(handle, CURLOPT_MAX_RECV_SPEED_LARGE, curl_off_t(options.maxReceiveBytesPerSecond))
        }
        if let caFile = options.caFile { _ = modelfleet_curl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        if let certificate = options.clientCertificate { _ = modelfleet_curl_setopt_string(handle, CURLOPT_SSLCERT, certificate) }
        if let key = options.clientKey { _ = modelfleet_curl_setopt_string(handle, CURLOPT_SSLKEY, key) }
        _ = modelfleet_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, ResponseSink.onBody)
        _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = modelfleet_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, ResponseSink.onHeader)
        _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = modelfleet_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = modelfleet_curl_setopt_progress(handle, ResponseSink.onProgress)
        _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
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

        // libcurl's own words for a failure (for TLS: the verification result), read by `TLSFailure`.
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errorText.withUnsafeMutableBufferPointer { buffer in
            _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            defer { _ = modelfleet_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil) }
            return curl_easy_perform(handle)
        }
        if let failure = sink.writeError { throw failure }
        if sink.firstByteTimedOut {
            throw TransportError(
                url: request.url, code: Int32(CURLE_OPERATION_TIMEDOUT.rawValue),
                message: "no answer within \(options.firstByteTimeoutSeconds) s of sending the request (first-byte timeout)")
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let failure = TLSFailure(code: code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail, url: request.url) {
                throw failure
            }
            var message = String(cString: curl_easy_strerror(code))
            if code == CURLE_GOT_NOTHING, request.url.lowercased().hasPrefix("http://") {
                message += " (a registry serving HTTPS answers plain HTTP this way: try https://)"
            }
            if code == CURLE_SSL_CONNECT_ERROR, !detail.isEmpty { message += " (\(detail))" }
            if code == CURLE_OPERATION_TIMEDOUT {
                let whole = wholeTransferMilliseconds.map { "whole request \($0) ms, " } ?? ""
                message +=
                    " (limits: connect \(options.connectTimeoutSeconds) s, \(whole)stall under \(options.lowSpeedBytesPerSecond) byte/s "
                    + "for \(options.lowSpeedSeconds) s)"
            }
            throw TransportError(url: request.url, code: Int32(code.rawValue), message: message)
        }
        var status = 0
        _ = modelfleet_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}

/// A response status the caller did not ask for, with the body (the registry's JSON error).
public struct HTTPStatusError: Error, CustomStringConvertible, Sendable {
    public var url: String
    public var response: HTTPResponse
    public var description: String { "\(url): HTTP \(response.status) \(String(response.text.prefix(200)))" }
}

/// Easy handles kept between transfers: libcurl keeps each handle's connections open, so the next
/// request to the same registry skips the TCP (and TLS) handshake.
final class CurlHandlePool: @unchecked Sendable {
    private var idle: [UnsafeMutableRawPointer] = []
    private let lock = PThreadMutex()

    func withHandle<T>(_ body: (UnsafeMutableRawPointer) throws -> T) throws -> T {
        let handle = lock.withLock { idle.popLast() } ?? curl_easy_init()
        guard let handle else { throw TransportError(url: "", code: -1, message: "curl_easy_init failed") }
        curl_easy_reset(handle)
        defer { lock.withLock { idle.append(handle) } }
        return try body(handle)
    }

    deinit {
        for handle in idle { curl_easy_cleanup(handle) }
    }
}

/// Collects what libcurl hands to the write and header callbacks of one transfer: the body in
/// memory, or appended to a file for downloads (only for 200/206 answers, never an error page).
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var status = 0
    var received = 0
    var writeError: (any Error)?
    let file: AppendFile?
    let limiter: BandwidthLimiter?
    /// First-byte timeout: the answer's first byte must come this soon after the request's last.
    let firstByteTimeout: Duration
    var answered = false
    var firstByteTimedOut = false
    private var uploaded: Int64 = -1
    private var waitingSince = ContinuousClock.now

    init(file: AppendFile?, limiter: BandwidthLimiter?, firstByteTimeoutSeconds: Int) {
        self.file = file
        self.limiter = limiter
        firstByteTimeout = .seconds(max(firstByteTimeoutSeconds, 1))
    }

    /// Aborts the transfer when no byte of the answer arrived within the first-byte timeout of the
    /// last byte of the request going out (the clock starts with the transfer, connection set-up included).
    static let onProgress: modelfleet_curl_progress_callback = { context, _, _, _, uploadNow in
        guard let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        guard !sink.answered else { return 0 }
        if Int64(uploadNow) != sink.uploaded {
            sink.uploaded = Int64(uploadNow)
            sink.waitingSince = .now
            return 0
        }
        guard ContinuousClock.now - sink.waitingSince > sink.firstByteTimeout else { return 0 }
        sink.firstByteTimedOut = true
        return 1
    }

    static let onBody: modelfleet_curl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        sink.received += length
        sink.limiter?.consume(length)
        if let file = sink.file, sink.status == 200 || sink.status == 206 {
            do {
                if sink.status == 200 && sink.received == length { try file.truncate() }  // a full body: start over
                try file.append(bytes)
            } catch {
                sink.writeError = error
                return 0  // aborts the transfer
            }
        } else {
            sink.body.append(contentsOf: bytes)
        }
        return length
    }

    static let onHeader: modelfleet_curl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        sink.answered = true
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            sink.headers = [:]  // a new response (after a redirect or 100 Continue) starts over
            sink.status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
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
