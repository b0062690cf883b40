import Foundation

/// The radix-2 FFT the spectral tests share (DSP references, SoundFont timbres, live sound
/// changes): one kernel, so every test measures spectra the same way.
public enum FFT {
    /// In-place iterative Cooley-Tukey transform; `re.count` must be a power of two.
    public static func transform(_ re: inout [Double], _ im: inout [Double]) {
        let n = re.count
        precondition(n > 1 && n & (n - 1) == 0 && im.count == n, "FFT size must be a power of two")
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var len = 2
        while len <= n {
            let angle = -2 * Double.pi / Double(len)
            for start in stride(from: 0, to: n, by: len) {
                for k in 0..<len / 2 {
                    let wr = cos(angle * Double(k)), wi = sin(angle * Double(k))
                    let a = start + k, b = a + len / 2
                    let tr = re[b] * wr - im[b] * wi
                    let ti = re[b] * wi + im[b] * wr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                }
            }
            len <<= 1
        }
    }

    /// Magnitudes of bins 0...n/2 of `x` under a window (`window(i, n)` gives sample i's weight),
    /// zero-padded to a power of two.
    public static func magnitudes(_ x: ArraySlice<Float>, window: (Int, Int) -> Double) -> [Double] {
        var n = 2
        while n < x.count { n <<= 1 }
        var re = [Double](repeating: 0, count: n), im = [Double](repeating: 0, count: n)
        for (i, v) in x.enumerated() { re[i] = Double(v) * window(i, x.count) }
        transform(&re, &im)
        return (0...n / 2).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
    }

    /// The Hann window.
    public static func hann(_ i: Int, _ n: Int) -> Double { 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n - 1)) }
}
