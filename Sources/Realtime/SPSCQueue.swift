import Synchronization

/// A fixed-capacity single-producer single-consumer ring of trivially copyable elements.
///
/// Why: the audio thread may neither lock nor allocate, so every hand-over between a control
/// thread and the audio thread goes through one of these. Storage is allocated once, at init,
/// on a control thread. A full queue refuses the push and counts it; it never blocks.
/// It is a non-copyable struct so its owner holds it inline and borrows it on the audio thread
/// without any retain/release.
public struct SPSCQueue<Element: BitwiseCopyable>: ~Copyable, @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    @usableFromInline let mask: Int
    /// Next slot the consumer reads. Written only by the consumer.
    @usableFromInline let head = Atomic<Int>(0)
    /// Next slot the producer writes. Written only by the producer.
    @usableFromInline let tail = Atomic<Int>(0)
    /// Pushes refused because the queue was full.
    @usableFromInline let dropped = Atomic<Int>(0)

    /// - Parameter capacity: rounded up to a power of two.
    public init(capacity: Int) {
        var size = 2
        while size < capacity { size <<= 1 }
        storage = .allocate(capacity: size)
        mask = size - 1
    }

    deinit { storage.deallocate() }

    public var capacity: Int { mask + 1 }
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Producer side. Returns false (and counts) when full.
    @_transparent
    public func push(_ element: Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        let h = head.load(ordering: .acquiring)
        if t - h > mask {
            dropped.add(1, ordering: .relaxed)
            return false
        }
        (storage + (t & mask)).initialize(to: element)
        tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Consumer side: the oldest element without removing it.
    @_transparent
    public func peek() -> Element? {
        let h = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .acquiring)
        if h == t { return nil }
        return storage[h & mask]
    }

    /// Consumer side: removes the oldest element.
    @_transparent
    public func pop() -> Element? {
        let h = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .acquiring)
        if h == t { return nil }
        let e = storage[h & mask]
        head.store(h + 1, ordering: .releasing)
        return e
    }

    /// Elements waiting; exact only on the consumer's or producer's own thread.
    public var count: Int { tail.load(ordering: .acquiring) - head.load(ordering: .acquiring) }
}
