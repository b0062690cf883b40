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
    /// The eight lines share one ring of 8-float frames (line k in lane k): one vector store
    /// per sample, and one write position for everything.
    @usableFromInline let lines: UnsafeMutableRawPointer
    @usableFromInline let lineMask: Int
    /// The four diffusers (left 0, 1; right 2, 3) share a ring of 4-float frames.
    @usableFromInline let diffusers: UnsafeMutableRawPointer
    @usableFromInline let diffuserMask: Int
    /// Delay in samples of lines 0-7, then diffusers 0-3.
    @usableFromInline let delays: UnsafeMutablePointer<Int>
    @usableFromInline var position = 0
    /// Per line: loop gain and damping filter state.
    @usableFromInline var gains = SIMD8<Float>(repeating: 0)
    @usableFromInline var damped = SIMD8<Float>(repeating: 0)
    @usableFromInline var damping: Float = 0.3
    @usableFromInline var wet1: Float = 1
    @usableFromInline var wet2: Float = 0
    @usableFromInline var decaySeconds: Float = 1.6
    public let sampleRate: Float

    /// The decay time (-60 dB) the current `size` gives, in seconds.
    public var rt60: Float { decaySeconds }

    public init(sampleRate: Float) {
        self.sampleRate = sampleRate
        let scale = Double(sampleRate) / 48000
        // Lines around 29-73 ms and diffusers around 5-8 ms at 48 kHz, all prime.
        let lineLengths = [1399, 1789, 1973, 2099, 2591, 2939, 3259, 3517]
        let diffuserLengths = [223, 367, 241, 389]
        let all = (lineLengths + diffuserLengths).map { max(1, Int(Double($0) * scale)) }
        delays = .allocate(capacity: all.count)
        for (i, n) in all.enumerated() { delays[i] = n }
        var frames = 1
        while frames <= all[0..<8].max()! { frames *= 2 }
        lineMask = frames - 1
        lines = .allocate(byteCount: frames * 32, alignment: 32)
        lines.initializeMemory(as: Float.self, repeating: 0, count: frames * 8)
        frames = 1
        while frames <= all[8...].max()! { frames *= 2 }
        diffuserMask = frames - 1
        diffusers = .allocate(byteCount: frames * 16, alignment: 16)
        diffusers.initializeMemory(as: Float.self, repeating: 0, count: frames * 4)
        set(size: 0.5, damping: 0.3, width: 1)
    }

    /// Frees the delay memory; call from a control thread after the audio thread let go.
    public func deallocate() {
        lines.deallocate()
        diffusers.deallocate()
        delays.deallocate()
    }

    /// Sets the room; cheap (eight `fastExp2`), so it may be called per block on the audio thread.
    @inlinable @_noAllocation @_noLocks
    public mutating func set(size: Float, damping: Float, width: Float) {
        let s = min(max(size.isFinite ? size : 0.5, 0), 1)
        let t = 0.3 * fastExp2(s * 4.906_891)       // 0.3 * 30^s
        decaySeconds = t
        for i in 0..<8 {
            // -60 dB over rt60: gain^(rt60 * fs / length) = 10^-3.
            gains[i] = fastExp2(-9.965_784 * Float(delays[i]) / (t * sampleRate))
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
        let d = damping
        let w1 = wet1 * 0.35, w2 = wet2 * 0.35
        let ring = lines, mask = lineMask
        let diff = diffusers, dmask = diffuserMask
        let l0 = delays[0], l1 = delays[1], l2 = delays[2], l3 = delays[3]
        let l4 = delays[4], l5 = delays[5], l6 = delays[6], l7 = delays[7]
        let a0 = delays[8], a1 = delays[9], a2 = delays[10], a3 = delays[11]
        let g = gains
        var state = damped
        var pos = position
        for n in 0..<count {
            var l = inputLeft[n], r = inputRight[n]
            if !l.isFinite { l = 0 }
            if !r.isFinite { r = 0 }
            // Diffusion: two Schroeder allpasses (gain 0.6) per channel.
            let now = pos
            let here = (now & dmask) &* 16
            @inline(__always) func allpass(_ x: Float, _ lane: Int, _ delay: Int) -> Float {
                let delayed = diff.load(fromByteOffset: ((now &- delay) & dmask) &* 16 &+ lane &* 4, as: Float.self)
                let v = x + 0.6 * delayed
                diff.storeBytes(of: v, toByteOffset: here &+ lane &* 4, as: Float.self)
                return delayed - 0.6 * v
            }
            l = allpass(allpass(l, 0, a0), 1, a1)
            r = allpass(allpass(r, 2, a2), 3, a3)
            // Read the eight lines.
            @inline(__always) func tap(_ lane: Int, _ delay: Int) -> Float {
                ring.load(fromByteOffset: ((now &- delay) & mask) &* 32 &+ lane &* 4, as: Float.self)
            }
            let y = SIMD8<Float>(tap(0, l0), tap(1, l1), tap(2, l2), tap(3, l3), tap(4, l4), tap(5, l5), tap(6, l6), tap(7, l7))
            let oL = y[0] - y[2] + y[4] - y[6] + 0.5 * (y[1] - y[5])
            let oR = y[1] - y[3] + y[5] - y[7] + 0.5 * (y[2] - y[6])
            outputLeft[n] += w1 * oL + w2 * oR
            outputRight[n] += w1 * oR + w2 * oL
            // Damp, attenuate, mix orthogonally (a fast Hadamard transform by perfect shuffles).
            state = y + (state - y) * d
            var z = state * g
            for _ in 0..<3 {
                let e = z.evenHalf, o = z.oddHalf
                z = SIMD8(lowHalf: e + o, highHalf: e - o)
            }
            let input = SIMD8<Float>(l, r, -l, -r, l, r, -l, -r)
            z = z * 0.353_553_4 + input + 1e-20
            ring.storeBytes(of: z, toByteOffset: (now & mask) &* 32, as: SIMD8<Float>.self)
            pos = (now &+ 1) & 0x3FFF_FFFF
        }
        damped = state
        position = pos
    }
}
