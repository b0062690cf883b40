import Foundation
import Glibc
import Logging
import Synchronization

/// A Prometheus text endpoint on 127.0.0.1 (`GET /metrics`): a tiny HTTP/1.0 responder on its
/// own thread, so the installation's health can be scraped without exposing control.
public final class MetricsEndpoint: @unchecked Sendable {
    public struct Sample: Sendable {
        public var name: String
        public var help: String
        public var type: String
        public var value: Double

        public init(_ name: String, _ type: String, _ value: Double, _ help: String) {
            self.name = name
            self.type = type
            self.value = value
            self.help = help
        }
    }

    let fd: Int32
    let samples: @Sendable () -> [Sample]
    private let running = Atomic<Bool>(false)

    public struct StartError: Error, CustomStringConvertible { public var description: String }

    public init(port: Int, samples: @escaping @Sendable () -> [Sample]) throws(StartError) {
        self.samples = samples
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw StartError(description: "cannot serve metrics on 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
    }

    /// The exposition text.
    public static func render(_ samples: [Sample]) -> String {
        samples.map { "# HELP \($0.name) \($0.help)\n# TYPE \($0.name) \($0.type)\n\($0.name) \($0.value)\n" }.joined()
    }

    public func start() {
        running.store(true, ordering: .releasing)
        Thread.detachNewThread { [self] in
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while running.load(ordering: .acquiring) {
                guard poll(&pfd, 1, 200) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var buffer = [UInt8](repeating: 0, count: 2048)
                let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                let request = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
                let body = request.hasPrefix("GET /metrics") || request.hasPrefix("GET / ") ? MetricsEndpoint.render(samples()) : "see /metrics\n"
                let status = body.hasPrefix("see") ? "404 Not Found" : "200 OK"
                let response = "HTTP/1.0 \(status)\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
                _ = response.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                close(client)
            }
            close(fd)
        }
    }

    public func stop() { running.store(false, ordering: .releasing) }
}
