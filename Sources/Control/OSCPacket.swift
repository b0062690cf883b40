/// An OSC packet: a message, or a bundle of packets with a timetag (OSC 1.0).
public indirect enum OSCPacket: Sendable, Equatable {
    case message(OSCMessage)
    case bundle(timetag: UInt64, elements: [OSCPacket])

    /// The timetag meaning "now".
    public static let immediately: UInt64 = 1

    /// Parses a packet; a malformed one gives the reason (and the address, when one was read).
    public static func parse(_ bytes: ArraySlice<UInt8>, depth: Int = 0) -> Result<OSCPacket, Rejection> {
        let bundleHeader = Array("#bundle\0".utf8)
        guard bytes.count >= 8, Array(bytes.prefix(8)) == bundleHeader else {
            return OSCCodec.decodeMessage(bytes).map { .message($0) }
        }
        guard depth < 8 else { return .failure(Rejection("#bundle", "malformed OSC packet: bundles nested too deep")) }
        guard bytes.count >= 16, bytes.count % 4 == 0 else {
            return .failure(Rejection("#bundle", "malformed OSC bundle: \(bytes.count) bytes is not a timetag and 4-byte aligned elements"))
        }
        var i = bytes.startIndex + 8
        let timetag = bytes[i..<(i + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        i += 8
        var elements: [OSCPacket] = []
        while i < bytes.endIndex {
            guard bytes.endIndex - i >= 4 else { return .failure(Rejection("#bundle", "malformed OSC bundle: truncated element size")) }
            let size = Int(bytes[i..<(i + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            i += 4
            guard size > 0, size % 4 == 0, size <= bytes.endIndex - i else {
                return .failure(Rejection("#bundle", "malformed OSC bundle: element size \(size) does not fit the packet"))
            }
            switch parse(bytes[i..<(i + size)], depth: depth + 1) {
            case .success(let p): elements.append(p)
            case .failure(let e): return .failure(e)
            }
            i += size
        }
        return .success(.bundle(timetag: timetag, elements: elements))
    }

    /// Encodes the packet (bundles as OSC 1.0 bundles).
    public func encoded() -> [UInt8] {
        switch self {
        case .message(let m):
            return OSCCodec.encode(m)
        case .bundle(let timetag, let elements):
            var out = Array("#bundle\0".utf8)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: timetag >> UInt64(shift))) }
            for e in elements {
                let bytes = e.encoded()
                let n = UInt32(bytes.count)
                out += [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
                out += bytes
            }
            return out
        }
    }

    /// Every message in the packet, depth first.
    public var messages: [OSCMessage] {
        switch self {
        case .message(let m): [m]
        case .bundle(_, let elements): elements.flatMap(\.messages)
        }
    }
}
