/// Oscillator waveforms a patch can choose.
public enum Waveform: UInt8, Sendable, CaseIterable {
    case saw, square, triangle, sine

    @inlinable public init?(name: String) {
        switch name {
        case "saw": self = .saw
        case "square": self = .square
        case "triangle": self = .triangle
        case "sine": self = .sine
        default: return nil
        }
    }
}

/// PolyBLEP correction: smooths the step of a naive saw/square over one sample either side of
/// the discontinuity, pushing aliasing far below the naive waveform's.
@inlinable @_noAllocation @_noLocks @usableFromInline func polyBLEP(_ t: Float, _ dt: Float) -> Float {
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
public struct Oscillator: Sendable {
    public var phase: Float = 0
    /// Integrator state for the triangle (a leaky-integrated band-limited square).
    @usableFromInline var triangleState: Float = 0

    @inlinable public init(phase: Float = 0) { self.phase = phase }

    /// Next sample for a frequency given as cycles per sample (`hz / sampleRate`).
    @inlinable @_noAllocation @_noLocks public mutating func next(_ waveform: Waveform, increment dt: Float) -> Float {
        let t = phase
        var value: Float
        switch waveform {
        case .saw:
            value = 2 * t - 1 - polyBLEP(t, dt)
        case .square, .triangle:
            value = t < 0.5 ? 1 : -1
            value += polyBLEP(t, dt)
            var t2 = t + 0.5
            if t2 >= 1 { t2 -= 1 }
            value -= polyBLEP(t2, dt)
            if case .triangle = waveform {
                triangleState = dt * 4 * value + (1 - dt * 0.05) * triangleState
                value = triangleState
            }
        case .sine:
            value = fastSine(t)
        }
        var p = t + dt
        if p >= 1 { p -= 1 }
        phase = p
        return value
    }
}

/// Sine of a phase 0..<1 (one cycle) by a 7th-order odd polynomial on a quarter-wave-folded
/// argument; error below 2e-4, no libm call.
@inlinable @_noAllocation @_noLocks public func fastSine(_ phase: Float) -> Float {
    var p = phase - floorFast(phase)
    if p > 0.5 { p -= 1 }
    let x = p * 2 * Float.pi
    let a = x > Float.pi / 2 ? Float.pi - x : (x < -Float.pi / 2 ? -Float.pi - x : x)
    let a2 = a * a
    return a * (1 - a2 * (1.0 / 6 - a2 * (1.0 / 120 - a2 * (1.0 / 5040))))
}

/// White noise from a 32-bit xorshift; seeded so renders repeat exactly.
public struct Noise: Sendable {
    @usableFromInline var state: UInt32

    @inlinable public init(seed: UInt32) { state = seed == 0 ? 0x9E37_79B9 : seed }

    @inlinable @_noAllocation @_noLocks public mutating func next() -> Float {
        var x = state
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        state = x
        return Float(Int32(bitPattern: x)) * (1.0 / 2_147_483_648.0)
    }
}
