/// A stereo-linked feed-forward bus compressor with a soft knee, the "glue" before the limiter.
///
/// The detector holds the louder channel's peak (falling at the release rate), so both sides
/// get the same gain and the stereo image holds still, and a steady tone reads at its true peak.
/// The gain computer works in dB with a 6 dB soft knee; above it, every `ratio` dB in gives
/// 1 dB out. The gain reduction then moves at the attack rate going down and the release rate
/// coming back. Makeup gain comes last. The detector runs every sample; the dB gain computer
/// every 16 samples (on a running sample count, so block splits do not matter), with the gain
/// ramped linearly in between: a third of a millisecond of reaction for a third of the cost.
public struct GlueCompressor: Sendable {
    @usableFromInline var threshold: Float = -18
    @usableFromInline var slope: Float = 0.5      // 1 - 1/ratio
    @usableFromInline var attack: Float = 0
    @usableFromInline var release: Float = 0
    @usableFromInline var makeup: Float = 0
    /// The same coefficients raised to the 16th power, for the gain computer's control rate.
    @usableFromInline var attack16: Float = 0
    @usableFromInline var release16: Float = 0
    @usableFromInline var envelope: Float = 0
    @usableFromInline var reduction: Float = 0
    /// Gain now and its per-sample ramp towards the next control point.
    @usableFromInline var currentGain: Float = 1
    @usableFromInline var gainStep: Float = 0
    /// Samples processed, so control points fall on the same samples however blocks are split.
    @usableFromInline var clock: UInt32 = 0
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
        attack16 = GlueCompressor.coefficient(attack / 16, sampleRate)
        release16 = GlueCompressor.coefficient(release / 16, sampleRate)
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
        var g = currentGain.isFinite ? currentGain : 1
        var step = gainStep.isFinite ? gainStep : 0
        var k = clock
        let t = threshold, s = slope, r = release, a16 = attack16, r16 = release16, m = makeup
        let knee = GlueCompressor.knee
        for n in 0..<count {
            var peak = max(abs(left[n]), abs(right[n]))
            if !peak.isFinite { peak = 0 }
            env = max(peak, env * r)
            if k & 15 == 0 {
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
                reductionDB = wanted + (reductionDB - wanted) * (wanted > reductionDB ? a16 : r16)
                step = (gain(decibels: m - reductionDB) - g) * (1.0 / 16)
            }
            g += step
            left[n] *= g
            right[n] *= g
            k &+= 1
        }
        envelope = env
        reduction = reductionDB
        currentGain = g
        gainStep = step
        clock = k
    }
}
