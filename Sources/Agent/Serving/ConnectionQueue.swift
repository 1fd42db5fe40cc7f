#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Accepted connections waiting for one of the local API's workers: a bounded FIFO, so a burst of
/// clients costs a fixed number of threads and a fixed amount of memory, and the connections past
/// the bound are answered 503 at once instead of piling up.
final class ConnectionQueue: @unchecked Sendable {
    private let capacity: Int
    private var waiting: [Int32] = []
    private var head = 0
    private var closed = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let nonEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(nonEmpty, nil)
    }

    deinit {
        pthread_cond_destroy(nonEmpty)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        nonEmpty.deallocate()
    }

    /// Queues `connection`; false when the queue is full or closed (the caller answers and closes it).
    func offer(_ connection: Int32) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed, waiting.count - head < capacity else { return false }
        waiting.append(connection)
        pthread_cond_signal(nonEmpty)
        return true
    }

    /// The oldest waiting connection, blocking until there is one; nil once the queue is closed.
    func take() -> Int32? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == waiting.count {
            if closed { return nil }
            pthread_cond_wait(nonEmpty, mutex)
        }
        let connection = waiting[head]
        head += 1
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
        }
        return connection
    }

    /// True when accepted connections wait for a worker (an idle keep-alive connection then gives its worker up).
    var hasWaiting: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return head < waiting.count
    }

    /// Wakes every worker; they finish what is queued, then `take` returns nil.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(nonEmpty)
        pthread_mutex_unlock(mutex)
    }
}
