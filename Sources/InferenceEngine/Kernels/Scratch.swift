#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Working memory for kernels (im2col columns, packed GEMM panels, padded planes) that comes from
/// a per-thread stack instead of the allocator.
///
/// Kernels ask for the same sizes run after run, often from several threads at once and nested
/// (a GEMM's packing inside a convolution's slice). Each thread keeps one buffer that grows to its
/// high-water mark: requests are bump-allocated and released in LIFO order, so once a shape has
/// run, later runs of it take no memory from the system at all. A request that does not fit is
/// served by the allocator that once, and the buffer grows before the next outermost request.
enum Scratch {
    /// Runs `body` with `count` uninitialized elements, 64-byte aligned, valid only inside `body`.
    @inline(__always)
    static func with<T, R>(_ type: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        let stack = ScratchStack.current
        let bytes = max(count, 1) * MemoryLayout<T>.stride
        let (pointer, mark) = stack.push(bytes)
        defer { stack.pop(mark, pointer) }
        return try body(pointer.bindMemory(to: T.self, capacity: max(count, 1)))
    }

    /// Bytes the calling thread's scratch buffer holds (for tests and memory reports).
    static var reservedBytes: Int { ScratchStack.current.capacity }

    /// Requests since this thread started that the buffer could not serve (each one an allocation).
    static var overflowCount: Int { ScratchStack.current.overflows }
}

/// One thread's scratch buffer. Only its own thread touches it, so it needs no lock.
final class ScratchStack {
    static let alignment = 64
    private(set) var capacity = 0
    private var base: UnsafeMutableRawPointer?
    private var top = 0
    /// The largest stack depth ever asked for: what the buffer grows to when next it can.
    private var wanted = 0
    private(set) var overflows = 0

    deinit { base?.deallocate() }

    /// A block of `bytes` and the mark to pop back to; an overflow block when the buffer is full.
    func push(_ bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        let size = (bytes + Self.alignment - 1) / Self.alignment * Self.alignment
        let mark = top
        wanted = max(wanted, top + size)
        if top == 0, wanted > capacity {
            // Nothing is in use: grow to everything the last runs needed, with room to spare.
            base?.deallocate()
            capacity = wanted + wanted / 4
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: Self.alignment)
        }
        if let base, top + size <= capacity {
            top += size
            return (base + mark, mark)
        }
        overflows += 1
        return (UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Self.alignment), -1)
    }

    func pop(_ mark: Int, _ pointer: UnsafeMutableRawPointer) {
        if mark < 0 {
            pointer.deallocate()
        } else {
            top = mark
        }
    }

    /// The calling thread's stack, created on first use and freed when the thread exits.
    static var current: ScratchStack {
        let key = threadKey
        if let raw = pthread_getspecific(key) { return Unmanaged<ScratchStack>.fromOpaque(raw).takeUnretainedValue() }
        let stack = ScratchStack()
        pthread_setspecific(key, Unmanaged.passRetained(stack).toOpaque())
        return stack
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<ScratchStack>.fromOpaque(raw).release()
        }
        return key
    }()
}
