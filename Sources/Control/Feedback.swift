import Realtime
import Engine
import Foundation
import Synchronization

/// Keeps controllers in sync: every subscriber gets a message for each value that changed,
/// whoever changed it, at most 30 times a second and 200 messages a tick. A new subscriber, or
/// one that pings, gets the whole state again. Values also go out on the controller's own
/// addresses through the mapping file, so TouchOSC faders move by themselves.
public final class Feedback: @unchecked Sendable {
    let router: CommandRouter
    var mapping: Mapping?
    /// The cue deck, whose position controllers see.
    var deck: (any CueDeck)?
    /// Makes a UDP peer for `/polyphon/subscribe PORT` (replies go from the server's own socket).
    var udpPeer: (@Sendable (String, Int) -> (any OSCPeer)?)?
    private let subscribers = Guarded<[String: Subscriber]>([:])
    private let running = Atomic<Bool>(false)
    public static let ticksPerSecond = 30.0
    public static let maxPerTick = 200

    struct Subscriber {
        var peer: any OSCPeer
        /// What this controller was last told, by address.
        var sent: [String: OSCMessage] = [:]
    }

    public init(router: CommandRouter, mapping: Mapping? = nil, deck: (any CueDeck)? = nil) {
        self.router = router
        self.mapping = mapping
        self.deck = deck
    }

    public func subscribe(_ peer: any OSCPeer, port: Int? = nil) {
        var target = peer
        if let port, let p = udpPeer?(peer.host, port) { target = p }
        subscribers.withLock { $0[target.key] = Subscriber(peer: target) }
        tick()
    }

    public func unsubscribe(_ peer: any OSCPeer) {
        _ = subscribers.withLock { list in list.removeValue(forKey: peer.key) }
    }

    /// Sends the whole state again at the next tick (a controller that pinged).
    public func resend(to peer: any OSCPeer) {
        subscribers.withLock { list in
            for (k, s) in list where k == peer.key || s.peer.host == peer.host { list[k]?.sent = [:] }
        }
        tick()
    }

    public func start() {
        running.store(true, ordering: .releasing)
        Thread.detachNewThread { [self] in
            while running.load(ordering: .acquiring) {
                tick()
                Thread.sleep(forTimeInterval: 1 / Feedback.ticksPerSecond)
            }
        }
    }

    public func stop() { running.store(false, ordering: .releasing) }

    /// The state as the messages a controller would send to set it: every readable control of
    /// the table (a `/norm` twin for faders), from the published snapshot.
    public func stateMessages() -> [OSCMessage] {
        let s = router.store.read()
        let names = router.agentNames
        var out: [OSCMessage] = []
        func add(_ spec: ControlSpec, _ address: String, _ value: ControlValue) {
            switch value {
            case .number(let v):
                out.append(OSCMessage(address, [.float(Float(v))]))
                if spec.access.writable, spec.faderRange != nil, let x = spec.normalize(v) {
                    out.append(OSCMessage(address + "/norm", [.float(Float(x))]))
                }
            case .flag(let b): out.append(OSCMessage(address, [.int(b ? 1 : 0)]))
            case .text(let t): out.append(OSCMessage(address, [.string(t)]))
            case .pair(let a, let b): out.append(OSCMessage(address, [.float(Float(a)), .float(Float(b))]))
            case .mood(let m): out.append(OSCMessage(address, [.string(m.name)]))
            case .key, .trigger, .unset: break
            }
        }
        for spec in ControlTable.all where spec.access.readable && spec.isSetting {
            switch spec.scope {
            case .band:
                if let v = spec.value(in: s) { add(spec, spec.address, v) }
            case .agent, .sound:
                for (i, a) in s.agents.enumerated() where names.contains(a.name) {
                    // Live sound settings a controller has changed (the patch's own values until then).
                    if let v = spec.value(in: s, agent: i) { add(spec, spec.address(agent: a.name), v) }
                }
            }
        }
        if let deck {
            let p = deck.position
            out += [OSCMessage("/polyphon/cue/current", [.string(p.current)]), OSCMessage("/polyphon/cue/next", [.string(p.next)])]
        }
        if let mapping { out += mapping.feedback(for: router) }
        return out
    }

    /// Sends what changed to every subscriber; drops subscribers whose connection closed.
    func tick() {
        let state = stateMessages()
        let outgoing: [(any OSCPeer, [OSCMessage])] = subscribers.withLock { list in
            var result: [(any OSCPeer, [OSCMessage])] = []
            for (key, var sub) in list {
                guard sub.peer.isOpen else { list.removeValue(forKey: key); continue }
                var changed: [OSCMessage] = []
                for m in state where sub.sent[m.address] != m {
                    if changed.count == Feedback.maxPerTick { break }
                    changed.append(m)
                    sub.sent[m.address] = m
                }
                list[key] = sub
                if !changed.isEmpty { result.append((sub.peer, changed)) }
            }
            return result
        }
        for (peer, messages) in outgoing {
            for m in messages { peer.send(.message(m)) }
        }
    }
}
