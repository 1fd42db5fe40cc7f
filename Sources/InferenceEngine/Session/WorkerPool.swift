import CKernels
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads that share one operator's work: `parallelFor` splits a loop over the calling thread and
/// `threadCount - 1` parked workers, and returns when every iteration has run.
///
/// Workers are plain POSIX threads, not Swift concurrency's cooperative pool: a run is synchronous
/// CPU work, and parking cooperative threads on it would starve the tasks around it (the agent's
/// HTTP server, its sync loop). The caller takes part in its own loop, so a pool of one thread
/// is no pool at all and costs nothing.
///
/// One loop runs at a time. A loop started while another is running (a nested operator such as a
/// GEMM inside a parallel Conv, or a second session run on another task) runs on its caller's
/// thread alone: that is always correct, and the threads are busy anyway.
final class WorkerPool: @unchecked Sendable {
    /// Threads a loop runs on, the caller included.
    let threadCount: Int
    private let shared = Shared()
    private var threads: [pthread_t] = []

    init(threads: Int) {
        threadCount = max(1, threads)
        for _ in 1..<threadCount {
            let context = Unmanaged.passRetained(shared).toOpaque()
            var thread = pthread_t()
            guard
                pthread_create(
                    &thread, nil,
                    { raw in
                        guard let raw else { return nil }
                        Unmanaged<Shared>.fromOpaque(raw).takeRetainedValue().workerLoop()
                        return nil
                    }, context) == 0
            else {
                Unmanaged<Shared>.fromOpaque(context).release()
                break
            }
            self.threads.append(thread)
        }
    }

    deinit {
        shared.stop()
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Runs `body(0..<count)`, iterations spread over the pool's threads in no particular order.
    /// Iterations must not depend on each other. Returns when all have run; no thread holds `body`
    /// after that, which is what lets it be non-escaping.
    func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1, !threads.isEmpty else {
            for index in 0..<count { body(index) }
            return
        }
        withoutActuallyEscaping(body) { body in shared.run(Job(count: count, body: body)) }
    }

    private final class Job {
        let count: Int
        let body: (Int) -> Void
        let next = Atomic<Int>(0)
        init(count: Int, body: @escaping (Int) -> Void) {
            self.count = count
            self.body = body
        }

        /// Claims and runs iterations until none are left.
        func work() {
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                body(index)
            }
        }
    }

    /// What the workers share with the pool; the workers hold this, not the pool, so dropping the
    /// pool stops them.
    private final class Shared: @unchecked Sendable {
        private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        private let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        /// The loop being run and the workers asleep: guarded by `lock`.
        private var job: Job?
        private var sleeping = 0
        /// Workers inside the current loop: joined under `lock`, left without it.
        private let active = Atomic<Int>(0)
        private var stopping = false
        /// Bumped (under `lock`) for every loop; read without the lock by spinning workers.
        private let generation = Atomic<Int>(0)
        private let busy = Atomic<Bool>(false)

        /// How long a worker polls for the next loop before it sleeps. Waking a sleeping thread
        /// costs tens of microseconds (far more on a virtual machine whose idle CPU has halted),
        /// as long as a small elementwise operator takes; a run's operators follow each other
        /// closely enough that polling briefly catches the next one. Each poll carries a pause
        /// hint: without it a polling thread took the execution resources of its SMT sibling and
        /// slowed the very thread it waited for (silero_vad ran 1.6x slower on 2 threads than on 1).
        private static let spinIterations = 50_000

        init() {
            pthread_mutex_init(lock, nil)
            pthread_cond_init(wake, nil)
            pthread_cond_init(done, nil)
        }

        deinit {
            pthread_cond_destroy(wake)
            pthread_cond_destroy(done)
            pthread_mutex_destroy(lock)
            lock.deallocate()
            wake.deallocate()
            done.deallocate()
        }

        func stop() {
            pthread_mutex_lock(lock)
            stopping = true
            generation.wrappingAdd(1, ordering: .releasing)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(lock)
        }

        /// Every iteration is done once the caller finds nothing left to claim and no worker is
        /// still inside the loop; a worker arriving after that finds no job.
        func run(_ job: Job) {
            guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
                job.work()
                return
            }
            defer { busy.store(false, ordering: .releasing) }
            pthread_mutex_lock(lock)
            self.job = job
            generation.wrappingAdd(1, ordering: .releasing)
            if sleeping > 0 { pthread_cond_broadcast(wake) }
            pthread_mutex_unlock(lock)

            job.work()
            // Nothing is left to claim: late workers must find no job. Those already inside are
            // finishing their last iteration, so poll for them before sleeping: a sleeping caller
            // is woken tens of microseconds late, longer than a small operator takes.
            pthread_mutex_lock(lock)
            self.job = nil
            pthread_mutex_unlock(lock)
            var spins = 0
            while active.load(ordering: .acquiring) > 0 && spins < Self.spinIterations {
                spins += 1
                ck_cpu_relax()
            }
            if active.load(ordering: .acquiring) > 0 {
                pthread_mutex_lock(lock)
                while active.load(ordering: .acquiring) > 0 { pthread_cond_wait(done, lock) }
                pthread_mutex_unlock(lock)
            }
        }

        func workerLoop() {
            var seen = 0
            while true {
                var spins = 0
                while generation.load(ordering: .acquiring) == seen && spins < Self.spinIterations {
                    spins += 1
                    ck_cpu_relax()
                }
                pthread_mutex_lock(lock)
                while generation.load(ordering: .acquiring) == seen && !stopping {
                    sleeping += 1
                    pthread_cond_wait(wake, lock)
                    sleeping -= 1
                }
                if stopping { break }
                seen = generation.load(ordering: .acquiring)
                var current = job
                guard current != nil else {
                    pthread_mutex_unlock(lock)
                    continue
                }
                active.wrappingAdd(1, ordering: .relaxed)
                pthread_mutex_unlock(lock)
                current?.work()
                current = nil
                if active.wrappingSubtract(1, ordering: .releasing).newValue == 0 {
                    pthread_mutex_lock(lock)
                    pthread_cond_signal(done)
                    pthread_mutex_unlock(lock)
                }
            }
            pthread_mutex_unlock(lock)
        }
    }
}
