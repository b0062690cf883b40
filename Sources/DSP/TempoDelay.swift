/// A stereo send delay whose time the engine sets from the tempo (a dotted eighth, say).
///
/// A new time glides there (a one-pole glide of about 0.2 s, its speed capped so the echoes
/// bend by at most ±3 semitones), reading the line at a fractional position, so a tempo change
/// bends the echoes briefly like tape instead of clicking or stepping. Feedback runs
/// through a one-pole low-pass (`damping`), so repeats darken as they fade. With `pingPong`
/// the input, summed to mono, enters the left line and each repeat crosses to the other side.
///
/// `process` ADDS the 100 % wet signal into the outputs. Memory is allocated in `init` on a
/// control thread and freed by `deallocate()`.
public struct TempoDelay: @unchecked Sendable {
    @usableFromInline let left: UnsafeMutablePointer<Float>
    @usableFromInline let right: UnsafeMutablePointer<Float>
    /// Line length: the longest delay plus room for interpolation.
    @usableFromInline let capacity: Int
    @usableFromInline var writeIndex = 0
    /// Delay in samples now, and where it is gliding to.
    @usableFromInline var current: Float = -1
    @usableFromInline var target: Float = 1
    @usableFromInline let glide: Float
    @usableFromInline var feedback: Float = 0.35
    @usableFromInline var damping: Float = 0.2
    @usableFromInline var pingPong = false
    @usableFromInline var lowLeft: Float = 0
    @usableFromInline var lowRight: Float = 0
    public let sampleRate: Float

    public init(maxSeconds: Float, sampleRate: Float) {
        self.sampleRate = sampleRate
        // At most 2^22 samples (87 s at 48 kHz): the read position's floor comes from float bits.
        capacity = min(max(4, Int(max(maxSeconds.isFinite ? maxSeconds : 2, 0.001) * sampleRate) + 4), 1 << 22)
        left = .allocate(capacity: capacity)
        left.initialize(repeating: 0, count: capacity)
        right = .allocate(capacity: capacity)
        right.initialize(repeating: 0, count: capacity)
        glide = Envelope.coefficient(seconds: 0.2, sampleRate: sampleRate)
    }

    /// Frees the delay lines; call from a control thread after the audio thread let go.
    public func deallocate() {
        left.deallocate()
        right.deallocate()
    }

    /// `seconds` is clamped to the line (1 sample ... maxSeconds); `feedback` to 0...0.95;
    /// `damping` 0...1. The first call sets the time at once; later ones glide. Real-time safe.
    @inlinable @_noAllocation @_noLocks
    public mutating func set(seconds: Float, feedback: Float, damping: Float, pingPong: Bool) {
        let samples = (seconds.isFinite ? seconds : 0.25) * sampleRate
        target = min(max(samples, 1), Float(capacity - 3))
        if current < 0 { current = target }
        self.feedback = min(max(feedback.isFinite ? feedback : 0, 0), 0.95)
        self.damping = 0.95 * min(max(damping.isFinite ? damping : 0, 0), 1)
        self.pingPong = pingPong
    }

    /// Adds the echoes of the stereo input into the outputs.
    @inlinable @_noAllocation @_noLocks
    public mutating func process(inputLeft: UnsafePointer<Float>, inputRight: UnsafePointer<Float>,
                                 outputLeft: UnsafeMutablePointer<Float>, outputRight: UnsafeMutablePointer<Float>, count: Int) {
        var w = writeIndex
        var delay = current < 0 ? target : current
        let target = self.target, glide = self.glide
        let fb = feedback, d = damping, cross = pingPong
        var lowL = lowLeft, lowR = lowRight
        let size = capacity
        for n in 0..<count {
            // Glide, but never faster than 0.2 samples per sample (±3 semitones of bend).
            if delay != target {
                var step = (target - delay) * (1 - glide)
                step = step > 0.2 ? 0.2 : (step < -0.2 ? -0.2 : step)
                delay += step
                if abs(target - delay) < 1e-4 { delay = target }
            }
            // Fractional read `delay` samples behind the write head, linearly interpolated.
            var position = Float(w) - delay
            if position < 0 { position += Float(size) }
            // floor by the 1.5·2^23 trick (no checked conversion); the fraction may read 1.
            let y = (position - 0.5) + 12_582_912
            var i = Int(y.bitPattern & 0x3F_FFFF)
            let f = position - (y - 12_582_912)
            if i >= size { i -= size }
            var j = i + 1
            if j >= size { j = 0 }
            let yl = left[i] + (left[j] - left[i]) * f
            let yr = right[i] + (right[j] - right[i]) * f
            outputLeft[n] += yl
            outputRight[n] += yr
            lowL = yl + (lowL - yl) * d
            lowR = yr + (lowR - yr) * d
            var l = inputLeft[n], r = inputRight[n]
            if !l.isFinite { l = 0 }
            if !r.isFinite { r = 0 }
            if cross {
                left[w] = 0.5 * (l + r) + fb * lowR + 1e-20
                right[w] = fb * lowL + 1e-20
            } else {
                left[w] = l + fb * lowL + 1e-20
                right[w] = r + fb * lowR + 1e-20
            }
            w += 1
            if w == size { w = 0 }
        }
        writeIndex = w
        current = delay
        lowLeft = lowL
        lowRight = lowR
    }
}
