import FleetCore
import FleetHTTP
import Foundation
import Testing

/// `modelfleet-registry scrub`: verifies every stored chunk, quarantines the bad ones, exits 1 if any.
///
/// The async part is kept to the upload; the checks run in a synchronous helper (a longer async test
/// body hit the Swift 6.3 heap corruption described in docs/decisions.md, "Swift 6.3 hazard").
@Suite(.serialized) struct ScrubCommandTests {
    static let bytes = [UInt8](repeating: 42, count: 4096)

    @Test func scrubReportsAndQuarantinesACorruptChunk() async throws {
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let registry = RegistryProcess(dataDirectory: scratch.path + "/data")
        try registry.start()
        try await registry.admin.putChunk(Digest.of(Self.bytes), codec: .identity, length: Self.bytes.count, stored: Self.bytes)
        registry.killHard()
        try Self.scrubFindsTheCorruptChunk(data: scratch.path + "/data")
    }

    static func scrubFindsTheCorruptChunk(data: String) throws {
        let clean = try ProgramRunner.run("modelfleet-registry", ["scrub", "--data-dir", data])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout == "checked 1 chunk(s): 0 quarantined, 0 missing\n")

        let digest = Digest.of(bytes)
        let hex = digest.hex
        let file = "\(data)/chunks/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex).identity"
        try Data([UInt8](repeating: 43, count: bytes.count)).write(to: URL(fileURLWithPath: file))
        let dirty = try ProgramRunner.run("modelfleet-registry", ["scrub", "--data-dir", data])
        #expect(dirty.status == 1)
        #expect(dirty.stdout == "checked 1 chunk(s): 1 quarantined, 0 missing\nquarantined \(digest)\n")
        #expect(FileManager.default.fileExists(atPath: "\(data)/chunks/quarantine/\(hex).identity"))
        #expect(!FileManager.default.fileExists(atPath: file))
    }
}
