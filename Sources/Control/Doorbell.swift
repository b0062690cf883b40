import Glibc
import Synchronization

/// Wakes an event loop asleep in `poll` from another thread: a non-blocking pipe whose read
/// end the loop polls (eventfd is not visible to Swift without a C shim).
/// Rings coalesce: after the first ring, further rings cost an atomic load until the loop
/// answers. The fd is closed only when the last holder lets go, so a late ring can never
/// write into a reused descriptor.
final class Doorbell: Sendable {
    /// The end the loop polls.
    let fd: Int32
    private let writeEnd: Int32
    private let pending = Atomic<Bool>(false)

    init?() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        _ = close(fd)
        _ = close(writeEnd)
    }

    /// Any thread; never blocks (a full pipe fails with EAGAIN, and the loop is awake anyway).
    func ring() {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)
    }

    /// The loop: clears the ring before it looks at what changed, so a later ring wakes it again.
    func answer() {
        pending.store(false, ordering: .sequentiallyConsistent)
        var drain = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &drain, { read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
