import Foundation
import Glibc

/// Talks to systemd through `$NOTIFY_SOCKET` (the sd_notify protocol: one datagram per
/// message), so Polyphon can be a `Type=notify` service with a watchdog. Without systemd it
/// does nothing.
public struct SystemdNotifier: Sendable {
    let path: String?
    /// How often systemd wants a keep-alive, from `$WATCHDOG_USEC`.
    public let watchdogInterval: Double?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        watchdogInterval = environment["WATCHDOG_USEC"].flatMap(Double.init).map { $0 / 1_000_000 }
    }

    public var isActive: Bool { path != nil }

    /// Sends "KEY=VALUE" lines, e.g. "READY=1", "WATCHDOG=1", "STATUS=playing".
    @discardableResult
    public func notify(_ text: String) -> Bool {
        guard let path else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // '@' marks an abstract socket: a leading NUL byte.
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let sent = text.withCString { s in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, s, strlen(s), 0, $0, length) }
            }
        }
        return sent >= 0
    }
}
