import Control
import Foundation
import Testing

/// Regression for a fuzzer finding: decoding read each argument as liblo's whole 8-byte union,
/// 4 bytes past the end of liblo's buffer when an `i`, `f` or `c` argument came last
/// (AddressSanitizer: heap-buffer-overflow in `OSCCodec.decodeMessage`). The reproducers are in
/// `Fuzz/corpus/regressions/`, which the CI fuzz run replays under AddressSanitizer; here every
/// argument type, last in its packet, must decode to exactly the value sent.
@Suite struct CodecLastArgumentTests {
    /// One argument after the address and type tag, the way a desk sends it.
    static func packet(_ tag: Character, _ payload: [UInt8]) -> ArraySlice<UInt8> {
        (Array("/polyphon/tempo\0".utf8) + Array(",\(tag)\0\0".utf8) + payload)[...]
    }

    @Test func everyArgumentTypeLastInThePacketDecodesToItsValue() throws {
        let cases: [(Character, [UInt8], OSCArgument)] = [
            ("i", [0xFF, 0xFF, 0xFF, 0xFB], .int(-5)),
            ("f", Array(withUnsafeBytes(of: Float(0.25).bitPattern.bigEndian, Array.init)), .float(0.25)),
            ("c", [0, 0, 0, 0x78], .string("x")),
            ("h", [0x80, 0, 0, 0, 0, 0, 0, 1], .int64(Int64.min + 1)),
            ("d", Array(withUnsafeBytes(of: Double(-1.5).bitPattern.bigEndian, Array.init)), .double(-1.5)),
        ]
        for (tag, payload, expected) in cases {
            let decoded = try OSCCodec.decodeMessage(Self.packet(tag, payload)).get()
            #expect(decoded.arguments == [expected], "type '\(tag)'")
        }
    }
}
