import FleetCore
import Foundation
public import Registry

/// The S3 server the S3 tests run against, when there is one: `integration/s3/run-tests.sh` starts
/// Ceph's RADOS Gateway and sets `MODELFLEET_TEST_S3_ENDPOINT`, `_ACCESS_KEY`, `_SECRET_KEY` and
/// `_REGION`. Dedicated names, not `AWS_*`: a developer's real AWS credentials must never make the
/// tests create buckets in their account.
///
/// Buckets and objects are made with curl's own SigV4 (`--aws-sigv4`), not the registry's signer,
/// so a test that corrupts an object or checks a key does not depend on the code under test.
public enum S3TestServer {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// True when the variables are set; S3 tests are enabled by this trait condition.
    public static var isConfigured: Bool { environment["MODELFLEET_TEST_S3_ENDPOINT"].map { !$0.isEmpty } ?? false }

    public static var endpoint: String { environment["MODELFLEET_TEST_S3_ENDPOINT"] ?? "" }
    public static var accessKey: String { environment["MODELFLEET_TEST_S3_ACCESS_KEY"] ?? "" }
    public static var secretKey: String { environment["MODELFLEET_TEST_S3_SECRET_KEY"] ?? "" }
    public static var region: String { environment["MODELFLEET_TEST_S3_REGION"] ?? "us-east-1" }

    /// Settings that reach the test server.
    public static var settings: S3Settings {
        var settings = S3Settings()
        settings.endpointURL = endpoint
        settings.accessKeyID = accessKey
        settings.secretAccessKey = secretKey
        settings.region = region
        return settings
    }

    /// The `AWS_*` variables for a registry process on the test server.
    public static var awsEnvironment: [String: String] {
        ["AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_REGION": region]
    }

    /// A new, empty bucket with a unique name, so tests run in parallel without seeing each other's objects.
    public static func makeBucket(_ purpose: String) throws -> String {
        let bucket = "\(purpose)-\(UUID().uuidString.lowercased().prefix(13))"
        _ = try curl("PUT", "/\(bucket)", expecting: 200)
        return bucket
    }

    /// Replaces the object at `key` with `bytes`, behind the registry's back.
    public static func put(_ bytes: [UInt8], bucket: String, key: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("s3-put-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        _ = try curl("PUT", "/\(bucket)/\(key)", expecting: 200, upload: file.path, payloadHash: Digest.of(bytes).hex)
    }

    /// The object's bytes, or nil for a 404.
    public static func get(bucket: String, key: String) throws -> [UInt8]? {
        let (status, body) = try curl("GET", "/\(bucket)/\(key)", expecting: nil)
        if status == 404 { return nil }
        guard status == 200 else { throw Failure(description: "GET \(bucket)/\(key): HTTP \(status) \(String(decoding: body, as: UTF8.self))") }
        return body
    }

    /// Keys hold `+` (`zstd+shuffle4`): encoded here, since curl signs the path exactly as given.
    private static func encoded(_ path: String) -> String {
        if let question = path.firstIndex(of: "?") { return encoded(String(path[..<question])) + path[question...] }
        return path.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                String(UnicodeScalar(byte))
            default: String(format: "%%%02X", byte)
            }
        }.joined()
    }

    /// The keys under `prefix` (one page: tests hold few objects).
    public static func keys(bucket: String, prefix: String) throws -> [String] {
        let (_, body) = try curl("GET", "/\(bucket)?list-type=2&prefix=\(prefix)", expecting: 200)
        return String(decoding: body, as: UTF8.self).components(separatedBy: "<Key>").dropFirst().compactMap { $0.components(separatedBy: "</Key>").first }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// One request signed by curl. curl 7.88 does not send `x-amz-content-sha256` by itself, which S3 requires.
    private static func curl(_ method: String, _ path: String, expecting: Int?, upload: String? = nil, payloadHash: String = "UNSIGNED-PAYLOAD")
        throws -> (Int, [UInt8])
    {
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("s3-body-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: bodyFile) }
        var arguments = [
            "-sS", "-X", method, "--aws-sigv4", "aws:amz:\(region):s3", "--user", "\(accessKey):\(secretKey)",
            "-H", "x-amz-content-sha256: \(payloadHash)", "-o", bodyFile.path, "-w", "%{http_code}"
        ]
        if let upload { arguments += ["-T", upload] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments + [endpoint + encoded(path)]
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
