/// The common subtractive voice in one loop: one or two table oscillators into the low-pass,
/// times a gain ramp, added to `out`.
///
/// Why fused: the filter is a recursion, so its samples wait on each other; the oscillators are
/// independent work. Run in separate passes their costs add up; in one loop the processor
/// overlaps the oscillator reads with the filter's wait, and nothing round-trips through a work
/// buffer. Phases advance one sample at a time, so the result never depends on where a block is
/// split.
public enum VoiceKernel {
    /// The table shape of a waveform the fused loop handles, or nil (pulse, sine, noise take the
    /// general path).
    @inlinable @_noAllocation @_noLocks
    static func shape(_ w: Waveform) -> WaveTables.Shape? {
        switch w {
        case .saw: .saw
        case .square: .square
        case .triangle: .triangle
        case .pulse, .sine: nil
        }
    }

    /// Renders `count` samples. `second` is used only when `twoOscillators`.
    @inlinable @_noAllocation @_noLocks
    public static func render(_ first: inout Oscillator, _ firstWave: Waveform, increment dt1: Float,
                              _ second: inout Oscillator, _ secondWave: Waveform, increment dt2: Float,
                              twoOscillators: Bool, filter: inout StateVariableFilter,
                              gain: inout Float, gainStep: Float,
                              into out: UnsafeMutablePointer<Float>, count: Int) {
        guard let s1 = shape(firstWave) else { return }
        let tables = first.tables
        let band1 = WaveTables.band(dt1)
        var t1 = first.phase
        if !(t1 >= 0 && t1 < 1) { t1 = 0 }
        var f = filter
        var g = gain
        if twoOscillators, let s2 = shape(secondWave) {
            let band2 = WaveTables.band(dt2)
            var t2 = second.phase
            if !(t2 >= 0 && t2 < 1) { t2 = 0 }
            for j in 0..<count {
                let x = tables.value(s1, at: t1, band: band1) + tables.value(s2, at: t2, band: band2)
                t1 += dt1
                t1 -= t1 >= 1 ? 1 : 0
                t2 += dt2
                t2 -= t2 >= 1 ? 1 : 0
                out[j] += f.process(x, mode: .lowPass) * g
                g += gainStep
            }
            second.phase = t2
        } else {
            for j in 0..<count {
                let x = tables.value(s1, at: t1, band: band1)
                t1 += dt1
                t1 -= t1 >= 1 ? 1 : 0
                out[j] += f.process(x, mode: .lowPass) * g
                g += gainStep
            }
        }
        first.phase = t1
        filter = f
        gain = g
    }
}
