/// A one-pole smoother for gains, pans and cutoffs: parameter changes glide instead of stepping,
/// so a fader move or a mood change never clicks.
public struct Smoother: Sendable {
    public var value: Float
    public var target: Float
    @usableFromInline var coefficient: Float

    /// - Parameter time: seconds to get within 60 dB of a new target.
    @inlinable public init(value: Float, time: Float, sampleRate: Float) {
        self.value = value
        target = value
        coefficient = Envelope.coefficient(seconds: time, sampleRate: sampleRate)
    }

    @inlinable @_noAllocation @_noLocks public mutating func next() -> Float {
        value = target + (value - target) * coefficient
        return value
    }

    /// Advances `count` samples at once (for control-rate parameters).
    @inlinable @_noAllocation @_noLocks public mutating func advance(_ count: Int) -> Float {
        var c = coefficient
        var n = count
        var k: Float = 1
        while n > 0 {
            if n & 1 == 1 { k *= c }
            c *= c
            n >>= 1
        }
        value = target + (value - target) * k
        return value
    }
}
