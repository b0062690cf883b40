import DSP
import Foundation
import Testing

@Suite struct OscillatorTests {
    static let rate = 48000.0

    func render(_ count: Int, _ produce: (inout Oscillator) -> Float) -> [Float] {
        var osc = Oscillator()
        for _ in 0..<1000 { _ = produce(&osc) }
        return (0..<count).map { _ in produce(&osc) }
    }

    @Test(arguments: [Waveform.saw, .square, .triangle, .pulse])
    func fiveKilohertzHasNoAliasesAboveMinus60dB(_ wave: Waveform) {
        let increment = Float(5000 / Self.rate)
        let x = render(32768) { $0.next(wave, increment: increment) }
        let (db, hz) = Spectrum.worstNonHarmonic(x, fundamental: Double(increment) * Self.rate, sampleRate: Self.rate)
        #expect(db < -60, "\(wave): strongest non-harmonic component \(db) dB at \(hz) Hz")
    }

    @Test(arguments: [Waveform.saw, .square, .triangle, .pulse])
    func blockRenderAtFiveKilohertzHasNoAliasesAboveMinus60dB(_ wave: Waveform) {
        let increment = Float(5000 / Self.rate)
        var osc = Oscillator()
        var x = [Float](repeating: 0, count: 32768 + 1000)
        x.withUnsafeMutableBufferPointer { osc.render(wave, increment: increment, width: 0.3, into: $0.baseAddress!, count: $0.count, adding: false) }
        let (db, hz) = Spectrum.worstNonHarmonic(Array(x[1000...]), fundamental: Double(increment) * Self.rate, sampleRate: Self.rate)
        #expect(db < -60, "\(wave): strongest non-harmonic component \(db) dB at \(hz) Hz")
    }

    @Test(arguments: [Float(0.1), 0.3, 0.75])
    func pulseOfAnyWidthHasNoAliases(_ width: Float) {
        let increment = Float(5000 / Self.rate)
        let x = render(32768) { $0.next(.pulse, increment: increment, width: width) }
        let (db, hz) = Spectrum.worstNonHarmonic(x, fundamental: Double(increment) * Self.rate, sampleRate: Self.rate)
        #expect(db < -60, "width \(width): \(db) dB at \(hz) Hz")
    }

    @Test func aNaiveSawWouldFailTheAliasTest() {
        // The measurement must be able to see aliases: a naive saw at 5 kHz has them near -20 dB.
        let increment = Float(5000 / Self.rate)
        var phase: Float = 0
        let x = (0..<32768).map { _ -> Float in
            let v = 2 * phase - 1
            phase += increment
            if phase >= 1 { phase -= 1 }
            return v
        }
        #expect(Spectrum.worstNonHarmonic(x, fundamental: Double(increment) * Self.rate, sampleRate: Self.rate).db > -40)
    }

    @Test func lowSawKeepsItsHarmonicsUpTheSpectrum() {
        // A 110 Hz saw: the 100th harmonic (11 kHz) is there at about 1/100 of the fundamental.
        let increment = Float(110 / Self.rate)
        let x = render(32768) { $0.next(.saw, increment: increment) }
        let mags = Spectrum.magnitudes(x)
        let f0 = Double(increment) * Self.rate
        let h1 = Spectrum.level(mags, at: f0, sampleRate: Self.rate, size: x.count)
        let h100 = Spectrum.level(mags, at: 100 * f0, sampleRate: Self.rate, size: x.count)
        #expect(abs((h100 - h1) + 40) < 1.5, "harmonic 100 at \(h100 - h1) dB")
    }

    @Test func levelsAndSymmetry() {
        for wave in [Waveform.saw, .square, .triangle, .sine, .pulse] {
            let x = render(48000) { $0.next(wave, increment: Float(220 / Self.rate)) }
            let peak = x.map(abs).max()!
            let mean = x.reduce(0, +) / Float(x.count)
            #expect(peak > 0.95 && peak < 1.2, "\(wave) peak \(peak)")
            #expect(abs(mean) < 0.01, "\(wave) DC \(mean)")
        }
    }

