import FleetCore
import Foundation
import NIOCore

/// Reads a cached OCI blob file in pieces for a streamed response, synchronously (page-cache reads of a
/// mebibyte), so the response body's async loop only awaits the writes.
///
/// Not Hummingbird's `FileIO`: serving a file with it aborted a release build of the registry (Swift 6.3.1,
/// "double free" as the request's task ended; docs/decisions.md), while the debug build and this reader do not.
final class BlobFileReader: @unchecked Sendable {
    private let handle: FileHandle
    static let pieceBytes = 1 << 20

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FleetError.io(path: path, operation: "open", errno: errno) }
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// The next piece, nil at the end of the file.
    func next() throws -> ByteBuffer? {
        guard let data = try handle.read(upToCount: Self.pieceBytes), !data.isEmpty else { return nil }
        return ByteBuffer(bytes: data)
    }
}
