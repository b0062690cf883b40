import Dispatch
import Realtime
import Engine
import Logging
import Synchronization

/// Where validated commands go: live, to the conductor (which applies them on the audio
/// clock); in tools and tests, straight into the store.
public struct CommandSink: Sendable {
    /// Hands commands over; returns their sequence number.
    public var submit: @Sendable (TimedCommands) -> Int
    /// The last sequence number the conductor has applied (live messages) or taken (timed ones).
    public var applied: @Sendable () -> Int
    /// The audio clock now (frames rendered), for latency.
    public var clock: @Sendable () -> Int64?
    /// The audio-clock frame of an OSC timetag, or nil when no audio clock runs.
    public var frameForTimetag: @Sendable (UInt64) -> Int64?

    public init(submit: @escaping @Sendable (TimedCommands) -> Int, applied: @escaping @Sendable () -> Int,
                clock: @escaping @Sendable () -> Int64?, frameForTimetag: @escaping @Sendable (UInt64) -> Int64?) {
        self.submit = submit
        self.applied = applied
        self.clock = clock
        self.frameForTimetag = frameForTimetag
    }

    /// Applies every command at once to `store` (no audio clock): for tools and tests.
    public static func direct(_ store: ParameterStore) -> CommandSink {
        let applied = Guarded(0)
        return CommandSink(submit: { c in
                               store.update { s in for x in c.commands { x.apply(to: &s) } }
                               return applied.withLock { $0 += 1; return $0 }
                           },
                           applied: { applied.withLock { $0 } }, clock: { nil }, frameForTimetag: { _ in nil })
    }

