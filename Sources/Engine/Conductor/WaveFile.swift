import Foundation

/// Writes 32-bit float stereo WAV files (WAVE_FORMAT_IEEE_FLOAT), which sox, scipy and every DAW read.
public enum WaveFile {
    public static func write(path: String, left: [Float], right: [Float], sampleRate: Int) throws {
        precondition(left.count == right.count)
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let payload = UInt32(left.count * 8)
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + payload)
        data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); u32(16)
        u16(3); u16(2); u32(UInt32(sampleRate)); u32(UInt32(sampleRate * 8)); u16(8); u16(32)
        data.append(contentsOf: Array("data".utf8)); u32(payload)
        var interleaved = [Float](repeating: 0, count: left.count * 2)
        for i in 0..<left.count {
            interleaved[2 * i] = left[i]
            interleaved[2 * i + 1] = right[i]
        }
        interleaved.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
