import Realtime
import Glibc
import Synchronization

/// One TCP client of the listener: a desk, a tablet, or a stranger on the venue network.
///
/// `send` is called from any thread (replies on the event loop, feedback on its own thread) and
/// never blocks: it frames the packet and appends it to a bounded output buffer under a lock held
/// only for the append. The listener's event loop is the only thread that reads, writes or closes
/// the socket. A client that stops reading gets further replies dropped and counted instead of
/// stalling the sender; the listener closes it when that lasts too long.
final class TCPConnection: OSCPeer, @unchecked Sendable {
    let fd: Int32
    let key: String
    let host: String

    /// What senders share with the event loop.
    struct Outbox {
        var open = true
        var framing: StreamFraming?
        /// Framed bytes not yet handed to the event loop.
        var queued: [UInt8] = []
        /// Bytes accepted and not yet written: `queued` plus what the loop holds in `writing`.
        var bytes = 0
        /// When a reply was first dropped since the buffer was last empty. A client that reads,
        /// however bursty the replies, empties it; one that trickles or stops never does.
        var stalledSince: Double?
        var dropped = 0
    }

    private let outbox = Guarded(Outbox())
    let outputLimit: Int
    /// Called after a reply is dropped (the listener's counter) and after output arrives in an
    /// empty buffer (wakes the event loop).
    private let dropped: @Sendable () -> Void
    private let ring: @Sendable () -> Void

    // Event-loop thread only.
    var deframer: StreamDeframer
    /// When bytes last arrived (monotonic seconds): the idle timeout and oldest-idle eviction.
    var lastHeard: Double
    var closed = false
    private var writing: [UInt8] = []
    private var written = 0

    init(fd: Int32, address: sockaddr_in, serial: Int, now: Double, outputLimit: Int, maxPacket: Int,
         dropped: @escaping @Sendable () -> Void, ring: @escaping @Sendable () -> Void) {
        self.fd = fd
        let d = describe(address)
        host = d.host
        key = "tcp:\(d.host):\(d.port)#\(serial)"
        lastHeard = now
        self.outputLimit = outputLimit
        deframer = StreamDeframer(maxPacket: maxPacket)
        self.dropped = dropped
        self.ring = ring
    }

    var isOpen: Bool { outbox.withLock { $0.open } }

    /// Replies dropped on this connection because its client did not read them.
    var droppedReplies: Int { outbox.withLock { $0.dropped } }

    /// Any thread; never blocks on the network.
    func send(_ packet: OSCPacket) {
        let body = packet.encoded()
        guard let framing = outbox.withLock({ $0.open ? ($0.framing ?? .sizePrefix) : nil }) else { return }
        let framed = framing.frame(body)
        enum Outcome { case closed, queued(wake: Bool), dropped }
        let outcome = outbox.withLock { o -> Outcome in
            guard o.open else { return .closed }
            guard o.bytes + framed.count <= outputLimit else {
                o.dropped += 1
                if o.stalledSince == nil { o.stalledSince = monotonicSeconds() }
                return .dropped
            }
            let wake = o.queued.isEmpty
            o.queued += framed
            o.bytes += framed.count
            return .queued(wake: wake)
        }
        switch outcome {
        case .closed, .queued(wake: false): break
        case .queued(wake: true): ring()
        case .dropped: dropped()
        }
    }

    /// Event loop: received bytes fix the framing (replies follow it) and the connection's
    /// idle clock.
    func heard(firstByte: UInt8, at now: Double) {
        lastHeard = now
        guard deframer.framing == nil else { return }
        let f = deframer.detect(firstByte: firstByte)
        outbox.withLock { $0.framing = f }
    }

    /// Event loop: whether there is output to write.
    var hasOutput: Bool { written < writing.count || outbox.withLock { !$0.queued.isEmpty } }

    /// Since when replies have been dropped without the buffer draining (nil: it drains).
    var stalledSince: Double? { outbox.withLock { $0.stalledSince } }

    enum Flush { case done, blocked, failed }

    /// Event loop: writes what the socket takes now, without blocking.
    func flush() -> Flush {
        while true {
            if written == writing.count {
                writing.removeAll(keepingCapacity: true)
                written = 0
                // Swap buffers: the lock is held for an exchange of two array references.
                outbox.withLock { swap(&writing, &$0.queued) }
                if writing.isEmpty { return .done }
            }
            let r = writing[written...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            if r > 0 {
                written += r
                outbox.withLock { o in
                    o.bytes -= r
                    if o.bytes == 0 { o.stalledSince = nil }
                }
            } else if r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return .blocked
            } else if r < 0 && errno == EINTR {
                continue
            } else {
                return .failed
            }
        }
    }

    /// Event loop: no more sends are accepted; the output is freed and the socket closed.
    func close() {
        guard !closed else { return }
        closed = true
        outbox.withLock {
            $0.open = false
            $0.queued = []
            $0.bytes = 0
        }
        writing = []
        _ = Glibc.close(fd)
    }
}
