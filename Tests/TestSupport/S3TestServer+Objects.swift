import FleetCore
import Foundation
import TestProcesses

/// Buckets and objects made and inspected with curl's own SigV4 (`--aws-sigv4`), not the registry's
/// signer, so a test that corrupts an object or checks a key does not depend on the code under test.
extension S3TestServer {
    /// A new, empty bucket with a unique name, so tests run in parallel without seeing each other's objects.
    public func makeBucket(_ purpose: String) throws -> String {
        let bucket = "\(purpose)-\(UUID().uuidString.lowercased().prefix(13))"
        _ = try curl("PUT", "/\(bucket)", expecting: 200)
        return bucket
    }

    /// Replaces the object at `key` with `bytes`, behind the registry's back.
    public func put(_ bytes: [UInt8], bucket: String, key: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("s3-put-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        _ = try curl("PUT", "/\(bucket)/\(key)", expecting: 200, upload: file.path, payloadHash: Digest.of(bytes).hex)
    }

    /// The object's bytes, or nil for a 404.
    public func get(bucket: String, key: String) throws -> [UInt8]? {
        let (status, body) = try curl("GET", "/\(bucket)/\(key)", expecting: nil)
        if status == 404 { return nil }
        guard status == 200 else { throw Failure(description: "GET \(bucket)/\(key): HTTP \(status) \(String(decoding: body, as: UTF8.self))") }
        return body
    }

    /// The keys under `prefix` (one page of up to 1,000: tests hold few objects).
    public func keys(bucket: String, prefix: String) throws -> [String] {
        let (_, body) = try curl("GET", "/\(bucket)", query: "list-type=2&prefix=\(Self.encoded(prefix, keepSlash: false))", expecting: 200)
        return String(decoding: body, as: UTF8.self).components(separatedBy: "<Key>").dropFirst().compactMap { $0.components(separatedBy: "</Key>").first }
    }

    /// RFC 3986 encoding: keys hold `+` (`zstd+shuffle4`) and curl signs the path exactly as given.
    static func encoded(_ text: String, keepSlash: Bool = true) -> String {
        text.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                String(UnicodeScalar(byte))
            case UInt8(ascii: "/") where keepSlash: "/"
            default: String(format: "%%%02X", byte)
            }
        }.joined()
    }

    /// One request signed by curl. curl 7.88 does not send `x-amz-content-sha256` by itself, which S3 requires.
    private func curl(
        _ method: String, _ path: String, query: String = "", expecting: Int?, upload: String? = nil, payloadHash: String = "UNSIGNED-PAYLOAD"
    ) throws -> (Int, [UInt8]) {
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("s3-body-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: bodyFile) }
        var arguments = [
            "-sS", "-X", method, "--aws-sigv4", "aws:amz:\(region):s3", "--user", "\(accessKey):\(secretKey)",
            "-H", "x-amz-content-sha256: \(payloadHash)", "-o", bodyFile.path, "-w", "%{http_code}"
        ]
        if let upload { arguments += ["-T", upload] }
        let process = SpawnedProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments + [endpoint + Self.encoded(path) + (query.isEmpty ? "" : "?" + query)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let status = Int(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) ?? 0
        process.waitUntilExit()
        let body = (try? [UInt8](Data(contentsOf: bodyFile))) ?? []
        if let expecting, status != expecting {
            throw Failure(description: "curl \(method) \(path): HTTP \(status), expected \(expecting): \(String(decoding: body, as: UTF8.self))")
        }
        return (status, body)
    }
}
