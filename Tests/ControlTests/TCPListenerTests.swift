import Control
import Engine
import Foundation
import Glibc
import Logging
import Music
import Testing

/// The real TCP listener on 127.0.0.1 with short limits, talked to over real sockets: the idle
/// timeout, oldest-idle eviction at the connection limit, slow readers, framing across reads
/// and a prompt stop. Every wait is bounded.
@Suite(.serialized) struct TCPListenerTests {
    func listener(maxConnections: Int = 1024, idleSeconds: Double = 300, outputLimit: Int = 256 << 10,
                  stallSeconds: Double = 5) throws -> TCPListener {
        let steering = Steering(tempo: 112, density: 0.6, mood: try #require(Mood(named: "driving")), tonic: PitchClass(9), modeOverride: nil,
                                masterGain: 0.8, agents: [AgentSteering(name: "bass", gain: 0.8, pan: 0)])
        let store = ParameterStore(steering)
        let router = CommandRouter(store: store, agentNames: ["bass"])
        let dispatcher = OSCDispatcher(router: router, sink: .direct(store), logger: Logger(label: "test"))
        let l = try TCPListener(host: "127.0.0.1", port: 0, dispatcher: dispatcher, logger: Logger(label: "test"),
                                maxConnections: maxConnections, idleSeconds: idleSeconds, outputLimit: outputLimit,
                                stallSeconds: stallSeconds)
        l.start()
        return l
    }

    /// Polls `condition` every 20 ms for at most `seconds`.
    func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeoutAndATalkingOneStays() throws {
        let l = try listener(idleSeconds: 0.6)
        defer { l.stop() }
        let silent = try #require(Client(port: l.port))
        let talking = try #require(Client(port: l.port))
        let start = Date()
        while Date().timeIntervalSince(start) < 1.5 {
            #expect(talking.ask("/polyphon/ping") == "/polyphon/pong")
            usleep(200_000)
        }
        #expect(silent.closedByServer(within: 1))
        #expect(talking.ask("/polyphon/ping") == "/polyphon/pong")
        #expect(l.stats.timedOut == 1)
    }

    @Test func atTheLimitTheOldestIdleConnectionMakesRoom() throws {
        let l = try listener(maxConnections: 3)
        defer { l.stop() }
        let a = try #require(Client(port: l.port))
        let b = try #require(Client(port: l.port))
        let c = try #require(Client(port: l.port))
        usleep(50_000)
        #expect(b.ask("/polyphon/ping") == "/polyphon/pong")   // b is heard from; a and c are idle, a longest
        let desk = try #require(Client(port: l.port))
        #expect(desk.ask("/polyphon/status") == "/polyphon/status")
        #expect(a.closedByServer(within: 1))
        #expect(b.ask("/polyphon/ping") == "/polyphon/pong")
        #expect(c.ask("/polyphon/ping") == "/polyphon/pong")
        // Now desk is the oldest idle of b, c, desk (c and b spoke after it).
        let next = try #require(Client(port: l.port))
        #expect(next.ask("/polyphon/ping") == "/polyphon/pong")
        #expect(desk.closedByServer(within: 1))
        #expect(l.stats.evicted == 2)
        #expect(l.stats.open == 3)
    }

    @Test func aClientThatDoesNotReadHasRepliesDroppedAndIsClosed() throws {
        let l = try listener(outputLimit: 4096, stallSeconds: 0.5)
        defer { l.stop() }
        let slow = try #require(Client(port: l.port, receiveBuffer: 4096))
        let desk = try #require(Client(port: l.port))
        let request = Client.sized(OSCPacket.message(OSCMessage("/polyphon/status")).encoded())
        var batch: [UInt8] = []
        for _ in 0..<200 { batch += request }
        // Ask far more than the kernel buffers and the 4 KiB output hold, never reading.
        var sent = 0
        let flooded = eventually(10) {
            if slow.write(batch) { sent += 200 }
            return l.droppedReplies > 0
        }
        #expect(flooded, "no reply was dropped after \(sent) requests")
        let asked = Date()
        #expect(desk.ask("/polyphon/status") == "/polyphon/status")
        #expect(Date().timeIntervalSince(asked) < 0.5)
        // Keep asking: the buffer never empties, so the client is closed after the 0.5 s stall.
        // (Generous bounds: the whole suite runs tests in parallel on two cores.)
        #expect(eventually(10) {
            _ = slow.write(batch)
            return l.stats.closedSlow == 1
        })
        #expect(slow.closedByServer(within: 5))
        #expect(desk.ask("/polyphon/ping") == "/polyphon/pong")
    }

    @Test func packetsSplitAcrossReadsAreReassembledInBothFramings() throws {
        let l = try listener()
        defer { l.stop() }
        let body = OSCPacket.message(OSCMessage("/polyphon/ping")).encoded()
        let sized = try #require(Client(port: l.port))
        let framed = Client.sized(body)
        #expect(sized.write(Array(framed[0..<3])))
        usleep(50_000)
        #expect(sized.write(Array(framed[3...]) + framed))
        #expect(sized.readSized(timeout: 1) == "/polyphon/pong")
        #expect(sized.readSized(timeout: 1) == "/polyphon/pong")
        let slip = try #require(Client(port: l.port))
        let frame = [UInt8(0xC0)] + body + [0xC0]
        #expect(slip.write(Array(frame[0..<5])))
        usleep(50_000)
        #expect(slip.write(Array(frame[5...])))
        let reply = slip.read(timeout: 1)
        #expect(reply.first == 0xC0 && reply.last == 0xC0 && reply.count > 16)
    }

    @Test func stopClosesEveryConnectionPromptly() throws {
        let l = try listener()
        let clients = (0..<50).compactMap { _ in Client(port: l.port) }
        #expect(clients.count == 50)
        #expect(clients[0].ask("/polyphon/ping") == "/polyphon/pong")
        #expect(eventually(1) { l.stats.open == 50 })
        let start = Date()
        l.stop()
        #expect(Date().timeIntervalSince(start) < 0.5)
        for c in clients { #expect(c.closedByServer(within: 0.5)) }
    }
}

/// A blocking TCP client on 127.0.0.1 with bounded waits.
final class Client {
    let fd: Int32

    init?(port: Int, receiveBuffer: Int32? = nil) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else {
            close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    static func sized(_ body: [UInt8]) -> [UInt8] {
        let n = UInt32(body.count)
        return [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + body
    }

    /// Writes everything within the 1 s send timeout.
    func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let r = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard r > 0 else { return false }
            sent += r
        }
        return true
    }

    /// What arrives within `timeout` (empty on timeout or EOF).
    func read(timeout: Double) -> [UInt8] {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    /// The address of the next size-prefixed reply, or nil.
    func readSized(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var data: [UInt8] = pending
        while Date() < deadline {
            if data.count >= 4 {
                let size = Int(data[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                if data.count >= 4 + size {
                    pending = Array(data[(4 + size)...])
                    guard case .success(let p) = OSCPacket.parse(data[4..<(4 + size)]) else { return nil }
                    return p.messages.first?.address
                }
            }
            let more = read(timeout: max(0.01, deadline.timeIntervalSinceNow))
            if more.isEmpty { break }
            data += more
        }
        pending = data
        return nil
    }

    private var pending: [UInt8] = []

    /// Sends `address` size-prefixed and returns the reply's address.
    func ask(_ address: String) -> String? {
        guard write(Client.sized(OSCPacket.message(OSCMessage(address)).encoded())) else { return nil }
        return readSized(timeout: 1)
    }

    /// Reads and discards until EOF or a reset, for at most `seconds`.
    func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
        }
        return false
    }
}
