#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Which output of the state-variable filter to take.
public enum FilterMode: UInt8, Sendable {
    case lowPass, bandPass, highPass
}

/// A zero-delay-feedback state-variable filter (trapezoidal integration): stable under fast
/// cutoff modulation, with a resonance that stays musical up to self-oscillation.
public struct StateVariableFilter: Sendable {
    @usableFromInline var ic1: Float = 0
    @usableFromInline var ic2: Float = 0
    @usableFromInline var g: Float = 0
    @usableFromInline var k: Float = 1.414_214
    @usableFromInline var a1: Float = 1
    @usableFromInline var a2: Float = 0
    @usableFromInline var a3: Float = 0
    /// The state update written as one 2×2 matrix step (the same filter, algebraically):
    /// ic1' = m11·ic1 + m12·ic2 + b1·x, ic2' = m21·ic1 + m22·ic2 + b2·x. Half the dependent
    /// operations per sample of the textbook order, which is what bounds a voice's speed.
    @usableFromInline var m11: Float = 1
    @usableFromInline var m12: Float = 0
    @usableFromInline var m21: Float = 0
    @usableFromInline var m22: Float = 1
    /// The normalised cutoff and resonance the coefficients were last computed for: a steady
    /// filter (no envelope or LFO moving it) skips the `tan` and the divisions, as scsynth's
    /// RLPF does. NaN at first, so the first `set` always computes.
    @usableFromInline var lastW: Float = .nan
    @usableFromInline var lastResonance: Float = .nan

    @inlinable public init() {}

    /// Sets cutoff (Hz) and resonance (0...1). Costs a `tan`: call at control rate, not per sample.
    @inlinable @_noAllocation @_noLocks public mutating func set(cutoff: Float, resonance: Float, sampleRate: Float) {
        let fc = min(max(cutoff, 10), sampleRate * 0.45)
        let w = Float.pi * fc / sampleRate
        if w == lastW && resonance == lastResonance { return }
        lastW = w
        lastResonance = resonance
        // tanf neither allocates nor locks; the checker cannot see into libm.
        g = _unsafePerformance { tanf(w) }
        // Resonance 0 is Butterworth (k = sqrt 2, -3 dB at cutoff); 1 is at the edge of self-oscillation.
        k = 1.414_214 - 1.39 * min(max(resonance, 0), 1)
        a1 = 1 / (1 + g * (g + k))
        a2 = g * a1
        a3 = g * a2
        m11 = 2 * a1 - 1
        m12 = -2 * a2
        m21 = 2 * a2
        m22 = 1 - 2 * a3
    }

    @inlinable @_noAllocation @_noLocks public mutating func process(_ v0: Float, mode: FilterMode) -> Float {
        let s1 = ic1, s2 = ic2
        let v3 = v0 - s2
        let v1 = a1 * s1 + a2 * v3
        let v2 = s2 + a2 * s1 + a3 * v3
        // 2·v1 - ic1 and 2·v2 - ic2, expanded so the state does not wait on v1 and v2.
        ic1 = (m11 * s1 + m12 * s2) + m21 * v0
        ic2 = (m21 * s1 + m22 * s2) + 2 * a3 * v0
        switch mode {
        case .lowPass: return v2
        case .bandPass: return v1
        case .highPass: return v0 - k * v1 - v2
        }
    }

    @inlinable @_noAllocation @_noLocks public mutating func reset() {
        ic1 = 0
        ic2 = 0
    }

    /// True when the state has blown up (NaN/Inf); the owner resets the voice.
    @inlinable public var isBroken: Bool {
        @_noAllocation @_noLocks get { !ic1.isFinite || !ic2.isFinite }
    }
}
