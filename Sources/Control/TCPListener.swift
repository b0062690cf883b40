import Realtime
import Dispatch
import Foundation
import Glibc
import Logging
import Synchronization

/// OSC over TCP for a busy venue network, where the lighting desk must never be locked out.
///
/// One event-loop thread polls a non-blocking listening socket (backlog SOMAXCONN) and every
/// connection; there is no thread per connection, and nothing on the loop waits on one client.
/// - At the connection limit, the connection heard from least recently is closed to make room,
///   so a desk that just connected is never refused because of idle strangers.
/// - A connection that sends nothing for `idleSeconds` is closed.
/// - Replies go through each connection's bounded output buffer. A client that does not read
///   them gets further replies dropped (counted in `droppedReplies`), and is closed once its
///   buffer has stayed full for `stallSeconds`.
/// Framing is per connection, see `StreamFraming`.
public final class TCPListener: @unchecked Sendable {
    /// Largest packet accepted on a stream; anything bigger is a framing error.
    public static let maxPacket = 1 << 20
    /// File descriptors kept back for the rest of the process (JACK, files, UDP, metrics).
    static let reservedDescriptors = 128
    /// The kernel's send buffer per connection. Fixed rather than autotuned (up to 4 MB each):
    /// OSC replies are small, a thousand connections must not pin gigabytes, and a client that
    /// stops reading must fill its buffers soon enough to be noticed.
    static let kernelSendBuffer: Int32 = 64 << 10

    public struct Counts: Sendable {
        public var open = 0
        public var accepted = 0
        /// Closed to make room for a new connection at the limit.
        public var evicted = 0
        /// Closed after sending nothing for the idle timeout.
        public var timedOut = 0
        /// Closed for not reading their replies.
        public var closedSlow = 0
    }

    let fd: Int32
    let dispatcher: OSCDispatcher
    let logger: Logger
    let quiet: QuietLog
    /// Configured limit; the loop may lower it to fit the open-file limit (`maxConnections`).
    let requestedMaxConnections: Int
    public let idleSeconds: Double
    public let stallSeconds: Double
    public let outputLimit: Int
    public let port: Int

    private enum Phase: Int { case ready, running, stopped }
    private let phase = Atomic<Int>(Phase.ready.rawValue)
    private let doorbell: Doorbell
    private let finished = DispatchSemaphore(value: 0)
    private let effectiveMax = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let counts = Guarded(Counts())

