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
    /// Makes a UDP peer for `/polyphon/subscribe PORT` (replies go from the server's own socket).
    var udpPeer: (@Sendable (String, Int) -> (any OSCPeer)?)?
    private let subscribers = Mutex<[String: Subscriber]>([:])
    private let running = Atomic<Bool>(false)
    public static let ticksPerSecond = 30.0
    public static let maxPerTick = 200

    struct Subscriber {
        var peer: any OSCPeer
        /// What this controller was last told, by address.
        var sent: [String: OSCMessage] = [:]
    }

    public init(router: CommandRouter, mapping: Mapping? = nil) {
        self.router = router
        self.mapping = mapping
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

    /// The state as the messages a controller would send to set it.
    public func stateMessages() -> [OSCMessage] {
        let s = router.store.read()
        var out: [OSCMessage] = [
            OSCMessage("/polyphon/tempo", [.float(Float(s.tempo))]),
            OSCMessage("/polyphon/tempo/norm", [.float(Float((s.tempo - 40) / 180))]),
            OSCMessage("/polyphon/density", [.float(Float(s.density))]),
            OSCMessage("/polyphon/mood", [.string(s.mood.name)]),
            OSCMessage("/polyphon/mood/xy", [.float(Float((s.mood.valence + 1) / 2)), .float(Float((s.mood.arousal + 1) / 2))]),
            OSCMessage("/polyphon/mood/valence", [.float(Float(s.mood.valence))]),
            OSCMessage("/polyphon/mood/arousal", [.float(Float(s.mood.arousal))]),
            OSCMessage("/polyphon/mood/glide", [.float(Float(s.moodGlide))]),
            OSCMessage("/polyphon/player/follow", [.int(s.followPlayer ? 1 : 0)]),
            OSCMessage("/polyphon/player/pause", [.float(Float(s.playerPause))]),
            OSCMessage("/polyphon/reverb/size", [.float(Float(s.effects.reverbSize))]),
            OSCMessage("/polyphon/reverb/damping", [.float(Float(s.effects.reverbDamping))]),
            OSCMessage("/polyphon/delay/feedback", [.float(Float(s.effects.delayFeedback))]),
            OSCMessage("/polyphon/delay/division", [.float(Float(s.effects.delayBeats))]),
            OSCMessage("/polyphon/compressor/threshold", [.float(Float(s.effects.compressorThreshold))]),
            OSCMessage("/polyphon/compressor/ratio", [.float(Float(s.effects.compressorRatio))]),
            OSCMessage("/polyphon/key", [.string(s.key.description)]),
            OSCMessage("/polyphon/master/gain", [.float(Float(s.masterGain))]),
            OSCMessage("/polyphon/transport/playing", [.int(s.playing ? 1 : 0)]),
        ]
        for (name, a) in zip(router.agentNames, s.agents) {
            let base = "/polyphon/agent/\(name)/"
            out += [
                OSCMessage(base + "mute", [.int(a.mute ? 1 : 0)]),
                OSCMessage(base + "solo", [.int(a.solo ? 1 : 0)]),
                OSCMessage(base + "gain", [.float(Float(a.gain))]),
                OSCMessage(base + "pan", [.float(Float(a.pan))]),
                OSCMessage(base + "density", [.float(Float(a.density ?? s.density))]),
                OSCMessage(base + "reverb", [.float(Float(a.reverb))]),
                OSCMessage(base + "delay", [.float(Float(a.delay))]),
                OSCMessage(base + "morph", [.float(Float(a.morph))]),
            ]
            // Live sound settings a controller has changed (the patch's own values until then).
            for p in SoundParameter.of(family: a.instrument) {
                if let v = a.sound[p.code] { out.append(OSCMessage(base + "sound/" + p.name, [.float(Float(v))])) }
            }
        }
        if let deck = router.deck {
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
