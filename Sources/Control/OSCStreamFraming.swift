/// How OSC packets are cut out of a TCP stream. Desks differ: ETC Eos sends OSC 1.0's 32-bit
/// big-endian size before each packet, others (and Eos, on request) OSC 1.1's SLIP. A connection
/// says which by its first byte (SLIP starts with END, 0xC0; a size prefix of a packet under
/// 3 GB never does), and replies go back in the same framing.
enum StreamFraming: Sendable {
    case sizePrefix, slip

    static let end: UInt8 = 0xC0, esc: UInt8 = 0xDB, escEnd: UInt8 = 0xDC, escEsc: UInt8 = 0xDD

    init(firstByte: UInt8) { self = firstByte == StreamFraming.end ? .slip : .sizePrefix }

    /// `body` framed for the wire.
    func frame(_ body: [UInt8]) -> [UInt8] {
        switch self {
        case .sizePrefix:
            let n = UInt32(body.count)
            var out = [UInt8]()
            out.reserveCapacity(body.count + 4)
            out += [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
            out += body
            return out
        case .slip:
            var out = [StreamFraming.end]
            out.reserveCapacity(body.count + body.count / 16 + 2)
            for b in body {
                switch b {
                case StreamFraming.end: out += [StreamFraming.esc, StreamFraming.escEnd]
                case StreamFraming.esc: out += [StreamFraming.esc, StreamFraming.escEsc]
                default: out.append(b)
                }
            }
            out.append(StreamFraming.end)
            return out
        }
    }
}

/// A stream that cannot be framed any more: the connection is answered with the reason and closed.
struct FramingError: Error {
    let reason: String
}

/// Cuts one connection's received bytes into OSC packets, however the reads split them.
/// Lives on the listener's event-loop thread only.
struct StreamDeframer {
    private(set) var framing: StreamFraming?
    /// Size prefix: received bytes not yet consumed (from `start`). SLIP: the frame being read.
    private var pending: [UInt8] = []
    private var start = 0
    private var escaped = false
    let maxPacket: Int

    init(maxPacket: Int) { self.maxPacket = maxPacket }

    /// Fixes the framing from the connection's first byte, before any packet is handled, so the
    /// first reply already goes back in it.
    mutating func detect(firstByte: UInt8) -> StreamFraming {
        let f = framing ?? StreamFraming(firstByte: firstByte)
        framing = f
        return f
    }

    /// Feeds `bytes`, calling `packet` for every whole packet in order.
    mutating func feed(_ bytes: ArraySlice<UInt8>, packet: (ArraySlice<UInt8>) -> Void) throws(FramingError) {
        guard let first = bytes.first else { return }
        switch detect(firstByte: first) {
        case .slip: try feedSLIP(bytes, packet)
        case .sizePrefix: try feedSized(bytes, packet)
        }
    }

    private mutating func feedSLIP(_ bytes: ArraySlice<UInt8>, _ packet: (ArraySlice<UInt8>) -> Void) throws(FramingError) {
        for b in bytes {
            if b == StreamFraming.end {
                if !pending.isEmpty { packet(pending[...]) }
                pending.removeAll(keepingCapacity: true)
            } else if escaped {
                pending.append(b == StreamFraming.escEnd ? StreamFraming.end : (b == StreamFraming.escEsc ? StreamFraming.esc : b))
                escaped = false
            } else if b == StreamFraming.esc {
                escaped = true
            } else {
                pending.append(b)
            }
            if pending.count > maxPacket { throw FramingError(reason: "SLIP frame longer than \(maxPacket) bytes; closing") }
        }
    }

    private mutating func feedSized(_ bytes: ArraySlice<UInt8>, _ packet: (ArraySlice<UInt8>) -> Void) throws(FramingError) {
        pending += bytes
        while pending.count - start >= 4 {
            let size = Int(Int32(bitPattern: pending[start..<start + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
            guard size > 0, size <= maxPacket else {
                throw FramingError(reason: "malformed TCP size prefix \(size); expected 1...\(maxPacket) bytes; closing")
            }
            guard pending.count - start >= 4 + size else { break }
            packet(pending[(start + 4)..<(start + 4 + size)])
            start += 4 + size
        }
        // Consumed bytes go once per read, not once per packet.
        if start > 0 {
            pending.removeFirst(start)
            start = 0
        }
    }
}
