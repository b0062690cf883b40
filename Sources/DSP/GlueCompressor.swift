/// A stereo-linked feed-forward bus compressor with a soft knee, the "glue" before the limiter.
///
/// The detector holds the louder channel's peak (falling at the release rate), so both sides
/// get the same gain and the stereo image holds still, and a steady tone reads at its true peak.
/// The gain computer works in dB with a 6 dB soft knee; above it, every `ratio` dB in gives
/// 1 dB out. The gain reduction then moves at the attack rate going down and the release rate
/// coming back. Makeup gain comes last.
public struct GlueCompressor: Sendable {
    @usableFromInline var threshold: Float = -18
    @usableFromInline var slope: Float = 0.5      // 1 - 1/ratio
    @usableFromInline var attack: Float = 0
    @usableFromInline var release: Float = 0
    @usableFromInline var makeup: Float = 0
    @usableFromInline var envelope: Float = 0
    @usableFromInline var reduction: Float = 0
    public let sampleRate: Float
    /// Width of the soft knee in dB.
    @inlinable static var knee: Float { 6 }

    public init(sampleRate: Float) {
        self.sampleRate = sampleRate
        set(thresholdDB: -18, ratio: 2, attack: 0.01, release: 0.2, makeupDB: 0)
    }

    /// Threshold and makeup in dB, ratio ≥ 1, attack and release as time constants in seconds
    /// (the time to move 63 % of the way). Real-time safe.
    @inlinable @_noAllocation @_noLocks
    public mutating func set(thresholdDB: Float, ratio: Float, attack: Float, release: Float, makeupDB: Float) {
        threshold = min(max(thresholdDB.isFinite ? thresholdDB : -18, -80), 0)
        let r = min(max(ratio.isFinite ? ratio : 2, 1), 100)
        slope = 1 - 1 / r
        self.attack = GlueCompressor.coefficient(attack, sampleRate)
        self.release = GlueCompressor.coefficient(release, sampleRate)
        makeup = min(max(makeupDB.isFinite ? makeupDB : 0, -24), 24)
    }

    /// exp(-1 / (seconds * rate)): the one-pole coefficient for a time constant.
    @inlinable @_noAllocation @_noLocks
    static func coefficient(_ seconds: Float, _ rate: Float) -> Float {
        let s = max(seconds.isFinite ? seconds : 0.01, 0.000_02)
        return fastExp2(-1.442_695 / (s * rate))
    }

    /// Gain reduction (positive dB) at the end of the last block, for meters.
    @inlinable public var gainReductionDB: Float {
        @_noAllocation @_noLocks get { reduction }
    }

    /// Compresses the stereo block in place.
    @inlinable @_noAllocation @_noLocks
    public mutating func process(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int) {
        var env = envelope.isFinite ? envelope : 0
        var reductionDB = reduction.isFinite ? reduction : 0
        let t = threshold, s = slope, a = attack, r = release, m = makeup
        let knee = GlueCompressor.knee
        for n in 0..<count {
            var peak = max(abs(left[n]), abs(right[n]))
            if !peak.isFinite { peak = 0 }
            env = max(peak, env * r)
            let over = decibels(env + 1e-12) - t
            let wanted: Float
            if 2 * over <= -knee {
                wanted = 0
            } else if 2 * over < knee {
                let x = over + knee / 2
                wanted = s * x * x / (2 * knee)
            } else {
                wanted = s * over
            }
            reductionDB = wanted + (reductionDB - wanted) * (wanted > reductionDB ? a : r)
            let g = gain(decibels: m - reductionDB)
            left[n] *= g
            right[n] *= g
        }
        envelope = env
        reduction = reductionDB
    }
}
