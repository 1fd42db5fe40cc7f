/// Checks that a manifest is internally consistent and safe to install from.
///
/// A signature proves who wrote a manifest, not that it is sane. An agent writes files to the paths a
/// manifest names and reassembles files from its chunk lists, so both are checked before anything
/// trusts them: paths cannot escape the model directory, chunks must tile each file exactly.
public enum ManifestValidator {
    public static func validate(_ manifest: Manifest) throws {
        func fail(_ reason: String) -> FleetError { .invalidManifest(reason: reason) }
        guard manifest.format == Manifest.currentFormat else { throw fail("format \(manifest.format) is not supported") }
        try checkName(manifest.model, what: "model name")
        try checkName(manifest.variant, what: "variant")
        guard !manifest.publisher.isEmpty else { throw fail("publisher key id is empty") }
        guard !manifest.files.isEmpty else { throw fail("a manifest must list at least one file") }
        var paths = Set<String>()
        var totalSize: UInt64 = 0
        for file in manifest.files {
            try checkPath(file.path)
            guard paths.insert(file.path).inserted else { throw fail("file '\(file.path)' is listed twice") }
            try checkChunks(of: file)
            let (sum, overflow) = totalSize.addingReportingOverflow(file.size)
            guard !overflow, sum <= maximumTotalBytes else {
                throw fail("the files add up to more than \(maximumTotalBytes) bytes (1 PiB), the largest version accepted")
            }
            totalSize = sum
        }
        if let test = manifest.selfTest {
            for path in [test.model] + test.inputs + test.outputs where !paths.contains(path) {
                throw fail("self-test refers to '\(path)', which is not among the files")
            }
            guard !test.inputs.isEmpty, !test.outputs.isEmpty else { throw fail("self-test needs at least one input and one output") }
            for tolerance in [test.relativeTolerance, test.absoluteTolerance] where !(tolerance.isFinite && tolerance >= 0) {
                throw fail("self-test tolerance \(tolerance) must be a finite number >= 0")
            }
        }
    }

    /// Model and variant names end up in URLs and directory names: a conservative alphabet.
    public static func checkName(_ name: String, what: String) throws {
        if let problem = nameProblem(name, what: what) { throw FleetError.invalidManifest(reason: problem) }
    }

    /// Why `name` is not a valid model or variant name, or nil if it is. Callers outside manifests
    /// (URL paths, assignments) report it as their own kind of error.
    public static func nameProblem(_ name: String, what: String) -> String? {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard (1...128).contains(name.utf8.count), allowed, name.first != ".", name.first != "-" else {
            return "\(what) '\(name.prefix(140))' must be 1-128 characters of a-z 0-9 . _ -, not starting with . or -"
        }
        return nil
    }

    static func checkPath(_ path: String) throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let safe =
            !path.isEmpty && path.utf8.count <= 1024
            && !path.utf8.contains(0) && !path.contains("\\")
            && components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
        guard safe else {
            throw FleetError.invalidManifest(reason: "file path '\(path.prefix(200))' must be relative, '/'-separated, without empty, '.' or '..' components")
        }
    }

    /// Largest chunk, stored or uncompressed (1 GiB; the chunker's default maximum is 256 KiB). A
    /// device buffers a chunk whole, so a bogus length must be refused here, not allocated.
    public static let maximumChunkBytes = 1 << 30

    /// Largest version (1 PiB): keeps every sum of file sizes and chunk lengths (plans, disk-space
    /// checks) far from overflow.
    public static let maximumTotalBytes: UInt64 = 1 << 50

    static func checkChunks(of file: Manifest.File) throws {
        func fail(_ reason: String) -> FleetError { .invalidManifest(reason: "file '\(file.path)': \(reason)") }
        var expectedOffset: UInt64 = 0
        for (index, chunk) in file.chunks.enumerated() {
            guard chunk.offset == expectedOffset else {
                throw fail("chunk \(index) starts at \(chunk.offset), expected \(expectedOffset) (chunks must tile the file in order)")
            }
            guard chunk.length > 0, chunk.storedLength > 0 else { throw fail("chunk \(index) has a zero length") }
            guard chunk.length <= maximumChunkBytes, chunk.storedLength <= maximumChunkBytes else {
                throw fail("chunk \(index) is \(chunk.length) bytes (\(chunk.storedLength) stored), over the limit of \(maximumChunkBytes) bytes")
            }
            guard chunk.codec != .identity || chunk.storedLength == chunk.length else {
                throw fail("chunk \(index) is stored uncompressed but its stored length \(chunk.storedLength) differs from its length \(chunk.length)")
            }
            let (next, overflow) = expectedOffset.addingReportingOverflow(UInt64(chunk.length))
            guard !overflow, next <= maximumTotalBytes else { throw fail("chunks reach past \(maximumTotalBytes) bytes (1 PiB), the largest file accepted") }
            expectedOffset = next
        }
        guard expectedOffset == file.size else {
            throw fail("chunks cover \(expectedOffset) bytes but the file has \(file.size)")
        }
    }
}
