import Control
import Engine
import Foundation
import Music
import Testing

/// A bounded random-packet fuzz of OSC parsing and dispatch: malformed bytes, mutated valid
/// messages and random bundles. Nothing may crash, and the state must stay valid throughout.
@Suite struct FuzzTests {
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static var count: Int { Int(ProcessInfo.processInfo.environment["POLYPHON_FUZZ_PACKETS"] ?? "") ?? 1_000_000 }

    @Test func aMillionMalformedPacketsCrashNothingAndKeepTheStateValid() {
        let patch = Patch.builtIn
        let store = ParameterStore(patch.initialSteering)
        let router = CommandRouter(store: store, agentNames: patch.agents.map(\.spec.name))
        let dispatcher = OSCDispatcher(router: router, sink: .direct(store), logger: .init(label: "fuzz"))
        let peer = FakePeer()
        var rng = Random(state: 42)
        let seeds: [[UInt8]] = [
            OSCMessage("/polyphon/tempo", [.float(120)]), OSCMessage("/polyphon/density", [.int(50)]),
            OSCMessage("/polyphon/mood", [.string("dark")]), OSCMessage("/polyphon/agent/*/gain", [.double(0.5)]),
            OSCMessage("/polyphon/mood/xy", [.float(0.2), .float(0.9)]), OSCMessage("/polyphon/key", [.string("F# lydian")]),
        ].map { OSCPacket.message($0).encoded() } + [
            OSCPacket.bundle(timetag: 1, elements: [.message(OSCMessage("/polyphon/tempo", [.float(99)])),
                                                    .message(OSCMessage("/polyphon/agent/bass/mute", [.bool(true)]))]).encoded(),
        ]
        func valid(_ s: Steering) -> Bool {
            Steering.tempoRange.contains(s.tempo) && (0...1).contains(s.density) && Steering.gainRange.contains(s.masterGain)
                && (-1...1).contains(s.mood.valence) && (-1...1).contains(s.mood.arousal)
                && s.agents.allSatisfy { Steering.gainRange.contains($0.gain) && (-1...1).contains($0.pan) && ($0.density.map { (0...1).contains($0) } ?? true) }
        }
        let total = FuzzTests.count
        var invalid = 0
        for i in 0..<total {
            var bytes: [UInt8]
            switch rng.next() % 4 {
            case 0:   // noise
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1:   // a valid packet with flipped bytes
                bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
                for _ in 0...(rng.next() % 4) where !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:   // truncated or extended
                bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
                if rng.next() % 2 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
                else { bytes += (0..<Int(rng.next() % 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            default:  // a bundle header over random elements
                bytes = Array("#bundle\0".utf8) + (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                for _ in 0..<(rng.next() % 3) {
                    let e = seeds[Int(rng.next() % UInt64(seeds.count))]
                    let size = rng.next() % 3 == 0 ? UInt32(truncatingIfNeeded: rng.next()) : UInt32(e.count)
                    bytes += [UInt8(size >> 24), UInt8(truncatingIfNeeded: size >> 16), UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)] + e
                }
            }
            dispatcher.handle(bytes[...], from: peer)
            if i % 1000 == 0 {
                if !valid(store.read()) { invalid += 1 }
                peer.sent.withLock { $0.removeAll(keepingCapacity: true) }
            }
        }
        let counts = dispatcher.counts
        print("fuzz: \(total) packets, \(counts.malformed) malformed, \(counts.rejected) refused, \(total - counts.malformed - counts.rejected) applied or answered; invalid states seen: \(invalid)")
        #expect(counts.received == total)
        #expect(invalid == 0 && valid(store.read()))
    }
}
