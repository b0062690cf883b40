import Glibc
import CLiblo

/// OSC messages to and from bytes, through liblo's serialiser. Bundle framing is ours
/// (`OSCPacket`), because a bundle's timetag must be converted to the audio clock, not queued
/// by liblo on its own clock.
public enum OSCCodec {
    /// Decodes one OSC message, or says what is wrong with it.
    public static func decodeMessage(_ bytes: ArraySlice<UInt8>) -> Result<OSCMessage, Rejection> {
        var data = Array(bytes)
        let count = data.count
        return data.withUnsafeMutableBytes { raw -> Result<OSCMessage, Rejection> in
            guard count >= 4, let base = raw.baseAddress else { return .failure(Rejection("?", "malformed OSC packet: \(count) bytes is too short")) }
            guard raw[0] == UInt8(ascii: "/") else {
                return .failure(Rejection("?", "malformed OSC packet: it must start with '/' (an address) or '#bundle'"))
            }
            let address = lo_get_path(base, count).map { String(cString: $0) } ?? "?"
            var result: Int32 = 0
            guard let m = lo_message_deserialise(base, count, &result) else {
                return .failure(Rejection(address, "malformed OSC packet: \(reason(result))"))
            }
            defer { lo_message_free(m) }
            let types = lo_message_get_types(m).map { String(cString: $0) } ?? ""
            let argv = lo_message_get_argv(m)
            var arguments: [OSCArgument] = []
            for (i, tag) in types.enumerated() {
                // T, F, N and I carry no data: liblo gives them no argument pointer.
                switch tag {
                case "T": arguments.append(.bool(true)); continue
                case "F": arguments.append(.bool(false)); continue
                case "N": arguments.append(.null); continue
                case "I": arguments.append(.impulse); continue
                default: break
                }
                guard let arg = argv?[i] else { return .failure(Rejection(address, "malformed OSC packet: argument \(i + 1) ('\(tag)') has no data")) }
                // Load only the argument's own bytes: `arg.pointee` reads the whole 8-byte lo_arg
                // union, past the end of liblo's buffer when a 4-byte argument comes last (found
                // by the fuzzer under AddressSanitizer; Fuzz/corpus/regressions/). Arguments sit
                // at 4-byte offsets, so 8-byte ones are loaded unaligned.
                let raw = UnsafeRawPointer(arg)
                switch tag {
                case "i": arguments.append(.int(raw.loadUnaligned(as: Int32.self)))
                case "h": arguments.append(.int64(raw.loadUnaligned(as: Int64.self)))
                case "f": arguments.append(.float(raw.loadUnaligned(as: Float.self)))
                case "d": arguments.append(.double(raw.loadUnaligned(as: Double.self)))
                case "s", "S":
                    arguments.append(.string(UnsafeRawPointer(arg).withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }))
                case "c": arguments.append(.string(String(UnicodeScalar(raw.loadUnaligned(as: UInt8.self)))))
                case "b": arguments.append(.blob(Int(lo_blob_datasize(UnsafeMutableRawPointer(arg)))))
                default: return .failure(Rejection(address, "unsupported OSC type tag '\(tag)'"))
                }
            }
            return .success(OSCMessage(address, arguments))
        }
    }

    static func reason(_ code: Int32) -> String {
        switch code {
        case 9901: "no address"
        case 9902: "no type tag string"
        case 9908: "the address is not a valid OSC string"
        case 9909: "the type tag string is not valid"
        case 9910: "unknown type tag"
        case 9911: "the arguments do not match the type tags (size)"
        case 9912: "an argument is not valid"
        case 9914: "bad padding"
        default: "liblo error \(code)"
        }
    }

    /// Encodes one message.
    public static func encode(_ message: OSCMessage) -> [UInt8] {
        guard let m = lo_message_new() else { return [] }
        defer { lo_message_free(m) }
        for a in message.arguments {
            switch a {
            case .int(let v): lo_message_add_int32(m, v)
            case .int64(let v): lo_message_add_int64(m, v)
            case .float(let v): lo_message_add_float(m, v)
            case .double(let v): lo_message_add_double(m, v)
            case .string(let s): lo_message_add_string(m, s)
            case .bool(let b): if b { lo_message_add_true(m) } else { lo_message_add_false(m) }
            case .null: lo_message_add_nil(m)
            case .impulse: lo_message_add_infinitum(m)
            case .blob: lo_message_add_nil(m)
            }
        }
        var size = 0
        guard let data = lo_message_serialise(m, message.address, nil, &size) else { return [] }
        defer { free(data) }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }
}