    @Test func pulseWidthModulationDoesNotClick() {
        // Width swept 0.1...0.9 at 5 Hz on a 201.37 Hz pulse (a period that is not a whole
        // number of samples, so edges land at every sub-sample position). A click would be a step
        // between samples larger than any band-limited pulse edge; the reference is the largest
        // step of steady pulses at widths across the same range.
        let inc = Float(201.37 / Self.rate)
        var worstSteady: Float = 0
        for k in 1...9 {
            var steady = Oscillator()
            var last = steady.next(.pulse, increment: inc, width: Float(k) / 10)
            for _ in 0..<9600 {
                let s = steady.next(.pulse, increment: inc, width: Float(k) / 10)
                worstSteady = max(worstSteady, abs(s - last))
                last = s
            }
        }
        var osc = Oscillator()
        var lfo = LFO()
        var last: Float = 0
        var worst: Float = 0
        for i in 0..<48000 {
            let w = 0.5 + 0.4 * lfo.next(.sine, increment: Float(5 / Self.rate))
            let y = osc.next(.pulse, increment: inc, width: w)
            if i > 0 { worst = max(worst, abs(y - last)) }
            last = y
        }
        #expect(worst < worstSteady * 1.05, "PWM step \(worst) vs steady edges \(worstSteady)")
    }

    @Test func waveformIsContinuousInPitchAcrossTableBands() {
        // Tables switch every quarter octave; the crossfade must make the waveform at a given
        // phase a continuous function of the increment, or a vibrato across a band edge clicks.
        func value(_ wave: Waveform, _ t: Float, _ increment: Float) -> Float {
            var osc = Oscillator(phase: t)
            return osc.next(wave, increment: increment)
        }
        var worst: Float = 0
        var edge = Float(1.0 / 2048)
        while edge < 0.25 {
            for q in 0..<4 {
                let boundary = edge * (1 + Float(q) / 4)
                for wave in [Waveform.saw, .square, .triangle] {
                    for k in 0..<256 {
                        let t = Float(k) / 256
                        worst = max(worst, abs(value(wave, t, boundary.nextDown) - value(wave, t, boundary)))
                    }
                }
            }
            edge *= 2
        }
        #expect(worst < 0.005, "largest jump across a band edge \(worst)")
    }

    @Test(arguments: Waveform.allCases)
    func blockRenderMatchesPerSampleNext(_ wave: Waveform) {
        // In 300-sample stretches started from the same phase, rendered in odd block sizes,
        // the block path is the same waveform as `next` to float rounding. (Over long runs the
        // two phase accumulations drift apart by rounding, so each stretch re-aligns them.)
        for hz in [61.7, 4321.0] {
            let inc = Float(hz / Self.rate)
            var a = Oscillator(phase: 0.2), b = Oscillator(phase: 0.2)
            var worst: Float = 0
            var block = [Float](repeating: 0, count: 300)
            let sizes = [1, 7, 64, 33, 100, 5, 90]
            for stretch in 0..<40 {
                b.phase = a.phase
                let reference = (0..<300).map { _ in a.next(wave, increment: inc, width: 0.3) }
                block.withUnsafeMutableBufferPointer { p in
                    var i = 0, k = stretch
                    while i < p.count {
                        let n = min(sizes[k % sizes.count], p.count - i)
                        if k % 2 == 1 { for j in i..<(i + n) { p[j] = 0.25 } }
                        b.render(wave, increment: inc, width: 0.3, into: p.baseAddress! + i, count: n, adding: k % 2 == 1)
                        if k % 2 == 1 { for j in i..<(i + n) { p[j] -= 0.25 } }
                        i += n
                        k += 1
                    }
                }
                worst = max(worst, zip(reference, block).map { abs($0 - $1) }.max()!)
            }
            // Phases agree to float rounding (about 1e-5 cycles after 300 additions); on the steepest
            // edge, a low saw's (about 1000 per cycle), that is up to 0.01. A wrong phase or wrap
            // would differ by tenths.
            #expect(worst < 0.01, "\(wave) at \(hz) Hz differs by \(worst)")
            // The block path's phase stays on the exact (double precision) phase.
            var c = Oscillator(phase: 0.2)
            let n = 48000
            var sink = [Float](repeating: 0, count: 256)
            var done = 0
            while done < n {
                let m = min(256, n - done)
                sink.withUnsafeMutableBufferPointer { c.render(wave, increment: inc, into: $0.baseAddress!, count: m, adding: false) }
                done += m
            }
            let exact = (0.2 + Double(n) * Double(inc)).truncatingRemainder(dividingBy: 1)
            let error = abs(Double(c.phase) - exact)
            #expect(min(error, 1 - error) < 1e-4, "phase after 1 s off by \(error) cycles")
        }
    }

    @Test func nonFiniteIncrementNeverTrapsOrSticks() {
        var osc = Oscillator()
        _ = osc.next(.saw, increment: .nan)
        _ = osc.next(.pulse, increment: .infinity, width: .nan)
        _ = osc.next(.triangle, increment: -0.3)
        let y = osc.next(.saw, increment: 0.01)
        #expect(y.isFinite)
        #expect(osc.phase >= 0 && osc.phase < 1)
    }
}