    /// - Parameters:
    ///   - maxConnections: open connections at most; the next one displaces the oldest idle.
    ///   - idleSeconds: a connection that sends nothing this long is closed (0: never).
    ///   - outputLimit: bytes of replies buffered per connection before replies are dropped.
    ///   - stallSeconds: how long a connection's replies may go undelivered before it is closed.
    public init(host: String, port: Int, dispatcher: OSCDispatcher, logger: Logger,
                maxConnections: Int = 1024, idleSeconds: Double = 300, outputLimit: Int = 256 << 10,
                stallSeconds: Double = 5) throws(ListenError) {
        fd = try boundSocket(Int32(SOCK_STREAM.rawValue), "TCP", host: host, port: port)
        guard let bell = Doorbell() else {
            _ = close(fd)
            throw ListenError(description: "cannot create the TCP listener's wake-up eventfd: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        doorbell = bell
        self.port = boundPort(fd) ?? port
        self.dispatcher = dispatcher
        self.logger = logger
        quiet = QuietLog(logger: logger, about: "TCP connections closed")
        requestedMaxConnections = max(1, maxConnections)
        self.idleSeconds = idleSeconds
        self.outputLimit = max(1024, outputLimit)
        self.stallSeconds = stallSeconds
        effectiveMax.store(requestedMaxConnections, ordering: .relaxed)
    }

    deinit {
        if phase.load(ordering: .acquiring) == Phase.ready.rawValue { _ = close(fd) }
    }

    /// Replies dropped, over all connections, because their clients did not read them.
    public var droppedReplies: Int { dropped.load(ordering: .relaxed) }
    /// The connection limit in force (the configured one, or less if the open-file limit is lower).
    public var maxConnections: Int { effectiveMax.load(ordering: .relaxed) }
    public var stats: Counts { counts.withLock { $0 } }

    public func start() {
        guard phase.compareExchange(expected: Phase.ready.rawValue, desired: Phase.running.rawValue, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let files = raiseOpenFileLimit()
        let fit = max(1, files - TCPListener.reservedDescriptors)
        if fit < requestedMaxConnections {
            effectiveMax.store(fit, ordering: .relaxed)
            logger.warning("TCP connection limit lowered from \(requestedMaxConnections) to \(fit): the open-file limit is \(files)")
        }
        logger.info("TCP: up to \(maxConnections) connections (the oldest idle makes room), idle timeout \(Int(idleSeconds)) s, \(outputLimit >> 10) KiB of replies per connection")
        let t = Thread { [self] in
            var loop = EventLoop(listener: self)
            loop.run()
            finished.signal()
        }
        t.name = "polyphon-osc-tcp"
        t.start()
    }

    /// Closes every connection and the listening socket; returns once they are closed (or after 1 s).
    public func stop() {
        let was = phase.exchange(Phase.stopped.rawValue, ordering: .acquiringAndReleasing)
        if was == Phase.ready.rawValue { _ = close(fd) }
        guard was == Phase.running.rawValue else { return }
        doorbell.ring()
        _ = finished.wait(timeout: .now() + 1)
    }

    var running: Bool { phase.load(ordering: .acquiring) == Phase.running.rawValue }

    /// The event loop's own state, touched by no other thread.
    private struct EventLoop {
        let listener: TCPListener
        var connections: [TCPConnection] = []
        var serial = 0
        /// One read per connection per turn of the loop, at most this much: a client flooding
        /// requests gets its turn like everyone else, and no more.
        var chunk = [UInt8](repeating: 0, count: 8192)
        var pollset: [pollfd] = []
        var lastSweep = 0.0
        /// Accepting pauses briefly when the process is out of file descriptors.
        var acceptAfter = 0.0

        init(listener: TCPListener) { self.listener = listener }

        mutating func run() {
            let l = listener
            while l.running {
                let now = monotonicSeconds()
                let listening = now >= acceptAfter
                pollset.removeAll(keepingCapacity: true)
                pollset.append(pollfd(fd: l.doorbell.fd, events: Int16(POLLIN), revents: 0))
                pollset.append(pollfd(fd: listening ? l.fd : -1, events: Int16(POLLIN), revents: 0))
                for c in connections {
                    let out = c.hasOutput ? Int16(POLLOUT) : 0
                    pollset.append(pollfd(fd: c.fd, events: Int16(POLLIN) | out, revents: 0))
                }
                let ready = poll(&pollset, nfds_t(pollset.count), 100)
                guard l.running else { break }
                if ready > 0 {
                    if pollset[0].revents != 0 { l.doorbell.answer() }
                    for (i, c) in connections.enumerated() where pollset[i + 2].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                        receive(c)
                    }
                    prune()
                    if pollset[1].revents != 0 { acceptAll() }
                }
                for c in connections where c.hasOutput {
                    if case .failed = c.flush() { c.close() }
                }
                let later = monotonicSeconds()
                if later - lastSweep >= 0.1 {
                    lastSweep = later
                    sweep(now: later)
                }
                prune()
            }
            for c in connections { c.close() }
            connections.removeAll()
            _ = close(l.fd)
        }

        /// Reads what arrived and dispatches every whole packet; EOF, errors and bad framing close.
        mutating func receive(_ c: TCPConnection) {
            let n = chunk.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
            guard n > 0 else {
                finish(c)
                return
            }
            c.heard(firstByte: chunk[0], at: monotonicSeconds())
            let dispatcher = listener.dispatcher
            do {
                try c.deframer.feed(chunk[0..<n]) { packet in dispatcher.handle(packet, from: c) }
            } catch {
                c.send(.message(Rejection("?", error.reason).reply))
                listener.quiet.notice("closing \(c.key): \(error.reason)")
                finish(c)
            }
        }

        /// Sends what the socket takes now (the replies to the last packets), then closes.
        func finish(_ c: TCPConnection) {
            _ = c.flush()
            c.close()
        }

        mutating func acceptAll() {
            let l = listener
            for _ in 0..<256 {
                var from = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let client = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        accept(l.fd, $0, &length)
                    }
                }
                if client < 0 {
                    switch errno {
                    case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                        // Out of descriptors: make room, or wait a little rather than spin.
                        if !evictOldestIdle(reason: "the process is out of file descriptors") {
                            acceptAfter = monotonicSeconds() + 0.1
                            return
                        }
                        continue
                    case EINTR, ECONNABORTED, EPROTO: continue
                    default: return
                    }
                }
                while connections.count >= l.maxConnections {
                    guard evictOldestIdle(reason: "\(connections.count) connections are open, the limit") else { break }
                }
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                var one: Int32 = 1
                setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                var sendBuffer = TCPListener.kernelSendBuffer
                setsockopt(client, SOL_SOCKET, SO_SNDBUF, &sendBuffer, socklen_t(MemoryLayout<Int32>.size))
                serial += 1
                let bell = l.doorbell
                let c = TCPConnection(fd: client, address: from, serial: serial, now: monotonicSeconds(),
                                      outputLimit: l.outputLimit, maxPacket: TCPListener.maxPacket,
                                      dropped: { [weak l] in l?.dropped.add(1, ordering: .relaxed) }, ring: { bell.ring() })
                connections.append(c)
                l.counts.withLock {
                    $0.accepted += 1
                    $0.open = connections.count
                }
            }
        }

        /// Closes the connection heard from least recently; false when there is none.
        mutating func evictOldestIdle(reason: String) -> Bool {
            guard let oldest = connections.filter({ !$0.closed }).min(by: { $0.lastHeard < $1.lastHeard }) else { return false }
            let quietFor = Int(monotonicSeconds() - oldest.lastHeard)
            oldest.close()
            prune()
            listener.counts.withLock { $0.evicted += 1 }
            listener.quiet.notice("closing \(oldest.key) to make room for a new TCP connection: it is the oldest idle (quiet for \(quietFor) s) and \(reason)")
            return true
        }

        /// Idle timeout and the slow-reader bound.
        func sweep(now: Double) {
            let l = listener
            for c in connections where !c.closed {
                if l.idleSeconds > 0 && now - c.lastHeard >= l.idleSeconds {
                    c.close()
                    l.counts.withLock { $0.timedOut += 1 }
                    l.quiet.notice("closing \(c.key): it sent nothing for \(Int(l.idleSeconds)) s")
                } else if let since = c.stalledSince, now - since >= l.stallSeconds {
                    let dropped = c.droppedReplies
                    c.close()
                    l.counts.withLock { $0.closedSlow += 1 }
                    l.quiet.notice("closing \(c.key): it has not read its replies for \(Int(l.stallSeconds)) s (\(dropped) dropped)")
                }
            }
        }

        mutating func prune() {
            guard connections.contains(where: \.closed) else { return }
            connections.removeAll(where: \.closed)
            let open = connections.count
            listener.counts.withLock { $0.open = open }
        }
    }
}

/// Seconds on the monotonic clock, which no NTP step moves.
func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// The port a socket is bound to (the real one when asked for port 0).
func boundPort(_ fd: Int32) -> Int? {
    var a = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let r = withUnsafeMutablePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return r == 0 ? Int(UInt16(bigEndian: a.sin_port)) : nil
}

/// Raises this process's soft open-file limit to its hard limit, so a thousand and more
/// connections fit; returns the soft limit now in force.
func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
    // RLIM_INFINITY is refused for files; the kernel's own ceiling is 1M by default.
    let wanted = min(limit.rlim_max, rlim_t(1 << 20))
    if limit.rlim_cur < wanted {
        var raised = limit
        raised.rlim_cur = wanted
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(wanted) }
    }
    return Int(limit.rlim_cur)
}
