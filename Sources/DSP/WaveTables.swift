#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where one band-limited single-cycle table sits in the shared buffer.
public struct WaveBand: Sendable {
    /// First sample of the table in `WaveTables.samples`.
    public var offset: Int32
    /// Samples in one cycle (a power of two); two guard samples follow it.
    public var size: Float
    /// `size - 1`, to keep any index inside the table.
    public var mask: Int32
}

/// Mip-mapped band-limited single-cycle tables for saw, square and triangle, shared by every
/// oscillator and never written after they are built.
///
/// Bands are a quarter octave of phase increment wide, found from the increment's float bits
/// (exponent and top two mantissa bits), so picking one per sample costs a shift and no log.
/// A band's table holds every harmonic that stays below Nyquist at the *top* of its band, so
/// nothing ever folds back; over the top quarter of each band the oscillator crossfades to the
/// next band's table, so sweeping pitch changes the harmonic count smoothly instead of clicking.
public struct WaveTables: @unchecked Sendable {
    /// Tables for increments below 2^-11 (23 Hz at 48 kHz) use band 0.
    /// `Int(Float(1.0 / 2048).bitPattern >> 21)`: biased exponent 116, times four quarters.
    @inlinable static var firstBandBits: Int { 464 }
    /// Quarter-octave bands from 2^-11 up to 0.5 cycles per sample, plus a sine-only top band.
    @inlinable public static var bandCount: Int { 45 }
    /// Harmonic limit: a 2048-sample table resolves this many with linear interpolation cleanly.
    static var maxHarmonics: Int { 512 }

    @usableFromInline enum Shape: Int { case saw = 0, square = 1, triangle = 2 }

    @usableFromInline let samples: UnsafePointer<Float>
    @usableFromInline let bands: UnsafePointer<WaveBand>

    /// The one shared set, built on first use (on a control thread: oscillators take a copy of
    /// the two pointers in their `init`, so the audio thread never touches this global).
    @usableFromInline static let shared = WaveTables()

    init() {
        let count = WaveTables.bandCount
        var layout: [(harmonics: Int, size: Int)] = []
        for b in 0..<count {
            // Top of band b in cycles per sample: 2^e * (1 + (q + 1) / 4).
            let e = b / 4 - 11
            let q = b % 4
            let top = Double(4 + q + 1) / 4 * pow(2, Double(e))
            var h = b == count - 1 ? 1 : Int(0.5 / top)
            h = min(max(h, 1), WaveTables.maxHarmonics)
            var size = 256
            while size < 16 * h && size < 2048 { size *= 2 }
            layout.append((h, size))
        }
        let total = 3 * layout.reduce(0) { $0 + $1.size + 2 }
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: total)
        let entries = UnsafeMutablePointer<WaveBand>.allocate(capacity: 3 * count)
        // A 2048-point sine; every table size divides it, so each harmonic is an exact lookup.
        let full = 2048
        let sine = (0..<full).map { sin(2 * Double.pi * Double($0) / Double(full)) }
        var offset = 0
        var sum = [Double](repeating: 0, count: full)
        for shape in 0..<3 {
            for (b, band) in layout.enumerated() {
                let n = band.size
                let stride = full / n
                for i in 0..<n { sum[i] = 0 }
                for h in 1...band.harmonics {
                    let amplitude: Double
                    var cosine = false
                    switch shape {
                    case 0: amplitude = -2 / (Double.pi * Double(h))                 // 2t - 1
                    case 1: amplitude = h % 2 == 1 ? 4 / (Double.pi * Double(h)) : 0 // +1 then -1
                    default:                                                          // -1 up to +1 and back
                        amplitude = h % 2 == 1 ? -8 / (Double.pi * Double.pi * Double(h * h)) : 0
                        cosine = true
                    }
                    if amplitude == 0 { continue }
                    let shift = cosine ? full / 4 : 0
                    for i in 0..<n { sum[i] += amplitude * sine[(h * i * stride + shift) % full] }
                }
                for i in 0..<n { buffer[offset + i] = Float(sum[i]) }
                buffer[offset + n] = buffer[offset]
                buffer[offset + n + 1] = buffer[offset + 1]
                entries[shape * count + b] = WaveBand(offset: Int32(offset), size: Float(n), mask: Int32(n - 1))
                offset += n + 2
            }
        }
        samples = UnsafePointer(buffer)
        bands = UnsafePointer(entries)
    }

    /// Band and crossfade weight for a phase increment, from its float bits.
    @inlinable @inline(__always) @_noAllocation @_noLocks
    static func band(_ increment: Float) -> (index: Int, fade: Float) {
        let bits = increment.bitPattern
        let b = Int(bits >> 21) &- firstBandBits
        if b < 0 { return (0, 0) }
        if b >= bandCount - 1 { return (bandCount - 1, 0) }
        // Crossfade only over the top quarter of the band: below it one table read is enough
        // (the table is alias-free across its whole band), which halves the usual cost.
        let position = Float(bits & 0x1F_FFFF) * (4.0 / 2_097_152) - 3
        return (b, position > 0 ? position : 0)
    }

    /// One table read, linearly interpolated; `t` in 0..<1.
    ///
    /// The index comes from the float bits of `x - 0.5 + 1.5·2^23` (floor, or one less at exact
    /// integers, where the fraction then reads 1 and the result is the same), which skips the
    /// checked float-to-int conversion. The mask drops the 2^22 and keeps even a NaN phase
    /// inside the table (table sizes divide 2^22).
    @inlinable @inline(__always) @_noAllocation @_noLocks
    func read(_ shape: Shape, band: Int, at t: Float) -> Float {
        let entry = bands[shape.rawValue &* WaveTables.bandCount &+ band]
        let x = t * entry.size
        let y = (x - 0.5) + 12_582_912
        let i = Int(y.bitPattern) & Int(entry.mask)
        let f = x - (y - 12_582_912)
        let p = samples + (Int(entry.offset) &+ i)
        return p[0] + (p[1] - p[0]) * f
    }

    /// The band-limited waveform at phase `t`, crossfaded between the two nearest bands.
    @inlinable @inline(__always) @_noAllocation @_noLocks
    func value(_ shape: Shape, at t: Float, band: (index: Int, fade: Float)) -> Float {
        let a = read(shape, band: band.index, at: t)
        if band.fade == 0 { return a }
        let b = read(shape, band: band.index &+ 1, at: t)
        return a + (b - a) * band.fade
    }
}
