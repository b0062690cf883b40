/// A stereo send reverb: an eight-line feedback delay network.
///
/// Each channel is smeared by two allpass diffusers, then fed into four of eight delay lines
/// (29-73 ms, mutually prime lengths). The lines are mixed by an orthogonal 8×8 Hadamard
/// matrix, which keeps the loop lossless until each line's own gain and one-pole damping take
/// energy out, so the decay time is set exactly and no setting can make it unstable.
///
/// - `size` 0...1 sets RT60 (the time to fall 60 dB) exponentially from 0.3 s to 9 s
///   (0.5 is 1.6 s), measured at low frequencies.
/// - `damping` 0...1 makes high frequencies die faster (a darker, softer room).
/// - `width` 0...1 goes from mono to fully decorrelated left and right.
///
/// `process` ADDS the 100 % wet signal into the outputs. Memory is allocated in `init` on a
/// control thread and freed by `deallocate()`; a tiny constant (1e-20) rides in the loop so the
/// tail never falls into denormals.
public struct Reverb: @unchecked Sendable {
    @inlinable static var lineCount: Int { 8 }
    @inlinable static var diffuserCount: Int { 4 }

    /// All delay memory: eight lines, then four diffusers (two per channel).
    @usableFromInline let memory: UnsafeMutablePointer<Float>
    /// Per line and diffuser: start offset in `memory`, length, and current position.
    @usableFromInline let starts: UnsafeMutablePointer<Int>
    @usableFromInline let lengths: UnsafeMutablePointer<Int>
    @usableFromInline let positions: UnsafeMutablePointer<Int>
    /// Per line: loop gain and damping filter state.
    @usableFromInline let gains: UnsafeMutablePointer<Float>
    @usableFromInline let damped: UnsafeMutablePointer<Float>
    @usableFromInline var damping: Float = 0.3
    @usableFromInline var wet1: Float = 1
    @usableFromInline var wet2: Float = 0
    public let sampleRate: Float
    @usableFromInline var decaySeconds: Float = 1.6
    /// Scratch for the eight line outputs of one sample.
    @usableFromInline let taps: UnsafeMutablePointer<Float>

    /// The decay time (-60 dB) the current `size` gives, in seconds.
    public var rt60: Float { decaySeconds }

    public init(sampleRate: Float) {
        self.sampleRate = sampleRate
        let scale = Double(sampleRate) / 48000
        // Lines around 29-73 ms and diffusers around 2-8 ms at 48 kHz, all prime.
        let lineLengths = [1399, 1789, 1973, 2099, 2591, 2939, 3259, 3517]
        let diffuserLengths = [223, 367, 241, 389]
        let all = (lineLengths + diffuserLengths).map { max(1, Int(Double($0) * scale)) }
        let count = all.count
        memory = .allocate(capacity: all.reduce(0, +))
        memory.initialize(repeating: 0, count: all.reduce(0, +))
        starts = .allocate(capacity: count)
        lengths = .allocate(capacity: count)
        positions = .allocate(capacity: count)
        var offset = 0
        for (i, n) in all.enumerated() {
            starts[i] = offset
            lengths[i] = n
            positions[i] = 0
            offset += n
        }
        gains = .allocate(capacity: Reverb.lineCount)
        gains.initialize(repeating: 0, count: Reverb.lineCount)
        damped = .allocate(capacity: Reverb.lineCount)
        damped.initialize(repeating: 0, count: Reverb.lineCount)
        taps = .allocate(capacity: Reverb.lineCount)
        taps.initialize(repeating: 0, count: Reverb.lineCount)
        set(size: 0.5, damping: 0.3, width: 1)
    }

    /// Frees the delay memory; call from a control thread after the audio thread let go.
    public func deallocate() {
        memory.deallocate()
        starts.deallocate()
        lengths.deallocate()
        positions.deallocate()
        gains.deallocate()
        damped.deallocate()
        taps.deallocate()
    }

    /// Sets the room; cheap (eight `fastExp2`), so it may be called per block on the audio thread.
    @inlinable @_noAllocation @_noLocks
    public mutating func set(size: Float, damping: Float, width: Float) {
        let s = min(max(size.isFinite ? size : 0.5, 0), 1)
        let t = 0.3 * fastExp2(s * 4.906_891)       // 0.3 * 30^s
        decaySeconds = t
        for i in 0..<Reverb.lineCount {
            // -60 dB over rt60: gain^(rt60 * fs / length) = 10^-3.
            gains[i] = fastExp2(-9.965_784 * Float(lengths[i]) / (t * sampleRate))
        }
        self.damping = 0.85 * min(max(damping.isFinite ? damping : 0.3, 0), 1)
        let w = min(max(width.isFinite ? width : 1, 0), 1)
        wet1 = 0.5 * (1 + w)
        wet2 = 0.5 * (1 - w)
    }

    /// Adds the wet signal of the stereo input into the outputs.
    @inlinable @_noAllocation @_noLocks
    public mutating func process(inputLeft: UnsafePointer<Float>, inputRight: UnsafePointer<Float>,
                                 outputLeft: UnsafeMutablePointer<Float>, outputRight: UnsafeMutablePointer<Float>, count: Int) {
        let lines = Reverb.lineCount
        let d = damping
        let w1 = wet1 * 0.35, w2 = wet2 * 0.35
        let y = taps
        for n in 0..<count {
            var l = inputLeft[n], r = inputRight[n]
            if !l.isFinite { l = 0 }
            if !r.isFinite { r = 0 }
            l = diffuse(lines, l)
            l = diffuse(lines + 1, l)
            r = diffuse(lines + 2, r)
            r = diffuse(lines + 3, r)
            // Read the eight lines, damp and attenuate.
            do {
                for k in 0..<8 {
                    let v = memory[starts[k] &+ positions[k]]
                    y[k] = v
                }
                let oL = y[0] - y[2] + y[4] - y[6] + 0.5 * (y[1] - y[5])
                let oR = y[1] - y[3] + y[5] - y[7] + 0.5 * (y[2] - y[6])
                outputLeft[n] += w1 * oL + w2 * oR
                outputRight[n] += w1 * oR + w2 * oL
                for k in 0..<8 {
                    let s = y[k] + (damped[k] - y[k]) * d
                    damped[k] = s
                    y[k] = s * gains[k]
                }
                // Orthogonal mixing: an 8-point fast Hadamard transform, scaled by 1/sqrt(8).
                var h = 1
                while h < 8 {
                    var i = 0
                    while i < 8 {
                        for j in i..<(i + h) {
                            let a = y[j], b = y[j + h]
                            y[j] = a + b
                            y[j + h] = a - b
                        }
                        i += 2 * h
                    }
                    h *= 2
                }
                for k in 0..<8 {
                    let input: Float = k & 1 == 0 ? l : r
                    let sign: Float = k & 2 == 0 ? 1 : -1
                    memory[starts[k] &+ positions[k]] = y[k] * 0.353_553_4 + sign * input + 1e-20
                    var p = positions[k] &+ 1
                    if p >= lengths[k] { p = 0 }
                    positions[k] = p
                }
            }
        }
    }

    /// One Schroeder allpass (gain 0.6) on delay `index`.
    @inlinable @_noAllocation @_noLocks
    func diffuse(_ index: Int, _ x: Float) -> Float {
        let p = positions[index]
        let cell = memory + (starts[index] &+ p)
        let delayed = cell.pointee
        let v = x + 0.6 * delayed
        cell.pointee = v
        var next = p &+ 1
        if next >= lengths[index] { next = 0 }
        positions[index] = next
        return delayed - 0.6 * v
    }
}
