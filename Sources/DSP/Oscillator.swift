/// Oscillator waveforms a patch can choose.
public enum Waveform: UInt8, Sendable, CaseIterable {
    case saw, square, triangle, sine, pulse

    @inlinable public init?(name: String) {
        switch name {
        case "saw": self = .saw
        case "square": self = .square
        case "triangle": self = .triangle
        case "sine": self = .sine
        case "pulse": self = .pulse
        default: return nil
        }
    }
}

/// PolyBLEP correction: smooths the step of a naive saw/square over one sample either side of
/// the discontinuity. Kept for callers that want the cheapest possible edge; the oscillator
/// itself reads band-limited tables.
@inlinable @_noAllocation @_noLocks func polyBLEP(_ t: Float, _ dt: Float) -> Float {
    if t < dt {
        let x = t / dt
        return x + x - x * x - 1
    } else if t > 1 - dt {
        let x = (t - 1) / dt
        return x * x + x + x + 1
    }
    return 0
}

/// A band-limited oscillator. Phase runs 0..<1.
///
/// Saw, square and triangle read the shared mip-mapped tables (`WaveTables`): every partial
/// stays below Nyquist, so a 5 kHz saw at 48 kHz has no aliases above -60 dB. A pulse of any
/// width is the difference of two table saws, so pulse-width modulation stays band-limited and
/// its DC moves smoothly with the width (no clicks). `init` copies the tables' pointers, so
/// create oscillators on a control thread; `next` is real-time safe.
public struct Oscillator: @unchecked Sendable {
    public var phase: Float = 0
    @usableFromInline let tables: WaveTables

    @inlinable public init(phase: Float = 0) {
        self.phase = phase >= 0 && phase < 1 ? phase : 0
        tables = WaveTables.shared
    }

    /// Next sample for a frequency given as cycles per sample (`hz / sampleRate`).
    /// `.pulse` here is a square (width 0.5).
    @inlinable @inline(__always) @_noAllocation @_noLocks public mutating func next(_ waveform: Waveform, increment dt: Float) -> Float {
        var t = phase
        if !(t >= 0 && t < 1) { t = 0 }
        let value: Float
        switch waveform {
        case .saw: value = tables.value(.saw, at: t, band: WaveTables.band(dt))
        case .square, .pulse: value = tables.value(.square, at: t, band: WaveTables.band(dt))
        case .triangle: value = tables.value(.triangle, at: t, band: WaveTables.band(dt))
        case .sine: value = fastSin(cycles: t)
        }
        advance(t, dt)
        return value
    }

    /// Next sample of a pulse whose high part lasts `width` of the cycle (0.5 = square).
    /// Width may change every sample (PWM); it is kept within 0.01...0.99.
    @inlinable @inline(__always) @_noAllocation @_noLocks public mutating func next(_ waveform: Waveform, increment dt: Float, width: Float) -> Float {
        guard case .pulse = waveform else { return next(waveform, increment: dt) }
        var t = phase
        if !(t >= 0 && t < 1) { t = 0 }
        var w = width
        w = w > 0.01 ? (w < 0.99 ? w : 0.99) : 0.01   // NaN lands on 0.01
        let band = WaveTables.band(dt)
        var t2 = t - w
        if t2 < 0 { t2 += 1 }
        // saw(t - w) - saw(t) is +1 - 2w while t < w and -2w after; shift by 2w - 1 to centre it.
        let value = tables.value(.saw, at: t2, band: band) - tables.value(.saw, at: t, band: band) + (2 * w - 1)
        advance(t, dt)
        return value
    }

    /// Renders `count` samples at a fixed increment into `out`, adding to it when `adding`.
    ///
    /// The same waveform as calling `next` per sample, about twice as fast: the phase of each
    /// sample is computed from the start of a 32-sample stretch instead of accumulated, so the
    /// samples do not wait on one another. Results match `next` to float rounding (1e-6), not
    /// bit for bit. `width` is the pulse width for `.pulse`.
    @inlinable @_noAllocation @_noLocks
    public mutating func render(_ waveform: Waveform, increment dt: Float, width: Float = 0.5,
                                into out: UnsafeMutablePointer<Float>, count: Int, adding: Bool) {
        var t0 = phase
        if !(t0 >= 0 && t0 < 1) { t0 = 0 }
        var w = width
        w = w > 0.01 ? (w < 0.99 ? w : 0.99) : 0.01
        let band = WaveTables.band(dt)
        let tables = self.tables
        // A pulse at exactly half width is the square table: one read instead of two.
        var waveform = waveform
        if case .pulse = waveform, w == 0.5 { waveform = .square }
        let shape: WaveTables.Shape
        switch waveform {
        case .saw, .pulse: shape = .saw
        case .square: shape = .square
        case .triangle: shape = .triangle
        case .sine: shape = .saw   // unused
        }
        var done = 0
        while done < count {
            let n = min(32, count - done)
            let o = out + done
            for j in 0..<n {
                var t = t0 + Float(j) * dt
                t -= (t - 0.5 + 12_582_912) - 12_582_912     // wrap to 0...1 (1 reads as 0)
                let v: Float
                switch waveform {
                case .sine: v = fastSin(cycles: t)
                case .pulse:
                    var t2 = t - w
                    t2 += t2 < 0 ? 1 : 0
                    v = tables.value(.saw, at: t2, band: band) - tables.value(.saw, at: t, band: band) + (2 * w - 1)
                default: v = tables.value(shape, at: t, band: band)
                }
                if adding { o[j] += v } else { o[j] = v }
            }
            var next = t0 + Float(n) * dt
            next -= (next - 0.5 + 12_582_912) - 12_582_912
            t0 = next >= 1 ? next - 1 : (next >= 0 ? next : 0)
            done += n
        }
        phase = t0
    }

    @inlinable @inline(__always) @_noAllocation @_noLocks mutating func advance(_ t: Float, _ dt: Float) {
        var p = t + dt
        if p >= 1 { p -= 1 } else if p < 0 { p += 1 }
        phase = p
    }
}

/// Sine of a phase in cycles (1 = one turn); kept for existing callers, same as `fastSin`.
@inlinable @_noAllocation @_noLocks public func fastSine(_ phase: Float) -> Float { fastSin(cycles: phase) }

/// White noise from a 32-bit xorshift; seeded so renders repeat exactly.
public struct Noise: Sendable {
    @usableFromInline var state: UInt32

    @inlinable public init(seed: UInt32) { state = seed == 0 ? 0x9E37_79B9 : seed }

    @inlinable @inline(__always) @_noAllocation @_noLocks public mutating func next() -> Float {
        var x = state
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        state = x
        return Float(Int32(bitPattern: x)) * (1.0 / 2_147_483_648.0)
    }
}
