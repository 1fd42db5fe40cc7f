public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `Process`, reduced to what the tests use, on `posix_spawn`.
///
/// Foundation's `Process.run()` on Linux (up to Swift 6.3.1) can crash the whole test process: to close the
/// child's inherited descriptors it walks `/proc/self/fd` and copies each `dirent`'s full 256-byte `d_name`,
/// reading past glibc's buffer when a record sits at its end (swift-corelibs-foundation PR #5472). A full
/// parallel `swift test` crashed there ("Bad pointer dereference" in `memcpy` from `Process.run`). This
/// closes the descriptors with `posix_spawn_file_actions_addclosefrom_np` instead, which walks nothing.
public final class SpawnedProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String] = []
    /// Nil: the test process's own environment.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// `Pipe`, `FileHandle`, or nil for the test process's own.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?

    public private(set) var processIdentifier: Int32 = 0
    private let lock = NSLock()
    private var waitStatus: Int32?

    public init() {}

    public func run() throws {
        guard let path = executableURL?.path else { throw POSIXError(.ENOENT) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var opened: [Int32] = []
        defer { for descriptor in opened { close(descriptor) } }
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            guard let stream else { continue }
            let descriptor: Int32
            if let pipe = stream as? Pipe {
                descriptor = (target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting).fileDescriptor
            } else if let handle = stream as? FileHandle, handle !== FileHandle.nullDevice {
                descriptor = handle.fileDescriptor
            } else {
                descriptor = open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY)
                opened.append(descriptor)
            }
            posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        }
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw POSIXError(.ENOSYS) }
        if let directory = currentDirectoryURL?.path, Self.addChdir(&actions, directory) != 0 { throw POSIXError(.ENOENT) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling and no blocked signals, whatever the test process set.
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let environment = (self.environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        processIdentifier = pid
        // The child holds its ends now; the parent's copies would keep a reader from ever seeing end of file.
        if let pipe = standardInput as? Pipe { try? pipe.fileHandleForReading.close() }
        if let pipe = standardOutput as? Pipe { try? pipe.fileHandleForWriting.close() }
        if let pipe = standardError as? Pipe { try? pipe.fileHandleForWriting.close() }
    }

    /// Blocks until the child exits (polling, so another thread may still ask `isRunning` or `terminate`).
    public func waitUntilExit() {
        while reap(flags: WNOHANG) == nil { usleep(2000) }
    }

    public var isRunning: Bool { processIdentifier != 0 && reap(flags: WNOHANG) == nil }

    public func terminate() {
        if isRunning { kill(processIdentifier, SIGTERM) }
    }

    /// The exit code, or the signal that ended it (as `Process` reports them).
    public var terminationStatus: Int32 {
        guard let status = reap(flags: WNOHANG) else { return 0 }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
    }

    public var terminationReason: TerminationReason {
        guard let status = reap(flags: WNOHANG) else { return .exit }
        return status & 0x7f == 0 ? .exit : .uncaughtSignal
    }

    /// The wait status once the child was reaped (by this call or an earlier one).
    private func reap(flags: Int32) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let waitStatus { return waitStatus }
        var status: Int32 = 0
        let reaped = waitpid(processIdentifier, &status, flags)
        if reaped == processIdentifier { waitStatus = status }
        return waitStatus
    }

    private typealias FileActionDescriptor = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias FileActionPath = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc 2.34+ and 2.29+ have these, but Swift's Glibc module does not declare the `_np` functions.
    private static let addCloseFrom = unsafeBitCast(dlsym(nil, "posix_spawn_file_actions_addclosefrom_np"), to: FileActionDescriptor.self)
    private static let addChdir = unsafeBitCast(dlsym(nil, "posix_spawn_file_actions_addchdir_np"), to: FileActionPath.self)
}
