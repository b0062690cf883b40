#if canImport(Glibc)
import Glibc
#endif

/// A value behind a lock, for control threads (never the audio thread).
///
/// Why not `Synchronization.Mutex`: on Linux it locks with futexes inside the prebuilt standard
/// library, which ThreadSanitizer cannot see, so every access it guards is reported as a race
/// and a real race would drown among them. This lock is a `pthread_mutex_t`, which
/// ThreadSanitizer understands, with the same `withLock` shape. Hold it only to copy, append or
/// take; never while waiting for another thread, a socket or a join.
public final class Guarded<Value>: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` with the value, the lock held.
    @inline(__always)
    public func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return try body(&value)
    }
}
