import SoundFont
import TestSupport
import Testing

/// Shared test fixtures: the installed GM font, a seeded generator, offline renders and a spectrum.
enum Rig {
    static func fontPath() throws -> String {
        try #require(SoundFontPlayer.defaultFontPath(), "no GM SoundFont installed: apt-get install fluid-soundfont-gm")
    }

    /// Renders `seconds` in blocks of `block` frames; `events(frame)` runs before each block.
    static func render(_ player: SoundFontPlayer, seconds: Double, block: Int = 256,
                       events: (Int) -> Void = { _ in }) -> (left: [Float], right: [Float]) {
        let total = Int(seconds * Double(player.sampleRate))
        var left = [Float](repeating: 0, count: total), right = [Float](repeating: 0, count: total)
        left.withUnsafeMutableBufferPointer { l in
            right.withUnsafeMutableBufferPointer { r in
                var frame = 0
                while frame < total {
                    events(frame)
                    let n = min(block, total - frame)
                    player.render(left: l.baseAddress! + frame, right: r.baseAddress! + frame, count: n)
                    frame += n
                }
            }
        }
        return (left, right)
    }

    static func rms(_ x: ArraySlice<Float>) -> Float {
        (x.reduce(0) { $0 + $1 * $1 } / Float(max(1, x.count))).squareRoot()
    }
}

/// SplitMix64: a seeded, reproducible note script.
struct Dice {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

/// Magnitude spectrum by a radix-2 FFT (Hann window, zero-padded to a power of two).
struct Spectrum {
    let magnitudes: [Double]
    let binHz: Double

    init(_ signal: [Float], sampleRate: Double) {
        let all = FFT.magnitudes(signal[...], window: FFT.hann)
        magnitudes = Array(all.dropLast())
        binHz = sampleRate / Double(2 * (all.count - 1))
    }

    /// The frequency of the strongest bin between `low` and `high` Hz.
    func peak(from low: Double, to high: Double) -> Double {
        let range = Int(low / binHz)...Int(high / binHz)
        let best = range.max { magnitudes[$0] < magnitudes[$1] }!
        return Double(best) * binHz
    }

    /// Energy per band of `bands` equal log-spaced bands from 100 Hz to 10 kHz, normalised to sum 1:
    /// a timbre fingerprint that ignores loudness.
    func bandProfile(bands: Int = 24) -> [Double] {
        var energy = [Double](repeating: 0, count: bands)
        for (i, m) in magnitudes.enumerated() {
            let f = Double(i) * binHz
            guard f >= 100, f < 10000 else { continue }
            let band = Int(Double(bands) * log(f / 100) / log(100))
            energy[min(bands - 1, band)] += m * m
        }
        let total = energy.reduce(0, +)
        return energy.map { $0 / max(total, 1e-30) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
