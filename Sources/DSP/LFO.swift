/// A low-frequency oscillator for vibrato, tremolo, filter sweeps and pulse-width modulation.
///
/// Not band-limited on purpose: at LFO rates the steps of square and sample-and-hold are the
/// point. Output is -1...1; sine and triangle start at 0 rising, square starts high. Sample-and-hold draws a new seeded value each cycle, so renders repeat.
public struct LFO: Sendable {
    public enum Shape: UInt8, Sendable, CaseIterable {
        case sine, triangle, square, sampleAndHold

        @inlinable public init?(name: String) {
            switch name {
            case "sine": self = .sine
            case "triangle": self = .triangle
            case "square": self = .square
            case "sample-and-hold", "sampleAndHold", "random": self = .sampleAndHold
            default: return nil
            }
        }
    }

    public var phase: Float
    @usableFromInline var held: Float = 0
    @usableFromInline var noise: Noise

    @inlinable public init(phase: Float = 0) {
        self.phase = phase >= 0 && phase < 1 ? phase : 0
        noise = Noise(seed: 0x5EED_1F0)
        held = noise.next()
    }

    /// Next value for a rate given as cycles per sample (`hz / sampleRate`).
    @inlinable @_noAllocation @_noLocks public mutating func next(_ shape: Shape, increment: Float) -> Float {
        var t = phase
        if !(t >= 0 && t < 1) { t = 0 }
        let value: Float
        switch shape {
        case .sine: value = fastSin(cycles: t)
        case .triangle: value = t < 0.25 ? 4 * t : (t < 0.75 ? 2 - 4 * t : 4 * t - 4)
        case .square: value = t < 0.5 ? 1 : -1
        case .sampleAndHold: value = held
        }
        var p = t + increment
        if p >= 1 {
            p -= 1
            held = noise.next()
        } else if p < 0 {
            p += 1
            held = noise.next()
        }
        phase = p
        return value
    }
}
