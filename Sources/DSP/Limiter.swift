/// A look-ahead brick-wall peak limiter for the master bus.
///
/// The signal is delayed by `lookahead` samples. Gain falls linearly to what an upcoming peak
/// needs over that window (so the reduction is already there when the peak arrives), then
/// recovers exponentially. A final per-sample guard makes the ceiling a guarantee, and any
/// non-finite input is replaced by silence so NaN never reaches the output.
public struct Limiter: @unchecked Sendable {
    /// Delay line, stereo interleaved; owned memory allocated in `init`, freed by `deallocate`.
    @usableFromInline let delay: UnsafeMutablePointer<Float>
    public let lookahead: Int
    @usableFromInline var writeIndex = 0
    @usableFromInline var gain: Float = 1
    @usableFromInline var gainStep: Float = 0
    @usableFromInline var holdCount = 0
    @usableFromInline var release: Float
    public var ceiling: Float

    /// - Parameters: ceiling as linear amplitude, lookahead in samples.
    @inlinable public init(ceiling: Float, lookahead: Int, releaseSeconds: Float, sampleRate: Float) {
        self.ceiling = ceiling
        self.lookahead = max(1, lookahead)
        delay = .allocate(capacity: 2 * self.lookahead)
        delay.initialize(repeating: 0, count: 2 * self.lookahead)
        release = Envelope.coefficient(seconds: releaseSeconds, sampleRate: sampleRate)
    }

    /// Frees the delay line; call from a control thread after the audio thread let go.
    @inlinable public func deallocate() { delay.deallocate() }

    /// Limits the stereo block in place.
    @inlinable @_noAllocation @_noLocks public mutating func process(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int) {
        let n = lookahead
        var w = writeIndex
        var g = gain
        var step = gainStep
        var hold = holdCount
        let ceiling = self.ceiling
        let release = self.release
        for i in 0..<count {
            var l = left[i]
            var r = right[i]
            if !l.isFinite { l = 0 }
            if !r.isFinite { r = 0 }
            let peak = max(abs(l), abs(r))
            let needed: Float = peak > ceiling ? ceiling / peak : 1
            // Target the gain this new sample will need when it leaves the delay line.
            let projected = g + step * Float(hold)
            if needed < projected {
                step = (needed - g) / Float(n)
                hold = n
            }
            // Oldest sample out of the delay line.
            var dl = delay[2 * w]
            var dr = delay[2 * w + 1]
            delay[2 * w] = l
            delay[2 * w + 1] = r
            w += 1
            if w == n { w = 0 }
            if hold > 0 {
                g += step
                hold -= 1
                if hold == 0 { step = 0 }
            } else {
                g = 1 - (1 - g) * release
            }
            dl *= g
            dr *= g
            // Guarantee: nothing leaves above the ceiling.
            let outPeak = max(abs(dl), abs(dr))
            if outPeak > ceiling {
                let s = ceiling / outPeak
                // The clamp catches the last ulp the division can leave above the ceiling.
                dl = min(max(dl * s, -ceiling), ceiling)
                dr = min(max(dr * s, -ceiling), ceiling)
            }
            left[i] = dl
            right[i] = dr
        }
        writeIndex = w
        gain = g
        gainStep = step
        holdCount = hold
    }
}
