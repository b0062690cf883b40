import Control
import Engine
import Music
import Synchronization
import Testing

/// Collects what the dispatcher sends back.
final class FakePeer: OSCPeer, @unchecked Sendable {
    let sent = Mutex<[OSCMessage]>([])
    func send(_ packet: OSCPacket) { sent.withLock { $0 += packet.messages } }
    var key: String { "fake" }
    var isOpen: Bool { true }
    var host: String { "127.0.0.1" }
    var addresses: [String] { sent.withLock { $0.map(\.address) } }
}

@Suite struct DispatcherTests {
    func make() -> (OSCDispatcher, ParameterStore) {
        let steering = Steering(tempo: 112, density: 0.6, mood: Mood(named: "driving")!, tonic: PitchClass(9), modeOverride: nil,
                                masterGain: 0.8, agents: [AgentSteering(name: "bass", gain: 0.8, pan: 0)])
        let store = ParameterStore(steering)
        let router = CommandRouter(store: store, agentNames: ["bass"])
        return (OSCDispatcher(router: router, sink: .direct(store), logger: .init(label: "test")), store)
    }

    func bytes(_ p: OSCPacket) -> ArraySlice<UInt8> { p.encoded()[...] }

    @Test func codecRoundTripsEveryType() {
        let m = OSCMessage("/x", [.int(-3), .float(1.5), .double(2.25), .string("hé"), .bool(true), .bool(false), .null, .impulse, .int64(1 << 40)])
        guard case .success(.message(let back)) = OSCPacket.parse(bytes(.message(m))) else { Issue.record("no parse"); return }
        #expect(back == m)
    }

    @Test func malformedPacketsGetAnError() {
        let (d, _) = make()
        let peer = FakePeer()
        for raw: [UInt8] in [[0, 1, 2, 3], Array("/polyphon/tempo\0,f\0\0\u{1}".utf8), Array("#bundle\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 99]] {
            d.handle(raw[...], from: peer)
        }
        #expect(peer.addresses == ["/polyphon/error", "/polyphon/error", "/polyphon/error"])
        #expect(d.counts.malformed == 3)
    }

    @Test func aBundleIsAllOrNothing() {
        let (d, store) = make()
        let peer = FakePeer()
        d.handle(bytes(.bundle(timetag: OSCPacket.immediately, elements: [
            .message(OSCMessage("/polyphon/tempo", [.float(140)])),
            .message(OSCMessage("/polyphon/density", [.float(9)])),
        ])), from: peer)
        #expect(store.read().tempo == 112)
        #expect(peer.addresses == ["/polyphon/error", "/polyphon/error"])
        d.handle(bytes(.bundle(timetag: OSCPacket.immediately, elements: [
            .message(OSCMessage("/polyphon/tempo", [.float(140)])),
            .message(OSCMessage("/polyphon/agent/*/gain/norm", [.float(0.25)])),
        ])), from: peer)
        #expect(store.read().tempo == 140)
        #expect(store.read().agents[0].gain == 0.5)
    }

    @Test func normalizedFormsSpanTheRange() {
        let (d, store) = make()
        let peer = FakePeer()
        d.handle(bytes(.message(OSCMessage("/polyphon/agent/bass/pan/norm", [.float(0)]))), from: peer)
        d.handle(bytes(.message(OSCMessage("/polyphon/master/gain/norm", [.float(1)]))), from: peer)
        d.handle(bytes(.message(OSCMessage("/polyphon/mood/valence/norm", [.float(0)]))), from: peer)
        #expect(store.read().agents[0].pan == -1)
        #expect(store.read().masterGain == 2)
        #expect(store.read().mood.valence == -1)
        #expect(peer.sent.withLock { $0.isEmpty })
    }
}
