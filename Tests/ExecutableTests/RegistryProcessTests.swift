import FleetCore
import FleetHTTP
import Foundation
import Testing

@Suite(.serialized) struct RegistryProcessTests {
    func scratch() throws -> String { try TestPaths.scratch().path }

    @Test func firstStartWritesTokensAndSIGTERMShutsDownCleanly() async throws {
        let data = try scratch() + "/data"
        let registry = RegistryProcess(dataDirectory: data)
        try registry.start()
        for file in ["admin.token", "enroll.token"] {
            let mode = try FileManager.default.attributesOfItem(atPath: data + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        let started = Date()
        kill(registry.process.processIdentifier, SIGTERM)
        registry.process.waitUntilExit()
        #expect(registry.process.terminationStatus == 0)
        #expect(Date().timeIntervalSince(started) < 10)

        // A second start keeps the tokens it made the first time.
        let admin = try registry.token("admin.token")
        try registry.start()
        #expect(try registry.token("admin.token") == admin)
        #expect(!registry.output.contains("created"))

        // A check-in buffered in memory is written at graceful shutdown, not lost.
        let device = try await RegistryClient(baseURL: registry.baseURL, token: try registry.token("enroll.token"))
            .enroll(DeviceProfile(arch: "x86_64", ramBytes: 1, diskBytes: 1, engineVersion: "0.0.0"))
        _ = try await RegistryClient(baseURL: registry.baseURL, token: device.token).checkin(
            deviceID: device.deviceID, CheckinRequest(installed: [], state: "idle"))
        kill(registry.process.processIdentifier, SIGTERM)
        registry.process.waitUntilExit()
        try registry.start()
        let devices = try await registry.admin.send("GET", "/v1/devices").text
        #expect(devices.contains(#""lastSeenAt":"#), "\(devices)")
    }

    @Test func killedMidUploadLeavesNoPartialChunk() async throws {
        let data = try scratch() + "/data"
        let registry = RegistryProcess(dataDirectory: data)
        try registry.start()
        let token = try registry.token("admin.token")
        let body = SeededRandom.bytes(count: 200_000, seed: 11)
        let digest = Digest.of(body)
        let port = try #require(UInt16(registry.baseURL.split(separator: ":").last ?? ""))
        let head =
            "PUT /v1/chunks/\(digest) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "ModelFleet-Codec: identity\r\nModelFleet-Length: \(body.count)\r\nContent-Length: \(body.count)\r\n\r\n"
        let hanging = try HalfSentRequest(port: port, head: head, body: Array(body.prefix(120_000)))
        try await Task.sleep(for: .milliseconds(300))
        registry.killHard()
        _ = hanging

        try registry.start()
        #expect(registry.visibleChunkFiles().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: data + "/chunks/incoming").isEmpty)
        #expect(try await registry.admin.missingChunks([digest]).missing == [digest])
        // And the upload, retried, works.
        try await registry.admin.putChunk(digest, codec: .identity, length: body.count, stored: body)
        #expect(try await registry.admin.chunk(digest).body == body)
    }

    /// Commits versions back to back and kills the server mid-stream, five times. After each restart every
    /// acknowledged version is there, and every listed version is whole: its manifest verifies and all its
    /// chunks download and hash correctly.
    @Test func killedMidCommitLeavesNoHalfCommittedVersion() async throws {
        let data = try scratch() + "/data"
        let registry = RegistryProcess(dataDirectory: data)
        try registry.start()
        let key = PublisherPrivateKey.generate()
        try await registry.admin.registerPublisher(key.publicKey)
        let packer = ArtifactPacker(settings: .init(compressor: .zstd, level: 3))
        var stored: [Digest: [UInt8]] = [:]
        let file = try packer.pack(file: TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path, as: "model.onnx", mode: .tensorAware) {
            stored[$0.digest] = $1
        }
        for chunk in file.chunks {
            try await registry.admin.putChunk(chunk.digest, codec: chunk.codec, length: chunk.length, stored: stored[chunk.digest] ?? [])
        }
        var acknowledged: [String] = []
        var next = 0
        for round in 0..<5 {
            let client = try registry.admin
            let pid = registry.process.processIdentifier
            let killer = Task {
                try await Task.sleep(for: .milliseconds(150 + 70 * round))
                kill(pid, SIGKILL)
            }
            while true {
                let version = "1.0.\(next)"
                let manifest = try ManifestSigning.sign(
                    Manifest(
                        model: "digits-mlp", version: try SemanticVersion(parsing: version), variant: "fp32",
                        files: [file], createdAt: .now(), publisher: key.publicKey.keyID), with: key)
                do {
                    try await client.commit(try ManifestCoding.encode(manifest), model: "digits-mlp")
                    acknowledged.append(version)
                    next += 1
                } catch is TransportError {
                    break  // the server died under this request: it may or may not have committed it
                }
            }
            _ = try await killer.value
            registry.process.waitUntilExit()
            try registry.start()
            next += 1
        }
        #expect(acknowledged.count >= 5)

        struct Listing: Decodable {
            struct Row: Decodable { var version: String }
            var versions: [Row]
        }
        let client = try registry.admin
        let listed = try JSONDecoder().decode(Listing.self, from: Data(try await client.send("GET", "/v1/models/digits-mlp/versions").body)).versions.map(
            \.version)
        #expect(Set(acknowledged).isSubset(of: Set(listed)), "acknowledged but lost: \(Set(acknowledged).subtracting(listed).sorted())")
        let trust = TrustedPublishers([key.publicKey])
        for version in listed {
            let manifest = try trust.verify(try await client.manifest(model: "digits-mlp", version: try SemanticVersion(parsing: version), variant: "fp32"))
                .manifest
            for chunk in manifest.files.flatMap(\.chunks) {
                let bytes = try await client.chunk(chunk.digest).body
                let restored = try bytes.withUnsafeBytes { try ChunkCompressor().decode($0, codec: chunk.codec, length: chunk.length, digest: chunk.digest) }
                #expect(restored.count == chunk.length)
            }
        }
    }

    /// The connection settings reach the server from its flags: a half-sent request head is closed after
    /// `--header-timeout`, not left open.
    @Test func connectionDeadlineFlagsTakeEffect() throws {
        let registry = RegistryProcess(dataDirectory: try scratch() + "/data")
        try registry.start(arguments: ["--header-timeout", "0.5", "--body-timeout", "0.5", "--idle-timeout", "0.5", "--max-connections", "8"])
        let port = UInt16(registry.baseURL.split(separator: ":").last ?? "") ?? 0
        let hanging = try HalfSentRequest(port: port, head: "GET /healthz HTTP/1.1\r\nHost: registry\r\n", body: [])
        #expect(hanging.isClosed(within: 5))
    }
}

/// Deterministic bytes for process tests (SplitMix64).
