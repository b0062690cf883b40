import Foundation
import Glibc
import Logging
import Synchronization

/// Errors opening a listening socket, for the start-up log.
public struct ListenError: Error, CustomStringConvertible {
    public var description: String
}

/// An IPv4 socket address from a dotted host (or "0.0.0.0") and a port.
func socketAddress(host: String, port: Int) throws(ListenError) -> sockaddr_in {
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = in_port_t(UInt16(port).bigEndian)
    let h = host == "localhost" ? "127.0.0.1" : host
    guard inet_pton(AF_INET, h, &a.sin_addr) == 1 else { throw ListenError(description: "bind address '\(host)' is not an IPv4 address") }
    return a
}

func describe(_ a: sockaddr_in) -> (host: String, port: Int) {
    var addr = a.sin_addr
    var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    inet_ntop(AF_INET, &addr, &buffer, socklen_t(INET_ADDRSTRLEN))
    return (String(cString: buffer), Int(UInt16(bigEndian: a.sin_port)))
}

/// A socket of `type` bound to host:port with SO_REUSEADDR, or a start-up error naming the protocol.
/// A stream socket listens with the largest backlog the kernel allows, so a burst of connects
/// from a busy venue network waits in the queue instead of timing out.
func boundSocket(_ type: Int32, _ proto: String, host: String, port: Int) throws(ListenError) -> Int32 {
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { throw ListenError(description: "cannot create a \(proto) socket") }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var a: sockaddr_in
    do { a = try socketAddress(host: host, port: port) } catch { close(fd); throw error }
    let bound = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, type != Int32(SOCK_STREAM.rawValue) || listen(fd, SOMAXCONN) == 0 else {
        let reason = String(cString: strerror(errno))
        close(fd)
        throw ListenError(description: "cannot listen on \(proto) \(host):\(port): \(reason) (is another program using it?)")
    }
    return fd
}

/// A UDP sender: replies and feedback go from the server's own socket to its address.
final class UDPPeer: OSCPeer, @unchecked Sendable {
    let fd: Int32
    var address: sockaddr_in
    let key: String
    let host: String

    init(fd: Int32, address: sockaddr_in) {
        self.fd = fd
        self.address = address
        let d = describe(address)
        host = d.host
        key = "udp:\(d.host):\(d.port)"
    }

    var isOpen: Bool { true }

    func send(_ packet: OSCPacket) {
        let bytes = packet.encoded()
        var a = address
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }
}

/// OSC over UDP: one datagram, one packet.
public final class UDPListener: @unchecked Sendable {
    let fd: Int32
    let dispatcher: OSCDispatcher
    let logger: Logger
    private let running = Atomic<Bool>(false)
    public let port: Int

    public init(host: String, port: Int, dispatcher: OSCDispatcher, logger: Logger) throws(ListenError) {
        let fd = try boundSocket(Int32(SOCK_DGRAM.rawValue), "UDP", host: host, port: port)
        self.fd = fd
        // A deep receive buffer rides out bursts from desks and floods: 8 MB where allowed.
        var size: Int32 = 8 << 20
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        self.port = port
        self.dispatcher = dispatcher
        self.logger = logger
        // Without root the kernel caps the buffer at net.core.rmem_max (docs/installation.md).
        var got: Int32 = 0
        var gotLength = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gotLength)
        logger.info("UDP receive buffer: \(got) bytes (asked for \(size); without root the kernel caps it at 2 x net.core.rmem_max)")
    }

    /// A peer on this socket for another port of `host` (feedback to a controller's listen port).
    func peer(host: String, port: Int) -> (any OSCPeer)? {
        guard let a = try? socketAddress(host: host, port: port) else { return nil }
        return UDPPeer(fd: fd, address: a)
    }

    public func start() {
        running.store(true, ordering: .releasing)
        let t = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while running.load(ordering: .acquiring) {
                guard poll(&pfd, 1, 200) > 0 else { continue }
                var from = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let n = buffer.withUnsafeMutableBytes { raw in
                    withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
                    }
                }
                guard n > 0 else { continue }
                dispatcher.handle(buffer[0..<n], from: UDPPeer(fd: fd, address: from))
            }
        }
        t.name = "polyphon-osc-udp"
        t.start()
    }

    public func stop() {
        running.store(false, ordering: .releasing)
    }
}
