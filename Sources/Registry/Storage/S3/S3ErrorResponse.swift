import NIOCore

/// An S3 request the server refused or could not serve: the operation, the object, the HTTP status,
/// and S3's own error code and message from the XML body (`NoSuchBucket`, `SignatureDoesNotMatch`…),
/// which say more than the status does.
struct S3RequestFailed: Error, CustomStringConvertible, Sendable {
    var operation: String
    var target: String
    var status: Int
    var code: String?
    var message: String?

    init(operation: String, target: String, status: Int, body: ByteBuffer) {
        self.operation = operation
        self.target = target
        self.status = status
        let text = String(buffer: body)
        code = XMLText.first("Code", in: text)
        message = XMLText.first("Message", in: text)
    }

    var description: String {
        let detail = [code, message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        return "S3 \(operation) \(target) failed with HTTP \(status)" + (detail.isEmpty ? "" : " (\(detail))")
    }
}

/// The few pieces of S3's XML the store needs, found by element name. S3's answers are flat, machine
/// written and of a fixed shape; FoundationXML would pull libxml2 into the registry for this.
enum XMLText {
    /// The unescaped text of the first `<name>…</name>` in `text`.
    static func first(_ name: String, in text: some StringProtocol) -> String? {
        all(name, in: text).first
    }

    /// The unescaped texts of every `<name>…</name>` in `text`, in order.
    static func all(_ name: String, in text: some StringProtocol) -> [String] {
        elements(name, in: text).map(unescape)
    }

    /// The raw contents of every `<name>…</name>`, for elements that hold other elements.
    static func elements(_ name: String, in text: some StringProtocol) -> [Substring] {
        let (open, close) = ("<\(name)>", "</\(name)>")
        var found: [Substring] = []
        var rest = Substring(text)
        while let start = rest.firstRange(of: open), let end = rest[start.upperBound...].firstRange(of: close) {
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The five predefined entities; `&amp;` last so `&amp;lt;` stays `&lt;`.
    static func unescape(_ text: some StringProtocol) -> String {
        guard text.contains("&") else { return String(text) }
        return String(text).replacingAll("&lt;", "<").replacingAll("&gt;", ">").replacingAll("&quot;", "\"")
            .replacingAll("&apos;", "'").replacingAll("&amp;", "&")
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
