import Realtime
import Engine
import Foundation
import Logging
import Synchronization

/// An IPv4 network, `192.168.1.0/24` or a single host `10.0.0.7`.
public struct Network: Sendable, Equatable, CustomStringConvertible {
    public var address: UInt32
    public var prefix: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/")
        guard (1...2).contains(parts.count), let a = Network.parse(String(parts[0])) else { return nil }
        let p = parts.count == 2 ? Int(parts[1]) : 32
        guard let p, (0...32).contains(p) else { return nil }
        address = a
        prefix = p
    }

    static func parse(_ host: String) -> UInt32? {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1 }
    }

    public func contains(_ host: String) -> Bool {
        guard let a = Network.parse(host) else { return false }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        return a & mask == address & mask
    }

    public var description: String { "\(address >> 24).\((address >> 16) & 255).\((address >> 8) & 255).\(address & 255)/\(prefix)" }
}

/// Who may do what, the same on UDP and TCP (and the HTTP side to come):
/// - a source in `control` may change things; with a shared secret set, only once it has sent
///   `/polyphon/auth s:SECRET` (a TCP connection for as long as it stays open; a UDP sender,
///   by its address and port, until it has been silent for `udpSession` seconds);
/// - a source in `read_only`, or in `control` without the secret, may ask for status and
///   feedback only; a refusal is answered with `/polyphon/error`, since it may read;
/// - everyone else is dropped without an answer, counted, and logged at most once a minute per
///   source.
/// Every source also has a rate limit, so a flooding or broken client cannot starve the others.
public final class Access: @unchecked Sendable {
    public enum Role: Sendable { case control, readOnly }

    public struct Rules: Sendable {
        /// Networks with the control role; empty means everyone.
        public var control: [Network] = []
        public var readOnly: [Network] = []
        /// Messages per second allowed from one source (0: no limit), with a burst of the same.
        public var rateLimit: Double = 0
        public var secret: String?

        public init() {}
    }

    public let rules: Rules

    /// Who can steer the show, in words, for the start-up log.
    public var summary: String {
        let who = rules.control.isEmpty ? "anyone who can reach the port" : rules.control.map(\.description).joined(separator: ", ")
        let secret = rules.secret != nil ? ", after /polyphon/auth with the shared secret (UDP and TCP)" : ""
        let readers = rules.readOnly.isEmpty ? "" : "; read-only: \(rules.readOnly.map(\.description).joined(separator: ", "))"
        let limit = rules.rateLimit > 0 ? "; at most \(Int(rules.rateLimit)) messages/s per source" : ""
        return "who can steer the show: \(who)\(secret)\(readers)\(limit)"
    }
    let logger: Logger
    private let buckets = Guarded<[String: (tokens: Double, at: Double, warned: Double)]>([:])
    /// Authenticated sessions by peer key, with when each was last heard.
    private let authenticated = Guarded<[String: Double]>([:])
    /// Seconds of silence after which a UDP sender must authenticate again.
    public static let udpSession = 600.0
    /// Sessions remembered at most (the least recently heard are forgotten first).
    static let maxSessions = 4096
    private let complaints = Guarded<[String: Double]>([:])
    private let counters = Guarded((denied: 0, limited: 0))

    public init(rules: Rules, logger: Logger) {
        self.rules = rules
        self.logger = logger
    }

    public var denied: Int { counters.withLock { $0.denied } }
    public var rateLimited: Int { counters.withLock { $0.limited } }

    static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    /// The role of a peer, or nil if it is not allowed at all.
    public func role(of peer: any OSCPeer) -> Role? {
        let host = peer.host
        let mayControl = rules.control.isEmpty || rules.control.contains { $0.contains(host) }
        let mayRead = mayControl || rules.readOnly.contains { $0.contains(host) }
        guard mayRead else { return nil }
        guard mayControl else { return .readOnly }
        guard rules.secret != nil else { return .control }
        let t = Access.now(), udp = peer.key.hasPrefix("udp:")
        let ok = authenticated.withLock { sessions -> Bool in
            guard let last = sessions[peer.key] else { return false }
            if udp && t - last > Access.udpSession {
                sessions[peer.key] = nil
                return false
            }
            sessions[peer.key] = t
            return true
        }
        return ok ? .control : .readOnly
    }

    /// Admits one packet from `peer`, or drops it (denied or over its rate).
    public func admit(_ peer: any OSCPeer) -> Role? {
        guard let role = role(of: peer) else {
            counters.withLock { $0.denied += 1 }
            complain(peer.host, "dropping OSC from \(peer.host): not in the allowed controllers")
            return nil
        }
        if rules.rateLimit > 0 {
            let t = Access.now()
            let allowed = buckets.withLock { b -> Bool in
                var entry = b[peer.host] ?? (rules.rateLimit, t, 0)
                entry.tokens = min(rules.rateLimit, entry.tokens + (t - entry.at) * rules.rateLimit)
                entry.at = t
                let ok = entry.tokens >= 1
                if ok { entry.tokens -= 1 }
                b[peer.host] = entry
                return ok
            }
            if !allowed {
                counters.withLock { $0.limited += 1 }
                complain(peer.host, "rate limit: dropping OSC from \(peer.host) above \(Int(rules.rateLimit)) messages/s")
                return nil
            }
        }
        return role
    }

    /// `/polyphon/auth s:SECRET` on a TCP connection.
    public func authenticate(_ peer: any OSCPeer, secret: String) -> Bool {
        guard let expected = rules.secret else { return false }
        // Compare in constant time, so the secret cannot be found by timing.
        let a = Array(expected.utf8), b = Array(secret.utf8)
        var diff = a.count ^ b.count
        for i in 0..<max(a.count, b.count) { diff |= Int((i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)) }
        guard diff == 0 else { return false }
        let t = Access.now()
        authenticated.withLock { sessions in
            if sessions.count >= Access.maxSessions, let oldest = sessions.min(by: { $0.value < $1.value })?.key {
                sessions[oldest] = nil
            }
            sessions[peer.key] = t
        }
        return true
    }

    private func complain(_ host: String, _ text: String) {
        let t = Access.now()
        let due = complaints.withLock { c -> Bool in
            if let last = c[host], t - last < 60 { return false }
            c[host] = t
            return true
        }
        if due { logger.warning("\(text) (logged once a minute per source)") }
    }

    /// What a read-only controller may send: the table's read-only questions and sessions.
    static let readOnlyAddresses: Set<String> = Set(ControlTable.all.filter { c in
        c.access == .read && (c.kind == .query || c.kind == .session)
    }.map(\.address))
}