    /// The show's conductor.
    public static func conductor(_ conductor: Conductor, clock: @escaping @Sendable () -> Int64?,
                                 frameForTimetag: @escaping @Sendable (UInt64) -> Int64?) -> CommandSink {
        CommandSink(submit: { conductor.submit($0) }, applied: { conductor.appliedSequence }, clock: clock,
                    frameForTimetag: frameForTimetag)
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

/// Turns received packets into commands for the conductor, and answers the sender.
///
/// A bundle is all or nothing: every message in it is validated first, and if any is refused
/// none is applied. A bundle timetagged in the future is converted to the audio clock and lands
/// at that frame; an immediate one (or a late one) lands at the next scheduled frame. Queries
/// are answered from the published snapshot once the sender's earlier commands have landed.
/// Nothing here waits for the conductor.
public final class OSCDispatcher: @unchecked Sendable {
    let router: CommandRouter
    let sink: CommandSink
    let logger: Logger
    public let feedback: Feedback?
    /// Receives every applied change with the frame it lands on (`--record-cues`).
    public var recorder: CueRecorder?
    public var mapping: Mapping?
    /// Cue playback, when live.
    public var deck: (any CueDeck)?
    /// Switches to a patch file named over OSC, when live.
    public var patchLoader: (@Sendable (String) throws(Rejection) -> Void)?
    /// Answers status and ping once earlier commands have landed.
    let responder: Responder
    /// Allow-lists, roles and rate limits; nil lets everyone control. Replaced on SIGHUP while
    /// listener threads read it, hence the lock.
    public var access: Access? {
        get { accessLock.withLock { $0 } }
        set { accessLock.withLock { $0 = newValue } }
    }
    private let accessLock = Guarded<Access?>(nil)
    private let counters = CounterBox()
    /// The last sequence number submitted, which a later query waits for.
    private let submitted = Atomic<Int>(0)

    /// The counters, shared with the replies thread.
    final class CounterBox: Sendable {
        let value = Guarded(Counters())
        func withLock<R>(_ body: (inout Counters) -> R) -> R { value.withLock { body(&$0) } }
    }

    public struct Counters: Sendable {
        public var received = 0
        public var rejected = 0
        public var malformed = 0
        public var bundles = 0
    }

    /// - Parameter figures: the live figures for status replies (audio, conductor, cue).
    public init(router: CommandRouter, sink: CommandSink, feedback: Feedback? = nil, logger: Logger,
                figures: @escaping @Sendable () -> LiveFigures = { LiveFigures() }) {
        self.router = router
        self.sink = sink
        self.feedback = feedback
        self.logger = logger
        quiet = QuietLog(logger: logger)
        let counters = self.counters
        let recent = Guarded<(at: UInt64, applied: Int, reply: OSCMessage?)>((0, -1, nil))
        responder = Responder(applied: sink.applied) { query in
            switch query {
            case .ping: return OSCMessage("/polyphon/pong")
            case .status:
                // A status built in the last 5 ms, with nothing applied since, is sent again: a
                // flood of status requests costs a copy each, not a whole reply each.
                let now = DispatchTime.now().uptimeNanoseconds, applied = sink.applied()
                if let reply = recent.withLock({ r in now - r.at < 5_000_000 && r.applied == applied ? r.reply : nil }) { return reply }
                var f = figures()
                let c = counters.withLock { $0 }
                (f.oscReceived, f.oscRejected, f.oscMalformed) = (c.received, c.rejected, c.malformed)
                let reply = StatusReply(steering: router.store.read(), agentNames: router.agentNames, figures: f).message
                recent.withLock { $0 = (now, applied, reply) }
                return reply
            }
        }
    }

    /// Refusals are logged, but never more than 20 lines a minute.
    let quiet: QuietLog

    public var counts: Counters { counters.withLock { $0 } }

    public func start() { responder.start() }
    public func stop() { responder.stop() }

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

    private func refuse(_ rejection: Rejection, from peer: any OSCPeer) {
        counters.withLock { $0.rejected += 1 }
        quiet.notice("refused \(rejection.address) from \(peer.key): \(rejection.reason)")
        peer.send(.message(rejection.reply))
    }

    private func apply(_ incoming: [OSCMessage], timetag: UInt64, role: Access.Role, from peer: any OSCPeer) {
        guard !incoming.isEmpty else { return }
        if case .readOnly = role, let m = incoming.first(where: { !Access.readOnlyAddresses.contains($0.address) }) {
            let couldControl = access.map { a in a.rules.control.isEmpty || a.rules.control.contains { $0.contains(peer.host) } } ?? true
            let why = access?.rules.secret != nil && couldControl
                ? "read-only: send /polyphon/auth with the shared secret first (on this TCP connection, or from this UDP port)"
                : "read-only: this controller may ask for status and feedback only"
            refuse(Rejection(m.address, why), from: peer)
            return
        }
        var commands: [Command] = []
        var requests: [(address: String, request: PreparedCommand)] = []
        var queries: [PreparedCommand.Query] = []
        var accepted: [OSCMessage] = []
        var refused = 0
        for original in incoming {
            if handleSpecial(original, from: peer) { continue }
            let message = mapping?.translate(original) ?? original
            do throws(Rejection) {
                let prepared = try router.prepare(message)
                switch prepared {
                case .commands(let c):
                    commands += c
                    if !c.isEmpty { accepted.append(message) }
                case .query(let q):
                    queries.append(q)
                case .patch:
                    guard patchLoader != nil else { throw Rejection(message.address, "switching patches is not available here") }
                    requests.append((message.address, prepared))
                case .cue:
                    guard deck != nil else { throw Rejection(message.address, "cue playback is not available here") }
                    requests.append((message.address, prepared))
                }
            } catch {
                refused += 1
                refuse(error, from: peer)
            }
        }
        if refused > 0 && incoming.count > 1 {
            peer.send(.message(Rejection("#bundle", "bundle not applied: \(refused) of its \(incoming.count) messages were refused").reply))
            return
        }
        for (address, request) in requests {
            do throws(Rejection) {
                switch request {
                case .patch(let name): try patchLoader?(name)
                case .cue(let r): try deck?.perform(r)
                default: break
                }
            } catch {
                refuse(Rejection(address, error.reason), from: peer)
            }
        }
        if !commands.isEmpty {
            var frame = TimedCommands.asap
            if timetag != OSCPacket.immediately, let f = sink.frameForTimetag(timetag) { frame = f }
            let received = sink.clock()
            let sequence = sink.submit(TimedCommands(frame: frame, receivedAt: received, commands))
            if frame == TimedCommands.asap { submitted.store(sequence, ordering: .releasing) }
            recorder?.expect(sequence: sequence, messages: accepted)
        }
        for q in queries { responder.ask(q, after: submitted.load(ordering: .acquiring), peer: peer) }
    }

    /// Addresses that concern the sender itself: subscriptions, ping, learn.
    private func handleSpecial(_ m: OSCMessage, from peer: any OSCPeer) -> Bool {
        switch m.address {
        case "/polyphon/subscribe":            guard let feedback else { return false }
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
                peer.send(.message(Rejection(m.address, "wrong secret").reply))
                return true
            }
            peer.send(.message(OSCMessage("/polyphon/auth", [.string("ok")])))
            return true
        case "/polyphon/ping":
            responder.ask(.ping, after: submitted.load(ordering: .acquiring), peer: peer)
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
