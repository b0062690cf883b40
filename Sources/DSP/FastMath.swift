/// 2^x by splitting integer and fractional parts; error below 3e-6 relative (minimax), no libm call,
/// so it is usable per sample on the audio thread. The split uses the 1.5·2^23 rounding trick
/// and the power of two is built from bits: no checked conversions, and NaN reads as -60.
@inlinable @_noAllocation @_noLocks public func fastExp2(_ x: Float) -> Float {
    let clamped: Float = x > -60 ? (x < 60 ? x : 60) : -60
    let r = (clamped - 0.5) + 12_582_912                  // floor(clamped), in the low bits
    let whole = r - 12_582_912
    let f = clamped - whole                              // 0...1
    let poly = 1 + f * (0.693_044_85 + f * (0.241_280_15 + f * (0.052_242_6 + f * 0.013_426_61)))
    let exponent = Int32(bitPattern: r.bitPattern) &- 0x4B40_0000 &+ 127
    return poly * Float(bitPattern: UInt32(bitPattern: exponent) << 23)
}

/// Frequency in Hz of a MIDI note (A4 = 69 = 440 Hz).
@inlinable @_noAllocation @_noLocks public func noteFrequency(_ note: Float) -> Float { 440 * fastExp2((note - 69) / 12) }

/// floor(x) for |x| < 2^31 without the rounding-rule machinery (usable on the audio thread).
@inlinable @_noAllocation @_noLocks public func floorFast(_ x: Float) -> Float {
    let t = Float(Int32(x))
    return t > x ? t - 1 : t
}

/// sin(2π·cycles) for any finite phase, wrapped by the 1.5·2^23 rounding trick instead of an
/// integer conversion, so NaN or huge phases give NaN or garbage but never trap. A degree-7
/// minimax polynomial on the folded quarter wave: error below 1e-6 (-120 dB), few enough
/// multiplies that four FM operators stay cheap. Oscillators, FM operators and LFOs use it.
@inlinable @_noAllocation @_noLocks public func fastSin(cycles: Float) -> Float {
    let r = (cycles + 12_582_912) - 12_582_912          // nearest integer for |cycles| < 2^22
    var p = cycles - r                                    // -0.5...0.5
    // Fold to -0.25...0.25 where the odd polynomial is fitted.
    if p > 0.25 { p = 0.5 - p } else if p < -0.25 { p = -0.5 - p }
    let x = p * (2 * Float.pi)
    let x2 = x * x
    return x * (0.999_996_6 - x2 * (0.166_648_3 - x2 * (0.008_306_327 - x2 * 0.000_183_636_9)))
}

/// log2(x) for x > 0 from the float's exponent and a cubic on the mantissa; error below 0.015
/// (0.08 dB), enough for level detection. Non-positive input gives about -127.
@inlinable @_noAllocation @_noLocks public func fastLog2(_ x: Float) -> Float {
    let bits = x.bitPattern
    let exponent = Float(Int32(truncatingIfNeeded: (bits >> 23) & 0xFF) - 127)
    let m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000)   // 1..<2
    // log2(m) on [1, 2): a fitted cubic through 1 → 0 and 2 → 1.
    let f = m - 1
    return exponent + f * (1.442_695 + f * (-0.721_348 + f * 0.278_652))
}

/// Decibels to linear gain, by `fastExp2`.
@inlinable @_noAllocation @_noLocks public func gain(decibels: Float) -> Float { fastExp2(decibels * 0.166_096_4) }

/// Linear amplitude to decibels, by `fastLog2`.
@inlinable @_noAllocation @_noLocks public func decibels(_ amplitude: Float) -> Float { 6.020_6 * fastLog2(amplitude) }
