import Control
import Engine
import Foundation
import Glibc
import Installation
import Synchronization
import Testing

final class Peer: OSCPeer, @unchecked Sendable {
    let key: String
    let host: String
    let sent = Mutex<[OSCMessage]>([])
    init(_ key: String, _ host: String) { self.key = key; self.host = host }
    func send(_ packet: OSCPacket) { sent.withLock { $0 += packet.messages } }
    var isOpen: Bool { true }
}

@Suite struct AccessTests {
    func rules(_ f: (inout Access.Rules) -> Void) -> Access {
        var r = Access.Rules()
        f(&r)
        return Access(rules: r, logger: .init(label: "t"))
    }

    @Test func networksAndRoles() {
        let a = rules { $0.control = [Network("192.168.1.0/24")!]; $0.readOnly = [Network("10.0.0.7")!] }
        #expect(a.role(of: Peer("udp:192.168.1.50:1", "192.168.1.50")) == .control)
        #expect(a.role(of: Peer("udp:10.0.0.7:1", "10.0.0.7")) == .readOnly)
        #expect(a.role(of: Peer("udp:10.0.0.8:1", "10.0.0.8")) == nil)
        #expect(a.admit(Peer("udp:8.8.8.8:1", "8.8.8.8")) == nil && a.denied == 1)
        #expect(Network("300.1.1.1") == nil && Network("1.2.3.4/33") == nil)
    }

    @Test func rateLimitDropsTheFlooderOnly() {
        let a = rules { $0.rateLimit = 100 }
        let flooder = Peer("udp:127.0.0.2:1", "127.0.0.2"), other = Peer("udp:127.0.0.3:1", "127.0.0.3")
        var admitted = 0
        for _ in 0..<1000 where a.admit(flooder) != nil { admitted += 1 }
        #expect(admitted >= 100 && admitted < 120)
        #expect(a.admit(other) == .control)
        #expect(a.rateLimited == 1000 - admitted)
    }

    @Test func everyTransportNeedsTheSecretForControl() {
        let a = rules { $0.secret = "opensesame" }
        let tcp = Peer("tcp:127.0.0.1:5#1", "127.0.0.1")
        let udp = Peer("udp:127.0.0.1:5", "127.0.0.1")
        #expect(a.role(of: tcp) == .readOnly)
        #expect(a.role(of: udp) == .readOnly)
        #expect(!a.authenticate(tcp, secret: "wrong"))
        #expect(a.authenticate(tcp, secret: "opensesame"))
        #expect(a.role(of: tcp) == .control)
        #expect(a.role(of: udp) == .readOnly, "TCP's authentication is not UDP's")
        #expect(a.authenticate(udp, secret: "opensesame"))
        #expect(a.role(of: udp) == .control)
        #expect(a.role(of: Peer("udp:127.0.0.1:6", "127.0.0.1")) == .readOnly, "another port of the same host")
    }

    @Test func aReadOnlyClientGetsStatusButChangesNothing() {
        let store = ParameterStore(Patch.builtIn.initialSteering)
        let router = CommandRouter(store: store, agentNames: Patch.builtIn.agents.map(\.spec.name))
        let d = OSCDispatcher(router: router, sink: .direct(store), logger: .init(label: "t"))
        d.access = rules { $0.control = [Network("192.168.0.0/16")!]; $0.readOnly = [Network("127.0.0.1")!] }
        let peer = Peer("udp:127.0.0.1:9", "127.0.0.1")
        d.handle(OSCPacket.message(OSCMessage("/polyphon/tempo", [.float(150)])).encoded()[...], from: peer)
        d.handle(OSCPacket.message(OSCMessage("/polyphon/status")).encoded()[...], from: peer)
        #expect(store.read().tempo == 112)
        #expect(peer.sent.withLock { $0.map(\.address) } == ["/polyphon/error", "/polyphon/status"])
    }
}

@Suite struct CaretakerTests {
    final class Signal: @unchecked Sendable {
        var clock: Int64 = 0
        var peak: Float = 0
    }

    @Test func unintendedSilenceResetsTheVoicesAndIntendedSilenceIsLeftAlone() {
        let store = ParameterStore(Patch.builtIn.initialSteering)
        let sink = CommandSink.direct(store)
        let signal = Signal()
        let c = Caretaker(store: store, submit: { _ = sink.submit($0) }, clock: { signal.clock }, peak: { signal.peak },
                          silenceLimit: 5, logger: .init(label: "t"))
        // Every part set to density 0 by the operator: meant, so never overridden.
        store.update { s in for i in s.agents.indices { s.agents[i].density = 0 } }
        for _ in 0..<30 { signal.clock += 24000; c.check(interval: 0.5) }
        #expect(c.rearms == 0)
        #expect(store.read().agents.allSatisfy { $0.density == 0 } && store.read().panicCount == 0)
        // Every part muted, or the band stopped: meant too.
        store.update { s in for i in s.agents.indices { s.agents[i].density = nil; s.agents[i].mute = true } }
        for _ in 0..<30 { signal.clock += 24000; c.check(interval: 0.5) }
        store.update { s in for i in s.agents.indices { s.agents[i].mute = false }; s.playing = false }
        for _ in 0..<30 { signal.clock += 24000; c.check(interval: 0.5) }
        #expect(c.rearms == 0)
        // Playing, unmuted, and silent: the voices are reset, and no setting changes.
        store.update { $0.playing = true }
        let before = store.read()
        for _ in 0..<12 { signal.clock += 24000; c.check(interval: 0.5) }
        #expect(c.rearms == 1)
        var after = store.read()
        #expect(after.panicCount == before.panicCount + 1)
        after.panicCount = before.panicCount
        #expect(after == before)
        // A stalled audio clock is not "silence": nothing flows, nothing to re-arm.
        for _ in 0..<30 { c.check(interval: 0.5) }
        #expect(c.rearms == 1)
    }

    @Test func theWatchdogIsFedOnlyWhileAudioFlows() throws {
        let path = NSTemporaryDirectory() + "polyphon-notify-\(getpid())-\(UUID().uuidString.prefix(6))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func received() -> [String] {
            var out: [String] = []
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return out }
                out.append(String(decoding: buffer[0..<n], as: UTF8.self))
            }
        }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1"])
        let store = ParameterStore(Patch.builtIn.initialSteering)
        let signal = Signal()
        signal.peak = 0.5
        let c = Caretaker(store: store, submit: { _ in }, clock: { signal.clock }, peak: { signal.peak }, silenceLimit: 30, notifier: notifier, logger: .init(label: "t"))
        c.check(interval: 0.5)
        #expect(received().isEmpty, "nothing before audio flows")
        signal.clock = 256
        c.check(interval: 0.5)
        #expect(received() == ["READY=1\nSTATUS=playing", "WATCHDOG=1"])
        c.check(interval: 0.5)   // the clock stalled: no keep-alive
        #expect(received().isEmpty)
        signal.clock = 512
        c.check(interval: 0.5)
        #expect(received() == ["WATCHDOG=1"])
    }
}

@Suite struct MetricsTests {
    @Test func exposition() {
        let text = MetricsEndpoint.render([.init("polyphon_xruns_total", "counter", 3, "xruns")])
        #expect(text == "# HELP polyphon_xruns_total xruns\n# TYPE polyphon_xruns_total counter\npolyphon_xruns_total 3.0\n")
    }
}
