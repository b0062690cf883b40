/// An ADSR envelope: linear attack, exponential decay and release, so tails sound natural and
/// never click.
public struct Envelope: Sendable {
    public enum Stage: UInt8, Sendable { case idle, attack, decay, sustain, release }

    public var stage: Stage = .idle
    public var level: Float = 0
    @usableFromInline var attackStep: Float = 1
    @usableFromInline var decayCoefficient: Float = 0
    @usableFromInline var releaseCoefficient: Float = 0
    @usableFromInline var sustain: Float = 1

    @inlinable public init() {}

    /// Times in seconds; sustain 0...1. Call on note-on (cheap enough for the audio thread).
    @inlinable @_noAllocation @_noLocks public mutating func configure(attack: Float, decay: Float, sustain: Float, release: Float, sampleRate: Float) {
        attackStep = 1 / max(1, attack * sampleRate)
        decayCoefficient = Envelope.coefficient(seconds: decay, sampleRate: sampleRate)
        releaseCoefficient = Envelope.coefficient(seconds: release, sampleRate: sampleRate)
        self.sustain = min(max(sustain, 0), 1)
    }

    /// The per-sample multiplier that falls by 60 dB (a factor of 1000) in `seconds`.
    @inlinable @_noAllocation @_noLocks public static func coefficient(seconds: Float, sampleRate: Float) -> Float {
        let n = max(1, seconds * sampleRate)
        // exp(ln(0.001) / n), by a fast series good to 1e-6 for the small exponents used here.
        let x = -6.907_755 / n
        return 1 + x * (1 + x * (0.5 + x * (1.0 / 6 + x * (1.0 / 24))))
    }

    @inlinable @_noAllocation @_noLocks public mutating func gateOn() { stage = .attack }

    @inlinable @_noAllocation @_noLocks public mutating func gateOff() { if isActive { stage = .release } }

    @inlinable @_noAllocation @_noLocks public mutating func kill() {
        stage = .idle
        level = 0
    }

    @inlinable public var isActive: Bool {
        @_noAllocation @_noLocks get {
            if case .idle = stage { return false }
            return true
        }
    }

    @inlinable @_noAllocation @_noLocks public mutating func next() -> Float {
        switch stage {
        case .idle:
            return 0
        case .attack:
            level += attackStep
            if level >= 1 {
                level = 1
                stage = .decay
            }
        case .decay:
            level = sustain + (level - sustain) * decayCoefficient
            if level - sustain < 1e-4 {
                level = sustain
                stage = .sustain
            }
        case .sustain:
            level = sustain
            if sustain <= 0 { stage = .idle }
        case .release:
            level *= releaseCoefficient
            if level < 1e-4 {
                level = 0
                stage = .idle
            }
        }
        return level
    }
}
