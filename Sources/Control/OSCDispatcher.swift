import Engine
import Logging
import Synchronization

/// Where validated changes go: live, into the conductor (which applies them on the audio clock);
/// in tests, straight into the store.
public struct ChangeSink: Sendable {
    public var schedule: @Sendable (TimedChange) -> Void
    /// The audio clock now (frames rendered), for latency.
    public var clock: @Sendable () -> Int64?
    /// The audio-clock frame of an OSC timetag, or nil when no audio clock runs.
    public var frameForTimetag: @Sendable (UInt64) -> Int64?
    /// True while the conductor is advancing: queries then wait behind earlier changes.
    public var deferQueries: @Sendable () -> Bool

    public init(schedule: @escaping @Sendable (TimedChange) -> Void, clock: @escaping @Sendable () -> Int64?,
                frameForTimetag: @escaping @Sendable (UInt64) -> Int64?, deferQueries: @escaping @Sendable () -> Bool = { false }) {
        self.schedule = schedule
        self.clock = clock
        self.frameForTimetag = frameForTimetag
        self.deferQueries = deferQueries
    }

    /// Applies every change at once to `store` (no audio clock): for tools and tests.
    public static func direct(_ store: ParameterStore) -> ChangeSink {
        ChangeSink(schedule: { $0.apply(store, 0) }, clock: { nil }, frameForTimetag: { _ in nil })
    }
}

/// Something that can be answered: a UDP sender or a TCP connection.
public protocol OSCPeer: AnyObject, Sendable {
    func send(_ packet: OSCPacket)
    /// "udp:127.0.0.1:53000" or "tcp:127.0.0.1:53001#4", for subscriptions and logs.
    var key: String { get }
    var isOpen: Bool { get }
    /// The sender's host, for `/polyphon/subscribe PORT`.
    var host: String { get }
}

/// Turns received packets into scheduled changes and replies.
///
/// A bundle is all or nothing: every message in it is validated first, and if any is refused
/// none is applied. A bundle timetagged in the future is converted to the audio clock and lands
/// at that frame; an immediate one (or a late one) lands at the next scheduled frame.
public final class OSCDispatcher: @unchecked Sendable {
    let router: CommandRouter
    let sink: ChangeSink
    let logger: Logger
    public let feedback: Feedback?
    /// Receives every applied change with the frame it landed on (`--record-cues`).
    public var recorder: CueRecorder?
    public var mapping: Mapping?
    /// Allow-lists, roles and rate limits; nil lets everyone control. Replaced on SIGHUP while
    /// listener threads read it, hence the lock.
    public var access: Access? {
        get { accessLock.withLock { $0 } }
        set { accessLock.withLock { $0 = newValue } }
    }
    private let accessLock = Mutex<Access?>(nil)
    private let counters = Mutex(Counters())

    public struct Counters: Sendable {
        public var received = 0
        public var rejected = 0
        public var malformed = 0
        public var bundles = 0
    }

    public init(router: CommandRouter, sink: ChangeSink, feedback: Feedback? = nil, logger: Logger) {
        self.router = router
        self.sink = sink
        self.feedback = feedback
        self.logger = logger
        quiet = QuietLog(logger: logger)
    }

    /// Refusals are logged, but never more than 20 lines a minute.
    let quiet: QuietLog

    public var counts: Counters { counters.withLock { $0 } }

    /// Handles one packet's bytes from `peer` (on the listener's thread).
    public func handle(_ bytes: ArraySlice<UInt8>, from peer: any OSCPeer) {
        var role = Access.Role.control
        let access = self.access
        if let access {
            guard let r = access.admit(peer) else { return }
            role = r
        }
        counters.withLock { $0.received += 1 }
        switch OSCPacket.parse(bytes) {
        case .failure(let e):
            counters.withLock { $0.malformed += 1 }
            quiet.notice("malformed packet from \(peer.key): \(e.reason)")
            peer.send(.message(e.reply))
        case .success(let packet):
            process(packet, role: role, from: peer)
        }
    }

    func process(_ packet: OSCPacket, role: Access.Role, from peer: any OSCPeer) {
        switch packet {
        case .message(let m):
            apply([m], timetag: OSCPacket.immediately, role: role, from: peer)
        case .bundle(let timetag, let elements):
            counters.withLock { $0.bundles += 1 }
            var direct: [OSCMessage] = []
            for e in elements {
                if case .message(let m) = e { direct.append(m) } else { process(e, role: role, from: peer) }
            }
            apply(direct, timetag: timetag, role: role, from: peer)
        }
    }

