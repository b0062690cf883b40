import Foundation
import TestSupport

/// Spectrum analysis for the reference tests: a radix-2 FFT and a Blackman-Harris window
/// (sidelobes near -92 dB, so a -60 dB alias is never hidden under a harmonic's leakage).
enum Spectrum {
    /// Magnitudes (linear) of bins 0...n/2 of a Blackman-Harris-windowed signal; n a power of two.
    static func magnitudes(_ x: [Float]) -> [Double] {
        let n = x.count
        precondition(n > 1 && n & (n - 1) == 0, "FFT size must be a power of two")
        var re = [Double](repeating: 0, count: n)
        var im = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let p = 2 * Double.pi * Double(i) / Double(n)
            let w = 0.35875 - 0.48829 * cos(p) + 0.14128 * cos(2 * p) - 0.01168 * cos(3 * p)
            re[i] = Double(x[i]) * w
        }
        fft(&re, &im)
        return (0...n / 2).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
    }

    /// In-place FFT (the shared kernel).
    static func fft(_ re: inout [Double], _ im: inout [Double]) { FFT.transform(&re, &im) }

    /// The loudest component (dB relative to the fundamental) lying more than `guardBins` bins
    /// from every harmonic of `fundamental` (including DC), and where it is.
    static func worstNonHarmonic(_ x: [Float], fundamental: Double, sampleRate: Double, guardBins: Double = 6) -> (db: Double, hz: Double) {
        let mags = magnitudes(x)
        let binHz = sampleRate / Double(x.count)
        let f0Bin = Int((fundamental / binHz).rounded())
        let reference = mags[max(0, f0Bin - 3)...min(mags.count - 1, f0Bin + 3)].max()!
        var worst = -400.0, worstHz = 0.0
        for (k, m) in mags.enumerated() {
            let hz = Double(k) * binHz
            let nearest = (hz / fundamental).rounded() * fundamental
            if abs(hz - nearest) <= guardBins * binHz { continue }
            let db = 20 * log10(max(m, 1e-30) / reference)
            if db > worst { worst = db; worstHz = hz }
        }
        return (worst, worstHz)
    }

    /// Level in dB (relative to `reference`) of the strongest bin within 3 bins of `hz`.
    static func level(_ mags: [Double], at hz: Double, sampleRate: Double, size: Int) -> Double {
        let k = Int((hz * Double(size) / sampleRate).rounded())
        return 20 * log10(max(mags[max(0, k - 3)...min(mags.count - 1, k + 3)].max()!, 1e-30))
    }
}
