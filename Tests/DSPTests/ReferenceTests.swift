import DSP
import Foundation
import Testing

/// Filter, envelope and limiter against their textbook behaviour, with tolerances.
@Suite struct ReferenceTests {
    /// Gain in dB of the filter at `hz`, from the DFT of its impulse response (it has decayed
    /// far below -120 dB within 16384 samples at these settings).
    func response(_ mode: FilterMode, cutoff: Float = 1000, resonance: Float = 0, at hz: Double) -> Double {
        var f = StateVariableFilter()
        f.set(cutoff: cutoff, resonance: resonance, sampleRate: 48000)
        var re = 0.0, im = 0.0
        for n in 0..<16384 {
            let h = Double(f.process(n == 0 ? 1 : 0, mode: mode))
            let w = 2 * Double.pi * hz * Double(n) / 48000
            re += h * cos(w)
            im -= h * sin(w)
        }
        return 10 * log10(re * re + im * im)
    }

    @Test func lowPassIsASecondOrderButterworth() {
        #expect(abs(response(.lowPass, at: 1000) + 3.01) < 0.25)
        #expect(response(.lowPass, at: 100) >= -0.5)
        #expect(response(.lowPass, at: 4000) <= -20)
        // 12 dB per octave well above the cutoff (a little more near Nyquist: bilinear warping).
        let slope = response(.lowPass, at: 4000) - response(.lowPass, at: 8000)
        #expect(slope > 11 && slope < 14.5, "slope \(slope) dB/octave")
    }

    @Test func highPassAndBandPassAreTheirMirrorAndPeak() {
        #expect(abs(response(.highPass, at: 1000) + 3.01) < 0.25)
        #expect(response(.highPass, at: 10000) >= -0.5)
        #expect(response(.highPass, at: 250) <= -20)
        let peak = response(.bandPass, at: 1000)
        #expect(peak - response(.bandPass, at: 100) > 15)
        #expect(peak - response(.bandPass, at: 10000) > 15)
        #expect(peak > response(.bandPass, at: 700) && peak > response(.bandPass, at: 1400))
    }

    @Test func resonancePeakGrowsWithResonance() {
        let levels = [Float(0), 0.3, 0.6, 0.9].map { response(.lowPass, resonance: $0, at: 1000) }
        for (a, b) in zip(levels, levels.dropFirst()) { #expect(b > a + 1) }
        #expect(levels.last! > 10, "peak at resonance 0.9: \(levels.last!) dB")
    }

    @Test func envelopeStagesTakeTheirSetTimes() {
        var e = Envelope()
        let rate: Float = 48000
        e.configure(attack: 0.02, decay: 0.1, sustain: 0.4, release: 0.3, sampleRate: rate)
        e.gateOn()
        // Attack: linear, reaching 1 after 0.02 s (960 samples), ±1 sample.
        var n = 0
        while e.level < 1 { _ = e.next(); n += 1 }
        #expect(abs(n - 960) <= 1, "attack took \(n) samples")
        // Decay: exponential, -60 dB of (1 - sustain) at 0.1 s, -30 dB at half of it.
        for _ in 0..<2400 { _ = e.next() }
        #expect(abs((e.level - 0.4) / 0.6 - 0.0316) < 0.003, "half-decay \(e.level)")
        for _ in 0..<2400 { _ = e.next() }
        #expect(abs(e.level - 0.4) < 0.6 * 0.0015)
        for _ in 0..<4800 { _ = e.next() }
        #expect(e.stage == .sustain && e.level == 0.4)
        // Release: -30 dB after 0.15 s, -60 dB after 0.3 s, idle soon after.
        e.gateOff()
        for _ in 0..<7200 { _ = e.next() }
        #expect(abs(e.level / 0.4 - 0.0316) < 0.003)
        for _ in 0..<7200 { _ = e.next() }
        #expect(abs(e.level / 0.4 - 0.001) < 0.0002)
        for _ in 0..<4800 { _ = e.next() }
        #expect(!e.isActive)
    }

    @Test func limiterNeverPassesTheCeilingAndNeverPassesNaN() {
        let ceiling: Float = 0.891   // -1 dBFS
        var limiter = Limiter(ceiling: ceiling, lookahead: 48, releaseSeconds: 0.05, sampleRate: 48000)
        defer { limiter.deallocate() }
        // +12 dB over the ceiling: sine, seeded noise bursts, lone spikes, and non-finite values.
        var noise = Noise(seed: 99)
        let n = 96000
        var l = [Float](repeating: 0, count: n), r = l
        for i in 0..<n {
            let sine = Float(3.98 * sin(2 * Double.pi * 97 * Double(i) / 48000))
            let burst: Float = (i / 4800) % 2 == 0 ? 3.98 * noise.next() : 0
            l[i] = i < 48000 ? sine : burst
            r[i] = i % 1000 == 0 ? 3.98 : l[i] * 0.5
        }
        l[500] = .nan
        r[700] = .infinity
        l[900] = -.infinity
        l.withUnsafeMutableBufferPointer { lp in r.withUnsafeMutableBufferPointer { rp in
            var i = 0
            while i < n { limiter.process(left: lp.baseAddress! + i, right: rp.baseAddress! + i, count: min(64, n - i)); i += 64 }
        } }
        #expect(l.allSatisfy { $0.isFinite } && r.allSatisfy { $0.isFinite })
        let peak = max(l.map(abs).max()!, r.map(abs).max()!)
        #expect(peak <= ceiling, "peak \(peak)")
        #expect(peak > ceiling * 0.95)   // it limits, it does not mute
    }
}