    private func apply(_ incoming: [OSCMessage], timetag: UInt64, role: Access.Role, from peer: any OSCPeer) {
        guard !incoming.isEmpty else { return }
        if case .readOnly = role, let m = incoming.first(where: { !Access.readOnlyAddresses.contains($0.address) }) {
            counters.withLock { $0.rejected += 1 }
            let why = access?.rules.secret != nil && peer.key.hasPrefix("tcp:")
                ? "read-only: send /polyphon/auth with the shared secret on this connection first"
                : "read-only: this controller may ask for status and feedback only"
            peer.send(.message(Rejection(m.address, why).reply))
            return
        }
        var changes: [@Sendable (inout Steering) -> Void] = []
        var actions: [@Sendable () -> Void] = []
        var accepted: [OSCMessage] = []
        var refused = 0
        for original in incoming {
            if handleSpecial(original, from: peer) { continue }
            let message = mapping?.translate(original) ?? original
            do {
                switch try router.prepare(message) {
                case .change(let c):
                    changes.append(c)
                    accepted.append(message)
                case .query(let answer):
                    if sink.deferQueries() {
                        sink.schedule(TimedChange(frame: TimedChange.asap) { _ in for r in answer() { peer.send(.message(r)) } })
                    } else {
                        for r in answer() { peer.send(.message(r)) }
                    }
                case .action(let a):
                    actions.append(a)
                }
            } catch {
                refused += 1
                counters.withLock { $0.rejected += 1 }
                quiet.notice("refused \(message) from \(peer.key): \(error.reason)")
                peer.send(.message(error.reply))
            }
        }
        if refused > 0 && incoming.count > 1 {
            peer.send(.message(Rejection("#bundle", "bundle not applied: \(refused) of its \(incoming.count) messages were refused").reply))
            return
        }
        guard !changes.isEmpty || !actions.isEmpty else { return }
        let all = changes, acts = actions, messages = accepted, recorder = self.recorder
        var frame = TimedChange.asap
        if timetag != OSCPacket.immediately, let f = sink.frameForTimetag(timetag) { frame = f }
        sink.schedule(TimedChange(frame: frame, receivedAt: sink.clock()) { store, at in
            if !all.isEmpty { store.update { s in for c in all { c(&s) } } }
            for a in acts { a() }
            recorder?.record(frame: at, messages: messages)
        })
    }

    /// Addresses that concern the sender itself: subscriptions, ping, learn.
    private func handleSpecial(_ m: OSCMessage, from peer: any OSCPeer) -> Bool {
        switch m.address {
        case "/polyphon/subscribe":
            guard let feedback else { return false }
            var port: Int?
            if let first = m.arguments.first {
                guard let p = first.number, p >= 1, p <= 65535, first.isInteger || p == p.rounded() else {
                    peer.send(.message(Rejection(m.address, "expects no argument, or i: the port to send feedback to").reply))
                    return true
                }
                port = Int(p)
            }
            feedback.subscribe(peer, port: port)
            return true
        case "/polyphon/unsubscribe":
            feedback?.unsubscribe(peer)
            return true
        case "/polyphon/auth":
            guard let access, access.rules.secret != nil else {
                peer.send(.message(Rejection(m.address, "no shared secret is set on this server").reply))
                return true
            }
            guard m.arguments.count == 1, case .string(let secret) = m.arguments[0], access.authenticate(peer, secret: secret) else {
                peer.send(.message(Rejection(m.address, peer.key.hasPrefix("tcp:") ? "wrong secret" : "the secret is for TCP connections").reply))
                return true
            }
            peer.send(.message(OSCMessage("/polyphon/auth", [.string("ok")])))
            return true
        case "/polyphon/ping":
            peer.send(.message(OSCMessage("/polyphon/pong")))
            feedback?.resend(to: peer)
            return true
        case "/polyphon/learn":
            guard let mapping else { return false }
            guard m.arguments.count == 1, case .string(let target) = m.arguments[0] else {
                peer.send(.message(Rejection(m.address, "expects s: the Polyphon address the next unknown message will control").reply))
                return true
            }
            do { try mapping.learn(target: target, router: router) } catch { peer.send(.message(error.reply)) }
            return true
        default:
            return false
        }
    }
}
